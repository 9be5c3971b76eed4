/*
 * The admin commands ("blik-server admin ..."): they talk to the database
 * directly, not over HTTP, so that administration needs shell access to the
 * server and no admin credentials ever travel to or live on a tablet.
 * Every change to reference data is published into the unit's feed in the
 * same transaction, so tablets receive it on their next pull.
 */
#include "srv_int.h"

#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FILE_MAX (1024 * 1024)

/* ---- publishing reference data ---- */

static const char *ref_unit(const proto_record *r)
{
    switch (r->entity) {
    case PROTO_ENT_UNIT: return r->u.unit.id;
    case PROTO_ENT_ROOM: return r->u.room.unit_id;
    case PROTO_ENT_PERSON: return r->u.person.unit_id;
    case PROTO_ENT_FOCUS: return r->u.focus.unit_id;
    case PROTO_ENT_TEMPLATE: return r->u.tmpl.unit_id;
    default: return "";
    }
}

static int typed_upsert(PGconn *pg, const proto_record *r, char *err, size_t errlen)
{
    char a[16], b[16];
    switch (r->entity) {
    case PROTO_ENT_UNIT: {
        snprintf(a, sizeof a, "%d", r->u.unit.retention_days);
        const char *p[] = {r->u.unit.id, r->u.unit.name, a};
        return srv_exec(pg,
                        "INSERT INTO units (id, name, retention_days) VALUES ($1,$2,$3::int)"
                        " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
                        " retention_days = EXCLUDED.retention_days",
                        3, p, err, errlen);
    }
    case PROTO_ENT_ROOM: {
        const char *p[] = {r->u.room.id, r->u.room.unit_id, r->u.room.name};
        return srv_exec(pg,
                        "INSERT INTO rooms (id, unit_id, name) VALUES ($1,$2,$3)"
                        " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name",
                        3, p, err, errlen);
    }
    case PROTO_ENT_PERSON: {
        const model_person *x = &r->u.person;
        const char *p[] = {x->id, x->unit_id, x->name, x->role == MODEL_ROLE_LEADER ? "leader" : "peer",
                           x->pin_verifier, x->active ? "t" : "f"};
        return srv_exec(pg,
                        "INSERT INTO people (id, unit_id, name, role, pin_verifier, active)"
                        " VALUES ($1,$2,$3,$4,$5,$6::bool) ON CONFLICT (id) DO UPDATE SET"
                        " name = EXCLUDED.name, role = EXCLUDED.role,"
                        " pin_verifier = EXCLUDED.pin_verifier, active = EXCLUDED.active",
                        6, p, err, errlen);
    }
    case PROTO_ENT_FOCUS:
    case PROTO_ENT_TEMPLATE: {
        int f = r->entity == PROTO_ENT_FOCUS;
        snprintf(b, sizeof b, "%d", f ? r->u.focus.version : r->u.tmpl.version);
        const char *p[] = {f ? r->u.focus.id : r->u.tmpl.id, b, ref_unit(r)};
        return srv_exec(pg,
                        f ? "INSERT INTO focuses (id, version, unit_id) VALUES ($1,$2::int,$3)"
                            " ON CONFLICT DO NOTHING"
                          : "INSERT INTO templates (id, version, unit_id) VALUES ($1,$2::int,$3)"
                            " ON CONFLICT DO NOTHING",
                        3, p, err, errlen);
    }
    default: snprintf(err, errlen, "Not reference data."); return -1;
    }
}

int srv_publish_ref(PGconn *pg, const proto_record *r, char *err, size_t errlen)
{
    json_t *j = proto_record_to_json(r);
    char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!data) {
        snprintf(err, errlen, "Out of memory.");
        return -1;
    }
    char key[PROTO_KEY_MAX], seqs[24];
    proto_record_key(r, key);
    const char *ent = proto_entity_name(r->entity), *unit = ref_unit(r);
    int64_t seq;
    int versioned = r->entity == PROTO_ENT_FOCUS || r->entity == PROTO_ENT_TEMPLATE;
    if (srv_exec(pg, "BEGIN", 0, NULL, err, errlen) != 0) {
        free(data);
        return -1;
    }
    if (typed_upsert(pg, r, err, errlen) != 0 || srv_feed_lock(pg, unit, &seq, err, errlen) != 0)
        goto fail;
    const char *pk[] = {ent, key};
    PGresult *q = srv_q(pg, "SELECT unit_id, data FROM items WHERE entity = $1 AND key = $2", 2,
                        pk, err, errlen);
    if (!q)
        goto fail;
    int exists = PQntuples(q) == 1;
    int other_unit = exists && strcmp(PQgetvalue(q, 0, 0), unit) != 0;
    int same = exists && !strcmp(PQgetvalue(q, 0, 1), data);
    PQclear(q);
    if (other_unit) {
        snprintf(err, errlen, "The %s %s belongs to another unit.", ent, key);
        goto fail;
    }
    if (versioned && exists && !same) {
        snprintf(err, errlen,
                 "This version of the %s exists with other content; versions never change, "
                 "so add it as a new version.",
                 ent);
        goto fail;
    }
    if (!same) {
        snprintf(seqs, sizeof seqs, "%lld", (long long)++seq);
        const char *p[] = {ent, key, unit, seqs, data};
        if (srv_exec(pg,
                     "INSERT INTO items (entity, key, unit_id, seq, version, data)"
                     " VALUES ($1,$2,$3,$4::bigint,1,$5) ON CONFLICT (entity, key) DO UPDATE SET"
                     " seq = EXCLUDED.seq, version = items.version + 1, data = EXCLUDED.data,"
                     " updated_at = now()",
                     5, p, err, errlen) != 0 ||
            srv_feed_release(pg, unit, seq, err, errlen) != 0)
            goto fail;
    }
    free(data);
    return srv_exec(pg, "COMMIT", 0, NULL, err, errlen);
fail:
    free(data);
    PQclear(PQexec(pg, "ROLLBACK"));
    return -1;
}

/* ---- argument handling ---- */

typedef struct {
    int argc;
    char **argv;
    FILE *in, *out, *err;
    PGconn *pg;
} cmd;

/* The value of --name, or NULL. */
static const char *arg(const cmd *c, const char *name)
{
    for (int i = 1; i + 1 < c->argc; i++)
        if (!strcmp(c->argv[i], name))
            return c->argv[i + 1];
    return NULL;
}

/* Refuses options the command does not know, so a typo is not ignored. */
static int only_args(const cmd *c, const char *const *known)
{
    for (int i = 1; i < c->argc; i += 2) {
        int ok = 0;
        for (const char *const *k = known; *k && !ok; k++)
            ok = !strcmp(c->argv[i], *k);
        if (!ok || i + 1 >= c->argc) {
            fprintf(c->err, "%s: %s \"%s\".\n", c->argv[0],
                    ok ? "missing a value after" : "unknown option", c->argv[i]);
            return -1;
        }
    }
    return 0;
}

static const char *need(const cmd *c, const char *name)
{
    const char *v = arg(c, name);
    if (!v)
        fprintf(c->err, "%s: %s is required.\n", c->argv[0], name);
    return v;
}

static int new_id(model_id out, const char *given, FILE *err)
{
    if (given) {
        char msg[120];
        if (model_id_check(given, "--id", msg, sizeof msg) != 0) {
            fprintf(err, "%s\n", msg);
            return -1;
        }
        snprintf(out, sizeof(model_id), "%s", given);
        return 0;
    }
    return model_id_new(plat_sys_os(), out);
}

static int publish(cmd *c, const proto_record *r)
{
    char e[600];
    if (srv_publish_ref(c->pg, r, e, sizeof e) != 0) {
        fprintf(c->err, "%s: %s\n", c->argv[0], e);
        return 1;
    }
    return 0;
}

static int unit_exists(cmd *c, const char *unit)
{
    const char *p[] = {unit};
    char e[300];
    PGresult *r = srv_q(c->pg, "SELECT 1 FROM units WHERE id = $1", 1, p, e, sizeof e);
    int ok = r && PQntuples(r) == 1;
    PQclear(r);
    if (!ok)
        fprintf(c->err, "%s: there is no unit %s.\n", c->argv[0], unit);
    return ok;
}

/* A command's input file, or NULL with the reason on the command's error
 * stream. The caller frees the text. */
static char *slurp(const char *path, size_t *len, FILE *err)
{
    char msg[512];
    char *buf = plat_read_file(path, FILE_MAX, len, msg, sizeof msg);
    if (!buf)
        fprintf(err, "%s\n", msg);
    return buf;
}

/* ---- commands ---- */

static int cmd_unit_add(cmd *c)
{
    static const char *const k[] = {"--name", "--retention-days", "--id", NULL};
    proto_record r;
    memset(&r, 0, sizeof r);
    r.entity = PROTO_ENT_UNIT;
    const char *name = need(c, "--name"), *days = arg(c, "--retention-days");
    char msg[200];
    if (only_args(c, k) || !name || new_id(r.u.unit.id, arg(c, "--id"), c->err))
        return 2;
    r.u.unit.retention_days = days ? atoi(days) : 365;
    if (model_copy(r.u.unit.name, sizeof r.u.unit.name, name) != 0 ||
        model_unit_check(&r.u.unit, msg, sizeof msg) != 0) {
        fprintf(c->err, "unit-add: %s\n", model_copy(r.u.unit.name, sizeof r.u.unit.name, name)
                                              ? "the name is too long."
                                              : msg);
        return 1;
    }
    /* A unit row must exist before its feed can be locked. */
    const char *p[] = {r.u.unit.id, r.u.unit.name};
    char e[300];
    if (srv_exec(c->pg,
                 "INSERT INTO units (id, name, retention_days) VALUES ($1,$2,365)"
                 " ON CONFLICT (id) DO NOTHING",
                 2, p, e, sizeof e) != 0) {
        fprintf(c->err, "unit-add: %s\n", e);
        return 1;
    }
    if (publish(c, &r))
        return 1;
    fprintf(c->out, "%s\n", r.u.unit.id);
    return 0;
}

static int cmd_room_add(cmd *c)
{
    static const char *const k[] = {"--unit", "--name", "--id", NULL};
    proto_record r;
    memset(&r, 0, sizeof r);
    r.entity = PROTO_ENT_ROOM;
    const char *unit = need(c, "--unit"), *name = need(c, "--name");
    char msg[200];
    if (only_args(c, k) || !unit || !name || new_id(r.u.room.id, arg(c, "--id"), c->err))
        return 2;
    if (model_copy(r.u.room.unit_id, sizeof r.u.room.unit_id, unit) ||
        model_copy(r.u.room.name, sizeof r.u.room.name, name) ||
        model_room_check(&r.u.room, msg, sizeof msg)) {
        fprintf(c->err, "room-add: the unit id or the name is not valid.\n");
        return 1;
    }
    if (!unit_exists(c, unit) || publish(c, &r))
        return 1;
    fprintf(c->out, "%s\n", r.u.room.id);
    return 0;
}

static int cmd_person_add(cmd *c)
{
    static const char *const k[] = {"--unit", "--name", "--role", "--id", NULL};
    proto_record r;
    memset(&r, 0, sizeof r);
    r.entity = PROTO_ENT_PERSON;
    const char *unit = need(c, "--unit"), *name = need(c, "--name"), *role = need(c, "--role");
    char msg[200];
    if (only_args(c, k) || !unit || !name || !role ||
        new_id(r.u.person.id, arg(c, "--id"), c->err))
        return 2;
    if (strcmp(role, "peer") != 0 && strcmp(role, "leader") != 0) {
        fprintf(c->err, "person-add: --role is peer or leader.\n");
        return 2;
    }
    r.u.person.role = !strcmp(role, "leader") ? MODEL_ROLE_LEADER : MODEL_ROLE_PEER;
    r.u.person.active = 1;
    if (model_copy(r.u.person.unit_id, sizeof r.u.person.unit_id, unit) ||
        model_copy(r.u.person.name, sizeof r.u.person.name, name) ||
        model_person_check(&r.u.person, msg, sizeof msg)) {
        fprintf(c->err, "person-add: the unit id or the name is not valid.\n");
        return 1;
    }
    if (!unit_exists(c, unit) || publish(c, &r))
        return 1;
    fprintf(c->out, "%s\n", r.u.person.id);
    return 0;
}

/* Reads the person back as published, so that a change keeps the rest. */
static int load_person(cmd *c, const char *id, model_person *p)
{
    const char *pp[] = {id};
    char e[300];
    PGresult *r = srv_q(c->pg, "SELECT data FROM items WHERE entity = 'person' AND key = $1", 1,
                        pp, e, sizeof e);
    int ok = r && PQntuples(r) == 1;
    proto_record rec;
    if (ok) {
        json_error_t je;
        json_t *j = json_loads(PQgetvalue(r, 0, 0), 0, &je);
        proto_err pe;
        ok = j && proto_record_from_json(PROTO_ENT_PERSON, j, &rec, &pe) == 0;
        json_decref(j);
    }
    PQclear(r);
    if (!ok) {
        fprintf(c->err, "%s: there is no person %s.\n", c->argv[0], id);
        return -1;
    }
    *p = rec.u.person;
    return 0;
}

/* The PIN is read from standard input, never from the command line, where
 * other users of the machine could see it in the process list. */
static int cmd_pin_set(cmd *c)
{
    static const char *const k[] = {"--person", NULL};
    const char *id = need(c, "--person");
    if (only_args(c, k) || !id)
        return 2;
    proto_record r;
    memset(&r, 0, sizeof r);
    r.entity = PROTO_ENT_PERSON;
    if (load_person(c, id, &r.u.person) != 0)
        return 1;
    char pin[64] = "", msg[120];
    if (!fgets(pin, sizeof pin, c->in))
        pin[0] = 0;
    pin[strcspn(pin, "\r\n")] = 0;
    if (!pin[0]) {
        fprintf(c->err, "pin-set: give the PIN on standard input.\n");
        return 2;
    }
    int rc = 1;
    if (model_pin_check(pin, msg, sizeof msg) != 0)
        fprintf(c->err, "pin-set: %s\n", msg);
    else if (model_pin_hash(pin, r.u.person.pin_verifier) != 0)
        fprintf(c->err, "pin-set: the PIN could not be hashed.\n");
    else
        rc = publish(c, &r);
    sodium_memzero(pin, sizeof pin);
    if (rc == 0)
        fprintf(c->out, "PIN set for %s.\n", r.u.person.name);
    return rc;
}

static int cmd_person_active(cmd *c, int active)
{
    static const char *const k[] = {"--person", NULL};
    const char *id = need(c, "--person");
    if (only_args(c, k) || !id)
        return 2;
    proto_record r;
    memset(&r, 0, sizeof r);
    r.entity = PROTO_ENT_PERSON;
    if (load_person(c, id, &r.u.person) != 0)
        return 1;
    r.u.person.active = active;
    return publish(c, &r);
}

static const char *const pillar_words[] = {"values", "learning", "collaboration", "dialogue",
                                           "judgement"};

static int cmd_focus_add(cmd *c)
{
    static const char *const k[] = {"--unit", "--file", "--question", "--why", "--pillar",
                                    "--from", "--to", "--template", "--sign", "--id",
                                    "--version", NULL};
    if (only_args(c, k))
        return 2;
    const char *unit = need(c, "--unit"), *file = arg(c, "--file");
    if (!unit)
        return 2;
    proto_record r;
    memset(&r, 0, sizeof r);
    proto_err pe;
    if (file) {
        size_t len;
        char *doc = slurp(file, &len, c->err);
        if (!doc)
            return 1;
        json_error_t je;
        json_t *j = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &je);
        free(doc);
        if (!j) {
            fprintf(c->err, "focus-add: %s is not valid JSON: %s (line %d).\n", file, je.text,
                    je.line);
            return 1;
        }
        /* A file may leave out id, unit_id and version: they are filled in. */
        model_id id;
        if (!json_object_get(j, "id") && model_id_new(plat_sys_os(), id) == 0)
            json_object_set_new(j, "id", json_string(id));
        if (!json_object_get(j, "unit_id"))
            json_object_set_new(j, "unit_id", json_string(unit));
        if (!json_object_get(j, "version"))
            json_object_set_new(j, "version", json_integer(1));
        int rc = proto_record_from_json(PROTO_ENT_FOCUS, j, &r, &pe);
        json_decref(j);
        if (rc != 0) {
            fprintf(c->err, "focus-add: %s\n", pe.msg);
            return 1;
        }
    } else {
        model_focus *f = &r.u.focus;
        r.entity = PROTO_ENT_FOCUS;
        const char *q = need(c, "--question"), *from = need(c, "--from"), *to = need(c, "--to");
        const char *pillar = arg(c, "--pillar"), *why = arg(c, "--why"),
                   *tmpl = need(c, "--template"), *ver = arg(c, "--version");
        if (!q || !from || !to || !tmpl || new_id(f->id, arg(c, "--id"), c->err))
            return 2;
        f->version = ver ? atoi(ver) : 1;
        f->pillar = MODEL_PILLAR_LEARNING;
        for (int i = 0; pillar && i < MODEL_PILLAR_COUNT; i++)
            if (!strcmp(pillar, pillar_words[i]))
                f->pillar = (model_pillar)i;
        if (model_copy(f->unit_id, sizeof f->unit_id, unit) ||
            model_copy(f->question, sizeof f->question, q) ||
            model_copy(f->why, sizeof f->why, why ? why : "") ||
            model_copy(f->period_from, sizeof f->period_from, from) ||
            model_copy(f->period_to, sizeof f->period_to, to) ||
            model_copy(f->template_id, sizeof f->template_id, tmpl)) {
            fprintf(c->err, "focus-add: a value is too long.\n");
            return 1;
        }
        for (int i = 1; i + 1 < c->argc; i += 2)
            if (!strcmp(c->argv[i], "--sign")) {
                if (f->n_signs == MODEL_MAX_SIGNS ||
                    model_id_new(plat_sys_os(), f->signs[f->n_signs].id) != 0 ||
                    model_copy(f->signs[f->n_signs].text, sizeof f->signs[0].text,
                               c->argv[i + 1])) {
                    fprintf(c->err, "focus-add: at most %d signs, each at most %d bytes.\n",
                            MODEL_MAX_SIGNS, MODEL_QUESTION_MAX);
                    return 1;
                }
                f->n_signs++;
            }
        /* Round-trip through the codec so the same rules apply as on the wire. */
        json_t *j = proto_record_to_json(&r);
        int rc = j ? proto_record_from_json(PROTO_ENT_FOCUS, j, &r, &pe) : -1;
        json_decref(j);
        if (rc != 0) {
            fprintf(c->err, "focus-add: %s\n", j ? pe.msg : "out of memory");
            return 1;
        }
    }
    if (strcmp(r.u.focus.unit_id, unit) != 0) {
        fprintf(c->err, "focus-add: the file's unit_id is not --unit.\n");
        return 1;
    }
    if (!unit_exists(c, unit) || publish(c, &r))
        return 1;
    fprintf(c->out, "%s\n", r.u.focus.id);
    return 0;
}

static int cmd_template_add(cmd *c)
{
    static const char *const k[] = {"--unit", "--file", NULL};
    const char *unit = need(c, "--unit"), *file = need(c, "--file");
    if (only_args(c, k) || !unit || !file)
        return 2;
    size_t len;
    char *doc = slurp(file, &len, c->err);
    if (!doc)
        return 1;
    proto_record r;
    memset(&r, 0, sizeof r);
    r.entity = PROTO_ENT_TEMPLATE;
    char msg[300];
    int rc = model_template_parse(doc, len, &r.u.tmpl, msg, sizeof msg);
    free(doc);
    if (rc != 0) {
        fprintf(c->err, "template-add: %s\n", msg);
        return 1;
    }
    if (strcmp(r.u.tmpl.unit_id, unit) != 0) {
        fprintf(c->err, "template-add: the template's unit_id is not --unit.\n");
        return 1;
    }
    if (!unit_exists(c, unit) || publish(c, &r))
        return 1;
    fprintf(c->out, "%s\n", r.u.tmpl.id);
    return 0;
}

/* Codes avoid letters people confuse (I, O, 0, 1) and are grouped for
 * reading aloud; 10 characters of 32 give 50 bits, enough for a code that
 * is single-use and expires within hours. */
static int cmd_enrol_code(cmd *c)
{
    static const char *const k[] = {"--unit", "--ttl-minutes", NULL};
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    const char *unit = need(c, "--unit"), *ttl = arg(c, "--ttl-minutes");
    if (only_args(c, k) || !unit)
        return 2;
    int minutes = ttl ? atoi(ttl) : 60;
    if (minutes < 1 || minutes > 7 * 24 * 60) {
        fprintf(c->err, "enrol-code: --ttl-minutes is 1 to %d.\n", 7 * 24 * 60);
        return 2;
    }
    if (!unit_exists(c, unit))
        return 1;
    char raw[11], shown[16], hash[65], mins[16];
    unsigned char rnd[10];
    randombytes_buf(rnd, sizeof rnd);
    for (int i = 0; i < 10; i++)
        raw[i] = alphabet[rnd[i] % 32];
    raw[10] = 0;
    snprintf(shown, sizeof shown, "%.5s-%.5s", raw, raw + 5);
    srv_sha256_hex(raw, 10, hash);
    snprintf(mins, sizeof mins, "%d", minutes);
    const char *p[] = {hash, unit, mins};
    char e[300];
    if (srv_exec(c->pg,
                 "INSERT INTO enrol_codes (code_sha256, unit_id, expires_at)"
                 " VALUES ($1, $2, now() + make_interval(mins => $3::int))",
                 3, p, e, sizeof e) != 0) {
        fprintf(c->err, "enrol-code: %s\n", e);
        return 1;
    }
    fprintf(c->out, "%s\n", shown);
    return 0;
}

static int cmd_device_list(cmd *c)
{
    static const char *const k[] = {"--unit", NULL};
    const char *unit = need(c, "--unit");
    if (only_args(c, k) || !unit)
        return 2;
    const char *p[] = {unit};
    char e[300];
    PGresult *r = srv_q(c->pg,
                        "SELECT id, name, to_char(created_at AT TIME ZONE 'UTC',"
                        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), revoked_at IS NOT NULL"
                        " FROM devices WHERE unit_id = $1 ORDER BY created_at",
                        1, p, e, sizeof e);
    if (!r) {
        fprintf(c->err, "device-list: %s\n", e);
        return 1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        fprintf(c->out, "%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 2),
                PQgetvalue(r, i, 3)[0] == 't' ? "revoked" : "active", PQgetvalue(r, i, 1));
    PQclear(r);
    return 0;
}

static int cmd_device_revoke(cmd *c)
{
    static const char *const k[] = {"--device", NULL};
    const char *dev = need(c, "--device");
    if (only_args(c, k) || !dev)
        return 2;
    const char *p[] = {dev};
    char e[300];
    PGresult *r = srv_q(c->pg,
                        "UPDATE devices SET revoked_at = coalesce(revoked_at, now())"
                        " WHERE id = $1 RETURNING id",
                        1, p, e, sizeof e);
    int n = r ? PQntuples(r) : -1;
    PQclear(r);
    if (n != 1) {
        fprintf(c->err, "device-revoke: %s\n", n < 0 ? e : "there is no such device.");
        return 1;
    }
    fprintf(c->out, "revoked %s\n", dev);
    return 0;
}

/* Conflicts are kept, never resolved by the server: this lists them so that
 * a person can look at both versions and decide. */
static int cmd_conflict_list(cmd *c)
{
    static const char *const k[] = {"--unit", NULL};
    const char *unit = need(c, "--unit");
    if (only_args(c, k) || !unit)
        return 2;
    const char *p[] = {unit};
    char e[300];
    PGresult *r = srv_q(c->pg,
                        "SELECT x.id, x.entity, x.key, x.base_version, x.server_version,"
                        " to_char(x.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                        " x.data, coalesce(i.data, '')"
                        " FROM conflicts x LEFT JOIN items i ON i.entity = x.entity AND i.key = x.key"
                        " WHERE x.unit_id = $1 AND x.resolved_at IS NULL ORDER BY x.id",
                        1, p, e, sizeof e);
    if (!r) {
        fprintf(c->err, "conflict-list: %s\n", e);
        return 1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        fprintf(c->out, "%s\t%s\t%s\tbase %s\tserver %s\t%s\n  kept:    %s\n  current: %s\n",
                PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
                PQgetvalue(r, i, 6), PQgetvalue(r, i, 7));
    PQclear(r);
    return 0;
}

/* ---- export ---- */

/* A CSV field: quoted, quotes doubled, and a leading = + - @ defused so a
 * spreadsheet does not run a note as a formula. */
static void csv(FILE *f, const char *s, int last)
{
    fputc('"', f);
    if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
    fputc(last ? '\n' : ',', f);
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void iso(char out[32], json_int_t ms)
{
    if (ms <= 0) {
        out[0] = 0;
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmd_export(cmd *c)
{
    static const char *const k[] = {"--unit", "--format", "--out", NULL};
    const char *unit = need(c, "--unit"), *fmt = need(c, "--format"), *path = arg(c, "--out");
    if (only_args(c, k) || !unit || !fmt)
        return 2;
    int as_csv = !strcmp(fmt, "csv");
    if (!as_csv && strcmp(fmt, "json") != 0) {
        fprintf(c->err, "export: --format is csv or json.\n");
        return 2;
    }
    if (!unit_exists(c, unit))
        return 1;
    const char *p[] = {unit};
    char e[300];
    PGresult *r = srv_q(c->pg,
                        "SELECT entity, observation_id, data FROM items WHERE unit_id = $1"
                        " ORDER BY (entity <> 'observation'), seq",
                        1, p, e, sizeof e);
    if (!r) {
        fprintf(c->err, "export: %s\n", e);
        return 1;
    }
    /* Gather each observation with its parts, and names for the CSV. */
    json_t *obs = json_object(), *order = json_array(), *names = json_object(),
           *unit_rec = json_null();
    for (int i = 0; i < PQntuples(r); i++) {
        const char *ent = PQgetvalue(r, i, 0), *oid = PQgetvalue(r, i, 1);
        json_error_t je;
        json_t *d = json_loads(PQgetvalue(r, i, 2), 0, &je);
        if (!d)
            continue;
        if (!strcmp(ent, "unit")) {
            json_decref(unit_rec);
            unit_rec = json_incref(d);
        } else if (!strcmp(ent, "person") || !strcmp(ent, "room")) {
            json_object_set(names, jstr(d, "id"), json_object_get(d, "name"));
        } else if (!strcmp(ent, "focus")) {
            json_object_set(names, jstr(d, "id"), json_object_get(d, "question"));
        } else if (!strcmp(ent, "observation")) {
            json_t *o = json_object();
            json_object_set(o, "observation", d);
            json_object_set_new(o, "events", json_array());
            json_object_set_new(o, "notes", json_array());
            json_object_set_new(o, "ratings", json_array());
            json_object_set_new(o, "feedback", json_null());
            json_object_set_new(o, "reflection", json_null());
            json_object_set_new(obs, oid, o);
            json_array_append_new(order, json_string(oid));
        } else if (*oid && json_object_get(obs, oid)) {
            json_t *o = json_object_get(obs, oid);
            if (!strcmp(ent, "feedback") || !strcmp(ent, "reflection"))
                json_object_set(o, ent, d);
            else {
                char plural[24];
                snprintf(plural, sizeof plural, "%ss", ent);
                json_array_append(json_object_get(o, plural), d);
            }
        }
        json_decref(d);
    }
    PQclear(r);
    FILE *f = path ? fopen(path, "w") : c->out;
    int rc = 0;
    if (!f) {
        fprintf(c->err, "export: cannot write %s.\n", path);
        rc = 1;
    } else if (!as_csv) {
        json_t *all = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(order, i, v) json_array_append(all, json_object_get(obs, json_string_value(v)));
        json_t *doc = json_pack("{s:i,s:O,s:o}", "schema", PROTO_SCHEMA, "unit", unit_rec,
                                "observations", all);
        if (!doc || json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
            rc = 1;
        fputc('\n', f);
        json_decref(doc);
    } else {
        fputs("observation_id,started_at,ended_at,status,observer,observee,room,focus,"
              "activity,events,notes,ratings,feedback_works,feedback_wonderings,"
              "feedback_next_step,reflection,reflection_next_step\n",
              f);
        size_t i;
        json_t *v;
        json_array_foreach(order, i, v) {
            json_t *o = json_object_get(obs, json_string_value(v));
            json_t *ob = json_object_get(o, "observation"), *fb = json_object_get(o, "feedback"),
                   *rf = json_object_get(o, "reflection");
            char a[32], b[32], ne[16], nn[16], nr[16];
            iso(a, json_integer_value(json_object_get(ob, "started_at")));
            iso(b, json_integer_value(json_object_get(ob, "ended_at")));
            snprintf(ne, sizeof ne, "%zu", json_array_size(json_object_get(o, "events")));
            snprintf(nn, sizeof nn, "%zu", json_array_size(json_object_get(o, "notes")));
            snprintf(nr, sizeof nr, "%zu", json_array_size(json_object_get(o, "ratings")));
            csv(f, jstr(ob, "id"), 0);
            csv(f, a, 0);
            csv(f, b, 0);
            csv(f, jstr(ob, "status"), 0);
            csv(f, jstr(names, jstr(ob, "observer_id")) , 0);
            csv(f, jstr(names, jstr(ob, "observee_id")), 0);
            csv(f, jstr(names, jstr(ob, "room_id")), 0);
            csv(f, jstr(names, jstr(ob, "focus_id")), 0);
            csv(f, jstr(ob, "activity"), 0);
            csv(f, ne, 0);
            csv(f, nn, 0);
            csv(f, nr, 0);
            csv(f, jstr(fb, "works"), 0);
            csv(f, jstr(fb, "wonderings"), 0);
            csv(f, jstr(fb, "next_step"), 0);
            csv(f, jstr(rf, "text"), 0);
            csv(f, jstr(rf, "next_step"), 1);
        }
    }
    if (f && path && fclose(f) != 0)
        rc = 1;
    json_decref(obs);
    json_decref(order);
    json_decref(names);
    json_decref(unit_rec);
    return rc;
}

/* ---- privacy ---- */

/* Who is running admin commands, for the audit log: the person behind sudo
 * when there is one, else the account. */
static void admin_actor(char *out, size_t cap)
{
    const char *who = getenv("SUDO_USER");
    struct passwd *pw = (!who || !*who) ? getpwuid(geteuid()) : NULL;
    if (pw)
        who = pw->pw_name;
    snprintf(out, cap, "admin:%.60s", who && *who ? who : "unknown");
}

static int cmd_retention_run(cmd *c)
{
    static const char *const k[] = {"--unit", NULL};
    const char *unit = arg(c, "--unit");
    if (only_args(c, k))
        return 2;
    char actor[80], e[400];
    admin_actor(actor, sizeof actor);
    long n = srv_retention_run(c->pg, unit, actor, e, sizeof e);
    if (n < 0) {
        fprintf(c->err, "retention-run: %s\n", e);
        return 1;
    }
    fprintf(c->out, "deleted %ld observation(s) past their unit's retention period\n", n);
    return 0;
}

static int cmd_person_export(cmd *c)
{
    static const char *const k[] = {"--person", "--out", NULL};
    const char *person = need(c, "--person"), *path = arg(c, "--out");
    if (only_args(c, k) || !person)
        return 2;
    char e[400];
    json_t *doc = srv_person_export(c->pg, person, e, sizeof e);
    if (!doc) {
        fprintf(c->err, "person-export: %s\n", e);
        return 1;
    }
    FILE *f = path ? fopen(path, "w") : c->out;
    int rc = 0;
    if (!f) {
        fprintf(c->err, "person-export: cannot write %s.\n", path);
        rc = 1;
    } else if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || fputc('\n', f) == EOF) {
        rc = 1;
    }
    if (f && path && fclose(f) != 0)
        rc = 1;
    json_decref(doc);
    return rc;
}

static int cmd_person_delete(cmd *c)
{
    static const char *const k[] = {"--person", NULL};
    const char *person = need(c, "--person");
    if (only_args(c, k) || !person)
        return 2;
    char actor[80], e[400];
    admin_actor(actor, sizeof actor);
    long n;
    if (srv_person_delete(c->pg, person, actor, &n, e, sizeof e) != 0) {
        fprintf(c->err, "person-delete: %s\n", e);
        return 1;
    }
    fprintf(c->out, "deleted person %s and %ld observation(s); tablets delete them at their "
                    "next sync\n", person, n);
    return 0;
}

static int cmd_audit_list(cmd *c)
{
    static const char *const k[] = {"--unit", "--subject", "--limit", NULL};
    const char *unit = arg(c, "--unit"), *subject = arg(c, "--subject"), *lim = arg(c, "--limit");
    if (only_args(c, k))
        return 2;
    int limit = lim ? atoi(lim) : 100;
    if (limit < 1 || limit > 100000) {
        fprintf(c->err, "audit-list: --limit is 1 to 100000.\n");
        return 2;
    }
    char ls[16], e[300];
    snprintf(ls, sizeof ls, "%d", limit);
    const char *p[] = {unit ? unit : "", subject ? subject : "", ls};
    PGresult *r = srv_q(c->pg,
                        "SELECT * FROM (SELECT id, to_char(at AT TIME ZONE 'UTC',"
                        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), actor, action, unit_id, subject,"
                        " detail FROM audit_log WHERE ($1 = '' OR unit_id = $1) AND"
                        " ($2 = '' OR subject = $2) ORDER BY id DESC LIMIT $3::int) x ORDER BY id",
                        3, p, e, sizeof e);
    if (!r) {
        fprintf(c->err, "audit-list: %s\n", e);
        return 1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        fprintf(c->out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
                PQgetvalue(r, i, 5), PQgetvalue(r, i, 6));
    PQclear(r);
    return 0;
}

/* Options whose values are free text (names, questions): the audit log
 * keeps that they were given, not what they said, so that erasing a person
 * does not leave their name behind in the log. */
static int free_text_option(const char *opt)
{
    static const char *const t[] = {"--name", "--question", "--why", "--sign", NULL};
    for (const char *const *x = t; *x; x++)
        if (!strcmp(opt, *x))
            return 1;
    return 0;
}

/*
 * Writes the audit row of an admin command before it runs, so that a
 * command whose row cannot be written does not run (reads included), and
 * returns the row's id so the outcome can be added after. -1 on failure.
 */
static long long audit_begin(cmd *c, char *err, size_t errlen)
{
    char detail[1024] = "", actor[80];
    size_t n = 0;
    for (int i = 1; i < c->argc && n < sizeof detail - 1; i++) {
        const char *v = c->argv[i];
        int redact = i > 1 && free_text_option(c->argv[i - 1]) && c->argv[i][0] != '-';
        int w = snprintf(detail + n, sizeof detail - n, "%s%s", n ? " " : "",
                         redact ? "[text]" : v);
        if (w < 0 || (size_t)w >= sizeof detail - n)
            break;
        n += (size_t)w;
    }
    const char *unit = arg(c, "--unit");
    const char *subject = arg(c, "--person");
    if (!subject)
        subject = arg(c, "--device");
    admin_actor(actor, sizeof actor);
    const char *p[] = {actor, c->argv[0], unit ? unit : "", subject ? subject : "", detail};
    PGresult *r = srv_q(c->pg,
                        "INSERT INTO audit_log (actor, action, unit_id, subject, detail)"
                        " VALUES ($1,$2,$3,$4,$5) RETURNING id",
                        5, p, err, errlen);
    if (!r)
        return -1;
    long long id = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return id;
}

static void audit_end(cmd *c, long long id, int rc)
{
    char ids[24], tail[32], e[300];
    snprintf(ids, sizeof ids, "%lld", id);
    snprintf(tail, sizeof tail, " -> exit %d", rc);
    const char *p[] = {ids, tail};
    if (srv_exec(c->pg, "UPDATE audit_log SET detail = detail || $2 WHERE id = $1::bigint", 2, p,
                 e, sizeof e) != 0)
        fprintf(c->err, "%s: the outcome could not be added to the audit log: %s\n", c->argv[0],
                e);
}

void srv_admin_usage(FILE *out)
{
    fputs("Admin commands: blik-server admin [--db CONNINFO | --config FILE] COMMAND ...\n"
          "  unit-add --name NAME [--retention-days N] [--id ID]\n"
          "  room-add --unit UNIT --name NAME [--id ID]\n"
          "  person-add --unit UNIT --name NAME --role peer|leader [--id ID]\n"
          "  pin-set --person PERSON            (the PIN is read from standard input)\n"
          "  person-deactivate --person PERSON | person-activate --person PERSON\n"
          "  focus-add --unit UNIT --file FOCUS.json\n"
          "  focus-add --unit UNIT --question Q --from YYYY-MM-DD --to YYYY-MM-DD --template ID\n"
          "            [--why W] [--pillar values|learning|collaboration|dialogue|judgement]\n"
          "            [--sign TEXT]... [--id ID] [--version N]\n"
          "  template-add --unit UNIT --file TEMPLATE.json\n"
          "  enrol-code --unit UNIT [--ttl-minutes N]   (single use; default 60 minutes)\n"
          "  device-list --unit UNIT\n"
          "  device-revoke --device DEVICE\n"
          "  conflict-list --unit UNIT         (kept conflicts, with both versions)\n"
          "  export --unit UNIT --format csv|json [--out FILE]\n"
          "  retention-run [--unit UNIT]       delete observations past the retention period\n"
          "  person-export --person PERSON [--out FILE]   everything held about one person\n"
          "  person-delete --person PERSON     erase a person and the observations about them\n"
          "                                    (tablets follow at their next sync)\n"
          "  audit-list [--unit UNIT] [--subject ID] [--limit N]   the audit log, newest last\n"
          "Every command is written to the audit log before it runs.\n"
          "Ids are printed on standard output; messages go to standard error.\n",
          out);
}

int srv_admin_main(int argc, char **argv, FILE *in, FILE *out, FILE *errout)
{
    srv_config cfg;
    srv_config_defaults(&cfg);
    char e[600];
    int used;
    int rc = srv_config_load(&cfg, argc, argv, &used, e, sizeof e);
    if (rc == 1) {
        srv_admin_usage(out);
        return 0;
    }
    if (rc != 0) {
        fprintf(errout, "%s\n", e);
        return 2;
    }
    if (used >= argc) {
        srv_admin_usage(errout);
        return 2;
    }
    cmd c = {argc - used, argv + used, in, out, errout, NULL};
    static const struct {
        const char *name;
        int (*fn)(cmd *);
    } cmds[] = {
        {"unit-add", cmd_unit_add},       {"room-add", cmd_room_add},
        {"person-add", cmd_person_add},   {"pin-set", cmd_pin_set},
        {"focus-add", cmd_focus_add},     {"template-add", cmd_template_add},
        {"enrol-code", cmd_enrol_code},   {"device-list", cmd_device_list},
        {"device-revoke", cmd_device_revoke}, {"export", cmd_export},
        {"conflict-list", cmd_conflict_list},
        {"retention-run", cmd_retention_run}, {"person-export", cmd_person_export},
        {"person-delete", cmd_person_delete}, {"audit-list", cmd_audit_list},
        {"person-deactivate", NULL},      {"person-activate", NULL},
    };
    int found = -1;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(c.argv[0], cmds[i].name))
            found = (int)i;
    if (found < 0) {
        fprintf(errout, "Unknown admin command \"%s\".\n", c.argv[0]);
        srv_admin_usage(errout);
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(errout, "The crypto library failed to start.\n");
        return 1;
    }
    c.pg = srv_db_connect(cfg.db, e, sizeof e);
    if (!c.pg) {
        fprintf(errout, "%s\n", e);
        return 1;
    }
    long long audit_id = audit_begin(&c, e, sizeof e);
    if (audit_id < 0) {
        fprintf(errout, "%s: not run, because the audit log cannot be written: %s\n", c.argv[0],
                e);
        PQfinish(c.pg);
        return 1;
    }
    if (!strcmp(c.argv[0], "person-deactivate"))
        rc = cmd_person_active(&c, 0);
    else if (!strcmp(c.argv[0], "person-activate"))
        rc = cmd_person_active(&c, 1);
    else
        rc = cmds[found].fn(&c);
    audit_end(&c, audit_id, rc);
    PQfinish(c.pg);
    return rc;
}
