/*
 * The progression of a learning focus: per calendar month or school term,
 * how many observations were finished, the share in which each sign was
 * seen with its red/yellow/green by the template's thresholds, and the
 * counts per 10 minutes per counter, each figure saying what it rests on
 * and leading to the observations behind it.
 *
 * The figures come from the monthly rollups the server keeps as tablets
 * push (roll_month*), never from the records themselves, and are made with
 * the tablet's own rules (model_tally.h): a share is model_sign_pct over the
 * ratings per level, a colour model_sign_color_of, a rate model_rate with
 * its floor. Months are in Danish time, as the rollups keep them.
 *
 * Scope: a peer of the unit sees its focuses' progression (figures only,
 * never a name); a leader, an area leader of the unit and an administrator
 * too, and the last two may add other units of theirs (?units=).
 */
#include "off_progress_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_tally.h"
#include "srv_int.h"

static void db_fail(off_ctx *c, const char *what, const char *err)
{
    srv_log("office: progression: %s: %s", what, err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

int off_prog_focus(off_ctx *c, off_role least, srv_ref_focus *out)
{
    char err[SRV_REF_ERR_MAX];
    const char *id = c->n_args ? c->args[0] : NULL;
    if (!id || model_id_check(id, "focus", err, sizeof err) != 0) {
        off_fail(c, 404, "There is no such learning focus.");
        return 0;
    }
    srv_ref_rc rc = srv_ref_focus_get(c->pg, id, 0, out, err, sizeof err);
    if (rc == SRV_REF_NOTFOUND || rc == SRV_REF_INVALID) {
        off_fail(c, 404, "There is no such learning focus.");
        return 0;
    }
    if (rc != SRV_REF_OK) {
        db_fail(c, "focus", err);
        return 0;
    }
    return off_require_unit(c, out->focus.unit_id, least);
}

/* ---- periods ---- */

static const char *const month_msgids[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* The period a month falls in: months count from year 0; a school term is
 * autumn (August to December) or spring (January to July, so that the
 * summer's few observations belong to the school year they end). */
static int period_key(int by_term, int y, int m)
{
    return by_term ? y * 2 + (m >= 8) : y * 12 + (m - 1);
}

static void period_fill(const off_ctx *c, int by_term, int key, off_period *p)
{
    char from[32], to[32];
    unsigned y, m0, m1, d1;
    if (by_term) {
        int autumn = key % 2;
        y = (unsigned)(key / 2) % 10000;
        snprintf(p->label, sizeof p->label, off_tr(c, autumn ? "Autumn %d" : "Spring %d"), (int)y);
        m0 = autumn ? 8 : 1;
        m1 = autumn ? 12 : 7;
        d1 = 31;
    } else {
        y = (unsigned)(key / 12) % 10000;
        m0 = m1 = (unsigned)(key % 12) + 1;
        snprintf(p->label, sizeof p->label, "%s %u", off_tr(c, month_msgids[m0 - 1]), y);
        d1 = (unsigned)days_in((int)y, (int)m1);
    }
    snprintf(from, sizeof from, "%04u-%02u-01", y, m0);
    snprintf(to, sizeof to, "%04u-%02u-%02u", y, m1, d1);
    snprintf(p->from, sizeof p->from, "%.10s", from);
    snprintf(p->to, sizeof p->to, "%.10s", to);
}

/* The index of the period holding month ("YYYY-MM-DD"), or -1. */
static int period_of(const off_prog *pr, int first_key, const char *month)
{
    int y = 0, m = 0;
    if (sscanf(month, "%d-%d", &y, &m) != 2 || m < 1 || m > 12)
        return -1;
    int i = period_key(pr->by_term, y, m) - first_key;
    return i >= 0 && i < pr->n_periods ? i : -1;
}

/* The units as a text[] literal for PostgreSQL ("{id,id}"); ids are
 * checked UUIDs, so nothing in them needs quoting. */
static void units_array(const off_prog *pr, char *out, size_t cap)
{
    size_t used = 0;
    out[used++] = '{';
    for (int i = 0; i < pr->n_units && used + MODEL_UUID_LEN + 2 < cap; i++) {
        if (i)
            out[used++] = ',';
        memcpy(out + used, pr->units[i], MODEL_UUID_LEN);
        used += MODEL_UUID_LEN;
    }
    out[used++] = '}';
    out[used] = 0;
}

int off_prog_load(off_ctx *c, off_prog *pr)
{
    char err[SRV_REF_ERR_MAX], units[OFF_PROG_UNITS_MAX * (MODEL_UUID_LEN + 1) + 4];
    const model_focus *f = &pr->focus.focus;
    pr->tmpl = calloc(1, sizeof *pr->tmpl);
    if (!pr->tmpl) {
        off_fail(c, 500, "The server ran out of memory.");
        return -1;
    }
    /* The units are the person's to see (decided on the primary): the
     * figures may come from the replica. */
    off_replica_begin(c);
    srv_ref_rc rc = srv_ref_template_get(c->rd, f->template_id, 0, pr->tmpl, err, sizeof err);
    if (rc != SRV_REF_OK) {
        free(pr->tmpl);
        pr->tmpl = NULL;
        if (rc == SRV_REF_FAIL) {
            db_fail(c, "template", err);
            return -1;
        }
    } else {
        model_template_localize(&pr->tmpl->tmpl, c->lang);
    }
    units_array(pr, units, sizeof units);
    const char *p[] = {f->id, units, ""};
    PGresult *r = srv_q(c->rd,
                        "SELECT month::text, sum(n_obs), sum(n_feedback), sum(n_reflection),"
                        " sum(duration_ms) FROM roll_month"
                        " WHERE focus_id = $1 AND unit_id = ANY($2::text[]) AND n_obs > 0"
                        " GROUP BY month ORDER BY month",
                        2, p, err, sizeof err);
    if (!r) {
        db_fail(c, "months", err);
        return -1;
    }
    pr->n_periods = 0;
    pr->older = 0;
    pr->total_obs = 0;
    int rows = PQntuples(r), first = 0, last = 0, y, m;
    if (rows > 0) {
        /* Every period from the first with observations to the last, the
         * empty ones too (a chart must not close up a pause), at most the
         * chart's width: the latest ones. */
        sscanf(PQgetvalue(r, 0, 0), "%d-%d", &y, &m);
        first = period_key(pr->by_term, y, m);
        sscanf(PQgetvalue(r, rows - 1, 0), "%d-%d", &y, &m);
        last = period_key(pr->by_term, y, m);
        if (last - first + 1 > OFF_CHART_POINTS_MAX) {
            first = last - OFF_CHART_POINTS_MAX + 1;
            pr->older = 1;
        }
        pr->n_periods = last - first + 1;
    }
    for (int i = 0; i < pr->n_periods; i++) {
        memset(&pr->p[i], 0, sizeof pr->p[i]);
        period_fill(c, pr->by_term, first + i, &pr->p[i]);
    }
    for (int k = 0; k < rows; k++) {
        int i = period_of(pr, first, PQgetvalue(r, k, 0));
        if (i < 0)
            continue;
        off_period *pe = &pr->p[i];
        pe->n_obs += atoll(PQgetvalue(r, k, 1));
        pe->n_feedback += atoll(PQgetvalue(r, k, 2));
        pe->n_reflection += atoll(PQgetvalue(r, k, 3));
        pe->duration_ms += atoll(PQgetvalue(r, k, 4));
        pr->total_obs += atoll(PQgetvalue(r, k, 1));
    }
    PQclear(r);
    if (pr->n_periods == 0)
        return 0;
    p[2] = pr->p[0].from;
    if (pr->tmpl) {
        r = srv_q(c->rd,
                  "SELECT month::text, key, sum(n) FROM roll_month_count"
                  " WHERE focus_id = $1 AND unit_id = ANY($2::text[]) AND kind = 'count'"
                  " AND month >= $3::date GROUP BY 1, 2",
                  3, p, err, sizeof err);
        if (!r) {
            db_fail(c, "counts", err);
            return -1;
        }
        const model_template *t = &pr->tmpl->tmpl;
        for (int k = 0; k < PQntuples(r); k++) {
            int i = period_of(pr, first, PQgetvalue(r, k, 0));
            for (int j = 0; i >= 0 && j < t->n_counters; j++)
                if (!strcmp(t->counters[j].key, PQgetvalue(r, k, 1)))
                    pr->p[i].counts[j] += atoll(PQgetvalue(r, k, 2));
        }
        PQclear(r);
    }
    r = srv_q(c->rd,
              "SELECT month::text, sign_id, n_scale, sum(n0), sum(n1), sum(n2), sum(n3), sum(n4)"
              " FROM roll_month_sign WHERE focus_id = $1 AND unit_id = ANY($2::text[])"
              " AND month >= $3::date GROUP BY 1, 2, 3",
              3, p, err, sizeof err);
    if (!r) {
        db_fail(c, "signs", err);
        return -1;
    }
    for (int k = 0; k < PQntuples(r); k++) {
        int i = period_of(pr, first, PQgetvalue(r, k, 0));
        int ns = atoi(PQgetvalue(r, k, 2));
        if (i < 0 || ns < 2 || ns > MODEL_MAX_SCALE)
            continue;
        /* Only the signs of the focus as it is now: a sign taken out in a
         * later version is no longer looked for. */
        for (int s = 0; s < f->n_signs; s++)
            if (!strcmp(f->signs[s].id, PQgetvalue(r, k, 1)))
                for (int l = 0; l < MODEL_MAX_SCALE; l++)
                    pr->p[i].at[s][ns][l] += atoi(PQgetvalue(r, k, 3 + l));
    }
    PQclear(r);
    return 0;
}

void off_prog_free(off_prog *pr)
{
    if (!pr)
        return;
    free(pr->tmpl);
    pr->tmpl = NULL;
}

int off_prog_sign(const off_prog *pr, int i, int sign, int *pct, int *rated)
{
    const off_period *pe = &pr->p[i];
    int scales = 0, only = 0, total = 0;
    for (int ns = 2; ns <= MODEL_MAX_SCALE; ns++) {
        int n = model_sign_rated(pe->at[sign][ns]);
        if (n > 0) {
            scales++;
            only = ns;
            total += n;
        }
    }
    *rated = total;
    model_template t;
    memset(&t, 0, sizeof t);
    t.green_pct = pr->tmpl ? pr->tmpl->tmpl.green_pct : 101;
    t.yellow_pct = pr->tmpl ? pr->tmpl->tmpl.yellow_pct : 101;
    if (scales <= 1) {
        t.n_scale = only ? only : 3;
        return (int)model_sign_color_of(&t, pe->at[sign][only ? only : 3], pct);
    }
    /* Ratings on scales of different lengths (the template changed its
     * scale): each scale's share weighted by its ratings, coloured by the
     * same thresholds and minimum as one scale is. */
    long long sum = 0;
    for (int ns = 2; ns <= MODEL_MAX_SCALE; ns++) {
        int n = model_sign_rated(pe->at[sign][ns]);
        if (n > 0)
            sum += (long long)model_sign_pct(pe->at[sign][ns], ns) * n;
    }
    *pct = (int)((sum + total / 2) / total);
    if (total < MODEL_SIGN_MIN_RATED)
        return MODEL_SIGN_TOO_FEW;
    return *pct >= t.green_pct    ? MODEL_SIGN_GREEN
           : *pct >= t.yellow_pct ? MODEL_SIGN_YELLOW
                                  : MODEL_SIGN_RED;
}

void off_prog_href(const off_prog *pr, int i, const char *sign, char *out, size_t cap)
{
    /* Ids are checked UUIDs and dates digits, so only the separators need
     * writing as markup. One unit is named; several are told by the focus
     * alone, whose observations the list scopes to what the reader sees.
     * The figures count finished observations only, and so does the list
     * behind them: a draft in the list would not add up. */
    int k = snprintf(out, cap, "/observations?focus=%s&amp;status=finished", pr->focus.focus.id);
    if (pr->n_units == 1 && k > 0 && (size_t)k < cap)
        k += snprintf(out + k, cap - (size_t)k, "&amp;unit=%s", pr->units[0]);
    if (k > 0 && (size_t)k < cap)
        k += snprintf(out + k, cap - (size_t)k, "&amp;from=%s&amp;to=%s", pr->p[i].from,
                      pr->p[i].to);
    if (sign && k > 0 && (size_t)k < cap)
        snprintf(out + k, cap - (size_t)k, "&amp;sign=%s", sign);
}

const char *off_prog_counter(const off_prog *pr, int k)
{
    return pr->tmpl ? pr->tmpl->tmpl.counters[k].label : "";
}

/* ---- the page ---- */

/* ?units=: the units to add up, each one the reader reaches; by default
 * the focus's own. 1, or 0 with an answer made. */
static int read_units(off_ctx *c, off_prog *pr)
{
    const char *given[OFF_PROG_UNITS_MAX + 1];
    int n = off_form_all(&c->query, "units", given, OFF_PROG_UNITS_MAX + 1);
    if (n > OFF_PROG_UNITS_MAX) {
        off_fail(c, 400, "Choose at most 64 units at a time.");
        return 0;
    }
    pr->n_units = 0;
    for (int i = 0; i < n; i++) {
        char err[200];
        if (model_id_check(given[i], "unit", err, sizeof err) != 0) {
            off_fail(c, 400, "A unit in the address is not one Blik knows.");
            return 0;
        }
        int dup = 0;
        for (int j = 0; j < pr->n_units; j++)
            dup |= !strcmp(pr->units[j], given[i]);
        if (dup)
            continue;
        if (!off_require_unit(c, given[i], OFF_ROLE_PEER))
            return 0;
        snprintf(pr->units[pr->n_units++], sizeof(model_id), "%s", given[i]);
    }
    if (pr->n_units == 0)
        snprintf(pr->units[pr->n_units++], sizeof(model_id), "%s", pr->focus.focus.unit_id);
    return 1;
}

/* ?by=month|term (month by default). 1, or 0 with an answer made. */
static int read_by(off_ctx *c, int *by_term)
{
    const char *by = off_form_get(&c->query, "by");
    if (!by || !*by || !strcmp(by, "month")) {
        *by_term = 0;
        return 1;
    }
    if (!strcmp(by, "term")) {
        *by_term = 1;
        return 1;
    }
    off_fail(c, 400, "Show the progression by month or by school term.");
    return 0;
}

/* The choice of month or term and, for whoever sees several units with
 * observations on the focus, of units: a plain GET form. */
static void options(off_ctx *c, const off_prog *pr)
{
    off_buf *b = &c->body;
    const model_focus *f = &pr->focus.focus;
    off_buf_put(b, "<form method=\"get\" class=\"options\" action=\"/focuses/");
    off_buf_url(b, f->id);
    off_buf_put(b, "/progression\">");
    static const char *const values[] = {"month", "term"};
    const char *labels[] = {off_tr(c, "Calendar months"), off_tr(c, "School terms")};
    off_select(c, "by", off_tr(c, "Show by"), values, labels, 2, pr->by_term ? "term" : "month",
               NULL);
    if (c->user.role >= OFF_ROLE_AREA) {
        char err[300];
        const char *p[] = {f->id};
        PGresult *r = srv_q(c->pg,
                            "SELECT DISTINCT r.unit_id, u.name FROM roll_month r"
                            " JOIN units u ON u.id = r.unit_id WHERE r.focus_id = $1"
                            " ORDER BY u.name, r.unit_id LIMIT 64",
                            1, p, err, sizeof err);
        int shown = 0;
        for (int i = 0; r && i < PQntuples(r); i++) {
            const char *u = PQgetvalue(r, i, 0);
            if (!off_can_unit(c, u, OFF_ROLE_PEER))
                continue;
            if (!shown++) {
                off_buf_put(b, "<fieldset><legend>");
                off_buf_esc(b, off_tr(c, "Units"));
                off_buf_put(b, "</legend>");
            }
            int on = 0;
            for (int j = 0; j < pr->n_units; j++)
                on |= !strcmp(pr->units[j], u);
            off_buf_put(b, "<div class=\"field check\"><input type=\"checkbox\" name=\"units\" "
                           "id=\"f-units-");
            off_buf_printf(b, "%d\" value=\"", i);
            off_buf_esc(b, u);
            off_buf_printf(b, "\"%s><label for=\"f-units-%d\">", on ? " checked" : "", i);
            off_buf_esc(b, PQgetvalue(r, i, 1));
            off_buf_put(b, "</label></div>");
        }
        if (shown)
            off_buf_put(b, "</fieldset>");
        if (!r)
            srv_log("office: progression: units: %s", err);
        PQclear(r);
    }
    off_buf_put(b, "<button type=\"submit\">");
    off_buf_esc(b, off_tr(c, "Show"));
    off_buf_put(b, "</button></form>");
}

static void cats(off_chart *ch, const off_prog *pr)
{
    ch->n_cats = pr->n_periods;
    for (int i = 0; i < pr->n_periods; i++)
        ch->cats[i] = pr->p[i].label;
}

static void obs_chart(off_ctx *c, const off_prog *pr, off_chart *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->kind = OFF_CHART_BARS;
    ch->whole = 1;
    ch->id = "chart-obs";
    ch->title = off_tr(c, "Observations finished");
    ch->desc = off_tr(c, "Bars: the observations finished on this focus in each period.");
    ch->cat_head = off_tr(c, pr->by_term ? "School term" : "Month");
    ch->y_label = off_tr(c, "observations");
    cats(ch, pr);
    ch->n_series = 1;
    ch->series[0] = off_tr(c, "Observations");
    for (int i = 0; i < pr->n_periods; i++) {
        off_chart_cell *cl = &ch->cell[0][i];
        const off_period *pe = &pr->p[i];
        cl->has = 1;
        cl->v = (double)pe->n_obs;
        cl->rag = -1;
        snprintf(cl->text, sizeof cl->text, "%lld", pe->n_obs);
        if (pe->n_obs > 0) {
            char a[40], bb[40];
            snprintf(a, sizeof a, off_tr(c, "%lld with feedback"), pe->n_feedback);
            snprintf(bb, sizeof bb, off_tr(c, "%lld with a reflection"), pe->n_reflection);
            snprintf(cl->note, sizeof cl->note, "%s, %s", a, bb);
            off_prog_href(pr, i, NULL, cl->href, sizeof cl->href);
        }
    }
    off_chart_write(c, ch);
}

static void sign_chart(off_ctx *c, const off_prog *pr, off_chart *ch)
{
    const model_focus *f = &pr->focus.focus;
    memset(ch, 0, sizeof *ch);
    ch->kind = OFF_CHART_LINES;
    ch->id = "chart-signs";
    ch->title = off_tr(c, "Share per sign");
    ch->desc = off_tr(c, "Lines: per sign, the share of its ratings in each period, not seen "
                         "counting as none of it and clearly as all of it; the dashed lines "
                         "are the template's thresholds for green and yellow.");
    ch->cat_head = off_tr(c, pr->by_term ? "School term" : "Month");
    ch->y_label = "%";
    ch->y_max = 100;
    cats(ch, pr);
    char gl[60], yl[60];
    if (pr->tmpl) {
        ch->n_marks = 2;
        ch->marks[0] = pr->tmpl->tmpl.green_pct;
        ch->marks[1] = pr->tmpl->tmpl.yellow_pct;
        snprintf(gl, sizeof gl, off_tr(c, "green from %d %%"), pr->tmpl->tmpl.green_pct);
        snprintf(yl, sizeof yl, off_tr(c, "yellow from %d %%"), pr->tmpl->tmpl.yellow_pct);
        ch->mark_labels[0] = gl;
        ch->mark_labels[1] = yl;
    }
    ch->n_series = f->n_signs;
    for (int s = 0; s < f->n_signs; s++) {
        ch->series[s] = f->signs[s].text;
        for (int i = 0; i < pr->n_periods; i++) {
            off_chart_cell *cl = &ch->cell[s][i];
            int pct, rated;
            int col = off_prog_sign(pr, i, s, &pct, &rated);
            cl->rag = col == MODEL_SIGN_NOT_RATED ? -1 : col;
            if (rated > 0) {
                cl->has = 1;
                cl->v = pct;
                snprintf(cl->text, sizeof cl->text, "%d %%", pct);
                snprintf(cl->note, sizeof cl->note, off_ntr(c, "%d rating", "%d ratings", rated),
                         rated);
                off_prog_href(pr, i, f->signs[s].id, cl->href, sizeof cl->href);
            }
        }
    }
    off_chart_write(c, ch);
}

static void count_chart(off_ctx *c, const off_prog *pr, off_chart *ch)
{
    const model_template *t = &pr->tmpl->tmpl;
    memset(ch, 0, sizeof *ch);
    ch->kind = OFF_CHART_LINES;
    ch->id = "chart-counts";
    ch->title = off_tr(c, "Counts per 10 minutes");
    ch->desc = off_tr(c, "Lines: per counter, the taps per 10 minutes of observed time in each "
                         "period; a period with less than 5 minutes observed has no rate.");
    ch->cat_head = off_tr(c, pr->by_term ? "School term" : "Month");
    ch->y_label = off_tr(c, "per 10 min");
    cats(ch, pr);
    ch->n_series = t->n_counters;
    for (int k = 0; k < t->n_counters; k++) {
        ch->series[k] = t->counters[k].label;
        for (int i = 0; i < pr->n_periods; i++) {
            const off_period *pe = &pr->p[i];
            off_chart_cell *cl = &ch->cell[k][i];
            cl->rag = -1;
            if (pe->n_obs == 0)
                continue;
            double rate;
            long long min = pe->duration_ms / 60000;
            char taps[24], obs[40], mins[24];
            snprintf(taps, sizeof taps, off_ntr(c, "%lld tap", "%lld taps", pe->counts[k]),
                     pe->counts[k]);
            snprintf(mins, sizeof mins, off_ntr(c, "%lld minute", "%lld minutes", min), min);
            snprintf(obs, sizeof obs,
                     off_ntr(c, "%lld observation", "%lld observations", pe->n_obs), pe->n_obs);
            snprintf(cl->note, sizeof cl->note, "%s, %s, %s", taps, mins, obs);
            if (model_rate(pe->counts[k], pe->duration_ms, &rate)) {
                cl->has = 1;
                cl->v = rate;
                off_decimal(c, rate, cl->text, sizeof cl->text);
            } else {
                snprintf(cl->text, sizeof cl->text, "%s", off_tr(c, "too short for a rate"));
            }
            off_prog_href(pr, i, NULL, cl->href, sizeof cl->href);
        }
    }
    off_chart_write(c, ch);
}

void off_focus_progression(off_ctx *c)
{
    off_prog *pr = calloc(1, sizeof *pr);
    off_chart *ch = calloc(1, sizeof *ch);
    if (!pr || !ch) {
        free(pr);
        free(ch);
        off_fail(c, 500, "The server ran out of memory.");
        return;
    }
    if (!off_prog_focus(c, OFF_ROLE_PEER, &pr->focus) || !read_by(c, &pr->by_term) ||
        !read_units(c, pr) || off_prog_load(c, pr) != 0)
        goto out;
    const model_focus *f = &pr->focus.focus;
    off_buf *b = &c->body;
    char title[MODEL_QUESTION_MAX + 80];
    snprintf(title, sizeof title, off_tr(c, "Progression: %s"), f->question);
    off_page_begin(c, title, "focuses");
    off_buf_put(b, "<p class=\"lead\">");
    off_buf_esc(b, off_tr(c, "How the signs of the focus show up over time, in the observations "
                             "finished on the tablets. Each figure says how many observations "
                             "or ratings it rests on and leads to the observations behind it. "
                             "Names are not shown: it is the practice that is looked at."));
    off_buf_put(b, "</p><p class=\"muted\">");
    off_buf_esc(b, off_tr(c, "School terms here follow the Danish school year: autumn is August "
                             "to December, spring is January to July."));
    off_buf_put(b, "</p><p class=\"links\"><a href=\"/focuses/");
    off_buf_url(b, f->id);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "The focus and its signs"));
    off_buf_put(b, "</a>");
    if (off_can_unit(c, f->unit_id, OFF_ROLE_LEADER)) {
        off_buf_put(b, " · <a href=\"/focuses/");
        off_buf_url(b, f->id);
        off_buf_put(b, "/meeting\">");
        off_buf_esc(b, off_tr(c, "Team meeting view"));
        off_buf_put(b, "</a>");
    }
    off_buf_put(b, "</p>");
    options(c, pr);
    if (pr->n_periods == 0) {
        off_buf_put(b, "<p class=\"note\">");
        off_buf_esc(b, off_tr(c, "No finished observation rests on this focus yet. When the "
                                 "tablets have sent some, their figures are shown here."));
        off_buf_put(b, "</p>");
        off_page_end(c);
        goto out;
    }
    char all[300];
    if (pr->n_periods == 1)
        snprintf(all, sizeof all,
                 off_ntr(c, "In all %lld finished observation, in %s.",
                         "In all %lld finished observations, in %s.", pr->total_obs),
                 pr->total_obs, pr->p[0].label);
    else
        snprintf(all, sizeof all,
                 off_ntr(c, "In all %lld finished observation, from %s to %s.",
                         "In all %lld finished observations, from %s to %s.", pr->total_obs),
                 pr->total_obs, pr->p[0].label, pr->p[pr->n_periods - 1].label);
    off_buf_put(b, "<p>");
    off_buf_esc(b, all);
    off_buf_put(b, "</p>");
    if (pr->older) {
        off_buf_put(b, "<p class=\"muted\">");
        off_buf_esc(b, off_tr(c, "Only the latest 24 periods are shown; choose school terms to "
                                 "see further back."));
        off_buf_put(b, "</p>");
    }
    if (pr->tmpl) {
        char s[300];
        snprintf(s, sizeof s,
                 off_tr(c, "Red, yellow and green follow the template's thresholds: green from "
                           "%d %%, yellow from %d %%, and a colour only from %d ratings."),
                 pr->tmpl->tmpl.green_pct, pr->tmpl->tmpl.yellow_pct, MODEL_SIGN_MIN_RATED);
        off_buf_put(b, "<p class=\"muted\">");
        off_buf_esc(b, s);
        off_buf_put(b, "</p>");
    }
    off_buf_put(b, "<section class=\"figure-block\"><h2>");
    off_buf_esc(b, off_tr(c, "Signs"));
    off_buf_put(b, "</h2>");
    sign_chart(c, pr, ch);
    off_buf_put(b, "</section>");
    if (pr->tmpl && pr->tmpl->tmpl.n_counters > 0) {
        off_buf_put(b, "<section class=\"figure-block\"><h2>");
        off_buf_esc(b, off_tr(c, "Counts"));
        off_buf_put(b, "</h2>");
        count_chart(c, pr, ch);
        off_buf_put(b, "</section>");
    }
    off_buf_put(b, "<section class=\"figure-block\"><h2>");
    off_buf_esc(b, off_tr(c, "Observations"));
    off_buf_put(b, "</h2>");
    obs_chart(c, pr, ch);
    off_buf_put(b, "</section>");
    off_page_end(c);
out:
    off_prog_free(pr);
    free(pr);
    free(ch);
}
