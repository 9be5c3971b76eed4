/*
 * The admin commands for what observations are made against: a unit's
 * learning focuses (from a file or from options) and observation templates
 * (from a file). Both pass through the wire codec's strict reader, so the
 * same rules apply as for a record that arrives from a tablet.
 */
#include "srv_admin_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_ref.h"

/* A focus from a JSON file. The file may leave out id, unit_id and version:
 * they are filled in; a version given is the one the change was made from
 * (*base). 0, or 1 with the reason on c->err. */
static int focus_from_file(const srv_admin_cmd *c, model_record *r, int *base)
{
    const char *file = c->val[SRV_OPT_FILE];
    size_t len;
    char *doc = srv_admin_read_file(c, file, &len);
    if (!doc)
        return 1;
    json_error_t je;
    json_t *j = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &je);
    free(doc);
    if (!j) {
        fprintf(c->err, "focus-add: %s is not valid JSON: %s (line %d).\n", file, je.text, je.line);
        return 1;
    }
    model_id id;
    if (!json_object_get(j, "id") && model_id_new(plat_sys_os(), id) == 0)
        json_object_set_new(j, "id", json_string(id));
    if (!json_object_get(j, "unit_id"))
        json_object_set_new(j, "unit_id", json_string(c->val[SRV_OPT_UNIT]));
    int given = json_object_get(j, "version") != NULL;
    if (!given)
        json_object_set_new(j, "version", json_integer(1));
    proto_err pe;
    int rc = model_record_from_json(MODEL_ENT_FOCUS, j, r, &pe);
    json_decref(j);
    if (rc != 0) {
        fprintf(c->err, "focus-add: %s\n", pe.msg);
        return 1;
    }
    *base = given ? r->u.focus.version : 0;
    return 0;
}

/* A focus from the options; a usage error (2) when one that a focus needs
 * is missing, 1 when a value is refused. */
static int focus_from_options(const srv_admin_cmd *c, model_record *r, int *base)
{
    static const srv_opt needed[] = {SRV_OPT_QUESTION, SRV_OPT_FROM, SRV_OPT_TO, SRV_OPT_TEMPLATE};
    static const char *const names[] = {"--question", "--from", "--to", "--template"};
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if (!c->val[needed[i]]) {
            fprintf(c->err, "focus-add: %s is required (or give --file).\n", names[i]);
            return 2;
        }
    model_focus *f = &r->u.focus;
    r->entity = MODEL_ENT_FOCUS;
    if (srv_admin_new_id(c, f->id) != 0)
        return 2;
    *base = (int)srv_admin_num(c, SRV_OPT_VERSION, 0);
    f->version = *base ? *base : 1;
    f->pillar = c->val[SRV_OPT_PILLAR] ? (model_pillar)c->choice[SRV_OPT_PILLAR]
                                       : MODEL_PILLAR_LEARNING;
    const char *why = c->val[SRV_OPT_WHY];
    if (model_copy(f->unit_id, sizeof f->unit_id, c->val[SRV_OPT_UNIT]) ||
        model_copy(f->question, sizeof f->question, c->val[SRV_OPT_QUESTION]) ||
        model_copy(f->why, sizeof f->why, why ? why : "") ||
        model_copy(f->period_from, sizeof f->period_from, c->val[SRV_OPT_FROM]) ||
        model_copy(f->period_to, sizeof f->period_to, c->val[SRV_OPT_TO]) ||
        model_copy(f->template_id, sizeof f->template_id, c->val[SRV_OPT_TEMPLATE])) {
        fprintf(c->err, "focus-add: a value is too long.\n");
        return 1;
    }
    for (int i = 0; i < c->n_signs; i++) {
        if (f->n_signs == MODEL_MAX_SIGNS ||
            model_id_new(plat_sys_os(), f->signs[f->n_signs].id) != 0 ||
            model_copy(f->signs[f->n_signs].text, sizeof f->signs[0].text, c->signs[i])) {
            fprintf(c->err, "focus-add: at most %d signs, each at most %d bytes.\n",
                    MODEL_MAX_SIGNS, MODEL_QUESTION_MAX);
            return 1;
        }
        f->n_signs++;
    }
    return 0;
}

/* Adds a focus, or saves a change to the one with the id given: the
 * server decides whether it makes a new version (srv_ref.h). */
int srv_admin_focus_add(srv_admin_cmd *c)
{
    model_record *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(c->err, "focus-add: out of memory.\n");
        return 1;
    }
    int base = 0;
    int rc = c->val[SRV_OPT_FILE] ? focus_from_file(c, r, &base) : focus_from_options(c, r, &base);
    if (rc == 0 && strcmp(r->u.focus.unit_id, c->val[SRV_OPT_UNIT]) != 0) {
        fprintf(c->err, "focus-add: the file's unit_id is not --unit.\n");
        rc = 1;
    }
    if (rc == 0) {
        char actor[80], e[SRV_REF_ERR_MAX];
        srv_admin_actor(actor, sizeof actor);
        rc = srv_admin_ref_done(c, srv_ref_focus_save(c->pg, actor, &r->u.focus, base, e, sizeof e),
                                e, r->u.focus.id);
    }
    free(r);
    return rc;
}

/* Adds a template, or saves a change to the one with the file's id; the
 * file's version is the one the change was made from (1 for a new one). */
int srv_admin_template_add(srv_admin_cmd *c)
{
    size_t len;
    char *doc = srv_admin_read_file(c, c->val[SRV_OPT_FILE], &len);
    if (!doc)
        return 1;
    model_template *t = calloc(1, sizeof *t);
    char msg[SRV_REF_ERR_MAX];
    int rc = t ? model_template_parse(doc, len, t, msg, sizeof msg) : -1;
    free(doc);
    if (rc != 0) {
        fprintf(c->err, "template-add: %s\n", t ? msg : "out of memory.");
        free(t);
        return 1;
    }
    if (strcmp(t->unit_id, c->val[SRV_OPT_UNIT]) != 0) {
        fprintf(c->err, "template-add: the template's unit_id is not --unit.\n");
        free(t);
        return 1;
    }
    char actor[80];
    srv_admin_actor(actor, sizeof actor);
    rc = srv_admin_ref_done(c, srv_ref_template_save(c->pg, actor, t, t->version, msg, sizeof msg),
                            msg, t->id);
    free(t);
    return rc;
}

/* ---- lists, show, rename, retire ---- */

static int read_failed(const srv_admin_cmd *c, srv_ref_rc rc, const char *err)
{
    if (rc == SRV_REF_OK)
        return 0;
    fprintf(c->err, "%s: %s\n", c->name, err);
    return 1;
}

int srv_admin_focus_list(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_focus *v;
    int n;
    if (read_failed(c, srv_ref_focuses(c->pg, c->val[SRV_OPT_UNIT], &v, &n, e, sizeof e), e))
        return 1;
    fputs("focus\tversion\tstate\tfrom\tto\ttemplate\tsigns\tobservations\tquestion\n", c->out);
    for (int i = 0; i < n; i++) {
        const model_focus *f = &v[i].focus;
        char cell[MODEL_QUESTION_MAX + 1];
        fprintf(c->out, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", f->id, f->version,
                v[i].retired ? "retired" : "active", f->period_from, f->period_to, f->template_id,
                f->n_signs, v[i].has_observations ? "yes" : "no",
                srv_admin_cell(f->question, cell, sizeof cell));
    }
    free(v);
    return 0;
}

/* Writes a record as the indented JSON a file for focus-add or
 * template-add holds, so a script can show, edit and add it again. */
static int print_json(const srv_admin_cmd *c, json_t *j)
{
    int rc = !j || json_dumpf(j, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
             fputc('\n', c->out) == EOF;
    json_decref(j);
    if (rc)
        fprintf(c->err, "%s: the record could not be written.\n", c->name);
    return rc;
}

int srv_admin_focus_show(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_focus *f = calloc(1, sizeof *f);
    model_record *r = calloc(1, sizeof *r);
    int rc = 1;
    if (!f || !r)
        fprintf(c->err, "focus-show: out of memory.\n");
    else if (!read_failed(c,
                          srv_ref_focus_get(c->pg, c->val[SRV_OPT_FOCUS],
                                            (int)srv_admin_num(c, SRV_OPT_VERSION, 0), f, e,
                                            sizeof e),
                          e)) {
        r->entity = MODEL_ENT_FOCUS;
        r->u.focus = f->focus;
        rc = print_json(c, model_record_to_json(r, NULL));
    }
    free(f);
    free(r);
    return rc;
}

/* A change of the question alone, from the latest version. */
int srv_admin_focus_rename(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX], actor[80];
    srv_ref_focus *f = calloc(1, sizeof *f);
    if (!f) {
        fprintf(c->err, "focus-rename: out of memory.\n");
        return 1;
    }
    srv_ref_rc rc = srv_ref_focus_get(c->pg, c->val[SRV_OPT_FOCUS], 0, f, e, sizeof e);
    const char *q = c->val[SRV_OPT_QUESTION];
    if (rc == SRV_REF_OK && model_copy(f->focus.question, sizeof f->focus.question, q) != 0) {
        snprintf(e, sizeof e, "The inquiry question is too long: at most %d bytes.",
                 MODEL_QUESTION_MAX);
        rc = SRV_REF_INVALID;
    }
    if (rc == SRV_REF_OK) {
        srv_admin_actor(actor, sizeof actor);
        rc = srv_ref_focus_save(c->pg, actor, &f->focus, f->focus.version, e, sizeof e);
    }
    free(f);
    return srv_admin_ref_done(c, rc, e, NULL);
}

int srv_admin_focus_retire(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(
        c, srv_ref_focus_retire(c->pg, actor, c->val[SRV_OPT_FOCUS], e, sizeof e), e, NULL);
}

int srv_admin_template_list(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_template *v;
    int n;
    if (read_failed(c, srv_ref_templates(c->pg, c->val[SRV_OPT_UNIT], &v, &n, e, sizeof e), e))
        return 1;
    fputs("template\tversion\tstate\tobservations\tname\n", c->out);
    for (int i = 0; i < n; i++) {
        char cell[MODEL_NAME_MAX + 1];
        fprintf(c->out, "%s\t%d\t%s\t%s\t%s\n", v[i].tmpl.id, v[i].tmpl.version,
                v[i].retired ? "retired" : "active", v[i].has_observations ? "yes" : "no",
                srv_admin_cell(v[i].tmpl.name, cell, sizeof cell));
    }
    free(v);
    return 0;
}

int srv_admin_template_show(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX];
    srv_ref_template *t = calloc(1, sizeof *t);
    int rc = 1;
    if (!t) {
        fprintf(c->err, "template-show: out of memory.\n");
    } else if (!read_failed(c,
                            srv_ref_template_get(c->pg, c->val[SRV_OPT_TEMPLATE],
                                                 (int)srv_admin_num(c, SRV_OPT_VERSION, 0), t, e,
                                                 sizeof e),
                            e)) {
        char *text = model_template_to_json(&t->tmpl);
        json_error_t je;
        rc = print_json(c, text ? json_loads(text, 0, &je) : NULL);
        free(text);
    }
    free(t);
    return rc;
}

int srv_admin_template_rename(srv_admin_cmd *c)
{
    char e[SRV_REF_ERR_MAX], actor[80];
    srv_ref_template *t = calloc(1, sizeof *t);
    if (!t) {
        fprintf(c->err, "template-rename: out of memory.\n");
        return 1;
    }
    srv_ref_rc rc = srv_ref_template_get(c->pg, c->val[SRV_OPT_TEMPLATE], 0, t, e, sizeof e);
    if (rc == SRV_REF_OK &&
        model_copy(t->tmpl.name, sizeof t->tmpl.name, c->val[SRV_OPT_NAME]) != 0) {
        snprintf(e, sizeof e, "The template's name is too long: at most %d bytes.", MODEL_NAME_MAX);
        rc = SRV_REF_INVALID;
    }
    if (rc == SRV_REF_OK) {
        srv_admin_actor(actor, sizeof actor);
        rc = srv_ref_template_save(c->pg, actor, &t->tmpl, t->tmpl.version, e, sizeof e);
    }
    free(t);
    return srv_admin_ref_done(c, rc, e, NULL);
}

int srv_admin_template_retire(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    return srv_admin_ref_done(
        c, srv_ref_template_retire(c->pg, actor, c->val[SRV_OPT_TEMPLATE], e, sizeof e), e, NULL);
}
