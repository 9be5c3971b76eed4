#ifndef BLIK_DEMO_H
#define BLIK_DEMO_H
/*
 * A Danish demo unit for trying Blik without a server: a daycare with staff,
 * rooms, three learning focuses with signs, and templates with counters and
 * a state timer. The identifiers are fixed, so loading twice changes nothing.
 * Every demo person's PIN is DEMO_PIN.
 */
#include <stddef.h>

#include "db.h"

#define DEMO_PIN "1234"
#define DEMO_UNIT_ID "0b11c000-0000-4000-8000-000000000001"

/* Loads the demo unit into the store, unless it is there already. Returns a
 * db_rc; on failure err holds a sentence and nothing was half-loaded. */
int demo_load(db *d, char *err, size_t errlen);

/* The demo lives in a store of its own, DEMO_STORE in the data folder,
 * beside the real store REAL_STORE: no demo row ever reaches the real one,
 * and nothing of the real one shows in the demo. */
#define DEMO_STORE "demo.db"
#define REAL_STORE "blik.db"

/* Opens (making it if need be) the demo store in dir, with the demo unit
 * loaded and shown on the tablet. Returns a db_rc; *out is the open store
 * on success (close it with db_close), NULL on failure with err saying
 * why. */
int demo_open(const char *dir, const plat_sys *sys, db **out, char *err, size_t errlen);

/* Before the demo had a store of its own, it was loaded into the real one.
 * A real store that holds only that (the demo unit shown, never enrolled)
 * is moved to be the demo store, unless one is there already, so that the
 * real store starts empty and nothing tried in the demo is lost. Returns 1
 * if it moved the files, 0 if there was nothing to move, -1 on failure
 * with err saying why (nothing moved then). */
int demo_move_old(const char *dir, const plat_sys *sys, char *err, size_t errlen);

#endif
