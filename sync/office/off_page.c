/*
 * The layout every page shares and the parts of a form, written once so
 * that every page has the same landmarks, labels, error messages and
 * keyboard order, and passes the same accessibility checks.
 */
#include "off_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void off_redirect(off_ctx *c, const char *path)
{
    c->out->status = 303;
    off_header(c, "Location", path);
    c->body.len = 0;
    if (c->body.p)
        c->body.p[0] = 0;
    c->done = 1;
}

/* The confirmations a redirect may ask for with done=KEY: fixed sentences,
 * so that nothing from the address is ever shown back. */
static const struct {
    const char *key, *msgid;
} flashes[] = {
    {"saved", "Saved."},
    {"added", "Added."},
    {"signed-out", "You are signed out."},
    {"retired", "Retired."},
    {"person-added", "The person is added. Set their tablet PIN below so that they can sign in "
                     "on the tablets."},
    {"pin-saved", "The PIN is saved. The tablets get it at their next sync."},
    {"pin-cleared", "The PIN is cleared: they cannot sign in on the tablets until a new one is "
                    "set."},
    {"person-deactivated", "Deactivated: they cannot sign in on the tablets from their next "
                           "sync. Their observations stay."},
    {"person-reactivated", "Reactivated: they can sign in on the tablets again from their next "
                           "sync."},
    {"person-erased", "The person and their observations are erased. The tablets delete them at "
                      "their next sync."},
    {"deactivated", "The unit is deactivated."},
    {"reactivated", "The unit is in use again."},
    {"room-closed", "The room is closed."},
    {"room-opened", "The room is open again."},
    {"tablet-revoked", "The tablet is revoked. It is refused the next time it connects."},
    {"tablet-wiped", "The tablet is revoked. It erases its data the next time it connects."},
    {"focus-added", "The learning focus is saved. The tablets get it at their next sync."},
    {"focus-version", "Saved as a new version. The tablets get it at their next sync; "
                      "observations already under way finish on the version they began with."},
    {"focus-in-place", "Saved. No tablet had the focus yet and no observation rested on it, "
                       "so it was changed where it is, without a new version."},
    {"focus-retired",
     "The focus is retired: its period is over. The tablets stop offering it at their next sync."},
    {"focus-sent-twice", "This form was already sent, and the focus was saved once. Nothing "
                         "more was changed."},
    {"signed-out-everywhere", "You are signed out on every computer and tablet."},
    {"password-changed", "Your password is changed. You are signed out everywhere else."},
    {"welcome", "Your password is saved, and you are signed in."},
    {"account-disabled", "The account is disabled and signed out everywhere."},
    {"account-enabled", "The account can sign in again."},
    {"units-saved", "The units are saved."},
    {"step-added", "The next step is added."},
    {"step-done", "The next step is marked as done."},
    {"plan-added", "The observation is planned. The tablets get it at their next sync."},
    {"rota-published", "The rota is published. The tablets get its plans at their next sync."},
    {"plan-cancelled", "The plan is cancelled. It leaves the tablets at their next sync."},
    {"plan-agreed", "You have agreed. The observer sees it at the tablets' next sync."},
};

void off_page_begin(off_ctx *c, const char *title, const char *section)
{
    off_buf *b = &c->body;
    static const struct {
        const char *key, *path, *msgid;
        off_role least;
    } nav[] = {
        {"home", "/", "Overview", OFF_ROLE_PEER},
        {"units", "/units", "Units", OFF_ROLE_LEADER},
        {"people", "/people", "People", OFF_ROLE_LEADER},
        {"focuses", "/focuses", "Learning focuses", OFF_ROLE_LEADER},
        {"observations", "/observations", "Observations", OFF_ROLE_PEER},
        {"plans", "/plans", "Plans", OFF_ROLE_PEER},
        {"templates", "/templates", "Templates", OFF_ROLE_LEADER},
        {"tablets", "/tablets", "Tablets", OFF_ROLE_LEADER},
        {"calibration", "/calibration", "Calibration", OFF_ROLE_LEADER},
        {"accounts", "/accounts", "Accounts", OFF_ROLE_LEADER},
        {"exports", "/exports", "Exports", OFF_ROLE_LEADER},
        {"area", "/area", "Area overview", OFF_ROLE_AREA},
    };
    off_buf_printf(b,
                   "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<title>",
                   c->lang);
    off_buf_esc(b, title);
    off_buf_put(b, " – Blik Office</title>"
                   "<link rel=\"stylesheet\" href=\"/static/office.css\">"
                   "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">"
                   "</head><body><a class=\"skip\" href=\"#main\">");
    off_buf_esc(b, off_tr(c, "Skip to the content"));
    off_buf_put(b, "</a><header class=\"top\"><a class=\"brand\" href=\"/\">Blik Office</a>");
    if (c->user.role != OFF_ROLE_NONE) {
        off_buf_put(b, "<nav aria-label=\"");
        off_buf_esc(b, off_tr(c, "Main"));
        off_buf_put(b, "\"><ul>");
        for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
            if (c->user.role < nav[i].least)
                continue;
            off_buf_printf(b, "<li><a href=\"%s\"%s>", nav[i].path,
                           section && !strcmp(section, nav[i].key) ? " aria-current=\"page\"" : "");
            off_buf_esc(b, off_tr(c, nav[i].msgid));
            off_buf_put(b, "</a></li>");
        }
        off_buf_put(b, "</ul></nav>");
    }
    off_buf_put(b, "<div class=\"account\">");
    if (c->user.role != OFF_ROLE_NONE) {
        off_buf_put(b, "<span class=\"who\">");
        off_buf_esc(b, c->user.name);
        off_buf_put(b, "</span>");
    }
    int en = !strcmp(c->lang, "en");
    off_buf_put(b, "<a class=\"lang\" href=\"");
    off_buf_esc(b, c->rq->path);
    off_buf_printf(b, "?lang=%s\" lang=\"%s\" hreflang=\"%s\">%s</a>", en ? "da" : "en",
                   en ? "da" : "en", en ? "da" : "en", en ? "Dansk" : "English");
    if (c->user.role != OFF_ROLE_NONE) {
        off_form_begin(c, "/sign-out");
        off_submit(c, off_tr(c, "Sign out"), 0);
        off_form_end(c);
    }
    off_buf_put(b, "</div></header><main id=\"main\"><h1>");
    off_buf_esc(b, title);
    off_buf_put(b, "</h1>");
    const char *done = off_form_get(&c->query, "done");
    for (size_t i = 0; done && i < sizeof flashes / sizeof flashes[0]; i++)
        if (!strcmp(done, flashes[i].key)) {
            off_buf_put(b, "<p class=\"flash\" role=\"status\">");
            off_buf_esc(b, off_tr(c, flashes[i].msgid));
            off_buf_put(b, "</p>");
        }
}

void off_page_end(off_ctx *c)
{
    off_buf_put(&c->body, "</main></body></html>\n");
    if (!c->out->status)
        c->out->status = 200;
    c->done = 1;
}

void off_fail(off_ctx *c, int status, const char *msgid)
{
    const char *title;
    switch (status) {
    case 400: title = "The request could not be read"; break;
    case 403: title = "Not allowed"; break;
    case 404: title = "Not found"; break;
    case 405: title = "Not this way"; break;
    case 409: title = "Changed meanwhile"; break;
    case 413: title = "Too large"; break;
    case 429: title = "Too many attempts"; break;
    case 503: title = "Busy"; break;
    default: title = "Something went wrong"; break;
    }
    c->body.len = 0;
    if (c->body.p)
        c->body.p[0] = 0;
    c->out->status = status;
    off_page_begin(c, off_tr(c, title), NULL);
    off_buf_put(&c->body, "<p class=\"problem\">");
    off_buf_esc(&c->body, off_tr(c, msgid));
    off_buf_put(&c->body, "</p><p><a href=\"/\">");
    off_buf_esc(&c->body, off_tr(c, "Go to the overview"));
    off_buf_put(&c->body, "</a></p>");
    off_page_end(c);
}

/* The form token of a visitor who has not signed in: the one their
 * browser already holds, or a new one given to it now (double submit: a
 * site that cannot read this site's cookies cannot send it back). */
static const char *pre_token(off_ctx *c)
{
    if (c->pre_csrf[0])
        return c->pre_csrf;
    char ck[80];
    if (off_cookie_get(c->rq->cookie, OFF_PRE_COOKIE, ck, sizeof ck) == 0 && strlen(ck) == 64 &&
        strspn(ck, "0123456789abcdef") == 64) {
        memcpy(c->pre_csrf, ck, 65);
        return c->pre_csrf;
    }
    unsigned char r[32];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(c->pre_csrf, sizeof c->pre_csrf, r, sizeof r);
    char v[160];
    snprintf(v, sizeof v, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict", OFF_PRE_COOKIE,
             c->pre_csrf);
    off_header(c, "Set-Cookie", v);
    return c->pre_csrf;
}

void off_form_begin(off_ctx *c, const char *path)
{
    const char *tok = c->user.role != OFF_ROLE_NONE ? c->user.csrf : pre_token(c);
    off_buf_printf(&c->body,
                   "<form method=\"post\" action=\"%s\"><input type=\"hidden\" name=\"csrf\" "
                   "value=\"%s\">",
                   path, tok);
}

void off_form_end(off_ctx *c) { off_buf_put(&c->body, "</form>"); }

/* The opening of a field: its wrapper, label, hint and error, with the ids
 * the input refers to. */
static void field_head(off_ctx *c, const char *name, const char *label, const char *hint,
                       const char *error)
{
    off_buf *b = &c->body;
    off_buf_printf(b, "<div class=\"field%s\"><label for=\"f-", error ? " has-error" : "");
    off_buf_esc(b, name);
    off_buf_put(b, "\">");
    off_buf_esc(b, label);
    off_buf_put(b, "</label>");
    if (hint) {
        off_buf_put(b, "<p class=\"hint\" id=\"f-");
        off_buf_esc(b, name);
        off_buf_put(b, "-hint\">");
        off_buf_esc(b, hint);
        off_buf_put(b, "</p>");
    }
    if (error) {
        off_buf_put(b, "<p class=\"error\" id=\"f-");
        off_buf_esc(b, name);
        off_buf_put(b, "-err\">");
        off_buf_esc(b, error);
        off_buf_put(b, "</p>");
    }
}

/* The attributes that tie an input to its hint and error. */
static void field_refs(off_ctx *c, const char *name, const char *hint, const char *error)
{
    off_buf *b = &c->body;
    off_buf_put(b, " id=\"f-");
    off_buf_esc(b, name);
    off_buf_put(b, "\" name=\"");
    off_buf_esc(b, name);
    off_buf_put(b, "\"");
    if (hint || error) {
        off_buf_put(b, " aria-describedby=\"");
        if (hint) {
            off_buf_put(b, "f-");
            off_buf_esc(b, name);
            off_buf_put(b, "-hint");
        }
        if (error) {
            off_buf_put(b, hint ? " f-" : "f-");
            off_buf_esc(b, name);
            off_buf_put(b, "-err");
        }
        off_buf_put(b, "\"");
    }
    if (error)
        off_buf_put(b, " aria-invalid=\"true\"");
}

void off_input(off_ctx *c, const char *type, const char *name, const char *label, const char *value,
               int maxlen, const char *hint, const char *error)
{
    off_buf *b = &c->body;
    field_head(c, name, label, hint, error);
    off_buf_put(b, "<input type=\"");
    off_buf_esc(b, type);
    off_buf_put(b, "\"");
    field_refs(c, name, hint, error);
    if (maxlen > 0)
        off_buf_printf(b, " maxlength=\"%d\"", maxlen);
    /* A field for a new password ("new_...") lets the browser suggest one. */
    if (!strcmp(type, "password"))
        off_buf_put(b, strncmp(name, "new", 3) ? " autocomplete=\"current-password\""
                                               : " autocomplete=\"new-password\"");
    if (value && strcmp(type, "password") != 0) {
        off_buf_put(b, " value=\"");
        off_buf_esc(b, value);
        off_buf_put(b, "\"");
    }
    off_buf_put(b, "></div>");
}

void off_textarea(off_ctx *c, const char *name, const char *label, const char *value, int maxlen,
                  const char *hint, const char *error)
{
    off_buf *b = &c->body;
    field_head(c, name, label, hint, error);
    off_buf_put(b, "<textarea rows=\"4\"");
    field_refs(c, name, hint, error);
    if (maxlen > 0)
        off_buf_printf(b, " maxlength=\"%d\"", maxlen);
    off_buf_put(b, ">");
    off_buf_esc(b, value);
    off_buf_put(b, "</textarea></div>");
}

void off_select(off_ctx *c, const char *name, const char *label, const char *const *values,
                const char *const *labels, int n, const char *selected, const char *error)
{
    off_buf *b = &c->body;
    field_head(c, name, label, NULL, error);
    off_buf_put(b, "<select");
    field_refs(c, name, NULL, error);
    off_buf_put(b, ">");
    for (int i = 0; i < n; i++) {
        off_buf_put(b, "<option value=\"");
        off_buf_esc(b, values[i]);
        off_buf_put(b, selected && !strcmp(selected, values[i]) ? "\" selected>" : "\">");
        off_buf_esc(b, labels[i]);
        off_buf_put(b, "</option>");
    }
    off_buf_put(b, "</select></div>");
}

void off_checkbox(off_ctx *c, const char *name, const char *label, int checked)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<div class=\"field check\"><input type=\"checkbox\" value=\"1\"");
    field_refs(c, name, NULL, NULL);
    off_buf_put(b, checked ? " checked><label for=\"f-" : "><label for=\"f-");
    off_buf_esc(b, name);
    off_buf_put(b, "\">");
    off_buf_esc(b, label);
    off_buf_put(b, "</label></div>");
}

void off_submit(off_ctx *c, const char *label, int danger)
{
    off_buf_put(&c->body,
                danger ? "<button type=\"submit\" class=\"danger\">" : "<button type=\"submit\">");
    off_buf_esc(&c->body, label);
    off_buf_put(&c->body, "</button>");
}

void off_error_summary(off_ctx *c, const char *const *fields, const char *const *msgs, int n)
{
    if (n <= 0)
        return;
    off_buf *b = &c->body;
    off_buf_put(b, "<div class=\"errors\" role=\"alert\"><h2>");
    off_buf_esc(b, off_tr(c, "Please correct the following"));
    off_buf_put(b, "</h2><ul>");
    for (int i = 0; i < n; i++) {
        off_buf_put(b, "<li><a href=\"#f-");
        off_buf_esc(b, fields[i]);
        off_buf_put(b, "\">");
        off_buf_esc(b, msgs[i]);
        off_buf_put(b, "</a></li>");
    }
    off_buf_put(b, "</ul></div>");
}
