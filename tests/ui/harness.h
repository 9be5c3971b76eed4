#ifndef BLIK_TEST_HARNESS_H
#define BLIK_TEST_HARNESS_H
/*
 * The headless harness: the whole app on a fake clock, a store in a fresh
 * folder with the demo unit, and SDL's software renderer drawing into an
 * off-screen surface (no display). Input is scripted as taps, drags and
 * typing, one event per frame as the real loop does; taps can aim at a text
 * in the last frame's draw commands, so tests read like a person's steps.
 */
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "i18n.h"
#include "plat.h"
#include "plat_gfx.h"
#include "scr.h"
#include "ui.h"

/* 2026-11-24 09:00 UTC: inside the demo focuses' period. */
#define TH_START_MS 1795510800000LL

typedef struct {
    plat_sys *sys;
    plat_video *video;
    ui_ctx *ui;
    db *db;
    i18n *tr;
    scr_app *app;
    char dir[1024];
    char dbpath[1200];
    char lang[4];
    int w, h;
    i18n *tr_other; /* the other language, with th_both_langs */
} th;

/* Pixels per dp for the next th_open (1.0 unless a test sets it): a 2.0
 * is a 13" tablet with a dense screen. */
extern float th_scale;
/* The sync hooks the next th_open gives the app (NULL: none). */
extern const scr_sync *th_sync;
/* 1: the next th_open tells the app its store is the demo's. */
extern int th_demo;
/* 1: the next th_open gives the app both catalogues, as blik does, so the
 * language switches at once and Danish words for data are at hand; 0 (the
 * default): only the language it starts in. */
extern int th_both_langs;

/* A fresh folder under the test's temp dir, the demo unit loaded, the app
 * started in lang ("da" or "en") at w x h pixels. Aborts the test program
 * if anything fails (a harness that half-works would hide bugs). */
th *th_open(const char *name, int w, int h, const char *lang);
/* Adds n finished observations of the demo's first focus to a store,
 * every step_ms up to end_ms (the fake clock is moved), with counts and
 * ratings that change over the series; in transactions of 1,000. Returns
 * a db_rc. */
int th_seed(db *d, plat_sys *sys, int n, int64_t end_ms, int64_t step_ms);
/* Like th_open, with th_seed's n observations in the store first. */
th *th_open_seeded(const char *name, int w, int h, const char *lang, int n, int64_t step_ms);
/* A fresh, empty folder: a tablet started for the first time, no demo. */
th *th_open_empty(const char *name, int w, int h, const char *lang);
/* Like th_open but on an existing folder (after th_kill or th_close). */
th *th_open_dir(const char *dir, int w, int h, const char *lang, int64_t now_ms);
/* Closes the app as a kill would leave it (nothing saved on the way out)
 * and starts it again on the same folder at the same wall-clock time. */
th *th_restart(th *t);
/* Closes everything, keeping the folder. */
void th_close(th *t);
/* Closes and removes the folder. */
void th_free(th *t);

/* Runs one frame with ev (NULL: none). */
void th_frame(th *t, const plat_event *ev);
void th_tap(th *t, int x, int y);
/* Finds text exactly equal to s in the last frame and taps its middle.
 * Returns 0, or -1 if it is not on screen. The nth (0-based) match if
 * several. */
int th_tap_text_n(th *t, const char *s, int nth);
static inline int th_tap_text(th *t, const char *s) { return th_tap_text_n(t, s, 0); }
/* Taps the first drawn text that starts with s. Returns 0 or -1. */
int th_tap_prefix(th *t, const char *s);
/* Scrolls the list under (x, y) by slow drags until text starting with s
 * is visible. Returns 0, or -1 if it never shows. */
int th_reveal(th *t, const char *s, int x, int y);
/* A press, moves over ms milliseconds in steps, a rest, and a release
 * (so the list does not fly on). */
void th_drag(th *t, int x0, int y0, int x1, int y1, int steps, int ms);
void th_type(th *t, const char *utf8);
void th_key(th *t, int key);
/* Moves the clock forward, then runs one frame with no input. */
void th_wait(th *t, int64_t ms);

/* 1 if text exactly s is drawn in the last frame. */
int th_has_text(th *t, const char *s);
/* 1 if some drawn text contains s. */
int th_has_text_part(th *t, const char *s);
/* Finds drawn text equal to s; writes its rectangle. Returns 0 or -1. */
int th_find_text(th *t, const char *s, int nth, int *x, int *y, int *w, int *h);
/* Writes the last frame's draw commands as lines of text (a snapshot). */
size_t th_snapshot(th *t, char *out, size_t cap);
/* Renders the last frame with the software renderer; pixels are then in
 * t->video's surface. */
void th_render(th *t);
/* The smallest touch target on screen in the last frame, in dp: checks the
 * 48 dp rule. Targets cut by a list's edge or off screen are skipped. */
int th_min_target_dp(th *t);
/* Signs in as the named person with the demo PIN, from the sign-in screen. */
void th_sign_in(th *t, const char *name);
/* Taps the named person's tile and types pin on the keypad, then OK. */
void th_sign_in_pin(th *t, const char *name, const char *pin);

#endif
