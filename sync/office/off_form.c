/*
 * The one parser for what a browser sends: forms posted as
 * application/x-www-form-urlencoded, query strings, and the Cookie header.
 * It is strict where leniency would let bad text into the database (broken
 * UTF-8, control characters, odd names) and bounded in fields and bytes, so
 * one request cannot make it do unbounded work. A libFuzzer target feeds it.
 */
#include "off_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat.h"

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) ('+' is a space, %XX a byte) into out, which has room
 * for n + 1 bytes; the decoded length, or -1 for a broken escape. */
static long decode(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[k++] = ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= n)
                return -1;
            int a = hexval(s[i + 1]), b = hexval(s[i + 2]);
            if (a < 0 || b < 0)
                return -1;
            out[k++] = (char)(a * 16 + b);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = 0;
    return (long)k;
}

static int name_ok(const char *s, long n)
{
    if (n < 1 || n > OFF_FIELD_NAME_MAX)
        return 0;
    for (long i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-'))
            return 0;
    }
    return 1;
}

/* Checks a decoded value in place: valid UTF-8, no control characters but
 * tab and newline; a CR LF pair becomes one newline. The new length, or -1
 * with the reason. */
static long value_clean(char *v, long n, const char **why)
{
    long k = 0;
    for (long i = 0; i < n;) {
        unsigned char ch = (unsigned char)v[i];
        if (ch == '\r' && i + 1 < n && v[i + 1] == '\n') {
            i++;
            continue;
        }
        if (ch < 0x20 && ch != '\n' && ch != '\t') {
            *why = "a control character";
            return -1;
        }
        if (ch == 0x7f) {
            *why = "a control character";
            return -1;
        }
        int len = plat_utf8_next(v + i, (size_t)(n - i), NULL);
        if (len < 0) {
            *why = "text that is not valid UTF-8";
            return -1;
        }
        memmove(v + k, v + i, (size_t)len);
        k += len;
        i += len;
    }
    v[k] = 0;
    return k;
}

int off_form_parse(off_form *f, const char *s, size_t len)
{
    off_form_free(f);
    if (!s)
        s = "";
    if (len > SRV_WEB_BODY_MAX) {
        snprintf(f->err, sizeof f->err, "The form is larger than %d bytes.", SRV_WEB_BODY_MAX);
        return -1;
    }
    /* Decoding never lengthens, and every field needs one more byte for
     * its name's NUL: len + fields + 1 bytes hold everything. */
    f->mem = malloc(len + OFF_FIELDS_MAX + 2);
    if (!f->mem) {
        snprintf(f->err, sizeof f->err, "Out of memory.");
        return -1;
    }
    char *w = f->mem;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && s[end] != '&')
            end++;
        if (end > i) {
            if (f->n == OFF_FIELDS_MAX) {
                snprintf(f->err, sizeof f->err, "The form has more than %d fields.",
                         OFF_FIELDS_MAX);
                goto bad;
            }
            size_t eq = i;
            while (eq < end && s[eq] != '=')
                eq++;
            long nn = decode(s + i, eq - i, w);
            if (nn < 0 || !name_ok(w, nn)) {
                snprintf(f->err, sizeof f->err, "A field has a name that is not allowed.");
                goto bad;
            }
            const char *name = w;
            w += nn + 1;
            long vn = eq < end ? decode(s + eq + 1, end - eq - 1, w) : (w[0] = 0, 0);
            const char *why = "a broken %-escape";
            if (vn >= 0)
                vn = value_clean(w, vn, &why);
            if (vn < 0) {
                snprintf(f->err, sizeof f->err, "The field %s holds %s.", name, why);
                goto bad;
            }
            f->f[f->n].name = name;
            f->f[f->n].value = w;
            f->n++;
            w += vn + 1;
        }
        i = end + 1;
    }
    return 0;
bad:;
    char keep[sizeof f->err];
    memcpy(keep, f->err, sizeof keep);
    off_form_free(f);
    memcpy(f->err, keep, sizeof keep);
    return -1;
}

const char *off_form_get(const off_form *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].name, name))
            return f->f[i].value;
    return NULL;
}

int off_form_all(const off_form *f, const char *name, const char **out, int cap)
{
    int k = 0;
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].name, name)) {
            if (k < cap)
                out[k] = f->f[i].value;
            k++;
        }
    return k;
}

void off_form_free(off_form *f)
{
    if (!f)
        return;
    free(f->mem);
    memset(f, 0, sizeof *f);
}

int off_cookie_get(const char *header, const char *name, char *out, size_t cap)
{
    if (!header || !name || !*name)
        return -1;
    size_t nl = strlen(name);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *eq = strchr(p, '=');
        const char *semi = strchr(p, ';');
        if (!semi)
            semi = p + strlen(p);
        if (eq && eq < semi && (size_t)(eq - p) == nl && !strncmp(p, name, nl)) {
            size_t vl = (size_t)(semi - eq - 1);
            if (vl + 1 > cap)
                return -1;
            memcpy(out, eq + 1, vl);
            out[vl] = 0;
            return 0;
        }
        p = semi;
    }
    return -1;
}
