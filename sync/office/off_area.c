/*
 * The area overview, for area leaders and administrators preparing a
 * leadership meeting: over the last twelve months, each unit's learning
 * focuses with the red/yellow/green of their signs, the observations per
 * unit per month, and the share of them with feedback given and with a
 * reflection written. Figures only, from the monthly rollups; nothing
 * names a person. An area leader sees the units given to them, an
 * administrator every unit.
 */
#include "off_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_tally.h"
#include "srv_int.h"
#include "srv_ref.h"

#define MONTHS 12
#define UNITS_SHOWN 100

static void db_fail(off_ctx *c, const char *what, const char *err)
{
    srv_log("office: area: %s: %s", what, err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

static const char *const month_msgids[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

typedef struct {
    char id[MODEL_UUID_LEN + 1];
    char name[MODEL_NAME_MAX + 1];
    long long obs[MONTHS], feedback, reflection, total;
} unit_row;

/* The ratings of one sign of one focus in one unit over the months. */
typedef struct {
    model_id unit, focus, sign;
    int n_scale;
    int at[MODEL_MAX_SCALE];
} sign_row;

/* The units as a text[] literal (checked ids: nothing to quote). */
static char *units_array(const unit_row *u, int n)
{
    char *s = malloc((size_t)n * (MODEL_UUID_LEN + 1) + 3);
    if (!s)
        return NULL;
    size_t k = 0;
    s[k++] = '{';
    for (int i = 0; i < n; i++) {
        if (i)
            s[k++] = ',';
        memcpy(s + k, u[i].id, strlen(u[i].id));
        k += strlen(u[i].id);
    }
    s[k++] = '}';
    s[k] = 0;
    return s;
}

/* One focus's cell: its signs' colours by the template's thresholds, each
 * a mark and a word, with the number of observations behind it. */
static void focus_cell(off_ctx *c, const model_focus *f, const model_template *t,
                       const sign_row *rows, int nrows, const char *unit)
{
    off_buf *b = &c->body;
    int counts[5] = {0};
    for (int s = 0; s < f->n_signs; s++) {
        /* The ratings on the scale of the template as it is now; ratings
         * on an older scale of another length are the progression's to
         * tell in detail. */
        int at[MODEL_MAX_SCALE] = {0}, ns = t ? t->n_scale : 0;
        for (int k = 0; k < nrows; k++) {
            if (strcmp(rows[k].unit, unit) != 0 || strcmp(rows[k].focus, f->id) != 0 ||
                strcmp(rows[k].sign, f->signs[s].id) != 0)
                continue;
            if (!ns)
                ns = rows[k].n_scale;
            if (rows[k].n_scale != ns)
                continue;
            for (int l = 0; l < MODEL_MAX_SCALE; l++)
                at[l] += rows[k].at[l];
        }
        model_template tt;
        memset(&tt, 0, sizeof tt);
        tt.n_scale = ns ? ns : 3;
        tt.green_pct = t ? t->green_pct : 101;
        tt.yellow_pct = t ? t->yellow_pct : 101;
        int col = (int)model_sign_color_of(&tt, at, NULL);
        counts[col]++;
    }
    off_buf_put(b, "<ul class=\"rag-list\">");
    static const int order[] = {MODEL_SIGN_RED, MODEL_SIGN_YELLOW, MODEL_SIGN_GREEN,
                                MODEL_SIGN_TOO_FEW, MODEL_SIGN_NOT_RATED};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!counts[order[i]])
            continue;
        off_buf_put(b, "<li>");
        off_rag_write(c, order[i]);
        char s[80];
        snprintf(s, sizeof s, off_ntr(c, ": %d sign", ": %d signs", counts[order[i]]),
                 counts[order[i]]);
        off_buf_esc(b, s);
        off_buf_put(b, "</li>");
    }
    off_buf_put(b, "</ul>");
}

void off_area(off_ctx *c)
{
    PGresult *vis = off_visible_units(c);
    if (!vis)
        return;
    int nu = PQntuples(vis), more = nu > UNITS_SHOWN;
    if (more)
        nu = UNITS_SHOWN;
    unit_row *u = calloc((size_t)(nu ? nu : 1), sizeof *u);
    sign_row *signs = NULL;
    char *arr = NULL;
    PGresult *months = NULL;
    off_plan_tally *plans = NULL;
    int n_plans = 0;
    off_chart *ch = calloc(1, sizeof *ch);
    srv_ref_focus *fs = NULL;
    srv_ref_template *ts = NULL;
    const char **ids = calloc((size_t)(nu ? nu : 1), sizeof *ids);
    int nf = 0, nt = 0;
    if (!u || !ch || !ids) {
        off_fail(c, 500, "The server ran out of memory.");
        goto out;
    }
    for (int i = 0; i < nu; i++) {
        snprintf(u[i].id, sizeof u[i].id, "%s", PQgetvalue(vis, i, 0));
        snprintf(u[i].name, sizeof u[i].name, "%s", PQgetvalue(vis, i, 1));
    }
    /* The units are the person's to see (decided on the primary): the
     * figures may come from the replica. */
    off_replica_begin(c);
    arr = units_array(u, nu);
    if (!arr) {
        off_fail(c, 500, "The server ran out of memory.");
        goto out;
    }
    char err[300];
    /* The twelve months up to this one, in Danish time as the rollups. */
    months = srv_q(c->rd,
                   "SELECT to_char(m, 'YYYY-MM-DD') FROM generate_series("
                   " date_trunc('month', (now() AT TIME ZONE 'Europe/Copenhagen'))"
                   "  - interval '11 months',"
                   " date_trunc('month', (now() AT TIME ZONE 'Europe/Copenhagen')),"
                   " interval '1 month') m ORDER BY m",
                   0, NULL, err, sizeof err);
    if (!months || PQntuples(months) != MONTHS) {
        db_fail(c, "months", err);
        goto out;
    }
    const char *first = PQgetvalue(months, 0, 0);
    const char *p[] = {arr, first};
    PGresult *r = srv_q(c->rd,
                        "SELECT unit_id, month::text, sum(n_obs), sum(n_feedback),"
                        " sum(n_reflection) FROM roll_month"
                        " WHERE unit_id = ANY($1::text[]) AND month >= $2::date GROUP BY 1, 2",
                        2, p, err, sizeof err);
    if (!r) {
        db_fail(c, "counts", err);
        goto out;
    }
    long long per_month[MONTHS] = {0};
    for (int k = 0; k < PQntuples(r); k++) {
        int m = -1;
        for (int j = 0; j < MONTHS; j++)
            if (!strcmp(PQgetvalue(months, j, 0), PQgetvalue(r, k, 1)))
                m = j;
        for (int i = 0; m >= 0 && i < nu; i++)
            if (!strcmp(u[i].id, PQgetvalue(r, k, 0))) {
                long long n = atoll(PQgetvalue(r, k, 2));
                u[i].obs[m] += n;
                u[i].total += n;
                u[i].feedback += atoll(PQgetvalue(r, k, 3));
                u[i].reflection += atoll(PQgetvalue(r, k, 4));
                per_month[m] += n;
            }
    }
    PQclear(r);
    r = srv_q(c->rd,
              "SELECT unit_id, focus_id, sign_id, n_scale, sum(n0), sum(n1), sum(n2), sum(n3),"
              " sum(n4) FROM roll_month_sign WHERE unit_id = ANY($1::text[]) AND month >= $2::date"
              " GROUP BY 1, 2, 3, 4",
              2, p, err, sizeof err);
    if (!r) {
        db_fail(c, "signs", err);
        goto out;
    }
    int ns = PQntuples(r);
    signs = calloc((size_t)(ns ? ns : 1), sizeof *signs);
    if (!signs) {
        PQclear(r);
        off_fail(c, 500, "The server ran out of memory.");
        goto out;
    }
    for (int k = 0; k < ns; k++) {
        snprintf(signs[k].unit, sizeof(model_id), "%s", PQgetvalue(r, k, 0));
        snprintf(signs[k].focus, sizeof(model_id), "%s", PQgetvalue(r, k, 1));
        snprintf(signs[k].sign, sizeof(model_id), "%s", PQgetvalue(r, k, 2));
        signs[k].n_scale = atoi(PQgetvalue(r, k, 3));
        for (int l = 0; l < MODEL_MAX_SCALE; l++)
            signs[k].at[l] = atoi(PQgetvalue(r, k, 4 + l));
    }
    PQclear(r);
    /* Every unit's focuses, and the templates they rest on, in a statement
     * each: asked unit by unit, the page took over a second for a hundred
     * units. */
    for (int i = 0; i < nu; i++)
        ids[i] = u[i].id;
    if (srv_ref_focuses_of_units(c->rd, ids, nu, &fs, &nf, err, sizeof err) != SRV_REF_OK) {
        db_fail(c, "focuses", err);
        goto out;
    }
    const char **tids = realloc(ids, (size_t)(nf ? nf : 1) * sizeof *tids);
    if (!tids) {
        off_fail(c, 500, "The server ran out of memory.");
        goto out;
    }
    ids = tids;
    for (int k = 0; k < nf; k++)
        ids[k] = fs[k].focus.template_id;
    if (srv_ref_templates_latest(c->rd, ids, nf, &ts, &nt, err, sizeof err) != SRV_REF_OK) {
        db_fail(c, "templates", err);
        goto out;
    }
    /* The planned observations per focus, done and still to do. */
    if (off_plan_tallies(c, arr, &plans, &n_plans) != 0)
        goto out;

    char labels[MONTHS][40];
    for (int j = 0; j < MONTHS; j++) {
        int y = 0, m = 1;
        sscanf(PQgetvalue(months, j, 0), "%d-%d", &y, &m);
        snprintf(labels[j], sizeof labels[j], "%s %d", off_tr(c, month_msgids[(m - 1) % 12]), y);
    }
    off_buf *b = &c->body;
    off_page_begin(c, off_tr(c, "Area overview"), "area");
    char s[400];
    snprintf(s, sizeof s,
             off_tr(c, "The last twelve months, %s to %s, in the units you see: each unit's "
                       "learning focuses with the colours of their signs, and how many "
                       "observations were finished. Figures only: no person is named."),
             labels[0], labels[MONTHS - 1]);
    off_buf_put(b, "<p class=\"lead\">");
    off_buf_esc(b, s);
    off_buf_put(b, "</p>");
    if (more) {
        off_buf_put(b, "<p class=\"muted\">");
        off_buf_esc(b, off_tr(c, "Only the first 100 units by name are shown."));
        off_buf_put(b, "</p>");
    }
    if (nu == 0) {
        off_buf_put(b, "<p class=\"note\">");
        off_buf_esc(b, off_tr(c, "No unit has been given to you yet. Ask your administrator."));
        off_buf_put(b, "</p>");
        off_page_end(c);
        goto out;
    }

    /* Units × focuses. */
    off_buf_put(b, "<section class=\"figure-block\"><h2>");
    off_buf_esc(b, off_tr(c, "Learning focuses by unit"));
    off_buf_put(b, "</h2><table class=\"wide area-focus\"><thead><tr><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Unit"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Learning focus"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Signs"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Planned observations"));
    off_buf_put(b, "</th></tr></thead><tbody>");
    for (int i = 0; i < nu; i++) {
        int shown = 0;
        for (int k = 0; k < nf; k++) {
            if (fs[k].retired || strcmp(fs[k].focus.unit_id, u[i].id))
                continue;
            const model_focus *f = &fs[k].focus;
            const model_template *t = NULL;
            for (int j = 0; j < nt && !t; j++)
                if (!strcmp(ts[j].tmpl.id, f->template_id))
                    t = &ts[j].tmpl;
            off_buf_put(b, "<tr><td data-label=\"");
            off_buf_esc(b, off_tr(c, "Unit"));
            off_buf_put(b, "\">");
            off_buf_esc(b, u[i].name);
            off_buf_put(b, "</td><td data-label=\"");
            off_buf_esc(b, off_tr(c, "Learning focus"));
            off_buf_put(b, "\"><a href=\"/focuses/");
            off_buf_url(b, f->id);
            off_buf_put(b, "/progression\">");
            off_buf_esc(b, f->question);
            off_buf_put(b, "</a></td><td data-label=\"");
            off_buf_esc(b, off_tr(c, "Signs"));
            off_buf_put(b, "\">");
            focus_cell(c, f, t, signs, ns, u[i].id);
            off_buf_put(b, "</td><td data-label=\"");
            off_buf_esc(b, off_tr(c, "Planned observations"));
            off_buf_put(b, "\">");
            off_plan_tally_write(c, off_plan_tally_find(plans, n_plans, u[i].id, f->id));
            off_buf_put(b, "</td></tr>");
            shown++;
        }
        if (!shown) {
            off_buf_put(b, "<tr><td data-label=\"");
            off_buf_esc(b, off_tr(c, "Unit"));
            off_buf_put(b, "\">");
            off_buf_esc(b, u[i].name);
            off_buf_put(b, "</td><td colspan=\"3\" class=\"muted\">");
            off_buf_esc(b, off_tr(c, "No learning focus in use."));
            off_buf_put(b, "</td></tr>");
        }
    }
    off_buf_put(b, "</tbody></table></section>");

    /* Observations per month, all units together, as a chart with its table. */
    off_buf_put(b, "<section class=\"figure-block\"><h2>");
    off_buf_esc(b, off_tr(c, "Observations per month"));
    off_buf_put(b, "</h2>");
    ch->kind = OFF_CHART_BARS;
    ch->whole = 1;
    ch->id = "chart-area";
    ch->title = off_tr(c, "Observations finished per month, all units shown");
    ch->desc = off_tr(c, "Bars: the observations finished in each of the last twelve months in "
                         "the units on this page together.");
    ch->cat_head = off_tr(c, "Month");
    ch->y_label = off_tr(c, "observations");
    ch->n_cats = MONTHS;
    ch->n_series = 1;
    ch->series[0] = off_tr(c, "Observations");
    for (int j = 0; j < MONTHS; j++) {
        ch->cats[j] = labels[j];
        ch->cell[0][j].has = 1;
        ch->cell[0][j].v = (double)per_month[j];
        ch->cell[0][j].rag = -1;
        snprintf(ch->cell[0][j].text, sizeof ch->cell[0][j].text, "%lld", per_month[j]);
    }
    off_chart_write(c, ch);

    /* Per unit: the months, the share with feedback and with reflection. */
    off_buf_put(b, "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" "
                   "aria-labelledby=\"units-cap\"><table class=\"figures\"><caption "
                   "id=\"units-cap\">");
    off_buf_esc(b, off_tr(c, "Observations per unit per month, and how many of them had "
                             "feedback given and a reflection written"));
    off_buf_put(b, "</caption><thead><tr><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Unit"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "In all"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Feedback given"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Reflection written"));
    off_buf_put(b, "</th>");
    for (int j = 0; j < MONTHS; j++) {
        off_buf_put(b, "<th scope=\"col\">");
        off_buf_esc(b, labels[j]);
        off_buf_put(b, "</th>");
    }
    off_buf_put(b, "</tr></thead><tbody>");
    for (int i = 0; i < nu; i++) {
        off_buf_put(b, "<tr><th scope=\"row\">");
        off_buf_esc(b, u[i].name);
        off_buf_put(b, "</th>");
        off_buf_printf(b, "<td>%lld</td>", u[i].total);
        long long parts[2] = {u[i].feedback, u[i].reflection};
        for (int k = 0; k < 2; k++) {
            off_buf_put(b, "<td>");
            if (u[i].total > 0) {
                snprintf(s, sizeof s, off_tr(c, "%lld %% (%lld of %lld)"),
                         (parts[k] * 100 + u[i].total / 2) / u[i].total, parts[k], u[i].total);
                off_buf_esc(b, s);
            } else {
                off_buf_put(b, "\u2013");
            }
            off_buf_put(b, "</td>");
        }
        for (int j = 0; j < MONTHS; j++)
            off_buf_printf(b, "<td>%lld</td>", u[i].obs[j]);
        off_buf_put(b, "</tr>");
    }
    off_buf_put(b, "</tbody></table></div></section>");
    off_page_end(c);
out:
    PQclear(vis);
    PQclear(months);
    free(u);
    free(signs);
    free(arr);
    free(ch);
    free(fs);
    free(ts);
    free(ids);
    free(plans);
}
