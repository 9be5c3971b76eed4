/* Honest sync state on the screens, by touch, with the engine replaced by
 * a fake behind the same hooks the program gives: the chip's words for
 * every state in Danish and English (never "synced" without a server),
 * the chip's tap, each history row and the summary saying "saved on this
 * tablet", "synced", "needs review" or "refused: <reason>" as the store
 * says, the review screen's choices (keep mine, try again), the
 * enrolment form's messages for each way an enrolment ends, and home read
 * again after a round. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "th_steps.h"
#include "tsupport_obs.h"

#define SECRET "a3f9c2e71b5d48e0a3f9c2e71b5d48e0a3f9c2e71b5d48e0a3f9c2e71b5d48e0"

/* The fake engine: its state is what the test sets; "sync now" and the
 * enrolments are counted and recorded. */
typedef struct {
    scr_sync_state st;
    int nows;
    int enrols;
    scr_enrol_req last;
    scr_enrol_outcome outcome; /* what the next enrolment ends with */
    db *d;                     /* where a good enrolment writes its credentials */
    scr_sync hooks;            /* the app keeps a pointer to these */
} fake_sync;

static int fs_enrolled(void *ctx) { return ((fake_sync *)ctx)->st.enrolled; }
static void fs_now(void *ctx) { ((fake_sync *)ctx)->nows++; }
static void fs_status(void *ctx, char *line, size_t cap)
{
    (void)ctx;
    snprintf(line, cap, "%s", "");
}
static void fs_state(void *ctx, scr_sync_state *out) { *out = ((fake_sync *)ctx)->st; }
static int fs_enrol(void *ctx, const scr_enrol_req *req)
{
    fake_sync *f = ctx;
    f->enrols++;
    f->last = *req;
    return 0;
}
/* Ends the enrolment at once; a good one stores what sync_enrol would. */
static scr_enrol_outcome fs_enrol_result(void *ctx, char *detail, size_t cap)
{
    fake_sync *f = ctx;
    snprintf(detail, cap, "%s", f->outcome == SCR_ENROL_FAILED ? "Something odd." : "");
    if (f->outcome == SCR_ENROL_OK) {
        db_sync_config_put(f->d, "server_url", f->last.url);
        db_sync_config_put(f->d, "device_id", "dev-1");
        db_sync_config_put(f->d, "device_secret", SECRET);
        db_sync_config_put(f->d, "unit_id", DEMO_UNIT_ID);
        f->st.enrolled = 1;
    }
    return f->outcome;
}

static scr_sync hooks_for(fake_sync *f)
{
    scr_sync h = {.ctx = f,
                  .enrolled = fs_enrolled,
                  .now = fs_now,
                  .status = fs_status,
                  .state = fs_state,
                  .enrol = fs_enrol,
                  .enrol_result = fs_enrol_result};
    return h;
}

/* A tablet app in Danish at 1280 x 800 whose sync is the fake f. */
static th *open_with(fake_sync *f, const char *name)
{
    f->hooks = hooks_for(f);
    th_sync = &f->hooks;
    th *t = th_open(name, 1280, 800, "da");
    th_sync = NULL;
    f->d = t->db;
    return t;
}

static i18n *load(const char *lang)
{
    char path[1200], err[256];
    snprintf(path, sizeof path, "%s/%s.po", BLIK_PO_DIR, lang);
    i18n *tr = NULL;
    assert_int_equal(i18n_load(path, &tr, err, sizeof err), 0);
    return tr;
}

static void expect_chip(const i18n *tr, const db_sync_counts *c, const scr_sync_state *st,
                        scr_chip kind, const char *words)
{
    char out[160];
    assert_int_equal(scr_sync_chip_text(tr, c, st, out, sizeof out), kind);
    assert_string_equal(out, words);
}

/* Every state of the chip, in both languages. */
static void test_chip_words(void **state)
{
    (void)state;
    i18n *da = load("da"), *en = load("en");
    /* 89 changes (taps) of 4 observations: the chip counts observations. */
    db_sync_counts none = {0}, some = {.waiting = 89, .waiting_obs = 4},
                   one = {.waiting = 12, .waiting_obs = 1}, loose = {.waiting = 3},
                   review = {.waiting = 1, .waiting_obs = 1, .conflicts = 2},
                   refused = {.rejected = 3};
    scr_sync_state off = {0}, on = {.enrolled = 1},
                   ok = {.enrolled = 1, .last_ok_ms = 5, .rounds = 1},
                   busy = {.enrolled = 1, .running = 1};
    /* No server: it says so, with what is held here; never "synced". */
    expect_chip(da, &none, NULL, SCR_CHIP_LOCAL, "Kun på denne tablet");
    expect_chip(da, &some, &off, SCR_CHIP_LOCAL, "Kun på denne tablet · 4 observationer venter");
    expect_chip(en, &some, NULL, SCR_CHIP_LOCAL, "Only on this tablet · 4 observations waiting");
    expect_chip(da, &one, NULL, SCR_CHIP_LOCAL, "Kun på denne tablet · 1 observation venter");
    expect_chip(en, &one, NULL, SCR_CHIP_LOCAL, "Only on this tablet · 1 observation waiting");
    /* Enrolled, before the first good round. */
    expect_chip(da, &none, &on, SCR_CHIP_NOT_YET, "Ikke synkroniseret endnu");
    expect_chip(da, &none, &ok, SCR_CHIP_SYNCED, "Synkroniseret");
    expect_chip(en, &none, &ok, SCR_CHIP_SYNCED, "Synced");
    expect_chip(da, &some, &ok, SCR_CHIP_WAITING, "4 observationer venter");
    expect_chip(en, &some, &ok, SCR_CHIP_WAITING, "4 observations waiting");
    expect_chip(da, &one, &ok, SCR_CHIP_WAITING, "1 observation venter");
    /* Changes that belong to no observation are counted as changes. */
    expect_chip(da, &loose, &ok, SCR_CHIP_WAITING, "3 ændringer venter");
    expect_chip(en, &loose, &ok, SCR_CHIP_WAITING, "3 changes waiting");
    expect_chip(da, &some, &busy, SCR_CHIP_SYNCING, "Synkroniserer · 4 observationer venter");
    expect_chip(en, &none, &busy, SCR_CHIP_SYNCING, "Syncing");
    expect_chip(da, &review, &ok, SCR_CHIP_REVIEW, "2 skal gennemses");
    expect_chip(en, &review, &ok, SCR_CHIP_REVIEW, "2 need review");
    expect_chip(da, &refused, &ok, SCR_CHIP_REFUSED, "3 afvist");
    expect_chip(en, &refused, &ok, SCR_CHIP_REFUSED, "3 refused");
    /* Problems are named, each in its own words, with the count waiting. */
    static const struct {
        scr_sync_problem p;
        const char *da, *en;
    } problems[] = {
        {SCR_SYNC_CAPTIVE, "Wi-Fi kræver login · 4 observationer venter",
         "Wi-Fi needs sign-in · 4 observations waiting"},
        {SCR_SYNC_OFFLINE, "Ingen netværk · 4 observationer venter",
         "Offline · 4 observations waiting"},
        {SCR_SYNC_UNREACHABLE, "Serveren svarer ikke · 4 observationer venter",
         "Server not reachable · 4 observations waiting"},
        {SCR_SYNC_SERVER, "Fejl på serveren · 4 observationer venter",
         "Server problem · 4 observations waiting"},
        {SCR_SYNC_TLS, "Forkert certifikat · 4 observationer venter",
         "Wrong certificate · 4 observations waiting"},
        {SCR_SYNC_UPDATE, "Opdatér appen · 4 observationer venter",
         "Update the app · 4 observations waiting"},
        {SCR_SYNC_UNAUTHORIZED, "Tabletten er ikke godkendt: tilmeld igen · 4 observationer venter",
         "Tablet not accepted: enrol again · 4 observations waiting"},
    };
    for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++) {
        scr_sync_state bad = ok;
        bad.problem = problems[i].p;
        expect_chip(da, &some, &bad, SCR_CHIP_PROBLEM, problems[i].da);
        expect_chip(en, &some, &bad, SCR_CHIP_PROBLEM, problems[i].en);
    }
    scr_sync_state captive = ok;
    captive.problem = SCR_SYNC_CAPTIVE;
    expect_chip(da, &none, &captive, SCR_CHIP_PROBLEM, "Wi-Fi kræver login");
    i18n_free(da);
    i18n_free(en);
}

/* Which seeded observation a change belongs to (its payload names it). */
static int owner(const db_outbox_entry *e, model_id *ids, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(e->entity_id, ids[i]) || (e->payload && strstr(e->payload, ids[i])))
            return i;
    return -1;
}

/* Answers every change as the server would: the first observation's all
 * stored, the second's first change a conflict, the third's first change
 * refused with a reason. */
static void answer_all(th *t, model_id *ids, int n)
{
    db_outbox_entry e[64];
    int got = 0, first[3] = {1, 1, 1};
    for (;;) {
        assert_int_equal(db_outbox_peek(t->db, 0, 64, e, &got), DB_OK);
        if (got == 0)
            break;
        for (int i = 0; i < got; i++) {
            int o = owner(&e[i], ids, n);
            assert_true(o >= 0);
            db_sync_ack_kind k = DB_SYNC_ACK_STORED;
            if (o == 1 && first[1])
                k = DB_SYNC_ACK_CONFLICT;
            if (o == 2 && first[2])
                k = DB_SYNC_ACK_REJECTED;
            first[o] = 0;
            assert_int_equal(
                db_sync_ack(t->db, e[i].change_id, k, 2, "forbidden", "Fokusperioden er slut"),
                DB_OK);
        }
        db_outbox_entries_free(e, got);
    }
}

static void test_chip_rows_and_review(void **state)
{
    (void)state;
    fake_sync fs = {0};
    scr_sync hooks = hooks_for(&fs);
    th_sync = &hooks;
    th *t = th_open_seeded("syncui", 1280, 800, "da", 3, 86400000);
    th_sync = NULL;
    fs.d = t->db;
    int64_t waiting = 0;
    assert_int_equal(db_outbox_count(t->db, &waiting), DB_OK);
    assert_true(waiting > 3);
    /* Many changes, three observations: the chip counts observations. */
    char want[96];
    snprintf(want, sizeof want, "Kun på denne tablet · 3 observationer venter");
    /* Before anyone signs in the chip is honest too. */
    SEES(t, want);
    th_sign_in(t, "Mette Østergaard");
    SEES(t, want);
    assert_false(th_has_text_part(t, "Synkroniseret"));
    /* A leader on a tablet without a server: the chip leads to settings. */
    TAP(t, want);
    assert_int_equal(scr_current(t->app), SCR_SETTINGS);
    assert_int_equal(fs.nows, 0);
    TAP(t, "Forside");

    /* Enrolled, behind a captive portal: named, and a tap syncs now. */
    fs.st = (scr_sync_state){.enrolled = 1, .rounds = 1, .problem = SCR_SYNC_CAPTIVE};
    /* The program wakes the loop when the worker's state changed
     * (ui_fresh); here the next frame is that wake. */
    th_frame(t, NULL);
    snprintf(want, sizeof want, "Wi-Fi kræver login · 3 observationer venter");
    SEES(t, want);
    TAP(t, want);
    assert_int_equal(fs.nows, 1);
    assert_int_equal(scr_current(t->app), SCR_HOME);
    TARGETS_OK(t);

    /* History: every row saved on this tablet, none synced. */
    TAP(t, "Historik");
    SEES(t, "3 observationer");
    int x, y, w, h;
    for (int i = 0; i < 3; i++)
        assert_int_equal(th_find_text(t, "Gemt på denne tablet", i, &x, &y, &w, &h), 0);
    assert_int_equal(th_find_text(t, "Gemt på denne tablet", 3, &x, &y, &w, &h), -1);
    TAP(t, "Gemt på denne tablet");
    assert_int_equal(scr_current(t->app), SCR_SUMMARY);
    SEES(t, "Gemt på denne tablet");
    TAP(t, "Tilbage");

    /* The server answers; the next round's end refreshes the rows. */
    model_id ids[3];
    db_obs_filter f;
    memset(&f, 0, sizeof f);
    f.unit_id = DEMO_UNIT_ID;
    f.viewer_id = DEMO_ID("21");
    f.status = -1;
    model_observation obs[3];
    int n = 0;
    db_cursor cur;
    memset(&cur, 0, sizeof cur);
    assert_int_equal(db_obs_list(t->db, &f, &cur, 3, obs, &n), DB_OK);
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; i++)
        memcpy(ids[i], obs[i].id, sizeof ids[i]);
    answer_all(t, ids, 3);
    fs.st = (scr_sync_state){.enrolled = 1, .rounds = 2, .last_ok_ms = TH_START_MS};
    th_wait(t, 2000);
    SEES(t, "Synkroniseret");
    SEES(t, "Skal gennemses");
    SEES(t, "Afvist: Fokusperioden er slut");
    assert_false(th_has_text(t, "Gemt på denne tablet"));
    /* The state functions say the same per record. */
    char words[300];
    assert_int_equal(scr_record_sync_text(t->db, t->tr, ids[0], words, sizeof words),
                     DB_SYNC_SYNCED);
    assert_string_equal(words, "Synkroniseret");
    assert_int_equal(scr_record_sync_text(t->db, t->tr, ids[1], words, sizeof words),
                     DB_SYNC_CONFLICT);
    assert_int_equal(scr_record_sync_text(t->db, t->tr, ids[2], words, sizeof words),
                     DB_SYNC_REJECTED);
    assert_string_equal(words, "Afvist: Fokusperioden er slut");
    /* The chip: what needs a person comes before what is fine. */
    SEES(t, "1 skal gennemses");

    /* The chip opens the review: the conflict with both columns, the
     * refusal with the server's reason. */
    TAP(t, "1 skal gennemses");
    assert_int_equal(scr_current(t->app), SCR_REVIEW);
    SEES(t, "Skal gennemses (1)");
    SEES(t, "På denne tablet");
    SEES(t, "På serveren");
    /* Fields by their names in words, times as dates, no identifiers. */
    SEES(t, "Aktivitet");
    SEES(t, "Startede");
    assert_false(th_has_text(t, "activity"));
    assert_false(th_has_text(t, "observer_id"));
    assert_false(th_has_text(t, "focus_version"));
    SEES(t, "Kladde");
    assert_false(th_has_text_part(t, ids[1]));
    SEES(t, "Serverens version kommer med næste synkronisering.");
    SEES(t, "Afvist af serveren (1)");
    SEES(t, "Afvist: Fokusperioden er slut");
    TARGETS_OK(t);
    int64_t before = 0, after = 0;
    assert_int_equal(db_outbox_count(t->db, &before), DB_OK);
    TAP(t, "Behold min");
    SEES(t, "Din version beholdes og sendes igen.");
    SEES(t, "Skal gennemses (0)");
    assert_int_equal(db_outbox_count(t->db, &after), DB_OK);
    assert_int_equal(after, before + 1);
    assert_int_equal(fs.nows, 2); /* sent at once */
    REVEAL(t, "Prøv igen", 640, 400);
    TAP(t, "Prøv igen");
    SEES(t, "Afvist af serveren (0)");
    SEES(t, "Serveren har ikke afvist noget.");
    db_sync_counts c;
    assert_int_equal(db_sync_count(t->db, &c), DB_OK);
    assert_int_equal(c.conflicts, 0);
    assert_int_equal(c.rejected, 0);
    assert_int_equal(c.waiting, 2);
    if (c.waiting_obs == 1)
        SEES(t, "1 observation venter");
    else
        SEES(t, "2 observationer venter");
    th_free(t);
}

/* A peer sees no conflict of an observation that is not theirs. */
static void test_review_shows_only_what_may_be_seen(void **state)
{
    (void)state;
    fake_sync fs = {.st = {.enrolled = 1, .rounds = 1, .last_ok_ms = TH_START_MS}};
    scr_sync hooks = hooks_for(&fs);
    th_sync = &hooks;
    th *t = th_open_seeded("syncpeer", 1280, 800, "da", 3, 86400000);
    th_sync = NULL;
    db_outbox_entry e[64];
    int got = 0;
    assert_int_equal(db_outbox_peek(t->db, 0, 64, e, &got), DB_OK);
    assert_true(got > 0);
    /* The first change is of the first observation (Mette observed Jonas). */
    assert_int_equal(db_sync_ack(t->db, e[0].change_id, DB_SYNC_ACK_CONFLICT, 2, "", ""), DB_OK);
    db_outbox_entries_free(e, got);
    th_sign_in(t, "Ida Mølgaard");
    /* The chip counts the tablet's; the screen lists only Ida's. */
    TAP(t, "1 skal gennemses");
    assert_int_equal(scr_current(t->app), SCR_REVIEW);
    SEES(t, "Skal gennemses (0)");
    assert_false(th_has_text(t, "Behold min"));
    TAP(t, "Lås");
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "1 skal gennemses");
    SEES(t, "Skal gennemses (1)");
    SEES(t, "Mette Østergaard observerede Jonas Bækgaard");
    th_free(t);
}

/* Types text into the form's field shown as `field` (its hint or its text)
 * and closes the keyboard, as a person fills in a form. */
static void fill_in(th *t, const char *field, const char *text)
{
    REVEAL(t, field, 640, 400);
    TAP(t, field);
    th_type(t, text);
    TAP(t, "Færdig");
}

/* Replaces the text of the field that shows `shown` with text. */
static void retype(th *t, const char *shown, const char *text)
{
    REVEAL(t, shown, 640, 400);
    TAP(t, shown);
    th_key(t, PLAT_KEY_END); /* the tap puts the cursor inside the text */
    for (size_t i = 0; i < strlen(shown); i++)
        th_key(t, PLAT_KEY_BACKSPACE);
    th_type(t, text);
    TAP(t, "Færdig");
}

/* An address typed without https:// (the field's hint, which reads like
 * text already there) is taken as https://, and the field then shows the
 * address the tablet used; spaces around it go. An address with another
 * scheme is still refused on the tablet. */
static void test_enrolment_address_without_scheme(void **state)
{
    (void)state;
    fake_sync fs = {0};
    th *t = open_with(&fs, "enrol_scheme");
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Indstillinger");
    fill_in(t, "https://", " blik.example.dk:8443 ");
    fill_in(t, "ABCDE-FGHJK", "K7QMX-2PWRT");
    fill_in(t, "fx Stue 3 – blå", "Stue 3");
    fs.outcome = SCR_ENROL_BAD_CODE;
    REVEAL(t, "Tilmeld denne tablet", 640, 400);
    TAP(t, "Tilmeld denne tablet");
    th_wait(t, 200);
    assert_int_equal(fs.enrols, 1);
    assert_string_equal(fs.last.url, "https://blik.example.dk:8443");
    SEES(t, "https://blik.example.dk:8443");
    char v[256];
    assert_int_equal(db_server_note_get(t->db, v, sizeof v), DB_OK);
    assert_string_equal(v, "https://blik.example.dk:8443");
    /* Another scheme is not completed: refused, nothing sent. */
    retype(t, "https://blik.example.dk:8443", "ftp://blik.example.dk:8443");
    REVEAL(t, "Tilmeld denne tablet", 640, 400);
    TAP(t, "Tilmeld denne tablet");
    SEES(t, "Adressen skal begynde med https://");
    assert_int_equal(fs.enrols, 1);
    th_free(t);
}

/* The enrolment form: each way an enrolment ends has its message; a good
 * one shows the unit and the server, and never the device secret. */
static void test_enrolment_form(void **state)
{
    (void)state;
    fake_sync fs = {0};
    th *t = open_with(&fs, "enrol");
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Indstillinger");
    SEES(t, "Serveradresse");
    SEES(t, "Tilmeldingskode (fra administratoren)");
    TARGETS_OK(t);
    /* Not https: refused on the tablet, nothing sent. */
    fill_in(t, "https://", "http://blik.example.dk");
    fill_in(t, "ABCDE-FGHJK", "K7QMX-2PWRT");
    TAP(t, "Tilmeld denne tablet");
    SEES(t, "Adressen skal begynde med https://");
    assert_int_equal(fs.enrols, 0);
    /* The address made right; the server says the code is wrong. */
    retype(t, "http://blik.example.dk", "https://blik.example.dk");
    /* No name yet: refused on the tablet, nothing sent. */
    REVEAL(t, "Tilmeld denne tablet", 640, 400);
    TAP(t, "Tilmeld denne tablet");
    SEES(t, "Giv tabletten et navn, så administratoren kan kende den fra de andre.");
    assert_int_equal(fs.enrols, 0);
    fill_in(t, "fx Stue 3 – blå", "Stue 3 – blå");
    static const struct {
        scr_enrol_outcome o;
        const char *words;
    } bad[] = {
        {SCR_ENROL_BAD_CODE, "Koden er forkert, brugt eller udløbet. Bed om en ny kode."},
        {SCR_ENROL_TLS,
         "Serverens certifikat er ikke godkendt. Tjek adressen, eller angiv serverens CA."},
        {SCR_ENROL_UNREACHABLE, "Serveren svarer ikke. Tjek adressen og netværket."},
        {SCR_ENROL_CAPTIVE, "Wi-Fi kræver login først. Åbn en browser og log ind."},
        {SCR_ENROL_CA_FILE, "CA-filen kan ikke læses eller indeholder intet certifikat."},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fs.outcome = bad[i].o;
        REVEAL(t, "Tilmeld denne tablet", 640, 400);
        TAP(t, "Tilmeld denne tablet");
        th_wait(t, 200);
        SEES(t, bad[i].words);
        assert_int_equal(fs.enrols, (int)i + 1);
        assert_string_equal(fs.last.url, "https://blik.example.dk");
        assert_string_equal(fs.last.code, "K7QMX-2PWRT");
        assert_string_equal(fs.last.name, "Stue 3 – blå");
    }
    assert_false(fs.st.enrolled);
    /* The CA, pasted. */
    REVEAL(t, "Indsæt certifikatet (PEM) eller stien til filen", 640, 400);
    TAP(t, "Indsæt certifikatet (PEM) eller stien til filen");
    th_type(t, "-----BEGIN CERTIFICATE-----MIIB-----END CERTIFICATE-----");
    TAP(t, "Færdig");
    fs.outcome = SCR_ENROL_OK;
    REVEAL(t, "Tilmeld denne tablet", 640, 400);
    TAP(t, "Tilmeld denne tablet");
    assert_string_equal(fs.last.ca, "-----BEGIN CERTIFICATE-----MIIB-----END CERTIFICATE-----");
    th_wait(t, 200);
    ui_list_scroll_to(t->ui, ui_ids("set.list"), 0);
    th_wait(t, 10);
    SEES(t, "Forbundet til https://blik.example.dk");
    SEES(t, "Enhed: Børnehuset Solsikken");
    SEES(t, "Tabletten er tilmeldt.");
    SEES(t, "Synkronisér nu");
    char v[64];
    assert_int_equal(db_kv_get(t->db, "device.unit", v, sizeof v), DB_OK);
    assert_string_equal(v, DEMO_UNIT_ID);
    /* The secret is never drawn, here or anywhere the leader goes. */
    static char snap[1 << 20];
    th_snapshot(t, snap, sizeof snap);
    assert_null(strstr(snap, SECRET));
    assert_null(strstr(snap, "a3f9c2e7"));
    assert_null(strstr(snap, "K7QMX"));
    assert_null(strstr(snap, "BEGIN CERTIFICATE"));
    REVEAL(t, "Sprog", 640, 400);
    th_snapshot(t, snap, sizeof snap);
    assert_null(strstr(snap, "a3f9c2e7"));
    TAP(t, "Forside");
    th_snapshot(t, snap, sizeof snap);
    assert_null(strstr(snap, "a3f9c2e7"));
    TAP_PREFIX(t, "Ikke synkroniseret endnu");
    assert_int_equal(fs.nows, 1);
    th_free(t);
}

/* Signing in on an enrolled tablet makes its pulls follow the person, and
 * the first time asks for a round at once: the person's own plans and the
 * observations about them reach a tablet only for the people it follows.
 * On a tablet without a server nothing is followed or asked for. */
static void test_sign_in_follows(void **state)
{
    (void)state;
    fake_sync fs = {0};
    th *t = open_with(&fs, "syncfollow");
    model_id ids[64];
    int n = 0;
    th_sign_in(t, "Anna Kristensen");
    char anna[MODEL_UUID_LEN + 1];
    snprintf(anna, sizeof anna, "%s", scr_user(t->app));
    assert_int_equal(db_sync_followed(t->db, ids, 64, &n), DB_OK);
    for (int i = 0; i < n; i++)
        assert_string_not_equal(ids[i], anna);
    assert_int_equal(fs.nows, 0);
    TAP(t, "Lås");

    fs.st = (scr_sync_state){.enrolled = 1, .rounds = 1};
    th_frame(t, NULL);
    th_sign_in(t, "Anna Kristensen");
    assert_int_equal(db_sync_followed(t->db, ids, 64, &n), DB_OK);
    int found = 0;
    for (int i = 0; i < n; i++)
        found += !strcmp(ids[i], anna);
    assert_int_equal(found, 1);
    assert_int_equal(fs.nows, 1);
    /* The next time she is followed already: no round asked for. */
    TAP(t, "Lås");
    th_sign_in(t, "Anna Kristensen");
    assert_int_equal(fs.nows, 1);
    th_free(t);
}

/* The number in a home section's title, "<title> (n)", as drawn now. */
static int section_count(th *t, const char *title)
{
    static char snap[1 << 18];
    th_snapshot(t, snap, sizeof snap);
    const char *p = strstr(snap, title);
    if (!p)
        fail_msg("no \"%s\" on screen %d", title, (int)scr_current(t->app));
    return atoi(p + strlen(title) + 2);
}

/* A round that brings an observation about the person signed in shows it
 * on home at once, where the list stands: on a new tablet the observations
 * about a person arrive in the round that signing in starts, after home
 * was entered, and home said "nothing awaits your reflection" until left
 * and entered again. */
static void test_round_refreshes_home(void **state)
{
    (void)state;
    fake_sync fs = {.st = {.enrolled = 1, .rounds = 1, .last_ok_ms = TH_START_MS}};
    th *t = open_with(&fs, "synchome");
    /* Enrolled with the demo unit, as a real tablet is. */
    assert_int_equal(db_device_unit_put(t->db, DEMO_UNIT_ID), DB_OK);
    th_frame(t, NULL);
    th_sign_in(t, "Jonas Bækgaard");
    int before = section_count(t, "Venter på min refleksion");
    tsupport_obs o = {.start = DEMO_OBS_START, .keys = {"open_q"}, .taps = {3}};
    model_id id;
    assert_int_equal(tsupport_observe(t->db, &o, id), DB_OK);
    th_wait(t, 100);
    /* Written behind the screens' back, as a pull writes: home is not
     * told until the round ends. */
    assert_int_equal(section_count(t, "Venter på min refleksion"), before);
    fs.st.rounds++;
    th_wait(t, 100);
    assert_int_equal(section_count(t, "Venter på min refleksion"), before + 1);
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chip_words),
        cmocka_unit_test(test_chip_rows_and_review),
        cmocka_unit_test(test_review_shows_only_what_may_be_seen),
        cmocka_unit_test(test_enrolment_form),
        cmocka_unit_test(test_enrolment_address_without_scheme),
        cmocka_unit_test(test_sign_in_follows),
        cmocka_unit_test(test_round_refreshes_home),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
