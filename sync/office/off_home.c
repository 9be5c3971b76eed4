/*
 * The overview a signed-in person lands on. For whoever sets units up, it
 * is the path from an empty server to a tablet observing: for each unit
 * the steps (rooms, people with a PIN, a template, a learning focus, a
 * tablet) with what is done and a link to the next, so an administrator
 * who comes back after months sees where they left off.
 */
#include "off_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"

/* The counts behind the steps, for the units in ids (a text[] literal). */
static PGresult *unit_counts(off_ctx *c, const char *ids)
{
    const char *p[] = {ids};
    char err[300];
    PGresult *r = srv_q(
        c->pg,
        "SELECT u.id, u.name,"
        " (SELECT count(*) FROM rooms r WHERE r.unit_id = u.id AND r.active),"
        " (SELECT count(*) FROM people p WHERE p.unit_id = u.id AND p.active),"
        " (SELECT count(*) FROM people p WHERE p.unit_id = u.id AND p.active"
        "   AND p.pin_verifier <> ''),"
        " (SELECT count(DISTINCT t.id) FROM templates t WHERE t.unit_id = u.id"
        "   AND t.retired_at IS NULL),"
        " (SELECT count(DISTINCT f.id) FROM focuses f WHERE f.unit_id = u.id"
        "   AND f.retired_at IS NULL),"
        " (SELECT count(*) FROM devices d WHERE d.unit_id = u.id AND d.revoked_at IS NULL)"
        " FROM units u WHERE u.id = ANY($1::text[]) ORDER BY u.name, u.id",
        1, p, err, sizeof err);
    if (!r) {
        srv_log("office: overview: %s", err);
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
    }
    return r;
}

/* One step of a unit's setup: done or not, in words as well as a mark. */
static void step(off_ctx *c, int done, const char *what, const char *path, const char *unit, long n,
                 const char *singular, const char *plural)
{
    off_buf *b = &c->body;
    off_buf_printf(b, "<li class=\"%s\"><span class=\"mark\" aria-hidden=\"true\">%s</span> ",
                   done ? "done" : "todo", done ? "&#10003;" : "&#9675;");
    off_buf_put(b, "<a href=\"");
    off_buf_put(b, path);
    off_buf_url(b, unit);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, what));
    off_buf_put(b, "</a> <span class=\"muted\">");
    char num[160];
    snprintf(num, sizeof num, off_ntr(c, singular, plural, n), n);
    off_buf_esc(b, num);
    off_buf_put(b, " · ");
    off_buf_esc(b, off_tr(c, done ? "done" : "not yet"));
    off_buf_put(b, "</span></li>");
}

static void unit_card(off_ctx *c, PGresult *r, int i)
{
    off_buf *b = &c->body;
    const char *id = PQgetvalue(r, i, 0);
    long rooms = atol(PQgetvalue(r, i, 2)), people = atol(PQgetvalue(r, i, 3)),
         pins = atol(PQgetvalue(r, i, 4)), tmpls = atol(PQgetvalue(r, i, 5)),
         focuses = atol(PQgetvalue(r, i, 6)), tablets = atol(PQgetvalue(r, i, 7));
    off_buf_put(b, "<li><h3><a href=\"/units/");
    off_buf_url(b, id);
    off_buf_put(b, "\">");
    off_buf_esc(b, PQgetvalue(r, i, 1));
    off_buf_put(b, "</a></h3><ol class=\"steps\">");
    step(c, rooms > 0, "Rooms", "/units/", id, rooms, "%ld room", "%ld rooms");
    step(c, people > 0 && pins > 0, "People and their PINs", "/people?unit=", id, pins,
         "%ld person can sign in on a tablet", "%ld people can sign in on a tablet");
    step(c, tmpls > 0, "Templates", "/templates?unit=", id, tmpls, "%ld template", "%ld templates");
    step(c, focuses > 0, "Learning focuses", "/focuses?unit=", id, focuses, "%ld learning focus",
         "%ld learning focuses");
    step(c, tablets > 0, "Tablets", "/tablets?unit=", id, tablets, "%ld tablet enrolled",
         "%ld tablets enrolled");
    off_buf_put(b, "</ol></li>");
}

void off_home(off_ctx *c)
{
    off_buf *b = &c->body;
    PGresult *units = off_visible_units(c);
    if (!units)
        return;
    int n = PQntuples(units);
    off_buf ids = {0};
    off_buf_put(&ids, "{");
    for (int i = 0; i < n; i++) {
        off_buf_put(&ids, i ? "," : "");
        off_buf_put(&ids, PQgetvalue(units, i, 0));
    }
    off_buf_put(&ids, "}");
    char *idl = off_buf_take(&ids, NULL);
    PQclear(units);
    if (!idl) {
        off_fail(c, 500, "The server ran out of memory.");
        return;
    }
    PGresult *r = c->user.role >= OFF_ROLE_LEADER ? unit_counts(c, idl) : NULL;
    free(idl);
    if (c->user.role >= OFF_ROLE_LEADER && !r)
        return;
    off_page_begin(c, off_tr(c, "Overview"), "home");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Signed in as"));
    off_buf_put(b, " <strong>");
    off_buf_esc(b, c->user.name);
    off_buf_put(b, "</strong> (");
    off_buf_esc(b, c->user.login);
    off_buf_put(b, ").</p>");
    if (c->user.role < OFF_ROLE_LEADER) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "Here you can see the learning focuses your team has agreed "
                                 "on and change your password under Your account."));
        off_buf_put(b, "</p><ul><li><a href=\"/focuses\">");
        off_buf_esc(b, off_tr(c, "Learning focuses"));
        off_buf_put(b, "</a></li><li><a href=\"/account\">");
        off_buf_esc(b, off_tr(c, "Your account"));
        off_buf_put(b, "</a></li></ul>");
        off_page_end(c);
        return;
    }
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "A unit is ready for observation when it has rooms, people who "
                             "can sign in on a tablet with a PIN, a template, a learning focus "
                             "and an enrolled tablet. The steps below show how far each of "
                             "your units has come."));
    off_buf_put(b, "</p>");
    if (PQntuples(r) == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, c->user.role == OFF_ROLE_ADMIN
                                     ? "There are no units yet. Add the first one under Units."
                                     : "No unit has been given to you yet. Ask your "
                                       "administrator."));
        off_buf_put(b, "</p>");
        if (c->user.role == OFF_ROLE_ADMIN) {
            off_buf_put(b, "<p><a class=\"button\" href=\"/units/new\">");
            off_buf_esc(b, off_tr(c, "Add a unit"));
            off_buf_put(b, "</a></p>");
        }
    } else {
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, "Your units"));
        off_buf_put(b, "</h2><ul class=\"cards units\">");
        for (int i = 0; i < PQntuples(r); i++)
            unit_card(c, r, i);
        off_buf_put(b, "</ul>");
    }
    PQclear(r);
    off_page_end(c);
}
