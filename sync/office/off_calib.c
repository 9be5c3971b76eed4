/*
 * GET /calibration (?unit=, ?focus=): do two observers of one session see
 * the same? Two observations with the same pair code in one unit and focus,
 * both finished and started within PAIR_WINDOW of each other by two
 * different observers, are a pair (a code is short, so one typed again
 * months later by someone else is not taken for the same session). Per
 * pair: each sign's level from both, whether they agree, percent agreement
 * and Cohen's kappa over the signs both rated (off_calib.h), and what each
 * counted, side by side; over time: the same per month over every pair's
 * ratings pooled. Each figure says how many ratings it rests on.
 *
 * It is an aggregate about observers' agreement: leaders of the unit, area
 * leaders with the unit and administrators see it, peers do not (the route
 * asks for a leader; off_require_unit checks the unit). Observers are named,
 * since the point is that two observers compare how they see; the observed
 * colleague is never named here.
 *
 * Everything is read from the facts the server keeps as tablets push
 * (fact_obs, fact_obs_rating, fact_obs_count), made with the tablet's own
 * rules, so undone taps are not counted here either.
 */
#include "off_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "off_calib.h"
#include "srv_int.h"
#include "srv_ref.h"

#define PAIRS_SHOWN 30  /* the newest pairs shown in full */
#define MONTHS_SHOWN 36 /* the newest months over time */
#define CACHE_MAX 8     /* focus and template versions looked up per page */
#define PAIR_WINDOW "12 hours"

/* The pairs of a unit (and a focus, $2 '' for any): the FROM and WHERE of
 * a query over a (the earlier observation) and b (the later). */
#define PAIRS_FROM                                                                                 \
    " FROM fact_obs a JOIN fact_obs b ON b.unit_id = a.unit_id AND b.focus_id = a.focus_id"        \
    " AND b.pair_code = a.pair_code AND b.status = 'finished'"                                     \
    " AND (b.started_at, b.observation_id) > (a.started_at, a.observation_id)"                     \
    " AND b.started_at < a.started_at + interval '" PAIR_WINDOW "'"                                \
    " AND b.observer_id <> a.observer_id"                                                          \
    " WHERE a.unit_id = $1 AND a.pair_code <> '' AND a.status = 'finished'"                        \
    " AND ($2 = '' OR a.focus_id = $2)"

typedef struct {
    model_id a, b, focus, tmpl_a, tmpl_b;
    int focus_version, tmpl_version_a, tmpl_version_b;
    char date[MODEL_DATE_LEN + 1];
    char name_a[MODEL_NAME_MAX + 1], name_b[MODEL_NAME_MAX + 1];
} pair;

/* A few focus and template versions, read once per page. */
typedef struct {
    int n_focus, n_tmpl;
    srv_ref_focus focus[CACHE_MAX];
    srv_ref_template *tmpl[CACHE_MAX];
} cache;

static void db_fail(off_ctx *c, const char *what, const char *err)
{
    srv_log("office: calibration: %s: %s", what, err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

static const model_focus *focus_of(off_ctx *c, cache *k, const char *id, int version)
{
    for (int i = 0; i < k->n_focus; i++)
        if (!strcmp(k->focus[i].focus.id, id) && k->focus[i].focus.version == version)
            return &k->focus[i].focus;
    char err[SRV_REF_ERR_MAX];
    if (k->n_focus == CACHE_MAX ||
        srv_ref_focus_get(c->pg, id, version, &k->focus[k->n_focus], err, sizeof err) != SRV_REF_OK)
        return NULL;
    return &k->focus[k->n_focus++].focus;
}

/* The template in the reader's words, or NULL (levels are then shown as
 * numbers and counters by their keys). */
static const model_template *template_of(off_ctx *c, cache *k, const char *id, int version)
{
    for (int i = 0; i < k->n_tmpl; i++)
        if (!strcmp(k->tmpl[i]->tmpl.id, id) && k->tmpl[i]->tmpl.version == version)
            return &k->tmpl[i]->tmpl;
    char err[SRV_REF_ERR_MAX];
    if (k->n_tmpl == CACHE_MAX)
        return NULL;
    srv_ref_template *t = malloc(sizeof *t);
    if (!t || srv_ref_template_get(c->pg, id, version, t, err, sizeof err) != SRV_REF_OK) {
        free(t);
        return NULL;
    }
    model_template_localize(&t->tmpl, c->lang);
    k->tmpl[k->n_tmpl++] = t;
    return &t->tmpl;
}

static void cache_free(cache *k)
{
    for (int i = 0; i < k->n_tmpl; i++)
        free(k->tmpl[i]);
}

/* ---- numbers in the reader's language ---- */

/* A number with decimals, with a decimal comma in Danish. */
static void put_dec(off_ctx *c, double v, int decimals)
{
    char s[32];
    snprintf(s, sizeof s, "%.*f", decimals, v);
    if (!strcmp(c->lang, "da"))
        for (char *p = s; *p; p++)
            if (*p == '.')
                *p = ',';
    off_buf_esc(&c->body, s);
}

static void put_ntr(off_ctx *c, const char *one, const char *many, long long n)
{
    char s[300];
    snprintf(s, sizeof s, off_ntr(c, one, many, n), n);
    off_buf_esc(&c->body, s);
}

static void put_date(off_ctx *c, const char *iso)
{
    int y, m, d;
    if (!strcmp(c->lang, "da") && sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) == 3)
        off_buf_printf(&c->body, "%d.%d.%d", d, m, y);
    else
        off_buf_esc(&c->body, iso);
}

/* Percent agreement ("67 %"), or a dash when there is nothing to say. */
static void put_pct(off_ctx *c, const off_calib_agreement *r)
{
    if (r->state == OFF_KAPPA_EMPTY) {
        off_buf_put(&c->body, "–");
        return;
    }
    put_dec(c, r->pct, 0);
    off_buf_put(&c->body, "&nbsp;%");
}

/* Kappa with two decimals; in words when it is not defined. */
static void put_kappa(off_ctx *c, const off_calib_agreement *r)
{
    if (r->state == OFF_KAPPA_EMPTY)
        off_buf_put(&c->body, "–");
    else if (r->state == OFF_KAPPA_ONE_LEVEL)
        off_buf_esc(&c->body, off_tr(c, "not defined (every rating at one level)"));
    else
        put_dec(c, r->kappa, 2);
}

/* ---- the unit and the focus asked for ---- */

/* The unit: ?unit=, or the only one the reader sees. NULL when a choice
 * page or an error was answered. */
static const char *pick_unit(off_ctx *c, model_id buf)
{
    const char *given = off_form_get(&c->query, "unit");
    if (given && *given) {
        char err[200];
        if (model_id_check(given, "unit", err, sizeof err) != 0) {
            off_fail(c, 404, "There is no such unit.");
            return NULL;
        }
        return given;
    }
    PGresult *r = off_visible_units(c);
    if (!r)
        return NULL;
    if (PQntuples(r) == 1) {
        snprintf(buf, sizeof(model_id), "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        return buf;
    }
    off_buf *b = &c->body;
    off_page_begin(c, off_tr(c, "Calibration"), "calibration");
    off_buf_put(b, "<p>");
    if (PQntuples(r) == 0)
        off_buf_esc(b, off_tr(c, "No unit has been given to you yet. Ask your administrator."));
    else
        off_buf_esc(b, off_tr(c, "Choose the unit whose calibration you want to see."));
    off_buf_put(b, "</p><ul class=\"cards\">");
    for (int i = 0; i < PQntuples(r); i++) {
        off_buf_put(b, "<li><a href=\"/calibration?unit=");
        off_buf_url(b, PQgetvalue(r, i, 0));
        off_buf_put(b, "\">");
        off_buf_esc(b, PQgetvalue(r, i, 1));
        off_buf_put(b, "</a></li>");
    }
    off_buf_put(b, "</ul>");
    off_page_end(c);
    PQclear(r);
    return NULL;
}

/* ---- reading ---- */

/* The newest pairs, up to PAIRS_SHOWN (*more: there are older ones). */
static int read_pairs(off_ctx *c, const char *unit, const char *focus, pair *out, int *n, int *more)
{
    char err[300], lim[16];
    snprintf(lim, sizeof lim, "%d", PAIRS_SHOWN + 1);
    const char *p[] = {unit, focus, lim};
    PGresult *r = srv_q(
        c->pg,
        "WITH p AS (SELECT a.observation_id AS a, b.observation_id AS b, a.focus_id,"
        " a.focus_version, a.template_id AS ta, a.template_version AS va, b.template_id AS tb,"
        " b.template_version AS vb, a.started_at, a.observer_id AS oa, b.observer_id AS ob" PAIRS_FROM
        " ORDER BY a.started_at DESC, a.observation_id, b.observation_id"
        " LIMIT $3::int)"
        " SELECT p.a, p.b, p.focus_id, p.focus_version, p.ta, p.va, p.tb, p.vb,"
        " to_char(p.started_at AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM-DD'),"
        " coalesce(pa.name, ''), coalesce(pb.name, '')"
        " FROM p LEFT JOIN people pa ON pa.id = p.oa LEFT JOIN people pb ON pb.id = p.ob"
        " ORDER BY p.started_at DESC, p.a, p.b",
        3, p, err, sizeof err);
    if (!r) {
        db_fail(c, "pairs", err);
        return -1;
    }
    int rows = PQntuples(r);
    *more = rows > PAIRS_SHOWN;
    *n = rows > PAIRS_SHOWN ? PAIRS_SHOWN : rows;
    for (int i = 0; i < *n; i++) {
        pair *q = &out[i];
        snprintf(q->a, sizeof q->a, "%s", PQgetvalue(r, i, 0));
        snprintf(q->b, sizeof q->b, "%s", PQgetvalue(r, i, 1));
        snprintf(q->focus, sizeof q->focus, "%s", PQgetvalue(r, i, 2));
        q->focus_version = atoi(PQgetvalue(r, i, 3));
        snprintf(q->tmpl_a, sizeof q->tmpl_a, "%s", PQgetvalue(r, i, 4));
        q->tmpl_version_a = atoi(PQgetvalue(r, i, 5));
        snprintf(q->tmpl_b, sizeof q->tmpl_b, "%s", PQgetvalue(r, i, 6));
        q->tmpl_version_b = atoi(PQgetvalue(r, i, 7));
        snprintf(q->date, sizeof q->date, "%s", PQgetvalue(r, i, 8));
        snprintf(q->name_a, sizeof q->name_a, "%s", PQgetvalue(r, i, 9));
        snprintf(q->name_b, sizeof q->name_b, "%s", PQgetvalue(r, i, 10));
    }
    PQclear(r);
    return 0;
}

/* The ids of the pairs' observations as a PostgreSQL array literal. */
static char *id_array(const pair *ps, int n)
{
    const char **v = malloc((size_t)(n > 0 ? 2 * n : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (int i = 0; i < n; i++) {
        v[2 * i] = ps[i].a;
        v[2 * i + 1] = ps[i].b;
    }
    char *s = srv_array_of(v, sizeof *v, 2 * n, 1);
    free(v);
    return s;
}

/* The level observation obs gave sign, or -1. */
static int level_of(PGresult *ratings, const char *obs, const char *sign)
{
    for (int i = 0; i < PQntuples(ratings); i++)
        if (!strcmp(PQgetvalue(ratings, i, 0), obs) && !strcmp(PQgetvalue(ratings, i, 1), sign))
            return atoi(PQgetvalue(ratings, i, 2));
    return -1;
}

/* ---- writing ---- */

static void put_level(off_ctx *c, const model_template *t, int level)
{
    if (level < 0)
        off_buf_esc(&c->body, off_tr(c, "not rated"));
    else if (t && level < t->n_scale)
        off_buf_esc(&c->body, t->scale[level]);
    else
        off_buf_printf(&c->body, "%d", level);
}

static const char *counter_label(const model_template *t, const char *key)
{
    for (int i = 0; t && i < t->n_counters; i++)
        if (!strcmp(t->counters[i].key, key))
            return t->counters[i].label;
    return key;
}

/* One pair in full: its signs with both levels, its figures, its counts. */
static void put_pair(off_ctx *c, cache *k, const pair *q, int idx, PGresult *ratings,
                     PGresult *counts)
{
    off_buf *b = &c->body;
    const model_focus *f = focus_of(c, k, q->focus, q->focus_version);
    const model_template *ta = template_of(c, k, q->tmpl_a, q->tmpl_version_a);
    off_buf_printf(b,
                   "<section class=\"calib-pair\" aria-labelledby=\"pair-%d\"><h3 id=\"pair-%d\">",
                   idx, idx);
    put_date(c, q->date);
    off_buf_put(b, " · ");
    char who[2 * MODEL_NAME_MAX + 64];
    snprintf(who, sizeof who, off_tr(c, "%s and %s"), q->name_a, q->name_b);
    off_buf_esc(b, who);
    off_buf_put(b, "</h3>");
    if (f) {
        off_buf_put(b, "<p class=\"muted\">");
        off_buf_esc(b, f->question);
        off_buf_put(b, "</p>");
    }
    off_calib_tally t;
    memset(&t, 0, sizeof t);
    off_buf_put(b, "<table class=\"wide\"><thead><tr><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Sign"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, q->name_a);
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, q->name_b);
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Agree"));
    off_buf_put(b, "</th></tr></thead><tbody>");
    for (int s = 0; f && s < f->n_signs; s++) {
        int la = level_of(ratings, q->a, f->signs[s].id),
            lb = level_of(ratings, q->b, f->signs[s].id);
        int both = off_calib_tally_add(&t, la, lb);
        off_buf_put(b, "<tr><td>");
        off_buf_esc(b, f->signs[s].text);
        off_buf_put(b, "</td><td data-label=\"");
        off_buf_esc(b, q->name_a);
        off_buf_put(b, "\">");
        put_level(c, ta, la);
        off_buf_put(b, "</td><td data-label=\"");
        off_buf_esc(b, q->name_b);
        off_buf_put(b, "\">");
        put_level(c, ta, lb);
        off_buf_put(b, "</td><td data-label=\"");
        off_buf_esc(b, off_tr(c, "Agree"));
        off_buf_put(b, "\">");
        off_buf_esc(b, !both      ? off_tr(c, "not rated by both")
                       : la == lb ? off_tr(c, "yes, the same level")
                                  : off_tr(c, "no, different levels"));
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table>");
    off_calib_agreement r = off_calib_agree(&t);
    off_buf_put(b, "<p><strong>");
    off_buf_esc(b, off_tr(c, "Percent agreement"));
    off_buf_put(b, ":</strong> ");
    put_pct(c, &r);
    off_buf_put(b, " · <strong>");
    off_buf_esc(b, off_tr(c, "Kappa"));
    off_buf_put(b, ":</strong> ");
    put_kappa(c, &r);
    off_buf_put(b, " · ");
    put_ntr(c, "rests on %lld sign rated by both", "rests on %lld signs rated by both",
            (long long)r.n);
    off_buf_put(b, "</p>");

    /* The counters in the template's order, every one of them (a counter
     * nobody tapped is a 0 for both), then any the template does not
     * name; A's first, B's after. */
    enum { CAP = MODEL_MAX_COUNTERS * 3 };
    const char *ka[CAP], *kb[CAP];
    int64_t na[CAP], nb[CAP];
    int nka = 0, nkb = 0;
    for (int i = 0; ta && i < ta->n_counters; i++) {
        ka[nka] = ta->counters[i].key;
        na[nka++] = 0;
    }
    for (int i = 0; i < PQntuples(counts); i++) {
        const char *obs = PQgetvalue(counts, i, 0);
        if (!strcmp(obs, q->a) && nka < CAP) {
            ka[nka] = PQgetvalue(counts, i, 1);
            na[nka++] = atoll(PQgetvalue(counts, i, 2));
        } else if (!strcmp(obs, q->b) && nkb < CAP) {
            kb[nkb] = PQgetvalue(counts, i, 1);
            nb[nkb++] = atoll(PQgetvalue(counts, i, 2));
        }
    }
    off_calib_count cs[CAP];
    int nm = off_calib_counts(ka, na, nka, kb, nb, nkb, cs, CAP);
    if (nm > 0) {
        off_buf_put(b, "<table class=\"wide\"><thead><tr><th scope=\"col\">");
        off_buf_esc(b, off_tr(c, "Counter"));
        off_buf_put(b, "</th><th scope=\"col\">");
        off_buf_esc(b, q->name_a);
        off_buf_put(b, "</th><th scope=\"col\">");
        off_buf_esc(b, q->name_b);
        off_buf_put(b, "</th><th scope=\"col\">");
        off_buf_esc(b, off_tr(c, "Difference"));
        off_buf_put(b, "</th></tr></thead><tbody>");
        for (int i = 0; i < nm; i++) {
            long long va = (long long)cs[i].a, vb = (long long)cs[i].b;
            off_buf_put(b, "<tr><td>");
            off_buf_esc(b, counter_label(ta, cs[i].key));
            off_buf_put(b, "</td><td data-label=\"");
            off_buf_esc(b, q->name_a);
            off_buf_printf(b, "\">%lld</td><td data-label=\"", va);
            off_buf_esc(b, q->name_b);
            off_buf_printf(b, "\">%lld</td><td data-label=\"", vb);
            off_buf_esc(b, off_tr(c, "Difference"));
            off_buf_printf(b, "\">%s%lld</td></tr>", cs[i].diff > 0 ? "+" : "",
                           (long long)cs[i].diff);
        }
        off_buf_put(b, "</tbody></table>");
    }
    off_buf_put(b, "</section>");
}

/* One month over time: its pairs and their ratings pooled. */
typedef struct {
    char month[8]; /* YYYY-MM */
    long long pairs;
    off_calib_agreement a;
} month_row;

/* The months' agreement as a line (newest OFF_CHART_POINTS_MAX months), each
 * point saying how many signs rated by both it rests on. */
static void put_chart(off_ctx *c, const month_row *ms, int n)
{
    off_chart *ch = calloc(1, sizeof *ch);
    if (!ch)
        return;
    int from = n > OFF_CHART_POINTS_MAX ? n - OFF_CHART_POINTS_MAX : 0;
    ch->kind = OFF_CHART_LINES;
    ch->id = "calib-chart";
    ch->title = off_tr(c, "Percent agreement per month");
    ch->desc = off_tr(c, "The share of signs both observers of a pair rated at the same level, "
                         "every pair of the month pooled.");
    ch->cat_head = off_tr(c, "Month");
    ch->y_label = "%";
    ch->y_max = 100;
    ch->n_series = 1;
    ch->series[0] = off_tr(c, "Percent agreement");
    for (int i = from; i < n; i++) {
        int k = ch->n_cats++;
        ch->cats[k] = ms[i].month;
        off_chart_cell *cl = &ch->cell[0][k];
        cl->rag = -1;
        if (ms[i].a.state == OFF_KAPPA_EMPTY)
            continue;
        cl->has = 1;
        cl->v = ms[i].a.pct;
        snprintf(cl->text, sizeof cl->text, "%.0f %%", ms[i].a.pct);
        snprintf(
            cl->note, sizeof cl->note,
            off_ntr(c, "%lld sign rated by both", "%lld signs rated by both", (long long)ms[i].a.n),
            (long long)ms[i].a.n);
    }
    off_chart_write(c, ch);
    free(ch);
}

/* Over time: per month, every pair's ratings pooled. */
static int put_months(off_ctx *c, const char *unit, const char *focus)
{
    char err[300];
    const char *p[] = {unit, focus};
    PGresult *r = srv_q(
        c->pg,
        "WITH p AS (SELECT a.observation_id AS a, b.observation_id AS b,"
        " to_char(a.month, 'YYYY-MM') AS m" PAIRS_FROM "),"
        " months AS (SELECT m, count(*) AS pairs FROM p GROUP BY m"
        " ORDER BY m DESC LIMIT " SRV_STR(
            MONTHS_SHOWN) ")"
                          " SELECT months.m, months.pairs, ra.level, rb.level, count(rb.level)"
                          " FROM months JOIN p ON p.m = months.m"
                          " LEFT JOIN fact_obs_rating ra ON ra.observation_id = p.a"
                          " LEFT JOIN fact_obs_rating rb ON rb.observation_id = p.b"
                          " AND rb.sign_id = ra.sign_id"
                          " GROUP BY 1, 2, 3, 4 ORDER BY 1",
        2, p, err, sizeof err);
    if (!r) {
        db_fail(c, "months", err);
        return -1;
    }
    month_row ms[MONTHS_SHOWN];
    int nm = 0, rows = PQntuples(r);
    for (int i = 0; i < rows && nm < MONTHS_SHOWN;) {
        const char *m = PQgetvalue(r, i, 0);
        month_row *row = &ms[nm++];
        snprintf(row->month, sizeof row->month, "%s", m);
        row->pairs = atoll(PQgetvalue(r, i, 1));
        off_calib_tally t;
        memset(&t, 0, sizeof t);
        for (; i < rows && !strcmp(PQgetvalue(r, i, 0), row->month); i++) {
            if (PQgetisnull(r, i, 2) || PQgetisnull(r, i, 3))
                continue;
            int la = atoi(PQgetvalue(r, i, 2)), lb = atoi(PQgetvalue(r, i, 3));
            long long n = atoll(PQgetvalue(r, i, 4));
            if (la >= 0 && la < MODEL_MAX_SCALE && lb >= 0 && lb < MODEL_MAX_SCALE) {
                t.table[la][lb] += n;
                t.n += n;
            }
        }
        row->a = off_calib_agree(&t);
    }
    PQclear(r);
    off_buf *b = &c->body;
    off_buf_put(b, "<h2 id=\"over-time\">");
    off_buf_esc(b, off_tr(c, "Over time"));
    off_buf_put(b, "</h2><p>");
    off_buf_esc(b, off_tr(c, "Each month's figures pool the ratings of every pair that month, so a "
                             "month with more pairs rests on more ratings."));
    off_buf_put(b, "</p>");
    put_chart(c, ms, nm);
    off_buf_put(b, "<table class=\"wide\"><caption>");
    off_buf_esc(b, off_tr(c, "Agreement and kappa per month"));
    off_buf_put(b, "</caption><thead><tr>");
    const char *heads[] = {"Month", "Pairs", "Signs rated by both", "Percent agreement", "Kappa"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        off_buf_put(b, "<th scope=\"col\">");
        off_buf_esc(b, off_tr(c, heads[i]));
        off_buf_put(b, "</th>");
    }
    off_buf_put(b, "</tr></thead><tbody>");
    for (int i = 0; i < nm; i++) {
        const month_row *row = &ms[i];
        off_buf_put(b, "<tr><td>");
        off_buf_esc(b, row->month);
        off_buf_put(b, "</td><td data-label=\"");
        off_buf_esc(b, off_tr(c, "Pairs"));
        off_buf_printf(b, "\">%lld</td><td data-label=\"", row->pairs);
        off_buf_esc(b, off_tr(c, "Signs rated by both"));
        off_buf_printf(b, "\">%lld</td><td data-label=\"", (long long)row->a.n);
        off_buf_esc(b, off_tr(c, "Percent agreement"));
        off_buf_put(b, "\">");
        put_pct(c, &row->a);
        off_buf_put(b, "</td><td data-label=\"");
        off_buf_esc(b, off_tr(c, "Kappa"));
        off_buf_put(b, "\">");
        put_kappa(c, &row->a);
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table>");
    return 0;
}

/* The focus chooser: a GET form that works without script. */
static void put_filter(off_ctx *c, const char *unit, const char *focus, const srv_ref_focus *fs,
                       int n)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<form method=\"get\" action=\"/calibration\" class=\"actions\">"
                   "<input type=\"hidden\" name=\"unit\" value=\"");
    off_buf_esc(b, unit);
    off_buf_put(b, "\"><div class=\"field\"><label for=\"f-focus\">");
    off_buf_esc(b, off_tr(c, "Learning focus"));
    off_buf_put(b, "</label><select id=\"f-focus\" name=\"focus\"><option value=\"\">");
    off_buf_esc(b, off_tr(c, "Every learning focus"));
    off_buf_put(b, "</option>");
    for (int i = 0; i < n; i++) {
        off_buf_put(b, "<option value=\"");
        off_buf_esc(b, fs[i].focus.id);
        off_buf_printf(b, "\"%s>", !strcmp(focus, fs[i].focus.id) ? " selected" : "");
        off_buf_esc(b, fs[i].focus.question);
        off_buf_put(b, "</option>");
    }
    off_buf_put(b, "</select></div><button type=\"submit\">");
    off_buf_esc(b, off_tr(c, "Show"));
    off_buf_put(b, "</button></form>");
}

void off_calibration(off_ctx *c)
{
    model_id one;
    const char *unit = pick_unit(c, one);
    if (!unit || !off_require_unit(c, unit, OFF_ROLE_LEADER))
        return;
    char err[SRV_REF_ERR_MAX];
    srv_ref_unit u;
    srv_ref_rc urc = srv_ref_unit_get(c->pg, unit, &u, err, sizeof err);
    if (urc != SRV_REF_OK) {
        if (urc == SRV_REF_FAIL)
            db_fail(c, "unit", err);
        else
            off_fail(c, 404, "There is no such unit.");
        return;
    }
    const char *focus = off_form_get(&c->query, "focus");
    if (!focus)
        focus = "";
    srv_ref_focus *fs = NULL;
    int nf = 0;
    if (srv_ref_focuses(c->pg, unit, &fs, &nf, err, sizeof err) != SRV_REF_OK) {
        db_fail(c, "focuses", err);
        return;
    }
    int known = !*focus;
    for (int i = 0; i < nf && !known; i++)
        known = !strcmp(fs[i].focus.id, focus);
    if (!known) {
        free(fs);
        off_fail(c, 404, "There is no such learning focus.");
        return;
    }
    pair *ps = malloc(sizeof *ps * PAIRS_SHOWN);
    cache *k = calloc(1, sizeof *k);
    int np = 0, more = 0;
    if (!ps || !k) {
        free(ps);
        free(k);
        free(fs);
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
        return;
    }
    if (read_pairs(c, unit, focus, ps, &np, &more) != 0)
        goto out;
    PGresult *ratings = NULL, *counts = NULL;
    if (np > 0) {
        char *ids = id_array(ps, np);
        const char *p[] = {ids};
        if (ids)
            ratings = srv_q(c->pg,
                            "SELECT observation_id, sign_id, level FROM fact_obs_rating"
                            " WHERE observation_id = ANY($1::text[])",
                            1, p, err, sizeof err);
        if (ratings)
            counts = srv_q(c->pg,
                           "SELECT observation_id, key, n FROM fact_obs_count"
                           " WHERE kind = 'count' AND observation_id = ANY($1::text[])"
                           " ORDER BY observation_id, key",
                           1, p, err, sizeof err);
        free(ids);
        if (!ratings || !counts) {
            if (ratings)
                PQclear(ratings);
            db_fail(c, "ratings", ids ? err : "out of memory");
            goto out;
        }
    }
    off_buf *b = &c->body;
    off_page_begin(c, off_tr(c, "Calibration"), "calibration");
    off_buf_put(b, "<p class=\"muted\">");
    off_buf_esc(b, u.unit.name);
    off_buf_put(b, "</p><p>");
    off_buf_esc(b, off_tr(c, "When two observers observe the same session, each on their own "
                             "tablet, their ratings show whether the team sees the same signs "
                             "in the same way, before it trusts the numbers."));
    off_buf_put(b, "</p><p class=\"note\">");
    off_buf_esc(b, off_tr(c, "Agreement is the share of signs both observers rated at the same "
                             "level. Cohen's kappa says how far that agreement is beyond what "
                             "chance would give: 1 is full agreement, 0 no more than chance, "
                             "below 0 less; when every rating is at one and the same level, "
                             "kappa is not defined and the agreement is the figure to read. "
                             "Each figure says how many signs rated by both it rests on: a "
                             "figure on a few ratings is a question to talk about, not a "
                             "verdict."));
    off_buf_put(b, "</p>");
    put_filter(c, unit, focus, fs, nf);
    if (np == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "No paired observations yet. Two observers make one by "
                                 "choosing \"Together with a colleague?\" when they start on "
                                 "their tablets: one shows a pair code, the other types it."));
        off_buf_put(b, "</p>");
    } else {
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, "Pairs"));
        off_buf_put(b, "</h2>");
        if (more) {
            off_buf_put(b, "<p class=\"muted\">");
            put_ntr(c, "The newest %lld pair is shown; older pairs count in the figures over time.",
                    "The newest %lld pairs are shown; older pairs count in the figures over time.",
                    PAIRS_SHOWN);
            off_buf_put(b, "</p>");
        }
        for (int i = 0; i < np; i++)
            put_pair(c, k, &ps[i], i + 1, ratings, counts);
        PQclear(ratings);
        PQclear(counts);
        if (put_months(c, unit, focus) != 0)
            goto out;
    }
    off_page_end(c);
out:
    cache_free(k);
    free(k);
    free(ps);
    free(fs);
}
