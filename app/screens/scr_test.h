#ifndef BLIK_SCR_TEST_H
#define BLIK_SCR_TEST_H
/*
 * What tests may see inside the app, so that they can show that locking
 * forgets the person: the session's memory, the whole app's memory, and a
 * probe called at the moment the session is about to be wiped. Nothing in
 * the program calls these.
 */
#include <stddef.h>

#include "scr.h"

/* The signed-in person's session: its memory and size (read only). */
const void *scr_test_session(const scr_app *a, size_t *size);
/* The whole app, the session included (read only). */
const void *scr_test_app(const scr_app *a, size_t *size);
/* fn(session, size, ctx) is called by every lock after the person's work
 * is saved and just before the session is wiped; NULL removes it. A test
 * fills the session with a marker there, to see that none of it is left. */
void scr_test_wipe_probe(scr_app *a, void (*fn)(void *session, size_t size, void *ctx), void *ctx);

#endif
