/*
 * GET /calibration against a real database, with observations pushed as
 * tablets push them (so the server's facts are made as in production):
 * two observers with one pair code, their levels on four signs and their
 * counts (one tap undone), shown per pair and per month with the figures
 * worked out by hand below. Observations that only look like a pair are
 * left out: the same code in another unit, or typed again three days later,
 * a draft, or one observed alone. The observed colleague is never named.
 * Who may see it: the unit's leader, an area leader with the unit and an
 * administrator; not a peer, not another unit's leader, not an area leader
 * without the unit; a forged unit or focus is a 404. The demo's made-up
 * pairs (sdemo_partner) are pairs here too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "off_int.h"
#include "offtest.h"
#include "plat.h"
#include "sdemo.h"
#include "srv_ref.h"

static ot_world W;
static fx_unit A, B;
static model_id FOCUS4; /* unit A's focus with four signs */
static srv_ref_focus F4;
static ot_account LEAD_A, LEAD_B, PEER_A, AREA_A, AREA_B, ADMIN;

#define T0 1790000000000LL /* 2026-09-21 16:13 in Copenhagen */
#define DAY 86400000LL

/* ---- a tablet, in-process ---- */

typedef struct {
    char authz[200];
} tab;

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

/* Pushes n records, each a change by actor; every one must be stored. */
static void tab_push(const tab *t, const char *actor, const model_record *recs, int n)
{
    proto_change *ch = calloc((size_t)n, sizeof *ch);
    assert_non_null(ch);
    for (int i = 0; i < n; i++)
        fx_change(&ch[i], actor, 0, &recs[i]);
    char *body = fx_push_body(ch, n);
    srv_response a;
    tab_call(t, "/v1/push", body, &a);
    free(body);
    free(ch);
    assert_int_equal(a.status, 200);
    if (strstr(a.body, "rejected"))
        fail_msg("a change was refused: %s", a.body);
    free(a.body);
}

/*
 * One observation of a unit's focus by observer of Per Peer, started at at,
 * with a pair code (may be ""), a level per sign of f (-1: not rated) and
 * taps of open_q, the last `undone` of them taken back.
 */
static void observe(const tab *t, const fx_unit *u, const srv_ref_focus *f, const char *observer,
                    int64_t at, const char *code, const int *levels, int taps, int undone,
                    int finished, model_id id_out)
{
    model_record *recs = calloc(64, sizeof *recs);
    assert_non_null(recs);
    int n = 0;
    fx_obs(u, observer, u->peer1, &recs[n]);
    model_observation *o = &recs[n++].u.obs;
    snprintf(o->focus_id, sizeof o->focus_id, "%s", f->focus.id);
    o->focus_version = f->focus.version;
    o->started_at = at;
    o->ended_at = finished ? at + 900000 : 0;
    o->updated_at = at + 900000;
    o->status = finished ? MODEL_OBS_FINISHED : MODEL_OBS_DRAFT;
    snprintf(o->pair_code, sizeof o->pair_code, "%s", code);
    snprintf(id_out, sizeof(model_id), "%s", o->id);
    model_id oid;
    memcpy(oid, o->id, sizeof oid);
    for (int s = 0; s < f->focus.n_signs; s++) {
        if (levels[s] < 0)
            continue;
        model_record *r = &recs[n++];
        r->entity = MODEL_ENT_RATING;
        memcpy(r->u.rating.observation_id, oid, sizeof oid);
        snprintf(r->u.rating.sign_id, sizeof(model_id), "%s", f->focus.signs[s].id);
        r->u.rating.level = levels[s];
        r->u.rating.at = at + 60000;
    }
    model_id tapped[16];
    for (int i = 0; i < taps; i++) {
        model_record *r = &recs[n++];
        r->entity = MODEL_ENT_EVENT;
        assert_int_equal(model_id_new(plat_sys_os(), r->u.event.id), 0);
        snprintf(tapped[i], sizeof tapped[i], "%s", r->u.event.id);
        memcpy(r->u.event.observation_id, oid, sizeof oid);
        r->u.event.kind = MODEL_EV_COUNT;
        snprintf(r->u.event.key, sizeof r->u.event.key, "open_q");
        r->u.event.at = at + 1000 * (i + 1);
    }
    for (int i = 0; i < undone; i++) {
        model_record *r = &recs[n++];
        r->entity = MODEL_ENT_EVENT;
        assert_int_equal(model_id_new(plat_sys_os(), r->u.event.id), 0);
        memcpy(r->u.event.observation_id, oid, sizeof oid);
        r->u.event.kind = MODEL_EV_UNDO;
        snprintf(r->u.event.target_id, sizeof(model_id), "%s", tapped[taps - 1 - i]);
        r->u.event.at = at + 100000 + i;
    }
    tab_push(t, observer, recs, n);
    free(recs);
}

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_calib");
    fx_make_unit(&W.fx, "Solsikken", &A);
    fx_make_unit(&W.fx, "Mælkebøtten", &B);
    assert_int_equal(fx_admin(&W.fx, FOCUS4, sizeof FOCUS4, NULL, "focus-add", "--unit", A.unit,
                              "--question", "Do we see the same?", "--from", "2026-01-01", "--to",
                              "2026-12-31", "--template", A.tmpl, "--sign", "Waits for answers",
                              "--sign", "Asks open questions", "--sign", "Names feelings", "--sign",
                              "Follows the child's lead", "--pillar", "learning", NULL),
                     0);
    char err[SRV_REF_ERR_MAX];
    assert_int_equal(srv_ref_focus_get(W.fx.db, FOCUS4, 0, &F4, err, sizeof err), SRV_REF_OK);
    assert_int_equal(F4.focus.n_signs, 4);
    const char *units_a[] = {A.unit, NULL}, *units_b[] = {B.unit, NULL};
    ot_account_make(&W, "leader", "Lea A", A.leader, NULL, &LEAD_A);
    ot_account_make(&W, "leader", "Lea B", B.leader, NULL, &LEAD_B);
    ot_account_make(&W, "peer", "Per", A.peer1, NULL, &PEER_A);
    ot_account_make(&W, "area", "Arne A", NULL, units_a, &AREA_A);
    ot_account_make(&W, "area", "Arne B", NULL, units_b, &AREA_B);
    ot_account_make(&W, "admin", "Ada", NULL, NULL, &ADMIN);

    tab ta, tb, tbb;
    tab_enrol(A.unit, &ta);
    tab_enrol(A.unit, &tb);
    tab_enrol(B.unit, &tbb);
    model_id id;
    /* The pair: Lea Leader and Pia Peer observe one session of Per Peer. */
    const int lea[] = {2, 1, 0, 2}, pia[] = {2, 1, 1, 2};
    observe(&ta, &A, &F4, A.leader, T0, "K7MX3R", lea, 5, 1, 1, id);
    observe(&tb, &A, &F4, A.peer2, T0 + 30000, "K7MX3R", pia, 3, 0, 1, id);
    /* Not pairs: the same code three days later (no partner within the
     * window), a draft with the code, one made alone, and the code in
     * unit B on the same day. */
    const int all2[] = {2, 2, 2, 2}, all0[] = {0, 0, 0, 0};
    observe(&tb, &A, &F4, A.peer2, T0 + 3 * DAY, "K7MX3R", all2, 1, 0, 1, id);
    observe(&ta, &A, &F4, A.leader, T0 + 3 * DAY + 1000, "P9TAXE", all0, 0, 0, 1, id);
    observe(&tb, &A, &F4, A.peer2, T0 + 3 * DAY + 2000, "P9TAXE", all2, 0, 0, 0, id);
    observe(&ta, &A, &F4, A.leader, T0 + 4 * DAY, "", all0, 2, 0, 1, id);
    srv_ref_focus fb;
    assert_int_equal(srv_ref_focus_get(W.fx.db, B.focus, 0, &fb, err, sizeof err), SRV_REF_OK);
    const int one0[] = {0}, one2[] = {2};
    observe(&tbb, &B, &fb, B.leader, T0 + 60000, "K7MX3R", one0, 0, 0, 1, id);
    observe(&tbb, &B, &fb, B.peer2, T0 + 90000, "K7MX3R", one2, 0, 0, 1, id);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

static void get(const ot_account *who, const char *fmt, const char *arg, ot_resp *r)
{
    char path[300];
    snprintf(path, sizeof path, fmt, arg);
    ot_get(&W, who->cookie, path, r);
}

/*
 * The pair, worked out by hand. Levels on a three-step scale (0 not seen,
 * 1 partly, 2 clearly):
 *   Lea Leader: 2 1 0 2
 *   Pia Peer:   2 1 1 2
 * Same level on three of four signs: 75 %.
 * Lea's levels: 0 once, 1 once, 2 twice; Pia's: 1 twice, 2 twice.
 * pe = (1*0 + 1*2 + 2*2) / 4^2 = 6/16; po = 12/16.
 * kappa = (12/16 - 6/16) / (1 - 6/16) = 6/10 = 0.60, "0,60" in Danish.
 * Open questions: Lea tapped 5 and took one back (4), Pia tapped 3: +1.
 * The month (September 2026) holds this one pair only: the same figures,
 * 1 pair, 4 signs rated by both.
 */
static void test_pair_by_hand(void **state)
{
    (void)state;
    ot_resp r;
    get(&LEAD_A, "/calibration?unit=%s", A.unit, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "<h1>Kalibrering</h1>"));
    assert_true(ot_has(&r, "Lea Leader og Pia Peer"));
    assert_true(ot_has(&r, "Do we see the same?"));
    /* Per sign: Lea's and Pia's levels, and whether they agree. */
    assert_true(ot_has(&r, "<tr><td>Names feelings</td><td data-label=\"Lea Leader\">not seen</td>"
                           "<td data-label=\"Pia Peer\">partly</td>"
                           "<td data-label=\"Enige\">nej, forskellige niveauer</td></tr>"));
    assert_true(ot_has(&r, "<tr><td>Waits for answers</td><td data-label=\"Lea Leader\">clearly"
                           "</td><td data-label=\"Pia Peer\">clearly</td>"
                           "<td data-label=\"Enige\">ja, samme niveau</td></tr>"));
    assert_true(ot_has(&r, "<strong>Enighed i procent:</strong> 75&nbsp;% · "
                           "<strong>Kappa:</strong> 0,60 · bygger på 4 tegn vurderet af begge"));
    assert_true(ot_has(&r, "<tr><td>Open question</td><td data-label=\"Lea Leader\">4</td>"
                           "<td data-label=\"Pia Peer\">3</td>"
                           "<td data-label=\"Forskel\">+1</td></tr>"));
    /* Over time: one pair in September, the same figures. */
    assert_true(ot_has(&r, "<tr><td>2026-09</td><td data-label=\"Par\">1</td>"
                           "<td data-label=\"Tegn vurderet af begge\">4</td>"
                           "<td data-label=\"Enighed i procent\">75&nbsp;%</td>"
                           "<td data-label=\"Kappa\">0,60</td></tr>"));
    assert_true(ot_has(&r, "<svg"));
    /* Only one pair: the look-alikes are not pairs. */
    assert_true(ot_has(&r, "id=\"pair-1\""));
    assert_false(ot_has(&r, "id=\"pair-2\""));
    /* The observed colleague is never named. */
    assert_false(ot_has(&r, "Per Peer"));
    ot_free(&r);
    /* The same in English, with the focus chosen. */
    char path[300];
    snprintf(path, sizeof path, "/calibration?unit=%s&focus=%s&lang=en", A.unit, FOCUS4);
    ot_get(&W, LEAD_A.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Lea Leader and Pia Peer"));
    assert_true(ot_has(&r, "<strong>Percent agreement:</strong> 75&nbsp;% · "
                           "<strong>Kappa:</strong> 0.60 · rests on 4 signs rated by both"));
    ot_free(&r);
    /* The unit's other focus has no pairs: the page says how to make one. */
    snprintf(path, sizeof path, "/calibration?unit=%s&focus=%s", A.unit, A.focus);
    ot_get(&W, LEAD_A.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Ingen parobservationer endnu."));
    assert_false(ot_has(&r, "id=\"pair-1\""));
    ot_free(&r);
}

/* Unit B's pair with the same code on the same day stays in unit B: its
 * leader rated the one sign 0 and its peer 2. po = 0; the leader's levels:
 * 0 once, the peer's: 2 once; pe = (1*0 + 0*1) / 1 = 0, so kappa =
 * (0 - 0) / (1 - 0) = 0: no better than chance, a value, not "not defined". */
static void test_other_unit_apart(void **state)
{
    (void)state;
    ot_resp r;
    get(&LEAD_B, "/calibration?unit=%s", B.unit, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "<strong>Enighed i procent:</strong> 0&nbsp;% · "
                           "<strong>Kappa:</strong> 0,00 · bygger på 1 tegn vurderet af begge"));
    assert_false(ot_has(&r, "id=\"pair-2\""));
    ot_free(&r);
}

/* Who may see it, and forged addresses. */
static void test_who_may_see(void **state)
{
    (void)state;
    ot_resp r;
    const ot_account *allowed[] = {&LEAD_A, &AREA_A, &ADMIN};
    for (size_t i = 0; i < 3; i++) {
        get(allowed[i], "/calibration?unit=%s", A.unit, &r);
        assert_int_equal(r.status, 200);
        assert_true(ot_has(&r, "Lea Leader og Pia Peer"));
        ot_free(&r);
    }
    const ot_account *refused[] = {&PEER_A, &LEAD_B, &AREA_B};
    for (size_t i = 0; i < 3; i++) {
        get(refused[i], "/calibration?unit=%s", A.unit, &r);
        assert_int_equal(r.status, 403);
        assert_false(ot_has(&r, "Pia Peer"));
        ot_free(&r);
    }
    /* Without ?unit= a peer is refused too, and the menu does not offer it. */
    get(&PEER_A, "/calibration%s", "", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    get(&PEER_A, "/%s", "", &r);
    assert_false(ot_has(&r, "href=\"/calibration\""));
    ot_free(&r);
    /* A leader with one unit needs no ?unit=; an administrator chooses. */
    get(&LEAD_A, "/calibration%s", "", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Lea Leader og Pia Peer"));
    ot_free(&r);
    get(&ADMIN, "/calibration%s", "", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Vælg den enhed, hvis kalibrering du vil se."));
    assert_true(ot_has(&r, A.unit));
    ot_free(&r);
    /* Forged: not an id, no such unit, a focus of another unit. */
    get(&ADMIN, "/calibration?unit=%s", "nope", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    get(&ADMIN, "/calibration?unit=%s", "00000000-0000-4000-8000-000000000000", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    char path[300];
    snprintf(path, sizeof path, "/calibration?unit=%s&focus=%s", A.unit, B.focus);
    ot_get(&W, LEAD_A.cookie, path, &r);
    assert_int_equal(r.status, 404);
    assert_false(ot_has(&r, "Pia Peer"));
    ot_free(&r);
    snprintf(path, sizeof path, "/calibration?unit=%s&focus=x%%27", A.unit);
    ot_get(&W, LEAD_A.cookie, path, &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
}

/* A demo office's made-up pair: the partner's observation carries the same
 * code as the first, by another observer, and the page shows it as a pair
 * beside unit B's own. */
static void test_demo_pairs(void **state)
{
    (void)state;
    sdemo_unit u;
    char err[400];
    assert_int_equal(sdemo_unit_load(W.fx.db, B.unit, &u, err, sizeof err), 0);
    sdemo_obs *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(sdemo_observation(&u, 11, T0 + 5 * DAY, 0.5, a) > 0);
    int n = sdemo_partner(&u, 11, a, b);
    assert_true(n > 0);
    const model_observation *first = &a->rec[0].u.obs, *second = &b->rec[0].u.obs;
    assert_int_equal(model_pair_code_check(first->pair_code, "code", err, sizeof err), 0);
    assert_string_equal(second->pair_code, first->pair_code);
    assert_string_not_equal(second->observer_id, first->observer_id);
    assert_string_not_equal(second->observer_id, first->observee_id);
    assert_string_equal(second->observee_id, first->observee_id);
    tab t;
    tab_enrol(B.unit, &t);
    for (int k = 0; k < 2; k++) {
        const sdemo_obs *o = k ? b : a;
        for (int i = 0; i < o->n; i++)
            tab_push(&t, o->actor[i], &o->rec[i], 1);
    }
    ot_resp r;
    get(&ADMIN, "/calibration?unit=%s", B.unit, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "id=\"pair-2\""));
    assert_false(ot_has(&r, "id=\"pair-3\""));
    ot_free(&r);
    free(a);
    free(b);
    sdemo_unit_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_by_hand),
        cmocka_unit_test(test_other_unit_apart),
        cmocka_unit_test(test_who_may_see),
        cmocka_unit_test(test_demo_pairs),
    };
    return cmocka_run_group_tests(tests, up, down);
}
