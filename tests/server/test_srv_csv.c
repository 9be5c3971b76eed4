/*
 * The CSV writer: exact text for known rows in both forms (the byte order
 * mark, ';' and the decimal comma; ',' and the decimal point), quoting,
 * the guard against formulas, and a property test: many rows of random
 * fields drawn from the characters that matter (separators, quotes, line
 * breaks, æøå, formula marks) read back by an RFC 4180 reader as exactly
 * the fields written, a guarded text with its apostrophe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "srv_csv.h"

/* Everything the writer holds, as one string (the writer is emptied). */
static char *drain(srv_csv *w)
{
    size_t n = srv_csv_pending(w);
    char *s = malloc(n + 1);
    assert_non_null(s);
    /* In small bites, as a stream takes it. */
    size_t got = 0;
    while (got < n)
        got += srv_csv_take(w, s + got, 7);
    s[n] = 0;
    assert_int_equal(srv_csv_pending(w), 0);
    return s;
}

static void test_danish_row(void **state)
{
    (void)state;
    srv_csv w;
    srv_csv_init(&w, SRV_CSV_DA, 0);
    srv_csv_text(&w, "Børn på stuen");
    srv_csv_dec(&w, 1.5, 2);
    srv_csv_int(&w, -3);
    srv_csv_text(&w, "a;b");
    srv_csv_text(&w, "sagde \"hej\"");
    srv_csv_text(&w, "linje 1\nlinje 2");
    srv_csv_empty(&w);
    srv_csv_text(&w, "=SUM(A1)");
    srv_csv_text(&w, "-ikke set; men hørt");
    srv_csv_dec(&w, -0.001, 2);
    srv_csv_text(&w, "1,5");
    srv_csv_end(&w);
    char *s = drain(&w);
    assert_string_equal(s, "\xEF\xBB\xBF"
                           "Børn på stuen;1,50;-3;\"a;b\";\"sagde \"\"hej\"\"\";"
                           "\"linje 1\nlinje 2\";;'=SUM(A1);\"'-ikke set; men hørt\";0,00;1,5\r\n");
    free(s);
    srv_csv_free(&w);
    srv_csv_free(&w); /* twice, as on a zeroed writer: a no-op */
}

static void test_international_row(void **state)
{
    (void)state;
    srv_csv w;
    srv_csv_init(&w, SRV_CSV_INTL, 0);
    srv_csv_text(&w, "Børn");
    srv_csv_dec(&w, 12.345, 1);
    srv_csv_text(&w, "a;b");
    srv_csv_text(&w, "a,b");
    srv_csv_text(&w, "+45 12 34");
    srv_csv_text(&w, "@home");
    srv_csv_text(&w, "\tx");
    srv_csv_text(&w, NULL);
    srv_csv_end(&w);
    srv_csv_int(&w, 7);
    srv_csv_end(&w);
    char *s = drain(&w);
    assert_string_equal(s, "Børn,12.3,a;b,\"a,b\",'+45 12 34,'@home,'\tx,\r\n7\r\n");
    free(s);
    srv_csv_free(&w);
    srv_csv_style st;
    assert_int_equal(srv_csv_style_parse("da", &st), 0);
    assert_int_equal(st, SRV_CSV_DA);
    assert_int_equal(srv_csv_style_parse("intl", &st), 0);
    assert_int_equal(st, SRV_CSV_INTL);
    assert_int_equal(srv_csv_style_parse("DA", &st), -1);
    assert_int_equal(srv_csv_style_parse(NULL, &st), -1);
}

/* A row past the bound is refused whole: the writer fails and writes no
 * more, rather than cut a field. */
static void test_bound(void **state)
{
    (void)state;
    srv_csv w;
    srv_csv_init(&w, SRV_CSV_INTL, 64);
    char big[100];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    srv_csv_text(&w, "short");
    assert_false(w.failed);
    srv_csv_text(&w, big);
    assert_true(w.failed);
    assert_int_equal(srv_csv_pending(&w), 6); /* "short," and no byte of the big one */
    srv_csv_text(&w, "more");
    assert_int_equal(srv_csv_pending(&w), 6);
    srv_csv_free(&w);
}

/* ---- the property: what is written reads back ---- */

static uint64_t rng = 0x9E3779B97F4A7C15u;
static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

/* A random field of up to 12 pieces from the characters that matter. */
static void random_field(char *out, size_t cap)
{
    static const char *const piece[] = {"a", "Z", " ", ";", ",", "\"", "\n", "\r\n", "æ", "ø",
                                        "å", "Å", "=", "+", "-", "@",  "'",  "1",    ".", "\t"};
    size_t n = next() % 13, len = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = piece[next() % (sizeof piece / sizeof piece[0])];
        size_t k = strlen(p);
        if (len + k + 1 > cap)
            break;
        memcpy(out + len, p, k + 1);
        len += k;
    }
}

/*
 * An RFC 4180 reader: the next field of *s into out, with sep between
 * fields; returns 1 when the field ended its row (CR LF), 0 when another
 * follows, -1 at a syntax error.
 */
static int read_field(const char **s, char sep, char *out, size_t cap)
{
    const char *p = *s;
    size_t n = 0;
    if (*p == '"') {
        p++;
        for (;;) {
            if (!*p)
                return -1;
            if (*p == '"' && p[1] == '"') {
                p += 2;
                out[n++] = '"';
            } else if (*p == '"') {
                p++;
                break;
            } else {
                out[n++] = *p++;
            }
            if (n + 1 >= cap)
                return -1;
        }
    } else {
        while (*p && *p != sep && *p != '\r' && *p != '\n' && *p != '"') {
            out[n++] = *p++;
            if (n + 1 >= cap)
                return -1;
        }
    }
    out[n] = 0;
    if (*p == sep) {
        *s = p + 1;
        return 0;
    }
    if (p[0] == '\r' && p[1] == '\n') {
        *s = p + 2;
        return 1;
    }
    return -1;
}

static void round_trip(srv_csv_style style)
{
    enum { ROWS = 400, COLS = 6 };
    static char fields[ROWS][COLS][80];
    srv_csv w;
    srv_csv_init(&w, style, 0);
    for (int r = 0; r < ROWS; r++) {
        for (int c = 0; c < COLS; c++) {
            random_field(fields[r][c], sizeof fields[r][c]);
            srv_csv_text(&w, fields[r][c]);
        }
        srv_csv_end(&w);
    }
    assert_false(w.failed);
    char *all = drain(&w);
    const char *s = all;
    char sep = style == SRV_CSV_DA ? ';' : ',';
    if (style == SRV_CSV_DA) {
        assert_memory_equal(s, "\xEF\xBB\xBF", 3);
        s += 3;
    } else {
        assert_true((unsigned char)s[0] != 0xEF);
    }
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++) {
            char got[200], want[100];
            const char *f = fields[r][c];
            /* A text beginning as a formula reads back with the apostrophe. */
            snprintf(want, sizeof want, "%s%s", *f && strchr("=+-@\t\r", *f) ? "'" : "", f);
            int end = read_field(&s, sep, got, sizeof got);
            if (strcmp(got, want) || end != (c == COLS - 1))
                fail_msg("row %d field %d: wrote [%s], read [%s] (end %d)", r, c, want, got, end);
        }
    assert_int_equal(*s, 0);
    free(all);
    srv_csv_free(&w);
}

static void test_round_trip_danish(void **state)
{
    (void)state;
    round_trip(SRV_CSV_DA);
}

static void test_round_trip_international(void **state)
{
    (void)state;
    round_trip(SRV_CSV_INTL);
}

/* Numbers: the decimal mark by style, rounding, and no "-0". */
static void test_numbers(void **state)
{
    (void)state;
    static const struct {
        double v;
        int d;
        const char *da, *intl;
    } cases[] = {{0, 2, "0,00", "0.00"},
                 {2.005, 1, "2,0", "2.0"},
                 {-1.25, 1, "-1,2", "-1.2"},
                 {123456.789, 2, "123456,79", "123456.79"},
                 {-0.0001, 3, "0,000", "0.000"},
                 {7, 0, "7", "7"},
                 {1e300, 0, "", ""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int st = 0; st < 2; st++) {
            srv_csv w;
            srv_csv_init(&w, st ? SRV_CSV_INTL : SRV_CSV_DA, 0);
            char *bom = drain(&w);
            free(bom);
            srv_csv_dec(&w, cases[i].v, cases[i].d);
            char *s = drain(&w);
            /* 1e300 does not fit the number's buffer: an empty field. */
            assert_string_equal(s, st ? cases[i].intl : cases[i].da);
            free(s);
            srv_csv_free(&w);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_danish_row),
        cmocka_unit_test(test_international_row),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_round_trip_danish),
        cmocka_unit_test(test_round_trip_international),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
