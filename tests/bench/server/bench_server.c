/*
 * Ingest benchmark: 50 simulated tablets push observations and events to a
 * real blik-server (with its default pool of database connections) over TLS
 * on loopback, each on its own keep-alive connection; we measure records
 * per second and the push latency percentiles. In the same run, on the
 * same PostgreSQL cluster (fsync on), the same rows are inserted over one
 * plain connection in transactions of the same size, in four ways (a
 * statement a row, pipeline mode, arrays with unnest, COPY), which are
 * the yardsticks: what the server costs on top of the database doing just
 * the inserts, and which way a push should take. Beside the rates, the CPU
 * each side spent per 1,000 records: the server's and its database's for
 * the ingest, the database's for the one-connection COPY. A COPY of 20
 * rows a transaction mostly waits for the log's sync, the server's pushes
 * share it among its connections, so the rates' ratio says as much about
 * the disk as about the work; the CPU does not. The goal's yardstick is a
 * COPY of every row the server adds for the records, the office's figures
 * with their indexes included, run before the ingest and after it (the
 * whole ways below); the other ways write items, changes and observations
 * alone.
 *
 * Usage: bench_server [tablets] [pushes per tablet] [records per push]
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "benchutil.h"
#include "proto.h"
#include "srv.h"
#include "srv_int.h"
#include "srvtest.h"

#define UNITS 10

typedef struct {
    model_id unit, room, observer, observee, focus, tmpl;
} unit_ids;

static char conninfo[512];
static tsrv S;

static int admin(char *out, size_t cap, ...)
{
    char *argv[40] = {"--db", conninfo};
    int argc = 2;
    va_list ap;
    va_start(ap, cap);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < 39)
        argv[argc++] = (char *)a;
    va_end(ap);
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    int rc = srv_admin_main(argc, argv, stdin, o, stderr);
    fclose(o);
    if (out) {
        snprintf(out, cap, "%s", buf ? buf : "");
        out[strcspn(out, "\n")] = 0;
    }
    free(buf);
    return rc;
}

static int make_unit(int i, const char *dir, unit_ids *u)
{
    char name[40], path[700], doc[1200];
    snprintf(name, sizeof name, "Bench unit %d", i);
    model_id tid;
    if (admin(u->unit, sizeof u->unit, "unit-add", "--name", name, NULL) ||
        admin(u->room, sizeof u->room, "room-add", "--unit", u->unit, "--name", "Room", NULL) ||
        admin(u->observer, sizeof u->observer, "person-add", "--unit", u->unit, "--name", "Obs",
              "--role", "peer", NULL) ||
        admin(u->observee, sizeof u->observee, "person-add", "--unit", u->unit, "--name", "Ee",
              "--role", "peer", NULL) ||
        model_id_new(plat_sys_os(), tid))
        return -1;
    snprintf(doc, sizeof doc,
             "{\"id\":\"%.36s\",\"unit_id\":\"%.36s\",\"version\":1,\"name\":\"T\","
             "\"scale\":[\"no\",\"yes\"],\"counters\":[{\"key\":\"open_q\",\"label\":\"Open\"}],"
             "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
             tid, u->unit);
    snprintf(path, sizeof path, "%s/t%d.json", dir, i);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(doc, f);
    fclose(f);
    return admin(u->tmpl, sizeof u->tmpl, "template-add", "--unit", u->unit, "--file", path,
                 NULL) ||
           admin(u->focus, sizeof u->focus, "focus-add", "--unit", u->unit, "--question", "Q?",
                 "--from", "2026-01-01", "--to", "2026-12-31", "--template", u->tmpl, "--sign",
                 "Sign", NULL);
}

typedef struct {
    const unit_ids *u;
    char authz[160];
    int pushes, per_push;
    double *lat_ms; /* one per push */
    int ok_records, failures;
    proto_change *changes;
    model_ids ids; /* its records' ids, made as a tablet's store makes them */
    /* the rows this tablet's records became, for the yardstick */
} tablet;

/* One observation followed by events on it, repeated to fill a push (the
 * records of an earlier fill freed first). */
static void fill(tablet *t, proto_change *c, int n)
{
    const plat_sys *sys = plat_sys_os();
    model_id obs = "";
    proto_changes_clear(c, n);
    for (int i = 0; i < n; i++) {
        memset(&c[i], 0, sizeof c[i]);
        model_id_new(sys, c[i].change_id);
        snprintf(c[i].actor_id, sizeof c[i].actor_id, "%s", t->u->observer);
        c[i].rec = model_record_new(i % 5 == 0 ? MODEL_ENT_OBSERVATION : MODEL_ENT_EVENT);
        if (!c[i].rec) {
            fprintf(stderr, "bench: out of memory\n");
            exit(1);
        }
        if (i % 5 == 0) {
            c[i].rec->entity = MODEL_ENT_OBSERVATION;
            model_observation *o = &c[i].rec->u.obs;
            model_id_next(&t->ids, sys, o->id);
            snprintf(obs, sizeof obs, "%s", o->id);
            snprintf(o->unit_id, sizeof o->unit_id, "%s", t->u->unit);
            snprintf(o->focus_id, sizeof o->focus_id, "%s", t->u->focus);
            snprintf(o->template_id, sizeof o->template_id, "%s", t->u->tmpl);
            o->focus_version = o->template_version = 1;
            snprintf(o->observer_id, sizeof o->observer_id, "%s", t->u->observer);
            snprintf(o->observee_id, sizeof o->observee_id, "%s", t->u->observee);
            snprintf(o->room_id, sizeof o->room_id, "%s", t->u->room);
            snprintf(o->activity, sizeof o->activity, "Circle time");
            snprintf(o->context_json, sizeof o->context_json, "{\"children\":14}");
            o->agreement = 1;
            o->started_at = 1790000000000;
            o->ended_at = 1790000900000;
            o->status = MODEL_OBS_FINISHED;
            o->revision = 1;
            o->updated_at = 1790000900000;
        } else {
            c[i].rec->entity = MODEL_ENT_EVENT;
            model_event *e = &c[i].rec->u.event;
            model_id_next(&t->ids, sys, e->id);
            snprintf(e->observation_id, sizeof e->observation_id, "%s", obs);
            e->kind = MODEL_EV_COUNT;
            snprintf(e->key, sizeof e->key, "open_q");
            e->at = 1790000000000 + i * 1000;
        }
    }
}

static void *run_tablet(void *ud)
{
    tablet *t = ud;
    CURL *c = curl_easy_init();
    char url[128], auth[200];
    snprintf(url, sizeof url, "%s/v1/push", S.url);
    snprintf(auth, sizeof auth, "Authorization: %s", t->authz);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, S.ca);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, thttp_discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    proto_change *ch = calloc((size_t)t->per_push, sizeof *ch);
    for (int p = 0; p < t->pushes; p++) {
        fill(t, ch, t->per_push);
        proto_push push = {PROTO_SCHEMA, t->per_push, ch};
        char *body = proto_push_encode(&push);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        int64_t t0 = bench_ns();
        CURLcode rc = curl_easy_perform(c);
        t->lat_ms[p] = (double)(bench_ns() - t0) / 1e6;
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc == CURLE_OK && status == 200)
            t->ok_records += t->per_push;
        else
            t->failures++;
        free(body);
    }
    proto_changes_clear(ch, t->per_push);
    free(ch);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* The yardsticks: the same rows the server stores for these records (an
 * item per record, a change row per record but an event, an observation
 * row per observation), inserted over one connection, one transaction per
 * push-sized batch, in each of the ways a set-based push could send them:
 * a statement a row (what the server did before), the same statements in
 * libpq's pipeline mode (one round trip a batch), one INSERT a table from
 * arrays with unnest, and COPY. Each way fills tables of its own. */
typedef enum {
    WAY_ROW,
    WAY_PIPELINE,
    WAY_UNNEST,
    WAY_COPY,
    WAY_COUNT,
    WAY_WHOLE_PRE = WAY_COUNT,
    WAY_WHOLE
} way;
static const char *const way_name[WAY_WHOLE + 1] = {"row",  "pipeline",  "unnest",
                                                    "copy", "whole_pre", "whole"};

/* The ways that write every new row a push makes (whole_*): besides the
 * rows above, the office's figures of each observation (fact_obs and its
 * counts, srv_facts), each table shaped as the server's with all its
 * indexes, observations' too. They are COPYed, once before the ingest and
 * once after it, so that the disk's speed, which sways a COPY of 20 rows a
 * transaction more than the server's pushes (their commits share the
 * log's syncs), is taken on both sides of the ingest. The rows the server
 * updates rather than adds (the unit's feed number, the device's row, the
 * monthly sums) are left out: COPY cannot update. */
static int way_whole(way w) { return w >= WAY_WHOLE_PRE; }

/* A growable text, for array literals and COPY data. */
typedef struct {
    char *s;
    size_t n, cap;
} text;

static void put(text *t, const char *p, size_t len)
{
    if (t->n + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->n + len + 1)
            cap *= 2;
        t->s = realloc(t->s, cap);
        if (!t->s)
            abort();
        t->cap = cap;
    }
    memcpy(t->s + t->n, p, len);
    t->n += len;
    t->s[t->n] = 0;
}

/* One element of an array literal (after the first, a comma first). */
static void put_elem(text *t, const char *v)
{
    put(t, t->n > 1 ? ",\"" : "\"", t->n > 1 ? 2 : 1);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            put(t, "\\", 1);
        put(t, v, 1);
    }
    put(t, "\"", 1);
}

static int ok(PGresult *r, ExecStatusType want)
{
    int good = PQresultStatus(r) == want;
    if (!good)
        fprintf(stderr, "bench_server: %s", PQresultErrorMessage(r));
    PQclear(r);
    return good;
}

/* COPYs rows made by srv_buf_copy_field, as the server's push does. */
static int copy_rows(PGconn *pg, const char *sql, const srv_buf *t)
{
    char err[300];
    if (srv_copy_in(pg, sql, t->s, t->n, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "bench_server: %s\n", err);
    return -1;
}

/* The rows of one record, as text. */
typedef struct {
    const char *ent, *obs;
    char key[MODEL_RECORD_KEY_MAX], seq[24];
    char *data;
} row;

static const char *const INS_ITEM = "INSERT INTO y_items_%s (entity, key, unit_id, seq,"
                                    " observation_id, version, author_id, device_id, data)"
                                    " VALUES ($1,$2,$3,$4::bigint,$5,1,$6,$7,$8)";
static const char *const INS_CHANGE = "INSERT INTO y_changes_%s (change_id, device_id, entity,"
                                      " key, body_sha256, status, version)"
                                      " VALUES ($1,$2,$3,$4,$5,$6,1)";
static const char *const INS_OBS = "INSERT INTO y_obs_%s VALUES ($1,$2,$3,$4)";

/* Whether the server keeps a row in changes for a record: for every one
 * but an event, which is known by its own id (PROTOCOL.md). The
 * yardsticks insert the rows the server does, no more. */
static int has_change_row(const proto_change *c) { return c->rec->entity != MODEL_ENT_EVENT; }

/* The hash every yardstick row stores in changes. */
static const char *const sha = "0123456789abcdef";

/* One batch's rows as the text COPY reads: items, changes, observations;
 * for the whole ways also the figures (fact_obs) and their counts. */
typedef struct {
    srv_buf ti, tc, to, tf, tn;
} copy_batch;

/* A time in ms as timestamptz text (UTC); with month_only, its month's first
 * day in Copenhagen, as the figures' month is (the benchmark's times are
 * in September, a month from any edge). */
static void ts_text(int64_t ms, int month_only, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char day[40];
    strftime(day, sizeof day, month_only ? "%Y-%m-01" : "%Y-%m-%d %H:%M:%S", &tm);
    if (month_only)
        snprintf(out, cap, "%s", day);
    else
        snprintf(out, cap, "%s.%03d+00", day, (int)(ms % 1000));
}

/* The figures' row of observation ch[i] and its count, as the server makes
 * them (srv_facts): its events are the ones after it in the batch (fill
 * puts them there), all counts of one counter; with none, no count. */
static void fact_texts(const proto_change *ch, int i, int n, copy_batch *b)
{
    const model_observation *o = &ch[i].rec->u.obs;
    int events = 0;
    for (int k = i + 1; k < n && ch[k].rec->entity == MODEL_ENT_EVENT; k++)
        events += strcmp(ch[k].rec->u.event.observation_id, o->id) == 0;
    char started[64], ended[64], month[64], updated[64], dur[24], nev[16], counts[64];
    ts_text(o->started_at, 0, started, sizeof started);
    ts_text(o->ended_at, 0, ended, sizeof ended);
    ts_text(o->started_at, 1, month, sizeof month);
    ts_text(o->updated_at, 0, updated, sizeof updated);
    snprintf(dur, sizeof dur, "%lld", (long long)(o->ended_at - o->started_at));
    snprintf(nev, sizeof nev, "%d", events);
    if (events)
        snprintf(counts, sizeof counts, "count open_q %d", events);
    else
        counts[0] = 0;
    const char *const f[] = {o->id,
                             o->unit_id,
                             o->focus_id,
                             "1",
                             o->template_id,
                             "1",
                             o->observer_id,
                             o->observee_id,
                             o->room_id,
                             o->activity,
                             o->context_json,
                             "finished",
                             started,
                             ended,
                             month,
                             dur,
                             "1",
                             nev,
                             "0",
                             "0",
                             "0",
                             "f",
                             "f",
                             "0",
                             "",
                             updated,
                             counts,
                             "",
                             ""};
    const int nf = (int)(sizeof f / sizeof f[0]);
    for (int k = 0; k < nf; k++)
        srv_buf_copy_field(&b->tf, f[k], k == nf - 1);
    if (!events)
        return;
    srv_buf_copy_field(&b->tn, o->id, 0);
    srv_buf_copy_field(&b->tn, "count", 0);
    srv_buf_copy_field(&b->tn, "open_q", 0);
    srv_buf_copy_field(&b->tn, nev, 1);
}

static void copy_texts(const proto_change *ch, const row *rw, int n, const unit_ids *u, int whole,
                       copy_batch *b)
{
    memset(b, 0, sizeof *b);
    for (int i = 0; i < n; i++) {
        srv_buf_copy_field(&b->ti, rw[i].ent, 0);
        srv_buf_copy_field(&b->ti, rw[i].key, 0);
        srv_buf_copy_field(&b->ti, u->unit, 0);
        srv_buf_copy_field(&b->ti, rw[i].seq, 0);
        srv_buf_copy_field(&b->ti, rw[i].obs, 0);
        srv_buf_copy_field(&b->ti, "1", 0);
        srv_buf_copy_field(&b->ti, u->observer, 0);
        srv_buf_copy_field(&b->ti, "dev", 0);
        srv_buf_copy_field(&b->ti, rw[i].data, 1);
        if (has_change_row(&ch[i])) {
            srv_buf_copy_field(&b->tc, ch[i].change_id, 0);
            srv_buf_copy_field(&b->tc, "dev", 0);
            srv_buf_copy_field(&b->tc, rw[i].ent, 0);
            srv_buf_copy_field(&b->tc, rw[i].key, 0);
            srv_buf_copy_field(&b->tc, sha, 0);
            srv_buf_copy_field(&b->tc, "stored", 0);
            srv_buf_copy_field(&b->tc, "1", 1);
        }
        if (ch[i].rec->entity == MODEL_ENT_OBSERVATION) {
            srv_buf_copy_field(&b->to, ch[i].rec->u.obs.id, 0);
            srv_buf_copy_field(&b->to, u->unit, 0);
            srv_buf_copy_field(&b->to, u->observer, 0);
            srv_buf_copy_field(&b->to, u->observee, 1);
            if (whole)
                fact_texts(ch, i, n, b);
        }
    }
}

/* COPYs a batch's texts into the tables named y_*_<name>, inside the
 * caller's transaction. 0, or -1 if it failed. */
static int copy_batch_in(PGconn *pg, const char *name, const copy_batch *b)
{
    char qi[200], qc[200], qo[120], qf[500], qn[120];
    snprintf(qi, sizeof qi,
             "COPY y_items_%s (entity, key, unit_id, seq, observation_id, version, author_id,"
             " device_id, data) FROM STDIN",
             name);
    snprintf(qc, sizeof qc,
             "COPY y_changes_%s (change_id, device_id, entity, key, body_sha256, status, version)"
             " FROM STDIN",
             name);
    snprintf(qo, sizeof qo, "COPY y_obs_%s (id, unit_id, observer_id, observee_id) FROM STDIN",
             name);
    snprintf(qf, sizeof qf,
             "COPY y_facts_%s (observation_id, unit_id, focus_id, focus_version, template_id,"
             " template_version, observer_id, observee_id, room_id, activity, context, status,"
             " started_at, ended_at, month, duration_ms, revision, n_events, n_undone, n_notes,"
             " n_ratings, feedback_given, reflection_written, n_conflicts, pair_code, updated_at,"
             " counts, states, ratings) FROM STDIN",
             name);
    snprintf(qn, sizeof qn, "COPY y_fcount_%s (observation_id, kind, key, n) FROM STDIN", name);
    int rc = copy_rows(pg, qi, &b->ti) != 0;
    if (b->tc.n)
        rc |= copy_rows(pg, qc, &b->tc) != 0;
    if (b->to.n)
        rc |= copy_rows(pg, qo, &b->to) != 0;
    if (b->tf.n)
        rc |= copy_rows(pg, qf, &b->tf) != 0;
    if (b->tn.n)
        rc |= copy_rows(pg, qn, &b->tn) != 0;
    return rc ? -1 : 0;
}

static void copy_batch_free(copy_batch *b)
{
    free(b->ti.s);
    free(b->tc.s);
    free(b->to.s);
    free(b->tf.s);
    free(b->tn.s);
}

/* One batch in one transaction, the given way (cb: the COPY ways' texts,
 * made by the caller before its clock runs). 0, or -1 if it failed. */
static int insert_batch(PGconn *pg, way w, const proto_change *ch, const row *rw, int n,
                        const unit_ids *u, const copy_batch *cb)
{
    char q_item[400], q_change[300], q_obs[100];
    snprintf(q_item, sizeof q_item, INS_ITEM, way_name[w]);
    snprintf(q_change, sizeof q_change, INS_CHANGE, way_name[w]);
    snprintf(q_obs, sizeof q_obs, INS_OBS, way_name[w]);
    if (w == WAY_ROW || w == WAY_PIPELINE) {
        int pipe = w == WAY_PIPELINE;
        if (pipe && PQenterPipelineMode(pg) != 1)
            return -1;
        int sent = 0;
#define RUN(sql, np, pv)                                                                           \
    do {                                                                                           \
        if (pipe) {                                                                                \
            if (PQsendQueryParams(pg, sql, np, NULL, pv, NULL, NULL, 0) != 1)                      \
                return -1;                                                                         \
            sent++;                                                                                \
        } else if (!ok(PQexecParams(pg, sql, np, NULL, pv, NULL, NULL, 0), PGRES_COMMAND_OK)) {    \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)
        RUN("BEGIN", 0, NULL);
        for (int i = 0; i < n; i++) {
            const char *pi[] = {rw[i].ent, rw[i].key,   u->unit, rw[i].seq,
                                rw[i].obs, u->observer, "dev",   rw[i].data};
            RUN(q_item, 8, pi);
            const char *pc[] = {ch[i].change_id, "dev", rw[i].ent, rw[i].key, sha, "stored"};
            if (has_change_row(&ch[i]))
                RUN(q_change, 6, pc);
            if (ch[i].rec->entity == MODEL_ENT_OBSERVATION) {
                const char *po[] = {ch[i].rec->u.obs.id, u->unit, u->observer, u->observee};
                RUN(q_obs, 4, po);
            }
        }
        RUN("COMMIT", 0, NULL);
#undef RUN
        if (!pipe)
            return 0;
        if (PQpipelineSync(pg) != 1)
            return -1;
        int good = 1;
        for (int k = 0; k < sent; k++) {
            good &= ok(PQgetResult(pg), PGRES_COMMAND_OK);
            PQclear(PQgetResult(pg)); /* the NULL after each */
        }
        PGresult *r = PQgetResult(pg); /* the sync */
        good &= PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        return PQexitPipelineMode(pg) == 1 && good ? 0 : -1;
    }
    if (!ok(PQexec(pg, "BEGIN"), PGRES_COMMAND_OK))
        return -1;
    int rc = 0;
    if (w == WAY_UNNEST) {
        text c[5] = {{0}}, d[3] = {{0}}, o[1] = {{0}};
        for (int k = 0; k < 5; k++)
            put(&c[k], "{", 1);
        for (int k = 0; k < 3; k++)
            put(&d[k], "{", 1);
        for (int k = 0; k < 1; k++)
            put(&o[k], "{", 1);
        for (int i = 0; i < n; i++) {
            put_elem(&c[0], rw[i].ent);
            put_elem(&c[1], rw[i].key);
            put_elem(&c[2], rw[i].seq);
            put_elem(&c[3], rw[i].obs);
            put_elem(&c[4], rw[i].data);
            if (has_change_row(&ch[i])) {
                put_elem(&d[0], ch[i].change_id);
                put_elem(&d[1], rw[i].ent);
                put_elem(&d[2], rw[i].key);
            }
            if (ch[i].rec->entity == MODEL_ENT_OBSERVATION)
                put_elem(&o[0], ch[i].rec->u.obs.id);
        }
        for (int k = 0; k < 5; k++)
            put(&c[k], "}", 1);
        for (int k = 0; k < 3; k++)
            put(&d[k], "}", 1);
        for (int k = 0; k < 1; k++)
            put(&o[k], "}", 1);
        char sql[600];
        snprintf(sql, sizeof sql,
                 "INSERT INTO y_items_unnest (entity, key, unit_id, seq, observation_id, version,"
                 " author_id, device_id, data) SELECT e, k, $6, s, o, 1, $7, 'dev', d"
                 " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])"
                 " AS x(e, k, s, o, d)");
        const char *pi[] = {c[0].s, c[1].s, c[2].s, c[3].s, c[4].s, u->unit, u->observer};
        rc |= !ok(PQexecParams(pg, sql, 7, NULL, pi, NULL, NULL, 0), PGRES_COMMAND_OK);
        snprintf(sql, sizeof sql,
                 "INSERT INTO y_changes_unnest (change_id, device_id, entity, key, body_sha256,"
                 " status, version) SELECT c, 'dev', e, k, '%s', 'stored', 1"
                 " FROM unnest($1::text[], $2::text[], $3::text[]) AS x(c, e, k)",
                 sha);
        const char *pc[] = {d[0].s, d[1].s, d[2].s};
        rc |= !ok(PQexecParams(pg, sql, 3, NULL, pc, NULL, NULL, 0), PGRES_COMMAND_OK);
        const char *po[] = {o[0].s, u->unit, u->observer, u->observee};
        rc |= !ok(PQexecParams(pg,
                               "INSERT INTO y_obs_unnest SELECT id, $2, $3, $4"
                               " FROM unnest($1::text[]) AS x(id)",
                               4, NULL, po, NULL, NULL, 0),
                  PGRES_COMMAND_OK);
        for (int k = 0; k < 5; k++)
            free(c[k].s);
        for (int k = 0; k < 3; k++)
            free(d[k].s);
        for (int k = 0; k < 1; k++)
            free(o[k].s);
    } else {
        rc |= copy_batch_in(pg, way_name[w], cb) != 0;
    }
    rc |= !ok(PQexec(pg, "COMMIT"), PGRES_COMMAND_OK);
    return rc ? -1 : 0;
}

/* The tables y_*_<name>, shaped as the server's; for the whole ways all of
 * them, each with every index its table has, and left alone by autovacuum,
 * which would otherwise work on the tables filled before the ingest while
 * the ingest is measured. A failure is told on stderr (the COPY into the
 * table then fails too). */
static void make_tables(PGconn *pg, const char *name, int whole)
{
    char sql[1200];
    if (whole)
        snprintf(sql, sizeof sql,
                 "CREATE TABLE y_items_%s (LIKE items INCLUDING ALL)"
                 " WITH (autovacuum_enabled = off);"
                 "CREATE TABLE y_changes_%s (LIKE changes INCLUDING ALL)"
                 " WITH (autovacuum_enabled = off);"
                 "CREATE TABLE y_obs_%s (LIKE observations INCLUDING ALL)"
                 " WITH (autovacuum_enabled = off);"
                 "CREATE TABLE y_facts_%s (LIKE fact_obs INCLUDING ALL)"
                 " WITH (autovacuum_enabled = off);"
                 "CREATE TABLE y_fcount_%s (LIKE fact_obs_count INCLUDING ALL)"
                 " WITH (autovacuum_enabled = off)",
                 name, name, name, name, name);
    else
        snprintf(sql, sizeof sql,
                 "CREATE TABLE y_items_%s (LIKE items INCLUDING ALL);"
                 "CREATE TABLE y_changes_%s (LIKE changes INCLUDING ALL);"
                 "CREATE TABLE y_obs_%s (id text PRIMARY KEY, unit_id text, observer_id text,"
                 " observee_id text)",
                 name, name, name);
    ok(PQexec(pg, sql), PGRES_COMMAND_OK);
}

/* The rows of a record made into text, with its feed number. */
static void row_of(const proto_change *c, int64_t seq, row *r)
{
    json_t *j = model_record_to_json(c->rec, NULL);
    r->data = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    r->ent = model_entity_name(c->rec->entity);
    r->obs = model_record_observation(c->rec);
    model_record_key(c->rec, r->key);
    snprintf(r->seq, sizeof r->seq, "%lld", (long long)seq);
}

/* The postmaster, whose children's CPU is the database's. */
static long postmaster;

/* Records per second the given way, or 0 if it failed; and in *db_ms the
 * CPU the database used meanwhile (its rows' text is made in this process,
 * which is not counted). */
static double pg_rate(way w, int batches, int per_batch, const unit_ids *u, double *db_ms)
{
    PGconn *pg = PQconnectdb(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        PQfinish(pg);
        return 0;
    }
    make_tables(pg, way_name[w], way_whole(w));
    tablet t = {.u = u, .pushes = 1, .per_push = per_batch};
    proto_change *ch = calloc((size_t)per_batch, sizeof *ch);
    row *rw = calloc((size_t)per_batch, sizeof *rw);
    int64_t seq = 0, rows = 0, spent = 0;
    int failed = 0;
    double cpu0 = bench_cpu_ms(postmaster, 1);
    for (int b = 0; b < batches && !failed; b++) {
        fill(&t, ch, per_batch);
        /* The rows' text is made before the clock runs: each way is timed
         * on what it sends and what the database does with it. */
        for (int i = 0; i < per_batch; i++)
            row_of(&ch[i], ++seq, &rw[i]);
        copy_batch cb = {0};
        if (w >= WAY_COPY)
            copy_texts(ch, rw, per_batch, u, way_whole(w), &cb);
        int64_t t0 = bench_ns();
        failed = insert_batch(pg, w, ch, rw, per_batch, u, &cb) != 0;
        spent += bench_ns() - t0;
        rows += per_batch;
        copy_batch_free(&cb);
        for (int i = 0; i < per_batch; i++)
            free(rw[i].data);
    }
    *db_ms = bench_cpu_ms(postmaster, 1) - cpu0;
    proto_changes_clear(ch, per_batch);
    free(ch);
    free(rw);
    PQfinish(pg);
    return failed || spent <= 0 ? 0 : (double)rows / ((double)spent / 1e9);
}

/* COPY from many connections at once: the batches, their texts made
 * before the clock runs, shared out among the connections, each batch in a
 * transaction of its own. What PostgreSQL takes when, as under the server,
 * commits from several connections share the log's syncs and both
 * processors work; one connection (pg_rate) waits for each sync alone. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int ready, go; /* connections made; the clock runs */
} copy_start;

typedef struct {
    const copy_batch *b;
    int first, step, n;
    copy_start *start;
    int failed;
    int64_t end; /* when its last batch was committed */
} copy_job;

static void *copy_main(void *arg)
{
    copy_job *j = arg;
    PGconn *pg = PQconnectdb(conninfo);
    j->failed = PQstatus(pg) != CONNECTION_OK;
    pthread_mutex_lock(&j->start->mu);
    j->start->ready++;
    pthread_cond_broadcast(&j->start->cv);
    while (!j->start->go)
        pthread_cond_wait(&j->start->cv, &j->start->mu);
    pthread_mutex_unlock(&j->start->mu);
    for (int i = j->first; i < j->n && !j->failed; i += j->step) {
        j->failed = !ok(PQexec(pg, "BEGIN"), PGRES_COMMAND_OK) ||
                    copy_batch_in(pg, "par", &j->b[i]) != 0 ||
                    !ok(PQexec(pg, "COMMIT"), PGRES_COMMAND_OK);
    }
    j->end = bench_ns();
    PQfinish(pg);
    return NULL;
}

/* The most rows the parallel COPY holds as text at once: the rate needs
 * no more, and the largest arguments would make gigabytes. */
#define COPY_ROWS_MAX 200000

/* Records per second by COPY from conns connections at once, or 0 if it
 * failed. The clock runs from when every connection is made until the last
 * batch is committed. */
static double pg_copy_parallel(int batches, int per_batch, const unit_ids *units, int conns)
{
    while (batches > 1 && (int64_t)batches * per_batch > COPY_ROWS_MAX)
        batches /= 2;
    PGconn *pg = PQconnectdb(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        PQfinish(pg);
        return 0;
    }
    make_tables(pg, "par", 1);
    PQfinish(pg);
    copy_batch *b = calloc((size_t)batches, sizeof *b);
    proto_change *ch = calloc((size_t)per_batch, sizeof *ch);
    row *rw = calloc((size_t)per_batch, sizeof *rw);
    copy_job *job = calloc((size_t)conns, sizeof *job);
    pthread_t *th = calloc((size_t)conns, sizeof *th);
    if (!b || !ch || !rw || !job || !th)
        abort();
    int64_t seq = 0;
    tablet t = {.pushes = 1, .per_push = per_batch}; /* one maker of ids, as in pg_rate */
    for (int k = 0; k < batches; k++) {
        t.u = &units[k % UNITS];
        fill(&t, ch, per_batch);
        for (int i = 0; i < per_batch; i++)
            row_of(&ch[i], ++seq, &rw[i]);
        copy_texts(ch, rw, per_batch, t.u, 1, &b[k]);
        for (int i = 0; i < per_batch; i++)
            free(rw[i].data);
    }
    copy_start start = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    int made = 0, failed = 0;
    for (int c = 0; c < conns; c++) {
        job[c] = (copy_job){b, c, conns, batches, &start, 0, 0};
        if (pthread_create(&th[c], NULL, copy_main, &job[c]) != 0)
            break;
        made++;
    }
    /* A thread that could not be made leaves its batches undone: the run
     * counts as failed, once the others are let go. */
    failed = made < conns;
    pthread_mutex_lock(&start.mu);
    while (start.ready < made)
        pthread_cond_wait(&start.cv, &start.mu);
    start.go = 1;
    pthread_cond_broadcast(&start.cv);
    int64_t t0 = bench_ns(), t1 = t0;
    pthread_mutex_unlock(&start.mu);
    for (int c = 0; c < made; c++) {
        pthread_join(th[c], NULL);
        failed |= job[c].failed;
        if (job[c].end > t1)
            t1 = job[c].end;
    }
    double secs = (double)(t1 - t0) / 1e9;
    for (int k = 0; k < batches; k++)
        copy_batch_free(&b[k]);
    proto_changes_clear(ch, per_batch);
    free(b);
    free(ch);
    free(rw);
    free(job);
    free(th);
    return failed || secs <= 0 ? 0 : (double)batches * per_batch / secs;
}

int main(int argc, char **argv)
{
    int tablets = argc > 1 ? atoi(argv[1]) : 50;
    int pushes = argc > 2 ? atoi(argv[2]) : 20;
    int per_push = argc > 3 ? atoi(argv[3]) : 20;
    if (tablets < 1 || tablets > 500 || pushes < 1 || per_push < 1 || per_push > PROTO_PUSH_MAX) {
        fprintf(stderr, "usage: bench_server [tablets 1..500] [pushes] [records per push 1..%d]\n",
                PROTO_PUSH_MAX);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tpg *pg;
    char err[400];
    if (tpg_start(1, &pg, err, sizeof err) != 0) {
        fprintf(stderr, "bench_server: %s\n", err);
        tpg_stop(pg);
        return 1;
    }
    int rc = 1;
    const char *dir = tpg_dir(pg);
    unit_ids units[UNITS];
    tablet *t = calloc((size_t)tablets, sizeof *t);
    pthread_t *th = calloc((size_t)tablets, sizeof *th);
    /* The server runs with its default pool of database connections, as
     * it is run, and the parallel COPY uses as many. */
    srv_config defaults;
    srv_config_defaults(&defaults);
    int pool = defaults.pool;
    char pool_text[16];
    snprintf(pool_text, sizeof pool_text, "%d", pool);
    const char *const extra[] = {"--pool", pool_text, NULL};
    if (tca_make(dir, err, sizeof err) != 0 ||
        tpg_new_db(pg, "blik_bench", conninfo, sizeof conninfo) != 0 ||
        tsrv_start(&S, pg, BLIK_SERVER_EXE, conninfo, dir, extra) != 0) {
        fprintf(stderr, "bench_server: setup failed %s\n", err);
        goto out;
    }
    for (int i = 0; i < UNITS; i++)
        if (make_unit(i, dir, &units[i]) != 0) {
            fprintf(stderr, "bench_server: could not make the units\n");
            goto out;
        }
    for (int i = 0; i < tablets; i++) {
        t[i].u = &units[i % UNITS];
        t[i].pushes = pushes;
        t[i].per_push = per_push;
        t[i].lat_ms = calloc((size_t)pushes, sizeof(double));
        char code[40];
        if (admin(code, sizeof code, "enrol-code", "--unit", t[i].u->unit, NULL) != 0)
            goto out;
        proto_enrol e = {PROTO_SCHEMA, "", "Bench tablet"};
        snprintf(e.code, sizeof e.code, "%.32s", code);
        char *body = proto_enrol_encode(&e), url[128];
        snprintf(url, sizeof url, "%s/v1/enrol", S.url);
        thttp_resp r;
        thttp("POST", url, S.ca, NULL, body, strlen(body), 0, NULL, &r);
        free(body);
        proto_enrol_reply rep;
        if (r.status != 200 || proto_enrol_reply_decode(r.body, r.len, &rep, NULL) != 0) {
            fprintf(stderr, "bench_server: enrolment failed: %s\n", r.body);
            thttp_free(&r);
            goto out;
        }
        thttp_free(&r);
        snprintf(t[i].authz, sizeof t[i].authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
    }

    postmaster = tpg_postmaster_pid(pg);
    /* The whole rows' COPY before the ingest; after it, below. */
    int batches = tablets * pushes;
    double whole_ms[2] = {0, 0};
    double whole[2] = {pg_rate(WAY_WHOLE_PRE, batches, per_push, &units[0], &whole_ms[0]), 0};
    /* Its pages written out now, not by a checkpoint during the ingest. */
    PGconn *ck = PQconnectdb(conninfo);
    int checkpointed = PQstatus(ck) == CONNECTION_OK &&
                       ok(PQexec(ck, "CHECKPOINT"), PGRES_COMMAND_OK);
    PQfinish(ck);
    double srv_ms = -bench_cpu_ms((long)S.pid, 0), db_ms = -bench_cpu_ms(postmaster, 1);
    int64_t t0 = bench_ns();
    for (int i = 0; i < tablets; i++)
        pthread_create(&th[i], NULL, run_tablet, &t[i]);
    for (int i = 0; i < tablets; i++)
        pthread_join(th[i], NULL);
    double secs = (double)(bench_ns() - t0) / 1e9;
    srv_ms += bench_cpu_ms((long)S.pid, 0);
    db_ms += bench_cpu_ms(postmaster, 1);
    long long records = 0, failures = 0;
    size_t nlat = (size_t)tablets * (size_t)pushes;
    double *lat = calloc(nlat, sizeof *lat);
    for (int i = 0; i < tablets; i++) {
        records += t[i].ok_records;
        failures += t[i].failures;
        memcpy(lat + (size_t)i * (size_t)pushes, t[i].lat_ms, (size_t)pushes * sizeof(double));
    }
    double rate = (double)records / secs;
    double p50 = bench_percentile(lat, nlat, 50), p99 = bench_percentile(lat, nlat, 99);
    free(lat);
    char note[200];
    snprintf(note, sizeof note,
             "%d tablets x %d pushes x %d records, TLS loopback, fsync on, %lld failed pushes",
             tablets, pushes, per_push, failures);
    bench_report("server_ingest", rate, "records/s", note);
    bench_report("server_push_p50", p50, "ms", "latency of one push request");
    bench_report("server_push_p99", p99, "ms", "latency of one push request");
    /* What the ingest cost in CPU, which the machine's other work sways
     * less than the rate: the tablets' own (this process) is not counted,
     * as tablets are other machines. */
    double per_k = records > 0 ? 1000.0 / (double)records : 0;
    bench_report("server_ingest_cpu_server", srv_ms * per_k, "ms",
                 "CPU of the server per 1,000 records ingested");
    bench_report("server_ingest_cpu_db", db_ms * per_k, "ms",
                 "CPU of the database per 1,000 records ingested");
    /* The yardsticks: as many rows as the server took, in the same
     * transaction size; first the whole rows again, then the others. */
    whole[1] = pg_rate(WAY_WHOLE, batches, per_push, &units[0], &whole_ms[1]);
    double whole_rate = whole[0] > 0 && whole[1] > 0 ? (whole[0] + whole[1]) / 2 : 0;
    for (int k = 0; k < 2; k++) {
        snprintf(note, sizeof note,
                 "every row the server adds (items, changes but for events, observations, the "
                 "office's figures and their counts), one connection, %d records per "
                 "transaction, one COPY a table, %s the ingest",
                 per_push, k ? "after" : "before");
        bench_report(k ? "pg_insert_whole_after" : "pg_insert_whole_before", whole[k], "records/s",
                     note);
    }
    bench_report("server_vs_pg_copy_whole", whole_rate > 0 ? rate / whole_rate : 0, "ratio",
                 "server records/s divided by the mean of the two COPYs of every row it adds "
                 "(goal >= 0.5)");
    double whole_per_k = batches > 0
                             ? (whole_ms[0] + whole_ms[1]) * 500.0 / ((double)batches * per_push)
                             : 0;
    bench_report("pg_insert_whole_cpu_db", whole_per_k, "ms",
                 "CPU of the database per 1,000 records, COPY of every row the server adds, "
                 "mean of the two");
    bench_report("server_vs_pg_copy_whole_cpu",
                 srv_ms + db_ms > 0 ? whole_per_k / ((srv_ms + db_ms) * per_k) : 0, "ratio",
                 "that COPY's database CPU per record divided by the server's and its "
                 "database's per record ingested");
    double base[WAY_COUNT], copy_db_ms = 0;
    for (int w = 0; w < WAY_COUNT; w++) {
        double way_db_ms = 0;
        base[w] = pg_rate((way)w, batches, per_push, &units[0], &way_db_ms);
        if (w == WAY_COPY)
            copy_db_ms = way_db_ms;
        char name[64];
        snprintf(name, sizeof name, "pg_insert_%s", way_name[w]);
        snprintf(note, sizeof note,
                 "the rows the server stores (items, changes but for events, observations), one "
                 "connection, %d "
                 "records per transaction, %s",
                 per_push,
                 w == WAY_ROW        ? "a statement a row"
                 : w == WAY_PIPELINE ? "a statement a row in pipeline mode"
                 : w == WAY_UNNEST   ? "one INSERT a table from arrays (unnest)"
                                     : "one COPY a table");
        bench_report(name, base[w], "records/s", note);
    }
    double par = pg_copy_parallel(batches, per_push, units, pool);
    snprintf(note, sizeof note,
             "every row the server adds, %d connections at once (as many as the server's), %d "
             "records per transaction, one COPY a table",
             pool, per_push);
    bench_report("pg_insert_copy_parallel", par, "records/s", note);
    bench_report("server_vs_pg_copy", base[WAY_COPY] > 0 ? rate / base[WAY_COPY] : 0, "ratio",
                 "server records/s divided by COPY's records/s of items, changes and observations "
                 "alone, one connection");
    double copy_per_k = batches > 0 ? copy_db_ms * 1000.0 / ((double)batches * per_push) : 0;
    bench_report("pg_insert_copy_cpu_db", copy_per_k, "ms",
                 "CPU of the database per 1,000 records, one COPY a table, one connection");
    bench_report("server_vs_pg_copy_cpu",
                 srv_ms + db_ms > 0 ? copy_per_k / ((srv_ms + db_ms) * per_k) : 0, "ratio",
                 "COPY's database CPU per record divided by the server's and its database's per "
                 "record ingested");
    snprintf(note, sizeof note, "server records/s divided by COPY's records/s from %d connections",
             pool);
    bench_report("server_vs_pg_copy_parallel", par > 0 ? rate / par : 0, "ratio", note);
    if (!checkpointed || whole[0] <= 0 || whole[1] <= 0 || base[WAY_COPY] <= 0 ||
        base[WAY_ROW] <= 0 || base[WAY_PIPELINE] <= 0 || base[WAY_UNNEST] <= 0 || par <= 0)
        failures++;
    rc = failures == 0 ? 0 : 1;
out:
    if (S.pid > 0)
        tsrv_stop(&S);
    for (int i = 0; i < tablets; i++)
        free(t[i].lat_ms);
    free(t);
    free(th);
    tpg_stop(pg);
    curl_global_cleanup();
    return rc;
}
