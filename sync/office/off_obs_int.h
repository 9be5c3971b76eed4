#ifndef BLIK_OFF_OBS_INT_H
#define BLIK_OFF_OBS_INT_H
/*
 * The observations pages' inside, shared by their files: the list
 * (off_obs.c), one observation's page (off_obs_show.c) and its timeline
 * drawn as SVG (off_obs_timeline.c).
 *
 * Who may see what (domain.md): an observation's own page, and anything
 * that names its observee or quotes its texts, is for its observer, its
 * observee and a leader of its unit. Area leaders and administrators list
 * observations of their units without the observee's name and may not
 * open one.
 */
#include <stdint.h>

#include "off_int.h"

/* Whether the signed-in user may open the page of an observation of unit
 * with this observer and observee: a leader of the unit, or a peer (or
 * leader) who is its observer or observee. Never an area leader or an
 * administrator. 1 or 0. */
int off_obs_may_open(const off_ctx *c, const char *unit, const char *observer,
                     const char *observee);

/* The team an observation of fact_obs o is about, as an SQL expression: ""
 * for one about a person (it names an observee). fact_obs keeps no team, so
 * it is read from the observation's own record, for those rows only. */
#define OFF_OBS_TEAM                                                                               \
    " CASE WHEN o.observee_id = '' THEN coalesce((SELECT ti.data::jsonb->>'team' FROM items ti"    \
    " WHERE ti.entity = 'observation' AND ti.key = o.observation_id), '') ELSE '' END"

/* Whether the user sees the names of observed people in lists: leaders
 * and peers (who see only their own unit's, or their own), never area
 * leaders and administrators. */
int off_obs_names_shown(const off_ctx *c);

/* A moment (UTC ms) in the server's local time, as the reader writes
 * dates ("1.12.2026 kl. 17.40" or "2026-12-01 17:40"), into out. */
void off_obs_fmt_time(const off_ctx *c, int64_t ms, char *out, size_t cap);
/* A day (UTC ms) in local time: "1.12.2026" or "2026-12-01". */
void off_obs_fmt_day(const off_ctx *c, int64_t ms, char *out, size_t cap);
/* A length of time as the tablet shows it: "m:ss", or "h:mm:ss" from an
 * hour on. */
void off_obs_fmt_span(int64_t ms, char *out, size_t cap);
/* A number with one decimal in the reader's language ("2,5" in Danish). */
void off_obs_fmt_dec(const off_ctx *c, double v, char *out, size_t cap);

/* ---- the timeline (off_obs_timeline.c) ---- */

/* One lane of the timeline: a counter's taps, a state's spans, interval
 * samples, or notes. */
typedef enum { OFF_TL_COUNT = 0, OFF_TL_STATE, OFF_TL_SAMPLE, OFF_TL_NOTE } off_tl_kind;

/* One mark: a moment (from == to) or a span, in ms from the start. */
typedef struct {
    int64_t from, to;
    int open;         /* a state still running at the end */
    const char *what; /* a sample's answer (the template's word), else NULL; not owned */
} off_tl_mark;

typedef struct {
    off_tl_kind kind;
    const char *label; /* the template's word, or a translated text; not owned */
    int n;             /* marks in this lane (all of them, though at most cap are kept) */
    int cap;
    off_tl_mark *marks; /* owned by the timeline */
} off_tl_lane;

#define OFF_TL_LANES (MODEL_MAX_COUNTERS + MODEL_MAX_STATES + 2)

typedef struct {
    int64_t length_ms; /* the axis: from the start to the end (at least a minute) */
    int n_lanes;
    off_tl_lane lanes[OFF_TL_LANES];
} off_tl;

/*
 * Builds the timeline of an observation from its events (oldest first;
 * undone[i] marks the ones an undo took back, which are left out, as are
 * the undo events themselves), its notes (deleted ones, text "", left
 * out), the template it was made with (lanes in its order, labels its
 * words) and its start and end (end 0 for a draft: the axis then runs to
 * the last mark). 0, or -1 when memory ran out. notes_label and
 * samples_label are the lanes' translated names. Free with
 * off_tl_free.
 */
int off_tl_build(off_tl *tl, const model_template *t, const model_event *ev,
                 const unsigned char *undone, int n_ev, const model_note *notes, int n_notes,
                 int64_t started_at, int64_t ended_at, const char *samples_label,
                 const char *notes_label);
void off_tl_free(off_tl *tl);
/* Writes the timeline as an inline SVG with a <title> and a <desc>, then
 * the same marks as a table, into the page. */
void off_tl_write(off_ctx *c, const off_tl *tl);

#endif
