/*
 * The server's array literals: the exact text for known lists (empty, a
 * direct column of char arrays, pointers), and a property test through
 * PostgreSQL's own reader: lists of random texts drawn from the characters
 * that matter in a literal (quotes, backslashes, commas, braces, spaces,
 * the word NULL, empty texts, æøå) come back from unnest($1::text[])
 * exactly as they went in, in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "srv_int.h"

static fx_world W;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_text", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static void test_known_texts(void **state)
{
    (void)state;
    char *s = srv_array_of(NULL, sizeof(char *), 0, 1);
    assert_string_equal(s, "{}");
    free(s);
    const char *v[] = {"a", "", "say \"hi\"", "back\\slash", "NULL", "x,y{z}"};
    s = srv_array_of(v, sizeof *v, 6, 1);
    assert_string_equal(s, "{\"a\",\"\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"NULL\",\"x,y{z}\"}");
    free(s);
    char col[3][8] = {"one", "to", "tre"};
    s = srv_array_of(col, sizeof col[0], 3, 0);
    assert_string_equal(s, "{\"one\",\"to\",\"tre\"}");
    free(s);
    /* Built up element by element, as a push builds its columns. */
    srv_buf b = {0};
    assert_int_equal(srv_buf_put(&b, "{", 1), 0);
    assert_int_equal(srv_buf_array_elem(&b, "æ\"ø"), 0);
    assert_int_equal(srv_buf_array_elem(&b, ""), 0);
    assert_int_equal(srv_buf_put(&b, "}", 1), 0);
    assert_string_equal(b.s, "{\"æ\\\"ø\",\"\"}");
    assert_int_equal(b.n, strlen(b.s));
    free(b.s);
}

/* A random text of up to 12 pieces from the ones that matter. */
static void random_text(char *out, size_t cap)
{
    static const char *const piece[] = {"\"", "\\", ",", "{", "}",  " ",  "NULL", "a",
                                        "æ",  "ø",  "å", "'", "\t", "\n", "b c"};
    size_t n = (size_t)(rand() % 13), len = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = piece[rand() % (int)(sizeof piece / sizeof piece[0])];
        if (len + strlen(p) + 1 > cap)
            break;
        memcpy(out + len, p, strlen(p) + 1);
        len += strlen(p);
    }
}

static void test_round_trip_through_postgres(void **state)
{
    (void)state;
    srand(20261203);
    enum { LISTS = 200, MOST = 40, LEN = 64 };
    static char text[MOST][LEN];
    const char *v[MOST];
    for (int l = 0; l < LISTS; l++) {
        int n = rand() % (MOST + 1);
        for (int i = 0; i < n; i++) {
            random_text(text[i], LEN);
            v[i] = text[i];
        }
        char *lit = srv_array_of(v, sizeof *v, n, 1);
        assert_non_null(lit);
        const char *p[] = {lit};
        PGresult *r = PQexecParams(W.db,
                                   "SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS"
                                   " u(x, i) ORDER BY i",
                                   1, NULL, p, NULL, NULL, 0);
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        assert_int_equal(PQntuples(r), n);
        for (int i = 0; i < n; i++) {
            assert_false(PQgetisnull(r, i, 0));
            assert_string_equal(PQgetvalue(r, i, 0), text[i]);
        }
        PQclear(r);
        free(lit);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_texts),
        cmocka_unit_test(test_round_trip_through_postgres),
    };
    return cmocka_run_group_tests(tests, up, down);
}
