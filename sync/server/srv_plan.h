#ifndef BLIK_SRV_PLAN_H
#define BLIK_SRV_PLAN_H
/*
 * Observation plans on the server: a unit's leader plans in the office who
 * observes whom, on which focus, where, when and on what terms; the plan
 * travels to the unit's tablets as a `plan` record (one writer: the
 * server), the observee agrees (in the office, or on a tablet by pushing a
 * `plan_agreement`), and an observation that names the plan and is
 * finished marks it done. The rows live in `plans` (schema step 7); every
 * change is a new version of the record in the unit's feed.
 *
 * Who receives a plan in a pull (SRV_PLAN_PULL_SEEN): its observer, its
 * observee and the unit's leaders; a peer never receives a plan about
 * others, and a pull without a person receives none.
 */
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "proto.h"

#define SRV_PLAN_TERMS_MAX 1000 /* bytes of the agreed terms */
#define SRV_PLAN_TEAM_MAX 80    /* bytes of a team's name */

typedef enum { SRV_PLAN_PLANNED = 0, SRV_PLAN_CANCELLED = 1, SRV_PLAN_DONE = 2 } srv_plan_status;

/* One plan as its row holds it (observee_id "" for a team). */
typedef struct {
    model_id id, unit_id, focus_id, observer_id, observee_id, room_id, observation_id;
    char team[SRV_PLAN_TEAM_MAX + 1];
    char day_from[MODEL_DATE_LEN + 1], day_to[MODEL_DATE_LEN + 1];
    char terms[SRV_PLAN_TERMS_MAX + 1];
    srv_plan_status status;
    int64_t agreed_at, updated_at;
} srv_plan;

/* "planned", "cancelled", "done". */
const char *srv_plan_status_name(srv_plan_status s);

/*
 * Inserts plan p (its id made here when empty) and publishes its record,
 * inside the caller's transaction, which holds the feed lock of p's unit
 * (seq is the feed number, advanced here). The office has checked its
 * people, focus and room; the table's checks are the last guard. created_by
 * is the office's actor, rota_id "" or the rota it belongs to. 0, or -1
 * with err.
 */
int srv_plan_add(PGconn *pg, srv_plan *p, const char *created_by, const char *rota_id, int64_t *seq,
                 char *err, size_t errlen);

/* Reads plan id into p: 1 found, 0 no such plan, -1 with err. */
int srv_plan_get(PGconn *pg, const char *id, srv_plan *p, char *err, size_t errlen);

/* Cancels a planned plan and publishes its new version (inside the
 * caller's transaction with the unit's feed lock): 1 cancelled, 0 it was
 * not planned (done or cancelled already: nothing changes), -1 with err. */
int srv_plan_cancel(PGconn *pg, const char *id, int64_t *seq, char *err, size_t errlen);

/* The observee person agrees to plan id at UTC ms at (the earliest
 * agreement wins), inside the caller's transaction with the feed lock:
 * 1 agreed now, 0 agreed already (nothing changes), 2 refused (not the
 * plan's observee, a team plan, cancelled, or no such plan), -1 with err. */
int srv_plan_agree(PGconn *pg, const char *id, const char *person, int64_t at, int64_t *seq,
                   char *err, size_t errlen);

/* Before person is erased (srv_person_delete): every plan naming them
 * that is not done is cancelled with its terms and team emptied, and
 * published, inside the caller's transaction with the unit's feed lock,
 * so that the tablets holding it drop it. 0, or -1 with err. */
int srv_plan_person_erased(PGconn *pg, const char *person, int64_t *seq, char *err, size_t errlen);

/*
 * The push's one call for plans (srv_sync.c), made after the push's own
 * changes are applied, inside its transaction and feed lock: each
 * `plan_agreement` change (which the push leaves to this call, see
 * srv_plan_push_skips) is checked against changes for idempotency, then
 * accepted only from the plan's observee on a tablet of the plan's unit
 * for a plan not cancelled (a rejection names why), and its result filled;
 * each observation change that was stored and names a plan_id of its unit
 * with the same observer and is finished marks that plan done with its
 * observation (a plan id of another unit, observer or an unknown one
 * changes nothing, and the observation stays stored). Returns 0, or -1
 * with err (the push rolls back).
 */
int srv_plan_push(PGconn *pg, const char *device_id, const char *unit_id, const proto_push *p,
                  proto_result *res, int64_t *seq, char *err, size_t errlen);

/* Whether the push leaves change c to srv_plan_push (a plan_agreement). */
int srv_plan_push_skips(const proto_change *c);

/* Whether srv_plan_push has anything to do for this push with these
 * results: 1 if it would read or write, 0 if it would return at once. */
int srv_plan_push_any(const proto_push *p, const proto_result *res);

/*
 * The pull's condition for plans, over items i with parameters $3 (the
 * person pulling, "" for reference data only) and $4 (whether they lead
 * the unit): true for every item that is not a plan, and for a plan only
 * when the person is its observer or observee or a leader of the unit.
 */
#define SRV_PLAN_PULL_SEEN                                                                         \
    "(i.entity <> 'plan' OR ($3 <> '' AND ($4::bool OR EXISTS (SELECT 1 FROM plans pl"             \
    " WHERE pl.id = i.key AND (pl.observer_id = $3 OR pl.observee_id = $3)))))"

#endif
