/*
 * Fuzz target: the text every screen's input passes through before it is
 * stored or sent (model_text_check and the checks built on it). Beyond "no
 * crash", its verdict is compared with a second, independent reading of
 * the same rules written here from the table of well-formed UTF-8 byte
 * sequences in the Unicode standard (ranges of bytes rather than decoded
 * values): the two must agree on every input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Length of the well-formed sequence at s (n bytes left), or 0; the code
 * point in *cp. Each row is one line of the standard's table. */
static size_t wellformed(const unsigned char *s, size_t n, unsigned *cp)
{
    static const struct {
        unsigned char lo[4], hi[4];
        int len;
    } rows[] = {
        {{0x00}, {0x7F}, 1},
        {{0xC2, 0x80}, {0xDF, 0xBF}, 2},
        {{0xE0, 0xA0, 0x80}, {0xE0, 0xBF, 0xBF}, 3},
        {{0xE1, 0x80, 0x80}, {0xEC, 0xBF, 0xBF}, 3},
        {{0xED, 0x80, 0x80}, {0xED, 0x9F, 0xBF}, 3},
        {{0xEE, 0x80, 0x80}, {0xEF, 0xBF, 0xBF}, 3},
        {{0xF0, 0x90, 0x80, 0x80}, {0xF0, 0xBF, 0xBF, 0xBF}, 4},
        {{0xF1, 0x80, 0x80, 0x80}, {0xF3, 0xBF, 0xBF, 0xBF}, 4},
        {{0xF4, 0x80, 0x80, 0x80}, {0xF4, 0x8F, 0xBF, 0xBF}, 4},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        size_t len = (size_t)rows[r].len;
        if (n < len)
            continue;
        int ok = 1;
        for (size_t i = 0; i < len && ok; i++)
            ok = s[i] >= rows[r].lo[i] && s[i] <= rows[r].hi[i];
        if (!ok)
            continue;
        static const unsigned lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
        unsigned c = s[0] & lead_mask[len];
        for (size_t i = 1; i < len; i++)
            c = (c << 6) | (s[i] & 0x3Fu);
        *cp = c;
        return len;
    }
    return 0;
}

/* The rules of model_text_check, as its header states them. */
static int reference(const char *s, size_t max_bytes, int multiline)
{
    size_t n = strlen(s);
    if (n > max_bytes)
        return -1;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t len = wellformed((const unsigned char *)s + i, n - i, &cp);
        if (!len)
            return -1;
        int control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
        if (control && !(cp == '\t' || (cp == '\n' && multiline)))
            return -1;
        i += len;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    /* First byte: the cap (as a field would have it) and multi-line. */
    static const size_t caps[] = {
        MODEL_NAME_MAX, MODEL_LABEL_MAX, MODEL_QUESTION_MAX, MODEL_TEXT_MAX, 0, 1, 4, 7};
    size_t cap = caps[data[0] & 7];
    int multiline = (data[0] >> 3) & 1;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0; /* a field is a C string: what follows a NUL is not part of it */
    char err[200];
    int got = model_text_check(s, cap, multiline, "The note", err, sizeof err);
    int want = reference(s, cap, multiline);
    if (got != want) {
        fprintf(stderr, "fuzz_text: model_text_check says %d, the rules say %d (cap %zu, %s)\n",
                got, want, cap, multiline ? "multi-line" : "one line");
        abort();
    }
    if (got != 0 && (!err[0] || !memchr(err, 0, sizeof err)))
        abort();
    /* A name is a one-line text that is not blank. */
    int name = model_name_check(s, cap, "The name", err, sizeof err);
    int blank = strspn(s, " \t") == strlen(s);
    if (name != (reference(s, cap, 0) == 0 && !blank ? 0 : -1))
        abort();
    /* The other field checks must simply not misbehave on any input. */
    (void)model_key_check(s, "key", err, sizeof err);
    (void)model_id_check(s, "id", err, sizeof err);
    (void)model_date_check(s, "date", err, sizeof err);
    free(s);
    return 0;
}
