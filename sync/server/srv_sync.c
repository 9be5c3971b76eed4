/*
 * The sync logic: device authentication, enrolment, push and pull. Every
 * rule that keeps data safe is enforced inside one database transaction per
 * request, so a request that is cut off at any point leaves either all of
 * its effects or none.
 */
#include "srv_facts.h"
#include "srv_int.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MSG(...) snprintf(msg, msglen, __VA_ARGS__)

static void rollback(PGconn *pg) { PQclear(PQexec(pg, "ROLLBACK")); }

proto_code srv_auth(PGconn *pg, const char *authz, srv_device *dev, char *msg, size_t msglen)
{
    char id[MODEL_UUID_LEN + 1], secret[PROTO_SECRET_HEX + 1];
    if (!authz || strncmp(authz, "Bearer ", 7) != 0 ||
        strlen(authz) != 7 + MODEL_UUID_LEN + 1 + PROTO_SECRET_HEX ||
        authz[7 + MODEL_UUID_LEN] != '.') {
        MSG("This request needs the tablet's credentials: \"Authorization: Bearer "
            "<device_id>.<secret>\".");
        return PROTO_E_UNAUTHORIZED;
    }
    memcpy(id, authz + 7, MODEL_UUID_LEN);
    id[MODEL_UUID_LEN] = 0;
    memcpy(secret, authz + 7 + MODEL_UUID_LEN + 1, PROTO_SECRET_HEX + 1);
    /* A header is whatever the client sent: only a real id and hex secret
     * go on to the database (which would refuse invalid UTF-8 with an
     * error, not a "no such device"). */
    int hex = 1;
    for (int i = 0; i < PROTO_SECRET_HEX && hex; i++)
        hex = (secret[i] >= '0' && secret[i] <= '9') || (secret[i] >= 'a' && secret[i] <= 'f');
    if (model_id_check(id, "device id", NULL, 0) != 0 || !hex) {
        MSG("The tablet's credentials are not known to this server; enrol the tablet again.");
        return PROTO_E_UNAUTHORIZED;
    }
    char err[300];
    const char *p[] = {id};
    PGresult *r = srv_q(pg,
                        "SELECT unit_id, secret_sha256, revoked_at IS NOT NULL,"
                        " wipe_at IS NOT NULL FROM devices WHERE id = $1",
                        1, p, err, sizeof err);
    if (!r) {
        MSG("The database is not answering; try again later.");
        srv_log("auth: %s", err);
        return PROTO_E_UNAVAILABLE;
    }
    /* The stored hash is compared in constant time, and an unknown device
     * is compared against a dummy, so the time taken tells nothing about
     * how much of a secret was right. */
    char hash[65];
    srv_sha256_hex(secret, strlen(secret), hash);
    int found = PQntuples(r) == 1 && strlen(PQgetvalue(r, 0, 1)) == 64;
    static const char dummy[65] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    int same = sodium_memcmp(hash, found ? PQgetvalue(r, 0, 1) : dummy, 64) == 0;
    int match = found && same;
    sodium_memzero(secret, sizeof secret);
    int revoked = found && PQgetvalue(r, 0, 2)[0] == 't';
    int wipe = found && PQgetvalue(r, 0, 3)[0] == 't';
    if (match) {
        snprintf(dev->device_id, sizeof dev->device_id, "%s", id);
        snprintf(dev->unit_id, sizeof dev->unit_id, "%s", PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    if (!match) {
        MSG("The tablet's credentials are not known to this server; enrol the tablet again.");
        return PROTO_E_UNAUTHORIZED;
    }
    if (wipe) {
        MSG("An administrator revoked this tablet and asked for its data to be erased.");
        return PROTO_E_WIPED;
    }
    if (revoked) {
        MSG("This tablet's enrolment was revoked by an administrator; enrol it again.");
        return PROTO_E_REVOKED;
    }
    return PROTO_OK;
}

/* Cuts text to fit cap bytes at a character boundary and keeps only
 * printable ASCII, so a header of any bytes is stored as clean text. */
static void clean_copy(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; in && *in && n + 1 < cap; in++)
        out[n++] = *in >= 0x20 && *in < 0x7F ? *in : '?';
    out[n] = 0;
}

/* One statement per request, which writes only when something changed or
 * half a minute passed, so a tablet's busy minute costs few row versions. */
void srv_device_seen(PGconn *pg, const srv_device *dev, proto_code code, const char *address,
                     const char *user_agent)
{
    char addr[64], ver[80], err[300];
    clean_copy(address, addr, sizeof addr);
    clean_copy(user_agent, ver, sizeof ver);
    const char *p[] = {dev->device_id, addr, ver, code == PROTO_E_WIPED ? "t" : "f"};
    if (srv_exec(pg,
                 "UPDATE devices SET last_seen_at = now(), last_address = $2, last_version = $3,"
                 " wipe_sent_at = CASE WHEN $4::boolean THEN coalesce(wipe_sent_at, now())"
                 " ELSE wipe_sent_at END"
                 " WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < now() - interval"
                 " '30 seconds' OR last_address <> $2 OR last_version <> $3"
                 " OR ($4::boolean AND wipe_sent_at IS NULL))",
                 4, p, err, sizeof err) != 0)
        srv_log("device %s: its last contact could not be noted: %s", dev->device_id, err);
}

/* ---- enrolment ---- */

/* Codes are typed by people: dashes and case do not matter. */
static void normalize_code(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        if (*in != '-')
            out[n++] = (char)toupper((unsigned char)*in);
    out[n] = 0;
}

proto_code srv_enrol(PGconn *pg, const char *body, size_t len, char **reply, char *msg,
                     size_t msglen)
{
    *reply = NULL;
    proto_enrol e;
    proto_err perr;
    if (proto_enrol_decode(body, len, &e, &perr) != 0) {
        MSG("%s", perr.msg);
        return perr.code;
    }
    char norm[PROTO_CODE_MAX + 1], hash[65], err[300];
    normalize_code(e.code, norm, sizeof norm);
    srv_sha256_hex(norm, strlen(norm), hash);

    proto_enrol_reply rep;
    memset(&rep, 0, sizeof rep);
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    sodium_bin2hex(rep.device_secret, sizeof rep.device_secret, secret, sizeof secret);
    if (model_id_new(plat_sys_os(), rep.device_id) != 0) {
        MSG("The server could not make an identifier.");
        return PROTO_E_INTERNAL;
    }
    char shash[65];
    srv_sha256_hex(rep.device_secret, PROTO_SECRET_HEX, shash);

    const char *p1[] = {hash};
    PGresult *r = NULL;
    if (srv_exec(pg, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        !(r = srv_q(pg,
                    "UPDATE enrol_codes SET used_at = now() WHERE code_sha256 = $1 "
                    "AND used_at IS NULL AND expires_at > now() RETURNING unit_id",
                    1, p1, err, sizeof err)))
        goto db_fail;
    if (PQntuples(r) != 1) {
        PQclear(r);
        rollback(pg);
        r = srv_q(pg, "SELECT used_at IS NOT NULL FROM enrol_codes WHERE code_sha256 = $1", 1, p1,
                  err, sizeof err);
        if (r && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't')
            MSG("This enrolment code has already been used; ask an administrator for a new one.");
        else if (r && PQntuples(r) == 1)
            MSG("This enrolment code has expired; ask an administrator for a new one.");
        else
            MSG("This enrolment code is not known; check it, or ask for a new one.");
        PQclear(r);
        return PROTO_E_ENROL_CODE;
    }
    snprintf(rep.unit_id, sizeof rep.unit_id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *p2[] = {rep.device_id, rep.unit_id, e.name, shash, hash};
    if (srv_exec(pg, "INSERT INTO devices (id, unit_id, name, secret_sha256) VALUES ($1,$2,$3,$4)",
                 4, p2, err, sizeof err) != 0 ||
        srv_exec(pg, "UPDATE enrol_codes SET device_id = $1 WHERE code_sha256 = $2", 2,
                 (const char *const[]){rep.device_id, hash}, err, sizeof err) != 0 ||
        srv_exec(pg, "COMMIT", 0, NULL, err, sizeof err) != 0)
        goto db_fail;
    srv_log("enrolled device %s in unit %s", rep.device_id, rep.unit_id);
    *reply = proto_enrol_reply_encode(&rep);
    sodium_memzero(&rep, sizeof rep);
    if (!*reply) {
        MSG("Out of memory.");
        return PROTO_E_INTERNAL;
    }
    return PROTO_OK;
db_fail:
    rollback(pg);
    srv_log("enrol: %s", err);
    MSG("The database is not answering; try again later.");
    return PROTO_E_UNAVAILABLE;
}

/* ---- the feed ---- */

int srv_feed_lock(PGconn *pg, const char *unit_id, int64_t *seq, char *err, size_t errlen)
{
    const char *p[] = {unit_id};
    PGresult *r = srv_q(pg, "SELECT feed_seq FROM units WHERE id = $1 FOR UPDATE", 1, p, err,
                        errlen);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        snprintf(err, errlen, "The unit %s does not exist.", unit_id);
        return -1;
    }
    *seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

int srv_feed_release(PGconn *pg, const char *unit_id, int64_t seq, char *err, size_t errlen)
{
    char s[24];
    snprintf(s, sizeof s, "%lld", (long long)seq);
    const char *p[] = {unit_id, s};
    return srv_exec(pg, "UPDATE units SET feed_seq = $2::bigint WHERE id = $1", 2, p, err, errlen);
}

/* ---- push ---- */

typedef struct {
    model_id id;
    char unit_id[MODEL_UUID_LEN + 1];
    int active, leader;
    int known;
} actor_cache;

typedef enum { STEP_OK = 0, STEP_REJECT = 1, STEP_DB = -1 } step_rc;

/* Whether the actor of a change may make it: a member of the tablet's unit,
 * and the one writer of the part it touches. */
static step_rc owner_check(PGconn *pg, const srv_device *dev, const proto_change *c,
                           actor_cache *ac, proto_result *res, char *err, size_t errlen)
{
    const model_record *rec = &c->rec;
#define REJECT(code_, ...)                                                                         \
    do {                                                                                           \
        res->status = PROTO_ST_REJECTED;                                                           \
        res->code = code_;                                                                         \
        snprintf(res->message, sizeof res->message, __VA_ARGS__);                                  \
        return STEP_REJECT;                                                                        \
    } while (0)
    if (!ac->known || strcmp(ac->id, c->actor_id) != 0) {
        const char *p[] = {c->actor_id};
        PGresult *r = srv_q(pg, "SELECT unit_id, active, role = 'leader' FROM people WHERE id = $1",
                            1, p, err, errlen);
        if (!r)
            return STEP_DB;
        memset(ac, 0, sizeof *ac);
        snprintf(ac->id, sizeof ac->id, "%s", c->actor_id);
        ac->known = 1;
        if (PQntuples(r) == 1) {
            snprintf(ac->unit_id, sizeof ac->unit_id, "%s", PQgetvalue(r, 0, 0));
            ac->active = PQgetvalue(r, 0, 1)[0] == 't';
            ac->leader = PQgetvalue(r, 0, 2)[0] == 't';
        }
        PQclear(r);
    }
    if (strcmp(ac->unit_id, dev->unit_id) != 0 || !ac->active)
        REJECT(PROTO_E_FORBIDDEN, "The person %s is not an active member of this tablet's unit.",
               c->actor_id);

    if (rec->entity == MODEL_ENT_OBSERVATION) {
        const model_observation *o = &rec->u.obs;
        if (strcmp(o->unit_id, dev->unit_id) != 0)
            REJECT(PROTO_E_FORBIDDEN,
                   "The observation belongs to another unit than this tablet's.");
        if (strcmp(o->observer_id, c->actor_id) != 0)
            REJECT(PROTO_E_FORBIDDEN, "Only the observer may write an observation.");
        char fv[16];
        snprintf(fv, sizeof fv, "%d", o->focus_version);
        const char *p[] = {o->id, o->observee_id, o->room_id, o->focus_id, dev->unit_id, fv};
        PGresult *r = srv_q(
            pg,
            "SELECT (SELECT unit_id FROM people WHERE id = $2),"
            " ($3 = '' OR EXISTS (SELECT 1 FROM rooms WHERE id = $3 AND unit_id = $5)),"
            " EXISTS (SELECT 1 FROM focuses WHERE id = $4 AND version = $6::int AND unit_id = $5),"
            " (SELECT unit_id || ' ' || observer_id || ' ' || observee_id FROM observations"
            "  WHERE id = $1),"
            " EXISTS (SELECT 1 FROM items WHERE entity = 'deleted' AND key = 'observation/' || $1)",
            6, p, err, errlen);
        if (!r)
            return STEP_DB;
        char observee_unit[64], existing[160];
        snprintf(observee_unit, sizeof observee_unit, "%s", PQgetvalue(r, 0, 0));
        int room_ok = PQgetvalue(r, 0, 1)[0] == 't', focus_ok = PQgetvalue(r, 0, 2)[0] == 't';
        int has = !PQgetisnull(r, 0, 3);
        snprintf(existing, sizeof existing, "%s", PQgetvalue(r, 0, 3));
        int deleted = PQgetvalue(r, 0, 4)[0] == 't';
        PQclear(r);
        /* A deleted observation stays deleted: a tablet that has not yet
         * pulled the deletion cannot bring it back by editing it. */
        if (deleted)
            REJECT(PROTO_E_FORBIDDEN,
                   "This observation was deleted on the server (retention or a person's "
                   "request) and cannot be sent again.");
        char want[160];
        snprintf(want, sizeof want, "%s %s %s", o->unit_id, o->observer_id, o->observee_id);
        if (has && strcmp(existing, want) != 0)
            REJECT(PROTO_E_FORBIDDEN,
                   "An observation's unit, observer and observee cannot change once sent.");
        if (strcmp(observee_unit, dev->unit_id) != 0)
            REJECT(PROTO_E_FORBIDDEN, "The observee is not a member of this tablet's unit.");
        if (!room_ok)
            REJECT(PROTO_E_FORBIDDEN, "The room is not one of this unit's rooms.");
        if (!focus_ok)
            REJECT(PROTO_E_NOT_FOUND, "The focus %s (version %d) is not known for this unit.",
                   o->focus_id, o->focus_version);
        return STEP_OK;
    }

    const char *obs_id = model_record_observation(rec);
    const char *p[] = {obs_id};
    PGresult *r = srv_q(pg,
                        "SELECT unit_id, observer_id, observee_id FROM observations WHERE id = $1",
                        1, p, err, errlen);
    if (!r)
        return STEP_DB;
    if (PQntuples(r) != 1) {
        PQclear(r);
        REJECT(PROTO_E_NOT_FOUND, "The observation %s is not on the server yet; send it first.",
               obs_id);
    }
    int same_unit = !strcmp(PQgetvalue(r, 0, 0), dev->unit_id);
    int is_observer = !strcmp(PQgetvalue(r, 0, 1), c->actor_id);
    int is_observee = !strcmp(PQgetvalue(r, 0, 2), c->actor_id);
    PQclear(r);
    if (!same_unit)
        REJECT(PROTO_E_FORBIDDEN, "The observation belongs to another unit than this tablet's.");
    if (rec->entity == MODEL_ENT_REFLECTION) {
        if (!is_observee || strcmp(rec->u.reflection.author_id, c->actor_id) != 0)
            REJECT(PROTO_E_FORBIDDEN, "Only the observee may write the reflection.");
    } else {
        if (!is_observer)
            REJECT(PROTO_E_FORBIDDEN, "Only the observer may write the %s of an observation.",
                   model_entity_name(rec->entity));
        if (rec->entity == MODEL_ENT_FEEDBACK &&
            strcmp(rec->u.feedback.author_id, c->actor_id) != 0)
            REJECT(PROTO_E_FORBIDDEN, "The feedback's author must be the observer.");
    }
    return STEP_OK;
#undef REJECT
}

/* Stores one change that passed its checks: a new record, a newer version,
 * or (when the tablet edited a version another tablet has since replaced) a
 * kept conflict. */
static step_rc apply(PGconn *pg, const srv_device *dev, const proto_change *c, const char *key,
                     const char *data, int64_t *seq, proto_result *res, char *err, size_t errlen)
{
    model_entity e = c->rec.entity;
    const char *ent = model_entity_name(e);
    const char *obs_id = model_record_observation(&c->rec);
    const char *p[] = {ent, key};
    PGresult *r = srv_q(pg,
                        "SELECT unit_id, version, device_id, data FROM items "
                        "WHERE entity = $1 AND key = $2",
                        2, p, err, errlen);
    if (!r)
        return STEP_DB;
    char seqs[24], vs[16], bs[16];
    if (PQntuples(r) == 0) {
        PQclear(r);
        snprintf(seqs, sizeof seqs, "%lld", (long long)++*seq);
        const char *pi[] = {ent,    key,         dev->unit_id,   seqs,
                            obs_id, c->actor_id, dev->device_id, data};
        if (srv_exec(pg,
                     "INSERT INTO items (entity, key, unit_id, seq, observation_id, version,"
                     " author_id, device_id, data) VALUES ($1,$2,$3,$4::bigint,$5,1,$6,$7,$8)",
                     8, pi, err, errlen) != 0)
            return STEP_DB;
        if (e == MODEL_ENT_OBSERVATION) {
            const model_observation *o = &c->rec.u.obs;
            const char *po[] = {o->id, o->unit_id, o->observer_id, o->observee_id};
            if (srv_exec(pg,
                         "INSERT INTO observations (id, unit_id, observer_id, observee_id)"
                         " VALUES ($1,$2,$3,$4)",
                         4, po, err, errlen) != 0)
                return STEP_DB;
        }
        res->status = PROTO_ST_STORED;
        res->version = 1;
        return STEP_OK;
    }
    int same_unit = !strcmp(PQgetvalue(r, 0, 0), dev->unit_id);
    int version = atoi(PQgetvalue(r, 0, 1));
    int same_device = !strcmp(PQgetvalue(r, 0, 2), dev->device_id);
    int same_data = !strcmp(PQgetvalue(r, 0, 3), data);
    PQclear(r);
    res->version = version;
    if (!same_unit) {
        res->status = PROTO_ST_REJECTED;
        res->code = PROTO_E_FORBIDDEN;
        snprintf(res->message, sizeof res->message, "This %s belongs to another unit.", ent);
        return STEP_REJECT;
    }
    if (same_data) {
        res->status = PROTO_ST_STORED;
        return STEP_OK;
    }
    /* Events are append-only (an undo is an event of its own); a note is
     * edited or deleted by its observer, and versioned like the other parts. */
    int append_only = e == MODEL_ENT_EVENT;
    if (append_only || (c->base_version < version && !same_device)) {
        snprintf(vs, sizeof vs, "%d", version);
        snprintf(bs, sizeof bs, "%d", c->base_version);
        const char *pc[] = {c->change_id, ent, key, dev->unit_id, dev->device_id, bs, vs, data};
        if (srv_exec(pg,
                     "INSERT INTO conflicts (change_id, entity, key, unit_id, device_id,"
                     " base_version, server_version, data)"
                     " VALUES ($1,$2,$3,$4,$5,$6::int,$7::int,$8)",
                     8, pc, err, errlen) != 0)
            return STEP_DB;
        res->status = PROTO_ST_CONFLICT;
        return STEP_OK;
    }
    snprintf(seqs, sizeof seqs, "%lld", (long long)++*seq);
    const char *pu[] = {ent, key, seqs, c->actor_id, dev->device_id, data};
    if (srv_exec(pg,
                 "UPDATE items SET seq = $3::bigint, version = version + 1, author_id = $4,"
                 " device_id = $5, data = $6, updated_at = now() WHERE entity = $1 AND key = $2",
                 6, pu, err, errlen) != 0)
        return STEP_DB;
    res->status = PROTO_ST_STORED;
    res->version = version + 1;
    return STEP_OK;
}

/* One try at a push in one transaction: 0 done, 1 worth retrying, -1 failed. */
static int push_txn(PGconn *pg, const srv_device *dev, const proto_push *p, proto_result *res,
                    char *err, size_t errlen)
{
    int64_t seq0, seq;
    actor_cache ac;
    memset(&ac, 0, sizeof ac);
    /* The observations whose records this push stored or kept as
     * conflicts: their figures for the office are made again at the end. */
    const char **touched = malloc((size_t)(p->n ? p->n : 1) * sizeof *touched);
    int n_touched = 0;
    if (!touched) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (srv_exec(pg, "BEGIN", 0, NULL, err, errlen) != 0) {
        free(touched);
        return -1;
    }
    if (srv_feed_lock(pg, dev->unit_id, &seq0, err, errlen) != 0)
        goto fail;
    seq = seq0;
    for (int i = 0; i < p->n; i++) {
        const proto_change *c = &p->changes[i];
        proto_result *x = &res[i];
        memset(x, 0, sizeof *x);
        snprintf(x->change_id, sizeof x->change_id, "%s", c->change_id);
        char *canon = proto_change_canonical(c);
        json_t *dj = model_record_to_json(&c->rec, NULL);
        char *data = dj ? json_dumps(dj, JSON_COMPACT) : NULL;
        json_decref(dj);
        if (!canon || !data) {
            free(canon);
            free(data);
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        char hash[65], key[MODEL_RECORD_KEY_MAX];
        srv_sha256_hex(canon, strlen(canon), hash);
        free(canon);
        model_record_key(&c->rec, key);

        const char *pd[] = {c->change_id};
        PGresult *r = srv_q(pg, "SELECT body_sha256, version FROM changes WHERE change_id = $1", 1,
                            pd, err, errlen);
        step_rc st = STEP_DB;
        if (r && PQntuples(r) == 1) {
            if (!strcmp(PQgetvalue(r, 0, 0), hash)) {
                x->status = PROTO_ST_DUPLICATE;
                x->version = atoi(PQgetvalue(r, 0, 1));
            } else {
                x->status = PROTO_ST_REJECTED;
                x->code = PROTO_E_CHANGE_REUSED;
                snprintf(x->message, sizeof x->message,
                         "This change_id was already used for a different change.");
            }
            st = STEP_REJECT;
        } else if (r) {
            st = owner_check(pg, dev, c, &ac, x, err, errlen);
            if (st == STEP_OK)
                st = apply(pg, dev, c, key, data, &seq, x, err, errlen);
        }
        PQclear(r);
        if (st == STEP_OK) {
            char vs[16];
            snprintf(vs, sizeof vs, "%d", x->version);
            const char *pc[] = {c->change_id,
                                dev->device_id,
                                model_entity_name(c->rec.entity),
                                key,
                                hash,
                                proto_status_name(x->status),
                                vs};
            if (srv_exec(pg,
                         "INSERT INTO changes (change_id, device_id, entity, key, body_sha256,"
                         " status, version) VALUES ($1,$2,$3,$4,$5,$6,$7::int)",
                         7, pc, err, errlen) != 0)
                st = STEP_DB;
        }
        free(data);
        if (st == STEP_DB)
            goto fail;
        if (st == STEP_OK && model_record_observation(&c->rec)[0])
            touched[n_touched++] = model_record_observation(&c->rec);
    }
    if (srv_facts_refresh(pg, touched, n_touched, err, errlen) != 0)
        goto fail;
    if (seq != seq0 && srv_feed_release(pg, dev->unit_id, seq, err, errlen) != 0)
        goto fail;
    /* What the tablet last sent, for device-list, with the push itself. */
    char np[16];
    snprintf(np, sizeof np, "%d", p->n);
    if (srv_exec(pg,
                 "UPDATE devices SET last_push_at = now(), last_push_changes = $2::int"
                 " WHERE id = $1",
                 2, (const char *const[]){dev->device_id, np}, err, errlen) != 0)
        goto fail;
    free(touched);
    if (srv_exec(pg, "COMMIT", 0, NULL, err, errlen) != 0)
        return srv_q_retryable(err) ? 1 : -1;
    return 0;
fail:
    free(touched);
    rollback(pg);
    return srv_q_retryable(err) ? 1 : -1;
}

/* For fault tests only: a pause between the commit of a push and its reply,
 * so that a test can kill the server exactly there. Off unless the
 * environment variable is set when the server starts. */
static int commit_delay_ms(void)
{
    const char *v = getenv("BLIK_FAULT_COMMIT_DELAY_MS");
    int ms = v ? atoi(v) : 0;
    return ms > 0 && ms <= 60000 ? ms : 0;
}

proto_code srv_push(PGconn *pg, const srv_device *dev, const char *body, size_t len, char **reply,
                    char *msg, size_t msglen)
{
    *reply = NULL;
    proto_push p;
    proto_err perr;
    if (proto_push_decode(body, len, &p, &perr) != 0) {
        MSG("%s", perr.msg);
        return perr.code;
    }
    proto_push_reply rep = {PROTO_SCHEMA, p.n, calloc(p.n ? (size_t)p.n : 1, sizeof(proto_result))};
    if (!rep.results) {
        proto_push_clear(&p);
        MSG("Out of memory.");
        return PROTO_E_INTERNAL;
    }
    char err[400] = "";
    int rc = 1;
    for (int attempt = 0; attempt < 4 && rc == 1; attempt++)
        rc = push_txn(pg, dev, &p, rep.results, err, sizeof err);
    proto_push_clear(&p);
    if (rc != 0) {
        srv_log("push from device %s failed: %s", dev->device_id, err);
        free(rep.results);
        MSG("The database could not store the changes; nothing was stored. Try again later.");
        return PROTO_E_UNAVAILABLE;
    }
    int delay = commit_delay_ms();
    if (delay > 0) {
        struct timespec ts = {delay / 1000, (long)(delay % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    *reply = proto_push_reply_encode(&rep);
    free(rep.results);
    if (!*reply) {
        MSG("Out of memory.");
        return PROTO_E_INTERNAL;
    }
    return PROTO_OK;
}

/* ---- pull ---- */

proto_code srv_pull(PGconn *pg, const srv_device *dev, const char *body, size_t len, char **reply,
                    char *msg, size_t msglen)
{
    *reply = NULL;
    proto_pull p;
    proto_err perr;
    if (proto_pull_decode(body, len, &p, &perr) != 0) {
        MSG("%s", perr.msg);
        return perr.code;
    }
    char err[400];
    int leader = 0;
    if (p.person_id[0]) {
        const char *pp[] = {p.person_id};
        PGresult *r = srv_q(pg, "SELECT unit_id, active, role = 'leader' FROM people WHERE id = $1",
                            1, pp, err, sizeof err);
        if (!r)
            goto db_fail;
        int ok = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), dev->unit_id) &&
                 PQgetvalue(r, 0, 1)[0] == 't';
        leader = ok && PQgetvalue(r, 0, 2)[0] == 't';
        PQclear(r);
        if (!ok) {
            MSG("The person %s is not an active member of this tablet's unit.", p.person_id);
            return PROTO_E_FORBIDDEN;
        }
    }
    char cur[24], lim[16];
    snprintf(cur, sizeof cur, "%lld", (long long)p.cursor);
    snprintf(lim, sizeof lim, "%d", p.limit + 1);
    const char *pq[] = {dev->unit_id, cur, p.person_id, leader ? "t" : "f", lim};
    PGresult *r = NULL, *top = NULL;
    /* One snapshot for both reads, so the cursor handed out never passes a
     * record the reply did not consider. */
    if (srv_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL, err, sizeof err) != 0)
        goto db_fail;
    r = srv_q(pg,
              "SELECT i.entity, i.seq, i.version, i.data FROM items i"
              " LEFT JOIN observations o ON o.id = i.observation_id"
              " WHERE i.unit_id = $1 AND i.seq > $2::bigint AND (i.observation_id = '' OR"
              "  ($3 <> '' AND ($4::bool OR o.observer_id = $3 OR o.observee_id = $3)))"
              " ORDER BY i.seq LIMIT $5::int",
              5, pq, err, sizeof err);
    if (r)
        top = srv_q(pg, "SELECT feed_seq FROM units WHERE id = $1", 1, pq, err, sizeof err);
    /* Every read of personal data is in the audit log, in the same
     * transaction: no log row, no data. */
    char actor[64], detail[120];
    int n_obs = 0;
    for (int i = 0; r && i < PQntuples(r) && i < p.limit; i++)
        n_obs += !strcmp(PQgetvalue(r, i, 0), "observation");
    snprintf(actor, sizeof actor, "device:%s", dev->device_id);
    snprintf(detail, sizeof detail, "cursor=%lld items=%d observations=%d", (long long)p.cursor,
             r ? (PQntuples(r) > p.limit ? p.limit : PQntuples(r)) : 0, n_obs);
    if (!r || !top || PQntuples(top) != 1 ||
        srv_audit(pg, actor, "pull", dev->unit_id, p.person_id, detail, err, sizeof err) != 0 ||
        srv_exec(pg, "COMMIT", 0, NULL, err, sizeof err) != 0) {
        PQclear(r);
        PQclear(top);
        rollback(pg);
        goto db_fail;
    }
    int n = PQntuples(r), more = n > p.limit;
    if (more)
        n = p.limit;
    int64_t cursor = more ? strtoll(PQgetvalue(r, n - 1, 1), NULL, 10)
                          : strtoll(PQgetvalue(top, 0, 0), NULL, 10);
    if (cursor < p.cursor)
        cursor = p.cursor;
    PQclear(top);
    json_t *out = proto_pull_reply_begin(cursor, more);
    for (int i = 0; out && i < n; i++) {
        model_entity e;
        json_error_t je;
        json_t *d = json_loads(PQgetvalue(r, i, 3), 0, &je);
        if (!d || model_entity_parse(PQgetvalue(r, i, 0), &e) != 0 ||
            proto_pull_reply_add(out, e, strtoll(PQgetvalue(r, i, 1), NULL, 10),
                                 atoi(PQgetvalue(r, i, 2)), d) != 0) {
            json_decref(out);
            out = NULL;
        }
        json_decref(d);
    }
    PQclear(r);
    *reply = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    if (!*reply) {
        MSG("The server could not build the reply.");
        return PROTO_E_INTERNAL;
    }
    return PROTO_OK;
db_fail:
    srv_log("pull from device %s failed: %s", dev->device_id, err);
    MSG("The database is not answering; try again later.");
    return PROTO_E_UNAVAILABLE;
}
