/* Quiet when idle: the event loop sleeps in the platform and shows a frame
 * only when it differs from the last; a visible running clock wakes it at
 * most once a second; nothing else wakes it but the auto-lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void test_idle_home_draws_once(void **state)
{
    (void)state;
    th *t = th_open("loop", 1280, 800, "da");
    th_sign_in(t, "Ida Mølgaard");
    assert_int_equal(scr_current(t->app), SCR_HOME);
    /* The only timer on the home screen is the lock, minutes away. */
    int wake = scr_wake_in(t->app);
    assert_true(wake > 60000 && wake <= SCR_LOCK_MS_DEFAULT);
    /* A second of the real loop on the headless table: one frame shown
     * (the first), and no frame computed without a reason. */
    scr_run_opts o = {0};
    o.max_ms = 1000;
    assert_int_equal(scr_run(t->app, t->video, &o), 0);
    assert_int_equal(o.frames_drawn, 1);
    assert_true(o.frames_run <= 3);
    th_free(t);
}

static void test_observe_wakes_each_second(void **state)
{
    (void)state;
    th *t = th_open("loop-obs", 1280, 800, "da");
    th_sign_in(t, "Ida Mølgaard");
    assert_int_equal(th_tap_text(t, "Start ny observation"), 0);
    assert_int_equal(th_tap_prefix(t, "Hvordan bruger vi"), 0);
    assert_int_equal(th_reveal(t, "Lars Højlund", 600, 600), 0);
    assert_int_equal(th_tap_text(t, "Lars Højlund"), 0);
    assert_int_equal(th_reveal(t, "Skolegruppen", 600, 600), 0);
    assert_int_equal(th_tap_text(t, "Skolegruppen"), 0);
    assert_int_equal(th_reveal(t, "Undervisning", 600, 600), 0);
    assert_int_equal(th_tap_text(t, "Leg"), 0);
    assert_int_equal(th_reveal(t, "Aftalen med den observerede er lavet", 600, 600), 0);
    assert_int_equal(th_tap_text(t, "Aftalen med den observerede er lavet"), 0);
    assert_int_equal(th_tap_text(t, "Start observationen"), 0);
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    /* The clock shows seconds: the next wake is when the next one starts. */
    th_wait(t, 400);
    int wake = scr_wake_in(t->app);
    assert_true(wake > 0 && wake <= 1000);
    th_wait(t, wake);
    int x, y, w, h;
    assert_int_equal(th_find_text(t, "0:01", 0, &x, &y, &w, &h), 0);
    /* A frame with nothing new is the same frame: the loop will not show
     * it again. */
    uint64_t h1 = ui_frame_hash(t->ui);
    th_wait(t, 0);
    assert_true(ui_frame_hash(t->ui) == h1);
    th_wait(t, 1000);
    assert_true(ui_frame_hash(t->ui) != h1);

    /* Turned to portrait: the same screen lays itself out again, the
     * signs above the counters instead of beside them. */
    int sx, sy, cx, cy;
    assert_int_equal(th_find_text(t, "Den voksne udvider barnets ord", 0, &sx, &sy, &w, &h), 0);
    assert_int_equal(th_find_text(t, "Åbent spørgsmål", 0, &cx, &cy, &w, &h), 0);
    assert_true(cx > sx && cy < sy + 200);
    assert_int_equal(t->video->resize(t->video, 800, 1280), 0);
    plat_event rot = {0};
    rot.kind = PLAT_EV_RESIZE;
    th_frame(t, &rot);
    assert_int_equal(t->ui->w, 800);
    assert_int_equal(scr_current(t->app), SCR_OBSERVE);
    assert_int_equal(th_find_text(t, "Den voksne udvider barnets ord", 0, &sx, &sy, &w, &h), 0);
    assert_int_equal(th_find_text(t, "Åbent spørgsmål", 0, &cx, &cy, &w, &h), 0);
    assert_true(cy > sy);
    assert_true(th_min_target_dp(t) >= UI_TARGET_DP);
    th_free(t);
}

/* Scripted input through SDL's own queue and the real loop: a hover is
 * ignored, a press and release on a tile opens the PIN pad, typed digits
 * and a key reach it, and a quit ends the loop. */
static void test_input_through_sdl_queue(void **state)
{
    (void)state;
    th *t = th_open("loop-sdl", 1280, 800, "da");
    int x, y, w, h;
    assert_int_equal(th_find_text(t, "Jonas Bækgaard", 0, &x, &y, &w, &h), 0);
    plat_event ev = {0};
    ev.kind = PLAT_EV_MOVE; /* no button held: there is no hover on touch */
    ev.x = x;
    ev.y = y;
    assert_int_equal(plat_video_push(t->video, &ev), 0);
    plat_event got;
    assert_int_equal(t->video->wait(t->video, 50, &got), 0);

    ev.kind = PLAT_EV_DOWN;
    ev.x = x + w / 2;
    ev.y = y + h / 2;
    assert_int_equal(plat_video_push(t->video, &ev), 0);
    ev.kind = PLAT_EV_UP;
    assert_int_equal(plat_video_push(t->video, &ev), 0);
    scr_run_opts o = {0};
    o.max_ms = 300;
    assert_int_equal(scr_run(t->app, t->video, &o), 0);
    assert_true(th_has_text(t, "Skriv din pinkode"));
    assert_true(o.frames_drawn >= 2);

    plat_event txt = {0};
    txt.kind = PLAT_EV_TEXT;
    strcpy(txt.text, "1234");
    assert_int_equal(plat_video_push(t->video, &txt), 0);
    plat_event key = {0};
    key.kind = PLAT_EV_KEY;
    key.key = PLAT_KEY_ENTER;
    assert_int_equal(plat_video_push(t->video, &key), 0);
    plat_event quit = {0};
    quit.kind = PLAT_EV_QUIT;
    assert_int_equal(plat_video_push(t->video, &quit), 0);
    o.max_ms = 5000;
    assert_int_equal(scr_run(t->app, t->video, &o), 0);
    assert_int_equal(scr_current(t->app), SCR_HOME);
    assert_string_equal(scr_user(t->app), "0b11c000-0000-4000-8000-000000000024");
    th_free(t);
}

/* A mouse wheel through SDL's queue arrives as a wheel event at the
 * pointer, counted in notches towards the end of a list (SDL counts the
 * other way). */
static void test_wheel_through_sdl_queue(void **state)
{
    (void)state;
    th *t = th_open("loop-wheel", 1280, 800, "da");
    plat_event ev = {0};
    ev.kind = PLAT_EV_WHEEL;
    ev.key = 2;
    ev.x = 300;
    ev.y = 400;
    assert_int_equal(plat_video_push(t->video, &ev), 0);
    plat_event got = {0};
    assert_int_equal(t->video->wait(t->video, 50, &got), 1);
    assert_int_equal(got.kind, PLAT_EV_WHEEL);
    assert_int_equal(got.key, 2);
    assert_int_equal(got.x, 300);
    assert_int_equal(got.y, 400);
    ev.key = -1;
    assert_int_equal(plat_video_push(t->video, &ev), 0);
    assert_int_equal(t->video->wait(t->video, 50, &got), 1);
    assert_int_equal(got.key, -1);
    th_free(t);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_home_draws_once),
        cmocka_unit_test(test_observe_wakes_each_second),
        cmocka_unit_test(test_input_through_sdl_queue),
        cmocka_unit_test(test_wheel_through_sdl_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
