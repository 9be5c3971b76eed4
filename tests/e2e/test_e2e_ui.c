/*
 * The screens' honest sync state, end to end: two headless tablets with
 * the real server, PostgreSQL and TLS. The functions the chip and the rows
 * draw from (scr_record_sync_text, scr_sync_chip_text) say "saved on this
 * tablet" for a record the server has not acknowledged, "synced" once it
 * has, on both tablets, and "needs review" when two versions met.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scr.h"
#include "synctest.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U;
static tablet A, B;
static i18n *DA;

static int up(void **state)
{
    (void)state;
    if (fx_up(&W, "blik_e2e_ui", NULL) != 0)
        return -1;
    fx_make_unit(&W, "Solsikken", &U);
    tab_open(&A, "e2e_ui_a", NULL);
    tab_open(&B, "e2e_ui_b", NULL);
    char path[1200], err[256];
    snprintf(path, sizeof path, "%s/da.po", BLIK_PO_DIR);
    return i18n_load(path, &DA, err, sizeof err) == 0 ? 0 : -1;
}

static int down(void **state)
{
    (void)state;
    i18n_free(DA);
    tab_close(&A);
    tab_close(&B);
    fx_down(&W);
    return 0;
}

/* What the record's row says on a tablet. */
static const char *row(tablet *t, const char *obs)
{
    static char words[300];
    assert_true(scr_record_sync_text(t->d, DA, obs, words, sizeof words) >= 0);
    return words;
}

/* What the chip says on a tablet whose last round went well. */
static const char *chip(tablet *t)
{
    static char words[160];
    db_sync_counts c = tab_counts(t);
    scr_sync_state st = {.enrolled = 1, .rounds = 1, .last_ok_ms = 1};
    scr_sync_chip_text(DA, &c, &st, words, sizeof words);
    return words;
}

static void test_saved_then_synced_then_needs_review(void **state)
{
    (void)state;
    model_id obs;
    tab_enrol(&A, &W, U.unit, NULL);
    tab_enrol(&B, &W, U.unit, NULL);
    tab_sync_ok(&A, NULL);
    tab_sync_ok(&B, NULL);
    assert_int_equal(db_sync_follow(A.d, U.peer1), DB_OK);
    assert_int_equal(db_sync_follow(B.d, U.peer1), DB_OK);
    tab_observe(&A, &U, U.peer1, U.peer2, 5, 1, obs);

    /* Saved on A only: the row and the chip say so, not "synced". */
    assert_string_equal(row(&A, obs), "Gemt på denne tablet");
    /* Many changes (every tap is one), one observation: the chip counts
     * the observation. */
    assert_true(tab_counts(&A).waiting > 1);
    assert_int_equal(tab_counts(&A).waiting_obs, 1);
    assert_string_equal(chip(&A), "1 observation venter");

    /* The server acknowledged it: synced on A, and on B once pulled. */
    tab_sync_ok(&A, NULL);
    assert_string_equal(row(&A, obs), "Synkroniseret");
    assert_string_equal(chip(&A), "Synkroniseret");
    tab_sync_ok(&B, NULL);
    model_observation o;
    assert_int_equal(db_obs_get(B.d, obs, &o), DB_OK);
    assert_string_equal(row(&B, obs), "Synkroniseret");

    /* The same observation changed on both: B's change meets A's. */
    assert_int_equal(db_obs_update(A.d, obs, U.peer1, "Samling (A)", NULL), DB_OK);
    assert_int_equal(db_obs_update(B.d, obs, U.peer1, "Samling (B)", NULL), DB_OK);
    assert_string_equal(row(&B, obs), "Gemt på denne tablet");
    tab_sync_ok(&A, NULL);
    sync_report rep;
    tab_sync_ok(&B, &rep);
    assert_int_equal(rep.conflicts, 1);
    assert_string_equal(row(&B, obs), "Skal gennemses");
    assert_string_equal(chip(&B), "1 skal gennemses");
    assert_string_equal(row(&A, obs), "Synkroniseret");
    /* Both versions are there for the review screen to show. */
    db_sync_conflict *c = calloc(2, sizeof *c);
    assert_non_null(c);
    int n = 0;
    assert_int_equal(db_sync_conflicts(B.d, 0, 2, c, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].mine.u.obs.activity, "Samling (B)");
    assert_true(c[0].have_theirs);
    assert_string_equal(c[0].theirs.u.obs.activity, "Samling (A)");
    model_id change;
    memcpy(change, c[0].change_id, sizeof change);
    free(c);
    /* Keep mine: waiting again, then synced after the next round. */
    assert_int_equal(db_sync_conflict_keep_mine(B.d, change), DB_OK);
    assert_string_equal(row(&B, obs), "Gemt på denne tablet");
    tab_sync_ok(&B, NULL);
    assert_string_equal(row(&B, obs), "Synkroniseret");
    assert_string_equal(chip(&B), "Synkroniseret");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_saved_then_synced_then_needs_review),
    };
    return cmocka_run_group_tests(tests, up, down);
}
