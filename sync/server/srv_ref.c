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
