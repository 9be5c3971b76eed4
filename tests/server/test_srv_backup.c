/*
 * Backing up, restoring and upgrading, as an administrator would:
 *
 * - admin backup while the server serves, admin restore into a new empty
 *   database after the old one is lost, and the tablet keeps syncing with
 *   the credentials and the cursor it had: what it pushes afterwards is
 *   stored and pulled, what it pushed before the backup is a duplicate;
 *   a restore into a database that is not empty, of a file that is no
 *   backup, or of a backup newer than the server is refused and changes
 *   nothing;
 * - a database made by the previous release (schema 5, the dump in
 *   tests/server/upgrade/) is served by this server: it migrates at start,
 *   the tablet enrolled there pulls what it pushed, pushes more, and its
 *   old push is a duplicate; the office's figures still add up; and a
 *   backup of the old database, which must not migrate it, restores into
 *   this server's schema.
 *
 * With BLIK_UPGRADE_MAKE_FROM=<an older blik-server> and
 * BLIK_UPGRADE_MAKE_TO=<file.sql> it instead makes such a dump with that
 * server (see make_fixture).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "fixture.h"
#include "model_json.h"
#include "srv.h"

#ifndef BLIK_UPGRADE_DUMP
#error "BLIK_UPGRADE_DUMP must name the previous release's database dump"
#endif

static fx_world W;
static fx_unit U;
static fx_device D;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_backup", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

/* Runs argv, standard input from in_text (may be NULL), and returns the
 * exit status; its first line of output goes to out (may be NULL). */
static int run(const char *const *argv, const char *in_text, char *out, size_t cap)
{
    int pi[2], po[2];
    if (pipe(pi) != 0 || pipe(po) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(pi[0], 0);
        dup2(po[1], 1);
        close(pi[1]);
        close(po[0]);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pi[0]);
    close(po[1]);
    if (in_text && write(pi[1], in_text, strlen(in_text)) < 0)
        fprintf(stderr, "run: cannot write to %s\n", argv[0]);
    close(pi[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t k;
    while ((k = read(po[0], buf + n, sizeof buf - 1 - n)) > 0 && n < sizeof buf - 1)
        n += (size_t)k;
    while (read(po[0], buf, 0) > 0) {
    }
    close(po[0]);
    buf[n] = 0;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (out) {
        buf[strcspn(buf, "\n")] = 0;
        snprintf(out, cap, "%.*s", (int)(cap - 1), buf);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* psql runs a plain dump into the database of conninfo, in one
 * transaction, stopping at the first error. */
static void load_sql(const char *conninfo, const char *path)
{
    const char *argv[] = {
        "psql",   "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d",
        conninfo, "-f", path, NULL};
    assert_int_equal(run(argv, NULL, NULL, 0), 0);
}

/* A number from a query on another database. */
static long long count_in(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "count_in: %s", PQresultErrorMessage(r));
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    long long n = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return n;
}

#define RELATIONS                                                                                  \
    "SELECT count(*) FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace"                \
    " WHERE n.nspname = 'public'"

/* Runs an admin command on another database (its --db after the world's,
 * so it wins); the whole output into *out (malloc'd). */
static int admin_on(const char *conninfo, char **out, const char *cmd, const char *opt,
                    const char *val)
{
    int rc;
    char *o = fx_admin_all(&W, &rc, "--db", conninfo, cmd, opt, val, NULL);
    if (out)
        *out = o;
    else
        free(o);
    return rc;
}

/* The server again, on the database of conninfo. */
static void serve_on(const char *conninfo)
{
    assert_int_equal(tsrv_stop(&W.srv), 0);
    const char *extra[] = {"--db", conninfo, "--pool", "2", NULL};
    fx_restart(&W, extra);
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Backup unit", &U);
    fx_enrol(&W, U.unit, &D);
}

static void test_backup_restore_and_the_tablet_keeps_syncing(void **state)
{
    (void)state;
    /* Before the backup: observation A with a note. */
    model_record a, note;
    fx_obs(&U, U.leader, U.peer1, &a);
    fx_note(a.u.obs.id, "Before the backup", &note);
    proto_change before[2];
    fx_change(&before[0], U.leader, 0, &a);
    fx_change(&before[1], U.leader, 0, &note);
    proto_push_reply pr;
    fx_push(&W, &D, before, 2, &pr);
    assert_int_equal(pr.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&pr);

    char path[700], out[800];
    snprintf(path, sizeof path, "%s/blik.backup", W.dir);
    char *text = NULL;
    assert_int_equal(admin_on(W.conninfo, &text, "backup", "--out", path), 0);
    char want[100];
    snprintf(want, sizeof want, "\tschema %d\t", SRV_DB_VERSION);
    assert_non_null(strstr(text, want));
    free(text);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 077, 0); /* everyone's words: the owner's alone */
    snprintf(out, sizeof out, "%s.part", path);
    assert_int_not_equal(access(out, F_OK), 0);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM audit_log WHERE action = 'backup'"), 1);

    /* After the backup: observation B, which the restore will not know;
     * the tablet's cursor passes it. */
    model_record b;
    fx_obs(&U, U.leader, U.peer2, &b);
    proto_change after;
    fx_change(&after, U.leader, 0, &b);
    fx_push(&W, &D, &after, 1, &pr);
    proto_push_reply_clear(&pr);
    proto_pull_reply pl;
    fx_pull(&W, &D, U.leader, 0, PROTO_PULL_MAX, &pl);
    int64_t cursor = pl.cursor;
    assert_true(fx_has(&pl, MODEL_ENT_OBSERVATION, b.u.obs.id));
    proto_pull_reply_clear(&pl);

    /* The database is lost; a new one is made. Refusals first. */
    char fresh[512];
    assert_int_equal(tpg_new_db(W.pg, "blik_restored", fresh, sizeof fresh), 0);
    assert_int_equal(admin_on(W.conninfo, NULL, "restore", "--file", path), 1);
    snprintf(out, sizeof out, "%s/not-a-backup", W.dir);
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    fputs("-- just text\n", f);
    fclose(f);
    assert_int_equal(admin_on(fresh, NULL, "restore", "--file", out), 1);
    snprintf(out, sizeof out, "%s/missing.backup", W.dir);
    assert_int_equal(admin_on(fresh, NULL, "restore", "--file", out), 1);
    assert_int_equal(count_in(fresh, RELATIONS), 0);

    assert_int_equal(admin_on(fresh, &text, "restore", "--file", path), 0);
    snprintf(want, sizeof want, "schema %d, now %d\t1 units\t1 tablets\t1 observations",
             SRV_DB_VERSION, SRV_DB_VERSION);
    if (!strstr(text, want))
        fprintf(stderr, "restore said: %s", text);
    assert_non_null(strstr(text, want));
    free(text);

    serve_on(fresh);
    /* The tablet goes on from its cursor with its own credentials. */
    fx_pull(&W, &D, U.leader, cursor, PROTO_PULL_MAX, &pl);
    assert_int_equal(pl.n, 0);
    proto_pull_reply_clear(&pl);
    model_record c;
    fx_obs(&U, U.leader, U.peer1, &c);
    proto_change later;
    fx_change(&later, U.leader, 0, &c);
    fx_push(&W, &D, &later, 1, &pr);
    assert_int_equal(pr.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&pr);
    /* Published after the restore, so after the tablet's cursor, though
     * the restored feed had not come that far. */
    fx_pull(&W, &D, U.leader, cursor, PROTO_PULL_MAX, &pl);
    assert_true(fx_has(&pl, MODEL_ENT_OBSERVATION, c.u.obs.id));
    proto_pull_reply_clear(&pl);
    /* What the backup holds is known: sent again, a duplicate. */
    fx_push(&W, &D, before, 2, &pr);
    assert_int_equal(pr.results[0].status, PROTO_ST_DUPLICATE);
    assert_int_equal(pr.results[1].status, PROTO_ST_DUPLICATE);
    proto_push_reply_clear(&pr);
    /* A fresh tablet's pull from the start has A and C, not B. */
    fx_pull(&W, &D, U.leader, 0, PROTO_PULL_MAX, &pl);
    assert_true(fx_has(&pl, MODEL_ENT_OBSERVATION, a.u.obs.id));
    assert_true(fx_has(&pl, MODEL_ENT_OBSERVATION, c.u.obs.id));
    assert_false(fx_has(&pl, MODEL_ENT_OBSERVATION, b.u.obs.id));
    proto_pull_reply_clear(&pl);
    assert_int_equal(count_in(fresh, "SELECT count(*) FROM fact_obs"), 2);

    /* A backup of a newer schema than this server's is refused. */
    char newer[512], empty[512], newer_path[700];
    assert_int_equal(tpg_new_db(W.pg, "blik_newer", newer, sizeof newer), 0);
    assert_int_equal(tpg_new_db(W.pg, "blik_empty", empty, sizeof empty), 0);
    assert_int_equal(admin_on(newer, NULL, "restore", "--file", path), 0);
    PGconn *nc = PQconnectdb(newer);
    PQclear(PQexec(nc, "INSERT INTO schema_migrations (version) VALUES (999)"));
    PQfinish(nc);
    snprintf(newer_path, sizeof newer_path, "%s/newer.backup", W.dir);
    assert_int_equal(admin_on(newer, NULL, "backup", "--out", newer_path), 0);
    assert_int_equal(admin_on(empty, NULL, "restore", "--file", newer_path), 1);
    assert_int_equal(count_in(empty, RELATIONS), 0);
    /* And a database with no Blik schema has nothing to back up. */
    assert_int_equal(admin_on(empty, NULL, "backup", "--out", newer_path), 1);
}

/* ---- the previous release's database ---- */

/* The fixture's facts, from its "-- key: value" lines. */
typedef struct {
    model_id unit, leader, peer1, device, obs;
    char authz[160];
    char *push; /* the first push's body, as sent */
    int schema;
} old_db;

static void read_fixture(old_db *o)
{
    memset(o, 0, sizeof *o);
    FILE *f = fopen(BLIK_UPGRADE_DUMP, "r");
    assert_non_null(f);
    static char line[65536];
    while (fgets(line, sizeof line, f) && !strncmp(line, "-- ", 3)) {
        line[strcspn(line, "\n")] = 0;
        char *v = strstr(line, ": ");
        if (!v)
            continue;
        *v = 0;
        v += 2;
        const char *k = line + 3;
        if (!strcmp(k, "unit"))
            snprintf(o->unit, sizeof o->unit, "%s", v);
        else if (!strcmp(k, "leader"))
            snprintf(o->leader, sizeof o->leader, "%s", v);
        else if (!strcmp(k, "peer"))
            snprintf(o->peer1, sizeof o->peer1, "%s", v);
        else if (!strcmp(k, "device"))
            snprintf(o->device, sizeof o->device, "%s", v);
        else if (!strcmp(k, "authorization"))
            snprintf(o->authz, sizeof o->authz, "%s", v);
        else if (!strcmp(k, "observation"))
            snprintf(o->obs, sizeof o->obs, "%s", v);
        else if (!strcmp(k, "schema"))
            o->schema = atoi(v);
        else if (!strcmp(k, "push"))
            o->push = strdup(v);
    }
    fclose(f);
    assert_true(o->unit[0] && o->leader[0] && o->device[0] && o->authz[0] && o->obs[0]);
    assert_non_null(o->push);
    assert_true(o->schema > 0 && o->schema < SRV_DB_VERSION);
}

static void test_previous_release_migrates_and_serves(void **state)
{
    (void)state;
    old_db o;
    read_fixture(&o);
    char old[512];
    assert_int_equal(tpg_new_db(W.pg, "blik_previous", old, sizeof old), 0);
    load_sql(old, BLIK_UPGRADE_DUMP);
    assert_int_equal(count_in(old, "SELECT max(version) FROM schema_migrations"), o.schema);

    /* A backup taken before the upgrade leaves the old database as it
     * was, and restores into this server's schema. */
    char path[700], fresh[512];
    snprintf(path, sizeof path, "%s/previous.backup", W.dir);
    char *text = NULL;
    assert_int_equal(admin_on(old, &text, "backup", "--out", path), 0);
    free(text);
    assert_int_equal(count_in(old, "SELECT max(version) FROM schema_migrations"), o.schema);
    assert_int_equal(tpg_new_db(W.pg, "blik_previous_restored", fresh, sizeof fresh), 0);
    assert_int_equal(admin_on(fresh, &text, "restore", "--file", path), 0);
    char want[60];
    snprintf(want, sizeof want, "schema %d, now %d", o.schema, SRV_DB_VERSION);
    assert_non_null(strstr(text, want));
    free(text);
    assert_int_equal(count_in(fresh, "SELECT max(version) FROM schema_migrations"), SRV_DB_VERSION);

    /* The upgrade itself: this server started on the old database. */
    long before = 0;
    FILE *lf = fopen(W.srv.log, "r");
    if (lf) {
        fseek(lf, 0, SEEK_END);
        before = ftell(lf);
        fclose(lf);
    }
    serve_on(old);
    assert_int_equal(count_in(old, "SELECT max(version) FROM schema_migrations"), SRV_DB_VERSION);
    lf = fopen(W.srv.log, "r");
    assert_non_null(lf);
    fseek(lf, before, SEEK_SET);
    char line[1024];
    int migrated = 0;
    while (fgets(line, sizeof line, lf))
        migrated += strstr(line, "database migrated to version") != NULL;
    fclose(lf);
    assert_int_equal(migrated, SRV_DB_VERSION - o.schema);

    fx_device dev;
    snprintf(dev.id, sizeof dev.id, "%s", o.device);
    snprintf(dev.authz, sizeof dev.authz, "%s", o.authz);
    proto_pull_reply pl;
    fx_pull(&W, &dev, o.leader, 0, PROTO_PULL_MAX, &pl);
    assert_true(fx_has(&pl, MODEL_ENT_OBSERVATION, o.obs));
    int64_t cursor = pl.cursor;
    proto_pull_reply_clear(&pl);
    /* The old push again: every change a duplicate. */
    thttp_resp r;
    fx_post(&W, "/v1/push", &dev, o.push, &r);
    assert_int_equal(r.status, 200);
    proto_push_reply pr;
    proto_err pe;
    assert_int_equal(proto_push_reply_decode(r.body, r.len, &pr, &pe), 0);
    assert_true(pr.n > 0);
    for (int i = 0; i < pr.n; i++)
        assert_int_equal(pr.results[i].status, PROTO_ST_DUPLICATE);
    proto_push_reply_clear(&pr);
    thttp_free(&r);
    /* Something new, stored and pulled after the old cursor. */
    PGconn *oc = PQconnectdb(old);
    const char *qp[] = {o.obs};
    PGresult *q = PQexecParams(oc,
                               "SELECT data FROM items WHERE entity = 'observation' AND key = $1",
                               1, NULL, qp, NULL, NULL, 0);
    assert_int_equal(PQntuples(q), 1);
    model_record first;
    model_err me;
    assert_int_equal(model_record_parse(MODEL_ENT_OBSERVATION, PQgetvalue(q, 0, 0), &first, &me),
                     0);
    PQclear(q);
    PQfinish(oc);
    model_record n = first;
    assert_int_equal(model_id_new(plat_sys_os(), n.u.obs.id), 0);
    proto_change ch;
    fx_change(&ch, n.u.obs.observer_id, 0, &n);
    fx_push(&W, &dev, &ch, 1, &pr);
    if (pr.results[0].status != PROTO_ST_STORED)
        fprintf(stderr, "new observation: %s\n", pr.results[0].message);
    assert_int_equal(pr.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&pr);
    fx_pull(&W, &dev, o.leader, cursor, PROTO_PULL_MAX, &pl);
    assert_true(fx_has(&pl, MODEL_ENT_OBSERVATION, n.u.obs.id));
    proto_pull_reply_clear(&pl);
    /* The office's figures, made by the old server and then this one,
     * agree with a recount. */
    char *fc = NULL;
    assert_int_equal(admin_on(old, &fc, "facts-check", NULL, NULL), 0);
    free(fc);
    free(o.push);
}

/* ---- making the previous release's dump ---- */

/* Runs an admin command of the older server; its first line into out. */
static void old_admin(const char *exe, const char *conninfo, const char *in, char *out, size_t cap,
                      ...)
{
    const char *argv[40] = {exe, "admin", "--db", conninfo};
    int n = 4;
    va_list ap;
    va_start(ap, cap);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 39)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    int rc = run(argv, in, out, cap);
    if (rc != 0)
        fprintf(stderr, "make: %s admin %s failed (%d)\n", exe, argv[4], rc);
    assert_int_equal(rc, 0);
}

/* Enrols a tablet with an enrolment code of the older server. */
static void old_enrol(const char *exe, const char *db, const char *unit, fx_device *d)
{
    char code[40];
    old_admin(exe, db, NULL, code, sizeof code, "enrol-code", "--unit", unit, NULL);
    proto_enrol e = {PROTO_SCHEMA, "", "Stue 2's tablet"};
    snprintf(e.code, sizeof e.code, "%.32s", code);
    char *body = proto_enrol_encode(&e);
    thttp_resp r;
    fx_post(&W, "/v1/enrol", NULL, body, &r);
    free(body);
    assert_int_equal(r.status, 200);
    proto_enrol_reply rep;
    proto_err pe;
    assert_int_equal(proto_enrol_reply_decode(r.body, r.len, &rep, &pe), 0);
    thttp_free(&r);
    snprintf(d->id, sizeof d->id, "%s", rep.device_id);
    snprintf(d->authz, sizeof d->authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
}

/*
 * Makes the dump an older blik-server leaves: a unit with a room, a leader
 * with a PIN and two peers, a template and a focus, made by its admin
 * commands; two tablets enrolled; a finished observation with a note,
 * feedback and a reflection and a draft pushed; a stale edit kept as a
 * conflict. pg_dump writes it as SQL with the ids and the tablet's
 * credentials in "-- key: value" lines at the top; psql's \restrict lines
 * are left out, so any psql can load it.
 */
static void test_make_fixture(void **state)
{
    (void)state;
    const char *exe = getenv("BLIK_UPGRADE_MAKE_FROM"), *to = getenv("BLIK_UPGRADE_MAKE_TO");
    char db[512];
    assert_int_equal(tpg_new_db(W.pg, "blik_made", db, sizeof db), 0);
    assert_int_equal(tsrv_stop(&W.srv), 0);
    assert_int_equal(tsrv_start(&W.srv, W.pg, exe, db, W.dir, NULL), 0);
    fx_unit u;
    memset(&u, 0, sizeof u);
    old_admin(exe, db, NULL, u.unit, sizeof u.unit, "unit-add", "--name", "Børnehuset Kastanjen",
              NULL);
    old_admin(exe, db, NULL, u.room, sizeof u.room, "room-add", "--unit", u.unit, "--name",
              "Stue 2", NULL);
    old_admin(exe, db, NULL, u.leader, sizeof u.leader, "person-add", "--unit", u.unit, "--name",
              "Lene Leder", "--role", "leader", NULL);
    old_admin(exe, db, NULL, u.peer1, sizeof u.peer1, "person-add", "--unit", u.unit, "--name",
              "Peter Pædagog", "--role", "peer", NULL);
    old_admin(exe, db, NULL, u.peer2, sizeof u.peer2, "person-add", "--unit", u.unit, "--name",
              "Pia Pædagog", "--role", "peer", NULL);
    old_admin(exe, db, "2580\n", NULL, 0, "pin-set", "--person", u.leader, NULL);
    model_id tid;
    assert_int_equal(model_id_new(plat_sys_os(), tid), 0);
    char doc[1024], path[700];
    snprintf(doc, sizeof doc,
             "{\"id\":\"%s\",\"unit_id\":\"%s\",\"version\":1,\"name\":\"Spørgsmål\","
             "\"scale\":[\"ikke set\",\"delvist\",\"tydeligt\"],"
             "\"counters\":[{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"}],"
             "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
             tid, u.unit);
    snprintf(path, sizeof path, "%s/template.json", W.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(doc, f);
    fclose(f);
    old_admin(exe, db, NULL, u.tmpl, sizeof u.tmpl, "template-add", "--unit", u.unit, "--file",
              path, NULL);
    old_admin(exe, db, NULL, u.focus, sizeof u.focus, "focus-add", "--unit", u.unit, "--question",
              "Hvordan stiller vi åbne spørgsmål?", "--from", "2026-01-01", "--to", "2026-12-31",
              "--template", u.tmpl, "--sign", "Børnene svarer i sætninger", "--pillar", "learning",
              NULL);
    fx_device d, d2;
    old_enrol(exe, db, u.unit, &d);
    old_enrol(exe, db, u.unit, &d2);

    model_record obs, note, fb, refl, draft;
    fx_obs(&u, u.leader, u.peer1, &obs);
    fx_note(obs.u.obs.id, "Spurgte hvorfor bladene falder", &note);
    fx_feedback(obs.u.obs.id, u.leader, "Gode åbne spørgsmål", &fb);
    fx_reflection(obs.u.obs.id, u.peer1, "Jeg vil vente længere på svar", &refl);
    fx_obs(&u, u.peer1, u.peer2, &draft);
    draft.u.obs.status = MODEL_OBS_DRAFT;
    draft.u.obs.ended_at = 0;
    proto_change ch[5];
    fx_change(&ch[0], u.leader, 0, &obs);
    fx_change(&ch[1], u.leader, 0, &note);
    fx_change(&ch[2], u.leader, 0, &fb);
    fx_change(&ch[3], u.peer1, 0, &refl);
    fx_change(&ch[4], u.peer1, 0, &draft);
    char *push = fx_push_body(ch, 5);
    proto_push_reply pr;
    fx_push(&W, &d, ch, 5, &pr);
    for (int i = 0; i < 5; i++)
        assert_int_equal(pr.results[i].status, PROTO_ST_STORED);
    proto_push_reply_clear(&pr);
    /* A correction on version 1, then another made from version 1 on
     * the other tablet: the second is kept as a conflict. */
    model_record fix = obs;
    fix.u.obs.revision = 2;
    snprintf(fix.u.obs.activity, sizeof fix.u.obs.activity, "Samling");
    proto_change c2[2];
    fx_change(&c2[0], u.leader, 1, &fix);
    fix.u.obs.revision = 3;
    fx_change(&c2[1], u.leader, 1, &fix);
    fx_push(&W, &d, &c2[0], 1, &pr);
    assert_int_equal(pr.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&pr);
    fx_push(&W, &d2, &c2[1], 1, &pr);
    assert_int_equal(pr.results[0].status, PROTO_ST_CONFLICT);
    proto_push_reply_clear(&pr);
    assert_int_equal(tsrv_stop(&W.srv), 0);

    char raw[800];
    snprintf(raw, sizeof raw, "%s.raw", to);
    const char *dump[] = {"pg_dump", "--no-owner", "--no-privileges", "-d", db, "-f", raw, NULL};
    assert_int_equal(run(dump, NULL, NULL, 0), 0);
    long long v = count_in(db, "SELECT max(version) FROM schema_migrations");
    FILE *in = fopen(raw, "r"), *out = fopen(to, "w");
    assert_non_null(in);
    assert_non_null(out);
    char vs[32];
    snprintf(vs, sizeof vs, "%lld", v);
    fprintf(out,
            "-- blik-server upgrade fixture: the database an older blik-server left, made by\n"
            "-- tests/server/test_srv_backup.c (test_make_fixture) with that server.\n"
            "-- schema: %s\n-- unit: %s\n-- leader: %s\n-- peer: %s\n-- device: %s\n"
            "-- authorization: %s\n-- observation: %s\n-- push: %s\n",
            vs, u.unit, u.leader, u.peer1, d.id, d.authz, obs.u.obs.id, push);
    static char line[1 << 16];
    while (fgets(line, sizeof line, in))
        if (strncmp(line, "\\restrict", 9) != 0 && strncmp(line, "\\unrestrict", 11) != 0)
            fputs(line, out);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    remove(raw);
    free(push);
    fx_restart(&W, NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    if (getenv("BLIK_UPGRADE_MAKE_FROM") && getenv("BLIK_UPGRADE_MAKE_TO")) {
        const struct CMUnitTest make[] = {cmocka_unit_test(test_make_fixture)};
        rc = cmocka_run_group_tests_name("srv_backup_make", make, up, down);
    } else {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_setup),
            cmocka_unit_test(test_backup_restore_and_the_tablet_keeps_syncing),
            cmocka_unit_test(test_previous_release_migrates_and_serves),
        };
        rc = cmocka_run_group_tests_name("srv_backup", tests, up, down);
    }
    curl_global_cleanup();
    return rc;
}
