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
static void start_on(th *t, const char *focus, char *obs, size_t cap)
{
    int da = !strcmp(t->lang, "da");
    TAP(t, da ? "Start ny observation" : "Start new observation");
    TAP_PREFIX(t, focus);
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

static void start_obs(th *t, char *obs, size_t cap) { start_on(t, "Hvordan bruger vi", obs, cap); }

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

/* The note's pending changes, and the text of the newest. */
static int note_changes(th *t, const char *note_id, char *text, size_t cap)
{
    db_outbox_entry e[64];
    int n = 0, k = 0;
    assert_int_equal(db_outbox_peek(t->db, 0, 64, e, &n), DB_OK);
    for (int i = 0; i < n; i++)
        if (!strcmp(e[i].entity, "note") && !strcmp(e[i].entity_id, note_id)) {
            k++;
            snprintf(text, cap, "%s", e[i].payload);
        }
    db_outbox_entries_free(e, n);
    return k;
}

/* Point 4: a tap on a note opens it; its words and sign can be changed, and
 * it can be deleted after a second question. Each is one change for sync
 * that replaces the note's unsent ones, so deleted words never leave. */
static void test_note_edit_and_delete(void **state)
{
    (void)state;
    th *t = th_open("obs-notes", 1280, 800, "da");
    th_sign_in(t, "Ida Mølgaard");
    char obs[64];
    start_obs(t, obs, sizeof obs);
    th_wait(t, 30000);
    TAP(t, "Note");
    th_type(t, "Barnet spørger om regnen");
    TAP(t, "Tilføj note");
    model_note notes[4];
    int n = 0;
    assert_int_equal(db_obs_notes(t->db, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 1);
    char nid[64];
    snprintf(nid, sizeof nid, "%s", notes[0].id);
    SEES(t, "Note (1)");

    /* A tap on the note opens it with its words and its time. */
    th_wait(t, 60000);
    TAP_PREFIX(t, "Barnet spørger om regnen");
    model_observation o;
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    int64_t at = notes[0].at;
    char when[32];
    snprintf(when, sizeof when, "%d:%02d", (int)((at - o.started_at) / 60000),
             (int)((at - o.started_at) / 1000 % 60));
    char head[64];
    snprintf(head, sizeof head, "Note ved %s", when);
    SEES(t, head);
    TARGETS_OK(t);
    th_type(t, " igen");
    TAP(t, "Den voksne udvider barnets ord");
    TAP(t, "Gem");
    assert_int_equal(db_obs_notes(t->db, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(notes[0].text, "Barnet spørger om regnen igen");
    assert_string_equal(notes[0].sign_id, DEMO_ID("72"));
    /* Its time is still when it was written, not when it was changed. */
    assert_int_equal(notes[0].at, at);
    char payload[8192];
    assert_int_equal(note_changes(t, nid, payload, sizeof payload), 1);
    assert_non_null(strstr(payload, "regnen igen"));
    SEES(t, "Barnet spørger om regnen igen");

    /* Delete: asked once more; "Keep it" keeps it. */
    TAP_PREFIX(t, "Barnet spørger om regnen igen");
    TAP(t, "Slet note\xE2\x80\xA6");
    snprintf(head, sizeof head, "Slet noten ved %s?", when);
    SEES(t, head);
    TARGETS_OK(t);
    TAP(t, "Behold den");
    TAP(t, "Slet note\xE2\x80\xA6");
    TAP(t, "Slet note");
    assert_int_equal(db_obs_notes(t->db, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 0);
    assert_false(th_has_text_part(t, "regnen"));
    SEES(t, "Note");
    assert_false(th_has_text(t, "Note (1)"));
    assert_int_equal(note_changes(t, nid, payload, sizeof payload), 1);
    assert_null(strstr(payload, "regnen"));
    assert_non_null(strstr(payload, "\"text\":\"\""));
    th_free(t);
}

/* The sample events not undone, oldest first, into at[] and key[]. */
static int samples(th *t, const char *obs, int64_t *at, char (*key)[MODEL_KEY_MAX + 1], int max)
{
    model_event ev[64];
    int n = 0, k = 0;
    assert_int_equal(db_obs_events(t->db, obs, 0, 64, ev, &n), DB_OK);
    for (int i = 0; i < n; i++) {
        int undone = 0;
        for (int j = 0; j < n; j++)
            undone |= ev[j].kind == MODEL_EV_UNDO && !strcmp(ev[j].target_id, ev[i].id);
        if (ev[i].kind == MODEL_EV_SAMPLE && !undone && k < max) {
            at[k] = ev[i].at;
            snprintf(key[k], sizeof key[k], "%s", ev[i].key);
            k++;
        }
    }
    return k;
}

/* Point 12: the band for interval prompts is there from the start and
 * says when the next is due; at that time it asks in the same place, so
 * the counters never move under the finger. An answer given late is
 * stored at the due time; a prompt left until the next counts as skipped,
 * and the summary tallies the answers. */
static void test_interval_prompt(void **state)
{
    (void)state;
    th *t = th_open("obs-interval", 1280, 800, "da");
    th_sign_in(t, "Ida Mølgaard");
    char obs[64];
    start_on(t, "Hvordan understøtter vi", obs, sizeof obs);
    model_observation o;
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    SEES(t, "Stikprøve hvert 5. min");
    SEES(t, "Stikprøve 1 falder ved 5:00");
    int x0, y0, w0, h0, x1, y1, w1, h1;
    assert_int_equal(th_find_text(t, "Åbent spørgsmål", 0, &x0, &y0, &w0, &h0), 0);

    /* Due at 5:00: asked in the same band; the counters stay put. */
    th_wait(t, 5 * 60000 - (t->sys->now_ms(t->sys) - o.started_at) + 10);
    SEES(t, "Interval 1 (5:00): hvad sker der lige nu?");
    assert_int_equal(th_find_text(t, "Åbent spørgsmål", 0, &x1, &y1, &w1, &h1), 0);
    assert_int_equal(y1, y0);
    assert_int_equal(x1, x0);
    TARGETS_OK(t);
    /* Answered two minutes late: stored at 5:00 all the same. */
    th_wait(t, 2 * 60000);
    TAP(t, "Nogle deltager");
    int64_t at[8];
    char key[8][MODEL_KEY_MAX + 1];
    assert_int_equal(samples(t, obs, at, key, 8), 1);
    assert_int_equal(at[0], o.started_at + 5 * 60000);
    assert_string_equal(key[0], "some");
    SEES(t, "Stikprøve 2 falder ved 10:00");

    /* Prompt 2 is left unanswered until prompt 3 is due: only 3 is asked. */
    th_wait(t, 8 * 60000 + 30000);
    SEES(t, "Interval 3 (15:00)");
    assert_false(th_has_text_part(t, "Interval 2"));
    /* Skipped: the band says when the next is due, even after a restart. */
    TAP(t, "Spring over");
    SEES(t, "Stikprøve 4 falder ved 20:00");
    t = th_restart(t);
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    SEES(t, "Stikprøve 4 falder ved 20:00");
    /* The store refuses a prompt not due, and a second answer. */
    assert_int_equal(db_obs_sample(t->db, obs, DEMO_ID("27"), 9, "all", NULL), DB_INVALID);
    assert_int_equal(db_obs_sample(t->db, obs, DEMO_ID("27"), 1, "all", NULL), DB_INVALID);
    assert_int_equal(db_obs_sample(t->db, obs, DEMO_ID("27"), 2, "all", NULL), DB_OK);

    /* The summary tallies the answers and the prompts skipped. */
    TAP(t, "Afslut");
    TAP_PREFIX(t, "Afslut");
    if (scr_current(t->app) != SCR_SUMMARY)
        TAP(t, "Afslut");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    REVEAL(t, "Stikprøver hvert 5. min", 640, 400);
    SEES(t, "Alle deltager: 1");
    SEES(t, "Nogle deltager: 1");
    SEES(t, "Få deltager: 0");
    SEES(t, "Sprunget over: 1");
    SEES(t, "2 af 3 stikprøver besvaret");
    th_free(t);
}

/* Point 11, and point 17's hidden draft: a note's time is when it was
 * begun, not when it was added; a half-written note that survived a kill
 * is shown on the observe screen, and keeps its moment. */
static void test_note_time_is_when_begun(void **state)
{
    (void)state;
    th *t = th_open("obs-note-time", 1280, 800, "da");
    th_sign_in(t, "Ida Mølgaard");
    char obs[64];
    start_obs(t, obs, sizeof obs);
    model_observation o;
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    th_wait(t, 37000 - (t->sys->now_ms(t->sys) - o.started_at));
    TAP(t, "Note");
    SEES(t, "Note ved 0:37");
    th_wait(t, 21000);
    th_type(t, "Barnet tæller til ti");
    SEES(t, "Note ved 0:37");
    TAP(t, "Tilføj note");
    model_note notes[4];
    int n = 0;
    assert_int_equal(db_obs_notes(t->db, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_true(notes[0].at - o.started_at >= 37000 && notes[0].at - o.started_at < 38000);
    SEES(t, "0:37");

    /* Begun at 1:10, half written, and the app is killed. */
    th_wait(t, 70000 - (t->sys->now_ms(t->sys) - o.started_at));
    TAP(t, "Note (1)");
    th_type(t, "Halvt skrevet");
    t = th_restart(t);
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    /* Not hidden behind the Note button. */
    SEES(t, "Ikke tilføjet endnu:");
    SEES(t, "Halvt skrevet");
    th_wait(t, 30000);
    TAP(t, "Halvt skrevet");
    SEES(t, "Note ved 1:10");
    TAP(t, "Tilføj note");
    assert_int_equal(db_obs_notes(t->db, obs, 0, 4, notes, &n), DB_OK);
    assert_int_equal(n, 2);
    assert_true(notes[1].at - o.started_at >= 70000 && notes[1].at - o.started_at < 71000);
    assert_false(th_has_text(t, "Ikke tilføjet endnu:"));
    /* The store keeps a note's time inside the observation. */
    assert_int_equal(
        db_obs_note_at(t->db, obs, DEMO_ID("27"), "Før start", NULL, o.started_at - 1, NULL),
        DB_INVALID);
    assert_int_equal(db_obs_note_at(t->db, obs, DEMO_ID("27"), "Efter nu", NULL,
                                    t->sys->now_ms(t->sys) + 1000, NULL),
                     DB_INVALID);
    th_free(t);
}

/* Point 17: finishing says which signs are not rated and which timers
 * are running, before they stop. */
static void test_finish_names_what_is_open(void **state)
{
    (void)state;
    th *t = th_open("obs-finish", 1280, 800, "da");
    th_sign_in(t, "Ida Mølgaard");
    char obs[64];
    start_on(t, "Hvordan understøtter vi", obs, sizeof obs);
    TAP(t, "Tydeligt");
    TAP_PREFIX(t, "Ventetid");
    TAP(t, "Afslut");
    SEES(t, "Afslut observationen?");
    SEES(t, "3 tegn er ikke vurderet.");
    SEES(t, "Kører nu og stoppes ved afslutning: Ventetid.");
    TARGETS_OK(t);
    TAP(t, "Fortsæt");
    TAP_PREFIX(t, "Ventetid");
    for (int i = 1; i < 4; i++)
        assert_int_equal(th_tap_text_n(t, "Delvist", i), 0);
    /* A note begun and not added goes in first, at its own time. */
    th_wait(t, 20000);
    TAP(t, "Note");
    th_type(t, "Sidste ord");
    TAP(t, "Luk");
    th_wait(t, 20000);
    TAP(t, "Afslut");
    assert_false(th_has_text_part(t, "ikke vurderet"));
    assert_false(th_has_text_part(t, "Kører nu"));
    SEES(t, "tilføjes først");
    TAP(t, "Afslut");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    model_note notes[2];
    int n = 0;
    assert_int_equal(db_obs_notes(t->db, obs, 0, 2, notes, &n), DB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(notes[0].text, "Sidste ord");
    model_observation o;
    assert_int_equal(db_obs_get(t->db, obs, &o), DB_OK);
    assert_true(o.ended_at - notes[0].at >= 20000);
    th_free(t);
}

/* Point 17: a focus card on home starts a new observation on that focus. */
static void test_focus_card_starts_observation(void **state)
{
    (void)state;
    th *t = th_open("obs-focus-card", 1280, 800, "da");
    th_sign_in(t, "Ida Mølgaard");
    TAP_PREFIX(t, "Hvordan skaber vi rolige overgange");
    assert_int_equal(scr_current(t->app), SCR_START);
    SEES(t, "Vælg hvem du observerer");
    REVEAL(t, "Lars Højlund", 640, 400);
    TAP(t, "Lars Højlund");
    REVEAL(t, "Skolegruppen", 640, 400);
    TAP(t, "Skolegruppen");
    REVEAL(t, "Hvad foregår der?", 640, 400);
    TAP(t, "Leg");
    REVEAL(t, "Aftalen med den observerede er lavet", 640, 400);
    TAP(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    model_observation o;
    assert_int_equal(db_obs_get(t->db, scr_observation(t->app), &o), DB_OK);
    assert_string_equal(o.focus_id, DEMO_ID("42"));
    th_free(t);
}

/* A note longer than the note field takes when typing (one pulled from
 * another tablet, or written before) is edited whole: nothing of it is cut
 * off when it is saved again. */
static void test_long_note_edit_keeps_words(void **state)
{
    (void)state;
    th *t = th_open("obs-long-note", 1280, 800, "da");
    th_sign_in(t, "Ida Mølgaard");
    char obs[64];
    start_obs(t, obs, sizeof obs);
    static char text[MODEL_TEXT_MAX + 1], want[MODEL_TEXT_MAX + 2];
    for (int i = 0; i < 600; i++)
        strcat(text, "ord ");
    strcat(text, "slut");
    model_id nid;
    th_wait(t, 5000);
    assert_int_equal(db_obs_note(t->db, obs, DEMO_ID("27"), text, NULL, nid), DB_OK);
    TAP(t, "Læg til side\xE2\x80\xA6");
    TAP(t, "Læg til side");
    TAP_PREFIX(t, "Hvordan bruger vi");
    TAP_PREFIX(t, "ord ord");
    th_type(t, "!");
    TAP(t, "Gem");
    model_note notes[2];
    int n = 0;
    assert_int_equal(db_obs_notes(t->db, obs, 0, 2, notes, &n), DB_OK);
    assert_int_equal(n, 1);
    snprintf(want, sizeof want, "%s!", text);
    assert_string_equal(notes[0].text, want);
    th_free(t);
}

/* Point 14: in portrait the fourth sign and its scale are whole, above
 * the interval band. */
static void test_portrait_shows_every_sign_whole(void **state)
{
    (void)state;
    th *t = th_open("obs-portrait", 800, 1280, "da");
    th_sign_in(t, "Ida Mølgaard");
    char obs[64];
    start_on(t, "Hvordan understøtter vi", obs, sizeof obs);
    int x, y, w, h, bx, by, bw, bh;
    assert_int_equal(th_find_text(t, "Den voksne følger børnenes initiativ", 0, &x, &y, &w, &h), 0);
    assert_int_equal(th_find_text(t, "Ikke set", 3, &x, &y, &w, &h), 0);
    assert_int_equal(th_find_text(t, "Stikprøve hvert 5. min", 0, &bx, &by, &bw, &bh), 0);
    /* The chip is about 13 dp taller than its label on each side. */
    assert_true(y + h + 14 < by - 10);
    TARGETS_OK(t);
    th_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_aside_and_discard),
        cmocka_unit_test(test_discard_refused_once_synced),
        cmocka_unit_test(test_note_edit_and_delete),
        cmocka_unit_test(test_interval_prompt),
        cmocka_unit_test(test_note_time_is_when_begun),
        cmocka_unit_test(test_finish_names_what_is_open),
        cmocka_unit_test(test_focus_card_starts_observation),
        cmocka_unit_test(test_portrait_shows_every_sign_whole),
        cmocka_unit_test(test_long_note_edit_keeps_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
