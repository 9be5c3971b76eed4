/* Tablets for the sync tests; see synctest.h. */
#include "synctest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tsupport.h"
#include "tsupport_obs.h"

void tab_open(tablet *t, const char *name, const sync_config *cfg)
{
    memset(t, 0, sizeof *t);
    assert_int_equal(tsupport_tmpdir(name, t->dir, sizeof t->dir), 0);
    tsupport_path(t->path, sizeof t->path, t->dir, "blik.db");
    assert_int_equal(db_open(t->path, plat_sys_os(), &t->d), DB_OK);
    if (cfg)
        t->cfg = *cfg;
    t->cfg.db_path = t->path;
    int rc = sync_client_open(&t->cfg, &t->c);
    if (rc != SYNC_OK)
        fprintf(stderr, "sync_client_open: %s\n", sync_errmsg(t->c));
    assert_int_equal(rc, SYNC_OK);
}

void tab_close(tablet *t)
{
    sync_client_close(t->c);
    db_close(t->d);
    t->c = NULL;
    t->d = NULL;
    if (t->dir[0])
        tsupport_rmtree(t->dir);
}

void tab_enrol(tablet *t, fx_world *w, const char *unit_id, const char *url)
{
    char code[40];
    assert_int_equal(fx_admin(w, code, sizeof code, NULL, "enrol-code", "--unit", unit_id, NULL),
                     0);
    char *ca = tsupport_read_file(w->srv.ca);
    sync_enrolment e = {url ? url : w->srv.url, code, "Test tablet", ca, NULL};
    int rc = sync_enrol(t->c, &e);
    if (rc != SYNC_OK)
        fprintf(stderr, "enrol: %s\n", sync_errmsg(t->c));
    assert_int_equal(rc, SYNC_OK);
    free(ca);
}

void tab_sync_ok(tablet *t, sync_report *rep)
{
    int rc = sync_round(t->c, rep);
    if (rc != SYNC_OK)
        fprintf(stderr, "sync_round: %d %s\n", rc, sync_errmsg(t->c));
    assert_int_equal(rc, SYNC_OK);
}

void tab_observe(tablet *t, const fx_unit *u, const char *observer, const char *observee,
                 int n_events, int n_notes, model_id id)
{
    tsupport_obs o = {
        .start = {u->unit, u->focus, observer, observee, u->room, 0, "Circle time", "{}", 1},
        .keys = {"open_q"},
        .taps = {n_events},
        .notes = n_notes};
    model_focus f;
    assert_int_equal(db_focus_get(t->d, u->focus, 0, &f), DB_OK);
    for (int i = 0; i < f.n_signs; i++) {
        o.signs[i] = f.signs[i].id;
        o.levels[i] = i % 3;
    }
    TSUPPORT_RC(tsupport_observe(t->d, &o, id), DB_OK, db_errmsg(t->d));
}

db_sync_counts tab_counts(tablet *t)
{
    db_sync_counts n;
    assert_int_equal(db_sync_count(t->d, &n), DB_OK);
    return n;
}
