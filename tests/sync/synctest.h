#ifndef BLIK_SYNCTEST_H
#define BLIK_SYNCTEST_H
/* Tablets for the sync tests: each is a store file of its own, a handle
 * standing for the screens, and a sync client with its own handle, as on a
 * real tablet. Helpers assert on failure (cmocka). */
#include "db_sync.h"
#include "fixture.h"
#include "sync.h"

typedef struct {
    char dir[512];
    char path[700];
    db *d;          /* the screens' handle */
    sync_client *c; /* the sync side, with its own handle */
    sync_config cfg;
} tablet;

/* Makes a fresh store under the test's temporary folder. cfg may be NULL
 * (defaults); its db_path is set here. */
void tab_open(tablet *t, const char *name, const sync_config *cfg);
void tab_close(tablet *t);
/* Enrols with a fresh code for unit, trusting the world's test CA; url may
 * be NULL for the server itself (else e.g. a fault proxy in front of it). */
void tab_enrol(tablet *t, fx_world *w, const char *unit_id, const char *url);
/* One round; asserts SYNC_OK and prints the message if not. */
void tab_sync_ok(tablet *t, sync_report *rep);
/* An observation by observer of observee with n_events counter taps,
 * n_notes notes and a rating of every sign, finished; its id into id. */
void tab_observe(tablet *t, const fx_unit *u, const char *observer, const char *observee,
                 int n_events, int n_notes, model_id id);
/* Outbox and sync counts. */
db_sync_counts tab_counts(tablet *t);

#endif
