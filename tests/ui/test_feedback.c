/* Feedback after the visit, by touch: the observer opens what awaits
 * their feedback, sees the focus (feed up) and what was seen (feed back),
 * writes what works, wonderings and the agreed next step (feed forward),
 * and marks it as given. Typing is kept as a draft at every letter and
 * saved as feedback, one change for sync, when the typing ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "th_steps.h"
#include "tsupport_obs.h"

static int64_t outbox(th *t)
{
    int64_t n = -1;
    assert_int_equal(db_outbox_count(t->db, &n), DB_OK);
    return n;
}

static void test_feedback_da_landscape(void **state)
{
    (void)state;
    th *t = th_open_seeded("fb-da", 1280, 800, "da", 1, 86400000);
    th_sign_in(t, "Mette Østergaard");
    SEES(t, "Venter på min feedback (1)");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    char obs[64];
    snprintf(obs, sizeof obs, "%s", scr_observation(t->app));
    /* Feed up, feed back, and the three parts of feed forward. */
    SEES(t, "Feed up: læringsfokus");
    SEES(t, "Vi vil se, om alle børn");
    SEES(t, "Feed back: det, der blev set");
    SEES(t, "Åbent spørgsmål");
    SEES(t, "pr. 10 min");
    SEES(t, "Det, der virker");
    SEES(t, "Undringer");
    SEES(t, "Feed forward: det næste skridt, vi aftalte");
    SEES(t, "det er ikke en karakter");
    TARGETS_OK(t);

    /* Typing: a draft at each letter, nothing sent yet. */
    int64_t before = outbox(t);
    TAP(t, "Hvad så du, der understøtter fokus?");
    assert_true(th_has_text(t, "Færdig")); /* the on-screen keyboard */
    TARGETS_OK(t);
    th_type(t, "Rolig stemme – æøå");
    char val[256];
    assert_int_equal(db_draft_get(t->db, obs, DB_DRAFT_FB_WORKS, val, sizeof val), DB_OK);
    assert_string_equal(val, "Rolig stemme – æøå");
    model_feedback fb;
    assert_int_equal(db_feedback_get(t->db, obs, &fb), DB_NOTFOUND);
    assert_int_equal(outbox(t), before);

    /* Killed mid-word: back on the same screen with the words. */
    t = th_restart(t);
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    SEES(t, "Rolig stemme – æøå");
    TAP(t, "Rolig stemme – æøå");
    th_key(t, PLAT_KEY_END); /* the tap put the cursor where it landed */
    th_type(t, "!");
    TAP(t, "Færdig");
    assert_false(th_has_text(t, "Færdig"));
    assert_int_equal(db_feedback_get(t->db, obs, &fb), DB_OK);
    assert_string_equal(fb.works, "Rolig stemme – æøå!");
    assert_string_equal(fb.author_id, DEMO_ID("21"));
    assert_int_equal(fb.given_at, 0);
    assert_int_equal(outbox(t), before + 1);

    /* The other two fields, each saved when its typing ends. */
    TAP(t, "Hvad undrer du dig over? Hvad nu hvis …?");
    th_type(t, "Hvad hvis børnene selv vælger sangen?");
    TAP(t, "Færdig");
    TAP(t, "Hvad prøver I næste gang, aftalt sammen?");
    th_type(t, "Vente fem sekunder efter et spørgsmål");
    TAP(t, "Færdig");
    assert_int_equal(db_feedback_get(t->db, obs, &fb), DB_OK);
    assert_string_equal(fb.wonderings, "Hvad hvis børnene selv vælger sangen?");
    assert_string_equal(fb.next_step, "Vente fem sekunder efter et spørgsmål");
    assert_int_equal(outbox(t), before + 3);
    /* Done with no change sends nothing. */
    TAP(t, "Vente fem sekunder efter et spørgsmål");
    TAP(t, "Færdig");
    assert_int_equal(outbox(t), before + 3);

    /* Mark as given: the time is kept, the button becomes a note. */
    th_wait(t, 60000);
    TAP(t, "Markér feedback som givet");
    assert_int_equal(db_feedback_get(t->db, obs, &fb), DB_OK);
    assert_int_equal(fb.given_at, t->sys->now_ms(t->sys) - 16);
    SEES(t, "Feedback givet ");
    assert_false(th_has_text(t, "Markér feedback som givet"));
    TARGETS_OK(t);

    /* The summary is at hand, and back comes back here. */
    TAP(t, "Opsummering");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    SEES(t, "Tællinger og antal pr. 10 minutter");
    TAP(t, "Tilbage");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    TAP(t, "Forside");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    SEES(t, "Venter på min feedback (0)");
    th_free(t);
}

/* From the summary after finishing; English, portrait, every target. */
static void test_feedback_en_portrait(void **state)
{
    (void)state;
    th *t = th_open_seeded("fb-en", 800, 1280, "en", 2, 86400000);
    th_sign_in(t, "Anna Kristensen");
    SEES(t, "Awaiting my feedback (1)");
    /* Anna observed the second: open it by its summary instead. */
    TAP(t, "History");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    TAP(t, "Feedback");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    SEES(t, "Feed up: the learning focus");
    REVEAL(t, "What will be tried next, agreed together?", 400, 900);
    SEES(t, "Feed forward: the next step we agreed");
    TARGETS_OK(t);
    TAP(t, "What will be tried next, agreed together?");
    th_type(t, "Try again on Monday");
    TAP(t, "Done");
    model_feedback fb;
    assert_int_equal(db_feedback_get(t->db, scr_observation(t->app), &fb), DB_OK);
    assert_string_equal(fb.next_step, "Try again on Monday");
    assert_string_equal(fb.works, "");
    /* Someone who did not observe cannot give this feedback. */
    assert_int_equal(db_feedback_put(t->db, scr_observation(t->app), DEMO_ID("24"), "x", "", "", 1),
                     DB_DENIED);
    th_free(t);
}

/* The card's surface: the white rectangle whose top is the top of the
 * text "Feed back: what was seen" less its margin. Writes its bottom. */
static int card_bottom(th *t, int text_y)
{
    int best = -1;
    for (int i = 0; i < t->ui->ncmds; i++) {
        const plat_cmd *c = &t->ui->cmds[i];
        if (c->kind == PLAT_CMD_RECT && c->color == UI_SURFACE && c->y < text_y &&
            text_y - c->y < 40 && c->h > 200)
            best = c->y + c->h;
    }
    return best;
}

/* The lowest drawn text that starts inside [top, bottom). */
static int last_text_bottom(th *t, int top, int bottom)
{
    int low = -1;
    for (int i = 0; i < t->ui->ncmds; i++) {
        const plat_cmd *c = &t->ui->cmds[i];
        if (c->kind == PLAT_CMD_TEXT && c->y >= top && c->y < bottom) {
            int b = c->y + t->video->line_height(t->video, c->font);
            if (b > low)
                low = b;
        }
    }
    return low;
}

/* What was seen shows what a leader talks from: the notes with their
 * times (and a note's sign) and the time in each state, next to the
 * counts and ratings; and the card ends where its content ends, so no
 * empty box pushes the fields down (English, portrait). */
static void test_seen_has_notes_and_states(void **state)
{
    (void)state;
    th *t = th_open("fb-seen", 800, 1280, "en");
    tsupport_obs o = {.start = DEMO_OBS_START,
                      .keys = {"open_q"},
                      .taps = {4},
                      .signs = {DEMO_ID("51")},
                      .levels = {2},
                      .clock = t->sys,
                      .running = 1};
    model_id id;
    assert_int_equal(tsupport_observe(t->db, &o, id), DB_OK);
    plat_fake_advance(t->sys, 2 * 60000 + 5000);
    assert_int_equal(
        db_obs_note(t->db, id, DEMO_ID("21"), "Mads svarer i hele sætninger", DEMO_ID("52"), NULL),
        DB_OK);
    assert_int_equal(db_obs_event(t->db, id, DEMO_ID("21"), MODEL_EV_STATE_START, "waiting", NULL),
                     DB_OK);
    plat_fake_advance(t->sys, 90000);
    assert_int_equal(db_obs_event(t->db, id, DEMO_ID("21"), MODEL_EV_STATE_STOP, "waiting", NULL),
                     DB_OK);
    plat_fake_advance(t->sys, 4 * 60000);
    assert_int_equal(db_obs_note(t->db, id, DEMO_ID("21"), "Stille ved bordet", NULL, NULL), DB_OK);
    plat_fake_advance(t->sys, 2 * 60000 + 25000);
    assert_int_equal(db_obs_finish(t->db, id, DEMO_ID("21")), DB_OK);

    th_sign_in(t, "Mette Østergaard");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    SEES(t, "Feed back: what was seen");
    /* 10 minutes: 1:30 waiting is 15 %. */
    SEES(t, "Waiting time");
    SEES(t, "1:30  (15 %)");
    SEES(t, "Notes (2)");
    SEES(t, "2:05");
    SEES(t, "Mads svarer i hele sætninger");
    SEES(t, "Sign: Den voksne venter på børnenes svar");
    SEES(t, "7:35");
    SEES(t, "Stille ved bordet");
    /* No empty box: the card ends within a line of its last text. */
    int x, y, w, h;
    assert_int_equal(th_find_text(t, "Feed back: what was seen", 0, &x, &y, &w, &h), 0);
    int bottom = card_bottom(t, y);
    assert_true(bottom > y);
    int last = last_text_bottom(t, y, bottom);
    if (bottom - last > 32)
        fail_msg("the card ends %d px below its last text", bottom - last);
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seen_has_notes_and_states),
        cmocka_unit_test(test_feedback_da_landscape),
        cmocka_unit_test(test_feedback_en_portrait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
