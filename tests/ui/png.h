#ifndef BLIK_TEST_PNG_H
#define BLIK_TEST_PNG_H
/* PNG files for golden images and screenshots, 8-bit RGB, with zlib. */
#include <stddef.h>
#include <stdint.h>

/* Writes w x h pixels (0xAARRGGBB, row-major) as an RGB PNG. Returns 0/-1. */
int png_write(const char *path, const uint32_t *px, int w, int h);
/* Reads an 8-bit RGB or RGBA non-interlaced PNG into *px (malloc'd,
 * 0xFFRRGGBB). Returns 0, or -1 if the file is missing or not such a PNG. */
int png_read(const char *path, uint32_t **px, int *w, int *h);
/* Halves an image by averaging 2x2 blocks into out ((w/2) x (h/2)). */
void png_half(const uint32_t *px, int w, int h, uint32_t *out);

#endif
