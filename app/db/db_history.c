/*
 * History for the screens after the visit: the progression of a focus in
 * periods, the revisions left by corrections, retention and storage. The
 * progression is summed by SQLite in three grouped queries over the focus's
 * index, so that a focus with 10,000 observations costs three statements,
 * not 10,000 reads of an observation.
 */
#include "db_history.h"

#include <string.h>

#include "db_int.h"
#include "db_sync.h"

/* The filter shared by the progression's queries, with who may see what.
 * Parameters: ?1 unit, ?2 leader flag, ?3 viewer, ?4 focus, ?5 room,
 * ?6 observer, ?7 from, ?8 to; ?9 origin, ?10 width, ?11 periods. */
#define HIST_WHERE                                                                                 \
    " o.unit_id = ?1 AND (?2 = 1 OR o.observer_id = ?3 OR o.observee_id = ?3)"                     \
    " AND o.focus_id = ?4 AND (?5 = '' OR o.room_id = ?5) AND (?6 = '' OR o.observer_id = ?6)"     \
    " AND (?7 = 0 OR o.started_at >= ?7) AND (?8 = 0 OR o.started_at < ?8)"                        \
    " AND o.status = " DB_SQL_OBS_FINISHED
#define HIST_BUCKET "(o.started_at - ?9) / ?10"
#define HIST_IN_RANGE " AND o.started_at >= ?9 AND " HIST_BUCKET " < ?11"

/* Binds the filter: the viewer must be someone this tablet knows, and is a
 * leader of the unit only if the store says so. */
static int bind_hist(db *d, sqlite3_stmt *st, const db_hist_filter *f)
{
    if (!f->unit_id || !f->focus_id)
        return db_fail(d, DB_INVALID, "A unit and a focus are needed for a history.");
    model_person viewer;
    int rc = db_person_get(d, f->viewer_id ? f->viewer_id : "", &viewer);
    if (rc != DB_OK)
        return rc == DB_NOTFOUND ? db_fail(d, DB_DENIED, "Nobody is signed in.") : rc;
    int leader = viewer.role == MODEL_ROLE_LEADER && !strcmp(viewer.unit_id, f->unit_id);
    db_bind_text(st, 1, f->unit_id);
    sqlite3_bind_int(st, 2, leader);
    db_bind_text(st, 3, f->viewer_id);
    db_bind_text(st, 4, f->focus_id);
    db_bind_text(st, 5, f->room_id ? f->room_id : "");
    db_bind_text(st, 6, f->observer_id ? f->observer_id : "");
    sqlite3_bind_int64(st, 7, f->from);
    sqlite3_bind_int64(st, 8, f->to);
    return DB_OK;
}

int db_hist_range(db *d, const db_hist_filter *f, int64_t *first, int64_t *last, int64_t *n)
{
    static const char sql[] = "SELECT min(o.started_at), max(o.started_at), count(*)"
                              " FROM observation o WHERE" HIST_WHERE;
    *first = *last = *n = 0;
    sqlite3_stmt *st = db_stmt(d, sql);
    if (!st)
        return DB_INTERNAL;
    int rc = bind_hist(d, st, f);
    if (rc != DB_OK) {
        sqlite3_reset(st);
        return rc;
    }
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *first = sqlite3_column_int64(st, 0);
        *last = sqlite3_column_int64(st, 1);
        *n = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return src == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, src, "reading the history");
}

/* Binds the filter and the periods, for one of the grouped queries. */
static sqlite3_stmt *hist_stmt(db *d, const char *sql, const db_hist_filter *f, int64_t origin,
                               int64_t width, int max, int *rc)
{
    sqlite3_stmt *st = db_stmt(d, sql);
    if (!st) {
        *rc = DB_INTERNAL;
        return NULL;
    }
    if ((*rc = bind_hist(d, st, f)) != DB_OK) {
        sqlite3_reset(st);
        return NULL;
    }
    sqlite3_bind_int64(st, 9, origin);
    sqlite3_bind_int64(st, 10, width);
    sqlite3_bind_int(st, 11, max);
    return st;
}

static int sign_index(const model_focus *f, const char *id)
{
    for (int i = 0; id && i < f->n_signs; i++)
        if (!strcmp(f->signs[i].id, id))
            return i;
    return -1;
}

static int counter_index(const model_template *t, const char *key)
{
    for (int i = 0; key && i < t->n_counters; i++)
        if (!strcmp(t->counters[i].key, key))
            return i;
    return -1;
}

/* The rates of a period, from its counts and the time observed in it,
 * under the model's floor: a period of one short observation has none. */
static void bucket_rates(db_hist_bucket *k)
{
    k->has_rate = 1;
    for (int c = 0; c < MODEL_MAX_COUNTERS; c++) {
        k->per_10min[c] = 0;
        if (!model_rate(k->counts[c], k->observed_ms, &k->per_10min[c]))
            k->has_rate = 0;
    }
}

int db_hist_focus(db *d, const db_hist_filter *f, const model_focus *focus, const model_template *t,
                  int64_t origin, int64_t width_ms, int max, db_hist_bucket *out, int *n,
                  db_hist_bucket *total)
{
    static const char obs_sql[] = "SELECT " HIST_BUCKET
                                  ", count(*), sum(max(o.ended_at - o.started_at, 0))"
                                  " FROM observation o WHERE" HIST_WHERE HIST_IN_RANGE
                                  " GROUP BY 1";
    static const char rating_sql[] = "SELECT " HIST_BUCKET ", r.sign_id, r.level, count(*)"
                                     " FROM observation o JOIN rating r ON r.observation_id = o.id"
                                     " WHERE" HIST_WHERE HIST_IN_RANGE
                                     " AND r.level >= 0 GROUP BY 1, 2, 3";
    static const char event_sql[] = "SELECT " HIST_BUCKET ", e.key, count(*)"
                                    " FROM observation o JOIN event e ON e.observation_id = o.id"
                                    " WHERE" HIST_WHERE HIST_IN_RANGE
                                    " AND e.kind = " DB_SQL_EV_COUNT " AND NOT " DB_SQL_UNDONE
                                    " GROUP BY 1, 2";
    *n = 0;
    if (max < 1 || max > DB_HIST_MAX_BUCKETS || width_ms < 1)
        return db_fail(d, DB_INVALID, "A history has 1 to %d periods of at least 1 ms.",
                       DB_HIST_MAX_BUCKETS);
    memset(out, 0, sizeof *out * (size_t)max);
    for (int i = 0; i < max; i++)
        out[i].start = origin + (int64_t)i * width_ms;
    int rc, src;
    sqlite3_stmt *st = hist_stmt(d, obs_sql, f, origin, width_ms, max, &rc);
    if (!st)
        return rc;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        int b = sqlite3_column_int(st, 0);
        if (b < 0 || b >= max)
            continue;
        out[b].n_obs = sqlite3_column_int(st, 1);
        out[b].observed_ms = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_sqlite_fail(d, src, "reading the history");
    if (!(st = hist_stmt(d, rating_sql, f, origin, width_ms, max, &rc)))
        return rc;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        int b = sqlite3_column_int(st, 0);
        int s = sign_index(focus, (const char *)sqlite3_column_text(st, 1));
        int level = sqlite3_column_int(st, 2), k = sqlite3_column_int(st, 3);
        if (b < 0 || b >= max || s < 0)
            continue;
        /* A level past the scale's top (none is stored so) counts as the top. */
        if (level >= MODEL_MAX_SCALE)
            level = MODEL_MAX_SCALE - 1;
        out[b].at_level[s][level] += k;
        out[b].rated[s] += k;
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_sqlite_fail(d, src, "reading the history of ratings");
    if (!(st = hist_stmt(d, event_sql, f, origin, width_ms, max, &rc)))
        return rc;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        int b = sqlite3_column_int(st, 0);
        int c = counter_index(t, (const char *)sqlite3_column_text(st, 1));
        if (b < 0 || b >= max || c < 0)
            continue;
        out[b].counts[c] = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_sqlite_fail(d, src, "reading the history of counts");
    *n = max;
    for (int b = 0; b < max; b++)
        bucket_rates(&out[b]);
    if (total) {
        memset(total, 0, sizeof *total);
        total->start = origin;
        for (int b = 0; b < max; b++) {
            total->n_obs += out[b].n_obs;
            total->observed_ms += out[b].observed_ms;
            for (int s = 0; s < MODEL_MAX_SIGNS; s++) {
                for (int l = 0; l < MODEL_MAX_SCALE; l++)
                    total->at_level[s][l] += out[b].at_level[s][l];
                total->rated[s] += out[b].rated[s];
            }
            for (int c = 0; c < MODEL_MAX_COUNTERS; c++)
                total->counts[c] += out[b].counts[c];
        }
        bucket_rates(total);
    }
    return db_ok(d);
}

/* A reflection counts once it holds words; "new" compares the version the
 * observer opened with the one the store now holds, so a rewrite (here or
 * pulled from another tablet) is new again. */
#define RE_HAS_WORDS " (r.text <> '' OR r.next_step <> '')"

int db_reflection_state(db *d, const char *obs_id, int *state)
{
    *state = DB_RE_NONE;
    sqlite3_stmt *st = db_stmt(d, "SELECT s.seen_updated_at IS r.updated_at FROM reflection r"
                                  " LEFT JOIN reflection_seen s"
                                  " ON s.observation_id = r.observation_id"
                                  " WHERE r.observation_id = ?1 AND" RE_HAS_WORDS);
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id ? obs_id : "");
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *state = sqlite3_column_int(st, 0) ? DB_RE_SEEN : DB_RE_NEW;
    sqlite3_reset(st);
    return src == SQLITE_ROW || src == SQLITE_DONE
               ? db_ok(d)
               : db_sqlite_fail(d, src, "reading the reflection");
}

int db_reflection_mark_seen(db *d, const char *obs_id, const char *person_id)
{
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO reflection_seen(observation_id, seen_updated_at)"
                                  " SELECT r.observation_id, r.updated_at FROM reflection r"
                                  " JOIN observation o ON o.id = r.observation_id"
                                  " WHERE r.observation_id = ?1 AND o.observer_id = ?2"
                                  " ON CONFLICT(observation_id) DO UPDATE"
                                  " SET seen_updated_at = excluded.seen_updated_at");
    if (!st)
        return db_end(d, DB_INTERNAL);
    db_bind_text(st, 1, obs_id ? obs_id : "");
    db_bind_text(st, 2, person_id ? person_id : "");
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        rc = db_sqlite_fail(d, src, "noting the reflection as read");
    return db_end(d, rc);
}

int db_reflections_new(db *d, const char *unit_id, const char *observer_id, int max, model_id *out,
                       int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT o.id FROM observation o"
                                  " JOIN reflection r ON r.observation_id = o.id"
                                  " LEFT JOIN reflection_seen s ON s.observation_id = o.id"
                                  " WHERE o.unit_id = ?1 AND o.observer_id = ?2"
                                  " AND o.status = " DB_SQL_OBS_FINISHED " AND" RE_HAS_WORDS
                                  " AND s.seen_updated_at IS NOT r.updated_at"
                                  " ORDER BY r.updated_at DESC, o.id LIMIT ?3");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, unit_id ? unit_id : "");
    db_bind_text(st, 2, observer_id ? observer_id : "");
    sqlite3_bind_int(st, 3, max);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        db_col_text(st, 0, out[(*n)++], sizeof(model_id));
    sqlite3_reset(st);
    return src == SQLITE_ROW || src == SQLITE_DONE
               ? db_ok(d)
               : db_sqlite_fail(d, src, "finding new reflections");
}

static void read_revision(sqlite3_stmt *st, void *out)
{
    db_revision *r = out;
    memset(r, 0, sizeof *r);
    db_col_text(st, 0, r->observation_id, sizeof r->observation_id);
    r->revision = sqlite3_column_int(st, 1);
    db_col_text(st, 2, r->actor_id, sizeof r->actor_id);
    r->at = sqlite3_column_int64(st, 3);
    db_col_text(st, 4, r->what, sizeof r->what);
    db_col_text(st, 5, r->sign_id, sizeof r->sign_id);
    db_col_text(st, 6, r->before, sizeof r->before);
    db_col_text(st, 7, r->after, sizeof r->after);
}

int db_obs_revisions(db *d, const char *obs_id, int offset, int max, db_revision *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT observation_id, revision, actor_id, at, what, sign_id,"
                                  " before, after FROM obs_revision WHERE observation_id = ?1"
                                  " ORDER BY revision DESC, rowid DESC LIMIT ?2 OFFSET ?3");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    sqlite3_bind_int(st, 2, max);
    sqlite3_bind_int(st, 3, offset);
    return db_rows(d, st, read_revision, out, sizeof *out, max, n, "reading corrections");
}

/* The observations retention may take, oldest first: past the period, and
 * with nothing the server lacks (no change waiting in the outbox for the
 * observation or any of its parts, no conflict, no refused change). */
static int retention_batch(db *d, const char *unit_id, int64_t cutoff, int max, model_id *ids,
                           int *n)
{
    static const char sql[] =
        "SELECT o.id FROM observation o WHERE o.unit_id = ?1"
        " AND CASE WHEN o.ended_at > 0 THEN o.ended_at ELSE o.started_at END < ?2"
        " AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.obs_id = o.id)"
        " AND NOT EXISTS (SELECT 1 FROM sync_conflict c WHERE c.obs_id = o.id"
        "   OR c.entity_id = o.id)"
        " AND NOT EXISTS (SELECT 1 FROM sync_rejected j WHERE j.obs_id = o.id"
        "   OR j.entity_id = o.id)"
        " ORDER BY o.started_at, o.id LIMIT ?3";
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, sql);
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, unit_id);
    sqlite3_bind_int64(st, 2, cutoff);
    sqlite3_bind_int(st, 3, max);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        db_col_text(st, 0, ids[(*n)++], sizeof(model_id));
    sqlite3_reset(st);
    return src == SQLITE_ROW || src == SQLITE_DONE
               ? DB_OK
               : db_sqlite_fail(d, src, "finding old observations");
}

int db_retention_run(db *d, const char *unit_id, int64_t now_ms, int max, int *deleted)
{
    enum { BATCH = 200 };
    *deleted = 0;
    model_unit u;
    int rc = db_unit_get(d, unit_id ? unit_id : "", &u);
    if (rc != DB_OK)
        return rc;
    if (u.retention_days <= 0)
        return db_ok(d); /* no period set: keep everything */
    int64_t cutoff = now_ms - (int64_t)u.retention_days * 86400000;
    model_id ids[BATCH];
    while (*deleted < max) {
        int want = max - *deleted < BATCH ? max - *deleted : BATCH, n = 0;
        if ((rc = db_begin(d)) != DB_OK)
            return rc;
        rc = retention_batch(d, unit_id, cutoff, want, ids, &n);
        /* db_sync_delete takes the observation with every part, the sync
         * bookkeeping included; the trigger of step 5 takes its revisions
         * and the foreign key of step 6 its drafts. */
        for (int i = 0; rc == DB_OK && i < n; i++)
            rc = db_sync_delete(d, "observation", ids[i]);
        if ((rc = db_end(d, rc)) != DB_OK)
            return rc;
        *deleted += n;
        if (n < want)
            break;
    }
    return db_ok(d);
}

int db_storage_used(db *d, db_storage *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, "SELECT (SELECT page_count FROM pragma_page_count())"
                                  " * (SELECT page_size FROM pragma_page_size()),"
                                  " (SELECT count(*) FROM observation)");
    if (!st)
        return DB_INTERNAL;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        out->bytes = sqlite3_column_int64(st, 0);
        out->observations = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return src == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, src, "measuring the store");
}
