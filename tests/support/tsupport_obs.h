#ifndef BLIK_TSUPPORT_OBS_H
#define BLIK_TSUPPORT_OBS_H
/* One observation made through the store's own calls, the way the screens
 * make one: start, counter taps, notes, ratings, finish. Tests of the
 * store, of sync and of the screens' data all need such observations. */
#include "db.h"
#include "plat.h"

#define TSUPPORT_OBS_KEYS 4

typedef struct {
    db_obs_new start;                    /* who, where, which focus; the agreement
                                            is always given */
    const char *keys[TSUPPORT_OBS_KEYS]; /* counters tapped, in this order (NULL ends)... */
    int taps[TSUPPORT_OBS_KEYS];         /* ...this many times each */
    int undo_first;                      /* undoes the last tap of keys[0] right after
                                            its taps, as a person correcting a slip */
    int notes;                           /* notes written by the observer */
    const char *signs[MODEL_MAX_SIGNS];  /* signs rated (NULL ends)... */
    int levels[MODEL_MAX_SIGNS];         /* ...at these levels */
    plat_sys *clock;                     /* a fake clock moved on by minutes before
                                            the finish; NULL leaves the clock alone */
    int minutes;
    int running; /* leaves it running instead of finishing */
} tsupport_obs;

/* Makes the observation and writes its id into id. Returns DB_OK, or the
 * code of the first call that failed (its sentence in db_errmsg(d)); what
 * was done before that stays, as it would in the app. */
int tsupport_observe(db *d, const tsupport_obs *o, model_id id);

#endif
