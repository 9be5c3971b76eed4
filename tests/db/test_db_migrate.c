/* Migrations: a new file, and a file from each earlier schema version, come
 * up to date with their data; a step that fails leaves the file as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "db_sync.h"
#include "dbfix.h"
#include "tsupport.h"

static char dir[1024], path[1100];
static plat_sys *sys;

static int setup(void **state)
{
    (void)state;
    if (tsupport_tmpdir("migrate", dir, sizeof dir))
        return -1;
    tsupport_path(path, sizeof path, dir, "blik.db");
    sys = plat_fake_new(FIX_T0, 3);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    plat_fake_free(sys);
    tsupport_rmtree(dir);
    return 0;
}

static void test_from_empty_to_current(void **state)
{
    (void)state;
    db *d;
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(db_schema_version(d), DB_SCHEMA_VERSION);
    assert_int_equal(db_check(d), DB_OK);
    db_close(d);
    /* Opening again runs nothing twice. */
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(db_schema_version(d), DB_SCHEMA_VERSION);
    db_close(d);
    assert_int_equal(dbfix_count(path, "pragma_table_info('person') WHERE name = 'name_fold'"), 1);
    assert_int_equal(dbfix_count(path, "pragma_application_id WHERE application_id = 1114401131"),
                     1);
}

/* Version 1 had no folded names: people stored then must be found by the
 * case-blind search after the upgrade. */
static void test_from_version_1(void **state)
{
    (void)state;
    db *d;
    assert_int_equal(db_open_at(path, sys, 1, &d), DB_OK);
    assert_int_equal(db_schema_version(d), 1);
    model_unit u = {.id = DEMO_UNIT_ID, .name = "Vuggestuen Æblehaven", .retention_days = 90};
    assert_int_equal(db_unit_put(d, &u), DB_OK);
    db_close(d);
    assert_int_equal(dbfix_exec(path, "INSERT INTO person(id, unit_id, name, role, pin_verifier,"
                                      " active) VALUES('" FIX_PEER_A "', '" DEMO_UNIT_ID "',"
                                      " 'Øjvind Ågård', 0, '', 1)"),
                     0);
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(db_schema_version(d), DB_SCHEMA_VERSION);
    model_person found[2];
    int n;
    assert_int_equal(db_person_list(d, DEMO_UNIT_ID, "ågå", 0, 2, found, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(found[0].name, "Øjvind Ågård");
    model_unit back;
    assert_int_equal(db_unit_get(d, DEMO_UNIT_ID, &back), DB_OK);
    assert_string_equal(back.name, "Vuggestuen Æblehaven");
    assert_int_equal(db_check(d), DB_OK);
    db_close(d);
}

/* A step that cannot run (here an index name that is already taken) leaves
 * the file at the version before, whole, and says which step failed. */
static void test_failed_step_changes_nothing(void **state)
{
    (void)state;
    db *d;
    assert_int_equal(db_open_at(path, sys, 1, &d), DB_OK);
    model_unit u = {.id = DEMO_UNIT_ID, .name = "Enheden", .retention_days = 90};
    assert_int_equal(db_unit_put(d, &u), DB_OK);
    db_close(d);
    assert_int_equal(dbfix_exec(path, "CREATE INDEX person_by_fold ON unit(name)"), 0);
    int rc = db_open(path, sys, &d);
    assert_int_not_equal(rc, DB_OK);
    assert_non_null(strstr(db_errmsg(d), "updating the database to version 2"));
    db_close(d);
    assert_int_equal(dbfix_count(path, "pragma_user_version WHERE user_version = 1"), 1);
    assert_int_equal(dbfix_count(path, "pragma_table_info('person') WHERE name = 'name_fold'"), 0);
    assert_int_equal(dbfix_count(path, "unit WHERE name = 'Enheden'"), 1);
    /* Once the obstacle is gone, the upgrade goes through. */
    assert_int_equal(dbfix_exec(path, "DROP INDEX person_by_fold"), 0);
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(db_schema_version(d), DB_SCHEMA_VERSION);
    db_close(d);
}

/* Version 2 queued changes without saying who made them; after the upgrade
 * each queued change names its maker: the observer, or the author written in
 * a reflection. */
static void test_from_version_2(void **state)
{
    (void)state;
    db *d;
    char err[256];
    assert_int_equal(db_open_at(path, sys, 2, &d), DB_OK);
    assert_int_equal(demo_load(d, err, sizeof err), DB_OK);
    db_close(d);
    assert_int_equal(
        dbfix_exec(
            path, "INSERT INTO observation(id, unit_id, focus_id, focus_version, template_id,"
                  " template_version, observer_id, observee_id, room_id, activity, context,"
                  " agreement, started_at, ended_at, status, revision, updated_at) VALUES("
                  "'0b11c000-0000-4000-8000-0000000000f1', '" DEMO_UNIT_ID "', '" FIX_FOCUS "', 1,"
                  " '0b11c000-0000-4000-8000-000000000031', 1, '" FIX_PEER_A "', '" FIX_PEER_B "',"
                  " '" FIX_ROOM "', 'Samling', '{}', 1, 1, 0, 0, 1, 1);"
                  "INSERT INTO outbox(change_id, entity, entity_id, obs_id, payload, created_at)"
                  " VALUES('0b11c000-0000-4000-8000-0000000000e1', 'observation',"
                  " '0b11c000-0000-4000-8000-0000000000f1', '0b11c000-0000-4000-8000-0000000000f1',"
                  " '{}', 1), ('0b11c000-0000-4000-8000-0000000000e2', 'reflection',"
                  " '0b11c000-0000-4000-8000-0000000000f1', '0b11c000-0000-4000-8000-0000000000f1',"
                  " '{\"author_id\":\"" FIX_PEER_B "\"}', 2)"),
        0);
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(db_schema_version(d), DB_SCHEMA_VERSION);
    db_outbox_entry e[4];
    int n;
    assert_int_equal(db_outbox_peek(d, 0, 4, e, &n), DB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].actor_id, FIX_PEER_A);
    assert_string_equal(e[1].actor_id, FIX_PEER_B);
    db_outbox_entries_free(e, n);
    db_close(d);
}

/* Version 7 had no pair codes: an observation stored then reads as one
 * made alone, and its queued record is the same text as before. */
static void test_from_version_7(void **state)
{
    (void)state;
    db *d;
    char err[256];
    assert_int_equal(db_open_at(path, sys, 7, &d), DB_OK);
    assert_int_equal(demo_load(d, err, sizeof err), DB_OK);
    model_id obs;
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = FIX_FOCUS,
                    .observer_id = FIX_PEER_A,
                    .observee_id = FIX_PEER_B,
                    .room_id = FIX_ROOM,
                    .activity = "Samling",
                    .agreement = 1};
    db_close(d);
    assert_int_equal(dbfix_count(path, "pragma_table_info('observation') WHERE name = 'pair_code'"),
                     0);
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(db_schema_version(d), DB_SCHEMA_VERSION);
    assert_int_equal(db_obs_start(d, &n, obs), DB_OK);
    model_observation o;
    assert_int_equal(db_obs_get(d, obs, &o), DB_OK);
    assert_string_equal(o.pair_code, "");
    db_close(d);
    assert_int_equal(dbfix_count(path, "observation WHERE pair_code = ''"), 1);
    assert_int_equal(dbfix_count(path, "outbox WHERE payload LIKE '%pair_code%'"), 0);
}

/* A store at schema version with the demo unit and one observation (obs)
 * of taps counter taps, the last of them undone, whose events (taps + 1)
 * are read into before (room for cap). Returns the open store. The taps are
 * made in one millisecond of the fake clock by two handles in turn, each
 * with its own maker of ids, as taps and pulled events from two tablets
 * would be: so the events' ids are not in the order they were saved in. */
static db *tapped_at_version(int version, int taps, model_id obs, model_event *before, int cap)
{
    db *d, *d2;
    char err[256];
    assert_int_equal(db_open_at(path, sys, version, &d), DB_OK);
    assert_int_equal(demo_load(d, err, sizeof err), DB_OK);
    model_id undo;
    assert_int_equal(dbfix_start_in(d, obs), DB_OK);
    assert_int_equal(db_open_at(path, sys, version, &d2), DB_OK);
    for (int i = 0; i < taps; i++)
        assert_int_equal(db_obs_event(i % 2 ? d2 : d, obs, FIX_PEER_A, MODEL_EV_COUNT,
                                      i % 3 ? "open_q" : "closed_q", NULL),
                         DB_OK);
    db_close(d2);
    assert_int_equal(db_obs_undo(d, obs, FIX_PEER_A, undo), DB_OK);
    int n = 0;
    assert_int_equal(db_obs_events(d, obs, 0, cap, before, &n), DB_OK);
    assert_int_equal(n, taps + 1);
    return d;
}

/* The store at path opened again, now at the current version and sound. */
static db *reopened(void)
{
    db *d;
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(db_schema_version(d), DB_SCHEMA_VERSION);
    assert_int_equal(db_check(d), DB_OK);
    return d;
}

/* Version 11 kept an index of event ids alone. After step 12 an
 * observation's events come back the same and in the same order, the
 * newest one can still be undone, a waiting event is sent as the same
 * text, and the same event pulled again is still one event. */
static void test_from_version_11(void **state)
{
    (void)state;
    model_id obs;
    model_event before[16], after[16];
    int nb = 13, na = 0;
    db *d = tapped_at_version(11, 12, obs, before, 16);
    db_outbox_entry ob[20], oa[20];
    int nob = 0, noa = 0;
    assert_int_equal(db_outbox_peek(d, 0, 20, ob, &nob), DB_OK);
    db_close(d);

    d = reopened();
    assert_int_equal(db_obs_events(d, obs, 0, 16, after, &na), DB_OK);
    assert_int_equal(na, nb);
    for (int i = 0; i < na; i++) {
        assert_string_equal(after[i].id, before[i].id);
        assert_string_equal(after[i].key, before[i].key);
        assert_int_equal(after[i].kind, before[i].kind);
    }
    assert_string_equal(after[12].target_id, after[11].id);
    assert_int_equal(db_outbox_peek(d, 0, 20, oa, &noa), DB_OK);
    assert_int_equal(noa, nob);
    for (int i = 0; i < noa; i++)
        assert_string_equal(oa[i].payload, ob[i].payload);
    db_outbox_entries_free(ob, nob);
    db_outbox_entries_free(oa, noa);
    /* The undo took the twelfth tap; the eleventh is next. */
    model_event last;
    assert_int_equal(db_obs_last_undoable(d, obs, &last), DB_OK);
    assert_string_equal(last.id, after[10].id);
    /* The same event from the server again, taken as the server's (so
     * that it is written, not held while its own change waits), is still
     * one event. */
    model_record r = {.entity = MODEL_ENT_EVENT, .u.event = after[3]};
    db_sync_item it = {&r, 1};
    assert_int_equal(db_sync_apply(d, &it, 1), DB_OK);
    assert_int_equal(db_obs_events(d, obs, 0, 16, after, &na), DB_OK);
    assert_int_equal(na, 13);
    db_close(d);
    /* No index of event ids alone is left. */
    assert_int_equal(dbfix_count(path, "pragma_index_list('event') i"
                                       " WHERE (SELECT count(*) FROM pragma_index_info(i.name)) = 1"
                                       " AND (SELECT name FROM pragma_index_info(i.name)) = 'id'"),
                     0);
    assert_int_equal(dbfix_count(path, "pragma_index_list('event') WHERE \"unique\" = 1"), 1);
}

/* Whether SQLite would read the whole event table for sql (its plan
 * scans the table), on the file at path. */
static int plan_scans_events(const char *sql)
{
    sqlite3 *c = NULL;
    sqlite3_stmt *st = NULL;
    char q[600];
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(c, q, -1, &st, NULL), SQLITE_OK);
    int scans = 0, rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        rows++;
        scans |= detail && !strncmp(detail, "SCAN e", 6) && !strstr(detail, "USING");
    }
    sqlite3_finalize(st);
    sqlite3_close(c);
    assert_true(rows > 0);
    return scans;
}

/* Version 12 kept a second index of an observation's events, in the order
 * they were saved. After step 13 the events come back the same and in the
 * same order (the taps are made in one millisecond of the fake clock by two
 * handles in turn, each with its own maker of ids, so their version 7 ids are
 * not in the order of the unique index), a page of them further on is the same part of that order, the
 * newest one can still be undone, and an observation's events are still
 * read by index, not by reading every event. */
static void test_from_version_12(void **state)
{
    (void)state;
    model_id obs;
    model_event before[24], after[24];
    int nb = 21, na = 0;
    db *d = tapped_at_version(12, 20, obs, before, 24);
    assert_int_equal(dbfix_count(path, "pragma_index_list('event') WHERE name = 'event_by_obs'"),
                     1);
    db_close(d);

    d = reopened();
    assert_int_equal(db_obs_events(d, obs, 0, 24, after, &na), DB_OK);
    assert_int_equal(na, nb);
    for (int i = 0; i < na; i++)
        assert_string_equal(after[i].id, before[i].id);
    /* A page further on is the same part of that order. */
    assert_int_equal(db_obs_events(d, obs, 15, 24, after, &na), DB_OK);
    assert_int_equal(na, 6);
    for (int i = 0; i < na; i++)
        assert_string_equal(after[i].id, before[15 + i].id);
    int sorted = 1;
    for (int i = 1; i < nb; i++)
        sorted &= strcmp(before[i - 1].id, before[i].id) < 0;
    assert_false(sorted);
    model_event last;
    assert_int_equal(db_obs_last_undoable(d, obs, &last), DB_OK);
    assert_string_equal(last.id, before[18].id);
    db_close(d);
    assert_int_equal(dbfix_count(path, "pragma_index_list('event') WHERE name = 'event_by_obs'"),
                     0);
    assert_int_equal(dbfix_count(path, "pragma_index_list('event') WHERE \"unique\" = 1"), 1);
    assert_true(plan_scans_events("SELECT id FROM event e WHERE kind = 1 ORDER BY rowid"));
    assert_false(
        plan_scans_events("SELECT id FROM event e WHERE observation_id = 'x' ORDER BY rowid"));
    assert_false(
        plan_scans_events("SELECT kind FROM event e WHERE observation_id = 'x'"
                          " AND key = 'k' AND kind IN (1, 2) ORDER BY rowid DESC LIMIT 1"));
}

/* The file and its write-ahead log are the app user's alone, also when an
 * older file was made with wider rights. */
static void test_file_is_private(void **state)
{
    (void)state;
    db *d;
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    model_unit u = {.id = DEMO_UNIT_ID, .name = "Enheden", .retention_days = 90};
    assert_int_equal(db_unit_put(d, &u), DB_OK);
    struct stat st;
    char wal[1200];
    snprintf(wal, sizeof wal, "%s-wal", path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);
    db_close(d);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(db_open(path, sys, &d), DB_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    db_close(d);
}

static void test_unknown_target_version(void **state)
{
    (void)state;
    db *d;
    assert_int_equal(db_open_at(path, sys, DB_SCHEMA_VERSION + 1, &d), DB_INVALID);
    db_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_from_empty_to_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_version_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_version_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_version_7, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_version_11, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_version_12, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_step_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_is_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_target_version, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
