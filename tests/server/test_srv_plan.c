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
 * a cancelled plan comes down as its new version; a tablet of schema
 * version 1, from before plans, is sent only what its version has and may
 * finish an observation started from a plan without losing the plan; an
 * observation about a team (schema version 3) makes its plan done, has
 * feedback and no reflection, and reaches neither a peer who did not make
 * it nor a tablet of version 2 or 1; and a person's erasure cancels their
 * plans and empties their terms.
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
        if (r->items[i].rec->entity == MODEL_ENT_PLAN && !strcmp(r->items[i].rec->u.plan.id, id))
            return &r->items[i].rec->u.plan;
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
/* Pushes one change; its status, with its code and message if asked for. */
static proto_status push_one_msg(const fx_device *d, const proto_change *c, proto_code *code,
                                 char *msg, size_t cap)
{
    proto_push_reply rep;
    fx_push(&W, d, c, 1, &rep);
    assert_int_equal(rep.n, 1);
    proto_status st = rep.results[0].status;
    if (code)
        *code = rep.results[0].code;
    if (msg)
        snprintf(msg, cap, "%s", rep.results[0].message);
    proto_push_reply_clear(&rep);
    return st;
}

static proto_status push_one(const fx_device *d, const proto_change *c, proto_code *code)
{
    return push_one_msg(d, c, code, NULL, 0);
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

/* What a tablet of schema version 1 reads, written down from that
 * version's document and never to be changed: its kinds of record, and the
 * fields of an observation. Its readers refuse anything else. */
static const char *const v1_entities[] = {"unit",        "room",    "person", "focus",  "template",
                                          "observation", "event",   "note",   "rating", "feedback",
                                          "reflection",  "deleted", NULL};
static const char *const v1_obs_fields[] = {
    "id",          "unit_id",     "focus_id", "focus_version", "template_id", "template_version",
    "observer_id", "observee_id", "room_id",  "activity",      "context",     "agreement",
    "started_at",  "ended_at",    "status",   "revision",      "updated_at",  NULL};

static int listed(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return 1;
    return 0;
}

/* What version 2 added to them. */
static const char *const v2_entities[] = {"plan", "plan_agreement", NULL};
static const char *const v2_obs_fields[] = {"pair_code", "plan_id", NULL};

/* Pulls everything for person with a message of schema version 1 or 2,
 * asserts that a reader of that version could read every item, and returns
 * how many items there were; *obs_found tells whether observation obs_id
 * or any part of it came. */
static int pull_old(int schema, const char *person, const char *obs_id, int *obs_found)
{
    char body[200];
    snprintf(body, sizeof body, "{\"schema\":%d,\"cursor\":0,\"limit\":2000,\"person_id\":\"%s\"}",
             schema, person);
    thttp_resp r;
    fx_post(&W, "/v1/pull", &DA, body, &r);
    assert_int_equal(r.status, 200);
    json_error_t je;
    json_t *j = json_loadb(r.body, r.len, JSON_REJECT_DUPLICATES, &je);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "schema")), schema);
    json_t *items = json_object_get(j, "items");
    *obs_found = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const char *e = json_string_value(json_object_get(it, "entity"));
        assert_non_null(e);
        if (!listed(v1_entities, e) && (schema < 2 || !listed(v2_entities, e)))
            fail_msg("a schema-%d tablet was sent a %s", schema, e);
        json_t *d = json_object_get(it, "data");
        const char *of = json_string_value(json_object_get(d, "observation_id"));
        if (of && !strcmp(of, obs_id) && strcmp(e, "plan") != 0)
            *obs_found = 1;
        if (strcmp(e, "observation") != 0)
            continue;
        const char *k;
        json_t *v;
        json_object_foreach (d, k, v) {
            if (!listed(v1_obs_fields, k) && (schema < 2 || !listed(v2_obs_fields, k)))
                fail_msg("a schema-%d tablet was sent an observation with \"%s\"", schema, k);
        }
        if (!strcmp(json_string_value(json_object_get(d, "id")), obs_id))
            *obs_found = 1;
    }
    int n = (int)json_array_size(items);
    /* The reader of this build, told the message's version, agrees. */
    proto_pull_reply rep;
    proto_err pe;
    assert_int_equal(proto_pull_reply_decode(r.body, r.len, &rep, &pe), 0);
    assert_int_equal(rep.schema, schema);
    proto_pull_reply_clear(&rep);
    json_decref(j);
    thttp_free(&r);
    return n;
}

static int pull_v1(const char *person, const char *obs_id, int *obs_found)
{
    return pull_old(1, person, obs_id, obs_found);
}

/* Pushes c with a message of schema version `schema`; the HTTP status, and
 * the one result's status into *st when 200. */
static long push_at(int schema, const proto_change *c, proto_status *st, thttp_resp *out)
{
    proto_push p = {schema, 1, (proto_change *)c};
    char *body = proto_push_encode(&p);
    assert_non_null(body);
    fx_post(&W, "/v1/push", &DA, body, out);
    free(body);
    if (out->status == 200) {
        proto_push_reply rep;
        proto_err pe;
        assert_int_equal(proto_push_reply_decode(out->body, out->len, &rep, &pe), 0);
        assert_int_equal(rep.schema, schema);
        assert_int_equal(rep.n, 1);
        *st = rep.results[0].status;
        proto_push_reply_clear(&rep);
    }
    return out->status;
}

static long push_v1(const proto_change *c, proto_status *st, thttp_resp *out)
{
    return push_at(1, c, st, out);
}

static void test_schema1_tablet(void **state)
{
    (void)state;
    /* A plan, and an observation started from it on a new tablet, made
     * together with a colleague (a pair code). */
    model_id pid;
    plan(&A, A.leader, A.peer1, "", pid);
    model_record rec;
    fx_obs(&A, A.leader, A.peer1, &rec);
    snprintf(rec.u.obs.plan_id, sizeof rec.u.obs.plan_id, "%s", pid);
    snprintf(rec.u.obs.pair_code, sizeof rec.u.obs.pair_code, "ACE347");
    rec.u.obs.status = MODEL_OBS_DRAFT;
    proto_change c;
    fx_change(&c, A.leader, 0, &rec);
    assert_int_equal(push_one(&DA, &c, NULL), PROTO_ST_STORED);

    /* A tablet of version 1 pulls for the leader (every plan of the unit)
     * and for the observee: neither the plans nor the new fields come, the
     * observation does. */
    int found = 0;
    assert_true(pull_v1(A.leader, rec.u.obs.id, &found) > 0);
    assert_true(found);
    assert_true(pull_v1(A.peer1, rec.u.obs.id, &found) > 0);
    assert_true(found);
    /* A tablet of version 2 is sent both. */
    proto_pull_reply r;
    fx_pull(&W, &DA, A.peer1, 0, 2000, &r);
    assert_non_null(plan_in(&r, pid));
    int both = 0;
    for (int i = 0; i < r.n; i++)
        if (r.items[i].rec->entity == MODEL_ENT_OBSERVATION &&
            !strcmp(r.items[i].rec->u.obs.id, rec.u.obs.id))
            both = !strcmp(r.items[i].rec->u.obs.plan_id, pid) &&
                   !strcmp(r.items[i].rec->u.obs.pair_code, "ACE347");
    assert_true(both);
    proto_pull_reply_clear(&r);

    /* The leader finishes the observation on a tablet of version 1, which
     * knows nothing of its plan or pair code: the server keeps both, and
     * the plan is done. */
    model_record v1 = rec;
    v1.u.obs.plan_id[0] = v1.u.obs.pair_code[0] = '\0';
    v1.u.obs.status = MODEL_OBS_FINISHED;
    v1.u.obs.ended_at = v1.u.obs.started_at + 20 * 60000;
    v1.u.obs.updated_at += 1;
    fx_change(&c, A.leader, 1, &v1);
    thttp_resp hr;
    proto_status st = PROTO_ST_REJECTED;
    assert_int_equal(push_v1(&c, &st, &hr), 200);
    thttp_free(&hr);
    assert_int_equal(st, PROTO_ST_STORED);
    char q[400];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM items WHERE entity = 'observation' AND key = '%s'"
             " AND version = 2 AND data::jsonb->>'status' = 'finished'"
             " AND data::jsonb->>'plan_id' = '%s' AND data::jsonb->>'pair_code' = 'ACE347'",
             rec.u.obs.id, pid);
    assert_int_equal(fx_count(&W, q), 1);
    assert_int_equal(count("SELECT count(*) FROM plans WHERE id = '%s' AND status = 'done'", pid),
                     1);
    /* Sent again, it is the same change. */
    assert_int_equal(push_v1(&c, &st, &hr), 200);
    thttp_free(&hr);
    assert_int_equal(st, PROTO_ST_DUPLICATE);

    /* What version 1 does not have is refused from a version-1 message, as
     * its own reader would, and nothing is stored: an agreement, and an
     * observation naming a plan or a pair code. */
    fx_stored before = fx_stored_now(&W);
    agreement(pid, A.peer1, 1900003000000, &rec);
    fx_change(&c, A.peer1, 0, &rec);
    assert_int_equal(push_v1(&c, &st, &hr), 400);
    fx_assert_error(&hr, 400, PROTO_E_VALUE);
    assert_non_null(strstr(hr.body, "plan_agreement"));
    thttp_free(&hr);
    fx_obs(&A, A.leader, A.peer1, &rec);
    snprintf(rec.u.obs.pair_code, sizeof rec.u.obs.pair_code, "ACE347");
    fx_change(&c, A.leader, 0, &rec);
    assert_int_equal(push_v1(&c, &st, &hr), 400);
    fx_assert_error(&hr, 400, PROTO_E_UNKNOWN_FIELD);
    assert_non_null(strstr(hr.body, "pair_code"));
    thttp_free(&hr);
    fx_nothing_stored(&W, before);
}

/* An observation about a team, started from the team's plan: stored, and
 * the plan done; sent to its observer and the unit's leaders at schema
 * version 3, never to a peer who is not its observer (a team is nobody's
 * to follow), nor, with any of its parts, to a tablet of version 2 or 1,
 * which cannot hold it and may not send one. Its feedback is the
 * observer's; a reflection, which a team has nobody to write, is refused. */
static void test_team_observation(void **state)
{
    (void)state;
    model_id pid;
    plan(&A, A.peer2, "", "Eftermiddagsholdet", pid);
    model_record rec;
    fx_obs(&A, A.peer2, A.peer1, &rec);
    rec.u.obs.observee_id[0] = '\0';
    snprintf(rec.u.obs.team, sizeof rec.u.obs.team, "Eftermiddagsholdet");
    snprintf(rec.u.obs.plan_id, sizeof rec.u.obs.plan_id, "%s", pid);
    rec.u.obs.status = MODEL_OBS_FINISHED;
    rec.u.obs.ended_at = rec.u.obs.started_at + 15 * 60000;
    proto_change c;
    fx_change(&c, A.peer2, 0, &rec);
    /* Not from a tablet of version 2 or 1, and nothing is stored. */
    fx_stored before = fx_stored_now(&W);
    thttp_resp hr;
    proto_status st = PROTO_ST_REJECTED;
    for (int v = 1; v <= 2; v++) {
        assert_int_equal(push_at(v, &c, &st, &hr), 400);
        fx_assert_error(&hr, 400, PROTO_E_UNKNOWN_FIELD);
        assert_non_null(strstr(hr.body, "team"));
        thttp_free(&hr);
    }
    fx_nothing_stored(&W, before);
    /* From version 3: stored, about no person, and the team's plan done. */
    assert_int_equal(push_one(&DA, &c, NULL), PROTO_ST_STORED);
    assert_int_equal(count("SELECT count(*) FROM observations WHERE id = '%s'"
                           " AND observee_id IS NULL",
                           rec.u.obs.id),
                     1);
    char q[400];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM plans WHERE id = '%s' AND status = 'done'"
             " AND observation_id = '%s'",
             pid, rec.u.obs.id);
    assert_int_equal(fx_count(&W, q), 1);
    /* Its feedback, from its observer. */
    model_record fb;
    memset(&fb, 0, sizeof fb);
    fb.entity = MODEL_ENT_FEEDBACK;
    snprintf(fb.u.feedback.observation_id, sizeof fb.u.feedback.observation_id, "%s", rec.u.obs.id);
    snprintf(fb.u.feedback.author_id, sizeof fb.u.feedback.author_id, "%s", A.peer2);
    snprintf(fb.u.feedback.works, sizeof fb.u.feedback.works, "Holdet venter på svarene.");
    fb.u.feedback.given_at = fb.u.feedback.updated_at = rec.u.obs.ended_at + 60000;
    fx_change(&c, A.peer2, 0, &fb);
    assert_int_equal(push_one(&DA, &c, NULL), PROTO_ST_STORED);
    /* No reflection, from anyone. */
    const char *writers[] = {A.peer1, A.leader, A.peer2};
    for (int i = 0; i < 3; i++) {
        model_record re;
        memset(&re, 0, sizeof re);
        re.entity = MODEL_ENT_REFLECTION;
        snprintf(re.u.reflection.observation_id, sizeof re.u.reflection.observation_id, "%s",
                 rec.u.obs.id);
        snprintf(re.u.reflection.author_id, sizeof re.u.reflection.author_id, "%s", writers[i]);
        snprintf(re.u.reflection.text, sizeof re.u.reflection.text, "Vi så det selv.");
        re.u.reflection.updated_at = rec.u.obs.ended_at + 120000;
        fx_change(&c, writers[i], 0, &re);
        proto_code code;
        char msg[300];
        assert_int_equal(push_one_msg(&DA, &c, &code, msg, sizeof msg), PROTO_ST_REJECTED);
        assert_int_equal(code, PROTO_E_FORBIDDEN);
        /* Refused because it is about a team, not only because the writer
         * is not its observee (no one is). */
        assert_non_null(strstr(msg, "about a team has no reflection"));
    }
    /* Version 3: its observer and a leader receive it with the team; a
     * peer who is not its observer does not. */
    const char *who[] = {A.peer2, A.leader, A.peer1};
    for (int i = 0; i < 3; i++) {
        proto_pull_reply r;
        fx_pull(&W, &DA, who[i], 0, 2000, &r);
        int obs = 0, feedback = 0;
        for (int k = 0; k < r.n; k++) {
            const model_record *x = r.items[k].rec;
            if (x->entity == MODEL_ENT_OBSERVATION && !strcmp(x->u.obs.id, rec.u.obs.id)) {
                obs = 1;
                assert_string_equal(x->u.obs.team, "Eftermiddagsholdet");
                assert_string_equal(x->u.obs.observee_id, "");
            }
            if (x->entity == MODEL_ENT_FEEDBACK &&
                !strcmp(x->u.feedback.observation_id, rec.u.obs.id))
                feedback = 1;
        }
        assert_int_equal(obs, i < 2);
        assert_int_equal(feedback, i < 2);
        proto_pull_reply_clear(&r);
    }
    /* Versions 2 and 1: neither it nor its feedback, even for its observer
     * and a leader; the team's plan (version 2 has plans) still comes. */
    for (int v = 1; v <= 2; v++)
        for (int i = 0; i < 2; i++) {
            int found = 1;
            assert_true(pull_old(v, who[i], rec.u.obs.id, &found) > 0);
            assert_false(found);
        }
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
        cmocka_unit_test(test_schema1_tablet),
        cmocka_unit_test(test_team_observation),
        cmocka_unit_test(test_erasure_cancels),
    };
    return cmocka_run_group_tests(tests, up, down);
}
