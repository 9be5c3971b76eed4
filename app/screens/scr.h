#ifndef BLIK_SCR_H
#define BLIK_SCR_H
/*
 * The tablet app: its state and its screens. A screen is a function of
 * (state, input, now): scr_frame() takes one input event, changes state,
 * writes every data change to the store at once, and leaves the frame's
 * draw commands in the ui context. It does no other I/O, so the whole app
 * runs in tests without a display.
 */
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "i18n.h"
#include "plat.h"
#include "ui.h"

typedef struct scr_app scr_app;

typedef enum {
    SCR_SIGNIN = 0,
    SCR_HOME,
    SCR_START,
    SCR_OBSERVE,
    SCR_SUMMARY,
    SCR_FEEDBACK,   /* the observer's feedback: feed up, feed back, feed forward */
    SCR_REFLECTION, /* the observee reads the feedback and reflects */
    SCR_HISTORY,    /* past observations with filters */
    SCR_PROGRESS,   /* one focus over time: chart and red/yellow/green overview */
    SCR_SETTINGS,   /* leaders: server, language, lock time, storage, sync now */
    SCR_COUNT
} scr_screen;

/* Idle time before the tablet locks itself, unless the store's setting
 * "ui.lock_minutes" says otherwise. */
#define SCR_LOCK_MS_DEFAULT (5 * 60 * 1000)
/* While an observation runs the observer watches the room, often without
 * touching the tablet for many minutes; locking then would lose counts.
 * The idle limit there is this, or the lock time if that is longer. */
#define SCR_LOCK_OBSERVING_MS (30 * 60 * 1000)

/* What the screens may ask of sync, through the program that runs them
 * (the screens themselves do no I/O but the store's). Every call returns
 * at once. */
typedef struct {
    void *ctx;
    /* 1 if the tablet is enrolled with a server. */
    int (*enrolled)(void *ctx);
    /* "Sync now": run a round as soon as possible. */
    void (*now)(void *ctx);
    /* A line about sync for the settings screen, in English (e.g. the
     * last problem); "" when all is well. */
    void (*status)(void *ctx, char *line, size_t cap);
} scr_sync;

typedef struct {
    db *db;              /* kept, not owned; must outlive the app */
    const plat_sys *sys; /* clock: now_ms for data, mono_ms for the UI */
    const i18n *tr;      /* kept, not owned; NULL shows the English msgids */
    int lock_ms;         /* 0: the store's setting or the default */
    const scr_sync *sync; /* NULL: this build or tablet has no sync */
    /* Both catalogues, if given, so that settings can change the language
     * at once; otherwise the choice is kept for the next start. */
    const i18n *tr_da, *tr_en;
} scr_config;

/*
 * Makes the app on a ui context (kept, not owned) and restores where the
 * tablet was: if someone was signed in and the lock time has not passed,
 * the same person, screen and observation; otherwise the sign-in screen
 * (and after that person's PIN, their screen again). Returns NULL with a
 * sentence in err on failure. scr_app_free(NULL) is a no-op.
 */
scr_app *scr_app_new(const scr_config *cfg, ui_ctx *ui, char *err, size_t errlen);
void scr_app_free(scr_app *a);

/* Runs one frame with one input event (NULL: none, e.g. a clock tick). */
void scr_frame(scr_app *a, const plat_event *ev);
/* Milliseconds until the app needs a frame without input (a running clock,
 * momentum, the auto-lock); -1 if it can sleep until the next event. */
int scr_wake_in(const scr_app *a);

scr_screen scr_current(const scr_app *a);
/* The signed-in person's id, or "" when locked. */
const char *scr_user(const scr_app *a);
/* The observation on screen (observe, summary, feedback, reflection), or "". */
const char *scr_observation(const scr_app *a);
/* The last store error shown to the user, or "". */
const char *scr_error(const scr_app *a);

typedef struct {
    int64_t max_ms;          /* 0: run until asked to quit */
    int exit_after_first;    /* stop after the first frame is shown */
    int64_t *first_frame_ns; /* if set: monotonic ns when it was shown */
    long frames_drawn;       /* out: frames actually rendered */
    long frames_run;         /* out: frames computed */
} scr_run_opts;

/* The event loop: waits for input in the platform (no busy loop), runs a
 * frame per event, and shows a frame only if it differs from the last.
 * Returns 0 when the user closed the app. */
int scr_run(scr_app *a, plat_video *v, scr_run_opts *o);

#endif
