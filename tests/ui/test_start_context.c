/*
 * The start screen offers every kind of context field a template can
 * define, each with its label from the template: a number with - and +, a
 * short text typed in a field, and a choice among the template's words.
 * What is given is stored with the observation as the template says
 * (texts with quotes intact), and a choice not made or a text left empty
 * is not stored at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th_steps.h"

#define TMPL_ID "5c0e7a10-0000-4000-8000-000000000001"
#define FOCUS_ID "5c0e7a10-0000-4000-8000-000000000002"

/* A template with all three kinds, and a focus on it, in the demo unit. */
static void add_focus(db *d)
{
    static const char tmpl[] =
        "{\"id\":\"" TMPL_ID "\",\"unit_id\":\"" DEMO_UNIT_ID "\",\"version\":1,"
        "\"name\":\"Udeliv\",\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],"
        "\"counters\":[{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"}],"
        "\"context\":[{\"key\":\"children\",\"label\":\"Antal børn\",\"type\":\"int\",\"min\":0,"
        "\"max\":60},{\"key\":\"situation\",\"label\":\"Situation\",\"type\":\"text\"},"
        "{\"key\":\"place\",\"label\":\"Hvor\",\"type\":\"choice\","
        "\"options\":[\"Indenfor\",\"Udenfor\",\"På tur\"]}],"
        "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}";
    assert_int_equal(db_template_put_json(d, tmpl, strlen(tmpl)), DB_OK);
    model_focus f = {.version = 1, .pillar = MODEL_PILLAR_LEARNING, .n_signs = 1};
    snprintf(f.id, sizeof f.id, "%s", FOCUS_ID);
    snprintf(f.unit_id, sizeof f.unit_id, "%s", DEMO_UNIT_ID);
    snprintf(f.question, sizeof f.question, "%s", "Hvordan bruger vi legepladsen?");
    snprintf(f.template_id, sizeof f.template_id, "%s", TMPL_ID);
    snprintf(f.period_from, sizeof f.period_from, "%s", "2026-08-01");
    snprintf(f.period_to, sizeof f.period_to, "%s", "2027-07-31");
    snprintf(f.signs[0].id, sizeof f.signs[0].id, "%s", "5c0e7a10-0000-4000-8000-000000000003");
    snprintf(f.signs[0].text, sizeof f.signs[0].text, "%s", "Børnene leger sammen");
    assert_int_equal(db_focus_put(d, &f), DB_OK);
}

/* Chooses the focus, whom, where and what, up to the context. */
static void start_on_focus(th *t)
{
    TAP(t, "Start ny observation");
    REVEAL(t, "Hvordan bruger vi legepladsen?", 600, 500);
    TAP(t, "Hvordan bruger vi legepladsen?");
    REVEAL(t, "Jonas Bækgaard", 600, 500);
    TAP(t, "Jonas Bækgaard");
    REVEAL(t, "Sommerfuglestuen", 600, 500);
    TAP(t, "Sommerfuglestuen");
    REVEAL(t, "Måltid", 600, 500);
    TAP(t, "Måltid");
}

static void agree_and_start(th *t)
{
    REVEAL(t, "Aftalen med den observerede er lavet", 600, 500);
    TAP(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
}

static void test_every_kind_is_offered(void **state)
{
    (void)state;
    th *t = th_open("start-ctx", 1280, 800, "da");
    add_focus(t->db);
    th_sign_in(t, "Mette Østergaard");
    start_on_focus(t);
    /* Each field with its label from the template. */
    REVEAL(t, "Antal børn", 600, 500);
    SEES(t, "Antal børn");
    REVEAL(t, "Situation", 600, 500);
    SEES(t, "Situation");
    REVEAL(t, "Udenfor", 600, 500);
    SEES(t, "Hvor");
    SEES(t, "Indenfor");
    SEES(t, "På tur");
    TARGETS_OK(t);
    /* A number, a text with quotes, and a choice. */
    REVEAL(t, "+", 600, 500);
    TAP(t, "+");
    TAP(t, "+");
    int x, y, w, h;
    assert_int_equal(th_find_text(t, "Situation", 0, &x, &y, &w, &h), 0);
    th_tap(t, x + 20, y + h + 40); /* the field under its label */
    th_type(t, "Frokost \"ude\"");
    th_key(t, PLAT_KEY_ENTER);
    REVEAL(t, "Udenfor", 600, 500);
    TAP(t, "Udenfor");
    agree_and_start(t);
    model_observation o;
    assert_int_equal(db_obs_get(t->db, scr_observation(t->app), &o), DB_OK);
    assert_string_equal(
        o.context_json,
        "{\"children\":2,\"situation\":\"Frokost \\\"ude\\\"\",\"place\":\"Udenfor\"}");
    th_free(t);
}

static void test_empty_text_and_no_choice_are_left_out(void **state)
{
    (void)state;
    th *t = th_open("start-ctx-empty", 800, 1280, "da");
    add_focus(t->db);
    th_sign_in(t, "Mette Østergaard");
    start_on_focus(t);
    /* A choice tapped twice is taken back. */
    REVEAL(t, "Indenfor", 400, 700);
    TAP(t, "Indenfor");
    TAP(t, "Indenfor");
    agree_and_start(t);
    model_observation o;
    assert_int_equal(db_obs_get(t->db, scr_observation(t->app), &o), DB_OK);
    assert_string_equal(o.context_json, "{\"children\":0}");
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_is_offered),
        cmocka_unit_test(test_empty_text_and_no_choice_are_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
