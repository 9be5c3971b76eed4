/* Text on real screens with the real font: the on-screen keyboard goes
 * away on the start screen, a hardware Enter in the feedback editor starts
 * a new line instead of losing what comes next, and a 4,000-letter text
 * without spaces keeps the tablet answering. */
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

/* The activity field on "Ny observation": Done, a tap on an activity chip,
 * a tap beside the field and Escape each close the keyboard; the screen
 * stays, and a second Escape goes back. */
static void test_start_keyboard_closes(void **state)
{
    (void)state;
    th *t = th_open("text-start", 1280, 800, "da");
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Start ny observation");
    assert_int_equal(scr_current(t->app), SCR_START);
    REVEAL(t, "Hvad foregår der?", 600, 500);
    TAP(t, "Hvad foregår der?");
    assert_true(th_has_text(t, "Færdig"));
    th_type(t, "Leg");
    TAP(t, "Færdig");
    assert_false(th_has_text(t, "Færdig"));
    /* A tap on an activity chip fills the field and closes the keyboard. */
    REVEAL(t, "Leg", 600, 500);
    TAP(t, "Leg");
    assert_true(th_has_text(t, "Færdig"));
    REVEAL(t, "Samling", 600, 300);
    TAP(t, "Samling");
    assert_false(th_has_text(t, "Færdig"));
    assert_true(th_has_text(t, "Samling"));
    /* A tap beside it, on nothing, closes it too. */
    REVEAL(t, "Samling", 600, 300);
    int x, y, w, h;
    assert_int_equal(th_find_text(t, "Samling", 0, &x, &y, &w, &h), 0);
    th_tap(t, x + w / 2, y + h / 2);
    assert_true(th_has_text(t, "Færdig"));
    th_tap(t, 4, 100); /* the margin of the top bar */
    assert_false(th_has_text(t, "Færdig"));
    assert_int_equal(scr_current(t->app), SCR_START);
    /* Escape: first the keyboard, then the screen. */
    assert_int_equal(th_find_text(t, "Samling", 0, &x, &y, &w, &h), 0);
    th_tap(t, x + w / 2, y + h / 2);
    assert_true(th_has_text(t, "Færdig"));
    th_key(t, PLAT_KEY_ESCAPE);
    assert_false(th_has_text(t, "Færdig"));
    assert_int_equal(scr_current(t->app), SCR_START);
    th_key(t, PLAT_KEY_ESCAPE);
    assert_int_equal(scr_current(t->app), SCR_HOME);
    th_free(t);
}

/* A hardware Enter in the feedback editor starts a new line; the editor
 * stays open and what is typed next goes in; Done saves both lines. */
static void test_feedback_enter_is_a_new_line(void **state)
{
    (void)state;
    th *t = th_open_seeded("text-fb", 1280, 800, "da", 1, 86400000);
    th_sign_in(t, "Mette Østergaard");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    char obs[64];
    snprintf(obs, sizeof obs, "%s", scr_observation(t->app));
    TAP(t, "Hvad så du, der understøtter fokus?");
    th_type(t, "Rolig stemme");
    th_key(t, PLAT_KEY_ENTER);
    assert_true(th_has_text(t, "Færdig"));
    th_type(t, "Ventede på svar");
    assert_true(th_has_text(t, "Ventede på svar"));
    TAP(t, "Færdig");
    model_feedback fb;
    assert_int_equal(db_feedback_get(t->db, obs, &fb), DB_OK);
    assert_string_equal(fb.works, "Rolig stemme\nVentede på svar");
    /* Shown as two lines. */
    assert_true(th_has_text(t, "Rolig stemme"));
    assert_true(th_has_text(t, "Ventede på svar"));
    th_free(t);
}

static double ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/* 3,980 letters without a space typed into feedback (in 30-letter pieces,
 * as a paste arrives), then 20 letters one by one: each letter is drawn
 * in well under a tenth of a second with the real font, where it took a
 * third of a second and more before (measured: about 3 letters a second),
 * and the tablet ends up with all of it. */
static void test_long_text_keeps_up(void **state)
{
    (void)state;
    th *t = th_open_seeded("text-long", 1280, 800, "da", 1, 86400000);
    th_sign_in(t, "Mette Østergaard");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    char obs[64];
    snprintf(obs, sizeof obs, "%s", scr_observation(t->app));
    TAP(t, "Hvad så du, der understøtter fokus?");
    plat_event ev = {0};
    ev.kind = PLAT_EV_TEXT;
    memset(ev.text, 'w', 30);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 3980 / 30; i++)
        th_frame(t, &ev);
    ev.text[20] = 0;
    th_frame(t, &ev);
    double paste = ms_since(&t0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    th_type(t, "abcdefghijklmnopqrst");
    double typed = ms_since(&t0);
    print_message("3,980 letters in 133 pieces: %.0f ms; then 20 letters: %.1f ms each\n", paste,
                  typed / 20);
    assert_true(typed / 20 < 100);
    assert_true(paste < 20000);
    char val[4100];
    assert_int_equal(db_draft_get(t->db, obs, DB_DRAFT_FB_WORKS, val, sizeof val), DB_OK);
    assert_int_equal((int)strlen(val), 4000);
    assert_int_equal(strcmp(val + 3980, "abcdefghijklmnopqrst"), 0);
    /* The end of the text, where the cursor is, is on screen. */
    SEES(t, "klmnopqrst");
    TAP(t, "Færdig");
    th_free(t);
}

/* Emoji: the bundled font has none, so they are refused with a sentence
 * as they are typed (the words around them go in), and text from
 * elsewhere that holds one (another tablet, the server) draws U+FFFD, the
 * replacement sign, instead of an empty box. */
static void test_emoji_refused_and_marked(void **state)
{
    (void)state;
    th *t = th_open_seeded("text-emoji", 1280, 800, "da", 1, 86400000);
    th_sign_in(t, "Mette Østergaard");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    char obs[64];
    snprintf(obs, sizeof obs, "%s", scr_observation(t->app));
    TAP(t, "Hvad så du, der understøtter fokus?");
    th_type(t, "Godt \xF0\x9F\x91\x8D gået");
    SEES(t, "Emoji og andre tegn, som tabletten ikke kan vise, bliver udeladt.");
    char val[256];
    assert_int_equal(db_draft_get(t->db, obs, DB_DRAFT_FB_WORKS, val, sizeof val), DB_OK);
    assert_string_equal(val, "Godt  gået");
    th_wait(t, 4500);
    assert_false(th_has_text_part(t, "Emoji og andre tegn"));
    /* Danish letters, dashes and quotes are all drawable. */
    th_type(t, " – «æøå»");
    assert_false(th_has_text_part(t, "Emoji og andre tegn"));
    /* An emoji that arrives from elsewhere is measured and drawn as U+FFFD. */
    plat_video *v = t->video;
    int emoji = v->measure(v, PLAT_FONT_BODY, "\xF0\x9F\x98\x80", 4);
    int repl = v->measure(v, PLAT_FONT_BODY, "\xEF\xBF\xBD", 3);
    assert_true(repl > 0);
    assert_int_equal(emoji, repl);
    assert_false(v->can_draw(v, 0x1F600));
    assert_true(v->can_draw(v, 0xE6)); /* æ */
    th_free(t);
}

/* The panel of the dialog drawn in the last frame: the fill right after
 * the dimming scrim. */
static ui_rect dialog_panel(th *t)
{
    const ui_ctx *u = t->ui;
    for (int i = 0; i + 1 < u->ncmds; i++) {
        if (u->cmds[i].kind == PLAT_CMD_RECT && u->cmds[i].color == UI_SCRIM) {
            const plat_cmd *k = &u->cmds[i + 1];
            return ui_r(k->x, k->y, k->w, k->h);
        }
    }
    fail_msg("no dialog on screen");
    return ui_r(0, 0, 0, 0);
}

/* History's filters open as panels as high as their choices, in both
 * orientations, not full-height panels of empty space. */
static void test_filter_dialog_fits_its_choices(void **state)
{
    (void)state;
    for (int portrait = 0; portrait <= 1; portrait++) {
        th *t = th_open_seeded(portrait ? "text-pick-p" : "text-pick-l", portrait ? 800 : 1280,
                               portrait ? 1280 : 800, portrait ? "en" : "da", 3, 86400000);
        th_sign_in(t, "Mette Østergaard");
        TAP(t, portrait ? "History" : "Historik");
        TAP(t, portrait ? "All focuses" : "Alle fokus");
        ui_rect p = dialog_panel(t);
        /* Title, "all" and three focuses: about 84 + 4 x 64 dp. */
        print_message("focus filter panel: %d x %d\n", p.w, p.h);
        assert_true(p.h < 420);
        assert_true(p.h > 300);
        SEES(t, "Hvordan understøtter vi");
        th_free(t);
    }
}

/* The feedback screen's "what was seen" names an unrated sign's level in
 * whole words: "Ikke vurderet", not "Ikke vurder…". */
static void test_not_rated_in_whole(void **state)
{
    (void)state;
    th *t = th_open("text-rated", 1280, 800, "da");
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Start ny observation");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    REVEAL(t, "Jonas Bækgaard", 600, 600);
    TAP(t, "Jonas Bækgaard");
    REVEAL(t, "Sommerfuglestuen", 600, 600);
    TAP(t, "Sommerfuglestuen");
    REVEAL(t, "Samling", 600, 600);
    TAP(t, "Samling");
    REVEAL(t, "Aftalen med den observerede er lavet", 600, 600);
    TAP(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    th_wait(t, 6 * 60 * 1000);
    TAP(t, "Afslut");
    th_wait(t, 50);
    SEES(t, "Afslut observationen?");
    /* The dialog's own button: the last "Afslut" drawn. */
    int n = 0, x, y, w, h;
    while (th_find_text(t, "Afslut", n, &x, &y, &w, &h) == 0)
        n++;
    assert_int_equal(th_tap_text_n(t, "Afslut", n - 1), 0);
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    TAP(t, "Feedback");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    SEES(t, "Ikke vurderet");
    assert_false(th_has_text_part(t, "Ikke vurder\xE2\x80\xA6"));
    th_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_keyboard_closes),
        cmocka_unit_test(test_feedback_enter_is_a_new_line),
        cmocka_unit_test(test_long_text_keeps_up),
        cmocka_unit_test(test_emoji_refused_and_marked),
        cmocka_unit_test(test_filter_dialog_fits_its_choices),
        cmocka_unit_test(test_not_rated_in_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
