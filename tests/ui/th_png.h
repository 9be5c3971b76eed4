#ifndef BLIK_TEST_TH_PNG_H
#define BLIK_TEST_TH_PNG_H
/* PNG files for golden images and screenshots, through libpng. Pixels are
 * 0xAARRGGBB, row-major, as the software renderer leaves them. */
#include <stddef.h>
#include <stdint.h>

/* Writes w x h pixels as an 8-bit RGB PNG (alpha is dropped). Returns 0, or
 * -1 if the file cannot be written. */
int th_png_write(const char *path, const uint32_t *px, int w, int h);
/* Reads a PNG of at most 16384 x 16384 pixels into *px, which the caller
 * frees, as 0xFFRRGGBB (an alpha channel is ignored). Returns 0, or -1 if
 * the file is missing or not a PNG libpng can read. */
int th_png_read(const char *path, uint32_t **px, int *w, int *h);
/* Halves an image by averaging 2x2 blocks into out ((w/2) x (h/2)). */
void th_png_half(const uint32_t *px, int w, int h, uint32_t *out);

#endif
