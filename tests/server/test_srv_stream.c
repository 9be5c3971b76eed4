/*
 * A streamed web answer (srv_web_response's producer): over HTTPS the
 * server sends what the producer writes, chunk by chunk, frees it once and
 * takes the database connection back only then; a producer's error cuts
 * the connection, so no client takes half a file for a whole one; and the
 * in-process path (srv_web_handle) drives the same producer to the same
 * bytes. The server runs in-process with a web side of the test's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "srv.h"
#include "srvtest.h"

/* The answer streamed: TOTAL bytes of a known pattern. */
#define TOTAL (3 * 1024 * 1024 + 17)

typedef struct {
    size_t pos;
    int fail_at; /* produce fails once pos passes this many bytes; 0: never */
    PGconn *pg;
    srv *probe; /* asked in-process for /small at the first chunk, or NULL */
} producer;

static int calls, frees, bad_pg;
static int seen_full = -1; /* what the last /small was told of streams_full */
static srv *S2;            /* a second server, with a pool of two */
static size_t biggest;

static char pattern(size_t i) { return (char)('a' + (i * 7 + i / 1000) % 26); }

static long produce(void *ctx, char *buf, size_t cap)
{
    producer *p = ctx;
    calls++;
    if (p->probe) {
        srv_web_request rq = {.method = "GET", .path = "/small", .address = "127.0.0.8"};
        srv_web_response out;
        srv_web_handle(p->probe, &rq, &out);
        free(out.body);
        p->probe = NULL;
    }
    if (cap > biggest)
        biggest = cap;
    /* The connection stays the producer's while it streams. */
    PGresult *r = PQexec(p->pg, "SELECT 1");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        bad_pg++;
    PQclear(r);
    if (p->fail_at && p->pos > (size_t)p->fail_at)
        return -1;
    size_t n = TOTAL - p->pos < cap ? TOTAL - p->pos : cap;
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern(p->pos + i);
    p->pos += n;
    return (long)n;
}

static void produce_free(void *ctx)
{
    frees++;
    free(ctx);
}

static void handle(srv_web *w, PGconn *pg, const srv_web_request *rq, srv_web_response *out)
{
    (void)w;
    snprintf(out->content_type, sizeof out->content_type, "text/csv; charset=utf-8");
    if (!pg) {
        out->status = 503;
        return;
    }
    if (!strcmp(rq->path, "/small")) {
        seen_full = rq->streams_full;
        out->status = 200;
        out->body = strdup("small");
        out->len = 5;
        return;
    }
    producer *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->pg = pg;
    p->fail_at = !strcmp(rq->path, "/broken") ? 100000 : 0;
    if (!strcmp(rq->path, "/probed"))
        p->probe = S2;
    out->status = 200;
    out->produce = produce;
    out->produce_free = produce_free;
    out->produce_ctx = p;
    srv_web_header_add(out, "Content-Disposition", "attachment; filename=\"big.csv\"");
}

static srv_web web = {handle};
static tpg *PG;
static srv *S;
static char CA[600], DB[512];

static int up(void **state)
{
    (void)state;
    char err[600], conninfo[512];
    if (tpg_start(0, &PG, err, sizeof err) != 0 || tca_make(tpg_dir(PG), err, sizeof err) != 0 ||
        tpg_new_db(PG, "stream", conninfo, sizeof conninfo) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    srv_config c;
    srv_config_defaults(&c);
    snprintf(c.db, sizeof c.db, "%s", conninfo);
    snprintf(DB, sizeof DB, "%s", conninfo);
    snprintf(c.listen, sizeof c.listen, "127.0.0.1");
    c.port = 0;
    c.pool = 1; /* one connection: a stream that kept it would starve the next */
    snprintf(c.tls_cert, sizeof c.tls_cert, "%s/server.pem", tpg_dir(PG));
    snprintf(c.tls_key, sizeof c.tls_key, "%s/server.key", tpg_dir(PG));
    snprintf(CA, sizeof CA, "%s/ca.pem", tpg_dir(PG));
    c.web = &web;
    if (srv_start(&c, &S) != 0) {
        fprintf(stderr, "%s\n", srv_errmsg(S));
        return -1;
    }
    return 0;
}

static int down(void **state)
{
    (void)state;
    srv_free(S);
    tpg_stop(PG);
    return 0;
}

static void get(const char *path, thttp_resp *r)
{
    char url[200];
    snprintf(url, sizeof url, "https://127.0.0.1:%d%s", srv_port(S), path);
    thttp("GET", url, CA, NULL, NULL, 0, 0, NULL, r);
}

static void assert_pattern(const char *body, size_t len)
{
    assert_int_equal(len, TOTAL);
    for (size_t i = 0; i < len; i++)
        if (body[i] != pattern(i))
            fail_msg("byte %zu is %c, not %c", i, body[i], pattern(i));
}

static void test_streamed_over_https(void **state)
{
    (void)state;
    calls = frees = bad_pg = 0;
    biggest = 0;
    thttp_resp r;
    get("/big", &r);
    assert_int_equal(r.status, 200);
    assert_pattern(r.body, r.len);
    thttp_free(&r);
    /* Many calls of a bounded size: never the whole answer at once. */
    assert_true(calls >= TOTAL / (64 * 1024));
    assert_true(biggest <= 64 * 1024);
    assert_int_equal(bad_pg, 0);
    /* Freed once, and the one pooled connection is back: the next request
     * gets it (a kept connection would answer 503 after the pool's wait). */
    get("/small", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "small");
    thttp_free(&r);
    assert_int_equal(frees, 1);
}

static void test_error_cuts_the_connection(void **state)
{
    (void)state;
    frees = 0;
    thttp_resp r;
    int rc;
    char url[200];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/broken", srv_port(S));
    rc = thttp("GET", url, CA, NULL, NULL, 0, 0, NULL, &r);
    /* The status was sent, but the body never ends properly: curl sees a
     * cut transfer, never a complete short file. */
    assert_true(rc != 0 || r.len < TOTAL);
    assert_true(r.curl_error[0] != 0);
    thttp_free(&r);
    get("/small", &r);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
    assert_int_equal(frees, 1);
}

/*
 * The server counts the streams holding its connections: with a pool of
 * two it lets one run, so a request made while one streams is told there
 * is no room (an export then answers busy), and once the stream has ended
 * there is room again.
 */
static void test_streams_counted(void **state)
{
    (void)state;
    char url[200];
    srv_config c;
    srv_config_defaults(&c);
    snprintf(c.db, sizeof c.db, "%s", DB);
    snprintf(c.listen, sizeof c.listen, "127.0.0.1");
    c.port = 0;
    c.pool = 2;
    snprintf(c.tls_cert, sizeof c.tls_cert, "%s/server.pem", tpg_dir(PG));
    snprintf(c.tls_key, sizeof c.tls_key, "%s/server.key", tpg_dir(PG));
    c.web = &web;
    if (srv_start(&c, &S2) != 0)
        fail_msg("%s", srv_errmsg(S2));
    srv_web_request rq = {.method = "GET", .path = "/small", .address = "127.0.0.8"};
    srv_web_response out;
    srv_web_handle(S2, &rq, &out);
    free(out.body);
    assert_int_equal(seen_full, 0);
    for (int round = 0; round < 3; round++) {
        seen_full = -1;
        thttp_resp r;
        snprintf(url, sizeof url, "https://127.0.0.1:%d/probed", srv_port(S2));
        thttp("GET", url, CA, NULL, NULL, 0, 0, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_pattern(r.body, r.len);
        thttp_free(&r);
        assert_int_equal(seen_full, 1);
        /* The server lets go of a stream once its last byte is sent, which
         * may be a moment after the client has it all. */
        for (int i = 0; i < 500; i++) {
            srv_web_handle(S2, &rq, &out);
            free(out.body);
            if (seen_full == 0)
                break;
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        }
        assert_int_equal(seen_full, 0);
    }
    srv_free(S2);
    S2 = NULL;
}

static void test_in_process_drives_the_same_producer(void **state)
{
    (void)state;
    calls = frees = 0;
    srv_web_request rq = {.method = "GET", .path = "/big", .address = "127.0.0.9"};
    srv_web_response out;
    assert_int_equal(srv_web_handle(S, &rq, &out), 200);
    assert_null(out.produce);
    assert_pattern(out.body, out.len);
    assert_true(calls > 100);
    assert_int_equal(frees, 1);
    assert_string_equal(out.headers[0].value, "attachment; filename=\"big.csv\"");
    free(out.body);
    /* A producer's error is a 500 here. */
    rq.path = "/broken";
    assert_int_equal(srv_web_handle(S, &rq, &out), 500);
    assert_int_equal(frees, 2);
    free(out.body);
    rq.path = "/small";
    assert_int_equal(srv_web_handle(S, &rq, &out), 200);
    free(out.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streamed_over_https),
        cmocka_unit_test(test_error_cuts_the_connection),
        cmocka_unit_test(test_streams_counted),
        cmocka_unit_test(test_in_process_drives_the_same_producer),
    };
    return cmocka_run_group_tests(tests, up, down);
}
