/* The whole flow by touch, from sign-in to summary, checked against what
 * the store holds and against the draw commands on screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "th_steps.h"

#define ID(n) DEMO_ID(n)

static int count_of(th *t, const char *obs, const char *key)
{
    model_observation o;
    model_template tm;
    int counts[MODEL_MAX_COUNTERS];
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    assert_int_equal(db_template_get(t->db, o.template_id, o.template_version, &tm), DB_OK);
    assert_int_equal(db_obs_counts(t->db, obs, &tm, counts), DB_OK);
    for (int i = 0; i < tm.n_counters; i++)
        if (!strcmp(tm.counters[i].key, key))
            return counts[i];
    fail_msg("no counter %s", key);
    return -1;
}

static void test_flow_danish_landscape(void **state)
{
    (void)state;
    th *t = th_open("flow-da", 1280, 800, "da");
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    assert_true(th_has_text(t, "Hvem er du?"));
    assert_true(th_has_text(t, "Søren Æbelø"));
    assert_true(th_has_text(t, "Åse Nørgaard"));
    TARGETS_OK(t);

    /* Search narrows the tiles, Danish letters included. */
    TAP(t, "Søg efter dit navn");
    th_type(t, "anna");
    assert_true(th_has_text(t, "Anna Kristensen"));
    assert_false(th_has_text(t, "Mette Østergaard"));
    /* A wrong PIN is refused with a message and keeps the screen. */
    TAP(t, "Anna Kristensen");
    assert_true(th_has_text(t, "Skriv din pinkode"));
    TARGETS_OK(t);
    TAP(t, "9");
    TAP(t, "9");
    TAP(t, "9");
    TAP(t, "9");
    TAP(t, "OK");
    assert_true(th_has_text(t, "Forkert pinkode. Prøv igen."));
    assert_int_equal(scr_current(t->app), SCR_SIGNIN);
    TAP(t, "Annuller");
    th_sign_in(t, "Anna Kristensen");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    assert_string_equal(scr_user(t->app), ID("23"));
    assert_true(th_has_text(t, "Anna Kristensen"));
    assert_true(th_has_text(t, "Mine kladder (0)"));
    /* No server: nothing was sent, and the chip never says otherwise. */
    assert_true(th_has_text(t, "Kun på denne tablet"));
    assert_false(th_has_text_part(t, "Alt er sendt"));
    assert_true(th_has_text(t, "Aktive læringsfokus"));
    TARGETS_OK(t);

    /* Start: focus, observee, room, activity, context, agreement. */
    TAP(t, "Start ny observation");
    assert_int_equal(scr_current(t->app), SCR_START);
    assert_true(th_has_text(t, "Vælg et læringsfokus"));
    TARGETS_OK(t);
    TAP_PREFIX(t, "Hvordan understøtter vi");
    REVEAL(t, "Jonas Bækgaard", 600, 600);
    TAP(t, "Jonas Bækgaard");
    REVEAL(t, "Sommerfuglestuen", 600, 600);
    TAP(t, "Sommerfuglestuen");
    REVEAL(t, "Samling", 600, 600);
    TAP(t, "Samling");
    REVEAL(t, "Antal børn", 600, 600);
    TAP(t, "+");
    TAP(t, "+");
    TAP(t, "+");
    REVEAL(t, "Aftalen med den observerede er lavet", 600, 600);
    assert_true(th_has_text(t, "Bekræft aftalen"));
    TAP(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    char obs[64];
    snprintf(obs, sizeof obs, "%s", scr_observation(t->app));
    model_observation o;
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    assert_string_equal(o.observee_id, ID("24"));
    assert_string_equal(o.room_id, ID("11"));
    assert_string_equal(o.activity, "Samling");
    assert_int_equal(o.agreement, 1);
    assert_non_null(strstr(o.context_json, "\"children\":3"));

    /* The focus and its signs are on screen while observing. */
    assert_true(th_has_text_part(t, "Hvordan understøtter vi"));
    assert_true(th_has_text_part(t, "Alle børn får mulighed for at komme"));
    assert_true(th_has_text(t, "0:00"));
    TARGETS_OK(t);

    /* A rating per sign; a second choice replaces the first. */
    TAP(t, "Tydeligt");
    TAP_PREFIX(t, "Delvist");
    model_rating r[MODEL_MAX_SIGNS];
    int n = 0;
    assert_int_equal(db_obs_ratings(t->db, obs, r, MODEL_MAX_SIGNS, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(r[0].sign_id, ID("51"));
    assert_int_equal(r[0].level, 1);

    /* Counters, each tap stored at once; one tap undoes the last. */
    for (int i = 0; i < 3; i++) {
        th_wait(t, 10000);
        TAP(t, "Åbent spørgsmål");
    }
    TAP(t, "Lukket spørgsmål");
    assert_int_equal(count_of(t, obs, "open_q"), 3);
    assert_int_equal(count_of(t, obs, "closed_q"), 1);
    TAP(t, "Fortryd: Lukket spørgsmål");
    assert_int_equal(count_of(t, obs, "closed_q"), 0);
    TAP(t, "Fortryd: Åbent spørgsmål");
    assert_int_equal(count_of(t, obs, "open_q"), 2);
    assert_true(th_has_text(t, "2"));

    /* A state timer: on for 30 seconds. */
    TAP_PREFIX(t, "Ventetid");
    th_wait(t, 30000);
    assert_true(th_has_text_part(t, "Ventetid  0:30"));
    TAP_PREFIX(t, "Ventetid");

    /* The interval prompt comes after 5 minutes, in the layout. */
    assert_false(th_has_text_part(t, "Interval 1"));
    th_wait(t, 5 * 60000);
    assert_true(th_has_text(t, "Interval 1 (5:00): hvad sker der lige nu?"));
    assert_true(th_has_text(t, "Åbent spørgsmål")); /* counters still there */
    TARGETS_OK(t);
    TAP(t, "Alle deltager");
    assert_false(th_has_text_part(t, "Interval 1"));
    /* The next one is skipped; a restart does not ask again. */
    th_wait(t, 5 * 60000);
    assert_true(th_has_text(t, "Interval 2 (10:00): hvad sker der lige nu?"));
    TAP(t, "Spring over");
    assert_false(th_has_text_part(t, "Interval 2"));
    t = th_restart(t);
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    assert_string_equal(scr_observation(t->app), obs);
    assert_false(th_has_text_part(t, "Interval 2"));

    /* A note from a quick phrase, tied to a sign; and one typed. */
    TAP(t, "Note");
    assert_true(th_has_text(t, "Hurtige fraser"));
    TARGETS_OK(t);
    TAP(t, "Venter på svar");
    TAP(t, "Den voksne venter på børnenes svar");
    TAP(t, "Tilføj note");
    TAP(t, "Note (1)");
    th_type(t, "Barnet siger: \"Må jeg?\" – æøå");
    TAP(t, "Tilføj note");
    model_note notes[4];
    assert_int_equal(db_obs_notes(t->db, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(notes[0].text, "Venter på svar");
    assert_string_equal(notes[0].sign_id, ID("52"));
    assert_string_equal(notes[1].text, "Barnet siger: \"Må jeg?\" – æøå");
    assert_string_equal(notes[1].sign_id, "");

    /* Finish asks once, then shows the summary. */
    TAP(t, "Afslut");
    assert_true(th_has_text(t, "Afslut observationen?"));
    TARGETS_OK(t);
    TAP(t, "Fortsæt");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    TAP(t, "Afslut");
    TAP(t, "Afslut"); /* the dialog's button */
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    assert_int_equal(o.status, MODEL_OBS_FINISHED);

    /* The summary: counts, rates, state time, signs, notes. */
    assert_true(th_has_text(t, "Opsummering"));
    TARGETS_OK(t);
    assert_true(th_has_text(t, "Tællinger og antal pr. 10 minutter"));
    char want[64];
    double rate = 2 * 600000.0 / (double)(o.ended_at - o.started_at);
    snprintf(want, sizeof want, "%.1f pr. 10 min", rate);
    *strchr(want, '.') = ','; /* Danish writes a decimal comma */
    assert_true(th_has_text(t, want));
    assert_true(th_has_text(t, "0,0 pr. 10 min")); /* the undone closed question */
    assert_false(th_has_text_part(t, "0.0 pr. 10 min"));
    /* Honest per record: no server, so saved here, never "synced". */
    assert_true(th_has_text(t, "Gemt på denne tablet"));
    assert_false(th_has_text(t, "Synkroniseret"));
    assert_true(th_has_text_part(t, "0:30 ("));
    /* The timeline is a picture: ticks for taps, a bar, note dots. */
    static char snap[1 << 20];
    th_snapshot(t, snap, sizeof snap);
    assert_non_null(strstr(snap, "TEXT"));
    int ticks = 0;
    for (const char *p = snap; (p = strstr(p, "#1f6f78ff")) != NULL; p++)
        ticks++;
    assert_true(ticks >= 2);
    assert_non_null(strstr(snap, "#5b6bbfff")); /* the state's bar, a colour of its own */
    assert_non_null(strstr(snap, "#e0a33bff")); /* note dots */
    REVEAL(t, "Delvist", 640, 500);
    assert_true(th_has_text(t, "Ikke vurderet"));
    REVEAL(t, "Barnet siger", 640, 500);

    TAP(t, "Forside");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    assert_true(th_has_text(t, "Venter på min feedback (1)"));
    assert_true(th_has_text(t, "Mine kladder (0)"));
    assert_true(th_has_text_part(t, "Kun på denne tablet · "));
    assert_true(th_has_text_part(t, " venter"));
    th_free(t);
}

static void test_flow_english_portrait_osk(void **state)
{
    (void)state;
    th *t = th_open("flow-en", 800, 1280, "en");
    assert_true(th_has_text(t, "Who are you?"));
    /* Search with the on-screen keyboard, by a Danish letter. */
    TAP(t, "Search for your name");
    TAP(t, "æ");
    TAP(t, "b");
    assert_true(th_has_text(t, "Søren Æbelø"));
    assert_false(th_has_text(t, "Anna Kristensen"));
    TARGETS_OK(t); /* the keyboard's keys too */
    th_sign_in(t, "Søren Æbelø");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    TAP(t, "Start new observation");
    TAP_PREFIX(t, "Hvordan skaber vi");
    REVEAL(t, "Ida Mølgaard", 400, 900);
    TAP(t, "Ida Mølgaard");
    REVEAL(t, "Legepladsen", 400, 900);
    TAP(t, "Legepladsen");
    REVEAL(t, "What is going on?", 400, 900);
    TAP(t, "What is going on?");
    TAP(t, "ABC");
    TAP(t, "Å");
    TAP(t, "r");
    TAP(t, "Done");
    REVEAL(t, "Agreement made with the observee", 400, 700);
    TAP(t, "Agreement made with the observee");
    TAP(t, "Start observation");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    char obs[64];
    snprintf(obs, sizeof obs, "%s", scr_observation(t->app));
    model_observation o;
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    assert_string_equal(o.activity, "År");
    assert_true(th_has_text_part(t, "Hvordan skaber vi rolige"));
    TARGETS_OK(t);
    TAP(t, "Conflict"); /* the template's English words */
    TAP_PREFIX(t, "Queue at the door");
    th_wait(t, 65000);
    assert_true(th_has_text_part(t, "Queue at the door  1:05"));
    assert_true(th_has_text(t, "1:05"));
    TAP(t, "Finish");
    TAP(t, "Finish"); /* the dialog's button */
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    assert_true(th_has_text(t, "Summary"));
    assert_true(th_has_text(t, "Time in each state"));
    TARGETS_OK(t);
    /* Finishing stopped the running timer: its time is in the store. */
    model_event ev[16];
    int n = 0;
    assert_int_equal(db_obs_events(t->db, obs, 0, 16, ev, &n), DB_OK);
    int stops = 0;
    for (int i = 0; i < n; i++)
        stops += ev[i].kind == MODEL_EV_STATE_STOP;
    assert_int_equal(stops, 1);
    th_free(t);
}

/* A dense 13" screen at two pixels per dp: the same flow, everything twice
 * the pixels, every target still at least 48 dp. */
static void test_flow_scaled(void **state)
{
    (void)state;
    th_scale = 2.0f;
    th *t = th_open("flow-2x", 2560, 1600, "da");
    th_scale = 1.0f;
    TARGETS_OK(t);
    int x, y, w, h;
    assert_int_equal(th_find_text(t, "Hvem er du?", 0, &x, &y, &w, &h), 0);
    assert_true(h >= 2 * 24); /* a 24 dp title font, at 2 px per dp */
    th_sign_in(t, "Åse Nørgaard");
    TAP(t, "Start ny observation");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    REVEAL(t, "Anna Kristensen", 1200, 1200);
    TAP(t, "Anna Kristensen");
    REVEAL(t, "Skolegruppen", 1200, 1200);
    TAP(t, "Skolegruppen");
    REVEAL(t, "Undervisning", 1200, 1200);
    TAP(t, "Undervisning");
    REVEAL(t, "Aftalen med den observerede er lavet", 1200, 1200);
    TAP(t, "Aftalen med den observerede er lavet");
    TARGETS_OK(t);
    TAP(t, "Start observationen");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    TARGETS_OK(t);
    TAP(t, "Afbrydelse");
    TAP(t, "Afslut");
    TAP(t, "Afslut");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    TARGETS_OK(t);
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flow_danish_landscape),
        cmocka_unit_test(test_flow_english_portrait_osk),
        cmocka_unit_test(test_flow_scaled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
