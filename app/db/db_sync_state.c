/*
 * Sync state for the screens and the engine: per-record state and counts,
 * pull cursors and the people pulled for, and the enrolment settings.
 */
#include "db_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "db_sync_int.h"

/* ---- state ---- */

int db_sync_state_of(db *d, const char *entity_id, db_sync_state *state)
{
    *state = DB_SYNC_SYNCED;
    sqlite3_stmt *st = db_stmt(d,
                               "SELECT 1 FROM sync_rejected WHERE entity_id = ?1 OR obs_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity_id);
    int e = db_sync_exists(d, st, "reading sync state");
    if (e < 0)
        return DB_INTERNAL;
    if (e) {
        *state = DB_SYNC_REJECTED;
        return db_ok(d);
    }
    st = db_stmt(d, "SELECT 1 FROM sync_conflict WHERE entity_id = ?1 OR obs_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity_id);
    if ((e = db_sync_exists(d, st, "reading sync state")) < 0)
        return DB_INTERNAL;
    if (e) {
        *state = DB_SYNC_CONFLICT;
        return db_ok(d);
    }
    int pending = 0;
    int rc = db_is_pending(d, entity_id, &pending);
    if (rc == DB_OK && pending)
        *state = DB_SYNC_SAVED;
    return rc;
}

int db_sync_count(db *d, db_sync_counts *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, "SELECT (SELECT count(*) FROM outbox),"
                                  " (SELECT count(*) FROM sync_conflict),"
                                  " (SELECT count(*) FROM sync_rejected),"
                                  " (SELECT count(*) FROM sync_park),"
                                  " (SELECT count(DISTINCT obs_id) FROM outbox"
                                  "  WHERE obs_id IS NOT NULL)");
    if (!st)
        return DB_INTERNAL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->waiting = sqlite3_column_int64(st, 0);
        out->conflicts = sqlite3_column_int64(st, 1);
        out->rejected = sqlite3_column_int64(st, 2);
        out->parked = sqlite3_column_int64(st, 3);
        out->waiting_obs = sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, rc, "counting sync state");
}

/* ---- cursors and the people pulled for ---- */

int db_sync_cursor_get(db *d, const char *person_id, int64_t *cursor)
{
    *cursor = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT cursor FROM sync_follow WHERE person_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, person_id ? person_id : "");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *cursor = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? db_ok(d)
                                                 : db_sqlite_fail(d, rc, "reading a pull cursor");
}

int db_sync_cursor_put(db *d, const char *person_id, int64_t cursor)
{
    if (cursor < 0)
        return db_fail(d, DB_INVALID, "A pull cursor cannot be negative.");
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_follow(person_id, cursor) VALUES(?1, ?2)"
                                  " ON CONFLICT(person_id) DO UPDATE SET cursor = excluded.cursor");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, person_id ? person_id : "");
    sqlite3_bind_int64(st, 2, cursor);
    int rc = db_sync_run(d, st, "saving a pull cursor");
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_pull_schema(db *d, int schema)
{
    char v[16];
    int rc = db_kv_get(d, DB_KV_PULL_SCHEMA, v, sizeof v);
    if (rc != DB_OK && rc != DB_NOTFOUND)
        return rc;
    int had = rc == DB_OK ? atoi(v) : 1;
    if (had >= schema)
        return db_ok(d);
    if ((rc = db_begin(d)) != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "UPDATE sync_follow SET cursor = 0");
    rc = st ? db_sync_run(d, st, "starting the pulls again") : DB_INTERNAL;
    snprintf(v, sizeof v, "%d", schema);
    if (rc == DB_OK)
        rc = db_kv_put(d, DB_KV_PULL_SCHEMA, v);
    return db_end(d, rc);
}

int db_sync_follow(db *d, const char *person_id)
{
    char err[160];
    if (model_id_check(person_id, "The person", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_follow(person_id, cursor) VALUES(?1, 0)"
                                  " ON CONFLICT(person_id) DO NOTHING");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, person_id);
    int rc = db_sync_run(d, st, "following a person");
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_followed(db *d, model_id *out, int max, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT person_id FROM sync_follow ORDER BY person_id <> '',"
                                  " person_id LIMIT ?1");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    int rc;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        db_col_text(st, 0, out[(*n)++], sizeof(model_id));
    if (*n >= max)
        rc = SQLITE_DONE;
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, rc, "listing the people pulled for");
}

/* ---- enrolment settings ---- */

int db_sync_config_put(db *d, const char *key, const char *value)
{
    char err[160];
    if (model_name_check(key, 64, "The setting's name", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    if (!value || strlen(value) > DB_SYNC_CONFIG_MAX)
        return db_fail(d, DB_INVALID, "The setting %s is too long.", key);
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_config(key, value) VALUES(?1, ?2)"
                                  " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, key);
    db_bind_text(st, 2, value);
    int rc = db_sync_run(d, st, "saving a sync setting");
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_config_get(db *d, const char *key, char *out, size_t cap)
{
    out[0] = '\0';
    sqlite3_stmt *st = db_stmt(d, "SELECT value FROM sync_config WHERE key = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, key);
    char what[96];
    snprintf(what, sizeof what, "sync setting %.64s", key);
    return db_get_text(d, st, what, out, cap);
}
