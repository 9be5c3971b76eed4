#ifndef BLIK_SRVTEST_H
#define BLIK_SRVTEST_H
/*
 * Real parts for tests that need the server: a throwaway PostgreSQL cluster,
 * a CA and a server certificate made with openssl, blik-server as a child
 * process, and an HTTPS client (libcurl) that verifies the certificate.
 *
 * Whatever a test starts is stopped by it; and should the test program die
 * (a crash, a failed assertion that aborts, a kill), a small watcher process
 * forked by tpg_start() stops the cluster and every registered child and
 * removes the folder, so no PostgreSQL is ever left running.
 */
#include <stddef.h>
#include <sys/types.h>

/* ---- PostgreSQL ---- */

typedef struct tpg tpg;

/*
 * Makes and starts a cluster listening on 127.0.0.1 at a free port, in a new
 * folder under /tmp (PostgreSQL runs as the postgres user when we are root),
 * from a copy of the run's template when BLIK_PG_TEMPLATE names one.
 * durable: 0 turns fsync off (fast, for functional tests), 1 keeps the
 * defaults (for benchmarks). Returns 0, or -1 with a sentence in err.
 */
int tpg_start(int durable, tpg **out, char *err, size_t errlen);
/* The data folder tpg_start copies instead of running initdb when
 * BLIK_PG_TEMPLATE names path: made once per ctest run (the fixture
 * pg_template) and removed after it. path's last part must begin with
 * "blik-pg-template"; whatever is there is replaced. 0, or -1 with err. */
int tpg_template_make(const char *path, char *err, size_t errlen);
int tpg_template_remove(const char *path, char *err, size_t errlen);
/* Creates a new empty database and writes a libpq connection string for it
 * into conninfo. Returns 0 or -1. */
int tpg_new_db(tpg *pg, const char *name, char *conninfo, size_t cap);
/* Stops the cluster and every registered child, removes the folder, frees;
 * tpg_stop(NULL) is a no-op. */
void tpg_stop(tpg *pg);
/* Registers a child process to be killed should the test program die, and
 * unregisters it once the test has reaped it itself. */
void tpg_watch(tpg *pg, pid_t pid);
void tpg_unwatch(tpg *pg, pid_t pid);
/* The cluster's folder: a private scratch space for the test as well. */
const char *tpg_dir(const tpg *pg);
/* The cluster's postmaster process (for its CPU time), or 0. */
long tpg_postmaster_pid(const tpg *pg);
/* A TCP port free on 127.0.0.1 just now, or -1. */
int tpg_free_port(void);

/* ---- A streaming replica ---- */

typedef struct tpg_replica tpg_replica;

/*
 * Makes a hot standby of the running cluster pg: a base backup taken over the
 * replication protocol on loopback (pg_basebackup -R), started on a free
 * port of its own, streaming from pg. It lives in a folder under pg's, so
 * the watcher stops and removes it with pg should the program die. Returns
 * 0 once it takes reads, or -1 with a sentence in err; *out is set either
 * way (NULL only if nothing was made). pg owns it: tpg_replica_free frees it
 * earlier, and tpg_stop(pg) stops and frees one still there. At most eight
 * at once.
 */
int tpg_replica_start(tpg *pg, tpg_replica **out, char *err, size_t errlen);
int tpg_replica_port(const tpg_replica *r);
/* The replica's postmaster process, or 0 once it is stopped. */
long tpg_replica_postmaster_pid(const tpg_replica *r);
/* A libpq connection string for database dbname on the replica. */
void tpg_replica_conninfo(const tpg_replica *r, const char *dbname, char *conninfo, size_t cap);
/* Waits up to timeout_ms until the replica has replayed everything the
 * primary had written when this was called. 0, or -1 with err. */
int tpg_replica_await(tpg_replica *r, int timeout_ms, char *err, size_t errlen);
/* Stops the replica (immediate: pg_ctl's -m immediate, as a crash would; else
 * fast), keeping its folder; a stopped replica's stop is a no-op. */
void tpg_replica_stop(tpg_replica *r, int immediate);
/* Stops it if it runs, removes its folder, frees; NULL is a no-op. */
void tpg_replica_free(tpg_replica *r);

/* ---- TLS ---- */

/* Writes ca.pem, server.pem and server.key into dir: a throwaway CA, and a
 * certificate it signed for 127.0.0.1 and localhost. 0 or -1 with err. */
int tca_make(const char *dir, char *err, size_t errlen);

/* ---- blik-server ---- */

typedef struct {
    pid_t pid;
    int port;
    char dir[512]; /* where the certificate and port file are */
    char log[600]; /* the server's standard error */
    char url[64];  /* https://127.0.0.1:PORT */
    char ca[600];  /* the CA file to trust */
    tpg *pg;
} tsrv;

/* Starts exe serving conninfo over TLS with the certificates in dir (from
 * tca_make), waits until it listens, and registers it with pg. extra (may be
 * NULL) is a NULL-terminated list of more flags. 0 or -1. */
int tsrv_start(tsrv *s, tpg *pg, const char *exe, const char *conninfo, const char *dir,
               const char *const *extra);
/* SIGTERM, then waits; returns the exit status (-1 if it did not exit
 * normally within 30 s, in which case it is killed). */
int tsrv_stop(tsrv *s);
/* SIGKILL, then waits. */
void tsrv_kill(tsrv *s);

/* Starts n processes of exe on conninfo (into s[0..n-1]), each with a folder
 * dir/sI of its own holding copies of dir's certificates (from tca_make), a
 * metrics listener on a free loopback port (into mports[i], for /health and
 * /metrics) and the flags in extra (may be NULL). 0, or -1 with what did
 * start still registered with pg. */
int tsrv_start_many(tsrv *s, int *mports, int n, tpg *pg, const char *exe, const char *conninfo,
                    const char *dir, const char *const *extra);
/* Waits up to timeout_ms until something accepts connections on
 * 127.0.0.1:port; 0 or -1. */
int tsrv_await_port(int port, int timeout_ms);

/* ---- HAProxy in front of them ---- */

/* Connections the balancer takes at once: the load benchmark's tablets. */
#define THAP_MAXCONN 2048

typedef struct {
    pid_t pid;
    int port[2];     /* [0] round robin, [1] balance source (one client, one process) */
    char url[2][64]; /* https://127.0.0.1:PORT of each */
    char log[600];
    tpg *pg;
} thap;

/* Starts Debian's haproxy in front of the n servers srv, checking each one's
 * /health on mports[i], with TLS at the balancer from dir's server.pem and
 * server.key and towards the servers verified with dir's ca.pem; the
 * balancer connects to the servers from source (NULL: any address), and
 * adds X-Forwarded-For. Registered with pg. 0 once both front ends listen,
 * or -1 with a line on stderr. */
int thap_start(thap *h, tpg *pg, const char *dir, const tsrv *srv, const int *mports, int n,
               const char *source);
/* SIGTERM, then waits; a stopped one's stop is a no-op. */
void thap_stop(thap *h);

/* ---- HTTPS client ---- */

typedef struct {
    long status; /* 0 if no answer (connection refused, reset) */
    char *body;  /* decoded (gunzipped) answer, NUL-terminated; free() it */
    size_t len;
    int gzipped;         /* the answer came with Content-Encoding: gzip */
    char blik[16];       /* the Blik-Server header, "" if none */
    char push_order[16]; /* the Blik-Push-Order header, "" if none */
    char curl_error[256];
} thttp_resp;

/*
 * One request. authz: full Authorization value or NULL. gzip_body: send the
 * body gzip-compressed (Content-Encoding: gzip). extra_header: one more
 * header line or NULL. Returns 0 if an HTTP answer came, -1 otherwise
 * (curl_error says why). Always fills *out; free out->body.
 */
int thttp(const char *method, const char *url, const char *ca, const char *authz, const void *body,
          size_t len, int gzip_body, const char *extra_header, thttp_resp *out);
void thttp_free(thttp_resp *r);
/* A libcurl write callback that takes an answer's body and keeps none of
 * it, for requests made with libcurl directly whose body is not read. */
size_t thttp_discard(char *p, size_t sz, size_t n, void *ud);

#endif
