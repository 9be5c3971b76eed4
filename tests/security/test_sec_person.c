/*
 * Data-subject requests: everything held about one person comes out as one
 * JSON document, and erasing the person deletes it on the server and tells
 * the tablets at their next pull, while everyone else's data stays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixture.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U;
static fx_device D;
static model_record o1, o2, o3, o4; /* peer1 is in o1..o3; o4 is leader about peer2 */
static int64_t cursor_before;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_person", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static void push_obs(const char *observer, const char *observee, model_record *o, int parts)
{
    fx_obs(&U, observer, observee, o);
    model_record note, fb, rf;
    fx_note(o->u.obs.id, "Pauses before answering.", &note);
    fx_feedback(o->u.obs.id, observer, "Good waiting.", &fb);
    fx_reflection(o->u.obs.id, observee, "I noticed it too.", &rf);
    proto_change c[4];
    fx_change(&c[0], observer, 0, o);
    fx_change(&c[1], observer, 0, &note);
    fx_change(&c[2], observer, 0, &fb);
    fx_change(&c[3], observee, 0, &rf);
    proto_push_reply rep;
    fx_push(&W, &D, c, parts, &rep);
    for (int i = 0; i < parts; i++)
        assert_int_equal(rep.results[i].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Solsikken", &U);
    assert_int_equal(fx_admin(&W, NULL, 0, "2580\n", "pin-set", "--person", U.peer1, NULL), 0);
    fx_enrol(&W, U.unit, &D);
    push_obs(U.peer1, U.peer2, &o1, 4);
    push_obs(U.peer2, U.peer1, &o2, 1);
    push_obs(U.leader, U.peer1, &o3, 3);
    push_obs(U.leader, U.peer2, &o4, 4);
    proto_pull_reply p;
    fx_pull(&W, &D, U.peer1, 0, 500, &p); /* a read about peer1, for the audit log */
    proto_pull_reply_clear(&p);
    fx_pull(&W, &D, U.leader, 0, 500, &p);
    cursor_before = p.cursor;
    proto_pull_reply_clear(&p);
}

static json_t *export_of(const char *person)
{
    char path[700];
    snprintf(path, sizeof path, "%s/person-%s.json", W.dir, person);
    assert_int_equal(
        fx_admin(&W, NULL, 0, NULL, "person-export", "--person", person, "--out", path, NULL), 0);
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    assert_non_null(j);
    return j;
}

static json_t *find_obs(json_t *list, const char *id)
{
    size_t i;
    json_t *o;
    json_array_foreach (list, i, o) {
        const char *x = json_string_value(json_object_get(json_object_get(o, "observation"), "id"));
        if (x && !strcmp(x, id))
            return o;
    }
    return NULL;
}

static void test_export_holds_everything_about_the_person(void **state)
{
    (void)state;
    json_t *j = export_of(U.peer1);
    json_t *person = json_object_get(j, "person");
    assert_string_equal(json_string_value(json_object_get(person, "id")), U.peer1);
    assert_string_equal(json_string_value(json_object_get(person, "name")), "Per Peer");
    assert_true(json_is_true(json_object_get(person, "pin_set")));
    assert_null(json_object_get(person, "pin_verifier")); /* no hash to guess the PIN from */
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "unit"), "id")),
                        U.unit);
    json_t *obs = json_object_get(j, "observations");
    assert_int_equal(json_array_size(obs), 3);
    json_t *x1 = find_obs(obs, o1.u.obs.id), *x2 = find_obs(obs, o2.u.obs.id),
           *x3 = find_obs(obs, o3.u.obs.id);
    assert_non_null(x1);
    assert_non_null(x2);
    assert_non_null(x3);
    assert_null(find_obs(obs, o4.u.obs.id));
    assert_string_equal(json_string_value(json_object_get(x1, "role")), "observer");
    assert_string_equal(json_string_value(json_object_get(x2, "role")), "observee");
    assert_int_equal(json_array_size(json_object_get(x1, "notes")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(x1, "feedback"), "works")),
        "Good waiting.");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(x1, "reflection"), "text")),
        "I noticed it too.");
    assert_true(json_is_null(json_object_get(x2, "feedback")));
    /* The audit rows about the person: the pull made for them, the PIN. */
    json_t *audit = json_object_get(j, "audit");
    int pulls = 0, pins = 0;
    size_t i;
    json_t *a;
    json_array_foreach (audit, i, a) {
        pulls += !strcmp(json_string_value(json_object_get(a, "action")), "pull");
        pins += !strcmp(json_string_value(json_object_get(a, "action")), "pin-set");
    }
    assert_int_equal(pulls, 1);
    assert_int_equal(pins, 1);
    json_decref(j);
    /* The export itself was logged with the person as subject. */
    char q[300];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit_log WHERE action = 'person-export' AND subject = '%s'",
             U.peer1);
    assert_int_equal(fx_count(&W, q), 1);
    /* Someone unknown: refused. */
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "person-export", "--person",
                              "00000000-0000-4000-8000-000000000000", NULL),
                     1);
}

static long long count(const char *fmt, const char *a)
{
    char q[400];
    snprintf(q, sizeof q, fmt, a);
    return fx_count(&W, q);
}

static void test_delete_erases_the_person_and_their_observations(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "person-delete", "--person", U.peer1, NULL), 0);
    TSUPPORT_HAS(out, "3 observation(s)");
    assert_int_equal(count("SELECT count(*) FROM people WHERE id = '%s'", U.peer1), 0);
    assert_int_equal(
        count("SELECT count(*) FROM items WHERE entity = 'person' AND key = '%s'", U.peer1), 0);
    const model_record *gone[] = {&o1, &o2, &o3};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            count("SELECT count(*) FROM items WHERE observation_id = '%s'", gone[i]->u.obs.id), 0);
        assert_int_equal(
            count("SELECT count(*) FROM observations WHERE id = '%s'", gone[i]->u.obs.id), 0);
    }
    /* Nothing else: another's observation, and the other people. */
    assert_int_equal(count("SELECT count(*) FROM items WHERE observation_id = '%s'", o4.u.obs.id),
                     4);
    assert_int_equal(count("SELECT count(*) FROM people WHERE id = '%s'", U.peer2), 1);
    /* No trace of the name anywhere on the server. */
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM items WHERE data LIKE '%Per Peer%'"), 0);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM audit_log WHERE detail LIKE '%Per Peer%'"),
                     0);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM conflicts WHERE data LIKE '%Per Peer%'"),
                     0);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'person-delete'"
                           " AND subject = '%s' AND detail LIKE 'observations_deleted=3%%'",
                           U.peer1),
                     1);
    /* Twice: there is no one left to delete. */
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "person-delete", "--person", U.peer1, NULL), 1);
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "person-export", "--person", U.peer1, NULL), 1);
}

static void test_tablets_learn_at_next_pull(void **state)
{
    (void)state;
    proto_pull_reply p;
    fx_pull(&W, &D, U.leader, cursor_before, 500, &p);
    char key[MODEL_RECORD_KEY_MAX];
    snprintf(key, sizeof key, "person/%s", U.peer1);
    assert_true(fx_has(&p, MODEL_ENT_DELETED, key));
    const model_record *gone[] = {&o1, &o2, &o3};
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "observation/%s", gone[i]->u.obs.id);
        assert_true(fx_has(&p, MODEL_ENT_DELETED, key));
    }
    int n = 0;
    for (int i = 0; i < p.n; i++)
        if (p.items[i].rec->entity == MODEL_ENT_DELETED) {
            assert_int_equal(p.items[i].rec->u.deleted.reason, MODEL_DEL_PERSON);
            n++;
        }
    assert_int_equal(n, 4);
    /* The person's record and observations do not come down any more. */
    proto_pull_reply_clear(&p);
    fx_pull(&W, &D, U.leader, 0, 500, &p);
    assert_false(fx_has(&p, MODEL_ENT_PERSON, U.peer1));
    assert_false(fx_has(&p, MODEL_ENT_OBSERVATION, o1.u.obs.id));
    assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, o4.u.obs.id));
    proto_pull_reply_clear(&p);
}

static void test_a_deleted_person_cannot_read_or_write(void **state)
{
    (void)state;
    char body[200];
    snprintf(body, sizeof body, "{\"schema\":1,\"cursor\":0,\"limit\":10,\"person_id\":\"%s\"}",
             U.peer1);
    thttp_resp r;
    fx_post(&W, "/v1/pull", &D, body, &r);
    fx_assert_error(&r, 403, PROTO_E_FORBIDDEN);
    thttp_free(&r);
    /* A tablet that has not pulled yet sends an edit of an erased
     * observation and a new one by the erased person: both refused. */
    model_record again = o1;
    again.u.obs.revision = 2;
    model_record fresh;
    fx_obs(&U, U.peer1, U.peer2, &fresh);
    proto_change c[2];
    fx_change(&c[0], U.peer1, 1, &again);
    fx_change(&c[1], U.peer1, 0, &fresh);
    proto_push_reply rep;
    fx_push(&W, &D, c, 2, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_REJECTED);
    assert_int_equal(rep.results[1].status, PROTO_ST_REJECTED);
    proto_push_reply_clear(&rep);
    assert_int_equal(count("SELECT count(*) FROM items WHERE observation_id = '%s'", o1.u.obs.id),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_export_holds_everything_about_the_person),
        cmocka_unit_test(test_delete_erases_the_person_and_their_observations),
        cmocka_unit_test(test_tablets_learn_at_next_pull),
        cmocka_unit_test(test_a_deleted_person_cannot_read_or_write),
    };
    return cmocka_run_group_tests_name("sec_person", tests, up, down);
}
