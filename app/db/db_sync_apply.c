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
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM outbox WHERE obs_id = ?3 AND entity = ?1"
                                  " AND entity_id = ?2 UNION ALL SELECT 1 FROM sync_conflict"
                                  " WHERE entity = ?1 AND key = ?4 LIMIT 1");
    if (!st)
        return -1;
    db_bind_text(st, 1, entity);
    db_bind_text(st, 2, entity_id);
    db_bind_text(st, 3, obs_id);
    db_bind_text(st, 4, key);
    return db_sync_exists(d, st, "reading sync state");
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
        (o->observee_id[0] && (rc = need_person(d, o->observee_id)) != DB_OK))
        return rc;
    st = db_stmt(d, "SELECT 1 FROM room WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, o->room_id);
    if ((rc = need(d, st, "The observation's room")) != DB_OK)
        return rc;
    st = db_stmt(
        d,
        "INSERT INTO observation(" DB_OBS_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) ON CONFLICT(id) DO UPDATE SET"
        " activity = excluded.activity, context = excluded.context,"
        " ended_at = excluded.ended_at, status = excluded.status,"
        " revision = excluded.revision, updated_at = excluded.updated_at,"
        " pair_code = excluded.pair_code, plan_id = excluded.plan_id, team = excluded.team"
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
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
                                  " ON CONFLICT(observation_id, id) DO NOTHING");
    if (!st)
        return DB_INTERNAL;
    db_bind_event(st, e);
    return db_sync_run(d, st, "saving a pulled event");
}

static int apply_note(db *d, const model_note *n)
{
    int rc = need_obs(d, n->observation_id);
    if (rc != DB_OK)
        return rc;
    /* A note's observer may have edited or deleted it (empty text) since. */
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO note(id, observation_id, at, text, sign_id)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE"
                                  " SET text = excluded.text, sign_id = excluded.sign_id");
    if (!st)
        return DB_INTERNAL;
    db_bind_note(st, n);
    return db_sync_run(d, st, "saving a pulled note");
}

static int apply_rating(db *d, const model_rating *r)
{
    int rc = need_obs(d, r->observation_id);
    if (rc != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, DB_RATING_UPSERT);
    if (!st)
        return DB_INTERNAL;
    db_bind_rating(st, r);
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
    db_bind_feedback(st, f);
    return db_sync_run(d, st, "saving pulled feedback");
}

static int apply_reflection(db *d, const model_reflection *r)
{
    int rc;
    if ((rc = need_obs(d, r->observation_id)) != DB_OK ||
        (rc = need_person(d, r->author_id)) != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d,
                               "INSERT INTO reflection(observation_id, author_id, text,"
                               " next_step, updated_at) VALUES(?1, ?2, ?3, ?4, ?5)"
                               " ON CONFLICT(observation_id) DO UPDATE SET"
                               " author_id = excluded.author_id, text = excluded.text,"
                               " next_step = excluded.next_step, updated_at = excluded.updated_at");
    if (!st)
        return DB_INTERNAL;
    db_bind_reflection(st, r);
    return db_sync_run(d, st, "saving a pulled reflection");
}

/* Reference data is stored through the same calls the demo uses, which
 * validate it; a record that points at something missing waits. */
static int apply_ref(db *d, const model_record *r)
{
    switch (r->entity) {
    case MODEL_ENT_UNIT: return db_unit_put(d, &r->u.unit);
    case MODEL_ENT_ROOM: return db_room_put(d, &r->u.room);
    case MODEL_ENT_PERSON: return db_person_put(d, &r->u.person);
    case MODEL_ENT_TEMPLATE: return db_template_put(d, &r->u.tmpl);
    case MODEL_ENT_FOCUS: {
        sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM template WHERE id = ?1");
        if (!st)
            return DB_INTERNAL;
        db_bind_text(st, 1, r->u.focus.template_id);
        int rc = need(d, st, "The focus's template");
        return rc == DB_OK ? db_focus_put(d, &r->u.focus) : rc;
    }
    default:
        return db_fail(d, DB_INVALID, "Sync sent a record of an unknown kind (%d).",
                       (int)r->entity);
    }
}

/* The id the outbox names a pulled part by (a rating by its sign). */
static const char *part_id(const model_record *r, const char *key)
{
    switch (r->entity) {
    case MODEL_ENT_RATING: return r->u.rating.sign_id;
    case MODEL_ENT_FEEDBACK:
    case MODEL_ENT_REFLECTION: return model_record_observation(r);
    default: return key;
    }
}

static int apply_part(db *d, const model_record *r)
{
    switch (r->entity) {
    case MODEL_ENT_OBSERVATION: return apply_obs(d, &r->u.obs);
    case MODEL_ENT_EVENT: return apply_event(d, &r->u.event);
    case MODEL_ENT_NOTE: return apply_note(d, &r->u.note);
    case MODEL_ENT_RATING: return apply_rating(d, &r->u.rating);
    case MODEL_ENT_FEEDBACK: return apply_feedback(d, &r->u.feedback);
    default: return apply_reflection(d, &r->u.reflection);
    }
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
    if (!it || !it->rec || (int)it->rec->entity < 0 || it->rec->entity >= MODEL_ENT_DELETED)
        return db_fail(d, DB_INVALID, "A pulled record is missing or of an unknown kind.");
    const model_record *r = it->rec;
    const char *e = model_entity_name(r->entity);
    char key[MODEL_RECORD_KEY_MAX];
    model_record_key(r, key);
    /* A part inside the caller's transaction (a pulled page) needs no
     * savepoint of its own: every check that can send it to wait runs
     * before its first write, and any other failure ends the caller's
     * transaction. A savepoint per record made SQLite copy each page it
     * touched into a journal of the savepoint, half a first pull's work. */
    int own = !model_entity_is_part(r->entity) || d->depth == 0;
    int rc = own ? db_begin(d) : DB_OK;
    if (rc != DB_OK)
        return rc;
    /* Nothing is held, kept or waiting in a quiet page (db_sync_page_begin). */
    int quiet = d->sync_quiet && d->depth > 0;
    if (!model_entity_is_part(r->entity)) {
        rc = apply_ref(d, r);
    } else {
        const char *obs_id = model_record_observation(r);
        int h = force || quiet ? 0 : held(d, e, part_id(r, key), obs_id, key);
        if (h < 0) {
            rc = DB_INTERNAL;
        } else if (h) {
            rc = db_sync_keep(d, "sync_remote", r, key, it->version);
        } else {
            rc = apply_part(d, r);
            /* An event is never changed once saved (an undo is an event of
             * its own), so no change here is ever made on its version: not
             * remembering it spares a first pull a row for each event,
             * four in five of what it brings. */
            if (rc == DB_OK && r->entity != MODEL_ENT_EVENT)
                rc = db_sync_version_put(d, e, key, it->version);
            if (rc == DB_OK && !quiet)
                rc = db_sync_remote_drop(d, e, key, force ? 1 << 30 : it->version);
        }
    }
    if (rc == DB_OK && !quiet)
        rc = unpark_older(d, e, key, it->version);
    return own ? db_end(d, rc) : rc == DB_OK ? db_ok(d) : rc;
}

int db_sync_page_begin(db *d)
{
    d->sync_quiet = 0;
    if (d->depth == 0)
        return db_fail(d, DB_INVALID, "A page of pulled records must begin inside a transaction.");
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 WHERE EXISTS(SELECT 1 FROM outbox)"
                                  " OR EXISTS(SELECT 1 FROM sync_conflict)"
                                  " OR EXISTS(SELECT 1 FROM sync_remote)"
                                  " OR EXISTS(SELECT 1 FROM sync_park)");
    int busy = db_sync_exists(d, st, "reading sync state");
    if (busy < 0)
        return DB_INTERNAL;
    d->sync_quiet = !busy;
    return DB_OK;
}
