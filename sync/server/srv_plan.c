/*
 * Observation plans on the server (see srv_plan.h): the row in `plans`
 * and its record in the unit's feed, kept together in one transaction; an
 * observee's agreement, from the office or pushed from a tablet; and the
 * finished observation that marks a plan done.
 */
#include "srv_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_json.h"
#include "srv_int.h"

static const char *const status_names[] = {"planned", "cancelled", "done"};

const char *srv_plan_status_name(srv_plan_status s)
{
    return (unsigned)s < 3 ? status_names[s] : "planned";
}

#define PLAN_COLUMNS                                                                               \
    "id, unit_id, focus_id, observer_id, coalesce(observee_id, ''), team, room_id,"                \
    " to_char(day_from, 'YYYY-MM-DD'), to_char(day_to, 'YYYY-MM-DD'), terms, status,"              \
    " agreed_at, observation_id, updated_at"

static void row_to_plan(PGresult *r, int i, srv_plan *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", PQgetvalue(r, i, 0));
    snprintf(p->unit_id, sizeof p->unit_id, "%s", PQgetvalue(r, i, 1));
    snprintf(p->focus_id, sizeof p->focus_id, "%s", PQgetvalue(r, i, 2));
    snprintf(p->observer_id, sizeof p->observer_id, "%s", PQgetvalue(r, i, 3));
    snprintf(p->observee_id, sizeof p->observee_id, "%s", PQgetvalue(r, i, 4));
    snprintf(p->team, sizeof p->team, "%s", PQgetvalue(r, i, 5));
    snprintf(p->room_id, sizeof p->room_id, "%s", PQgetvalue(r, i, 6));
    snprintf(p->day_from, sizeof p->day_from, "%s", PQgetvalue(r, i, 7));
    snprintf(p->day_to, sizeof p->day_to, "%s", PQgetvalue(r, i, 8));
    snprintf(p->terms, sizeof p->terms, "%s", PQgetvalue(r, i, 9));
    const char *st = PQgetvalue(r, i, 10);
    p->status = !strcmp(st, "done")        ? SRV_PLAN_DONE
                : !strcmp(st, "cancelled") ? SRV_PLAN_CANCELLED
                                           : SRV_PLAN_PLANNED;
    p->agreed_at = strtoll(PQgetvalue(r, i, 11), NULL, 10);
    snprintf(p->observation_id, sizeof p->observation_id, "%s", PQgetvalue(r, i, 12));
    p->updated_at = strtoll(PQgetvalue(r, i, 13), NULL, 10);
}

int srv_plan_get(PGconn *pg, const char *id, srv_plan *p, char *err, size_t errlen)
{
    const char *q[] = {id};
    PGresult *r = srv_q(pg, "SELECT " PLAN_COLUMNS " FROM plans WHERE id = $1", 1, q, err, errlen);
    if (!r)
        return -1;
    int found = PQntuples(r) == 1;
    if (found)
        row_to_plan(r, 0, p);
    PQclear(r);
    return found;
}

/* The record of plan p, as the tablets read it. */
static void to_record(const srv_plan *p, model_record *r)
{
    memset(r, 0, sizeof *r);
    r->entity = MODEL_ENT_PLAN;
    model_plan *x = &r->u.plan;
    snprintf(x->id, sizeof x->id, "%s", p->id);
    snprintf(x->unit_id, sizeof x->unit_id, "%s", p->unit_id);
    snprintf(x->focus_id, sizeof x->focus_id, "%s", p->focus_id);
    snprintf(x->observer_id, sizeof x->observer_id, "%s", p->observer_id);
    snprintf(x->observee_id, sizeof x->observee_id, "%s", p->observee_id);
    snprintf(x->team, sizeof x->team, "%s", p->team);
    snprintf(x->room_id, sizeof x->room_id, "%s", p->room_id);
    snprintf(x->day_from, sizeof x->day_from, "%s", p->day_from);
    snprintf(x->day_to, sizeof x->day_to, "%s", p->day_to);
    snprintf(x->terms, sizeof x->terms, "%s", p->terms);
    x->status = p->status == SRV_PLAN_DONE        ? MODEL_PLAN_DONE
                : p->status == SRV_PLAN_CANCELLED ? MODEL_PLAN_CANCELLED
                                                  : MODEL_PLAN_PLANNED;
    x->agreed_at = p->agreed_at;
    snprintf(x->observation_id, sizeof x->observation_id, "%s", p->observation_id);
    x->updated_at = p->updated_at;
}

/* Writes plan id's record as its row now holds it into the unit's feed as
 * a new version (seq advanced). */
static int publish(PGconn *pg, const char *id, int64_t *seq, char *err, size_t errlen)
{
    srv_plan p;
    int found = srv_plan_get(pg, id, &p, err, errlen);
    if (found <= 0) {
        if (found == 0)
            snprintf(err, errlen, "There is no plan %.40s.", id);
        return -1;
    }
    model_record *r = malloc(sizeof *r);
    if (!r) {
        snprintf(err, errlen, "Out of memory.");
        return -1;
    }
    to_record(&p, r);
    /* What goes into the feed is read back as a tablet reads it, so a plan
     * no tablet could read is never published. */
    model_err me = {0};
    char *data = model_record_text(r, &me);
    if (!data || model_record_parse(MODEL_ENT_PLAN, data, r, &me) != 0) {
        snprintf(err, errlen, "The plan %.40s does not make a valid record: %s", id, me.msg);
        free(data);
        free(r);
        return -1;
    }
    free(r);
    int rc = srv_item_put(pg, "plan", p.id, p.unit_id, ++*seq, data, err, errlen);
    free(data);
    return rc;
}

int srv_plan_add(PGconn *pg, srv_plan *p, const char *created_by, const char *rota_id, int64_t *seq,
                 char *err, size_t errlen)
{
    if (!p->id[0] && model_id_new(plat_sys_os(), p->id) != 0) {
        snprintf(err, errlen, "The server could not make an identifier.");
        return -1;
    }
    char at[24];
    p->updated_at = srv_now_ms();
    p->status = SRV_PLAN_PLANNED;
    p->agreed_at = 0;
    p->observation_id[0] = 0;
    snprintf(at, sizeof at, "%lld", (long long)p->updated_at);
    const char *q[] = {p->id,   p->unit_id, p->focus_id, p->observer_id, p->observee_id,
                       p->team, p->room_id, p->day_from, p->day_to,      p->terms,
                       at,      created_by, rota_id};
    if (srv_exec(pg,
                 "INSERT INTO plans (id, unit_id, focus_id, observer_id, observee_id, team,"
                 " room_id, day_from, day_to, terms, status, updated_at, created_by, rota_id)"
                 " VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7, $8::date, $9::date, $10,"
                 " 'planned', $11::bigint, $12, $13)",
                 13, q, err, errlen) != 0)
        return -1;
    return publish(pg, p->id, seq, err, errlen);
}

int srv_plan_cancel(PGconn *pg, const char *id, int64_t *seq, char *err, size_t errlen)
{
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)srv_now_ms());
    const char *q[] = {id, at};
    PGresult *r = srv_q(pg,
                        "UPDATE plans SET status = 'cancelled', updated_at = $2::bigint"
                        " WHERE id = $1 AND status = 'planned'",
                        2, q, err, errlen);
    if (!r)
        return -1;
    int changed = atoi(PQcmdTuples(r)) == 1;
    PQclear(r);
    if (changed && publish(pg, id, seq, err, errlen) != 0)
        return -1;
    return changed;
}

int srv_plan_agree(PGconn *pg, const char *id, const char *person, int64_t at, int64_t *seq,
                   char *err, size_t errlen)
{
    char ats[24], now[24];
    snprintf(ats, sizeof ats, "%lld", (long long)at);
    snprintf(now, sizeof now, "%lld", (long long)srv_now_ms());
    const char *q[] = {id, person, ats, now};
    /* The earliest agreement wins: a later one, or the same again, changes
     * nothing and publishes nothing. */
    PGresult *r = srv_q(pg,
                        "SELECT status <> 'cancelled' AND observee_id IS NOT NULL"
                        " AND observee_id = $2, agreed_at FROM plans WHERE id = $1 FOR UPDATE",
                        2, q, err, errlen);
    if (!r)
        return -1;
    int may = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    int64_t had = may ? strtoll(PQgetvalue(r, 0, 1), NULL, 10) : 0;
    PQclear(r);
    if (!may)
        return 2;
    if (had != 0 && had <= at)
        return 0;
    const char *u[] = {id, ats, now};
    if (srv_exec(pg,
                 "UPDATE plans SET agreed_at = $2::bigint, updated_at = $3::bigint WHERE id = $1",
                 3, u, err, errlen) != 0 ||
        publish(pg, id, seq, err, errlen) != 0)
        return -1;
    return 1;
}

int srv_plan_person_erased(PGconn *pg, const char *person, int64_t *seq, char *err, size_t errlen)
{
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)srv_now_ms());
    const char *q[] = {person, at};
    /* A plan done keeps its state (its observation is deleted with the
     * person's), but loses its words too. */
    PGresult *r = srv_q(pg,
                        "UPDATE plans SET status = CASE WHEN status = 'done' THEN 'done'"
                        " ELSE 'cancelled' END, terms = '',"
                        " team = CASE WHEN observee_id IS NULL THEN '-' ELSE '' END,"
                        " updated_at = $2::bigint"
                        " WHERE observer_id = $1 OR observee_id = $1 RETURNING id",
                        2, q, err, errlen);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        if (publish(pg, PQgetvalue(r, i, 0), seq, err, errlen) != 0) {
            PQclear(r);
            return -1;
        }
    PQclear(r);
    return 0;
}

int srv_plan_push_skips(const proto_change *c)
{
    return c->rec->entity == MODEL_ENT_PLAN_AGREEMENT;
}

/* One pushed agreement: the idempotency check, the rules, the result. 0,
 * or -1 with err. */
static int push_agreement(PGconn *pg, const char *device_id, const char *unit_id,
                          const proto_change *c, proto_result *x, int64_t *seq, char *err,
                          size_t errlen)
{
    const model_plan_agreement *a = &c->rec->u.agreement;
    memset(x, 0, sizeof *x);
    snprintf(x->change_id, sizeof x->change_id, "%s", c->change_id);
    char *canon = proto_change_canonical(c);
    if (!canon) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char hash[65];
    srv_sha256_hex(canon, strlen(canon), hash);
    free(canon);
    const char *pd[] = {c->change_id};
    PGresult *r = srv_q(pg, "SELECT body_sha256, version FROM changes WHERE change_id = $1", 1, pd,
                        err, errlen);
    if (!r)
        return -1;
    if (PQntuples(r) == 1) {
        if (!strcmp(PQgetvalue(r, 0, 0), hash)) {
            x->status = PROTO_ST_DUPLICATE;
            x->version = atoi(PQgetvalue(r, 0, 1));
        } else {
            x->status = PROTO_ST_REJECTED;
            x->code = PROTO_E_CHANGE_REUSED;
            snprintf(x->message, sizeof x->message,
                     "This change_id was already used for a different change.");
        }
        PQclear(r);
        return 0;
    }
    PQclear(r);
#define REJECT(code_, ...)                                                                         \
    do {                                                                                           \
        x->status = PROTO_ST_REJECTED;                                                             \
        x->code = code_;                                                                           \
        snprintf(x->message, sizeof x->message, __VA_ARGS__);                                      \
        return 0;                                                                                  \
    } while (0)
    const char *pp[] = {a->plan_id, c->actor_id, unit_id};
    r = srv_q(pg,
              "SELECT EXISTS (SELECT 1 FROM people WHERE id = $2 AND unit_id = $3 AND active),"
              " p.unit_id = $3, p.status, coalesce(p.observee_id, '') = $2"
              " FROM (SELECT 1) one LEFT JOIN plans p ON p.id = $1",
              3, pp, err, errlen);
    if (!r)
        return -1;
    int member = PQgetvalue(r, 0, 0)[0] == 't';
    int found = !PQgetisnull(r, 0, 1);
    int same_unit = found && PQgetvalue(r, 0, 1)[0] == 't';
    int cancelled = found && !strcmp(PQgetvalue(r, 0, 2), "cancelled");
    int observee = found && PQgetvalue(r, 0, 3)[0] == 't';
    PQclear(r);
    if (!member)
        REJECT(PROTO_E_FORBIDDEN, "The person %s is not an active member of this tablet's unit.",
               c->actor_id);
    if (strcmp(a->person_id, c->actor_id) != 0)
        REJECT(PROTO_E_FORBIDDEN, "Only the observee may agree to a plan, for themselves.");
    /* Another unit's plan is answered as unknown: its existence is not
     * this tablet's to learn. */
    if (!found || !same_unit)
        REJECT(PROTO_E_NOT_FOUND, "The plan %s is not known for this tablet's unit.", a->plan_id);
    if (!observee)
        REJECT(PROTO_E_FORBIDDEN, "Only the plan's observee may agree to it.");
    if (cancelled)
        REJECT(PROTO_E_FORBIDDEN, "The plan was cancelled; there is nothing to agree to.");
#undef REJECT
    int rc = srv_plan_agree(pg, a->plan_id, a->person_id, a->agreed_at, seq, err, errlen);
    if (rc < 0)
        return -1;
    /* The version is the plan record's, which the agreement changed (or
     * found agreed already). */
    const char *pk[] = {a->plan_id};
    r = srv_q(pg, "SELECT version FROM items WHERE entity = 'plan' AND key = $1", 1, pk, err,
              errlen);
    if (!r)
        return -1;
    x->status = PROTO_ST_STORED;
    x->version = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 1;
    PQclear(r);
    char vs[16];
    snprintf(vs, sizeof vs, "%d", x->version);
    const char *pc[] = {c->change_id, device_id, "plan_agreement", a->plan_id, hash, "stored", vs};
    return srv_exec(pg,
                    "INSERT INTO changes (change_id, device_id, entity, key, body_sha256,"
                    " status, version) VALUES ($1,$2,$3,$4,$5,$6,$7::int)",
                    7, pc, err, errlen);
}

/* A stored, finished observation that names a plan: the plan of its unit
 * with its observer, still planned, becomes done. 0, or -1 with err. */
static int push_observation(PGconn *pg, const char *unit_id, const model_observation *o,
                            int64_t *seq, char *err, size_t errlen)
{
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)srv_now_ms());
    const char *q[] = {o->plan_id, unit_id, o->observer_id, o->id, at};
    PGresult *r = srv_q(pg,
                        "UPDATE plans SET status = 'done', observation_id = $4,"
                        " updated_at = $5::bigint WHERE id = $1 AND unit_id = $2"
                        " AND observer_id = $3 AND status = 'planned' RETURNING id",
                        5, q, err, errlen);
    if (!r)
        return -1;
    int changed = PQntuples(r) == 1;
    PQclear(r);
    return changed ? publish(pg, o->plan_id, seq, err, errlen) : 0;
}

/* Whether an observation change, stored with result r, finishes a plan. */
static int finishes_plan(const proto_change *c, const proto_result *r)
{
    return c->rec->entity == MODEL_ENT_OBSERVATION && c->rec->u.obs.plan_id[0] &&
           c->rec->u.obs.status == MODEL_OBS_FINISHED && r->status == PROTO_ST_STORED;
}

int srv_plan_push_any(const proto_push *p, const proto_result *res)
{
    for (int i = 0; i < p->n; i++)
        if (srv_plan_push_skips(&p->changes[i]) || finishes_plan(&p->changes[i], &res[i]))
            return 1;
    return 0;
}

int srv_plan_push(PGconn *pg, const char *device_id, const char *unit_id, const proto_push *p,
                  proto_result *res, int64_t *seq, char *err, size_t errlen)
{
    for (int i = 0; i < p->n; i++) {
        const proto_change *c = &p->changes[i];
        if (srv_plan_push_skips(c)) {
            if (push_agreement(pg, device_id, unit_id, c, &res[i], seq, err, errlen) != 0)
                return -1;
        } else if (finishes_plan(c, &res[i])) {
            if (push_observation(pg, unit_id, &c->rec->u.obs, seq, err, errlen) != 0)
                return -1;
        }
    }
    return 0;
}
