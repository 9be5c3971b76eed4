/* What an observation's events add up to, as the store replays them: the
 * store decides what an undo takes back, once, and the screens show its
 * tally; the history gives its periods' rates through the same rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "db_history.h"
#include "dbfix.h"

static void event(dbfix *f, const char *obs, model_event_kind kind, const char *key)
{
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, kind, key, NULL), DB_OK);
}

static int counter(const model_template *t, const char *key)
{
    for (int i = 0; i < t->n_counters; i++)
        if (!strcmp(t->counters[i].key, key))
            return i;
    fail_msg("no counter %s", key);
    return -1;
}

/* A fresh store with the demo unit and one observation started in it;
 * t gets the observation's template. */
static void setup(dbfix *f, const char *name, model_id obs, model_template *t)
{
    assert_int_equal(dbfix_open(f, name, 1), 0);
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    model_observation o;
    assert_int_equal(db_obs_get(f->d, obs, &o), DB_OK);
    assert_int_equal(db_template_get(f->d, o.template_id, o.template_version, t), DB_OK);
}

static void test_tally_after_undo(void **state)
{
    (void)state;
    dbfix f;
    model_id obs;
    model_template t;
    setup(&f, "tally", obs, &t);
    int oq = counter(&t, "open_q"), cq = counter(&t, "closed_q");
    assert_int_equal(t.n_states, 1);

    /* Taps, a state that runs a minute, a sample taken back, and a second
     * start of the state taken back too. */
    event(&f, obs, MODEL_EV_COUNT, "open_q");   /* 0 */
    event(&f, obs, MODEL_EV_COUNT, "open_q");   /* 1 */
    event(&f, obs, MODEL_EV_COUNT, "closed_q"); /* 2 */
    plat_fake_advance(f.sys, 1000);
    event(&f, obs, MODEL_EV_STATE_START, "waiting"); /* 3 */
    plat_fake_advance(f.sys, 60000);
    event(&f, obs, MODEL_EV_STATE_STOP, "waiting");                   /* 4 */
    event(&f, obs, MODEL_EV_SAMPLE, "all");                           /* 5 */
    assert_int_equal(db_obs_undo(f.d, obs, FIX_PEER_A, NULL), DB_OK); /* 6 takes back 5 */
    plat_fake_advance(f.sys, 5000);
    event(&f, obs, MODEL_EV_STATE_START, "waiting");                  /* 7 */
    assert_int_equal(db_obs_undo(f.d, obs, FIX_PEER_A, NULL), DB_OK); /* 8 takes back 7 */
    event(&f, obs, MODEL_EV_COUNT, "open_q");                         /* 9 */
    assert_int_equal(db_obs_undo(f.d, obs, FIX_PEER_A, NULL), DB_OK); /* 10 takes back 9 */

    model_event ev[16];
    unsigned char undone[16];
    int n = -1;
    model_tally y;
    assert_int_equal(db_obs_tally(f.d, obs, &t, ev, undone, 16, &n, &y), DB_OK);
    assert_int_equal(n, 11);
    static const unsigned char want[11] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    for (int i = 0; i < n; i++) {
        if (undone[i] != want[i])
            fail_msg("event %d: undone %d, expected %d", i, undone[i], want[i]);
    }
    assert_int_equal(ev[6].kind, MODEL_EV_UNDO);
    assert_string_equal(ev[6].target_id, ev[5].id);
    assert_int_equal(y.counts[oq], 2);
    assert_int_equal(y.counts[cq], 1);
    assert_int_equal(y.samples, 0);
    assert_int_equal(y.running[0], 0);
    assert_int_equal(y.state_ms[0], 60000);

    /* The store's other readers agree: the counts, and the state is off
     * (a stop is refused, a start accepted). */
    int counts[MODEL_MAX_COUNTERS];
    assert_int_equal(db_obs_counts(f.d, obs, &t, counts), DB_OK);
    assert_memory_equal(counts, y.counts, sizeof counts);
    assert_int_equal(db_obs_event(f.d, obs, FIX_PEER_A, MODEL_EV_STATE_STOP, "waiting", NULL),
                     DB_INVALID);

    /* Undoing a stop leaves the state running since its start. */
    int64_t start = f.sys->now_ms(f.sys);
    event(&f, obs, MODEL_EV_STATE_START, "waiting");
    plat_fake_advance(f.sys, 30000);
    event(&f, obs, MODEL_EV_STATE_STOP, "waiting");
    assert_int_equal(db_obs_undo(f.d, obs, FIX_PEER_A, NULL), DB_OK);
    /* Only the first events are copied; the tally is of all of them. */
    assert_int_equal(db_obs_tally(f.d, obs, &t, ev, undone, 2, &n, &y), DB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(y.counts[oq], 2);
    assert_int_equal(y.running[0], 1);
    assert_int_equal(y.state_since[0], start);
    assert_int_equal(y.state_ms[0], 60000);
    assert_int_equal(model_tally_state_ms(&y, 0, start + 45000), 60000 + 45000);
    assert_int_equal(db_obs_event(f.d, obs, FIX_PEER_A, MODEL_EV_STATE_START, "waiting", NULL),
                     DB_INVALID);
    assert_int_equal(db_obs_tally(f.d, obs, &t, NULL, NULL, 0, &n, &y), DB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(y.counts[cq], 1);

    /* An observation that does not exist adds up to nothing. */
    assert_int_equal(
        db_obs_tally(f.d, "0b11c000-0000-4000-8000-0000000000ff", &t, ev, undone, 16, &n, &y),
        DB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(y.counts[oq], 0);
    dbfix_close(&f);
}

/* The history's periods carry their rates per 10 minutes, from the counts
 * and the time observed, the same rate the summary shows. */
static void test_history_rates(void **state)
{
    (void)state;
    dbfix f;
    model_id obs;
    model_template t;
    setup(&f, "tally-hist", obs, &t);
    for (int i = 0; i < 4; i++)
        event(&f, obs, MODEL_EV_COUNT, "open_q");
    assert_int_equal(db_obs_undo(f.d, obs, FIX_PEER_A, NULL), DB_OK);
    plat_fake_advance(f.sys, 30 * 60000);
    assert_int_equal(db_obs_finish(f.d, obs, FIX_PEER_A), DB_OK);

    model_focus focus;
    assert_int_equal(db_focus_get(f.d, FIX_FOCUS, 0, &focus), DB_OK);
    int oq = counter(&t, "open_q"), cq = counter(&t, "closed_q");
    db_hist_filter hf = {.unit_id = DEMO_UNIT_ID, .viewer_id = FIX_LEADER, .focus_id = FIX_FOCUS};
    db_hist_bucket b[2], tot;
    int n;
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, FIX_T0, 86400000, 2, b, &n, &tot), DB_OK);
    assert_int_equal(b[0].counts[oq], 3);
    assert_int_equal(b[0].observed_ms, 30 * 60000);
    /* 3 taps in 30 minutes: 1 per 10 minutes. */
    assert_true(b[0].per_10min[oq] == 1.0);
    assert_true(b[0].per_10min[cq] == 0.0);
    assert_true(b[1].per_10min[oq] == 0.0); /* nothing observed */
    assert_true(tot.per_10min[oq] == model_rate_per_10min(3, 30 * 60000));
    dbfix_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tally_after_undo),
        cmocka_unit_test(test_history_rates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
