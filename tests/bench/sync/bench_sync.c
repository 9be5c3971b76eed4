/*
 * Sync benchmark: a real blik-server (TLS, PostgreSQL) with the tablet's sync
 * engine. Tablet A holds N realistic observations (40 counter events, 5
 * notes and 5 sign ratings each, finished); we time pushing all of them,
 * then pulling them onto a fresh tablet, then a round with nothing to do.
 * Bytes on the wire are counted by a TCP proxy between tablet and server,
 * so they include TLS and HTTP headers; the HTTP-level count (headers and
 * bodies as curl saw them) is reported beside.
 *
 * N is BLIK_BENCH_OBS (default 10000). The cluster runs with fsync off (the
 * test fixture's setting), which flatters the server's commits.
 *
 * Beside each wall-clock time, the CPU time each side spent on it: the
 * tablet's process (its byte-counting proxy's threads included), the
 * server's and PostgreSQL's (the postmaster and its backends). On a machine
 * whose cores are shared with other work, the wall clock measures the wait
 * for a turn as much as the work; the CPU time does not.
 *
 * In the same run, the yardstick: the same N observations as documents (one
 * per observation, its events, notes and ratings inside) replicated by
 * PouchDB into pouchdb-server, both in memory, through a byte-counting proxy
 * (tests/bench/sync/pouch); once with ids made from numbers, as it first
 * was, and once with random ids (version 4), as a PouchDB application's would be. Its npm packages are installed into the build
 * tree by `npm ci` from its lock file, with no native module built, whenever the lock file
 * changed. BLIK_BENCH_POUCH=0 leaves it out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "faultproxy.h"
#include "synctest.h"

/* What the PouchDB yardstick reported, by name: the figures with ids made
 * from numbers, then with random ids. */
enum { P_PUSH_S, P_PULL_S, P_PUSH_B, P_PULL_B, P_IDLE_MS, P_PUSH_CPU, P_PULL_CPU, P_N };
static const char *const pouch_names[P_N] = {
    "pouch_push_time",  "pouch_pull_time", "pouch_push_wire_bytes", "pouch_pull_wire_bytes",
    "pouch_idle_round", "pouch_push_cpu",  "pouch_pull_cpu"};

/* Runs the PouchDB yardstick and passes its result lines on; fills v (ids
 * made from numbers) and rnd (random ids; no idle round) with its figures,
 * 0 where it reported none. Returns 0, or -1 if it could not run or left
 * out a figure. */
static int pouch(int n, double v[P_N], double rnd[P_N])
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "bash '%s/tests/bench/sync/pouch/run.sh' '%s/pouch' %d",
             BLIK_SOURCE_DIR, BLIK_BINARY_DIR, n);
    for (int k = 0; k < P_N; k++)
        v[k] = rnd[k] = 0;
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char name[64];
        double x;
        if (sscanf(line, "BENCH\t%63[^\t]\t%lf", name, &x) != 2)
            continue;
        fputs(line, stdout);
        const char *tail = strstr(name, "_random_ids");
        if (tail && strcmp(tail, "_random_ids") != 0)
            tail = NULL, name[0] = 0; /* a part of a figure, such as its CPU on one side */
        size_t len = tail ? (size_t)(tail - name) : strlen(name);
        for (int k = 0; k < P_N; k++)
            if (strlen(pouch_names[k]) == len && !strncmp(name, pouch_names[k], len))
                (tail ? rnd : v)[k] = x;
    }
    fflush(stdout);
    if (pclose(f) != 0)
        return -1;
    for (int k = 0; k < P_N; k++)
        if (v[k] <= 0 || (k != P_IDLE_MS && rnd[k] <= 0))
            return -1;
    return 0;
}

/* The CPU time in ms used so far by the tablet (this process), the server
 * and PostgreSQL, into t[0..2]. */
static void cpu_now(const fx_world *w, long postmaster, double t[3])
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    t[0] = (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
    t[1] = bench_cpu_ms((long)w->srv.pid, 0);
    t[2] = bench_cpu_ms(postmaster, 1);
}

/* Reports the CPU time each side spent since t0 under name_tablet,
 * name_server and name_db, and returns their sum. */
static double cpu_report(const fx_world *w, long postmaster, const double t0[3], const char *what)
{
    double t[3];
    cpu_now(w, postmaster, t);
    static const char *const side[3] = {"tablet", "server", "db"};
    static const char *const note[3] = {
        "CPU time of the tablet's process (the byte-counting proxy's threads included)",
        "CPU time of blik-server", "CPU time of PostgreSQL's postmaster and backends"};
    double sum = 0;
    for (int k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "sync_%s_cpu_%s", what, side[k]);
        bench_report(name, (t[k] - t0[k]) / 1000, "s", note[k]);
        sum += t[k] - t0[k];
    }
    char name[64];
    snprintf(name, sizeof name, "sync_%s_cpu", what);
    bench_report(name, sum / 1000, "s", "CPU time of the tablet, the server and PostgreSQL");
    return sum / 1000;
}

/* Sums what the server logged about its pushes (BLIK_PUSH_TIMES=1) since
 * the log's offset *from, and moves *from to its end: how many pushes, and
 * the server's time in them, and in its parts (lookups, deciding, and
 * writing with the office's figures and the commit), in ms. */
static int server_push_times(const char *log, long *from, double *total_ms, double *wfc_ms,
                             double *look_ms, double *decide_ms)
{
    FILE *f = fopen(log, "r");
    int n = 0;
    *total_ms = *wfc_ms = *look_ms = *decide_ms = 0;
    if (!f)
        return 0;
    fseek(f, *from, SEEK_SET);
    char line[600];
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "push times: ");
        long long look, decide, wfc, total;
        int ch, obs;
        if (p && sscanf(p,
                        "push times: %d changes, %d observations; lookup %lld us, decide %lld us,"
                        " write, figures and commit %lld us, total %lld us",
                        &ch, &obs, &look, &decide, &wfc, &total) == 6) {
            n++;
            *total_ms += (double)total / 1000;
            *wfc_ms += (double)wfc / 1000;
            *look_ms += (double)look / 1000;
            *decide_ms += (double)decide / 1000;
        }
    }
    *from = ftell(f);
    fclose(f);
    return n;
}

/* Fills the tablet through the store's API, 100 observations a
 * transaction (the fill is not what is measured; its outbox is the same). */
static void fill(tablet *t, const fx_unit *u, const char *focus, const model_focus *f, int n)
{
    for (int i = 0; i < n; i++) {
        model_id id;
        db_obs_new o = {.unit_id = u->unit,
                        .focus_id = focus,
                        .observer_id = u->peer1,
                        .observee_id = u->peer2,
                        .room_id = u->room,
                        .activity = "Circle time",
                        .context_json = "{}",
                        .agreement = 1};
        if ((i % 100 == 0 && db_batch_begin(t->d) != DB_OK) ||
            db_obs_start(t->d, &o, id) != DB_OK) {
            fprintf(stderr, "bench: %s\n", db_errmsg(t->d));
            exit(1);
        }
        for (int e = 0; e < 40; e++)
            db_obs_event(t->d, id, u->peer1, MODEL_EV_COUNT, "open_q", NULL);
        for (int k = 0; k < 5; k++) {
            char text[120];
            snprintf(text, sizeof text,
                     "Note %d: Asked an open question and waited; three "
                     "children answered in whole sentences.",
                     k);
            db_obs_note(t->d, id, u->peer1, text, NULL, NULL);
        }
        for (int k = 0; k < f->n_signs; k++)
            db_obs_rate(t->d, id, u->peer1, f->signs[k].id, k % 3);
        if (db_obs_finish(t->d, id, u->peer1) != DB_OK ||
            ((i % 100 == 99 || i == n - 1) && db_batch_end(t->d, 1) != DB_OK)) {
            fprintf(stderr, "bench: %s\n", db_errmsg(t->d));
            exit(1);
        }
    }
}

int main(void)
{
    sync_global_init();
    const char *nv = getenv("BLIK_BENCH_OBS");
    int n = nv ? atoi(nv) : 10000;
    fx_world w;
    fx_unit u;
    /* The production limit (600 requests a minute per tablet) would make
     * this a measure of the limit. */
    const char *const flags[] = {"--rate-device", "1000000", NULL};
    /* The server logs each push's own time, to tell its share of the push
     * from the tablet's and the wire's. */
    setenv("BLIK_PUSH_TIMES", "1", 1);
    if (fx_up(&w, "blik_bench_sync", flags) != 0)
        return 1;
    fx_make_unit(&w, "Bench", &u);
    char focus[64];
    if (fx_admin(&w, focus, sizeof focus, NULL, "focus-add", "--unit", u.unit, "--question",
                 "How do we ask open questions?", "--from", "2026-01-01", "--to", "2026-12-31",
                 "--template", u.tmpl, "--sign", "Children answer in sentences", "--sign",
                 "Adults wait", "--sign", "Questions build on answers", "--sign",
                 "Everyone gets a turn", "--sign", "Play continues", "--pillar", "learning",
                 NULL) != 0)
        return 1;
    fproxy *p;
    if (fproxy_start(w.srv.port, &p) != 0)
        return 1;
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", fproxy_port(p));
    tablet a, c;
    tab_open(&a, "bench_sync_a", NULL);
    tab_enrol(&a, &w, u.unit, url);
    db_sync_follow(a.d, u.peer1);
    tab_sync_ok(&a, NULL);
    model_focus f;
    if (db_focus_get(a.d, focus, 0, &f) != DB_OK)
        return 1;
    int64_t t0 = bench_ns();
    fill(&a, &u, focus, &f, n);
    double fill_s = (double)(bench_ns() - t0) / 1e9;
    db_sync_counts k = tab_counts(&a);
    fprintf(stderr, "bench: %d observations, %lld changes made in %.1f s\n", n,
            (long long)k.waiting, fill_s);

    char note[160];
    sync_report rep;
    memset(&rep, 0, sizeof rep);
    fproxy_reset_bytes(p);
    long log_at = 0;
    double srv_ms, wfc_ms, look_ms, decide_ms;
    server_push_times(w.srv.log, &log_at, &srv_ms, &wfc_ms, &look_ms, &decide_ms);
    long pm = tpg_postmaster_pid(w.pg);
    double cpu0[3];
    cpu_now(&w, pm, cpu0);
    t0 = bench_ns();
    int rc = sync_push(a.c, &rep);
    double push_s = (double)(bench_ns() - t0) / 1e9;
    int64_t up, down;
    fproxy_bytes(p, &up, &down);
    if (rc != SYNC_OK || tab_counts(&a).waiting != 0) {
        fprintf(stderr, "bench: push failed: %s\n", sync_errmsg(a.c));
        return 1;
    }
    snprintf(note, sizeof note, "%d observations, %lld changes, %d requests", n,
             (long long)k.waiting, rep.requests);
    bench_report("sync_push_time", push_s, "s", note);
    double push_cpu = cpu_report(&w, pm, cpu0, "push");
    double push_wire = (double)(up + down);
    int pushes = server_push_times(w.srv.log, &log_at, &srv_ms, &wfc_ms, &look_ms, &decide_ms);
    snprintf(note, sizeof note,
             "%d pushes, from BEGIN to COMMIT, as the server logged them; lock and lookups %.1f s,"
             " deciding %.1f s",
             pushes, look_ms / 1000, decide_ms / 1000);
    bench_report("sync_push_server_time", srv_ms / 1000, "s", note);
    snprintf(note, sizeof note,
             "of it writing, the office's figures and the commit, %.1f ms a push",
             pushes ? wfc_ms / pushes : 0);
    bench_report("sync_push_write_time", wfc_ms / 1000, "s", note);
    bench_report("sync_push_wire_bytes", push_wire, "bytes", "TCP payload both ways, TLS included");
    bench_report("sync_push_http_bytes", (double)(rep.bytes_up + rep.bytes_down), "bytes",
                 "HTTP headers and bodies as curl counts them (replies after gunzip)");

    tab_open(&c, "bench_sync_c", NULL);
    tab_enrol(&c, &w, u.unit, url);
    db_sync_follow(c.d, u.peer1);
    memset(&rep, 0, sizeof rep);
    fproxy_reset_bytes(p);
    cpu_now(&w, pm, cpu0);
    t0 = bench_ns();
    rc = sync_pull(c.c, &rep);
    double pull_s = (double)(bench_ns() - t0) / 1e9;
    fproxy_bytes(p, &up, &down);
    if (rc != SYNC_OK || tab_counts(&c).parked != 0) {
        fprintf(stderr, "bench: pull failed: %s\n", sync_errmsg(c.c));
        return 1;
    }
    snprintf(note, sizeof note, "%d records onto a fresh tablet, %d requests", rep.pulled,
             rep.requests);
    bench_report("sync_pull_time", pull_s, "s", note);
    double pull_cpu = cpu_report(&w, pm, cpu0, "pull");
    double pull_wire = (double)(up + down);
    bench_report("sync_pull_wire_bytes", pull_wire, "bytes", "TCP payload both ways, TLS included");
    bench_report("sync_pull_http_bytes", (double)(rep.bytes_up + rep.bytes_down), "bytes",
                 "HTTP headers and bodies as curl counts them (replies after gunzip)");

    double idle[21];
    for (int i = 0; i < 21; i++) {
        t0 = bench_ns();
        if (sync_round(c.c, &rep) != SYNC_OK)
            return 1;
        idle[i] = (double)(bench_ns() - t0) / 1e6;
    }
    snprintf(note, sizeof note, "median of 21; ping, empty outbox, %d pulls", rep.requests - 1);
    double idle_ms = bench_percentile(idle, 21, 50);
    bench_report("sync_idle_round", idle_ms, "ms", note);

    const char *pv = getenv("BLIK_BENCH_POUCH");
    double pouch_v[P_N], rnd[P_N];
    if (!(pv && !strcmp(pv, "0"))) {
        if (pouch(n, pouch_v, rnd) != 0) {
            fprintf(stderr, "bench: the PouchDB yardstick did not run\n");
            return 1;
        }
        /* Blik's figures over the yardstick's, with ids made from numbers
         * and with random ids, as a PouchDB application's would be. */
        const struct {
            const char *name;
            double blik;
            int k;
        } cmp[] = {{"push_time", push_s, P_PUSH_S},     {"push_bytes", push_wire, P_PUSH_B},
                   {"push_cpu", push_cpu, P_PUSH_CPU},  {"pull_time", pull_s, P_PULL_S},
                   {"pull_bytes", pull_wire, P_PULL_B}, {"pull_cpu", pull_cpu, P_PULL_CPU},
                   {"idle_round", idle_ms, P_IDLE_MS}};
        for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++) {
            char name[80];
            snprintf(name, sizeof name, "sync_vs_pouch_%s", cmp[i].name);
            bench_report(name, cmp[i].blik / pouch_v[cmp[i].k], "ratio",
                         "Blik / PouchDB, same run");
            if (cmp[i].k == P_IDLE_MS)
                continue;
            snprintf(name, sizeof name, "sync_vs_pouch_random_ids_%s", cmp[i].name);
            bench_report(name, cmp[i].blik / rnd[cmp[i].k], "ratio",
                         "Blik / PouchDB with random ids, same run");
        }
    }
    tab_close(&a);
    tab_close(&c);
    fproxy_stop(p);
    fx_down(&w);
    return 0;
}
