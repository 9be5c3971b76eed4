/*
 * The memory of contacts noted (srv_seen): a contact is recent for half a
 * minute after it was written from the same address and app version, and
 * no longer after that or from elsewhere; a full table forgets the contact
 * noted longest ago, never the newest; a text too long to keep, or no
 * table at all, means asking the database every time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "srv_int.h"

#define DEV "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"

static void test_recent_for_half_a_minute(void **state)
{
    (void)state;
    srv_seen *m = srv_seen_new(64);
    assert_non_null(m);
    assert_false(srv_seen_recent(m, DEV, "10.0.0.5", "Blik/1.4", 100));
    srv_seen_note(m, DEV, "10.0.0.5", "Blik/1.4", 100);
    assert_true(srv_seen_recent(m, DEV, "10.0.0.5", "Blik/1.4", 100));
    assert_true(srv_seen_recent(m, DEV, "10.0.0.5", "Blik/1.4", 100 + SRV_SEEN_EVERY_S - 0.5));
    assert_false(srv_seen_recent(m, DEV, "10.0.0.5", "Blik/1.4", 100 + SRV_SEEN_EVERY_S));
    /* Another address or version is news. */
    assert_false(srv_seen_recent(m, DEV, "10.0.0.6", "Blik/1.4", 101));
    assert_false(srv_seen_recent(m, DEV, "10.0.0.5", "Blik/1.5", 101));
    /* A clock that went back is not trusted. */
    assert_false(srv_seen_recent(m, DEV, "10.0.0.5", "Blik/1.4", 99));
    /* Noted again, the time moves on. */
    srv_seen_note(m, DEV, "10.0.0.5", "Blik/1.4", 200);
    assert_true(srv_seen_recent(m, DEV, "10.0.0.5", "Blik/1.4", 210));
    srv_seen_free(m);
}

static void test_full_table_forgets_the_oldest(void **state)
{
    (void)state;
    /* The smallest table is one window: every device lands in it. */
    srv_seen *m = srv_seen_new(1);
    assert_non_null(m);
    char dev[12][40];
    for (int i = 0; i < 12; i++) {
        snprintf(dev[i], sizeof dev[i], "00000000-0000-4000-8000-%012d", i);
        srv_seen_note(m, dev[i], "a", "v", 10 + i);
    }
    int kept = 0;
    for (int i = 0; i < 12; i++)
        kept += srv_seen_recent(m, dev[i], "a", "v", 25);
    assert_int_equal(kept, 8);
    /* The newest are the ones kept. */
    for (int i = 4; i < 12; i++)
        assert_true(srv_seen_recent(m, dev[i], "a", "v", 25));
    srv_seen_free(m);
}

static void test_nothing_kept_means_asking(void **state)
{
    (void)state;
    assert_false(srv_seen_recent(NULL, DEV, "a", "v", 1));
    srv_seen_note(NULL, DEV, "a", "v", 1);
    srv_seen_free(NULL);
    srv_seen *m = srv_seen_new(64);
    char long_text[SRV_SEEN_TEXT_MAX + 10];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    srv_seen_note(m, DEV, "a", long_text, 1);
    assert_false(srv_seen_recent(m, DEV, "a", long_text, 2));
    srv_seen_note(m, "not-a-device-id-but-far-too-long-to-be-one-at-all", "a", "v", 1);
    assert_false(
        srv_seen_recent(m, "not-a-device-id-but-far-too-long-to-be-one-at-all", "a", "v", 2));
    srv_seen_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recent_for_half_a_minute),
        cmocka_unit_test(test_full_table_forgets_the_oldest),
        cmocka_unit_test(test_nothing_kept_means_asking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
