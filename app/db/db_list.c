/*
 * Lists of observations, for home and history. Paging is by keyset (the
 * started_at and id of the last row seen) rather than OFFSET, so that the
 * thousandth page costs what the first does with 100,000 observations.
 * Who may see what is part of the query, not left to the screens.
 */
#include "db_int.h"

#include <string.h>

/* Builds the WHERE clause and binds in one place so list and count agree.
 * Parameters: ?1 unit, ?2 viewer, ?3 focus, ?4 room, ?5 observer,
 * ?6 observee, ?7 status, ?8 from, ?9 to, ?10 leader flag. */
#define WHERE_SQL                                                                                  \
    " WHERE unit_id = ?1"                                                                          \
    " AND (?10 = 1 OR observer_id = ?2 OR observee_id = ?2)"                                       \
    " AND (?3 = '' OR focus_id = ?3) AND (?4 = '' OR room_id = ?4)"                                \
    " AND (?5 = '' OR observer_id = ?5) AND (?6 = '' OR observee_id = ?6)"                         \
    " AND (?7 < 0 OR status = ?7) AND (?8 = 0 OR started_at >= ?8)"                                \
    " AND (?9 = 0 OR started_at < ?9)"

static int bind_filter(db *d, sqlite3_stmt *st, const db_obs_filter *f)
{
    model_person viewer;
    int rc = db_person_get(d, f->viewer_id ? f->viewer_id : "", &viewer);
    if (rc != DB_OK)
        return rc == DB_NOTFOUND ? db_fail(d, DB_DENIED, "Nobody is signed in.") : rc;
    int leader = viewer.role == MODEL_ROLE_LEADER && !strcmp(viewer.unit_id, f->unit_id);
    db_bind_text(st, 1, f->unit_id);
    db_bind_text(st, 2, f->viewer_id);
    db_bind_text(st, 3, f->focus_id ? f->focus_id : "");
    db_bind_text(st, 4, f->room_id ? f->room_id : "");
    db_bind_text(st, 5, f->observer_id ? f->observer_id : "");
    db_bind_text(st, 6, f->observee_id ? f->observee_id : "");
    sqlite3_bind_int(st, 7, f->status);
    sqlite3_bind_int64(st, 8, f->from);
    sqlite3_bind_int64(st, 9, f->to);
    sqlite3_bind_int(st, 10, leader);
    return DB_OK;
}

int db_obs_list(db *d, const db_obs_filter *f, db_cursor *cursor, int max, model_observation *out,
                int *n)
{
    static const char sql[] = "SELECT " DB_OBS_COLS " FROM observation" WHERE_SQL
                              " AND (?11 = 0 OR started_at < ?11 OR (started_at = ?11"
                              " AND id < ?12)) ORDER BY started_at DESC, id DESC LIMIT ?13";
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, sql);
    if (!st)
        return DB_INTERNAL;
    int rc = bind_filter(d, st, f);
    if (rc != DB_OK)
        return rc;
    sqlite3_bind_int64(st, 11, cursor->started_at);
    db_bind_text(st, 12, cursor->id);
    sqlite3_bind_int(st, 13, max);
    if ((rc = db_rows(d, st, db_read_obs, out, sizeof *out, max, n, "listing observations")) !=
        DB_OK)
        return rc;
    if (*n > 0) {
        cursor->started_at = out[*n - 1].started_at;
        memcpy(cursor->id, out[*n - 1].id, sizeof cursor->id);
    }
    return db_ok(d);
}

int db_obs_count(db *d, const db_obs_filter *f, int64_t *n)
{
    static const char sql[] = "SELECT count(*) FROM observation" WHERE_SQL;
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, sql);
    if (!st)
        return DB_INTERNAL;
    int rc = bind_filter(d, st, f);
    if (rc != DB_OK)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return src == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, src, "counting observations");
}
