/* The observations pages on a real database, with records pushed by
 * tablets through the running server as in production: the list and each
 * of its filters, its scope per role (a peer sees their own, area leaders
 * and administrators without observed people's names), bad filter values
 * refused in words, pages of 50; and one observation's page with its
 * numbers (counts without undone taps, rates per 10 minutes and the floor
 * under 5 minutes, time in each state, ratings in the scale's words),
 * timeline, notes, feedback, reflection, versions and a kept conflict,
 * refused to everyone but its observer, observee and unit's leaders. An
 * observation about a team names the team where a colleague's name would
 * be, in the list and on its page, says that a team writes no reflection,
 * and is its observer's and the unit's leaders' alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "offtest.h"
#include "srv_ref.h"

static ot_world W;
static fx_unit U, V;
static fx_device DEV, DEV2, DEVV;
static model_id F2, T2, S1, S2; /* unit U's second focus, its template and its two signs */
static model_id OBS_A, OBS_B, OBS_C, OBS_V;
static ot_account LEAD, PEER1, PEER2, OTHER, AREA_U, AREA_V, ADMIN;

/* 2026-09-21 16:13:20 in Copenhagen (14:13:20 UTC). */
#define T0 INT64_C(1790000000000)
#define MIN INT64_C(60000)

/* ---- records as a tablet makes them ---- */

static void new_id(model_id out) { assert_int_equal(model_id_new(plat_sys_os(), out), 0); }

static void obs_rec(model_record *r, const fx_unit *u, const char *focus, const char *tmpl,
                    const char *observer, const char *observee, int64_t start, int64_t len,
                    int finished)
{
    fx_obs(u, observer, observee, r);
    model_observation *o = &r->u.obs;
    snprintf(o->focus_id, sizeof o->focus_id, "%s", focus);
    snprintf(o->template_id, sizeof o->template_id, "%s", tmpl);
    o->started_at = start;
    o->ended_at = finished ? start + len : 0;
    o->status = finished ? MODEL_OBS_FINISHED : MODEL_OBS_DRAFT;
    o->updated_at = start + len;
    snprintf(o->context_json, sizeof o->context_json, "{\"children\":14,\"adults\":2}");
}

static void ev_rec(model_record *r, const char *obs, model_event_kind k, const char *key,
                   const char *target, int64_t at)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_EVENT;
    new_id(r->u.event.id);
    snprintf(r->u.event.observation_id, sizeof(model_id), "%s", obs);
    r->u.event.kind = k;
    snprintf(r->u.event.key, sizeof r->u.event.key, "%s", key);
    snprintf(r->u.event.target_id, sizeof(model_id), "%s", target ? target : "");
    r->u.event.at = at;
}

static void rating_rec(model_record *r, const char *obs, const char *sign, int level)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_RATING;
    snprintf(r->u.rating.observation_id, sizeof(model_id), "%s", obs);
    snprintf(r->u.rating.sign_id, sizeof(model_id), "%s", sign);
    r->u.rating.level = level;
    r->u.rating.at = T0 + MIN;
}

/* Pushes n records as actor from device d on base version base; returns
 * the status of the last one (and asserts none was rejected). */
static proto_status push(const fx_device *d, const char *actor, int base, const model_record *recs,
                         int n)
{
    proto_change *ch = calloc((size_t)n, sizeof *ch);
    assert_non_null(ch);
    for (int i = 0; i < n; i++)
        fx_change(&ch[i], actor, base, &recs[i]);
    proto_push_reply rep;
    fx_push(&W.fx, d, ch, n, &rep);
    proto_status last = PROTO_ST_STORED;
    for (int i = 0; i < rep.n; i++) {
        if (rep.results[i].status == PROTO_ST_REJECTED)
            fail_msg("change %d rejected: %s", i, rep.results[i].message);
        last = rep.results[i].status;
    }
    proto_push_reply_clear(&rep);
    free(ch);
    return last;
}

/* ---- the world ---- */

static void add_template_and_focus(void)
{
    char doc[2048], path[700];
    new_id(T2);
    snprintf(doc, sizeof doc,
             "{\"id\":\"%s\",\"unit_id\":\"%s\",\"version\":1,\"name\":\"Samling\","
             "\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],"
             "\"counters\":[{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"},"
             "{\"key\":\"closed_q\",\"label\":\"Lukket spørgsmål\"}],"
             "\"states\":[{\"key\":\"waiting\",\"label\":\"Ventetid\"}],"
             "\"interval\":{\"minutes\":2,\"options\":[{\"key\":\"play\",\"label\":\"Leg\"},"
             "{\"key\":\"talk\",\"label\":\"Samtale\"}]},"
             "\"context\":[{\"key\":\"children\",\"label\":\"Antal børn\",\"type\":\"int\","
             "\"min\":0,\"max\":60},{\"key\":\"adults\",\"label\":\"Antal voksne\","
             "\"type\":\"int\",\"min\":0,\"max\":20}],"
             "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40},"
             "\"texts\":{\"en\":{\"scale\":[\"Not seen\",\"Partly\",\"Clearly\"]}}}",
             T2, U.unit);
    snprintf(path, sizeof path, "%s/template-obs.json", W.fx.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(doc, f);
    fclose(f);
    char out[80];
    assert_int_equal(fx_admin(&W.fx, out, sizeof out, NULL, "template-add", "--unit", U.unit,
                              "--file", path, NULL),
                     0);
    assert_int_equal(fx_admin(&W.fx, F2, sizeof F2, NULL, "focus-add", "--unit", U.unit,
                              "--question", "Hvordan inviterer vi børnene ind i samtalen?",
                              "--from", "2026-01-01", "--to", "2026-12-31", "--template", T2,
                              "--sign", "Børnene svarer i hele sætninger", "--sign",
                              "Den voksne venter på svar", "--pillar", "dialogue", NULL),
                     0);
    srv_ref_focus fo;
    char err[SRV_REF_ERR_MAX];
    assert_int_equal(srv_ref_focus_get(W.fx.db, F2, 1, &fo, err, sizeof err), SRV_REF_OK);
    assert_int_equal(fo.focus.n_signs, 2);
    snprintf(S1, sizeof S1, "%s", fo.focus.signs[0].id);
    snprintf(S2, sizeof S2, "%s", fo.focus.signs[1].id);
}

/* OBS_A: the leader observes Per for 15 minutes on F2: open questions
 * tapped 5 times with one undone, closed questions twice, waiting 3 + 1
 * minutes (and a start taken back), three samples, two notes, both signs
 * rated, feedback given and changed, a reflection; then corrected once
 * (a second version) and its feedback edited from a second tablet on an
 * old version (a kept conflict). */
static void push_obs_a(void)
{
    model_record *r = calloc(40, sizeof *r);
    assert_non_null(r);
    int n = 0;
    obs_rec(&r[n++], &U, F2, T2, U.leader, U.peer1, T0, 15 * MIN, 1);
    snprintf(OBS_A, sizeof OBS_A, "%s", r[0].u.obs.id);
    for (int i = 0; i < 5; i++)
        ev_rec(&r[n++], OBS_A, MODEL_EV_COUNT, "open_q", NULL, T0 + (i + 1) * MIN);
    int last = n - 1; /* the fifth tap, taken back */
    ev_rec(&r[n++], OBS_A, MODEL_EV_UNDO, "", r[last].u.event.id, T0 + 5 * MIN + 2000);
    ev_rec(&r[n++], OBS_A, MODEL_EV_COUNT, "closed_q", NULL, T0 + 7 * MIN);
    ev_rec(&r[n++], OBS_A, MODEL_EV_COUNT, "closed_q", NULL, T0 + 8 * MIN);
    ev_rec(&r[n++], OBS_A, MODEL_EV_STATE_START, "waiting", NULL, T0 + 2 * MIN);
    ev_rec(&r[n++], OBS_A, MODEL_EV_STATE_STOP, "waiting", NULL, T0 + 5 * MIN);
    ev_rec(&r[n++], OBS_A, MODEL_EV_STATE_START, "waiting", NULL, T0 + 10 * MIN);
    ev_rec(&r[n++], OBS_A, MODEL_EV_STATE_STOP, "waiting", NULL, T0 + 11 * MIN);
    last = n;
    ev_rec(&r[n++], OBS_A, MODEL_EV_STATE_START, "waiting", NULL, T0 + 12 * MIN);
    ev_rec(&r[n++], OBS_A, MODEL_EV_UNDO, "", r[last].u.event.id, T0 + 12 * MIN + 1000);
    ev_rec(&r[n++], OBS_A, MODEL_EV_SAMPLE, "play", NULL, T0 + 2 * MIN);
    ev_rec(&r[n++], OBS_A, MODEL_EV_SAMPLE, "talk", NULL, T0 + 4 * MIN);
    ev_rec(&r[n++], OBS_A, MODEL_EV_SAMPLE, "play", NULL, T0 + 6 * MIN);
    fx_note(OBS_A, "Emma fortæller om sin weekend", &r[n]);
    snprintf(r[n++].u.note.sign_id, sizeof(model_id), "%s", S1);
    fx_note(OBS_A, "Lang pause <b>før</b> svaret", &r[n]);
    r[n++].u.note.at = T0 + 9 * MIN;
    /* Begun before the others, sent after them: listed first. */
    fx_note(OBS_A, "Børnene sætter sig i rundkreds", &r[n]);
    r[n++].u.note.at = T0 + 30000;
    rating_rec(&r[n++], OBS_A, S1, 2);
    rating_rec(&r[n++], OBS_A, S2, 1);
    fx_feedback(OBS_A, U.leader, "I venter tålmodigt på svar", &r[n]);
    snprintf(r[n].u.feedback.wonderings, sizeof r[n].u.feedback.wonderings,
             "Hvad sker der, når Emma ikke får ordet?");
    r[n++].u.feedback.given_at = T0 + 20 * MIN;
    assert_int_equal(push(&DEV, U.leader, 0, r, n), PROTO_ST_STORED);
    /* The reflection is the observee's. */
    fx_reflection(OBS_A, U.peer1, "Jeg vil prøve at tælle til fem", &r[0]);
    assert_int_equal(push(&DEV, U.peer1, 0, r, 1), PROTO_ST_STORED);
    /* A correction: the second version of the observation. */
    obs_rec(&r[0], &U, F2, T2, U.leader, U.peer1, T0, 15 * MIN, 1);
    snprintf(r[0].u.obs.id, sizeof(model_id), "%s", OBS_A);
    snprintf(r[0].u.obs.activity, sizeof r[0].u.obs.activity, "Samling på gulvet");
    r[0].u.obs.revision = 2;
    assert_int_equal(push(&DEV, U.leader, 1, r, 1), PROTO_ST_STORED);
    /* The feedback changed on the first tablet, then on a second that
     * had only seen version 1: kept beside it. */
    fx_feedback(OBS_A, U.leader, "I venter tålmodigt på svar", &r[0]);
    snprintf(r[0].u.feedback.wonderings, sizeof r[0].u.feedback.wonderings,
             "Hvad sker der, når Emma ikke får ordet?");
    r[0].u.feedback.given_at = T0 + 20 * MIN;
    snprintf(r[0].u.feedback.next_step, sizeof r[0].u.feedback.next_step, "Tæl til fem i stilhed");
    r[0].u.feedback.updated_at = T0 + 30 * MIN;
    assert_int_equal(push(&DEV, U.leader, 1, r, 1), PROTO_ST_STORED);
    snprintf(r[0].u.feedback.next_step, sizeof r[0].u.feedback.next_step, "Spørg Emma først");
    r[0].u.feedback.updated_at = T0 + 31 * MIN;
    assert_int_equal(push(&DEV2, U.leader, 1, r, 1), PROTO_ST_CONFLICT);
    free(r);
}

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_obs");
    char err[400];
    /* The real server beside the office, so that tablets push over TLS. */
    assert_int_equal(tca_make(W.fx.dir, err, sizeof err), 0);
    fx_restart(&W.fx, NULL);
    fx_make_unit(&W.fx, "Solsikken", &U);
    fx_make_unit(&W.fx, "Mælkebøtten", &V);
    add_template_and_focus();
    const char *units_u[] = {U.unit, NULL}, *units_v[] = {V.unit, NULL};
    ot_account_make(&W, "leader", "Lea Leder", U.leader, NULL, &LEAD);
    ot_account_make(&W, "peer", "Per Peer", U.peer1, NULL, &PEER1);
    ot_account_make(&W, "peer", "Pia Peer", U.peer2, NULL, &PEER2);
    ot_account_make(&W, "leader", "Olga Anden", V.leader, NULL, &OTHER);
    ot_account_make(&W, "area", "Arne Område", NULL, units_u, &AREA_U);
    ot_account_make(&W, "area", "Vera Område", NULL, units_v, &AREA_V);
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &ADMIN);
    fx_enrol(&W.fx, U.unit, &DEV);
    fx_enrol(&W.fx, U.unit, &DEV2);
    fx_enrol(&W.fx, V.unit, &DEVV);
    push_obs_a();
    model_record r[3];
    /* OBS_B: the leader observes Pia for 3 minutes on U's first focus, a
     * month before: too short for a rate, no feedback. */
    obs_rec(&r[0], &U, U.focus, U.tmpl, U.leader, U.peer2, T0 - 30 * 24 * 60 * MIN, 3 * MIN, 1);
    snprintf(OBS_B, sizeof OBS_B, "%s", r[0].u.obs.id);
    ev_rec(&r[1], OBS_B, MODEL_EV_COUNT, "open_q", NULL, r[0].u.obs.started_at + MIN);
    fx_note(OBS_B, "Kun for lederen og Pia", &r[2]);
    r[2].u.note.at = r[0].u.obs.started_at + MIN;
    assert_int_equal(push(&DEV, U.leader, 0, r, 3), PROTO_ST_STORED);
    /* OBS_C: Per observes Pia, a draft without a room. */
    obs_rec(&r[0], &U, F2, T2, U.peer1, U.peer2, T0 + 60 * MIN, 4 * MIN, 0);
    r[0].u.obs.room_id[0] = 0;
    snprintf(OBS_C, sizeof OBS_C, "%s", r[0].u.obs.id);
    ev_rec(&r[1], OBS_C, MODEL_EV_COUNT, "open_q", NULL, T0 + 61 * MIN);
    assert_int_equal(push(&DEV, U.peer1, 0, r, 2), PROTO_ST_STORED);
    /* OBS_V: unit V's own. */
    obs_rec(&r[0], &V, V.focus, V.tmpl, V.leader, V.peer1, T0, 10 * MIN, 1);
    snprintf(OBS_V, sizeof OBS_V, "%s", r[0].u.obs.id);
    assert_int_equal(push(&DEVV, V.leader, 0, r, 1), PROTO_ST_STORED);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

/* ---- helpers ---- */

static void get(const ot_account *a, ot_resp *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void get(const ot_account *a, ot_resp *r, const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    ot_get(&W, a ? a->cookie : NULL, path, r);
}

/* How many times needle occurs in the answer. */
static int occurrences(const ot_resp *r, const char *needle)
{
    int n = 0;
    for (const char *p = r->body; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Whether the list links to the observation's page. */
static int links(const ot_resp *r, const char *id)
{
    char href[80];
    snprintf(href, sizeof href, "href=\"/observations/%s\"", id);
    return ot_has(r, href);
}

/* ---- one observation's page ---- */

static void test_page_numbers(void **state)
{
    (void)state;
    ot_resp r;
    get(&LEAD, &r, "/observations/%s", OBS_A);
    assert_int_equal(r.status, 200);
    /* What it was, in the words of the focus version it was made with. */
    assert_true(ot_has(&r, "Hvordan inviterer vi børnene ind i samtalen?"));
    assert_true(ot_has(&r, "Per Peer"));
    assert_true(ot_has(&r, "Lea Leader"));
    assert_true(ot_has(&r, "Samling på gulvet")); /* the second version's activity */
    assert_true(ot_has(&r, "15:00"));
    /* Counts without the undone tap, rates over 15 minutes. */
    assert_true(ot_has(&r, "Åbent spørgsmål</td><td data-label=\"Antal\">4</td>"));
    assert_true(ot_has(&r, "Lukket spørgsmål</td><td data-label=\"Antal\">2</td>"));
    assert_true(ot_has(&r, "2,7 pr. 10 min"));
    assert_true(ot_has(&r, "1,3 pr. 10 min"));
    assert_true(ot_has(&r, "1 tryk blev fortrudt på tabletten og tælles ikke med."));
    /* Waiting 3 + 1 minutes (the start taken back adds nothing): 27 %. */
    assert_true(ot_has(&r, "Ventetid</td><td data-label=\"Tid\">4:00</td>"));
    assert_true(ot_has(&r, "27 %"));
    /* Samples: play twice, talk once. */
    assert_true(ot_has(&r, "Leg</td><td data-label=\"Stikprøver\">2</td>"));
    assert_true(ot_has(&r, "67 %"));
    /* Rating per sign in the scale's words. */
    assert_true(ot_has(&r, "Børnene svarer i hele sætninger</td><td data-label=\"Vurdering\">"
                           "<strong class=\"obs-level\" data-level=\"2\">Tydeligt</strong>"));
    assert_true(ot_has(&r, "Den voksne venter på svar</td><td data-label=\"Vurdering\">"
                           "<strong class=\"obs-level\" data-level=\"1\">Delvist</strong>"));
    /* Context with the template's labels. */
    assert_true(ot_has(&r, "<dt>Antal børn</dt><dd>14</dd>"));
    /* Notes with their sign, text shown as text. */
    assert_true(ot_has(&r, "Tegn: Børnene svarer i hele sætninger"));
    assert_true(ot_has(&r, "Emma fortæller om sin weekend"));
    assert_true(ot_has(&r, "Lang pause &lt;b&gt;før&lt;/b&gt; svaret"));
    assert_false(ot_has(&r, "<b>før</b>"));
    const char *first = strstr(r.body, "Børnene sætter sig i rundkreds"),
               *second = strstr(r.body, "Emma fortæller om sin weekend"),
               *third = strstr(r.body, "Lang pause");
    assert_true(first && second && third && first < second && second < third);
    /* Feedback (the newest version counts), reflection. */
    assert_true(ot_has(&r, "I venter tålmodigt på svar"));
    assert_true(ot_has(&r, "Hvad sker der, når Emma ikke får ordet?"));
    assert_true(ot_has(&r, "Tæl til fem i stilhed"));
    assert_true(ot_has(&r, "Jeg vil prøve at tælle til fem"));
    /* The timeline: 6 taps (not the undone one), 2 waiting bars, 3
     * samples, 3 notes, with a title, a description and its table. */
    assert_true(ot_has(&r, "<svg class=\"obs-tl\""));
    assert_true(ot_has(&r, "<title id=\"tl-title\">"));
    assert_true(ot_has(&r, "<desc id=\"tl-desc\">"));
    assert_int_equal(occurrences(&r, "class=\"tap\""), 6);
    assert_int_equal(occurrences(&r, "class=\"span\""), 2);
    assert_int_equal(occurrences(&r, "class=\"sample\""), 3);
    assert_int_equal(occurrences(&r, "class=\"note\""), 3);
    assert_true(ot_has(&r, "2:00–5:00, 10:00–11:00"));
    assert_true(ot_has(&r, "1:00, 2:00, 3:00, 4:00"));
    assert_false(ot_has(&r, "1:00, 2:00, 3:00, 4:00, 5:00"));
    /* Versions: the observation twice, the feedback twice, from the
     * tablet; and the conflict kept from the second tablet. */
    assert_int_equal(occurrences(&r, "<td>Observationen</td>"), 2);
    assert_true(ot_has(&r, "Test tablet"));
    assert_true(ot_has(&r, "Spørg Emma først"));
    assert_true(ot_has(&r, "Den blev lavet på version 1, mens serveren havde version 2."));
    ot_free(&r);
    /* The same in English: the template's English scale words, a decimal
     * point. */
    get(&LEAD, &r, "/observations/%s?lang=en", OBS_A);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "2.7 per 10 min"));
    assert_true(ot_has(&r, ">Clearly</strong>"));
    ot_free(&r);
}

static void test_page_short_and_draft(void **state)
{
    (void)state;
    ot_resp r;
    get(&LEAD, &r, "/observations/%s", OBS_B);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "for kort til en hyppighed"));
    assert_true(ot_has(&r, "kræver mindst 5 minutters observation"));
    assert_true(ot_has(&r, "Der er ikke skrevet feedback endnu."));
    assert_true(ot_has(&r, "Der er ikke skrevet en refleksion endnu."));
    ot_free(&r);
    get(&PEER1, &r, "/observations/%s", OBS_C);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "ikke afsluttet"));
    assert_true(ot_has(&r, "Ingen stue"));
    ot_free(&r);
}

static void test_page_scope(void **state)
{
    (void)state;
    ot_resp r;
    /* The observee and the observer open it. */
    get(&PEER1, &r, "/observations/%s", OBS_A);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    get(&PEER2, &r, "/observations/%s", OBS_C);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    /* A peer who is neither is refused, and reads nothing of it. */
    get(&PEER1, &r, "/observations/%s", OBS_B);
    assert_int_equal(r.status, 403);
    assert_false(ot_has(&r, "Kun for lederen og Pia"));
    ot_free(&r);
    get(&PEER2, &r, "/observations/%s", OBS_A);
    assert_int_equal(r.status, 403);
    assert_false(ot_has(&r, "Emma"));
    ot_free(&r);
    /* Another unit's leader, area leaders (with the unit or without) and
     * an administrator are refused the page. */
    const ot_account *refused[] = {&OTHER, &AREA_U, &AREA_V, &ADMIN};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        get(refused[i], &r, "/observations/%s", OBS_A);
        assert_int_equal(r.status, 403);
        assert_false(ot_has(&r, "Emma"));
        assert_false(ot_has(&r, "Per Peer"));
        ot_free(&r);
    }
    /* Not signed in: to the sign-in page. */
    get(NULL, &r, "/observations/%s", OBS_A);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    /* An id that names nothing, and one that is no id. */
    get(&LEAD, &r, "/observations/00000000-0000-4000-8000-000000000000");
    assert_int_equal(r.status, 404);
    ot_free(&r);
    get(&LEAD, &r, "/observations/%%3Cscript%%3E");
    assert_int_equal(r.status, 404);
    assert_false(ot_has(&r, "<script>"));
    ot_free(&r);
}

/* ---- the list ---- */

/* The list as a for query, asserting 200 and the count line. */
static void list(const ot_account *a, const char *query, int count, ot_resp *r)
{
    get(a, r, "/observations%s%s", query[0] ? "?" : "", query);
    if (r->status != 200)
        fail_msg("%s: %d %s", query, r->status, r->body);
    char want[80];
    snprintf(want, sizeof want, count == 1 ? ">%d observation<" : ">%d observationer<", count);
    if (!ot_has(r, want))
        fail_msg("%s: expected %s", query, want);
}

static void test_list_scope(void **state)
{
    (void)state;
    ot_resp r;
    list(&LEAD, "", 3, &r);
    assert_true(links(&r, OBS_A) && links(&r, OBS_B) && links(&r, OBS_C));
    assert_false(links(&r, OBS_V));
    assert_true(ot_has(&r, "data-label=\"Observeret\">Pia Peer")); /* named for the leader */
    assert_true(ot_has(&r, "Hvordan inviterer vi børnene ind i samtalen?"));
    ot_free(&r);
    /* A peer: what they observed or were observed in. */
    list(&PEER1, "", 2, &r);
    assert_true(links(&r, OBS_A) && links(&r, OBS_C));
    assert_false(links(&r, OBS_B));
    ot_free(&r);
    list(&PEER2, "", 2, &r);
    assert_true(links(&r, OBS_B) && links(&r, OBS_C));
    ot_free(&r);
    /* An area leader: their units, observed people hidden, no links to
     * pages they may not open. */
    list(&AREA_U, "", 3, &r);
    assert_false(links(&r, OBS_A) || links(&r, OBS_B) || links(&r, OBS_C));
    assert_int_equal(occurrences(&r, "data-label=\"Observeret\"><span class=\"muted\">skjult<"), 3);
    assert_false(ot_has(&r, "data-label=\"Observeret\">Pia Peer"));
    assert_false(ot_has(&r, "data-label=\"Observeret\">Per Peer"));
    /* No choice among observed people either (the observer's may be
     * chosen: who observed is not who was observed). */
    assert_false(ot_has(&r, "name=\"observee\""));
    ot_free(&r);
    list(&AREA_V, "", 1, &r);
    assert_false(ot_has(&r, "Solsikken"));
    ot_free(&r);
    list(&ADMIN, "", 4, &r);
    assert_int_equal(occurrences(&r, "data-label=\"Observeret\"><span class=\"muted\">skjult<"), 4);
    assert_false(ot_has(&r, "data-label=\"Observeret\">Pia Peer"));
    assert_false(links(&r, OBS_V));
    ot_free(&r);
    /* Another unit's leader asking for U's list is refused. */
    get(&OTHER, &r, "/observations?unit=%s", U.unit);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* The navigation leads here, for a peer too. */
    get(&PEER1, &r, "/");
    assert_true(ot_has(&r, "href=\"/observations\""));
    ot_free(&r);
}

static void test_list_filters(void **state)
{
    (void)state;
    ot_resp r;
    char q[300];
    snprintf(q, sizeof q, "unit=%s&status=draft", U.unit);
    list(&LEAD, q, 1, &r);
    assert_true(links(&r, OBS_C));
    ot_free(&r);
    list(&LEAD, "status=finished", 2, &r);
    assert_false(links(&r, OBS_C));
    ot_free(&r);
    list(&LEAD, "feedback=yes", 1, &r);
    assert_true(links(&r, OBS_A));
    ot_free(&r);
    list(&LEAD, "feedback=no", 2, &r);
    assert_false(links(&r, OBS_A));
    ot_free(&r);
    list(&LEAD, "reflection=yes", 1, &r);
    assert_true(links(&r, OBS_A));
    ot_free(&r);
    snprintf(q, sizeof q, "focus=%s", F2);
    list(&LEAD, q, 2, &r);
    assert_true(links(&r, OBS_A) && links(&r, OBS_C));
    /* With a focus, its signs and the scale's words are offered. */
    assert_true(ot_has(&r, ">Den voksne venter på svar</option>"));
    assert_true(ot_has(&r, ">Tydeligt</option>"));
    ot_free(&r);
    snprintf(q, sizeof q, "observer=%s", U.peer1);
    list(&LEAD, q, 1, &r);
    assert_true(links(&r, OBS_C));
    ot_free(&r);
    snprintf(q, sizeof q, "observee=%s", U.peer2);
    list(&LEAD, q, 2, &r);
    assert_true(links(&r, OBS_B) && links(&r, OBS_C));
    ot_free(&r);
    snprintf(q, sizeof q, "room=%s", U.room);
    list(&LEAD, q, 2, &r);
    assert_false(links(&r, OBS_C));
    ot_free(&r);
    /* The period, by the day in Copenhagen: OBS_B is a month earlier. */
    list(&LEAD, "from=2026-09-21&to=2026-09-21", 2, &r);
    assert_false(links(&r, OBS_B));
    ot_free(&r);
    list(&LEAD, "to=2026-09-20", 1, &r);
    assert_true(links(&r, OBS_B));
    ot_free(&r);
    list(&LEAD, "from=2026-09-22", 0, &r);
    ot_free(&r);
    /* A sign rated, and rated at a level. */
    snprintf(q, sizeof q, "focus=%s&sign=%s", F2, S1);
    list(&LEAD, q, 1, &r);
    assert_true(links(&r, OBS_A));
    ot_free(&r);
    snprintf(q, sizeof q, "focus=%s&sign=%s&level=2", F2, S1);
    list(&LEAD, q, 1, &r);
    ot_free(&r);
    snprintf(q, sizeof q, "sign=%s&level=1", S1);
    list(&LEAD, q, 0, &r);
    ot_free(&r);
    /* Filters narrow within the scope: a peer asking for Pia's as
     * observee still sees only their own. */
    snprintf(q, sizeof q, "observee=%s", U.peer2);
    list(&PEER1, q, 1, &r);
    assert_true(links(&r, OBS_C));
    ot_free(&r);
    /* The form keeps what was chosen. */
    list(&LEAD, "status=draft&feedback=no", 1, &r);
    assert_true(ot_has(&r, "<option value=\"draft\" selected>"));
    ot_free(&r);
}

static void test_list_bad_filters(void **state)
{
    (void)state;
    static const struct {
        const char *query, *message;
    } bad[] = {
        {"from=2026-13-01", "Skriv den første dag som en dato, for eksempel 2026-03-01."},
        {"to=i+morgen", "Skriv den sidste dag som en dato, for eksempel 2026-03-31."},
        {"from=2026-05-01&to=2026-04-01", "Den sidste dag ligger før den første dag."},
        {"status=done", "Vælg kladde eller afsluttet."},
        {"feedback=maybe", "Vælg ja eller nej."},
        {"reflection=1", "Vælg ja eller nej."},
        {"unit=%3Cscript%3E", "Det er ikke et af de valg, listen tilbyder. Vælg igen."},
        {"level=2", "Vælg et tegn for at afgrænse listen efter, hvordan det blev vurderet."},
        {"page=0", "Sidetallet skal være et helt tal fra 1."},
        {"page=abc", "Sidetallet skal være et helt tal fra 1."},
        {"page=999999", "Sidetallet skal være et helt tal fra 1."},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ot_resp r;
        get(&LEAD, &r, "/observations?%s", bad[i].query);
        if (r.status != 400 || !ot_has(&r, bad[i].message))
            fail_msg("%s: %d, expected 400 with \"%s\"", bad[i].query, r.status, bad[i].message);
        /* No list beside the message, and nothing echoed as markup. */
        assert_false(links(&r, OBS_A));
        assert_false(ot_has(&r, "<script>"));
        ot_free(&r);
    }
    /* An area leader may not narrow by an observed person. */
    ot_resp r;
    get(&AREA_U, &r, "/observations?observee=%s", U.peer2);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "Navnene på observerede personer er skjult for dig"));
    assert_false(ot_has(&r, "name=\"observee\""));
    assert_false(links(&r, OBS_B));
    ot_free(&r);
}

/* Pages of 50: 52 more of V's observations make two pages. */
static void test_list_pages(void **state)
{
    (void)state;
    model_record *r = calloc(52, sizeof *r);
    assert_non_null(r);
    for (int i = 0; i < 52; i++)
        obs_rec(&r[i], &V, V.focus, V.tmpl, V.leader, V.peer2, T0 - (i + 1) * 24 * 60 * MIN,
                10 * MIN, 1);
    push(&DEVV, V.leader, 0, r, 52);
    free(r);
    ot_resp a;
    list(&OTHER, "", 53, &a);
    assert_int_equal(occurrences(&a, "href=\"/observations/"), 50);
    assert_true(ot_has(&a, "Side 1 af 2"));
    assert_true(ot_has(&a, "href=\"/observations?page=2\""));
    ot_free(&a);
    list(&OTHER, "page=2", 53, &a);
    assert_int_equal(occurrences(&a, "href=\"/observations/"), 3);
    assert_true(ot_has(&a, "href=\"/observations?page=1\""));
    ot_free(&a);
    /* The filters travel with the page links. */
    list(&OTHER, "status=finished", 53, &a);
    assert_true(ot_has(&a, "href=\"/observations?status=finished&amp;page=2\""));
    ot_free(&a);
    list(&OTHER, "page=3", 53, &a);
    assert_true(ot_has(&a, "Denne side ligger efter listens slutning."));
    ot_free(&a);
}

/* The plan of a query on the test's own connection, as one text. */
static void plan(const char *sql, char *out, size_t cap)
{
    PGresult *r = PQexec(W.fx.db, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    out[0] = 0;
    for (int i = 0; i < PQntuples(r); i++)
        strncat(out, PQgetvalue(r, i, 0), cap - strlen(out) - 1);
    PQclear(r);
}

/* What the page and the list ask by key are found by index, not by
 * reading every change (each tap is one) or every observation: asked with
 * sequential scans made as dear as the planner allows, so the plan names
 * the index whenever there is one. */
static void test_indexed(void **state)
{
    (void)state;
    char p[4000], q[600];
    PQclear(PQexec(W.fx.db, "SET enable_seqscan = off"));
    snprintf(q, sizeof q,
             "EXPLAIN SELECT version FROM changes WHERE key = '%s'"
             " AND entity IN ('observation','feedback','reflection') AND status = 'stored'",
             OBS_A);
    plan(q, p, sizeof p);
    assert_non_null(strstr(p, "changes_obs_key"));
    plan("EXPLAIN SELECT id FROM conflicts WHERE entity = 'feedback' AND key = 'x'", p, sizeof p);
    assert_non_null(strstr(p, "conflicts_record"));
    plan("EXPLAIN SELECT observation_id FROM fact_obs ORDER BY started_at DESC LIMIT 50", p,
         sizeof p);
    assert_non_null(strstr(p, "fact_obs_started"));
    PQclear(PQexec(W.fx.db, "RESET enable_seqscan"));
}

/* Per observes the team "Morgenholdet" two days after T0. */
static void test_team_observation(void **state)
{
    (void)state;
    model_record r[1];
    obs_rec(&r[0], &U, U.focus, U.tmpl, U.peer1, U.peer2, T0 + 2 * 24 * 60 * MIN, 12 * MIN, 1);
    r[0].u.obs.observee_id[0] = '\0';
    snprintf(r[0].u.obs.team, sizeof r[0].u.obs.team, "Morgenholdet");
    model_id id;
    snprintf(id, sizeof id, "%s", r[0].u.obs.id);
    assert_int_equal(push(&DEV, U.peer1, 0, r, 1), PROTO_ST_STORED);
    ot_resp res;
    /* The leader's list and the observer's name the team. */
    list(&LEAD, "", 4, &res);
    assert_true(links(&res, id));
    assert_true(ot_has(&res, "data-label=\"Observeret\">Hold: Morgenholdet</td>"));
    ot_free(&res);
    list(&PEER1, "", 3, &res);
    assert_true(links(&res, id));
    assert_true(ot_has(&res, "data-label=\"Observeret\">Hold: Morgenholdet</td>"));
    ot_free(&res);
    /* Another peer does not see it; an area leader sees it, without the
     * team's name, as without a colleague's. */
    list(&PEER2, "", 2, &res);
    assert_false(links(&res, id));
    assert_false(ot_has(&res, "Morgenholdet"));
    ot_free(&res);
    list(&AREA_U, "", 4, &res);
    assert_false(ot_has(&res, "Morgenholdet"));
    ot_free(&res);
    /* Its page: the team where the colleague would be, and no reflection
     * waited for. */
    get(&LEAD, &res, "/observations/%s", id);
    assert_int_equal(res.status, 200);
    assert_true(ot_has(&res, "<dt>Observeret</dt><dd>Hold: Morgenholdet</dd>"));
    assert_true(ot_has(&res, "Et team skriver ikke sin egen refleksion"));
    assert_false(ot_has(&res, "Der er ikke skrevet en refleksion endnu"));
    ot_free(&res);
    get(&PEER1, &res, "/observations/%s", id);
    assert_int_equal(res.status, 200);
    ot_free(&res);
    get(&PEER2, &res, "/observations/%s", id);
    assert_int_equal(res.status, 403);
    assert_false(ot_has(&res, "Morgenholdet"));
    ot_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_numbers),     cmocka_unit_test(test_page_short_and_draft),
        cmocka_unit_test(test_page_scope),       cmocka_unit_test(test_list_scope),
        cmocka_unit_test(test_list_filters),     cmocka_unit_test(test_list_bad_filters),
        cmocka_unit_test(test_list_pages),       cmocka_unit_test(test_indexed),
        cmocka_unit_test(test_team_observation),
    };
    return cmocka_run_group_tests(tests, up, down);
}
