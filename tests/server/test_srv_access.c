/*
 * Access control: a tablet of unit A can neither read nor write unit B's
 * data; a peer cannot read an observation they are neither observer nor
 * observee of; only the one writer of a part may write it; a revoked tablet
 * is refused. Each refusal is checked to have stored nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static fx_world W;
static fx_unit A, B;
static fx_device DA, DB;
static model_record obs_b; /* an observation in unit B */

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_access", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static long long items_for(const char *obs_id)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE observation_id = '%s'", obs_id);
    return fx_count(&W, sql);
}

static void test_setup_two_units(void **state)
{
    (void)state;
    fx_make_unit(&W, "Unit A", &A);
    fx_make_unit(&W, "Unit B", &B);
    fx_enrol(&W, A.unit, &DA);
    fx_enrol(&W, B.unit, &DB);
    fx_obs(&B, B.peer1, B.peer2, &obs_b);
    proto_change c;
    fx_change(&c, B.peer1, 0, &obs_b);
    proto_push_reply rep;
    fx_push(&W, &DB, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
}

static void test_unit_a_cannot_read_unit_b(void **state)
{
    (void)state;
    proto_pull_reply p;
    /* As A's leader: only A's data. */
    fx_pull(&W, &DA, A.leader, 0, 500, &p);
    assert_true(p.n > 0);
    for (int i = 0; i < p.n; i++) {
        char k[MODEL_RECORD_KEY_MAX];
        model_record_key(p.items[i].rec, k);
        assert_null(strstr(k, B.unit));
        assert_null(strstr(k, obs_b.u.obs.id));
        if (p.items[i].rec->entity == MODEL_ENT_PERSON)
            assert_string_equal(p.items[i].rec->u.person.unit_id, A.unit);
    }
    assert_false(fx_has(&p, MODEL_ENT_UNIT, B.unit));
    proto_pull_reply_clear(&p);
    /* Naming B's leader from A's tablet is refused outright. */
    proto_pull pl = {PROTO_SCHEMA, 0, 100, ""};
    snprintf(pl.person_id, sizeof pl.person_id, "%s", B.leader);
    char *body = proto_pull_encode(&pl);
    thttp_resp r;
    fx_post(&W, "/v1/pull", &DA, body, &r);
    fx_assert_error(&r, 403, PROTO_E_FORBIDDEN);
    thttp_free(&r);
    free(body);
}

static void test_unit_a_cannot_write_unit_b(void **state)
{
    (void)state;
    proto_push_reply rep;
    proto_change c;
    /* Feedback on B's observation, by B's observer, from A's tablet. */
    model_record fb;
    fx_feedback(obs_b.u.obs.id, B.peer1, "Injected", &fb);
    fx_change(&c, B.peer1, 0, &fb);
    fx_push(&W, &DA, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_FORBIDDEN);
    proto_push_reply_clear(&rep);
    /* Feedback on B's observation by one of A's people. */
    fx_feedback(obs_b.u.obs.id, A.peer1, "Injected", &fb);
    fx_change(&c, A.peer1, 0, &fb);
    fx_push(&W, &DA, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_FORBIDDEN);
    proto_push_reply_clear(&rep);
    /* A new observation claiming to be in unit B. */
    model_record o;
    fx_obs(&B, B.peer1, B.peer2, &o);
    fx_change(&c, B.peer1, 0, &o);
    fx_push(&W, &DA, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_FORBIDDEN);
    proto_push_reply_clear(&rep);
    /* Overwriting B's observation id from A with A's people. */
    fx_obs(&A, A.peer1, A.peer2, &o);
    snprintf(o.u.obs.id, sizeof o.u.obs.id, "%s", obs_b.u.obs.id);
    fx_change(&c, A.peer1, 0, &o);
    fx_push(&W, &DA, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_FORBIDDEN);
    proto_push_reply_clear(&rep);
    assert_int_equal(items_for(obs_b.u.obs.id), 1); /* still just B's own observation */
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM items WHERE data LIKE '%Injected%'"), 0);
}

static void test_peer_cannot_read_others_observation(void **state)
{
    (void)state;
    /* peer1 observes the leader; peer2 is neither. */
    model_record o;
    fx_obs(&A, A.peer1, A.leader, &o);
    proto_change c;
    fx_change(&c, A.peer1, 0, &o);
    proto_push_reply rep;
    fx_push(&W, &DA, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    proto_pull_reply p;
    fx_pull(&W, &DA, A.peer2, 0, 500, &p);
    assert_false(fx_has(&p, MODEL_ENT_OBSERVATION, o.u.obs.id));
    assert_true(fx_has(&p, MODEL_ENT_PERSON, A.peer2)); /* reference data still comes */
    proto_pull_reply_clear(&p);
    fx_pull(&W, &DA, A.peer1, 0, 500, &p);
    assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, o.u.obs.id));
    proto_pull_reply_clear(&p);
    fx_pull(&W, &DA, A.leader, 0, 500, &p);
    assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, o.u.obs.id));
    proto_pull_reply_clear(&p);
}

static void test_only_the_one_writer_writes(void **state)
{
    (void)state;
    model_record o, fb, rf;
    fx_obs(&A, A.peer1, A.peer2, &o);
    proto_change c;
    proto_push_reply rep;
    fx_change(&c, A.peer1, 0, &o);
    fx_push(&W, &DA, &c, 1, &rep);
    proto_push_reply_clear(&rep);
    /* The observee may not write feedback; the observer may not write the
     * reflection; a third person may write neither. */
    struct {
        const char *actor;
        int is_feedback;
    } cases[] = {{A.peer2, 1}, {A.peer1, 0}, {A.leader, 1}, {A.leader, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].is_feedback)
            fx_feedback(o.u.obs.id, cases[i].actor, "Not yours", &fb);
        else
            fx_reflection(o.u.obs.id, cases[i].actor, "Not yours", &rf);
        fx_change(&c, cases[i].actor, 0, cases[i].is_feedback ? &fb : &rf);
        fx_push(&W, &DA, &c, 1, &rep);
        assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
        assert_int_equal(rep.results[0].code, PROTO_E_FORBIDDEN);
        proto_push_reply_clear(&rep);
    }
    /* Nor may the observee rewrite the observation itself. */
    fx_change(&c, A.peer2, 1, &o);
    fx_push(&W, &DA, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    proto_push_reply_clear(&rep);
    assert_int_equal(items_for(o.u.obs.id), 1);
}

static void test_revoked_device_is_refused(void **state)
{
    (void)state;
    fx_device d;
    fx_enrol(&W, A.unit, &d);
    proto_pull_reply p;
    fx_pull(&W, &d, "", 0, 10, &p);
    proto_pull_reply_clear(&p);
    char out[200];
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "device-revoke", "--device", d.id, NULL),
                     0);
    model_record o;
    fx_obs(&A, A.peer1, A.peer2, &o);
    proto_change c;
    fx_change(&c, A.peer1, 0, &o);
    char *body = fx_push_body(&c, 1);
    thttp_resp r;
    fx_post(&W, "/v1/push", &d, body, &r);
    fx_assert_error(&r, 401, PROTO_E_REVOKED);
    thttp_free(&r);
    free(body);
    fx_post(&W, "/v1/pull", &d, "{\"schema\":1,\"cursor\":0,\"limit\":5,\"person_id\":\"\"}", &r);
    fx_assert_error(&r, 401, PROTO_E_REVOKED);
    thttp_free(&r);
    assert_int_equal(items_for(o.u.obs.id), 0);
    /* The list shows it as revoked. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "device-list", "--unit", A.unit, NULL), 0);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM devices WHERE id = '%s' AND revoked_at IS NOT NULL", d.id);
    assert_int_equal(fx_count(&W, sql), 1);
}

static void test_deactivated_person_cannot_write(void **state)
{
    (void)state;
    char out[100];
    model_id p;
    assert_int_equal(fx_admin(&W, p, sizeof p, NULL, "person-add", "--unit", A.unit, "--name",
                              "Gone Soon", "--role", "peer", NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-deactivate", "--person", p, NULL),
                     0);
    model_record o;
    fx_obs(&A, p, A.peer2, &o);
    proto_change c;
    fx_change(&c, p, 0, &o);
    proto_push_reply rep;
    fx_push(&W, &DA, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[0].code, PROTO_E_FORBIDDEN);
    proto_push_reply_clear(&rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_two_units),
        cmocka_unit_test(test_unit_a_cannot_read_unit_b),
        cmocka_unit_test(test_unit_a_cannot_write_unit_b),
        cmocka_unit_test(test_peer_cannot_read_others_observation),
        cmocka_unit_test(test_only_the_one_writer_writes),
        cmocka_unit_test(test_revoked_device_is_refused),
        cmocka_unit_test(test_deactivated_person_cannot_write),
    };
    return cmocka_run_group_tests_name("srv_access", tests, up, down);
}
