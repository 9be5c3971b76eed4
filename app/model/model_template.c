/*
 * Observation templates as JSON documents. A template arrives from the server
 * or from an admin's file, so it is untrusted: the parser refuses unknown
 * fields, wrong types, duplicate keys and values out of range, each with a
 * message that names the field, and fills the struct only when all is well.
 *
 * The document:
 *   {"id", "unit_id", "version", "name",
 *    "scale": [label, ...],                       lowest first, 2..5
 *    "counters": [{"key","label"}, ...],          0..12
 *    "states": [{"key","label"}, ...],            0..8
 *    "interval": {"minutes", "options": [{"key","label"}, ...]},   optional
 *    "context": [{"key","label","type":"int"|"text"|"choice","min","max","options"}, ...],
 *    "prompts": [text, ...], "phrases": [text, ...],
 *    "thresholds": {"green_pct", "yellow_pct"},
 *    "texts": {"en": {"name", "scale", "counters", "states",
 *                     "interval_options", "context", "prompts",
 *                     "phrases"}, ...}}                     optional
 *
 * "texts" gives the template's words in other languages (at most
 * MODEL_MAX_TEXT_LANGS, each a two-letter code): every member optional,
 * every list of plain texts parallel to the template's own list of that
 * name (same length, same order), so that keys stay one. A template
 * without "texts" is written exactly as before the field existed.
 */
#include "model.h"
#include "model_int.h"
#include "model_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail model_fail

/* Template strings are read as text of any content here; what a name, key
 * or label must look like is model_template_check()'s, with its messages. */
#define STR(o, k, dst, where, err) model_rd_text(o, k, dst, sizeof(dst), 0, 1, where, err)

static int get_items(json_t *obj, const char *name, size_t max, model_item *items, int *n,
                     model_err *err)
{
    static const char *const fields[] = {"key", "label", NULL};
    json_t *arr;
    if (model_rd_array(obj, name, max, 1, &arr, "The template", err))
        return -1;
    *n = 0;
    size_t i;
    json_t *it;
    json_array_foreach (arr, i, it) {
        char where[64];
        snprintf(where, sizeof where, "Template %s entry %zu", name, i + 1);
        if (!json_is_object(it))
            return model_err_set(err, MODEL_E_TYPE, "%s must be an object.", where);
        if (model_rd_only(it, fields, where, err) || STR(it, "key", items[i].key, where, err) ||
            STR(it, "label", items[i].label, where, err))
            return -1;
        (*n)++;
    }
    return 0;
}

/* A list of short texts (the scale's labels, prompts, phrases), each of at
 * most cap - 1 bytes. */
static int get_texts(json_t *obj, const char *name, size_t max, char *dst, size_t cap, int *n,
                     model_err *err)
{
    json_t *arr;
    if (model_rd_array(obj, name, max, 1, &arr, "The template", err))
        return -1;
    *n = 0;
    size_t i;
    json_t *it;
    json_array_foreach (arr, i, it) {
        if (!json_is_string(it))
            return model_err_set(err, MODEL_E_TYPE, "Template %s entry %zu must be text.", name,
                                 i + 1);
        if (json_string_length(it) >= cap)
            return model_err_set(err, MODEL_E_VALUE,
                                 "Template %s entry %zu is too long (at most %zu bytes).", name,
                                 i + 1, cap - 1);
        memcpy(dst + i * cap, json_string_value(it), json_string_length(it) + 1);
        (*n)++;
    }
    return 0;
}

static int get_context(json_t *root, model_template *t, model_err *err)
{
    static const char *const cf[] = {"key", "label", "type", "min", "max", "options", NULL};
    json_t *ctx;
    if (model_rd_array(root, "context", MODEL_MAX_CONTEXT, 1, &ctx, "The template", err))
        return -1;
    size_t i;
    json_t *it;
    json_array_foreach (ctx, i, it) {
        char wc[48];
        snprintf(wc, sizeof wc, "Template context entry %zu", i + 1);
        model_ctx_field *c = &t->context[i];
        char type[8];
        if (!json_is_object(it))
            return model_err_set(err, MODEL_E_TYPE, "%s must be an object.", wc);
        if (model_rd_only(it, cf, wc, err) || STR(it, "key", c->key, wc, err) ||
            STR(it, "label", c->label, wc, err) || STR(it, "type", type, wc, err))
            return -1;
        if (!strcmp(type, "int")) {
            c->type = MODEL_CTX_INT;
            if (model_rd_int(it, "min", &c->min, 0, 100000, wc, err) ||
                model_rd_int(it, "max", &c->max, 0, 100000, wc, err))
                return -1;
        } else if (!strcmp(type, "text")) {
            c->type = MODEL_CTX_TEXT;
            if (json_object_get(it, "min") || json_object_get(it, "max"))
                return model_err_set(err, MODEL_E_VALUE, "%s: a text field has no min or max.", wc);
        } else if (!strcmp(type, "choice")) {
            c->type = MODEL_CTX_CHOICE;
            if (json_object_get(it, "min") || json_object_get(it, "max"))
                return model_err_set(err, MODEL_E_VALUE, "%s: a choice has no min or max.", wc);
            if (get_texts(it, "options", MODEL_MAX_CTX_OPTIONS, c->options[0], sizeof c->options[0],
                          &c->n_options, err))
                return -1;
        } else {
            return model_err_set(err, MODEL_E_VALUE,
                                 "%s: \"type\" must be \"int\", \"text\" or \"choice\".", wc);
        }
        if (c->type != MODEL_CTX_CHOICE && json_object_get(it, "options"))
            return model_err_set(err, MODEL_E_VALUE, "%s: only a choice has options.", wc);
        t->n_context++;
    }
    return 0;
}

/* A list of a translation, parallel to the template's own list of n. */
static int get_tr(json_t *o, const char *name, int n, size_t max, char *dst, size_t cap, int *has,
                  const char *lang, model_err *err)
{
    int got = 0;
    if (get_texts(o, name, max, dst, cap, &got, err))
        return -1;
    *has = json_object_get(o, name) != NULL;
    if (*has && got != n)
        return model_err_set(err, MODEL_E_VALUE,
                             "The template's \"%s\" texts list %d %s, but the template has %d.",
                             lang, got, name, n);
    return 0;
}

static int get_translations(json_t *root, model_template *t, model_err *err)
{
    static const char *const tf[] = {"name",    "scale",   "counters", "states", "interval_options",
                                     "context", "prompts", "phrases",  NULL};
    json_t *all = json_object_get(root, "texts");
    if (!all)
        return 0;
    if (!json_is_object(all))
        return model_err_set(err, MODEL_E_TYPE, "The template's \"texts\" must be an object.");
    if (json_object_size(all) > MODEL_MAX_TEXT_LANGS)
        return model_err_set(err, MODEL_E_TOO_LARGE,
                             "The template has texts in more than %d languages.",
                             MODEL_MAX_TEXT_LANGS);
    const char *lang;
    json_t *o;
    json_object_foreach (all, lang, o) {
        model_template_texts *x = &t->texts[t->n_texts];
        char where[64];
        snprintf(where, sizeof where, "The template's \"%.8s\" texts", lang);
        if (strlen(lang) != 2 || lang[0] < 'a' || lang[0] > 'z' || lang[1] < 'a' || lang[1] > 'z')
            return model_err_set(err, MODEL_E_VALUE,
                                 "The template's texts are keyed by a two-letter language code.");
        if (!json_is_object(o))
            return model_err_set(err, MODEL_E_TYPE, "%s must be an object.", where);
        memcpy(x->lang, lang, 3);
        if (model_rd_only(o, tf, where, err) ||
            (json_object_get(o, "name") && STR(o, "name", x->name, where, err)) ||
            get_tr(o, "scale", t->n_scale, MODEL_MAX_SCALE, x->scale[0], sizeof x->scale[0],
                   &x->has_scale, lang, err) ||
            get_tr(o, "counters", t->n_counters, MODEL_MAX_COUNTERS, x->counters[0],
                   sizeof x->counters[0], &x->has_counters, lang, err) ||
            get_tr(o, "states", t->n_states, MODEL_MAX_STATES, x->states[0], sizeof x->states[0],
                   &x->has_states, lang, err) ||
            get_tr(o, "interval_options", t->n_interval_options, MODEL_MAX_INTERVAL_OPTIONS,
                   x->interval_options[0], sizeof x->interval_options[0], &x->has_interval_options,
                   lang, err) ||
            get_tr(o, "context", t->n_context, MODEL_MAX_CONTEXT, x->context[0],
                   sizeof x->context[0], &x->has_context, lang, err) ||
            get_tr(o, "prompts", t->n_prompts, MODEL_MAX_PROMPTS, x->prompts[0],
                   sizeof x->prompts[0], &x->has_prompts, lang, err) ||
            get_tr(o, "phrases", t->n_phrases, MODEL_MAX_PHRASES, x->phrases[0],
                   sizeof x->phrases[0], &x->has_phrases, lang, err))
            return -1;
        t->n_texts++;
    }
    return 0;
}

int model_template_from_json(json_t *root, model_template *out, model_err *err)
{
    static const char *const top[] = {"id",       "unit_id",    "version",  "name",    "scale",
                                      "counters", "states",     "interval", "context", "prompts",
                                      "phrases",  "thresholds", "texts",    NULL};
    static const char *const ivf[] = {"minutes", "options", NULL};
    static const char *const thf[] = {"green_pct", "yellow_pct", NULL};
    const char *w = "The template", *wi = "The template's interval",
               *wt = "The template's thresholds";
    if (!json_is_object(root))
        return model_err_set(err, MODEL_E_TYPE, "The template must be a JSON object.");
    model_template *t = calloc(1, sizeof *t);
    if (!t)
        return model_err_set(err, MODEL_E_NOMEM, "Out of memory.");
    int rc = -1;
    json_t *iv = json_object_get(root, "interval"), *th = json_object_get(root, "thresholds");
    if (model_rd_only(root, top, w, err) || STR(root, "id", t->id, w, err) ||
        STR(root, "unit_id", t->unit_id, w, err) ||
        model_rd_int(root, "version", &t->version, 1, 1000000, w, err) ||
        STR(root, "name", t->name, w, err) ||
        get_texts(root, "scale", MODEL_MAX_SCALE, t->scale[0], sizeof t->scale[0], &t->n_scale,
                  err) ||
        get_items(root, "counters", MODEL_MAX_COUNTERS, t->counters, &t->n_counters, err) ||
        get_items(root, "states", MODEL_MAX_STATES, t->states, &t->n_states, err))
        goto done;
    if (iv) {
        if (!json_is_object(iv)) {
            model_err_set(err, MODEL_E_TYPE, "%s must be an object.", wi);
            goto done;
        }
        if (model_rd_only(iv, ivf, wi, err) ||
            model_rd_int(iv, "minutes", &t->interval_minutes, 1, 120, wi, err) ||
            get_items(iv, "options", MODEL_MAX_INTERVAL_OPTIONS, t->interval_options,
                      &t->n_interval_options, err))
            goto done;
    }
    if (get_context(root, t, err) ||
        get_texts(root, "prompts", MODEL_MAX_PROMPTS, t->prompts[0], sizeof t->prompts[0],
                  &t->n_prompts, err) ||
        get_texts(root, "phrases", MODEL_MAX_PHRASES, t->phrases[0], sizeof t->phrases[0],
                  &t->n_phrases, err))
        goto done;
    if (get_translations(root, t, err))
        goto done;
    if (!json_is_object(th)) {
        model_err_set(err, MODEL_E_TYPE, "%s must be an object with green_pct and yellow_pct.", wt);
        goto done;
    }
    char msg[200];
    if (model_rd_only(th, thf, wt, err) ||
        model_rd_int(th, "green_pct", &t->green_pct, 0, 100, wt, err) ||
        model_rd_int(th, "yellow_pct", &t->yellow_pct, 0, 100, wt, err))
        goto done;
    if (model_template_check(t, msg, sizeof msg)) {
        model_err_set(err, MODEL_E_VALUE, "%s", msg);
        goto done;
    }
    *out = *t;
    rc = 0;
done:
    free(t);
    return rc;
}

int model_template_parse(const char *json, size_t len, model_template *out, char *err,
                         size_t errlen)
{
    model_err e;
    json_t *root = model_rd_parse(json, len, MODEL_TEMPLATE_JSON_MAX, "The template", &e);
    int rc = root ? model_template_from_json(root, out, &e) : -1;
    json_decref(root);
    if (rc != 0)
        model_fail(err, errlen, "%s", e.msg);
    return rc;
}

/* A key must be unique among all counters, states and interval options of a
 * template, since events name them by key alone. */
static int key_seen(const model_template *t, const char *key)
{
    int n = 0;
    for (int i = 0; i < t->n_counters; i++)
        n += !strcmp(t->counters[i].key, key);
    for (int i = 0; i < t->n_states; i++)
        n += !strcmp(t->states[i].key, key);
    for (int i = 0; i < t->n_interval_options; i++)
        n += !strcmp(t->interval_options[i].key, key);
    return n;
}

static int check_items(const model_template *t, const model_item *items, int n, const char *what,
                       char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        char where[64];
        snprintf(where, sizeof where, "Template %s entry %d key", what, i + 1);
        if (model_key_check(items[i].key, where, err, errlen))
            return -1;
        snprintf(where, sizeof where, "Template %s entry %d label", what, i + 1);
        if (model_name_check(items[i].label, MODEL_LABEL_MAX, where, err, errlen))
            return -1;
        if (key_seen(t, items[i].key) > 1)
            return fail(err, errlen, "The template uses the key \"%s\" more than once.",
                        items[i].key);
    }
    return 0;
}

/* Each given text of a translation is a name like the template's own; a
 * list is given whole or not at all. */
static int check_tr_list(const char *list, size_t cap, int n, int has, size_t max, const char *what,
                         char *err, size_t errlen)
{
    for (int i = 0; has && i < n; i++)
        if (model_name_check(list + (size_t)i * cap, max, what, err, errlen))
            return -1;
    return 0;
}

static int check_translations(const model_template *t, char *err, size_t errlen)
{
    if (t->n_texts < 0 || t->n_texts > MODEL_MAX_TEXT_LANGS)
        return fail(err, errlen, "The template has texts in more than %d languages.",
                    MODEL_MAX_TEXT_LANGS);
    for (int k = 0; k < t->n_texts; k++) {
        const model_template_texts *x = &t->texts[k];
        if (strlen(x->lang) != 2 || x->lang[0] < 'a' || x->lang[0] > 'z' || x->lang[1] < 'a' ||
            x->lang[1] > 'z')
            return fail(err, errlen,
                        "The template's texts are keyed by a two-letter language code.");
        for (int j = 0; j < k; j++)
            if (!strcmp(x->lang, t->texts[j].lang))
                return fail(err, errlen, "The template has two sets of \"%s\" texts.", x->lang);
        if ((x->name[0] && model_name_check(x->name, MODEL_NAME_MAX, "A translated template name",
                                            err, errlen)) ||
            check_tr_list(x->scale[0], sizeof x->scale[0], t->n_scale, x->has_scale,
                          MODEL_LABEL_MAX, "A translated scale label", err, errlen) ||
            check_tr_list(x->counters[0], sizeof x->counters[0], t->n_counters, x->has_counters,
                          MODEL_LABEL_MAX, "A translated counter label", err, errlen) ||
            check_tr_list(x->states[0], sizeof x->states[0], t->n_states, x->has_states,
                          MODEL_LABEL_MAX, "A translated state label", err, errlen) ||
            check_tr_list(x->interval_options[0], sizeof x->interval_options[0],
                          t->n_interval_options, x->has_interval_options, MODEL_LABEL_MAX,
                          "A translated interval option", err, errlen) ||
            check_tr_list(x->context[0], sizeof x->context[0], t->n_context, x->has_context,
                          MODEL_LABEL_MAX, "A translated context label", err, errlen) ||
            check_tr_list(x->prompts[0], sizeof x->prompts[0], t->n_prompts, x->has_prompts,
                          MODEL_PHRASE_MAX, "A translated note prompt", err, errlen) ||
            check_tr_list(x->phrases[0], sizeof x->phrases[0], t->n_phrases, x->has_phrases,
                          MODEL_PHRASE_MAX, "A translated quick phrase", err, errlen))
            return -1;
    }
    return 0;
}

int model_template_check(const model_template *t, char *err, size_t errlen)
{
    if (model_id_check(t->id, "The template's id", err, errlen) ||
        model_id_check(t->unit_id, "The template's unit", err, errlen) ||
        model_name_check(t->name, MODEL_NAME_MAX, "The template's name", err, errlen))
        return -1;
    if (t->version < 1)
        return fail(err, errlen, "The template's version must be 1 or more.");
    if (t->n_scale < 2 || t->n_scale > MODEL_MAX_SCALE)
        return fail(err, errlen, "A template's sign scale needs 2 to %d levels.", MODEL_MAX_SCALE);
    for (int i = 0; i < t->n_scale; i++)
        if (model_name_check(t->scale[i], MODEL_LABEL_MAX, "A scale label", err, errlen))
            return -1;
    if (t->n_counters < 0 || t->n_counters > MODEL_MAX_COUNTERS || t->n_states < 0 ||
        t->n_states > MODEL_MAX_STATES || t->n_interval_options < 0 ||
        t->n_interval_options > MODEL_MAX_INTERVAL_OPTIONS || t->n_context < 0 ||
        t->n_context > MODEL_MAX_CONTEXT || t->n_prompts < 0 || t->n_prompts > MODEL_MAX_PROMPTS ||
        t->n_phrases < 0 || t->n_phrases > MODEL_MAX_PHRASES)
        return fail(err, errlen, "The template has too many entries in a list.");
    if (check_items(t, t->counters, t->n_counters, "counters", err, errlen) ||
        check_items(t, t->states, t->n_states, "states", err, errlen) ||
        check_items(t, t->interval_options, t->n_interval_options, "interval options", err, errlen))
        return -1;
    if (t->interval_minutes < 0 || t->interval_minutes > 120)
        return fail(err, errlen, "The template's interval must be 0 to 120 minutes.");
    if ((t->interval_minutes > 0) != (t->n_interval_options > 0))
        return fail(err, errlen, "Interval sampling needs both minutes and options.");
    for (int i = 0; i < t->n_context; i++) {
        const model_ctx_field *c = &t->context[i];
        if (model_key_check(c->key, "A context field's key", err, errlen) ||
            model_name_check(c->label, MODEL_LABEL_MAX, "A context field's label", err, errlen))
            return -1;
        if (c->type != MODEL_CTX_INT && c->type != MODEL_CTX_TEXT && c->type != MODEL_CTX_CHOICE)
            return fail(err, errlen, "Context field \"%s\" has an unknown type.", c->key);
        if (c->type == MODEL_CTX_INT && (c->min < 0 || c->min > c->max))
            return fail(err, errlen, "Context field \"%s\": min must not exceed max.", c->key);
        if (c->type == MODEL_CTX_CHOICE &&
            (c->n_options < 2 || c->n_options > MODEL_MAX_CTX_OPTIONS))
            return fail(err, errlen, "Context field \"%s\": a choice needs 2 to %d options.",
                        c->key, MODEL_MAX_CTX_OPTIONS);
        for (int o = 0; c->type == MODEL_CTX_CHOICE && o < c->n_options; o++) {
            if (model_name_check(c->options[o], MODEL_LABEL_MAX, "A choice's option", err, errlen))
                return -1;
            for (int p = 0; p < o; p++)
                if (!strcmp(c->options[o], c->options[p]))
                    return fail(err, errlen, "Context field \"%s\" offers \"%s\" twice.", c->key,
                                c->options[o]);
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(c->key, t->context[j].key))
                return fail(err, errlen, "The template has two context fields \"%s\".", c->key);
    }
    for (int i = 0; i < t->n_prompts; i++)
        if (model_name_check(t->prompts[i], MODEL_PHRASE_MAX, "A note prompt", err, errlen))
            return -1;
    for (int i = 0; i < t->n_phrases; i++)
        if (model_name_check(t->phrases[i], MODEL_PHRASE_MAX, "A quick phrase", err, errlen))
            return -1;
    if (t->green_pct < 0 || t->green_pct > 100 || t->yellow_pct < 0 || t->yellow_pct > t->green_pct)
        return fail(err, errlen, "Thresholds must satisfy 0 <= yellow_pct <= green_pct <= 100.");
    return check_translations(t, err, errlen);
}

static json_t *items_json(const model_item *items, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a,
                              json_pack("{s:s,s:s}", "key", items[i].key, "label", items[i].label));
    return a;
}

static json_t *texts_json(const char (*texts)[MODEL_PHRASE_MAX + 1], int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(texts[i]));
    return a;
}

/* A list of n texts of cap bytes each, as JSON. */
static json_t *list_json(const char *list, size_t cap, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(list + (size_t)i * cap));
    return a;
}

/* Adds the list to o when the translation gives it; 0, or -1 out of memory. */
static int put_list(json_t *o, const char *name, int has, const char *list, size_t cap, int n)
{
    if (!has)
        return 0;
    json_t *a = list_json(list, cap, n);
    return a && json_object_set_new(o, name, a) == 0 ? 0 : -1;
}

static json_t *translations_json(const model_template *t)
{
    json_t *all = json_object();
    for (int k = 0; all && k < t->n_texts; k++) {
        const model_template_texts *x = &t->texts[k];
        json_t *o = json_object();
        if (!o || (x->name[0] && json_object_set_new(o, "name", json_string(x->name)) != 0) ||
            put_list(o, "scale", x->has_scale, x->scale[0], sizeof x->scale[0], t->n_scale) ||
            put_list(o, "counters", x->has_counters, x->counters[0], sizeof x->counters[0],
                     t->n_counters) ||
            put_list(o, "states", x->has_states, x->states[0], sizeof x->states[0], t->n_states) ||
            put_list(o, "interval_options", x->has_interval_options, x->interval_options[0],
                     sizeof x->interval_options[0], t->n_interval_options) ||
            put_list(o, "context", x->has_context, x->context[0], sizeof x->context[0],
                     t->n_context) ||
            put_list(o, "prompts", x->has_prompts, x->prompts[0], sizeof x->prompts[0],
                     t->n_prompts) ||
            put_list(o, "phrases", x->has_phrases, x->phrases[0], sizeof x->phrases[0],
                     t->n_phrases) ||
            json_object_set_new(all, x->lang, o) != 0) {
            json_decref(o);
            json_decref(all);
            return NULL;
        }
    }
    return all;
}

void model_template_localize(model_template *t, const char *lang)
{
    const model_template_texts *x = NULL;
    for (int k = 0; lang && k < t->n_texts; k++)
        if (!strcmp(t->texts[k].lang, lang))
            x = &t->texts[k];
    if (!x)
        return;
    if (x->name[0])
        snprintf(t->name, sizeof t->name, "%s", x->name);
    for (int i = 0; x->has_scale && i < t->n_scale; i++)
        snprintf(t->scale[i], sizeof t->scale[i], "%s", x->scale[i]);
    for (int i = 0; x->has_counters && i < t->n_counters; i++)
        snprintf(t->counters[i].label, sizeof t->counters[i].label, "%s", x->counters[i]);
    for (int i = 0; x->has_states && i < t->n_states; i++)
        snprintf(t->states[i].label, sizeof t->states[i].label, "%s", x->states[i]);
    for (int i = 0; x->has_interval_options && i < t->n_interval_options; i++)
        snprintf(t->interval_options[i].label, sizeof t->interval_options[i].label, "%s",
                 x->interval_options[i]);
    for (int i = 0; x->has_context && i < t->n_context; i++)
        snprintf(t->context[i].label, sizeof t->context[i].label, "%s", x->context[i]);
    for (int i = 0; x->has_prompts && i < t->n_prompts; i++)
        snprintf(t->prompts[i], sizeof t->prompts[i], "%s", x->prompts[i]);
    for (int i = 0; x->has_phrases && i < t->n_phrases; i++)
        snprintf(t->phrases[i], sizeof t->phrases[i], "%s", x->phrases[i]);
}

char *model_template_to_json(const model_template *t)
{
    json_t *scale = json_array();
    for (int i = 0; scale && i < t->n_scale; i++)
        json_array_append_new(scale, json_string(t->scale[i]));
    json_t *ctx = json_array();
    for (int i = 0; ctx && i < t->n_context; i++) {
        const model_ctx_field *c = &t->context[i];
        json_t *o;
        if (c->type == MODEL_CTX_INT) {
            o = json_pack("{s:s,s:s,s:s,s:i,s:i}", "key", c->key, "label", c->label, "type", "int",
                          "min", c->min, "max", c->max);
        } else if (c->type == MODEL_CTX_CHOICE) {
            json_t *opts = json_array();
            for (int k = 0; opts && k < c->n_options; k++)
                json_array_append_new(opts, json_string(c->options[k]));
            o = json_pack("{s:s,s:s,s:s,s:o}", "key", c->key, "label", c->label, "type", "choice",
                          "options", opts);
        } else {
            o = json_pack("{s:s,s:s,s:s}", "key", c->key, "label", c->label, "type", "text");
        }
        json_array_append_new(ctx, o);
    }
    /* json_pack with "o" steals the references, also on failure. */
    json_t *root = json_pack("{s:s,s:s,s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:i,s:i}}", "id", t->id,
                             "unit_id", t->unit_id, "version", t->version, "name", t->name, "scale",
                             scale, "counters", items_json(t->counters, t->n_counters), "states",
                             items_json(t->states, t->n_states), "context", ctx, "prompts",
                             texts_json(t->prompts, t->n_prompts), "phrases",
                             texts_json(t->phrases, t->n_phrases), "thresholds", "green_pct",
                             t->green_pct, "yellow_pct", t->yellow_pct);
    if (!root)
        return NULL;
    if (t->interval_minutes > 0) {
        json_t *iv = json_pack("{s:i,s:o}", "minutes", t->interval_minutes, "options",
                               items_json(t->interval_options, t->n_interval_options));
        if (!iv || json_object_set_new(root, "interval", iv) != 0) {
            json_decref(root);
            return NULL;
        }
    }
    if (t->n_texts > 0) {
        json_t *all = translations_json(t);
        if (!all || json_object_set_new(root, "texts", all) != 0) {
            json_decref(root);
            return NULL;
        }
    }
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

int model_context_check(const model_template *t, const char *json, char *err, size_t errlen)
{
    if (!json || !*json)
        return 0;
    size_t len = strlen(json);
    if (len >= MODEL_CONTEXT_JSON_MAX)
        return fail(err, errlen, "The context is too large: %zu bytes, at most %d.", len,
                    MODEL_CONTEXT_JSON_MAX - 1);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return fail(err, errlen, "The context is not valid JSON: %s.", je.text);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = fail(err, errlen, "The context must be a JSON object.");
        goto done;
    }
    const char *k;
    json_t *v;
    json_object_foreach (root, k, v) {
        const model_ctx_field *c = NULL;
        for (int i = 0; i < t->n_context; i++)
            if (!strcmp(t->context[i].key, k))
                c = &t->context[i];
        if (!c) {
            rc = fail(err, errlen, "The template has no context field \"%.40s\".", k);
            goto done;
        }
        if (c->type == MODEL_CTX_INT) {
            if (!json_is_integer(v) || json_integer_value(v) < c->min ||
                json_integer_value(v) > c->max) {
                rc = fail(err, errlen, "%s must be a whole number from %d to %d.", c->label, c->min,
                          c->max);
                goto done;
            }
        } else if (c->type == MODEL_CTX_CHOICE) {
            int found = 0;
            for (int o = 0; json_is_string(v) && o < c->n_options; o++)
                found |= !strcmp(json_string_value(v), c->options[o]);
            if (!found) {
                rc = fail(err, errlen, "%s must be one of the template's options.", c->label);
                goto done;
            }
        } else if (!json_is_string(v) || model_text_check(json_string_value(v), MODEL_NAME_MAX, 0,
                                                          c->label, err, errlen)) {
            if (!json_is_string(v))
                fail(err, errlen, "%s must be text.", c->label);
            rc = -1;
            goto done;
        }
    }
done:
    json_decref(root);
    return rc;
}
