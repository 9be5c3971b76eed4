/*
 * A revoked and a wiped tablet on the screens, the whole app headless (the
 * harness) with the engine's state given through the same hooks the
 * program gives:
 * - revoked: the chip says so; a peer's tap only asks for a sync, a
 *   leader's (signed in with a PIN) opens the settings, which say what
 *   happened and what becomes of the waiting work, and offer the enrolment
 *   form again; enrolling there works;
 * - wiped: the app ends its run asking for the wipe, whoever is signed in;
 *   the program's part (db_wipe on the store once sync has stopped) leaves
 *   a fresh store, and the app opens on the welcome screen; a demo store is
 *   never wiped this way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db_sync.h"
#include "harness.h"
#include "tsupport.h"

#define SEES(t, s)                                                                                 \
    do {                                                                                           \
        if (!th_has_text_part((t), (s)))                                                           \
            fail_msg("\"%s\" is not on screen (line %d)", (s), __LINE__);                          \
    } while (0)

typedef struct {
    scr_sync_state st;
    int nows, enrols;
    scr_enrol_req last;
    db *d;
} fake_sync;

static int fs_enrolled(void *ctx) { return ((fake_sync *)ctx)->st.enrolled; }
static void fs_now(void *ctx) { ((fake_sync *)ctx)->nows++; }
static void fs_status(void *ctx, char *line, size_t cap)
{
    (void)ctx;
    snprintf(line, cap, "%s", "");
}
static void fs_state(void *ctx, scr_sync_state *out) { *out = ((fake_sync *)ctx)->st; }
static int fs_enrol(void *ctx, const scr_enrol_req *req)
{
    fake_sync *f = ctx;
    f->enrols++;
    f->last = *req;
    return 0;
}
static scr_enrol_outcome fs_enrol_result(void *ctx, char *detail, size_t cap)
{
    (void)ctx;
    snprintf(detail, cap, "%s", "");
    return SCR_ENROL_OK;
}

static scr_sync hooks_for(fake_sync *f)
{
    scr_sync h = {.ctx = f,
                  .enrolled = fs_enrolled,
                  .now = fs_now,
                  .status = fs_status,
                  .state = fs_state,
                  .enrol = fs_enrol,
                  .enrol_result = fs_enrol_result};
    return h;
}

/* Brings the field showing `shown` into view, and types text over it. */
static void retype(th *t, const char *shown, const char *text)
{
    if (th_reveal(t, shown, 640, 500) != 0 || th_tap_text(t, shown) != 0)
        fail_msg("not on screen: %s", shown);
    for (int i = 0; i < 100; i++)
        th_key(t, PLAT_KEY_BACKSPACE);
    th_type(t, text);
    th_key(t, PLAT_KEY_ENTER);
}

static void test_revoked_tablet_offers_enrolment(void **state)
{
    (void)state;
    fake_sync fs = {.st = {.enrolled = 1, .rounds = 1, .problem = SCR_SYNC_REVOKED}};
    scr_sync hooks = hooks_for(&fs);
    th_sync = &hooks;
    th *t = th_open("lcrevoked", 1280, 800, "en");
    th_sync = NULL;
    fs.d = t->db;
    th_sign_in(t, "Ida Mølgaard"); /* a peer */
    th_frame(t, NULL);
    /* Signing in on an enrolled tablet asked for one round already. */
    assert_int_equal(fs.nows, 1);
    SEES(t, "Tablet revoked: enrol again");
    assert_int_equal(th_tap_prefix(t, "Tablet revoked: enrol again"), 0);
    assert_int_equal(fs.nows, 2);
    assert_int_not_equal(scr_current(t->app), SCR_SETTINGS);
    assert_int_equal(th_tap_text(t, "Lock"), 0);

    th_sign_in(t, "Mette Østergaard"); /* a leader: her PIN came first */
    th_frame(t, NULL);
    assert_int_equal(th_tap_prefix(t, "Tablet revoked: enrol again"), 0);
    assert_int_equal(scr_current(t->app), SCR_SETTINGS);
    th_frame(t, NULL);
    SEES(t, "An administrator revoked this tablet");
    SEES(t, "Work not sent yet stays on this tablet");
    SEES(t, "shown as refused");
    assert_true(th_has_text(t, "Enrol this tablet"));
    /* Unknown to the server: its own words, the same form. */
    fs.st.problem = SCR_SYNC_UNAUTHORIZED;
    th_frame(t, NULL);
    SEES(t, "The server no longer knows this tablet");
    assert_true(th_has_text(t, "Enrol this tablet"));

    /* Enrolling again: the address, a new code and a name. */
    retype(t, "https://", "https://blik.example.org");
    retype(t, "ABCDE-FGHJK", "ABCDE-FGHJK");
    retype(t, "e.g. Room 3 – blue", "Stue 3 – blå");
    assert_int_equal(th_reveal(t, "Enrol this tablet", 640, 500), 0);
    assert_int_equal(th_tap_text(t, "Enrol this tablet"), 0);
    th_frame(t, NULL);
    th_frame(t, NULL);
    assert_int_equal(fs.enrols, 1);
    assert_string_equal(fs.last.code, "ABCDE-FGHJK");
    assert_string_equal(fs.last.name, "Stue 3 – blå");
    /* It went well: the words of a revoked tablet are gone. */
    fs.st.problem = SCR_SYNC_FINE;
    fs.st.rounds++;
    th_frame(t, NULL);
    assert_false(th_has_text_part(t, "An administrator revoked this tablet"));
    /* Revoked once more after that enrolment: "enrolled" no longer holds,
     * and the words and the form are back. */
    fs.st.problem = SCR_SYNC_REVOKED;
    fs.st.rounds++;
    th_frame(t, NULL);
    th_frame(t, NULL);
    assert_int_equal(th_reveal(t, "An administrator revoked this tablet", 640, 400), 0);
    assert_false(th_has_text(t, "The tablet is enrolled."));
    th_free(t);
}

static void test_wiped_tablet_starts_anew(void **state)
{
    (void)state;
    fake_sync fs = {.st = {.enrolled = 1, .rounds = 1, .problem = SCR_SYNC_FINE}};
    scr_sync hooks = hooks_for(&fs);
    th_sync = &hooks;
    th *t = th_open("lcwiped", 1280, 800, "en");
    th_sync = NULL;
    th_sign_in(t, "Mette Østergaard");
    th_frame(t, NULL);
    assert_int_equal(scr_asked(t->app), SCR_ASK_NONE);
    fs.st.problem = SCR_SYNC_WIPED;
    fs.st.rounds = 2;
    th_frame(t, NULL);
    assert_int_equal(scr_asked(t->app), SCR_ASK_WIPE);

    /* What the program does then: with the app and sync stopped, the
     * store's files go and a fresh store stands there. */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", t->dir);
    th_close(t);
    db *d = NULL;
    assert_int_equal(db_open(t->dbpath, plat_sys_os(), &d), DB_OK);
    model_person p[4];
    int n = 0;
    assert_int_equal(db_wipe(d), DB_OK);
    assert_int_equal(db_person_list(d, "0b11c000-0000-4000-8000-000000000001", "", 0, 4, p, &n),
                     DB_OK);
    assert_int_equal(n, 0);
    db_close(d);
    free(t);
    t = th_open_dir(dir, 1280, 800, "en", TH_START_MS);
    assert_int_equal(scr_current(t->app), SCR_WELCOME);
    th_frame(t, NULL);
    assert_true(th_has_text(t, "Connect to your server"));
    th_free(t);

    /* The demo's store is never wiped by a server's word. */
    th_demo = 1;
    th_sync = &hooks;
    t = th_open("lcwipedemo", 1280, 800, "en");
    th_sync = NULL;
    th_demo = 0;
    th_frame(t, NULL);
    assert_int_equal(scr_asked(t->app), SCR_ASK_NONE);
    th_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revoked_tablet_offers_enrolment),
        cmocka_unit_test(test_wiped_tablet_starts_anew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
