/*
 * Applying the deletions the server publishes (retention, a person's
 * erasure): an observation goes with all its parts and sync state, a person
 * with every observation they are in.
 */
#include "db_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "db_sync_int.h"

/* Everything of one observation, in the order the foreign keys need. */
static const char *const obs_delete_sql[] = {
    "DELETE FROM event WHERE observation_id = ?1",
    "DELETE FROM note WHERE observation_id = ?1",
    "DELETE FROM rating WHERE observation_id = ?1",
    "DELETE FROM feedback WHERE observation_id = ?1",
    "DELETE FROM reflection WHERE observation_id = ?1",
    "DELETE FROM outbox WHERE obs_id = ?1", /* every entry names its observation */
    "DELETE FROM sync_conflict WHERE obs_id = ?1 OR entity_id = ?1",
    "DELETE FROM sync_rejected WHERE obs_id = ?1 OR entity_id = ?1",
    "DELETE FROM sync_remote WHERE key = ?1 OR key LIKE ?1 || '/%'"
    " OR json_extract(data, '$.observation_id') = ?1",
    "DELETE FROM sync_park WHERE key = ?1 OR key LIKE ?1 || '/%'"
    " OR json_extract(data, '$.observation_id') = ?1",
    "DELETE FROM sync_version WHERE key = ?1 OR key LIKE ?1 || '/%'",
    "DELETE FROM observation WHERE id = ?1",
};

int db_obs_erase(db *d, const char *id)
{
    for (size_t i = 0; i < sizeof obs_delete_sql / sizeof obs_delete_sql[0]; i++) {
        sqlite3_stmt *st = db_stmt(d, obs_delete_sql[i]);
        if (!st)
            return DB_INTERNAL;
        db_bind_text(st, 1, id);
        int rc = db_sync_run(d, st, "deleting an observation");
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

int db_sync_delete(db *d, const char *entity, const char *id)
{
    char err[160];
    if (!entity || (strcmp(entity, "observation") && strcmp(entity, "person")))
        return db_fail(d, DB_INVALID, "Only observations and people are deleted by the server.");
    if (model_id_check(id, "The deleted record", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    if (!strcmp(entity, "observation")) {
        rc = db_obs_erase(d, id);
    } else {
        /* Their observations first, then the person. */
        sqlite3_stmt *st = db_stmt(d, "SELECT id FROM observation WHERE observer_id = ?1"
                                      " OR observee_id = ?1 LIMIT 1");
        while (rc == DB_OK) {
            if (!st) {
                rc = DB_INTERNAL;
                break;
            }
            db_bind_text(st, 1, id);
            model_id obs;
            int src = sqlite3_step(st);
            if (src == SQLITE_ROW)
                db_col_text(st, 0, obs, sizeof obs);
            sqlite3_reset(st);
            if (src == SQLITE_DONE)
                break;
            if (src != SQLITE_ROW) {
                rc = db_sqlite_fail(d, src, "deleting a person the server deleted");
                break;
            }
            rc = db_obs_erase(d, obs);
            st = db_stmt(d, "SELECT id FROM observation WHERE observer_id = ?1"
                            " OR observee_id = ?1 LIMIT 1");
        }
        const char *more[] = {"DELETE FROM outbox WHERE actor_id = ?1",
                              "DELETE FROM sync_follow WHERE person_id = ?1",
                              "DELETE FROM plan WHERE observer_id = ?1 OR observee_id = ?1",
                              "DELETE FROM person WHERE id = ?1"};
        for (size_t i = 0; rc == DB_OK && i < sizeof more / sizeof more[0]; i++) {
            st = db_stmt(d, more[i]);
            if (!st) {
                rc = DB_INTERNAL;
                break;
            }
            db_bind_text(st, 1, id);
            rc = db_sync_run(d, st, "deleting a person the server deleted");
        }
    }
    return db_end(d, rc);
}
