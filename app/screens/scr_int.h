#ifndef BLIK_SCR_INT_H
#define BLIK_SCR_INT_H
/* Inside the screens module: the app state and what screens share. */
#include "db_history.h"
#include "db_plan.h"
#include "db_sync.h"
#include "model_tally.h"
#include "scr.h"

#define SCR_MAX_PEOPLE 128
#define SCR_MAX_ROOMS 32
#define SCR_MAX_FOCUS 16
#define SCR_MAX_LIST 24
#define SCR_MAX_PLANS 16 /* planned observations on home: one person's week */
#define SCR_MAX_EVENTS 4096
#define SCR_MAX_NOTES 64
#define SCR_SEARCH_MAX 64
#define SCR_ACTIVITY_MAX 120
#define SCR_NOTE_MAX 1000
/* Wrong PINs, kept across restarts. Per person: the first
 * SCR_PIN_TRIES - 1 in a row are typos and cost nothing; the
 * SCR_PIN_TRIES-th makes that person's next try wait SCR_PIN_WAIT_MS, each
 * further one twice as long as the last (at most SCR_PIN_WAIT_MAX_MS);
 * everyone else signs in as before. Across people: SCR_PIN_LOCKOUT wrong
 * PINs in a row on the tablet, whoever typed them, lock it out until a
 * leader's PIN opens it, so that guessing across names stays bounded. */
#define SCR_PIN_TRIES 5
#define SCR_PIN_WAIT_MS 30000
#define SCR_PIN_WAIT_MAX_MS (15 * 60 * 1000)
#define SCR_PIN_LOCKOUT 15
#define SCR_MAX_REVIEW 8  /* conflicts and refusals shown at once */
#define SCR_MAX_FIELDS 12 /* fields of a record shown side by side */
#define SCR_TEXT_MAX MODEL_TEXT_MAX
#define SCR_MAX_HIST 240 /* history rows held; narrower filters show older ones */
#define SCR_MAX_REVS 16
#define SCR_MAX_PICK 64 /* choices in a filter's picker */

/* The translation of a source string; `a` is always the app in screens. */
#define T(s) i18n_tr(a->tr, s)
/* The form of a text for the count n ("1 sign", "2 signs"). */
#define NT(s, p, n) i18n_ntr(a->tr, s, p, n)
/* Marks a string for translation where it is defined, not where shown. */
#define N_(s) s

typedef enum {
    DLG_NONE = 0,
    DLG_PIN,
    DLG_NOTE,
    DLG_FINISH,
    DLG_CORRECT,
    DLG_PICK,
    DLG_LEAVE,
    DLG_NOTE_EDIT
} scr_dialog;

/* The filters of history, each an index into its choices (-1: any). */
typedef enum { PICK_FOCUS = 0, PICK_ROOM, PICK_PERIOD, PICK_OBSERVER, PICK_COUNT } scr_pick;

/* Everything shown about one observation, reloaded from the store after
 * each change (never changed here without the store first). */
typedef struct {
    model_observation obs;
    model_focus focus;
    model_template tmpl;
    model_tally tally;           /* the events replayed by the store */
    int levels[MODEL_MAX_SIGNS]; /* -1 not rated */
    model_event events[SCR_MAX_EVENTS];
    int nevents;
    unsigned char undone[SCR_MAX_EVENTS]; /* taken back, or an undo */
    model_note notes[SCR_MAX_NOTES];
    int nnotes;
    model_event last; /* newest undoable event; last.id[0] == 0 if none */
    char observee[MODEL_NAME_MAX + 1];
    char room[MODEL_NAME_MAX + 1];
} scr_obs;

/* One observation as a row on the home screen, with its text made once
 * when the screen opens rather than every frame. */
typedef struct {
    model_id id;
    char title[MODEL_QUESTION_MAX + 1];
    char sub[320];
    int sync;            /* db_sync_state, -1 unknown */
    char sync_text[300]; /* its words, the server's reason included */
} scr_row;

/* One field of a record in a conflict: its name and the two values. */
typedef struct {
    char key[32];
    char mine[160];
    char theirs[160];
} scr_field;

/* A conflict as the review screen shows it, read once when it opens. */
typedef struct {
    model_id change_id;
    char what[200]; /* the record in words: which part of whose observation */
    int have_theirs;
    scr_field fields[SCR_MAX_FIELDS];
    int nfields;
} scr_conflict;

/* ---- each screen's own state ----
 * A screen's state is read from the store when the screen opens (its
 * scr_*_enter) and changed only by that screen, except where a comment
 * says which other screen reads it. */

/* Sign in: the search, who was picked, and the PIN being typed. */
typedef struct {
    char search[SCR_SEARCH_MAX];
    int shown[SCR_MAX_PEOPLE]; /* indexes into people matching the search */
    int nshown;
    int picked; /* index into people, -1 none */
    char pin[MODEL_PIN_MAX + 1];
    int pin_wrong;
    int who_fails;                      /* the picked person's wrong PINs in a row */
    int64_t who_until;                  /* and the wall-clock ms their next try waits for */
    model_person found[SCR_MAX_PEOPLE]; /* the store's search results */
} scr_signin_state;

/* Home: the person's sections, and today's focuses (start reads them too). */
typedef struct {
    scr_row drafts[SCR_MAX_LIST];
    int ndrafts;
    scr_row to_feedback[SCR_MAX_LIST];
    int nto_feedback;
    scr_row to_reflect[SCR_MAX_LIST];
    int nto_reflect;
    scr_row new_re[SCR_MAX_LIST]; /* reflections I have not read yet */
    int nnew_re;
    model_focus focuses[SCR_MAX_FOCUS];
    int nfocuses;
    /* My planned observations this week (plan.c), their words, and the
     * sync round they were read after (a newer round reads them again). */
    db_plan_row plans[SCR_MAX_PLANS];
    scr_row plan_rows[SCR_MAX_PLANS];
    int nplans;
    int64_t plans_round;
    int64_t round; /* the sync round the lists above were read after */
} scr_home_state;

/* One planned observation, opened from home (plan.c). */
typedef struct {
    db_plan_row row;
    int64_t round;  /* the sync round it was read after */
    int agreed_now; /* agreed on this screen just now: say it was saved */
} scr_plan_state;

/* Start: the choices made for a new observation. */
typedef struct {
    int focus, observee, room; /* indexes, -1 none */
    char activity[SCR_ACTIVITY_MAX + 1];
    int agreement;
    int ctx[MODEL_MAX_CONTEXT]; /* a number, or a choice's option (-1 none) */
    char ctx_text[MODEL_MAX_CONTEXT][MODEL_NAME_MAX + 1]; /* short texts */
    model_template tmpl;
    int have_tmpl;
    /* Observing together with a colleague: SCR_PAIR_*; the code typed. */
    int pair;
    char pair_typed[24];
    /* Started from a planned observation: the plan, linked to the new
     * observation while focus and observee are the plan's. */
    db_plan_row plan;
    int have_plan;
    /* The team of a team plan is whom the observation is about (no
     * colleague is picked); choosing a colleague instead makes it about
     * that colleague. */
    int team;
} scr_start_state;

/* How a new observation is made: alone, as the first of a pair (this tablet
 * makes the code and shows it), or as the second (the code is typed). */
enum { SCR_PAIR_ALONE = 0, SCR_PAIR_SHOW = 1, SCR_PAIR_JOIN = 2 };

/* Observe: the note being typed and the interval prompts skipped. */
typedef struct {
    char note[SCR_NOTE_MAX + 1];
    int note_sign;   /* index into signs, -1 none */
    int64_t note_at; /* wall ms the note was begun (also in the store), 0 none */
    int skipped;     /* the newest interval prompt skipped (also in the store) */
    int left;        /* the leave dialog: part of it has reached the server */
    int discard;     /* the leave dialog asks to confirm the discard */
    /* A note being edited: which, its words and sign as changed so far,
     * and whether its deletion is being confirmed. */
    model_id edit_id;
    char edit[MODEL_TEXT_MAX + 1]; /* a note may hold what the store takes */
    int edit_sign;
    int edit_delete;
} scr_observe_state;

/* Summary: where back goes, the corrections, and the one being typed. */
typedef struct {
    scr_screen back;
    db_revision revs[SCR_MAX_REVS]; /* corrections of cur, newest first */
    int nrevs;
    char corr_activity[SCR_ACTIVITY_MAX + 1];
} scr_summary_state;

/* Feedback and reflection, as typed; each keystroke is kept in the store
 * as a draft, and the text is saved as feedback or reflection (one change
 * for sync) when the typing ends. */
typedef struct {
    char works[SCR_TEXT_MAX + 1], wonder[SCR_TEXT_MAX + 1], next[SCR_TEXT_MAX + 1];
    model_feedback fb; /* as the store has it */
    int have_fb;
} scr_feedback_state;

typedef struct {
    char text[SCR_TEXT_MAX + 1], next[SCR_TEXT_MAX + 1];
    model_reflection re; /* as the store has it */
    int have_re;
    model_feedback fb; /* the feedback the observee reads */
    int have_fb;
} scr_reflection_state;

/* History: the filters (progression reads them too) and the rows. */
typedef struct {
    model_focus focuses[SCR_MAX_FOCUS];
    int nfocuses;
    int filter[PICK_COUNT];
    scr_pick pick; /* the filter the picker dialog is open for */
    scr_row rows[SCR_MAX_HIST];
    int nrows;
    db_cursor cursor;
    int more;
    int64_t total;
} scr_history_state;

/* Progression of one focus, summed by the store when it opens. */
typedef struct {
    model_focus focus;
    model_template tmpl;
    int have;
    db_hist_bucket buckets[DB_HIST_MAX_BUCKETS];
    int n;
    db_hist_bucket total;
    int64_t width;
    int tab; /* 0: over time, 1: overview */
} scr_progress_state;

/* Review: conflicts and refused changes. */
typedef struct {
    scr_conflict conf[SCR_MAX_REVIEW];
    int nconf;
    db_sync_rejection rej[SCR_MAX_REVIEW];
    int nrej;
    char msg[320];
} scr_review_state;

/* The enrolment form a leader fills in on the settings screen. */
typedef struct {
    scr_enrol_req req; /* the address is set_server, copied on submit */
    char detail[320];  /* the last outcome's sentence */
} scr_enrol_form;

/*
 * Everything about the person at the tablet: who signed in, what they typed
 * and what was read from the store for them. Locking wipes it whole
 * (scr_lock: one memset and scr_session_init), so a field added here is
 * forgotten by construction; a field about a person must never be put in
 * scr_app outside it (tests/ui/test_session.c fails if one is). It holds no
 * pointers, so that a wiped session is all zeros but for its few defaults.
 */
typedef struct {
    int signed_in;
    model_person user;
    char err[512]; /* the last store error shown, "" if none */

    /* the observation on screen (observe, summary, feedback, reflection) */
    scr_obs cur;
    int have_cur;
    int cur_sync; /* db_sync_state of cur, -1 unknown */
    char cur_sync_text[300];

    /* cur's reflection as the observer reads it back (summary, feedback) */
    model_reflection cur_re;
    int have_cur_re;
    int cur_re_new; /* it was new to the observer when the screen opened */

    model_room rooms[SCR_MAX_ROOMS]; /* the unit's rooms (start, history) */
    int nrooms;
    model_observation scratch_obs[SCR_MAX_LIST]; /* a page read from the store */
    ui_id typing; /* the text area that held the focus in the last frame */

    scr_signin_state signin;
    scr_home_state home;
    scr_start_state start;
    scr_plan_state plan;
    scr_observe_state observe;
    scr_summary_state summary;
    scr_feedback_state feedback;
    scr_reflection_state reflection;
    scr_history_state history;
    scr_progress_state progress;
    scr_review_state review;
    scr_enrol_form enrol;
} scr_session;

/* The app: what belongs to the tablet, and one person's session. */
struct scr_app {
    db *db;
    const plat_sys *sys;
    const i18n *tr;
    ui_ctx *ui;
    int lock_ms;
    const scr_sync *sync;
    const i18n *tr_da, *tr_en;

    scr_screen screen;
    scr_dialog dialog;
    int64_t last_input;   /* mono ms */
    int64_t seen_written; /* wall ms of the last "ui.seen" write */
    int quit;

    model_unit unit;
    int have_unit;
    /* Everyone in the unit, for names on rows and the sign-in tiles. */
    model_person people[SCR_MAX_PEOPLE];
    int npeople;

    /* Wrong PINs across people, kept across restarts (in the store too);
     * each person's own count and wait are read when they are picked. */
    int pin_fails;  /* wrong PINs in a row on this tablet, whoever typed them */
    int pin_locked; /* locked out: only a leader's PIN opens */

    /* sync, for the chip */
    int64_t outbox;
    db_sync_counts sc;         /* the store's sync counts */
    scr_sync_state sync_state; /* the engine's, copied each frame */

    /* settings of the tablet: its server and enrolment */
    char set_server[256];
    db_storage storage;
    char set_unit[MODEL_NAME_MAX + 1]; /* the enrolled unit's name, "" if not here yet */
    int64_t set_rounds;                /* sync rounds when the name was last looked for */
    int enrolling;                     /* waiting for the outcome */
    scr_enrol_outcome enrol_done;      /* the last outcome shown */
    int enrol_reveal;                  /* the outcome just came: frames to bring it into view */
    int enrol_scroll;                  /* how far to scroll for it, in pixels */

    int demo;    /* the store is the demo's (scr_config.demo) */
    scr_ask ask; /* what the app asks of the program, once */
    int welcome; /* the welcome screen's step: WELCOME_* */

    /* Tests only (scr_test.h): called by scr_lock once the person's work
     * is saved, just before the session is wiped; NULL otherwise. */
    void (*wipe_probe)(void *session, size_t size, void *ctx);
    void *wipe_probe_ctx;

    scr_session s; /* the signed-in person's; wiped whole on lock */
};

/* The welcome screen's steps. */
enum { WELCOME_CHOOSE = 0, WELCOME_FORM, WELCOME_WAIT };

/* ---- app.c ---- */
/* Reads the unit and its people from the store again (after a pull, or
 * the enrolment): a person no longer active there who is signed in is
 * signed out at once. */
void scr_reload_unit(scr_app *a);
void scr_go(scr_app *a, scr_screen s);
void scr_set_error(scr_app *a, int rc);
void scr_sign_in(scr_app *a, const model_person *p);
void scr_lock(scr_app *a);
/* A fresh session: all zeros but for the "none chosen" indexes. */
void scr_session_init(scr_session *s);
const char *scr_person_name(const scr_app *a, const char *id);
/* Whom the observation is about, in words: the observee's name, or for an
 * observation about a team "the team <name>" (in the UI's frame buffer). */
const char *scr_observee_name(scr_app *a, const model_observation *o);
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

/* ---- syncstate.c ---- */
/* Reads the store's sync counts and the states of the records on screen. */
void scr_sync_refresh(scr_app *a);
/* Once a frame: the engine's state; the store again only if it changed. */
void scr_sync_poll(scr_app *a);
/* The state of one row, into the row. */
void scr_row_sync(scr_app *a, scr_row *r);
/* The colour for a db_sync_state (-1: unknown). */
plat_color scr_sync_color(int state);
/* Draws the sync chip at the right of in (and cuts it off); handles a tap. */
void scr_sync_chip(scr_app *a, ui_rect *in);
/* A number in the language's convention (31,2 or 31.2); fmt is one
 * floating-point conversion such as "%.1f". */
const char *scr_decimal(scr_app *a, const char *fmt, double v);

/* ---- start.c: words of a unit's data in the reader's language ---- */
/* An activity as it is stored: a chip's words in Danish, typed words as
 * typed. */
const char *scr_activity_stored(scr_app *a, const char *shown);
/* An activity as it is shown: a chip's Danish words in the reader's
 * language, anything else as stored. */
const char *scr_activity_shown(scr_app *a, const char *stored);
/* Puts a template's words in the reader's language, where it has them. */
void scr_template_words(scr_app *a, model_template *t);

/* Records the signed-in person's screen and what it shows, for a restart
 * (app.c). */
void scr_save_place(scr_app *a);

/* ---- plan.c: planned observations ---- */
/* Reads the signed-in person's planned observations of this week for home. */
void scr_plans_load(scr_app *a);
/* Home's section of them (only when there are some) at *y in view; returns
 * 1 if one was opened (the screen has changed). */
int scr_plans_section(scr_app *a, ui_rect view, int *y);
/* A plan's day or week in words: "Today", "This week", "Friday 20.11.". */
const char *scr_plan_when(scr_app *a, const model_plan *p);
/* The plan's terms under their heading at y in col (drawn if draw);
 * returns the height. */
int scr_plan_terms(scr_app *a, const model_plan *p, ui_rect col, int y, int draw);

/* ---- the screens ---- */
void scr_signin_enter(scr_app *a);
void scr_signin_frame(scr_app *a, ui_rect screen);
void scr_home_enter(scr_app *a);
void scr_home_frame(scr_app *a, ui_rect screen);
void scr_start_enter(scr_app *a);
void scr_start_frame(scr_app *a, ui_rect screen);
/* Opens the start screen filled in from a plan (focus, observee, room,
 * agreement), the new observation linked to it. */
void scr_start_from_plan(scr_app *a, const db_plan_row *r);
void scr_plan_enter(scr_app *a);
void scr_plan_frame(scr_app *a, ui_rect screen);
void scr_observe_frame(scr_app *a, ui_rect screen);
int scr_observe_wake(const scr_app *a);
/* The tally of the interval prompts' answers and of those skipped, under
 * a heading, at y in col; returns the y below it (y if the template has
 * no interval sampling). */
int scr_samples_card(scr_app *a, ui_rect col, int y);
void scr_summary_enter(scr_app *a);
void scr_summary_frame(scr_app *a, ui_rect screen);
void scr_feedback_enter(scr_app *a);
void scr_feedback_frame(scr_app *a, ui_rect screen);
/* Saves what was typed as the feedback if it differs from the store's;
 * given = 1 also marks it as given. */
void scr_feedback_commit(scr_app *a, int given);
/* The colour of state timer s of a template, in the timeline and in "time
 * in each state"; never a counter's colour. */
plat_color scr_state_color(int s);
/* A count's rate per 10 minutes in words ("2,5 per 10 min"), or "too
 * short for a rate" below the model's floor; in the frame arena. */
const char *scr_rate_text(scr_app *a, int64_t count, int64_t duration_ms);
/* The sentence saying why an observation has no rates. */
const char *scr_rate_floor_text(scr_app *a);
/* What was seen, compactly: who, where, when, counts with their rate, the
 * time in each state, each sign's rating and the notes with their times;
 * draws at y in col and returns the height, which fits the content. */
int scr_seen_card(scr_app *a, ui_rect col, int y);
/* The focus as "feed up": its question and why; returns the height. */
int scr_feedup_card(scr_app *a, ui_rect col, int y);
/* A labelled text area with its heading; returns the ui_textarea result.
 * With no platform keyboard the screens give the focused one the space
 * above the on-screen keyboard. */
int scr_text_block(scr_app *a, ui_rect col, int *y, const char *id, const char *title,
                   const char *hint, char *buf, size_t cap);
void scr_reflection_enter(scr_app *a);
void scr_reflection_frame(scr_app *a, ui_rect screen);
void scr_reflection_commit(scr_app *a);
/* Reads cur's reflection for reading back (cur_re) and, when the person
 * signed in is its observer, notes it as read; remembers whether it was
 * new to them, for the card's word. */
void scr_reflection_read_back(scr_app *a);
/* The reflection read back, as a card at y in col: who wrote it and when,
 * the reflection and their next step; "new" if it was. Returns the height,
 * 0 when there is none. */
int scr_reflection_card(scr_app *a, ui_rect col, int y);
void scr_history_enter(scr_app *a);
void scr_history_frame(scr_app *a, ui_rect screen);
/* The history filter as a store filter (strings point into the app). */
void scr_history_filter(scr_app *a, db_obs_filter *f);
void scr_progress_enter(scr_app *a);
void scr_progress_frame(scr_app *a, ui_rect screen);
void scr_settings_enter(scr_app *a);
void scr_settings_frame(scr_app *a, ui_rect screen);
/* Chooses the screens' language ("da" or "en") and keeps it. */
void scr_set_language(scr_app *a, const char *lang);
void scr_welcome_enter(scr_app *a);
void scr_welcome_frame(scr_app *a, ui_rect screen);
/* The enrolment form (enrol.c) at y in col, in the list `list` whose view
 * ends at view_bottom; returns its height. */
int scr_enrol_draw(scr_app *a, ui_rect col, int y, ui_id list, int view_bottom);
/* Takes the outcome of an enrolment that was running, if it ended. */
void scr_enrol_poll(scr_app *a);
void scr_review_enter(scr_app *a);
void scr_review_frame(scr_app *a, ui_rect screen);
/* Keeps a draft of one field of the current observation in the store. */
void scr_draft_put(scr_app *a, db_draft_field field, const char *text);
/* Reads a draft into out; 0 if there is one, -1 if not (out untouched). */
int scr_draft_get(scr_app *a, db_draft_field field, char *out, size_t cap);
/* A heading in a scrolling column; advances *y. */
void scr_heading(scr_app *a, ui_rect col, int *y, const char *text);
/* One sign of the open observation and its scale as chips at *y in a list
 * (ids from `id`); advances *y and returns the level tapped, or -1. */
int scr_sign_scale(scr_app *a, ui_rect list, int *y, int w, const char *id, int s);
/* Opens an observation's summary, remembering where back goes. */
void scr_open_summary(scr_app *a, const char *obs_id, scr_screen back);
/* 1 if the signed-in person may see the observation (observer, observee,
 * or a leader of its unit). */
int scr_may_see(const scr_app *a, const model_observation *o);

#endif
