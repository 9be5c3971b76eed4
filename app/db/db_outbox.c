/*
 * The outbox: every change made on this tablet, in order, until the server
 * acknowledges it. An entry is written in the same transaction as its change
 * and gets its idempotency key (change_id) then, once; a retry after a lost
 * reply sends the same key again, so the server can tell a resend from news.
 */
#include "db_int.h"

#include <stdlib.h>
#include <string.h>

int db_outbox_add(db *d, const model_record *rec, const char *entity_id, const char *obs_id,
                  const char *actor_id)
{
    model_id change;
    if (model_id_new(d->sys, change) != 0)
        return db_fail(d, DB_INTERNAL, "The tablet gave no randomness for a new identifier.");
    model_err e;
    char *text = model_record_text(rec, &e);
    if (!text && e.code == MODEL_E_NOMEM)
        return db_fail(d, DB_NOMEM, "Out of memory while queueing a change for sync.");
    if (!text)
        return db_fail(d, DB_INVALID, "The change cannot be queued for sync. %s", e.msg);
    sqlite3_stmt *st = db_stmt(
        d, "INSERT INTO outbox(change_id, entity, entity_id, obs_id,"
           " payload, created_at, actor_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) {
        free(text);
        return DB_INTERNAL;
    }
    db_bind_text(st, 1, change);
    db_bind_text(st, 2, model_entity_name(rec->entity));
    db_bind_text(st, 3, entity_id);
    db_bind_text(st, 4, obs_id);
    db_bind_text(st, 5, text);
    sqlite3_bind_int64(st, 6, d->sys->now_ms(d->sys));
    db_bind_text(st, 7, actor_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    free(text);
    return rc == SQLITE_DONE ? DB_OK : db_sqlite_fail(d, rc, "queueing a change for sync");
}

int db_outbox_count(db *d, int64_t *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM outbox");
    if (!st)
        return DB_INTERNAL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, rc, "counting changes to send");
}

void db_outbox_entries_free(db_outbox_entry *e, int n)
{
    for (int i = 0; e && i < n; i++) {
        free(e[i].payload);
        e[i].payload = NULL;
    }
}

int db_outbox_peek(db *d, int64_t after, int max, db_outbox_entry *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(
        d, "SELECT seq, change_id, entity, entity_id, created_at, payload, actor_id"
           " FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        db_outbox_entry *e = &out[*n];
        memset(e, 0, sizeof *e);
        e->seq = sqlite3_column_int64(st, 0);
        db_col_text(st, 1, e->change_id, sizeof e->change_id);
        db_col_text(st, 2, e->entity, sizeof e->entity);
        db_col_text(st, 3, e->entity_id, sizeof e->entity_id);
        e->created_at = sqlite3_column_int64(st, 4);
        db_col_text(st, 6, e->actor_id, sizeof e->actor_id);
        size_t len = (size_t)sqlite3_column_bytes(st, 5);
        e->payload = malloc(len + 1);
        if (!e->payload) {
            sqlite3_reset(st);
            db_outbox_entries_free(out, *n);
            *n = 0;
            return db_fail(d, DB_NOMEM, "Out of memory while reading changes to send.");
        }
        memcpy(e->payload, sqlite3_column_text(st, 5), len + 1);
        (*n)++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        db_outbox_entries_free(out, *n);
        *n = 0;
        return db_sqlite_fail(d, rc, "reading changes to send");
    }
    return db_ok(d);
}

int db_outbox_ack(db *d, const char *change_id)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM outbox WHERE change_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_sqlite_fail(d, rc, "marking a change as synced");
    /* Acknowledging twice is fine: the server said so twice. */
    return db_ok(d);
}

int db_is_pending(db *d, const char *entity_id, int *pending)
{
    *pending = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT EXISTS(SELECT 1 FROM outbox WHERE entity_id = ?1)"
                                  " OR EXISTS(SELECT 1 FROM outbox WHERE obs_id = ?1)");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *pending = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, rc, "reading sync state");
}

int db_outbox_claim(db *d, int64_t after, int max, db_outbox_entry *out, int *n)
{
    *n = 0;
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    rc = db_outbox_peek(d, after, max, out, n);
    if (rc == DB_OK && *n > 0) {
        sqlite3_stmt *st = db_stmt(d,
                                   "INSERT INTO kv(key, value) VALUES('" DB_KV_SENT_UPTO "', ?1)"
                                   " ON CONFLICT(key) DO UPDATE SET value ="
                                   " max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))");
        if (!st) {
            rc = DB_INTERNAL;
        } else {
            sqlite3_bind_int64(st, 1, out[*n - 1].seq);
            int src = sqlite3_step(st);
            sqlite3_reset(st);
            if (src != SQLITE_DONE)
                rc = db_sqlite_fail(d, src, "marking changes as sent");
        }
    }
    rc = db_end(d, rc);
    if (rc != DB_OK) {
        db_outbox_entries_free(out, *n);
        *n = 0;
    }
    return rc;
}
