/*
 * Observing together with a colleague on two tablets: the first observer
 * chooses to show a code, starts, and the observe screen shows a pair code
 * (six characters without look-alikes, in two groups of three); the second
 * observer, on another tablet, chooses to have a code, types it as heard
 * (lower case, a space), and their observation carries the same code. A
 * code with a look-alike (O for 0) is not taken: the start button says what
 * is wrong. An observation made alone carries none and shows no code. In
 * Danish and in English, through the catalogues. Screenshots of the pair
 * choice and of the code on the observe screen are written to the folder
 * BLIK_SHOT_DIR names, when it is set, for a person to look at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th_png.h"
#include "th_steps.h"

/* The words a person reads, in the language the tablet speaks. */
typedef struct {
    const char *lang, *start_new, *focus_prefix, *observee, *room, *activity, *together, *alone,
        *show, *have, *placeholder, *type_it, *check_it, *agreement, *go, *pair_code, *hint;
} words;

static const words da = {"da",
                         "Start ny observation",
                         "Hvordan understøtter vi",
                         "Jonas Bækgaard",
                         "Sommerfuglestuen",
                         "Samling",
                         "Sammen med en kollega?",
                         "Nej, alene",
                         "Ja, jeg viser en kode",
                         "Ja, jeg har en kode",
                         "Parkode fra din kollega",
                         "Skriv parkoden",
                         "Tjek parkoden: 6 bogstaver og tal",
                         "Aftalen med den observerede er lavet",
                         "Start observationen",
                         "Parkode",
                         "Den samme kode på begge tablets forbinder jeres to observationer"};

static const words en = {"en",
                         "Start new observation",
                         "Hvordan understøtter vi", /* the unit's words, as written */
                         "Jonas Bækgaard",
                         NULL,
                         "Circle time",
                         "Together with a colleague?",
                         "No, alone",
                         "Yes, I show a code",
                         "Yes, I have a code",
                         "Pair code from your colleague",
                         "Type the pair code",
                         "Check the pair code: 6 letters and digits",
                         "Agreement made with the observee",
                         "Start observation",
                         "Pair code",
                         "The same code on both tablets links your two observations"};

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

/* From home to the pair choice: focus, whom, where, what. */
static void choose_up_to_pair(th *t, const words *w)
{
    int cx = t->w / 2, cy = t->h / 2;
    TAP(t, w->start_new);
    assert_int_equal(scr_current(t->app), SCR_START);
    TAP_PREFIX(t, w->focus_prefix);
    REVEAL(t, w->observee, cx, cy);
    TAP(t, w->observee);
    REVEAL(t, "Sommerfuglestuen", cx, cy);
    TAP(t, "Sommerfuglestuen");
    REVEAL(t, w->activity, cx, cy);
    TAP(t, w->activity);
    REVEAL(t, w->together, cx, cy);
    REVEAL(t, w->have, cx, cy);
    SEES(t, w->alone);
    SEES(t, w->show);
}

static void agree_and_start(th *t, const words *w)
{
    REVEAL(t, w->agreement, t->w / 2, t->h / 2);
    TAP(t, w->agreement);
    TAP(t, w->go);
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
}

static void observation(th *t, model_observation *o)
{
    assert_int_equal(db_obs_get(t->db, scr_observation(t->app), o), DB_OK);
}

/* The first tablet: its code, as the observe screen shows it. */
static void first_tablet(const words *w, int width, int height, char code[8])
{
    char name[32];
    snprintf(name, sizeof name, "pair-first-%s", w->lang);
    th *t = th_open(name, width, height, w->lang);
    th_sign_in(t, "Mette Østergaard");
    choose_up_to_pair(t, w);
    TAP(t, w->show);
    REVEAL(t, w->show, t->w / 2, t->h / 2);
    TARGETS_OK(t);
    shot(t, "pair-choice");
    agree_and_start(t, w);
    model_observation o;
    observation(t, &o);
    assert_int_equal(model_pair_code_check(o.pair_code, "code", NULL, 0), 0);
    char shown[8];
    snprintf(shown, sizeof shown, "%.3s %.3s", o.pair_code, o.pair_code + 3);
    SEES(t, w->pair_code);
    SEES(t, shown);
    SEES(t, w->hint);
    TARGETS_OK(t);
    shot(t, "pair-observe");
    snprintf(code, 8, "%s", o.pair_code);
    th_free(t);
}

/* The second tablet, another observer of the same session, types it. */
static void second_tablet(const words *w, int width, int height, const char *code)
{
    char name[32];
    snprintf(name, sizeof name, "pair-second-%s", w->lang);
    th *t = th_open(name, width, height, w->lang);
    th_sign_in(t, "Lars Højlund");
    choose_up_to_pair(t, w);
    TAP(t, w->have);
    REVEAL(t, w->placeholder, t->w / 2, t->h / 2);
    /* Nothing typed yet: the start button says so. */
    SEES(t, w->type_it);
    TAP(t, w->placeholder);
    th_type(t, "k7m o3r"); /* O is never in a code: it reads as 0 */
    th_key(t, PLAT_KEY_ENTER);
    REVEAL(t, w->agreement, t->w / 2, t->h / 2);
    TAP(t, w->agreement);
    SEES(t, w->check_it);
    assert_int_equal(th_has_text(t, w->go), 0);
    assert_int_equal(scr_current(t->app), SCR_START);
    /* Typed again as heard: lower case and a space are fine. */
    REVEAL(t, "k7m o3r", t->w / 2, t->h / 2);
    TAP(t, "k7m o3r");
    th_key(t, PLAT_KEY_END);
    for (int i = 0; i < 7; i++)
        th_key(t, PLAT_KEY_BACKSPACE);
    char heard[16];
    snprintf(heard, sizeof heard, "%.3s %.3s", code, code + 3);
    for (char *p = heard; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    th_type(t, heard);
    th_key(t, PLAT_KEY_ENTER);
    TAP(t, w->go);
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    model_observation o;
    observation(t, &o);
    assert_string_equal(o.pair_code, code);
    char shown[8];
    snprintf(shown, sizeof shown, "%.3s %.3s", code, code + 3);
    SEES(t, shown);
    th_free(t);
}

static void test_pair_danish(void **state)
{
    (void)state;
    char code[8];
    first_tablet(&da, 1280, 800, code);
    second_tablet(&da, 1280, 800, code);
}

static void test_pair_english_portrait(void **state)
{
    (void)state;
    char code[8];
    first_tablet(&en, 800, 1280, code);
    second_tablet(&en, 800, 1280, code);
}

/* Alone, the default: no code in the store, none on the screen. */
static void test_alone_has_no_code(void **state)
{
    (void)state;
    th *t = th_open("pair-alone", 1280, 800, "da");
    th_sign_in(t, "Mette Østergaard");
    choose_up_to_pair(t, &da);
    agree_and_start(t, &da);
    model_observation o;
    observation(t, &o);
    assert_string_equal(o.pair_code, "");
    assert_int_equal(th_has_text(t, "Parkode"), 0);
    th_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_danish),
        cmocka_unit_test(test_pair_english_portrait),
        cmocka_unit_test(test_alone_has_no_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
