#include "dbfix.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "tsupport.h"

int dbfix_open(dbfix *f, const char *name, int with_demo)
{
    memset(f, 0, sizeof *f);
    if (tsupport_tmpdir(name, f->dir, sizeof f->dir) != 0)
        return -1;
    tsupport_path(f->path, sizeof f->path, f->dir, "blik.db");
    f->sys = plat_fake_new(FIX_T0, 7);
    int rc = db_open(f->path, f->sys, &f->d);
    if (rc != DB_OK) {
        fprintf(stderr, "db_open: %s\n", db_errmsg(f->d));
        return -1;
    }
    char err[256];
    if (with_demo && demo_load(f->d, err, sizeof err) != DB_OK) {
        fprintf(stderr, "demo_load: %s\n", err);
        return -1;
    }
    return 0;
}

void dbfix_close(dbfix *f)
{
    db_close(f->d);
    f->d = NULL;
    plat_fake_free(f->sys);
    f->sys = NULL;
    tsupport_rmtree(f->dir);
}

int dbfix_start(dbfix *f, model_id id) { return dbfix_start_in(f->d, id); }

int dbfix_start_in(db *d, model_id id)
{
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = FIX_FOCUS,
                    .observer_id = FIX_PEER_A,
                    .observee_id = FIX_PEER_B,
                    .room_id = FIX_ROOM,
                    .activity = "Samling",
                    .context_json = "{\"children\":14,\"adults\":2}",
                    .agreement = 1};
    return db_obs_start(d, &n, id);
}

long dbfix_count(const char *path, const char *table_and_where)
{
    sqlite3 *c = NULL;
    long n = -1;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table_and_where);
    if (sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(c, sql, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(c);
    return n;
}

int dbfix_exec(const char *path, const char *sql)
{
    sqlite3 *c = NULL;
    int rc = sqlite3_open(path, &c);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c, sql, NULL, NULL, NULL);
    sqlite3_close(c);
    return rc;
}
