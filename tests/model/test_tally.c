/* What events add up to, and the rate per 10 minutes: the one definition
 * the store, the screens and the history charts use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "model_tally.h"

static void test_rate(void **state)
{
    (void)state;
    /* Exact binary fractions, so equality is the right test. */
    assert_true(model_rate_per_10min(3, 30 * 60000) == 1.0);
    assert_true(model_rate_per_10min(1, 60000) == 10.0);
    assert_true(model_rate_per_10min(5, 20 * 60000) == 2.5);
    assert_true(model_rate_per_10min(0, 60000) == 0.0);
    /* No time observed: no rate, never a division by zero. */
    assert_true(model_rate_per_10min(5, 0) == 0.0);
    assert_true(model_rate_per_10min(5, -1000) == 0.0);
    /* The same arithmetic the screens showed before, to the last bit. */
    assert_true(model_rate_per_10min(7, 1234567) == 7.0 * 600000.0 / 1234567.0);
}

/* A rate needs five minutes observed: 3 taps in 43 s are not "41,9 per
 * 10 min", and a rate is given from exactly five minutes on. */
static void test_rate_floor(void **state)
{
    (void)state;
    double r = -1;
    assert_int_equal(model_rate(3, 43000, &r), 0);
    assert_true(r == -1);
    assert_int_equal(model_rate(3, MODEL_RATE_MIN_MS - 1, &r), 0);
    assert_int_equal(model_rate(0, 0, &r), 0);
    assert_int_equal(model_rate(3, -5, &r), 0);
    assert_int_equal(model_rate(5, MODEL_RATE_MIN_MS, &r), 1);
    assert_true(r == 10.0);
    assert_int_equal(model_rate(3, 30 * 60000, &r), 1);
    assert_true(r == 1.0);
}

/* Ratings per level of a three-level scale (not seen, partly, clearly),
 * as the overview counts them. */
static int share(int not_seen, int partly, int clearly)
{
    int at[MODEL_MAX_SCALE] = {not_seen, partly, clearly};
    return model_sign_pct(at, 3);
}

/* "Partly" counts as half of "clearly"; a sign never rated has no share
 * (not 0 %); unrated observations count neither way; fewer than three
 * ratings give no colour. */
static void test_sign_share(void **state)
{
    (void)state;
    assert_int_equal(model_level_pct(0, 3), 0);
    assert_int_equal(model_level_pct(1, 3), 50);
    assert_int_equal(model_level_pct(2, 3), 100);
    assert_int_equal(model_level_pct(1, 2), 100);
    assert_int_equal(model_level_pct(1, 5), 25);
    assert_int_equal(model_level_pct(4, 3), 100);
    assert_int_equal(share(0, 0, 0), -1);
    assert_int_equal(share(0, 4, 0), 50); /* all "partly": half, not 100 % */
    assert_int_equal(share(0, 0, 4), 100);
    assert_int_equal(share(4, 0, 0), 0);
    assert_int_equal(share(1, 1, 1), 50);
    assert_int_equal(share(2, 1, 0), 17); /* 0.5 of 3, rounded */
    assert_int_equal(share(0, 1, 2), 83);
    int five[MODEL_MAX_SCALE] = {1, 1, 1, 1, 0};
    assert_int_equal(model_sign_pct(five, 5), 38); /* (0 + .25 + .5 + .75) / 4 = 37.5 */
    int two[MODEL_MAX_SCALE] = {1, 3};
    assert_int_equal(model_sign_pct(two, 2), 75);

    static model_template t;
    memset(&t, 0, sizeof t);
    t.n_scale = 3;
    t.green_pct = 70;
    t.yellow_pct = 40;
    int pct = 12345;
    int none[MODEL_MAX_SCALE] = {0};
    assert_int_equal(model_sign_color_of(&t, none, &pct), MODEL_SIGN_NOT_RATED);
    assert_int_equal(pct, -1);
    int one[MODEL_MAX_SCALE] = {0, 0, 1};
    assert_int_equal(model_sign_color_of(&t, one, &pct), MODEL_SIGN_TOO_FEW);
    assert_int_equal(pct, 100);
    int twice[MODEL_MAX_SCALE] = {0, 0, 2};
    assert_int_equal(model_sign_color_of(&t, twice, NULL), MODEL_SIGN_TOO_FEW);
    int partly[MODEL_MAX_SCALE] = {0, 3, 0};
    assert_int_equal(model_sign_color_of(&t, partly, &pct), MODEL_SIGN_YELLOW);
    assert_int_equal(pct, 50);
    int clearly[MODEL_MAX_SCALE] = {0, 1, 2};
    assert_int_equal(model_sign_color_of(&t, clearly, &pct), MODEL_SIGN_GREEN);
    assert_int_equal(pct, 83);
    int low[MODEL_MAX_SCALE] = {2, 1, 0};
    assert_int_equal(model_sign_color_of(&t, low, &pct), MODEL_SIGN_RED);
    assert_int_equal(pct, 17);
}

static model_event ev(model_event_kind kind, const char *key, int64_t at)
{
    model_event e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    snprintf(e.key, sizeof e.key, "%s", key);
    e.at = at;
    return e;
}

static void test_tally_replay(void **state)
{
    (void)state;
    static model_template t;
    memset(&t, 0, sizeof t);
    t.n_counters = 2;
    snprintf(t.counters[0].key, sizeof t.counters[0].key, "open_q");
    snprintf(t.counters[1].key, sizeof t.counters[1].key, "closed_q");
    t.n_states = 2;
    snprintf(t.states[0].key, sizeof t.states[0].key, "waiting");
    snprintf(t.states[1].key, sizeof t.states[1].key, "noise");
    model_event seq[] = {
        ev(MODEL_EV_COUNT, "closed_q", 100),
        ev(MODEL_EV_COUNT, "open_q", 200),
        ev(MODEL_EV_COUNT, "open_q", 300),
        ev(MODEL_EV_COUNT, "gone", 350), /* not in this template version */
        ev(MODEL_EV_STATE_START, "waiting", 1000),
        ev(MODEL_EV_STATE_START, "waiting", 2000), /* already on: no change */
        ev(MODEL_EV_STATE_STOP, "waiting", 5000),
        ev(MODEL_EV_STATE_STOP, "waiting", 6000), /* already off */
        ev(MODEL_EV_STATE_STOP, "noise", 6500),   /* never on */
        ev(MODEL_EV_SAMPLE, "all", 7000),
        ev(MODEL_EV_UNDO, "", 7100), /* the store leaves its target out */
        ev(MODEL_EV_STATE_START, "waiting", 10000),
    };
    model_tally y;
    memset(&y, 0, sizeof y);
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++)
        model_tally_add(&y, &t, &seq[i]);
    assert_int_equal(y.counts[0], 2);
    assert_int_equal(y.counts[1], 1);
    assert_int_equal(y.samples, 1);
    assert_int_equal(y.running[0], 1);
    assert_int_equal(y.state_since[0], 10000);
    assert_int_equal(y.state_ms[0], 4000);
    assert_int_equal(y.running[1], 0);
    assert_int_equal(y.state_ms[1], 0);
    /* Closed time plus the open part up to now. */
    assert_int_equal(model_tally_state_ms(&y, 0, 12500), 6500);
    assert_int_equal(model_tally_state_ms(&y, 1, 12500), 0);
    model_event stop = ev(MODEL_EV_STATE_STOP, "waiting", 13000);
    model_tally_add(&y, &t, &stop);
    assert_int_equal(model_tally_state_ms(&y, 0, 99999), 7000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_rate_floor),
        cmocka_unit_test(test_sign_share),
        cmocka_unit_test(test_tally_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
