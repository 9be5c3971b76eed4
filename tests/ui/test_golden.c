/* Golden images: the sign-in, observe and summary screens drawn by SDL's
 * software renderer, compared at half size with a small tolerance so that
 * a font hinting change does not fail them but a moved widget does.
 *
 * On a mismatch, NAME-actual.png and NAME-diff.png (differences in red) are
 * written to the test's temp folder. To accept new looks on purpose:
 *   BLIK_UPDATE_GOLDEN=1 ctest -R ui_golden
 * which rewrites tests/ui/golden/NAME.png; look at them before committing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "th_png.h"
#include "th_steps.h"
#include "tsupport.h"

/* A pixel differs if a channel moved more than this; an image fails if
 * more than MAX_BAD_PERMILLE of its pixels differ. */
#define CHANNEL_TOL 48
#define MAX_BAD_PERMILLE 5

static void check_golden(th *t, const char *name)
{
    th_render(t);
    int w, h;
    const uint32_t *px = t->video->pixels(t->video, &w, &h);
    assert_non_null(px);
    int hw = w / 2, hh = h / 2;
    uint32_t *half = malloc((size_t)hw * (size_t)hh * sizeof *half);
    assert_non_null(half);
    th_png_half(px, w, h, half);
    char golden[1024];
    snprintf(golden, sizeof golden, "%s/%s.png", BLIK_GOLDEN_DIR, name);
    const char *upd = getenv("BLIK_UPDATE_GOLDEN");
    if (upd && *upd == '1') {
        assert_int_equal(th_png_write(golden, half, hw, hh), 0);
        fprintf(stderr, "wrote %s\n", golden);
        free(half);
        return;
    }
    uint32_t *want = NULL;
    int gw = 0, gh = 0;
    if (th_png_read(golden, &want, &gw, &gh) != 0)
        fail_msg("no golden image %s (make it with BLIK_UPDATE_GOLDEN=1)", golden);
    long bad = 0;
    uint32_t *diff = malloc((size_t)hw * (size_t)hh * sizeof *diff);
    assert_non_null(diff);
    int same_size = gw == hw && gh == hh;
    for (int i = 0; same_size && i < hw * hh; i++) {
        int worst = 0;
        for (int k = 0; k < 3; k++) {
            int sh = 16 - 8 * k;
            int d = abs((int)((half[i] >> sh) & 0xFF) - (int)((want[i] >> sh) & 0xFF));
            if (d > worst)
                worst = d;
        }
        if (worst > CHANNEL_TOL) {
            bad++;
            diff[i] = 0xFFFF0000u;
        } else {
            uint32_t g = ((half[i] >> 8) & 0xFF) / 3 + 170;
            diff[i] = 0xFF000000u | g << 16 | g << 8 | g;
        }
    }
    long limit = (long)hw * hh * MAX_BAD_PERMILLE / 1000;
    if (!same_size || bad > limit) {
        char dir[1024], a[1200], d[1200];
        const char *base = getenv("BLIK_TEST_TMP");
        snprintf(dir, sizeof dir, "%s", base && *base ? base : "/tmp");
        snprintf(a, sizeof a, "%s/%s-actual.png", dir, name);
        snprintf(d, sizeof d, "%s/%s-diff.png", dir, name);
        th_png_write(a, half, hw, hh);
        if (same_size)
            th_png_write(d, diff, hw, hh);
        free(half);
        free(diff);
        free(want);
        fail_msg("%s differs from its golden image: %ld of %d pixels (limit %ld), size %dx%d "
                 "vs %dx%d; see %s and %s",
                 name, bad, hw * hh, limit, hw, hh, gw, gh, a, d);
    }
    free(half);
    free(diff);
    free(want);
}

static void test_golden_screens(void **state)
{
    (void)state;
    th *t = th_open("golden", 1280, 800, "da");
    check_golden(t, "signin-1280x800");
    th_sign_in(t, "Mette Østergaard");
    TAP(t, "Start ny observation");
    assert_int_equal(th_tap_prefix(t, "Hvordan understøtter vi"), 0);
    assert_int_equal(th_reveal(t, "Åse Nørgaard", 600, 600), 0);
    TAP(t, "Åse Nørgaard");
    assert_int_equal(th_reveal(t, "Sommerfuglestuen", 600, 600), 0);
    TAP(t, "Sommerfuglestuen");
    assert_int_equal(th_reveal(t, "Samling", 600, 600), 0);
    TAP(t, "Samling");
    assert_int_equal(th_reveal(t, "Aftalen med den observerede er lavet", 600, 600), 0);
    TAP(t, "Aftalen med den observerede er lavet");
    TAP(t, "Start observationen");
    const char *taps[] = {"Åbent spørgsmål",   "Lukket spørgsmål", "Åbent spørgsmål",
                          "Barnets initiativ", "Åbent spørgsmål",  "Afbrydelse"};
    for (int i = 0; i < 6; i++) {
        th_wait(t, 45000);
        TAP(t, taps[i]);
    }
    TAP(t, "Tydeligt");
    assert_int_equal(th_tap_text_n(t, "Delvist", 1), 0);
    assert_int_equal(th_tap_prefix(t, "Ventetid"), 0);
    th_wait(t, 50000);
    assert_int_equal(th_tap_prefix(t, "Ventetid"), 0);
    TAP(t, "Note");
    TAP(t, "Gentager barnets ord");
    TAP(t, "Tilføj note");
    th_wait(t, 7000);
    check_golden(t, "observe-1280x800");
    TAP(t, "Afslut");
    TAP(t, "Afslut"); /* the dialog's button */
    check_golden(t, "summary-1280x800");
    th_free(t);
}

/* After the visit: the feedback screen with its three parts written, and
 * a focus's progression over 40 observations, as a chart and as the
 * red/yellow/green overview. */
static void test_golden_after(void **state)
{
    (void)state;
    th *t = th_open_seeded("golden-after", 1280, 800, "da", 40, 3 * 86400000LL);
    th_sign_in(t, "Mette Østergaard");
    assert_int_equal(th_tap_prefix(t, "Hvordan understøtter vi"), 0); /* awaiting feedback */
    assert_int_equal(scr_current(t->app), SCR_FEEDBACK);
    TAP(t, "Hvad så du, der understøtter fokus?");
    th_type(t, "Du gentog børnenes ord og ventede på svar; flere børn kom til orde.");
    TAP(t, "Færdig");
    TAP(t, "Hvad undrer du dig over? Hvad nu hvis …?");
    th_type(t, "Hvad sker der, hvis børnene selv vælger sangen?");
    TAP(t, "Færdig");
    TAP(t, "Hvad prøver I næste gang, aftalt sammen?");
    th_type(t, "Vente fem sekunder efter hvert åbent spørgsmål.");
    TAP(t, "Færdig");
    check_golden(t, "feedback-1280x800");
    TAP(t, "Forside");
    TAP(t, "Historik");
    TAP(t, "Alle fokus");
    assert_int_equal(th_tap_prefix(t, "Hvordan understøtter vi"), 0);
    TAP(t, "Fokusets udvikling");
    check_golden(t, "progress-chart-1280x800");
    TAP(t, "Overblik");
    check_golden(t, "progress-overview-1280x800");
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_screens),
        cmocka_unit_test(test_golden_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
