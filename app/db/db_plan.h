#ifndef BLIK_DB_PLAN_H
#define BLIK_DB_PLAN_H
/*
 * Planned observations on the tablet (db_plan.c): the plans the server
 * publishes from the office, kept at their newest version, the ones a person
 * has to do or to agree to this week, and the observee's agreement, which
 * is queued for sync like any change.
 */
#include "db.h"

/* A plan as the tablet holds it. */
typedef struct {
    model_plan plan;     /* the server's newest version */
    int version;         /* its version on the server */
    int64_t agreed_here; /* UTC ms the observee agreed on this tablet; 0 none */
} db_plan_row;

/* The most plans one list returns. */
#define DB_PLAN_LIST_MAX 64

/* Keeps a plan pulled from the server if its version is newer than the one
 * held (an older or equal version changes nothing, so a page pulled twice
 * is harmless). A cancelled plan is kept, as cancelled, and listed nowhere. */
int db_plan_apply(db *d, const model_plan *p, int version);
/* The plan by id; DB_NOTFOUND if the tablet has none. */
int db_plan_get(db *d, const char *id, db_plan_row *out);
/*
 * The plans still to do in unit_id whose observer or observee is
 * person_id and whose day or week meets from..to (YYYY-MM-DD, inclusive):
 * planned, not cancelled or done, and not yet started on this tablet (an
 * observation here names it). By first day, then observer's first. At most
 * max (and DB_PLAN_LIST_MAX); *n is how many.
 */
int db_plan_list(db *d, const char *unit_id, const char *person_id, const char *from,
                 const char *to, int max, db_plan_row *out, int *n);
/*
 * The observee agrees to a plan about them: queues a plan_agreement for the
 * server and notes the time here, so that the plan shows as agreed before
 * the server's next version says so. Refused (DB_DENIED) for a person who
 * is not the plan's observee, a team plan, or a plan no longer planned;
 * agreeing again changes nothing and queues nothing.
 */
int db_plan_agree(db *d, const char *plan_id, const char *person_id);
/* 1 if the plan counts as agreed: by the server, or here. */
int db_plan_agreed(const db_plan_row *r);

/* Checks that an observation about to start may name plan_id (db_obs_start
 * calls it): a plan of the unit, still planned, with the same observer,
 * focus and, for a plan about a person, observee. */
int db_plan_check_start(db *d, const char *plan_id, const db_obs_new *n);

#endif
