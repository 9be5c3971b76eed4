/*
 * A headless tablet for the fresh-Debian test (tests/install/debian12.sh):
 * the app's own store and sync engine, without the screens, run against a
 * blik-server installed from its package. It enrols with a code, pulls the
 * unit, makes one finished observation as the screens would, and syncs it,
 * and says in words where it failed.
 *
 *   install_tablet DIR URL CODE CAFILE FOCUS OBSERVER OBSERVEE ROOM
 *
 * prints the observation's id on success (exit 0), else a sentence on
 * stderr (exit 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_sync.h"
#include "plat.h"
#include "sync.h"

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "install_tablet: %s: %s\n", what, why);
    return 1;
}

/* One round; pulled and pushed say what it did. */
static int round_ok(sync_client *c, const char *what, sync_report *rep)
{
    memset(rep, 0, sizeof *rep);
    int rc = sync_round(c, rep);
    if (rc != SYNC_OK)
        return fail(what, sync_errmsg(c));
    fprintf(stderr, "install_tablet: %s: pushed %d, pulled %d, %d requests\n", what, rep->pushed,
            rep->pulled, rep->requests);
    return 0;
}

/* The observation: counter taps, a note and every sign rated, then
 * finished, each step one transaction with its outbox entry. */
static int observe(db *d, const model_focus *f, const char *observer, const char *observee,
                   const char *room, model_id id)
{
    db_obs_new o = {.unit_id = f->unit_id,
                    .focus_id = f->id,
                    .observer_id = observer,
                    .observee_id = observee,
                    .room_id = room,
                    .activity = "Samling",
                    .context_json = "{}",
                    .agreement = 1};
    int rc = db_obs_start(d, &o, id);
    for (int i = 0; rc == DB_OK && i < 3; i++)
        rc = db_obs_event(d, id, observer, MODEL_EV_COUNT, "open_q", NULL);
    if (rc == DB_OK)
        rc = db_obs_note(d, id, observer, "Børnene svarede i hele sætninger.", NULL, NULL);
    for (int s = 0; rc == DB_OK && s < f->n_signs; s++)
        rc = db_obs_rate(d, id, observer, f->signs[s].id, 2);
    if (rc == DB_OK)
        rc = db_obs_finish(d, id, observer);
    return rc == DB_OK ? 0 : fail("observing", db_errmsg(d));
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "Usage: install_tablet DIR URL CODE CAFILE FOCUS OBSERVER OBSERVEE ROOM\n");
        return 2;
    }
    const char *dir = argv[1], *url = argv[2], *code = argv[3], *cafile = argv[4];
    const char *focus = argv[5], *observer = argv[6], *observee = argv[7], *room = argv[8];
    char path[1200], err[600];
    snprintf(path, sizeof path, "%s/blik.db", dir);
    char *ca = plat_read_file(cafile, 1 << 20, NULL, err, sizeof err);
    if (!ca)
        return fail("the CA", err);
    if (sync_global_init() != SYNC_OK) {
        free(ca);
        return fail("starting", "libcurl could not be set up");
    }
    db *d = NULL;
    sync_client *c = NULL;
    int rc = 1;
    if (db_open(path, plat_sys_os(), &d) != DB_OK) {
        fail("opening the store", d ? db_errmsg(d) : "out of memory");
        goto out;
    }
    sync_config cfg = {0};
    cfg.db_path = path;
    if (sync_client_open(&cfg, &c) != SYNC_OK) {
        fail("opening the sync engine", c ? sync_errmsg(c) : "out of memory");
        goto out;
    }
    sync_enrolment e = {url, code, "Stue 1 (installation test)", ca, NULL};
    if (sync_enrol(c, &e) != SYNC_OK) {
        fail("enrolling", sync_errmsg(c));
        goto out;
    }
    sync_report rep;
    if (round_ok(c, "first sync", &rep) != 0)
        goto out;
    /* The unit came down: the focus (with its template) is on the tablet. */
    model_focus f;
    if (db_focus_get(d, focus, 0, &f) != DB_OK) {
        fail("the pulled unit", "the focus the server has is not on the tablet");
        goto out;
    }
    model_id id;
    if (observe(d, &f, observer, observee, room, id) != 0)
        goto out;
    if (round_ok(c, "second sync", &rep) != 0)
        goto out;
    db_sync_counts n;
    if (db_sync_count(d, &n) != DB_OK) {
        fail("counting", db_errmsg(d));
        goto out;
    }
    if (rep.pushed == 0 || n.waiting || n.conflicts || n.rejected || n.parked) {
        snprintf(err, sizeof err,
                 "after the sync %lld changes wait, %lld conflict, %lld were refused, %lld are "
                 "parked (pushed %d)",
                 (long long)n.waiting, (long long)n.conflicts, (long long)n.rejected,
                 (long long)n.parked, rep.pushed);
        fail("the observation", err);
        goto out;
    }
    printf("%s\n", id);
    rc = 0;
out:
    sync_client_close(c);
    db_close(d);
    free(ca);
    return rc;
}
