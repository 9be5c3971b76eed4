/* Bad input and a refusing disk: each gets a clear message, and nothing that
 * was stored before is lost or half-written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dbfix.h"
#include "faultvfs.h"
#include "tsupport.h"

static int setup(void **state)
{
    dbfix *f = calloc(1, sizeof *f);
    if (!f || dbfix_open(f, "badinput", 1) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    faultvfs_fail_writes(0, 0);
    faultvfs_fail_syncs(0, 0);
    dbfix_close(*state);
    free(*state);
    return 0;
}

static void test_invalid_template(void **state)
{
    dbfix *f = *state;
    long before = dbfix_count(f->path, "template");
    const char *bad = "{\"id\":\"0b11c000-0000-4000-8000-0000000000aa\",\"unit_id\":\"" DEMO_UNIT_ID
                      "\",\"version\":1,\"name\":\"X\",\"scale\":[\"a\",\"b\"],"
                      "\"counters\":[{\"key\":\"a\",\"label\":\"A\",\"colour\":\"red\"}],"
                      "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}";
    assert_int_equal(db_template_put_json(f->d, bad, strlen(bad)), DB_INVALID);
    assert_string_equal(db_errmsg(f->d),
                        "Template counters entry 1 has an unknown field \"colour\".");
    assert_int_equal(db_template_put_json(f->d, "{\"id\":", 6), DB_INVALID);
    assert_non_null(strstr(db_errmsg(f->d), "not valid JSON"));
    /* A template for a unit the tablet does not have. */
    const char *other =
        "{\"id\":\"0b11c000-0000-4000-8000-0000000000aa\",\"unit_id\":"
        "\"0b11c000-0000-4000-8000-0000000000bb\",\"version\":1,\"name\":\"X\","
        "\"scale\":[\"a\",\"b\"],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}";
    assert_int_equal(db_template_put_json(f->d, other, strlen(other)), DB_NOTFOUND);
    assert_int_equal(dbfix_count(f->path, "template"), before);
}

/* A page cache out of its bounds is refused with a sentence and changes
 * nothing; one within them is taken. */
static void test_page_cache_bounds(void **state)
{
    dbfix *f = *state;
    assert_int_equal(db_page_cache_set(f->d, 1), DB_INVALID);
    assert_string_equal(db_errmsg(f->d), "A page cache is 64 KiB to 256 MiB, not 1 KiB.");
    assert_int_equal(db_page_cache_set(f->d, 300000), DB_INVALID);
    assert_int_equal(db_page_cache_set(f->d, 16384), DB_OK);
    assert_string_equal(db_errmsg(f->d), "");
}

static void test_overlong_and_invalid_text(void **state)
{
    dbfix *f = *state;
    model_id obs;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    long notes = dbfix_count(f->path, "note"), out = dbfix_count(f->path, "outbox");
    char *big = malloc(MODEL_TEXT_MAX + 2);
    memset(big, 'a', MODEL_TEXT_MAX + 1);
    big[MODEL_TEXT_MAX + 1] = 0;
    assert_int_equal(db_obs_note(f->d, obs, FIX_PEER_A, big, NULL, NULL), DB_INVALID);
    assert_string_equal(db_errmsg(f->d), "The note is too long: 4001 bytes, at most 4000.");
    big[MODEL_TEXT_MAX] = 0; /* exactly at the cap is fine */
    assert_int_equal(db_obs_note(f->d, obs, FIX_PEER_A, big, NULL, NULL), DB_OK);
    free(big);
    assert_int_equal(db_obs_note(f->d, obs, FIX_PEER_A,
                                 "bl\xe5"
                                 "b\xe6"
                                 "r",
                                 NULL, NULL),
                     DB_INVALID);
    assert_non_null(strstr(db_errmsg(f->d), "not valid UTF-8"));
    assert_int_equal(db_obs_update(f->d, obs, FIX_PEER_A, "S\xc3", NULL), DB_INVALID);
    assert_int_equal(db_feedback_put(f->d, obs, FIX_PEER_A, "ok", "\xed\xa0\x80", "", 0),
                     DB_INVALID);
    assert_string_equal(db_errmsg(f->d), "Wonderings is not valid UTF-8 text (byte 0).");
    model_person p = {.id = "0b11c000-0000-4000-8000-0000000000cc",
                      .unit_id = DEMO_UNIT_ID,
                      .name = "Bo\x01",
                      .active = 1};
    assert_int_equal(db_person_put(f->d, &p), DB_INVALID);
    assert_int_equal(dbfix_count(f->path, "note"), notes + 1);
    assert_int_equal(dbfix_count(f->path, "outbox"), out + 1);
    assert_int_equal(dbfix_count(f->path, "feedback"), 0);
}

static void read_all(const char *path, unsigned char **buf, long *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    *buf = malloc((size_t)*len + 1);
    assert_int_equal(fread(*buf, 1, (size_t)*len, fp), (size_t)*len);
    fclose(fp);
}

/* Opens path, expects rc, and checks that the file's bytes did not change. */
static void expect_refused_untouched(const char *path, int want, const char *msg)
{
    unsigned char *before, *after;
    long nb, na;
    struct stat st0, st1;
    assert_int_equal(stat(path, &st0), 0);
    read_all(path, &before, &nb);
    plat_sys *sys = plat_fake_new(FIX_T0, 1);
    db *d;
    assert_int_equal(db_open(path, sys, &d), want);
    assert_non_null(strstr(db_errmsg(d), msg));
    db_close(d);
    plat_fake_free(sys);
    read_all(path, &after, &na);
    assert_int_equal(stat(path, &st1), 0);
    assert_int_equal(st1.st_mode, st0.st_mode); /* not even its rights */
    assert_int_equal(na, nb);
    assert_memory_equal(before, after, (size_t)nb);
    free(before);
    free(after);
}

static void test_garbage_foreign_and_newer_files(void **state)
{
    dbfix *f = *state;
    char path[1200];
    unsigned char junk[8192];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 131 + 7);
    tsupport_path(path, sizeof path, f->dir, "garbage.db");
    assert_int_equal(tsupport_write_file(path, junk, sizeof junk), 0);
    expect_refused_untouched(path, DB_CORRUPT, "not a database");

    tsupport_path(path, sizeof path, f->dir, "foreign.db");
    assert_int_equal(dbfix_exec(path, "CREATE TABLE customers(id, name);"
                                      "INSERT INTO customers VALUES(1, 'Hansen')"),
                     0);
    expect_refused_untouched(path, DB_FOREIGN, "another program");

    tsupport_path(path, sizeof path, f->dir, "newer.db");
    assert_int_equal(dbfix_exec(path,
                                "PRAGMA application_id = 1114401131; PRAGMA user_version = 99;"
                                "CREATE TABLE future(x)"),
                     0);
    expect_refused_untouched(path, DB_TOO_NEW, "newer Blik");
}

/* Damage inside a Blik file: the check names it, reads fail with a message
 * instead of crashing. */
static void test_damaged_pages(void **state)
{
    dbfix *f = *state;
    model_id obs;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    for (int i = 0; i < 300; i++)
        assert_int_equal(db_obs_note(f->d, obs, FIX_PEER_A,
                                     "En længere note om samlingen, der "
                                     "fylder lidt, så filen får flere sider.",
                                     NULL, NULL),
                         DB_OK);
    db_close(f->d);
    f->d = NULL;
    assert_int_equal(dbfix_exec(f->path, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    unsigned char junk[4096];
    memset(junk, 0xA5, sizeof junk);
    for (long page = 3; page < 40; page += 2) {
        fseek(fp, page * 4096, SEEK_SET);
        fwrite(junk, 1, sizeof junk, fp);
    }
    fclose(fp);
    int rc = db_open(f->path, f->sys, &f->d);
    if (rc == DB_OK) {
        assert_int_equal(db_check(f->d), DB_CORRUPT);
        assert_non_null(strstr(db_errmsg(f->d), "damaged"));
    } else {
        assert_int_equal(rc, DB_CORRUPT);
    }
}

/* The disk fills up in the middle of an observation: the tap is refused
 * with words a person understands, the taps before it are all there, and
 * once there is room again the next tap is saved. */
static void test_full_disk(void **state)
{
    dbfix *f = *state;
    model_id obs;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL),
                         DB_OK);
    long out = dbfix_count(f->path, "outbox");
    int refused = faultvfs_refused();
    faultvfs_fail_writes(0, SQLITE_FULL);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_IO);
    assert_non_null(strstr(db_errmsg(f->d), "storage is full"));
    assert_int_equal(db_obs_note(f->d, obs, FIX_PEER_A, "Note", NULL, NULL), DB_IO);
    assert_true(faultvfs_refused() > refused);
    faultvfs_fail_writes(0, 0);
    assert_int_equal(dbfix_count(f->path, "event"), 5);
    assert_int_equal(dbfix_count(f->path, "note"), 0);
    assert_int_equal(dbfix_count(f->path, "outbox"), out);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    db_close(f->d);
    assert_int_equal(db_open(f->path, f->sys, &f->d), DB_OK);
    assert_int_equal(db_check(f->d), DB_OK);
    assert_int_equal(dbfix_count(f->path, "event"), 6);
    assert_int_equal(dbfix_count(f->path, "outbox"), out + 1);
}

/* A write that fails part-way through a transaction, and a sync that fails
 * at commit: the action is reported failed, and nothing of it stays. */
static void test_failing_write_and_sync(void **state)
{
    dbfix *f = *state;
    model_id obs;
    assert_int_equal(dbfix_start(f, obs), DB_OK);
    assert_int_equal(db_obs_event(f->d, obs, FIX_PEER_A, MODEL_EV_STATE_START, "waiting", NULL),
                     DB_OK);
    long events = dbfix_count(f->path, "event"), out = dbfix_count(f->path, "outbox");

    faultvfs_fail_writes(1, SQLITE_IOERR_WRITE); /* the second page of the commit fails */
    assert_int_equal(db_obs_finish(f->d, obs, FIX_PEER_A), DB_IO);
    assert_non_null(strstr(db_errmsg(f->d), "storage refused"));
    faultvfs_fail_writes(0, 0);
    faultvfs_fail_syncs(0, SQLITE_IOERR_FSYNC);
    assert_int_equal(db_obs_finish(f->d, obs, FIX_PEER_A), DB_IO);
    faultvfs_fail_syncs(0, 0);

    model_observation o;
    assert_int_equal(db_obs_get(f->d, obs, &o), DB_OK);
    assert_int_equal(o.status, MODEL_OBS_DRAFT);
    assert_int_equal(dbfix_count(f->path, "event"), events);
    assert_int_equal(dbfix_count(f->path, "outbox"), out);
    /* The handle recovers: the same action now goes through whole. */
    assert_int_equal(db_obs_finish(f->d, obs, FIX_PEER_A), DB_OK);
    db_close(f->d);
    assert_int_equal(db_open(f->path, f->sys, &f->d), DB_OK);
    assert_int_equal(db_check(f->d), DB_OK);
    assert_int_equal(db_obs_get(f->d, obs, &o), DB_OK);
    assert_int_equal(o.status, MODEL_OBS_FINISHED);
    assert_int_equal(dbfix_count(f->path, "event"), events + 1); /* the automatic stop */
    assert_int_equal(dbfix_count(f->path, "outbox"), out + 2);   /* stop + header */
}

/* A batch begun unsynced commits without a sync, and only it: with every
 * sync refused, it is saved, while the change after it is refused as
 * before and leaves nothing. What it saved survives closing the store. */
static void test_unsynced_batch(void **state)
{
    dbfix *f = *state;
    model_id a, b;
    assert_int_equal(dbfix_start(f, a), DB_OK);
    long obs = dbfix_count(f->path, "observation");
    faultvfs_fail_syncs(0, SQLITE_IOERR_FSYNC);
    assert_int_equal(db_batch_begin_unsynced(f->d), DB_OK);
    assert_int_equal(db_batch_begin_unsynced(f->d), DB_OK); /* nested: the same batch */
    assert_int_equal(db_obs_event(f->d, a, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    assert_int_equal(db_batch_end(f->d, 1), DB_OK);
    assert_int_equal(db_obs_event(f->d, a, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    assert_int_equal(db_batch_end(f->d, 1), DB_OK);
    assert_int_equal(dbfix_count(f->path, "event"), 2);
    /* Synced again: the next change needs its sync, and is refused. */
    assert_int_equal(dbfix_start(f, b), DB_IO);
    assert_int_equal(dbfix_count(f->path, "observation"), obs);
    /* A batch rolled back leaves syncing on too. */
    assert_int_equal(db_batch_begin_unsynced(f->d), DB_OK);
    assert_int_equal(db_obs_event(f->d, a, FIX_PEER_A, MODEL_EV_COUNT, "open_q", NULL), DB_OK);
    assert_int_equal(db_batch_end(f->d, 0), DB_OK);
    assert_int_equal(dbfix_start(f, b), DB_IO);
    faultvfs_fail_syncs(0, 0);
    db_close(f->d);
    assert_int_equal(db_open(f->path, f->sys, &f->d), DB_OK);
    assert_int_equal(db_check(f->d), DB_OK);
    assert_int_equal(dbfix_count(f->path, "event"), 2);
    assert_int_equal(dbfix_count(f->path, "observation"), obs);
}

int main(void)
{
    faultvfs_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_invalid_template, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_cache_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlong_and_invalid_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_foreign_and_newer_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_write_and_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsynced_batch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
