/*
 * The remote wipe: a lost or stolen tablet erases what it holds when the
 * server says so (see db.h). Every table is emptied, whatever tables a later
 * schema step adds, since the list is read from the file itself; then the
 * files go, and a fresh store takes their place under the same handle.
 */
#include "db_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads the names of the file's own tables (SQLite's are left alone). At
 * most max; *n is how many. */
static int table_names(db *d, char (*names)[64], int max, int *n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->conn,
                                "SELECT name FROM sqlite_master WHERE type = 'table'"
                                " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_sqlite_fail(d, rc, "erasing the tablet");
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (*n == max || !name || strlen(name) >= 64) {
            sqlite3_finalize(st);
            return db_fail(d, DB_CORRUPT, "The store has a table this app does not know.");
        }
        snprintf(names[(*n)++], 64, "%s", name);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? DB_OK : db_sqlite_fail(d, rc, "erasing the tablet");
}

int db_erase_all(db *d)
{
    char names[128][64];
    int n = 0;
    int rc = sqlite3_exec(d->conn, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_sqlite_fail(d, rc, "erasing the tablet");
    if ((rc = table_names(d, names, 128, &n)) != DB_OK)
        return rc;
    if ((rc = db_begin(d)) != DB_OK)
        return rc;
    /* Foreign keys are checked at the commit, when every table is empty,
     * so the order of the deletions does not matter. */
    rc = sqlite3_exec(d->conn, "PRAGMA defer_foreign_keys = ON", NULL, NULL, NULL);
    for (int i = 0; i < n && rc == SQLITE_OK; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM \"%.63s\"", names[i]);
        rc = sqlite3_exec(d->conn, sql, NULL, NULL, NULL);
    }
    rc = db_end(d, rc == SQLITE_OK ? DB_OK : db_sqlite_fail(d, rc, "erasing the tablet"));
    if (rc != DB_OK)
        return rc;
    /* The log held the rows too: copy the zeroed pages over the file and
     * cut the log to nothing (other handles may hold it open; then what
     * they hold goes with the files in db_wipe). */
    sqlite3_exec(d->conn, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    return db_ok(d);
}

/* Deletes one file, and says so if it was there and would not go. */
static int remove_file(db *d, const char *path)
{
    if (unlink(path) == 0 || errno == ENOENT)
        return DB_OK;
    return db_fail(d, DB_IO, "Cannot delete %s: %s.", path, strerror(errno));
}

int db_wipe(db *d)
{
    const char *name = d->conn ? sqlite3_db_filename(d->conn, "main") : NULL;
    if (!name || !*name)
        return db_fail(d, DB_INVALID, "This store has no file to erase.");
    size_t len = strlen(name);
    char *path = malloc(len + 16);
    if (!path)
        return db_fail(d, DB_NOMEM, "Out of memory.");
    memcpy(path, name, len + 1);
    /* Rows first, so that nothing is left to read even should deleting the
     * files fail; a failure here does not stop the files from going. */
    db_erase_all(d);
    for (int i = 0; i < d->stmt_cap; i++)
        sqlite3_finalize(d->stmts[i].st);
    sqlite3_free(d->stmts);
    d->stmts = NULL;
    d->stmt_cap = d->n_stmts = 0;
    d->depth = 0;
    free(d->tpl);
    d->tpl = NULL;
    db_ckpt_stop(d);
    sqlite3_close(d->conn);
    d->conn = NULL;
    int rc = DB_OK;
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(path + len, 16, "%s", suffix[i]);
        int r = remove_file(d, path);
        if (rc == DB_OK)
            rc = r;
    }
    path[len] = '\0';
    /* Even when a file would not go, the handle gets a store again (the
     * erased one, then), so that it never points at a closed connection. */
    int orc = db_open_into(d, path, DB_SCHEMA_VERSION);
    free(path);
    if (rc != DB_OK)
        return rc;
    return orc;
}
