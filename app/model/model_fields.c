/*
 * A record in words: the fields of a part of an observation that a person
 * compares (on the review screen, two versions side by side), typed so that
 * the screen can show times as dates and yes/no in the person's language.
 */
#include "model_json.h"

#include <stdio.h>
#include <string.h>

/* Copies text into dst (cap bytes) as one line: cut if need be before a
 * whole UTF-8 character (a long note is shown by its beginning), newlines
 * and tabs as spaces. */
static void copy_cut(char *dst, size_t cap, const char *text)
{
    size_t len = strlen(text);
    if (len >= cap) {
        len = cap - 1;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    for (size_t i = 0; i < len; i++)
        dst[i] = text[i] == '\n' || text[i] == '\t' || text[i] == '\r' ? ' ' : text[i];
    dst[len] = 0;
}

/* The next field of the list, cleared and named; NULL once max are taken
 * (the rest of the record is left out rather than written past the end). */
static model_field *next_field(model_field *out, int max, int *n, const char *name, int kind)
{
    if (*n >= max)
        return NULL;
    model_field *f = &out[(*n)++];
    memset(f, 0, sizeof *f);
    f->name = name;
    f->kind = kind;
    return f;
}

static void add_text(model_field *out, int max, int *n, const char *name, const char *text)
{
    model_field *f = next_field(out, max, n, name, MODEL_FIELD_TEXT);
    if (f)
        copy_cut(f->text, sizeof f->text, text);
}

static void add_num(model_field *out, int max, int *n, const char *name, int kind, int64_t v)
{
    model_field *f = next_field(out, max, n, name, kind);
    if (!f)
        return;
    f->number = v;
    snprintf(f->text, sizeof f->text, "%lld", (long long)v);
}

static void add_word(model_field *out, int max, int *n, const char *name, const char *w)
{
    model_field *f = next_field(out, max, n, name, MODEL_FIELD_WORD);
    if (f)
        copy_cut(f->text, sizeof f->text, w ? w : "?");
}

/* An observation's context as "key: value, ...", in the order it was
 * written; the text as stored if it is not an object. */
static void context_words(const char *json, char *out, size_t cap)
{
    json_t *j = json_loads(json[0] ? json : "{}", 0, NULL);
    if (!json_is_object(j)) {
        copy_cut(out, cap, json);
        json_decref(j);
        return;
    }
    size_t used = 0;
    const char *k;
    json_t *v;
    out[0] = 0;
    json_object_foreach (j, k, v) {
        char val[MODEL_NAME_MAX + 1];
        if (json_is_string(v))
            snprintf(val, sizeof val, "%s", json_string_value(v));
        else
            snprintf(val, sizeof val, "%lld", (long long)json_integer_value(v));
        int w = snprintf(out + used, cap - used, "%s%s: %s", used ? ", " : "", k, val);
        if (w < 0 || (size_t)w >= cap - used) {
            out[used] = 0; /* what fits, never half a value */
            break;
        }
        used += (size_t)w;
    }
    json_decref(j);
}

int model_record_fields(const model_record *r, model_field *out, int max)
{
    int n = 0;
    switch (r->entity) {
    case MODEL_ENT_OBSERVATION: {
        const model_observation *o = &r->u.obs;
        char ctx[160];
        context_words(o->context_json, ctx, sizeof ctx);
        add_text(out, max, &n, "activity", o->activity);
        add_text(out, max, &n, "context", ctx);
        add_num(out, max, &n, "agreement", MODEL_FIELD_BOOL, o->agreement != 0);
        add_num(out, max, &n, "started_at", MODEL_FIELD_TIME, o->started_at);
        add_num(out, max, &n, "ended_at", MODEL_FIELD_TIME, o->ended_at);
        add_word(out, max, &n, "status", model_obs_status_word(o->status));
        add_num(out, max, &n, "revision", MODEL_FIELD_INT, o->revision);
        add_num(out, max, &n, "updated_at", MODEL_FIELD_TIME, o->updated_at);
        break;
    }
    case MODEL_ENT_EVENT:
        add_word(out, max, &n, "kind", model_event_kind_word(r->u.event.kind));
        add_text(out, max, &n, "key", r->u.event.key);
        add_num(out, max, &n, "at", MODEL_FIELD_TIME, r->u.event.at);
        break;
    case MODEL_ENT_NOTE:
        add_num(out, max, &n, "at", MODEL_FIELD_TIME, r->u.note.at);
        add_text(out, max, &n, "text", r->u.note.text);
        break;
    case MODEL_ENT_RATING:
        add_num(out, max, &n, "level", MODEL_FIELD_INT, r->u.rating.level);
        add_num(out, max, &n, "at", MODEL_FIELD_TIME, r->u.rating.at);
        break;
    case MODEL_ENT_FEEDBACK:
        add_text(out, max, &n, "works", r->u.feedback.works);
        add_text(out, max, &n, "wonderings", r->u.feedback.wonderings);
        add_text(out, max, &n, "next_step", r->u.feedback.next_step);
        add_num(out, max, &n, "given_at", MODEL_FIELD_TIME, r->u.feedback.given_at);
        add_num(out, max, &n, "updated_at", MODEL_FIELD_TIME, r->u.feedback.updated_at);
        break;
    case MODEL_ENT_REFLECTION:
        add_text(out, max, &n, "text", r->u.reflection.text);
        add_text(out, max, &n, "next_step", r->u.reflection.next_step);
        add_num(out, max, &n, "updated_at", MODEL_FIELD_TIME, r->u.reflection.updated_at);
        break;
    default: break;
    }
    return n;
}
