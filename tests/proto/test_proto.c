/*
 * The wire codec alone: every record survives a round trip, the canonical
 * form tells retries from reused ids, and each kind of bad input is refused
 * with its typed code and a message naming the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "proto.h"

static plat_sys *SYS;

static void id(model_id out) { assert_int_equal(model_id_new(SYS, out), 0); }

static void make_obs(model_record *r)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_OBSERVATION;
    model_observation *o = &r->u.obs;
    id(o->id);
    id(o->unit_id);
    id(o->focus_id);
    id(o->template_id);
    id(o->observer_id);
    id(o->observee_id);
    o->focus_version = 2;
    o->template_version = 3;
    snprintf(o->activity, sizeof o->activity, "Samling på tæppet"); /* non-ASCII */
    snprintf(o->context_json, sizeof o->context_json, "{\"adults\":2,\"children\":14}");
    o->agreement = 1;
    o->started_at = 1790000000000;
    o->ended_at = 1790000600000;
    o->status = MODEL_OBS_FINISHED;
    o->revision = 2;
    o->updated_at = 1790000600001;
}

static char *push_of(const model_record *r)
{
    proto_change c;
    memset(&c, 0, sizeof c);
    id(c.change_id);
    id(c.actor_id);
    assert_int_equal(proto_change_set(&c, r), 0);
    proto_push p = {PROTO_SCHEMA, 1, &c};
    char *s = proto_push_encode(&p);
    proto_changes_clear(&c, 1);
    assert_non_null(s);
    return s;
}

static void test_every_record_round_trips(void **state)
{
    (void)state;
    model_record recs[11];
    memset(recs, 0, sizeof recs);
    int n = 0;
    model_record *r = &recs[n++];
    r->entity = MODEL_ENT_UNIT;
    id(r->u.unit.id);
    snprintf(r->u.unit.name, sizeof r->u.unit.name, "Børnehuset Solsikken");
    r->u.unit.retention_days = 180;
    r = &recs[n++];
    r->entity = MODEL_ENT_ROOM;
    id(r->u.room.id);
    id(r->u.room.unit_id);
    snprintf(r->u.room.name, sizeof r->u.room.name, "Blå stue");
    r = &recs[n++];
    r->entity = MODEL_ENT_PERSON;
    id(r->u.person.id);
    id(r->u.person.unit_id);
    snprintf(r->u.person.name, sizeof r->u.person.name, "Åse");
    r->u.person.role = MODEL_ROLE_LEADER;
    r->u.person.active = 1;
    assert_int_equal(model_pin_hash("4711", r->u.person.pin_verifier), 0);
    r = &recs[n++];
    r->entity = MODEL_ENT_FOCUS;
    id(r->u.focus.id);
    id(r->u.focus.unit_id);
    r->u.focus.version = 1;
    snprintf(r->u.focus.question, sizeof r->u.focus.question, "Hvordan stiller vi åbne spørgsmål?");
    snprintf(r->u.focus.why, sizeof r->u.focus.why, "Because.\nTwo lines.");
    r->u.focus.pillar = MODEL_PILLAR_DIALOGUE;
    id(r->u.focus.template_id);
    snprintf(r->u.focus.period_from, sizeof r->u.focus.period_from, "2026-01-01");
    snprintf(r->u.focus.period_to, sizeof r->u.focus.period_to, "2026-06-30");
    r->u.focus.n_signs = 2;
    id(r->u.focus.signs[0].id);
    snprintf(r->u.focus.signs[0].text, sizeof r->u.focus.signs[0].text, "Children answer");
    id(r->u.focus.signs[1].id);
    snprintf(r->u.focus.signs[1].text, sizeof r->u.focus.signs[1].text, "Adults wait");
    make_obs(&recs[n++]);
    r = &recs[n++];
    r->entity = MODEL_ENT_EVENT;
    id(r->u.event.id);
    id(r->u.event.observation_id);
    r->u.event.kind = MODEL_EV_STATE_START;
    snprintf(r->u.event.key, sizeof r->u.event.key, "waiting");
    r->u.event.at = 5;
    r = &recs[n++];
    r->entity = MODEL_ENT_EVENT;
    id(r->u.event.id);
    id(r->u.event.observation_id);
    r->u.event.kind = MODEL_EV_UNDO;
    id(r->u.event.target_id);
    r->u.event.at = 6;
    r = &recs[n++];
    r->entity = MODEL_ENT_NOTE;
    id(r->u.note.id);
    id(r->u.note.observation_id);
    snprintf(r->u.note.text, sizeof r->u.note.text, "Line one\nline \"two\"\t✓");
    r->u.note.at = 7;
    r = &recs[n++];
    r->entity = MODEL_ENT_RATING;
    id(r->u.rating.observation_id);
    id(r->u.rating.sign_id);
    r->u.rating.level = -1;
    r = &recs[n++];
    r->entity = MODEL_ENT_FEEDBACK;
    id(r->u.feedback.observation_id);
    id(r->u.feedback.author_id);
    snprintf(r->u.feedback.works, sizeof r->u.feedback.works, "Works");
    r->u.feedback.given_at = 9;
    r = &recs[n++];
    r->entity = MODEL_ENT_REFLECTION;
    id(r->u.reflection.observation_id);
    id(r->u.reflection.author_id);
    snprintf(r->u.reflection.next_step, sizeof r->u.reflection.next_step, "Try again");

    for (int i = 0; i < n; i++) {
        json_t *j = model_record_to_json(&recs[i], NULL);
        assert_non_null(j);
        model_record back;
        proto_err e;
        if (model_record_from_json(recs[i].entity, j, &back, &e) != 0)
            fail_msg("%s: %s", model_entity_name(recs[i].entity), e.msg);
        json_t *j2 = model_record_to_json(&back, NULL);
        assert_true(json_equal(j, j2));
        json_decref(j);
        json_decref(j2);
    }
    /* A decoded person still verifies its PIN: the verifier crossed intact. */
    json_t *j = model_record_to_json(&recs[2], NULL);
    model_record back;
    assert_int_equal(model_record_from_json(MODEL_ENT_PERSON, j, &back, NULL), 0);
    assert_int_equal(model_pin_verify(back.u.person.pin_verifier, "4711"), 1);
    assert_int_equal(model_pin_verify(back.u.person.pin_verifier, "4712"), 0);
    json_decref(j);
}

static void test_push_round_trip_and_canonical_form(void **state)
{
    (void)state;
    model_record r;
    make_obs(&r);
    char *s = push_of(&r);
    proto_push p;
    proto_err e;
    assert_int_equal(proto_push_decode(s, strlen(s), &p, &e), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.changes[0].rec->u.obs.activity, "Samling på tæppet");
    assert_string_equal(p.changes[0].rec->u.obs.context_json, "{\"adults\":2,\"children\":14}");
    char *c1 = proto_change_canonical(&p.changes[0]);
    /* The same change with its keys in another order means the same. */
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    char *sorted = json_dumps(j, JSON_SORT_KEYS);
    json_decref(j);
    proto_push p2;
    assert_int_equal(proto_push_decode(sorted, strlen(sorted), &p2, &e), 0);
    char *c2 = proto_change_canonical(&p2.changes[0]);
    assert_string_equal(c1, c2);
    /* Another value is another change. */
    p2.changes[0].rec->u.obs.revision = 3;
    char *c3 = proto_change_canonical(&p2.changes[0]);
    assert_string_not_equal(c1, c3);
    free(c1);
    free(c2);
    free(c3);
    free(sorted);
    free(s);
    proto_push_clear(&p);
    proto_push_clear(&p2);
    proto_push_clear(NULL);
}

/* Decoding s as a push fails with code, and the message mentions `word`. */
static void refused(const char *s, proto_code code, const char *word)
{
    proto_push p;
    proto_err e;
    memset(&e, 0, sizeof e);
    assert_int_equal(proto_push_decode(s, strlen(s), &p, &e), -1);
    if (e.code != code || (word && !strstr(e.msg, word)))
        fail_msg("expected %s mentioning \"%s\", got %s: %s", proto_code_name(code),
                 word ? word : "", proto_code_name(e.code), e.msg);
    assert_int_equal(p.n, 0);
    assert_null(p.changes);
}

static char *swap(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    char *out = malloc(strlen(s) + strlen(to) + 1);
    size_t head = (size_t)(at - s);
    memcpy(out, s, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static void test_strict_refusals(void **state)
{
    (void)state;
    model_record r;
    make_obs(&r);
    char *s = push_of(&r);
    struct {
        const char *from, *to;
        proto_code code;
        const char *word;
    } cases[] = {
        {"\"schema\":3", "\"schema\":3,\"x\":2", PROTO_E_UNKNOWN_FIELD, "\"x\""},
        {"\"activity\":", "\"colour\":\"red\",\"activity\":", PROTO_E_UNKNOWN_FIELD, "colour"},
        {"\"revision\":2", "\"revision\":\"2\"", PROTO_E_TYPE, "revision"},
        {"\"revision\":2", "\"revision\":0", PROTO_E_VALUE, "revision"},
        {"\"agreement\":true", "\"agreement\":false", PROTO_E_VALUE, "agreement"},
        {"\"status\":\"finished\"", "\"status\":\"done\"", PROTO_E_VALUE, "draft"},
        {"\"revision\":2,", "", PROTO_E_MISSING_FIELD, "revision"},
        {"\"schema\":3", "\"schema\":3,\"schema\":3", PROTO_E_JSON, NULL},
        {"\"schema\":3", "\"schema\":0", PROTO_E_UPDATE_REQUIRED, "updated"},
        {"\"schema\":3", "\"schema\":4", PROTO_E_SCHEMA_TOO_NEW, NULL},
        {"\"context\":{", "\"context\":{\"Bad Key\":1,", PROTO_E_VALUE, "key"},
        {"\"context\":{", "\"context\":{\"nested\":{},", PROTO_E_TYPE, "nested"},
        {"Samling", "Sam\\u0000ling", PROTO_E_VALUE, "\"changes[0].data.activity\" holds a NUL"},
        {"Samling", "Sam\\u001bling", PROTO_E_VALUE, NULL},
        {"Samling", "Sam\xe2\x82ling", PROTO_E_UTF8, "\"changes[0].data.activity\" is not valid"},
        {"\"started_at\":1790000000000", "\"started_at\":-1", PROTO_E_VALUE, "started_at"},
        {"\"entity\":\"observation\"", "\"entity\":\"unit\"", PROTO_E_VALUE, "entity"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *x = swap(s, cases[i].from, cases[i].to);
        refused(x, cases[i].code, cases[i].word);
        free(x);
    }
    /* A text one byte over its cap. */
    char big[MODEL_NAME_MAX + 40];
    memset(big, 'a', MODEL_NAME_MAX + 1);
    big[MODEL_NAME_MAX + 1] = 0;
    char *x = swap(s, "Samling på tæppet", big);
    refused(x, PROTO_E_VALUE, "too long");
    free(x);
    refused("not json", PROTO_E_JSON, NULL);
    refused("[]", PROTO_E_TYPE, NULL);
    free(s);
}

/* Schema version 2 added plans and an observation's pair_code and
 * plan_id. A message of version 1 carrying any of them is refused as that
 * version's strict reader would refuse it, naming what it does not have;
 * the same record in a version-2 message is read. proto_record_fit makes a
 * record fit version 1, or says it cannot be sent at all. */
static void test_schema1_has_no_plans(void **state)
{
    (void)state;
    model_record r;
    make_obs(&r);
    snprintf(r.u.obs.pair_code, sizeof r.u.obs.pair_code, "ACE347");
    char *s = push_of(&r);
    proto_push p;
    proto_err e;
    assert_int_equal(proto_push_decode(s, strlen(s), &p, &e), 0);
    assert_string_equal(p.changes[0].rec->u.obs.pair_code, "ACE347");
    proto_push_clear(&p);
    char *x = swap(s, "\"schema\":3", "\"schema\":1");
    refused(x, PROTO_E_UNKNOWN_FIELD, "\"pair_code\" that schema version 1");
    free(x);
    free(s);
    r.u.obs.pair_code[0] = '\0';
    id(r.u.obs.plan_id);
    s = push_of(&r);
    x = swap(s, "\"schema\":3", "\"schema\":1");
    refused(x, PROTO_E_UNKNOWN_FIELD, "plan_id");
    free(x);
    free(s);
    /* Without them, version 1 reads the observation. */
    model_record fitted = r;
    assert_int_equal(proto_record_schema(&fitted, NULL), 2);
    assert_int_equal(proto_record_fit(&fitted, 1), 0);
    assert_int_equal(proto_record_schema(&fitted, NULL), 1);
    assert_string_equal(fitted.u.obs.plan_id, "");
    s = push_of(&fitted);
    x = swap(s, "\"schema\":3", "\"schema\":1");
    assert_int_equal(proto_push_decode(x, strlen(x), &p, &e), 0);
    assert_int_equal(p.schema, 1);
    proto_push_clear(&p);
    free(x);
    free(s);
    /* An agreement is not in version 1 at all. */
    model_record a;
    memset(&a, 0, sizeof a);
    a.entity = MODEL_ENT_PLAN_AGREEMENT;
    id(a.u.agreement.plan_id);
    id(a.u.agreement.person_id);
    a.u.agreement.agreed_at = 1790000000000;
    const char *what;
    assert_int_equal(proto_record_schema(&a, &what), 2);
    assert_string_equal(what, "plan_agreement");
    assert_int_equal(proto_record_fit(&a, 1), -1);
    assert_int_equal(proto_record_fit(&a, 2), 0);
    s = push_of(&a);
    x = swap(s, "\"schema\":3", "\"schema\":1");
    refused(x, PROTO_E_VALUE, "\"plan_agreement\" is not in schema version 1");
    free(x);
    free(s);
    /* Answers are written in the version of the message they answer. */
    proto_push_reply rep = {1, 0, NULL};
    s = proto_push_reply_encode(&rep);
    assert_non_null(strstr(s, "\"schema\":1"));
    free(s);
    proto_enrol_reply er;
    memset(&er, 0, sizeof er);
    er.schema = 1;
    s = proto_enrol_reply_encode(&er);
    assert_non_null(strstr(s, "\"schema\":1"));
    free(s);
    json_t *pr = proto_pull_reply_begin(1, 5, 0);
    assert_int_equal(json_integer_value(json_object_get(pr, "schema")), 1);
    json_decref(pr);
}

/* Schema version 3 added an observation about a team. A message of version
 * 2 or 1 carrying one is refused naming "team", as those versions' readers
 * would; version 3 reads it; and it cannot be made to fit an older version
 * at all (there is no observee to give it), so it is not sent to one. */
static void test_schema3_has_team_observations(void **state)
{
    (void)state;
    model_record r;
    make_obs(&r);
    r.u.obs.observee_id[0] = '\0';
    snprintf(r.u.obs.team, sizeof r.u.obs.team, "Morgenholdet");
    id(r.u.obs.plan_id);
    char *s = push_of(&r);
    proto_push p;
    proto_err e;
    assert_int_equal(proto_push_decode(s, strlen(s), &p, &e), 0);
    assert_string_equal(p.changes[0].rec->u.obs.team, "Morgenholdet");
    proto_push_clear(&p);
    for (int v = 1; v <= 2; v++) {
        char to[16];
        snprintf(to, sizeof to, "\"schema\":%d", v);
        char *x = swap(s, "\"schema\":3", to);
        refused(x, PROTO_E_UNKNOWN_FIELD, "\"team\" that schema version");
        free(x);
    }
    free(s);
    const char *what;
    assert_int_equal(proto_record_schema(&r, &what), 3);
    assert_string_equal(what, "team");
    model_record fitted = r;
    assert_int_equal(proto_record_fit(&fitted, 3), 0);
    assert_string_equal(fitted.u.obs.team, "Morgenholdet");
    assert_int_equal(proto_record_fit(&fitted, 2), -1);
    assert_int_equal(proto_record_fit(&fitted, 1), -1);
    /* An observation about a person is the same in version 3 as before. */
    make_obs(&r);
    assert_int_equal(proto_record_schema(&r, NULL), 1);
    id(r.u.obs.plan_id);
    assert_int_equal(proto_record_schema(&r, NULL), 2);
    assert_int_equal(proto_record_fit(&r, 2), 0);
    assert_string_equal(r.u.obs.team, "");
    json_t *pr = proto_pull_reply_begin(2, 5, 0);
    assert_int_equal(json_integer_value(json_object_get(pr, "schema")), 2);
    json_decref(pr);
}

static void test_push_limits_and_repeated_ids(void **state)
{
    (void)state;
    proto_change *c = calloc(PROTO_PUSH_MAX + 1, sizeof *c);
    model_record obs;
    make_obs(&obs);
    for (int i = 0; i <= PROTO_PUSH_MAX; i++) {
        assert_int_equal(proto_change_set(&c[i], &obs), 0);
        id(c[i].change_id);
        id(c[i].actor_id);
    }
    proto_push p = {PROTO_SCHEMA, PROTO_PUSH_MAX + 1, c};
    char *s = proto_push_encode(&p);
    refused(s, PROTO_E_TOO_LARGE, NULL);
    free(s);
    p.n = 2;
    memcpy(c[1].change_id, c[0].change_id, sizeof c[0].change_id);
    s = proto_push_encode(&p);
    refused(s, PROTO_E_VALUE, "repeats");
    free(s);
    /* Among several repeats, the first change sent that repeats an earlier
     * one is named, with the first it repeats; a full push of distinct ids
     * is taken. */
    for (int i = 0; i < PROTO_PUSH_MAX; i++)
        id(c[i].change_id);
    p.n = PROTO_PUSH_MAX;
    s = proto_push_encode(&p);
    proto_push ok;
    proto_err e;
    assert_int_equal(proto_push_decode(s, strlen(s), &ok, &e), 0);
    proto_push_clear(&ok);
    free(s);
    memcpy(c[900].change_id, c[7].change_id, sizeof c[0].change_id);
    memcpy(c[500].change_id, c[3].change_id, sizeof c[0].change_id);
    memcpy(c[700].change_id, c[3].change_id, sizeof c[0].change_id);
    s = proto_push_encode(&p);
    refused(s, PROTO_E_VALUE, "changes[500] repeats the change_id of changes[3].");
    free(s);
    proto_changes_clear(c, PROTO_PUSH_MAX + 1);
    free(c);
}

/* A push's records may take PROTO_PUSH_RECORDS_MAX of memory once read,
 * whatever their number: as many of the largest parts as fit are taken,
 * and one more is refused as too large, naming the change that passed it,
 * so that the tablet splits the push. */
static void test_push_records_budget(void **state)
{
    (void)state;
    int fit = (int)(PROTO_PUSH_RECORDS_MAX / model_record_size(MODEL_ENT_FEEDBACK));
    assert_true(fit < PROTO_PUSH_MAX); /* the budget, not the count, decides */
    proto_change *c = calloc((size_t)fit + 1, sizeof *c);
    model_record *fb = calloc(1, sizeof *fb);
    assert_non_null(c);
    assert_non_null(fb);
    fb->entity = MODEL_ENT_FEEDBACK;
    id(fb->u.feedback.observation_id);
    id(fb->u.feedback.author_id);
    snprintf(fb->u.feedback.works, sizeof fb->u.feedback.works, "Works");
    fb->u.feedback.given_at = 9;
    for (int i = 0; i <= fit; i++) {
        id(fb->u.feedback.observation_id);
        assert_int_equal(proto_change_set(&c[i], fb), 0);
        id(c[i].change_id);
        id(c[i].actor_id);
    }
    proto_push p = {PROTO_SCHEMA, fit, c};
    char *s = proto_push_encode(&p);
    proto_push ok;
    proto_err e;
    assert_int_equal(proto_push_decode(s, strlen(s), &ok, &e), 0);
    assert_int_equal(ok.n, fit);
    proto_push_clear(&ok);
    free(s);
    p.n = fit + 1;
    s = proto_push_encode(&p);
    char want[64];
    snprintf(want, sizeof want, "up to changes[%d] take more than", fit);
    refused(s, PROTO_E_TOO_LARGE, want);
    free(s);
    proto_changes_clear(c, fit + 1);
    free(c);
    free(fb);
}

/* The body is what a compact dump of the change objects writes, keys in
 * the order change_id, actor_id, base_version, entity, data; a change with
 * the text of its record sends that text as it is, the same bytes as its
 * record written; and an identifier that JSON must escape (only a test
 * makes one) is escaped, so the body still reads. */
static void test_push_body_bytes(void **state)
{
    (void)state;
    model_record obs;
    make_obs(&obs);
    proto_change c[2];
    memset(c, 0, sizeof c);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(proto_change_set(&c[i], &obs), 0);
        snprintf(c[i].change_id, sizeof c[i].change_id, "0000000%d-0000-4000-8000-000000000000", i);
        snprintf(c[i].actor_id, sizeof c[i].actor_id, "11111111-1111-4111-8111-111111111111");
        c[i].base_version = 3 * i;
    }
    char *data = model_record_text(&obs, NULL);
    assert_non_null(data);
    proto_push p = {PROTO_SCHEMA, 2, c};
    char *plain = proto_push_encode(&p);
    assert_non_null(plain);
    char want[8192];
    snprintf(want, sizeof want,
             "{\"schema\":%d,\"changes\":[{\"change_id\":\"00000000-0000-4000-8000-000000000000\","
             "\"actor_id\":\"11111111-1111-4111-8111-111111111111\",\"base_version\":0,"
             "\"entity\":\"observation\",\"data\":%s},{\"change_id\":"
             "\"00000001-0000-4000-8000-000000000000\",\"actor_id\":"
             "\"11111111-1111-4111-8111-111111111111\",\"base_version\":3,"
             "\"entity\":\"observation\",\"data\":%s}]}",
             PROTO_SCHEMA, data, data);
    assert_string_equal(plain, want);
    /* The same as the objects dumped compactly, as the body was made before. */
    json_t *arr = json_array();
    for (int i = 0; i < 2; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:i,s:s,s:o}", "change_id", c[i].change_id,
                                             "actor_id", c[i].actor_id, "base_version",
                                             c[i].base_version, "entity", "observation", "data",
                                             json_loads(data, 0, NULL)));
    json_t *whole = json_pack("{s:i,s:o}", "schema", PROTO_SCHEMA, "changes", arr);
    char *dumped = json_dumps(whole, JSON_COMPACT);
    assert_string_equal(plain, dumped);
    free(dumped);
    json_decref(whole);
    /* The record's text given: the same bytes, and a text is sent as is. */
    c[0].text = c[1].text = data;
    char *given = proto_push_encode(&p);
    assert_string_equal(given, plain);
    free(given);
    c[1].text = "{\"id\":\"as given\"}";
    given = proto_push_encode(&p);
    assert_non_null(strstr(given, "\"data\":{\"id\":\"as given\"}}]}"));
    free(given);
    /* An id with a quote and a control character is escaped. */
    c[1].text = NULL;
    snprintf(c[1].actor_id, sizeof c[1].actor_id, "a\"b\\c\x01");
    char *odd = proto_push_encode(&p);
    json_error_t je;
    json_t *j = json_loads(odd, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "changes"), 1), "actor_id")),
                        "a\"b\\c\x01");
    json_decref(j);
    free(odd);
    free(plain);
    free(data);
    proto_changes_clear(c, 2);
}

static void test_replies_round_trip(void **state)
{
    (void)state;
    proto_result res[2];
    memset(res, 0, sizeof res);
    id(res[0].change_id);
    res[0].status = PROTO_ST_DUPLICATE;
    res[0].version = 4;
    id(res[1].change_id);
    res[1].status = PROTO_ST_REJECTED;
    res[1].code = PROTO_E_FORBIDDEN;
    snprintf(res[1].message, sizeof res[1].message, "Only the observee may write the reflection.");
    proto_push_reply r = {PROTO_SCHEMA, 2, res}, back;
    char *s = proto_push_reply_encode(&r);
    assert_int_equal(proto_push_reply_decode(s, strlen(s), &back, NULL), 0);
    assert_int_equal(back.n, 2);
    assert_int_equal(back.results[0].status, PROTO_ST_DUPLICATE);
    assert_int_equal(back.results[0].version, 4);
    assert_int_equal(back.results[1].code, PROTO_E_FORBIDDEN);
    assert_string_equal(back.results[1].message, res[1].message);
    proto_push_reply_clear(&back);
    free(s);

    proto_pull pl = {PROTO_SCHEMA, 42, 10, ""}, pb;
    s = proto_pull_encode(&pl);
    assert_int_equal(proto_pull_decode(s, strlen(s), &pb, NULL), 0);
    assert_int_equal(pb.cursor, 42);
    assert_int_equal(pb.limit, 10);
    free(s);
    pl.limit = PROTO_PULL_MAX + 1;
    s = proto_pull_encode(&pl);
    proto_err e;
    assert_int_equal(proto_pull_decode(s, strlen(s), &pb, &e), -1);
    assert_int_equal(e.code, PROTO_E_VALUE);
    free(s);

    model_record obs;
    make_obs(&obs);
    json_t *reply = proto_pull_reply_begin(0, 99, 1);
    json_t *rec = model_record_to_json(&obs, NULL);
    assert_int_equal(proto_pull_reply_add(reply, MODEL_ENT_OBSERVATION, 98, 3, rec), 0);
    json_decref(rec);
    s = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    proto_pull_reply pr;
    assert_int_equal(proto_pull_reply_decode(s, strlen(s), &pr, NULL), 0);
    assert_int_equal(pr.cursor, 99);
    assert_true(pr.more);
    assert_int_equal(pr.n, 1);
    assert_int_equal(pr.items[0].seq, 98);
    assert_int_equal(pr.items[0].version, 3);
    assert_string_equal(pr.items[0].rec->u.obs.id, obs.u.obs.id);
    proto_pull_reply_clear(&pr);
    free(s);
}

static void test_enrol_ping_and_errors(void **state)
{
    (void)state;
    proto_enrol en = {PROTO_SCHEMA, "ABCDE-FGHJK", "Tablet"}, eb;
    char *s = proto_enrol_encode(&en);
    assert_int_equal(proto_enrol_decode(s, strlen(s), &eb, NULL), 0);
    assert_string_equal(eb.code, "ABCDE-FGHJK");
    free(s);
    snprintf(en.code, sizeof en.code, "AB CD");
    s = proto_enrol_encode(&en);
    proto_err e;
    assert_int_equal(proto_enrol_decode(s, strlen(s), &eb, &e), -1);
    assert_int_equal(e.code, PROTO_E_VALUE);
    free(s);

    s = proto_ping_reply_encode("n0nce");
    assert_int_equal(proto_ping_reply_check(s, strlen(s), "n0nce", NULL), 0);
    assert_int_equal(proto_ping_reply_check(s, strlen(s), "other", &e), -1);
    free(s);
    const char *portal = "<html>Log in to continue</html>";
    assert_int_equal(proto_ping_reply_check(portal, strlen(portal), "n0nce", &e), -1);

    s = proto_error_encode(PROTO_E_REVOKED, "This tablet was revoked.");
    proto_error_decode(s, strlen(s), &e);
    assert_int_equal(e.code, PROTO_E_REVOKED);
    assert_string_equal(e.msg, "This tablet was revoked.");
    assert_int_equal(proto_code_http(PROTO_E_REVOKED), 401);
    free(s);
    proto_error_decode("<html>", 6, &e);
    assert_int_equal(e.code, PROTO_E_INTERNAL);
    for (int c = 0; c < PROTO_CODE_COUNT; c++)
        assert_int_equal(proto_code_parse(proto_code_name((proto_code)c)), c);
}

static void test_schema_check_accepts_current_and_previous(void **state)
{
    (void)state;
    proto_err e;
    assert_int_equal(proto_schema_check(1, 1, NULL), 0);
    assert_int_equal(proto_schema_check(0, 1, &e), -1);
    assert_int_equal(e.code, PROTO_E_UPDATE_REQUIRED);
    /* Once version 2 is current, version 1 tablets keep working; 0 must update. */
    assert_int_equal(proto_schema_check(2, 2, NULL), 0);
    assert_int_equal(proto_schema_check(1, 2, NULL), 0);
    assert_int_equal(proto_schema_check(0, 2, &e), -1);
    assert_int_equal(e.code, PROTO_E_UPDATE_REQUIRED);
    assert_int_equal(proto_schema_check(3, 2, &e), -1);
    assert_int_equal(e.code, PROTO_E_SCHEMA_TOO_NEW);
    /* This build (version 3) still takes version 1, whose tablets are in
     * use. */
    assert_int_equal(PROTO_SCHEMA, 3);
    for (int v = 1; v <= 3; v++)
        assert_int_equal(proto_schema_check(v, PROTO_SCHEMA, NULL), 0);
    assert_int_equal(proto_schema_check(0, PROTO_SCHEMA, &e), -1);
    assert_int_equal(e.code, PROTO_E_UPDATE_REQUIRED);
    assert_int_equal(proto_schema_check(4, PROTO_SCHEMA, &e), -1);
    assert_int_equal(e.code, PROTO_E_SCHEMA_TOO_NEW);
}

static void test_gzip_round_trip_and_bomb(void **state)
{
    (void)state;
    const char *text = "{\"schema\":1,\"changes\":[]}";
    char *z, *back;
    size_t zl, bl;
    /* Both levels make a stream the other side reads back; the fast one
     * for a tablet's bodies, the small one for the server's answers. */
    assert_int_equal(proto_gzip(text, strlen(text), PROTO_GZIP_FAST, &z, &zl), 0);
    assert_int_equal(proto_gunzip(z, zl, 1000, &back, &bl, NULL), 0);
    assert_string_equal(back, text);
    free(back);
    free(z);
    assert_int_equal(proto_gzip(text, strlen(text), PROTO_GZIP_SMALL, &z, &zl), 0);
    assert_int_equal(proto_gunzip(z, zl, 1000, &back, &bl, NULL), 0);
    assert_int_equal(bl, strlen(text));
    assert_string_equal(back, text);
    free(back);
    proto_err e;
    /* Over the cap, even by one byte. */
    assert_int_equal(proto_gunzip(z, zl, strlen(text) - 1, &back, &bl, &e), -1);
    assert_int_equal(e.code, PROTO_E_TOO_LARGE);
    assert_null(back);
    /* A cut stream, and something that is not gzip. */
    assert_int_equal(proto_gunzip(z, zl / 2, 1000, &back, &bl, &e), -1);
    assert_int_equal(e.code, PROTO_E_ENCODING);
    assert_int_equal(proto_gunzip(text, strlen(text), 1000, &back, &bl, &e), -1);
    assert_int_equal(e.code, PROTO_E_ENCODING);
    free(z);
    /* 64 MiB of zeros stops at the cap. */
    size_t big = 64u << 20;
    char *zeros = calloc(1, big);
    assert_int_equal(proto_gzip(zeros, big, PROTO_GZIP_SMALL, &z, &zl), 0);
    free(zeros);
    assert_true(zl < big / 500);
    assert_int_equal(proto_gunzip(z, zl, PROTO_INFLATED_MAX, &back, &bl, &e), -1);
    assert_int_equal(e.code, PROTO_E_TOO_LARGE);
    free(z);
}

/* A deletion comes down in a pull as entity "deleted", strictly read like
 * any record, and can never be pushed. */
static void test_deleted_pull_item(void **state)
{
    (void)state;
    model_record d;
    memset(&d, 0, sizeof d);
    d.entity = MODEL_ENT_DELETED;
    d.u.deleted.entity = MODEL_ENT_PERSON;
    id(d.u.deleted.id);
    id(d.u.deleted.unit_id);
    d.u.deleted.reason = MODEL_DEL_PERSON;
    d.u.deleted.deleted_at = 1790000000000;
    char key[MODEL_RECORD_KEY_MAX], want[MODEL_RECORD_KEY_MAX];
    model_record_key(&d, key);
    snprintf(want, sizeof want, "person/%s", d.u.deleted.id);
    assert_string_equal(key, want);
    assert_string_equal(model_record_observation(&d), "");
    assert_string_equal(model_entity_name(MODEL_ENT_DELETED), "deleted");
    assert_false(model_entity_is_part(MODEL_ENT_DELETED));

    json_t *reply = proto_pull_reply_begin(0, 42, 0);
    json_t *dj = model_record_to_json(&d, NULL);
    assert_int_equal(proto_pull_reply_add(reply, MODEL_ENT_DELETED, 42, 1, dj), 0);
    json_decref(dj);
    char *s = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    assert_non_null(strstr(s, "\"entity\":\"deleted\""));
    assert_non_null(strstr(s, "\"reason\":\"person_request\""));
    proto_pull_reply r;
    proto_err e;
    assert_int_equal(proto_pull_reply_decode(s, strlen(s), &r, &e), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.items[0].rec->entity, MODEL_ENT_DELETED);
    assert_memory_equal(&r.items[0].rec->u.deleted, &d.u.deleted, sizeof d.u.deleted);
    proto_pull_reply_clear(&r);
    free(s);

    /* Strict: what may be deleted, why, and every field. */
    static const char *const bad[] = {
        "{\"entity\":\"note\",\"id\":\"%s\",\"unit_id\":\"%s\",\"reason\":\"retention\","
        "\"deleted_at\":1}",
        "{\"entity\":\"observation\",\"id\":\"%s\",\"unit_id\":\"%s\",\"reason\":\"whim\","
        "\"deleted_at\":1}",
        "{\"entity\":\"observation\",\"id\":\"%s\",\"unit_id\":\"%s\",\"reason\":\"retention\"}",
        "{\"entity\":\"observation\",\"id\":\"%s\",\"unit_id\":\"%s\",\"reason\":\"retention\","
        "\"deleted_at\":1,\"name\":\"Per\"}",
        "{\"entity\":\"observation\",\"id\":\"%s\",\"unit_id\":\"%s\",\"reason\":\"retention\","
        "\"deleted_at\":-5}",
    };
    static const proto_code why[] = {PROTO_E_VALUE, PROTO_E_VALUE, PROTO_E_MISSING_FIELD,
                                     PROTO_E_UNKNOWN_FIELD, PROTO_E_VALUE};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char rec[400], body[600];
        snprintf(rec, sizeof rec, bad[i], d.u.deleted.id, d.u.deleted.unit_id);
        snprintf(body, sizeof body,
                 "{\"schema\":1,\"cursor\":1,\"more\":false,\"items\":[{\"entity\":\"deleted\","
                 "\"seq\":1,\"version\":1,\"data\":%s}]}",
                 rec);
        assert_int_equal(proto_pull_reply_decode(body, strlen(body), &r, &e), -1);
        assert_int_equal(e.code, why[i]);
    }
    /* A tablet cannot push a deletion. */
    char body[600];
    snprintf(body, sizeof body,
             "{\"schema\":1,\"changes\":[{\"change_id\":\"%s\",\"actor_id\":\"%s\","
             "\"base_version\":0,\"entity\":\"deleted\",\"data\":{}}]}",
             d.u.deleted.id, d.u.deleted.unit_id);
    proto_push p;
    assert_int_equal(proto_push_decode(body, strlen(body), &p, &e), -1);
    assert_int_equal(e.code, PROTO_E_VALUE);
    /* The rate-limit code is a typed 429. */
    assert_int_equal(proto_code_http(PROTO_E_RATE_LIMITED), 429);
    assert_string_equal(proto_code_name(PROTO_E_RATE_LIMITED), "rate_limited");
}

/* Every message is clean text that the error encoder can send: a parser
 * error quoting broken input once carried a cut UTF-8 sequence, and the
 * server then had no answer to give (found by fuzzing). */
static void test_messages_are_always_clean_text(void **state)
{
    (void)state;
    const char body[] = "{\"schema\":1,\"changes\":[{\"text\":\"Ventep\\\xc3\xa5 svar\"}]}";
    proto_push p;
    proto_err e;
    assert_int_equal(proto_push_decode(body, strlen(body), &p, &e), -1);
    assert_int_equal(e.code, PROTO_E_JSON);
    char why[200];
    assert_int_equal(model_text_check(e.msg, PROTO_MESSAGE_MAX, 0, "msg", why, sizeof why), 0);
    char *s = proto_error_encode(e.code, e.msg);
    assert_non_null(s);
    proto_err back;
    proto_error_decode(s, strlen(s), &back);
    assert_int_equal(back.code, PROTO_E_JSON);
    free(s);
    /* Any message the server hands over goes out, cleaned. */
    s = proto_error_encode(PROTO_E_VALUE, "cut \xc3 and a \x01 control");
    assert_non_null(s);
    proto_error_decode(s, strlen(s), &back);
    assert_string_equal(back.msg, "cut ? and a ? control");
    free(s);
    /* A message cut to fit does not end in half a character. */
    char longtext[600] = "";
    for (int i = 0; i < 290; i++)
        strcat(longtext, "\xc3\xa5");
    model_err_set(&e, PROTO_E_VALUE, "x%s", longtext);
    assert_int_equal(model_text_check(e.msg, PROTO_MESSAGE_MAX, 0, "msg", why, sizeof why), 0);
    /* A rejection's message in a push reply, too. */
    proto_result r = {"", PROTO_ST_REJECTED, 0, PROTO_E_FORBIDDEN, "bad \xff byte"};
    assert_int_equal(model_id_new(SYS, r.change_id), 0);
    proto_push_reply rep = {PROTO_SCHEMA, 1, &r};
    s = proto_push_reply_encode(&rep);
    assert_non_null(s);
    proto_push_reply rb;
    assert_int_equal(proto_push_reply_decode(s, strlen(s), &rb, &e), 0);
    assert_string_equal(rb.results[0].message, "bad ? byte");
    proto_push_reply_clear(&rb);
    free(s);
}

int main(void)
{
    SYS = plat_fake_new(1790000000000, 42);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_record_round_trips),
        cmocka_unit_test(test_push_round_trip_and_canonical_form),
        cmocka_unit_test(test_strict_refusals),
        cmocka_unit_test(test_push_limits_and_repeated_ids),
        cmocka_unit_test(test_push_records_budget),
        cmocka_unit_test(test_push_body_bytes),
        cmocka_unit_test(test_replies_round_trip),
        cmocka_unit_test(test_enrol_ping_and_errors),
        cmocka_unit_test(test_schema_check_accepts_current_and_previous),
        cmocka_unit_test(test_schema1_has_no_plans),
        cmocka_unit_test(test_schema3_has_team_observations),
        cmocka_unit_test(test_gzip_round_trip_and_bomb),
        cmocka_unit_test(test_deleted_pull_item),
        cmocka_unit_test(test_messages_are_always_clean_text),
    };
    int rc = cmocka_run_group_tests_name("proto", tests, NULL, NULL);
    plat_fake_free(SYS);
    return rc;
}
