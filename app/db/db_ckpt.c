/*
 * Checkpoints off the path of a tap. In WAL mode SQLite copies the log back
 * into the database file once it has grown to 1,000 pages, and by default
 * the connection whose commit crossed that line does it before its call
 * returns: a tap now and then waited for a thousand page writes and a sync
 * of the database file. Here that commit only wakes a thread of the handle,
 * which checkpoints through a connection of its own (PASSIVE: it never
 * takes the write lock, so taps go on meanwhile). Durability is unchanged:
 * every commit is still synced in the log before it returns, and a
 * checkpoint is as safe on any connection. Should the log outgrow the
 * thread (or the thread not start), the committing connection checkpoints
 * itself, as before.
 */
#include "db_int.h"
#include "plat.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The log's length, in pages, at which the thread is woken (SQLite's own
 * default for checkpoints), and at which a commit checkpoints itself. */
#define CKPT_PAGES 1000
#define CKPT_HARD_PAGES 8000
/* The least time from the end of one of the thread's checkpoints to the
 * start of its next. A checkpoint syncs the database file only when it
 * has copied the log to its end, and the log starts again from its
 * beginning only when a transaction begins after that. Taps close
 * together each began while the checkpoint their predecessor woke still
 * ran, so the log never started again, and each commit past the mark
 * woke another checkpoint: nearly one a tap, many of them with a sync of
 * the database file, and a tap whose sync of the log met one waited for
 * it. Paced, the thread copies what a tenth of a second of taps wrote,
 * and once they pause it catches up, syncs and lets the log start again. */
#define CKPT_GAP_MS 100

struct db_ckpt {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started; /* the thread runs */
    int failed;  /* it could not be started: commits checkpoint themselves */
    int want, stop;
    clockid_t clock; /* the clock the condition's timed waits read */
    char path[];     /* the database file */
};

static void *ckpt_main(void *arg)
{
    struct db_ckpt *k = arg;
    sqlite3 *conn = NULL;
    struct timespec next = {0, 0}; /* the earliest start of the next checkpoint */
    pthread_mutex_lock(&k->mu);
    for (;;) {
        while (!k->want && !k->stop)
            pthread_cond_wait(&k->cv, &k->mu);
        /* Closing the handle does not wait for the pace. */
        while (!k->stop && pthread_cond_timedwait(&k->cv, &k->mu, &next) == 0)
            ;
        if (k->stop)
            break;
        k->want = 0;
        pthread_mutex_unlock(&k->mu);
        if (!conn) {
            if (sqlite3_open_v2(k->path, &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                NULL) != SQLITE_OK ||
                sqlite3_exec(conn, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
                sqlite3_close(conn);
                conn = NULL;
            }
        }
        /* A failure (a busy log, a refusing disk) leaves the log as it was;
         * the next commit past the mark asks again. */
        if (conn)
            sqlite3_wal_checkpoint_v2(conn, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        next = plat_deadline(k->clock, CKPT_GAP_MS);
        pthread_mutex_lock(&k->mu);
    }
    pthread_mutex_unlock(&k->mu);
    sqlite3_close(conn);
    return NULL;
}

/* Called by SQLite after each commit of the handle's connection, with the
 * write lock released and the log's length in pages. */
static int ckpt_hook(void *arg, sqlite3 *conn, const char *name, int pages)
{
    struct db_ckpt *k = arg;
    if (pages < CKPT_PAGES)
        return SQLITE_OK;
    pthread_mutex_lock(&k->mu);
    if (!k->started && !k->failed) {
        k->started = pthread_create(&k->thread, NULL, ckpt_main, k) == 0;
        k->failed = !k->started;
    }
    /* Only the first commit after a checkpoint began wakes the thread:
     * the others would wake it in its pause only to sleep again. */
    if (!k->want)
        pthread_cond_signal(&k->cv);
    k->want = 1;
    int inline_ckpt = k->failed || pages >= CKPT_HARD_PAGES;
    pthread_mutex_unlock(&k->mu);
    if (inline_ckpt)
        sqlite3_wal_checkpoint_v2(conn, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

int db_ckpt_attach(db *d)
{
    const char *path = sqlite3_db_filename(d->conn, "main");
    if (!path || !*path)
        return DB_OK; /* a store in memory has no log */
    size_t len = strlen(path);
    struct db_ckpt *k = calloc(1, sizeof *k + len + 1);
    if (!k)
        return db_fail(d, DB_NOMEM, "Out of memory while opening the database.");
    memcpy(k->path, path, len + 1);
    if (pthread_mutex_init(&k->mu, NULL) != 0) {
        free(k);
        return db_fail(d, DB_NOMEM, "Out of resources while opening the database.");
    }
    /* The pace is kept by the monotonic clock, which no change of the
     * tablet's time moves; should the condition not take it, by the
     * clock the condition reads by default. */
    pthread_condattr_t ca;
    int cv_rc = pthread_condattr_init(&ca);
    k->clock = CLOCK_REALTIME;
    if (cv_rc == 0) {
        if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0)
            k->clock = CLOCK_MONOTONIC;
        cv_rc = pthread_cond_init(&k->cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    if (cv_rc != 0) {
        pthread_mutex_destroy(&k->mu);
        free(k);
        return db_fail(d, DB_NOMEM, "Out of resources while opening the database.");
    }
    d->ckpt = k;
    sqlite3_wal_hook(d->conn, ckpt_hook, k);
    return DB_OK;
}

void db_ckpt_stop(db *d)
{
    struct db_ckpt *k = d->ckpt;
    if (!k)
        return;
    if (d->conn)
        sqlite3_wal_hook(d->conn, NULL, NULL);
    pthread_mutex_lock(&k->mu);
    k->stop = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    if (k->started)
        pthread_join(k->thread, NULL);
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    free(k);
    d->ckpt = NULL;
}
