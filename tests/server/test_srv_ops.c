/*
 * Running the server as a service: one log line per request, which names
 * no person and carries no query, note or id of a person; /metrics and
 * /health on a listener of their own, with the pool's waits and /health
 * refusing a busy or stopping server; listening on IPv6 and on both
 * families at once; the per-address limit keyed by an IPv6 client's /64.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "fixture.h"
#include "srv.h"

static fx_world W;
static fx_unit U;
static fx_device D;
static char metrics_url[96];

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_ops", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The server's log from byte from on (malloc'd). */
static char *log_since(long from)
{
    FILE *f = fopen(W.srv.log, "r");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    char *buf = calloc(1, (size_t)(n > from ? n - from : 0) + 1);
    assert_non_null(buf);
    if (n > from) {
        fseek(f, from, SEEK_SET);
        size_t got = fread(buf, 1, (size_t)(n - from), f);
        buf[got] = 0;
    }
    fclose(f);
    return buf;
}

static long log_size(void)
{
    struct stat st;
    return stat(W.srv.log, &st) == 0 ? (long)st.st_size : 0;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Waits until the log from byte from holds n request lines: a line is
 * written when libmicrohttpd says the request is over, which may be just
 * after the client has its answer. Returns the text. */
static char *await_requests(long from, int n)
{
    for (int i = 0; i < 500; i++) {
        char *t = log_since(from);
        if (count(t, " request ") >= n)
            return t;
        free(t);
        sleep_ms(10);
    }
    char *t = log_since(from);
    fprintf(stderr, "expected %d request lines in:\n%s", n, t);
    fail();
    return t;
}

/* The line of the log that holds needle, cut at its end (static). */
static const char *line_with(const char *text, const char *needle)
{
    static char line[1024];
    const char *p = strstr(text, needle);
    if (!p) {
        fprintf(stderr, "no line with \"%s\" in:\n%s", needle, text);
        fail();
    }
    while (p > text && p[-1] != '\n')
        p--;
    size_t n = strcspn(p, "\n");
    snprintf(line, sizeof line, "%.*s", (int)n, p);
    return line;
}

static void get(const char *url, thttp_resp *r)
{
    assert_int_equal(thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, NULL, r), 0);
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Ops unit", &U);
    fx_enrol(&W, U.unit, &D);
}

static void test_one_line_per_request_naming_nobody(void **state)
{
    (void)state;
    /* The setup's last request, the enrolment, is logged once
     * libmicrohttpd has ended it, which can be just after its answer: wait
     * for its line, so that it does not fall into this test's count. */
    for (int i = 0; i < 500; i++) {
        char *t = log_since(0);
        int seen = strstr(t, "path=/v1/enrol") != NULL;
        free(t);
        if (seen)
            break;
        sleep_ms(10);
    }
    long from = log_size();
    int n = 0;
    thttp_resp r;
    char url[300];

    snprintf(url, sizeof url, "%s/v1/ping?nonce=n1", W.srv.url);
    get(url, &r);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
    n++;

    model_record obs, note;
    fx_obs(&U, U.leader, U.peer1, &obs);
    fx_note(obs.u.obs.id, "Sofie cried by the window", &note);
    proto_change ch[2];
    fx_change(&ch[0], U.leader, 0, &obs);
    fx_change(&ch[1], U.leader, 0, &note);
    char *body = fx_push_body(ch, 2);
    size_t body_len = strlen(body);
    fx_post(&W, "/v1/push", &D, body, &r);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
    n++;
    /* Wrong credentials: no device is named. */
    fx_device bad = D;
    snprintf(bad.authz, sizeof bad.authz, "Bearer %s.%s", D.id,
             "00000000000000000000000000000000000000000000000000000000000000");
    fx_post(&W, "/v1/push", &bad, body, &r);
    assert_int_equal(r.status, 401);
    thttp_free(&r);
    n++;
    free(body);

    proto_pull_reply pr;
    fx_pull(&W, &D, U.leader, 0, 100, &pr);
    proto_pull_reply_clear(&pr);
    n++;

    /* The office: a person's page with a search, and an invitation's
     * token, as a browser without a session asks for them. */
    snprintf(url, sizeof url, "%s/people/%s?search=Lea+Leader", W.srv.url, U.peer1);
    get(url, &r);
    assert_true(r.status == 303 || r.status == 302 || r.status == 401 || r.status == 403);
    thttp_free(&r);
    n++;
    snprintf(url, sizeof url, "%s/invite/%s", W.srv.url,
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    get(url, &r);
    thttp_free(&r);
    n++;
    snprintf(url, sizeof url, "%s/v1/nothing-here", W.srv.url);
    get(url, &r);
    assert_int_equal(r.status, 404);
    thttp_free(&r);
    n++;

    char *log = await_requests(from, n);
    assert_int_equal(count(log, " request "), n);

    const char *l = line_with(log, "path=/v1/ping");
    assert_non_null(strstr(l, "method=GET path=/v1/ping status=200 ms="));
    assert_non_null(strstr(l, "addr=127.0.0.1 "));
    assert_non_null(strstr(l, "device=-"));
    assert_null(strstr(l, "nonce"));

    char want[200];
    l = line_with(log, "path=/v1/push status=200");
    snprintf(want, sizeof want, " in=%zu out=", body_len);
    assert_non_null(strstr(l, want));
    snprintf(want, sizeof want, "device=%s", D.id);
    assert_non_null(strstr(l, want));
    assert_null(strstr(l, "out=0 "));

    l = line_with(log, "path=/v1/push status=401");
    assert_non_null(strstr(l, "device=-"));

    l = line_with(log, "path=/v1/pull status=200");
    snprintf(want, sizeof want, "device=%s", D.id);
    assert_non_null(strstr(l, want));

    l = line_with(log, "path=/people/* ");
    assert_non_null(strstr(l, "method=GET"));
    assert_non_null(strstr(l, "device=-"));
    line_with(log, "path=/invite/* ");
    line_with(log, "path=/v1/nothing-here status=404");

    /* Nothing of a person: no name, no note, no query, no person's id,
     * no token, no secret. */
    assert_null(strstr(log, "Sofie"));
    assert_null(strstr(log, "Lea"));
    assert_null(strstr(log, "search"));
    assert_null(strstr(log, U.peer1));
    assert_null(strstr(log, U.leader));
    assert_null(strstr(log, "0123456789abcdef0123"));
    assert_null(strstr(log, obs.u.obs.id));
    const char *secret = strchr(D.authz, '.');
    assert_non_null(secret);
    assert_null(strstr(log, secret + 1));
    free(log);
}

/* A restart of the server with the metrics listener on a free port and a
 * pool of three (more may set another). */
static void restart_with_metrics(const char *const *more)
{
    const char *extra[20] = {"--pool", "3"};
    int n = 2;
    for (int i = 0; more && more[i] && n < 19; i++)
        extra[n++] = more[i];
    extra[n] = NULL;
    fx_restart_metrics(&W, extra, metrics_url, sizeof metrics_url);
}

/* The metrics text, and the value of one sample in it (-1 if absent). */
static char *scrape(void)
{
    char url[200];
    snprintf(url, sizeof url, "%s/metrics", metrics_url);
    thttp_resp r;
    get(url, &r);
    assert_int_equal(r.status, 200);
    char *t = r.body;
    r.body = NULL;
    thttp_free(&r);
    return t;
}

static double sample(const char *text, const char *name)
{
    char needle[300];
    snprintf(needle, sizeof needle, "\n%s ", name);
    const char *p = strstr(text, needle);
    return p ? strtod(p + strlen(needle), NULL) : -1;
}

/* Waits until a sample reaches at least want (the counts are added when a
 * request is over, which may be just after its answer arrived). */
static char *scrape_until(const char *name, double want)
{
    for (int i = 0; i < 500; i++) {
        char *t = scrape();
        if (sample(t, name) >= want)
            return t;
        free(t);
        sleep_ms(10);
    }
    char *t = scrape();
    fprintf(stderr, "%s never reached %g:\n%s", name, want, t);
    fail();
    return t;
}

static void test_metrics_and_health(void **state)
{
    (void)state;
    const char *more[] = {"--rate-enrol", "1", NULL};
    restart_with_metrics(more);
    char url[200];
    thttp_resp r;

    snprintf(url, sizeof url, "%s/health", metrics_url);
    get(url, &r);
    assert_int_equal(r.status, 200);
    char want[120];
    snprintf(want, sizeof want, "\"status\":\"ok\",\"db_schema\":%d", SRV_DB_VERSION);
    assert_non_null(strstr(r.body, want));
    thttp_free(&r);

    /* Two changes stored, then the same push again: two duplicates. */
    model_record obs, fb;
    fx_obs(&U, U.leader, U.peer2, &obs);
    fx_feedback(obs.u.obs.id, U.leader, "Open questions", &fb);
    proto_change ch[2];
    fx_change(&ch[0], U.leader, 0, &obs);
    fx_change(&ch[1], U.leader, 0, &fb);
    proto_push_reply pr;
    fx_push(&W, &D, ch, 2, &pr);
    proto_push_reply_clear(&pr);
    fx_push(&W, &D, ch, 2, &pr);
    proto_push_reply_clear(&pr);
    proto_pull_reply pl;
    fx_pull(&W, &D, "", 0, 10, &pl);
    proto_pull_reply_clear(&pl);
    /* A wrong enrolment code, then one more attempt, which the limit of
     * one failed attempt per hour refuses before reading it. */
    const char *enrol = "{\"schema\":1,\"code\":\"WRONGCODE1\",\"name\":\"x\"}";
    fx_post(&W, "/v1/enrol", NULL, enrol, &r);
    assert_int_equal(r.status / 100, 4);
    assert_true(r.status != 429);
    thttp_free(&r);
    fx_post(&W, "/v1/enrol", NULL, enrol, &r);
    assert_int_equal(r.status, 429);
    thttp_free(&r);

    char *t = scrape_until("blik_http_requests_total{endpoint=\"enrol\",code=\"429\"}", 1);
    assert_true(sample(t, "blik_http_requests_total{endpoint=\"push\",code=\"200\"}") == 2);
    assert_true(sample(t, "blik_pushes_total") == 2);
    assert_true(sample(t, "blik_push_changes_total{status=\"stored\"}") == 2);
    assert_true(sample(t, "blik_push_changes_total{status=\"duplicate\"}") == 2);
    assert_true(sample(t, "blik_push_changes_total{status=\"conflict\"}") == 0);
    assert_true(sample(t, "blik_pulls_total") == 1);
    assert_true(sample(t, "blik_rate_limited_total{limit=\"enrol\"}") == 1);
    assert_true(sample(t, "blik_rate_limited_total{limit=\"address\"}") == 0);
    assert_true(sample(t, "blik_db_pool_connections") == 3);
    assert_true(sample(t, "blik_db_pool_in_use") >= 0);
    assert_true(sample(t, "blik_db_pool_exhausted_total") == 0);
    /* The histogram: cumulative buckets that end at the count. */
    assert_true(sample(t, "blik_http_request_duration_seconds_count{endpoint=\"push\"}") == 2);
    assert_true(
        sample(t, "blik_http_request_duration_seconds_bucket{endpoint=\"push\",le=\"+Inf\"}") == 2);
    double prev = 0;
    const char *p = t;
    while ((p = strstr(p, "blik_http_request_duration_seconds_bucket{endpoint=\"pull\"")) != NULL) {
        double v = strtod(strchr(p, '}') + 1, NULL);
        assert_true(v >= prev);
        prev = v;
        p++;
    }
    assert_true(prev == 1);
    assert_non_null(strstr(t, "# TYPE blik_http_request_duration_seconds histogram\n"));
    snprintf(want, sizeof want, "blik_build_info{sync_schema=\"%d\",db_schema=\"%d\"} 1",
             PROTO_SCHEMA, SRV_DB_VERSION);
    assert_non_null(strstr(t, want));
    /* Counts only: no device, address or person. */
    assert_null(strstr(t, D.id));
    assert_null(strstr(t, "127.0.0.1"));
    assert_null(strstr(t, U.leader));
    free(t);

    /* Only GET of the two paths; nothing of the protocol or the office. */
    snprintf(url, sizeof url, "%s/v1/ping", metrics_url);
    get(url, &r);
    assert_int_equal(r.status, 404);
    thttp_free(&r);
    snprintf(url, sizeof url, "%s/metrics", metrics_url);
    assert_int_equal(thttp("POST", url, W.srv.ca, NULL, "x", 1, 0, NULL, &r), 0);
    assert_int_equal(r.status, 405);
    thttp_free(&r);

    /* A database another server has taken to a newer schema: this one
     * must not be sent tablets. */
    PQclear(PQexec(W.db, "INSERT INTO schema_migrations (version) VALUES (9999)"));
    snprintf(url, sizeof url, "%s/health", metrics_url);
    get(url, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "\"status\":\"schema\""));
    thttp_free(&r);
    PQclear(PQexec(W.db, "DELETE FROM schema_migrations WHERE version = 9999"));
    get(url, &r);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
}

typedef struct {
    const char *body;
    thttp_resp r;
} sender;

static void *send_push(void *ud)
{
    sender *s = ud;
    char url[200];
    snprintf(url, sizeof url, "%s/v1/push", W.srv.url);
    thttp("POST", url, W.srv.ca, D.authz, s->body, strlen(s->body), 0, NULL, &s->r);
    return NULL;
}

/* Starts a push on a thread of its own and returns once the server has
 * committed it: the server then holds its database connection for the
 * commit delay it was started with. */
static void push_held(sender *s, pthread_t *t, char **body)
{
    model_record obs;
    fx_obs(&U, U.leader, U.peer1, &obs);
    proto_change ch;
    fx_change(&ch, U.leader, 0, &obs);
    *body = fx_push_body(&ch, 1);
    memset(s, 0, sizeof *s);
    s->body = *body;
    assert_int_equal(pthread_create(t, NULL, send_push, s), 0);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM changes WHERE change_id = '%s'", ch.change_id);
    for (int i = 0; i < 2000 && fx_count(&W, sql) == 0; i++)
        sleep_ms(5);
    assert_int_equal(fx_count(&W, sql), 1);
}

/*
 * The pool's waits, and /health when this process should get no tablets:
 * a push holds the only database connection (the server pauses 4 s after
 * its commit, as the fault tests make it), so /health says busy after its
 * 2 s, and a pull waits for the connection, which the metrics count; and
 * after SIGTERM, while a request is still finishing, /health says stopping.
 */
static void test_pool_waits_and_health_refusing(void **state)
{
    (void)state;
    setenv("BLIK_FAULT_COMMIT_DELAY_MS", "4000", 1);
    const char *one[] = {"--pool", "1", NULL};
    restart_with_metrics(one);
    unsetenv("BLIK_FAULT_COMMIT_DELAY_MS");
    char health_url[200];
    snprintf(health_url, sizeof health_url, "%s/health", metrics_url);

    sender s;
    pthread_t t;
    char *body;
    push_held(&s, &t, &body);
    thttp_resp r;
    get(health_url, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "\"status\":\"busy\""));
    thttp_free(&r);
    proto_pull_reply pl;
    fx_pull(&W, &D, "", 0, 10, &pl);
    proto_pull_reply_clear(&pl);
    pthread_join(t, NULL);
    assert_int_equal(s.r.status, 200);
    thttp_free(&s.r);
    free(body);
    char *m = scrape_until("blik_pulls_total", 1);
    assert_true(sample(m, "blik_db_pool_waits_total") == 1);
    assert_true(sample(m, "blik_db_pool_wait_seconds_total") > 0);
    assert_true(sample(m, "blik_db_pool_exhausted_total") == 0);
    assert_true(sample(m, "blik_db_pool_connections") == 1);
    free(m);

    /* SIGTERM with a push in flight: the server finishes it, and its
     * health says stopping meanwhile, for a load balancer to drain it. */
    push_held(&s, &t, &body);
    kill(W.srv.pid, SIGTERM);
    int stopping = 0;
    for (int i = 0; i < 300 && !stopping; i++) {
        if (thttp("GET", health_url, W.srv.ca, NULL, NULL, 0, 0, NULL, &r) == 0)
            stopping = r.status == 503 && strstr(r.body, "\"status\":\"stopping\"") != NULL;
        thttp_free(&r);
        if (!stopping)
            sleep_ms(10);
    }
    assert_true(stopping);
    pthread_join(t, NULL);
    assert_int_equal(s.r.status, 200);
    thttp_free(&s.r);
    free(body);
    assert_int_equal(tsrv_stop(&W.srv), 0);
    fx_restart(&W, NULL);
}

static void ping_at(const char *host, int port, long want_status)
{
    char url[200];
    snprintf(url, sizeof url, "https://%s:%d/v1/ping?nonce=v6", host, port);
    thttp_resp r;
    thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, NULL, &r);
    if (r.status != want_status)
        fprintf(stderr, "%s: %ld (%s)\n", url, r.status, r.curl_error);
    assert_int_equal(r.status, want_status);
    thttp_free(&r);
}

static void test_ipv6_and_dual_stack(void **state)
{
    (void)state;
    assert_int_equal(tsrv_stop(&W.srv), 0);
    const char *both[] = {"--listen", "::", "--pool", "1", NULL};
    fx_restart(&W, both);
    long from = log_size();
    ping_at("127.0.0.1", W.srv.port, 200);
    ping_at("[::1]", W.srv.port, 200);
    char *log = await_requests(from, 2);
    /* An IPv4 client of the dual-stack listener is written as IPv4. */
    assert_non_null(strstr(log, "addr=127.0.0.1 "));
    assert_non_null(strstr(log, "addr=::1 "));
    assert_null(strstr(log, "::ffff:"));
    free(log);

    assert_int_equal(tsrv_stop(&W.srv), 0);
    const char *v6[] = {"--listen", "::1", "--pool", "1", NULL};
    fx_restart(&W, v6);
    ping_at("[::1]", W.srv.port, 200);
    ping_at("127.0.0.1", W.srv.port, 0);
    assert_int_equal(tsrv_stop(&W.srv), 0);

    /* A name is refused at start, with the reason. */
    long at = log_size();
    const char *name[] = {"--listen", "localhost", "--pool", "1", NULL};
    assert_int_equal(tsrv_start(&W.srv, W.pg, BLIK_SERVER_EXE, W.conninfo, W.dir, name), -1);
    char *why = log_since(at);
    assert_non_null(strstr(why, "\"localhost\" is not an IPv4 or IPv6 address"));
    free(why);
    fx_restart(&W, NULL);
    fx_ping_ok(&W);
}

/* The per-address limit counts an IPv6 client by its /64, so a machine
 * cannot take a fresh bucket with each of its addresses; IPv4 addresses
 * are each their own. */
static void test_rate_limit_by_ipv6_network(void **state)
{
    (void)state;
    srv_config cfg;
    srv_config_defaults(&cfg);
    snprintf(cfg.db, sizeof cfg.db, "%s", W.conninfo);
    cfg.pool = 1;
    cfg.rate_address = 1;
    srv *s = NULL;
    assert_int_equal(srv_open(&cfg, &s), 0);
    const char *addrs[] = {"2001:db8:1:2::5", "2001:db8:1:2:ffff::6", "2001:db8:1:3::5",
                           "192.0.2.1", "192.0.2.2"};
    const int want[] = {200, 429, 200, 200, 200};
    for (int i = 0; i < 5; i++) {
        srv_request rq = {0};
        rq.method = "GET";
        rq.path = "/v1/ping";
        rq.nonce = "a";
        rq.address = addrs[i];
        srv_response out;
        assert_int_equal(srv_handle(s, &rq, &out), want[i]);
        free(out.body);
    }
    srv_free(s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_one_line_per_request_naming_nobody),
        cmocka_unit_test(test_metrics_and_health),
        cmocka_unit_test(test_pool_waits_and_health_refusing),
        cmocka_unit_test(test_ipv6_and_dual_stack),
        cmocka_unit_test(test_rate_limit_by_ipv6_network),
    };
    int rc = cmocka_run_group_tests_name("srv_ops", tests, up, down);
    curl_global_cleanup();
    return rc;
}
