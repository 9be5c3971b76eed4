/* The shared world of the server tests; see fixture.h. */
#include "fixture.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "srv.h"

#ifndef BLIK_SERVER_EXE
#error "BLIK_SERVER_EXE must name the blik-server program"
#endif

int fx_up(fx_world *w, const char *dbname, const char *const *extra)
{
    memset(w, 0, sizeof *w);
    char err[400];
    if (tpg_start(0, &w->pg, err, sizeof err) != 0) {
        fprintf(stderr, "fixture: %s\n", err);
        tpg_stop(w->pg);
        w->pg = NULL;
        return -1;
    }
    snprintf(w->dir, sizeof w->dir, "%s", tpg_dir(w->pg));
    if (tca_make(w->dir, err, sizeof err) != 0 ||
        tpg_new_db(w->pg, dbname, w->conninfo, sizeof w->conninfo) != 0) {
        fprintf(stderr, "fixture: %s\n", err);
        return -1;
    }
    w->db = srv_db_connect(w->conninfo, err, sizeof err);
    if (!w->db) {
        fprintf(stderr, "fixture: %s\n", err);
        return -1;
    }
    if (tsrv_start(&w->srv, w->pg, BLIK_SERVER_EXE, w->conninfo, w->dir, extra) != 0)
        return -1;
    return 0;
}

int fx_down(fx_world *w)
{
    int rc = 0;
    /* A server that does not exit 0 on SIGTERM failed the test: this is also
     * where the sanitizers report leaks and errors in the server process. */
    if (w->srv.pid > 0 && (rc = tsrv_stop(&w->srv)) != 0) {
        fprintf(stderr, "fixture: the server did not stop cleanly (status %d); its log:\n", rc);
        FILE *f = fopen(w->srv.log, "r");
        char line[1024];
        while (f && fgets(line, sizeof line, f))
            fputs(line, stderr);
        if (f)
            fclose(f);
        rc = -1;
    }
    PQfinish(w->db);
    w->db = NULL;
    tpg_stop(w->pg);
    w->pg = NULL;
    return rc;
}

void fx_restart(fx_world *w, const char *const *extra)
{
    assert_int_equal(tsrv_start(&w->srv, w->pg, BLIK_SERVER_EXE, w->conninfo, w->dir, extra), 0);
}

void fx_restart_env(fx_world *w, const char *name, const char *value)
{
    assert_int_equal(tsrv_stop(&w->srv), 0);
    setenv(name, value, 1);
    fx_restart(w, NULL);
    unsetenv(name);
}

void fx_restart_metrics(fx_world *w, const char *const *extra, char *url, size_t cap)
{
    assert_int_equal(tsrv_stop(&w->srv), 0);
    char pf[600];
    snprintf(pf, sizeof pf, "%s/metrics.port", w->dir);
    remove(pf);
    const char *args[24] = {"--metrics-listen",    "127.0.0.1", "--metrics-port", "0",
                            "--metrics-port-file", pf};
    int n = 6;
    for (int i = 0; extra && extra[i]; i++) {
        assert_true(n < 23);
        args[n++] = extra[i];
    }
    args[n] = NULL;
    fx_restart(w, args);
    FILE *f = fopen(pf, "r");
    assert_non_null(f);
    int port = 0;
    assert_int_equal(fscanf(f, "%d", &port), 1);
    fclose(f);
    snprintf(url, cap, "http://127.0.0.1:%d", port);
}

int fx_office_session(PGconn *db, const char *account_id, char *cookie, size_t cap, char csrf[65])
{
    unsigned char r[32], h[32];
    char tok[65], hash[65];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(tok, sizeof tok, r, sizeof r);
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(csrf, 65, r, sizeof r);
    crypto_hash_sha256(h, (const unsigned char *)tok, 64);
    sodium_bin2hex(hash, sizeof hash, h, sizeof h);
    const char *ps[] = {hash, account_id, csrf};
    PGresult *q = PQexecParams(
        db, "INSERT INTO sessions (token_sha256, account_id, csrf) VALUES ($1,$2,$3)", 3, NULL, ps,
        NULL, NULL, 0);
    int ok = PQresultStatus(q) == PGRES_COMMAND_OK;
    PQclear(q);
    if (!ok) {
        fprintf(stderr, "office session for %s: %s", account_id, PQerrorMessage(db));
        return -1;
    }
    snprintf(cookie, cap, "__Host-blik=%s", tok);
    return 0;
}

int fx_office_account(PGconn *db, const char *login, const char *role, const char *name,
                      const char *person, char id[33], char *cookie, size_t cap, char csrf[65])
{
    unsigned char r[16];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(id, 33, r, sizeof r);
    const char *pa[] = {id, login, person, role, name};
    PGresult *q = PQexecParams(db,
                               "INSERT INTO accounts (id, login, person_id, role, name)"
                               " VALUES ($1,$2,$3,$4,$5)",
                               5, NULL, pa, NULL, NULL, 0);
    int ok = PQresultStatus(q) == PGRES_COMMAND_OK;
    PQclear(q);
    if (!ok) {
        fprintf(stderr, "office account %s: %s", login, PQerrorMessage(db));
        return -1;
    }
    return fx_office_session(db, id, cookie, cap, csrf);
}

/* The one way tests run an admin command in-process: argv from the
 * NULL-ended list, stdin from stdin_text, stdout kept whole. */
static char *admin_run(fx_world *w, int *rc, const char *stdin_text, va_list ap)
{
    char *argv[40];
    int argc = 0;
    argv[argc++] = "--db";
    argv[argc++] = w->conninfo;
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < 39)
        argv[argc++] = (char *)a;
    argv[argc] = NULL;
    char *obuf = NULL, *ebuf = NULL;
    size_t olen = 0, elen = 0;
    FILE *o = open_memstream(&obuf, &olen), *e = open_memstream(&ebuf, &elen);
    FILE *in = fmemopen((void *)(stdin_text ? stdin_text : ""),
                        stdin_text ? strlen(stdin_text) + 1 : 1, "r");
    assert_non_null(o);
    assert_non_null(e);
    assert_non_null(in);
    *rc = srv_admin_main(argc, argv, in, o, e);
    fclose(in);
    fclose(o);
    fclose(e);
    if (*rc != 0 && ebuf && *ebuf)
        fprintf(stderr, "admin %s: %s", argv[2], ebuf);
    free(ebuf);
    return obuf;
}

int fx_admin(fx_world *w, char *out, size_t cap, const char *stdin_text, ...)
{
    va_list ap;
    va_start(ap, stdin_text);
    int rc;
    char *obuf = admin_run(w, &rc, stdin_text, ap);
    va_end(ap);
    if (out) {
        snprintf(out, cap, "%s", obuf ? obuf : "");
        out[strcspn(out, "\n")] = 0;
    }
    free(obuf);
    return rc;
}

char *fx_admin_all(fx_world *w, int *rc, ...)
{
    va_list ap;
    va_start(ap, rc);
    char *obuf = admin_run(w, rc, NULL, ap);
    va_end(ap);
    return obuf;
}

void fx_make_unit(fx_world *w, const char *name, fx_unit *u)
{
    memset(u, 0, sizeof *u);
    assert_int_equal(fx_admin(w, u->unit, sizeof u->unit, NULL, "unit-add", "--name", name, NULL),
                     0);
    assert_int_equal(fx_admin(w, u->room, sizeof u->room, NULL, "room-add", "--unit", u->unit,
                              "--name", "Blue room", NULL),
                     0);
    assert_int_equal(fx_admin(w, u->leader, sizeof u->leader, NULL, "person-add", "--unit", u->unit,
                              "--name", "Lea Leader", "--role", "leader", NULL),
                     0);
    assert_int_equal(fx_admin(w, u->peer1, sizeof u->peer1, NULL, "person-add", "--unit", u->unit,
                              "--name", "Per Peer", "--role", "peer", NULL),
                     0);
    assert_int_equal(fx_admin(w, u->peer2, sizeof u->peer2, NULL, "person-add", "--unit", u->unit,
                              "--name", "Pia Peer", "--role", "peer", NULL),
                     0);
    model_id tid;
    assert_int_equal(model_id_new(plat_sys_os(), tid), 0);
    char doc[1024], path[700];
    snprintf(doc, sizeof doc,
             "{\"id\":\"%s\",\"unit_id\":\"%s\",\"version\":1,\"name\":\"Questions\","
             "\"scale\":[\"not seen\",\"partly\",\"clearly\"],"
             "\"counters\":[{\"key\":\"open_q\",\"label\":\"Open question\"}],"
             "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
             tid, u->unit);
    snprintf(path, sizeof path, "%s/template-%s.json", w->dir, u->unit);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(doc, f);
    fclose(f);
    assert_int_equal(fx_admin(w, u->tmpl, sizeof u->tmpl, NULL, "template-add", "--unit", u->unit,
                              "--file", path, NULL),
                     0);
    assert_int_equal(fx_admin(w, u->focus, sizeof u->focus, NULL, "focus-add", "--unit", u->unit,
                              "--question", "How do we ask open questions?", "--from", "2026-01-01",
                              "--to", "2026-12-31", "--template", u->tmpl, "--sign",
                              "Children answer in sentences", "--pillar", "learning", NULL),
                     0);
}

void fx_enrol(fx_world *w, const char *unit_id, fx_device *d)
{
    char code[40];
    assert_int_equal(fx_admin(w, code, sizeof code, NULL, "enrol-code", "--unit", unit_id, NULL),
                     0);
    proto_enrol e = {PROTO_SCHEMA, "", "Test tablet"};
    snprintf(e.code, sizeof e.code, "%.32s", code);
    char *body = proto_enrol_encode(&e);
    thttp_resp r;
    fx_post(w, "/v1/enrol", NULL, body, &r);
    free(body);
    assert_int_equal(r.status, 200);
    proto_enrol_reply rep;
    proto_err pe;
    assert_int_equal(proto_enrol_reply_decode(r.body, r.len, &rep, &pe), 0);
    assert_string_equal(rep.unit_id, unit_id);
    snprintf(d->id, sizeof d->id, "%s", rep.device_id);
    snprintf(d->authz, sizeof d->authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
    thttp_free(&r);
}

void fx_obs(const fx_unit *u, const char *observer, const char *observee, model_record *r)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_OBSERVATION;
    model_observation *o = &r->u.obs;
    assert_int_equal(model_id_new(plat_sys_os(), o->id), 0);
    snprintf(o->unit_id, sizeof o->unit_id, "%s", u->unit);
    snprintf(o->focus_id, sizeof o->focus_id, "%s", u->focus);
    o->focus_version = 1;
    snprintf(o->template_id, sizeof o->template_id, "%s", u->tmpl);
    o->template_version = 1;
    snprintf(o->observer_id, sizeof o->observer_id, "%s", observer);
    snprintf(o->observee_id, sizeof o->observee_id, "%s", observee);
    snprintf(o->room_id, sizeof o->room_id, "%s", u->room);
    snprintf(o->activity, sizeof o->activity, "Circle time");
    snprintf(o->context_json, sizeof o->context_json, "{\"children\":14}");
    o->agreement = 1;
    o->started_at = 1790000000000;
    o->ended_at = 1790000900000;
    o->status = MODEL_OBS_FINISHED;
    o->revision = 1;
    o->updated_at = 1790000900000;
}

void fx_feedback(const char *obs_id, const char *author, const char *works, model_record *r)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_FEEDBACK;
    snprintf(r->u.feedback.observation_id, sizeof(model_id), "%s", obs_id);
    snprintf(r->u.feedback.author_id, sizeof(model_id), "%s", author);
    snprintf(r->u.feedback.works, sizeof r->u.feedback.works, "%s", works);
    snprintf(r->u.feedback.next_step, sizeof r->u.feedback.next_step, "Wait five seconds.");
    r->u.feedback.updated_at = 1790001000000;
}

void fx_reflection(const char *obs_id, const char *author, const char *text, model_record *r)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_REFLECTION;
    snprintf(r->u.reflection.observation_id, sizeof(model_id), "%s", obs_id);
    snprintf(r->u.reflection.author_id, sizeof(model_id), "%s", author);
    snprintf(r->u.reflection.text, sizeof r->u.reflection.text, "%s", text);
    r->u.reflection.updated_at = 1790002000000;
}

void fx_note(const char *obs_id, const char *text, model_record *r)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_NOTE;
    assert_int_equal(model_id_new(plat_sys_os(), r->u.note.id), 0);
    snprintf(r->u.note.observation_id, sizeof(model_id), "%s", obs_id);
    snprintf(r->u.note.text, sizeof r->u.note.text, "%s", text);
    r->u.note.at = 1790000100000;
}

/* The records fx_change copied, freed when the test program exits: a
 * test keeps its changes as long as it likes, often in arrays on its stack
 * that it fills again, and never frees them itself. */
static model_record **kept;
static size_t n_kept, cap_kept;
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER; /* tests call fx_change from threads */

static void kept_free(void)
{
    for (size_t i = 0; i < n_kept; i++)
        free(kept[i]);
    free(kept);
    kept = NULL;
    n_kept = cap_kept = 0;
}

void fx_change(proto_change *c, const char *actor, int base_version, const model_record *r)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(model_id_new(plat_sys_os(), c->change_id), 0);
    snprintf(c->actor_id, sizeof c->actor_id, "%s", actor);
    c->base_version = base_version;
    assert_int_equal(proto_change_set(c, r), 0);
    pthread_mutex_lock(&kept_mu);
    int ok = 1;
    if (n_kept == cap_kept) {
        if (!kept)
            atexit(kept_free);
        size_t cap = cap_kept ? 2 * cap_kept : 256;
        model_record **k = realloc(kept, cap * sizeof *k);
        if (k) {
            kept = k;
            cap_kept = cap;
        } else {
            ok = 0;
        }
    }
    if (ok)
        kept[n_kept++] = c->rec;
    pthread_mutex_unlock(&kept_mu);
    assert_true(ok);
}

char *fx_push_body(const proto_change *c, int n)
{
    proto_push p = {PROTO_SCHEMA, n, (proto_change *)c};
    char *s = proto_push_encode(&p);
    assert_non_null(s);
    return s;
}

void fx_post(fx_world *w, const char *path, const fx_device *d, const char *body, thttp_resp *r)
{
    char url[200];
    snprintf(url, sizeof url, "%s%s", w->srv.url, path);
    int rc = thttp("POST", url, w->srv.ca, d ? d->authz : NULL, body, strlen(body), 0, NULL, r);
    if (rc != 0)
        fprintf(stderr, "fixture: no answer from %s: %s\n", url, r->curl_error);
    assert_int_equal(rc, 0);
}

void fx_push(fx_world *w, const fx_device *d, const proto_change *c, int n, proto_push_reply *out)
{
    char *body = fx_push_body(c, n);
    thttp_resp r;
    fx_post(w, "/v1/push", d, body, &r);
    free(body);
    if (r.status != 200)
        fprintf(stderr, "push: %ld %s\n", r.status, r.body);
    assert_int_equal(r.status, 200);
    proto_err pe;
    int rc = proto_push_reply_decode(r.body, r.len, out, &pe);
    if (rc != 0)
        fprintf(stderr, "push reply: %s\n", pe.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(out->n, n);
    thttp_free(&r);
}

void fx_pull(fx_world *w, const fx_device *d, const char *person, int64_t cursor, int limit,
             proto_pull_reply *out)
{
    proto_pull p = {PROTO_SCHEMA, cursor, limit, ""};
    snprintf(p.person_id, sizeof p.person_id, "%s", person ? person : "");
    char *body = proto_pull_encode(&p);
    thttp_resp r;
    fx_post(w, "/v1/pull", d, body, &r);
    free(body);
    if (r.status != 200)
        fprintf(stderr, "pull: %ld %s\n", r.status, r.body);
    assert_int_equal(r.status, 200);
    proto_err pe;
    int rc = proto_pull_reply_decode(r.body, r.len, out, &pe);
    if (rc != 0)
        fprintf(stderr, "pull reply: %s\n", pe.msg);
    assert_int_equal(rc, 0);
    thttp_free(&r);
}

int fx_has(const proto_pull_reply *r, model_entity e, const char *key)
{
    for (int i = 0; i < r->n; i++) {
        char k[MODEL_RECORD_KEY_MAX];
        model_record_key(r->items[i].rec, k);
        if (r->items[i].rec->entity == e && !strcmp(k, key))
            return 1;
    }
    return 0;
}

long long fx_count(fx_world *w, const char *sql)
{
    PGresult *r = PQexec(w->db, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "fx_count: %s", PQresultErrorMessage(r));
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    long long n = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
}

fx_stored fx_stored_now(fx_world *w)
{
    return (fx_stored){fx_count(w, "SELECT count(*) FROM items"),
                       fx_count(w, "SELECT count(*) FROM changes")};
}

void fx_nothing_stored(fx_world *w, fx_stored s)
{
    assert_int_equal(fx_count(w, "SELECT count(*) FROM items"), s.items);
    assert_int_equal(fx_count(w, "SELECT count(*) FROM changes"), s.changes);
    fx_ping_ok(w);
}

void fx_ping_ok(fx_world *w)
{
    char url[200];
    snprintf(url, sizeof url, "%s/v1/ping?nonce=still-here", w->srv.url);
    thttp_resp r;
    assert_int_equal(thttp("GET", url, w->srv.ca, NULL, NULL, 0, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(proto_ping_reply_check(r.body, r.len, "still-here", NULL), 0);
    thttp_free(&r);
}

void fx_assert_error(const thttp_resp *r, int status, proto_code code)
{
    proto_err e;
    proto_error_decode(r->body, r->len, &e);
    if (r->status != status || e.code != code)
        fprintf(stderr, "expected %d %s, got %ld: %s\n", status, proto_code_name(code), r->status,
                r->body);
    assert_int_equal(r->status, status);
    assert_int_equal(e.code, code);
    assert_true(strlen(e.msg) > 10); /* a sentence, not just a code */
}
