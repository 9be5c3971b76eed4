#include "tsupport_obs.h"

#include <stdio.h>

/* Every step returns the store's code, so that a test can make many
 * observations inside one batch and stop at the first failure. */
int tsupport_observe(db *d, const tsupport_obs *o, model_id id)
{
    db_obs_new start = o->start;
    start.agreement = 1;
    const char *who = start.observer_id;
    int rc = db_obs_start(d, &start, id);
    for (int k = 0; rc == DB_OK && k < TSUPPORT_OBS_KEYS && o->keys[k]; k++) {
        for (int i = 0; rc == DB_OK && i < o->taps[k]; i++)
            rc = db_obs_event(d, id, who, MODEL_EV_COUNT, o->keys[k], NULL);
        if (rc == DB_OK && k == 0 && o->undo_first)
            rc = db_obs_undo(d, id, who, NULL);
    }
    for (int i = 0; rc == DB_OK && i < o->notes; i++) {
        char text[80];
        snprintf(text, sizeof text, "Note %d: the children answered in whole sentences.", i);
        rc = db_obs_note(d, id, who, text, NULL, NULL);
    }
    for (int s = 0; rc == DB_OK && s < MODEL_MAX_SIGNS && o->signs[s]; s++)
        rc = db_obs_rate(d, id, who, o->signs[s], o->levels[s]);
    if (rc == DB_OK && o->clock)
        plat_fake_advance(o->clock, (int64_t)o->minutes * 60000);
    if (rc == DB_OK && !o->running)
        rc = db_obs_finish(d, id, who);
    return rc;
}
