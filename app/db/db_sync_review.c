/*
 * What sync could not settle alone and a person decides: conflicts (keep
 * mine, or take the server's version) and changes the server refused
 * (try again).
 */
#include "db_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "db_sync_int.h"

/* The columns of a conflict, with the server's newest version beside it. */
#define CONFLICT_SELECT                                                                            \
    "SELECT c.change_id, c.entity, c.entity_id, c.obs_id, c.key, c.actor_id,"                      \
    " max(c.server_version, coalesce(r.version, 0)), c.at, c.payload, r.data"                      \
    " FROM sync_conflict c LEFT JOIN sync_remote r ON r.entity = c.entity AND r.key = c.key"

/* Decodes a kept version (text of the model's codec) into rec; -1 if the
 * text is missing or no longer reads as a record of that entity. */
static int kept_record(sqlite3_stmt *st, int col, model_entity e, model_record *rec)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    return text && model_record_parse(e, text, rec, NULL) == 0 ? 0 : -1;
}

/* Reads the current row of CONFLICT_SELECT into c, both versions decoded.
 * Only this store's codec wrote them, so a version that does not read is
 * damage: DB_CORRUPT, with a message. */
static int read_conflict(db *d, sqlite3_stmt *st, db_sync_conflict *c)
{
    memset(c, 0, sizeof *c);
    db_col_text(st, 0, c->change_id, sizeof c->change_id);
    db_col_text(st, 1, c->entity, sizeof c->entity);
    db_col_text(st, 2, c->entity_id, sizeof c->entity_id);
    db_col_text(st, 3, c->obs_id, sizeof c->obs_id);
    db_col_text(st, 4, c->key, sizeof c->key);
    db_col_text(st, 5, c->actor_id, sizeof c->actor_id);
    c->server_version = sqlite3_column_int(st, 6);
    c->at = sqlite3_column_int64(st, 7);
    model_entity e;
    if (model_entity_parse(c->entity, &e) != 0 || kept_record(st, 8, e, &c->mine) != 0)
        return db_fail(d, DB_CORRUPT, "A kept version of a conflict is damaged.");
    c->have_theirs = sqlite3_column_type(st, 9) != SQLITE_NULL;
    if (c->have_theirs && kept_record(st, 9, e, &c->theirs) != 0)
        return db_fail(d, DB_CORRUPT, "The server's version of a conflict is damaged.");
    return DB_OK;
}

int db_sync_conflicts(db *d, int offset, int max, db_sync_conflict *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, CONFLICT_SELECT " ORDER BY c.at, c.change_id LIMIT ?1 OFFSET ?2");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    sqlite3_bind_int(st, 2, offset);
    int src = SQLITE_DONE, rc = DB_OK;
    while (rc == DB_OK && *n < max && (src = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = read_conflict(d, st, &out[*n])) == DB_OK)
            (*n)++;
    sqlite3_reset(st);
    if (rc == DB_OK && *n < max && src != SQLITE_DONE)
        rc = db_sqlite_fail(d, src, "reading conflicts");
    if (rc != DB_OK) {
        *n = 0;
        return rc;
    }
    return db_ok(d);
}

int db_sync_conflict_get(db *d, const char *change_id, db_sync_conflict *out)
{
    sqlite3_stmt *st = db_stmt(d, CONFLICT_SELECT " WHERE c.change_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    int src = sqlite3_step(st);
    int rc = src == SQLITE_ROW    ? read_conflict(d, st, out)
             : src == SQLITE_DONE ? db_fail(d, DB_NOTFOUND, "There is no such conflict.")
                                  : db_sqlite_fail(d, src, "reading a conflict");
    sqlite3_reset(st);
    return rc == DB_OK ? db_ok(d) : rc;
}

static int conflict_delete(db *d, const char *change_id)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM sync_conflict WHERE change_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    return db_sync_run(d, st, "closing a conflict");
}

int db_sync_conflict_keep_mine(db *d, const char *change_id)
{
    db_sync_conflict *c = malloc(sizeof *c);
    if (!c)
        return db_fail(d, DB_NOMEM, "Out of memory while reading a conflict.");
    int rc = db_sync_conflict_get(d, change_id, c);
    if (rc == DB_OK)
        rc = db_begin(d);
    if (rc != DB_OK) {
        free(c);
        return rc;
    }
    /* Made on the server's version, the change replaces it rather than
     * meeting it as a conflict again. */
    if ((rc = db_sync_version_put(d, c->entity, c->key, c->server_version)) == DB_OK &&
        (rc = conflict_delete(d, change_id)) == DB_OK &&
        (rc = db_sync_remote_drop(d, c->entity, c->key, 1 << 30)) == DB_OK)
        rc = db_outbox_add(d, &c->mine, c->entity_id, c->obs_id[0] ? c->obs_id : NULL, c->actor_id);
    free(c);
    return db_end(d, rc);
}

int db_sync_conflict_close(db *d, const char *change_id)
{
    int rc = conflict_delete(d, change_id);
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_rejections(db *d, int offset, int max, db_sync_rejection *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT change_id, entity, entity_id, obs_id, code, message, at"
                                  " FROM sync_rejected ORDER BY at DESC, change_id"
                                  " LIMIT ?1 OFFSET ?2");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    sqlite3_bind_int(st, 2, offset);
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        db_sync_rejection *r = &out[(*n)++];
        memset(r, 0, sizeof *r);
        db_col_text(st, 0, r->change_id, sizeof r->change_id);
        db_col_text(st, 1, r->entity, sizeof r->entity);
        db_col_text(st, 2, r->entity_id, sizeof r->entity_id);
        db_col_text(st, 3, r->obs_id, sizeof r->obs_id);
        db_col_text(st, 4, r->code, sizeof r->code);
        db_col_text(st, 5, r->message, sizeof r->message);
        r->at = sqlite3_column_int64(st, 6);
    }
    if (*n >= max)
        rc = SQLITE_DONE;
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, rc, "reading refused changes");
}

int db_sync_rejection_retry(db *d, const char *change_id)
{
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    d->sync_quiet = 0;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO outbox(change_id, entity, entity_id, obs_id,"
                                  " payload, created_at, actor_id) SELECT change_id, entity,"
                                  " entity_id, obs_id, payload, created_at,"
                                  " actor_id FROM sync_rejected WHERE change_id = ?1");
    if (st)
        db_bind_text(st, 1, change_id);
    rc = db_sync_run(d, st, "sending a refused change again");
    if (rc == DB_OK && sqlite3_changes(d->conn) == 0)
        rc = db_fail(d, DB_NOTFOUND, "There is no such refused change.");
    if (rc == DB_OK) {
        st = db_stmt(d, "DELETE FROM sync_rejected WHERE change_id = ?1");
        if (st)
            db_bind_text(st, 1, change_id);
        rc = db_sync_run(d, st, "sending a refused change again");
    }
    return db_end(d, rc);
}
