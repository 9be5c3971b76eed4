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

#endif
