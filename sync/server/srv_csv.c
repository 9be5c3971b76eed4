/*
 * The CSV writer (srv_csv.h): one place that knows separators, quoting,
 * the decimal mark and the guard against formulas, for every export.
 */
#include "srv_csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX (1024 * 1024)

static void put(srv_csv *w, const char *s, size_t n);

void srv_csv_init(srv_csv *w, srv_csv_style style, size_t max)
{
    memset(w, 0, sizeof *w);
    w->style = style;
    w->max = max ? max : DEFAULT_MAX;
    if (style == SRV_CSV_DA)
        put(w, "\xEF\xBB\xBF", 3);
}

void srv_csv_free(srv_csv *w)
{
    if (!w)
        return;
    free(w->p);
    memset(w, 0, sizeof *w);
}

int srv_csv_style_parse(const char *word, srv_csv_style *out)
{
    if (word && !strcmp(word, "da")) {
        *out = SRV_CSV_DA;
        return 0;
    }
    if (word && !strcmp(word, "intl")) {
        *out = SRV_CSV_INTL;
        return 0;
    }
    return -1;
}

/* Makes room for n more bytes; 0, or -1 (failed set) when the buffer
 * cannot grow or would pass max. Taken bytes are moved out first, so the
 * buffer holds only what waits. */
static int room(srv_csv *w, size_t n)
{
    if (w->failed)
        return -1;
    if (w->off) {
        memmove(w->p, w->p + w->off, w->len);
        w->off = 0;
    }
    if (w->len + n > w->max) {
        w->failed = 1;
        return -1;
    }
    if (w->len + n <= w->cap)
        return 0;
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n)
        cap *= 2;
    if (cap > w->max)
        cap = w->max;
    char *p = realloc(w->p, cap);
    if (!p) {
        w->failed = 1;
        return -1;
    }
    w->p = p;
    w->cap = cap;
    return 0;
}

static void put(srv_csv *w, const char *s, size_t n)
{
    if (room(w, n) == 0) {
        memcpy(w->p + w->len, s, n);
        w->len += n;
    }
}

static char sep(const srv_csv *w) { return w->style == SRV_CSV_DA ? ';' : ','; }

/* The separator before every field but a row's first. */
static void begin_field(srv_csv *w)
{
    if (w->fields++) {
        char c = sep(w);
        put(w, &c, 1);
    }
}

void srv_csv_text(srv_csv *w, const char *s)
{
    begin_field(w);
    if (!s || !*s)
        return;
    int guard = strchr("=+-@\t\r", *s) != NULL;
    int quote = strpbrk(s, "\"\r\n") != NULL || strchr(s, sep(w)) != NULL;
    size_t n = strlen(s), extra = 0;
    for (const char *q = s; *q; q++)
        extra += *q == '"';
    if (room(w, n + extra + 3) != 0)
        return;
    char *o = w->p + w->len;
    if (quote)
        *o++ = '"';
    if (guard)
        *o++ = '\'';
    for (const char *q = s; *q; q++) {
        if (*q == '"')
            *o++ = '"';
        *o++ = *q;
    }
    if (quote)
        *o++ = '"';
    w->len = (size_t)(o - w->p);
}

void srv_csv_empty(srv_csv *w) { begin_field(w); }

void srv_csv_int(srv_csv *w, long long v)
{
    begin_field(w);
    char b[32];
    int n = snprintf(b, sizeof b, "%lld", v);
    put(w, b, (size_t)n);
}

void srv_csv_dec(srv_csv *w, double v, int decimals)
{
    begin_field(w);
    if (!isfinite(v))
        return;
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    char b[64];
    /* Formatted without the locale (the program never sets one, so '.' is
     * the mark), then the mark is swapped for the Danish form. */
    int n = snprintf(b, sizeof b, "%.*f", decimals, v);
    if (n <= 0 || (size_t)n >= sizeof b)
        return;
    /* -0,00 reads as a sign of something: a value that rounds to zero is
     * written as zero. */
    if (b[0] == '-' && strspn(b + 1, "0.") == (size_t)(n - 1))
        memmove(b, b + 1, (size_t)n--);
    if (w->style == SRV_CSV_DA) {
        char *dot = strchr(b, '.');
        if (dot)
            *dot = ',';
    }
    put(w, b, (size_t)n);
}

void srv_csv_end(srv_csv *w)
{
    put(w, "\r\n", 2);
    w->fields = 0;
}

size_t srv_csv_take(srv_csv *w, char *buf, size_t cap)
{
    size_t n = w->len < cap ? w->len : cap;
    if (n) {
        memcpy(buf, w->p + w->off, n);
        w->off += n;
        w->len -= n;
        if (!w->len)
            w->off = 0;
    }
    return n;
}

size_t srv_csv_pending(const srv_csv *w) { return w->len; }
