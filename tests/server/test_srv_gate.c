/*
 * The pushes a process is reading (srv_gate): a push that follows one
 * being read waits until that one holds its lock or has ended, and no
 * longer than it is told; a push not being read, an id that is not one,
 * a full table or no table at all make no one wait.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "srv_int.h"

#define P1 "01938a6e-0000-7000-8000-000000000001"
#define P2 "01938a6e-0000-7000-8000-000000000002"

typedef struct {
    srv_gate *g;
    const char *id;
    int ms;
    volatile int released; /* set by the test before it lets the waiter go */
    int rc, released_first;
} waiter;

static void *wait_main(void *ud)
{
    waiter *w = ud;
    w->rc = srv_gate_wait(w->g, w->id, w->ms);
    w->released_first = w->released;
    return NULL;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A waiter comes back only after the push it waits for is let go, by
 * holding its lock or by ending; done by `how`. */
static void waits_until(int how)
{
    srv_gate *g = srv_gate_new(8);
    assert_non_null(g);
    int at = srv_gate_enter(g, P1);
    assert_true(at >= 0);
    waiter w = {g, P1, 60000, 0, 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_main, &w), 0);
    nap_ms(100); /* the waiter is waiting, or about to */
    /* Another push holding its lock or ending lets no one go. */
    int other = srv_gate_enter(g, P2);
    srv_gate_locked(g, P2);
    srv_gate_leave(g, other);
    nap_ms(50);
    w.released = 1;
    if (how)
        srv_gate_locked(g, P1);
    else
        srv_gate_leave(g, at);
    pthread_join(t, NULL);
    /* It came back after the release (a waiter started later than the
     * nap finds nothing to wait for: 0). */
    assert_true(w.released_first);
    assert_true(w.rc == 1 || w.rc == 0);
    /* Once let go, later pushes after it do not wait. */
    assert_int_equal(srv_gate_wait(g, P1, 60000), 0);
    srv_gate_free(g);
}

static void test_waits_until_it_holds_its_lock(void **state)
{
    (void)state;
    waits_until(1);
}

static void test_waits_until_it_ends(void **state)
{
    (void)state;
    waits_until(0);
}

static void test_waits_no_longer_than_told(void **state)
{
    (void)state;
    srv_gate *g = srv_gate_new(8);
    assert_true(srv_gate_enter(g, P1) >= 0);
    assert_int_equal(srv_gate_wait(g, P1, 50), -1);
    /* Another push is not waited for. */
    assert_int_equal(srv_gate_wait(g, P2, 60000), 0);
    srv_gate_free(g);
}

static void test_full_table_and_bad_ids_make_no_one_wait(void **state)
{
    (void)state;
    srv_gate *g = srv_gate_new(1);
    int at = srv_gate_enter(g, P1);
    assert_int_equal(at, 0);
    assert_int_equal(srv_gate_enter(g, P2), -1); /* full */
    assert_int_equal(srv_gate_wait(g, P2, 60000), 0);
    assert_int_equal(srv_gate_enter(g, "not-an-id"), -1);
    assert_int_equal(srv_gate_enter(g, NULL), -1);
    srv_gate_leave(g, at);
    assert_int_equal(srv_gate_enter(g, P2), 0); /* its slot is free again */
    srv_gate_leave(g, -1);
    srv_gate_leave(g, 7); /* not a slot: nothing */
    srv_gate_free(g);
    /* No table: nothing noted, no one waits. */
    assert_int_equal(srv_gate_enter(NULL, P1), -1);
    assert_int_equal(srv_gate_wait(NULL, P1, 60000), 0);
    srv_gate_locked(NULL, P1);
    srv_gate_leave(NULL, 0);
    srv_gate_free(NULL);
}

/* The same push sent again while the first is read has two slots: its
 * lock lets the next go on whichever holds it. */
static void test_a_push_sent_twice_is_let_go_once(void **state)
{
    (void)state;
    srv_gate *g = srv_gate_new(4);
    int a = srv_gate_enter(g, P1), b = srv_gate_enter(g, P1);
    assert_true(a >= 0 && b >= 0 && a != b);
    srv_gate_locked(g, P1);
    assert_int_equal(srv_gate_wait(g, P1, 60000), 0);
    srv_gate_leave(g, a);
    srv_gate_leave(g, b);
    srv_gate_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waits_until_it_holds_its_lock),
        cmocka_unit_test(test_waits_until_it_ends),
        cmocka_unit_test(test_waits_no_longer_than_told),
        cmocka_unit_test(test_full_table_and_bad_ids_make_no_one_wait),
        cmocka_unit_test(test_a_push_sent_twice_is_let_go_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
