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
#include "db_sync.h"
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
    SCR_REVIEW,     /* sync: conflicts to settle and changes the server refused */
    SCR_WELCOME,    /* a tablet with no unit: connect to a server, or try the demo */
    SCR_PLAN,       /* one planned observation: terms, agreement, start */
    SCR_COUNT
} scr_screen;

/* Idle time before the tablet locks itself, unless the store's setting
 * "ui.lock_minutes" says otherwise. */
#define SCR_LOCK_MS_DEFAULT (5 * 60 * 1000)
/* While an observation runs the observer watches the room, often without
 * touching the tablet for many minutes; locking then would lose counts.
 * The idle limit there is this, or the lock time if that is longer. */
#define SCR_LOCK_OBSERVING_MS (30 * 60 * 1000)

/* The engine's last outcome, as the screens name it. The program maps its
 * sync engine's codes onto these, so the screens need no sync library. */
typedef enum {
    SCR_SYNC_FINE = 0,     /* the last round went well, or none ran yet */
    SCR_SYNC_OFFLINE,      /* no network */
    SCR_SYNC_UNREACHABLE,  /* the server does not answer */
    SCR_SYNC_CAPTIVE,      /* the Wi-Fi wants a sign-in page first */
    SCR_SYNC_TLS,          /* the server's certificate is not the trusted one */
    SCR_SYNC_SERVER,       /* the server failed */
    SCR_SYNC_UNAUTHORIZED, /* the server no longer knows this tablet */
    SCR_SYNC_UPDATE,       /* the server needs a newer app */
    SCR_SYNC_OTHER,        /* anything else; status() has the words */
    SCR_SYNC_REVOKED,      /* an administrator revoked this tablet: enrol it again */
    SCR_SYNC_WIPED,        /* revoked with wipe: the tablet erases what it holds */
    SCR_SYNC_CERT_EXPIRED, /* the server's certificate has expired */
    SCR_SYNC_CERT_NAME     /* the server's certificate names another server */
} scr_sync_problem;

/* A copy of the engine's state, cheap enough to take every frame. */
typedef struct {
    int enrolled;
    int running; /* a round is under way */
    scr_sync_problem problem;
    int64_t rounds;     /* rounds run; a change means the store changed */
    int64_t last_ok_ms; /* wall clock of the last good round, 0 if none */
} scr_sync_state;

/* The longest tablet name, in bytes: what the server keeps. */
#define SCR_TABLET_NAME_MAX 80

/* What the enrolment form asks for. ca is a CA in PEM, or the path of a
 * file holding one, or "" for the system's CAs. name is what the
 * administrator sees for this tablet ("Stue 3 – blå"). */
typedef struct {
    char url[256];
    char code[64];
    char name[SCR_TABLET_NAME_MAX + 1];
    char ca[8192];
} scr_enrol_req;

/* How an enrolment ended. */
typedef enum {
    SCR_ENROL_PENDING = 0, /* still running */
    SCR_ENROL_OK,
    SCR_ENROL_BAD_ADDRESS,  /* not an https:// address */
    SCR_ENROL_BAD_CODE,     /* wrong, used or expired code */
    SCR_ENROL_TLS,          /* the certificate is not trusted */
    SCR_ENROL_UNREACHABLE,  /* no answer, or no network */
    SCR_ENROL_CAPTIVE,      /* the Wi-Fi wants a sign-in page first */
    SCR_ENROL_CA_FILE,      /* the CA file cannot be read */
    SCR_ENROL_UPDATE,       /* the server needs a newer app */
    SCR_ENROL_FAILED,       /* anything else; detail says what */
    SCR_ENROL_CERT_EXPIRED, /* the server's certificate has expired */
    SCR_ENROL_CERT_NAME,    /* the server's certificate names another server */
    SCR_ENROL_NO_NAME       /* the tablet has no name yet */
} scr_enrol_outcome;

/* What the screens may ask of sync, through the program that runs them
 * (the screens themselves do no I/O but the store's). Every call returns
 * at once; a hook left NULL is a thing this build cannot do. */
typedef struct {
    void *ctx;
    /* 1 if the tablet is enrolled with a server. */
    int (*enrolled)(void *ctx);
    /* "Sync now": run a round as soon as possible. */
    void (*now)(void *ctx);
    /* A line about sync for the settings screen, in English (e.g. the
     * last problem); "" when all is well. */
    void (*status)(void *ctx, char *line, size_t cap);
    /* The engine's state for the chip. */
    void (*state)(void *ctx, scr_sync_state *out);
    /* Starts enrolling this tablet (the work happens off the screens'
     * thread); returns 0 if it started. */
    int (*enrol)(void *ctx, const scr_enrol_req *req);
    /* The outcome of the enrolment started last; SCR_ENROL_PENDING while it
     * runs. On SCR_ENROL_OK the program has started the sync worker.
     * detail gets a sentence in English for SCR_ENROL_FAILED. */
    scr_enrol_outcome (*enrol_result)(void *ctx, char *detail, size_t cap);
    /* "Take theirs" for a conflict, on the screens' store handle: stores
     * the server's version and closes the conflict. 0 on success. */
    int (*take_theirs)(void *ctx, db *d, const char *change_id, char *err, size_t cap);
} scr_sync;

typedef struct {
    db *db;               /* kept, not owned; must outlive the app */
    const plat_sys *sys;  /* clock: now_ms for data, mono_ms for the UI */
    const i18n *tr;       /* kept, not owned; NULL shows the English msgids */
    int lock_ms;          /* 0: the store's setting or the default */
    const scr_sync *sync; /* NULL: this build or tablet has no sync */
    /* Both catalogues, if given, so that settings can change the language
     * at once; otherwise the choice is kept for the next start. */
    const i18n *tr_da, *tr_en;
    /* 1: the store is the demo's, kept apart from the real one. It never
     * syncs and cannot be enrolled; the screens offer to leave it. */
    int demo;
} scr_config;

/* What the app asks of the program that runs it, beyond the store: to be
 * started again on the other store. scr_run() returns when one is asked. */
typedef enum {
    SCR_ASK_NONE = 0,
    SCR_ASK_DEMO,       /* "try the demo": open the demo's own store */
    SCR_ASK_LEAVE_DEMO, /* back to the real store and its welcome screen */
    SCR_ASK_WIPE        /* the server said device_wiped: delete the real store's files
                         * (db_wipe, once sync has stopped) and start anew on it */
} scr_ask;

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
/* What the app asks of the program (SCR_ASK_NONE if nothing). */
scr_ask scr_asked(const scr_app *a);

/* How honest sync state reads, in the language of tr (NULL: English).
 * These are what the chip and the rows draw, callable without an app so
 * that tests with real tablets can ask the same question. */
typedef enum {
    SCR_CHIP_LOCAL = 0, /* no server: everything stays on this tablet */
    SCR_CHIP_NOT_YET,   /* enrolled, never synced */
    SCR_CHIP_SYNCED,
    SCR_CHIP_WAITING,
    SCR_CHIP_SYNCING,
    SCR_CHIP_PROBLEM, /* the words name which */
    SCR_CHIP_REVIEW,  /* conflicts to settle */
    SCR_CHIP_REFUSED  /* changes the server refused */
} scr_chip;

/* The chip's words for the counts of the store and the engine's state
 * (NULL or not enrolled: this tablet has no server). Returns the kind. */
scr_chip scr_sync_chip_text(const i18n *tr, const db_sync_counts *c, const scr_sync_state *st,
                            char *out, size_t cap);
/* One observation's state in words: "Saved on this tablet", "Synced",
 * "Needs review", or "Refused: <the server's reason>". Returns the
 * db_sync_state, or -1 if the store failed (out then says so). */
int scr_record_sync_text(db *d, const i18n *tr, const char *obs_id, char *out, size_t cap);

typedef struct {
    int64_t max_ms;          /* 0: run until asked to quit */
    int exit_after_first;    /* stop after the first frame is shown */
    int64_t *first_frame_ns; /* if set: monotonic ns when it was shown */
    long frames_drawn;       /* out: frames actually rendered */
    long frames_run;         /* out: frames computed */
} scr_run_opts;

/* The event loop: waits for input in the platform (no busy loop), runs a
 * frame per event, and shows a frame only if it differs from the last.
 * Returns 0 when the user closed the app or the app asked for something
 * (scr_asked). */
int scr_run(scr_app *a, plat_video *v, scr_run_opts *o);

#endif
