/*
 * The server's answers to the outbox: stored, kept as a conflict, or
 * refused. An entry leaves the outbox only through an answer.
 */
#include "db_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "db_sync_int.h"

/* ---- acknowledgements ---- */

/* Reads one outbox entry by change id (its seq and base version are not
 * read): 1 found, 0 not, negative rc on error. */
static int outbox_row_get(db *d, const char *change_id, db_outbox_entry *r)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *st = db_stmt(d, "SELECT x.entity, x.entity_id, x.obs_id, x.actor_id,"
                                  " x.created_at, x.payload, " DB_SQL_OUTBOX_EVENT_COLS
                                  " FROM outbox x" DB_SQL_OUTBOX_EVENT_JOIN
                                  " WHERE " DB_SQL_OUTBOX_BY_CHANGE);
    if (!st)
        return -DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    sqlite3_bind_int64(st, 2, db_outbox_seq_of(d, change_id));
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW) {
        /* The id it was sent with, whether kept or made from its seq. */
        model_copy(r->change_id, sizeof r->change_id, change_id);
        db_col_text(st, 0, r->entity, sizeof r->entity);
        db_col_text(st, 1, r->entity_id, sizeof r->entity_id);
        db_col_text(st, 2, r->obs_id, sizeof r->obs_id);
        db_col_text(st, 3, r->actor_id, sizeof r->actor_id);
        r->created_at = sqlite3_column_int64(st, 4);
        r->payload = db_outbox_text(st, 5, &oom);
    }
    sqlite3_reset(st);
    if (oom)
        return -db_fail(d, DB_NOMEM, "Out of memory while reading a change.");
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : -db_sqlite_fail(d, rc, "reading a change");
}

/* What an answer does besides taking its entry out of the outbox: the
 * record's server version kept, or the change kept as a conflict or as
 * refused. r is the entry as it waited; the caller's transaction. */
static int ack_row(db *d, const db_outbox_entry *r, db_sync_ack_kind kind, int version,
                   const char *code, const char *message)
{
    char key[80];
    db_sync_change_key(r->entity, r->entity_id, r->obs_id, key, sizeof key);
    int64_t now = d->sys->now_ms(d->sys);
    int rc = DB_OK;
    sqlite3_stmt *st;
    if (kind == DB_SYNC_ACK_STORED) {
        /* An event is never changed once saved, so no later change is made
         * on its version, and a pulled event keeps none either: not
         * remembering it spares a push a row at a random place of the
         * versions' index for four in five of its changes. What the server
         * knows of the observation shows in the observation's own version,
         * which the server stored before any of its events. */
        if (strcmp(r->entity, model_entity_name(MODEL_ENT_EVENT)) != 0)
            rc = db_sync_version_put(d, r->entity, key, version);
        if (rc == DB_OK)
            rc = db_sync_remote_drop(d, r->entity, key, version);
    } else if (kind == DB_SYNC_ACK_CONFLICT) {
        /* The newest local version of a part is the one a person decides on. */
        st = db_stmt(d, "DELETE FROM sync_conflict WHERE entity = ?1 AND key = ?2");
        if (st) {
            db_bind_text(st, 1, r->entity);
            db_bind_text(st, 2, key);
        }
        rc = db_sync_run(d, st, "recording a conflict");
        d->sync_quiet = 0;
        st = rc == DB_OK ? db_stmt(d, "INSERT INTO sync_conflict(change_id, entity, entity_id,"
                                      " obs_id, key, actor_id, payload, server_version, at)"
                                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                         : NULL;
        if (st) {
            db_bind_text(st, 1, r->change_id);
            db_bind_text(st, 2, r->entity);
            db_bind_text(st, 3, r->entity_id);
            db_bind_text(st, 4, r->obs_id[0] ? r->obs_id : NULL);
            db_bind_text(st, 5, key);
            db_bind_text(st, 6, r->actor_id);
            db_bind_text(st, 7, r->payload);
            sqlite3_bind_int(st, 8, version);
            sqlite3_bind_int64(st, 9, now);
            rc = db_sync_run(d, st, "recording a conflict");
        } else if (rc == DB_OK) {
            rc = DB_INTERNAL;
        }
    } else {
        st = db_stmt(d, "INSERT OR REPLACE INTO sync_rejected(change_id, entity, entity_id, obs_id,"
                        " actor_id, payload, created_at, code, message, at)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        if (st) {
            db_bind_text(st, 1, r->change_id);
            db_bind_text(st, 2, r->entity);
            db_bind_text(st, 3, r->entity_id);
            db_bind_text(st, 4, r->obs_id[0] ? r->obs_id : NULL);
            db_bind_text(st, 5, r->actor_id);
            db_bind_text(st, 6, r->payload);
            sqlite3_bind_int64(st, 7, r->created_at);
            db_bind_text(st, 8, code ? code : "");
            db_bind_text(st, 9, message && *message ? message : "The server refused the change.");
            sqlite3_bind_int64(st, 10, now);
        }
        rc = db_sync_run(d, st, "keeping a refused change");
    }
    return rc;
}

static int ack_in_txn(db *d, const char *change_id, db_sync_ack_kind kind, int version,
                      const char *code, const char *message)
{
    db_outbox_entry r;
    int found = outbox_row_get(d, change_id, &r);
    if (found <= 0)
        return found < 0 ? -found : DB_OK; /* acknowledged before: the answer came twice */
    int rc = ack_row(d, &r, kind, version, code, message);
    free(r.payload);
    if (rc != DB_OK)
        return rc;
    return db_outbox_ack(d, change_id);
}

int db_sync_ack(db *d, const char *change_id, db_sync_ack_kind kind, int version, const char *code,
                const char *message)
{
    if (!change_id || version < 0 || kind > DB_SYNC_ACK_REJECTED)
        return db_fail(d, DB_INVALID, "An acknowledgement needs a change id and a version.");
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    return db_end(d, ack_in_txn(d, change_id, kind, version, code, message));
}

/* The entry is taken out by its seq first, which also tells whether it
 * still waited: a push answers up to a thousand entries, and reading each
 * again by its change id cost a lookup through two indexes per answer. */
int db_sync_ack_sent(db *d, const db_outbox_entry *e, db_sync_ack_kind kind, int version,
                     const char *code, const char *message)
{
    if (!e || version < 0 || kind > DB_SYNC_ACK_REJECTED)
        return db_fail(d, DB_INVALID, "An acknowledgement needs an entry and a version.");
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM outbox WHERE seq = ?1");
    if (st)
        sqlite3_bind_int64(st, 1, e->seq);
    rc = db_sync_run(d, st, "marking a change as synced");
    if (rc == DB_OK && sqlite3_changes(d->conn) == 1)
        rc = ack_row(d, e, kind, version, code, message);
    return db_end(d, rc);
}

/* A push's answers are four in five its events', each stored: taking each
 * entry out by a statement of its own was a sixth of the tablet's work in
 * a push. An event's answer does nothing else unless a record of the
 * server's waits beside local changes (sync_remote, which a stored event
 * could supersede); with none, one statement takes all out. The seqs go to
 * SQLite as one JSON array, which json_each reads. */
int db_sync_ack_events_stored(db *d, const int64_t *seqs, int n, int *done)
{
    *done = 0;
    if (n <= 0)
        return DB_OK;
    if (d->depth == 0)
        return db_fail(d, DB_INVALID, "Stored events are answered inside a transaction.");
    int held = db_sync_exists(d, db_stmt(d, "SELECT 1 FROM sync_remote LIMIT 1"),
                              "reading the server's records held back");
    if (held != 0)
        return held < 0 ? DB_INTERNAL : DB_OK;
    /* Without memory for the list, each is answered alone (*done 0). */
    char *list = malloc((size_t)n * 21 + 3);
    if (!list)
        return DB_OK;
    size_t k = 0;
    list[k++] = '[';
    for (int i = 0; i < n; i++) {
        if (i)
            list[k++] = ',';
        k += model_json_int(list + k, seqs[i]);
    }
    list[k++] = ']';
    list[k] = '\0';
    sqlite3_stmt *st = db_stmt(d,
                               "DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?1))");
    if (st)
        sqlite3_bind_text(st, 1, list, (int)k, SQLITE_TRANSIENT);
    int rc = db_sync_run(d, st, "marking changes as synced");
    free(list);
    if (rc == DB_OK)
        *done = 1;
    return rc;
}
