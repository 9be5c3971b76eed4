/* Validation of the domain model's fields, and identifiers. */
#include "model.h"
#include "model_int.h"
#include "model_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Formats a message into err if there is room; always returns -1 so that a
 * check can end with `return model_fail(...)`. */
int model_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Messages quote what a client sent and are cut to fit; either can leave
 * broken UTF-8 or a control character, which JSON and the screen cannot
 * show. */
void model_clean_text(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        int len = plat_utf8_next(s + i, n - i, NULL);
        if (len < 0 || (len == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
            p[i++] = '?';
            continue;
        }
        i += (size_t)len;
    }
}

int model_text_check(const char *s, size_t max_bytes, int multiline, const char *field, char *err,
                     size_t errlen)
{
    if (!s)
        return model_fail(err, errlen, "%s is missing.", field);
    size_t n = strlen(s);
    if (n > max_bytes)
        return model_fail(err, errlen, "%s is too long: %zu bytes, at most %zu.", field, n,
                          max_bytes);
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int len = plat_utf8_next(s + i, n - i, &cp);
        if (len < 0)
            return model_fail(err, errlen, "%s is not valid UTF-8 text (byte %zu).", field, i);
        if ((cp < 0x20 && !(cp == '\t' || (multiline && cp == '\n'))) || cp == 0x7F ||
            (cp >= 0x80 && cp < 0xA0))
            return model_fail(err, errlen, "%s holds a control character (byte %zu).", field, i);
        i += (size_t)len;
    }
    return 0;
}

int model_name_check(const char *s, size_t max_bytes, const char *field, char *err, size_t errlen)
{
    if (model_text_check(s, max_bytes, 0, field, err, errlen) != 0)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p != ' ' && *p != '\t')
            return 0;
    return model_fail(err, errlen, "%s is empty.", field);
}

int model_key_check(const char *s, const char *field, char *err, size_t errlen)
{
    if (!s || !*s)
        return model_fail(err, errlen, "%s is empty.", field);
    size_t n = strlen(s);
    if (n > MODEL_KEY_MAX)
        return model_fail(err, errlen, "%s is too long: at most %d characters.", field,
                          MODEL_KEY_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return model_fail(err, errlen, "%s may hold only a-z, 0-9 and _.", field);
    }
    return 0;
}

int model_id_check(const char *s, const char *field, char *err, size_t errlen)
{
    if (!s || strlen(s) != MODEL_UUID_LEN)
        return model_fail(err, errlen, "%s is not an identifier.", field);
    for (int i = 0; i < MODEL_UUID_LEN; i++) {
        char c = s[i];
        int dash = (i == 8 || i == 13 || i == 18 || i == 23);
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return model_fail(err, errlen, "%s is not an identifier.", field);
    }
    return 0;
}

int model_date_check(const char *s, const char *field, char *err, size_t errlen)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != MODEL_DATE_LEN || s[4] != '-' || s[7] != '-')
        return model_fail(err, errlen, "%s is not a date (YYYY-MM-DD).", field);
    for (int i = 0; i < MODEL_DATE_LEN; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return model_fail(err, errlen, "%s is not a date (YYYY-MM-DD).", field);
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 2000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return model_fail(err, errlen, "%s is not a real date: %s.", field, s);
    return 0;
}

int model_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

int model_unit_check(const model_unit *u, char *err, size_t errlen)
{
    if (model_id_check(u->id, "The unit's id", err, errlen) ||
        model_name_check(u->name, MODEL_NAME_MAX, "The unit's name", err, errlen))
        return -1;
    if (u->retention_days < 1 || u->retention_days > 3650)
        return model_fail(err, errlen, "The retention period must be 1 to 3650 days.");
    return 0;
}

int model_room_check(const model_room *r, char *err, size_t errlen)
{
    if (model_id_check(r->id, "The room's id", err, errlen) ||
        model_id_check(r->unit_id, "The room's unit", err, errlen) ||
        model_name_check(r->name, MODEL_NAME_MAX, "The room's name", err, errlen))
        return -1;
    return 0;
}

int model_person_check(const model_person *p, char *err, size_t errlen)
{
    if (model_id_check(p->id, "The person's id", err, errlen) ||
        model_id_check(p->unit_id, "The person's unit", err, errlen) ||
        model_name_check(p->name, MODEL_NAME_MAX, "The person's name", err, errlen))
        return -1;
    if (p->role != MODEL_ROLE_PEER && p->role != MODEL_ROLE_LEADER)
        return model_fail(err, errlen, "The person's role must be leader or peer.");
    if (strnlen(p->pin_verifier, MODEL_VERIFIER_MAX) >= MODEL_VERIFIER_MAX)
        return model_fail(err, errlen, "The PIN verifier is too long.");
    if (p->pin_verifier[0] && strncmp(p->pin_verifier, "$argon2id$", 10) != 0)
        return model_fail(err, errlen, "The PIN verifier is not an argon2id verifier.");
    return 0;
}

int model_focus_check(const model_focus *f, char *err, size_t errlen)
{
    if (model_id_check(f->id, "The focus's id", err, errlen) ||
        model_id_check(f->unit_id, "The focus's unit", err, errlen) ||
        model_id_check(f->template_id, "The focus's template", err, errlen) ||
        model_name_check(f->question, MODEL_QUESTION_MAX, "The inquiry question", err, errlen) ||
        model_text_check(f->why, MODEL_TEXT_MAX, 1, "The focus's why", err, errlen) ||
        model_date_check(f->period_from, "The focus's start date", err, errlen) ||
        model_date_check(f->period_to, "The focus's end date", err, errlen))
        return -1;
    if (f->version < 1)
        return model_fail(err, errlen, "The focus's version must be 1 or more.");
    if ((int)f->pillar < 0 || f->pillar >= MODEL_PILLAR_COUNT)
        return model_fail(err, errlen, "The focus's pillar is not one of the five pillars.");
    if (strcmp(f->period_from, f->period_to) > 0)
        return model_fail(err, errlen, "The focus's period ends before it starts.");
    if (f->n_signs < 1 || f->n_signs > MODEL_MAX_SIGNS)
        return model_fail(err, errlen, "A focus needs 1 to %d signs.", MODEL_MAX_SIGNS);
    for (int i = 0; i < f->n_signs; i++) {
        if (model_id_check(f->signs[i].id, "A sign's id", err, errlen) ||
            model_name_check(f->signs[i].text, MODEL_QUESTION_MAX, "A sign's text", err, errlen))
            return -1;
        for (int j = 0; j < i; j++)
            if (!strcmp(f->signs[i].id, f->signs[j].id))
                return model_fail(err, errlen, "Sign %d has the same id as sign %d.", i + 1, j + 1);
    }
    return 0;
}

#define MODEL_ID_MS_MASK 0xFFFFFFFFFFFFll /* 48 bits */

int model_id_next(model_ids *g, const plat_sys *sys, model_id out)
{
    out[0] = '\0';
    if (!g->ready) {
        if (sys->random(sys, g->node, sizeof g->node) != 0)
            return -1;
        g->ready = 1;
        g->ms = -1;
    }
    int64_t now = sys->now_ms(sys);
    now = now > 0 ? now & MODEL_ID_MS_MASK : 0;
    if (now > g->ms) {
        g->ms = now;
        g->seq = 0;
    } else if (++g->seq > 0xFFF) {
        /* The clock has not passed the last id's millisecond (it was set
         * back, or this is the 4,097th id in it), and the count is used
         * up: the next millisecond is borrowed, so ids still rise and never
         * repeat. Past the last millisecond 48 bits hold (the year 10889)
         * there is none to borrow. */
        if (g->ms == MODEL_ID_MS_MASK) {
            g->seq = 0xFFF;
            return -1;
        }
        g->ms++;
        g->seq = 0;
    }
    unsigned char b[16];
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)((uint64_t)g->ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | (g->seq >> 8)); /* version 7, then the count */
    b[7] = (unsigned char)(g->seq & 0xFF);
    memcpy(b + 8, g->node, sizeof g->node);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 9562 variant */
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 0x0F];
    }
    *p = '\0';
    return 0;
}

int model_id_new(const plat_sys *sys, model_id out)
{
    model_ids g = {0};
    return model_id_next(&g, sys, out);
}

/* Rejection sampling keeps every letter equally likely: a byte at or above
 * the largest multiple of the alphabet's size is drawn again. */
int model_pair_code_new(const plat_sys *sys, char out[MODEL_PAIR_CODE_LEN + 1])
{
    static const char alphabet[] = MODEL_PAIR_ALPHABET;
    const unsigned n = sizeof alphabet - 1, limit = 256 / n * n;
    int have = 0;
    out[0] = '\0';
    for (int tries = 0; have < MODEL_PAIR_CODE_LEN && tries < 64; tries++) {
        unsigned char b[MODEL_PAIR_CODE_LEN];
        if (sys->random(sys, b, sizeof b) != 0) {
            out[0] = '\0';
            return -1;
        }
        for (size_t i = 0; i < sizeof b && have < MODEL_PAIR_CODE_LEN; i++)
            if (b[i] < limit)
                out[have++] = alphabet[b[i] % n];
    }
    if (have < MODEL_PAIR_CODE_LEN) {
        out[0] = '\0';
        return -1;
    }
    out[have] = '\0';
    return 0;
}

int model_pair_code_check(const char *s, const char *field, char *err, size_t errlen)
{
    size_t n = s ? strlen(s) : 0;
    if (n != MODEL_PAIR_CODE_LEN)
        return model_fail(err, errlen, "%s must be %d characters.", field, MODEL_PAIR_CODE_LEN);
    for (size_t i = 0; i < n; i++)
        if (!strchr(MODEL_PAIR_ALPHABET, s[i]))
            return model_fail(err, errlen, "%s holds a character a pair code never has (%c).",
                              field, s[i] >= 0x21 && s[i] < 0x7F ? s[i] : '?');
    return 0;
}

int model_pair_code_read(const char *typed, char out[MODEL_PAIR_CODE_LEN + 1], char *err,
                         size_t errlen)
{
    char code[MODEL_PAIR_CODE_LEN + 1];
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = typed ? typed : ""; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (n == MODEL_PAIR_CODE_LEN)
            return model_fail(err, errlen, "The pair code is too long: it has %d characters.",
                              MODEL_PAIR_CODE_LEN);
        code[n++] = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
    }
    code[n] = '\0';
    if (model_pair_code_check(code, "The pair code", err, errlen) != 0)
        return -1;
    memcpy(out, code, n + 1);
    return 0;
}
