/*
 * An observation's timeline as a picture drawn on the server: one lane per
 * counter of its template (a tick per tap), per state (a bar while it ran),
 * for interval samples (a dot each) and for notes (a diamond each), on a
 * shared axis of minutes from the start, as the tablet's summary draws it.
 *
 * The picture is inline SVG, so it is sharp on paper and needs no script;
 * it carries a <title> and a <desc> in words, and the same marks follow as
 * a table, so a screen reader and a reader who prints it read the same.
 * Lanes differ by shape and label as well as colour.
 */
#include "off_obs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most times a lane lists in the table; the rest are counted. */
#define TIMES_LISTED 60

/* The picture's geometry, in the viewBox's units. */
#define VW 960
#define LABEL_X 8
#define PLOT_X0 230
#define PLOT_X1 940
#define TOP 8
#define LANE_H 32
#define AXIS_H 44

static int lane_push(off_tl_lane *l, int64_t from, int64_t to, int open, const char *what)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        off_tl_mark *m = realloc(l->marks, (size_t)cap * sizeof *m);
        if (!m)
            return -1;
        l->marks = m;
        l->cap = cap;
    }
    l->marks[l->n++] = (off_tl_mark){from, to, open, what};
    return 0;
}

static int item_index(const model_item *items, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(items[i].key, key))
            return i;
    return -1;
}

/* The replay follows model_tally_add's rules, so the bars add up to the
 * times the page and the tablet give: a start of a running state and a
 * stop of a stopped one change nothing, and a state still running at the
 * end runs to the end. */
int off_tl_build(off_tl *tl, const model_template *t, const model_event *ev,
                 const unsigned char *undone, int n_ev, const model_note *notes, int n_notes,
                 int64_t started_at, int64_t ended_at, const char *samples_label,
                 const char *notes_label)
{
    memset(tl, 0, sizeof *tl);
    int nc = t->n_counters, ns = t->n_states;
    for (int i = 0; i < nc; i++)
        tl->lanes[tl->n_lanes++] = (off_tl_lane){OFF_TL_COUNT, t->counters[i].label, 0, 0, NULL};
    for (int i = 0; i < ns; i++)
        tl->lanes[tl->n_lanes++] = (off_tl_lane){OFF_TL_STATE, t->states[i].label, 0, 0, NULL};
    int has_samples = t->interval_minutes > 0;
    for (int i = 0; i < n_ev && !has_samples; i++)
        has_samples = ev[i].kind == MODEL_EV_SAMPLE && !undone[i];
    int sample_lane = -1;
    if (has_samples) {
        sample_lane = tl->n_lanes;
        tl->lanes[tl->n_lanes++] = (off_tl_lane){OFF_TL_SAMPLE, samples_label, 0, 0, NULL};
    }
    int note_lane = tl->n_lanes;
    tl->lanes[tl->n_lanes++] = (off_tl_lane){OFF_TL_NOTE, notes_label, 0, 0, NULL};

    /* The end of the axis: the observation's end, or for a draft the last
     * thing recorded. */
    int64_t last = 0;
    for (int i = 0; i < n_ev; i++)
        if (ev[i].at - started_at > last)
            last = ev[i].at - started_at;
    for (int i = 0; i < n_notes; i++)
        if (notes[i].at - started_at > last)
            last = notes[i].at - started_at;
    int64_t end = ended_at > started_at ? ended_at - started_at : last;

    int64_t since[MODEL_MAX_STATES];
    int running[MODEL_MAX_STATES] = {0};
    for (int i = 0; i < n_ev; i++) {
        const model_event *e = &ev[i];
        if (undone[i])
            continue;
        int64_t at = e->at - started_at;
        int k;
        switch (e->kind) {
        case MODEL_EV_COUNT:
            if ((k = item_index(t->counters, nc, e->key)) >= 0 &&
                lane_push(&tl->lanes[k], at, at, 0, NULL) != 0)
                goto oom;
            break;
        case MODEL_EV_SAMPLE: {
            int o = item_index(t->interval_options, t->n_interval_options, e->key);
            if (sample_lane >= 0 && lane_push(&tl->lanes[sample_lane], at, at, 0,
                                              o >= 0 ? t->interval_options[o].label : e->key) != 0)
                goto oom;
            break;
        }
        case MODEL_EV_STATE_START:
            if ((k = item_index(t->states, ns, e->key)) >= 0 && !running[k]) {
                running[k] = 1;
                since[k] = at;
            }
            break;
        case MODEL_EV_STATE_STOP:
            if ((k = item_index(t->states, ns, e->key)) >= 0 && running[k]) {
                running[k] = 0;
                if (lane_push(&tl->lanes[nc + k], since[k], at, 0, NULL) != 0)
                    goto oom;
            }
            break;
        default: break;
        }
    }
    for (int k = 0; k < ns; k++)
        if (running[k] &&
            lane_push(&tl->lanes[nc + k], since[k], end > since[k] ? end : since[k], 1, NULL) != 0)
            goto oom;
    for (int i = 0; i < n_notes; i++)
        if (notes[i].text[0] && lane_push(&tl->lanes[note_lane], notes[i].at - started_at,
                                          notes[i].at - started_at, 0, NULL) != 0)
            goto oom;
    tl->length_ms = end > 60000 ? end : 60000;
    return 0;
oom:
    off_tl_free(tl);
    return -1;
}

void off_tl_free(off_tl *tl)
{
    if (!tl)
        return;
    for (int i = 0; i < tl->n_lanes; i++)
        free(tl->lanes[i].marks);
    memset(tl, 0, sizeof *tl);
}

/* The x of a moment on the axis (clamped to it: a tablet's clock may put a
 * tap a moment before the start). */
static double x_at(const off_tl *tl, int64_t ms)
{
    if (ms < 0)
        ms = 0;
    if (ms > tl->length_ms)
        ms = tl->length_ms;
    return PLOT_X0 + (double)ms * (PLOT_X1 - PLOT_X0) / (double)tl->length_ms;
}

/* A label cut to fit the label column: at most 26 characters, cut at a
 * character's start, with an ellipsis (the full word is in the table). */
static void put_label(off_buf *b, const char *s)
{
    size_t i = 0;
    int chars = 0;
    while (s[i] && chars < 26) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    char cut[MODEL_LABEL_MAX * 2 + 8];
    if (i >= sizeof cut - 4)
        i = sizeof cut - 4;
    memcpy(cut, s, i);
    cut[i] = 0;
    if (s[i])
        strcat(cut, "…");
    off_buf_esc(b, cut);
}

/* The axis's step in minutes: the first of a few round steps that gives
 * at most ten marks. */
static int64_t tick_step(int64_t length_ms)
{
    static const int steps[] = {1, 2, 5, 10, 15, 30, 60, 120};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (length_ms / (steps[i] * 60000LL) <= 10)
            return steps[i] * 60000LL;
    return 240 * 60000LL;
}

static const char *kind_word(const off_ctx *c, off_tl_kind k)
{
    switch (k) {
    case OFF_TL_COUNT: return off_tr(c, "Counter");
    case OFF_TL_STATE: return off_tr(c, "State timer");
    case OFF_TL_SAMPLE: return off_tr(c, "Interval sample");
    default: return off_tr(c, "Note");
    }
}

/* How many marks a lane has, in words ("5 taps", "2 periods"). */
static void lane_count(const off_ctx *c, const off_tl_lane *l, char *out, size_t cap)
{
    const char *fmt;
    switch (l->kind) {
    case OFF_TL_COUNT: fmt = off_ntr(c, "%d tap", "%d taps", l->n); break;
    case OFF_TL_STATE: fmt = off_ntr(c, "%d period", "%d periods", l->n); break;
    case OFF_TL_SAMPLE: fmt = off_ntr(c, "%d sample", "%d samples", l->n); break;
    default: fmt = off_ntr(c, "%d note", "%d notes", l->n); break;
    }
    snprintf(out, cap, fmt, l->n);
}

static void write_svg(off_ctx *c, const off_tl *tl)
{
    off_buf *b = &c->body;
    int h = TOP + tl->n_lanes * LANE_H + AXIS_H;
    char len[32];
    off_obs_fmt_span(tl->length_ms, len, sizeof len);
    off_buf_printf(b,
                   "<svg class=\"obs-tl\" viewBox=\"0 0 %d %d\" role=\"img\" "
                   "aria-labelledby=\"tl-title tl-desc\" focusable=\"false\">"
                   "<title id=\"tl-title\">",
                   VW, h);
    off_buf_esc(b, off_tr(c, "Timeline of the observation"));
    off_buf_put(b, "</title><desc id=\"tl-desc\">");
    char s[300];
    snprintf(s, sizeof s, off_tr(c, "Minutes from the start (0:00) to %s, one lane each:"), len);
    off_buf_esc(b, s);
    for (int i = 0; i < tl->n_lanes; i++) {
        char n[80];
        lane_count(c, &tl->lanes[i], n, sizeof n);
        off_buf_put(b, i ? "; " : " ");
        off_buf_esc(b, tl->lanes[i].label);
        off_buf_put(b, ": ");
        off_buf_esc(b, n);
    }
    off_buf_put(b, ". ");
    off_buf_esc(b, off_tr(c, "The table after the picture holds the same marks."));
    off_buf_put(b, "</desc>");
    /* The minute marks. */
    int64_t step = tick_step(tl->length_ms);
    int y0 = TOP, y1 = TOP + tl->n_lanes * LANE_H;
    for (int64_t m = 0; m <= tl->length_ms; m += step) {
        double x = x_at(tl, m);
        off_buf_printf(
            b,
            "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
            "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%lld</text>",
            x, y0, x, y1 + 4, x, y1 + 20, (long long)(m / 60000));
    }
    off_buf_printf(b, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", PLOT_X1,
                   y1 + 38);
    off_buf_esc(b, off_tr(c, "minutes from the start"));
    off_buf_put(b, "</text>");
    for (int i = 0; i < tl->n_lanes; i++) {
        const off_tl_lane *l = &tl->lanes[i];
        int y = TOP + i * LANE_H, mid = y + LANE_H / 2;
        off_buf_printf(b,
                       "<g class=\"lane k%d\"><text class=\"label\" x=\"%d\" y=\"%d\" "
                       "dominant-baseline=\"middle\">",
                       (int)l->kind, LABEL_X, mid);
        put_label(b, l->label);
        off_buf_printf(b, "</text><line class=\"base\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                       PLOT_X0, mid, PLOT_X1, mid);
        for (int k = 0; k < l->n; k++) {
            const off_tl_mark *m = &l->marks[k];
            double x = x_at(tl, m->from);
            switch (l->kind) {
            case OFF_TL_COUNT:
                off_buf_printf(
                    b, "<rect class=\"tap\" x=\"%.1f\" y=\"%d\" width=\"3\" height=\"%d\"/>",
                    x - 1.5, y + 6, LANE_H - 12);
                break;
            case OFF_TL_STATE: {
                double w = x_at(tl, m->to) - x;
                off_buf_printf(b,
                               "<rect class=\"span%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                               "height=\"%d\" rx=\"3\"/>",
                               m->open ? " open" : "", x, y + 7, w < 2 ? 2 : w, LANE_H - 14);
                break;
            }
            case OFF_TL_SAMPLE:
                off_buf_printf(b, "<circle class=\"sample\" cx=\"%.1f\" cy=\"%d\" r=\"6\"/>", x,
                               mid);
                break;
            default:
                off_buf_printf(b, "<path class=\"note\" d=\"M%.1f %d l7 7 l-7 7 l-7 -7 z\"/>", x,
                               mid - 7);
                break;
            }
        }
        off_buf_put(b, "</g>");
    }
    off_buf_put(b, "</svg>");
}

/* The marks of a lane in words: "0:45, 2:10" or "1:00–3:20". */
static void write_times(off_ctx *c, const off_tl_lane *l)
{
    off_buf *b = &c->body;
    if (l->n == 0) {
        off_buf_put(b, "–");
        return;
    }
    int shown = l->n < TIMES_LISTED ? l->n : TIMES_LISTED;
    for (int k = 0; k < shown; k++) {
        const off_tl_mark *m = &l->marks[k];
        char a[32], z[32];
        off_obs_fmt_span(m->from, a, sizeof a);
        if (k)
            off_buf_put(b, ", ");
        off_buf_esc(b, a);
        if (l->kind == OFF_TL_STATE) {
            off_obs_fmt_span(m->to, z, sizeof z);
            off_buf_put(b, "–");
            off_buf_esc(b, z);
            if (m->open) {
                off_buf_put(b, " (");
                off_buf_esc(b, off_tr(c, "still running at the end"));
                off_buf_put(b, ")");
            }
        } else if (m->what) {
            off_buf_put(b, " (");
            off_buf_esc(b, m->what);
            off_buf_put(b, ")");
        }
    }
    if (l->n > shown) {
        char more[80];
        snprintf(more, sizeof more, off_ntr(c, "and %d more", "and %d more", l->n - shown),
                 l->n - shown);
        off_buf_put(b, " ");
        off_buf_esc(b, more);
    }
}

void off_tl_write(off_ctx *c, const off_tl *tl)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<figure class=\"obs-tl\">");
    write_svg(c, tl);
    off_buf_put(b, "<figcaption>");
    off_buf_esc(b, off_tr(c, "Ticks are taps on a counter, bars the time a state ran, dots "
                             "interval samples and diamonds notes. Undone taps are left out."));
    off_buf_put(b, "</figcaption></figure><table class=\"wide obs-tl-table\"><caption>");
    off_buf_esc(b, off_tr(c, "The timeline as a table (minutes:seconds from the start)"));
    off_buf_put(b, "</caption><thead><tr>");
    static const char *const heads[] = {"Lane", "Kind", "Marks", "When"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        off_buf_put(b, "<th scope=\"col\">");
        off_buf_esc(b, off_tr(c, heads[i]));
        off_buf_put(b, "</th>");
    }
    off_buf_put(b, "</tr></thead><tbody>");
    for (int i = 0; i < tl->n_lanes; i++) {
        const off_tl_lane *l = &tl->lanes[i];
        char n[80];
        lane_count(c, l, n, sizeof n);
        off_buf_put(b, "<tr><th scope=\"row\">");
        off_buf_esc(b, l->label);
        off_buf_put(b, "</th><td data-label=\"");
        off_buf_esc(b, off_tr(c, heads[1]));
        off_buf_put(b, "\">");
        off_buf_esc(b, kind_word(c, l->kind));
        off_buf_put(b, "</td><td data-label=\"");
        off_buf_esc(b, off_tr(c, heads[2]));
        off_buf_put(b, "\">");
        off_buf_esc(b, n);
        off_buf_put(b, "</td><td data-label=\"");
        off_buf_esc(b, off_tr(c, heads[3]));
        off_buf_put(b, "\">");
        write_times(c, l);
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table>");
}
