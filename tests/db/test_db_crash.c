/*
 * Nothing a person entered may be lost. A child process performs user
 * actions and reports each one it was told is committed; here it is killed
 * with SIGKILL at random moments, again and again, and after every kill the
 * database must be sound and hold every reported action, with each change
 * and its outbox entry both there or both absent. Then the same with the
 * disk's writes and syncs failing at random (libfiu): failed actions are
 * reported as failed, and nothing is half-written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbfix.h"
#include "tsupport.h"

#define KILLS 220
#define MAX_REPORTS 200000

typedef struct {
    char kind[8];
    char id[80];
} report;

static report *reports;
static int n_reports, n_fails, n_fail_not_io;

/* Reads what the child said; complete lines only (a kill may cut the last,
 * and a cut line was never a promise). */
static void take_lines(char *buf, size_t *len)
{
    char *start = buf, *nl;
    while ((nl = memchr(start, '\n', *len - (size_t)(start - buf))) != NULL) {
        *nl = '\0';
        if (!strncmp(start, "OK ", 3) && n_reports < MAX_REPORTS) {
            report *r = &reports[n_reports];
            if (sscanf(start + 3, "%7s %79s", r->kind, r->id) == 2)
                n_reports++;
        } else if (!strncmp(start, "FAIL ", 5)) {
            n_fails++;
            if (atoi(start + 5) != DB_IO)
                n_fail_not_io++, fprintf(stderr, "unexpected failure: %s\n", start);
        }
        start = nl + 1;
    }
    size_t rest = *len - (size_t)(start - buf);
    memmove(buf, start, rest);
    *len = rest;
}

typedef struct {
    pid_t pid;
    int fd;
    char buf[65536];
    size_t len;
} child;

static void spawn(child *c, char *const argv[], const char *asan_opts)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    c->len = 0;
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        if (asan_opts)
            setenv("ASAN_OPTIONS", asan_opts, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    c->fd = p[0];
}

/* Reads for up to ms milliseconds, or until the first new report if
 * until_report; returns 1 if the child closed its output. */
static int pump(child *c, int ms, int until_report)
{
    int before = n_reports;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0 || (until_report && n_reports > before))
            return 0;
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        ssize_t got = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
        if (got <= 0)
            return 1;
        c->len += (size_t)got;
        take_lines(c->buf, &c->len);
    }
}

static int finish_child(child *c, int kill_it)
{
    if (kill_it)
        kill(c->pid, SIGKILL);
    int status;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
    }
    while (pump(c, 1000, 0) == 0) {
    }
    close(c->fd);
    return status;
}

static long q1(sqlite3 *c, const char *sql, const char *arg)
{
    sqlite3_stmt *st = NULL;
    long v = -1;
    if (sqlite3_prepare_v2(c, sql, -1, &st, NULL) == SQLITE_OK) {
        if (arg)
            sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

/* Checks the file with a plain SQLite connection, not with the store's own
 * code: sound, every report from `from` on present, and every change paired
 * with its outbox entry. */
static void verify(const char *path, int from)
{
    sqlite3 *c = NULL;
    assert_int_equal(sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(c, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    for (int i = from; i < n_reports; i++) {
        const report *r = &reports[i];
        long found;
        if (!strcmp(r->kind, "obs"))
            found = q1(c, "SELECT count(*) FROM observation WHERE id = ?1", r->id);
        else if (!strcmp(r->kind, "event"))
            found = q1(c, "SELECT count(*) FROM event WHERE id = ?1", r->id);
        else if (!strcmp(r->kind, "note"))
            found = q1(c, "SELECT count(*) FROM note WHERE id = ?1", r->id);
        else if (!strcmp(r->kind, "finish"))
            found = q1(c, "SELECT count(*) FROM observation WHERE id = ?1 AND status = 1", r->id);
        else
            found = q1(c, "SELECT count(*) FROM rating WHERE observation_id || '/' || sign_id = ?1",
                       r->id);
        if (found != 1)
            fail_msg("report %d (%s %s) was committed but is not in the database", i, r->kind,
                     r->id);
    }
    static const char *const orphans[] = {
        "SELECT count(*) FROM event e WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = e.id)",
        "SELECT count(*) FROM note n WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = n.id)",
        "SELECT count(*) FROM observation b WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = b.id)",
        "SELECT count(*) FROM outbox o WHERE entity = 'event' AND NOT EXISTS (SELECT 1 FROM event e WHERE e.id = o.entity_id)",
        "SELECT count(*) FROM outbox o WHERE entity = 'note' AND NOT EXISTS (SELECT 1 FROM note n WHERE n.id = o.entity_id)",
        "SELECT count(*) FROM outbox o WHERE entity = 'rating' AND NOT EXISTS (SELECT 1 FROM rating r WHERE r.sign_id = o.entity_id AND r.observation_id = o.obs_id)",
        "SELECT count(*) FROM outbox o WHERE entity = 'observation' AND NOT EXISTS (SELECT 1 FROM observation b WHERE b.id = o.entity_id)",
        /* a finished observation's last queued header says finished */
        "SELECT count(*) FROM observation b WHERE status = 1 AND (SELECT json_extract(payload, '$.status') FROM outbox o WHERE o.entity_id = b.id ORDER BY seq DESC LIMIT 1) <> 'finished'",
    };
    for (size_t i = 0; i < sizeof orphans / sizeof orphans[0]; i++)
        if (q1(c, orphans[i], NULL) != 0)
            fail_msg("half-written change: %s gave %ld", orphans[i], q1(c, orphans[i], NULL));
    sqlite3_close(c);
}

static void test_sigkill_at_random_moments(void **state)
{
    (void)state;
    char dir[1024], path[1100];
    assert_int_equal(tsupport_tmpdir("crash", dir, sizeof dir), 0);
    tsupport_path(path, sizeof path, dir, "blik.db");
    reports = calloc(MAX_REPORTS, sizeof *reports);
    n_reports = n_fails = n_fail_not_io = 0;
    srand((unsigned)time(NULL));
    int killed_mid_run = 0;
    for (int k = 0; k < KILLS; k++) {
        char seed[16];
        snprintf(seed, sizeof seed, "%d", rand());
        char *argv[] = {DB_ACTOR, path, seed, NULL};
        child c;
        int from = n_reports;
        spawn(&c, argv, NULL);
        /* Wait for its first committed action, then let it run a random
         * while, so that kills land in the middle of work. */
        pump(&c, 20000, 1);
        pump(&c, rand() % 25, 0);
        int status = finish_child(&c, 1);
        killed_mid_run += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        assert_true(n_reports > from);
        verify(path, from);
    }
    verify(path, 0);
    printf("# %d kills, %d actions reported committed, all present\n", killed_mid_run, n_reports);
    assert_int_equal(killed_mid_run, KILLS);
    assert_int_equal(n_fails, 0);
    free(reports);
    tsupport_rmtree(dir);
}

static void test_failing_disk_io(void **state)
{
    (void)state;
    const char *fiu = "/usr/bin/fiu-run";
    if (access(fiu, X_OK) != 0)
        fail_msg("fiu-run is not installed (it comes with the test dependencies)");
    char dir[1024], path[1100];
    assert_int_equal(tsupport_tmpdir("fiu", dir, sizeof dir), 0);
    tsupport_path(path, sizeof path, dir, "blik.db");
    /* The demo goes in first, on a healthy disk. */
    plat_sys *sys = plat_fake_new(FIX_T0, 1);
    db *d;
    char err[256];
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(demo_load(d, err, sizeof err), DB_OK);
    db_close(d);
    plat_fake_free(sys);

    reports = calloc(MAX_REPORTS, sizeof *reports);
    n_reports = n_fails = n_fail_not_io = 0;
    for (int round = 0; round < 6; round++) {
        char seed[16];
        snprintf(seed, sizeof seed, "%d", 1000 + round);
        char *argv[] = {(char *)fiu,
                        "-x",
                        "-c",
                        "enable_random name=posix/io/rw/pwrite,probability=0.01",
                        "-c",
                        "enable_random name=posix/io/sync/*,probability=0.03",
                        DB_ACTOR_PLAIN,
                        path,
                        seed,
                        "300",
                        NULL};
        child c;
        int from = n_reports;
        spawn(&c, argv, NULL);
        int status = finish_child(&c, 0);
        if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1))
            fail_msg("the actor under fault injection ended with status %d", status);
        verify(path, from);
    }
    printf("# with failing writes and syncs: %d actions committed and present, %d reported "
           "failed\n",
           n_reports, n_fails);
    assert_true(n_reports > 100);
    assert_true(n_fails > 5); /* the faults really happened */
    assert_int_equal(n_fail_not_io, 0);
    free(reports);
    tsupport_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_at_random_moments),
        cmocka_unit_test(test_failing_disk_io),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
