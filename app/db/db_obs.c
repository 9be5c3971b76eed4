/*
 * Observations and everything recorded in them. Each public call here is one
 * user action: it validates, checks the one-writer rule, writes the record
 * and its outbox entry in one IMMEDIATE transaction, and commits; on any
 * error it rolls back, so nothing is half-written.
 */
#include "db_int.h"
#include "db_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void db_read_obs(sqlite3_stmt *st, void *out)
{
    model_observation *o = out;
    memset(o, 0, sizeof *o);
    db_col_text(st, 0, o->id, sizeof o->id);
    db_col_text(st, 1, o->unit_id, sizeof o->unit_id);
    db_col_text(st, 2, o->focus_id, sizeof o->focus_id);
    o->focus_version = sqlite3_column_int(st, 3);
    db_col_text(st, 4, o->template_id, sizeof o->template_id);
    o->template_version = sqlite3_column_int(st, 5);
    db_col_text(st, 6, o->observer_id, sizeof o->observer_id);
    db_col_text(st, 7, o->observee_id, sizeof o->observee_id);
    db_col_text(st, 8, o->room_id, sizeof o->room_id);
    db_col_text(st, 9, o->activity, sizeof o->activity);
    db_col_text(st, 10, o->context_json, sizeof o->context_json);
    o->agreement = sqlite3_column_int(st, 11);
    o->started_at = sqlite3_column_int64(st, 12);
    o->ended_at = sqlite3_column_int64(st, 13);
    o->status = sqlite3_column_int(st, 14) ? MODEL_OBS_FINISHED : MODEL_OBS_DRAFT;
    o->revision = sqlite3_column_int(st, 15);
    o->updated_at = sqlite3_column_int64(st, 16);
    db_col_text(st, 17, o->pair_code, sizeof o->pair_code);
    db_col_text(st, 18, o->plan_id, sizeof o->plan_id);
    db_col_text(st, 19, o->team, sizeof o->team);
}

int db_obs_get(db *d, const char *id, model_observation *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " DB_OBS_COLS " FROM observation WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, id);
    return db_one(d, st, db_read_obs, out, "No such observation.", "reading an observation");
}

void db_bind_obs(sqlite3_stmt *st, const model_observation *o)
{
    db_bind_text(st, 1, o->id);
    db_bind_text(st, 2, o->unit_id);
    db_bind_text(st, 3, o->focus_id);
    sqlite3_bind_int(st, 4, o->focus_version);
    db_bind_text(st, 5, o->template_id);
    sqlite3_bind_int(st, 6, o->template_version);
    db_bind_text(st, 7, o->observer_id);
    if (o->observee_id[0])
        db_bind_text(st, 8, o->observee_id);
    else
        sqlite3_bind_null(st, 8); /* a team */
    db_bind_text(st, 9, o->room_id);
    db_bind_text(st, 10, o->activity);
    db_bind_text(st, 11, o->context_json[0] ? o->context_json : "{}");
    sqlite3_bind_int(st, 12, o->agreement ? 1 : 0);
    sqlite3_bind_int64(st, 13, o->started_at);
    sqlite3_bind_int64(st, 14, o->ended_at);
    sqlite3_bind_int(st, 15, o->status == MODEL_OBS_FINISHED ? 1 : 0);
    sqlite3_bind_int(st, 16, o->revision);
    sqlite3_bind_int64(st, 17, o->updated_at);
    db_bind_text(st, 18, o->pair_code);
    db_bind_text(st, 19, o->plan_id);
    db_bind_text(st, 20, o->team);
}

/* The binders below serve both the local actions here and the records sync
 * pulls (db_sync_apply.c): a row is written from its model struct in one
 * way, whoever made it. Empty optional ids are bound as NULL. */
void db_bind_event(sqlite3_stmt *st, const model_event *e)
{
    db_bind_text(st, 1, e->id);
    db_bind_text(st, 2, e->observation_id);
    sqlite3_bind_int(st, 3, (int)e->kind);
    db_bind_text(st, 4, e->key);
    db_bind_text(st, 5, e->target_id[0] ? e->target_id : NULL);
    sqlite3_bind_int64(st, 6, e->at);
}

void db_bind_note(sqlite3_stmt *st, const model_note *n)
{
    db_bind_text(st, 1, n->id);
    db_bind_text(st, 2, n->observation_id);
    sqlite3_bind_int64(st, 3, n->at);
    db_bind_text(st, 4, n->text);
    db_bind_text(st, 5, n->sign_id[0] ? n->sign_id : NULL);
}

void db_bind_rating(sqlite3_stmt *st, const model_rating *r)
{
    db_bind_text(st, 1, r->observation_id);
    db_bind_text(st, 2, r->sign_id);
    sqlite3_bind_int(st, 3, r->level);
    sqlite3_bind_int64(st, 4, r->at);
}

void db_bind_feedback(sqlite3_stmt *st, const model_feedback *f)
{
    db_bind_text(st, 1, f->observation_id);
    db_bind_text(st, 2, f->author_id);
    db_bind_text(st, 3, f->works);
    db_bind_text(st, 4, f->wonderings);
    db_bind_text(st, 5, f->next_step);
    sqlite3_bind_int64(st, 6, f->given_at);
    sqlite3_bind_int64(st, 7, f->updated_at);
}

void db_bind_reflection(sqlite3_stmt *st, const model_reflection *r)
{
    db_bind_text(st, 1, r->observation_id);
    db_bind_text(st, 2, r->author_id);
    db_bind_text(st, 3, r->text);
    db_bind_text(st, 4, r->next_step);
    sqlite3_bind_int64(st, 5, r->updated_at);
}

/* Writes the observation's header row (insert or full update) and queues it. */
static int save_obs(db *d, const model_observation *o, int insert)
{
    sqlite3_stmt *st =
        insert ? db_stmt(d, "INSERT INTO observation(" DB_OBS_COLS ") VALUES(?1, ?2, ?3, ?4, ?5,"
                            " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
                            " ?20)")
               : db_stmt(d, "UPDATE observation SET activity = ?10, context = ?11,"
                            " ended_at = ?14, status = ?15, revision = ?16, updated_at = ?17"
                            " WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_obs(st, o);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_sqlite_fail(d, rc, "saving the observation");
    model_record rec = {.entity = MODEL_ENT_OBSERVATION, .u.obs = *o};
    return db_outbox_add(d, &rec, o->id, o->id, o->observer_id);
}

int db_obs_start(db *d, const db_obs_new *n, model_id id_out)
{
    char err[200];
    id_out[0] = '\0';
    const char *observee = n->observee_id ? n->observee_id : "";
    int team = n->team && n->team[0];
    if (team && (observee[0] || !n->plan_id || !n->plan_id[0]))
        return db_fail(d, DB_INVALID,
                       "A team is observed only from its plan, and without a colleague named.");
    if (model_id_check(n->unit_id, "The unit", err, sizeof err) ||
        model_id_check(n->focus_id, "The focus", err, sizeof err) ||
        model_id_check(n->observer_id, "The observer", err, sizeof err) ||
        (!team && model_id_check(observee, "The observed colleague", err, sizeof err)) ||
        model_id_check(n->room_id, "The room", err, sizeof err) ||
        model_text_check(n->activity ? n->activity : "", MODEL_NAME_MAX, 0, "The activity", err,
                         sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    if (n->pair_code && n->pair_code[0] &&
        model_pair_code_check(n->pair_code, "The pair code", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    if (!n->agreement)
        return db_fail(d, DB_INVALID,
                       "Confirm first that the agreement with the observed "
                       "colleague is made.");
    int prc;
    if (n->plan_id && n->plan_id[0] && (prc = db_plan_check_start(d, n->plan_id, n)) != DB_OK)
        return prc;
    if (!strcmp(n->observer_id, observee))
        return db_fail(d, DB_INVALID,
                       "The observer and the observed colleague must be two "
                       "people.");
    model_observation *o = calloc(1, sizeof *o);
    model_focus *f = malloc(sizeof *f);
    model_template *t = malloc(sizeof *t);
    int rc = DB_NOMEM;
    if (!o || !f || !t) {
        db_fail(d, DB_NOMEM, "Out of memory while starting an observation.");
        goto out;
    }
    if ((rc = db_focus_get(d, n->focus_id, n->focus_version, f)) != DB_OK ||
        (rc = db_template_get(d, f->template_id, 0, t)) != DB_OK)
        goto out;
    if (strcmp(f->unit_id, n->unit_id)) {
        rc = db_fail(d, DB_INVALID, "The focus belongs to another unit.");
        goto out;
    }
    if (n->context_json && model_context_check(t, n->context_json, err, sizeof err)) {
        rc = db_fail(d, DB_INVALID, "%s", err);
        goto out;
    }
    model_person who;
    model_room room;
    const char *people[2] = {n->observer_id, observee};
    for (int i = 0; i < (team ? 1 : 2); i++) {
        if ((rc = db_person_get(d, people[i], &who)) != DB_OK)
            goto out;
        if (strcmp(who.unit_id, n->unit_id) || !who.active) {
            rc = db_fail(d, DB_INVALID, "%s is not active staff of this unit.", who.name);
            goto out;
        }
    }
    if ((rc = db_room_get(d, n->room_id, &room)) != DB_OK)
        goto out;
    if (strcmp(room.unit_id, n->unit_id)) {
        rc = db_fail(d, DB_INVALID, "The room belongs to another unit.");
        goto out;
    }
    if (model_id_next(&d->ids, d->sys, o->id) != 0) {
        rc = db_fail(d, DB_INTERNAL, "The tablet gave no randomness for a new identifier.");
        goto out;
    }
    memcpy(o->unit_id, n->unit_id, sizeof o->unit_id);
    memcpy(o->focus_id, f->id, sizeof o->focus_id);
    o->focus_version = f->version;
    memcpy(o->template_id, t->id, sizeof o->template_id);
    o->template_version = t->version;
    memcpy(o->observer_id, n->observer_id, sizeof o->observer_id);
    model_copy(o->observee_id, sizeof o->observee_id, observee);
    if (team)
        model_copy(o->team, sizeof o->team, n->team);
    memcpy(o->room_id, n->room_id, sizeof o->room_id);
    model_copy(o->activity, sizeof o->activity, n->activity ? n->activity : "");
    model_copy(o->context_json, sizeof o->context_json,
               n->context_json && *n->context_json ? n->context_json : "{}");
    if (n->pair_code)
        model_copy(o->pair_code, sizeof o->pair_code, n->pair_code);
    if (n->plan_id)
        model_copy(o->plan_id, sizeof o->plan_id, n->plan_id);
    o->agreement = 1;
    o->started_at = o->updated_at = d->sys->now_ms(d->sys);
    o->status = MODEL_OBS_DRAFT;
    o->revision = 1;
    if ((rc = db_begin(d)) != DB_OK)
        goto out;
    rc = db_end(d, save_obs(d, o, 1));
    if (rc == DB_OK)
        memcpy(id_out, o->id, sizeof(model_id));
out:
    free(o);
    free(f);
    free(t);
    return rc;
}

/*
 * Opens the transaction for a change to an observation and loads it, checking
 * that the actor is its observer (the one writer of the observation and of
 * everything recorded in it) and, if need_draft, that it is still a draft.
 * On success the transaction is open; on failure it is not.
 */
static int begin_obs(db *d, const char *obs_id, const char *actor_id, int need_draft,
                     model_observation *o)
{
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    if ((rc = db_obs_get(d, obs_id, o)) != DB_OK)
        return db_end(d, rc);
    if (!actor_id || strcmp(actor_id, o->observer_id))
        return db_end(d, db_fail(d, DB_DENIED, "Only the observer can change this observation."));
    if (need_draft && o->status != MODEL_OBS_DRAFT)
        return db_end(d, db_fail(d, DB_DENIED,
                                 "The observation is finished; nothing more can "
                                 "be recorded in it."));
    return DB_OK;
}

/* Loads the template an observation was started with. */
static int obs_template(db *d, const model_observation *o, model_template *t)
{
    return db_template_get(d, o->template_id, o->template_version, t);
}

/* The template of an open observation as a heap copy, since templates are
 * too large for the stack: on DB_OK *t is the caller's to free; otherwise
 * *t is NULL and the reason is on the handle. */
static int obs_template_new(db *d, const model_observation *o, model_template **t)
{
    *t = malloc(sizeof **t);
    if (!*t)
        return db_fail(d, DB_NOMEM, "Out of memory.");
    int rc = obs_template(d, o, *t);
    if (rc != DB_OK) {
        free(*t);
        *t = NULL;
    }
    return rc;
}

/* Marks a correction: a finished observation that changes gets a new
 * revision, so the change is visible and never silent. */
static int touch_obs(db *d, model_observation *o)
{
    if (o->status == MODEL_OBS_FINISHED)
        o->revision++;
    o->updated_at = d->sys->now_ms(d->sys);
    return save_obs(d, o, 0);
}

/* Keeps one changed part of a corrected (finished) observation: what it
 * was, what it became, who changed it and when, under the revision the
 * correction made, so that history can show it and nothing is silently
 * overwritten. Inside the caller's transaction, after touch_obs(). */
static int record_revision(db *d, const model_observation *o, const char *actor_id,
                           const char *what, const char *sign_id, const char *before,
                           const char *after)
{
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO obs_revision(observation_id, revision, actor_id,"
                                  " at, what, sign_id, before, after)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, o->id);
    sqlite3_bind_int(st, 2, o->revision);
    db_bind_text(st, 3, actor_id);
    sqlite3_bind_int64(st, 4, o->updated_at);
    db_bind_text(st, 5, what);
    db_bind_text(st, 6, sign_id ? sign_id : "");
    db_bind_text(st, 7, before);
    db_bind_text(st, 8, after);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? DB_OK : db_sqlite_fail(d, rc, "keeping the correction");
}

int db_obs_update(db *d, const char *id, const char *actor_id, const char *activity,
                  const char *context_json)
{
    char err[200];
    if (model_text_check(activity ? activity : "", MODEL_NAME_MAX, 0, "The activity", err,
                         sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    model_observation o;
    int rc = begin_obs(d, id, actor_id, 0, &o);
    if (rc != DB_OK)
        return rc;
    model_template *t = NULL;
    if ((rc = obs_template_new(d, &o, &t)) == DB_OK && context_json &&
        model_context_check(t, context_json, err, sizeof err))
        rc = db_fail(d, DB_INVALID, "%s", err);
    free(t);
    if (rc == DB_OK) {
        model_observation was = o;
        model_copy(o.activity, sizeof o.activity, activity ? activity : "");
        if (context_json)
            model_copy(o.context_json, sizeof o.context_json, *context_json ? context_json : "{}");
        rc = touch_obs(d, &o);
        if (rc == DB_OK && was.status == MODEL_OBS_FINISHED && strcmp(was.activity, o.activity))
            rc = record_revision(d, &o, actor_id, "activity", NULL, was.activity, o.activity);
        if (rc == DB_OK && was.status == MODEL_OBS_FINISHED &&
            strcmp(was.context_json, o.context_json))
            rc = record_revision(d, &o, actor_id, "context", NULL, was.context_json,
                                 o.context_json);
    }
    return db_end(d, rc);
}

/* Is the sign one of the observation's focus version's signs? */
static int sign_known(db *d, const model_observation *o, const char *sign_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM focus_sign WHERE focus_id = ?1"
                                  " AND focus_version = ?2 AND sign_id = ?3");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, o->focus_id);
    sqlite3_bind_int(st, 2, o->focus_version);
    db_bind_text(st, 3, sign_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return DB_OK;
    return rc == SQLITE_DONE ? db_fail(d, DB_INVALID, "The sign is not one of this focus's signs.")
                             : db_sqlite_fail(d, rc, "looking up a sign");
}

int db_obs_rate(db *d, const char *obs_id, const char *actor_id, const char *sign_id, int level)
{
    model_observation o;
    int rc = begin_obs(d, obs_id, actor_id, 0, &o);
    if (rc != DB_OK)
        return rc;
    model_template *t = NULL;
    if ((rc = obs_template_new(d, &o, &t)) == DB_OK && (rc = sign_known(d, &o, sign_id)) == DB_OK &&
        (level < -1 || level >= t->n_scale))
        rc = db_fail(d, DB_INVALID, "The rating must be one of the %d levels of the scale.",
                     t->n_scale);
    free(t);
    if (rc != DB_OK)
        return db_end(d, rc);
    /* The level before, for the revision a correction leaves. */
    int was = -1;
    if (o.status == MODEL_OBS_FINISHED) {
        sqlite3_stmt *old = db_stmt(d, "SELECT level FROM rating WHERE observation_id = ?1"
                                       " AND sign_id = ?2");
        if (!old)
            return db_end(d, DB_INTERNAL);
        db_bind_text(old, 1, obs_id);
        db_bind_text(old, 2, sign_id);
        int src = sqlite3_step(old);
        if (src == SQLITE_ROW)
            was = sqlite3_column_int(old, 0);
        sqlite3_reset(old);
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            return db_end(d, db_sqlite_fail(d, src, "reading a rating"));
    }
    int64_t now = d->sys->now_ms(d->sys);
    model_record rec = {.entity = MODEL_ENT_RATING, .u.rating = {.level = level, .at = now}};
    model_copy(rec.u.rating.observation_id, sizeof(model_id), obs_id);
    model_copy(rec.u.rating.sign_id, sizeof(model_id), sign_id);
    sqlite3_stmt *st = db_stmt(d, DB_RATING_UPSERT);
    if (!st)
        return db_end(d, DB_INTERNAL);
    db_bind_rating(st, &rec.u.rating);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_end(d, db_sqlite_fail(d, src, "saving a rating"));
    /* The rating's identity is the pair; the outbox names it by the sign. */
    rc = db_outbox_add(d, &rec, sign_id, obs_id, actor_id);
    if (rc == DB_OK && o.status == MODEL_OBS_FINISHED)
        rc = touch_obs(d, &o);
    if (rc == DB_OK && o.status == MODEL_OBS_FINISHED) {
        char before[16], after[16];
        snprintf(before, sizeof before, "%d", was);
        snprintf(after, sizeof after, "%d", level);
        rc = record_revision(d, &o, actor_id, "rating", sign_id, before, after);
    }
    return db_end(d, rc);
}

/* Whether a state is running: its newest start or stop that is not undone
 * is a start. */
static int state_running(db *d, const char *obs_id, const char *key, int *running)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT kind FROM event e WHERE observation_id = ?1"
                                  " AND key = ?2 AND kind IN (" DB_SQL_EV_STATE_START
                                  ", " DB_SQL_EV_STATE_STOP ")"
                                  " AND NOT " DB_SQL_UNDONE " ORDER BY rowid DESC LIMIT 1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    db_bind_text(st, 2, key);
    int rc = sqlite3_step(st);
    *running = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == MODEL_EV_STATE_START;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK : db_sqlite_fail(d, rc, "reading a state");
}

/* Appends one event row and its outbox entry inside the open transaction. */
static int add_event(db *d, const char *obs_id, const char *actor, model_event_kind kind,
                     const char *key, const char *target, int64_t at, model_id id_out)
{
    model_id id;
    if (model_id_next(&d->ids, d->sys, id) != 0)
        return db_fail(d, DB_INTERNAL, "The tablet gave no randomness for a new identifier.");
    model_record rec = {.entity = MODEL_ENT_EVENT, .u.event = {.kind = kind, .at = at}};
    memcpy(rec.u.event.id, id, sizeof id);
    model_copy(rec.u.event.observation_id, sizeof(model_id), obs_id);
    model_copy(rec.u.event.key, sizeof rec.u.event.key, key);
    model_copy(rec.u.event.target_id, sizeof(model_id), target ? target : "");
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO event(id, observation_id, kind, key, target_id, at)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st)
        return DB_INTERNAL;
    db_bind_event(st, &rec.u.event);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_sqlite_fail(d, rc, "saving an event");
    if ((rc = db_outbox_add(d, &rec, id, obs_id, actor)) != DB_OK)
        return rc;
    if (id_out)
        memcpy(id_out, id, sizeof id);
    return DB_OK;
}

static int key_in(const model_item *items, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(items[i].key, key))
            return 1;
    return 0;
}

int db_obs_event(db *d, const char *obs_id, const char *actor_id, model_event_kind kind,
                 const char *key, model_id id_out)
{
    if (id_out)
        id_out[0] = '\0';
    if (kind != MODEL_EV_COUNT && kind != MODEL_EV_STATE_START && kind != MODEL_EV_STATE_STOP &&
        kind != MODEL_EV_SAMPLE)
        return db_fail(d, DB_INVALID, "That kind of event cannot be recorded directly.");
    if (!key || !*key)
        return db_fail(d, DB_INVALID, "The event names no counter, state or sample option.");
    model_observation o;
    int rc = begin_obs(d, obs_id, actor_id, 1, &o);
    if (rc != DB_OK)
        return rc;
    model_template *t = NULL;
    if ((rc = obs_template_new(d, &o, &t)) == DB_OK) {
        int known = kind == MODEL_EV_COUNT ? key_in(t->counters, t->n_counters, key)
                    : kind == MODEL_EV_SAMPLE
                        ? key_in(t->interval_options, t->n_interval_options, key)
                        : key_in(t->states, t->n_states, key);
        if (!known)
            rc = db_fail(d, DB_INVALID, "The template has no %s \"%.40s\".",
                         kind == MODEL_EV_COUNT    ? "counter"
                         : kind == MODEL_EV_SAMPLE ? "sample option"
                                                   : "state",
                         key);
    }
    free(t);
    if (rc == DB_OK && (kind == MODEL_EV_STATE_START || kind == MODEL_EV_STATE_STOP)) {
        int running;
        if ((rc = state_running(d, obs_id, key, &running)) == DB_OK) {
            if (kind == MODEL_EV_STATE_START && running)
                rc = db_fail(d, DB_INVALID, "That state is already running.");
            else if (kind == MODEL_EV_STATE_STOP && !running)
                rc = db_fail(d, DB_INVALID, "That state is not running.");
        }
    }
    if (rc == DB_OK)
        rc = add_event(d, obs_id, actor_id, kind, key, NULL, d->sys->now_ms(d->sys), id_out);
    return db_end(d, rc);
}

int db_obs_sample(db *d, const char *obs_id, const char *actor_id, int index, const char *key,
                  model_id id_out)
{
    if (id_out)
        id_out[0] = '\0';
    if (!key || !*key)
        return db_fail(d, DB_INVALID, "The sample names no option.");
    model_observation o;
    int rc = begin_obs(d, obs_id, actor_id, 1, &o);
    if (rc != DB_OK)
        return rc;
    model_template *t = NULL;
    int64_t due = 0;
    if ((rc = obs_template_new(d, &o, &t)) == DB_OK) {
        int64_t every = (int64_t)t->interval_minutes * 60000;
        due = o.started_at + every * index;
        if (every <= 0)
            rc = db_fail(d, DB_INVALID, "This template has no interval sampling.");
        else if (!key_in(t->interval_options, t->n_interval_options, key))
            rc = db_fail(d, DB_INVALID, "The template has no sample option \"%.40s\".", key);
        else if (index < 1 || due > d->sys->now_ms(d->sys))
            rc = db_fail(d, DB_INVALID, "That interval prompt is not due yet.");
    }
    free(t);
    if (rc == DB_OK) {
        sqlite3_stmt *st = db_stmt(
            d, "SELECT 1 FROM event e WHERE observation_id = ?1 AND kind = " DB_SQL_EV_SAMPLE
               " AND at = ?2 AND NOT " DB_SQL_UNDONE);
        if (!st)
            return db_end(d, DB_INTERNAL);
        db_bind_text(st, 1, obs_id);
        sqlite3_bind_int64(st, 2, due);
        int src = sqlite3_step(st);
        sqlite3_reset(st);
        if (src == SQLITE_ROW)
            rc = db_fail(d, DB_INVALID, "That interval prompt is answered already.");
        else if (src != SQLITE_DONE)
            rc = db_sqlite_fail(d, src, "reading samples");
    }
    if (rc == DB_OK)
        rc = add_event(d, obs_id, actor_id, MODEL_EV_SAMPLE, key, NULL, due, id_out);
    return db_end(d, rc);
}

static void read_event(sqlite3_stmt *st, void *out)
{
    model_event *e = out;
    memset(e, 0, sizeof *e);
    db_col_text(st, 0, e->id, sizeof e->id);
    db_col_text(st, 1, e->observation_id, sizeof e->observation_id);
    e->kind = (model_event_kind)sqlite3_column_int(st, 2);
    db_col_text(st, 3, e->key, sizeof e->key);
    db_col_text(st, 4, e->target_id, sizeof e->target_id);
    e->at = sqlite3_column_int64(st, 5);
}

int db_obs_last_undoable(db *d, const char *obs_id, model_event *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(d, "SELECT id, observation_id, kind, key, target_id, at"
                                  " FROM event e WHERE observation_id = ?1"
                                  " AND kind <> " DB_SQL_EV_UNDO " AND NOT " DB_SQL_UNDONE
                                  " ORDER BY rowid DESC LIMIT 1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    return db_one(d, st, read_event, out, "There is nothing to undo.", "reading events");
}

int db_obs_undo(db *d, const char *obs_id, const char *actor_id, model_id id_out)
{
    if (id_out)
        id_out[0] = '\0';
    model_observation o;
    int rc = begin_obs(d, obs_id, actor_id, 1, &o);
    if (rc != DB_OK)
        return rc;
    model_event last;
    if ((rc = db_obs_last_undoable(d, obs_id, &last)) == DB_OK)
        rc = add_event(d, obs_id, actor_id, MODEL_EV_UNDO, "", last.id, d->sys->now_ms(d->sys),
                       id_out);
    return db_end(d, rc);
}

int db_obs_note(db *d, const char *obs_id, const char *actor_id, const char *text,
                const char *sign_id, model_id id_out)
{
    return db_obs_note_at(d, obs_id, actor_id, text, sign_id, d->sys->now_ms(d->sys), id_out);
}

int db_obs_note_at(db *d, const char *obs_id, const char *actor_id, const char *text,
                   const char *sign_id, int64_t at, model_id id_out)
{
    char err[200];
    if (id_out)
        id_out[0] = '\0';
    if (model_name_check(text, MODEL_TEXT_MAX, "The note", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    if (sign_id && !*sign_id)
        sign_id = NULL;
    model_observation o;
    int rc = begin_obs(d, obs_id, actor_id, 1, &o);
    if (rc != DB_OK)
        return rc;
    if (sign_id && (rc = sign_known(d, &o, sign_id)) != DB_OK)
        return db_end(d, rc);
    model_id id;
    if (model_id_next(&d->ids, d->sys, id) != 0)
        return db_end(d, db_fail(d, DB_INTERNAL,
                                 "The tablet gave no randomness for a new "
                                 "identifier."));
    if (at < o.started_at || at > d->sys->now_ms(d->sys))
        return db_end(d, db_fail(d, DB_INVALID,
                                 "A note's time lies between the observation's start and now."));
    model_record rec = {.entity = MODEL_ENT_NOTE, .u.note = {.at = at}};
    memcpy(rec.u.note.id, id, sizeof id);
    model_copy(rec.u.note.observation_id, sizeof(model_id), obs_id);
    model_copy(rec.u.note.text, sizeof rec.u.note.text, text);
    model_copy(rec.u.note.sign_id, sizeof(model_id), sign_id ? sign_id : "");
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO note(id, observation_id, at, text, sign_id)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return db_end(d, DB_INTERNAL);
    db_bind_note(st, &rec.u.note);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_end(d, db_sqlite_fail(d, src, "saving a note"));
    rc = db_outbox_add(d, &rec, id, obs_id, actor_id);
    rc = db_end(d, rc);
    if (rc == DB_OK && id_out)
        memcpy(id_out, id, sizeof id);
    return rc;
}

static void read_note(sqlite3_stmt *st, void *out);

/* Edits (text set) or deletes (text NULL) a note, in one transaction with
 * its outbox entry. The note's unsent changes go first: the newest one
 * carries everything, and a deleted note's words never leave the tablet.
 * A correction of a finished observation keeps which note changed, never
 * its words, so that a deletion erases them here too. */
static int note_change(db *d, const char *note_id, const char *actor_id, const char *text,
                       const char *sign_id)
{
    char err[200];
    if (text && model_name_check(text, MODEL_TEXT_MAX, "The note", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    if (sign_id && !*sign_id)
        sign_id = NULL;
    model_record rec = {.entity = MODEL_ENT_NOTE};
    model_note *n = &rec.u.note;
    sqlite3_stmt *st = db_stmt(d, "SELECT id, observation_id, at, text, sign_id FROM note"
                                  " WHERE id = ?1 AND text <> ''");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, note_id ? note_id : "");
    int rc = db_one(d, st, read_note, n, "No such note.", "reading a note");
    if (rc != DB_OK)
        return rc;
    model_observation o;
    if ((rc = begin_obs(d, n->observation_id, actor_id, 0, &o)) != DB_OK)
        return rc;
    if (sign_id && (rc = sign_known(d, &o, sign_id)) != DB_OK)
        return db_end(d, rc);
    model_copy(n->text, sizeof n->text, text ? text : "");
    model_copy(n->sign_id, sizeof n->sign_id, text && sign_id ? sign_id : "");
    st = db_stmt(d, "UPDATE note SET text = ?4, sign_id = ?5 WHERE id = ?1");
    if (!st)
        return db_end(d, DB_INTERNAL);
    db_bind_note(st, n);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_end(d, db_sqlite_fail(d, src, "saving a note"));
    st = db_stmt(d, "DELETE FROM outbox WHERE obs_id = ?3 AND entity = ?1 AND entity_id = ?2");
    if (!st)
        return db_end(d, DB_INTERNAL);
    db_bind_text(st, 1, model_entity_name(MODEL_ENT_NOTE));
    db_bind_text(st, 2, n->id);
    db_bind_text(st, 3, n->observation_id);
    src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_end(d, db_sqlite_fail(d, src, "replacing a note's unsent change"));
    rc = db_outbox_add(d, &rec, n->id, o.id, actor_id);
    if (rc == DB_OK && o.status == MODEL_OBS_FINISHED && (rc = touch_obs(d, &o)) == DB_OK)
        rc = record_revision(d, &o, actor_id, text ? "note" : "note deleted", NULL, "", "");
    return db_end(d, rc);
}

int db_obs_note_edit(db *d, const char *note_id, const char *actor_id, const char *text,
                     const char *sign_id)
{
    if (!text)
        return db_fail(d, DB_INVALID, "The note has no text.");
    return note_change(d, note_id, actor_id, text, sign_id);
}

int db_obs_note_delete(db *d, const char *note_id, const char *actor_id)
{
    return note_change(d, note_id, actor_id, NULL, NULL);
}

int db_obs_finish(db *d, const char *obs_id, const char *actor_id)
{
    model_observation o;
    int rc = begin_obs(d, obs_id, actor_id, 1, &o);
    if (rc != DB_OK)
        return rc;
    model_template *t = NULL;
    int64_t now = d->sys->now_ms(d->sys);
    rc = obs_template_new(d, &o, &t);
    for (int i = 0; rc == DB_OK && i < t->n_states; i++) {
        int running;
        if ((rc = state_running(d, obs_id, t->states[i].key, &running)) == DB_OK && running)
            rc = add_event(d, obs_id, actor_id, MODEL_EV_STATE_STOP, t->states[i].key, NULL, now,
                           NULL);
    }
    free(t);
    if (rc == DB_OK) {
        o.status = MODEL_OBS_FINISHED;
        o.ended_at = o.updated_at = now;
        rc = save_obs(d, &o, 0);
    }
    return db_end(d, rc);
}

/* What the server knows of an observation shows on the tablet as a server
 * version of one of its parts (a rating is keyed by observation and sign),
 * or as a conflict or refusal the server answered; a part pulled from the
 * server has a version too (an event keeps none: its observation's tells).
 * A part sent without an answer recorded yet (a push under way, or one
 * whose answer was lost) may be there as well. */
int db_obs_left_tablet(db *d, const char *obs_id, int *left)
{
    *left = 0;
    sqlite3_stmt *st = db_stmt(
        d,
        "SELECT EXISTS(SELECT 1 FROM sync_version WHERE key = ?1 OR key LIKE ?1 || '/%'"
        " OR key IN (SELECT id FROM event WHERE observation_id = ?1)"
        " OR key IN (SELECT id FROM note WHERE observation_id = ?1))"
        " OR EXISTS(SELECT 1 FROM sync_conflict WHERE obs_id = ?1 OR entity_id = ?1)"
        " OR EXISTS(SELECT 1 FROM sync_rejected WHERE obs_id = ?1 OR entity_id = ?1)"
        " OR EXISTS(SELECT 1 FROM outbox WHERE obs_id = ?1 AND seq <="
        " coalesce((SELECT CAST(value AS INTEGER) FROM kv WHERE key = '" DB_KV_SENT_UPTO "'), 0))");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *left = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, rc, "reading what the server has");
}

int db_obs_discard(db *d, const char *obs_id, const char *actor_id)
{
    model_observation o;
    int rc = begin_obs(d, obs_id, actor_id, 1, &o);
    if (rc != DB_OK)
        return rc;
    int left = 0;
    if ((rc = db_obs_left_tablet(d, obs_id, &left)) == DB_OK && left)
        rc = db_fail(d, DB_DENIED,
                     "Part of this observation has reached the server, so it can no longer be "
                     "discarded on the tablet. Finish it, or put it aside.");
    if (rc == DB_OK)
        rc = db_obs_erase(d, obs_id);
    return db_end(d, rc);
}

int db_feedback_put(db *d, const char *obs_id, const char *actor_id, const char *works,
                    const char *wonderings, const char *next_step, int given)
{
    char err[200];
    if (model_text_check(works ? works : "", MODEL_TEXT_MAX, 1, "What works", err, sizeof err) ||
        model_text_check(wonderings ? wonderings : "", MODEL_TEXT_MAX, 1, "Wonderings", err,
                         sizeof err) ||
        model_text_check(next_step ? next_step : "", MODEL_TEXT_MAX, 1, "The next step", err,
                         sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    model_observation o;
    int rc = begin_obs(d, obs_id, actor_id, 0, &o);
    if (rc != DB_OK)
        return rc;
    int64_t now = d->sys->now_ms(d->sys);
    model_record rec = {.entity = MODEL_ENT_FEEDBACK,
                        .u.feedback = {.given_at = given ? now : 0, .updated_at = now}};
    model_feedback *f = &rec.u.feedback;
    model_copy(f->observation_id, sizeof f->observation_id, obs_id);
    model_copy(f->author_id, sizeof f->author_id, actor_id);
    model_copy(f->works, sizeof f->works, works ? works : "");
    model_copy(f->wonderings, sizeof f->wonderings, wonderings ? wonderings : "");
    model_copy(f->next_step, sizeof f->next_step, next_step ? next_step : "");
    sqlite3_stmt *st = db_stmt(
        d, "INSERT INTO feedback(observation_id, author_id, works, wonderings, next_step,"
           " given_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
           " ON CONFLICT(observation_id) DO UPDATE SET works = excluded.works,"
           " wonderings = excluded.wonderings, next_step = excluded.next_step,"
           " given_at = CASE WHEN given_at > 0 THEN given_at ELSE excluded.given_at END,"
           " updated_at = excluded.updated_at RETURNING given_at");
    if (!st)
        return db_end(d, DB_INTERNAL);
    db_bind_feedback(st, f);
    int src = sqlite3_step(st);
    /* Once given, feedback stays given: the stored time is what is sent. */
    f->given_at = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (src == SQLITE_ROW)
        src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_end(d, db_sqlite_fail(d, src, "saving feedback"));
    rc = db_outbox_add(d, &rec, obs_id, obs_id, actor_id);
    return db_end(d, rc);
}

static void read_feedback(sqlite3_stmt *st, void *out)
{
    model_feedback *fb = out;
    memset(fb, 0, sizeof *fb);
    db_col_text(st, 0, fb->observation_id, sizeof fb->observation_id);
    db_col_text(st, 1, fb->author_id, sizeof fb->author_id);
    db_col_text(st, 2, fb->works, sizeof fb->works);
    db_col_text(st, 3, fb->wonderings, sizeof fb->wonderings);
    db_col_text(st, 4, fb->next_step, sizeof fb->next_step);
    fb->given_at = sqlite3_column_int64(st, 5);
    fb->updated_at = sqlite3_column_int64(st, 6);
}

int db_feedback_get(db *d, const char *obs_id, model_feedback *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT observation_id, author_id, works, wonderings,"
                                  " next_step, given_at, updated_at FROM feedback"
                                  " WHERE observation_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    return db_one(d, st, read_feedback, out, "No feedback yet.", "reading feedback");
}

int db_reflection_put(db *d, const char *obs_id, const char *actor_id, const char *text,
                      const char *next_step)
{
    char err[200];
    if (model_text_check(text ? text : "", MODEL_TEXT_MAX, 1, "The reflection", err, sizeof err) ||
        model_text_check(next_step ? next_step : "", MODEL_TEXT_MAX, 1, "The next step", err,
                         sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    model_observation o;
    if ((rc = db_obs_get(d, obs_id, &o)) != DB_OK)
        return db_end(d, rc);
    if (!actor_id || strcmp(actor_id, o.observee_id))
        return db_end(d, db_fail(d, DB_DENIED,
                                 "Only the observed colleague can write the "
                                 "reflection."));
    int64_t now = d->sys->now_ms(d->sys);
    model_record rec = {.entity = MODEL_ENT_REFLECTION, .u.reflection = {.updated_at = now}};
    model_reflection *r = &rec.u.reflection;
    model_copy(r->observation_id, sizeof r->observation_id, obs_id);
    model_copy(r->author_id, sizeof r->author_id, actor_id);
    model_copy(r->text, sizeof r->text, text ? text : "");
    model_copy(r->next_step, sizeof r->next_step, next_step ? next_step : "");
    sqlite3_stmt *st = db_stmt(d,
                               "INSERT INTO reflection(observation_id, author_id, text,"
                               " next_step, updated_at) VALUES(?1, ?2, ?3, ?4, ?5)"
                               " ON CONFLICT(observation_id) DO UPDATE SET text = excluded.text,"
                               " next_step = excluded.next_step, updated_at = excluded.updated_at");
    if (!st)
        return db_end(d, DB_INTERNAL);
    db_bind_reflection(st, r);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_end(d, db_sqlite_fail(d, src, "saving the reflection"));
    rc = db_outbox_add(d, &rec, obs_id, obs_id, actor_id);
    return db_end(d, rc);
}

static void read_reflection(sqlite3_stmt *st, void *out)
{
    model_reflection *r = out;
    memset(r, 0, sizeof *r);
    db_col_text(st, 0, r->observation_id, sizeof r->observation_id);
    db_col_text(st, 1, r->author_id, sizeof r->author_id);
    db_col_text(st, 2, r->text, sizeof r->text);
    db_col_text(st, 3, r->next_step, sizeof r->next_step);
    r->updated_at = sqlite3_column_int64(st, 4);
}

int db_reflection_get(db *d, const char *obs_id, model_reflection *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT observation_id, author_id, text, next_step, updated_at"
                                  " FROM reflection WHERE observation_id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    return db_one(d, st, read_reflection, out, "No reflection yet.", "reading the reflection");
}

int db_obs_events(db *d, const char *obs_id, int offset, int max, model_event *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT id, observation_id, kind, key, target_id, at FROM event"
                                  " WHERE observation_id = ?1 ORDER BY rowid LIMIT ?2 OFFSET ?3");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    sqlite3_bind_int(st, 2, max);
    sqlite3_bind_int(st, 3, offset);
    return db_rows(d, st, read_event, out, sizeof *out, max, n, "reading events");
}

static void read_note(sqlite3_stmt *st, void *out)
{
    model_note *no = out;
    memset(no, 0, sizeof *no);
    db_col_text(st, 0, no->id, sizeof no->id);
    db_col_text(st, 1, no->observation_id, sizeof no->observation_id);
    no->at = sqlite3_column_int64(st, 2);
    db_col_text(st, 3, no->text, sizeof no->text);
    db_col_text(st, 4, no->sign_id, sizeof no->sign_id);
}

int db_obs_notes(db *d, const char *obs_id, int offset, int max, model_note *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT id, observation_id, at, text, sign_id FROM note"
                                  " WHERE observation_id = ?1 AND text <> '' ORDER BY at, rowid"
                                  " LIMIT ?2 OFFSET ?3");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    sqlite3_bind_int(st, 2, max);
    sqlite3_bind_int(st, 3, offset);
    return db_rows(d, st, read_note, out, sizeof *out, max, n, "reading notes");
}

static void read_rating(sqlite3_stmt *st, void *out)
{
    model_rating *r = out;
    memset(r, 0, sizeof *r);
    db_col_text(st, 0, r->observation_id, sizeof r->observation_id);
    db_col_text(st, 1, r->sign_id, sizeof r->sign_id);
    r->level = sqlite3_column_int(st, 2);
    r->at = sqlite3_column_int64(st, 3);
}

int db_obs_ratings(db *d, const char *obs_id, model_rating *out, int max, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT r.observation_id, r.sign_id, r.level, r.at"
                                  " FROM rating r JOIN observation o ON o.id = r.observation_id"
                                  " LEFT JOIN focus_sign s ON s.focus_id = o.focus_id"
                                  " AND s.focus_version = o.focus_version AND s.sign_id = r.sign_id"
                                  " WHERE r.observation_id = ?1 ORDER BY s.position");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    return db_rows(d, st, read_rating, out, sizeof *out, max, n, "reading ratings");
}

int db_obs_tally(db *d, const char *obs_id, const model_template *t, model_event *events,
                 unsigned char *undone, int max, int *n, model_tally *out)
{
    memset(out, 0, sizeof *out);
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT id, observation_id, kind, key, target_id, at,"
                                  " kind = " DB_SQL_EV_UNDO " OR " DB_SQL_UNDONE
                                  " FROM event e WHERE observation_id = ?1 ORDER BY rowid");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    int rc;
    model_event e;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_event(st, &e);
        int taken_back = sqlite3_column_int(st, 6) != 0;
        if (*n < max) {
            events[*n] = e;
            undone[*n] = (unsigned char)taken_back;
            (*n)++;
        }
        if (!taken_back)
            model_tally_add(out, t, &e);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, rc, "reading events");
}

int db_obs_counts(db *d, const char *obs_id, const model_template *t,
                  int counts[MODEL_MAX_COUNTERS])
{
    memset(counts, 0, sizeof(int) * MODEL_MAX_COUNTERS);
    sqlite3_stmt *st = db_stmt(d, "SELECT key, count(*) FROM event e WHERE observation_id = ?1"
                                  " AND kind = " DB_SQL_EV_COUNT " AND NOT " DB_SQL_UNDONE
                                  " GROUP BY key");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, obs_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; i < t->n_counters; i++)
            if (!strcmp(t->counters[i].key, key))
                counts[i] = sqlite3_column_int(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, rc, "counting events");
}
