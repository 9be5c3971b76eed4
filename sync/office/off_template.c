/*
 * The template pages: a unit's templates (what each holds, which focuses
 * use it), the designer for a new template and for a change to one, the
 * preview of the observe screen, and retiring. Every template's unit is
 * read from the database and must be one the signed-in person leads;
 * saving goes through srv_ref_template_save, which versions it (a template
 * that has observations gets a new version, and its observations keep the
 * one they were made with) and publishes it to the unit's tablets.
 */
#include "off_template_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"
#include "srv_ref.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* The latest version of template id, on the heap (free() it), or NULL when
 * there is none or the database failed (then *failed is set). */
static srv_ref_template *load(off_ctx *c, const char *id, int *failed)
{
    *failed = 0;
    char err[SRV_REF_ERR_MAX];
    srv_ref_template *t = calloc(1, sizeof *t);
    if (!t) {
        *failed = 1;
        return NULL;
    }
    char check[80];
    if (model_id_check(id, "id", check, sizeof check) != 0) {
        free(t);
        return NULL;
    }
    srv_ref_rc rc = srv_ref_template_get(c->pg, id, 0, t, err, sizeof err);
    if (rc == SRV_REF_OK)
        return t;
    if (rc == SRV_REF_FAIL) {
        srv_log("office: template %s: %s", id, err);
        *failed = 1;
    }
    free(t);
    return NULL;
}

/* The template the address names, its unit led by the signed-in person;
 * NULL after answering 404, 403 or 500. */
static srv_ref_template *named(off_ctx *c)
{
    int failed;
    srv_ref_template *t = load(c, c->args[0], &failed);
    if (!t) {
        off_fail(c, failed ? 500 : 404,
                 failed ? "The database did not answer. Try again in a moment."
                        : "There is no such template.");
        return NULL;
    }
    if (!off_require_unit(c, t->tmpl.unit_id, OFF_ROLE_LEADER)) {
        free(t);
        return NULL;
    }
    return t;
}

/* The unit a list or a new template is for: ?unit= (which the person must
 * lead), or their only unit. "" with nothing answered when they have
 * several and chose none; NULL after answering. */
static const char *pick_unit(off_ctx *c, model_id out)
{
    const char *u = off_form_get(&c->query, "unit");
    out[0] = 0;
    if (u) {
        if (strlen(u) > MODEL_UUID_LEN || !off_require_unit(c, u, OFF_ROLE_LEADER))
            return c->done ? NULL
                           : (off_fail(c, 403, "You do not have access to this page."), NULL);
        snprintf(out, MODEL_UUID_LEN + 1, "%s", u);
        return out;
    }
    PGresult *r = off_visible_units(c);
    if (!r)
        return NULL;
    if (PQntuples(r) == 1)
        snprintf(out, MODEL_UUID_LEN + 1, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return out;
}

/* A list of the units to choose from, each linking to path?unit=. */
static void unit_choice(off_ctx *c, const char *path)
{
    off_buf *b = &c->body;
    PGresult *r = off_visible_units(c);
    if (!r)
        return;
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, PQntuples(r) ? "Choose the unit:"
                                          : "No unit has been given to you "
                                            "yet. Ask your administrator."));
    off_buf_put(b, "</p><ul class=\"cards\">");
    for (int i = 0; i < PQntuples(r); i++) {
        off_buf_printf(b, "<li><a href=\"%s?unit=", path);
        off_buf_url(b, PQgetvalue(r, i, 0));
        off_buf_put(b, "\">");
        off_buf_esc(b, PQgetvalue(r, i, 1));
        off_buf_put(b, "</a></li>");
    }
    off_buf_put(b, "</ul>");
    PQclear(r);
}

/* What a template holds, in one line of words. */
static void holds(off_ctx *c, const model_template *t)
{
    off_buf *b = &c->body;
    char part[200];
    snprintf(part, sizeof part, off_ntr(c, "%d-level scale", "%d-level scale", t->n_scale),
             t->n_scale);
    off_buf_esc(b, part);
    off_buf_put(b, " (");
    for (int i = 0; i < t->n_scale; i++) {
        if (i)
            off_buf_put(b, ", ");
        off_buf_esc(b, t->scale[i]);
    }
    off_buf_put(b, ")");
    struct {
        int n;
        const char *one, *many;
    } parts[] = {{t->n_counters, "%d counter", "%d counters"},
                 {t->n_states, "%d state timer", "%d state timers"},
                 {t->n_context, "%d context field", "%d context fields"},
                 {t->n_prompts, "%d note prompt", "%d note prompts"},
                 {t->n_phrases, "%d quick phrase", "%d quick phrases"}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        snprintf(part, sizeof part, off_ntr(c, parts[i].one, parts[i].many, parts[i].n),
                 parts[i].n);
        off_buf_put(b, " · ");
        off_buf_esc(b, part);
    }
    off_buf_put(b, " · ");
    if (t->interval_minutes > 0)
        snprintf(part, sizeof part, off_tr(c, "interval sampling every %d min"),
                 t->interval_minutes);
    else
        snprintf(part, sizeof part, "%s", off_tr(c, "no interval sampling"));
    off_buf_esc(b, part);
}

/* The focuses of the unit whose latest version uses template id, as a
 * list of links ("none" when there are none). */
static void used_by(off_ctx *c, const srv_ref_focus *f, int n, const char *id)
{
    off_buf *b = &c->body;
    int any = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(f[i].focus.template_id, id) != 0)
            continue;
        off_buf_put(b, any ? "</li><li>" : "<ul class=\"tpl-used\"><li>");
        off_buf_put(b, "<a href=\"/focuses/");
        off_buf_url(b, f[i].focus.id);
        off_buf_put(b, "\">");
        off_buf_esc(b, f[i].focus.question);
        off_buf_put(b, "</a>");
        if (f[i].retired) {
            off_buf_put(b, " <span class=\"muted\">(");
            off_buf_esc(b, off_tr(c, "retired"));
            off_buf_put(b, ")</span>");
        }
        any = 1;
    }
    if (any)
        off_buf_put(b, "</li></ul>");
    else
        off_buf_esc(b, off_tr(c, "No focus uses it yet."));
}

void off_templates(off_ctx *c)
{
    model_id unit;
    if (!pick_unit(c, unit))
        return;
    off_buf *b = &c->body;
    off_page_begin(c, off_tr(c, "Templates"), "templates");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "A template says how an observation is recorded on the tablet: the "
                             "scale each sign of the focus is rated on, what can be counted and "
                             "timed, what is asked at the start, and the words that help with "
                             "notes. Every learning focus comes with a template."));
    off_buf_put(b, "</p>");
    if (!unit[0]) {
        unit_choice(c, "/templates");
        off_page_end(c);
        return;
    }
    char err[SRV_REF_ERR_MAX];
    srv_ref_template *ts = NULL;
    srv_ref_focus *fs = NULL;
    int n = 0, nf = 0;
    if (srv_ref_templates(c->pg, unit, &ts, &n, err, sizeof err) != SRV_REF_OK ||
        srv_ref_focuses(c->pg, unit, &fs, &nf, err, sizeof err) != SRV_REF_OK) {
        srv_log("office: templates: %s", err);
        free(ts);
        free(fs);
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
        return;
    }
    off_buf_put(b, "<p><a class=\"tpl-new\" href=\"/templates/new?unit=");
    off_buf_url(b, unit);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "New template"));
    off_buf_put(b, "</a></p>");
    if (n == 0) {
        off_buf_put(b, "<p class=\"tpl-empty\">");
        off_buf_esc(b, off_tr(c, "This unit has no templates yet. Make the first one: start with "
                                 "the scale the signs are rated on, then add what the observers "
                                 "should count or time. You can look at a preview of the tablet's "
                                 "screen before you save."));
        off_buf_put(b, "</p>");
    } else {
        off_buf_put(b, "<table class=\"wide\"><thead><tr><th scope=\"col\">");
        off_buf_esc(b, off_tr(c, "Name"));
        off_buf_put(b, "</th><th scope=\"col\">");
        off_buf_esc(b, off_tr(c, "Holds"));
        off_buf_put(b, "</th><th scope=\"col\">");
        off_buf_esc(b, off_tr(c, "Used by"));
        off_buf_put(b, "</th></tr></thead><tbody>");
        for (int i = 0; i < n; i++) {
            const model_template *t = &ts[i].tmpl;
            off_buf_put(b, "<tr><td><a href=\"/templates/");
            off_buf_url(b, t->id);
            off_buf_put(b, "\">");
            off_buf_esc(b, t->name);
            off_buf_put(b, "</a><br><span class=\"muted\">");
            char v[80];
            snprintf(v, sizeof v, off_tr(c, "Version %d"), t->version);
            off_buf_esc(b, v);
            if (ts[i].retired) {
                off_buf_put(b, " · ");
                off_buf_esc(b, off_tr(c, "retired"));
            }
            off_buf_put(b, "</span></td><td>");
            holds(c, t);
            off_buf_put(b, "</td><td>");
            used_by(c, fs, nf, t->id);
            off_buf_put(b, "</td></tr>");
        }
        off_buf_put(b, "</tbody></table>");
    }
    free(ts);
    free(fs);
    off_page_end(c);
}

/* The designer's page: the explanation, the problems, the preview when
 * asked for, and the form. cur is the template as it is now (NULL for a
 * new one). */
static void form_page(off_ctx *c, const offt_draft *d, const srv_ref_template *cur,
                      const offt_errors *e, const model_template *preview, const char *problem)
{
    off_buf *b = &c->body;
    off_page_begin(c, off_tr(c, cur ? "Change the template" : "New template"), "templates");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Fill in what the observers will use, from the top. The buttons "
                             "beside the lists add, move and remove entries without saving; "
                             "nothing is saved until you press Save. Preview shows the tablet's "
                             "observe screen first."));
    off_buf_put(b, "</p>");
    if (cur) {
        char line[300];
        snprintf(line, sizeof line,
                 off_tr(c, cur->has_observations
                               ? "This is version %d. Observations have been made with it, so "
                                 "saving a change makes a new version; those observations keep "
                                 "the version they were made with."
                               : "This is version %d. No observations have been made with it "
                                 "yet."),
                 cur->tmpl.version);
        off_buf_put(b, "<p class=\"tpl-version\">");
        off_buf_esc(b, line);
        off_buf_put(b, "</p>");
    }
    if (problem) {
        off_buf_put(b, "<p class=\"problem\" role=\"alert\">");
        off_buf_esc(b, problem);
        off_buf_put(b, "</p>");
    }
    if (e && e->n) {
        const char *fields[OFFT_ERRORS_MAX], *msgs[OFFT_ERRORS_MAX];
        for (int i = 0; i < e->n; i++) {
            fields[i] = e->field[i];
            msgs[i] = e->msg[i];
        }
        off_error_summary(c, fields, msgs, e->n);
    }
    if (preview)
        offt_preview(c, preview, NULL, NULL, 0);
    char path[120];
    if (cur)
        snprintf(path, sizeof path, "/templates/%s/edit", cur->tmpl.id);
    else
        snprintf(path, sizeof path, "/templates/new");
    off_form_begin(c, path);
    off_buf_put(b, "<div class=\"actions tpl-actions\">");
    off_buf_put(b, "<button type=\"submit\" name=\"act\" value=\"save\">");
    off_buf_esc(b, off_tr(c, "Save"));
    off_buf_put(b, "</button><button type=\"submit\" class=\"secondary\" name=\"act\" "
                   "value=\"preview\">");
    off_buf_esc(b, off_tr(c, "Preview"));
    off_buf_put(b, "</button></div>");
    offt_form_fields(c, d, e);
    off_buf_put(b, "<div class=\"actions tpl-actions\">");
    off_buf_put(b, "<button type=\"submit\" name=\"act\" value=\"save\">");
    off_buf_esc(b, off_tr(c, "Save"));
    off_buf_put(b, "</button><button type=\"submit\" class=\"secondary\" name=\"act\" "
                   "value=\"preview\">");
    off_buf_esc(b, off_tr(c, "Preview"));
    off_buf_put(b, "</button></div>");
    off_form_end(c);
    off_buf_put(b, "<p><a href=\"/templates?unit=");
    off_buf_url(b, d->unit);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Back to the templates, without saving"));
    off_buf_put(b, "</a></p>");
    off_page_end(c);
}

/* Whether two lists of texts of cap bytes each are the same. */
static int same_list(const char *a, const char *b, size_t cap, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(a + (size_t)i * cap, b + (size_t)i * cap) != 0)
            return 0;
    return 1;
}

/*
 * The words in other languages the template had: kept where the office did
 * not change the words they translate (the same list, in the same order),
 * dropped where it did, so a tablet in that language shows the new words
 * rather than the wrong ones.
 */
static void keep_texts(model_template *t, const model_template *old)
{
    t->n_texts = old->n_texts;
    for (int k = 0; k < old->n_texts; k++) {
        model_template_texts *x = &t->texts[k];
        *x = old->texts[k];
        if (strcmp(t->name, old->name) != 0)
            x->name[0] = 0;
        char a[MODEL_MAX_COUNTERS][MODEL_LABEL_MAX + 1], o[MODEL_MAX_COUNTERS][MODEL_LABEL_MAX + 1];
        x->has_scale &= t->n_scale == old->n_scale &&
                        same_list(t->scale[0], old->scale[0], sizeof t->scale[0], t->n_scale);
        for (int i = 0; i < t->n_counters; i++)
            memcpy(a[i], t->counters[i].label, sizeof a[i]);
        for (int i = 0; i < old->n_counters; i++)
            memcpy(o[i], old->counters[i].label, sizeof o[i]);
        x->has_counters &= t->n_counters == old->n_counters &&
                           same_list(a[0], o[0], sizeof a[0], t->n_counters);
        for (int i = 0; i < t->n_states; i++)
            memcpy(a[i], t->states[i].label, sizeof a[i]);
        for (int i = 0; i < old->n_states; i++)
            memcpy(o[i], old->states[i].label, sizeof o[i]);
        x->has_states &= t->n_states == old->n_states &&
                         same_list(a[0], o[0], sizeof a[0], t->n_states);
        for (int i = 0; i < t->n_interval_options; i++)
            memcpy(a[i], t->interval_options[i].label, sizeof a[i]);
        for (int i = 0; i < old->n_interval_options; i++)
            memcpy(o[i], old->interval_options[i].label, sizeof o[i]);
        x->has_interval_options &= t->n_interval_options == old->n_interval_options &&
                                   same_list(a[0], o[0], sizeof a[0], t->n_interval_options);
        for (int i = 0; i < t->n_context; i++)
            memcpy(a[i], t->context[i].label, sizeof a[i]);
        for (int i = 0; i < old->n_context; i++)
            memcpy(o[i], old->context[i].label, sizeof o[i]);
        x->has_context &= t->n_context == old->n_context &&
                          same_list(a[0], o[0], sizeof a[0], t->n_context);
        x->has_prompts &= t->n_prompts == old->n_prompts &&
                          same_list(t->prompts[0], old->prompts[0], sizeof t->prompts[0],
                                    t->n_prompts);
        x->has_phrases &= t->n_phrases == old->n_phrases &&
                          same_list(t->phrases[0], old->phrases[0], sizeof t->phrases[0],
                                    t->n_phrases);
    }
}

/* Whether t says the same as cur (its version aside). */
static int same_as(const model_template *t, const model_template *cur)
{
    model_template *x = malloc(sizeof *x);
    if (!x)
        return 0;
    *x = *t;
    x->version = cur->version;
    char *a = model_template_to_json(x), *b = model_template_to_json(cur);
    int same = a && b && !strcmp(a, b);
    free(a);
    free(b);
    free(x);
    return same;
}

/* A POSTed designer form: a list button re-renders it changed; Preview
 * renders it with the preview; Save checks, builds and saves it. cur: the
 * template as it is now (NULL when new). */
static void designer_post(off_ctx *c, offt_draft *d, srv_ref_template *cur)
{
    const char *act = off_form_get(&c->form, "act");
    if (offt_apply(d, act) || (act && !strcmp(act, "refresh"))) {
        form_page(c, d, cur, NULL, NULL, NULL);
        return;
    }
    offt_errors *e = calloc(1, sizeof *e);
    model_template *t = calloc(1, sizeof *t);
    if (!e || !t) {
        free(e);
        free(t);
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    if (offt_build(c, d, t, e) != 0) {
        c->out->status = 400;
        form_page(c, d, cur, e, NULL, NULL);
        goto done;
    }
    if (act && !strcmp(act, "preview")) {
        form_page(c, d, cur, NULL, t, NULL);
        goto done;
    }
    if (cur)
        keep_texts(t, &cur->tmpl);
    /* A form made from an older version than the latest: the same form
     * posted twice (the first post saved it), or someone else's change in
     * between. The first changes nothing; the second is shown. */
    if (cur && d->base != cur->tmpl.version) {
        if (same_as(t, &cur->tmpl)) {
            char path[120];
            snprintf(path, sizeof path, "/templates/%s?done=saved", cur->tmpl.id);
            off_redirect(c, path);
            goto done;
        }
        char msg[300];
        snprintf(msg, sizeof msg,
                 off_tr(c, "The template was changed by someone else after you opened it; it is "
                           "at version %d now. Your changes are below and nothing is saved: "
                           "check them and save again."),
                 cur->tmpl.version);
        d->base = cur->tmpl.version;
        c->out->status = 409;
        form_page(c, d, cur, NULL, NULL, msg);
        goto done;
    }
    char actor[80], err[SRV_REF_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_template_save(c->pg, actor, t, d->base, err, sizeof err);
    if (rc == SRV_REF_OK) {
        char path[120];
        snprintf(path, sizeof path, "/templates/%s?done=saved", t->id);
        off_redirect(c, path);
    } else if (rc == SRV_REF_INVALID) {
        memset(e, 0, sizeof *e);
        c->out->status = 400;
        char msg[SRV_REF_ERR_MAX + 80];
        snprintf(msg, sizeof msg, off_tr(c, "The template was refused: %s"), err);
        form_page(c, d, cur, NULL, NULL, msg);
    } else {
        srv_log("office: template save: %s", err);
        off_fail(c, rc == SRV_REF_NOTFOUND ? 404 : 500,
                 rc == SRV_REF_NOTFOUND ? "There is no such template."
                                        : "The database did not answer. Try again in a moment.");
    }
done:
    free(e);
    free(t);
}

void off_template_new(off_ctx *c)
{
    model_id unit;
    if (!pick_unit(c, unit))
        return;
    if (!unit[0]) {
        off_page_begin(c, off_tr(c, "New template"), "templates");
        unit_choice(c, "/templates/new");
        off_page_end(c);
        return;
    }
    offt_draft *d = calloc(1, sizeof *d);
    if (!d) {
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    const char *from = off_form_get(&c->query, "from");
    srv_ref_template *src = NULL;
    if (from) {
        /* A copy of a template of a unit the person leads (any of theirs). */
        int failed;
        src = load(c, from, &failed);
        if (!src) {
            off_fail(c, failed ? 500 : 404,
                     failed ? "The database did not answer. Try again in a moment."
                            : "There is no such template.");
            free(d);
            return;
        }
        if (!off_require_unit(c, src->tmpl.unit_id, OFF_ROLE_LEADER)) {
            free(src);
            free(d);
            return;
        }
        offt_from_template(d, &src->tmpl);
        d->base = 0;
        snprintf(d->unit, sizeof d->unit, "%s", unit);
        if (model_id_new(plat_sys_os(), d->id) != 0)
            d->id[0] = 0;
    } else if (offt_new(c, d, unit) != 0) {
        d->id[0] = 0;
    }
    if (!d->id[0])
        off_fail(c, 500, "The page could not be made.");
    else
        form_page(c, d, NULL, NULL, NULL, NULL);
    free(src);
    free(d);
}

void off_template_new_post(off_ctx *c)
{
    offt_draft *d = calloc(1, sizeof *d);
    if (!d) {
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    offt_from_form(c, d);
    char chk[120];
    if (model_id_check(d->id, "id", chk, sizeof chk) != 0 || d->base != 0 ||
        model_id_check(d->unit, "unit", chk, sizeof chk) != 0) {
        off_fail(c, 400, "The form was not complete. Open the page again and fill it in anew.");
        free(d);
        return;
    }
    if (!off_require_unit(c, d->unit, OFF_ROLE_LEADER)) {
        free(d);
        return;
    }
    /* The id the new form was given exists already: this form was posted
     * before (or names a template it should not). */
    int failed;
    srv_ref_template *cur = load(c, d->id, &failed);
    if (failed) {
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
    } else if (cur && strcmp(cur->tmpl.unit_id, d->unit) != 0) {
        off_fail(c, 400, "The form was not complete. Open the page again and fill it in anew.");
    } else if (cur) {
        /* Answered as the designer of that template, from version 0, so
         * the same form again changes nothing and another is shown. */
        designer_post(c, d, cur);
    } else {
        designer_post(c, d, NULL);
    }
    free(cur);
    free(d);
}

void off_template_edit(off_ctx *c)
{
    srv_ref_template *t = named(c);
    if (!t)
        return;
    offt_draft *d = calloc(1, sizeof *d);
    if (!d) {
        free(t);
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    offt_from_template(d, &t->tmpl);
    form_page(c, d, t, NULL, NULL, NULL);
    free(d);
    free(t);
}

void off_template_edit_post(off_ctx *c)
{
    srv_ref_template *t = named(c);
    if (!t)
        return;
    offt_draft *d = calloc(1, sizeof *d);
    if (!d) {
        free(t);
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    offt_from_form(c, d);
    /* The id and unit are the address's and the database's, never the
     * form's. */
    snprintf(d->id, sizeof d->id, "%s", t->tmpl.id);
    snprintf(d->unit, sizeof d->unit, "%s", t->tmpl.unit_id);
    if (d->base <= 0 || d->base > t->tmpl.version)
        off_fail(c, 400, "The form was not complete. Open the page again and fill it in anew.");
    else
        designer_post(c, d, t);
    free(d);
    free(t);
}

/* A focus of the unit that uses template id, for the preview's sample:
 * its question and signs copied into q and signs (at most MODEL_MAX_SIGNS);
 * 0 when none does. */
static int sample_focus(off_ctx *c, const model_template *t, char *q, size_t qcap,
                        char (*signs)[MODEL_QUESTION_MAX + 1])
{
    srv_ref_focus *fs = NULL;
    int nf = 0, ns = 0;
    char err[SRV_REF_ERR_MAX];
    if (srv_ref_focuses(c->pg, t->unit_id, &fs, &nf, err, sizeof err) != SRV_REF_OK) {
        srv_log("office: focuses: %s", err);
        return 0;
    }
    for (int i = 0; i < nf; i++)
        if (!strcmp(fs[i].focus.template_id, t->id) && !fs[i].retired) {
            snprintf(q, qcap, "%s", fs[i].focus.question);
            ns = fs[i].focus.n_signs;
            for (int s = 0; s < ns; s++)
                memcpy(signs[s], fs[i].focus.signs[s].text, sizeof signs[s]);
            if (ns > 0)
                break;
        }
    free(fs);
    return ns;
}

void off_template_show(off_ctx *c)
{
    srv_ref_template *t = named(c);
    if (!t)
        return;
    off_buf *b = &c->body;
    off_page_begin(c, t->tmpl.name, "templates");
    char line[300];
    snprintf(line, sizeof line, off_tr(c, "Version %d"), t->tmpl.version);
    off_buf_put(b, "<p>");
    off_buf_esc(b, line);
    if (t->retired) {
        off_buf_put(b, " · ");
        off_buf_esc(b, off_tr(c, "retired: no new or changed focus can use it, and the tablets "
                                 "keep it for the focuses and observations that do"));
    }
    off_buf_put(b, "</p><p>");
    holds(c, &t->tmpl);
    off_buf_put(b, "</p><div class=\"actions\"><a class=\"tpl-link\" href=\"/templates/");
    off_buf_url(b, t->tmpl.id);
    off_buf_put(b, "/edit\">");
    off_buf_esc(b, off_tr(c, "Change"));
    off_buf_put(b, "</a><a class=\"tpl-link\" href=\"/templates/");
    off_buf_url(b, t->tmpl.id);
    off_buf_put(b, "/preview\">");
    off_buf_esc(b, off_tr(c, "Preview"));
    off_buf_put(b, "</a><a class=\"tpl-link\" href=\"/templates/new?unit=");
    off_buf_url(b, t->tmpl.unit_id);
    off_buf_put(b, "&amp;from=");
    off_buf_url(b, t->tmpl.id);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Make a copy"));
    off_buf_put(b, "</a></div>");
    if (!t->retired) {
        off_buf_put(b, "<h2>");
        off_buf_esc(b, off_tr(c, "Retire"));
        off_buf_put(b, "</h2><p>");
        off_buf_esc(b, off_tr(c, "A retired template cannot be chosen for a new or changed focus. "
                                 "Focuses that use it now, and the observations made with it, "
                                 "keep it."));
        off_buf_put(b, "</p>");
        char path[120];
        snprintf(path, sizeof path, "/templates/%s/retire", t->tmpl.id);
        off_form_begin(c, path);
        off_submit(c, off_tr(c, "Retire the template"), 1);
        off_form_end(c);
    }
    off_buf_put(b, "<p><a href=\"/templates?unit=");
    off_buf_url(b, t->tmpl.unit_id);
    off_buf_put(b, "\">");
    off_buf_esc(b, off_tr(c, "Back to the templates"));
    off_buf_put(b, "</a></p>");
    off_page_end(c);
    free(t);
}

void off_template_preview(off_ctx *c)
{
    srv_ref_template *t = named(c);
    if (!t)
        return;
    char(*signs)[MODEL_QUESTION_MAX + 1] = calloc(MODEL_MAX_SIGNS, sizeof *signs);
    char q[MODEL_QUESTION_MAX + 1] = "";
    if (!signs) {
        free(t);
        off_fail(c, 500, "The page could not be made.");
        return;
    }
    int n = sample_focus(c, &t->tmpl, q, sizeof q, signs);
    const char *sp[MODEL_MAX_SIGNS];
    for (int i = 0; i < n; i++)
        sp[i] = signs[i];
    char title[MODEL_NAME_MAX + 80];
    snprintf(title, sizeof title, off_tr(c, "Preview of %s"), t->tmpl.name);
    off_page_begin(c, title, "templates");
    offt_preview(c, &t->tmpl, n ? q : NULL, sp, n);
    off_buf_put(&c->body, "<p><a href=\"/templates/");
    off_buf_url(&c->body, t->tmpl.id);
    off_buf_put(&c->body, "/edit\">");
    off_buf_esc(&c->body, off_tr(c, "Change the template"));
    off_buf_put(&c->body, "</a></p>");
    off_page_end(c);
    free(signs);
    free(t);
}

void off_template_retire(off_ctx *c)
{
    srv_ref_template *t = named(c);
    if (!t)
        return;
    char path[160];
    snprintf(path, sizeof path, "/templates?unit=%s&done=retired", t->tmpl.unit_id);
    if (t->retired) { /* the same button pressed twice */
        off_redirect(c, path);
        free(t);
        return;
    }
    char actor[80], err[SRV_REF_ERR_MAX];
    off_actor(c, actor, sizeof actor);
    srv_ref_rc rc = srv_ref_template_retire(c->pg, actor, t->tmpl.id, err, sizeof err);
    if (rc == SRV_REF_OK) {
        off_redirect(c, path);
    } else {
        srv_log("office: template retire: %s", err);
        off_fail(c, rc == SRV_REF_FAIL ? 500 : 409,
                 rc == SRV_REF_FAIL ? "The database did not answer. Try again in a moment."
                                    : "The template could not be retired. Open its page again.");
    }
    free(t);
}
