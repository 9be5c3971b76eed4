/*
 * Planned observations in the tablet's store: the newest pulled version
 * wins, a person's list for the week holds their plans as observer and as
 * observee and nothing else (not another's, not cancelled, not done, not
 * one already started here), the observee's agreement is queued once and
 * only by the observee, an observation names its plan only when the plan
 * fits it, and a person the server deleted takes their plans along.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_plan.h"
#include "db_sync.h"
#include "dbfix.h"
#include "model_json.h"
#include "tsupport.h"

#define PLAN(n) "0b11c000-0000-4000-8000-0000000007" n
#define FOCUS2 "0b11c000-0000-4000-8000-000000000042"
#define OTHER_UNIT "0b11c000-0000-4000-8000-0000000000ff"
/* FIX_T0 is Thursday 2026-11-19: its week runs from Monday the 16th. */
#define MON "2026-11-16"
#define SUN "2026-11-22"

/* The demo store, loaded once (its PINs take a while to hash): each test
 * starts from a copy of its file. */
static dbfix tmpl;

static int group_setup(void **state)
{
    (void)state;
    if (dbfix_open(&tmpl, "plan-template", 1) != 0)
        return -1;
    db_close(tmpl.d); /* checkpoints the log: the file is the whole store */
    tmpl.d = NULL;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    dbfix_close(&tmpl);
    return 0;
}

/* Like dbfix_open with the demo, from a copy of the template's file. */
static int open_copy(dbfix *f, const char *name)
{
    memset(f, 0, sizeof *f);
    if (tsupport_tmpdir(name, f->dir, sizeof f->dir) != 0)
        return -1;
    tsupport_path(f->path, sizeof f->path, f->dir, "blik.db");
    FILE *in = fopen(tmpl.path, "rb");
    if (!in)
        return -1;
    static char buf[1 << 16];
    size_t n, len = 0;
    char *all = NULL;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        char *grown = realloc(all, len + n);
        if (!grown)
            break;
        all = grown;
        memcpy(all + len, buf, n);
        len += n;
    }
    fclose(in);
    int rc = all ? tsupport_write_file(f->path, all, len) : -1;
    free(all);
    if (rc != 0)
        return -1;
    f->sys = plat_fake_new(FIX_T0, 7);
    return db_open(f->path, f->sys, &f->d) == DB_OK ? 0 : -1;
}

static void make(model_plan *p, const char *id, const char *observer, const char *observee,
                 const char *from, const char *to)
{
    memset(p, 0, sizeof *p);
    strcpy(p->id, id);
    strcpy(p->unit_id, DEMO_UNIT_ID);
    strcpy(p->focus_id, FIX_FOCUS);
    strcpy(p->observer_id, observer);
    strcpy(p->observee_id, observee);
    if (!observee[0])
        strcpy(p->team, "Sommerfuglestuen, formiddag");
    strcpy(p->room_id, FIX_ROOM);
    strcpy(p->day_from, from);
    strcpy(p->day_to, to);
    strcpy(p->terms, "Kun samlingen. Ingen noter om enkelte børn.");
    p->status = MODEL_PLAN_PLANNED;
    p->updated_at = FIX_T0 - 1000;
}

/* The ids listed for person in this week, in order, joined by spaces. */
static const char *listed(dbfix *f, const char *person)
{
    static char out[DB_PLAN_LIST_MAX * 40];
    db_plan_row *rows = calloc(DB_PLAN_LIST_MAX, sizeof *rows);
    assert_non_null(rows);
    int n = -1;
    assert_int_equal(db_plan_list(f->d, DEMO_UNIT_ID, person, MON, SUN, DB_PLAN_LIST_MAX, rows, &n),
                     DB_OK);
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        /* the last three digits of the id say which plan */
        strcat(out, i ? " " : "");
        strcat(out, rows[i].plan.id + strlen(rows[i].plan.id) - 3);
    }
    free(rows);
    return out;
}

static void test_newest_version_wins(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(open_copy(&f, "plan-version"), 0);
    model_plan p;
    make(&p, PLAN("01"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 2), DB_OK);
    /* An older version, pulled late, changes nothing. */
    strcpy(p.terms, "old terms");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    assert_int_equal(db_plan_apply(f.d, &p, 2), DB_OK);
    db_plan_row r;
    assert_int_equal(db_plan_get(f.d, PLAN("01"), &r), DB_OK);
    assert_string_equal(r.plan.terms, "Kun samlingen. Ingen noter om enkelte børn.");
    assert_int_equal(r.version, 2);
    strcpy(p.terms, "new terms");
    p.agreed_at = FIX_T0;
    assert_int_equal(db_plan_apply(f.d, &p, 3), DB_OK);
    assert_int_equal(db_plan_get(f.d, PLAN("01"), &r), DB_OK);
    assert_string_equal(r.plan.terms, "new terms");
    assert_int_equal(r.plan.agreed_at, FIX_T0);
    assert_int_equal(r.version, 3);
    assert_true(db_plan_agreed(&r));
    /* A plan that breaks its rules is refused with the reason, and a
     * version of 0 too; nothing is stored. */
    make(&p, PLAN("02"), FIX_PEER_A, FIX_PEER_A, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_INVALID);
    assert_non_null(strstr(db_errmsg(f.d), "differ"));
    make(&p, PLAN("02"), FIX_PEER_A, FIX_PEER_B, "2026-11-17", "2026-11-23");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_INVALID);
    assert_non_null(strstr(db_errmsg(f.d), "Monday"));
    make(&p, PLAN("02"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 0), DB_INVALID);
    assert_int_equal(db_plan_get(f.d, PLAN("02"), &r), DB_NOTFOUND);
    dbfix_close(&f);
}

static void test_my_week(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(open_copy(&f, "plan-week"), 0);
    model_plan p;
    /* A observes B today; C observes A in the week; A observes the team on
     * Friday; B observes C (not A's); A's plans last week and next week;
     * a plan of A's cancelled; one done; one in another unit. */
    make(&p, PLAN("01"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("02"), FIX_PEER_C, FIX_PEER_A, MON, SUN);
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("03"), FIX_PEER_A, "", "2026-11-20", "2026-11-20");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("04"), FIX_PEER_B, FIX_PEER_C, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("05"), FIX_PEER_A, FIX_PEER_B, "2026-11-15", "2026-11-15");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("06"), FIX_PEER_A, FIX_PEER_B, "2026-11-23", "2026-11-29");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("07"), FIX_PEER_A, FIX_PEER_C, "2026-11-18", "2026-11-18");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("08"), FIX_PEER_B, FIX_PEER_A, "2026-11-17", "2026-11-17");
    p.status = MODEL_PLAN_DONE;
    strcpy(p.observation_id, PLAN("99"));
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("09"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    strcpy(p.unit_id, OTHER_UNIT);
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    assert_string_equal(listed(&f, FIX_PEER_A), "702 707 701 703");
    assert_string_equal(listed(&f, FIX_PEER_B), "704 701");
    assert_string_equal(listed(&f, FIX_PEER_C), "702 707 704");

    /* The office cancels 007: it comes down as a new version and is gone. */
    make(&p, PLAN("07"), FIX_PEER_A, FIX_PEER_C, "2026-11-18", "2026-11-18");
    p.status = MODEL_PLAN_CANCELLED;
    assert_int_equal(db_plan_apply(f.d, &p, 2), DB_OK);
    assert_string_equal(listed(&f, FIX_PEER_A), "702 701 703");
    assert_string_equal(listed(&f, FIX_PEER_C), "702 704");

    /* A starts 701 here: it leaves the list at once (it is a draft now),
     * for both of them. */
    model_id obs;
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = FIX_FOCUS,
                    .observer_id = FIX_PEER_A,
                    .observee_id = FIX_PEER_B,
                    .room_id = FIX_ROOM,
                    .activity = "Samling",
                    .agreement = 1,
                    .plan_id = PLAN("01")};
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_OK);
    assert_string_equal(listed(&f, FIX_PEER_A), "702 703");
    assert_string_equal(listed(&f, FIX_PEER_B), "704");

    /* Bad dates are refused; max bounds the rows. */
    db_plan_row rows[2];
    int k = -1;
    assert_int_equal(db_plan_list(f.d, DEMO_UNIT_ID, FIX_PEER_A, "2026-11-31", SUN, 2, rows, &k),
                     DB_INVALID);
    assert_int_equal(k, 0);
    assert_int_equal(db_plan_list(f.d, DEMO_UNIT_ID, FIX_PEER_A, MON, SUN, 1, rows, &k), DB_OK);
    assert_int_equal(k, 1);
    dbfix_close(&f);
}

static void test_agreement_is_the_observees_once(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(open_copy(&f, "plan-agree"), 0);
    model_plan p;
    make(&p, PLAN("01"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("02"), FIX_PEER_A, "", "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("03"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    p.status = MODEL_PLAN_CANCELLED;
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);

    /* The observer, a bystander, a team plan, a cancelled plan, a plan the
     * tablet does not have: refused, nothing queued. */
    assert_int_equal(db_plan_agree(f.d, PLAN("01"), FIX_PEER_A), DB_DENIED);
    assert_int_equal(db_plan_agree(f.d, PLAN("01"), FIX_PEER_C), DB_DENIED);
    assert_non_null(strstr(db_errmsg(f.d), "observed"));
    assert_int_equal(db_plan_agree(f.d, PLAN("02"), FIX_PEER_B), DB_DENIED);
    assert_int_equal(db_plan_agree(f.d, PLAN("03"), FIX_PEER_B), DB_DENIED);
    assert_int_equal(db_plan_agree(f.d, PLAN("98"), FIX_PEER_B), DB_NOTFOUND);
    assert_int_equal(db_plan_agree(f.d, "not an id", FIX_PEER_B), DB_INVALID);
    assert_int_equal(dbfix_count(f.path, "outbox"), 0);

    /* The observee agrees: one change, the record the server reads. */
    assert_int_equal(db_plan_agree(f.d, PLAN("01"), FIX_PEER_B), DB_OK);
    assert_int_equal(db_plan_agree(f.d, PLAN("01"), FIX_PEER_B), DB_OK);
    assert_int_equal(dbfix_count(f.path, "outbox"), 1);
    db_outbox_entry e[2];
    int n = 0;
    assert_int_equal(db_outbox_peek(f.d, 0, 2, e, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].entity, "plan_agreement");
    assert_string_equal(e[0].entity_id, PLAN("01"));
    assert_string_equal(e[0].actor_id, FIX_PEER_B);
    model_record *rec = malloc(sizeof *rec);
    assert_non_null(rec);
    assert_int_equal(model_record_parse(MODEL_ENT_PLAN_AGREEMENT, e[0].payload, rec, NULL), 0);
    assert_string_equal(rec->u.agreement.plan_id, PLAN("01"));
    assert_string_equal(rec->u.agreement.person_id, FIX_PEER_B);
    assert_int_equal(rec->u.agreement.agreed_at, FIX_T0);
    free(rec);
    db_outbox_entries_free(e, n);
    db_plan_row r;
    assert_int_equal(db_plan_get(f.d, PLAN("01"), &r), DB_OK);
    assert_int_equal(r.agreed_here, FIX_T0);
    assert_int_equal(r.plan.agreed_at, 0);
    assert_true(db_plan_agreed(&r));
    /* The server's version with the agreement keeps it agreed. */
    make(&p, PLAN("01"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    p.agreed_at = FIX_T0 + 5;
    assert_int_equal(db_plan_apply(f.d, &p, 2), DB_OK);
    assert_int_equal(db_plan_get(f.d, PLAN("01"), &r), DB_OK);
    assert_int_equal(r.plan.agreed_at, FIX_T0 + 5);
    assert_true(db_plan_agreed(&r));
    dbfix_close(&f);
}

static void test_observation_names_a_fitting_plan(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(open_copy(&f, "plan-start"), 0);
    model_plan p;
    make(&p, PLAN("01"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("02"), FIX_PEER_A, "", MON, SUN);
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("03"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    p.status = MODEL_PLAN_CANCELLED;
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = FIX_FOCUS,
                    .observer_id = FIX_PEER_A,
                    .observee_id = FIX_PEER_B,
                    .room_id = FIX_ROOM,
                    .activity = "Samling",
                    .agreement = 1};
    model_id obs;
    /* Another observer, another focus, another observee, a cancelled plan,
     * one not here, a malformed id: refused, nothing stored. */
    n.plan_id = PLAN("01");
    n.observer_id = FIX_PEER_C;
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_DENIED);
    n.observer_id = FIX_PEER_A;
    n.focus_id = FOCUS2;
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_INVALID);
    assert_non_null(strstr(db_errmsg(f.d), "focus"));
    n.focus_id = FIX_FOCUS;
    n.observee_id = FIX_PEER_C;
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_INVALID);
    n.observee_id = FIX_PEER_B;
    n.plan_id = PLAN("03");
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_DENIED);
    n.plan_id = PLAN("97");
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_NOTFOUND);
    n.plan_id = "x";
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_INVALID);
    assert_int_equal(dbfix_count(f.path, "observation"), 0);
    assert_int_equal(dbfix_count(f.path, "outbox"), 0);

    /* A fitting plan is named on the observation and in what is sent; a
     * team plan takes any colleague as observee. */
    n.plan_id = PLAN("01");
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_OK);
    model_observation o;
    assert_int_equal(db_obs_get(f.d, obs, &o), DB_OK);
    assert_string_equal(o.plan_id, PLAN("01"));
    assert_int_equal(
        dbfix_count(f.path, "outbox WHERE payload LIKE '%\"plan_id\":\"" PLAN("01") "\"%'"), 1);
    n.plan_id = PLAN("02");
    n.observee_id = FIX_PEER_C;
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_OK);
    /* Unplanned: no plan_id member at all. */
    n.plan_id = NULL;
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_OK);
    assert_int_equal(db_obs_get(f.d, obs, &o), DB_OK);
    assert_string_equal(o.plan_id, "");
    assert_int_equal(dbfix_count(f.path, "outbox WHERE payload LIKE '%plan_id%'"), 2);
    dbfix_close(&f);
}

/* A team plan is observed as the team: the observation names the team and
 * no colleague, only from the team's own plan and as the plan names it; it
 * is sent with its team, its feedback is the observer's, and nobody writes
 * it a reflection. */
static void test_team_observation(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(open_copy(&f, "plan-team"), 0);
    model_plan p;
    make(&p, PLAN("01"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("02"), FIX_PEER_A, "", MON, SUN);
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                    .focus_id = FIX_FOCUS,
                    .observer_id = FIX_PEER_A,
                    .room_id = FIX_ROOM,
                    .activity = "Samling",
                    .agreement = 1,
                    .team = "Sommerfuglestuen, formiddag"};
    model_id obs;
    /* Without a plan, with a colleague named too, from a person's plan, as
     * another team: refused, nothing stored. */
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_INVALID);
    n.plan_id = PLAN("02");
    n.observee_id = FIX_PEER_B;
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_INVALID);
    n.observee_id = NULL;
    n.plan_id = PLAN("01");
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_INVALID);
    n.plan_id = PLAN("02");
    n.team = "Eftermiddagen";
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_INVALID);
    assert_non_null(strstr(db_errmsg(f.d), "team"));
    assert_int_equal(dbfix_count(f.path, "observation"), 0);
    assert_int_equal(dbfix_count(f.path, "outbox"), 0);

    n.team = "Sommerfuglestuen, formiddag";
    assert_non_null(strstr(listed(&f, FIX_PEER_A), "702"));
    assert_int_equal(db_obs_start(f.d, &n, obs), DB_OK);
    model_observation o;
    assert_int_equal(db_obs_get(f.d, obs, &o), DB_OK);
    assert_string_equal(o.team, "Sommerfuglestuen, formiddag");
    assert_string_equal(o.observee_id, "");
    assert_int_equal(dbfix_count(f.path, "observation WHERE observee_id IS NULL"), 1);
    assert_int_equal(
        dbfix_count(f.path, "outbox WHERE payload LIKE '%\"team\":\"Sommerfuglestuen, formiddag\"%'"
                            " AND payload LIKE '%\"observee_id\":\"\"%'"),
        1);
    /* The plan is no longer the observer's to do. */
    assert_null(strstr(listed(&f, FIX_PEER_A), "702"));
    assert_int_equal(db_feedback_put(f.d, obs, FIX_PEER_A, "Holdet venter på svar.", "", "", 1),
                     DB_OK);
    assert_int_equal(db_reflection_put(f.d, obs, FIX_PEER_B, "Vi så det selv.", ""), DB_DENIED);
    assert_int_equal(db_reflection_put(f.d, obs, FIX_PEER_A, "Vi så det selv.", ""), DB_DENIED);
    assert_int_equal(dbfix_count(f.path, "reflection"), 0);
    dbfix_close(&f);
}

/* A pulled observation keeps the plan it names, as the server sent it. */
static void test_pulled_observation_keeps_its_plan(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(open_copy(&f, "plan-pull"), 0);
    model_record *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->entity = MODEL_ENT_OBSERVATION;
    model_observation *o = &r->u.obs;
    strcpy(o->id, PLAN("50"));
    strcpy(o->unit_id, DEMO_UNIT_ID);
    strcpy(o->focus_id, FIX_FOCUS);
    o->focus_version = 1;
    model_focus fo;
    assert_int_equal(db_focus_get(f.d, FIX_FOCUS, 0, &fo), DB_OK);
    strcpy(o->template_id, fo.template_id);
    o->template_version = 1;
    strcpy(o->observer_id, FIX_PEER_C);
    strcpy(o->observee_id, FIX_PEER_B);
    strcpy(o->room_id, FIX_ROOM);
    strcpy(o->context_json, "{}");
    o->agreement = 1;
    o->started_at = o->updated_at = FIX_T0;
    o->revision = 1;
    strcpy(o->plan_id, PLAN("01"));
    db_sync_item it = {r, 1};
    assert_int_equal(db_sync_apply(f.d, &it, 0), DB_OK);
    model_observation back;
    assert_int_equal(db_obs_get(f.d, PLAN("50"), &back), DB_OK);
    assert_string_equal(back.plan_id, PLAN("01"));
    free(r);
    dbfix_close(&f);
}

/* A person the server deleted takes the plans about them along. */
static void test_deleted_person_takes_their_plans(void **state)
{
    (void)state;
    dbfix f;
    assert_int_equal(open_copy(&f, "plan-person"), 0);
    model_plan p;
    make(&p, PLAN("01"), FIX_PEER_A, FIX_PEER_B, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("02"), FIX_PEER_B, FIX_PEER_C, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    make(&p, PLAN("03"), FIX_PEER_C, FIX_PEER_A, "2026-11-19", "2026-11-19");
    assert_int_equal(db_plan_apply(f.d, &p, 1), DB_OK);
    assert_int_equal(db_sync_delete(f.d, "person", FIX_PEER_B), DB_OK);
    assert_int_equal(dbfix_count(f.path, "plan"), 1);
    assert_int_equal(dbfix_count(f.path, "plan WHERE id = '" PLAN("03") "'"), 1);
    dbfix_close(&f);
}

/* A fixture whose store holds the demo's data as an app of schema version
 * `version` wrote it, closed (the caller reopens it at this build's). */
static void old_demo_store(dbfix *f, const char *name, int version)
{
    assert_int_equal(dbfix_open(f, name, 0), 0);
    db_close(f->d);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char side[1200];
        snprintf(side, sizeof side, "%s%s", f->path, suffix[i]);
        remove(side);
    }
    assert_int_equal(db_open_at(f->path, f->sys, version, &f->d), DB_OK);
    char err[256];
    assert_int_equal(demo_load(f->d, err, sizeof err), DB_OK);
    db_close(f->d);
}

/* A file of schema 8 has neither plans nor plan ids; after the upgrade an
 * observation made there is sent as before, without a plan_id. */
static void test_upgrade_from_8(void **state)
{
    (void)state;
    dbfix f;
    old_demo_store(&f, "plan-migrate", 8);
    assert_int_equal(dbfix_count(f.path, "sqlite_master WHERE name = 'plan'"), 0);
    assert_int_equal(db_open(f.path, f.sys, &f.d), DB_OK);
    assert_int_equal(db_schema_version(f.d), DB_SCHEMA_VERSION);
    model_id obs;
    assert_int_equal(dbfix_start(&f, obs), DB_OK);
    model_observation o;
    assert_int_equal(db_obs_get(f.d, obs, &o), DB_OK);
    assert_string_equal(o.plan_id, "");
    assert_int_equal(dbfix_count(f.path, "outbox WHERE payload LIKE '%plan_id%'"), 0);
    assert_int_equal(dbfix_count(f.path, "observation WHERE plan_id = ''"), 1);
    dbfix_close(&f);
}

/* A file of schema 10 stored observations whose observee had to be a
 * person; step 11 makes the table again so that a team's may be NULL. What
 * was there stays, with its parts, and every reference still holds. */
static void test_upgrade_from_10(void **state)
{
    (void)state;
    dbfix f;
    old_demo_store(&f, "team-migrate", 10);
    /* Written as that version's app wrote them (this build's writes need
     * the new column). */
    model_id obs = PLAN("60");
    assert_int_equal(
        dbfix_exec(f.path,
                   "INSERT INTO observation(id, unit_id, focus_id, focus_version, template_id,"
                   " template_version, observer_id, observee_id, room_id, activity, context,"
                   " agreement, started_at, ended_at, status, revision, updated_at)"
                   " SELECT '" PLAN("60") "', unit_id, id, version, template_id, 1,"
                                          " '" FIX_PEER_A "', '" FIX_PEER_B "', '" FIX_ROOM
                                          "', 'Samling', '{}', 1,"
                                          " 1795000000000, 0, 0, 1, 1795000000000 FROM focus"
                                          " WHERE id = '" FIX_FOCUS "' AND version = 1;"
                                          "INSERT INTO note(id, observation_id, at, text, sign_id)"
                                          " VALUES('" PLAN("61") "', '" PLAN(
                                              "60") "', 1795000001000, 'Godt.', NULL);"),
        0);
    assert_int_equal(dbfix_count(f.path, "pragma_table_info('observation') WHERE name = 'team'"),
                     0);
    assert_int_equal(db_open(f.path, f.sys, &f.d), DB_OK);
    assert_int_equal(db_schema_version(f.d), DB_SCHEMA_VERSION);
    model_observation o;
    assert_int_equal(db_obs_get(f.d, obs, &o), DB_OK);
    assert_string_equal(o.team, "");
    assert_string_equal(o.observee_id, FIX_PEER_B);
    assert_int_equal(dbfix_count(f.path, "note WHERE observation_id = '" PLAN("60") "'"), 1);
    assert_int_equal(dbfix_count(f.path, "pragma_foreign_key_check"), 0);
    assert_int_equal(dbfix_count(f.path, "sqlite_master WHERE type = 'index'"
                                         " AND tbl_name = 'observation' AND sql IS NOT NULL"),
                     5);
    assert_int_equal(dbfix_count(f.path, "sqlite_master WHERE type = 'trigger'"
                                         " AND tbl_name = 'observation'"),
                     1);
    /* And the store goes on: a new observation is started. */
    assert_int_equal(db_obs_start(f.d,
                                  &(db_obs_new){.unit_id = DEMO_UNIT_ID,
                                                .focus_id = FIX_FOCUS,
                                                .observer_id = FIX_PEER_A,
                                                .observee_id = FIX_PEER_B,
                                                .room_id = FIX_ROOM,
                                                .agreement = 1},
                                  obs),
                     DB_OK);
    assert_int_equal(dbfix_count(f.path, "observation"), 2);
    dbfix_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newest_version_wins),
        cmocka_unit_test(test_my_week),
        cmocka_unit_test(test_agreement_is_the_observees_once),
        cmocka_unit_test(test_observation_names_a_fitting_plan),
        cmocka_unit_test(test_team_observation),
        cmocka_unit_test(test_pulled_observation_keeps_its_plan),
        cmocka_unit_test(test_deleted_person_takes_their_plans),
        cmocka_unit_test(test_upgrade_from_8),
        cmocka_unit_test(test_upgrade_from_10),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
