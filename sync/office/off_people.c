/*
 * The people of a unit: the list with its search, adding a person, and one
 * person's page with every change as a small form of its own (name, role,
 * room, active, tablet PIN), the invitation to the office, the export of
 * their data and their erasure behind a confirmation that names what goes.
 *
 * Scope: every page looks up the unit of the person it names in the
 * database and asks for a leader's reach over it (a unit leader of that
 * unit, an area leader given it, an administrator). Peers get none of these
 * pages, their own person's neither: what a peer may see of themselves is
 * their account page, and a person's page is made of a leader's actions.
 *
 * Every change goes through srv_ref.h (which checks, publishes to the
 * tablets and writes the audit row in one transaction); the office checks
 * the input first so that a refusal can name the field in the reader's
 * language, and keeps what was typed on a refused form.
 */
#include "off_int.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"
#include "srv_ref.h"

_Static_assert(MODEL_NAME_MAX == 120, "the messages about a name's length say 120");

/* At most this many people in one list (a unit has tens). */
#define PEOPLE_LIST_MAX 1000

/* One person as the pages show them. */
typedef struct {
    model_id id, unit, room;
    char unit_name[MODEL_NAME_MAX + 1];
    char name[MODEL_NAME_MAX + 1];
    char room_name[MODEL_NAME_MAX + 1];
    int leader, pin, active;
    char login[OFF_LOGIN_MAX + 1]; /* their office account's, "" for none */
} person_row;

/* A problem with one field of a form: the field's name and a translated
 * sentence. */
typedef struct {
    const char *field, *msg;
} problem;

static void db_failed(off_ctx *c, const char *what, const char *err)
{
    srv_log("office: people: %s: %s", what, err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

static int is_true(const PGresult *r, int row, int col)
{
    return !strcmp(PQgetvalue(r, row, col), "t");
}

static void copy(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src); }

/*
 * Reads the person id names into *p: 1, or 0 after answering (404 for an
 * id that names nobody or is not one, 500 when the database failed).
 */
static int load_person(off_ctx *c, const char *id, person_row *p)
{
    char msg[120], err[300];
    if (!id || model_id_check(id, "id", msg, sizeof msg) != 0) {
        off_fail(c, 404, "There is no such person. They may have been erased.");
        return 0;
    }
    const char *prm[] = {id};
    PGresult *r = srv_q(c->pg,
                        "SELECT p.id, p.unit_id, u.name, p.name, p.role = 'leader',"
                        " p.pin_verifier <> '', p.active, coalesce(p.room_id, ''),"
                        " coalesce(r.name, ''), coalesce(a.login, '')"
                        " FROM people p JOIN units u ON u.id = p.unit_id"
                        " LEFT JOIN rooms r ON r.id = p.room_id"
                        " LEFT JOIN accounts a ON a.person_id = p.id WHERE p.id = $1",
                        1, prm, err, sizeof err);
    if (!r) {
        db_failed(c, "person", err);
        return 0;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        off_fail(c, 404, "There is no such person. They may have been erased.");
        return 0;
    }
    memset(p, 0, sizeof *p);
    copy(p->id, sizeof p->id, PQgetvalue(r, 0, 0));
    copy(p->unit, sizeof p->unit, PQgetvalue(r, 0, 1));
    copy(p->unit_name, sizeof p->unit_name, PQgetvalue(r, 0, 2));
    copy(p->name, sizeof p->name, PQgetvalue(r, 0, 3));
    p->leader = is_true(r, 0, 4);
    p->pin = is_true(r, 0, 5);
    p->active = is_true(r, 0, 6);
    copy(p->room, sizeof p->room, PQgetvalue(r, 0, 7));
    copy(p->room_name, sizeof p->room_name, PQgetvalue(r, 0, 8));
    copy(p->login, sizeof p->login, PQgetvalue(r, 0, 9));
    PQclear(r);
    return 1;
}

/* The person named by the address, when the user leads their unit: 1, or
 * 0 after answering (404, 403). */
static int open_person(off_ctx *c, person_row *p)
{
    return load_person(c, c->n_args > 0 ? c->args[0] : NULL, p) &&
           off_require_unit(c, p->unit, OFF_ROLE_LEADER);
}

/* The active rooms of a unit (id, name), in name order, or NULL after
 * answering 500. */
static PGresult *unit_rooms(off_ctx *c, const char *unit)
{
    char err[300];
    const char *prm[] = {unit};
    PGresult *r = srv_q(c->pg,
                        "SELECT id, name FROM rooms WHERE unit_id = $1 AND active"
                        " ORDER BY name, id",
                        1, prm, err, sizeof err);
    if (!r)
        db_failed(c, "rooms", err);
    return r;
}

/* Whether room is "" (none) or one of the rows of rooms. */
static int room_allowed(const PGresult *rooms, const char *room)
{
    if (!room || !*room)
        return 1;
    for (int i = 0; i < PQntuples(rooms); i++)
        if (!strcmp(PQgetvalue(rooms, i, 0), room))
            return 1;
    return 0;
}

/* What is wrong with a name a leader typed, in the reader's language, or
 * NULL when it can be used. */
static const char *name_problem(off_ctx *c, const char *name)
{
    char msg[200];
    if (!name || name[strspn(name, " \t\n")] == 0)
        return off_tr(c, "Write the person's name.");
    if (strlen(name) > MODEL_NAME_MAX)
        return off_tr(c, "The name is too long: at most 120 characters (æ, ø and å count as two).");
    if (model_name_check(name, MODEL_NAME_MAX, "name", msg, sizeof msg) != 0)
        return off_tr(c, "The name holds characters that cannot be used, such as a line "
                         "break. Write it on one line.");
    return NULL;
}

/* The role a form names, or -1. */
static int role_parse(const char *s)
{
    if (s && !strcmp(s, "peer"))
        return MODEL_ROLE_PEER;
    if (s && !strcmp(s, "leader"))
        return MODEL_ROLE_LEADER;
    return -1;
}

static const char *role_label(off_ctx *c, int leader)
{
    return off_tr(c, leader ? "Leader" : "Peer");
}

/* The address of a person's page with a confirmation, into a buffer the
 * caller frees; then the redirect. */
static void redirect_person(off_ctx *c, const char *id, const char *done)
{
    char path[160];
    snprintf(path, sizeof path, "/people/%s%s%s", id, done ? "?done=" : "", done ? done : "");
    off_redirect(c, path);
}

/* Answers a failed srv_ref change that was not the reader's fault. */
static void ref_failed(off_ctx *c, srv_ref_rc rc, const char *err)
{
    if (rc == SRV_REF_NOTFOUND) {
        off_fail(c, 404, "There is no such person. They may have been erased.");
    } else {
        srv_log("office: people: %s", err);
        off_fail(c, 500,
                 "The change could not be saved. Nothing was changed. Try again in a "
                 "moment.");
    }
}

/* ---- the list ---- */

/* A GET form's select of the user's units (when there are several). */
static void unit_select(off_ctx *c, const PGresult *units, const char *chosen)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<div class=\"field\"><label for=\"f-unit\">");
    off_buf_esc(b, off_tr(c, "Unit"));
    off_buf_put(b, "</label><select id=\"f-unit\" name=\"unit\">");
    for (int i = 0; i < PQntuples(units); i++) {
        off_buf_put(b, "<option value=\"");
        off_buf_esc(b, PQgetvalue(units, i, 0));
        off_buf_put(b, strcmp(PQgetvalue(units, i, 0), chosen) ? "\">" : "\" selected>");
        off_buf_esc(b, PQgetvalue(units, i, 1));
        off_buf_put(b, "</option>");
    }
    off_buf_put(b, "</select></div>");
}

/*
 * The unit a page is about: ?unit= when given (the caller then checks the
 * user's reach over it), else the first of the units the user may see.
 * Copies it into out; 0 when the user sees no unit at all.
 */
static int chosen_unit(off_ctx *c, const PGresult *units, model_id out)
{
    const char *u = off_form_get(&c->query, "unit");
    if (u && *u) {
        /* Never cut short: a cut id could name another unit. */
        copy(out, sizeof(model_id), strlen(u) <= MODEL_UUID_LEN ? u : "");
        return 1;
    }
    if (PQntuples(units) == 0)
        return 0;
    copy(out, sizeof(model_id), PQgetvalue(units, 0, 0));
    return 1;
}

/* The name of unit among units, or "". */
static const char *unit_name(const PGresult *units, const char *unit)
{
    for (int i = 0; i < PQntuples(units); i++)
        if (!strcmp(PQgetvalue(units, i, 0), unit))
            return PQgetvalue(units, i, 1);
    return "";
}

/* Whether the user leads unit and it is one of their active units: 1, or
 * 0 after answering (403, or 404 for a unit that is gone or deactivated). */
static int known_unit(off_ctx *c, const PGresult *units, const char *unit)
{
    if (!off_require_unit(c, unit, OFF_ROLE_LEADER))
        return 0;
    if (*unit_name(units, unit))
        return 1;
    off_fail(c, 404, "There is no such unit, or it is deactivated.");
    return 0;
}

/* The people of unit whose name holds q (case-blind, Danish letters too),
 * or NULL after answering 500. */
static PGresult *find_people(off_ctx *c, const char *unit, const char *q)
{
    char err[300], lim[16];
    snprintf(lim, sizeof lim, "%d", PEOPLE_LIST_MAX + 1);
    const char *prm[] = {unit, q, lim};
    PGresult *r = srv_q(c->pg,
                        "SELECT p.id, p.name, p.role = 'leader', p.pin_verifier <> '', p.active,"
                        " coalesce(r.name, ''), a.id IS NOT NULL"
                        " FROM people p LEFT JOIN rooms r ON r.id = p.room_id"
                        " LEFT JOIN accounts a ON a.person_id = p.id"
                        " WHERE p.unit_id = $1 AND ($2::text = '' OR"
                        "  strpos(lower(p.name COLLATE \"und-x-icu\"),"
                        "         lower($2::text COLLATE \"und-x-icu\")) > 0)"
                        " ORDER BY lower(p.name COLLATE \"und-x-icu\"), p.id LIMIT $3::int",
                        3, prm, err, sizeof err);
    if (!r)
        db_failed(c, "people", err);
    return r;
}

static void cell(off_buf *b, const char *text)
{
    off_buf_put(b, "<td>");
    off_buf_esc(b, text);
    off_buf_put(b, "</td>");
}

static void people_table(off_ctx *c, const PGresult *r, int n)
{
    off_buf *b = &c->body;
    static const char *const heads[] = {"Name",       "Role",   "Room",
                                        "Tablet PIN", "Status", "Office account"};
    off_buf_put(b, "<div class=\"table-wrap\"><table><thead><tr>");
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        off_buf_put(b, "<th scope=\"col\">");
        off_buf_esc(b, off_tr(c, heads[i]));
        off_buf_put(b, "</th>");
    }
    off_buf_put(b, "</tr></thead><tbody>");
    for (int i = 0; i < n; i++) {
        off_buf_put(b, "<tr><th scope=\"row\"><a href=\"/people/");
        off_buf_url(b, PQgetvalue(r, i, 0));
        off_buf_put(b, "\">");
        off_buf_esc(b, PQgetvalue(r, i, 1));
        off_buf_put(b, "</a></th>");
        cell(b, role_label(c, is_true(r, i, 2)));
        const char *room = PQgetvalue(r, i, 5);
        cell(b, *room ? room : off_tr(c, "No room"));
        cell(b, off_tr(c, is_true(r, i, 3) ? "Set" : "Not set"));
        cell(b, off_tr(c, is_true(r, i, 4) ? "Active" : "Deactivated"));
        cell(b, off_tr(c, is_true(r, i, 6) ? "Yes" : "No"));
        off_buf_put(b, "</tr>");
    }
    off_buf_put(b, "</tbody></table></div>");
}

/* GET /people: the people of one of the user's units, searchable. */
void off_people_list(off_ctx *c)
{
    off_buf *b = &c->body;
    PGresult *units = off_visible_units(c);
    if (!units)
        return;
    model_id unit;
    if (!chosen_unit(c, units, unit)) {
        PQclear(units);
        off_page_begin(c, off_tr(c, "People"), "people");
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, c->user.role == OFF_ROLE_ADMIN
                                     ? "There are no units yet. Add a unit under Units first; "
                                       "then its people can be added here."
                                     : "No unit has been given to you yet. Ask your "
                                       "administrator."));
        off_buf_put(b, "</p>");
        off_page_end(c);
        return;
    }
    if (!known_unit(c, units, unit)) {
        PQclear(units);
        return;
    }
    const char *q = off_form_get(&c->query, "q");
    if (!q)
        q = "";
    int q_too_long = strlen(q) > MODEL_NAME_MAX;
    PGresult *r = q_too_long ? NULL : find_people(c, unit, q);
    if (!q_too_long && !r) {
        PQclear(units);
        return;
    }
    int n = r ? PQntuples(r) : 0;
    int more = n > PEOPLE_LIST_MAX;
    if (more)
        n = PEOPLE_LIST_MAX;

    off_page_begin(c, off_tr(c, "People"), "people");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "The leaders and peers of a unit: who can sign in on its tablets, "
                             "observe and be observed. Open a person to rename them, change "
                             "their role or room, set their tablet PIN, or deactivate them."));
    off_buf_put(b, "</p>");
    /* The search and the choice of unit are a GET form: they work without
     * script and the address can be bookmarked. */
    off_buf_put(b, "<form method=\"get\" action=\"/people\" class=\"search\" role=\"search\">");
    if (PQntuples(units) > 1)
        unit_select(c, units, unit);
    else {
        off_buf_put(b, "<input type=\"hidden\" name=\"unit\" value=\"");
        off_buf_esc(b, unit);
        off_buf_put(b, "\">");
    }
    off_input(c, "search", "q", off_tr(c, "Search by name"), q, MODEL_NAME_MAX,
              off_tr(c, "Part of a name is enough; capital letters do not matter."),
              q_too_long ? off_tr(c, "The search is too long: at most 120 characters.") : NULL);
    off_submit(c, off_tr(c, "Search"), 0);
    off_buf_put(b, "</form><p><a class=\"button\" href=\"/people/new?unit=");
    off_buf_url(b, unit);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Add a person"));
    off_buf_put(b, "</a></p><h2>");
    off_buf_esc(b, unit_name(units, unit));
    off_buf_put(b, "</h2>");
    if (n > 0) {
        people_table(c, r, n);
        if (more) {
            off_buf_put(b, "<p>");
            off_buf_esc(b, off_tr(c, "Only the first 1000 are shown. Search by name to find "
                                     "the others."));
            off_buf_put(b, "</p>");
        }
    } else if (*q) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "Nobody's name contains what you searched for. Check the "
                                 "spelling, or search for a shorter part of the name."));
        off_buf_put(b, " <a href=\"/people?unit=");
        off_buf_url(b, unit);
        off_buf_put(b, "\">");
        off_buf_esc(b, off_tr(c, "Show everybody"));
        off_buf_put(b, "</a></p>");
    } else if (!q_too_long) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "Nobody has been added to this unit yet. Add the first "
                                 "person with the button above: the leader first, then the "
                                 "peers who will observe each other."));
        off_buf_put(b, "</p>");
    }
    PQclear(r);
    PQclear(units);
    off_page_end(c);
}

/* ---- adding a person ---- */

/* The values of the form for a new person, as typed. */
typedef struct {
    const char *id, *unit, *name, *role, *room;
} new_form;

static void new_page(off_ctx *c, const PGresult *units, const new_form *v, const problem *pr,
                     int n_pr)
{
    off_buf *b = &c->body;
    PGresult *rooms = unit_rooms(c, v->unit);
    if (!rooms)
        return;
    if (n_pr > 0)
        c->out->status = 400;
    off_page_begin(c, off_tr(c, "Add a person"), "people");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "A person can sign in on the unit's tablets once they have a PIN. "
                             "Leaders can also plan and give feedback on the tablets; peers "
                             "observe each other."));
    off_buf_put(b, "</p>");
    if (units && PQntuples(units) > 1) {
        off_buf_put(b, "<form method=\"get\" action=\"/people/new\" class=\"search\">");
        unit_select(c, units, v->unit);
        off_submit(c, off_tr(c, "Choose unit"), 0);
        off_buf_put(b, "</form>");
    }
    const char *fields[3], *msgs[3];
    const char *err_name = NULL, *err_role = NULL, *err_room = NULL;
    for (int i = 0; i < n_pr && i < 3; i++) {
        fields[i] = pr[i].field;
        msgs[i] = pr[i].msg;
        if (!strcmp(pr[i].field, "name"))
            err_name = pr[i].msg;
        else if (!strcmp(pr[i].field, "role"))
            err_role = pr[i].msg;
        else
            err_room = pr[i].msg;
    }
    off_error_summary(c, fields, msgs, n_pr < 3 ? n_pr : 3);
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Unit"));
    off_buf_put(b, ": <strong>");
    off_buf_esc(b, units ? unit_name(units, v->unit) : "");
    off_buf_put(b, "</strong></p>");
    off_form_begin(c, "/people/new");
    /* The new person's id is chosen when the form is made, so the same
     * form sent twice adds one person, not two. */
    off_buf_put(b, "<input type=\"hidden\" name=\"id\" value=\"");
    off_buf_esc(b, v->id);
    off_buf_put(b, "\"><input type=\"hidden\" name=\"unit\" value=\"");
    off_buf_esc(b, v->unit);
    off_buf_put(b, "\">");
    off_input(c, "text", "name", off_tr(c, "Name"), v->name, MODEL_NAME_MAX,
              off_tr(c, "As colleagues know them: it is shown on the tablets' sign-in screen."),
              err_name);
    const char *rv[] = {"peer", "leader"};
    const char *rl[] = {role_label(c, 0), role_label(c, 1)};
    off_select(c, "role", off_tr(c, "Role"), rv, rl, 2, v->role ? v->role : "peer", err_role);
    int nr = PQntuples(rooms);
    const char **vals = calloc((size_t)nr + 1, sizeof *vals);
    const char **labs = calloc((size_t)nr + 1, sizeof *labs);
    if (vals && labs) {
        vals[0] = "";
        labs[0] = off_tr(c, "No room");
        for (int i = 0; i < nr; i++) {
            vals[i + 1] = PQgetvalue(rooms, i, 0);
            labs[i + 1] = PQgetvalue(rooms, i, 1);
        }
        off_select(c, "room", off_tr(c, "Room"), vals, labs, nr + 1, v->room ? v->room : "",
                   err_room);
    } else {
        b->oom = 1;
    }
    free(vals);
    free(labs);
    PQclear(rooms);
    off_submit(c, off_tr(c, "Add the person"), 0);
    off_form_end(c);
    off_page_end(c);
}

/* GET /people/new: the form, for ?unit= or the user's first unit. */
void off_people_new(off_ctx *c)
{
    PGresult *units = off_visible_units(c);
    if (!units)
        return;
    model_id unit, id;
    if (!chosen_unit(c, units, unit)) {
        PQclear(units);
        off_fail(c, 404, "There is no unit to add a person to yet. Add a unit first.");
        return;
    }
    if (!known_unit(c, units, unit)) {
        PQclear(units);
        return;
    }
    if (model_id_new(plat_sys_os(), id) != 0) {
        PQclear(units);
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    new_form v = {.id = id, .unit = unit};
    new_page(c, units, &v, NULL, 0);
    PQclear(units);
}

/* Whether a person with id exists already in unit (1), elsewhere (2), not
 * at all (0), or the database failed (-1). */
static int person_exists(off_ctx *c, const char *id, const char *unit)
{
    char err[300];
    const char *prm[] = {id};
    PGresult *r = srv_q(c->pg, "SELECT unit_id FROM people WHERE id = $1", 1, prm, err, sizeof err);
    if (!r) {
        srv_log("office: people: %s", err);
        return -1;
    }
    int k = PQntuples(r) == 1 ? (strcmp(PQgetvalue(r, 0, 0), unit) ? 2 : 1) : 0;
    PQclear(r);
    return k;
}

/* The same form sent again after it added its person: show that person
 * (1), refuse an id taken elsewhere (answered, 1), or go on (0). */
static int already_added(off_ctx *c, const new_form *v)
{
    int k = person_exists(c, v->id, v->unit);
    if (k == 1)
        redirect_person(c, v->id, "person-added");
    else if (k == 2)
        off_fail(c, 409, "This form was already used. Open the page again to add a person.");
    else if (k < 0)
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
    return k != 0;
}

/* POST /people/new. */
void off_people_add(off_ctx *c)
{
    char msg[120], err[SRV_REF_ERR_MAX], actor[80];
    new_form v = {off_form_get(&c->form, "id"), off_form_get(&c->form, "unit"),
                  off_form_get(&c->form, "name"), off_form_get(&c->form, "role"),
                  off_form_get(&c->form, "room")};
    if (!off_require_unit(c, v.unit ? v.unit : "", OFF_ROLE_LEADER))
        return;
    if (!v.id || model_id_check(v.id, "id", msg, sizeof msg) != 0) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return;
    }
    if (already_added(c, &v))
        return;
    PGresult *rooms = unit_rooms(c, v.unit);
    if (!rooms)
        return;
    problem pr[3];
    int n = 0;
    const char *np = name_problem(c, v.name);
    if (np)
        pr[n++] = (problem){"name", np};
    int role = role_parse(v.role);
    if (role < 0)
        pr[n++] = (problem){"role", off_tr(c, "Choose the role: leader or peer.")};
    if (!room_allowed(rooms, v.room))
        pr[n++] = (problem){"room", off_tr(c, "Choose one of this unit's rooms, or no room.")};
    PQclear(rooms);
    if (n > 0) {
        PGresult *units = off_visible_units(c);
        if (units) {
            new_page(c, units, &v, pr, n);
            PQclear(units);
        }
        return;
    }
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_person_add(c->pg, actor, v.unit, v.id, v.name, (model_role)role, NULL,
                                       err, sizeof err);
    /* Two of the same form at once: the second finds the id taken. */
    if (rc == SRV_REF_INVALID && already_added(c, &v))
        return;
    if (rc == SRV_REF_OK && v.room && *v.room)
        rc = srv_ref_person_set_room(c->pg, actor, v.id, v.room, err, sizeof err);
    if (rc != SRV_REF_OK) {
        ref_failed(c, rc, err);
        return;
    }
    redirect_person(c, v.id, "person-added");
}

/* ---- one person ---- */

/* What a refused form on a person's page carries back: the field, the
 * sentence and the value typed (never a PIN). */
typedef struct {
    const char *field, *msg, *typed;
} refusal;

static void dl_row(off_buf *b, const char *term, const char *value)
{
    off_buf_put(b, "<dt>");
    off_buf_esc(b, term);
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, value);
    off_buf_put(b, "</dd>");
}

/* The start of one action's section: its heading and what it means. */
static void section(off_ctx *c, const char *heading, const char *explain)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<section class=\"action\"><h2>");
    off_buf_esc(b, heading);
    off_buf_put(b, "</h2>");
    if (explain) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, explain);
        off_buf_put(b, "</p>");
    }
}

static void action_form(off_ctx *c, const person_row *p, const char *action)
{
    off_buf path = {0};
    off_buf_put(&path, "/people/");
    off_buf_url(&path, p->id);
    off_buf_put(&path, "/");
    off_buf_put(&path, action);
    char *s = off_buf_take(&path, NULL);
    if (!s) {
        c->body.oom = 1;
        return;
    }
    off_form_begin(c, s);
    free(s);
}

static const char *err_for(const refusal *rf, const char *field)
{
    return rf && rf->field && !strcmp(rf->field, field) ? rf->msg : NULL;
}

/*
 * A field for a new tablet PIN: never filled in, digits on a tablet's
 * keyboard, and marked as a new secret so that a browser does not offer the
 * leader's own saved password for someone else's PIN.
 */
static void pin_input(off_ctx *c, const char *name, const char *label, const char *error)
{
    off_buf *b = &c->body;
    off_buf_printf(b, "<div class=\"field%s\"><label for=\"f-%s\">", error ? " has-error" : "",
                   name);
    off_buf_esc(b, label);
    off_buf_put(b, "</label>");
    if (error) {
        off_buf_printf(b, "<p class=\"error\" id=\"f-%s-err\">", name);
        off_buf_esc(b, error);
        off_buf_put(b, "</p>");
    }
    off_buf_printf(b,
                   "<input type=\"password\" id=\"f-%s\" name=\"%s\" inputmode=\"numeric\""
                   " autocomplete=\"new-password\" maxlength=\"%d\"",
                   name, name, MODEL_PIN_MAX);
    if (error)
        off_buf_printf(b, " aria-invalid=\"true\" aria-describedby=\"f-%s-err\"", name);
    off_buf_put(b, "></div>");
}

/* A person's page, with the refusal of the form just sent (may be NULL;
 * the answer is then 400). */
static void person_page(off_ctx *c, const person_row *p, const refusal *rf)
{
    off_buf *b = &c->body;
    PGresult *rooms = unit_rooms(c, p->unit);
    if (!rooms)
        return;
    if (rf)
        c->out->status = 400;
    off_page_begin(c, p->name, "people");
    off_buf_put(b, "<p><a href=\"/people?unit=");
    off_buf_url(b, p->unit);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "All people of the unit"));
    off_buf_put(b, "</a></p>");
    if (rf) {
        const char *f[] = {rf->field}, *m[] = {rf->msg};
        off_error_summary(c, f, m, 1);
    }
    off_buf_put(b, "<dl class=\"facts\">");
    dl_row(b, off_tr(c, "Unit"), p->unit_name);
    dl_row(b, off_tr(c, "Role"), role_label(c, p->leader));
    dl_row(b, off_tr(c, "Room"), p->room[0] ? p->room_name : off_tr(c, "No room"));
    dl_row(b, off_tr(c, "Tablet PIN"), off_tr(c, p->pin ? "Set" : "Not set"));
    dl_row(b, off_tr(c, "Status"), off_tr(c, p->active ? "Active" : "Deactivated"));
    dl_row(b, off_tr(c, "Office account"), p->login[0] ? p->login : off_tr(c, "None"));
    off_buf_put(b, "</dl>");

    section(c, off_tr(c, "Name"), NULL);
    action_form(c, p, "rename");
    const char *typed = rf && rf->field && !strcmp(rf->field, "name") ? rf->typed : p->name;
    off_input(c, "text", "name", off_tr(c, "Name"), typed, MODEL_NAME_MAX, NULL,
              err_for(rf, "name"));
    off_submit(c, off_tr(c, "Rename"), 0);
    off_form_end(c);
    off_buf_put(b, "</section>");

    section(c, off_tr(c, "Role"),
            off_tr(c, "Leaders can plan observations and give feedback on the tablets."));
    action_form(c, p, "role");
    const char *rv[] = {"peer", "leader"};
    const char *rl[] = {role_label(c, 0), role_label(c, 1)};
    off_select(c, "role", off_tr(c, "Role"), rv, rl, 2, p->leader ? "leader" : "peer",
               err_for(rf, "role"));
    off_submit(c, off_tr(c, "Change role"), 0);
    off_form_end(c);
    off_buf_put(b, "</section>");

    section(c, off_tr(c, "Room"),
            off_tr(c, "The room they usually work in, among this unit's rooms."));
    action_form(c, p, "room");
    int nr = PQntuples(rooms);
    const char **vals = calloc((size_t)nr + 1, sizeof *vals);
    const char **labs = calloc((size_t)nr + 1, sizeof *labs);
    if (vals && labs) {
        vals[0] = "";
        labs[0] = off_tr(c, "No room");
        for (int i = 0; i < nr; i++) {
            vals[i + 1] = PQgetvalue(rooms, i, 0);
            labs[i + 1] = PQgetvalue(rooms, i, 1);
        }
        off_select(c, "room", off_tr(c, "Room"), vals, labs, nr + 1, p->room, err_for(rf, "room"));
    } else {
        b->oom = 1;
    }
    free(vals);
    free(labs);
    PQclear(rooms);
    off_submit(c, off_tr(c, "Move"), 0);
    off_form_end(c);
    off_buf_put(b, "</section>");

    section(c, off_tr(c, "Tablet PIN"),
            off_tr(c, "The PIN is how they sign in on the unit's tablets: 4 to 8 digits. Type it "
                      "twice. It is never shown again; the tablets get it at their next sync, "
                      "usually within a few minutes."));
    action_form(c, p, "pin");
    pin_input(c, "pin", off_tr(c, p->pin ? "New PIN" : "PIN"), err_for(rf, "pin"));
    pin_input(c, "pin2", off_tr(c, "The same PIN again"), err_for(rf, "pin2"));
    off_submit(c, off_tr(c, p->pin ? "Reset the PIN" : "Set the PIN"), 0);
    off_form_end(c);
    if (p->pin) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "Clearing the PIN stops them signing in on the tablets until "
                                 "a new one is set."));
        off_buf_put(b, "</p>");
        action_form(c, p, "pin-clear");
        off_submit(c, off_tr(c, "Clear the PIN"), 0);
        off_form_end(c);
    }
    off_buf_put(b, "</section>");

    if (p->active) {
        section(c, off_tr(c, "Deactivate"),
                off_tr(c, "A deactivated person cannot sign in on the tablets from their next "
                          "sync. Their observations, feedback and reflections stay. You can "
                          "reactivate them at any time."));
        action_form(c, p, "deactivate");
        off_submit(c, off_tr(c, "Deactivate"), 1);
    } else {
        section(c, off_tr(c, "Reactivate"),
                off_tr(c, "They are deactivated: they cannot sign in on the tablets. "
                          "Reactivating lets them in again from the tablets' next sync."));
        action_form(c, p, "reactivate");
        off_submit(c, off_tr(c, "Reactivate"), 0);
    }
    off_form_end(c);
    off_buf_put(b, "</section>");

    section(c, off_tr(c, "Office account"), NULL);
    if (p->login[0]) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "They have an office account and sign in as"));
        off_buf_put(b, " <strong>");
        off_buf_esc(b, p->login);
        off_buf_put(b, "</strong>.</p>");
    } else {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "They have no office account. Invite them if they should read "
                                 "their observations or lead in the office."));
        off_buf_put(b, "</p><p><a href=\"/accounts/new?person=");
        off_buf_url(b, p->id);
        off_buf_put(b, "\">");
        off_buf_esc(b, off_tr(c, "Invite them to the office"));
        off_buf_put(b, "</a></p>");
    }
    off_buf_put(b, "</section>");

    section(c, off_tr(c, "Their data"),
            off_tr(c, "When a person asks for their data or to be forgotten (GDPR): download "
                      "everything Blik holds about them, or erase them."));
    off_buf_put(b, "<ul><li><a href=\"/people/");
    off_buf_url(b, p->id);
    off_buf_put(b, "/export\" download>");
    off_buf_esc(b, off_tr(c, "Download their data (JSON)"));
    off_buf_put(b, "</a></li><li><a href=\"/people/");
    off_buf_url(b, p->id);
    off_buf_put(b, "/erase\">");
    off_buf_esc(b, off_tr(c, "Erase the person and their observations…"));
    off_buf_put(b, "</a></li></ul></section>");
    off_page_end(c);
}

/* GET /people/<id>. */
void off_person_show(off_ctx *c)
{
    person_row p;
    if (open_person(c, &p))
        person_page(c, &p, NULL);
}

/* Re-shows the person's page with a refusal. */
static void refuse(off_ctx *c, const person_row *p, const char *field, const char *msg,
                   const char *typed)
{
    refusal rf = {field, msg, typed};
    person_page(c, p, &rf);
}

/* POST /people/<id>/rename. */
void off_person_rename(off_ctx *c)
{
    person_row p;
    if (!open_person(c, &p))
        return;
    const char *name = off_form_get(&c->form, "name");
    const char *np = name_problem(c, name);
    if (np) {
        refuse(c, &p, "name", np, name);
        return;
    }
    char err[SRV_REF_ERR_MAX], actor[80];
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_person_rename(c->pg, actor, p.id, name, err, sizeof err);
    if (rc != SRV_REF_OK)
        ref_failed(c, rc, err);
    else
        redirect_person(c, p.id, "saved");
}

/* POST /people/<id>/role. */
void off_person_role(off_ctx *c)
{
    person_row p;
    if (!open_person(c, &p))
        return;
    int role = role_parse(off_form_get(&c->form, "role"));
    if (role < 0) {
        refuse(c, &p, "role", off_tr(c, "Choose the role: leader or peer."), NULL);
        return;
    }
    char err[SRV_REF_ERR_MAX], actor[80];
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_person_set_role(c->pg, actor, p.id, (model_role)role, err, sizeof err);
    if (rc != SRV_REF_OK)
        ref_failed(c, rc, err);
    else
        redirect_person(c, p.id, "saved");
}

/* POST /people/<id>/room: only to an active room of the person's own
 * unit (or none). */
void off_person_room(off_ctx *c)
{
    person_row p;
    if (!open_person(c, &p))
        return;
    const char *room = off_form_get(&c->form, "room");
    PGresult *rooms = unit_rooms(c, p.unit);
    if (!rooms)
        return;
    int ok = room != NULL && room_allowed(rooms, room);
    PQclear(rooms);
    if (!ok) {
        refuse(c, &p, "room", off_tr(c, "Choose one of this unit's rooms, or no room."), NULL);
        return;
    }
    char err[SRV_REF_ERR_MAX], actor[80];
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_person_set_room(c->pg, actor, p.id, room, err, sizeof err);
    if (rc == SRV_REF_INVALID)
        refuse(c, &p, "room", off_tr(c, "Choose one of this unit's rooms, or no room."), NULL);
    else if (rc != SRV_REF_OK)
        ref_failed(c, rc, err);
    else
        redirect_person(c, p.id, "saved");
}

static void set_active(off_ctx *c, int active)
{
    person_row p;
    if (!open_person(c, &p))
        return;
    char err[SRV_REF_ERR_MAX], actor[80];
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_person_set_active(c->pg, actor, p.id, active, err, sizeof err);
    if (rc != SRV_REF_OK)
        ref_failed(c, rc, err);
    else
        redirect_person(c, p.id, active ? "person-reactivated" : "person-deactivated");
}

/* POST /people/<id>/deactivate and /reactivate. */
void off_person_deactivate(off_ctx *c) { set_active(c, 0); }
void off_person_reactivate(off_ctx *c) { set_active(c, 1); }

/* Wipes a PIN the form carried (its memory is the form's own). */
static void wipe(const char *s)
{
    if (s)
        sodium_memzero((char *)s, strlen(s));
}

/* POST /people/<id>/pin: typed twice, 4 to 8 digits; never shown back. */
void off_person_pin(off_ctx *c)
{
    person_row p;
    const char *pin = off_form_get(&c->form, "pin"), *pin2 = off_form_get(&c->form, "pin2");
    if (!open_person(c, &p)) {
        wipe(pin);
        wipe(pin2);
        return;
    }
    char msg[160];
    if (!pin || model_pin_check(pin, msg, sizeof msg) != 0) {
        wipe(pin);
        wipe(pin2);
        refuse(c, &p, "pin", off_tr(c, "The PIN must be 4 to 8 digits, nothing else."), NULL);
        return;
    }
    if (!pin2 || strcmp(pin, pin2) != 0) {
        wipe(pin);
        wipe(pin2);
        refuse(c, &p, "pin2", off_tr(c, "The two PINs are not the same. Type the PIN twice again."),
               NULL);
        return;
    }
    char err[SRV_REF_ERR_MAX], actor[80];
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_person_set_pin(c->pg, actor, p.id, pin, err, sizeof err);
    wipe(pin);
    wipe(pin2);
    if (rc != SRV_REF_OK)
        ref_failed(c, rc, err);
    else
        redirect_person(c, p.id, "pin-saved");
}

/* POST /people/<id>/pin-clear. */
void off_person_pin_clear(off_ctx *c)
{
    person_row p;
    if (!open_person(c, &p))
        return;
    char err[SRV_REF_ERR_MAX], actor[80];
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_person_clear_pin(c->pg, actor, p.id, err, sizeof err);
    if (rc != SRV_REF_OK)
        ref_failed(c, rc, err);
    else
        redirect_person(c, p.id, "pin-cleared");
}

/* ---- their data ---- */

/* GET /people/<id>/export: everything the server holds about them, as a
 * JSON download; the reading is written to the audit log first, and
 * nothing is sent when it cannot be. */
void off_person_export(off_ctx *c)
{
    person_row p;
    if (!open_person(c, &p))
        return;
    char err[300];
    json_t *doc = srv_person_export(c->pg, p.id, err, sizeof err);
    if (!doc) {
        db_failed(c, "export", err);
        return;
    }
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(doc);
    if (!text) {
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    if (off_audit(c, "person.export", p.unit, p.id, "") != 0) {
        free(text);
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
        return;
    }
    off_buf_put(&c->body, text);
    off_buf_put(&c->body, "\n");
    free(text);
    char disp[120];
    snprintf(disp, sizeof disp, "attachment; filename=\"blik-person-%s.json\"", p.id);
    off_header(c, "Content-Disposition", disp);
    snprintf(c->out->content_type, sizeof c->out->content_type, "application/json");
    c->out->status = 200;
    c->done = 1;
}

/* What erasing a person takes with them. */
typedef struct {
    long observer, observee, feedback, reflections, notes;
} erase_counts;

static int count_erasure(off_ctx *c, const char *id, erase_counts *n)
{
    char err[300];
    const char *prm[] = {id};
    PGresult *r = srv_q(
        c->pg,
        "SELECT (SELECT count(*) FROM observations WHERE observer_id = $1),"
        " (SELECT count(*) FROM observations WHERE observee_id = $1 AND observer_id <> $1),"
        " count(*) FILTER (WHERE i.entity = 'feedback'),"
        " count(*) FILTER (WHERE i.entity = 'reflection'),"
        " count(*) FILTER (WHERE i.entity = 'note')"
        " FROM items i JOIN observations o ON o.id = i.observation_id"
        " WHERE o.observer_id = $1 OR o.observee_id = $1",
        1, prm, err, sizeof err);
    if (!r) {
        db_failed(c, "erase counts", err);
        return 0;
    }
    n->observer = atol(PQgetvalue(r, 0, 0));
    n->observee = atol(PQgetvalue(r, 0, 1));
    n->feedback = atol(PQgetvalue(r, 0, 2));
    n->reflections = atol(PQgetvalue(r, 0, 3));
    n->notes = atol(PQgetvalue(r, 0, 4));
    PQclear(r);
    return 1;
}

/* One item of the list of what goes: a counted sentence. */
static void count_item(off_ctx *c, const char *one, const char *many, long n)
{
    char line[300];
    snprintf(line, sizeof line, off_ntr(c, one, many, n), (int)n);
    off_buf_put(&c->body, "<li>");
    off_buf_esc(&c->body, line);
    off_buf_put(&c->body, "</li>");
}

static void erase_page(off_ctx *c, const person_row *p, const char *typed, const char *error)
{
    off_buf *b = &c->body;
    erase_counts n;
    if (!count_erasure(c, p->id, &n))
        return;
    if (error)
        c->out->status = 400;
    char title[300];
    snprintf(title, sizeof title, off_tr(c, "Erase %s"), p->name);
    off_page_begin(c, title, "people");
    if (error) {
        const char *f[] = {"confirm"}, *m[] = {error};
        off_error_summary(c, f, m, 1);
    }
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Erasing is for good and cannot be undone. It is meant for a person "
                             "who asks to be forgotten; someone who has only left the unit is "
                             "deactivated instead. This goes:"));
    off_buf_put(b, "</p><ul class=\"goes\"><li>");
    char line[400];
    snprintf(line, sizeof line, off_tr(c, "their record: %s, %s in %s"), p->name,
             role_label(c, p->leader), p->unit_name);
    off_buf_esc(b, line);
    off_buf_put(b, "</li>");
    count_item(c, "%d observation they made as observer", "%d observations they made as observer",
               n.observer);
    count_item(c, "%d observation of them by others", "%d observations of them by others",
               n.observee);
    count_item(c, "%d feedback in those observations", "%d feedback in those observations",
               n.feedback);
    count_item(c, "%d reflection in those observations", "%d reflections in those observations",
               n.reflections);
    count_item(c, "%d note in those observations", "%d notes in those observations", n.notes);
    if (p->login[0]) {
        snprintf(line, sizeof line, off_tr(c, "their office account %s"), p->login);
        off_buf_put(b, "<li>");
        off_buf_esc(b, line);
        off_buf_put(b, "</li>");
    }
    off_buf_put(b, "</ul><p>");
    off_buf_esc(b, off_tr(c, "The tablets delete the same at their next sync. If they asked for "
                             "their data, download it first:"));
    off_buf_put(b, " <a href=\"/people/");
    off_buf_url(b, p->id);
    off_buf_put(b, "/export\" download>");
    off_buf_esc(b, off_tr(c, "Download their data (JSON)"));
    off_buf_put(b, "</a></p>");
    if (!strcmp(p->id, c->user.person_id)) {
        off_buf_put(b, "<p class=\"problem\">");
        off_buf_esc(b, off_tr(c, "You cannot erase yourself. Ask another leader or an "
                                 "administrator."));
        off_buf_put(b, "</p>");
    } else {
        action_form(c, p, "erase");
        snprintf(line, sizeof line, off_tr(c, "Type %s to confirm. Capital letters count."),
                 p->name);
        off_input(c, "text", "confirm", off_tr(c, "The person's name"), typed, MODEL_NAME_MAX, line,
                  error);
        off_submit(c, off_tr(c, "Erase for good"), 1);
        off_form_end(c);
    }
    off_buf_put(b, "<p><a href=\"/people/");
    off_buf_url(b, p->id);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Cancel and go back"));
    off_buf_put(b, "</a></p>");
    off_page_end(c);
}

/* GET /people/<id>/erase: what goes, and the name to type. */
void off_person_erase_form(off_ctx *c)
{
    person_row p;
    if (open_person(c, &p))
        erase_page(c, &p, NULL, NULL);
}

/* POST /people/<id>/erase: only with the name typed as it is. */
void off_person_erase(off_ctx *c)
{
    person_row p;
    if (!open_person(c, &p))
        return;
    if (!strcmp(p.id, c->user.person_id)) {
        off_fail(c, 409, "You cannot erase yourself. Ask another leader or an administrator.");
        return;
    }
    const char *typed = off_form_get(&c->form, "confirm");
    if (!typed || strcmp(typed, p.name) != 0) {
        erase_page(c, &p, typed,
                   off_tr(c, "The name you typed is not the person's name. Nothing was erased."));
        return;
    }
    char err[300], actor[80];
    long n_obs = 0;
    off_actor(c, actor, sizeof actor);
    if (srv_person_delete(c->pg, p.id, actor, &n_obs, err, sizeof err) != 0) {
        srv_log("office: people: erase: %s", err);
        off_fail(c, 500,
                 "The change could not be saved. Nothing was changed. Try again in a "
                 "moment.");
        return;
    }
    char path[120];
    snprintf(path, sizeof path, "/people?unit=%s&done=person-erased", p.unit);
    off_redirect(c, path);
}
