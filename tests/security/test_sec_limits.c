/*
 * Rate limits: the bucket table itself (fixed size, refuses rather than
 * forgets a limited client, refills with time), then the server with low
 * limits: per device, strict on failed enrolments, and per address.
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

static fx_world W;
static fx_unit U;
static fx_device A, B;

static const char *const low_limits[] = {
    "--rate-device", "5", "--rate-enrol", "3", "--rate-address", "0", NULL};

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_limits", low_limits);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

/* ---- the table alone ---- */

static void test_bucket_allows_burst_then_waits(void **state)
{
    (void)state;
    srv_rate *r = srv_rate_new(64, 3, 60); /* 3 per minute */
    assert_non_null(r);
    for (int i = 0; i < 3; i++)
        assert_int_equal(srv_rate_take(r, "10.0.0.1", 100.0, 1), 0);
    int wait = srv_rate_take(r, "10.0.0.1", 100.0, 1);
    assert_true(wait >= 1 && wait <= 20); /* one token every 20 s */
    /* Another key has its own bucket. */
    assert_int_equal(srv_rate_take(r, "10.0.0.2", 100.0, 1), 0);
    /* Looking (cost 0) takes nothing. */
    for (int i = 0; i < 10; i++)
        assert_int_equal(srv_rate_take(r, "10.0.0.3", 100.0, 0), 0);
    /* Twenty seconds later one more request passes, and only one. */
    assert_int_equal(srv_rate_take(r, "10.0.0.1", 120.5, 1), 0);
    assert_int_not_equal(srv_rate_take(r, "10.0.0.1", 120.5, 1), 0);
    srv_rate_free(r);
    /* Nonsense sizes are refused; a NULL table allows everything. */
    assert_null(srv_rate_new(0, 3, 60));
    assert_null(srv_rate_new(64, 0, 60));
    assert_int_equal(srv_rate_take(NULL, "x", 0, 1), 0);
}

static void test_table_is_bounded_and_does_not_forget_limited_clients(void **state)
{
    (void)state;
    srv_rate *r = srv_rate_new(64, 2, 3600);
    assert_int_equal(srv_rate_slots(r), 64);
    /* A client uses up its budget. */
    assert_int_equal(srv_rate_take(r, "victim-of-own-guessing", 10.0, 1), 0);
    assert_int_equal(srv_rate_take(r, "victim-of-own-guessing", 10.0, 1), 0);
    assert_int_not_equal(srv_rate_take(r, "victim-of-own-guessing", 10.0, 1), 0);
    /* 100,000 other keys pass through; the table never holds more than its
     * slots, and some of the newcomers are refused once it is full. */
    int refused = 0;
    char key[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "addr-%d", i);
        refused += srv_rate_take(r, key, 11.0, 1) != 0;
        assert_true(srv_rate_used(r, 11.0) <= 64);
    }
    assert_true(refused > 0);
    /* The limited client was not pushed out by the flood. */
    assert_int_not_equal(srv_rate_take(r, "victim-of-own-guessing", 11.0, 1), 0);
    /* An hour later every bucket has refilled and newcomers are welcome. */
    assert_int_equal(srv_rate_take(r, "late-comer", 11.0 + 3600, 1), 0);
    assert_int_equal(srv_rate_take(r, "victim-of-own-guessing", 11.0 + 3600, 1), 0);
    /* A key longer than the slot is cut, not overflowed. */
    char longkey[200];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = 0;
    assert_int_equal(srv_rate_take(r, longkey, 11.0 + 3600, 1), 0);
    srv_rate_free(r);
}

/* ---- the server ---- */

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Limits", &U);
    fx_enrol(&W, U.unit, &A);
    fx_enrol(&W, U.unit, &B);
}

static void pull_status(const fx_device *d, long want)
{
    thttp_resp r;
    fx_post(&W, "/v1/pull", d, "{\"schema\":1,\"cursor\":0,\"limit\":5,\"person_id\":\"\"}", &r);
    if (want == 429)
        fx_assert_error(&r, 429, PROTO_E_RATE_LIMITED);
    else
        assert_int_equal(r.status, want);
    thttp_free(&r);
}

static void test_per_device_limit(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        pull_status(&A, 200);
    pull_status(&A, 429);
    pull_status(&A, 429);
    /* The other tablet on the same address is not affected. */
    pull_status(&B, 200);
}

static void enrol_status(const char *code, long want, proto_code code_want)
{
    proto_enrol e = {PROTO_SCHEMA, "", "Guessing tablet"};
    snprintf(e.code, sizeof e.code, "%.32s", code);
    char *body = proto_enrol_encode(&e);
    thttp_resp r;
    fx_post(&W, "/v1/enrol", NULL, body, &r);
    free(body);
    fx_assert_error(&r, (int)want, code_want);
    thttp_free(&r);
}

static void test_failed_enrolments_are_limited_strictly(void **state)
{
    (void)state;
    /* Good codes cost nothing: two tablets were enrolled in setup, and a
     * third still can be. */
    fx_device c;
    fx_enrol(&W, U.unit, &c);
    /* Three wrong codes are answered as wrong... */
    enrol_status("AAAAA-AAAAA", 403, PROTO_E_ENROL_CODE);
    enrol_status("BBBBB-BBBBB", 403, PROTO_E_ENROL_CODE);
    enrol_status("CCCCC-CCCCC", 403, PROTO_E_ENROL_CODE);
    /* ...then even a right code is not looked at, and stays unused. */
    char code[40];
    assert_int_equal(fx_admin(&W, code, sizeof code, NULL, "enrol-code", "--unit", U.unit, NULL),
                     0);
    long long before = fx_count(&W, "SELECT count(*) FROM devices");
    enrol_status(code, 429, PROTO_E_RATE_LIMITED);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM devices"), before);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM enrol_codes WHERE used_at IS NULL"), 1);
}

static void test_per_address_limit(void **state)
{
    (void)state;
    assert_int_equal(tsrv_stop(&W.srv), 0);
    static const char *const per_address[] = {"--rate-address", "4", NULL};
    fx_restart(&W, per_address);
    char url[200];
    snprintf(url, sizeof url, "%s/v1/ping?nonce=n", W.srv.url);
    thttp_resp r;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        thttp_free(&r);
    }
    /* Whatever is asked next from this address waits: a ping, a pull by
     * a tablet that has not been limited itself, a wrong endpoint. */
    assert_int_equal(thttp("GET", url, W.srv.ca, NULL, NULL, 0, 0, NULL, &r), 0);
    fx_assert_error(&r, 429, PROTO_E_RATE_LIMITED);
    thttp_free(&r);
    pull_status(&B, 429);
    fx_post(&W, "/v1/nothing-here", NULL, "{}", &r);
    fx_assert_error(&r, 429, PROTO_E_RATE_LIMITED);
    thttp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_allows_burst_then_waits),
        cmocka_unit_test(test_table_is_bounded_and_does_not_forget_limited_clients),
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_per_device_limit),
        cmocka_unit_test(test_failed_enrolments_are_limited_strictly),
        cmocka_unit_test(test_per_address_limit),
    };
    return cmocka_run_group_tests_name("sec_limits", tests, up, down);
}
