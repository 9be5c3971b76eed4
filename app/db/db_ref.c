/*
 * Reference data: units, rooms, people, templates and focuses. It comes down
 * from the server (or from the demo), so every record is validated before it
 * is stored; templates and focuses are versioned and a stored version never
 * changes, because observations point at the version they were made with.
 */
#include "db_int.h"

#include <stdlib.h>
#include <string.h>

/* Runs a write statement that was bound by the caller; one step, no rows. */
static int step_done(db *d, sqlite3_stmt *st, const char *doing)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? DB_OK : db_sqlite_fail(d, rc, doing);
}

/* Runs one bound write as a transaction of its own. */
static int write1(db *d, sqlite3_stmt *st, const char *doing)
{
    int rc = db_begin(d);
    return rc == DB_OK ? db_end(d, step_done(d, st, doing)) : rc;
}

static int need_unit(db *d, const char *unit_id)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT 1 FROM unit WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, unit_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return DB_OK;
    return rc == SQLITE_DONE
               ? db_fail(d, DB_NOTFOUND, "The unit %s is not on this tablet.", unit_id)
               : db_sqlite_fail(d, rc, "looking up a unit");
}

int db_unit_put(db *d, const model_unit *u)
{
    char err[200];
    if (model_unit_check(u, err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO unit(id, name, retention_days) VALUES(?1, ?2, ?3)"
                                  " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
                                  " retention_days = excluded.retention_days");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, u->id);
    db_bind_text(st, 2, u->name);
    sqlite3_bind_int(st, 3, u->retention_days);
    return write1(d, st, "saving a unit");
}

static void read_unit(sqlite3_stmt *st, void *out)
{
    model_unit *u = out;
    memset(u, 0, sizeof *u);
    db_col_text(st, 0, u->id, sizeof u->id);
    db_col_text(st, 1, u->name, sizeof u->name);
    u->retention_days = sqlite3_column_int(st, 2);
}

int db_unit_get(db *d, const char *id, model_unit *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, name, retention_days FROM unit WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, id);
    return db_one(d, st, read_unit, out, "No such unit.", "reading a unit");
}

int db_room_put(db *d, const model_room *r)
{
    char err[200];
    if (model_room_check(r, err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    int rc = need_unit(d, r->unit_id);
    if (rc != DB_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO room(id, unit_id, name) VALUES(?1, ?2, ?3)"
                                  " ON CONFLICT(id) DO UPDATE SET name = excluded.name"
                                  " WHERE unit_id = excluded.unit_id");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, r->id);
    db_bind_text(st, 2, r->unit_id);
    db_bind_text(st, 3, r->name);
    return write1(d, st, "saving a room");
}

static void read_room(sqlite3_stmt *st, void *out)
{
    model_room *r = out;
    memset(r, 0, sizeof *r);
    db_col_text(st, 0, r->id, sizeof r->id);
    db_col_text(st, 1, r->unit_id, sizeof r->unit_id);
    db_col_text(st, 2, r->name, sizeof r->name);
}

int db_room_get(db *d, const char *id, model_room *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, unit_id, name FROM room WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, id);
    return db_one(d, st, read_room, out, "No such room.", "reading a room");
}

int db_room_list(db *d, const char *unit_id, int offset, int max, model_room *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT id, unit_id, name FROM room WHERE unit_id = ?1"
                                  " ORDER BY name, id LIMIT ?2 OFFSET ?3");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, unit_id);
    sqlite3_bind_int(st, 2, max);
    sqlite3_bind_int(st, 3, offset);
    return db_rows(d, st, read_room, out, sizeof *out, max, n, "listing rooms");
}

int db_person_put(db *d, const model_person *p)
{
    char err[200];
    if (model_person_check(p, err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    int rc = need_unit(d, p->unit_id);
    if (rc != DB_OK)
        return rc;
    char fold[MODEL_NAME_MAX * 2 + 1];
    db_fold(p->name, fold, sizeof fold);
    sqlite3_stmt *st = db_stmt(
        d, "INSERT INTO person(id, unit_id, name, role, pin_verifier, active, name_fold)"
           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO UPDATE SET"
           " name = excluded.name, role = excluded.role, pin_verifier = excluded.pin_verifier,"
           " active = excluded.active, name_fold = excluded.name_fold"
           " WHERE unit_id = excluded.unit_id");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, p->id);
    db_bind_text(st, 2, p->unit_id);
    db_bind_text(st, 3, p->name);
    sqlite3_bind_int(st, 4, p->role);
    db_bind_text(st, 5, p->pin_verifier);
    sqlite3_bind_int(st, 6, p->active ? 1 : 0);
    db_bind_text(st, 7, fold);
    return write1(d, st, "saving a person");
}

static void read_person(sqlite3_stmt *st, void *out)
{
    model_person *p = out;
    memset(p, 0, sizeof *p);
    db_col_text(st, 0, p->id, sizeof p->id);
    db_col_text(st, 1, p->unit_id, sizeof p->unit_id);
    db_col_text(st, 2, p->name, sizeof p->name);
    p->role = sqlite3_column_int(st, 3) ? MODEL_ROLE_LEADER : MODEL_ROLE_PEER;
    db_col_text(st, 4, p->pin_verifier, sizeof p->pin_verifier);
    p->active = sqlite3_column_int(st, 5);
}

int db_person_get(db *d, const char *id, model_person *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT id, unit_id, name, role, pin_verifier, active"
                                  " FROM person WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, id);
    return db_one(d, st, read_person, out, "No such person.", "reading a person");
}

int db_person_list(db *d, const char *unit_id, const char *search, int offset, int max,
                   model_person *out, int *n)
{
    *n = 0;
    char fold[MODEL_NAME_MAX * 2 + 1] = "";
    if (search) {
        char err[160];
        if (model_text_check(search, MODEL_NAME_MAX, 0, "The search", err, sizeof err))
            return db_fail(d, DB_INVALID, "%s", err);
        db_fold(search, fold, sizeof fold);
    }
    sqlite3_stmt *st = db_stmt(d, "SELECT id, unit_id, name, role, pin_verifier, active"
                                  " FROM person WHERE unit_id = ?1 AND active = 1"
                                  " AND (?2 = '' OR instr(name_fold, ?2) > 0)"
                                  " ORDER BY name_fold, id LIMIT ?3 OFFSET ?4");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, unit_id);
    db_bind_text(st, 2, fold);
    sqlite3_bind_int(st, 3, max);
    sqlite3_bind_int(st, 4, offset);
    return db_rows(d, st, read_person, out, sizeof *out, max, n, "listing people");
}

/* A version is immutable: storing it again is fine only with the same
 * content (a resend from the server), never with different content. */
int db_template_put(db *d, const model_template *t)
{
    char err[200];
    if (model_template_check(t, err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    int rc = need_unit(d, t->unit_id);
    if (rc != DB_OK)
        return rc;
    char *body = model_template_to_json(t);
    if (!body)
        return db_fail(d, DB_NOMEM, "Out of memory while saving a template.");
    sqlite3_stmt *st = db_stmt(d, "SELECT body FROM template WHERE id = ?1 AND version = ?2");
    if (!st) {
        free(body);
        return DB_INTERNAL;
    }
    db_bind_text(st, 1, t->id);
    sqlite3_bind_int(st, 2, t->version);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        int same = !strcmp((const char *)sqlite3_column_text(st, 0), body);
        sqlite3_reset(st);
        free(body);
        return same ? db_ok(d)
                    : db_fail(d, DB_INVALID,
                              "Template %s version %d is already stored with other "
                              "content; a change needs a new version.",
                              t->id, t->version);
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE) {
        free(body);
        return db_sqlite_fail(d, src, "saving a template");
    }
    st = db_stmt(d, "INSERT INTO template(id, version, unit_id, body) VALUES(?1, ?2, ?3, ?4)");
    if (!st) {
        free(body);
        return DB_INTERNAL;
    }
    db_bind_text(st, 1, t->id);
    sqlite3_bind_int(st, 2, t->version);
    db_bind_text(st, 3, t->unit_id);
    db_bind_text(st, 4, body);
    rc = write1(d, st, "saving a template");
    free(body);
    return rc;
}

int db_template_put_json(db *d, const char *json, size_t len)
{
    model_template *t = malloc(sizeof *t);
    if (!t)
        return db_fail(d, DB_NOMEM, "Out of memory while reading a template.");
    int rc = model_template_parse(json, len, t, d->err, sizeof d->err) ? DB_INVALID
                                                                       : db_template_put(d, t);
    free(t);
    return rc;
}

int db_template_get(db *d, const char *id, int version, model_template *out)
{
    if (version > 0 && d->tpl && d->tpl->version == version && !strcmp(d->tpl->id, id)) {
        *out = *d->tpl;
        return db_ok(d);
    }
    sqlite3_stmt *st = db_stmt(d, "SELECT body FROM template WHERE id = ?1"
                                  " AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, version);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? db_fail(d, DB_NOTFOUND, "No such template.")
                                 : db_sqlite_fail(d, rc, "reading a template");
    }
    char err[200];
    const char *body = (const char *)sqlite3_column_text(st, 0);
    int bad = model_template_parse(body, (size_t)sqlite3_column_bytes(st, 0), out, err, sizeof err);
    sqlite3_reset(st);
    if (bad)
        return db_fail(d, DB_CORRUPT, "A stored template is damaged: %s", err);
    if (!d->tpl)
        d->tpl = malloc(sizeof *d->tpl);
    if (d->tpl)
        *d->tpl = *out;
    return db_ok(d);
}

static int focus_same(const model_focus *a, const model_focus *b)
{
    if (strcmp(a->unit_id, b->unit_id) || strcmp(a->question, b->question) ||
        strcmp(a->why, b->why) || a->pillar != b->pillar ||
        strcmp(a->period_from, b->period_from) || strcmp(a->period_to, b->period_to) ||
        strcmp(a->template_id, b->template_id) || a->n_signs != b->n_signs)
        return 0;
    for (int i = 0; i < a->n_signs; i++)
        if (strcmp(a->signs[i].id, b->signs[i].id) || strcmp(a->signs[i].text, b->signs[i].text))
            return 0;
    return 1;
}

int db_focus_put(db *d, const model_focus *f)
{
    char err[200];
    if (model_focus_check(f, err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    int rc = need_unit(d, f->unit_id);
    if (rc != DB_OK)
        return rc;
    model_focus *old = malloc(sizeof *old);
    if (!old)
        return db_fail(d, DB_NOMEM, "Out of memory while saving a focus.");
    rc = db_focus_get(d, f->id, f->version, old);
    if (rc == DB_OK) {
        int same = focus_same(old, f);
        free(old);
        return same ? db_ok(d)
                    : db_fail(d, DB_INVALID,
                              "Focus %s version %d is already stored with other "
                              "content; a change needs a new version.",
                              f->id, f->version);
    }
    free(old);
    if (rc != DB_NOTFOUND)
        return rc;
    sqlite3_stmt *tst = db_stmt(d, "SELECT 1 FROM template WHERE id = ?1 AND unit_id = ?2");
    if (!tst)
        return DB_INTERNAL;
    db_bind_text(tst, 1, f->template_id);
    db_bind_text(tst, 2, f->unit_id);
    int src = sqlite3_step(tst);
    sqlite3_reset(tst);
    if (src != SQLITE_ROW)
        return src == SQLITE_DONE ? db_fail(d, DB_INVALID,
                                            "The focus's template is not on this "
                                            "tablet.")
                                  : db_sqlite_fail(d, src, "saving a focus");
    if ((rc = db_begin(d)) != DB_OK)
        return rc;
    rc = DB_INTERNAL;
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO focus(id, version, unit_id, question, why, pillar,"
                                  " period_from, period_to, template_id)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st)
        goto out;
    db_bind_text(st, 1, f->id);
    sqlite3_bind_int(st, 2, f->version);
    db_bind_text(st, 3, f->unit_id);
    db_bind_text(st, 4, f->question);
    db_bind_text(st, 5, f->why);
    sqlite3_bind_int(st, 6, (int)f->pillar);
    db_bind_text(st, 7, f->period_from);
    db_bind_text(st, 8, f->period_to);
    db_bind_text(st, 9, f->template_id);
    if ((rc = step_done(d, st, "saving a focus")) != DB_OK)
        goto out;
    for (int i = 0; i < f->n_signs; i++) {
        rc = DB_INTERNAL;
        st = db_stmt(d, "INSERT INTO focus_sign(focus_id, focus_version, position, sign_id, text)"
                        " VALUES(?1, ?2, ?3, ?4, ?5)");
        if (!st)
            goto out;
        db_bind_text(st, 1, f->id);
        sqlite3_bind_int(st, 2, f->version);
        sqlite3_bind_int(st, 3, i);
        db_bind_text(st, 4, f->signs[i].id);
        db_bind_text(st, 5, f->signs[i].text);
        if ((rc = step_done(d, st, "saving a sign")) != DB_OK)
            goto out;
    }
out:
    return db_end(d, rc);
}

static void read_sign(sqlite3_stmt *st, void *out)
{
    model_sign *s = out;
    db_col_text(st, 0, s->id, sizeof s->id);
    db_col_text(st, 1, s->text, sizeof s->text);
}

static int read_signs(db *d, model_focus *f)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT sign_id, text FROM focus_sign WHERE focus_id = ?1"
                                  " AND focus_version = ?2 ORDER BY position");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, f->id);
    sqlite3_bind_int(st, 2, f->version);
    return db_rows(d, st, read_sign, f->signs, sizeof f->signs[0], MODEL_MAX_SIGNS, &f->n_signs,
                   "reading signs");
}

static void read_focus(sqlite3_stmt *st, void *out)
{
    model_focus *f = out;
    memset(f, 0, sizeof *f);
    db_col_text(st, 0, f->id, sizeof f->id);
    f->version = sqlite3_column_int(st, 1);
    db_col_text(st, 2, f->unit_id, sizeof f->unit_id);
    db_col_text(st, 3, f->question, sizeof f->question);
    db_col_text(st, 4, f->why, sizeof f->why);
    f->pillar = (model_pillar)sqlite3_column_int(st, 5);
    db_col_text(st, 6, f->period_from, sizeof f->period_from);
    db_col_text(st, 7, f->period_to, sizeof f->period_to);
    db_col_text(st, 8, f->template_id, sizeof f->template_id);
}

#define FOCUS_COLS                                                                                 \
    "id, version, unit_id, question, why, pillar, period_from, period_to, template_id"

int db_focus_get(db *d, const char *id, int version, model_focus *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " FOCUS_COLS " FROM focus WHERE id = ?1"
                                  " AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, version);
    int rc = db_one(d, st, read_focus, out, "No such focus.", "reading a focus");
    if (rc != DB_OK)
        return rc;
    rc = read_signs(d, out);
    return rc == DB_OK ? db_ok(d) : rc;
}

int db_focus_list(db *d, const char *unit_id, const char *date, int offset, int max,
                  model_focus *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d,
                               "SELECT " FOCUS_COLS " FROM focus f WHERE unit_id = ?1"
                               " AND version = (SELECT max(version) FROM focus g WHERE g.id = f.id)"
                               " AND (?2 = '' OR (period_from <= ?2 AND period_to >= ?2))"
                               " ORDER BY question, id LIMIT ?3 OFFSET ?4");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, unit_id);
    db_bind_text(st, 2, date ? date : "");
    sqlite3_bind_int(st, 3, max);
    sqlite3_bind_int(st, 4, offset);
    int rc = db_rows(d, st, read_focus, out, sizeof *out, max, n, "listing focuses");
    if (rc != DB_OK)
        return rc;
    for (int i = 0; i < *n; i++)
        if ((rc = read_signs(d, &out[i])) != DB_OK)
            return rc;
    return db_ok(d);
}
