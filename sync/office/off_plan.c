/*
 * Observation plans in the office: the list of a unit's plans with what
 * was planned, done, overdue, cancelled or is waiting for the observee's
 * agreement, per focus; one plan's page; cancelling (a leader of the
 * unit) and agreeing (the plan's observee, signed in as themselves). The
 * forms that make plans, one at a time or as a peer rota, are in
 * off_plan_form.c; the rows and their records in srv_plan.c.
 *
 * Who may see what (domain.md): a plan names who observes whom, so its
 * page and the list with names are for the unit's own leaders, its
 * observer and its observee. A peer's list holds only their own plans.
 * Area leaders and administrators read the counts per focus, never a
 * name.
 */
#include "off_plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srv_int.h"
#include "srv_ref.h"

#define ROWS_PER_PAGE 100
#define PAGES_MAX 100

void off_plan_db_fail(off_ctx *c, const char *what, const char *err)
{
    srv_log("office: plans: %s: %s", what, err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

void off_plan_today(char out[MODEL_DATE_LEN + 1])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(out, MODEL_DATE_LEN + 1, "%Y-%m-%d", &tm);
}

void off_plan_put_day(off_ctx *c, const char *iso)
{
    int y, m, d;
    if (!strcmp(c->lang, "da") && sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) == 3)
        off_buf_printf(&c->body, "%d.%d.%d", d, m, y);
    else
        off_buf_esc(&c->body, iso);
}

void off_plan_put_when(off_ctx *c, const char *from, const char *to)
{
    if (!strcmp(from, to)) {
        off_plan_put_day(c, from);
        return;
    }
    off_buf_esc(&c->body, off_tr(c, "The week of"));
    off_buf_put(&c->body, " ");
    off_plan_put_day(c, from);
}

int off_plan_leads(const off_ctx *c, const char *unit)
{
    return c->user.role == OFF_ROLE_LEADER && !strcmp(c->user.unit_id, unit);
}

/* ---- counts per focus ---- */

int off_plan_tallies(off_ctx *c, const char *units, off_plan_tally **out, int *n)
{
    *out = NULL;
    *n = 0;
    char err[300], today[MODEL_DATE_LEN + 1];
    off_plan_today(today);
    const char *p[] = {units, today};
    PGresult *r = srv_q(c->pg,
                        "SELECT unit_id, focus_id,"
                        " count(*) FILTER (WHERE status = 'planned' AND day_to >= $2::date),"
                        " count(*) FILTER (WHERE status = 'planned' AND day_to >= $2::date"
                        "  AND observee_id IS NOT NULL AND agreed_at = 0),"
                        " count(*) FILTER (WHERE status = 'planned' AND day_to < $2::date),"
                        " count(*) FILTER (WHERE status = 'done'),"
                        " count(*) FILTER (WHERE status = 'cancelled')"
                        " FROM plans WHERE unit_id = ANY($1::text[]) GROUP BY 1, 2",
                        2, p, err, sizeof err);
    if (!r) {
        off_plan_db_fail(c, "tallies", err);
        return -1;
    }
    int k = PQntuples(r);
    off_plan_tally *t = calloc((size_t)(k ? k : 1), sizeof *t);
    if (!t) {
        PQclear(r);
        off_fail(c, 500, "The server ran out of memory.");
        return -1;
    }
    for (int i = 0; i < k; i++) {
        snprintf(t[i].unit, sizeof t[i].unit, "%s", PQgetvalue(r, i, 0));
        snprintf(t[i].focus, sizeof t[i].focus, "%s", PQgetvalue(r, i, 1));
        t[i].planned = atoll(PQgetvalue(r, i, 2));
        t[i].waiting = atoll(PQgetvalue(r, i, 3));
        t[i].overdue = atoll(PQgetvalue(r, i, 4));
        t[i].done = atoll(PQgetvalue(r, i, 5));
        t[i].cancelled = atoll(PQgetvalue(r, i, 6));
    }
    PQclear(r);
    *out = t;
    *n = k;
    return 0;
}

const off_plan_tally *off_plan_tally_find(const off_plan_tally *t, int n, const char *unit,
                                          const char *focus)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].unit, unit) && !strcmp(t[i].focus, focus))
            return &t[i];
    return NULL;
}

void off_plan_tally_write(off_ctx *c, const off_plan_tally *t)
{
    off_buf *b = &c->body;
    long long all = t ? t->planned + t->overdue + t->done : 0;
    if (!all) {
        off_buf_esc(b, off_tr(c, "None planned"));
        return;
    }
    char s[200];
    snprintf(s, sizeof s, off_ntr(c, "%lld of %lld planned done", "%lld of %lld planned done", all),
             t->done, all);
    off_buf_esc(b, s);
    if (t->overdue) {
        snprintf(s, sizeof s, off_ntr(c, ", %lld overdue", ", %lld overdue", t->overdue),
                 t->overdue);
        off_buf_esc(b, s);
    }
}

/* The table of counts per focus of one unit's focuses. */
static void tally_table(off_ctx *c, const char *unit, const srv_ref_focus *fs, int nf,
                        const off_plan_tally *t, int nt)
{
    off_buf *b = &c->body;
    static const char *const heads[] = {
        "Learning focus", "Planned", "Of them waiting for agreement",
        "Overdue",        "Done",    "Cancelled"};
    off_buf_put(b, "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" "
                   "aria-labelledby=\"tally-cap\"><table class=\"figures plan-tally\"><caption "
                   "id=\"tally-cap\">");
    off_buf_esc(b, off_tr(c, "Planned observations per learning focus"));
    off_buf_put(b, "</caption><thead><tr>");
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        off_buf_put(b, "<th scope=\"col\">");
        off_buf_esc(b, off_tr(c, heads[i]));
        off_buf_put(b, "</th>");
    }
    off_buf_put(b, "</tr></thead><tbody>");
    int rows = 0;
    for (int k = 0; k < nf; k++) {
        const off_plan_tally *x = off_plan_tally_find(t, nt, unit, fs[k].focus.id);
        if (!x && fs[k].retired)
            continue;
        rows++;
        off_buf_put(b, "<tr><th scope=\"row\">");
        off_buf_esc(b, fs[k].focus.question);
        off_buf_put(b, "</th>");
        long long v[] = {x ? x->planned : 0, x ? x->waiting : 0, x ? x->overdue : 0,
                         x ? x->done : 0, x ? x->cancelled : 0};
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
            off_buf_printf(b, "<td>%lld</td>", v[i]);
        off_buf_put(b, "</tr>");
    }
    if (!rows) {
        off_buf_put(b, "<tr><td colspan=\"6\">");
        off_buf_esc(b, off_tr(c, "The unit has no learning focus in use."));
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table></div>");
}

/* ---- the list ---- */

static const char *const filters[] = {"", "planned", "waiting", "overdue", "done", "cancelled"};
static const char *const filter_msgids[] = {"Every plan", "Planned", "Waiting for agreement",
                                            "Overdue",    "Done",    "Cancelled"};

/* The words for a plan's state; overdue when still planned after its last
 * day. */
void off_plan_state_write(off_ctx *c, const char *status, int overdue, int team, int64_t agreed)
{
    off_buf *b = &c->body;
    const char *word = !strcmp(status, "done")        ? "Done"
                       : !strcmp(status, "cancelled") ? "Cancelled"
                       : overdue                      ? "Overdue"
                                                      : "Planned";
    off_buf_printf(b, "<span class=\"plan-state plan-%s\">",
                   !strcmp(status, "planned") && overdue ? "overdue" : status);
    off_buf_esc(b, off_tr(c, word));
    off_buf_put(b, "</span>");
    if (!strcmp(status, "planned") && !team) {
        off_buf_put(b, " <span class=\"plan-agree\">");
        off_buf_esc(b, off_tr(c, agreed ? "agreed" : "waiting for agreement"));
        off_buf_put(b, "</span>");
    }
}

/* The question of focus id among fs, or "". */
static const char *question_of(const srv_ref_focus *fs, int nf, const char *id)
{
    for (int i = 0; i < nf; i++)
        if (!strcmp(fs[i].focus.id, id))
            return fs[i].focus.question;
    return "";
}

/* The plans' rows: for a leader every plan of the unit, for anyone else
 * only their own (as observer or observee). */
static void plan_rows(off_ctx *c, const char *unit, const char *focus, const char *filter, int page,
                      const srv_ref_focus *fs, int nf)
{
    off_buf *b = &c->body;
    char err[300], today[MODEL_DATE_LEN + 1], lim[16], offset[16];
    off_plan_today(today);
    snprintf(lim, sizeof lim, "%d", ROWS_PER_PAGE + 1);
    snprintf(offset, sizeof offset, "%d", page * ROWS_PER_PAGE);
    int lead = off_plan_leads(c, unit);
    if (!lead && !c->user.person_id[0])
        return; /* only one's own plans, and this account has no person */
    const char *p[] = {unit, focus, filter, today, lead ? "" : c->user.person_id, lim, offset};
    PGresult *r = srv_q(
        c->pg,
        "SELECT p.id, p.focus_id, to_char(p.day_from, 'YYYY-MM-DD'),"
        " to_char(p.day_to, 'YYYY-MM-DD'), p.status, p.agreed_at,"
        " p.status = 'planned' AND p.day_to < $4::date, ob.name, coalesce(oe.name, ''), p.team,"
        " coalesce(r.name, ''), coalesce(p.observee_id, '') = $5"
        " FROM plans p JOIN people ob ON ob.id = p.observer_id"
        " LEFT JOIN people oe ON oe.id = p.observee_id LEFT JOIN rooms r ON r.id = p.room_id"
        " WHERE p.unit_id = $1 AND ($2 = '' OR p.focus_id = $2)"
        " AND ($5 = '' OR p.observer_id = $5 OR p.observee_id = $5)"
        " AND CASE $3 WHEN 'planned' THEN p.status = 'planned' AND p.day_to >= $4::date"
        "  WHEN 'waiting' THEN p.status = 'planned' AND p.day_to >= $4::date"
        "   AND p.observee_id IS NOT NULL AND p.agreed_at = 0"
        "  WHEN 'overdue' THEN p.status = 'planned' AND p.day_to < $4::date"
        "  WHEN 'done' THEN p.status = 'done' WHEN 'cancelled' THEN p.status = 'cancelled'"
        "  ELSE true END"
        " ORDER BY p.day_from, ob.name, p.id LIMIT $6::int OFFSET $7::int",
        7, p, err, sizeof err);
    if (!r) {
        off_plan_db_fail(c, "list", err);
        return;
    }
    int n = PQntuples(r), more = n > ROWS_PER_PAGE;
    if (more)
        n = ROWS_PER_PAGE;
    if (n == 0) {
        off_buf_put(b, "<p class=\"note\">");
        off_buf_esc(b, off_tr(c, page ? "No more plans." : "No plan matches."));
        off_buf_put(b, "</p>");
    } else {
        static const char *const heads[] = {"When",     "Learning focus", "Observer",
                                            "Observed", "Room",           "State"};
        off_buf_put(b, "<table class=\"wide plan-list\"><thead><tr>");
        for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
            off_buf_put(b, "<th scope=\"col\">");
            off_buf_esc(b, off_tr(c, heads[i]));
            off_buf_put(b, "</th>");
        }
        off_buf_put(b, "</tr></thead><tbody>");
        for (int i = 0; i < n; i++) {
            int team = PQgetvalue(r, i, 9)[0] != 0;
            off_buf_put(b, "<tr><td data-label=\"");
            off_buf_esc(b, off_tr(c, "When"));
            off_buf_put(b, "\"><a href=\"/plans/");
            off_buf_url(b, PQgetvalue(r, i, 0));
            off_buf_put(b, "\">");
            off_plan_put_when(c, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
            off_buf_put(b, "</a></td><td data-label=\"");
            off_buf_esc(b, off_tr(c, "Learning focus"));
            off_buf_put(b, "\">");
            off_buf_esc(b, question_of(fs, nf, PQgetvalue(r, i, 1)));
            off_buf_put(b, "</td><td data-label=\"");
            off_buf_esc(b, off_tr(c, "Observer"));
            off_buf_put(b, "\">");
            off_buf_esc(b, PQgetvalue(r, i, 7));
            off_buf_put(b, "</td><td data-label=\"");
            off_buf_esc(b, off_tr(c, "Observed"));
            off_buf_put(b, "\">");
            if (team) {
                off_buf_esc(b, off_tr(c, "Team:"));
                off_buf_put(b, " ");
                off_buf_esc(b, PQgetvalue(r, i, 9));
            } else {
                off_buf_esc(b, PQgetvalue(r, i, 8));
            }
            off_buf_put(b, "</td><td data-label=\"");
            off_buf_esc(b, off_tr(c, "Room"));
            off_buf_put(b, "\">");
            /* At narrow widths each cell is a line "Room: ...", so a plan
             * without a room says so rather than leaving the label bare. */
            if (PQgetvalue(r, i, 10)[0]) {
                off_buf_esc(b, PQgetvalue(r, i, 10));
            } else {
                off_buf_put(b, "<span class=\"muted\">");
                off_buf_esc(b, off_tr(c, "No room planned"));
                off_buf_put(b, "</span>");
            }
            off_buf_put(b, "</td><td data-label=\"");
            off_buf_esc(b, off_tr(c, "State"));
            off_buf_put(b, "\">");
            off_plan_state_write(c, PQgetvalue(r, i, 4), PQgetvalue(r, i, 6)[0] == 't', team,
                                 strtoll(PQgetvalue(r, i, 5), NULL, 10));
            off_buf_put(b, "</td></tr>");
        }
        off_buf_put(b, "</tbody></table>");
    }
    if (page > 0 || more) {
        off_buf_put(b, "<nav class=\"plan-pages\" aria-label=\"");
        off_buf_esc(b, off_tr(c, "Pages"));
        off_buf_put(b, "\"><ul>");
        for (int k = -1; k <= 1; k += 2) {
            if ((k < 0 && page == 0) || (k > 0 && !more))
                continue;
            off_buf_put(b, "<li><a href=\"/plans?focus=");
            off_buf_url(b, focus);
            off_buf_put(b, "&amp;state=");
            off_buf_url(b, filter);
            off_buf_printf(b, "&amp;page=%d\">", page + k);
            off_buf_esc(b, off_tr(c, k < 0 ? "Earlier plans" : "Later plans"));
            off_buf_put(b, "</a></li>");
        }
        off_buf_put(b, "</ul></nav>");
    }
    PQclear(r);
}

/* The filter form (focus and state), which works without script. */
static void filter_form(off_ctx *c, const char *unit, const char *focus, const char *filter,
                        const srv_ref_focus *fs, int nf)
{
    off_buf *b = &c->body;
    const char *values[1 + 64], *labels[1 + 64];
    int k = 0;
    values[k] = "";
    labels[k++] = off_tr(c, "Every learning focus");
    for (int i = 0; i < nf && k < 1 + 64; i++) {
        values[k] = fs[i].focus.id;
        labels[k++] = fs[i].focus.question;
    }
    const char *fl[sizeof filters / sizeof filters[0]];
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        fl[i] = off_tr(c, filter_msgids[i]);
    off_buf_put(b, "<form method=\"get\" action=\"/plans\" class=\"plan-filters\">");
    if (c->user.role >= OFF_ROLE_AREA) {
        off_buf_put(b, "<input type=\"hidden\" name=\"unit\" value=\"");
        off_buf_esc(b, unit);
        off_buf_put(b, "\">");
    }
    off_select(c, "focus", off_tr(c, "Learning focus"), values, labels, k, focus, NULL);
    off_select(c, "state", off_tr(c, "State"), filters, fl,
               (int)(sizeof filters / sizeof filters[0]), filter, NULL);
    off_buf_put(b, "<button type=\"submit\" class=\"secondary\">");
    off_buf_esc(b, off_tr(c, "Show"));
    off_buf_put(b, "</button></form>");
}

/* Area leaders and administrators: which unit (among those they see), as
 * links; the chosen one is marked. Returns the unit's id in out, or 0
 * with an answer made when there is none to show. */
static int pick_unit(off_ctx *c, char *out, size_t cap)
{
    PGresult *vis = off_visible_units(c);
    if (!vis)
        return 0;
    const char *want = off_form_get(&c->query, "unit");
    int pick = -1;
    for (int i = 0; i < PQntuples(vis); i++)
        if (want && !strcmp(want, PQgetvalue(vis, i, 0)))
            pick = i;
    if (want && want[0] && pick < 0) {
        PQclear(vis);
        off_fail(c, 403, "You may not see this unit's plans.");
        return 0;
    }
    if (pick < 0 && PQntuples(vis) > 0)
        pick = 0;
    off_page_begin(c, off_tr(c, "Planned observations"), "plans");
    if (pick < 0) {
        off_buf_put(&c->body, "<p class=\"note\">");
        off_buf_esc(&c->body,
                    off_tr(c, "No unit has been given to you yet. Ask your administrator."));
        off_buf_put(&c->body, "</p>");
        off_page_end(c);
        PQclear(vis);
        return 0;
    }
    snprintf(out, cap, "%s", PQgetvalue(vis, pick, 0));
    if (PQntuples(vis) > 1) {
        off_buf_put(&c->body, "<nav aria-label=\"");
        off_buf_esc(&c->body, off_tr(c, "Units"));
        off_buf_put(&c->body, "\"><ul class=\"unit-tabs\">");
        for (int i = 0; i < PQntuples(vis) && i < 100; i++) {
            off_buf_put(&c->body, "<li><a href=\"/plans?unit=");
            off_buf_url(&c->body, PQgetvalue(vis, i, 0));
            off_buf_printf(&c->body, "\"%s>", i == pick ? " aria-current=\"page\"" : "");
            off_buf_esc(&c->body, PQgetvalue(vis, i, 1));
            off_buf_put(&c->body, "</a></li>");
        }
        off_buf_put(&c->body, "</ul></nav>");
    }
    off_buf_put(&c->body, "<h2>");
    off_buf_esc(&c->body, PQgetvalue(vis, pick, 1));
    off_buf_put(&c->body, "</h2>");
    PQclear(vis);
    return 1;
}

/* The list of a unit with no plan at all says what plans are for and where
 * to begin, instead of a table of zeros: for a leader, the two ways to plan
 * (or, with no learning focus in use, that a plan needs one first); for the
 * others, that nothing is planned yet. */
static void empty_state(off_ctx *c, int lead, int wide, int nf)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<div class=\"empty\"><h2>");
    off_buf_esc(b, off_tr(c, wide || lead ? "Nothing is planned in this unit yet"
                                          : "Nothing is planned for you yet"));
    off_buf_put(b, "</h2><p>");
    if (lead && nf == 0) {
        off_buf_esc(b, off_tr(c, "A planned observation is always on a learning focus, and "
                                 "this unit has none in use. Agree one with the team first."));
        off_buf_put(b, "</p><p><a href=\"/focuses/new\">");
        off_buf_esc(b, off_tr(c, "Make a learning focus"));
        off_buf_put(b, "</a>");
    } else if (lead) {
        off_buf_esc(b, off_tr(c, "Plan one observation at a time, or let Blik propose a peer "
                                 "rota for a period, in which everyone observes and is "
                                 "observed and no pair meets twice; you adjust it before it "
                                 "is published. The colleague observed agrees before the "
                                 "visit, and each plan reaches the tablets at their next "
                                 "sync."));
    } else {
        off_buf_esc(b, off_tr(c, wide ? "The unit's leaders plan who observes whom. The "
                                        "figures appear here once they do."
                                      : "When your leader plans an observation with you, as "
                                        "observer or as the one observed, it is listed here "
                                        "and on the tablet."));
    }
    off_buf_put(b, "</p></div>");
}

void off_plans(off_ctx *c)
{
    off_buf *b = &c->body;
    char unit[MODEL_UUID_LEN + 1] = "", err[300];
    const char *focus = off_form_get(&c->query, "focus");
    const char *filter = off_form_get(&c->query, "state");
    const char *pg = off_form_get(&c->query, "page");
    focus = focus ? focus : "";
    filter = filter ? filter : "";
    int page = pg ? atoi(pg) : 0;
    int known = 0;
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        known |= !strcmp(filter, filters[i]);
    if (!known || page < 0 || page >= PAGES_MAX || (focus[0] && strlen(focus) > MODEL_UUID_LEN)) {
        off_fail(c, 400, "The list cannot be shown that way. Choose from the form.");
        return;
    }
    int wide = c->user.role >= OFF_ROLE_AREA;
    if (wide) {
        if (!pick_unit(c, unit, sizeof unit))
            return;
    } else {
        snprintf(unit, sizeof unit, "%s", c->user.unit_id);
        off_page_begin(c, off_tr(c, "Planned observations"), "plans");
    }
    srv_ref_focus *fs = NULL;
    int nf = 0;
    off_plan_tally *t = NULL;
    int nt = 0;
    char arr[MODEL_UUID_LEN + 3];
    snprintf(arr, sizeof arr, "{%s}", unit);
    if (srv_ref_focuses(c->pg, unit, &fs, &nf, err, sizeof err) != SRV_REF_OK) {
        off_plan_db_fail(c, "focuses", err);
        return;
    }
    if (off_plan_tallies(c, arr, &t, &nt) != 0)
        goto out;
    int lead = off_plan_leads(c, unit);
    off_buf_put(b, "<p class=\"lead\">");
    off_buf_esc(b, off_tr(c, lead   ? "Who observes whom, on which learning focus, when and on "
                                      "what terms, as the team agreed. A plan reaches the "
                                      "tablets at their next sync; the observed colleague "
                                      "agrees in the office or on a tablet."
                             : wide ? "How many planned observations each learning focus has, "
                                      "and how many were carried out. Figures only: no person "
                                      "is named."
                                    : "Your planned observations, as observer and as the one "
                                      "observed. Open one to read its terms and to agree."));
    off_buf_put(b, "</p>");
    if (lead) {
        off_buf_put(b, "<p class=\"actions\"><a class=\"button\" href=\"/plans/new\">");
        off_buf_esc(b, off_tr(c, "Plan an observation"));
        off_buf_put(b, "</a> <a class=\"button secondary\" href=\"/plans/rota\">");
        off_buf_esc(b, off_tr(c, "Make a peer rota"));
        off_buf_put(b, "</a></p>");
    }
    int any = 0;
    for (int i = 0; i < nt; i++)
        any |= !strcmp(t[i].unit, unit);
    if (!any && !focus[0] && !filter[0] && page == 0) {
        empty_state(c, lead, wide, nf);
        off_page_end(c);
        goto out;
    }
    if (lead || wide)
        tally_table(c, unit, fs, nf, t, nt);
    if (!wide) {
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, lead ? "The plans" : "Your plans"));
        off_buf_put(b, "</h2>");
        filter_form(c, unit, focus, filter, fs, nf);
        plan_rows(c, unit, focus, filter, page, fs, nf);
        if (c->done)
            goto out;
    }
    off_page_end(c);
out:
    free(fs);
    free(t);
}

/* ---- one plan ---- */

/* Loads the plan the address names and checks the reader may see it: a
 * leader of its unit, its observer or its observee (the names and the
 * terms are theirs). 1, or 0 with an answer made. */
static int load_plan(off_ctx *c, srv_plan *p)
{
    const char *id = c->n_args ? c->args[0] : "";
    char err[300];
    if (model_id_check(id, "plan", err, sizeof err) != 0) {
        off_fail(c, 404, "There is no such plan.");
        return 0;
    }
    int found = srv_plan_get(c->pg, id, p, err, sizeof err);
    if (found < 0) {
        off_plan_db_fail(c, "plan", err);
        return 0;
    }
    if (!found) {
        off_fail(c, 404, "There is no such plan.");
        return 0;
    }
    int own = c->user.role <= OFF_ROLE_LEADER && c->user.person_id[0] &&
              (!strcmp(c->user.person_id, p->observer_id) ||
               !strcmp(c->user.person_id, p->observee_id));
    if (!own && !off_plan_leads(c, p->unit_id)) {
        off_fail(c, 403,
                 "Only the unit's leaders and the plan's own observer and observee may "
                 "see a plan.");
        return 0;
    }
    return 1;
}

/* A person's name, or "" when not found. */
static void name_of(off_ctx *c, const char *person, char *out, size_t cap)
{
    srv_ref_person sp;
    char err[300];
    out[0] = 0;
    if (person[0] && srv_ref_person_get(c->pg, person, &sp, err, sizeof err) == SRV_REF_OK)
        snprintf(out, cap, "%s", sp.person.name);
}

static void dl_row(off_ctx *c, const char *term)
{
    off_buf_put(&c->body, "<dt>");
    off_buf_esc(&c->body, off_tr(c, term));
    off_buf_put(&c->body, "</dt><dd>");
}

void off_plan_show(off_ctx *c)
{
    srv_plan p;
    if (!load_plan(c, &p))
        return;
    off_buf *b = &c->body;
    char err[300], observer[MODEL_NAME_MAX + 1], observee[MODEL_NAME_MAX + 1];
    char today[MODEL_DATE_LEN + 1];
    off_plan_today(today);
    name_of(c, p.observer_id, observer, sizeof observer);
    name_of(c, p.observee_id, observee, sizeof observee);
    srv_ref_focus f;
    const char *question = "";
    if (srv_ref_focus_get(c->pg, p.focus_id, 0, &f, err, sizeof err) == SRV_REF_OK)
        question = f.focus.question;
    srv_ref_room room;
    const char *room_name = "";
    if (p.room_id[0] && srv_ref_room_get(c->pg, p.room_id, &room, err, sizeof err) == SRV_REF_OK)
        room_name = room.room.name;
    const char *status = srv_plan_status_name(p.status);
    int overdue = p.status == SRV_PLAN_PLANNED && strcmp(p.day_to, today) < 0;
    int team = !p.observee_id[0];
    off_page_begin(c, off_tr(c, "Planned observation"), "plans");
    off_buf_put(b, "<dl class=\"facts\">");
    dl_row(c, "When");
    off_plan_put_when(c, p.day_from, p.day_to);
    if (strcmp(p.day_from, p.day_to) != 0) {
        off_buf_put(b, " (");
        off_plan_put_day(c, p.day_from);
        off_buf_put(b, "\u2013");
        off_plan_put_day(c, p.day_to);
        off_buf_put(b, ")");
    }
    off_buf_put(b, "</dd>");
    dl_row(c, "Learning focus");
    off_buf_esc(b, question);
    off_buf_put(b, "</dd>");
    dl_row(c, "Observer");
    off_buf_esc(b, observer);
    off_buf_put(b, "</dd>");
    dl_row(c, "Observed");
    if (team) {
        off_buf_esc(b, off_tr(c, "Team:"));
        off_buf_put(b, " ");
        off_buf_esc(b, p.team);
    } else {
        off_buf_esc(b, observee);
    }
    off_buf_put(b, "</dd>");
    dl_row(c, "Room");
    off_buf_esc(b, room_name[0] ? room_name : off_tr(c, "Not given"));
    off_buf_put(b, "</dd>");
    dl_row(c, "State");
    off_plan_state_write(c, status, overdue, team, p.agreed_at);
    off_buf_put(b, "</dd>");
    dl_row(c, "The agreed terms");
    if (p.terms[0]) {
        off_buf_put(b, "<span class=\"pre\">");
        off_buf_esc(b, p.terms);
        off_buf_put(b, "</span>");
    } else {
        off_buf_esc(b, off_tr(c, "None written"));
    }
    off_buf_put(b, "</dd></dl>");
    if (p.status == SRV_PLAN_DONE && p.observation_id[0]) {
        off_buf_put(b, "<p><a href=\"/observations/");
        off_buf_url(b, p.observation_id);
        off_buf_put(b, "\">");
        off_buf_esc(b, off_tr(c, "The observation that carried it out"));
        off_buf_put(b, "</a></p>");
    }
    char path[120];
    if (p.status == SRV_PLAN_PLANNED && !team && !p.agreed_at &&
        !strcmp(c->user.person_id, p.observee_id)) {
        off_buf_put(b, "<section aria-labelledby=\"h-agree\"><h2 id=\"h-agree\">");
        off_buf_esc(b, off_tr(c, "Do you agree?"));
        off_buf_put(b, "</h2><p>");
        off_buf_esc(b, off_tr(c, "You are the one observed. Agreeing says that you know of the "
                                 "observation and accept its terms; the observer sees it on "
                                 "the tablet."));
        off_buf_put(b, "</p>");
        snprintf(path, sizeof path, "/plans/%s/agree", p.id);
        off_form_begin(c, path);
        off_submit(c, off_tr(c, "I agree"), 0);
        off_form_end(c);
        off_buf_put(b, "</section>");
    }
    if (p.status == SRV_PLAN_PLANNED && off_plan_leads(c, p.unit_id)) {
        off_buf_put(b, "<section aria-labelledby=\"h-cancel\"><h2 id=\"h-cancel\">");
        off_buf_esc(b, off_tr(c, "Cancel the plan"));
        off_buf_put(b, "</h2><p>");
        off_buf_esc(b, off_tr(c, "The plan leaves the tablets at their next sync. An observation "
                                 "already made stays as it is."));
        off_buf_put(b, "</p>");
        snprintf(path, sizeof path, "/plans/%s/cancel", p.id);
        off_form_begin(c, path);
        off_submit(c, off_tr(c, "Cancel the plan"), 1);
        off_form_end(c);
        off_buf_put(b, "</section>");
    }
    off_buf_put(b, "<p><a href=\"/plans\">");
    off_buf_esc(b, off_tr(c, "All planned observations"));
    off_buf_put(b, "</a></p>");
    off_page_end(c);
}

/* Runs fn on the plan inside a transaction holding the unit's feed lock,
 * audited as action when it changed something. */
static void change(off_ctx *c, const srv_plan *p, const char *action, int rc_changed,
                   int (*fn)(off_ctx *, const srv_plan *, int64_t *, char *, size_t),
                   const char *done_key)
{
    char err[300];
    int64_t seq0, seq;
    if (srv_exec(c->pg, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        srv_feed_lock(c->pg, p->unit_id, &seq0, err, sizeof err) != 0) {
        srv_exec(c->pg, "ROLLBACK", 0, NULL, NULL, 0);
        off_plan_db_fail(c, action, err);
        return;
    }
    seq = seq0;
    int rc = fn(c, p, &seq, err, sizeof err);
    if (rc < 0 || (seq != seq0 && srv_feed_release(c->pg, p->unit_id, seq, err, sizeof err) != 0) ||
        (rc == rc_changed && off_audit(c, action, p->unit_id, p->id, "") != 0) ||
        srv_exec(c->pg, "COMMIT", 0, NULL, err, sizeof err) != 0) {
        srv_exec(c->pg, "ROLLBACK", 0, NULL, NULL, 0);
        off_plan_db_fail(c, action, err);
        return;
    }
    if (rc == 2) {
        off_fail(c, 409, "The plan cannot be agreed to: it is cancelled or about a team.");
        return;
    }
    char path[160];
    snprintf(path, sizeof path, "/plans/%s?done=%s", p->id, done_key);
    off_redirect(c, path);
}

static int do_cancel(off_ctx *c, const srv_plan *p, int64_t *seq, char *err, size_t errlen)
{
    return srv_plan_cancel(c->pg, p->id, seq, err, errlen);
}

static int do_agree(off_ctx *c, const srv_plan *p, int64_t *seq, char *err, size_t errlen)
{
    return srv_plan_agree(c->pg, p->id, c->user.person_id, srv_now_ms(), seq, err, errlen);
}

void off_plan_cancel(off_ctx *c)
{
    srv_plan p;
    if (!load_plan(c, &p))
        return;
    if (!off_plan_leads(c, p.unit_id)) {
        off_fail(c, 403, "Only a leader of the unit may cancel a plan.");
        return;
    }
    /* Cancelling a plan that is done or cancelled already changes nothing. */
    change(c, &p, "plan.cancel", 1, do_cancel, "plan-cancelled");
}

void off_plan_agree(off_ctx *c)
{
    srv_plan p;
    if (!load_plan(c, &p))
        return;
    if (!p.observee_id[0] || strcmp(c->user.person_id, p.observee_id) != 0) {
        off_fail(c, 403, "Only the colleague observed may agree to a plan.");
        return;
    }
    change(c, &p, "plan.agree", 1, do_agree, "plan-agreed");
}
