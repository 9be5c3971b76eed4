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

/* A focus from a JSON file. The file may leave out id, unit_id and version:
 * they are filled in. 0, or 1 with the reason on c->err. */
static int focus_from_file(const srv_admin_cmd *c, model_record *r)
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
    if (!json_object_get(j, "version"))
        json_object_set_new(j, "version", json_integer(1));
    proto_err pe;
    int rc = model_record_from_json(MODEL_ENT_FOCUS, j, r, &pe);
    json_decref(j);
    if (rc != 0) {
        fprintf(c->err, "focus-add: %s\n", pe.msg);
        return 1;
    }
    return 0;
}

/* A focus from the options; a usage error (2) when one that a focus needs
 * is missing, 1 when a value is refused. */
static int focus_from_options(const srv_admin_cmd *c, model_record *r)
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
    f->version = (int)srv_admin_num(c, SRV_OPT_VERSION, 1);
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

int srv_admin_focus_add(srv_admin_cmd *c)
{
    model_record r;
    memset(&r, 0, sizeof r);
    int rc = c->val[SRV_OPT_FILE] ? focus_from_file(c, &r) : focus_from_options(c, &r);
    if (rc != 0)
        return rc;
    if (strcmp(r.u.focus.unit_id, c->val[SRV_OPT_UNIT]) != 0) {
        fprintf(c->err, "focus-add: the file's unit_id is not --unit.\n");
        return 1;
    }
    return srv_admin_add(c, &r, r.u.focus.id);
}

int srv_admin_template_add(srv_admin_cmd *c)
{
    size_t len;
    char *doc = srv_admin_read_file(c, c->val[SRV_OPT_FILE], &len);
    if (!doc)
        return 1;
    model_record r;
    memset(&r, 0, sizeof r);
    r.entity = MODEL_ENT_TEMPLATE;
    char msg[300];
    int rc = model_template_parse(doc, len, &r.u.tmpl, msg, sizeof msg);
    free(doc);
    if (rc != 0) {
        fprintf(c->err, "template-add: %s\n", msg);
        return 1;
    }
    if (strcmp(r.u.tmpl.unit_id, c->val[SRV_OPT_UNIT]) != 0) {
        fprintf(c->err, "template-add: the template's unit_id is not --unit.\n");
        return 1;
    }
    return srv_admin_add(c, &r, r.u.tmpl.id);
}
