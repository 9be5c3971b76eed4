/*
 * Sessions: a random token in a cookie the page's script cannot read
 * (HttpOnly), sent only over HTTPS (Secure) and only by this site's own
 * pages (SameSite=Strict); the database keeps only its SHA-256, so a copy
 * of the database signs nobody in. A session ends after office_idle_min
 * minutes unused and office_max_hours after sign-in, whichever is first,
 * and with its account or person deactivated.
 */
#include "off_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srv_account.h"
#include "srv_int.h"

void off_session_load(off_ctx *c)
{
    char tok[80];
    if (off_cookie_get(c->rq->cookie, OFF_SESSION_COOKIE, tok, sizeof tok) != 0 ||
        strlen(tok) != 64 || strspn(tok, "0123456789abcdef") != 64)
        return;
    char hash[65], idle[16], max[16], err[300];
    srv_sha256_hex(tok, 64, hash);
    sodium_memzero(tok, sizeof tok);
    snprintf(idle, sizeof idle, "%d", c->o ? off_idle_min(c) : 60);
    snprintf(max, sizeof max, "%d", c->o ? off_max_hours(c) : 12);
    const char *p[] = {hash, idle, max};
    PGresult *r = srv_q(c->pg,
                        "UPDATE sessions s SET last_seen_at = now() FROM accounts a"
                        " LEFT JOIN people p ON p.id = a.person_id"
                        " WHERE s.token_sha256 = $1 AND a.id = s.account_id"
                        " AND a.disabled_at IS NULL AND (p.id IS NULL OR p.active)"
                        " AND s.last_seen_at > now() - make_interval(mins => $2::int)"
                        " AND s.created_at > now() - make_interval(hours => $3::int)"
                        " RETURNING a.id, a.login, a.name, a.role, coalesce(a.person_id, ''),"
                        " coalesce(p.unit_id, ''), s.csrf, coalesce(s.written_lsn::text, '')",
                        3, p, err, sizeof err);
    if (!r) {
        srv_log("office: session: %s", err);
        return;
    }
    if (PQntuples(r) == 1) {
        off_user *u = &c->user;
        snprintf(u->account_id, sizeof u->account_id, "%s", PQgetvalue(r, 0, 0));
        snprintf(u->login, sizeof u->login, "%s", PQgetvalue(r, 0, 1));
        snprintf(u->name, sizeof u->name, "%s", PQgetvalue(r, 0, 2));
        u->role = off_role_parse(PQgetvalue(r, 0, 3));
        snprintf(u->person_id, sizeof u->person_id, "%s", PQgetvalue(r, 0, 4));
        snprintf(u->unit_id, sizeof u->unit_id, "%s", PQgetvalue(r, 0, 5));
        snprintf(u->csrf, sizeof u->csrf, "%s", PQgetvalue(r, 0, 6));
        snprintf(u->session, sizeof u->session, "%s", hash);
        snprintf(u->written_lsn, sizeof u->written_lsn, "%s", PQgetvalue(r, 0, 7));
    }
    PQclear(r);
}

void off_replica_begin(off_ctx *c)
{
    if (c->rd != c->pg || !c->rq->server || strcmp(c->rq->method, "POST") == 0 ||
        c->user.role == OFF_ROLE_NONE)
        return;
    PGconn *rd = srv_replica_get(c->rq->server, c->user.written_lsn);
    if (rd)
        c->rd = rd;
}

/* A failure is logged: the session's pages may then show the replica's
 * picture from before the form for as long as it lags, which is what a
 * colleague's session sees anyway. */
void off_session_written(off_ctx *c, const char *session)
{
    char err[300];
    const char *p[] = {session};
    if (srv_exec(c->pg,
                 "UPDATE sessions SET written_lsn = pg_current_wal_insert_lsn()"
                 " WHERE token_sha256 = $1",
                 1, p, err, sizeof err) != 0)
        srv_log("office: where a form left the log could not be noted: %s", err);
}

int off_csrf_ok(off_ctx *c)
{
    const char *sent = off_form_get(&c->form, "csrf");
    char want[80] = "";
    if (c->user.role != OFF_ROLE_NONE)
        snprintf(want, sizeof want, "%s", c->user.csrf);
    else if (off_cookie_get(c->rq->cookie, OFF_PRE_COOKIE, want, sizeof want) != 0)
        return 0;
    return sent && strlen(want) == 64 && strlen(sent) == 64 && sodium_memcmp(sent, want, 64) == 0;
}

/* Signing out ends this session and tells the browser to forget it. */
void off_sign_out(off_ctx *c)
{
    char err[300];
    const char *p[] = {c->user.session};
    if (srv_exec(c->pg, "DELETE FROM sessions WHERE token_sha256 = $1", 1, p, err, sizeof err))
        srv_log("office: sign out: %s", err);
    off_audit(c, "office-sign-out", c->user.unit_id, c->user.account_id, "");
    char v[160];
    snprintf(v, sizeof v, "%s=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0",
             OFF_SESSION_COOKIE);
    off_header(c, "Set-Cookie", v);
    off_redirect(c, "/sign-in?done=signed-out");
}

/* ---- signing in ---- */

/* Failed sign-ins are counted per login and per address over this window;
 * past either limit, sign-in is refused until the oldest counted failure
 * leaves the window. */
#define FAIL_WINDOW_MIN 15
#define FAIL_LOGIN_MAX 5
#define FAIL_ADDRESS_MAX 20
/* Each failure waits this much longer than the one before, up to the
 * bound, so that guessing is slow even below the limits. */
#define FAIL_STEP_MS 250
#define FAIL_WAIT_MAX_MS 2000

static const char *address_of(const off_ctx *c) { return c->rq->address ? c->rq->address : ""; }

/* Whether next is a path of this site that a sign-in may send the browser
 * on to: it begins with one slash (not "//", which a browser reads as
 * another host) and holds only printable ASCII without backslashes. */
static int safe_next(const char *next)
{
    if (!next || next[0] != '/' || next[1] == '/' || strlen(next) > 512)
        return 0;
    for (const char *p = next; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
            return 0;
    return 1;
}

/* The minutes until login and address may try again (0: now); -1 when
 * the database failed. */
static int wait_minutes(off_ctx *c, const char *login)
{
    char win[8], lmax[8], amax[8], err[300];
    snprintf(win, sizeof win, "%d", FAIL_WINDOW_MIN);
    snprintf(lmax, sizeof lmax, "%d", FAIL_LOGIN_MAX);
    snprintf(amax, sizeof amax, "%d", FAIL_ADDRESS_MAX);
    const char *p[] = {login, address_of(c), win, lmax, amax};
    /* The limit-th newest failure in the window: once it leaves the
     * window, fewer than the limit remain. */
    PGresult *r = srv_q(
        c->pg,
        "SELECT coalesce(max(ceil(extract(epoch FROM at + make_interval(mins => $3::int) - now())"
        " / 60)), 0)::int FROM ("
        " (SELECT at FROM sign_in_failures WHERE login = $1"
        "  AND at > now() - make_interval(mins => $3::int) ORDER BY at DESC OFFSET $4::int - 1"
        "  LIMIT 1)"
        " UNION ALL"
        " (SELECT at FROM sign_in_failures WHERE address = $2"
        "  AND at > now() - make_interval(mins => $3::int) ORDER BY at DESC OFFSET $5::int - 1"
        "  LIMIT 1)) x",
        5, p, err, sizeof err);
    if (!r) {
        srv_log("office: sign-in limit: %s", err);
        return -1;
    }
    int m = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return m < 0 ? 0 : m;
}

/* Counts a failure for login from this address and waits the longer the
 * more this login has failed lately. The same for a login that exists and
 * one that does not, so the answer tells nothing about which. */
static void note_failure(off_ctx *c, const char *login, const char *account_id, const char *unit)
{
    char win[8], err[300];
    snprintf(win, sizeof win, "%d", FAIL_WINDOW_MIN);
    const char *p[] = {login, address_of(c), win};
    if (srv_exec(c->pg, "DELETE FROM sign_in_failures WHERE at < now() - interval '1 day'", 0, NULL,
                 err, sizeof err) != 0 ||
        srv_exec(c->pg, "INSERT INTO sign_in_failures (login, address) VALUES ($1, $2)", 2, p, err,
                 sizeof err) != 0)
        srv_log("office: sign-in failure not counted: %s", err);
    /* The login is logged only when it names an account: a login typed
     * wrong is often the password typed in the wrong field. */
    char detail[160];
    snprintf(detail, sizeof detail, "%s address=%.60s",
             account_id && *account_id ? "wrong password" : "unknown login", address_of(c));
    if (srv_audit(c->pg, "office:anonymous", "office-sign-in-failed", unit ? unit : "",
                  account_id ? account_id : "", detail, err, sizeof err) != 0)
        srv_log("office: audit: %s", err);
    PGresult *r = srv_q(c->pg,
                        "SELECT count(*) FROM sign_in_failures WHERE login = $1"
                        " AND at > now() - make_interval(mins => $3::int)",
                        3, (const char *[]){login, address_of(c), win}, err, sizeof err);
    long n = r ? atol(PQgetvalue(r, 0, 0)) : FAIL_LOGIN_MAX;
    PQclear(r);
    long ms = n * FAIL_STEP_MS;
    if (ms > FAIL_WAIT_MAX_MS)
        ms = FAIL_WAIT_MAX_MS;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Ends the browser's current session (if any) and starts a new one for
 * account: a new token, so a token planted before sign-in is worth
 * nothing after, with a new form token. The cookie has no Max-Age: it
 * goes when the browser closes, and the server's expiry ends it anyway. */
static int start_session(off_ctx *c, const char *account_id)
{
    char err[300];
    if (c->user.session[0]) {
        const char *p[] = {c->user.session};
        srv_exec(c->pg, "DELETE FROM sessions WHERE token_sha256 = $1", 1, p, err, sizeof err);
    }
    unsigned char r[32];
    char tok[65], hash[65], csrf[65];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(tok, sizeof tok, r, sizeof r);
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(csrf, sizeof csrf, r, sizeof r);
    sodium_memzero(r, sizeof r);
    srv_sha256_hex(tok, 64, hash);
    const char *p[] = {hash, account_id, csrf, address_of(c)};
    if (srv_exec(c->pg,
                 "INSERT INTO sessions (token_sha256, account_id, csrf, address)"
                 " VALUES ($1, $2, $3, left($4, 64))",
                 4, p, err, sizeof err) != 0) {
        srv_log("office: session: %s", err);
        sodium_memzero(tok, sizeof tok);
        return -1;
    }
    char v[200];
    snprintf(v, sizeof v, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict", OFF_SESSION_COOKIE,
             tok);
    sodium_memzero(tok, sizeof tok);
    off_header(c, "Set-Cookie", v);
    sodium_memzero(v, sizeof v);
    snprintf(c->user.account_id, sizeof c->user.account_id, "%s", account_id);
    return 0;
}

/* The sign-in page, with the login typed and a message when a try
 * failed. */
static void sign_in_page(off_ctx *c, int status, const char *login, const char *next,
                         const char *problem)
{
    off_buf *b = &c->body;
    c->out->status = status;
    off_page_begin(c, off_tr(c, "Sign in"), NULL);
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Sign in with the login and password you chose from your "
                             "invitation link. Forgotten your password? Ask your leader or "
                             "administrator for a new link."));
    off_buf_put(b, "</p>");
    if (problem) {
        off_buf_put(b, "<div class=\"errors\" role=\"alert\"><p>");
        off_buf_esc(b, problem);
        off_buf_put(b, "</p></div>");
    }
    off_form_begin(c, "/sign-in");
    if (next && safe_next(next)) {
        off_buf_put(b, "<input type=\"hidden\" name=\"next\" value=\"");
        off_buf_esc(b, next);
        off_buf_put(b, "\">");
    }
    off_input(c, "text", "login", off_tr(c, "Login"), login, OFF_LOGIN_MAX, NULL, NULL);
    off_input(c, "password", "password", off_tr(c, "Password"), NULL, SRV_PW_MAX, NULL, NULL);
    off_submit(c, off_tr(c, "Sign in"), 0);
    off_form_end(c);
    off_page_end(c);
}

void off_sign_in_form(off_ctx *c)
{
    const char *next = off_form_get(&c->query, "next");
    if (c->user.role != OFF_ROLE_NONE) {
        off_redirect(c, safe_next(next) ? next : "/");
        return;
    }
    sign_in_page(c, 200, NULL, next, NULL);
}

/* Says when to try again, in whole minutes. */
static void too_many(off_ctx *c, const char *login, const char *next, int minutes)
{
    char msg[300];
    snprintf(msg, sizeof msg,
             off_ntr(c, "Too many failed sign-ins. Try again in %d minute.",
                     "Too many failed sign-ins. Try again in %d minutes.", minutes),
             minutes);
    sign_in_page(c, 429, login, next, msg);
    char v[16];
    snprintf(v, sizeof v, "%d", minutes * 60);
    off_header(c, "Retry-After", v);
}

void off_sign_in(off_ctx *c)
{
    const char *login_in = off_form_get(&c->form, "login");
    const char *pw = off_form_get(&c->form, "password");
    const char *next = off_form_get(&c->form, "next");
    char login[OFF_LOGIN_MAX + 1] = "";
    size_t n = login_in ? strlen(login_in) : 0;
    /* Logins are kept in lower case; spaces around them are a slip. */
    while (n && (*login_in == ' ' || *login_in == '\t'))
        login_in++, n--;
    while (n && (login_in[n - 1] == ' ' || login_in[n - 1] == '\t'))
        n--;
    if (n > OFF_LOGIN_MAX)
        n = OFF_LOGIN_MAX;
    for (size_t i = 0; i < n; i++)
        login[i] = (char)(login_in[i] >= 'A' && login_in[i] <= 'Z' ? login_in[i] | 0x20
                                                                   : login_in[i]);
    login[n] = 0;
    if (!login[0] || !pw || !pw[0]) {
        sign_in_page(c, 400, login, next, off_tr(c, "Write your login and your password."));
        return;
    }
    int wait = wait_minutes(c, login);
    if (wait < 0) {
        off_fail(c, 503, "The database did not answer. Try again in a moment.");
        return;
    }
    if (wait > 0) {
        too_many(c, login, next, wait);
        return;
    }
    char err[300];
    const char *p[] = {login};
    PGresult *r = srv_q(c->pg,
                        "SELECT a.id, a.pw_hash, coalesce(p.unit_id, '') FROM accounts a"
                        " LEFT JOIN people p ON p.id = a.person_id WHERE a.login = $1"
                        " AND a.disabled_at IS NULL AND (p.id IS NULL OR p.active)",
                        1, p, err, sizeof err);
    if (!r) {
        srv_log("office: sign in: %s", err);
        off_fail(c, 503, "The database did not answer. Try again in a moment.");
        return;
    }
    char id[64] = "", hash[SRV_PW_HASH_MAX] = "", unit[64] = "";
    if (PQntuples(r) == 1) {
        snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
        snprintf(hash, sizeof hash, "%s", PQgetvalue(r, 0, 1));
        snprintf(unit, sizeof unit, "%s", PQgetvalue(r, 0, 2));
    }
    PQclear(r);
    /* An unknown login, a disabled account and one that has not chosen a
     * password yet are checked against a hash nobody knows: the same work,
     * the same wait and the same words as a wrong password. */
    if (!srv_account_pw_verify(hash, pw)) {
        note_failure(c, login, id, unit);
        sign_in_page(c, 400, login, next,
                     off_tr(c, "The login or the password is wrong. Check them and try again."));
        return;
    }
    sodium_memzero(hash, sizeof hash);
    const char *q[] = {login};
    srv_exec(c->pg, "DELETE FROM sign_in_failures WHERE login = $1", 1, q, err, sizeof err);
    if (start_session(c, id) != 0) {
        off_fail(c, 503, "The database did not answer. Try again in a moment.");
        return;
    }
    char detail[100];
    snprintf(detail, sizeof detail, "address=%.60s", address_of(c));
    char actor[80];
    snprintf(actor, sizeof actor, "office:%s", id);
    if (srv_audit(c->pg, actor, "office-sign-in", unit, id, detail, err, sizeof err) != 0)
        srv_log("office: audit: %s", err);
    off_redirect(c, safe_next(next) ? next : "/");
}

/* Signing out everywhere ends every session of the account, on every
 * browser: for a password that may have been seen, or a computer left
 * signed in. */
void off_sign_out_everywhere(off_ctx *c)
{
    char err[300];
    const char *p[] = {c->user.account_id};
    if (srv_exec(c->pg, "DELETE FROM sessions WHERE account_id = $1", 1, p, err, sizeof err)) {
        srv_log("office: sign out everywhere: %s", err);
        off_fail(c, 503, "The database did not answer. Try again in a moment.");
        return;
    }
    off_audit(c, "office-sign-out-everywhere", c->user.unit_id, c->user.account_id, "");
    char v[160];
    snprintf(v, sizeof v, "%s=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0",
             OFF_SESSION_COOKIE);
    off_header(c, "Set-Cookie", v);
    off_redirect(c, "/sign-in?done=signed-out-everywhere");
}

/* ---- choosing a password ---- */

/* The rule for a password, said on every page that sets one. */
static void pw_rule(off_ctx *c)
{
    char msg[300];
    snprintf(msg, sizeof msg,
             off_tr(c, "At least %d characters, and not your login. A few words in a row are "
                       "easy to remember and hard to guess."),
             SRV_PW_MIN);
    off_buf_put(&c->body, "<p class=\"hint\">");
    off_buf_esc(&c->body, msg);
    off_buf_put(&c->body, "</p>");
}

/* What is wrong with a new password and its repetition, as a sentence in
 * the reader's language (NULL: nothing). */
static const char *pw_problem(off_ctx *c, const char *login, const char *pw, const char *again,
                              char *buf, size_t cap)
{
    switch (srv_account_pw_check(login, pw)) {
    case SRV_PW_OK: break;
    case SRV_PW_SHORT:
        snprintf(buf, cap, off_tr(c, "The password must be at least %d characters long."),
                 SRV_PW_MIN);
        return buf;
    case SRV_PW_LONG: return off_tr(c, "The password is too long.");
    case SRV_PW_LOGIN: return off_tr(c, "The password must not contain your login.");
    case SRV_PW_INVALID: return off_tr(c, "The password holds characters that cannot be used.");
    }
    if (!again || strcmp(pw, again) != 0)
        return off_tr(c, "The two passwords are not the same.");
    return NULL;
}

/* The account an invitation token opens, while it is unused, unexpired and
 * its account enabled: id, login and name, or 0. */
static int invite_find(off_ctx *c, const char *token, char id[64], char login[OFF_LOGIN_MAX + 1],
                       char name[MODEL_NAME_MAX + 1])
{
    if (!token || strlen(token) != 64 || strspn(token, "0123456789abcdef") != 64)
        return 0;
    char hash[65], err[300];
    srv_sha256_hex(token, 64, hash);
    const char *p[] = {hash};
    PGresult *r = srv_q(c->pg,
                        "SELECT a.id, a.login, a.name FROM invites i"
                        " JOIN accounts a ON a.id = i.account_id"
                        " LEFT JOIN people p ON p.id = a.person_id"
                        " WHERE i.token_sha256 = $1 AND i.used_at IS NULL"
                        " AND i.expires_at > now() AND a.disabled_at IS NULL"
                        " AND (p.id IS NULL OR p.active)",
                        1, p, err, sizeof err);
    if (!r) {
        srv_log("office: invitation: %s", err);
        return 0;
    }
    int ok = PQntuples(r) == 1;
    if (ok) {
        snprintf(id, 64, "%s", PQgetvalue(r, 0, 0));
        snprintf(login, OFF_LOGIN_MAX + 1, "%s", PQgetvalue(r, 0, 1));
        snprintf(name, MODEL_NAME_MAX + 1, "%s", PQgetvalue(r, 0, 2));
    }
    PQclear(r);
    return ok;
}

static void invite_page(off_ctx *c, int status, const char *token, const char *login,
                        const char *name, const char *problem)
{
    off_buf *b = &c->body;
    c->out->status = status;
    off_page_begin(c, off_tr(c, "Choose your password"), NULL);
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Welcome to Blik Office,"));
    off_buf_put(b, " <strong>");
    off_buf_esc(b, name);
    off_buf_put(b, "</strong>. ");
    off_buf_esc(b, off_tr(c, "Choose the password you will sign in with. Your login is"));
    off_buf_put(b, " <strong>");
    off_buf_esc(b, login);
    off_buf_put(b, "</strong>.</p>");
    if (problem)
        off_error_summary(c, (const char *[]){"new_password"}, (const char *[]){problem}, 1);
    off_buf *path = &(off_buf){0};
    off_buf_put(path, "/invite/");
    off_buf_url(path, token);
    char *action = off_buf_take(path, NULL);
    off_form_begin(c, action ? action : "/invite/");
    free(action);
    /* The login as a field the password manager can read, not changeable. */
    off_buf_put(b, "<input type=\"hidden\" name=\"login\" autocomplete=\"username\" value=\"");
    off_buf_esc(b, login);
    off_buf_put(b, "\">");
    pw_rule(c);
    off_input(c, "password", "new_password", off_tr(c, "New password"), NULL, SRV_PW_MAX, NULL,
              problem);
    off_input(c, "password", "new_password2", off_tr(c, "The same password again"), NULL,
              SRV_PW_MAX, NULL, NULL);
    off_submit(c, off_tr(c, "Save password and sign in"), 0);
    off_form_end(c);
    off_page_end(c);
}

static void invite_gone(off_ctx *c)
{
    off_fail(c, 404,
             "This invitation link does not work: it has been used, it is more than 7 days "
             "old, or a newer link has been made. Ask your leader or administrator for a new "
             "one.");
}

void off_invite_form(off_ctx *c)
{
    char id[64], login[OFF_LOGIN_MAX + 1], name[MODEL_NAME_MAX + 1];
    if (!invite_find(c, c->args[0], id, login, name)) {
        invite_gone(c);
        return;
    }
    invite_page(c, 200, c->args[0], login, name, NULL);
}

/* Choosing the password uses the invitation up (claimed in one statement,
 * so a link posted twice at once sets one password), then signs in. */
void off_invite_accept(off_ctx *c)
{
    char id[64], login[OFF_LOGIN_MAX + 1], name[MODEL_NAME_MAX + 1];
    const char *token = c->args[0];
    if (!invite_find(c, token, id, login, name)) {
        invite_gone(c);
        return;
    }
    const char *pw = off_form_get(&c->form, "new_password");
    char buf[200];
    const char *problem = pw_problem(c, login, pw ? pw : "",
                                     off_form_get(&c->form, "new_password2"), buf, sizeof buf);
    if (problem) {
        invite_page(c, 400, token, login, name, problem);
        return;
    }
    char hash[65], err[SRV_ACC_ERR_MAX];
    srv_sha256_hex(token, 64, hash);
    const char *p[] = {hash};
    PGresult *r = srv_q(c->pg,
                        "UPDATE invites SET used_at = now() WHERE token_sha256 = $1"
                        " AND used_at IS NULL AND expires_at > now() RETURNING account_id",
                        1, p, err, sizeof err);
    int claimed = r && PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), id);
    PQclear(r);
    if (!claimed) {
        invite_gone(c);
        return;
    }
    char actor[80];
    snprintf(actor, sizeof actor, "office:%s", id);
    if (srv_account_set_password(c->pg, actor, id, pw, NULL, err, sizeof err) != SRV_ACC_OK ||
        start_session(c, id) != 0) {
        srv_log("office: invitation: %s", err);
        off_fail(c, 503, "The database did not answer. Try again in a moment.");
        return;
    }
    off_redirect(c, "/?done=welcome");
}

/* ---- the account page ---- */

static void account_page(off_ctx *c, int status, const char *cur_err, const char *new_err)
{
    off_buf *b = &c->body;
    c->out->status = status;
    off_page_begin(c, off_tr(c, "Your account"), NULL);
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Here you change your password and can sign out on every "
                             "computer and tablet where you are signed in."));
    off_buf_put(b, "</p><dl class=\"facts\"><dt>");
    off_buf_esc(b, off_tr(c, "Name"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, c->user.name);
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "Login"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, c->user.login);
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "Role"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, off_role_label(c, c->user.role));
    off_buf_put(b, "</dd></dl><h2>");
    off_buf_esc(b, off_tr(c, "Change password"));
    off_buf_put(b, "</h2>");
    const char *fields[2], *msgs[2];
    int n = 0;
    if (cur_err)
        fields[n] = "password", msgs[n++] = cur_err;
    if (new_err)
        fields[n] = "new_password", msgs[n++] = new_err;
    off_error_summary(c, fields, msgs, n);
    off_form_begin(c, "/account/password");
    off_buf_put(b, "<input type=\"hidden\" name=\"login\" autocomplete=\"username\" value=\"");
    off_buf_esc(b, c->user.login);
    off_buf_put(b, "\">");
    off_input(c, "password", "password", off_tr(c, "Current password"), NULL, SRV_PW_MAX, NULL,
              cur_err);
    pw_rule(c);
    off_input(c, "password", "new_password", off_tr(c, "New password"), NULL, SRV_PW_MAX, NULL,
              new_err);
    off_input(c, "password", "new_password2", off_tr(c, "The same password again"), NULL,
              SRV_PW_MAX, NULL, NULL);
    off_submit(c, off_tr(c, "Change password"), 0);
    off_form_end(c);
    off_buf_put(b, "<p class=\"hint\">");
    off_buf_esc(b, off_tr(c, "Changing the password signs you out everywhere else."));
    off_buf_put(b, "</p><h2>");
    off_buf_esc(b, off_tr(c, "Sign out everywhere"));
    off_buf_put(b, "</h2><p>");
    off_buf_esc(b, off_tr(c, "Forgot to sign out on a shared computer, or think someone has "
                             "seen your password? This signs you out on every computer and "
                             "tablet, this one too."));
    off_buf_put(b, "</p>");
    off_form_begin(c, "/sign-out-everywhere");
    off_submit(c, off_tr(c, "Sign out everywhere"), 1);
    off_form_end(c);
    off_page_end(c);
}

void off_account(off_ctx *c) { account_page(c, 200, NULL, NULL); }

/* A new password needs the current one, checked and counted like a
 * sign-in, so that a session left open does not let anyone take the
 * account over; the other sessions end. */
void off_account_password(off_ctx *c)
{
    const char *cur = off_form_get(&c->form, "password");
    const char *pw = off_form_get(&c->form, "new_password");
    int wait = wait_minutes(c, c->user.login);
    if (wait != 0) {
        off_fail(c, wait < 0 ? 503 : 429,
                 wait < 0 ? "The database did not answer. Try again in a moment."
                          : "Too many wrong passwords. Try again later.");
        return;
    }
    char err[SRV_ACC_ERR_MAX], hash[SRV_PW_HASH_MAX] = "";
    const char *p[] = {c->user.account_id};
    PGresult *r = srv_q(c->pg, "SELECT pw_hash FROM accounts WHERE id = $1", 1, p, err, sizeof err);
    if (r && PQntuples(r) == 1)
        snprintf(hash, sizeof hash, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!srv_account_pw_verify(hash, cur ? cur : "")) {
        note_failure(c, c->user.login, c->user.account_id, c->user.unit_id);
        account_page(c, 400, off_tr(c, "The current password is wrong."), NULL);
        return;
    }
    char buf[200];
    const char *problem = pw_problem(c, c->user.login, pw ? pw : "",
                                     off_form_get(&c->form, "new_password2"), buf, sizeof buf);
    if (problem) {
        account_page(c, 400, NULL, problem);
        return;
    }
    char actor[80];
    off_actor(c, actor, sizeof actor);
    if (srv_account_set_password(c->pg, actor, c->user.account_id, pw, c->user.session, err,
                                 sizeof err) != SRV_ACC_OK) {
        srv_log("office: password: %s", err);
        off_fail(c, 503, "The database did not answer. Try again in a moment.");
        return;
    }
    off_redirect(c, "/account?done=password-changed");
}

const char *off_role_label(const off_ctx *c, off_role r)
{
    switch (r) {
    case OFF_ROLE_ADMIN: return off_tr(c, "Administrator");
    case OFF_ROLE_AREA: return off_tr(c, "Area leader");
    case OFF_ROLE_LEADER: return off_tr(c, "Leader");
    case OFF_ROLE_PEER: return off_tr(c, "Colleague");
    default: return "";
    }
}
