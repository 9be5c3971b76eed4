/* The .po reader, and the shipped catalogues: complete, with the same
 * printf conversions as their source strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "tsupport.h"

static const char sample[] = "# a comment\n"
                             "msgid \"\"\n"
                             "msgstr \"\"\n"
                             "\"Language: da\\n\"\n"
                             "\n"
                             "msgid \"Lock\"\n"
                             "msgstr \"Lås\"\n"
                             "\n"
                             "msgid \"\"\n"
                             "\"Two \"\n"
                             "\"lines\"\n"
                             "msgstr \"To \"\n"
                             "\"linjer med \\\"citat\\\"\\n\"\n"
                             "\n"
                             "#, fuzzy\n"
                             "msgid \"Guess\"\n"
                             "msgstr \"Gæt\"\n"
                             "\n"
                             "msgid \"Empty\"\n"
                             "msgstr \"\"\n"
                             "\n"
                             "msgctxt \"verb\"\n"
                             "msgid \"Note\"\n"
                             "msgstr \"Notér\"\n"
                             "\n"
                             "msgid \"Note\"\n"
                             "msgstr \"Note\"\n"
                             "\n"
                             "msgid \"%d sign\"\n"
                             "msgid_plural \"%d signs\"\n"
                             "msgstr[0] \"%d tegn\"\n"
                             "msgstr[1] \"%d tegn\"\n";

static void test_parse(void **state)
{
    (void)state;
    i18n *t = NULL;
    char err[256];
    assert_int_equal(i18n_parse(sample, sizeof sample - 1, "sample", &t, err, sizeof err), 0);
    assert_string_equal(i18n_language(t), "da");
    assert_string_equal(i18n_tr(t, "Lock"), "Lås");
    assert_string_equal(i18n_tr(t, "Two lines"), "To linjer med \"citat\"\n");
    /* Fuzzy and empty translations show the source, as gettext does. */
    assert_string_equal(i18n_tr(t, "Guess"), "Guess");
    assert_string_equal(i18n_tr(t, "Empty"), "Empty");
    assert_string_equal(i18n_tr(t, "Unknown"), "Unknown");
    assert_string_equal(i18n_trc(t, "verb", "Note"), "Notér");
    assert_string_equal(i18n_tr(t, "Note"), "Note");
    assert_string_equal(i18n_tr(t, "%d sign"), "%d tegn");
    /* Without a Plural-Forms header the rule is English's. */
    assert_int_equal(i18n_nplurals(t), 2);
    assert_string_equal(i18n_ntr(t, "%d sign", "%d signs", 1), "%d tegn");
    assert_int_equal(i18n_count(t), 5);
    i18n_free(t);
    i18n_free(NULL);
    assert_string_equal(i18n_tr(NULL, "Lock"), "Lock");
}

/* A language with three forms reads its rule: Polish, the usual hard case
 * (C's precedence, %, && and || inside ?:). */
static const char polish[] =
    "msgid \"\"\n"
    "msgstr \"\"\n"
    "\"Language: pl\\n\"\n"
    "\"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && \"\n"
    "\"(n%100<10 || n%100>=20) ? 1 : 2);\\n\"\n"
    "\n"
    "msgid \"%d file\"\n"
    "msgid_plural \"%d files\"\n"
    "msgstr[0] \"%d plik\"\n"
    "msgstr[1] \"%d pliki\"\n"
    "msgstr[2] \"%d plików\"\n";

static void test_plural_rule(void **state)
{
    (void)state;
    i18n *t = NULL;
    char err[256];
    assert_int_equal(i18n_parse(polish, sizeof polish - 1, "pl", &t, err, sizeof err), 0);
    assert_int_equal(i18n_nplurals(t), 3);
    static const struct {
        long long n;
        const char *want;
    } cases[] = {{0, "%d plików"}, {1, "%d plik"},    {2, "%d pliki"},   {4, "%d pliki"},
                 {5, "%d plików"}, {11, "%d plików"}, {12, "%d plików"}, {21, "%d plików"},
                 {22, "%d pliki"}, {104, "%d pliki"}, {112, "%d plików"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(i18n_ntr(t, "%d file", "%d files", cases[i].n), cases[i].want);
    const char *plural, *forms[I18N_FORMS_MAX];
    assert_int_equal(i18n_entry_forms(t, 0, &plural, forms, I18N_FORMS_MAX), 3);
    assert_string_equal(plural, "%d files");
    assert_string_equal(forms[2], "%d plików");
    /* Not in the catalogue: the source strings, by English's rule. */
    assert_string_equal(i18n_ntr(t, "%d day", "%d days", 1), "%d day");
    assert_string_equal(i18n_ntr(t, "%d day", "%d days", 0), "%d days");
    assert_string_equal(i18n_ntr(NULL, "%d day", "%d days", 2), "%d days");
    i18n_free(t);

    /* A rule that cannot be read is refused with a sentence, not guessed. */
    static const char *const bad_rules[] = {
        "nplurals=2; plural=(n != 1;", "nplurals=2; plural=n ? 1;",
        "nplurals=2; plural=x;",       "nplurals=0; plural=0;",
        "nplurals=9; plural=n;",       "nplurals=2;",
        "nplurals=2; plural=n = 1;",   "nplurals=2; plural=(n != 1) junk;",
    };
    for (size_t i = 0; i < sizeof bad_rules / sizeof bad_rules[0]; i++) {
        char po[256];
        snprintf(po, sizeof po, "msgid \"\"\nmsgstr \"Plural-Forms: %s\\n\"\n", bad_rules[i]);
        t = (i18n *)1;
        err[0] = 0;
        if (i18n_parse(po, strlen(po), "bad.po", &t, err, sizeof err) != -1)
            fail_msg("accepted: %s", bad_rules[i]);
        assert_null(t);
        TSUPPORT_HAS(err, "Plural-Forms");
    }
}

/* Both shipped languages pick the right form for 0, 1 and 2. */
static i18n *load(const char *name);

static void test_plural_catalogues(void **state)
{
    (void)state;
    i18n *da = load("da.po");
    i18n *en = load("en.po");
    static const char one[] = "%lld observation", many[] = "%lld observations";
    assert_string_equal(i18n_ntr(da, one, many, 0), "%lld observationer");
    assert_string_equal(i18n_ntr(da, one, many, 1), "%lld observation");
    assert_string_equal(i18n_ntr(da, one, many, 2), "%lld observationer");
    assert_string_equal(i18n_ntr(en, one, many, 0), "%lld observations");
    assert_string_equal(i18n_ntr(en, one, many, 1), "%lld observation");
    assert_string_equal(i18n_ntr(en, one, many, 2), "%lld observations");
    static const char week1[] = "%d period of a week", weeks[] = "%d periods of a week";
    assert_string_equal(i18n_ntr(da, week1, weeks, 1), "%d periode på en uge");
    assert_string_equal(i18n_ntr(da, week1, weeks, 2), "%d perioder på en uge");
    assert_string_equal(i18n_ntr(en, week1, weeks, 1), "%d period of a week");
    assert_string_equal(i18n_ntr(en, week1, weeks, 2), "%d periods of a week");
    /* Danish "tegn" is the same in both forms. */
    static const char sign1[] = "%d sign  \xC2\xB7  until %s",
                      signs[] = "%d signs  \xC2\xB7  until %s";
    assert_string_equal(i18n_ntr(da, sign1, signs, 1), "%d tegn  \xC2\xB7  til %s");
    assert_string_equal(i18n_ntr(da, sign1, signs, 2), "%d tegn  \xC2\xB7  til %s");
    assert_string_equal(i18n_ntr(en, sign1, signs, 1), sign1);
    assert_string_equal(i18n_ntr(en, sign1, signs, 0), signs);
    i18n_free(da);
    i18n_free(en);
}

static void test_parse_errors(void **state)
{
    (void)state;
    const char *bad[] = {
        "msgid \"a\"\nmsgstr \"b\n",                           /* unterminated */
        "msgid \"a\"\nmsgstr \"\\q\"\n",                       /* unknown escape */
        "msgstr \"b\"\n",                                      /* no msgid */
        "msgid \"a\"\nbogus \"b\"\n",                          /* unknown keyword */
        "msgid \"a\"\nmsgstr \"b\" trailing\n",                /* junk after the string */
        "msgid \"a\"\nmsgstr[1] \"b\"\n",                      /* a form without msgid_plural */
        "msgid \"a\"\nmsgid_plural \"as\"\nmsgstr \"b\"\n",    /* plural without forms */
        "msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[9] \"b\"\n", /* no such form */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        i18n *t = (i18n *)1;
        char err[256] = "";
        assert_int_equal(i18n_parse(bad[i], strlen(bad[i]), "bad.po", &t, err, sizeof err), -1);
        assert_null(t);
        TSUPPORT_HAS(err, "bad.po, line");
    }
    i18n *t = NULL;
    char err[256];
    assert_int_equal(i18n_load("/nonexistent/da.po", &t, err, sizeof err), -1);
    TSUPPORT_HAS(err, "/nonexistent/da.po");
}

/* The printf conversions of a string, in order ("%d%s"), so that a
 * translation can never make printf read the wrong argument. */
static void conversions(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = s; *p && n + 4 < cap; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        while (*p && strchr("0123456789.-+ #", *p))
            p++;
        while (*p && strchr("hlLqjzt", *p))
            out[n++] = *p++;
        if (*p)
            out[n++] = *p;
        else
            break;
    }
    out[n] = 0;
}

static i18n *load(const char *name)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/%s", BLIK_PO_DIR, name);
    i18n *t = NULL;
    if (i18n_load(path, &t, err, sizeof err) != 0)
        fail_msg("%s", err);
    return t;
}

static void test_catalogues_complete(void **state)
{
    (void)state;
    i18n *pot = load("blik.pot");
    i18n *da = load("da.po");
    i18n *en = load("en.po");
    assert_string_equal(i18n_language(da), "da");
    assert_string_equal(i18n_language(en), "en");
    /* The template's msgstr are empty, so it holds no entries; read the
     * msgids from the Danish file and check each against both. */
    assert_int_equal(i18n_count(pot), 0);
    assert_true(i18n_count(da) > 60);
    assert_int_equal(i18n_count(da), i18n_count(en));
    for (int i = 0; i < i18n_count(da); i++) {
        const char *id, *str;
        assert_int_equal(i18n_entry(da, i, &id, &str), 0);
        char a[32], b[32];
        conversions(id, a, sizeof a);
        conversions(str, b, sizeof b);
        if (strcmp(a, b) != 0)
            fail_msg("\"%s\" -> \"%s\": conversions %s vs %s", id, str, a, b);
        assert_string_not_equal(i18n_tr(en, id), "");
    }
    /* Every text with plural forms has all of its language's forms, each
     * with the conversions of the source. */
    i18n *langs[] = {da, en};
    for (int l = 0; l < 2; l++) {
        int plurals = 0;
        assert_int_equal(i18n_nplurals(langs[l]), 2);
        for (int i = 0; i < i18n_count(langs[l]); i++) {
            const char *id, *str, *plural, *forms[I18N_FORMS_MAX];
            assert_int_equal(i18n_entry(langs[l], i, &id, &str), 0);
            int n = i18n_entry_forms(langs[l], i, &plural, forms, I18N_FORMS_MAX);
            if (n == 0)
                continue;
            plurals++;
            if (n != i18n_nplurals(langs[l]))
                fail_msg("%s: \"%s\" has %d forms", i18n_language(langs[l]), plural, n);
            char a[32], b[32];
            conversions(plural, a, sizeof a);
            for (int k = 0; k < n; k++) {
                conversions(forms[k], b, sizeof b);
                if (!forms[k][0] || strcmp(a, b) != 0)
                    fail_msg("%s: \"%s\" form %d \"%s\"", i18n_language(langs[l]), plural, k,
                             forms[k]);
            }
        }
        assert_true(plurals >= 9);
    }
    /* A few that people see first, with Danish letters. */
    assert_string_equal(i18n_tr(da, "Lock"), "Lås");
    assert_string_equal(i18n_tr(da, "Who are you?"), "Hvem er du?");
    assert_string_equal(i18n_tr(da, "Start new observation"), "Start ny observation");
    assert_string_equal(i18n_tr(en, "Who are you?"), "Who are you?");
    i18n_free(pot);
    i18n_free(da);
    i18n_free(en);
}

/* Every string the screens mark for translation is in the template, and
 * every template string has a Danish translation: read the template's
 * msgids by hand (its msgstr are empty by design). */
static void test_template_translated(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/blik.pot", BLIK_PO_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    i18n *da = load("da.po");
    char line[1024], id[2048] = "";
    int in_id = 0, checked = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "msgid \"", 7)) {
            in_id = 1;
            id[0] = 0;
            char *s = line + 7, *e = strrchr(s, '"');
            if (e)
                *e = 0;
            strncat(id, s, sizeof id - strlen(id) - 1);
        } else if (!strncmp(line, "msgid_plural", 12)) {
            in_id = 0; /* the singular is the key */
        } else if (in_id && line[0] == '"') {
            char *s = line + 1, *e = strrchr(s, '"');
            if (e)
                *e = 0;
            strncat(id, s, sizeof id - strlen(id) - 1);
        } else if (!strncmp(line, "msgstr", 6)) {
            in_id = 0;
            if (id[0] && !strchr(id, '\\')) {
                /* Words Danish shares with English. */
                static const char *const same[] = {"OK",
                                                   "Note",
                                                   "Observation",
                                                   "Note (%d)",
                                                   "%d note",
                                                   "Feedback",
                                                   "Server",
                                                   "Status",
                                                   "Administrator",
                                                   "Version",
                                                   "Version %d",
                                                   "Version %d  \xC2\xB7  %s  \xC2\xB7  %s",
                                                   "%d observation",
                                                   "%lld observation",
                                                   "%lld person",
                                                   "%lld tablet",
                                                   "Kappa"};
                int shared = 0;
                for (size_t k = 0; k < sizeof same / sizeof same[0]; k++)
                    shared |= !strcmp(id, same[k]);
                if (!strcmp(i18n_tr(da, id), id) && !shared)
                    fail_msg("not translated to Danish: \"%s\"", id);
                checked++;
            }
        }
    }
    fclose(f);
    assert_true(checked > 60);
    i18n_free(da);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_plural_rule),
        cmocka_unit_test(test_plural_catalogues),
        cmocka_unit_test(test_catalogues_complete),
        cmocka_unit_test(test_template_translated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
