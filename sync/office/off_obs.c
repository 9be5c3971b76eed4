/*
 * The observations list: every observation the reader may see, newest
 * first, a bounded page at a time, narrowed by filters in the address
 * (unit, focus, from, to, observer, observee, room, status, feedback,
 * reflection, sign and level) that a plain GET form sets, so the list
 * works without script and any view of it is a link that can be shared
 * (the progression's cells link here).
 *
 * It reads fact_obs, the table the server keeps up to date inside every
 * push, so a page costs one indexed query however many observations
 * there are; it never reads the observations' records.
 *
 * Scope is in the query itself, before any filter: a peer gets the
 * observations they observed or were observed in, a leader their unit's,
 * an area leader their units' and an administrator every unit's. Area
 * leaders and administrators do not see (or filter by) the observed
 * person, and their rows do not link to a page they may not open.
 *
 * A filter value that is not one the form offers (a malformed id or date,
 * an unknown word, a level without a sign, a page that is not a number)
 * is refused with 400: the form comes back with the message at the field,
 * and no list, rather than a list that silently ignores half the question.
 */
#include "off_obs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_tally.h"
#include "srv_int.h"
#include "srv_ref.h"

#define PAGE_ROWS 50
#define PAGE_MAX 2000   /* 100,000 rows deep: past it, narrow the filters */
#define COUNT_CAP 10000 /* a count above this says "more than" */
#define OPTIONS_MAX 500 /* people, rooms or focuses offered in one select */
#define PARAMS_MAX 16

/* ---- the filters ---- */

typedef struct {
    const char *unit, *focus, *from, *to, *observer, *observee, *room, *status, *feedback,
        *reflection, *sign, *level;
    int page;
} filters;

#define ERRS_MAX 14

typedef struct {
    int n;
    const char *field[ERRS_MAX];
    const char *msg[ERRS_MAX]; /* translated */
} errors;

static void err_add(off_ctx *c, errors *e, const char *field, const char *msgid)
{
    if (e->n < ERRS_MAX) {
        e->field[e->n] = field;
        e->msg[e->n++] = off_tr(c, msgid);
    }
}

static const char *err_of(const errors *e, const char *field)
{
    for (int i = 0; i < e->n; i++)
        if (!strcmp(e->field[i], field))
            return e->msg[i];
    return NULL;
}

/* A filter's value, or NULL when absent or empty ("any"). */
static const char *q(off_ctx *c, const char *name)
{
    const char *v = off_form_get(&c->query, name);
    return v && *v ? v : NULL;
}

static void check_id(off_ctx *c, errors *e, const char *field, const char *v)
{
    char err[200];
    if (v && model_id_check(v, field, err, sizeof err) != 0)
        err_add(c, e, field, "This is not one of the choices the list offers. Choose again.");
}

static void check_word(off_ctx *c, errors *e, const char *field, const char *v, const char *a,
                       const char *b, const char *msgid)
{
    if (v && strcmp(v, a) != 0 && strcmp(v, b) != 0)
        err_add(c, e, field, msgid);
}

/* Reads and checks the filters; the problems go to e. */
static void read_filters(off_ctx *c, filters *f, errors *e)
{
    memset(f, 0, sizeof *f);
    memset(e, 0, sizeof *e);
    f->unit = q(c, "unit");
    f->focus = q(c, "focus");
    f->from = q(c, "from");
    f->to = q(c, "to");
    f->observer = q(c, "observer");
    f->observee = q(c, "observee");
    f->room = q(c, "room");
    f->status = q(c, "status");
    f->feedback = q(c, "feedback");
    f->reflection = q(c, "reflection");
    f->sign = q(c, "sign");
    f->level = q(c, "level");
    check_id(c, e, "unit", f->unit);
    check_id(c, e, "focus", f->focus);
    char err[200];
    if (f->from && model_date_check(f->from, "from", err, sizeof err) != 0)
        err_add(c, e, "from", "Write the first day as a date, for example 2026-03-01.");
    if (f->to && model_date_check(f->to, "to", err, sizeof err) != 0)
        err_add(c, e, "to", "Write the last day as a date, for example 2026-03-31.");
    if (f->from && f->to && !err_of(e, "from") && !err_of(e, "to") && strcmp(f->from, f->to) > 0)
        err_add(c, e, "to", "The last day is before the first day.");
    check_id(c, e, "observer", f->observer);
    if (f->observee && !off_obs_names_shown(c))
        err_add(c, e, "observee",
                "The names of observed people are hidden from you, so the list cannot be "
                "narrowed by one.");
    else
        check_id(c, e, "observee", f->observee);
    check_id(c, e, "room", f->room);
    check_word(c, e, "status", f->status, "draft", "finished", "Choose draft or finished.");
    check_word(c, e, "feedback", f->feedback, "yes", "no", "Choose yes or no.");
    check_word(c, e, "reflection", f->reflection, "yes", "no", "Choose yes or no.");
    check_id(c, e, "sign", f->sign);
    if (f->level) {
        if (strlen(f->level) != 1 || f->level[0] < '0' || f->level[0] >= '0' + MODEL_MAX_SCALE)
            err_add(c, e, "level", "This is not one of the choices the list offers. Choose again.");
        else if (!f->sign)
            err_add(c, e, "level", "Choose a sign to narrow the list by how it was rated.");
    }
    f->page = 1;
    const char *pg = q(c, "page");
    if (pg) {
        char *end;
        long n = strtol(pg, &end, 10);
        if (*end || n < 1 || n > PAGE_MAX || strspn(pg, "0123456789") != strlen(pg))
            err_add(c, e, "page", "The page number must be a whole number from 1.");
        else
            f->page = (int)n;
    }
}

/* ---- the query ---- */

typedef struct {
    char sql[2048];
    size_t len;
    const char *p[PARAMS_MAX];
    int n;
} query;

static void sql_add(query *x, const char *s)
{
    size_t k = strlen(s);
    if (x->len + k < sizeof x->sql) {
        memcpy(x->sql + x->len, s, k + 1);
        x->len += k;
    }
}

/* Adds " AND <cond>" where cond holds one "$" for the parameter value. */
static void sql_where(query *x, const char *cond, const char *value)
{
    char buf[400], num[16];
    if (x->n >= PARAMS_MAX) {
        sql_add(x, " AND false"); /* never: the filters are fewer; fail closed */
        return;
    }
    snprintf(num, sizeof num, "$%d", ++x->n);
    x->p[x->n - 1] = value;
    const char *dollar = strchr(cond, '$');
    snprintf(buf, sizeof buf, " AND %.*s%s%s", (int)(dollar - cond), cond, num, dollar + 1);
    sql_add(x, buf);
}

/* The reader's scope, then the filters, as a WHERE clause over fact_obs o. */
static void scope_and_filters(off_ctx *c, const filters *f, query *x)
{
    const off_user *u = &c->user;
    sql_add(x, " WHERE true");
    switch (u->role) {
    case OFF_ROLE_ADMIN: break;
    case OFF_ROLE_AREA:
        sql_where(x, "o.unit_id IN (SELECT unit_id FROM account_units WHERE account_id = $)",
                  u->account_id);
        break;
    case OFF_ROLE_LEADER: sql_where(x, "o.unit_id = $", u->unit_id); break;
    default:
        sql_where(x, "o.unit_id = $", u->unit_id);
        /* A peer without a person observes nobody: "" matches no id. */
        sql_where(x, "$ IN (o.observer_id, o.observee_id)", u->person_id);
        break;
    }
    if (f->unit)
        sql_where(x, "o.unit_id = $", f->unit);
    if (f->focus)
        sql_where(x, "o.focus_id = $", f->focus);
    if (f->from)
        sql_where(x, "o.started_at >= ($::date::timestamp AT TIME ZONE 'Europe/Copenhagen')",
                  f->from);
    if (f->to)
        sql_where(x, "o.started_at < (($::date + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen')",
                  f->to);
    if (f->observer)
        sql_where(x, "o.observer_id = $", f->observer);
    if (f->observee)
        sql_where(x, "o.observee_id = $", f->observee);
    if (f->room)
        sql_where(x, "o.room_id = $", f->room);
    if (f->status)
        sql_where(x, "o.status = $", f->status);
    if (f->feedback)
        sql_where(x, "o.feedback_given = ($ = 'yes')", f->feedback);
    if (f->reflection)
        sql_where(x, "o.reflection_written = ($ = 'yes')", f->reflection);
    if (f->sign && f->level) {
        sql_where(x,
                  "EXISTS (SELECT 1 FROM fact_obs_rating fr WHERE"
                  " fr.observation_id = o.observation_id AND fr.sign_id = $",
                  f->sign);
        sql_where(x, "fr.level = $::int)", f->level);
    } else if (f->sign) {
        sql_where(x,
                  "EXISTS (SELECT 1 FROM fact_obs_rating fr WHERE"
                  " fr.observation_id = o.observation_id AND fr.sign_id = $)",
                  f->sign);
    }
}

/* ---- the form ---- */

/* The unit whose focuses, people and rooms the form offers: the one
 * filtered by, or the unit of the focus, room or person filtered by, or
 * the reader's only unit; "" when there is no one unit. */
static void context_unit(off_ctx *c, const filters *f, PGresult *units, model_id out)
{
    out[0] = 0;
    if (f->unit) {
        snprintf(out, sizeof(model_id), "%s", f->unit);
        return;
    }
    const char *any = f->focus      ? f->focus
                      : f->room     ? f->room
                      : f->observer ? f->observer
                                    : f->observee;
    if (any) {
        char err[300];
        const char *p[] = {any};
        PGresult *r = srv_q(c->pg,
                            "SELECT unit_id FROM focuses WHERE id = $1 UNION"
                            " SELECT unit_id FROM rooms WHERE id = $1 UNION"
                            " SELECT unit_id FROM people WHERE id = $1 LIMIT 1",
                            1, p, err, sizeof err);
        if (r && PQntuples(r) == 1 && off_can_unit(c, PQgetvalue(r, 0, 0), OFF_ROLE_PEER))
            snprintf(out, sizeof(model_id), "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        if (out[0])
            return;
    }
    if (units && PQntuples(units) == 1)
        snprintf(out, sizeof(model_id), "%s", PQgetvalue(units, 0, 0));
}

/* A select whose choices are the rows of r (id, label), after "any". */
static void select_rows(off_ctx *c, const char *name, const char *label, PGresult *r,
                        const char *selected, const char *any, const errors *e)
{
    int n = r ? PQntuples(r) : 0;
    if (n > OPTIONS_MAX)
        n = OPTIONS_MAX;
    const char **values = malloc((size_t)(n + 1) * sizeof *values);
    const char **labels = malloc((size_t)(n + 1) * sizeof *labels);
    if (!values || !labels) {
        free(values);
        free(labels);
        c->body.oom = 1;
        return;
    }
    values[0] = "";
    labels[0] = any;
    for (int i = 0; i < n; i++) {
        values[i + 1] = PQgetvalue(r, i, 0);
        labels[i + 1] = PQgetvalue(r, i, 1);
    }
    off_select(c, name, label, values, labels, n + 1, selected, err_of(e, name));
    free(values);
    free(labels);
}

static PGresult *options(off_ctx *c, const char *sql, const char *arg)
{
    char err[300];
    const char *p[] = {arg};
    PGresult *r = srv_q(c->pg, sql, 1, p, err, sizeof err);
    if (!r)
        srv_log("office: observations: options: %s", err);
    return r;
}

static void write_form(off_ctx *c, const filters *f, const errors *e, PGresult *units,
                       const char *cu)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<form method=\"get\" action=\"/observations\" class=\"obs-filters\">"
                   "<fieldset><legend>");
    off_buf_esc(b, off_tr(c, "Filters"));
    off_buf_put(b, "</legend><div class=\"obs-grid\">");
    select_rows(c, "unit", off_tr(c, "Unit"), units, f->unit, off_tr(c, "Every unit you may see"),
                e);
    off_input(c, "date", "from", off_tr(c, "From (first day)"), f->from, 10, NULL,
              err_of(e, "from"));
    off_input(c, "date", "to", off_tr(c, "To (last day)"), f->to, 10, NULL, err_of(e, "to"));
    {
        const char *v[] = {"", "finished", "draft"};
        const char *l[] = {off_tr(c, "Any"), off_tr(c, "Finished"), off_tr(c, "Draft")};
        off_select(c, "status", off_tr(c, "Status"), v, l, 3, f->status, err_of(e, "status"));
    }
    {
        const char *v[] = {"", "yes", "no"};
        const char *l[] = {off_tr(c, "Any"), off_tr(c, "Yes"), off_tr(c, "No")};
        off_select(c, "feedback", off_tr(c, "Feedback given"), v, l, 3, f->feedback,
                   err_of(e, "feedback"));
        off_select(c, "reflection", off_tr(c, "Reflection written"), v, l, 3, f->reflection,
                   err_of(e, "reflection"));
    }
    if (!off_obs_names_shown(c) && err_of(e, "observee")) {
        /* No choice of observed people is offered to this reader; the
         * message stands where the summary's link leads. */
        off_buf_put(b, "<p class=\"error\" id=\"f-observee\">");
        off_buf_esc(b, err_of(e, "observee"));
        off_buf_put(b, "</p>");
    }
    srv_ref_focus *fo = NULL;
    srv_ref_template *tp = NULL;
    if (cu[0]) {
        PGresult *focuses = options(
            c,
            "SELECT id, question FROM (SELECT DISTINCT ON (f.id) f.id,"
            " coalesce(i.data::jsonb->>'question', f.id) AS question FROM focuses f"
            " LEFT JOIN items i ON i.entity = 'focus' AND i.key = f.id || '/' || f.version"
            " WHERE f.unit_id = $1 ORDER BY f.id, f.version DESC) x ORDER BY question, id",
            cu);
        select_rows(c, "focus", off_tr(c, "Learning focus"), focuses, f->focus, off_tr(c, "Any"),
                    e);
        PQclear(focuses);
        PGresult *people = options(
            c, "SELECT id, name FROM people WHERE unit_id = $1 ORDER BY name, id", cu);
        select_rows(c, "observer", off_tr(c, "Observer"), people, f->observer, off_tr(c, "Anyone"),
                    e);
        if (off_obs_names_shown(c))
            select_rows(c, "observee", off_tr(c, "Observed"), people, f->observee,
                        off_tr(c, "Anyone"), e);
        PQclear(people);
        PGresult *rooms = options(
            c, "SELECT id, name FROM rooms WHERE unit_id = $1 ORDER BY name, id", cu);
        select_rows(c, "room", off_tr(c, "Room"), rooms, f->room, off_tr(c, "Any"), e);
        PQclear(rooms);
    }
    /* The signs and the scale of the focus filtered by, in its latest
     * words (a sign keeps its id across versions, and a level its
     * place on the scale). */
    if (f->focus && !err_of(e, "focus")) {
        char err[SRV_REF_ERR_MAX];
        fo = malloc(sizeof *fo);
        tp = malloc(sizeof *tp);
        if (fo && tp && srv_ref_focus_get(c->pg, f->focus, 0, fo, err, sizeof err) == SRV_REF_OK &&
            off_can_unit(c, fo->focus.unit_id, OFF_ROLE_PEER)) {
            const model_focus *m = &fo->focus;
            const char *v[MODEL_MAX_SIGNS + 1], *l[MODEL_MAX_SIGNS + 1];
            v[0] = "";
            l[0] = off_tr(c, "Any");
            for (int i = 0; i < m->n_signs; i++) {
                v[i + 1] = m->signs[i].id;
                l[i + 1] = m->signs[i].text;
            }
            off_select(c, "sign", off_tr(c, "Rated sign"), v, l, m->n_signs + 1, f->sign,
                       err_of(e, "sign"));
            if (srv_ref_template_get(c->pg, m->template_id, 0, tp, err, sizeof err) == SRV_REF_OK) {
                model_template_localize(&tp->tmpl, c->lang);
                const char *lv[MODEL_MAX_SCALE + 1], *ll[MODEL_MAX_SCALE + 1];
                static const char *const digits[] = {"0", "1", "2", "3", "4"};
                lv[0] = "";
                ll[0] = off_tr(c, "Any");
                for (int i = 0; i < tp->tmpl.n_scale && i < MODEL_MAX_SCALE; i++) {
                    lv[i + 1] = digits[i];
                    ll[i + 1] = tp->tmpl.scale[i];
                }
                off_select(c, "level", off_tr(c, "Rated at"), lv, ll, tp->tmpl.n_scale + 1,
                           f->level, err_of(e, "level"));
            }
        }
    } else if (f->sign || f->level || err_of(e, "level")) {
        /* A sign or level came without a focus (a link made elsewhere):
         * keep it in the form, which cannot offer signs without one. */
        off_input(c, "text", "sign", off_tr(c, "Rated sign"), f->sign, 36,
                  off_tr(c, "Choose a learning focus to choose among its signs."),
                  err_of(e, "sign"));
        off_input(c, "text", "level", off_tr(c, "Rated at"), f->level, 1, NULL, err_of(e, "level"));
    }
    free(fo);
    free(tp);
    off_buf_put(b, "</div>");
    if (!cu[0]) {
        off_buf_put(b, "<p class=\"hint\">");
        off_buf_esc(b, off_tr(c, "Choose a unit and press Show to narrow the list by focus, "
                                 "people and room too."));
        off_buf_put(b, "</p>");
    }
    off_buf_put(b, "<div class=\"actions\">");
    off_submit(c, off_tr(c, "Show"), 0);
    off_buf_put(b, "<a class=\"cancel\" href=\"/observations\">");
    off_buf_esc(b, off_tr(c, "Clear the filters"));
    off_buf_put(b, "</a></div></fieldset></form>");
}

/* ---- the list ---- */

/* The address of this list at another page, with the same filters. */
static void page_link(off_ctx *c, int page)
{
    off_buf *b = &c->body;
    off_buf_put(b, "/observations?");
    int first = 1;
    for (int i = 0; i < c->query.n; i++) {
        const off_field *fl = &c->query.f[i];
        if (!strcmp(fl->name, "page") || !strcmp(fl->name, "lang") || !strcmp(fl->name, "done") ||
            !fl->value[0])
            continue;
        if (!first)
            off_buf_put(b, "&amp;");
        first = 0;
        off_buf_url(b, fl->name);
        off_buf_put(b, "=");
        off_buf_url(b, fl->value);
    }
    off_buf_printf(b, "%spage=%d", first ? "" : "&amp;", page);
}

static void cell(off_ctx *c, const char *head)
{
    off_buf_put(&c->body, "</td><td data-label=\"");
    off_buf_esc(&c->body, off_tr(c, head));
    off_buf_put(&c->body, "\">");
}

static void yes_no(off_ctx *c, const char *v)
{
    off_buf_esc(&c->body, off_tr(c, !strcmp(v, "t") ? "Yes" : "No"));
}

/* The rows of a page; the unit's column only for a reader of several
 * units, so that the table fits a laptop's width. */
static void write_rows(off_ctx *c, PGresult *r, int names, int units)
{
    off_buf *b = &c->body;
    static const char *const heads[] = {"Started",  "Learning focus", "Unit",   "Observer",
                                        "Observed", "Room",           "Status", "Length",
                                        "Feedback", "Reflection"};
    off_buf_put(b, "<table class=\"wide obs-list\"><caption class=\"vh\">");
    off_buf_esc(b, off_tr(c, "Observations"));
    off_buf_put(b, "</caption><thead><tr>");
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        if (i == 2 && units <= 1)
            continue;
        off_buf_put(b, "<th scope=\"col\">");
        off_buf_esc(b, off_tr(c, heads[i]));
        off_buf_put(b, "</th>");
    }
    off_buf_put(b, "</tr></thead><tbody>");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *id = PQgetvalue(r, i, 0), *unit = PQgetvalue(r, i, 1);
        const char *observer = PQgetvalue(r, i, 5), *observee = PQgetvalue(r, i, 7);
        char when[80], len[32];
        off_obs_fmt_time(c, atoll(PQgetvalue(r, i, 11)), when, sizeof when);
        off_buf_put(b, "<tr><td>");
        if (off_obs_may_open(c, unit, observer, observee)) {
            off_buf_put(b, "<a href=\"/observations/");
            off_buf_url(b, id);
            off_buf_put(b, "\">");
            off_buf_esc(b, when);
            off_buf_put(b, "</a>");
        } else {
            off_buf_esc(b, when);
        }
        cell(c, heads[1]);
        off_buf_esc(b, PQgetvalue(r, i, 4));
        if (units > 1) {
            cell(c, heads[2]);
            off_buf_esc(b, PQgetvalue(r, i, 2));
        }
        cell(c, heads[3]);
        off_buf_esc(b, PQgetvalue(r, i, 6));
        cell(c, heads[4]);
        if (names && PQgetvalue(r, i, 15)[0]) {
            off_buf_esc(b, off_tr(c, "Team:"));
            off_buf_put(b, " ");
            off_buf_esc(b, PQgetvalue(r, i, 15));
        } else if (names) {
            off_buf_esc(b, PQgetvalue(r, i, 8));
        } else {
            off_buf_put(b, "<span class=\"muted\">");
            off_buf_esc(b, off_tr(c, "hidden"));
            off_buf_put(b, "</span>");
        }
        cell(c, heads[5]);
        off_buf_esc(b, PQgetvalue(r, i, 9));
        cell(c, heads[6]);
        off_buf_esc(b, off_tr(c, !strcmp(PQgetvalue(r, i, 10), "draft") ? "Draft" : "Finished"));
        cell(c, heads[7]);
        if (!strcmp(PQgetvalue(r, i, 10), "draft")) {
            off_buf_put(b, "–");
        } else {
            off_obs_fmt_span(atoll(PQgetvalue(r, i, 12)), len, sizeof len);
            off_buf_esc(b, len);
        }
        cell(c, heads[8]);
        yes_no(c, PQgetvalue(r, i, 13));
        cell(c, heads[9]);
        yes_no(c, PQgetvalue(r, i, 14));
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table>");
}

static void write_pages(off_ctx *c, int page, long long total, int capped)
{
    off_buf *b = &c->body;
    long long pages = (total + PAGE_ROWS - 1) / PAGE_ROWS;
    if (pages > PAGE_MAX)
        pages = PAGE_MAX;
    if (pages <= 1 && page == 1)
        return;
    off_buf_put(b, "<nav class=\"obs-pages\" aria-label=\"");
    off_buf_esc(b, off_tr(c, "Pages"));
    off_buf_put(b, "\">");
    if (page > 1) {
        off_buf_put(b, "<a rel=\"prev\" href=\"");
        page_link(c, page - 1);
        off_buf_put(b, "\">");
        off_buf_esc(b, off_tr(c, "Newer"));
        off_buf_put(b, "</a> ");
    }
    char s[120];
    if (capped)
        snprintf(s, sizeof s, off_tr(c, "Page %d"), page);
    else
        snprintf(s, sizeof s, off_tr(c, "Page %d of %lld"), page, pages);
    off_buf_put(b, "<span>");
    off_buf_esc(b, s);
    off_buf_put(b, "</span>");
    if (page < pages) {
        off_buf_put(b, " <a rel=\"next\" href=\"");
        page_link(c, page + 1);
        off_buf_put(b, "\">");
        off_buf_esc(b, off_tr(c, "Older"));
        off_buf_put(b, "</a>");
    }
    off_buf_put(b, "</nav>");
}

void off_obs_list(off_ctx *c)
{
    filters f;
    errors e;
    read_filters(c, &f, &e);
    /* A unit filtered by must be one the reader reaches; the query is
     * scoped anyway, but a unit not theirs is refused in words. */
    if (f.unit && !err_of(&e, "unit") && !off_require_unit(c, f.unit, OFF_ROLE_PEER))
        return;
    PGresult *units = off_visible_units(c);
    if (!units)
        return;
    model_id cu;
    context_unit(c, &f, units, cu);
    int names = off_obs_names_shown(c);
    off_buf *b = &c->body;
    if (e.n > 0)
        c->out->status = 400;
    off_page_begin(c, off_tr(c, "Observations"), "observations");
    if (!names) {
        off_buf_put(b, "<p class=\"note\">");
        off_buf_esc(b, off_tr(c, "The names of observed people are hidden: an observation is for "
                                 "its observer, the person observed and the leaders of its "
                                 "unit."));
        off_buf_put(b, "</p>");
    }
    off_error_summary(c, e.field, e.msg, e.n);
    write_form(c, &f, &e, units, cu);
    int n_units = PQntuples(units);
    PQclear(units);
    if (e.n > 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "No list is shown until the filters are corrected."));
        off_buf_put(b, "</p>");
        off_page_end(c);
        return;
    }

    char err[300];
    query x;
    memset(&x, 0, sizeof x);
    sql_add(&x, "SELECT count(*) FROM (SELECT 1 FROM fact_obs o");
    scope_and_filters(c, &f, &x);
    char tail[160];
    snprintf(tail, sizeof tail, " LIMIT %d) x", COUNT_CAP + 1);
    sql_add(&x, tail);
    PGresult *r = srv_q(c->pg, x.sql, x.n, x.p, err, sizeof err);
    if (!r) {
        srv_log("office: observations: count: %s", err);
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
        return;
    }
    long long total = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    int capped = total > COUNT_CAP;

    memset(&x, 0, sizeof x);
    /* The page's rows are chosen from fact_obs alone, and only those are
     * joined to their names, so a page deep in the list skips rows
     * without looking up the names of every row it skips. */
    sql_add(&x, names ? "SELECT o.observation_id, o.unit_id, u.name, o.focus_id,"
                        " coalesce(fi.data::jsonb->>'question', ''), o.observer_id,"
                        " coalesce(po.name, ''), o.observee_id, coalesce(pe.name, ''),"
                        " coalesce(r.name, ''), o.status,"
                        " (extract(epoch FROM o.started_at) * 1000)::bigint, o.duration_ms,"
                        " o.feedback_given, o.reflection_written," OFF_OBS_TEAM
                      : "SELECT o.observation_id, o.unit_id, u.name, o.focus_id,"
                        " coalesce(fi.data::jsonb->>'question', ''), o.observer_id,"
                        " coalesce(po.name, ''), '', '',"
                        " coalesce(r.name, ''), o.status,"
                        " (extract(epoch FROM o.started_at) * 1000)::bigint, o.duration_ms,"
                        " o.feedback_given, o.reflection_written, ''");
    sql_add(&x, " FROM (SELECT * FROM fact_obs o");
    scope_and_filters(c, &f, &x);
    snprintf(tail, sizeof tail,
             " ORDER BY o.started_at DESC, o.observation_id LIMIT %d OFFSET %d) o", PAGE_ROWS,
             (f.page - 1) * PAGE_ROWS);
    sql_add(&x, tail);
    sql_add(&x, " JOIN units u ON u.id = o.unit_id"
                " LEFT JOIN people pe ON pe.id = o.observee_id"
                " LEFT JOIN people po ON po.id = o.observer_id"
                " LEFT JOIN rooms r ON r.id = o.room_id"
                " LEFT JOIN items fi ON fi.entity = 'focus'"
                " AND fi.key = o.focus_id || '/' || o.focus_version"
                " ORDER BY o.started_at DESC, o.observation_id");
    r = srv_q(c->pg, x.sql, x.n, x.p, err, sizeof err);
    if (!r) {
        srv_log("office: observations: list: %s", err);
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
        return;
    }
    char s[200];
    if (capped)
        snprintf(s, sizeof s, off_tr(c, "More than %d observations"), COUNT_CAP);
    else
        snprintf(s, sizeof s, off_ntr(c, "%lld observation", "%lld observations", total), total);
    off_buf_put(b, "<h2 class=\"obs-count\" id=\"results\">");
    off_buf_esc(b, s);
    off_buf_put(b, "</h2>");
    if (PQntuples(r) == 0) {
        off_buf_put(b, "<p>");
        if (total == 0)
            off_buf_esc(b, off_tr(c, "No observation matches. Observations appear here when a "
                                     "tablet has sent them; try fewer filters."));
        else
            off_buf_esc(b, off_tr(c, "This page is past the end of the list."));
        off_buf_put(b, "</p>");
    } else {
        write_rows(c, r, names, n_units);
    }
    write_pages(c, f.page, total, capped);
    PQclear(r);
    off_page_end(c);
}
