/*
 * The lighter outbox (schema step 10): an entry's change id is made from its
 * seq and the store's key, an event is sent from its own row, and one index
 * by observation serves every lookup. The idempotency key must still be
 * made once and never again for another change, every entry must still be
 * sent with the same text however often, and entries queued before the
 * step keep their keys, texts, marks and sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sync.h"
#include "dbfix.h"

#define OLD_OBS "0b11c000-0000-4000-8000-0000000000f1"
#define OLD_EV "0b11c000-0000-4000-8000-0000000000f2"
#define OLD_CH1 "0b11c000-0000-4000-8000-0000000000e1"
#define OLD_CH2 "0b11c000-0000-4000-8000-0000000000e2"

/* Whether a change with this id still waits to be sent. */
static int waits(db *d, const char *change_id)
{
    db_outbox_entry e[64];
    int n = 0, found = 0;
    assert_int_equal(db_outbox_peek(d, 0, 64, e, &n), DB_OK);
    for (int i = 0; i < n; i++)
        found |= !strcmp(e[i].change_id, change_id);
    db_outbox_entries_free(e, n);
    return found;
}

static int setup(void **state)
{
    dbfix *f = calloc(1, sizeof *f);
    if (!f || dbfix_open(f, "outbox", 1) != 0)
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

/* The change ids of every entry waiting, in order. */
static int ids(dbfix *f, model_id *out, int max)
{
    db_outbox_entry e[64];
    int n;
    assert_int_equal(db_outbox_peek(f->d, 0, max < 64 ? max : 64, e, &n), DB_OK);
    for (int i = 0; i < n; i++)
        memcpy(out[i], e[i].change_id, sizeof(model_id));
    db_outbox_entries_free(e, n);
    return n;
}

/* An event's entry keeps neither a copy of the event nor a change id, yet
 * it is sent with the event's full text and one key, the same on every
 * read; acknowledging that key takes exactly that entry. */
static void test_event_sent_from_its_row(void **state)
{
    dbfix *f = *state;
    model_id obs, ev, undo;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", ev), DB_OK);
    assert_int_equal(db_obs_undo(f->d, obs, FIX_PEER_A, undo), DB_OK);
    assert_int_equal(dbfix_count(f->path, "outbox WHERE change_id IS NOT NULL"), 0);
    assert_int_equal(dbfix_count(f->path, "outbox WHERE entity = 'event' AND payload IS NULL"), 2);
    assert_int_equal(dbfix_count(f->path, "outbox WHERE entity = 'observation'"
                                          " AND payload IS NOT NULL"),
                     1);
    db_outbox_entry e[4], again[4];
    int n, m;
    assert_int_equal(db_outbox_peek(f->d, 0, 4, e, &n), DB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(db_outbox_peek(f->d, 0, 4, again, &m), DB_OK);
    for (int i = 0; i < n; i++) {
        assert_int_equal(model_id_check(e[i].change_id, "change", NULL, 0), 0);
        assert_string_equal(e[i].change_id, again[i].change_id);
        assert_string_equal(e[i].payload, again[i].payload);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(e[i].change_id, e[j].change_id);
    }
    /* The texts are the events' records, as the codec reads them. */
    model_record r;
    model_err me;
    assert_int_equal(model_record_parse(MODEL_ENT_EVENT, e[1].payload, &r, &me), 0);
    assert_string_equal(r.u.event.id, ev);
    assert_string_equal(r.u.event.observation_id, obs);
    assert_int_equal(r.u.event.kind, MODEL_EV_COUNT);
    assert_string_equal(r.u.event.key, "open_q");
    assert_int_equal(model_record_parse(MODEL_ENT_EVENT, e[2].payload, &r, &me), 0);
    assert_int_equal(r.u.event.kind, MODEL_EV_UNDO);
    assert_string_equal(r.u.event.target_id, ev);
    /* One key, one entry: the event's goes, the others stay. */
    assert_int_equal(db_sync_ack(f->d, e[1].change_id, DB_SYNC_ACK_STORED, 1, "", ""), DB_OK);
    assert_int_equal(dbfix_count(f->path, "outbox"), 2);
    assert_false(waits(f->d, e[1].change_id));
    assert_true(waits(f->d, e[2].change_id));
    /* A refused event keeps its whole text beside its reason. */
    assert_int_equal(
        db_sync_ack(f->d, e[2].change_id, DB_SYNC_ACK_REJECTED, 0, "bad_value", "Nej."), DB_OK);
    assert_int_equal(dbfix_count(f->path, "sync_rejected WHERE json_extract(payload,"
                                          " '$.target_id') = (SELECT id FROM event"
                                          " WHERE kind = 0 LIMIT 1)"),
                     1);
    /* Sent again, it goes with its own key and the same text. */
    assert_int_equal(db_sync_rejection_retry(f->d, e[2].change_id), DB_OK);
    db_outbox_entry back[4];
    assert_int_equal(db_outbox_peek(f->d, 0, 4, back, &m), DB_OK);
    assert_int_equal(m, 2);
    assert_string_equal(back[1].change_id, e[2].change_id);
    assert_string_equal(back[1].payload, e[2].payload);
    assert_true(back[1].seq > e[2].seq);
    db_outbox_entries_free(back, m);
    db_outbox_entries_free(e, n);
    db_outbox_entries_free(again, n);
}

/* A seq is never used twice, even when every entry has been acknowledged
 * (the newest too), so no key is ever made again for another change; and
 * another store makes other keys for the same seqs. */
static void test_keys_never_repeat(void **state)
{
    dbfix *f = *state;
    model_id obs, first[8], later[8];
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    int n = ids(f, first, 8);
    assert_int_equal(n, 2);
    for (int i = 0; i < n; i++)
        assert_int_equal(db_outbox_ack(f->d, first[i]), DB_OK);
    assert_int_equal(dbfix_count(f->path, "outbox"), 0);
    /* Reopened, too: the sequence is in the file. */
    db_close(f->d);
    assert_int_equal(db_open(f->path, f->sys, &f->d), DB_OK);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    assert_int_equal(ids(f, later, 8), 1);
    for (int i = 0; i < n; i++)
        assert_string_not_equal(later[0], first[i]);
    /* An acknowledgement of the old key now is a repeat: it takes nothing. */
    assert_int_equal(db_outbox_ack(f->d, first[1]), DB_OK);
    assert_int_equal(dbfix_count(f->path, "outbox"), 1);

    /* Another store has a key of its own: this store's first change id,
     * acknowledged there, names nothing of it. */
    dbfix g;
    assert_int_equal(dbfix_open(&g, "outbox_other", 0), 0);
    char q[200];
    snprintf(q, sizeof q, "kv WHERE key = 'outbox.key' AND substr(value, 1, 8) = '%.8s'", first[0]);
    assert_int_equal(dbfix_count(f->path, q), 1);
    assert_int_equal(dbfix_count(g.path, q), 0);
    assert_int_equal(dbfix_count(g.path, "kv WHERE key = 'outbox.key'"), 1);
    dbfix_close(&g);
    /* An id of another key with the seq of the entry waiting names nothing. */
    model_id other;
    memcpy(other, later[0], sizeof other);
    other[0] = other[0] == 'f' ? '0' : 'f';
    assert_int_equal(db_outbox_ack(f->d, other), DB_OK);
    assert_int_equal(dbfix_count(f->path, "outbox"), 1);
    assert_false(waits(f->d, other));
}

/* A change id is the store's key and the entry's seq, exactly: the key's
 * first twelve hex digits, a 4, three more, the variant from the 17th
 * digit's low bits and three more, and the seq in twelve hex digits. The
 * ids are made again from the seq; this is the text they must have. */
static void test_change_id_is_key_and_seq(void **state)
{
    dbfix *f = *state;
    model_id obs, got[8];
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    assert_int_equal(ids(f, got, 8), 1);
    sqlite3 *c;
    sqlite3_stmt *st;
    char key[32] = "";
    long long seq = -1;
    assert_int_equal(sqlite3_open_v2(f->path, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(c,
                                        "SELECT (SELECT value FROM kv WHERE key = 'outbox.key'),"
                                        " (SELECT max(seq) FROM outbox)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(key, sizeof key, "%s", (const char *)sqlite3_column_text(st, 0));
    seq = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(c);
    assert_int_equal(strlen(key), 20);
    int v = key[16] >= 'a' ? key[16] - 'a' + 10 : key[16] - '0';
    char want[64];
    snprintf(want, sizeof want, "%.8s-%.4s-4%.3s-%c%.3s-%012llx", key, key + 8, key + 12,
             "89ab"[v & 3], key + 17, seq);
    assert_string_equal(got[0], want);
}

/* The stored events' answers in a transaction of their own, committed:
 * whether they were done at once. */
static int answer_events(dbfix *f, const int64_t *ev, int n)
{
    int done = -1;
    assert_int_equal(db_batch_begin_unsynced(f->d), DB_OK);
    assert_int_equal(db_sync_ack_events_stored(f->d, ev, n, &done), DB_OK);
    assert_int_equal(db_batch_end(f->d, 1), DB_OK);
    return done;
}

/*
 * The answers "stored" to a push's events take their entries out in one
 * statement, and only theirs: the observation's entry, answered apart,
 * waits. With a record of the server's held back beside local changes
 * (sync_remote), nothing is done at once and each is answered alone; and
 * outside a transaction the call is refused and changes nothing.
 */
static void test_stored_events_leave_at_once(void **state)
{
    dbfix *f = *state;
    model_id obs;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL),
                         DB_OK);
    db_outbox_entry e[16];
    int n, done = -1;
    assert_int_equal(db_outbox_peek(f->d, 0, 16, e, &n), DB_OK);
    assert_int_equal(n, 4);
    int64_t ev[16];
    int n_ev = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(e[i].entity, "event"))
            ev[n_ev++] = e[i].seq;
    assert_int_equal(n_ev, 3);

    assert_int_equal(db_sync_ack_events_stored(f->d, ev, n_ev, &done), DB_INVALID);
    assert_int_equal(done, 0);
    assert_int_equal(dbfix_count(f->path, "outbox"), 4);

    assert_int_equal(dbfix_exec(f->path, "INSERT INTO sync_remote(entity, key, version, data)"
                                         " VALUES('note', 'x', 2, '{}')"),
                     0);
    assert_int_equal(answer_events(f, ev, n_ev), 0);
    assert_int_equal(dbfix_count(f->path, "outbox"), 4);

    assert_int_equal(dbfix_exec(f->path, "DELETE FROM sync_remote"), 0);
    assert_int_equal(answer_events(f, ev, n_ev), 1);
    assert_int_equal(dbfix_count(f->path, "outbox"), 1);
    assert_int_equal(dbfix_count(f->path, "outbox WHERE entity = 'observation'"), 1);
    db_outbox_entries_free(e, n);
}

/* The bytes of the outbox's pages, its indexes' included, as SQLite's
 * dbstat table counts them through a plain connection. */
static long outbox_bytes(dbfix *f)
{
    sqlite3 *c;
    sqlite3_stmt *st;
    long bytes = -1;
    if (sqlite3_open_v2(f->path, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(c, "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'outbox%'", -1, &st,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            bytes = (long)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(c);
    assert_true(bytes > 0);
    return bytes;
}

/* What a waiting counter tap costs on disk: the outbox's rows and indexes
 * for 1,000 taps: over 500 bytes a tap before step 10, about 230 now. */
static void test_a_tap_is_light(void **state)
{
    dbfix *f = *state;
    model_id obs;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    long before = outbox_bytes(f);
    assert_int_equal(db_batch_begin(f->d), DB_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT,
                                      i % 2 ? "open_q" : "closed_q", NULL),
                         DB_OK);
    assert_int_equal(db_batch_end(f->d, 1), DB_OK);
    long bytes = outbox_bytes(f) - before;
    print_message("outbox: %ld bytes for 1,000 taps\n", bytes);
    assert_true(bytes < 1000 * 300);
}

/* A file at step 9 with changes waiting, one of them already handed to the
 * server and the sequence past the newest entry (the newest was
 * acknowledged): after step 10 every entry is sent with its old key and
 * text, the mark and base versions stay, and a new change takes a seq
 * after every one ever used. */
static void test_from_version_9(void **state)
{
    dbfix *f = *state;
    db_close(f->d);
    f->d = NULL;
    snprintf(f->path, sizeof f->path, "%s/v9.db", f->dir);
    char err[256];
    db *d;
    assert_int_equal(db_open_at(f->path, f->sys, 9, &d), DB_OK);
    assert_int_equal(demo_load(d, err, sizeof err), DB_OK);
    db_close(d);
    assert_int_equal(
        dbfix_exec(f->path,
                   "INSERT INTO observation(id, unit_id, focus_id, focus_version,"
                   " template_id, template_version, observer_id, observee_id, room_id,"
                   " activity, context, agreement, started_at, ended_at, status,"
                   " revision, updated_at) SELECT '" OLD_OBS "', unit_id, id, version,"
                   " template_id, 1, '" FIX_PEER_A "', '" FIX_PEER_B "', '" FIX_ROOM
                   "', 'Samling', '{}', 1, 1, 0, 0, 1, 1 FROM focus WHERE id = '" FIX_FOCUS "';"
                   "INSERT INTO event(id, observation_id, kind, key, at)"
                   " VALUES('" OLD_EV "', '" OLD_OBS "', 0, 'open_q', 2);"
                   "INSERT INTO sync_version(entity, key, version) VALUES('observation', '" OLD_OBS
                   "', 4);"
                   "INSERT INTO outbox(seq, change_id, entity, entity_id, obs_id, payload,"
                   " created_at, actor_id) VALUES(7, '" OLD_CH1 "', 'observation', '" OLD_OBS
                   "', NULL, '{\"old\":1}', 1, '" FIX_PEER_A "'),"
                   " (8, '" OLD_CH2 "', 'event', '" OLD_EV "', '" OLD_OBS
                   "', '{\"old\":2}', 2, '" FIX_PEER_A "');"
                   "UPDATE sqlite_sequence SET seq = 40 WHERE name = 'outbox';"
                   "INSERT INTO kv(key, value) VALUES('sync.sent_upto', '7')"),
        0);
    assert_int_equal(db_open(f->path, f->sys, &f->d), DB_OK);
    assert_int_equal(db_schema_version(f->d), DB_SCHEMA_VERSION);
    db_outbox_entry e[4];
    int n;
    assert_int_equal(db_outbox_peek(f->d, 0, 4, e, &n), DB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].change_id, OLD_CH1);
    assert_string_equal(e[0].payload, "{\"old\":1}");
    assert_string_equal(e[1].change_id, OLD_CH2);
    assert_string_equal(e[1].payload, "{\"old\":2}"); /* kept, not made again */
    assert_int_equal(e[0].base_version, 4);
    db_outbox_entries_free(e, n);
    /* The observation counts as waiting and as having left the tablet. */
    int pending = 0, left = 0;
    assert_int_equal(db_is_pending(f->d, OLD_OBS, &pending), DB_OK);
    assert_int_equal(pending, 1);
    assert_int_equal(
        dbfix_count(f->path, "outbox WHERE entity_id = '" OLD_EV "' AND obs_id = '" OLD_OBS "'"),
        1);
    assert_int_equal(db_obs_left_tablet(f->d, OLD_OBS, &left), DB_OK);
    assert_int_equal(left, 1);
    assert_int_equal(db_obs_event(f->d, OLD_OBS, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL),
                     DB_OK);
    assert_int_equal(dbfix_count(f->path, "outbox WHERE seq = 41 AND change_id IS NULL"), 1);
    assert_int_equal(db_outbox_ack(f->d, OLD_CH2), DB_OK);
    assert_int_equal(dbfix_count(f->path, "outbox WHERE entity_id = '" OLD_EV "'"), 0);
    assert_int_equal(dbfix_count(f->path, "outbox"), 2);
    assert_int_equal(dbfix_count(f->path, "sqlite_schema WHERE tbl_name = 'outbox'"
                                          " AND type = 'index'"),
                     2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_event_sent_from_its_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_never_repeat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_id_is_key_and_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stored_events_leave_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_tap_is_light, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_version_9, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
