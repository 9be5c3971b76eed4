/*
 * The words of a tablet's life on the wire and in the sync engine, against
 * the real server over TLS on a throwaway PostgreSQL: the name a tablet
 * enrols with; a revoked tablet, one revoked with wipe and one the server
 * does not know, each its own outcome; a server certificate that expired
 * and one made out to another name, each its own outcome and sentence
 * (the certificates are made by openssl from the test's CA); and how the
 * engine waits after each. The screens' names for these outcomes are
 * checked where the build has the screens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lcsupport.h"
#include "tsupport.h"
#ifdef BLIK_LC_UI
#include "i18n.h"
#include "link.h"
#include "scr.h"
#endif

static fx_world W;
static fx_unit U;

static int up(void **state)
{
    (void)state;
    if (fx_up(&W, "blik_lc_wire", NULL) != 0)
        return -1;
    fx_make_unit(&W, "Solsikken", &U);
    return 0;
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

/* The name is optional: absent, it is not on the wire at all; given, it
 * has 1 to 80 characters (not bytes). The spelling of earlier app builds
 * is still read, but not both at once. */
static void test_enrolment_name_on_the_wire(void **state)
{
    (void)state;
    proto_enrol e = {PROTO_SCHEMA, "ABCDE-FGHJK", "Stue 3 \xE2\x80\x93 bl\xC3\xA5"};
    char *s = proto_enrol_encode(&e);
    TSUPPORT_HAS(s, "\"name\":\"Stue 3 \xE2\x80\x93 bl\xC3\xA5\"");
    proto_enrol back;
    proto_err pe;
    assert_int_equal(proto_enrol_decode(s, strlen(s), &back, &pe), 0);
    assert_string_equal(back.name, e.name);
    free(s);
    e.name[0] = 0;
    s = proto_enrol_encode(&e);
    assert_null(strstr(s, "name"));
    assert_int_equal(proto_enrol_decode(s, strlen(s), &back, &pe), 0);
    assert_string_equal(back.name, "");
    free(s);

    const char *old = "{\"schema\":1,\"code\":\"ABCDE\",\"device_name\":\"Gul stue\"}";
    assert_int_equal(proto_enrol_decode(old, strlen(old), &back, &pe), 0);
    assert_string_equal(back.name, "Gul stue");
    const char *both = "{\"schema\":1,\"code\":\"ABCDE\",\"device_name\":\"A\",\"name\":\"B\"}";
    assert_int_equal(proto_enrol_decode(both, strlen(both), &back, &pe), -1);
    assert_int_equal(pe.code, PROTO_E_VALUE);
    const char *empty = "{\"schema\":1,\"code\":\"ABCDE\",\"name\":\"  \"}";
    assert_int_equal(proto_enrol_decode(empty, strlen(empty), &back, &pe), -1);
    assert_int_equal(pe.code, PROTO_E_VALUE);

    /* 80 characters of two bytes each fit; 81 do not. */
    char body[600], name[200];
    size_t n = 0;
    for (int i = 0; i < 80; i++)
        n += (size_t)snprintf(name + n, sizeof name - n, "\xC3\xA5");
    snprintf(body, sizeof body, "{\"schema\":1,\"code\":\"ABCDE\",\"name\":\"%s\"}", name);
    assert_int_equal(proto_enrol_decode(body, strlen(body), &back, &pe), 0);
    snprintf(body, sizeof body, "{\"schema\":1,\"code\":\"ABCDE\",\"name\":\"%sx\"}", name);
    assert_int_equal(proto_enrol_decode(body, strlen(body), &back, &pe), -1);
    TSUPPORT_HAS(pe.msg, "80 characters");

    /* The new error code. */
    assert_string_equal(proto_code_name(PROTO_E_WIPED), "device_wiped");
    assert_int_equal(proto_code_http(PROTO_E_WIPED), 401);
    assert_int_equal(proto_code_parse("device_wiped"), PROTO_E_WIPED);
    assert_int_equal(proto_code_parse("device_revoked"), PROTO_E_REVOKED);
}

/* The tablet's name reaches the server; a name that is too long or two
 * lines is refused on the tablet before anything is sent. */
static void test_name_reaches_the_server(void **state)
{
    (void)state;
    tablet t;
    tab_open(&t, "lc_name", NULL);
    char code[40], *ca = tsupport_read_file(W.srv.ca);
    assert_int_equal(fx_admin(&W, code, sizeof code, NULL, "enrol-code", "--unit", U.unit, NULL),
                     0);
    char long_name[100];
    memset(long_name, 'x', 81);
    long_name[81] = 0;
    sync_enrolment e = {W.srv.url, code, long_name, ca, NULL};
    assert_int_equal(sync_enrol(t.c, &e), SYNC_INVALID);
    TSUPPORT_HAS(sync_errmsg(t.c), "80 characters");
    e.device_name = "Stue 3\nbl\xC3\xA5";
    assert_int_equal(sync_enrol(t.c, &e), SYNC_INVALID);
    assert_false(sync_enrolled(t.c));
    e.device_name = "Stue 3 \xE2\x80\x93 bl\xC3\xA5";
    assert_int_equal(sync_enrol(t.c, &e), SYNC_OK);
    db_enrolment en;
    assert_int_equal(db_enrolment_get(t.d, &en), DB_OK);
    char q[300];
    snprintf(
        q, sizeof q,
        "SELECT count(*) FROM devices WHERE id = '%s' AND name = 'Stue 3 \xE2\x80\x93 bl\xC3\xA5'",
        en.device_id);
    assert_int_equal(fx_count(&W, q), 1);
    /* Without a name, the tablet enrols all the same. */
    tablet u;
    tab_open(&u, "lc_noname", NULL);
    assert_int_equal(fx_admin(&W, code, sizeof code, NULL, "enrol-code", "--unit", U.unit, NULL),
                     0);
    sync_enrolment e2 = {W.srv.url, code, NULL, ca, NULL};
    assert_int_equal(sync_enrol(u.c, &e2), SYNC_OK);
    assert_int_equal(db_enrolment_get(u.d, &en), DB_OK);
    snprintf(q, sizeof q, "SELECT count(*) FROM devices WHERE id = '%s' AND name = ''",
             en.device_id);
    assert_int_equal(fx_count(&W, q), 1);
    free(ca);
    tab_close(&t);
    tab_close(&u);
}

static void device_of(tablet *t, model_id out)
{
    db_enrolment en;
    assert_int_equal(db_enrolment_get(t->d, &en), DB_OK);
    assert_true(strlen(en.device_id) < sizeof(model_id));
    memcpy(out, en.device_id, strlen(en.device_id) + 1);
}

/* Revoked, revoked with wipe, and unknown are three outcomes with three
 * sentences; none of them sends a thing, and the outbox stays. */
static void test_revoked_wiped_and_unknown(void **state)
{
    (void)state;
    tablet a, b, c;
    tab_open(&a, "lc_rev_a", NULL);
    tab_open(&b, "lc_rev_b", NULL);
    tab_open(&c, "lc_rev_c", NULL);
    tab_enrol(&a, &W, U.unit, NULL);
    tab_enrol(&b, &W, U.unit, NULL);
    tab_enrol(&c, &W, U.unit, NULL);
    tab_sync_ok(&a, NULL);
    model_id da, db_, dc, obs;
    device_of(&a, da);
    device_of(&b, db_);
    device_of(&c, dc);
    tab_observe(&a, &U, U.peer1, U.peer2, 3, 1, obs);
    long long waiting = tab_counts(&a).waiting;
    assert_true(waiting > 0);

    char out[200];
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "device-revoke", "--device", da, NULL), 0);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "device-revoke", "--device", db_, "--wipe", NULL), 0);
    TSUPPORT_HAS(out, "erases its data");
    /* The third tablet is one the server no longer knows at all. */
    char q[200];
    snprintf(q, sizeof q, "DELETE FROM devices WHERE id = '%s'", dc);
    PGresult *r = PQexec(W.db, q);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);

    assert_int_equal(sync_round(a.c, NULL), SYNC_REVOKED);
    TSUPPORT_HAS(sync_errmsg(a.c), "revoked");
    TSUPPORT_HAS(sync_errmsg(a.c), "Enrol it again");
    assert_int_equal(tab_counts(&a).waiting, waiting); /* nothing lost, nothing sent */
    assert_int_equal(sync_round(b.c, NULL), SYNC_WIPED);
    TSUPPORT_HAS(sync_errmsg(b.c), "erased");
    assert_int_equal(sync_round(c.c, NULL), SYNC_UNAUTHORIZED);
    TSUPPORT_HAS(sync_errmsg(c.c), "not known");
    /* Three different sentences for people, too. */
    assert_string_not_equal(sync_rc_text(SYNC_REVOKED), sync_rc_text(SYNC_WIPED));
    assert_string_not_equal(sync_rc_text(SYNC_REVOKED), sync_rc_text(SYNC_UNAUTHORIZED));
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE observation_id = '%s'", obs);
    assert_int_equal(fx_count(&W, q), 0);

    /* A wipe asked for after a revocation reaches the revoked tablet, and a
     * later revocation without --wipe does not take the wipe back. */
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "device-revoke", "--device", da, "--wipe", NULL), 0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "device-revoke", "--device", da, NULL), 0);
    assert_int_equal(sync_round(a.c, NULL), SYNC_WIPED);
    /* --wipe takes no value; an unknown device is refused. */
    int rc;
    free(fx_admin_all(&W, &rc, "device-revoke", "--device", da, "--wipe=yes", NULL));
    assert_int_equal(rc, 2);
    free(fx_admin_all(&W, &rc, "device-revoke", "--device", "00000000-0000-4000-8000-000000000000",
                      "--wipe", NULL));
    assert_int_equal(rc, 1);
    tab_close(&a);
    tab_close(&b);
    tab_close(&c);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static sync_status wait_rounds(sync_engine *e, int64_t rounds)
{
    sync_status st;
    for (int i = 0; i < 200; i++) {
        sync_engine_status(e, &st);
        if (st.rounds >= rounds && !st.running)
            return st;
        usleep(50 * 1000);
    }
    fail_msg("the engine ran %lld rounds, not %lld", (long long)st.rounds, (long long)rounds);
    return st;
}

/* A revoked tablet no longer knocks every few seconds: it asks again at
 * the longest wait only (so that a wipe still reaches it). A wiped one
 * never runs another round, not even on "sync now". */
static void test_engine_waits_after_revocation(void **state)
{
    (void)state;
    tablet a;
    tab_open(&a, "lc_engine", NULL);
    tab_enrol(&a, &W, U.unit, NULL);
    model_id dev;
    device_of(&a, dev);
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "device-revoke", "--device", dev, NULL), 0);
    sync_config cfg = {0};
    cfg.db_path = a.path;
    cfg.backoff_min_ms = 100;
    cfg.backoff_max_ms = 60000;
    cfg.poll_ms = 50;
    sync_engine *e = NULL;
    char err[200];
    assert_int_equal(sync_engine_start(&cfg, &e, err, sizeof err), SYNC_OK);
    sync_status st = wait_rounds(e, 1);
    assert_int_equal(st.rc, SYNC_REVOKED);
    assert_true(st.next_try_ms - now_ms() > 50000);
    usleep(500 * 1000);
    sync_engine_status(e, &st);
    assert_int_equal(st.rounds, 1);

    /* Now with wipe: "sync now" asks once more and learns it; after that,
     * nothing more. */
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "device-revoke", "--device", dev, "--wipe", NULL),
                     0);
    sync_engine_now(e);
    st = wait_rounds(e, 2);
    assert_int_equal(st.rc, SYNC_WIPED);
    sync_engine_now(e);
    usleep(500 * 1000);
    sync_engine_status(e, &st);
    assert_int_equal(st.rounds, 2);
    sync_engine_stop(e);
    tab_close(&a);
}

/* An expired certificate and one for another name, both from the trusted
 * CA, each get their own outcome and sentence, at enrolment and in a
 * round; an untrusted one stays "not trusted". Nothing is sent. */
static void test_certificate_expired_or_for_another_name(void **state)
{
    (void)state;
    char exp_dir[600], name_dir[600];
    lc_make_cert(&W, "expired", "IP:127.0.0.1,DNS:localhost", 0, exp_dir, sizeof exp_dir);
    lc_make_cert(&W, "othername", "DNS:blik.example.org", 2, name_dir, sizeof name_dir);
    sleep(2); /* "valid for 0 days" ends the second it was made */
    tsrv se, sn;
    lc_server_with(&W, exp_dir, &se);
    lc_server_with(&W, name_dir, &sn);

    tablet t;
    tab_open(&t, "lc_cert", NULL);
    char code[40], *ca = tsupport_read_file(W.srv.ca);
    assert_int_equal(fx_admin(&W, code, sizeof code, NULL, "enrol-code", "--unit", U.unit, NULL),
                     0);
    sync_enrolment e = {se.url, code, "Stue 3", ca, NULL};
    int erc = sync_enrol(t.c, &e);
    if (erc != SYNC_TLS_EXPIRED)
        fprintf(stderr, "%s\n", sync_errmsg(t.c));
    assert_int_equal(erc, SYNC_TLS_EXPIRED);
    TSUPPORT_HAS(sync_errmsg(t.c), "expired");
    e.server_url = sn.url;
    erc = sync_enrol(t.c, &e);
    if (erc != SYNC_TLS_NAME)
        fprintf(stderr, "%s\n", sync_errmsg(t.c));
    assert_int_equal(erc, SYNC_TLS_NAME);
    TSUPPORT_HAS(sync_errmsg(t.c), "another address");
    assert_false(sync_enrolled(t.c));
    /* The code was never sent, so it still enrols on the right server. */
    e.server_url = W.srv.url;
    assert_int_equal(sync_enrol(t.c, &e), SYNC_OK);

    /* A round against each, the same tablet's enrolment pointed there, as
     * when the server's certificate is replaced by a bad one. */
    model_id obs;
    tab_sync_ok(&t, NULL);
    db_enrolment en;
    assert_int_equal(db_enrolment_get(t.d, &en), DB_OK);
    snprintf(en.server_url, sizeof en.server_url, "%s", se.url);
    assert_int_equal(db_enrolment_put(t.d, &en, ca), DB_OK);
    tab_observe(&t, &U, U.peer1, U.peer2, 2, 0, obs);
    long long waiting = tab_counts(&t).waiting;
    assert_int_equal(sync_round(t.c, NULL), SYNC_TLS_EXPIRED);
    snprintf(en.server_url, sizeof en.server_url, "%s", sn.url);
    assert_int_equal(db_enrolment_put(t.d, &en, ca), DB_OK);
    assert_int_equal(sync_round(t.c, NULL), SYNC_TLS_NAME);
    assert_int_equal(tab_counts(&t).waiting, waiting);
    assert_string_not_equal(sync_rc_text(SYNC_TLS_EXPIRED), sync_rc_text(SYNC_TLS));
    assert_string_not_equal(sync_rc_text(SYNC_TLS_NAME), sync_rc_text(SYNC_TLS));
    /* A CA the tablet does not trust is still that, not one of these. */
    char other[600];
    snprintf(other, sizeof other, "%s/otherca", W.dir);
    char err[300];
    assert_int_equal(mkdir(other, 0755), 0);
    assert_int_equal(tca_make(other, err, sizeof err), 0);
    strcat(other, "/ca.pem");
    char *foreign = tsupport_read_file(other);
    snprintf(en.server_url, sizeof en.server_url, "%s", W.srv.url);
    assert_int_equal(db_enrolment_put(t.d, &en, foreign), DB_OK);
    assert_int_equal(sync_round(t.c, NULL), SYNC_TLS);
    free(foreign);
    free(ca);
    tab_close(&t);
    assert_int_equal(tsrv_stop(&se), 0);
    assert_int_equal(tsrv_stop(&sn), 0);

    /* The server says so at start: expired, or expiring within 30 days;
     * a certificate good for longer gets no word. */
    char *log = tsupport_read_file(se.log);
    TSUPPORT_HAS(log, "warning: the TLS certificate");
    TSUPPORT_HAS(log, "expired on");
    free(log);
    log = tsupport_read_file(sn.log);
    TSUPPORT_HAS(log, "expires on");
    TSUPPORT_HAS(log, "in 1 day;");
    free(log);
    char long_dir[600];
    tsrv sl;
    lc_make_cert(&W, "longlived", "IP:127.0.0.1", 40, long_dir, sizeof long_dir);
    lc_server_with(&W, long_dir, &sl);
    assert_int_equal(tsrv_stop(&sl), 0);
    log = tsupport_read_file(sl.log);
    TSUPPORT_HAS(log, "serving HTTPS");
    assert_null(strstr(log, "warning"));
    free(log);
}

#ifdef BLIK_LC_UI
/* The screens name each outcome in its own words, in both languages. */
static void test_screens_name_each_outcome(void **state)
{
    (void)state;
    assert_int_equal(link_sync_problem(SYNC_REVOKED), SCR_SYNC_REVOKED);
    assert_int_equal(link_sync_problem(SYNC_WIPED), SCR_SYNC_WIPED);
    assert_int_equal(link_sync_problem(SYNC_TLS_EXPIRED), SCR_SYNC_CERT_EXPIRED);
    assert_int_equal(link_sync_problem(SYNC_TLS_NAME), SCR_SYNC_CERT_NAME);
    assert_int_equal(link_sync_problem(SYNC_UNAUTHORIZED), SCR_SYNC_UNAUTHORIZED);
    assert_int_equal(link_sync_problem(SYNC_TLS), SCR_SYNC_TLS);
    assert_int_equal(link_enrol_outcome(SYNC_TLS_EXPIRED), SCR_ENROL_CERT_EXPIRED);
    assert_int_equal(link_enrol_outcome(SYNC_TLS_NAME), SCR_ENROL_CERT_NAME);

    i18n *da = NULL;
    char path[600], err[200];
    snprintf(path, sizeof path, "%s/da.po", BLIK_PO_DIR);
    assert_int_equal(i18n_load(path, &da, err, sizeof err), 0);
    const scr_sync_problem ps[] = {SCR_SYNC_TLS,   SCR_SYNC_UNAUTHORIZED, SCR_SYNC_REVOKED,
                                   SCR_SYNC_WIPED, SCR_SYNC_CERT_EXPIRED, SCR_SYNC_CERT_NAME};
    const char *want_en[] = {"Wrong certificate",           "Tablet not accepted: enrol again",
                             "Tablet revoked: enrol again", "Tablet revoked and erased",
                             "Server certificate expired",  "Certificate for another server"};
    const char *want_da[] = {"Forkert certifikat",         "ikke godkendt",
                             "tilbagekaldt: tilmeld igen", "tilbagekaldt og slettet",
                             "certifikat er udløbet",      "en anden server"};
    db_sync_counts c = {0};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        scr_sync_state st = {1, 0, ps[i], 1, 0};
        char text[200];
        assert_int_equal(scr_sync_chip_text(NULL, &c, &st, text, sizeof text), SCR_CHIP_PROBLEM);
        assert_string_equal(text, want_en[i]);
        scr_sync_chip_text(da, &c, &st, text, sizeof text);
        TSUPPORT_HAS(text, want_da[i]);
    }
    i18n_free(da);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enrolment_name_on_the_wire),
        cmocka_unit_test(test_name_reaches_the_server),
        cmocka_unit_test(test_revoked_wiped_and_unknown),
        cmocka_unit_test(test_engine_waits_after_revocation),
        cmocka_unit_test(test_certificate_expired_or_for_another_name),
#ifdef BLIK_LC_UI
        cmocka_unit_test(test_screens_name_each_outcome),
#endif
    };
    return cmocka_run_group_tests(tests, up, down);
}
