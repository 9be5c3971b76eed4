/*
 * Three blik-server processes on one PostgreSQL behind HAProxy, as README's
 * "Running more than one server" sets them up. A tablet enrols, pushes and
 * pulls through the balancer while its requests go round the processes: what
 * one process stored, the others serve, a change sent again to another
 * process is a duplicate, an office session works on every process and ends
 * on all at once. Each process sees the client's own address behind the
 * balancer (trusted-proxy), never one the client forged. The rate limits are
 * a process's own: behind "balance source" a client meets exactly one
 * process's limit. A process killed outright costs the tablet nothing.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "fixture.h"
#include "srv.h"

#define N_SRV 3
/* The balancer connects to the servers from this address, so that a request
 * it forwards is told from one the test sends straight to a server. */
#define PROXY_ADDR "127.0.0.3"

static fx_world W;
static tsrv S[N_SRV]; /* S[0] is W.srv's twin; the others have folders of their own */
static fx_world VIA;  /* W as seen through the round-robin balancer */
static thap H;
static int mport[N_SRV]; /* each process's metrics port */
static fx_unit U;
static fx_device D;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The fixture makes the cluster, the certificates and the database (its own
 * server migrates it once and stops); then three processes, each in a folder
 * of its own, with the balancer's address trusted, behind HAProxy (round
 * robin, and "balance source"). */
static int up(void **state)
{
    (void)state;
    if (fx_up(&W, "blik_cluster", NULL) != 0)
        return -1;
    assert_int_equal(tsrv_stop(&W.srv), 0);
    const char *const extra[] = {"--trusted-proxy", PROXY_ADDR, "--rate-address", "30", NULL};
    if (tsrv_start_many(S, mport, N_SRV, W.pg, BLIK_SERVER_EXE, W.conninfo, W.dir, extra) != 0 ||
        thap_start(&H, W.pg, W.dir, S, mport, N_SRV, PROXY_ADDR) != 0)
        return -1;
    W.srv = S[0];
    VIA = W;
    snprintf(VIA.srv.url, sizeof VIA.srv.url, "%s", H.url[0]);
    return 0;
}

static int down(void **state)
{
    (void)state;
    int rc = 0;
    thap_stop(&H);
    for (int i = 1; i < N_SRV; i++)
        if (S[i].pid > 0 && tsrv_stop(&S[i]) != 0)
            rc = -1;
    W.srv = S[0];
    return fx_down(&W) == 0 ? rc : -1;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* How often needle is in a server's log from byte from on. */
static int log_count(const tsrv *s, long from, const char *needle)
{
    FILE *f = fopen(s->log, "r");
    if (!f)
        return 0;
    fseek(f, from, SEEK_SET);
    char line[2048];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

/* Waits until the servers' logs, from the sizes in from, hold n request
 * lines with needle in all (a line is written once the request is over,
 * which may be just after the client has its answer). */
static void await_lines(const long from[N_SRV], const char *needle, int n)
{
    int got = 0;
    for (int t = 0; t < 500; t++) {
        got = 0;
        for (int i = 0; i < N_SRV; i++)
            got += log_count(&S[i], from[i], needle);
        if (got >= n)
            return;
        sleep_ms(10);
    }
    fprintf(stderr, "expected %d lines with \"%s\", found %d\n", n, needle, got);
    fail();
}

static void sizes(long out[N_SRV])
{
    for (int i = 0; i < N_SRV; i++)
        out[i] = file_size(S[i].log);
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Cluster unit", &U);
    fx_enrol(&VIA, U.unit, &D);
}

/* What one process stored, every process serves: six pulls in a row go round
 * the three processes and each finds the observation; the same changes sent
 * again land on other processes and are duplicates; a second observation
 * comes after the cursor of the first wherever it is pushed and pulled. */
static void test_one_tablet_round_the_processes(void **state)
{
    (void)state;
    long from[N_SRV];
    sizes(from);
    model_record obs, fb;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    fx_feedback(obs.u.obs.id, U.peer1, "Good questions.", &fb);
    proto_change ch[2];
    fx_change(&ch[0], U.peer1, 0, &obs);
    fx_change(&ch[1], U.peer1, 0, &fb);
    proto_push_reply rep;
    fx_push(&VIA, &D, ch, 2, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    assert_int_equal(rep.results[1].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);

    int64_t cursor = 0;
    for (int i = 0; i < 2 * N_SRV; i++) {
        proto_pull_reply p;
        fx_pull(&VIA, &D, U.peer1, 0, 500, &p);
        assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, obs.u.obs.id));
        assert_true(fx_has(&p, MODEL_ENT_FEEDBACK, obs.u.obs.id));
        assert_false(p.more);
        if (i > 0)
            assert_true(p.cursor == cursor);
        cursor = p.cursor;
        proto_pull_reply_clear(&p);
    }
    for (int i = 0; i < N_SRV; i++) {
        fx_push(&VIA, &D, ch, 2, &rep);
        assert_int_equal(rep.results[0].status, PROTO_ST_DUPLICATE);
        assert_int_equal(rep.results[1].status, PROTO_ST_DUPLICATE);
        proto_push_reply_clear(&rep);
    }
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM observations"), 1);

    model_record obs2;
    proto_change c2;
    fx_obs(&U, U.peer2, U.peer1, &obs2);
    fx_change(&c2, U.peer2, 0, &obs2);
    fx_push(&VIA, &D, &c2, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    proto_pull_reply p;
    fx_pull(&VIA, &D, U.peer2, cursor, 500, &p);
    assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, obs2.u.obs.id));
    assert_false(fx_has(&p, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    assert_true(p.cursor > cursor);
    proto_pull_reply_clear(&p);

    /* Every process served some of it, and saw the tablet's own address
     * (the test's), never the balancer's. */
    await_lines(from, "path=/v1/", 2 * N_SRV + N_SRV + 3);
    for (int i = 0; i < N_SRV; i++) {
        assert_true(log_count(&S[i], from[i], "path=/v1/pull") >= 1);
        assert_int_equal(log_count(&S[i], from[i], "addr=" PROXY_ADDR), 0);
        assert_true(log_count(&S[i], from[i], "addr=127.0.0.1 ") >= 1);
    }
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM devices WHERE id = '%s' AND last_address = '127.0.0.1'", D.id);
    assert_int_equal(fx_count(&W, sql), 1);
}

/* An address the client writes into X-Forwarded-For itself is never taken:
 * through the balancer the last one (the balancer's) counts, and a request
 * straight to a server is not from the trusted proxy at all. */
static void test_forged_forwarded_for(void **state)
{
    (void)state;
    long from[N_SRV];
    sizes(from);
    char url[128];
    thttp_resp r;
    snprintf(url, sizeof url, "%s/v1/ping", VIA.srv.url);
    assert_int_equal(
        thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, "X-Forwarded-For: 198.51.100.7", &r), 0);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
    snprintf(url, sizeof url, "%s/v1/ping", S[1].url);
    assert_int_equal(
        thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, "X-Forwarded-For: 198.51.100.8", &r), 0);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
    await_lines(from, "path=/v1/ping", 2);
    for (int i = 0; i < N_SRV; i++) {
        assert_int_equal(log_count(&S[i], from[i], "198.51.100."), 0);
        assert_int_equal(log_count(&S[i], from[i], "addr=" PROXY_ADDR), 0);
    }
    assert_true(log_count(&S[1], from[1], "addr=127.0.0.1 method=GET path=/v1/ping") >= 1);
}

/* An office session lives in the database: made once, every process serves
 * it; ended (as signing out does), no process serves it any more. */
static void test_office_session_on_every_process(void **state)
{
    (void)state;
    char id[33], csrf[65], session[120], cookie[140];
    assert_int_equal(fx_office_account(W.db, "cluster-leader", "leader", "Cluster Leader", U.leader,
                                       id, session, sizeof session, csrf),
                     0);
    snprintf(cookie, sizeof cookie, "Cookie: %s", session);
    char url[128];
    for (int i = 0; i < N_SRV; i++) {
        thttp_resp a;
        snprintf(url, sizeof url, "%s/people", S[i].url);
        assert_int_equal(thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, cookie, &a), 0);
        assert_int_equal(a.status, 200);
        assert_non_null(strstr(a.body, "Cluster Leader"));
        thttp_free(&a);
    }
    const char *pd[] = {id};
    PGresult *q = PQexecParams(W.db, "DELETE FROM sessions WHERE account_id = $1", 1, NULL, pd,
                               NULL, NULL, 0);
    assert_int_equal(PQresultStatus(q), PGRES_COMMAND_OK);
    PQclear(q);
    for (int i = 0; i < N_SRV; i++) {
        thttp_resp a;
        snprintf(url, sizeof url, "%s/people", S[i].url);
        assert_int_equal(thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, cookie, &a), 0);
        assert_int_not_equal(a.status, 200);
        assert_null(a.body ? strstr(a.body, "Cluster Leader") : NULL);
        thttp_free(&a);
    }
}

/* A process's rate limits are its own. Behind "balance source" one client
 * always meets the same process, so it is refused after that process's
 * limit (30 a minute here) as with one server; the other processes have
 * their own buckets and still answer it straight. */
static void test_rate_limit_per_process(void **state)
{
    (void)state;
    char url[128];
    snprintf(url, sizeof url, "%s/v1/ping", H.url[1]);
    int ok = 0;
    long status = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (ok <= 300) {
        thttp_resp r;
        assert_int_equal(thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, NULL, &r), 0);
        status = r.status;
        thttp_free(&r);
        if (status != 200)
            break;
        ok++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* The bucket holds 30 and refills one every two seconds meanwhile. */
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(status, 429);
    assert_true(ok <= 30 + (int)(secs / 2) + 1);
    /* Exactly one process refused (its own count says so), and the others,
     * whose buckets for this client are nearly full, answer it straight. */
    int refused = 0;
    for (int i = 0; i < N_SRV; i++) {
        thttp_resp r;
        snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", mport[i]);
        assert_int_equal(thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        const char *m = strstr(r.body, "blik_rate_limited_total{limit=\"address\"} ");
        assert_non_null(m);
        int mine = atof(m + strlen("blik_rate_limited_total{limit=\"address\"} ")) >= 1;
        thttp_free(&r);
        refused += mine;
        if (!mine) {
            snprintf(url, sizeof url, "%s/v1/ping", S[i].url);
            assert_int_equal(thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, NULL, &r), 0);
            assert_int_equal(r.status, 200);
            thttp_free(&r);
        }
    }
    assert_int_equal(refused, 1);
}

/* A process killed outright: the balancer tries the next one, so the tablet
 * pushes and pulls on without an error, and nothing is doubled. */
static void test_process_killed(void **state)
{
    (void)state;
    tsrv_kill(&S[1]);
    S[1].pid = -1;
    for (int i = 0; i < 2 * N_SRV; i++) {
        model_record obs;
        proto_change c;
        fx_obs(&U, U.leader, U.peer1, &obs);
        fx_change(&c, U.leader, 0, &obs);
        proto_push_reply rep;
        fx_push(&VIA, &D, &c, 1, &rep);
        assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
        proto_push_reply_clear(&rep);
        proto_pull_reply p;
        fx_pull(&VIA, &D, U.leader, 0, 500, &p);
        assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, obs.u.obs.id));
        proto_pull_reply_clear(&p);
    }
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM observations"), 2 + 2 * N_SRV);
}

/* The setting and the header as srv_proxy.c reads them: a host name or a
 * network is refused at start with the key named; an address is written as
 * connections' addresses are; from the proxy only the last address counts,
 * and a malformed one leaves the proxy's own; from anyone else nothing. */
static void test_proxy_setting(void **state)
{
    (void)state;
    char err[200], t[64];
    const char *bad[] = {"localhost", "10.0.0.0/8", "10.0.0.1 ", "::1%lo", "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(t, sizeof t, "%s", bad[i]);
        err[0] = 0;
        assert_int_equal(srv_proxy_check(t, sizeof t, err, sizeof err), -1);
        assert_non_null(strstr(err, "trusted-proxy"));
        assert_string_equal(t, bad[i]);
    }
    snprintf(t, sizeof t, "::ffff:10.0.0.10");
    assert_int_equal(srv_proxy_check(t, sizeof t, err, sizeof err), 0);
    assert_string_equal(t, "10.0.0.10");
    snprintf(t, sizeof t, "2001:DB8:0:0::1");
    assert_int_equal(srv_proxy_check(t, sizeof t, err, sizeof err), 0);
    assert_string_equal(t, "2001:db8::1");

    char a[64];
    snprintf(a, sizeof a, "10.0.0.10");
    srv_proxy_client("10.0.0.10", "198.51.100.7, 203.0.113.5", a, sizeof a);
    assert_string_equal(a, "203.0.113.5");
    snprintf(a, sizeof a, "10.0.0.10");
    srv_proxy_client("10.0.0.10", "2001:DB8::7", a, sizeof a);
    assert_string_equal(a, "2001:db8::7");
    const char *junk[] = {"203.0.113.5, evil", "", " ,", "203.0.113.5, 1.2.3.4.5", NULL};
    for (int i = 0; i < 5; i++) {
        snprintf(a, sizeof a, "10.0.0.10");
        srv_proxy_client("10.0.0.10", junk[i], a, sizeof a);
        assert_string_equal(a, "10.0.0.10");
    }
    snprintf(a, sizeof a, "10.0.0.11");
    srv_proxy_client("10.0.0.10", "203.0.113.5", a, sizeof a);
    assert_string_equal(a, "10.0.0.11");
    snprintf(a, sizeof a, "10.0.0.10");
    srv_proxy_client("", "203.0.113.5", a, sizeof a);
    assert_string_equal(a, "10.0.0.10");
}

int main(void)
{
    const struct CMUnitTest pure[] = {cmocka_unit_test(test_proxy_setting)};
    if (cmocka_run_group_tests_name("proxy", pure, NULL, NULL) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_one_tablet_round_the_processes),
        cmocka_unit_test(test_forged_forwarded_for),
        cmocka_unit_test(test_office_session_on_every_process),
        cmocka_unit_test(test_rate_limit_per_process),
        cmocka_unit_test(test_process_killed),
    };
    return cmocka_run_group_tests(tests, up, down);
}
