/* Locking forgets the person by construction. A person signs in, visits
 * the screens that read and keep things for them (history, summary,
 * feedback, a new observation with a half-written note), and then the
 * tablet is locked. The lock's wipe is probed: just before it, the whole
 * session is filled with a marker; after it, no byte of the marker may be
 * left, nothing the person typed or read may be anywhere in the app's
 * memory, and nothing of it may be drawn.
 *
 * How this guards against a leak:
 * - A field in the session that the lock does not clear (say, the lock
 *   went back to clearing fields one by one and missed a new one) keeps
 *   the marker: the byte check fails.
 * - A field about the person put in scr_app outside the session is not
 *   touched by the marker, but keeps what the person typed or read: the
 *   scan of the whole app for those strings after the lock fails. The
 *   scan is shown to work: before the lock, each string is found.
 * - Something drawn from state that survived: the draw commands after the
 *   lock are searched for the same strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scr_test.h"
#include "th_steps.h"

#define MARKER 0xA5

/* What the person typed, the observation they opened and the one they
 * started; each must be gone from memory after the lock. */
enum { N_SECRETS = 5 };
static char secrets[N_SECRETS][128];

static void fill_marker(void *session, size_t size, void *ctx)
{
    int *called = ctx;
    memset(session, MARKER, size);
    (*called)++;
}

/* 1 if the n bytes at m contain the string s anywhere. */
static int holds(const unsigned char *m, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        if (m[i] == (unsigned char)s[0] && !memcmp(m + i, s, k))
            return 1;
    }
    return 0;
}

static int app_holds(th *t, const char *s)
{
    size_t n = 0;
    const unsigned char *m = scr_test_app(t->app, &n);
    return holds(m, n, s);
}

static int session_holds(th *t, const char *s)
{
    size_t n = 0;
    const unsigned char *m = scr_test_session(t->app, &n);
    return holds(m, n, s);
}

/* Scrolls the start screen's list until s shows, and taps it. */
static void choose(th *t, const char *s)
{
    REVEAL(t, s, 600, 400);
    TAP(t, s);
}

/* Taps what opens a text field and types secret i there. */
static void write_secret(th *t, const char *field, int i, const char *text)
{
    TAP(t, field);
    snprintf(secrets[i], sizeof secrets[i], "%s", text);
    th_type(t, secrets[i]);
}

static void test_lock_wipes_the_session(void **state)
{
    (void)state;
    th *t = th_open_seeded("session", 1280, 800, "da", 1, 86400000);
    th_sign_in(t, "Mette Østergaard");
    assert_int_equal(scr_current(t->app), SCR_HOME);

    /* History reads rows for her; one opens the summary and the feedback,
     * where she writes what works. */
    TAP(t, "Historik");
    assert_int_equal(scr_current(t->app), SCR_HISTORY);
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    snprintf(secrets[0], sizeof secrets[0], "%s", scr_observation(t->app));
    TAP(t, "Feedback");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    write_secret(t, "Hvad så du, der understøtter fokus?", 1, "Mettes fortrolige iagttagelse");
    TAP(t, "Færdig");

    /* A new observation with an activity of her words and a note left
     * half-written in its dialog. */
    TAP(t, "Forside");
    TAP(t, "Start ny observation");
    assert_int_equal(th_tap_prefix(t, "Hvordan understøtter vi"), 0);
    choose(t, "Lars Højlund");
    choose(t, "Mariehønestuen");
    REVEAL(t, "Hvad foregår der?", 600, 400);
    write_secret(t, "Hvad foregår der?", 2, "Mettes særlige aktivitet");
    TAP(t, "Færdig");
    choose(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    snprintf(secrets[3], sizeof secrets[3], "%s", scr_observation(t->app));
    write_secret(t, "Note", 4, "Mettes halve note om Lars");

    /* The scan can see each of them while she is signed in, in the
     * session. */
    for (int i = 0; i < N_SECRETS; i++) {
        if (!session_holds(t, secrets[i]))
            fail_msg("the session does not hold \"%s\" before the lock", secrets[i]);
    }

    /* Lock, with the marker put in at the moment of the wipe. */
    int called = 0;
    scr_test_wipe_probe(t->app, fill_marker, &called);
    TAP(t, "Luk");
    TAP(t, "Lås");
    assert_int_equal(called, 1);
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    assert_string_equal(scr_user(t->app), "");
    th_frame(t, NULL);

    /* No byte of the marker is left in the session. */
    size_t n = 0, whole = 0;
    const unsigned char *s = scr_test_session(t->app, &n);
    scr_test_app(t->app, &whole);
    assert_true(n > 0 && n < whole);
    print_message("the session is %zu of the app's %zu bytes\n", n, whole);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == MARKER)
            fail_msg("byte %zu of %zu of the session kept the marker after the lock", i, n);
    }
    /* Nothing of her is anywhere in the app, nor drawn. */
    static char snap[1 << 20];
    th_snapshot(t, snap, sizeof snap);
    for (int i = 0; i < N_SECRETS; i++) {
        if (app_holds(t, secrets[i]))
            fail_msg("\"%s\" is still in the app's memory after the lock", secrets[i]);
        if (strstr(snap, secrets[i]))
            fail_msg("\"%s\" is drawn after the lock", secrets[i]);
    }
    assert_null(strstr(snap, "Hvordan understøtter"));
    assert_false(th_has_text(t, "Lås"));
    assert_true(th_has_text(t, "Hvem er du?"));

    /* What she wrote is hers in the store: she gets it back. */
    scr_test_wipe_probe(t->app, NULL, NULL);
    th_sign_in(t, "Mette Østergaard");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    assert_string_equal(scr_observation(t->app), secrets[3]);
    TAP(t, "Note");
    SEES(t, secrets[4]);
    th_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_wipes_the_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
