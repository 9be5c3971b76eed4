/*
 * The store's side of sync: applying pulled records, remembering server
 * versions and cursors, and keeping conflicts and rejected changes until a
 * person decides. See db_sync.h for the rules each call keeps.
 */
#include "db_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

/* Runs a bound write statement; one step, no rows expected. */
static int run(db *d, sqlite3_stmt *st, const char *doing)
{
    if (!st)
        return DB_INTERNAL;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? DB_OK : db_sqlite_fail(d, rc, doing);
}

/* 1 if the bound query returns a row, 0 if not, -1 on error (message set). */
static int exists(db *d, sqlite3_stmt *st, const char *doing)
{
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    db_sqlite_fail(d, rc, doing);
    return -1;
}

/* The key the server knows a change's record by: a rating is named in the
 * outbox by its sign, within its observation. */
static void change_key(const char *entity, const char *entity_id, const char *obs_id, char *key,
                       size_t cap)
{
    if (!strcmp(entity, "rating"))
        snprintf(key, cap, "%s/%s", obs_id ? obs_id : "", entity_id);
    else
        snprintf(key, cap, "%s", entity_id);
}

static int version_put(db *d, const char *entity, const char *key, int version)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_version(entity, key, version) VALUES(?1, ?2, ?3)"
                                  " ON CONFLICT(entity, key) DO UPDATE SET"
                                  " version = max(version, excluded.version)");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity);
    db_bind_text(st, 2, key);
    sqlite3_bind_int(st, 3, version);
    return run(d, st, "remembering a server version");
}

/*
 * Whether a record must not be overwritten by what the server sent: it has a
 * change here that the server has not acknowledged yet, or an open conflict.
 * Overwriting it would lose what the person saved; the server's version is
 * kept beside it instead.
 */
static int held(db *d, const char *entity, const char *entity_id, const char *obs_id,
                const char *key)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM outbox WHERE entity_id = ?2 AND entity = ?1"
                                  " AND (?1 <> 'rating' OR obs_id = ?3)"
                                  " UNION ALL SELECT 1 FROM sync_conflict"
                                  " WHERE entity = ?1 AND key = ?4 LIMIT 1");
    if (!st)
        return -1;
    db_bind_text(st, 1, entity);
    db_bind_text(st, 2, entity_id);
    db_bind_text(st, 3, obs_id);
    db_bind_text(st, 4, key);
    return exists(d, st, "reading sync state");
}

static int remote_put(db *d, const db_sync_item *it)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_remote(entity, key, version, data)"
                                  " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(entity, key) DO UPDATE SET"
                                  " version = excluded.version, data = excluded.data"
                                  " WHERE excluded.version >= version");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, it->entity);
    db_bind_text(st, 2, it->key);
    sqlite3_bind_int(st, 3, it->version);
    db_bind_text(st, 4, it->json ? it->json : "{}");
    return run(d, st, "keeping the server's version");
}

static int remote_drop(db *d, const char *entity, const char *key, int upto)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM sync_remote WHERE entity = ?1 AND key = ?2"
                                  " AND version <= ?3");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity);
    db_bind_text(st, 2, key);
    sqlite3_bind_int(st, 3, upto);
    return run(d, st, "forgetting the server's version");
}

/* Returns DB_NOTFOUND with a sentence if the bound lookup finds nothing. */
static int need(db *d, sqlite3_stmt *st, const char *what)
{
    int e = exists(d, st, "looking up a record");
    if (e < 0)
        return DB_INTERNAL;
    return e ? DB_OK : db_fail(d, DB_NOTFOUND, "%s is not on this tablet yet.", what);
}

static int need_obs(db *d, const char *obs_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM observation WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    return need(d, st, "The observation");
}

static int need_person(db *d, const char *id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM person WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, id);
    return need(d, st, "A person");
}

static int apply_obs(db *d, const model_observation *o)
{
    int rc;
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM focus WHERE id = ?1 AND version = ?2");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, o->focus_id);
    sqlite3_bind_int(st, 2, o->focus_version);
    if ((rc = need(d, st, "The observation's focus")) != DB_OK)
        return rc;
    st = db_stmt(d, "SELECT 1 FROM template WHERE id = ?1 AND version = ?2");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, o->template_id);
    sqlite3_bind_int(st, 2, o->template_version);
    if ((rc = need(d, st, "The observation's template")) != DB_OK ||
        (rc = need_person(d, o->observer_id)) != DB_OK ||
        (rc = need_person(d, o->observee_id)) != DB_OK)
        return rc;
    st = db_stmt(d, "SELECT 1 FROM room WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, o->room_id);
    if ((rc = need(d, st, "The observation's room")) != DB_OK)
        return rc;
    st = db_stmt(d, "INSERT INTO observation(" DB_OBS_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                    " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) ON CONFLICT(id) DO UPDATE SET"
                    " activity = excluded.activity, context = excluded.context,"
                    " ended_at = excluded.ended_at, status = excluded.status,"
                    " revision = excluded.revision, updated_at = excluded.updated_at"
                    " WHERE unit_id = excluded.unit_id AND observer_id = excluded.observer_id");
    if (!st)
        return DB_INTERNAL;
    db_bind_obs(st, o);
    return run(d, st, "saving a pulled observation");
}

static int apply_event(db *d, const model_event *e)
{
    int rc = need_obs(d, e->observation_id);
    if (rc != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO event(id, observation_id, kind, key, target_id, at)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO NOTHING");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, e->id);
    db_bind_text(st, 2, e->observation_id);
    sqlite3_bind_int(st, 3, (int)e->kind);
    db_bind_text(st, 4, e->key);
    db_bind_text(st, 5, e->target_id[0] ? e->target_id : NULL);
    sqlite3_bind_int64(st, 6, e->at);
    return run(d, st, "saving a pulled event");
}

static int apply_note(db *d, const model_note *n)
{
    int rc = need_obs(d, n->observation_id);
    if (rc != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO note(id, observation_id, at, text, sign_id)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO NOTHING");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, n->id);
    db_bind_text(st, 2, n->observation_id);
    sqlite3_bind_int64(st, 3, n->at);
    db_bind_text(st, 4, n->text);
    db_bind_text(st, 5, n->sign_id[0] ? n->sign_id : NULL);
    return run(d, st, "saving a pulled note");
}

static int apply_rating(db *d, const model_rating *r)
{
    int rc = need_obs(d, r->observation_id);
    if (rc != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO rating(observation_id, sign_id, level, at)"
                                  " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(observation_id, sign_id)"
                                  " DO UPDATE SET level = excluded.level, at = excluded.at");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, r->observation_id);
    db_bind_text(st, 2, r->sign_id);
    sqlite3_bind_int(st, 3, r->level);
    sqlite3_bind_int64(st, 4, r->at);
    return run(d, st, "saving a pulled rating");
}

static int apply_feedback(db *d, const model_feedback *f)
{
    int rc;
    if ((rc = need_obs(d, f->observation_id)) != DB_OK ||
        (rc = need_person(d, f->author_id)) != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(
        d, "INSERT INTO feedback(observation_id, author_id, works, wonderings, next_step,"
           " given_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
           " ON CONFLICT(observation_id) DO UPDATE SET author_id = excluded.author_id,"
           " works = excluded.works, wonderings = excluded.wonderings,"
           " next_step = excluded.next_step, given_at = excluded.given_at,"
           " updated_at = excluded.updated_at");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, f->observation_id);
    db_bind_text(st, 2, f->author_id);
    db_bind_text(st, 3, f->works);
    db_bind_text(st, 4, f->wonderings);
    db_bind_text(st, 5, f->next_step);
    sqlite3_bind_int64(st, 6, f->given_at);
    sqlite3_bind_int64(st, 7, f->updated_at);
    return run(d, st, "saving pulled feedback");
}

static int apply_reflection(db *d, const model_reflection *r)
{
    int rc;
    if ((rc = need_obs(d, r->observation_id)) != DB_OK ||
        (rc = need_person(d, r->author_id)) != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO reflection(observation_id, author_id, text,"
                                  " next_step, updated_at) VALUES(?1, ?2, ?3, ?4, ?5)"
                                  " ON CONFLICT(observation_id) DO UPDATE SET"
                                  " author_id = excluded.author_id, text = excluded.text,"
                                  " next_step = excluded.next_step, updated_at = excluded.updated_at");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, r->observation_id);
    db_bind_text(st, 2, r->author_id);
    db_bind_text(st, 3, r->text);
    db_bind_text(st, 4, r->next_step);
    sqlite3_bind_int64(st, 5, r->updated_at);
    return run(d, st, "saving a pulled reflection");
}

/* Reference data is stored through the same calls the demo uses, which
 * validate it; a record that points at something missing waits. */
static int apply_ref(db *d, const db_sync_item *it)
{
    const char *e = it->entity;
    if (!strcmp(e, "unit"))
        return db_unit_put(d, it->rec);
    if (!strcmp(e, "room"))
        return db_room_put(d, it->rec);
    if (!strcmp(e, "person"))
        return db_person_put(d, it->rec);
    if (!strcmp(e, "template"))
        return db_template_put(d, it->rec);
    if (!strcmp(e, "focus")) {
        const model_focus *f = it->rec;
        sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM template WHERE id = ?1");
        if (!st)
            return DB_INTERNAL;
        db_bind_text(st, 1, f->template_id);
        int rc = need(d, st, "The focus's template");
        return rc == DB_OK ? db_focus_put(d, f) : rc;
    }
    return db_fail(d, DB_INVALID, "Sync sent a record of an unknown kind (%.15s).", e);
}

/* The observation a pulled part belongs to, and the id the outbox names it by. */
static void part_ids(const db_sync_item *it, const char **entity_id, const char **obs_id)
{
    const char *e = it->entity;
    *entity_id = it->key;
    *obs_id = NULL;
    if (!strcmp(e, "observation")) {
        *obs_id = ((const model_observation *)it->rec)->id;
    } else if (!strcmp(e, "event")) {
        *obs_id = ((const model_event *)it->rec)->observation_id;
    } else if (!strcmp(e, "note")) {
        *obs_id = ((const model_note *)it->rec)->observation_id;
    } else if (!strcmp(e, "rating")) {
        *obs_id = ((const model_rating *)it->rec)->observation_id;
        *entity_id = ((const model_rating *)it->rec)->sign_id;
    } else if (!strcmp(e, "feedback")) {
        *obs_id = *entity_id = ((const model_feedback *)it->rec)->observation_id;
    } else if (!strcmp(e, "reflection")) {
        *obs_id = *entity_id = ((const model_reflection *)it->rec)->observation_id;
    }
}

static int is_part(const char *e)
{
    return !strcmp(e, "observation") || !strcmp(e, "event") || !strcmp(e, "note") ||
           !strcmp(e, "rating") || !strcmp(e, "feedback") || !strcmp(e, "reflection");
}

static int unpark_older(db *d, const char *entity, const char *key, int version)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM sync_park WHERE entity = ?1 AND key = ?2"
                                  " AND version <= ?3");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity);
    db_bind_text(st, 2, key);
    sqlite3_bind_int(st, 3, version);
    return run(d, st, "forgetting a waiting record");
}

int db_sync_apply(db *d, const db_sync_item *it, int force)
{
    if (!it || !it->entity || !it->key || !it->rec)
        return db_fail(d, DB_INVALID, "A pulled record is missing its kind, key or content.");
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    if (!is_part(it->entity)) {
        rc = apply_ref(d, it);
    } else {
        const char *entity_id, *obs_id;
        part_ids(it, &entity_id, &obs_id);
        int h = force ? 0 : held(d, it->entity, entity_id, obs_id, it->key);
        if (h < 0) {
            rc = DB_INTERNAL;
        } else if (h) {
            rc = it->json ? remote_put(d, it)
                          : db_fail(d, DB_DENIED, "The record has local changes; its server "
                                                  "version is kept beside them.");
        } else {
            const char *e = it->entity;
            rc = !strcmp(e, "observation") ? apply_obs(d, it->rec)
                 : !strcmp(e, "event")     ? apply_event(d, it->rec)
                 : !strcmp(e, "note")      ? apply_note(d, it->rec)
                 : !strcmp(e, "rating")    ? apply_rating(d, it->rec)
                 : !strcmp(e, "feedback")  ? apply_feedback(d, it->rec)
                                           : apply_reflection(d, it->rec);
            if (rc == DB_OK)
                rc = version_put(d, e, it->key, it->version);
            if (rc == DB_OK)
                rc = remote_drop(d, e, it->key, force ? 1 << 30 : it->version);
        }
    }
    if (rc == DB_OK)
        rc = unpark_older(d, it->entity, it->key, it->version);
    return db_end(d, rc);
}

/* Everything of one observation, in the order the foreign keys need. */
static const char *const obs_delete_sql[] = {
    "DELETE FROM event WHERE observation_id = ?1",
    "DELETE FROM note WHERE observation_id = ?1",
    "DELETE FROM rating WHERE observation_id = ?1",
    "DELETE FROM feedback WHERE observation_id = ?1",
    "DELETE FROM reflection WHERE observation_id = ?1",
    "DELETE FROM outbox WHERE obs_id = ?1 OR entity_id = ?1",
    "DELETE FROM sync_conflict WHERE obs_id = ?1 OR entity_id = ?1",
    "DELETE FROM sync_rejected WHERE obs_id = ?1 OR entity_id = ?1",
    "DELETE FROM sync_remote WHERE key = ?1 OR key LIKE ?1 || '/%'"
    " OR json_extract(data, '$.observation_id') = ?1",
    "DELETE FROM sync_park WHERE key = ?1 OR key LIKE ?1 || '/%'"
    " OR json_extract(data, '$.observation_id') = ?1",
    "DELETE FROM sync_version WHERE key = ?1 OR key LIKE ?1 || '/%'",
    "DELETE FROM observation WHERE id = ?1",
};

static int delete_obs(db *d, const char *id)
{
    for (size_t i = 0; i < sizeof obs_delete_sql / sizeof obs_delete_sql[0]; i++) {
        sqlite3_stmt *st = db_stmt(d, obs_delete_sql[i]);
        if (!st)
            return DB_INTERNAL;
        db_bind_text(st, 1, id);
        int rc = run(d, st, "deleting an observation the server deleted");
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
        rc = delete_obs(d, id);
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
            rc = delete_obs(d, obs);
            st = db_stmt(d, "SELECT id FROM observation WHERE observer_id = ?1"
                            " OR observee_id = ?1 LIMIT 1");
        }
        const char *more[] = {"DELETE FROM outbox WHERE actor_id = ?1",
                              "DELETE FROM sync_follow WHERE person_id = ?1",
                              "DELETE FROM person WHERE id = ?1"};
        for (size_t i = 0; rc == DB_OK && i < 3; i++) {
            st = db_stmt(d, more[i]);
            if (!st) {
                rc = DB_INTERNAL;
                break;
            }
            db_bind_text(st, 1, id);
            rc = run(d, st, "deleting a person the server deleted");
        }
    }
    return db_end(d, rc);
}

int db_sync_park(db *d, const db_sync_item *it)
{
    if (!it || !it->entity || !it->key || !it->json)
        return db_fail(d, DB_INVALID, "A pulled record is missing its kind, key or content.");
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_park(entity, key, version, data)"
                                  " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(entity, key) DO UPDATE SET"
                                  " version = excluded.version, data = excluded.data"
                                  " WHERE excluded.version >= version");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, it->entity);
    db_bind_text(st, 2, it->key);
    sqlite3_bind_int(st, 3, it->version);
    db_bind_text(st, 4, it->json);
    int rc = run(d, st, "keeping a record that arrived early");
    return rc == DB_OK ? db_ok(d) : rc;
}

void db_sync_parked_free(db_sync_parked *p, int n)
{
    for (int i = 0; p && i < n; i++) {
        free(p[i].data);
        p[i].data = NULL;
    }
}

/* Copies a text column into a new malloc'd string; NULL for SQL NULL or
 * when out of memory (*oom set). */
static char *col_dup(sqlite3_stmt *st, int i, int *oom)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    if (!s)
        return NULL;
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    char *out = malloc(n + 1);
    if (!out) {
        *oom = 1;
        return NULL;
    }
    memcpy(out, s, n + 1);
    return out;
}

int db_sync_parked_list(db *d, int max, db_sync_parked *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT entity, key, version, data FROM sync_park"
                                  " ORDER BY rowid LIMIT ?1");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    int rc, oom = 0;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        db_sync_parked *p = &out[*n];
        memset(p, 0, sizeof *p);
        db_col_text(st, 0, p->entity, sizeof p->entity);
        db_col_text(st, 1, p->key, sizeof p->key);
        p->version = sqlite3_column_int(st, 2);
        p->data = col_dup(st, 3, &oom);
        if (oom)
            break;
        (*n)++;
    }
    sqlite3_reset(st);
    if (oom) {
        db_sync_parked_free(out, *n);
        *n = 0;
        return db_fail(d, DB_NOMEM, "Out of memory while reading records that wait.");
    }
    if (*n < max && rc != SQLITE_DONE) {
        db_sync_parked_free(out, *n);
        *n = 0;
        return db_sqlite_fail(d, rc, "reading records that wait");
    }
    return db_ok(d);
}

int db_sync_unpark(db *d, const char *entity, const char *key)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM sync_park WHERE entity = ?1 AND key = ?2");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity);
    db_bind_text(st, 2, key);
    int rc = run(d, st, "forgetting a waiting record");
    return rc == DB_OK ? db_ok(d) : rc;
}

/* ---- cursors and the people pulled for ---- */

int db_sync_cursor_get(db *d, const char *person_id, int64_t *cursor)
{
    *cursor = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT cursor FROM sync_follow WHERE person_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, person_id ? person_id : "");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *cursor = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? db_ok(d)
                                                 : db_sqlite_fail(d, rc, "reading a pull cursor");
}

int db_sync_cursor_put(db *d, const char *person_id, int64_t cursor)
{
    if (cursor < 0)
        return db_fail(d, DB_INVALID, "A pull cursor cannot be negative.");
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_follow(person_id, cursor) VALUES(?1, ?2)"
                                  " ON CONFLICT(person_id) DO UPDATE SET cursor = excluded.cursor");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, person_id ? person_id : "");
    sqlite3_bind_int64(st, 2, cursor);
    int rc = run(d, st, "saving a pull cursor");
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_follow(db *d, const char *person_id)
{
    char err[160];
    if (model_id_check(person_id, "The person", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_follow(person_id, cursor) VALUES(?1, 0)"
                                  " ON CONFLICT(person_id) DO NOTHING");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, person_id);
    int rc = run(d, st, "following a person");
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_followed(db *d, model_id *out, int max, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT person_id FROM sync_follow ORDER BY person_id <> '',"
                                  " person_id LIMIT ?1");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    int rc;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        db_col_text(st, 0, out[(*n)++], sizeof(model_id));
    if (*n >= max)
        rc = SQLITE_DONE;
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, rc, "listing the people pulled for");
}

/* ---- acknowledgements ---- */

int db_sync_base_version(db *d, const char *change_id, int *base)
{
    *base = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT base_version FROM outbox WHERE change_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *base = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return db_ok(d);
    return rc == SQLITE_DONE ? db_fail(d, DB_NOTFOUND, "No such change waiting to be sent.")
                             : db_sqlite_fail(d, rc, "reading a change's base version");
}

typedef struct {
    model_id change_id;
    char entity[16];
    model_id entity_id;
    model_id obs_id;
    model_id actor_id;
    int64_t created_at;
    char *payload;
} outbox_row;

/* Reads one outbox entry by change id: 1 found, 0 not, negative rc on error. */
static int outbox_row_get(db *d, const char *change_id, outbox_row *r)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *st = db_stmt(d, "SELECT change_id, entity, entity_id, obs_id, actor_id,"
                                  " created_at, payload FROM outbox WHERE change_id = ?1");
    if (!st)
        return -DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW) {
        db_col_text(st, 0, r->change_id, sizeof r->change_id);
        db_col_text(st, 1, r->entity, sizeof r->entity);
        db_col_text(st, 2, r->entity_id, sizeof r->entity_id);
        db_col_text(st, 3, r->obs_id, sizeof r->obs_id);
        db_col_text(st, 4, r->actor_id, sizeof r->actor_id);
        r->created_at = sqlite3_column_int64(st, 5);
        r->payload = col_dup(st, 6, &oom);
    }
    sqlite3_reset(st);
    if (oom)
        return -db_fail(d, DB_NOMEM, "Out of memory while reading a change.");
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : -db_sqlite_fail(d, rc, "reading a change");
}

static int ack_in_txn(db *d, const char *change_id, db_sync_ack_kind kind, int version,
                      const char *code, const char *message)
{
    outbox_row r;
    int found = outbox_row_get(d, change_id, &r);
    if (found <= 0)
        return found < 0 ? -found : DB_OK; /* acknowledged before: the answer came twice */
    char key[80];
    change_key(r.entity, r.entity_id, r.obs_id, key, sizeof key);
    int64_t now = d->sys->now_ms(d->sys);
    int rc = DB_OK;
    sqlite3_stmt *st;
    if (kind == DB_SYNC_ACK_STORED) {
        if ((rc = version_put(d, r.entity, key, version)) == DB_OK)
            rc = remote_drop(d, r.entity, key, version);
    } else if (kind == DB_SYNC_ACK_CONFLICT) {
        /* The newest local version of a part is the one a person decides on. */
        st = db_stmt(d, "DELETE FROM sync_conflict WHERE entity = ?1 AND key = ?2");
        if (st) {
            db_bind_text(st, 1, r.entity);
            db_bind_text(st, 2, key);
        }
        rc = run(d, st, "recording a conflict");
        st = rc == DB_OK ? db_stmt(d, "INSERT INTO sync_conflict(change_id, entity, entity_id,"
                                      " obs_id, key, actor_id, payload, server_version, at)"
                                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                         : NULL;
        if (st) {
            db_bind_text(st, 1, r.change_id);
            db_bind_text(st, 2, r.entity);
            db_bind_text(st, 3, r.entity_id);
            db_bind_text(st, 4, r.obs_id[0] ? r.obs_id : NULL);
            db_bind_text(st, 5, key);
            db_bind_text(st, 6, r.actor_id);
            db_bind_text(st, 7, r.payload);
            sqlite3_bind_int(st, 8, version);
            sqlite3_bind_int64(st, 9, now);
            rc = run(d, st, "recording a conflict");
        } else if (rc == DB_OK) {
            rc = DB_INTERNAL;
        }
    } else {
        st = db_stmt(d, "INSERT OR REPLACE INTO sync_rejected(change_id, entity, entity_id, obs_id,"
                        " actor_id, payload, created_at, code, message, at)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        if (st) {
            db_bind_text(st, 1, r.change_id);
            db_bind_text(st, 2, r.entity);
            db_bind_text(st, 3, r.entity_id);
            db_bind_text(st, 4, r.obs_id[0] ? r.obs_id : NULL);
            db_bind_text(st, 5, r.actor_id);
            db_bind_text(st, 6, r.payload);
            sqlite3_bind_int64(st, 7, r.created_at);
            db_bind_text(st, 8, code ? code : "");
            db_bind_text(st, 9, message && *message ? message : "The server refused the change.");
            sqlite3_bind_int64(st, 10, now);
        }
        rc = run(d, st, "keeping a refused change");
    }
    free(r.payload);
    if (rc != DB_OK)
        return rc;
    return db_outbox_ack(d, change_id);
}

int db_sync_ack(db *d, const char *change_id, db_sync_ack_kind kind, int version,
                const char *code, const char *message)
{
    if (!change_id || version < 0 || kind > DB_SYNC_ACK_REJECTED)
        return db_fail(d, DB_INVALID, "An acknowledgement needs a change id and a version.");
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    return db_end(d, ack_in_txn(d, change_id, kind, version, code, message));
}

/* ---- state ---- */

int db_sync_state_of(db *d, const char *entity_id, db_sync_state *state)
{
    *state = DB_SYNC_SYNCED;
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM sync_rejected WHERE entity_id = ?1 OR obs_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity_id);
    int e = exists(d, st, "reading sync state");
    if (e < 0)
        return DB_INTERNAL;
    if (e) {
        *state = DB_SYNC_REJECTED;
        return db_ok(d);
    }
    st = db_stmt(d, "SELECT 1 FROM sync_conflict WHERE entity_id = ?1 OR obs_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity_id);
    if ((e = exists(d, st, "reading sync state")) < 0)
        return DB_INTERNAL;
    if (e) {
        *state = DB_SYNC_CONFLICT;
        return db_ok(d);
    }
    int pending = 0;
    int rc = db_is_pending(d, entity_id, &pending);
    if (rc == DB_OK && pending)
        *state = DB_SYNC_SAVED;
    return rc;
}

int db_sync_count(db *d, db_sync_counts *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, "SELECT (SELECT count(*) FROM outbox),"
                                  " (SELECT count(*) FROM sync_conflict),"
                                  " (SELECT count(*) FROM sync_rejected),"
                                  " (SELECT count(*) FROM sync_park)");
    if (!st)
        return DB_INTERNAL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->waiting = sqlite3_column_int64(st, 0);
        out->conflicts = sqlite3_column_int64(st, 1);
        out->rejected = sqlite3_column_int64(st, 2);
        out->parked = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, rc, "counting sync state");
}

void db_sync_conflicts_free(db_sync_conflict *c, int n)
{
    for (int i = 0; c && i < n; i++) {
        free(c[i].mine);
        free(c[i].theirs);
        c[i].mine = c[i].theirs = NULL;
    }
}

int db_sync_conflicts(db *d, int offset, int max, db_sync_conflict *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT c.change_id, c.entity, c.entity_id, c.obs_id, c.key,"
                                  " max(c.server_version, coalesce(r.version, 0)), c.at, c.payload,"
                                  " r.data FROM sync_conflict c LEFT JOIN sync_remote r"
                                  " ON r.entity = c.entity AND r.key = c.key"
                                  " ORDER BY c.at, c.change_id LIMIT ?1 OFFSET ?2");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    sqlite3_bind_int(st, 2, offset);
    int rc = SQLITE_DONE, oom = 0;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        db_sync_conflict *c = &out[*n];
        memset(c, 0, sizeof *c);
        db_col_text(st, 0, c->change_id, sizeof c->change_id);
        db_col_text(st, 1, c->entity, sizeof c->entity);
        db_col_text(st, 2, c->entity_id, sizeof c->entity_id);
        db_col_text(st, 3, c->obs_id, sizeof c->obs_id);
        db_col_text(st, 4, c->key, sizeof c->key);
        c->server_version = sqlite3_column_int(st, 5);
        c->at = sqlite3_column_int64(st, 6);
        c->mine = col_dup(st, 7, &oom);
        c->theirs = col_dup(st, 8, &oom);
        (*n)++;
        if (oom)
            break;
    }
    sqlite3_reset(st);
    if (oom) {
        db_sync_conflicts_free(out, *n);
        *n = 0;
        return db_fail(d, DB_NOMEM, "Out of memory while reading conflicts.");
    }
    if (*n < max && rc != SQLITE_DONE) {
        db_sync_conflicts_free(out, *n);
        *n = 0;
        return db_sqlite_fail(d, rc, "reading conflicts");
    }
    return db_ok(d);
}

typedef struct {
    char entity[16];
    model_id entity_id, obs_id, actor_id;
    char key[80];
    int version;
    char *payload;
} conflict_row;

static int conflict_get(db *d, const char *change_id, conflict_row *c)
{
    memset(c, 0, sizeof *c);
    sqlite3_stmt *st = db_stmt(d, "SELECT c.entity, c.entity_id, c.obs_id, c.actor_id, c.key,"
                                  " max(c.server_version, coalesce(r.version, 0)), c.payload"
                                  " FROM sync_conflict c LEFT JOIN sync_remote r"
                                  " ON r.entity = c.entity AND r.key = c.key WHERE c.change_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    int rc = sqlite3_step(st), oom = 0;
    if (rc == SQLITE_ROW) {
        db_col_text(st, 0, c->entity, sizeof c->entity);
        db_col_text(st, 1, c->entity_id, sizeof c->entity_id);
        db_col_text(st, 2, c->obs_id, sizeof c->obs_id);
        db_col_text(st, 3, c->actor_id, sizeof c->actor_id);
        db_col_text(st, 4, c->key, sizeof c->key);
        c->version = sqlite3_column_int(st, 5);
        c->payload = col_dup(st, 6, &oom);
    }
    sqlite3_reset(st);
    if (oom)
        return db_fail(d, DB_NOMEM, "Out of memory while reading a conflict.");
    if (rc == SQLITE_ROW)
        return DB_OK;
    return rc == SQLITE_DONE ? db_fail(d, DB_NOTFOUND, "There is no such conflict.")
                             : db_sqlite_fail(d, rc, "reading a conflict");
}

static int conflict_delete(db *d, const char *change_id)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM sync_conflict WHERE change_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    return run(d, st, "closing a conflict");
}

int db_sync_conflict_keep_mine(db *d, const char *change_id)
{
    conflict_row c;
    int rc = conflict_get(d, change_id, &c);
    if (rc != DB_OK)
        return rc;
    model_entity e;
    model_err me;
    model_record *mine = malloc(sizeof *mine);
    if (!mine) {
        free(c.payload);
        return db_fail(d, DB_NOMEM, "Out of memory while reading a conflict.");
    }
    if (model_entity_parse(c.entity, &e) != 0 || model_record_parse(e, c.payload, mine, &me) != 0)
        rc = db_fail(d, DB_CORRUPT, "A kept version of a conflict is damaged.");
    free(c.payload);
    if (rc == DB_OK)
        rc = db_begin(d);
    if (rc != DB_OK) {
        free(mine);
        return rc;
    }
    /* Made on the server's version, the change replaces it rather than
     * meeting it as a conflict again. */
    if ((rc = version_put(d, c.entity, c.key, c.version)) == DB_OK &&
        (rc = conflict_delete(d, change_id)) == DB_OK &&
        (rc = remote_drop(d, c.entity, c.key, 1 << 30)) == DB_OK)
        rc = db_outbox_add(d, mine, c.entity_id, c.obs_id[0] ? c.obs_id : NULL, c.actor_id);
    free(mine);
    return db_end(d, rc);
}

int db_sync_conflict_close(db *d, const char *change_id)
{
    int rc = conflict_delete(d, change_id);
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_rejections(db *d, int offset, int max, db_sync_rejection *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT change_id, entity, entity_id, obs_id, code, message, at"
                                  " FROM sync_rejected ORDER BY at DESC, change_id"
                                  " LIMIT ?1 OFFSET ?2");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int(st, 1, max);
    sqlite3_bind_int(st, 2, offset);
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        db_sync_rejection *r = &out[(*n)++];
        memset(r, 0, sizeof *r);
        db_col_text(st, 0, r->change_id, sizeof r->change_id);
        db_col_text(st, 1, r->entity, sizeof r->entity);
        db_col_text(st, 2, r->entity_id, sizeof r->entity_id);
        db_col_text(st, 3, r->obs_id, sizeof r->obs_id);
        db_col_text(st, 4, r->code, sizeof r->code);
        db_col_text(st, 5, r->message, sizeof r->message);
        r->at = sqlite3_column_int64(st, 6);
    }
    if (*n >= max)
        rc = SQLITE_DONE;
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, rc, "reading refused changes");
}

int db_sync_rejection_retry(db *d, const char *change_id)
{
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO outbox(change_id, entity, entity_id, obs_id,"
                                  " payload, created_at, actor_id) SELECT change_id, entity,"
                                  " entity_id, obs_id, payload, created_at, actor_id"
                                  " FROM sync_rejected WHERE change_id = ?1");
    if (st)
        db_bind_text(st, 1, change_id);
    rc = run(d, st, "sending a refused change again");
    if (rc == DB_OK && sqlite3_changes(d->conn) == 0)
        rc = db_fail(d, DB_NOTFOUND, "There is no such refused change.");
    if (rc == DB_OK) {
        st = db_stmt(d, "DELETE FROM sync_rejected WHERE change_id = ?1");
        if (st)
            db_bind_text(st, 1, change_id);
        rc = run(d, st, "sending a refused change again");
    }
    return db_end(d, rc);
}

/* ---- enrolment settings ---- */

int db_sync_config_put(db *d, const char *key, const char *value)
{
    char err[160];
    if (model_name_check(key, 64, "The setting's name", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    if (!value || strlen(value) > DB_SYNC_CONFIG_MAX)
        return db_fail(d, DB_INVALID, "The setting %s is too long.", key);
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO sync_config(key, value) VALUES(?1, ?2)"
                                  " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, key);
    db_bind_text(st, 2, value);
    int rc = run(d, st, "saving a sync setting");
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_config_get(db *d, const char *key, char *out, size_t cap)
{
    out[0] = '\0';
    sqlite3_stmt *st = db_stmt(d, "SELECT value FROM sync_config WHERE key = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, key);
    char what[96];
    snprintf(what, sizeof what, "sync setting %.64s", key);
    return db_get_text(d, st, what, out, cap);
}
