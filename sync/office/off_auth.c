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
                        " coalesce(p.unit_id, ''), s.csrf",
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
    }
    PQclear(r);
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
