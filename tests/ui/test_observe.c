/* The observe screen as a leader uses it: putting a started observation
 * aside or discarding it, editing and deleting notes, the interval prompt,
 * and a note's time. Each test drives the whole app by touch and checks
 * what the store holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "th_steps.h"

/* From home: a new observation of Lars in the school group on the focus
 * about open questions (its template counts open and closed questions). */
static void start_obs(th *t, char *obs, size_t cap)
{
    int da = !strcmp(t->lang, "da");
    TAP(t, da ? "Start ny observation" : "Start new observation");
    TAP_PREFIX(t, "Hvordan bruger vi");
    REVEAL(t, "Lars Højlund", t->w / 2, t->h / 2);
    TAP(t, "Lars Højlund");
    REVEAL(t, "Skolegruppen", t->w / 2, t->h / 2);
    TAP(t, "Skolegruppen");
    REVEAL(t, da ? "Hvad foregår der?" : "What is going on?", t->w / 2, t->h / 2);
    const char *play = da ? "Leg" : "Play";
    if (th_tap_text(t, play) != 0) {
        REVEAL(t, play, t->w / 2, t->h / 2);
        TAP(t, play);
    }
    const char *agree = da ? "Aftalen med den observerede er lavet"
                           : "Agreement made with the observee";
    REVEAL(t, agree, t->w / 2, t->h / 2);
    TAP(t, agree);
    TAP(t, da ? "Start observationen" : "Start observation");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    snprintf(obs, cap, "%s", scr_observation(t->app));
}

/* Changes of the observation still waiting to be sent. */
static int64_t waiting_for(th *t, const char *obs)
{
    db_outbox_entry e[64];
    int n = 0;
    int64_t k = 0;
    assert_int_equal(db_outbox_peek(t->db, 0, 64, e, &n), DB_OK);
    for (int i = 0; i < n; i++)
        k += strstr(e[i].payload, obs) != NULL;
    db_outbox_entries_free(e, n);
    return k;
}

/* The server acknowledges every change waiting, as a sync round would. */
static void server_takes_all(th *t)
{
    db_outbox_entry e[64];
    int n = 0;
    assert_int_equal(db_outbox_peek(t->db, 0, 64, e, &n), DB_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(db_sync_ack(t->db, e[i].change_id, DB_SYNC_ACK_STORED, 1, NULL, NULL),
                         DB_OK);
    db_outbox_entries_free(e, n);
}

/* Point 3: the wrong colleague was picked. Put aside keeps the draft under
 * My drafts; discard asks twice and then deletes it with everything in it,
 * its unsent changes and its half-written note included. */
static void test_put_aside_and_discard(void **state)
{
    (void)state;
    th *t = th_open("obs-discard", 1280, 800, "da");
    th_sign_in(t, "Ida Mølgaard");
    char obs[64];
    start_obs(t, obs, sizeof obs);
    th_wait(t, 5000);
    TAP(t, "Åbent spørgsmål");
    TAP(t, "Tydeligt");
    TAP(t, "Note");
    th_type(t, "Halvt skrevet");
    TAP(t, "Luk");
    TARGETS_OK(t);

    /* Put aside: back home, the observation waits under My drafts. */
    TAP(t, "Læg til side\xE2\x80\xA6");
    SEES(t, "Læg observationen til side?");
    SEES(t, "Eller kassér den");
    TARGETS_OK(t);
    TAP(t, "Læg til side");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    SEES(t, "Mine kladder (1)");
    model_observation o;
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    assert_int_equal(o.status, MODEL_OBS_DRAFT);

    /* Back to it from My drafts, and discard it: asked twice. */
    TAP_PREFIX(t, "Hvordan bruger vi");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    assert_string_equal(scr_observation(t->app), obs);
    TAP(t, "Læg til side\xE2\x80\xA6");
    TAP(t, "Kassér");
    SEES(t, "Kassér observationen for altid?");
    SEES(t, "1 tælling");
    SEES(t, "0 noter");
    SEES(t, "1 vurdering");
    TARGETS_OK(t);
    /* "Keep it" goes back a step; nothing is deleted. */
    TAP(t, "Behold den");
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    TAP(t, "Kassér");
    TAP(t, "Kassér for altid");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    SEES(t, "Mine kladder (0)");
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_NOTFOUND);
    assert_int_equal(waiting_for(t, obs), 0);
    char draft[64];
    assert_int_equal(db_draft_get(t->db, obs, DB_DRAFT_NOTE, draft, sizeof draft), DB_NOTFOUND);
    int64_t all = -1;
    assert_int_equal(db_outbox_count(t->db, &all), DB_OK);
    assert_int_equal(all, 0);
    th_free(t);
}

/* Point 3, once the server has part of it: discarding here would not
 * delete it there, so only putting aside is offered, with the reason, and
 * the store refuses a discard too. English, portrait. */
static void test_discard_refused_once_synced(void **state)
{
    (void)state;
    th *t = th_open("obs-discard-synced", 800, 1280, "en");
    th_sign_in(t, "Ida Mølgaard");
    char obs[64];
    start_obs(t, obs, sizeof obs);
    server_takes_all(t);
    TAP(t, "Put aside\xE2\x80\xA6");
    SEES(t, "Put the observation aside?");
    SEES(t, "part of it has reached the server");
    assert_false(th_has_text(t, "Discard"));
    TARGETS_OK(t);
    TAP(t, "Keep observing");
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    assert_int_equal(db_obs_discard(t->db, obs, DEMO_ID("27")), DB_DENIED);
    model_observation o;
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    th_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_aside_and_discard),
        cmocka_unit_test(test_discard_refused_once_synced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
