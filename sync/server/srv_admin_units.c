/*
 * The admin commands for a unit's reference data: the unit itself, its
 * rooms, its people, their PINs and whether they may sign in. Each is a
 * thin layer over srv_ref.h, which the office calls too: it reads the
 * options, calls the change and says the outcome.
 */
#include "srv_admin_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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

/*
 * Reads one line into buf (the line end taken off). On a terminal the
 * typing is not echoed, so the PIN is not left on the screen; from a pipe
 * the line is read as it comes. 0, or -1 when nothing could be read.
 */
static int read_secret(FILE *in, FILE *prompt, char *buf, size_t cap)
{
    int fd = fileno(in);
    struct termios old;
    int tty = fd >= 0 && isatty(fd) && tcgetattr(fd, &old) == 0;
    if (tty) {
        struct termios quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        fputs("PIN: ", prompt);
        fflush(prompt);
        if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
            tty = 0;
    }
    int ok = fgets(buf, (int)cap, in) != NULL;
    if (tty)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (!ok) {
        buf[0] = 0;
        return -1;
    }
    buf[strcspn(buf, "\r\n")] = 0;
    return 0;
}

/* The PIN is read from standard input, never from the command line, where
 * other users of the machine could see it in the process list. */
int srv_admin_pin_set(srv_admin_cmd *c)
{
    char pin[64] = "";
    read_secret(c->in, c->err, pin, sizeof pin);
    if (!pin[0]) {
        fprintf(c->err, "pin-set: give the PIN on standard input.\n");
        return 2;
    }
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    const char *person = c->val[SRV_OPT_PERSON];
    srv_ref_rc rc = srv_ref_person_set_pin(c->pg, actor, person, pin, e, sizeof e);
    sodium_memzero(pin, sizeof pin);
    model_person p;
    if (rc == SRV_REF_OK && srv_admin_load_person(c, person, &p) == 0)
        fprintf(c->out, "PIN set for %s.\n", p.name);
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
