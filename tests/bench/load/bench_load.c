/*
 * Load benchmark and failure drill: a school day of many tablets against
 * three blik-server processes behind HAProxy, on one PostgreSQL primary with
 * a streaming replica, all on loopback.
 *
 * Each tablet is the real store and sync client (a file of its own under a
 * temporary folder), enrolled through the balancer in one of the units, with
 * the unit's leader and both peers signed in. Every hour of the day each
 * tablet makes an observation (taps, notes, a rating of every sign,
 * finished), writes the observer's feedback on its previous one and the
 * observee's reflection on the one before, then pushes and pulls as the
 * tablet's sync does; a leader of some units reads two office pages each
 * hour. The tablets are spread over worker processes, so both cores work.
 *
 * The drill: once every worker is past the middle of the day, one server
 * process is killed (SIGKILL) and the replica is stopped as a crash would
 * stop it; the day goes on. At its end every tablet syncs until nothing
 * waits, then pulls once more; every observation a tablet made must be on
 * the server with exactly its parts (none lost, none doubled: an item is
 * one row per record), and every tablet must hold every observation of its
 * unit with the parts the server holds.
 *
 * Figures: requests/s and changes/s over the day, p50 and p99 of enrolment,
 * a push, a pull (each as the tablet's sync makes it: as many requests as
 * it needs) and the two office pages, measured at the client; the rounds
 * that failed (the drill's); the servers' own request counts.
 *
 * BLIK_LOAD_TABLETS (500), BLIK_LOAD_UNITS (50), BLIK_LOAD_HOURS (6),
 * BLIK_LOAD_WORKERS (4), BLIK_LOAD_DRILL (1; 0 runs the day without it),
 * BLIK_LOAD_REPLICA (1: the servers read pulls from the replica; 0: they
 * read the primary alone, the replica replaying beside).
 * The clusters run with fsync off, as the tests' do.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "benchutil.h"
#include "synctest.h"
#include "tsupport.h"

#define N_SRV 3
#define MAX_TABLETS 2000
#define MAX_UNITS 500
#define MAX_WORKERS 16
#define MAX_HOURS 24
#define OFFICE_UNITS 10 /* units whose leader reads the office during the day */

/* What is timed, each a series of latencies in ms. */
enum { E_ENROL, E_PUSH, E_PULL, E_OFFICE_HOME, E_OFFICE_OBS, E_N };
static const char *const ep_name[E_N] = {"enrol", "push", "pull", "office_home",
                                         "office_observations"};

/* A worker's totals, written to the parent through a file. */
typedef struct {
    long long requests, changes_pushed, records_pulled;
    long long failed[E_N];
    long long observations, mismatches;
    int n[E_N];
} load_totals;

static fx_world W;
static tsrv S[N_SRV];
static int mport[N_SRV];
static thap H;
static tpg_replica *R;
static fx_unit UNITS[MAX_UNITS];
static char CODES[MAX_TABLETS][40];
static char COOKIE[OFFICE_UNITS][120];
static int n_tablets = 500, n_units = 50, n_hours = 6, n_workers = 4, drill = 1;

static int env_int(const char *name, int def, int lo, int hi)
{
    const char *v = getenv(name);
    int x = v && *v ? atoi(v) : def;
    if (x < lo || x > hi) {
        fprintf(stderr, "bench_load: %s must be from %d to %d\n", name, lo, hi);
        exit(2);
    }
    return x;
}

static double ms_since(int64_t t0) { return (double)(bench_ns() - t0) / 1e6; }

/* ---- the office ---- */

/* An office session for the leader of unit u, made in the database as a
 * sign-in makes it (signing in hashes a password at full cost, which is not
 * what this measures); its cookie header into COOKIE[k]. */
static void office_session(int k, const fx_unit *u)
{
    char id[33], csrf[65], login[40], cookie[100];
    snprintf(login, sizeof login, "leader-%d", k);
    if (fx_office_account(W.db, login, "leader", "Lea Leader", u->leader, id, cookie, sizeof cookie,
                          csrf) != 0) {
        fprintf(stderr, "bench_load: no office session\n");
        exit(1);
    }
    snprintf(COOKIE[k], sizeof COOKIE[k], "Cookie: %s", cookie);
}

/* One office page read by leader k through the balancer: its latency, or
 * -1 when it did not answer 200 with a page. */
static double office_read(int k, const char *path)
{
    char url[200];
    snprintf(url, sizeof url, "%s%s", H.url[0], path);
    thttp_resp r;
    int64_t t0 = bench_ns();
    int rc = thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, COOKIE[k], &r);
    double ms = ms_since(t0);
    int ok = rc == 0 && r.status == 200 && r.body && strstr(r.body, "</html>");
    thttp_free(&r);
    return ok ? ms : -1;
}

/* ---- a worker ---- */

typedef struct {
    tablet t;
    int unit;
    model_id made[MAX_HOURS];
} load_tablet;

typedef struct {
    double *v[E_N];
    int n[E_N], cap[E_N];
} series;

static void series_add(series *s, int e, double ms)
{
    if (s->n[e] == s->cap[e]) {
        s->cap[e] = s->cap[e] ? 2 * s->cap[e] : 1024;
        s->v[e] = realloc(s->v[e], (size_t)s->cap[e] * sizeof(double));
        if (!s->v[e])
            exit(1);
    }
    s->v[e][s->n[e]++] = ms;
}

/* One hour of one tablet: an observation, feedback on the previous one by
 * its observer, a reflection on the one before by its observee. */
static void tablet_hour(load_tablet *lt, int idx, int hour)
{
    const fx_unit *u = &UNITS[lt->unit];
    int swap = (idx + hour) % 2;
    const char *observer = swap ? u->peer2 : u->peer1, *observee = swap ? u->peer1 : u->peer2;
    db *d = lt->t.d;
    if (db_batch_begin(d) != DB_OK) {
        fprintf(stderr, "bench_load: %s\n", db_errmsg(d));
        exit(1);
    }
    tab_observe(&lt->t, u, observer, observee, 12 + hour % 5, 3, lt->made[hour]);
    if (hour >= 1) {
        /* The previous hour's observer is this hour's observee. */
        if (db_feedback_put(d, lt->made[hour - 1], observee, "Open questions, and waiting.",
                            "How the quiet ones were asked.", "Wait longer.", 1) != DB_OK) {
            fprintf(stderr, "bench_load: feedback: %s\n", db_errmsg(d));
            exit(1);
        }
    }
    if (hour >= 2 && db_reflection_put(d, lt->made[hour - 2], observee,
                                       "I waited longer and more children answered.",
                                       "Ask the quiet ones first.") != DB_OK) {
        fprintf(stderr, "bench_load: reflection: %s\n", db_errmsg(d));
        exit(1);
    }
    if (db_batch_end(d, 1) != DB_OK) {
        fprintf(stderr, "bench_load: %s\n", db_errmsg(d));
        exit(1);
    }
}

/* A push or a pull, timed into s; 0, or -1 if it failed (counted). */
static int timed_sync(load_tablet *lt, int e, series *s, load_totals *tot)
{
    sync_report rep;
    memset(&rep, 0, sizeof rep);
    int64_t t0 = bench_ns();
    int rc = e == E_PUSH ? sync_push(lt->t.c, &rep) : sync_pull(lt->t.c, &rep);
    double ms = ms_since(t0);
    tot->requests += rep.requests;
    tot->changes_pushed += rep.stored;
    tot->records_pulled += rep.pulled;
    if (rc != SYNC_OK) {
        tot->failed[e]++;
        return -1;
    }
    series_add(s, e, ms);
    return 0;
}

/* The server's parts of observation obs (its items: the observation, its
 * events, notes, ratings, feedback and reflection), counted on conn. */
static long long server_parts(PGconn *conn, const char *obs)
{
    const char *p[] = {obs};
    PGresult *r = PQexecParams(conn, "SELECT count(*) FROM items WHERE observation_id = $1", 1,
                               NULL, p, NULL, NULL, 0);
    long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

/* The same parts as the tablet holds them. */
static long long local_parts(tablet *t, const char *obs)
{
    model_event ev[64];
    model_note no[16];
    model_rating ra[MODEL_MAX_SIGNS];
    model_reflection rf;
    model_feedback fb;
    int ne = 0, nn = 0, nr = 0;
    if (db_obs_events(t->d, obs, 0, 64, ev, &ne) != DB_OK ||
        db_obs_notes(t->d, obs, 0, 16, no, &nn) != DB_OK ||
        db_obs_ratings(t->d, obs, ra, MODEL_MAX_SIGNS, &nr) != DB_OK)
        return -1;
    return 1 + ne + nn + nr + (db_reflection_get(t->d, obs, &rf) == DB_OK) +
           (db_feedback_get(t->d, obs, &fb) == DB_OK);
}

/* Every tablet of this worker against the server: each observation it made
 * is there once with the parts it holds, and it holds every observation of
 * its unit with the server's parts. Returns the mismatches, each told. */
static long long verify(load_tablet *tabs, int n)
{
    PGconn *conn = PQconnectdb(W.conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "bench_load: %s\n", PQerrorMessage(conn));
        exit(1);
    }
    long long bad = 0;
    for (int i = 0; i < n; i++) {
        tablet *t = &tabs[i].t;
        db_sync_counts c = tab_counts(t);
        if (c.waiting + c.parked + c.conflicts + c.rejected) {
            fprintf(stderr, "tablet %s: waiting %lld parked %lld conflicts %lld rejected %lld\n",
                    t->dir, (long long)c.waiting, (long long)c.parked, (long long)c.conflicts,
                    (long long)c.rejected);
            bad++;
        }
        for (int h = 0; h < n_hours; h++) {
            long long a = local_parts(t, tabs[i].made[h]), s = server_parts(conn, tabs[i].made[h]);
            if (a != s || a < 1) {
                fprintf(stderr, "observation %s made on %s: tablet %lld parts, server %lld\n",
                        tabs[i].made[h], t->dir, a, s);
                bad++;
            }
        }
        const char *p[] = {UNITS[tabs[i].unit].unit};
        PGresult *r = PQexecParams(conn,
                                   "SELECT id FROM observations WHERE unit_id = $1 ORDER BY id", 1,
                                   NULL, p, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "bench_load: %s\n", PQerrorMessage(conn));
            exit(1);
        }
        int64_t held = 0;
        db_obs_filter f;
        memset(&f, 0, sizeof f);
        f.unit_id = UNITS[tabs[i].unit].unit;
        f.viewer_id = UNITS[tabs[i].unit].leader;
        f.status = -1;
        if (db_obs_count(t->d, &f, &held) != DB_OK || held != PQntuples(r)) {
            fprintf(stderr, "tablet %s holds %lld observations of its unit, the server %d\n",
                    t->dir, (long long)held, PQntuples(r));
            bad++;
        }
        for (int k = 0; k < PQntuples(r); k++) {
            const char *obs = PQgetvalue(r, k, 0);
            long long a = local_parts(t, obs), s = server_parts(conn, obs);
            if (a != s) {
                fprintf(stderr, "observation %s: tablet %s %lld parts, server %lld\n", obs, t->dir,
                        a, s);
                bad++;
            }
        }
        PQclear(r);
    }
    PQfinish(conn);
    return bad;
}

/* Syncs a tablet until nothing waits and a pull succeeds, at most tries
 * times; 0 or -1. */
static int settle(load_tablet *lt, series *s, load_totals *tot, int tries)
{
    for (int k = 0; k < tries; k++) {
        if (timed_sync(lt, E_PUSH, s, tot) == 0 && tab_counts(&lt->t).waiting == 0 &&
            timed_sync(lt, E_PULL, s, tot) == 0)
            return 0;
    }
    return -1;
}

static void put_byte(int fd, char c)
{
    while (write(fd, &c, 1) < 0 && errno == EINTR) {
    }
}

static char get_byte(int fd)
{
    char c = 0;
    while (read(fd, &c, 1) < 0 && errno == EINTR) {
    }
    return c;
}

/* Worker w: tablets w, w + n_workers, ... Tells the parent on up when it is
 * past the middle of the day ('m') and when its tablets have pushed all
 * ('p'), waits on down before the last pulls, and writes its figures into
 * out. */
static int worker(int w, int up, int down, const char *out)
{
    load_tablet *tabs = calloc((size_t)(n_tablets / n_workers + 1), sizeof *tabs);
    if (!tabs)
        return 1;
    series s;
    load_totals tot;
    memset(&s, 0, sizeof s);
    memset(&tot, 0, sizeof tot);
    char *ca = tsupport_read_file(W.srv.ca);
    int n = 0;
    for (int i = w; i < n_tablets; i += n_workers, n++) {
        load_tablet *lt = &tabs[n];
        lt->unit = i % n_units;
        char name[40];
        snprintf(name, sizeof name, "load-t%04d", i);
        tab_open(&lt->t, name, NULL);
        sync_enrolment e = {H.url[0], CODES[i], "Tablet", ca, NULL};
        int64_t t0 = bench_ns();
        int rc = sync_enrol(lt->t.c, &e);
        if (rc != SYNC_OK) {
            fprintf(stderr, "bench_load: enrol: %s\n", sync_errmsg(lt->t.c));
            return 1;
        }
        series_add(&s, E_ENROL, ms_since(t0));
        const fx_unit *u = &UNITS[lt->unit];
        if (db_sync_follow(lt->t.d, u->leader) != DB_OK ||
            db_sync_follow(lt->t.d, u->peer1) != DB_OK ||
            db_sync_follow(lt->t.d, u->peer2) != DB_OK)
            return 1;
        /* The first pull brings the unit's people and focus, as after a
         * tablet's enrolment. */
        if (settle(lt, &s, &tot, 5) != 0) {
            fprintf(stderr, "bench_load: first sync: %s\n", sync_errmsg(lt->t.c));
            return 1;
        }
    }
    free(ca);
    for (int h = 0; h < n_hours; h++) {
        for (int i = 0; i < n; i++) {
            tablet_hour(&tabs[i], w + i * n_workers, h);
            timed_sync(&tabs[i], E_PUSH, &s, &tot);
            timed_sync(&tabs[i], E_PULL, &s, &tot);
            tot.observations++;
        }
        for (int k = w; k < OFFICE_UNITS && k < n_units; k += n_workers) {
            const char *path[2] = {"/", "/observations"};
            for (int p = 0; p < 2; p++) {
                double ms = office_read(k, path[p]);
                if (ms < 0)
                    tot.failed[E_OFFICE_HOME + p]++;
                else
                    series_add(&s, E_OFFICE_HOME + p, ms);
            }
        }
        if (h == (n_hours - 1) / 2)
            put_byte(up, 'm');
    }
    /* The end of the day: every tablet sends what waits, then once all
     * have, pulls what the others sent. */
    int stuck = 0;
    for (int i = 0; i < n; i++)
        stuck += settle(&tabs[i], &s, &tot, 20) != 0;
    put_byte(up, 'p');
    if (get_byte(down) != 'g')
        return 1;
    for (int i = 0; i < n; i++)
        stuck += settle(&tabs[i], &s, &tot, 20) != 0;
    /* The day is over once every worker is here; the checks are not
     * measured. */
    put_byte(up, 'f');
    if (get_byte(down) != 'v')
        return 1;
    tot.mismatches = stuck + verify(tabs, n);
    for (int i = 0; i < n; i++)
        tab_close(&tabs[i].t);
    FILE *f = fopen(out, "wb");
    if (!f)
        return 1;
    for (int e = 0; e < E_N; e++)
        tot.n[e] = s.n[e];
    fwrite(&tot, sizeof tot, 1, f);
    for (int e = 0; e < E_N; e++)
        fwrite(s.v[e], sizeof(double), (size_t)s.n[e], f);
    return fclose(f) == 0 ? 0 : 1;
}

/* ---- the parent ---- */

/* The sum over the running servers of a metric's values whose line begins
 * with prefix. */
static double metrics_sum(const char *prefix)
{
    double sum = 0;
    for (int i = 0; i < N_SRV; i++) {
        if (S[i].pid <= 0)
            continue;
        char url[100];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", mport[i]);
        thttp_resp r;
        if (thttp("GET", url, NULL, NULL, NULL, 0, 0, NULL, &r) == 0 && r.body) {
            for (char *l = r.body; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (!strncmp(l, prefix, strlen(prefix))) {
                    const char *sp = strchr(l, ' ');
                    if (sp)
                        sum += atof(sp + 1);
                }
        }
        thttp_free(&r);
    }
    return sum;
}

static int setup(int with_replica)
{
    char err[600];
    if (fx_up(&W, "blik_load", NULL) != 0)
        return -1;
    if (tsrv_stop(&W.srv) != 0)
        return -1;
    if (tpg_replica_start(W.pg, &R, err, sizeof err) != 0) {
        fprintf(stderr, "bench_load: %s\n", err);
        return -1;
    }
    char rep_conninfo[300];
    tpg_replica_conninfo(R, "blik_load", rep_conninfo, sizeof rep_conninfo);
    /* Limits far above what 500 tablets ask for: this measures the
     * servers, not their rate limits. */
    const char *extra[] = {"--rate-device", "1000000",       "--rate-address",
                           "1000000",       "--max-clients", "1024",
                           "--replica",     rep_conninfo,    NULL};
    if (!with_replica)
        extra[6] = NULL;
    if (tsrv_start_many(S, mport, N_SRV, W.pg, BLIK_SERVER_EXE, W.conninfo, W.dir, extra) != 0 ||
        thap_start(&H, W.pg, W.dir, S, mport, N_SRV, NULL) != 0)
        return -1;
    int64_t t0 = bench_ns();
    for (int u = 0; u < n_units; u++) {
        char name[40];
        snprintf(name, sizeof name, "Unit %d", u + 1);
        fx_make_unit(&W, name, &UNITS[u]);
        if (u < OFFICE_UNITS)
            office_session(u, &UNITS[u]);
    }
    for (int i = 0; i < n_tablets; i++)
        if (fx_admin(&W, CODES[i], sizeof CODES[i], NULL, "enrol-code", "--unit",
                     UNITS[i % n_units].unit, NULL) != 0)
            return -1;
    fprintf(stderr, "bench_load: %d units and %d enrolment codes made in %.1f s\n", n_units,
            n_tablets, ms_since(t0) / 1000);
    return 0;
}

static void report_series(double *v[E_N], const int n[E_N], const long long failed[E_N])
{
    for (int e = 0; e < E_N; e++) {
        char name[80], note[200];
        snprintf(note, sizeof note, "%d timed at the tablet, %lld failed", n[e], failed[e]);
        if (n[e] == 0) {
            fprintf(stderr, "bench_load: nothing timed for %s\n", ep_name[e]);
            continue;
        }
        double p50 = bench_percentile(v[e], (size_t)n[e], 50);
        double p99 = bench_percentile(v[e], (size_t)n[e], 99);
        snprintf(name, sizeof name, "load_%s_p50", ep_name[e]);
        bench_report(name, p50, "ms", note);
        snprintf(name, sizeof name, "load_%s_p99", ep_name[e]);
        bench_report(name, p99, "ms", note);
    }
}

/* The CPU time the servers, PostgreSQL's primary and its replica spent in
 * the day, in ms: each read at the start, a killed server's just before
 * its kill, the rest at the end. */
typedef struct {
    double srv[N_SRV], pg, rep;
} cpu_use;

static void cpu_start(cpu_use *c)
{
    for (int i = 0; i < N_SRV; i++)
        c->srv[i] = -bench_cpu_ms((long)S[i].pid, 0);
    c->pg = -bench_cpu_ms(tpg_postmaster_pid(W.pg), 1);
    c->rep = -bench_cpu_ms(tpg_replica_postmaster_pid(R), 1);
}

static void cpu_end(cpu_use *c)
{
    for (int i = 0; i < N_SRV; i++)
        if (S[i].pid > 0)
            c->srv[i] += bench_cpu_ms((long)S[i].pid, 0);
    c->pg += bench_cpu_ms(tpg_postmaster_pid(W.pg), 1);
    long rp = tpg_replica_postmaster_pid(R);
    if (rp > 0)
        c->rep += bench_cpu_ms(rp, 1);
}

typedef struct {
    int64_t t0;
    int mid;
    double kill_at;
    cpu_use cpu;
} drill_state;

/* Reads the workers' words until each has said want; the first time all
 * have said 'm' (past the middle of the day), runs the drill: server 2 is
 * killed and the replica stopped, as a crash would, while the day goes on
 * on the workers' tablets. 0, or -1 once a worker has died. */
static int await_all(int fd, char want, pid_t *pids, drill_state *ds)
{
    int got = 0;
    while (got < n_workers) {
        /* A worker that died says nothing more: look for one each second. */
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 1000) == 0) {
            for (int w = 0; w < n_workers; w++)
                if (pids[w] > 0 && waitpid(pids[w], NULL, WNOHANG) == pids[w]) {
                    fprintf(stderr, "bench_load: worker %d ended before the day did\n", w);
                    tpg_unwatch(W.pg, pids[w]);
                    pids[w] = -1;
                    return -1;
                }
            continue;
        }
        char c = get_byte(fd);
        if (c == want)
            got++;
        else if (c == 'm' && ++ds->mid == n_workers && drill) {
            ds->kill_at = ms_since(ds->t0) / 1000;
            ds->cpu.srv[1] += bench_cpu_ms((long)S[1].pid, 0);
            ds->cpu.rep += bench_cpu_ms(tpg_replica_postmaster_pid(R), 1);
            tsrv_kill(&S[1]);
            tpg_replica_stop(R, 1);
            fprintf(stderr, "bench_load: at %.1f s, server 2 killed and the replica stopped\n",
                    ds->kill_at);
        } else if (c == 0)
            return -1;
    }
    return 0;
}

int main(void)
{
    n_tablets = env_int("BLIK_LOAD_TABLETS", 500, 1, MAX_TABLETS);
    n_units = env_int("BLIK_LOAD_UNITS", 50, 1, MAX_UNITS);
    n_hours = env_int("BLIK_LOAD_HOURS", 6, 3, MAX_HOURS);
    n_workers = env_int("BLIK_LOAD_WORKERS", 4, 1, MAX_WORKERS);
    drill = env_int("BLIK_LOAD_DRILL", 1, 0, 1);
    if (n_units > n_tablets)
        n_units = n_tablets;
    /* Every tablet keeps its store open twice and a connection to the
     * balancer. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (sync_global_init() != 0 || sodium_init() < 0)
        return 1;
    int with_replica = env_int("BLIK_LOAD_REPLICA", 1, 0, 1);
    if (setup(with_replica) != 0)
        return 1;
    char dir[600];
    snprintf(dir, sizeof dir, "%s", W.dir);

    int up[2], down[MAX_WORKERS][2];
    pid_t pids[MAX_WORKERS];
    if (pipe(up) != 0)
        return 1;
    int64_t t0 = bench_ns();
    for (int w = 0; w < n_workers; w++) {
        if (pipe(down[w]) != 0)
            return 1;
        char out[700];
        snprintf(out, sizeof out, "%s/worker-%d.bin", dir, w);
        pids[w] = fork();
        if (pids[w] == 0) {
            /* The parent's connection is its own; the worker opens its. */
            W.db = NULL;
            _exit(worker(w, up[1], down[w][0], out));
        }
        tpg_watch(W.pg, pids[w]);
    }
    close(up[1]);
    drill_state ds = {.t0 = t0};
    cpu_start(&ds.cpu);
    int failed = await_all(up[0], 'p', pids, &ds) != 0;
    for (int w = 0; w < n_workers; w++)
        put_byte(down[w][1], failed ? 'x' : 'g');
    failed = failed || await_all(up[0], 'f', pids, &ds) != 0;
    double all_s = ms_since(t0) / 1000;
    cpu_end(&ds.cpu);
    for (int w = 0; w < n_workers; w++)
        put_byte(down[w][1], failed ? 'x' : 'v');
    int workers_ok = !failed;
    for (int w = 0; w < n_workers; w++) {
        int st;
        if (pids[w] < 0) {
            workers_ok = 0;
            continue;
        }
        while (waitpid(pids[w], &st, 0) < 0 && errno == EINTR) {
        }
        tpg_unwatch(W.pg, pids[w]);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "bench_load: worker %d failed\n", w);
            workers_ok = 0;
        }
    }

    load_totals sum;
    memset(&sum, 0, sizeof sum);
    double *v[E_N] = {0};
    int n[E_N] = {0};
    for (int w = 0; workers_ok && w < n_workers; w++) {
        char out[700];
        snprintf(out, sizeof out, "%s/worker-%d.bin", dir, w);
        FILE *f = fopen(out, "rb");
        load_totals t;
        if (!f || fread(&t, sizeof t, 1, f) != 1)
            return 1;
        sum.requests += t.requests;
        sum.changes_pushed += t.changes_pushed;
        sum.records_pulled += t.records_pulled;
        sum.observations += t.observations;
        sum.mismatches += t.mismatches;
        for (int e = 0; e < E_N; e++) {
            sum.failed[e] += t.failed[e];
            v[e] = realloc(v[e], (size_t)(n[e] + t.n[e] + 1) * sizeof(double));
            if (!v[e] || fread(v[e] + n[e], sizeof(double), (size_t)t.n[e], f) != (size_t)t.n[e])
                return 1;
            n[e] += t.n[e];
        }
        fclose(f);
    }
    if (!workers_ok)
        return 1;

    char note[300];
    snprintf(note, sizeof note,
             "%d tablets in %d units, %d hours, %d workers; 3 servers behind HAProxy, %s",
             n_tablets, n_units, n_hours, n_workers,
             with_replica ? "pulls read from the replica once it has the tablet's last push"
                          : "a replica replaying beside (the servers read the primary)");
    bench_report("load_day_time", all_s, "s", note);
    bench_report("load_requests_per_s", (double)sum.requests / all_s, "req/s",
                 "sync requests the tablets made, enrolment and the first syncs included");
    bench_report("load_changes_per_s", (double)sum.changes_pushed / all_s, "changes/s",
                 "changes stored or found duplicate");
    bench_report("load_records_pulled_per_s", (double)sum.records_pulled / all_s, "records/s",
                 "records the tablets received");
    snprintf(note, sizeof note, "%lld observations, %lld changes pushed", sum.observations,
             sum.changes_pushed);
    bench_report("load_observations", (double)sum.observations, "obs", note);
    report_series(v, n, sum.failed);
    double srv_ms = 0;
    for (int i = 0; i < N_SRV; i++)
        srv_ms += ds.cpu.srv[i];
    snprintf(note, sizeof note, "CPU time of the three blik-server processes, %.0f%% of one core",
             srv_ms / 10 / all_s);
    bench_report("load_cpu_servers", srv_ms / 1000, "s", note);
    snprintf(note, sizeof note,
             "CPU time of the primary's postmaster and backends, %.0f%% of one core",
             ds.cpu.pg / 10 / all_s);
    bench_report("load_cpu_db", ds.cpu.pg / 1000, "s", note);
    bench_report("load_cpu_replica", ds.cpu.rep / 1000, "s",
                 "CPU time of the replica's postmaster and backends until it stopped");
    bench_report("load_cpu_per_change", (srv_ms + ds.cpu.pg) / (double)sum.changes_pushed, "ms",
                 "servers' and primary's CPU time over the changes stored (pulls and reads "
                 "included)");
    bench_report("load_servers_requests", metrics_sum("blik_http_requests_total"), "requests",
                 "requests the two or three running servers counted (a killed one's are lost)");
    if (with_replica) {
        bench_report("load_pulls_from_replica", metrics_sum("blik_db_reads_total{db=\"replica\""),
                     "pulls", "as the running servers counted them (a killed one's are lost)");
        bench_report("load_pulls_from_primary", metrics_sum("blik_db_reads_total{db=\"primary\""),
                     "pulls", "the replica behind the tablet's last push, down, or stopped");
    }
    if (drill) {
        snprintf(note, sizeof note,
                 "server 2 killed and the replica stopped at %.1f s of %.1f s; pushes and pulls "
                 "failed: %lld, %lld",
                 ds.kill_at, all_s, sum.failed[E_PUSH], sum.failed[E_PULL]);
        bench_report("load_drill_mismatches", (double)sum.mismatches, "count", note);
    } else {
        bench_report("load_mismatches", (double)sum.mismatches, "count",
                     "observations lost, doubled or not on every tablet of the unit");
    }
    for (int e = 0; e < E_N; e++)
        free(v[e]);
    thap_stop(&H);
    for (int i = 1; i < N_SRV; i++)
        if (S[i].pid > 0)
            tsrv_stop(&S[i]);
    W.srv = S[0];
    tpg_replica_free(R);
    fx_down(&W);
    if (sum.mismatches) {
        fprintf(stderr,
                "bench_load: %lld mismatches: something was lost, doubled or not "
                "everywhere\n",
                sum.mismatches);
        return 1;
    }
    return 0;
}
