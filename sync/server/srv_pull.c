/*
 * Pull: one page of the unit's feed after the tablet's cursor, read with
 * the counter in one snapshot (so the cursor handed out never passes a
 * record the page did not consider), logged in the audit log in the same
 * transaction, and written out as text around the records' stored JSON,
 * which the server itself wrote in the codec's compact form: nothing is
 * parsed and dumped again on the way out, except for a tablet of an older
 * schema version, which is sent only what its version has.
 */
#include "srv_int.h"
#include "srv_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG(...) snprintf(msg, msglen, __VA_ARGS__)

/* The person the pull is for may see the unit's observations only as an
 * active member; a leader sees all of them. PROTO_OK or forbidden (with
 * msg), or unavailable. */
static proto_code pull_person(PGconn *pg, const srv_device *dev, const char *person, int *leader,
                              char *msg, size_t msglen)
{
    char err[400];
    const char *pp[] = {person};
    PGresult *r = srv_q(pg, "SELECT unit_id, active, role = 'leader' FROM people WHERE id = $1", 1,
                        pp, err, sizeof err);
    if (!r) {
        srv_log("pull from device %s failed: %s", dev->device_id, err);
        MSG("The database is not answering; try again later.");
        return PROTO_E_UNAVAILABLE;
    }
    int ok = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), dev->unit_id) &&
             PQgetvalue(r, 0, 1)[0] == 't';
    *leader = ok && PQgetvalue(r, 0, 2)[0] == 't';
    PQclear(r);
    if (!ok) {
        MSG("The person %s is not an active member of this tablet's unit.", person);
        return PROTO_E_FORBIDDEN;
    }
    return PROTO_OK;
}

/* The stored record's text as a tablet of schema version `schema` may read
 * it (proto_record_fit), malloc'd; NULL when it cannot be read or written
 * (logged). */
static char *fit_record(model_entity e, const char *data, int schema)
{
    model_record rec;
    model_err err;
    char *out = NULL;
    if (model_record_parse(e, data, &rec, &err) != 0 || proto_record_fit(&rec, schema) != 0 ||
        !(out = model_record_text(&rec, &err)))
        srv_log("pull: a stored %s could not be written for schema version %d",
                model_entity_name(e), schema);
    return out;
}

proto_code srv_pull(PGconn *pg, PGconn *rd, const srv_device *dev, const char *body, size_t len,
                    char **reply, char *msg, size_t msglen)
{
    /* From a replica the reads are one read-only transaction there, and
     * the audit row is its own statement on the primary, committed before
     * the reply is made; on the primary both are one transaction. */
    int apart = rd && rd != pg;
    if (!rd)
        rd = pg;
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
        proto_code pc = pull_person(pg, dev, p.person_id, &leader, msg, msglen);
        if (pc != PROTO_OK)
            return pc;
    }
    char cur[24], lim[16], sch[12];
    snprintf(cur, sizeof cur, "%lld", (long long)p.cursor);
    snprintf(lim, sizeof lim, "%d", p.limit + 1);
    snprintf(sch, sizeof sch, "%d", p.schema);
    const char *pq[] = {dev->unit_id, cur, p.person_id, leader ? "t" : "f", lim, sch};
    PGresult *r = NULL, *top = NULL;
    /* One snapshot for both reads, so the cursor handed out never passes a
     * record the reply did not consider.
     *
     * A page is the first records after the cursor in the feed's order,
     * which the feed's index gives as they are read, so the read stops at
     * the page's end; each record's observation is one probe of its key.
     * Both are spelled out (no sort, a LATERAL probe), since the planner
     * chose by the tables' last known sizes: while a first sync fills a
     * database faster than autovacuum looks, it read and sorted every record
     * after the cursor for each page, 220 ms a page instead of 4. */
    if (srv_exec(
            rd,
            apart ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL enable_sort = off"
                  : "BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL enable_sort = off",
            0, NULL, err, sizeof err) != 0) {
        /* The BEGIN may have run and the SET not: the connection goes back
         * to the pool out of any transaction. */
        if (PQtransactionStatus(rd) != PQTRANS_IDLE)
            srv_exec(rd, "ROLLBACK", 0, NULL, NULL, 0);
        goto db_fail;
    }
    r = srv_q(rd,
              "SELECT i.entity, i.seq, i.version, i.data FROM items i"
              " LEFT JOIN LATERAL (SELECT observer_id, observee_id FROM observations"
              "  WHERE id = i.observation_id LIMIT 1) o ON true"
              " WHERE i.unit_id = $1 AND i.seq > $2::bigint AND (i.observation_id = '' OR"
              "  ($3 <> '' AND ($4::bool OR o.observer_id = $3 OR o.observee_id = $3)))"
              " AND " SRV_PLAN_PULL_SEEN " AND ($6::int >= 2 OR i.entity <> 'plan')"
              /* An observation about a team (no observee), and its parts,
               * only from schema version 3: an older tablet cannot hold
               * one. */
              " AND ($6::int >= 3 OR i.observation_id = '' OR o.observee_id IS NOT NULL)"
              " ORDER BY i.seq LIMIT $5::int",
              6, pq, err, sizeof err);
    if (r)
        top = srv_q(rd, "SELECT feed_seq FROM units WHERE id = $1", 1, pq, err, sizeof err);
    if (apart && r && top && srv_exec(rd, "COMMIT", 0, NULL, err, sizeof err) != 0) {
        PQclear(r);
        PQclear(top);
        r = top = NULL;
    }
    /* A page ends at the limit, or earlier once its text passes
     * PROTO_PULL_BYTES (always at least one record), so that a page of
     * large records still fits what a tablet reads at once. */
    int rows = r ? PQntuples(r) : 0, n = 0;
    size_t bytes = 0;
    while (n < rows && n < p.limit && (n == 0 || bytes < PROTO_PULL_BYTES))
        bytes += (size_t)PQgetlength(r, n++, 3) + 64;
    int more = rows > n;
    /* Every read of personal data is in the audit log, in the same
     * transaction: no log row, no data. */
    char actor[64], detail[120];
    int n_obs = 0;
    for (int i = 0; i < n; i++)
        n_obs += !strcmp(PQgetvalue(r, i, 0), "observation");
    snprintf(actor, sizeof actor, "device:%s", dev->device_id);
    snprintf(detail, sizeof detail, "cursor=%lld items=%d observations=%d", (long long)p.cursor, n,
             n_obs);
    if (!r || !top || PQntuples(top) != 1 ||
        srv_audit(pg, actor, "pull", dev->unit_id, p.person_id, detail, err, sizeof err) != 0 ||
        (!apart && srv_exec(pg, "COMMIT", 0, NULL, err, sizeof err) != 0)) {
        PQclear(r);
        PQclear(top);
        if (PQtransactionStatus(rd) != PQTRANS_IDLE)
            srv_exec(rd, "ROLLBACK", 0, NULL, NULL, 0);
        goto db_fail;
    }
    int64_t cursor = more ? strtoll(PQgetvalue(r, n - 1, 1), NULL, 10)
                          : strtoll(PQgetvalue(top, 0, 0), NULL, 10);
    if (cursor < p.cursor)
        cursor = p.cursor;
    PQclear(top);
    /* The reply as the codec writes it (proto_pull_reply_begin/add): the
     * records' text is the codec's own, kept as it was stored. */
    srv_buf b = {0}; /* the reply under construction */
    char head[120];
    int ok = srv_buf_put(&b, head,
                         (size_t)snprintf(head, sizeof head,
                                          "{\"schema\":%d,\"cursor\":%lld,\"more\":%s,\"items\":[",
                                          p.schema, (long long)cursor, more ? "true" : "false")) ==
             0;
    for (int i = 0; ok && i < n; i++) {
        model_entity e;
        const char *data = PQgetvalue(r, i, 3);
        if (model_entity_parse(PQgetvalue(r, i, 0), &e) != 0 || data[0] != '{') {
            srv_log("pull: the stored %s at feed number %s is not a record", PQgetvalue(r, i, 0),
                    PQgetvalue(r, i, 1));
            ok = 0;
            break;
        }
        int k = snprintf(head, sizeof head,
                         "%s{\"entity\":\"%s\",\"seq\":%s,\"version\":%s,\"data\":", i ? "," : "",
                         model_entity_name(e), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        char *fitted = NULL;
        if (p.schema < PROTO_SCHEMA && e == MODEL_ENT_OBSERVATION &&
            (strstr(data, "\"pair_code\"") || strstr(data, "\"plan_id\"")) &&
            !(data = fitted = fit_record(e, data, p.schema))) {
            ok = 0;
            break;
        }
        ok = srv_buf_put(&b, head, (size_t)k) == 0 &&
             srv_buf_put(&b, data, fitted ? strlen(fitted) : (size_t)PQgetlength(r, i, 3)) == 0 &&
             srv_buf_put(&b, "}", 1) == 0;
        free(fitted);
    }
    ok = ok && srv_buf_put(&b, "]}", 2) == 0;
    PQclear(r);
    if (!ok) {
        free(b.s);
        MSG("The server could not build the reply.");
        return PROTO_E_INTERNAL;
    }
    *reply = b.s;
    return PROTO_OK;
db_fail:
    srv_log("pull from device %s failed: %s", dev->device_id, err);
    MSG("The database is not answering; try again later.");
    return PROTO_E_UNAVAILABLE;
}
