/* The progression of a focus with 10,000 observations: the app headless at
 * 1280x800 on the software renderer, a leader on the chart. Reports the
 * time to open the progression (the store's three grouped queries and the
 * first frame) and the time per frame while a finger scrolls the chart and
 * switches between the chart and the overview, each frame one input event,
 * run and drawn, as in the real loop. The store is made once and kept in
 * the benchmark folder (BLIK_BENCH_TMP or /tmp), since filling it takes a
 * while; pass a number to use another count of observations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "benchutil.h"
#include "demo.h"
#include "harness.h"

#define FRAMES 2000

static double wall_ms(void) { return (double)bench_ns() / 1e6; }

static int tap(th *t, const char *s)
{
    if (th_tap_text(t, s) != 0 && th_tap_prefix(t, s) != 0) {
        fprintf(stderr, "not on screen: %s\n", s);
        return -1;
    }
    return 0;
}

/* Makes DIR/blik.db with the demo unit and n observations spread over a
 * year, unless it is there. */
static int make_store(const char *dir, int n)
{
    char path[1200], err[512];
    snprintf(path, sizeof path, "%s/blik.db", dir);
    struct stat st;
    if (stat(path, &st) == 0)
        return 0;
    mkdir(dir, 0700);
    plat_sys *sys = plat_fake_new(TH_START_MS, 7);
    db *d = NULL;
    int rc = db_open(path, sys, &d);
    if (rc == DB_OK)
        rc = demo_load(d, err, sizeof err);
    if (rc == DB_OK)
        rc = db_kv_put(d, "device.unit", DEMO_UNIT_ID);
    double t0 = wall_ms();
    if (rc == DB_OK)
        rc = th_seed(d, sys, n, TH_START_MS - 3600000, 365LL * 86400000 / n);
    if (rc == DB_OK)
        fprintf(stderr, "made %d observations in %.1f s\n", n, (wall_ms() - t0) / 1000);
    db_close(d);
    plat_fake_free(sys);
    if (rc != DB_OK)
        unlink(path);
    return rc == DB_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    setenv("TZ", "UTC", 1);
    setenv("BLIK_ASSETS_DIR", BLIK_ASSETS_DIR, 0);
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    char dir[1024];
    const char *base = getenv("BLIK_BENCH_TMP");
    snprintf(dir, sizeof dir, "%s/blik-bench-history-%d", base && *base ? base : "/tmp", n);
    if (n < 1 || make_store(dir, n) != 0)
        return 1;
    th *t = th_open_dir(dir, 1280, 800, "da", TH_START_MS);
    th_sign_in(t, "Mette Østergaard");
    if (tap(t, "Historik") || tap(t, "Alle fokus") || tap(t, "Hvordan understøtter vi"))
        return 1;
    /* Opening the progression: the tap's release runs the queries. */
    static double open[9];
    for (int i = 0; i < 9; i++) {
        int x, y, w, h;
        if (th_find_text(t, "Fokusets udvikling", 0, &x, &y, &w, &h) != 0) {
            fprintf(stderr, "no progression button\n");
            return 1;
        }
        plat_event ev = {.kind = PLAT_EV_DOWN, .x = x + w / 2, .y = y + h / 2};
        th_frame(t, &ev);
        ev.kind = PLAT_EV_UP;
        double t0 = wall_ms();
        th_frame(t, &ev);
        th_render(t);
        open[i] = wall_ms() - t0;
        if (scr_current(t->app) != SCR_PROGRESS || tap(t, "Tilbage til historik"))
            return 1;
    }
    if (tap(t, "Fokusets udvikling"))
        return 1;
    char obs[64];
    snprintf(obs, sizeof obs, "%d", n);
    if (!th_has_text_part(t, obs)) {
        fprintf(stderr, "the chart does not show %d observations\n", n);
        return 1;
    }
    int ox, oy, ow, oh, cx, cy, cw, ch;
    if (th_find_text(t, "Overblik", 0, &ox, &oy, &ow, &oh) ||
        th_find_text(t, "Over tid", 0, &cx, &cy, &cw, &ch))
        return 1;
    /* A finger scrolling the chart up and down, and now and then a switch
     * to the overview and back. */
    static double all[FRAMES];
    int y = 500;
    for (int f = 0; f < FRAMES; f++) {
        plat_event ev = {0};
        int phase = f % 40;
        if (phase == 0) {
            ev.kind = PLAT_EV_DOWN;
            ev.x = 640;
            ev.y = y = 500;
        } else if (phase < 20) {
            ev.kind = PLAT_EV_MOVE;
            ev.x = 640;
            ev.y = y += (f / 40) % 2 ? 12 : -12;
        } else if (phase == 20) {
            ev.kind = PLAT_EV_UP;
            ev.x = 640;
            ev.y = y;
        } else if (phase == 30 || phase == 32) {
            int tab = (f / 40) % 2;
            ev.kind = phase == 30 ? PLAT_EV_DOWN : PLAT_EV_UP;
            ev.x = tab ? ox + ow / 2 : cx + cw / 2;
            ev.y = tab ? oy + oh / 2 : cy + ch / 2;
        }
        plat_fake_advance(t->sys, 16);
        double t0 = wall_ms();
        th_frame(t, ev.kind == PLAT_EV_NONE ? NULL : &ev);
        th_render(t);
        all[f] = wall_ms() - t0;
    }
    char note[160];
    snprintf(note, sizeof note, "%d observations, 1280x800, software rendering, median of 9", n);
    bench_report("history_open_progression_ms", bench_percentile(open, 9, 50), "ms", note);
    snprintf(note, sizeof note, "%d observations, scroll and tab switches, %d frames", n, FRAMES);
    bench_report("history_chart_frame_p50_ms", bench_percentile(all, FRAMES, 50), "ms", note);
    bench_report("history_chart_frame_p99_ms", bench_percentile(all, FRAMES, 99), "ms", note);
    bench_report("history_chart_frame_max_ms", bench_percentile(all, FRAMES, 100), "ms", note);
    th_close(t);
    free(t);
    return 0;
}
