/*
 * sync/FORMATS.md cannot drift from the code: its complete examples of a
 * template and a focus are read from the document and added to a real
 * server, shown back field for field, and every field its tables call
 * required is refused when left out, with a message naming it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixture.h"
#include "plat.h"
#include "srv.h"
#include "tsupport.h"

static fx_world W;
static char *doc;

static int up(void **state)
{
    (void)state;
    char msg[300];
    size_t len;
    doc = plat_read_file(BLIK_FORMATS_MD, 1 << 20, &len, msg, sizeof msg);
    if (!doc) {
        fprintf(stderr, "%s\n", msg);
        return -1;
    }
    return fx_up(&W, "blik_formats", NULL);
}

static int down(void **state)
{
    (void)state;
    free(doc);
    return fx_down(&W);
}

/* The JSON block after the marker "<!-- example:NAME -->" (malloc'd). */
static char *example(const char *name)
{
    char marker[80];
    snprintf(marker, sizeof marker, "<!-- example:%s -->\n```json\n", name);
    const char *a = strstr(doc, marker);
    if (!a)
        fail_msg("FORMATS.md has no example \"%s\"", name);
    a += strlen(marker);
    const char *b = strstr(a, "\n```");
    assert_non_null(b);
    return strndup(a, (size_t)(b - a + 1));
}

/*
 * The fields the first table after a heading lists as required: the
 * first column's names of the rows whose third column is "yes".
 */
static int required_fields(const char *heading, char names[][40], int max)
{
    const char *s = strstr(doc, heading);
    assert_non_null(s);
    const char *l = strstr(s, "\n| Field |");
    assert_non_null(l);
    int n = 0;
    for (l = strchr(l + 1, '\n'); l && l[1] == '|' && n < max; l = strchr(l + 1, '\n')) {
        if (strncmp(l, "\n| `", 4) != 0)
            continue;
        const char *name = l + 4, *tick = strchr(name, '`');
        const char *col = tick;
        for (int bars = 0; col && *col && bars < 2; col++)
            bars += *col == '|';
        if (!tick || !col || strncmp(col, " yes |", 6) != 0)
            continue;
        snprintf(names[n], sizeof names[n], "%.*s", (int)(tick - name), name);
        n++;
    }
    return n;
}

/* Runs an admin command with the text of a file; its exit status, and its
 * messages into err. */
static int add_file(const char *cmd, const char *unit, const char *text, char *err, size_t cap)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s.json", W.dir, cmd);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    char *obuf = NULL, *ebuf = NULL;
    size_t olen = 0, elen = 0;
    FILE *o = open_memstream(&obuf, &olen), *e = open_memstream(&ebuf, &elen);
    FILE *in = fmemopen((void *)"", 1, "r");
    char *argv[] = {"--db", W.conninfo, (char *)cmd, "--unit", (char *)unit, "--file", path, NULL};
    int rc = srv_admin_main(7, argv, in, o, e);
    fclose(in);
    fclose(o);
    fclose(e);
    snprintf(err, cap, "%s", ebuf ? ebuf : "");
    free(obuf);
    free(ebuf);
    return rc;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg("not JSON: %s (line %d)", je.text, je.line);
    return j;
}

/* The output of a show command, as JSON. */
static json_t *shown(const char *cmd, const char *opt, const char *id)
{
    int rc;
    char *out = fx_admin_all(&W, &rc, cmd, opt, id, NULL);
    assert_int_equal(rc, 0);
    json_t *j = parse(out);
    free(out);
    return j;
}

static long long world(void)
{
    return fx_count(&W, "SELECT (SELECT coalesce(sum(feed_seq), 0) FROM units) * 1000 +"
                        " (SELECT count(*) FROM items)");
}

static void test_examples_are_accepted_and_shown_back(void **state)
{
    (void)state;
    char *tt = example("template"), *ft = example("focus"), err[600];
    json_t *t = parse(tt), *f = parse(ft);
    const char *unit = json_string_value(json_object_get(t, "unit_id"));
    assert_non_null(unit);
    assert_string_equal(json_string_value(json_object_get(f, "unit_id")), unit);
    assert_int_equal(
        fx_admin(&W, NULL, 0, NULL, "unit-add", "--name", "Formats", "--id", unit, NULL), 0);
    assert_int_equal(add_file("template-add", unit, tt, err, sizeof err), 0);
    assert_int_equal(add_file("focus-add", unit, ft, err, sizeof err), 0);
    /* Shown back, every field is there with its value. */
    json_t *ts = shown("template-show", "--template", json_string_value(json_object_get(t, "id")));
    json_t *fs = shown("focus-show", "--focus", json_string_value(json_object_get(f, "id")));
    assert_true(json_equal(ts, t));
    assert_true(json_equal(fs, f));
    /* Adding the same again changes nothing. */
    long long before = world();
    assert_int_equal(add_file("template-add", unit, tt, err, sizeof err), 0);
    assert_int_equal(add_file("focus-add", unit, ft, err, sizeof err), 0);
    assert_int_equal(world(), before);
    json_decref(ts);
    json_decref(fs);
    json_decref(t);
    json_decref(f);
    free(tt);
    free(ft);
}

/* Leaves each required field out in turn: refused, naming the field. */
static void refuse_without(const char *heading, const char *name, const char *cmd)
{
    char fields[20][40], err[600];
    int n = required_fields(heading, fields, 20);
    assert_true(n >= 5);
    char *text = example(name);
    json_t *full = parse(text);
    const char *unit = json_string_value(json_object_get(full, "unit_id"));
    long long before = world();
    for (int i = 0; i < n; i++) {
        json_t *j = json_deep_copy(full);
        if (json_object_del(j, fields[i]) != 0)
            fail_msg("the %s example lacks the required field \"%s\"", name, fields[i]);
        char *less = json_dumps(j, 0);
        if (add_file(cmd, unit, less, err, sizeof err) != 1)
            fail_msg("%s without \"%s\" was not refused", name, fields[i]);
        /* "scale" is named as the "sign scale", "unit_id" as the unit. */
        if (!strstr(err, fields[i]))
            fail_msg("%s without \"%s\": the message does not name it: %s", name, fields[i], err);
        free(less);
        json_decref(j);
    }
    assert_int_equal(world(), before);
    json_decref(full);
    free(text);
}

static void test_required_fields_are_required(void **state)
{
    (void)state;
    refuse_without("## Template", "template", "template-add");
    refuse_without("## Learning focus", "focus", "focus-add");
}

/* The focus's optional fields may be left out: without an id it is a new
 * focus, without unit_id or version the same one again. */
static void test_optional_focus_fields(void **state)
{
    (void)state;
    char *text = example("focus"), err[600];
    json_t *full = parse(text);
    const char *unit = json_string_value(json_object_get(full, "unit_id"));
    static const char *const optional[] = {"unit_id", "version", "id"};
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
        json_t *j = json_deep_copy(full);
        assert_int_equal(json_object_del(j, optional[i]), 0);
        char *less = json_dumps(j, 0);
        if (add_file("focus-add", unit, less, err, sizeof err) != 0)
            fail_msg("focus without \"%s\": %s", optional[i], err);
        free(less);
        json_decref(j);
    }
    char q[300];
    snprintf(q, sizeof q, "SELECT count(DISTINCT id) FROM focuses WHERE unit_id = '%s'", unit);
    assert_int_equal(fx_count(&W, q), 2);
    json_decref(full);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_are_accepted_and_shown_back),
        cmocka_unit_test(test_required_fields_are_required),
        cmocka_unit_test(test_optional_focus_fields),
    };
    return cmocka_run_group_tests_name("srv_formats", tests, up, down);
}
