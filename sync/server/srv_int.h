#ifndef BLIK_SRV_INT_H
#define BLIK_SRV_INT_H
/* The server library's inside: database helpers and the sync handlers.
 * The office (sync/office), which builds on the server, uses the database
 * helpers, the audit log and publishing from here too. */
#include <stdint.h>

#include "proto.h"
#include "srv.h"

/* Runs a statement with text parameters. Returns the result (the caller
 * PQclear()s it) when its status is one of the successful ones; otherwise
 * clears it, writes the server's message into err and returns NULL. */
PGresult *srv_q(PGconn *pg, const char *sql, int n, const char *const *params, char *err,
                size_t errlen);
/* Runs a COPY ... FROM STDIN statement with data (len bytes of COPY's text
 * format) as its rows: two round trips. 0, or -1 with err (its SQLSTATE
 * first, as for srv_qp_batch). */
int srv_copy_in(PGconn *pg, const char *sql, const char *data, size_t len, char *err,
                size_t errlen);
/* Runs a statement that returns nothing; 0 or -1 with err. */
int srv_exec(PGconn *pg, const char *sql, int n, const char *const *params, char *err,
             size_t errlen);
/*
 * Statements kept prepared on the connection, for what every request runs:
 * a statement is parsed and planned once per connection instead of once
 * per call. srv_qp and srv_execp are srv_q and srv_exec for them, with the
 * same answers and the same messages (the SQLSTATE in the first brackets),
 * but each takes exactly one statement, even without parameters.
 *
 * After five runs PostgreSQL may keep one plan for every later run (and
 * inside srv_begin_indexed's transaction it keeps one from the first),
 * made on what the tables looked like then, which a table that has grown
 * since can turn into a read of the whole table per call. So a statement
 * that reads a table which grows is kept only where no such plan can be
 * made: written as one index probe per name (a LATERAL subquery with
 * LIMIT 1), or on a primary key, or with sequential scans refused on a
 * single table's index (srv_begin_indexed).
 */
PGresult *srv_qp(PGconn *pg, const char *sql, int n, const char *const *params, char *err,
                 size_t errlen);
int srv_execp(PGconn *pg, const char *sql, int n, const char *const *params, char *err,
              size_t errlen);
/* One statement of a batch: its text and n text parameters (borrowed). */
typedef struct {
    const char *sql;
    int n;
    const char *const *params;
} srv_stmt;
/* Runs the n statements in order in one round trip to the database, each
 * kept prepared as srv_qp keeps it; a statement after the first that fails
 * is not run. res (n of them, or NULL when no answer is wanted) receives
 * each statement's result, which the caller PQclear()s. 0, or -1 with err
 * as srv_q writes it and every res[i] NULL. */
int srv_qp_batch(PGconn *pg, const srv_stmt *v, int n, PGresult **res, char *err, size_t errlen);
/* Work of the caller's done while the database runs a batch: fn(arg) is
 * called once, after the batch has been sent (or has failed to be) and
 * before its answers are read, and its return kept in rc. fn must not use
 * the batch's connection, whose answers are still to come. */
typedef struct {
    int (*fn)(void *arg);
    void *arg;
    int rc;
} srv_meanwhile;
/* srv_qp_batch, with mw (NULL for none) run while the database works. */
int srv_qp_batch_meanwhile(PGconn *pg, const srv_stmt *v, int n, PGresult **res, srv_meanwhile *mw,
                           char *err, size_t errlen);
/* srv_qp_batch without answers, telling in *done how many of the
 * statements, from the first, succeeded (a caller whose batch holds a
 * COMMIT learns whether the commit was made when a statement after it
 * failed). */
int srv_qp_batch_done(PGconn *pg, const srv_stmt *v, int n, int *done, char *err, size_t errlen);
/* BEGIN and SRV_INDEXED_SQL in one round trip. 0, or -1 with err. */
int srv_begin_indexed(PGconn *pg, char *err, size_t errlen);
/* For the rest of the transaction: sequential scans refused where an index
 * can serve, so that the plans made in it read by index whatever the
 * tables' sizes looked like when they were made; no plan compiled to
 * machine code: a refused scan still counts in a plan's cost, so a
 * statement with no index to read by (a refresh's open conflicts) would
 * look costly enough to be compiled at every run, which took longer than
 * the rest of the push's statements together; and one plan kept for every
 * run of a statement. Left to choose, PostgreSQL planned the push's
 * statements over arrays anew at every run (it cannot tell an array's
 * length before it sees it, so the kept plan never looked cheaper), and
 * the planning took as long as the rest of the push's work in the
 * database. The statements are written so that the kept plan reads by
 * index one id at a time (unnest and a lateral lookup; an UPDATE or
 * DELETE finds its rows so and changes them by ctid, a sum is taken out
 * by inserting its negative ON CONFLICT): the same plan serves one id or a
 * thousand, and a table of any size. A join of a table to an array by key,
 * kept from when the table was small, reads the whole table by one of its
 * indexes, which refusing sequential scans does not prevent. (A first try
 * at keeping plans, before the statements were written so, made the sums'
 * statements of a refresh ten times slower after 4,000 observations.) */
#define SRV_INDEXED_SQL                                                                            \
    "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true),"            \
    " set_config('plan_cache_mode', 'force_generic_plan', true)"
/* Its two statements, for a batch that goes on with more. */
extern const srv_stmt srv_begin_indexed_stmts[2];

/* 1 if the last failure on pg was a serialization failure or deadlock, worth
 * one more try; set by srv_q from the SQLSTATE. */
int srv_q_retryable(const char *err);

/* SHA-256 of data as 64 lower-case hex digits. */
void srv_sha256_hex(const void *data, size_t len, char out[65]);

/* The contacts a process noted lately (srv_seen.c): one fixed table of
 * slots (rounded up to a power of two), thread-safe. NULL remembers
 * nothing; srv_seen_free(NULL) is a no-op. */
#define SRV_SEEN_EVERY_S 30
#define SRV_SEEN_TEXT_MAX 80 /* an address or version longer is not remembered */
typedef struct srv_seen srv_seen;
srv_seen *srv_seen_new(size_t slots);
void srv_seen_free(srv_seen *m);
/* 1 when this process wrote device's contact from this address and
 * version less than SRV_SEEN_EVERY_S seconds before now. */
int srv_seen_recent(srv_seen *m, const char *device, const char *address, const char *version,
                    double now);
/* Remembers that device's contact was written at now. */
void srv_seen_note(srv_seen *m, const char *device, const char *address, const char *version,
                   double now);

/* The pushes a process is reading, until each holds its unit's lock or has
 * been answered (srv_gate.c): one fixed table of slots, thread-safe. NULL
 * notes nothing and makes no one wait; srv_gate_free(NULL) is a no-op. */
#define SRV_GATE_WAIT_MS 5000 /* the longest a push waits for the one it follows */
typedef struct srv_gate srv_gate;
srv_gate *srv_gate_new(int slots);
void srv_gate_free(srv_gate *g);
/* Notes the push id (a UUID) as being read: its slot, or -1 when the id is
 * not one or the table is full (then no one waits for it). */
int srv_gate_enter(srv_gate *g, const char *id);
/* The push id holds its unit's lock: those after it go on. */
void srv_gate_locked(srv_gate *g, const char *id);
/* The push in slot at has been answered, or cut off; its slot is free.
 * at -1 is a no-op. */
void srv_gate_leave(srv_gate *g, int at);
/* Waits while the push id is noted and neither holds its lock nor has
 * been answered, at most ms: 0 when it did not wait, 1 when it waited and
 * may go on, -1 when the time ran out first. */
int srv_gate_wait(srv_gate *g, const char *id, int ms);

/* For tests only: a pause of the milliseconds the environment variable
 * `name` gives (0 when unset, at most a minute), read when the server
 * needs it. BLIK_FAULT_COMMIT_DELAY_MS pauses between the commit of a push
 * and its reply, so that a test can kill the server exactly there;
 * BLIK_FAULT_PUSH_DELAY_MS before the server notes a push that follows no
 * other (srv_gate_enter), as if it came late, so that a test can have the
 * push sent after it overtake it. */
int srv_test_delay_ms(const char *name);
void srv_test_pause_ms(int ms);

/* The enrolled device a request came from. */
typedef struct {
    model_id device_id;
    model_id unit_id;
    /* Where the database's log stood after the device's last push (a
     * pg_lsn), "" if unknown: a replica that has not replayed this far
     * would not yet show the tablet what it pushed. */
    char written_lsn[32];
} srv_device;

/* Checks "Bearer <device_id>.<secret>"; PROTO_OK, or unauthorized, revoked
 * or wiped. With the right secret dev is filled even when the device is
 * revoked or wiped, so that its contact can be noted (srv_device_seen). */
proto_code srv_auth(PGconn *pg, const char *authorization, srv_device *dev, char *msg,
                    size_t msglen);
/* Notes a contact of a device whose credentials were right: the time, the
 * client's address and app version (each cut to fit), and, when the answer
 * was device_wiped (code), that the tablet has been told. The row is
 * written at most every SRV_SEEN_EVERY_S seconds unless the address or the
 * version changed; seen (may be NULL) remembers what this process wrote,
 * and a contact it shows is recent costs no statement. now: monotonic
 * seconds. A failure is logged, never refused: the request's own work
 * decides its answer. */
void srv_device_seen(PGconn *pg, srv_seen *seen, const srv_device *dev, proto_code code,
                     const char *address, const char *user_agent, double now);

/* The handlers: each reads a decoded body and writes the JSON reply into
 * *reply (malloc'd), returning the typed code (PROTO_OK for 200). On an
 * error *reply is NULL and msg says why. */
proto_code srv_enrol(PGconn *pg, const char *body, size_t len, char **reply, char *msg,
                     size_t msglen);
/* A push's place among the tablet's pushes, from its headers (NULL when
 * absent): its own id, and the id of the push it must follow. */
typedef struct {
    const char *push_id;
    const char *after;
    srv_gate *gate; /* told when the push holds its unit's lock; may be NULL */
} srv_push_order;
/* A push also counts its changes by what became of them, in outcomes
 * (indexed by proto_status, PROTO_ST_REJECTED + 1 of them; may be NULL),
 * when it answers 200. With order->after, it is stored only if the
 * device's last stored push is that one, and is otherwise answered
 * PROTO_E_OUT_OF_ORDER with nothing stored; order may be NULL. */
proto_code srv_push(PGconn *pg, const srv_device *dev, const srv_push_order *order,
                    const char *body, size_t len, char **reply, long *outcomes, char *msg,
                    size_t msglen);
/* A pull reads the feed from rd (a replica's connection, or pg itself
 * when rd is NULL) and writes its audit row through pg, committed before
 * the reply is made: no log row, no data. */
proto_code srv_pull(PGconn *pg, PGconn *rd, const srv_device *dev, const char *body, size_t len,
                    char **reply, char *msg, size_t msglen);
/* The two statements that note where the database's log stands as the
 * device's last write (srv_device.written_lsn), $1 its id: a push sends
 * them after its COMMIT, in the same round trip (srv_push.c, push_txn,
 * says why they are written so). */
#define SRV_WRITTEN_ASYNC_SQL "SELECT set_config('synchronous_commit', 'off', true)"
#define SRV_WRITTEN_SQL "UPDATE devices SET written_lsn = pg_current_wal_insert_lsn() WHERE id = $1"

/*
 * Publishes a record into the unit's feed: takes the unit's feed lock (the
 * row of the unit), gives the record the next feed number and stores it.
 * Must run inside a transaction; the lock is held until its end, which is
 * what keeps feed numbers committing in order (see PROTOCOL.md, "pull").
 */
int srv_feed_lock(PGconn *pg, const char *unit_id, int64_t *seq, char *err, size_t errlen);
/* srv_begin_indexed and srv_feed_lock, with more statements (v, n of them,
 * their answers into res as srv_qp_batch gives them) that need no answer
 * before they run, all in one round trip, and mw (NULL for none) run
 * while the database works on them. 0, or -1 with err: then the
 * transaction may have begun, and the caller rolls back. */
int srv_feed_lock_begin(PGconn *pg, const char *unit_id, int64_t *seq, const srv_stmt *v, int n,
                        PGresult **res, srv_meanwhile *mw, char *err, size_t errlen);
int srv_feed_release(PGconn *pg, const char *unit_id, int64_t seq, char *err, size_t errlen);
/* The statement srv_feed_release runs ($1 the unit, $2 the number), for a
 * batch that ends a push. */
#define SRV_FEED_RELEASE_SQL "UPDATE units SET feed_seq = $2::bigint WHERE id = $1"
/* Stores a reference record (unit, room, person, focus, template) and
 * publishes it, in its own transaction (srv_publish.c). */
int srv_publish_ref(PGconn *pg, const model_record *r, char *err, size_t errlen);
/* The same inside the caller's transaction (which then holds the unit's
 * feed lock until its end). A focus or template version that exists with
 * other content is refused unless replace is set. *published (may be NULL)
 * is set to 1 when the record changed and took a feed number, 0 when the
 * same content was there already. 0, or -1 with err; on failure the caller
 * rolls back. */
int srv_publish_ref_in(PGconn *pg, const model_record *r, int replace, int *published, char *err,
                       size_t errlen);
/* A record as the compact JSON text items keep (malloc'd), or NULL with
 * err when out of memory. */
char *srv_record_text(const model_record *r, char *err, size_t errlen);
/* Stores a record's text in items under (entity, key) with feed number
 * seq, a new row at version 1 or the next version of the row there. Runs
 * inside the caller's transaction, which holds the unit's feed lock.
 * 0, or -1 with err. */
int srv_item_put(PGconn *pg, const char *entity, const char *key, const char *unit, int64_t seq,
                 const char *data, char *err, size_t errlen);

/* ---- privacy: audit, deletions, retention (srv_privacy.c) ---- */

/*
 * Appends a row to the audit log: who (actor: "device:<id>", "admin:<user>"
 * or "server"), did what (action: a command or "pull"), in which unit,
 * about whom or what (subject: a person, device or observation id), and
 * the details (never names or free text). Runs inside the caller's
 * transaction when one is open, so a read is logged or not done at all.
 * 0, or -1 with err.
 */
int srv_audit(PGconn *pg, const char *actor, const char *action, const char *unit,
              const char *subject, const char *detail, char *err, size_t errlen);
/*
 * Deletes an observation with its events, notes, ratings, feedback,
 * reflection and kept conflicts, and publishes its deletion into the unit's
 * feed so tablets delete it at their next pull. Must run inside a
 * transaction holding the unit's feed lock; *seq is the feed counter,
 * advanced by one. 0, or -1 with err.
 */
int srv_delete_observation(PGconn *pg, const char *unit, const char *obs_id, model_del_reason why,
                           int64_t *seq, char *err, size_t errlen);
/*
 * The retention job: deletes every observation older than its unit's
 * retention period (see PROTOCOL.md for how its age is measured), one unit
 * per transaction, and logs each run in the audit log as actor. unit: NULL
 * for every unit. Returns how many observations were deleted, or -1 with
 * err (units done before the failure stay done).
 */
long srv_retention_run(PGconn *pg, const char *unit, const char *actor, char *err, size_t errlen);
/*
 * Everything the server holds about one person, as a JSON document (new
 * reference): their record, their unit, every observation they observed or
 * were observed in with all its parts and kept conflicts, and the audit
 * rows about them. NULL with err if there is no such person.
 */
json_t *srv_person_export(PGconn *pg, const char *person, char *err, size_t errlen);
/*
 * Erases a person: every observation they observed or were observed in
 * (with all parts), their record, and publishes the deletions so tablets
 * follow at their next pull; in one transaction. Counts go to *n_obs.
 * 0, or -1 with err (nothing deleted).
 */
int srv_person_delete(PGconn *pg, const char *person, const char *actor, long *n_obs, char *err,
                      size_t errlen);

/* A number given by a macro as text, to write it into a statement. */
#define SRV_STR_(x) #x
#define SRV_STR(x) SRV_STR_(x)

/* The time now, UTC milliseconds, as records carry it. */
int64_t srv_now_ms(void);

/* A growable text (srv_text.c); start it zeroed, free(b.s) when done. */
typedef struct {
    char *s; /* owned; NUL-terminated once anything is put */
    size_t n, cap;
    int oom; /* an allocation failed: every later put is ignored */
} srv_buf;
/* Appends len bytes of p. 0, or -1 when out of memory (then and after). */
int srv_buf_put(srv_buf *b, const char *p, size_t len);
/* Appends s as one element of the PostgreSQL array literal being built in
 * b (after its "{" or another element), quoted and escaped. 0, or -1 when
 * out of memory. */
int srv_buf_array_elem(srv_buf *b, const char *s);
/* Appends s as one field of a row in COPY's text format, then a tab, or
 * when last the row's newline; a backslash, tab, newline or carriage
 * return in s is written as its escape. 0, or -1 when out of memory. */
int srv_buf_copy_field(srv_buf *b, const char *s, int last);
/* Appends s as a JSON string in its quotes, escaped as model_json_string
 * escapes it. 0, or -1 when out of memory. */
int srv_buf_json_string(srv_buf *b, const char *s);
/* Appends v in decimal digits, as JSON and PostgreSQL read a number. 0, or
 * -1 when out of memory. */
int srv_buf_int(srv_buf *b, long long v);
/* An array literal of the n texts at base + i * stride: each a char array
 * there, or when indirect a pointer to one. Malloc'd; NULL if out of memory. */
char *srv_array_of(const void *base, size_t stride, int n, int indirect);

#endif
