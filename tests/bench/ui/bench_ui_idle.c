/* CPU used while the app sits idle on the home screen (goal: about zero):
 * the loop must sleep in the platform and draw nothing when nothing
 * changes. The app runs as a child; its CPU is read from /proc after
 * start-up and again after the idle period. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "benchui.h"
#include "benchutil.h"

int main(void)
{
    const char *video = benchui_video_env();
    int secs = getenv("BLIK_BENCH_IDLE_S") ? atoi(getenv("BLIK_BENCH_IDLE_S")) : 30;
    if (secs <= 0)
        secs = 30;
    char dir[1024];
    benchui_dir(dir, sizeof dir, "blik-bench-ui-10k");
    if (benchui_store(dir, 10000) != 0 || benchui_sign_in(dir) != 0)
        return 1;
    setenv("BLIK_STATS", "1", 1);
    char *app[] = {BLIK_BIN, "--data", dir, NULL};
    pid_t pid = benchui_spawn(app, 1);
    sleep(2); /* start-up is measured elsewhere */
    double c0 = benchui_cpu_ms(pid);
    sleep((unsigned)secs);
    double c1 = benchui_cpu_ms(pid);
    kill(pid, SIGTERM);
    struct rusage ru;
    benchui_wait(pid, &ru);
    if (c0 < 0 || c1 < 0) {
        fprintf(stderr, "could not read the app's CPU time\n");
        return 1;
    }
    char note[160];
    snprintf(note, sizeof note, "home screen, %d s idle, video %s", secs, video);
    bench_report("ui_idle_cpu", c1 - c0, "ms", note);
    bench_report("ui_idle_cpu_share", (c1 - c0) / (secs * 10.0), "%", note);
    bench_report("ui_idle_peak_rss", (double)ru.ru_maxrss, "KiB", "the app, home screen");
    return 0;
}
