/*
 * Planned observations in the record codec: a plan and an observee's
 * agreement written and read back to the same text, every rule of a plan
 * refused by name (a day or a Monday-to-Sunday week, a person or a team,
 * no agreement for a team, done with its observation), an observation's
 * plan_id written only when set so that an unplanned observation keeps its
 * old text byte for byte, an observation about a team (its team named in
 * place of an observee, never both, never neither), and the calendar
 * arithmetic behind the weeks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model_json.h"

#define ID1 "00000001-0000-4000-8000-000000000001"
#define ID2 "00000002-0000-4000-8000-000000000002"
#define ID3 "00000003-0000-4000-8000-000000000003"
#define ID4 "00000004-0000-4000-8000-000000000004"
#define ID5 "00000005-0000-4000-8000-000000000005"
#define ID6 "00000006-0000-4000-8000-000000000006"

static void make_plan(model_record *r)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_PLAN;
    model_plan *p = &r->u.plan;
    strcpy(p->id, ID1);
    strcpy(p->unit_id, ID2);
    strcpy(p->focus_id, ID3);
    strcpy(p->observer_id, ID4);
    strcpy(p->observee_id, ID5);
    strcpy(p->room_id, ID6);
    strcpy(p->day_from, "2026-11-30"); /* a Monday */
    strcpy(p->day_to, "2026-12-06");   /* its Sunday */
    strcpy(p->terms, "Kun samlingen.\nIngen noter om børnene.");
    p->status = MODEL_PLAN_PLANNED;
    p->updated_at = 1790000000000;
}

#define PLAN_TEXT                                                                                  \
    "{\"id\":\"" ID1 "\",\"unit_id\":\"" ID2 "\",\"focus_id\":\"" ID3 "\",\"observer_id\":\"" ID4  \
    "\",\"observee_id\":\"" ID5 "\",\"team\":\"\",\"room_id\":\"" ID6 "\","                        \
    "\"day_from\":\"2026-11-30\",\"day_to\":\"2026-12-06\","                                       \
    "\"terms\":\"Kun samlingen.\\nIngen noter om børnene.\",\"status\":\"planned\","              \
    "\"agreed_at\":0,\"observation_id\":\"\",\"updated_at\":1790000000000}"

/* Writes r, reads it back, and checks the text is the same both ways. */
static char *round_trip(const model_record *r)
{
    char *s = model_record_text(r, NULL);
    assert_non_null(s);
    model_record *back = malloc(sizeof *back);
    assert_non_null(back);
    model_err e = {0, ""};
    if (model_record_parse(r->entity, s, back, &e) != 0)
        fail_msg("%s: %s", s, e.msg);
    char *again = model_record_text(back, NULL);
    assert_string_equal(again, s);
    free(again);
    free(back);
    return s;
}

static void test_plan_round_trip(void **state)
{
    (void)state;
    model_record *r = malloc(sizeof *r);
    assert_non_null(r);
    make_plan(r);
    char *s = round_trip(r);
    assert_string_equal(s, PLAN_TEXT);
    free(s);
    char key[MODEL_RECORD_KEY_MAX];
    model_record_key(r, key);
    assert_string_equal(key, ID1);
    assert_string_equal(model_record_observation(r), "");
    assert_string_equal(model_entity_name(MODEL_ENT_PLAN), "plan");
    model_entity k;
    assert_int_equal(model_entity_parse("plan_agreement", &k), 0);
    assert_int_equal(k, MODEL_ENT_PLAN_AGREEMENT);
    assert_false(model_entity_is_part(MODEL_ENT_PLAN));
    assert_false(model_entity_is_pushable(MODEL_ENT_PLAN));
    assert_true(model_entity_is_pushable(MODEL_ENT_PLAN_AGREEMENT));
    assert_true(model_entity_is_pushable(MODEL_ENT_OBSERVATION));
    assert_false(model_entity_is_pushable(MODEL_ENT_PERSON));

    /* A day, agreed; then done; then a team's week, cancelled. */
    strcpy(r->u.plan.day_from, "2026-12-02");
    strcpy(r->u.plan.day_to, "2026-12-02");
    r->u.plan.agreed_at = 1790000001000;
    free(round_trip(r));
    r->u.plan.status = MODEL_PLAN_DONE;
    strcpy(r->u.plan.observation_id, ID6);
    s = round_trip(r);
    assert_non_null(strstr(s, "\"status\":\"done\""));
    free(s);
    make_plan(r);
    strcpy(r->u.plan.observee_id, "");
    strcpy(r->u.plan.team, "Stue Blå, formiddag");
    strcpy(r->u.plan.room_id, "");
    strcpy(r->u.plan.terms, "");
    r->u.plan.status = MODEL_PLAN_CANCELLED;
    s = round_trip(r);
    assert_non_null(strstr(s, "\"team\":\"Stue Blå, formiddag\""));
    assert_non_null(strstr(s, "\"status\":\"cancelled\""));
    free(s);
    free(r);
}

/* Each broken rule, made by replacing one member of the good text, is
 * refused with a message naming what is wrong; and the same plan built as
 * a struct is not written either. */
static void test_plan_rules_are_refused_by_name(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *word;
    } bad[] = {
        {"\"day_to\":\"2026-12-06\"", "\"day_to\":\"2026-12-05\"", "week"},
        {"\"day_from\":\"2026-11-30\",\"day_to\":\"2026-12-06\"",
         "\"day_from\":\"2026-12-01\",\"day_to\":\"2026-12-07\"", "Monday"},
        {"\"day_from\":\"2026-11-30\"", "\"day_from\":\"2026-11-31\"", "first day"},
        {"\"day_to\":\"2026-12-06\"", "\"day_to\":\"\"", "day_to"},
        {"\"observee_id\":\"" ID5 "\"", "\"observee_id\":\"" ID4 "\"", "differ"},
        {"\"observee_id\":\"" ID5 "\"", "\"observee_id\":\"\"", "team"},
        {"\"team\":\"\"", "\"team\":\"Blå\"", "team"},
        {"\"status\":\"planned\"", "\"status\":\"started\"", "status"},
        {"\"status\":\"planned\"", "\"status\":\"done\"", "observation"},
        {"\"observation_id\":\"\"", "\"observation_id\":\"" ID6 "\"", "observation"},
        {"\"observation_id\":\"\"", "\"observation_id\":\"x\"", "observation_id"},
        {"\"agreed_at\":0", "\"agreed_at\":-1", "agreed_at"},
        {"\"room_id\":\"" ID6 "\"", "\"room_id\":7", "room_id"},
        {"\"terms\":\"Kun", "\"terms\":\"\\u0007Kun", "terms"},
        {"\"updated_at\":1790000000000}", "\"updated_at\":1790000000000,\"extra\":1}", "extra"},
        {",\"updated_at\":1790000000000}", "}", "updated_at"},
    };
    model_record *back = malloc(sizeof *back);
    assert_non_null(back);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[2048];
        const char *at = strstr(PLAN_TEXT, bad[i].from);
        assert_non_null(at);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - PLAN_TEXT), PLAN_TEXT, bad[i].to,
                 at + strlen(bad[i].from));
        model_err e = {0, ""};
        if (model_record_parse(MODEL_ENT_PLAN, text, back, &e) == 0)
            fail_msg("accepted %s", bad[i].to);
        if (!strstr(e.msg, bad[i].word))
            fail_msg("%s: \"%s\" does not say %s", bad[i].to, e.msg, bad[i].word);
    }
    /* A team plan cannot carry an agreement, built or read. */
    model_record *r = malloc(sizeof *r);
    assert_non_null(r);
    make_plan(r);
    strcpy(r->u.plan.observee_id, "");
    strcpy(r->u.plan.team, "Alle");
    r->u.plan.agreed_at = 1790000001000;
    model_err e = {0, ""};
    assert_null(model_record_text(r, &e));
    assert_int_equal(e.code, MODEL_E_VALUE);
    assert_non_null(strstr(e.msg, "team"));
    /* Terms over 1,000 bytes are refused, at 1,000 taken. */
    make_plan(r);
    memset(r->u.plan.terms, 'a', MODEL_TERMS_MAX);
    r->u.plan.terms[MODEL_TERMS_MAX] = '\0';
    free(round_trip(r));
    char *big = malloc(4096);
    assert_non_null(big);
    const char *at = strstr(PLAN_TEXT, "Kun samlingen.");
    snprintf(big, 4096, "%.*s%0*d%s", (int)(at - PLAN_TEXT), PLAN_TEXT, MODEL_TERMS_MAX + 1, 0,
             at + strlen("Kun samlingen.\\nIngen noter om børnene."));
    assert_int_not_equal(model_record_parse(MODEL_ENT_PLAN, big, back, &e), 0);
    assert_non_null(strstr(e.msg, "terms"));
    free(big);
    free(r);
    free(back);
}

static void test_agreement_round_trip_and_rules(void **state)
{
    (void)state;
    model_record *r = calloc(1, sizeof *r), *back = malloc(sizeof *back);
    assert_non_null(r);
    assert_non_null(back);
    r->entity = MODEL_ENT_PLAN_AGREEMENT;
    strcpy(r->u.agreement.plan_id, ID1);
    strcpy(r->u.agreement.person_id, ID5);
    r->u.agreement.agreed_at = 1790000002000;
    char *s = round_trip(r);
    assert_string_equal(s, "{\"plan_id\":\"" ID1 "\",\"person_id\":\"" ID5
                           "\",\"agreed_at\":1790000002000}");
    free(s);
    char key[MODEL_RECORD_KEY_MAX];
    model_record_key(r, key);
    assert_string_equal(key, ID1);
    static const char *const bad[] = {
        "{\"plan_id\":\"" ID1 "\",\"person_id\":\"" ID5 "\",\"agreed_at\":0}",
        "{\"plan_id\":\"\",\"person_id\":\"" ID5 "\",\"agreed_at\":1}",
        "{\"plan_id\":\"" ID1 "\",\"agreed_at\":1}",
        "{\"plan_id\":\"" ID1 "\",\"person_id\":\"" ID5 "\",\"agreed_at\":1,\"x\":1}",
    };
    static const char *const words[] = {"agreed_at", "plan_id", "person_id", "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        model_err e = {0, ""};
        if (model_record_parse(MODEL_ENT_PLAN_AGREEMENT, bad[i], back, &e) == 0)
            fail_msg("accepted %s", bad[i]);
        if (!strstr(e.msg, words[i]))
            fail_msg("%s: %s", bad[i], e.msg);
    }
    r->u.agreement.agreed_at = 0;
    model_err e = {0, ""};
    assert_null(model_record_text(r, &e));
    assert_non_null(strstr(e.msg, "agreed_at"));
    free(back);
    free(r);
}

/* The text of an observation not planned, as before plans existed. */
#define UNPLANNED_TEXT                                                                             \
    "{\"id\":\"" ID1 "\",\"unit_id\":\"" ID2 "\",\"focus_id\":\"" ID3 "\",\"focus_version\":1,"    \
    "\"template_id\":\"" ID3 "\",\"template_version\":1,\"observer_id\":\"" ID4 "\","              \
    "\"observee_id\":\"" ID5 "\",\"room_id\":\"\",\"activity\":\"\",\"context\":{},"               \
    "\"agreement\":true,\"started_at\":1790000000000,\"ended_at\":0,\"status\":\"draft\","         \
    "\"revision\":1,\"updated_at\":1790000000000}"

/* A draft observation (ID1) by ID4 in unit ID2 on focus and template ID3,
 * version 1, about no one yet; r is zeroed. */
static model_observation *draft_obs(model_record *r)
{
    r->entity = MODEL_ENT_OBSERVATION;
    model_observation *o = &r->u.obs;
    strcpy(o->id, ID1);
    strcpy(o->unit_id, ID2);
    strcpy(o->focus_id, ID3);
    strcpy(o->template_id, ID3);
    strcpy(o->observer_id, ID4);
    o->focus_version = o->template_version = o->revision = 1;
    o->started_at = o->updated_at = 1790000000000;
    return o;
}

static void test_observation_plan_id_only_when_set(void **state)
{
    (void)state;
    model_record *r = calloc(1, sizeof *r), *back = malloc(sizeof *back);
    assert_non_null(r);
    assert_non_null(back);
    model_observation *o = draft_obs(r);
    strcpy(o->observee_id, ID5);
    o->agreement = 1;
    char *s = model_record_text(r, NULL);
    assert_string_equal(s, UNPLANNED_TEXT);
    assert_int_equal(model_record_parse(MODEL_ENT_OBSERVATION, s, back, NULL), 0);
    assert_string_equal(back->u.obs.plan_id, "");
    free(s);

    strcpy(o->plan_id, ID6);
    strcpy(o->pair_code, "K7MX3R");
    s = round_trip(r);
    assert_non_null(strstr(s, ",\"pair_code\":\"K7MX3R\",\"plan_id\":\"" ID6 "\"}"));
    free(s);

    static const char *const bad[] = {"\"\"", "\"x\"", "7", "null",
                                      "\"00000006-0000-4000-8000-00000000000G\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%.*s,\"plan_id\":%s}", (int)strlen(UNPLANNED_TEXT) - 1,
                 UNPLANNED_TEXT, bad[i]);
        model_err e = {0, ""};
        if (model_record_parse(MODEL_ENT_OBSERVATION, text, back, &e) == 0)
            fail_msg("accepted %s", bad[i]);
        if (!strstr(e.msg, "plan_id"))
            fail_msg("%s: %s", bad[i], e.msg);
    }
    strcpy(o->plan_id, "not-an-id");
    model_err e = {0, ""};
    assert_null(model_record_text(r, &e));
    assert_non_null(strstr(e.msg, "plan_id"));
    free(back);
    free(r);
}

/* An observation about a team names the team instead of an observee: the
 * member "team" is there only then, and exactly one of the two is given. */
static void test_observation_about_a_team(void **state)
{
    (void)state;
    model_record *r = calloc(1, sizeof *r), *back = malloc(sizeof *back);
    assert_non_null(r);
    assert_non_null(back);
    model_observation *o = draft_obs(r);
    strcpy(o->team, "Morgenholdet");
    strcpy(o->plan_id, ID6);
    o->agreement = 1;
    char *s = round_trip(r);
    assert_non_null(strstr(s, "\"observee_id\":\"\""));
    assert_non_null(strstr(s, ",\"plan_id\":\"" ID6 "\",\"team\":\"Morgenholdet\"}"));
    assert_int_equal(model_record_parse(MODEL_ENT_OBSERVATION, s, back, NULL), 0);
    assert_string_equal(back->u.obs.team, "Morgenholdet");
    assert_string_equal(back->u.obs.observee_id, "");
    free(s);

    /* Refused by the reader: neither, both, an empty or blank team, one
     * that is not a text. */
    static const char *const bad[] = {
        "\"observee_id\":\"\"",
        "\"observee_id\":\"" ID5 "\",\"team\":\"Morgenholdet\"",
        "\"observee_id\":\"\",\"team\":\"\"",
        "\"observee_id\":\"\",\"team\":\"   \"",
        "\"observee_id\":\"\",\"team\":7",
    };
    static const char *const says[] = {"team", "team", "team", "team", "team"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024];
        const char *at = strstr(UNPLANNED_TEXT, "\"observee_id\"");
        const char *after = strstr(at, ",\"room_id\"");
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - UNPLANNED_TEXT), UNPLANNED_TEXT, bad[i],
                 after);
        model_err e = {0, ""};
        if (model_record_parse(MODEL_ENT_OBSERVATION, text, back, &e) == 0)
            fail_msg("accepted %s", text);
        if (!strstr(e.msg, says[i]))
            fail_msg("%s: %s", bad[i], e.msg);
    }
    /* And by the writer. */
    model_err e = {0, ""};
    strcpy(o->observee_id, ID5);
    assert_null(model_record_text(r, &e));
    assert_non_null(strstr(e.msg, "team"));
    o->observee_id[0] = o->team[0] = '\0';
    assert_null(model_record_text(r, &e));
    assert_non_null(strstr(e.msg, "team"));
    free(back);
    free(r);
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(model_date_weekday("2026-11-30"), 0); /* Monday */
    assert_int_equal(model_date_weekday("2026-12-06"), 6); /* Sunday */
    assert_int_equal(model_date_weekday("2000-01-01"), 5); /* Saturday */
    assert_int_equal(model_date_weekday("2024-02-29"), 3); /* Thursday */
    assert_int_equal(model_date_weekday("2026-02-29"), -1);
    assert_int_equal(model_date_weekday("x"), -1);
    char d[MODEL_DATE_LEN + 1];
    assert_int_equal(model_date_add("2026-12-28", 6, d), 0);
    assert_string_equal(d, "2027-01-03");
    assert_int_equal(model_date_add("2024-03-01", -1, d), 0);
    assert_string_equal(d, "2024-02-29");
    assert_int_equal(model_date_add("2100-02-28", 1, d), 0);
    assert_string_equal(d, "2100-03-01");
    assert_int_equal(model_date_add("2000-01-01", -1, d), -1);
    assert_string_equal(d, "");
    assert_int_equal(model_date_add("2026-13-01", 1, d), -1);
    /* Every day for 30 years: adding one moves the weekday by one. */
    char a[MODEL_DATE_LEN + 1] = "2000-01-01";
    for (int i = 0; i < 365 * 30; i++) {
        assert_int_equal(model_date_add(a, 1, d), 0);
        assert_int_equal(model_date_weekday(d), (model_date_weekday(a) + 1) % 7);
        memcpy(a, d, sizeof a);
    }
    assert_string_equal(a, "2029-12-24");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_round_trip),
        cmocka_unit_test(test_plan_rules_are_refused_by_name),
        cmocka_unit_test(test_agreement_round_trip_and_rules),
        cmocka_unit_test(test_observation_plan_id_only_when_set),
        cmocka_unit_test(test_observation_about_a_team),
        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
