/*
 * "Nothing lost, nothing doubled": the same push sent three times at once,
 * and again after the server was killed between its commit and its reply,
 * leaves exactly one stored record, and every reply is success or duplicate.
 * Also: a graceful stop lets a request in flight finish.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include <sodium.h>

#include "fixture.h"
#include "srv_int.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U;
static fx_device D;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_idem", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
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

/* Sends body n times at once; returns the replies in s. */
static void send_concurrently(const char *body, sender *s, int n)
{
    pthread_t t[8];
    for (int i = 0; i < n; i++) {
        s[i].body = body;
        assert_int_equal(pthread_create(&t[i], NULL, send_push, &s[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

static long long stored_copies(const char *entity, const char *key)
{
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE entity = '%s' AND key = '%s'",
             entity, key);
    return fx_count(&W, sql);
}

static long long change_rows(const char *change_id)
{
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM changes WHERE change_id = '%s'", change_id);
    return fx_count(&W, sql);
}

/* A push of an observation, a note and the feedback. */
static void make_push(proto_change c[3], model_record *obs, char **body)
{
    model_record note, fb;
    fx_obs(&U, U.peer1, U.peer2, obs);
    fx_note(obs->u.obs.id, "Asked why, twice.", &note);
    fx_feedback(obs->u.obs.id, U.peer1, "Good waiting time.", &fb);
    fx_change(&c[0], U.peer1, 0, obs);
    fx_change(&c[1], U.peer1, 0, &note);
    fx_change(&c[2], U.peer1, 0, &fb);
    *body = fx_push_body(c, 3);
}

static void assert_exactly_once(const proto_change c[3], const model_record *obs)
{
    assert_int_equal(stored_copies("observation", obs->u.obs.id), 1);
    assert_int_equal(stored_copies("note", c[1].rec->u.note.id), 1);
    assert_int_equal(stored_copies("feedback", obs->u.obs.id), 1);
    for (int k = 0; k < 3; k++)
        assert_int_equal(change_rows(c[k].change_id), 1);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT version FROM items WHERE entity = 'observation' AND key = '%s'",
             obs->u.obs.id);
    assert_int_equal(fx_count(&W, sql), 1); /* applied once: still version 1 */
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the pull cursor under concurrent writers ---- */

enum { WRITERS = 4, PUSHES = 8, PER_PUSH = 5, TOTAL = WRITERS * PUSHES * PER_PUSH };

typedef struct {
    fx_device dev;
    model_id ids[PUSHES * PER_PUSH];
} writer;

static pthread_mutex_t finished_mu = PTHREAD_MUTEX_INITIALIZER;
static int finished;

static void *write_many(void *ud)
{
    writer *wr = ud;
    char url[200];
    snprintf(url, sizeof url, "%s/v1/push", W.srv.url);
    for (int p = 0; p < PUSHES; p++) {
        proto_change c[PER_PUSH];
        for (int i = 0; i < PER_PUSH; i++) {
            model_record o;
            fx_obs(&U, U.peer1, U.peer2, &o);
            snprintf(wr->ids[p * PER_PUSH + i], sizeof(model_id), "%s", o.u.obs.id);
            fx_change(&c[i], U.peer1, 0, &o);
        }
        char *body = fx_push_body(c, PER_PUSH);
        thttp_resp r;
        thttp("POST", url, W.srv.ca, wr->dev.authz, body, strlen(body), 0, NULL, &r);
        if (r.status != 200)
            fprintf(stderr, "writer: %ld %s\n", r.status, r.body);
        thttp_free(&r);
        free(body);
    }
    pthread_mutex_lock(&finished_mu);
    finished++;
    pthread_mutex_unlock(&finished_mu);
    return NULL;
}

static int all_finished(void)
{
    pthread_mutex_lock(&finished_mu);
    int f = finished == WRITERS;
    pthread_mutex_unlock(&finished_mu);
    return f;
}

/* A reader pulling in small pages while four tablets write: every record
 * written must reach it exactly once, however the commits interleave. */
static void test_pull_cursor_skips_nothing_under_concurrent_writers(void **state)
{
    (void)state;
    proto_pull_reply p;
    int64_t cursor = 0;
    int more = 1;
    while (more) { /* first catch up with what is there already */
        fx_pull(&W, &D, U.leader, cursor, 500, &p);
        cursor = p.cursor;
        more = p.more;
        proto_pull_reply_clear(&p);
    }
    static writer wr[WRITERS];
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++)
        fx_enrol(&W, U.unit, &wr[i].dev);
    finished = 0;
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, write_many, &wr[i]), 0);
    static model_id seen[TOTAL * 2];
    int n_seen = 0, pulls = 0;
    for (;;) {
        /* Read "finished" before pulling: a pull that starts after the last
         * write has committed and says "no more" has seen everything. */
        int done = all_finished();
        fx_pull(&W, &D, U.leader, cursor, 7, &p);
        pulls++;
        for (int i = 0; i < p.n; i++)
            if (p.items[i].rec->entity == MODEL_ENT_OBSERVATION) {
                assert_true(n_seen < TOTAL * 2);
                snprintf(seen[n_seen++], sizeof(model_id), "%s", p.items[i].rec->u.obs.id);
            }
        assert_true(p.cursor >= cursor);
        cursor = p.cursor;
        int caught_up = done && !p.more;
        proto_pull_reply_clear(&p);
        if (caught_up)
            break;
        assert_true(pulls < 20000);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);
    for (int w = 0; w < WRITERS; w++)
        for (int k = 0; k < PUSHES * PER_PUSH; k++) {
            int count = 0;
            for (int i = 0; i < n_seen; i++)
                count += !strcmp(seen[i], wr[w].ids[k]);
            assert_int_equal(count, 1);
        }
    assert_int_equal(n_seen, TOTAL);
    assert_true(pulls > 2); /* the reader really did read while writes went on */
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Idempotent Unit", &U);
    fx_enrol(&W, U.unit, &D);
}

static void test_same_push_three_times_concurrently(void **state)
{
    (void)state;
    for (int round = 0; round < 5; round++) {
        proto_change c[3];
        model_record obs;
        char *body;
        make_push(c, &obs, &body);
        sender s[3];
        memset(s, 0, sizeof s);
        send_concurrently(body, s, 3);
        int stored[3] = {0};
        for (int i = 0; i < 3; i++) {
            assert_int_equal(s[i].r.status, 200);
            proto_push_reply rep;
            assert_int_equal(proto_push_reply_decode(s[i].r.body, s[i].r.len, &rep, NULL), 0);
            for (int k = 0; k < 3; k++) {
                proto_status st = rep.results[k].status;
                assert_true(st == PROTO_ST_STORED || st == PROTO_ST_DUPLICATE);
                stored[k] += st == PROTO_ST_STORED;
            }
            proto_push_reply_clear(&rep);
            thttp_free(&s[i].r);
        }
        for (int k = 0; k < 3; k++)
            assert_int_equal(stored[k], 1); /* exactly one of the three applied it */
        assert_exactly_once(c, &obs);
        free(body);
    }
}

/* Events are known by their own ids, with no row in changes: the same
 * push of an observation and its events sent three times at once still
 * stores each once, and the other two are told duplicate. */
static void test_events_sent_three_times_concurrently(void **state)
{
    (void)state;
    enum { EVENTS = 5 };
    for (int round = 0; round < 3; round++) {
        model_record obs, ev[EVENTS];
        proto_change c[1 + EVENTS];
        fx_obs(&U, U.peer1, U.peer2, &obs);
        fx_change(&c[0], U.peer1, 0, &obs);
        for (int k = 0; k < EVENTS; k++) {
            memset(&ev[k], 0, sizeof ev[k]);
            ev[k].entity = MODEL_ENT_EVENT;
            assert_int_equal(model_id_new(plat_sys_os(), ev[k].u.event.id), 0);
            snprintf(ev[k].u.event.observation_id, sizeof ev[k].u.event.observation_id, "%s",
                     obs.u.obs.id);
            ev[k].u.event.kind = MODEL_EV_COUNT;
            snprintf(ev[k].u.event.key, sizeof ev[k].u.event.key, "open_q");
            ev[k].u.event.at = obs.u.obs.started_at + 1000 * (k + 1);
            fx_change(&c[1 + k], U.peer1, 0, &ev[k]);
        }
        char *body = fx_push_body(c, 1 + EVENTS);
        sender s[3];
        memset(s, 0, sizeof s);
        send_concurrently(body, s, 3);
        int stored[1 + EVENTS] = {0};
        for (int i = 0; i < 3; i++) {
            assert_int_equal(s[i].r.status, 200);
            proto_push_reply rep;
            assert_int_equal(proto_push_reply_decode(s[i].r.body, s[i].r.len, &rep, NULL), 0);
            for (int k = 0; k < 1 + EVENTS; k++) {
                proto_status st = rep.results[k].status;
                assert_true(st == PROTO_ST_STORED || st == PROTO_ST_DUPLICATE);
                assert_int_equal(rep.results[k].version, 1);
                stored[k] += st == PROTO_ST_STORED;
            }
            proto_push_reply_clear(&rep);
            thttp_free(&s[i].r);
        }
        for (int k = 0; k < 1 + EVENTS; k++)
            assert_int_equal(stored[k], 1);
        assert_int_equal(stored_copies("observation", obs.u.obs.id), 1);
        assert_int_equal(change_rows(c[0].change_id), 1);
        for (int k = 0; k < EVENTS; k++) {
            assert_int_equal(stored_copies("event", ev[k].u.event.id), 1);
            assert_int_equal(change_rows(c[1 + k].change_id), 0);
        }
        free(body);
    }
}

/* A change is told from a reused change id by the SHA-256 of its canonical
 * text, stored with it: the hash must be that, whichever library makes
 * it, or every change a tablet sends again after the server's upgrade would
 * look like a different one. Checked against the standard's own examples
 * and against libsodium's hash of each change of a push. */
static void test_change_hash_is_sha256_of_its_canonical_text(void **state)
{
    (void)state;
    char hex[65];
    srv_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    srv_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    srv_sha256_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    proto_change c[3];
    model_record obs;
    char *body;
    make_push(c, &obs, &body);
    thttp_resp r;
    fx_post(&W, "/v1/push", &D, body, &r);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
    for (int k = 0; k < 3; k++) {
        char *canon = proto_change_canonical(&c[k]);
        assert_non_null(canon);
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, (const unsigned char *)canon, strlen(canon));
        char want[65], sql[800];
        sodium_bin2hex(want, sizeof want, h, sizeof h);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM changes WHERE change_id = '%s' AND body_sha256 = '%s'",
                 c[k].change_id, want);
        assert_int_equal(fx_count(&W, sql), 1);
        free(canon);
    }
    free(body);
}

/* Posts body to path with the Blik-Push header push_id (NULL: none). */
static void post_as(const char *path, const char *push_id, const char *body, thttp_resp *r)
{
    char url[300], hdr[80];
    snprintf(url, sizeof url, "%s%s", W.srv.url, path);
    snprintf(hdr, sizeof hdr, "%s: %s", PROTO_PUSH_ID_HEADER, push_id ? push_id : "");
    thttp("POST", url, W.srv.ca, D.authz, body, strlen(body), 0, push_id ? hdr : NULL, r);
}

/* The answer is 200, and each of the push's three changes is st. */
static void assert_answered_all(const thttp_resp *r, proto_status st)
{
    assert_int_equal(r->status, 200);
    proto_push_reply rep;
    assert_int_equal(proto_push_reply_decode(r->body, r->len, &rep, NULL), 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal(rep.results[k].status, st);
    proto_push_reply_clear(&rep);
}

/* The code of an error answer. */
static proto_code code_of(const thttp_resp *r)
{
    proto_err e;
    proto_error_decode(r->body ? r->body : "", r->len, &e);
    return e.code;
}

/* A push sent before the answer to the one before it names that one in its
 * path (PROTOCOL.md, "Two pushes in flight"): it is stored only when that
 * one is the device's last stored push, and is otherwise answered 409
 * out_of_order with nothing of it stored. Every answer says the server
 * does this. */
static void test_push_after_is_stored_only_after_that_push(void **state)
{
    (void)state;
    static const char *const p1 = "01938a6e-0000-7000-8000-000000000001",
                             *const p2 = "01938a6e-0000-7000-8000-000000000002";
    proto_change c1[3], c2[3];
    model_record o1, o2;
    char *b1, *b2, after1[120], after2[120];
    make_push(c1, &o1, &b1);
    make_push(c2, &o2, &b2);
    snprintf(after1, sizeof after1, "%s%s", PROTO_PUSH_AFTER_PATH, p1);
    snprintf(after2, sizeof after2, "%s%s", PROTO_PUSH_AFTER_PATH, p2);
    thttp_resp r;

    /* The second push arrives first: refused, nothing stored. */
    post_as(after1, p2, b2, &r);
    assert_int_equal(r.status, 409);
    assert_int_equal(code_of(&r), PROTO_E_OUT_OF_ORDER);
    assert_string_equal(r.push_order, "after");
    thttp_free(&r);
    assert_int_equal(stored_copies("observation", o2.u.obs.id), 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal(change_rows(c2[k].change_id), 0);

    /* The first is stored and becomes the device's last push; then the
     * second is stored after it. */
    post_as("/v1/push", p1, b1, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.push_order, "after");
    thttp_free(&r);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM devices WHERE id = '%s' AND last_push_id = '%s'", D.id, p1);
    assert_int_equal(fx_count(&W, sql), 1);
    post_as(after1, p2, b2, &r);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
    assert_exactly_once(c1, &o1);
    assert_exactly_once(c2, &o2);

    /* Sent again after the first, once the second is the last: refused,
     * and the tablet sends it again in turn, answered as before. */
    post_as(after1, p2, b2, &r);
    assert_int_equal(r.status, 409);
    thttp_free(&r);
    post_as(after2, NULL, b2, &r);
    assert_answered_all(&r, PROTO_ST_DUPLICATE);
    thttp_free(&r);
    /* A push without an id leaves the device without a last push id. */
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM devices WHERE last_push_id = ''"),
                     fx_count(&W, "SELECT count(*) FROM devices"));

    /* Ids that are not ids are refused, nothing stored. */
    post_as(PROTO_PUSH_AFTER_PATH "not-an-id", p2, b2, &r);
    assert_int_equal(r.status, 400);
    assert_int_equal(code_of(&r), PROTO_E_VALUE);
    thttp_free(&r);
    post_as("/v1/push", "01938A6E-0000-7000-8000-000000000001", b2, &r);
    assert_int_equal(r.status, 400);
    assert_int_equal(code_of(&r), PROTO_E_VALUE);
    assert_non_null(strstr(r.body, PROTO_PUSH_ID_HEADER));
    thttp_free(&r);
    assert_exactly_once(c2, &o2);
    free(b1);
    free(b2);
}

/* A push whose body comes slowly: half of it, a pause of pause_ms (after
 * which `paused` is set), then the rest. */
typedef struct {
    const char *path, *push_id, *body;
    size_t len, at;
    int pause_ms;
    volatile int paused;
    long status;
} slow_post;

static size_t slow_read(char *buf, size_t size, size_t n, void *ud)
{
    slow_post *sp = ud;
    size_t half = sp->len / 2;
    if (sp->at == half && !sp->paused) {
        sp->paused = 1;
        struct timespec ts = {sp->pause_ms / 1000, (long)(sp->pause_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    size_t end = sp->at < half ? half : sp->len, k = end - sp->at;
    if (k > size * n)
        k = size * n;
    memcpy(buf, sp->body + sp->at, k);
    sp->at += k;
    return k;
}

static void *slow_send(void *ud)
{
    slow_post *sp = ud;
    char url[300], id[80], auth[300];
    snprintf(url, sizeof url, "%s%s", W.srv.url, sp->path);
    snprintf(id, sizeof id, "%s: %s", PROTO_PUSH_ID_HEADER, sp->push_id);
    snprintf(auth, sizeof auth, "Authorization: %s", D.authz);
    struct curl_slist *h = curl_slist_append(NULL, id);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, W.srv.ca);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, slow_read);
    curl_easy_setopt(c, CURLOPT_READDATA, sp);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)sp->len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, thttp_discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &sp->status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    return NULL;
}

/* A push sent early whose body the server has read while the push it
 * follows is still coming waits for that one to take the unit's lock,
 * and is then stored after it, instead of being refused out_of_order:
 * only a push the server is not reading at all is refused (the test
 * above). */
static void test_push_after_waits_for_the_push_being_read(void **state)
{
    (void)state;
    static const char *const p1 = "01938a6e-0000-7000-8000-000000000011",
                             *const p2 = "01938a6e-0000-7000-8000-000000000012";
    proto_change c1[3], c2[3];
    model_record o1, o2;
    char *b1, *b2, after1[120];
    make_push(c1, &o1, &b1);
    make_push(c2, &o2, &b2);
    snprintf(after1, sizeof after1, "%s%s", PROTO_PUSH_AFTER_PATH, p1);
    slow_post first = {"/v1/push", p1, b1, strlen(b1), 0, 3000, 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_send, &first), 0);
    for (int i = 0; i < 1000 && !first.paused; i++) {
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    if (!first.paused) {
        pthread_join(t, NULL);
        fail_msg("the first push never came to its pause (status %ld)", first.status);
    }
    /* The first's headers and half its body are on their way; the server
     * has read them well within this, and the pause lasts two seconds
     * more. */
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
    thttp_resp r;
    post_as(after1, p2, b2, &r);
    pthread_join(t, NULL);
    assert_int_equal(first.status, 200);
    assert_answered_all(&r, PROTO_ST_STORED);
    thttp_free(&r);
    /* Stored only because the first was the device's last push when it
     * came to the lock; now the second is. */
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM devices WHERE id = '%s' AND last_push_id = '%s'", D.id, p2);
    assert_int_equal(fx_count(&W, sql), 1);
    assert_exactly_once(c1, &o1);
    assert_exactly_once(c2, &o2);

    /* A push that names itself is not made to wait for itself: refused at
     * once, with no wait run out in the server's log. */
    static const char *const p3 = "01938a6e-0000-7000-8000-000000000013";
    char after3[120];
    snprintf(after3, sizeof after3, "%s%s", PROTO_PUSH_AFTER_PATH, p3);
    post_as(after3, p3, b2, &r);
    assert_int_equal(r.status, 409);
    thttp_free(&r);
    char *log = tsupport_read_file(W.srv.log);
    assert_non_null(log);
    assert_null(strstr(log, "was still being read"));
    free(log);
    free(b1);
    free(b2);
}

/* Waits until the change is committed (seen from another connection). */
static void wait_committed(const char *change_id)
{
    for (int i = 0; i < 400 && change_rows(change_id) == 0; i++)
        sleep_ms(25);
    assert_int_equal(change_rows(change_id), 1);
}

static void test_killed_between_commit_and_reply(void **state)
{
    (void)state;
    /* A server that pauses after committing a push, before replying. */
    fx_restart_env(&W, "BLIK_FAULT_COMMIT_DELAY_MS", "5000");

    proto_change c[3];
    model_record obs;
    char *body;
    make_push(c, &obs, &body);
    sender s;
    memset(&s, 0, sizeof s);
    s.body = body;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, send_push, &s), 0);
    wait_committed(c[2].change_id);
    tsrv_kill(&W.srv); /* SIGKILL: the commit is done, the reply never sent */
    pthread_join(t, NULL);
    assert_int_equal(s.r.status, 0); /* the tablet saw no answer: outcome unknown */
    thttp_free(&s.r);

    /* The tablet retries with the same change ids, three times at once. */
    fx_restart(&W, NULL);
    sender s3[3];
    memset(s3, 0, sizeof s3);
    send_concurrently(body, s3, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s3[i].r.status, 200);
        proto_push_reply rep;
        assert_int_equal(proto_push_reply_decode(s3[i].r.body, s3[i].r.len, &rep, NULL), 0);
        for (int k = 0; k < 3; k++) {
            assert_int_equal(rep.results[k].status, PROTO_ST_DUPLICATE);
            assert_int_equal(rep.results[k].version, 1);
        }
        proto_push_reply_clear(&rep);
        thttp_free(&s3[i].r);
    }
    assert_exactly_once(c, &obs);
    free(body);
}

static void test_graceful_stop_finishes_request_in_flight(void **state)
{
    (void)state;
    fx_restart_env(&W, "BLIK_FAULT_COMMIT_DELAY_MS", "1500");
    proto_change c[3];
    model_record obs;
    char *body;
    make_push(c, &obs, &body);
    sender s;
    memset(&s, 0, sizeof s);
    s.body = body;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, send_push, &s), 0);
    wait_committed(c[2].change_id);
    /* SIGTERM while the request is in flight: it still gets its answer, and
     * the server exits cleanly afterwards. */
    assert_int_equal(tsrv_stop(&W.srv), 0);
    pthread_join(t, NULL);
    assert_int_equal(s.r.status, 200);
    proto_push_reply rep;
    assert_int_equal(proto_push_reply_decode(s.r.body, s.r.len, &rep, NULL), 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal(rep.results[k].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    thttp_free(&s.r);
    free(body);
    /* A new server after the stop refuses nothing it should accept. */
    fx_restart(&W, NULL);
    fx_ping_ok(&W);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_same_push_three_times_concurrently),
        cmocka_unit_test(test_events_sent_three_times_concurrently),
        cmocka_unit_test(test_change_hash_is_sha256_of_its_canonical_text),
        cmocka_unit_test(test_push_after_is_stored_only_after_that_push),
        cmocka_unit_test(test_push_after_waits_for_the_push_being_read),
        cmocka_unit_test(test_killed_between_commit_and_reply),
        cmocka_unit_test(test_pull_cursor_skips_nothing_under_concurrent_writers),
        cmocka_unit_test(test_graceful_stop_finishes_request_in_flight),
    };
    int rc = cmocka_run_group_tests_name("srv_idempotency", tests, up, down);
    curl_global_cleanup();
    return rc;
}
