/*
 * Reference data into a unit's feed: units, rooms, people, focuses and
 * templates are stored in their own tables (for the server's checks) and
 * as records in items, in one transaction with the feed number, so tablets
 * receive every change on their next pull and the admin commands never
 * write the feed by hand.
 */
#include "srv_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The unit a reference record belongs to (its own id for a unit). */
static const char *ref_unit(const model_record *r)
{
    switch (r->entity) {
    case MODEL_ENT_UNIT: return r->u.unit.id;
    case MODEL_ENT_ROOM: return r->u.room.unit_id;
    case MODEL_ENT_PERSON: return r->u.person.unit_id;
    case MODEL_ENT_FOCUS: return r->u.focus.unit_id;
    case MODEL_ENT_TEMPLATE: return r->u.tmpl.unit_id;
    default: return "";
    }
}

/* The typed row behind a reference record, which the sync checks read
 * (who belongs to which unit, which focus versions exist). */
static int typed_upsert(PGconn *pg, const model_record *r, char *err, size_t errlen)
{
    char a[16], b[16];
    switch (r->entity) {
    case MODEL_ENT_UNIT: {
        snprintf(a, sizeof a, "%d", r->u.unit.retention_days);
        const char *p[] = {r->u.unit.id, r->u.unit.name, a};
        return srv_exec(pg,
                        "INSERT INTO units (id, name, retention_days) VALUES ($1,$2,$3::int)"
                        " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
                        " retention_days = EXCLUDED.retention_days",
                        3, p, err, errlen);
    }
    case MODEL_ENT_ROOM: {
        const char *p[] = {r->u.room.id, r->u.room.unit_id, r->u.room.name};
        return srv_exec(pg,
                        "INSERT INTO rooms (id, unit_id, name) VALUES ($1,$2,$3)"
                        " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name",
                        3, p, err, errlen);
    }
    case MODEL_ENT_PERSON: {
        const model_person *x = &r->u.person;
        const char *p[] = {x->id,           x->unit_id,
                           x->name,         x->role == MODEL_ROLE_LEADER ? "leader" : "peer",
                           x->pin_verifier, x->active ? "t" : "f"};
        return srv_exec(pg,
                        "INSERT INTO people (id, unit_id, name, role, pin_verifier, active)"
                        " VALUES ($1,$2,$3,$4,$5,$6::bool) ON CONFLICT (id) DO UPDATE SET"
                        " name = EXCLUDED.name, role = EXCLUDED.role,"
                        " pin_verifier = EXCLUDED.pin_verifier, active = EXCLUDED.active",
                        6, p, err, errlen);
    }
    case MODEL_ENT_FOCUS:
    case MODEL_ENT_TEMPLATE: {
        int f = r->entity == MODEL_ENT_FOCUS;
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

char *srv_record_text(const model_record *r, char *err, size_t errlen)
{
    json_t *j = model_record_to_json(r, NULL);
    char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!data)
        snprintf(err, errlen, "Out of memory.");
    return data;
}

int srv_item_put(PGconn *pg, const char *entity, const char *key, const char *unit, int64_t seq,
                 const char *data, char *err, size_t errlen)
{
    char seqs[24];
    snprintf(seqs, sizeof seqs, "%lld", (long long)seq);
    const char *p[] = {entity, key, unit, seqs, data};
    return srv_exec(pg,
                    "INSERT INTO items (entity, key, unit_id, seq, version, data)"
                    " VALUES ($1,$2,$3,$4::bigint,1,$5) ON CONFLICT (entity, key) DO UPDATE SET"
                    " seq = EXCLUDED.seq, version = items.version + 1, data = EXCLUDED.data,"
                    " updated_at = now()",
                    5, p, err, errlen);
}

int srv_publish_ref_in(PGconn *pg, const model_record *r, int replace, int *published, char *err,
                       size_t errlen)
{
    if (published)
        *published = 0;
    char *data = srv_record_text(r, err, errlen);
    if (!data)
        return -1;
    char key[MODEL_RECORD_KEY_MAX];
    model_record_key(r, key);
    const char *ent = model_entity_name(r->entity), *unit = ref_unit(r);
    int64_t seq;
    int versioned = r->entity == MODEL_ENT_FOCUS || r->entity == MODEL_ENT_TEMPLATE;
    if (typed_upsert(pg, r, err, errlen) != 0 || srv_feed_lock(pg, unit, &seq, err, errlen) != 0)
        goto fail;
    const char *pk[] = {ent, key};
    PGresult *q = srv_q(pg, "SELECT unit_id, data FROM items WHERE entity = $1 AND key = $2", 2, pk,
                        err, errlen);
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
    if (versioned && exists && !same && !replace) {
        snprintf(err, errlen,
                 "This version of the %s exists with other content; versions never change, "
                 "so add it as a new version.",
                 ent);
        goto fail;
    }
    /* Publishing the same content again is a no-op: no new feed number. */
    if (!same && (srv_item_put(pg, ent, key, unit, ++seq, data, err, errlen) != 0 ||
                  srv_feed_release(pg, unit, seq, err, errlen) != 0))
        goto fail;
    if (published)
        *published = !same;
    free(data);
    return 0;
fail:
    free(data);
    return -1;
}

int srv_publish_ref(PGconn *pg, const model_record *r, char *err, size_t errlen)
{
    if (srv_exec(pg, "BEGIN", 0, NULL, err, errlen) != 0)
        return -1;
    if (srv_publish_ref_in(pg, r, 0, NULL, err, errlen) != 0 ||
        srv_exec(pg, "COMMIT", 0, NULL, err, errlen) != 0) {
        PQclear(PQexec(pg, "ROLLBACK"));
        return -1;
    }
    return 0;
}
