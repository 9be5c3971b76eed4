/*
 * The accounts pages: who may sign in to the office, in the reader's
 * scope. A leader sees and invites the people of their unit, an area
 * leader the people of their units, and only an administrator sees the
 * accounts without a person (administrators and area leaders), makes
 * them, and gives an area leader their units. An account's unit is always
 * its person's, read from the database, never from the form.
 */
#include "off_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_account.h"
#include "srv_int.h"

#define UNITS_MAX 64 /* units one area leader may be given in one form */

typedef struct {
    char id[64], login[OFF_LOGIN_MAX + 1], name[MODEL_NAME_MAX + 1], role[8];
    char person[64], unit[64], unit_name[MODEL_NAME_MAX + 1], last[32];
    int disabled, has_password, has_invite;
} account;

/* The columns every account query reads, in account's order. */
#define ACCOUNT_COLS                                                                               \
    "a.id, a.login, a.name, a.role, coalesce(a.person_id, ''), coalesce(p.unit_id, ''),"           \
    " coalesce(u.name, ''), coalesce(to_char((SELECT max(l.at) FROM audit_log l"                   \
    " WHERE l.subject = a.id AND l.action = 'office-sign-in'), 'YYYY-MM-DD HH24:MI'), ''),"        \
    " a.disabled_at IS NOT NULL, a.pw_hash <> '',"                                                 \
    " EXISTS (SELECT 1 FROM invites i WHERE i.account_id = a.id AND i.used_at IS NULL"             \
    " AND i.expires_at > now())"                                                                   \
    " FROM accounts a LEFT JOIN people p ON p.id = a.person_id"                                    \
    " LEFT JOIN units u ON u.id = p.unit_id"

static void account_row(PGresult *r, int i, account *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%s", PQgetvalue(r, i, 0));
    snprintf(a->login, sizeof a->login, "%s", PQgetvalue(r, i, 1));
    snprintf(a->name, sizeof a->name, "%s", PQgetvalue(r, i, 2));
    snprintf(a->role, sizeof a->role, "%s", PQgetvalue(r, i, 3));
    snprintf(a->person, sizeof a->person, "%s", PQgetvalue(r, i, 4));
    snprintf(a->unit, sizeof a->unit, "%s", PQgetvalue(r, i, 5));
    snprintf(a->unit_name, sizeof a->unit_name, "%s", PQgetvalue(r, i, 6));
    snprintf(a->last, sizeof a->last, "%s", PQgetvalue(r, i, 7));
    a->disabled = !strcmp(PQgetvalue(r, i, 8), "t");
    a->has_password = !strcmp(PQgetvalue(r, i, 9), "t");
    a->has_invite = !strcmp(PQgetvalue(r, i, 10), "t");
}

static void db_fail(off_ctx *c, const char *err)
{
    srv_log("office: accounts: %s", err);
    off_fail(c, 503, "The database did not answer. Try again in a moment.");
}

/*
 * The account the path names, when the user may manage it: its person's
 * unit with at least the leader's role, or, for an account without a
 * person, an administrator. 1, or 0 with the answer made (404 or 403).
 */
static int account_load(off_ctx *c, account *a)
{
    char err[300];
    const char *p[] = {c->args[0]};
    PGresult *r = srv_q(c->pg, "SELECT " ACCOUNT_COLS " WHERE a.id = $1", 1, p, err, sizeof err);
    if (!r) {
        db_fail(c, err);
        return 0;
    }
    int found = PQntuples(r) == 1;
    if (found)
        account_row(r, 0, a);
    PQclear(r);
    if (!found) {
        off_fail(c, 404, "There is no such page.");
        return 0;
    }
    if (!a->person[0]) {
        if (c->user.role == OFF_ROLE_ADMIN)
            return 1;
        off_fail(c, 403, "You do not have access to this page.");
        return 0;
    }
    return off_require_unit(c, a->unit, OFF_ROLE_LEADER);
}

static const char *state_label(off_ctx *c, const account *a)
{
    if (a->disabled)
        return off_tr(c, "Disabled");
    if (!a->has_password)
        return off_tr(c, a->has_invite ? "Invited, no password yet" : "No password yet");
    return off_tr(c, "Active");
}

/* The units an area leader leads, by name, as text into b. */
static void area_units(off_ctx *c, const char *account_id, off_buf *b)
{
    char err[300];
    const char *p[] = {account_id};
    PGresult *r = srv_q(c->pg,
                        "SELECT u.name FROM account_units x JOIN units u ON u.id = x.unit_id"
                        " WHERE x.account_id = $1 ORDER BY u.name",
                        1, p, err, sizeof err);
    int n = r ? PQntuples(r) : 0;
    if (n == 0)
        off_buf_esc(b, off_tr(c, "No units yet"));
    for (int i = 0; i < n; i++) {
        if (i)
            off_buf_put(b, ", ");
        off_buf_esc(b, PQgetvalue(r, i, 0));
    }
    PQclear(r);
}

static void units_cell(off_ctx *c, const account *a)
{
    if (!strcmp(a->role, "admin"))
        off_buf_esc(&c->body, off_tr(c, "Every unit"));
    else if (!strcmp(a->role, "area"))
        area_units(c, a->id, &c->body);
    else
        off_buf_esc(&c->body, a->unit_name);
}

/* GET /accounts */
void off_accounts(off_ctx *c)
{
    off_buf *b = &c->body;
    char err[300];
    PGresult *r;
    const off_user *u = &c->user;
    if (u->role == OFF_ROLE_ADMIN) {
        r = srv_q(c->pg, "SELECT " ACCOUNT_COLS " ORDER BY a.name, a.login", 0, NULL, err,
                  sizeof err);
    } else if (u->role == OFF_ROLE_AREA) {
        const char *p[] = {u->account_id};
        r = srv_q(c->pg,
                  "SELECT " ACCOUNT_COLS " WHERE p.unit_id IN (SELECT unit_id FROM account_units"
                  " WHERE account_id = $1) ORDER BY u.name, a.name, a.login",
                  1, p, err, sizeof err);
    } else {
        const char *p[] = {u->unit_id};
        r = srv_q(c->pg, "SELECT " ACCOUNT_COLS " WHERE p.unit_id = $1 ORDER BY a.name, a.login", 1,
                  p, err, sizeof err);
    }
    if (!r) {
        db_fail(c, err);
        return;
    }
    off_page_begin(c, off_tr(c, "Accounts"), "accounts");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "The people who can sign in to Blik Office. Someone gets an "
                             "account through an invitation link you give them yourself; with "
                             "it they choose their own password. Nobody else ever knows it."));
    off_buf_put(b, "</p><p><a class=\"button\" href=\"/accounts/new\">");
    off_buf_esc(b, off_tr(c, "Invite someone"));
    off_buf_put(b, "</a></p>");
    int n = PQntuples(r);
    if (n == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "There are no accounts here yet."));
        off_buf_put(b, "</p>");
    } else {
        off_buf_put(b, "<table><caption>");
        off_buf_esc(b, off_tr(c, "Accounts"));
        off_buf_put(b, "</caption><thead><tr>");
        static const char *const heads[] = {"Name",  "Login",        "Role",
                                            "Units", "Last sign-in", "State"};
        for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
            off_buf_put(b, "<th scope=\"col\">");
            off_buf_esc(b, off_tr(c, heads[i]));
            off_buf_put(b, "</th>");
        }
        off_buf_put(b, "</tr></thead><tbody>");
        for (int i = 0; i < n; i++) {
            account a;
            account_row(r, i, &a);
            off_buf_put(b, "<tr><th scope=\"row\"><a href=\"/accounts/");
            off_buf_url(b, a.id);
            off_buf_put(b, "\">");
            off_buf_esc(b, a.name);
            off_buf_put(b, "</a></th><td>");
            off_buf_esc(b, a.login);
            off_buf_put(b, "</td><td>");
            off_buf_esc(b, off_role_label(c, off_role_parse(a.role)));
            off_buf_put(b, "</td><td>");
            units_cell(c, &a);
            off_buf_put(b, "</td><td>");
            off_buf_esc(b, a.last[0] ? a.last : off_tr(c, "Never"));
            off_buf_put(b, "</td><td>");
            off_buf_esc(b, state_label(c, &a));
            off_buf_put(b, "</td></tr>");
        }
        off_buf_put(b, "</tbody></table>");
    }
    PQclear(r);
    off_page_end(c);
}

/* ---- inviting ---- */

/* The link page: shown once, right after the link is made (the page is
 * not stored: every office page is no-store), as only the hash is kept. */
static void link_page(off_ctx *c, const char *account_id, const char *name, const char *login,
                      const char *token)
{
    off_buf *b = &c->body;
    char base[300], link[600];
    if (off_public_url(c)[0])
        snprintf(base, sizeof base, "%s", off_public_url(c));
    else
        snprintf(base, sizeof base, "https://%s", c->rq->host ? c->rq->host : "");
    srv_account_invite_link(base, token, link, sizeof link);
    off_page_begin(c, off_tr(c, "Invitation link"), "accounts");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Give this link to"));
    off_buf_put(b, " <strong>");
    off_buf_esc(b, name);
    off_buf_put(b, "</strong> (");
    off_buf_esc(b, off_tr(c, "login"));
    off_buf_put(b, " <strong>");
    off_buf_esc(b, login);
    off_buf_put(b, "</strong>). ");
    off_buf_esc(b, off_tr(c, "On it they choose their password. The link works once and for 7 "
                             "days. Whoever has the link can choose the password, so give it "
                             "only to them, for instance in a personal message."));
    off_buf_put(b, "</p><p class=\"invite-link\"><code>");
    off_buf_esc(b, link);
    off_buf_put(b, "</code></p><p>");
    off_buf_esc(b, off_tr(c, "The link is shown only now. If it is lost, make a new one on the "
                             "account's page; the old one then stops working."));
    off_buf_put(b, "</p><p><a href=\"/accounts/");
    off_buf_url(b, account_id);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Go to the account"));
    off_buf_put(b, "</a></p>");
    off_page_end(c);
}

/* Makes the link for an account and shows it. */
static void invite_and_show(off_ctx *c, const char *id, const char *name, const char *login)
{
    char actor[80], tok[65], err[SRV_ACC_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    if (srv_account_invite(c->pg, actor, id, tok, err, sizeof err) != SRV_ACC_OK) {
        db_fail(c, err);
        return;
    }
    link_page(c, id, name, login, tok);
}

/* The people in the user's scope who have no account yet: id, name and
 * their unit's name. */
static PGresult *people_without(off_ctx *c, char *err, size_t errlen)
{
    const off_user *u = &c->user;
    const char *sel =
        "SELECT p.id, p.name, un.name FROM people p JOIN units un ON un.id = p.unit_id"
        " WHERE p.active AND un.active"
        " AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id)";
    char q[800];
    if (u->role == OFF_ROLE_ADMIN) {
        snprintf(q, sizeof q, "%s ORDER BY un.name, p.name", sel);
        return srv_q(c->pg, q, 0, NULL, err, errlen);
    }
    const char *p[] = {u->role == OFF_ROLE_AREA ? u->account_id : u->unit_id};
    snprintf(q, sizeof q, "%s AND %s ORDER BY un.name, p.name", sel,
             u->role == OFF_ROLE_AREA
                 ? "p.unit_id IN (SELECT unit_id FROM account_units WHERE account_id = $1)"
                 : "p.unit_id = $1");
    return srv_q(c->pg, q, 1, p, err, errlen);
}

typedef struct {
    const char *person, *login, *name, *role;
    const char *units[UNITS_MAX];
    int n_units;
    const char *err_person, *err_login, *err_name, *err_units;
} new_form;

static void new_page(off_ctx *c, int status, const new_form *f)
{
    off_buf *b = &c->body;
    char err[300];
    PGresult *people = people_without(c, err, sizeof err);
    if (!people) {
        db_fail(c, err);
        return;
    }
    c->out->status = status;
    off_page_begin(c, off_tr(c, "Invite someone"), "accounts");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Choose who to invite. You then get a link to give them; on it they "
                             "choose their password and are signed in. A leader or colleague "
                             "sees their own unit in the office."));
    off_buf_put(b, "</p>");
    const char *fields[3], *msgs[3];
    int ne = 0;
    if (f->err_person)
        fields[ne] = "person", msgs[ne++] = f->err_person;
    if (f->err_login)
        fields[ne] = f->role ? "staff_login" : "login", msgs[ne++] = f->err_login;
    if (f->err_name)
        fields[ne] = "name", msgs[ne++] = f->err_name;
    off_error_summary(c, fields, msgs, ne);
    off_buf_put(b, "<h2>");
    off_buf_esc(b, off_tr(c, "A person in your units"));
    off_buf_put(b, "</h2>");
    int n = PQntuples(people);
    if (n == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "Everyone in your units already has an account. Add people "
                                 "under People first."));
        off_buf_put(b, "</p>");
    } else {
        const char **vals = calloc((size_t)n, sizeof *vals);
        const char **labels = calloc((size_t)n, sizeof *labels);
        char **mem = calloc((size_t)n, sizeof *mem);
        if (!vals || !labels || !mem) {
            free(vals);
            free(labels);
            free(mem);
            PQclear(people);
            off_fail(c, 500, "The server ran out of memory.");
            return;
        }
        for (int i = 0; i < n; i++) {
            vals[i] = PQgetvalue(people, i, 0);
            off_buf one = {0};
            off_buf_put(&one, PQgetvalue(people, i, 1));
            off_buf_put(&one, " (");
            off_buf_put(&one, PQgetvalue(people, i, 2));
            off_buf_put(&one, ")");
            mem[i] = off_buf_take(&one, NULL);
            labels[i] = mem[i] ? mem[i] : "";
        }
        off_form_begin(c, "/accounts/new");
        off_buf_put(b, "<input type=\"hidden\" name=\"kind\" value=\"person\">");
        off_select(c, "person", off_tr(c, "Who to invite"), vals, labels, n, f->person,
                   f->err_person);
        off_input(c, "text", "login", off_tr(c, "Login (may be left empty)"),
                  f->role ? NULL : f->login, OFF_LOGIN_MAX,
                  off_tr(c, "Empty: made from the name, such as mette.hansen. Letters a–z, "
                            "digits and . - _ @."),
                  f->role ? NULL : f->err_login);
        off_submit(c, off_tr(c, "Make invitation link"), 0);
        off_form_end(c);
        for (int i = 0; i < n; i++)
            free(mem[i]);
        free(mem);
        free(vals);
        free(labels);
    }
    PQclear(people);
    if (c->user.role == OFF_ROLE_ADMIN) {
        PGresult *units = off_visible_units(c);
        if (!units)
            return;
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, "An administrator or area leader"));
        off_buf_put(b, "</h2><p>");
        off_buf_esc(b, off_tr(c, "An administrator runs every unit and the server. An area "
                                 "leader leads the units you tick, as their leader does."));
        off_buf_put(b, "</p>");
        off_form_begin(c, "/accounts/new");
        off_buf_put(b, "<input type=\"hidden\" name=\"kind\" value=\"staff\">");
        off_input(c, "text", "name", off_tr(c, "Name"), f->name, MODEL_NAME_MAX, NULL, f->err_name);
        off_input(c, "text", "staff_login", off_tr(c, "Login"), f->role ? f->login : NULL,
                  OFF_LOGIN_MAX, off_tr(c, "Letters a–z, digits and . - _ @."),
                  f->role ? f->err_login : NULL);
        static const char *const roles[] = {"area", "admin"};
        const char *role_labels[] = {off_tr(c, "Area leader"), off_tr(c, "Administrator")};
        off_select(c, "role", off_tr(c, "Role"), roles, role_labels, 2, f->role, NULL);
        off_buf_put(b, "<fieldset><legend>");
        off_buf_esc(b, off_tr(c, "Units an area leader leads"));
        off_buf_put(b, "</legend>");
        for (int i = 0; i < PQntuples(units); i++) {
            char name[80];
            snprintf(name, sizeof name, "unit-%d", i);
            int on = 0;
            for (int k = 0; k < f->n_units; k++)
                on |= !strcmp(f->units[k], PQgetvalue(units, i, 0));
            off_buf_printf(b,
                           "<div class=\"field check\"><input type=\"checkbox\" name=\"unit\" "
                           "id=\"f-%s\" value=\"",
                           name);
            off_buf_esc(b, PQgetvalue(units, i, 0));
            off_buf_printf(b, "\"%s><label for=\"f-%s\">", on ? " checked" : "", name);
            off_buf_esc(b, PQgetvalue(units, i, 1));
            off_buf_put(b, "</label></div>");
        }
        off_buf_put(b, "</fieldset>");
        off_submit(c, off_tr(c, "Make invitation link"), 0);
        off_form_end(c);
        PQclear(units);
    }
    off_page_end(c);
}

/* GET /accounts/new (?person=ID to choose them already) */
void off_account_new_form(off_ctx *c)
{
    new_form f = {0};
    f.person = off_form_get(&c->query, "person");
    new_page(c, 200, &f);
}

/* A login typed: lower case, checked; NULL for empty. *bad is set to the
 * message when it breaks the rule or is taken. */
static const char *take_login(off_ctx *c, const char *in, char out[OFF_LOGIN_MAX + 1],
                              const char **bad)
{
    *bad = NULL;
    if (!in || !*in)
        return NULL;
    size_t n = strlen(in);
    if (n > OFF_LOGIN_MAX) {
        *bad = off_tr(c, "A login is 3 to 64 letters a–z, digits and . - _ @.");
        return NULL;
    }
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] | 0x20 : in[i]);
    if (!srv_account_login_ok(out)) {
        *bad = off_tr(c, "A login is 3 to 64 letters a–z, digits and . - _ @.");
        return NULL;
    }
    char err[300];
    const char *p[] = {out};
    PGresult *r = srv_q(c->pg, "SELECT 1 FROM accounts WHERE login = $1", 1, p, err, sizeof err);
    if (r && PQntuples(r) > 0)
        *bad = off_tr(c, "That login is taken. Choose another.");
    PQclear(r);
    return out;
}

/* POST /accounts/new */
void off_account_new(off_ctx *c)
{
    const char *kind = off_form_get(&c->form, "kind");
    new_form f = {0};
    char login[OFF_LOGIN_MAX + 1], err[SRV_ACC_ERR_MAX], actor[80];
    model_id id;
    char made[SRV_LOGIN_MAX + 1];
    off_actor(c, actor, sizeof actor);
    if (kind && !strcmp(kind, "staff")) {
        /* Only an administrator makes administrators and area leaders. */
        if (c->user.role != OFF_ROLE_ADMIN) {
            off_fail(c, 403, "You do not have access to this page.");
            return;
        }
        f.name = off_form_get(&c->form, "name");
        f.role = off_form_get(&c->form, "role");
        f.login = off_form_get(&c->form, "staff_login");
        f.n_units = off_form_all(&c->form, "unit", f.units, UNITS_MAX);
        if (!f.role || (strcmp(f.role, "admin") != 0 && strcmp(f.role, "area") != 0)) {
            off_fail(c, 400, "The form could not be read. Go back and send it again.");
            return;
        }
        if (f.n_units > UNITS_MAX || (!strcmp(f.role, "admin") && f.n_units > 0))
            f.n_units = !strcmp(f.role, "admin") ? 0 : UNITS_MAX;
        char msg[200];
        if (!f.name || !*f.name ||
            model_name_check(f.name, MODEL_NAME_MAX, "name", msg, sizeof msg) != 0)
            f.err_name = off_tr(c, "Write the person's name (at most 100 characters).");
        const char *l = take_login(c, f.login, login, &f.err_login);
        if (!l && !f.err_login)
            f.err_login = off_tr(c, "Write a login.");
        if (f.err_name || f.err_login) {
            new_page(c, 400, &f);
            return;
        }
        srv_acc_rc rc = srv_account_add(c->pg, actor, l, f.role, NULL, f.name, f.units, f.n_units,
                                        id, made, err, sizeof err);
        if (rc == SRV_ACC_INVALID || rc == SRV_ACC_NOTFOUND) {
            f.err_login = off_tr(c, "The account could not be made. Check the fields.");
            srv_log("office: account: %s", err);
            new_page(c, 400, &f);
            return;
        }
        if (rc != SRV_ACC_OK) {
            db_fail(c, err);
            return;
        }
        invite_and_show(c, id, f.name, made);
        return;
    }
    f.person = off_form_get(&c->form, "person");
    f.login = off_form_get(&c->form, "login");
    /* The person's unit decides who may invite them. */
    char unit[64] = "", role[16] = "", name[MODEL_NAME_MAX + 1] = "";
    int has = 0;
    if (f.person) {
        const char *p[] = {f.person};
        PGresult *r = srv_q(c->pg,
                            "SELECT p.unit_id, p.role, p.name,"
                            " EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id)"
                            " FROM people p WHERE p.id = $1 AND p.active",
                            1, p, err, sizeof err);
        if (!r) {
            db_fail(c, err);
            return;
        }
        if (PQntuples(r) == 1) {
            snprintf(unit, sizeof unit, "%s", PQgetvalue(r, 0, 0));
            snprintf(role, sizeof role, "%s", PQgetvalue(r, 0, 1));
            snprintf(name, sizeof name, "%s", PQgetvalue(r, 0, 2));
            has = !strcmp(PQgetvalue(r, 0, 3), "t");
        }
        PQclear(r);
    }
    if (!unit[0]) {
        f.err_person = off_tr(c, "Choose a person.");
        new_page(c, 400, &f);
        return;
    }
    if (!off_require_unit(c, unit, OFF_ROLE_LEADER))
        return;
    if (has) {
        f.err_person = off_tr(c, "This person already has an account. Make a new link on the "
                                 "account's page.");
        new_page(c, 400, &f);
        return;
    }
    const char *l = take_login(c, f.login, login, &f.err_login);
    if (f.err_login) {
        new_page(c, 400, &f);
        return;
    }
    srv_acc_rc rc = srv_account_add(c->pg, actor, l, role, f.person, NULL, NULL, 0, id, made, err,
                                    sizeof err);
    if (rc != SRV_ACC_OK) {
        db_fail(c, err);
        return;
    }
    invite_and_show(c, id, name, made);
}

/* ---- one account ---- */

/* GET /accounts/<id> */
void off_account_show(off_ctx *c)
{
    account a;
    if (!account_load(c, &a))
        return;
    off_buf *b = &c->body;
    off_page_begin(c, a.name, "accounts");
    off_buf_put(b, "<dl class=\"facts\"><dt>");
    off_buf_esc(b, off_tr(c, "Login"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, a.login);
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "Role"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, off_role_label(c, off_role_parse(a.role)));
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "Units"));
    off_buf_put(b, "</dt><dd>");
    units_cell(c, &a);
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "Last sign-in"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, a.last[0] ? a.last : off_tr(c, "Never"));
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "State"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, state_label(c, &a));
    off_buf_put(b, "</dd></dl>");
    char path[120];
    off_buf pb = {0};
    off_buf_put(&pb, "/accounts/");
    off_buf_url(&pb, a.id);
    char *base = off_buf_take(&pb, NULL);
    if (!base) {
        off_fail(c, 500, "The server ran out of memory.");
        return;
    }
    if (!a.disabled) {
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, "New invitation link"));
        off_buf_put(b, "</h2><p>");
        off_buf_esc(b, off_tr(c, "For someone who lost their link or forgot their password: "
                                 "with a new link they choose a new password. Earlier links "
                                 "stop working."));
        off_buf_put(b, "</p>");
        snprintf(path, sizeof path, "%s/invite", base);
        off_form_begin(c, path);
        off_submit(c, off_tr(c, "Make invitation link"), 0);
        off_form_end(c);
    }
    if (!strcmp(a.role, "area") && c->user.role == OFF_ROLE_ADMIN) {
        PGresult *units = off_visible_units(c);
        if (!units) {
            free(base);
            return;
        }
        char err[300];
        const char *p[] = {a.id};
        PGresult *mine = srv_q(c->pg, "SELECT unit_id FROM account_units WHERE account_id = $1", 1,
                               p, err, sizeof err);
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, "Units"));
        off_buf_put(b, "</h2>");
        snprintf(path, sizeof path, "%s/units", base);
        off_form_begin(c, path);
        off_buf_put(b, "<fieldset><legend>");
        off_buf_esc(b, off_tr(c, "Units an area leader leads"));
        off_buf_put(b, "</legend>");
        for (int i = 0; i < PQntuples(units); i++) {
            int on = 0;
            for (int k = 0; mine && k < PQntuples(mine); k++)
                on |= !strcmp(PQgetvalue(mine, k, 0), PQgetvalue(units, i, 0));
            off_buf_printf(b,
                           "<div class=\"field check\"><input type=\"checkbox\" name=\"unit\" "
                           "id=\"f-unit-%d\" value=\"",
                           i);
            off_buf_esc(b, PQgetvalue(units, i, 0));
            off_buf_printf(b, "\"%s><label for=\"f-unit-%d\">", on ? " checked" : "", i);
            off_buf_esc(b, PQgetvalue(units, i, 1));
            off_buf_put(b, "</label></div>");
        }
        off_buf_put(b, "</fieldset>");
        off_submit(c, off_tr(c, "Save units"), 0);
        off_form_end(c);
        PQclear(mine);
        PQclear(units);
    }
    if (strcmp(a.id, c->user.account_id) != 0) {
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, a.disabled ? "Enable" : "Disable"));
        off_buf_put(b, "</h2><p>");
        off_buf_esc(b, off_tr(c, a.disabled ? "The account can be used again with its password."
                                            : "The account can no longer sign in, and it is "
                                              "signed out everywhere now. Nothing is deleted."));
        off_buf_put(b, "</p>");
        snprintf(path, sizeof path, "%s/%s", base, a.disabled ? "enable" : "disable");
        off_form_begin(c, path);
        off_submit(c, off_tr(c, a.disabled ? "Enable account" : "Disable account"), !a.disabled);
        off_form_end(c);
    }
    free(base);
    off_page_end(c);
}

/* Redirects to the account's page with a confirmation. */
static void back(off_ctx *c, const char *id, const char *done)
{
    off_buf to = {0};
    off_buf_put(&to, "/accounts/");
    off_buf_url(&to, id);
    off_buf_printf(&to, "?done=%s", done);
    char *p = off_buf_take(&to, NULL);
    if (p)
        off_redirect(c, p);
    else
        off_fail(c, 500, "The server ran out of memory.");
    free(p);
}

static void set_active(off_ctx *c, int active)
{
    account a;
    if (!account_load(c, &a))
        return;
    if (!strcmp(a.id, c->user.account_id)) {
        off_fail(c, 400, "You cannot disable your own account.");
        return;
    }
    char actor[80], err[SRV_ACC_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    if (srv_account_set_active(c->pg, actor, a.id, active, err, sizeof err) != SRV_ACC_OK) {
        db_fail(c, err);
        return;
    }
    back(c, a.id, active ? "account-enabled" : "account-disabled");
}

/* POST /accounts/<id>/disable and /enable */
void off_account_disable(off_ctx *c) { set_active(c, 0); }
void off_account_enable(off_ctx *c) { set_active(c, 1); }

/* POST /accounts/<id>/invite: a new link, the old ones void. */
void off_account_invite(off_ctx *c)
{
    account a;
    if (!account_load(c, &a))
        return;
    if (a.disabled) {
        off_fail(c, 400, "Enable the account before making a link for it.");
        return;
    }
    invite_and_show(c, a.id, a.name, a.login);
}

/* POST /accounts/<id>/units: an administrator gives an area leader the
 * units ticked (every one a unit that exists). */
void off_account_units(off_ctx *c)
{
    account a;
    if (!account_load(c, &a))
        return;
    if (c->user.role != OFF_ROLE_ADMIN) {
        off_fail(c, 403, "You do not have access to this page.");
        return;
    }
    if (strcmp(a.role, "area") != 0) {
        off_fail(c, 400, "Only an area leader is given units.");
        return;
    }
    const char *units[UNITS_MAX];
    int n = off_form_all(&c->form, "unit", units, UNITS_MAX);
    if (n > UNITS_MAX) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return;
    }
    char actor[80], err[SRV_ACC_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    srv_acc_rc rc = srv_account_set_units(c->pg, actor, a.id, units, n, err, sizeof err);
    if (rc == SRV_ACC_NOTFOUND || rc == SRV_ACC_INVALID) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return;
    }
    if (rc != SRV_ACC_OK) {
        db_fail(c, err);
        return;
    }
    back(c, a.id, "units-saved");
}
