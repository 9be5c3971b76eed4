#ifndef BLIK_LINK_H
#define BLIK_LINK_H
/*
 * link_: what joins parts of the app that must not know each other. The
 * screens reach sync only through the hooks of scr_sync, and the sync
 * engine knows nothing of screens; this module is the one place that knows
 * both, so that main.c only wires it in.
 *
 * link_sync runs the sync worker on an enrolled tablet, and an enrolment
 * on a thread of its own so that the screens never wait for the network.
 * Every hook returns at once.
 */
#include "db.h"
#include "plat.h"
#include "scr.h"

typedef struct link_sync link_sync;

/*
 * Makes the link for the store at db_path (copied; the sync side opens its
 * own handles on it) and starts the worker if this tablet is enrolled
 * (d is read for that only, not kept). Calls sync_global_init(), so make it
 * before threads of one's own. NULL only when out of memory. Free it with
 * link_sync_free().
 */
link_sync *link_sync_new(db *d, const char *db_path, const plat_sys *sys);
/* wake(ctx) is called, on another thread, whenever the worker begins or
 * ends a round and when an enrolment ends: the program wakes its loop so
 * that the screens show the new state at once (the loop asks nothing
 * meanwhile). It must return at once. NULL: nobody is told. */
void link_sync_on_change(link_sync *s, void (*wake)(void *ctx), void *ctx);
/* The hooks for scr_config.sync, with s as their context; they are valid
 * until link_sync_free(s). */
scr_sync link_sync_hooks(link_sync *s);
/* Waits for an enrolment still running, stops the worker and frees;
 * link_sync_free(NULL) is a no-op. */
void link_sync_free(link_sync *s);

/* A sync outcome (sync_rc) in the chip's terms: how the last round ended.
 * SYNC_OK and SYNC_NOT_ENROLLED are no problem. */
scr_sync_problem link_sync_problem(int sync_rc);
/* A sync outcome in the enrolment form's terms; never SCR_ENROL_PENDING. */
scr_enrol_outcome link_enrol_outcome(int sync_rc);

#endif
