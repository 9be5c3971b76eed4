/* The shared tablet: auto-lock after idle time, and the next person sees
 * nothing of the previous person's work; the first gets it back. Wrong
 * PINs wait longer and longer and then lock the tablet until a leader
 * signs in, across restarts; signing out leaves nothing of the person on
 * screen; a peer never sees an observation that is not theirs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sync.h"
#include "demo.h"
#include "harness.h"
#include "th_steps.h"

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

/* Enters a PIN on the open PIN dialog and presses OK. */
static void enter_pin(th *t, const char *pin)
{
    for (const char *p = pin; *p; p++) {
        char d[2] = {*p, 0};
        TAP(t, d);
    }
    TAP(t, "OK");
}

static int kv_int(th *t, const char *key)
{
    char v[32];
    return db_kv_get(t->db, key, v, sizeof v) == DB_OK ? atoi(v) : -1;
}

/* Wrong PINs wait per person: the fifth wrong PIN in a row makes that
 * person wait 30 s, with the keypad shown disabled and the seconds left;
 * what is tapped meanwhile is not taken. Others sign in as before. */
static void test_pin_tries_are_limited(void **state)
{
    (void)state;
    th *t = th_open("pin", 1280, 800, "da");
    TAP(t, "Fatima Hansen");
    for (int i = 0; i < 5; i++)
        enter_pin(t, "0000");
    assert_true(th_has_text(t, "For mange forsøg. Vent 30 s."));
    /* The keypad is not live: nothing on the dialog but Cancel can be
     * touched, and taps on the digits are not kept. */
    enter_pin(t, "1234");
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    th_wait(t, 10000);
    assert_true(th_has_text(t, "For mange forsøg. Vent 20 s."));
    TARGETS_OK(t);
    th_wait(t, 21000);
    assert_true(th_has_text(t, "Skriv din pinkode"));
    TAP(t, "OK");
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    /* Someone else does not wait for Fatima's wrong PINs. */
    TAP(t, "Annuller");
    TAP(t, "Fatima Hansen");
    enter_pin(t, "0000");
    assert_true(th_has_text(t, "For mange forsøg. Vent 60 s."));
    TAP(t, "Annuller");
    th_sign_in(t, "Anna Kristensen");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    TAP(t, "Lås");
    th_wait(t, 61000);
    th_sign_in(t, "Fatima Hansen");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    th_free(t);
}

/* The waits double from a person's fifth wrong PIN on (30, 60, 120, 240,
 * 480 s) and survive a restart. Across people, 15 wrong PINs in a row lock
 * the tablet: only a leader's PIN opens it, and a restart changes nothing
 * of it. */
static void test_pin_lockout_survives_restart(void **state)
{
    (void)state;
    th *t = th_open("pinlock", 1280, 800, "da");
    TAP(t, "Fatima Hansen");
    for (int i = 0; i < 5; i++)
        enter_pin(t, "0000");
    assert_true(th_has_text(t, "For mange forsøg. Vent 30 s."));
    assert_int_equal(kv_int(t, "pin.fails"), 5);
    assert_int_equal(kv_int(t, "pin.fails." DEMO_ID("25")), 5);
    /* Switching it off and on buys nothing. */
    t = th_restart(t);
    TAP(t, "Fatima Hansen");
    assert_true(th_has_text(t, "For mange forsøg. Vent 30 s."));
    static const int waits[] = {60, 120, 240, 480};
    th_wait(t, 31000);
    for (int i = 0; i < 4; i++) {
        enter_pin(t, "0000");
        char want[64];
        snprintf(want, sizeof want, "For mange forsøg. Vent %d s.", waits[i]);
        assert_true(th_has_text(t, want));
        th_wait(t, (int64_t)waits[i] * 1000 + 1000);
    }
    TAP(t, "Annuller");
    /* Guessing across names: four each, no wait for anyone, until the
     * tablet's fifteenth wrong PIN in a row locks it. */
    static const char *const names[] = {"Lars Højlund", "Anna Kristensen"};
    for (int k = 0; k < 2; k++) {
        TAP(t, names[k]);
        for (int i = 0; i < (k == 0 ? 4 : 2); i++)
            enter_pin(t, "0000");
        assert_true(th_has_text(t, k == 0 ? "Forkert pinkode. Prøv igen."
                                          : "Låst. En leder skal logge ind."));
        TAP(t, "Annuller");
    }
    assert_int_equal(kv_int(t, "pin.fails"), 15);
    assert_int_equal(kv_int(t, "pin.locked"), 1);
    TAP(t, "Jonas Bækgaard");
    assert_true(th_has_text(t, "Låst. En leder skal logge ind."));
    TAP(t, "Annuller");
    t = th_restart(t);
    TAP(t, "Lars Højlund");
    assert_true(th_has_text(t, "Låst. En leder skal logge ind."));
    th_wait(t, 20 * 60000);
    /* Locked out: even the right PIN of a peer opens nothing, however
     * long they wait. */
    assert_true(th_has_text(t, "Låst. En leder skal logge ind."));
    enter_pin(t, "1234");
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    TAP(t, "Annuller");
    /* A leader's PIN opens it again, for everyone. */
    th_sign_in(t, "Mette Østergaard");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    assert_int_equal(kv_int(t, "pin.fails"), 0);
    assert_int_equal(kv_int(t, "pin.locked"), 0);
    TAP(t, "Lås");
    th_sign_in(t, "Lars Højlund");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    th_free(t);
}

/* Counts how often text s is drawn in a snapshot. */
static int count_in(const char *snap, const char *s)
{
    int n = 0;
    for (const char *p = strstr(snap, s); p; p = strstr(p + 1, s))
        n++;
    return n;
}

/* A program that can enrol but has not: the form is on the settings. */
static int no_server(void *ctx)
{
    (void)ctx;
    return 0;
}
static int enrol_starts(void *ctx, const scr_enrol_req *req)
{
    (void)ctx;
    (void)req;
    return 0;
}
static scr_enrol_outcome enrol_waits(void *ctx, char *detail, size_t cap)
{
    (void)ctx;
    snprintf(detail, cap, "%s", "");
    return SCR_ENROL_PENDING;
}

/* "Lås" from any screen leaves nothing of the person drawn: not their
 * name in the top bar, not the observation, its notes or feedback, not the
 * enrolment form's code; their name stays only on their own sign-in tile,
 * like everyone's. */
static void test_sign_out_leaves_nothing(void **state)
{
    (void)state;
    static char snap[1 << 20];
    scr_sync hooks = {.enrolled = no_server, .enrol = enrol_starts, .enrol_result = enrol_waits};
    th_sync = &hooks;
    th *t = th_open("signout", 1280, 800, "da");
    th_sync = NULL;
    th_sign_in(t, "Anna Kristensen");
    start_observation(t, "Lars Højlund");
    TAP(t, "Åbent spørgsmål");
    TAP(t, "Note");
    th_type(t, "Annas hemmelige note");
    TAP(t, "Tilføj note");
    TAP(t, "Afslut");
    TAP(t, "Afslut");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    th_snapshot(t, snap, sizeof snap);
    assert_non_null(strstr(snap, "Annas hemmelige note"));
    /* From the summary, from history, and from settings with a code typed. */
    static const char *const where[] = {"summary", "history", "settings"};
    for (int k = 0; k < 3; k++) {
        if (k == 1) {
            th_sign_in(t, "Anna Kristensen");
            TAP(t, "Forside");
            TAP(t, "Historik");
            assert_true(th_has_text_part(t, "Anna Kristensen observerede Lars Højlund"));
        } else if (k == 2) {
            th_sign_in(t, "Mette Østergaard");
            TAP(t, "Indstillinger");
            TAP(t, "ABCDE-FGHJK");
            th_type(t, "K7QMX-2PWRT");
            TAP(t, "Færdig");
            assert_true(th_has_text(t, "K7QMX-2PWRT"));
        }
        TAP(t, "Lås");
        assert_int_equal(scr_current(t->app), SCR_SIGNIN);
        th_snapshot(t, snap, sizeof snap);
        print_message("after Lås from %s\n", where[k]);
        assert_null(strstr(snap, "Annas hemmelige note"));
        assert_null(strstr(snap, "Hvordan understøtter"));
        assert_null(strstr(snap, "Åbent spørgsmål"));
        assert_null(strstr(snap, "observerede"));
        assert_null(strstr(snap, "K7QMX"));
        assert_null(strstr(snap, "\"Lås\""));
        /* Each name once: the tiles, nothing more. */
        assert_int_equal(count_in(snap, "\"Anna Kristensen\""), 1);
        assert_int_equal(count_in(snap, "\"Mette Østergaard\""), 1);
        assert_int_equal(count_in(snap, "\"Lars Højlund\""), 1);
        assert_string_equal(scr_user(t->app), "");
        assert_string_equal(scr_observation(t->app), "");
    }
    th_free(t);
}

/* A peer who neither observed nor was observed sees nothing of an
 * observation: not at home, not in history, not by a place left in the
 * store pointing at it. */
static void test_peer_sees_no_others_observations(void **state)
{
    (void)state;
    static char snap[1 << 20];
    th *t = th_open_seeded("peer", 1280, 800, "da", 3, 86400000);
    /* The seeded ones: Mette and Anna observed Jonas and Åse. */
    th_sign_in(t, "Ida Mølgaard");
    assert_true(th_has_text(t, "Venter på min feedback (0)"));
    assert_true(th_has_text(t, "Venter på min refleksion (0)"));
    TAP(t, "Historik");
    assert_true(th_has_text(t, "0 observationer"));
    th_snapshot(t, snap, sizeof snap);
    assert_null(strstr(snap, "observerede"));
    assert_null(strstr(snap, "Jonas Bækgaard"));
    assert_null(strstr(snap, "Åse Nørgaard"));
    TAP(t, "Lås");
    /* Jonas, the observee, sees the ones about him. */
    th_sign_in(t, "Jonas Bækgaard");
    TAP(t, "Historik");
    assert_true(th_has_text(t, "2 observationer"));
    TAP(t, "Lås");
    /* A place in the store naming someone else's observation opens home. */
    db_obs_filter f;
    memset(&f, 0, sizeof f);
    f.unit_id = DEMO_UNIT_ID;
    f.viewer_id = "0b11c000-0000-4000-8000-000000000021";
    f.status = -1;
    db_cursor cur;
    memset(&cur, 0, sizeof cur);
    model_observation o;
    int n = 0;
    assert_int_equal(db_obs_list(t->db, &f, &cur, 1, &o, &n), DB_OK);
    assert_int_equal(n, 1);
    char place[128];
    snprintf(place, sizeof place, "summary %s", o.id);
    assert_int_equal(db_kv_put(t->db, "place.0b11c000-0000-4000-8000-000000000027", place), DB_OK);
    th_sign_in(t, "Ida Mølgaard");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    assert_string_equal(scr_observation(t->app), "");
    th_snapshot(t, snap, sizeof snap);
    /* (The focuses' questions are the unit's, shown to all; the people in
     * an observation are not.) */
    assert_null(strstr(snap, "Jonas Bækgaard"));
    assert_null(strstr(snap, "Åse Nørgaard"));
    assert_null(strstr(snap, "Fokusperson"));
    th_free(t);
}

/* The device secret is in the store for sync, and in no draw command on
 * any screen a leader can reach. */
static void test_device_secret_never_drawn(void **state)
{
    (void)state;
    static char snap[1 << 20];
    const char *secret = "5ec7e7000000000000000000000000000000000000000000000000000000beef";
    th *t = th_open_seeded("secret", 800, 1280, "en", 2, 86400000);
    assert_int_equal(db_sync_config_put(t->db, "server_url", "https://blik.example.dk"), DB_OK);
    assert_int_equal(db_sync_config_put(t->db, "device_id", "dev-1"), DB_OK);
    assert_int_equal(db_sync_config_put(t->db, "device_secret", secret), DB_OK);
    th_sign_in(t, "Mette Østergaard");
    static const char *const steps[] = {"Settings", "Home", "History", NULL};
    for (int i = 0; steps[i]; i++) {
        th_snapshot(t, snap, sizeof snap);
        assert_null(strstr(snap, "5ec7e7"));
        assert_null(strstr(snap, "beef"));
        TAP(t, steps[i]);
    }
    for (int k = 0; k < 6; k++) {
        th_drag(t, 400, 900, 400, 300, 8, 200);
        th_wait(t, 500);
        th_snapshot(t, snap, sizeof snap);
        assert_null(strstr(snap, "5ec7e7"));
    }
    TAP(t, "Home");
    TAP(t, "Settings");
    for (int k = 0; k < 6; k++) {
        th_drag(t, 400, 900, 400, 300, 8, 200);
        th_wait(t, 500);
        th_snapshot(t, snap, sizeof snap);
        assert_null(strstr(snap, "5ec7e7"));
    }
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_lock_and_switch),
        cmocka_unit_test(test_pin_tries_are_limited),
        cmocka_unit_test(test_pin_lockout_survives_restart),
        cmocka_unit_test(test_sign_out_leaves_nothing),
        cmocka_unit_test(test_peer_sees_no_others_observations),
        cmocka_unit_test(test_device_secret_never_drawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
