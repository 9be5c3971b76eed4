/*
 * Records as JSON text, written by hand where it pays. An observation's
 * parts (its taps, notes, ratings, feedback and reflection) are nine in ten
 * of the records a tablet writes and a server receives, and each is made
 * into text on every tap, and twice for every change a push carries (the
 * stored text, and the canonical text whose hash keeps a push idempotent).
 * Built as jansson objects and dumped twice, that cost the server some
 * 3 ms for a push of 1,000 taps, before its transaction could begin, while
 * the tablet waited. Here the parts are written directly, with exactly the
 * bytes jansson's compact dump writes, and with JSON_SORT_KEYS for the
 * sorted form: a change's hash must not move when the way of writing it
 * does (a tablet retrying a change across a server's upgrade must get
 * "duplicate", not "change_id_reused"). test_model compares the two
 * writers on every control character, quotes, backslashes and UTF-8.
 * Every other kind, and an event whose kind has no word, goes through
 * jansson, which gives the same messages as before. A part's text that is
 * not UTF-8 is refused here, naming its field (jansson refuses it too, but
 * says it ran out of memory).
 */
#include "model_int.h"
#include "model_json.h"

#include "plat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends k bytes of w to out at *n when they fit with a NUL after them;
 * counts them either way. Once a piece does not fit, none after it does;
 * of a run of plain bytes (run), as many as fit are put, as when each was
 * a piece of its own. */
static void json_put(char *out, size_t cap, size_t *n, size_t *written, const char *w, size_t k,
                     int run)
{
    if (out && *n + k < cap) {
        memcpy(out + *n, w, k);
        *written = *n + k;
    } else if (out && run && *written == *n && *n + 1 < cap) {
        memcpy(out + *n, w, cap - 1 - *n);
        *written = cap - 1;
    }
    *n += k;
}

/* jansson's escapes: the five short ones, the other control characters as
 * \u00XX in capitals, and nothing else (not '/', not DEL, not UTF-8). */
size_t model_json_string(char *out, size_t cap, const char *s)
{
    size_t n = 0, written = 0;
    json_put(out, cap, &n, &written, "\"", 1, 0);
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (;; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        json_put(out, cap, &n, &written, (const char *)run, (size_t)(p - run), 1);
        if (!c)
            break;
        char esc[8] = {'\\', (char)c, 0};
        size_t k = 2;
        switch (c) {
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '"':
        case '\\': break;
        default: k = (size_t)snprintf(esc, sizeof esc, "\\u%04X", c);
        }
        json_put(out, cap, &n, &written, esc, k, 0);
        run = p + 1;
    }
    json_put(out, cap, &n, &written, "\"", 1, 0);
    if (out && cap > 0)
        out[written] = 0;
    return n;
}

/* ---- the parts, by hand ---- */

/* A member: a text, or (s NULL) a whole number. */
typedef struct {
    const char *name;
    const char *s;
    int64_t i;
} member;

#define PART_MEMBERS 8

/* The members of a part in the order model_record_to_json packs them,
 * which is the order of the compact text; their number, or 0 for a record
 * this file does not write. */
static int members(const model_record *r, member *m)
{
    int n = 0;
#define S(k, v)                                                                                    \
    m[n++] = (member) { k, v, 0 }
#define I(k, v)                                                                                    \
    m[n++] = (member) { k, NULL, (int64_t)(v) }
    switch (r->entity) {
    case MODEL_ENT_EVENT: {
        const model_event *e = &r->u.event;
        const char *kind = model_event_kind_word(e->kind);
        if (!kind)
            return 0;
        S("id", e->id);
        S("observation_id", e->observation_id);
        S("kind", kind);
        S("key", e->key);
        S("target_id", e->target_id);
        I("at", e->at);
        break;
    }
    case MODEL_ENT_NOTE: {
        const model_note *t = &r->u.note;
        S("id", t->id);
        S("observation_id", t->observation_id);
        I("at", t->at);
        S("text", t->text);
        S("sign_id", t->sign_id);
        break;
    }
    case MODEL_ENT_RATING: {
        const model_rating *g = &r->u.rating;
        S("observation_id", g->observation_id);
        S("sign_id", g->sign_id);
        I("level", g->level);
        I("at", g->at);
        break;
    }
    case MODEL_ENT_FEEDBACK: {
        const model_feedback *f = &r->u.feedback;
        S("observation_id", f->observation_id);
        S("author_id", f->author_id);
        S("works", f->works);
        S("wonderings", f->wonderings);
        S("next_step", f->next_step);
        I("given_at", f->given_at);
        I("updated_at", f->updated_at);
        break;
    }
    case MODEL_ENT_REFLECTION: {
        const model_reflection *f = &r->u.reflection;
        S("observation_id", f->observation_id);
        S("author_id", f->author_id);
        S("text", f->text);
        S("next_step", f->next_step);
        I("updated_at", f->updated_at);
        break;
    }
    default: return 0;
    }
#undef S
#undef I
    return n;
}

/* Whether s is UTF-8 as jansson takes it; a text that is not goes to
 * jansson, which refuses it. */
static int utf8_ok(const char *s)
{
    size_t left = strlen(s);
    while (left > 0) {
        int k = plat_utf8_next(s, left, NULL);
        if (k < 0)
            return 0;
        s += k;
        left -= (size_t)k;
    }
    return 1;
}

size_t model_json_int(char *out, int64_t v)
{
    char tmp[20];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t k = 0, n = 0;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        out[n++] = '-';
    while (k)
        out[n++] = tmp[--k];
    return n;
}

size_t model_text_join(char *out, size_t cap, const char *a, char sep, const char *b)
{
    size_t n = 0;
    for (const char *p = a ? a : ""; *p && n + 1 < cap; p++)
        out[n++] = *p;
    if (b) {
        if (n + 1 < cap)
            out[n++] = sep;
        for (const char *p = b; *p && n + 1 < cap; p++)
            out[n++] = *p;
    }
    out[n] = 0;
    return n;
}

/* The members written as one compact object, in the order given, malloc'd;
 * NULL when memory ran out. */
static char *object_text(const member *const *m, int n)
{
    size_t len = 3;
    for (int i = 0; i < n; i++)
        len += strlen(m[i]->name) + 4 + (m[i]->s ? model_json_string(NULL, 0, m[i]->s) : 20);
    char *out = malloc(len);
    if (!out)
        return NULL;
    size_t k = 0;
    out[k++] = '{';
    for (int i = 0; i < n; i++) {
        size_t w = strlen(m[i]->name);
        if (i)
            out[k++] = ',';
        out[k++] = '"';
        memcpy(out + k, m[i]->name, w);
        k += w;
        out[k++] = '"';
        out[k++] = ':';
        k += m[i]->s ? model_json_string(out + k, len - k, m[i]->s)
                     : model_json_int(out + k, m[i]->i);
    }
    out[k++] = '}';
    out[k] = 0;
    return out;
}

/* The compact and sorted texts of a part; 1 when this file does not write
 * the record (the caller uses jansson), 2 when a text is not UTF-8 (*bad
 * names its field; nothing made), 0 done, -1 out of memory. */
static int part_texts(const model_record *r, char **compact, char **sorted, const char **bad)
{
    member m[PART_MEMBERS];
    int n = members(r, m);
    if (n == 0)
        return 1;
    for (int i = 0; i < n; i++)
        if (m[i].s && !utf8_ok(m[i].s)) {
            *bad = m[i].name;
            return 2;
        }
    const member *order[PART_MEMBERS];
    for (int i = 0; i < n; i++)
        order[i] = &m[i];
    if (compact && !(*compact = object_text(order, n)))
        return -1;
    if (sorted) {
        /* JSON_SORT_KEYS: by the bytes of the names. */
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && strcmp(order[j - 1]->name, order[j]->name) > 0; j--) {
                const member *t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        if (!(*sorted = object_text(order, n))) {
            if (compact) {
                free(*compact);
                *compact = NULL;
            }
            return -1;
        }
    }
    return 0;
}

int model_record_texts(const model_record *r, char **compact, char **sorted, model_err *err)
{
    if (compact)
        *compact = NULL;
    if (sorted)
        *sorted = NULL;
    const char *bad = NULL;
    int rc = part_texts(r, compact, sorted, &bad);
    if (rc < 0)
        return model_err_set(err, MODEL_E_NOMEM, "Out of memory while writing the %s.",
                             model_entity_name(r->entity));
    /* jansson refuses such a text too, but says it ran out of memory. */
    if (rc == 2)
        return model_err_set(err, MODEL_E_UTF8, "The %s: \"%s\" is not valid UTF-8.",
                             model_entity_name(r->entity), bad);
    return rc == 0 ? 0 : model_record_texts_dumped(r, compact, sorted, err);
}

char *model_record_text(const model_record *r, model_err *err)
{
    char *s;
    return model_record_texts(r, &s, NULL, err) == 0 ? s : NULL;
}
