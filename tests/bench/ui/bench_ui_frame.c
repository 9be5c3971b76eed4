/* CPU time per frame while observing: the app headless at 1280x800 on the
 * software renderer (so drawing is counted too), an observation running,
 * a stream of counter taps, rating changes and clock ticks. Each frame is
 * one input event, run and drawn, as in the real loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "harness.h"

#define FRAMES 3000

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int tap(th *t, const char *s)
{
    if (th_tap_text(t, s) != 0 && th_tap_prefix(t, s) != 0) {
        fprintf(stderr, "not on screen: %s\n", s);
        return -1;
    }
    return 0;
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    setenv("BLIK_ASSETS_DIR", BLIK_ASSETS_DIR, 0);
    th *t = th_open("bench-frame", 1280, 800, "da");
    th_sign_in(t, "Mette Østergaard");
    if (tap(t, "Start ny observation") || tap(t, "Hvordan understøtter vi") ||
        th_reveal(t, "Åse Nørgaard", 600, 600) || tap(t, "Åse Nørgaard") ||
        th_reveal(t, "Sommerfuglestuen", 600, 600) || tap(t, "Sommerfuglestuen") ||
        th_reveal(t, "Samling", 600, 600) || tap(t, "Samling") ||
        th_reveal(t, "Aftalen med den observerede er lavet", 600, 600) ||
        tap(t, "Aftalen med den observerede er lavet") || tap(t, "Start observationen"))
        return 1;
    if (scr_current(t->app) != SCR_OBSERVE) {
        fprintf(stderr, "did not reach the observe screen\n");
        return 1;
    }
    /* Where the things to tap are; the layout does not move while counting. */
    const char *targets[] = {"Åbent spørgsmål", "Lukket spørgsmål", "Barnets initiativ",
                             "Afbrydelse",      "Delvist",          "Tydeligt"};
    int tx[6], ty[6];
    for (int i = 0; i < 6; i++) {
        int x, y, w, h;
        if (th_find_text(t, targets[i], 0, &x, &y, &w, &h) != 0) {
            fprintf(stderr, "not on screen: %s\n", targets[i]);
            return 1;
        }
        tx[i] = x + w / 2;
        ty[i] = y + h / 2;
    }
    static double all[FRAMES], taps[FRAMES], build[FRAMES];
    int ntaps = 0;
    for (int f = 0; f < FRAMES; f++) {
        plat_event ev = {0};
        int k = (f / 3) % 6;
        switch (f % 3) {
        case 0: ev.kind = PLAT_EV_DOWN; break;
        case 1: ev.kind = PLAT_EV_UP; break;
        default: ev.kind = PLAT_EV_NONE; break; /* a clock tick */
        }
        ev.x = tx[k];
        ev.y = ty[k];
        plat_fake_advance(t->sys, f % 3 == 2 ? 1000 : 90);
        double c0 = cpu_ms();
        th_frame(t, ev.kind == PLAT_EV_NONE ? NULL : &ev);
        double cm = cpu_ms();
        th_render(t);
        double c1 = cpu_ms();
        all[f] = c1 - c0;
        build[f] = cm - c0;
        if (f % 3 == 1)
            taps[ntaps++] = c1 - c0;
    }
    char note[128];
    snprintf(note, sizeof note, "%d frames at 1280x800, software renderer, %d taps stored", FRAMES,
             ntaps);
    bench_report("ui_frame_cpu_p50", bench_percentile(all, FRAMES, 50), "ms", note);
    bench_report("ui_frame_cpu_p99", bench_percentile(all, FRAMES, 99), "ms", note);
    bench_report("ui_frame_cpu_max", bench_percentile(all, FRAMES, 100), "ms", note);
    bench_report("ui_frame_build_cpu_p99", bench_percentile(build, FRAMES, 99), "ms",
                 "state, store and draw list only, without the software rasteriser");
    bench_report("ui_tap_frame_cpu_p99", bench_percentile(taps, (size_t)ntaps, 99), "ms",
                 "frames where a tap is stored and the observation reloaded");
    bench_report("ui_frame_peak_rss", (double)bench_peak_rss_kib(), "KiB",
                 "whole process; includes argon2id's 64 MiB for the PIN check");
    th_free(t);
    return 0;
}
