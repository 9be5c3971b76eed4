/*
 * Who may touch what. Every page that reads or changes a unit's data asks
 * here first, with the unit of the thing it touches (looked up from the
 * database, never taken from the form), so an id typed into the address
 * cannot reach beyond the signed-in person's units.
 */
#include "off_int.h"

#include <stdio.h>
#include <string.h>

#include "srv_int.h"

static const char *const role_names[] = {"", "peer", "leader", "area", "admin"};

const char *off_role_name(off_role r)
{
    return r >= OFF_ROLE_NONE && r <= OFF_ROLE_ADMIN ? role_names[r] : "";
}

off_role off_role_parse(const char *name)
{
    for (int r = OFF_ROLE_PEER; r <= OFF_ROLE_ADMIN; r++)
        if (name && !strcmp(name, role_names[r]))
            return (off_role)r;
    return OFF_ROLE_NONE;
}

int off_can_unit(off_ctx *c, const char *unit_id, off_role least)
{
    const off_user *u = &c->user;
    if (!unit_id || !*unit_id || u->role == OFF_ROLE_NONE || u->role < least)
        return 0;
    switch (u->role) {
    case OFF_ROLE_ADMIN: return 1;
    case OFF_ROLE_AREA: {
        /* An area leader leads the units given to them, as their leader. */
        const char *p[] = {u->account_id, unit_id};
        char err[300];
        PGresult *r = srv_q(c->pg,
                            "SELECT 1 FROM account_units WHERE account_id = $1 AND unit_id = $2", 2,
                            p, err, sizeof err);
        int ok = r && PQntuples(r) == 1;
        if (!r)
            srv_log("office: scope: %s", err);
        PQclear(r);
        return ok;
    }
    case OFF_ROLE_LEADER:
    case OFF_ROLE_PEER: return !strcmp(u->unit_id, unit_id);
    default: return 0;
    }
}

int off_require_unit(off_ctx *c, const char *unit_id, off_role least)
{
    if (off_can_unit(c, unit_id, least))
        return 1;
    off_fail(c, 403, "You do not have access to this page.");
    return 0;
}

PGresult *off_visible_units(off_ctx *c)
{
    char err[300];
    PGresult *r;
    const off_user *u = &c->user;
    if (u->role == OFF_ROLE_ADMIN) {
        r = srv_q(c->pg, "SELECT id, name FROM units WHERE active ORDER BY name, id", 0, NULL, err,
                  sizeof err);
    } else if (u->role == OFF_ROLE_AREA) {
        const char *p[] = {u->account_id};
        r = srv_q(c->pg,
                  "SELECT u.id, u.name FROM units u JOIN account_units a ON a.unit_id = u.id"
                  " WHERE a.account_id = $1 AND u.active ORDER BY u.name, u.id",
                  1, p, err, sizeof err);
    } else {
        const char *p[] = {u->unit_id};
        r = srv_q(c->pg, "SELECT id, name FROM units WHERE id = $1 AND active", 1, p, err,
                  sizeof err);
    }
    if (!r) {
        srv_log("office: units: %s", err);
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
    }
    return r;
}

void off_actor(const off_ctx *c, char *out, size_t cap)
{
    snprintf(out, cap, "office:%s", c->user.account_id);
}

int off_audit(off_ctx *c, const char *action, const char *unit, const char *subject,
              const char *detail)
{
    char actor[80], err[300];
    off_actor(c, actor, sizeof actor);
    if (srv_audit(c->pg, actor, action, unit ? unit : "", subject ? subject : "",
                  detail ? detail : "", err, sizeof err) != 0) {
        srv_log("office: audit: %s", err);
        return -1;
    }
    return 0;
}
