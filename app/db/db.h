#ifndef BLIK_DB_H
#define BLIK_DB_H
/*
 * The store on the tablet: the only module that speaks SQL.
 *
 * Every user action is one SQLite transaction that writes the change and the
 * outbox entry sync will later send, so that what the screen shows as saved
 * survives a killed app or a flat battery (WAL, synchronous=FULL). A call
 * either does all of its work or none of it: on any error nothing is changed
 * and db_errmsg() says why in a sentence.
 *
 * Handles are not shared between threads; a sync worker opens its own.
 */
#include <stdint.h>

#include "model.h"
#include "model_tally.h"

typedef struct db db;

typedef enum {
    DB_OK = 0,
    DB_INVALID,  /* bad input from the caller; nothing changed */
    DB_NOTFOUND, /* the record asked for does not exist */
    DB_DENIED,   /* the one-writer rule or the observation's state forbids it */
    DB_CORRUPT,  /* the file is damaged or not a database */
    DB_FOREIGN,  /* a database, but not Blik's */
    DB_TOO_NEW,  /* made by a newer Blik; not touched */
    DB_IO,       /* the disk refused (full, failing); nothing half-written */
    DB_BUSY,     /* another process holds the database */
    DB_NOMEM,
    DB_INTERNAL
} db_rc;

#define DB_SCHEMA_VERSION 13

/*
 * Opens (creating if needed) the store at path and brings its schema up to
 * date, one transaction per migration step. sys supplies the clock and the
 * randomness for identifiers; it is kept, not copied, and must outlive the
 * handle. Like sqlite3_open, *out is set to a handle even on failure (NULL
 * only when out of memory) so that db_errmsg() can tell why; close it with
 * db_close().
 */
int db_open(const char *path, const plat_sys *sys, db **out);
/* Like db_open, but migrates only up to schema `version`: for tests that
 * make files as earlier versions of Blik left them. */
int db_open_at(const char *path, const plat_sys *sys, int version, db **out);
/* This handle's page cache, in KiB (64 to 262144; SQLite's own is 2 MiB).
 * The sync engine's handle takes 16 MiB, so that a pulled page of 2,000
 * records is changed in memory and written once at its commit, instead of
 * spilled to the log before it and read back; the screens' handle keeps
 * SQLite's, with which a tap's commit took less CPU. */
int db_page_cache_set(db *d, int kib);
/* Closes the handle; db_close(NULL) is a no-op. */
void db_close(db *d);
/* A sentence about the last failure on this handle ("" after success). The
 * pointer is valid until the next call on the handle. */
const char *db_errmsg(const db *d);
/* The schema version the file is at. */
int db_schema_version(db *d);
/* Runs PRAGMA integrity_check; DB_OK if the file is sound. */
int db_check(db *d);

/*
 * The remote wipe of a lost or stolen tablet (db_wipe.c). db_erase_all
 * deletes every row of every table in one transaction (observations, drafts,
 * people and their PIN verifiers, the outbox, the enrolment with the device
 * secret, settings), with SQLite's secure delete on so that freed pages are
 * overwritten, and empties the write-ahead log; the file stays, an empty
 * store. Safe on any handle while other handles are open.
 *
 * db_wipe goes further: it erases all (as above), closes the handle's
 * connection, deletes the store file with its write-ahead log, shared
 * memory and any journal, and opens a fresh empty store at the same path
 * into the same handle, so whoever holds the handle holds the new store.
 * Every other handle on the file must be closed first (they would keep the
 * deleted file). DB_OK, or an error with its sentence (a handle whose new
 * store could not be opened answers every call with an error).
 */
int db_erase_all(db *d);
int db_wipe(db *d);

/* Groups several calls into one transaction, so that they are stored as a
 * whole or not at all (the calls nest inside it). db_batch_end() commits if
 * commit is 1 and discards everything since db_batch_begin() if 0; a commit
 * that fails discards too. */
int db_batch_begin(db *d);
int db_batch_end(db *d, int commit);
/* The same for work that is done again if it is lost, such as a pulled
 * page with its cursor: its commit is written to the log but not synced
 * before db_batch_end() returns. A power cut can then take the batch back,
 * whole, with everything committed after it and not yet synced, never
 * half of it and never without what came after it: the log keeps the order,
 * and the next synced commit or checkpoint syncs it too. Every other change
 * is synced as before. Nested inside another batch, it is that batch. */
int db_batch_begin_unsynced(db *d);

/* ---- reference data (comes down from the server, or from --demo) ---- */

int db_unit_put(db *d, const model_unit *u);
int db_unit_get(db *d, const char *id, model_unit *out);
int db_room_put(db *d, const model_room *r);
int db_room_get(db *d, const char *id, model_room *out);
/* Lists a unit's rooms by name; offset/max page through them; *n is set to
 * how many were written into out. */
int db_room_list(db *d, const char *unit_id, int offset, int max, model_room *out, int *n);
int db_person_put(db *d, const model_person *p);
int db_person_get(db *d, const char *id, model_person *out);
/* Active people of a unit, by name; a non-empty search keeps only names that
 * contain it (case-insensitive for ASCII and æøå). */
int db_person_list(db *d, const char *unit_id, const char *search, int offset, int max,
                   model_person *out, int *n);
/* Stores a template version. Versions are immutable: putting the same
 * (id, version) with different content is refused. */
int db_template_put(db *d, const model_template *t);
/* Parses, validates and stores a template document (JSON). */
int db_template_put_json(db *d, const char *json, size_t len);
/* version 0 means the newest. */
int db_template_get(db *d, const char *id, int version, model_template *out);
/* Stores a focus version (immutable, like templates). */
int db_focus_put(db *d, const model_focus *f);
int db_focus_get(db *d, const char *id, int version, model_focus *out);
/* Newest versions of the unit's focuses whose period contains the date
 * (YYYY-MM-DD; NULL or "" for all), by question. */
int db_focus_list(db *d, const char *unit_id, const char *date, int offset, int max,
                  model_focus *out, int *n);

/* ---- observations: each call is one transaction with its outbox entry ---- */

typedef struct {
    const char *unit_id, *focus_id, *observer_id, *observee_id, *room_id;
    int focus_version; /* 0: the newest; the template comes with the focus */
    const char *activity;
    const char *context_json; /* NULL or "{}" for none */
    int agreement;            /* must be 1: the observee agreed */
    /* NULL or "" alone; else the pair code shared with the colleague who
     * observes the same session (model_pair_code_check) */
    const char *pair_code;
    /* NULL or "" when not planned; else the plan it is started from, which
     * must be the observer's, still planned, on the same focus and, for a
     * plan about a person, the same observee (db_plan.h) */
    const char *plan_id;
    /* NULL or "" for an observation about a person (observee_id). For one
     * about a team, the team's name, with observee_id NULL or "": it is
     * started from the team's plan (plan_id), and names the team as the
     * plan does. */
    const char *team;
} db_obs_new;

/* Starts a draft observation; writes its id into id_out. */
int db_obs_start(db *d, const db_obs_new *o, model_id id_out);
int db_obs_get(db *d, const char *id, model_observation *out);
/* Changes activity and context of an observation (a draft, or a finished
 * one as a correction by its observer, which adds a revision). */
int db_obs_update(db *d, const char *id, const char *actor_id, const char *activity,
                  const char *context_json);
/* Rates a sign: level is an index into the template's scale, -1 clears. */
int db_obs_rate(db *d, const char *obs_id, const char *actor_id, const char *sign_id, int level);
/* Appends an event of the given kind (COUNT, STATE_START, STATE_STOP,
 * SAMPLE) for a key the template knows; writes the event id into id_out
 * (may be NULL). A state that is running cannot start again, nor one that is
 * not running stop. */
int db_obs_event(db *d, const char *obs_id, const char *actor_id, model_event_kind kind,
                 const char *key, model_id id_out);
/* Answers interval prompt number `index` (1 for the first, due one
 * interval after the start) with a sample option of the template: the
 * sample is stored at the prompt's due time, however late it is answered.
 * Refused for a prompt not yet due, for one already answered (an undo
 * takes an answer back), and for a template without interval sampling. */
int db_obs_sample(db *d, const char *obs_id, const char *actor_id, int index, const char *key,
                  model_id id_out);
/* Undoes the newest event that is not yet undone (one tap), by appending an
 * UNDO event. DB_NOTFOUND if there is nothing to undo. */
int db_obs_undo(db *d, const char *obs_id, const char *actor_id, model_id id_out);
/* Adds a timestamped note, optionally tied to one of the focus's signs;
 * its time is now. */
int db_obs_note(db *d, const char *obs_id, const char *actor_id, const char *text,
                const char *sign_id, model_id id_out);
/* The same with the time the note was begun (wall ms), which is the time
 * it is about: not before the observation started, not after now. */
int db_obs_note_at(db *d, const char *obs_id, const char *actor_id, const char *text,
                   const char *sign_id, int64_t at, model_id id_out);
/* Changes a note's text and its sign (NULL or "" for none); its time stays
 * the time it was begun. Observer only; in a finished observation it is a
 * correction and adds a revision. Changes of the note not yet sent are
 * replaced by this one, so that words taken back never leave the tablet. */
int db_obs_note_edit(db *d, const char *note_id, const char *actor_id, const char *text,
                     const char *sign_id);
/* Deletes a note: its words are erased here and, through sync, on the
 * server and every tablet (the note is sent on as an empty record, which
 * no list shows). Observer only, like an edit. */
int db_obs_note_delete(db *d, const char *note_id, const char *actor_id);
/* Finishes a draft: stops running states, sets ended_at. */
int db_obs_finish(db *d, const char *obs_id, const char *actor_id);
/* *left is 1 if any part of the observation has reached the server (it
 * acknowledged it, kept it as a conflict or refused it), may have reached
 * it (sent, answer not yet recorded) or came from it, and 0 while all of it
 * is only on this tablet. */
int db_obs_left_tablet(db *d, const char *obs_id, int *left);
/* Discards a draft that never left the tablet: the observation, everything
 * recorded in it, its drafts and its unsent changes are deleted in one
 * transaction, so neither the server nor the observee ever sees it.
 * Observer only. DB_DENIED, and nothing changed, for a finished observation
 * or one any part of which has reached the server: deleting it here would
 * not delete it there. */
int db_obs_discard(db *d, const char *obs_id, const char *actor_id);
/* Observer only. given: 1 marks the feedback as given (keeps the first time). */
int db_feedback_put(db *d, const char *obs_id, const char *actor_id, const char *works,
                    const char *wonderings, const char *next_step, int given);
int db_feedback_get(db *d, const char *obs_id, model_feedback *out);
/* Observee only. */
int db_reflection_put(db *d, const char *obs_id, const char *actor_id, const char *text,
                      const char *next_step);
int db_reflection_get(db *d, const char *obs_id, model_reflection *out);

/* ---- reading an observation back ---- */

/* Events in time order (oldest first), including UNDO events; page with
 * offset/max. */
int db_obs_events(db *d, const char *obs_id, int offset, int max, model_event *out, int *n);
int db_obs_notes(db *d, const char *obs_id, int offset, int max, model_note *out, int *n);
int db_obs_ratings(db *d, const char *obs_id, model_rating *out, int max, int *n);
/* Counter totals with undone taps taken out, in the template's order. */
int db_obs_counts(db *d, const char *obs_id, const model_template *t,
                  int counts[MODEL_MAX_COUNTERS]);
/* The key of the newest event that can be undone, or "" if none. */
int db_obs_last_undoable(db *d, const char *obs_id, model_event *out);
/* Replays all of an observation's events against template t into *out
 * (model_tally_add, the undone ones left out), so that what an undo takes
 * back is decided here, once. The first max events, oldest first and undo
 * events included, are copied to events with undone[i] = 1 for an event
 * that was taken back or is an undo itself; *n says how many. events and
 * undone may be NULL when max is 0. */
int db_obs_tally(db *d, const char *obs_id, const model_template *t, model_event *events,
                 unsigned char *undone, int max, int *n, model_tally *out);

typedef struct {
    const char *unit_id;   /* required */
    const char *viewer_id; /* required: only what this person may see */
    const char *focus_id;  /* optional filters: NULL or "" for any */
    const char *room_id;
    const char *observer_id;
    const char *observee_id;
    int status;       /* -1 any, else model_obs_status */
    int64_t from, to; /* started_at range, 0 for open */
} db_obs_filter;

/* A keyset cursor so that paging stays fast with 100,000 observations: pass
 * a zeroed cursor for the first page, then the one returned. */
typedef struct {
    int64_t started_at;
    model_id id;
} db_cursor;

/* Newest first. A viewer sees observations they observed or were observed
 * in, and a leader sees the whole unit's. */
int db_obs_list(db *d, const db_obs_filter *f, db_cursor *cursor, int max, model_observation *out,
                int *n);
int db_obs_count(db *d, const db_obs_filter *f, int64_t *n);

/* ---- the outbox, read and acknowledged by sync ---- */

typedef struct {
    int64_t seq;        /* order of the changes on this tablet */
    model_id change_id; /* the idempotency key, made once, never re-made */
    char entity[16];    /* observation, event, note, rating, feedback, reflection */
    model_id entity_id;
    model_id obs_id;   /* the observation it belongs to; "" for none */
    model_id actor_id; /* the person signed in who made the change */
    int64_t created_at;
    int base_version; /* the server version it was made on; 0 for a new record */
    char *payload;    /* JSON of the change; owned by the entry */
    /* For an event sent from its row, the event its payload was just
     * written from (has_event 1), so that the text need not be read back. */
    model_event event;
    int has_event;
} db_outbox_entry;

/* Changes not yet acknowledged by the server. */
int db_outbox_count(db *d, int64_t *n);
/* The oldest pending entries after seq `after`; each entry's payload is
 * malloc'd: release with db_outbox_entries_free(). */
int db_outbox_peek(db *d, int64_t after, int max, db_outbox_entry *out, int *n);
void db_outbox_entries_free(db_outbox_entry *e, int n);
/* What sync sends: the oldest pending entries after seq `after`, as
 * db_outbox_peek reads them, and in the same transaction the mark that they
 * are on their way. From then until the server's answer is recorded they
 * may already be at the server, so nothing may take them back on the
 * tablet alone (db_obs_discard asks db_obs_left_tablet, which reads the
 * mark). A push that never got an answer leaves the mark where it was:
 * its changes may have arrived. */
int db_outbox_claim(db *d, int64_t after, int max, db_outbox_entry *out, int *n);
/* Takes the mark of db_outbox_claim back to seq upto, for changes claimed
 * after it that were never sent (sync claims a batch while the one before
 * it travels, and drops it when that one fails): they are the tablet's
 * alone again. upto is where the mark stood before that claim, so that
 * changes an earlier round sent stay marked. The mark never moves forward
 * here. */
int db_outbox_unclaim(db *d, int64_t upto);
/* Where the mark of db_outbox_claim stands (0 before any claim). */
int db_outbox_claimed_upto(db *d, int64_t *upto);
/* Marks the change as acknowledged by the server (and so "synced"). */
int db_outbox_ack(db *d, const char *change_id);
/* 1 if the record (an observation or a note) has a change that the server
 * has not acknowledged. An event is not asked for by its id: it is waiting
 * while its observation is (schema step 12 keeps no index of event ids). */
int db_is_pending(db *d, const char *entity_id, int *pending);

/* ---- drafts: words typed but not yet saved as a change ---- */

/* The fields a screen keeps a draft of, per observation. The values are
 * stored: append new fields before DB_DRAFT_FIELDS, never renumber. A
 * draft lives in its own table, deleted with its observation, so a field
 * added here is erased with the rest without anyone listing it. */
typedef enum {
    DB_DRAFT_NOTE = 0,  /* the half-written note while observing */
    DB_DRAFT_SKIPPED,   /* the newest interval prompt skipped (its number, as text) */
    DB_DRAFT_FB_WORKS,  /* feedback: what works */
    DB_DRAFT_FB_WONDER, /* feedback: wonderings */
    DB_DRAFT_FB_NEXT,   /* feedback: the agreed next step */
    DB_DRAFT_RE_TEXT,   /* reflection */
    DB_DRAFT_RE_NEXT,   /* reflection: my next step */
    DB_DRAFT_NOTE_AT,   /* when the half-written note was begun (wall ms, as text) */
    DB_DRAFT_FIELDS     /* the number of fields */
} db_draft_field;

/* Keeps text (up to MODEL_TEXT_MAX bytes, "" allowed) as the draft of one
 * field of an observation that is on this tablet. */
int db_draft_put(db *d, const char *obs_id, db_draft_field field, const char *text);
/* Writes "" and returns DB_NOTFOUND if there is no such draft. */
int db_draft_get(db *d, const char *obs_id, db_draft_field field, char *out, size_t cap);
/* Forgets a draft; DB_OK whether or not there was one. */
int db_draft_clear(db *d, const char *obs_id, db_draft_field field);

/* ---- enrolment: this tablet's bond with its server ---- */

#define DB_ENROL_CA_MAX 65536 /* bytes of a CA certificate chain (PEM) */

/* What enrolment leaves on the tablet; the sync engine reads it, the app
 * only asks whether there is one and which unit it is. */
typedef struct {
    char server_url[512];   /* the server enrolled with */
    char device_id[64];     /* the device credentials the server gave */
    char device_secret[80]; /* 64 hex digits */
    model_id unit_id;       /* the unit the tablet was enrolled in */
    char pin[128];          /* the server key's pin ("" for none) */
} db_enrolment;

/* Stores an enrolment and its CA (PEM, NULL or "" for the system's) as one
 * change. Every field but pin must be set. */
int db_enrolment_put(db *d, const db_enrolment *e, const char *ca_pem);
/* DB_NOTFOUND (out zeroed) if the tablet is not enrolled. */
int db_enrolment_get(db *d, db_enrolment *out);
/* The CA given at enrolment into out (cap bytes); "" if none. */
int db_enrolment_ca(db *d, char *out, size_t cap);
/* 1 if the tablet is enrolled with a server, 0 if not (or unreadable). */
int db_enrolled(db *d);

/* The unit the tablet shows: the enrolled one, or the demo unit. Writes ""
 * and returns DB_NOTFOUND if none is set. */
int db_device_unit_get(db *d, model_id out);
int db_device_unit_put(db *d, const char *unit_id);
/* The server address a leader noted down for an enrolment still to come. */
int db_server_note_get(db *d, char *out, size_t cap);
int db_server_note_put(db *d, const char *url);

/* ---- the app's own settings ---- */

/* The interface language, "da" or "en"; DB_NOTFOUND ("" in out) if unset. */
int db_ui_lang_get(db *d, char out[3]);
int db_ui_lang_put(db *d, const char *lang);
/* Minutes without input before the tablet locks; 0 (DB_NOTFOUND) if the
 * app's default applies. */
int db_ui_lock_minutes_get(db *d, int *minutes);
int db_ui_lock_minutes_put(db *d, int minutes);

/* ---- small settings and UI state that must survive a restart ---- */

/* value may be up to 4000 bytes of UTF-8. */
int db_kv_put(db *d, const char *key, const char *value);
/* Writes "" and returns DB_NOTFOUND if the key is unset. */
int db_kv_get(db *d, const char *key, char *out, size_t cap);

#endif
