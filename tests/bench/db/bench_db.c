/*
 * The store under a realistic load: a tablet that has 100,000 observations
 * (each with counter taps, a note and a rating) and a leader counting in a
 * room (the store closed after the fill and opened again). Measures the
 * time from a counter tap to its durable commit (WAL, synchronous=FULL:
 * the call returns only after the fsync), the first page of the home
 * screen's list, and the file's size.
 * Usage: bench_db [OBSERVATIONS] [TAPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "db.h"
#include "demo.h"

#define ID(n) "0b11c000-0000-4000-8000-0000000000" n

/* CPU time of the whole process (every thread), in nanoseconds: on a
 * machine shared with others the wall clock also counts their turns. */
static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(db *d, const char *what)
{
    fprintf(stderr, "bench_db: %s: %s\n", what, db_errmsg(d));
    exit(1);
}

int main(int argc, char **argv)
{
    int n_obs = argc > 1 ? atoi(argv[1]) : 100000;
    int taps = argc > 2 ? atoi(argv[2]) : 2000;
    char dir[] = "/tmp/blik-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/blik.db", dir);
    plat_sys *sys = plat_fake_new(1767225600000LL, 99); /* 2026-01-01 */
    db *d;
    char err[256];
    if (db_open(path, sys, &d) != DB_OK || demo_load(d, err, sizeof err) != DB_OK)
        die(d, "open");

    const char *people[] = {ID("21"), ID("23"), ID("24"), ID("25"), ID("26"), ID("27")};
    int64_t t0 = bench_ns();
    for (int i = 0; i < n_obs; i++) {
        if (i % 1000 == 0 && db_batch_begin(d) != DB_OK)
            die(d, "batch");
        const char *obs_er = people[i % 6], *obs_ee = people[(i + 1 + i / 6 % 5) % 6];
        if (!strcmp(obs_er, obs_ee))
            obs_ee = people[(i + 2) % 6];
        db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                        .focus_id = ID("41"),
                        .observer_id = obs_er,
                        .observee_id = obs_ee,
                        .room_id = ID("11"),
                        .activity = "Samling",
                        .context_json = "{\"children\":14,\"adults\":2}",
                        .agreement = 1};
        model_id id;
        if (db_obs_start(d, &n, id) != DB_OK)
            die(d, "start");
        for (int e = 0; e < 8; e++) {
            plat_fake_advance(sys, 20000);
            if (db_obs_event(d, id, obs_er, MODEL_EV_COUNT, e % 3 ? "open_q" : "closed_q", NULL) !=
                DB_OK)
                die(d, "event");
        }
        if (db_obs_note(d, id, obs_er, "Barnet rækker hånden op og venter på tur.", NULL, NULL) !=
                DB_OK ||
            db_obs_rate(d, id, obs_er, ID("51"), i % 3) != DB_OK ||
            db_obs_finish(d, id, obs_er) != DB_OK)
            die(d, "record");
        plat_fake_advance(sys, 3600000);
        if (i % 1000 == 999 && db_batch_end(d, 1) != DB_OK)
            die(d, "commit");
    }
    if (n_obs % 1000 && db_batch_end(d, 1) != DB_OK)
        die(d, "commit");
    double fill_s = (double)(bench_ns() - t0) / 1e9;
    /* Closed and opened again, as a tablet is used after the months the
     * fill stands for: the close copies the fill's log into the file, which
     * otherwise a checkpoint of the thousands of pages the last batches
     * left would do while the leader taps. */
    db_close(d);
    if (db_open(path, sys, &d) != DB_OK)
        die(d, "open again");

    /* Now a live observation, tapped as a leader would. */
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = ID("41"),
                    .observer_id = ID("21"),
                    .observee_id = ID("23"),
                    .room_id = ID("11"),
                    .activity = "Samling",
                    .agreement = 1};
    model_id live;
    if (db_obs_start(d, &n, live) != DB_OK)
        die(d, "start");
    double *lat = malloc(sizeof(double) * (size_t)taps),
           *cpu = malloc(sizeof(double) * (size_t)taps);
    for (int i = 0; i < taps; i++) {
        plat_fake_advance(sys, 500);
        int64_t a = bench_ns(), c = cpu_ns();
        if (db_obs_event(d, live, ID("21"), MODEL_EV_COUNT, i % 2 ? "open_q" : "child_init",
                         NULL) != DB_OK)
            die(d, "tap");
        lat[i] = (double)(bench_ns() - a) / 1e6;
        cpu[i] = (double)(cpu_ns() - c) / 1e6;
    }
    double p50 = bench_percentile(lat, (size_t)taps, 50),
           p99 = bench_percentile(lat, (size_t)taps, 99);
    double mx = lat[taps - 1];
    double cpu50 = bench_percentile(cpu, (size_t)taps, 50),
           cpu99 = bench_percentile(cpu, (size_t)taps, 99);
    double load[1] = {0};
    getloadavg(load, 1);

    /* The home screen's first page for a leader, and for a peer. */
    enum { PAGES = 200 };
    double page[PAGES];
    model_observation rows[20];
    for (int k = 0; k < PAGES; k++) {
        db_obs_filter f = {.unit_id = DEMO_UNIT_ID,
                           .viewer_id = k % 2 ? ID("21") : ID("24"),
                           .status = -1};
        db_cursor cur = {0};
        int got;
        int64_t a = bench_ns();
        if (db_obs_list(d, &f, &cur, 20, rows, &got) != DB_OK || got != 20)
            die(d, "list");
        page[k] = (double)(bench_ns() - a) / 1e6;
    }
    double page99 = bench_percentile(page, PAGES, 99);
    int64_t waiting;
    db_outbox_count(d, &waiting);
    db_close(d);
    struct stat st;
    stat(path, &st);

    char note[160];
    snprintf(note, sizeof note, "%d observations stored, %d taps, WAL + synchronous=FULL", n_obs,
             taps);
    bench_report("db.tap_to_durable_commit.p50", p50, "ms", note);
    bench_report("db.tap_to_durable_commit.p99", p99, "ms", note);
    bench_report("db.tap_to_durable_commit.max", mx, "ms", note);
    snprintf(note, sizeof note, "CPU time of the process during a tap; load %.1f on %d cores",
             load[0], (int)sysconf(_SC_NPROCESSORS_ONLN));
    bench_report("db.tap_cpu.p50", cpu50, "ms", note);
    bench_report("db.tap_cpu.p99", cpu99, "ms", note);
    bench_report("db.home_first_page.p99", page99, "ms", "20 rows, leader and peer views");
    snprintf(note, sizeof note, "%d observations, %lld changes waiting in the outbox", n_obs,
             (long long)waiting);
    bench_report("db.file_size", (double)st.st_size / 1048576.0, "MiB", note);
    bench_report("db.fill_rate", n_obs / fill_s, "obs/s",
                 "batched 1000 per transaction, 12 actions each");
    free(lat);
    free(cpu);
    plat_fake_free(sys);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
