#ifndef BLIK_FAULTVFS_H
#define BLIK_FAULTVFS_H
/*
 * A SQLite VFS for tests that wraps the real one and makes writes or syncs
 * fail on demand, the way a full or failing disk does, so that the store's
 * answer to a refused write can be tested in process.
 */

/* Registers the VFS as SQLite's default. Call once, before opening. */
void faultvfs_install(void);
/* After `after` more successful writes (or syncs), every write (sync) fails
 * with the SQLite code until set again with code 0. */
void faultvfs_fail_writes(int after, int code);
void faultvfs_fail_syncs(int after, int code);
/* How many writes and syncs were refused since install. */
int faultvfs_refused(void);
/* From now on, counts the syncs of database files themselves (not their
 * logs), by whether the calling thread made them: a checkpoint ends with
 * one, a commit in WAL mode syncs only the log. */
void faultvfs_watch_thread(void);
void faultvfs_main_syncs(int *by_watched, int *by_others);

#endif
