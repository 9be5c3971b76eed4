/*
 * Records as JSON (model_json.h): one object per model.h struct, with the
 * same field names. Every field is always written and always required, so
 * that a record means exactly one thing and a decoded record re-encodes into
 * the same canonical text (which is what idempotency hashes). The store's
 * outbox, the wire and the server's database all hold this text.
 */
#include "model_int.h"
#include "model_json.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const entity_names[MODEL_ENT_COUNT] = {
    "unit", "room",   "person",   "focus",      "template", "observation", "event",
    "note", "rating", "feedback", "reflection", "deleted",  "plan",        "plan_agreement",
};

static const char *const roles[] = {"peer", "leader"};
const char *const model_pillar_words[MODEL_PILLAR_COUNT + 1] = {
    "values", "learning", "collaboration", "dialogue", "judgement", NULL};
static const char *const statuses[] = {"draft", "finished"};
static const char *const ev_kinds[] = {"count", "state_start", "state_stop", "sample", "undo"};
static const char *const del_reasons[MODEL_DEL_REASON_COUNT] = {"retention", "person_request"};
/* What a deletion may name: only whole observations and people. */
static const char *const del_entities[] = {"observation", "person"};

const char *model_entity_name(model_entity e)
{
    return (int)e >= 0 && e < MODEL_ENT_COUNT ? entity_names[e] : "?";
}

int model_entity_parse(const char *name, model_entity *out)
{
    for (int i = 0; name && i < MODEL_ENT_COUNT; i++)
        if (!strcmp(name, entity_names[i])) {
            *out = (model_entity)i;
            return 0;
        }
    return -1;
}

int model_entity_is_part(model_entity e)
{
    return e >= MODEL_ENT_OBSERVATION && e <= MODEL_ENT_REFLECTION;
}

int model_entity_is_pushable(model_entity e)
{
    return model_entity_is_part(e) || e == MODEL_ENT_PLAN_AGREEMENT;
}

void model_record_key(const model_record *r, char key[MODEL_RECORD_KEY_MAX])
{
    const char *id = "";
    switch (r->entity) {
    case MODEL_ENT_UNIT: id = r->u.unit.id; break;
    case MODEL_ENT_ROOM: id = r->u.room.id; break;
    case MODEL_ENT_PERSON: id = r->u.person.id; break;
    case MODEL_ENT_FOCUS:
        snprintf(key, MODEL_RECORD_KEY_MAX, "%s/%d", r->u.focus.id, r->u.focus.version);
        return;
    case MODEL_ENT_TEMPLATE:
        snprintf(key, MODEL_RECORD_KEY_MAX, "%s/%d", r->u.tmpl.id, r->u.tmpl.version);
        return;
    case MODEL_ENT_OBSERVATION: id = r->u.obs.id; break;
    case MODEL_ENT_EVENT: id = r->u.event.id; break;
    case MODEL_ENT_NOTE: id = r->u.note.id; break;
    case MODEL_ENT_RATING:
        model_text_join(key, MODEL_RECORD_KEY_MAX, r->u.rating.observation_id, '/',
                        r->u.rating.sign_id);
        return;
    case MODEL_ENT_FEEDBACK: id = r->u.feedback.observation_id; break;
    case MODEL_ENT_REFLECTION: id = r->u.reflection.observation_id; break;
    case MODEL_ENT_DELETED:
        model_text_join(key, MODEL_RECORD_KEY_MAX, model_entity_name(r->u.deleted.entity), '/',
                        r->u.deleted.id);
        return;
    case MODEL_ENT_PLAN: id = r->u.plan.id; break;
    case MODEL_ENT_PLAN_AGREEMENT: id = r->u.agreement.plan_id; break;
    default: break;
    }
    model_text_join(key, MODEL_RECORD_KEY_MAX, id, 0, NULL);
}

const char *model_record_observation(const model_record *r)
{
    switch (r->entity) {
    case MODEL_ENT_OBSERVATION: return r->u.obs.id;
    case MODEL_ENT_EVENT: return r->u.event.observation_id;
    case MODEL_ENT_NOTE: return r->u.note.observation_id;
    case MODEL_ENT_RATING: return r->u.rating.observation_id;
    case MODEL_ENT_FEEDBACK: return r->u.feedback.observation_id;
    case MODEL_ENT_REFLECTION: return r->u.reflection.observation_id;
    default: return "";
    }
}

/* ---- encoding ---- */

/* A word for an enum value, or NULL with a message naming the field if the
 * value is not one of them (a struct filled by hand, or memory gone bad):
 * the record is then not written at all, rather than as some other word. */
static const char *word(const char *const *words, int n, int v, const char *what, const char *field,
                        model_err *err)
{
    if (v >= 0 && v < n)
        return words[v];
    model_err_set(err, MODEL_E_VALUE, "The %s: \"%s\" has no word for the value %d.", what, field,
                  v);
    return NULL;
}

const char *model_role_word(model_role r) { return word(roles, 2, (int)r, "person", "role", NULL); }

const char *model_pillar_word(model_pillar p)
{
    return word(model_pillar_words, MODEL_PILLAR_COUNT, (int)p, "focus", "pillar", NULL);
}

int model_pillar_parse(const char *w, model_pillar *out)
{
    for (int i = 0; w && i < MODEL_PILLAR_COUNT; i++)
        if (!strcmp(w, model_pillar_words[i])) {
            *out = (model_pillar)i;
            return 0;
        }
    return -1;
}

const char *model_obs_status_word(model_obs_status s)
{
    return word(statuses, 2, (int)s, "observation", "status", NULL);
}

const char *model_event_kind_word(model_event_kind k)
{
    return word(ev_kinds, 5, (int)k, "event", "kind", NULL);
}

/* json_pack() answers NULL for a NULL member and for memory running out;
 * the members are checked before, so NULL here means memory. */
static json_t *packed(json_t *j, model_entity k, model_err *err)
{
    if (!j)
        model_err_set(err, MODEL_E_NOMEM, "Out of memory while writing the %s.",
                      model_entity_name(k));
    return j;
}

/* The context travels as an object. The store and the codec once differed
 * here (one called a bad context "out of memory", the other sent "{}"); a
 * context that is not an object is now refused, naming the field, and
 * nothing is written. An empty context_json is the empty object. */
static json_t *obs_json(const model_observation *o, model_err *err)
{
    const char *st = word(statuses, 2, (int)o->status, "observation", "status", err);
    if (!st)
        return NULL;
    json_t *ctx;
    if (!o->context_json[0]) {
        ctx = json_object();
    } else {
        json_error_t je;
        ctx = json_loads(o->context_json, JSON_REJECT_DUPLICATES, &je);
        if (!ctx && json_error_code(&je) != json_error_out_of_memory) {
            model_err_set(err, MODEL_E_VALUE, "The observation: \"context\" is not valid JSON: %s.",
                          je.text);
            return NULL;
        }
        if (ctx && !json_is_object(ctx)) {
            json_decref(ctx);
            model_err_set(err, MODEL_E_VALUE, "The observation: \"context\" must be an object.");
            return NULL;
        }
    }
    if (o->pair_code[0]) {
        char msg[120];
        if (model_pair_code_check(o->pair_code, "\"pair_code\"", msg, sizeof msg) != 0) {
            json_decref(ctx);
            model_err_set(err, MODEL_E_VALUE, "The observation: %s", msg);
            return NULL;
        }
    }
    if (o->plan_id[0]) {
        char msg[120];
        if (model_id_check(o->plan_id, "\"plan_id\"", msg, sizeof msg) != 0) {
            json_decref(ctx);
            model_err_set(err, MODEL_E_VALUE, "The observation: %s", msg);
            return NULL;
        }
    }
    if ((o->team[0] != 0) == (o->observee_id[0] != 0)) {
        json_decref(ctx);
        model_err_set(err, MODEL_E_VALUE,
                      "The observation names its observee or, for a team, the team.");
        return NULL;
    }
    if (o->team[0]) {
        char msg[120];
        if (model_name_check(o->team, MODEL_NAME_MAX, "\"team\"", msg, sizeof msg) != 0) {
            json_decref(ctx);
            model_err_set(err, MODEL_E_VALUE, "The observation: %s", msg);
            return NULL;
        }
    }
    if (!ctx)
        return packed(NULL, MODEL_ENT_OBSERVATION, err);
    json_t *j = json_pack("{s:s,s:s,s:s,s:i,s:s,s:i,s:s,s:s,s:s,s:s,s:o,s:b,s:I,s:I,s:s,s:i,s:I}",
                          "id", o->id, "unit_id", o->unit_id, "focus_id", o->focus_id,
                          "focus_version", o->focus_version, "template_id", o->template_id,
                          "template_version", o->template_version, "observer_id", o->observer_id,
                          "observee_id", o->observee_id, "room_id", o->room_id, "activity",
                          o->activity, "context", ctx, "agreement", o->agreement, "started_at",
                          (json_int_t)o->started_at, "ended_at", (json_int_t)o->ended_at, "status",
                          st, "revision", o->revision, "updated_at", (json_int_t)o->updated_at);
    /* Written only when set, so that an observation made alone is the same
     * text, and hashes the same, as before pairs existed. */
    if (j && o->pair_code[0] && json_object_set_new(j, "pair_code", json_string(o->pair_code))) {
        json_decref(j);
        j = NULL;
    }
    /* The same for a plan: an unplanned observation keeps its old text. */
    if (j && o->plan_id[0] && json_object_set_new(j, "plan_id", json_string(o->plan_id))) {
        json_decref(j);
        j = NULL;
    }
    /* And for a team: an observation about a person keeps its old text. */
    if (j && o->team[0] && json_object_set_new(j, "team", json_string(o->team))) {
        json_decref(j);
        j = NULL;
    }
    return packed(j, MODEL_ENT_OBSERVATION, err);
}

static json_t *focus_json(const model_focus *f, model_err *err)
{
    const char *pillar = word(model_pillar_words, MODEL_PILLAR_COUNT, (int)f->pillar, "focus",
                              "pillar", err);
    if (!pillar)
        return NULL;
    if (f->n_signs < 0 || f->n_signs > MODEL_MAX_SIGNS) {
        model_err_set(err, MODEL_E_VALUE, "The focus: \"signs\" has %d entries.", f->n_signs);
        return NULL;
    }
    json_t *signs = json_array();
    for (int i = 0; signs && i < f->n_signs; i++)
        if (json_array_append_new(signs, json_pack("{s:s,s:s}", "id", f->signs[i].id, "text",
                                                   f->signs[i].text)) != 0) {
            json_decref(signs);
            signs = NULL;
        }
    /* json_pack with "o" steals signs, also on failure. */
    return packed(json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", f->id, "unit_id",
                            f->unit_id, "version", f->version, "question", f->question, "why",
                            f->why, "pillar", pillar, "period_from", f->period_from, "period_to",
                            f->period_to, "template_id", f->template_id, "signs", signs),
                  MODEL_ENT_FOCUS, err);
}

static json_t *template_json(const model_template *t, model_err *err)
{
    char *s = model_template_to_json(t);
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    free(s);
    return packed(j, MODEL_ENT_TEMPLATE, err);
}

static json_t *part_json(const model_record *r, model_err *err)
{
    model_entity k = r->entity;
    switch (k) {
    case MODEL_ENT_OBSERVATION: return obs_json(&r->u.obs, err);
    case MODEL_ENT_EVENT: {
        const model_event *e = &r->u.event;
        const char *kind = word(ev_kinds, 5, (int)e->kind, "event", "kind", err);
        return kind ? packed(json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "id", e->id, "observation_id",
                                       e->observation_id, "kind", kind, "key", e->key, "target_id",
                                       e->target_id, "at", (json_int_t)e->at),
                             k, err)
                    : NULL;
    }
    case MODEL_ENT_NOTE: {
        const model_note *n = &r->u.note;
        return packed(json_pack("{s:s,s:s,s:I,s:s,s:s}", "id", n->id, "observation_id",
                                n->observation_id, "at", (json_int_t)n->at, "text", n->text,
                                "sign_id", n->sign_id),
                      k, err);
    }
    case MODEL_ENT_RATING: {
        const model_rating *g = &r->u.rating;
        return packed(json_pack("{s:s,s:s,s:i,s:I}", "observation_id", g->observation_id, "sign_id",
                                g->sign_id, "level", g->level, "at", (json_int_t)g->at),
                      k, err);
    }
    case MODEL_ENT_FEEDBACK: {
        const model_feedback *f = &r->u.feedback;
        return packed(json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "observation_id",
                                f->observation_id, "author_id", f->author_id, "works", f->works,
                                "wonderings", f->wonderings, "next_step", f->next_step, "given_at",
                                (json_int_t)f->given_at, "updated_at", (json_int_t)f->updated_at),
                      k, err);
    }
    default: {
        const model_reflection *f = &r->u.reflection;
        return packed(json_pack("{s:s,s:s,s:s,s:s,s:I}", "observation_id", f->observation_id,
                                "author_id", f->author_id, "text", f->text, "next_step",
                                f->next_step, "updated_at", (json_int_t)f->updated_at),
                      k, err);
    }
    }
}

json_t *model_record_to_json(const model_record *r, model_err *err)
{
    model_entity k = r->entity;
    switch (k) {
    case MODEL_ENT_UNIT:
        return packed(json_pack("{s:s,s:s,s:i}", "id", r->u.unit.id, "name", r->u.unit.name,
                                "retention_days", r->u.unit.retention_days),
                      k, err);
    case MODEL_ENT_ROOM:
        return packed(json_pack("{s:s,s:s,s:s}", "id", r->u.room.id, "unit_id", r->u.room.unit_id,
                                "name", r->u.room.name),
                      k, err);
    case MODEL_ENT_PERSON: {
        const model_person *p = &r->u.person;
        const char *role = word(roles, 2, (int)p->role, "person", "role", err);
        return role ? packed(json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "id", p->id, "unit_id",
                                       p->unit_id, "name", p->name, "role", role, "pin_verifier",
                                       p->pin_verifier, "active", p->active),
                             k, err)
                    : NULL;
    }
    case MODEL_ENT_FOCUS: return focus_json(&r->u.focus, err);
    case MODEL_ENT_TEMPLATE: return template_json(&r->u.tmpl, err);
    case MODEL_ENT_PLAN: return model_plan_json(&r->u.plan, err);
    case MODEL_ENT_PLAN_AGREEMENT: return model_plan_agreement_json(&r->u.agreement, err);
    case MODEL_ENT_DELETED: {
        const model_deletion *d = &r->u.deleted;
        const char *why = word(del_reasons, MODEL_DEL_REASON_COUNT, (int)d->reason, "deletion",
                               "reason", err);
        if (!why)
            return NULL;
        if (d->entity != MODEL_ENT_OBSERVATION && d->entity != MODEL_ENT_PERSON) {
            model_err_set(err, MODEL_E_VALUE,
                          "The deletion: \"entity\" must be an observation "
                          "or a person.");
            return NULL;
        }
        return packed(json_pack("{s:s,s:s,s:s,s:s,s:I}", "entity", model_entity_name(d->entity),
                                "id", d->id, "unit_id", d->unit_id, "reason", why, "deleted_at",
                                (json_int_t)d->deleted_at),
                      k, err);
    }
    default:
        if (model_entity_is_part(k))
            return part_json(r, err);
        model_err_set(err, MODEL_E_VALUE, "A record of an unknown kind (%d) cannot be written.",
                      (int)k);
        return NULL;
    }
}

/* The texts through jansson: every kind of record (model_write.c writes
 * the parts of an observation itself, with the same bytes). */
int model_record_texts_dumped(const model_record *r, char **compact, char **sorted, model_err *err)
{
    json_t *j = model_record_to_json(r, err);
    if (!j)
        return -1;
    if (compact)
        *compact = json_dumps(j, JSON_COMPACT);
    if (sorted)
        *sorted = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if ((compact && !*compact) || (sorted && !*sorted)) {
        if (compact) {
            free(*compact);
            *compact = NULL;
        }
        if (sorted) {
            free(*sorted);
            *sorted = NULL;
        }
        return model_err_set(err, MODEL_E_NOMEM, "Out of memory while writing the %s.",
                             model_entity_name(r->entity));
    }
    return 0;
}

/* ---- decoding ---- */

#define T(k, dst, ml, empty) model_rd_text(j, k, dst, sizeof(dst), ml, empty, w, err)
#define ID(k, dst, empty) model_rd_id(j, k, dst, empty, w, err)
#define TIME(k, dst) model_rd_i64(j, k, &(dst), 0, MODEL_TIME_MAX, w, err)

static int model_msg(int rc, const char *msg, const char *w, model_err *err)
{
    return rc == 0 ? 0 : model_err_set(err, MODEL_E_VALUE, "%s: %s", w, msg);
}

static int rd_unit(json_t *j, model_unit *u, const char *w, model_err *err)
{
    static const char *const f[] = {"id", "name", "retention_days", NULL};
    char msg[200];
    if (model_rd_only(j, f, w, err) || ID("id", u->id, 0) || T("name", u->name, 0, 0) ||
        model_rd_int(j, "retention_days", &u->retention_days, 1, 36500, w, err))
        return -1;
    return model_msg(model_unit_check(u, msg, sizeof msg), msg, w, err);
}

static int rd_room(json_t *j, model_room *r, const char *w, model_err *err)
{
    static const char *const f[] = {"id", "unit_id", "name", NULL};
    char msg[200];
    if (model_rd_only(j, f, w, err) || ID("id", r->id, 0) || ID("unit_id", r->unit_id, 0) ||
        T("name", r->name, 0, 0))
        return -1;
    return model_msg(model_room_check(r, msg, sizeof msg), msg, w, err);
}

static int rd_person(json_t *j, model_person *p, const char *w, model_err *err)
{
    static const char *const f[] = {"id",           "unit_id", "name", "role",
                                    "pin_verifier", "active",  NULL};
    int role;
    char msg[200];
    if (model_rd_only(j, f, w, err) || ID("id", p->id, 0) || ID("unit_id", p->unit_id, 0) ||
        T("name", p->name, 0, 0) || model_rd_word(j, "role", roles, 2, &role, w, err) ||
        T("pin_verifier", p->pin_verifier, 0, 1) || model_rd_bool(j, "active", &p->active, w, err))
        return -1;
    p->role = role ? MODEL_ROLE_LEADER : MODEL_ROLE_PEER;
    if (p->pin_verifier[0] && strncmp(p->pin_verifier, "$argon2id$", 10) != 0)
        return model_err_set(err, MODEL_E_VALUE,
                             "%s: \"pin_verifier\" must be an argon2id verifier.", w);
    return model_msg(model_person_check(p, msg, sizeof msg), msg, w, err);
}

static int rd_focus(json_t *j, model_focus *f, const char *w, model_err *err)
{
    static const char *const fl[] = {"id",          "unit_id", "version",     "question",
                                     "why",         "pillar",  "period_from", "period_to",
                                     "template_id", "signs",   NULL};
    static const char *const sf[] = {"id", "text", NULL};
    int pillar;
    char msg[200];
    if (model_rd_only(j, fl, w, err) || ID("id", f->id, 0) || ID("unit_id", f->unit_id, 0) ||
        model_rd_int(j, "version", &f->version, 1, 1000000, w, err) ||
        T("question", f->question, 0, 0) || T("why", f->why, 1, 1) ||
        model_rd_word(j, "pillar", model_pillar_words, MODEL_PILLAR_COUNT, &pillar, w, err) ||
        T("period_from", f->period_from, 0, 0) || T("period_to", f->period_to, 0, 0) ||
        ID("template_id", f->template_id, 0))
        return -1;
    f->pillar = (model_pillar)pillar;
    json_t *signs;
    if (model_rd_array(j, "signs", MODEL_MAX_SIGNS, 0, &signs, w, err))
        return -1;
    f->n_signs = (int)json_array_size(signs);
    for (int i = 0; i < f->n_signs; i++) {
        char sw[80];
        snprintf(sw, sizeof sw, "%s: signs[%d]", w, i);
        json_t *s = json_array_get(signs, (size_t)i);
        if (!json_is_object(s))
            return model_err_set(err, MODEL_E_TYPE, "%s must be an object.", sw);
        if (model_rd_only(s, sf, sw, err) || model_rd_id(s, "id", f->signs[i].id, 0, sw, err) ||
            model_rd_text(s, "text", f->signs[i].text, sizeof f->signs[i].text, 0, 0, sw, err))
            return -1;
    }
    return model_msg(model_focus_check(f, msg, sizeof msg), msg, w, err);
}

static int rd_template(json_t *j, model_template *t, const char *w, model_err *err)
{
    model_err inner;
    if (model_template_from_json(j, t, &inner) == 0)
        return 0;
    return model_err_set(err, inner.code, "%s: %s", w, inner.msg);
}

/* An observation and its parts read from either source (model_obj): the
 * tree of a message or a document, or the members the scanner read. */
#define OT(k, dst, ml, empty) model_ob_text(j, k, dst, sizeof(dst), ml, empty, w, err)
#define OID(k, dst, empty) model_ob_id(j, k, dst, empty, w, err)
#define OTIME(k, dst) model_ob_i64(j, k, &(dst), 0, MODEL_TIME_MAX, w, err)

/* The most members a context the scanner reads may have; one with more is
 * read by the tree. */
#define CONTEXT_MEMBERS 32

/* An observation's context from the scanner's text of it (v), written as
 * jansson's compact dump writes the same object: its members in their
 * order, each key and text through model_json_string, each number in its
 * digits. 0, or -1 for anything the tree should read instead (not a flat
 * object of keys to whole numbers and short texts, a key or text the
 * checks refuse, too many members, too long), which it then reads or
 * refuses with its own reason. */
static int scan_context(const model_val *v, model_observation *o)
{
    model_member m[CONTEXT_MEMBERS];
    char room[MODEL_CONTEXT_JSON_MAX + 1], msg[160];
    char *b = room;
    size_t left = sizeof room;
    if (v->type != MODEL_V_OTHER || v->n + 1 > sizeof room)
        return -1;
    int n = model_scan_object(v->s, v->n, m, CONTEXT_MEMBERS, &b, &left);
    if (n < 0)
        return -1;
    size_t k = 0, cap = sizeof o->context_json;
    char *out = o->context_json;
    out[k++] = '{';
    for (int i = 0; i < n; i++) {
        const model_val *x = &m[i].v;
        if (model_key_check(m[i].key, "context key", msg, sizeof msg) != 0 ||
            (x->type != MODEL_V_STRING && x->type != MODEL_V_INT) ||
            (x->type == MODEL_V_STRING &&
             (strlen(x->s) != x->n ||
              model_text_check(x->s, MODEL_NAME_MAX, 0, m[i].key, msg, sizeof msg) != 0)))
            return -1;
        /* Room for a comma, the key, a colon, the value (a number's 20
         * digits at most), and the closing bracket and NUL after it. */
        size_t kl = model_json_string(NULL, 0, m[i].key);
        size_t vl = x->type == MODEL_V_STRING ? model_json_string(NULL, 0, x->s) : 20;
        if (k + (i > 0) + kl + 1 + vl + 2 > cap)
            return -1;
        if (i)
            out[k++] = ',';
        k += model_json_string(out + k, cap - k, m[i].key);
        out[k++] = ':';
        if (x->type == MODEL_V_STRING)
            k += model_json_string(out + k, cap - k, x->s);
        else
            k += model_json_int(out + k, x->i);
    }
    out[k++] = '}';
    out[k] = '\0';
    return 0;
}

/* An observation's context: a flat object of keys to whole numbers or short
 * texts, which the template's context fields describe, kept as its compact
 * text. From the scanner's members through scan_context; from the tree any
 * such object, checked and dumped by jansson. */
static int rd_context(const model_obj *ob, model_observation *o, const char *w, model_err *err)
{
    if (!ob->j) {
        model_val v;
        model_ob_get(ob, "context", &v);
        if (scan_context(&v, o) != 0)
            return model_err_set(err, MODEL_E_TYPE,
                                 "%s: this \"context\" is read only through JSON's tree.", w);
        return 0;
    }
    json_t *c = model_rd_need(ob->j, "context", w, err);
    if (!c)
        return -1;
    if (!json_is_object(c))
        return model_err_set(err, MODEL_E_TYPE, "%s: \"context\" must be an object.", w);
    const char *k;
    json_t *v;
    char msg[160];
    json_object_foreach (c, k, v) {
        if (model_key_check(k, "context key", msg, sizeof msg) != 0)
            return model_err_set(err, MODEL_E_VALUE, "%s: %s", w, msg);
        if (json_is_string(v)) {
            if (model_text_check(json_string_value(v), MODEL_NAME_MAX, 0, k, msg, sizeof msg))
                return model_err_set(err, MODEL_E_VALUE, "%s: context: %s", w, msg);
        } else if (!json_is_integer(v)) {
            return model_err_set(err, MODEL_E_TYPE,
                                 "%s: context value \"%s\" must be an integer or a string.", w, k);
        }
    }
    char *s = json_dumps(c, JSON_COMPACT);
    if (!s)
        return model_err_set(err, MODEL_E_NOMEM, "Out of memory.");
    size_t n = strlen(s);
    if (n >= sizeof o->context_json) {
        free(s);
        return model_err_set(err, MODEL_E_VALUE, "%s: \"context\" is too long (at most %zu bytes).",
                             w, sizeof o->context_json - 1);
    }
    memcpy(o->context_json, s, n + 1);
    free(s);
    return 0;
}

/* Whether the object has member k at all (null included). */
static int has(const model_obj *o, const char *k)
{
    model_val v;
    model_ob_get(o, k, &v);
    return v.type != MODEL_V_ABSENT;
}

/* An observation, from either source: the tree, or the members the
 * scanner read (a push or a pull carries one for every 50 parts, and
 * building jansson's tree for each was most of what reading it cost). */
static int rd_obs(const model_obj *j, model_observation *o, const char *w, model_err *err)
{
    static const char *const f[] = {
        "id",          "unit_id",          "focus_id",    "focus_version",
        "template_id", "template_version", "observer_id", "observee_id",
        "room_id",     "activity",         "context",     "agreement",
        "started_at",  "ended_at",         "status",      "revision",
        "updated_at",  "pair_code",        "plan_id",     "team",
        NULL};
    int st;
    if (model_ob_only(j, f, w, err) || OID("id", o->id, 0) || OID("unit_id", o->unit_id, 0) ||
        OID("focus_id", o->focus_id, 0) ||
        model_ob_int(j, "focus_version", &o->focus_version, 1, 1000000, w, err) ||
        OID("template_id", o->template_id, 0) ||
        model_ob_int(j, "template_version", &o->template_version, 1, 1000000, w, err) ||
        OID("observer_id", o->observer_id, 0) || OID("observee_id", o->observee_id, 1) ||
        OID("room_id", o->room_id, 1) || OT("activity", o->activity, 0, 1) ||
        rd_context(j, o, w, err) || model_ob_bool(j, "agreement", &o->agreement, w, err) ||
        OTIME("started_at", o->started_at) || OTIME("ended_at", o->ended_at) ||
        model_ob_word(j, "status", statuses, 2, &st, w, err) ||
        model_ob_int(j, "revision", &o->revision, 1, 1000000, w, err) ||
        OTIME("updated_at", o->updated_at))
        return -1;
    o->status = st ? MODEL_OBS_FINISHED : MODEL_OBS_DRAFT;
    /* Optional: absent is an observation made alone; present, it is a code
     * (never ""), so that each observation has one canonical text. */
    o->pair_code[0] = '\0';
    if (has(j, "pair_code")) {
        char msg[120];
        if (OT("pair_code", o->pair_code, 0, 0))
            return -1;
        if (model_pair_code_check(o->pair_code, "\"pair_code\"", msg, sizeof msg) != 0)
            return model_err_set(err, MODEL_E_VALUE, "%s: %s", w, msg);
    }
    /* Optional in the same way: absent for an observation not planned. */
    o->plan_id[0] = '\0';
    if (has(j, "plan_id") && OID("plan_id", o->plan_id, 0))
        return -1;
    /* Optional in the same way: present (never "") only for a team, and
     * then in place of an observee. */
    o->team[0] = '\0';
    if (has(j, "team")) {
        char msg[120];
        if (OT("team", o->team, 0, 0))
            return -1;
        if (model_name_check(o->team, MODEL_NAME_MAX, "\"team\"", msg, sizeof msg) != 0)
            return model_err_set(err, MODEL_E_VALUE, "%s: %s", w, msg);
    }
    if ((o->team[0] != 0) == (o->observee_id[0] != 0))
        return model_err_set(err, MODEL_E_VALUE,
                             "%s: an observation names its observee or, for a team, the team.", w);
    if (!o->agreement)
        return model_err_set(err, MODEL_E_VALUE,
                             "%s: an observation needs the observee's agreement.", w);
    if (!strcmp(o->observer_id, o->observee_id))
        return model_err_set(err, MODEL_E_VALUE, "%s: observer and observee must differ.", w);
    if (o->status == MODEL_OBS_FINISHED && o->ended_at < o->started_at)
        return model_err_set(err, MODEL_E_VALUE, "%s: \"ended_at\" is before \"started_at\".", w);
    return 0;
}

/* What an event's fields must say together, once each is read: an undo
 * names its target, and only an undo does; any other names its key. 0, or
 * -1 with msg. */
static int event_rules(const model_event *e, char *msg, size_t len)
{
    if (e->kind == MODEL_EV_UNDO) {
        if (!e->target_id[0]) {
            snprintf(msg, len, "an undo needs \"target_id\".");
            return -1;
        }
        return 0;
    }
    if (e->target_id[0]) {
        snprintf(msg, len, "only an undo has a \"target_id\".");
        return -1;
    }
    return model_key_check(e->key, "key", msg, len);
}

static int rd_event(const model_obj *j, model_event *e, const char *w, model_err *err)
{
    static const char *const f[] = {"id", "observation_id", "kind", "key", "target_id", "at", NULL};
    int kind;
    if (model_ob_only(j, f, w, err) || OID("id", e->id, 0) ||
        OID("observation_id", e->observation_id, 0) ||
        model_ob_word(j, "kind", ev_kinds, 5, &kind, w, err) || OT("key", e->key, 0, 1) ||
        OID("target_id", e->target_id, 1) || OTIME("at", e->at))
        return -1;
    e->kind = (model_event_kind)kind;
    char msg[160];
    if (event_rules(e, msg, sizeof msg) != 0)
        return model_err_set(err, MODEL_E_VALUE, "%s: %s", w, msg);
    return 0;
}

int model_event_check(const model_event *e, char *err, size_t errlen)
{
    char msg[160];
    if (model_id_check(e->id, "id", msg, sizeof msg) != 0 ||
        model_id_check(e->observation_id, "observation_id", msg, sizeof msg) != 0 ||
        (e->target_id[0] && model_id_check(e->target_id, "target_id", msg, sizeof msg) != 0)) {
        snprintf(err, errlen, "The event: %s", msg);
        return -1;
    }
    if ((int)e->kind < 0 || (int)e->kind >= (int)(sizeof ev_kinds / sizeof ev_kinds[0])) {
        snprintf(err, errlen, "The event: its kind (%d) is none of the five.", (int)e->kind);
        return -1;
    }
    if (e->at < 0 || e->at > MODEL_TIME_MAX) {
        snprintf(err, errlen, "The event: \"at\" must be 0 to %lld, not %lld.",
                 (long long)MODEL_TIME_MAX, (long long)e->at);
        return -1;
    }
    if (model_text_check(e->key, sizeof e->key - 1, 0, "key", msg, sizeof msg) != 0 ||
        event_rules(e, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "The event: %s", msg);
        return -1;
    }
    return 0;
}

/* A note's text may be empty on the wire: that is a note its observer
 * deleted. Its words are gone; its id and time stay, so that every copy of
 * it (the server's, other tablets') learns of the deletion like an edit. */
static int rd_note(const model_obj *j, model_note *n, const char *w, model_err *err)
{
    static const char *const f[] = {"id", "observation_id", "at", "text", "sign_id", NULL};
    return model_ob_only(j, f, w, err) || OID("id", n->id, 0) ||
                   OID("observation_id", n->observation_id, 0) || OTIME("at", n->at) ||
                   OT("text", n->text, 1, 1) || OID("sign_id", n->sign_id, 1)
               ? -1
               : 0;
}

static int rd_rating(const model_obj *j, model_rating *g, const char *w, model_err *err)
{
    static const char *const f[] = {"observation_id", "sign_id", "level", "at", NULL};
    return model_ob_only(j, f, w, err) || OID("observation_id", g->observation_id, 0) ||
                   OID("sign_id", g->sign_id, 0) ||
                   model_ob_int(j, "level", &g->level, -1, MODEL_MAX_SCALE - 1, w, err) ||
                   OTIME("at", g->at)
               ? -1
               : 0;
}

static int rd_feedback(const model_obj *j, model_feedback *f, const char *w, model_err *err)
{
    static const char *const fl[] = {"observation_id", "author_id", "works",      "wonderings",
                                     "next_step",      "given_at",  "updated_at", NULL};
    return model_ob_only(j, fl, w, err) || OID("observation_id", f->observation_id, 0) ||
                   OID("author_id", f->author_id, 0) || OT("works", f->works, 1, 1) ||
                   OT("wonderings", f->wonderings, 1, 1) || OT("next_step", f->next_step, 1, 1) ||
                   OTIME("given_at", f->given_at) || OTIME("updated_at", f->updated_at)
               ? -1
               : 0;
}

static int rd_reflection(const model_obj *j, model_reflection *f, const char *w, model_err *err)
{
    static const char *const fl[] = {"observation_id", "author_id",  "text",
                                     "next_step",      "updated_at", NULL};
    return model_ob_only(j, fl, w, err) || OID("observation_id", f->observation_id, 0) ||
                   OID("author_id", f->author_id, 0) || OT("text", f->text, 1, 1) ||
                   OT("next_step", f->next_step, 1, 1) || OTIME("updated_at", f->updated_at)
               ? -1
               : 0;
}

static int rd_deleted(json_t *j, model_deletion *d, const char *w, model_err *err)
{
    static const char *const fl[] = {"entity", "id", "unit_id", "reason", "deleted_at", NULL};
    int ent, why;
    if (model_rd_only(j, fl, w, err) || model_rd_word(j, "entity", del_entities, 2, &ent, w, err) ||
        ID("id", d->id, 0) || ID("unit_id", d->unit_id, 0) ||
        model_rd_word(j, "reason", del_reasons, MODEL_DEL_REASON_COUNT, &why, w, err) ||
        TIME("deleted_at", d->deleted_at))
        return -1;
    d->entity = ent ? MODEL_ENT_PERSON : MODEL_ENT_OBSERVATION;
    d->reason = (model_del_reason)why;
    return 0;
}

/* The bytes of a record of kind e that hold it: the kind and its own member
 * of the union, not the largest member (a template's 28 KiB); sizeof the
 * whole record for a kind it does not know. */
size_t model_record_size(model_entity e)
{
    const model_record *r = NULL;
    size_t head = offsetof(model_record, u);
    switch (e) {
    case MODEL_ENT_UNIT: return head + sizeof r->u.unit;
    case MODEL_ENT_ROOM: return head + sizeof r->u.room;
    case MODEL_ENT_PERSON: return head + sizeof r->u.person;
    case MODEL_ENT_FOCUS: return head + sizeof r->u.focus;
    case MODEL_ENT_TEMPLATE: return head + sizeof r->u.tmpl;
    case MODEL_ENT_OBSERVATION: return head + sizeof r->u.obs;
    case MODEL_ENT_EVENT: return head + sizeof r->u.event;
    case MODEL_ENT_NOTE: return head + sizeof r->u.note;
    case MODEL_ENT_RATING: return head + sizeof r->u.rating;
    case MODEL_ENT_FEEDBACK: return head + sizeof r->u.feedback;
    case MODEL_ENT_REFLECTION: return head + sizeof r->u.reflection;
    case MODEL_ENT_DELETED: return head + sizeof r->u.deleted;
    case MODEL_ENT_PLAN: return head + sizeof r->u.plan;
    case MODEL_ENT_PLAN_AGREEMENT: return head + sizeof r->u.agreement;
    default: return sizeof *r;
    }
}

model_record *model_record_new(model_entity k)
{
    model_record *r = calloc(1, model_record_size(k));
    if (r)
        r->entity = k;
    return r;
}

void model_record_copy(model_record *dst, const model_record *src)
{
    memcpy(dst, src, model_record_size(src->entity));
}

/* An observation or a part of one (model_entity_is_part) from o, the tree
 * or the scanner's members; -1 with err for any other kind, which only the
 * tree's own readers read. */
static int rd_part(model_entity e, const model_obj *o, model_record *r, const char *w,
                   model_err *err)
{
    switch (e) {
    case MODEL_ENT_OBSERVATION: return rd_obs(o, &r->u.obs, w, err);
    case MODEL_ENT_EVENT: return rd_event(o, &r->u.event, w, err);
    case MODEL_ENT_NOTE: return rd_note(o, &r->u.note, w, err);
    case MODEL_ENT_RATING: return rd_rating(o, &r->u.rating, w, err);
    case MODEL_ENT_FEEDBACK: return rd_feedback(o, &r->u.feedback, w, err);
    case MODEL_ENT_REFLECTION: return rd_reflection(o, &r->u.reflection, w, err);
    default:
        return model_err_set(err, MODEL_E_VALUE,
                             "%s is not a part of an observation: it is read from JSON only.", w);
    }
}

/* A record is read into a scratch copy, so that *out is left as it was on
 * failure; only the bytes of its own kind are cleared and copied, since a
 * tablet's first pull or a push reads hundreds of thousands of small
 * records (an event is 168 bytes), and clearing and copying a template's
 * room for each was most of the CPU the tablet spent reading a pull. From
 * the members o (an observation or a part) when o is given, else from the
 * tree j. */
static int from_source(model_entity e, json_t *j, const model_obj *o, model_record *out,
                       model_err *err)
{
    char w[48];
    snprintf(w, sizeof w, "The %s", model_entity_name(e));
    if (!o && !json_is_object(j))
        return model_err_set(err, MODEL_E_TYPE, "%s must be a JSON object.", w);
    size_t size = model_record_size(e);
    model_record *r = malloc(sizeof *r);
    if (!r)
        return model_err_set(err, MODEL_E_NOMEM, "Out of memory.");
    memset(r, 0, size);
    r->entity = e;
    model_obj tree = {j, NULL, 0};
    int rc;
    if (o) {
        rc = rd_part(e, o, r, w, err);
        goto read;
    }
    switch (e) {
    case MODEL_ENT_UNIT: rc = rd_unit(j, &r->u.unit, w, err); break;
    case MODEL_ENT_ROOM: rc = rd_room(j, &r->u.room, w, err); break;
    case MODEL_ENT_PERSON: rc = rd_person(j, &r->u.person, w, err); break;
    case MODEL_ENT_FOCUS: rc = rd_focus(j, &r->u.focus, w, err); break;
    case MODEL_ENT_TEMPLATE: rc = rd_template(j, &r->u.tmpl, w, err); break;
    case MODEL_ENT_OBSERVATION:
    case MODEL_ENT_EVENT:
    case MODEL_ENT_NOTE:
    case MODEL_ENT_RATING:
    case MODEL_ENT_FEEDBACK:
    case MODEL_ENT_REFLECTION: rc = rd_part(e, &tree, r, w, err); break;
    case MODEL_ENT_DELETED: rc = rd_deleted(j, &r->u.deleted, w, err); break;
    case MODEL_ENT_PLAN: rc = model_plan_read(j, &r->u.plan, w, err); break;
    case MODEL_ENT_PLAN_AGREEMENT:
        rc = model_plan_agreement_read(j, &r->u.agreement, w, err);
        break;
    default:
        rc = model_err_set(err, MODEL_E_VALUE, "A record of an unknown kind (%d).", (int)e);
        break;
    }
read:
    if (rc == 0)
        memcpy(out, r, size);
    free(r);
    return rc;
}

int model_record_from_json(model_entity e, json_t *j, model_record *out, model_err *err)
{
    return from_source(e, j, NULL, out, err);
}

int model_record_from_members(model_entity e, const model_member *m, int n, model_record *out,
                              model_err *err)
{
    model_obj o = {NULL, m, n};
    return from_source(e, NULL, &o, out, err);
}

/* The most members an observation has (twenty; a part has at most seven),
 * and one more, so that a record with a member too many is read and refused
 * by its reader rather than given up on by the scanner. */
#define SCAN_MEMBERS 21

int model_record_scan(model_entity e, const char *text, size_t len, char **buf, size_t *left,
                      model_record *out)
{
    if (model_entity_is_part(e)) {
        model_member m[SCAN_MEMBERS];
        int n = model_scan_object(text, len, m, SCAN_MEMBERS, buf, left);
        return n >= 0 ? model_record_from_members(e, m, n, out, NULL) : -1;
    }
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    int rc = j ? model_record_from_json(e, j, out, NULL) : -1;
    json_decref(j);
    return rc;
}

int model_record_parse(model_entity k, const char *text, model_record *out, model_err *err)
{
    char what[48];
    size_t len = text ? strlen(text) : 0, max = 2 * MODEL_TEMPLATE_JSON_MAX;
    /* An observation or a part through the scanner first (the server reads
     * an observation's parts by the thousand for the office's figures and
     * pages); anything it gives up on through the tree, which says why. */
    if (text && len <= max && model_entity_is_part(k)) {
        char room[1024];
        size_t left = len + 1;
        char *buf = left <= sizeof room ? room : malloc(left), *b = buf;
        int rc = buf ? model_record_scan(k, text, len, &b, &left, out) : -1;
        if (buf != room)
            free(buf);
        if (rc == 0)
            return 0;
    }
    snprintf(what, sizeof what, "The %s", model_entity_name(k));
    json_t *j = model_rd_parse(text, len, max, what, err);
    int rc = j ? model_record_from_json(k, j, out, err) : -1;
    json_decref(j);
    return rc;
}
