/*
 * The office's exports: the page explains both files and offers the form
 * to a unit's leader only; the two downloads stream the exact CSV of a
 * known observation pushed as a tablet pushes it (Danish form: the byte
 * order mark, ';', the decimal comma, a note with ';', '"' and a line
 * break, æøå), with a Danish file name, each written to the audit log;
 * and every other reader is refused before anything is read: another
 * unit's leader, an area leader and an administrator (the files name the
 * people observed and hold their words), a peer, a visitor, a forged
 * unit, another unit's focus, bad dates. A large export streams whole. An
 * observation about a team names the team in the observee's column.
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

#include "offtest.h"
#include "srv_ref.h"

static ot_world W;
static fx_unit A, B;
static ot_account LEAD, PEER, OTHER, AREA, ADMIN;
static char SIGN[MODEL_UUID_LEN + 1];

#define OBS "0e000000-0000-4000-8000-0000000000e1"

/* ---- a tablet of unit A, in-process ---- */

static char authz[200];

static void call(const char *path, const char *body, srv_response *a)
{
    srv_request rq = {.method = "POST",
                      .path = path,
                      .authorization = authz[0] ? authz : NULL,
                      .address = "127.0.0.1",
                      .body = body,
                      .len = strlen(body)};
    srv_handle(W.s, &rq, a);
}

static void enrol(const char *unit)
{
    char code[40], body[200];
    assert_int_equal(fx_admin(&W.fx, code, sizeof code, NULL, "enrol-code", "--unit", unit, NULL),
                     0);
    snprintf(body, sizeof body, "{\"schema\":1,\"code\":\"%s\",\"device_name\":\"Stuen\"}", code);
    srv_response a;
    authz[0] = 0;
    call("/v1/enrol", body, &a);
    assert_int_equal(a.status, 200);
    proto_enrol_reply rep;
    proto_err pe;
    assert_int_equal(proto_enrol_reply_decode(a.body, strlen(a.body), &rep, &pe), 0);
    snprintf(authz, sizeof authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
    free(a.body);
}

static void push(const proto_change *c, int n)
{
    char *body = fx_push_body(c, n);
    srv_response a;
    call("/v1/push", body, &a);
    free(body);
    if (a.status != 200)
        fail_msg("push: %d %s", a.status, a.body);
    proto_push_reply rep;
    proto_err pe;
    assert_int_equal(proto_push_reply_decode(a.body, strlen(a.body), &rep, &pe), 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(rep.results[i].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    free(a.body);
}

static model_record count_event(const char *obs, long long at)
{
    model_record r;
    memset(&r, 0, sizeof r);
    r.entity = MODEL_ENT_EVENT;
    assert_int_equal(model_id_new(plat_sys_os(), r.u.event.id), 0);
    snprintf(r.u.event.observation_id, sizeof(model_id), "%s", obs);
    r.u.event.kind = MODEL_EV_COUNT;
    snprintf(r.u.event.key, sizeof r.u.event.key, "open_q");
    r.u.event.at = at;
    return r;
}

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_export");
    fx_make_unit(&W.fx, "Børnehuset Solsikken", &A);
    fx_make_unit(&W.fx, "Mælkebøtten", &B);
    const char *units_a[] = {A.unit, NULL};
    ot_account_make(&W, "leader", "Lea Leder", A.leader, NULL, &LEAD);
    ot_account_make(&W, "peer", "Per Kollega", A.peer1, NULL, &PEER);
    ot_account_make(&W, "leader", "Olga Anden", B.leader, NULL, &OTHER);
    ot_account_make(&W, "area", "Arne Område", NULL, units_a, &AREA);
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &ADMIN);
    srv_ref_focus f;
    char err[SRV_REF_ERR_MAX];
    assert_int_equal(srv_ref_focus_get(W.fx.db, A.focus, 1, &f, err, sizeof err), SRV_REF_OK);
    snprintf(SIGN, sizeof SIGN, "%s", f.focus.signs[0].id);

    /* One observation of unit A: two taps, a note with ';', '"' and a
     * line break, a rating, feedback given and a reflection. */
    enrol(A.unit);
    static model_record r[7];
    fx_obs(&A, A.peer1, A.peer2, &r[0]);
    snprintf(r[0].u.obs.id, sizeof r[0].u.obs.id, OBS);
    r[1] = count_event(OBS, 1790000060000);
    r[2] = count_event(OBS, 1790000200000);
    fx_note(OBS, "Hun sagde: \"nej; ikke nu\"\nÆblet røg", &r[3]);
    snprintf(r[3].u.note.sign_id, sizeof(model_id), "%s", SIGN);
    memset(&r[4], 0, sizeof r[4]);
    r[4].entity = MODEL_ENT_RATING;
    snprintf(r[4].u.rating.observation_id, sizeof(model_id), OBS);
    snprintf(r[4].u.rating.sign_id, sizeof(model_id), "%s", SIGN);
    r[4].u.rating.level = 1;
    r[4].u.rating.at = 1790000800000;
    fx_feedback(OBS, A.peer1, "Godt; rolige pauser", &r[5]);
    r[5].u.feedback.given_at = 1790001000000;
    fx_reflection(OBS, A.peer2, "Æbler\nog pærer", &r[6]);
    static proto_change c[7];
    for (int i = 0; i < 7; i++)
        fx_change(&c[i], i == 6 ? A.peer2 : A.peer1, 0, &r[i]);
    push(c, 7);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

static long long audits(const char *action)
{
    char q[300];
    snprintf(q, sizeof q, "SELECT count(*) FROM audit_log WHERE action = '%s'", action);
    return fx_count(&W.fx, q);
}

static void today(char out[16])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* ---- the tests ---- */

static void test_page(void **state)
{
    (void)state;
    ot_resp r;
    ot_get(&W, LEAD.cookie, "/exports", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "<h1>Eksportér observationer</h1>"));
    assert_true(ot_has(&r, "Én række pr. observation"));
    assert_true(ot_has(&r, "Én række pr. hændelse eller note"));
    assert_true(ot_has(&r, "apostrof"));
    assert_true(ot_has(&r, "<form method=\"get\" action=\"/exports/observations.csv\">"));
    assert_true(ot_has(&r, "formaction=\"/exports/events.csv\""));
    assert_true(ot_has(&r, "How do we ask open questions?")); /* the unit's focus to choose */
    assert_true(ot_has(&r, "aria-current=\"page\">Eksport<"));
    ot_free(&r);
    /* In English. */
    ot_get(&W, LEAD.cookie, "/exports?lang=en", &r);
    assert_true(ot_has(&r, "<h1>Export observations</h1>"));
    ot_free(&r);
    ot_get(&W, LEAD.cookie, "/exports?lang=da", &r);
    ot_free(&r);
    /* An area leader and an administrator read why, and get no form. */
    const ot_account *readers[] = {&AREA, &ADMIN};
    for (int i = 0; i < 2; i++) {
        ot_get(&W, readers[i]->cookie, "/exports", &r);
        assert_int_equal(r.status, 200);
        assert_true(ot_has(&r, "Kun enhedens ledere kan eksportere"));
        assert_false(ot_has(&r, "/exports/observations.csv"));
        ot_free(&r);
    }
    ot_get(&W, PEER.cookie, "/exports", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    ot_get(&W, NULL, "/exports", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
}

#define HEAD_WIDE                                                                                  \
    "observation_id;status;started_at;ended_at;duration_min;focus;focus_id;focus_version;"         \
    "template;template_id;template_version;observer;observee;room;activity;revision;events;"       \
    "events_undone;notes;ratings;feedback_given;feedback_given_at;feedback_works;"                 \
    "feedback_wonderings;feedback_next_step;reflection_written;reflection;reflection_next_step;"   \
    "count_open_q;rate_open_q;level: Children answer in sentences;"                                \
    "word: Children answer in sentences\r\n"

static void test_observations_csv(void **state)
{
    (void)state;
    long long before = audits("export.observations");
    ot_resp r;
    char path[200], want[3000], disp[200], day[16];
    snprintf(path, sizeof path, "/exports/observations.csv?unit=%s&focus=&from=&to=&style=da",
             A.unit);
    ot_get(&W, LEAD.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    today(day);
    snprintf(disp, sizeof disp,
             "attachment; filename=\"blik-observationer-boernehuset-solsikken-%s.csv\"", day);
    assert_string_equal(ot_header(&r, "Content-Disposition"), disp);
    snprintf(want, sizeof want,
             "\xEF\xBB\xBF" HEAD_WIDE OBS ";finished;2026-09-21 16:13:20;2026-09-21 16:28:20;15,00;"
             "How do we ask open questions?;%s;1;Questions;%s;1;Per Peer;Pia Peer;Blue room;"
             "Circle time;1;2;0;1;1;1;2026-09-21 16:30:00;\"Godt; rolige pauser\";;"
             "Wait five seconds.;1;\"Æbler\nog pærer\";;2;1,33;1;partly\r\n",
             A.focus, A.tmpl);
    if (strcmp(r.body, want))
        fail_msg("the file is\n%s\nnot\n%s", r.body, want);
    assert_int_equal(r.len, strlen(want));
    ot_free(&r);
    assert_int_equal(audits("export.observations"), before + 1);
    assert_int_equal(fx_count(&W.fx,
                              "SELECT count(*) FROM audit_log WHERE action ="
                              " 'export.observations' AND detail LIKE 'format=wide style=da%'"),
                     before + 1);
    /* A leader needs no ?unit=; the international form and a period. */
    ot_get(&W, LEAD.cookie, "/exports/observations.csv?style=intl&from=2026-09-01&to=2026-09-30",
           &r);
    assert_int_equal(r.status, 200);
    snprintf(disp, sizeof disp,
             "attachment; filename=\"blik-observationer-boernehuset-solsikken-2026-09-01-"
             "2026-09-30.csv\"");
    assert_string_equal(ot_header(&r, "Content-Disposition"), disp);
    assert_true(!strncmp(r.body, "observation_id,status,", 22));
    assert_true(ot_has(&r, ",15.00,"));
    assert_true(ot_has(&r, ",Godt; rolige pauser,"));
    ot_free(&r);
    /* A period without it: the header alone. */
    ot_get(&W, LEAD.cookie, "/exports/observations.csv?from=2026-10-01", &r);
    assert_int_equal(r.status, 200);
    assert_false(ot_has(&r, OBS));
    assert_true(ot_has(&r, "reflection_next_step\r\n"));
    ot_free(&r);
}

static void test_events_csv(void **state)
{
    (void)state;
    long long before = audits("export.events");
    ot_resp r;
    char path[200], want[2000], day[16], disp[200];
    snprintf(path, sizeof path, "/exports/events.csv?unit=%s&focus=%s", A.unit, A.focus);
    ot_get(&W, LEAD.cookie, path, &r);
    assert_int_equal(r.status, 200);
    today(day);
    snprintf(disp, sizeof disp,
             "attachment; filename=\"blik-haendelser-boernehuset-solsikken-%s.csv\"", day);
    assert_string_equal(ot_header(&r, "Content-Disposition"), disp);
    snprintf(want, sizeof want,
             "\xEF\xBB\xBF"
             "observation_id;at;seconds_from_start;kind;key;label;undone;note;sign\r\n" OBS
             ";2026-09-21 16:14:20;60,000;count;open_q;Open question;0;;\r\n" OBS
             ";2026-09-21 16:15:00;100,000;note;;;0;\"Hun sagde: \"\"nej; ikke nu\"\"\n"
             "Æblet røg\";Children answer in sentences\r\n" OBS
             ";2026-09-21 16:16:40;200,000;count;open_q;Open question;0;;\r\n");
    if (strcmp(r.body, want))
        fail_msg("the file is\n%s\nnot\n%s", r.body, want);
    ot_free(&r);
    assert_int_equal(audits("export.events"), before + 1);
    /* A HEAD is told the file's headers; nothing is read or audited. */
    srv_web_request rq = {.method = "HEAD",
                          .path = "/exports/events.csv",
                          .cookie = LEAD.cookie,
                          .address = "127.0.0.1",
                          .host = "office.test:8443"};
    srv_web_response out;
    assert_int_equal(srv_web_handle(W.s, &rq, &out), 200);
    assert_non_null(strstr(ot_header(&out, "Content-Disposition"), "blik-haendelser-"));
    assert_int_equal(out.len, 0);
    free(out.body);
    assert_int_equal(audits("export.events"), before + 1);
}

/* Everyone but the unit's leader is refused before anything is read or
 * audited, and learns nothing of unit A. */
static void test_refused(void **state)
{
    (void)state;
    long long before = audits("export.observations") + audits("export.events");
    char path[300];
    ot_resp r;
    static const char *const files[] = {"observations", "events"};
    const ot_account *who[] = {&OTHER, &AREA, &ADMIN, &PEER};
    for (int f = 0; f < 2; f++)
        for (int i = 0; i < 4; i++) {
            snprintf(path, sizeof path, "/exports/%s.csv?unit=%s", files[f], A.unit);
            ot_get(&W, who[i]->cookie, path, &r);
            assert_int_equal(r.status, 403);
            assert_false(ot_has(&r, "Hun sagde"));
            assert_false(ot_has(&r, OBS));
            assert_null(r.produce);
            ot_free(&r);
        }
    /* Another unit's leader without ?unit= gets their own unit's file,
     * which holds nothing of A. */
    ot_get(&W, OTHER.cookie, "/exports/events.csv", &r);
    assert_int_equal(r.status, 200);
    assert_false(ot_has(&r, OBS));
    ot_free(&r);
    before++;
    /* A visitor is sent to sign in. */
    snprintf(path, sizeof path, "/exports/observations.csv?unit=%s", A.unit);
    ot_get(&W, NULL, path, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    /* A's leader: a unit that is not theirs (or none at all), another
     * unit's focus, bad dates and forms. */
    const char *bad[][2] = {
        {"unit=00000000-0000-4000-8000-000000000000", "403"},
        {"unit=%3Cscript%3E", "403"},
        {"focus=B", "404"},
        {"focus=not-an-id", "404"},
        {"from=2026-02-30", "400"},
        {"from=2026-10-01&to=2026-09-01", "400"},
        {"from=yesterday", "400"},
        {"style=excel", "400"},
        {"to=2026-09-300000000000", "400"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!strcmp(bad[i][0], "focus=B"))
            snprintf(path, sizeof path, "/exports/observations.csv?focus=%s", B.focus);
        else
            snprintf(path, sizeof path, "/exports/observations.csv?%s", bad[i][0]);
        ot_get(&W, LEAD.cookie, path, &r);
        if (r.status != atoi(bad[i][1]))
            fail_msg("%s: %d, not %s", path, r.status, bad[i][1]);
        assert_false(ot_has(&r, "observation_id"));
        ot_free(&r);
    }
    assert_int_equal(audits("export.observations") + audits("export.events"), before);
}

/* While the server streams all the downloads it lets run at once, one more
 * is asked to wait: 503 with a time to come back, in words, nothing read
 * and nothing audited; a HEAD still answers. */
static void test_busy(void **state)
{
    (void)state;
    long long before = audits("export.observations") + audits("export.events");
    char q[100];
    snprintf(q, sizeof q, "unit=%s", A.unit);
    static const char *const paths[] = {"/exports/observations.csv", "/exports/events.csv"};
    for (int i = 0; i < 2; i++) {
        srv_web_request rq = {.method = "GET",
                              .path = paths[i],
                              .query = q,
                              .cookie = LEAD.cookie,
                              .host = "office.test:8443",
                              .address = "127.0.0.1",
                              .body = "",
                              .streams_full = 1};
        ot_resp r;
        srv_web_handle(W.s, &rq, &r);
        assert_int_equal(r.status, 503);
        assert_string_equal(ot_header(&r, "Retry-After"), "60");
        assert_true(ot_has(&r, "Der hentes andre udtræk lige nu"));
        assert_null(r.produce);
        assert_false(ot_has(&r, "observation_id"));
        ot_free(&r);
        rq.method = "HEAD";
        srv_web_handle(W.s, &rq, &r);
        assert_int_equal(r.status, 200);
        ot_free(&r);
    }
    assert_int_equal(audits("export.observations") + audits("export.events"), before);
}

/* A thousand more observations stream whole through many chunks: every
 * row there, each once, in time order. */
static void test_large(void **state)
{
    (void)state;
    enum { N = 1000, PER_PUSH = 500 };
    static proto_change c[PER_PUSH];
    for (int k = 0; k < N / PER_PUSH; k++) {
        for (int i = 0; i < PER_PUSH; i++) {
            model_record o;
            fx_obs(&A, A.peer1, A.peer2, &o);
            snprintf(o.u.obs.id, sizeof o.u.obs.id, "0f000000-0000-4000-8000-%012d",
                     k * PER_PUSH + i);
            o.u.obs.started_at = 1800000000000LL + (k * PER_PUSH + i) * 3600000LL;
            o.u.obs.ended_at = o.u.obs.started_at + 600000;
            snprintf(o.u.obs.activity, sizeof o.u.obs.activity, "Leg nr. %d; ude",
                     k * PER_PUSH + i);
            fx_change(&c[i], A.peer1, 0, &o);
        }
        push(c, PER_PUSH);
    }
    ot_resp r;
    ot_get(&W, LEAD.cookie, "/exports/observations.csv?from=2027-01-01", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.len > 200 * 1024); /* many of the stream's 16 KiB chunks */
    int lines = 0;
    for (size_t i = 0; i < r.len; i++)
        lines += r.body[i] == '\n';
    assert_int_equal(lines, N + 1);
    const char *prev = r.body;
    for (int i = 0; i < N; i++) {
        char id[64];
        snprintf(id, sizeof id, "\n0f000000-0000-4000-8000-%012d;", i);
        const char *at = strstr(prev, id);
        if (!at)
            fail_msg("row %d is missing or out of order", i);
        prev = at + 1;
    }
    assert_true(ot_has(&r, ";\"Leg nr. 999; ude\";"));
    ot_free(&r);
}

static void test_team_observation(void **state)
{
    (void)state;
    model_record o;
    fx_obs(&A, A.peer1, A.peer2, &o);
    snprintf(o.u.obs.id, sizeof o.u.obs.id, "0e000000-0000-4000-8000-0000000000e2");
    o.u.obs.observee_id[0] = '\0';
    snprintf(o.u.obs.team, sizeof o.u.obs.team, "Morgenholdet");
    o.u.obs.started_at = 1830000000000LL; /* 2027-12-27, after every other */
    o.u.obs.ended_at = o.u.obs.started_at + 600000;
    proto_change c;
    fx_change(&c, A.peer1, 0, &o);
    push(&c, 1);
    ot_resp r;
    ot_get(&W, LEAD.cookie, "/exports/observations.csv?from=2027-12-27", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "\n0e000000-0000-4000-8000-0000000000e2;finished;"));
    assert_true(ot_has(&r, ";Per Peer;team: Morgenholdet;Blue room;"));
    ot_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_observations_csv),
        cmocka_unit_test(test_events_csv),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_busy),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_team_observation),
    };
    return cmocka_run_group_tests(tests, up, down);
}
