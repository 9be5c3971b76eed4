/*
 * Looking together: a focus's progression by month and by school term, the
 * team meeting view with its agreed next steps, and the area overview,
 * from observations pushed as a tablet pushes them (the server then keeps
 * its rollups), with known ratings, taps and times, so that every share,
 * colour, rate and count on the pages is checked against a hand count; and
 * who may see them: a peer the figures of their unit, another unit's
 * leader nothing, an area leader only their units, the feedback's texts
 * only the unit's leader, and no page names an observed person.
 *
 * Unit A's observations lie in the four months up to this one (so the area
 * overview's twelve months hold them); unit C's on fixed dates around the
 * turns of the Danish school year and of the year in Danish time.
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

#include "model_json.h"
#include "offtest.h"
#include "plat.h"
#include "proto.h"
#include "srv.h"
#include "srv_ref.h"

static ot_world W;
static fx_unit A, B, C;
static ot_account LEAD_A, PEER_A, LEAD_B, LEAD_C, AREA_A, AREA_B, AREA_AC, ADMIN;
static model_id SIGN_A, SIGN_C;

/* ---- a tablet, in-process: the push goes through srv_handle as the
 * HTTP layer hands it over ---- */

typedef struct {
    char authz[200];
} tab;
static tab TAB_A, TAB_C;

static void tab_call(const tab *t, const char *path, const char *body, srv_response *a)
{
    srv_request rq = {.method = "POST",
                      .path = path,
                      .authorization = t ? t->authz : NULL,
                      .address = "127.0.0.1",
                      .body = body,
                      .len = strlen(body)};
    srv_handle(W.s, &rq, a);
}

static void tab_enrol(const char *unit, tab *t)
{
    char code[40], body[200];
    assert_int_equal(fx_admin(&W.fx, code, sizeof code, NULL, "enrol-code", "--unit", unit, NULL),
                     0);
    snprintf(body, sizeof body, "{\"schema\":1,\"code\":\"%s\",\"device_name\":\"Stuen\"}", code);
    srv_response a;
    tab_call(NULL, "/v1/enrol", body, &a);
    assert_int_equal(a.status, 200);
    proto_enrol_reply rep;
    proto_err pe;
    assert_int_equal(proto_enrol_reply_decode(a.body, strlen(a.body), &rep, &pe), 0);
    snprintf(t->authz, sizeof t->authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
    free(a.body);
}

/* One observation as the tablet records it: rated at level (-1: the sign
 * left unrated), taps on the counter, feedback given and a reflection
 * written or not, finished or a draft. */
typedef struct {
    int64_t start, dur_ms;
    int level, taps, feedback, reflection, draft;
} spec;

static void push_obs(const tab *t, const fx_unit *u, const char *sign, const spec *o)
{
    enum { CAP = 40 };
    proto_change *ch = calloc(CAP, sizeof *ch);
    model_record *rec = calloc(1, sizeof *rec);
    assert_non_null(ch);
    assert_non_null(rec);
    int n = 0;
    fx_obs(u, u->leader, u->peer1, rec);
    model_observation *ob = &rec->u.obs;
    model_id obs;
    snprintf(obs, sizeof obs, "%s", ob->id);
    ob->started_at = o->start;
    ob->ended_at = o->draft ? 0 : o->start + o->dur_ms;
    ob->status = o->draft ? MODEL_OBS_DRAFT : MODEL_OBS_FINISHED;
    ob->updated_at = o->start + o->dur_ms;
    fx_change(&ch[n++], u->leader, 0, rec);
    if (o->level >= 0) {
        memset(rec, 0, sizeof *rec);
        rec->entity = MODEL_ENT_RATING;
        snprintf(rec->u.rating.observation_id, sizeof(model_id), "%s", obs);
        snprintf(rec->u.rating.sign_id, sizeof(model_id), "%s", sign);
        rec->u.rating.level = o->level;
        rec->u.rating.at = o->start + 1000;
        fx_change(&ch[n++], u->leader, 0, rec);
    }
    for (int i = 0; i < o->taps && n < CAP - 2; i++) {
        memset(rec, 0, sizeof *rec);
        rec->entity = MODEL_ENT_EVENT;
        assert_int_equal(model_id_new(plat_sys_os(), rec->u.event.id), 0);
        snprintf(rec->u.event.observation_id, sizeof(model_id), "%s", obs);
        rec->u.event.kind = MODEL_EV_COUNT;
        snprintf(rec->u.event.key, sizeof rec->u.event.key, "open_q");
        rec->u.event.at = o->start + 2000 + i * 1000;
        fx_change(&ch[n++], u->leader, 0, rec);
    }
    if (o->feedback) {
        fx_feedback(obs, u->leader, "The questions waited for answers.", rec);
        rec->u.feedback.given_at = o->start + o->dur_ms + 60000;
        rec->u.feedback.updated_at = rec->u.feedback.given_at;
        fx_change(&ch[n++], u->leader, 0, rec);
    }
    if (o->reflection) {
        fx_reflection(obs, u->peer1, "I will wait longer.", rec);
        fx_change(&ch[n++], u->peer1, 0, rec);
    }
    char *body = fx_push_body(ch, n);
    srv_response a;
    tab_call(t, "/v1/push", body, &a);
    if (a.status != 200)
        fail_msg("push: %d %s", a.status, a.body ? a.body : "");
    free(a.body);
    free(body);
    free(rec);
    free(ch);
}

/* ---- dates ---- */

/* The month k months before this one (UTC), as year and month. */
static void month_back(int k, int *y, int *m)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int idx = (tm.tm_year + 1900) * 12 + tm.tm_mon - k;
    *y = idx / 12;
    *m = idx % 12 + 1;
}

/* UTC milliseconds of y-m-d h:mi. */
static int64_t at(int y, int m, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm) * 1000;
}

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

#define MIN15 (15 * 60000)

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_progress");
    fx_make_unit(&W.fx, "Solsikken", &A);
    fx_make_unit(&W.fx, "Mælkebøtten", &B);
    fx_make_unit(&W.fx, "Regnbuen", &C);
    const char *ua[] = {A.unit, NULL}, *ub[] = {B.unit, NULL}, *uac[] = {A.unit, C.unit, NULL};
    ot_account_make(&W, "leader", "Lene Leder", A.leader, NULL, &LEAD_A);
    ot_account_make(&W, "peer", "Kamma Kollega", A.peer2, NULL, &PEER_A);
    ot_account_make(&W, "leader", "Olga Anden", B.leader, NULL, &LEAD_B);
    ot_account_make(&W, "leader", "Cecilie Leder", C.leader, NULL, &LEAD_C);
    ot_account_make(&W, "area", "Arne Område", NULL, ua, &AREA_A);
    ot_account_make(&W, "area", "Bent Område", NULL, ub, &AREA_B);
    ot_account_make(&W, "area", "Åse Område", NULL, uac, &AREA_AC);
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &ADMIN);
    srv_ref_focus f;
    char err[SRV_REF_ERR_MAX];
    assert_int_equal(srv_ref_focus_get(W.fx.db, A.focus, 0, &f, err, sizeof err), SRV_REF_OK);
    snprintf(SIGN_A, sizeof SIGN_A, "%s", f.focus.signs[0].id);
    assert_int_equal(srv_ref_focus_get(W.fx.db, C.focus, 0, &f, err, sizeof err), SRV_REF_OK);
    snprintf(SIGN_C, sizeof SIGN_C, "%s", f.focus.signs[0].id);
    tab_enrol(A.unit, &TAB_A);
    tab_enrol(C.unit, &TAB_C);

    /* Unit A, by month (the scale: 0 not seen, 1 partly, 2 clearly):
     *   3 months ago: levels 2, 2, 1 -> 5/6 = 83 %, green; 9 taps in 45
     *     minutes -> 2.0 per 10 minutes; feedback on 2, a reflection on 1;
     *   2 months ago: 0, 1, 0 -> 1/6 = 17 %, red; 3 taps in 45 min -> 0.7;
     *   last month: 2, 1 in 2 minutes each -> too few ratings (75 %), and
     *     4 minutes is too short for a rate;
     *   this month: 1, 1, 1, 1 -> 50 %, yellow; and a draft (not counted). */
    int y, m;
    month_back(3, &y, &m);
    spec a3[] = {{at(y, m, 15, 10, 0), MIN15, 2, 3, 1, 1, 0},
                 {at(y, m, 16, 10, 0), MIN15, 2, 6, 1, 0, 0},
                 {at(y, m, 17, 10, 0), MIN15, 1, 0, 0, 0, 0}};
    for (int i = 0; i < 3; i++)
        push_obs(&TAB_A, &A, SIGN_A, &a3[i]);
    month_back(2, &y, &m);
    for (int i = 0; i < 3; i++) {
        spec s = {at(y, m, 10 + i, 9, 0), MIN15, i == 1 ? 1 : 0, 1, 0, 0, 0};
        push_obs(&TAB_A, &A, SIGN_A, &s);
    }
    month_back(1, &y, &m);
    for (int i = 0; i < 2; i++) {
        spec s = {at(y, m, 12 + i, 9, 0), 2 * 60000, i == 0 ? 2 : 1, 2, 0, 0, 0};
        push_obs(&TAB_A, &A, SIGN_A, &s);
    }
    month_back(0, &y, &m);
    for (int i = 0; i < 5; i++) {
        spec s = {at(y, m, 1, 6 + i, 0), MIN15, i == 4 ? 0 : 1, 0, 0, 0, i == 4};
        push_obs(&TAB_A, &A, SIGN_A, &s);
    }

    /* Unit C, on fixed dates (Danish time is UTC+1 in winter, +2 in
     * summer):
     *   2025-08-20: clearly                        -> autumn 2025
     *   2025-12-31 23:30 UTC, 00:30 on 1 January   -> spring 2026, not seen
     *   2026-07-15: partly                         -> spring 2026
     *   2026-07-31 22:30 UTC, 00:30 on 1 August    -> autumn 2026, clearly
     *   2026-09-10 clearly, 2026-10-10 partly      -> autumn 2026
     * so autumn 2026 holds 3 ratings, 5/6 = 83 % (green), and spring 2026
     * 2 ratings, 1/4 = 25 % (too few); a feedback's next step in autumn. */
    spec cs[] = {{at(2025, 8, 20, 10, 0), MIN15, 2, 5, 0, 0, 0},
                 {at(2025, 12, 31, 23, 30), MIN15, 0, 0, 0, 0, 0},
                 {at(2026, 7, 15, 10, 0), MIN15, 1, 0, 0, 0, 0},
                 {at(2026, 7, 31, 22, 30), MIN15, 2, 0, 0, 0, 0},
                 {at(2026, 9, 10, 10, 0), MIN15, 2, 0, 1, 0, 0},
                 {at(2026, 10, 10, 10, 0), MIN15, 1, 0, 0, 0, 0}};
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
        push_obs(&TAB_C, &C, SIGN_C, &cs[i]);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

/* ---- helpers ---- */

static void get(const ot_account *a, const char *path, ot_resp *r)
{
    ot_get(&W, a->cookie, path, r);
}

static void get_status(const ot_account *a, const char *path, int status)
{
    ot_resp r;
    get(a, path, &r);
    if (r.status != status)
        fail_msg("GET %s: %d, not %d", path, r.status, status);
    ot_free(&r);
}

/* Asserts that the page holds s, saying which when it does not. */
static void has(const ot_resp *r, const char *s)
{
    if (!ot_has(r, s))
        fail_msg("the page lacks: %s", s);
}

static void lacks(const ot_resp *r, const char *s)
{
    if (ot_has(r, s))
        fail_msg("the page holds what it must not: %s", s);
}

/* No observed (nor observing) person's name on an aggregate page. */
static void no_names(const ot_resp *r)
{
    lacks(r, "Per Peer");
    lacks(r, "Pia Peer");
    lacks(r, "Lea Leader");
}

/* The address of the observations behind a figure of unit u's focus f in
 * [from, to], for the sign s (NULL: none), as the page writes it. */
static void link(char *out, size_t cap, const fx_unit *u, const char *from, const char *to,
                 const char *s)
{
    int k = snprintf(out, cap,
                     "href=\"/observations?focus=%s&amp;status=finished&amp;unit=%s&amp;from=%s"
                     "&amp;to=%s",
                     u->focus, u->unit, from, to);
    if (s)
        snprintf(out + k, cap - (size_t)k, "&amp;sign=%s", s);
}

static void month_link(char *out, size_t cap, int back, const char *s)
{
    int y, m;
    char from[48], to[48];
    month_back(back, &y, &m);
    snprintf(from, sizeof from, "%04d-%02d-01", y, m);
    snprintf(to, sizeof to, "%04d-%02d-%02d", y, m, days_in(y, m));
    link(out, cap, &A, from, to, s);
}

/* Asserts a table cell: its link, then exactly what it shows. */
static void cell(const ot_resp *r, const char *href, const char *shows)
{
    char want[1200];
    snprintf(want, sizeof want, "%s\">%s", href, shows);
    has(r, want);
}

#define RAG(cls, mark, word)                                                                       \
    "<span class=\"rag rag-" cls "\"><span class=\"rag-mark\" aria-hidden=\"true\">" mark          \
    "</span> " word "</span>"
#define GREEN RAG("green", "\u25CF", "Grøn")
#define YELLOW RAG("yellow", "\u25C6", "Gul")
#define RED RAG("red", "\u25B2", "Rød")
#define FEW RAG("few", "\u25CB", "For få")

/* ---- the tests ---- */

static void test_progression_by_month(void **state)
{
    (void)state;
    char path[200], href[600];
    ot_resp r;
    snprintf(path, sizeof path, "/focuses/%s/progression", A.focus);
    get(&LEAD_A, path, &r);
    assert_int_equal(r.status, 200);
    has(&r, "How do we ask open questions?");
    has(&r, "I alt 12 afsluttede observationer");
    /* Shares and colours per month, each with its ratings, each leading to
     * the observations behind it. */
    month_link(href, sizeof href, 3, SIGN_A);
    cell(&r, href, GREEN " 83 %</a><span class=\"rests\">3 vurderinger</span>");
    month_link(href, sizeof href, 2, SIGN_A);
    cell(&r, href, RED " 17 %</a><span class=\"rests\">3 vurderinger</span>");
    month_link(href, sizeof href, 1, SIGN_A);
    cell(&r, href, FEW " 75 %</a><span class=\"rests\">2 vurderinger</span>");
    month_link(href, sizeof href, 0, SIGN_A);
    cell(&r, href, YELLOW " 50 %</a><span class=\"rests\">4 vurderinger</span>");
    /* Rates per 10 minutes (decimal comma), with what they rest on; under
     * five minutes observed there is no rate, only the count. */
    month_link(href, sizeof href, 3, NULL);
    cell(&r, href, "2,0</a><span class=\"rests\">9 tryk, 45 minutter, 3 observationer</span>");
    month_link(href, sizeof href, 2, NULL);
    cell(&r, href, "0,7</a><span class=\"rests\">3 tryk, 45 minutter, 3 observationer</span>");
    month_link(href, sizeof href, 1, NULL);
    cell(&r, href,
         "for kort til en hyppighed</a><span class=\"rests\">4 tryk, 4 minutter, 2 "
         "observationer</span>");
    /* The observations per month, with feedback and reflection; the draft
     * of this month is not counted. */
    month_link(href, sizeof href, 3, NULL);
    cell(&r, href, "3</a><span class=\"rests\">2 med feedback, 1 med refleksion</span>");
    month_link(href, sizeof href, 0, NULL);
    cell(&r, href, "4</a><span class=\"rests\">0 med feedback, 0 med refleksion</span>");
    /* Followed, that cell lists its four observations, not the draft. */
    {
        char drill[700];
        snprintf(drill, sizeof drill, "%s", href + strlen("href=\""));
        for (char *a = strstr(drill, "&amp;"); a; a = strstr(a + 1, "&amp;"))
            memmove(a + 1, a + 5, strlen(a + 5) + 1);
        ot_resp d;
        get(&LEAD_A, drill, &d);
        assert_int_equal(d.status, 200);
        has(&d, "4 observationer");
        ot_free(&d);
    }
    /* Every chart with its title, description and table; the thresholds. */
    has(&r, "<title id=\"chart-signs-t\">Andel pr. tegn</title>");
    has(&r, "<desc id=\"chart-signs-d\">");
    has(&r, "<caption id=\"chart-counts-cap\">Tællinger pr. 10 minutter");
    has(&r, "grøn fra 70 %, gul fra 40 %, og først en farve fra 3 vurderinger");
    has(&r, "efterår er august til december, forår er januar til juli");
    no_names(&r);
    ot_free(&r);
}

static void test_progression_by_term(void **state)
{
    (void)state;
    char path[200], href[600];
    ot_resp r;
    snprintf(path, sizeof path, "/focuses/%s/progression?by=term", C.focus);
    get(&LEAD_C, path, &r);
    assert_int_equal(r.status, 200);
    has(&r, ">Efterår 2025<");
    has(&r, ">Forår 2026<");
    has(&r, ">Efterår 2026<");
    link(href, sizeof href, &C, "2025-08-01", "2025-12-31", SIGN_C);
    cell(&r, href, FEW " 100 %</a><span class=\"rests\">1 vurdering</span>");
    /* Half past midnight on 1 January in Denmark is the spring term, though
     * it is still 31 December in UTC; the same on 1 August. */
    link(href, sizeof href, &C, "2026-01-01", "2026-07-31", SIGN_C);
    cell(&r, href, FEW " 25 %</a><span class=\"rests\">2 vurderinger</span>");
    link(href, sizeof href, &C, "2026-08-01", "2026-12-31", SIGN_C);
    cell(&r, href, GREEN " 83 %</a><span class=\"rests\">3 vurderinger</span>");
    /* 5 taps in 15 minutes: 3.3 per 10 minutes. */
    link(href, sizeof href, &C, "2025-08-01", "2025-12-31", NULL);
    cell(&r, href, "3,3</a><span class=\"rests\">5 tryk, 15 minutter, 1 observation</span>");
    ot_free(&r);
    /* By month: the same observation is January's. */
    snprintf(path, sizeof path, "/focuses/%s/progression?by=month&lang=en", C.focus);
    get(&LEAD_C, path, &r);
    assert_int_equal(r.status, 200);
    link(href, sizeof href, &C, "2026-01-01", "2026-01-31", SIGN_C);
    cell(&r, href, RAG("few", "\u25CB", "Too few") " 0 %</a><span class=\"rests\">1 rating</span>");
    has(&r, ">Aug 2025<");
    has(&r, ">Oct 2026<");
    ot_free(&r);
}

static void test_progression_scope(void **state)
{
    (void)state;
    char path[300];
    ot_resp r;
    snprintf(path, sizeof path, "/focuses/%s/progression", A.focus);
    /* A peer of the unit sees the figures, without names. */
    get(&PEER_A, path, &r);
    assert_int_equal(r.status, 200);
    has(&r, "83 %");
    no_names(&r);
    lacks(&r, "/meeting");
    ot_free(&r);
    /* Another unit's leader and an area leader without the unit: 403,
     * and nothing of the focus shown. */
    get(&LEAD_B, path, &r);
    assert_int_equal(r.status, 403);
    lacks(&r, "How do we ask open questions?");
    lacks(&r, "83 %");
    ot_free(&r);
    get_status(&AREA_B, path, 403);
    get_status(&AREA_A, path, 200);
    get_status(&ADMIN, path, 200);
    /* Several units: only units the reader has. */
    snprintf(path, sizeof path, "/focuses/%s/progression?units=%s&units=%s", A.focus, A.unit,
             C.unit);
    get_status(&AREA_AC, path, 200);
    get_status(&AREA_A, path, 403);
    snprintf(path, sizeof path, "/focuses/%s/progression?units=%s", A.focus, B.unit);
    get_status(&LEAD_A, path, 403);
    /* Bad input is said, and an unknown focus is not found. */
    snprintf(path, sizeof path, "/focuses/%s/progression?by=week", A.focus);
    get_status(&LEAD_A, path, 400);
    snprintf(path, sizeof path, "/focuses/%s/progression?units=..%%2Funits", A.focus);
    get_status(&LEAD_A, path, 400);
    get_status(&LEAD_A, "/focuses/00000000-0000-4000-8000-000000000000/progression", 404);
    get_status(&LEAD_A, "/focuses/not-an-id/progression", 404);
    /* A focus with no observations says so. */
    snprintf(path, sizeof path, "/focuses/%s/progression", B.focus);
    get(&LEAD_B, path, &r);
    assert_int_equal(r.status, 200);
    has(&r, "Der er endnu ingen afsluttede observationer på dette fokus.");
    ot_free(&r);
}

static void test_meeting(void **state)
{
    (void)state;
    char path[200];
    ot_resp r;
    snprintf(path, sizeof path, "/focuses/%s/meeting", C.focus);
    get(&LEAD_C, path, &r);
    assert_int_equal(r.status, 200);
    has(&r, "<h1>How do we ask open questions?</h1>");
    has(&r, "Efterår 2026: 3 afsluttede observationer. Før, Forår 2026: 2 observationer.");
    has(&r, "Children answer in sentences");
    has(&r, GREEN " <strong>83 %</strong>");
    has(&r, "3 vurderinger; før 25 % (2)");
    has(&r, "Spørgsmål til dialogen");
    has(&r, "Hvad ser vi?");
    /* The next step from the feedback given, as a text without a name. */
    has(&r, "Næste skridt fra den givne feedback");
    has(&r, "Wait five seconds.");
    lacks(&r, "The questions waited for answers.");
    no_names(&r);
    ot_free(&r);
    /* An area leader of the unit sees the picture, not the feedback's
     * texts; a peer and another unit's leader do not see the view. */
    snprintf(path, sizeof path, "/focuses/%s/meeting", A.focus);
    get(&AREA_A, path, &r);
    assert_int_equal(r.status, 200);
    lacks(&r, "Wait five seconds.");
    lacks(&r, "Næste skridt fra den givne feedback");
    no_names(&r);
    ot_free(&r);
    get_status(&PEER_A, path, 403);
    get_status(&LEAD_B, path, 403);
    get_status(&AREA_B, path, 403);
    /* The focus page leads to the progression and, for a leader, here. */
    snprintf(path, sizeof path, "/focuses/%s", A.focus);
    get(&LEAD_A, path, &r);
    char want[200];
    snprintf(want, sizeof want, "/focuses/%s/progression", A.focus);
    has(&r, want);
    snprintf(want, sizeof want, "/focuses/%s/meeting", A.focus);
    has(&r, want);
    ot_free(&r);
}

static long long count(const char *sql) { return fx_count(&W.fx, sql); }

static void sql(const char *q)
{
    PGresult *r = PQexec(W.fx.db, q);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", q, PQerrorMessage(W.fx.db));
    PQclear(r);
}

static void post(const ot_account *a, const char *path, const char *fields, ot_resp *r)
{
    char form[4000];
    snprintf(form, sizeof form, "csrf=%s%s", a->csrf, fields);
    ot_post(&W, a->cookie, path, form, r);
}

static void test_steps(void **state)
{
    (void)state;
    char path[200], q[400];
    ot_resp r;
    snprintf(path, sizeof path, "/focuses/%s/steps", A.focus);
    /* An empty step and a too long one are refused with a message on the
     * form, and nothing is kept. */
    post(&LEAD_A, path, "&text=+++", &r);
    assert_int_equal(r.status, 400);
    has(&r, "Skriv det næste skridt, før du tilføjer det.");
    has(&r, "aria-invalid=\"true\"");
    ot_free(&r);
    char longer[3000] = "&text=";
    for (int i = 0; i < 401; i++)
        strcat(longer, "%C3%A6");
    post(&LEAD_A, path, longer, &r);
    assert_int_equal(r.status, 400);
    has(&r, "Et næste skridt er én linje på højst 400 tegn.");
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM focus_steps"), 0);
    /* 400 of them is one line as long as it may be (800 bytes). */
    longer[6 + 400 * 6] = 0;
    post(&LEAD_A, path, longer, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM focus_steps WHERE length(text) = 400"), 1);
    sql("DELETE FROM focus_steps");
    long long audit0 = count("SELECT count(*) FROM audit_log WHERE action = 'focus.step-add'");
    /* A step is added, audited, and a form sent twice adds it once. */
    for (int i = 0; i < 2; i++) {
        post(&LEAD_A, path, "&text=Vent+fem+sekunder+efter+et+%C3%A5bent+sp%C3%B8rgsm%C3%A5l", &r);
        assert_int_equal(r.status, 303);
        char want[200];
        snprintf(want, sizeof want, "/focuses/%s/meeting?done=step-added#steps", A.focus);
        assert_string_equal(ot_header(&r, "Location"), want);
        ot_free(&r);
    }
    assert_int_equal(count("SELECT count(*) FROM focus_steps"), 1);
    assert_int_equal(
        count("SELECT count(*) FROM audit_log WHERE action = 'focus.step-add'") - audit0, 1);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM focus_steps WHERE focus_id = '%s' AND unit_id = '%s'"
             " AND text = 'Vent fem sekunder efter et åbent spørgsmål' AND done_at IS NULL",
             A.focus, A.unit);
    assert_int_equal(count(q), 1);
    long long id = count("SELECT max(id) FROM focus_steps");
    /* The meeting view shows it with its button. */
    snprintf(path, sizeof path, "/focuses/%s/meeting?done=step-added", A.focus);
    get(&LEAD_A, path, &r);
    has(&r, "Det næste skridt er tilføjet.");
    has(&r, "Vent fem sekunder efter et åbent spørgsmål");
    char done[100];
    snprintf(done, sizeof done, "action=\"/steps/%lld/done\"", id);
    has(&r, done);
    ot_free(&r);
    /* Another unit's leader, an area leader without the unit and a peer
     * cannot add one or mark it done, and nothing changes. */
    snprintf(path, sizeof path, "/focuses/%s/steps", A.focus);
    post(&LEAD_B, path, "&text=Fremmed", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    post(&PEER_A, path, "&text=Kollega", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    snprintf(path, sizeof path, "/steps/%lld/done", id);
    post(&AREA_B, path, "", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    post(&LEAD_B, path, "", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM focus_steps"), 1);
    assert_int_equal(count("SELECT count(*) FROM focus_steps WHERE done_at IS NOT NULL"), 0);
    /* Without the form token nothing is done. */
    ot_post(&W, LEAD_A.cookie, path, "", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* Marked done by the unit's leader, once, audited once. */
    for (int i = 0; i < 2; i++) {
        post(&LEAD_A, path, "", &r);
        assert_int_equal(r.status, 303);
        ot_free(&r);
    }
    assert_int_equal(count("SELECT count(*) FROM focus_steps WHERE done_at IS NOT NULL"), 1);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'focus.step-done'"), 1);
    snprintf(path, sizeof path, "/focuses/%s/meeting", A.focus);
    get(&LEAD_A, path, &r);
    has(&r, "(gjort)");
    lacks(&r, done);
    ot_free(&r);
    /* A step that does not exist, or an id that is none. */
    post(&LEAD_A, "/steps/999999/done", "", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    post(&LEAD_A, "/steps/1x/done", "", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
}

static void test_area(void **state)
{
    (void)state;
    ot_resp r;
    /* An area leader sees their units only. */
    get(&AREA_A, "/area", &r);
    assert_int_equal(r.status, 200);
    has(&r, "Solsikken");
    lacks(&r, "Mælkebøtten");
    lacks(&r, "Regnbuen");
    /* A's focus over the twelve months: 13 of 24 steps, 54 %, yellow. */
    has(&r, YELLOW ": 1 tegn");
    char want[200];
    snprintf(want, sizeof want, "href=\"/focuses/%s/progression\"", A.focus);
    has(&r, want);
    /* Observations per unit per month, and the shares with feedback and
     * with a reflection (2 and 1 of 12). */
    has(&r, "<td>12</td><td>17 % (2 af 12)</td><td>8 % (1 af 12)</td>");
    has(&r, "<title id=\"chart-area-t\">");
    has(&r, "href=\"/area\" aria-current=\"page\"");
    no_names(&r);
    ot_free(&r);
    get(&AREA_B, "/area", &r);
    assert_int_equal(r.status, 200);
    has(&r, "Mælkebøtten");
    lacks(&r, "Solsikken");
    /* B's focus has no ratings yet: said so, by mark and word too. */
    has(&r, RAG("none", "\u2013", "Ikke vurderet") ": 1 tegn");
    ot_free(&r);
    get(&ADMIN, "/area", &r);
    assert_int_equal(r.status, 200);
    /* Each focus in its own unit's row (the units' focuses are read
     * together, for all units at once). */
    const struct {
        const char *unit, *focus;
    } rows[] = {{"Solsikken", A.focus}, {"Mælkebøtten", B.focus}, {"Regnbuen", C.focus}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        snprintf(want, sizeof want,
                 "\">%s</td><td data-label=\"Læringsfokus\"><a href=\"/focuses/%s/progression\">",
                 rows[i].unit, rows[i].focus);
        has(&r, want);
        snprintf(want, sizeof want, "/focuses/%s/progression\"", rows[i].focus);
        int seen = 0;
        for (const char *at = strstr(r.body, want); at; at = strstr(at + 1, want))
            seen++;
        assert_int_equal(seen, 1);
    }
    ot_free(&r);
    /* Leaders and peers have their unit's pages, not the area's; nor does
     * their navigation offer it. */
    get_status(&LEAD_A, "/area", 403);
    get_status(&PEER_A, "/area", 403);
    get(&LEAD_A, "/", &r);
    lacks(&r, "href=\"/area\"");
    ot_free(&r);
}

/* The total a focus's progression page shows a person, as its sentence. */
static void total_seen(const ot_account *a, int total)
{
    char path[200], want[80];
    snprintf(path, sizeof path, "/focuses/%s/progression", A.focus);
    snprintf(want, sizeof want, "I alt %d afsluttede observationer", total);
    ot_resp r;
    get(a, path, &r);
    assert_int_equal(r.status, 200);
    has(&r, want);
    ot_free(&r);
}

static void on_replica(const char *conninfo, const char *q)
{
    PGconn *c = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, q);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", q, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/*
 * With a streaming replica, the pages of figures read them from it once it
 * has replayed the session's last form: with its replay held, an area
 * leader who has sent no form sees the replica's picture, without an
 * observation pushed since, while the unit's leader, who has just sent a
 * form, sees the primary's; once replay goes on, both see it. A replica
 * that stops leaves the pages to the primary.
 */
static void test_figures_from_the_replica(void **state)
{
    (void)state;
    char err[400], conninfo[600];
    tpg_replica *rep = NULL;
    if (tpg_replica_start(W.fx.pg, &rep, err, sizeof err) != 0)
        fail_msg("%s", err);
    tpg_replica_conninfo(rep, "office_progress", conninfo, sizeof conninfo);
    srv_free(W.s);
    snprintf(W.cfg.replica, sizeof W.cfg.replica, "%s", conninfo);
    if (srv_open(&W.cfg, &W.s) != 0)
        fail_msg("%s", srv_errmsg(W.s));
    total_seen(&AREA_A, 12);
    total_seen(&LEAD_A, 12);

    on_replica(conninfo, "SELECT pg_wal_replay_pause()");
    int y, m;
    month_back(0, &y, &m);
    spec one = {at(y, m, 1, 12, 0), MIN15, 1, 0, 0, 0, 0};
    push_obs(&TAB_A, &A, SIGN_A, &one);
    total_seen(&AREA_A, 12);
    char path[200];
    snprintf(path, sizeof path, "/focuses/%s/steps", A.focus);
    ot_resp r;
    post(&LEAD_A, path, "&text=Sp%C3%B8rg+igen+i+morgen", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    total_seen(&LEAD_A, 13);
    total_seen(&AREA_A, 12);

    on_replica(conninfo, "SELECT pg_wal_replay_resume()");
    if (tpg_replica_await(rep, 20000, err, sizeof err) != 0)
        fail_msg("%s", err);
    total_seen(&AREA_A, 13);

    tpg_replica_stop(rep, 1);
    total_seen(&AREA_A, 13);
    total_seen(&LEAD_A, 13);
    tpg_replica_free(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progression_by_month),
        cmocka_unit_test(test_progression_by_term),
        cmocka_unit_test(test_progression_scope),
        cmocka_unit_test(test_meeting),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_area),
        cmocka_unit_test(test_figures_from_the_replica),
    };
    return cmocka_run_group_tests(tests, up, down);
}
