/*
 * The protocol as sync/PROTOCOL.md writes it, checked from the outside: a
 * client that knows only the document sends what it allows and what it
 * refuses, and gets the status, the code and a message naming the field the
 * document promises. Each check here was once answered otherwise: a body
 * without a length over the cap got no answer at all, a pull's limit and an
 * over-long note were told apart from the document, a NUL escape was named
 * by the JSON library's flag, invalid UTF-8 by its byte alone, and any
 * Content-Type was taken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "fixture.h"
#include "srv.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U;
static fx_device D;
static model_id OBS; /* an observation on the server, for notes */
static fx_stored before;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_protocol", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

/* ---- a client of its own: any header, a body with or without a length ---- */

typedef struct {
    const char *body;
    size_t len, sent;
} source;

static size_t give(char *buf, size_t sz, size_t n, void *ud)
{
    source *s = ud;
    size_t k = sz * n;
    if (k > s->len - s->sent)
        k = s->len - s->sent;
    memcpy(buf, s->body + s->sent, k);
    s->sent += k;
    return k;
}

typedef struct {
    char *buf;
    size_t len;
} sink;

static size_t take(char *p, size_t sz, size_t n, void *ud)
{
    sink *s = ud;
    size_t k = sz * n;
    char *nb = realloc(s->buf, s->len + k + 1);
    if (!nb)
        return 0;
    memcpy(nb + s->len, p, k);
    s->buf = nb;
    s->len += k;
    s->buf[s->len] = 0;
    return k;
}

/* POSTs body to path as D with the given Content-Type (NULL: none at all),
 * chunked (no Content-Length) when asked. The answer's status and body go
 * into r (body decoded as an error by the caller). */
static void post(const char *path, const char *content_type, const char *body, size_t len,
                 int chunked, thttp_resp *r)
{
    memset(r, 0, sizeof *r);
    char url[200], auth[200], ct[200];
    snprintf(url, sizeof url, "%s%s", W.srv.url, path);
    snprintf(auth, sizeof auth, "Authorization: %s", D.authz);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Expect:");
    /* "Content-Type:" with nothing after it makes curl leave the header out. */
    snprintf(ct, sizeof ct, "Content-Type:%s%s", content_type ? " " : "",
             content_type ? content_type : "");
    h = curl_slist_append(h, ct);
    if (chunked)
        h = curl_slist_append(h, "Transfer-Encoding: chunked");
    source src = {body, len, 0};
    sink out = {NULL, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, W.srv.ca);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, give);
    curl_easy_setopt(c, CURLOPT_READDATA, &src);
    if (!chunked)
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        snprintf(r->curl_error, sizeof r->curl_error, "%s", curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    r->body = out.buf ? out.buf : calloc(1, 1);
    r->len = out.len;
}

/* Asserts the error the document gives for a refusal, and that its message
 * holds each of the texts given (NULL-terminated) and none of the JSON
 * library's own words. */
static void refused(const thttp_resp *r, int status, proto_code code, ...)
{
    if (r->status != status)
        fprintf(stderr, "answer %ld (%s): %s\n", r->status, r->curl_error, r->body);
    fx_assert_error(r, status, code);
    proto_err e;
    proto_error_decode(r->body, r->len, &e);
    va_list ap;
    va_start(ap, code);
    for (const char *want; (want = va_arg(ap, const char *)) != NULL;)
        TSUPPORT_HAS(e.msg, want);
    va_end(ap);
    assert_null(strstr(e.msg, "JSON_"));
    assert_null(strstr(e.msg, "ALLOW_NUL"));
}

/* A push of one note on OBS whose text is `text` as it goes on the wire
 * (raw bytes or escapes; the caller's). */
static char *note_push(const char *text)
{
    model_record n;
    fx_note(OBS, "PLACEHOLDER", &n);
    proto_change c;
    fx_change(&c, U.peer1, 0, &n);
    char *b = fx_push_body(&c, 1);
    char *at = strstr(b, "PLACEHOLDER");
    assert_non_null(at);
    size_t head = (size_t)(at - b), tail = strlen(at + 11);
    char *out = malloc(head + strlen(text) + tail + 1);
    memcpy(out, b, head);
    memcpy(out + head, text, strlen(text));
    memcpy(out + head + strlen(text), at + 11, tail + 1);
    free(b);
    return out;
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Protocol Unit", &U);
    fx_enrol(&W, U.unit, &D);
    model_record o;
    fx_obs(&U, U.peer1, U.peer2, &o);
    snprintf(OBS, sizeof OBS, "%s", o.u.obs.id);
    proto_change c;
    fx_change(&c, U.peer1, 0, &o);
    proto_push_reply rep;
    fx_push(&W, &D, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    /* A note sent the ordinary way is stored, so the refusals below are
     * about the one thing each breaks. */
    char *b = note_push("A plain note");
    thttp_resp r;
    post("/v1/push", "application/json", b, strlen(b), 0, &r);
    assert_int_equal(r.status, 200);
    TSUPPORT_HAS(r.body, "\"stored\"");
    thttp_free(&r);
    free(b);
    before = fx_stored_now(&W);
}

/* Transport, Limits: "a body without a length is cut off at the cap" and
 * refused with too_large, HTTP 413 — an answer, so that the tablet splits
 * its push instead of sending the same body again. */
static void test_body_without_length_over_cap_is_413(void **state)
{
    (void)state;
    /* Under the cap, a body without a length is read like any other. */
    char *b = note_push("Sent in chunks");
    thttp_resp r;
    post("/v1/push", "application/json", b, strlen(b), 1, &r);
    assert_int_equal(r.status, 200);
    TSUPPORT_HAS(r.body, "\"stored\"");
    thttp_free(&r);
    free(b);
    before = fx_stored_now(&W);
    /* Over it by a little and by a lot (still within what the server
     * reads to the end before answering). */
    size_t sizes[] = {(size_t)PROTO_BODY_MAX + 1, (size_t)PROTO_BODY_MAX * 3};
    for (int i = 0; i < 2; i++) {
        char *big = malloc(sizes[i]);
        memset(big, ' ', sizes[i]);
        post("/v1/push", "application/json", big, sizes[i], 1, &r);
        refused(&r, 413, PROTO_E_TOO_LARGE, "larger than", NULL);
        assert_true(r.len > 0);
        thttp_free(&r);
        free(big);
        fx_nothing_stored(&W, before);
    }
    /* The office's forms share the way a body is read, with their own cap. */
    size_t form = (size_t)SRV_WEB_BODY_MAX + 1;
    char *big = malloc(form);
    memset(big, 'a', form);
    post("/sign-in", "application/x-www-form-urlencoded", big, form, 1, &r);
    assert_int_equal(r.status, 413);
    TSUPPORT_HAS(r.body, "too large");
    thttp_free(&r);
    free(big);
}

/* Limits, Errors: a pull's limit over PROTO_PULL_MAX and a text over its
 * field's byte cap are values out of range, bad_value, naming the field;
 * too_large is for what sending less at once mends. */
static void test_values_over_their_cap_are_bad_value(void **state)
{
    (void)state;
    char body[200];
    thttp_resp r;
    snprintf(body, sizeof body, "{\"schema\":1,\"cursor\":0,\"limit\":%d,\"person_id\":\"\"}",
             PROTO_PULL_MAX + 1);
    post("/v1/pull", "application/json", body, strlen(body), 0, &r);
    refused(&r, 400, PROTO_E_VALUE, "\"limit\"", NULL);
    thttp_free(&r);
    snprintf(body, sizeof body, "{\"schema\":1,\"cursor\":0,\"limit\":%d,\"person_id\":\"\"}",
             PROTO_PULL_MAX);
    post("/v1/pull", "application/json", body, strlen(body), 0, &r);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
    /* A 300 kB note: under the body cap, far over the note's. */
    size_t n = 300 * 1000;
    char *text = malloc(n + 1);
    memset(text, 'a', n);
    text[n] = 0;
    char *b = note_push(text);
    post("/v1/push", "application/json", b, strlen(b), 0, &r);
    refused(&r, 400, PROTO_E_VALUE, "changes[0]", "text", NULL);
    thttp_free(&r);
    free(b);
    free(text);
    fx_nothing_stored(&W, before);
}

/* Messages in general: "a NUL or control character ... refuses the whole
 * message with a typed error naming the field". */
static void test_nul_escape_names_the_field(void **state)
{
    (void)state;
    char *b = note_push("before\\u0000after");
    thttp_resp r;
    post("/v1/push", "application/json", b, strlen(b), 0, &r);
    refused(&r, 400, PROTO_E_VALUE, "changes[0].data.text", "NUL", NULL);
    thttp_free(&r);
    free(b);
    /* An escaped backslash before "u0000" is no NUL: that note is stored. */
    b = note_push("C:\\\\u0000 is a path");
    post("/v1/push", "application/json", b, strlen(b), 0, &r);
    assert_int_equal(r.status, 200);
    TSUPPORT_HAS(r.body, "\"stored\"");
    thttp_free(&r);
    free(b);
    before = fx_stored_now(&W);
}

/* "invalid UTF-8 ... refuses the whole message with a typed error naming
 * the field": bad_utf8, in a value and in a field name. */
static void test_invalid_utf8_names_the_field(void **state)
{
    (void)state;
    char *b = note_push("Stue \xff\xfe bl\xc3\xa5");
    thttp_resp r;
    post("/v1/push", "application/json", b, strlen(b), 0, &r);
    refused(&r, 400, PROTO_E_UTF8, "changes[0].data.text", "UTF-8", NULL);
    thttp_free(&r);
    free(b);
    /* An overlong "/" in the actor's id. */
    b = note_push("fine");
    char *at = strstr(b, "\"actor_id\":\"");
    assert_non_null(at);
    at += strlen("\"actor_id\":\"");
    at[0] = (char)0xc0;
    at[1] = (char)0xaf;
    post("/v1/push", "application/json", b, strlen(b), 0, &r);
    refused(&r, 400, PROTO_E_UTF8, "changes[0].actor_id", NULL);
    thttp_free(&r);
    free(b);
    /* In a field's name, the object holding it is named. */
    const char *key = "{\"schema\":1,\"cursor\":0,\"limit\":5,\"person_id\":\"\",\"\xe2\x82\":1}";
    post("/v1/pull", "application/json", key, strlen(key), 0, &r);
    refused(&r, 400, PROTO_E_UTF8, "field name", NULL);
    thttp_free(&r);
    fx_nothing_stored(&W, before);
}

/* Transport: "Bodies are JSON (UTF-8) objects, Content-Type:
 * application/json"; another type is refused with bad_encoding (415)
 * before the body is read, on every endpoint that takes a body. */
static void test_wrong_content_type_is_refused(void **state)
{
    (void)state;
    char *b = note_push("Typed");
    const char *wrong[] = {"text/plain", "application/x-www-form-urlencoded", "application/jsonp",
                           "application/json; charset=iso-8859-1"};
    thttp_resp r;
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        post("/v1/push", wrong[i], b, strlen(b), 0, &r);
        refused(&r, 415, PROTO_E_ENCODING, "application/json", NULL);
        thttp_free(&r);
        fx_nothing_stored(&W, before);
    }
    const char *pull = "{\"schema\":1,\"cursor\":0,\"limit\":5,\"person_id\":\"\"}";
    post("/v1/pull", "text/plain", pull, strlen(pull), 0, &r);
    refused(&r, 415, PROTO_E_ENCODING, "Content-Type", NULL);
    thttp_free(&r);
    post("/v1/enrol", "text/plain", "{}", 2, 0, &r);
    refused(&r, 415, PROTO_E_ENCODING, "Content-Type", NULL);
    thttp_free(&r);
    /* The type with a UTF-8 charset, in any case, is the right one. */
    post("/v1/push", "Application/JSON; charset=\"UTF-8\"", b, strlen(b), 0, &r);
    assert_int_equal(r.status, 200);
    TSUPPORT_HAS(r.body, "\"stored\"");
    thttp_free(&r);
    free(b);
}

static int run_server(const char *args, char *out, size_t cap)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", BLIK_SERVER_EXE_PATH, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Transport, rate limits: `--rate-slots` has a least value, which --help
 * says and the refusal of a smaller one repeats. */
static void test_help_says_the_least_rate_slots(void **state)
{
    (void)state;
    static char out[16384];
    assert_int_equal(run_server("--help", out, sizeof out), 0);
    const char *line = strstr(out, "--rate-slots");
    assert_non_null(line);
    TSUPPORT_HAS(line, "at least 16");
    assert_int_equal(run_server("serve --rate-slots 15", out, sizeof out), 2);
    TSUPPORT_HAS(out, "from 16");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_body_without_length_over_cap_is_413),
        cmocka_unit_test(test_values_over_their_cap_are_bad_value),
        cmocka_unit_test(test_nul_escape_names_the_field),
        cmocka_unit_test(test_invalid_utf8_names_the_field),
        cmocka_unit_test(test_wrong_content_type_is_refused),
        cmocka_unit_test(test_help_says_the_least_rate_slots),
    };
    int rc = cmocka_run_group_tests_name("sec_protocol", tests, up, down);
    curl_global_cleanup();
    return rc;
}
