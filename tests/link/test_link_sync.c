/*
 * The link between the screens and sync (app/link): every outcome of the
 * sync engine has its words on the chip and in the enrolment form, and an
 * enrolment started through the screens' hooks runs off their thread and
 * ends with the outcome sync_enrol gave, typed, not guessed from the
 * address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "db_sync.h"
#include "link.h"
#include "sync.h"
#include "tsupport.h"

/* What each sync outcome means to the chip and to the enrolment form. */
static void test_outcome_mapping(void **state)
{
    (void)state;
    static const struct {
        sync_rc rc;
        scr_sync_problem problem;
        scr_enrol_outcome enrol;
    } want[] = {
        {SYNC_OK, SCR_SYNC_FINE, SCR_ENROL_OK},
        {SYNC_INVALID, SCR_SYNC_OTHER, SCR_ENROL_FAILED},
        {SYNC_NOT_ENROLLED, SCR_SYNC_FINE, SCR_ENROL_FAILED},
        {SYNC_OFFLINE, SCR_SYNC_OFFLINE, SCR_ENROL_UNREACHABLE},
        {SYNC_UNREACHABLE, SCR_SYNC_UNREACHABLE, SCR_ENROL_UNREACHABLE},
        {SYNC_CAPTIVE, SCR_SYNC_CAPTIVE, SCR_ENROL_CAPTIVE},
        {SYNC_TLS, SCR_SYNC_TLS, SCR_ENROL_TLS},
        {SYNC_SERVER, SCR_SYNC_SERVER, SCR_ENROL_FAILED},
        {SYNC_UNAUTHORIZED, SCR_SYNC_UNAUTHORIZED, SCR_ENROL_BAD_CODE},
        {SYNC_UPDATE_APP, SCR_SYNC_UPDATE, SCR_ENROL_UPDATE},
        {SYNC_UPDATE_SERVER, SCR_SYNC_OTHER, SCR_ENROL_FAILED},
        {SYNC_REFUSED, SCR_SYNC_OTHER, SCR_ENROL_BAD_CODE},
        {SYNC_PROTOCOL, SCR_SYNC_OTHER, SCR_ENROL_FAILED},
        {SYNC_STORE, SCR_SYNC_OTHER, SCR_ENROL_FAILED},
        {SYNC_NOMEM, SCR_SYNC_OTHER, SCR_ENROL_FAILED},
        {SYNC_BAD_ADDRESS, SCR_SYNC_OTHER, SCR_ENROL_BAD_ADDRESS},
        {SYNC_REVOKED, SCR_SYNC_REVOKED, SCR_ENROL_FAILED},
        {SYNC_WIPED, SCR_SYNC_WIPED, SCR_ENROL_FAILED},
        {SYNC_TLS_EXPIRED, SCR_SYNC_CERT_EXPIRED, SCR_ENROL_CERT_EXPIRED},
        {SYNC_TLS_NAME, SCR_SYNC_CERT_NAME, SCR_ENROL_CERT_NAME},
    };
    size_t n = sizeof want / sizeof want[0];
    /* Every outcome is in the table, once and in order. */
    assert_int_equal(n, SYNC_TLS_NAME + 1);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(want[i].rc, (sync_rc)i);
        assert_int_equal(link_sync_problem(want[i].rc), want[i].problem);
        assert_int_equal(link_enrol_outcome(want[i].rc), want[i].enrol);
    }
    /* A value from a newer engine is a problem in words, never "fine". */
    assert_int_equal(link_sync_problem(SYNC_TLS_NAME + 1), SCR_SYNC_OTHER);
    assert_int_equal(link_enrol_outcome(-1), SCR_ENROL_FAILED);
}

typedef struct {
    char dir[1024], path[1200];
    db *d;
    link_sync *ls;
    scr_sync hooks;
} world;

static int up(void **state)
{
    static world w;
    memset(&w, 0, sizeof w);
    if (tsupport_tmpdir("link_sync", w.dir, sizeof w.dir) != 0)
        return -1;
    tsupport_path(w.path, sizeof w.path, w.dir, "blik.db");
    if (db_open(w.path, plat_sys_os(), &w.d) != DB_OK)
        return -1;
    w.ls = link_sync_new(w.d, w.path, plat_sys_os());
    if (!w.ls)
        return -1;
    w.hooks = link_sync_hooks(w.ls);
    *state = &w;
    return 0;
}

static int down(void **state)
{
    world *w = *state;
    link_sync_free(w->ls);
    db_close(w->d);
    tsupport_rmtree(w->dir);
    return 0;
}

/* Starts an enrolment through the hooks and waits (at most 30 s) for its
 * end, as the settings screen does frame by frame. */
static scr_enrol_outcome enrol(world *w, const char *url, const char *ca, char *detail, size_t cap)
{
    scr_enrol_req req;
    memset(&req, 0, sizeof req);
    snprintf(req.url, sizeof req.url, "%s", url);
    snprintf(req.code, sizeof req.code, "%s", "ABCDE-FGHJK");
    snprintf(req.ca, sizeof req.ca, "%s", ca);
    assert_int_equal(w->hooks.enrol(w->hooks.ctx, &req), 0);
    scr_enrol_outcome out = SCR_ENROL_PENDING;
    for (int i = 0; i < 3000 && out == SCR_ENROL_PENDING; i++) {
        out = w->hooks.enrol_result(w->hooks.ctx, detail, cap);
        if (out == SCR_ENROL_PENDING)
            nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
    }
    return out;
}

/* Not enrolled: no worker, nothing to show; each way an enrolment that
 * needs no server ends is told apart, and nothing is stored. */
static void test_enrol_through_hooks(void **state)
{
    world *w = *state;
    char detail[320], line[320] = "x";
    assert_int_equal(w->hooks.enrolled(w->hooks.ctx), 0);
    w->hooks.status(w->hooks.ctx, line, sizeof line);
    assert_string_equal(line, "");
    scr_sync_state st = {.enrolled = 1, .rounds = 7};
    w->hooks.state(w->hooks.ctx, &st);
    assert_int_equal(st.enrolled, 0);
    assert_int_equal(st.rounds, 0);

    /* A plain http address: the engine's own outcome, with its sentence. */
    assert_int_equal(enrol(w, "http://127.0.0.1:1", "", detail, sizeof detail),
                     SCR_ENROL_BAD_ADDRESS);
    TSUPPORT_HAS(detail, "https://");
    /* A CA path that cannot be read, or a file that is no certificate. */
    char ca[1300];
    tsupport_path(ca, sizeof ca, w->dir, "missing.pem");
    assert_int_equal(enrol(w, "https://127.0.0.1:1", ca, detail, sizeof detail), SCR_ENROL_CA_FILE);
    tsupport_path(ca, sizeof ca, w->dir, "not-a-ca.pem");
    assert_int_equal(tsupport_write_file(ca, "hello\n", 6), 0);
    assert_int_equal(enrol(w, "https://127.0.0.1:1", ca, detail, sizeof detail), SCR_ENROL_CA_FILE);
    /* A good CA file with a bad address: the file was read, the address
     * is what is wrong. */
    static const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    tsupport_path(ca, sizeof ca, w->dir, "ca.pem");
    assert_int_equal(tsupport_write_file(ca, pem, sizeof pem - 1), 0);
    assert_int_equal(enrol(w, "ftp://example.org", ca, detail, sizeof detail),
                     SCR_ENROL_BAD_ADDRESS);
    /* A port where nothing listens: no answer. */
    assert_int_equal(enrol(w, "https://127.0.0.1:1", "", detail, sizeof detail),
                     SCR_ENROL_UNREACHABLE);
    /* None of it enrolled the tablet or started a worker. */
    assert_int_equal(w->hooks.enrolled(w->hooks.ctx), 0);
    assert_false(db_enrolled(w->d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outcome_mapping),
        cmocka_unit_test(test_enrol_through_hooks),
    };
    return cmocka_run_group_tests_name("link_sync", tests, up, down);
}
