#ifndef BLIK_DB_SYNC_INT_H
#define BLIK_DB_SYNC_INT_H
/* Shared by the store's sync files only (db_sync*.c). */
#include <sqlite3.h>

#include "db.h"
#include "model_json.h"

/* Runs a bound write statement; one step, no rows expected. */
int db_sync_run(db *d, sqlite3_stmt *st, const char *doing);
/* 1 if the bound query returns a row, 0 if not, -1 on error (message set). */
int db_sync_exists(db *d, sqlite3_stmt *st, const char *doing);
/* The key the server knows a change's record by (a rating by its sign,
 * within its observation). */
void db_sync_change_key(const char *entity, const char *entity_id, const char *obs_id, char *key,
                        size_t cap);
/* Remembers a record's server version (never lowers it). */
int db_sync_version_put(db *d, const char *entity, const char *key, int version);
/* Forgets the server's copy of a record kept beside local changes, up to
 * version upto. */
int db_sync_remote_drop(db *d, const char *entity, const char *key, int upto);
/* Keeps a pulled record's text in table "sync_remote" (the server's version
 * beside local changes) or "sync_park" (waiting for its parent), under its
 * key; an older version never replaces a newer one. */
int db_sync_keep(db *d, const char *table, const model_record *rec, const char *key, int version);
/* Copies a text column into a new malloc'd string; NULL for SQL NULL or
 * when out of memory (*oom set). */
char *db_sync_col_dup(sqlite3_stmt *st, int i, int *oom);

#endif
