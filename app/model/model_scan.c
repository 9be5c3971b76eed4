/*
 * The scanner: plain JSON read without building jansson's tree, for the
 * records that travel by the hundred thousand (a first pull, a push). It
 * takes a subset of what jansson takes and reads it to the same values; for
 * anything outside that subset it gives up (-1) without a message, and the
 * caller reads the text again with the strict reader, which takes it or
 * says what is wrong. So every rule about what a record may hold stays in
 * the model_ob_* readers, and every refusal in the strict reader.
 */
#include "model_json.h"

#include "plat.h"

#include <string.h>

/* How deep a list or object that is only stepped over may nest. */
#define SCAN_DEPTH 32

typedef struct {
    const char *p, *end;
} scan;

static void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* Writes the code point c as UTF-8 at out; returns its length. */
static size_t put_utf8(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (char)(0x80 | (c >> 6 & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* The escape after a backslash (s->p is past it) into t as UTF-8; its
 * length, or -1. As jansson: \u0000 and a surrogate half without its other
 * half are refused (here: given up on). */
static int unescape(scan *s, char t[4])
{
    if (s->p >= s->end)
        return -1;
    char c = *s->p++;
    const char *simple = "\"\\/bfnrt", *as = "\"\\/\b\f\n\r\t";
    const char *at = strchr(simple, c);
    if (c && at) {
        t[0] = as[at - simple];
        return 1;
    }
    uint32_t u, lo;
    if (c != 'u' || s->end - s->p < 4 || hex4(s->p, &u) != 0)
        return -1;
    s->p += 4;
    if (u == 0 || (u >= 0xDC00 && u <= 0xDFFF))
        return -1;
    if (u >= 0xD800 && u <= 0xDBFF) {
        if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' || hex4(s->p + 2, &lo) != 0 ||
            lo < 0xDC00 || lo > 0xDFFF)
            return -1;
        s->p += 6;
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
    }
    return (int)put_utf8(t, u);
}

/* Whether byte c may stand for itself in a string: printable ASCII but the
 * quote and the backslash. */
static int plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

/* The string at s->p (its opening quote) unescaped into *buf with a NUL;
 * v->s points there. A string's unescaped bytes and NUL never take more
 * room than its quoted text, which is why len + 1 bytes serve a whole text.
 *
 * Most of what a push or a pull carries is ids, names and words in plain
 * ASCII, so a run of plain bytes is found first and copied at once; only
 * an escape or a byte past ASCII is read one at a time. Copying byte by
 * byte through a small buffer was the largest single cost of reading a
 * push on the server. */
static int string(scan *s, char **buf, size_t *left, model_val *v)
{
    s->p++; /* past the quote */
    char *o = *buf, *stop = *buf + *left;
    for (;;) {
        const char *run = s->p;
        while (s->p < s->end && plain((unsigned char)*s->p))
            s->p++;
        size_t k = (size_t)(s->p - run);
        if (k) {
            if ((size_t)(stop - o) < k + 1) /* room for it and the NUL after */
                return -1;
            memcpy(o, run, k);
            o += k;
        }
        if (s->p >= s->end)
            return -1;
        unsigned char c = (unsigned char)*s->p;
        if (c == '"')
            break;
        char t[4];
        int n;
        if (c == '\\') {
            s->p++;
            n = unescape(s, t);
        } else if (c < 0x80) { /* a control character: not plain, not escaped */
            n = -1;
        } else if ((n = plat_utf8_next(s->p, (size_t)(s->end - s->p), NULL)) > 0) {
            memcpy(t, s->p, (size_t)n);
            s->p += n;
        }
        if (n < 0 || stop - o < n + 1) /* room for it and the NUL after */
            return -1;
        memcpy(o, t, (size_t)n);
        o += n;
    }
    if (o == stop)
        return -1;
    s->p++; /* the closing quote */
    *o = '\0';
    *v = (model_val){MODEL_V_STRING, *buf, (size_t)(o - *buf), 0};
    size_t used = (size_t)(o - *buf) + 1;
    *buf += used;
    *left -= used;
    return 0;
}

/* A whole number as jansson reads one: -?(0|[1-9][0-9]*) within 64 bits. A
 * fraction or an exponent after it (a real number) is left for the caller,
 * which expects a comma or a bracket there and so gives up. */
static int number(scan *s, model_val *v)
{
    const char *p = s->p;
    int neg = p < s->end && *p == '-';
    p += neg;
    if (p >= s->end || *p < '0' || *p > '9')
        return -1;
    if (*p == '0' && p + 1 < s->end && p[1] >= '0' && p[1] <= '9')
        return -1;
    uint64_t x = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; p < s->end && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (x > (lim - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    s->p = p;
    int64_t i = neg ? (x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x) : (int64_t)x;
    *v = (model_val){MODEL_V_INT, NULL, 0, i};
    return 0;
}

static int word(scan *s, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return -1;
    s->p += n;
    return 0;
}

/* Steps over the string at s->p, checking only that it ends. */
static int skip_string(scan *s)
{
    for (s->p++; s->p < s->end; s->p++) {
        if (*s->p == '\\') {
            if (++s->p == s->end) /* an escape cut off at the end */
                return -1;
        } else if (*s->p == '"') {
            s->p++;
            return 0;
        }
    }
    return -1;
}

/* Steps over the list or object at s->p, matching its brackets. */
static int skip_nest(scan *s)
{
    char want[SCAN_DEPTH];
    int depth = 0;
    while (s->p < s->end) {
        char c = *s->p;
        if (c == '"') {
            if (skip_string(s) != 0)
                return -1;
            continue;
        }
        if (c == '[' || c == '{') {
            if (depth == SCAN_DEPTH)
                return -1;
            want[depth++] = c == '[' ? ']' : '}';
        } else if (c == ']' || c == '}') {
            if (depth == 0 || want[--depth] != c)
                return -1;
            if (depth == 0) {
                s->p++;
                return 0;
            }
        }
        s->p++;
    }
    return -1;
}

/* One value at s->p into *v: a string, a whole number, true or false read;
 * null, a list or an object stepped over and given as its text. */
static int value(scan *s, char **buf, size_t *left, model_val *v)
{
    if (s->p >= s->end)
        return -1;
    const char *at = s->p;
    switch (*s->p) {
    case '"': return string(s, buf, left, v);
    case 't': *v = (model_val){MODEL_V_TRUE, NULL, 0, 0}; return word(s, "true");
    case 'f': *v = (model_val){MODEL_V_FALSE, NULL, 0, 0}; return word(s, "false");
    case 'n':
        if (word(s, "null") != 0)
            return -1;
        break;
    case '[':
    case '{':
        if (skip_nest(s) != 0)
            return -1;
        break;
    default: return number(s, v);
    }
    *v = (model_val){MODEL_V_OTHER, at, (size_t)(s->p - at), 0};
    return 0;
}

/* Reads the entries of the whole text, an object or a list (open and
 * close its brackets) with whitespace around it: one() reads each entry at
 * s->p into the n-th place of the caller's (0 or -1); at most max entries.
 * Returns their number, or -1. */
static int entries(const char *text, size_t len, char open, char close, int max,
                   int (*one)(scan *s, int n, void *ctx), void *ctx)
{
    scan s = {text, text + len};
    int n = 0;
    ws(&s);
    if (s.p >= s.end || *s.p != open)
        return -1;
    s.p++;
    ws(&s);
    if (s.p < s.end && *s.p == close) {
        s.p++;
    } else {
        for (;;) {
            if (n == max || one(&s, n, ctx) != 0)
                return -1;
            n++;
            ws(&s);
            if (s.p < s.end && *s.p == ',') {
                s.p++;
                ws(&s);
                continue;
            }
            if (s.p >= s.end || *s.p != close)
                return -1;
            s.p++;
            break;
        }
    }
    ws(&s);
    return s.p == s.end ? n : -1;
}

typedef struct {
    model_member *m;
    char **buf;
    size_t *left;
} members;

/* A member: its name, not given before, a colon and its value. */
static int member(scan *s, int n, void *ctx)
{
    members *c = ctx;
    model_val k;
    if (s->p >= s->end || *s->p != '"' || string(s, c->buf, c->left, &k) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (model_name_is(c->m[i].key, k.s))
            return -1; /* a key given twice */
    ws(s);
    if (s->p >= s->end || *s->p != ':')
        return -1;
    s->p++;
    ws(s);
    c->m[n].key = k.s;
    return value(s, c->buf, c->left, &c->m[n].v);
}

int model_scan_object(const char *text, size_t len, model_member *m, int max, char **buf,
                      size_t *left)
{
    members c = {m, buf, left};
    return entries(text, len, '{', '}', max, member, &c);
}

/* An element, a list or an object, given as its text. */
static int element(scan *s, int n, void *ctx)
{
    model_val *el = ctx;
    const char *at = s->p;
    if (s->p >= s->end || (*s->p != '{' && *s->p != '[') || skip_nest(s) != 0)
        return -1;
    el[n] = (model_val){MODEL_V_OTHER, at, (size_t)(s->p - at), 0};
    return 0;
}

int model_scan_list(const char *text, size_t len, model_val *el, int max)
{
    return entries(text, len, '[', ']', max, element, el);
}
