/* Reflection by the observed colleague, by touch: signed in on the unit's
 * tablet, they find the observation awaiting their reflection, read the
 * focus and the feedback, and write their reflection and own next step;
 * only they can. */
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
#include "th_steps.h"

static void test_reflection_after_feedback(void **state)
{
    (void)state;
    th *t = th_open_seeded("re-da", 1280, 800, "da", 1, 86400000);
    /* The observer gave feedback on this tablet earlier. */
    model_observation o;
    db_cursor cur = {0};
    int n = 0;
    db_obs_filter f = {.unit_id = DEMO_UNIT_ID, .viewer_id = DEMO_ID("21"), .status = -1};
    assert_int_equal(db_obs_list(t->db, &f, &cur, 1, &o, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_feedback_put(t->db, o.id, DEMO_ID("21"), "Rolig stemme",
                                     "Hvad hvis børnene vælger?", "Vente fem sekunder", 1),
                     DB_OK);

    /* Jonas, who was observed, signs in. */
    th_sign_in(t, "Jonas Bækgaard");
    SEES(t, "Venter på min refleksion (1)");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_REFLECTION);
    assert_string_equal(scr_observation(t->app), o.id);
    SEES(t, "Feedback fra Mette Østergaard");
    SEES(t, "Rolig stemme");
    SEES(t, "Hvad hvis børnene vælger?");
    SEES(t, "Vente fem sekunder");
    SEES(t, "Feedback givet ");
    SEES(t, "Feed up: læringsfokus");
    TARGETS_OK(t);

    int64_t before = 0, after = 0;
    assert_int_equal(db_outbox_count(t->db, &before), DB_OK);
    TAP(t, "Hvad lægger du mærke til i feedbacken? Hvad overraskede dig?");
    TARGETS_OK(t);
    th_type(t, "Jeg venter ikke så længe, som jeg tror – øv");
    model_reflection re;
    assert_int_equal(db_reflection_get(t->db, o.id, &re), DB_NOTFOUND);
    TAP(t, "Færdig");
    assert_int_equal(db_reflection_get(t->db, o.id, &re), DB_OK);
    assert_string_equal(re.text, "Jeg venter ikke så længe, som jeg tror – øv");
    assert_string_equal(re.author_id, DEMO_ID("24"));
    TAP(t, "Hvad vil du prøve næste gang?");
    th_type(t, "Tælle til fem");
    TAP(t, "Færdig");
    assert_int_equal(db_reflection_get(t->db, o.id, &re), DB_OK);
    assert_string_equal(re.next_step, "Tælle til fem");
    assert_int_equal(db_outbox_count(t->db, &after), DB_OK);
    assert_int_equal(after, before + 2);
    SEES(t, "Gemt ");

    /* Leaving with words typed saves them too. */
    TAP(t, "Tælle til fem");
    th_key(t, PLAT_KEY_END);
    th_type(t, " sekunder");
    TAP(t, "Færdig");
    TAP(t, "Forside");
    assert_int_equal(db_reflection_get(t->db, o.id, &re), DB_OK);
    assert_string_equal(re.next_step, "Tælle til fem sekunder");
    SEES(t, "Venter på min refleksion (0)");

    /* The observer cannot write it: the screen is not offered and the
     * store refuses. */
    TAP(t, "Lås");
    th_sign_in(t, "Mette Østergaard");
    assert_int_equal(db_reflection_put(t->db, o.id, DEMO_ID("21"), "x", "y"), DB_DENIED);
    TAP(t, "Historik");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    assert_false(th_has_text(t, "Refleksion"));
    /* But reads it, as the observee left it. */
    SEES(t, "Refleksion fra Jonas Bækgaard, ");
    SEES(t, "Jeg venter ikke så længe, som jeg tror – øv");
    SEES(t, "Tælle til fem sekunder");
    th_free(t);
}

/* The loop closed: the observee's reflection comes back to the observer.
 * Home says "new reflection" until the observer has opened it, the
 * summary, the feedback screen and history show it; a rewrite is new
 * again; the observee or a leader opening it does not count as read. */
static void test_observer_reads_reflection(void **state)
{
    (void)state;
    th *t = th_open_seeded("re-back", 1280, 800, "da", 1, 86400000);
    model_observation o;
    db_cursor cur = {0};
    int n = 0, st = -1;
    db_obs_filter f = {.unit_id = DEMO_UNIT_ID, .viewer_id = DEMO_ID("21"), .status = -1};
    assert_int_equal(db_obs_list(t->db, &f, &cur, 1, &o, &n), DB_OK);
    assert_int_equal(db_feedback_put(t->db, o.id, DEMO_ID("21"), "Rolig stemme",
                                     "Hvad hvis børnene vælger?", "Vente fem sekunder", 1),
                     DB_OK);
    /* Mette observed; no reflection yet: nothing new. */
    th_sign_in(t, "Mette Østergaard");
    assert_false(th_has_text_part(t, "Ny refleksion"));
    TAP(t, "Lås");
    /* Jonas writes his reflection. */
    th_wait(t, 60000);
    th_sign_in(t, "Jonas Bækgaard");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    TAP(t, "Hvad lægger du mærke til i feedbacken? Hvad overraskede dig?");
    th_type(t, "Jeg venter kortere end jeg tror");
    TAP(t, "Færdig");
    TAP(t, "Hvad vil du prøve næste gang?");
    th_type(t, "Tælle til fem");
    TAP(t, "Færdig");
    /* His own summary shows it, but that is not the observer reading. */
    TAP(t, "Opsummering");
    SEES(t, "Refleksion fra Jonas Bækgaard, ");
    assert_int_equal(db_reflection_state(t->db, o.id, &st), DB_OK);
    assert_int_equal(st, DB_RE_NEW);
    TAP(t, "Lås");

    /* Mette: home says so, first. */
    th_sign_in(t, "Mette Østergaard");
    SEES(t, "Ny refleksion (1)");
    SEES(t, "Refleksion fra Jonas Bækgaard  ·  24.11.2026 09:01");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    SEES(t, "Refleksion fra Jonas Bækgaard, 24.11.2026 09:01");
    SEES(t, "Ny");
    SEES(t, "Jeg venter kortere end jeg tror");
    SEES(t, "Tælle til fem");
    assert_int_equal(db_reflection_state(t->db, o.id, &st), DB_OK);
    assert_int_equal(st, DB_RE_SEEN);
    /* The feedback screen shows it too, no longer as new. */
    TAP(t, "Feedback");
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    SEES(t, "Jeg venter kortere end jeg tror");
    assert_false(th_has_text(t, "Ny"));
    TAP(t, "Forside");
    assert_false(th_has_text_part(t, "Ny refleksion"));
    /* History marks the row. */
    TAP(t, "Historik");
    SEES(t, "med refleksion");

    /* Rewritten: new again, and history says so to the observer. */
    th_wait(t, 60000);
    assert_int_equal(db_reflection_put(t->db, o.id, DEMO_ID("24"),
                                       "Jeg venter kortere end jeg tror. Nu 5 s.", "Tælle til fem"),
                     DB_OK);
    TAP(t, "Forside");
    SEES(t, "Ny refleksion (1)");
    TAP(t, "Historik");
    SEES(t, "ny refleksion");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    SEES(t, "Jeg venter kortere end jeg tror. Nu 5 s.");
    TAP(t, "Tilbage");
    assert_false(th_has_text_part(t, "ny refleksion"));
    th_free(t);
}

/* No feedback on this tablet yet (it may still be on the observer's): the
 * observee can reflect anyway; English, portrait; a restart keeps words. */
static void test_reflection_without_feedback(void **state)
{
    (void)state;
    th *t = th_open_seeded("re-en", 800, 1280, "en", 1, 86400000);
    th_sign_in(t, "Jonas Bækgaard");
    TAP_PREFIX(t, "Hvordan understøtter vi");
    assert_int_equal(scr_current(t->app), SCR_REFLECTION);
    SEES(t, "No feedback has reached this tablet yet.");
    REVEAL(t, "My reflection", 400, 900);
    TARGETS_OK(t);
    TAP(t, "What do you notice in the feedback? What surprised you?");
    th_type(t, "Half a thought");
    t = th_restart(t);
    assert_int_equal(scr_current(t->app), SCR_REFLECTION);
    REVEAL(t, "Half a thought", 400, 900);
    TAP(t, "Half a thought");
    TAP(t, "Done");
    model_reflection re;
    assert_int_equal(db_reflection_get(t->db, scr_observation(t->app), &re), DB_OK);
    assert_string_equal(re.text, "Half a thought");
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reflection_after_feedback),
        cmocka_unit_test(test_reflection_without_feedback),
        cmocka_unit_test(test_observer_reads_reflection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
