/*
 * The office's one chart writer. Charts are inline SVG drawn here on the
 * server (nothing is fetched, nothing runs in the browser), so they print
 * sharp on paper and read the same with JavaScript off. Every chart carries
 * a <title> and a <desc> for a screen reader and, beside it, a table of the
 * same numbers, each saying what it rests on and leading to what is behind
 * it. Red, yellow and green are never told by colour alone: each has a
 * mark of its own shape and a word, in the chart and in the table.
 */
#include "off_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_tally.h"

/* The drawing's own units; the SVG scales to the width it is given. */
#define W 720
#define H 280
#define LEFT 56
#define RIGHT 16
#define TOP 30
#define BOTTOM 44

/* Series colours, each dark enough against white for a thin line; the
 * series are told apart by shape and dash too. */
static const char *const palette[OFF_CHART_SERIES_MAX] = {
    "#1d4e89", "#b35c00", "#5b2a86", "#2e7d32", "#8a6d00", "#9b1c12",
    "#00695c", "#4a5360", "#ad1457", "#283593", "#6d4c41", "#37474f",
};
static const char *const dashes[4] = {"", "6 3", "2 3", "8 3 2 3"};

void off_decimal(const off_ctx *c, double v, char *out, size_t cap)
{
    snprintf(out, cap, "%.1f", v);
    if (strcmp(c->lang, "en") != 0) {
        char *dot = strchr(out, '.');
        if (dot)
            *dot = ',';
    }
}

/* The mark, the word and the class of each colour: a filled circle for
 * green, a diamond for yellow, a triangle for red (a warning's shape), and
 * for too few ratings an open circle. */
static void rag_parts(int color, const char **mark, const char **word, const char **cls)
{
    switch (color) {
    case MODEL_SIGN_GREEN: *mark = "\u25CF", *word = "Green", *cls = "green"; break;
    case MODEL_SIGN_YELLOW: *mark = "\u25C6", *word = "Yellow", *cls = "yellow"; break;
    case MODEL_SIGN_RED: *mark = "\u25B2", *word = "Red", *cls = "red"; break;
    case MODEL_SIGN_TOO_FEW: *mark = "\u25CB", *word = "Too few", *cls = "few"; break;
    default: *mark = "\u2013", *word = "Not rated", *cls = "none"; break;
    }
}

void off_rag_write(off_ctx *c, int color)
{
    const char *mark, *word, *cls;
    rag_parts(color, &mark, &word, &cls);
    off_buf_printf(&c->body,
                   "<span class=\"rag rag-%s\"><span class=\"rag-mark\" aria-hidden=\"true\">%s"
                   "</span> ",
                   cls, mark);
    off_buf_esc(&c->body, off_tr(c, word));
    off_buf_put(&c->body, "</span>");
}

/* A round top for the axis: four steps of 1, 2, 2.5 or 5 times a power of
 * ten, so that every step on the axis is a round number too; for counts a
 * whole number (1, 2 or 5 times a power of ten, at least 1). */
static double nice_max(double v, int whole)
{
    if (!(v > 0))
        return 4;
    double quarter = v / 4, p = pow(10, floor(log10(quarter)));
    if (whole && p < 1)
        p = 1;
    static const double steps[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (whole && steps[i] == 2.5)
            continue;
        if (steps[i] * p >= quarter - 1e-9)
            return 4 * steps[i] * p;
    }
    return 40 * p;
}

/* A number on the axis: whole when it is, else with one decimal. */
static void axis_num(const off_ctx *c, double v, char *out, size_t cap)
{
    if (fabs(v - round(v)) < 1e-9)
        snprintf(out, cap, "%.0f", v);
    else
        off_decimal(c, v, out, cap);
}

/* A series' point mark: circle, square, triangle or diamond. */
static void point(off_buf *b, int shape, double x, double y, const char *colour)
{
    switch (shape % 4) {
    case 0:
        off_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", x, y, colour);
        break;
    case 1:
        off_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/>",
                       x - 4, y - 4, colour);
        break;
    case 2:
        off_buf_printf(b, "<path d=\"M%.1f %.1fl5 9h-10z\" fill=\"%s\"/>", x, y - 5, colour);
        break;
    default:
        off_buf_printf(b, "<path d=\"M%.1f %.1fl5 5-5 5-5-5z\" fill=\"%s\"/>", x, y - 5, colour);
        break;
    }
}

static void draw(off_ctx *c, const off_chart *ch, double top)
{
    off_buf *b = &c->body;
    const double pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
    int n = ch->n_cats > 0 ? ch->n_cats : 1;
    double group = pw / n;
    /* The axis: four steps with their numbers, and the unit. */
    for (int k = 0; k <= 4; k++) {
        double v = top * k / 4, y = TOP + ph - ph * k / 4;
        char s[32];
        axis_num(c, v, s, sizeof s);
        off_buf_printf(b,
                       "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                       "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                       LEFT, W - RIGHT, y, y, LEFT - 6, y + 4, s);
    }
    if (ch->y_label) {
        off_buf_printf(b, "<text x=\"4\" y=\"%d\" class=\"tick\">", TOP - 14);
        off_buf_esc(b, ch->y_label);
        off_buf_put(b, "</text>");
    }
    /* The categories under the axis, thinned to at most six so that their
     * words never run into each other (the table names every one). */
    int every = (n + 5) / 6;
    for (int i = 0; i < ch->n_cats; i += every) {
        off_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">",
                       LEFT + group * (i + 0.5), H - BOTTOM + 18);
        off_buf_esc(b, ch->cats[i]);
        off_buf_put(b, "</text>");
    }
    /* The thresholds, dashed, with their words at the right. */
    for (int m = 0; m < ch->n_marks && m < 2; m++) {
        if (ch->marks[m] < 0 || ch->marks[m] > top)
            continue;
        double y = TOP + ph - ph * ch->marks[m] / top;
        off_buf_printf(b,
                       "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"threshold\"/>"
                       "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">",
                       LEFT, W - RIGHT, y, y, W - RIGHT, y - 4);
        off_buf_esc(b, ch->mark_labels[m] ? ch->mark_labels[m] : "");
        off_buf_put(b, "</text>");
    }
    int ns = ch->n_series > 0 ? ch->n_series : 1;
    for (int s = 0; s < ch->n_series; s++) {
        const char *colour = palette[s % OFF_CHART_SERIES_MAX];
        if (ch->kind == OFF_CHART_BARS) {
            double bw = group * 0.8 / ns;
            for (int i = 0; i < ch->n_cats; i++) {
                const off_chart_cell *cl = &ch->cell[s][i];
                if (!cl->has)
                    continue;
                double v = cl->v < 0 ? 0 : cl->v > top ? top : cl->v;
                double x = LEFT + group * i + group * 0.1 + bw * s, hgt = ph * v / top;
                const char *fill = colour;
                if (cl->rag == MODEL_SIGN_GREEN)
                    fill = "#2e7d32";
                else if (cl->rag == MODEL_SIGN_YELLOW)
                    fill = "#b08d00";
                else if (cl->rag == MODEL_SIGN_RED)
                    fill = "#b3261e";
                off_buf_printf(b,
                               "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                               "fill=\"%s\"/>",
                               x, TOP + ph - hgt, bw > 1 ? bw - 1 : bw, hgt, fill);
                if (cl->rag >= MODEL_SIGN_RED) {
                    const char *mark, *word, *cls;
                    rag_parts(cl->rag, &mark, &word, &cls);
                    off_buf_printf(b,
                                   "<text x=\"%.1f\" y=\"%.1f\" class=\"rag-point\" "
                                   "text-anchor=\"middle\">%s</text>",
                                   x + bw / 2, TOP + ph - hgt - 4, mark);
                }
            }
        } else {
            off_buf_printf(b, "<g stroke=\"%s\" fill=\"none\" stroke-width=\"2.5\"", colour);
            if (*dashes[s % 4])
                off_buf_printf(b, " stroke-dasharray=\"%s\"", dashes[s % 4]);
            off_buf_put(b, ">");
            /* A gap where a period has no figure: the line does not
             * pretend to know what happened between. */
            int open = 0;
            for (int i = 0; i < ch->n_cats; i++) {
                const off_chart_cell *cl = &ch->cell[s][i];
                if (!cl->has) {
                    if (open)
                        off_buf_put(b, "\"/>");
                    open = 0;
                    continue;
                }
                double v = cl->v < 0 ? 0 : cl->v > top ? top : cl->v;
                double x = LEFT + group * (i + 0.5), y = TOP + ph - ph * v / top;
                off_buf_printf(b, open ? " %.1f,%.1f" : "<polyline points=\"%.1f,%.1f", x, y);
                open = 1;
            }
            if (open)
                off_buf_put(b, "\"/>");
            off_buf_put(b, "</g>");
            for (int i = 0; i < ch->n_cats; i++) {
                const off_chart_cell *cl = &ch->cell[s][i];
                if (!cl->has)
                    continue;
                double v = cl->v < 0 ? 0 : cl->v > top ? top : cl->v;
                point(b, s, LEFT + group * (i + 0.5), TOP + ph - ph * v / top, colour);
            }
        }
    }
    off_buf_printf(b,
                   "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>"
                   "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%.1f\" class=\"axis\"/>",
                   LEFT, W - RIGHT, TOP + ph, TOP + ph, LEFT, LEFT, TOP, TOP + ph);
}

/* The legend: each series' colour, shape and dash beside its name. */
static void legend(off_ctx *c, const off_chart *ch)
{
    off_buf *b = &c->body;
    if (ch->n_series < 2)
        return;
    off_buf_put(b, "<ul class=\"legend\">");
    for (int s = 0; s < ch->n_series; s++) {
        const char *colour = palette[s % OFF_CHART_SERIES_MAX];
        off_buf_put(b, "<li><svg aria-hidden=\"true\" focusable=\"false\" width=\"28\" "
                       "height=\"12\" viewBox=\"0 0 28 12\">");
        if (ch->kind == OFF_CHART_LINES) {
            off_buf_printf(b,
                           "<line x1=\"0\" x2=\"28\" y1=\"6\" y2=\"6\" stroke=\"%s\" "
                           "stroke-width=\"2.5\"",
                           colour);
            if (*dashes[s % 4])
                off_buf_printf(b, " stroke-dasharray=\"%s\"", dashes[s % 4]);
            off_buf_put(b, "/>");
            point(b, s, 14, 6, colour);
        } else {
            off_buf_printf(b, "<rect x=\"4\" y=\"0\" width=\"20\" height=\"12\" fill=\"%s\"/>",
                           colour);
        }
        off_buf_put(b, "</svg> ");
        off_buf_esc(b, ch->series[s]);
        off_buf_put(b, "</li>");
    }
    off_buf_put(b, "</ul>");
}

static void table(off_ctx *c, const off_chart *ch)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"");
    off_buf_esc(b, ch->id);
    off_buf_put(b, "-cap\"><table class=\"figures\"><caption id=\"");
    off_buf_esc(b, ch->id);
    off_buf_put(b, "-cap\">");
    off_buf_esc(b, ch->title);
    off_buf_put(b, " <span class=\"muted\">");
    off_buf_esc(b, off_tr(c, "(the chart's numbers)"));
    off_buf_put(b, "</span></caption><thead><tr><th scope=\"col\">");
    off_buf_esc(b, ch->cat_head ? ch->cat_head : "");
    off_buf_put(b, "</th>");
    for (int i = 0; i < ch->n_cats; i++) {
        off_buf_put(b, "<th scope=\"col\">");
        off_buf_esc(b, ch->cats[i]);
        off_buf_put(b, "</th>");
    }
    off_buf_put(b, "</tr></thead><tbody>");
    for (int s = 0; s < ch->n_series; s++) {
        off_buf_put(b, "<tr><th scope=\"row\">");
        off_buf_esc(b, ch->series[s]);
        off_buf_put(b, "</th>");
        for (int i = 0; i < ch->n_cats; i++) {
            const off_chart_cell *cl = &ch->cell[s][i];
            off_buf_put(b, cl->rag >= MODEL_SIGN_TOO_FEW ? "<td class=\"rag-cell\">" : "<td>");
            if (cl->href[0]) {
                off_buf_put(b, "<a href=\"");
                off_buf_put(b, cl->href); /* made of escaped parts by the caller */
                off_buf_put(b, "\">");
            }
            if (cl->rag >= 0) {
                off_rag_write(c, cl->rag);
                if (cl->text[0])
                    off_buf_put(b, " ");
            }
            off_buf_esc(b, cl->text[0] || cl->rag >= 0 ? cl->text : "\u2013");
            if (cl->href[0])
                off_buf_put(b, "</a>");
            if (cl->note[0]) {
                off_buf_put(b, "<span class=\"rests\">");
                off_buf_esc(b, cl->note);
                off_buf_put(b, "</span>");
            }
            off_buf_put(b, "</td>");
        }
        off_buf_put(b, "</tr>");
    }
    off_buf_put(b, "</tbody></table></div>");
}

void off_chart_write(off_ctx *c, const off_chart *ch)
{
    off_buf *b = &c->body;
    double top = ch->y_max;
    if (!(top > 0)) {
        double m = 0;
        for (int s = 0; s < ch->n_series; s++)
            for (int i = 0; i < ch->n_cats; i++)
                if (ch->cell[s][i].has && ch->cell[s][i].v > m)
                    m = ch->cell[s][i].v;
        top = nice_max(m, ch->whole);
    }
    off_buf_put(b, "<figure class=\"chart\"><figcaption>");
    off_buf_esc(b, ch->title);
    off_buf_put(b, "</figcaption><div class=\"chart-pair\"><div class=\"chart-draw\">");
    off_buf_printf(b, "<svg class=\"chart-svg\" viewBox=\"0 0 %d %d\" role=\"img\" ", W, H);
    off_buf_put(b, "aria-labelledby=\"");
    off_buf_esc(b, ch->id);
    off_buf_put(b, "-t ");
    off_buf_esc(b, ch->id);
    off_buf_put(b, "-d\"><title id=\"");
    off_buf_esc(b, ch->id);
    off_buf_put(b, "-t\">");
    off_buf_esc(b, ch->title);
    off_buf_put(b, "</title><desc id=\"");
    off_buf_esc(b, ch->id);
    off_buf_put(b, "-d\">");
    off_buf_esc(b, ch->desc ? ch->desc : "");
    off_buf_put(b, "</desc>");
    draw(c, ch, top);
    off_buf_put(b, "</svg>");
    legend(c, ch);
    off_buf_put(b, "</div>");
    table(c, ch);
    off_buf_put(b, "</div></figure>");
}
