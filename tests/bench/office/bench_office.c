/*
 * The office at scale: a PostgreSQL cluster (fsync on) filled with made-up
 * observations (by default 1,000,000 across 100 units over two years, each
 * with its events, notes, ratings, feedback and reflection: about 40
 * records each) written straight into the server's tables with COPY, the
 * office's figures made from them by the server's own rebuild, and then
 * every page of the office's route table asked for as the people who use
 * it, in-process (server time: no TLS, no network), timing each answer; and
 * the full-detail CSV exports of one unit's year, streamed, in rows per
 * second.
 *
 * Usage: bench_office [observations] [units]
 *
 * With BLIK_BENCH_OFFICE_DB set (a libpq connection string to an empty
 * database on a cluster of one's own), the made-up data stays there: the
 * first run fills it, later runs only make the figures again and measure,
 * and BLIK_BENCH_OFFICE_FILL_ONLY=1 stops after the fill. Without it,
 * everything happens in a throwaway cluster.
 */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "benchutil.h"
#include "off_int.h"
#include "office.h"
#include "sdemo.h"
#include "srv.h"
#include "srv_facts.h"
#include "srvtest.h"

#define PEOPLE 12
#define ROOMS 4
#define FOCUSES 3
#define SIGNS 4
#define RUNS 20      /* timed requests per page */
#define REBUILDERS 2 /* processes making the figures at once */

static char conninfo[512], dir[512];
static PGconn *db;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_office: %s: %s\n", what, why);
    exit(1);
}

static void sql(const char *q)
{
    PGresult *r = PQexec(db, q);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        die(q, PQerrorMessage(db));
    PQclear(r);
}

static long long num(const char *q)
{
    PGresult *r = PQexec(db, q);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        die(q, PQerrorMessage(db));
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

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
    FILE *devnull = fopen("/dev/null", "w");
    int rc = srv_admin_main(argc, argv, stdin, o, devnull ? devnull : stderr);
    fclose(o);
    if (devnull)
        fclose(devnull);
    if (out) {
        snprintf(out, cap, "%s", buf ? buf : "");
        out[strcspn(out, "\n")] = 0;
    }
    free(buf);
    return rc;
}

static void new_id(model_id out)
{
    if (model_id_new(plat_sys_os(), out) != 0)
        die("id", "no randomness");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0)
        die(path, "cannot write");
}

typedef struct {
    model_id unit, leader, peer, focus[FOCUSES];
} unit_ids;

/* A unit as a daycare has it: rooms, two leaders and ten peers, a template
 * with counters, a state, interval sampling and context, three focuses of
 * four signs each. */
static void make_unit(int i, unit_ids *u)
{
    char name[40], path[700], doc[3000], id[64];
    snprintf(name, sizeof name, "Institution %03d", i);
    if (admin(u->unit, sizeof u->unit, "unit-add", "--name", name, NULL))
        die("unit-add", name);
    for (int r = 0; r < ROOMS; r++) {
        char rn[32];
        snprintf(rn, sizeof rn, "Stue %d", r + 1);
        if (admin(id, sizeof id, "room-add", "--unit", u->unit, "--name", rn, NULL))
            die("room-add", rn);
    }
    for (int p = 0; p < PEOPLE; p++) {
        char pn[40];
        snprintf(pn, sizeof pn, "Person %d-%d", i, p);
        if (admin(id, sizeof id, "person-add", "--unit", u->unit, "--name", pn, "--role",
                  p < 2 ? "leader" : "peer", NULL))
            die("person-add", pn);
        if (p == 0)
            snprintf(u->leader, sizeof u->leader, "%.36s", id);
        if (p == 2)
            snprintf(u->peer, sizeof u->peer, "%.36s", id);
    }
    model_id tid;
    new_id(tid);
    snprintf(doc, sizeof doc,
             "{\"id\":\"%s\",\"unit_id\":\"%s\",\"version\":1,\"name\":\"Samling\","
             "\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],"
             "\"counters\":[{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"},"
             "{\"key\":\"closed_q\",\"label\":\"Lukket spørgsmål\"},"
             "{\"key\":\"child_init\",\"label\":\"Barnets initiativ\"},"
             "{\"key\":\"interrupt\",\"label\":\"Afbrydelse\"}],"
             "\"states\":[{\"key\":\"waiting\",\"label\":\"Ventetid\"}],"
             "\"interval\":{\"minutes\":5,\"options\":[{\"key\":\"all\",\"label\":\"Alle\"},"
             "{\"key\":\"some\",\"label\":\"Nogle\"},{\"key\":\"few\",\"label\":\"Få\"}]},"
             "\"context\":[{\"key\":\"children\",\"label\":\"Antal børn\",\"type\":\"int\","
             "\"min\":0,\"max\":60},{\"key\":\"adults\",\"label\":\"Antal voksne\","
             "\"type\":\"int\",\"min\":0,\"max\":20}],"
             "\"phrases\":[\"Venter på svar\",\"Gentager barnets ord\"],"
             "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
             tid, u->unit);
    snprintf(path, sizeof path, "%s/t%d.json", dir, i);
    write_file(path, doc);
    if (admin(id, sizeof id, "template-add", "--unit", u->unit, "--file", path, NULL))
        die("template-add", path);
    for (int f = 0; f < FOCUSES; f++) {
        new_id(u->focus[f]);
        model_id s[SIGNS];
        for (int k = 0; k < SIGNS; k++)
            new_id(s[k]);
        snprintf(
            doc, sizeof doc,
            "{\"id\":\"%s\",\"unit_id\":\"%s\",\"version\":1,\"pillar\":\"learning\","
            "\"template_id\":\"%s\",\"question\":\"Hvordan understøtter vi fokus %d?\","
            "\"why\":\"Fordi.\",\"period_from\":\"2025-01-01\",\"period_to\":\"2026-12-31\","
            "\"signs\":[{\"id\":\"%s\",\"text\":\"Tegn 1\"},{\"id\":\"%s\",\"text\":\"Tegn 2\"},"
            "{\"id\":\"%s\",\"text\":\"Tegn 3\"},{\"id\":\"%s\",\"text\":\"Tegn 4\"}]}",
            u->focus[f], u->unit, tid, f + 1, s[0], s[1], s[2], s[3]);
        snprintf(path, sizeof path, "%s/f%d-%d.json", dir, i, f);
        write_file(path, doc);
        if (admin(id, sizeof id, "focus-add", "--unit", u->unit, "--file", path, NULL))
            die("focus-add", path);
    }
}

static unit_ids *U;
static int n_units;

/* ---- the fill ---- */

/* Appends s to a COPY text row, escaping what COPY's text format needs. */
static void copy_field(char **p, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r')
            *(*p)++ = '\\';
        *(*p)++ = *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : *s;
    }
}

static void copy_put(PGconn *c, const char *buf, size_t len)
{
    if (PQputCopyData(c, buf, (int)len) != 1)
        die("COPY", PQerrorMessage(c));
}

static void copy_end(PGconn *c)
{
    if (PQputCopyEnd(c, NULL) != 1)
        die("COPY end", PQerrorMessage(c));
    PGresult *r;
    while ((r = PQgetResult(c))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            die("COPY", PQerrorMessage(c));
        PQclear(r);
    }
}

/* One unit's observations, spread over two years of weekdays, into items
 * and observations, one COPY each. Returns the records written. */
static long long fill_unit(PGconn *c, const char *unit, int n, int64_t t0, uint64_t seed,
                           sdemo_obs *o)
{
    char err[400];
    sdemo_unit u;
    if (sdemo_unit_load(c, unit, &u, err, sizeof err) != 0)
        die("unit", err);
    const int64_t day = 86400000, span = 730 * day;
    size_t cap = 64 << 20, len = 0;
    char *buf = malloc(cap);
    char *obuf = malloc((size_t)n * 160 + 1);
    size_t olen = 0;
    if (!buf || !obuf)
        die("fill", "out of memory");
    char q0[160];
    snprintf(q0, sizeof q0, "SELECT feed_seq FROM units WHERE id = '%s'", unit);
    long long seq = num(q0);
    sql("BEGIN");
    PGresult *r = PQexec(c, "COPY items (entity, key, unit_id, seq, observation_id, version,"
                            " author_id, device_id, data) FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN)
        die("COPY items", PQerrorMessage(c));
    PQclear(r);
    long long records = 0;
    uint64_t s = seed;
    for (int k = 0; k < n; k++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t d = (int64_t)((s >> 20) % 730);
        if ((d + 3) % 7 >= 5) /* 1970-01-01 was a Thursday: skip Saturdays and Sundays */
            d = d - 2 >= 0 ? d - 2 : d + 2;
        int64_t start = t0 + d * day + 27000000 + (int64_t)((s >> 40) % 21600000);
        int nr = sdemo_observation(&u, seed * 1000003ULL + (uint64_t)k, start,
                                   (double)(start - t0) / (double)span, o);
        for (int i = 0; i < nr; i++) {
            model_err me;
            char *data = model_record_text(&o->rec[i], &me), key[MODEL_RECORD_KEY_MAX];
            if (!data)
                die("record", me.msg);
            model_record_key(&o->rec[i], key);
            if (len + 2 * strlen(data) + 512 > cap) {
                copy_put(c, buf, len);
                len = 0;
            }
            char *p = buf + len;
            p += sprintf(p, "%s\t%s\t%s\t%lld\t%s\t1\t%s\tbench\t",
                         model_entity_name(o->rec[i].entity), key, unit, ++seq,
                         model_record_observation(&o->rec[i]), o->actor[i]);
            copy_field(&p, data);
            *p++ = '\n';
            len = (size_t)(p - buf);
            free(data);
            records++;
        }
        const model_observation *ob = &o->rec[0].u.obs;
        olen += (size_t)sprintf(obuf + olen, "%s\t%s\t%s\t%s\n", ob->id, unit, ob->observer_id,
                                ob->observee_id);
    }
    copy_put(c, buf, len);
    copy_end(c);
    r = PQexec(c, "COPY observations (id, unit_id, observer_id, observee_id) FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN)
        die("COPY observations", PQerrorMessage(c));
    PQclear(r);
    copy_put(c, obuf, olen);
    copy_end(c);
    char q[200];
    snprintf(q, sizeof q, "UPDATE units SET feed_seq = %lld WHERE id = '%s'", seq, unit);
    sql(q);
    sql("COMMIT");
    free(buf);
    free(obuf);
    sdemo_unit_free(&u);
    return records;
}

/* ---- the office ---- */

static srv *S;

typedef struct {
    char cookie[100];
} session;

static void account(const char *role, const char *person, const unit_ids *units, int n_area,
                    session *out)
{
    unsigned char r[32];
    char id[33], login[64], tok[65], hash[65], csrf[65];
    randombytes_buf(r, 16);
    sodium_bin2hex(id, sizeof id, r, 16);
    snprintf(login, sizeof login, "%s-%.8s", role, id);
    const char *p[] = {id, login, person, role, "Bench"};
    PGresult *res = PQexecParams(db,
                                 "INSERT INTO accounts (id, login, person_id, role, name)"
                                 " VALUES ($1,$2,$3,$4,$5)",
                                 5, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        die("account", PQerrorMessage(db));
    PQclear(res);
    for (int i = 0; i < n_area; i++) {
        const char *q[] = {id, units[i].unit};
        PQclear(PQexecParams(db, "INSERT INTO account_units VALUES ($1,$2)", 2, NULL, q, NULL, NULL,
                             0));
    }
    randombytes_buf(r, 32);
    sodium_bin2hex(tok, sizeof tok, r, 32);
    randombytes_buf(r, 32);
    sodium_bin2hex(csrf, sizeof csrf, r, 32);
    unsigned char h[32];
    crypto_hash_sha256(h, (const unsigned char *)tok, 64);
    sodium_bin2hex(hash, sizeof hash, h, 32);
    const char *s[] = {hash, id, csrf};
    res = PQexecParams(db,
                       "INSERT INTO sessions (token_sha256, account_id, csrf) VALUES ($1,$2,$3)", 3,
                       NULL, s, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        die("session", PQerrorMessage(db));
    PQclear(res);
    snprintf(out->cookie, sizeof out->cookie, "__Host-blik=%s", tok);
}

/* One GET; the answer's status, its body's length into *bytes, and the
 * server time in ms into *ms. The body is counted line by line into
 * *lines (may be NULL). */
static int get(const session *who, const char *path, double *ms, size_t *bytes, long *lines)
{
    char p[1024];
    snprintf(p, sizeof p, "%s", path);
    char *q = strchr(p, '?');
    if (q)
        *q++ = 0;
    srv_web_request rq = {.method = "GET",
                          .path = p,
                          .query = q,
                          .cookie = who->cookie,
                          .host = "office.bench:8443",
                          .address = "127.0.0.1",
                          .body = "",
                          .len = 0};
    srv_web_response out;
    memset(&out, 0, sizeof out);
    int64_t t = bench_ns();
    srv_web_handle(S, &rq, &out);
    *ms = (double)(bench_ns() - t) / 1e6;
    *bytes = out.len;
    if (lines) {
        long n = 0;
        for (size_t i = 0; i < out.len; i++)
            n += out.body[i] == '\n';
        *lines = n;
    }
    free(out.body);
    return out.status;
}

/* Times RUNS answers of the page (path made by mk for run i) and reports
 * its median and 95th percentile. */
static int worst_ok = 1;
static void page(const char *name, const session *who, void (*mk)(int i, char *out, size_t cap))
{
    double t[RUNS];
    size_t bytes = 0;
    char path[1024];
    mk(-1, path, sizeof path); /* a first answer warms the connection, not the data */
    double ms;
    int st = get(who, path, &ms, &bytes, NULL);
    if (st != 200) {
        fprintf(stderr, "bench_office: %s answered %d (%s)\n", path, st, name);
        worst_ok = 0;
        return;
    }
    for (int i = 0; i < RUNS; i++) {
        mk(i, path, sizeof path);
        st = get(who, path, &t[i], &bytes, NULL);
        if (st != 200) {
            fprintf(stderr, "bench_office: %s answered %d (%s)\n", path, st, name);
            worst_ok = 0;
            return;
        }
    }
    double p50 = bench_percentile(t, RUNS, 50), p95 = bench_percentile(t, RUNS, 95);
    char n[160], note[200];
    snprintf(n, sizeof n, "office_%s_p95", name);
    snprintf(note, sizeof note, "median %.1f ms, %zu bytes, %d runs", p50, bytes, RUNS);
    bench_report(n, p95, "ms", note);
    if (p95 > 300)
        worst_ok = 0;
}

/* ---- a browser's download ---- */

typedef struct {
    long status, lines;
    size_t bytes;
    double seconds;
} fetch_result;

static size_t count_body(char *p, size_t size, size_t n, void *arg)
{
    fetch_result *r = arg;
    for (size_t i = 0; i < size * n; i++)
        r->lines += p[i] == '\n';
    r->bytes += size * n;
    return size * n;
}

/* Downloads url (trusting ca, with the session cookie), counting what came. */
static int fetch(const char *url, const char *ca, const char *cookie, fetch_result *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    int64_t t = bench_ns();
    CURLcode rc = curl_easy_perform(c);
    out->seconds = (double)(bench_ns() - t) / 1e9;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}

/* A process's peak resident memory (VmHWM), in KiB; -1 if unknown. */
static long server_hwm_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            v = atol(line + 6);
    if (f)
        fclose(f);
    return v;
}

/* ---- which pages, with which ids ---- */

static char obs_ids[RUNS + 1][40];
static char template_id[40], room_id[40], device_id[40], account_id[40];

static const char *unit_of(int i) { return U[(i + 1) % (n_units > 10 ? 10 : n_units)].unit; }
static const char *focus_of(int i) { return U[0].focus[(i + FOCUSES) % FOCUSES]; }

#define MK(fn, ...)                                                                                \
    static void fn(int i, char *out, size_t cap)                                                   \
    {                                                                                              \
        (void)i;                                                                                   \
        snprintf(out, cap, __VA_ARGS__);                                                           \
    }
MK(mk_home, "/")
MK(mk_obs_list, "/observations?unit=%s", U[0].unit)
MK(mk_obs_all, "/observations")
MK(mk_obs_filtered, "/observations?unit=%s&focus=%s&from=2025-09-01&to=2025-12-31&feedback=yes",
   U[0].unit, focus_of(i))
MK(mk_obs_page_far, "/observations?unit=%s&page=40", U[0].unit)
MK(mk_obs_one, "/observations/%s", obs_ids[i < 0 ? RUNS : i])
MK(mk_progress, "/focuses/%s/progression", focus_of(i))
MK(mk_progress_term, "/focuses/%s/progression?by=term", focus_of(i))
MK(mk_meeting, "/focuses/%s/meeting", focus_of(i))
MK(mk_area, "/area")
MK(mk_calib, "/calibration?unit=%s", U[0].unit)
MK(mk_exports, "/exports")
MK(mk_focuses, "/focuses?unit=%s", U[0].unit)
MK(mk_focus, "/focuses/%s", focus_of(i))
MK(mk_people, "/people?unit=%s", U[0].unit)
MK(mk_person, "/people/%s", U[0].peer)
MK(mk_units, "/units")
MK(mk_unit, "/units/%s", unit_of(i))
MK(mk_tablets, "/tablets?unit=%s", U[0].unit)
MK(mk_templates, "/templates?unit=%s", U[0].unit)
MK(mk_template, "/templates/%s", template_id)
MK(mk_accounts, "/accounts")

/* Whether the feed's indexes are there (a fill drops them, as a restore
 * would, and makes them after). */
static int indexed(void)
{
    return num("SELECT count(*) FROM pg_indexes WHERE indexname = 'items_feed'") > 0;
}

/* The kinds of reference record a unit's fill reads back (sdemo_unit_load):
 * without an index of their own each read went through the whole table,
 * so a unit's fill took longer the more units were filled before it (over
 * three minutes a unit at 600,000 observations). */
static const char *const fill_kinds[] = {"unit", "room", "person", "focus", "template"};

static void drop_indexes(void)
{
    sql("ALTER TABLE items DROP CONSTRAINT items_pkey");
    sql("DROP INDEX items_feed");
    sql("DROP INDEX items_obs");
    for (size_t i = 0; i < sizeof fill_kinds / sizeof fill_kinds[0]; i++) {
        char q[160];
        snprintf(q, sizeof q, "CREATE INDEX items_fill_%s ON items (key) WHERE entity = '%s'",
                 fill_kinds[i], fill_kinds[i]);
        sql(q);
    }
}

/* Fills the units [from, to) that have no observations yet, each with its
 * share of n_obs; several processes may fill different ranges at once. The
 * records written. */
static long long fill_range(long n_obs, int from, int to)
{
    int64_t t = bench_ns();
    sdemo_obs *o = malloc(sizeof *o);
    if (!o)
        die("fill", "out of memory");
    long long records = 0;
    const int64_t t0 = 1735689600000LL; /* 2025-01-01 */
    for (int i = from; i < to && i < n_units; i++) {
        char q[200];
        snprintf(q, sizeof q, "SELECT count(*) FROM observations WHERE unit_id = '%s'", U[i].unit);
        if (num(q) > 0)
            continue;
        long per = n_obs / n_units + (i < n_obs % n_units);
        records += fill_unit(db, U[i].unit, (int)per, t0, (uint64_t)i + 1, o);
        fprintf(stderr, "bench_office: unit %d filled (%lld records by this process, %.0f s)\n",
                i + 1, records, (double)(bench_ns() - t) / 1e9);
    }
    free(o);
    return records;
}

/* Makes the feed's indexes and the unit reference again after a fill. */
static void make_indexes(void)
{
    int64_t t = bench_ns();
    sql("ALTER TABLE items ADD PRIMARY KEY (entity, key)");
    sql("CREATE UNIQUE INDEX items_feed ON items (unit_id, seq)");
    sql("CREATE INDEX IF NOT EXISTS items_obs ON items (observation_id)");
    for (size_t i = 0; i < sizeof fill_kinds / sizeof fill_kinds[0]; i++) {
        char q[80];
        snprintf(q, sizeof q, "DROP INDEX IF EXISTS items_fill_%s", fill_kinds[i]);
        sql(q);
    }
    sql("ANALYZE");
    bench_report("office_fill_index_s", (double)(bench_ns() - t) / 1e9, "s",
                 "the feed's indexes and the unit reference made after the fill");
}

int main(int argc, char **argv)
{
    long n_obs = argc > 1 ? atol(argv[1]) : 1000000;
    n_units = argc > 2 ? atoi(argv[2]) : 100;
    if (n_obs < n_units || n_units < 2 || n_units > 1000)
        die("usage", "bench_office [observations] [units (2..1000)]");
    if (sodium_init() < 0)
        die("libsodium", "cannot start");
    char err[600];
    tpg *pg = NULL;
    const char *kept = getenv("BLIK_BENCH_OFFICE_DB");
    if (kept) {
        snprintf(conninfo, sizeof conninfo, "%s", kept);
        snprintf(dir, sizeof dir, "/tmp/blik-bench-office.XXXXXX");
        if (!mkdtemp(dir))
            die("scratch folder", "cannot make");
    } else {
        /* fsync off: the fill's speed is not what is measured, and the
         * pages only read. */
        if (tpg_start(0, &pg, err, sizeof err) != 0)
            die("PostgreSQL", err);
        snprintf(dir, sizeof dir, "%s", tpg_dir(pg));
        if (tpg_new_db(pg, "blik_office_bench", conninfo, sizeof conninfo) != 0)
            die("PostgreSQL", "no database");
    }
    db = srv_db_connect(conninfo, err, sizeof err);
    if (!db)
        die("database", err);
    sql("ALTER SYSTEM SET work_mem = '32MB'");
    sql("ALTER SYSTEM SET maintenance_work_mem = '512MB'");
    sql("SELECT pg_reload_conf()");

    char note[200];
    int64_t t;
    if (num("SELECT count(*) FROM units") == 0) {
        t = bench_ns();
        U = calloc((size_t)n_units, sizeof *U);
        for (int i = 0; i < n_units; i++)
            make_unit(i, &U[i]);
        fprintf(stderr, "bench_office: %d units made in %.0f s\n", n_units,
                (double)(bench_ns() - t) / 1e9);
        drop_indexes();
    } else {
        n_units = (int)num("SELECT count(*) FROM units");
        U = calloc((size_t)n_units, sizeof *U);
        PGresult *r = PQexec(db,
                             "SELECT u.id,"
                             " (SELECT id FROM people WHERE unit_id = u.id AND role = 'leader'"
                             "  ORDER BY name LIMIT 1),"
                             " (SELECT id FROM people WHERE unit_id = u.id AND role = 'peer'"
                             "  ORDER BY name LIMIT 1),"
                             " array_to_string(ARRAY(SELECT id FROM focuses WHERE unit_id = u.id"
                             "  ORDER BY id), ' ')"
                             " FROM units u ORDER BY u.name");
        for (int i = 0; i < PQntuples(r) && i < n_units; i++) {
            snprintf(U[i].unit, sizeof U[i].unit, "%s", PQgetvalue(r, i, 0));
            snprintf(U[i].leader, sizeof U[i].leader, "%s", PQgetvalue(r, i, 1));
            snprintf(U[i].peer, sizeof U[i].peer, "%s", PQgetvalue(r, i, 2));
            const char *f = PQgetvalue(r, i, 3);
            for (int k = 0; k < FOCUSES && strlen(f) >= 36; k++, f += strlen(f) > 36 ? 37 : 36)
                snprintf(U[i].focus[k], sizeof U[i].focus[k], "%.36s", f);
        }
        PQclear(r);
    }
    /* BLIK_BENCH_OFFICE_FILL_RANGE=FROM:TO fills only those units (one of
     * several processes filling at once) and stops. */
    const char *range = getenv("BLIK_BENCH_OFFICE_FILL_RANGE");
    if (range) {
        int from = 0, to = 0;
        if (sscanf(range, "%d:%d", &from, &to) != 2 || from < 0 || to <= from)
            die("BLIK_BENCH_OFFICE_FILL_RANGE", "give FROM:TO");
        fill_range(n_obs, from, to);
        return 0;
    }
    /* BLIK_BENCH_OFFICE_FILLED=1: measure what has been filled so far,
     * leaving the units not yet filled empty. */
    if (!indexed()) {
        t = bench_ns();
        long long records = getenv("BLIK_BENCH_OFFICE_FILLED") ? 0 : fill_range(n_obs, 0, n_units);
        double fill_s = (double)(bench_ns() - t) / 1e9;
        snprintf(note, sizeof note, "%lld records into %d units by this process, COPY", records,
                 n_units);
        if (records > 0)
            bench_report("office_fill_records_per_s", (double)records / fill_s, "rec/s", note);
        make_indexes();
    }
    if (getenv("BLIK_BENCH_OFFICE_FILL_ONLY"))
        return 0;
    n_obs = num("SELECT count(*) FROM observations");
    fprintf(stderr, "bench_office: measuring %ld observations in %d units\n", n_obs, n_units);

    /* The office's figures, made by the server's own rebuild: one unit
     * alone first (what an operator's facts-rebuild --unit takes), then
     * every unit, by REBUILDERS processes at once, each its own units, as
     * several administrators' commands could (each unit is its own
     * transaction). With the figures already made and complete, a later
     * run skips this. */
    if (num("SELECT count(*) FROM fact_obs") != n_obs) {
        t = bench_ns();
        long one = srv_facts_rebuild(db, U[0].unit, NULL, NULL, err, sizeof err);
        if (one < 0)
            die("facts-rebuild", err);
        double one_s = (double)(bench_ns() - t) / 1e9;
        snprintf(note, sizeof note, "one unit's %ld observations in %.1f s", one, one_s);
        bench_report("office_facts_rebuild_unit_obs_per_s", (double)one / one_s, "obs/s", note);
        t = bench_ns();
        pid_t kids[REBUILDERS];
        for (int k = 0; k < REBUILDERS; k++) {
            kids[k] = fork();
            if (kids[k] == 0) {
                PGconn *c = srv_db_connect(conninfo, err, sizeof err);
                if (!c)
                    _exit(1);
                for (int i = 1 + k; i < n_units; i += REBUILDERS)
                    if (srv_facts_rebuild(c, U[i].unit, NULL, NULL, err, sizeof err) < 0) {
                        fprintf(stderr, "bench_office: facts-rebuild: %s\n", err);
                        _exit(1);
                    }
                PQfinish(c);
                _exit(0);
            }
        }
        for (int k = 0; k < REBUILDERS; k++) {
            int st = 0;
            if (kids[k] < 0 || waitpid(kids[k], &st, 0) != kids[k] || !WIFEXITED(st) ||
                WEXITSTATUS(st) != 0)
                die("facts-rebuild", "a rebuilding process failed");
        }
        double rebuild_s = (double)(bench_ns() - t) / 1e9;
        long made = (long)num("SELECT count(*) FROM fact_obs");
        if (made != n_obs)
            die("facts-rebuild", "not every observation has its figures");
        sql("ANALYZE");
        snprintf(note, sizeof note, "%ld observations in %.0f s, %d processes", made - one,
                 rebuild_s, REBUILDERS);
        bench_report("office_facts_rebuild_obs_per_s", (double)(made - one) / rebuild_s, "obs/s",
                     note);
    }
    if (srv_facts_check(db, err, sizeof err) != 0)
        die("facts-check", "the sums differ from a recount");
    snprintf(note, sizeof note, "%lld bytes in all",
             num("SELECT pg_database_size(current_database())"));
    bench_report("office_database_size",
                 (double)num("SELECT pg_database_size(current_database())") / 1e9, "GB", note);

    /* Ids the pages need. */
    PGresult *r = PQexec(db, "SELECT observation_id FROM fact_obs TABLESAMPLE SYSTEM (1) LIMIT 21");
    for (int i = 0; i < PQntuples(r) && i <= RUNS; i++)
        snprintf(obs_ids[i], sizeof obs_ids[i], "%s", PQgetvalue(r, i, 0));
    PQclear(r);
    /* The leader's own unit's observations, for the observation page. */
    char q[300];
    snprintf(q, sizeof q,
             "SELECT observation_id FROM fact_obs WHERE unit_id = '%s' ORDER BY random() LIMIT 21",
             U[0].unit);
    r = PQexec(db, q);
    for (int i = 0; i < PQntuples(r) && i <= RUNS; i++)
        snprintf(obs_ids[i], sizeof obs_ids[i], "%s", PQgetvalue(r, i, 0));
    PQclear(r);
    snprintf(q, sizeof q, "SELECT id FROM templates WHERE unit_id = '%s' LIMIT 1", U[0].unit);
    r = PQexec(db, q);
    snprintf(template_id, sizeof template_id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    (void)room_id;
    (void)device_id;
    (void)account_id;

    /* The office, in-process. */
    srv_config cfg;
    srv_config_defaults(&cfg);
    snprintf(cfg.db, sizeof cfg.db, "%s", conninfo);
    cfg.pool = 2;
    const char *assets = getenv("BLIK_ASSETS_DIR") ? getenv("BLIK_ASSETS_DIR") : BLIK_ASSETS_DIR;
    srv_web *office = off_new(assets, &cfg, err, sizeof err);
    if (!office)
        die("office", err);
    cfg.web = office;
    if (srv_open(&cfg, &S) != 0)
        die("server", srv_errmsg(S));
    session leader, area, adm;
    /* A kept database has the accounts of an earlier run: one person has
     * one account, so they go first (their sessions with them). */
    sql("DELETE FROM accounts WHERE name = 'Bench'");
    account("leader", U[0].leader, NULL, 0, &leader);
    account("area", NULL, U, n_units < 10 ? n_units : 10, &area);
    account("admin", NULL, NULL, 0, &adm);

    page("home_leader", &leader, mk_home);
    page("home_admin", &adm, mk_home);
    page("observations_unit", &leader, mk_obs_list);
    page("observations_filtered", &leader, mk_obs_filtered);
    page("observations_area_10_units", &area, mk_obs_all);
    page("observations_admin_all_units", &adm, mk_obs_all);
    page("observations_page40", &leader, mk_obs_page_far);
    page("observation", &leader, mk_obs_one);
    page("progression_month", &leader, mk_progress);
    page("progression_term", &leader, mk_progress_term);
    page("meeting", &leader, mk_meeting);
    page("area_10_units", &area, mk_area);
    page("area_admin_all_units", &adm, mk_area);
    page("calibration", &leader, mk_calib);
    page("calibration_area", &area, mk_calib);
    page("exports", &leader, mk_exports);
    page("focuses", &leader, mk_focuses);
    page("focus", &leader, mk_focus);
    page("people", &leader, mk_people);
    page("person", &leader, mk_person);
    page("units_admin", &adm, mk_units);
    page("unit", &area, mk_unit);
    page("tablets", &leader, mk_tablets);
    page("templates", &leader, mk_templates);
    page("template", &leader, mk_template);
    page("accounts_admin", &adm, mk_accounts);

    /* One unit's year, exported in full detail, from the real server over
     * TLS: rows per second as the browser receives them (the median of
     * five downloads, each on a new connection; the first one also opens
     * the server's database connection), and how much memory the server
     * held at its peak while it streamed. */
    tsrv ts;
    if (tca_make(dir, err, sizeof err) != 0 ||
        tsrv_start(&ts, pg, BLIK_SERVER_EXE, conninfo, dir, NULL) != 0)
        die("blik-server", err);
    long hwm0 = server_hwm_kib(ts.pid);
    const char *forms[] = {"observations", "events"};
    enum { EXPORT_RUNS = 5 };
    for (int f = 0; f < 2; f++) {
        char url[400];
        snprintf(url, sizeof url, "%s/exports/%s.csv?unit=%s&from=2025-01-01&to=2025-12-31", ts.url,
                 forms[f], U[0].unit);
        double secs[EXPORT_RUNS];
        fetch_result fr;
        int ok = 1;
        for (int run = 0; run < EXPORT_RUNS && ok; run++) {
            if (fetch(url, ts.ca, leader.cookie, &fr) != 0 || fr.status != 200) {
                fprintf(stderr, "bench_office: %s answered %ld\n", url, fr.status);
                worst_ok = ok = 0;
            }
            secs[run] = fr.seconds;
        }
        if (!ok)
            continue;
        double med = bench_percentile(secs, EXPORT_RUNS, 50);
        char name[80];
        snprintf(name, sizeof name, "office_export_%s_rows_per_s", forms[f]);
        snprintf(note, sizeof note,
                 "%ld rows, %.1f MB in %.2f s (median of %d; %.2f to %.2f s), one unit's year"
                 " over TLS",
                 fr.lines - 1, (double)fr.bytes / 1e6, med, EXPORT_RUNS, secs[0],
                 secs[EXPORT_RUNS - 1]);
        bench_report(name, (double)(fr.lines - 1) / med, "rows/s", note);
    }
    long hwm1 = server_hwm_kib(ts.pid);
    snprintf(note, sizeof note,
             "blik-server's peak memory: %.1f MiB before the exports, %.1f after",
             (double)hwm0 / 1024, (double)hwm1 / 1024);
    bench_report("office_export_server_peak_mib", (double)hwm1 / 1024, "MiB", note);
    tsrv_stop(&ts);
    bench_report("office_peak_rss", (double)bench_peak_rss_kib() / 1024, "MiB",
                 "this process: generator, office and exports");

    srv_free(S);
    off_free(office);
    PQfinish(db);
    tpg_stop(pg);
    if (kept) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_office: %s was left behind\n", dir);
    }
    free(U);
    if (!worst_ok)
        fprintf(stderr, "bench_office: a page failed or took over 300 ms at the 95th percentile\n");
    return 0;
}
