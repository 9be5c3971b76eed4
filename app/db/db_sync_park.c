/*
 * Records that arrived before what they point at, kept until it comes.
 */
#include "db_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "db_sync_int.h"

int db_sync_park(db *d, const db_sync_item *it)
{
    if (!it || !it->rec || (int)it->rec->entity < 0 || it->rec->entity >= MODEL_ENT_DELETED)
        return db_fail(d, DB_INVALID, "A pulled record is missing or of an unknown kind.");
    char key[MODEL_RECORD_KEY_MAX];
    model_record_key(it->rec, key);
    int rc = db_sync_keep(d, "sync_park", it->rec, key, it->version);
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_parked_list(db *d, int max, db_sync_parked *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT entity, key, version, data FROM sync_park"
                                  " ORDER BY rowid LIMIT ?1");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    int rc = SQLITE_DONE, oom = 0;
    while (!oom && *n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        db_sync_parked *p = &out[*n];
        memset(p, 0, sizeof *p);
        db_col_text(st, 0, p->entity, sizeof p->entity);
        db_col_text(st, 1, p->key, sizeof p->key);
        p->version = sqlite3_column_int(st, 2);
        /* Only the codec wrote it; text that does not read is marked for
         * the caller to forget (the server still has the record). */
        model_entity e;
        model_err me = {MODEL_E_OK, ""};
        const char *text = (const char *)sqlite3_column_text(st, 3);
        p->damaged = !text || model_entity_parse(p->entity, &e) != 0 ||
                     model_record_parse(e, text, &p->rec, &me) != 0;
        oom = me.code == MODEL_E_NOMEM;
        (*n)++;
    }
    sqlite3_reset(st);
    if (oom) {
        *n = 0;
        return db_fail(d, DB_NOMEM, "Out of memory while reading records that wait.");
    }
    if (*n < max && rc != SQLITE_DONE) {
        *n = 0;
        return db_sqlite_fail(d, rc, "reading records that wait");
    }
    return db_ok(d);
}

int db_sync_unpark(db *d, const char *entity, const char *key)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM sync_park WHERE entity = ?1 AND key = ?2");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity);
    db_bind_text(st, 2, key);
    int rc = db_sync_run(d, st, "forgetting a waiting record");
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_parked_any(db *d, int *any)
{
    *any = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM sync_park LIMIT 1");
    int e = db_sync_exists(d, st, "reading records that wait");
    if (e < 0)
        return DB_INTERNAL;
    *any = e;
    return db_ok(d);
}
