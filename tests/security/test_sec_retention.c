/*
 * Retention: observations older than their unit's retention period are
 * deleted with all their parts and kept conflicts, and tablets are told at
 * their next pull. Age runs from the observation's own time, but a tablet
 * clock running ahead cannot keep data longer than from its arrival, and a
 * clock set back cannot get data deleted early.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "srv.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U, V; /* U keeps 60 days, V the default 365 */
static fx_device DU, DU2, DV;
static model_record old_obs, recent, clock_back, clock_ahead, other_unit;
static int64_t cursor_before;

#define DAY_MS INT64_C(86400000)

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_retention", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void obs_at(const fx_unit *u, int64_t at, model_record *r)
{
    fx_obs(u, u->peer1, u->peer2, r);
    r->u.obs.started_at = at;
    r->u.obs.ended_at = at + 900000;
    r->u.obs.updated_at = at + 900000;
}

/* Pushes an observation with a note, feedback and reflection. */
static void push_full(const fx_unit *u, const fx_device *d, const model_record *o)
{
    model_record note, fb, rf;
    fx_note(o->u.obs.id, "Waited before answering.", &note);
    fx_feedback(o->u.obs.id, u->peer1, "Open questions.", &fb);
    fx_reflection(o->u.obs.id, u->peer2, "I will wait longer.", &rf);
    proto_change c[4];
    fx_change(&c[0], u->peer1, 0, o);
    fx_change(&c[1], u->peer1, 0, &note);
    fx_change(&c[2], u->peer1, 0, &fb);
    fx_change(&c[3], u->peer2, 0, &rf);
    proto_push_reply rep;
    fx_push(&W, d, c, 4, &rep);
    for (int i = 0; i < 4; i++)
        assert_int_equal(rep.results[i].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
}

static void received_days_ago(const char *obs_id, int days)
{
    char q[300];
    snprintf(q, sizeof q,
             "UPDATE observations SET received_at = now() - make_interval(days => %d)"
             " WHERE id = '%s'",
             days, obs_id);
    PGresult *r = PQexec(W.db, q);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    assert_string_equal(PQcmdTuples(r), "1");
    PQclear(r);
}

static long long items_of(const char *obs_id)
{
    char q[300];
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE observation_id = '%s'", obs_id);
    return fx_count(&W, q);
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Short memory", &U);
    fx_make_unit(&W, "Long memory", &V);
    char out[100];
    /* U keeps observations for 60 days. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-retention", "--unit", U.unit,
                              "--retention-days", "60", NULL),
                     0);
    fx_enrol(&W, U.unit, &DU);
    fx_enrol(&W, U.unit, &DU2);
    fx_enrol(&W, V.unit, &DV);
    int64_t now = now_ms();
    obs_at(&U, now - 90 * DAY_MS, &old_obs);
    obs_at(&U, now - 1 * DAY_MS, &recent);
    obs_at(&U, now - 5 * 365 * DAY_MS, &clock_back);
    obs_at(&U, now + 5 * 365 * DAY_MS, &clock_ahead);
    obs_at(&V, now - 90 * DAY_MS, &other_unit);
    push_full(&U, &DU, &old_obs);
    push_full(&U, &DU, &recent);
    push_full(&U, &DU, &clock_back);
    push_full(&U, &DU, &clock_ahead);
    push_full(&V, &DV, &other_unit);
    received_days_ago(old_obs.u.obs.id, 89);
    received_days_ago(clock_ahead.u.obs.id, 90);
    received_days_ago(other_unit.u.obs.id, 89);
    /* A kept conflict about the old observation: a stale edit of its note
     * from another tablet of the unit. */
    model_record note;
    fx_note(old_obs.u.obs.id, "Another text under the same id.", &note);
    char q[300];
    snprintf(q, sizeof q, "SELECT key FROM items WHERE entity = 'note' AND observation_id = '%s'",
             old_obs.u.obs.id);
    PGresult *r = PQexec(W.db, q);
    assert_int_equal(PQntuples(r), 1);
    snprintf(note.u.note.id, sizeof note.u.note.id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    proto_change c;
    fx_change(&c, U.peer1, 0, &note);
    proto_push_reply rep;
    fx_push(&W, &DU2, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_CONFLICT);
    proto_push_reply_clear(&rep);
    proto_pull_reply p;
    fx_pull(&W, &DU, U.leader, 0, 500, &p);
    cursor_before = p.cursor;
    proto_pull_reply_clear(&p);
}

static void test_retention_run_deletes_what_is_past(void **state)
{
    (void)state;
    char out[200];
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "retention-run", NULL), 0);
    assert_string_equal(out, "deleted 2 observation(s) past their unit's retention period");
    /* Gone with every part and the kept conflict. */
    assert_int_equal(items_of(old_obs.u.obs.id), 0);
    assert_int_equal(items_of(clock_ahead.u.obs.id), 0);
    char q[400];
    snprintf(q, sizeof q, "SELECT count(*) FROM observations WHERE id IN ('%s','%s')",
             old_obs.u.obs.id, clock_ahead.u.obs.id);
    assert_int_equal(fx_count(&W, q), 0);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM conflicts"), 0);
    /* Kept: the recent one, the one whose tablet clock was set back, and
     * another unit's of the same age (it keeps a year). */
    assert_int_equal(items_of(recent.u.obs.id), 4);
    assert_int_equal(items_of(clock_back.u.obs.id), 4);
    assert_int_equal(items_of(other_unit.u.obs.id), 4);
    /* Logged. */
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit_log WHERE action = 'retention-run' AND unit_id = '%s'"
             " AND detail = 'deleted=2'",
             U.unit);
    assert_int_equal(fx_count(&W, q), 1);
    /* A second run finds nothing. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "retention-run", "--unit", U.unit, NULL),
                     0);
    assert_string_equal(out, "deleted 0 observation(s) past their unit's retention period");
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "retention-run", "--unit",
                              "00000000-0000-4000-8000-000000000000", NULL),
                     1);
}

static void test_tablets_learn_the_deletions(void **state)
{
    (void)state;
    /* Every cursor of the unit sees the deletions: the leader's, a peer's
     * who was neither observer nor observee, and reference data's. */
    const char *who[] = {U.leader, "", U.peer2};
    for (int w = 0; w < 3; w++) {
        proto_pull_reply p;
        fx_pull(&W, &DU, who[w], w == 0 ? cursor_before : 0, 500, &p);
        char k1[MODEL_RECORD_KEY_MAX], k2[MODEL_RECORD_KEY_MAX];
        snprintf(k1, sizeof k1, "observation/%s", old_obs.u.obs.id);
        snprintf(k2, sizeof k2, "observation/%s", clock_ahead.u.obs.id);
        assert_true(fx_has(&p, MODEL_ENT_DELETED, k1));
        assert_true(fx_has(&p, MODEL_ENT_DELETED, k2));
        for (int i = 0; i < p.n; i++) {
            if (p.items[i].rec->entity != MODEL_ENT_DELETED)
                continue;
            const model_deletion *d = &p.items[i].rec->u.deleted;
            assert_int_equal(d->entity, MODEL_ENT_OBSERVATION);
            assert_int_equal(d->reason, MODEL_DEL_RETENTION);
            assert_string_equal(d->unit_id, U.unit);
            assert_true(d->deleted_at > 0);
        }
        assert_false(fx_has(&p, MODEL_ENT_OBSERVATION, old_obs.u.obs.id));
        proto_pull_reply_clear(&p);
    }
    /* The other unit's tablet hears nothing of it. */
    proto_pull_reply p;
    fx_pull(&W, &DV, V.leader, 0, 500, &p);
    for (int i = 0; i < p.n; i++)
        assert_int_not_equal(p.items[i].rec->entity, MODEL_ENT_DELETED);
    proto_pull_reply_clear(&p);
}

static void test_deleted_observation_cannot_come_back(void **state)
{
    (void)state;
    model_record again = old_obs;
    again.u.obs.revision = 2;
    proto_change c;
    fx_change(&c, U.peer1, 1, &again);
    proto_push_reply rep;
    fx_push(&W, &DU, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_FORBIDDEN);
    TSUPPORT_HAS(rep.results[0].message, "deleted");
    proto_push_reply_clear(&rep);
    assert_int_equal(items_of(old_obs.u.obs.id), 0);
}

static void test_serving_server_runs_the_same_job(void **state)
{
    (void)state;
    /* The periodic job of a serving server calls srv_retention_now; run it
     * on a server opened in this process. */
    received_days_ago(recent.u.obs.id, 200);
    char q[300];
    snprintf(q, sizeof q,
             "UPDATE items SET data = jsonb_set(data::jsonb, '{started_at}',"
             " to_jsonb(0))::text WHERE entity = 'observation' AND key = '%s'",
             recent.u.obs.id);
    PGresult *r = PQexec(W.db, q);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    snprintf(q, sizeof q,
             "UPDATE items SET data = jsonb_set(data::jsonb, '{ended_at}',"
             " to_jsonb(0))::text WHERE entity = 'observation' AND key = '%s'",
             recent.u.obs.id);
    r = PQexec(W.db, q);
    PQclear(r);
    srv_config c;
    srv_config_defaults(&c);
    snprintf(c.db, sizeof c.db, "%s", W.conninfo);
    c.pool = 1;
    srv *s;
    assert_int_equal(srv_open(&c, &s), 0);
    assert_int_equal(srv_retention_now(s), 1);
    assert_int_equal(srv_retention_now(s), 0);
    srv_free(s);
    assert_int_equal(items_of(recent.u.obs.id), 0);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM audit_log WHERE actor = 'server'"
                                  " AND action = 'retention-run'"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_retention_run_deletes_what_is_past),
        cmocka_unit_test(test_tablets_learn_the_deletions),
        cmocka_unit_test(test_deleted_observation_cannot_come_back),
        cmocka_unit_test(test_serving_server_runs_the_same_job),
    };
    return cmocka_run_group_tests_name("sec_retention", tests, up, down);
}
