#ifndef BLIK_MODEL_TALLY_H
#define BLIK_MODEL_TALLY_H
/*
 * What an observation's events add up to, and the rate the screens and the
 * history show: one definition for the store, the screens and the charts.
 */
#include <stdint.h>

#include "model.h"

/* The milliseconds a rate is given per: counts per 10 minutes. */
#define MODEL_RATE_PER_MS 600000

/* count per 10 minutes over duration_ms; 0 for a duration of 0 or less. */
double model_rate_per_10min(int64_t count, int64_t duration_ms);

/* The least time observed that a rate is given for: a handful of taps in
 * less than this would read as a high rate that means nothing. Any sum of
 * time, one observation's or a period's, is held to the same floor. */
#define MODEL_RATE_MIN_MS (5 * 60000)

/* Writes count per 10 minutes over duration_ms into *rate and returns 1 if
 * at least MODEL_RATE_MIN_MS was observed; otherwise returns 0 and leaves
 * *rate alone, and the screens show the count with "too short for a
 * rate". */
int model_rate(int64_t count, int64_t duration_ms, double *rate);

/*
 * How signs count in the red/yellow/green overview and in "signs seen":
 * each rating counts by its step on the template's scale, the lowest level
 * as 0 and the highest as 1, the levels between in equal steps (so on the
 * three-level scale "partly" counts as half of "clearly"). The share of a
 * sign is the mean of its ratings, over the observations in which it was
 * rated; an observation that left it unrated is not counted either way.
 * A colour needs at least MODEL_SIGN_MIN_RATED ratings.
 */
#define MODEL_SIGN_MIN_RATED 3

typedef enum {
    MODEL_SIGN_NOT_RATED = 0, /* rated in no observation: no share at all */
    MODEL_SIGN_TOO_FEW = 1,   /* rated, but fewer than MODEL_SIGN_MIN_RATED times */
    MODEL_SIGN_RED = 2,
    MODEL_SIGN_YELLOW = 3,
    MODEL_SIGN_GREEN = 4
} model_sign_color;

/* The weight of a level of an n_scale-level scale, in percent: 0 for the
 * lowest, 100 for the highest (a level past the top counts as the top). */
int model_level_pct(int level, int n_scale);

/* How many ratings at_level holds (at_level[i]: ratings at level i). */
int model_sign_rated(const int at_level[MODEL_MAX_SCALE]);

/* The share of a sign in whole percent, rounded, from its ratings per
 * level; -1 if it was never rated. */
int model_sign_pct(const int at_level[MODEL_MAX_SCALE], int n_scale);

/* The colour of a sign by the template's thresholds and the minimum
 * above; *pct, if not NULL, receives model_sign_pct. */
model_sign_color model_sign_color_of(const model_template *t, const int at_level[MODEL_MAX_SCALE],
                                     int *pct);

/* An observation's events replayed in the order they were recorded, the
 * undone ones left out: counter taps, interval samples, and per state of
 * the template whether it runs, since when, and its closed time. Counters
 * and states are in the order of the template replayed against (matched by
 * key). */
typedef struct {
    int counts[MODEL_MAX_COUNTERS];
    int samples;
    int sample_counts[MODEL_MAX_INTERVAL_OPTIONS]; /* samples per option of the template */
    int running[MODEL_MAX_STATES];                 /* 1 if the state is on */
    int64_t state_ms[MODEL_MAX_STATES];            /* closed time, without the open part */
    int64_t state_since[MODEL_MAX_STATES];         /* when a running state started */
} model_tally;

/* Adds one event that is not undone; start with a zeroed tally and add
 * the events oldest first. An undo event itself, a key the template does
 * not know, a start of a running state and a stop of a stopped one change
 * nothing. */
void model_tally_add(model_tally *t, const model_template *tmpl, const model_event *e);

/* The time state s has run up to now: its closed time and, if it runs,
 * the open part since it started. */
int64_t model_tally_state_ms(const model_tally *t, int s, int64_t now);

#endif
