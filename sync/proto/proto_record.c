/*
 * Records on the wire: one JSON object per model.h struct, with the same
 * field names. Every field is always written and always required, so that a
 * record means exactly one thing and a decoded record can be re-encoded into
 * the same canonical text (which is what idempotency hashes).
 */
#include "proto_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const entity_names[PROTO_ENT_COUNT] = {
    "unit", "room", "person", "focus", "template", "observation",
    "event", "note", "rating", "feedback", "reflection", "deleted",
};

static const char *const roles[] = {"peer", "leader"};
static const char *const pillars[] = {"values", "learning", "collaboration", "dialogue",
                                      "judgement"};
static const char *const statuses[] = {"draft", "finished"};
static const char *const ev_kinds[] = {"count", "state_start", "state_stop", "sample", "undo"};
static const char *const del_reasons[PROTO_DEL_REASON_COUNT] = {"retention", "person_request"};
/* What a deletion may name: only whole observations and people. */
static const char *const del_entities[] = {"observation", "person"};

const char *proto_entity_name(proto_entity e)
{
    return (int)e >= 0 && e < PROTO_ENT_COUNT ? entity_names[e] : "?";
}

int proto_entity_parse(const char *name, proto_entity *out)
{
    for (int i = 0; name && i < PROTO_ENT_COUNT; i++)
        if (!strcmp(name, entity_names[i])) {
            *out = (proto_entity)i;
            return 0;
        }
    return -1;
}

int proto_entity_pushable(proto_entity e)
{
    return e >= PROTO_ENT_OBSERVATION && e <= PROTO_ENT_REFLECTION;
}

void proto_record_key(const proto_record *r, char key[PROTO_KEY_MAX])
{
    const char *id = "";
    switch (r->entity) {
    case PROTO_ENT_UNIT: id = r->u.unit.id; break;
    case PROTO_ENT_ROOM: id = r->u.room.id; break;
    case PROTO_ENT_PERSON: id = r->u.person.id; break;
    case PROTO_ENT_FOCUS:
        snprintf(key, PROTO_KEY_MAX, "%s/%d", r->u.focus.id, r->u.focus.version);
        return;
    case PROTO_ENT_TEMPLATE:
        snprintf(key, PROTO_KEY_MAX, "%s/%d", r->u.tmpl.id, r->u.tmpl.version);
        return;
    case PROTO_ENT_OBSERVATION: id = r->u.obs.id; break;
    case PROTO_ENT_EVENT: id = r->u.event.id; break;
    case PROTO_ENT_NOTE: id = r->u.note.id; break;
    case PROTO_ENT_RATING:
        snprintf(key, PROTO_KEY_MAX, "%s/%s", r->u.rating.observation_id, r->u.rating.sign_id);
        return;
    case PROTO_ENT_FEEDBACK: id = r->u.feedback.observation_id; break;
    case PROTO_ENT_REFLECTION: id = r->u.reflection.observation_id; break;
    case PROTO_ENT_DELETED:
        snprintf(key, PROTO_KEY_MAX, "%s/%s", proto_entity_name(r->u.deleted.entity),
                 r->u.deleted.id);
        return;
    default: break;
    }
    snprintf(key, PROTO_KEY_MAX, "%s", id);
}

const char *proto_record_observation(const proto_record *r)
{
    switch (r->entity) {
    case PROTO_ENT_OBSERVATION: return r->u.obs.id;
    case PROTO_ENT_EVENT: return r->u.event.observation_id;
    case PROTO_ENT_NOTE: return r->u.note.observation_id;
    case PROTO_ENT_RATING: return r->u.rating.observation_id;
    case PROTO_ENT_FEEDBACK: return r->u.feedback.observation_id;
    case PROTO_ENT_REFLECTION: return r->u.reflection.observation_id;
    default: return "";
    }
}

/* ---- encoding ---- */

static json_t *obs_json(const model_observation *o)
{
    json_error_t je;
    json_t *ctx = o->context_json[0] ? json_loads(o->context_json, 0, &je) : json_object();
    if (!ctx)
        ctx = json_object();
    return json_pack("{s:s,s:s,s:s,s:i,s:s,s:i,s:s,s:s,s:s,s:s,s:o,s:b,s:I,s:I,s:s,s:i,s:I}",
                     "id", o->id, "unit_id", o->unit_id, "focus_id", o->focus_id,
                     "focus_version", o->focus_version, "template_id", o->template_id,
                     "template_version", o->template_version, "observer_id", o->observer_id,
                     "observee_id", o->observee_id, "room_id", o->room_id, "activity",
                     o->activity, "context", ctx, "agreement", o->agreement, "started_at",
                     (json_int_t)o->started_at, "ended_at", (json_int_t)o->ended_at, "status",
                     statuses[o->status == MODEL_OBS_FINISHED], "revision", o->revision,
                     "updated_at", (json_int_t)o->updated_at);
}

static json_t *focus_json(const model_focus *f)
{
    json_t *signs = json_array();
    for (int i = 0; signs && i < f->n_signs; i++)
        json_array_append_new(signs, json_pack("{s:s,s:s}", "id", f->signs[i].id, "text",
                                               f->signs[i].text));
    int p = (int)f->pillar >= 0 && f->pillar < MODEL_PILLAR_COUNT ? (int)f->pillar : 0;
    return json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", f->id, "unit_id",
                     f->unit_id, "version", f->version, "question", f->question, "why", f->why,
                     "pillar", pillars[p], "period_from", f->period_from, "period_to",
                     f->period_to, "template_id", f->template_id, "signs", signs);
}

json_t *proto_record_to_json(const proto_record *r)
{
    switch (r->entity) {
    case PROTO_ENT_UNIT:
        return json_pack("{s:s,s:s,s:i}", "id", r->u.unit.id, "name", r->u.unit.name,
                         "retention_days", r->u.unit.retention_days);
    case PROTO_ENT_ROOM:
        return json_pack("{s:s,s:s,s:s}", "id", r->u.room.id, "unit_id", r->u.room.unit_id,
                         "name", r->u.room.name);
    case PROTO_ENT_PERSON: {
        const model_person *p = &r->u.person;
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "id", p->id, "unit_id", p->unit_id,
                         "name", p->name, "role", roles[p->role == MODEL_ROLE_LEADER],
                         "pin_verifier", p->pin_verifier, "active", p->active);
    }
    case PROTO_ENT_FOCUS: return focus_json(&r->u.focus);
    case PROTO_ENT_TEMPLATE: {
        char *s = model_template_to_json(&r->u.tmpl);
        if (!s)
            return NULL;
        json_error_t je;
        json_t *j = json_loads(s, 0, &je);
        free(s);
        return j;
    }
    case PROTO_ENT_OBSERVATION: return obs_json(&r->u.obs);
    case PROTO_ENT_EVENT: {
        const model_event *e = &r->u.event;
        int k = (int)e->kind >= 0 && e->kind <= MODEL_EV_UNDO ? (int)e->kind : 0;
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "id", e->id, "observation_id",
                         e->observation_id, "kind", ev_kinds[k], "key", e->key, "target_id",
                         e->target_id, "at", (json_int_t)e->at);
    }
    case PROTO_ENT_NOTE: {
        const model_note *n = &r->u.note;
        return json_pack("{s:s,s:s,s:I,s:s,s:s}", "id", n->id, "observation_id",
                         n->observation_id, "at", (json_int_t)n->at, "text", n->text,
                         "sign_id", n->sign_id);
    }
    case PROTO_ENT_RATING: {
        const model_rating *g = &r->u.rating;
        return json_pack("{s:s,s:s,s:i,s:I}", "observation_id", g->observation_id, "sign_id",
                         g->sign_id, "level", g->level, "at", (json_int_t)g->at);
    }
    case PROTO_ENT_FEEDBACK: {
        const model_feedback *f = &r->u.feedback;
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "observation_id", f->observation_id,
                         "author_id", f->author_id, "works", f->works, "wonderings",
                         f->wonderings, "next_step", f->next_step, "given_at",
                         (json_int_t)f->given_at, "updated_at", (json_int_t)f->updated_at);
    }
    case PROTO_ENT_REFLECTION: {
        const model_reflection *f = &r->u.reflection;
        return json_pack("{s:s,s:s,s:s,s:s,s:I}", "observation_id", f->observation_id,
                         "author_id", f->author_id, "text", f->text, "next_step", f->next_step,
                         "updated_at", (json_int_t)f->updated_at);
    }
    case PROTO_ENT_DELETED: {
        const proto_deletion *d = &r->u.deleted;
        int why = (int)d->reason >= 0 && d->reason < PROTO_DEL_REASON_COUNT ? (int)d->reason : 0;
        return json_pack("{s:s,s:s,s:s,s:s,s:I}", "entity",
                         d->entity == PROTO_ENT_PERSON ? "person" : "observation", "id", d->id,
                         "unit_id", d->unit_id, "reason", del_reasons[why], "deleted_at",
                         (json_int_t)d->deleted_at);
    }
    default: return NULL;
    }
}

/* ---- decoding ---- */

#define T(k, dst, ml, empty) proto_rd_text(j, k, dst, sizeof(dst), ml, empty, w, err)
#define ID(k, dst, empty) proto_rd_id(j, k, dst, empty, w, err)
#define TIME(k, dst) proto_rd_i64(j, k, &(dst), 0, PROTO_TIME_MAX, w, err)

static int model_msg(int rc, const char *msg, const char *w, proto_err *err)
{
    return rc == 0 ? 0 : proto_fail(err, PROTO_E_VALUE, "%s: %s", w, msg);
}

static int rd_unit(json_t *j, model_unit *u, const char *w, proto_err *err)
{
    static const char *const f[] = {"id", "name", "retention_days", NULL};
    char msg[200];
    if (proto_rd_only(j, f, w, err) || ID("id", u->id, 0) || T("name", u->name, 0, 0) ||
        proto_rd_int(j, "retention_days", &u->retention_days, 1, 36500, w, err))
        return -1;
    return model_msg(model_unit_check(u, msg, sizeof msg), msg, w, err);
}

static int rd_room(json_t *j, model_room *r, const char *w, proto_err *err)
{
    static const char *const f[] = {"id", "unit_id", "name", NULL};
    char msg[200];
    if (proto_rd_only(j, f, w, err) || ID("id", r->id, 0) || ID("unit_id", r->unit_id, 0) ||
        T("name", r->name, 0, 0))
        return -1;
    return model_msg(model_room_check(r, msg, sizeof msg), msg, w, err);
}

static int rd_person(json_t *j, model_person *p, const char *w, proto_err *err)
{
    static const char *const f[] = {"id", "unit_id", "name", "role", "pin_verifier", "active",
                                    NULL};
    int role;
    char msg[200];
    if (proto_rd_only(j, f, w, err) || ID("id", p->id, 0) || ID("unit_id", p->unit_id, 0) ||
        T("name", p->name, 0, 0) || proto_rd_word(j, "role", roles, 2, &role, w, err) ||
        T("pin_verifier", p->pin_verifier, 0, 1) || proto_rd_bool(j, "active", &p->active, w, err))
        return -1;
    p->role = role ? MODEL_ROLE_LEADER : MODEL_ROLE_PEER;
    if (p->pin_verifier[0] && strncmp(p->pin_verifier, "$argon2id$", 10) != 0)
        return proto_fail(err, PROTO_E_VALUE, "%s: \"pin_verifier\" must be an argon2id verifier.",
                          w);
    return model_msg(model_person_check(p, msg, sizeof msg), msg, w, err);
}

static int rd_focus(json_t *j, model_focus *f, const char *w, proto_err *err)
{
    static const char *const fl[] = {"id", "unit_id", "version", "question", "why", "pillar",
                                     "period_from", "period_to", "template_id", "signs", NULL};
    static const char *const sf[] = {"id", "text", NULL};
    int pillar;
    char msg[200];
    if (proto_rd_only(j, fl, w, err) || ID("id", f->id, 0) || ID("unit_id", f->unit_id, 0) ||
        proto_rd_int(j, "version", &f->version, 1, 1000000, w, err) ||
        T("question", f->question, 0, 0) || T("why", f->why, 1, 1) ||
        proto_rd_word(j, "pillar", pillars, MODEL_PILLAR_COUNT, &pillar, w, err) ||
        T("period_from", f->period_from, 0, 0) || T("period_to", f->period_to, 0, 0) ||
        ID("template_id", f->template_id, 0))
        return -1;
    f->pillar = (model_pillar)pillar;
    json_t *signs = proto_rd_need(j, "signs", w, err);
    if (!signs)
        return -1;
    if (!json_is_array(signs))
        return proto_fail(err, PROTO_E_TYPE, "%s: \"signs\" must be an array.", w);
    if (json_array_size(signs) > MODEL_MAX_SIGNS)
        return proto_fail(err, PROTO_E_TOO_LARGE, "%s: at most %d signs.", w, MODEL_MAX_SIGNS);
    f->n_signs = (int)json_array_size(signs);
    for (int i = 0; i < f->n_signs; i++) {
        char sw[80];
        snprintf(sw, sizeof sw, "%s: signs[%d]", w, i);
        json_t *s = json_array_get(signs, (size_t)i);
        if (!json_is_object(s))
            return proto_fail(err, PROTO_E_TYPE, "%s must be an object.", sw);
        if (proto_rd_only(s, sf, sw, err) || proto_rd_id(s, "id", f->signs[i].id, 0, sw, err) ||
            proto_rd_text(s, "text", f->signs[i].text, sizeof f->signs[i].text, 0, 0, sw, err))
            return -1;
    }
    return model_msg(model_focus_check(f, msg, sizeof msg), msg, w, err);
}

static int rd_template(json_t *j, model_template *t, const char *w, proto_err *err)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        return proto_fail(err, PROTO_E_NOMEM, "Out of memory.");
    char msg[200];
    int rc = model_template_parse(s, strlen(s), t, msg, sizeof msg);
    free(s);
    return model_msg(rc, msg, w, err);
}

/* The context of an observation: a flat object of keys to integers or short
 * texts, which the template's context fields describe. */
static int rd_context(json_t *j, model_observation *o, const char *w, proto_err *err)
{
    json_t *c = proto_rd_need(j, "context", w, err);
    if (!c)
        return -1;
    if (!json_is_object(c))
        return proto_fail(err, PROTO_E_TYPE, "%s: \"context\" must be an object.", w);
    const char *k;
    json_t *v;
    char msg[160];
    json_object_foreach(c, k, v) {
        if (model_key_check(k, "context key", msg, sizeof msg) != 0)
            return proto_fail(err, PROTO_E_VALUE, "%s: %s", w, msg);
        if (json_is_string(v)) {
            if (model_text_check(json_string_value(v), MODEL_NAME_MAX, 0, k, msg, sizeof msg))
                return proto_fail(err, PROTO_E_VALUE, "%s: context: %s", w, msg);
        } else if (!json_is_integer(v)) {
            return proto_fail(err, PROTO_E_TYPE,
                              "%s: context value \"%s\" must be an integer or a string.", w, k);
        }
    }
    char *s = json_dumps(c, JSON_COMPACT);
    if (!s)
        return proto_fail(err, PROTO_E_NOMEM, "Out of memory.");
    size_t n = strlen(s);
    if (n >= sizeof o->context_json) {
        free(s);
        return proto_fail(err, PROTO_E_VALUE, "%s: \"context\" is too long (at most %zu bytes).",
                          w, sizeof o->context_json - 1);
    }
    memcpy(o->context_json, s, n + 1);
    free(s);
    return 0;
}

static int rd_obs(json_t *j, model_observation *o, const char *w, proto_err *err)
{
    static const char *const f[] = {"id", "unit_id", "focus_id", "focus_version", "template_id",
                                    "template_version", "observer_id", "observee_id", "room_id",
                                    "activity", "context", "agreement", "started_at",
                                    "ended_at", "status", "revision", "updated_at", NULL};
    int st;
    if (proto_rd_only(j, f, w, err) || ID("id", o->id, 0) || ID("unit_id", o->unit_id, 0) ||
        ID("focus_id", o->focus_id, 0) ||
        proto_rd_int(j, "focus_version", &o->focus_version, 1, 1000000, w, err) ||
        ID("template_id", o->template_id, 0) ||
        proto_rd_int(j, "template_version", &o->template_version, 1, 1000000, w, err) ||
        ID("observer_id", o->observer_id, 0) || ID("observee_id", o->observee_id, 0) ||
        ID("room_id", o->room_id, 1) || T("activity", o->activity, 0, 1) ||
        rd_context(j, o, w, err) || proto_rd_bool(j, "agreement", &o->agreement, w, err) ||
        TIME("started_at", o->started_at) || TIME("ended_at", o->ended_at) ||
        proto_rd_word(j, "status", statuses, 2, &st, w, err) ||
        proto_rd_int(j, "revision", &o->revision, 1, 1000000, w, err) ||
        TIME("updated_at", o->updated_at))
        return -1;
    o->status = st ? MODEL_OBS_FINISHED : MODEL_OBS_DRAFT;
    if (!o->agreement)
        return proto_fail(err, PROTO_E_VALUE, "%s: an observation needs the observee's agreement.",
                          w);
    if (!strcmp(o->observer_id, o->observee_id))
        return proto_fail(err, PROTO_E_VALUE, "%s: observer and observee must differ.", w);
    if (o->status == MODEL_OBS_FINISHED && o->ended_at < o->started_at)
        return proto_fail(err, PROTO_E_VALUE, "%s: \"ended_at\" is before \"started_at\".", w);
    return 0;
}

static int rd_event(json_t *j, model_event *e, const char *w, proto_err *err)
{
    static const char *const f[] = {"id", "observation_id", "kind", "key", "target_id", "at",
                                    NULL};
    int kind;
    if (proto_rd_only(j, f, w, err) || ID("id", e->id, 0) ||
        ID("observation_id", e->observation_id, 0) ||
        proto_rd_word(j, "kind", ev_kinds, 5, &kind, w, err) || T("key", e->key, 0, 1) ||
        ID("target_id", e->target_id, 1) || TIME("at", e->at))
        return -1;
    e->kind = (model_event_kind)kind;
    char msg[160];
    if (e->kind == MODEL_EV_UNDO) {
        if (!e->target_id[0])
            return proto_fail(err, PROTO_E_VALUE, "%s: an undo needs \"target_id\".", w);
    } else {
        if (e->target_id[0])
            return proto_fail(err, PROTO_E_VALUE, "%s: only an undo has a \"target_id\".", w);
        if (model_key_check(e->key, "key", msg, sizeof msg) != 0)
            return proto_fail(err, PROTO_E_VALUE, "%s: %s", w, msg);
    }
    return 0;
}

static int rd_note(json_t *j, model_note *n, const char *w, proto_err *err)
{
    static const char *const f[] = {"id", "observation_id", "at", "text", "sign_id", NULL};
    return proto_rd_only(j, f, w, err) || ID("id", n->id, 0) ||
                   ID("observation_id", n->observation_id, 0) || TIME("at", n->at) ||
                   T("text", n->text, 1, 0) || ID("sign_id", n->sign_id, 1)
               ? -1
               : 0;
}

static int rd_rating(json_t *j, model_rating *g, const char *w, proto_err *err)
{
    static const char *const f[] = {"observation_id", "sign_id", "level", "at", NULL};
    return proto_rd_only(j, f, w, err) || ID("observation_id", g->observation_id, 0) ||
                   ID("sign_id", g->sign_id, 0) ||
                   proto_rd_int(j, "level", &g->level, -1, MODEL_MAX_SCALE - 1, w, err) ||
                   TIME("at", g->at)
               ? -1
               : 0;
}

static int rd_feedback(json_t *j, model_feedback *f, const char *w, proto_err *err)
{
    static const char *const fl[] = {"observation_id", "author_id", "works", "wonderings",
                                     "next_step", "given_at", "updated_at", NULL};
    return proto_rd_only(j, fl, w, err) || ID("observation_id", f->observation_id, 0) ||
                   ID("author_id", f->author_id, 0) || T("works", f->works, 1, 1) ||
                   T("wonderings", f->wonderings, 1, 1) || T("next_step", f->next_step, 1, 1) ||
                   TIME("given_at", f->given_at) || TIME("updated_at", f->updated_at)
               ? -1
               : 0;
}

static int rd_reflection(json_t *j, model_reflection *f, const char *w, proto_err *err)
{
    static const char *const fl[] = {"observation_id", "author_id", "text", "next_step",
                                     "updated_at", NULL};
    return proto_rd_only(j, fl, w, err) || ID("observation_id", f->observation_id, 0) ||
                   ID("author_id", f->author_id, 0) || T("text", f->text, 1, 1) ||
                   T("next_step", f->next_step, 1, 1) || TIME("updated_at", f->updated_at)
               ? -1
               : 0;
}

static int rd_deleted(json_t *j, proto_deletion *d, const char *w, proto_err *err)
{
    static const char *const fl[] = {"entity", "id", "unit_id", "reason", "deleted_at", NULL};
    int ent, why;
    if (proto_rd_only(j, fl, w, err) ||
        proto_rd_word(j, "entity", del_entities, 2, &ent, w, err) || ID("id", d->id, 0) ||
        ID("unit_id", d->unit_id, 0) ||
        proto_rd_word(j, "reason", del_reasons, PROTO_DEL_REASON_COUNT, &why, w, err) ||
        TIME("deleted_at", d->deleted_at))
        return -1;
    d->entity = ent ? PROTO_ENT_PERSON : PROTO_ENT_OBSERVATION;
    d->reason = (proto_del_reason)why;
    return 0;
}

int proto_record_from_json(proto_entity e, json_t *j, proto_record *out, proto_err *err)
{
    char w[48];
    snprintf(w, sizeof w, "The %s", proto_entity_name(e));
    if (!json_is_object(j))
        return proto_fail(err, PROTO_E_TYPE, "%s must be a JSON object.", w);
    proto_record *r = calloc(1, sizeof *r);
    if (!r)
        return proto_fail(err, PROTO_E_NOMEM, "Out of memory.");
    r->entity = e;
    int rc;
    switch (e) {
    case PROTO_ENT_UNIT: rc = rd_unit(j, &r->u.unit, w, err); break;
    case PROTO_ENT_ROOM: rc = rd_room(j, &r->u.room, w, err); break;
    case PROTO_ENT_PERSON: rc = rd_person(j, &r->u.person, w, err); break;
    case PROTO_ENT_FOCUS: rc = rd_focus(j, &r->u.focus, w, err); break;
    case PROTO_ENT_TEMPLATE: rc = rd_template(j, &r->u.tmpl, w, err); break;
    case PROTO_ENT_OBSERVATION: rc = rd_obs(j, &r->u.obs, w, err); break;
    case PROTO_ENT_EVENT: rc = rd_event(j, &r->u.event, w, err); break;
    case PROTO_ENT_NOTE: rc = rd_note(j, &r->u.note, w, err); break;
    case PROTO_ENT_RATING: rc = rd_rating(j, &r->u.rating, w, err); break;
    case PROTO_ENT_FEEDBACK: rc = rd_feedback(j, &r->u.feedback, w, err); break;
    case PROTO_ENT_REFLECTION: rc = rd_reflection(j, &r->u.reflection, w, err); break;
    case PROTO_ENT_DELETED: rc = rd_deleted(j, &r->u.deleted, w, err); break;
    default: rc = proto_fail(err, PROTO_E_VALUE, "Unknown entity."); break;
    }
    if (rc == 0)
        *out = *r;
    free(r);
    return rc;
}
