/* Settings, by touch: only leaders reach them; the lock time changes the
 * auto-lock at once and is kept; the language switches at once when both
 * catalogues are given; the storage used is shown; "sync now" is refused
 * with a reason without a server, and reaches sync through the hooks when
 * there is one. */
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

static void test_settings_without_sync(void **state)
{
    (void)state;
    th *t = th_open_seeded("set-da", 1280, 800, "da", 3, 86400000);
    th_sign_in(t, "Anna Kristensen");
    assert_false(th_has_text(t, "Indstillinger")); /* not for peers */
    TAP(t, "Lås");
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Indstillinger");
    assert_int_equal(scr_current(t->app), SCR_SETTINGS);
    TARGETS_OK(t);
    SEES(t, "Synkronisér nu: ikke forbundet til en server");
    assert_false(th_has_text(t, "Synkronisér nu"));
    SEES(t, "3 observationer");
    SEES(t, " brugt");
    SEES(t, "ældre end 365 dage");
    /* The server address is kept for the enrolment to come. */
    TAP(t, "https://");
    th_type(t, "https://blik.example.dk");
    TAP(t, "Færdig");
    char v[128];
    assert_int_equal(db_kv_get(t->db, "settings.server_url", v, sizeof v), DB_OK);
    assert_string_equal(v, "https://blik.example.dk");
    /* Lock after 2 minutes: kept, and in force at once. */
    REVEAL(t, "2 min.", 640, 500);
    TAP(t, "2 min.");
    assert_int_equal(db_kv_get(t->db, "ui.lock_minutes", v, sizeof v), DB_OK);
    assert_string_equal(v, "2");
    th_wait(t, 119000);
    assert_int_equal(scr_current(t->app), SCR_SETTINGS);
    th_wait(t, 2000);
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    /* Without both catalogues the language waits for the next start. */
    th_sign_in(t, "Mette Østergaard");
    assert_int_equal(scr_current(t->app), SCR_SETTINGS);
    REVEAL(t, "English", 640, 500);
    TAP(t, "English");
    assert_int_equal(db_kv_get(t->db, "ui.lang", v, sizeof v), DB_OK);
    assert_string_equal(v, "en");
    SEES(t, "Sproget skifter ved næste start.");
    th_free(t);
}

typedef struct {
    int enrolled, nows;
} fake_sync;

static int fs_enrolled(void *ctx) { return ((fake_sync *)ctx)->enrolled; }
static void fs_now(void *ctx) { ((fake_sync *)ctx)->nows++; }
static void fs_status(void *ctx, char *line, size_t cap)
{
    snprintf(line, cap, "%s", ((fake_sync *)ctx)->nows ? "Syncing now." : "");
}

static void test_settings_sync_now(void **state)
{
    (void)state;
    fake_sync fs = {1, 0};
    scr_sync hooks = {.ctx = &fs, .enrolled = fs_enrolled, .now = fs_now, .status = fs_status};
    th_sync = &hooks;
    th *t = th_open("set-en", 800, 1280, "en");
    th_sync = NULL;
    db_enrolment en = {.server_url = "https://blik.example.dk",
                       .device_id = "dev-1",
                       .device_secret = "secret",
                       .unit_id = DEMO_UNIT_ID};
    assert_int_equal(db_enrolment_put(t->db, &en, NULL), DB_OK);
    th_sign_in(t, "Søren Æbelø");
    TAP(t, "Settings");
    SEES(t, "Connected to https://blik.example.dk");
    TARGETS_OK(t);
    /* Signing in on an enrolled tablet asked for one round already. */
    assert_int_equal(fs.nows, 1);
    TAP(t, "Sync now");
    assert_int_equal(fs.nows, 2);
    SEES(t, "Syncing now.");
    TAP(t, "Home");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_without_sync),
        cmocka_unit_test(test_settings_sync_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
