/*
 * The admin commands for a unit's reference data: the unit itself, its
 * rooms, its people, their PINs and whether they may sign in. Each change
 * is published into the unit's feed, so tablets receive it on their next
 * pull.
 */
#include "srv_admin_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* The id, unit and name a new room or person starts with: 0, 2 when --id
 * is not an id, 1 when the unit id or the name does not fit. */
static int start_named(const srv_admin_cmd *c, model_id id, char *unit_id, size_t unit_cap,
                       char *name, size_t name_cap)
{
    if (srv_admin_new_id(c, id) != 0)
        return 2;
    if (model_copy(unit_id, unit_cap, c->val[SRV_OPT_UNIT]) ||
        model_copy(name, name_cap, c->val[SRV_OPT_NAME])) {
        fprintf(c->err, "%s: the unit id or the name is too long.\n", c->name);
        return 1;
    }
    return 0;
}

int srv_admin_unit_add(srv_admin_cmd *c)
{
    model_record r = {.entity = MODEL_ENT_UNIT};
    if (srv_admin_new_id(c, r.u.unit.id) != 0)
        return 2;
    r.u.unit.retention_days = (int)srv_admin_num(c, SRV_OPT_RETENTION_DAYS, 365);
    if (model_copy(r.u.unit.name, sizeof r.u.unit.name, c->val[SRV_OPT_NAME]) != 0) {
        fprintf(c->err, "unit-add: the name is too long.\n");
        return 1;
    }
    /* A unit row must exist before its feed can be locked. */
    const char *p[] = {r.u.unit.id, r.u.unit.name};
    if (srv_admin_exec(c,
                       "INSERT INTO units (id, name, retention_days) VALUES ($1,$2,365)"
                       " ON CONFLICT (id) DO NOTHING",
                       2, p) != 0)
        return 1;
    return srv_admin_add(c, &r, r.u.unit.id);
}

int srv_admin_room_add(srv_admin_cmd *c)
{
    model_record r = {.entity = MODEL_ENT_ROOM};
    model_room *x = &r.u.room;
    int rc = start_named(c, x->id, x->unit_id, sizeof x->unit_id, x->name, sizeof x->name);
    return rc ? rc : srv_admin_add(c, &r, x->id);
}

int srv_admin_person_add(srv_admin_cmd *c)
{
    model_record r = {.entity = MODEL_ENT_PERSON};
    model_person *x = &r.u.person;
    x->role = c->choice[SRV_OPT_ROLE] == SRV_ROLE_LEADER ? MODEL_ROLE_LEADER : MODEL_ROLE_PEER;
    x->active = 1;
    int rc = start_named(c, x->id, x->unit_id, sizeof x->unit_id, x->name, sizeof x->name);
    return rc ? rc : srv_admin_add(c, &r, x->id);
}

/* The PIN is read from standard input, never from the command line, where
 * other users of the machine could see it in the process list. */
int srv_admin_pin_set(srv_admin_cmd *c)
{
    model_record r;
    memset(&r, 0, sizeof r);
    r.entity = MODEL_ENT_PERSON;
    if (srv_admin_load_person(c, c->val[SRV_OPT_PERSON], &r.u.person) != 0)
        return 1;
    char pin[64] = "", msg[120];
    if (!fgets(pin, sizeof pin, c->in))
        pin[0] = 0;
    pin[strcspn(pin, "\r\n")] = 0;
    if (!pin[0]) {
        fprintf(c->err, "pin-set: give the PIN on standard input.\n");
        return 2;
    }
    int rc = 1;
    if (model_pin_check(pin, msg, sizeof msg) != 0)
        fprintf(c->err, "pin-set: %s\n", msg);
    else if (model_pin_hash(pin, r.u.person.pin_verifier) != 0)
        fprintf(c->err, "pin-set: the PIN could not be hashed.\n");
    else
        rc = srv_admin_publish(c, &r);
    sodium_memzero(pin, sizeof pin);
    if (rc == 0)
        fprintf(c->out, "PIN set for %s.\n", r.u.person.name);
    return rc;
}

/* A person who leaves stays in the records already made but can no longer
 * sign in on a tablet; one who comes back is let in again. */
static int set_active(srv_admin_cmd *c, int active)
{
    model_record r;
    memset(&r, 0, sizeof r);
    r.entity = MODEL_ENT_PERSON;
    if (srv_admin_load_person(c, c->val[SRV_OPT_PERSON], &r.u.person) != 0)
        return 1;
    r.u.person.active = active;
    return srv_admin_publish(c, &r);
}

int srv_admin_person_deactivate(srv_admin_cmd *c) { return set_active(c, 0); }

int srv_admin_person_activate(srv_admin_cmd *c) { return set_active(c, 1); }
