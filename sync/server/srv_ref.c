/*
 * A unit's reference data, changed and read in one place (srv_ref.h). A
 * change runs in one transaction: take the unit's feed lock (so changes to
 * one unit's reference data follow each other), read the record as
 * published, change it, check it by the codec's rules, publish it and write
 * the audit row; any failure rolls all of it back.
 */
#include "srv_ref.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"

/* Writes a sentence into err and gives rc back. */
__attribute__((format(printf, 4, 5))) static srv_ref_rc say(srv_ref_rc rc, char *err, size_t errlen,
                                                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* The kinds of records, as the sentences name them. */
static const char *kind_word(model_entity e)
{
    switch (e) {
    case MODEL_ENT_UNIT: return "unit";
    case MODEL_ENT_ROOM: return "room";
    case MODEL_ENT_PERSON: return "person";
    case MODEL_ENT_FOCUS: return "focus";
    default: return "template";
    }
}

/* An id a caller names must be one before it is looked up: an id that is
 * not one cannot exist either, so both are "no such". */
static srv_ref_rc need_id(model_entity e, const char *id, char *err, size_t errlen)
{
    char msg[120];
    if (!id || model_id_check(id, "id", msg, sizeof msg) != 0)
        return say(SRV_REF_NOTFOUND, err, errlen, "There is no %s with the id \"%.40s\".",
                   kind_word(e), id ? id : "");
    return SRV_REF_OK;
}

/* A new record's id: given (checked) or fresh. */
static srv_ref_rc new_id(model_entity e, const char *given, model_id out, char *err, size_t errlen)
{
    if (given) {
        char msg[160];
        if (model_id_check(given, "The id", msg, sizeof msg) != 0)
            return say(SRV_REF_INVALID, err, errlen, "%s", msg);
        snprintf(out, sizeof(model_id), "%s", given);
        return SRV_REF_OK;
    }
    if (model_id_new(plat_sys_os(), out) != 0)
        return say(SRV_REF_FAIL, err, errlen, "No randomness for a new %s id.", kind_word(e));
    return SRV_REF_OK;
}

/* A name from a person: fits, valid UTF-8 without control characters, not
 * blank. what names the field in the sentence. */
static srv_ref_rc take_name(char *dst, size_t cap, const char *name, const char *what, char *err,
                            size_t errlen)
{
    if (!name || !*name)
        return say(SRV_REF_INVALID, err, errlen, "%s is empty.", what);
    if (strlen(name) >= cap)
        return say(SRV_REF_INVALID, err, errlen, "%s is too long: at most %zu bytes.", what,
                   cap - 1);
    char msg[200];
    if (model_name_check(name, cap - 1, what, msg, sizeof msg) != 0)
        return say(SRV_REF_INVALID, err, errlen, "%s", msg);
    memcpy(dst, name, strlen(name) + 1);
    return SRV_REF_OK;
}

static srv_ref_rc begin(PGconn *pg, char *err, size_t errlen)
{
    return srv_exec(pg, "BEGIN", 0, NULL, err, errlen) == 0 ? SRV_REF_OK : SRV_REF_FAIL;
}

/* Ends a change: commits when rc is SRV_REF_OK, else rolls back; the
 * outcome. */
static srv_ref_rc end(PGconn *pg, srv_ref_rc rc, char *err, size_t errlen)
{
    if (rc == SRV_REF_OK && srv_exec(pg, "COMMIT", 0, NULL, err, errlen) == 0)
        return SRV_REF_OK;
    PQclear(PQexec(pg, "ROLLBACK"));
    return rc == SRV_REF_OK ? SRV_REF_FAIL : rc;
}

/* Runs a statement inside a change; SRV_REF_OK or SRV_REF_FAIL. */
static srv_ref_rc run(PGconn *pg, const char *sql, int n, const char *const *p, char *err,
                      size_t errlen)
{
    return srv_exec(pg, sql, n, p, err, errlen) == 0 ? SRV_REF_OK : SRV_REF_FAIL;
}

/* Takes the feed lock of unit, which also says whether it exists. */
static srv_ref_rc lock_unit(PGconn *pg, const char *unit, char *err, size_t errlen)
{
    const char *p[] = {unit};
    PGresult *r = srv_q(pg, "SELECT 1 FROM units WHERE id = $1 FOR UPDATE", 1, p, err, errlen);
    if (!r)
        return SRV_REF_FAIL;
    int found = PQntuples(r) == 1;
    PQclear(r);
    return found ? SRV_REF_OK
                 : say(SRV_REF_NOTFOUND, err, errlen, "There is no unit with the id \"%s\".", unit);
}

/*
 * Reads the published record (entity, key) into *out. *unit (may be NULL)
 * gets its unit. SRV_REF_NOTFOUND when there is none.
 */
static srv_ref_rc load(PGconn *pg, model_entity e, const char *key, model_record *out,
                       char unit[MODEL_UUID_LEN + 1], char *err, size_t errlen)
{
    const char *p[] = {model_entity_name(e), key};
    PGresult *r = srv_q(pg, "SELECT unit_id, data FROM items WHERE entity = $1 AND key = $2", 2, p,
                        err, errlen);
    if (!r)
        return SRV_REF_FAIL;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return say(SRV_REF_NOTFOUND, err, errlen, "There is no %s with the id \"%s\".",
                   kind_word(e), key);
    }
    if (unit)
        snprintf(unit, MODEL_UUID_LEN + 1, "%s", PQgetvalue(r, 0, 0));
    model_err me;
    int bad = model_record_parse(e, PQgetvalue(r, 0, 1), out, &me);
    PQclear(r);
    if (bad)
        return say(SRV_REF_FAIL, err, errlen, "The stored %s %s is damaged: %s", kind_word(e), key,
                   me.msg);
    return SRV_REF_OK;
}

/*
 * Begins a change of one existing unit, room or person: starts the
 * transaction, takes its unit's feed lock and reads the record as
 * published, so that two changes at once follow each other and the second
 * sees the first. On failure the transaction is rolled back.
 */
static srv_ref_rc open_change(PGconn *pg, model_entity e, const char *id, model_record *r,
                              char unit[MODEL_UUID_LEN + 1], char *err, size_t errlen)
{
    srv_ref_rc rc = need_id(e, id, err, errlen);
    if (rc != SRV_REF_OK || (rc = begin(pg, err, errlen)) != SRV_REF_OK)
        return rc;
    rc = load(pg, e, id, r, unit, err, errlen);
    if (rc == SRV_REF_OK)
        rc = lock_unit(pg, unit, err, errlen);
    if (rc == SRV_REF_OK)
        rc = load(pg, e, id, r, unit, err, errlen);
    return rc == SRV_REF_OK ? rc : end(pg, rc, err, errlen);
}

/* Checks a reference record by the codec's rules. */
static srv_ref_rc check(const model_record *r, char *err, size_t errlen)
{
    int bad;
    switch (r->entity) {
    case MODEL_ENT_UNIT: bad = model_unit_check(&r->u.unit, err, errlen); break;
    case MODEL_ENT_ROOM: bad = model_room_check(&r->u.room, err, errlen); break;
    case MODEL_ENT_PERSON: bad = model_person_check(&r->u.person, err, errlen); break;
    case MODEL_ENT_FOCUS: bad = model_focus_check(&r->u.focus, err, errlen); break;
    default: bad = model_template_check(&r->u.tmpl, err, errlen); break;
    }
    return bad ? SRV_REF_INVALID : SRV_REF_OK;
}

/*
 * Finishes a change begun with open_change (or a begin of its own): when
 * rc is still SRV_REF_OK, checks r (NULL: nothing to publish), publishes
 * it, writes the audit row (action, unit, subject, detail) and commits;
 * otherwise rolls back. The outcome.
 */
static srv_ref_rc close_change(PGconn *pg, srv_ref_rc rc, const model_record *r, int replace,
                               const char *actor, const char *action, const char *unit,
                               const char *subject, const char *detail, char *err, size_t errlen)
{
    if (rc == SRV_REF_OK && r)
        rc = check(r, err, errlen);
    if (rc == SRV_REF_OK && r && srv_publish_ref_in(pg, r, replace, NULL, err, errlen) != 0)
        rc = SRV_REF_FAIL;
    if (rc == SRV_REF_OK &&
        srv_audit(pg, actor ? actor : "", action, unit, subject, detail, err, errlen) != 0)
        rc = SRV_REF_FAIL;
    return end(pg, rc, err, errlen);
}

/* A record on the heap: model_record holds a template, tens of
 * kilobytes, too much for the stack of a server thread. */
static model_record *new_record(model_entity e, char *err, size_t errlen)
{
    model_record *r = calloc(1, sizeof *r);
    if (r)
        r->entity = e;
    else
        say(SRV_REF_FAIL, err, errlen, "Out of memory.");
    return r;
}

/* 1 if a record (entity, key) exists in any unit. */
static int taken(PGconn *pg, model_entity e, const char *key, char *err, size_t errlen)
{
    const char *p[] = {model_entity_name(e), key};
    PGresult *r = srv_q(pg, "SELECT 1 FROM items WHERE entity = $1 AND key = $2", 2, p, err,
                        errlen);
    if (!r)
        return -1;
    int n = PQntuples(r);
    PQclear(r);
    return n > 0;
}

/* ---- units ---- */

srv_ref_rc srv_ref_unit_add(PGconn *pg, const char *actor, const char *id, const char *name,
                            int retention_days, model_id out_id, char *err, size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_UNIT, err, errlen);
    if (!r)
        return SRV_REF_FAIL;
    model_unit *u = &r->u.unit;
    u->retention_days = retention_days;
    srv_ref_rc rc = new_id(MODEL_ENT_UNIT, id, u->id, err, errlen);
    if (rc == SRV_REF_OK)
        rc = take_name(u->name, sizeof u->name, name, "The unit's name", err, errlen);
    if (rc == SRV_REF_OK)
        rc = check(r, err, errlen);
    if (rc == SRV_REF_OK)
        rc = begin(pg, err, errlen);
    if (rc != SRV_REF_OK) {
        free(r);
        return rc;
    }
    /* The unit's row must be there before its feed can be locked; a given
     * id that is taken is refused, never taken over. */
    char days[16];
    snprintf(days, sizeof days, "%d", u->retention_days);
    const char *p[] = {u->id, u->name, days};
    PGresult *q = srv_q(pg,
                        "INSERT INTO units (id, name, retention_days) VALUES ($1,$2,$3::int)"
                        " ON CONFLICT (id) DO NOTHING RETURNING id",
                        3, p, err, errlen);
    if (!q)
        rc = SRV_REF_FAIL;
    else if (PQntuples(q) != 1)
        rc = say(SRV_REF_INVALID, err, errlen, "The id %s is taken by another unit.", u->id);
    PQclear(q);
    char detail[40];
    snprintf(detail, sizeof detail, "retention_days=%d", u->retention_days);
    rc = close_change(pg, rc, r, 0, actor, "unit.add", u->id, u->id, detail, err, errlen);
    if (rc == SRV_REF_OK && out_id)
        snprintf(out_id, sizeof(model_id), "%s", u->id);
    free(r);
    return rc;
}

srv_ref_rc srv_ref_unit_rename(PGconn *pg, const char *actor, const char *unit, const char *name,
                               char *err, size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_UNIT, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    srv_ref_rc rc = r ? open_change(pg, MODEL_ENT_UNIT, unit, r, u, err, errlen) : SRV_REF_FAIL;
    if (rc == SRV_REF_OK) {
        rc = take_name(r->u.unit.name, sizeof r->u.unit.name, name, "The unit's name", err, errlen);
        rc = close_change(pg, rc, r, 0, actor, "unit.rename", u, u, "", err, errlen);
    }
    free(r);
    return rc;
}

srv_ref_rc srv_ref_unit_set_retention(PGconn *pg, const char *actor, const char *unit,
                                      int retention_days, char *err, size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_UNIT, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    srv_ref_rc rc = r ? open_change(pg, MODEL_ENT_UNIT, unit, r, u, err, errlen) : SRV_REF_FAIL;
    if (rc == SRV_REF_OK) {
        r->u.unit.retention_days = retention_days;
        char detail[40];
        snprintf(detail, sizeof detail, "retention_days=%d", retention_days);
        rc = close_change(pg, rc, r, 0, actor, "unit.retention", u, u, detail, err, errlen);
    }
    free(r);
    return rc;
}

/* ---- rooms ---- */

/* Adds a room or a person to unit: the given id must not be taken. */
static srv_ref_rc add_member(PGconn *pg, const char *actor, model_record *r, const char *unit,
                             const char *action, const char *detail, char *err, size_t errlen)
{
    char key[MODEL_RECORD_KEY_MAX];
    model_record_key(r, key);
    srv_ref_rc rc = check(r, err, errlen);
    if (rc == SRV_REF_OK)
        rc = begin(pg, err, errlen);
    if (rc != SRV_REF_OK)
        return rc;
    rc = lock_unit(pg, unit, err, errlen);
    int t = rc == SRV_REF_OK ? taken(pg, r->entity, key, err, errlen) : 0;
    if (t < 0)
        rc = SRV_REF_FAIL;
    else if (t)
        rc = say(SRV_REF_INVALID, err, errlen, "The id %s is taken by another %s.", key,
                 kind_word(r->entity));
    return close_change(pg, rc, r, 0, actor, action, unit, key, detail, err, errlen);
}

srv_ref_rc srv_ref_room_add(PGconn *pg, const char *actor, const char *unit, const char *id,
                            const char *name, model_id out_id, char *err, size_t errlen)
{
    srv_ref_rc rc = need_id(MODEL_ENT_UNIT, unit, err, errlen);
    if (rc != SRV_REF_OK)
        return rc;
    model_record *r = new_record(MODEL_ENT_ROOM, err, errlen);
    if (!r)
        return SRV_REF_FAIL;
    model_room *x = &r->u.room;
    snprintf(x->unit_id, sizeof x->unit_id, "%s", unit);
    rc = new_id(MODEL_ENT_ROOM, id, x->id, err, errlen);
    if (rc == SRV_REF_OK)
        rc = take_name(x->name, sizeof x->name, name, "The room's name", err, errlen);
    if (rc == SRV_REF_OK)
        rc = add_member(pg, actor, r, unit, "room.add", "", err, errlen);
    if (rc == SRV_REF_OK && out_id)
        snprintf(out_id, sizeof(model_id), "%s", x->id);
    free(r);
    return rc;
}

srv_ref_rc srv_ref_room_rename(PGconn *pg, const char *actor, const char *room, const char *name,
                               char *err, size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_ROOM, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    srv_ref_rc rc = r ? open_change(pg, MODEL_ENT_ROOM, room, r, u, err, errlen) : SRV_REF_FAIL;
    if (rc == SRV_REF_OK) {
        rc = take_name(r->u.room.name, sizeof r->u.room.name, name, "The room's name", err, errlen);
        rc = close_change(pg, rc, r, 0, actor, "room.rename", u, room, "", err, errlen);
    }
    free(r);
    return rc;
}

/* ---- people ---- */

static const char *role_word(model_role role)
{
    return role == MODEL_ROLE_LEADER ? "leader" : "peer";
}

srv_ref_rc srv_ref_person_add(PGconn *pg, const char *actor, const char *unit, const char *id,
                              const char *name, model_role role, model_id out_id, char *err,
                              size_t errlen)
{
    srv_ref_rc rc = need_id(MODEL_ENT_UNIT, unit, err, errlen);
    if (rc != SRV_REF_OK)
        return rc;
    model_record *r = new_record(MODEL_ENT_PERSON, err, errlen);
    if (!r)
        return SRV_REF_FAIL;
    model_person *x = &r->u.person;
    snprintf(x->unit_id, sizeof x->unit_id, "%s", unit);
    x->role = role;
    x->active = 1;
    rc = new_id(MODEL_ENT_PERSON, id, x->id, err, errlen);
    if (rc == SRV_REF_OK)
        rc = take_name(x->name, sizeof x->name, name, "The person's name", err, errlen);
    char detail[40];
    snprintf(detail, sizeof detail, "role=%s", role_word(role));
    if (rc == SRV_REF_OK)
        rc = add_member(pg, actor, r, unit, "person.add", detail, err, errlen);
    if (rc == SRV_REF_OK && out_id)
        snprintf(out_id, sizeof(model_id), "%s", x->id);
    free(r);
    return rc;
}

srv_ref_rc srv_ref_person_rename(PGconn *pg, const char *actor, const char *person,
                                 const char *name, char *err, size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_PERSON, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    srv_ref_rc rc = r ? open_change(pg, MODEL_ENT_PERSON, person, r, u, err, errlen) : SRV_REF_FAIL;
    if (rc == SRV_REF_OK) {
        rc = take_name(r->u.person.name, sizeof r->u.person.name, name, "The person's name", err,
                       errlen);
        rc = close_change(pg, rc, r, 0, actor, "person.rename", u, person, "", err, errlen);
    }
    free(r);
    return rc;
}

srv_ref_rc srv_ref_person_set_role(PGconn *pg, const char *actor, const char *person,
                                   model_role role, char *err, size_t errlen)
{
    if (role != MODEL_ROLE_PEER && role != MODEL_ROLE_LEADER)
        return say(SRV_REF_INVALID, err, errlen, "A role is peer or leader.");
    model_record *r = new_record(MODEL_ENT_PERSON, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    srv_ref_rc rc = r ? open_change(pg, MODEL_ENT_PERSON, person, r, u, err, errlen) : SRV_REF_FAIL;
    if (rc == SRV_REF_OK) {
        r->u.person.role = role;
        char detail[40];
        snprintf(detail, sizeof detail, "role=%s", role_word(role));
        rc = close_change(pg, rc, r, 0, actor, "person.role", u, person, detail, err, errlen);
    }
    free(r);
    return rc;
}

srv_ref_rc srv_ref_person_set_active(PGconn *pg, const char *actor, const char *person, int active,
                                     char *err, size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_PERSON, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    srv_ref_rc rc = r ? open_change(pg, MODEL_ENT_PERSON, person, r, u, err, errlen) : SRV_REF_FAIL;
    if (rc == SRV_REF_OK) {
        r->u.person.active = active != 0;
        rc = close_change(pg, rc, r, 0, actor, active ? "person.activate" : "person.deactivate", u,
                          person, "", err, errlen);
    }
    free(r);
    return rc;
}

srv_ref_rc srv_ref_person_set_pin(PGconn *pg, const char *actor, const char *person,
                                  const char *pin, char *err, size_t errlen)
{
    char msg[160];
    if (!pin || model_pin_check(pin, msg, sizeof msg) != 0)
        return say(SRV_REF_INVALID, err, errlen, "%s", pin ? msg : "A PIN is 4 to 8 digits.");
    /* Hashed before the transaction: argon2id takes a while by design,
     * and the unit's feed lock should not wait for it. */
    char verifier[MODEL_VERIFIER_MAX];
    if (model_pin_hash(pin, verifier) != 0)
        return say(SRV_REF_FAIL, err, errlen, "The PIN could not be hashed (out of memory).");
    model_record *r = new_record(MODEL_ENT_PERSON, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    srv_ref_rc rc = r ? open_change(pg, MODEL_ENT_PERSON, person, r, u, err, errlen) : SRV_REF_FAIL;
    if (rc == SRV_REF_OK) {
        memcpy(r->u.person.pin_verifier, verifier, sizeof verifier);
        rc = close_change(pg, rc, r, 0, actor, "person.pin-set", u, person, "", err, errlen);
    }
    free(r);
    sodium_memzero(verifier, sizeof verifier);
    return rc;
}

srv_ref_rc srv_ref_person_clear_pin(PGconn *pg, const char *actor, const char *person, char *err,
                                    size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_PERSON, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    srv_ref_rc rc = r ? open_change(pg, MODEL_ENT_PERSON, person, r, u, err, errlen) : SRV_REF_FAIL;
    if (rc == SRV_REF_OK) {
        r->u.person.pin_verifier[0] = 0;
        rc = close_change(pg, rc, r, 0, actor, "person.pin-clear", u, person, "", err, errlen);
    }
    free(r);
    return rc;
}

/* ---- focuses and templates: versions ---- */

/* What a focus or a template's versions have in common. */
typedef struct {
    model_entity e;
    const char *table;   /* "focuses" or "templates" */
    const char *obs_id;  /* the observation's field naming it */
    const char *obs_ver; /* and its version */
} versioned;

static const versioned V_FOCUS = {MODEL_ENT_FOCUS, "focuses", "focus_id", "focus_version"};
static const versioned V_TMPL = {MODEL_ENT_TEMPLATE, "templates", "template_id",
                                 "template_version"};

/* The latest version of id and its unit; 0 in *version when there is
 * none. */
static srv_ref_rc latest(PGconn *pg, const versioned *v, const char *id, int *version,
                         char unit[MODEL_UUID_LEN + 1], char *err, size_t errlen)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT version, unit_id FROM %s WHERE id = $1 ORDER BY version DESC LIMIT 1",
             v->table);
    const char *p[] = {id};
    PGresult *r = srv_q(pg, sql, 1, p, err, errlen);
    if (!r)
        return SRV_REF_FAIL;
    *version = 0;
    if (PQntuples(r) == 1) {
        *version = atoi(PQgetvalue(r, 0, 0));
        snprintf(unit, MODEL_UUID_LEN + 1, "%s", PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return SRV_REF_OK;
}

/*
 * Whether version of id may still change in place: no observation on the
 * server was made against it, and no tablet of the unit has pulled since it
 * was published (tablets store a version once and refuse it changed). A
 * pull is counted from a minute before the publication, so one whose
 * snapshot was taken just after it, while its audit row carries the time it
 * began, is counted too. *obs (may be NULL) is set to whether observations
 * exist. 1, 0, or -1 with err.
 */
static int changeable(PGconn *pg, const versioned *v, const char *unit, const char *id, int version,
                      int *obs, char *err, size_t errlen)
{
    char vs[16], key[MODEL_RECORD_KEY_MAX], sql[900];
    snprintf(vs, sizeof vs, "%d", version);
    snprintf(key, sizeof key, "%s/%d", id, version);
    snprintf(sql, sizeof sql,
             "SELECT EXISTS (SELECT 1 FROM fact_obs WHERE unit_id = $1"
             "  AND %s = $2 AND %s = $3::int),"
             " EXISTS (SELECT 1 FROM items i, audit_log a WHERE i.entity = $4 AND i.key = $5"
             "  AND a.action = 'pull' AND a.unit_id = $1"
             "  AND a.at >= i.updated_at - interval '1 minute')",
             v->obs_id, v->obs_ver);
    const char *p[] = {unit, id, vs, model_entity_name(v->e), key};
    PGresult *r = srv_q(pg, sql, 5, p, err, errlen);
    if (!r)
        return -1;
    int has_obs = PQgetvalue(r, 0, 0)[0] == 't', pulled = PQgetvalue(r, 0, 1)[0] == 't';
    PQclear(r);
    if (obs)
        *obs = has_obs;
    return !has_obs && !pulled;
}

/*
 * Saves a focus or template record r (id, unit and version fields given by
 * pointers into it) as the latest version of its id: a new one at version
 * 1, a change in place while the latest version is changeable, else as the
 * next version. base: 0, or the version the change was made from, refused
 * when a newer one has been saved since. Runs inside the caller's
 * transaction, which holds the unit's feed lock. *saved_in_place says
 * which happened.
 */
static srv_ref_rc save_version(PGconn *pg, const versioned *v, model_record *r, const char *id,
                               const char *unit, int *version, int base, int *in_place, char *err,
                               size_t errlen)
{
    int cur;
    char cur_unit[MODEL_UUID_LEN + 1] = "";
    srv_ref_rc rc = latest(pg, v, id, &cur, cur_unit, err, errlen);
    if (rc != SRV_REF_OK)
        return rc;
    const char *kind = kind_word(v->e);
    if (cur && strcmp(cur_unit, unit) != 0)
        return say(SRV_REF_INVALID, err, errlen, "The %s %s belongs to another unit.", kind, id);
    if (base && !cur && base != 1)
        return say(SRV_REF_INVALID, err, errlen,
                   "There is no %s %s at version %d to change: it would be new.", kind, id, base);
    if (base && cur && base != cur)
        return say(SRV_REF_INVALID, err, errlen,
                   "The %s was changed after version %d: it is at version %d now. Make the "
                   "change again from that version.",
                   kind, base, cur);
    *in_place = 0;
    if (!cur) {
        *version = 1;
    } else {
        int c = changeable(pg, v, unit, id, cur, NULL, err, errlen);
        if (c < 0)
            return SRV_REF_FAIL;
        *version = cur;
        /* The same content again publishes nothing, wherever it is. */
        model_record *old = new_record(v->e, err, errlen);
        char key[MODEL_RECORD_KEY_MAX];
        snprintf(key, sizeof key, "%s/%d", id, cur);
        if (!old)
            return SRV_REF_FAIL;
        rc = load(pg, v->e, key, old, NULL, err, errlen);
        char *a = rc == SRV_REF_OK ? srv_record_text(old, err, errlen) : NULL;
        char *b = a ? srv_record_text(r, err, errlen) : NULL;
        int same = a && b && !strcmp(a, b);
        free(a);
        free(b);
        free(old);
        if (rc != SRV_REF_OK)
            return rc;
        if (!same && !c)
            *version = cur + 1;
        *in_place = same || c;
    }
    rc = check(r, err, errlen);
    if (rc == SRV_REF_OK && srv_publish_ref_in(pg, r, *in_place, NULL, err, errlen) != 0)
        rc = SRV_REF_FAIL;
    return rc;
}

/* Starts saving a new or changed focus or template: an id for a new one,
 * the unit locked. */
static srv_ref_rc open_save(PGconn *pg, model_entity e, char *id, const char *unit, char *err,
                            size_t errlen)
{
    srv_ref_rc rc = id[0] ? need_id(e, id, err, errlen) : new_id(e, NULL, id, err, errlen);
    if (rc == SRV_REF_OK)
        rc = need_id(MODEL_ENT_UNIT, unit, err, errlen);
    if (rc != SRV_REF_OK || (rc = begin(pg, err, errlen)) != SRV_REF_OK)
        return rc;
    rc = lock_unit(pg, unit, err, errlen);
    return rc == SRV_REF_OK ? rc : end(pg, rc, err, errlen);
}

/* The audit detail of a save. */
static void save_detail(char *out, size_t cap, int version, int in_place)
{
    snprintf(out, cap, "version=%d%s", version, in_place ? " in_place" : "");
}

srv_ref_rc srv_ref_focus_save(PGconn *pg, const char *actor, model_focus *f, int base, char *err,
                              size_t errlen)
{
    for (int i = 0; i < f->n_signs && i < MODEL_MAX_SIGNS; i++)
        if (!f->signs[i].id[0] && model_id_new(plat_sys_os(), f->signs[i].id) != 0)
            return say(SRV_REF_FAIL, err, errlen, "No randomness for a new sign id.");
    /* Checked before anything is locked, with the version it will have at
     * the least, so a bad field is named without touching the database. */
    int keep = f->version;
    f->version = 1;
    int bad = f->id[0] && model_focus_check(f, err, errlen);
    f->version = keep;
    if (bad)
        return SRV_REF_INVALID;
    srv_ref_rc rc = open_save(pg, MODEL_ENT_FOCUS, f->id, f->unit_id, err, errlen);
    if (rc != SRV_REF_OK)
        return rc;
    /* A focus whose template the tablets cannot find would wait on them
     * for ever: the template must be one of this unit's. */
    const char *p[] = {f->template_id, f->unit_id};
    PGresult *q = srv_q(pg,
                        "SELECT bool_or(retired_at IS NOT NULL) FROM templates"
                        " WHERE id = $1 AND unit_id = $2",
                        2, p, err, errlen);
    if (!q)
        rc = SRV_REF_FAIL;
    else if (PQgetisnull(q, 0, 0))
        rc = say(SRV_REF_INVALID, err, errlen,
                 "The focus's template %s is not a template of this unit: add the template "
                 "first.",
                 f->template_id);
    else if (PQgetvalue(q, 0, 0)[0] == 't')
        rc = say(SRV_REF_INVALID, err, errlen,
                 "The focus's template %s is retired: choose another template.", f->template_id);
    PQclear(q);
    /* Saving a retired focus brings it back: the save gives it a period. */
    if (rc == SRV_REF_OK)
        rc = run(pg, "UPDATE focuses SET retired_at = NULL WHERE id = $1", 1,
                 (const char *const[]){f->id}, err, errlen);
    model_record *r = rc == SRV_REF_OK ? new_record(MODEL_ENT_FOCUS, err, errlen) : NULL;
    if (rc == SRV_REF_OK && !r)
        rc = SRV_REF_FAIL;
    int in_place = 0;
    char detail[64] = "";
    if (rc == SRV_REF_OK) {
        r->u.focus = *f;
        model_focus *x = &r->u.focus;
        rc = save_version(pg, &V_FOCUS, r, x->id, x->unit_id, &x->version, base, &in_place, err,
                          errlen);
        save_detail(detail, sizeof detail, x->version, in_place);
    }
    rc = close_change(pg, rc, NULL, 0, actor, "focus.save", f->unit_id, f->id, detail, err, errlen);
    if (rc == SRV_REF_OK)
        f->version = r->u.focus.version;
    free(r);
    return rc;
}

srv_ref_rc srv_ref_template_save(PGconn *pg, const char *actor, model_template *t, int base,
                                 char *err, size_t errlen)
{
    int keep = t->version;
    t->version = 1;
    int bad = t->id[0] && model_template_check(t, err, errlen);
    t->version = keep;
    if (bad)
        return SRV_REF_INVALID;
    srv_ref_rc rc = open_save(pg, MODEL_ENT_TEMPLATE, t->id, t->unit_id, err, errlen);
    if (rc != SRV_REF_OK)
        return rc;
    model_record *r = new_record(MODEL_ENT_TEMPLATE, err, errlen);
    if (r && run(pg, "UPDATE templates SET retired_at = NULL WHERE id = $1", 1,
                 (const char *const[]){t->id}, err, errlen) != SRV_REF_OK) {
        free(r);
        r = NULL;
    }
    int in_place = 0;
    char detail[64] = "";
    if (!r) {
        rc = SRV_REF_FAIL;
    } else {
        r->u.tmpl = *t;
        model_template *x = &r->u.tmpl;
        rc = save_version(pg, &V_TMPL, r, x->id, x->unit_id, &x->version, base, &in_place, err,
                          errlen);
        save_detail(detail, sizeof detail, x->version, in_place);
    }
    rc = close_change(pg, rc, NULL, 0, actor, "template.save", t->unit_id, t->id, detail, err,
                      errlen);
    if (rc == SRV_REF_OK)
        t->version = r->u.tmpl.version;
    free(r);
    return rc;
}

/* ---- deactivating, moving, retiring ---- */

srv_ref_rc srv_ref_unit_set_active(PGconn *pg, const char *actor, const char *unit, int active,
                                   char *err, size_t errlen)
{
    srv_ref_rc rc = need_id(MODEL_ENT_UNIT, unit, err, errlen);
    if (rc != SRV_REF_OK || (rc = begin(pg, err, errlen)) != SRV_REF_OK)
        return rc;
    rc = lock_unit(pg, unit, err, errlen);
    if (rc == SRV_REF_OK)
        rc = run(pg, "UPDATE units SET active = $2::bool WHERE id = $1", 2,
                 (const char *const[]){unit, active ? "t" : "f"}, err, errlen);
    return close_change(pg, rc, NULL, 0, actor, active ? "unit.activate" : "unit.deactivate", unit,
                        unit, "", err, errlen);
}

srv_ref_rc srv_ref_room_set_active(PGconn *pg, const char *actor, const char *room, int active,
                                   char *err, size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_ROOM, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    srv_ref_rc rc = r ? open_change(pg, MODEL_ENT_ROOM, room, r, u, err, errlen) : SRV_REF_FAIL;
    free(r);
    if (rc != SRV_REF_OK)
        return rc;
    rc = run(pg, "UPDATE rooms SET active = $2::bool WHERE id = $1", 2,
             (const char *const[]){room, active ? "t" : "f"}, err, errlen);
    return close_change(pg, rc, NULL, 0, actor, active ? "room.activate" : "room.deactivate", u,
                        room, "", err, errlen);
}

srv_ref_rc srv_ref_person_set_room(PGconn *pg, const char *actor, const char *person,
                                   const char *room, char *err, size_t errlen)
{
    int none = !room || !*room;
    srv_ref_rc rc = none ? SRV_REF_OK : need_id(MODEL_ENT_ROOM, room, err, errlen);
    if (rc != SRV_REF_OK)
        return rc;
    model_record *r = new_record(MODEL_ENT_PERSON, err, errlen);
    char u[MODEL_UUID_LEN + 1];
    rc = r ? open_change(pg, MODEL_ENT_PERSON, person, r, u, err, errlen) : SRV_REF_FAIL;
    free(r);
    if (rc != SRV_REF_OK)
        return rc;
    if (!none) {
        PGresult *q = srv_q(pg, "SELECT unit_id, active FROM rooms WHERE id = $1", 1,
                            (const char *const[]){room}, err, errlen);
        if (!q)
            rc = SRV_REF_FAIL;
        else if (PQntuples(q) != 1)
            rc = say(SRV_REF_NOTFOUND, err, errlen, "There is no room with the id \"%s\".", room);
        else if (strcmp(PQgetvalue(q, 0, 0), u) != 0)
            rc = say(SRV_REF_INVALID, err, errlen,
                     "The room %s is in another unit: a person moves only between the rooms of "
                     "their own unit.",
                     room);
        else if (PQgetvalue(q, 0, 1)[0] != 't')
            rc = say(SRV_REF_INVALID, err, errlen,
                     "The room %s is deactivated: nobody can be moved into it.", room);
        PQclear(q);
    }
    if (rc == SRV_REF_OK)
        rc = run(pg, "UPDATE people SET room_id = nullif($2, '') WHERE id = $1", 2,
                 (const char *const[]){person, none ? "" : room}, err, errlen);
    char detail[80];
    snprintf(detail, sizeof detail, "room=%s", none ? "none" : room);
    return close_change(pg, rc, NULL, 0, actor, "person.room", u, person, detail, err, errlen);
}

/* Begins a change of an existing focus or template: its latest version
 * loaded into r, its unit locked. */
static srv_ref_rc open_versioned(PGconn *pg, const versioned *v, const char *id, model_record *r,
                                 char unit[MODEL_UUID_LEN + 1], char *err, size_t errlen)
{
    srv_ref_rc rc = need_id(v->e, id, err, errlen);
    if (rc != SRV_REF_OK || (rc = begin(pg, err, errlen)) != SRV_REF_OK)
        return rc;
    int cur = 0;
    rc = latest(pg, v, id, &cur, unit, err, errlen);
    if (rc == SRV_REF_OK && !cur)
        rc = say(SRV_REF_NOTFOUND, err, errlen, "There is no %s with the id \"%s\".",
                 kind_word(v->e), id);
    if (rc == SRV_REF_OK)
        rc = lock_unit(pg, unit, err, errlen);
    /* Read again under the lock: a save may have come between. */
    if (rc == SRV_REF_OK)
        rc = latest(pg, v, id, &cur, unit, err, errlen);
    char key[MODEL_RECORD_KEY_MAX];
    snprintf(key, sizeof key, "%s/%d", id, cur);
    if (rc == SRV_REF_OK)
        rc = load(pg, v->e, key, r, NULL, err, errlen);
    return rc == SRV_REF_OK ? rc : end(pg, rc, err, errlen);
}

/* Yesterday on the database's calendar, YYYY-MM-DD. */
static srv_ref_rc yesterday(PGconn *pg, char out[MODEL_DATE_LEN + 1], char *err, size_t errlen)
{
    PGresult *q = srv_q(pg, "SELECT to_char(current_date - 1, 'YYYY-MM-DD')", 0, NULL, err, errlen);
    if (!q)
        return SRV_REF_FAIL;
    snprintf(out, MODEL_DATE_LEN + 1, "%s", PQgetvalue(q, 0, 0));
    PQclear(q);
    return SRV_REF_OK;
}

srv_ref_rc srv_ref_focus_retire(PGconn *pg, const char *actor, const char *focus, char *err,
                                size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_FOCUS, err, errlen);
    char u[MODEL_UUID_LEN + 1] = "", day[MODEL_DATE_LEN + 1];
    srv_ref_rc rc = r ? open_versioned(pg, &V_FOCUS, focus, r, u, err, errlen) : SRV_REF_FAIL;
    if (rc != SRV_REF_OK) {
        free(r);
        return rc;
    }
    model_focus *f = &r->u.focus;
    rc = yesterday(pg, day, err, errlen);
    int in_place = 0;
    /* A period that is over already needs no new version: tablets do not
     * offer it. One that is not ends yesterday; one that has not begun
     * becomes a single day in the past. */
    if (rc == SRV_REF_OK && strcmp(f->period_to, day) > 0) {
        memcpy(f->period_to, day, sizeof day);
        if (strcmp(f->period_from, day) > 0)
            memcpy(f->period_from, day, sizeof day);
        rc = save_version(pg, &V_FOCUS, r, f->id, f->unit_id, &f->version, 0, &in_place, err,
                          errlen);
    }
    if (rc == SRV_REF_OK)
        rc = run(pg, "UPDATE focuses SET retired_at = now() WHERE id = $1 AND retired_at IS NULL",
                 1, (const char *const[]){focus}, err, errlen);
    char detail[64];
    save_detail(detail, sizeof detail, f->version, in_place);
    rc = close_change(pg, rc, NULL, 0, actor, "focus.retire", u, focus, detail, err, errlen);
    free(r);
    return rc;
}

srv_ref_rc srv_ref_template_retire(PGconn *pg, const char *actor, const char *tmpl, char *err,
                                   size_t errlen)
{
    model_record *r = new_record(MODEL_ENT_TEMPLATE, err, errlen);
    char u[MODEL_UUID_LEN + 1] = "";
    srv_ref_rc rc = r ? open_versioned(pg, &V_TMPL, tmpl, r, u, err, errlen) : SRV_REF_FAIL;
    free(r);
    if (rc != SRV_REF_OK)
        return rc;
    /* A focus still in use keeps its template: retiring it under the focus
     * would leave the focus unchangeable. */
    PGresult *q = srv_q(pg,
                        "SELECT f.id FROM focuses f JOIN items i ON i.entity = 'focus'"
                        " AND i.key = f.id || '/' || f.version WHERE f.unit_id = $1"
                        " AND f.retired_at IS NULL AND i.data::jsonb->>'template_id' = $2"
                        " AND f.version = (SELECT max(version) FROM focuses g WHERE g.id = f.id)"
                        " LIMIT 1",
                        2, (const char *const[]){u, tmpl}, err, errlen);
    if (!q)
        rc = SRV_REF_FAIL;
    else if (PQntuples(q) == 1)
        rc = say(SRV_REF_INVALID, err, errlen,
                 "The template is used by the focus %s, which is not retired: retire that focus "
                 "or give it another template first.",
                 PQgetvalue(q, 0, 0));
    PQclear(q);
    if (rc == SRV_REF_OK)
        rc = run(pg, "UPDATE templates SET retired_at = now() WHERE id = $1 AND retired_at IS NULL",
                 1, (const char *const[]){tmpl}, err, errlen);
    return close_change(pg, rc, NULL, 0, actor, "template.retire", u, tmpl, "", err, errlen);
}

/* ---- reads ---- */

/*
 * Runs a read and turns each row into an element of a malloc'd array:
 * fill(row, element) gets the row and a zeroed element of size elem, and
 * returns 0 or -1 (a damaged stored record). *out is NULL when there are
 * no rows.
 */
static srv_ref_rc read_rows(PGconn *pg, const char *sql, int n, const char *const *p, size_t elem,
                            int (*fill)(PGresult *, int, void *, char *, size_t), void **out,
                            int *count, char *err, size_t errlen)
{
    *out = NULL;
    *count = 0;
    PGresult *q = srv_q(pg, sql, n, p, err, errlen);
    if (!q)
        return SRV_REF_FAIL;
    int rows = PQntuples(q);
    char *a = rows ? calloc((size_t)rows, elem) : NULL;
    if (rows && !a) {
        PQclear(q);
        return say(SRV_REF_FAIL, err, errlen, "Out of memory.");
    }
    for (int i = 0; i < rows; i++)
        if (fill(q, i, a + (size_t)i * elem, err, errlen) != 0) {
            PQclear(q);
            free(a);
            return SRV_REF_FAIL;
        }
    PQclear(q);
    *out = a;
    *count = rows;
    return SRV_REF_OK;
}

/* Decodes a stored record from column col of a row. */
static int row_record(PGresult *q, int row, int col, model_entity e, model_record *r, char *err,
                      size_t errlen)
{
    model_err me;
    if (model_record_parse(e, PQgetvalue(q, row, col), r, &me) != 0) {
        say(SRV_REF_FAIL, err, errlen, "A stored %s is damaged: %s", kind_word(e), me.msg);
        return -1;
    }
    return 0;
}

static int is_true(PGresult *q, int row, int col) { return PQgetvalue(q, row, col)[0] == 't'; }

/* Columns: data, active. */
static int fill_unit(PGresult *q, int row, void *out, char *err, size_t errlen)
{
    srv_ref_unit *u = out;
    model_record *r = new_record(MODEL_ENT_UNIT, err, errlen);
    if (!r || row_record(q, row, 0, MODEL_ENT_UNIT, r, err, errlen) != 0) {
        free(r);
        return -1;
    }
    u->unit = r->u.unit;
    free(r);
    u->active = is_true(q, row, 1);
    return 0;
}

#define UNIT_SQL                                                                                   \
    "SELECT i.data, u.active FROM units u JOIN items i ON i.entity = 'unit' AND i.key = u.id"

/* A set of ids as a PostgreSQL array literal: only well-formed ids are
 * kept (the others cannot name anything). */
static char *id_array(const char *const *ids, int n, char *err, size_t errlen)
{
    const char **ok = malloc((size_t)(n > 0 ? n : 1) * sizeof *ok);
    char *s = NULL;
    int k = 0;
    for (int i = 0; ok && i < n; i++) {
        char msg[80];
        if (ids[i] && model_id_check(ids[i], "id", msg, sizeof msg) == 0)
            ok[k++] = ids[i];
    }
    if (!ok || !(s = srv_array_of(ok, sizeof *ok, k, 1)))
        say(SRV_REF_FAIL, err, errlen, "Out of memory.");
    free(ok);
    return s;
}

srv_ref_rc srv_ref_units(PGconn *pg, const char *const *ids, int n_ids, srv_ref_unit **out, int *n,
                         char *err, size_t errlen)
{
    if (!ids)
        return read_rows(pg, UNIT_SQL " ORDER BY u.name, u.id", 0, NULL, sizeof **out, fill_unit,
                         (void **)out, n, err, errlen);
    char *arr = id_array(ids, n_ids, err, errlen);
    if (!arr) {
        *out = NULL;
        *n = 0;
        return SRV_REF_FAIL;
    }
    srv_ref_rc rc = read_rows(pg, UNIT_SQL " WHERE u.id = ANY($1::text[]) ORDER BY u.name, u.id", 1,
                              (const char *const[]){arr}, sizeof **out, fill_unit, (void **)out, n,
                              err, errlen);
    free(arr);
    return rc;
}

/* Reads exactly one row into out, or says there is no such record. */
static srv_ref_rc read_one(PGconn *pg, model_entity e, const char *id, const char *sql, int n,
                           const char *const *p, size_t elem,
                           int (*fill)(PGresult *, int, void *, char *, size_t), void *out,
                           char *err, size_t errlen)
{
    srv_ref_rc rc = need_id(e, id, err, errlen);
    if (rc != SRV_REF_OK)
        return rc;
    void *rows;
    int count;
    rc = read_rows(pg, sql, n, p, elem, fill, &rows, &count, err, errlen);
    if (rc == SRV_REF_OK && count == 0)
        rc = say(SRV_REF_NOTFOUND, err, errlen, "There is no %s with the id \"%s\".", kind_word(e),
                 id);
    if (rc == SRV_REF_OK)
        memcpy(out, rows, elem);
    free(rows);
    return rc;
}

srv_ref_rc srv_ref_unit_get(PGconn *pg, const char *unit, srv_ref_unit *out, char *err,
                            size_t errlen)
{
    return read_one(pg, MODEL_ENT_UNIT, unit, UNIT_SQL " WHERE u.id = $1", 1,
                    (const char *const[]){unit}, sizeof *out, fill_unit, out, err, errlen);
}

/* Columns: data, active. */
static int fill_room(PGresult *q, int row, void *out, char *err, size_t errlen)
{
    srv_ref_room *x = out;
    model_record *r = new_record(MODEL_ENT_ROOM, err, errlen);
    if (!r || row_record(q, row, 0, MODEL_ENT_ROOM, r, err, errlen) != 0) {
        free(r);
        return -1;
    }
    x->room = r->u.room;
    free(r);
    x->active = is_true(q, row, 1);
    return 0;
}

#define ROOM_SQL                                                                                   \
    "SELECT i.data, x.active FROM rooms x JOIN items i ON i.entity = 'room' AND i.key = x.id"

srv_ref_rc srv_ref_rooms(PGconn *pg, const char *unit, srv_ref_room **out, int *n, char *err,
                         size_t errlen)
{
    return read_rows(pg, ROOM_SQL " WHERE x.unit_id = $1 ORDER BY x.name, x.id", 1,
                     (const char *const[]){unit ? unit : ""}, sizeof **out, fill_room, (void **)out,
                     n, err, errlen);
}

srv_ref_rc srv_ref_room_get(PGconn *pg, const char *room, srv_ref_room *out, char *err,
                            size_t errlen)
{
    return read_one(pg, MODEL_ENT_ROOM, room, ROOM_SQL " WHERE x.id = $1", 1,
                    (const char *const[]){room}, sizeof *out, fill_room, out, err, errlen);
}

/* Columns: data, room_id. */
static int fill_person(PGresult *q, int row, void *out, char *err, size_t errlen)
{
    srv_ref_person *x = out;
    model_record *r = new_record(MODEL_ENT_PERSON, err, errlen);
    if (!r || row_record(q, row, 0, MODEL_ENT_PERSON, r, err, errlen) != 0) {
        free(r);
        return -1;
    }
    x->person = r->u.person;
    free(r);
    snprintf(x->room_id, sizeof x->room_id, "%s", PQgetvalue(q, row, 1));
    return 0;
}

#define PERSON_SQL                                                                                 \
    "SELECT i.data, coalesce(x.room_id, '') FROM people x JOIN items i ON i.entity = 'person'"     \
    " AND i.key = x.id"

/*
 * The search compares lower-case forms under ICU's root collation, so that
 * "æ" finds "Æ" on a database created without a locale too; LIKE's own
 * wildcards in the search are taken as the characters they are.
 */
srv_ref_rc srv_ref_people(PGconn *pg, const char *unit, const char *search, srv_ref_person **out,
                          int *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    char msg[160];
    if (search && *search &&
        model_text_check(search, MODEL_NAME_MAX, 0, "The search", msg, sizeof msg) != 0)
        return say(SRV_REF_INVALID, err, errlen, "%s", msg);
    char pat[MODEL_NAME_MAX * 2 + 3];
    size_t k = 0;
    pat[k++] = '%';
    for (const char *c = search ? search : ""; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            pat[k++] = '\\';
        pat[k++] = *c;
    }
    pat[k++] = '%';
    pat[k] = 0;
    return read_rows(pg,
                     PERSON_SQL " WHERE x.unit_id = $1 AND lower(x.name COLLATE \"und-x-icu\")"
                                " LIKE lower($2 COLLATE \"und-x-icu\") ORDER BY x.name, x.id",
                     2, (const char *const[]){unit ? unit : "", pat}, sizeof **out, fill_person,
                     (void **)out, n, err, errlen);
}

srv_ref_rc srv_ref_person_get(PGconn *pg, const char *person, srv_ref_person *out, char *err,
                              size_t errlen)
{
    return read_one(pg, MODEL_ENT_PERSON, person, PERSON_SQL " WHERE x.id = $1", 1,
                    (const char *const[]){person}, sizeof *out, fill_person, out, err, errlen);
}

/* Columns: data, retired, has observations. */
static int fill_focus(PGresult *q, int row, void *out, char *err, size_t errlen)
{
    srv_ref_focus *x = out;
    model_record *r = new_record(MODEL_ENT_FOCUS, err, errlen);
    if (!r || row_record(q, row, 0, MODEL_ENT_FOCUS, r, err, errlen) != 0) {
        free(r);
        return -1;
    }
    x->focus = r->u.focus;
    x->retired = is_true(q, row, 1);
    x->has_observations = is_true(q, row, 2);
    free(r);
    return 0;
}

static int fill_template(PGresult *q, int row, void *out, char *err, size_t errlen)
{
    srv_ref_template *x = out;
    model_record *r = new_record(MODEL_ENT_TEMPLATE, err, errlen);
    if (!r || row_record(q, row, 0, MODEL_ENT_TEMPLATE, r, err, errlen) != 0) {
        free(r);
        return -1;
    }
    x->tmpl = r->u.tmpl;
    x->retired = is_true(q, row, 1);
    x->has_observations = is_true(q, row, 2);
    free(r);
    return 0;
}

/*
 * The statement behind the focus and template reads: each version with its
 * stored record, whether it is retired and (use 1) whether observations were
 * made against it, else false, limited by where (on the table v, $1 and $2
 * as the caller binds them) and ordered by order.
 */
static void versioned_sql(char *out, size_t cap, const versioned *v, int use, const char *where,
                          const char *order)
{
    char in_use[200] = "false";
    if (use)
        snprintf(in_use, sizeof in_use,
                 "EXISTS (SELECT 1 FROM fact_obs o WHERE o.unit_id = v.unit_id"
                 "  AND o.%s = v.id AND o.%s = v.version)",
                 v->obs_id, v->obs_ver);
    snprintf(out, cap,
             "SELECT i.data, v.retired_at IS NOT NULL, %s"
             " FROM %s v JOIN items i ON i.entity = '%s' AND i.key = v.id || '/' || v.version"
             " WHERE %s ORDER BY %s",
             in_use, v->table, model_entity_name(v->e), where, order);
}

/*
 * The latest versions of what the ids name, in one statement: by the
 * owning unit (unit 1) or by their own ids (unit 0). Whether a version is
 * in use is not asked (has_observations stays 0): pages that show many
 * units at once do not show it, and it costs a look into the figures per
 * version.
 */
static srv_ref_rc latest_of(PGconn *pg, const versioned *v, int unit, const char *const *ids,
                            int n_ids, const char *order, size_t elem,
                            int (*fill)(PGresult *, int, void *, char *, size_t), void **out,
                            int *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    char *arr = id_array(ids, n_ids, err, errlen);
    if (!arr)
        return SRV_REF_FAIL;
    char where[200], sql[1200];
    snprintf(where, sizeof where,
             "v.%s = ANY($1::text[]) AND v.version = (SELECT max(version) FROM %s w"
             " WHERE w.id = v.id)",
             unit ? "unit_id" : "id", v->table);
    versioned_sql(sql, sizeof sql, v, 0, where, order);
    srv_ref_rc rc = read_rows(pg, sql, 1, (const char *const[]){arr}, elem, fill, out, n, err,
                              errlen);
    free(arr);
    return rc;
}

static const char *const LATEST =
    "v.unit_id = $1 AND v.version = (SELECT max(version) FROM %s w WHERE w.id = v.id)";

static srv_ref_rc list_versioned(PGconn *pg, const versioned *v, const char *unit,
                                 const char *order, size_t elem,
                                 int (*fill)(PGresult *, int, void *, char *, size_t), void **out,
                                 int *n, char *err, size_t errlen)
{
    char where[200], sql[1200];
    snprintf(where, sizeof where, LATEST, v->table);
    versioned_sql(sql, sizeof sql, v, 1, where, order);
    return read_rows(pg, sql, 1, (const char *const[]){unit ? unit : ""}, elem, fill, out, n, err,
                     errlen);
}

static srv_ref_rc get_versioned(PGconn *pg, const versioned *v, const char *id, int version,
                                size_t elem, int (*fill)(PGresult *, int, void *, char *, size_t),
                                void *out, char *err, size_t errlen)
{
    char sql[1200], vs[16];
    snprintf(vs, sizeof vs, "%d", version);
    versioned_sql(sql, sizeof sql, v, 1, "v.id = $1 AND ($2::int = 0 OR v.version = $2::int)",
                  "v.version DESC LIMIT 1");
    srv_ref_rc rc = read_one(pg, v->e, id, sql, 2, (const char *const[]){id, vs}, elem, fill, out,
                             err, errlen);
    if (rc == SRV_REF_NOTFOUND && version > 0)
        say(rc, err, errlen, "There is no version %d of the %s \"%s\".", version, kind_word(v->e),
            id);
    return rc;
}

srv_ref_rc srv_ref_focuses(PGconn *pg, const char *unit, srv_ref_focus **out, int *n, char *err,
                           size_t errlen)
{
    return list_versioned(pg, &V_FOCUS, unit, "i.data::jsonb->>'question', v.id", sizeof **out,
                          fill_focus, (void **)out, n, err, errlen);
}

srv_ref_rc srv_ref_focuses_of_units(PGconn *pg, const char *const *units, int n_units,
                                    srv_ref_focus **out, int *n, char *err, size_t errlen)
{
    return latest_of(pg, &V_FOCUS, 1, units, n_units, "v.unit_id, i.data::jsonb->>'question', v.id",
                     sizeof **out, fill_focus, (void **)out, n, err, errlen);
}

srv_ref_rc srv_ref_focus_get(PGconn *pg, const char *focus, int version, srv_ref_focus *out,
                             char *err, size_t errlen)
{
    return get_versioned(pg, &V_FOCUS, focus, version, sizeof *out, fill_focus, out, err, errlen);
}

srv_ref_rc srv_ref_templates(PGconn *pg, const char *unit, srv_ref_template **out, int *n,
                             char *err, size_t errlen)
{
    return list_versioned(pg, &V_TMPL, unit, "i.data::jsonb->>'name', v.id", sizeof **out,
                          fill_template, (void **)out, n, err, errlen);
}

srv_ref_rc srv_ref_templates_latest(PGconn *pg, const char *const *ids, int n_ids,
                                    srv_ref_template **out, int *n, char *err, size_t errlen)
{
    return latest_of(pg, &V_TMPL, 0, ids, n_ids, "v.id", sizeof **out, fill_template, (void **)out,
                     n, err, errlen);
}

srv_ref_rc srv_ref_template_get(PGconn *pg, const char *tmpl, int version, srv_ref_template *out,
                                char *err, size_t errlen)
{
    return get_versioned(pg, &V_TMPL, tmpl, version, sizeof *out, fill_template, out, err, errlen);
}
