/*
 * Out of memory at every step of a user action: SQLite's and the JSON
 * library's allocations are made to fail at the 1st, 2nd, ... Nth allocation
 * of a call until the call no longer meets a failure. Each failed call must
 * report an error and leave the store exactly as it was, and the handle must
 * go on working.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "dbfix.h"

static sqlite3_mem_methods orig;
static long countdown = -1; /* allocations left before the failure; -1 off */
static int tripped;

static int should_fail(void)
{
    if (countdown < 0)
        return 0;
    if (countdown-- == 0) {
        tripped = 1;
        countdown = -1; /* one failure per run, like a transient shortage */
        return 1;
    }
    return 0;
}

static void *x_malloc(int n) { return should_fail() ? NULL : orig.xMalloc(n); }
static void *x_realloc(void *p, int n) { return should_fail() ? NULL : orig.xRealloc(p, n); }
static void *j_malloc(size_t n) { return should_fail() ? NULL : malloc(n); }
static void j_free(void *p) { free(p); }

typedef int (*action_fn)(dbfix *f, const char *obs);

static int act_tap(dbfix *f, const char *obs)
{
    return db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL);
}
static int act_note(dbfix *f, const char *obs)
{
    return db_obs_note(f->d, obs, FIX_PEER_A, "Barnet rækker hånden op", FIX_SIGN1, NULL);
}
static int act_rate(dbfix *f, const char *obs)
{
    return db_obs_rate(f->d, obs, FIX_PEER_A, FIX_SIGN1, 2);
}
static int act_finish(dbfix *f, const char *obs) { return db_obs_finish(f->d, obs, FIX_PEER_A); }

static long snapshot(dbfix *f)
{
    /* rows of every table that an action writes, weighed so that a change
     * of any one shows */
    return dbfix_count(f->path, "event") + 1000 * dbfix_count(f->path, "note") +
           100000 * dbfix_count(f->path, "rating") + 10000000 * dbfix_count(f->path, "outbox") +
           1000000000L * dbfix_count(f->path, "observation WHERE status = 1");
}

static void run_action(dbfix *f, const char *obs, action_fn fn, const char *name)
{
    int failures = 0;
    for (long n = 0;; n++) {
        long before = snapshot(f);
        tripped = 0;
        countdown = n;
        int rc = fn(f, obs);
        countdown = -1;
        if (!tripped) {
            assert_int_equal(rc, DB_OK);
            assert_int_not_equal(snapshot(f), before);
            printf("# %s: %d allocation points failed cleanly, then it went through\n", name,
                   failures);
            return;
        }
        if (rc == DB_OK) {
            /* SQLite may recover from a failed allocation by itself (a cache
             * that it can do without); then the action must be whole. */
            assert_int_not_equal(snapshot(f), before);
            return;
        }
        failures++;
        assert_int_equal(snapshot(f), before);
        assert_true(strlen(db_errmsg(f->d)) > 0);
        assert_int_equal(db_check(f->d), DB_OK);
    }
}

static void test_every_allocation_of_an_action(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "alloc", 1), 0);
    model_id obs;
    assert_int_equal(dbfix_start(&f, obs), DB_OK);
    assert_int_equal(db_obs_event(f.d, obs, FIX_PEER_A, MODEL_EV_STATE_START, "waiting", NULL),
                     DB_OK);
    run_action(&f, obs, act_tap, "counter tap");
    run_action(&f, obs, act_note, "note");
    run_action(&f, obs, act_rate, "rating");
    run_action(&f, obs, act_finish, "finish");
    dbfix_close(&f);
}

int main(void)
{
    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig);
    sqlite3_mem_methods mine = orig;
    mine.xMalloc = x_malloc;
    mine.xRealloc = x_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mine) != SQLITE_OK)
        return 1;
    json_set_alloc_funcs(j_malloc, j_free);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_of_an_action),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
