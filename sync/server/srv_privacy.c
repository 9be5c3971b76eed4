/*
 * Privacy on the server: the audit log, deleting observations (retention)
 * and people (data-subject requests), and exporting everything held about
 * one person. A deletion is published into the unit's feed as an item of
 * entity "deleted", so tablets learn it at their next pull the same way
 * they learn any other change, and in order with them.
 */
#include "srv_facts.h"
#include "srv_int.h"
#include "srv_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How far before its arrival an observation may claim to have happened when
 * its age is measured for retention: a tablet may be offline for weeks, but
 * a clock set years back must not get data deleted at once. */
#define RETENTION_CLOCK_SLACK "30 days"

int srv_audit(PGconn *pg, const char *actor, const char *action, const char *unit,
              const char *subject, const char *detail, char *err, size_t errlen)
{
    const char *p[] = {actor, action, unit ? unit : "", subject ? subject : "",
                       detail ? detail : ""};
    return srv_exec(pg,
                    "INSERT INTO audit_log (actor, action, unit_id, subject, detail)"
                    " VALUES ($1,$2,$3,$4,$5)",
                    5, p, err, errlen);
}

/* Publishes a deletion of entity e, id, into the unit's feed. */
static int publish_deletion(PGconn *pg, const char *unit, model_entity e, const char *id,
                            model_del_reason why, int64_t *seq, char *err, size_t errlen)
{
    model_record r;
    memset(&r, 0, sizeof r);
    r.entity = MODEL_ENT_DELETED;
    r.u.deleted.entity = e;
    snprintf(r.u.deleted.id, sizeof r.u.deleted.id, "%s", id);
    snprintf(r.u.deleted.unit_id, sizeof r.u.deleted.unit_id, "%s", unit);
    r.u.deleted.reason = why;
    r.u.deleted.deleted_at = srv_now_ms();
    char *data = srv_record_text(&r, err, errlen);
    if (!data)
        return -1;
    char key[MODEL_RECORD_KEY_MAX];
    model_record_key(&r, key);
    int rc = srv_item_put(pg, "deleted", key, unit, ++*seq, data, err, errlen);
    free(data);
    return rc;
}

int srv_delete_observation(PGconn *pg, const char *unit, const char *obs_id, model_del_reason why,
                           int64_t *seq, char *err, size_t errlen)
{
    const char *p[] = {obs_id};
    /* Kept conflicts hold copies of the record or of its parts. */
    if (srv_exec(pg,
                 "DELETE FROM conflicts WHERE (entity = 'observation' AND key = $1) OR"
                 " (entity <> 'observation' AND data::json->>'observation_id' = $1)",
                 1, p, err, errlen) != 0 ||
        srv_exec(pg, "DELETE FROM items WHERE observation_id = $1", 1, p, err, errlen) != 0 ||
        srv_exec(pg, "DELETE FROM observations WHERE id = $1", 1, p, err, errlen) != 0 ||
        srv_facts_refresh(pg, p, 1, err, errlen) != 0)
        return -1;
    return publish_deletion(pg, unit, MODEL_ENT_OBSERVATION, obs_id, why, seq, err, errlen);
}

/* Retention for one unit, in one transaction; the number deleted or -1. */
static long retention_unit(PGconn *pg, const char *unit, const char *actor, char *err,
                           size_t errlen)
{
    int64_t seq0, seq;
    if (srv_exec(pg, "BEGIN", 0, NULL, err, errlen) != 0)
        return -1;
    if (srv_feed_lock(pg, unit, &seq0, err, errlen) != 0)
        goto fail;
    seq = seq0;
    const char *p[] = {unit};
    /*
     * An observation's age runs from when it happened (its end, or its
     * start while a draft), by the tablet's clock, but never from later
     * than the server received it (a clock running ahead cannot keep data
     * longer) nor from more than the slack before that (a clock set back
     * cannot get data deleted early).
     */
    PGresult *r = srv_q(
        pg,
        "SELECT o.id FROM observations o JOIN units u ON u.id = o.unit_id"
        " JOIN items i ON i.entity = 'observation' AND i.key = o.id"
        " WHERE o.unit_id = $1 AND"
        " least(greatest(to_timestamp(greatest((i.data::json->>'ended_at')::bigint,"
        "                                      (i.data::json->>'started_at')::bigint) / 1000.0),"
        "                o.received_at - interval '" RETENTION_CLOCK_SLACK "'),"
        "       o.received_at)"
        "   < now() - make_interval(days => u.retention_days)"
        " ORDER BY o.id",
        1, p, err, errlen);
    if (!r)
        goto fail;
    long n = PQntuples(r);
    for (long i = 0; i < n; i++)
        if (srv_delete_observation(pg, unit, PQgetvalue(r, (int)i, 0), MODEL_DEL_RETENTION, &seq,
                                   err, errlen) != 0) {
            PQclear(r);
            goto fail;
        }
    PQclear(r);
    if (n > 0) {
        char detail[64];
        snprintf(detail, sizeof detail, "deleted=%ld", n);
        if (srv_feed_release(pg, unit, seq, err, errlen) != 0 ||
            srv_audit(pg, actor, "retention-run", unit, "", detail, err, errlen) != 0)
            goto fail;
    }
    if (srv_exec(pg, "COMMIT", 0, NULL, err, errlen) != 0)
        goto fail;
    return n;
fail:
    PQclear(PQexec(pg, "ROLLBACK"));
    return -1;
}

long srv_retention_run(PGconn *pg, const char *unit, const char *actor, char *err, size_t errlen)
{
    PGresult *r;
    if (unit) {
        const char *p[] = {unit};
        r = srv_q(pg, "SELECT id FROM units WHERE id = $1", 1, p, err, errlen);
    } else {
        r = srv_q(pg, "SELECT id FROM units ORDER BY id", 0, NULL, err, errlen);
    }
    if (!r)
        return -1;
    if (unit && PQntuples(r) != 1) {
        PQclear(r);
        snprintf(err, errlen, "There is no unit %.60s.", unit);
        return -1;
    }
    long total = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        long n = retention_unit(pg, PQgetvalue(r, i, 0), actor, err, errlen);
        if (n < 0) {
            PQclear(r);
            return -1;
        }
        total += n;
    }
    PQclear(r);
    return total;
}

/* ---- one person ---- */

static json_t *load_json(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    return j ? j : json_null();
}

/* The person's observations with all their parts, keyed by observation. */
static json_t *person_observations(PGconn *pg, const char *person, char *err, size_t errlen)
{
    const char *p[] = {person};
    PGresult *r = srv_q(pg,
                        "SELECT i.entity, i.observation_id, i.data,"
                        " CASE WHEN o.observer_id = $1 THEN 'observer' ELSE 'observee' END"
                        " FROM observations o JOIN items i ON i.observation_id = o.id"
                        " WHERE o.observer_id = $1 OR o.observee_id = $1"
                        " ORDER BY o.id, (i.entity <> 'observation'), i.seq",
                        1, p, err, errlen);
    if (!r)
        return NULL;
    json_t *list = json_array(), *cur = NULL;
    const char *cur_id = "";
    for (int i = 0; list && i < PQntuples(r); i++) {
        const char *ent = PQgetvalue(r, i, 0), *oid = PQgetvalue(r, i, 1);
        if (strcmp(oid, cur_id) != 0) {
            cur = json_pack("{s:s,s:o,s:[],s:[],s:[],s:n,s:n,s:[]}", "role", PQgetvalue(r, i, 3),
                            "observation", json_null(), "events", "notes", "ratings", "feedback",
                            "reflection", "conflicts");
            json_array_append_new(list, cur);
            cur_id = oid;
        }
        json_t *d = load_json(PQgetvalue(r, i, 2));
        if (!strcmp(ent, "observation") || !strcmp(ent, "feedback") || !strcmp(ent, "reflection")) {
            json_object_set_new(cur, ent, d);
        } else {
            char plural[24];
            snprintf(plural, sizeof plural, "%ss", ent);
            json_t *arr = json_object_get(cur, plural);
            if (arr)
                json_array_append_new(arr, d);
            else
                json_decref(d);
        }
    }
    PQclear(r);
    /* Kept conflicts about these observations. */
    r = srv_q(pg,
              "SELECT coalesce(nullif(x.data::json->>'observation_id', ''), x.key), x.entity,"
              " x.base_version, x.server_version, x.data FROM conflicts x"
              " JOIN observations o ON o.id = CASE WHEN x.entity = 'observation' THEN x.key"
              "   ELSE x.data::json->>'observation_id' END"
              " WHERE o.observer_id = $1 OR o.observee_id = $1 ORDER BY x.id",
              1, p, err, errlen);
    if (!r) {
        json_decref(list);
        return NULL;
    }
    for (int i = 0; list && i < PQntuples(r); i++) {
        size_t k;
        json_t *o;
        json_array_foreach (list, k, o) {
            json_t *ob = json_object_get(o, "observation");
            const char *id = json_string_value(json_object_get(ob, "id"));
            if (id && !strcmp(id, PQgetvalue(r, i, 0)))
                json_array_append_new(json_object_get(o, "conflicts"),
                                      json_pack("{s:s,s:i,s:i,s:o}", "entity", PQgetvalue(r, i, 1),
                                                "base_version", atoi(PQgetvalue(r, i, 2)),
                                                "server_version", atoi(PQgetvalue(r, i, 3)), "data",
                                                load_json(PQgetvalue(r, i, 4))));
        }
    }
    PQclear(r);
    return list;
}

json_t *srv_person_export(PGconn *pg, const char *person, char *err, size_t errlen)
{
    const char *p[] = {person};
    PGresult *r = srv_q(pg,
                        "SELECT i.data, coalesce(u.data, 'null') FROM items i"
                        " LEFT JOIN items u ON u.entity = 'unit' AND u.key = i.unit_id"
                        " WHERE i.entity = 'person' AND i.key = $1",
                        1, p, err, errlen);
    if (!r)
        return NULL;
    if (PQntuples(r) != 1) {
        PQclear(r);
        snprintf(err, errlen, "There is no person %.60s.", person);
        return NULL;
    }
    json_t *rec = load_json(PQgetvalue(r, 0, 0)), *unit = load_json(PQgetvalue(r, 0, 1));
    PQclear(r);
    /* The PIN verifier is a hash of a secret, not information about the
     * person: the export says whether one is set and leaves the hash out,
     * so the export file cannot be used to guess the PIN. */
    const char *ver = json_string_value(json_object_get(rec, "pin_verifier"));
    json_object_set_new(rec, "pin_set", json_boolean(ver && *ver));
    json_object_del(rec, "pin_verifier");
    json_t *obs = person_observations(pg, person, err, errlen);
    r = obs ? srv_q(pg,
                    "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                    " actor, action, unit_id, detail FROM audit_log WHERE subject = $1"
                    " ORDER BY id",
                    1, p, err, errlen)
            : NULL;
    if (!r) {
        json_decref(rec);
        json_decref(unit);
        json_decref(obs);
        return NULL;
    }
    json_t *audit = json_array();
    for (int i = 0; audit && i < PQntuples(r); i++)
        json_array_append_new(audit, json_pack("{s:s,s:s,s:s,s:s,s:s}", "at", PQgetvalue(r, i, 0),
                                               "actor", PQgetvalue(r, i, 1), "action",
                                               PQgetvalue(r, i, 2), "unit_id", PQgetvalue(r, i, 3),
                                               "detail", PQgetvalue(r, i, 4)));
    PQclear(r);
    json_t *doc = json_pack("{s:i,s:o,s:o,s:o,s:o}", "schema", PROTO_SCHEMA, "person", rec, "unit",
                            unit, "observations", obs, "audit", audit);
    if (!doc)
        snprintf(err, errlen, "Out of memory.");
    return doc;
}

int srv_person_delete(PGconn *pg, const char *person, const char *actor, long *n_obs, char *err,
                      size_t errlen)
{
    *n_obs = 0;
    const char *p[] = {person};
    PGresult *r = srv_q(pg, "SELECT unit_id FROM people WHERE id = $1", 1, p, err, errlen);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        snprintf(err, errlen, "There is no person %.60s.", person);
        return -1;
    }
    char unit[MODEL_UUID_LEN + 1];
    snprintf(unit, sizeof unit, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    int64_t seq;
    if (srv_exec(pg, "BEGIN", 0, NULL, err, errlen) != 0)
        return -1;
    if (srv_feed_lock(pg, unit, &seq, err, errlen) != 0)
        goto fail;
    r = srv_q(pg,
              "SELECT id FROM observations WHERE observer_id = $1 OR observee_id = $1 ORDER BY id",
              1, p, err, errlen);
    if (!r)
        goto fail;
    for (int i = 0; i < PQntuples(r); i++)
        if (srv_delete_observation(pg, unit, PQgetvalue(r, i, 0), MODEL_DEL_PERSON, &seq, err,
                                   errlen) != 0) {
            PQclear(r);
            goto fail;
        }
    *n_obs = PQntuples(r);
    PQclear(r);
    char detail[64];
    snprintf(detail, sizeof detail, "observations_deleted=%ld", *n_obs);
    if (srv_plan_person_erased(pg, person, &seq, err, errlen) != 0 ||
        srv_exec(pg, "DELETE FROM items WHERE entity = 'person' AND key = $1", 1, p, err, errlen) !=
            0 ||
        srv_exec(pg, "DELETE FROM people WHERE id = $1", 1, p, err, errlen) != 0 ||
        publish_deletion(pg, unit, MODEL_ENT_PERSON, person, MODEL_DEL_PERSON, &seq, err, errlen) !=
            0 ||
        srv_feed_release(pg, unit, seq, err, errlen) != 0 ||
        srv_audit(pg, actor, "person-delete", unit, person, detail, err, errlen) != 0 ||
        srv_exec(pg, "COMMIT", 0, NULL, err, errlen) != 0)
        goto fail;
    return 0;
fail:
    PQclear(PQexec(pg, "ROLLBACK"));
    *n_obs = 0;
    return -1;
}
