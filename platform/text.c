/* Text and hashing helpers shared by every module (see plat.h). */
#include "plat.h"

#include <string.h>

int plat_utf8_next(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0)
        return -1;
    uint32_t c = p[0], min;
    int len;
    if (c < 0x80) {
        if (cp)
            *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return -1; /* a continuation byte, or F8..FF */
    }
    if (n < (size_t)len)
        return -1;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    /* The shortest form only, and no surrogate halves or values past the
     * last plane, so that one text has exactly one spelling. */
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    if (cp)
        *cp = c;
    return len;
}

uint64_t plat_hash(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

size_t plat_utf8_copy(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return 0;
    size_t n = src ? strlen(src) : 0, k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        int len = plat_utf8_next(src + i, n - i, &cp);
        if (len < 0) {
            i++;
            continue;
        }
        int ok = !((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F ||
                   (cp >= 0x80 && cp < 0xA0));
        if (ok) {
            if (k + (size_t)len >= cap)
                break;
            memcpy(dst + k, src + i, (size_t)len);
            k += (size_t)len;
        }
        i += (size_t)len;
    }
    dst[k] = 0;
    return k;
}
