/*
 * Applying pulled records: a record with local changes or an open conflict
 * is kept beside them, never over them; a record whose parent is missing
 * waits (db_sync_park.c); everything else is written in place.
 */
#include "db_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "db_sync_int.h"

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
    return db_sync_exists(d, st, "reading sync state");
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
    return db_sync_run(d, st, "keeping the server's version");
}

/* Returns DB_NOTFOUND with a sentence if the bound lookup finds nothing. */
static int need(db *d, sqlite3_stmt *st, const char *what)
{
    int e = db_sync_exists(d, st, "looking up a record");
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
    return db_sync_run(d, st, "saving a pulled observation");
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
    return db_sync_run(d, st, "saving a pulled event");
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
    return db_sync_run(d, st, "saving a pulled note");
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
    return db_sync_run(d, st, "saving a pulled rating");
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
    return db_sync_run(d, st, "saving pulled feedback");
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
    return db_sync_run(d, st, "saving a pulled reflection");
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
    return db_sync_run(d, st, "forgetting a waiting record");
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
                rc = db_sync_version_put(d, e, it->key, it->version);
            if (rc == DB_OK)
                rc = db_sync_remote_drop(d, e, it->key, force ? 1 << 30 : it->version);
        }
    }
    if (rc == DB_OK)
        rc = unpark_older(d, it->entity, it->key, it->version);
    return db_end(d, rc);
}
