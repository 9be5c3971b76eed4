/*
 * One observation's whole page: what it was (focus, people, room,
 * activity, when), its timeline as a picture with the same marks as a
 * table, the rating per sign in the words of the focus and template
 * versions it was made with, counters with their rate per 10 minutes,
 * time in each state, interval samples, context, notes, feedback,
 * reflection, the versions that arrived from tablets and any kept
 * conflict.
 *
 * It reads the observation's own records from items (one observation is
 * small: its events are bounded below) with the record codec the tablets
 * use, and adds them up with the tablet's rules (model_tally), so the page
 * and the tablet's summary give the same numbers.
 *
 * Scope: the observation's unit, observer and observee are read from the
 * database first; only its observer, its observee and the unit's leaders
 * get further (off_obs_may_open), before any of its records is read.
 */
#include "off_obs_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_json.h"
#include "model_tally.h"
#include "srv_int.h"
#include "srv_ref.h"

/* The most events and notes read for one page: far more than an hour of
 * counting gives; past it the page says that it shows the first ones. */
#define EVENTS_MAX 20000
#define NOTES_MAX 500
#define REVISIONS_MAX 200
#define CONFLICTS_MAX 50

typedef struct {
    model_observation obs;
    model_event *ev;
    unsigned char *undone;
    long *order; /* the items' feed order, to keep equal times in the order recorded */
    int n_ev, n_undone_taps;
    model_note *notes;
    int n_notes;
    model_rating ratings[MODEL_MAX_SIGNS * 2];
    int n_ratings;
    int has_feedback, has_reflection, truncated;
    model_feedback feedback;
    model_reflection reflection;
    srv_ref_focus focus;
    srv_ref_template *tmpl; /* on the heap: a template is large */
    int has_focus, has_tmpl;
    char unit_name[MODEL_NAME_MAX + 1], observer[MODEL_NAME_MAX + 1], observee[MODEL_NAME_MAX + 1],
        room[MODEL_NAME_MAX + 1];
} obs_page;

static void page_free(obs_page *p)
{
    free(p->ev);
    free(p->undone);
    free(p->order);
    free(p->notes);
    free(p->tmpl);
}

static void db_fail(off_ctx *c, const char *what, const char *err)
{
    srv_log("office: observation: %s: %s", what, err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

/* ---- reading ---- */

static int cmp_ids(const void *a, const void *b) { return strcmp(a, b); }

/* An event's place: by its time, equal times in the order they came. */
typedef struct {
    int64_t at;
    long order;
    int idx;
} ev_key;

static int cmp_ev_key(const void *a, const void *b)
{
    const ev_key *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Notes by their time, as the tablet lists them (a note's time is the
 * moment it was begun, which may be before one written earlier). */
static int cmp_note(const void *a, const void *b)
{
    const model_note *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Puts the events in the order they were recorded and marks the ones an
 * undo took back (and the undos themselves, which count as nothing). */
static int order_events(obs_page *p)
{
    int n = p->n_ev;
    ev_key *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
    model_event *ev = malloc((size_t)(n ? n : 1) * sizeof *ev);
    model_id *targets = malloc((size_t)(n ? n : 1) * sizeof *targets);
    if (!idx || !ev || !targets) {
        free(idx);
        free(ev);
        free(targets);
        return -1;
    }
    for (int i = 0; i < n; i++)
        idx[i] = (ev_key){p->ev[i].at, p->order[i], i};
    qsort(idx, (size_t)n, sizeof *idx, cmp_ev_key);
    int nt = 0;
    for (int i = 0; i < n; i++) {
        ev[i] = p->ev[idx[i].idx];
        if (ev[i].kind == MODEL_EV_UNDO)
            memcpy(targets[nt++], ev[i].target_id, sizeof(model_id));
    }
    qsort(targets, (size_t)nt, sizeof *targets, cmp_ids);
    for (int i = 0; i < n; i++) {
        p->undone[i] = ev[i].kind == MODEL_EV_UNDO ||
                       (nt && bsearch(ev[i].id, targets, (size_t)nt, sizeof *targets, cmp_ids));
        if (ev[i].kind == MODEL_EV_COUNT && p->undone[i])
            p->n_undone_taps++;
    }
    memcpy(p->ev, ev, (size_t)n * sizeof *ev);
    free(idx);
    free(ev);
    free(targets);
    return 0;
}

/* Reads the observation's records: 0, or -1 with an answer made. */
static int load_records(off_ctx *c, const char *id, obs_page *p)
{
    char err[300], lim[16];
    snprintf(lim, sizeof lim, "%d", EVENTS_MAX + NOTES_MAX + 2 * MODEL_MAX_SIGNS + 3);
    const char *pr[] = {id, lim};
    PGresult *r = srv_q(c->pg,
                        "SELECT entity, data, seq FROM items WHERE observation_id = $1"
                        " AND entity IN ('observation','event','note','rating','feedback',"
                        "'reflection') ORDER BY seq LIMIT $2::int",
                        2, pr, err, sizeof err);
    if (!r) {
        db_fail(c, "items", err);
        return -1;
    }
    int rows = PQntuples(r);
    p->ev = malloc((size_t)(rows ? rows : 1) * sizeof *p->ev);
    p->undone = calloc((size_t)(rows ? rows : 1), 1);
    p->order = malloc((size_t)(rows ? rows : 1) * sizeof *p->order);
    p->notes = malloc((size_t)(rows < NOTES_MAX ? rows + 1 : NOTES_MAX) * sizeof *p->notes);
    model_record *rec = malloc(sizeof *rec);
    int has_obs = 0;
    if (!p->ev || !p->undone || !p->order || !p->notes || !rec) {
        free(rec);
        PQclear(r);
        off_fail(c, 500, "The server ran out of memory. Try again in a moment.");
        return -1;
    }
    for (int i = 0; i < rows; i++) {
        model_entity k;
        model_err me;
        if (model_entity_parse(PQgetvalue(r, i, 0), &k) != 0 ||
            model_record_parse(k, PQgetvalue(r, i, 1), rec, &me) != 0) {
            /* The server stored it through the same codec, so this is a
             * record from a later schema: leave it out and say so in the
             * log, not on the page. */
            srv_log("office: observation %s: a record could not be read", id);
            continue;
        }
        switch (k) {
        case MODEL_ENT_OBSERVATION:
            p->obs = rec->u.obs;
            has_obs = 1;
            break;
        case MODEL_ENT_EVENT:
            if (p->n_ev < EVENTS_MAX) {
                p->order[p->n_ev] = atol(PQgetvalue(r, i, 2));
                p->ev[p->n_ev++] = rec->u.event;
            } else {
                p->truncated = 1;
            }
            break;
        case MODEL_ENT_NOTE:
            if (p->n_notes < NOTES_MAX)
                p->notes[p->n_notes++] = rec->u.note;
            else
                p->truncated = 1;
            break;
        case MODEL_ENT_RATING:
            if (p->n_ratings < (int)(sizeof p->ratings / sizeof p->ratings[0]))
                p->ratings[p->n_ratings++] = rec->u.rating;
            break;
        case MODEL_ENT_FEEDBACK:
            p->feedback = rec->u.feedback;
            p->has_feedback = 1;
            break;
        case MODEL_ENT_REFLECTION:
            p->reflection = rec->u.reflection;
            p->has_reflection = 1;
            break;
        default: break;
        }
    }
    if (rows >= atoi(lim))
        p->truncated = 1;
    free(rec);
    PQclear(r);
    if (!has_obs) {
        off_fail(c, 404, "There is no such observation.");
        return -1;
    }
    qsort(p->notes, (size_t)p->n_notes, sizeof *p->notes, cmp_note);
    if (order_events(p) != 0) {
        off_fail(c, 500, "The server ran out of memory. Try again in a moment.");
        return -1;
    }
    return 0;
}

/* The focus and template versions the observation was made with, and the
 * names of its unit, people and room: 0, or -1 with an answer made. */
static int load_refs(off_ctx *c, obs_page *p)
{
    char err[SRV_REF_ERR_MAX];
    const model_observation *o = &p->obs;
    srv_ref_rc rc = srv_ref_focus_get(c->pg, o->focus_id, o->focus_version, &p->focus, err,
                                      sizeof err);
    if (rc == SRV_REF_FAIL) {
        db_fail(c, "focus", err);
        return -1;
    }
    p->has_focus = rc == SRV_REF_OK;
    p->tmpl = malloc(sizeof *p->tmpl);
    if (!p->tmpl) {
        off_fail(c, 500, "The server ran out of memory. Try again in a moment.");
        return -1;
    }
    rc = srv_ref_template_get(c->pg, o->template_id, o->template_version, p->tmpl, err, sizeof err);
    if (rc == SRV_REF_FAIL) {
        db_fail(c, "template", err);
        return -1;
    }
    p->has_tmpl = rc == SRV_REF_OK;
    if (!p->has_tmpl)
        memset(p->tmpl, 0, sizeof *p->tmpl);
    /* A reader of another language gets the template's words in it where
     * the template has them; keys and levels stay. */
    model_template_localize(&p->tmpl->tmpl, c->lang);
    const char *pn[] = {o->unit_id, o->observer_id, o->observee_id, o->room_id};
    PGresult *r = srv_q(c->pg,
                        "SELECT coalesce((SELECT name FROM units WHERE id = $1), ''),"
                        " coalesce((SELECT name FROM people WHERE id = $2), ''),"
                        " coalesce((SELECT name FROM people WHERE id = $3), ''),"
                        " coalesce((SELECT name FROM rooms WHERE id = $4), '')",
                        4, pn, err, sizeof err);
    if (!r) {
        db_fail(c, "names", err);
        return -1;
    }
    snprintf(p->unit_name, sizeof p->unit_name, "%s", PQgetvalue(r, 0, 0));
    snprintf(p->observer, sizeof p->observer, "%s", PQgetvalue(r, 0, 1));
    snprintf(p->observee, sizeof p->observee, "%s", PQgetvalue(r, 0, 2));
    snprintf(p->room, sizeof p->room, "%s", PQgetvalue(r, 0, 3));
    PQclear(r);
    return 0;
}

/* ---- small writers ---- */

static void h2(off_ctx *c, const char *id, const char *msgid)
{
    off_buf_printf(&c->body, "<section aria-labelledby=\"%s\"><h2 id=\"%s\">", id, id);
    off_buf_esc(&c->body, off_tr(c, msgid));
    off_buf_put(&c->body, "</h2>");
}

static void section_end(off_ctx *c) { off_buf_put(&c->body, "</section>"); }

static void para(off_ctx *c, const char *cls, const char *text)
{
    off_buf_printf(&c->body, "<p%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    off_buf_esc(&c->body, text);
    off_buf_put(&c->body, "</p>");
}

static void fact(off_ctx *c, const char *msgid, const char *value)
{
    off_buf_put(&c->body, "<dt>");
    off_buf_esc(&c->body, off_tr(c, msgid));
    off_buf_put(&c->body, "</dt><dd>");
    off_buf_esc(&c->body, value && *value ? value : "–");
    off_buf_put(&c->body, "</dd>");
}

static void table_head(off_ctx *c, const char *caption, const char *const *heads, int n)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<table class=\"wide\">");
    if (caption) {
        off_buf_put(b, "<caption class=\"vh\">");
        off_buf_esc(b, caption);
        off_buf_put(b, "</caption>");
    }
    off_buf_put(b, "<thead><tr>");
    for (int i = 0; i < n; i++) {
        off_buf_put(b, "<th scope=\"col\">");
        off_buf_esc(b, off_tr(c, heads[i]));
        off_buf_put(b, "</th>");
    }
    off_buf_put(b, "</tr></thead><tbody>");
}

/* Ends a cell and begins the next, named for narrow screens. */
static void cell(off_ctx *c, const char *head)
{
    off_buf_put(&c->body, "</td><td data-label=\"");
    off_buf_esc(&c->body, off_tr(c, head));
    off_buf_put(&c->body, "\">");
}

/* The length the rates are given over: a finished observation's, or 0 for
 * a draft (which has no length yet). */
static int64_t duration_ms(const model_observation *o)
{
    return o->status == MODEL_OBS_FINISHED && o->ended_at > o->started_at
               ? o->ended_at - o->started_at
               : 0;
}

/* The end of what was recorded, for a draft's running states. */
static int64_t end_at(const obs_page *p)
{
    if (duration_ms(&p->obs) > 0)
        return p->obs.ended_at;
    int64_t e = p->obs.started_at;
    for (int i = 0; i < p->n_ev; i++)
        if (p->ev[i].at > e)
            e = p->ev[i].at;
    return e;
}

static const char *sign_text(const obs_page *p, const char *sign_id)
{
    for (int i = 0; p->has_focus && i < p->focus.focus.n_signs; i++)
        if (!strcmp(p->focus.focus.signs[i].id, sign_id))
            return p->focus.focus.signs[i].text;
    return NULL;
}

/* ---- sections ---- */

static void write_facts(off_ctx *c, const obs_page *p)
{
    off_buf *b = &c->body;
    const model_observation *o = &p->obs;
    char s[200], d[40];
    off_buf_put(b, "<dl class=\"facts\">");
    off_buf_put(b, "<dt>");
    off_buf_esc(b, off_tr(c, "Learning focus"));
    off_buf_put(b, "</dt><dd>");
    if (p->has_focus) {
        off_buf_put(b, "<a href=\"/focuses/");
        off_buf_url(b, o->focus_id);
        off_buf_put(b, "\">");
        off_buf_esc(b, p->focus.focus.question);
        off_buf_put(b, "</a> ");
    }
    snprintf(s, sizeof s, off_tr(c, "(focus version %d)"), o->focus_version);
    off_buf_esc(b, s);
    off_buf_put(b, "</dd>");
    fact(c, "Unit", p->unit_name);
    fact(c, "Observer", p->observer);
    /* An observation about a team names the team where a colleague's
     * name would be. */
    char team[MODEL_NAME_MAX + 64];
    snprintf(team, sizeof team, "%s %s", off_tr(c, "Team:"), o->team);
    fact(c, "Observed", o->team[0] ? team : p->observee);
    fact(c, "Room", o->room_id[0] ? p->room : off_tr(c, "No room"));
    fact(c, "Activity", o->activity);
    off_obs_fmt_time(c, o->started_at, s, sizeof s);
    fact(c, "Started", s);
    if (o->status == MODEL_OBS_FINISHED) {
        off_obs_fmt_time(c, o->ended_at, s, sizeof s);
        fact(c, "Ended", s);
        off_obs_fmt_span(duration_ms(o), d, sizeof d);
        fact(c, "Length", d);
        fact(c, "Status", off_tr(c, "Finished"));
    } else {
        fact(c, "Status", off_tr(c, "Draft: still being observed or put aside on the tablet"));
    }
    snprintf(s, sizeof s, "%d", o->revision);
    fact(c, "Revision", s);
    if (p->has_tmpl) {
        snprintf(s, sizeof s, off_tr(c, "%s (template version %d)"), p->tmpl->tmpl.name,
                 o->template_version);
        fact(c, "Template", s);
    }
    off_buf_put(b, "</dl>");
    if (p->truncated)
        para(c, "note",
             off_tr(c, "This observation holds more records than one page shows; the first "
                       "ones are shown and counted."));
}

static void write_ratings(off_ctx *c, const obs_page *p)
{
    off_buf *b = &c->body;
    const model_template *t = &p->tmpl->tmpl;
    h2(c, "ratings", "Rating per sign");
    if (!p->has_focus) {
        para(c, NULL,
             off_tr(c, "The focus version this observation was made with is not on "
                       "the server."));
        section_end(c);
        return;
    }
    static const char *const heads[] = {"Sign", "Rated"};
    table_head(c, off_tr(c, "Rating per sign"), heads, 2);
    for (int i = 0; i < p->focus.focus.n_signs; i++) {
        const model_sign *sg = &p->focus.focus.signs[i];
        int level = -1;
        for (int k = 0; k < p->n_ratings; k++)
            if (!strcmp(p->ratings[k].sign_id, sg->id))
                level = p->ratings[k].level;
        off_buf_put(b, "<tr><td>");
        off_buf_esc(b, sg->text);
        cell(c, heads[1]);
        if (level < 0) {
            off_buf_put(b, "<span class=\"muted\">");
            off_buf_esc(b, off_tr(c, "Not rated"));
            off_buf_put(b, "</span>");
        } else {
            char s[120];
            off_buf_printf(b, "<strong class=\"obs-level\" data-level=\"%d\">", level);
            off_buf_esc(b, level < t->n_scale ? t->scale[level] : "?");
            off_buf_put(b, "</strong> <span class=\"muted\">");
            snprintf(s, sizeof s, off_tr(c, "(step %d of %d)"), level + 1,
                     t->n_scale > level ? t->n_scale : level + 1);
            off_buf_esc(b, s);
            off_buf_put(b, "</span>");
        }
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table>");
    section_end(c);
}

/* A rate in words: "2,7 per 10 min", or why there is none. */
static void rate_text(off_ctx *c, const model_observation *o, long long count, char *out,
                      size_t cap)
{
    double rate;
    if (o->status != MODEL_OBS_FINISHED)
        snprintf(out, cap, "%s", off_tr(c, "not finished"));
    else if (!model_rate(count, duration_ms(o), &rate))
        snprintf(out, cap, "%s", off_tr(c, "too short for a rate"));
    else {
        char num[32];
        off_obs_fmt_dec(c, rate, num, sizeof num);
        snprintf(out, cap, off_tr(c, "%s per 10 min"), num);
    }
}

static void write_counts(off_ctx *c, const obs_page *p, const model_tally *ty)
{
    off_buf *b = &c->body;
    const model_template *t = &p->tmpl->tmpl;
    const model_observation *o = &p->obs;
    h2(c, "counts", "Counts and rate per 10 minutes");
    if (t->n_counters == 0) {
        para(c, NULL, off_tr(c, "The template has no counters."));
    } else {
        static const char *const heads[] = {"Counter", "Count", "Per 10 minutes"};
        table_head(c, off_tr(c, "Counts and rate per 10 minutes"), heads, 3);
        for (int i = 0; i < t->n_counters; i++) {
            char r[80];
            rate_text(c, o, ty->counts[i], r, sizeof r);
            off_buf_put(b, "<tr><td>");
            off_buf_esc(b, t->counters[i].label);
            cell(c, heads[1]);
            off_buf_printf(b, "%d", ty->counts[i]);
            cell(c, heads[2]);
            off_buf_esc(b, r);
            off_buf_put(b, "</td></tr>");
        }
        off_buf_put(b, "</tbody></table>");
        if (o->status == MODEL_OBS_FINISHED && duration_ms(o) < MODEL_RATE_MIN_MS) {
            char s[300];
            snprintf(s, sizeof s,
                     off_ntr(c,
                             "A rate per 10 minutes needs at least %d minute observed; this "
                             "observation is shorter.",
                             "A rate per 10 minutes needs at least %d minutes observed; this "
                             "observation is shorter.",
                             MODEL_RATE_MIN_MS / 60000),
                     MODEL_RATE_MIN_MS / 60000);
            para(c, "muted", s);
        } else if (o->status != MODEL_OBS_FINISHED) {
            para(c, "muted",
                 off_tr(c, "Rates are given once the observation is finished and its length "
                           "is known."));
        }
    }
    if (p->n_undone_taps > 0) {
        char s[200];
        snprintf(s, sizeof s,
                 off_ntr(c, "%d tap was undone on the tablet and is not counted.",
                         "%d taps were undone on the tablet and are not counted.",
                         p->n_undone_taps),
                 p->n_undone_taps);
        para(c, "muted", s);
    }
    section_end(c);
}

static void write_samples(off_ctx *c, const obs_page *p)
{
    off_buf *b = &c->body;
    const model_template *t = &p->tmpl->tmpl;
    int per[MODEL_MAX_INTERVAL_OPTIONS] = {0}, total = 0;
    for (int i = 0; i < p->n_ev; i++) {
        if (p->undone[i] || p->ev[i].kind != MODEL_EV_SAMPLE)
            continue;
        total++;
        for (int k = 0; k < t->n_interval_options; k++)
            if (!strcmp(t->interval_options[k].key, p->ev[i].key))
                per[k]++;
    }
    if (t->interval_minutes <= 0 && total == 0)
        return;
    h2(c, "samples", "Interval samples");
    if (total == 0) {
        para(c, NULL, off_tr(c, "No interval sample was answered."));
        section_end(c);
        return;
    }
    static const char *const heads[] = {"Answer", "Samples", "Share"};
    table_head(c, off_tr(c, "Interval samples"), heads, 3);
    for (int k = 0; k < t->n_interval_options; k++) {
        off_buf_put(b, "<tr><td>");
        off_buf_esc(b, t->interval_options[k].label);
        cell(c, heads[1]);
        off_buf_printf(b, "%d", per[k]);
        cell(c, heads[2]);
        off_buf_printf(b, "%d %%", (per[k] * 100 + total / 2) / total);
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table>");
    section_end(c);
}

static void write_states(off_ctx *c, const obs_page *p, const model_tally *ty)
{
    off_buf *b = &c->body;
    const model_template *t = &p->tmpl->tmpl;
    if (t->n_states == 0)
        return;
    h2(c, "states", "Time in each state");
    static const char *const heads[] = {"State", "Time spent", "Share of the observation"};
    table_head(c, off_tr(c, "Time in each state"), heads, 3);
    int64_t d = duration_ms(&p->obs), end = end_at(p);
    for (int s = 0; s < t->n_states; s++) {
        int64_t ms = model_tally_state_ms(ty, s, end);
        char span[32];
        off_obs_fmt_span(ms, span, sizeof span);
        off_buf_put(b, "<tr><td>");
        off_buf_esc(b, t->states[s].label);
        cell(c, heads[1]);
        off_buf_esc(b, span);
        if (ty->running[s]) {
            off_buf_put(b, " <span class=\"muted\">(");
            off_buf_esc(b, off_tr(c, "still running at the end"));
            off_buf_put(b, ")</span>");
        }
        cell(c, heads[2]);
        if (d > 0)
            off_buf_printf(b, "%lld %%", (long long)((ms * 100 + d / 2) / d));
        else
            off_buf_put(b, "–");
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table>");
    section_end(c);
}

static void write_context(off_ctx *c, const obs_page *p)
{
    off_buf *b = &c->body;
    const model_template *t = &p->tmpl->tmpl;
    json_error_t je;
    json_t *ctx = json_loads(p->obs.context_json, 0, &je);
    h2(c, "context", "Context");
    if (!json_is_object(ctx) || json_object_size(ctx) == 0) {
        para(c, NULL, off_tr(c, "No context was noted."));
        json_decref(ctx);
        section_end(c);
        return;
    }
    off_buf_put(b, "<dl class=\"facts\">");
    const char *key;
    json_t *v;
    json_object_foreach (ctx, key, v) {
        const char *label = key;
        for (int i = 0; i < t->n_context; i++)
            if (!strcmp(t->context[i].key, key))
                label = t->context[i].label;
        off_buf_put(b, "<dt>");
        off_buf_esc(b, label);
        off_buf_put(b, "</dt><dd>");
        if (json_is_integer(v))
            off_buf_printf(b, "%lld", (long long)json_integer_value(v));
        else if (json_is_string(v))
            off_buf_esc(b, json_string_value(v));
        off_buf_put(b, "</dd>");
    }
    off_buf_put(b, "</dl>");
    json_decref(ctx);
    section_end(c);
}

static void write_notes(off_ctx *c, const obs_page *p)
{
    off_buf *b = &c->body;
    h2(c, "notes", "Notes");
    int shown = 0;
    for (int i = 0; i < p->n_notes; i++) {
        const model_note *n = &p->notes[i];
        if (!n->text[0])
            continue; /* deleted by its observer */
        if (!shown++)
            off_buf_put(b, "<ol class=\"obs-notes\">");
        char at[32];
        off_obs_fmt_span(n->at - p->obs.started_at, at, sizeof at);
        off_buf_put(b, "<li><p class=\"obs-note-head\"><span class=\"obs-when\">");
        off_buf_esc(b, at);
        off_buf_put(b, "</span>");
        const char *sg = n->sign_id[0] ? sign_text(p, n->sign_id) : NULL;
        if (sg) {
            char s[MODEL_QUESTION_MAX + 40];
            snprintf(s, sizeof s, off_tr(c, "Sign: %s"), sg);
            off_buf_put(b, " <span class=\"obs-sign\">");
            off_buf_esc(b, s);
            off_buf_put(b, "</span>");
        }
        off_buf_put(b, "</p><p class=\"obs-text\">");
        off_buf_esc(b, n->text);
        off_buf_put(b, "</p></li>");
    }
    if (shown)
        off_buf_put(b, "</ol>");
    else
        para(c, NULL, off_tr(c, "No notes were written."));
    section_end(c);
}

static void text_fact(off_ctx *c, const char *msgid, const char *text)
{
    off_buf_put(&c->body, "<dt>");
    off_buf_esc(&c->body, off_tr(c, msgid));
    off_buf_put(&c->body, "</dt><dd>");
    if (text[0])
        off_buf_esc(&c->body, text);
    else {
        off_buf_put(&c->body, "<span class=\"muted\">");
        off_buf_esc(&c->body, off_tr(c, "Not written"));
        off_buf_put(&c->body, "</span>");
    }
    off_buf_put(&c->body, "</dd>");
}

static void write_feedback(off_ctx *c, const obs_page *p)
{
    off_buf *b = &c->body;
    char s[80];
    h2(c, "feedback", "Feedback");
    if (!p->has_feedback) {
        para(c, NULL, off_tr(c, "No feedback has been written yet."));
    } else {
        const model_feedback *f = &p->feedback;
        off_buf_put(b, "<dl class=\"facts\">");
        text_fact(c, "What works", f->works);
        text_fact(c, "Wonderings", f->wonderings);
        text_fact(c, "Next step", f->next_step);
        if (f->given_at > 0)
            off_obs_fmt_time(c, f->given_at, s, sizeof s);
        fact(c, "Feedback given", f->given_at > 0 ? s : off_tr(c, "Not marked as given yet"));
        off_buf_put(b, "</dl>");
    }
    section_end(c);
    h2(c, "reflection", "Reflection");
    if (!p->has_reflection && p->obs.team[0]) {
        para(c, NULL,
             off_tr(c, "A team writes no reflection of its own: what the team agreed on is in "
                       "the feedback."));
    } else if (!p->has_reflection) {
        para(c, NULL, off_tr(c, "No reflection has been written yet."));
    } else {
        const model_reflection *r = &p->reflection;
        off_buf_put(b, "<dl class=\"facts\">");
        text_fact(c, "Reflection", r->text);
        text_fact(c, "Own next step", r->next_step);
        off_obs_fmt_time(c, r->updated_at, s, sizeof s);
        fact(c, "Changed", s);
        off_buf_put(b, "</dl>");
    }
    section_end(c);
}

/* The name of a kind of record for a person. */
static const char *entity_label(const off_ctx *c, const char *entity)
{
    static const struct {
        const char *entity, *msgid;
    } names[] = {
        {"observation", "The observation"},
        {"event", "A tap or timer"},
        {"note", "A note"},
        {"rating", "A rating"},
        {"feedback", "Feedback"},
        {"reflection", "Reflection"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i].entity, entity))
            return off_tr(c, names[i].msgid);
    return entity;
}

static const char *tablet_name(const off_ctx *c, const char *name)
{
    return name[0] ? name : off_tr(c, "A tablet no longer known");
}

/* When each version of the observation, its feedback and reflection
 * arrived, and from which tablet: the first stored change per version. */
static int write_revisions(off_ctx *c, const obs_page *p)
{
    off_buf *b = &c->body;
    char err[300], lim[16];
    snprintf(lim, sizeof lim, "%d", REVISIONS_MAX);
    const char *pr[] = {p->obs.id, lim};
    PGresult *r = srv_q(
        c->pg,
        "SELECT entity, version, at, name FROM (SELECT DISTINCT ON (ch.entity, ch.version)"
        " ch.entity, ch.version, (extract(epoch FROM ch.received_at) * 1000)::bigint AS at,"
        " coalesce(d.name, '') AS name FROM changes ch LEFT JOIN devices d ON d.id = ch.device_id"
        " WHERE ch.key = $1 AND ch.entity IN ('observation','feedback','reflection')"
        " AND ch.status = 'stored' ORDER BY ch.entity, ch.version, ch.received_at) x"
        " ORDER BY at, entity, version LIMIT $2::int",
        2, pr, err, sizeof err);
    if (!r) {
        db_fail(c, "revisions", err);
        return -1;
    }
    h2(c, "revisions", "Versions received");
    if (PQntuples(r) == 0) {
        para(c, NULL, off_tr(c, "No version has arrived from a tablet."));
    } else {
        para(c, "muted",
             off_tr(c, "Each time a tablet sent a changed observation, feedback or reflection, "
                       "the server kept it as a new version."));
        static const char *const heads[] = {"What", "Version", "Arrived", "From tablet"};
        table_head(c, off_tr(c, "Versions received"), heads, 4);
        for (int i = 0; i < PQntuples(r); i++) {
            char s[80];
            off_buf_put(b, "<tr><td>");
            off_buf_esc(b, entity_label(c, PQgetvalue(r, i, 0)));
            cell(c, heads[1]);
            off_buf_esc(b, PQgetvalue(r, i, 1));
            cell(c, heads[2]);
            off_obs_fmt_time(c, atoll(PQgetvalue(r, i, 2)), s, sizeof s);
            off_buf_esc(b, s);
            cell(c, heads[3]);
            off_buf_esc(b, tablet_name(c, PQgetvalue(r, i, 3)));
            off_buf_put(b, "</td></tr>");
        }
        off_buf_put(b, "</tbody></table>");
    }
    PQclear(r);
    section_end(c);
    return 0;
}

/* The words a person reads for a field of a record on the wire, as the
 * tablet's review screen names them; others keep their wire name. */
static const char *field_label(const off_ctx *c, const char *key)
{
    static const struct {
        const char *key, *msgid;
    } labels[] = {
        {"works", "What works"},
        {"wonderings", "Wonderings"},
        {"next_step", "Next step"},
        {"text", "Reflection"},
        {"activity", "Activity"},
        {"context", "Context"},
        {"level", "Rating"},
        {"status", "Status"},
        {"started_at", "Started"},
        {"ended_at", "Ended"},
        {"given_at", "Feedback given"},
        {"updated_at", "Changed"},
        {"revision", "Version"},
        {"agreement", "Agreement made"},
        {"at", "Time"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (!strcmp(labels[i].key, key))
            return off_tr(c, labels[i].msgid);
    return key;
}

static void field_value(off_ctx *c, const model_field *f)
{
    char s[80];
    if (f->kind == MODEL_FIELD_TIME) {
        if (f->number <= 0)
            off_buf_put(&c->body, "–");
        else {
            off_obs_fmt_time(c, f->number, s, sizeof s);
            off_buf_esc(&c->body, s);
        }
    } else if (f->kind == MODEL_FIELD_BOOL) {
        off_buf_esc(&c->body, off_tr(c, f->number ? "Yes" : "No"));
    } else if (!strcmp(f->name, "status")) {
        off_buf_esc(&c->body, off_tr(c, !strcmp(f->text, "draft") ? "Draft" : "Finished"));
    } else {
        off_buf_esc(&c->body, f->text);
    }
}

/* A kept conflict's fields beside the server's, the ones that differ
 * marked in words. */
static void conflict_fields(off_ctx *c, const char *entity, const char *kept, const char *now)
{
    off_buf *b = &c->body;
    model_entity k;
    model_record *rk = malloc(sizeof *rk), *rn = malloc(sizeof *rn);
    model_field *fk = malloc(MODEL_MAX_FIELDS * sizeof *fk),
                *fn = malloc(MODEL_MAX_FIELDS * sizeof *fn);
    int nk = 0, nn = 0;
    if (rk && rn && fk && fn && model_entity_parse(entity, &k) == 0 &&
        model_record_parse(k, kept, rk, NULL) == 0) {
        nk = model_record_fields(rk, fk, MODEL_MAX_FIELDS);
        if (now[0] && model_record_parse(k, now, rn, NULL) == 0)
            nn = model_record_fields(rn, fn, MODEL_MAX_FIELDS);
    }
    if (nk > 0) {
        static const char *const heads[] = {"Field", "Kept version", "On the server"};
        table_head(c, NULL, heads, 3);
        for (int i = 0; i < nk; i++) {
            const model_field *other = NULL;
            for (int j = 0; j < nn; j++)
                if (!strcmp(fn[j].name, fk[i].name))
                    other = &fn[j];
            int differs = !other || strcmp(other->text, fk[i].text) != 0 ||
                          other->number != fk[i].number;
            off_buf_put(b, differs ? "<tr class=\"differs\"><td>" : "<tr><td>");
            off_buf_esc(b, field_label(c, fk[i].name));
            if (differs) {
                off_buf_put(b, " <strong>(");
                off_buf_esc(b, off_tr(c, "differs"));
                off_buf_put(b, ")</strong>");
            }
            cell(c, heads[1]);
            field_value(c, &fk[i]);
            cell(c, heads[2]);
            if (other)
                field_value(c, other);
            else
                off_buf_put(b, "–");
            off_buf_put(b, "</td></tr>");
        }
        off_buf_put(b, "</tbody></table>");
    }
    free(rk);
    free(rn);
    free(fk);
    free(fn);
}

/* Changes the server kept beside a newer version: which part, when, from
 * which tablet, on which version it was made, and what it said. */
static int write_conflicts(off_ctx *c, const obs_page *p)
{
    off_buf *b = &c->body;
    char err[300], lim[16];
    snprintf(lim, sizeof lim, "%d", CONFLICTS_MAX);
    const char *pr[] = {p->obs.id, p->obs.unit_id, lim};
    PGresult *r = srv_q(c->pg,
                        "SELECT cf.entity, (extract(epoch FROM cf.received_at) * 1000)::bigint,"
                        " coalesce(d.name, ''), cf.base_version, cf.server_version, cf.data,"
                        " cf.resolved_at IS NOT NULL, coalesce(i.data, '')"
                        " FROM conflicts cf LEFT JOIN devices d ON d.id = cf.device_id"
                        " JOIN items i ON i.entity = cf.entity AND i.key = cf.key"
                        " WHERE cf.unit_id = $2 AND i.observation_id = $1"
                        " ORDER BY cf.received_at, cf.id LIMIT $3::int",
                        3, pr, err, sizeof err);
    if (!r) {
        db_fail(c, "conflicts", err);
        return -1;
    }
    h2(c, "conflicts", "Kept conflicts");
    if (PQntuples(r) == 0) {
        para(c, NULL, off_tr(c, "No conflict: every change fitted the version before it."));
    } else {
        para(c, "muted",
             off_tr(c, "A tablet sent a change made on an older version than the server had. "
                       "The server kept the newer version and kept this change beside it, so "
                       "nothing was lost."));
        off_buf_put(b, "<ol class=\"obs-conflicts\">");
        for (int i = 0; i < PQntuples(r); i++) {
            char s[200], when[80];
            off_obs_fmt_time(c, atoll(PQgetvalue(r, i, 1)), when, sizeof when);
            off_buf_put(b, "<li><h3>");
            off_buf_esc(b, entity_label(c, PQgetvalue(r, i, 0)));
            off_buf_put(b, "</h3><p>");
            snprintf(s, sizeof s, off_tr(c, "Arrived %s from %s."), when,
                     tablet_name(c, PQgetvalue(r, i, 2)));
            off_buf_esc(b, s);
            off_buf_put(b, " ");
            snprintf(s, sizeof s,
                     off_tr(c, "It was made on version %d while the server had version %d."),
                     atoi(PQgetvalue(r, i, 3)), atoi(PQgetvalue(r, i, 4)));
            off_buf_esc(b, s);
            off_buf_put(b, " <strong>");
            off_buf_esc(b, off_tr(c, !strcmp(PQgetvalue(r, i, 6), "t")
                                         ? "Resolved."
                                         : "Not resolved: the server's version counts."));
            off_buf_put(b, "</strong></p>");
            conflict_fields(c, PQgetvalue(r, i, 0), PQgetvalue(r, i, 5), PQgetvalue(r, i, 7));
            off_buf_put(b, "</li>");
        }
        off_buf_put(b, "</ol>");
    }
    PQclear(r);
    section_end(c);
    return 0;
}

/* ---- the page ---- */

void off_obs_show(off_ctx *c)
{
    const char *id = c->n_args > 0 ? c->args[0] : NULL;
    char err[300];
    if (!id || model_id_check(id, "observation", err, sizeof err) != 0) {
        off_fail(c, 404, "There is no such observation.");
        return;
    }
    const char *pi[] = {id};
    PGresult *r = srv_q(c->pg,
                        "SELECT unit_id, observer_id, observee_id FROM observations"
                        " WHERE id = $1",
                        1, pi, err, sizeof err);
    if (!r) {
        db_fail(c, "scope", err);
        return;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        off_fail(c, 404, "There is no such observation.");
        return;
    }
    model_id unit, observer, observee;
    snprintf(unit, sizeof unit, "%s", PQgetvalue(r, 0, 0));
    snprintf(observer, sizeof observer, "%s", PQgetvalue(r, 0, 1));
    snprintf(observee, sizeof observee, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    if (!off_require_unit(c, unit, OFF_ROLE_PEER))
        return;
    if (!off_obs_may_open(c, unit, observer, observee)) {
        off_fail(c, 403,
                 "An observation's own page is for its observer, the person observed "
                 "and the leaders of its unit. The list of observations shows it "
                 "without names.");
        return;
    }
    obs_page *p = calloc(1, sizeof *p);
    if (!p) {
        off_fail(c, 500, "The server ran out of memory. Try again in a moment.");
        return;
    }
    if (load_records(c, id, p) != 0 || load_refs(c, p) != 0) {
        page_free(p);
        free(p);
        return;
    }
    model_tally ty;
    memset(&ty, 0, sizeof ty);
    for (int i = 0; i < p->n_ev; i++)
        if (!p->undone[i])
            model_tally_add(&ty, &p->tmpl->tmpl, &p->ev[i]);

    char title[200], day[40];
    off_obs_fmt_day(c, p->obs.started_at, day, sizeof day);
    snprintf(title, sizeof title, off_tr(c, "Observation on %s"), day);
    off_page_begin(c, title, "observations");
    off_buf *b = &c->body;
    off_buf_put(b, "<p><a href=\"/observations\">");
    off_buf_esc(b, off_tr(c, "All observations"));
    off_buf_put(b, "</a></p>");
    write_facts(c, p);
    if (!p->has_tmpl)
        para(c, "note",
             off_tr(c, "The template version this observation was made with is not on the "
                       "server, so its counters and states cannot be named."));
    h2(c, "timeline", "Timeline");
    off_tl tl;
    if (off_tl_build(&tl, &p->tmpl->tmpl, p->ev, p->undone, p->n_ev, p->notes, p->n_notes,
                     p->obs.started_at, duration_ms(&p->obs) > 0 ? p->obs.ended_at : 0,
                     off_tr(c, "Interval samples"), off_tr(c, "Notes")) != 0) {
        page_free(p);
        free(p);
        off_fail(c, 500, "The server ran out of memory. Try again in a moment.");
        return;
    }
    off_tl_write(c, &tl);
    off_tl_free(&tl);
    section_end(c);
    write_ratings(c, p);
    write_counts(c, p, &ty);
    write_states(c, p, &ty);
    write_samples(c, p);
    write_context(c, p);
    write_notes(c, p);
    write_feedback(c, p);
    if (write_revisions(c, p) != 0 || write_conflicts(c, p) != 0) {
        page_free(p);
        free(p);
        return;
    }
    page_free(p);
    free(p);
    off_page_end(c);
}
