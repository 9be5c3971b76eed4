/* Start-up to the first interactive frame, with 10,000 observations in the
 * store, against a minimal SDL2 + SDL_ttf program that opens a window and
 * draws one line, both measured in the same run, alternately (goal: the app
 * takes at most 1.5 times as long). Also the app's peak memory. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "benchui.h"
#include "benchutil.h"

#define RUNS 9

int main(void)
{
    const char *video = benchui_video_env();
    char dir[1024], font[1200];
    benchui_dir(dir, sizeof dir, "blik-bench-ui-10k");
    int64_t t0 = bench_ns();
    if (benchui_store(dir, 10000) != 0)
        return 1;
    fprintf(stderr, "store ready in %.1f s\n", (double)(bench_ns() - t0) / 1e9);
    snprintf(font, sizeof font, "%s/fonts/NotoSans-Regular.ttf", BLIK_ASSETS_DIR);
    setenv("BLIK_EXIT_AFTER_FIRST_FRAME", "1", 1);
    char *app[] = {BLIK_BIN, "--data", dir, NULL};
    char *mini[] = {MINIMAL_BIN, font, NULL};
    double a[RUNS], m[RUNS];
    long rss = 0;
    for (int i = 0; i < RUNS; i++) {
        struct rusage ru;
        int64_t s = bench_ns();
        if (benchui_wait(benchui_spawn(mini, 1), &ru) != 0) {
            fprintf(stderr, "the minimal program failed\n");
            return 1;
        }
        m[i] = (double)(bench_ns() - s) / 1e6;
        /* Signed in just now: the app opens on the leader's home screen,
         * which lists from all 10,000 observations. */
        if (benchui_sign_in(dir) != 0)
            return 1;
        s = bench_ns();
        if (benchui_wait(benchui_spawn(app, 1), &ru) != 0) {
            fprintf(stderr, "the app failed\n");
            return 1;
        }
        a[i] = (double)(bench_ns() - s) / 1e6;
        if (ru.ru_maxrss > rss)
            rss = ru.ru_maxrss;
    }
    double am = bench_percentile(a, RUNS, 50), mm = bench_percentile(m, RUNS, 50);
    char note[160];
    snprintf(note, sizeof note, "median of %d, video %s, home screen, 10000 observations", RUNS,
             video);
    bench_report("ui_startup_app", am, "ms", note);
    bench_report("ui_startup_minimal_sdl", mm, "ms", note);
    bench_report("ui_startup_ratio", am / mm, "x", "goal <= 1.5");
    bench_report("ui_startup_peak_rss", (double)rss, "KiB", "the app, home screen");
    return 0;
}
