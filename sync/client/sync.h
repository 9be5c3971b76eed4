#ifndef BLIK_SYNC_H
#define BLIK_SYNC_H
/*
 * The tablet's sync engine (prefix sync_): sends the outbox to blik-server
 * and pulls reference data and observations, over HTTPS with libcurl, as
 * sync/PROTOCOL.md says.
 *
 * Two layers:
 * - sync_client: one synchronous round at a time (ping, push, pull) on its
 *   own store handle and its own curl handle. Tests and benchmarks drive it
 *   directly. A pull asks for its next page on a thread of its own while
 *   the caller's thread saves the page before (sync_round.c), and joins it
 *   before it returns; should_stop may be asked from that thread.
 * - sync_engine: a worker thread that owns a sync_client and decides when to
 *   run a round (something to send, "sync now", a network change, backoff
 *   with jitter after a failure). The screens talk only to this: every call
 *   returns at once, and sync_engine_status() copies the state under a lock.
 *
 * Guarantees kept here: an outbox entry leaves the outbox only when the
 * server acknowledged it; a retry sends the same change ids; a pulled page
 * and its cursor are stored in one transaction; TLS verification is always
 * on, and a certificate the tablet does not trust means nothing is sent.
 *
 * Call sync_global_init() once at program start, before any thread is made:
 * it calls curl_global_init(CURL_GLOBAL_DEFAULT) and ignores SIGPIPE for the
 * process (a dropped connection is then an error, not the end of the app).
 */
#include <stdint.h>

#include "db_sync.h"
#include "plat.h"

/* Outcomes, each with a sentence from sync_errmsg() or in sync_status. */
typedef enum {
    SYNC_OK = 0,
    SYNC_INVALID,       /* bad input from the caller */
    SYNC_NOT_ENROLLED,  /* this tablet has no server yet: enrol it */
    SYNC_OFFLINE,       /* no network: the server's name cannot be found */
    SYNC_UNREACHABLE,   /* no answer: refused, timed out, cut off (outcome unknown) */
    SYNC_CAPTIVE,       /* "Wi-Fi needs sign-in" */
    SYNC_TLS,           /* the server's certificate is not trusted; nothing was sent */
    SYNC_SERVER,        /* the server failed (5xx); try again later */
    SYNC_UNAUTHORIZED,  /* the server does not know this device: enrol again */
    SYNC_UPDATE_APP,    /* the server needs a newer app */
    SYNC_UPDATE_SERVER, /* the server is older than the app */
    SYNC_REFUSED,       /* the server refused a request (e.g. an enrolment code) */
    SYNC_PROTOCOL,      /* an answer that is not what the protocol says */
    SYNC_STORE,         /* the tablet's own store failed */
    SYNC_NOMEM,
    SYNC_BAD_ADDRESS, /* the server address is not an https:// address that fits */
    SYNC_REVOKED,     /* an administrator revoked this tablet: enrol it again */
    SYNC_WIPED,       /* revoked with wipe: the tablet must erase what it holds */
    SYNC_TLS_EXPIRED, /* the server's certificate has expired (or is not valid yet) */
    SYNC_TLS_NAME     /* the server's certificate is for another name than the address */
} sync_rc;

/* A short English sentence for an outcome, for logs and as a fallback. */
const char *sync_rc_text(sync_rc rc);

/* Zero means "the default" for every number. */
typedef struct {
    const char *db_path;     /* the store; the sync side opens its own handle */
    const plat_sys *sys;     /* clock and randomness; NULL = plat_sys_os() */
    long connect_timeout_ms; /* TCP + TLS setup (default 10 s) */
    long stall_ms;           /* no progress for this long = stalled (default 20 s, whole seconds) */
    long timeout_ms;         /* a whole request (default 120 s) */
    int push_batch;          /* changes per push (default and at most PROTO_PUSH_MAX) */
    int pull_limit;          /* records per pull page (default and at most PROTO_PULL_MAX) */
    /* Where to look for a captive portal after a TLS failure: a plain http://
     * URL (default: http:// on the server's host and port). */
    const char *portal_probe_url;
    /* The engine's schedule. */
    long backoff_min_ms; /* first wait after a failure (default 2 s) */
    long backoff_max_ms; /* the cap (default 5 min) */
    long poll_ms;        /* how often the engine looks for changes to send (default 2 s) */
    long pull_every_ms;  /* a pull with nothing to send (default 5 min) */
    /* The engine calls changed(changed_ctx) on its own thread when a round
     * begins and when one has ended (sync_engine_status already says how),
     * so that the program can wake its screens rather than ask every so
     * often. NULL: nobody is told. It must return at once and must not
     * call the engine. */
    void (*changed)(void *ctx);
    void *changed_ctx;
} sync_config;

typedef struct sync_client sync_client;

/* Opens a client on cfg->db_path (the config is copied). Like db_open, *out
 * is set even on failure (NULL only when out of memory) so that
 * sync_errmsg() can say why; close it with sync_client_close(). */
int sync_global_init(void);
int sync_client_open(const sync_config *cfg, sync_client **out);
/* sync_client_close(NULL) is a no-op. */
void sync_client_close(sync_client *c);
/* A sentence about the last outcome ("" after success); valid until the
 * next call on the client. */
const char *sync_errmsg(const sync_client *c);
/* The client's own store handle (for tests; owned by the client). */
db *sync_client_db(sync_client *c);

/* What a round did, for the screens, tests and benchmarks. */
typedef struct {
    int pushed; /* changes sent and answered */
    int stored; /* ... of which stored or duplicates */
    int conflicts;
    int rejected;
    int pulled;                   /* records received */
    int parked;                   /* ... of which wait for a record not yet here */
    int requests;                 /* HTTP requests made */
    int64_t bytes_up, bytes_down; /* HTTP bytes: headers and bodies as sent */
    long retry_after_s;           /* the server asked to wait this long (0 if not) */
} sync_report;

/* ---- enrolment ---- */

typedef struct {
    const char *server_url;  /* https://host[:port] */
    const char *code;        /* the code an administrator made, dashes allowed */
    const char *device_name; /* shown to administrators, e.g. "Stue 3 – blå"; NULL or ""
                              * for none; at most PROTO_DEVICE_NAME_CHARS characters */
    const char *ca_pem;      /* the server's CA (PEM) if private; NULL for the system's */
    const char *pin;         /* NULL, or the server key pin "sha256//<base64>" */
} sync_enrolment;

/*
 * Enrols this tablet with a server: checks the address and the certificate,
 * sends the code, and stores the server, the device's credentials, the CA
 * and the pin on the tablet. On failure nothing is stored, the outcome says
 * which kind (SYNC_BAD_ADDRESS for an address that is not https://,
 * SYNC_INVALID for another bad field, SYNC_REFUSED for a wrong or used
 * code, SYNC_TLS for an untrusted certificate, SYNC_TLS_EXPIRED and
 * SYNC_TLS_NAME for a trusted one that has expired or names another
 * server, ...) and the message says what to do.
 */
int sync_enrol(sync_client *c, const sync_enrolment *e);
/* 1 if this tablet is enrolled. */
int sync_enrolled(sync_client *c);

/* ---- one round ---- */

/* Checks that the server is there and is Blik's: SYNC_OK, or SYNC_CAPTIVE,
 * SYNC_TLS, SYNC_TLS_EXPIRED, SYNC_TLS_NAME, SYNC_OFFLINE,
 * SYNC_UNREACHABLE, ... Every request names the app and its version in
 * its User-Agent, which the server keeps as the tablet's last seen app. */
int sync_ping(sync_client *c, sync_report *rep);
/* Sends the whole outbox in batches, oldest first, and records each
 * answer. rep may be NULL. */
int sync_push(sync_client *c, sync_report *rep);
/* Pulls reference data, then each followed person's observations, page by
 * page until the server has no more. */
int sync_pull(sync_client *c, sync_report *rep);
/* Ping, push, pull. */
int sync_round(sync_client *c, sync_report *rep);

/* "Take theirs" for a conflict: stores the server's version over this
 * tablet's and closes the conflict, in one transaction, on the caller's
 * store handle. SYNC_INVALID if the server's version has not arrived yet
 * (then keep mine is the only choice until the next pull). "Keep mine" is
 * db_sync_conflict_keep_mine(). */
int sync_conflict_take_theirs(db *d, const char *change_id, char *err, size_t errlen);

/* ---- the engine ---- */

typedef struct sync_engine sync_engine;

typedef struct {
    int enrolled;
    int running;             /* a round is under way now */
    int rc;                  /* sync_rc of the last round */
    char message[320];       /* the last problem in words; "" when all is well */
    int64_t last_ok_ms;      /* wall clock of the last good round, 0 if none */
    int64_t next_try_ms;     /* wall clock of the next automatic round */
    int64_t rounds;          /* rounds run */
    int64_t network_changes; /* changes of network seen through plat_sys net_id */
    db_sync_counts counts;   /* as of the end of the last round */
} sync_status;

/* Starts the worker (cfg copied). *out is NULL on failure; err says why. */
int sync_engine_start(const sync_config *cfg, sync_engine **out, char *err, size_t errlen);
/* "Sync now": forget the backoff and run a round at once. */
void sync_engine_now(sync_engine *e);
/* The network changed (Wi-Fi joined): forget the backoff, try at once. */
void sync_engine_network_changed(sync_engine *e);
/* Something was saved: send it soon (respects backoff). */
void sync_engine_poke(sync_engine *e);
/* Copies the current state. */
void sync_engine_status(sync_engine *e, sync_status *out);
/* Stops the worker (a transfer in progress is abandoned within about a
 * second; its changes stay in the outbox) and frees; sync_engine_stop(NULL)
 * is a no-op. */
void sync_engine_stop(sync_engine *e);

#endif
