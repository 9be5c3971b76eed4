/* A small PNG writer and reader over zlib: enough for the test images we
 * make ourselves (8-bit RGB or RGBA, not interlaced, any row filter). */
#include "png.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int chunk(FILE *f, const char *type, const unsigned char *data, uint32_t len)
{
    unsigned char hdr[8];
    be32(hdr, len);
    memcpy(hdr + 4, type, 4);
    uLong crc = crc32(0, hdr + 4, 4);
    if (len)
        crc = crc32(crc, data, len);
    unsigned char c[4];
    be32(c, (uint32_t)crc);
    return fwrite(hdr, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len) &&
                   fwrite(c, 1, 4, f) == 4
               ? 0
               : -1;
}

int png_write(const char *path, const uint32_t *px, int w, int h)
{
    size_t row = (size_t)w * 3 + 1;
    size_t raw_len = row * (size_t)h;
    unsigned char *raw = malloc(raw_len);
    uLongf zlen = compressBound((uLong)raw_len);
    unsigned char *z = malloc(zlen);
    if (!raw || !z) {
        free(raw);
        free(z);
        return -1;
    }
    /* The "up" filter: screens have long runs of equal rows. */
    for (int y = 0; y < h; y++) {
        unsigned char *r = raw + row * (size_t)y;
        r[0] = 2;
        for (int x = 0; x < w; x++) {
            uint32_t p = px[(size_t)y * (size_t)w + (size_t)x];
            uint32_t q = y > 0 ? px[(size_t)(y - 1) * (size_t)w + (size_t)x] : 0;
            for (int k = 0; k < 3; k++) {
                int sh = 16 - 8 * k;
                r[1 + x * 3 + k] = (unsigned char)(((p >> sh) & 0xFF) - ((q >> sh) & 0xFF));
            }
        }
    }
    int rc = compress2(z, &zlen, raw, (uLong)raw_len, 9) == Z_OK ? 0 : -1;
    FILE *f = rc == 0 ? fopen(path, "wb") : NULL;
    if (!f)
        rc = -1;
    if (rc == 0) {
        static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
        unsigned char ihdr[13];
        be32(ihdr, (uint32_t)w);
        be32(ihdr + 4, (uint32_t)h);
        ihdr[8] = 8;
        ihdr[9] = 2;
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        if (fwrite(sig, 1, 8, f) != 8 || chunk(f, "IHDR", ihdr, 13) || chunk(f, "IDAT", z, (uint32_t)zlen) ||
            chunk(f, "IEND", NULL, 0))
            rc = -1;
    }
    if (f && fclose(f) != 0)
        rc = -1;
    free(raw);
    free(z);
    return rc;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

int png_read(const char *path, uint32_t **out, int *ow, int *oh)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char sig[8];
    unsigned char *idat = NULL;
    size_t idat_len = 0;
    int w = 0, h = 0, ch = 0, ok = fread(sig, 1, 8, f) == 8 && sig[1] == 'P' && sig[2] == 'N';
    while (ok) {
        unsigned char hdr[8];
        if (fread(hdr, 1, 8, f) != 8) {
            ok = 0;
            break;
        }
        uint32_t len = rd32(hdr);
        if (len > (1u << 28)) {
            ok = 0;
            break;
        }
        unsigned char *d = malloc(len + 4);
        if (!d || fread(d, 1, len + 4, f) != len + 4) {
            free(d);
            ok = 0;
            break;
        }
        if (!memcmp(hdr + 4, "IHDR", 4) && len == 13) {
            w = (int)rd32(d);
            h = (int)rd32(d + 4);
            ch = d[9] == 2 ? 3 : d[9] == 6 ? 4 : 0;
            if (d[8] != 8 || !ch || d[12] != 0 || w <= 0 || h <= 0 || w > 16384 || h > 16384)
                ok = 0;
        } else if (!memcmp(hdr + 4, "IDAT", 4)) {
            unsigned char *p = realloc(idat, idat_len + len);
            if (!p) {
                ok = 0;
            } else {
                idat = p;
                memcpy(idat + idat_len, d, len);
                idat_len += len;
            }
        } else if (!memcmp(hdr + 4, "IEND", 4)) {
            free(d);
            break;
        }
        free(d);
    }
    fclose(f);
    if (!ok || !w) {
        free(idat);
        return -1;
    }
    size_t row = (size_t)w * (size_t)ch + 1;
    uLongf raw_len = (uLongf)(row * (size_t)h);
    unsigned char *raw = malloc(raw_len);
    uint32_t *px = malloc((size_t)w * (size_t)h * sizeof *px);
    if (!raw || !px || uncompress(raw, &raw_len, idat, (uLong)idat_len) != Z_OK ||
        raw_len != row * (size_t)h) {
        free(raw);
        free(px);
        free(idat);
        return -1;
    }
    free(idat);
    for (int y = 0; y < h; y++) {
        unsigned char *r = raw + row * (size_t)y + 1;
        unsigned char *up = y > 0 ? raw + row * (size_t)(y - 1) + 1 : NULL;
        int ft = r[-1];
        for (size_t i = 0; i < row - 1; i++) {
            int a = i >= (size_t)ch ? r[i - (size_t)ch] : 0;
            int b = up ? up[i] : 0;
            int c = up && i >= (size_t)ch ? up[i - (size_t)ch] : 0;
            int v = r[i];
            switch (ft) {
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: v += paeth(a, b, c); break;
            default: break;
            }
            r[i] = (unsigned char)v;
        }
        for (int x = 0; x < w; x++) {
            const unsigned char *p = r + (size_t)x * (size_t)ch;
            px[(size_t)y * (size_t)w + (size_t)x] =
                0xFF000000u | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        }
    }
    free(raw);
    *out = px;
    *ow = w;
    *oh = h;
    return 0;
}

void png_half(const uint32_t *px, int w, int h, uint32_t *out)
{
    int hw = w / 2, hh = h / 2;
    for (int y = 0; y < hh; y++) {
        for (int x = 0; x < hw; x++) {
            uint32_t s[4] = {px[(size_t)(2 * y) * (size_t)w + (size_t)(2 * x)],
                             px[(size_t)(2 * y) * (size_t)w + (size_t)(2 * x + 1)],
                             px[(size_t)(2 * y + 1) * (size_t)w + (size_t)(2 * x)],
                             px[(size_t)(2 * y + 1) * (size_t)w + (size_t)(2 * x + 1)]};
            uint32_t o = 0xFF000000u;
            for (int k = 0; k < 3; k++) {
                int sh = 16 - 8 * k;
                uint32_t sum = 0;
                for (int i = 0; i < 4; i++)
                    sum += (s[i] >> sh) & 0xFF;
                o |= ((sum + 2) / 4) << sh;
            }
            out[(size_t)y * (size_t)hw + (size_t)x] = o;
        }
    }
}
