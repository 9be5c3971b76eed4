#ifndef BLIK_OFF_PROGRESS_INT_H
#define BLIK_OFF_PROGRESS_INT_H
/*
 * A focus's figures per period (calendar month or school term), read from
 * the monthly rollups (roll_month*), shared by the progression page and the
 * team meeting view so both say the same about the same observations.
 */
#include "off_int.h"
#include "srv_ref.h"

#define OFF_PROG_UNITS_MAX 64

typedef struct {
    char label[48];
    char from[MODEL_DATE_LEN + 1], to[MODEL_DATE_LEN + 1]; /* inclusive */
    long long n_obs, n_feedback, n_reflection, duration_ms;
    long long counts[MODEL_MAX_COUNTERS]; /* by the template's counters */
    /* at[sign][n_scale][level]: ratings of the focus's sign at each level of
     * an n_scale-level scale (a template may have changed its scale). */
    int at[MODEL_MAX_SIGNS][MODEL_MAX_SCALE + 1][MODEL_MAX_SCALE];
} off_period;

typedef struct {
    srv_ref_focus focus;    /* the latest version: its signs and template */
    srv_ref_template *tmpl; /* the focus's template (latest), or NULL if gone */
    int by_term;
    int n_units;
    model_id units[OFF_PROG_UNITS_MAX];
    int n_periods;
    int older; /* periods before the first shown were left out */
    off_period p[OFF_CHART_POINTS_MAX];
    long long total_obs; /* in the periods shown */
} off_prog;

/*
 * Reads the focus named by the path's first '*' and checks that the user
 * reaches its unit with at least least: 1, or 0 with an answer made (404
 * for an id that names no focus, 403).
 */
int off_prog_focus(off_ctx *c, off_role least, srv_ref_focus *out);
/* Fills pr->p from the rollups of pr->focus in pr->units (which the caller
 * has checked), by month or term: 0, or -1 with an answer made. The
 * template is loaded too; off_prog_free releases it. */
int off_prog_load(off_ctx *c, off_prog *pr);
void off_prog_free(off_prog *pr);
/* The sign's figure in period i: its colour (model_sign_color), its share
 * in *pct (-1 when never rated) and its ratings in *rated. */
int off_prog_sign(const off_prog *pr, int i, int sign, int *pct, int *rated);
/* The address of the observations behind a figure (sign may be NULL), as
 * markup for an href. */
void off_prog_href(const off_prog *pr, int i, const char *sign, char *out, size_t cap);
/* The counter's label from the template. */
const char *off_prog_counter(const off_prog *pr, int k);

#endif
