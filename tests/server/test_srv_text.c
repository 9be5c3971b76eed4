/*
 * The server's array literals: the exact text for known lists (empty, a
 * direct column of char arrays, pointers), and a property test through
 * PostgreSQL's own reader: lists of random texts drawn from the characters
 * that matter in a literal (quotes, backslashes, commas, braces, spaces,
 * the word NULL, empty texts, æøå) come back from unnest($1::text[])
 * exactly as they went in, in order; the same texts as rows of a COPY;
 * and JSON texts and numbers through jsonb_to_recordset.
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
    static const char *const piece[] = {"\"", "\\", ",", "{",  "}",  " ",   "NULL", "a",   "æ",
                                        "ø",  "å",  "'", "\t", "\n", "b c", "\r",   "\\N", "\\."};
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

/* The rows of a COPY: the exact text of one, and random texts through
 * PostgreSQL's own reader (COPY's text format, as a push writes its new
 * records), each back as it went in. */
static void test_copy_rows_through_postgres(void **state)
{
    (void)state;
    srv_buf b = {0};
    assert_int_equal(srv_buf_copy_field(&b, "a\tb\\c\nd\re", 0), 0);
    assert_int_equal(srv_buf_copy_field(&b, "\\N", 1), 0);
    assert_string_equal(b.s, "a\\tb\\\\c\\nd\\re\t\\\\N\n");
    free(b.s);
    srand(20261204);
    enum { ROWS = 500, LEN = 64 };
    static char text[ROWS][2][LEN];
    char err[300];
    PQclear(PQexec(W.db, "CREATE TEMP TABLE copied (i int, a text, b text)"));
    memset(&b, 0, sizeof b);
    for (int i = 0; i < ROWS; i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", i);
        random_text(text[i][0], LEN);
        random_text(text[i][1], LEN);
        srv_buf_copy_field(&b, num, 0);
        srv_buf_copy_field(&b, text[i][0], 0);
        assert_int_equal(srv_buf_copy_field(&b, text[i][1], 1), 0);
    }
    assert_int_equal(srv_copy_in(W.db, "COPY copied FROM STDIN", b.s, b.n, err, sizeof err), 0);
    free(b.s);
    PGresult *r = PQexec(W.db, "SELECT a, b FROM copied ORDER BY i");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), ROWS);
    for (int i = 0; i < ROWS; i++) {
        assert_string_equal(PQgetvalue(r, i, 0), text[i][0]);
        assert_string_equal(PQgetvalue(r, i, 1), text[i][1]);
    }
    PQclear(r);
    /* A row the table cannot take fails with the database's words. */
    assert_int_equal(srv_copy_in(W.db, "COPY copied FROM STDIN", "x\ty\tz\n", 6, err, sizeof err),
                     -1);
    assert_true(strstr(err, "[22P02]") == err);
}

/* The JSON rows the facts are written as: the exact text of a string and
 * of the numbers at the ends of their range, then random texts (every
 * character JSON escapes among them) and numbers through PostgreSQL's own
 * reader, jsonb_to_recordset as the facts' statements read them, each
 * back as it went in and in order. */
static void test_json_rows_through_postgres(void **state)
{
    (void)state;
    srv_buf b = {0};
    assert_int_equal(srv_buf_json_string(&b, "a\"\\\x01\n/æ"), 0);
    assert_int_equal(srv_buf_int(&b, 0), 0);
    assert_int_equal(srv_buf_int(&b, -9223372036854775807LL - 1), 0);
    assert_int_equal(srv_buf_int(&b, 9223372036854775807LL), 0);
    assert_int_equal(srv_buf_int(&b, -10), 0);
    assert_string_equal(b.s, "\"a\\\"\\\\\\u0001\\n/æ\"0-9223372036854775808"
                             "9223372036854775807-10");
    assert_int_equal(b.n, strlen(b.s));
    free(b.s);
    static const char *const piece[] = {"\"", "\\", "/",    "\b",           "\f", "\n",
                                        "\r", "\t", "\x01", "\x1f",         "a",  "æø",
                                        "😀",  "{}", "\x7f", "\xe2\x80\xa8", " ",  "\\u0000"};
    srand(20261205);
    enum { ROWS = 500, LEN = 80 };
    static char text[ROWS][LEN];
    static long long num[ROWS];
    memset(&b, 0, sizeof b);
    srv_buf_put(&b, "[", 1);
    for (int i = 0; i < ROWS; i++) {
        size_t len = 0;
        text[i][0] = 0;
        for (int k = rand() % 13; k > 0; k--) {
            const char *p = piece[rand() % (int)(sizeof piece / sizeof piece[0])];
            if (len + strlen(p) + 1 > LEN)
                break;
            memcpy(text[i] + len, p, strlen(p) + 1);
            len += strlen(p);
        }
        num[i] = ((long long)rand() << 32 ^ rand()) * (rand() % 2 ? 1 : -1) / (1 + rand() % 1000);
        srv_buf_put(&b, i ? ",{\"t\":" : "{\"t\":", i ? 6 : 5);
        srv_buf_json_string(&b, text[i]);
        srv_buf_put(&b, ",\"n\":", 5);
        srv_buf_int(&b, num[i]);
        assert_int_equal(srv_buf_put(&b, "}", 1), 0);
    }
    assert_int_equal(srv_buf_put(&b, "]", 1), 0);
    const char *p[] = {b.s};
    PGresult *r = PQexecParams(W.db,
                               "SELECT t, n FROM ROWS FROM (jsonb_to_recordset($1::jsonb)"
                               " AS (t text, n bigint)) WITH ORDINALITY AS x(t, n, i) ORDER BY i",
                               1, NULL, p, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), ROWS);
    for (int i = 0; i < ROWS; i++) {
        char want[24];
        snprintf(want, sizeof want, "%lld", num[i]);
        assert_string_equal(PQgetvalue(r, i, 0), text[i]);
        assert_string_equal(PQgetvalue(r, i, 1), want);
    }
    PQclear(r);
    free(b.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_texts),
        cmocka_unit_test(test_round_trip_through_postgres),
        cmocka_unit_test(test_copy_rows_through_postgres),
        cmocka_unit_test(test_json_rows_through_postgres),
    };
    return cmocka_run_group_tests(tests, up, down);
}
