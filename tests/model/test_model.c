/* The domain model's validation: text, keys, ids, dates, templates, context
 * values, identifiers and PINs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "model.h"
#include "model_json.h"

static char err[512];

static void test_text_accepts_danish_and_newlines(void **state)
{
    (void)state;
    assert_int_equal(
        model_text_check("Æbler, øl og å — 🙂", 100, 0, "Note", err, sizeof err), 0);
    assert_int_equal(model_text_check("to\nlinjer\tmed tab", 100, 1, "Note", err, sizeof err), 0);
    assert_int_equal(model_text_check("", 10, 0, "Note", err, sizeof err), 0);
}

static void test_text_refuses_bad_utf8(void **state)
{
    (void)state;
    const char *bad[] = {
        "\xc3",             /* truncated */
        "\xc0\xaf",         /* overlong slash */
        "\xe0\x80\xaf",     /* overlong, three bytes */
        "\xed\xa0\x80",     /* surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xff",             /* never valid */
        "abc\x80",          /* lone continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        assert_int_equal(model_text_check(bad[i], 100, 1, "The note", err, sizeof err), -1);
        assert_non_null(strstr(err, "The note is not valid UTF-8"));
    }
}

static void test_text_refuses_controls_and_length(void **state)
{
    (void)state;
    assert_int_equal(model_text_check("a\nb", 100, 0, "Name", err, sizeof err), -1);
    assert_non_null(strstr(err, "control character"));
    assert_int_equal(model_text_check("a\x1b[2J", 100, 1, "Name", err, sizeof err), -1);
    assert_int_equal(model_text_check("\xc2\x85", 100, 1, "Name", err, sizeof err), -1); /* C1 */
    char big[MODEL_TEXT_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(model_text_check(big, MODEL_TEXT_MAX, 1, "The note", err, sizeof err), -1);
    assert_string_equal(err, "The note is too long: 4001 bytes, at most 4000.");
    assert_int_equal(model_name_check("  \t ", 50, "The name", err, sizeof err), -1);
    assert_string_equal(err, "The name is empty.");
}

static void test_keys_ids_dates(void **state)
{
    (void)state;
    assert_int_equal(model_key_check("open_q", "k", err, sizeof err), 0);
    assert_int_equal(model_key_check("Open", "k", err, sizeof err), -1);
    assert_int_equal(model_key_check("", "k", err, sizeof err), -1);
    assert_int_equal(model_key_check("abcdefghijabcdefghijabcdefghijabc", "k", err, sizeof err),
                     -1);
    assert_int_equal(model_id_check("0b11c000-0000-4000-8000-000000000001", "id", err, sizeof err),
                     0);
    assert_int_equal(model_id_check("0B11C000-0000-4000-8000-000000000001", "id", err, sizeof err),
                     -1);
    assert_int_equal(model_id_check("0b11c000-0000-4000-8000-00000000001", "id", err, sizeof err),
                     -1);
    assert_int_equal(model_id_check("0b11c000x0000-4000-8000-000000000001", "id", err, sizeof err),
                     -1);
    assert_int_equal(model_date_check("2028-02-29", "d", err, sizeof err), 0);
    assert_int_equal(model_date_check("2027-02-29", "d", err, sizeof err), -1);
    assert_int_equal(model_date_check("2027-13-01", "d", err, sizeof err), -1);
    assert_int_equal(model_date_check("2027-1-01", "d", err, sizeof err), -1);
}

/* An id is a version 7 UUID: the clock's milliseconds in its first twelve
 * hex digits, so that ids made later sort later, and random bits after them,
 * so that ids made by two makers in the same millisecond differ. */
static void test_ids_are_v7_ordered_and_distinct(void **state)
{
    (void)state;
    plat_sys *sys = plat_fake_new(1790000000123LL, 42); /* 0x1a0c4506c7b */
    model_id a, b, c;
    assert_int_equal(model_id_new(sys, a), 0);
    assert_int_equal(model_id_new(sys, b), 0);
    assert_int_equal(model_id_check(a, "id", err, sizeof err), 0);
    assert_memory_equal(a, "01a0c450-6c7b-7000-", 19);
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_string_not_equal(a, b); /* the same millisecond, two makers */
    assert_memory_equal(a, b, 15);
    plat_fake_advance(sys, 1);
    assert_int_equal(model_id_new(sys, c), 0);
    assert_memory_equal(c, "01a0c450-6c7c-7", 15);
    assert_true(strcmp(a, c) < 0 && strcmp(b, c) < 0);
    /* A clock before 1970 gives the smallest time, not garbage. */
    plat_fake_set(sys, -5);
    assert_int_equal(model_id_new(sys, c), 0);
    assert_memory_equal(c, "00000000-0000-7", 15);
    assert_int_equal(model_id_check(c, "id", err, sizeof err), 0);
    assert_int_equal(model_id_new(plat_sys_os(), b), 0);
    assert_int_equal(model_id_check(b, "id", err, sizeof err), 0);
    assert_int_equal(b[14], '7');
    plat_fake_fail_random(sys, 0, 1);
    assert_int_equal(model_id_new(sys, a), -1);
    assert_string_equal(a, "");
    plat_fake_free(sys);
    plat_fake_free(NULL);
}

/* One maker's ids: the count of the millisecond after the version digit,
 * the same 62 drawn bits in each, always rising. A clock set back, and more
 * ids in a millisecond than the count holds, borrow the next millisecond
 * instead of repeating an id (but for the last millisecond 48 bits hold);
 * randomness is drawn once, and a maker the platform gave none tries again
 * at its next id. */
static void test_ids_of_one_maker_rise_and_never_repeat(void **state)
{
    (void)state;
    plat_sys *sys = plat_fake_new(1790000000123LL, 7);
    model_ids g = {0};
    model_id prev, id;
    plat_fake_fail_random(sys, 0, 1);
    assert_int_equal(model_id_next(&g, sys, prev), -1);
    assert_string_equal(prev, "");
    assert_int_equal(model_id_next(&g, sys, prev), 0);
    assert_memory_equal(prev, "01a0c450-6c7b-7000-", 19);
    /* The bits were drawn then: the id is that of a maker whose platform
     * never failed (the fake's failure draws nothing). */
    plat_sys *twin = plat_fake_new(1790000000123LL, 7);
    model_ids gt = {0};
    assert_int_equal(model_id_next(&gt, twin, id), 0);
    assert_string_equal(id, prev);
    plat_fake_free(twin);
    assert_int_equal(model_id_next(&g, sys, id), 0);
    assert_memory_equal(id, "01a0c450-6c7b-7001-", 19);
    assert_string_equal(id + 19, prev + 19); /* drawn once */
    assert_int_equal(model_id_check(id, "id", err, sizeof err), 0);
    memcpy(prev, id, sizeof id);
    /* The clock set back an hour: the ids go on from the last one. */
    plat_fake_set(sys, 1790000000123LL - 3600000);
    assert_int_equal(model_id_next(&g, sys, id), 0);
    assert_memory_equal(id, "01a0c450-6c7b-7002-", 19);
    assert_true(strcmp(prev, id) < 0);
    /* 4,096 ids and more in one millisecond. */
    plat_fake_set(sys, 1790000000200LL); /* 0x1a0c4506cc8 */
    for (int i = 0; i < 5000; i++) {
        memcpy(prev, id, sizeof id);
        assert_int_equal(model_id_next(&g, sys, id), 0);
        assert_true(strcmp(prev, id) < 0);
        assert_int_equal(model_id_check(id, "id", err, sizeof err), 0);
    }
    assert_memory_equal(id, "01a0c450-6cc9-7387-", 19); /* 4,096 then 904 more */
    /* When the clock passes the borrowed millisecond, the count starts again. */
    plat_fake_set(sys, 1790000000300LL); /* 0x1a0c4506d2c */
    assert_int_equal(model_id_next(&g, sys, id), 0);
    assert_memory_equal(id, "01a0c450-6d2c-7000-", 19);
    /* Another maker at the same time draws other bits. */
    model_ids h = {0};
    assert_int_equal(model_id_next(&h, sys, prev), 0);
    assert_memory_equal(prev, id, 19);
    assert_string_not_equal(prev + 19, id + 19);
    /* In the last millisecond 48 bits hold there is none to borrow. */
    model_ids last = {0};
    plat_fake_set(sys, 0xFFFFFFFFFFFFLL);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(model_id_next(&last, sys, id), 0);
    assert_memory_equal(id, "ffffffff-ffff-7fff-", 19);
    assert_int_equal(model_id_next(&last, sys, id), -1);
    assert_string_equal(id, "");
    assert_int_equal(model_id_next(&last, sys, id), -1);
    plat_fake_free(sys);
}

/* A new pair code is six characters of the alphabet without look-alikes;
 * what a person types is read case-blind without spaces and dashes, and a
 * look-alike (O for 0, I for 1), a short or a long code is refused. */
static void test_pair_codes(void **state)
{
    (void)state;
    plat_sys *sys = plat_fake_new(0, 7);
    char a[MODEL_PAIR_CODE_LEN + 1], b[MODEL_PAIR_CODE_LEN + 1];
    int seen[256] = {0};
    for (int i = 0; i < 200; i++) {
        assert_int_equal(model_pair_code_new(sys, a), 0);
        assert_int_equal(strlen(a), MODEL_PAIR_CODE_LEN);
        assert_int_equal(model_pair_code_check(a, "code", err, sizeof err), 0);
        for (const char *p = a; *p; p++)
            seen[(unsigned char)*p]++;
    }
    /* 1,200 letters from 20: each letter shows up. */
    for (const char *p = MODEL_PAIR_ALPHABET; *p; p++)
        assert_true(seen[(unsigned char)*p] > 0);
    for (const char *p = "0O1IL2Z5S8BGDQUV"; *p; p++)
        assert_int_equal(seen[(unsigned char)*p], 0);
    assert_int_equal(model_pair_code_new(sys, b), 0);
    assert_string_not_equal(a, b);
    plat_fake_fail_random(sys, 0, 1);
    assert_int_equal(model_pair_code_new(sys, a), -1);
    assert_string_equal(a, "");
    plat_fake_free(sys);

    assert_int_equal(model_pair_code_read(" k7m-x3r ", a, err, sizeof err), 0);
    assert_string_equal(a, "K7MX3R");
    assert_int_equal(model_pair_code_read("K7M X3R", a, err, sizeof err), 0);
    assert_string_equal(a, "K7MX3R");
    static const char *const bad[] = {"", "K7MX3", "K7MX3RA", "K7MO3R", "K7MX1R", "K7MX\xC3\xB8R"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(a, "XXXXXX");
        assert_int_equal(model_pair_code_read(bad[i], a, err, sizeof err), -1);
        assert_string_equal(a, "");
        assert_non_null(strstr(err, "pair code"));
    }
}

#define TPL_HEAD                                                                                   \
    "{\"id\":\"0b11c000-0000-4000-8000-000000000031\",\"unit_id\":\"0b11c000-0000-4000-8000-000000000001\",\"version\":1,\"name\":\"Samling\","
static const char good_tpl[] = TPL_HEAD
    "\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],"
    "\"counters\":[{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"}],"
    "\"states\":[{\"key\":\"waiting\",\"label\":\"Ventetid\"}],"
    "\"interval\":{\"minutes\":5,\"options\":[{\"key\":\"all\",\"label\":\"Alle\"}]},"
    "\"context\":[{\"key\":\"children\",\"label\":\"Antal børn\",\"type\":\"int\",\"min\":0,\"max\":60},"
    "{\"key\":\"situation\",\"label\":\"Situation\",\"type\":\"text\"}],"
    "\"prompts\":[\"Hvad så du?\"],\"phrases\":[\"Venter på svar\"],"
    "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}";

static void test_template_parses_and_round_trips(void **state)
{
    (void)state;
    model_template t, u;
    assert_int_equal(model_template_parse(good_tpl, strlen(good_tpl), &t, err, sizeof err), 0);
    assert_int_equal(t.n_scale, 3);
    assert_string_equal(t.counters[0].label, "Åbent spørgsmål");
    assert_int_equal(t.interval_minutes, 5);
    assert_int_equal(t.context[0].max, 60);
    assert_int_equal(t.context[1].type, MODEL_CTX_TEXT);
    char *json = model_template_to_json(&t);
    assert_non_null(json);
    assert_int_equal(model_template_parse(json, strlen(json), &u, err, sizeof err), 0);
    assert_memory_equal(&t, &u, sizeof t);
    free(json);
}

/* The same template with its words in English: parallel lists, a name. */
static const char texts_tpl[] = TPL_HEAD
    "\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],"
    "\"counters\":[{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"}],"
    "\"states\":[{\"key\":\"waiting\",\"label\":\"Ventetid\"}],"
    "\"interval\":{\"minutes\":5,\"options\":[{\"key\":\"all\",\"label\":\"Alle\"}]},"
    "\"context\":[{\"key\":\"children\",\"label\":\"Antal børn\",\"type\":\"int\",\"min\":0,\"max\":60},"
    "{\"key\":\"situation\",\"label\":\"Situation\",\"type\":\"text\"}],"
    "\"prompts\":[\"Hvad så du?\"],\"phrases\":[\"Venter på svar\"],"
    "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40},"
    "\"texts\":{\"en\":{\"name\":\"Circle time\",\"scale\":[\"Not seen\",\"Partly\",\"Clearly\"],"
    "\"counters\":[\"Open question\"],\"states\":[\"Waiting time\"],\"interval_options\":[\"All\"],"
    "\"context\":[\"Number of children\",\"Situation\"],\"phrases\":[\"Waits for an answer\"]}}}";

/* A template carries its words in another language: they round-trip, a
 * template without them is written exactly as before, localizing puts
 * them in place of its own words (keys and numbers stay; a list not given,
 * here the prompts, stays as it was), and a list of the wrong length, a
 * bad language code, a blank text or an unknown member is refused. */
static void test_template_texts(void **state)
{
    (void)state;
    static model_template t, u, plain;
    assert_int_equal(model_template_parse(texts_tpl, strlen(texts_tpl), &t, err, sizeof err), 0);
    assert_int_equal(t.n_texts, 1);
    assert_string_equal(t.texts[0].lang, "en");
    assert_string_equal(t.texts[0].scale[1], "Partly");
    assert_int_equal(t.texts[0].has_prompts, 0);
    char *json = model_template_to_json(&t);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"texts\":{\"en\":{"));
    assert_null(strstr(json, "\"prompts\":[\"Hvad så du?\"]}}"));
    assert_int_equal(model_template_parse(json, strlen(json), &u, err, sizeof err), 0);
    assert_memory_equal(&t, &u, sizeof t);
    free(json);
    /* Without texts, not a byte more. */
    assert_int_equal(model_template_parse(good_tpl, strlen(good_tpl), &plain, err, sizeof err), 0);
    json = model_template_to_json(&plain);
    assert_null(strstr(json, "texts"));
    free(json);

    model_template_localize(&u, "da");
    assert_memory_equal(&t, &u, sizeof t);
    model_template_localize(&u, "en");
    assert_string_equal(u.name, "Circle time");
    assert_string_equal(u.scale[0], "Not seen");
    assert_string_equal(u.scale[2], "Clearly");
    assert_string_equal(u.counters[0].label, "Open question");
    assert_string_equal(u.counters[0].key, "open_q");
    assert_string_equal(u.states[0].label, "Waiting time");
    assert_string_equal(u.interval_options[0].label, "All");
    assert_string_equal(u.context[0].label, "Number of children");
    assert_int_equal(u.context[0].max, 60);
    assert_string_equal(u.prompts[0], "Hvad så du?");
    assert_string_equal(u.phrases[0], "Waits for an answer");
    assert_int_equal(u.green_pct, 70);

    static const struct {
        const char *from, *to, *says;
    } bad[] = {
        {"[\"Not seen\",\"Partly\",\"Clearly\"]", "[\"Not seen\",\"Clearly\"]", "scale"},
        {"\"en\":{", "\"eng\":{", "two-letter"},
        {"\"en\":{", "\"EN\":{", "two-letter"},
        {"\"Open question\"", "\"  \"", "counter"},
        {"\"en\":{", "\"en\":{\"why\":\"x\",", "why"},
        {"\"texts\":{\"en\":", "\"texts\":{\"de\":{},\"fr\":{},\"en\":", "languages"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char doc[4096];
        const char *at = strstr(texts_tpl, bad[i].from);
        assert_non_null(at);
        int head = (int)(at - texts_tpl);
        snprintf(doc, sizeof doc, "%.*s%s%s", head, texts_tpl, bad[i].to, at + strlen(bad[i].from));
        err[0] = 0;
        if (model_template_parse(doc, strlen(doc), &u, err, sizeof err) == 0)
            fail_msg("accepted: %s", doc);
        if (!strstr(err, bad[i].says))
            fail_msg("\"%s\" does not say %s", err, bad[i].says);
    }
}

/* Each bad document is refused with a message naming what is wrong, and the
 * output struct is left as it was. */
static void test_template_refuses_bad_documents(void **state)
{
    (void)state;
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"{", "not valid JSON"},
        {"[]", "must be a JSON object"},
        {TPL_HEAD
         "\"scale\":[\"a\",\"b\"],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40},\"extra\":1}",
         "unknown field \"extra\""},
        {TPL_HEAD "\"scale\":[\"a\"],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "2 to 5 levels"},
        {TPL_HEAD "\"scale\":\"a\",\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "\"scale\" must be a list"},
        {TPL_HEAD "\"scale\":[\"a\",\"b\"],\"thresholds\":{\"green_pct\":30,\"yellow_pct\":40}}",
         "yellow_pct <= green_pct"},
        {TPL_HEAD
         "\"scale\":[\"a\",\"b\"],\"thresholds\":{\"green_pct\":\"70\",\"yellow_pct\":40}}",
         "\"green_pct\" must be a whole number"},
        {TPL_HEAD
         "\"scale\":[\"a\",\"b\"],\"counters\":[{\"key\":\"x\",\"label\":\"X\"},{\"key\":\"x\",\"label\":\"Y\"}],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "key \"x\" more than once"},
        {TPL_HEAD
         "\"scale\":[\"a\",\"b\"],\"counters\":[{\"key\":\"Bad Key\",\"label\":\"X\"}],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "may hold only a-z"},
        {TPL_HEAD
         "\"scale\":[\"a\",\"b\"],\"interval\":{\"minutes\":500,\"options\":[]},\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "\"minutes\" must be 1 to 120"},
        {TPL_HEAD
         "\"scale\":[\"a\",\"b\"],\"context\":[{\"key\":\"n\",\"label\":\"N\",\"type\":\"float\"}],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "\"type\" must be"},
        {TPL_HEAD
         "\"scale\":[\"a\",\"b\"],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40},\"scale\":[\"c\",\"d\"]}",
         "not valid JSON"},
        {TPL_HEAD
         "\"scale\":[\"a\\u0000b\",\"b\"],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "\"scale[0]\" holds a NUL character"},
        {TPL_HEAD "\"scale\":[\"\xff\",\"b\"],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "\"scale[0]\" is not valid UTF-8"},
        {"{\"id\":\"nope\",\"unit_id\":\"0b11c000-0000-4000-8000-000000000001\",\"version\":1,\"name\":\"S\",\"scale\":[\"a\",\"b\"],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "template's id is not an identifier"},
        {TPL_HEAD
         "\"scale\":[\"a\",\"b\"],\"phrases\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\",\"22\",\"23\",\"24\",\"25\"],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
         "more than 24 entries"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        model_template t;
        memset(&t, 0x5a, sizeof t);
        err[0] = 0;
        int rc = model_template_parse(cases[i].json, strlen(cases[i].json), &t, err, sizeof err);
        if (rc != -1 || !strstr(err, cases[i].msg))
            fail_msg("case %zu: rc %d, message \"%s\", wanted \"%s\"", i, rc, err, cases[i].msg);
        for (size_t b = 0; b < sizeof t; b++)
            assert_int_equal(((unsigned char *)&t)[b], 0x5a);
    }
    char *huge = malloc(MODEL_TEMPLATE_JSON_MAX + 2);
    memset(huge, ' ', MODEL_TEMPLATE_JSON_MAX + 1);
    huge[MODEL_TEMPLATE_JSON_MAX + 1] = 0;
    model_template t;
    assert_int_equal(model_template_parse(huge, strlen(huge), &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "too large"));
    free(huge);
}

static void test_context_values(void **state)
{
    (void)state;
    model_template t;
    assert_int_equal(model_template_parse(good_tpl, strlen(good_tpl), &t, err, sizeof err), 0);
    assert_int_equal(model_context_check(&t, "{\"children\":14,\"situation\":\"Leg på gulvet\"}",
                                         err, sizeof err),
                     0);
    assert_int_equal(model_context_check(&t, "", err, sizeof err), 0);
    assert_int_equal(model_context_check(&t, "{\"children\":61}", err, sizeof err), -1);
    assert_string_equal(err, "Antal børn must be a whole number from 0 to 60.");
    assert_int_equal(model_context_check(&t, "{\"child_name\":\"Ole\"}", err, sizeof err), -1);
    assert_non_null(strstr(err, "no context field \"child_name\""));
    assert_int_equal(model_context_check(&t, "{\"situation\":5}", err, sizeof err), -1);
    assert_int_equal(model_context_check(&t, "[1]", err, sizeof err), -1);
    assert_int_equal(model_context_check(&t, "{\"children\":1,\"children\":2}", err, sizeof err),
                     -1);
}

static void test_pins(void **state)
{
    (void)state;
    char v[MODEL_VERIFIER_MAX];
    assert_int_equal(model_pin_hash("2580", v), 0);
    assert_non_null(strstr(v, "$argon2id$"));
    assert_null(strstr(v, "2580"));
    assert_int_equal(model_pin_verify(v, "2580"), 1);
    assert_int_equal(model_pin_verify(v, "2581"), 0);
    assert_int_equal(model_pin_verify("$argon2i$v=19$garbage", "2580"), 0);
    assert_int_equal(model_pin_verify("", "2580"), 0);
    assert_int_equal(model_pin_hash("12a4", v), -1);
    assert_int_equal(model_pin_hash("123", v), -1);
    assert_int_equal(model_pin_check("123456789", err, sizeof err), -1);
    assert_string_equal(err, "A PIN is 4 to 8 digits.");
}

/* A JSON string written by hand: quotes, backslashes and control
 * characters escaped, UTF-8 as it is; its length asked without a buffer;
 * and a buffer too small gets a shorter text, never past its end. */
static void test_json_string(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(model_json_string(out, sizeof out, "Søren \"Sol\" \\ a\tb\x01\x1f"), 36);
    assert_string_equal(out, "\"Søren \\\"Sol\\\" \\\\ a\\tb\\u0001\\u001F\"");
    assert_int_equal(model_json_string(NULL, 0, "Søren \"Sol\" \\ a\tb\x01\x1f"), 36);
    assert_int_equal(model_json_string(out, sizeof out, ""), 2);
    assert_string_equal(out, "\"\"");
    memset(out, 'x', sizeof out);
    assert_int_equal(model_json_string(out, 8, "abc\"defgh"), 12);
    assert_string_equal(out, "\"abc\\\"d"); /* 7 bytes and the NUL */
    assert_int_equal(out[8], 'x');
}

/* A text of up to 12 characters drawn from every ASCII character but NUL
 * and from two-, three- and four-byte UTF-8. */
static void random_text(unsigned *seed, char *out, size_t cap)
{
    static const char *const wide[] = {"æ", "Ø", "å", "€", "—", "🙂", "\xc2\x80", "\xef\xbf\xbf"};
    size_t k = 0;
    int n = (int)(*seed = *seed * 1103515245u + 12345u) % 13;
    for (int i = 0; i < n; i++) {
        unsigned r = (*seed = *seed * 1103515245u + 12345u) >> 8;
        const char *w = r % 4 == 0 ? wide[(r >> 4) % 8] : NULL;
        char one[2] = {(char)(1 + (r >> 4) % 127), 0};
        if (!w)
            w = one;
        if (k + strlen(w) + 1 > cap)
            break;
        memcpy(out + k, w, strlen(w));
        k += strlen(w);
    }
    out[k] = 0;
}

/* What jansson writes of the record (compact, or with sorted keys too). */
static char *dumped(const model_record *r, size_t flags)
{
    json_t *j = model_record_to_json(r, NULL);
    assert_non_null(j);
    char *s = json_dumps(j, flags);
    json_decref(j);
    return s;
}

/*
 * The parts of an observation are written by hand (model_write.c) and must
 * be the bytes jansson writes, compact and with sorted keys: the sorted
 * text is what a change's idempotency hash is made of, so a server that
 * wrote it differently would refuse a tablet's retry of a change it had
 * stored before an upgrade. Every ASCII character, UTF-8 of each length,
 * numbers at their ends; and a text that is not UTF-8 is refused with its
 * field named, nothing made.
 */
static void test_part_texts_are_janssons(void **state)
{
    (void)state;
    const model_entity kinds[] = {MODEL_ENT_EVENT, MODEL_ENT_NOTE, MODEL_ENT_RATING,
                                  MODEL_ENT_FEEDBACK, MODEL_ENT_REFLECTION};
    unsigned seed = 7;
    for (int round = 0; round < 400; round++) {
        model_record *r = model_record_new(kinds[round % 5]);
        assert_non_null(r);
        int64_t at = round % 3 == 0 ? 0 : round % 3 == 1 ? INT64_MAX : -1 - (int64_t)round;
        switch (r->entity) {
        case MODEL_ENT_EVENT:
            random_text(&seed, r->u.event.id, sizeof r->u.event.id);
            random_text(&seed, r->u.event.observation_id, sizeof r->u.event.observation_id);
            r->u.event.kind = (model_event_kind)(round % 5);
            random_text(&seed, r->u.event.key, sizeof r->u.event.key);
            random_text(&seed, r->u.event.target_id, sizeof r->u.event.target_id);
            r->u.event.at = at;
            break;
        case MODEL_ENT_NOTE:
            random_text(&seed, r->u.note.id, sizeof r->u.note.id);
            random_text(&seed, r->u.note.observation_id, sizeof r->u.note.observation_id);
            random_text(&seed, r->u.note.text, sizeof r->u.note.text);
            random_text(&seed, r->u.note.sign_id, sizeof r->u.note.sign_id);
            r->u.note.at = at;
            break;
        case MODEL_ENT_RATING:
            random_text(&seed, r->u.rating.observation_id, sizeof r->u.rating.observation_id);
            random_text(&seed, r->u.rating.sign_id, sizeof r->u.rating.sign_id);
            r->u.rating.level = round % 2 ? -1 : round;
            r->u.rating.at = at;
            break;
        case MODEL_ENT_FEEDBACK:
            random_text(&seed, r->u.feedback.observation_id, sizeof r->u.feedback.observation_id);
            random_text(&seed, r->u.feedback.author_id, sizeof r->u.feedback.author_id);
            random_text(&seed, r->u.feedback.works, sizeof r->u.feedback.works);
            random_text(&seed, r->u.feedback.wonderings, sizeof r->u.feedback.wonderings);
            random_text(&seed, r->u.feedback.next_step, sizeof r->u.feedback.next_step);
            r->u.feedback.given_at = at;
            r->u.feedback.updated_at = INT64_MIN + round;
            break;
        default:
            random_text(&seed, r->u.reflection.observation_id,
                        sizeof r->u.reflection.observation_id);
            random_text(&seed, r->u.reflection.author_id, sizeof r->u.reflection.author_id);
            random_text(&seed, r->u.reflection.text, sizeof r->u.reflection.text);
            random_text(&seed, r->u.reflection.next_step, sizeof r->u.reflection.next_step);
            r->u.reflection.updated_at = at;
        }
        char *want = dumped(r, JSON_COMPACT),
             *want_sorted = dumped(r, JSON_COMPACT | JSON_SORT_KEYS);
        char *got, *got_sorted, *alone = model_record_text(r, NULL);
        assert_int_equal(model_record_texts(r, &got, &got_sorted, NULL), 0);
        assert_string_equal(got, want);
        assert_string_equal(got_sorted, want_sorted);
        assert_string_equal(alone, want);
        free(want);
        free(want_sorted);
        free(got);
        free(got_sorted);
        free(alone);
        free(r);
    }
    /* Not UTF-8: refused, naming the field; an event's kind without a word:
     * refused as before. */
    model_record *r = model_record_new(MODEL_ENT_NOTE);
    assert_non_null(r);
    snprintf(r->u.note.text, sizeof r->u.note.text, "ok \xc3");
    model_err e;
    char *got = (char *)"untouched", *got_sorted = (char *)"untouched";
    assert_int_equal(model_record_texts(r, &got, &got_sorted, &e), -1);
    assert_null(got);
    assert_null(got_sorted);
    assert_int_equal(e.code, MODEL_E_UTF8);
    assert_string_equal(e.msg, "The note: \"text\" is not valid UTF-8.");
    free(r);
    r = model_record_new(MODEL_ENT_EVENT);
    assert_non_null(r);
    r->u.event.kind = (model_event_kind)9;
    assert_null(model_record_text(r, &e));
    assert_string_equal(e.msg, "The event: \"kind\" has no word for the value 9.");
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_accepts_danish_and_newlines),
        cmocka_unit_test(test_text_refuses_bad_utf8),
        cmocka_unit_test(test_text_refuses_controls_and_length),
        cmocka_unit_test(test_keys_ids_dates),
        cmocka_unit_test(test_ids_are_v7_ordered_and_distinct),
        cmocka_unit_test(test_ids_of_one_maker_rise_and_never_repeat),
        cmocka_unit_test(test_pair_codes),
        cmocka_unit_test(test_template_parses_and_round_trips),
        cmocka_unit_test(test_template_refuses_bad_documents),
        cmocka_unit_test(test_template_texts),
        cmocka_unit_test(test_context_values),
        cmocka_unit_test(test_pins),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_part_texts_are_janssons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
