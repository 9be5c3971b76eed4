/*
 * Fuzz target: the server's request handling in process, with a real
 * PostgreSQL behind it and no network. Each input is one request: method,
 * path, credentials, encoding and body are taken from the input (the
 * harness can lend the credentials of a real enrolled tablet, so pushes
 * and pulls reach the owner checks, the writes and the feed). The unit,
 * people, template and focus have fixed ids, which the seed corpus uses.
 *
 * Beyond "no crash, no leak, no undefined behaviour", every answer must be
 * one the tablet's codec reads: a typed error whose HTTP status matches its
 * code, or for 200 a reply that decodes. A 500 (a bug) or a 503 (the
 * database refused a statement: with a healthy database, a query the input
 * could break) is a finding.
 *
 * The database is trimmed back to the reference data every few thousand
 * requests, so a long run does not grow it without bound.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "srv.h"
#include "srvtest.h"

#define UNIT "11111111-1111-4111-8111-111111111111"
#define ROOM "22222222-2222-4222-8222-222222222222"
#define LEADER "33333333-3333-4333-8333-333333333333"
#define PEER1 "44444444-4444-4444-8444-444444444444"
#define PEER2 "55555555-5555-4555-8555-555555555555"
#define TMPL "66666666-6666-4666-8666-666666666666"
#define FOCUS "77777777-7777-4777-8777-777777777777"
#define SIGN "88888888-8888-4888-8888-888888888888"
#define OTHER_UNIT "99999999-9999-4999-8999-999999999999"
#define OTHER_PEER "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"

#define TRIM_EVERY 5000

static tpg *PG;
static srv *S;
static PGconn *DB;
static char CONNINFO[512];
static char AUTHZ[200];
static long RUNS;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_server: %s\n", what);
    exit(1);
}

static void admin(char *out, size_t cap, const char *in, ...)
{
    char *argv[40];
    int argc = 0;
    argv[argc++] = "--db";
    argv[argc++] = CONNINFO;
    va_list ap;
    va_start(ap, in);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < 39)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    char *obuf = NULL;
    size_t olen = 0;
    FILE *o = open_memstream(&obuf, &olen);
    FILE *i = fmemopen((void *)(in ? in : "\n"), in ? strlen(in) : 1, "r");
    int rc = srv_admin_main(argc, argv, i, o, stderr);
    fclose(i);
    fclose(o);
    if (rc != 0)
        die(argv[2]);
    if (out) {
        snprintf(out, cap, "%s", obuf ? obuf : "");
        out[strcspn(out, "\n")] = 0;
    }
    free(obuf);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die("cannot write a file");
}

static void stop_all(void)
{
    srv_free(S);
    S = NULL;
    PQfinish(DB);
    DB = NULL;
    tpg_stop(PG);
    PG = NULL;
}

/* Back to the reference data: what pushes and deletions added goes. */
static void trim(void)
{
    PGresult *r = PQexec(DB, "BEGIN; DELETE FROM items WHERE observation_id <> '' OR"
                             " entity = 'deleted'; DELETE FROM observations; TRUNCATE changes,"
                             " conflicts, audit_log; COMMIT");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die(PQresultErrorMessage(r));
    PQclear(r);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[400];
    if (tpg_start(0, &PG, err, sizeof err) != 0)
        die(err);
    atexit(stop_all);
    if (tpg_new_db(PG, "blik_fuzz", CONNINFO, sizeof CONNINFO) != 0)
        die("cannot make the database");
    /* Reference data with fixed ids, as the seeds expect. */
    char dir[600], path[700], doc[1200];
    snprintf(dir, sizeof dir, "%s", tpg_dir(PG));
    admin(NULL, 0, NULL, "unit-add", "--name", "Fuzz unit", "--id", UNIT, "--retention-days", "30",
          NULL);
    admin(NULL, 0, NULL, "unit-add", "--name", "Other unit", "--id", OTHER_UNIT, NULL);
    admin(NULL, 0, NULL, "room-add", "--unit", UNIT, "--name", "Room", "--id", ROOM, NULL);
    admin(NULL, 0, NULL, "person-add", "--unit", UNIT, "--name", "Leader", "--role", "leader",
          "--id", LEADER, NULL);
    admin(NULL, 0, NULL, "person-add", "--unit", UNIT, "--name", "Peer one", "--role", "peer",
          "--id", PEER1, NULL);
    admin(NULL, 0, NULL, "person-add", "--unit", UNIT, "--name", "Peer two", "--role", "peer",
          "--id", PEER2, NULL);
    admin(NULL, 0, NULL, "person-add", "--unit", OTHER_UNIT, "--name", "Other", "--role", "peer",
          "--id", OTHER_PEER, NULL);
    snprintf(doc, sizeof doc,
             "{\"id\":\"%s\",\"unit_id\":\"%s\",\"version\":1,\"name\":\"Questions\","
             "\"scale\":[\"not seen\",\"partly\",\"clearly\"],"
             "\"counters\":[{\"key\":\"open_q\",\"label\":\"Open question\"}],"
             "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
             TMPL, UNIT);
    snprintf(path, sizeof path, "%s/template.json", dir);
    write_file(path, doc);
    admin(NULL, 0, NULL, "template-add", "--unit", UNIT, "--file", path, NULL);
    snprintf(doc, sizeof doc,
             "{\"id\":\"%s\",\"question\":\"How do we ask?\",\"why\":\"\",\"pillar\":\"learning\","
             "\"period_from\":\"2026-01-01\",\"period_to\":\"2026-12-31\",\"template_id\":\"%s\","
             "\"signs\":[{\"id\":\"%s\",\"text\":\"Children answer in sentences\"}]}",
             FOCUS, TMPL, SIGN);
    snprintf(path, sizeof path, "%s/focus.json", dir);
    write_file(path, doc);
    admin(NULL, 0, NULL, "focus-add", "--unit", UNIT, "--file", path, NULL);
    admin(NULL, 0, "2580\n", "pin-set", "--person", PEER1, NULL);

    /* Limits so high they never refuse here, but their code runs. */
    srv_config c;
    srv_config_defaults(&c);
    snprintf(c.db, sizeof c.db, "%s", CONNINFO);
    c.pool = 1;
    c.rate_address = 1000000;
    c.rate_device = 1000000;
    c.rate_enrol = 100000;
    c.rate_slots = 64;
    if (srv_open(&c, &S) != 0)
        die(srv_errmsg(S));
    DB = PQconnectdb(CONNINFO);
    if (PQstatus(DB) != CONNECTION_OK)
        die("no database connection for the harness");

    /* One enrolled tablet whose credentials inputs may borrow. */
    char code[40], body[200];
    admin(code, sizeof code, NULL, "enrol-code", "--unit", UNIT, "--ttl-minutes", "10080", NULL);
    snprintf(body, sizeof body, "{\"schema\":1,\"code\":\"%s\",\"device_name\":\"Fuzz\"}", code);
    srv_request rq = {.method = "POST",
                      .path = "/v1/enrol",
                      .address = "127.0.0.1",
                      .body = body,
                      .len = strlen(body)};
    srv_response a;
    proto_enrol_reply rep;
    if (srv_handle(S, &rq, &a) != 200 ||
        proto_enrol_reply_decode(a.body, strlen(a.body), &rep, NULL) != 0)
        die("cannot enrol the fuzzing tablet");
    free(a.body);
    snprintf(AUTHZ, sizeof AUTHZ, "Bearer %s.%s", rep.device_id, rep.device_secret);
    /* Serving's periodic job, once, so a findings run covers it too. */
    if (srv_retention_now(S) < 0)
        die("the retention job failed");
    return 0;
}

#define FINDING(...)                                                                               \
    do {                                                                                           \
        fprintf(stderr, "fuzz_server: " __VA_ARGS__);                                              \
        fprintf(stderr, "\n  status %d, body %s\n", a.status, a.body ? a.body : "(none)");         \
        abort();                                                                                   \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > PROTO_BODY_MAX + 1024)
        return 0;
    if (++RUNS % TRIM_EVERY == 0)
        trim();
    static const char *const methods[] = {"POST", "GET", "PUT", "HEAD"};
    static const char *const paths[] = {"/v1/ping", "/v1/enrol", "/v1/push", "/v1/pull"};
    static const char *const addrs[] = {"127.0.0.1", "10.0.0.1", "10.0.0.2",    "192.168.1.7",
                                        "::1",       "",         "203.0.113.9", "198.51.100.4"};
    uint8_t flags = data[0], which = data[1];
    /* The first line is the free header (nonce, Authorization, or path);
     * the rest is the body. */
    const char *rest = (const char *)data + 2;
    size_t left = size - 2;
    const char *nl = memchr(rest, '\n', left < 512 ? left : 512);
    char line[513] = "";
    if (nl) {
        memcpy(line, rest, (size_t)(nl - rest));
        line[nl - rest] = 0;
        left -= (size_t)(nl - rest) + 1;
        rest = nl + 1;
    }
    int own_path = which >= 4;
    srv_request rq;
    memset(&rq, 0, sizeof rq);
    rq.method = methods[flags & 3];
    rq.path = own_path ? line : paths[which];
    rq.nonce = !own_path ? line : NULL;
    rq.authorization = (flags & 4) ? (own_path ? NULL : line) : AUTHZ;
    rq.address = addrs[flags >> 5];
    char *gz = NULL;
    size_t gzlen = 0;
    if ((flags & 8) && proto_gzip(rest, left, PROTO_GZIP_SMALL, &gz, &gzlen) == 0) {
        rq.content_encoding = "gzip";
        rq.body = gz;
        rq.len = gzlen;
    } else {
        rq.content_encoding = (flags & 16) ? "gzip" : NULL;
        rq.body = rest;
        rq.len = left;
    }
    srv_response a;
    int status = srv_handle(S, &rq, &a);
    if (status != a.status)
        FINDING("srv_handle returned %d for status %d", status, a.status);
    if (!a.body)
        FINDING("no body");
    size_t blen = strlen(a.body);
    if (a.status == 500 || a.status == 503)
        FINDING("a server error on a healthy database");
    if (a.status == 200) {
        proto_err e;
        int ok = -1;
        if (!strcmp(rq.path, "/v1/ping")) {
            ok = proto_ping_reply_check(a.body, blen, rq.nonce ? rq.nonce : "", &e);
        } else if (!strcmp(rq.path, "/v1/enrol")) {
            proto_enrol_reply r;
            ok = proto_enrol_reply_decode(a.body, blen, &r, &e);
        } else if (!strcmp(rq.path, "/v1/push")) {
            proto_push_reply r;
            ok = proto_push_reply_decode(a.body, blen, &r, &e);
            proto_push_reply_clear(&r);
        } else if (!strcmp(rq.path, "/v1/pull")) {
            proto_pull_reply r;
            ok = proto_pull_reply_decode(a.body, blen, &r, &e);
            proto_pull_reply_clear(&r);
        }
        if (ok != 0)
            FINDING("a 200 the tablet cannot read: %s", e.msg);
    } else {
        proto_err e;
        proto_error_decode(a.body, blen, &e);
        if (e.code == PROTO_E_INTERNAL || proto_code_http(e.code) != a.status || strlen(e.msg) < 10)
            FINDING("an error the tablet cannot read");
        if ((e.code == PROTO_E_RATE_LIMITED) != (a.retry_after > 0))
            FINDING("Retry-After goes with rate_limited and only with it");
    }
    free(a.body);
    free(gz);
    return 0;
}
