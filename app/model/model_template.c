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
 *    "context": [{"key","label","type":"int"|"text","min","max"}, ...],
 *    "prompts": [text, ...], "phrases": [text, ...],
 *    "thresholds": {"green_pct", "yellow_pct"}}
 */
#include "model.h"
#include "model_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail model_fail

/* Refuses any member of obj whose name is not in the NULL-terminated list. */
static int only_fields(json_t *obj, const char *const *allowed, const char *where, char *err,
                       size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        int known = 0;
        for (const char *const *a = allowed; *a; a++)
            known |= !strcmp(k, *a);
        if (!known)
            return fail(err, errlen, "%s has an unknown field \"%.40s\".", where, k);
    }
    return 0;
}

/* Copies a required string member into dst (cap bytes, NUL included). */
static int get_str(json_t *obj, const char *name, char *dst, size_t cap, const char *where,
                   char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return fail(err, errlen, "%s: \"%s\" must be text.", where, name);
    if (json_string_length(v) >= cap)
        return fail(err, errlen, "%s: \"%s\" is too long (at most %zu bytes).", where, name,
                    cap - 1);
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int get_int(json_t *obj, const char *name, int lo, int hi, int *dst, const char *where,
                   char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v))
        return fail(err, errlen, "%s: \"%s\" must be a whole number.", where, name);
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return fail(err, errlen, "%s: \"%s\" must be %d to %d.", where, name, lo, hi);
    *dst = (int)x;
    return 0;
}

/* Reads an optional array member; absent means empty. */
static int get_array(json_t *obj, const char *name, size_t max, json_t **out, char *err,
                     size_t errlen)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_array(v))
        return fail(err, errlen, "The template's \"%s\" must be a list.", name);
    if (json_array_size(v) > max)
        return fail(err, errlen, "The template's \"%s\" has more than %zu entries.", name, max);
    *out = v;
    return 0;
}

static int get_items(json_t *obj, const char *name, size_t max, model_item *items, int *n,
                     char *err, size_t errlen)
{
    static const char *const fields[] = {"key", "label", NULL};
    json_t *arr;
    if (get_array(obj, name, max, &arr, err, errlen))
        return -1;
    *n = 0;
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it) {
        char where[64];
        snprintf(where, sizeof where, "Template %s entry %zu", name, i + 1);
        if (!json_is_object(it))
            return fail(err, errlen, "%s must be an object.", where);
        if (only_fields(it, fields, where, err, errlen) ||
            get_str(it, "key", items[i].key, sizeof items[i].key, where, err, errlen) ||
            get_str(it, "label", items[i].label, sizeof items[i].label, where, err, errlen))
            return -1;
        (*n)++;
    }
    return 0;
}

static int get_texts(json_t *obj, const char *name, size_t max, char (*dst)[MODEL_PHRASE_MAX + 1],
                     int *n, char *err, size_t errlen)
{
    json_t *arr;
    if (get_array(obj, name, max, &arr, err, errlen))
        return -1;
    *n = 0;
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it) {
        if (!json_is_string(it))
            return fail(err, errlen, "Template %s entry %zu must be text.", name, i + 1);
        if (json_string_length(it) > MODEL_PHRASE_MAX)
            return fail(err, errlen, "Template %s entry %zu is too long (at most %d bytes).", name,
                        i + 1, MODEL_PHRASE_MAX);
        memcpy(dst[i], json_string_value(it), json_string_length(it) + 1);
        (*n)++;
    }
    return 0;
}

int model_template_parse(const char *json, size_t len, model_template *out, char *err,
                         size_t errlen)
{
    static const char *const top[] = {"id",     "unit_id", "version", "name",    "scale",
                                      "counters", "states", "interval", "context", "prompts",
                                      "phrases", "thresholds", NULL};
    if (len > MODEL_TEMPLATE_JSON_MAX)
        return fail(err, errlen, "The template is too large: %zu bytes, at most %d.", len,
                    MODEL_TEMPLATE_JSON_MAX);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return fail(err, errlen, "The template is not valid JSON (line %d): %s.", je.line, je.text);
    model_template *t = calloc(1, sizeof *t);
    int rc = -1;
    if (!t) {
        fail(err, errlen, "Out of memory.");
        goto done;
    }
    const char *w = "The template";
    if (!json_is_object(root)) {
        fail(err, errlen, "The template must be a JSON object.");
        goto done;
    }
    if (only_fields(root, top, w, err, errlen) ||
        get_str(root, "id", t->id, sizeof t->id, w, err, errlen) ||
        get_str(root, "unit_id", t->unit_id, sizeof t->unit_id, w, err, errlen) ||
        get_int(root, "version", 1, 1000000, &t->version, w, err, errlen) ||
        get_str(root, "name", t->name, sizeof t->name, w, err, errlen))
        goto done;

    json_t *scale;
    if (get_array(root, "scale", MODEL_MAX_SCALE, &scale, err, errlen))
        goto done;
    size_t i;
    json_t *it;
    json_array_foreach(scale, i, it) {
        if (!json_is_string(it) || json_string_length(it) > MODEL_LABEL_MAX) {
            fail(err, errlen, "Template scale entry %zu must be a label of at most %d bytes.",
                 i + 1, MODEL_LABEL_MAX);
            goto done;
        }
        memcpy(t->scale[i], json_string_value(it), json_string_length(it) + 1);
        t->n_scale++;
    }
    if (get_items(root, "counters", MODEL_MAX_COUNTERS, t->counters, &t->n_counters, err, errlen) ||
        get_items(root, "states", MODEL_MAX_STATES, t->states, &t->n_states, err, errlen))
        goto done;

    json_t *iv = json_object_get(root, "interval");
    if (iv) {
        static const char *const ivf[] = {"minutes", "options", NULL};
        const char *wi = "The template's interval";
        if (!json_is_object(iv)) {
            fail(err, errlen, "%s must be an object.", wi);
            goto done;
        }
        if (only_fields(iv, ivf, wi, err, errlen) ||
            get_int(iv, "minutes", 1, 120, &t->interval_minutes, wi, err, errlen) ||
            get_items(iv, "options", MODEL_MAX_INTERVAL_OPTIONS, t->interval_options,
                      &t->n_interval_options, err, errlen))
            goto done;
    }

    json_t *ctx;
    if (get_array(root, "context", MODEL_MAX_CONTEXT, &ctx, err, errlen))
        goto done;
    json_array_foreach(ctx, i, it) {
        static const char *const cf[] = {"key", "label", "type", "min", "max", NULL};
        char wc[48];
        snprintf(wc, sizeof wc, "Template context entry %zu", i + 1);
        model_ctx_field *c = &t->context[i];
        char type[8];
        if (!json_is_object(it)) {
            fail(err, errlen, "%s must be an object.", wc);
            goto done;
        }
        if (only_fields(it, cf, wc, err, errlen) ||
            get_str(it, "key", c->key, sizeof c->key, wc, err, errlen) ||
            get_str(it, "label", c->label, sizeof c->label, wc, err, errlen) ||
            get_str(it, "type", type, sizeof type, wc, err, errlen))
            goto done;
        if (!strcmp(type, "int")) {
            c->type = MODEL_CTX_INT;
            if (get_int(it, "min", 0, 100000, &c->min, wc, err, errlen) ||
                get_int(it, "max", 0, 100000, &c->max, wc, err, errlen))
                goto done;
        } else if (!strcmp(type, "text")) {
            c->type = MODEL_CTX_TEXT;
            if (json_object_get(it, "min") || json_object_get(it, "max")) {
                fail(err, errlen, "%s: a text field has no min or max.", wc);
                goto done;
            }
        } else {
            fail(err, errlen, "%s: \"type\" must be \"int\" or \"text\".", wc);
            goto done;
        }
        t->n_context++;
    }
    if (get_texts(root, "prompts", MODEL_MAX_PROMPTS, t->prompts, &t->n_prompts, err, errlen) ||
        get_texts(root, "phrases", MODEL_MAX_PHRASES, t->phrases, &t->n_phrases, err, errlen))
        goto done;

    json_t *th = json_object_get(root, "thresholds");
    static const char *const thf[] = {"green_pct", "yellow_pct", NULL};
    const char *wt = "The template's thresholds";
    if (!json_is_object(th)) {
        fail(err, errlen, "%s must be an object with green_pct and yellow_pct.", wt);
        goto done;
    }
    if (only_fields(th, thf, wt, err, errlen) ||
        get_int(th, "green_pct", 0, 100, &t->green_pct, wt, err, errlen) ||
        get_int(th, "yellow_pct", 0, 100, &t->yellow_pct, wt, err, errlen))
        goto done;

    if (model_template_check(t, err, errlen))
        goto done;
    *out = *t;
    rc = 0;
done:
    free(t);
    json_decref(root);
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
        if (c->type != MODEL_CTX_INT && c->type != MODEL_CTX_TEXT)
            return fail(err, errlen, "Context field \"%s\" has an unknown type.", c->key);
        if (c->type == MODEL_CTX_INT && (c->min < 0 || c->min > c->max))
            return fail(err, errlen, "Context field \"%s\": min must not exceed max.", c->key);
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
    return 0;
}

static json_t *items_json(const model_item *items, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:s}", "key", items[i].key, "label",
                                           items[i].label));
    return a;
}

static json_t *texts_json(const char (*texts)[MODEL_PHRASE_MAX + 1], int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(texts[i]));
    return a;
}

char *model_template_to_json(const model_template *t)
{
    json_t *scale = json_array();
    for (int i = 0; scale && i < t->n_scale; i++)
        json_array_append_new(scale, json_string(t->scale[i]));
    json_t *ctx = json_array();
    for (int i = 0; ctx && i < t->n_context; i++) {
        const model_ctx_field *c = &t->context[i];
        json_t *o = c->type == MODEL_CTX_INT
                        ? json_pack("{s:s,s:s,s:s,s:i,s:i}", "key", c->key, "label", c->label,
                                    "type", "int", "min", c->min, "max", c->max)
                        : json_pack("{s:s,s:s,s:s}", "key", c->key, "label", c->label, "type",
                                    "text");
        json_array_append_new(ctx, o);
    }
    /* json_pack with "o" steals the references, also on failure. */
    json_t *root = json_pack("{s:s,s:s,s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:i,s:i}}", "id", t->id,
                             "unit_id", t->unit_id, "version", t->version, "name", t->name,
                             "scale", scale, "counters", items_json(t->counters, t->n_counters),
                             "states", items_json(t->states, t->n_states), "context", ctx,
                             "prompts", texts_json(t->prompts, t->n_prompts), "phrases",
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
    json_object_foreach(root, k, v) {
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
                rc = fail(err, errlen, "%s must be a whole number from %d to %d.", c->label,
                          c->min, c->max);
                goto done;
            }
        } else if (!json_is_string(v) ||
                   model_text_check(json_string_value(v), MODEL_NAME_MAX, 0, c->label, err,
                                    errlen)) {
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
