/* Typed state that survives a restart: drafts in their own table (moved out
 * of kv by schema step 6, erased with their observation whatever the
 * field), the enrolment, and the app's settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sync.h"
#include "dbfix.h"

#define MISSING "0b11c000-0000-4000-8000-0000000000ee"

/* The kv prefixes drafts had before step 6, with the fields they became. */
static const struct {
    const char *prefix;
    db_draft_field field;
} old_keys[] = {
    {"note.", DB_DRAFT_NOTE},         {"skip.", DB_DRAFT_SKIPPED},
    {"fb.works.", DB_DRAFT_FB_WORKS}, {"fb.wonder.", DB_DRAFT_FB_WONDER},
    {"fb.next.", DB_DRAFT_FB_NEXT},   {"re.text.", DB_DRAFT_RE_TEXT},
    {"re.next.", DB_DRAFT_RE_NEXT},
};
#define N_OLD (int)(sizeof old_keys / sizeof old_keys[0])

/* A file left by the version before: drafts under kv keys, one of them for
 * an observation no longer there, and settings that are not drafts. After
 * the upgrade every draft is in the draft table under its field, the
 * orphan is gone, and the settings stay in kv. */
static void test_migrate_drafts_from_5(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "state-migrate", 0), 0);
    db_close(f.d);
    /* A new file, made as the version before made it. */
    char side[1200];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(side, sizeof side, "%s%s", f.path, suffix[i]);
        remove(side);
    }
    assert_int_equal(db_open_at(f.path, f.sys, 5, &f.d), DB_OK);
    char err[256];
    assert_int_equal(demo_load(f.d, err, sizeof err), DB_OK);
    /* Written as the version before wrote it: today's store would write
     * columns that file does not have yet. */
    const char *obs = "0b11c000-0000-4000-8000-0000000000f1";
    assert_int_equal(
        dbfix_exec(f.path,
                   "INSERT INTO observation(id, unit_id, focus_id, focus_version, template_id,"
                   " template_version, observer_id, observee_id, room_id, activity, context,"
                   " agreement, started_at, ended_at, status, revision, updated_at) SELECT"
                   " '0b11c000-0000-4000-8000-0000000000f1', '" DEMO_UNIT_ID "', id, version,"
                   " template_id, 1, '" FIX_PEER_A "', '" FIX_PEER_B "', '" FIX_ROOM "',"
                   " 'Samling', '{}', 1, 1, 0, 0, 1, 1 FROM focus WHERE id = '" FIX_FOCUS "'"
                   " ORDER BY version LIMIT 1"),
        0);
    assert_int_equal(dbfix_count(f.path, "observation"), 1);
    char key[96], val[64];
    for (int i = 0; i < N_OLD; i++) {
        snprintf(key, sizeof key, "%s%s", old_keys[i].prefix, obs);
        snprintf(val, sizeof val, "words %d æøå", i);
        assert_int_equal(db_kv_put(f.d, key, val), DB_OK);
    }
    assert_int_equal(db_kv_put(f.d, "note." MISSING, "orphan"), DB_OK);
    assert_int_equal(db_kv_put(f.d, "ui.lang", "en"), DB_OK);
    snprintf(key, sizeof key, "place.%s", FIX_PEER_A);
    assert_int_equal(db_kv_put(f.d, key, "observe x"), DB_OK);
    db_close(f.d);
    assert_int_equal(dbfix_count(f.path, "sqlite_schema WHERE name = 'draft'"), 0);

    assert_int_equal(db_open(f.path, f.sys, &f.d), DB_OK);
    assert_int_equal(db_schema_version(f.d), DB_SCHEMA_VERSION);
    char got[64], want[64];
    for (int i = 0; i < N_OLD; i++) {
        snprintf(want, sizeof want, "words %d æøå", i);
        assert_int_equal(db_draft_get(f.d, obs, old_keys[i].field, got, sizeof got), DB_OK);
        assert_string_equal(got, want);
    }
    assert_int_equal(dbfix_count(f.path, "draft"), N_OLD);
    assert_int_equal(dbfix_count(f.path, "kv WHERE key LIKE 'note.%' OR key LIKE 'skip.%'"
                                         " OR key LIKE 'fb.%' OR key LIKE 're.%'"),
                     0);
    assert_int_equal(db_kv_get(f.d, "ui.lang", got, sizeof got), DB_OK);
    assert_string_equal(got, "en");
    assert_int_equal(db_kv_get(f.d, key, got, sizeof got), DB_OK);
    assert_int_equal(db_check(f.d), DB_OK);
    dbfix_close(&f);
}

/* Puts a draft of every field there is, for obs. */
static void draft_every_field(dbfix *f, const char *obs)
{
    for (int i = 0; i < DB_DRAFT_FIELDS; i++) {
        char text[32];
        snprintf(text, sizeof text, "field %d", i);
        assert_int_equal(db_draft_put(f->d, obs, (db_draft_field)i, text), DB_OK);
    }
}

/* No draft of any field is left for obs, and none at all in the file. */
static void no_drafts_left(dbfix *f, const char *obs)
{
    char got[32];
    for (int i = 0; i < DB_DRAFT_FIELDS; i++)
        assert_int_equal(db_draft_get(f->d, obs, (db_draft_field)i, got, sizeof got), DB_NOTFOUND);
    assert_int_equal(dbfix_count(f->path, "draft"), 0);
}

/* Every field's draft goes when its observation goes: deleted by the
 * server, with its person, or by retention. Iterating all fields means a
 * field added later is checked too. */
static void test_drafts_go_with_observation(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "state-erase", 1), 0);
    model_id a, b;
    assert_int_equal(dbfix_start(&f, a), DB_OK);
    assert_int_equal(dbfix_start(&f, b), DB_OK);
    draft_every_field(&f, a);
    draft_every_field(&f, b);
    assert_int_equal(dbfix_count(f.path, "draft"), 2 * DB_DRAFT_FIELDS);
    assert_int_equal(db_sync_delete(f.d, "observation", a), DB_OK);
    char where[128];
    snprintf(where, sizeof where, "draft WHERE observation_id = '%s'", b);
    assert_int_equal(dbfix_count(f.path, where), DB_DRAFT_FIELDS);
    assert_int_equal(db_sync_delete(f.d, "person", FIX_PEER_B), DB_OK);
    no_drafts_left(&f, a);
    no_drafts_left(&f, b);
    dbfix_close(&f);
}

/* Put, read, replace, clear; bad input changes nothing and says why. */
static void test_draft_calls(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "state-draft", 1), 0);
    model_id obs;
    assert_int_equal(dbfix_start(&f, obs), DB_OK);
    char got[16] = "x";
    assert_int_equal(db_draft_get(f.d, obs, DB_DRAFT_NOTE, got, sizeof got), DB_NOTFOUND);
    assert_string_equal(got, "");
    assert_int_equal(db_draft_put(f.d, obs, DB_DRAFT_NOTE, "først"), DB_OK);
    assert_int_equal(db_draft_put(f.d, obs, DB_DRAFT_NOTE, ""), DB_OK);
    assert_int_equal(db_draft_get(f.d, obs, DB_DRAFT_NOTE, got, sizeof got), DB_OK);
    assert_string_equal(got, "");
    assert_int_equal(db_draft_put(f.d, obs, DB_DRAFT_NOTE, "anden"), DB_OK);
    assert_int_equal(db_draft_get(f.d, obs, DB_DRAFT_NOTE, got, sizeof got), DB_OK);
    assert_string_equal(got, "anden");

    assert_int_equal(db_draft_put(f.d, obs, DB_DRAFT_FIELDS, "x"), DB_INVALID);
    assert_non_null(strstr(db_errmsg(f.d), "draft field"));
    assert_int_equal(db_draft_put(f.d, obs, (db_draft_field)-1, "x"), DB_INVALID);
    assert_int_equal(db_draft_put(f.d, obs, DB_DRAFT_NOTE, "bad \xC3"), DB_INVALID);
    assert_int_equal(db_draft_put(f.d, obs, DB_DRAFT_NOTE, NULL), DB_INVALID);
    assert_int_equal(db_draft_put(f.d, "not an id", DB_DRAFT_NOTE, "x"), DB_INVALID);
    assert_int_equal(db_draft_put(f.d, MISSING, DB_DRAFT_NOTE, "x"), DB_NOTFOUND);
    char *big = malloc(MODEL_TEXT_MAX + 2);
    assert_non_null(big);
    memset(big, 'a', MODEL_TEXT_MAX + 1);
    big[MODEL_TEXT_MAX + 1] = '\0';
    assert_int_equal(db_draft_put(f.d, obs, DB_DRAFT_NOTE, big), DB_INVALID);
    big[MODEL_TEXT_MAX] = '\0';
    assert_int_equal(db_draft_put(f.d, obs, DB_DRAFT_RE_TEXT, big), DB_OK);
    assert_int_equal(db_draft_get(f.d, obs, DB_DRAFT_RE_TEXT, got, sizeof got), DB_INVALID);
    free(big);
    assert_int_equal(db_draft_get(f.d, obs, DB_DRAFT_NOTE, got, sizeof got), DB_OK);
    assert_string_equal(got, "anden");
    assert_int_equal(dbfix_count(f.path, "draft"), 2);

    assert_int_equal(db_draft_clear(f.d, obs, DB_DRAFT_NOTE), DB_OK);
    assert_int_equal(db_draft_clear(f.d, obs, DB_DRAFT_NOTE), DB_OK);
    assert_int_equal(db_draft_get(f.d, obs, DB_DRAFT_NOTE, got, sizeof got), DB_NOTFOUND);
    assert_int_equal(dbfix_count(f.path, "draft"), 1);
    dbfix_close(&f);
}

/* The enrolment as one record: none at first, an incomplete one refused,
 * then read back whole with its CA; the tablet's unit, the noted address
 * and the app's settings keep their values and refuse nonsense. */
static void test_enrolment_and_settings(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(dbfix_open(&f, "state-enrol", 1), 0);
    db_enrolment e;
    assert_int_equal(db_enrolled(f.d), 0);
    assert_int_equal(db_enrolment_get(f.d, &e), DB_NOTFOUND);
    assert_string_equal(e.server_url, "");

    db_enrolment in = {.server_url = "https://blik.example.dk",
                       .device_id = "dev-1",
                       .device_secret = "s3cret",
                       .unit_id = DEMO_UNIT_ID,
                       .pin = "sha256//abc="};
    db_enrolment half = in;
    half.device_secret[0] = '\0';
    assert_int_equal(db_enrolment_put(f.d, &half, NULL), DB_INVALID);
    assert_int_equal(db_enrolled(f.d), 0);
    assert_int_equal(dbfix_count(f.path, "sync_config"), 0);
    assert_int_equal(db_enrolment_put(f.d, &in, "-----BEGIN CERTIFICATE-----\nx\n"), DB_OK);
    assert_int_equal(db_enrolled(f.d), 1);
    assert_int_equal(db_enrolment_get(f.d, &e), DB_OK);
    assert_memory_equal(&e, &in, sizeof e);
    char ca[64];
    assert_int_equal(db_enrolment_ca(f.d, ca, sizeof ca), DB_OK);
    assert_string_equal(ca, "-----BEGIN CERTIFICATE-----\nx\n");
    /* Enrolled again without a CA or pin: none is kept. */
    in.pin[0] = '\0';
    assert_int_equal(db_enrolment_put(f.d, &in, NULL), DB_OK);
    assert_int_equal(db_enrolment_get(f.d, &e), DB_OK);
    assert_string_equal(e.pin, "");
    assert_int_equal(db_enrolment_ca(f.d, ca, sizeof ca), DB_OK);
    assert_string_equal(ca, "");

    model_id unit;
    assert_int_equal(db_device_unit_get(f.d, unit), DB_NOTFOUND);
    assert_int_equal(db_device_unit_put(f.d, "no id"), DB_INVALID);
    assert_int_equal(db_device_unit_put(f.d, DEMO_UNIT_ID), DB_OK);
    assert_int_equal(db_device_unit_get(f.d, unit), DB_OK);
    assert_string_equal(unit, DEMO_UNIT_ID);

    char url[64];
    assert_int_equal(db_server_note_get(f.d, url, sizeof url), DB_NOTFOUND);
    assert_int_equal(db_server_note_put(f.d, "https://ny.example.dk"), DB_OK);
    assert_int_equal(db_server_note_get(f.d, url, sizeof url), DB_OK);
    assert_string_equal(url, "https://ny.example.dk");

    char lang[3];
    assert_int_equal(db_ui_lang_get(f.d, lang), DB_NOTFOUND);
    assert_int_equal(db_ui_lang_put(f.d, "fr"), DB_INVALID);
    assert_int_equal(db_ui_lang_put(f.d, "en"), DB_OK);
    assert_int_equal(db_ui_lang_get(f.d, lang), DB_OK);
    assert_string_equal(lang, "en");
    int minutes = -1;
    assert_int_equal(db_ui_lock_minutes_get(f.d, &minutes), DB_NOTFOUND);
    assert_int_equal(minutes, 0);
    assert_int_equal(db_ui_lock_minutes_put(f.d, 0), DB_INVALID);
    assert_int_equal(db_ui_lock_minutes_put(f.d, 15), DB_OK);
    assert_int_equal(db_ui_lock_minutes_get(f.d, &minutes), DB_OK);
    assert_int_equal(minutes, 15);
    dbfix_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_drafts_from_5),
        cmocka_unit_test(test_drafts_go_with_observation),
        cmocka_unit_test(test_draft_calls),
        cmocka_unit_test(test_enrolment_and_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
