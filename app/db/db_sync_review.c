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

void db_sync_conflicts_free(db_sync_conflict *c, int n)
{
    for (int i = 0; c && i < n; i++) {
        free(c[i].mine);
        free(c[i].theirs);
        c[i].mine = c[i].theirs = NULL;
    }
}

int db_sync_conflicts(db *d, int offset, int max, db_sync_conflict *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT c.change_id, c.entity, c.entity_id, c.obs_id, c.key,"
                                  " max(c.server_version, coalesce(r.version, 0)), c.at, c.payload,"
                                  " r.data FROM sync_conflict c LEFT JOIN sync_remote r"
                                  " ON r.entity = c.entity AND r.key = c.key"
                                  " ORDER BY c.at, c.change_id LIMIT ?1 OFFSET ?2");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    sqlite3_bind_int(st, 2, offset);
    int rc = SQLITE_DONE, oom = 0;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        db_sync_conflict *c = &out[*n];
        memset(c, 0, sizeof *c);
        db_col_text(st, 0, c->change_id, sizeof c->change_id);
        db_col_text(st, 1, c->entity, sizeof c->entity);
        db_col_text(st, 2, c->entity_id, sizeof c->entity_id);
        db_col_text(st, 3, c->obs_id, sizeof c->obs_id);
        db_col_text(st, 4, c->key, sizeof c->key);
        c->server_version = sqlite3_column_int(st, 5);
        c->at = sqlite3_column_int64(st, 6);
        c->mine = db_sync_col_dup(st, 7, &oom);
        c->theirs = db_sync_col_dup(st, 8, &oom);
        (*n)++;
        if (oom)
            break;
    }
    sqlite3_reset(st);
    if (oom) {
        db_sync_conflicts_free(out, *n);
        *n = 0;
        return db_fail(d, DB_NOMEM, "Out of memory while reading conflicts.");
    }
    if (*n < max && rc != SQLITE_DONE) {
        db_sync_conflicts_free(out, *n);
        *n = 0;
        return db_sqlite_fail(d, rc, "reading conflicts");
    }
    return db_ok(d);
}

typedef struct {
    char entity[16];
    model_id entity_id, obs_id, actor_id;
    char key[80];
    int version;
    char *payload;
} conflict_row;

static int conflict_get(db *d, const char *change_id, conflict_row *c)
{
    memset(c, 0, sizeof *c);
    sqlite3_stmt *st = db_stmt(d, "SELECT c.entity, c.entity_id, c.obs_id, c.actor_id, c.key,"
                                  " max(c.server_version, coalesce(r.version, 0)), c.payload"
                                  " FROM sync_conflict c LEFT JOIN sync_remote r"
                                  " ON r.entity = c.entity AND r.key = c.key WHERE c.change_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW) {
        db_col_text(st, 0, c->entity, sizeof c->entity);
        db_col_text(st, 1, c->entity_id, sizeof c->entity_id);
        db_col_text(st, 2, c->obs_id, sizeof c->obs_id);
        db_col_text(st, 3, c->actor_id, sizeof c->actor_id);
        db_col_text(st, 4, c->key, sizeof c->key);
        c->version = sqlite3_column_int(st, 5);
        c->payload = db_sync_col_dup(st, 6, &oom);
    }
    sqlite3_reset(st);
    if (oom)
        return db_fail(d, DB_NOMEM, "Out of memory while reading a conflict.");
    if (rc == SQLITE_ROW)
        return DB_OK;
    return rc == SQLITE_DONE ? db_fail(d, DB_NOTFOUND, "There is no such conflict.")
                             : db_sqlite_fail(d, rc, "reading a conflict");
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
    conflict_row c;
    int rc = conflict_get(d, change_id, &c);
    if (rc != DB_OK)
        return rc;
    model_entity e;
    model_err me;
    model_record *mine = malloc(sizeof *mine);
    if (!mine) {
        free(c.payload);
        return db_fail(d, DB_NOMEM, "Out of memory while reading a conflict.");
    }
    if (model_entity_parse(c.entity, &e) != 0 || model_record_parse(e, c.payload, mine, &me) != 0)
        rc = db_fail(d, DB_CORRUPT, "A kept version of a conflict is damaged.");
    free(c.payload);
    if (rc == DB_OK)
        rc = db_begin(d);
    if (rc != DB_OK) {
        free(mine);
        return rc;
    }
    /* Made on the server's version, the change replaces it rather than
     * meeting it as a conflict again. */
    if ((rc = db_sync_version_put(d, c.entity, c.key, c.version)) == DB_OK &&
        (rc = conflict_delete(d, change_id)) == DB_OK &&
        (rc = db_sync_remote_drop(d, c.entity, c.key, 1 << 30)) == DB_OK)
        rc = db_outbox_add(d, mine, c.entity_id, c.obs_id[0] ? c.obs_id : NULL, c.actor_id);
    free(mine);
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
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO outbox(change_id, entity, entity_id, obs_id,"
                                  " payload, created_at, actor_id) SELECT change_id, entity,"
                                  " entity_id, obs_id, payload, created_at, actor_id"
                                  " FROM sync_rejected WHERE change_id = ?1");
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
