/*
 * A real tablet's life, end to end: the whole app headless, with the real
 * sync engine behind the program's hooks, a real blik-server, PostgreSQL
 * and TLS with a CA made for the test. A tablet started on an empty folder
 * opens on the welcome screen, is enrolled from it (every failure said in
 * words and nothing kept), pulls its unit before anyone signs in, and its
 * sign-in shows the unit's staff; the tablet's name reaches the server. A
 * PIN changed on the server counts from the next try without a restart; a
 * person deactivated or erased on the server cannot sign in after the next
 * pull, and one signed in is signed out. The demo lives in its own store:
 * no demo row reaches the real store, and no demo person can act in or
 * pull for the real unit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "demo.h"
#include "harness.h"
#include "link.h"
#include "synctest.h"
#include "tsupport.h"

/* The demo's first leader (app/demo). */
#define DEMO_ID_LEADER "0b11c000-0000-4000-8000-000000000021"

static fx_world W;
static fx_unit U;
/* The tablet of the first tests: its folder, app and link stay up. */
static th *T;
static link_sync *L;
static scr_sync H;

static int up(void **state)
{
    (void)state;
    if (fx_up(&W, "blik_e2e_life", NULL) != 0)
        return -1;
    fx_make_unit(&W, "Solsikken", &U);
    if (fx_admin(&W, NULL, 0, "2580\n", "pin-set", "--person", U.leader, NULL) != 0 ||
        fx_admin(&W, NULL, 0, "1357\n", "pin-set", "--person", U.peer1, NULL) != 0 ||
        fx_admin(&W, NULL, 0, "2468\n", "pin-set", "--person", U.peer2, NULL) != 0)
        return -1;
    return 0;
}

static int down(void **state)
{
    (void)state;
    if (T)
        th_free(T);
    link_sync_free(L);
    fx_down(&W);
    return 0;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs frames on the real clock until the app is on screen s, for at most
 * ms; 0 if it got there. */
static int wait_screen(th *t, scr_screen s, int ms)
{
    for (int i = 0; i < ms / 20; i++) {
        th_frame(t, NULL);
        if (scr_current(t->app) == s)
            return 0;
        usleep(20000);
    }
    return -1;
}

/* Runs frames until the text is drawn; 0 if it was within ms. */
static int wait_text(th *t, const char *s, int ms)
{
    for (int i = 0; i < ms / 20; i++) {
        th_frame(t, NULL);
        if (th_has_text_part(t, s))
            return 0;
        usleep(20000);
    }
    return -1;
}

/* "Sync now" through the hooks, and frames until a round more than before
 * has ended (the screens took what it pulled). */
static void sync_round_now(th *t)
{
    scr_sync_state st;
    H.state(H.ctx, &st);
    int64_t before = st.rounds;
    H.now(H.ctx);
    for (int i = 0; i < 1500; i++) {
        H.state(H.ctx, &st);
        if (st.rounds > before && !st.running)
            break;
        usleep(20000);
    }
    assert_true(st.rounds > before);
    if (st.problem != SCR_SYNC_FINE) {
        char line[320];
        H.status(H.ctx, line, sizeof line);
        fail_msg("the round failed: %s", line);
    }
    th_frame(t, NULL);
}

/* Fails with what was on screen, so that a failure says where it was. */
static void fail_on_screen(th *t, const char *what)
{
    static char snap[1 << 16];
    th_snapshot(t, snap, sizeof snap);
    fail_msg("%s; on screen:\n%.4000s", what, snap);
}

/* Clears a field the app has focused, then types into it. */
static void retype(th *t, const char *shown, const char *text)
{
    if (th_tap_text(t, shown) != 0)
        fail_msg("not on screen: %s", shown);
    th_key(t, PLAT_KEY_END); /* the tap put the cursor where it landed */
    for (int i = 0; i < 300; i++)
        th_key(t, PLAT_KEY_BACKSPACE);
    th_type(t, text);
    /* Done on the on-screen keyboard ends the typing in a field and in
     * the CA's text area alike (Enter there starts a new line). */
    if (th_tap_text(t, "Done") != 0)
        fail_on_screen(t, "no Done key");
}

/* Taps "Enrol this tablet" and runs frames until the enrolment ended. */
static void enrol_and_wait(th *t)
{
    if (th_reveal(t, "Enrol this tablet", 640, 400) != 0)
        fail_on_screen(t, "no enrol button");
    if (th_tap_text(t, "Enrol this tablet") != 0)
        fail_msg("no enrol button");
    for (int i = 0; i < 1500 && th_has_text(t, "Enrolling the tablet"); i++) {
        usleep(20000);
        th_frame(t, NULL);
    }
    th_frame(t, NULL);
}

static void see(th *t, const char *s)
{
    if (wait_text(t, s, 2000) != 0)
        fail_on_screen(t, s);
}

static void test_first_start_enrols_from_the_welcome_screen(void **state)
{
    (void)state;
    char dir[1024], path[1200];
    assert_int_equal(tsupport_tmpdir("life-first", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/blik.db", dir);
    db *d = NULL;
    assert_int_equal(db_open(path, plat_sys_os(), &d), DB_OK);
    L = link_sync_new(d, path, plat_sys_os());
    db_close(d);
    assert_non_null(L);
    H = link_sync_hooks(L);
    th_sync = &H;
    T = th_open_dir(dir, 1280, 800, "en", wall_ms());
    th_sync = NULL;

    /* An empty folder, no flag: the welcome screen with its two ways on. */
    assert_int_equal(scr_current(T->app), SCR_WELCOME);
    see(T, "Welcome to Blik");
    see(T, "Try the demo");
    assert_int_equal(th_tap_text_n(T, "Connect to your server", 1), 0);
    see(T, "Server address");

    /* Every way it can fail says so, and nothing is kept. */
    char code[40];
    assert_int_equal(fx_admin(&W, code, sizeof code, NULL, "enrol-code", "--unit", U.unit, NULL),
                     0);
    char plain[700];
    snprintf(plain, sizeof plain, "http://%s", W.srv.url + strlen("https://"));
    retype(T, "https://", plain);
    retype(T, "ABCDE-FGHJK", "WRONG-CODE1");
    retype(T, "e.g. Room 3 – blue", "Stue 3 – blå");
    retype(T, "Paste the certificate (PEM), or the path of its file", W.srv.ca);
    enrol_and_wait(T);
    see(T, "The address must begin with https://");
    retype(T, plain, W.srv.url);
    enrol_and_wait(T);
    see(T, "The code is wrong, used or expired. Ask for a new code.");
    assert_false(db_enrolled(T->db));
    retype(T, W.srv.ca, "/no/such/ca.pem");
    enrol_and_wait(T);
    see(T, "The CA file cannot be read, or holds no certificate.");
    retype(T, "/no/such/ca.pem", "");
    retype(T, "WRONG-CODE1", code);
    enrol_and_wait(T);
    see(T, "The server's certificate is not trusted.");
    assert_false(db_enrolled(T->db));
    retype(T, W.srv.url, "https://127.0.0.1:1");
    enrol_and_wait(T);
    see(T, "The server does not answer.");
    assert_false(db_enrolled(T->db));
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM devices"), 0);

    /* The good way: enrolled, the unit pulled before anyone signs in, and
     * the sign-in shows the unit's staff. */
    retype(T, "https://127.0.0.1:1", W.srv.url);
    retype(T, "Paste the certificate (PEM), or the path of its file", W.srv.ca);
    enrol_and_wait(T);
    assert_true(db_enrolled(T->db));
    if (wait_screen(T, SCR_SIGNIN, 30000) != 0)
        fail_msg("the sign-in never came after the enrolment");
    see(T, "Solsikken");
    see(T, "Lea Leader");
    see(T, "Per Peer");
    see(T, "Pia Peer");
    assert_string_equal(scr_user(T->app), "");
    /* The tablet's name reached the server. */
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM devices WHERE name = 'Stue 3 – blå'"), 1);
    /* The unit's staff can sign in with the PINs set on the server. */
    th_sign_in_pin(T, "Lea Leader", "2580");
    assert_int_equal(scr_current(T->app), SCR_HOME);
    assert_string_equal(scr_user(T->app), U.leader);
    assert_int_equal(th_tap_text(T, "Lock"), 0);
    assert_int_equal(scr_current(T->app), SCR_SIGNIN);
}

/* How often the engine told the program something changed. */
static int told;
static void count_wake(void *ctx)
{
    (void)ctx;
    __atomic_add_fetch(&told, 1, __ATOMIC_SEQ_CST);
}

static void test_pins_and_people_take_effect_at_once(void **state)
{
    (void)state;
    assert_non_null(T);
    /* The real engine tells the program when a round begins and ends, so
     * the loop needs no look every so often. */
    link_sync_on_change(L, count_wake, NULL);
    sync_round_now(T);
    assert_true(__atomic_load_n(&told, __ATOMIC_SEQ_CST) >= 2);
    /* A new PIN set on the server: after the next pull the old one is
     * refused and the new one opens, with no restart. */
    assert_int_equal(fx_admin(&W, NULL, 0, "4711\n", "pin-set", "--person", U.leader, NULL), 0);
    sync_round_now(T);
    th_sign_in_pin(T, "Lea Leader", "2580");
    assert_int_equal(scr_current(T->app), SCR_SIGNIN);
    see(T, "Wrong PIN. Try again.");
    assert_int_equal(th_tap_text(T, "Cancel"), 0);
    th_sign_in_pin(T, "Lea Leader", "4711");
    assert_int_equal(scr_current(T->app), SCR_HOME);
    assert_int_equal(th_tap_text(T, "Lock"), 0);

    /* Per is signed in when the server deactivates him: the next pull
     * signs him out, and his tile is gone. */
    th_sign_in_pin(T, "Per Peer", "1357");
    assert_int_equal(scr_current(T->app), SCR_HOME);
    assert_string_equal(scr_user(T->app), U.peer1);
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "person-deactivate", "--person", U.peer1, NULL),
                     0);
    sync_round_now(T);
    th_frame(T, NULL);
    assert_int_equal(scr_current(T->app), SCR_SIGNIN);
    assert_string_equal(scr_user(T->app), "");
    assert_false(th_has_text(T, "Per Peer"));
    assert_true(th_has_text(T, "Lea Leader"));

    /* Pia's PIN dialog is open when the server erases her: the dialog
     * closes, her tile goes, and her PIN opens nothing. */
    assert_int_equal(th_tap_text(T, "Pia Peer"), 0);
    assert_true(th_has_text(T, "Enter your PIN"));
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "person-delete", "--person", U.peer2, NULL), 0);
    sync_round_now(T);
    th_type(T, "2468");
    th_key(T, PLAT_KEY_ENTER);
    assert_int_equal(scr_current(T->app), SCR_SIGNIN);
    assert_string_equal(scr_user(T->app), "");
    assert_false(th_has_text(T, "Pia Peer"));
    assert_false(th_has_text(T, "Enter your PIN"));
    model_person p;
    assert_int_equal(db_person_get(T->db, U.peer2, &p), DB_NOTFOUND);

    /* Activated again on the server: back at the next pull. */
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "person-activate", "--person", U.peer1, NULL), 0);
    sync_round_now(T);
    see(T, "Per Peer");
    th_sign_in_pin(T, "Per Peer", "1357");
    assert_string_equal(scr_user(T->app), U.peer1);
    assert_int_equal(th_tap_text(T, "Lock"), 0);
}

/* Counts rows of a table of a store file, opened on its own. */
static long long rows(const char *path, const char *unit_id)
{
    db *d = NULL;
    assert_int_equal(db_open(path, plat_sys_os(), &d), DB_OK);
    model_person people[16];
    int n = 0;
    assert_int_equal(db_person_list(d, unit_id, "", 0, 16, people, &n), DB_OK);
    model_unit un;
    long long r = n + (db_unit_get(d, unit_id, &un) == DB_OK);
    db_close(d);
    return r;
}

static void run_blik(const char *dir, int demo)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("SDL_VIDEODRIVER", "dummy", 1);
        setenv("BLIK_EXIT_AFTER_FIRST_FRAME", "1", 1);
        if (demo)
            execl(BLIK_BIN, BLIK_BIN, "--data", dir, "--demo", (char *)NULL);
        else
            execl(BLIK_BIN, BLIK_BIN, "--data", dir, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_demo_and_real_never_mix(void **state)
{
    (void)state;
    /* "Try the demo" on the welcome screen asks for the demo's own store;
     * the real store is left as it was. */
    th *w = th_open_empty("life-welcome", 800, 1280, "da");
    assert_int_equal(scr_current(w->app), SCR_WELCOME);
    assert_int_equal(th_tap_text_n(w, "Prøv demoen", 1), 0);
    assert_int_equal(scr_asked(w->app), SCR_ASK_DEMO);
    assert_int_equal(rows(w->dbpath, DEMO_UNIT_ID), 0);
    th_free(w);

    /* The binary itself: --demo puts the demo in demo.db beside blik.db,
     * which gets no demo row; started again without it, the tablet comes
     * back to the demo it was in. */
    char dir[1024], real[1200], demo[1200];
    assert_int_equal(tsupport_tmpdir("life-bin", dir, sizeof dir), 0);
    snprintf(real, sizeof real, "%s/%s", dir, REAL_STORE);
    snprintf(demo, sizeof demo, "%s/%s", dir, DEMO_STORE);
    run_blik(dir, 1);
    assert_int_equal(rows(demo, DEMO_UNIT_ID), 9); /* the unit and its 8 people */
    assert_int_equal(rows(real, DEMO_UNIT_ID), 0);
    db *d = NULL;
    assert_int_equal(db_open(real, plat_sys_os(), &d), DB_OK);
    model_id unit = "";
    int urc = db_device_unit_get(d, unit);
    assert_true(urc == DB_NOTFOUND || (urc == DB_OK && !unit[0]));
    db_close(d);
    run_blik(dir, 0);
    assert_int_equal(rows(real, DEMO_UNIT_ID), 0);
    tsupport_rmtree(dir);

    /* A store from before, with the demo loaded into it and never
     * enrolled, becomes the demo's own at the next start. */
    assert_int_equal(tsupport_tmpdir("life-old", dir, sizeof dir), 0);
    snprintf(real, sizeof real, "%s/%s", dir, REAL_STORE);
    snprintf(demo, sizeof demo, "%s/%s", dir, DEMO_STORE);
    assert_int_equal(db_open(real, plat_sys_os(), &d), DB_OK);
    char err[256];
    assert_int_equal(demo_load(d, err, sizeof err), DB_OK);
    assert_int_equal(db_device_unit_put(d, DEMO_UNIT_ID), DB_OK);
    db_close(d);
    run_blik(dir, 0);
    assert_int_equal(rows(demo, DEMO_UNIT_ID), 9);
    assert_int_equal(rows(real, DEMO_UNIT_ID), 0);
    tsupport_rmtree(dir);

    /* In the demo the tablet cannot be enrolled: the settings say to
     * leave the demo first, and offer it. */
    th_demo = 1;
    w = th_open("life-demo", 1280, 800, "da");
    th_demo = 0;
    th_sign_in(w, "Mette Østergaard");
    assert_int_equal(th_tap_text(w, "Indstillinger"), 0);
    see(w, "Dette er demoen. Forlad først demoen");
    assert_false(th_has_text(w, "Tilmeld denne tablet"));
    assert_int_equal(th_tap_text(w, "Forlad demoen"), 0);
    assert_int_equal(scr_asked(w->app), SCR_ASK_LEAVE_DEMO);
    th_free(w);

    /* The real tablet of the first test: no demo person is in its store,
     * on its sign-in, or among those it pulls for; and the server refuses
     * the demo leader as an actor for the real unit. */
    assert_non_null(T);
    assert_int_equal(rows(T->dbpath, DEMO_UNIT_ID), 0);
    assert_false(th_has_text(T, "Mette Østergaard"));
    model_id followed[16];
    int n = 0;
    assert_int_equal(db_sync_followed(T->db, followed, 16, &n), DB_OK);
    for (int i = 0; i < n; i++)
        assert_null(strstr(followed[i], "0b11c000-"));
    fx_device dev;
    fx_enrol(&W, U.unit, &dev);
    thttp_resp r;
    fx_post(&W, "/v1/pull", &dev,
            "{\"schema\":1,\"cursor\":0,\"limit\":10,\"person_id\":\"" DEMO_ID_LEADER "\"}", &r);
    fx_assert_error(&r, 403, PROTO_E_FORBIDDEN);
    thttp_free(&r);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_start_enrols_from_the_welcome_screen),
        cmocka_unit_test(test_pins_and_people_take_effect_at_once),
        cmocka_unit_test(test_demo_and_real_never_mix),
    };
    return cmocka_run_group_tests(tests, up, down);
}
