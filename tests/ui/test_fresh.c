/*
 * Fresh sync state without polling: the loop of an enrolled tablet sleeps
 * until something happens (no look at the worker every so often), and when
 * the worker tells it a round ended (a PLAT_EV_WAKE pushed from another
 * thread through SDL's own queue) the chip and the rows show the new state
 * in the next frame, well within a second.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "th_steps.h"

/* A worker stand-in: its state changes on another thread, under a lock,
 * as the real engine's does. */
typedef struct {
    pthread_mutex_t mu;
    scr_sync_state st;
    plat_video *video;
    int64_t told_ns; /* when the wake was pushed */
} fake_worker;

static void fw_state(void *ctx, scr_sync_state *out)
{
    fake_worker *f = ctx;
    pthread_mutex_lock(&f->mu);
    *out = f->st;
    pthread_mutex_unlock(&f->mu);
}
static int fw_enrolled(void *ctx)
{
    scr_sync_state st;
    fw_state(ctx, &st);
    return st.enrolled;
}
static void fw_now(void *ctx) { (void)ctx; }

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* 300 ms in, a round ends badly (offline) and the worker says so. */
static void *round_ends(void *arg)
{
    fake_worker *f = arg;
    usleep(300000);
    pthread_mutex_lock(&f->mu);
    f->st.rounds++;
    f->st.problem = SCR_SYNC_OFFLINE;
    pthread_mutex_unlock(&f->mu);
    f->told_ns = mono_ns();
    plat_event ev = {.kind = PLAT_EV_WAKE};
    assert_int_equal(plat_video_push(f->video, &ev), 0);
    return NULL;
}

static void test_worker_wakes_the_screens(void **state)
{
    (void)state;
    fake_worker f = {.st = {.enrolled = 1, .rounds = 1, .last_ok_ms = TH_START_MS}};
    pthread_mutex_init(&f.mu, NULL);
    scr_sync hooks = {.ctx = &f, .enrolled = fw_enrolled, .now = fw_now, .state = fw_state};
    th_sync = &hooks;
    th *t = th_open("fresh", 1280, 800, "da");
    th_sync = NULL;
    f.video = t->video;
    SEES(t, "Synkroniseret");
    /* Idle and enrolled: the loop sleeps until an event, with no look at
     * the worker every so often. */
    assert_int_equal(scr_wake_in(t->app), -1);

    /* The real loop, for 1.2 s; the round ends 0.3 s in. */
    pthread_t worker;
    assert_int_equal(pthread_create(&worker, NULL, round_ends, &f), 0);
    scr_run_opts ro = {.max_ms = 1200};
    int64_t start = mono_ns();
    scr_run(t->app, t->video, &ro);
    pthread_join(worker, NULL);
    assert_true(f.told_ns > start);
    SEES(t, "Ingen netværk");
    /* A frame was drawn for the change (and the first), not one a poll
     * would have made: two frames in all. */
    assert_int_equal(ro.frames_drawn, 2);
    th_free(t);
    pthread_mutex_destroy(&f.mu);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_wakes_the_screens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
