/*
 * A unit's tablets: the list with each tablet's state and last contact, a
 * new enrolment code shown large once, and revoking a tablet with or
 * without a wipe, each behind a page that says what will happen on the
 * tablet. The rows and rules are srv_ref.h's, shared with the command
 * line; the tablets meet them in the sync protocol.
 */
#include "off_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srv_ref.h"

static void db_failed(off_ctx *c, const char *err)
{
    srv_log("office: tablets: %s", err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

/* A moment in the server's local time, as the reader writes dates. */
static void fmt_time(const off_ctx *c, long long t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) ||
        !strftime(out, cap, !strcmp(c->lang, "en") ? "%Y-%m-%d %H:%M" : "%d.%m.%Y kl. %H.%M", &tm))
        snprintf(out, cap, "?");
}

/* How long ago t was, in words ("for 5 minutter siden"). */
static void fmt_ago(const off_ctx *c, long long t, char *out, size_t cap)
{
    long long s = (long long)time(NULL) - t;
    if (s < 60) {
        snprintf(out, cap, "%s", off_tr(c, "just now"));
    } else if (s < 3600) {
        snprintf(out, cap, off_ntr(c, "%lld minute ago", "%lld minutes ago", s / 60), s / 60);
    } else if (s < 86400) {
        snprintf(out, cap, off_ntr(c, "%lld hour ago", "%lld hours ago", s / 3600), s / 3600);
    } else {
        snprintf(out, cap, off_ntr(c, "%lld day ago", "%lld days ago", s / 86400), s / 86400);
    }
}

/* Writes a moment and how long ago it was: "1.12.2026 kl. 17.40 (for 5
 * minutter siden)". */
static void when(off_ctx *c, long long t)
{
    char a[64], b[64];
    fmt_time(c, t, a, sizeof a);
    fmt_ago(c, t, b, sizeof b);
    off_buf_esc(&c->body, a);
    off_buf_put(&c->body, " <span class=\"muted\">(");
    off_buf_esc(&c->body, b);
    off_buf_put(&c->body, ")</span>");
}

static const char *state_text(const srv_ref_device *d)
{
    switch (d->state) {
    case SRV_REF_DEVICE_ACTIVE: return "Active";
    case SRV_REF_DEVICE_REVOKED: return "Revoked";
    case SRV_REF_DEVICE_WIPE_ASKED: return "Revoked, wipe asked for";
    default: return "Revoked, wipe sent";
    }
}

/* The tablet's name, or words for a tablet enrolled without one. */
static const char *device_name(const off_ctx *c, const srv_ref_device *d)
{
    return d->name[0] ? d->name : off_tr(c, "(no name)");
}

/* The unit a list is about: ?unit=, or the only unit the user has, into
 * *u; 1 when the user may see it. 0 when an answer was made, or when the
 * user must choose: *choices then holds the units they may see (id,
 * name; the caller PQclear()s it). */
static int choose_unit(off_ctx *c, srv_ref_unit *u, PGresult **choices)
{
    *choices = NULL;
    const char *id = off_form_get(&c->query, "unit");
    model_id only;
    if (!id) {
        PGresult *r = off_visible_units(c);
        if (!r)
            return 0;
        if (PQntuples(r) != 1) {
            *choices = r;
            return 0;
        }
        snprintf(only, sizeof only, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        id = only;
    }
    char e2[SRV_REF_ERR_MAX];
    srv_ref_rc rc = srv_ref_unit_get(c->pg, id, u, e2, sizeof e2);
    if (rc == SRV_REF_NOTFOUND) {
        off_fail(c, 404, "There is no such page.");
        return 0;
    }
    if (rc != SRV_REF_OK) {
        db_failed(c, e2);
        return 0;
    }
    return off_require_unit(c, u->unit.id, OFF_ROLE_LEADER);
}

static void enrol_form(off_ctx *c, const srv_ref_unit *u)
{
    off_buf *b = &c->body;
    char path[120];
    off_buf_put(b, "<h2>");
    off_buf_esc(b, off_tr(c, "Enrol a tablet"));
    off_buf_put(b, "</h2><p>");
    if (!u->active) {
        off_buf_esc(b, off_tr(c, "This unit is deactivated. It gets no new enrolment codes."));
        off_buf_put(b, "</p>");
        return;
    }
    off_buf_esc(b, off_tr(c, "A tablet joins the unit with an enrolment code. Each code works "
                             "once, for one tablet, until it expires."));
    off_buf_put(b, "</p>");
    snprintf(path, sizeof path, "/units/%s/enrol-code", u->unit.id);
    off_form_begin(c, path);
    const char *const values[] = {"60", "1440", "10080"};
    const char *const labels[] = {off_tr(c, "1 hour"), off_tr(c, "1 day"), off_tr(c, "1 week")};
    off_select(c, "ttl", off_tr(c, "The code works for"), values, labels, 3, "60", NULL);
    off_submit(c, off_tr(c, "Make an enrolment code"), 0);
    off_form_end(c);
}

static void device_actions(off_ctx *c, const srv_ref_device *d)
{
    off_buf *b = &c->body;
    char path[120];
    off_buf_put(b, "<div class=\"actions\">");
    if (d->state == SRV_REF_DEVICE_ACTIVE) {
        snprintf(path, sizeof path, "/tablets/%s/revoke", d->id);
        off_form_begin(c, path);
        off_buf_put(b, "<button type=\"submit\" class=\"secondary\">");
        off_buf_esc(b, off_tr(c, "Revoke"));
        off_buf_put(b, "<span class=\"visually-hidden\"> ");
        off_buf_esc(b, device_name(c, d));
        off_buf_put(b, "</span></button>");
        off_form_end(c);
    }
    if (d->state == SRV_REF_DEVICE_ACTIVE || d->state == SRV_REF_DEVICE_REVOKED) {
        snprintf(path, sizeof path, "/tablets/%s/wipe", d->id);
        off_form_begin(c, path);
        off_buf_put(b, "<button type=\"submit\" class=\"danger\">");
        off_buf_esc(b, off_tr(c, d->state == SRV_REF_DEVICE_ACTIVE ? "Revoke and wipe" : "Wipe"));
        off_buf_put(b, "<span class=\"visually-hidden\"> ");
        off_buf_esc(b, device_name(c, d));
        off_buf_put(b, "</span></button>");
        off_form_end(c);
    }
    off_buf_put(b, "</div>");
}

/* Ends a cell and begins the next, which carries its column's name for
 * narrow screens, where the table is shown as a list without its head. */
static void cell(off_ctx *c, const char *head)
{
    off_buf_put(&c->body, "</td><td data-label=\"");
    off_buf_esc(&c->body, off_tr(c, head));
    off_buf_put(&c->body, "\">");
}

static void devices_table(off_ctx *c, const srv_ref_device *ds, int n)
{
    off_buf *b = &c->body;
    static const char *const heads[] = {"Name",        "State",     "Last seen",
                                        "App version", "Last push", "Actions"};
    off_buf_put(b, "<table class=\"wide\"><thead><tr>");
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        off_buf_put(b, "<th scope=\"col\">");
        off_buf_esc(b, off_tr(c, heads[i]));
        off_buf_put(b, "</th>");
    }
    off_buf_put(b, "</tr></thead><tbody>");
    for (int i = 0; i < n; i++) {
        const srv_ref_device *d = &ds[i];
        off_buf_put(b, "<tr><td>");
        off_buf_esc(b, device_name(c, d));
        cell(c, heads[1]);
        off_buf_esc(b, off_tr(c, state_text(d)));
        if (d->state == SRV_REF_DEVICE_WIPE_SENT) {
            off_buf_put(b, "<br>");
            when(c, d->wipe_sent_at);
        }
        cell(c, heads[2]);
        if (d->last_seen_at)
            when(c, d->last_seen_at);
        else
            off_buf_esc(b, off_tr(c, "Not since it was enrolled"));
        cell(c, heads[3]);
        off_buf_esc(b, d->version[0] ? d->version : "–");
        cell(c, heads[4]);
        if (d->last_push_at) {
            char s[120];
            snprintf(s, sizeof s, off_ntr(c, "%lld change", "%lld changes", d->last_push_changes),
                     (long long)d->last_push_changes);
            off_buf_esc(b, s);
            off_buf_put(b, ", ");
            when(c, d->last_push_at);
        } else {
            off_buf_esc(b, off_tr(c, "None yet"));
        }
        off_buf_put(b, "</td><td>");
        device_actions(c, d);
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table>");
}

/* GET /tablets?unit=<id> */
void off_tablets(off_ctx *c)
{
    off_buf *b = &c->body;
    srv_ref_unit u;
    PGresult *choices = NULL;
    if (!choose_unit(c, &u, &choices)) {
        if (!choices)
            return;
        off_page_begin(c, off_tr(c, "Tablets"), "tablets");
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "Choose the unit whose tablets you want to see."));
        off_buf_put(b, "</p><ul class=\"cards\">");
        for (int i = 0; i < PQntuples(choices); i++) {
            off_buf_put(b, "<li><a href=\"/tablets?unit=");
            off_buf_url(b, PQgetvalue(choices, i, 0));
            off_buf_put(b, "\">");
            off_buf_esc(b, PQgetvalue(choices, i, 1));
            off_buf_put(b, "</a></li>");
        }
        off_buf_put(b, "</ul>");
        PQclear(choices);
        off_page_end(c);
        return;
    }
    srv_ref_device *ds = NULL;
    int n = 0;
    char err[SRV_REF_ERR_MAX], title[300];
    if (srv_ref_devices(c->pg, u.unit.id, &ds, &n, err, sizeof err) != SRV_REF_OK) {
        db_failed(c, err);
        return;
    }
    snprintf(title, sizeof title, "%s: %s", off_tr(c, "Tablets"), u.unit.name);
    off_page_begin(c, title, "tablets");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "The tablets enrolled in the unit, with when each last made contact "
                             "with the server. Revoke a tablet that is no longer used; revoke "
                             "and wipe one that is lost or stolen."));
    off_buf_put(b, " <a href=\"/units/");
    off_buf_url(b, u.unit.id);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Back to the unit"));
    off_buf_put(b, "</a></p>");
    if (n == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "No tablet has been enrolled in the unit yet."));
        off_buf_put(b, "</p>");
    } else {
        devices_table(c, ds, n);
    }
    free(ds);
    enrol_form(c, &u);
    off_page_end(c);
}

/* POST /units/<id>/enrol-code: makes a code and shows it, once, on the
 * answer itself (no redirect: the code is not kept anywhere to show it
 * again; pages are never cached). */
void off_unit_enrol_code(off_ctx *c)
{
    off_buf *b = &c->body;
    srv_ref_unit u;
    char err[SRV_REF_ERR_MAX];
    srv_ref_rc rc = srv_ref_unit_get(c->pg, c->args[0], &u, err, sizeof err);
    if (rc == SRV_REF_NOTFOUND) {
        off_fail(c, 404, "There is no such page.");
        return;
    }
    if (rc != SRV_REF_OK) {
        db_failed(c, err);
        return;
    }
    if (!off_require_unit(c, u.unit.id, OFF_ROLE_LEADER))
        return;
    const char *ttl = off_form_get(&c->form, "ttl");
    int mins = 0;
    if (ttl && (!strcmp(ttl, "60") || !strcmp(ttl, "1440") || !strcmp(ttl, "10080")))
        mins = atoi(ttl);
    if (!mins) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return;
    }
    if (!u.active) {
        off_fail(c, 409, "This unit is deactivated. It gets no new enrolment codes.");
        return;
    }
    char actor[80], code[SRV_REF_CODE_LEN + 1];
    long long expires = 0;
    off_actor(c, actor, sizeof actor);
    rc = srv_ref_enrol_code(c->pg, actor, u.unit.id, mins, code, &expires, err, sizeof err);
    if (rc != SRV_REF_OK) {
        if (rc == SRV_REF_INVALID)
            off_fail(c, 409, "This unit is deactivated. It gets no new enrolment codes.");
        else
            db_failed(c, err);
        return;
    }
    char title[300], until[64];
    snprintf(title, sizeof title, "%s: %s", off_tr(c, "Enrolment code"), u.unit.name);
    fmt_time(c, expires, until, sizeof until);
    off_page_begin(c, title, "tablets");
    off_buf_put(b, "<p class=\"code\" id=\"code\">");
    off_buf_esc(b, code);
    off_buf_put(b, "</p><p><strong>");
    off_buf_esc(b, off_tr(c, "Valid until"));
    off_buf_put(b, " ");
    off_buf_esc(b, until);
    off_buf_put(b, ".</strong> ");
    off_buf_esc(b, off_tr(c, "It works once, for one tablet."));
    off_buf_put(b, "</p><p class=\"problem\">");
    off_buf_esc(b, off_tr(c, "The code is shown only this once: it is not stored in a form that "
                             "can be read again. Write it down or type it on the tablet now. If "
                             "it is lost, make a new one."));
    off_buf_put(b, "</p><h2>");
    off_buf_esc(b, off_tr(c, "On the tablet"));
    off_buf_put(b, "</h2><p>");
    off_buf_esc(b, off_tr(c, "Open Blik. A new tablet opens on the welcome screen: choose "
                             "\"Connect to your server\". On a revoked tablet, a leader finds the "
                             "same form in the settings. Fill in:"));
    off_buf_put(b, "</p><dl class=\"steps\"><dt>");
    off_buf_esc(b, off_tr(c, "Server address"));
    off_buf_put(b, "</dt><dd><code>https://");
    off_buf_esc(b, c->rq->host ? c->rq->host : "");
    off_buf_put(b, "</code></dd><dt>");
    off_buf_esc(b, off_tr(c, "Enrolment code"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, off_tr(c, "The code above. Capital or small letters and the dash do not "
                             "matter."));
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "The tablet's name"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, off_tr(c, "A name that tells the tablet apart in the list of tablets, such "
                             "as the room it lives in."));
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "The server's CA"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, off_tr(c, "Only if the server's certificate comes from your organisation's "
                             "own certificate authority; your IT department gives you the "
                             "file. Otherwise leave it empty."));
    off_buf_put(b, "</dd></dl><p><a href=\"/tablets?unit=");
    off_buf_url(b, u.unit.id);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Back to the tablets"));
    off_buf_put(b, "</a></p>");
    off_page_end(c);
}

/* The confirmation before a revocation: what happens on the tablet, and
 * a form that sends the same action with confirm=yes. */
static void confirm_page(off_ctx *c, const srv_ref_device *d, int wipe)
{
    off_buf *b = &c->body;
    char path[120];
    char title[400];
    snprintf(title, sizeof title, "%s: %s",
             off_tr(c, wipe ? "Revoke and wipe the tablet" : "Revoke the tablet"),
             device_name(c, d));
    off_page_begin(c, title, "tablets");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "The next time the tablet contacts the server, it is refused. "
                             "Nobody can send or fetch observations with it until it is "
                             "enrolled again with a new code."));
    off_buf_put(b, "</p><p>");
    off_buf_esc(b,
                off_tr(c, wipe ? "The tablet is also told to erase everything it holds: "
                                 "observations, notes and drafts not yet sent are lost for "
                                 "good, and it starts again as a new tablet. Use this for a "
                                 "lost or stolen tablet."
                               : "Nothing is erased from the tablet: observations not yet "
                                 "sent stay on it and are sent when it is enrolled again in this "
                                 "unit."));
    off_buf_put(b, "</p>");
    snprintf(path, sizeof path, "/tablets/%s/%s", d->id, wipe ? "wipe" : "revoke");
    off_form_begin(c, path);
    off_buf_put(b, "<input type=\"hidden\" name=\"confirm\" value=\"yes\"><div class=\"actions\">");
    off_submit(c, off_tr(c, wipe ? "Revoke and wipe the tablet" : "Revoke the tablet"), 1);
    off_buf_put(b, "<a href=\"/tablets?unit=");
    off_buf_url(b, d->unit_id);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Cancel"));
    off_buf_put(b, "</a></div>");
    off_form_end(c);
    off_page_end(c);
}

static void revoke(off_ctx *c, int wipe)
{
    srv_ref_device d;
    char err[SRV_REF_ERR_MAX];
    srv_ref_rc rc = srv_ref_device_get(c->pg, c->args[0], &d, err, sizeof err);
    if (rc == SRV_REF_NOTFOUND) {
        off_fail(c, 404, "There is no such page.");
        return;
    }
    if (rc != SRV_REF_OK) {
        db_failed(c, err);
        return;
    }
    if (!off_require_unit(c, d.unit_id, OFF_ROLE_LEADER))
        return;
    const char *confirm = off_form_get(&c->form, "confirm");
    if (!confirm || strcmp(confirm, "yes") != 0) {
        confirm_page(c, &d, wipe);
        return;
    }
    char actor[80];
    off_actor(c, actor, sizeof actor);
    rc = srv_ref_device_revoke(c->pg, actor, d.id, wipe, err, sizeof err);
    if (rc != SRV_REF_OK) {
        db_failed(c, err);
        return;
    }
    char path[160];
    snprintf(path, sizeof path, "/tablets?unit=%s&done=%s", d.unit_id,
             wipe ? "tablet-wiped" : "tablet-revoked");
    off_redirect(c, path);
}

/* POST /tablets/<id>/revoke, /tablets/<id>/wipe: without confirm=yes the
 * answer is the confirmation page, so no click changes a tablet alone. */
void off_tablet_revoke(off_ctx *c) { revoke(c, 0); }
void off_tablet_wipe(off_ctx *c) { revoke(c, 1); }
