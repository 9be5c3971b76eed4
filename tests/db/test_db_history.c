/* History in the store: the schema step for corrections, the revisions a
 * correction leaves, the progression of a focus in periods (with who may
 * see what), retention that never takes an unsynced observation, and the
 * storage figure. */
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

#define DAY 86400000LL
#define FOCUS2 "0b11c000-0000-4000-8000-000000000042"
#define SIGN2 "0b11c000-0000-4000-8000-000000000052"
#define ROOM2 "0b11c000-0000-4000-8000-000000000012"

/* Acknowledges every change in the outbox, as a sync round would. */
static void ack_all(dbfix *f)
{
    db_outbox_entry e[64];
    int n;
    do {
        assert_int_equal(db_outbox_peek(f->d, 0, 64, e, &n), DB_OK);
        for (int i = 0; i < n; i++)
            assert_int_equal(db_outbox_ack(f->d, e[i].change_id), DB_OK);
        db_outbox_entries_free(e, n);
    } while (n > 0);
}

/* An observation by observer of observee in room, at the fake clock's now,
 * lasting minutes, with taps of open_q (one of them undone) and a rating
 * of the first sign. */
static void observe(dbfix *f, const char *observer, const char *observee, const char *room,
                    int minutes, int open_q, int level, model_id id)
{
    tsupport_obs o = {.start = {.unit_id = DEMO_UNIT_ID,
                                .focus_id = FIX_FOCUS,
                                .observer_id = observer,
                                .observee_id = observee,
                                .room_id = room,
                                .activity = "Samling"},
                      .keys = {"open_q", "closed_q"},
                      .taps = {open_q + 1, 1},
                      .undo_first = 1,
                      .signs = {level >= 0 ? FIX_SIGN1 : NULL},
                      .levels = {level},
                      .clock = f->sys,
                      .minutes = minutes};
    TSUPPORT_RC(tsupport_observe(f->d, &o, id), DB_OK, db_errmsg(f->d));
}

/* A file made at version 4 with an observation comes up to version 5 with
 * the revision table, and the observation is untouched. */
static void test_migrate_from_4(void **state)
{
    (void)state;
    char dir[1024], path[1100];
    assert_int_equal(tsupport_tmpdir("hist-migrate", dir, sizeof dir), 0);
    tsupport_path(path, sizeof path, dir, "blik.db");
    plat_sys *sys = plat_fake_new(FIX_T0, 5);
    db *d;
    assert_int_equal(db_open_at(path, sys, 4, &d), DB_OK);
    char err[256];
    assert_int_equal(demo_load(d, err, sizeof err), DB_OK);
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = FIX_FOCUS,
                    .observer_id = FIX_PEER_A,
                    .observee_id = FIX_PEER_B,
                    .room_id = FIX_ROOM,
                    .activity = "Samling",
                    .agreement = 1};
    model_id id;
    db_close(d);
    assert_int_equal(dbfix_count(path, "sqlite_master WHERE name = 'obs_revision'"), 0);
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(db_schema_version(d), DB_SCHEMA_VERSION);
    assert_int_equal(db_obs_start(d, &n, id), DB_OK);
    assert_int_equal(db_obs_finish(d, id, FIX_PEER_A), DB_OK);
    assert_int_equal(db_obs_update(d, id, FIX_PEER_A, "Leg", NULL), DB_OK);
    db_revision r[2];
    int got;
    assert_int_equal(db_obs_revisions(d, id, 0, 2, r, &got), DB_OK);
    assert_int_equal(got, 1);
    assert_int_equal(db_check(d), DB_OK);
    db_close(d);
    assert_int_equal(dbfix_count(path, "sqlite_master WHERE name = 'obs_revision_gone'"), 1);
    plat_fake_free(sys);
    tsupport_rmtree(dir);
}

/* Every correction of a finished observation leaves who, when and what;
 * changes while a draft leave none; the rows go with the observation. */
static void test_revisions(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "hist-rev", 1), 0);
    model_id id;
    assert_int_equal(dbfix_start(&f, id), DB_OK);
    assert_int_equal(db_obs_rate(f.d, id, FIX_PEER_A, FIX_SIGN1, 1), DB_OK);
    assert_int_equal(db_obs_update(f.d, id, FIX_PEER_A, "Leg", NULL), DB_OK);
    assert_int_equal(db_obs_finish(f.d, id, FIX_PEER_A), DB_OK);
    db_revision r[8];
    int n;
    assert_int_equal(db_obs_revisions(f.d, id, 0, 8, r, &n), DB_OK);
    assert_int_equal(n, 0);

    plat_fake_advance(f.sys, 60000);
    assert_int_equal(db_obs_rate(f.d, id, FIX_PEER_A, FIX_SIGN1, 2), DB_OK);
    plat_fake_advance(f.sys, 60000);
    assert_int_equal(db_obs_update(f.d, id, FIX_PEER_A, "Samling", "{\"children\":12}"), DB_OK);
    /* Someone else cannot correct, and leaves nothing. */
    assert_int_equal(db_obs_rate(f.d, id, FIX_PEER_B, FIX_SIGN1, 0), DB_DENIED);
    model_observation o;
    assert_int_equal(db_obs_get(f.d, id, &o), DB_OK);
    assert_int_equal(o.revision, 3);
    assert_int_equal(db_obs_revisions(f.d, id, 0, 8, r, &n), DB_OK);
    assert_int_equal(n, 3);
    /* Newest first: the update made revision 3 with two parts. */
    assert_int_equal(r[0].revision, 3);
    assert_int_equal(r[1].revision, 3);
    assert_string_equal(r[0].what, "context");
    assert_string_equal(r[0].before, "{\"children\":14,\"adults\":2}");
    assert_string_equal(r[0].after, "{\"children\":12}");
    assert_string_equal(r[1].what, "activity");
    assert_string_equal(r[1].before, "Leg");
    assert_string_equal(r[1].after, "Samling");
    assert_int_equal(r[1].at, FIX_T0 + 120000);
    assert_string_equal(r[1].actor_id, FIX_PEER_A);
    assert_int_equal(r[2].revision, 2);
    assert_string_equal(r[2].what, "rating");
    assert_string_equal(r[2].sign_id, FIX_SIGN1);
    assert_string_equal(r[2].before, "1");
    assert_string_equal(r[2].after, "2");
    assert_int_equal(r[2].at, FIX_T0 + 60000);
    /* Paging. */
    assert_int_equal(db_obs_revisions(f.d, id, 2, 8, r, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(r[0].what, "rating");
    /* A deletion the server published takes the revisions too. */
    assert_int_equal(db_batch_begin(f.d), DB_OK);
    assert_int_equal(db_sync_delete(f.d, "observation", id), DB_OK);
    assert_int_equal(db_batch_end(f.d, 1), DB_OK);
    assert_int_equal(dbfix_count(f.path, "obs_revision"), 0);
    dbfix_close(&f);
}

/* The progression of a focus: periods of a week with their observations,
 * signs seen and rated, counts without undone taps, observed time; only
 * finished observations; the viewer's rights and the filters hold. */
static void test_progression(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "hist-prog", 1), 0);
    int64_t origin = FIX_T0;
    model_id id;
    /* Week 0: A observes B twice (seen, not seen); week 2: C observes B
     * in another room (seen clearly), and a draft that does not count. */
    observe(&f, FIX_PEER_A, FIX_PEER_B, FIX_ROOM, 20, 3, 1, id);
    observe(&f, FIX_PEER_A, FIX_PEER_B, FIX_ROOM, 10, 1, 0, id);
    plat_fake_advance(f.sys, 14 * DAY);
    observe(&f, FIX_PEER_C, FIX_PEER_B, ROOM2, 30, 5, 2, id);
    db_obs_new dn = {.unit_id = DEMO_UNIT_ID,
                     .focus_id = FIX_FOCUS,
                     .observer_id = FIX_PEER_A,
                     .observee_id = FIX_PEER_C,
                     .room_id = FIX_ROOM,
                     .agreement = 1};
    assert_int_equal(db_obs_start(f.d, &dn, id), DB_OK);
    /* Another focus is not in this one's history. */
    dn.focus_id = FOCUS2;
    assert_int_equal(db_obs_start(f.d, &dn, id), DB_OK);
    assert_int_equal(db_obs_finish(f.d, id, FIX_PEER_A), DB_OK);

    model_focus focus;
    model_template t;
    assert_int_equal(db_focus_get(f.d, FIX_FOCUS, 0, &focus), DB_OK);
    assert_int_equal(db_template_get(f.d, focus.template_id, 0, &t), DB_OK);
    int oq = -1, cq = -1;
    for (int i = 0; i < t.n_counters; i++) {
        if (!strcmp(t.counters[i].key, "open_q"))
            oq = i;
        if (!strcmp(t.counters[i].key, "closed_q"))
            cq = i;
    }
    assert_true(oq >= 0 && cq >= 0);

    db_hist_filter hf = {.unit_id = DEMO_UNIT_ID, .viewer_id = FIX_LEADER, .focus_id = FIX_FOCUS};
    int64_t first, last, count;
    assert_int_equal(db_hist_range(f.d, &hf, &first, &last, &count), DB_OK);
    assert_int_equal(count, 3);
    assert_int_equal(first, origin);
    db_hist_bucket b[DB_HIST_MAX_BUCKETS], tot;
    int n;
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, origin, 7 * DAY, 4, b, &n, &tot), DB_OK);
    assert_int_equal(n, 4);
    assert_int_equal(b[0].start, origin);
    assert_int_equal(b[2].start, origin + 14 * DAY);
    assert_int_equal(b[0].n_obs, 2);
    assert_int_equal(b[1].n_obs, 0);
    assert_int_equal(b[2].n_obs, 1);
    assert_int_equal(b[3].n_obs, 0);
    assert_int_equal(b[0].rated[0], 2);
    assert_int_equal(b[0].at_level[0][0], 1);
    assert_int_equal(b[0].at_level[0][1], 1);
    assert_int_equal(b[2].at_level[0][2], 1);
    assert_int_equal(b[0].rated[1], 0);
    assert_int_equal(b[0].counts[oq], 4);
    assert_int_equal(b[0].counts[cq], 2);
    assert_int_equal(b[2].counts[oq], 5);
    assert_int_equal(b[0].observed_ms, 30 * 60000);
    assert_int_equal(b[2].observed_ms, 30 * 60000);
    /* Rates only where at least five minutes were observed. */
    assert_int_equal(b[0].has_rate, 1);
    assert_int_equal(b[1].has_rate, 0);
    assert_true(b[1].per_10min[oq] == 0.0);
    assert_int_equal(tot.n_obs, 3);
    assert_int_equal(tot.at_level[0][0], 1);
    assert_int_equal(tot.at_level[0][1], 1);
    assert_int_equal(tot.at_level[0][2], 1);
    assert_int_equal(tot.rated[0], 3);
    assert_int_equal(tot.counts[oq], 9);
    assert_int_equal(tot.observed_ms, 60 * 60000);

    /* Filters: C's observations only; then the first room only. */
    hf.observer_id = FIX_PEER_C;
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, origin, 7 * DAY, 4, b, &n, &tot), DB_OK);
    assert_int_equal(tot.n_obs, 1);
    assert_int_equal(b[2].n_obs, 1);
    hf.observer_id = NULL;
    hf.room_id = FIX_ROOM;
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, origin, 7 * DAY, 4, b, &n, &tot), DB_OK);
    assert_int_equal(tot.n_obs, 2);
    hf.room_id = NULL;
    /* A period range cuts the same way. */
    hf.from = origin + 7 * DAY;
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, origin, 7 * DAY, 4, b, &n, &tot), DB_OK);
    assert_int_equal(tot.n_obs, 1);
    hf.from = 0;

    /* A peer sees what they observed or were observed in, nothing else. */
    hf.viewer_id = FIX_PEER_A;
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, origin, 7 * DAY, 4, b, &n, &tot), DB_OK);
    assert_int_equal(tot.n_obs, 2);
    hf.viewer_id = FIX_PEER_B;
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, origin, 7 * DAY, 4, b, &n, &tot), DB_OK);
    assert_int_equal(tot.n_obs, 3);
    hf.viewer_id = "0b11c000-0000-4000-8000-000000000026";
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, origin, 7 * DAY, 4, b, &n, &tot), DB_OK);
    assert_int_equal(tot.n_obs, 0);
    hf.viewer_id = "0b11c000-0000-4000-8000-0000000000ff";
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, origin, 7 * DAY, 4, b, &n, &tot),
                     DB_DENIED);
    /* Bad periods are refused. */
    hf.viewer_id = FIX_LEADER;
    assert_int_equal(db_hist_focus(f.d, &hf, &focus, &t, origin, 0, 4, b, &n, &tot), DB_INVALID);
    assert_int_equal(
        db_hist_focus(f.d, &hf, &focus, &t, origin, DAY, DB_HIST_MAX_BUCKETS + 1, b, &n, &tot),
        DB_INVALID);
    dbfix_close(&f);
}

/* Retention: synced observations past the unit's period leave with every
 * part; one with a change still waiting stays, and so does a recent one. */
static void test_retention(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "hist-ret", 1), 0);
    model_id old_synced, old_waiting, recent;
    observe(&f, FIX_PEER_A, FIX_PEER_B, FIX_ROOM, 10, 2, 1, old_synced);
    assert_int_equal(db_feedback_put(f.d, old_synced, FIX_PEER_A, "a", "b", "c", 1), DB_OK);
    assert_int_equal(db_reflection_put(f.d, old_synced, FIX_PEER_B, "r", "n"), DB_OK);
    observe(&f, FIX_PEER_A, FIX_PEER_B, FIX_ROOM, 10, 2, 1, old_waiting);
    ack_all(&f);
    /* A correction made later is not sent yet: that one must stay. */
    assert_int_equal(db_obs_rate(f.d, old_waiting, FIX_PEER_A, FIX_SIGN1, 2), DB_OK);
    assert_int_equal(db_draft_put(f.d, old_synced, DB_DRAFT_NOTE, "half a note"), DB_OK);
    assert_int_equal(db_draft_put(f.d, old_waiting, DB_DRAFT_FB_WORKS, "kept"), DB_OK);
    plat_fake_advance(f.sys, 300 * DAY);
    observe(&f, FIX_PEER_A, FIX_PEER_B, FIX_ROOM, 10, 2, 1, recent);
    ack_all(&f);
    assert_int_equal(db_obs_rate(f.d, old_waiting, FIX_PEER_A, FIX_SIGN1, 1), DB_OK);

    int64_t now = f.sys->now_ms(f.sys);
    int deleted = -1;
    /* Within the demo unit's 365 days nothing goes. */
    assert_int_equal(db_retention_run(f.d, DEMO_UNIT_ID, now, 1000, &deleted), DB_OK);
    assert_int_equal(deleted, 0);
    now += 70 * DAY;
    assert_int_equal(db_retention_run(f.d, DEMO_UNIT_ID, now, 1000, &deleted), DB_OK);
    assert_int_equal(deleted, 1);
    model_observation o;
    assert_int_equal(db_obs_get(f.d, old_synced, &o), DB_NOTFOUND);
    assert_int_equal(db_obs_get(f.d, old_waiting, &o), DB_OK);
    assert_int_equal(db_obs_get(f.d, recent, &o), DB_OK);
    char where[200];
    const char *tables[] = {"event", "note", "rating", "feedback", "reflection"};
    for (int i = 0; i < 5; i++) {
        snprintf(where, sizeof where, "%s WHERE observation_id = '%s'", tables[i], old_synced);
        assert_int_equal(dbfix_count(f.path, where), 0);
    }
    snprintf(where, sizeof where, "draft WHERE observation_id = '%s'", old_synced);
    assert_int_equal(dbfix_count(f.path, where), 0);
    snprintf(where, sizeof where, "draft WHERE observation_id = '%s'", old_waiting);
    assert_int_equal(dbfix_count(f.path, where), 1);
    /* Once the waiting change is acknowledged, it goes too; max holds. */
    ack_all(&f);
    assert_int_equal(db_retention_run(f.d, DEMO_UNIT_ID, now, 0, &deleted), DB_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(db_retention_run(f.d, DEMO_UNIT_ID, now, 1000, &deleted), DB_OK);
    assert_int_equal(deleted, 1);
    assert_int_equal(db_obs_get(f.d, old_waiting, &o), DB_NOTFOUND);
    assert_int_equal(db_obs_get(f.d, recent, &o), DB_OK);
    assert_int_equal(
        db_retention_run(f.d, "0b11c000-0000-4000-8000-0000000000ee", now, 10, &deleted),
        DB_NOTFOUND);
    assert_int_equal(db_check(f.d), DB_OK);
    dbfix_close(&f);
}

/* Retention in more than one batch, and a never-synced old draft stays. */
static void test_retention_batches(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "hist-ret-many", 1), 0);
    model_id id, draft;
    assert_int_equal(db_batch_begin(f.d), DB_OK);
    for (int i = 0; i < 450; i++) {
        assert_int_equal(dbfix_start(&f, id), DB_OK);
        assert_int_equal(db_obs_finish(f.d, id, FIX_PEER_A), DB_OK);
    }
    assert_int_equal(db_batch_end(f.d, 1), DB_OK);
    ack_all(&f);
    assert_int_equal(dbfix_start(&f, draft), DB_OK);
    int deleted;
    assert_int_equal(db_retention_run(f.d, DEMO_UNIT_ID, FIX_T0 + 400 * DAY, 1000, &deleted),
                     DB_OK);
    assert_int_equal(deleted, 450);
    assert_int_equal(dbfix_count(f.path, "observation"), 1);
    model_observation o;
    assert_int_equal(db_obs_get(f.d, draft, &o), DB_OK);
    db_storage s;
    assert_int_equal(db_storage_used(f.d, &s), DB_OK);
    assert_int_equal(s.observations, 1);
    assert_true(s.bytes >= 4096);
    dbfix_close(&f);
}

/* The reflection as its observer reads it back: none until it holds
 * words; new until the observer (not the observee, not a leader) marks it
 * read; new again when rewritten; listed for the observer only; gone with
 * its observation. Marking is no change for sync. */
static void test_reflection_seen(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "hist-re", 1), 0);
    model_id id, ids[4];
    int st = -1, n = -1;
    observe(&f, FIX_PEER_A, FIX_PEER_B, FIX_ROOM, 20, 3, 1, id);
    assert_int_equal(db_reflection_state(f.d, id, &st), DB_OK);
    assert_int_equal(st, DB_RE_NONE);
    assert_int_equal(db_reflection_put(f.d, id, FIX_PEER_B, "", ""), DB_OK);
    assert_int_equal(db_reflection_state(f.d, id, &st), DB_OK);
    assert_int_equal(st, DB_RE_NONE);
    assert_int_equal(db_reflections_new(f.d, DEMO_UNIT_ID, FIX_PEER_A, 4, ids, &n), DB_OK);
    assert_int_equal(n, 0);
    plat_fake_advance(f.sys, 60000);
    assert_int_equal(db_reflection_put(f.d, id, FIX_PEER_B, "Kortere end jeg tror", ""), DB_OK);
    assert_int_equal(db_reflection_state(f.d, id, &st), DB_OK);
    assert_int_equal(st, DB_RE_NEW);
    assert_int_equal(db_reflections_new(f.d, DEMO_UNIT_ID, FIX_PEER_A, 4, ids, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], id);
    assert_int_equal(db_reflections_new(f.d, DEMO_UNIT_ID, FIX_PEER_B, 4, ids, &n), DB_OK);
    assert_int_equal(n, 0);
    int64_t out0 = 0, out1 = 0;
    assert_int_equal(db_outbox_count(f.d, &out0), DB_OK);
    /* The observee and a leader reading it: still new to the observer. */
    assert_int_equal(db_reflection_mark_seen(f.d, id, FIX_PEER_B), DB_OK);
    assert_int_equal(db_reflection_mark_seen(f.d, id, FIX_LEADER), DB_OK);
    assert_int_equal(db_reflection_state(f.d, id, &st), DB_OK);
    assert_int_equal(st, DB_RE_NEW);
    assert_int_equal(db_reflection_mark_seen(f.d, id, FIX_PEER_A), DB_OK);
    assert_int_equal(db_reflection_state(f.d, id, &st), DB_OK);
    assert_int_equal(st, DB_RE_SEEN);
    assert_int_equal(db_reflections_new(f.d, DEMO_UNIT_ID, FIX_PEER_A, 4, ids, &n), DB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(db_outbox_count(f.d, &out1), DB_OK);
    assert_int_equal(out1, out0);
    /* Rewritten a minute later: new again. */
    plat_fake_advance(f.sys, 60000);
    assert_int_equal(db_reflection_put(f.d, id, FIX_PEER_B, "Kortere end jeg tror.", ""), DB_OK);
    assert_int_equal(db_reflection_state(f.d, id, &st), DB_OK);
    assert_int_equal(st, DB_RE_NEW);
    assert_int_equal(db_reflection_mark_seen(f.d, id, FIX_PEER_A), DB_OK);
    assert_int_equal(dbfix_count(f.path, "reflection_seen"), 1);
    /* Gone with its observation. */
    assert_int_equal(db_batch_begin(f.d), DB_OK);
    assert_int_equal(db_sync_delete(f.d, "observation", id), DB_OK);
    assert_int_equal(db_batch_end(f.d, 1), DB_OK);
    assert_int_equal(dbfix_count(f.path, "reflection_seen"), 0);
    dbfix_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_from_4),    cmocka_unit_test(test_revisions),
        cmocka_unit_test(test_progression),       cmocka_unit_test(test_retention),
        cmocka_unit_test(test_retention_batches), cmocka_unit_test(test_reflection_seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
