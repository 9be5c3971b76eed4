/* Nothing lost: an app killed in the middle of an observation comes back
 * to the same observation, screen and data. The kill is real: a child
 * process does the work and is killed with SIGKILL, closing nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define TAP(t, s)                                                                                  \
    do {                                                                                           \
        if (th_tap_text(t, s) != 0) {                                                              \
            fprintf(stderr, "not on screen: %s\n", s);                                             \
            _exit(3);                                                                              \
        }                                                                                          \
    } while (0)

/* In the child: sign in, start, count, rate, half-write a note, and die.
 * Writes the observation id to the pipe before the kill. */
static void child(const char *name, int fd, char *dir_out, size_t cap)
{
    th *t = th_open(name, 1280, 800, "da");
    snprintf(dir_out, cap, "%s", t->dir);
    th_sign_in(t, "Ida Mølgaard");
    TAP(t, "Start ny observation");
    if (th_tap_prefix(t, "Hvordan bruger vi") != 0)
        _exit(4);
    if (th_reveal(t, "Lars Højlund", 600, 600) != 0)
        _exit(5);
    TAP(t, "Lars Højlund");
    if (th_reveal(t, "Skolegruppen", 600, 600) != 0)
        _exit(5);
    TAP(t, "Skolegruppen");
    if (th_reveal(t, "Hvad foregår der?", 600, 600) != 0)
        _exit(5);
    TAP(t, "Leg");
    if (th_reveal(t, "Aftalen med den observerede er lavet", 600, 600) != 0)
        _exit(5);
    TAP(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    if (scr_current(t->app) != SCR_OBSERVE)
        _exit(6);
    th_wait(t, 20000);
    TAP(t, "Åbent spørgsmål");
    TAP(t, "Åbent spørgsmål");
    TAP(t, "Tydeligt");
    if (th_tap_prefix(t, "Samtale i gang") != 0)
        _exit(7);
    TAP(t, "Note");
    th_type(t, "Halvt skrevet æøå");
    char msg[256];
    int n = snprintf(msg, sizeof msg, "%s\n%s\n", scr_observation(t->app), t->dir);
    if (write(fd, msg, (size_t)n) != n)
        _exit(8);
    raise(SIGKILL);
    _exit(9);
}

static void run_child(const char *name, char *obs, char *dir)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        char d[1024];
        child(name, fds[1], d, sizeof d);
    }
    close(fds[1]);
    char buf[2048] = "";
    ssize_t got = 0, k;
    while ((k = read(fds[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0)
        got += k;
    buf[got > 0 ? got : 0] = 0;
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("the child did not get as far as the kill (status %d)", status);
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    *nl = 0;
    snprintf(obs, 64, "%.63s", buf); /* an id is 36 characters */
    char *nl2 = strchr(nl + 1, '\n');
    assert_non_null(nl2);
    *nl2 = 0;
    snprintf(dir, 1024, "%s", nl + 1);
}

static void test_resume_after_kill(void **state)
{
    (void)state;
    char obs[64], dir[1024];
    run_child("resume", obs, dir);
    /* Started again a minute later, within the lock time: same person,
     * same screen, same observation, same data, no PIN. */
    th *t = th_open_dir(dir, 1280, 800, "da", TH_START_MS + 2 * 60000);
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    assert_string_equal(scr_observation(t->app), obs);
    assert_string_equal(scr_user(t->app), "0b11c000-0000-4000-8000-000000000027");
    assert_true(th_has_text(t, "Ida Mølgaard"));
    assert_true(th_has_text_part(t, "Hvordan bruger vi"));
    model_observation o;
    model_template tm;
    int counts[MODEL_MAX_COUNTERS];
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    assert_int_equal(db_template_get(t->db, o.template_id, o.template_version, &tm), DB_OK);
    assert_int_equal(db_obs_counts(t->db, obs, &tm, counts), DB_OK);
    assert_int_equal(counts[0], 2);
    /* The screen shows what the store holds: the count, the rating, the
     * running timer, and the half-written note. */
    int x, y, w, h;
    assert_int_equal(th_find_text(t, "2", 0, &x, &y, &w, &h), 0);
    assert_true(th_has_text(t, "Fortryd: Samtale i gang til"));
    TAP(t, "Note");
    assert_true(th_has_text(t, "Halvt skrevet æøå"));
    th_type(t, "!");
    TAP(t, "Tilføj note");
    model_note notes[2];
    int n = 0;
    assert_int_equal(db_obs_notes(t->db, obs, 0, 2, notes, &n), DB_OK);
    if (n != 1)
        fail_msg("note not stored: \"%s\"", scr_error(t->app));
    assert_string_equal(notes[0].text, "Halvt skrevet æøå!");
    /* Counting goes on where it was. */
    TAP(t, "Åbent spørgsmål");
    assert_int_equal(db_obs_counts(t->db, obs, &tm, counts), DB_OK);
    assert_int_equal(counts[0], 3);
    th_free(t);
}

static void test_resume_after_lock_time_needs_pin(void **state)
{
    (void)state;
    char obs[64], dir[1024];
    run_child("resume-late", obs, dir);
    /* Started again an hour later: locked; nothing of the observation is
     * shown until its observer signs in, and then it is back. */
    th *t = th_open_dir(dir, 1280, 800, "da", TH_START_MS + 60 * 60000);
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    assert_string_equal(scr_user(t->app), "");
    assert_false(th_has_text_part(t, "Hvordan bruger vi"));
    th_sign_in(t, "Ida Mølgaard");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    assert_string_equal(scr_observation(t->app), obs);
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_after_kill),
        cmocka_unit_test(test_resume_after_lock_time_needs_pin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
