#ifndef BLIK_OFFTEST_H
#define BLIK_OFFTEST_H
/*
 * The office's tests share this world: a throwaway PostgreSQL, the server
 * library opened in-process with the office as its web side (no network:
 * requests go through srv_web_handle, exactly as the HTTP layer hands them
 * over), admin commands in-process, and accounts with live sessions. Helpers
 * assert on failure (cmocka), so a test reads as its story.
 */
#include <libpq-fe.h>
#include <stddef.h>

#include "fixture.h"
#include "srv.h"

typedef struct {
    fx_world fx; /* the cluster, the database, admin commands (no TLS server) */
    srv_config cfg;
    srv *s;
    srv_web *office;
} ot_world;

/* Starts a cluster with a fresh database and opens the office on it. */
void ot_up(ot_world *w, const char *dbname);
void ot_down(ot_world *w);

/* An answer, as the browser gets it. */
typedef srv_web_response ot_resp;
/* The first header called name, or NULL. */
const char *ot_header(const ot_resp *r, const char *name);
/* The n-th Set-Cookie header (0-based), or NULL. */
const char *ot_set_cookie(const ot_resp *r, int n);
void ot_free(ot_resp *r);

/* GET path (with its query) with a Cookie header (may be NULL). */
void ot_get(ot_world *w, const char *cookie, const char *path, ot_resp *out);
/* POST a urlencoded form to path, from this site's own page (Origin is
 * the host), with the Cookie header. */
void ot_post(ot_world *w, const char *cookie, const char *path, const char *form, ot_resp *out);
/* The same with a chosen Origin header (NULL: none). */
void ot_post_from(ot_world *w, const char *cookie, const char *origin, const char *path,
                  const char *form, ot_resp *out);

/* The CSRF token in the first form of a page (asserts there is one). */
void ot_csrf(const ot_resp *page, char out[65]);

/* An account. */
typedef struct {
    char id[64];
    char cookie[200]; /* the Cookie header value that carries its session */
    char csrf[65];
} ot_account;

/*
 * An account with role ("admin", "area", "leader", "peer") and a live
 * session, made in the database directly: person (may be NULL) links it to
 * a person (whose unit a leader or peer works in); for "area", units is a
 * NULL-ended list of unit ids it leads (may be NULL).
 */
void ot_account_make(ot_world *w, const char *role, const char *name, const char *person,
                     const char *const *units, ot_account *a);

/* 1 if haystack's body contains needle. */
int ot_has(const ot_resp *r, const char *needle);

#endif
