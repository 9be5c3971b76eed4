/* The PNG files of golden images and screenshots: a golden image read,
 * written and read again is the same to the pixel, and a file that is not
 * a PNG is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th_png.h"
#include "tsupport.h"

static void test_round_trip(void **state)
{
    const char *dir = *state;
    char golden[1200], copy[1200];
    snprintf(golden, sizeof golden, "%s/signin-1280x800.png", BLIK_GOLDEN_DIR);
    uint32_t *a = NULL, *b = NULL;
    int w = 0, h = 0, w2 = 0, h2 = 0;
    assert_int_equal(th_png_read(golden, &a, &w, &h), 0);
    assert_int_equal(w, 640);
    assert_int_equal(h, 400);
    tsupport_path(copy, sizeof copy, dir, "copy.png");
    assert_int_equal(th_png_write(copy, a, w, h), 0);
    assert_int_equal(th_png_read(copy, &b, &w2, &h2), 0);
    assert_int_equal(w2, w);
    assert_int_equal(h2, h);
    assert_memory_equal(a, b, (size_t)w * (size_t)h * sizeof *a);
    free(a);
    free(b);

    /* An odd size and every channel value; alpha is dropped on writing. */
    enum { W = 7, H = 3 };
    uint32_t px[W * H];
    for (int i = 0; i < W * H; i++)
        px[i] = (uint32_t)(i * 37) << 24 | (uint32_t)(i * 12 % 256) << 16 |
                (uint32_t)(255 - i * 5) << 8 | (uint32_t)(i * 91 % 256);
    assert_int_equal(th_png_write(copy, px, W, H), 0);
    assert_int_equal(th_png_read(copy, &b, &w2, &h2), 0);
    assert_int_equal(w2, W);
    assert_int_equal(h2, H);
    for (int i = 0; i < W * H; i++)
        assert_int_equal(b[i], px[i] | 0xFF000000u);
    free(b);
}

static void test_refuses_what_is_not_a_png(void **state)
{
    const char *dir = *state;
    char path[1200];
    uint32_t *px = (uint32_t *)1;
    int w, h;
    tsupport_path(path, sizeof path, dir, "missing.png");
    assert_int_equal(th_png_read(path, &px, &w, &h), -1);
    assert_null(px);
    tsupport_path(path, sizeof path, dir, "text.png");
    assert_int_equal(tsupport_write_file(path, "not a picture", 13), 0);
    assert_int_equal(th_png_read(path, &px, &w, &h), -1);
    /* A real PNG cut in the middle of its pixels. */
    char golden[1200];
    snprintf(golden, sizeof golden, "%s/observe-1280x800.png", BLIK_GOLDEN_DIR);
    FILE *f = fopen(golden, "rb");
    assert_non_null(f);
    static unsigned char head[2000];
    assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    tsupport_path(path, sizeof path, dir, "cut.png");
    assert_int_equal(tsupport_write_file(path, head, sizeof head), 0);
    assert_int_equal(th_png_read(path, &px, &w, &h), -1);
    assert_null(px);
    /* A folder that does not exist cannot be written to. */
    uint32_t one = 0xFF102030u;
    tsupport_path(path, sizeof path, dir, "no/such/folder.png");
    assert_int_equal(th_png_write(path, &one, 1, 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refuses_what_is_not_a_png),
    };
    return cmocka_run_group_tests(tests, tsupport_group_dir, tsupport_group_dir_free);
}
