/* Numbers and words that must not mislead, by touch: an observation
 * shorter than the model's floor shows its counts but no rate per 10
 * minutes, on the summary and on the feedback screen; two state timers are
 * drawn in two colours of their own in the timeline; English reads the
 * template's English words and stores Danish data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_tally.h"
#include "th_steps.h"

/* From home to a running observation of the focus starting with
 * focus, of observee in room. */
static void start_obs(th *t, const char *focus, const char *observee, const char *room)
{
    TAP(t, "Start ny observation");
    TAP_PREFIX(t, focus);
    REVEAL(t, observee, 600, 600);
    TAP(t, observee);
    REVEAL(t, room, 600, 600);
    TAP(t, room);
    REVEAL(t, "Samling", 600, 600);
    TAP(t, "Samling");
    REVEAL(t, "Aftalen med den observerede er lavet", 600, 600);
    TAP(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
}

static void finish_obs(th *t)
{
    TAP(t, "Afslut");
    TAP(t, "Afslut"); /* the dialog's button */
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
}

/* 1 if some drawn text is a rate: a number followed by suffix (" pr. 10
 * min" or " per 10 min"), alone or in parentheses after a count. */
static int rate_shown(th *t, const char *suffix)
{
    for (int i = 0; i < t->ui->ncmds; i++) {
        const plat_cmd *c = &t->ui->cmds[i];
        if (c->kind != PLAT_CMD_TEXT || !c->text)
            continue;
        char buf[256];
        int n = c->len < (int)sizeof buf - 1 ? c->len : (int)sizeof buf - 1;
        memcpy(buf, c->text, (size_t)n);
        buf[n] = 0;
        char *p = strstr(buf, suffix);
        if (p && p > buf && p[-1] >= '0' && p[-1] <= '9')
            return 1;
    }
    return 0;
}

/* 3 taps in 43 seconds: the summary and the feedback screen show the
 * count and say it is too short for a rate, never "41,9 per 10 min". */
static void test_short_observation_has_no_rate(void **state)
{
    (void)state;
    th *t = th_open("num-short", 1280, 800, "da");
    th_sign_in(t, "Mette Østergaard");
    start_obs(t, "Hvordan understøtter vi", "Jonas Bækgaard", "Sommerfuglestuen");
    for (int i = 0; i < 3; i++) {
        th_wait(t, 14000);
        TAP(t, "Åbent spørgsmål");
    }
    th_wait(t, 1000);
    finish_obs(t);
    SEES(t, "Tællinger og antal pr. 10 minutter");
    SEES(t, "Antal pr. 10 minutter kræver mindst 5 minutters observation; denne "
            "observation er kortere.");
    assert_true(th_has_text(t, "3"));
    SEES(t, "for kort til en hyppighed");
    assert_false(rate_shown(t, " pr. 10 min"));
    TAP(t, "Feedback");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    SEES(t, "Antal pr. 10 minutter kræver mindst 5");
    assert_false(rate_shown(t, " pr. 10 min"));
    th_free(t);
}

/* From five minutes on, the rate is there. */
static void test_five_minutes_give_a_rate(void **state)
{
    (void)state;
    th *t = th_open("num-five", 1280, 800, "en");
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Start new observation");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    REVEAL(t, "Jonas Bækgaard", 600, 600);
    TAP(t, "Jonas Bækgaard");
    REVEAL(t, "Sommerfuglestuen", 600, 600);
    TAP(t, "Sommerfuglestuen");
    REVEAL(t, "Circle time", 600, 600);
    TAP(t, "Circle time");
    REVEAL(t, "Agreement made with the observee", 600, 600);
    TAP(t, "Agreement made with the observee");
    TAP(t, "Start observation");
    for (int i = 0; i < 5; i++) {
        th_wait(t, 60000);
        TAP(t, "Open question");
    }
    /* An interval prompt may be waiting; the observation still ends. */
    TAP(t, "Finish");
    TAP(t, "Finish");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    assert_false(th_has_text_part(t, "too short for a rate"));
    SEES(t, "10.0 per 10 min");
    assert_true(rate_shown(t, " per 10 min"));
    th_free(t);
}

/* The colours of the filled bars in the timeline row labelled label. */
static int row_colors(th *t, const char *label, plat_color *out, int max)
{
    int x, y, w, h;
    if (th_find_text(t, label, 0, &x, &y, &w, &h) != 0)
        fail_msg("not on screen: %s", label);
    int n = 0;
    for (int i = 0; i < t->ui->ncmds; i++) {
        const plat_cmd *c = &t->ui->cmds[i];
        int mid = c->y + c->h / 2;
        if (c->kind != PLAT_CMD_RECT || c->x < x + w || mid < y || mid > y + h || c->h < h / 2 ||
            c->color == UI_LINE || c->color == UI_SURFACE || c->color == UI_BG)
            continue;
        int dup = 0;
        for (int k = 0; k < n; k++)
            dup |= out[k] == c->color;
        if (!dup && n < max)
            out[n++] = c->color;
    }
    return n;
}

/* Two states timed one after the other: each bar has its own colour, and
 * neither is a counter's. */
static void test_states_have_their_own_colours(void **state)
{
    (void)state;
    th *t = th_open("num-states", 1280, 800, "da");
    th_sign_in(t, "Mette Østergaard");
    start_obs(t, "Hvordan skaber vi", "Ida Mølgaard", "Legepladsen");
    TAP_PREFIX(t, "Overgangstid");
    th_wait(t, 60000);
    TAP_PREFIX(t, "Overgangstid");
    TAP_PREFIX(t, "Kø ved døren");
    th_wait(t, 60000);
    TAP_PREFIX(t, "Kø ved døren");
    TAP(t, "Tydelig besked");
    th_wait(t, 60000);
    finish_obs(t);
    plat_color a[4], b[4], c[4];
    assert_int_equal(row_colors(t, "Overgangstid", a, 4), 1);
    assert_int_equal(row_colors(t, "Kø ved døren", b, 4), 1);
    assert_int_equal(row_colors(t, "Tydelig besked", c, 4), 1);
    assert_true(a[0] != b[0]);
    assert_true(a[0] != c[0] && b[0] != c[0]);
    th_free(t);
}

/* English reads the template's English words (the scale, counters,
 * context), never the Danish ones; a chip tapped in English stores the
 * Danish words the unit's data is kept in, and reads back in English. */
static void test_english_template_words(void **state)
{
    (void)state;
    th_both_langs = 1;
    th *t = th_open("num-en-words", 1280, 800, "en");
    th_both_langs = 0;
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Start new observation");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    REVEAL(t, "Jonas Bækgaard", 600, 600);
    TAP(t, "Jonas Bækgaard");
    REVEAL(t, "Sommerfuglestuen", 600, 600);
    TAP(t, "Sommerfuglestuen");
    REVEAL(t, "Circle time", 600, 600);
    TAP(t, "Circle time");
    REVEAL(t, "Number of children", 600, 600);
    SEES(t, "Number of adults");
    assert_false(th_has_text_part(t, "Antal børn"));
    assert_false(th_has_text_part(t, "Antal voksne"));
    REVEAL(t, "Agreement made with the observee", 600, 600);
    TAP(t, "Agreement made with the observee");
    TAP(t, "Start observation");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    model_observation o;
    assert_int_equal(db_obs_get(t->db, scr_observation(t->app), &o), DB_OK);
    assert_string_equal(o.activity, "Samling");
    SEES(t, "Not seen");
    SEES(t, "Partly");
    SEES(t, "Clearly");
    SEES(t, "Open question");
    assert_false(th_has_text_part(t, "Ikke set"));
    assert_false(th_has_text_part(t, "Delvist"));
    assert_false(th_has_text_part(t, "Tydeligt"));
    assert_false(th_has_text_part(t, "Åbent spørgsmål"));
    TAP(t, "Partly");
    th_wait(t, 6 * 60000);
    TAP(t, "Finish");
    TAP(t, "Finish");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    SEES(t, "Circle time");
    assert_false(th_has_text_part(t, "Samling"));
    REVEAL(t, "Signs seen", 640, 500);
    SEES(t, "Partly");
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_observation_has_no_rate),
        cmocka_unit_test(test_five_minutes_give_a_rate),
        cmocka_unit_test(test_states_have_their_own_colours),
        cmocka_unit_test(test_english_template_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
