/*
 * The admin commands for a unit's reference data: the unit itself, its
 * rooms, its people, their PINs and whether they may sign in. Each is a
 * thin layer over srv_ref.h, which the office calls too: it reads the
 * options, calls the change and says the outcome.
 */
#include "srv_admin_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_ref.h"

/* A malformed --id is a usage error (2), found before anything runs. */
static int id_usage_ok(const srv_admin_cmd *c)
{
    char msg[160];
    const char *id = c->val[SRV_OPT_ID];
    if (id && model_id_check(id, "--id", msg, sizeof msg) != 0) {
        fprintf(c->err, "%s: %s\n", c->name, msg);
        return 0;
    }
    return 1;
}

int srv_admin_unit_add(srv_admin_cmd *c)
{
    if (!id_usage_ok(c))
        return 2;
    char actor[80], e[SRV_REF_ERR_MAX];
    model_id id;
    srv_admin_actor(actor, sizeof actor);
    srv_ref_rc rc = srv_ref_unit_add(c->pg, actor, c->val[SRV_OPT_ID], c->val[SRV_OPT_NAME],
                                     (int)srv_admin_num(c, SRV_OPT_RETENTION_DAYS, 365), id, e,
                                     sizeof e);
    return srv_admin_ref_done(c, rc, e, id);
}

int srv_admin_unit_rename(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(
        c,
        srv_ref_unit_rename(c->pg, actor, c->val[SRV_OPT_UNIT], c->val[SRV_OPT_NAME], e, sizeof e),
        e, NULL);
}

int srv_admin_unit_retention(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(c,
                              srv_ref_unit_set_retention(c->pg, actor, c->val[SRV_OPT_UNIT],
                                                         (int)c->num[SRV_OPT_RETENTION_DAYS], e,
                                                         sizeof e),
                              e, NULL);
}

int srv_admin_room_add(srv_admin_cmd *c)
{
    if (!id_usage_ok(c))
        return 2;
    char actor[80], e[SRV_REF_ERR_MAX];
    model_id id;
    srv_admin_actor(actor, sizeof actor);
    srv_ref_rc rc = srv_ref_room_add(c->pg, actor, c->val[SRV_OPT_UNIT], c->val[SRV_OPT_ID],
                                     c->val[SRV_OPT_NAME], id, e, sizeof e);
    return srv_admin_ref_done(c, rc, e, id);
}

int srv_admin_room_rename(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(
        c,
        srv_ref_room_rename(c->pg, actor, c->val[SRV_OPT_ROOM], c->val[SRV_OPT_NAME], e, sizeof e),
        e, NULL);
}

int srv_admin_person_add(srv_admin_cmd *c)
{
    if (!id_usage_ok(c))
        return 2;
    char actor[80], e[SRV_REF_ERR_MAX];
    model_id id;
    srv_admin_actor(actor, sizeof actor);
    model_role role = c->choice[SRV_OPT_ROLE] == SRV_ROLE_LEADER ? MODEL_ROLE_LEADER
                                                                 : MODEL_ROLE_PEER;
    srv_ref_rc rc = srv_ref_person_add(c->pg, actor, c->val[SRV_OPT_UNIT], c->val[SRV_OPT_ID],
                                       c->val[SRV_OPT_NAME], role, id, e, sizeof e);
    return srv_admin_ref_done(c, rc, e, id);
}

int srv_admin_person_rename(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(c,
                              srv_ref_person_rename(c->pg, actor, c->val[SRV_OPT_PERSON],
                                                    c->val[SRV_OPT_NAME], e, sizeof e),
                              e, NULL);
}

int srv_admin_person_role(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    model_role role = c->choice[SRV_OPT_ROLE] == SRV_ROLE_LEADER ? MODEL_ROLE_LEADER
                                                                 : MODEL_ROLE_PEER;
    return srv_admin_ref_done(
        c, srv_ref_person_set_role(c->pg, actor, c->val[SRV_OPT_PERSON], role, e, sizeof e), e,
        NULL);
}

/* The PIN is read from standard input, never from the command line, where
 * other users of the machine could see it in the process list. */
int srv_admin_pin_set(srv_admin_cmd *c)
{
    char pin[64] = "";
    srv_admin_read_secret(c, "PIN", pin, sizeof pin);
    if (!pin[0]) {
        fprintf(c->err, "pin-set: give the PIN on standard input.\n");
        return 2;
    }
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    const char *person = c->val[SRV_OPT_PERSON];
    srv_ref_rc rc = srv_ref_person_set_pin(c->pg, actor, person, pin, e, sizeof e);
    sodium_memzero(pin, sizeof pin);
    srv_ref_person p;
    if (rc == SRV_REF_OK && srv_ref_person_get(c->pg, person, &p, e, sizeof e) == SRV_REF_OK)
        fprintf(c->out, "PIN set for %s.\n", p.person.name);
    return srv_admin_ref_done(c, rc, e, NULL);
}

int srv_admin_pin_clear(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(
        c, srv_ref_person_clear_pin(c->pg, actor, c->val[SRV_OPT_PERSON], e, sizeof e), e, NULL);
}

/* A person who leaves stays in the records already made but can no longer
 * sign in on a tablet; one who comes back is let in again. */
static int set_active(srv_admin_cmd *c, int active)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(
        c, srv_ref_person_set_active(c->pg, actor, c->val[SRV_OPT_PERSON], active, e, sizeof e), e,
        NULL);
}

int srv_admin_person_deactivate(srv_admin_cmd *c) { return set_active(c, 0); }

int srv_admin_person_activate(srv_admin_cmd *c) { return set_active(c, 1); }

/* ---- lists and deactivation ---- */

static const char *state_word(int active) { return active ? "active" : "deactivated"; }

/* Prints a read's failure, or the header line a list begins with. */
static int list_begin(const srv_admin_cmd *c, srv_ref_rc rc, const char *err, const char *header)
{
    if (rc != SRV_REF_OK) {
        fprintf(c->err, "%s: %s\n", c->name, err);
        return 1;
    }
    fprintf(c->out, "%s\n", header);
    return 0;
}

#define UNIT_HEADER "unit\tname\tstate\tretention days"

static void unit_row(FILE *out, const srv_ref_unit *u)
{
    char cell[MODEL_NAME_MAX + 1];
    fprintf(out, "%s\t%s\t%s\t%d\n", u->unit.id, srv_admin_cell(u->unit.name, cell, sizeof cell),
            state_word(u->active), u->unit.retention_days);
}

int srv_admin_unit_list(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_unit *v;
    int n;
    srv_ref_rc rc = srv_ref_units(c->pg, NULL, 0, &v, &n, e, sizeof e);
    if (list_begin(c, rc, e, UNIT_HEADER) != 0)
        return 1;
    for (int i = 0; i < n; i++)
        unit_row(c->out, &v[i]);
    free(v);
    return 0;
}

int srv_admin_unit_show(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_unit u;
    srv_ref_rc rc = srv_ref_unit_get(c->pg, c->val[SRV_OPT_UNIT], &u, e, sizeof e);
    if (list_begin(c, rc, e, UNIT_HEADER) != 0)
        return 1;
    unit_row(c->out, &u);
    return 0;
}

static int unit_active(srv_admin_cmd *c, int active)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(
        c, srv_ref_unit_set_active(c->pg, actor, c->val[SRV_OPT_UNIT], active, e, sizeof e), e,
        NULL);
}

int srv_admin_unit_deactivate(srv_admin_cmd *c) { return unit_active(c, 0); }

int srv_admin_unit_activate(srv_admin_cmd *c) { return unit_active(c, 1); }

#define ROOM_HEADER "room\tname\tstate\tunit"

static void room_row(FILE *out, const srv_ref_room *r)
{
    char cell[MODEL_NAME_MAX + 1];
    fprintf(out, "%s\t%s\t%s\t%s\n", r->room.id, srv_admin_cell(r->room.name, cell, sizeof cell),
            state_word(r->active), r->room.unit_id);
}

int srv_admin_room_list(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_room *v;
    int n;
    srv_ref_rc rc = srv_ref_rooms(c->pg, c->val[SRV_OPT_UNIT], &v, &n, e, sizeof e);
    if (list_begin(c, rc, e, ROOM_HEADER) != 0)
        return 1;
    for (int i = 0; i < n; i++)
        room_row(c->out, &v[i]);
    free(v);
    return 0;
}

int srv_admin_room_show(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_room r;
    srv_ref_rc rc = srv_ref_room_get(c->pg, c->val[SRV_OPT_ROOM], &r, e, sizeof e);
    if (list_begin(c, rc, e, ROOM_HEADER) != 0)
        return 1;
    room_row(c->out, &r);
    return 0;
}

static int room_active(srv_admin_cmd *c, int active)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(
        c, srv_ref_room_set_active(c->pg, actor, c->val[SRV_OPT_ROOM], active, e, sizeof e), e,
        NULL);
}

int srv_admin_room_deactivate(srv_admin_cmd *c) { return room_active(c, 0); }

int srv_admin_room_activate(srv_admin_cmd *c) { return room_active(c, 1); }

#define PERSON_HEADER "person\tname\trole\tstate\troom\tpin\tunit"

static void person_row(FILE *out, const srv_ref_person *p)
{
    const model_person *x = &p->person;
    char cell[MODEL_NAME_MAX + 1];
    fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x->id, srv_admin_cell(x->name, cell, sizeof cell),
            x->role == MODEL_ROLE_LEADER ? "leader" : "peer", state_word(x->active),
            p->room_id[0] ? p->room_id : "none", x->pin_verifier[0] ? "set" : "none", x->unit_id);
}

int srv_admin_person_list(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_person *v;
    int n;
    srv_ref_rc rc = srv_ref_people(c->pg, c->val[SRV_OPT_UNIT], c->val[SRV_OPT_SEARCH], &v, &n, e,
                                   sizeof e);
    if (list_begin(c, rc, e, PERSON_HEADER) != 0)
        return 1;
    for (int i = 0; i < n; i++)
        person_row(c->out, &v[i]);
    free(v);
    return 0;
}

int srv_admin_person_show(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_person p;
    srv_ref_rc rc = srv_ref_person_get(c->pg, c->val[SRV_OPT_PERSON], &p, e, sizeof e);
    if (list_begin(c, rc, e, PERSON_HEADER) != 0)
        return 1;
    person_row(c->out, &p);
    return 0;
}

/* --room none takes the person out of every room. */
int srv_admin_person_room(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    const char *room = c->val[SRV_OPT_ROOM];
    return srv_admin_ref_done(c,
                              srv_ref_person_set_room(c->pg, actor, c->val[SRV_OPT_PERSON],
                                                      strcmp(room, "none") ? room : NULL, e,
                                                      sizeof e),
                              e, NULL);
}
