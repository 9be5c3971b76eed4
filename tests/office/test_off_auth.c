/* Accounts and sign-in: invitation links from the command line, choosing a
 * password, signing in and the limits on guessing, the session cookie,
 * changing the password, signing out everywhere, and the audit log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "offtest.h"

static ot_world W;
static fx_unit A;

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_auth");
    fx_make_unit(&W.fx, "Solsikken", &A);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

static long long count(const char *sql) { return fx_count(&W.fx, sql); }

static void sql(const char *q)
{
    PGresult *r = PQexec(W.fx.db, q);
    assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
}

/* One value from the database, into out. */
static void value(const char *q, char *out, size_t cap)
{
    PGresult *r = PQexec(W.fx.db, q);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 1);
    snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* The token at the end of an invitation link ("/invite/<64 hex>"). */
static void token_of(const char *link, char tok[65])
{
    const char *t = strstr(link, "/invite/");
    assert_non_null(t);
    t += strlen("/invite/");
    assert_int_equal(strlen(t), 64);
    assert_int_equal(strspn(t, "0123456789abcdef"), 64);
    memcpy(tok, t, 65);
}

/* The session token a Set-Cookie header gives, and its flags checked. */
static void session_of(const ot_resp *r, char cookie[200])
{
    const char *sc = NULL;
    for (int i = 0; (sc = ot_set_cookie(r, i)); i++)
        if (!strncmp(sc, "__Host-blik=", 12))
            break;
    assert_non_null(sc);
    assert_non_null(strstr(sc, "; Path=/"));
    assert_non_null(strstr(sc, "; Secure"));
    assert_non_null(strstr(sc, "; HttpOnly"));
    assert_non_null(strstr(sc, "; SameSite=Strict"));
    size_t n = strcspn(sc, ";");
    assert_int_equal(n, 12 + 64);
    snprintf(cookie, 200, "%.*s", (int)n, sc);
}

/* The pre-session form token and its cookie, from the sign-in page. */
static void pre(const char *path, char cookie[200], char csrf[65])
{
    ot_resp r;
    ot_get(&W, NULL, path, &r);
    assert_int_equal(r.status, 200);
    ot_csrf(&r, csrf);
    const char *sc = ot_set_cookie(&r, 0);
    assert_non_null(sc);
    assert_int_equal(strncmp(sc, "__Host-blik-pre=", 16), 0);
    snprintf(cookie, 200, "%.*s", (int)strcspn(sc, ";"), sc);
    ot_free(&r);
}

/* Signs in; the status, and the session cookie into cookie on success. */
static int sign_in(const char *login, const char *pw, const char *next, char cookie[200],
                   ot_resp *out)
{
    char pc[200], csrf[65], form[600];
    pre("/sign-in", pc, csrf);
    snprintf(form, sizeof form, "csrf=%s&login=%s&password=%s%s%s", csrf, login, pw,
             next ? "&next=" : "", next ? next : "");
    ot_post(&W, pc, "/sign-in", form, out);
    if (out->status == 303 && cookie)
        session_of(out, cookie);
    return out->status;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* An admin command's standard output and error together, and its status. */
static int admin(char *out, size_t cap, const char *in, ...)
{
    va_list ap;
    va_start(ap, in);
    const char *argv[20];
    int n = 0;
    for (const char *a; n < 19 && (a = va_arg(ap, const char *));)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    int rc = fx_admin(&W.fx, out, cap, in, n > 0 ? argv[0] : NULL, n > 1 ? argv[1] : NULL,
                      n > 2 ? argv[2] : NULL, n > 3 ? argv[3] : NULL, n > 4 ? argv[4] : NULL,
                      n > 5 ? argv[5] : NULL, n > 6 ? argv[6] : NULL, n > 7 ? argv[7] : NULL, NULL);
    return rc;
}

/* An invitation made on the command line is a link to a path of random
 * hex whose only trace in the database is its hash; a second link for the
 * same person makes the first stop working. */
static void test_invite_cli(void **state)
{
    (void)state;
    char link[600], link2[600], tok[65], tok2[65], hash[65], q[300];
    assert_int_equal(admin(link, sizeof link, NULL, "invite", "--person", A.leader, NULL), 0);
    assert_int_equal(strncmp(link, "/invite/", 8), 0);
    token_of(link, tok);
    unsigned char h[32];
    crypto_hash_sha256(h, (const unsigned char *)tok, 64);
    sodium_bin2hex(hash, sizeof hash, h, sizeof h);
    snprintf(q, sizeof q, "SELECT count(*) FROM invites WHERE token_sha256 = '%s'", hash);
    assert_int_equal(count(q), 1);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM invites i, audit_log l WHERE i.token_sha256 LIKE '%%%s%%'"
             " OR l.detail LIKE '%%%s%%'",
             tok, tok);
    assert_int_equal(count(q), 0);
    /* With public-url the whole link. */
    assert_int_equal(admin(link2, sizeof link2, NULL, "--public-url", "https://office.test:8443/",
                           "invite", "--person", A.leader, NULL),
                     0);
    assert_int_equal(strncmp(link2, "https://office.test:8443/invite/", 32), 0);
    token_of(link2, tok2);
    ot_resp r;
    snprintf(q, sizeof q, "/invite/%s", tok);
    ot_get(&W, NULL, q, &r);
    assert_int_equal(r.status, 404);
    assert_true(ot_has(&r, "Dette invitationslink virker ikke"));
    ot_free(&r);
    snprintf(q, sizeof q, "/invite/%s", tok2);
    ot_get(&W, NULL, q, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Lea Leader"));
    assert_true(ot_has(&r, "Mindst 10 tegn"));
    assert_true(ot_has(&r, "autocomplete=\"new-password\""));
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM accounts WHERE person_id IS NOT NULL"), 1);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'account-invite'"), 2);
    /* Bad command lines change nothing. */
    long long before = count("SELECT count(*) FROM accounts");
    assert_int_equal(admin(NULL, 0, NULL, "invite", NULL), 2);
    assert_int_equal(admin(NULL, 0, NULL, "invite", "--person", "nobody", NULL), 1);
    assert_int_equal(
        admin(NULL, 0, NULL, "account-add", "--login", "boss", "--role", "leader", NULL), 2);
    assert_int_equal(admin(NULL, 0, NULL, "account-add", "--login", "area1", "--role", "area",
                           "--unit", "no-such-unit", NULL),
                     1);
    assert_int_equal(
        admin(NULL, 0, NULL, "account-add", "--login", "Bad Login", "--role", "admin", NULL), 1);
    assert_int_equal(count("SELECT count(*) FROM accounts"), before);
}

/* The invited person chooses a password by the rule the page says, is
 * signed in, and the link is used up. */
static void test_invite_accept(void **state)
{
    (void)state;
    char link[600], tok[65], path[100], pc[200], csrf[65], form[600], cookie[200];
    assert_int_equal(
        admin(link, sizeof link, NULL, "invite", "--person", A.peer1, "--login", "per.peer", NULL),
        0);
    token_of(link, tok);
    snprintf(path, sizeof path, "/invite/%s", tok);
    pre(path, pc, csrf);
    static const char *const bad[][2] = {
        {"short1", "short1"},                       /* too short */
        {"per.peer-is-me", "per.peer-is-me"},       /* holds the login */
        {"long+enough+words", "long+enough+wordz"}, /* not the same twice */
    };
    ot_resp r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(form, sizeof form, "csrf=%s&new_password=%s&new_password2=%s", csrf, bad[i][0],
                 bad[i][1]);
        ot_post(&W, pc, path, form, &r);
        assert_int_equal(r.status, 400);
        assert_true(ot_has(&r, "aria-invalid=\"true\""));
        assert_null(ot_set_cookie(&r, 1));
        ot_free(&r);
    }
    assert_int_equal(count("SELECT count(*) FROM accounts WHERE login = 'per.peer'"
                           " AND pw_hash = ''"),
                     1);
    /* Without the form token: refused. */
    snprintf(form, sizeof form, "new_password=sol+og+regn+i+dag&new_password2=sol+og+regn+i+dag");
    ot_post(&W, pc, path, form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    snprintf(form, sizeof form,
             "csrf=%s&new_password=sol+og+regn+i+dag&new_password2=sol+og+regn+i+dag", csrf);
    ot_post(&W, pc, path, form, &r);
    assert_int_equal(r.status, 303);
    assert_string_equal(ot_header(&r, "Location"), "/?done=welcome");
    session_of(&r, cookie);
    ot_free(&r);
    char h[200];
    value("SELECT pw_hash FROM accounts WHERE login = 'per.peer'", h, sizeof h);
    assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
    ot_get(&W, cookie, "/?done=welcome", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Per Peer"));
    assert_true(ot_has(&r, "Din adgangskode er gemt"));
    ot_free(&r);
    /* Used once: the link is gone, and posting it again changes nothing. */
    ot_get(&W, NULL, path, &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    ot_post(&W, pc, path, form, &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    /* An expired link does not work either. */
    assert_int_equal(admin(link, sizeof link, NULL, "invite", "--person", A.peer2, NULL), 0);
    token_of(link, tok);
    sql("UPDATE invites SET expires_at = now() - interval '1 second' WHERE used_at IS NULL");
    snprintf(path, sizeof path, "/invite/%s", tok);
    ot_get(&W, NULL, path, &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    /* The password is nowhere in the audit log. */
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE detail LIKE '%sol og regn%'"
                           " OR detail LIKE '%sol+og%'"),
                     0);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'account-password'"), 1);
}

/* An administrator made on the command line gets a password from standard
 * input and signs in; next= is followed only within this site; the
 * session is new, its hash alone is stored, and the sign-in is logged. */
static void test_sign_in(void **state)
{
    (void)state;
    char out[600];
    assert_int_equal(
        admin(out, sizeof out, NULL, "account-add", "--login", "boss", "--role", "admin", NULL), 0);
    assert_int_equal(admin(NULL, 0, "kort\n", "account-password", "--login", "boss", NULL), 1);
    assert_int_equal(
        admin(NULL, 0, "boss-password-1\n", "account-password", "--login", "boss", NULL), 1);
    assert_int_equal(count("SELECT count(*) FROM accounts WHERE login = 'boss' AND pw_hash = ''"),
                     1);
    assert_int_equal(
        admin(NULL, 0, "lang+kaffe+tirsdag\n", "account-password", "--login", "boss", NULL), 0);
    char cookie[200], q[300];
    ot_resp r;
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", "%2Faccount", cookie, &r), 303);
    assert_string_equal(ot_header(&r, "Location"), "/account");
    ot_free(&r);
    unsigned char h[32];
    char hash[65];
    crypto_hash_sha256(h, (const unsigned char *)cookie + 12, 64);
    sodium_bin2hex(hash, sizeof hash, h, sizeof h);
    snprintf(q, sizeof q, "SELECT count(*) FROM sessions WHERE token_sha256 = '%s'", hash);
    assert_int_equal(count(q), 1);
    snprintf(q, sizeof q, "SELECT count(*) FROM sessions WHERE token_sha256 = '%s'", cookie + 12);
    assert_int_equal(count(q), 0);
    ot_get(&W, cookie, "/account", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Administrator"));
    ot_free(&r);
    /* Elsewhere is refused as a next step: the overview instead. */
    static const char *const away[] = {"%2F%2Fevil.example%2F", "https%3A%2F%2Fevil.example",
                                       "%2F%5Cevil.example", "%2Fx%0D%0ASet-Cookie%3A+a%3Db"};
    for (size_t i = 0; i < sizeof away / sizeof away[0]; i++) {
        assert_int_equal(sign_in("BOSS", "lang%2Bkaffe%2Btirsdag", away[i], NULL, &r), 303);
        assert_string_equal(ot_header(&r, "Location"), "/");
        ot_free(&r);
    }
    assert_true(count("SELECT count(*) FROM audit_log WHERE action = 'office-sign-in'") >= 5);
    /* A browser posting the office's own form under no-referrer says
     * "Origin: null": the token decides. Another site's origin is refused,
     * and so is a null origin without the token. */
    char pc[200], csrf[65], form[300];
    pre("/sign-in", pc, csrf);
    snprintf(form, sizeof form, "csrf=%s&login=boss&password=lang%%2Bkaffe%%2Btirsdag", csrf);
    ot_post_from(&W, pc, "null", "/sign-in", form, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    ot_post_from(&W, pc, "https://evil.example", "/sign-in", form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    ot_post_from(&W, NULL, "null", "/sign-in", form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* A disabled account signs in no more, and its sessions end. */
    assert_int_equal(admin(NULL, 0, NULL, "account-disable", "--login", "boss", NULL), 0);
    ot_get(&W, cookie, "/account", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", NULL, NULL, &r), 400);
    assert_true(ot_has(&r, "Brugernavnet eller adgangskoden er forkert"));
    ot_free(&r);
    assert_int_equal(admin(NULL, 0, NULL, "account-enable", "--login", "boss", NULL), 0);
    char *list = fx_admin_all(&W.fx, &(int){0}, "account-list", NULL);
    assert_non_null(strstr(list, "boss\tadmin\tboss\t\t\tactive"));
    assert_non_null(strstr(list, "per.peer\tpeer\tPer Peer\t"));
    free(list);
    sql("DELETE FROM sign_in_failures");
}

/* Guessing is slowed and then refused for the login, the same for a login
 * that does not exist, and counted in the database, so that every server
 * process agrees. */
static void test_rate_limit(void **state)
{
    (void)state;
    ot_resp r;
    char known[400] = "", unknown[400] = "";
    double t_known = 0, t_unknown = 0;
    const char *unknown_logged = "SELECT count(*) FROM audit_log WHERE action ="
                                 " 'office-sign-in-failed' AND detail LIKE 'unknown login%'";
    long long logged = count(unknown_logged);
    for (int i = 0; i < 5; i++) {
        double t0 = now_ms();
        assert_int_equal(sign_in("boss", "wrong-guess", NULL, NULL, &r), 400);
        t_known += now_ms() - t0;
        const char *m = strstr(r.body, "<div class=\"errors\"");
        assert_non_null(m);
        snprintf(known, sizeof known, "%.*s", (int)strcspn(m, "\n"), m);
        ot_free(&r);
        t0 = now_ms();
        assert_int_equal(sign_in("nobody.here", "wrong-guess", NULL, NULL, &r), 400);
        t_unknown += now_ms() - t0;
        m = strstr(r.body, "<div class=\"errors\"");
        assert_non_null(m);
        snprintf(unknown, sizeof unknown, "%.*s", (int)strcspn(m, "\n"), m);
        ot_free(&r);
    }
    /* The same words, and each try waited longer than the one before:
     * 250 + 500 + 750 + 1000 + 1250 ms at least, for either. */
    char *k = strstr(known, "</div>"), *u = strstr(unknown, "</div>");
    assert_non_null(k);
    assert_non_null(u);
    assert_true(k - known == u - unknown && !memcmp(known, unknown, (size_t)(k - known)));
    assert_true(t_known >= 3750 && t_unknown >= 3750);
    assert_true(t_known < 2 * t_unknown && t_unknown < 2 * t_known);
    /* Now even the right password is refused, with when to come back. */
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", NULL, NULL, &r), 429);
    assert_true(ot_has(&r, "Prøv igen om 15 minutter"));
    assert_string_equal(ot_header(&r, "Retry-After"), "900");
    ot_free(&r);
    assert_int_equal(sign_in("nobody.here", "x", NULL, NULL, &r), 429);
    ot_free(&r);
    /* The count is in the database: failures another process counted 14
     * minutes ago leave one minute to wait. */
    sql("UPDATE sign_in_failures SET at = now() - interval '14 minutes'");
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", NULL, NULL, &r), 429);
    assert_true(ot_has(&r, "Prøv igen om 1 minut."));
    ot_free(&r);
    sql("UPDATE sign_in_failures SET at = now() - interval '16 minutes'");
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", NULL, NULL, &r), 303);
    ot_free(&r);
    /* Twenty failures from one address, each with a login of its own,
     * close the address. */
    sql("DELETE FROM sign_in_failures");
    sql("INSERT INTO sign_in_failures (login, address)"
        " SELECT 'guess' || g, '127.0.0.1' FROM generate_series(1, 20) g");
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", NULL, NULL, &r), 429);
    ot_free(&r);
    sql("UPDATE sign_in_failures SET address = '10.9.9.9'");
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", NULL, NULL, &r), 303);
    ot_free(&r);
    /* Failures are logged without the login that was typed when it names
     * no account (it may be a password typed in the wrong field). */
    assert_int_equal(count(unknown_logged), logged + 5);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE detail LIKE '%nobody.here%'"
                           " OR detail LIKE '%wrong-guess%'"),
                     0);
    sql("DELETE FROM sign_in_failures");
}

/* Changing the password needs the current one and ends the other
 * sessions; signing out everywhere ends them all. */
static void test_password_change(void **state)
{
    (void)state;
    char s1[200], s2[200], csrf[65], form[600];
    ot_resp r;
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", NULL, s1, &r), 303);
    ot_free(&r);
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", NULL, s2, &r), 303);
    ot_free(&r);
    ot_get(&W, s1, "/account", &r);
    assert_int_equal(r.status, 200);
    ot_csrf(&r, csrf);
    ot_free(&r);
    char before[200], after[200];
    value("SELECT pw_hash FROM accounts WHERE login = 'boss'", before, sizeof before);
    snprintf(form, sizeof form,
             "csrf=%s&password=not-it-at-all&new_password=ny+kaffe+onsdag&new_password2=ny+"
             "kaffe+onsdag",
             csrf);
    ot_post(&W, s1, "/account/password", form, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "Den nuværende adgangskode er forkert."));
    ot_free(&r);
    snprintf(form, sizeof form,
             "csrf=%s&password=lang%%2Bkaffe%%2Btirsdag&new_password=boss&new_password2=boss",
             csrf);
    ot_post(&W, s1, "/account/password", form, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    value("SELECT pw_hash FROM accounts WHERE login = 'boss'", after, sizeof after);
    assert_string_equal(before, after);
    snprintf(form, sizeof form,
             "csrf=%s&password=lang%%2Bkaffe%%2Btirsdag&new_password=ny+kaffe+onsdag&new_"
             "password2=ny+kaffe+onsdag",
             csrf);
    ot_post(&W, s1, "/account/password", form, &r);
    assert_int_equal(r.status, 303);
    assert_string_equal(ot_header(&r, "Location"), "/account?done=password-changed");
    ot_free(&r);
    ot_get(&W, s2, "/account", &r);
    assert_int_equal(r.status, 303); /* the other session ended */
    ot_free(&r);
    ot_get(&W, s1, "/account", &r);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    assert_int_equal(sign_in("boss", "lang%2Bkaffe%2Btirsdag", NULL, NULL, &r), 400);
    ot_free(&r);
    assert_int_equal(sign_in("boss", "ny+kaffe+onsdag", NULL, s2, &r), 303);
    ot_free(&r);
    /* Everywhere: both sessions end, the cookie is forgotten. */
    snprintf(form, sizeof form, "csrf=%s", csrf);
    ot_post(&W, s1, "/sign-out-everywhere", form, &r);
    assert_int_equal(r.status, 303);
    assert_string_equal(ot_header(&r, "Location"), "/sign-in?done=signed-out-everywhere");
    assert_non_null(strstr(ot_set_cookie(&r, 0), "Max-Age=0"));
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM sessions s JOIN accounts a ON a.id ="
                           " s.account_id WHERE a.login = 'boss'"),
                     0);
    ot_get(&W, s2, "/account", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action ="
                           " 'office-sign-out-everywhere'"),
                     1);
    sql("DELETE FROM sign_in_failures");
}

/* The accounts pages: a leader sees and invites their own unit's people
 * only; only an administrator makes an administrator; a new link voids
 * the old one; disabling ends the sessions. */
static void test_accounts_pages(void **state)
{
    (void)state;
    fx_unit b;
    fx_make_unit(&W.fx, "Mælkebøtten", &b);
    ot_account lead, other, admin;
    sql("DELETE FROM accounts WHERE person_id IN (SELECT id FROM people WHERE name = 'Lea Leader')");
    ot_account_make(&W, "leader", "Lea Leader", A.leader, NULL, &lead);
    ot_account_make(&W, "leader", "Lea Leader B", b.leader, NULL, &other);
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &admin);
    ot_resp r;
    ot_get(&W, lead.cookie, "/accounts", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Per Peer")); /* per.peer, of unit A */
    assert_false(ot_has(&r, "boss"));    /* an administrator: not a leader's */
    assert_false(ot_has(&r, "Lea Leader B"));
    ot_free(&r);
    ot_get(&W, other.cookie, "/accounts", &r);
    assert_false(ot_has(&r, "Per Peer"));
    ot_free(&r);
    /* The leader of B cannot invite A's person, even by a forged form,
     * nor make an administrator; nothing is made. */
    long long accounts = count("SELECT count(*) FROM accounts");
    char form[400];
    snprintf(form, sizeof form, "csrf=%s&kind=person&person=%s", other.csrf, A.peer2);
    ot_post(&W, other.cookie, "/accounts/new", form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    snprintf(form, sizeof form, "csrf=%s&kind=staff&name=Evil&staff_login=evil&role=admin",
             lead.csrf);
    ot_post(&W, lead.cookie, "/accounts/new", form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM accounts"), accounts);
    /* The leader of A invites A's person: the link is shown once. */
    ot_get(&W, lead.cookie, "/accounts/new", &r);
    assert_int_equal(r.status, 200);
    assert_false(ot_has(&r, "Mindst")); /* no administrator's form */
    assert_false(ot_has(&r, "name=\"staff_login\""));
    ot_free(&r);
    char pid[64];
    assert_int_equal(fx_admin(&W.fx, pid, sizeof pid, NULL, "person-add", "--unit", A.unit,
                              "--name", "Nina <b>Ny</b>", "--role", "peer", NULL),
                     0);
    snprintf(form, sizeof form, "csrf=%s&kind=person&person=%s&login=Bad+Login", lead.csrf, pid);
    ot_post(&W, lead.cookie, "/accounts/new", form, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "Et brugernavn er 3 til 64 tegn"));
    ot_free(&r);
    snprintf(form, sizeof form, "csrf=%s&kind=person&person=%s", lead.csrf, pid);
    ot_post(&W, lead.cookie, "/accounts/new", form, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "https://office.test:8443/invite/"));
    assert_true(ot_has(&r, "Nina &lt;b&gt;Ny&lt;/b&gt;"));
    assert_false(ot_has(&r, "<b>Ny"));
    char tok[65];
    snprintf(tok, sizeof tok, "%s", strstr(r.body, "https://office.test:8443/invite/") + 32);
    ot_free(&r);
    char id[64], q[300], path[200];
    snprintf(q, sizeof q, "SELECT id FROM accounts WHERE person_id = '%s'", pid);
    value(q, id, sizeof id);
    assert_int_equal(count("SELECT count(*) FROM accounts WHERE login = 'nina.b.ny.b'"), 1);
    /* A new link from the account's page voids the first. */
    snprintf(path, sizeof path, "/accounts/%s/invite", id);
    snprintf(form, sizeof form, "csrf=%s", lead.csrf);
    ot_post(&W, lead.cookie, path, form, &r);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    snprintf(path, sizeof path, "/invite/%s", tok);
    ot_get(&W, NULL, path, &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    /* Disabling: the account's sessions end; its page says so. */
    snprintf(path, sizeof path, "/accounts/%s/disable", id);
    ot_post(&W, other.cookie, path, form, &r); /* another unit's leader */
    assert_int_equal(r.status, 403);
    ot_free(&r);
    ot_post(&W, lead.cookie, path, form, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM accounts WHERE id = '%s' AND disabled_at IS NOT NULL", id);
    assert_int_equal(count(q), 1);
    /* Enabled again from its page, by its unit's leader only. */
    snprintf(path, sizeof path, "/accounts/%s/enable", id);
    ot_post(&W, other.cookie, path, form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    assert_int_equal(count(q), 1);
    ot_post(&W, lead.cookie, path, form, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(count(q), 0);
    /* Nobody disables themselves. */
    snprintf(path, sizeof path, "/accounts/%s/disable", admin.id);
    snprintf(form, sizeof form, "csrf=%s", admin.csrf);
    ot_post(&W, admin.cookie, path, form, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    /* An administrator makes an area leader with units, then changes them. */
    snprintf(
        form, sizeof form,
        "csrf=%s&kind=staff&name=Anne+Omr%%C3%%A5de&staff_login=anne&role=area&unit=%s&unit=%s",
        admin.csrf, A.unit, b.unit);
    ot_post(&W, admin.cookie, "/accounts/new", form, &r);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    value("SELECT id FROM accounts WHERE login = 'anne'", id, sizeof id);
    snprintf(q, sizeof q, "SELECT count(*) FROM account_units WHERE account_id = '%s'", id);
    assert_int_equal(count(q), 2);
    snprintf(path, sizeof path, "/accounts/%s/units", id);
    snprintf(form, sizeof form, "csrf=%s&unit=%s", admin.csrf, b.unit);
    ot_post(&W, admin.cookie, path, form, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(count(q), 1);
    snprintf(form, sizeof form, "csrf=%s&unit=no-such-unit", admin.csrf);
    ot_post(&W, admin.cookie, path, form, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    assert_int_equal(count(q), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invite_cli),      cmocka_unit_test(test_invite_accept),
        cmocka_unit_test(test_sign_in),         cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_password_change), cmocka_unit_test(test_accounts_pages),
    };
    return cmocka_run_group_tests(tests, up, down);
}
