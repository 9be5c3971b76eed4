/* Every entity stored and read back, the one-writer rule, who sees what, and
 * the outbox written in the same transaction as each change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dbfix.h"

static int setup(void **state)
{
    dbfix *f = calloc(1, sizeof *f);
    if (!f || dbfix_open(f, "entities", 1) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    dbfix_close(*state);
    free(*state);
    return 0;
}

static void test_reference_round_trip(void **state)
{
    dbfix *f = *state;
    model_unit u;
    assert_int_equal(db_unit_get(f->d, DEMO_UNIT_ID, &u), DB_OK);
    assert_string_equal(u.name, "Børnehuset Solsikken");
    assert_int_equal(u.retention_days, 365);

    model_room rooms[10];
    int n;
    assert_int_equal(db_room_list(f->d, DEMO_UNIT_ID, 0, 10, rooms, &n), DB_OK);
    assert_int_equal(n, 4);
    assert_string_equal(rooms[0].name, "Legepladsen"); /* by name */
    assert_int_equal(db_room_list(f->d, DEMO_UNIT_ID, 3, 10, rooms, &n), DB_OK);
    assert_int_equal(n, 1);

    model_person p;
    assert_int_equal(db_person_get(f->d, FIX_LEADER, &p), DB_OK);
    assert_string_equal(p.name, "Mette Østergaard");
    assert_int_equal(p.role, MODEL_ROLE_LEADER);
    assert_int_equal(model_pin_verify(p.pin_verifier, DEMO_PIN), 1);

    model_person list[16];
    assert_int_equal(db_person_list(f->d, DEMO_UNIT_ID, "", 0, 16, list, &n), DB_OK);
    assert_int_equal(n, 8);
    /* Search folds Danish capitals: "ØSTER" finds Østergaard, "æbelø" Æbelø. */
    assert_int_equal(db_person_list(f->d, DEMO_UNIT_ID, "ØSTER", 0, 16, list, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].name, "Mette Østergaard");
    assert_int_equal(db_person_list(f->d, DEMO_UNIT_ID, "æbelø", 0, 16, list, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_person_list(f->d, DEMO_UNIT_ID, "gaard", 0, 16, list, &n), DB_OK);
    assert_int_equal(n, 4);
    assert_int_equal(db_person_list(f->d, DEMO_UNIT_ID, "gaard", 3, 16, list, &n), DB_OK);
    assert_int_equal(n, 1);

    /* An inactive person no longer shows on the sign-in list. */
    p.active = 0;
    assert_int_equal(db_person_put(f->d, &p), DB_OK);
    assert_int_equal(db_person_list(f->d, DEMO_UNIT_ID, "", 0, 16, list, &n), DB_OK);
    assert_int_equal(n, 7);
}

static void test_template_and_focus_versions(void **state)
{
    dbfix *f = *state;
    model_focus fo, v2;
    assert_int_equal(db_focus_get(f->d, FIX_FOCUS, 0, &fo), DB_OK);
    assert_int_equal(fo.version, 1);
    assert_int_equal(fo.n_signs, 4);
    assert_string_equal(fo.question, "Hvordan understøtter vi børnenes deltagelse i samlingen?");
    model_template t;
    assert_int_equal(db_template_get(f->d, fo.template_id, 0, &t), DB_OK);
    assert_int_equal(t.n_counters, 4);
    assert_int_equal(t.n_states, 1);
    assert_string_equal(t.scale[2], "Tydeligt");

    /* The same version again with the same content is a harmless resend... */
    assert_int_equal(db_focus_put(f->d, &fo), DB_OK);
    assert_int_equal(db_template_put(f->d, &t), DB_OK);
    /* ...with other content it is refused, and the stored one is unchanged. */
    v2 = fo;
    strcpy(v2.question, "Ændret spørgsmål?");
    assert_int_equal(db_focus_put(f->d, &v2), DB_INVALID);
    assert_non_null(strstr(db_errmsg(f->d), "needs a new version"));
    t.green_pct = 90;
    assert_int_equal(db_template_put(f->d, &t), DB_INVALID);

    v2.version = 2;
    v2.n_signs = 2;
    assert_int_equal(db_focus_put(f->d, &v2), DB_OK);
    assert_int_equal(db_focus_get(f->d, FIX_FOCUS, 0, &fo), DB_OK);
    assert_int_equal(fo.version, 2);
    assert_int_equal(fo.n_signs, 2);
    assert_int_equal(db_focus_get(f->d, FIX_FOCUS, 1, &fo), DB_OK);
    assert_int_equal(fo.n_signs, 4);

    model_focus list[8];
    int n;
    assert_int_equal(db_focus_list(f->d, DEMO_UNIT_ID, "2026-11-24", 0, 8, list, &n), DB_OK);
    assert_int_equal(n, 3);
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i].id, FIX_FOCUS))
            assert_int_equal(list[i].version, 2);
    assert_int_equal(db_focus_list(f->d, DEMO_UNIT_ID, "2027-09-01", 0, 8, list, &n), DB_OK);
    assert_int_equal(n, 0);
}

/* One outbox entry per user action, and its payload names the record. */
static void expect_outbox_grew(dbfix *f, int64_t before, int by, const char *entity, const char *id)
{
    int64_t after;
    assert_int_equal(db_outbox_count(f->d, &after), DB_OK);
    assert_int_equal(after, before + by);
    int n;
    db_outbox_entry all[400];
    assert_int_equal(db_outbox_peek(f->d, 0, 400, all, &n), DB_OK);
    assert_true(n >= 1);
    db_outbox_entry *last = &all[n - 1];
    assert_string_equal(last->entity, entity);
    if (id)
        assert_string_equal(last->entity_id, id);
    json_error_t je;
    json_t *p = json_loads(last->payload, 0, &je);
    assert_non_null(p);
    json_decref(p);
    assert_int_equal(model_id_check(last->change_id, "change", NULL, 0), 0);
    db_outbox_entries_free(all, n);
}

static void test_observation_flow(void **state)
{
    dbfix *f = *state;
    model_id obs, ev, ev2, note;
    int64_t out0;
    assert_int_equal(db_outbox_count(f->d, &out0), DB_OK);
    assert_int_equal(out0, 0); /* reference data is not ours to send */

    assert_int_equal(dbfix_start(f, obs), DB_OK);
    expect_outbox_grew(f, out0, 1, "observation", obs);
    model_observation o;
    assert_int_equal(db_obs_get(f->d, obs, &o), DB_OK);
    assert_string_equal(o.observer_id, FIX_PEER_A);
    assert_string_equal(o.observee_id, FIX_PEER_B);
    assert_int_equal(o.focus_version, 1);
    assert_int_equal(o.template_version, 1);
    assert_int_equal(o.started_at, FIX_T0);
    assert_int_equal(o.status, MODEL_OBS_DRAFT);
    assert_string_equal(o.context_json, "{\"children\":14,\"adults\":2}");

    plat_fake_advance(f->sys, 1000);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", ev), DB_OK);
    expect_outbox_grew(f, out0 + 1, 1, "event", ev);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", ev2), DB_OK);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "closed_q", NULL), DB_OK);
    assert_string_not_equal(ev, ev2);

    model_template t;
    assert_int_equal(db_template_get(f->d, o.template_id, o.template_version, &t), DB_OK);
    int counts[MODEL_MAX_COUNTERS];
    assert_int_equal(db_obs_counts(f->d, obs, &t, counts), DB_OK);
    assert_int_equal(counts[0], 2);
    assert_int_equal(counts[1], 1);

    /* Undo is one tap and appends; the undone tap stays in the log. */
    model_event last;
    assert_int_equal(db_obs_last_undoable(f->d, obs, &last), DB_OK);
    assert_string_equal(last.key, "closed_q");
    model_id undo;
    assert_int_equal(db_obs_undo(f->d, obs, FIX_PEER_A, undo), DB_OK);
    assert_int_equal(db_obs_undo(f->d, obs, FIX_PEER_A, undo), DB_OK);
    assert_int_equal(db_obs_counts(f->d, obs, &t, counts), DB_OK);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 0);
    model_event evs[16];
    int n;
    assert_int_equal(db_obs_events(f->d, obs, 0, 16, evs, &n), DB_OK);
    assert_int_equal(n, 5);
    assert_int_equal(evs[4].kind, MODEL_EV_UNDO);
    assert_string_equal(evs[4].target_id, ev2);
    assert_string_equal(evs[4].key, "");

    /* States: no double start, no stop of what is not running. */
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_STATE_STOP, "waiting", NULL),
                     DB_INVALID);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_STATE_START, "waiting", NULL),
                     DB_OK);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_STATE_START, "waiting", NULL),
                     DB_INVALID);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_SAMPLE, "some", NULL), DB_OK);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "no_such", NULL),
                     DB_INVALID);
    assert_non_null(strstr(db_errmsg(f->d), "no counter \"no_such\""));
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_UNDO, "open_q", NULL),
                     DB_INVALID);

    /* Notes, with and without a sign; ratings on the template's scale. */
    assert_int_equal(db_obs_note(f->d, obs, FIX_PEER_A, "Venter på svar – flot!", FIX_SIGN1, note),
                     DB_OK);
    expect_outbox_grew(f, out0 + 8, 1, "note", note); /* start, 3 taps, 2 undos, state, sample */
    assert_int_equal(db_obs_note(f->d, obs, FIX_PEER_A, "Uro ved døren", NULL, NULL), DB_OK);
    assert_int_equal(db_obs_note(f->d, obs, FIX_PEER_A, "x", FIX_LEADER, NULL), DB_INVALID);
    model_note notes[4];
    assert_int_equal(db_obs_notes(f->d, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(notes[0].sign_id, FIX_SIGN1);
    assert_string_equal(notes[1].sign_id, "");
    assert_int_equal(db_obs_rate(f->d, obs, FIX_PEER_A, FIX_SIGN1, 2), DB_OK);
    assert_int_equal(db_obs_rate(f->d, obs, FIX_PEER_A, FIX_SIGN1, 1), DB_OK);
    assert_int_equal(db_obs_rate(f->d, obs, FIX_PEER_A, FIX_SIGN1, 3), DB_INVALID);
    model_rating r[4];
    assert_int_equal(db_obs_ratings(f->d, obs, r, 4, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].level, 1);

    /* Only the observer writes the observation. */
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_B, MODEL_EV_COUNT, "open_q", NULL),
                     DB_DENIED);
    assert_int_equal(db_obs_note(f->d, obs, FIX_LEADER, "x", NULL, NULL), DB_DENIED);

    /* Finishing stops the running state and freezes the event log. */
    plat_fake_advance(f->sys, 60000);
    int64_t before;
    assert_int_equal(db_outbox_count(f->d, &before), DB_OK);
    assert_int_equal(db_obs_finish(f->d, obs, FIX_PEER_A), DB_OK);
    expect_outbox_grew(f, before, 2, "observation", obs); /* the stop, then the header */
    assert_int_equal(db_obs_get(f->d, obs, &o), DB_OK);
    assert_int_equal(o.status, MODEL_OBS_FINISHED);
    assert_int_equal(o.ended_at, FIX_T0 + 61000);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL),
                     DB_DENIED);
    assert_int_equal(db_obs_finish(f->d, obs, FIX_PEER_A), DB_DENIED);

    /* A correction of a finished observation is a new revision. */
    assert_int_equal(db_obs_update(f->d, obs, FIX_PEER_A, "Samling efter frokost", NULL), DB_OK);
    assert_int_equal(db_obs_get(f->d, obs, &o), DB_OK);
    assert_int_equal(o.revision, 2);
    assert_string_equal(o.activity, "Samling efter frokost");
    assert_int_equal(db_obs_update(f->d, obs, FIX_PEER_A, "x", "{\"children\":99}"), DB_INVALID);

    /* Feedback: the observer's; reflection: the observee's. */
    assert_int_equal(db_feedback_put(f->d, obs, FIX_PEER_B, "a", "b", "c", 0), DB_DENIED);
    assert_int_equal(db_feedback_put(f->d, obs, FIX_PEER_A, "Rolig stemme", "Hvad hvis…?",
                                     "Vente 5 sekunder", 0),
                     DB_OK);
    model_feedback fb;
    assert_int_equal(db_feedback_get(f->d, obs, &fb), DB_OK);
    assert_int_equal(fb.given_at, 0);
    plat_fake_advance(f->sys, 1000);
    assert_int_equal(db_feedback_put(f->d, obs, FIX_PEER_A, "Rolig stemme", "Hvad hvis…?",
                                     "Vente 5 sekunder", 1),
                     DB_OK);
    int64_t given = FIX_T0 + 62000;
    assert_int_equal(db_feedback_get(f->d, obs, &fb), DB_OK);
    assert_int_equal(fb.given_at, given);
    plat_fake_advance(f->sys, 1000);
    assert_int_equal(db_feedback_put(f->d, obs, FIX_PEER_A, "Rolig stemme.", "", "", 1), DB_OK);
    assert_int_equal(db_feedback_get(f->d, obs, &fb), DB_OK);
    assert_int_equal(fb.given_at, given); /* the first time it was given stays */
    assert_string_equal(fb.works, "Rolig stemme.");

    assert_int_equal(db_reflection_put(f->d, obs, FIX_PEER_A, "x", "y"), DB_DENIED);
    assert_non_null(strstr(db_errmsg(f->d), "Only the observed colleague"));
    assert_int_equal(db_reflection_put(f->d, obs, FIX_PEER_B, "Jeg så selv uroen.", "Prøve sang"),
                     DB_OK);
    model_reflection rf;
    assert_int_equal(db_reflection_get(f->d, obs, &rf), DB_OK);
    assert_string_equal(rf.text, "Jeg så selv uroen.");
    expect_outbox_grew(f, before + 6, 1, "reflection", obs);
}

static void test_start_refusals(void **state)
{
    dbfix *f = *state;
    model_id id;
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = FIX_FOCUS,
                    .observer_id = FIX_PEER_A,
                    .observee_id = FIX_PEER_B,
                    .room_id = FIX_ROOM,
                    .activity = "Samling"};
    assert_int_equal(db_obs_start(f->d, &n, id), DB_INVALID); /* no agreement */
    assert_non_null(strstr(db_errmsg(f->d), "agreement"));
    n.agreement = 1;
    n.observee_id = FIX_PEER_A;
    assert_int_equal(db_obs_start(f->d, &n, id), DB_INVALID);
    n.observee_id = FIX_PEER_B;
    n.room_id = FIX_LEADER; /* a person, not a room */
    assert_int_equal(db_obs_start(f->d, &n, id), DB_NOTFOUND);
    n.room_id = FIX_ROOM;
    n.context_json = "{\"child_name\":\"Ole\"}"; /* the app never asks for child names */
    assert_int_equal(db_obs_start(f->d, &n, id), DB_INVALID);
    assert_string_equal(id, "");
    assert_int_equal(dbfix_count(f->path, "observation"), 0);
    assert_int_equal(dbfix_count(f->path, "outbox"), 0);
}

/* A paired observation keeps its pair code in the store and in the record
 * it queues for the server; one made alone queues no pair code at all, and
 * a code a person could not have been shown is refused. */
static void test_paired_start(void **state)
{
    dbfix *f = *state;
    model_id obs, alone;
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = FIX_FOCUS,
                    .observer_id = FIX_PEER_A,
                    .observee_id = FIX_PEER_B,
                    .room_id = FIX_ROOM,
                    .activity = "Samling",
                    .agreement = 1,
                    .pair_code = "K7MO3R"};
    assert_int_equal(db_obs_start(f->d, &n, obs), DB_INVALID);
    assert_non_null(strstr(db_errmsg(f->d), "pair code"));
    assert_int_equal(dbfix_count(f->path, "observation"), 0);
    n.pair_code = "K7MX3R";
    assert_int_equal(db_obs_start(f->d, &n, obs), DB_OK);
    model_observation o;
    assert_int_equal(db_obs_get(f->d, obs, &o), DB_OK);
    assert_string_equal(o.pair_code, "K7MX3R");
    assert_int_equal(dbfix_count(f->path, "outbox WHERE entity = 'observation' AND"
                                          " json_extract(payload, '$.pair_code') = 'K7MX3R'"),
                     1);
    /* A finished one keeps its code. */
    assert_int_equal(db_obs_finish(f->d, obs, FIX_PEER_A), DB_OK);
    assert_int_equal(db_obs_get(f->d, obs, &o), DB_OK);
    assert_string_equal(o.pair_code, "K7MX3R");
    n.pair_code = NULL;
    assert_int_equal(db_obs_start(f->d, &n, alone), DB_OK);
    assert_int_equal(db_obs_get(f->d, alone, &o), DB_OK);
    assert_string_equal(o.pair_code, "");
    assert_int_equal(dbfix_count(f->path, "outbox WHERE entity = 'observation' AND"
                                          " payload LIKE '%pair_code%'"),
                     2);
}

/* If the outbox entry cannot be written, the change it belongs to is not
 * written either: here the disk refuses the outbox's row (a trigger made
 * through a second connection), and then the platform gives no randomness
 * for the change's own identifier. */
static void test_outbox_is_same_transaction(void **state)
{
    dbfix *f = *state;
    model_id obs, ev;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    long events = dbfix_count(f->path, "event"), out = dbfix_count(f->path, "outbox");
    assert_int_equal(dbfix_exec(f->path, "CREATE TRIGGER refuse BEFORE INSERT ON outbox"
                                         " BEGIN SELECT RAISE(ABORT, 'refused'); END"),
                     SQLITE_OK);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", ev), DB_INVALID);
    assert_non_null(strstr(db_errmsg(f->d), "refused"));
    assert_int_equal(dbfix_count(f->path, "event"), events);
    assert_int_equal(dbfix_count(f->path, "outbox"), out);
    assert_int_equal(db_obs_note(f->d, obs, FIX_PEER_A, "x", NULL, NULL), DB_INVALID);
    assert_int_equal(dbfix_count(f->path, "note"), 0);
    assert_int_equal(dbfix_count(f->path, "outbox"), out);
    assert_int_equal(dbfix_exec(f->path, "DROP TRIGGER refuse"), SQLITE_OK);
    /* A handle draws randomness for its first new id only: opened again,
     * and the platform gives none. */
    db_close(f->d);
    assert_int_equal(db_open(f->path, f->sys, &f->d), DB_OK);
    plat_fake_fail_random(f->sys, 0, 1);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", ev),
                     DB_INTERNAL);
    assert_non_null(strstr(db_errmsg(f->d), "randomness"));
    assert_int_equal(dbfix_count(f->path, "event"), events);
    assert_int_equal(dbfix_count(f->path, "outbox"), out);
    /* And the handle goes on working afterwards. */
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", ev), DB_OK);
    assert_int_equal(dbfix_count(f->path, "event"), events + 1);
    assert_int_equal(dbfix_count(f->path, "outbox"), out + 1);
}

static void test_outbox_ack_and_pending(void **state)
{
    dbfix *f = *state;
    model_id obs, ev;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", ev), DB_OK);
    int pending;
    assert_int_equal(db_is_pending(f->d, obs, &pending), DB_OK);
    assert_int_equal(pending, 1);
    db_outbox_entry e[4];
    int n;
    assert_int_equal(db_outbox_peek(f->d, 0, 4, e, &n), DB_OK);
    assert_int_equal(n, 2);
    assert_true(e[0].seq < e[1].seq);
    assert_string_equal(e[1].entity_id, ev);
    assert_string_equal(e[1].actor_id, FIX_PEER_A);
    /* The payload is the record as the wire protocol names it. */
    json_t *p = json_loads(e[1].payload, 0, NULL);
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "kind")), "count");
    assert_string_equal(json_string_value(json_object_get(p, "key")), "open_q");
    assert_string_equal(json_string_value(json_object_get(p, "target_id")), "");
    assert_string_equal(json_string_value(json_object_get(p, "observation_id")), obs);
    json_decref(p);
    db_outbox_entry again[4];
    int m;
    assert_int_equal(db_outbox_peek(f->d, e[0].seq, 4, again, &m), DB_OK);
    assert_int_equal(m, 1);
    assert_string_equal(again[0].change_id, e[1].change_id); /* the key never changes */
    db_outbox_entries_free(again, m);
    for (int i = 0; i < n; i++)
        assert_int_equal(db_outbox_ack(f->d, e[i].change_id), DB_OK);
    assert_int_equal(db_outbox_ack(f->d, e[0].change_id), DB_OK); /* twice is fine */
    db_outbox_entries_free(e, n);
    db_outbox_entries_free(NULL, 0);
    assert_int_equal(db_is_pending(f->d, obs, &pending), DB_OK);
    assert_int_equal(pending, 0);
    int64_t c;
    assert_int_equal(db_outbox_count(f->d, &c), DB_OK);
    assert_int_equal(c, 0);
}

static void test_visibility_and_paging(void **state)
{
    dbfix *f = *state;
    enum { N = 250 };
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = FIX_FOCUS,
                    .room_id = FIX_ROOM,
                    .activity = "Leg",
                    .agreement = 1};
    assert_int_equal(db_batch_begin(f->d), DB_OK);
    for (int i = 0; i < N; i++) {
        model_id id;
        n.observer_id = i % 2 ? FIX_PEER_A : FIX_LEADER;
        n.observee_id = i % 2 ? FIX_PEER_B : FIX_PEER_C;
        plat_fake_advance(f->sys, i % 7 == 0 ? 0 : 1000); /* some share a start time */
        assert_int_equal(db_obs_start(f->d, &n, id), DB_OK);
    }
    assert_int_equal(db_batch_end(f->d, 1), DB_OK);

    db_obs_filter flt = {.unit_id = DEMO_UNIT_ID, .viewer_id = FIX_LEADER, .status = -1};
    int64_t total;
    assert_int_equal(db_obs_count(f->d, &flt, &total), DB_OK);
    assert_int_equal(total, N);
    flt.viewer_id = FIX_PEER_A;
    assert_int_equal(db_obs_count(f->d, &flt, &total), DB_OK);
    assert_int_equal(total, N / 2);
    flt.viewer_id = FIX_PEER_C; /* observee of the leader's half only */
    assert_int_equal(db_obs_count(f->d, &flt, &total), DB_OK);
    assert_int_equal(total, N / 2);
    flt.viewer_id = "0b11c000-0000-4000-8000-000000000026"; /* in none of them */
    assert_int_equal(db_obs_count(f->d, &flt, &total), DB_OK);
    assert_int_equal(total, 0);
    flt.viewer_id = "0b11c000-0000-4000-8000-00000000ffff";
    assert_int_equal(db_obs_count(f->d, &flt, &total), DB_DENIED);

    /* Keyset paging visits each observation once, newest first. */
    flt.viewer_id = FIX_LEADER;
    db_cursor cur = {0};
    model_observation page[32];
    int got, seen = 0;
    int64_t prev = INT64_MAX;
    char prev_id[40] = "zzzz";
    do {
        assert_int_equal(db_obs_list(f->d, &flt, &cur, 32, page, &got), DB_OK);
        for (int i = 0; i < got; i++) {
            assert_true(page[i].started_at < prev ||
                        (page[i].started_at == prev && strcmp(page[i].id, prev_id) < 0));
            prev = page[i].started_at;
            strcpy(prev_id, page[i].id);
        }
        seen += got;
    } while (got > 0);
    assert_int_equal(seen, N);

    flt.observee_id = FIX_PEER_C;
    flt.status = MODEL_OBS_FINISHED;
    assert_int_equal(db_obs_count(f->d, &flt, &total), DB_OK);
    assert_int_equal(total, 0);
}

static void test_kv(void **state)
{
    dbfix *f = *state;
    char buf[64];
    assert_int_equal(db_kv_get(f->d, "screen", buf, sizeof buf), DB_NOTFOUND);
    assert_string_equal(buf, "");
    assert_int_equal(db_kv_put(f->d, "screen", "observe"), DB_OK);
    assert_int_equal(db_kv_put(f->d, "screen", "summary"), DB_OK);
    assert_int_equal(db_kv_get(f->d, "screen", buf, sizeof buf), DB_OK);
    assert_string_equal(buf, "summary");
    assert_int_equal(db_kv_get(f->d, "screen", buf, 4), DB_INVALID);
    assert_int_equal(db_kv_put(f->d, "bad", "\xff"), DB_INVALID);
}

/* Two handles on one file, as the screens and the sync worker have: what
 * one commits, the other sees at once, and both can write in turn. */
static void test_two_handles_see_each_other(void **state)
{
    dbfix *f = *state;
    db *other;
    assert_int_equal(db_open(f->path, f->sys, &other), DB_OK);
    assert_int_equal(db_schema_version(other), DB_SCHEMA_VERSION);
    model_id obs;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    model_observation o;
    assert_int_equal(db_obs_get(other, obs, &o), DB_OK);
    assert_int_equal(db_obs_event(other, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    assert_int_equal(db_schema_version(f->d), DB_SCHEMA_VERSION);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    model_event ev[4];
    int n;
    assert_int_equal(db_obs_events(other, obs, 0, 4, ev, &n), DB_OK);
    assert_int_equal(n, 2);
    db_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reference_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_template_and_focus_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observation_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paired_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_is_same_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_ack_and_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visibility_and_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_handles_see_each_other, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
