/*
 * The sync protocol end to end against a real server over TLS and a real
 * PostgreSQL: ping, enrolment, push with idempotency and owner checks, the
 * base-version conflict rule, and pull with its cursor and visibility.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "srv_int.h"

static fx_world W;
static fx_unit U;
static fx_device D;

static int up(void **state)
{
    (void)state;
    if (fx_up(&W, "blik_sync", NULL) != 0)
        return -1;
    return 0;
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static void test_setup_world(void **state)
{
    (void)state;
    fx_make_unit(&W, "Solsikken", &U);
    fx_enrol(&W, U.unit, &D);
}

static void test_ping_answers_with_nonce_and_header(void **state)
{
    (void)state;
    char url[200];
    snprintf(url, sizeof url, "%s/v1/ping?nonce=abc-123", W.srv.url);
    thttp_resp r;
    assert_int_equal(thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char schema[12];
    snprintf(schema, sizeof schema, "%d", PROTO_SCHEMA);
    assert_string_equal(r.blik, schema);
    assert_int_equal(proto_ping_reply_check(r.body, r.len, "abc-123", NULL), 0);
    /* Another nonce, or a captive portal's page, is not our server. */
    proto_err e;
    assert_int_equal(proto_ping_reply_check(r.body, r.len, "other", &e), -1);
    const char *portal = "<html><body>Please sign in to the Wi-Fi</body></html>";
    assert_int_equal(proto_ping_reply_check(portal, strlen(portal), "abc-123", &e), -1);
    assert_non_null(strstr(e.msg, "Wi-Fi"));
    thttp_free(&r);
    /* A POST to ping is a typed 405. */
    fx_post(&W, "/v1/ping", NULL, "{}", &r);
    fx_assert_error(&r, 405, PROTO_E_METHOD);
    thttp_free(&r);
}

static void test_enrol_code_is_single_use(void **state)
{
    (void)state;
    char code[40];
    assert_int_equal(fx_admin(&W, code, sizeof code, NULL, "enrol-code", "--unit", U.unit, NULL),
                     0);
    proto_enrol e = {PROTO_SCHEMA, "", "Tablet A"};
    snprintf(e.code, sizeof e.code, "%.32s", code);
    char *body = proto_enrol_encode(&e);
    thttp_resp r;
    fx_post(&W, "/v1/enrol", NULL, body, &r);
    assert_int_equal(r.status, 200);
    proto_enrol_reply rep;
    assert_int_equal(proto_enrol_reply_decode(r.body, r.len, &rep, NULL), 0);
    thttp_free(&r);
    /* The secret is stored only as a hash. */
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM devices WHERE secret_sha256 = '%s'",
             rep.device_secret);
    assert_int_equal(fx_count(&W, sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM devices WHERE id = '%s'", rep.device_id);
    assert_int_equal(fx_count(&W, sql), 1);
    /* Second use. */
    fx_post(&W, "/v1/enrol", NULL, body, &r);
    fx_assert_error(&r, 403, PROTO_E_ENROL_CODE);
    assert_non_null(strstr(r.body, "already been used"));
    thttp_free(&r);
    free(body);
    /* Unknown code. */
    snprintf(e.code, sizeof e.code, "ZZZZZ-ZZZZZ");
    body = proto_enrol_encode(&e);
    fx_post(&W, "/v1/enrol", NULL, body, &r);
    fx_assert_error(&r, 403, PROTO_E_ENROL_CODE);
    assert_non_null(strstr(r.body, "not known"));
    thttp_free(&r);
    free(body);
}

static void test_enrol_code_expires(void **state)
{
    (void)state;
    char code[40];
    assert_int_equal(fx_admin(&W, code, sizeof code, NULL, "enrol-code", "--unit", U.unit, NULL),
                     0);
    PQclear(PQexec(W.db, "UPDATE enrol_codes SET expires_at = now() - interval '1 minute'"
                         " WHERE used_at IS NULL"));
    proto_enrol e = {PROTO_SCHEMA, "", "Tablet late"};
    snprintf(e.code, sizeof e.code, "%.32s", code);
    char *body = proto_enrol_encode(&e);
    thttp_resp r;
    fx_post(&W, "/v1/enrol", NULL, body, &r);
    fx_assert_error(&r, 403, PROTO_E_ENROL_CODE);
    assert_non_null(strstr(r.body, "expired"));
    thttp_free(&r);
    free(body);
}

static void test_push_pull_round_trip_with_visibility(void **state)
{
    (void)state;
    model_record obs, fb, rf, note;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    fx_feedback(obs.u.obs.id, U.peer1, "Many open questions.", &fb);
    fx_note(obs.u.obs.id, "Waited before answering.", &note);
    proto_change ch[3];
    fx_change(&ch[0], U.peer1, 0, &obs);
    fx_change(&ch[1], U.peer1, 0, &note);
    fx_change(&ch[2], U.peer1, 0, &fb);
    proto_push_reply rep;
    fx_push(&W, &D, ch, 3, &rep);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rep.results[i].status, PROTO_ST_STORED);
        assert_int_equal(rep.results[i].version, 1);
        assert_string_equal(rep.results[i].change_id, ch[i].change_id);
    }
    proto_push_reply_clear(&rep);

    /* The observee writes the reflection. */
    fx_reflection(obs.u.obs.id, U.peer2, "I will wait longer.", &rf);
    proto_change rc;
    fx_change(&rc, U.peer2, 0, &rf);
    fx_push(&W, &D, &rc, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);

    proto_pull_reply p;
    /* Observee: sees it all, plus the unit's reference data. */
    fx_pull(&W, &D, U.peer2, 0, 500, &p);
    assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    assert_true(fx_has(&p, MODEL_ENT_FEEDBACK, obs.u.obs.id));
    assert_true(fx_has(&p, MODEL_ENT_REFLECTION, obs.u.obs.id));
    assert_true(fx_has(&p, MODEL_ENT_NOTE, note.u.note.id));
    assert_true(fx_has(&p, MODEL_ENT_UNIT, U.unit));
    assert_true(fx_has(&p, MODEL_ENT_PERSON, U.leader));
    assert_true(fx_has(&p, MODEL_ENT_ROOM, U.room));
    assert_false(p.more);
    for (int i = 0; i < p.n; i++)
        if (p.items[i].rec->entity == MODEL_ENT_FEEDBACK)
            assert_string_equal(p.items[i].rec->u.feedback.works, "Many open questions.");
    proto_pull_reply_clear(&p);
    /* The unit's leader sees it too. */
    fx_pull(&W, &D, U.leader, 0, 500, &p);
    assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    assert_true(fx_has(&p, MODEL_ENT_REFLECTION, obs.u.obs.id));
    proto_pull_reply_clear(&p);
    /* Without a person: reference data only. */
    fx_pull(&W, &D, "", 0, 500, &p);
    assert_false(fx_has(&p, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    char fkey[MODEL_RECORD_KEY_MAX];
    snprintf(fkey, sizeof fkey, "%s/1", U.focus);
    assert_true(fx_has(&p, MODEL_ENT_FOCUS, fkey));
    proto_pull_reply_clear(&p);
}

/* Pushes n changes as device d and answers the status of the i-th, with
 * its version in *version. */
static proto_status push_status(const fx_device *d, const proto_change *c, int n, int i,
                                int *version)
{
    proto_push_reply rep;
    fx_push(&W, d, c, n, &rep);
    proto_status st = rep.results[i].status;
    *version = rep.results[i].version;
    proto_push_reply_clear(&rep);
    return st;
}

static void test_same_push_twice_is_duplicate_not_double(void **state)
{
    (void)state;
    model_record obs;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    proto_change c;
    fx_change(&c, U.peer1, 0, &obs);
    proto_push_reply rep;
    int v;
    assert_int_equal(push_status(&D, &c, 1, 0, &v), PROTO_ST_STORED);
    assert_int_equal(push_status(&D, &c, 1, 0, &v), PROTO_ST_DUPLICATE);
    assert_int_equal(v, 1);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE key = '%s'", obs.u.obs.id);
    assert_int_equal(fx_count(&W, sql), 1);
    /* The same change_id with other content is refused, not applied. */
    snprintf(c.rec->u.obs.activity, sizeof c.rec->u.obs.activity, "Outdoor play");
    fx_push(&W, &D, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_CHANGE_REUSED);
    proto_push_reply_clear(&rep);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM items WHERE key = '%s' AND data LIKE '%%Outdoor%%'",
             obs.u.obs.id);
    assert_int_equal(fx_count(&W, sql), 0);
}

static void test_stale_edit_from_other_tablet_is_kept_as_conflict(void **state)
{
    (void)state;
    fx_device d2;
    fx_enrol(&W, U.unit, &d2);
    model_record obs, fb;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    fx_feedback(obs.u.obs.id, U.peer1, "First words.", &fb);
    proto_change c[2];
    fx_change(&c[0], U.peer1, 0, &obs);
    fx_change(&c[1], U.peer1, 0, &fb);
    proto_push_reply rep;
    fx_push(&W, &D, c, 2, &rep);
    proto_push_reply_clear(&rep);
    /* The same tablet edits again on top of version 1: a new version. */
    snprintf(fb.u.feedback.works, sizeof fb.u.feedback.works, "Second words.");
    fx_change(&c[1], U.peer1, 1, &fb);
    fx_push(&W, &D, &c[1], 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    assert_int_equal(rep.results[0].version, 2);
    proto_push_reply_clear(&rep);
    /* Another tablet, still at version 1: kept as a conflict, not applied. */
    snprintf(fb.u.feedback.works, sizeof fb.u.feedback.works, "Stale words.");
    fx_change(&c[1], U.peer1, 1, &fb);
    fx_push(&W, &d2, &c[1], 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_CONFLICT);
    assert_int_equal(rep.results[0].version, 2);
    proto_push_reply_clear(&rep);
    /* Sent again, its answer lost: a conflict again, not a duplicate the
     * tablet would take as stored, and kept once. */
    fx_push(&W, &d2, &c[1], 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_CONFLICT);
    assert_int_equal(rep.results[0].version, 2);
    proto_push_reply_clear(&rep);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM items WHERE entity = 'feedback' AND key = '%s'"
             " AND data LIKE '%%Second words%%' AND version = 2",
             obs.u.obs.id);
    assert_int_equal(fx_count(&W, sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM conflicts WHERE key = '%s' AND data LIKE '%%Stale words%%'",
             obs.u.obs.id);
    assert_int_equal(fx_count(&W, sql), 1);
    /* An administrator can see both versions side by side. */
    char listing[200];
    assert_int_equal(
        fx_admin(&W, listing, sizeof listing, NULL, "conflict-list", "--unit", U.unit, NULL), 0);
    assert_non_null(strstr(listing, "\tfeedback\t"));
    assert_non_null(strstr(listing, obs.u.obs.id));
    assert_non_null(strstr(listing, "\tbase 1\tserver 2\t"));
    /* That tablet, having seen version 2, may edit on top of it. */
    fx_change(&c[1], U.peer1, 2, &fb);
    fx_push(&W, &d2, &c[1], 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    assert_int_equal(rep.results[0].version, 3);
    proto_push_reply_clear(&rep);
}

static void test_pull_pages_without_skipping(void **state)
{
    (void)state;
    enum { N = 7 };
    proto_change c[N];
    model_record obs[N];
    for (int i = 0; i < N; i++) {
        fx_obs(&U, U.peer1, U.peer2, &obs[i]);
        fx_change(&c[i], U.peer1, 0, &obs[i]);
    }
    proto_push_reply rep;
    fx_push(&W, &D, c, N, &rep);
    proto_push_reply_clear(&rep);
    int seen[N] = {0};
    int64_t cursor = 0, last_seq = 0;
    int pages = 0, more = 1;
    while (more) {
        proto_pull_reply p;
        fx_pull(&W, &D, U.peer2, cursor, 3, &p);
        assert_true(p.n <= 3);
        for (int i = 0; i < p.n; i++) {
            assert_true(p.items[i].seq > last_seq); /* strictly ascending, never repeated */
            last_seq = p.items[i].seq;
            for (int k = 0; k < N; k++)
                if (p.items[i].rec->entity == MODEL_ENT_OBSERVATION &&
                    !strcmp(p.items[i].rec->u.obs.id, obs[k].u.obs.id))
                    seen[k]++;
        }
        assert_true(p.cursor >= cursor);
        cursor = p.cursor;
        more = p.more;
        pages++;
        proto_pull_reply_clear(&p);
        assert_true(pages < 100);
    }
    for (int k = 0; k < N; k++)
        assert_int_equal(seen[k], 1);
    /* Caught up: the next pull is empty and keeps the cursor. */
    proto_pull_reply p;
    fx_pull(&W, &D, U.peer2, cursor, 3, &p);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.cursor, cursor);
    proto_pull_reply_clear(&p);
}

static void test_gzip_both_ways(void **state)
{
    (void)state;
    model_record obs;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    proto_change c;
    fx_change(&c, U.peer1, 0, &obs);
    char *body = fx_push_body(&c, 1);
    char url[200];
    snprintf(url, sizeof url, "%s/v1/push", W.srv.url);
    thttp_resp r;
    assert_int_equal(thttp("POST", url, W.srv.ca, D.authz, body, strlen(body), 1, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    proto_push_reply rep;
    assert_int_equal(proto_push_reply_decode(r.body, r.len, &rep, NULL), 0);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    thttp_free(&r);
    free(body);
    /* A pull answer large enough is compressed. */
    proto_pull pl = {PROTO_SCHEMA, 0, 500, ""};
    snprintf(pl.person_id, sizeof pl.person_id, "%s", U.leader);
    body = proto_pull_encode(&pl);
    snprintf(url, sizeof url, "%s/v1/pull", W.srv.url);
    assert_int_equal(thttp("POST", url, W.srv.ca, D.authz, body, strlen(body), 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.gzipped);
    proto_pull_reply p;
    assert_int_equal(proto_pull_reply_decode(r.body, r.len, &p, NULL), 0);
    assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    proto_pull_reply_clear(&p);
    thttp_free(&r);
    free(body);
}

static void test_unknown_endpoint_and_missing_credentials(void **state)
{
    (void)state;
    thttp_resp r;
    fx_post(&W, "/v1/nothing", &D, "{}", &r);
    fx_assert_error(&r, 404, PROTO_E_NOT_FOUND);
    thttp_free(&r);
    fx_post(&W, "/v1/pull", NULL, "{\"schema\":1,\"cursor\":0,\"limit\":5,\"person_id\":\"\"}", &r);
    fx_assert_error(&r, 401, PROTO_E_UNAUTHORIZED);
    thttp_free(&r);
    fx_device fake = D;
    fake.authz[strlen(fake.authz) - 1] = fake.authz[strlen(fake.authz) - 1] == 'a' ? 'b' : 'a';
    fx_post(&W, "/v1/pull", &fake, "{\"schema\":1,\"cursor\":0,\"limit\":5,\"person_id\":\"\"}",
            &r);
    fx_assert_error(&r, 401, PROTO_E_UNAUTHORIZED);
    thttp_free(&r);
}

/* A note is edited and deleted by its observer: each is a new version of
 * the same note, not a conflict, and a deletion leaves no words. */
static void test_note_edit_and_delete_are_versions(void **state)
{
    (void)state;
    model_record obs, note;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    fx_note(obs.u.obs.id, "The child is called Emil.", &note);
    proto_change ch[2];
    fx_change(&ch[0], U.peer1, 0, &obs);
    fx_change(&ch[1], U.peer1, 0, &note);
    proto_push_reply rep;
    fx_push(&W, &D, ch, 2, &rep);
    assert_int_equal(rep.results[1].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    snprintf(note.u.note.text, sizeof note.u.note.text, "A child.");
    fx_change(&ch[0], U.peer1, 1, &note);
    fx_push(&W, &D, ch, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    assert_int_equal(rep.results[0].version, 2);
    proto_push_reply_clear(&rep);
    note.u.note.text[0] = 0;
    fx_change(&ch[0], U.peer1, 2, &note);
    fx_push(&W, &D, ch, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    assert_int_equal(rep.results[0].version, 3);
    proto_push_reply_clear(&rep);
    char sql[240];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM conflicts WHERE key = '%s'", note.u.note.id);
    assert_int_equal(fx_count(&W, sql), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM items WHERE key = '%s' AND data LIKE '%%Emil%%'",
             note.u.note.id);
    assert_int_equal(fx_count(&W, sql), 0);
    proto_pull_reply p;
    fx_pull(&W, &D, U.peer2, 0, 500, &p);
    int seen = 0;
    for (int i = 0; i < p.n; i++)
        if (p.items[i].rec->entity == MODEL_ENT_NOTE &&
            !strcmp(p.items[i].rec->u.note.id, note.u.note.id)) {
            assert_string_equal(p.items[i].rec->u.note.text, "");
            seen = 1;
        }
    assert_true(seen);
    proto_pull_reply_clear(&p);
}

/* An event made for a numbered observation (counter taps, 20 s apart). */
static void make_event(const char *obs_id, int k, model_record *r)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_EVENT;
    assert_int_equal(model_id_new(plat_sys_os(), r->u.event.id), 0);
    snprintf(r->u.event.observation_id, sizeof r->u.event.observation_id, "%s", obs_id);
    r->u.event.kind = MODEL_EV_COUNT;
    snprintf(r->u.event.key, sizeof r->u.event.key, "open_q");
    r->u.event.at = 1790000000000 + k * 20000;
}

/* An observation of unit U and one event of it, made and stored by D. */
static void stored_obs_with_event(int k, model_record *obs, model_record *ev)
{
    fx_obs(&U, U.peer1, U.peer2, obs);
    make_event(obs->u.obs.id, k, ev);
    proto_change ch[2];
    fx_change(&ch[0], U.peer1, 0, obs);
    fx_change(&ch[1], U.peer1, 0, ev);
    proto_push_reply rep;
    fx_push(&W, &D, ch, 2, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    assert_int_equal(rep.results[1].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
}

/* Pushes n changes as device D of unit U on a connection of its own,
 * traced by libpq, into *rep (the caller clears it). Returns how many
 * statements the push sent to the database (every simple query and every
 * parsed statement); *rollbacks, how many of them were a ROLLBACK (a try
 * of the push given up for another). */
static int traced_push(const proto_change *ch, int n, proto_push_reply *rep, int *rollbacks)
{
    PGconn *pg = PQconnectdb(W.conninfo);
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    char *body = fx_push_body(ch, n);
    srv_device dev;
    snprintf(dev.device_id, sizeof dev.device_id, "%s", D.id);
    snprintf(dev.unit_id, sizeof dev.unit_id, "%s", U.unit);
    char *trace = NULL, *reply = NULL, msg[400];
    size_t tlen = 0;
    FILE *tf = open_memstream(&trace, &tlen);
    assert_non_null(tf);
    PQtrace(pg, tf);
    PQsetTraceFlags(pg, PQTRACE_SUPPRESS_TIMESTAMPS);
    proto_code rc = srv_push(pg, &dev, NULL, body, strlen(body), &reply, NULL, msg, sizeof msg);
    PQuntrace(pg);
    fclose(tf);
    assert_int_equal(rc, PROTO_OK);
    assert_int_equal(proto_push_reply_decode(reply, strlen(reply), rep, NULL), 0);
    assert_int_equal(rep->n, n);
    int count = 0;
    *rollbacks = 0;
    for (char *l = trace; l && (l = strstr(l, "F\t")); l += 2) {
        const char *m = l + 2 + strspn(l + 2, "0123456789");
        if (!strncmp(m, "\tQuery\t", 7) || !strncmp(m, "\tParse\t", 7))
            count++;
        const char *eol = strchr(m, '\n'), *rb = strstr(m, "\"ROLLBACK\"");
        if (!strncmp(m, "\tQuery\t", 7) && rb && (!eol || rb < eol))
            ++*rollbacks;
    }
    free(trace);
    free(reply);
    free(body);
    PQfinish(pg);
    return count;
}

/* traced_push, each change answered with status; clears the answer. */
static int traced_push_all(const proto_change *ch, int n, proto_status status, int *rollbacks)
{
    proto_push_reply rep;
    int count = traced_push(ch, n, &rep, rollbacks);
    for (int i = 0; i < n; i++)
        assert_int_equal(rep.results[i].status, status);
    proto_push_reply_clear(&rep);
    return count;
}

/* How many statements a push of n changes (observations with events) sends
 * to the database (traced_push). */
static int statements_for_push(int n, int events_per_obs)
{
    proto_change *ch = calloc((size_t)n, sizeof *ch);
    assert_non_null(ch);
    model_record obs, ev;
    for (int i = 0; i < n; i++) {
        if (i % (events_per_obs + 1) == 0) {
            fx_obs(&U, U.peer1, U.peer2, &obs);
            fx_change(&ch[i], U.peer1, 0, &obs);
        } else {
            make_event(obs.u.obs.id, i, &ev);
            fx_change(&ch[i], U.peer1, 0, &ev);
        }
    }
    int rollbacks;
    int count = traced_push_all(ch, n, PROTO_ST_STORED, &rollbacks);
    assert_int_equal(rollbacks, 0);
    free(ch);
    return count;
}

/* A push costs the same statements whatever its size: the lookups, writes
 * and the facts' refresh are one statement each for the whole batch. */
static void test_push_statements_do_not_grow_with_its_size(void **state)
{
    (void)state;
    int small = statements_for_push(6, 5);
    int large = statements_for_push(PROTO_PUSH_MAX, 39);
    assert_true(small > 0);
    assert_int_equal(large, small);
    assert_true(large <= 32);
}

/* Changes of one push see the ones before them, as if sent one at a time:
 * an observation and its newer revision are versions 1 and 2, its events
 * find it, an event sent twice with other content is a conflict, and a
 * note before its observation is not taken. */
static void test_changes_in_one_push_see_each_other(void **state)
{
    (void)state;
    model_record obs, obs2, ev, ev2, late, note;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    obs2 = obs;
    obs2.u.obs.revision = 2;
    snprintf(obs2.u.obs.activity, sizeof obs2.u.obs.activity, "Outdoor play");
    make_event(obs.u.obs.id, 1, &ev);
    ev2 = ev;
    ev2.u.event.at += 1000;
    fx_obs(&U, U.peer1, U.peer2, &late);
    fx_note(late.u.obs.id, "Before its observation.", &note);
    proto_change ch[6];
    fx_change(&ch[0], U.peer1, 0, &obs);
    fx_change(&ch[1], U.peer1, 0, &ev);
    fx_change(&ch[2], U.peer1, 0, &obs2);
    fx_change(&ch[3], U.peer1, 0, &ev2);
    fx_change(&ch[4], U.peer1, 0, &note);
    fx_change(&ch[5], U.peer1, 0, &late);
    proto_push_reply rep;
    fx_push(&W, &D, ch, 6, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    assert_int_equal(rep.results[0].version, 1);
    assert_int_equal(rep.results[1].status, PROTO_ST_STORED);
    assert_int_equal(rep.results[2].status, PROTO_ST_STORED);
    assert_int_equal(rep.results[2].version, 2);
    assert_int_equal(rep.results[3].status, PROTO_ST_CONFLICT);
    assert_int_equal(rep.results[3].version, 1);
    assert_int_equal(rep.results[4].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[4].code, PROTO_E_NOT_FOUND);
    assert_int_equal(rep.results[5].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM items WHERE key = '%s' AND version = 2"
             " AND data LIKE '%%Outdoor play%%'",
             obs.u.obs.id);
    assert_int_equal(fx_count(&W, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM conflicts WHERE key = '%s'", ev.u.event.id);
    assert_int_equal(fx_count(&W, sql), 1);
    /* A row in changes for each version of the observation; the event is
     * known by its own id, the key of its one row in items. */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM changes WHERE key IN ('%s', '%s', '%s')",
             obs.u.obs.id, ev.u.event.id, note.u.note.id);
    assert_int_equal(fx_count(&W, sql), 2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE entity = 'event' AND key = '%s'",
             ev.u.event.id);
    assert_int_equal(fx_count(&W, sql), 1);
    /* The office's figures follow the last version. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM fact_obs WHERE observation_id = '%s' AND revision = 2"
             " AND n_events = 1 AND n_conflicts = 1",
             obs.u.obs.id);
    assert_int_equal(fx_count(&W, sql), 1);
    /* The same push again: every change it stored is a duplicate, the one
     * it kept as a conflict is a conflict again, and nothing is doubled;
     * the note refused the first time now finds its observation. */
    fx_push(&W, &D, ch, 6, &rep);
    for (int i = 0; i < 6; i++)
        assert_int_equal(rep.results[i].status, i == 4   ? PROTO_ST_STORED
                                                : i == 3 ? PROTO_ST_CONFLICT
                                                         : PROTO_ST_DUPLICATE);
    assert_int_equal(rep.results[2].version, 2);
    assert_int_equal(rep.results[3].version, 1);
    proto_push_reply_clear(&rep);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM conflicts WHERE key = '%s'", ev.u.event.id);
    assert_int_equal(fx_count(&W, sql), 1);
}

/* An event is known by its own id: brought again under a new change id it
 * is a duplicate too, stored once and with no row in changes, and an
 * observation's event that another tablet of another unit sends is refused,
 * not answered as one it had sent. */
static void test_event_known_by_its_id(void **state)
{
    (void)state;
    model_record obs, ev;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    make_event(obs.u.obs.id, 3, &ev);
    proto_change ch[2], again;
    fx_change(&ch[0], U.peer1, 0, &obs);
    fx_change(&ch[1], U.peer1, 0, &ev);
    fx_change(&again, U.peer1, 0, &ev);
    int v;
    assert_int_equal(push_status(&D, ch, 2, 1, &v), PROTO_ST_STORED);
    assert_int_equal(push_status(&D, &again, 1, 0, &v), PROTO_ST_DUPLICATE);
    assert_int_equal(v, 1);
    fx_unit other;
    fx_device od;
    fx_make_unit(&W, "Other unit", &other);
    fx_enrol(&W, other.unit, &od);
    proto_change stray;
    fx_change(&stray, other.peer1, 0, &ev);
    assert_int_equal(push_status(&od, &stray, 1, 0, &v), PROTO_ST_REJECTED);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE entity = 'event' AND key = '%s'",
             ev.u.event.id);
    assert_int_equal(fx_count(&W, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM changes WHERE key = '%s'", ev.u.event.id);
    assert_int_equal(fx_count(&W, sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM changes WHERE change_id = '%s'",
             ch[0].change_id);
    assert_int_equal(fx_count(&W, sql), 1);
}

/* An event kept as a conflict is a conflict again on a retry, before any
 * other check, as any change kept so is: even once its observer has left
 * the unit. Its change id brought again with other content is refused as
 * reused. */
static void test_event_conflict_answered_again(void **state)
{
    (void)state;
    fx_unit t;
    fx_device td;
    fx_make_unit(&W, "Third unit", &t);
    fx_enrol(&W, t.unit, &td);
    model_record obs, ev, other, third;
    fx_obs(&t, t.peer1, t.peer2, &obs);
    make_event(obs.u.obs.id, 4, &ev);
    other = ev;
    other.u.event.at += 1000;
    third = ev;
    third.u.event.at += 2000;
    proto_change ch[2], conf, reused;
    fx_change(&ch[0], t.peer1, 0, &obs);
    fx_change(&ch[1], t.peer1, 0, &ev);
    fx_change(&conf, t.peer1, 0, &other);
    fx_change(&reused, t.peer1, 0, &third);
    snprintf(reused.change_id, sizeof reused.change_id, "%s", conf.change_id);
    int v;
    assert_int_equal(push_status(&td, ch, 2, 1, &v), PROTO_ST_STORED);
    assert_int_equal(push_status(&td, &conf, 1, 0, &v), PROTO_ST_CONFLICT);
    char out[200];
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "person-deactivate", "--person", t.peer1, NULL), 0);
    assert_int_equal(push_status(&td, &conf, 1, 0, &v), PROTO_ST_CONFLICT);
    assert_int_equal(v, 1);
    proto_push_reply rep;
    fx_push(&W, &td, &reused, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_CHANGE_REUSED);
    proto_push_reply_clear(&rep);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM conflicts WHERE key = '%s'", ev.u.event.id);
    assert_int_equal(fx_count(&W, sql), 1);
}

/* An event of an observation the server does not hold is not looked up,
 * being new but for a tablet that reuses an id; then writing it fails on
 * the key, and the push's next try looks everything up and answers as it
 * would have. An event stored under one observation and brought again
 * under a new one is kept as a conflict and stored once, alone with its
 * observation in a small push (INSERT) and among 250 new events (COPY),
 * and the rest of the push is stored. */
static void test_event_id_reused_under_a_new_observation(void **state)
{
    (void)state;
    model_record obs, ev;
    stored_obs_with_event(5, &obs, &ev);
    enum { MANY = 252 };
    proto_change *ch = calloc(MANY, sizeof *ch);
    assert_non_null(ch);
    for (int round = 0; round < 2; round++) {
        int n = round == 0 ? 2 : MANY;
        model_record o2, e;
        fx_obs(&U, U.peer1, U.peer2, &o2);
        fx_change(&ch[0], U.peer1, 0, &o2);
        for (int i = 1; i < n; i++) {
            make_event(o2.u.obs.id, i, &e);
            if (i == n / 2)
                memcpy(e.u.event.id, ev.u.event.id, sizeof e.u.event.id);
            fx_change(&ch[i], U.peer1, 0, &e);
        }
        proto_push_reply rep;
        int rollbacks;
        traced_push(ch, n, &rep, &rollbacks);
        assert_int_equal(rollbacks, 1); /* the first try, not looked up, failed on the key */
        for (int i = 0; i < n; i++)
            assert_int_equal(rep.results[i].status,
                             i == n / 2 ? PROTO_ST_CONFLICT : PROTO_ST_STORED);
        assert_int_equal(rep.results[n / 2].version, 1);
        proto_push_reply_clear(&rep);
        char sql[300];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM items WHERE entity = 'event' AND observation_id = '%s'",
                 o2.u.obs.id);
        assert_int_equal(fx_count(&W, sql), n - 2);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM conflicts WHERE change_id = '%s'",
                 ch[n / 2].change_id);
        assert_int_equal(fx_count(&W, sql), 1);
    }
    free(ch);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM items WHERE entity = 'event' AND key = '%s'"
             " AND observation_id = '%s'",
             ev.u.event.id, obs.u.obs.id);
    assert_int_equal(fx_count(&W, sql), 1);
}

/* Events of an observation on the server are looked up on the first try:
 * a push of new events to it, and the same push again (every event a
 * duplicate), each take one try, with no ROLLBACK. */
static void test_events_of_a_stored_observation_take_one_try(void **state)
{
    (void)state;
    model_record obs, ev;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    proto_change ch[9];
    fx_change(&ch[0], U.peer1, 0, &obs);
    int rollbacks;
    traced_push_all(ch, 1, PROTO_ST_STORED, &rollbacks);
    assert_int_equal(rollbacks, 0);
    for (int i = 1; i < 9; i++) {
        make_event(obs.u.obs.id, i, &ev);
        fx_change(&ch[i], U.peer1, 0, &ev);
    }
    traced_push_all(ch + 1, 8, PROTO_ST_STORED, &rollbacks);
    assert_int_equal(rollbacks, 0);
    for (int i = 1; i < 9; i++)
        assert_int_equal(model_id_new(plat_sys_os(), ch[i].change_id), 0);
    traced_push_all(ch + 1, 8, PROTO_ST_DUPLICATE, &rollbacks);
    assert_int_equal(rollbacks, 0);
}

/* A push of hundreds of new records sends them to items with COPY: notes
 * whose words hold tabs, new lines, backslashes, quotes and æøå (in the
 * record's text, JSON's backslash escapes) are stored byte for byte as the
 * record's text, as a small push stores them; each change has its row, and
 * the same push sent again is known change by change. */
static void test_large_push_stores_texts_exactly(void **state)
{
    (void)state;
    enum { NOTES = 300 };
    static const char *const words[] = {"Tab\there", "Line\nbreak\n\nand more",
                                        "Back\\slash \\N \\.", "\"Quoted\" æøå ÆØÅ", "plain"};
    model_record obs;
    static model_record note[NOTES];
    static proto_change ch[1 + NOTES];
    fx_obs(&U, U.peer1, U.peer2, &obs);
    fx_change(&ch[0], U.peer1, 0, &obs);
    for (int i = 0; i < NOTES; i++) {
        char text[80];
        snprintf(text, sizeof text, "%d: %s", i, words[i % 5]);
        fx_note(obs.u.obs.id, text, &note[i]);
        fx_change(&ch[1 + i], U.peer1, 0, &note[i]);
    }
    proto_push_reply rep;
    fx_push(&W, &D, ch, 1 + NOTES, &rep);
    for (int i = 0; i < 1 + NOTES; i++)
        assert_int_equal(rep.results[i].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    PGconn *pg = PQconnectdb(W.conninfo);
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    for (int i = 0; i < NOTES; i++) {
        const char *p[] = {note[i].u.note.id};
        PGresult *r = PQexecParams(pg, "SELECT data FROM items WHERE entity = 'note' AND key = $1",
                                   1, NULL, p, NULL, NULL, 0);
        assert_int_equal(PQntuples(r), 1);
        char *want = model_record_text(&note[i], NULL);
        assert_non_null(want);
        assert_string_equal(PQgetvalue(r, 0, 0), want);
        free(want);
        PQclear(r);
    }
    static char ids[(1 + NOTES) * (MODEL_UUID_LEN + 1) + 3];
    size_t k = 0;
    ids[k++] = '{';
    for (int i = 0; i < 1 + NOTES; i++)
        k += (size_t)snprintf(ids + k, sizeof ids - k, "%s%s", i ? "," : "", ch[i].change_id);
    snprintf(ids + k, sizeof ids - k, "}");
    const char *p[] = {D.id, ids};
    PGresult *r = PQexecParams(pg,
                               "SELECT count(*) FROM changes WHERE device_id = $1 AND"
                               " status = 'stored' AND change_id = ANY($2::text[])",
                               2, NULL, p, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(atoi(PQgetvalue(r, 0, 0)), 1 + NOTES);
    PQclear(r);
    PQfinish(pg);
    fx_push(&W, &D, ch, 1 + NOTES, &rep);
    for (int i = 0; i < 1 + NOTES; i++)
        assert_int_equal(rep.results[i].status, PROTO_ST_DUPLICATE);
    proto_push_reply_clear(&rep);
}

/* A part of an observation the server has deleted is refused as such, not
 * "send the observation first", which the server would refuse too. */
static void test_part_of_a_deleted_observation_is_refused_as_deleted(void **state)
{
    (void)state;
    model_record obs, ev;
    stored_obs_with_event(1, &obs, &ev);
    proto_change ch[1];
    proto_push_reply rep;
    char err[300];
    int64_t seq;
    assert_int_equal(srv_exec(W.db, "BEGIN", 0, NULL, err, sizeof err), 0);
    assert_int_equal(srv_feed_lock(W.db, U.unit, &seq, err, sizeof err), 0);
    assert_int_equal(srv_delete_observation(W.db, U.unit, obs.u.obs.id, MODEL_DEL_RETENTION, &seq,
                                            err, sizeof err),
                     0);
    assert_int_equal(srv_feed_release(W.db, U.unit, seq, err, sizeof err), 0);
    assert_int_equal(srv_exec(W.db, "COMMIT", 0, NULL, err, sizeof err), 0);
    /* A tablet that has not pulled the deletion sends another tap. */
    make_event(obs.u.obs.id, 2, &ev);
    fx_change(&ch[0], U.peer1, 0, &ev);
    fx_push(&W, &D, ch, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_FORBIDDEN);
    assert_non_null(strstr(rep.results[0].message, "deleted on the server"));
    assert_null(strstr(rep.results[0].message, "send it first"));
    proto_push_reply_clear(&rep);
    /* And the observation itself cannot be sent again either. */
    fx_change(&ch[0], U.peer1, 1, &obs);
    fx_push(&W, &D, ch, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_FORBIDDEN);
    proto_push_reply_clear(&rep);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE observation_id = '%s'",
             obs.u.obs.id);
    assert_int_equal(fx_count(&W, sql), 0);
}

/* A page of large records ends before PROTO_PULL_BYTES is passed by more
 * than one record, says there is more, and the pages together hold every
 * record once. */
static void test_pull_page_of_large_records_is_bounded(void **state)
{
    (void)state;
    enum { PER_PUSH = 200, PUSHES = 3, N = PER_PUSH * PUSHES };
    model_record obs, note;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    proto_change *ch = calloc(PER_PUSH, sizeof *ch);
    assert_non_null(ch);
    model_id *ids = calloc(N, sizeof *ids);
    assert_non_null(ids);
    proto_push_reply rep;
    fx_change(&ch[0], U.peer1, 0, &obs);
    fx_push(&W, &D, ch, 1, &rep);
    proto_push_reply_clear(&rep);
    char text[MODEL_TEXT_MAX + 1];
    memset(text, 'a', MODEL_TEXT_MAX);
    text[MODEL_TEXT_MAX] = 0;
    for (int k = 0; k < PUSHES; k++) {
        for (int i = 0; i < PER_PUSH; i++) {
            fx_note(obs.u.obs.id, text, &note);
            snprintf(ids[k * PER_PUSH + i], sizeof ids[0], "%s", note.u.note.id);
            fx_change(&ch[i], U.peer1, 0, &note);
        }
        fx_push(&W, &D, ch, PER_PUSH, &rep);
        for (int i = 0; i < PER_PUSH; i++)
            assert_int_equal(rep.results[i].status, PROTO_ST_STORED);
        proto_push_reply_clear(&rep);
    }
    free(ch);
    /* Everything fits the limit, but not the page's bytes. */
    assert_true(PROTO_PULL_MAX > N + 50);
    int64_t cursor = 0;
    int pages = 0, seen = 0;
    char *got = calloc(N, 1);
    assert_non_null(got);
    for (int more = 1; more; pages++) {
        proto_pull_reply p;
        fx_pull(&W, &D, U.leader, cursor, PROTO_PULL_MAX, &p);
        size_t bytes = 0;
        for (int i = 0; i < p.n; i++) {
            if (p.items[i].rec->entity != MODEL_ENT_NOTE)
                continue;
            bytes += strlen(p.items[i].rec->u.note.text);
            for (int k = 0; k < N; k++)
                if (!strcmp(ids[k], p.items[i].rec->u.note.id)) {
                    assert_int_equal(got[k], 0);
                    got[k] = 1;
                    seen++;
                }
        }
        assert_true(bytes <= PROTO_PULL_BYTES + MODEL_TEXT_MAX);
        assert_true(p.cursor >= cursor);
        if (pages == 0)
            assert_true(p.more);
        more = p.more;
        cursor = p.cursor;
        proto_pull_reply_clear(&p);
    }
    assert_int_equal(seen, N);
    assert_true(pages >= 2);
    free(got);
    free(ids);
}

/* A tablet's contact is written at most every half minute, and while the
 * server remembers writing it, a request costs no statement about it at
 * all: counted by a trigger that fires for every UPDATE naming the column,
 * whether it changes a row or not. */
static void test_contact_noted_without_a_statement_per_request(void **state)
{
    (void)state;
    PGresult *r = PQexec(W.db, "CREATE TABLE seen_stmts (n int); INSERT INTO seen_stmts VALUES (0);"
                               "CREATE FUNCTION count_seen() RETURNS trigger LANGUAGE plpgsql AS"
                               " $$BEGIN UPDATE seen_stmts SET n = n + 1; RETURN NULL; END$$;"
                               "CREATE TRIGGER count_seen AFTER UPDATE OF last_seen_at ON devices"
                               " FOR EACH STATEMENT EXECUTE FUNCTION count_seen()");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    fx_device d;
    fx_enrol(&W, U.unit, &d);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM devices WHERE id = '%s' AND last_seen_at IS NOT NULL", d.id);
    proto_pull_reply p;
    fx_pull(&W, &d, U.leader, 0, 10, &p);
    proto_pull_reply_clear(&p);
    assert_int_equal(fx_count(&W, sql), 1);
    assert_int_equal(fx_count(&W, "SELECT n FROM seen_stmts"), 1);
    for (int i = 0; i < 3; i++) {
        fx_pull(&W, &d, U.leader, 0, 10, &p);
        proto_pull_reply_clear(&p);
    }
    assert_int_equal(fx_count(&W, "SELECT n FROM seen_stmts"), 1);
    r = PQexec(W.db, "DROP TRIGGER count_seen ON devices; DROP FUNCTION count_seen();"
                     " DROP TABLE seen_stmts");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_world),
        cmocka_unit_test(test_ping_answers_with_nonce_and_header),
        cmocka_unit_test(test_enrol_code_is_single_use),
        cmocka_unit_test(test_enrol_code_expires),
        cmocka_unit_test(test_push_pull_round_trip_with_visibility),
        cmocka_unit_test(test_same_push_twice_is_duplicate_not_double),
        cmocka_unit_test(test_stale_edit_from_other_tablet_is_kept_as_conflict),
        cmocka_unit_test(test_note_edit_and_delete_are_versions),
        cmocka_unit_test(test_pull_pages_without_skipping),
        cmocka_unit_test(test_gzip_both_ways),
        cmocka_unit_test(test_unknown_endpoint_and_missing_credentials),
        cmocka_unit_test(test_push_statements_do_not_grow_with_its_size),
        cmocka_unit_test(test_changes_in_one_push_see_each_other),
        cmocka_unit_test(test_event_known_by_its_id),
        cmocka_unit_test(test_event_conflict_answered_again),
        cmocka_unit_test(test_event_id_reused_under_a_new_observation),
        cmocka_unit_test(test_events_of_a_stored_observation_take_one_try),
        cmocka_unit_test(test_large_push_stores_texts_exactly),
        cmocka_unit_test(test_part_of_a_deleted_observation_is_refused_as_deleted),
        cmocka_unit_test(test_pull_page_of_large_records_is_bounded),
        cmocka_unit_test(test_contact_noted_without_a_statement_per_request),
    };
    return cmocka_run_group_tests_name("srv_sync", tests, up, down);
}
