/* Agreement between two observers of one session: percent agreement and
 * Cohen's kappa over the signs both rated, and their counts side by side
 * (off_calib.h says what each figure is). */
#include "off_calib.h"

#include <stdio.h>
#include <string.h>

int off_calib_tally_add(off_calib_tally *t, int level_a, int level_b)
{
    if (level_a < 0 || level_a >= MODEL_MAX_SCALE || level_b < 0 || level_b >= MODEL_MAX_SCALE)
        return 0;
    t->table[level_a][level_b]++;
    t->n++;
    return 1;
}

void off_calib_tally_merge(off_calib_tally *t, const off_calib_tally *u)
{
    for (int a = 0; a < MODEL_MAX_SCALE; a++)
        for (int b = 0; b < MODEL_MAX_SCALE; b++)
            t->table[a][b] += u->table[a][b];
    t->n += u->n;
}

/* The expected agreement is computed from whole numbers first (the sum of
 * row times column totals, at most n * n, exact for n below 3 * 10^9), so
 * that "pe is 1" is an exact comparison of integers and not a question of
 * rounding. */
off_calib_agreement off_calib_agree(const off_calib_tally *t)
{
    off_calib_agreement r = {.n = t->n, .state = OFF_KAPPA_EMPTY};
    if (t->n <= 0) {
        r.n = 0;
        return r;
    }
    int64_t row[MODEL_MAX_SCALE] = {0}, col[MODEL_MAX_SCALE] = {0};
    for (int a = 0; a < MODEL_MAX_SCALE; a++)
        for (int b = 0; b < MODEL_MAX_SCALE; b++) {
            row[a] += t->table[a][b];
            col[b] += t->table[a][b];
        }
    int64_t chance = 0; /* sum of row_k * col_k: pe * n * n */
    for (int k = 0; k < MODEL_MAX_SCALE; k++) {
        r.agree += t->table[k][k];
        chance += row[k] * col[k];
    }
    double n = (double)t->n;
    r.pct = 100.0 * (double)r.agree / n;
    if (chance >= t->n * t->n) {
        r.state = OFF_KAPPA_ONE_LEVEL;
        return r;
    }
    double po = (double)r.agree / n, pe = (double)chance / (n * n);
    r.kappa = (po - pe) / (1.0 - pe);
    r.state = OFF_KAPPA_OK;
    return r;
}

static int find(const off_calib_count *out, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(out[i].key, key))
            return i;
    return -1;
}

int off_calib_counts(const char *const *keys_a, const int64_t *n_of_a, int n_a,
                     const char *const *keys_b, const int64_t *n_of_b, int n_b,
                     off_calib_count *out, int max)
{
    int n = 0;
    for (int side = 0; side < 2; side++) {
        const char *const *keys = side ? keys_b : keys_a;
        const int64_t *counts = side ? n_of_b : n_of_a;
        int m = side ? n_b : n_a;
        for (int i = 0; i < m; i++) {
            int at = find(out, n, keys[i]);
            if (at < 0) {
                if (n >= max)
                    continue;
                at = n++;
                memset(&out[at], 0, sizeof out[at]);
                snprintf(out[at].key, sizeof out[at].key, "%s", keys[i]);
            }
            if (side)
                out[at].b += counts[i];
            else
                out[at].a += counts[i];
        }
    }
    for (int i = 0; i < n; i++)
        out[i].diff = out[i].a - out[i].b;
    return n;
}
