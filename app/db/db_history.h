#ifndef BLIK_DB_HISTORY_H
#define BLIK_DB_HISTORY_H
/*
 * What the screens need after the visit: the progression of one learning
 * focus over time (how often each sign was seen, counter totals and time
 * observed, per period), the revisions of corrected observations, the
 * retention of synced observations, and how much room the store takes.
 *
 * Everything here is read with the same rule as db_obs_list(): a viewer
 * sees what they observed or were observed in, a leader the whole unit's.
 */
#include <stdint.h>

#include "db.h"

/* ---- progression of one focus ---- */

#define DB_HIST_MAX_BUCKETS 64

typedef struct {
    const char *unit_id;     /* required */
    const char *viewer_id;   /* required: only what this person may see */
    const char *focus_id;    /* required */
    const char *room_id;     /* optional: NULL or "" for any */
    const char *observer_id; /* optional */
    int64_t from, to;        /* started_at range [from, to); 0 for open */
} db_hist_filter;

/* One period of the chart: finished observations that started in
 * [start, start + width). Signs are in the order of the focus passed in
 * (matched by sign id across focus versions), counters in the order of the
 * template passed in (matched by key across template versions). How often
 * each sign was rated at each level of the scale is kept as it is, so that
 * the screens weigh it by the one rule of model_sign_color_of(). */
typedef struct {
    int64_t start;
    int n_obs;
    int at_level[MODEL_MAX_SIGNS][MODEL_MAX_SCALE]; /* ratings of the sign at each level */
    int rated[MODEL_MAX_SIGNS];                     /* observations in which it was rated */
    int64_t counts[MODEL_MAX_COUNTERS];             /* taps, undone ones taken out */
    int64_t observed_ms;                            /* the observations' total duration */
    int has_rate; /* 1 if observed_ms reaches the model's floor for a rate */
    double per_10min[MODEL_MAX_COUNTERS]; /* counts per 10 minutes observed; 0 without has_rate */
} db_hist_bucket;

/* The first and last started_at of the finished observations matching f;
 * *n is how many there are (0: first and last are 0). */
int db_hist_range(db *d, const db_hist_filter *f, int64_t *first, int64_t *last, int64_t *n);

/*
 * Sums the finished observations matching f into periods of width_ms from
 * origin: bucket i holds those that started in [origin + i * width,
 * origin + (i + 1) * width). max is at most DB_HIST_MAX_BUCKETS; *n is set to
 * max, empty periods included, so the chart has a regular time axis.
 * Observations outside the max periods are left out. total, if not NULL,
 * receives the sum over all periods. Three grouped queries, however many
 * observations there are.
 */
int db_hist_focus(db *d, const db_hist_filter *f, const model_focus *focus, const model_template *t,
                  int64_t origin, int64_t width_ms, int max, db_hist_bucket *out, int *n,
                  db_hist_bucket *total);

/* ---- the reflection, read back by the observer ---- */

/* An observation's reflection as its observer knows it on this tablet. */
typedef enum {
    DB_RE_NONE = 0, /* no reflection (or only an empty one) */
    DB_RE_SEEN = 1, /* the observer has opened it as it now stands */
    DB_RE_NEW = 2   /* written or rewritten since the observer last opened it */
} db_re_state;

/* Whether the observation has a reflection and whether it is new to its
 * observer; *state is a db_re_state. */
int db_reflection_state(db *d, const char *obs_id, int *state);

/* Marks the reflection as opened, as it now stands, when person_id is the
 * observation's observer; for anyone else (the observee, a leader) and
 * with no reflection it changes nothing and returns DB_OK. Kept on this
 * tablet only, never a change for sync. */
int db_reflection_mark_seen(db *d, const char *obs_id, const char *person_id);

/* The finished observations of the unit observed by observer_id whose
 * reflection is new to them, the newest reflection first: at most max ids
 * into out, *n how many. */
int db_reflections_new(db *d, const char *unit_id, const char *observer_id, int max, model_id *out,
                       int *n);

/* ---- revisions of corrected observations ---- */

#define DB_REV_WHAT_MAX 16
#define DB_REV_VALUE_MAX 2048

/* One change made by a correction of a finished observation. what is
 * "activity", "context" or "rating" (sign_id says which sign; before and
 * after are the levels as text, "-1" for not rated). */
typedef struct {
    model_id observation_id;
    int revision; /* the observation's revision after the change */
    model_id actor_id;
    int64_t at;
    char what[DB_REV_WHAT_MAX];
    model_id sign_id;
    char before[DB_REV_VALUE_MAX];
    char after[DB_REV_VALUE_MAX];
} db_revision;

/* The corrections of an observation, newest first; page with offset/max. */
int db_obs_revisions(db *d, const char *obs_id, int offset, int max, db_revision *out, int *n);

/* ---- retention ---- */

/*
 * Deletes the unit's observations that ended (or, for a draft, started)
 * more than the unit's retention_days before now, with all their parts,
 * but only those the server has: an observation with any change still in
 * the outbox, a conflict or a refused change is never deleted. At most max
 * observations are deleted, in transactions of a few hundred, oldest first;
 * *deleted says how many.
 */
int db_retention_run(db *d, const char *unit_id, int64_t now_ms, int max, int *deleted);

/* ---- storage ---- */

typedef struct {
    int64_t bytes;        /* the pages of the database file */
    int64_t observations; /* observations on this tablet */
} db_storage;

int db_storage_used(db *d, db_storage *out);

#endif
