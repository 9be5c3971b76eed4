#ifndef BLIK_SDEMO_H
#define BLIK_SDEMO_H
/*
 * Observations made up for a demo office and for the office's benchmark:
 * records exactly as a tablet sends them (an observation with its counter
 * taps, state spans, interval samples, notes, ratings, feedback and the
 * observee's reflection), against a unit's real reference data, with a
 * practice that moves over the period (some signs and counts improve, one
 * lags) so that a progression has something to show. The same seed gives
 * the same records.
 */
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "model_json.h"

#define SDEMO_MAX_PEOPLE 64
#define SDEMO_MAX_ROOMS 16
#define SDEMO_MAX_FOCUSES 8

/* One focus at its latest version, with the template it names. */
typedef struct {
    model_focus focus;
    model_template tmpl;
} sdemo_focus;

/* A unit's reference data, as the generator needs it. */
typedef struct {
    model_id unit;
    int n_people;
    model_id people[SDEMO_MAX_PEOPLE];
    int leader[SDEMO_MAX_PEOPLE]; /* 1 for a leader */
    int n_rooms;
    model_id rooms[SDEMO_MAX_ROOMS];
    int n_focuses;
    sdemo_focus *focuses; /* malloc'd, n_focuses of them */
} sdemo_unit;

/*
 * Reads the unit's active people, active rooms and unretired focuses (each
 * at its latest version, with its template's version) from the database.
 * 0, or -1 with err (nothing to free then). A unit without two people or a
 * focus is refused: nobody could be observed.
 */
int sdemo_unit_load(PGconn *pg, const char *unit, sdemo_unit *u, char *err, size_t errlen);
/* Frees what sdemo_unit_load allocated; NULL is a no-op. */
void sdemo_unit_free(sdemo_unit *u);

/* The most records one observation has (its events, notes and ratings,
 * feedback and reflection included). */
#define SDEMO_MAX_RECORDS 120

/* Records, with the person who writes each (the observer; the observee for
 * the reflection). */
typedef struct {
    int n;
    model_record rec[SDEMO_MAX_RECORDS];
    const char *actor[SDEMO_MAX_RECORDS];
} sdemo_obs;

/*
 * Makes one finished observation of unit u starting at start_ms (UTC
 * milliseconds), progress 0..1 saying how far into the period it lies (the
 * practice moves with it), from seed. out is large (some MB): allocate it
 * once and reuse it. Returns the number of records.
 */
int sdemo_observation(const sdemo_unit *u, uint64_t seed, int64_t start_ms, double progress,
                      sdemo_obs *out);

/*
 * Makes a colleague's observation of the same session as first (made by
 * sdemo_observation), for calibration: another observer of the same focus,
 * observee, room and activity, started half a minute later, with the same
 * counters counted a little differently and each sign rated at first's level
 * or, now and then, one step from it. Both observations get the pair code
 * made from seed (first is changed). Returns the number of records in out,
 * or 0 when the unit has nobody else to observe with.
 */
int sdemo_partner(const sdemo_unit *u, uint64_t seed, sdemo_obs *first, sdemo_obs *out);

#endif
