/* The store's prepared statements: a statement a call is still using must
 * never be freed under it, whatever the handle ran before. Some calls hold
 * one statement while a nested lookup (who the viewer is) prepares another;
 * a cache that evicted to make room freed the held one once the handle had
 * run enough different statements. Under AddressSanitizer such a call is a
 * use after free; without it, a wrong answer or a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_history.h"
#include "db_sync.h"
#include "dbfix.h"
#include "tsupport.h"
#include "tsupport_obs.h"

#define NOBODY "0b11c000-0000-4000-8000-0000000000ff"

/* Calls that run many different statements but never look a person up, so
 * that the lookup inside a probe is the statement the handle has not run. */
static int filler(db *d, int i, const char *obs)
{
    model_unit u;
    model_room r[4];
    model_template *t;
    model_focus fo[2];
    model_observation o;
    model_event ev[4];
    model_note no[4];
    model_rating ra[4];
    model_feedback fb;
    model_reflection re;
    db_outbox_entry oe[2];
    db_revision rv[2];
    db_storage sto;
    db_sync_counts cnt;
    db_sync_state ss;
    db_sync_conflict co[2];
    db_sync_rejection rj[2];
    db_sync_parked pk[2];
    model_id ids[4];
    int64_t n64;
    int n = 0, v = 0, pending = 0;
    char buf[256];
    switch (i) {
    case 0: return db_unit_get(d, DEMO_UNIT_ID, &u) == DB_OK;
    case 1: return db_room_get(d, FIX_ROOM, &r[0]) == DB_OK;
    case 2: return db_room_list(d, DEMO_UNIT_ID, 0, 4, r, &n) == DB_OK;
    case 3:
        t = malloc(sizeof *t);
        v = t && db_focus_get(d, FIX_FOCUS, 0, &fo[0]) == DB_OK &&
            db_template_get(d, fo[0].template_id, 0, t) == DB_OK;
        free(t);
        return v;
    case 4: return db_focus_list(d, DEMO_UNIT_ID, "", 0, 2, fo, &n) == DB_OK;
    case 5: return db_obs_get(d, obs, &o) == DB_OK;
    case 6: return db_obs_events(d, obs, 0, 4, ev, &n) == DB_OK;
    case 7: return db_obs_notes(d, obs, 0, 4, no, &n) == DB_OK;
    case 8: return db_obs_ratings(d, obs, ra, 4, &n) == DB_OK;
    case 9: return db_obs_last_undoable(d, obs, &ev[0]) != DB_INTERNAL;
    case 10: return db_feedback_get(d, obs, &fb) != DB_INTERNAL;
    case 11: return db_reflection_get(d, obs, &re) != DB_INTERNAL;
    case 12: return db_outbox_count(d, &n64) == DB_OK;
    case 13:
        v = db_outbox_peek(d, 0, 2, oe, &n) == DB_OK;
        db_outbox_entries_free(oe, n);
        return v;
    case 14: return db_is_pending(d, obs, &pending) == DB_OK;
    case 15: return db_outbox_ack(d, NOBODY) != DB_INTERNAL;
    case 16: return db_kv_get(d, "no.such.key", buf, sizeof buf) == DB_NOTFOUND;
    case 17: return db_kv_put(d, "stmt.test", "1") == DB_OK;
    case 18: return db_sync_config_get(d, "no_such", buf, sizeof buf) == DB_NOTFOUND;
    case 19: return db_sync_count(d, &cnt) == DB_OK;
    case 20: return db_sync_state_of(d, obs, &ss) == DB_OK;
    case 21:
        return db_sync_conflicts(d, 0, 2, co, &n) == DB_OK &&
               db_sync_conflict_get(d, NOBODY, &co[0]) == DB_NOTFOUND;
    case 22: return db_sync_rejections(d, 0, 2, rj, &n) == DB_OK;
    case 23: return db_sync_parked_list(d, 2, pk, &n) == DB_OK;
    case 24: return db_sync_cursor_get(d, "", &n64) == DB_OK;
    case 25: return db_sync_followed(d, ids, 4, &n) == DB_OK;
    case 26: {
        const db_outbox_entry gone = {.seq = -1, .entity = "event", .entity_id = NOBODY};
        return db_sync_ack_sent(d, &gone, DB_SYNC_ACK_STORED, 1, NULL, NULL) == DB_OK;
    }
    case 27: return db_sync_rejection_retry(d, NOBODY) == DB_NOTFOUND;
    case 28: return db_sync_delete(d, "observation", NOBODY) == DB_OK;
    case 29: return db_sync_delete(d, "person", NOBODY) == DB_OK;
    case 30: return db_obs_revisions(d, obs, 0, 2, rv, &n) == DB_OK;
    case 31: return db_storage_used(d, &sto) == DB_OK;
    case 32: return db_retention_run(d, DEMO_UNIT_ID, FIX_T0, 10, &n) == DB_OK;
    case 33: return db_sync_ack(d, NOBODY, DB_SYNC_ACK_STORED, 1, NULL, NULL) == DB_OK;
    case 34: return db_sync_conflict_keep_mine(d, NOBODY) == DB_NOTFOUND;
    case 35: return db_sync_unpark(d, "note", NOBODY) != DB_INTERNAL;
    case 36: return db_sync_follow(d, "") != DB_INTERNAL;
    case 37: return db_sync_config_put(d, "stmt_test", "1") == DB_OK;
    default: return -1;
    }
}

/* Calls that hold their statement across the lookup of the viewer. */
static int probe(db *d, int i, const model_focus *focus, const model_template *t)
{
    db_hist_filter hf = {.unit_id = DEMO_UNIT_ID, .viewer_id = FIX_LEADER, .focus_id = FIX_FOCUS};
    db_obs_filter of = {.unit_id = DEMO_UNIT_ID, .viewer_id = FIX_LEADER, .status = -1};
    db_cursor cur = {0};
    model_observation o[2];
    int64_t first, last, n64 = 0;
    int n = 0, rc;
    static db_hist_bucket b[4];
    switch (i) {
    case 0: rc = db_hist_range(d, &hf, &first, &last, &n64); return rc == DB_OK && n64 == 1;
    case 1:
        rc = db_hist_focus(d, &hf, focus, t, FIX_T0 - 60000, 3600000, 4, b, &n, NULL);
        return rc == DB_OK && n == 4 && b[0].n_obs == 1;
    case 2: rc = db_obs_list(d, &of, &cur, 2, o, &n); return rc == DB_OK && n == 1;
    case 3: rc = db_obs_count(d, &of, &n64); return rc == DB_OK && n64 == 1;
    default: return -1;
    }
}

/*
 * For every probe and every number k of fillers run before it, on a fresh
 * handle: the probe answers right. Walking k through every value puts the
 * handle at each number of statements already run, so a statement cache of
 * any size that evicted would free the probe's statement at one of them.
 */
static void test_held_statement_survives(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "stmt", 1), 0);
    model_id obs;
    tsupport_obs one = {.start = {.unit_id = DEMO_UNIT_ID,
                                  .focus_id = FIX_FOCUS,
                                  .observer_id = FIX_PEER_A,
                                  .observee_id = FIX_PEER_B,
                                  .room_id = FIX_ROOM,
                                  .activity = "Samling"},
                        .keys = {"open_q"},
                        .taps = {1}};
    TSUPPORT_RC(tsupport_observe(f.d, &one, obs), DB_OK, db_errmsg(f.d));
    model_focus focus;
    model_template *t = malloc(sizeof *t);
    assert_non_null(t);
    assert_int_equal(db_focus_get(f.d, FIX_FOCUS, 0, &focus), DB_OK);
    assert_int_equal(db_template_get(f.d, focus.template_id, 0, t), DB_OK);
    int fillers = 0;
    while (filler(f.d, fillers, obs) >= 0)
        fillers++;
    for (int p = 0; probe(f.d, p, &focus, t) >= 0; p++) {
        for (int k = 0; k <= fillers; k++) {
            db *d = NULL;
            assert_int_equal(db_open(f.path, f.sys, &d), DB_OK);
            for (int i = 0; i < k; i++)
                if (filler(d, i, obs) != 1)
                    fail_msg("filler %d: %s", i, db_errmsg(d));
            if (probe(d, p, &focus, t) != 1)
                fail_msg("probe %d after %d fillers: %s", p, k, db_errmsg(d));
            db_close(d);
        }
    }
    free(t);
    dbfix_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_statement_survives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
