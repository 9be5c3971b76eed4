/* The progression of one learning focus, for the reflective dialogue at
 * the office: how counts per 10 minutes and the signs seen develop over
 * time (a chart), and a red/yellow/green overview per sign with the
 * template's thresholds. It is about the practice over time, never a score
 * of a person. The store sums the observations into periods when the
 * screen opens; each frame only draws those few numbers. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY_MS 86400000LL
/* At most this many periods on the time axis, so bars stay thumb-wide. */
#define MAX_PERIODS 24

static const plat_color palette[] = {0x1F6F78FFu, 0xE0A33BFFu, 0x7A5BA6FFu,
                                     0x3C8D4EFFu, 0xB3412EFFu, 0x2F6DB5FFu};
#define PALETTE(i) palette[(i) % (int)(sizeof palette / sizeof palette[0])]

#define RYG_RED 0xC4553FFFu
#define RYG_YELLOW 0xE8B730FFu
#define RYG_GREEN 0x3C8D4EFFu
#define NO_DATA 0xE6E1D8FFu

/* The lengths of a period on the time axis, finest first. */
static const int64_t widths[] = {DAY_MS,      7 * DAY_MS,   14 * DAY_MS, 30 * DAY_MS,
                                 91 * DAY_MS, 182 * DAY_MS, 365 * DAY_MS};
#define N_WIDTHS (int)(sizeof widths / sizeof widths[0])

void scr_progress_enter(scr_app *a)
{
    a->s.progress.have = 0;
    a->s.progress.n = 0;
    int fi = a->s.history.filter[PICK_FOCUS];
    if (fi < 0 || fi >= a->s.history.nfocuses)
        return;
    a->s.progress.focus = a->s.history.focuses[fi];
    int rc = db_template_get(a->db, a->s.progress.focus.template_id, 0, &a->s.progress.tmpl);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    scr_template_words(a, &a->s.progress.tmpl);
    db_obs_filter of;
    scr_history_filter(a, &of);
    db_hist_filter f = {.unit_id = of.unit_id,
                        .viewer_id = of.viewer_id,
                        .focus_id = a->s.progress.focus.id,
                        .room_id = of.room_id,
                        .observer_id = of.observer_id,
                        .from = of.from,
                        .to = of.to};
    int64_t first = 0, last = 0, n = 0;
    if ((rc = db_hist_range(a->db, &f, &first, &last, &n)) != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    /* The time axis: from the period's start (or the first observation)
     * to now (or the last one), in days, weeks, months or quarters, the
     * finest that fits MAX_PERIODS. */
    int64_t from = f.from > 0 ? f.from : first;
    int64_t to = f.from > 0 ? a->sys->now_ms(a->sys) : last + 1;
    if (to <= from)
        to = from + 1;
    from -= from % DAY_MS;
    /* Also coarse enough that a period holds, on average, the ratings a
     * colour needs: finer periods would be mostly "not enough data". */
    int64_t width = widths[0];
    for (int i = 0; i < N_WIDTHS; i++) {
        width = widths[i];
        int64_t periods = (to - from + width - 1) / width;
        if (periods <= MAX_PERIODS && periods * MODEL_SIGN_MIN_RATED <= n)
            break;
    }
    int periods = (int)((to - from + width - 1) / width);
    if (periods < 1)
        periods = 1;
    if (periods > MAX_PERIODS)
        periods = MAX_PERIODS;
    a->s.progress.width = width;
    rc = db_hist_focus(a->db, &f, &a->s.progress.focus, &a->s.progress.tmpl, from, width, periods,
                       a->s.progress.buckets, &a->s.progress.n, &a->s.progress.total);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    a->s.progress.have = 1;
    ui_list_scroll_to(a->ui, ui_ids("prog.list"), 0);
}

/* The fill of a sign's colour; no colour (not rated, too few ratings) is
 * the same quiet grey as an empty period. */
static plat_color sign_fill(model_sign_color c)
{
    return c == MODEL_SIGN_GREEN    ? RYG_GREEN
           : c == MODEL_SIGN_YELLOW ? RYG_YELLOW
           : c == MODEL_SIGN_RED    ? RYG_RED
                                    : NO_DATA;
}

/* The colour in a word, so that colour is never the only sign. */
static const char *sign_word(scr_app *a, model_sign_color c)
{
    switch (c) {
    case MODEL_SIGN_GREEN: return T("Green");
    case MODEL_SIGN_YELLOW: return T("Yellow");
    case MODEL_SIGN_RED: return T("Red");
    case MODEL_SIGN_TOO_FEW: return T("Too few");
    default: return T("Not rated");
    }
}

/* How a rating counts, in one line, with the template's own labels: on
 * the usual three-level scale "partly counts as half of clearly", on any
 * other each level with its weight. */
static const char *weights_line(scr_app *a, const model_template *t)
{
    ui_ctx *u = a->ui;
    if (t->n_scale == 3)
        return ui_fmt(u, T("“%s” counts as half of “%s”."), t->scale[1], t->scale[2]);
    const char *list = "";
    for (int l = 0; l < t->n_scale; l++)
        list = ui_fmt(u, l ? "%s, “%s” %d %%" : "%s“%s” %d %%", list, t->scale[l],
                      model_level_pct(l, t->n_scale));
    return ui_fmt(u, T("A rating counts as: %s."), list);
}

/* The rule behind every colour, where the colours are shown: the
 * thresholds, how a rating counts, and the least data for a colour, each
 * its own line. Returns the height; draws only if draw. */
static int rule_lines(scr_app *a, ui_rect col, int y, int draw)
{
    ui_ctx *u = a->ui;
    const model_template *t = &a->s.progress.tmpl;
    const char *lines[3] = {
        ui_fmt(u,
               T("Green: a sign's ratings average at least %d %%. Yellow: at least %d %%. "
                 "Red: less."),
               t->green_pct, t->yellow_pct),
        weights_line(a, t),
        ui_fmt(u,
               NT("A colour needs at least %d observation in which the sign was rated.",
                  "A colour needs at least %d observations in which the sign was rated.",
                  MODEL_SIGN_MIN_RATED),
               MODEL_SIGN_MIN_RATED),
    };
    int y0 = y;
    for (int i = 0; i < 3; i++)
        y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_MUTED, lines[i], draw);
    return y - y0;
}

/* A sign's ratings by level, highest first: "Clearly 5 · Partly 3 ·
 * Not seen 2", the numbers behind a share. */
static const char *level_counts(scr_app *a, const int at_level[MODEL_MAX_SCALE])
{
    ui_ctx *u = a->ui;
    const model_template *t = &a->s.progress.tmpl;
    const char *s = "";
    for (int l = t->n_scale - 1; l >= 0; l--)
        s = ui_fmt(u, l < t->n_scale - 1 ? "%s  \xC2\xB7  %s %d" : "%s%s %d", s, t->scale[l],
                   at_level[l]);
    return s;
}

/* How many periods of what length, in words with the count's plural form
 * ("1 period of a week", "9 periods of two weeks"). */
static const char *periods_text(scr_app *a, int64_t width, int n)
{
    const char *f;
    if (width >= 365 * DAY_MS)
        f = NT("%d period of a year", "%d periods of a year", n);
    else if (width >= 182 * DAY_MS)
        f = NT("%d period of half a year", "%d periods of half a year", n);
    else if (width >= 91 * DAY_MS)
        f = NT("%d period of a quarter", "%d periods of a quarter", n);
    else if (width >= 30 * DAY_MS)
        f = NT("%d period of a month", "%d periods of a month", n);
    else if (width >= 14 * DAY_MS)
        f = NT("%d period of two weeks", "%d periods of two weeks", n);
    else if (width >= 7 * DAY_MS)
        f = NT("%d period of a week", "%d periods of a week", n);
    else
        f = NT("%d period of a day", "%d periods of a day", n);
    return ui_fmt(a->ui, f, n);
}

/* A period's label on the time axis: its first day, or its month. */
static const char *period_label(scr_app *a, int64_t start)
{
    time_t t = (time_t)(start / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return "";
    if (a->s.progress.width >= 30 * DAY_MS)
        return ui_fmt(a->ui, "%02d.%02d", tm.tm_mon + 1, (tm.tm_year + 1900) % 100);
    return ui_fmt(a->ui, "%d.%d", tm.tm_mday, tm.tm_mon + 1);
}

/* A value axis maximum that reads well: 1, 2 or 5 times a power of ten. */
static double nice_max(double v)
{
    double step = 1;
    while (step * 10 < v)
        step *= 10;
    if (v <= step)
        return step;
    if (v <= 2 * step)
        return 2 * step;
    if (v <= 5 * step)
        return 5 * step;
    return 10 * step;
}

/* Counts per 10 minutes over the periods: a group of bars per period, one
 * bar per counter, on a shared axis; empty periods are marked, not zero. */
static int rate_chart(scr_app *a, ui_rect col, int y)
{
    ui_ctx *u = a->ui;
    const model_template *t = &a->s.progress.tmpl;
    int y0 = y;
    int legend_h = ui_dp(u, 32) * ((t->n_counters + 2) / 3);
    int ph = ui_dp(u, 220);
    int h = ui_dp(u, 12 + 32) + legend_h + ph + ui_dp(u, 44);
    ui_fill(u, ui_r(col.x, y, col.w, h), UI_SURFACE, ui_dp(u, 12));
    int x = col.x + ui_dp(u, 14), w = col.w - ui_dp(u, 28);
    y += ui_dp(u, 12);
    ui_label(u, ui_r(x, y, w, ui_dp(u, 28)), PLAT_FONT_BOLD, UI_TEXT,
             T("Counts per 10 minutes, per period"), UI_LEFT);
    y += ui_dp(u, 32);
    int lw = w / 3;
    for (int i = 0; i < t->n_counters; i++) {
        int lx = x + (i % 3) * lw, ly = y + (i / 3) * ui_dp(u, 32);
        int sq = ui_dp(u, 14);
        ui_fill(u, ui_r(lx, ly + ui_dp(u, 8), sq, sq), PALETTE(i), ui_dp(u, 3));
        /* Each counter with its rate over the whole range. */
        const char *label = t->counters[i].label;
        if (a->s.progress.total.has_rate) {
            double r = a->s.progress.total.per_10min[i];
            label = ui_fmt(u, "%s  \xC2\xB7  %s", label,
                           ui_fmt(u, T("%s per 10 min"), scr_decimal(a, "%.1f", r)));
        }
        ui_label(u, ui_r(lx + sq + ui_dp(u, 8), ly, lw - sq - ui_dp(u, 16), ui_dp(u, 30)),
                 PLAT_FONT_SMALL, UI_TEXT, label, UI_LEFT);
    }
    y += legend_h;
    double top = 0;
    for (int b = 0; b < a->s.progress.n; b++) {
        const db_hist_bucket *k = &a->s.progress.buckets[b];
        for (int i = 0; i < t->n_counters && k->has_rate; i++) {
            double r = k->per_10min[i];
            if (r > top)
                top = r;
        }
    }
    top = nice_max(top > 0 ? top : 1);
    int axis_w = ui_dp(u, 44);
    ui_rect plot = {x + axis_w, y + ui_dp(u, 8), w - axis_w, ph - ui_dp(u, 8)};
    /* Grid lines at round values: steps of 0.2, 0.5 or 1 times a power
     * of ten, as the top is 1, 2 or 5 times one. */
    double mant = top;
    while (mant >= 10)
        mant /= 10;
    int lines = mant > 1.5 && mant < 3 ? 4 : 5;
    for (int g = 0; g <= lines; g++) {
        int gy = plot.y + plot.h - plot.h * g / lines;
        ui_fill(u, ui_r(plot.x, gy, plot.w, ui_dp(u, 1)), UI_LINE, 0);
        ui_label(u, ui_r(x, gy - ui_dp(u, 10), axis_w - ui_dp(u, 8), ui_dp(u, 20)), PLAT_FONT_SMALL,
                 UI_MUTED, scr_decimal(a, "%g", top * g / lines), UI_RIGHT);
    }
    int n = a->s.progress.n > 0 ? a->s.progress.n : 1;
    int slot = plot.w / n;
    int nc = t->n_counters > 0 ? t->n_counters : 1;
    int bw = (slot - ui_dp(u, 6)) / nc;
    if (bw < 1)
        bw = 1;
    /* Labels every few periods so they never overlap. */
    int every = 1;
    while (slot * every < ui_dp(u, 56))
        every++;
    for (int b = 0; b < a->s.progress.n; b++) {
        const db_hist_bucket *k = &a->s.progress.buckets[b];
        int sx = plot.x + b * slot + ui_dp(u, 3);
        if (k->n_obs == 0 || !k->has_rate) {
            ui_fill(u, ui_r(sx, plot.y + plot.h - ui_dp(u, 3), slot - ui_dp(u, 6), ui_dp(u, 3)),
                    NO_DATA, 0);
            /* Observed, but too briefly for a rate: said, not drawn as 0. */
            if (k->n_obs > 0 && slot >= ui_dp(u, 56))
                ui_label(u,
                         ui_r(sx, plot.y + plot.h - ui_dp(u, 30), slot - ui_dp(u, 6), ui_dp(u, 24)),
                         PLAT_FONT_SMALL, UI_MUTED, T("too short"), UI_CENTER);
        } else {
            for (int i = 0; i < t->n_counters; i++) {
                double r = k->per_10min[i];
                int bh = (int)(r / top * plot.h + 0.5);
                if (bh < 1 && k->counts[i] > 0)
                    bh = 1;
                ui_fill(u, ui_r(sx + i * bw, plot.y + plot.h - bh, bw > 2 ? bw - 1 : bw, bh),
                        PALETTE(i), 0);
            }
        }
        if (b % every == 0)
            ui_text(u, PLAT_FONT_SMALL, plot.x + b * slot + ui_dp(u, 2),
                    plot.y + plot.h + ui_dp(u, 6), UI_MUTED, period_label(a, k->start));
    }
    y += ph + ui_dp(u, 44);
    return y - y0;
}

/* Each sign over the periods: a cell per period coloured by the mean of
 * the sign's ratings in it, against the template's thresholds, or grey
 * with how many ratings it has when that is fewer than a colour needs;
 * the last row says how many observations each period holds. */
static int signs_chart(scr_app *a, ui_rect col, int y)
{
    ui_ctx *u = a->ui;
    const model_template *t = &a->s.progress.tmpl;
    const model_focus *f = &a->s.progress.focus;
    int y0 = y, x = col.x + ui_dp(u, 14), w = col.w - ui_dp(u, 28);
    int rh = ui_dp(u, 40), label_w = w / 3;
    int rule_h = rule_lines(a, ui_r(x, 0, w, 0), 0, 0);
    int h = ui_dp(u, 12 + 32) + rule_h + ui_dp(u, 8) + (f->n_signs + 1) * rh + ui_dp(u, 16);
    ui_fill(u, ui_r(col.x, y, col.w, h), UI_SURFACE, ui_dp(u, 12));
    y += ui_dp(u, 12);
    ui_label(u, ui_r(x, y, w, ui_dp(u, 28)), PLAT_FONT_BOLD, UI_TEXT,
             T("Signs seen, per period: the mean of the ratings"), UI_LEFT);
    y += ui_dp(u, 32);
    y += rule_lines(a, ui_r(x, 0, w, 0), y, 1) + ui_dp(u, 8);
    int n = a->s.progress.n > 0 ? a->s.progress.n : 1;
    int slot = (w - label_w) / n;
    for (int s = 0; s <= f->n_signs; s++, y += rh) {
        int last = s == f->n_signs;
        ui_label(u, ui_r(x, y, label_w - ui_dp(u, 10), rh), last ? PLAT_FONT_BOLD : PLAT_FONT_SMALL,
                 last ? UI_MUTED : UI_TEXT, last ? T("Observations") : f->signs[s].text, UI_LEFT);
        for (int b = 0; b < a->s.progress.n; b++) {
            const db_hist_bucket *k = &a->s.progress.buckets[b];
            ui_rect c = {x + label_w + b * slot, y + ui_dp(u, 3), slot - ui_dp(u, 3),
                         rh - ui_dp(u, 6)};
            if (last) {
                if (k->n_obs > 0 && slot >= ui_dp(u, 18))
                    ui_label(u, c, PLAT_FONT_SMALL, UI_MUTED, ui_fmt(u, "%d", k->n_obs), UI_CENTER);
                continue;
            }
            int pct;
            model_sign_color sc = model_sign_color_of(t, k->at_level[s], &pct);
            ui_fill(u, c, sign_fill(sc), ui_dp(u, 4));
            if (slot < ui_dp(u, 40))
                continue;
            if (sc >= MODEL_SIGN_RED)
                ui_label(u, c, PLAT_FONT_SMALL, sc == MODEL_SIGN_YELLOW ? UI_TEXT : UI_ON_PRIMARY,
                         ui_fmt(u, "%d", pct), UI_CENTER);
            else if (sc == MODEL_SIGN_TOO_FEW)
                ui_label(u, c, PLAT_FONT_SMALL, UI_MUTED,
                         ui_fmt(u, "%d/%d", k->rated[s], MODEL_SIGN_MIN_RATED), UI_CENTER);
        }
    }
    return y - y0 + ui_dp(u, 16);
}

/* The overview: per sign, the mean of its ratings over all the chosen
 * observations, its colour and word (so colour is never the only sign),
 * the ratings per level behind it, and a bar with the two thresholds
 * marked. A sign rated too rarely gets no colour and says how far it is
 * from one; a sign never rated says so, never "0 %". */
static int overview(scr_app *a, ui_rect col, int y)
{
    ui_ctx *u = a->ui;
    const model_template *t = &a->s.progress.tmpl;
    const model_focus *f = &a->s.progress.focus;
    const db_hist_bucket *k = &a->s.progress.total;
    int y0 = y;
    y += rule_lines(a, col, y, 1) + ui_dp(u, 4);
    y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_MUTED,
                 T("About the practice over time, not about a person."), 1) +
         ui_dp(u, 12);
    for (int s = 0; s < f->n_signs; s++) {
        int pct;
        model_sign_color sc = model_sign_color_of(t, k->at_level[s], &pct);
        plat_color c = sign_fill(sc);
        int coloured = sc >= MODEL_SIGN_RED;
        int tile = ui_dp(u, 104);
        int tw = col.w - tile - ui_dp(u, 40);
        int th = ui_wrap(u, ui_r(0, 0, tw, 0), PLAT_FONT_BOLD, UI_TEXT, f->signs[s].text, 0);
        int h = th + ui_dp(u, 24 + 28 + 28 + 24);
        if (h < tile + ui_dp(u, 24))
            h = tile + ui_dp(u, 24);
        ui_rect r = {col.x, y, col.w, h};
        ui_fill(u, r, UI_SURFACE, ui_dp(u, 12));
        ui_rect tr = {r.x + ui_dp(u, 12), r.y + (h - tile) / 2, tile, tile};
        ui_fill(u, tr, c, ui_dp(u, 12));
        plat_color on = coloured && sc != MODEL_SIGN_YELLOW ? UI_ON_PRIMARY : UI_TEXT;
        const char *big = coloured ? ui_fmt(u, "%d%%", pct)
                          : sc == MODEL_SIGN_TOO_FEW
                              ? ui_fmt(u, "%d/%d", k->rated[s], MODEL_SIGN_MIN_RATED)
                              : "\xE2\x80\x93";
        ui_label(u, ui_r(tr.x, tr.y + ui_dp(u, 10), tr.w, ui_dp(u, 44)), PLAT_FONT_HUGE, on, big,
                 UI_CENTER);
        ui_label(
            u,
            ui_r(tr.x + ui_dp(u, 4), tr.y + tile - ui_dp(u, 34), tr.w - ui_dp(u, 8), ui_dp(u, 24)),
            coloured ? PLAT_FONT_BOLD : PLAT_FONT_SMALL, on, sign_word(a, sc), UI_CENTER);
        int tx = tr.x + tile + ui_dp(u, 16), ty = r.y + ui_dp(u, 12);
        ui_wrap(u, ui_r(tx, ty, tw, th), PLAT_FONT_BOLD, UI_TEXT, f->signs[s].text, 1);
        ty += th + ui_dp(u, 4);
        const char *how = sc == MODEL_SIGN_NOT_RATED
                              ? ui_fmt(u,
                                       NT("Not rated in %d observation",
                                          "Not rated in any of %d observations", k->n_obs),
                                       k->n_obs)
                          : sc == MODEL_SIGN_TOO_FEW
                              ? ui_fmt(u, T("Not enough data (%d of %d)"), k->rated[s],
                                       MODEL_SIGN_MIN_RATED)
                              : ui_fmt(u,
                                       NT("Rated in %d of %d observation",
                                          "Rated in %d of %d observations", k->n_obs),
                                       k->rated[s], k->n_obs);
        ui_label(u, ui_r(tx, ty, tw, ui_dp(u, 24)), PLAT_FONT_SMALL, UI_MUTED, how, UI_LEFT);
        ty += ui_dp(u, 28);
        if (sc != MODEL_SIGN_NOT_RATED)
            ui_label(u, ui_r(tx, ty, tw, ui_dp(u, 24)), PLAT_FONT_SMALL, UI_TEXT,
                     level_counts(a, k->at_level[s]), UI_LEFT);
        ty += ui_dp(u, 30);
        ui_rect bar = {tx, ty, tw, ui_dp(u, 14)};
        ui_fill(u, bar, NO_DATA, ui_dp(u, 7));
        if (coloured)
            ui_fill(u, ui_r(bar.x, bar.y, bar.w * pct / 100, bar.h), c, ui_dp(u, 7));
        int marks[2] = {t->yellow_pct, t->green_pct};
        for (int m = 0; m < 2; m++)
            ui_fill(u,
                    ui_r(bar.x + bar.w * marks[m] / 100 - ui_dp(u, 1), bar.y - ui_dp(u, 4),
                         ui_dp(u, 2), bar.h + ui_dp(u, 8)),
                    UI_TEXT, 0);
        y += h + ui_dp(u, 10);
    }
    return y - y0;
}

void scr_progress_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    ui_rect body = scr_topbar(a, screen, T("Progression"));
    if (a->screen != SCR_PROGRESS)
        return;
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 88));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 12));
    if (ui_button(u, ui_ids("prog.back"), bb, T("Back to history"), UI_STYLE_PLAIN) ||
        u->key == PLAT_KEY_ESCAPE || !a->s.progress.have) {
        scr_go(a, SCR_HISTORY);
        return;
    }
    body = ui_inset(body, ui_dp(u, 16));
    /* Two views of the same numbers: over time, and the overview. */
    ui_rect tabs = ui_cut_top(&body, ui_dp(u, 56));
    ui_cut_top(&body, ui_dp(u, 10));
    int tw = ui_dp(u, 220) < tabs.w / 2 ? ui_dp(u, 220) : tabs.w / 2;
    if (ui_chip(u, ui_ids("prog.tab0"), ui_r(tabs.x, tabs.y, tw - ui_dp(u, 6), tabs.h),
                T("Over time"), a->s.progress.tab == 0) &&
        a->s.progress.tab != 0) {
        a->s.progress.tab = 0;
        ui_list_scroll_to(u, ui_ids("prog.list"), 0);
    }
    if (ui_chip(u, ui_ids("prog.tab1"), ui_r(tabs.x + tw, tabs.y, tw - ui_dp(u, 6), tabs.h),
                T("Overview"), a->s.progress.tab == 1) &&
        a->s.progress.tab != 1) {
        a->s.progress.tab = 1;
        ui_list_scroll_to(u, ui_ids("prog.list"), 0);
    }
    ui_id lid = ui_ids("prog.list");
    int top = ui_list_begin(u, lid, body), y = top;
    ui_rect col = {body.x, 0, body.w - ui_dp(u, 12), 0};
    y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_TITLE, UI_PRIMARY,
                 a->s.progress.focus.question, 1);
    y += ui_dp(u, 4);
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 28)), PLAT_FONT_BODY, UI_MUTED,
             ui_fmt(u, "%s  \xC2\xB7  %s",
                    ui_fmt(u, NT("%d observation", "%d observations", a->s.progress.total.n_obs),
                           a->s.progress.total.n_obs),
                    periods_text(a, a->s.progress.width, a->s.progress.n)),
             UI_LEFT);
    y += ui_dp(u, 40);
    if (a->s.progress.total.n_obs == 0) {
        ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 40)), PLAT_FONT_BODY, UI_MUTED,
                 T("No finished observations of this focus match the filters."), UI_LEFT);
        y += ui_dp(u, 48);
    } else if (a->s.progress.tab == 0) {
        y += rate_chart(a, col, y) + ui_dp(u, 14);
        y += signs_chart(a, col, y) + ui_dp(u, 14);
    } else {
        y += overview(a, col, y);
    }
    ui_list_end(u, lid, y - top);
}
