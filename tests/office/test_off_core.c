/* The office's front door on a real database: sign-in redirects, security
 * headers, static files, sessions (expiry, sign-out), form tokens and
 * origins, language, and units seen by role. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "offtest.h"

static ot_world W;

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_core");
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

static void sql(const char *q)
{
    PGresult *r = PQexec(W.fx.db, q);
    assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
}

static void assert_headers(const ot_resp *r)
{
    const char *csp = ot_header(r, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    assert_non_null(strstr(csp, "script-src 'self'"));
    assert_null(strstr(csp, "unsafe-inline"));
    assert_non_null(ot_header(r, "Strict-Transport-Security"));
    assert_string_equal(ot_header(r, "Referrer-Policy"), "no-referrer");
    assert_string_equal(ot_header(r, "X-Content-Type-Options"), "nosniff");
}

static void test_anonymous(void **state)
{
    (void)state;
    ot_resp r;
    ot_get(&W, NULL, "/", &r);
    assert_int_equal(r.status, 303);
    assert_string_equal(ot_header(&r, "Location"), "/sign-in?next=%2F");
    assert_headers(&r);
    ot_free(&r);
    ot_get(&W, NULL, "/no/such/page", &r);
    assert_int_equal(r.status, 404);
    assert_headers(&r);
    assert_string_equal(ot_header(&r, "Cache-Control"), "no-store");
    assert_true(ot_has(&r, "<html lang=\"da\">"));
    assert_true(ot_has(&r, "Siden findes ikke."));
    ot_free(&r);
    /* A POST without a session and without the form token is refused. */
    ot_post(&W, NULL, "/sign-out", "csrf=x", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* An address that is not text, and a body that is not a form. */
    ot_get(&W, NULL, "/?q=%FF", &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    srv_web_request rq = {.method = "POST",
                          .path = "/sign-out",
                          .content_type = "text/plain",
                          .host = "h",
                          .address = "127.0.0.1",
                          .body = "x",
                          .len = 1};
    srv_web_handle(W.s, &rq, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    rq.method = "DELETE";
    srv_web_handle(W.s, &rq, &r);
    assert_int_equal(r.status, 405);
    ot_free(&r);
}

static void test_static(void **state)
{
    (void)state;
    ot_resp r;
    ot_get(&W, NULL, "/static/office.css", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/css; charset=utf-8");
    assert_true(ot_has(&r, "--brand"));
    const char *etag = ot_header(&r, "ETag");
    assert_non_null(etag);
    char tag[32];
    snprintf(tag, sizeof tag, "%s", etag);
    ot_free(&r);
    srv_web_request rq = {.method = "GET",
                          .path = "/static/office.css",
                          .host = "h",
                          .address = "127.0.0.1",
                          .if_none_match = tag,
                          .body = ""};
    srv_web_handle(W.s, &rq, &r);
    assert_int_equal(r.status, 304);
    ot_free(&r);
    ot_get(&W, NULL, "/static/../CMakeLists.txt", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    ot_get(&W, NULL, "/static/favicon.svg", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "image/svg+xml");
    ot_free(&r);
}

static void test_session(void **state)
{
    (void)state;
    fx_unit u;
    fx_make_unit(&W.fx, "Mælkebøtten", &u);
    ot_account a;
    ot_account_make(&W, "leader", "Lea <script>alert(1)</script>", u.leader, NULL, &a);
    ot_resp r;
    ot_get(&W, a.cookie, "/", &r);
    assert_int_equal(r.status, 200);
    assert_headers(&r);
    assert_string_equal(ot_header(&r, "Cache-Control"), "no-store");
    /* Names are text, never markup. */
    assert_false(ot_has(&r, "<script>alert"));
    assert_true(ot_has(&r, "Lea &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_true(ot_has(&r, "Mælkebøtten"));
    char csrf[65];
    ot_csrf(&r, csrf);
    assert_string_equal(csrf, a.csrf);
    ot_free(&r);
    /* English on request, remembered in a cookie. */
    ot_get(&W, a.cookie, "/?lang=en", &r);
    assert_true(ot_has(&r, "<html lang=\"en\">"));
    assert_true(ot_has(&r, ">Overview<"));
    assert_non_null(strstr(ot_set_cookie(&r, 0), "__Host-blik-lang=en"));
    ot_free(&r);
    char both[300];
    snprintf(both, sizeof both, "%s; __Host-blik-lang=en", a.cookie);
    ot_get(&W, both, "/", &r);
    assert_true(ot_has(&r, ">Overview<"));
    ot_free(&r);
    /* Sign-out needs the session's token, from this site. */
    ot_post(&W, a.cookie, "/sign-out",
            "csrf=0000000000000000000000000000000000000000000000000000000000000000", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    char form[100];
    snprintf(form, sizeof form, "csrf=%s", a.csrf);
    ot_post_from(&W, a.cookie, "https://evil.example", "/sign-out", form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    ot_get(&W, a.cookie, "/", &r);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    ot_post(&W, a.cookie, "/sign-out", form, &r);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(ot_set_cookie(&r, 0), "Max-Age=0"));
    ot_free(&r);
    ot_get(&W, a.cookie, "/", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(fx_count(&W.fx, "SELECT count(*) FROM audit_log WHERE action = "
                                     "'office-sign-out' AND actor LIKE 'office:%'"),
                     1);
}

static void test_expiry(void **state)
{
    (void)state;
    ot_account a;
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &a);
    ot_resp r;
    ot_get(&W, a.cookie, "/", &r);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    /* Idle for longer than the limit: gone. */
    sql("UPDATE sessions SET last_seen_at = now() - interval '61 minutes'");
    ot_get(&W, a.cookie, "/", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    /* Used a minute ago but signed in 13 hours ago: gone too. */
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &a);
    sql("UPDATE sessions SET created_at = now() - interval '13 hours'");
    ot_get(&W, a.cookie, "/", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    /* A disabled account signs nobody in. */
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &a);
    sql("UPDATE accounts SET disabled_at = now()");
    ot_get(&W, a.cookie, "/", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
}

static void test_units_by_role(void **state)
{
    (void)state;
    fx_unit a, b, c;
    fx_make_unit(&W.fx, "Unit Anemone", &a);
    fx_make_unit(&W.fx, "Unit Birk", &b);
    fx_make_unit(&W.fx, "Unit Cedertræ", &c);
    ot_account lead, area, admin;
    ot_account_make(&W, "leader", "Lis", a.leader, NULL, &lead);
    const char *units[] = {b.unit, c.unit, NULL};
    ot_account_make(&W, "area", "Aase", NULL, units, &area);
    ot_account_make(&W, "admin", "Adam", NULL, NULL, &admin);
    ot_resp r;
    ot_get(&W, lead.cookie, "/", &r);
    assert_true(ot_has(&r, "Unit Anemone"));
    assert_false(ot_has(&r, "Unit Birk"));
    ot_free(&r);
    ot_get(&W, area.cookie, "/", &r);
    assert_false(ot_has(&r, "Unit Anemone"));
    assert_true(ot_has(&r, "Unit Birk"));
    assert_true(ot_has(&r, "Unit Cedertræ"));
    ot_free(&r);
    ot_get(&W, admin.cookie, "/", &r);
    assert_true(ot_has(&r, "Unit Anemone"));
    assert_true(ot_has(&r, "Unit Cedertræ"));
    ot_free(&r);
}

/* The overview is the path from an empty server to a unit ready for
 * observation: what is done, in words, and where the next step is. */
static void test_home_steps(void **state)
{
    (void)state;
    ot_world w;
    ot_up(&w, "office_home");
    ot_account admin, peer;
    ot_account_make(&w, "admin", "Ada", NULL, NULL, &admin);
    ot_resp r;
    ot_get(&w, admin.cookie, "/", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Der er ingen enheder endnu."));
    assert_true(ot_has(&r, "href=\"/units/new\""));
    ot_free(&r);
    fx_unit u;
    fx_make_unit(&w.fx, "Børnehuset Mælkebøtten", &u);
    ot_get(&w, admin.cookie, "/", &r);
    assert_true(ot_has(&r, "Børnehuset Mælkebøtten"));
    assert_true(ot_has(&r, "1 stue · klar"));
    assert_true(ot_has(&r, "1 skabelon · klar"));
    assert_true(ot_has(&r, "1 læringsfokus · klar"));
    /* Nobody has a PIN yet and no tablet is enrolled. */
    assert_true(ot_has(&r, "0 personer kan logge ind på en tablet · mangler"));
    assert_true(ot_has(&r, "0 tabletter tilmeldt · mangler"));
    ot_free(&r);
    assert_int_equal(fx_admin(&w.fx, NULL, 0, "1234\n", "pin-set", "--person", u.peer1, NULL), 0);
    ot_get(&w, admin.cookie, "/?lang=en", &r);
    assert_true(ot_has(&r, "1 person can sign in on a tablet · done"));
    ot_free(&r);
    /* A peer is pointed to what a peer can do, not to setting units up. */
    ot_account_make(&w, "peer", "Per", u.peer1, NULL, &peer);
    ot_get(&w, peer.cookie, "/", &r);
    assert_int_equal(r.status, 200);
    assert_false(ot_has(&r, "1 stue"));
    assert_true(ot_has(&r, "href=\"/account\""));
    ot_free(&r);
    ot_down(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anonymous),     cmocka_unit_test(test_static),
        cmocka_unit_test(test_session),       cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_units_by_role), cmocka_unit_test(test_home_steps),
    };
    return cmocka_run_group_tests(tests, up, down);
}
