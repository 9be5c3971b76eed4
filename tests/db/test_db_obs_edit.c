/* Changing what was recorded: a note edited or deleted by its observer
 * (one change for sync that replaces the note's unsent ones), a pulled edit
 * of a note, and a draft discarded while nothing of it has left the tablet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "db_history.h"
#include "db_sync.h"
#include "dbfix.h"
#include "model_json.h"

/* The changes waiting for one record; the newest one's payload into text. */
static int waiting(dbfix *f, const char *entity_id, char *text, size_t cap)
{
    db_outbox_entry e[64];
    int n = 0, k = 0;
    assert_int_equal(db_outbox_peek(f->d, 0, 64, e, &n), DB_OK);
    for (int i = 0; i < n; i++)
        if (!strcmp(e[i].entity_id, entity_id)) {
            k++;
            snprintf(text, cap, "%s", e[i].payload);
        }
    db_outbox_entries_free(e, n);
    return k;
}

static void test_note_edit(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "obs-edit-note", 1), 0);
    model_id obs, nid;
    assert_int_equal(dbfix_start(&f, obs), DB_OK);
    plat_fake_advance(f.sys, 37000);
    assert_int_equal(db_obs_note(f.d, obs, FIX_PEER_A, "Barnet hedder Emil", NULL, nid), DB_OK);
    plat_fake_advance(f.sys, 21000);

    /* Only the observer, only with words, only a sign of the focus. */
    assert_int_equal(db_obs_note_edit(f.d, nid, FIX_PEER_B, "Et barn", NULL), DB_DENIED);
    assert_int_equal(db_obs_note_edit(f.d, nid, FIX_PEER_A, "", NULL), DB_INVALID);
    assert_int_equal(db_obs_note_edit(f.d, nid, FIX_PEER_A, NULL, NULL), DB_INVALID);
    assert_int_equal(db_obs_note_edit(f.d, nid, FIX_PEER_A, "Et barn", FIX_FOCUS), DB_INVALID);
    assert_int_equal(db_obs_note_edit(f.d, FIX_FOCUS, FIX_PEER_A, "Et barn", NULL), DB_NOTFOUND);
    model_note notes[4];
    int n = 0;
    assert_int_equal(db_obs_notes(f.d, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(notes[0].text, "Barnet hedder Emil");

    assert_int_equal(db_obs_note_edit(f.d, nid, FIX_PEER_A, "Et barn", FIX_SIGN1), DB_OK);
    assert_int_equal(db_obs_notes(f.d, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(notes[0].text, "Et barn");
    assert_string_equal(notes[0].sign_id, FIX_SIGN1);
    assert_int_equal(notes[0].at, FIX_T0 + 37000);
    /* One change waits for the note: the edit; the name never leaves. */
    char text[8192];
    assert_int_equal(waiting(&f, nid, text, sizeof text), 1);
    assert_null(strstr(text, "Emil"));
    model_record rec;
    model_err err;
    assert_int_equal(model_record_parse(MODEL_ENT_NOTE, text, &rec, &err), 0);
    assert_string_equal(rec.u.note.text, "Et barn");
    assert_int_equal(rec.u.note.at, FIX_T0 + 37000);
    dbfix_close(&f);
}

static void test_note_delete(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "obs-delete-note", 1), 0);
    model_id obs, nid, keep;
    assert_int_equal(dbfix_start(&f, obs), DB_OK);
    assert_int_equal(db_obs_note(f.d, obs, FIX_PEER_A, "Barnet hedder Emil", NULL, nid), DB_OK);
    assert_int_equal(db_obs_note(f.d, obs, FIX_PEER_A, "Rolig overgang", NULL, keep), DB_OK);
    /* The server had the first note already: the deletion must reach it. */
    db_outbox_entry e[8];
    int n = 0;
    assert_int_equal(db_outbox_peek(f.d, 0, 8, e, &n), DB_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(db_sync_ack(f.d, e[i].change_id, DB_SYNC_ACK_STORED, 1, NULL, NULL),
                         DB_OK);
    db_outbox_entries_free(e, n);

    assert_int_equal(db_obs_note_delete(f.d, nid, FIX_PEER_B), DB_DENIED);
    assert_int_equal(db_obs_note_delete(f.d, nid, FIX_PEER_A), DB_OK);
    model_note notes[4];
    assert_int_equal(db_obs_notes(f.d, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(notes[0].id, keep);
    assert_int_equal(dbfix_count(f.path, "note WHERE text LIKE '%Emil%'"), 0);
    char text[8192];
    assert_int_equal(waiting(&f, nid, text, sizeof text), 1);
    /* The deletion is the same note with no words; the wire reads it back. */
    model_record rec;
    model_err err;
    assert_int_equal(model_record_parse(MODEL_ENT_NOTE, text, &rec, &err), 0);
    assert_string_equal(rec.u.note.text, "");
    assert_string_equal(rec.u.note.id, nid);
    /* Deleted is deleted: no second deletion, no edit. */
    assert_int_equal(db_obs_note_delete(f.d, nid, FIX_PEER_A), DB_NOTFOUND);
    assert_int_equal(db_obs_note_edit(f.d, nid, FIX_PEER_A, "Igen", NULL), DB_NOTFOUND);
    dbfix_close(&f);
}

/* In a finished observation a note's change is a correction: a revision
 * that says which kind of change, without the words. */
static void test_note_correction_is_a_revision(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "obs-note-revision", 1), 0);
    model_id obs, nid;
    assert_int_equal(dbfix_start(&f, obs), DB_OK);
    assert_int_equal(db_obs_note(f.d, obs, FIX_PEER_A, "Barnet hedder Emil", NULL, nid), DB_OK);
    assert_int_equal(db_obs_finish(f.d, obs, FIX_PEER_A), DB_OK);
    assert_int_equal(db_obs_note_edit(f.d, nid, FIX_PEER_A, "Et barn", NULL), DB_OK);
    assert_int_equal(db_obs_note_delete(f.d, nid, FIX_PEER_A), DB_OK);
    model_observation o;
    assert_int_equal(db_obs_get(f.d, obs, &o), DB_OK);
    assert_int_equal(o.revision, 3);
    db_revision r[4];
    int n = 0;
    assert_int_equal(db_obs_revisions(f.d, obs, 0, 4, r, &n), DB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(r[0].what, "note deleted");
    assert_string_equal(r[1].what, "note");
    for (int i = 0; i < n; i++)
        assert_string_equal(r[i].before, "");
    assert_int_equal(dbfix_count(f.path, "obs_revision WHERE before LIKE '%Emil%'"
                                         " OR after LIKE '%Emil%'"),
                     0);
    dbfix_close(&f);
}

/* A note edited or deleted on another tablet arrives as a newer version of
 * the same note and replaces the words here. */
static void test_pulled_note_edit_replaces(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "obs-pull-note", 1), 0);
    model_id obs, nid;
    assert_int_equal(dbfix_start(&f, obs), DB_OK);
    assert_int_equal(db_obs_note(f.d, obs, FIX_PEER_A, "Barnet hedder Emil", NULL, nid), DB_OK);
    db_outbox_entry e[8];
    int n = 0;
    assert_int_equal(db_outbox_peek(f.d, 0, 8, e, &n), DB_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(db_sync_ack(f.d, e[i].change_id, DB_SYNC_ACK_STORED, 1, NULL, NULL),
                         DB_OK);
    db_outbox_entries_free(e, n);
    model_note mine[2];
    assert_int_equal(db_obs_notes(f.d, obs, 0, 2, mine, &n), DB_OK);
    model_record rec = {.entity = MODEL_ENT_NOTE, .u.note = mine[0]};
    snprintf(rec.u.note.text, sizeof rec.u.note.text, "Et barn");
    db_sync_item it = {&rec, 2};
    assert_int_equal(db_sync_apply(f.d, &it, 0), DB_OK);
    assert_int_equal(db_obs_notes(f.d, obs, 0, 2, mine, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(mine[0].text, "Et barn");
    rec.u.note.text[0] = 0;
    it.version = 3;
    assert_int_equal(db_sync_apply(f.d, &it, 0), DB_OK);
    assert_int_equal(db_obs_notes(f.d, obs, 0, 2, mine, &n), DB_OK);
    assert_int_equal(n, 0);
    dbfix_close(&f);
}

/* A draft that never left the tablet goes whole; one the server has a part
 * of stays, and so does a finished one. */
static void test_discard(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "obs-discard", 1), 0);
    model_id obs, nid;
    assert_int_equal(dbfix_start(&f, obs), DB_OK);
    assert_int_equal(db_obs_event(f.d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    assert_int_equal(db_obs_note(f.d, obs, FIX_PEER_A, "Forkert kollega", NULL, nid), DB_OK);
    assert_int_equal(db_obs_rate(f.d, obs, FIX_PEER_A, FIX_SIGN1, 2), DB_OK);
    assert_int_equal(db_draft_put(f.d, obs, DB_DRAFT_NOTE, "halvt"), DB_OK);
    int left = -1;
    assert_int_equal(db_obs_left_tablet(f.d, obs, &left), DB_OK);
    assert_int_equal(left, 0);
    assert_int_equal(db_obs_discard(f.d, obs, FIX_PEER_B), DB_DENIED);
    assert_int_equal(db_obs_discard(f.d, obs, FIX_PEER_A), DB_OK);
    const char *tables[] = {"observation", "event", "note", "rating", "draft", "outbox"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        assert_int_equal(dbfix_count(f.path, tables[i]), 0);

    /* Acknowledged by the server: discarding here would not delete it there. */
    model_id sent;
    assert_int_equal(dbfix_start(&f, sent), DB_OK);
    db_outbox_entry e[8];
    int n = 0;
    assert_int_equal(db_outbox_peek(f.d, 0, 8, e, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_sync_ack(f.d, e[0].change_id, DB_SYNC_ACK_STORED, 1, NULL, NULL), DB_OK);
    db_outbox_entries_free(e, n);
    assert_int_equal(db_obs_left_tablet(f.d, sent, &left), DB_OK);
    assert_int_equal(left, 1);
    /* An event stored there keeps no version here (it never changes); the
     * observation's own version still tells that it left. */
    assert_int_equal(db_obs_event(f.d, sent, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    assert_int_equal(db_outbox_peek(f.d, 0, 8, e, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].entity, "event");
    assert_int_equal(db_sync_ack(f.d, e[0].change_id, DB_SYNC_ACK_STORED, 2, NULL, NULL), DB_OK);
    db_outbox_entries_free(e, n);
    assert_int_equal(dbfix_count(f.path, "outbox"), 0);
    assert_int_equal(dbfix_count(f.path, "sync_version WHERE entity = 'event'"), 0);
    assert_int_equal(db_obs_left_tablet(f.d, sent, &left), DB_OK);
    assert_int_equal(left, 1);
    assert_int_equal(db_obs_discard(f.d, sent, FIX_PEER_A), DB_DENIED);
    model_observation o;
    assert_int_equal(db_obs_get(f.d, sent, &o), DB_OK);

    /* Finished: never discarded. */
    model_id done;
    assert_int_equal(dbfix_start(&f, done), DB_OK);
    assert_int_equal(db_obs_finish(f.d, done, FIX_PEER_A), DB_OK);
    assert_int_equal(db_obs_discard(f.d, done, FIX_PEER_A), DB_DENIED);
    assert_int_equal(db_obs_get(f.d, done, &o), DB_OK);
    dbfix_close(&f);
}

/* A push under way: sync has taken the observation's changes to send and
 * no answer is recorded yet, so the server may already hold them. A
 * discard then would leave the observation there and gone here; it is
 * refused until the answer is in, and a draft started after the push
 * still goes. */
static void test_discard_while_sending(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "obs-discard-sending", 1), 0);
    model_id obs, later;
    assert_int_equal(dbfix_start(&f, obs), DB_OK);
    db_outbox_entry e[8];
    int n = 0;
    assert_int_equal(db_outbox_claim(f.d, 0, 8, e, &n), DB_OK);
    assert_int_equal(n, 1);
    int left = -1;
    assert_int_equal(db_obs_left_tablet(f.d, obs, &left), DB_OK);
    assert_int_equal(left, 1);
    assert_int_equal(db_obs_discard(f.d, obs, FIX_PEER_A), DB_DENIED);
    assert_int_equal(dbfix_count(f.path, "observation"), 1);

    assert_int_equal(dbfix_start(&f, later), DB_OK);
    assert_int_equal(db_obs_left_tablet(f.d, later, &left), DB_OK);
    assert_int_equal(left, 0);
    assert_int_equal(db_obs_discard(f.d, later, FIX_PEER_A), DB_OK);

    /* The answer arrives: the observation is at the server for good. */
    assert_int_equal(db_sync_ack(f.d, e[0].change_id, DB_SYNC_ACK_STORED, 1, NULL, NULL), DB_OK);
    db_outbox_entries_free(e, n);
    assert_int_equal(db_obs_discard(f.d, obs, FIX_PEER_A), DB_DENIED);
    dbfix_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note_edit),
        cmocka_unit_test(test_note_delete),
        cmocka_unit_test(test_note_correction_is_a_revision),
        cmocka_unit_test(test_pulled_note_edit_replaces),
        cmocka_unit_test(test_discard),
        cmocka_unit_test(test_discard_while_sending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
