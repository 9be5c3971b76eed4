#ifndef BLIK_SRV_FIXTURE_H
#define BLIK_SRV_FIXTURE_H
/* The world the server tests share: a cluster, a CA, a running blik-server,
 * admin commands run in-process, and enrolled tablets. Helpers assert on
 * failure (cmocka), so a test reads as its story. */
#include <libpq-fe.h>
#include <stdint.h>

#include "proto.h"
#include "srvtest.h"

typedef struct {
    tpg *pg;
    char dir[512];
    char conninfo[512];
    tsrv srv;
    PGconn *db; /* the test's own connection, to look behind the server's back */
} fx_world;

/* Starts everything (server flags in extra, may be NULL); 0 or -1. */
int fx_up(fx_world *w, const char *dbname, const char *const *extra);
/* Stops everything; -1 if the server did not exit 0 on SIGTERM. */
int fx_down(fx_world *w);
/* Restarts the server (after a kill) with the same database. */
void fx_restart(fx_world *w, const char *const *extra);
/* Stops the server and starts it again with the environment variable
 * name set to value for the new process alone (a test-only pause, say). */
void fx_restart_env(fx_world *w, const char *name, const char *value);
/* A live session for an existing office account, made in the database as
 * a sign-in makes one: its cookie ("__Host-blik=<token>") and form token
 * (65 bytes) into the outputs. 0, or -1 with the database's message on
 * standard error. */
int fx_office_session(PGconn *db, const char *account_id, char *cookie, size_t cap, char csrf[65]);
/*
 * An office account (role "admin", "area", "leader" or "peer"; person may
 * be NULL) with a live session, made in the database as a sign-in makes
 * them: signing in hashes a password at full cost, which no test or
 * benchmark here measures. The account's id (33 bytes), the session's
 * cookie ("__Host-blik=<token>") and its form token (65 bytes) into the
 * outputs. 0, or -1 with the database's message on standard error.
 */
int fx_office_account(PGconn *db, const char *login, const char *role, const char *name,
                      const char *person, char id[33], char *cookie, size_t cap, char csrf[65]);
/* Stops the server and starts it again with the metrics listener on a free
 * port of 127.0.0.1 and the flags in extra (may be NULL; a later flag
 * wins); the listener's address ("http://127.0.0.1:PORT") into url. */
void fx_restart_metrics(fx_world *w, const char *const *extra, char *url, size_t cap);

/* Runs "blik-server admin --db ... ARGS" in-process; first line of stdout
 * into out (may be NULL). stdin_text may be NULL. Returns the exit status. */
int fx_admin(fx_world *w, char *out, size_t cap, const char *stdin_text, ...);
/* The same with no stdin, returning the whole standard output (malloc'd)
 * and the exit status into *rc. The arguments end with NULL. */
char *fx_admin_all(fx_world *w, int *rc, ...);

typedef struct {
    model_id unit, room, leader, peer1, peer2, focus, tmpl;
} fx_unit;

/* A unit with a room, a leader, two peers, a template and a focus. */
void fx_make_unit(fx_world *w, const char *name, fx_unit *u);

typedef struct {
    model_id id;
    char authz[160];
} fx_device;

void fx_enrol(fx_world *w, const char *unit_id, fx_device *d);

/* Records as a tablet makes them. */
void fx_obs(const fx_unit *u, const char *observer, const char *observee, model_record *r);
void fx_feedback(const char *obs_id, const char *author, const char *works, model_record *r);
void fx_reflection(const char *obs_id, const char *author, const char *text, model_record *r);
void fx_note(const char *obs_id, const char *text, model_record *r);
/* A change around a copy of a record, with a fresh change_id; the copy is
 * freed when the test program exits. */
void fx_change(proto_change *c, const char *actor, int base_version, const model_record *r);
/* Encodes a push of n changes (malloc'd). */
char *fx_push_body(const proto_change *c, int n);

/* POSTs body to path as device d (NULL: no credentials); asserts an answer. */
void fx_post(fx_world *w, const char *path, const fx_device *d, const char *body, thttp_resp *r);
/* Pushes and decodes the reply; asserts HTTP 200. */
void fx_push(fx_world *w, const fx_device *d, const proto_change *c, int n, proto_push_reply *out);
/* Pulls everything after cursor for person (may be ""); asserts HTTP 200. */
void fx_pull(fx_world *w, const fx_device *d, const char *person, int64_t cursor, int limit,
             proto_pull_reply *out);
/* 1 if the pull reply holds a record of entity e with the given key. */
int fx_has(const proto_pull_reply *r, model_entity e, const char *key);

/* A number from a SQL query on the test's own connection. */
long long fx_count(fx_world *w, const char *sql);
/* Asserts the server still answers its ping. */
void fx_ping_ok(fx_world *w);
/* What the server holds, counted, so that a test can show later that a
 * refused request stored nothing. */
typedef struct {
    long long items, changes;
} fx_stored;
fx_stored fx_stored_now(fx_world *w);
/* Asserts the server holds exactly what s counted and still answers. */
void fx_nothing_stored(fx_world *w, fx_stored s);
/* Asserts an error reply with the HTTP status and wire code. */
void fx_assert_error(const thttp_resp *r, int status, proto_code code);

#endif
