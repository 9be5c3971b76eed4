/* The fault VFS: each method passes to the real file unless armed. */
#include "faultvfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>

typedef struct {
    sqlite3_file base;
    int main_db;        /* the database file itself (not its log or a journal) */
    sqlite3_file *real; /* lives right after this struct */
} ffile;

/* Syncs of a database file itself (what a checkpoint ends with), counted
 * by whether the watched thread made them. */
static pthread_t watched;
static atomic_int watch_set, main_by_watched, main_by_others;

void faultvfs_watch_thread(void)
{
    watched = pthread_self();
    atomic_store(&main_by_watched, 0);
    atomic_store(&main_by_others, 0);
    atomic_store(&watch_set, 1);
}

void faultvfs_main_syncs(int *by_watched, int *by_others)
{
    *by_watched = atomic_load(&main_by_watched);
    *by_others = atomic_load(&main_by_others);
}

static sqlite3_vfs fvfs;
static sqlite3_vfs *rvfs;
static int write_after, write_code, sync_after, sync_code, refused;

void faultvfs_fail_writes(int after, int code) { write_after = after, write_code = code; }
void faultvfs_fail_syncs(int after, int code) { sync_after = after, sync_code = code; }
int faultvfs_refused(void) { return refused; }

#define REAL(f) (((ffile *)(f))->real)

static int f_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    if (write_code) {
        if (write_after > 0)
            write_after--;
        else {
            refused++;
            return write_code;
        }
    }
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 s)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), s);
}
static int f_sync(sqlite3_file *f, int flags)
{
    if (sync_code) {
        if (sync_after > 0)
            sync_after--;
        else {
            refused++;
            return sync_code;
        }
    }
    if (((ffile *)f)->main_db && atomic_load(&watch_set))
        atomic_fetch_add(
            pthread_equal(pthread_self(), watched) ? &main_by_watched : &main_by_others, 1);
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *s)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), s);
}
static int f_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int f_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int f_reserved(sqlite3_file *f, int *r)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r);
}
static int f_control(sqlite3_file *f, int op, void *a)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, a);
}
static int f_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int f_devchar(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int f_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **p)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, p);
}
static int f_shmlock(sqlite3_file *f, int o, int n, int fl)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), o, n, fl);
}
static void f_shmbarrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int f_shmunmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **p)
{
    return REAL(f)->pMethods->xFetch(REAL(f), o, n, p);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), o, p);
}

static const sqlite3_io_methods fmethods = {
    3,         f_close,      f_read,     f_write,   f_truncate, f_sync,    f_size,
    f_lock,    f_unlock,     f_reserved, f_control, f_sector,   f_devchar, f_shmmap,
    f_shmlock, f_shmbarrier, f_shmunmap, f_fetch,   f_unfetch,
};

static int f_open(sqlite3_vfs *v, const char *name, sqlite3_file *file, int flags, int *out)
{
    (void)v;
    ffile *ff = (ffile *)file;
    ff->real = (sqlite3_file *)(ff + 1);
    ff->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    int rc = rvfs->xOpen(rvfs, name, ff->real, flags, out);
    ff->base.pMethods = (rc == SQLITE_OK && ff->real->pMethods) ? &fmethods : NULL;
    return rc;
}

static int f_delete(sqlite3_vfs *v, const char *n, int s)
{
    (void)v;
    return rvfs->xDelete(rvfs, n, s);
}
static int f_access(sqlite3_vfs *v, const char *n, int fl, int *r)
{
    (void)v;
    return rvfs->xAccess(rvfs, n, fl, r);
}
static int f_fullpath(sqlite3_vfs *v, const char *n, int no, char *out)
{
    (void)v;
    return rvfs->xFullPathname(rvfs, n, no, out);
}
static int f_random(sqlite3_vfs *v, int n, char *o)
{
    (void)v;
    return rvfs->xRandomness(rvfs, n, o);
}
static int f_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return rvfs->xSleep(rvfs, us);
}
static int f_time(sqlite3_vfs *v, double *t)
{
    (void)v;
    return rvfs->xCurrentTime(rvfs, t);
}
static int f_lasterr(sqlite3_vfs *v, int n, char *b)
{
    (void)v;
    return rvfs->xGetLastError(rvfs, n, b);
}
static int f_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
    (void)v;
    return rvfs->xCurrentTimeInt64(rvfs, t);
}

void faultvfs_install(void)
{
    rvfs = sqlite3_vfs_find(NULL);
    memset(&fvfs, 0, sizeof fvfs);
    fvfs.iVersion = 2;
    fvfs.szOsFile = (int)sizeof(ffile) + rvfs->szOsFile;
    fvfs.mxPathname = rvfs->mxPathname;
    fvfs.zName = "fault";
    fvfs.xOpen = f_open;
    fvfs.xDelete = f_delete;
    fvfs.xAccess = f_access;
    fvfs.xFullPathname = f_fullpath;
    fvfs.xRandomness = f_random;
    fvfs.xSleep = f_sleep;
    fvfs.xCurrentTime = f_time;
    fvfs.xGetLastError = f_lasterr;
    fvfs.xCurrentTimeInt64 = f_time64;
    sqlite3_vfs_register(&fvfs, 1);
}
