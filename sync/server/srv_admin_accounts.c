/*
 * The office's accounts on the command line: make an account, a one-time
 * invitation link for it, a password for a demo account without a
 * browser, list, disable and enable. The work is done by srv_account.h,
 * which the office's pages call too.
 */
#include "srv_admin_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "srv_account.h"

/* The account with login, into id; 0, or 1 said on c->err. */
static int find_login(const srv_admin_cmd *c, const char *login, model_id id)
{
    const char *p[] = {login};
    PGresult *r = srv_admin_query(c, "SELECT id FROM accounts WHERE login = lower($1)", 1, p);
    if (!r)
        return 1;
    int found = PQntuples(r) == 1;
    if (found)
        snprintf(id, sizeof(model_id), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!found)
        fprintf(c->err, "%s: there is no account with the login \"%s\".\n", c->name, login);
    return found ? 0 : 1;
}

/* Prints the link for token, with the office's address when the
 * configuration gives it (public-url), else the path and how to complete
 * it: the server cannot know the name people reach it by. */
static void print_link(const srv_admin_cmd *c, const char *login, const char *token)
{
    char link[512];
    srv_account_invite_link(c->cfg ? c->cfg->public_url : "", token, link, sizeof link);
    fprintf(c->out, "%s\n", link);
    fprintf(c->err, "The link lets %s choose a password; it works once, for %d days.\n", login,
            SRV_INVITE_DAYS);
    if (!c->cfg || !c->cfg->public_url[0])
        fprintf(c->err, "public-url is not set, so only the path is printed: put the office's\n"
                        "address (https://host:port) in front of it, or set public-url.\n");
}

static int done(const srv_admin_cmd *c, srv_acc_rc rc, const char *e)
{
    if (rc != SRV_ACC_OK) {
        fprintf(c->err, "%s: %s\n", c->name, e);
        return 1;
    }
    return 0;
}

/* An administrator's or area leader's account: they have no person in a
 * unit. The invitation link is printed at once, as an account without a
 * password cannot be used. */
int srv_admin_account_add(srv_admin_cmd *c)
{
    char actor[80], e[SRV_ACC_ERR_MAX], login[SRV_LOGIN_MAX + 1], tok[65];
    model_id id;
    srv_admin_actor(actor, sizeof actor);
    const char *role = c->choice[SRV_OPT_ROLE] == 0 ? "admin" : "area";
    const char *name = c->val[SRV_OPT_NAME] ? c->val[SRV_OPT_NAME] : c->val[SRV_OPT_LOGIN];
    srv_acc_rc rc = srv_account_add(c->pg, actor, c->val[SRV_OPT_LOGIN], role, NULL, name, c->units,
                                    c->n_units, id, login, e, sizeof e);
    if (rc == SRV_ACC_OK)
        rc = srv_account_invite(c->pg, actor, id, tok, e, sizeof e);
    if (done(c, rc, e))
        return 1;
    print_link(c, login, tok);
    sodium_memzero(tok, sizeof tok);
    return 0;
}

/* A link for a person (making their account, with their role, when they
 * have none) or for an account by its login (a new link for one lost). */
int srv_admin_invite(srv_admin_cmd *c)
{
    const char *person = c->val[SRV_OPT_PERSON], *login = c->val[SRV_OPT_LOGIN];
    if (!person && !login) {
        fprintf(c->err, "invite: give --person PERSON or --login LOGIN.\n");
        return 2;
    }
    char actor[80], e[SRV_ACC_ERR_MAX], shown[SRV_LOGIN_MAX + 1], tok[65];
    model_id id;
    srv_admin_actor(actor, sizeof actor);
    srv_acc_rc rc = SRV_ACC_OK;
    if (person) {
        const char *p[] = {person};
        PGresult *r = srv_admin_query(
            c,
            "SELECT a.id, a.login, p.role FROM people p LEFT JOIN accounts a"
            " ON a.person_id = p.id WHERE p.id = $1",
            1, p);
        if (!r)
            return 1;
        if (PQntuples(r) != 1) {
            PQclear(r);
            fprintf(c->err, "invite: there is no person %s.\n", person);
            return 1;
        }
        int has = !PQgetisnull(r, 0, 0);
        char role[16];
        snprintf(id, sizeof(model_id), "%s", PQgetvalue(r, 0, 0));
        snprintf(shown, sizeof shown, "%s", PQgetvalue(r, 0, 1));
        snprintf(role, sizeof role, "%s", PQgetvalue(r, 0, 2));
        PQclear(r);
        if (has && login && strcmp(login, shown) != 0) {
            fprintf(c->err, "invite: %s already has the login \"%s\".\n", person, shown);
            return 1;
        }
        if (!has)
            rc = srv_account_add(c->pg, actor, login, role, person, NULL, NULL, 0, id, shown, e,
                                 sizeof e);
    } else {
        if (find_login(c, login, id) != 0)
            return 1;
        snprintf(shown, sizeof shown, "%s", login);
    }
    if (rc == SRV_ACC_OK)
        rc = srv_account_invite(c->pg, actor, id, tok, e, sizeof e);
    if (done(c, rc, e))
        return 1;
    fprintf(c->err, "Login: %s\n", shown);
    print_link(c, shown, tok);
    sodium_memzero(tok, sizeof tok);
    return 0;
}

int srv_admin_account_password(srv_admin_cmd *c)
{
    model_id id;
    if (find_login(c, c->val[SRV_OPT_LOGIN], id) != 0)
        return 1;
    char pw[SRV_PW_MAX + 2] = "";
    srv_admin_read_secret(c, "Password", pw, sizeof pw);
    if (!pw[0]) {
        fprintf(c->err, "account-password: give the password on standard input.\n");
        return 2;
    }
    char actor[80], e[SRV_ACC_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    srv_acc_rc rc = srv_account_set_password(c->pg, actor, id, pw, NULL, e, sizeof e);
    sodium_memzero(pw, sizeof pw);
    if (done(c, rc, e))
        return 1;
    fprintf(c->err, "Password set for %s; its sessions have ended.\n", c->val[SRV_OPT_LOGIN]);
    return 0;
}

int srv_admin_account_list(srv_admin_cmd *c)
{
    return srv_admin_list(
        c,
        "SELECT a.login, a.role, a.name, coalesce(a.person_id, ''),"
        " coalesce(p.unit_id, (SELECT string_agg(unit_id, ',' ORDER BY unit_id)"
        "  FROM account_units u WHERE u.account_id = a.id), ''),"
        " CASE WHEN a.disabled_at IS NOT NULL THEN 'disabled'"
        "  WHEN a.pw_hash = '' THEN 'invited' ELSE 'active' END"
        " FROM accounts a LEFT JOIN people p ON p.id = a.person_id ORDER BY a.login",
        0, NULL);
}

static int set_active(srv_admin_cmd *c, int active)
{
    model_id id;
    if (find_login(c, c->val[SRV_OPT_LOGIN], id) != 0)
        return 1;
    char actor[80], e[SRV_ACC_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return done(c, srv_account_set_active(c->pg, actor, id, active, e, sizeof e), e);
}

int srv_admin_account_disable(srv_admin_cmd *c) { return set_active(c, 0); }
int srv_admin_account_enable(srv_admin_cmd *c) { return set_active(c, 1); }
