/*
 * The office's text buffer and the two escapes every page goes through:
 * for HTML (content and quoted attributes) and for URLs. Nothing a person
 * typed reaches a page except through off_buf_esc or off_buf_url.
 */
#include "off_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pages stay far below this; a buffer that would pass it is a bug or an
 * attack, and fails like a failed allocation. */
#define BUF_MAX (16u * 1024 * 1024)

static int grow(off_buf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1 && cap <= BUF_MAX)
        cap *= 2;
    char *p = cap > BUF_MAX ? NULL : realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void off_buf_putn(off_buf *b, const char *markup, size_t n)
{
    if (grow(b, n) != 0)
        return;
    memcpy(b->p + b->len, markup, n);
    b->len += n;
    b->p[b->len] = 0;
}

void off_buf_put(off_buf *b, const char *markup) { off_buf_putn(b, markup, strlen(markup)); }

void off_buf_printf(off_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || grow(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void off_buf_esc(off_buf *b, const char *text)
{
    if (!text)
        return;
    const char *run = text;
    for (const char *s = text; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        off_buf_putn(b, run, (size_t)(s - run));
        off_buf_put(b, rep);
        run = s + 1;
    }
    off_buf_put(b, run);
}

void off_buf_url(off_buf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!text)
        return;
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            *s == '-' || *s == '_' || *s == '.' || *s == '~') {
            off_buf_putn(b, (const char *)s, 1);
        } else {
            char e[3] = {'%', hex[*s >> 4], hex[*s & 15]};
            off_buf_putn(b, e, 3);
        }
    }
}

char *off_buf_take(off_buf *b, size_t *len)
{
    if (b->oom || grow(b, 0) != 0) {
        off_buf_free(b);
        return NULL;
    }
    char *p = b->p;
    if (len)
        *len = b->len;
    memset(b, 0, sizeof *b);
    return p;
}

void off_buf_free(off_buf *b)
{
    if (!b)
        return;
    free(b->p);
    memset(b, 0, sizeof *b);
}
