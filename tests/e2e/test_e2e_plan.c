/*
 * A planned observation end to end: a real blik-server on a throwaway
 * PostgreSQL over TLS and two tablets, each its own store and sync engine.
 * The office plans (the server's own writer, in one transaction with the
 * unit's feed, as the office does); the plan reaches the observer's and
 * the observee's tablets with its terms; the observee agrees on theirs,
 * which reaches the server and the observer's tablet; the observer starts
 * the observation from the plan and finishes it, and the server marks the
 * plan done, after which no tablet lists it. A plan cancelled in the office
 * disappears from the tablets, and a plan about two others never reaches a
 * peer's tablet. A team's plan is observed as the team: the observation
 * names the team and nobody, comes back as the plan done, and reaches the
 * leader's tablet but not a peer's who did not make it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "db_plan.h"
#include "srv_int.h"
#include "srv_plan.h"
#include "synctest.h"
#include "tsupport.h"
#include "tsupport_obs.h"

static fx_world W;
static fx_unit U;
static tablet A, B; /* A: peer1 observes; B: peer2 is observed */

#define TERMS "Vi kigger efter de åbne spørgsmål, og Per skriver ikke navne ned."

static int up(void **state)
{
    (void)state;
    if (fx_up(&W, "blik_e2e_plan", NULL) != 0)
        return -1;
    fx_make_unit(&W, "Solsikken", &U);
    tab_open(&A, "e2e_plan_a", NULL);
    tab_open(&B, "e2e_plan_b", NULL);
    return 0;
}

static int down(void **state)
{
    (void)state;
    tab_close(&A);
    tab_close(&B);
    fx_down(&W);
    return 0;
}

/* A plan for a week of March 2030, written as the office writes it. */
static void plan(const char *observer, const char *observee, model_id out)
{
    srv_plan p;
    memset(&p, 0, sizeof p);
    snprintf(p.unit_id, sizeof p.unit_id, "%s", U.unit);
    snprintf(p.focus_id, sizeof p.focus_id, "%s", U.focus);
    snprintf(p.observer_id, sizeof p.observer_id, "%s", observer);
    snprintf(p.observee_id, sizeof p.observee_id, "%s", observee);
    if (!observee[0])
        snprintf(p.team, sizeof p.team, "Morgenholdet");
    snprintf(p.room_id, sizeof p.room_id, "%s", U.room);
    snprintf(p.day_from, sizeof p.day_from, "2030-03-04");
    snprintf(p.day_to, sizeof p.day_to, "2030-03-10");
    snprintf(p.terms, sizeof p.terms, "%s", TERMS);
    char err[300];
    int64_t seq;
    if (srv_exec(W.db, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        srv_feed_lock(W.db, U.unit, &seq, err, sizeof err) != 0 ||
        srv_plan_add(W.db, &p, "test", "", &seq, err, sizeof err) != 0 ||
        srv_feed_release(W.db, U.unit, seq, err, sizeof err) != 0 ||
        srv_exec(W.db, "COMMIT", 0, NULL, err, sizeof err) != 0)
        fail_msg("plan: %s", err);
    snprintf(out, sizeof(model_id), "%s", p.id);
}

static void cancel(const char *id)
{
    char err[300];
    int64_t seq;
    if (srv_exec(W.db, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        srv_feed_lock(W.db, U.unit, &seq, err, sizeof err) != 0 ||
        srv_plan_cancel(W.db, id, &seq, err, sizeof err) != 1 ||
        srv_feed_release(W.db, U.unit, seq, err, sizeof err) != 0 ||
        srv_exec(W.db, "COMMIT", 0, NULL, err, sizeof err) != 0)
        fail_msg("cancel: %s", err);
}

/* Whether person's March 2030 on tablet t lists plan id. */
static int listed(tablet *t, const char *person, const char *id)
{
    db_plan_row rows[DB_PLAN_LIST_MAX];
    int n = 0;
    assert_int_equal(
        db_plan_list(t->d, U.unit, person, "2030-03-01", "2030-03-31", DB_PLAN_LIST_MAX, rows, &n),
        DB_OK);
    for (int i = 0; i < n; i++)
        if (!strcmp(rows[i].plan.id, id))
            return 1;
    return 0;
}

static model_id PLAN;

static void test_plan_reaches_both_tablets(void **state)
{
    (void)state;
    tab_enrol(&A, &W, U.unit, NULL);
    tab_enrol(&B, &W, U.unit, NULL);
    assert_int_equal(db_sync_follow(A.d, U.peer1), DB_OK); /* peer1 signed in on A */
    assert_int_equal(db_sync_follow(B.d, U.peer2), DB_OK); /* peer2 signed in on B */
    plan(U.peer1, U.peer2, PLAN);
    tab_sync_ok(&A, NULL);
    tab_sync_ok(&B, NULL);
    assert_true(listed(&A, U.peer1, PLAN));
    assert_true(listed(&B, U.peer2, PLAN));
    db_plan_row r;
    assert_int_equal(db_plan_get(B.d, PLAN, &r), DB_OK);
    assert_string_equal(r.plan.terms, TERMS);
    assert_string_equal(r.plan.observer_id, U.peer1);
    assert_false(db_plan_agreed(&r));
}

static void test_observee_agrees_on_the_tablet(void **state)
{
    (void)state;
    /* Only the observee may agree. */
    assert_int_equal(db_plan_agree(A.d, PLAN, U.peer1), DB_DENIED);
    assert_int_equal(db_plan_agree(B.d, PLAN, U.peer2), DB_OK);
    sync_report rep;
    tab_sync_ok(&B, &rep);
    assert_int_equal(rep.rejected + rep.conflicts, 0);
    srv_plan p;
    char err[300];
    assert_int_equal(srv_plan_get(W.db, PLAN, &p, err, sizeof err), 1);
    assert_true(p.agreed_at > 0);
    /* The observer's tablet learns it with the plan's next version. */
    tab_sync_ok(&A, NULL);
    db_plan_row r;
    assert_int_equal(db_plan_get(A.d, PLAN, &r), DB_OK);
    assert_true(r.plan.agreed_at > 0);
    assert_true(db_plan_agreed(&r));
}

static void test_observation_from_the_plan_makes_it_done(void **state)
{
    (void)state;
    tsupport_obs o = {
        .start = {U.unit, U.focus, U.peer1, U.peer2, U.room, 0, "Samling", "{}", 1, NULL, PLAN},
        .keys = {"open_q"},
        .taps = {4},
        .notes = 1};
    model_id obs;
    TSUPPORT_RC(tsupport_observe(A.d, &o, obs), DB_OK, db_errmsg(A.d));
    /* Started from it, the plan is no longer the observer's to do. */
    assert_false(listed(&A, U.peer1, PLAN));
    tab_sync_ok(&A, NULL);
    srv_plan p;
    char err[300];
    assert_int_equal(srv_plan_get(W.db, PLAN, &p, err, sizeof err), 1);
    assert_int_equal(p.status, SRV_PLAN_DONE);
    assert_string_equal(p.observation_id, obs);
    /* The observee's tablet gets the done version and lists it no more. */
    assert_true(listed(&B, U.peer2, PLAN));
    tab_sync_ok(&B, NULL);
    assert_false(listed(&B, U.peer2, PLAN));
    db_plan_row r;
    assert_int_equal(db_plan_get(B.d, PLAN, &r), DB_OK);
    assert_int_equal(r.plan.status, MODEL_PLAN_DONE);
}

static void test_cancelled_plan_disappears(void **state)
{
    (void)state;
    model_id id;
    plan(U.peer2, U.peer1, id);
    tab_sync_ok(&A, NULL);
    tab_sync_ok(&B, NULL);
    assert_true(listed(&A, U.peer1, id));
    assert_true(listed(&B, U.peer2, id));
    cancel(id);
    tab_sync_ok(&A, NULL);
    tab_sync_ok(&B, NULL);
    assert_false(listed(&A, U.peer1, id));
    assert_false(listed(&B, U.peer2, id));
    /* Nor can it be agreed to any more. */
    assert_int_equal(db_plan_agree(A.d, id, U.peer1), DB_DENIED);
}

static void test_peer_never_gets_others_plan(void **state)
{
    (void)state;
    /* The leader observes peer1: peer2's tablet, pulling for peer2, never
     * holds it; peer1's does. */
    model_id id;
    plan(U.leader, U.peer1, id);
    tab_sync_ok(&A, NULL);
    tab_sync_ok(&B, NULL);
    db_plan_row r;
    assert_int_equal(db_plan_get(A.d, id, &r), DB_OK);
    assert_int_equal(db_plan_get(B.d, id, &r), DB_NOTFOUND);
}

static void test_team_plan_done(void **state)
{
    (void)state;
    model_id id;
    plan(U.peer1, "", id);
    tab_sync_ok(&A, NULL);
    tab_sync_ok(&B, NULL);
    assert_true(listed(&A, U.peer1, id));
    db_plan_row r;
    assert_int_equal(db_plan_get(B.d, id, &r), DB_NOTFOUND);
    tsupport_obs o = {.start = {.unit_id = U.unit,
                                .focus_id = U.focus,
                                .observer_id = U.peer1,
                                .room_id = U.room,
                                .activity = "Samling",
                                .context_json = "{}",
                                .agreement = 1,
                                .plan_id = id,
                                .team = "Morgenholdet"},
                      .keys = {"open_q"},
                      .taps = {3},
                      .notes = 1};
    model_id obs;
    TSUPPORT_RC(tsupport_observe(A.d, &o, obs), DB_OK, db_errmsg(A.d));
    assert_false(listed(&A, U.peer1, id));
    tab_sync_ok(&A, NULL);
    srv_plan p;
    char err[300];
    assert_int_equal(srv_plan_get(W.db, id, &p, err, sizeof err), 1);
    assert_int_equal(p.status, SRV_PLAN_DONE);
    assert_string_equal(p.observation_id, obs);
    char q[300];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM items WHERE entity = 'observation' AND key = '%s'"
             " AND data::jsonb->>'team' = 'Morgenholdet' AND data::jsonb->>'observee_id' = ''",
             obs);
    assert_int_equal(fx_count(&W, q), 1);
    /* A peer who did not make it never holds it; a leader's tablet does,
     * with its team. */
    tab_sync_ok(&B, NULL);
    model_observation got;
    assert_int_equal(db_obs_get(B.d, obs, &got), DB_NOTFOUND);
    assert_int_equal(db_sync_follow(B.d, U.leader), DB_OK);
    tab_sync_ok(&B, NULL);
    assert_int_equal(db_obs_get(B.d, obs, &got), DB_OK);
    assert_string_equal(got.team, "Morgenholdet");
    assert_string_equal(got.observee_id, "");
    assert_int_equal(db_plan_get(B.d, id, &r), DB_OK);
    assert_int_equal(r.plan.status, MODEL_PLAN_DONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_reaches_both_tablets),
        cmocka_unit_test(test_observee_agrees_on_the_tablet),
        cmocka_unit_test(test_observation_from_the_plan_makes_it_done),
        cmocka_unit_test(test_cancelled_plan_disappears),
        cmocka_unit_test(test_peer_never_gets_others_plan),
        cmocka_unit_test(test_team_plan_done),
    };
    return cmocka_run_group_tests(tests, up, down);
}
