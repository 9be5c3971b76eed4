/*
 * The office's front door: one request in, one answer out. It chooses the
 * language, serves static files, reads the session, finds the route, checks
 * what every POST must carry (a form, from this site, with the session's
 * token) and the least role of the route, runs the page, and puts the same
 * security headers on every answer.
 */
#include "off_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The headers of every page. The policy allows nothing but this site's own
 * style sheet, images and script (no inline script, no framing, forms only
 * to this site); pages hold personal data, so nothing is stored by caches.
 */
static void security_headers(srv_web_response *out, int page)
{
    srv_web_header_add(out, "Content-Security-Policy",
                       "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                       "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                       "base-uri 'none'");
    srv_web_header_add(out, "Strict-Transport-Security", "max-age=31536000");
    srv_web_header_add(out, "Referrer-Policy", "no-referrer");
    srv_web_header_add(out, "X-Content-Type-Options", "nosniff");
    if (page)
        srv_web_header_add(out, "Cache-Control", "no-store");
}

/* The language: ?lang= (remembered in a cookie), then the cookie, then
 * Danish. */
static void choose_language(off_ctx *c)
{
    const char *q = off_form_get(&c->query, "lang");
    char ck[8] = "";
    /* Only the two languages there are, as literals, so nothing from the
     * request is copied anywhere. */
    int asked = q && (!strcmp(q, "da") || !strcmp(q, "en"));
    int kept = !asked && off_cookie_get(c->rq->cookie, OFF_LANG_COOKIE, ck, sizeof ck) == 0 &&
               (!strcmp(ck, "da") || !strcmp(ck, "en"));
    const char *lang = asked  ? (!strcmp(q, "en") ? "en" : "da")
                       : kept ? (!strcmp(ck, "en") ? "en" : "da")
                              : "da";
    memcpy(c->lang, lang, 3);
    if (asked) {
        char v[128];
        snprintf(v, sizeof v, "%s=%s; Path=/; Secure; SameSite=Strict; Max-Age=31536000",
                 OFF_LANG_COOKIE, lang);
        off_header(c, "Set-Cookie", v);
    }
    c->t = !strcmp(c->lang, "en") ? c->o->en : c->o->da;
}

/* A POST must come from a page of this site: when the browser names the
 * origin, it must be this host over HTTPS. Under "Referrer-Policy:
 * no-referrer", which every page sends, browsers name the origin of a
 * form's POST "null" (the Fetch standard's rule), so "null" says nothing
 * either way; the form token and the SameSite=Strict cookies stand. */
static int same_origin(const srv_web_request *rq)
{
    if (!rq->origin || !strcmp(rq->origin, "null"))
        return 1;
    if (!rq->host || strncmp(rq->origin, "https://", 8) != 0)
        return 0;
    return strcasecmp(rq->origin + 8, rq->host) == 0;
}

static int form_type(const char *ct)
{
    const char *want = "application/x-www-form-urlencoded";
    return ct && !strncasecmp(ct, want, strlen(want)) &&
           (ct[strlen(want)] == 0 || ct[strlen(want)] == ';');
}

/* Runs the route for the request, or says why not. */
static void dispatch(off_ctx *c)
{
    const srv_web_request *rq = c->rq;
    int is_post = !strcmp(rq->method, "POST");
    char scratch[2048];
    const off_route *found = NULL;
    int path_known = 0;
    for (int i = 0; i < off_n_routes && !found; i++) {
        const off_route *r = &off_routes[i];
        if (!off_route_match(r->pattern, rq->path, c->args, &c->n_args, scratch, sizeof scratch))
            continue;
        path_known = 1;
        int get = !strcmp(r->method, "GET");
        if (is_post ? !strcmp(r->method, "POST") : get)
            found = r;
    }
    if (!found) {
        if (path_known) {
            off_header(c, "Allow", is_post ? "GET, HEAD" : "POST");
            off_fail(c, 405, "This address does not take that kind of request.");
        } else {
            off_fail(c, 404, "There is no such page.");
        }
        return;
    }
    if (is_post) {
        if (!form_type(rq->content_type)) {
            off_fail(c, 400, "The form could not be read. Go back and send it again.");
            return;
        }
        if (!same_origin(rq)) {
            off_fail(c, 403, "The form was sent from another site and was refused.");
            return;
        }
        if (off_form_parse(&c->form, rq->body, rq->len) != 0) {
            srv_log("office: refused a form: %s", c->form.err);
            off_fail(c, 400, "The form holds text that cannot be stored. Go back and check it.");
            return;
        }
        if (!off_csrf_ok(c)) {
            off_fail(c, 403,
                     "The form was too old or not from this page. Open the page again and "
                     "send it once more.");
            return;
        }
    }
    if (c->user.role < found->least) {
        if (c->user.role == OFF_ROLE_NONE && !is_post) {
            off_buf to = {0};
            off_buf_put(&to, "/sign-in?next=");
            off_buf_url(&to, rq->path);
            char *p = off_buf_take(&to, NULL);
            if (p)
                off_redirect(c, p);
            else
                off_fail(c, 500, "The server ran out of memory.");
            free(p);
        } else {
            off_fail(c, 403, "You do not have access to this page.");
        }
        return;
    }
    found->fn(c);
}

static void handle(srv_web *w, PGconn *pg, const srv_web_request *rq, srv_web_response *out)
{
    off *o = (off *)w;
    memset(out, 0, sizeof *out);
    if (!strncmp(rq->path, "/static/", 8)) {
        off_static_serve(o->st, rq, out);
        security_headers(out, 0);
        return;
    }
    off_ctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.pg = pg;
    c.rq = rq;
    c.out = out;
    c.t = o->da;
    snprintf(c.lang, sizeof c.lang, "da");
    const char *q = rq->query ? rq->query : "";
    if (off_form_parse(&c.query, q, strlen(q)) != 0) {
        off_fail(&c, 400, "The address holds text that cannot be read.");
    } else {
        choose_language(&c);
        if (!pg) {
            off_fail(&c, 503, "The server is busy. Try again in a moment.");
        } else {
            off_session_load(&c);
            c.rd = pg;
            char session[sizeof c.user.session];
            memcpy(session, c.user.session, sizeof session);
            dispatch(&c);
            if (c.rd != pg)
                srv_replica_put(rq->server, c.rd);
            if (!strcmp(rq->method, "POST") && session[0])
                off_session_written(&c, session);
        }
    }
    if (!c.done)
        off_fail(&c, 500, "The page could not be made.");
    size_t len = 0;
    char *body = off_buf_take(&c.body, &len);
    if (!body && out->status != 303) {
        out->status = 500;
        body = strdup("Out of memory.\n");
        len = body ? strlen(body) : 0;
    }
    out->body = body;
    out->len = len;
    if (!out->content_type[0])
        snprintf(out->content_type, sizeof out->content_type, "text/html; charset=utf-8");
    security_headers(out, 1);
    off_form_free(&c.query);
    off_form_free(&c.form);
}

srv_web *off_new(const char *dir, const srv_config *cfg, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "The crypto library failed to start.");
        return NULL;
    }
    off *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "Out of memory.");
        return NULL;
    }
    o->web.handle = handle;
    o->idle_min = cfg->office_idle_min;
    o->max_hours = cfg->office_max_hours;
    snprintf(o->public_url, sizeof o->public_url, "%s", cfg->public_url);
    char path[SRV_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/po/da.po", dir);
    if (i18n_load(path, &o->da, err, errlen) != 0)
        goto fail;
    snprintf(path, sizeof path, "%s/po/en.po", dir);
    if (i18n_load(path, &o->en, err, errlen) != 0)
        goto fail;
    snprintf(path, sizeof path, "%s/office", dir);
    if (!(o->st = off_static_load(path, err, errlen)))
        goto fail;
    return &o->web;
fail:
    off_free(&o->web);
    return NULL;
}

void off_free(srv_web *w)
{
    if (!w)
        return;
    off *o = (off *)w;
    i18n_free(o->da);
    i18n_free(o->en);
    off_static_free(o->st);
    free(o);
}
