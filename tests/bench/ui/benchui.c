/* Helpers for the app's benchmarks. */
#include "benchui.h"
#include "benchutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "demo.h"
#include "plat.h"

#define DEMO_ID(n) "0b11c000-0000-4000-8000-0000000000" n

static const char *const people[] = {DEMO_ID("21"), DEMO_ID("22"), DEMO_ID("23"), DEMO_ID("24"),
                                     DEMO_ID("25"), DEMO_ID("26"), DEMO_ID("27"), DEMO_ID("28")};
static const char *const rooms[] = {DEMO_ID("11"), DEMO_ID("12"), DEMO_ID("13"), DEMO_ID("14")};
static const char *const focuses[] = {DEMO_ID("41"), DEMO_ID("42"), DEMO_ID("43")};
static const char *const counters[] = {"open_q", "clear_msg", "open_q"};

void benchui_dir(char *out, size_t cap, const char *name)
{
    const char *base = getenv("BLIK_BENCH_TMP");
    snprintf(out, cap, "%s/%s", base && *base ? base : "/tmp", name);
}

static int fail(db *d, const char *what)
{
    fprintf(stderr, "benchui: %s: %s\n", what, d ? db_errmsg(d) : "no store");
    db_close(d);
    return -1;
}

int benchui_store(const char *dir, int n)
{
    if (plat_mkdirs(dir) != 0) {
        fprintf(stderr, "benchui: cannot make %s\n", dir);
        return -1;
    }
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/blik.db", dir);
    db *d = NULL;
    if (db_open(path, plat_sys_os(), &d) != DB_OK)
        return fail(d, "open");
    if (demo_load(d, err, sizeof err) != DB_OK)
        return fail(d, err);
    if (db_kv_put(d, "device.unit", DEMO_UNIT_ID) != DB_OK)
        return fail(d, "enrol");
    db_obs_filter f = {0};
    f.unit_id = DEMO_UNIT_ID;
    f.viewer_id = people[0]; /* a leader sees the whole unit */
    f.status = -1;
    int64_t have = 0;
    if (db_obs_count(d, &f, &have) != DB_OK)
        return fail(d, "count");
    /* Observations as a unit makes them over a year: every person observes
     * and is observed, most are finished, each has a few taps. */
    for (int64_t i = have; i < n;) {
        if (db_batch_begin(d) != DB_OK)
            return fail(d, "batch");
        for (int k = 0; k < 500 && i < n; k++, i++) {
            int fi = (int)(i % 3);
            db_obs_new o = {0};
            o.unit_id = DEMO_UNIT_ID;
            o.focus_id = focuses[fi];
            o.observer_id = people[i % 8];
            o.observee_id = people[(i + 3) % 8];
            o.room_id = rooms[i % 4];
            o.activity = "Samling";
            o.context_json = "{}";
            o.agreement = 1;
            model_id id;
            if (db_obs_start(d, &o, id) != DB_OK)
                return fail(d, "start");
            for (int e = 0; e < 3; e++)
                if (db_obs_event(d, id, o.observer_id, MODEL_EV_COUNT, counters[fi], NULL) != DB_OK)
                    return fail(d, "event");
            if (i % 10 != 0 && db_obs_finish(d, id, o.observer_id) != DB_OK)
                return fail(d, "finish");
        }
        if (db_batch_end(d, 1) != DB_OK)
            return fail(d, "commit");
    }
    db_close(d);
    return 0;
}

int benchui_sign_in(const char *dir)
{
    char path[1024], seen[32], key[64];
    snprintf(path, sizeof path, "%s/blik.db", dir);
    db *d = NULL;
    if (db_open(path, plat_sys_os(), &d) != DB_OK)
        return fail(d, "open");
    snprintf(seen, sizeof seen, "%lld", (long long)plat_sys_os()->now_ms(plat_sys_os()));
    snprintf(key, sizeof key, "place.%s", people[0]);
    if (db_kv_put(d, "ui.user", people[0]) != DB_OK || db_kv_put(d, "ui.seen", seen) != DB_OK ||
        db_kv_put(d, key, "home ") != DB_OK)
        return fail(d, "sign in");
    db_close(d);
    return 0;
}

static pid_t xvfb_pid = -1;

static int start_xvfb(void)
{
    for (int n = 90 + (int)(getpid() % 50); n < 200; n++) {
        char lock[64], sock[64], disp[16];
        snprintf(lock, sizeof lock, "/tmp/.X%d-lock", n);
        snprintf(sock, sizeof sock, "/tmp/.X11-unix/X%d", n);
        if (access(lock, F_OK) == 0 || access(sock, F_OK) == 0)
            continue;
        snprintf(disp, sizeof disp, ":%d", n);
        char *argv[] = {"Xvfb", disp, "-screen", "0", "1280x800x24", "-nolisten", "tcp", NULL};
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
            execvp("Xvfb", argv);
            _exit(127);
        }
        /* Ready when its socket appears (or it died: no Xvfb here). */
        for (int i = 0; i < 100; i++) {
            usleep(50000);
            if (access(sock, F_OK) == 0) {
                xvfb_pid = pid;
                atexit(benchui_video_end);
                setenv("DISPLAY", disp, 1);
                usleep(100000);
                return 0;
            }
            if (waitpid(pid, NULL, WNOHANG) == pid)
                return -1;
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return -1;
}

const char *benchui_video_env(void)
{
    const char *disp = getenv("DISPLAY");
    if (disp && *disp)
        return "x11";
    if (start_xvfb() == 0)
        return "x11 (Xvfb started for the run)";
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    return "dummy";
}

void benchui_video_end(void)
{
    if (xvfb_pid > 0) {
        kill(xvfb_pid, SIGTERM);
        waitpid(xvfb_pid, NULL, 0);
        xvfb_pid = -1;
    }
}

pid_t benchui_spawn(char *const argv[], int keep_stderr)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) {
        dup2(fd, 1);
        if (!keep_stderr)
            dup2(fd, 2);
        close(fd);
    }
    execv(argv[0], argv);
    _exit(127);
}

int benchui_wait(pid_t pid, struct rusage *ru)
{
    int status = 0;
    if (wait4(pid, &status, 0, ru) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double benchui_cpu_ms(pid_t pid)
{
    /* bench_cpu_ms reads the same /proc line; it counts a process that is
     * gone as 0, which here must be told apart. */
    return kill(pid, 0) == 0 ? bench_cpu_ms((long)pid, 0) : -1;
}
