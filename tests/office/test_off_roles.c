/*
 * Who may reach what, walked: every row of off_routes (so a page added
 * later is walked without anyone remembering to) as every role, with the
 * ids of unit A's things in place of each '*'. The policy is the table
 * below, by the address's first segment: which id stands in, whether the
 * thing belongs to unit A (then only those who reach unit A may touch it),
 * and the form a POST sends. A route whose first segment is not in the
 * table fails the test: add its kind of page here.
 *
 * Allowed is an answer of 2xx or 3xx (not a redirect to sign in);
 * refused is 403, or for a visitor who is not signed in a redirect to
 * sign in (GET) or 403 (POST). A refused POST must change nothing: every
 * table of the database is the same before and after.
 */
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

#include "off_int.h"
#include "offtest.h"
#include "plat.h"
#include "srv_account.h"
#include "srv_int.h"
#include "srv_plan.h"

static ot_world W;
static fx_unit A, B;

/* The roles, each an account with a session made fresh per request (a
 * route may end the session it came with: sign out, a new password). */
enum { ANON, PEER_A, LEADER_A, LEADER_B, AREA_A, AREA_B, ADMIN, N_ROLES };
static const char *const role_names[N_ROLES] = {"anonymous",          "peer of A",
                                                "leader of A",        "leader of B",
                                                "area leader with A", "area leader without A",
                                                "administrator"};
static ot_account acct[N_ROLES];
/* Whether each role reaches unit A at all, and its least role. */
static const int reaches_a[N_ROLES] = {0, 1, 1, 0, 1, 0, 1};
static const off_role level[N_ROLES] = {OFF_ROLE_NONE,   OFF_ROLE_PEER, OFF_ROLE_LEADER,
                                        OFF_ROLE_LEADER, OFF_ROLE_AREA, OFF_ROLE_AREA,
                                        OFF_ROLE_ADMIN};

#define PW "walk+the+routes+daily"
#define PW_PLAIN "walk the routes daily"

static char target_account[64]; /* the account of A.peer2, which pages act on */
static char area_target[64];    /* an area leader's account with unit A */
static char spare_login[40] = "spare.walker";

static void sql(const char *q)
{
    PGresult *r = PQexec(W.fx.db, q);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", q, PQerrorMessage(W.fx.db));
    PQclear(r);
}

/* ---- ids and forms, by the address's first segment ---- */

/* A fresh invitation token for the spare account. */
static void fresh_invite(char *out, size_t cap)
{
    char tok[65], err[300];
    PGresult *r = PQexec(W.fx.db, "SELECT id FROM accounts WHERE login = 'spare.walker'");
    assert_int_equal(PQntuples(r), 1);
    char id[64];
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    assert_int_equal(srv_account_invite(W.fx.db, "test", id, tok, err, sizeof err), SRV_ACC_OK);
    snprintf(out, cap, "%s", tok);
}

/* A person of unit A without an account, for an invitation. */
static void fresh_person(char *out, size_t cap)
{
    char id[64];
    assert_int_equal(fx_admin(&W.fx, id, sizeof id, NULL, "person-add", "--unit", A.unit, "--name",
                              "Nina Ny", "--role", "peer", NULL),
                     0);
    snprintf(out, cap, "%s", id);
}

/* A new person's form names unit A; the others are the person's own. */
static void form_people(const char *pattern, char *out, size_t cap);

typedef struct {
    const char *segment; /* the address's first segment ("" for "/") */
    int unit_a;          /* its '*' names a thing of unit A */
    /* The form below reaches the page's own checks but is not a whole
     * valid change (a designer's form): for an allowed POST, 400 (the form
     * shown again with its errors) or 409 (refused as it stands, such as a
     * template in use) also shows the role was let through; such a form
     * names no unit, so only the '*' decides who reaches unit A. */
    int gate_only;
    /* The id for '*' (NULL: the route has none). */
    void (*id)(char *out, size_t cap);
    /* The fields a POST sends beside the form token, made for the route
     * (pattern) so that an allowed POST succeeds. */
    void (*form)(const char *pattern, char *out, size_t cap);
} kind;

/* The kinds whose '*' names an observation of unit A (observed by A's
 * leader, of A's peer): only its observer, its observee and unit A's
 * leaders open it; area leaders and administrators do not (domain.md). */
static const char *const personal[] = {"observations", "plans"};

static int is_personal(const kind *k)
{
    for (size_t i = 0; i < sizeof personal / sizeof personal[0]; i++)
        if (!strcmp(k->segment, personal[i]))
            return 1;
    return 0;
}

static void id_account(char *out, size_t cap) { snprintf(out, cap, "%s", target_account); }
static void id_template(char *out, size_t cap) { snprintf(out, cap, "%s", A.tmpl); }
static void id_unit(char *out, size_t cap) { snprintf(out, cap, "%s", A.unit); }
static void id_room(char *out, size_t cap) { snprintf(out, cap, "%s", A.room); }
static void id_focus(char *out, size_t cap) { snprintf(out, cap, "%s", A.focus); }

static model_id obs_a; /* an observation of unit A, pushed by its tablet in up() */
static void id_observation(char *out, size_t cap) { snprintf(out, cap, "%s", obs_a); }
/* An open next step of unit A's focus put in afresh, so each marking
 * done acts on one still open. */
static void id_step(char *out, size_t cap)
{
    const char *p[] = {A.focus, A.unit};
    PGresult *r = PQexecParams(W.fx.db,
                               "INSERT INTO focus_steps (focus_id, unit_id, text, created_by)"
                               " VALUES ($1, $2, 'Walked step', 'test') RETURNING id",
                               2, NULL, p, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* A day some weeks ahead, YYYY-MM-DD. */
static void ahead(int days, char out[11])
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A plan of unit A put in afresh (A's leader observes A's peer, the peer
 * role's person), so each cancelling or agreeing acts on one still open. */
static void id_plan(char *out, size_t cap)
{
    srv_plan p;
    memset(&p, 0, sizeof p);
    snprintf(p.unit_id, sizeof p.unit_id, "%s", A.unit);
    snprintf(p.focus_id, sizeof p.focus_id, "%s", A.focus);
    snprintf(p.observer_id, sizeof p.observer_id, "%s", A.leader);
    snprintf(p.observee_id, sizeof p.observee_id, "%s", A.peer1);
    ahead(20, p.day_from);
    snprintf(p.day_to, sizeof p.day_to, "%s", p.day_from);
    char err[300];
    int64_t seq;
    if (srv_exec(W.fx.db, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        srv_feed_lock(W.fx.db, A.unit, &seq, err, sizeof err) != 0 ||
        srv_plan_add(W.fx.db, &p, "test", "", &seq, err, sizeof err) != 0 ||
        srv_feed_release(W.fx.db, A.unit, seq, err, sizeof err) != 0 ||
        srv_exec(W.fx.db, "COMMIT", 0, NULL, err, sizeof err) != 0)
        fail_msg("a plan for the walk: %s", err);
    snprintf(out, cap, "%s", p.id);
}

/* The plan forms: one plan of unit A, a rota's proposal of its people. */
static void form_plans(const char *pattern, char *out, size_t cap)
{
    char d[11], e[11];
    ahead(21, d);
    ahead(21 + 13, e);
    if (!strcmp(pattern, "/plans/new"))
        snprintf(out, cap, "&focus=%s&observer=%s&observee=%s&day=%s&span=day&terms=", A.focus,
                 A.leader, A.peer1, d);
    else if (!strcmp(pattern, "/plans/rota"))
        snprintf(out, cap, "&step=propose&focus=%s&from=%s&to=%s&rounds=1&person=%s&person=%s",
                 A.focus, d, e, A.leader, A.peer1);
    else
        snprintf(out, cap, "%s", "");
}

/* A tablet of unit A put in afresh (as an enrolment leaves it), so each
 * revoke or wipe acts on one that is still in use. */
static void id_tablet(char *out, size_t cap)
{
    model_id id;
    assert_int_equal(model_id_new(plat_sys_os(), id), 0);
    const char *p[] = {id, A.unit};
    PGresult *r = PQexecParams(W.fx.db,
                               "INSERT INTO devices (id, unit_id, name, secret_sha256)"
                               " VALUES ($1, $2, 'Walked tablet', md5($1))",
                               2, NULL, p, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    snprintf(out, cap, "%s", id);
}

/* The units pages' forms: a name, a retention, a room's name; each page
 * reads only the fields it wants (a form that adds lacks its new id, so
 * those count by the gate). */
static void form_units(const char *pattern, char *out, size_t cap)
{
    (void)pattern;
    snprintf(out, cap, "%s", "&name=Walked&retention=365&room=Stue+W");
}

static void form_template(const char *pattern, char *out, size_t cap)
{
    (void)pattern;
    snprintf(out, cap, "%s", "");
}

static void form_none(const char *pattern, char *out, size_t cap)
{
    (void)pattern;
    snprintf(out, cap, "%s", "");
}

static void form_sign_in(const char *pattern, char *out, size_t cap)
{
    (void)pattern;
    snprintf(out, cap, "&login=%s&password=" PW, spare_login);
}

static void form_invite(const char *pattern, char *out, size_t cap)
{
    (void)pattern;
    snprintf(out, cap, "&new_password=" PW "&new_password2=" PW);
}

static void form_account(const char *pattern, char *out, size_t cap)
{
    (void)pattern;
    snprintf(out, cap, "&password=" PW "&new_password=" PW "&new_password2=" PW);
}

static void form_accounts(const char *pattern, char *out, size_t cap)
{
    if (!strcmp(pattern, "/accounts/new")) {
        char person[64];
        fresh_person(person, sizeof person);
        snprintf(out, cap, "&kind=person&person=%s", person);
    } else if (strstr(pattern, "/units")) {
        snprintf(out, cap, "&unit=%s", A.unit);
    } else {
        snprintf(out, cap, "%s", "");
    }
}

static void form_people(const char *pattern, char *out, size_t cap)
{
    if (!strcmp(pattern, "/people/new"))
        snprintf(out, cap, "&unit=%s&name=Nina+Ny&role=peer", A.unit);
    else
        snprintf(out, cap, "%s", "");
}

/* For /accounts/<id>/units the account is an area leader's. */
static int units_route(const char *pattern)
{
    return !strncmp(pattern, "/accounts/", 10) && strstr(pattern, "/units") != NULL;
}

/*
 * The policy. unit_a: the thing belongs to unit A, so a leader of another
 * unit and an area leader without unit A are refused. Beyond this table,
 * a route is refused to a role below its least role (off_routes).
 */
/*
 * Routes that give out observed people's names and words (domain.md):
 * only a leader of the unit, never an area leader or an administrator,
 * whatever the route table's least role lets through. Without an id in
 * the address the file is of the reader's own unit.
 */
static const char *const names_people[] = {"/exports/observations.csv", "/exports/events.csv",
                                           "/plans/new", "/plans/rota"};

static int gives_out_people(const char *pattern)
{
    for (size_t i = 0; i < sizeof names_people / sizeof names_people[0]; i++)
        if (!strcmp(pattern, names_people[i]))
            return 1;
    return 0;
}

static const kind kinds[] = {
    {"", 0, 0, NULL, form_none},                     /* the overview */
    {"sign-in", 0, 0, NULL, form_sign_in},           /* anyone: it is the way in */
    {"sign-out", 0, 0, NULL, form_none},             /* one's own session */
    {"sign-out-everywhere", 0, 0, NULL, form_none},  /* one's own sessions */
    {"invite", 0, 0, fresh_invite, form_invite},     /* whoever holds the link */
    {"account", 0, 0, NULL, form_account},           /* one's own account */
    {"accounts", 1, 0, id_account, form_accounts},   /* unit A's people's accounts */
    {"templates", 1, 1, id_template, form_template}, /* unit A's templates */
    {"people", 1, 1, fresh_person, form_people},     /* unit A's people (a new one each time) */
    {"units", 1, 1, id_unit, form_units},            /* unit A itself, its rooms and codes */
    {"rooms", 1, 1, id_room, form_units},            /* unit A's room */
    {"tablets", 1, 1, id_tablet, form_none},         /* unit A's tablets (a new one each time) */
    {"focuses", 1, 1, id_focus, form_none},          /* unit A's focus; peers may read it */
    /* unit A's observation (see personal[]); the list is scoped inside */
    {"observations", 1, 0, id_observation, form_none},
    {"calibration", 1, 0, NULL, form_none}, /* leaders' aggregate, scoped to their units */
    {"exports", 1, 0, NULL, form_none},     /* the reader's own unit's files */
    {"steps", 1, 0, id_step, form_none},    /* a next step agreed for unit A's focus */
    {"area", 0, 0, NULL, form_none},        /* the area overview: scoped inside */
    /* unit A's plan (see personal[]: it names who observes whom); a new
     * plan's form names no unit (it is the leader's own), so the page's
     * own check refuses another unit's people (400) */
    {"plans", 1, 1, id_plan, form_plans},
};

static const kind *kind_of(const char *pattern)
{
    char seg[64];
    const char *p = pattern + 1;
    snprintf(seg, sizeof seg, "%.*s", (int)strcspn(p, "/"), p);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i].segment, seg))
            return &kinds[i];
    return NULL;
}

/* Whether role may reach the route, by the policy. */
static int expect_allowed(int role, const off_route *rt, const kind *k, const char *fields)
{
    if (level[role] < rt->least)
        return 0;
    /* Only the colleague observed agrees to a plan: the walk's plan is
     * the peer's. */
    if (!strcmp(rt->pattern, "/plans/*/agree"))
        return role == PEER_A;
    if (is_personal(k) && strchr(rt->pattern, '*'))
        return role == PEER_A || role == LEADER_A;
    if (gives_out_people(rt->pattern) && level[role] > OFF_ROLE_LEADER)
        return 0;
    /* A thing of unit A, named by the address's '*' or by the form a POST
     * sends: only who reaches unit A. A list (a GET without '*') is
     * scoped inside the page: everyone it is open to gets it. */
    int names_a = strchr(rt->pattern, '*') ||
                  (!strcmp(rt->method, "POST") && (!k->gate_only || strstr(fields, A.unit)));
    if (k->unit_a && names_a && !reaches_a[role])
        return 0;
    return 1;
}

/* ---- the database's state ---- */

/*
 * A digest of every table (sessions without their last use, which every
 * request touches), so that a refused POST is seen to change nothing.
 */
static void digest(char out[33])
{
    PGresult *t = PQexec(W.fx.db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                                  " ORDER BY tablename");
    assert_int_equal(PQresultStatus(t), PGRES_TUPLES_OK);
    char *all = calloc(1, 1);
    size_t len = 0;
    for (int i = 0; i < PQntuples(t); i++) {
        const char *name = PQgetvalue(t, i, 0);
        char q[400];
        if (!strcmp(name, "sessions"))
            snprintf(q, sizeof q,
                     "SELECT coalesce(md5(string_agg(token_sha256 || account_id || csrf, '|'"
                     " ORDER BY token_sha256)), '') FROM sessions");
        else
            snprintf(q, sizeof q,
                     "SELECT coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '')"
                     " FROM \"%s\" x",
                     name);
        PGresult *r = PQexec(W.fx.db, q);
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        const char *v = PQgetvalue(r, 0, 0);
        all = realloc(all, len + strlen(name) + strlen(v) + 3);
        assert_non_null(all);
        len += (size_t)sprintf(all + len, "%s=%s;", name, v);
        PQclear(r);
    }
    PQclear(t);
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)all, len, NULL, 0);
    sodium_bin2hex(out, 33, h, sizeof h);
    free(all);
}

/* A new session for role's account: cookie and form token. */
static void session(int role, char cookie[200], char csrf[65])
{
    if (role == ANON) {
        ot_resp r;
        ot_get(&W, NULL, "/sign-in", &r);
        ot_csrf(&r, csrf);
        const char *sc = ot_set_cookie(&r, 0);
        assert_non_null(sc);
        snprintf(cookie, 200, "%.*s", (int)strcspn(sc, ";"), sc);
        ot_free(&r);
        return;
    }
    assert_int_equal(fx_office_session(W.fx.db, acct[role].id, cookie, 200, csrf), 0);
}

/* The routes' state put back between requests: accounts enabled, the
 * target's units, the spare account's password, no failures counted. */
static void reset(void)
{
    sql("UPDATE accounts SET disabled_at = NULL");
    sql("UPDATE units SET active = true");
    sql("UPDATE rooms SET active = true");
    sql("DELETE FROM sign_in_failures");
}

/* A srv_handle call as a tablet makes it (authz NULL: none). */
static void tablet_call(const char *authz, const char *path, const char *body, srv_response *a)
{
    srv_request rq = {.method = "POST",
                      .path = path,
                      .authorization = authz,
                      .address = "127.0.0.1",
                      .body = body,
                      .len = strlen(body)};
    srv_handle(W.s, &rq, a);
    assert_int_equal(a->status, 200);
}

/* An observation of unit A by its leader of A's peer, sent by a tablet
 * of A enrolled for it, so that the observation pages have one to show. */
static void push_observation(void)
{
    char code[40], body[200], authz[200];
    assert_int_equal(fx_admin(&W.fx, code, sizeof code, NULL, "enrol-code", "--unit", A.unit, NULL),
                     0);
    snprintf(body, sizeof body, "{\"schema\":1,\"code\":\"%s\",\"device_name\":\"Walk\"}", code);
    srv_response a;
    tablet_call(NULL, "/v1/enrol", body, &a);
    proto_enrol_reply rep;
    proto_err pe;
    assert_int_equal(proto_enrol_reply_decode(a.body, strlen(a.body), &rep, &pe), 0);
    free(a.body);
    snprintf(authz, sizeof authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
    model_record rec;
    fx_obs(&A, A.leader, A.peer1, &rec);
    snprintf(obs_a, sizeof obs_a, "%s", rec.u.obs.id);
    proto_change ch;
    fx_change(&ch, A.leader, 0, &rec);
    char *push = fx_push_body(&ch, 1);
    tablet_call(authz, "/v1/push", push, &a);
    free(push);
    assert_non_null(strstr(a.body, "\"stored\""));
    free(a.body);
}

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_roles");
    fx_make_unit(&W.fx, "Solsikken", &A);
    fx_make_unit(&W.fx, "Mælkebøtten", &B);
    const char *units_a[] = {A.unit, NULL}, *units_b[] = {B.unit, NULL};
    ot_account_make(&W, "peer", "Per Peer", A.peer1, NULL, &acct[PEER_A]);
    ot_account_make(&W, "leader", "Lea A", A.leader, NULL, &acct[LEADER_A]);
    ot_account_make(&W, "leader", "Lea B", B.leader, NULL, &acct[LEADER_B]);
    ot_account_make(&W, "area", "Arne A", NULL, units_a, &acct[AREA_A]);
    ot_account_make(&W, "area", "Arne B", NULL, units_b, &acct[AREA_B]);
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &acct[ADMIN]);
    push_observation();
    ot_account spare, target, area;
    ot_account_make(&W, "peer", "Pia Peer", A.peer2, NULL, &target);
    ot_account_make(&W, "area", "Ole Område", NULL, units_a, &area);
    ot_account_make(&W, "admin", "Spare", NULL, NULL, &spare);
    snprintf(target_account, sizeof target_account, "%s", target.id);
    snprintf(area_target, sizeof area_target, "%s", area.id);
    char hash[SRV_PW_HASH_MAX], q[400];
    assert_int_equal(srv_account_pw_hash(PW_PLAIN, hash), 0);
    snprintf(q, sizeof q, "UPDATE accounts SET pw_hash = '%s'", hash);
    sql(q);
    snprintf(q, sizeof q, "UPDATE accounts SET login = '%s' WHERE id = '%s'", spare_login,
             spare.id);
    sql(q);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

/* Every route as every role. */
static void test_walk(void **state)
{
    (void)state;
    int failures = 0, walked = 0;
    for (int i = 0; i < off_n_routes; i++) {
        const off_route *rt = &off_routes[i];
        const kind *k = kind_of(rt->pattern);
        if (!k) {
            print_error("%s %s: a kind of page the role test does not know; add its first "
                        "segment to kinds[] in tests/office/test_off_roles.c\n",
                        rt->method, rt->pattern);
            failures++;
            continue;
        }
        for (int role = 0; role < N_ROLES; role++) {
            reset();
            char id[100] = "", path[300], cookie[200], csrf[65], fields[600], form[800];
            const char *star = strchr(rt->pattern, '*');
            if (star) {
                if (units_route(rt->pattern))
                    snprintf(id, sizeof id, "%s", area_target);
                else
                    k->id(id, sizeof id);
                snprintf(path, sizeof path, "%.*s%s%s", (int)(star - rt->pattern), rt->pattern, id,
                         star + 1);
            } else {
                snprintf(path, sizeof path, "%s", rt->pattern);
            }
            session(role, cookie, csrf);
            int post = !strcmp(rt->method, "POST");
            fields[0] = 0;
            if (post)
                k->form(rt->pattern, fields, sizeof fields);
            int allowed = expect_allowed(role, rt, k, fields);
            char before[33], after[33];
            ot_resp r;
            if (post) {
                snprintf(form, sizeof form, "csrf=%s%s", csrf, fields);
                digest(before);
                ot_post(&W, cookie, path, form, &r);
                digest(after);
            } else {
                ot_get(&W, cookie, path, &r);
            }
            const char *loc = ot_header(&r, "Location");
            int to_sign_in = r.status == 303 && loc && !strncmp(loc, "/sign-in?next=", 14);
            int was_allowed = (r.status >= 200 && r.status < 400 && !to_sign_in) ||
                              (post && k->gate_only && (r.status == 400 || r.status == 409));
            int was_refused = r.status == 403 || (role == ANON && !post && to_sign_in);
            walked++;
            if (allowed ? !was_allowed : !was_refused) {
                print_error("%s %s as %s: expected %s, got %d%s%s\n", rt->method, path,
                            role_names[role], allowed ? "allowed" : "refused", r.status,
                            loc ? " to " : "", loc ? loc : "");
                failures++;
            } else if (!allowed && post && strcmp(before, after) != 0) {
                print_error("%s %s as %s: refused, but the database changed\n", rt->method, path,
                            role_names[role]);
                failures++;
            }
            ot_free(&r);
        }
    }
    print_message("walked %d routes as %d roles: %d requests\n", off_n_routes, N_ROLES, walked);
    assert_int_equal(failures, 0);
    assert_int_equal(walked, off_n_routes * N_ROLES);
}

/* The walk can fail: a route opened to everyone by mistake is caught. */
static void test_policy_bites(void **state)
{
    (void)state;
    /* A leader of B on unit A's account page, and a peer on the accounts
     * list, as the walk expects: refused, and the page says nothing of
     * what it holds. */
    char cookie[200], csrf[65], path[200];
    ot_resp r;
    session(LEADER_B, cookie, csrf);
    snprintf(path, sizeof path, "/accounts/%s", target_account);
    ot_get(&W, cookie, path, &r);
    assert_int_equal(r.status, 403);
    assert_false(ot_has(&r, "Pia Peer"));
    ot_free(&r);
    session(PEER_A, cookie, csrf);
    ot_get(&W, cookie, "/accounts", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* A peer reads their unit's focus; another unit's leader does not. */
    snprintf(path, sizeof path, "/focuses/%s", A.focus);
    ot_get(&W, cookie, path, &r);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    session(LEADER_B, cookie, csrf);
    ot_get(&W, cookie, path, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* An observation's page: its observee reads it; an area leader with
     * its unit and an administrator are refused it, and its list shows
     * them no observed person's name. */
    session(PEER_A, cookie, csrf);
    snprintf(path, sizeof path, "/observations/%s", obs_a);
    ot_get(&W, cookie, path, &r);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    for (int role = AREA_A; role <= ADMIN; role++) {
        session(role, cookie, csrf);
        ot_get(&W, cookie, path, &r);
        assert_int_equal(r.status, 403);
        assert_false(ot_has(&r, "Per Peer"));
        ot_free(&r);
    }
    /* The files naming people are refused to an area leader of unit A
     * and to an administrator, who may see unit A's other pages. */
    session(AREA_A, cookie, csrf);
    snprintf(path, sizeof path, "/exports/events.csv?unit=%s", A.unit);
    ot_get(&W, cookie, path, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    session(ADMIN, cookie, csrf);
    ot_get(&W, cookie, path, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    assert_true(gives_out_people("/exports/observations.csv"));
    assert_false(gives_out_people("/exports"));
    /* An unknown first segment is no kind the walk knows. */
    assert_null(kind_of("/no-such-kind/*"));
    assert_non_null(kind_of("/accounts/*/disable"));
    assert_non_null(kind_of("/tablets/*/wipe"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_policy_bites),
    };
    return cmocka_run_group_tests(tests, up, down);
}
