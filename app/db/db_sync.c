/*
 * The store's side of sync, shared by its files: running a statement,
 * the key the server knows a change by, and the server versions and
 * copies kept per record. See db_sync.h for the rules each call keeps;
 * the calls live by job in db_sync_apply.c (pulled records),
 * db_sync_delete.c (deletions), db_sync_park.c (records that wait),
 * db_sync_ack.c (the server's answers), db_sync_review.c (conflicts and
 * refused changes) and db_sync_state.c (state, cursors and settings).
 */
#include "db_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "db_sync_int.h"

/* Runs a bound write statement; one step, no rows expected. */
int db_sync_run(db *d, sqlite3_stmt *st, const char *doing)
{
    if (!st)
        return DB_INTERNAL;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? DB_OK : db_sqlite_fail(d, rc, doing);
}

/* 1 if the bound query returns a row, 0 if not, -1 on error (message set). */
int db_sync_exists(db *d, sqlite3_stmt *st, const char *doing)
{
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    db_sqlite_fail(d, rc, doing);
    return -1;
}

/* The key the server knows a change's record by: a rating is named in the
 * outbox by its sign, within its observation. */
void db_sync_change_key(const char *entity, const char *entity_id, const char *obs_id, char *key,
                        size_t cap)
{
    if (!strcmp(entity, "rating"))
        snprintf(key, cap, "%s/%s", obs_id ? obs_id : "", entity_id);
    else
        snprintf(key, cap, "%s", entity_id);
}

int db_sync_version_put(db *d, const char *entity, const char *key, int version)
{
    sqlite3_stmt *st = db_stmt(d,
                               "INSERT INTO sync_version(entity, key, version) VALUES(?1, ?2, ?3)"
                               " ON CONFLICT(entity, key) DO UPDATE SET"
                               " version = max(version, excluded.version)");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity);
    db_bind_text(st, 2, key);
    sqlite3_bind_int(st, 3, version);
    return db_sync_run(d, st, "remembering a server version");
}

int db_sync_remote_drop(db *d, const char *entity, const char *key, int upto)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM sync_remote WHERE entity = ?1 AND key = ?2"
                                  " AND version <= ?3");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity);
    db_bind_text(st, 2, key);
    sqlite3_bind_int(st, 3, upto);
    return db_sync_run(d, st, "forgetting the server's version");
}

/* Copies a text column into a new malloc'd string; NULL for SQL NULL or
 * when out of memory (*oom set). */
char *db_sync_col_dup(sqlite3_stmt *st, int i, int *oom)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    if (!s)
        return NULL;
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    char *out = malloc(n + 1);
    if (!out) {
        *oom = 1;
        return NULL;
    }
    memcpy(out, s, n + 1);
    return out;
}

/* Keeps a pulled record's text (the model's codec) in sync_remote (beside
 * local changes) or sync_park (waiting for its parent); a newer version
 * replaces an older one, never the other way round. */
int db_sync_keep(db *d, const char *table, const model_record *rec, const char *key, int version)
{
    static const char *const sql[2] = {
        "INSERT INTO sync_remote(entity, key, version, data) VALUES(?1, ?2, ?3, ?4)"
        " ON CONFLICT(entity, key) DO UPDATE SET version = excluded.version,"
        " data = excluded.data WHERE excluded.version >= version",
        "INSERT INTO sync_park(entity, key, version, data) VALUES(?1, ?2, ?3, ?4)"
        " ON CONFLICT(entity, key) DO UPDATE SET version = excluded.version,"
        " data = excluded.data WHERE excluded.version >= version"};
    int park = !strcmp(table, "sync_park");
    d->sync_quiet = 0;
    model_err e;
    char *text = model_record_text(rec, &e);
    if (!text)
        return db_fail(d, e.code == MODEL_E_NOMEM ? DB_NOMEM : DB_INVALID,
                       "A pulled record cannot be kept: %s", e.msg);
    sqlite3_stmt *st = db_stmt(d, sql[park]);
    if (st) {
        db_bind_text(st, 1, model_entity_name(rec->entity));
        db_bind_text(st, 2, key);
        sqlite3_bind_int(st, 3, version);
        db_bind_text(st, 4, text);
    }
    int rc = db_sync_run(
        d, st, park ? "keeping a record that arrived early" : "keeping the server's version");
    free(text);
    return rc;
}
