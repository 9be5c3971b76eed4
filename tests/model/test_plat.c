/* The helpers every module shares from platform: the UTF-8 decoder, the
 * hash and the capped file reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "plat.h"
#include "tsupport.h"

/* One case: bytes, how many may be read, the expected length (-1 for a
 * refusal) and, for an accepted one, the code point. */
typedef struct {
    const char *s;
    size_t n;
    int len;
    uint32_t cp;
    const char *why;
} utf8_case;

static void check_cases(const utf8_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t cp = 0xABCDEF;
        int len = plat_utf8_next(cases[i].s, cases[i].n, &cp);
        if (len != cases[i].len)
            fail_msg("%s: length %d, expected %d", cases[i].why, len, cases[i].len);
        if (len > 0 && cp != cases[i].cp)
            fail_msg("%s: U+%04X, expected U+%04X", cases[i].why, (unsigned)cp,
                     (unsigned)cases[i].cp);
        if (len < 0 && cp != 0xABCDEF)
            fail_msg("%s: a refusal changed the code point", cases[i].why);
    }
}

static void test_utf8_accepts_every_length_and_the_edges(void **state)
{
    (void)state;
    static const utf8_case ok[] = {
        {"a", 1, 1, 'a', "ASCII"},
        {"\x7F", 1, 1, 0x7F, "last one-byte"},
        {"\xC2\x80", 2, 2, 0x80, "first two-byte"},
        {"\xC3\xA6", 2, 2, 0xE6, "æ"},
        {"\xDF\xBF", 2, 2, 0x7FF, "last two-byte"},
        {"\xE0\xA0\x80", 3, 3, 0x800, "first three-byte"},
        {"\xE2\x82\xAC", 3, 3, 0x20AC, "euro sign"},
        {"\xED\x9F\xBF", 3, 3, 0xD7FF, "just below the surrogates"},
        {"\xEE\x80\x80", 3, 3, 0xE000, "just above the surrogates"},
        {"\xEF\xBF\xBF", 3, 3, 0xFFFF, "last three-byte"},
        {"\xF0\x90\x80\x80", 4, 4, 0x10000, "first four-byte"},
        {"\xF0\x9F\x99\x82", 4, 4, 0x1F642, "a smiley"},
        {"\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF, "the last code point"},
        {"\xC3\xA6rt", 4, 2, 0xE6, "reads one character of several"},
    };
    check_cases(ok, sizeof ok / sizeof ok[0]);
    assert_int_equal(plat_utf8_next("\xC3\xB8", 2, NULL), 2); /* cp may be NULL */
}

static void test_utf8_refuses_what_rfc3629_forbids(void **state)
{
    (void)state;
    static const utf8_case bad[] = {
        {"", 0, -1, 0, "nothing to read"},
        {"\x80", 1, -1, 0, "a stray continuation byte"},
        {"\xBF", 1, -1, 0, "another stray continuation byte"},
        {"\xC0\x80", 2, -1, 0, "overlong NUL"},
        {"\xC1\xBF", 2, -1, 0, "overlong two-byte"},
        {"\xE0\x80\xAF", 3, -1, 0, "overlong three-byte slash"},
        {"\xE0\x9F\xBF", 3, -1, 0, "overlong U+07FF"},
        {"\xF0\x80\x80\xAF", 4, -1, 0, "overlong four-byte"},
        {"\xF0\x8F\xBF\xBF", 4, -1, 0, "overlong U+FFFF"},
        {"\xED\xA0\x80", 3, -1, 0, "first surrogate"},
        {"\xED\xBF\xBF", 3, -1, 0, "last surrogate"},
        {"\xF4\x90\x80\x80", 4, -1, 0, "U+110000"},
        {"\xF5\x80\x80\x80", 4, -1, 0, "lead byte F5"},
        {"\xF8\x88\x80\x80\x80", 5, -1, 0, "five-byte form"},
        {"\xFE", 1, -1, 0, "byte FE"},
        {"\xFF", 1, -1, 0, "byte FF"},
        {"\xC3", 1, -1, 0, "two-byte cut short by the string"},
        {"\xC3\xA6", 1, -1, 0, "two-byte cut short by n"},
        {"\xE2\x82", 2, -1, 0, "three-byte cut short"},
        {"\xF0\x9F\x99", 3, -1, 0, "four-byte cut short"},
        {"\xC3\x41", 2, -1, 0, "ASCII where a continuation belongs"},
        {"\xE2\x28\xA1", 3, -1, 0, "bad second byte of three"},
        {"\xF0\x9F\x99\xC3", 4, -1, 0, "lead byte where the last continuation belongs"},
    };
    check_cases(bad, sizeof bad / sizeof bad[0]);
}

static void test_hash_is_fnv1a_and_continues(void **state)
{
    (void)state;
    /* The published FNV-1a 64-bit test vectors. */
    assert_true(plat_hash(PLAT_HASH_START, "", 0) == 0xcbf29ce484222325ull);
    assert_true(plat_hash(PLAT_HASH_START, "a", 1) == 0xaf63dc4c8601ec8cull);
    assert_true(plat_hash(PLAT_HASH_START, "foobar", 6) == 0x85944171f73967e8ull);
    /* Feeding parts one after another is hashing them joined. */
    uint64_t h = plat_hash(PLAT_HASH_START, "foo", 3);
    assert_true(plat_hash(h, "bar", 3) == 0x85944171f73967e8ull);
    assert_true(plat_hash(PLAT_HASH_START, "foobaR", 6) != 0x85944171f73967e8ull);
}

/* Writes a file of n bytes of a repeating pattern; returns its path. */
static const char *pattern_file(const char *dir, const char *name, size_t n, char *path, size_t cap)
{
    tsupport_path(path, cap, dir, name);
    char *data = malloc(n ? n : 1);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('a' + i % 26);
    assert_int_equal(tsupport_write_file(path, data, n), 0);
    free(data);
    return path;
}

static void test_read_file_whole_up_to_the_cap(void **state)
{
    const char *dir = *state;
    char path[1200], err[600] = "";
    size_t len = 1;
    /* Larger than the reader's first buffer, so that it must grow. */
    pattern_file(dir, "big", 100000, path, sizeof path);
    char *buf = plat_read_file(path, 100000, &len, err, sizeof err);
    assert_non_null(buf);
    assert_int_equal(len, 100000);
    assert_int_equal(buf[100000], 0);
    assert_int_equal(buf[0], 'a');
    assert_int_equal(buf[99999], 'a' + 99999 % 26);
    free(buf);

    pattern_file(dir, "empty", 0, path, sizeof path);
    buf = plat_read_file(path, 10, &len, err, sizeof err);
    assert_non_null(buf);
    assert_int_equal(len, 0);
    assert_string_equal(buf, "");
    free(buf);

    pattern_file(dir, "small", 5, path, sizeof path);
    buf = plat_read_file(path, 5, NULL, err, sizeof err); /* len may be NULL */
    assert_non_null(buf);
    assert_string_equal(buf, "abcde");
    free(buf);
}

static void test_read_file_refuses_over_cap_and_missing(void **state)
{
    const char *dir = *state;
    char path[1200], err[600] = "";
    size_t len = 7;
    pattern_file(dir, "six", 6, path, sizeof path);
    assert_null(plat_read_file(path, 5, &len, err, sizeof err));
    assert_int_equal(len, 0);
    TSUPPORT_HAS(err, "is larger than 5 bytes");
    TSUPPORT_HAS(err, path);

    pattern_file(dir, "big", 100001, path, sizeof path);
    assert_null(plat_read_file(path, 100000, &len, err, sizeof err));
    TSUPPORT_HAS(err, "is larger than 100000 bytes");

    tsupport_path(path, sizeof path, dir, "missing");
    err[0] = 0;
    assert_null(plat_read_file(path, 100, &len, err, sizeof err));
    TSUPPORT_HAS(err, "Cannot open");
    TSUPPORT_HAS(err, "No such file");

    /* A folder opens but cannot be read. */
    err[0] = 0;
    assert_null(plat_read_file(dir, 100, &len, err, sizeof err));
    TSUPPORT_HAS(err, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_accepts_every_length_and_the_edges),
        cmocka_unit_test(test_utf8_refuses_what_rfc3629_forbids),
        cmocka_unit_test(test_hash_is_fnv1a_and_continues),
        cmocka_unit_test(test_read_file_whole_up_to_the_cap),
        cmocka_unit_test(test_read_file_refuses_over_cap_and_missing),
    };
    return cmocka_run_group_tests(tests, tsupport_group_dir, tsupport_group_dir_free);
}
