#ifndef BLIK_SRV_FACTS_H
#define BLIK_SRV_FACTS_H
/*
 * What the office reads: each observation's figures as rows (fact_obs and
 * its parts) and their sums per unit, focus and month (roll_month*), made
 * from the records the tablets sent (items) with the tablet's own rules
 * (model_tally.h). Nothing else writes these tables, so they can always be
 * made again from items; the schema and its meaning are in srv_db.c, step 5.
 */
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "srv_int.h"

/* The most observations one refresh takes; callers with more split them. */
#define SRV_FACTS_BATCH 1000

/*
 * Makes the facts of these observations again from items, and the rollups
 * of every unit, focus and month they were in before or are in now. An id
 * whose observation is gone (deleted) loses its facts. Duplicates are
 * allowed; n at most SRV_FACTS_BATCH. Runs inside the caller's transaction
 * (which should hold the unit's feed lock, as pushes and deletions do, so
 * that two refreshes of one unit do not interleave). Its statements are
 * kept prepared, and it sets what srv_begin_indexed sets for the rest of
 * that transaction (sequential scans refused, no plan compiled, one plan
 * kept for every run of a statement; SRV_INDEXED_SQL), so that the plans
 * kept read by index however small the tables were when they were made.
 * 0, or -1 with err (the caller rolls back).
 */
int srv_facts_refresh(PGconn *pg, const char *const *ids, int n, char *err, size_t errlen);

/* The most statements a caller may send with a refresh's first or last
 * round trip. */
#define SRV_FACTS_WITH_MAX 8

/* What a caller sends with a refresh (srv_facts_refresh_with). */
typedef struct {
    /* Statements that go first in the refresh's first round trip (their
     * answers not kept), and statements that go last in its last one; at
     * most SRV_FACTS_WITH_MAX each. With no observation, they go alone,
     * in one trip. */
    const srv_stmt *before;
    int n_before;
    const srv_stmt *after;
    int n_after;
    /* May be given: receives how many of the statements after, from the
     * first, succeeded (all of them when the refresh does), so that a
     * caller whose statements after hold a COMMIT knows, when the refresh
     * fails, whether its transaction was committed. */
    int *after_done;
    /* The observations among the refresh's that are new to the server in
     * this transaction (fresh_ids, n_fresh; borrowed): none has facts to
     * take out, and the refresh does not send the statements that would
     * for them, unless it finds facts after all. */
    const char *const *fresh_ids;
    int n_fresh;
    /* 1: the caller's transaction has already set SRV_INDEXED_SQL. With
     * 0 the refresh sets it after the statements before, which are then
     * planned without it. */
    int indexed;
    /* With fresh_ids, may be given: every record of the fresh
     * observations as the caller has just stored them (recs, n_recs, in
     * the order of their feed numbers; borrowed; the records of others
     * are passed over), and one observation id for each conflict it kept
     * about them (conflicts, n_conflicts; borrowed). The refresh then
     * reads neither back for those: a push holds them parsed already. */
    const model_record *const *recs;
    int n_recs;
    const char *const *conflicts;
    int n_conflicts;
} srv_facts_with;

/* srv_facts_refresh, with a caller's statements sent in the same round
 * trips as the refresh's own (a push sends its writes before and its end
 * after). Both trips stop at the first statement that fails: a failure of
 * the caller's as of the refresh's is -1 with err. */
int srv_facts_refresh_with(PGconn *pg, const char *const *ids, int n, const srv_facts_with *w,
                           char *err, size_t errlen);

/*
 * Makes every fact and rollup again from items: of one unit, or of all
 * (unit NULL), in one pass over each unit's records. Each unit is its own
 * transaction under the unit's feed lock: other units' tablets sync
 * meanwhile, and this unit's wait for it (seconds per ten thousand
 * observations). Returns the number of observations done, or -1 with err.
 * progress (may be NULL) is called after each unit with the count so far.
 */
long srv_facts_rebuild(PGconn *pg, const char *unit, void (*progress)(long done, void *arg),
                       void *arg, char *err, size_t errlen);

/* The same for every observation, inside the caller's transaction (the
 * schema step that adds the tables fills them for the data already there). */
int srv_facts_fill_all(PGconn *pg, char *err, size_t errlen);

/*
 * Compares the rollups with a full recount from fact_obs: the number of
 * rows that differ (0 when they agree), or -1 with err. For tests and for
 * an administrator who wants to know.
 */
long srv_facts_check(PGconn *pg, char *err, size_t errlen);

/* ---- one observation's figures, without a database ---- */

#define SRV_FACTS_MAX_KEYS (MODEL_MAX_COUNTERS + MODEL_MAX_INTERVAL_OPTIONS)

/* One observation's figures. */
typedef struct {
    int n_events, n_undone, n_notes, n_ratings;
    int64_t duration_ms; /* ended_at - started_at when finished, else 0 */
    /* counter taps and interval samples per key of the template */
    int n_counts;
    struct {
        const char *kind; /* "count" or "sample" */
        const char *key;
        int n;
    } counts[SRV_FACTS_MAX_KEYS];
    int n_states;
    struct {
        const char *key;
        int64_t ms; /* closed time; a state still running at the end runs to the end */
    } states[MODEL_MAX_STATES];
} srv_fact_figures;

/*
 * The figures of observation o made with template t from its events (any
 * order: replayed by time, the undone left out) and notes. Pointers in out
 * point into t. A template the observation was not made with (another id
 * or version) counts nothing but the events and notes.
 */
void srv_facts_figures(const model_observation *o, const model_template *t,
                       const model_event *events, int n_events, const model_note *notes,
                       int n_notes, srv_fact_figures *out);

#endif
