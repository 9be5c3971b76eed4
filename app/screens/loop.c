/* The event loop: quiet when idle. It blocks in the platform until input
 * arrives or the app asked to wake (a second ticking on a visible clock,
 * momentum, the auto-lock), and shows a frame only if it changed. */
#include "scr_int.h"

#include <time.h>

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int scr_run(scr_app *a, plat_video *v, scr_run_opts *o)
{
    uint64_t shown = 0;
    int have_shown = 0, text_on = 0;
    int64_t start = mono_ns();
    scr_frame(a, NULL);
    for (;;) {
        ui_ctx *u = a->ui;
        o->frames_run++;
        uint64_t h = ui_frame_hash(u);
        if (!have_shown || h != shown) {
            v->render(v, u->cmds, u->ncmds, UI_BG);
            o->frames_drawn++;
            if (!have_shown && o->first_frame_ns)
                *o->first_frame_ns = mono_ns();
            shown = h;
            have_shown = 1;
            if (o->exit_after_first)
                return 0;
        }
        int want_text = ui_wants_text(u);
        if (want_text != text_on) {
            v->text_input(v, want_text);
            text_on = want_text;
        }
        if (a->quit || a->ask)
            return 0;
        int timeout = scr_wake_in(a);
        if (o->max_ms > 0) {
            int64_t left = o->max_ms - (mono_ns() - start) / 1000000;
            if (left <= 0)
                return 0;
            if (timeout < 0 || timeout > left)
                timeout = (int)left;
        }
        plat_event ev;
        if (v->wait(v, timeout, &ev)) {
            if (ev.kind == PLAT_EV_EXPOSE)
                have_shown = 0; /* the window lost its pixels: draw again */
            scr_frame(a, &ev);
            /* Take whatever else is queued before drawing, one frame per
             * event, so a fast tap is never half seen. */
            while (!a->quit && !a->ask && v->wait(v, 0, &ev)) {
                if (ev.kind == PLAT_EV_EXPOSE)
                    have_shown = 0;
                scr_frame(a, &ev);
                o->frames_run++;
            }
        } else {
            /* Woken by the time limit of a run, not by the app: stop. */
            if (o->max_ms > 0 && (mono_ns() - start) / 1000000 >= o->max_ms - 2)
                return 0;
            scr_frame(a, NULL);
        }
    }
}
