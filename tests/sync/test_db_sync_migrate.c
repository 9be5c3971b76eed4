/*
 * Schema step 4 (sync's tables): a store left at version 3 with changes
 * queued is upgraded with its queue intact, each queued change made on no
 * server version (0), reference data pulled from cursor 0; and from then on
 * a new change remembers the server version its record had.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "db_sync.h"
#include "dbfix.h"

static dbfix F;

static int setup(void **state)
{
    (void)state;
    return dbfix_open(&F, "sync_migrate", 0);
}

static int teardown(void **state)
{
    (void)state;
    dbfix_close(&F);
    return 0;
}

static void test_from_version_3(void **state)
{
    (void)state;
    /* A file of its own, made by a Blik at version 3. */
    db_close(F.d);
    F.d = NULL;
    snprintf(F.path, sizeof F.path, "%s/v3.db", F.dir);
    char err[256];
    db *d;
    assert_int_equal(db_open_at(F.path, F.sys, 3, &d), DB_OK);
    assert_int_equal(demo_load(d, err, sizeof err), DB_OK);
    db_close(d);
    F.d = NULL;
    assert_int_equal(dbfix_count(F.path, "sqlite_schema WHERE name = 'sync_version'"), 0);
    assert_int_equal(
        dbfix_exec(F.path, "INSERT INTO observation(id, unit_id, focus_id, focus_version,"
                           " template_id, template_version, observer_id, observee_id, room_id,"
                           " activity, context, agreement, started_at, ended_at, status,"
                           " revision, updated_at) SELECT '0b11c000-0000-4000-8000-0000000000f1',"
                           " unit_id, id, version, template_id, 1, '" FIX_PEER_A "', '" FIX_PEER_B
                           "', '" FIX_ROOM "', 'Samling', '{}', 1, 1, 0, 0, 1, 1"
                           " FROM focus WHERE id = '" FIX_FOCUS "';"
                           "INSERT INTO outbox(change_id, entity, entity_id, obs_id, payload,"
                           " created_at, actor_id) VALUES('0b11c000-0000-4000-8000-0000000000e1',"
                           " 'observation', '0b11c000-0000-4000-8000-0000000000f1',"
                           " '0b11c000-0000-4000-8000-0000000000f1', '{}', 1, '" FIX_PEER_A "')"),
        0);
    assert_int_equal(db_open(F.path, F.sys, &F.d), DB_OK);
    assert_int_equal(db_schema_version(F.d), DB_SCHEMA_VERSION);
    int64_t n;
    assert_int_equal(db_outbox_count(F.d, &n), DB_OK);
    assert_int_equal(n, 1);
    db_outbox_entry e[2];
    int k;
    assert_int_equal(db_outbox_peek(F.d, 0, 2, e, &k), DB_OK);
    assert_int_equal(k, 1);
    assert_string_equal(e[0].change_id, "0b11c000-0000-4000-8000-0000000000e1");
    assert_int_equal(e[0].base_version, 0);
    db_outbox_entries_free(e, k);
    int64_t cursor = -1;
    assert_int_equal(db_sync_cursor_get(F.d, "", &cursor), DB_OK);
    assert_int_equal(cursor, 0);
    model_id people[4];
    assert_int_equal(db_sync_followed(F.d, people, 4, &k), DB_OK);
    assert_int_equal(k, 1);
    assert_string_equal(people[0], "");

    /* The server acknowledges it at version 3; the next edit is made on 3. */
    assert_int_equal(
        db_sync_ack(F.d, "0b11c000-0000-4000-8000-0000000000e1", DB_SYNC_ACK_STORED, 3, "", ""),
        DB_OK);
    assert_int_equal(
        db_obs_update(F.d, "0b11c000-0000-4000-8000-0000000000f1", FIX_PEER_A, "Frokost", NULL),
        DB_OK);
    assert_int_equal(db_outbox_peek(F.d, 0, 2, e, &k), DB_OK);
    assert_int_equal(k, 1);
    assert_int_equal(e[0].base_version, 3);
    db_outbox_entries_free(e, k);
}

/* A current file has the sync tables. */
static void test_version_4_is_current(void **state)
{
    (void)state;
    assert_true(DB_SCHEMA_VERSION >= 4);
    assert_int_equal(db_schema_version(F.d), DB_SCHEMA_VERSION);
    assert_int_equal(dbfix_count(F.path, "sqlite_schema WHERE name IN ('sync_version',"
                                         " 'sync_follow', 'sync_remote', 'sync_park',"
                                         " 'sync_conflict', 'sync_rejected', 'sync_config',"
                                         " 'outbox_base')"),
                     8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_from_version_3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_4_is_current, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
