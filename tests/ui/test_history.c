/* After the visit, by touch: corrections of a finished observation kept
 * as revisions and shown in history; the history list with its filters
 * and paging, checked against the store; the progression of a focus as a
 * chart and a red/yellow/green overview, checked against numbers counted
 * here; and retention at start, which never takes an unsynced observation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_history.h"
#include "model_tally.h"
#include "tsupport_obs.h"
#include "th_steps.h"

#define DAY 86400000LL

static void test_corrections(void **state)
{
    (void)state;
    th *t = th_open_seeded("hist-corr", 1280, 800, "da", 1, DAY);
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Historik");
    assert_int_equal(scr_current(t->app), SCR_HISTORY);
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    char obs[64];
    snprintf(obs, sizeof obs, "%s", scr_observation(t->app));
    assert_false(th_has_text_part(t, "Rettelser"));
    TAP(t, "Ret");
    SEES(t, "Ret observationen");
    TARGETS_OK(t);
    /* The first sign was "Delvist": now "Tydeligt". */
    th_wait(t, 60000);
    TAP(t, "Tydeligt");
    model_observation o;
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    assert_int_equal(o.revision, 2);
    /* The activity, typed on the on-screen keyboard. */
    TAP(t, "Samling");
    th_key(t, PLAT_KEY_END);
    th_type(t, " efter frokost");
    TAP(t, "Gem aktivitet");
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    assert_int_equal(o.revision, 3);
    assert_string_equal(o.activity, "Samling efter frokost");
    TAP(t, "Luk");
    SEES(t, "Rettelser (version 3)");
    SEES(t, "Aktivitet: “Samling” blev til “Samling efter frokost”");
    SEES(t, "Alle børn får mulighed for at komme til orde: Delvist blev til Tydeligt");
    SEES(t, "Version 2  ·  24.11.2026 09:01  ·  Mette Østergaard");
    db_revision r[4];
    int n;
    assert_int_equal(db_obs_revisions(t->db, obs, 0, 4, r, &n), DB_OK);
    assert_int_equal(n, 2);
    /* History shows the observation was corrected. */
    TAP(t, "Tilbage");
    assert_int_equal(scr_current(t->app), SCR_HISTORY);
    SEES(t, "rettet, version 3");
    /* The observee sees the corrections but cannot correct. */
    TAP(t, "Lås");
    th_sign_in(t, "Jonas Bækgaard");
    TAP(t, "Historik");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    SEES(t, "Rettelser (version 3)");
    assert_false(th_has_text(t, "Ret"));
    assert_int_equal(db_obs_rate(t->db, obs, DEMO_ID("24"), DEMO_ID("51"), 0), DB_DENIED);
    th_free(t);
}

/* The count the screen shows, as the store counts it. */
static void expect_count(th *t, const char *viewer, const char *room, const char *observer,
                         int64_t from)
{
    db_obs_filter f = {.unit_id = DEMO_UNIT_ID,
                       .viewer_id = viewer,
                       .room_id = room,
                       .observer_id = observer,
                       .status = MODEL_OBS_FINISHED,
                       .from = from};
    int64_t n = -1;
    assert_int_equal(db_obs_count(t->db, &f, &n), DB_OK);
    char want[64];
    snprintf(want, sizeof want, n == 1 ? "%lld observation" : "%lld observationer", (long long)n);
    if (!th_has_text(t, want))
        fail_msg("expected \"%s\"", want);
}

static void test_history_filters(void **state)
{
    (void)state;
    th *t = th_open_seeded("hist-filter", 1280, 800, "da", 40, 3 * DAY);
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Historik");
    SEES(t, "40 observationer");
    TARGETS_OK(t);
    assert_true(th_has_text(t, "Vælg et fokus for at se udviklingen"));
    /* Paging: the newest 24, then the rest, newest first. */
    REVEAL(t, "Vis ældre", 640, 500);
    TAP(t, "Vis ældre");
    assert_int_equal(th_reveal(t, "Vis ældre", 640, 500), -1);
    SEES(t, "27.07.2026"); /* the oldest: 40 times 3 days before the start */
    /* Room, then period, then observer: the screen counts as the store. */
    TAP(t, "Alle stuer");
    SEES(t, "Stue eller gruppe");
    TARGETS_OK(t);
    TAP(t, "Mariehønestuen");
    expect_count(t, DEMO_ID("21"), DEMO_ID("12"), NULL, 0);
    assert_false(th_has_text(t, "40 observationer"));
    TAP(t, "Hele tiden");
    TAP(t, "Seneste 30 dage");
    int64_t from = t->sys->now_ms(t->sys) - 30 * DAY;
    expect_count(t, DEMO_ID("21"), DEMO_ID("12"), NULL, from);
    TAP(t, "Mariehønestuen");
    TAP(t, "Alle stuer");
    TAP(t, "Alle");
    TAP(t, "Anna Kristensen");
    expect_count(t, DEMO_ID("21"), NULL, DEMO_ID("23"), from);
    SEES(t, "Anna Kristensen observerede");
    assert_false(th_has_text_part(t, "Mette Østergaard observerede"));
    /* A peer sees only what they observed or were observed in. */
    TAP(t, "Lås");
    th_sign_in(t, "Anna Kristensen");
    TAP(t, "Historik");
    SEES(t, "20 observationer");
    expect_count(t, DEMO_ID("23"), NULL, NULL, 0);
    TAP(t, "Forside");
    TAP(t, "Lås");
    th_sign_in(t, "Ida Mølgaard");
    TAP(t, "Historik");
    SEES(t, "0 observationer");
    SEES(t, "Ingen afsluttede observationer passer til filtrene.");
    th_free(t);
}

/* The ratings of each sign per level, counted here from each
 * observation's ratings, not by the store's history query. */
static void count_levels(th *t, int at[4][MODEL_MAX_SCALE], int *n)
{
    static const char *const signs[] = {DEMO_ID("51"), DEMO_ID("52"), DEMO_ID("53"), DEMO_ID("54")};
    memset(at, 0, sizeof(int) * 4 * MODEL_MAX_SCALE);
    *n = 0;
    db_obs_filter f = {.unit_id = DEMO_UNIT_ID,
                       .viewer_id = DEMO_ID("21"),
                       .focus_id = DEMO_ID("41"),
                       .status = MODEL_OBS_FINISHED};
    db_cursor cur = {0};
    model_observation o[24];
    int got;
    do {
        assert_int_equal(db_obs_list(t->db, &f, &cur, 24, o, &got), DB_OK);
        for (int i = 0; i < got; i++) {
            model_rating r[MODEL_MAX_SIGNS];
            int nr;
            assert_int_equal(db_obs_ratings(t->db, o[i].id, r, MODEL_MAX_SIGNS, &nr), DB_OK);
            for (int k = 0; k < nr; k++)
                for (int s = 0; s < 4; s++)
                    if (!strcmp(r[k].sign_id, signs[s]) && r[k].level >= 0)
                        at[s][r[k].level]++;
            (*n)++;
        }
    } while (got == 24);
}

static int count_color(th *t, plat_color c)
{
    int n = 0;
    for (int i = 0; i < t->ui->ncmds; i++)
        n += t->ui->cmds[i].kind == PLAT_CMD_RECT && t->ui->cmds[i].color == c;
    return n;
}

static void test_progression(void **state)
{
    (void)state;
    th *t = th_open_seeded("hist-prog", 1280, 800, "da", 40, 3 * DAY);
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Historik");
    TAP(t, "Alle fokus");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    SEES(t, "40 observationer");
    TAP(t, "Fokusets udvikling");
    assert_int_equal(scr_current(t->app), SCR_PROGRESS);
    SEES(t, "Tællinger pr. 10 minutter, pr. periode");
    SEES(t, "40 observationer  ·  ");
    SEES(t, "Tegn set pr. periode: gennemsnittet af vurderingerne");
    SEES(t, "“Delvist” tæller halvt så meget som “Tydeligt”.");
    SEES(t, "Åbent spørgsmål");
    TARGETS_OK(t);
    /* A picture: bars in the counters' colours, cells in red, yellow and
     * green; 40 observations over 120 days make periods of a week. */
    SEES(t, "perioder på to uger");
    assert_true(count_color(t, 0x1F6F78FFu) >= 10);
    assert_true(count_color(t, 0x3C8D4EFFu) + count_color(t, 0xE8B730FFu) +
                    count_color(t, 0xC4553FFFu) >=
                10);
    assert_true(t->ui->ncmds < UI_MAX_CMDS && !t->ui->overflow);

    TAP(t, "Overblik");
    int at[4][MODEL_MAX_SCALE], n;
    count_levels(t, at, &n);
    assert_int_equal(n, 40);
    for (int s = 0; s < 4; s++) {
        /* The mean of the ratings, "Delvist" as half of "Tydeligt",
         * worked out here in halves. */
        int rated = at[s][0] + at[s][1] + at[s][2];
        assert_true(rated >= 3);
        int halves = at[s][1] + 2 * at[s][2];
        int pct = (halves * 100 + rated) / (2 * rated);
        char want[96];
        snprintf(want, sizeof want, "Vurderet i %d af %d observationer", rated, n);
        REVEAL(t, want, 640, 500);
        snprintf(want, sizeof want, "Tydeligt %d  ·  Delvist %d  ·  Ikke set %d", at[s][2],
                 at[s][1], at[s][0]);
        SEES(t, want);
        snprintf(want, sizeof want, "%d%%", pct);
        SEES(t, want);
        SEES(t, pct >= 70 ? "Grøn" : pct >= 40 ? "Gul" : "Rød");
    }
    SEES(t, "ikke om en person");
    TAP(t, "Tilbage til historik");
    assert_int_equal(scr_current(t->app), SCR_HISTORY);
    th_free(t);
}

/* Three observations rated so that each rule of the overview shows: a
 * sign seen "partly" every time is half seen (yellow, not 100 % green); a
 * sign rated twice has too few ratings for a colour; a sign never rated
 * is "not rated", never "0 %"; the rule is written on the screen. */
static void test_overview_honest(void **state)
{
    (void)state;
    th *t = th_open_seeded("hist-honest", 1280, 800, "da", 0, DAY);
    static const char *const signs[] = {DEMO_ID("51"), DEMO_ID("52"), DEMO_ID("54")};
    for (int i = 0; i < 3; i++) {
        plat_fake_set(t->sys, TH_START_MS - (int64_t)(3 - i) * DAY);
        tsupport_obs o = {.start = DEMO_OBS_START,
                          .keys = {"open_q"},
                          .taps = {2},
                          .signs = {signs[0], signs[2], i < 2 ? signs[1] : NULL},
                          .levels = {1, 2, 2},
                          .clock = t->sys,
                          .minutes = 20};
        model_id id;
        assert_int_equal(tsupport_observe(t->db, &o, id), DB_OK);
    }
    plat_fake_set(t->sys, TH_START_MS);
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Historik");
    TAP(t, "Alle fokus");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    TAP(t, "Fokusets udvikling");
    TAP(t, "Overblik");
    SEES(t, "“Delvist” tæller halvt så meget som “Tydeligt”.");
    SEES(t, "En farve kræver mindst 3 observationer, hvor tegnet er vurderet.");
    /* The first sign: "Delvist" three times is 50 %, yellow. */
    SEES(t, "Tydeligt 0  ·  Delvist 3  ·  Ikke set 0");
    SEES(t, "50%");
    SEES(t, "Gul");
    /* The second: twice is too few for a colour. */
    REVEAL(t, "For lidt data (2 af 3)", 640, 500);
    SEES(t, "2/3");
    SEES(t, "For få");
    /* The third: never rated. */
    REVEAL(t, "Ikke vurderet i nogen af 3 observationer", 640, 500);
    assert_false(th_has_text(t, "0%"));
    assert_false(th_has_text_part(t, "vurderet i 0"));
    /* The fourth: "Tydeligt" three times is 100 %, green. */
    REVEAL(t, "Tydeligt 3  ·  Delvist 0  ·  Ikke set 0", 640, 500);
    SEES(t, "100%");
    SEES(t, "Grøn");
    /* Over time: three observations make one period, coloured by the
     * same rule, the sign never rated left grey. */
    TAP(t, "Over tid");
    SEES(t, "1 periode på ");
    SEES(t, "En farve kræver mindst 3 observationer, hvor tegnet er vurderet.");
    SEES(t, "2/3");
    th_free(t);
}

/* Acknowledges every change, as a sync round would. */
static void ack_all(th *t)
{
    db_outbox_entry e[64];
    int n;
    do {
        assert_int_equal(db_outbox_peek(t->db, 0, 64, e, &n), DB_OK);
        for (int i = 0; i < n; i++)
            assert_int_equal(db_outbox_ack(t->db, e[i].change_id), DB_OK);
        db_outbox_entries_free(e, n);
    } while (n > 0);
}

static void test_retention_at_start(void **state)
{
    (void)state;
    th *t = th_open_seeded("hist-ret", 1280, 800, "da", 3, 200 * DAY);
    int64_t n = 0;
    db_obs_filter f = {.unit_id = DEMO_UNIT_ID, .viewer_id = DEMO_ID("21"), .status = -1};
    /* Not synced: nothing leaves, however old. */
    t = th_restart(t);
    assert_int_equal(db_obs_count(t->db, &f, &n), DB_OK);
    assert_int_equal(n, 3);
    ack_all(t);
    t = th_restart(t);
    assert_int_equal(db_obs_count(t->db, &f, &n), DB_OK);
    assert_int_equal(n, 1);
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Historik");
    SEES(t, "1 observation");
    assert_false(th_has_text(t, "1 observationer"));
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corrections),        cmocka_unit_test(test_history_filters),
        cmocka_unit_test(test_progression),        cmocka_unit_test(test_overview_honest),
        cmocka_unit_test(test_retention_at_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
