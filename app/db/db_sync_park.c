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
    if (!it || !it->entity || !it->key || !it->json)
        return db_fail(d, DB_INVALID, "A pulled record is missing its kind, key or content.");
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_park(entity, key, version, data)"
                                  " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(entity, key) DO UPDATE SET"
                                  " version = excluded.version, data = excluded.data"
                                  " WHERE excluded.version >= version");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, it->entity);
    db_bind_text(st, 2, it->key);
    sqlite3_bind_int(st, 3, it->version);
    db_bind_text(st, 4, it->json);
    int rc = db_sync_run(d, st, "keeping a record that arrived early");
    return rc == DB_OK ? db_ok(d) : rc;
}

void db_sync_parked_free(db_sync_parked *p, int n)
{
    for (int i = 0; p && i < n; i++) {
        free(p[i].data);
        p[i].data = NULL;
    }
}

int db_sync_parked_list(db *d, int max, db_sync_parked *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT entity, key, version, data FROM sync_park"
                                  " ORDER BY rowid LIMIT ?1");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    int rc, oom = 0;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        db_sync_parked *p = &out[*n];
        memset(p, 0, sizeof *p);
        db_col_text(st, 0, p->entity, sizeof p->entity);
        db_col_text(st, 1, p->key, sizeof p->key);
        p->version = sqlite3_column_int(st, 2);
        p->data = db_sync_col_dup(st, 3, &oom);
        if (oom)
            break;
        (*n)++;
    }
    sqlite3_reset(st);
    if (oom) {
        db_sync_parked_free(out, *n);
        *n = 0;
        return db_fail(d, DB_NOMEM, "Out of memory while reading records that wait.");
    }
    if (*n < max && rc != SQLITE_DONE) {
        db_sync_parked_free(out, *n);
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
