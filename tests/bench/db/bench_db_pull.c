/*
 * The tablet's side of a first pull: a fresh store (the demo unit's
 * reference data, nothing else) applies N observations of 40 counter
 * events, 5 notes and up to 5 ratings each, as records of the model, in
 * pages of P records with the page's cursor, each page one transaction not
 * synced before it returns and begun as a page (db_sync_page_begin), as
 * the sync engine applies a pulled page (the
 * JSON decoding and the network are bench_sync's). Beside it, in the same run, the ceiling: the same rows
 * written into the same tables of another fresh store by plain prepared
 * INSERTs, one transaction a page, with nothing looked up or remembered for
 * sync. Both files are WAL with synchronous=FULL. Ids are random, as a
 * tablet's are, and the store has the sync handle's page cache.
 * Usage: bench_db_pull [OBSERVATIONS] [PAGE]
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "db.h"
#include "db_sync.h"
#include "demo.h"

#define ID(n) "0b11c000-0000-4000-8000-0000000000" n
/* Records per observation: 1 observation, 40 events, 5 notes and a rating
 * of each of the focus's signs (at most 5). */
static int per_obs = 46;

/* CPU time of the whole process (every thread), in nanoseconds: on a
 * machine shared with others the wall clock also counts their turns. */
static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(db *d, const char *what)
{
    fprintf(stderr, "bench_db_pull: %s: %s\n", what, d ? db_errmsg(d) : "");
    exit(1);
}

/* Ids made the way one tablet's store makes them (model_id_next, version
 * 7): the time the record was made, the count in its millisecond (0 here,
 * every record has a millisecond of its own), then the bits its maker drew
 * once, here the same fixed bytes in both runs, so that both make the same
 * ids. */
static int id_bytes(const plat_sys *sys, void *buf, size_t len)
{
    (void)sys;
    unsigned char *b = buf;
    for (size_t i = 0; i < len; i++)
        b[i] = (unsigned char)(0xA7 + 61 * i);
    return 0;
}

static int64_t id_time(const plat_sys *sys) { return *(const int64_t *)sys->ctx; }

static void tablet_id(model_id out, int64_t at)
{
    plat_sys sys = {.now_ms = id_time, .random = id_bytes, .ctx = &at};
    model_ids g = {0};
    if (model_id_next(&g, &sys, out) != 0)
        die(NULL, "id");
}

/* Record k of observation i, made the same way for both runs. */
static void make(const model_focus *f, int i, int k, model_record *r)
{
    memset(r, 0, sizeof *r);
    char obs[40];
    int64_t t = 1767225600000LL + (int64_t)i * 3600000;
    tablet_id(obs, t);
    if (k == 0) {
        r->entity = MODEL_ENT_OBSERVATION;
        model_observation *o = &r->u.obs;
        model_copy(o->id, sizeof o->id, obs);
        model_copy(o->unit_id, sizeof o->unit_id, DEMO_UNIT_ID);
        model_copy(o->focus_id, sizeof o->focus_id, f->id);
        o->focus_version = f->version;
        model_copy(o->template_id, sizeof o->template_id, f->template_id);
        o->template_version = 1;
        model_copy(o->observer_id, sizeof o->observer_id, ID("21"));
        model_copy(o->observee_id, sizeof o->observee_id, ID("23"));
        model_copy(o->room_id, sizeof o->room_id, ID("11"));
        model_copy(o->activity, sizeof o->activity, "Samling");
        model_copy(o->context_json, sizeof o->context_json, "{}");
        o->agreement = 1;
        o->started_at = t;
        o->ended_at = t + 1800000;
        o->status = MODEL_OBS_FINISHED;
        o->revision = 1;
        o->updated_at = t + 1800000;
    } else if (k <= 40) {
        r->entity = MODEL_ENT_EVENT;
        model_event *e = &r->u.event;
        tablet_id(e->id, t + k * 20000);
        model_copy(e->observation_id, sizeof e->observation_id, obs);
        e->kind = MODEL_EV_COUNT;
        model_copy(e->key, sizeof e->key, k % 2 ? "open_q" : "closed_q");
        e->at = t + k * 20000;
    } else if (k <= 45) {
        r->entity = MODEL_ENT_NOTE;
        model_note *n = &r->u.note;
        tablet_id(n->id, t + k * 20000);
        model_copy(n->observation_id, sizeof n->observation_id, obs);
        n->at = t + k * 20000;
        snprintf(n->text, sizeof n->text,
                 "Note %d: Asked an open question and waited; three children answered in whole "
                 "sentences.",
                 k);
    } else {
        r->entity = MODEL_ENT_RATING;
        model_rating *g = &r->u.rating;
        model_copy(g->observation_id, sizeof g->observation_id, obs);
        model_copy(g->sign_id, sizeof g->sign_id, f->signs[(k - 46) % f->n_signs].id);
        g->level = k % 3;
        g->at = t + 1800000;
    }
}

/* The ceiling: the rows alone, by plain prepared INSERTs. */
static double plain(const char *path, const model_focus *f, int n_obs, int page, double *cpu_s)
{
    sqlite3 *c;
    if (sqlite3_open(path, &c) != SQLITE_OK ||
        sqlite3_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL) !=
            SQLITE_OK)
        die(NULL, sqlite3_errmsg(c));
    sqlite3_stmt *ins[4];
    static const char *const sql[4] = {
        "INSERT INTO observation(id, unit_id, focus_id, focus_version, template_id,"
        " template_version, observer_id, observee_id, room_id, activity, context, agreement,"
        " started_at, ended_at, status, revision, updated_at)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        "INSERT INTO event(id, observation_id, kind, key, target_id, at)"
        " VALUES(?1, ?2, ?3, ?4, NULL, ?5)",
        "INSERT INTO note(id, observation_id, at, text, sign_id) VALUES(?1, ?2, ?3, ?4, NULL)",
        "INSERT INTO rating(observation_id, sign_id, level, at) VALUES(?1, ?2, ?3, ?4)"};
    for (int i = 0; i < 4; i++)
        if (sqlite3_prepare_v2(c, sql[i], -1, &ins[i], NULL) != SQLITE_OK)
            die(NULL, sqlite3_errmsg(c));
    model_record *r = malloc(sizeof *r);
    int total = n_obs * per_obs, done = 0;
    int64_t t0 = bench_ns(), c0 = cpu_ns();
    while (done < total) {
        sqlite3_exec(c, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (int j = 0; j < page && done < total; j++, done++) {
            make(f, done / per_obs, done % per_obs, r);
            sqlite3_stmt *st;
            if (r->entity == MODEL_ENT_OBSERVATION) {
                const model_observation *o = &r->u.obs;
                st = ins[0];
                const char *txt[] = {o->id,          o->unit_id,  o->focus_id,    NULL,
                                     o->template_id, NULL,        o->observer_id, o->observee_id,
                                     o->room_id,     o->activity, o->context_json};
                for (int b = 0; b < 11; b++)
                    if (txt[b])
                        sqlite3_bind_text(st, b + 1, txt[b], -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 4, o->focus_version);
                sqlite3_bind_int(st, 6, o->template_version);
                sqlite3_bind_int(st, 12, 1);
                sqlite3_bind_int64(st, 13, o->started_at);
                sqlite3_bind_int64(st, 14, o->ended_at);
                sqlite3_bind_int(st, 15, 1);
                sqlite3_bind_int(st, 16, o->revision);
                sqlite3_bind_int64(st, 17, o->updated_at);
            } else if (r->entity == MODEL_ENT_EVENT) {
                const model_event *e = &r->u.event;
                st = ins[1];
                sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, e->observation_id, -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 3, (int)e->kind);
                sqlite3_bind_text(st, 4, e->key, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 5, e->at);
            } else if (r->entity == MODEL_ENT_NOTE) {
                const model_note *m = &r->u.note;
                st = ins[2];
                sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, m->observation_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 3, m->at);
                sqlite3_bind_text(st, 4, m->text, -1, SQLITE_STATIC);
            } else {
                const model_rating *g = &r->u.rating;
                st = ins[3];
                sqlite3_bind_text(st, 1, g->observation_id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, g->sign_id, -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 3, g->level);
                sqlite3_bind_int64(st, 4, g->at);
            }
            if (sqlite3_step(st) != SQLITE_DONE)
                die(NULL, sqlite3_errmsg(c));
            sqlite3_reset(st);
        }
        if (sqlite3_exec(c, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            die(NULL, sqlite3_errmsg(c));
    }
    double s = (double)(bench_ns() - t0) / 1e9;
    *cpu_s = (double)(cpu_ns() - c0) / 1e9;
    for (int i = 0; i < 4; i++)
        sqlite3_finalize(ins[i]);
    sqlite3_close(c);
    free(r);
    return s;
}

static db *fresh(const char *path, const plat_sys *sys, model_focus *f)
{
    db *d;
    char err[256];
    if (db_open(path, sys, &d) != DB_OK || demo_load(d, err, sizeof err) != DB_OK ||
        db_focus_get(d, ID("41"), 0, f) != DB_OK)
        die(d, "open");
    return d;
}

int main(int argc, char **argv)
{
    int n_obs = argc > 1 ? atoi(argv[1]) : 10000;
    int page = argc > 2 ? atoi(argv[2]) : 500;
    char dir[] = "/tmp/blik-bench-pull-XXXXXX";
    if (!mkdtemp(dir) || n_obs < 1 || page < 1)
        return 1;
    char path[256], path2[256];
    snprintf(path, sizeof path, "%s/blik.db", dir);
    snprintf(path2, sizeof path2, "%s/plain.db", dir);
    plat_sys *sys = plat_fake_new(1767225600000LL, 99);
    model_focus *f = malloc(sizeof *f);
    db *d2 = fresh(path2, sys, f);
    db_close(d2);
    per_obs = 46 + (f->n_signs < 5 ? f->n_signs : 5);
    db *d = fresh(path, sys, f);
    /* The sync engine's handle has a page cache of 16 MiB (sync_int.h). */
    if (db_page_cache_set(d, 16384) != DB_OK)
        die(d, "cache");

    model_record *recs = malloc(sizeof *recs * (size_t)page);
    if (!recs)
        return 1;
    int total = n_obs * per_obs, done = 0, pages = 0;
    double *lat = malloc(sizeof(double) * (size_t)(total / page + 1));
    int64_t t0 = bench_ns(), c0 = cpu_ns();
    while (done < total) {
        int k = 0;
        for (; k < page && done + k < total; k++)
            make(f, (done + k) / per_obs, (done + k) % per_obs, &recs[k]);
        int64_t a = bench_ns();
        if (db_batch_begin_unsynced(d) != DB_OK || db_sync_page_begin(d) != DB_OK)
            die(d, "begin");
        for (int j = 0; j < k; j++) {
            db_sync_item it = {&recs[j], 1};
            if (db_sync_apply(d, &it, 0) != DB_OK)
                die(d, "apply");
        }
        if (db_sync_cursor_put(d, ID("21"), done + k) != DB_OK || db_batch_end(d, 1) != DB_OK)
            die(d, "commit");
        lat[pages++] = (double)(bench_ns() - a) / 1e6;
        done += k;
    }
    double apply_s = (double)(bench_ns() - t0) / 1e9, apply_cpu = (double)(cpu_ns() - c0) / 1e9;
    db_close(d);
    double plain_cpu, plain_s = plain(path2, f, n_obs, page, &plain_cpu);
    double load[1] = {0};
    getloadavg(load, 1);

    char note[200];
    snprintf(note, sizeof note,
             "%d records (%d observations) onto a fresh store, pages of %d; load %.1f on %d cores",
             total, n_obs, page, load[0], (int)sysconf(_SC_NPROCESSORS_ONLN));
    bench_report("db_pull.apply_rate", total / apply_s, "records/s", note);
    bench_report("db_pull.page_p50", bench_percentile(lat, (size_t)pages, 50), "ms",
                 "one page applied and committed with its cursor");
    bench_report("db_pull.page_p99", bench_percentile(lat, (size_t)pages, 99), "ms",
                 "one page applied and committed with its cursor");
    bench_report("db_pull.plain_insert_rate", total / plain_s, "records/s",
                 "the same rows by plain prepared INSERTs, same run");
    bench_report("db_pull.vs_plain", plain_s / apply_s, "ratio",
                 "apply rate / plain insert rate (1 = as fast as the disk and SQLite allow)");
    bench_report("db_pull.apply_cpu", apply_cpu * 1e6 / total, "us/record",
                 "CPU time of the process while applying");
    bench_report("db_pull.plain_cpu", plain_cpu * 1e6 / total, "us/record",
                 "CPU time of the process for the plain INSERTs");
    free(lat);
    free(recs);
    free(f);
    plat_fake_free(sys);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0;
}
