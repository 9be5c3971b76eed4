/*
 * The export of a unit (srv_export, and `blik-server admin export`): the
 * exact CSV text of known observations pushed as a tablet pushes them, in
 * the wide form (one row per observation, the columns of every focus and
 * template version in the selection, an old version keeping its own) and
 * the long form (one row per event or note), Danish and international; the
 * byte order mark, the decimal comma, quoting of a note with ';', '"' and a
 * line break, æøå, the guard against formulas; the filters; refusals; and
 * memory bounded on a few thousand observations (many small reads, a batch
 * and a row at a time).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "srv.h"
#include "srv_export.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U, V;
static fx_device D, DV;

#define TMPL "7d0c4f2a-3b1e-4c59-9a47-2f8e6b1d0c35"
#define FOCUS "c4a9e1d7-62b0-4f8e-b3a5-1d9f7c2e4a06"
#define S1 "1e8b5c3f-9a2d-4e71-8c04-6b3f2a9d1e57"
#define S2 "a3f70d2e-5c18-4b96-9e2a-7d4c1b8f0e63"
#define S3 "58d2c9a1-0f3e-47b5-a6d8-2c9e4f1b7a30"
#define OBS_A "0a000000-0000-4000-8000-00000000000a"
#define OBS_B "0b000000-0000-4000-8000-00000000000b"
#define OBS_C "0c000000-0000-4000-8000-00000000000c"
/* 2026-09-21 16:13:20 in Copenhagen (CEST). */
#define T0 1790000000000LL
#define DAY 86400000LL

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_export", NULL);
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

/* A template of unit U at version base (the one a change is made from). */
static void template_add(int base, const char *name, const char *counters)
{
    char doc[2048], path[700], out[100];
    snprintf(doc, sizeof doc,
             "{\"id\":\"" TMPL "\",\"unit_id\":\"%s\",\"version\":%d,\"name\":\"%s\","
             "\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],\"counters\":[%s],"
             "\"states\":[{\"key\":\"waiting\",\"label\":\"Venter\"}],"
             "\"interval\":{\"minutes\":2,\"options\":[{\"key\":\"engaged\",\"label\":\"Optaget\"},"
             "{\"key\":\"drifting\",\"label\":\"Glider ud\"}]},"
             "\"context\":[{\"key\":\"children\",\"label\":\"Antal børn\",\"type\":\"int\","
             "\"min\":0,\"max\":40},{\"key\":\"where\",\"label\":\"Hvor\",\"type\":\"choice\","
             "\"options\":[\"Inde\",\"Ude\"]},{\"key\":\"theme\",\"label\":\"Tema\","
             "\"type\":\"text\"}],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
             U.unit, base, name, counters);
    snprintf(path, sizeof path, "%s/export-template.json", W.dir);
    write_file(path, doc);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "template-add", "--unit", U.unit, "--file", path, NULL),
        0);
}

static void focus_add(int base, const char *question, const char *signs)
{
    char doc[2048], path[700], out[100];
    snprintf(doc, sizeof doc,
             "{\"id\":\"" FOCUS "\",\"unit_id\":\"%s\",\"version\":%d,\"question\":\"%s\","
             "\"why\":\"\",\"pillar\":\"learning\",\"period_from\":\"2026-08-01\","
             "\"period_to\":\"2027-01-31\",\"template_id\":\"" TMPL "\",\"signs\":[%s]}",
             U.unit, base, question, signs);
    snprintf(path, sizeof path, "%s/export-focus.json", W.dir);
    write_file(path, doc);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit, "--file", path, NULL),
        0);
}

static model_record obs(const char *id, int version, const char *observer, const char *observee,
                        long long start, long long minutes)
{
    model_record r;
    fx_obs(&U, observer, observee, &r);
    model_observation *o = &r.u.obs;
    snprintf(o->id, sizeof o->id, "%s", id);
    snprintf(o->focus_id, sizeof o->focus_id, FOCUS);
    snprintf(o->template_id, sizeof o->template_id, TMPL);
    o->focus_version = o->template_version = version;
    o->started_at = start;
    o->ended_at = minutes ? start + minutes * 60000 : 0;
    o->status = minutes ? MODEL_OBS_FINISHED : MODEL_OBS_DRAFT;
    o->updated_at = start + minutes * 60000;
    return r;
}

/* An event seconds after T0 + offset; its id is returned in id (may be
 * NULL). */
static model_record event(const char *obs_id, long long start, model_event_kind kind,
                          const char *key, const char *target, int seconds, char *id)
{
    model_record r;
    memset(&r, 0, sizeof r);
    r.entity = MODEL_ENT_EVENT;
    assert_int_equal(model_id_new(plat_sys_os(), r.u.event.id), 0);
    snprintf(r.u.event.observation_id, sizeof(model_id), "%s", obs_id);
    r.u.event.kind = kind;
    snprintf(r.u.event.key, sizeof r.u.event.key, "%s", key);
    snprintf(r.u.event.target_id, sizeof(model_id), "%s", target ? target : "");
    r.u.event.at = start + seconds * 1000LL;
    if (id)
        snprintf(id, sizeof(model_id), "%s", r.u.event.id);
    return r;
}

static model_record rating(const char *obs_id, const char *sign, int level)
{
    model_record r;
    memset(&r, 0, sizeof r);
    r.entity = MODEL_ENT_RATING;
    snprintf(r.u.rating.observation_id, sizeof(model_id), "%s", obs_id);
    snprintf(r.u.rating.sign_id, sizeof(model_id), "%s", sign);
    r.u.rating.level = level;
    r.u.rating.at = T0 + 800000;
    return r;
}

static model_record note(const char *obs_id, const char *text, const char *sign, int seconds)
{
    model_record r;
    fx_note(obs_id, text, &r);
    snprintf(r.u.note.sign_id, sizeof(model_id), "%s", sign);
    r.u.note.at = T0 + seconds * 1000LL;
    return r;
}

/* Pushes n records as actor (a reflection as its author, the observee);
 * records are large, so the changes live outside the stack. */
static void push(const fx_device *d, const char *actor, const model_record *recs, int n)
{
    static proto_change c[PROTO_PUSH_MAX];
    assert_true(n <= PROTO_PUSH_MAX);
    for (int i = 0; i < n; i++)
        fx_change(&c[i],
                  recs[i].entity == MODEL_ENT_REFLECTION ? recs[i].u.reflection.author_id : actor,
                  0, &recs[i]);
    proto_push_reply rep;
    fx_push(&W, d, c, n, &rep);
    for (int i = 0; i < n; i++)
        if (rep.results[i].status != PROTO_ST_STORED)
            fail_msg("record %d of the push was not stored", i);
    proto_push_reply_clear(&rep);
}

/*
 * The unit: template and focus version 1, observation A on them; then
 * version 2 of both (a counter and a sign changed), B on version 2 and a
 * draft C in October; and one observation in another unit.
 */
static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Export Unit", &U);
    fx_make_unit(&W, "Other Unit", &V);
    fx_enrol(&W, U.unit, &D);
    fx_enrol(&W, V.unit, &DV);
    template_add(1, "Åbne spørgsmål",
                 "{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"},"
                 "{\"key\":\"closed_q\",\"label\":\"Lukket spørgsmål\"}");
    focus_add(1, "Hvordan inviterer vi børnene til at tænke højt?",
              "{\"id\":\"" S1 "\",\"text\":\"Børnene svarer i hele sætninger\"},"
              "{\"id\":\"" S2 "\",\"text\":\"Den voksne venter; tre sekunder\"}");

    static model_record a[20];
    int n = 0;
    char undone[MODEL_UUID_LEN + 1];
    a[n] = obs(OBS_A, 1, U.leader, U.peer1, T0, 15);
    snprintf(a[n].u.obs.activity, sizeof a[n].u.obs.activity, "Samling på stuen");
    snprintf(a[n].u.obs.context_json, sizeof a[n].u.obs.context_json,
             "{\"children\":14,\"theme\":\"Æbler; pærer\",\"where\":\"Ude\"}");
    n++;
    a[n++] = event(OBS_A, T0, MODEL_EV_COUNT, "open_q", NULL, 60, NULL);
    a[n++] = event(OBS_A, T0, MODEL_EV_COUNT, "open_q", NULL, 120, NULL);
    a[n++] = event(OBS_A, T0, MODEL_EV_SAMPLE, "engaged", NULL, 125, NULL);
    a[n++] = event(OBS_A, T0, MODEL_EV_COUNT, "open_q", NULL, 180, NULL);
    a[n++] = event(OBS_A, T0, MODEL_EV_COUNT, "closed_q", NULL, 200, NULL);
    a[n++] = event(OBS_A, T0, MODEL_EV_COUNT, "open_q", NULL, 240, undone);
    a[n++] = event(OBS_A, T0, MODEL_EV_UNDO, "", undone, 250, NULL);
    a[n++] = event(OBS_A, T0, MODEL_EV_STATE_START, "waiting", NULL, 300, NULL);
    a[n++] = event(OBS_A, T0, MODEL_EV_STATE_STOP, "waiting", NULL, 390, NULL);
    a[n++] = note(OBS_A, "Barnet sagde: \"nej; ikke nu\"\nog gik", S1, 100);
    a[n++] = note(OBS_A, "=1+1", "", 400);
    a[n++] = rating(OBS_A, S1, 2);
    a[n++] = rating(OBS_A, S2, 1);
    fx_feedback(OBS_A, U.leader, "Godt; rolige pauser", &a[n]);
    a[n++].u.feedback.given_at = T0 + 1000000; /* 16:30:00 */
    fx_reflection(OBS_A, U.peer1, "Jeg så det også.\nNæste gang: vente", &a[n++]);
    push(&D, U.leader, a, n);

    template_add(1, "Åbne spørgsmål (ny)",
                 "{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"},"
                 "{\"key\":\"praise\",\"label\":\"Ros\"}");
    focus_add(1, "Hvordan inviterer vi alle børn til at tænke højt?",
              "{\"id\":\"" S1 "\",\"text\":\"Børnene svarer i hele sætninger\"},"
              "{\"id\":\"" S3 "\",\"text\":\"Børnene bygger videre\"}");
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM templates WHERE id = '" TMPL "'"), 2);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM focuses WHERE id = '" FOCUS "'"), 2);
    n = 0;
    a[n] = obs(OBS_B, 2, U.peer1, U.peer2, T0 + DAY, 10);
    snprintf(a[n].u.obs.context_json, sizeof a[n].u.obs.context_json, "{\"children\":9}");
    snprintf(a[n++].u.obs.activity, sizeof a[0].u.obs.activity, "Leg ude");
    a[n++] = event(OBS_B, T0 + DAY, MODEL_EV_COUNT, "praise", NULL, 30, NULL);
    a[n++] = event(OBS_B, T0 + DAY, MODEL_EV_COUNT, "praise", NULL, 60, NULL);
    a[n++] = event(OBS_B, T0 + DAY, MODEL_EV_COUNT, "open_q", NULL, 90, NULL);
    a[n++] = rating(OBS_B, S3, 0);
    a[n] = obs(OBS_C, 2, U.peer1, U.leader, T0 + 14 * DAY, 0);
    snprintf(a[n].u.obs.context_json, sizeof a[n].u.obs.context_json, "{}");
    snprintf(a[n++].u.obs.activity, sizeof a[0].u.obs.activity, "-");
    push(&D, U.peer1, a, n);

    model_record other;
    fx_obs(&V, V.peer1, V.peer2, &other);
    push(&DV, V.peer1, &other, 1);
}

/* The admin export with args (after --unit), into a file read back. */
static char *export_cli(int *rc, const char *a1, const char *a2, const char *a3, const char *a4,
                        const char *a5, const char *a6)
{
    char path[700];
    snprintf(path, sizeof path, "%s/export.csv", W.dir);
    remove(path);
    char *out = fx_admin_all(&W, rc, "export", "--unit", U.unit, "--out", path, a1, a2, a3, a4, a5,
                             a6, NULL);
    free(out);
    char *text = *rc == 0 ? tsupport_read_file(path) : NULL;
    /* BLIK_EXPORT_KEEP=DIR keeps each file made here, numbered, to open
     * in a spreadsheet by hand. */
    static int made;
    const char *keep = getenv("BLIK_EXPORT_KEEP");
    if (text && keep) {
        char kept[700];
        snprintf(kept, sizeof kept, "%s/export-%02d.csv", keep, ++made);
        FILE *f = fopen(kept, "wb");
        if (f) {
            fputs(text, f);
            fclose(f);
        }
    }
    return text;
}

#define HEAD_WIDE                                                                                  \
    "observation_id;status;started_at;ended_at;duration_min;focus;focus_id;focus_version;"         \
    "template;template_id;template_version;observer;observee;room;activity;revision;events;"       \
    "events_undone;notes;ratings;feedback_given;feedback_given_at;feedback_works;"                 \
    "feedback_wonderings;feedback_next_step;reflection_written;reflection;reflection_next_step;"   \
    "context_children;context_where;context_theme;count_open_q;rate_open_q;count_praise;"          \
    "rate_praise;count_closed_q;rate_closed_q;sample_engaged;sample_drifting;state_s_waiting;"     \
    "level: Børnene svarer i hele sætninger;word: Børnene svarer i hele sætninger;"            \
    "level: Børnene bygger videre;word: Børnene bygger videre;"                                  \
    "\"level: Den voksne venter; tre sekunder\";\"word: Den voksne venter; tre sekunder\"\r\n"

/* The fixed columns, then each version's. */
#define HEAD_BASE                                                                                  \
    "observation_id;status;started_at;ended_at;duration_min;focus;focus_id;focus_version;"         \
    "template;template_id;template_version;observer;observee;room;activity;revision;events;"       \
    "events_undone;notes;ratings;feedback_given;feedback_given_at;feedback_works;"                 \
    "feedback_wonderings;feedback_next_step;reflection_written;reflection;reflection_next_step"
#define HEAD_FIXED HEAD_BASE ";context_children;context_where;context_theme;"

/* Only version 1 in the selection: no praise, no third sign. */
#define HEAD_V1                                                                                    \
    HEAD_FIXED "count_open_q;rate_open_q;count_closed_q;rate_closed_q;sample_engaged;"             \
               "sample_drifting;state_s_waiting;"                                                  \
               "level: Børnene svarer i hele sætninger;word: Børnene svarer i hele sætninger;" \
               "\"level: Den voksne venter; tre sekunder\";\"word: Den voksne venter; tre "        \
               "sekunder\"\r\n"

/* Only version 2: no closed questions, no second sign. */
#define HEAD_V2                                                                                    \
    HEAD_FIXED "count_open_q;rate_open_q;count_praise;rate_praise;sample_engaged;"                 \
               "sample_drifting;state_s_waiting;"                                                  \
               "level: Børnene svarer i hele sætninger;word: Børnene svarer i hele sætninger;" \
               "level: Børnene bygger videre;word: Børnene bygger videre\r\n"

#define ROW_A                                                                                      \
    OBS_A ";finished;2026-09-21 16:13:20;2026-09-21 16:28:20;15,00;"                               \
          "Hvordan inviterer vi børnene til at tænke højt?;" FOCUS ";1;Åbne spørgsmål;" TMPL ";1;" \
          "Lea Leader;Per Peer;Blue room;Samling på stuen;1;7;1;2;2;"                             \
          "1;2026-09-21 16:30:00;\"Godt; rolige pauser\";;Wait five seconds.;"                     \
          "1;\"Jeg så det også.\nNæste gang: vente\";;"                                         \
          "14;Ude;\"Æbler; pærer\";3;2,00;;;1;0,67;1;0;90;2;Tydeligt;;;1;Delvist\r\n"

#define ROW_B                                                                                      \
    OBS_B ";finished;2026-09-22 16:13:20;2026-09-22 16:23:20;10,00;"                               \
          "Hvordan inviterer vi alle børn til at tænke højt?;" FOCUS                               \
          ";2;Åbne spørgsmål (ny);" TMPL                                                           \
          ";2;Per Peer;Pia Peer;Blue room;Leg ude;1;3;0;0;1;0;;;;;0;;;"                            \
          "9;;;1;1,00;2;2,00;;;0;0;0;;;0;Ikke set;;\r\n"

#define ROW_C                                                                                      \
    OBS_C ";draft;2026-10-05 16:13:20;;;"                                                          \
          "Hvordan inviterer vi alle børn til at tænke højt?;" FOCUS                               \
          ";2;Åbne spørgsmål (ny);" TMPL                                                           \
          ";2;Per Peer;Lea Leader;Blue room;'-;1;0;0;0;0;0;;;;;0;;;"                               \
          ";;;0;;0;;;;0;0;0;;;;;;\r\n"

static void test_wide_danish(void **state)
{
    (void)state;
    int rc;
    char *csv = export_cli(&rc, "--format", "wide", NULL, NULL, NULL, NULL);
    assert_int_equal(rc, 0);
    const char *want = "\xEF\xBB\xBF" HEAD_WIDE ROW_A ROW_B ROW_C;
    if (strcmp(csv, want)) {
        fprintf(stderr, "the wide export is\n%s\nnot\n%s\n", csv, want);
        fail();
    }
    free(csv);
    /* csv is the same, and Danish is the default. */
    csv = export_cli(&rc, "--format", "csv", "--csv-style", "da", NULL, NULL);
    assert_string_equal(csv, want);
    free(csv);
}

static void test_wide_period_and_focus(void **state)
{
    (void)state;
    int rc;
    /* B alone, on version 2: version 2's columns only. */
    char *csv = export_cli(&rc, "--format", "wide", "--from", "2026-09-22", "--to", "2026-09-30");
    assert_int_equal(rc, 0);
    assert_string_equal(
        csv, "\xEF\xBB\xBF" HEAD_V2 OBS_B ";finished;2026-09-22 16:13:20;2026-09-22 16:23:20;10,00;"
             "Hvordan inviterer vi alle børn til at tænke højt?;" FOCUS
             ";2;Åbne spørgsmål (ny);" TMPL ";2;Per Peer;Pia Peer;Blue room;Leg ude;"
             "1;3;0;0;1;0;;;;;0;;;9;;;1;1,00;2;2,00;0;0;0;;;0;Ikke set\r\n");
    free(csv);
    /* A day is Copenhagen's: A began 16:13 local on the 21st. A alone, on
     * version 1: the columns of version 1 only. */
    csv = export_cli(&rc, "--format", "wide", "--from", "2026-09-21", "--to", "2026-09-21");
    assert_string_equal(
        csv, "\xEF\xBB\xBF" HEAD_V1 OBS_A ";finished;2026-09-21 16:13:20;2026-09-21 16:28:20;15,00;"
             "Hvordan inviterer vi børnene til at tænke højt?;" FOCUS ";1;Åbne spørgsmål;" TMPL
             ";1;Lea Leader;Per Peer;Blue room;"
             "Samling på stuen;1;7;1;2;2;1;2026-09-21 16:30:00;"
             "\"Godt; rolige pauser\";;Wait five seconds.;1;"
             "\"Jeg så det også.\nNæste gang: vente\";;"
             "14;Ude;\"Æbler; pærer\";3;2,00;1;0,67;1;0;90;2;Tydeligt;1;Delvist\r\n");
    free(csv);
    csv = export_cli(&rc, "--format", "wide", "--from", "2026-09-20", "--to", "2026-09-20");
    assert_string_equal(csv, "\xEF\xBB\xBF" HEAD_BASE "\r\n"); /* nothing: no version's columns */
    free(csv);
    /* Another focus: the header alone, with no version's columns. */
    csv = export_cli(&rc, "--format", "wide", "--focus", U.focus, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(csv, "reflection_next_step\r\n"));
    assert_null(strstr(csv, OBS_A));
    free(csv);
    csv = export_cli(&rc, "--format", "wide", "--focus", FOCUS, "--from", "2026-10-01");
    assert_int_equal(rc, 0);
    /* C alone: a draft has no duration and no rates, and counts of 0. */
    assert_string_equal(csv, "\xEF\xBB\xBF" HEAD_V2 OBS_C ";draft;2026-10-05 16:13:20;;;"
                             "Hvordan inviterer vi alle børn til at tænke højt?;" FOCUS
                             ";2;Åbne spørgsmål (ny);" TMPL ";2;Per Peer;Lea Leader;Blue room;'-;"
                             "1;0;0;0;0;0;;;;;0;;;;;;0;;0;;0;0;0;;;;\r\n");
    assert_null(strstr(csv, OBS_A));
    free(csv);
}

static void test_wide_international(void **state)
{
    (void)state;
    int rc;
    char *csv = export_cli(&rc, "--format", "wide", "--csv-style", "intl", "--to", "2026-09-21");
    assert_int_equal(rc, 0);
    /* No mark, ',' between fields, a decimal point; a field with ',' is
     * quoted, one with ';' no longer needs to be. */
    assert_true(!strncmp(csv, "observation_id,status,started_at,", 33));
    assert_null(strstr(csv, "\"level: Den voksne venter; tre sekunder\""));
    assert_non_null(strstr(csv, ",level: Den voksne venter; tre sekunder,"));
    assert_non_null(strstr(csv, ",15.00,"));
    assert_non_null(strstr(csv, ",14,Ude,Æbler; pærer,3,2.00,1,0.67,1,0,90,2,Tydeligt,1,"
                                "Delvist\r\n"));
    assert_non_null(strstr(csv, ",Godt; rolige pauser,,"));
    free(csv);
}

#define HEAD_LONG "observation_id;at;seconds_from_start;kind;key;label;undone;note;sign\r\n"

static void test_long(void **state)
{
    (void)state;
    int rc;
    char *csv = export_cli(&rc, "--format", "long", "--to", "2026-09-21", NULL, NULL);
    assert_int_equal(rc, 0);
    const char *rows[] = {
        OBS_A ";2026-09-21 16:14:20;60,000;count;open_q;Åbent spørgsmål;0;;\r\n",
        OBS_A ";2026-09-21 16:15:00;100,000;note;;;0;\"Barnet sagde: \"\"nej; ikke nu\"\"\nog "
              "gik\";Børnene svarer i hele sætninger\r\n",
        OBS_A ";2026-09-21 16:15:20;120,000;count;open_q;Åbent spørgsmål;0;;\r\n",
        OBS_A ";2026-09-21 16:15:25;125,000;sample;engaged;Optaget;0;;\r\n",
        OBS_A ";2026-09-21 16:16:20;180,000;count;open_q;Åbent spørgsmål;0;;\r\n",
        OBS_A ";2026-09-21 16:16:40;200,000;count;closed_q;Lukket spørgsmål;0;;\r\n",
        OBS_A ";2026-09-21 16:17:20;240,000;count;open_q;Åbent spørgsmål;1;;\r\n",
        OBS_A ";2026-09-21 16:18:20;300,000;state_start;waiting;Venter;0;;\r\n",
        OBS_A ";2026-09-21 16:19:50;390,000;state_stop;waiting;Venter;0;;\r\n",
        OBS_A ";2026-09-21 16:20:00;400,000;note;;;0;'=1+1;\r\n",
    };
    char all[4096];
    size_t len = (size_t)snprintf(all, sizeof all, "\xEF\xBB\xBF" HEAD_LONG);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        len += (size_t)snprintf(all + len, sizeof all - len, "%s", rows[i]);
    if (strcmp(csv, all))
        fail_msg("the long export is\n%s\nnot\n%s", csv, all);
    free(csv);
    /* B's events carry version 2's labels. */
    csv = export_cli(&rc, "--format", "long", "--csv-style", "intl", "--from", "2026-09-22");
    assert_string_equal(
        csv, "observation_id,at,seconds_from_start,kind,key,label,undone,note,sign\r\n" OBS_B
             ",2026-09-22 16:13:50,30.000,count,praise,Ros,0,,\r\n" OBS_B
             ",2026-09-22 16:14:20,60.000,count,praise,Ros,0,,\r\n" OBS_B
             ",2026-09-22 16:14:50,90.000,count,open_q,Åbent spørgsmål,0,,\r\n");
    free(csv);
}

/* Bad input is refused with a sentence, and nothing is written. */
static void test_refused(void **state)
{
    (void)state;
    int rc;
    char *csv = export_cli(&rc, "--format", "wide", "--from", "2026-02-30", NULL, NULL);
    assert_int_equal(rc, 1);
    assert_null(csv);
    csv = export_cli(&rc, "--format", "wide", "--from", "2026-10-01", "--to", "2026-09-01");
    assert_int_equal(rc, 1);
    csv = export_cli(&rc, "--format", "wide", "--focus", "not-an-id", NULL, NULL);
    assert_int_equal(rc, 1);
    csv = export_cli(&rc, "--format", "wide", "--csv-style", "excel", NULL, NULL);
    assert_int_equal(rc, 2);
    csv = export_cli(&rc, "--format", "json", "--from", "2026-09-01", NULL, NULL);
    assert_int_equal(rc, 1);
    srv_export_query q;
    memset(&q, 0, sizeof q);
    snprintf(q.unit, sizeof q.unit, "%s", U.unit);
    q.format = (srv_export_format)7;
    char err[300];
    srv_export *x = (srv_export *)1;
    assert_int_equal(srv_export_open(W.db, &q, &x, err, sizeof err), -1);
    assert_null(x);
    assert_true(strlen(err) > 10);
    srv_export_free(NULL);
    srv_export_format f;
    assert_int_equal(srv_export_format_parse("wide", &f), 0);
    assert_int_equal(f, SRV_EXPORT_WIDE);
    assert_int_equal(srv_export_format_parse("long", &f), 0);
    assert_int_equal(f, SRV_EXPORT_LONG);
    assert_int_equal(srv_export_format_parse("tall", &f), -1);
}

/*
 * Memory: a few thousand observations read in small pieces take many
 * reads, each fetching at most a batch of rows and the writer holding
 * about one row, never the selection.
 */
static void test_memory_bounded(void **state)
{
    (void)state;
    enum { OBS = 2400, PER_PUSH = 200 };
    static model_record a[PER_PUSH];
    for (int k = 0; k < OBS / (PER_PUSH / 2); k++) {
        int n = 0;
        for (int j = 0; j < PER_PUSH / 2; j++) {
            char id[40];
            long long start = T0 + 30 * DAY + (long long)(k * PER_PUSH + j) * 60000;
            snprintf(id, sizeof id, "0d000000-0000-4000-8000-%012d", k * PER_PUSH + j);
            a[n] = obs(id, 2, U.leader, U.peer1, start, 12);
            snprintf(a[n++].u.obs.context_json, sizeof a[0].u.obs.context_json, "{}");
            a[n++] = event(id, start, MODEL_EV_COUNT, "praise", NULL, 30, NULL);
        }
        push(&D, U.leader, a, n);
    }
    for (int format = 0; format < 2; format++) {
        srv_export_query q;
        memset(&q, 0, sizeof q);
        snprintf(q.unit, sizeof q.unit, "%s", U.unit);
        snprintf(q.from, sizeof q.from, "2026-10-20");
        q.format = format ? SRV_EXPORT_LONG : SRV_EXPORT_WIDE;
        srv_export *x;
        char err[300];
        assert_int_equal(srv_export_open(W.db, &q, &x, err, sizeof err), 0);
        char buf[1024];
        long n, calls = 0, bytes = 0, lines = 0;
        while ((n = srv_export_read(x, buf, sizeof buf)) > 0) {
            calls++;
            bytes += n;
            for (long i = 0; i < n; i++)
                lines += buf[i] == '\n';
        }
        assert_int_equal(n, 0);
        assert_int_equal(srv_export_rows(x), OBS);
        assert_int_equal(lines, OBS + 1);
        assert_true(calls >= bytes / (long)sizeof buf);
        assert_true(calls > 100);
        assert_true(srv_export_peak_batch(x) <= 500);
        assert_true(srv_export_peak_bytes(x) < 8 * 1024);
        srv_export_free(x);
        /* The connection is free again: the transaction ended. */
        assert_int_equal(PQtransactionStatus(W.db), PQTRANS_IDLE);

        /* Stopped after the first kilobyte (a browser that goes away),
         * with the next batch asked for and not read: the connection is
         * free as well, and serves the next question. */
        assert_int_equal(srv_export_open(W.db, &q, &x, err, sizeof err), 0);
        for (int i = 0; i < 3; i++)
            assert_true(srv_export_read(x, buf, sizeof buf) > 0);
        assert_true(srv_export_rows(x) > 0 && srv_export_rows(x) < OBS);
        srv_export_free(x);
        assert_int_equal(PQtransactionStatus(W.db), PQTRANS_IDLE);
        PGresult *r = PQexec(W.db, "SELECT count(*) FROM fact_obs");
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        PQclear(r);
    }
}

/* The plan of sql with the database told to avoid reading whole tables
 * wherever it has an index to use instead. */
static char *plan_of(const char *sql)
{
    PGresult *r = PQexec(W.db, "SET enable_seqscan = off");
    PQclear(r);
    static char q[9000];
    snprintf(q, sizeof q, "EXPLAIN %s", sql);
    r = PQexec(W.db, q);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("EXPLAIN failed: %s", PQerrorMessage(W.db));
    size_t len = 0;
    for (int i = 0; i < PQntuples(r); i++)
        len += strlen(PQgetvalue(r, i, 0)) + 1;
    char *plan = calloc(1, len + 1);
    for (int i = 0; i < PQntuples(r); i++) {
        strcat(plan, PQgetvalue(r, i, 0));
        strcat(plan, "\n");
    }
    PQclear(r);
    PQclear(PQexec(W.db, "RESET enable_seqscan"));
    return plan;
}

/*
 * An observation's records are reached through the index on their
 * observation, however the query names it: joined from the figures (the
 * export's events), or as a list of more than a hundred ids (a push's
 * figures). The index once left out reference records, and then neither
 * query could use it: each read the whole table.
 */
static void test_records_by_observation(void **state)
{
    (void)state;
    char *plan = plan_of("SELECT i.data FROM fact_obs f JOIN items i"
                         " ON i.observation_id = f.observation_id WHERE f.unit_id = 'u'");
    if (strstr(plan, "Seq Scan on items"))
        fail_msg("the join reads the whole table:\n%s", plan);
    free(plan);
    static char sql[8000] = "SELECT data FROM items WHERE observation_id = ANY('{";
    for (int i = 0; i < 150; i++)
        snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "%s0e000000-0000-4000-8000-%012d",
                 i ? "," : "", i);
    snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "}'::text[])");
    plan = plan_of(sql);
    if (strstr(plan, "Seq Scan on items"))
        fail_msg("a list of ids reads the whole table:\n%s", plan);
    free(plan);
    /* The planner is told how many records an observation has (schema
     * step 9), since ANALYZE's sample cannot tell on a large server. */
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM pg_attribute WHERE attrelid ="
                                  " 'items'::regclass AND attname = 'observation_id'"
                                  " AND attoptions @> '{n_distinct=-0.025}'"),
                     1);
    /* And that a focus's observations are its unit's (step 10). */
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM pg_statistic_ext"
                                  " WHERE stxname = 'fact_obs_focus_unit'"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_wide_danish),
        cmocka_unit_test(test_wide_period_and_focus),
        cmocka_unit_test(test_wide_international),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_records_by_observation),
    };
    return cmocka_run_group_tests(tests, up, down);
}
