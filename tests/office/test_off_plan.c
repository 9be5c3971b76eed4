/*
 * Observation plans in the office: a unit's leader plans one observation
 * (and is refused bad input, people and rooms of another unit, a day gone
 * by), makes a peer rota, sees the proposal, adjusts it and publishes it
 * (and is refused a pair twice or a person observing themselves); the
 * colleague observed agrees in the office and nobody else can agree for
 * them; a leader cancels; the lists and counts per focus say what was
 * planned, waiting, overdue, done and cancelled, a peer's list holds only
 * their own plans, an area leader reads figures without a name, and the
 * area overview shows per focus how many planned observations were done,
 * after a tablet pushed the finished observation that carried one out.
 * Every change is a new version of the plan's record in the unit's feed.
 * Before anything is planned, the list says where to begin instead of
 * showing a table of zeros.
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

#include "off_plan.h"
#include "offtest.h"
#include "proto.h"
#include "srv.h"

static ot_world W;
static fx_unit A, B;
static ot_account LEAD_A, PEER1, PEER2, LEAD_B, AREA_A, ADMIN;

static void sql(const char *q)
{
    PGresult *r = PQexec(W.fx.db, q);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", q, PQerrorMessage(W.fx.db));
    PQclear(r);
}

/* A text from a query with one parameter ("" when no row). */
static void one(const char *q, const char *param, char *out, size_t cap)
{
    const char *p[] = {param};
    PGresult *r = PQexecParams(W.fx.db, q, param ? 1 : 0, NULL, param ? p : NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", q, PQerrorMessage(W.fx.db));
    snprintf(out, cap, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
}

static long long num(const char *q, const char *param)
{
    char s[64];
    one(q, param, s, sizeof s);
    return atoll(s);
}

/* Today plus days, YYYY-MM-DD, on the server's calendar. */
static void day(int days, char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char today[11];
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    assert_int_equal(model_date_add(today, days, out), 0);
}

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_plans");
    fx_make_unit(&W.fx, "Solsikken", &A);
    fx_make_unit(&W.fx, "Mælkebøtten", &B);
    /* Unit B's people have other names, so a leak is seen by name. */
    char q[300];
    snprintf(q, sizeof q, "UPDATE people SET name = 'Bo Bøtte' WHERE id = '%s'", B.peer1);
    sql(q);
    const char *units_a[] = {A.unit, NULL};
    ot_account_make(&W, "leader", "Lea A", A.leader, NULL, &LEAD_A);
    ot_account_make(&W, "peer", "Per Peer", A.peer1, NULL, &PEER1);
    ot_account_make(&W, "peer", "Pia Peer", A.peer2, NULL, &PEER2);
    ot_account_make(&W, "leader", "Lea B", B.leader, NULL, &LEAD_B);
    ot_account_make(&W, "area", "Arne A", NULL, units_a, &AREA_A);
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &ADMIN);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

/* POSTs fields (after the form token) as account a; the answer in r. */
static void post(const ot_account *a, const char *path, const char *fields, ot_resp *r)
{
    char *form = malloc(strlen(fields) + 100);
    assert_non_null(form);
    sprintf(form, "csrf=%s%s", a->csrf, fields);
    ot_post(&W, a->cookie, path, form, r);
    free(form);
}

/* The plan id a redirect to /plans/<id>?done=... names. */
static void plan_of(const ot_resp *r, char out[64])
{
    const char *loc = ot_header(r, "Location");
    assert_non_null(loc);
    assert_int_equal(strncmp(loc, "/plans/", 7), 0);
    snprintf(out, 64, "%.*s", (int)strcspn(loc + 7, "?"), loc + 7);
}

static long long plans(void) { return num("SELECT count(*) FROM plans", NULL); }

static char P1[64]; /* A.leader observes A.peer1, agreed in the office */
static char P2[64]; /* A.peer2 observes the morning team */

static void test_nothing_planned_yet(void **state)
{
    (void)state;
    ot_resp r;
    ot_get(&W, LEAD_A.cookie, "/plans", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Der er ikke planlagt noget i enheden endnu"));
    assert_true(ot_has(&r, "kollegaturnus for en periode"));
    assert_true(ot_has(&r, "href=\"/plans/rota\""));
    assert_false(ot_has(&r, "tally-cap"));
    ot_free(&r);
    ot_get(&W, PEER1.cookie, "/plans", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Der er ikke planlagt noget med dig endnu"));
    assert_false(ot_has(&r, "href=\"/plans/rota\""));
    ot_free(&r);
    /* A filter asked for gets its answer, not the beginning. */
    ot_get(&W, LEAD_A.cookie, "/plans?state=done", &r);
    assert_int_equal(r.status, 200);
    assert_false(ot_has(&r, "Der er ikke planlagt noget"));
    ot_free(&r);
}

static void test_plan_one(void **state)
{
    (void)state;
    char d[11], fields[1200];
    day(3, d);
    ot_resp r;
    /* The form offers the unit's people, its focus and its room. */
    ot_get(&W, LEAD_A.cookie, "/plans/new", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Per Peer"));
    assert_true(ot_has(&r, "Blue room"));
    assert_false(ot_has(&r, "Bo Bøtte"));
    ot_free(&r);
    snprintf(fields, sizeof fields,
             "&focus=%s&observer=%s&observee=%s&team=&room=%s&day=%s&span=day"
             "&terms=Vi+ser+p%%C3%%A5+de+%%C3%%A5bne+sp%%C3%%B8rgsm%%C3%%A5l.",
             A.focus, A.leader, A.peer1, A.room, d);
    post(&LEAD_A, "/plans/new", fields, &r);
    assert_int_equal(r.status, 303);
    plan_of(&r, P1);
    ot_free(&r);
    /* The row, its record in the unit's feed, the audit. */
    assert_int_equal(num("SELECT count(*) FROM plans WHERE id = $1 AND status = 'planned'"
                         " AND agreed_at = 0 AND day_from = day_to",
                         P1),
                     1);
    assert_int_equal(num("SELECT count(*) FROM items WHERE entity = 'plan' AND key = $1"
                         " AND version = 1 AND data::jsonb->>'status' = 'planned'"
                         " AND data::jsonb->>'terms' = 'Vi ser på de åbne spørgsmål.'",
                         P1),
                     1);
    assert_int_equal(num("SELECT count(*) FROM audit_log WHERE action = 'plan.add'"
                         " AND subject = $1",
                         P1),
                     1);
    /* A team, for a week: Monday to Sunday around the day given. */
    day(8, d);
    snprintf(fields, sizeof fields,
             "&focus=%s&observer=%s&observee=team&team=Morgenholdet&room=&day=%s&span=week"
             "&terms=",
             A.focus, A.peer2, d);
    post(&LEAD_A, "/plans/new", fields, &r);
    assert_int_equal(r.status, 303);
    plan_of(&r, P2);
    ot_free(&r);
    assert_int_equal(num("SELECT count(*) FROM plans WHERE id = $1 AND observee_id IS NULL"
                         " AND team = 'Morgenholdet' AND day_to = day_from + 6"
                         " AND extract(isodow FROM day_from) = 1",
                         P2),
                     1);
    /* The plan's page names them and its terms. */
    char path[120];
    snprintf(path, sizeof path, "/plans/%s", P1);
    ot_get(&W, LEAD_A.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Per Peer"));
    assert_true(ot_has(&r, "Vi ser på de åbne spørgsmål."));
    assert_true(ot_has(&r, "afventer accept") || ot_has(&r, "waiting for agreement"));
    ot_free(&r);
    /* In the list, a plan without a room says so: at a tablet's width each
     * cell is a line "Stue: ...", which must not end in nothing. */
    ot_get(&W, LEAD_A.cookie, "/plans", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "data-label=\"Stue\">Blue room</td>"));
    assert_true(ot_has(&r, "data-label=\"Stue\"><span class=\"muted\">Ingen stue planlagt</span>"));
    assert_false(ot_has(&r, "data-label=\"Stue\"></td>"));
    ot_free(&r);
}

static void test_plan_refused(void **state)
{
    (void)state;
    long long before = plans();
    char d[11], past[11], fields[4000];
    day(3, d);
    day(-2, past);
    ot_resp r;
    struct {
        const char *why;
        char fields[1500];
        const char *says;
    } bad[7];
    int n = 0;
    snprintf(bad[n].fields, sizeof bad[n].fields,
             "&focus=&observer=%s&observee=%s&day=%s&span=day&terms=", A.leader, A.peer1, d);
    bad[n].why = "no focus";
    bad[n++].says = "f-focus";
    snprintf(bad[n].fields, sizeof bad[n].fields,
             "&focus=%s&observer=%s&observee=%s&day=%s&span=day&terms=", A.focus, A.peer1, A.peer1,
             d);
    bad[n].why = "observes themselves";
    bad[n++].says = "f-observee";
    snprintf(bad[n].fields, sizeof bad[n].fields,
             "&focus=%s&observer=%s&observee=%s&day=%s&span=day&terms=", A.focus, A.leader, B.peer1,
             d);
    bad[n].why = "another unit's person";
    bad[n++].says = "f-observee";
    snprintf(bad[n].fields, sizeof bad[n].fields,
             "&focus=%s&observer=%s&observee=%s&day=%s&span=day&terms=", B.focus, A.leader, A.peer1,
             d);
    bad[n].why = "another unit's focus";
    bad[n++].says = "f-focus";
    snprintf(bad[n].fields, sizeof bad[n].fields,
             "&focus=%s&observer=%s&observee=%s&room=%s&day=%s&span=day&terms=", A.focus, A.leader,
             A.peer1, B.room, d);
    bad[n].why = "another unit's room";
    bad[n++].says = "f-room";
    snprintf(bad[n].fields, sizeof bad[n].fields,
             "&focus=%s&observer=%s&observee=%s&day=%s&span=day&terms=", A.focus, A.leader, A.peer1,
             past);
    bad[n].why = "a day gone by";
    bad[n++].says = "f-day";
    snprintf(bad[n].fields, sizeof bad[n].fields,
             "&focus=%s&observer=%s&observee=team&team=&day=%s&span=day&terms=", A.focus, A.leader,
             d);
    bad[n].why = "a team without a name";
    bad[n++].says = "f-team";
    for (int i = 0; i < n; i++) {
        post(&LEAD_A, "/plans/new", bad[i].fields, &r);
        if (r.status != 400 || !ot_has(&r, bad[i].says))
            fail_msg("%s: got %d, or no message at %s", bad[i].why, r.status, bad[i].says);
        ot_free(&r);
    }
    /* Terms longer than 1,000 bytes. */
    int k = snprintf(fields, sizeof fields,
                     "&focus=%s&observer=%s&observee=%s&day=%s&span=day&terms=", A.focus, A.leader,
                     A.peer1, d);
    for (int i = 0; i < 1001; i++)
        fields[k++] = 'x';
    fields[k] = 0;
    post(&LEAD_A, "/plans/new", fields, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "f-terms"));
    ot_free(&r);
    /* Who may not plan at all: a peer, an area leader and an
     * administrator (a plan names who observes whom). */
    snprintf(fields, sizeof fields,
             "&focus=%s&observer=%s&observee=%s&day=%s&span=day&terms=", A.focus, A.leader, A.peer1,
             d);
    const ot_account *who[] = {&PEER1, &AREA_A, &ADMIN};
    for (size_t i = 0; i < 3; i++) {
        post(who[i], "/plans/new", fields, &r);
        assert_int_equal(r.status, 403);
        ot_free(&r);
    }
    /* Unit B's leader plans only in unit B: A's people are refused. */
    post(&LEAD_B, "/plans/new", fields, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    assert_int_equal(plans(), before);
}

/* The rota for leader and both peers over two weeks. */
static void rota_settings(char *out, size_t cap)
{
    char from[11], to[11];
    day(7, from);
    day(7 + 13, to);
    snprintf(out, cap,
             "&focus=%s&from=%s&to=%s&rounds=1&person=%s&person=%s&person=%s&terms=Aftalt", A.focus,
             from, to, A.leader, A.peer1, A.peer2);
}

static void test_rota(void **state)
{
    (void)state;
    char settings[800], fields[2000];
    rota_settings(settings, sizeof settings);
    ot_resp r;
    ot_get(&W, LEAD_A.cookie, "/plans/rota", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "name=\"person\""));
    ot_free(&r);
    /* The proposal: three rows, each person once as observer, nothing
     * published yet. */
    long long before = plans();
    snprintf(fields, sizeof fields, "&step=propose%s", settings);
    post(&LEAD_A, "/plans/rota", fields, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "name=\"o_2\""));
    assert_false(ot_has(&r, "name=\"o_3\""));
    assert_true(ot_has(&r, "value=\"publish\""));
    ot_free(&r);
    assert_int_equal(plans(), before);
    /* Adjusted by the leader: a pair twice is refused and marked, as is a
     * person observing themselves; nothing is published. */
    snprintf(fields, sizeof fields,
             "&step=publish%s&n=3&o_0=0&e_0=1&w_0=0&o_1=0&e_1=1&w_1=1&o_2=2&e_2=0&w_2=1", settings);
    post(&LEAD_A, "/plans/rota", fields, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "class=\"invalid\""));
    ot_free(&r);
    snprintf(fields, sizeof fields,
             "&step=publish%s&n=3&o_0=0&e_0=1&w_0=0&o_1=1&e_1=1&w_1=1&o_2=2&e_2=0&w_2=1", settings);
    post(&LEAD_A, "/plans/rota", fields, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    /* A row naming a place beyond the people taking part, or a week
     * beyond the period, is a form not made here. */
    snprintf(fields, sizeof fields, "&step=publish%s&n=1&o_0=0&e_0=7&w_0=0", settings);
    post(&LEAD_A, "/plans/rota", fields, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    snprintf(fields, sizeof fields, "&step=publish%s&n=1&o_0=0&e_0=1&w_0=2", settings);
    post(&LEAD_A, "/plans/rota", fields, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    /* Another unit's person among those taking part. */
    snprintf(fields, sizeof fields, "&step=propose%s&person=%s", settings, B.peer1);
    post(&LEAD_A, "/plans/rota", fields, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "f-people"));
    ot_free(&r);
    assert_int_equal(plans(), before);
    /* Published as adjusted: the leader left one row out. */
    snprintf(fields, sizeof fields,
             "&step=publish%s&n=3&o_0=0&e_0=1&w_0=0&o_1=1&e_1=2&w_1=skip&o_2=2&e_2=0&w_2=1",
             settings);
    post(&LEAD_A, "/plans/rota", fields, &r);
    assert_int_equal(r.status, 303);
    assert_string_equal(ot_header(&r, "Location"), "/plans?done=rota-published");
    ot_free(&r);
    assert_int_equal(plans(), before + 2);
    char rota[64];
    one("SELECT rota_id FROM plans WHERE rota_id <> '' LIMIT 1", NULL, rota, sizeof rota);
    assert_int_equal(num("SELECT count(*) FROM plans WHERE rota_id = $1 AND terms = 'Aftalt'"
                         " AND extract(isodow FROM day_from) = 1 AND day_to = day_from + 6"
                         " AND room_id = ''",
                         rota),
                     2);
    assert_int_equal(num("SELECT count(DISTINCT day_from) FROM plans WHERE rota_id = $1", rota), 2);
    assert_int_equal(num("SELECT count(*) FROM items i JOIN plans p ON p.id = i.key"
                         " WHERE i.entity = 'plan' AND p.rota_id = $1",
                         rota),
                     2);
    assert_int_equal(num("SELECT count(*) FROM audit_log WHERE action = 'plan.rota'"
                         " AND subject = $1 AND detail = 'plans=2'",
                         rota),
                     1);
    /* Only a leader of the unit makes a rota. */
    post(&AREA_A, "/plans/rota", fields, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
}

static void test_agree_in_office(void **state)
{
    (void)state;
    char path[120], apath[120];
    snprintf(path, sizeof path, "/plans/%s", P1);
    snprintf(apath, sizeof apath, "/plans/%s/agree", P1);
    ot_resp r;
    /* Neither the observer, nor another peer, nor a leader agrees for
     * the colleague observed. */
    const ot_account *not_them[] = {&LEAD_A, &PEER2, &LEAD_B, &AREA_A};
    for (size_t i = 0; i < 4; i++) {
        post(not_them[i], apath, "", &r);
        assert_int_equal(r.status, 403);
        ot_free(&r);
    }
    assert_int_equal(num("SELECT agreed_at FROM plans WHERE id = $1", P1), 0);
    /* The colleague observed reads it, with the button to agree. */
    ot_get(&W, PEER1.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "/agree"));
    ot_free(&r);
    post(&PEER1, apath, "", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    long long at = num("SELECT agreed_at FROM plans WHERE id = $1", P1);
    assert_true(at > 0);
    assert_int_equal(num("SELECT version FROM items WHERE entity = 'plan' AND key = $1", P1), 2);
    assert_int_equal(num("SELECT (data::jsonb->>'agreed_at')::bigint FROM items"
                         " WHERE entity = 'plan' AND key = $1",
                         P1),
                     at);
    /* Agreeing twice is harmless: the first time stands, no new version. */
    post(&PEER1, apath, "", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(num("SELECT agreed_at FROM plans WHERE id = $1", P1), at);
    assert_int_equal(num("SELECT version FROM items WHERE entity = 'plan' AND key = $1", P1), 2);
    assert_int_equal(num("SELECT count(*) FROM audit_log WHERE action = 'plan.agree'"
                         " AND subject = $1",
                         P1),
                     1);
    /* A team plan asks nobody's agreement. */
    snprintf(apath, sizeof apath, "/plans/%s/agree", P2);
    post(&PEER2, apath, "", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
}

static void test_who_sees_a_plan(void **state)
{
    (void)state;
    char path[120];
    snprintf(path, sizeof path, "/plans/%s", P1);
    ot_resp r;
    /* P1 is A.leader's of A.peer1: A.peer2 is neither, and the unit's
     * area leader and an administrator may not read names. */
    const ot_account *refused[] = {&PEER2, &LEAD_B, &AREA_A, &ADMIN};
    for (size_t i = 0; i < 4; i++) {
        ot_get(&W, refused[i]->cookie, path, &r);
        assert_int_equal(r.status, 403);
        assert_false(ot_has(&r, "Per Peer"));
        ot_free(&r);
    }
    ot_get(&W, PEER1.cookie, "/plans/00000000-0000-4000-8000-000000000000", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    ot_get(&W, PEER1.cookie, "/plans/not-an-id", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    /* A peer's list holds their own plans only. */
    ot_get(&W, PEER2.cookie, "/plans", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Morgenholdet"));
    assert_false(ot_has(&r, P1));
    ot_free(&r);
    ot_get(&W, PEER1.cookie, "/plans", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, P1));
    assert_false(ot_has(&r, "Morgenholdet"));
    ot_free(&r);
    /* The leader's list holds them all, filtered by state. */
    ot_get(&W, LEAD_A.cookie, "/plans?state=waiting", &r);
    assert_int_equal(r.status, 200);
    assert_false(ot_has(&r, P1)); /* agreed */
    assert_false(ot_has(&r, P2)); /* a team: no agreement asked */
    ot_free(&r);
    ot_get(&W, LEAD_A.cookie, "/plans", &r);
    assert_true(ot_has(&r, P1));
    assert_true(ot_has(&r, P2));
    ot_free(&r);
    ot_get(&W, LEAD_A.cookie, "/plans?state=everything", &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    /* The area leader reads the figures of unit A without a name; unit B
     * is not theirs. */
    char q[200];
    snprintf(q, sizeof q, "/plans?unit=%s", A.unit);
    ot_get(&W, AREA_A.cookie, q, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "plan-tally"));
    assert_false(ot_has(&r, "Per Peer"));
    assert_false(ot_has(&r, "Morgenholdet"));
    ot_free(&r);
    snprintf(q, sizeof q, "/plans?unit=%s", B.unit);
    ot_get(&W, AREA_A.cookie, q, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
}

static void test_cancel(void **state)
{
    (void)state;
    char path[120];
    snprintf(path, sizeof path, "/plans/%s/cancel", P2);
    ot_resp r;
    const ot_account *refused[] = {&PEER2, &LEAD_B, &AREA_A, &ADMIN};
    for (size_t i = 0; i < 4; i++) {
        post(refused[i], path, "", &r);
        assert_int_equal(r.status, 403);
        ot_free(&r);
    }
    assert_int_equal(num("SELECT count(*) FROM plans WHERE id = $1 AND status = 'planned'", P2), 1);
    post(&LEAD_A, path, "", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(num("SELECT count(*) FROM items WHERE entity = 'plan' AND key = $1"
                         " AND version = 2 AND data::jsonb->>'status' = 'cancelled'",
                         P2),
                     1);
    /* Again: nothing more changes. */
    post(&LEAD_A, path, "", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(num("SELECT version FROM items WHERE entity = 'plan' AND key = $1", P2), 2);
    assert_int_equal(num("SELECT count(*) FROM audit_log WHERE action = 'plan.cancel'"
                         " AND subject = $1",
                         P2),
                     1);
    ot_get(&W, LEAD_A.cookie, "/plans?state=cancelled", &r);
    assert_true(ot_has(&r, P2));
    assert_false(ot_has(&r, P1));
    ot_free(&r);
}

/* A tablet of unit A, in-process, pushes the finished observation that
 * carries out P1: the office counts it done, per focus and on /area. */
static void test_done_counts(void **state)
{
    (void)state;
    char code[40], body[300], authz[200];
    assert_int_equal(fx_admin(&W.fx, code, sizeof code, NULL, "enrol-code", "--unit", A.unit, NULL),
                     0);
    snprintf(body, sizeof body, "{\"schema\":1,\"code\":\"%s\",\"device_name\":\"Stuen\"}", code);
    srv_request rq = {.method = "POST",
                      .path = "/v1/enrol",
                      .address = "127.0.0.1",
                      .body = body,
                      .len = strlen(body)};
    srv_response a;
    srv_handle(W.s, &rq, &a);
    assert_int_equal(a.status, 200);
    proto_enrol_reply rep;
    proto_err pe;
    assert_int_equal(proto_enrol_reply_decode(a.body, strlen(a.body), &rep, &pe), 0);
    free(a.body);
    snprintf(authz, sizeof authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
    model_record rec;
    fx_obs(&A, A.leader, A.peer1, &rec);
    rec.u.obs.status = MODEL_OBS_FINISHED;
    rec.u.obs.ended_at = rec.u.obs.started_at + 20 * 60000;
    snprintf(rec.u.obs.plan_id, sizeof rec.u.obs.plan_id, "%.36s", P1);
    proto_change ch;
    fx_change(&ch, A.leader, 0, &rec);
    char *push = fx_push_body(&ch, 1);
    srv_request pr = {.method = "POST",
                      .path = "/v1/push",
                      .authorization = authz,
                      .address = "127.0.0.1",
                      .body = push,
                      .len = strlen(push)};
    srv_handle(W.s, &pr, &a);
    free(push);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "\"stored\""));
    free(a.body);
    assert_int_equal(num("SELECT count(*) FROM plans WHERE id = $1 AND status = 'done'", P1), 1);
    /* The focus's plans: P1 done, the rota's two to come, P2 cancelled. */
    ot_resp r;
    ot_get(&W, LEAD_A.cookie, "/plans", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "<td>2</td><td>2</td><td>0</td><td>1</td><td>1</td>"));
    ot_free(&r);
    /* The plan's page leads to the observation that carried it out. */
    char path[120];
    snprintf(path, sizeof path, "/plans/%s", P1);
    ot_get(&W, PEER1.cookie, path, &r);
    assert_true(ot_has(&r, rec.u.obs.id));
    ot_free(&r);
    ot_get(&W, AREA_A.cookie, "/area", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "1 af 3 planlagte gennemført") || ot_has(&r, "1 of 3 planned done"));
    ot_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_planned_yet),
        cmocka_unit_test(test_plan_one),
        cmocka_unit_test(test_plan_refused),
        cmocka_unit_test(test_rota),
        cmocka_unit_test(test_agree_in_office),
        cmocka_unit_test(test_who_sees_a_plan),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_done_counts),
    };
    return cmocka_run_group_tests(tests, up, down);
}
