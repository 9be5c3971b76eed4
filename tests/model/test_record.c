/*
 * The record codec and the strict reader of the model, on their own: one
 * behaviour for a record that cannot be written (a clear error naming the
 * field, never "{}" and never "out of memory"), typed codes from the reader,
 * and a record listed as fields a person reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model_json.h"

#define ID1 "00000001-0000-4000-8000-000000000001"
#define ID2 "00000002-0000-4000-8000-000000000002"
#define ID3 "00000003-0000-4000-8000-000000000003"

static void make_obs(model_record *r, const char *context)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_OBSERVATION;
    model_observation *o = &r->u.obs;
    strcpy(o->id, ID1);
    strcpy(o->unit_id, ID2);
    strcpy(o->focus_id, ID3);
    strcpy(o->template_id, ID3);
    strcpy(o->observer_id, ID1);
    strcpy(o->observee_id, ID2);
    o->focus_version = o->template_version = o->revision = 1;
    strcpy(o->context_json, context);
    o->agreement = 1;
    o->started_at = o->updated_at = 1790000000000;
}

/* A context that is not a JSON object is refused by name; an empty one is
 * the empty object. */
static void test_bad_context_is_refused_by_name(void **state)
{
    (void)state;
    static const char *const bad[] = {"{\"children\":", "[1,2]", "14", "{\"a\":1,\"a\":2}"};
    model_record *r = malloc(sizeof *r);
    assert_non_null(r);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_obs(r, bad[i]);
        model_err e = {0, ""};
        assert_null(model_record_to_json(r, &e));
        assert_int_equal(e.code, MODEL_E_VALUE);
        if (!strstr(e.msg, "\"context\""))
            fail_msg("%s: %s", bad[i], e.msg);
        e.msg[0] = 0;
        assert_null(model_record_text(r, &e));
        assert_non_null(strstr(e.msg, "\"context\""));
        assert_null(strstr(e.msg, "memory"));
    }
    make_obs(r, "");
    char *s = model_record_text(r, NULL);
    assert_non_null(s);
    assert_non_null(strstr(s, "\"context\":{}"));
    free(s);
    free(r);
}

/* The text of an observation made alone, as it was before pairs existed:
 * an unpaired record must stay byte for byte this, since the server and
 * the outbox hash it. */
#define ALONE_TEXT                                                                                 \
    "{\"id\":\"" ID1 "\",\"unit_id\":\"" ID2 "\",\"focus_id\":\"" ID3 "\",\"focus_version\":1,"    \
    "\"template_id\":\"" ID3 "\",\"template_version\":1,\"observer_id\":\"" ID1 "\","              \
    "\"observee_id\":\"" ID2 "\",\"room_id\":\"\",\"activity\":\"\",\"context\":{},"               \
    "\"agreement\":true,\"started_at\":1790000000000,\"ended_at\":0,\"status\":\"draft\","         \
    "\"revision\":1,\"updated_at\":1790000000000}"

/* A pair code is written only when set, read when present, and refused
 * when empty or holding a character a code never has; a record without it
 * reads as an observation made alone. */
static void test_pair_code_only_when_set(void **state)
{
    (void)state;
    model_record *r = malloc(sizeof *r), *back = malloc(sizeof *back);
    assert_non_null(r);
    assert_non_null(back);
    make_obs(r, "");
    char *s = model_record_text(r, NULL);
    assert_string_equal(s, ALONE_TEXT);
    assert_int_equal(model_record_parse(MODEL_ENT_OBSERVATION, s, back, NULL), 0);
    assert_string_equal(back->u.obs.pair_code, "");
    free(s);

    strcpy(r->u.obs.pair_code, "K7MX3R");
    s = model_record_text(r, NULL);
    assert_non_null(s);
    assert_non_null(strstr(s, ",\"pair_code\":\"K7MX3R\"}"));
    assert_int_equal(model_record_parse(MODEL_ENT_OBSERVATION, s, back, NULL), 0);
    assert_string_equal(back->u.obs.pair_code, "K7MX3R");
    char *again = model_record_text(back, NULL);
    assert_string_equal(again, s);
    free(again);
    free(s);

    static const char *const bad[] = {"\"\"",       "\"K7MX3\"", "\"K7MX3RA\"", "\"k7mx3r\"",
                                      "\"K7MO3R\"", "7",         "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%.*s,\"pair_code\":%s}", (int)strlen(ALONE_TEXT) - 1,
                 ALONE_TEXT, bad[i]);
        model_err e = {0, ""};
        if (model_record_parse(MODEL_ENT_OBSERVATION, text, back, &e) == 0)
            fail_msg("accepted %s", bad[i]);
        if (!strstr(e.msg, "pair_code"))
            fail_msg("%s: %s", bad[i], e.msg);
    }
    /* Nor is one written that a reader would refuse. */
    strcpy(r->u.obs.pair_code, "K7MO3R");
    model_err e = {0, ""};
    assert_null(model_record_text(r, &e));
    assert_non_null(strstr(e.msg, "pair_code"));
    free(back);
    free(r);
}

/* An enum with no word is refused, not written as another word. */
static void test_enum_out_of_range_is_refused(void **state)
{
    (void)state;
    model_record *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->entity = MODEL_ENT_EVENT;
    strcpy(r->u.event.id, ID1);
    strcpy(r->u.event.observation_id, ID2);
    strcpy(r->u.event.key, "x");
    r->u.event.kind = (model_event_kind)9;
    model_err e;
    assert_null(model_record_to_json(r, &e));
    assert_int_equal(e.code, MODEL_E_VALUE);
    assert_non_null(strstr(e.msg, "\"kind\""));
    r->u.event.kind = MODEL_EV_COUNT;
    json_t *j = model_record_to_json(r, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "count");
    json_decref(j);
    assert_string_equal(model_pillar_word(MODEL_PILLAR_JUDGEMENT), "judgement");
    model_pillar p;
    assert_int_equal(model_pillar_parse("collaboration", &p), 0);
    assert_int_equal(p, MODEL_PILLAR_COLLAB);
    assert_int_equal(model_pillar_parse("Collaboration", &p), -1);
    assert_null(model_pillar_word((model_pillar)7));
    free(r);
}

/* The reader's codes and messages name the field. */
static void test_reader_codes_name_the_field(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned code;
        const char *word;
    } cases[] = {
        {"{", MODEL_E_JSON, "not valid JSON"},
        {"{\"a\":1,\"a\":1}", MODEL_E_JSON, "not valid JSON"},
        {"{\"a\":\"\xff\"}", MODEL_E_UTF8, "\"a\" is not valid UTF-8"},
        {"{\"a\":[1,{\"b\":\"x\\u0000\"}]}", MODEL_E_VALUE, "\"a[1].b\" holds a NUL"},
        {"[]", MODEL_E_TYPE, "JSON object"},
        {"{\"observation_id\":\"" ID1 "\",\"sign_id\":\"" ID2 "\",\"level\":9,\"at\":1}",
         MODEL_E_VALUE, "\"level\" must be -1 to 4"},
        {"{\"observation_id\":\"" ID1 "\",\"sign_id\":\"" ID2 "\",\"level\":\"1\",\"at\":1}",
         MODEL_E_TYPE, "\"level\" must be a whole number"},
        {"{\"observation_id\":\"" ID1 "\",\"sign_id\":\"" ID2 "\",\"level\":1}",
         MODEL_E_MISSING_FIELD, "\"at\""},
        {"{\"observation_id\":\"" ID1 "\",\"sign_id\":\"" ID2 "\",\"level\":1,\"at\":1,\"x\":1}",
         MODEL_E_UNKNOWN_FIELD, "\"x\""},
        {"{\"observation_id\":\"nope\",\"sign_id\":\"" ID2 "\",\"level\":1,\"at\":1}",
         MODEL_E_VALUE, "observation_id"},
    };
    model_record r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        model_err e = {0, ""};
        memset(&r, 0x5a, sizeof r);
        assert_int_equal(model_record_parse(MODEL_ENT_RATING, cases[i].text, &r, &e), -1);
        if (e.code != cases[i].code || !strstr(e.msg, cases[i].word))
            fail_msg("case %zu: code %u, \"%s\"", i, e.code, e.msg);
        assert_int_equal(((unsigned char *)&r)[0], 0x5a);
    }
    model_err e;
    const char *good = "{\"observation_id\":\"" ID1 "\",\"sign_id\":\"" ID2
                       "\",\"level\":2,\"at\":5}";
    assert_int_equal(model_record_parse(MODEL_ENT_RATING, good, &r, &e), 0);
    assert_int_equal(r.entity, MODEL_ENT_RATING);
    assert_int_equal(r.u.rating.level, 2);
    char key[MODEL_RECORD_KEY_MAX];
    model_record_key(&r, key);
    assert_string_equal(key, ID1 "/" ID2);
    assert_string_equal(model_record_observation(&r), ID1);
}

/* A record as fields: no identifiers, times and yes/no typed, the context
 * in words, long text cut before a whole character. */
static void test_fields_of_a_record(void **state)
{
    (void)state;
    model_record *r = malloc(sizeof *r);
    assert_non_null(r);
    make_obs(r, "{\"children\":14,\"place\":\"Gulvet\"}");
    r->u.obs.status = MODEL_OBS_FINISHED;
    model_field f[MODEL_MAX_FIELDS];
    int n = model_record_fields(r, f, MODEL_MAX_FIELDS);
    assert_int_equal(n, 8);
    for (int i = 0; i < n; i++) {
        assert_null(strstr(f[i].name, "_id"));
        assert_null(strstr(f[i].name, "_version"));
    }
    assert_string_equal(f[1].name, "context");
    assert_string_equal(f[1].text, "children: 14, place: Gulvet");
    assert_string_equal(f[2].name, "agreement");
    assert_int_equal(f[2].kind, MODEL_FIELD_BOOL);
    assert_int_equal(f[2].number, 1);
    assert_int_equal(f[3].kind, MODEL_FIELD_TIME);
    assert_int_equal(f[3].number, 1790000000000);
    assert_int_equal(f[5].kind, MODEL_FIELD_WORD);
    assert_string_equal(f[5].text, "finished");
    assert_int_equal(model_record_fields(r, f, 3), 3);

    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_NOTE;
    for (int i = 0; i < 200; i++)
        strcat(r->u.note.text, "\xC3\xA5"); /* 400 bytes of å */
    n = model_record_fields(r, f, MODEL_MAX_FIELDS);
    assert_int_equal(n, 2);
    assert_string_equal(f[1].name, "text");
    assert_int_equal(strlen(f[1].text) % 2, 0);
    assert_true(strlen(f[1].text) >= sizeof f[1].text - 2);
    strcpy(r->u.note.text, "Line one\nline\ttwo");
    model_record_fields(r, f, MODEL_MAX_FIELDS);
    assert_string_equal(f[1].text, "Line one line two");
    r->entity = MODEL_ENT_UNIT;
    assert_int_equal(model_record_fields(r, f, MODEL_MAX_FIELDS), 0);
    free(r);
}

/* Reading a small record writes the record's kind and its own member of the
 * union and nothing past it (a first pull reads hundreds of thousands of
 * events, each a few hundred bytes, into records with a template's room),
 * reads it whole, and leaves the record as it was when the text is refused. */
static void test_a_small_record_is_read_into_its_own_bytes(void **state)
{
    (void)state;
    model_record *ev = calloc(1, sizeof *ev), *r = malloc(sizeof *r), *was = malloc(sizeof *was);
    assert_non_null(ev);
    assert_non_null(r);
    assert_non_null(was);
    ev->entity = MODEL_ENT_EVENT;
    strcpy(ev->u.event.id, ID1);
    strcpy(ev->u.event.observation_id, ID2);
    ev->u.event.kind = MODEL_EV_COUNT;
    strcpy(ev->u.event.key, "open_q");
    ev->u.event.at = 1790000000000;
    char *text = model_record_text(ev, NULL);
    assert_non_null(text);

    memset(r, 0xAB, sizeof *r);
    model_err e;
    assert_int_equal(model_record_parse(MODEL_ENT_EVENT, text, r, &e), 0);
    assert_int_equal(r->entity, MODEL_ENT_EVENT);
    assert_memory_equal(&r->u.event, &ev->u.event, sizeof ev->u.event);
    size_t end = offsetof(model_record, u) + sizeof r->u.event;
    for (size_t i = end; i < sizeof *r; i++)
        if (((const unsigned char *)r)[i] != 0xAB)
            fail_msg("byte %zu past the event was written", i);
    char *again = model_record_text(r, NULL);
    assert_non_null(again);
    assert_string_equal(again, text);

    /* Refused: the same record, byte for byte. */
    memcpy(was, r, sizeof *r);
    assert_int_not_equal(model_record_parse(MODEL_ENT_EVENT, "{\"id\":\"x\"}", r, &e), 0);
    assert_memory_equal(r, was, sizeof *r);
    free(again);
    free(text);
    free(ev);
    free(r);
    free(was);
}

/*
 * An event made from a stored row is checked (model_event_check) instead of
 * read back from its text: the check must say what reading says. Events
 * with one field spoiled at random (ids, kind, time, key, target), written
 * by the codec and read back, are accepted by the reader exactly when the
 * check accepts them; and good events of every kind pass both.
 */
static void test_event_check_agrees_with_the_reader(void **state)
{
    (void)state;
    static const char *const ids[] = {"0190a3b2-7c4d-7e5f-8a6b-1c2d3e4f5a6b",
                                      "0190A3B2-7C4D-7E5F-8A6B-1C2D3E4F5A6B", "", "x",
                                      "0190a3b2-7c4d-7e5f-8a6b-1c2d3e4f5a6"};
    static const char *const keys[] = {"open_q", "", "Open", "a b", "q\001", "\xc3\xa6", "x_1"};
    static const int64_t ats[] = {0, 1790000000000, -1, MODEL_TIME_MAX, MODEL_TIME_MAX + 1};
    unsigned seed = 12345;
    int refused = 0;
    for (int i = 0; i < 4000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        model_record rec = {.entity = MODEL_ENT_EVENT};
        model_event *e = &rec.u.event;
        snprintf(e->id, sizeof e->id, "%s", ids[0]);
        snprintf(e->observation_id, sizeof e->observation_id, "%s", ids[0]);
        e->kind = (model_event_kind)(r % 5);
        snprintf(e->key, sizeof e->key, "%s", e->kind == MODEL_EV_UNDO ? "" : "open_q");
        if (e->kind == MODEL_EV_UNDO)
            snprintf(e->target_id, sizeof e->target_id, "%s", ids[0]);
        e->at = 1790000000000;
        r /= 5;
        switch (i < 50 ? 9 : r % 6) {
        case 0: snprintf(e->id, sizeof e->id, "%s", ids[(r / 6) % 5]); break;
        case 1:
            snprintf(e->observation_id, sizeof e->observation_id, "%s", ids[(r / 6) % 5]);
            break;
        case 2: snprintf(e->target_id, sizeof e->target_id, "%s", ids[(r / 6) % 5]); break;
        case 3: snprintf(e->key, sizeof e->key, "%s", keys[(r / 6) % 7]); break;
        case 4: e->at = ats[(r / 6) % 5]; break;
        case 5: e->kind = (model_event_kind)((r / 6) % 7); break;
        default: break; /* left good */
        }
        char why[200];
        int checked = model_event_check(e, why, sizeof why) == 0;
        model_err me;
        char *text = model_record_text(&rec, &me);
        int read = 0;
        if (text) {
            model_record back;
            read = model_record_parse(MODEL_ENT_EVENT, text, &back, &me) == 0;
            free(text);
        }
        if (i < 50)
            assert_true(checked);
        if (checked != read)
            fail_msg("event %d: check says %d, reading says %d (%s)", i, checked, read,
                     checked ? me.msg : why);
        refused += !checked;
    }
    /* Both verdicts came often: the spoiling reached every field. */
    assert_true(refused > 1000 && refused < 3500);
}

/* model_text_join writes what snprintf writes of "%s%c%s" or "%s", cut
 * the same way, for every room from one byte to more than it needs. */
static void test_text_join_is_snprintf(void **state)
{
    (void)state;
    const char *a[] = {"", "observation", ID1};
    const char *b[] = {NULL, "", "x", ID2};
    for (size_t i = 0; i < sizeof a / sizeof *a; i++)
        for (size_t j = 0; j < sizeof b / sizeof *b; j++)
            for (size_t cap = 1; cap <= 80; cap++) {
                char got[80], want[80];
                memset(got, 0x5a, sizeof got);
                size_t n = model_text_join(got, cap, a[i], '/', b[j]);
                if (b[j])
                    snprintf(want, cap, "%s/%s", a[i], b[j]);
                else
                    snprintf(want, cap, "%s", a[i]);
                assert_string_equal(got, want);
                assert_int_equal(n, strlen(want));
                if (cap < sizeof got)
                    assert_int_equal((unsigned char)got[cap], 0x5a);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_context_is_refused_by_name),
        cmocka_unit_test(test_enum_out_of_range_is_refused),
        cmocka_unit_test(test_pair_code_only_when_set),
        cmocka_unit_test(test_reader_codes_name_the_field),
        cmocka_unit_test(test_fields_of_a_record),
        cmocka_unit_test(test_a_small_record_is_read_into_its_own_bytes),
        cmocka_unit_test(test_event_check_agrees_with_the_reader),
        cmocka_unit_test(test_text_join_is_snprintf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
