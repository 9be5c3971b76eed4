#ifndef BLIK_SRV_H
#define BLIK_SRV_H
/*
 * blik-server: the central sync server (sync/PROTOCOL.md). It serves HTTPS
 * itself and keeps all state in PostgreSQL, so that any number of requests
 * may be cut off or retried without losing or doubling a record: every
 * guarantee rests on a database constraint or lock, not on server memory.
 *
 * The library holds the whole server (configuration, database, HTTP, sync
 * logic, admin commands) so that tests can drive each part; main.c only
 * dispatches the command line.
 */
#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

#define SRV_PATH_MAX 512
#define SRV_CONNINFO_MAX 1024

typedef struct {
    char db[SRV_CONNINFO_MAX];    /* libpq connection string */
    char listen[64];              /* IPv4 or IPv6 address to listen on; "::" is both */
    int port;                     /* 0: any free port (see port_file) */
    char tls_cert[SRV_PATH_MAX];  /* PEM certificate chain */
    char tls_key[SRV_PATH_MAX];   /* PEM private key */
    char port_file[SRV_PATH_MAX]; /* if set, the bound port is written there when ready */
    int pool;                     /* database connections */
    int max_clients;              /* concurrent HTTP connections */
    int timeout_s;                /* idle connection timeout */
    int grace_s;                  /* how long a stop waits for requests in flight */
    int rate_address;             /* requests per minute per client address; 0: no limit */
    int rate_device;              /* requests per minute per enrolled device; 0: no limit */
    int rate_enrol;               /* failed enrolments per hour per address; 0: no limit */
    int rate_slots;               /* buckets in each rate-limit table (fixed memory) */
    int retention_min;            /* minutes between retention runs while serving; 0: never */
    char assets[SRV_PATH_MAX];    /* the data folder (po/, office/); "": beside the program */
    int office_idle_min;          /* an office session ends after this long unused */
    int office_max_hours;         /* and this long after sign-in, used or not */
    char public_url[256];         /* "https://host:port" people reach the office at; "": unknown */
    char metrics_listen[64];      /* address of /metrics and /health (plain HTTP); "": none */
    char trusted_proxy[64];       /* a load balancer's address whose X-Forwarded-For is believed */
    char replica[SRV_CONNINFO_MAX];       /* a streaming replica for pulls and figures; "": none */
    int metrics_port;                     /* its port; 0: any free one (see metrics_port_file) */
    char metrics_port_file[SRV_PATH_MAX]; /* if set, the metrics port is written there */
    /* The web pages (Blik Office): every request whose path is not under
     * /v1/ goes here when set. Set by the program, never from a file. */
    struct srv_web *web;
} srv_config;

/* Fills c with the defaults. */
void srv_config_defaults(srv_config *c);
/*
 * Reads the configuration, each source overriding the one before: defaults,
 * a file (--config FILE or BLIK_CONFIG; "key = value" lines, # comments), the
 * environment (BLIK_DB, BLIK_LISTEN, BLIK_PORT, ...), then flags (--db,
 * --listen, --port, ...). Flags it does not know are left for the caller:
 * *used is set to how many of argv were consumed from the start. Returns 0,
 * 1 if --help was asked for (nothing else read), or -1 with a sentence in err.
 */
int srv_config_load(srv_config *c, int argc, char **argv, int *used, char *err, size_t errlen);
/*
 * The same for a command line that starts with the server's options, from
 * the defaults on: --help prints usage(out) and returns 0; a bad
 * value is said on err (after prefix) and returns 2, the exit status of a
 * usage error; -1 means the configuration is read and the program goes on
 * with argv[*used].
 */
int srv_config_args(srv_config *c, int argc, char **argv, int *used, void (*usage)(FILE *),
                    FILE *out, FILE *err, const char *prefix);
/* The text --help prints for the server's options. */
void srv_config_usage(FILE *out);

/* ---- the database ---- */

/* The schema version this build's migrations bring the database to. */
#define SRV_DB_VERSION 18

/* Applies the migrations the database lacks, each in its own transaction,
 * under an advisory lock so that two servers starting together do not race.
 * Returns 0, or -1 with a sentence in err. */
int srv_db_migrate(PGconn *pg, char *err, size_t errlen);
/* Connects and migrates; NULL with a sentence in err on failure. */
PGconn *srv_db_connect(const char *conninfo, char *err, size_t errlen);

/* ---- the server ---- */

typedef struct srv srv;

/*
 * One request as the dispatcher sees it, without any network: the HTTP
 * layer fills it from a connection, and a fuzzer or a test can fill it
 * directly. All strings are borrowed for the call; NULL means "absent".
 */
typedef struct {
    const char *method;           /* "GET", "POST", ... */
    const char *path;             /* "/v1/push" */
    const char *nonce;            /* the ping's ?nonce= value */
    const char *authorization;    /* the Authorization header */
    const char *content_encoding; /* the Content-Encoding header */
    const char *address;          /* the client's address, for rate limits and last seen */
    const char *body;             /* the body as received (may be gzip) */
    size_t len;
    const char *user_agent;   /* the User-Agent header: the tablet's app version */
    const char *content_type; /* the Content-Type header */
    const char *push_id;      /* a push's Blik-Push header: its own id */
} srv_request;

/* The answer: an HTTP status, a JSON body the caller owns (free()), and,
 * for 429, how many seconds the client should wait (Retry-After). */
typedef struct {
    int status;
    char *body;
    int retry_after;
    char device[48]; /* the tablet whose credentials were right ("" if none), for the log */
} srv_response;

/*
 * Opens everything a server needs except the listener: the database pool
 * (migrating the schema) and the rate-limit tables. Like srv_start, *out is
 * set even on failure so srv_errmsg() can tell why; release with srv_free().
 * Returns 0 or -1. A server opened this way answers srv_handle() only.
 */
int srv_open(const srv_config *c, srv **out);
/*
 * Answers one complete request: limits, route, method, encoding, caps,
 * credentials, then the handler. Always fills *out (status 500 with a NULL
 * body only when out of memory). Thread-safe. Returns out->status.
 */
int srv_handle(srv *s, const srv_request *rq, srv_response *out);
/* Runs the retention job once on one of the server's connections; the
 * number of observations deleted, or -1. */
long srv_retention_now(srv *s);

/*
 * Opens (srv_open) and starts serving HTTPS (TLS 1.2 and 1.3 only) with
 * configuration c (copied). Like db_open, *out is set
 * even on failure (NULL only when out of memory) so srv_errmsg() can tell
 * why; release with srv_free(). Returns 0 or -1.
 */
int srv_start(const srv_config *c, srv **out);
const char *srv_errmsg(const srv *s);
/* The port the server listens on. */
int srv_port(const srv *s);
/* The port of the metrics listener, 0 when there is none. */
int srv_metrics_port(const srv *s);
/* Stops accepting connections, waits up to grace_s for the requests in
 * flight to finish, then stops. */
void srv_stop(srv *s);
/*
 * For the web side: a connection to a streaming replica (the replica key)
 * that has replayed the log up to `after` (a pg_lsn, "" for any), to read
 * a page's figures from; NULL when there is no replica, or it is behind or
 * down: the page then reads from the primary. Counted in the metrics
 * either way. It never waits. The caller gives it back with
 * srv_replica_put (NULL is a no-op) before the request ends.
 */
PGconn *srv_replica_get(srv *s, const char *after);
void srv_replica_put(srv *s, PGconn *rd);
/* Stops (if running) and releases; srv_free(NULL) is a no-op. */
void srv_free(srv *s);

/* ---- the web hook: the office's pages on the same port ---- */

/*
 * One web request as the server read it; every string is borrowed for the
 * call and NULL when absent. The body is at most SRV_WEB_BODY_MAX bytes and
 * NUL-terminated.
 */
#define SRV_WEB_BODY_MAX (256 * 1024)
typedef struct {
    const char *method;       /* "GET", "HEAD" or "POST" (others are refused before) */
    const char *path;         /* "/people/abc" (no query) */
    const char *query;        /* what followed '?', undecoded, or NULL */
    const char *cookie;       /* the Cookie header */
    const char *content_type; /* the Content-Type header */
    const char *origin;       /* the Origin header */
    const char *host;         /* the Host header */
    const char *if_none_match;
    const char *address; /* the client's address */
    const char *body;
    size_t len;
    /* 1 when no streamed answer may start now. Each holds a database
     * connection until its client has the last byte, so the server lets at
     * most half its pool stream at once (the rest stays for tablets and
     * pages); a handler that would stream answers busy instead. */
    int streams_full;
    /* The server, for srv_replica_get. */
    srv *server;
} srv_web_request;

/* At most this many extra headers per answer (Set-Cookie, Location, ...). */
#define SRV_WEB_HEADERS_MAX 12
typedef struct {
    char name[32];
    char value[512];
} srv_web_header;

/*
 * The answer: status, a body the server frees (free()) after sending (NULL
 * for none; binary allowed, len bytes), its type, and extra headers.
 *
 * Or, for an answer too large to hold (an export), a streamed body in
 * place of body: produce writes the next chunk of at most cap bytes into
 * buf and returns its length, 0 at the end, or -1 on an error (the
 * connection is then cut, so that a partial file is never taken for a
 * whole one). The server calls it until the end, as the client takes the
 * bytes, and then calls produce_free(produce_ctx) exactly once, also when
 * the client went away or produce was never called. The database
 * connection the handler was given stays the producer's until
 * produce_free has returned; the server takes it back after.
 */
typedef struct {
    int status;
    char *body;
    size_t len;
    char content_type[64];
    int n_headers;
    srv_web_header headers[SRV_WEB_HEADERS_MAX];
    long (*produce)(void *ctx, char *buf, size_t cap);
    void (*produce_free)(void *ctx);
    void *produce_ctx;
} srv_web_response;

/*
 * The web side: handle answers one request on a pooled database connection
 * (pg may be NULL when the pool is exhausted: the handler says "busy"),
 * filling *out; it must not keep any request string, nor pg unless it
 * answers with a producer (above). Called on many threads at once.
 */
typedef struct srv_web {
    void (*handle)(struct srv_web *w, PGconn *pg, const srv_web_request *rq, srv_web_response *out);
} srv_web;

/* Answers one complete web request without any network, as the HTTP layer
 * does (the per-address limit, method and size, then the web side on a
 * pooled connection), for tests and fuzzing; rq->streams_full set by the
 * caller stands for a server already streaming all it lets. A streamed answer is driven
 * here with the same producer, in chunks of the size the HTTP layer uses,
 * and gathered into out->body with a NUL after its len bytes (out->produce
 * is NULL on return); a producer's error makes the status 500. Returns
 * out->status; the caller frees out->body. */
int srv_web_handle(srv *s, const srv_web_request *rq, srv_web_response *out);

/* Adds a header to an answer; -1 when full or too long (nothing added). */
int srv_web_header_add(srv_web_response *out, const char *name, const char *value);

/* ---- admin ---- */

/*
 * Runs one admin command, as "blik-server admin ARGS": argv is what follows
 * "admin", the server's options (--db, --config, ...) and then the command
 * (unit-add, room-add, person-add, pin-set, focus-add, template-add,
 * enrol-code, device-list, device-revoke, export, ...) with its options.
 * Results go to out, messages to errout. Returns a process exit status:
 * 0 success, 1 refused or failed, 2 usage error (nothing done). It may run
 * many times in one process, but not on two threads at once: getopt_long
 * keeps its place in globals.
 */
int srv_admin_main(int argc, char **argv, FILE *in, FILE *out, FILE *errout);
void srv_admin_usage(FILE *out);

/* ---- rate limits ---- */

/*
 * A table of token buckets keyed by short strings (an address, a device
 * id). Its memory is fixed at creation: slots buckets, rounded up to a power
 * of two. Each bucket holds per_period tokens and refills evenly over
 * period_s seconds. NULL if the arguments make no sense or out of memory.
 */
#define SRV_RATE_KEY_MAX 48
typedef struct srv_rate srv_rate;
srv_rate *srv_rate_new(size_t slots, double per_period, double period_s);
void srv_rate_free(srv_rate *r);
/*
 * Takes cost tokens (0 only looks) from key's bucket at time now (seconds,
 * any monotonic origin). Returns 0 if allowed, else the whole seconds to
 * wait (at least 1), in which case nothing is taken. A key that finds no
 * room in the table is refused, never given a fresh bucket by forgetting
 * another client that is still limited. Keys are cut at SRV_RATE_KEY_MAX - 1
 * bytes. Thread-safe; srv_rate_take(NULL, ...) allows everything.
 */
int srv_rate_take(srv_rate *r, const char *key, double now, double cost);
/* The table's size, and how many buckets are not full at time now. */
size_t srv_rate_slots(const srv_rate *r);
size_t srv_rate_used(srv_rate *r, double now);

/* ---- behind a load balancer (srv_proxy.c) ---- */

/* Checks the trusted-proxy setting in place: "" (none) or a numeric address,
 * rewritten in the form a connection's address is written. 0, or -1 with a
 * sentence in err. */
int srv_proxy_check(char *trusted, size_t cap, char *err, size_t errlen);
/* When addr (the connection's address) is the trusted proxy's, replaces it
 * with the last address of xff (the X-Forwarded-For value the proxy added,
 * may be NULL); an absent or malformed one leaves addr as it is. */
void srv_proxy_client(const char *trusted, const char *xff, char *addr, size_t cap);

/* ---- logging ---- */

/* One line to stderr with a UTC timestamp. */
void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
