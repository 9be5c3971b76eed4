/*
 * The scanner against jansson's tree. The scanner reads records and pull
 * pages without building a tree, and gives up on anything it cannot read
 * exactly as the tree would; the tree then reads it or says why not. What
 * must hold: whatever the scanner takes, the tree takes too, to the same
 * record; what the server writes, the scanner takes; and a reader that
 * tries the scanner first answers, in success and in refusal, word for word
 * as the tree alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "plat.h"
#include "proto.h"
#include "proto_read.h"

static unsigned next(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

static void rid(unsigned *seed, model_id out)
{
    snprintf(out, sizeof(model_id), "%08x-%04x-%04x-%04x-%06x%06x", next(seed), next(seed) & 0xffff,
             next(seed) & 0xffff, next(seed) & 0xffff, next(seed) & 0xffffff,
             next(seed) & 0xffffff);
}

/* A text of pieces that need every kind of care in JSON: quotes,
 * backslashes, a slash, tab and (multiline) newline, and UTF-8 of two, three
 * and four bytes. */
static void rtext(unsigned *seed, char *out, size_t cap, int multiline)
{
    static const char *const piece[] = {"a", "Z", " ", "\"", "\\", "/",   "\t", "\n", "æ",
                                        "Ø", "✓", "€", "😀",  "𝄞",  "<b>", "0",  "ÿ",  "\xc2\xa0"};
    size_t n = 0, count = next(seed) % 40;
    out[0] = 0;
    for (size_t i = 0; i < count; i++) {
        const char *p = piece[next(seed) % (sizeof piece / sizeof piece[0])];
        if (!multiline && p[0] == '\n')
            continue;
        if (n + strlen(p) + 1 > cap)
            break;
        strcpy(out + n, p);
        n += strlen(p);
    }
}

static void rkey(unsigned *seed, char *out)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
    int n = 1 + (int)(next(seed) % 20);
    for (int i = 0; i < n; i++)
        out[i] = letters[next(seed) % (sizeof letters - 1)];
    out[n] = 0;
}

static int64_t rtime(unsigned *seed)
{
    switch (next(seed) % 4) {
    case 0: return 0;
    case 1: return MODEL_TIME_MAX;
    default: return 1790000000000 + (int64_t)next(seed);
    }
}

/* A valid part of an observation, of kind k. */
static model_record *rpart(unsigned *seed, model_entity k)
{
    model_record *r = model_record_new(k);
    assert_non_null(r);
    switch (k) {
    case MODEL_ENT_EVENT:
        rid(seed, r->u.event.id);
        rid(seed, r->u.event.observation_id);
        r->u.event.kind = (model_event_kind)(next(seed) % 5);
        if (r->u.event.kind == MODEL_EV_UNDO)
            rid(seed, r->u.event.target_id);
        else
            rkey(seed, r->u.event.key);
        r->u.event.at = rtime(seed);
        break;
    case MODEL_ENT_NOTE:
        rid(seed, r->u.note.id);
        rid(seed, r->u.note.observation_id);
        rtext(seed, r->u.note.text, sizeof r->u.note.text, 1);
        if (next(seed) % 2)
            rid(seed, r->u.note.sign_id);
        r->u.note.at = rtime(seed);
        break;
    case MODEL_ENT_RATING:
        rid(seed, r->u.rating.observation_id);
        rid(seed, r->u.rating.sign_id);
        r->u.rating.level = (int)(next(seed) % (MODEL_MAX_SCALE + 1)) - 1;
        r->u.rating.at = rtime(seed);
        break;
    case MODEL_ENT_FEEDBACK:
        rid(seed, r->u.feedback.observation_id);
        rid(seed, r->u.feedback.author_id);
        rtext(seed, r->u.feedback.works, sizeof r->u.feedback.works, 1);
        rtext(seed, r->u.feedback.wonderings, sizeof r->u.feedback.wonderings, 1);
        rtext(seed, r->u.feedback.next_step, sizeof r->u.feedback.next_step, 1);
        r->u.feedback.given_at = rtime(seed);
        r->u.feedback.updated_at = rtime(seed);
        break;
    default:
        rid(seed, r->u.reflection.observation_id);
        rid(seed, r->u.reflection.author_id);
        rtext(seed, r->u.reflection.text, sizeof r->u.reflection.text, 1);
        rtext(seed, r->u.reflection.next_step, sizeof r->u.reflection.next_step, 1);
        r->u.reflection.updated_at = rtime(seed);
        break;
    }
    return r;
}

/* A valid observation: an observee or a team, with or without a room, a
 * pair code and a plan; its context empty in three of four, else one of a
 * few with names, whole numbers and texts. */
static model_record *robs(unsigned *seed)
{
    static const char *const contexts[] = {
        "{\"children\":14}", "{\"age\":\"3-4 år\",\"children\":9}",
        "{\"group\":\"Solsikken \\\"A\\\" / ✓ 😀\"}",
        "{\"n\":-12,\"big\":9223372036854775807,\"small\":-9223372036854775808}"};
    model_record *r = model_record_new(MODEL_ENT_OBSERVATION);
    assert_non_null(r);
    model_observation *o = &r->u.obs;
    rid(seed, o->id);
    rid(seed, o->unit_id);
    rid(seed, o->focus_id);
    o->focus_version = 1 + (int)(next(seed) % 1000000);
    rid(seed, o->template_id);
    o->template_version = 1 + (int)(next(seed) % 1000000);
    rid(seed, o->observer_id);
    if (next(seed) % 4)
        rid(seed, o->observee_id);
    else
        snprintf(o->team, sizeof o->team, "Team %u", next(seed) % 100);
    if (next(seed) % 2)
        rid(seed, o->room_id);
    rtext(seed, o->activity, sizeof o->activity, 0);
    snprintf(o->context_json, sizeof o->context_json, "%s",
             next(seed) % 4 ? "{}" : contexts[next(seed) % 4]);
    o->agreement = 1;
    o->started_at = rtime(seed) / 2;
    o->status = next(seed) % 2 ? MODEL_OBS_FINISHED : MODEL_OBS_DRAFT;
    o->ended_at = o->status == MODEL_OBS_FINISHED ? o->started_at + next(seed) % 3600000 : 0;
    o->revision = 1 + (int)(next(seed) % 1000);
    o->updated_at = rtime(seed);
    if (next(seed) % 3 == 0)
        for (int i = 0; i < MODEL_PAIR_CODE_LEN; i++)
            o->pair_code[i] = MODEL_PAIR_ALPHABET[next(seed) % strlen(MODEL_PAIR_ALPHABET)];
    if (next(seed) % 3 == 0)
        rid(seed, o->plan_id);
    return r;
}

/* The same JSON spelled differently: whitespace between tokens, characters
 * of strings as \u escapes (surrogate pairs past the first plane, hex digits
 * in either case) and the slash as \/. A new string; the caller frees. */
static char *respell(unsigned *seed, const char *t)
{
    size_t cap = strlen(t) * 13 + 16, n = 0;
    char *o = malloc(cap);
    assert_non_null(o);
    int in = 0;
    for (size_t i = 0; t[i];) {
        char c = t[i];
        if (!in) {
            if (strchr(",}]", c) && next(seed) % 4 == 0)
                o[n++] = " \t\n\r"[next(seed) % 4];
            o[n++] = c;
            i++;
            in = c == '"';
            if (strchr(",:{[", c) && next(seed) % 4 == 0)
                o[n++] = " \t\n\r"[next(seed) % 4];
            continue;
        }
        if (c == '"') {
            o[n++] = c;
            i++;
            in = 0;
        } else if (c == '\\') {
            size_t k = t[i + 1] == 'u' ? 6 : 2;
            memcpy(o + n, t + i, k);
            n += k;
            i += k;
        } else {
            uint32_t cp;
            int k = plat_utf8_next(t + i, strlen(t + i), &cp);
            assert_true(k > 0);
            const char *hex = next(seed) % 2 ? "%04x" : "%04X";
            if (c == '/' && next(seed) % 2) {
                n += (size_t)sprintf(o + n, "\\/");
            } else if (next(seed) % 3 == 0 && cp >= 0x10000) {
                n += (size_t)sprintf(o + n, "\\u");
                n += (size_t)sprintf(o + n, hex, 0xD800 + ((cp - 0x10000) >> 10));
                n += (size_t)sprintf(o + n, "\\u");
                n += (size_t)sprintf(o + n, hex, 0xDC00 + ((cp - 0x10000) & 0x3FF));
            } else if (next(seed) % 3 == 0) {
                n += (size_t)sprintf(o + n, "\\u");
                n += (size_t)sprintf(o + n, hex, cp);
            } else {
                memcpy(o + n, t + i, (size_t)k);
                n += (size_t)k;
            }
            i += (size_t)k;
        }
    }
    o[n] = 0;
    return o;
}

/* The text t (n bytes) spoiled in one to three places: a byte replaced by
 * one that matters to a JSON reader, a byte taken out, a short run of the
 * text repeated elsewhere (a key given twice, a value doubled), or the end
 * cut off. *len is the new length; the caller frees. */
static char *spoil(unsigned *seed, const char *t, size_t n, size_t *len)
{
    static const unsigned char bytes[] = {'"',  '\\', '{',  '}',  '[',  ']',  ',',  ':',  '0',
                                          '1',  '-',  '.',  'e',  'E',  'u',  'n',  't',  ' ',
                                          0x00, 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2,
                                          0xed, 0xf0, 0xf4, 0xf5, 0xff, 'd',  '8'};
    char *o = malloc(2 * n + 64);
    assert_non_null(o);
    memcpy(o, t, n);
    int times = 1 + (int)(next(seed) % 3);
    for (int k = 0; k < times && n > 0; k++) {
        size_t at = next(seed) % n;
        switch (next(seed) % 4) {
        case 0: o[at] = (char)bytes[next(seed) % sizeof bytes]; break;
        case 1:
            memmove(o + at, o + at + 1, n - at - 1);
            n--;
            break;
        case 2: {
            size_t from = next(seed) % n, run = 1 + next(seed) % 24;
            if (from + run > n)
                run = n - from;
            if (n + run > 2 * n + 63)
                break;
            char tmp[32];
            memcpy(tmp, o + from, run);
            memmove(o + at + run, o + at, n - at);
            memcpy(o + at, tmp, run);
            n += run;
            break;
        }
        default: n = at; break;
        }
    }
    *len = n;
    return o;
}

/* The tree's reading of a record's text, given by length (it may hold a
 * NUL, which a reader of NUL-terminated text would never see), named as
 * model_record_parse names it. */
static int tree_read(model_entity k, const char *t, size_t n, model_record *out, model_err *err)
{
    char what[48];
    snprintf(what, sizeof what, "The %s", model_entity_name(k));
    json_t *j = model_rd_parse(t, n, 2 * MODEL_TEMPLATE_JSON_MAX, what, err);
    int rc = j ? model_record_from_json(k, j, out, err) : -1;
    json_decref(j);
    return rc;
}

static void same_record(const model_record *a, const model_record *b)
{
    char *x = model_record_text(a, NULL), *y = model_record_text(b, NULL);
    assert_non_null(x);
    assert_non_null(y);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* Reads t both ways; returns 1 if the scanner took it (and then the tree
 * did too, to the same record), 0 if it gave up. *tree_took says whether
 * the tree took it. */
static int both(int kind, const char *t, size_t n, int *tree_took)
{
    model_entity k = (model_entity)kind;
    size_t left = n + 1;
    char *buf = malloc(left), *b = buf;
    model_record *fast = model_record_new(k), *slow = model_record_new(k);
    assert_true(buf && fast && slow);
    int took = model_record_scan(k, t, n, &b, &left, fast) == 0;
    model_err err;
    *tree_took = tree_read(k, t, n, slow, &err) == 0;
    if (took) {
        if (!*tree_took)
            fail_msg("the scanner took what the tree refuses (%s): %.*s", err.msg, (int)n, t);
        same_record(fast, slow);
    }
    /* model_record_parse, which tries the scanner first, answers as the
     * tree alone, refusals word for word (up to a NUL, where its text
     * ends). */
    char *z = strndup(t, n);
    model_err pe, te;
    assert_non_null(z);
    int prc = model_record_parse(k, z, fast, &pe), trc = tree_read(k, z, strlen(z), slow, &te);
    assert_int_equal(prc, trc);
    if (prc == 0) {
        same_record(fast, slow);
    } else {
        assert_int_equal(pe.code, te.code);
        assert_string_equal(pe.msg, te.msg);
    }
    free(z);
    free(buf);
    free(fast);
    free(slow);
    return took;
}

typedef struct {
    int took, refused, given_up; /* by the scanner; by the tree; by the tree alone */
} tally;

/* Spoils s and u (one text spelled two ways) count times between them and
 * reads each spoiled text with read (kind k), which holds the scanner to
 * the tree and returns 1 if the scanner took it; counts the outcomes. */
static void spoiled(unsigned *seed, const char *s, const char *u, int count,
                    int (*read)(int k, const char *t, size_t n, int *tree_took), int k, tally *t)
{
    for (int i = 0; i < count; i++) {
        size_t len;
        int tree_took;
        char *v = spoil(seed, i % 2 ? u : s, strlen(i % 2 ? u : s), &len);
        int took = read(k, v, len, &tree_took);
        t->took += took;
        t->refused += !tree_took;
        t->given_up += !took && tree_took;
        free(v);
    }
}

/* Writes record r (of kind k) and reads its text every way: as written and
 * respelled, which the scanner must read, and spoiled four times, counted
 * in t, where whatever the scanner takes the tree takes alike. */
static void read_every_way(unsigned *seed, model_entity k, const model_record *r, tally *t)
{
    char *s = model_record_text(r, NULL);
    if (!s)
        fail_msg("a %s made for the test cannot be written", model_entity_name(k));
    int tree_took;
    assert_int_equal(both(k, s, strlen(s), &tree_took), 1);
    char *u = respell(seed, s);
    if (!both(k, u, strlen(u), &tree_took))
        fail_msg("the scanner gave up on %s", u);
    spoiled(seed, s, u, 4, both, k, t);
    free(u);
    free(s);
}

static void test_scan_reads_parts_as_the_tree(void **state)
{
    (void)state;
    unsigned seed = 20261203;
    tally t = {0, 0, 0};
    for (int round = 0; round < 2000; round++) {
        model_entity k = (model_entity)(MODEL_ENT_EVENT + round % 5);
        model_record *r = rpart(&seed, k);
        read_every_way(&seed, k, r, &t);
        free(r);
    }
    /* The spoiling reached both outcomes; what the tree takes and the
     * scanner does not is rare by spoiling, and shown case by case in
     * test_scan_gives_up_where_it_should. */
    print_message("spoiled parts: %d read by the scanner, %d refused by the tree, %d read by "
                  "the tree alone\n",
                  t.took, t.refused, t.given_up);
    assert_true(t.took > 100);
    assert_true(t.refused > 1000);
}

/* Observations as parts are: whatever the scanner reads, with or without a
 * context, the tree reads to the same record. */
static void test_scan_reads_observations_as_the_tree(void **state)
{
    (void)state;
    unsigned seed = 20261205;
    tally t = {0, 0, 0};
    int with_context = 0;
    for (int round = 0; round < 2000; round++) {
        model_record *r = robs(&seed);
        with_context += strcmp(r->u.obs.context_json, "{}") != 0;
        read_every_way(&seed, MODEL_ENT_OBSERVATION, r, &t);
        free(r);
    }
    print_message("spoiled observations: %d read by the scanner, %d refused by the tree, %d read "
                  "by the tree alone; %d of 2000 with a context\n",
                  t.took, t.refused, t.given_up, with_context);
    /* The spoiling reached both outcomes (an observation is long, so few
     * spoiled ones are still good). */
    assert_true(with_context > 300);
    assert_true(t.took > 30);
    assert_true(t.refused > 1000);
}

/* Texts the scanner must give up on, each a good event but for one thing
 * that the tree either refuses or reads in a way the scanner does not. */
static void test_scan_gives_up_where_it_should(void **state)
{
    (void)state;
    static const char *const good = "{\"id\":\"00000000-0000-0000-0000-000000000001\","
                                    "\"observation_id\":\"00000000-0000-0000-0000-000000000002\","
                                    "\"kind\":\"count\",\"key\":\"open_q\",\"target_id\":\"\","
                                    "\"at\":5}";
    static const struct {
        const char *from, *to;
        int tree_takes;
    } cases[] = {
        {"\"at\":5", "\"at\":5,\"at\":5", 0},          /* a key twice */
        {"\"at\":5", "\"at\":5.0", 0},                 /* a real number */
        {"\"at\":5", "\"at\":5e0", 0},                 /* a real number */
        {"\"at\":5", "\"at\":05", 0},                  /* a leading zero */
        {"\"at\":5", "\"at\":9223372036854775808", 0}, /* past 64 bits */
        {"\"at\":5", "\"at\":-0", 1},                  /* read as 0 by both */
        {"open_q", "open\\u0000q", 0},                 /* a NUL */
        {"open_q", "open\\ud800q", 0},                 /* half a surrogate pair */
        {"open_q", "open\\udc00q", 0},                 /* the other half alone */
        {"open_q", "open\xed\xa0\x80q", 0},            /* a surrogate in UTF-8 */
        {"open_q", "open\xc0\xafq", 0},                /* an overlong form */
        {"open_q", "open\tq", 0},                      /* a raw tab in a string */
        {"open_q", "open\\xq", 0},                     /* no such escape */
        {"\"at\":5", "\"at\":null", 0},                /* the wrong type */
        {"\"at\":5", "\"at\":[5]", 0},                 /* the wrong type */
        {"\"at\":5}", "\"at\":5}}", 0},                /* more after the object */
        {"\"at\":5}", "\"at\":5", 0},                  /* cut short */
        {"\"count\"", "\"count\\u0000\"", 0},          /* a word and a NUL */
        {"\"at\":5}", "\"at\":5,\"at\\u0000\":5}", 0}, /* a name and a NUL */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char t[600];
        const char *at = strstr(good, cases[i].from);
        assert_non_null(at);
        snprintf(t, sizeof t, "%.*s%s%s", (int)(at - good), good, cases[i].to,
                 at + strlen(cases[i].from));
        int tree_took;
        int took = both(MODEL_ENT_EVENT, t, strlen(t), &tree_took);
        assert_int_equal(tree_took, cases[i].tree_takes);
        /* -0 is read, as the tree reads it; every other case is given up. */
        assert_int_equal(took, cases[i].tree_takes);
    }
    /* A note's text may hold a tab and a newline, but only escaped. */
    static const char *const notes[] = {
        "{\"id\":\"00000000-0000-0000-0000-000000000001\",\"observation_id\":"
        "\"00000000-0000-0000-0000-000000000002\",\"at\":5,\"text\":\"a\\tb\\nc\",\"sign_id\":\"\"}",
        "{\"id\":\"00000000-0000-0000-0000-000000000001\",\"observation_id\":"
        "\"00000000-0000-0000-0000-000000000002\",\"at\":5,\"text\":\"a\tb\",\"sign_id\":\"\"}",
        "{\"id\":\"00000000-0000-0000-0000-000000000001\",\"observation_id\":"
        "\"00000000-0000-0000-0000-000000000002\",\"at\":5,\"text\":\"a\nb\",\"sign_id\":\"\"}",
        "{\"id\":\"00000000-0000-0000-0000-000000000001\",\"observation_id\":"
        "\"00000000-0000-0000-0000-000000000002\",\"at\":5,\"text\":\"a\\u0000b\",\"sign_id\":\"\"}",
    };
    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
        int tree_took;
        assert_int_equal(both(MODEL_ENT_NOTE, notes[i], strlen(notes[i]), &tree_took), i == 0);
        assert_int_equal(tree_took, i == 0);
    }
    model_err err;
    /* A part that is not there at all is refused as before. */
    model_record *ev = model_record_new(MODEL_ENT_EVENT);
    assert_int_equal(model_record_from_json(MODEL_ENT_EVENT, NULL, ev, &err), -1);
    assert_string_equal(err.msg, "The event must be a JSON object.");
    free(ev);
    /* Only an observation or a part is read from members; any other kind
     * from JSON. */
    model_record *focus = model_record_new(MODEL_ENT_FOCUS);
    assert_int_equal(model_record_from_members(MODEL_ENT_FOCUS, NULL, 0, focus, &err), -1);
    assert_string_equal(err.msg,
                        "The focus is not a part of an observation: it is read from JSON only.");
    free(focus);
    /* A context the scanner cannot read exactly as the tree is left to the
     * tree: a NUL between its brackets, which is not whitespace; a list or
     * a real number in it; a member given twice. */
    static const char *const obs_good =
        "{\"id\":\"00000000-0000-0000-0000-000000000001\",\"unit_id\":"
        "\"00000000-0000-0000-0000-000000000002\",\"focus_id\":"
        "\"00000000-0000-0000-0000-000000000003\",\"focus_version\":1,\"template_id\":"
        "\"00000000-0000-0000-0000-000000000004\",\"template_version\":1,\"observer_id\":"
        "\"00000000-0000-0000-0000-000000000005\",\"observee_id\":"
        "\"00000000-0000-0000-0000-000000000006\",\"room_id\":\"\",\"activity\":\"\","
        "\"context\":{ \t},\"agreement\":true,\"started_at\":1,\"ended_at\":0,\"status\":"
        "\"draft\",\"revision\":1,\"updated_at\":1}";
    int tree_took;
    assert_int_equal(both(MODEL_ENT_OBSERVATION, obs_good, strlen(obs_good), &tree_took), 1);
    char nul[600];
    size_t len = strlen(obs_good);
    memcpy(nul, obs_good, len + 1);
    char *ctx = strstr(nul, "{ \t}");
    assert_non_null(ctx);
    ctx[1] = '\0';
    assert_int_equal(both(MODEL_ENT_OBSERVATION, nul, len, &tree_took), 0);
    assert_false(tree_took);
    static const char *const ctx_bad[] = {"{\"a\":[1]}",  "{\"a\":1.5}", "{\"a\":1,\"a\":2}",
                                          "{\"a\":true}", "{\"a\":{}}",  "{\"\":1}"};
    for (size_t i = 0; i < sizeof ctx_bad / sizeof ctx_bad[0]; i++) {
        char t[700];
        const char *c = strstr(obs_good, "{ \t}");
        snprintf(t, sizeof t, "%.*s%s%s", (int)(c - obs_good), obs_good, ctx_bad[i], c + 4);
        assert_int_equal(both(MODEL_ENT_OBSERVATION, t, strlen(t), &tree_took), 0);
        assert_false(tree_took);
    }
    /* A context of whole numbers and texts is read by both, and written as
     * jansson writes it, whitespace and escapes gone. */
    {
        char t[700];
        const char *c = strstr(obs_good, "{ \t}");
        snprintf(t, sizeof t, "%.*s%s%s", (int)(c - obs_good), obs_good,
                 "{ \"b\" : \"x\\u00e6\\/y\" , \"a\":-0 }", c + 4);
        assert_int_equal(both(MODEL_ENT_OBSERVATION, t, strlen(t), &tree_took), 1);
        model_record *r = model_record_new(MODEL_ENT_OBSERVATION);
        assert_non_null(r);
        assert_int_equal(model_record_parse(MODEL_ENT_OBSERVATION, t, r, &err), 0);
        assert_string_equal(r->u.obs.context_json, "{\"b\":\"xæ/y\",\"a\":0}");
        free(r);
    }
    /* An observation without members lacks its first field, as from JSON. */
    model_record *obs = model_record_new(MODEL_ENT_OBSERVATION);
    assert_int_equal(model_record_from_members(MODEL_ENT_OBSERVATION, NULL, 0, obs, &err), -1);
    assert_string_equal(err.msg, "The observation lacks the field \"id\".");
    free(obs);
}

/* The scanner's own reading of values: numbers at the ends of 64 bits,
 * nested values given as their text, the room it is given for strings, and
 * lists. */
static void test_scan_values(void **state)
{
    (void)state;
    static const struct {
        const char *t;
        int n;
        int64_t v;
    } nums[] = {
        {"{\"n\":9223372036854775807}", 1, INT64_MAX},
        {"{\"n\":-9223372036854775808}", 1, INT64_MIN},
        {"{\"n\":9223372036854775808}", -1, 0},
        {"{\"n\":-9223372036854775809}", -1, 0},
        {"{\"n\":18446744073709551626}", -1, 0},
        {"{\"n\":-0}", 1, 0},
        {"{\"n\":-}", -1, 0},
        {"{\"n\":1.5}", -1, 0},
        {"{\"n\": 7 }", 1, 7},
    };
    model_member m[4];
    char buf[64], *b;
    size_t left;
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        b = buf, left = sizeof buf;
        int n = model_scan_object(nums[i].t, strlen(nums[i].t), m, 4, &b, &left);
        assert_int_equal(n, nums[i].n);
        if (n == 1) {
            assert_int_equal(m[0].v.type, MODEL_V_INT);
            assert_true(m[0].v.i == nums[i].v);
        }
    }

    const char *t = "{\"a\":[1,{\"b\":\"]\\\"\"}],\"c\":null,\"d\":{\"e\":\"}\"},\"f\":true}";
    b = buf, left = sizeof buf;
    assert_int_equal(model_scan_object(t, strlen(t), m, 4, &b, &left), 4);
    assert_int_equal(m[0].v.type, MODEL_V_OTHER);
    assert_memory_equal(m[0].v.s, "[1,{\"b\":\"]\\\"\"}]", m[0].v.n);
    assert_int_equal(m[1].v.type, MODEL_V_OTHER);
    assert_int_equal(m[1].v.n, 4);
    assert_memory_equal(m[2].v.s, "{\"e\":\"}\"}", m[2].v.n);
    assert_int_equal(m[3].v.type, MODEL_V_TRUE);
    b = buf, left = sizeof buf;
    assert_int_equal(model_scan_object(t, strlen(t), m, 3, &b, &left), -1); /* more than max */
    static const char *const bad[] = {"{\"a\":[1},\"b\":2}", "{\"a\":[1]]}", "{\"a\":nul}",
                                      "{\"a\":1,}",          "{\"a\" 1}",    "[]",
                                      "{\"a\":1} x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = buf, left = sizeof buf;
        assert_int_equal(model_scan_object(bad[i], strlen(bad[i]), m, 4, &b, &left), -1);
    }
    /* Thirty-two lists deep is stepped over; thirty-three is given up. */
    char deep[120];
    for (int d = 32; d <= 33; d++) {
        int n = snprintf(deep, sizeof deep, "{\"a\":");
        for (int i = 0; i < d; i++)
            deep[n++] = '[';
        for (int i = 0; i < d; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        b = buf, left = sizeof buf;
        assert_int_equal(model_scan_object(deep, (size_t)n, m, 4, &b, &left), d == 32 ? 1 : -1);
    }

    /* Strings take their bytes and a NUL each from the room given, and
     * no more: "k" and "a\u00e6" need 2 + 4 bytes. */
    t = "{\"k\":\"a\\u00e6\"}";
    memset(buf, '#', sizeof buf);
    b = buf, left = 6;
    assert_int_equal(model_scan_object(t, strlen(t), m, 4, &b, &left), 1);
    assert_string_equal(m[0].v.s, "aæ");
    assert_int_equal(left, 0);
    assert_ptr_equal(b, buf + 6);
    for (size_t room = 0; room < 6; room++) {
        memset(buf, '#', sizeof buf);
        b = buf, left = room;
        assert_int_equal(model_scan_object(t, strlen(t), m, 4, &b, &left), -1);
        assert_int_equal(buf[room], '#');
    }

    /* A run of plain bytes is copied at once, within the same room: "key"
     * and "plain text" need 4 + 11 bytes, and with one byte less nothing
     * is written past the room. */
    t = "{\"key\":\"plain text\"}";
    for (size_t room = 13; room <= 16; room++) {
        memset(buf, '#', sizeof buf);
        b = buf, left = room;
        assert_int_equal(model_scan_object(t, strlen(t), m, 4, &b, &left), room >= 15 ? 1 : -1);
        assert_int_equal(buf[room], '#');
        if (room >= 15) {
            assert_string_equal(m[0].key, "key");
            assert_string_equal(m[0].v.s, "plain text");
            assert_int_equal(m[0].v.n, 10);
            assert_int_equal(left, room - 15);
        }
    }
    /* Plain runs around escapes and letters past ASCII. */
    t = "{\"k\":\"ab\\\"cd\\\\e\\u00e6fg\xc3\xb8h\"}";
    b = buf, left = sizeof buf;
    assert_int_equal(model_scan_object(t, strlen(t), m, 4, &b, &left), 1);
    assert_string_equal(m[0].v.s, "ab\"cd\\eæfgøh");

    /* An empty text still needs its NUL. */
    memset(buf, '#', sizeof buf);
    b = buf, left = 0;
    assert_int_equal(model_scan_object("{\"\":1}", 6, m, 4, &b, &left), -1);
    assert_int_equal(buf[0], '#');
    b = buf, left = 1;
    assert_int_equal(model_scan_object("{\"\":1}", 6, m, 4, &b, &left), 1);
    assert_string_equal(m[0].key, "");

    model_val el[3];
    assert_int_equal(model_scan_list("[{},[1] , {\"a\":\"]\"}]", 20, el, 3), 3);
    assert_int_equal(el[1].n, 3);
    assert_int_equal(model_scan_list(" [ ] ", 5, el, 3), 0);
    assert_int_equal(model_scan_list("[{},{},{},{}]", 13, el, 3), -1);
    assert_int_equal(model_scan_list("[1]", 3, el, 3), -1);
    assert_int_equal(model_scan_list("[{},]", 5, el, 3), -1);
    assert_int_equal(model_scan_list("{}", 2, el, 3), -1);
}

/* A page as the server writes it: parts of every kind, a room and a
 * deletion, through the reply's own encoder. */
static char *page(unsigned *seed, int n)
{
    json_t *reply = proto_pull_reply_begin(PROTO_SCHEMA, 1000 + n, n % 2);
    assert_non_null(reply);
    for (int i = 0; i < n; i++) {
        model_record *r;
        if (i % 17 == 5) {
            r = model_record_new(MODEL_ENT_ROOM);
            rid(seed, r->u.room.id);
            rid(seed, r->u.room.unit_id);
            snprintf(r->u.room.name, sizeof r->u.room.name, "Blå stue %d", i);
        } else if (i % 17 == 11) {
            r = model_record_new(MODEL_ENT_DELETED);
            r->u.deleted.entity = MODEL_ENT_OBSERVATION;
            rid(seed, r->u.deleted.id);
            rid(seed, r->u.deleted.unit_id);
            r->u.deleted.reason = MODEL_DEL_RETENTION;
            r->u.deleted.deleted_at = rtime(seed);
        } else {
            r = rpart(seed, (model_entity)(MODEL_ENT_EVENT + i % 5));
        }
        json_t *j = model_record_to_json(r, NULL);
        assert_non_null(j);
        assert_int_equal(proto_pull_reply_add(reply, r->entity, i + 1, 1 + i % 3, j), 0);
        json_decref(j);
        free(r);
    }
    char *s = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    assert_non_null(s);
    return s;
}

static void same_page(const proto_pull_reply *a, const proto_pull_reply *b)
{
    assert_int_equal(a->schema, b->schema);
    assert_int_equal(a->cursor, b->cursor);
    assert_int_equal(a->more, b->more);
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        assert_int_equal(a->items[i].seq, b->items[i].seq);
        assert_int_equal(a->items[i].version, b->items[i].version);
        assert_int_equal(a->items[i].rec->entity, b->items[i].rec->entity);
        same_record(a->items[i].rec, b->items[i].rec);
    }
}

/* A push as a tablet writes it: n parts. */
/* A push of n random changes whose parts take turns among the first
 * `kinds` of event, note, rating, feedback and reflection. */
static char *push_of(unsigned *seed, int n, int kinds)
{
    proto_change *ch = calloc(n ? (size_t)n : 1, sizeof *ch);
    assert_non_null(ch);
    for (int i = 0; i < n; i++) {
        rid(seed, ch[i].change_id);
        rid(seed, ch[i].actor_id);
        ch[i].base_version = (int)(next(seed) % 3);
        ch[i].rec = rpart(seed, (model_entity)(MODEL_ENT_EVENT + i % kinds));
    }
    proto_push p = {PROTO_SCHEMA, n, ch};
    char *s = proto_push_encode(&p);
    assert_non_null(s);
    proto_changes_clear(ch, n);
    free(ch);
    return s;
}

static char *push(unsigned *seed, int n) { return push_of(seed, n, 5); }

static void same_push(const proto_push *a, const proto_push *b)
{
    assert_int_equal(a->schema, b->schema);
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        assert_string_equal(a->changes[i].change_id, b->changes[i].change_id);
        assert_string_equal(a->changes[i].actor_id, b->changes[i].actor_id);
        assert_int_equal(a->changes[i].base_version, b->changes[i].base_version);
        same_record(a->changes[i].rec, b->changes[i].rec);
    }
}

/* The answer as it was made before it was written by hand: objects packed
 * and dumped compactly, each message made clean text first. */
static char *reply_dumped(const proto_push_reply *r)
{
    json_t *arr = json_array();
    for (int i = 0; i < r->n; i++) {
        const proto_result *x = &r->results[i];
        json_t *o = json_pack("{s:s,s:s,s:i}", "change_id", x->change_id, "status",
                              proto_status_name(x->status), "version", x->version);
        if (x->status == PROTO_ST_REJECTED) {
            char m[PROTO_MESSAGE_MAX];
            snprintf(m, sizeof m, "%s", x->message);
            model_clean_text(m);
            json_object_set_new(
                o, "error", json_pack("{s:s,s:s}", "code", proto_code_name(x->code), "message", m));
        }
        json_array_append_new(arr, o);
    }
    json_t *whole = json_pack("{s:i,s:o}", "schema", r->schema, "results", arr);
    char *s = json_dumps(whole, JSON_COMPACT);
    assert_non_null(s);
    json_decref(whole);
    return s;
}

/* A push's answer as the server writes it: n results of every status, the
 * rejections with a code and a message that needs escaping; some hold a
 * control character or a byte that is not UTF-8, which the answer carries
 * cleaned. */
static char *reply(unsigned *seed, int n)
{
    static const proto_code codes[] = {PROTO_E_VALUE, PROTO_E_FORBIDDEN, PROTO_E_UTF8,
                                       PROTO_E_MISSING_FIELD};
    proto_result *x = calloc(n ? (size_t)n : 1, sizeof *x);
    assert_non_null(x);
    for (int i = 0; i < n; i++) {
        rid(seed, x[i].change_id);
        x[i].status = (proto_status)(next(seed) % 4);
        x[i].version = (int)(next(seed) % 1000);
        if (x[i].status == PROTO_ST_REJECTED) {
            x[i].code = codes[next(seed) % 4];
            rtext(seed, x[i].message, sizeof x[i].message, 1);
            static const char *const odd[] = {"", "\x01", "\xff", "\x7f", "\xc3"};
            size_t at = strlen(x[i].message);
            snprintf(x[i].message + at, sizeof x[i].message - at, "%s", odd[next(seed) % 5]);
        }
    }
    proto_push_reply r = {PROTO_SCHEMA, n, x};
    char *s = proto_push_reply_encode(&r);
    assert_non_null(s);
    char *dumped = reply_dumped(&r);
    assert_string_equal(s, dumped);
    free(dumped);
    free(x);
    return s;
}

static void same_reply(const proto_push_reply *a, const proto_push_reply *b)
{
    assert_int_equal(a->schema, b->schema);
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        assert_string_equal(a->results[i].change_id, b->results[i].change_id);
        assert_int_equal(a->results[i].status, b->results[i].status);
        assert_int_equal(a->results[i].version, b->results[i].version);
        assert_int_equal(a->results[i].code, b->results[i].code);
        assert_string_equal(a->results[i].message, b->results[i].message);
    }
}

/* A pull reply, a push or a push's answer, for the tests that read either three ways. */
enum { PAGE, PUSH, REPLY };
typedef union {
    proto_pull_reply page;
    proto_push push;
    proto_push_reply reply;
} message;

static int m_scan(int k, const char *t, size_t n, message *m)
{
    return k == PAGE   ? proto_pull_reply_scan(t, n, &m->page)
           : k == PUSH ? proto_push_scan(t, n, &m->push)
                       : proto_push_reply_scan(t, n, &m->reply);
}

static int m_tree(int k, const char *t, size_t n, message *m, proto_err *e)
{
    return k == PAGE   ? proto_pull_reply_tree(t, n, &m->page, e)
           : k == PUSH ? proto_push_tree(t, n, &m->push, e)
                       : proto_push_reply_tree(t, n, &m->reply, e);
}

static int m_decode(int k, const char *t, size_t n, message *m, proto_err *e)
{
    return k == PAGE   ? proto_pull_reply_decode(t, n, &m->page, e)
           : k == PUSH ? proto_push_decode(t, n, &m->push, e)
                       : proto_push_reply_decode(t, n, &m->reply, e);
}

static void m_same(int k, const message *a, const message *b)
{
    if (k == PAGE)
        same_page(&a->page, &b->page);
    else if (k == PUSH)
        same_push(&a->push, &b->push);
    else
        same_reply(&a->reply, &b->reply);
}

/* Left as a failed decoder must leave it: empty. */
static int m_empty(int k, const message *m)
{
    return k == PAGE   ? !m->page.n && !m->page.items
           : k == PUSH ? !m->push.n && !m->push.changes
                       : !m->reply.n && !m->reply.results;
}

static void m_clear(int k, message *m)
{
    if (k == PAGE)
        proto_pull_reply_clear(&m->page);
    else if (k == PUSH)
        proto_push_clear(&m->push);
    else
        proto_push_reply_clear(&m->reply);
}

/* The message t (n bytes) of kind k three ways: the scanner, the tree, and
 * the decoder that tries them in turn, which must answer as the tree,
 * message and all. Returns 1 if the scanner took it. */
static int both_ways(int k, const char *t, size_t n, int *tree_took)
{
    message fast, slow, dec;
    proto_err et, ed;
    int took = m_scan(k, t, n, &fast) == 0;
    *tree_took = m_tree(k, t, n, &slow, &et) == 0;
    int dtook = m_decode(k, t, n, &dec, &ed) == 0;
    assert_int_equal(dtook, *tree_took);
    if (took) {
        if (!*tree_took)
            fail_msg("the scanner took what the tree refuses: %s", et.msg);
        m_same(k, &fast, &slow);
    }
    if (dtook) {
        m_same(k, &dec, &slow);
    } else {
        assert_int_equal(ed.code, et.code);
        assert_string_equal(ed.msg, et.msg);
        assert_true(m_empty(k, &dec));
    }
    m_clear(k, &fast);
    m_clear(k, &slow);
    m_clear(k, &dec);
    return took;
}

/* Thirty messages of kind k, of 0 to 29 * step entries, as written and
 * spelled otherwise (the scanner takes both), and each spoiled thirty
 * times. */
static void scanned_as_the_tree(int k, unsigned *seed, int step)
{
    tally t = {0, 0, 0};
    int tree_took;
    for (int round = 0; round < 30; round++) {
        int n = round % 10 == 0 ? 0 : 1 + round * step;
        char *s = k == PAGE ? page(seed, n) : k == PUSH ? push(seed, n) : reply(seed, n);
        assert_int_equal(both_ways(k, s, strlen(s), &tree_took), 1);
        char *u = respell(seed, s);
        assert_int_equal(both_ways(k, u, strlen(u), &tree_took), 1);
        spoiled(seed, s, u, 30, both_ways, k, &t);
        free(u);
        free(s);
    }
    print_message("spoiled %s: %d read by the scanner, %d refused by the tree, %d read by the "
                  "tree alone\n",
                  k == PAGE   ? "pages"
                  : k == PUSH ? "pushes"
                              : "answers",
                  t.took, t.refused, t.given_up);
    assert_true(t.took > 5);
    assert_true(t.refused > 300);
}

static void test_pull_pages_scanned_as_the_tree(void **state)
{
    (void)state;
    unsigned seed = 4242;
    scanned_as_the_tree(PAGE, &seed, 13);
}

/* The biggest page the server may send is scanned too. */
static void test_a_full_page_is_scanned(void **state)
{
    (void)state;
    unsigned seed = 99;
    char *s = page(&seed, PROTO_PULL_MAX);
    int tree_took;
    assert_int_equal(both_ways(PAGE, s, strlen(s), &tree_took), 1);
    free(s);
}

static void test_pushes_scanned_as_the_tree(void **state)
{
    (void)state;
    unsigned seed = 1203;
    scanned_as_the_tree(PUSH, &seed, 11);
    int tree_took;
    /* A change id given twice, and more changes than a push may hold, are
     * the tree's to refuse, with its words. */
    char *s = push(&seed, 2);
    char *first = strstr(s, "\"change_id\":\""), *second = strstr(first + 1, "\"change_id\":\"");
    assert_non_null(second);
    memcpy(second + 13, first + 13, 36);
    proto_push p;
    proto_err e;
    assert_int_equal(both_ways(PUSH, s, strlen(s), &tree_took), 0);
    assert_int_equal(proto_push_decode(s, strlen(s), &p, &e), -1);
    assert_string_equal(e.msg, "changes[1] repeats the change_id of changes[0].");
    free(s);
    /* A full push of taps, notes and ratings fits what a push's records
     * may take; a full one that also holds feedback and reflections (some
     * 12 and 8 KiB each once read) does not, and is the tree's to refuse
     * as too large, as is one change more than a push may hold. */
    s = push_of(&seed, PROTO_PUSH_MAX, 3);
    assert_int_equal(both_ways(PUSH, s, strlen(s), &tree_took), 1);
    free(s);
    s = push(&seed, PROTO_PUSH_MAX);
    assert_int_equal(both_ways(PUSH, s, strlen(s), &tree_took), 0);
    assert_int_equal(proto_push_decode(s, strlen(s), &p, &e), -1);
    assert_int_equal(e.code, PROTO_E_TOO_LARGE);
    free(s);
    s = push(&seed, PROTO_PUSH_MAX + 1);
    assert_int_equal(both_ways(PUSH, s, strlen(s), &tree_took), 0);
    assert_int_equal(proto_push_decode(s, strlen(s), &p, &e), -1);
    assert_int_equal(e.code, PROTO_E_TOO_LARGE);
    free(s);
}

static void test_push_answers_scanned_as_the_tree(void **state)
{
    (void)state;
    unsigned seed = 77;
    scanned_as_the_tree(REPLY, &seed, 17);
    int tree_took;
    char *s = reply(&seed, PROTO_PUSH_MAX);
    assert_int_equal(both_ways(REPLY, s, strlen(s), &tree_took), 1);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_reads_parts_as_the_tree),
        cmocka_unit_test(test_scan_reads_observations_as_the_tree),
        cmocka_unit_test(test_scan_gives_up_where_it_should),
        cmocka_unit_test(test_scan_values),
        cmocka_unit_test(test_pull_pages_scanned_as_the_tree),
        cmocka_unit_test(test_a_full_page_is_scanned),
        cmocka_unit_test(test_pushes_scanned_as_the_tree),
        cmocka_unit_test(test_push_answers_scanned_as_the_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
