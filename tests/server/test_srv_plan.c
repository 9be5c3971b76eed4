/*
 * Plans through the real server, as tablets meet them: who receives a
 * plan in a pull (its observer, its observee, the unit's leaders; never a
 * peer a plan about others, never a pull without a person, never another
 * unit); a pushed agreement from the colleague observed (the earliest
 * wins, twice is harmless, a retry is a duplicate) and every agreement
 * refused (another person, someone agreeing for another, a team plan, a
 * cancelled plan, another unit's or an unknown plan), each storing
 * nothing; an observation that names its plan makes it done once
 * finished (a draft leaves it planned, a plan of another observer or
 * unit or an unknown one is kept on the observation and changes no plan);
 * a cancelled plan comes down as its new version; and a person's erasure
 * cancels their plans and empties their terms.
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
#include "srv_int.h"
#include "srv_plan.h"

static fx_world W;
static fx_unit A, B;
static fx_device DA, DB;
static model_id P_PEER1; /* A.leader observes A.peer1 */
static model_id P_TEAM;  /* A.peer2 observes a team */
static model_id P_B;     /* unit B's: B.leader observes B.peer1 */

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_plans", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static long long count(const char *fmt, const char *id)
{
    char q[600];
    snprintf(q, sizeof q, fmt, id);
    return fx_count(&W, q);
}

/* A plan made as the office makes it: in one transaction with the feed. */
static void plan(const fx_unit *u, const char *observer, const char *observee, const char *team,
                 model_id out)
{
    srv_plan p;
    memset(&p, 0, sizeof p);
    snprintf(p.unit_id, sizeof p.unit_id, "%s", u->unit);
    snprintf(p.focus_id, sizeof p.focus_id, "%s", u->focus);
    snprintf(p.observer_id, sizeof p.observer_id, "%s", observer);
    snprintf(p.observee_id, sizeof p.observee_id, "%s", observee);
    snprintf(p.team, sizeof p.team, "%s", team);
    snprintf(p.room_id, sizeof p.room_id, "%s", u->room);
    snprintf(p.day_from, sizeof p.day_from, "2030-03-04");
    snprintf(p.day_to, sizeof p.day_to, "2030-03-10");
    snprintf(p.terms, sizeof p.terms, "Vi kigger efter de åbne spørgsmål.");
    char err[300];
    int64_t seq;
    if (srv_exec(W.db, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        srv_feed_lock(W.db, u->unit, &seq, err, sizeof err) != 0 ||
        srv_plan_add(W.db, &p, "test", "", &seq, err, sizeof err) != 0 ||
        srv_feed_release(W.db, u->unit, seq, err, sizeof err) != 0 ||
        srv_exec(W.db, "COMMIT", 0, NULL, err, sizeof err) != 0)
        fail_msg("plan: %s", err);
    snprintf(out, sizeof(model_id), "%s", p.id);
}

/* The plan record of key id in a pull, or NULL. */
static const model_plan *plan_in(const proto_pull_reply *r, const char *id)
{
    for (int i = 0; i < r->n; i++)
        if (r->items[i].rec.entity == MODEL_ENT_PLAN && !strcmp(r->items[i].rec.u.plan.id, id))
            return &r->items[i].rec.u.plan;
    return NULL;
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Unit A", &A);
    fx_make_unit(&W, "Unit B", &B);
    fx_enrol(&W, A.unit, &DA);
    fx_enrol(&W, B.unit, &DB);
    plan(&A, A.leader, A.peer1, "", P_PEER1);
    plan(&A, A.peer2, "", "Morgenholdet", P_TEAM);
    plan(&B, B.leader, B.peer1, "", P_B);
}

static void test_who_receives_a_plan(void **state)
{
    (void)state;
    proto_pull_reply r;
    /* The observee: their plan, with its terms; not the team plan. */
    fx_pull(&W, &DA, A.peer1, 0, 500, &r);
    const model_plan *p = plan_in(&r, P_PEER1);
    assert_non_null(p);
    assert_string_equal(p->observer_id, A.leader);
    assert_string_equal(p->terms, "Vi kigger efter de åbne spørgsmål.");
    assert_string_equal(p->day_from, "2030-03-04");
    assert_int_equal(p->agreed_at, 0);
    assert_null(plan_in(&r, P_TEAM));
    proto_pull_reply_clear(&r);
    /* The observer of the team plan: theirs only. */
    fx_pull(&W, &DA, A.peer2, 0, 500, &r);
    assert_non_null(plan_in(&r, P_TEAM));
    assert_string_equal(plan_in(&r, P_TEAM)->team, "Morgenholdet");
    assert_string_equal(plan_in(&r, P_TEAM)->observee_id, "");
    assert_null(plan_in(&r, P_PEER1));
    proto_pull_reply_clear(&r);
    /* A leader: every plan of the unit, none of another unit. */
    fx_pull(&W, &DA, A.leader, 0, 500, &r);
    assert_non_null(plan_in(&r, P_PEER1));
    assert_non_null(plan_in(&r, P_TEAM));
    assert_null(plan_in(&r, P_B));
    proto_pull_reply_clear(&r);
    /* Reference data only: no plan at all. */
    fx_pull(&W, &DA, "", 0, 500, &r);
    assert_null(plan_in(&r, P_PEER1));
    assert_null(plan_in(&r, P_TEAM));
    proto_pull_reply_clear(&r);
    fx_pull(&W, &DB, B.leader, 0, 500, &r);
    assert_non_null(plan_in(&r, P_B));
    assert_null(plan_in(&r, P_PEER1));
    proto_pull_reply_clear(&r);
}

static void agreement(const char *plan_id, const char *person, int64_t at, model_record *r)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_PLAN_AGREEMENT;
    snprintf(r->u.agreement.plan_id, sizeof r->u.agreement.plan_id, "%s", plan_id);
    snprintf(r->u.agreement.person_id, sizeof r->u.agreement.person_id, "%s", person);
    r->u.agreement.agreed_at = at;
}

/* Pushes one change and returns its result's status (code into *code). */
static proto_status push_one(const fx_device *d, const proto_change *c, proto_code *code)
{
    proto_push_reply rep;
    fx_push(&W, d, c, 1, &rep);
    assert_int_equal(rep.n, 1);
    proto_status st = rep.results[0].status;
    if (code)
        *code = rep.results[0].code;
    proto_push_reply_clear(&rep);
    return st;
}

static void test_agreement_pushed(void **state)
{
    (void)state;
    model_record rec;
    proto_change c;
    agreement(P_PEER1, A.peer1, 1900000000000, &rec);
    fx_change(&c, A.peer1, 0, &rec);
    assert_int_equal(push_one(&DA, &c, NULL), PROTO_ST_STORED);
    assert_int_equal(count("SELECT agreed_at FROM plans WHERE id = '%s'", P_PEER1), 1900000000000);
    /* A retry of the same change is a duplicate. */
    assert_int_equal(push_one(&DA, &c, NULL), PROTO_ST_DUPLICATE);
    /* Agreeing again later changes nothing; the earliest wins. */
    agreement(P_PEER1, A.peer1, 1900000500000, &rec);
    fx_change(&c, A.peer1, 0, &rec);
    assert_int_equal(push_one(&DA, &c, NULL), PROTO_ST_STORED);
    assert_int_equal(count("SELECT agreed_at FROM plans WHERE id = '%s'", P_PEER1), 1900000000000);
    assert_int_equal(
        count("SELECT version FROM items WHERE entity = 'plan' AND key = '%s'", P_PEER1), 2);
    agreement(P_PEER1, A.peer1, 1899999000000, &rec);
    fx_change(&c, A.peer1, 0, &rec);
    assert_int_equal(push_one(&DA, &c, NULL), PROTO_ST_STORED);
    assert_int_equal(count("SELECT agreed_at FROM plans WHERE id = '%s'", P_PEER1), 1899999000000);
    /* Both sides of the plan see it agreed. */
    proto_pull_reply r;
    fx_pull(&W, &DA, A.leader, 0, 500, &r);
    assert_int_equal(plan_in(&r, P_PEER1)->agreed_at, 1899999000000);
    proto_pull_reply_clear(&r);
}

static void test_agreement_refused(void **state)
{
    (void)state;
    long long before = count("SELECT count(*) FROM items WHERE entity = 'plan' AND key = '%s'"
                             " AND version > 0",
                             P_PEER1);
    long long version = count("SELECT version FROM items WHERE key = '%s'", P_PEER1);
    long long changes = fx_count(&W, "SELECT count(*) FROM changes");
    struct {
        const fx_device *d;
        const char *plan, *person, *actor;
        proto_code code;
        const char *why;
    } bad[] = {
        {&DA, P_PEER1, A.peer2, A.peer2, PROTO_E_FORBIDDEN, "a peer who is not the observee"},
        {&DA, P_PEER1, A.peer1, A.leader, PROTO_E_FORBIDDEN, "the leader agreeing for them"},
        {&DA, P_PEER1, A.leader, A.leader, PROTO_E_FORBIDDEN, "the observer"},
        {&DA, P_TEAM, A.peer2, A.peer2, PROTO_E_FORBIDDEN, "a team plan"},
        {&DA, P_B, B.peer1, A.peer1, PROTO_E_FORBIDDEN, "another unit's person"},
        {&DB, P_PEER1, A.peer1, A.peer1, PROTO_E_FORBIDDEN, "another unit's tablet"},
        {&DA, P_B, A.peer1, A.peer1, PROTO_E_NOT_FOUND, "another unit's plan"},
        {&DA, "00000000-0000-4000-8000-00000000abcd", A.peer1, A.peer1, PROTO_E_NOT_FOUND,
         "an unknown plan"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        model_record rec;
        proto_change c;
        agreement(bad[i].plan, bad[i].person, 1900001000000, &rec);
        fx_change(&c, bad[i].actor, 0, &rec);
        proto_code code;
        proto_status st = push_one(bad[i].d, &c, &code);
        if (st != PROTO_ST_REJECTED || code != bad[i].code)
            fail_msg("%s: status %d code %d", bad[i].why, st, code);
    }
    assert_int_equal(count("SELECT count(*) FROM items WHERE entity = 'plan' AND key = '%s'"
                           " AND version > 0",
                           P_PEER1),
                     before);
    assert_int_equal(count("SELECT version FROM items WHERE key = '%s'", P_PEER1), version);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM changes"), changes);
    assert_int_equal(count("SELECT agreed_at FROM plans WHERE id = '%s'", P_TEAM), 0);
    assert_int_equal(count("SELECT agreed_at FROM plans WHERE id = '%s'", P_B), 0);
}

/* An observation by observer of observee naming plan_id, pushed from d. */
static proto_status push_obs(const fx_device *d, const fx_unit *u, const char *observer,
                             const char *observee, const char *plan_id, int finished,
                             model_record *rec)
{
    fx_obs(u, observer, observee, rec);
    snprintf(rec->u.obs.plan_id, sizeof rec->u.obs.plan_id, "%s", plan_id);
    rec->u.obs.status = finished ? MODEL_OBS_FINISHED : MODEL_OBS_DRAFT;
    rec->u.obs.ended_at = finished ? rec->u.obs.started_at + 15 * 60000 : 0;
    proto_change c;
    fx_change(&c, observer, 0, rec);
    return push_one(d, &c, NULL);
}

static void test_observation_marks_done(void **state)
{
    (void)state;
    model_record rec;
    /* Another observer naming the plan, another unit's plan, an unknown
     * one: each observation is stored, no plan changes. */
    assert_int_equal(push_obs(&DA, &A, A.peer2, A.peer1, P_PEER1, 1, &rec), PROTO_ST_STORED);
    assert_int_equal(count("SELECT count(*) FROM items WHERE entity = 'observation' AND key = '%s'"
                           " AND data::jsonb->>'plan_id' <> ''",
                           rec.u.obs.id),
                     1);
    assert_int_equal(push_obs(&DA, &A, A.leader, A.peer1, P_B, 1, &rec), PROTO_ST_STORED);
    assert_int_equal(
        push_obs(&DA, &A, A.leader, A.peer1, "00000000-0000-4000-8000-00000000abcd", 1, &rec),
        PROTO_ST_STORED);
    assert_int_equal(
        count("SELECT count(*) FROM plans WHERE status = 'planned' AND id = '%s'", P_PEER1), 1);
    assert_int_equal(
        count("SELECT count(*) FROM plans WHERE status = 'planned' AND id = '%s'", P_B), 1);
    /* The plan's observer starts it: a draft leaves it planned. */
    assert_int_equal(push_obs(&DA, &A, A.leader, A.peer1, P_PEER1, 0, &rec), PROTO_ST_STORED);
    assert_int_equal(
        count("SELECT count(*) FROM plans WHERE status = 'planned' AND id = '%s'", P_PEER1), 1);
    /* Finished: done, with its observation, published for both. */
    rec.u.obs.status = MODEL_OBS_FINISHED;
    rec.u.obs.ended_at = rec.u.obs.started_at + 15 * 60000;
    rec.u.obs.updated_at += 1;
    proto_change c;
    fx_change(&c, A.leader, 1, &rec);
    assert_int_equal(push_one(&DA, &c, NULL), PROTO_ST_STORED);
    char q[300];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM plans WHERE id = '%s' AND status = 'done'"
             " AND observation_id = '%s'",
             P_PEER1, rec.u.obs.id);
    assert_int_equal(fx_count(&W, q), 1);
    proto_pull_reply r;
    fx_pull(&W, &DA, A.peer1, 0, 500, &r);
    const model_plan *p = plan_in(&r, P_PEER1);
    assert_non_null(p);
    assert_int_equal(p->status, MODEL_PLAN_DONE);
    assert_string_equal(p->observation_id, rec.u.obs.id);
    proto_pull_reply_clear(&r);
    /* A done plan is not agreed to again, nor cancelled. */
    char err[300];
    int64_t seq;
    assert_int_equal(srv_exec(W.db, "BEGIN", 0, NULL, err, sizeof err), 0);
    assert_int_equal(srv_feed_lock(W.db, A.unit, &seq, err, sizeof err), 0);
    assert_int_equal(srv_plan_cancel(W.db, P_PEER1, &seq, err, sizeof err), 0);
    assert_int_equal(srv_exec(W.db, "ROLLBACK", 0, NULL, err, sizeof err), 0);
}

static void test_cancelled_comes_down(void **state)
{
    (void)state;
    proto_pull_reply r;
    fx_pull(&W, &DB, B.peer1, 0, 500, &r);
    int64_t cursor = r.cursor;
    assert_int_equal(plan_in(&r, P_B)->status, MODEL_PLAN_PLANNED);
    proto_pull_reply_clear(&r);
    char err[300];
    int64_t seq;
    assert_int_equal(srv_exec(W.db, "BEGIN", 0, NULL, err, sizeof err), 0);
    assert_int_equal(srv_feed_lock(W.db, B.unit, &seq, err, sizeof err), 0);
    assert_int_equal(srv_plan_cancel(W.db, P_B, &seq, err, sizeof err), 1);
    assert_int_equal(srv_feed_release(W.db, B.unit, seq, err, sizeof err), 0);
    assert_int_equal(srv_exec(W.db, "COMMIT", 0, NULL, err, sizeof err), 0);
    fx_pull(&W, &DB, B.peer1, cursor, 500, &r);
    assert_non_null(plan_in(&r, P_B));
    assert_int_equal(plan_in(&r, P_B)->status, MODEL_PLAN_CANCELLED);
    proto_pull_reply_clear(&r);
    /* Nothing more to agree to. */
    model_record rec;
    proto_change c;
    agreement(P_B, B.peer1, 1900002000000, &rec);
    fx_change(&c, B.peer1, 0, &rec);
    proto_code code;
    assert_int_equal(push_one(&DB, &c, &code), PROTO_ST_REJECTED);
    assert_int_equal(code, PROTO_E_FORBIDDEN);
}

static void test_erasure_cancels(void **state)
{
    (void)state;
    model_id team2;
    plan(&A, A.peer2, A.leader, "", team2);
    char out[200];
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "person-delete", "--person", A.peer2, NULL), 0);
    assert_int_equal(count("SELECT count(*) FROM plans WHERE id = '%s' AND status = 'cancelled'"
                           " AND terms = ''",
                           team2),
                     1);
    assert_int_equal(count("SELECT count(*) FROM items WHERE entity = 'plan' AND key = '%s'"
                           " AND data::jsonb->>'status' = 'cancelled'"
                           " AND data::jsonb->>'terms' = ''",
                           P_TEAM),
                     1);
    assert_int_equal(count("SELECT count(*) FROM items WHERE data LIKE '%%Morgenholdet%%'"
                           " AND key = '%s'",
                           P_TEAM),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_who_receives_a_plan),
        cmocka_unit_test(test_agreement_pushed),
        cmocka_unit_test(test_agreement_refused),
        cmocka_unit_test(test_observation_marks_done),
        cmocka_unit_test(test_cancelled_comes_down),
        cmocka_unit_test(test_erasure_cancels),
    };
    return cmocka_run_group_tests(tests, up, down);
}
