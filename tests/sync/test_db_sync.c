/*
 * The store's side of sync, without a server: pulled records apply once
 * however often they come; a part that arrives before its observation
 * waits, and is let go when a newer version applies, also in a page that
 * skips asking what is held back; a record with unsent local changes is
 * never overwritten, and a conflict keeps both versions until a person
 * chooses; a refused change
 * stays on the tablet with its reason; the app's newer protocol version
 * pulls everything again once, filling in what the older one left out; and
 * the bad inputs are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db_sync.h"
#include "dbfix.h"
#include "tsupport.h"

#define OTHER_OBS "0b11c000-0000-4000-8000-00000000a001"
#define OTHER_EV "0b11c000-0000-4000-8000-00000000a002"
#define OTHER_NOTE "0b11c000-0000-4000-8000-00000000a003"

static dbfix F;

static int setup(void **state)
{
    (void)state;
    if (dbfix_open(&F, "db_sync", 1) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dbfix_close(&F);
    return 0;
}

/* An observation another tablet made: peer B observing peer A. */
static void other_obs(model_observation *o, const char *activity)
{
    model_focus f;
    model_template t;
    assert_int_equal(db_focus_get(F.d, FIX_FOCUS, 0, &f), DB_OK);
    assert_int_equal(db_template_get(F.d, f.template_id, 0, &t), DB_OK);
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", OTHER_OBS);
    snprintf(o->unit_id, sizeof o->unit_id, "%s", f.unit_id);
    snprintf(o->focus_id, sizeof o->focus_id, "%s", f.id);
    o->focus_version = f.version;
    snprintf(o->template_id, sizeof o->template_id, "%s", t.id);
    o->template_version = t.version;
    snprintf(o->observer_id, sizeof o->observer_id, "%s", FIX_PEER_B);
    snprintf(o->observee_id, sizeof o->observee_id, "%s", FIX_PEER_A);
    snprintf(o->room_id, sizeof o->room_id, "%s", FIX_ROOM);
    snprintf(o->activity, sizeof o->activity, "%s", activity);
    snprintf(o->context_json, sizeof o->context_json, "{}");
    o->agreement = 1;
    o->started_at = FIX_T0;
    o->ended_at = FIX_T0 + 60000;
    o->status = MODEL_OBS_FINISHED;
    o->revision = 1;
    o->updated_at = FIX_T0 + 60000;
}

static void other_event(model_event *e)
{
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", OTHER_EV);
    snprintf(e->observation_id, sizeof e->observation_id, "%s", OTHER_OBS);
    e->kind = MODEL_EV_COUNT;
    snprintf(e->key, sizeof e->key, "open_q");
    e->at = FIX_T0 + 1000;
}

static long count(const char *table_where) { return dbfix_count(F.path, table_where); }

static void test_pulled_records_apply_once(void **state)
{
    (void)state;
    model_observation o;
    model_event e;
    model_note n = {.at = FIX_T0 + 2000};
    model_reflection r = {.updated_at = FIX_T0 + 90000};
    other_obs(&o, "Samling");
    other_event(&e);
    snprintf(n.id, sizeof n.id, "%s", OTHER_NOTE);
    snprintf(n.observation_id, sizeof n.observation_id, "%s", OTHER_OBS);
    snprintf(n.text, sizeof n.text, "Spørger åbent.");
    snprintf(r.observation_id, sizeof r.observation_id, "%s", OTHER_OBS);
    snprintf(r.author_id, sizeof r.author_id, "%s", FIX_PEER_A);
    snprintf(r.text, sizeof r.text, "Jeg venter længere.");
    model_record *recs = calloc(4, sizeof *recs);
    assert_non_null(recs);
    recs[0] = (model_record){.entity = MODEL_ENT_OBSERVATION, .u.obs = o};
    recs[1] = (model_record){.entity = MODEL_ENT_EVENT, .u.event = e};
    recs[2] = (model_record){.entity = MODEL_ENT_NOTE, .u.note = n};
    recs[3] = (model_record){.entity = MODEL_ENT_REFLECTION, .u.reflection = r};
    db_sync_item items[] = {{&recs[0], 2}, {&recs[1], 1}, {&recs[2], 1}, {&recs[3], 1}};
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
            assert_int_equal(db_sync_apply(F.d, &items[i], 0), DB_OK);
    assert_int_equal(count("observation"), 1);
    assert_int_equal(count("event"), 1);
    assert_int_equal(count("note"), 1);
    assert_int_equal(count("reflection"), 1);
    assert_int_equal(count("outbox"), 0); /* pulled records are not sent back */
    /* A version is kept for what a change here may be made on; an event
     * never changes, so a first pull keeps none for its events. */
    assert_int_equal(count("sync_version WHERE entity = 'event'"), 0);
    assert_int_equal(count("sync_version WHERE entity IN ('observation', 'note', 'reflection')"),
                     3);
    model_reflection got;
    assert_int_equal(db_reflection_get(F.d, OTHER_OBS, &got), DB_OK);
    assert_string_equal(got.text, "Jeg venter længere.");
    db_sync_state s;
    assert_int_equal(db_sync_state_of(F.d, OTHER_OBS, &s), DB_OK);
    assert_int_equal(s, DB_SYNC_SYNCED);
    /* A newer version replaces the older one. */
    other_obs(&o, "Frokost");
    o.revision = 2;
    recs[0].u.obs = o;
    db_sync_item newer = {&recs[0], 3};
    assert_int_equal(db_sync_apply(F.d, &newer, 0), DB_OK);
    free(recs);
    model_observation back;
    assert_int_equal(db_obs_get(F.d, OTHER_OBS, &back), DB_OK);
    assert_string_equal(back.activity, "Frokost");
    assert_int_equal(back.revision, 2);
}

static void test_part_before_its_observation_waits(void **state)
{
    (void)state;
    model_record ev = {.entity = MODEL_ENT_EVENT};
    other_event(&ev.u.event);
    db_sync_item it = {&ev, 1};
    assert_int_equal(db_sync_apply(F.d, &it, 0), DB_NOTFOUND);
    TSUPPORT_HAS(db_errmsg(F.d), "observation");
    assert_int_equal(count("event"), 0);
    int any = 1;
    assert_int_equal(db_sync_parked_any(F.d, &any), DB_OK);
    assert_int_equal(any, 0);
    assert_int_equal(db_sync_park(F.d, &it), DB_OK);
    assert_int_equal(db_sync_park(F.d, &it), DB_OK); /* once, however often */
    assert_int_equal(db_sync_parked_any(F.d, &any), DB_OK);
    assert_int_equal(any, 1);
    db_sync_counts c;
    assert_int_equal(db_sync_count(F.d, &c), DB_OK);
    assert_int_equal(c.parked, 1);
    db_sync_parked *p = calloc(4, sizeof *p);
    assert_non_null(p);
    int n;
    assert_int_equal(db_sync_parked_list(F.d, 4, p, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].entity, "event");
    assert_string_equal(p[0].key, OTHER_EV);
    /* It waits as a whole record, which reads back the same. */
    assert_int_equal(p[0].damaged, 0);
    assert_int_equal(p[0].rec.entity, MODEL_ENT_EVENT);
    assert_memory_equal(&p[0].rec.u.event, &ev.u.event, sizeof ev.u.event);
    free(p);
    model_record o = {.entity = MODEL_ENT_OBSERVATION};
    other_obs(&o.u.obs, "Samling");
    db_sync_item oi = {&o, 1};
    assert_int_equal(db_sync_apply(F.d, &oi, 0), DB_OK);
    /* Applying the waiting record lets it go. */
    assert_int_equal(db_sync_apply(F.d, &it, 0), DB_OK);
    assert_int_equal(db_sync_count(F.d, &c), DB_OK);
    assert_int_equal(c.parked, 0);
    assert_int_equal(db_sync_parked_any(F.d, &any), DB_OK);
    assert_int_equal(any, 0);
    assert_int_equal(count("event"), 1);
}

/* A page of pulled records on a store where nothing waits skips asking,
 * for each record, whether it is held back; it must still notice what
 * happens within the page: a record parked there is let go when a newer
 * version of it applies (or the older one would later be applied over
 * it), and a change made here meanwhile keeps its record from being
 * overwritten. */
static void test_quiet_page_notices_what_happens_in_it(void **state)
{
    (void)state;
    assert_int_equal(
        count("outbox") + count("sync_conflict") + count("sync_remote") + count("sync_park"), 0);
    assert_int_equal(db_sync_page_begin(F.d), DB_INVALID); /* outside a transaction */
    TSUPPORT_HAS(db_errmsg(F.d), "transaction");

    model_record *r = calloc(3, sizeof *r);
    assert_non_null(r);
    r[0] = (model_record){.entity = MODEL_ENT_OBSERVATION};
    other_obs(&r[0].u.obs, "Samling");
    r[1] = (model_record){.entity = MODEL_ENT_NOTE};
    snprintf(r[1].u.note.id, sizeof r[1].u.note.id, "%s", OTHER_NOTE);
    snprintf(r[1].u.note.observation_id, sizeof r[1].u.note.observation_id, "%s", OTHER_OBS);
    r[1].u.note.at = FIX_T0 + 2000;
    snprintf(r[1].u.note.text, sizeof r[1].u.note.text, "Først");
    r[2] = r[1];
    snprintf(r[2].u.note.text, sizeof r[2].u.note.text, "Siden rettet");
    db_sync_item note1 = {&r[1], 1}, obs = {&r[0], 1}, note2 = {&r[2], 2};

    assert_int_equal(db_batch_begin_unsynced(F.d), DB_OK);
    assert_int_equal(db_sync_page_begin(F.d), DB_OK);
    assert_int_equal(db_sync_apply(F.d, &note1, 0), DB_NOTFOUND);
    assert_int_equal(db_sync_park(F.d, &note1), DB_OK);
    assert_int_equal(db_sync_apply(F.d, &obs, 0), DB_OK);
    assert_int_equal(db_sync_apply(F.d, &note2, 0), DB_OK);
    assert_int_equal(db_batch_end(F.d, 1), DB_OK);
    int any = 1;
    assert_int_equal(db_sync_parked_any(F.d, &any), DB_OK);
    assert_int_equal(any, 0);
    model_note got[2];
    int n;
    assert_int_equal(db_obs_notes(F.d, OTHER_OBS, 0, 2, got, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(got[0].text, "Siden rettet");

    /* The next page begins quiet again; the observer corrects the
     * observation here in the middle of it, and the server's version that
     * follows waits beside the correction instead of replacing it. */
    assert_int_equal(db_batch_begin_unsynced(F.d), DB_OK);
    assert_int_equal(db_sync_page_begin(F.d), DB_OK);
    assert_int_equal(db_obs_update(F.d, OTHER_OBS, FIX_PEER_B, "Mine", NULL), DB_OK);
    snprintf(r[0].u.obs.activity, sizeof r[0].u.obs.activity, "Theirs");
    db_sync_item theirs = {&r[0], 2};
    assert_int_equal(db_sync_apply(F.d, &theirs, 0), DB_OK);
    assert_int_equal(db_batch_end(F.d, 1), DB_OK);
    model_observation now;
    assert_int_equal(db_obs_get(F.d, OTHER_OBS, &now), DB_OK);
    assert_string_equal(now.activity, "Mine");
    assert_int_equal(count("sync_remote WHERE entity = 'observation'"), 1);

    /* With the correction waiting to be sent, a page is not quiet. */
    assert_int_equal(db_batch_begin_unsynced(F.d), DB_OK);
    assert_int_equal(db_sync_page_begin(F.d), DB_OK);
    snprintf(r[0].u.obs.activity, sizeof r[0].u.obs.activity, "Theirs again");
    db_sync_item again = {&r[0], 3};
    assert_int_equal(db_sync_apply(F.d, &again, 0), DB_OK);
    assert_int_equal(db_batch_end(F.d, 1), DB_OK);
    free(r);
    assert_int_equal(db_obs_get(F.d, OTHER_OBS, &now), DB_OK);
    assert_string_equal(now.activity, "Mine");
}

static void test_local_change_is_kept_and_conflict_shows_both(void **state)
{
    (void)state;
    model_id id;
    assert_int_equal(dbfix_start(&F, id), DB_OK);
    assert_int_equal(db_obs_update(F.d, id, FIX_PEER_A, "Mine", NULL), DB_OK);
    model_record theirs = {.entity = MODEL_ENT_OBSERVATION};
    assert_int_equal(db_obs_get(F.d, id, &theirs.u.obs), DB_OK);
    snprintf(theirs.u.obs.activity, sizeof theirs.u.obs.activity, "Theirs");
    db_sync_item it = {&theirs, 2};
    /* The server's version is kept beside the local one, not over it. */
    assert_int_equal(db_sync_apply(F.d, &it, 0), DB_OK);
    model_observation now;
    assert_int_equal(db_obs_get(F.d, id, &now), DB_OK);
    assert_string_equal(now.activity, "Mine");

    /* The server answers the newest change with a conflict. */
    db_outbox_entry e[8];
    int n;
    assert_int_equal(db_outbox_peek(F.d, 0, 8, e, &n), DB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(db_sync_ack(F.d, e[0].change_id, DB_SYNC_ACK_STORED, 1, "", ""), DB_OK);
    assert_int_equal(db_sync_ack(F.d, e[1].change_id, DB_SYNC_ACK_CONFLICT, 2, "", ""), DB_OK);
    model_id conflict_change;
    memcpy(conflict_change, e[1].change_id, sizeof conflict_change);
    db_outbox_entries_free(e, n);
    db_sync_state s;
    assert_int_equal(db_sync_state_of(F.d, id, &s), DB_OK);
    assert_int_equal(s, DB_SYNC_CONFLICT);
    db_sync_conflict *c = calloc(2, sizeof *c);
    assert_non_null(c);
    assert_int_equal(db_sync_conflicts(F.d, 0, 2, c, &n), DB_OK);
    assert_int_equal(n, 1);
    /* Both versions come back as typed records. */
    assert_int_equal(c[0].mine.entity, MODEL_ENT_OBSERVATION);
    assert_string_equal(c[0].mine.u.obs.activity, "Mine");
    assert_int_equal(c[0].have_theirs, 1);
    assert_string_equal(c[0].theirs.u.obs.activity, "Theirs");
    assert_int_equal(c[0].server_version, 2);
    /* And one is found by its change id. */
    assert_int_equal(db_sync_conflict_get(F.d, conflict_change, &c[1]), DB_OK);
    assert_string_equal(c[1].change_id, conflict_change);
    assert_string_equal(c[1].mine.u.obs.activity, "Mine");
    assert_string_equal(c[1].theirs.u.obs.activity, "Theirs");
    assert_int_equal(db_sync_conflict_get(F.d, OTHER_OBS, &c[1]), DB_NOTFOUND);
    free(c);
    /* While the conflict is open, a newer server version waits beside too. */
    snprintf(theirs.u.obs.activity, sizeof theirs.u.obs.activity, "Theirs again");
    db_sync_item again = {&theirs, 3};
    assert_int_equal(db_sync_apply(F.d, &again, 0), DB_OK);
    assert_int_equal(db_obs_get(F.d, id, &now), DB_OK);
    assert_string_equal(now.activity, "Mine");

    /* Keep mine: sent again, made on the server's newest version. */
    assert_int_equal(db_sync_conflict_keep_mine(F.d, conflict_change), DB_OK);
    assert_int_equal(db_sync_conflict_keep_mine(F.d, conflict_change), DB_NOTFOUND);
    assert_int_equal(db_outbox_peek(F.d, 0, 8, e, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].base_version, 3);
    TSUPPORT_HAS(e[0].payload, "\"Mine\"");
    db_outbox_entries_free(e, n);
    assert_int_equal(db_sync_state_of(F.d, id, &s), DB_OK);
    assert_int_equal(s, DB_SYNC_SAVED);
}

static void test_refused_change_stays_with_reason(void **state)
{
    (void)state;
    model_id id, note;
    assert_int_equal(dbfix_start(&F, id), DB_OK);
    assert_int_equal(db_obs_note(F.d, id, FIX_PEER_A, "A note", NULL, note), DB_OK);
    db_outbox_entry e[4];
    int n;
    assert_int_equal(db_outbox_peek(F.d, 0, 4, e, &n), DB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(db_sync_ack(F.d, e[0].change_id, DB_SYNC_ACK_STORED, 1, "", ""), DB_OK);
    assert_int_equal(db_sync_ack(F.d, e[1].change_id, DB_SYNC_ACK_REJECTED, 0, "forbidden",
                                 "Only the observer may write the note of an observation."),
                     DB_OK);
    model_id refused;
    memcpy(refused, e[1].change_id, sizeof refused);
    db_outbox_entries_free(e, n);
    db_sync_counts c;
    assert_int_equal(db_sync_count(F.d, &c), DB_OK);
    assert_int_equal(c.waiting, 0);
    assert_int_equal(c.rejected, 1);
    /* The note is still on the tablet, marked, with the server's words. */
    model_note notes[2];
    assert_int_equal(db_obs_notes(F.d, id, 0, 2, notes, &n), DB_OK);
    assert_int_equal(n, 1);
    db_sync_state s;
    assert_int_equal(db_sync_state_of(F.d, note, &s), DB_OK);
    assert_int_equal(s, DB_SYNC_REJECTED);
    assert_int_equal(db_sync_state_of(F.d, id, &s), DB_OK);
    assert_int_equal(s, DB_SYNC_REJECTED);
    db_sync_rejection r[2];
    assert_int_equal(db_sync_rejections(F.d, 0, 2, r, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(r[0].code, "forbidden");
    TSUPPORT_HAS(r[0].message, "Only the observer");
    /* Sending it again puts the same change back in the outbox. */
    assert_int_equal(db_sync_rejection_retry(F.d, refused), DB_OK);
    assert_int_equal(db_sync_rejection_retry(F.d, refused), DB_NOTFOUND);
    assert_int_equal(db_outbox_peek(F.d, 0, 4, e, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].change_id, refused);
    db_outbox_entries_free(e, n);
    assert_int_equal(db_sync_state_of(F.d, note, &s), DB_OK);
    assert_int_equal(s, DB_SYNC_SAVED);
}

static void test_newer_schema_pulls_again(void **state)
{
    (void)state;
    /* A store from an app of schema version 1 has cursors and no version. */
    assert_int_equal(db_sync_follow(F.d, FIX_PEER_A), DB_OK);
    assert_int_equal(db_sync_cursor_put(F.d, "", 40), DB_OK);
    assert_int_equal(db_sync_cursor_put(F.d, FIX_PEER_A, 41), DB_OK);
    assert_int_equal(db_sync_pull_schema(F.d, 2), DB_OK);
    int64_t a, b;
    assert_int_equal(db_sync_cursor_get(F.d, "", &a), DB_OK);
    assert_int_equal(db_sync_cursor_get(F.d, FIX_PEER_A, &b), DB_OK);
    assert_int_equal(a, 0);
    assert_int_equal(b, 0);
    /* Once: the same version again keeps the cursors. */
    assert_int_equal(db_sync_cursor_put(F.d, FIX_PEER_A, 50), DB_OK);
    assert_int_equal(db_sync_pull_schema(F.d, 2), DB_OK);
    assert_int_equal(db_sync_cursor_get(F.d, FIX_PEER_A, &b), DB_OK);
    assert_int_equal(b, 50);
    assert_int_equal(db_sync_pull_schema(F.d, 3), DB_OK);
    assert_int_equal(db_sync_cursor_get(F.d, FIX_PEER_A, &b), DB_OK);
    assert_int_equal(b, 0);
    /* An observation pulled by the older version came without its plan and
     * pair code; coming again at the same version, it gets them. */
    model_observation o;
    other_obs(&o, "Samling");
    snprintf(o.id, sizeof o.id, "0b11c000-0000-4000-8000-00000000a0f1");
    model_record rec = {.entity = MODEL_ENT_OBSERVATION, .u.obs = o};
    db_sync_item it = {&rec, 4};
    assert_int_equal(db_sync_apply(F.d, &it, 0), DB_OK);
    snprintf(rec.u.obs.plan_id, sizeof rec.u.obs.plan_id, "0b11c000-0000-4000-8000-00000000a0f2");
    snprintf(rec.u.obs.pair_code, sizeof rec.u.obs.pair_code, "ACE347");
    assert_int_equal(db_sync_apply(F.d, &it, 0), DB_OK);
    model_observation back;
    assert_int_equal(db_obs_get(F.d, o.id, &back), DB_OK);
    assert_string_equal(back.plan_id, "0b11c000-0000-4000-8000-00000000a0f2");
    assert_string_equal(back.pair_code, "ACE347");
}

static void test_bad_input_is_refused(void **state)
{
    (void)state;
    /* An answer read twice, or about an unknown change, changes nothing. */
    assert_int_equal(
        db_sync_ack(F.d, "0b11c000-0000-4000-8000-00000000ffff", DB_SYNC_ACK_STORED, 1, "", ""),
        DB_OK);
    assert_int_equal(db_sync_ack(F.d, NULL, DB_SYNC_ACK_STORED, 1, "", ""), DB_INVALID);
    assert_int_equal(db_sync_ack(F.d, OTHER_OBS, DB_SYNC_ACK_STORED, -1, "", ""), DB_INVALID);
    db_sync_item empty = {NULL, 0};
    assert_int_equal(db_sync_apply(F.d, &empty, 0), DB_INVALID);
    model_record u = {.entity = (model_entity)42, .u.unit = {.retention_days = 1}};
    db_sync_item odd = {&u, 1};
    assert_int_equal(db_sync_apply(F.d, &odd, 0), DB_INVALID);
    assert_int_equal(db_sync_park(F.d, &odd), DB_INVALID); /* no kind to keep it as */
    u.entity = MODEL_ENT_DELETED;                          /* deletions go through db_sync_delete */
    assert_int_equal(db_sync_apply(F.d, &odd, 0), DB_INVALID);
    assert_int_equal(db_sync_cursor_put(F.d, "", -5), DB_INVALID);
    assert_int_equal(db_sync_follow(F.d, "not-an-id"), DB_INVALID);
    assert_int_equal(db_sync_cursor_put(F.d, FIX_PEER_A, 42), DB_OK);
    int64_t cur;
    assert_int_equal(db_sync_cursor_get(F.d, FIX_PEER_A, &cur), DB_OK);
    assert_int_equal(cur, 42);
    char v[16];
    assert_int_equal(db_sync_config_get(F.d, "server_url", v, sizeof v), DB_NOTFOUND);
    assert_string_equal(v, "");
    assert_int_equal(db_sync_config_put(F.d, "server_url", "https://blik.example:8443"), DB_OK);
    assert_int_equal(db_sync_config_get(F.d, "server_url", v, sizeof v), DB_INVALID);
    char *big = malloc(DB_SYNC_CONFIG_MAX + 2);
    assert_non_null(big);
    memset(big, 'x', DB_SYNC_CONFIG_MAX + 1);
    big[DB_SYNC_CONFIG_MAX + 1] = '\0';
    assert_int_equal(db_sync_config_put(F.d, "ca_pem", big), DB_INVALID);
    free(big);
    assert_int_equal(db_sync_conflict_keep_mine(F.d, OTHER_OBS), DB_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pulled_records_apply_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_part_before_its_observation_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiet_page_notices_what_happens_in_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_local_change_is_kept_and_conflict_shows_both, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refused_change_stays_with_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_pulls_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
