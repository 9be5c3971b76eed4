/*
 * Making plans in the office: one planned observation at a time, or a
 * peer rota for a period (off_plan.h makes it), which the leader sees as
 * a table of proposed observations, adjusts (observer, observee and week
 * of each row, or a row left out) and only then publishes. Both forms
 * work without script: the rota's proposal is a form of its own that
 * carries the period, the people and the terms along, and a refused form
 * comes back with its values and a message by each field.
 *
 * Only a leader of the unit plans (a plan names who observes whom): area
 * leaders and administrators are refused, as they are refused the
 * observations' names. The unit is always the leader's own.
 */
#include "off_plan_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"
#include "srv_ref.h"

#define ROTA_ROWS_MAX 60 /* observations in one rota's form (3 fields each) */
#define ERRS_MAX 8

/* The unit's active people, current focuses and open rooms. */
typedef struct {
    srv_ref_person *people;
    int n_people;
    srv_ref_focus *focuses;
    int n_focuses;
    srv_ref_room *rooms;
    int n_rooms;
} unit_data;

static void unit_free(unit_data *u)
{
    free(u->people);
    free(u->focuses);
    free(u->rooms);
    memset(u, 0, sizeof *u);
}

/* Loads the leader's unit: 1, or 0 with an answer made (403 for anyone
 * who does not lead a unit by their own person). */
static int unit_load(off_ctx *c, unit_data *u)
{
    memset(u, 0, sizeof *u);
    if (c->user.role != OFF_ROLE_LEADER || !c->user.unit_id[0]) {
        off_fail(c, 403,
                 "Only a leader of the unit plans observations, since a plan names who "
                 "observes whom.");
        return 0;
    }
    char err[300];
    srv_ref_person *pp = NULL;
    srv_ref_focus *ff = NULL;
    srv_ref_room *rr = NULL;
    int np = 0, nf = 0, nr = 0;
    if (srv_ref_people(c->pg, c->user.unit_id, NULL, &pp, &np, err, sizeof err) != SRV_REF_OK ||
        srv_ref_focuses(c->pg, c->user.unit_id, &ff, &nf, err, sizeof err) != SRV_REF_OK ||
        srv_ref_rooms(c->pg, c->user.unit_id, &rr, &nr, err, sizeof err) != SRV_REF_OK) {
        free(pp);
        free(ff);
        free(rr);
        off_plan_db_fail(c, "unit", err);
        return 0;
    }
    /* Only what may be planned: active people, focuses not retired, open
     * rooms (kept in place, so the lists stay in name order). */
    int k = 0;
    for (int i = 0; i < np; i++)
        if (pp[i].person.active)
            pp[k++] = pp[i];
    u->people = pp;
    u->n_people = k;
    k = 0;
    for (int i = 0; i < nf; i++)
        if (!ff[i].retired)
            ff[k++] = ff[i];
    u->focuses = ff;
    u->n_focuses = k;
    k = 0;
    for (int i = 0; i < nr; i++)
        if (rr[i].active)
            rr[k++] = rr[i];
    u->rooms = rr;
    u->n_rooms = k;
    return 1;
}

static const srv_ref_person *person_in(const unit_data *u, const char *id)
{
    for (int i = 0; id && i < u->n_people; i++)
        if (!strcmp(u->people[i].person.id, id))
            return &u->people[i];
    return NULL;
}

static int focus_in(const unit_data *u, const char *id)
{
    for (int i = 0; id && i < u->n_focuses; i++)
        if (!strcmp(u->focuses[i].focus.id, id))
            return 1;
    return 0;
}

static int room_in(const unit_data *u, const char *id)
{
    for (int i = 0; id && i < u->n_rooms; i++)
        if (!strcmp(u->rooms[i].room.id, id))
            return 1;
    return 0;
}

typedef struct {
    int n;
    const char *field[ERRS_MAX], *msg[ERRS_MAX];
} errs;

static void err_add(errs *e, const char *field, const char *msg)
{
    if (e->n < ERRS_MAX) {
        e->field[e->n] = field;
        e->msg[e->n++] = msg;
    }
}

static const char *err_of(const errs *e, const char *field)
{
    for (int i = 0; i < e->n; i++)
        if (!strcmp(e->field[i], field))
            return e->msg[i];
    return NULL;
}

static const char *get(off_ctx *c, const char *name)
{
    const char *v = off_form_get(&c->form, name);
    return v ? v : "";
}

/* The focus picker: every focus in use. */
static void focus_select(off_ctx *c, const unit_data *u, const char *sel, const char *error)
{
    const char **v = calloc((size_t)u->n_focuses + 1, sizeof *v);
    const char **l = calloc((size_t)u->n_focuses + 1, sizeof *l);
    if (!v || !l) {
        free(v);
        free(l);
        c->body.oom = 1;
        return;
    }
    v[0] = "";
    l[0] = off_tr(c, "Choose a learning focus");
    for (int i = 0; i < u->n_focuses; i++) {
        v[i + 1] = u->focuses[i].focus.id;
        l[i + 1] = u->focuses[i].focus.question;
    }
    off_select(c, "focus", off_tr(c, "Learning focus"), v, l, u->n_focuses + 1, sel, error);
    free(v);
    free(l);
}

/* A picker of the unit's people; extra (may be NULL) adds one more choice
 * first after "choose". */
static void person_select(off_ctx *c, const unit_data *u, const char *name, const char *label,
                          const char *extra_value, const char *extra_label, const char *sel,
                          const char *error)
{
    int n = u->n_people + 2;
    const char **v = calloc((size_t)n, sizeof *v), **l = calloc((size_t)n, sizeof *l);
    if (!v || !l) {
        free(v);
        free(l);
        c->body.oom = 1;
        return;
    }
    int k = 0;
    v[k] = "";
    l[k++] = off_tr(c, "Choose a person");
    if (extra_value) {
        v[k] = extra_value;
        l[k++] = extra_label;
    }
    for (int i = 0; i < u->n_people; i++) {
        v[k] = u->people[i].person.id;
        l[k++] = u->people[i].person.name;
    }
    off_select(c, name, label, v, l, k, sel, error);
    free(v);
    free(l);
}

/* Checks the terms: at most SRV_PLAN_TERMS_MAX bytes of text with lines. */
static void check_terms(off_ctx *c, const char *terms, errs *e)
{
    char m[200];
    if (model_text_check(terms, SRV_PLAN_TERMS_MAX, 1, "terms", m, sizeof m) != 0)
        err_add(e, "terms", off_tr(c, "The terms are at most 1,000 characters of text."));
}

/* ---- one plan ---- */

static void new_render(off_ctx *c, const unit_data *u, const errs *e)
{
    off_buf *b = &c->body;
    char today[MODEL_DATE_LEN + 1];
    off_plan_today(today);
    if (e->n)
        c->out->status = 400;
    off_page_begin(c, off_tr(c, "Plan an observation"), "plans");
    off_buf_put(b, "<p class=\"lead\">");
    off_buf_esc(b, off_tr(c, "Who observes whom, on which learning focus, where and when, and on "
                             "what terms. The observed colleague is asked to agree; a team "
                             "needs no agreement."));
    off_buf_put(b, "</p>");
    off_error_summary(c, e->field, e->msg, e->n);
    off_form_begin(c, "/plans/new");
    focus_select(c, u, get(c, "focus"), err_of(e, "focus"));
    person_select(c, u, "observer", off_tr(c, "Observer"), NULL, NULL, get(c, "observer"),
                  err_of(e, "observer"));
    person_select(c, u, "observee", off_tr(c, "Observed"), "team",
                  off_tr(c, "A team (name it below)"), get(c, "observee"), err_of(e, "observee"));
    off_input(c, "text", "team", off_tr(c, "The team observed"), get(c, "team"), SRV_PLAN_TEAM_MAX,
              off_tr(c, "Only when a team is observed, for example \"the "
                        "morning team in Myretuen\"."),
              err_of(e, "team"));
    {
        int n = u->n_rooms + 1;
        const char **v = calloc((size_t)n, sizeof *v), **l = calloc((size_t)n, sizeof *l);
        if (v && l) {
            v[0] = "";
            l[0] = off_tr(c, "No room given");
            for (int i = 0; i < u->n_rooms; i++) {
                v[i + 1] = u->rooms[i].room.id;
                l[i + 1] = u->rooms[i].room.name;
            }
            off_select(c, "room", off_tr(c, "Room"), v, l, n, get(c, "room"), err_of(e, "room"));
        } else {
            b->oom = 1;
        }
        free(v);
        free(l);
    }
    const char *day = get(c, "day");
    off_input(c, "date", "day", off_tr(c, "Day"), day[0] ? day : today, 0,
              off_tr(c, "For a week, any day of it."), err_of(e, "day"));
    static const char *const spans[] = {"day", "week"};
    const char *span_labels[] = {off_tr(c, "On this day"), off_tr(c, "Some day in its week")};
    off_select(c, "span", off_tr(c, "When"), spans, span_labels, 2, get(c, "span"), NULL);
    off_textarea(c, "terms", off_tr(c, "The agreed terms"), get(c, "terms"), SRV_PLAN_TERMS_MAX,
                 off_tr(c, "What the two agreed: what is looked for, what is not noted, how "
                           "feedback is given."),
                 err_of(e, "terms"));
    off_submit(c, off_tr(c, "Plan the observation"), 0);
    off_form_end(c);
    off_page_end(c);
}

void off_plan_new(off_ctx *c)
{
    unit_data u;
    if (!unit_load(c, &u))
        return;
    errs e = {0};
    new_render(c, &u, &e);
    unit_free(&u);
}

void off_plan_new_post(off_ctx *c)
{
    unit_data u;
    if (!unit_load(c, &u))
        return;
    errs e = {0};
    srv_plan p;
    memset(&p, 0, sizeof p);
    const char *focus = get(c, "focus"), *observer = get(c, "observer");
    const char *observee = get(c, "observee"), *team = get(c, "team"), *room = get(c, "room");
    const char *day = get(c, "day"), *span = get(c, "span"), *terms = get(c, "terms");
    char m[200], today[MODEL_DATE_LEN + 1];
    off_plan_today(today);
    if (!focus_in(&u, focus))
        err_add(&e, "focus", off_tr(c, "Choose one of the unit's learning focuses."));
    if (!person_in(&u, observer))
        err_add(&e, "observer", off_tr(c, "Choose the observer among the unit's people."));
    int is_team = !strcmp(observee, "team");
    if (is_team) {
        if (model_name_check(team, SRV_PLAN_TEAM_MAX, "team", m, sizeof m) != 0)
            err_add(&e, "team",
                    off_tr(c, "Name the team observed, in one line of at most 80 "
                              "characters."));
    } else if (!person_in(&u, observee)) {
        err_add(&e, "observee",
                off_tr(c, "Choose the colleague observed among the unit's people, "
                          "or a team."));
    } else if (!strcmp(observee, observer)) {
        err_add(&e, "observee", off_tr(c, "The observer and the one observed are two people."));
    }
    if (room[0] && !room_in(&u, room))
        err_add(&e, "room", off_tr(c, "Choose one of the unit's open rooms, or none."));
    int wd = model_date_weekday(day);
    if (wd < 0)
        err_add(&e, "day", off_tr(c, "Give the day as a date."));
    int week = !strcmp(span, "week");
    char from[11] = "", to[11] = "";
    if (!err_of(&e, "day")) {
        if (week && (model_date_add(day, -wd, from) != 0 || model_date_add(from, 6, to) != 0))
            err_add(&e, "day", off_tr(c, "Give the day as a date."));
        else if (!week)
            snprintf(from, sizeof from, "%s", day), snprintf(to, sizeof to, "%s", day);
        if (!err_of(&e, "day") && strcmp(to, today) < 0)
            err_add(&e, "day", off_tr(c, "A plan is for today or later."));
    }
    check_terms(c, terms, &e);
    if (e.n) {
        new_render(c, &u, &e);
        unit_free(&u);
        return;
    }
    snprintf(p.unit_id, sizeof p.unit_id, "%s", c->user.unit_id);
    snprintf(p.focus_id, sizeof p.focus_id, "%s", focus);
    snprintf(p.observer_id, sizeof p.observer_id, "%s", observer);
    if (is_team)
        snprintf(p.team, sizeof p.team, "%s", team);
    else
        snprintf(p.observee_id, sizeof p.observee_id, "%s", observee);
    snprintf(p.room_id, sizeof p.room_id, "%s", room);
    snprintf(p.day_from, sizeof p.day_from, "%s", from);
    snprintf(p.day_to, sizeof p.day_to, "%s", to);
    snprintf(p.terms, sizeof p.terms, "%s", terms);
    char err[300], actor[80];
    off_actor(c, actor, sizeof actor);
    int64_t seq;
    if (srv_exec(c->pg, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        srv_feed_lock(c->pg, p.unit_id, &seq, err, sizeof err) != 0 ||
        srv_plan_add(c->pg, &p, actor, "", &seq, err, sizeof err) != 0 ||
        srv_feed_release(c->pg, p.unit_id, seq, err, sizeof err) != 0 ||
        off_audit(c, "plan.add", p.unit_id, p.id, "") != 0 ||
        srv_exec(c->pg, "COMMIT", 0, NULL, err, sizeof err) != 0) {
        srv_exec(c->pg, "ROLLBACK", 0, NULL, NULL, 0);
        off_plan_db_fail(c, "add", err);
        unit_free(&u);
        return;
    }
    unit_free(&u);
    char path[120];
    snprintf(path, sizeof path, "/plans/%s?done=plan-added", p.id);
    off_redirect(c, path);
}

/* ---- the peer rota ---- */

/* What a rota form carries: the focus, the period and its weeks, the
 * rounds, the people taking part (places in u->people), the terms. */
typedef struct {
    const char *focus, *from, *to, *terms;
    int rounds;
    int n_weeks;
    char weeks[OFF_ROTA_WEEKS_MAX][11];
    int n_people;
    int people[OFF_ROTA_PEOPLE_MAX];
} rota_in;

/* Reads and checks the rota's settings from the form. */
static void rota_read(off_ctx *c, const unit_data *u, rota_in *r, errs *e)
{
    memset(r, 0, sizeof *r);
    r->focus = get(c, "focus");
    r->from = get(c, "from");
    r->to = get(c, "to");
    r->terms = get(c, "terms");
    r->rounds = atoi(get(c, "rounds"));
    if (!focus_in(u, r->focus))
        err_add(e, "focus", off_tr(c, "Choose one of the unit's learning focuses."));
    char m[200], today[MODEL_DATE_LEN + 1];
    off_plan_today(today);
    r->n_weeks = off_rota_weeks(r->from, r->to, r->weeks, OFF_ROTA_WEEKS_MAX, m, sizeof m);
    if (r->n_weeks < 0) {
        r->n_weeks = 0;
        err_add(e, "from",
                off_tr(c, "Give the period as two dates, the last after the first, "
                          "holding 1 to 26 weeks that begin on a Monday."));
    } else if (strcmp(r->from, today) < 0) {
        r->n_weeks = 0;
        err_add(e, "from", off_tr(c, "A rota begins today or later."));
    }
    const char *ids[OFF_ROTA_PEOPLE_MAX + 1];
    int n = off_form_all(&c->form, "person", ids, OFF_ROTA_PEOPLE_MAX + 1);
    int bad = n > OFF_ROTA_PEOPLE_MAX;
    for (int i = 0; i < n && i < OFF_ROTA_PEOPLE_MAX && !bad; i++) {
        const srv_ref_person *sp = person_in(u, ids[i]);
        int place = sp ? (int)(sp - u->people) : -1;
        for (int k = 0; k < r->n_people && place >= 0; k++)
            if (r->people[k] == place)
                place = -1; /* the same person twice */
        if (place < 0)
            bad = 1;
        else
            r->people[r->n_people++] = place;
    }
    if (bad || r->n_people < 2)
        err_add(e, "people", off_tr(c, "Choose 2 to 60 of the unit's people to take part."));
    int most = r->n_people - 1 < OFF_ROTA_ROUNDS_MAX ? r->n_people - 1 : OFF_ROTA_ROUNDS_MAX;
    if (!err_of(e, "people") &&
        (r->rounds < 1 || r->rounds > most || r->rounds * r->n_people > ROTA_ROWS_MAX))
        err_add(e, "rounds",
                off_tr(c, "Each person makes 1 to 4 observations, fewer than the people taking "
                          "part, and a rota holds at most 60 observations."));
    check_terms(c, r->terms, e);
}

/* The hidden fields that carry the rota's settings into the next form. */
static void rota_hidden(off_ctx *c, const unit_data *u, const rota_in *r)
{
    off_buf *b = &c->body;
    const char *names[] = {"focus", "from", "to", "terms"};
    const char *values[] = {r->focus, r->from, r->to, r->terms};
    for (size_t i = 0; i < 4; i++) {
        off_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", names[i]);
        off_buf_esc(b, values[i]);
        off_buf_put(b, "\">");
    }
    off_buf_printf(b, "<input type=\"hidden\" name=\"rounds\" value=\"%d\">", r->rounds);
    for (int i = 0; i < r->n_people; i++) {
        off_buf_put(b, "<input type=\"hidden\" name=\"person\" value=\"");
        off_buf_esc(b, u->people[r->people[i]].person.id);
        off_buf_put(b, "\">");
    }
}

/* The first form: focus, period, rounds, people, terms. */
static void rota_settings(off_ctx *c, const unit_data *u, const errs *e, int fresh)
{
    off_buf *b = &c->body;
    if (e->n)
        c->out->status = 400;
    off_page_begin(c, off_tr(c, "Make a peer rota"), "plans");
    off_buf_put(b, "<p class=\"lead\">");
    off_buf_esc(b, off_tr(c, "Everyone taking part observes colleagues and is observed by as "
                             "many, no pair comes twice, and the observations are spread over "
                             "the weeks of the period. You see the proposal and can change it "
                             "before anything is published."));
    off_buf_put(b, "</p>");
    off_error_summary(c, e->field, e->msg, e->n);
    off_form_begin(c, "/plans/rota");
    off_buf_put(b, "<input type=\"hidden\" name=\"step\" value=\"propose\">");
    focus_select(c, u, get(c, "focus"), err_of(e, "focus"));
    char monday[11] = "", sunday[11] = "", today[11];
    off_plan_today(today);
    int wd = model_date_weekday(today);
    if (wd >= 0 && model_date_add(today, 7 - wd, monday) == 0)
        model_date_add(monday, 4 * 7 - 1, sunday);
    const char *from = get(c, "from"), *to = get(c, "to");
    off_input(c, "date", "from", off_tr(c, "First day of the period"), from[0] ? from : monday, 0,
              off_tr(c, "The weeks that begin on a Monday within the period are planned, "
                        "each from Monday to Sunday."),
              err_of(e, "from"));
    off_input(c, "date", "to", off_tr(c, "Last day of the period"), to[0] ? to : sunday, 0, NULL,
              NULL);
    static const char *const rounds[] = {"1", "2", "3", "4"};
    const char *round_labels[] = {off_tr(c, "One each"), off_tr(c, "Two each"),
                                  off_tr(c, "Three each"), off_tr(c, "Four each")};
    off_select(c, "rounds", off_tr(c, "Observations each person makes"), rounds, round_labels, 4,
               get(c, "rounds"), err_of(e, "rounds"));
    off_buf_put(b, "<fieldset id=\"f-people\"><legend>");
    off_buf_esc(b, off_tr(c, "Who takes part"));
    off_buf_put(b, "</legend>");
    if (err_of(e, "people")) {
        off_buf_put(b, "<p class=\"error\">");
        off_buf_esc(b, err_of(e, "people"));
        off_buf_put(b, "</p>");
    }
    const char *chosen[OFF_ROTA_PEOPLE_MAX + 1];
    int nc = off_form_all(&c->form, "person", chosen, OFF_ROTA_PEOPLE_MAX + 1);
    for (int i = 0; i < u->n_people; i++) {
        int on = fresh;
        for (int k = 0; k < nc && k < OFF_ROTA_PEOPLE_MAX + 1 && !on; k++)
            on = !strcmp(chosen[k], u->people[i].person.id);
        off_buf_printf(b,
                       "<div class=\"field check\"><input type=\"checkbox\" name=\"person\" "
                       "id=\"f-person-%d\" value=\"",
                       i);
        off_buf_esc(b, u->people[i].person.id);
        off_buf_printf(b, "\"%s><label for=\"f-person-%d\">", on ? " checked" : "", i);
        off_buf_esc(b, u->people[i].person.name);
        off_buf_put(b, "</label></div>");
    }
    off_buf_put(b, "</fieldset>");
    off_textarea(c, "terms", off_tr(c, "The agreed terms"), get(c, "terms"), SRV_PLAN_TERMS_MAX,
                 off_tr(c, "The same for every observation of the rota; each plan can be "
                           "cancelled and planned again on its own."),
                 err_of(e, "terms"));
    off_submit(c, off_tr(c, "Propose a rota"), 0);
    off_form_end(c);
    off_page_end(c);
}

/* One row of a proposal: places in r->people for observer and observee,
 * and a week (-1: left out). */
typedef struct {
    int observer, observee, week;
} rota_row;

static void row_select(off_ctx *c, const char *name, const char *label, const unit_data *u,
                       const rota_in *r, int sel, int invalid)
{
    off_buf *b = &c->body;
    off_buf_printf(b, "<select name=\"%s\" id=\"f-%s\" aria-label=\"", name, name);
    off_buf_esc(b, label);
    off_buf_printf(b, "\"%s>", invalid ? " aria-invalid=\"true\"" : "");
    for (int i = 0; i < r->n_people; i++) {
        off_buf_printf(b, "<option value=\"%d\"%s>", i, i == sel ? " selected" : "");
        off_buf_esc(b, u->people[r->people[i]].person.name);
        off_buf_put(b, "</option>");
    }
    off_buf_put(b, "</select>");
}

/* The proposal as a form of selects, one row per observation. */
static void rota_proposal(off_ctx *c, const unit_data *u, const rota_in *r, const rota_row *rows,
                          int n, const int *bad, const errs *e)
{
    off_buf *b = &c->body;
    if (e->n)
        c->out->status = 400;
    off_page_begin(c, off_tr(c, "The proposed rota"), "plans");
    off_buf_put(b, "<p class=\"lead\">");
    char s[400];
    snprintf(s, sizeof s,
             off_ntr(c,
                     "%d observation over %d weeks. Change any row, or leave it out, then "
                     "publish: the plans reach the tablets at their next sync.",
                     "%d observations over %d weeks. Change any row, or leave it out, then "
                     "publish: the plans reach the tablets at their next sync.",
                     n),
             n, r->n_weeks);
    off_buf_esc(b, s);
    off_buf_put(b, "</p>");
    off_error_summary(c, e->field, e->msg, e->n);
    off_form_begin(c, "/plans/rota");
    rota_hidden(c, u, r);
    off_buf_printf(b, "<input type=\"hidden\" name=\"n\" value=\"%d\">", n);
    off_buf_put(b, "<table class=\"wide rota\"><thead><tr><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Week"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Observer"));
    off_buf_put(b, "</th><th scope=\"col\">");
    off_buf_esc(b, off_tr(c, "Observed"));
    off_buf_put(b, "</th></tr></thead><tbody>");
    for (int i = 0; i < n; i++) {
        char name[16], label[160];
        off_buf_printf(b, "<tr%s><td data-label=\"", bad && bad[i] ? " class=\"invalid\"" : "");
        off_buf_esc(b, off_tr(c, "Week"));
        off_buf_put(b, "\">");
        snprintf(name, sizeof name, "w_%d", i);
        snprintf(label, sizeof label, off_tr(c, "Week of observation %d"), i + 1);
        off_buf_printf(b, "<select name=\"%s\" id=\"f-%s\" aria-label=\"", name, name);
        off_buf_esc(b, label);
        off_buf_put(b, "\"><option value=\"skip\"");
        off_buf_put(b, rows[i].week < 0 ? " selected>" : ">");
        off_buf_esc(b, off_tr(c, "Left out"));
        off_buf_put(b, "</option>");
        for (int w = 0; w < r->n_weeks; w++) {
            off_buf_printf(b, "<option value=\"%d\"%s>", w, w == rows[i].week ? " selected" : "");
            off_plan_put_when(c, r->weeks[w], "");
            off_buf_put(b, "</option>");
        }
        off_buf_put(b, "</select></td><td data-label=\"");
        off_buf_esc(b, off_tr(c, "Observer"));
        off_buf_put(b, "\">");
        snprintf(name, sizeof name, "o_%d", i);
        snprintf(label, sizeof label, off_tr(c, "Observer of observation %d"), i + 1);
        row_select(c, name, label, u, r, rows[i].observer, bad && bad[i]);
        off_buf_put(b, "</td><td data-label=\"");
        off_buf_esc(b, off_tr(c, "Observed"));
        off_buf_put(b, "\">");
        snprintf(name, sizeof name, "e_%d", i);
        snprintf(label, sizeof label, off_tr(c, "Colleague observed in observation %d"), i + 1);
        row_select(c, name, label, u, r, rows[i].observee, bad && bad[i]);
        off_buf_put(b, "</td></tr>");
    }
    off_buf_put(b, "</tbody></table><div class=\"actions\">");
    off_buf_put(b, "<button type=\"submit\" name=\"step\" value=\"publish\">");
    off_buf_esc(b, off_tr(c, "Publish the rota"));
    off_buf_put(b, "</button><button type=\"submit\" name=\"step\" value=\"propose\" "
                   "class=\"secondary\">");
    off_buf_esc(b, off_tr(c, "Propose another rota"));
    off_buf_put(b, "</button></div>");
    off_form_end(c);
    off_page_end(c);
}

void off_plan_rota(off_ctx *c)
{
    unit_data u;
    if (!unit_load(c, &u))
        return;
    errs e = {0};
    rota_settings(c, &u, &e, 1);
    unit_free(&u);
}

/* Publishes the rows (those not left out) as plans of one rota. */
static void rota_publish(off_ctx *c, const unit_data *u, const rota_in *r, const rota_row *rows,
                         int n)
{
    char err[300], actor[80], detail[40];
    model_id rota;
    off_actor(c, actor, sizeof actor);
    if (model_id_new(plat_sys_os(), rota) != 0) {
        off_fail(c, 500, "The server could not make an identifier.");
        return;
    }
    int64_t seq;
    int made = 0;
    if (srv_exec(c->pg, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        srv_feed_lock(c->pg, c->user.unit_id, &seq, err, sizeof err) != 0)
        goto fail;
    for (int i = 0; i < n; i++) {
        if (rows[i].week < 0)
            continue;
        srv_plan p;
        memset(&p, 0, sizeof p);
        const srv_ref_person *ob = &u->people[r->people[rows[i].observer]];
        const srv_ref_person *oe = &u->people[r->people[rows[i].observee]];
        snprintf(p.unit_id, sizeof p.unit_id, "%s", c->user.unit_id);
        snprintf(p.focus_id, sizeof p.focus_id, "%s", r->focus);
        snprintf(p.observer_id, sizeof p.observer_id, "%s", ob->person.id);
        snprintf(p.observee_id, sizeof p.observee_id, "%s", oe->person.id);
        /* Where the colleague observed works, when the unit says so. */
        if (room_in(u, oe->room_id))
            snprintf(p.room_id, sizeof p.room_id, "%s", oe->room_id);
        snprintf(p.day_from, sizeof p.day_from, "%s", r->weeks[rows[i].week]);
        if (model_date_add(p.day_from, 6, p.day_to) != 0) {
            snprintf(err, sizeof err, "a week past the calendar");
            goto fail;
        }
        snprintf(p.terms, sizeof p.terms, "%s", r->terms);
        if (srv_plan_add(c->pg, &p, actor, rota, &seq, err, sizeof err) != 0)
            goto fail;
        made++;
    }
    snprintf(detail, sizeof detail, "plans=%d", made);
    if (srv_feed_release(c->pg, c->user.unit_id, seq, err, sizeof err) != 0 ||
        off_audit(c, "plan.rota", c->user.unit_id, rota, detail) != 0 ||
        srv_exec(c->pg, "COMMIT", 0, NULL, err, sizeof err) != 0)
        goto fail;
    off_redirect(c, "/plans?done=rota-published");
    return;
fail:
    srv_exec(c->pg, "ROLLBACK", 0, NULL, NULL, 0);
    off_plan_db_fail(c, "rota", err);
}

void off_plan_rota_post(off_ctx *c)
{
    unit_data u;
    if (!unit_load(c, &u))
        return;
    errs e = {0};
    rota_in *r = malloc(sizeof *r);
    rota_row *rows = calloc(ROTA_ROWS_MAX, sizeof *rows);
    int *bad = calloc(ROTA_ROWS_MAX, sizeof *bad);
    if (!r || !rows || !bad) {
        off_fail(c, 500, "The server ran out of memory.");
        goto out;
    }
    rota_read(c, &u, r, &e);
    if (e.n) {
        rota_settings(c, &u, &e, 0);
        goto out;
    }
    const char *step = get(c, "step");
    if (strcmp(step, "publish") != 0) {
        /* A new proposal, from a new seed each time. */
        off_rota_pair pairs[OFF_ROTA_MAX];
        char m[200];
        uint64_t seed;
        randombytes_buf(&seed, sizeof seed);
        int n = off_rota_make(r->n_people, r->rounds, r->n_weeks, seed, pairs, m, sizeof m);
        if (n < 0 || n > ROTA_ROWS_MAX) {
            err_add(&e, "rounds",
                    off_tr(c, "Each person makes 1 to 4 observations, fewer than "
                              "the people taking part, and a rota holds at most "
                              "60 observations."));
            rota_settings(c, &u, &e, 0);
            goto out;
        }
        /* In the order of the weeks, as the leader reads a calendar. */
        int k = 0;
        for (int w = 0; w < r->n_weeks; w++)
            for (int i = 0; i < n; i++)
                if (pairs[i].week == w)
                    rows[k++] = (rota_row){pairs[i].observer, pairs[i].observee, w};
        rota_proposal(c, &u, r, rows, k, NULL, &e);
        goto out;
    }
    /* Publishing the rows as the leader left them: each row's people must
     * be among those taking part, two people, a week of the period or
     * left out; and no pair twice. */
    int n = atoi(get(c, "n"));
    if (n < 1 || n > ROTA_ROWS_MAX) {
        off_fail(c, 400, "The rota's form is not whole. Make the rota again.");
        goto out;
    }
    int kept = 0, self = 0, twice = 0;
    for (int i = 0; i < n; i++) {
        char f[16];
        snprintf(f, sizeof f, "o_%d", i);
        const char *o = off_form_get(&c->form, f);
        snprintf(f, sizeof f, "e_%d", i);
        const char *ee = off_form_get(&c->form, f);
        snprintf(f, sizeof f, "w_%d", i);
        const char *w = off_form_get(&c->form, f);
        char *end;
        long ov = o ? strtol(o, &end, 10) : -1;
        if (!o || *end || ov < 0 || ov >= r->n_people)
            ov = -1;
        long ev = ee ? strtol(ee, &end, 10) : -1;
        if (!ee || *end || ev < 0 || ev >= r->n_people)
            ev = -1;
        long wv = w && !strcmp(w, "skip") ? -1 : w ? strtol(w, &end, 10) : -2;
        if (w && strcmp(w, "skip") != 0 && (*end || wv < 0 || wv >= r->n_weeks))
            wv = -2;
        if (ov < 0 || ev < 0 || wv == -2) {
            off_fail(c, 400, "The rota's form is not whole. Make the rota again.");
            goto out;
        }
        rows[i] = (rota_row){(int)ov, (int)ev, (int)wv};
        if (wv < 0)
            continue;
        kept++;
        if (ov == ev) {
            bad[i] = 1;
            self = 1;
        }
        for (int k = 0; k < i; k++)
            if (rows[k].week >= 0 && rows[k].observer == ov && rows[k].observee == ev) {
                bad[i] = 1;
                twice = 1;
            }
    }
    if (self)
        err_add(&e, "o_0", off_tr(c, "A row has the same person as observer and observed."));
    if (twice)
        err_add(&e, "o_0",
                off_tr(c, "A pair comes twice. Change one of the rows marked, or "
                          "leave it out."));
    if (!kept)
        err_add(&e, "w_0", off_tr(c, "Every row is left out: there is nothing to publish."));
    if (e.n) {
        rota_proposal(c, &u, r, rows, n, bad, &e);
        goto out;
    }
    rota_publish(c, &u, r, rows, n);
out:
    free(r);
    free(rows);
    free(bad);
    unit_free(&u);
}
