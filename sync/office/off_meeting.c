/*
 * The team meeting view: one learning focus on a large screen for the
 * team's reflective dialogue, calm and readable from the back of a room.
 * It sets the scene (the inquiry question and why), shows the picture
 * (each sign's share and colour this school term beside the term before,
 * the counts per 10 minutes, how many observations it rests on), asks the
 * questions of the dialogue, and keeps what the team agrees: its next
 * steps (focus_steps), added and marked done here by the unit's leaders,
 * every change in the audit log. The next steps written in the feedback
 * given are listed as texts for the unit's own leader, never with a name.
 *
 * Scope: leaders of the unit, its area leaders and administrators (it is
 * an aggregate, and observee names are never shown); the feedback texts
 * only to a leader of the unit, who may read the observations themselves.
 */
#include "off_progress_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_json.h"
#include "model_tally.h"
#include "srv_int.h"

#define STEP_MAX 400        /* bytes in one next step */
#define STEPS_OPEN_MAX 50   /* open steps a focus may hold */
#define STEPS_DONE_SHOWN 10 /* steps done, the latest shown */
#define FEEDBACK_SHOWN 12   /* next steps from feedback, the latest shown */

static void db_fail(off_ctx *c, const char *what, const char *err)
{
    srv_log("office: meeting: %s: %s", what, err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

/* The last period with observations and the one with observations before
 * it, or -1. */
static void now_and_before(const off_prog *pr, int *now, int *before)
{
    *now = *before = -1;
    for (int i = pr->n_periods - 1; i >= 0; i--) {
        if (pr->p[i].n_obs == 0)
            continue;
        if (*now < 0)
            *now = i;
        else if (*before < 0)
            *before = i;
    }
}

static void say(off_ctx *c, const char *text) { off_buf_esc(&c->body, text); }

static void picture(off_ctx *c, const off_prog *pr)
{
    off_buf *b = &c->body;
    const model_focus *f = &pr->focus.focus;
    int now, before;
    now_and_before(pr, &now, &before);
    off_buf_put(b, "<section class=\"meet-block\" aria-labelledby=\"h-picture\">"
                   "<h2 id=\"h-picture\">");
    say(c, off_tr(c, "The picture"));
    off_buf_put(b, "</h2>");
    if (now < 0) {
        off_buf_put(b, "<p>");
        say(c, off_tr(c, "No finished observation rests on this focus yet."));
        off_buf_put(b, "</p></section>");
        return;
    }
    char s[400];
    const off_period *pn = &pr->p[now];
    snprintf(
        s, sizeof s,
        off_ntr(c, "%s: %lld observation finished.", "%s: %lld observations finished.", pn->n_obs),
        pn->label, pn->n_obs);
    off_buf_put(b, "<p class=\"meet-rests\">");
    say(c, s);
    if (before >= 0) {
        const off_period *pb = &pr->p[before];
        snprintf(s, sizeof s,
                 off_ntr(c, " Before, %s: %lld observation.", " Before, %s: %lld observations.",
                         pb->n_obs),
                 pb->label, pb->n_obs);
        say(c, s);
    }
    off_buf_put(b, "</p><ul class=\"meet-signs\">");
    for (int sg = 0; sg < f->n_signs; sg++) {
        int pct, rated;
        int col = off_prog_sign(pr, now, sg, &pct, &rated);
        off_buf_put(b, "<li><span class=\"meet-sign\">");
        say(c, f->signs[sg].text);
        off_buf_put(b, "</span><span class=\"meet-figure\">");
        off_rag_write(c, col);
        if (rated > 0)
            off_buf_printf(b, " <strong>%d %%</strong>", pct);
        off_buf_put(b, "</span><span class=\"meet-rests\">");
        snprintf(s, sizeof s, off_ntr(c, "%d rating", "%d ratings", rated), rated);
        say(c, s);
        if (before >= 0) {
            int bp, br;
            off_prog_sign(pr, before, sg, &bp, &br);
            if (br > 0) {
                char w[120];
                snprintf(w, sizeof w, off_tr(c, "; before %d %% (%d)"), bp, br);
                say(c, w);
            }
        }
        off_buf_put(b, "</span></li>");
    }
    off_buf_put(b, "</ul>");
    if (pr->tmpl && pr->tmpl->tmpl.n_counters > 0) {
        const model_template *t = &pr->tmpl->tmpl;
        off_buf_put(b, "<ul class=\"meet-counts\">");
        for (int k = 0; k < t->n_counters; k++) {
            double rate;
            char r[48];
            off_buf_put(b, "<li><span class=\"meet-sign\">");
            say(c, t->counters[k].label);
            off_buf_put(b, "</span><span class=\"meet-figure\">");
            if (model_rate(pn->counts[k], pn->duration_ms, &rate)) {
                off_decimal(c, rate, r, sizeof r);
                snprintf(s, sizeof s, off_tr(c, "%s per 10 minutes"), r);
            } else {
                snprintf(s, sizeof s, "%s", off_tr(c, "too short for a rate"));
            }
            say(c, s);
            off_buf_put(b, "</span><span class=\"meet-rests\">");
            snprintf(s, sizeof s, off_ntr(c, "%lld tap", "%lld taps", pn->counts[k]),
                     pn->counts[k]);
            say(c, s);
            long long min = pn->duration_ms / 60000;
            snprintf(s, sizeof s, off_ntr(c, " in %lld minute", " in %lld minutes", min), min);
            say(c, s);
            off_buf_put(b, "</span></li>");
        }
        off_buf_put(b, "</ul>");
    }
    off_buf_put(b, "</section>");
}

static void questions(off_ctx *c)
{
    static const char *const q[] = {
        "What do we see? Which signs show up, and which do not yet?",
        "What surprises us, and what did we expect?",
        "What in our practice makes the difference where a sign shows up?",
        "What do we try next, and how will we see whether it works?",
    };
    off_buf *b = &c->body;
    off_buf_put(b, "<section class=\"meet-block\" aria-labelledby=\"h-questions\">"
                   "<h2 id=\"h-questions\">");
    say(c, off_tr(c, "Questions for the dialogue"));
    off_buf_put(b, "</h2><ol class=\"meet-questions\">");
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        off_buf_put(b, "<li>");
        say(c, off_tr(c, q[i]));
        off_buf_put(b, "</li>");
    }
    off_buf_put(b, "</ol></section>");
}

/* The agreed steps, open ones first, and the form that adds one (for
 * whoever may write: error and value are the refused form's). 0, or -1
 * with an answer made. */
static int steps(off_ctx *c, const model_focus *f, const char *error, const char *value)
{
    off_buf *b = &c->body;
    char err[300];
    const char *p[] = {f->id, f->unit_id};
    PGresult *r = srv_q(c->pg,
                        "(SELECT id, text, false FROM focus_steps"
                        "  WHERE focus_id = $1 AND unit_id = $2 AND done_at IS NULL"
                        "  ORDER BY id LIMIT 50)"
                        " UNION ALL (SELECT id, text, true FROM focus_steps"
                        "  WHERE focus_id = $1 AND unit_id = $2 AND done_at IS NOT NULL"
                        "  ORDER BY done_at DESC, id DESC LIMIT 10)",
                        2, p, err, sizeof err);
    if (!r) {
        db_fail(c, "steps", err);
        return -1;
    }
    int lead = off_can_unit(c, f->unit_id, OFF_ROLE_LEADER);
    off_buf_put(b, "<section class=\"meet-block\" id=\"steps\" aria-labelledby=\"h-steps\">"
                   "<h2 id=\"h-steps\">");
    say(c, off_tr(c, "Our next steps"));
    off_buf_put(b, "</h2>");
    if (PQntuples(r) == 0) {
        off_buf_put(b, "<p>");
        say(c, off_tr(c, "No next step is agreed yet."));
        off_buf_put(b, "</p>");
    } else {
        off_buf_put(b, "<ul class=\"meet-steps\">");
        for (int i = 0; i < PQntuples(r); i++) {
            int done = PQgetvalue(r, i, 2)[0] == 't';
            off_buf_printf(b,
                           "<li class=\"%s\"><span class=\"step-mark\" aria-hidden=\"true\">%s"
                           "</span><span class=\"step-text\">",
                           done ? "done" : "open", done ? "\u2713" : "\u2192");
            say(c, PQgetvalue(r, i, 1));
            if (done) {
                off_buf_put(b, " <span class=\"step-state\">(");
                say(c, off_tr(c, "carried out"));
                off_buf_put(b, ")</span>");
            }
            off_buf_put(b, "</span>");
            if (lead && !done) {
                off_buf_put(b, "<form method=\"post\" action=\"/steps/");
                off_buf_url(b, PQgetvalue(r, i, 0));
                off_buf_printf(b,
                               "/done\" class=\"step-done\"><input type=\"hidden\" "
                               "name=\"csrf\" value=\"%s\">",
                               c->user.csrf);
                off_buf_put(b, "<button type=\"submit\" class=\"secondary\">");
                say(c, off_tr(c, "Mark as done"));
                off_buf_put(b, "<span class=\"vh\">: ");
                say(c, PQgetvalue(r, i, 1));
                off_buf_put(b, "</span></button></form>");
            }
            off_buf_put(b, "</li>");
        }
        off_buf_put(b, "</ul>");
    }
    PQclear(r);
    if (lead) {
        char path[120];
        snprintf(path, sizeof path, "/focuses/%s/steps", f->id);
        if (error) {
            const char *fields[] = {"text"}, *msgs[] = {error};
            off_error_summary(c, fields, msgs, 1);
        }
        off_form_begin(c, path);
        off_input(c, "text", "text", off_tr(c, "A next step the team agrees on"), value, STEP_MAX,
                  off_tr(c, "One thing to try, said so that everyone can do it."), error);
        off_submit(c, off_tr(c, "Add the step"), 0);
        off_form_end(c);
    }
    off_buf_put(b, "</section>");
    return 0;
}

/* The next steps written in the feedback given on the focus's finished
 * observations, the latest first, as texts only: for a leader of the
 * unit, who may read those observations. 0, or -1 with an answer made. */
static int feedback_steps(off_ctx *c, const model_focus *f)
{
    if (c->user.role != OFF_ROLE_LEADER || strcmp(c->user.unit_id, f->unit_id) != 0)
        return 0;
    off_buf *b = &c->body;
    char err[300], lim[16];
    snprintf(lim, sizeof lim, "%d", FEEDBACK_SHOWN);
    const char *p[] = {f->id, f->unit_id, lim};
    /* The latest observations first, then their feedback: joined the other
     * way round, every finished observation of the focus with feedback
     * (3,000 in a unit's two years) was read with its feedback and sorted
     * to keep 20. */
    PGresult *r = srv_q(c->pg,
                        "SELECT i.data FROM (SELECT observation_id, started_at FROM fact_obs"
                        "  WHERE focus_id = $1 AND unit_id = $2 AND status = 'finished'"
                        "  AND feedback_given ORDER BY started_at DESC LIMIT $3::int) o"
                        " JOIN items i ON i.entity = 'feedback' AND i.key = o.observation_id"
                        " ORDER BY o.started_at DESC",
                        3, p, err, sizeof err);
    if (!r) {
        db_fail(c, "feedback", err);
        return -1;
    }
    model_record *rec = malloc(sizeof *rec);
    if (!rec) {
        PQclear(r);
        off_fail(c, 500, "The server ran out of memory.");
        return -1;
    }
    off_buf_put(b, "<section class=\"meet-block\" aria-labelledby=\"h-fb\"><h2 id=\"h-fb\">");
    say(c, off_tr(c, "Next steps from the feedback given"));
    off_buf_put(b, "</h2>");
    int shown = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        model_err me;
        if (model_record_parse(MODEL_ENT_FEEDBACK, PQgetvalue(r, i, 0), rec, &me) != 0 ||
            !rec->u.feedback.next_step[0] || !rec->u.feedback.given_at)
            continue;
        if (!shown++)
            off_buf_put(b, "<ul class=\"meet-feedback\">");
        off_buf_put(b, "<li>");
        say(c, rec->u.feedback.next_step);
        off_buf_put(b, "</li>");
    }
    if (shown)
        off_buf_put(b, "</ul>");
    else {
        off_buf_put(b, "<p>");
        say(c, off_tr(c, "No feedback with a next step has been given yet."));
        off_buf_put(b, "</p>");
    }
    off_buf_put(b, "</section>");
    free(rec);
    PQclear(r);
    return 0;
}

/* The whole view; error and value are a refused step's (status 400). */
static void render(off_ctx *c, off_prog *pr, const char *error, const char *value)
{
    const model_focus *f = &pr->focus.focus;
    off_buf *b = &c->body;
    if (error)
        c->out->status = 400;
    off_page_begin(c, f->question, "focuses");
    off_buf_put(b, "<div class=\"meeting\"><p class=\"meet-kicker\">");
    say(c, off_tr(c, "Team meeting: the learning focus"));
    off_buf_put(b, "</p>");
    if (f->why[0]) {
        off_buf_put(b, "<p class=\"meet-why\">");
        say(c, f->why);
        off_buf_put(b, "</p>");
    }
    picture(c, pr);
    questions(c);
    if (steps(c, f, error, value) != 0 || feedback_steps(c, f) != 0)
        return;
    off_buf_put(b, "<p class=\"meet-links\"><a href=\"/focuses/");
    off_buf_url(b, f->id);
    off_buf_put(b, "/progression?by=term\">");
    say(c, off_tr(c, "The progression term by term"));
    off_buf_put(b, "</a></p></div>");
    off_page_end(c);
}

/* Loads the focus (checking the reader leads it) and its figures by term. */
static off_prog *load(off_ctx *c)
{
    off_prog *pr = calloc(1, sizeof *pr);
    if (!pr) {
        off_fail(c, 500, "The server ran out of memory.");
        return NULL;
    }
    pr->by_term = 1;
    if (!off_prog_focus(c, OFF_ROLE_LEADER, &pr->focus))
        goto fail;
    pr->n_units = 1;
    snprintf(pr->units[0], sizeof(model_id), "%s", pr->focus.focus.unit_id);
    if (off_prog_load(c, pr) != 0)
        goto fail;
    return pr;
fail:
    off_prog_free(pr);
    free(pr);
    return NULL;
}

void off_focus_meeting(off_ctx *c)
{
    off_prog *pr = load(c);
    if (!pr)
        return;
    render(c, pr, NULL, NULL);
    off_prog_free(pr);
    free(pr);
}

/* The step's text with blanks trimmed at both ends: its start and length
 * in bytes. */
static const char *trim(const char *s, size_t *len)
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        n--;
    *len = n;
    return s;
}

/* Characters (not bytes) in n bytes of valid UTF-8, as the form's
 * maxlength counts them: æ, ø and å are one each. */
static size_t chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

void off_focus_step_add(off_ctx *c)
{
    off_prog *pr = load(c);
    if (!pr)
        return;
    const model_focus *f = &pr->focus.focus;
    const char *given = off_form_get(&c->form, "text");
    char text[STEP_MAX * 4 + 1], err[300];
    size_t n;
    const char *t = trim(given ? given : "", &n);
    const char *problem = NULL;
    if (n == 0)
        problem = off_tr(c, "Write the next step before adding it.");
    else if (chars(t, n) > STEP_MAX || memchr(t, '\n', n))
        problem = off_tr(c, "A next step is one line of at most 400 characters.");
    if (problem) {
        render(c, pr, problem, given);
        goto out;
    }
    memcpy(text, t, n); /* at most 4 bytes a character: it fits */
    text[n] = 0;
    const char *p[] = {f->id, f->unit_id, text, c->user.account_id};
    if (srv_exec(c->pg, "BEGIN", 0, NULL, err, sizeof err) != 0) {
        db_fail(c, "begin", err);
        goto out;
    }
    /* A step already open with the same words is not added again, so a
     * form sent twice adds it once. */
    PGresult *r = srv_q(c->pg,
                        "SELECT count(*) FILTER (WHERE text = $3), count(*) FROM focus_steps"
                        " WHERE focus_id = $1 AND unit_id = $2 AND done_at IS NULL",
                        3, p, err, sizeof err);
    if (!r) {
        srv_exec(c->pg, "ROLLBACK", 0, NULL, NULL, 0);
        db_fail(c, "steps", err);
        goto out;
    }
    long long same = atoll(PQgetvalue(r, 0, 0)), open = atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (!same && open >= STEPS_OPEN_MAX) {
        srv_exec(c->pg, "ROLLBACK", 0, NULL, NULL, 0);
        render(c, pr,
               off_tr(c, "The focus has 50 open steps. Mark some as done before adding more."),
               given);
        goto out;
    }
    if (!same) {
        r = srv_q(c->pg,
                  "INSERT INTO focus_steps (focus_id, unit_id, text, created_by)"
                  " VALUES ($1, $2, $3, $4) RETURNING id",
                  4, p, err, sizeof err);
        if (!r || off_audit(c, "focus.step-add", f->unit_id, f->id, PQgetvalue(r, 0, 0)) != 0) {
            PQclear(r);
            srv_exec(c->pg, "ROLLBACK", 0, NULL, NULL, 0);
            db_fail(c, "add", err);
            goto out;
        }
        PQclear(r);
    }
    if (srv_exec(c->pg, "COMMIT", 0, NULL, err, sizeof err) != 0) {
        db_fail(c, "commit", err);
        goto out;
    }
    char path[160];
    snprintf(path, sizeof path, "/focuses/%s/meeting?done=step-added#steps", f->id);
    off_redirect(c, path);
out:
    off_prog_free(pr);
    free(pr);
}

void off_step_done(off_ctx *c)
{
    const char *id = c->n_args ? c->args[0] : "";
    size_t n = strlen(id);
    if (n == 0 || n > 18 || strspn(id, "0123456789") != n) {
        off_fail(c, 404, "There is no such next step.");
        return;
    }
    char err[300];
    const char *p[] = {id};
    PGresult *r = srv_q(c->pg, "SELECT focus_id, unit_id FROM focus_steps WHERE id = $1::bigint", 1,
                        p, err, sizeof err);
    if (!r) {
        db_fail(c, "step", err);
        return;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        off_fail(c, 404, "There is no such next step.");
        return;
    }
    model_id focus, unit;
    snprintf(focus, sizeof focus, "%s", PQgetvalue(r, 0, 0));
    snprintf(unit, sizeof unit, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    if (!off_require_unit(c, unit, OFF_ROLE_LEADER))
        return;
    if (srv_exec(c->pg, "BEGIN", 0, NULL, err, sizeof err) != 0) {
        db_fail(c, "begin", err);
        return;
    }
    /* Marking a step done twice changes it once and is audited once. */
    r = srv_q(c->pg,
              "UPDATE focus_steps SET done_at = now() WHERE id = $1::bigint AND done_at IS NULL", 1,
              p, err, sizeof err);
    int changed = r && atoi(PQcmdTuples(r)) == 1;
    PQclear(r);
    if (!r || (changed && off_audit(c, "focus.step-done", unit, focus, id) != 0) ||
        srv_exec(c->pg, "COMMIT", 0, NULL, err, sizeof err) != 0) {
        srv_exec(c->pg, "ROLLBACK", 0, NULL, NULL, 0);
        db_fail(c, "done", err);
        return;
    }
    char path[160];
    snprintf(path, sizeof path, "/focuses/%s/meeting?done=step-done#steps", focus);
    off_redirect(c, path);
}
