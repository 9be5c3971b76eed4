#include "offtest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <sodium.h>

#include "office.h"

#define HOST "office.test:8443"

void ot_up(ot_world *w, const char *dbname)
{
    memset(w, 0, sizeof *w);
    char err[600];
    fx_world *f = &w->fx;
    assert_int_equal(tpg_start(0, &f->pg, err, sizeof err), 0);
    snprintf(f->dir, sizeof f->dir, "%s", tpg_dir(f->pg));
    assert_int_equal(tpg_new_db(f->pg, dbname, f->conninfo, sizeof f->conninfo), 0);
    f->db = srv_db_connect(f->conninfo, err, sizeof err);
    if (!f->db)
        fail_msg("%s", err);
    srv_config_defaults(&w->cfg);
    snprintf(w->cfg.db, sizeof w->cfg.db, "%s", f->conninfo);
    w->cfg.pool = 2;
    const char *assets = getenv("BLIK_ASSETS_DIR");
    assert_non_null(assets);
    w->office = off_new(assets, &w->cfg, err, sizeof err);
    if (!w->office)
        fail_msg("%s", err);
    w->cfg.web = w->office;
    if (srv_open(&w->cfg, &w->s) != 0)
        fail_msg("%s", srv_errmsg(w->s));
}

void ot_down(ot_world *w)
{
    srv_free(w->s);
    off_free(w->office);
    fx_down(&w->fx);
}

const char *ot_header(const ot_resp *r, const char *name)
{
    for (int i = 0; i < r->n_headers; i++)
        if (!strcasecmp(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

const char *ot_set_cookie(const ot_resp *r, int n)
{
    for (int i = 0; i < r->n_headers; i++)
        if (!strcasecmp(r->headers[i].name, "Set-Cookie") && n-- == 0)
            return r->headers[i].value;
    return NULL;
}

void ot_free(ot_resp *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

static void request(ot_world *w, const char *method, const char *cookie, const char *origin,
                    const char *path, const char *form, ot_resp *out)
{
    char p[2048];
    snprintf(p, sizeof p, "%s", path);
    char *q = strchr(p, '?');
    if (q)
        *q++ = 0;
    srv_web_request rq = {
        .method = method,
        .path = p,
        .query = q,
        .cookie = cookie,
        .content_type = form ? "application/x-www-form-urlencoded" : NULL,
        .origin = origin,
        .host = HOST,
        .address = "127.0.0.1",
        .body = form ? form : "",
        .len = form ? strlen(form) : 0,
    };
    srv_web_handle(w->s, &rq, out);
}

void ot_get(ot_world *w, const char *cookie, const char *path, ot_resp *out)
{
    request(w, "GET", cookie, NULL, path, NULL, out);
}

void ot_post(ot_world *w, const char *cookie, const char *path, const char *form, ot_resp *out)
{
    request(w, "POST", cookie, "https://" HOST, path, form, out);
}

void ot_post_from(ot_world *w, const char *cookie, const char *origin, const char *path,
                  const char *form, ot_resp *out)
{
    request(w, "POST", cookie, origin, path, form, out);
}

void ot_csrf(const ot_resp *page, char out[65])
{
    const char *m = page->body ? strstr(page->body, "name=\"csrf\" value=\"") : NULL;
    assert_non_null(m);
    m += strlen("name=\"csrf\" value=\"");
    memcpy(out, m, 64);
    out[64] = 0;
}

void ot_account_make(ot_world *w, const char *role, const char *name, const char *person,
                     const char *const *units, ot_account *a)
{
    memset(a, 0, sizeof *a);
    unsigned char r[4];
    randombytes_buf(r, sizeof r);
    char login[80], hex[9];
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(login, sizeof login, "%s-%s", role, hex);
    assert_int_equal(fx_office_account(w->fx.db, login, role, name, person, a->id, a->cookie,
                                       sizeof a->cookie, a->csrf),
                     0);
    for (int i = 0; units && units[i]; i++) {
        const char *q[] = {a->id, units[i]};
        PGresult *res = PQexecParams(w->fx.db, "INSERT INTO account_units VALUES ($1,$2)", 2, NULL,
                                     q, NULL, NULL, 0);
        assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
        PQclear(res);
    }
}

int ot_has(const ot_resp *r, const char *needle)
{
    return r->body && strstr(r->body, needle) != NULL;
}
