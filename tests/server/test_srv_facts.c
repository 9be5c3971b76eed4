/*
 * The office's figures: made from what tablets push with the tablet's own
 * rules (undone taps left out, state spans paired, a state running at the
 * end counted to the end), kept right as observations are edited, moved to
 * another month, corrected by a late undo and deleted, and always equal to
 * a rebuild from scratch and to a recount of the monthly sums. A database
 * made before the figures existed gets them when it is migrated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "model_json.h"
#include "srv.h"
#include "srv_facts.h"
#include "srv_int.h"

static fx_world W;
static fx_unit U;
static fx_device D;

/* The template and focus of these tests: two counters, a state, interval
 * sampling, a three-level scale and two signs, with ids chosen here. */
#define TMPL "7d0c4f2a-3b1e-4c59-9a47-2f8e6b1d0c35"
#define FOCUS "5a1e2b3c-4d5e-4f60-8a71-92b3c4d5e6f7"
#define SIGN1 "11111111-1111-4111-8111-111111111111"
#define SIGN2 "22222222-2222-4222-8222-222222222222"

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_facts", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Solsikken", &U);
    char doc[2048], path[700], out[128];
    snprintf(doc, sizeof doc,
             "{\"id\":\"" TMPL "\",\"unit_id\":\"%s\",\"version\":1,\"name\":\"Samling\","
             "\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],"
             "\"counters\":[{\"key\":\"open_q\",\"label\":\"Åbent\"},"
             "{\"key\":\"closed_q\",\"label\":\"Lukket\"}],"
             "\"states\":[{\"key\":\"waiting\",\"label\":\"Venter\"}],"
             "\"interval\":{\"minutes\":5,\"options\":[{\"key\":\"all\",\"label\":\"Alle\"},"
             "{\"key\":\"few\",\"label\":\"Få\"}]},"
             "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
             U.unit);
    snprintf(path, sizeof path, "%s/t.json", W.dir);
    write_file(path, doc);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "template-add", "--unit", U.unit, "--file", path, NULL),
        0);
    snprintf(doc, sizeof doc,
             "{\"id\":\"" FOCUS "\",\"unit_id\":\"%s\",\"version\":1,\"pillar\":\"learning\","
             "\"template_id\":\"" TMPL "\",\"question\":\"Hvordan?\",\"why\":\"Fordi.\","
             "\"period_from\":\"2026-08-01\",\"period_to\":\"2027-07-31\","
             "\"signs\":[{\"id\":\"" SIGN1 "\",\"text\":\"Alle kommer til orde\"},"
             "{\"id\":\"" SIGN2 "\",\"text\":\"Den voksne venter\"}]}",
             U.unit);
    snprintf(path, sizeof path, "%s/f.json", W.dir);
    write_file(path, doc);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit, "--file", path, NULL),
        0);
    fx_enrol(&W, U.unit, &D);
}

/* ---- records as a tablet makes them ---- */

#define T0 1790000000000LL /* 2026-09-21 14:13:20 in Copenhagen */

static void obs_rec(model_record *r, const char *observee, int64_t start, int minutes, int finished)
{
    fx_obs(&U, U.leader, observee, r);
    model_observation *o = &r->u.obs;
    snprintf(o->focus_id, sizeof o->focus_id, FOCUS);
    snprintf(o->template_id, sizeof o->template_id, TMPL);
    o->started_at = start;
    o->ended_at = finished ? start + minutes * 60000LL : 0;
    o->status = finished ? MODEL_OBS_FINISHED : MODEL_OBS_DRAFT;
    o->updated_at = start;
}

static void event_rec(model_record *r, const char *obs, model_event_kind kind, const char *key,
                      const char *target, int64_t at)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_EVENT;
    model_event *e = &r->u.event;
    assert_int_equal(model_id_new(plat_sys_os(), e->id), 0);
    snprintf(e->observation_id, sizeof e->observation_id, "%s", obs);
    e->kind = kind;
    snprintf(e->key, sizeof e->key, "%s", key);
    snprintf(e->target_id, sizeof e->target_id, "%s", target);
    e->at = at;
}

static void rating_rec(model_record *r, const char *obs, const char *sign, int level)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_RATING;
    snprintf(r->u.rating.observation_id, sizeof(model_id), "%s", obs);
    snprintf(r->u.rating.sign_id, sizeof(model_id), "%s", sign);
    r->u.rating.level = level;
    r->u.rating.at = T0;
}

/* Pushes n records as the leader (the observer), each a new change at base
 * version base, and asserts every one was stored. */
static void push(model_record *recs, int n, int base)
{
    proto_change *c = calloc((size_t)n, sizeof *c);
    assert_non_null(c);
    for (int i = 0; i < n; i++)
        fx_change(&c[i],
                  recs[i].entity == MODEL_ENT_REFLECTION ? recs[i].u.reflection.author_id
                                                         : U.leader,
                  base, &recs[i]);
    proto_push_reply rep;
    fx_push(&W, &D, c, n, &rep);
    for (int i = 0; i < n; i++) {
        if (rep.results[i].status != PROTO_ST_STORED)
            fprintf(stderr, "change %d: %s\n", i, rep.results[i].message);
        assert_int_equal(rep.results[i].status, PROTO_ST_STORED);
    }
    proto_push_reply_clear(&rep);
    free(c);
}

/* One value from the test's own connection, as text, into out. */
static const char *val(char *out, size_t cap, const char *sql)
{
    PGresult *r = PQexec(W.db, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "%s: %s\n", sql, PQerrorMessage(W.db));
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    snprintf(out, cap, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "(none)");
    PQclear(r);
    return out;
}

/* Every fact and rollup as one text, in a fixed order. */
static char *snapshot(void)
{
    static const char *const q[] = {
        "SELECT string_agg(x::text, '|' ORDER BY x::text) FROM fact_obs x",
        "SELECT string_agg(x::text, '|' ORDER BY x::text) FROM fact_obs_count x",
        "SELECT string_agg(x::text, '|' ORDER BY x::text) FROM fact_obs_state x",
        "SELECT string_agg(x::text, '|' ORDER BY x::text) FROM fact_obs_rating x",
        "SELECT string_agg(x::text, '|' ORDER BY x::text) FROM roll_month x",
        "SELECT string_agg(x::text, '|' ORDER BY x::text) FROM roll_month_count x",
        "SELECT string_agg(x::text, '|' ORDER BY x::text) FROM roll_month_sign x",
    };
    size_t cap = 1 << 20, len = 0;
    char *s = calloc(1, cap);
    assert_non_null(s);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        PGresult *r = PQexec(W.db, q[i]);
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        len += (size_t)snprintf(s + len, cap - len, "#%zu:%s\n", i, PQgetvalue(r, 0, 0));
        PQclear(r);
        assert_true(len < cap);
    }
    return s;
}

/* ---- the figures of one observation ---- */

static void test_figures_by_the_tablets_rules(void **state)
{
    (void)state;
    model_record *tr = calloc(1, sizeof *tr);
    assert_non_null(tr);
    char doc[1024];
    snprintf(doc, sizeof doc,
             "{\"id\":\"" TMPL "\",\"unit_id\":\"%s\",\"version\":1,\"name\":\"S\","
             "\"scale\":[\"a\",\"b\",\"c\"],\"counters\":[{\"key\":\"open_q\",\"label\":\"O\"}],"
             "\"states\":[{\"key\":\"waiting\",\"label\":\"V\"}],"
             "\"interval\":{\"minutes\":5,\"options\":[{\"key\":\"all\",\"label\":\"A\"},"
             "{\"key\":\"few\",\"label\":\"F\"}]},"
             "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
             U.unit);
    model_err me;
    assert_int_equal(model_record_parse(MODEL_ENT_TEMPLATE, doc, tr, &me), 0);
    model_record o;
    obs_rec(&o, U.peer1, T0, 15, 1);
    model_record ev[9];
    const char *id = o.u.obs.id;
    /* Given out of time order on purpose: the replay sorts them. */
    event_rec(&ev[0], id, MODEL_EV_STATE_START, "waiting", "", T0 + 600000);
    event_rec(&ev[1], id, MODEL_EV_COUNT, "open_q", "", T0 + 10000);
    event_rec(&ev[2], id, MODEL_EV_COUNT, "open_q", "", T0 + 20000);
    event_rec(&ev[3], id, MODEL_EV_COUNT, "open_q", "", T0 + 30000);
    event_rec(&ev[4], id, MODEL_EV_UNDO, "", ev[3].u.event.id, T0 + 31000);
    event_rec(&ev[5], id, MODEL_EV_STATE_START, "waiting", "", T0 + 60000);
    event_rec(&ev[6], id, MODEL_EV_STATE_STOP, "waiting", "", T0 + 180000);
    event_rec(&ev[7], id, MODEL_EV_SAMPLE, "all", "", T0 + 300000);
    event_rec(&ev[8], id, MODEL_EV_SAMPLE, "few", "", T0 + 600000);
    model_event events[9];
    for (int i = 0; i < 9; i++)
        events[i] = ev[i].u.event;
    model_note notes[2];
    memset(notes, 0, sizeof notes);
    snprintf(notes[0].text, sizeof notes[0].text, "Ventede på svar");
    /* notes[1] was deleted by its observer: an empty text. */
    srv_fact_figures f;
    srv_facts_figures(&o.u.obs, &tr->u.tmpl, events, 9, notes, 2, &f);
    assert_int_equal(f.n_events, 7); /* 9, less the undo and the undone tap */
    assert_int_equal(f.n_undone, 1);
    assert_int_equal(f.n_notes, 1);
    assert_int_equal(f.duration_ms, 15 * 60000);
    assert_int_equal(f.n_counts, 3);
    assert_string_equal(f.counts[0].kind, "count");
    assert_string_equal(f.counts[0].key, "open_q");
    assert_int_equal(f.counts[0].n, 2);
    assert_string_equal(f.counts[1].key, "all");
    assert_string_equal(f.counts[1].kind, "sample");
    assert_int_equal(f.counts[1].n, 1);
    assert_string_equal(f.counts[2].key, "few");
    /* 1:00–3:00 closed, then 10:00 to the end at 15:00 still running. */
    assert_int_equal(f.n_states, 1);
    assert_int_equal(f.states[0].ms, 120000 + 300000);

    /* A draft knows only the closed time and has no duration. */
    o.u.obs.status = MODEL_OBS_DRAFT;
    srv_facts_figures(&o.u.obs, &tr->u.tmpl, events, 9, notes, 2, &f);
    assert_int_equal(f.duration_ms, 0);
    assert_int_equal(f.states[0].ms, 120000);

    /* Another template version counts nothing by key, only events. */
    o.u.obs.template_version = 2;
    srv_facts_figures(&o.u.obs, &tr->u.tmpl, events, 9, notes, 2, &f);
    assert_int_equal(f.n_counts, 0);
    assert_int_equal(f.n_states, 0);
    assert_int_equal(f.n_events, 7);
    free(tr);
}

/* ---- through the server ---- */

static model_record A; /* the observation the tests below follow */

static void test_push_makes_facts_and_sums(void **state)
{
    (void)state;
    model_record r[10];
    obs_rec(&A, U.peer1, T0, 20, 1);
    const char *id = A.u.obs.id;
    r[0] = A;
    event_rec(&r[1], id, MODEL_EV_COUNT, "open_q", "", T0 + 10000);
    event_rec(&r[2], id, MODEL_EV_COUNT, "open_q", "", T0 + 20000);
    event_rec(&r[3], id, MODEL_EV_COUNT, "closed_q", "", T0 + 30000);
    event_rec(&r[4], id, MODEL_EV_STATE_START, "waiting", "", T0 + 60000);
    event_rec(&r[5], id, MODEL_EV_STATE_STOP, "waiting", "", T0 + 90000);
    rating_rec(&r[6], id, SIGN1, 2);
    rating_rec(&r[7], id, SIGN2, 1);
    fx_note(id, "Barnet rækker hånden op", &r[8]);
    fx_feedback(id, U.leader, "Gode spørgsmål", &r[9]);
    r[9].u.feedback.given_at = T0 + 3600000;
    push(r, 10, 0);

    char v[512];
    char q[512];
    snprintf(q, sizeof q,
             "SELECT concat_ws(' ', status, month, duration_ms, n_events, n_undone, n_notes,"
             " n_ratings, feedback_given, reflection_written, n_conflicts, room_id = '%s',"
             " context->>'children') FROM fact_obs WHERE observation_id = '%s'",
             U.room, id);
    assert_string_equal(val(v, sizeof v, q), "finished 2026-09-01 1200000 5 0 1 2 t f 0 t 14");
    snprintf(q, sizeof q,
             "SELECT string_agg(kind || ':' || key || '=' || n, ' ' ORDER BY kind, key)"
             " FROM fact_obs_count WHERE observation_id = '%s'",
             id);
    assert_string_equal(val(v, sizeof v, q), "count:closed_q=1 count:open_q=2");
    snprintf(q, sizeof q, "SELECT key || '=' || ms FROM fact_obs_state WHERE observation_id = '%s'",
             id);
    assert_string_equal(val(v, sizeof v, q), "waiting=30000");
    assert_string_equal(val(v, sizeof v,
                            "SELECT concat_ws(' ', n_obs, n_feedback, n_reflection, duration_ms)"
                            " FROM roll_month WHERE focus_id = '" FOCUS "'"),
                        "1 1 0 1200000");
    assert_string_equal(val(v, sizeof v,
                            "SELECT string_agg(concat_ws(' ', n_scale, n0, n1, n2), ','"
                            " ORDER BY sign_id) FROM roll_month_sign"),
                        "3 0 0 1,3 0 1 0");

    /* The observee's reflection comes later, from another push. */
    model_record rf;
    fx_reflection(id, U.peer1, "Jeg vil vente længere.", &rf);
    push(&rf, 1, 0);
    assert_string_equal(val(v, sizeof v, "SELECT n_reflection FROM roll_month"), "1");
    /* The row keeps what the wide export shows, current with each push. */
    assert_string_equal(val(v, sizeof v, "SELECT reflection FROM fact_obs"),
                        "Jeg vil vente længere.");
    assert_string_equal(val(v, sizeof v, "SELECT counts FROM fact_obs"),
                        "count closed_q 1 count open_q 2");
    char e[200];
    assert_int_equal(srv_facts_check(W.db, e, sizeof e), 0);
}

/* Edits, a late undo, a draft finished, an observation moved to another
 * month, one deleted with its person: after each, the sums agree with a
 * recount, and at the end the facts equal a rebuild from scratch. */
static void test_kept_right_through_changes(void **state)
{
    (void)state;
    char e[200], v[256];
    const char *id = A.u.obs.id;
    /* A late undo of the first tap. */
    PGresult *x = PQexec(W.db, "SELECT key FROM items WHERE entity = 'event' AND"
                               " data::json->>'key' = 'open_q' ORDER BY seq LIMIT 1");
    assert_int_equal(PQntuples(x), 1);
    model_record u;
    event_rec(&u, id, MODEL_EV_UNDO, "", PQgetvalue(x, 0, 0), T0 + 40000);
    PQclear(x);
    push(&u, 1, 0);
    assert_string_equal(val(v, sizeof v, "SELECT n FROM roll_month_count WHERE key = 'open_q'"),
                        "1");
    assert_int_equal(srv_facts_check(W.db, e, sizeof e), 0);

    /* A draft in October, then finished: only then in the sums. */
    model_record b;
    obs_rec(&b, U.peer2, T0 + 20LL * 86400000, 0, 0);
    push(&b, 1, 0);
    assert_string_equal(val(v, sizeof v, "SELECT count(*) FROM roll_month"), "1");
    assert_string_equal(val(v, sizeof v, "SELECT count(*) FROM fact_obs"), "2");
    b.u.obs.status = MODEL_OBS_FINISHED;
    b.u.obs.ended_at = b.u.obs.started_at + 10 * 60000;
    push(&b, 1, 1);
    assert_string_equal(val(v, sizeof v,
                            "SELECT string_agg(month || '=' || n_obs, ' '"
                            " ORDER BY month) FROM roll_month"),
                        "2026-09-01=1 2026-10-01=1");
    /* Corrected to a start in September after all: October's sums go. */
    b.u.obs.started_at = T0 + 3LL * 86400000;
    b.u.obs.ended_at = b.u.obs.started_at + 10 * 60000;
    b.u.obs.revision = 2;
    push(&b, 1, 2);
    assert_string_equal(val(v, sizeof v,
                            "SELECT string_agg(month || '=' || n_obs, ' '"
                            " ORDER BY month) FROM roll_month"),
                        "2026-09-01=2");
    assert_int_equal(srv_facts_check(W.db, e, sizeof e), 0);

    /* A stale edit of A from another tablet is kept as a conflict. */
    fx_device d2;
    fx_enrol(&W, U.unit, &d2);
    model_record a2 = A;
    snprintf(a2.u.obs.activity, sizeof a2.u.obs.activity, "Frokost");
    A.u.obs.revision = 2;
    push(&A, 1, 1);
    proto_change c;
    fx_change(&c, U.leader, 1, &a2);
    proto_push_reply rep;
    fx_push(&W, &d2, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_CONFLICT);
    proto_push_reply_clear(&rep);
    char q[256];
    snprintf(q, sizeof q, "SELECT n_conflicts FROM fact_obs WHERE observation_id = '%s'", id);
    assert_string_equal(val(v, sizeof v, q), "1");

    /* Rebuilt from scratch, everything is the same. */
    char *before = snapshot();
    assert_int_equal(srv_facts_rebuild(W.db, NULL, NULL, NULL, e, sizeof e), 2);
    char *after = snapshot();
    assert_string_equal(before, after);
    free(after);
    /* Emptied and rebuilt for the unit alone. */
    PGresult *del = PQexec(W.db, "DELETE FROM fact_obs; DELETE FROM roll_month;"
                                 " DELETE FROM roll_month_count; DELETE FROM roll_month_sign");
    assert_int_equal(PQresultStatus(del), PGRES_COMMAND_OK);
    PQclear(del);
    char out[128];
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "facts-rebuild", "--unit", U.unit, NULL),
                     0);
    assert_string_equal(out, "made the figures of 2 observation(s) again");
    after = snapshot();
    assert_string_equal(before, after);
    free(after);
    free(before);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "facts-check", NULL), 0);
    assert_string_equal(out, "the monthly sums agree with a recount");
    /* A sum changed behind the server's back is found. */
    PQclear(PQexec(W.db, "UPDATE roll_month SET n_obs = n_obs + 1"));
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "facts-check", NULL), 1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "facts-rebuild", NULL), 0);
    assert_int_equal(srv_facts_check(W.db, e, sizeof e), 0);

    /* Peer 2 asks to be erased: the observation about them leaves the
     * figures and the sums. */
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "person-delete", "--person", U.peer2, NULL), 0);
    assert_string_equal(val(v, sizeof v, "SELECT count(*) FROM fact_obs"), "1");
    assert_string_equal(val(v, sizeof v, "SELECT n_obs FROM roll_month"), "1");
    assert_int_equal(srv_facts_check(W.db, e, sizeof e), 0);
}

/* A refresh told that its observations are new to the server (as a push
 * tells it when it stores their first version) still takes out the share of
 * facts it finds for them, should any be there: the sums are not counted
 * twice, and the facts are what a refresh that knew would make. */
static void test_fresh_refresh_finds_old_facts(void **state)
{
    (void)state;
    char e[200];
    char *before = snapshot();
    const char *ids[] = {A.u.obs.id};
    PQclear(PQexec(W.db, "BEGIN"));
    const srv_facts_with w = {.fresh_ids = ids, .n_fresh = 1};
    assert_int_equal(srv_facts_refresh_with(W.db, ids, 1, &w, e, sizeof e), 0);
    PQclear(PQexec(W.db, "COMMIT"));
    char *after = snapshot();
    assert_string_equal(before, after);
    free(after);
    free(before);
    assert_int_equal(srv_facts_check(W.db, e, sizeof e), 0);
}

/* A database from before step 11: the step gives the rows already there
 * the lists and texts srv_facts.c writes, in the same words and order. */
/* A push that brings a new observation with its parts makes its facts from
 * the records it has just stored, without reading them back: the facts are
 * what a rebuild from the stored records makes, also when the push sends a
 * part twice (the later version counts), keeps a conflict about the
 * observation (an event sent again changed), and brings a part of an
 * observation the server had already, whose records are read back. */
static void test_fresh_push_equals_a_rebuild(void **state)
{
    (void)state;
    enum { N = 13 };
    model_record r[N];
    int base[N] = {0};
    obs_rec(&r[0], U.peer1, T0 + 2LL * 86400000, 30, 1);
    const char *id = r[0].u.obs.id;
    int64_t t = r[0].u.obs.started_at;
    event_rec(&r[1], id, MODEL_EV_COUNT, "open_q", "", t + 10000);
    event_rec(&r[2], id, MODEL_EV_COUNT, "closed_q", "", t + 20000);
    event_rec(&r[3], id, MODEL_EV_STATE_START, "waiting", "", t + 30000);
    event_rec(&r[4], id, MODEL_EV_STATE_STOP, "waiting", "", t + 95000);
    event_rec(&r[5], id, MODEL_EV_UNDO, "", r[2].u.event.id, t + 96000);
    rating_rec(&r[6], id, SIGN1, 0);
    fx_note(id, "Venter på svar", &r[7]);
    fx_feedback(id, U.leader, "Første udkast", &r[8]);
    /* The rating and the feedback again, changed: their second versions. */
    r[9] = r[6];
    r[9].u.rating.level = 2;
    base[9] = 1;
    r[10] = r[8];
    snprintf(r[10].u.feedback.works, sizeof r[10].u.feedback.works, "Endelig tekst");
    r[10].u.feedback.given_at = t + 3600000;
    base[10] = 1;
    /* The first tap again with another time: kept as a conflict. */
    r[11] = r[1];
    r[11].u.event.at = t + 11000;
    /* A tap on A, which the server has had since an earlier push. */
    char v[256], q[512];
    snprintf(q, sizeof q, "SELECT n_events FROM fact_obs WHERE observation_id = '%s'", A.u.obs.id);
    int a_events = atoi(val(v, sizeof v, q));
    event_rec(&r[12], A.u.obs.id, MODEL_EV_COUNT, "open_q", "", T0 + 50000);
    proto_change c[N];
    for (int i = 0; i < N; i++)
        fx_change(&c[i], U.leader, base[i], &r[i]);
    proto_push_reply rep;
    fx_push(&W, &D, c, N, &rep);
    for (int i = 0; i < N; i++)
        assert_int_equal(rep.results[i].status, i == 11 ? PROTO_ST_CONFLICT : PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    assert_int_equal(atoi(val(v, sizeof v, q)), a_events + 1);

    snprintf(q, sizeof q,
             "SELECT concat_ws(' ', n_events, n_undone, n_notes, n_ratings, feedback_given,"
             " n_conflicts, feedback_works, counts, states, ratings) FROM fact_obs"
             " WHERE observation_id = '%s'",
             id);
    /* Five taps, of which an undo and the tap it undid do not count. */
    assert_string_equal(val(v, sizeof v, q),
                        "3 1 1 1 t 1 Endelig tekst count open_q 1 waiting 65000 " SIGN1 " 2");
    char e[200], *before = snapshot();
    assert_true(srv_facts_rebuild(W.db, NULL, NULL, NULL, e, sizeof e) > 0);
    char *after = snapshot();
    assert_string_equal(before, after);
    free(after);
    free(before);
    assert_int_equal(srv_facts_check(W.db, e, sizeof e), 0);
}

static void test_step11_fills_the_export_columns(void **state)
{
    (void)state;
    char v[256], e[300];
    assert_string_equal(val(v, sizeof v,
                            "SELECT count(*) FROM fact_obs WHERE counts <> '' AND ratings <> ''"
                            " AND feedback_works <> '' AND feedback_given_at IS NOT NULL"
                            " AND reflection <> ''"),
                        "1");
    char *before = snapshot();
    PQclear(PQexec(W.db, "ALTER TABLE fact_obs DROP COLUMN counts, DROP COLUMN states,"
                         " DROP COLUMN ratings, DROP COLUMN feedback_works,"
                         " DROP COLUMN feedback_wonderings, DROP COLUMN feedback_next_step,"
                         " DROP COLUMN feedback_given_at, DROP COLUMN reflection,"
                         " DROP COLUMN reflection_next_step;"
                         " DELETE FROM schema_migrations WHERE version = 11"));
    assert_int_equal(srv_db_migrate(W.db, e, sizeof e), 0);
    char *after = snapshot();
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* A database from before the figures: step 5 fills them as it is applied,
 * in their newest shape (the steps after it that reshape them, 6, 10 and
 * 11, run in the same transaction). */
static void test_migration_fills_the_figures(void **state)
{
    (void)state;
    char *before = snapshot();
    PQclear(PQexec(W.db, "DROP TABLE fact_obs_count, fact_obs_state, fact_obs_rating, fact_obs,"
                         " roll_month, roll_month_count, roll_month_sign, focus_steps;"
                         " DROP INDEX observations_observer, observations_observee,"
                         " changes_obs_key, conflicts_record;"
                         " DELETE FROM schema_migrations WHERE version IN (5, 6, 10, 11)"));
    char e[300];
    assert_int_equal(srv_db_migrate(W.db, e, sizeof e), 0);
    char *after = snapshot();
    assert_string_equal(before, after);
    /* The planner was told of the rows made, not of the empty table the
     * steps' own ANALYZE saw. */
    char v[64];
    assert_string_not_equal(
        val(v, sizeof v, "SELECT reltuples::int FROM pg_class WHERE relname = 'fact_obs'"), "0");
    free(before);
    free(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_figures_by_the_tablets_rules),
        cmocka_unit_test(test_push_makes_facts_and_sums),
        cmocka_unit_test(test_kept_right_through_changes),
        cmocka_unit_test(test_fresh_refresh_finds_old_facts),
        cmocka_unit_test(test_fresh_push_equals_a_rebuild),
        cmocka_unit_test(test_step11_fills_the_export_columns),
        cmocka_unit_test(test_migration_fills_the_figures),
    };
    return cmocka_run_group_tests_name("srv_facts", tests, up, down);
}
