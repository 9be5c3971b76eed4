/* The shared tablet: auto-lock after idle time, and the next person sees
 * nothing of the previous person's work; the first gets it back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TAP(t, s)                                                                              \
    do {                                                                                       \
        if (th_tap_text(t, s) != 0)                                                            \
            fail_msg("not on screen: %s", s);                                                 \
    } while (0)

static void start_observation(th *t, const char *observee)
{
    TAP(t, "Start ny observation");
    assert_int_equal(th_tap_prefix(t, "Hvordan understøtter vi"), 0);
    assert_int_equal(th_reveal(t, observee, 600, 600), 0);
    TAP(t, observee);
    assert_int_equal(th_reveal(t, "Mariehønestuen", 600, 600), 0);
    TAP(t, "Mariehønestuen");
    assert_int_equal(th_reveal(t, "Måltid", 600, 600), 0);
    TAP(t, "Måltid");
    assert_int_equal(th_reveal(t, "Aftalen med den observerede er lavet", 600, 600), 0);
    TAP(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
}

static void test_auto_lock_and_switch(void **state)
{
    (void)state;
    th *t = th_open("lock", 1280, 800, "da");
    th_sign_in(t, "Anna Kristensen");
    start_observation(t, "Lars Højlund");
    char obs[64];
    snprintf(obs, sizeof obs, "%s", scr_observation(t->app));
    TAP(t, "Åbent spørgsmål");
    TAP(t, "Note");
    th_type(t, "Annas private tanke");

    /* Busy hands are not idle: a tap every four minutes keeps it open. */
    TAP(t, "Luk");
    for (int i = 0; i < 3; i++) {
        th_wait(t, 4 * 60000);
        assert_int_equal(scr_current(t->app), SCR_OBSERVE);
        TAP(t, "Barnets initiativ");
    }
    /* Watching the room without touching is allowed for longer... */
    th_wait(t, SCR_LOCK_MS_DEFAULT + 1000);
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    /* ...but not for ever: then it locks, with no input at all (the loop's
     * wake-up for the lock is what runs this frame). */
    assert_true(scr_wake_in(t->app) <= SCR_LOCK_OBSERVING_MS);
    th_wait(t, SCR_LOCK_OBSERVING_MS - SCR_LOCK_MS_DEFAULT);
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    assert_string_equal(scr_user(t->app), "");
    assert_string_equal(scr_observation(t->app), "");
    /* Nothing of Anna's work is drawn. */
    static char snap[1 << 20];
    th_snapshot(t, snap, sizeof snap);
    assert_null(strstr(snap, "Hvordan understøtter"));
    assert_null(strstr(snap, "Åbent spørgsmål"));
    assert_null(strstr(snap, "Annas private tanke"));
    assert_null(strstr(snap, "Lås"));
    assert_true(th_has_text(t, "Hvem er du?"));

    /* Jonas signs in and sees his own (empty) lists, not Anna's draft. */
    th_sign_in(t, "Jonas Bækgaard");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    assert_true(th_has_text(t, "Jonas Bækgaard"));
    assert_false(th_has_text(t, "Anna Kristensen"));
    assert_true(th_has_text(t, "Mine kladder (0)"));
    assert_true(th_has_text(t, "Venter på min feedback (0)"));
    assert_true(th_has_text(t, "Venter på min refleksion (0)"));
    assert_string_equal(scr_observation(t->app), "");
    /* Five idle minutes anywhere else lock too. */
    th_wait(t, SCR_LOCK_MS_DEFAULT - 1000);
    assert_int_equal(scr_current(t->app), SCR_HOME);
    th_wait(t, 1000);
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    th_sign_in(t, "Jonas Bækgaard");
    /* His note field starts empty when he observes. */
    start_observation(t, "Fatima Hansen");
    TAP(t, "Note");
    assert_false(th_has_text(t, "Annas private tanke"));
    TAP(t, "Luk");
    TAP(t, "Lås");
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);

    /* Anna comes back to her observation, her draft note intact. */
    th_sign_in(t, "Anna Kristensen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    assert_string_equal(scr_observation(t->app), obs);
    TAP(t, "Note");
    assert_true(th_has_text(t, "Annas private tanke"));
    th_free(t);
}

static void test_pin_tries_are_limited(void **state)
{
    (void)state;
    th *t = th_open("pin", 1280, 800, "da");
    TAP(t, "Fatima Hansen");
    for (int i = 0; i < 5; i++) {
        for (int k = 0; k < 4; k++)
            TAP(t, "0");
        TAP(t, "OK");
    }
    assert_true(th_has_text(t, "For mange forsøg. Vent 30 s."));
    /* Even the right PIN waits. */
    for (int k = 0; k < 4; k++) {
        char d[2] = {(char)('1' + k), 0};
        TAP(t, d);
    }
    TAP(t, "OK");
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    th_wait(t, 31000);
    assert_true(th_has_text(t, "Skriv din pinkode"));
    TAP(t, "OK");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_lock_and_switch),
        cmocka_unit_test(test_pin_tries_are_limited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
