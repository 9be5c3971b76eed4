#ifndef BLIK_SCR_INT_H
#define BLIK_SCR_INT_H
/* Inside the screens module: the app state and what screens share. */
#include "scr.h"

#define SCR_MAX_PEOPLE 128
#define SCR_MAX_ROOMS 32
#define SCR_MAX_FOCUS 16
#define SCR_MAX_LIST 24
#define SCR_MAX_EVENTS 4096
#define SCR_MAX_NOTES 64
#define SCR_SEARCH_MAX 64
#define SCR_ACTIVITY_MAX 120
#define SCR_NOTE_MAX 1000
#define SCR_PIN_TRIES 5
#define SCR_PIN_WAIT_MS 30000

/* The translation of a source string; `a` is always the app in screens. */
#define T(s) i18n_tr(a->tr, s)
/* Marks a string for translation where it is defined, not where shown. */
#define N_(s) s

typedef enum { DLG_NONE = 0, DLG_PIN, DLG_NOTE, DLG_FINISH } scr_dialog;

/* Everything shown about one observation, reloaded from the store after
 * each change (never changed here without the store first). */
typedef struct {
    model_observation obs;
    model_focus focus;
    model_template tmpl;
    int counts[MODEL_MAX_COUNTERS];
    int levels[MODEL_MAX_SIGNS]; /* -1 not rated */
    model_event events[SCR_MAX_EVENTS];
    int nevents;
    unsigned char undone[SCR_MAX_EVENTS];
    model_note notes[SCR_MAX_NOTES];
    int nnotes;
    model_event last; /* newest undoable event; last.id[0] == 0 if none */
    int running[MODEL_MAX_STATES];        /* 1 if the state is on */
    int64_t state_ms[MODEL_MAX_STATES];   /* closed time, without the open part */
    int64_t state_since[MODEL_MAX_STATES];/* when a running state started */
    int samples;                          /* interval samples kept */
    char observee[MODEL_NAME_MAX + 1];
    char room[MODEL_NAME_MAX + 1];
} scr_obs;

/* One observation as a row on the home screen, with its text made once
 * when the screen opens rather than every frame. */
typedef struct {
    model_id id;
    char title[MODEL_QUESTION_MAX + 1];
    char sub[320];
} scr_row;

struct scr_app {
    db *db;
    const plat_sys *sys;
    const i18n *tr;
    ui_ctx *ui;
    int lock_ms;
    char err[512];

    scr_screen screen;
    scr_dialog dialog;
    int64_t last_input; /* mono ms */
    int64_t seen_written; /* wall ms of the last "ui.seen" write */
    int quit;

    model_unit unit;
    int have_unit;
    /* Everyone in the unit, for names on rows and the sign-in tiles. */
    model_person people[SCR_MAX_PEOPLE];
    int npeople;
    model_person scratch_people[SCR_MAX_PEOPLE]; /* search results */

    /* who is signed in */
    int signed_in;
    model_person user;

    /* sign in */
    char search[SCR_SEARCH_MAX];
    int shown[SCR_MAX_PEOPLE]; /* indexes into people matching the search */
    int nshown;
    int picked; /* index into people, -1 none */
    char pin[MODEL_PIN_MAX + 1];
    int pin_wrong;
    int pin_fails;
    int64_t pin_wait_until;

    /* home */
    scr_row drafts[SCR_MAX_LIST];
    int ndrafts;
    scr_row to_feedback[SCR_MAX_LIST];
    int nto_feedback;
    scr_row to_reflect[SCR_MAX_LIST];
    int nto_reflect;
    model_observation scratch_obs[SCR_MAX_LIST];
    model_focus focuses[SCR_MAX_FOCUS];
    int nfocuses;
    int64_t outbox;

    /* start */
    model_room rooms[SCR_MAX_ROOMS];
    int nrooms;
    int st_focus, st_observee, st_room; /* indexes, -1 none */
    char st_activity[SCR_ACTIVITY_MAX + 1];
    int st_agreement;
    int st_ctx[MODEL_MAX_CONTEXT];
    model_template st_tmpl;
    int st_have_tmpl;

    /* observe and summary */
    scr_obs cur;
    int have_cur;
    char note[SCR_NOTE_MAX + 1];
    int note_sign; /* index into signs, -1 none */
    int skipped;   /* interval prompts skipped (also in the store) */
};

/* ---- app.c ---- */
void scr_go(scr_app *a, scr_screen s);
void scr_set_error(scr_app *a, int rc);
void scr_sign_in(scr_app *a, const model_person *p);
void scr_lock(scr_app *a);
const char *scr_person_name(const scr_app *a, const char *id);
/* Loads an observation into a->cur; returns a db_rc. */
int scr_load_obs(scr_app *a, const char *id);
void scr_refresh_outbox(scr_app *a);
/* The common top bar: title, signed-in person, sync state, lock. Returns
 * the rest of the screen. */
ui_rect scr_topbar(scr_app *a, ui_rect screen, const char *title);
/* Formats a duration in ms as m:ss or h:mm:ss into the frame arena. */
const char *scr_duration(scr_app *a, int64_t ms);
/* Local date and time of a wall-clock ms, "24.11.2026 09:05", into out. */
void scr_when(int64_t ms, char *out, size_t cap);
int scr_portrait(const scr_app *a);
ui_osk_labels scr_osk_labels(const scr_app *a);

/* ---- the screens ---- */
void scr_signin_enter(scr_app *a);
void scr_signin_frame(scr_app *a, ui_rect screen);
void scr_home_enter(scr_app *a);
void scr_home_frame(scr_app *a, ui_rect screen);
void scr_start_enter(scr_app *a);
void scr_start_frame(scr_app *a, ui_rect screen);
void scr_observe_frame(scr_app *a, ui_rect screen);
int scr_observe_wake(const scr_app *a);
void scr_summary_frame(scr_app *a, ui_rect screen);

#endif
