/*
 * The learning focus designer: a unit's focuses listed with their period,
 * version and the observations resting on them; one focus with its
 * versions told in words; and the form that makes or changes one (the
 * inquiry question, why, pillar, period, template and signs).
 *
 * The form works without script: moving a sign up or down, taking it out,
 * keeping it after all and adding one are submit buttons of the same form
 * that come back with the form changed and nothing saved until "Save".
 * Every change goes through srv_ref_focus_save / srv_ref_focus_retire, which
 * own the versioning rule; this file only says in words what will happen
 * and what did.
 *
 * Scope: the unit of a focus is read from the database. Leaders of the
 * unit (and area leaders and administrators above them) design focuses;
 * peers of the unit may read them, since the team agreed on them together,
 * but not change them.
 */
#include "off_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_json.h"
#include "srv_int.h"
#include "srv_ref.h"

/* Signs a form may carry while being edited: a few more than a focus may
 * hold, so a form with too many can be shown back with the message. */
#define SIGNS_CAP (MODEL_MAX_SIGNS + 4)
#define ERRS_MAX (12 + 2 * SIGNS_CAP)
#define VERSIONS_SHOWN 50

/* ---- small things ---- */

static const char *const pillar_msgids[MODEL_PILLAR_COUNT] = {
    "Shared values and vision",
    "Focus on children's learning",
    "Collaboration",
    "Reflective dialogue",
    "Professional judgement and de-privatised practice",
};

static const char *pillar_label(const off_ctx *c, model_pillar p)
{
    return (int)p >= 0 && p < MODEL_PILLAR_COUNT ? off_tr(c, pillar_msgids[p]) : "";
}

/* Today on the server's calendar, YYYY-MM-DD (the tablets use their own,
 * which is the same day in one municipality). */
static void today(char out[MODEL_DATE_LEN + 1])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(out, MODEL_DATE_LEN + 1, "%Y-%m-%d", &tm);
}

/* A date as the reader's language writes it: 1.2.2026 in Danish, ISO in
 * English (where day and month order is not agreed). */
static void put_date(off_ctx *c, const char *iso)
{
    int y, m, d;
    if (!strcmp(c->lang, "da") && sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) == 3)
        off_buf_printf(&c->body, "%d.%d.%d", d, m, y);
    else
        off_buf_esc(&c->body, iso);
}

/* Where a focus stands today: retired, coming, current or ended. */
static const char *period_word(const off_ctx *c, const srv_ref_focus *f)
{
    char t[MODEL_DATE_LEN + 1];
    today(t);
    if (f->retired)
        return off_tr(c, "Retired");
    if (strcmp(t, f->focus.period_from) < 0)
        return off_tr(c, "Coming");
    if (strcmp(t, f->focus.period_to) > 0)
        return off_tr(c, "Period over");
    return off_tr(c, "Current");
}

/* Writes a translated format with one number in it. */
static void put_num(off_ctx *c, const char *fmt, long long n)
{
    char s[400];
    snprintf(s, sizeof s, fmt, n);
    off_buf_esc(&c->body, s);
}

static void put_ntr(off_ctx *c, const char *one, const char *many, long long n)
{
    put_num(c, off_ntr(c, one, many, n), n);
}

/* The start and length of s without blanks at either end. */
static const char *trimmed(const char *s, size_t *len)
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        n--;
    *len = n;
    return s;
}

/* Copies s trimmed into out (cap bytes); the caller has checked it fits. */
static void copy_trimmed(char *out, size_t cap, const char *s)
{
    size_t n;
    const char *p = trimmed(s, &n);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, p, n);
    out[n] = 0;
}

static void db_fail(off_ctx *c, const char *what, const char *err)
{
    srv_log("office: focus: %s: %s", what, err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

/* Reads focus id at version (0: the latest) into out: 1, or 0 with an
 * answer made (404 for an id that names no focus). */
static int load_focus(off_ctx *c, const char *id, int version, srv_ref_focus *out)
{
    char err[SRV_REF_ERR_MAX];
    if (!id || model_id_check(id, "focus", err, sizeof err) != 0) {
        off_fail(c, 404, "There is no such learning focus.");
        return 0;
    }
    srv_ref_rc rc = srv_ref_focus_get(c->pg, id, version, out, err, sizeof err);
    if (rc == SRV_REF_OK)
        return 1;
    if (rc == SRV_REF_NOTFOUND || rc == SRV_REF_INVALID)
        off_fail(c, 404, "There is no such learning focus.");
    else
        db_fail(c, "get", err);
    return 0;
}

/*
 * How many observations on the server rest on a focus: in all (*total)
 * and on each version (per[v] for v < cap, may be NULL). 0, or -1 with an
 * answer made.
 */
static int count_obs(off_ctx *c, const char *unit, const char *focus, long long *total,
                     long long *per, int cap)
{
    char err[300];
    const char *p[] = {unit, focus};
    PGresult *r = srv_q(c->pg,
                        "SELECT focus_version, count(*) FROM fact_obs"
                        " WHERE unit_id = $1 AND focus_id = $2 GROUP BY 1",
                        2, p, err, sizeof err);
    if (!r) {
        db_fail(c, "count", err);
        return -1;
    }
    *total = 0;
    for (int i = 0; per && i < cap; i++)
        per[i] = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        int v = atoi(PQgetvalue(r, i, 0));
        long long n = atoll(PQgetvalue(r, i, 1));
        *total += n;
        if (per && v >= 0 && v < cap)
            per[v] = n;
    }
    PQclear(r);
    return 0;
}

/* The unit a list or a new focus is for: ?unit= (or the form's unit), or
 * the only unit the user may see, copied into buf. NULL when there is no
 * one unit: the caller then shows the choice (*units holds the visible
 * units, which the caller PQclear()s), or an answer was made (*units
 * NULL). */
static const char *pick_unit(off_ctx *c, const char *given, model_id buf, PGresult **units)
{
    *units = NULL;
    if (given && *given)
        return given;
    PGresult *r = off_visible_units(c);
    if (!r)
        return NULL;
    if (PQntuples(r) == 1) {
        snprintf(buf, sizeof(model_id), "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        return buf;
    }
    *units = r;
    return NULL;
}

/* Whether unit names a unit that exists: 1, or 0 with an answer made (an
 * administrator may type any id into the address). */
static int unit_exists(off_ctx *c, const char *unit)
{
    srv_ref_unit u;
    char err[SRV_REF_ERR_MAX];
    if (model_id_check(unit, "unit", err, sizeof err) != 0) {
        off_fail(c, 404, "There is no such unit.");
        return 0;
    }
    srv_ref_rc rc = srv_ref_unit_get(c->pg, unit, &u, err, sizeof err);
    if (rc == SRV_REF_OK)
        return 1;
    if (rc == SRV_REF_FAIL)
        db_fail(c, "unit", err);
    else
        off_fail(c, 404, "There is no such unit.");
    return 0;
}

/* A page that asks which unit, each a link to path?unit=ID. */
static void unit_choice(off_ctx *c, PGresult *units, const char *title, const char *path)
{
    off_buf *b = &c->body;
    off_page_begin(c, title, "focuses");
    if (PQntuples(units) == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "No unit has been given to you yet. Ask your administrator."));
        off_buf_put(b, "</p>");
    } else {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "Choose the unit whose learning focuses you want to see."));
        off_buf_put(b, "</p><ul class=\"cards\">");
        for (int i = 0; i < PQntuples(units); i++) {
            off_buf_printf(b, "<li><a href=\"%s?unit=", path);
            off_buf_url(b, PQgetvalue(units, i, 0));
            off_buf_put(b, "\">");
            off_buf_esc(b, PQgetvalue(units, i, 1));
            off_buf_put(b, "</a></li>");
        }
        off_buf_put(b, "</ul>");
    }
    off_page_end(c);
}

/* The unit's name, or "" when it cannot be read. */
static void unit_name(off_ctx *c, const char *unit, char *out, size_t cap)
{
    srv_ref_unit u;
    char err[SRV_REF_ERR_MAX];
    out[0] = 0;
    if (srv_ref_unit_get(c->pg, unit, &u, err, sizeof err) == SRV_REF_OK)
        snprintf(out, cap, "%s", u.unit.name);
}

/* The unit's templates (retired ones too); *out free()d by the caller. */
static int load_templates(off_ctx *c, const char *unit, srv_ref_template **out, int *n)
{
    char err[SRV_REF_ERR_MAX];
    if (srv_ref_templates(c->pg, unit, out, n, err, sizeof err) != SRV_REF_OK) {
        db_fail(c, "templates", err);
        return -1;
    }
    return 0;
}

static const char *template_name(const srv_ref_template *t, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].tmpl.id, id))
            return t[i].tmpl.name;
    return NULL;
}

/* ---- the list ---- */

void off_focus_list(off_ctx *c)
{
    PGresult *units;
    model_id one;
    const char *unit = pick_unit(c, off_form_get(&c->query, "unit"), one, &units);
    if (!unit) {
        if (units) {
            unit_choice(c, units, off_tr(c, "Learning focuses"), "/focuses");
            PQclear(units);
        }
        return;
    }
    if (!off_require_unit(c, unit, OFF_ROLE_PEER) || !unit_exists(c, unit))
        return;
    char err[SRV_REF_ERR_MAX];
    srv_ref_focus *fs = NULL;
    int n = 0, nt = 0;
    srv_ref_template *ts = NULL;
    if (srv_ref_focuses(c->pg, unit, &fs, &n, err, sizeof err) != SRV_REF_OK) {
        db_fail(c, "list", err);
        return;
    }
    if (load_templates(c, unit, &ts, &nt) != 0) {
        free(fs);
        return;
    }
    /* The observations on each focus, in one query. */
    const char *p[] = {unit};
    PGresult *counts = srv_q(c->pg,
                             "SELECT focus_id, count(*) FROM fact_obs"
                             " WHERE unit_id = $1 GROUP BY 1",
                             1, p, err, sizeof err);
    if (!counts) {
        free(fs);
        free(ts);
        db_fail(c, "counts", err);
        return;
    }
    char uname[MODEL_NAME_MAX + 1];
    unit_name(c, unit, uname, sizeof uname);
    int lead = off_can_unit(c, unit, OFF_ROLE_LEADER);
    off_buf *b = &c->body;
    off_page_begin(c, off_tr(c, "Learning focuses"), "focuses");
    off_buf_put(b, "<p class=\"muted\">");
    off_buf_esc(b, uname);
    off_buf_put(b, "</p>");
    if (n == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "A learning focus is what the team has agreed to look for: an "
                                 "inquiry question, why you ask it, and the signs you will "
                                 "look for. The tablets show it while someone observes, and "
                                 "every observation is made against one."));
        off_buf_put(b, "</p>");
        if (!lead) {
            off_buf_put(b, "<p>");
            off_buf_esc(b, off_tr(c, "Your unit has no learning focus yet. Your leader makes "
                                     "them here."));
            off_buf_put(b, "</p>");
        }
    } else {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "The questions and signs your unit observes against. A focus "
                                 "that has observations gets a new version when it is "
                                 "changed, so what was observed keeps the words it was "
                                 "observed with."));
        off_buf_put(b, "</p><table class=\"wide\"><thead><tr>");
        const char *heads[] = {"Inquiry question", "Pillar",   "Period",
                               "Version",          "Template", "Observations"};
        for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
            off_buf_put(b, "<th scope=\"col\">");
            off_buf_esc(b, off_tr(c, heads[i]));
            off_buf_put(b, "</th>");
        }
        off_buf_put(b, "</tr></thead><tbody>");
        for (int i = 0; i < n; i++) {
            const model_focus *f = &fs[i].focus;
            long long nobs = 0;
            for (int k = 0; k < PQntuples(counts); k++)
                if (!strcmp(PQgetvalue(counts, k, 0), f->id))
                    nobs = atoll(PQgetvalue(counts, k, 1));
            const char *tn = template_name(ts, nt, f->template_id);
            off_buf_put(b, "<tr><td><a href=\"/focuses/");
            off_buf_url(b, f->id);
            off_buf_put(b, "\">");
            off_buf_esc(b, f->question);
            off_buf_put(b, "</a></td><td>");
            off_buf_esc(b, pillar_label(c, f->pillar));
            off_buf_put(b, "</td><td><strong>");
            off_buf_esc(b, period_word(c, &fs[i]));
            off_buf_put(b, "</strong><br>");
            put_date(c, f->period_from);
            off_buf_put(b, "–");
            put_date(c, f->period_to);
            off_buf_printf(b, "</td><td>%d</td><td>", f->version);
            off_buf_esc(b, tn ? tn : off_tr(c, "(unknown template)"));
            off_buf_put(b, "</td><td>");
            put_ntr(c, "%lld observation", "%lld observations", nobs);
            off_buf_put(b, "</td></tr>");
        }
        off_buf_put(b, "</tbody></table>");
    }
    if (lead) {
        off_buf_put(b, "<p><a class=\"button\" href=\"/focuses/new?unit=");
        off_buf_url(b, unit);
        off_buf_put(b, "\">");
        off_buf_esc(b, off_tr(c, "Make a learning focus"));
        off_buf_put(b, "</a></p>");
    }
    PQclear(counts);
    free(fs);
    free(ts);
    off_page_end(c);
}

/* ---- the form ---- */

typedef struct {
    const char *id, *text; /* id "" for a sign not saved yet */
} fsign;

typedef struct {
    model_id unit;
    const char *focus_id; /* a new focus: the id chosen when the form was made */
    int base;             /* the version the form was made from; 0 for a new focus */
    const char *question, *why, *pillar, *from, *to, *tmpl, *new_sign;
    int n, n_gone;
    fsign s[SIGNS_CAP];
    fsign gone[SIGNS_CAP]; /* saved signs taken out, until the form is saved */
    const char *note;      /* a msgid said after a change that is not saved yet */
    int focus_sign;        /* the sign to put the keyboard on again, or -1 */
    char focus_op[16];     /* and which of its buttons */
    int added;             /* a sign was just added: back to the add button */
} fform;

typedef struct {
    int n;
    char field[ERRS_MAX][80]; /* as long as the longest field name made (sign_text_N ...) */
    char msg[ERRS_MAX][300];
} ferrs;

static void add_err(ferrs *e, const char *field, const char *msg)
{
    if (e->n >= ERRS_MAX)
        return;
    snprintf(e->field[e->n], sizeof e->field[0], "%s", field);
    snprintf(e->msg[e->n], sizeof e->msg[0], "%s", msg);
    e->n++;
}

static const char *err_for(const ferrs *e, const char *field)
{
    for (int i = 0; e && i < e->n; i++)
        if (!strcmp(e->field[i], field))
            return e->msg[i];
    return NULL;
}

/* What a focus being edited is: NULL for a new one. */
typedef struct {
    const srv_ref_focus *cur; /* the latest version */
    long long n_obs;          /* observations on all its versions */
} fctx;

/* Fills the form from a saved focus (the edit page's first showing). */
static void form_from_focus(fform *f, const model_focus *m)
{
    memset(f, 0, sizeof *f);
    snprintf(f->unit, sizeof f->unit, "%s", m->unit_id);
    f->base = m->version;
    f->question = m->question;
    f->why = m->why;
    f->pillar = model_pillar_word(m->pillar);
    f->from = m->period_from;
    f->to = m->period_to;
    f->tmpl = m->template_id;
    f->new_sign = "";
    f->n = m->n_signs;
    for (int i = 0; i < m->n_signs && i < SIGNS_CAP; i++) {
        f->s[i].id = m->signs[i].id;
        f->s[i].text = m->signs[i].text;
    }
    f->focus_sign = -1;
}

static const char *val(const off_ctx *c, const char *name)
{
    const char *v = off_form_get(&c->form, name);
    return v ? v : "";
}

/* Reads the posted form into f (pointers into c->form). -1 when the form
 * cannot have come from the page (a 400 is answered). */
static int form_read(off_ctx *c, fform *f)
{
    memset(f->s, 0, sizeof f->s);
    f->question = val(c, "question");
    f->why = val(c, "why");
    f->pillar = val(c, "pillar");
    f->from = val(c, "from");
    f->to = val(c, "to");
    f->tmpl = val(c, "template");
    f->new_sign = val(c, "sign_new");
    f->focus_sign = -1;
    const char *ids[SIGNS_CAP + 1], *texts[SIGNS_CAP + 1];
    int ni = off_form_all(&c->form, "sign_id", ids, SIGNS_CAP + 1);
    int nt = off_form_all(&c->form, "sign_text", texts, SIGNS_CAP + 1);
    const char *gids[SIGNS_CAP + 1], *gtexts[SIGNS_CAP + 1];
    int ng = off_form_all(&c->form, "gone_id", gids, SIGNS_CAP + 1);
    int ngt = off_form_all(&c->form, "gone_text", gtexts, SIGNS_CAP + 1);
    char err[200];
    int bad = ni != nt || ni > SIGNS_CAP || ng != ngt || ng > SIGNS_CAP;
    for (int i = 0; !bad && i < ni; i++)
        bad = ids[i][0] && model_id_check(ids[i], "sign", err, sizeof err) != 0;
    for (int i = 0; !bad && i < ng; i++)
        bad = model_id_check(gids[i], "sign", err, sizeof err) != 0;
    if (bad) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return -1;
    }
    f->n = ni;
    for (int i = 0; i < ni; i++)
        f->s[i] = (fsign){ids[i], texts[i]};
    f->n_gone = ng;
    for (int i = 0; i < ng; i++)
        f->gone[i] = (fsign){gids[i], gtexts[i]};
    return 0;
}

/*
 * Applies a button that changes the form without saving it: "up-N",
 * "down-N", "remove-N", "keep-N" (a sign taken out comes back) or "add".
 * 1 when op was one of them (the form is then shown again), 0 for saving,
 * -1 for an op no page makes (400 answered).
 */
static int form_apply(off_ctx *c, fform *f, const char *op, ferrs *e)
{
    if (!op || !*op || !strcmp(op, "save")) {
        /* A sign written in the new sign's field and saved without "Add"
         * is meant to be there. */
        size_t len;
        trimmed(f->new_sign, &len);
        if (len && f->n < SIGNS_CAP) {
            f->s[f->n++] = (fsign){"", f->new_sign};
            f->new_sign = "";
        }
        return 0;
    }
    char word[10];
    int i = -1;
    if (!strcmp(op, "add")) {
        size_t len;
        trimmed(f->new_sign, &len);
        if (len == 0) {
            add_err(e, "sign_new", off_tr(c, "Write the new sign before you add it."));
        } else if (f->n >= MODEL_MAX_SIGNS) {
            char m[300];
            snprintf(m, sizeof m, off_tr(c, "A focus can have at most %d signs."), MODEL_MAX_SIGNS);
            add_err(e, "sign_new", m);
        } else {
            f->s[f->n++] = (fsign){"", f->new_sign};
            f->new_sign = "";
            f->added = 1;
            f->note = "The sign is added. Nothing is saved until you press Save.";
        }
        return 1;
    }
    if (sscanf(op, "%9[a-z]-%d", word, &i) != 2 || i < 0) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return -1;
    }
    if (!strcmp(word, "up") && i > 0 && i < f->n) {
        fsign t = f->s[i - 1];
        f->s[i - 1] = f->s[i];
        f->s[i] = t;
        f->focus_sign = i - 1;
        snprintf(f->focus_op, sizeof f->focus_op, "%s", i - 1 > 0 ? "up" : "down");
    } else if (!strcmp(word, "down") && i + 1 < f->n) {
        fsign t = f->s[i + 1];
        f->s[i + 1] = f->s[i];
        f->s[i] = t;
        f->focus_sign = i + 1;
        snprintf(f->focus_op, sizeof f->focus_op, "%s", i + 2 < f->n ? "down" : "up");
    } else if (!strcmp(word, "remove") && i < f->n) {
        /* A sign that was saved is kept aside (and in the older versions);
         * one that never was is simply gone. */
        if (f->s[i].id[0] && f->n_gone < SIGNS_CAP)
            f->gone[f->n_gone++] = f->s[i];
        memmove(&f->s[i], &f->s[i + 1], (size_t)(f->n - i - 1) * sizeof f->s[0]);
        f->n--;
        f->note = "The sign is taken out. Nothing is saved until you press Save.";
        return 1;
    } else if (!strcmp(word, "keep") && i < f->n_gone) {
        if (f->n >= SIGNS_CAP)
            return 1;
        f->s[f->n++] = f->gone[i];
        memmove(&f->gone[i], &f->gone[i + 1], (size_t)(f->n_gone - i - 1) * sizeof f->gone[0]);
        f->n_gone--;
        f->note = "The sign is back. Nothing is saved until you press Save.";
        return 1;
    } else {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return -1;
    }
    f->note = "The order is changed. Nothing is saved until you press Save.";
    return 1;
}

/*
 * Checks the form as a leader typed it, with a message naming each field
 * that is wrong; templates are the unit's. On success fills m (without
 * its id, unit and version).
 */
static void form_check(off_ctx *c, const fform *f, const srv_ref_template *ts, int nt, ferrs *e,
                       model_focus *m)
{
    char msg[300], tmp[80];
    size_t len;
    trimmed(f->question, &len);
    if (len == 0)
        add_err(e, "question", off_tr(c, "Write the inquiry question."));
    else if (len > MODEL_QUESTION_MAX)
        add_err(e, "question", off_tr(c, "The inquiry question is too long: shorten it."));
    else if (model_text_check(f->question, 4 * MODEL_QUESTION_MAX, 0, "q", msg, sizeof msg))
        add_err(e, "question", off_tr(c, "The inquiry question must be one line."));
    trimmed(f->why, &len);
    if (len > MODEL_TEXT_MAX)
        add_err(e, "why", off_tr(c, "The why is too long: shorten it."));
    model_pillar p = MODEL_PILLAR_LEARNING;
    if (model_pillar_parse(f->pillar, &p) != 0)
        add_err(e, "pillar", off_tr(c, "Choose one of the five pillars."));
    int from_ok = 0, to_ok = 0;
    if (!*f->from)
        add_err(e, "from", off_tr(c, "Choose the first day of the period."));
    else if (model_date_check(f->from, "from", msg, sizeof msg) != 0)
        add_err(e, "from", off_tr(c, "The first day is not a date: write it as YYYY-MM-DD."));
    else
        from_ok = 1;
    if (!*f->to)
        add_err(e, "to", off_tr(c, "Choose the last day of the period."));
    else if (model_date_check(f->to, "to", msg, sizeof msg) != 0)
        add_err(e, "to", off_tr(c, "The last day is not a date: write it as YYYY-MM-DD."));
    else
        to_ok = 1;
    if (from_ok && to_ok && strcmp(f->from, f->to) > 0)
        add_err(e, "to",
                off_tr(c, "The last day comes before the first: the period must end "
                          "on or after the day it begins."));
    int tmpl_ok = 0;
    for (int i = 0; i < nt; i++)
        if (!ts[i].retired && !strcmp(ts[i].tmpl.id, f->tmpl))
            tmpl_ok = 1;
    if (!*f->tmpl)
        add_err(e, "template", off_tr(c, "Choose the template that comes with the focus."));
    else if (!tmpl_ok)
        add_err(e, "template",
                off_tr(c, "That template is not one of this unit's templates in "
                          "use: choose one from the list."));
    if (f->n == 0) {
        add_err(e, "sign_new", off_tr(c, "Add at least one sign: what you will look for."));
    } else if (f->n > MODEL_MAX_SIGNS) {
        snprintf(msg, sizeof msg, off_tr(c, "A focus can have at most %d signs: take some out."),
                 MODEL_MAX_SIGNS);
        add_err(e, "sign-0", msg);
    }
    for (int i = 0; i < f->n && i < SIGNS_CAP; i++) {
        snprintf(tmp, sizeof tmp, "sign-%d", i);
        trimmed(f->s[i].text, &len);
        const char *fmt = NULL;
        if (len == 0)
            fmt = "Sign %d is empty: write it, or take it out.";
        else if (len > MODEL_QUESTION_MAX)
            fmt = "Sign %d is too long: shorten it.";
        else if (model_text_check(f->s[i].text, 4 * MODEL_QUESTION_MAX, 0, "s", msg, sizeof msg))
            fmt = "Sign %d must be one line.";
        for (int j = 0; !fmt && j < i; j++)
            if (f->s[i].id[0] && !strcmp(f->s[i].id, f->s[j].id))
                fmt = "Sign %d is there twice: take one out.";
        if (fmt) {
            snprintf(msg, sizeof msg, off_tr(c, fmt), i + 1);
            add_err(e, tmp, msg);
        }
    }
    if (e->n)
        return;
    memset(m, 0, sizeof *m);
    copy_trimmed(m->question, sizeof m->question, f->question);
    copy_trimmed(m->why, sizeof m->why, f->why);
    m->pillar = p;
    snprintf(m->period_from, sizeof m->period_from, "%s", f->from);
    snprintf(m->period_to, sizeof m->period_to, "%s", f->to);
    snprintf(m->template_id, sizeof m->template_id, "%s", f->tmpl);
    m->n_signs = f->n;
    for (int i = 0; i < f->n; i++) {
        snprintf(m->signs[i].id, sizeof m->signs[i].id, "%s", f->s[i].id);
        copy_trimmed(m->signs[i].text, sizeof m->signs[i].text, f->s[i].text);
    }
}

/* What saving will do, said before the leader saves. */
static void say_versioning(off_ctx *c, const fctx *x)
{
    off_buf *b = &c->body;
    int v = x->cur->focus.version;
    char s[600];
    off_buf_put(b, "<p class=\"note\">");
    if (x->cur->has_observations) {
        snprintf(s, sizeof s,
                 off_ntr(c, "This focus has %lld observation.", "This focus has %lld observations.",
                         x->n_obs),
                 x->n_obs);
        off_buf_esc(b, s);
        off_buf_put(b, " ");
        snprintf(s, sizeof s,
                 off_tr(c, "When you save, it becomes version %d; observations already under "
                           "way on a tablet are finished on version %d."),
                 v + 1, v);
        off_buf_esc(b, s);
    } else {
        snprintf(s, sizeof s,
                 off_tr(c, "No observation rests on version %d yet, so saving changes it where "
                           "it is, unless a tablet has already fetched it: then it becomes "
                           "version %d, and the tablet finishes what it has begun on version "
                           "%d."),
                 v, v + 1, v);
        off_buf_esc(b, s);
    }
    off_buf_put(b, "</p>");
}

/* One sign's row: its text field, its buttons and hidden id. */
static void sign_row(off_ctx *c, const fform *f, int i, const ferrs *e)
{
    off_buf *b = &c->body;
    char name[24], s[200];
    snprintf(name, sizeof name, "sign-%d", i);
    const char *error = err_for(e, name);
    off_buf_printf(b, "<li class=\"sign%s\"><label for=\"f-%s\">", error ? " has-error" : "", name);
    snprintf(s, sizeof s, off_tr(c, "Sign %d"), i + 1);
    off_buf_esc(b, s);
    off_buf_put(b, "</label>");
    if (error) {
        off_buf_printf(b, "<p class=\"error\" id=\"f-%s-err\">", name);
        off_buf_esc(b, error);
        off_buf_put(b, "</p>");
    }
    off_buf_put(b, "<input type=\"hidden\" name=\"sign_id\" value=\"");
    off_buf_esc(b, f->s[i].id);
    off_buf_printf(b,
                   "\"><div class=\"sign-line\"><input type=\"text\" id=\"f-%s\" "
                   "name=\"sign_text\" maxlength=\"%d\"",
                   name, MODEL_QUESTION_MAX);
    if (error)
        off_buf_printf(b, " aria-invalid=\"true\" aria-describedby=\"f-%s-err\"", name);
    if (f->focus_sign == i && !f->focus_op[0])
        off_buf_put(b, " autofocus");
    off_buf_put(b, " value=\"");
    off_buf_esc(b, f->s[i].text);
    off_buf_put(b, "\"><span class=\"sign-buttons\">");
    /* Each button names its sign for a screen reader, which hears the
     * buttons out of their row. */
    static const struct {
        const char *op, *label;
    } btn[] = {
        {"up", "Move up"},
        {"down", "Move down"},
        {"remove", "Take out"},
    };
    for (size_t k = 0; k < sizeof btn / sizeof btn[0]; k++) {
        if ((k == 0 && i == 0) || (k == 1 && i + 1 >= f->n))
            continue;
        off_buf_printf(b,
                       "<button type=\"submit\" class=\"secondary small\" name=\"op\" "
                       "value=\"%s-%d\"%s>",
                       btn[k].op, i,
                       f->focus_sign == i && !strcmp(f->focus_op, btn[k].op) ? " autofocus" : "");
        off_buf_esc(b, off_tr(c, btn[k].label));
        off_buf_put(b, "<span class=\"vh\"> (");
        snprintf(s, sizeof s, off_tr(c, "Sign %d"), i + 1);
        off_buf_esc(b, s);
        off_buf_put(b, ")</span></button>");
    }
    off_buf_put(b, "</span></div></li>");
}

/*
 * The designer's form, new or edit: with the values in f, the errors in e
 * (may be NULL), the unit's templates, and x for a focus being changed
 * (NULL for a new one).
 */
static void render_form(off_ctx *c, const fform *f, const ferrs *e, const srv_ref_template *ts,
                        int nt, const fctx *x)
{
    off_buf *b = &c->body;
    char action[120], s[400];
    if (x)
        snprintf(action, sizeof action, "/focuses/%s/edit", x->cur->focus.id);
    else
        snprintf(action, sizeof action, "/focuses/new");
    off_page_begin(c, off_tr(c, x ? "Change the learning focus" : "New learning focus"), "focuses");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "A learning focus is what the team has agreed to look for: an "
                             "inquiry question, why you ask it, and the signs you will look "
                             "for. The tablets show it while someone observes, and every "
                             "observation is made against one."));
    off_buf_put(b, "</p>");
    if (x)
        say_versioning(c, x);
    if (e && e->n) {
        const char *fields[ERRS_MAX], *msgs[ERRS_MAX];
        for (int i = 0; i < e->n; i++) {
            fields[i] = e->field[i];
            msgs[i] = e->msg[i];
        }
        off_error_summary(c, fields, msgs, e->n);
    }
    if (f->note) {
        off_buf_put(b, "<p class=\"flash\" role=\"status\">");
        off_buf_esc(b, off_tr(c, f->note));
        off_buf_put(b, "</p>");
    }
    off_form_begin(c, action);
    /* Enter in a text field presses the form's first button: let that be
     * Save, not a sign's "move up". It is hidden from sight and from the
     * keyboard's order; the visible Save is at the end. */
    off_buf_put(b, "<button type=\"submit\" name=\"op\" value=\"save\" class=\"vh\" "
                   "tabindex=\"-1\" aria-hidden=\"true\">");
    off_buf_esc(b, off_tr(c, "Save"));
    off_buf_put(b, "</button>");
    if (x) {
        off_buf_printf(b, "<input type=\"hidden\" name=\"base\" value=\"%d\">", f->base);
    } else {
        off_buf_put(b, "<input type=\"hidden\" name=\"unit\" value=\"");
        off_buf_esc(b, f->unit);
        off_buf_put(b, "\"><input type=\"hidden\" name=\"focus_id\" value=\"");
        off_buf_esc(b, f->focus_id);
        off_buf_put(b, "\">");
    }
    off_input(c, "text", "question", off_tr(c, "Inquiry question"), f->question, MODEL_QUESTION_MAX,
              off_tr(c, "Phrase it as a question you will look into together, for example: How "
                        "do we invite the children to ask their own questions?"),
              err_for(e, "question"));
    off_textarea(c, "why", off_tr(c, "Why"), f->why, MODEL_TEXT_MAX,
                 off_tr(c, "In a few sentences: why this, and what you hope to see."),
                 err_for(e, "why"));
    const char *pv[MODEL_PILLAR_COUNT], *pl[MODEL_PILLAR_COUNT];
    for (int i = 0; i < MODEL_PILLAR_COUNT; i++) {
        pv[i] = model_pillar_word((model_pillar)i);
        pl[i] = pillar_label(c, (model_pillar)i);
    }
    off_select(c, "pillar", off_tr(c, "Pillar"), pv, pl, MODEL_PILLAR_COUNT, f->pillar,
               err_for(e, "pillar"));
    off_buf_put(b, "<fieldset><legend>");
    off_buf_esc(b, off_tr(c, "Period"));
    off_buf_put(b, "</legend><p class=\"hint\">");
    off_buf_esc(b, off_tr(c, "The tablets offer the focus from the first day to the last, both "
                             "included."));
    off_buf_put(b, "</p><div class=\"pair\">");
    off_input(c, "date", "from", off_tr(c, "First day"), f->from, 0, NULL, err_for(e, "from"));
    off_input(c, "date", "to", off_tr(c, "Last day"), f->to, 0, NULL, err_for(e, "to"));
    off_buf_put(b, "</div></fieldset>");
    /* The templates still in use; one that was retired stays chosen only
     * for a focus that already has it, so the error can say so. */
    const char *tv[64], *tl[64];
    int ntv = 0;
    tv[ntv] = "";
    tl[ntv++] = off_tr(c, "Choose a template");
    for (int i = 0; i < nt && ntv < 64; i++)
        if (!ts[i].retired) {
            tv[ntv] = ts[i].tmpl.id;
            tl[ntv++] = ts[i].tmpl.name;
        }
    if (ntv == 1) {
        off_buf_put(b, "<div class=\"field\" id=\"f-template\" tabindex=\"-1\"><p><strong>");
        off_buf_esc(b, off_tr(c, "Template"));
        off_buf_put(b, "</strong></p>");
        if (err_for(e, "template")) {
            off_buf_put(b, "<p class=\"error\">");
            off_buf_esc(b, err_for(e, "template"));
            off_buf_put(b, "</p>");
        }
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, "The unit has no template yet. A focus needs one: it says what "
                                 "is counted and timed while observing. Make a template "
                                 "first, then come back."));
        off_buf_put(b, " <a href=\"/templates/new?unit=");
        off_buf_url(b, f->unit);
        off_buf_put(b, "\">");
        off_buf_esc(b, off_tr(c, "Make a template"));
        off_buf_put(b, "</a></p></div>");
    } else {
        off_select(c, "template", off_tr(c, "Template"), tv, tl, ntv, f->tmpl,
                   err_for(e, "template"));
    }
    off_buf_put(b, "<fieldset id=\"signs\"><legend>");
    off_buf_esc(b, off_tr(c, "Signs"));
    off_buf_put(b, "</legend><p class=\"hint\">");
    snprintf(s, sizeof s,
             off_tr(c, "What you can see or hear when it works: the observer rates each sign. "
                       "At most %d, in the order the tablet shows them."),
             MODEL_MAX_SIGNS);
    off_buf_esc(b, s);
    off_buf_put(b, "</p>");
    if (f->n) {
        off_buf_put(b, "<ol class=\"signs\">");
        for (int i = 0; i < f->n; i++)
            sign_row(c, f, i, e);
        off_buf_put(b, "</ol>");
    }
    if (f->n_gone) {
        off_buf_put(b, "<h3>");
        off_buf_esc(b, off_tr(c, "Signs taken out when you save"));
        off_buf_put(b, "</h3><p class=\"hint\">");
        off_buf_esc(b, off_tr(c, "A sign taken out stays in the older versions, so the "
                                 "observations that rated it still show it."));
        off_buf_put(b, "</p><ul class=\"signs gone\">");
        for (int i = 0; i < f->n_gone; i++) {
            off_buf_put(b, "<li><input type=\"hidden\" name=\"gone_id\" value=\"");
            off_buf_esc(b, f->gone[i].id);
            off_buf_put(b, "\"><input type=\"hidden\" name=\"gone_text\" value=\"");
            off_buf_esc(b, f->gone[i].text);
            off_buf_put(b, "\"><span>");
            off_buf_esc(b, f->gone[i].text);
            off_buf_printf(b,
                           "</span> <button type=\"submit\" class=\"secondary small\" "
                           "name=\"op\" value=\"keep-%d\">",
                           i);
            off_buf_esc(b, off_tr(c, "Keep it after all"));
            off_buf_put(b, "<span class=\"vh\"> (");
            off_buf_esc(b, f->gone[i].text);
            off_buf_put(b, ")</span></button></li>");
        }
        off_buf_put(b, "</ul>");
    }
    off_input(c, "text", "sign_new", off_tr(c, "New sign"), f->new_sign, MODEL_QUESTION_MAX,
              off_tr(c, "For example: The children answer each other, not only the adult."),
              err_for(e, "sign_new"));
    off_buf_printf(b, "<button type=\"submit\" class=\"secondary\" name=\"op\" value=\"add\"%s>",
                   f->added ? " autofocus" : "");
    off_buf_esc(b, off_tr(c, "Add the sign"));
    off_buf_put(b, "</button></fieldset>");
    if (x)
        say_versioning(c, x);
    off_buf_put(b, "<div class=\"actions\">");
    off_buf_put(b, "<button type=\"submit\" name=\"op\" value=\"save\">");
    off_buf_esc(b, off_tr(c, "Save"));
    off_buf_put(b, "</button>");
    if (x) {
        off_buf_put(b, "<a class=\"cancel\" href=\"/focuses/");
        off_buf_url(b, x->cur->focus.id);
    } else {
        off_buf_put(b, "<a class=\"cancel\" href=\"/focuses?unit=");
        off_buf_url(b, f->unit);
    }
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Cancel"));
    off_buf_put(b, "</a></div>");
    off_form_end(c);
    off_page_end(c);
}

/* ---- new ---- */

void off_focus_new(off_ctx *c)
{
    PGresult *units;
    model_id one;
    const char *unit = pick_unit(c, off_form_get(&c->query, "unit"), one, &units);
    if (!unit) {
        if (units) {
            unit_choice(c, units, off_tr(c, "New learning focus"), "/focuses/new");
            PQclear(units);
        }
        return;
    }
    if (!off_require_unit(c, unit, OFF_ROLE_LEADER) || !unit_exists(c, unit))
        return;
    srv_ref_template *ts = NULL;
    int nt = 0;
    if (load_templates(c, unit, &ts, &nt) != 0)
        return;
    fform f;
    memset(&f, 0, sizeof f);
    snprintf(f.unit, sizeof f.unit, "%s", unit);
    /* The focus's id is chosen now, so the same form sent twice saves one
     * focus, not two. */
    model_id id;
    if (model_id_new(plat_sys_os(), id) != 0) {
        free(ts);
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    char t[MODEL_DATE_LEN + 1];
    today(t);
    f.focus_id = id;
    f.question = f.why = f.to = f.tmpl = f.new_sign = "";
    f.from = t;
    f.pillar = model_pillar_word(MODEL_PILLAR_LEARNING);
    f.focus_sign = -1;
    /* With one template there is nothing to choose. */
    int only = -1, live = 0;
    for (int i = 0; i < nt; i++)
        if (!ts[i].retired) {
            only = i;
            live++;
        }
    if (live == 1)
        f.tmpl = ts[only].tmpl.id;
    render_form(c, &f, NULL, ts, nt, NULL);
    free(ts);
}

/* The answer to a refused form: the same form with the errors, status
 * 400 (or 409 when the focus changed meanwhile), nothing saved. */
static void refuse(off_ctx *c, const fform *f, const ferrs *e, const srv_ref_template *ts, int nt,
                   const fctx *x, int status)
{
    c->out->status = status;
    render_form(c, f, e, ts, nt, x);
}

void off_focus_new_post(off_ctx *c)
{
    fform f;
    memset(&f, 0, sizeof f);
    const char *unit = val(c, "unit");
    char err[SRV_REF_ERR_MAX];
    if (model_id_check(unit, "unit", err, sizeof err) != 0) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return;
    }
    if (!off_require_unit(c, unit, OFF_ROLE_LEADER) || !unit_exists(c, unit))
        return;
    snprintf(f.unit, sizeof f.unit, "%s", unit);
    f.focus_id = val(c, "focus_id");
    if (model_id_check(f.focus_id, "focus", err, sizeof err) != 0) {
        off_fail(c, 400, "The form could not be read. Go back and send it again.");
        return;
    }
    if (form_read(c, &f) != 0)
        return;
    /* Signs of a new focus have no ids yet, whatever the form says. */
    for (int i = 0; i < f.n; i++)
        f.s[i].id = "";
    f.n_gone = 0;
    /* The same form sent again after it was saved: the focus is there. */
    srv_ref_focus old;
    srv_ref_rc rc = srv_ref_focus_get(c->pg, f.focus_id, 0, &old, err, sizeof err);
    if (rc == SRV_REF_OK) {
        if (!off_require_unit(c, old.focus.unit_id, OFF_ROLE_LEADER))
            return;
        off_buf to = {0};
        off_buf_put(&to, "/focuses/");
        off_buf_url(&to, f.focus_id);
        off_buf_put(&to, "?done=focus-sent-twice");
        char *p = off_buf_take(&to, NULL);
        if (p)
            off_redirect(c, p);
        else
            off_fail(c, 500, "The server ran out of memory.");
        free(p);
        return;
    }
    if (rc == SRV_REF_FAIL) {
        db_fail(c, "get", err);
        return;
    }
    srv_ref_template *ts = NULL;
    int nt = 0;
    if (load_templates(c, unit, &ts, &nt) != 0)
        return;
    ferrs e = {0};
    int r = form_apply(c, &f, val(c, "op"), &e);
    if (r != 0) {
        if (r > 0)
            refuse(c, &f, &e, ts, nt, NULL, e.n ? 400 : 200);
        free(ts);
        return;
    }
    model_focus m;
    form_check(c, &f, ts, nt, &e, &m);
    if (e.n) {
        refuse(c, &f, &e, ts, nt, NULL, 400);
        free(ts);
        return;
    }
    snprintf(m.id, sizeof m.id, "%s", f.focus_id);
    snprintf(m.unit_id, sizeof m.unit_id, "%s", unit);
    char actor[80];
    off_actor(c, actor, sizeof actor);
    rc = srv_ref_focus_save(c->pg, actor, &m, 0, err, sizeof err);
    if (rc != SRV_REF_OK) {
        srv_log("office: focus: save: %s", err);
        if (rc == SRV_REF_FAIL) {
            off_fail(c, 500, "The database did not answer. Try again in a moment.");
        } else {
            add_err(&e, "question",
                    off_tr(c, "The focus could not be saved. Check the fields "
                              "and try again."));
            refuse(c, &f, &e, ts, nt, NULL, 400);
        }
        free(ts);
        return;
    }
    free(ts);
    off_buf to = {0};
    off_buf_put(&to, "/focuses/");
    off_buf_url(&to, m.id);
    off_buf_put(&to, "?done=focus-added");
    char *p = off_buf_take(&to, NULL);
    if (p)
        off_redirect(c, p);
    else
        off_fail(c, 500, "The server ran out of memory.");
    free(p);
}

/* ---- edit ---- */

/* Loads the focus the address names for a leader who may change it. The
 * caller frees *ts. 1, or 0 with an answer made. */
static int load_for_change(off_ctx *c, srv_ref_focus *cur, fctx *x, srv_ref_template **ts, int *nt)
{
    if (!load_focus(c, c->n_args ? c->args[0] : NULL, 0, cur))
        return 0;
    if (!off_require_unit(c, cur->focus.unit_id, OFF_ROLE_LEADER))
        return 0;
    x->cur = cur;
    if (count_obs(c, cur->focus.unit_id, cur->focus.id, &x->n_obs, NULL, 0) != 0)
        return 0;
    return load_templates(c, cur->focus.unit_id, ts, nt) == 0;
}

void off_focus_edit(off_ctx *c)
{
    srv_ref_focus cur;
    fctx x;
    srv_ref_template *ts = NULL;
    int nt = 0;
    if (!load_for_change(c, &cur, &x, &ts, &nt))
        return;
    fform f;
    form_from_focus(&f, &cur.focus);
    render_form(c, &f, NULL, ts, nt, &x);
    free(ts);
}

void off_focus_edit_post(off_ctx *c)
{
    srv_ref_focus cur;
    fctx x;
    srv_ref_template *ts = NULL;
    int nt = 0;
    if (!load_for_change(c, &cur, &x, &ts, &nt))
        return;
    fform f;
    memset(&f, 0, sizeof f);
    snprintf(f.unit, sizeof f.unit, "%s", cur.focus.unit_id);
    const char *bs = val(c, "base");
    char *end = NULL;
    long base = strtol(bs, &end, 10);
    if (!*bs || *end || base < 1 || base > 1000000 || form_read(c, &f) != 0) {
        if (!c->done)
            off_fail(c, 400, "The form could not be read. Go back and send it again.");
        free(ts);
        return;
    }
    f.base = (int)base;
    /* A sign keeps its id only if it is one of this focus's signs now: an
     * id from elsewhere would tie another focus's ratings to this one. */
    for (int i = 0; i < f.n; i++) {
        int known = 0;
        for (int k = 0; k < cur.focus.n_signs; k++)
            known |= !strcmp(f.s[i].id, cur.focus.signs[k].id);
        if (!known)
            f.s[i].id = "";
    }
    int kept = 0;
    for (int i = 0; i < f.n_gone; i++) {
        int known = 0;
        for (int k = 0; k < cur.focus.n_signs; k++)
            known |= !strcmp(f.gone[i].id, cur.focus.signs[k].id);
        if (known)
            f.gone[kept++] = f.gone[i];
    }
    f.n_gone = kept;
    ferrs e = {0};
    int r = form_apply(c, &f, val(c, "op"), &e);
    if (r != 0) {
        if (r > 0)
            refuse(c, &f, &e, ts, nt, &x, e.n ? 400 : 200);
        free(ts);
        return;
    }
    model_focus m;
    form_check(c, &f, ts, nt, &e, &m);
    /* Someone saved the focus after this form was made (or this form was
     * sent twice and made a new version the first time): saving it would
     * undo their change without anyone seeing it. */
    if (!e.n && f.base != cur.focus.version) {
        char s[300];
        snprintf(s, sizeof s,
                 off_tr(c, "The focus was changed after you opened this page: it is at version "
                           "%d now. Nothing is saved. Open the focus again to see the change, "
                           "then make yours."),
                 cur.focus.version);
        add_err(&e, "question", s);
        refuse(c, &f, &e, ts, nt, &x, 409);
        free(ts);
        return;
    }
    if (e.n) {
        refuse(c, &f, &e, ts, nt, &x, 400);
        free(ts);
        return;
    }
    snprintf(m.id, sizeof m.id, "%s", cur.focus.id);
    snprintf(m.unit_id, sizeof m.unit_id, "%s", cur.focus.unit_id);
    char actor[80], err[SRV_REF_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_focus_save(c->pg, actor, &m, f.base, err, sizeof err);
    if (rc != SRV_REF_OK) {
        srv_log("office: focus: save: %s", err);
        if (rc == SRV_REF_FAIL) {
            off_fail(c, 500, "The database did not answer. Try again in a moment.");
        } else {
            add_err(&e, "question",
                    off_tr(c, "The focus could not be saved. Check the fields "
                              "and try again."));
            refuse(c, &f, &e, ts, nt, &x, 400);
        }
        free(ts);
        return;
    }
    free(ts);
    off_buf to = {0};
    off_buf_put(&to, "/focuses/");
    off_buf_url(&to, m.id);
    off_buf_put(&to, m.version > f.base ? "?done=focus-version" : "?done=focus-in-place");
    char *p = off_buf_take(&to, NULL);
    if (p)
        off_redirect(c, p);
    else
        off_fail(c, 500, "The server ran out of memory.");
    free(p);
}

/* ---- one focus and its versions ---- */

/* Says in words what changed from version a to version b: signs added,
 * reworded, taken out, reordered, and the other fields. */
static void say_changes(off_ctx *c, const model_focus *a, const model_focus *b)
{
    off_buf *o = &c->body;
    int any = 0;
    off_buf_put(o, "<ul class=\"changes\">");
    for (int i = 0; i < b->n_signs; i++) {
        int k = -1;
        for (int j = 0; j < a->n_signs; j++)
            if (!strcmp(a->signs[j].id, b->signs[i].id))
                k = j;
        if (k < 0) {
            off_buf_put(o, "<li>");
            off_buf_esc(o, off_tr(c, "Sign added:"));
            off_buf_put(o, " <q>");
            off_buf_esc(o, b->signs[i].text);
            off_buf_put(o, "</q></li>");
            any = 1;
        } else if (strcmp(a->signs[k].text, b->signs[i].text) != 0) {
            off_buf_put(o, "<li>");
            off_buf_esc(o, off_tr(c, "Sign reworded:"));
            off_buf_put(o, " <q>");
            off_buf_esc(o, a->signs[k].text);
            off_buf_put(o, "</q> → <q>");
            off_buf_esc(o, b->signs[i].text);
            off_buf_put(o, "</q></li>");
            any = 1;
        }
    }
    for (int j = 0; j < a->n_signs; j++) {
        int kept = 0;
        for (int i = 0; i < b->n_signs; i++)
            kept |= !strcmp(a->signs[j].id, b->signs[i].id);
        if (!kept) {
            off_buf_put(o, "<li>");
            off_buf_esc(o, off_tr(c, "Sign taken out (it stays in the older versions):"));
            off_buf_put(o, " <q>");
            off_buf_esc(o, a->signs[j].text);
            off_buf_put(o, "</q></li>");
            any = 1;
        }
    }
    /* The kept signs in another order. */
    int last = -1, moved = 0;
    for (int i = 0; i < b->n_signs; i++)
        for (int j = 0; j < a->n_signs; j++)
            if (!strcmp(a->signs[j].id, b->signs[i].id)) {
                moved |= j < last;
                last = j;
            }
    static const char *const what[] = {"The inquiry question is changed.", "The why is changed.",
                                       "The pillar is changed.", "The template is changed."};
    int diff[] = {strcmp(a->question, b->question) != 0, strcmp(a->why, b->why) != 0,
                  a->pillar != b->pillar, strcmp(a->template_id, b->template_id) != 0};
    if (moved) {
        off_buf_put(o, "<li>");
        off_buf_esc(o, off_tr(c, "The signs are in a new order."));
        off_buf_put(o, "</li>");
        any = 1;
    }
    for (size_t i = 0; i < sizeof diff / sizeof diff[0]; i++)
        if (diff[i]) {
            off_buf_put(o, "<li>");
            off_buf_esc(o, off_tr(c, what[i]));
            off_buf_put(o, "</li>");
            any = 1;
        }
    if (strcmp(a->period_from, b->period_from) || strcmp(a->period_to, b->period_to)) {
        off_buf_put(o, "<li>");
        off_buf_esc(o, off_tr(c, "The period is now"));
        off_buf_put(o, " ");
        put_date(c, b->period_from);
        off_buf_put(o, "–");
        put_date(c, b->period_to);
        off_buf_put(o, ".</li>");
        any = 1;
    }
    if (!any) {
        off_buf_put(o, "<li>");
        off_buf_esc(o, off_tr(c, "Nothing a reader sees is changed."));
        off_buf_put(o, "</li>");
    }
    off_buf_put(o, "</ul>");
}

void off_focus_show(off_ctx *c)
{
    srv_ref_focus cur;
    if (!load_focus(c, c->n_args ? c->args[0] : NULL, 0, &cur))
        return;
    const model_focus *f = &cur.focus;
    if (!off_require_unit(c, f->unit_id, OFF_ROLE_PEER))
        return;
    long long total = 0, per[VERSIONS_SHOWN + 2];
    int cap = VERSIONS_SHOWN + 2;
    if (count_obs(c, f->unit_id, f->id, &total, per, cap) != 0)
        return;
    srv_ref_template *ts = NULL;
    int nt = 0;
    if (load_templates(c, f->unit_id, &ts, &nt) != 0)
        return;
    /* The versions shown, newest first, and the one before the oldest
     * shown, so that each can say what it changed. */
    int nv = f->version < VERSIONS_SHOWN ? f->version : VERSIONS_SHOWN;
    int nload = f->version < VERSIONS_SHOWN + 1 ? f->version : VERSIONS_SHOWN + 1;
    model_focus *vs = calloc((size_t)nload, sizeof *vs);
    if (!vs) {
        free(ts);
        off_fail(c, 500, "The server ran out of memory.");
        return;
    }
    for (int i = 0; i < nload; i++) {
        srv_ref_focus one;
        char err[SRV_REF_ERR_MAX];
        if (i == 0)
            vs[i] = *f;
        else if (srv_ref_focus_get(c->pg, f->id, f->version - i, &one, err, sizeof err) ==
                 SRV_REF_OK)
            vs[i] = one.focus;
        else
            vs[i].version = 0; /* not on the server: said below */
    }
    int lead = off_can_unit(c, f->unit_id, OFF_ROLE_LEADER);
    off_buf *b = &c->body;
    off_page_begin(c, f->question, "focuses");
    const char *tn = template_name(ts, nt, f->template_id);
    off_buf_put(b, "<dl class=\"facts\"><dt>");
    off_buf_esc(b, off_tr(c, "Why"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, f->why[0] ? f->why : off_tr(c, "(not written)"));
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "Pillar"));
    off_buf_put(b, "</dt><dd>");
    off_buf_esc(b, pillar_label(c, f->pillar));
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "Period"));
    off_buf_put(b, "</dt><dd><strong>");
    off_buf_esc(b, period_word(c, &cur));
    off_buf_put(b, "</strong>: ");
    put_date(c, f->period_from);
    off_buf_put(b, "–");
    put_date(c, f->period_to);
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "Template"));
    off_buf_put(b, "</dt><dd>");
    if (tn) {
        off_buf_put(b, "<a href=\"/templates/");
        off_buf_url(b, f->template_id);
        off_buf_put(b, "\">");
        off_buf_esc(b, tn);
        off_buf_put(b, "</a>");
    } else {
        off_buf_esc(b, off_tr(c, "(unknown template)"));
    }
    off_buf_put(b, "</dd><dt>");
    off_buf_esc(b, off_tr(c, "Version"));
    off_buf_printf(b, "</dt><dd>%d</dd><dt>", f->version);
    off_buf_esc(b, off_tr(c, "Observations"));
    off_buf_put(b, "</dt><dd>");
    put_ntr(c, "%lld observation", "%lld observations", total);
    off_buf_put(b, "</dd></dl><h2>");
    off_buf_esc(b, off_tr(c, "Signs"));
    off_buf_put(b, "</h2><ol class=\"signs-read\">");
    for (int i = 0; i < f->n_signs; i++) {
        off_buf_put(b, "<li>");
        off_buf_esc(b, f->signs[i].text);
        off_buf_put(b, "</li>");
    }
    off_buf_put(b, "</ol><p class=\"links\"><a href=\"/focuses/");
    off_buf_url(b, f->id);
    off_buf_put(b, "/progression\">");
    off_buf_esc(b, off_tr(c, "The progression over time"));
    off_buf_put(b, "</a>");
    if (lead) {
        off_buf_put(b, " · <a href=\"/focuses/");
        off_buf_url(b, f->id);
        off_buf_put(b, "/meeting\">");
        off_buf_esc(b, off_tr(c, "Team meeting view"));
        off_buf_put(b, "</a>");
    }
    off_buf_put(b, "</p>");
    if (lead) {
        off_buf_put(b, "<p><a class=\"button\" href=\"/focuses/");
        off_buf_url(b, f->id);
        off_buf_put(b, "/edit\">");
        off_buf_esc(b, off_tr(c, "Change the focus"));
        off_buf_put(b, "</a></p>");
    }
    off_buf_put(b, "<h2>");
    off_buf_esc(b, off_tr(c, "Versions"));
    off_buf_put(b, "</h2><p>");
    off_buf_esc(b, off_tr(c, "A focus that observations rest on gets a new version when it is "
                             "changed. Each observation keeps the version it was made with."));
    off_buf_put(b, "</p><ol class=\"versions\" reversed>");
    for (int i = 0; i < nv; i++) {
        int v = f->version - i;
        char s[200];
        off_buf_put(b, "<li><h3>");
        snprintf(s, sizeof s, off_tr(c, "Version %d"), v);
        off_buf_esc(b, s);
        off_buf_put(b, "</h3><p class=\"muted\">");
        put_ntr(c, "%lld observation made on it", "%lld observations made on it",
                v < cap ? per[v] : 0);
        off_buf_put(b, "</p>");
        if (v == 1) {
            off_buf_put(b, "<p>");
            off_buf_esc(b, off_tr(c, "The first version."));
            off_buf_put(b, "</p>");
        } else if (vs[i].version && vs[i + 1].version) {
            say_changes(c, &vs[i + 1], &vs[i]);
        }
        off_buf_put(b, "</li>");
    }
    off_buf_put(b, "</ol>");
    if (lead && !cur.retired) {
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, "Retire the focus"));
        off_buf_put(b, "</h2><p>");
        off_buf_esc(
            b,
            off_tr(
                c,
                "Retiring ends the period yesterday. The tablets stop offering the focus at their next sync; observations already under way can still be finished, and nothing that was observed is deleted."));
        off_buf_put(b, "</p>");
        char path[120];
        snprintf(path, sizeof path, "/focuses/%s/retire", f->id);
        off_form_begin(c, path);
        off_submit(c, off_tr(c, "Retire the focus"), 1);
        off_form_end(c);
    }
    off_buf_put(b, "<p><a href=\"/focuses?unit=");
    off_buf_url(b, f->unit_id);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "All the unit's learning focuses"));
    off_buf_put(b, "</a></p>");
    free(vs);
    free(ts);
    off_page_end(c);
}

/* ---- retire ---- */

void off_focus_retire(off_ctx *c)
{
    srv_ref_focus cur;
    if (!load_focus(c, c->n_args ? c->args[0] : NULL, 0, &cur))
        return;
    if (!off_require_unit(c, cur.focus.unit_id, OFF_ROLE_LEADER))
        return;
    /* Sent twice: the first already retired it. */
    if (!cur.retired) {
        char actor[80], err[SRV_REF_ERR_MAX];
        off_actor(c, actor, sizeof actor);
        srv_ref_rc rc = srv_ref_focus_retire(c->pg, actor, cur.focus.id, err, sizeof err);
        if (rc != SRV_REF_OK) {
            srv_log("office: focus: retire: %s", err);
            off_fail(c, rc == SRV_REF_FAIL ? 500 : 409,
                     rc == SRV_REF_FAIL ? "The database did not answer. Try again in a moment."
                                        : "The focus could not be retired. Open it again and "
                                          "check its period.");
            return;
        }
    }
    off_buf to = {0};
    off_buf_put(&to, "/focuses/");
    off_buf_url(&to, cur.focus.id);
    off_buf_put(&to, "?done=focus-retired");
    char *p = off_buf_take(&to, NULL);
    if (p)
        off_redirect(c, p);
    else
        off_fail(c, 500, "The server ran out of memory.");
    free(p);
}
