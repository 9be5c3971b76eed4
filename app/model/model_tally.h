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

/* An observation's events replayed in the order they were recorded, the
 * undone ones left out: counter taps, interval samples, and per state of
 * the template whether it runs, since when, and its closed time. Counters
 * and states are in the order of the template replayed against (matched by
 * key). */
typedef struct {
    int counts[MODEL_MAX_COUNTERS];
    int samples;
    int running[MODEL_MAX_STATES];         /* 1 if the state is on */
    int64_t state_ms[MODEL_MAX_STATES];    /* closed time, without the open part */
    int64_t state_since[MODEL_MAX_STATES]; /* when a running state started */
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
