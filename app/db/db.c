/* The store's connection: opening, telling a Blik file from a foreign or
 * damaged one, errors, statement cache and transactions. */
#include "db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "Blik" in ASCII: marks the file as ours in its header. */
#define DB_APPLICATION_ID 0x426C696B

int db_fail(db *d, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    return rc;
}

int db_ok(db *d)
{
    d->err[0] = '\0';
    return DB_OK;
}

int db_sqlite_fail(db *d, int src, const char *doing)
{
    const char *why = d->conn ? sqlite3_errmsg(d->conn) : sqlite3_errstr(src);
    switch (src & 0xFF) {
    case SQLITE_FULL:
        return db_fail(d, DB_IO,
                       "Could not save while %s: the tablet's storage is full. "
                       "Nothing was changed.",
                       doing);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return db_fail(d, DB_IO,
                       "Could not save while %s: the storage refused (%s). "
                       "Nothing was changed.",
                       doing, why);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return db_fail(d, DB_CORRUPT,
                       "The database file is damaged or is not a database "
                       "(%s, while %s).",
                       why, doing);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return db_fail(d, DB_BUSY, "The database is in use by another program (while %s).", doing);
    case SQLITE_NOMEM: return db_fail(d, DB_NOMEM, "Out of memory while %s.", doing);
    case SQLITE_CONSTRAINT:
        return db_fail(d, DB_INVALID, "The change does not fit the stored data (%s, while %s).",
                       why, doing);
    default: return db_fail(d, DB_INTERNAL, "Database error while %s: %s.", doing, why);
    }
}

const char *db_errmsg(const db *d) { return d ? d->err : "Out of memory."; }

/* Where the text at address sql sits, or would go, in a table of cap slots:
 * the address mixed by a multiplicative hash, then the next slots in turn. */
static int stmt_find(const db_stmt_slot *t, int cap, const char *sql)
{
    uint64_t h = (uint64_t)(uintptr_t)sql * 0x9E3779B97F4A7C15u;
    int i = (int)(h >> 32) & (cap - 1);
    while (t[i].sql && t[i].sql != sql)
        i = (i + 1) & (cap - 1);
    return i;
}

/* Doubles the table, moving the slots; the statements themselves stay where
 * they are, so the ones handed out remain valid. */
static int stmt_grow(db *d)
{
    int cap = d->stmt_cap ? d->stmt_cap * 2 : 128;
    if (d->n_stmts >= DB_STMT_MAX)
        return db_fail(d, DB_INTERNAL,
                       "The store asked for more than %d different statements; "
                       "an SQL text is not static.",
                       DB_STMT_MAX);
    db_stmt_slot *t = sqlite3_malloc64(sizeof *t * (uint64_t)cap);
    if (!t)
        return db_fail(d, DB_NOMEM, "Out of memory while preparing a query.");
    memset(t, 0, sizeof *t * (size_t)cap);
    for (int i = 0; i < d->stmt_cap; i++)
        if (d->stmts[i].sql)
            t[stmt_find(t, cap, d->stmts[i].sql)] = d->stmts[i];
    sqlite3_free(d->stmts);
    d->stmts = t;
    d->stmt_cap = cap;
    return DB_OK;
}

/* Prepares each text once per handle and never evicts one: a call may hold
 * a statement while a nested lookup fetches another (the viewer of a list),
 * and a cache that made room by finalizing would free it under the caller. */
sqlite3_stmt *db_stmt(db *d, const char *sql)
{
    if (d->stmt_cap) {
        db_stmt_slot *s = &d->stmts[stmt_find(d->stmts, d->stmt_cap, sql)];
        if (s->sql) {
            /* The same address with another text would be the wrong query. */
            if (strcmp(sqlite3_sql(s->st), sql) != 0) {
                db_fail(d, DB_INTERNAL, "Two different queries were given at one address.");
                return NULL;
            }
            sqlite3_reset(s->st);
            sqlite3_clear_bindings(s->st);
            return s->st;
        }
    }
    /* Keep the table at most half full, so that a search ends soon. */
    if ((d->n_stmts + 1) * 2 > d->stmt_cap && stmt_grow(d) != DB_OK)
        return NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(d->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        db_sqlite_fail(d, rc, "preparing a query");
        return NULL;
    }
    db_stmt_slot *s = &d->stmts[stmt_find(d->stmts, d->stmt_cap, sql)];
    s->sql = sql;
    s->st = st;
    d->n_stmts++;
    return st;
}

int db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

void db_col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    size_t n = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, s, n);
    dst[n] = '\0';
}

int db_one(db *d, sqlite3_stmt *st, db_reader fn, void *out, const char *missing, const char *doing)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        fn(st, out);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return db_ok(d);
    return rc == SQLITE_DONE ? db_fail(d, DB_NOTFOUND, "%s", missing)
                             : db_sqlite_fail(d, rc, doing);
}

int db_rows(db *d, sqlite3_stmt *st, db_reader fn, void *out, size_t size, int max, int *n,
            const char *doing)
{
    int rc;
    *n = 0;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(st, (char *)out + (size_t)(*n)++ * size);
    if (*n >= max)
        rc = SQLITE_DONE;
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, rc, doing);
}

static int exec(db *d, const char *sql, const char *doing)
{
    int rc = sqlite3_exec(d->conn, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? DB_OK : db_sqlite_fail(d, rc, doing);
}

/*
 * Transactions nest: the outermost is BEGIN IMMEDIATE (taking the write lock
 * at once, so a busy database fails before any work), inner ones are
 * savepoints. This lets a batch (the demo, a page of sync) wrap the same
 * calls a tap makes and still commit or vanish as a whole.
 */
/* Runs one of the transaction statements below, prepared once per handle
 * like every other: a page of sync opens a savepoint for each record. */
static int run(db *d, const char *sql, const char *doing)
{
    sqlite3_stmt *st = db_stmt(d, sql);
    if (!st)
        return DB_INTERNAL;
    int rc = sqlite3_step(st);
    int out = rc == SQLITE_DONE ? DB_OK : db_sqlite_fail(d, rc, doing);
    sqlite3_reset(st);
    return out;
}

static const char sql_begin[] = "BEGIN IMMEDIATE", sql_savepoint[] = "SAVEPOINT inner",
                  sql_commit[] = "COMMIT", sql_release[] = "RELEASE inner";

static const char sql_synced[] = "PRAGMA synchronous=FULL",
                  sql_unsynced[] = "PRAGMA synchronous=NORMAL";

int db_begin(db *d)
{
    /* An unsynced batch whose end could not put syncing back (a failure
     * SQLite does not expect) leaves it to be put back before anything
     * else is written. */
    if (d->depth == 0 && d->unsynced == 2) {
        int rc = run(d, sql_synced, "starting a change");
        if (rc != DB_OK)
            return rc;
        d->unsynced = 0;
    }
    int rc = run(d, d->depth == 0 ? sql_begin : sql_savepoint, "starting a change");
    if (rc == DB_OK)
        d->depth++;
    return rc;
}

void db_rollback(db *d)
{
    if (d->depth <= 0)
        return;
    if (!sqlite3_get_autocommit(d->conn))
        sqlite3_exec(d->conn, d->depth == 1 ? "ROLLBACK" : "ROLLBACK TO inner; RELEASE inner", NULL,
                     NULL, NULL);
    d->depth--;
    if (d->depth == 0)
        d->sync_quiet = 0;
}

int db_commit(db *d)
{
    if (d->depth <= 0)
        return db_fail(d, DB_INTERNAL, "No change is open.");
    /* The message is kept before the rollback replaces it. */
    int rc = run(d, d->depth == 1 ? sql_commit : sql_release, "saving");
    if (rc != DB_OK) {
        db_rollback(d);
        return rc;
    }
    d->depth--;
    if (d->depth == 0)
        d->sync_quiet = 0;
    return DB_OK;
}

/* Every change ends the same way: rolled back with the failure's sentence
 * kept (the rollback sets no message), or committed, where a failing commit
 * rolls back and says why. One place, so no path forgets either. */
int db_end(db *d, int rc)
{
    if (rc != DB_OK) {
        db_rollback(d);
        return rc;
    }
    rc = db_commit(d);
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_batch_begin(db *d) { return db_begin(d); }

/* SQLite's synchronous=NORMAL in WAL mode is exactly this: a commit is
 * appended to the log and synced later. The setting is the connection's,
 * so it is set for the batch alone and put back when the batch ends. */
int db_batch_begin_unsynced(db *d)
{
    if (d->depth > 0)
        return db_begin(d);
    int rc = run(d, sql_unsynced, "starting a change");
    if (rc != DB_OK)
        return rc;
    d->unsynced = 1;
    if ((rc = db_begin(d)) != DB_OK)
        d->unsynced = run(d, sql_synced, "starting a change") == DB_OK ? 0 : 2;
    return rc;
}

int db_batch_end(db *d, int commit)
{
    int rc = DB_OK;
    if (!commit)
        db_rollback(d);
    else
        rc = db_commit(d);
    if (d->unsynced == 1 && d->depth == 0) {
        char kept[DB_ERR_MAX];
        snprintf(kept, sizeof kept, "%s", d->err);
        if (run(d, sql_synced, "saving") != DB_OK) {
            d->unsynced = 2; /* db_begin tries again */
            if (rc == DB_OK)
                return DB_IO;
            snprintf(d->err, sizeof d->err, "%s", kept); /* the commit's story comes first */
            return rc;
        }
        d->unsynced = 0;
    }
    return rc;
}

/*
 * Tells what kind of file we opened before touching it: our application id,
 * or an empty new file. A SQLite file of another program is refused rather
 * than migrated into, and a newer Blik's file is left alone.
 */
static int check_identity(db *d)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->conn,
                                "SELECT (SELECT application_id FROM pragma_application_id),"
                                " (SELECT user_version FROM pragma_user_version),"
                                " (SELECT count(*) FROM sqlite_schema)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        if ((rc & 0xFF) == SQLITE_NOTADB || (rc & 0xFF) == SQLITE_CORRUPT)
            return db_fail(d, DB_CORRUPT, "The file is damaged or is not a database.");
        return db_sqlite_fail(d, rc, "opening the database");
    }
    int app = sqlite3_column_int(st, 0), ver = sqlite3_column_int(st, 1);
    int objects = sqlite3_column_int(st, 2);
    sqlite3_finalize(st);
    if (app == 0 && ver == 0 && objects == 0)
        return DB_OK; /* new and empty */
    if (app != DB_APPLICATION_ID)
        return db_fail(d, DB_FOREIGN,
                       "The file is a database of another program, not Blik's; "
                       "it was not changed.");
    if (ver > DB_SCHEMA_VERSION)
        return db_fail(d, DB_TOO_NEW,
                       "The database was made by a newer Blik (schema %d, this "
                       "app knows %d); it was not changed. Update the app.",
                       ver, DB_SCHEMA_VERSION);
    return DB_OK;
}

/*
 * Observations are personal data: a new file is made readable by the app's
 * user only, before SQLite first writes it (SQLite gives the -wal and -shm
 * files the mode of the database file). An existing file found with wider
 * rights is narrowed once it is known to be Blik's; another program's file
 * is left exactly as it was.
 */
static int create_private(db *d, const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return DB_OK;
    }
    if (errno == EEXIST)
        return DB_OK;
    return db_fail(d, DB_IO, "Cannot create the database file %s: %s.", path, strerror(errno));
}

static int narrow_rights(db *d, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 077) == 0)
        return DB_OK;
    if (chmod(path, 0600) != 0)
        return db_fail(d, DB_IO, "Cannot make the database file %s private: %s.", path,
                       strerror(errno));
    return DB_OK;
}

/* Opens the file at path into d, whose connection is closed: shared by
 * db_open_at and by db_wipe, which opens a fresh store into the same
 * handle. */
/* Sets the connection's page cache to kib KiB (SQLite counts it negative). */
static int cache_apply(db *d, int kib, const char *doing)
{
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", kib);
    return exec(d, sql, doing);
}

/* SQLite keeps a count of its memory under a lock of the whole process,
 * taken on every allocation; nothing here reads the count. Set before
 * SQLite's first use (after it, SQLite refuses, harmlessly). */
static void no_memstatus(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

int db_open_into(db *d, const char *path, int version)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, no_memstatus);
    int rc = create_private(d, path);
    if (rc != DB_OK)
        return rc;
    /* A connection is used by one thread at a time (the screens', the sync
     * engine's and the checkpointer's each open their own), so SQLite's
     * lock around every call on it is not needed. */
    rc = sqlite3_open_v2(path, &d->conn,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return db_sqlite_fail(d, rc, "opening the database");
    sqlite3_extended_result_codes(d->conn, 1);
    sqlite3_busy_timeout(d->conn, 2000);
    if ((rc = check_identity(d)) != DB_OK || (rc = narrow_rights(d, path)) != DB_OK)
        return rc;
    /* WAL keeps readers and the writer apart; FULL syncs the WAL on every
     * commit, so a commit that returned survives a power cut. */
    if ((rc = exec(d, "PRAGMA journal_mode=WAL", "opening the database")) != DB_OK ||
        (rc = exec(d, "PRAGMA synchronous=FULL", "opening the database")) != DB_OK ||
        (rc = exec(d, "PRAGMA foreign_keys=ON", "opening the database")) != DB_OK)
        return rc;
    /* A store opened again in the same handle (a wipe) keeps its cache. */
    if (d->cache_kib && (rc = cache_apply(d, d->cache_kib, "opening the database")) != DB_OK)
        return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->conn, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
        sqlite3_finalize(st);
        return db_fail(d, DB_IO, "The database could not be switched to write-ahead logging.");
    }
    sqlite3_finalize(st);
    if ((rc = db_ckpt_attach(d)) != DB_OK)
        return rc;
    if ((rc = db_migrate(d, version)) != DB_OK || (rc = db_outbox_key_load(d)) != DB_OK)
        return rc;
    return db_ok(d);
}

int db_open_at(const char *path, const plat_sys *sys, int version, db **out)
{
    db *d = calloc(1, sizeof *d);
    *out = d;
    if (!d)
        return DB_NOMEM;
    d->sys = sys;
    return db_open_into(d, path, version);
}

int db_open(const char *path, const plat_sys *sys, db **out)
{
    return db_open_at(path, sys, DB_SCHEMA_VERSION, out);
}

int db_page_cache_set(db *d, int kib)
{
    if (kib < 64 || kib > 262144)
        return db_fail(d, DB_INVALID, "A page cache is 64 KiB to 256 MiB, not %d KiB.", kib);
    int rc = cache_apply(d, kib, "setting the page cache");
    if (rc != DB_OK)
        return rc;
    d->cache_kib = kib;
    return db_ok(d);
}

void db_close(db *d)
{
    if (!d)
        return;
    db_ckpt_stop(d);
    for (int i = 0; i < d->stmt_cap; i++)
        sqlite3_finalize(d->stmts[i].st);
    sqlite3_free(d->stmts);
    if (d->conn)
        sqlite3_close(d->conn);
    free(d->tpl);
    free(d);
}

/* Every cached statement is reset before returning: one left mid-read keeps
 * a read snapshot open, so the handle would not see other handles' writes. */
int db_schema_version(db *d)
{
    sqlite3_stmt *st = db_stmt(d, "PRAGMA user_version");
    if (!st)
        return -1;
    int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    return v;
}

int db_check(db *d)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->conn, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_sqlite_fail(d, rc, "checking the database");
    rc = sqlite3_step(st);
    int ok = rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
    if (!ok && rc == SQLITE_ROW)
        db_fail(d, DB_CORRUPT, "The database is damaged: %s", sqlite3_column_text(st, 0));
    else if (!ok)
        db_sqlite_fail(d, rc, "checking the database");
    sqlite3_finalize(st);
    if (!ok)
        return (rc == SQLITE_ROW) ? DB_CORRUPT : DB_IO;
    rc = exec(d, "PRAGMA foreign_key_check", "checking the database");
    return rc == DB_OK ? db_ok(d) : rc;
}

/* Danish letters fold by their two-byte UTF-8 forms: Æ (C3 86) -> æ (C3 A6),
 * Ø (C3 98) -> ø (C3 B8), Å (C3 85) -> å (C3 A5), and the other Latin-1
 * capitals in C3 80..9E likewise by adding 0x20. Whole characters are
 * copied, so that a cut at cap never leaves half of one. */
void db_fold(const char *s, char *out, size_t cap)
{
    size_t j = 0, n = strlen(s);
    for (size_t i = 0; i < n;) {
        int len = plat_utf8_next(s + i, n - i, NULL);
        if (len < 0)
            len = 1;
        if (j + (size_t)len >= cap)
            break;
        memcpy(out + j, s + i, (size_t)len);
        unsigned char c = (unsigned char)s[i], c2 = len == 2 ? (unsigned char)s[i + 1] : 0;
        if (len == 1 && c >= 'A' && c <= 'Z')
            out[j] = (char)(c + 32);
        else if (len == 2 && c == 0xC3 && c2 >= 0x80 && c2 <= 0x9E && c2 != 0x97)
            out[j + 1] = (char)(c2 + 0x20);
        i += (size_t)len;
        j += (size_t)len;
    }
    if (cap)
        out[j] = '\0';
}

int db_kv_put(db *d, const char *key, const char *value)
{
    char err[160];
    if (model_name_check(key, 64, "The setting's name", err, sizeof err) ||
        model_text_check(value, 4000, 1, "The setting's value", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO kv(key, value) VALUES(?1, ?2)"
                                  " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, key);
    db_bind_text(st, 2, value);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, rc, "saving a setting");
}

int db_get_text(db *d, sqlite3_stmt *st, const char *what, char *out, size_t cap)
{
    out[0] = '\0';
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if ((size_t)sqlite3_column_bytes(st, 0) >= cap) {
            sqlite3_reset(st);
            return db_fail(d, DB_INVALID, "The %s does not fit the buffer.", what);
        }
        db_col_text(st, 0, out, cap);
        sqlite3_reset(st);
        return db_ok(d);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return db_fail(d, DB_NOTFOUND, "The %s is not set.", what);
    return db_sqlite_fail(d, rc, "reading a setting");
}

int db_kv_get(db *d, const char *key, char *out, size_t cap)
{
    out[0] = '\0';
    sqlite3_stmt *st = db_stmt(d, "SELECT value FROM kv WHERE key = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, key);
    char what[96];
    snprintf(what, sizeof what, "setting %.64s", key);
    return db_get_text(d, st, what, out, cap);
}
