/*
 * The peer rota's rules, checked over every team size, round count and
 * period length it allows, with several seeds: everyone observes and is
 * observed as often as asked, nobody observes themselves, no pair comes
 * twice, every observation lies in a week of the period and no week holds
 * more than its share; then the period's weeks, and the refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "off_plan.h"

/* Every rule of one rota; returns the number of plans. */
static int check_rota(int n, int rounds, int weeks, uint64_t seed)
{
    static off_rota_pair out[OFF_ROTA_MAX];
    char err[200] = "";
    int k = off_rota_make(n, rounds, weeks, seed, out, err, sizeof err);
    if (k != n * rounds)
        fail_msg("n=%d rounds=%d weeks=%d: %d plans (%s)", n, rounds, weeks, k, err);
    int observes[OFF_ROTA_PEOPLE_MAX] = {0}, observed[OFF_ROTA_PEOPLE_MAX] = {0};
    int load[OFF_ROTA_WEEKS_MAX] = {0};
    static unsigned char pair[OFF_ROTA_PEOPLE_MAX][OFF_ROTA_PEOPLE_MAX];
    memset(pair, 0, sizeof pair);
    int share = (k + weeks - 1) / weeks;
    for (int i = 0; i < k; i++) {
        const off_rota_pair *p = &out[i];
        assert_true(p->observer >= 0 && p->observer < n);
        assert_true(p->observee >= 0 && p->observee < n);
        assert_true(p->week >= 0 && p->week < weeks);
        if (p->observer == p->observee)
            fail_msg("n=%d rounds=%d: person %d observes themselves", n, rounds, p->observer);
        if (pair[p->observer][p->observee]++)
            fail_msg("n=%d rounds=%d: %d observes %d twice", n, rounds, p->observer, p->observee);
        observes[p->observer]++;
        observed[p->observee]++;
        load[p->week]++;
    }
    for (int i = 0; i < n; i++) {
        assert_int_equal(observes[i], rounds);
        assert_int_equal(observed[i], rounds);
    }
    for (int w = 0; w < weeks; w++) {
        if (load[w] > share)
            fail_msg("n=%d rounds=%d weeks=%d: week %d holds %d, more than %d", n, rounds, weeks, w,
                     load[w], share);
        /* A total that divides evenly fills every week exactly. */
        if (k % weeks == 0)
            assert_int_equal(load[w], k / weeks);
    }
    /* Fewer rounds than half the team: nobody observes each other both ways. */
    if (2 * rounds < n)
        for (int i = 0; i < k; i++)
            assert_int_equal(pair[out[i].observee][out[i].observer], 0);
    return k;
}

static void test_every_size(void **state)
{
    (void)state;
    int rotas = 0;
    for (int n = 2; n <= OFF_ROTA_PEOPLE_MAX; n++)
        for (int rounds = 1; rounds <= OFF_ROTA_ROUNDS_MAX && rounds < n; rounds++)
            for (int weeks = 1; weeks <= OFF_ROTA_WEEKS_MAX; weeks += (weeks < 8 ? 1 : 6))
                for (uint64_t seed = 1; seed <= 3; seed++) {
                    check_rota(n, rounds, weeks, seed * 0x1234567ull);
                    rotas++;
                }
    print_message("checked %d rotas\n", rotas);
}

/*
 * Twelve colleagues, each observing one, over six weeks: two observations
 * a week, and nobody has two in one week (the greedy finds a week free of
 * both people whenever there is one, which six weeks for twelve leave).
 */
static void test_spread_over_weeks(void **state)
{
    (void)state;
    off_rota_pair out[OFF_ROTA_MAX];
    char err[200];
    for (uint64_t seed = 1; seed < 50; seed++) {
        assert_int_equal(off_rota_make(12, 1, 6, seed, out, err, sizeof err), 12);
        int busy[12][6];
        memset(busy, 0, sizeof busy);
        for (int i = 0; i < 12; i++) {
            busy[out[i].observer][out[i].week]++;
            busy[out[i].observee][out[i].week]++;
        }
        for (int p = 0; p < 12; p++)
            for (int w = 0; w < 6; w++)
                assert_true(busy[p][w] <= 1);
    }
}

/* A seed gives its rota again; another seed another rota. */
static void test_seed(void **state)
{
    (void)state;
    off_rota_pair a[OFF_ROTA_MAX], b[OFF_ROTA_MAX], c[OFF_ROTA_MAX];
    char err[200];
    assert_int_equal(off_rota_make(8, 2, 4, 42, a, err, sizeof err), 16);
    assert_int_equal(off_rota_make(8, 2, 4, 42, b, err, sizeof err), 16);
    assert_int_equal(off_rota_make(8, 2, 4, 43, c, err, sizeof err), 16);
    assert_memory_equal(a, b, sizeof(off_rota_pair) * 16);
    assert_memory_not_equal(a, c, sizeof(off_rota_pair) * 16);
}

static void test_refused(void **state)
{
    (void)state;
    off_rota_pair out[OFF_ROTA_MAX];
    char err[200];
    assert_int_equal(off_rota_make(1, 1, 4, 1, out, err, sizeof err), -1);
    assert_non_null(strstr(err, "between 2 and"));
    assert_int_equal(off_rota_make(OFF_ROTA_PEOPLE_MAX + 1, 1, 4, 1, out, err, sizeof err), -1);
    assert_int_equal(off_rota_make(3, 3, 4, 1, out, err, sizeof err), -1);
    assert_non_null(strstr(err, "1 to 2"));
    assert_int_equal(off_rota_make(3, 0, 4, 1, out, err, sizeof err), -1);
    assert_int_equal(off_rota_make(3, 1, 0, 1, out, err, sizeof err), -1);
    assert_int_equal(off_rota_make(3, 1, OFF_ROTA_WEEKS_MAX + 1, 1, out, err, sizeof err), -1);
    /* Two people: each observes the other, once. */
    assert_int_equal(off_rota_make(2, 1, 1, 7, out, err, sizeof err), 2);
    assert_int_not_equal(out[0].observer, out[1].observer);
}

static void test_weeks(void **state)
{
    (void)state;
    char m[OFF_ROTA_WEEKS_MAX][11], err[200];
    /* Wednesday 6 January 2027 to Sunday 31 January: three Mondays. */
    assert_int_equal(
        off_rota_weeks("2027-01-06", "2027-01-31", m, OFF_ROTA_WEEKS_MAX, err, sizeof err), 3);
    assert_string_equal(m[0], "2027-01-11");
    assert_string_equal(m[1], "2027-01-18");
    assert_string_equal(m[2], "2027-01-25");
    /* A period that begins on a Monday counts it; across a year's end. */
    assert_int_equal(
        off_rota_weeks("2026-12-28", "2027-01-04", m, OFF_ROTA_WEEKS_MAX, err, sizeof err), 2);
    assert_string_equal(m[0], "2026-12-28");
    assert_string_equal(m[1], "2027-01-04");
    /* Tuesday to Sunday holds no Monday. */
    assert_int_equal(
        off_rota_weeks("2027-01-05", "2027-01-10", m, OFF_ROTA_WEEKS_MAX, err, sizeof err), -1);
    assert_non_null(strstr(err, "no Monday"));
    assert_int_equal(
        off_rota_weeks("2027-02-01", "2027-01-01", m, OFF_ROTA_WEEKS_MAX, err, sizeof err), -1);
    assert_non_null(strstr(err, "before"));
    assert_int_equal(
        off_rota_weeks("2027-01-01", "2027-12-31", m, OFF_ROTA_WEEKS_MAX, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than 26 weeks"));
    assert_int_equal(
        off_rota_weeks("2027-02-30", "2027-03-31", m, OFF_ROTA_WEEKS_MAX, err, sizeof err), -1);
    assert_int_equal(off_rota_weeks("x", "2027-03-31", m, OFF_ROTA_WEEKS_MAX, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_size), cmocka_unit_test(test_spread_over_weeks),
        cmocka_unit_test(test_seed),       cmocka_unit_test(test_refused),
        cmocka_unit_test(test_weeks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
