/*
 * Planned observations on the tablet, as people use them: Anna signs in
 * and home lists her plans of this week (one she observes, waiting for
 * Jonas's agreement, and one in which Fatima observes her, agreed), not a
 * plan of others nor a cancelled one. She opens hers, reads the terms, and
 * starts it: the start screen comes filled in from the plan (focus,
 * observee, room) with the terms on top, and the observation is linked to
 * the plan, which leaves her list. Jonas signs in, opens the plan about
 * him, reads the terms and agrees: a plan_agreement waits to be sent and
 * home says agreed. A plan the office cancels disappears from home after
 * the next sync round. Choosing another observee drops the link, and an
 * unplanned observation still starts as before. A restart on a plan's
 * screen, or on a start made from a plan, comes back to it with its plan,
 * unless the plan was cancelled meanwhile. A team's plan starts as an
 * observation about the team, with nobody to pick and no agreement to
 * confirm; the observation and its feedback name the team, and choosing a
 * colleague instead makes it about that colleague, to be confirmed.
 * Screenshots go to the folder BLIK_SHOT_DIR names, when it is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_plan.h"
#include "th_png.h"
#include "th_steps.h"

#define ANNA DEMO_ID("23")
#define JONAS DEMO_ID("24")
#define FATIMA DEMO_ID("25")
#define FOCUS DEMO_ID("41")
#define ROOM DEMO_ID("11")
#define PLAN(n) "0b11c000-0000-4000-8000-0000000007" n
/* TH_START_MS is Tuesday 2026-11-24: the week runs from Monday the 23rd. */

static void shot(th *t, const char *name)
{
    const char *dir = getenv("BLIK_SHOT_DIR");
    if (!dir || !*dir)
        return;
    th_render(t);
    int w, h;
    const uint32_t *px = t->video->pixels(t->video, &w, &h);
    assert_non_null(px);
    char path[1400];
    snprintf(path, sizeof path, "%s/%s-%s-%dx%d.png", dir, name, t->lang, w, h);
    assert_int_equal(th_png_write(path, px, w, h), 0);
}

/* A sync engine that has run `rounds` rounds and does nothing else. */
typedef struct {
    scr_sync_state st;
} fake_sync;
static int fs_enrolled(void *ctx) { return ((fake_sync *)ctx)->st.enrolled; }
static void fs_now(void *ctx) { (void)ctx; }
static void fs_status(void *ctx, char *line, size_t cap)
{
    (void)ctx;
    snprintf(line, cap, "%s", "");
}
static void fs_state(void *ctx, scr_sync_state *out) { *out = ((fake_sync *)ctx)->st; }
static int fs_enrol(void *ctx, const scr_enrol_req *req)
{
    (void)ctx;
    (void)req;
    return -1;
}
static scr_enrol_outcome fs_enrol_result(void *ctx, char *detail, size_t cap)
{
    (void)ctx;
    snprintf(detail, cap, "%s", "");
    return SCR_ENROL_FAILED;
}
static int fs_take(void *ctx, db *d, const char *change_id, char *err, size_t cap)
{
    (void)ctx;
    (void)d;
    (void)change_id;
    snprintf(err, cap, "%s", "no");
    return -1;
}

static void put(th *t, const char *id, const char *observer, const char *observee, const char *from,
                const char *to, model_plan_status status, int64_t agreed, int version)
{
    model_plan p;
    memset(&p, 0, sizeof p);
    strcpy(p.id, id);
    strcpy(p.unit_id, DEMO_UNIT_ID);
    strcpy(p.focus_id, FOCUS);
    strcpy(p.observer_id, observer);
    strcpy(p.observee_id, observee);
    strcpy(p.room_id, ROOM);
    strcpy(p.day_from, from);
    strcpy(p.day_to, to);
    strcpy(p.terms, "Kun samlingen, højst 20 minutter. Ingen noter om enkelte børn.");
    p.status = status;
    p.agreed_at = agreed;
    p.updated_at = TH_START_MS - 1000;
    if (db_plan_apply(t->db, &p, version) != DB_OK)
        fail_msg("%s", db_errmsg(t->db));
}

static void plans(th *t)
{
    put(t, PLAN("01"), ANNA, JONAS, "2026-11-24", "2026-11-24", MODEL_PLAN_PLANNED, 0, 1);
    put(t, PLAN("02"), FATIMA, ANNA, "2026-11-23", "2026-11-29", MODEL_PLAN_PLANNED,
        TH_START_MS - 5000, 1);
    put(t, PLAN("03"), JONAS, FATIMA, "2026-11-24", "2026-11-24", MODEL_PLAN_PLANNED, 0, 1);
    put(t, PLAN("04"), ANNA, FATIMA, "2026-11-25", "2026-11-25", MODEL_PLAN_CANCELLED, 0, 1);
    put(t, PLAN("05"), FATIMA, JONAS, "2026-11-26", "2026-11-26", MODEL_PLAN_PLANNED, 0, 1);
}

/* Confirms the agreement on the start screen, starts, and reads back the
 * observation that began. */
static void confirm_and_start(th *t, model_observation *o)
{
    REVEAL(t, "Aftalen med den observerede er lavet", t->w / 2, t->h / 2);
    TAP(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    assert_int_equal(db_obs_get(t->db, scr_observation(t->app), o), DB_OK);
}

static void test_plan_from_home_to_observe(void **state)
{
    (void)state;
    th *t = th_open("plan-flow", 1280, 800, "da");
    plans(t);
    th_sign_in(t, "Anna Kristensen");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    SEES(t, "Mine planlagte observationer (2)");
    SEES(t, "I dag  \xC2\xB7  Du observerer Jonas Bækgaard  \xC2\xB7  Venter på accept");
    SEES(t, "I denne uge  \xC2\xB7  Fatima Hansen observerer dig  \xC2\xB7  Aftalt");
    assert_false(th_has_text_part(t, "Jonas Bækgaard observerer"));
    assert_false(th_has_text_part(t, "Du observerer Fatima"));
    TARGETS_OK(t);
    shot(t, "plan-home");

    /* The plan Fatima made about Anna: terms to read, nothing to start. */
    TAP_PREFIX(t, "I denne uge");
    assert_int_equal(scr_current(t->app), SCR_PLAN);
    SEES(t, "Kun samlingen, højst 20 minutter");
    SEES(t, "Observatør: Fatima Hansen");
    assert_false(th_has_text(t, "Start observationen"));
    assert_false(th_has_text(t, "Jeg siger ja"));
    TAP(t, "Tilbage");
    assert_int_equal(scr_current(t->app), SCR_HOME);

    /* Her own: the terms before the start, then the form filled in. */
    TAP_PREFIX(t, "I dag");
    assert_int_equal(scr_current(t->app), SCR_PLAN);
    SEES(t, "Planlagt observation");
    SEES(t, "Aftalte rammer");
    SEES(t, "Kun samlingen, højst 20 minutter");
    SEES(t, "Fokusperson: Jonas Bækgaard");
    SEES(t, "Stue eller gruppe: Sommerfuglestuen");
    SEES(t, "Aftale: Venter på accept");
    TARGETS_OK(t);
    shot(t, "plan-terms");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_START);
    SEES(t, "Planlagt: I dag, Jonas Bækgaard");
    SEES(t, "Kun samlingen, højst 20 minutter");
    shot(t, "plan-start");
    /* Focus, observee and room are chosen; the activity and the
     * confirmation (Jonas has not agreed yet) are left to her. */
    REVEAL(t, "Samling", t->w / 2, t->h / 2);
    TAP(t, "Samling");
    SEES(t, "Bekræft aftalen");
    model_observation o;
    confirm_and_start(t, &o);
    assert_string_equal(o.plan_id, PLAN("01"));
    assert_string_equal(o.focus_id, FOCUS);
    assert_string_equal(o.observee_id, JONAS);
    assert_string_equal(o.room_id, ROOM);
    th_free(t);
}

/* The app is killed on the plan's screen, then on the start made from it:
 * each time it comes back where Anna was, with the plan, and the
 * observation she then starts is linked to it. */
static void test_restart_keeps_the_plan(void **state)
{
    (void)state;
    th *t = th_open("plan-restart", 1280, 800, "da");
    plans(t);
    th_sign_in(t, "Anna Kristensen");
    TAP_PREFIX(t, "I dag");
    assert_int_equal(scr_current(t->app), SCR_PLAN);
    t = th_restart(t);
    assert_int_equal(scr_current(t->app), SCR_PLAN);
    SEES(t, "Fokusperson: Jonas Bækgaard");
    SEES(t, "Kun samlingen, højst 20 minutter");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_START);
    t = th_restart(t);
    assert_int_equal(scr_current(t->app), SCR_START);
    SEES(t, "Planlagt: I dag, Jonas Bækgaard");
    shot(t, "plan-restart-start");
    REVEAL(t, "Samling", t->w / 2, t->h / 2);
    TAP(t, "Samling");
    model_observation o;
    confirm_and_start(t, &o);
    assert_string_equal(o.plan_id, PLAN("01"));
    assert_string_equal(o.observee_id, JONAS);
    th_free(t);

    /* Cancelled in the office while the tablet was off: home, not the
     * plan. */
    t = th_open("plan-restart-cancelled", 1280, 800, "da");
    plans(t);
    th_sign_in(t, "Anna Kristensen");
    TAP_PREFIX(t, "I dag");
    assert_int_equal(scr_current(t->app), SCR_PLAN);
    put(t, PLAN("01"), ANNA, JONAS, "2026-11-24", "2026-11-24", MODEL_PLAN_CANCELLED, 0, 2);
    t = th_restart(t);
    assert_int_equal(scr_current(t->app), SCR_HOME);
    assert_false(th_has_text_part(t, "Du observerer Jonas"));
    th_free(t);
}

/* Jonas agrees to the plan about him, after signing in. */
static void test_observee_agrees(void **state)
{
    (void)state;
    th *t = th_open("plan-agree", 1280, 800, "da");
    plans(t);
    th_sign_in(t, "Jonas Bækgaard");
    SEES(t, "Mine planlagte observationer (3)");
    SEES(t,
         "torsdag 26.11.  \xC2\xB7  Fatima Hansen observerer dig  \xC2\xB7  Venter på din accept");
    TAP_PREFIX(t, "torsdag 26.11.");
    assert_int_equal(scr_current(t->app), SCR_PLAN);
    SEES(t, "Kun samlingen, højst 20 minutter");
    SEES(t, "Aftale: Venter på din accept");
    assert_false(th_has_text(t, "Start observationen"));
    TAP(t, "Jeg siger ja");
    SEES(t, "Aftale: Aftalt");
    SEES(t, "Dit ja er gemt her");
    assert_false(th_has_text(t, "Jeg siger ja"));
    db_outbox_entry e[4];
    int n = 0;
    assert_int_equal(db_outbox_peek(t->db, 0, 4, e, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].entity, "plan_agreement");
    assert_string_equal(e[0].actor_id, JONAS);
    assert_non_null(strstr(e[0].payload, PLAN("05")));
    db_outbox_entries_free(e, n);
    TAP(t, "Tilbage");
    SEES(t, "torsdag 26.11.  \xC2\xB7  Fatima Hansen observerer dig  \xC2\xB7  Aftalt");
    th_free(t);
}

/* The office cancels a plan: after the next round it is gone from home,
 * and from its own screen if that is open. */
static void test_cancelled_plan_disappears(void **state)
{
    (void)state;
    fake_sync fs = {.st = {.enrolled = 1, .rounds = 1, .last_ok_ms = TH_START_MS}};
    scr_sync hooks = {.ctx = &fs,
                      .enrolled = fs_enrolled,
                      .now = fs_now,
                      .status = fs_status,
                      .state = fs_state,
                      .enrol = fs_enrol,
                      .enrol_result = fs_enrol_result,
                      .take_theirs = fs_take};
    th_sync = &hooks;
    th *t = th_open("plan-cancel", 1280, 800, "da");
    th_sync = NULL;
    plans(t);
    th_sign_in(t, "Jonas Bækgaard");
    SEES(t, "Mine planlagte observationer (3)");
    SEES(t, "torsdag 26.11.");
    put(t, PLAN("05"), FATIMA, JONAS, "2026-11-26", "2026-11-26", MODEL_PLAN_CANCELLED, 0, 2);
    fs.st.rounds++;
    th_wait(t, 100);
    th_wait(t, 100);
    SEES(t, "Mine planlagte observationer (2)");
    assert_false(th_has_text_part(t, "torsdag 26.11."));
    /* Open on its screen when it is cancelled: back home. */
    TAP_PREFIX(t, "I dag");
    assert_int_equal(scr_current(t->app), SCR_PLAN);
    put(t, PLAN("03"), JONAS, FATIMA, "2026-11-24", "2026-11-24", MODEL_PLAN_CANCELLED, 0, 2);
    fs.st.rounds++;
    th_wait(t, 100);
    th_wait(t, 100);
    assert_int_equal(scr_current(t->app), SCR_HOME);
    SEES(t, "Mine planlagte observationer (1)");
    th_free(t);
}

/* An agreement the server refused (the plan was cancelled meanwhile) is
 * named in words on the review screen of a leader who gave it. */
static void test_refused_agreement_in_words(void **state)
{
    (void)state;
    fake_sync fs = {.st = {.enrolled = 1, .rounds = 1, .last_ok_ms = TH_START_MS}};
    scr_sync hooks = {.ctx = &fs,
                      .enrolled = fs_enrolled,
                      .now = fs_now,
                      .status = fs_status,
                      .state = fs_state,
                      .enrol = fs_enrol,
                      .enrol_result = fs_enrol_result,
                      .take_theirs = fs_take};
    th_sync = &hooks;
    th *t = th_open("plan-refused", 1280, 800, "da");
    th_sync = NULL;
    put(t, PLAN("06"), FATIMA, DEMO_ID("21"), "2026-11-24", "2026-11-24", MODEL_PLAN_PLANNED, 0, 1);
    th_sign_in(t, "Mette Østergaard");
    TAP_PREFIX(t, "I dag");
    TAP(t, "Jeg siger ja");
    db_outbox_entry e[2];
    int n = 0;
    assert_int_equal(db_outbox_peek(t->db, 0, 2, e, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_sync_ack(t->db, e[0].change_id, DB_SYNC_ACK_REJECTED, 0, "forbidden",
                                 "Planen er aflyst"),
                     DB_OK);
    db_outbox_entries_free(e, n);
    fs.st.rounds++;
    th_wait(t, 100);
    TAP(t, "Tilbage");
    char snap[8192];
    th_snapshot(t, snap, sizeof snap);
    if (th_tap_prefix(t, "1 ") != 0)
        fail_msg("no chip to review:\n%s", snap);
    assert_int_equal(scr_current(t->app), SCR_REVIEW);
    SEES(t, "Accept af en planlagt observation");
    SEES(t, "Planen er aflyst");
    th_free(t);
}

/* Another observee drops the link; unplanned observations start as ever. */
static void test_other_choice_drops_the_plan(void **state)
{
    (void)state;
    th *t = th_open("plan-drop", 1280, 800, "da");
    plans(t);
    th_sign_in(t, "Anna Kristensen");
    TAP_PREFIX(t, "I dag");
    TAP(t, "Start observationen");
    SEES(t, "Planlagt: I dag, Jonas Bækgaard");
    REVEAL(t, "Ida Mølgaard", t->w / 2, t->h / 2);
    TAP(t, "Ida Mølgaard");
    assert_false(th_has_text_part(t, "Planlagt: I dag"));
    REVEAL(t, "Samling", t->w / 2, t->h / 2);
    TAP(t, "Samling");
    model_observation o;
    confirm_and_start(t, &o);
    assert_string_equal(o.plan_id, "");
    assert_string_equal(o.observee_id, DEMO_ID("27"));
    th_free(t);
}

#define TEAM "Sommerfuglestuen, formiddag"

/* Anna's team plan for today. */
static void team_plan(th *t)
{
    model_plan p;
    memset(&p, 0, sizeof p);
    strcpy(p.id, PLAN("06"));
    strcpy(p.unit_id, DEMO_UNIT_ID);
    strcpy(p.focus_id, FOCUS);
    strcpy(p.observer_id, ANNA);
    strcpy(p.team, TEAM);
    strcpy(p.room_id, ROOM);
    strcpy(p.day_from, "2026-11-24");
    strcpy(p.day_to, "2026-11-24");
    strcpy(p.terms, "Hele holdet ved samlingen. Ingen noter om enkelte børn.");
    p.status = MODEL_PLAN_PLANNED;
    p.updated_at = TH_START_MS - 1000;
    if (db_plan_apply(t->db, &p, 1) != DB_OK)
        fail_msg("%s", db_errmsg(t->db));
}

static void test_team_plan(void **state)
{
    (void)state;
    th *t = th_open("plan-team", 1280, 800, "da");
    team_plan(t);
    th_sign_in(t, "Anna Kristensen");
    SEES(t, "I dag  \xC2\xB7  Du observerer teamet: " TEAM);
    TAP_PREFIX(t, "I dag");
    assert_int_equal(scr_current(t->app), SCR_PLAN);
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_START);
    /* The team is whom she observes: chosen, and nobody to pick; the team
     * agreed to its plan, so only the activity is left. */
    SEES(t, "Planlagt: I dag, teamet: " TEAM);
    SEES(t, "teamet " TEAM);
    assert_false(th_has_text(t, "Vælg hvem du observerer"));
    assert_false(th_has_text(t, "Bekræft aftalen"));
    shot(t, "plan-start-team");
    TARGETS_OK(t);
    REVEAL(t, "Samling", t->w / 2, t->h / 2);
    TAP(t, "Samling");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    model_observation o;
    assert_int_equal(db_obs_get(t->db, scr_observation(t->app), &o), DB_OK);
    assert_string_equal(o.team, TEAM);
    assert_string_equal(o.observee_id, "");
    assert_string_equal(o.plan_id, PLAN("06"));
    assert_int_equal(o.agreement, 1);
    /* Observing, the screen names the team where a colleague's name is. */
    assert_true(th_has_text_part(t, "teamet " TEAM "  \xC2\xB7  Sommerfuglestuen"));
    TAP(t, "Afslut");
    TAP(t, "Afslut"); /* the dialog's button */
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    TAP(t, "Feedback");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    shot(t, "feedback-team");
    assert_true(th_has_text_part(t, "teamet " TEAM "  \xC2\xB7  Sommerfu"));
    assert_true(th_has_text_part(t, "Feedbacken er til teamet " TEAM "."));
    th_free(t);
}

/* On a team plan's start, choosing a colleague makes the observation about
 * that colleague, still from the plan, and asks for their agreement;
 * choosing the team again takes it back. */
static void test_team_plan_colleague_instead(void **state)
{
    (void)state;
    th *t = th_open("plan-team-person", 1280, 800, "da");
    team_plan(t);
    th_sign_in(t, "Anna Kristensen");
    TAP_PREFIX(t, "I dag");
    TAP(t, "Start observationen");
    REVEAL(t, "Ida Mølgaard", t->w / 2, t->h / 2);
    TAP(t, "Ida Mølgaard");
    REVEAL(t, "Samling", t->w / 2, t->h / 2);
    TAP(t, "Samling");
    SEES(t, "Bekræft aftalen");
    REVEAL(t, "teamet " TEAM, t->w / 2, t->h / 2);
    TAP(t, "teamet " TEAM);
    assert_false(th_has_text(t, "Bekræft aftalen"));
    REVEAL(t, "Ida Mølgaard", t->w / 2, t->h / 2);
    TAP(t, "Ida Mølgaard");
    model_observation o;
    confirm_and_start(t, &o);
    assert_string_equal(o.observee_id, DEMO_ID("27"));
    assert_string_equal(o.team, "");
    assert_string_equal(o.plan_id, PLAN("06"));
    th_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_from_home_to_observe),
        cmocka_unit_test(test_restart_keeps_the_plan),
        cmocka_unit_test(test_observee_agrees),
        cmocka_unit_test(test_cancelled_plan_disappears),
        cmocka_unit_test(test_other_choice_drops_the_plan),
        cmocka_unit_test(test_refused_agreement_in_words),
        cmocka_unit_test(test_team_plan),
        cmocka_unit_test(test_team_plan_colleague_instead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
