/*
 * Agreement between two observers, against figures worked out by hand (each
 * test's comment shows the working): percent agreement, Cohen's kappa with
 * its edge cases (no pairs, every rating at one level, no better than
 * chance, complete disagreement), pooling pairs, and the counters side by
 * side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "off_calib.h"

static off_calib_tally rate(const int *a, const int *b, int n)
{
    off_calib_tally t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < n; i++)
        off_calib_tally_add(&t, a[i], b[i]);
    return t;
}

/*
 * Six signs on a three-level scale (0 not seen, 1 partly, 2 clearly):
 *   A: 2 1 0 2 1 2
 *   B: 2 1 1 2 0 2
 * Same level on signs 1, 2, 4, 6: po = 4/6, percent agreement 66.67.
 * A's levels: 0 once, 1 twice, 2 three times; B's the same (1, 2, 3).
 * pe = (1*1 + 2*2 + 3*3) / 6^2 = 14/36.
 * kappa = (24/36 - 14/36) / (1 - 14/36) = (10/36) / (22/36) = 10/22 = 0.4545.
 */
static void test_kappa_by_hand(void **state)
{
    (void)state;
    const int a[] = {2, 1, 0, 2, 1, 2}, b[] = {2, 1, 1, 2, 0, 2};
    off_calib_tally t = rate(a, b, 6);
    off_calib_agreement r = off_calib_agree(&t);
    assert_int_equal(r.state, OFF_KAPPA_OK);
    assert_int_equal(r.n, 6);
    assert_int_equal(r.agree, 4);
    assert_float_equal(r.pct, 400.0 / 6.0, 1e-9);
    assert_float_equal(r.kappa, 10.0 / 22.0, 1e-9);
}

/*
 * Both observers put every sign at "partly": po = 3/3 = 1 and
 * pe = (3*3)/3^2 = 1, so kappa = 0/0: not defined, and said so; percent
 * agreement is 100.
 */
static void test_one_level_is_not_defined(void **state)
{
    (void)state;
    const int a[] = {1, 1, 1}, b[] = {1, 1, 1};
    off_calib_tally t = rate(a, b, 3);
    off_calib_agreement r = off_calib_agree(&t);
    assert_int_equal(r.state, OFF_KAPPA_ONE_LEVEL);
    assert_int_equal(r.n, 3);
    assert_float_equal(r.pct, 100.0, 1e-9);
    assert_float_equal(r.kappa, 0.0, 0);
}

/*
 * A: 1 1 1, B: 1 1 2. po = 2/3. A's levels: 1 three times; B's: 1 twice,
 * 2 once. pe = (3*2 + 0*1) / 9 = 6/9 = 2/3. kappa = (2/3 - 2/3) / (1/3) = 0:
 * no better than chance, a value and not "not defined".
 */
static void test_chance_is_zero(void **state)
{
    (void)state;
    const int a[] = {1, 1, 1}, b[] = {1, 1, 2};
    off_calib_tally t = rate(a, b, 3);
    off_calib_agreement r = off_calib_agree(&t);
    assert_int_equal(r.state, OFF_KAPPA_OK);
    assert_float_equal(r.pct, 200.0 / 3.0, 1e-9);
    assert_float_equal(r.kappa, 0.0, 1e-12);
}

/*
 * A: 0 1, B: 1 0. po = 0. Levels 0 and 1 once each on both sides:
 * pe = (1*1 + 1*1) / 4 = 1/2. kappa = (0 - 1/2) / (1 - 1/2) = -1.
 */
static void test_complete_disagreement(void **state)
{
    (void)state;
    const int a[] = {0, 1}, b[] = {1, 0};
    off_calib_tally t = rate(a, b, 2);
    off_calib_agreement r = off_calib_agree(&t);
    assert_int_equal(r.state, OFF_KAPPA_OK);
    assert_float_equal(r.pct, 0.0, 1e-12);
    assert_float_equal(r.kappa, -1.0, 1e-12);
}

/*
 * A sign only one of them rated (-1) or a level past the scale is not a
 * pair of ratings; with none left there is nothing to report.
 */
static void test_unrated_left_out_and_empty(void **state)
{
    (void)state;
    off_calib_tally t;
    memset(&t, 0, sizeof t);
    assert_int_equal(off_calib_tally_add(&t, -1, 2), 0);
    assert_int_equal(off_calib_tally_add(&t, 2, -1), 0);
    assert_int_equal(off_calib_tally_add(&t, MODEL_MAX_SCALE, 0), 0);
    assert_int_equal(off_calib_tally_add(&t, 0, MODEL_MAX_SCALE), 0);
    off_calib_agreement r = off_calib_agree(&t);
    assert_int_equal(r.state, OFF_KAPPA_EMPTY);
    assert_int_equal(r.n, 0);
    assert_float_equal(r.pct, 0.0, 0);
    assert_int_equal(off_calib_tally_add(&t, 4, 4), 1);
    assert_int_equal(t.n, 1);
}

/*
 * A month pools the pairs of its observations: the six signs of the first
 * test and the two of the last. n = 8, agreeing 4 + 0 = 4, po = 4/8.
 * A's levels: (1, 2, 3) + (1, 1, 0) = (2, 3, 3); B's: (1, 2, 3) + (1, 1, 0)
 * = (2, 3, 3). pe = (2*2 + 3*3 + 3*3) / 64 = 22/64.
 * kappa = (32/64 - 22/64) / (1 - 22/64) = 10/42 = 0.2381 — lower than either
 * pair alone suggests, which is why a month's figure is computed from the
 * pooled ratings and not as a mean of the pairs' kappas.
 */
static void test_pooled_month(void **state)
{
    (void)state;
    const int a1[] = {2, 1, 0, 2, 1, 2}, b1[] = {2, 1, 1, 2, 0, 2};
    const int a2[] = {0, 1}, b2[] = {1, 0};
    off_calib_tally month, p1 = rate(a1, b1, 6), p2 = rate(a2, b2, 2);
    memset(&month, 0, sizeof month);
    off_calib_tally_merge(&month, &p1);
    off_calib_tally_merge(&month, &p2);
    off_calib_agreement r = off_calib_agree(&month);
    assert_int_equal(r.n, 8);
    assert_int_equal(r.agree, 4);
    assert_float_equal(r.pct, 50.0, 1e-9);
    assert_float_equal(r.kappa, 10.0 / 42.0, 1e-9);
}

/*
 * A counted open questions 7 and closed 3; B open 5 and praise 2.
 * Side by side: open_q 7 - 5 = 2, closed_q 3 - 0 = 3, praise 0 - 2 = -2, in
 * A's order and then B's. With room for two only the first two are written.
 */
static void test_counts_side_by_side(void **state)
{
    (void)state;
    const char *ka[] = {"open_q", "closed_q"}, *kb[] = {"open_q", "praise"};
    const int64_t na[] = {7, 3}, nb[] = {5, 2};
    off_calib_count out[4];
    int n = off_calib_counts(ka, na, 2, kb, nb, 2, out, 4);
    assert_int_equal(n, 3);
    assert_string_equal(out[0].key, "open_q");
    assert_int_equal(out[0].a, 7);
    assert_int_equal(out[0].b, 5);
    assert_int_equal(out[0].diff, 2);
    assert_string_equal(out[1].key, "closed_q");
    assert_int_equal(out[1].diff, 3);
    assert_string_equal(out[2].key, "praise");
    assert_int_equal(out[2].a, 0);
    assert_int_equal(out[2].b, 2);
    assert_int_equal(out[2].diff, -2);
    n = off_calib_counts(ka, na, 2, kb, nb, 2, out, 2);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].diff, 2);
    assert_int_equal(off_calib_counts(NULL, NULL, 0, NULL, NULL, 0, out, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kappa_by_hand),
        cmocka_unit_test(test_one_level_is_not_defined),
        cmocka_unit_test(test_chance_is_zero),
        cmocka_unit_test(test_complete_disagreement),
        cmocka_unit_test(test_unrated_left_out_and_empty),
        cmocka_unit_test(test_pooled_month),
        cmocka_unit_test(test_counts_side_by_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
