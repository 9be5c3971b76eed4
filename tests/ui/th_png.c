/* PNG files through libpng's simplified API, which handles every colour
 * type, bit depth, filter and interlacing that a PNG may use. */
#include "th_png.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

/* The renderer's pixels hold one channel per byte of a 32-bit word; libpng
 * wants bytes in order, so they are spelled out here instead of relying on
 * the machine's byte order. */
int th_png_write(const char *path, const uint32_t *px, int w, int h)
{
    if (w <= 0 || h <= 0)
        return -1;
    unsigned char *rgb = malloc((size_t)w * (size_t)h * 3);
    if (!rgb)
        return -1;
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
        rgb[3 * i] = (unsigned char)(px[i] >> 16);
        rgb[3 * i + 1] = (unsigned char)(px[i] >> 8);
        rgb[3 * i + 2] = (unsigned char)px[i];
    }
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_RGB;
    int ok = png_image_write_to_file(&img, path, 0, rgb, 0, NULL);
    png_image_free(&img);
    free(rgb);
    return ok ? 0 : -1;
}

int th_png_read(const char *path, uint32_t **out, int *ow, int *oh)
{
    *out = NULL;
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
        return -1;
    /* A bound, so that a damaged header cannot ask for gigabytes. */
    if (img.width == 0 || img.height == 0 || img.width > 16384 || img.height > 16384) {
        png_image_free(&img);
        return -1;
    }
    /* Read with alpha as it is, never composed onto a background: the
     * colour channels are compared, as before. */
    img.format = PNG_FORMAT_RGBA;
    size_t n = (size_t)img.width * img.height;
    unsigned char *rgba = malloc(n * 4);
    uint32_t *px = malloc(n * sizeof *px);
    if (!rgba || !px || !png_image_finish_read(&img, NULL, rgba, 0, NULL)) {
        png_image_free(&img);
        free(rgba);
        free(px);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        px[i] = 0xFF000000u | (uint32_t)rgba[4 * i] << 16 | (uint32_t)rgba[4 * i + 1] << 8 |
                rgba[4 * i + 2];
    free(rgba);
    *out = px;
    *ow = (int)img.width;
    *oh = (int)img.height;
    return 0;
}

void th_png_half(const uint32_t *px, int w, int h, uint32_t *out)
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
