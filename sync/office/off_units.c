/*
 * Units and their rooms: the list of the units a person may see, adding a
 * unit (administrators), a unit's page with its settings and rooms, and
 * the changes made from it. Every change goes through srv_ref.h, which
 * checks it, publishes it to the unit's tablets and writes the audit log;
 * the pages check the typed values first, so a refusal is a sentence in
 * the reader's language next to the field.
 *
 * Who may do what: an administrator adds units and changes a unit's name,
 * retention and whether it is in use (those touch every tablet and the
 * law on keeping data); a unit's leader, and an area leader in their
 * units, runs its rooms.
 */
#include "off_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat.h"
#include "srv_int.h"
#include "srv_ref.h"

#define RETENTION_MAX 3650

/* An error to show on a page that is drawn again after a refused form:
 * the field it belongs to, the sentence, and what was typed. */
typedef struct {
    const char *field;
    const char *msg;
    const char *value;
} form_err;

/* The counts a unit's list and page show. */
typedef struct {
    long long rooms, people, tablets, focuses;
} unit_counts;

#define COUNTS_SQL                                                                                 \
    "(SELECT count(*) FROM rooms r WHERE r.unit_id = u.id AND r.active),"                          \
    " (SELECT count(*) FROM people p WHERE p.unit_id = u.id AND p.active),"                        \
    " (SELECT count(*) FROM devices d WHERE d.unit_id = u.id AND d.revoked_at IS NULL),"           \
    " (SELECT count(DISTINCT f.id) FROM focuses f WHERE f.unit_id = u.id AND NOT EXISTS"           \
    "  (SELECT 1 FROM focuses g WHERE g.id = f.id AND g.retired_at IS NOT NULL))"

static void read_counts(PGresult *r, int row, int col, unit_counts *k)
{
    k->rooms = atoll(PQgetvalue(r, row, col));
    k->people = atoll(PQgetvalue(r, row, col + 1));
    k->tablets = atoll(PQgetvalue(r, row, col + 2));
    k->focuses = atoll(PQgetvalue(r, row, col + 3));
}

static void db_failed(off_ctx *c, const char *err)
{
    srv_log("office: units: %s", err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

/* Answers a refused or failed srv_ref call that the page could not
 * foresee; 1 when rc was SRV_REF_OK (nothing answered). */
static int ref_ok(off_ctx *c, srv_ref_rc rc, const char *err)
{
    switch (rc) {
    case SRV_REF_OK: return 1;
    case SRV_REF_NOTFOUND: off_fail(c, 404, "There is no such page."); return 0;
    case SRV_REF_INVALID:
        srv_log("office: units: refused: %s", err);
        off_fail(c, 400, "The change could not be stored. Go back and check what you typed.");
        return 0;
    default: db_failed(c, err); return 0;
    }
}

/* Writes "N <what>" with the plural from the catalogue. */
static void count_text(off_ctx *c, const char *one, const char *many, long long n)
{
    char s[120];
    snprintf(s, sizeof s, off_ntr(c, one, many, n), n);
    off_buf_esc(&c->body, s);
}

/* The counts of one unit as cells of the units' table. The counts say
 * what they count, so on a narrow screen, where the table is a list
 * without its head, they need no column names. */
static void counts_cells(off_ctx *c, const unit_counts *k)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<td>");
    count_text(c, "%lld room", "%lld rooms", k->rooms);
    off_buf_put(b, "</td><td>");
    count_text(c, "%lld person", "%lld people", k->people);
    off_buf_put(b, "</td><td>");
    count_text(c, "%lld tablet", "%lld tablets", k->tablets);
    off_buf_put(b, "</td><td>");
    count_text(c, "%lld learning focus", "%lld learning focuses", k->focuses);
    off_buf_put(b, "</td>");
}

/* A name typed into a form: NULL when it may be stored, else why not. */
static const char *name_problem(off_ctx *c, const char *name)
{
    if (!name || !*name || strspn(name, " \t\n") == strlen(name))
        return off_tr(c, "Write a name.");
    if (strlen(name) > MODEL_NAME_MAX)
        return off_tr(c, "The name is too long. Use a shorter name.");
    if (model_name_check(name, MODEL_NAME_MAX, "name", NULL, 0) != 0)
        return off_tr(c, "The name cannot hold line breaks.");
    return NULL;
}

/* Days of retention typed into a form: 1..RETENTION_MAX, digits only. */
static const char *retention_problem(off_ctx *c, const char *text, int *days)
{
    size_t n = text ? strlen(text) : 0;
    if (n == 0 || n > 4 || strspn(text, "0123456789") != n)
        return off_tr(c, "Write the number of days as a whole number from 1 to 3650.");
    *days = atoi(text);
    if (*days < 1 || *days > RETENTION_MAX)
        return off_tr(c, "Write the number of days as a whole number from 1 to 3650.");
    return NULL;
}

/* The path /units/<id>[suffix] into out (ids are checked UUIDs). */
static void unit_path(char *out, size_t cap, const char *unit, const char *suffix)
{
    snprintf(out, cap, "/units/%s%s", unit, suffix);
}

/* ---- the list ---- */

static void units_table(off_ctx *c, PGresult *r, int active)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<table class=\"wide\"><thead><tr><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Unit"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Rooms"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "People"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Tablets"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Learning focuses"));
    off_buf_put(b, "</th></tr></thead><tbody>");
    for (int i = 0; i < PQntuples(r); i++) {
        if ((PQgetvalue(r, i, 2)[0] == 't') != active)
            continue;
        unit_counts k;
        read_counts(r, i, 3, &k);
        off_buf_put(b, "<tr><td><a href=\"/units/");
        off_buf_url(b, PQgetvalue(r, i, 0));
        off_buf_put(b, "\">");
        off_buf_esc(b, PQgetvalue(r, i, 1));
        off_buf_put(b, "</a></td>");
        counts_cells(c, &k);
        off_buf_put(b, "</tr>");
    }
    off_buf_put(b, "</tbody></table>");
}

/* GET /units: an administrator sees every unit, an area leader theirs, a
 * leader goes straight to their own unit's page. */
void off_units(off_ctx *c)
{
    const off_user *u = &c->user;
    char err[300], path[80];
    if (u->role == OFF_ROLE_LEADER) {
        if (!u->unit_id[0]) {
            off_fail(c, 403, "You do not have access to this page.");
            return;
        }
        unit_path(path, sizeof path, u->unit_id, "");
        off_redirect(c, path);
        return;
    }
    PGresult *r;
    if (u->role == OFF_ROLE_ADMIN) {
        r = srv_q(c->pg,
                  "SELECT u.id, u.name, u.active, " COUNTS_SQL " FROM units u"
                  " ORDER BY u.name, u.id",
                  0, NULL, err, sizeof err);
    } else {
        const char *p[] = {u->account_id};
        r = srv_q(c->pg,
                  "SELECT u.id, u.name, u.active, " COUNTS_SQL " FROM units u"
                  " JOIN account_units a ON a.unit_id = u.id WHERE a.account_id = $1"
                  " ORDER BY u.name, u.id",
                  1, p, err, sizeof err);
    }
    if (!r) {
        db_failed(c, err);
        return;
    }
    off_buf *b = &c->body;
    int n = PQntuples(r), inactive = 0;
    for (int i = 0; i < n; i++)
        inactive += PQgetvalue(r, i, 2)[0] != 't';
    off_page_begin(c, off_tr(c, "Units"), "units");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "A unit is one institution, such as a kindergarten, a school or a "
                             "department. Its rooms, people, tablets and learning focuses belong "
                             "to it, and its data is kept apart from other units."));
    off_buf_put(b, "</p>");
    if (u->role == OFF_ROLE_ADMIN) {
        off_buf_put(b, "<p><a href=\"/units/new\">");
        off_buf_esc(b, off_tr(c, "Add a unit"));
        off_buf_put(b, "</a></p>");
    }
    if (n - inactive == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, u->role == OFF_ROLE_ADMIN
                                     ? "There are no units yet. Add the first one."
                                     : "No unit has been given to you yet. Ask your "
                                       "administrator."));
        off_buf_put(b, "</p>");
    } else {
        units_table(c, r, 1);
    }
    if (inactive > 0) {
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, "Deactivated units"));
        off_buf_put(b, "</h2>");
        units_table(c, r, 0);
    }
    PQclear(r);
    off_page_end(c);
}

/* ---- adding a unit ---- */

static const char *retention_hint(off_ctx *c)
{
    return off_tr(c, "How many days observations are kept. Older observations are deleted on the "
                     "server and on the tablets, counted from the day the server received them. "
                     "1 to 3650 days.");
}

static void new_unit_form(off_ctx *c, const char *id, const char *name, const char *days,
                          const form_err *errs, int n_errs)
{
    off_buf *b = &c->body;
    const char *ne = NULL, *re = NULL;
    const char *fields[2], *msgs[2];
    for (int i = 0; i < n_errs; i++) {
        fields[i] = errs[i].field;
        msgs[i] = errs[i].msg;
        if (!strcmp(errs[i].field, "name"))
            ne = errs[i].msg;
        else
            re = errs[i].msg;
    }
    off_page_begin(c, off_tr(c, "Add a unit"), "units");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Give the unit the name its staff know it by. You add its rooms, "
                             "people and tablets on its page afterwards."));
    off_buf_put(b, "</p>");
    off_error_summary(c, fields, msgs, n_errs);
    off_form_begin(c, "/units/new");
    off_buf_put(b, "<input type=\"hidden\" name=\"id\" value=\"");
    off_buf_esc(b, id);
    off_buf_put(b, "\">");
    off_input(c, "text", "name", off_tr(c, "Name"), name, MODEL_NAME_MAX, NULL, ne);
    off_input(c, "number", "retention", off_tr(c, "Retention in days"), days, 4, retention_hint(c),
              re);
    off_submit(c, off_tr(c, "Add the unit"), 0);
    off_form_end(c);
    off_page_end(c);
}

/* GET /units/new. The form carries the new unit's id, so that sending it
 * twice (a double click, going back and sending again) makes one unit. */
void off_unit_new_form(off_ctx *c)
{
    model_id id;
    if (model_id_new(plat_sys_os(), id) != 0) {
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    new_unit_form(c, id, "", "365", NULL, 0);
}

/* POST /units/new */
void off_unit_new(off_ctx *c)
{
    const char *id = off_form_get(&c->form, "id");
    const char *name = off_form_get(&c->form, "name");
    const char *days = off_form_get(&c->form, "retention");
    if (!id || model_id_check(id, "id", NULL, 0) != 0) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return;
    }
    char err[SRV_REF_ERR_MAX], path[80];
    srv_ref_unit existing;
    srv_ref_rc rc = srv_ref_unit_get(c->pg, id, &existing, err, sizeof err);
    if (rc == SRV_REF_OK) {
        /* This form was sent before: the unit it made is the answer. */
        unit_path(path, sizeof path, id, "?done=added");
        off_redirect(c, path);
        return;
    }
    if (rc != SRV_REF_NOTFOUND) {
        db_failed(c, err);
        return;
    }
    form_err errs[2];
    int n = 0, d = 0;
    const char *m = name_problem(c, name);
    if (m)
        errs[n++] = (form_err){"name", m, name};
    if ((m = retention_problem(c, days, &d)))
        errs[n++] = (form_err){"retention", m, days};
    if (n > 0) {
        c->out->status = 400;
        new_unit_form(c, id, name ? name : "", days ? days : "", errs, n);
        return;
    }
    char actor[80];
    off_actor(c, actor, sizeof actor);
    model_id out;
    rc = srv_ref_unit_add(c->pg, actor, id, name, d, out, err, sizeof err);
    if (!ref_ok(c, rc, err))
        return;
    unit_path(path, sizeof path, out, "?done=added");
    off_redirect(c, path);
}

/* ---- a unit's page ---- */

/* Looks up the unit of the address and checks the user may act on it
 * with role least; 0 when an answer was made (404 or 403). */
static int load_unit(off_ctx *c, const char *id, off_role least, srv_ref_unit *u)
{
    char err[SRV_REF_ERR_MAX];
    srv_ref_rc rc = srv_ref_unit_get(c->pg, id, u, err, sizeof err);
    if (rc != SRV_REF_OK) {
        if (rc == SRV_REF_NOTFOUND)
            off_fail(c, 404, "There is no such page.");
        else
            db_failed(c, err);
        return 0;
    }
    return off_require_unit(c, u->unit.id, least);
}

/* A card linking to one of the unit's lists, with its count (n < 0:
 * none). */
static void link_item(off_ctx *c, const char *path, const char *unit, const char *msgid,
                      const char *one, const char *many, long long n)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<li><a href=\"");
    off_buf_put(b, path);
    off_buf_put(b, "?unit=");
    off_buf_url(b, unit);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, msgid));
    off_buf_put(b, "</a>");
    if (n >= 0) {
        off_buf_put(b, "<br><span class=\"muted\">");
        count_text(c, one, many, n);
        off_buf_put(b, "</span>");
    }
    off_buf_put(b, "</li>");
}

static const form_err *err_for(const form_err *e, const char *field)
{
    return e && e->field && !strcmp(e->field, field) ? e : NULL;
}

static void rooms_section(off_ctx *c, const srv_ref_unit *u, const form_err *fe)
{
    off_buf *b = &c->body;
    srv_ref_room *rooms = NULL;
    int n = 0;
    char err[SRV_REF_ERR_MAX], path[120], field[64];
    if (srv_ref_rooms(c->pg, u->unit.id, &rooms, &n, err, sizeof err) != SRV_REF_OK) {
        srv_log("office: rooms: %s", err);
        off_buf_put(b, "<p class=\"problem\">");
        off_buf_esc(b, off_tr(c, "The database did not answer. Try again in a moment."));
        off_buf_put(b, "</p>");
        return;
    }
    off_buf_put(b, "<h2 id=\"rooms\">");
    off_buf_esc(b, off_tr(c, "Rooms"));
    off_buf_put(b, "</h2><p>");
    off_buf_esc(b, off_tr(c, "The rooms where observations are made. People are placed in a "
                             "room, and the tablets show the rooms after their next update."));
    off_buf_put(b, "</p>");
    int active = 0;
    for (int i = 0; i < n; i++)
        active += rooms[i].active;
    if (active == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "The unit has no rooms yet."));
        off_buf_put(b, "</p>");
    } else {
        off_buf_put(b, "<ul class=\"cards\">");
        for (int i = 0; i < n; i++) {
            const srv_ref_room *r = &rooms[i];
            if (!r->active)
                continue;
            snprintf(field, sizeof field, "name-%s", r->room.id);
            const form_err *e = err_for(fe, field);
            off_buf_put(b, "<li>");
            snprintf(path, sizeof path, "/rooms/%s/rename", r->room.id);
            off_form_begin(c, path);
            char label[200];
            snprintf(label, sizeof label, "%s: %s", off_tr(c, "The room's name"), r->room.name);
            off_input(c, "text", field, label, e ? e->value : r->room.name, MODEL_NAME_MAX, NULL,
                      e ? e->msg : NULL);
            off_buf_put(b, "<div class=\"actions\">");
            off_submit(c, off_tr(c, "Rename"), 0);
            off_buf_put(b, "</div>");
            off_form_end(c);
            snprintf(path, sizeof path, "/rooms/%s/deactivate", r->room.id);
            off_form_begin(c, path);
            off_buf_put(b, "<button type=\"submit\" class=\"secondary\">");
            off_buf_esc(b, off_tr(c, "Close the room"));
            off_buf_put(b, "<span class=\"visually-hidden\"> ");
            off_buf_esc(b, r->room.name);
            off_buf_put(b, "</span></button>");
            off_form_end(c);
            off_buf_put(b, "</li>");
        }
        off_buf_put(b, "</ul><p class=\"muted\">");
        off_buf_esc(b, off_tr(c, "A closed room keeps its observations, but it leaves the lists "
                                 "here and nobody can be placed in it. Tablets keep showing it "
                                 "until it is opened again or renamed."));
        off_buf_put(b, "</p>");
    }
    if (active < n) {
        off_buf_put(b, "<h3>");
        off_buf_esc(b, off_tr(c, "Closed rooms"));
        off_buf_put(b, "</h3><ul>");
        for (int i = 0; i < n; i++) {
            if (rooms[i].active)
                continue;
            off_buf_put(b, "<li class=\"actions\"><span>");
            off_buf_esc(b, rooms[i].room.name);
            off_buf_put(b, "</span>");
            snprintf(path, sizeof path, "/rooms/%s/reactivate", rooms[i].room.id);
            off_form_begin(c, path);
            off_buf_put(b, "<button type=\"submit\" class=\"secondary\">");
            off_buf_esc(b, off_tr(c, "Open the room again"));
            off_buf_put(b, "<span class=\"visually-hidden\"> ");
            off_buf_esc(b, rooms[i].room.name);
            off_buf_put(b, "</span></button>");
            off_form_end(c);
            off_buf_put(b, "</li>");
        }
        off_buf_put(b, "</ul>");
    }
    free(rooms);
    off_buf_put(b, "<h3>");
    off_buf_esc(b, off_tr(c, "Add a room"));
    off_buf_put(b, "</h3>");
    model_id fresh;
    if (model_id_new(plat_sys_os(), fresh) != 0)
        return;
    const form_err *e = err_for(fe, "room");
    unit_path(path, sizeof path, u->unit.id, "/rooms");
    off_form_begin(c, path);
    off_buf_put(b, "<input type=\"hidden\" name=\"id\" value=\"");
    off_buf_esc(b, fresh);
    off_buf_put(b, "\">");
    off_input(c, "text", "room", off_tr(c, "The room's name"), e ? e->value : "", MODEL_NAME_MAX,
              NULL, e ? e->msg : NULL);
    off_submit(c, off_tr(c, "Add the room"), 0);
    off_form_end(c);
}

static void settings_section(off_ctx *c, const srv_ref_unit *u, const form_err *fe)
{
    off_buf *b = &c->body;
    char path[120], days[16];
    off_buf_put(b, "<h2>");
    off_buf_esc(b, off_tr(c, "Settings"));
    off_buf_put(b, "</h2>");
    snprintf(days, sizeof days, "%d", u->unit.retention_days);
    if (c->user.role != OFF_ROLE_ADMIN) {
        off_buf_put(b, "<dl><dt>");
        off_buf_esc(b, off_tr(c, "Retention in days"));
        off_buf_put(b, "</dt><dd>");
        off_buf_esc(b, days);
        off_buf_put(b, "</dd></dl><p class=\"muted\">");
        off_buf_esc(b, off_tr(c, "Only an administrator can change the unit's name, retention "
                                 "and whether it is in use."));
        off_buf_put(b, "</p>");
        return;
    }
    const form_err *e = err_for(fe, "name");
    unit_path(path, sizeof path, u->unit.id, "/rename");
    off_form_begin(c, path);
    off_input(c, "text", "name", off_tr(c, "Name"), e ? e->value : u->unit.name, MODEL_NAME_MAX,
              NULL, e ? e->msg : NULL);
    off_submit(c, off_tr(c, "Rename"), 0);
    off_form_end(c);
    e = err_for(fe, "retention");
    unit_path(path, sizeof path, u->unit.id, "/retention");
    off_form_begin(c, path);
    off_input(c, "number", "retention", off_tr(c, "Retention in days"), e ? e->value : days, 4,
              retention_hint(c), e ? e->msg : NULL);
    off_submit(c, off_tr(c, "Save the retention"), 0);
    off_form_end(c);
    off_buf_put(b, "<h3>");
    off_buf_esc(b, off_tr(c, u->active ? "Deactivate the unit" : "Reactivate the unit"));
    off_buf_put(b, "</h3><p>");
    off_buf_esc(b, off_tr(c, "A deactivated unit keeps everything: its tablets keep working and "
                             "sending, nothing recorded is lost, and retention runs as before. It "
                             "gets no new enrolment codes and is listed apart. You can reactivate "
                             "it at any time."));
    off_buf_put(b, "</p>");
    unit_path(path, sizeof path, u->unit.id, u->active ? "/deactivate" : "/reactivate");
    off_form_begin(c, path);
    off_submit(c, off_tr(c, u->active ? "Deactivate the unit" : "Reactivate the unit"), u->active);
    off_form_end(c);
}

/* Draws the unit's page; fe (may be NULL) is an error to show by its
 * field, after a refused form (the caller set status 400). */
static void unit_page(off_ctx *c, const srv_ref_unit *u, const form_err *fe)
{
    off_buf *b = &c->body;
    char err[300];
    const char *p[] = {u->unit.id};
    PGresult *r = srv_q(c->pg, "SELECT " COUNTS_SQL " FROM units u WHERE u.id = $1", 1, p, err,
                        sizeof err);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        db_failed(c, err);
        return;
    }
    unit_counts k;
    read_counts(r, 0, 0, &k);
    PQclear(r);
    off_page_begin(c, u->unit.name, "units");
    if (fe) {
        char anchor[80];
        snprintf(anchor, sizeof anchor, "%s", fe->field);
        const char *fields[] = {anchor}, *msgs[] = {fe->msg};
        off_error_summary(c, fields, msgs, 1);
    }
    if (!u->active) {
        off_buf_put(b, "<p class=\"problem\">");
        off_buf_esc(b, off_tr(c, "This unit is deactivated. It gets no new enrolment codes."));
        off_buf_put(b, "</p>");
    }
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Here you run the unit: its rooms and settings, and the way to its "
                             "people, learning focuses, templates and tablets."));
    off_buf_put(b, "</p><ul class=\"cards\">");
    link_item(c, "/people", u->unit.id, "People", "%lld person", "%lld people", k.people);
    link_item(c, "/focuses", u->unit.id, "Learning focuses", "%lld learning focus",
              "%lld learning focuses", k.focuses);
    link_item(c, "/templates", u->unit.id, "Templates", NULL, NULL, -1);
    link_item(c, "/tablets", u->unit.id, "Tablets", "%lld tablet", "%lld tablets", k.tablets);
    off_buf_put(b, "</ul>");
    rooms_section(c, u, fe);
    settings_section(c, u, fe);
    off_page_end(c);
}

/* GET /units/<id> */
void off_unit(off_ctx *c)
{
    srv_ref_unit u;
    if (load_unit(c, c->args[0], OFF_ROLE_LEADER, &u))
        unit_page(c, &u, NULL);
}

/* Redirects to the unit's page with a confirmation. */
static void back_to_unit(off_ctx *c, const char *unit, const char *done)
{
    char path[120];
    snprintf(path, sizeof path, "/units/%s?done=%s", unit, done);
    off_redirect(c, path);
}

/* POST /units/<id>/rename */
void off_unit_rename(off_ctx *c)
{
    srv_ref_unit u;
    if (!load_unit(c, c->args[0], OFF_ROLE_ADMIN, &u))
        return;
    const char *name = off_form_get(&c->form, "name");
    const char *m = name_problem(c, name);
    if (m) {
        form_err fe = {"name", m, name ? name : ""};
        c->out->status = 400;
        unit_page(c, &u, &fe);
        return;
    }
    char actor[80], err[SRV_REF_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    if (ref_ok(c, srv_ref_unit_rename(c->pg, actor, u.unit.id, name, err, sizeof err), err))
        back_to_unit(c, u.unit.id, "saved");
}

/* POST /units/<id>/retention */
void off_unit_retention(off_ctx *c)
{
    srv_ref_unit u;
    if (!load_unit(c, c->args[0], OFF_ROLE_ADMIN, &u))
        return;
    const char *days = off_form_get(&c->form, "retention");
    int d = 0;
    const char *m = retention_problem(c, days, &d);
    if (m) {
        form_err fe = {"retention", m, days ? days : ""};
        c->out->status = 400;
        unit_page(c, &u, &fe);
        return;
    }
    char actor[80], err[SRV_REF_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    if (ref_ok(c, srv_ref_unit_set_retention(c->pg, actor, u.unit.id, d, err, sizeof err), err))
        back_to_unit(c, u.unit.id, "saved");
}

static void unit_active(off_ctx *c, int active)
{
    srv_ref_unit u;
    if (!load_unit(c, c->args[0], OFF_ROLE_ADMIN, &u))
        return;
    char actor[80], err[SRV_REF_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    if (ref_ok(c, srv_ref_unit_set_active(c->pg, actor, u.unit.id, active, err, sizeof err), err))
        back_to_unit(c, u.unit.id, active ? "reactivated" : "deactivated");
}

/* POST /units/<id>/deactivate, /units/<id>/reactivate */
void off_unit_deactivate(off_ctx *c) { unit_active(c, 0); }
void off_unit_reactivate(off_ctx *c) { unit_active(c, 1); }

/* ---- rooms ---- */

/* POST /units/<id>/rooms: adds a room. Like a new unit, the form carries
 * the room's id, so sending it twice makes one room. */
void off_unit_room_add(off_ctx *c)
{
    srv_ref_unit u;
    if (!load_unit(c, c->args[0], OFF_ROLE_LEADER, &u))
        return;
    const char *id = off_form_get(&c->form, "id");
    const char *name = off_form_get(&c->form, "room");
    if (!id || model_id_check(id, "id", NULL, 0) != 0) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return;
    }
    char actor[80], err[SRV_REF_ERR_MAX];
    srv_ref_room old;
    srv_ref_rc rc = srv_ref_room_get(c->pg, id, &old, err, sizeof err);
    if (rc == SRV_REF_OK) {
        if (strcmp(old.room.unit_id, u.unit.id) != 0) {
            off_fail(c, 400, "The form could not be read. Go back and send it again.");
            return;
        }
        back_to_unit(c, u.unit.id, "added");
        return;
    }
    if (rc != SRV_REF_NOTFOUND) {
        db_failed(c, err);
        return;
    }
    const char *m = name_problem(c, name);
    if (m) {
        form_err fe = {"room", m, name ? name : ""};
        c->out->status = 400;
        unit_page(c, &u, &fe);
        return;
    }
    off_actor(c, actor, sizeof actor);
    model_id out;
    rc = srv_ref_room_add(c->pg, actor, u.unit.id, id, name, out, err, sizeof err);
    if (ref_ok(c, rc, err))
        back_to_unit(c, u.unit.id, "added");
}

/* Looks up the room of the address and its unit, and checks the user may
 * run that unit; 0 when an answer was made. */
static int load_room(off_ctx *c, srv_ref_room *r, srv_ref_unit *u)
{
    char err[SRV_REF_ERR_MAX];
    srv_ref_rc rc = srv_ref_room_get(c->pg, c->args[0], r, err, sizeof err);
    if (rc != SRV_REF_OK) {
        if (rc == SRV_REF_NOTFOUND)
            off_fail(c, 404, "There is no such page.");
        else
            db_failed(c, err);
        return 0;
    }
    return load_unit(c, r->room.unit_id, OFF_ROLE_LEADER, u);
}

/* POST /rooms/<id>/rename (the field is "name-<id>", as each room's form
 * on the unit's page has its own) */
void off_room_rename(off_ctx *c)
{
    srv_ref_room r;
    srv_ref_unit u;
    if (!load_room(c, &r, &u))
        return;
    char field[64];
    snprintf(field, sizeof field, "name-%s", r.room.id);
    const char *name = off_form_get(&c->form, field);
    const char *m = name_problem(c, name);
    if (m) {
        form_err fe = {field, m, name ? name : ""};
        c->out->status = 400;
        unit_page(c, &u, &fe);
        return;
    }
    char actor[80], err[SRV_REF_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    if (ref_ok(c, srv_ref_room_rename(c->pg, actor, r.room.id, name, err, sizeof err), err))
        back_to_unit(c, u.unit.id, "saved");
}

static void room_active(off_ctx *c, int active)
{
    srv_ref_room r;
    srv_ref_unit u;
    if (!load_room(c, &r, &u))
        return;
    char actor[80], err[SRV_REF_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    if (ref_ok(c, srv_ref_room_set_active(c->pg, actor, r.room.id, active, err, sizeof err), err))
        back_to_unit(c, u.unit.id, active ? "room-opened" : "room-closed");
}

/* POST /rooms/<id>/deactivate, /rooms/<id>/reactivate */
void off_room_deactivate(off_ctx *c) { room_active(c, 0); }
void off_room_reactivate(off_ctx *c) { room_active(c, 1); }
