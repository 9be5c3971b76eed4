/* The office's parser and escapes, alone: what a browser sends, and what
 * hostile text must never become. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "off_int.h"

static void test_form_fields(void **state)
{
    (void)state;
    off_form f = {0};
    const char *s = "name=M%C3%A6lkeb%C3%B8tten+gul&sign=a&sign=b&empty=&flag&note=l1%0D%0Al2";
    assert_int_equal(off_form_parse(&f, s, strlen(s)), 0);
    assert_string_equal(off_form_get(&f, "name"), "Mælkebøtten gul");
    assert_string_equal(off_form_get(&f, "empty"), "");
    assert_string_equal(off_form_get(&f, "flag"), "");
    assert_string_equal(off_form_get(&f, "note"), "l1\nl2");
    assert_null(off_form_get(&f, "absent"));
    const char *v[4];
    assert_int_equal(off_form_all(&f, "sign", v, 4), 2);
    assert_string_equal(v[0], "a");
    assert_string_equal(v[1], "b");
    /* An empty pair between ampersands is no field. */
    assert_int_equal(off_form_parse(&f, "&&a=1&&", 7), 0);
    assert_int_equal(f.n, 1);
    off_form_free(&f);
    off_form_free(&f);
    off_form_free(NULL);
}

static void test_form_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "a=%",   "a=%4",     "a=%zz",      "a=%C3",                         /* cut UTF-8 */
        "a=%FF", "a=%C0%AF", "a=%00",      "a=%01", "a=%7F", "a=%ED%A0%80", /* a surrogate */
        "=v",    "b%20c=1",  "<script>=1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        off_form f = {0};
        if (off_form_parse(&f, bad[i], strlen(bad[i])) != -1)
            fail_msg("accepted %s", bad[i]);
        assert_int_equal(f.n, 0);
        assert_true(f.err[0] != 0);
        off_form_free(&f);
    }
    /* A name may be long, but not longer than the cap. */
    char name[OFF_FIELD_NAME_MAX + 4];
    memset(name, 'n', sizeof name);
    name[OFF_FIELD_NAME_MAX + 1] = '=';
    name[OFF_FIELD_NAME_MAX + 2] = 0;
    off_form f = {0};
    assert_int_equal(off_form_parse(&f, name, strlen(name)), -1);
    name[OFF_FIELD_NAME_MAX] = '=';
    name[OFF_FIELD_NAME_MAX + 1] = 0;
    assert_int_equal(off_form_parse(&f, name, strlen(name)), 0);
    /* Too many fields: the work one request may cause is bounded. */
    size_t cap = (OFF_FIELDS_MAX + 2) * 4 + 1;
    char *many = malloc(cap);
    assert_non_null(many);
    many[0] = 0;
    for (int i = 0; i < OFF_FIELDS_MAX + 1; i++)
        strcat(many, "a=1&");
    assert_int_equal(off_form_parse(&f, many, strlen(many)), -1);
    assert_non_null(strstr(f.err, "more than"));
    free(many);
    off_form_free(&f);
}

static void test_cookies(void **state)
{
    (void)state;
    char v[80];
    const char *h = "__Host-blik-lang=en; __Host-blik=abc; other=1";
    assert_int_equal(off_cookie_get(h, "__Host-blik", v, sizeof v), 0);
    assert_string_equal(v, "abc");
    assert_int_equal(off_cookie_get(h, "__Host-blik-lang", v, sizeof v), 0);
    assert_string_equal(v, "en");
    assert_int_equal(off_cookie_get(h, "absent", v, sizeof v), -1);
    assert_int_equal(off_cookie_get(NULL, "x", v, sizeof v), -1);
    assert_int_equal(off_cookie_get("x=toolong", "x", v, 4), -1);
}

static void test_escapes(void **state)
{
    (void)state;
    off_buf b = {0};
    off_buf_esc(&b, "<script>alert('x')</script> & \"q\"");
    char *s = off_buf_take(&b, NULL);
    assert_string_equal(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    free(s);
    off_buf_url(&b, "a b/æ?&=\"");
    s = off_buf_take(&b, NULL);
    assert_string_equal(s, "a%20b%2F%C3%A6%3F%26%3D%22");
    free(s);
    off_buf_printf(&b, "%d-%s", 42, "x");
    s = off_buf_take(&b, NULL);
    assert_string_equal(s, "42-x");
    free(s);
    off_buf_free(&b);
    off_buf_free(NULL);
}

static void test_routes(void **state)
{
    (void)state;
    const char *args[4];
    int n = 0;
    char scratch[256];
    assert_true(off_route_match("/people/*/rename", "/people/p1/rename", args, &n, scratch,
                                sizeof scratch));
    assert_int_equal(n, 1);
    assert_string_equal(args[0], "p1");
    assert_false(
        off_route_match("/people/*/rename", "/people//rename", args, &n, scratch, sizeof scratch));
    assert_false(off_route_match("/people/*", "/people/a/b", args, &n, scratch, sizeof scratch));
    assert_false(off_route_match("/people", "/people/", args, &n, scratch, sizeof scratch));
    assert_true(off_route_match("/", "/", args, &n, scratch, sizeof scratch));
    assert_int_equal(n, 0);
    /* Every row of the table has a known method, a path from the root and
     * a function, and no two rows are the same page. */
    for (int i = 0; i < off_n_routes; i++) {
        const off_route *r = &off_routes[i];
        assert_true(!strcmp(r->method, "GET") || !strcmp(r->method, "POST"));
        assert_true(r->pattern[0] == '/');
        assert_non_null(r->fn);
        for (int j = 0; j < i; j++)
            if (!strcmp(r->method, off_routes[j].method) &&
                !strcmp(r->pattern, off_routes[j].pattern))
                fail_msg("%s %s twice", r->method, r->pattern);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_fields), cmocka_unit_test(test_form_refusals),
        cmocka_unit_test(test_cookies),     cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
