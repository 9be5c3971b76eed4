#ifndef BLIK_OFF_CALIB_H
#define BLIK_OFF_CALIB_H
/*
 * Calibration: how well two observers who observed the same session agree.
 *
 * Each sign both observers rated is one pair of ratings, a level on the
 * template's scale from each. Over a set of such pairs (one pair of
 * observations, or every pair of a month pooled) this reports the share
 * rated at the same level (percent agreement) and Cohen's kappa, the
 * agreement beyond what chance alone would give when each observer used
 * the levels as often as they did:
 *
 *     po = agreeing pairs / pairs
 *     pe = sum over levels k of (A's ratings at k / pairs) * (B's at k / pairs)
 *     kappa = (po - pe) / (1 - pe)
 *
 * When pe is 1 (both observers put every rating at one and the same level)
 * kappa is 0/0 and is reported as not defined, never as 0 or 1: percent
 * agreement (then 100) is the figure to read. Pure functions, no database.
 */
#include <stdint.h>

#include "model.h"

/* The ratings of a set of sign pairs: table[a][b] counts the signs A rated
 * at level a and B at level b. Zero it to begin. */
typedef struct {
    int64_t table[MODEL_MAX_SCALE][MODEL_MAX_SCALE];
    int64_t n; /* pairs of ratings counted */
} off_calib_tally;

typedef enum {
    OFF_KAPPA_OK = 0,       /* kappa holds a value */
    OFF_KAPPA_EMPTY = 1,    /* no sign was rated by both: nothing to say */
    OFF_KAPPA_ONE_LEVEL = 2 /* every rating at one and the same level: pe = 1 */
} off_kappa_state;

typedef struct {
    int64_t n;     /* pairs of ratings the figures rest on */
    int64_t agree; /* of them, rated at the same level */
    double pct;    /* 100 * agree / n; 0 when n is 0 */
    double kappa;  /* Cohen's kappa when state is OFF_KAPPA_OK, else 0 */
    off_kappa_state state;
} off_calib_agreement;

/* Counts one sign rated by both: levels 0..MODEL_MAX_SCALE-1. A level out
 * of that range (-1, not rated, included) is not counted; returns 1 when
 * counted, 0 when not. */
int off_calib_tally_add(off_calib_tally *t, int level_a, int level_b);
/* Adds every pair of u into t (pooling pairs of observations). */
void off_calib_tally_merge(off_calib_tally *t, const off_calib_tally *u);
/* Percent agreement and kappa of t, as the comment above defines them. */
off_calib_agreement off_calib_agree(const off_calib_tally *t);

/* One counter of a pair: what A and B counted, and A - B. */
typedef struct {
    char key[MODEL_KEY_MAX + 1];
    int64_t a, b, diff;
} off_calib_count;

/* The counters of two observations side by side: keys_a/n_a with counts
 * n_of_a, keys_b likewise. Every key of either is in out once, in the
 * order A's keys come and then B's that A lacks, a missing count being 0.
 * Writes at most max entries; returns how many. */
int off_calib_counts(const char *const *keys_a, const int64_t *n_of_a, int n_a,
                     const char *const *keys_b, const int64_t *n_of_b, int n_b,
                     off_calib_count *out, int max);

#endif
