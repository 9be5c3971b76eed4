/*
 * HTTPS serving: libmicrohttpd with TLS (GnuTLS) in-process, one thread per
 * connection, and a small pool of PostgreSQL connections. This file knows
 * about bytes, limits and HTTP; what a request means is in srv_sync.c.
 */
#include "srv_int.h"
#include "srv_metrics.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PEM_MAX (64 * 1024)
#define POOL_WAIT_S 10
#define QUERY_MAX 2048
/* What the server reads and drops of a body without a length after it
 * passed its cap, so that the client still gets its 413; past this it is
 * cut off unanswered. Reading costs time, never memory. */
#define DROP_MAX ((size_t)PROTO_BODY_MAX * 16)

/*
 * Only TLS 1.2 and 1.3, with GnuTLS's NORMAL cipher choice otherwise: TLS
 * 1.0 and 1.1 rest on MD5 and SHA-1 in the handshake and are refused during
 * the handshake itself, before any request is read.
 */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"

struct srv {
    srv_config cfg;
    char err[600];
    struct MHD_Daemon *d;
    char *cert, *key;
    int port;
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* a pool connection was released */
    pthread_cond_t idle; /* a request finished */
    int locks_ok;
    PGconn **conns;
    char *busy;
    int n_conns;
    PGconn **rconns; /* the replica's, opened when first needed; NULL slots are closed */
    char *rbusy;
    double replica_pause; /* monotonic time before which the replica is left alone */
    int inflight;
    int streams; /* streamed answers holding a pool connection (under mu) */
    int stopped;
    srv_rate *rate_addr, *rate_dev, *rate_enrol;
    srv_seen *seen; /* the contacts noted lately */
    srv_gate *gate; /* the pushes being read, for those sent after them */
    pthread_t retention;
    int retention_on;
    pthread_cond_t wake; /* the retention thread is asked to stop */
    srv_metrics *metrics;
    struct MHD_Daemon *md; /* the metrics listener, or NULL */
    int metrics_port;
    double start_time; /* Unix time */
};

typedef struct {
    char *buf;
    size_t len, cap;
    int started;  /* on_request has seen this request */
    int web;      /* for the web pages (cfg.web), not the tablets' protocol */
    int long_uri; /* the query string was over QUERY_MAX */
    char query[QUERY_MAX + 1];
    int has_query;
    int answered; /* a response was queued before the body was read */
    int over;     /* a body without a length passed its cap: the rest is dropped */
    size_t dropped;
    struct timespec t0;
    int status;
    char addr[64];
    srv_endpoint ep;
    char method[12]; /* as the log writes it */
    char path[160];  /* as the log writes it: no query, ids as "*" */
    char device[48]; /* the tablet whose credentials were right, "" if none */
    uint64_t sent;   /* bytes of the answer's body */
    int gate_slot;   /* the push's slot in the server's gate, or -1 */
} req;

const char *srv_errmsg(const srv *s) { return s ? s->err : "Out of memory."; }

int srv_port(const srv *s) { return s ? s->port : 0; }

int srv_metrics_port(const srv *s) { return s && s->md ? s->metrics_port : 0; }

/* A certificate or key file for TLS, or NULL with the reason in err. The
 * caller frees the text. */
static char *read_pem(const char *path, char *err, size_t errlen)
{
    size_t n = 0;
    char *buf = plat_read_file(path, PEM_MAX, &n, err, errlen);
    if (buf && n == 0) {
        free(buf);
        snprintf(err, errlen, "%.400s is empty.", path);
        return NULL;
    }
    return buf;
}

/* ---- the connection pool ---- */

static double now_s(void);

/* A free connection of the pool, waiting up to wait_s seconds for one; NULL
 * when none came free. A request's wait is counted for the metrics (counted
 * 1), so that a pool too small for the load shows before requests are
 * answered "busy"; /health's is not, as it is no request of the service. */
static PGconn *pool_get_within(srv *s, int wait_s, int counted)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_s;
    double t0 = 0;
    PGconn *got = NULL;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (int i = 0; i < s->n_conns && !got; i++)
            if (!s->busy[i]) {
                s->busy[i] = 1;
                got = s->conns[i];
            }
        if (got)
            break;
        if (t0 == 0)
            t0 = now_s();
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&s->mu);
    if (t0 != 0 && counted)
        srv_metrics_pool_wait(s->metrics, now_s() - t0, got != NULL);
    return got;
}

static PGconn *pool_get(srv *s) { return pool_get_within(s, POOL_WAIT_S, 1); }

static void pool_put(srv *s, PGconn *pg)
{
    /* A connection that broke (database restarted) is mended before reuse;
     * one left inside a transaction by a failed request is rolled back. */
    if (PQstatus(pg) != CONNECTION_OK)
        PQreset(pg);
    else if (PQtransactionStatus(pg) != PQTRANS_IDLE)
        PQclear(PQexec(pg, "ROLLBACK"));
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n_conns; i++)
        if (s->conns[i] == pg)
            s->busy[i] = 0;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- the replica ----
 *
 * A streaming replica (cfg.replica) takes the pulls' reads, and the
 * office's figures (srv_replica_get), off the primary. A read goes there
 * only once the replica has replayed the asker's last change (a tablet's
 * last push, an office session's last form), so no one reads from a
 * replica without what they just wrote. Everything else reads from the
 * primary: credentials, sessions, who the person is and may see, the
 * audit log. The replica's connections are opened when first needed and
 * closed when they break; after a failure the replica is left alone for
 * REPLICA_PAUSE_S seconds, so that a replica that is down costs a request
 * only its primary read.
 */
#define REPLICA_PAUSE_S 5

static void replica_fail(srv *s, const char *why)
{
    pthread_mutex_lock(&s->mu);
    int first = now_s() >= s->replica_pause;
    s->replica_pause = now_s() + REPLICA_PAUSE_S;
    pthread_mutex_unlock(&s->mu);
    if (first)
        srv_log("replica: %s; reads go to the primary for %d s", why, REPLICA_PAUSE_S);
}

/* A new connection to the replica, or NULL (logged). Its schema must be
 * this build's: a replica that has not replayed a migration yet lacks what
 * the reads need. Whether it is a replica at all is asked before every
 * read (replica_ready). */
static PGconn *replica_connect(srv *s)
{
    const char *const keys[] = {"connect_timeout", "dbname", NULL};
    const char *const vals[] = {"2", s->cfg.replica, NULL};
    PGconn *rd = PQconnectdbParams(keys, vals, 1);
    char why[300];
    if (!rd || PQstatus(rd) != CONNECTION_OK) {
        snprintf(why, sizeof why, "cannot connect: %s", rd ? PQerrorMessage(rd) : "out of memory");
        why[strcspn(why, "\n")] = 0;
        PQfinish(rd);
        replica_fail(s, why);
        return NULL;
    }
    PQclear(PQexec(rd, "SET client_min_messages = warning"));
    PGresult *r = srv_q(rd, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL, why,
                        sizeof why);
    if (r && atoi(PQgetvalue(r, 0, 0)) != SRV_DB_VERSION) {
        snprintf(why, sizeof why, "its schema is not this server's yet (a migration not replayed)");
        PQclear(r);
        r = NULL;
    }
    if (!r) {
        PQfinish(rd);
        replica_fail(s, why);
        return NULL;
    }
    PQclear(r);
    return rd;
}

/*
 * Asks the replica whether it may serve a read: 1 when it is a replica
 * that has replayed the log up to `after` ("" for any), 0 when it is
 * behind, -1 when it failed or is no replica (the primary given by
 * mistake, or a promoted replica), with why. Asked before the read's snapshot is taken: replay only moves on, so
 * the snapshot holds at least what was replayed here. Asked for every read,
 * so that a connection the replica dropped (a restart) is found before a
 * page's queries meet it.
 */
static int replica_ready(PGconn *rd, const char *after, char *why, size_t cap)
{
    const char *p[] = {after};
    PGresult *r = srv_q(rd,
                        "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 'promoted'"
                        " WHEN $1 = '' OR pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 'ready'"
                        " ELSE 'behind' END",
                        1, p, why, cap);
    if (!r)
        return -1;
    int rc = !strcmp(PQgetvalue(r, 0, 0), "ready")    ? 1
             : !strcmp(PQgetvalue(r, 0, 0), "behind") ? 0
                                                      : -1;
    if (rc < 0)
        snprintf(why, cap, "it is not a replica (the primary, or promoted): it is not read from");
    PQclear(r);
    return rc;
}

/*
 * A connection to the replica that has replayed the log up to `after` (a
 * pg_lsn, "" for any), or NULL, with why in *where: no replica, behind,
 * down. It never waits: with every replica connection lent out, the
 * primary serves. A connection found broken is opened once again at once
 * (the replica may have restarted) before the replica is left alone. The
 * caller gives it back with replica_put.
 */
static PGconn *replica_get(srv *s, const char *after, srv_read *where)
{
    *where = SRV_READ_PRIMARY;
    if (!s->cfg.replica[0] || !s->rconns)
        return NULL;
    *where = SRV_READ_DOWN;
    int slot = -1;
    pthread_mutex_lock(&s->mu);
    if (now_s() >= s->replica_pause)
        for (int i = 0; i < s->cfg.pool && slot < 0; i++)
            if (!s->rbusy[i]) {
                s->rbusy[i] = 1;
                slot = i;
            }
    pthread_mutex_unlock(&s->mu);
    if (slot < 0)
        return NULL;
    /* The slot is this request's alone until it is given back. */
    char why[300] = "";
    int ready = -1;
    for (int attempt = 0; attempt < 2 && ready < 0; attempt++) {
        int fresh = !s->rconns[slot];
        if (fresh && !(s->rconns[slot] = replica_connect(s)))
            break; /* replica_connect left the replica alone */
        ready = replica_ready(s->rconns[slot], after, why, sizeof why);
        if (ready < 0) {
            int broken = PQstatus(s->rconns[slot]) != CONNECTION_OK;
            PQfinish(s->rconns[slot]);
            s->rconns[slot] = NULL;
            if (!broken || fresh) {
                replica_fail(s, why);
                break;
            }
        }
    }
    PGconn *rd = ready > 0 ? s->rconns[slot] : NULL;
    if (ready == 0)
        *where = SRV_READ_BEHIND;
    if (!rd) {
        pthread_mutex_lock(&s->mu);
        s->rbusy[slot] = 0;
        pthread_mutex_unlock(&s->mu);
        return NULL;
    }
    *where = SRV_READ_REPLICA;
    return rd;
}

/* Gives a replica connection back; one that broke is closed and the
 * replica left alone for a while. */
static void replica_put(srv *s, PGconn *rd)
{
    int broken = PQstatus(rd) != CONNECTION_OK;
    if (broken)
        replica_fail(s, "the connection broke");
    else if (PQtransactionStatus(rd) != PQTRANS_IDLE)
        PQclear(PQexec(rd, "ROLLBACK"));
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->cfg.pool; i++)
        if (s->rconns[i] == rd) {
            if (broken) {
                PQfinish(rd);
                s->rconns[i] = NULL;
            }
            s->rbusy[i] = 0;
        }
    pthread_mutex_unlock(&s->mu);
}

PGconn *srv_replica_get(srv *s, const char *after)
{
    srv_read where;
    PGconn *rd = replica_get(s, after ? after : "", &where);
    srv_metrics_read(s->metrics, where);
    return rd;
}

void srv_replica_put(srv *s, PGconn *rd)
{
    if (rd)
        replica_put(s, rd);
}

/* ---- answers ---- */

static int answer(srv_response *out, int status, char *body)
{
    out->status = body ? status : 500;
    out->body = body;
    out->retry_after = 0;
    return out->status;
}

static int fail(srv_response *out, proto_code code, const char *msg)
{
    return answer(out, proto_code_http(code), proto_error_encode(code, msg));
}

static int limited(srv *s, srv_limit which, srv_response *out, int wait, const char *what)
{
    srv_metrics_limited(s->metrics, which);
    char m[160];
    snprintf(m, sizeof m, "Too many %s; try again in %d seconds.", what, wait);
    fail(out, PROTO_E_RATE_LIMITED, m);
    out->retry_after = wait;
    return out->status;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- requests ---- */

/*
 * The key a client's address is limited by: the address itself for IPv4,
 * and for IPv6 its /64 network, since one machine is commonly given a
 * whole /64 and could otherwise take a fresh bucket with every request.
 */
static const char *rate_key(const char *addr, char *buf, size_t cap)
{
    struct in6_addr a6;
    if (!addr || !strchr(addr, ':') || inet_pton(AF_INET6, addr, &a6) != 1)
        return addr ? addr : "";
    memset(a6.s6_addr + 8, 0, 8);
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, &a6, text, sizeof text))
        return addr;
    snprintf(buf, cap, "%s/64", text);
    return buf;
}

typedef enum { R_NONE, R_PING, R_ENROL, R_PUSH, R_PULL } route;

static route route_of(const char *url)
{
    if (!url)
        return R_NONE;
    if (!strcmp(url, "/v1/ping"))
        return R_PING;
    if (!strcmp(url, "/v1/enrol"))
        return R_ENROL;
    if (!strcmp(url, "/v1/push") ||
        !strncmp(url, PROTO_PUSH_AFTER_PATH, strlen(PROTO_PUSH_AFTER_PATH)))
        return R_PUSH;
    if (!strcmp(url, "/v1/pull"))
        return R_PULL;
    return R_NONE;
}

static int ping(const char *nonce, srv_response *out)
{
    if (!nonce)
        nonce = "";
    size_t n = strlen(nonce);
    int ok = n <= PROTO_NONCE_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (nonce[i] >= 'a' && nonce[i] <= 'z') || (nonce[i] >= 'A' && nonce[i] <= 'Z') ||
             (nonce[i] >= '0' && nonce[i] <= '9') || nonce[i] == '-' || nonce[i] == '_';
    if (!ok)
        return fail(out, PROTO_E_VALUE,
                    "The nonce must be at most 64 letters, digits, dashes or underscores.");
    return answer(out, 200, proto_ping_reply_encode(nonce));
}

/*
 * Whether a Content-Type names a JSON body: application/json in any case,
 * with parameters allowed, but a charset other than UTF-8 refused. No
 * header at all (a caller in the same process) is taken as JSON.
 */
static int is_json_type(const char *ct)
{
    if (!ct)
        return 1;
    const char *p = ct + strspn(ct, " \t");
    size_t n = strlen("application/json");
    if (strncasecmp(p, "application/json", n) != 0)
        return 0;
    p += n;
    p += strspn(p, " \t");
    while (*p == ';') {
        p++;
        p += strspn(p, " \t");
        size_t k = strcspn(p, ";");
        if (!strncasecmp(p, "charset=", 8)) {
            const char *v = p + 8;
            size_t vn = k - 8;
            while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
                vn--;
            if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
                v++;
                vn -= 2;
            }
            if (vn != 5 || strncasecmp(v, "utf-8", 5) != 0)
                return 0;
        }
        p += k;
    }
    return *p == 0;
}

/*
 * Everything that can be decided before a byte of the body is read, so that
 * a flood, a wrong endpoint or an oversized body costs the server no memory
 * and no database work: the per-address limit first (every request counts,
 * whatever it asks), then route, method, encoding and declared size, and
 * for enrolment the strict per-address budget of failed attempts. Called
 * once per request. Returns 1 when it answered.
 */
static int early(srv *s, const srv_request *rq, unsigned long long declared, srv_response *out)
{
    char kb[INET6_ADDRSTRLEN + 8];
    const char *addr = rate_key(rq->address, kb, sizeof kb);
    int wait = srv_rate_take(s->rate_addr, addr, now_s(), 1);
    if (wait) {
        limited(s, SRV_LIMIT_ADDRESS, out, wait, "requests from this address");
        return 1;
    }
    route rt = route_of(rq->path);
    const char *method = rq->method ? rq->method : "";
    if (rt == R_NONE) {
        fail(out, PROTO_E_NOT_FOUND, "There is no such endpoint.");
        return 1;
    }
    if (rt == R_PING) {
        if (strcmp(method, "GET") != 0)
            fail(out, PROTO_E_METHOD, "Use GET for /v1/ping.");
        else
            ping(rq->nonce, out);
        return 1;
    }
    if (strcmp(method, "POST") != 0) {
        fail(out, PROTO_E_METHOD, "Use POST for this endpoint.");
        return 1;
    }
    if (!is_json_type(rq->content_type)) {
        fail(out, PROTO_E_ENCODING,
             "The body must be sent as Content-Type: application/json (UTF-8).");
        return 1;
    }
    const char *ce = rq->content_encoding;
    if (ce && strcasecmp(ce, "gzip") != 0 && strcasecmp(ce, "identity") != 0) {
        fail(out, PROTO_E_ENCODING, "Only gzip is accepted as a Content-Encoding.");
        return 1;
    }
    if (declared > PROTO_BODY_MAX) {
        char m[120];
        snprintf(m, sizeof m, "The body is larger than %d bytes.", PROTO_BODY_MAX);
        fail(out, PROTO_E_TOO_LARGE, m);
        return 1;
    }
    if (rt == R_ENROL && (wait = srv_rate_take(s->rate_enrol, addr, now_s(), 0)) != 0) {
        limited(s, SRV_LIMIT_ENROL, out, wait, "failed enrolment attempts from this address");
        return 1;
    }
    return 0;
}

_Static_assert((int)PROTO_ST_STORED == SRV_CH_STORED &&
                   (int)PROTO_ST_DUPLICATE == SRV_CH_DUPLICATE &&
                   (int)PROTO_ST_CONFLICT == SRV_CH_CONFLICT &&
                   (int)PROTO_ST_REJECTED == SRV_CH_REJECTED,
               "the metrics count changes by proto_status");
_Static_assert((int)PROTO_ST_REJECTED + 1 == SRV_CH_COUNT, "srv_push counts every status");

/* The push a push's path names as the one it follows (PROTOCOL.md, "Two
 * pushes in flight": sent before that one's answer), or NULL. */
static const char *push_after(const char *path)
{
    size_t n = strlen(PROTO_PUSH_AFTER_PATH);
    return !strncmp(path, PROTO_PUSH_AFTER_PATH, n) ? path + n : NULL;
}

/* The rest of a request whose whole body is in rq: inflating, credentials,
 * the per-device limit, and the handler. */
static int late(srv *s, const srv_request *rq, srv_response *out)
{
    route rt = route_of(rq->path);
    const char *body = rq->body ? rq->body : "";
    size_t len = rq->len;
    char *inflated = NULL;
    if (len > PROTO_BODY_MAX) {
        char m[120];
        snprintf(m, sizeof m, "The body is larger than %d bytes.", PROTO_BODY_MAX);
        return fail(out, PROTO_E_TOO_LARGE, m);
    }
    if (rq->content_encoding && !strcasecmp(rq->content_encoding, "gzip")) {
        proto_err e;
        if (proto_gunzip(body, len, PROTO_INFLATED_MAX, &inflated, &len, &e) != 0)
            return fail(out, e.code, e.msg);
        body = inflated;
    }
    /* A push sent early waits here, holding no connection, while the one
     * it follows is being read by this process: it would otherwise come
     * to the unit's lock first and be refused (srv_gate.c). A push that
     * names itself is not let wait for itself. */
    const char *after = rt == R_PUSH ? push_after(rq->path) : NULL;
    if (after && !(rq->push_id && !strcmp(rq->push_id, after)) &&
        srv_gate_wait(s->gate, after, SRV_GATE_WAIT_MS) < 0)
        srv_log("push after %.40s: that push was still being read after %d ms; handled as before",
                after, SRV_GATE_WAIT_MS);
    PGconn *pg = pool_get(s);
    if (!pg) {
        free(inflated);
        return fail(out, PROTO_E_UNAVAILABLE, "The server is busy; try again in a moment.");
    }
    char msg[PROTO_MESSAGE_MAX] = "";
    char *reply = NULL;
    long outcomes[SRV_CH_COUNT] = {0};
    proto_code code;
    if (rt == R_ENROL) {
        code = srv_enrol(pg, body, len, &reply, msg, sizeof msg);
        /* Only a wrong code costs a token: enrolling many tablets with
         * good codes is normal, guessing codes is what must be slow. */
        char kb[INET6_ADDRSTRLEN + 8];
        if (code == PROTO_E_ENROL_CODE)
            srv_rate_take(s->rate_enrol, rate_key(rq->address, kb, sizeof kb), now_s(), 1);
        proto_enrol_reply er;
        proto_err pe;
        if (code == PROTO_OK && reply &&
            proto_enrol_reply_decode(reply, strlen(reply), &er, &pe) == 0) {
            snprintf(out->device, sizeof out->device, "%s", er.device_id);
            sodium_memzero(&er, sizeof er);
            srv_metrics_enrol(s->metrics);
        }
    } else {
        srv_device dev;
        code = srv_auth(pg, rq->authorization, &dev, msg, sizeof msg);
        if (code == PROTO_OK || code == PROTO_E_REVOKED || code == PROTO_E_WIPED) {
            srv_device_seen(pg, s->seen, &dev, code, rq->address, rq->user_agent, now_s());
            snprintf(out->device, sizeof out->device, "%s", dev.device_id);
        }
        int wait = code == PROTO_OK ? srv_rate_take(s->rate_dev, dev.device_id, now_s(), 1) : 0;
        if (wait) {
            pool_put(s, pg);
            free(inflated);
            return limited(s, SRV_LIMIT_DEVICE, out, wait, "requests from this tablet");
        }
        if (code == PROTO_OK && rt == R_PUSH) {
            srv_push_order order = {rq->push_id, after, s->gate};
            code = srv_push(pg, &dev, &order, body, len, &reply, outcomes, msg, sizeof msg);
        } else if (code == PROTO_OK) {
            srv_read where;
            PGconn *rd = replica_get(s, dev.written_lsn, &where);
            code = srv_pull(pg, rd, &dev, body, len, &reply, msg, sizeof msg);
            if (rd) {
                replica_put(s, rd);
                /* The replica failed midway (or stopped the read to
                 * replay): the primary answers instead. */
                if (code == PROTO_E_UNAVAILABLE) {
                    where = SRV_READ_DOWN;
                    code = srv_pull(pg, NULL, &dev, body, len, &reply, msg, sizeof msg);
                }
            }
            if (code == PROTO_OK)
                srv_metrics_read(s->metrics, where);
        }
    }
    pool_put(s, pg);
    free(inflated);
    if (code != PROTO_OK)
        return fail(out, code, msg);
    if (rt == R_PUSH && s->metrics)
        srv_metrics_push(s->metrics, outcomes);
    else if (rt == R_PULL)
        srv_metrics_pull(s->metrics);
    return answer(out, 200, reply);
}

int srv_handle(srv *s, const srv_request *rq, srv_response *out)
{
    memset(out, 0, sizeof *out);
    if (early(s, rq, rq->len, out))
        return out->status;
    return late(s, rq, out);
}

/* ---- the web pages ---- */

int srv_web_header_add(srv_web_response *out, const char *name, const char *value)
{
    if (out->n_headers >= SRV_WEB_HEADERS_MAX || strlen(name) >= sizeof out->headers[0].name ||
        strlen(value) >= sizeof out->headers[0].value)
        return -1;
    srv_web_header *h = &out->headers[out->n_headers++];
    memcpy(h->name, name, strlen(name) + 1);
    memcpy(h->value, value, strlen(value) + 1);
    return 0;
}

/* Whether a path is the web's: everything but the protocol's /v1/ (and
 * /v1 itself), when the program gave the server a web side. */
static int is_web(const srv *s, const char *url)
{
    return s->cfg.web && url && strncmp(url, "/v1/", 4) != 0 && strcmp(url, "/v1") != 0;
}

static void web_text(srv_web_response *out, int status, const char *text)
{
    memset(out, 0, sizeof *out);
    out->status = status;
    out->body = strdup(text);
    out->len = out->body ? strlen(text) : 0;
    snprintf(out->content_type, sizeof out->content_type, "text/plain; charset=utf-8");
}

/* What a web request meets before its body is read: the same per-address
 * limit as every request, then method and declared size. 1 when answered. */
static int web_early(srv *s, const char *addr, const char *method, unsigned long long declared,
                     srv_web_response *out)
{
    char kb[INET6_ADDRSTRLEN + 8];
    int wait = srv_rate_take(s->rate_addr, rate_key(addr, kb, sizeof kb), now_s(), 1);
    if (wait) {
        srv_metrics_limited(s->metrics, SRV_LIMIT_ADDRESS);
        web_text(out, 429, "Too many requests from this address; try again in a minute.\n");
        char ra[16];
        snprintf(ra, sizeof ra, "%d", wait);
        srv_web_header_add(out, "Retry-After", ra);
        return 1;
    }
    if (!method || (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "POST"))) {
        web_text(out, 405, "Only GET and POST are used here.\n");
        srv_web_header_add(out, "Allow", "GET, HEAD, POST");
        return 1;
    }
    if (declared > SRV_WEB_BODY_MAX) {
        web_text(out, 413, "The form is too large.\n");
        return 1;
    }
    return 0;
}

/* The chunk a streamed answer is asked for at a time: well under the
 * connection's memory limit, which libmicrohttpd takes its buffer from. */
#define STREAM_CHUNK (16 * 1024)

/* Drives a producer to its end into out->body, as the in-process path
 * does; the producer's error, or memory running out, makes it a 500. */
static void web_drain(srv_web_response *out)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int bad = 0;
    for (;;) {
        if (cap - len < STREAM_CHUNK) {
            size_t ncap = cap ? cap * 2 : 4 * STREAM_CHUNK;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                bad = 1;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        long n = out->produce(out->produce_ctx, buf + len, STREAM_CHUNK);
        if (n < 0 || n > STREAM_CHUNK) {
            bad = 1;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    /* The loop left room for a chunk after the last: the body ends with a
     * NUL past len, as a text body does for tests reading it as one. */
    if (buf && len < cap)
        buf[len] = 0;
    out->produce_free(out->produce_ctx);
    out->produce = NULL;
    out->produce_free = NULL;
    out->produce_ctx = NULL;
    free(out->body);
    out->body = buf;
    out->len = len;
    if (bad)
        out->status = 500;
}

static int streams_full(srv *s);

int srv_web_handle(srv *s, const srv_web_request *rq, srv_web_response *out)
{
    memset(out, 0, sizeof *out);
    if (!s->cfg.web) {
        web_text(out, 404, "Not found.\n");
        return out->status;
    }
    if (web_early(s, rq->address, rq->method, rq->len, out))
        return out->status;
    srv_web_request r = *rq;
    r.streams_full = rq->streams_full || streams_full(s);
    r.server = s;
    PGconn *pg = pool_get(s);
    s->cfg.web->handle(s->cfg.web, pg, &r, out);
    if (out->produce)
        web_drain(out);
    if (pg)
        pool_put(s, pg);
    if (!out->status)
        out->status = 500;
    return out->status;
}

/* A streamed answer on its way: the producer and the pooled connection it
 * reads from, given back when libmicrohttpd lets go of the answer. */
typedef struct {
    srv *s;
    PGconn *pg;
    long (*produce)(void *ctx, char *buf, size_t cap);
    void (*produce_free)(void *ctx);
    void *ctx;
    uint64_t *sent; /* the request's count of bytes sent; read only while it lasts */
} stream;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream *st = cls;
    long n = st->produce(st->ctx, buf, max);
    if (n < 0 || (size_t)n > max)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    *st->sent += (uint64_t)n;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream *st = cls;
    st->produce_free(st->ctx);
    if (st->pg)
        pool_put(st->s, st->pg);
    pthread_mutex_lock(&st->s->mu);
    st->s->streams--;
    pthread_mutex_unlock(&st->s->mu);
    free(st);
}

/* The streams a server lets run at once: half its pool, at least one. */
static int streams_max(const srv *s) { return s->cfg.pool / 2 > 1 ? s->cfg.pool / 2 : 1; }

/* Whether no more streamed answers may start now (srv_web_request). */
static int streams_full(srv *s)
{
    pthread_mutex_lock(&s->mu);
    int full = s->streams >= streams_max(s);
    pthread_mutex_unlock(&s->mu);
    return full;
}

/*
 * Queues a web answer. A streamed one takes over pg (given back in
 * stream_free, or here when the answer cannot be made); otherwise the
 * caller still holds pg.
 */
static enum MHD_Result send_web(struct MHD_Connection *c, req *rq, srv_web_response *a, srv *s,
                                PGconn **pg)
{
    char *body = a->body;
    a->body = NULL;
    struct MHD_Response *r;
    if (a->produce) {
        stream *st = malloc(sizeof *st);
        r = NULL;
        if (st) {
            *st = (stream){s,        pg ? *pg : NULL, a->produce, a->produce_free, a->produce_ctx,
                           &rq->sent};
            /* Counted before libmicrohttpd may call stream_free. Two
             * handlers told there was room may both start: the overshoot is
             * bounded by the threads answering at once. */
            pthread_mutex_lock(&s->mu);
            s->streams++;
            pthread_mutex_unlock(&s->mu);
            r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_CHUNK, stream_read, st,
                                                  stream_free);
            if (r && pg)
                *pg = NULL;
            if (!r) {
                pthread_mutex_lock(&s->mu);
                s->streams--;
                pthread_mutex_unlock(&s->mu);
                free(st);
            }
        }
        if (!r)
            a->produce_free(a->produce_ctx);
        a->produce = NULL;
        free(body);
        body = NULL;
        if (!r)
            return MHD_NO;
    } else {
        r = body ? MHD_create_response_from_buffer(a->len, body, MHD_RESPMEM_MUST_FREE)
                 : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        rq->sent = body ? a->len : 0;
    }
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (a->content_type[0])
        MHD_add_response_header(r, "Content-Type", a->content_type);
    for (int i = 0; i < a->n_headers; i++)
        MHD_add_response_header(r, a->headers[i].name, a->headers[i].value);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)(a->status ? a->status : 500), r);
    MHD_destroy_response(r);
    rq->status = a->status;
    return ok;
}

static void fill_web(struct MHD_Connection *c, const char *url, const char *method, const req *rq,
                     srv_web_request *out)
{
    memset(out, 0, sizeof *out);
    out->method = method;
    out->path = url;
    out->query = rq->has_query ? rq->query : NULL;
    out->cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
    out->content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    out->origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    out->host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    out->if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    out->address = rq->addr;
    out->body = rq->buf ? rq->buf : "";
    out->len = rq->len;
}

/* ---- HTTP ---- */

static enum MHD_Result send_json(struct MHD_Connection *c, req *rq, srv_response *a)
{
    char *body = a->body;
    a->body = NULL;
    if (!body)
        return MHD_NO;
    size_t len = strlen(body);
    const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    int gz = 0;
    if (ae && strstr(ae, "gzip") && len > 256) {
        char *z;
        size_t zlen;
        if (proto_gzip(body, len, PROTO_GZIP_SMALL, &z, &zlen) == 0) {
            free(body);
            body = z;
            len = zlen;
            gz = 1;
        }
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    char sv[16];
    snprintf(sv, sizeof sv, "%d", PROTO_SCHEMA);
    MHD_add_response_header(r, PROTO_PING_HEADER, sv);
    /* Every answer says that this server keeps a push sent to
     * PROTO_PUSH_AFTER_PATH after the one it names, so that a tablet sends
     * a push before the answer to the one before it only to a server
     * that will keep them in order. */
    MHD_add_response_header(r, PROTO_PUSH_ORDER_HEADER, "after");
    if (gz)
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    if (a->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", a->retry_after);
        MHD_add_response_header(r, "Retry-After", ra);
    }
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)a->status, r);
    MHD_destroy_response(r);
    rq->status = a->status;
    rq->sent = len;
    snprintf(rq->device, sizeof rq->device, "%s", a->device);
    return ok;
}

static void fill_request(struct MHD_Connection *c, const char *url, const char *method,
                         const req *rq, srv_request *out)
{
    memset(out, 0, sizeof *out);
    out->method = method;
    out->path = url;
    out->nonce = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "nonce");
    out->authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    out->content_encoding = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
    out->user_agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    out->content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    out->push_id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, PROTO_PUSH_ID_HEADER);
    out->address = rq->addr;
    out->body = rq->buf;
    out->len = rq->len;
}

/* The client's address as text. An IPv4 client of a dual-stack listener
 * arrives as ::ffff:a.b.c.d and is written a.b.c.d, so that one client has
 * one address in the log, the rate limits and a tablet's last address. */
static void client_address(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
        c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, cap, "?");
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            inet_ntop(AF_INET, a6->s6_addr + 12, out, (socklen_t)cap);
        else
            inet_ntop(AF_INET6, a6, out, (socklen_t)cap);
    }
}

static enum MHD_Result last_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    if (key && value && !strcasecmp(key, "X-Forwarded-For"))
        *(const char **)cls = value;
    return MHD_YES;
}

/* The last X-Forwarded-For header of a request, or NULL: a proxy adds its
 * own after any the client sent. */
static const char *last_forwarded_for(struct MHD_Connection *c)
{
    const char *v = NULL;
    MHD_get_connection_values(c, MHD_HEADER_KIND, last_header, &v);
    return v;
}

/*
 * The path as the request log writes it. The query is left out (an office
 * search may hold a name), and so is every part of the path that is not one
 * of the route's own words: an id of a person, observation or unit, and an
 * invitation's token, become "*", as in the office's route table. Which
 * person's page was opened is the audit log's to say, to those allowed to
 * read it; the request log says which kind of page, how fast. Static files
 * keep their names. Anything but plain printable text is never copied.
 */
static void log_path(const char *url, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    if (!url || url[0] != '/') {
        snprintf(out, cap, "?");
        return;
    }
    int is_static = !strncmp(url, "/static/", 8);
    const char *p = url;
    while (*p == '/' && n + 2 < cap) {
        p++;
        size_t len = strcspn(p, "/?#");
        int word = len > 0 && len <= 24;
        for (size_t i = 0; word && i < len; i++) {
            char ch = p[i];
            word = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
                   (is_static && ch == '.');
        }
        if (len == 0 && (p[0] == 0 || p[0] == '?' || p[0] == '#')) {
            out[n++] = '/';
            break;
        }
        const char *part = word ? p : "*";
        size_t plen = word ? len : 1;
        if (n + 1 + plen + 1 > cap)
            break;
        out[n++] = '/';
        memcpy(out + n, part, plen);
        n += plen;
        p += len;
    }
    out[n] = 0;
    if (!n)
        snprintf(out, cap, "/");
}

/* The method as the log writes it: letters only, else "?". */
static void log_method(const char *method, char *out, size_t cap)
{
    size_t n = method ? strlen(method) : 0;
    int ok = n > 0 && n < cap;
    for (size_t i = 0; ok && i < n; i++)
        ok = isupper((unsigned char)method[i]);
    snprintf(out, cap, "%s", ok ? method : "?");
}

/*
 * The request's state, made when its first line is read: libmicrohttpd
 * gives the raw URI only here (later it has taken the query apart and
 * decoded it), and the web pages read their query themselves, with the
 * same parser as their forms. A query over QUERY_MAX is refused.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    req *rq = calloc(1, sizeof *rq);
    const char *q = uri ? strchr(uri, '?') : NULL;
    if (rq && q) {
        size_t n = strlen(q + 1);
        rq->has_query = 1;
        if (n > QUERY_MAX)
            rq->long_uri = 1;
        else
            memcpy(rq->query, q + 1, n + 1);
    }
    return rq;
}

/* A push is noted as being read from its headers on, so that a push sent
 * after it waits for it (srv_gate.c); a push that follows no other may be
 * held back first, for a test, as if it came late. */
static void note_push(srv *s, const srv_request *sr, req *rq)
{
    if (!sr->push_id || route_of(sr->path) != R_PUSH)
        return;
    if (!push_after(sr->path)) {
        int delay = srv_test_delay_ms("BLIK_FAULT_PUSH_DELAY_MS");
        if (delay > 0)
            srv_test_pause_ms(delay);
    }
    rq->gate_slot = srv_gate_enter(s->gate, sr->push_id);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    srv *s = cls;
    req *rq = *con_cls;
    srv_request sr;
    /* Zeroed here, not only in the first call: a later call answers
     * through it too (late, or the body over its cap), and the log reads
     * its device. */
    srv_response a;
    memset(&a, 0, sizeof a);
    srv_web_response wa;
    if (!rq || !rq->started) {
        if (!rq && !(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        rq->started = 1;
        rq->gate_slot = -1;
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        client_address(c, rq->addr, sizeof rq->addr);
        srv_proxy_client(s->cfg.trusted_proxy, last_forwarded_for(c), rq->addr, sizeof rq->addr);
        log_method(method, rq->method, sizeof rq->method);
        log_path(url, rq->path, sizeof rq->path);
        rq->ep = is_web(s, url) ? SRV_EP_OFFICE : srv_metrics_endpoint(url);
        *con_cls = rq;
        pthread_mutex_lock(&s->mu);
        s->inflight++;
        pthread_mutex_unlock(&s->mu);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
        if ((rq->web = is_web(s, url)) != 0) {
            memset(&wa, 0, sizeof wa);
            if (rq->long_uri)
                web_text(&wa, 414, "The address is too long.\n");
            if (rq->long_uri || web_early(s, rq->addr, method, declared, &wa)) {
                rq->answered = 1;
                return send_web(c, rq, &wa, s, NULL);
            }
            return MHD_YES;
        }
        fill_request(c, url, method, rq, &sr);
        note_push(s, &sr, rq);
        if (early(s, &sr, declared, &a)) {
            /* Answered before a byte of the body is read. */
            rq->answered = 1;
            return send_json(c, rq, &a);
        }
        return MHD_YES;
    }
    if (rq->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        /* A body without a length that grows past its cap is kept no
         * further. libmicrohttpd takes an answer only once the body has
         * ended, so the rest is read and dropped and the 413 goes out
         * then; one that goes on past DROP_MAX is cut off. */
        if (!rq->over && rq->len + *upload_size > (rq->web ? SRV_WEB_BODY_MAX : PROTO_BODY_MAX)) {
            rq->over = 1;
            free(rq->buf);
            rq->buf = NULL;
            rq->len = rq->cap = 0;
        }
        if (rq->over) {
            rq->dropped += *upload_size;
            *upload_size = 0;
            return rq->dropped > DROP_MAX ? MHD_NO : MHD_YES;
        }
        if (rq->len + *upload_size + 1 > rq->cap) {
            size_t ncap = rq->cap ? rq->cap : 16384;
            while (ncap < rq->len + *upload_size + 1)
                ncap *= 2;
            char *nb = realloc(rq->buf, ncap);
            if (!nb)
                return MHD_NO;
            rq->buf = nb;
            rq->cap = ncap;
        }
        memcpy(rq->buf + rq->len, upload, *upload_size);
        rq->len += *upload_size;
        rq->buf[rq->len] = 0;
        *upload_size = 0;
        return MHD_YES;
    }
    rq->answered = 1;
    if (rq->over && rq->web) {
        web_text(&wa, 413, "The form is too large.\n");
        return send_web(c, rq, &wa, s, NULL);
    }
    if (rq->over) {
        char m[120];
        snprintf(m, sizeof m, "The body is larger than %d bytes.", PROTO_BODY_MAX);
        fail(&a, PROTO_E_TOO_LARGE, m);
        return send_json(c, rq, &a);
    }
    if (rq->web) {
        srv_web_request wr;
        fill_web(c, url, method, rq, &wr);
        wr.streams_full = streams_full(s);
        wr.server = s;
        PGconn *pg = pool_get(s);
        memset(&wa, 0, sizeof wa);
        s->cfg.web->handle(s->cfg.web, pg, &wr, &wa);
        enum MHD_Result ok = send_web(c, rq, &wa, s, &pg);
        if (pg)
            pool_put(s, pg);
        return ok;
    }
    fill_request(c, url, method, rq, &sr);
    late(s, &sr, &a);
    return send_json(c, rq, &a);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    srv *s = cls;
    req *rq = *con_cls;
    if (!rq)
        return;
    if (!rq->started) {
        /* Cut off after its first line: never counted in flight. */
        free(rq);
        *con_cls = NULL;
        return;
    }
    srv_gate_leave(s->gate, rq->gate_slot);
    rq->gate_slot = -1;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - rq->t0.tv_sec) * 1e3 +
                (double)(t1.tv_nsec - rq->t0.tv_nsec) / 1e6;
    (void)c;
    int done = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
    /* One line per request, in key=value form for log tools. A request cut
     * off before its answer was queued has status 0. */
    srv_log("request addr=%s method=%s path=%s status=%d ms=%.1f in=%zu out=%llu device=%s%s",
            rq->addr, rq->method, rq->path, rq->status, ms, rq->len, (unsigned long long)rq->sent,
            rq->device[0] ? rq->device : "-", done ? "" : " cut-off=1");
    srv_metrics_request(s->metrics, rq->ep, done ? rq->status : 0, ms / 1e3, rq->len,
                        done ? rq->sent : 0);
    free(rq->buf);
    free(rq);
    *con_cls = NULL;
    pthread_mutex_lock(&s->mu);
    s->inflight--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[600];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = 0;
    srv_log("http: %s", line);
}

static int write_port_file(const char *path, int port, char *err, size_t errlen)
{
    char tmp[SRV_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "Cannot write the port file %.400s.", path);
        return -1;
    }
    return 0;
}

/* Tables sized once; a limit of 0 leaves its table out (no limit). The
 * memory of contacts noted has as many slots, up to its own cap. */
static int open_limits(srv *s)
{
    const srv_config *c = &s->cfg;
    size_t n = (size_t)c->rate_slots;
    if ((c->rate_address && !(s->rate_addr = srv_rate_new(n, c->rate_address, 60))) ||
        (c->rate_device && !(s->rate_dev = srv_rate_new(n, c->rate_device, 60))) ||
        (c->rate_enrol && !(s->rate_enrol = srv_rate_new(n, c->rate_enrol, 3600))) ||
        !(s->seen = srv_seen_new(n)) || !(s->gate = srv_gate_new(c->max_clients))) {
        snprintf(s->err, sizeof s->err, "Out of memory for the rate-limit and contact tables.");
        return -1;
    }
    return 0;
}

int srv_open(const srv_config *c, srv **out)
{
    srv *s = calloc(1, sizeof *s);
    *out = s;
    if (!s)
        return -1;
    s->cfg = *c;
    if (sodium_init() < 0) {
        snprintf(s->err, sizeof s->err, "The crypto library failed to start.");
        return -1;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_cond_init(&s->idle, NULL);
    pthread_cond_init(&s->wake, NULL);
    s->locks_ok = 1;
    s->start_time = (double)time(NULL);
    if (!(s->metrics = srv_metrics_new())) {
        snprintf(s->err, sizeof s->err, "Out of memory.");
        return -1;
    }
    if (open_limits(s) != 0)
        return -1;
    s->conns = calloc((size_t)c->pool, sizeof *s->conns);
    s->busy = calloc((size_t)c->pool, 1);
    if (!s->conns || !s->busy) {
        snprintf(s->err, sizeof s->err, "Out of memory.");
        return -1;
    }
    if (c->replica[0] && (!(s->rconns = calloc((size_t)c->pool, sizeof *s->rconns)) ||
                          !(s->rbusy = calloc((size_t)c->pool, 1)))) {
        snprintf(s->err, sizeof s->err, "Out of memory.");
        return -1;
    }
    for (int i = 0; i < c->pool; i++) {
        s->conns[i] = srv_db_connect(c->db, s->err, sizeof s->err);
        if (!s->conns[i])
            return -1;
        s->n_conns++;
    }
    return 0;
}

long srv_retention_now(srv *s)
{
    PGconn *pg = pool_get(s);
    if (!pg)
        return -1;
    char err[400];
    long n = srv_retention_run(pg, NULL, "server", err, sizeof err);
    pool_put(s, pg);
    if (n < 0)
        srv_log("retention: %s", err);
    else if (n > 0)
        srv_log("retention: deleted %ld observation(s) past their unit's retention period", n);
    return n;
}

/*
 * The retention job while serving: the first run a few minutes after the
 * start (so a server restarted often still runs it), then every
 * retention_min minutes, until the server stops.
 */
static void *retention_loop(void *arg)
{
    srv *s = arg;
    int first = s->cfg.retention_min < 10 ? s->cfg.retention_min : 10;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)first * 60;
    pthread_mutex_lock(&s->mu);
    while (!s->stopped) {
        if (pthread_cond_timedwait(&s->wake, &s->mu, &until) == ETIMEDOUT && !s->stopped) {
            pthread_mutex_unlock(&s->mu);
            srv_retention_now(s);
            pthread_mutex_lock(&s->mu);
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += (time_t)s->cfg.retention_min * 60;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/*
 * Says at start when the server's certificate (the first in its chain) has
 * expired or expires within 30 days: tablets refuse an expired certificate
 * ("the server's certificate has expired"), and an administrator should
 * hear it from the server first. The server serves all the same, so that a
 * renewal can be put in place without a gap in the log's story.
 */
static void check_cert_expiry(const char *pem, const char *path)
{
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return;
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};
    if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
        gnutls_x509_crt_deinit(crt);
        return;
    }
    time_t until = gnutls_x509_crt_get_expiration_time(crt);
    gnutls_x509_crt_deinit(crt);
    if (until == (time_t)-1)
        return;
    time_t now = time(NULL);
    struct tm tm;
    char when[32];
    gmtime_r(&until, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    if (until <= now)
        srv_log("warning: the TLS certificate %s expired on %s; tablets refuse it until it is "
                "renewed",
                path, when);
    else if (until - now <= 30L * 24 * 3600) {
        long days = (long)((until - now) / (24 * 3600));
        srv_log("warning: the TLS certificate %s expires on %s, in %ld day%s; renew it before "
                "then",
                path, when, days, days == 1 ? "" : "s");
    }
}

/*
 * The socket address to listen on, from its text: a numeric IPv4 address,
 * or an IPv6 one (in brackets too, as in a URL). "::" listens on every
 * address of both families (dual stack: an IPv4 client arrives as a mapped
 * address, see client_address); another IPv6 address on itself only. Host
 * names are refused: what a name stands for may change under a running
 * server. flags gets libmicrohttpd's flags for the family. 0, or -1 with
 * the reason in err (key names the setting).
 */
static int listen_address(const char *text, int port, const char *key, struct sockaddr_storage *ss,
                          unsigned *flags, char *err, size_t errlen)
{
    memset(ss, 0, sizeof *ss);
    *flags = 0;
    char buf[64];
    size_t n = strlen(text);
    if (n >= 2 && text[0] == '[' && text[n - 1] == ']' && n - 2 < sizeof buf) {
        memcpy(buf, text + 1, n - 2);
        buf[n - 2] = 0;
    } else {
        snprintf(buf, sizeof buf, "%s", text);
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, buf, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, buf, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *flags = IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
        return 0;
    }
    snprintf(err, errlen,
             "The %s address \"%.60s\" is not an IPv4 or IPv6 address (for example 127.0.0.1, "
             "0.0.0.0, ::1, or :: for every address of both).",
             key, text);
    return -1;
}

/* ---- the metrics listener ---- */

/* How long /health waits for a database connection before it says busy. */
#define HEALTH_WAIT_S 2

/*
 * /health: 200 when this process can serve, that is, it is not stopping,
 * a database connection comes free within HEALTH_WAIT_S and the database
 * answers with the schema this server speaks; else 503 with the reason in
 * "status", so a load balancer sends tablets elsewhere. The answer is a
 * JSON object written into body.
 */
static int health(srv *s, char *body, size_t cap)
{
    pthread_mutex_lock(&s->mu);
    int stopping = s->stopped;
    pthread_mutex_unlock(&s->mu);
    if (stopping) {
        snprintf(body, cap, "{\"status\":\"stopping\"}\n");
        return 503;
    }
    PGconn *pg = pool_get_within(s, HEALTH_WAIT_S, 0);
    if (!pg) {
        snprintf(body, cap, "{\"status\":\"busy\"}\n");
        return 503;
    }
    char err[400];
    PGresult *r = srv_q(pg, "SELECT max(version) FROM schema_migrations", 0, NULL, err, sizeof err);
    int v = r && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    pool_put(s, pg);
    if (!r) {
        srv_log("health: the database did not answer: %s", err);
        snprintf(body, cap, "{\"status\":\"database\"}\n");
        return 503;
    }
    if (v != SRV_DB_VERSION) {
        snprintf(body, cap, "{\"status\":\"schema\",\"db_schema\":%d,\"server_schema\":%d}\n", v,
                 SRV_DB_VERSION);
        return 503;
    }
    snprintf(body, cap, "{\"status\":\"ok\",\"db_schema\":%d,\"sync_schema\":%d}\n", v,
             PROTO_SCHEMA);
    return 200;
}

/* The counts with what is read now: the pool, requests in flight, the
 * rate-limit tables. */
static char *metrics_text(srv *s, size_t *len)
{
    srv_metrics_gauges g;
    memset(&g, 0, sizeof g);
    pthread_mutex_lock(&s->mu);
    g.pool_size = s->n_conns;
    for (int i = 0; i < s->n_conns; i++)
        g.pool_in_use += s->busy[i] != 0;
    g.in_flight = s->inflight;
    g.stopping = s->stopped;
    pthread_mutex_unlock(&s->mu);
    srv_rate *tables[SRV_LIMIT_COUNT] = {s->rate_addr, s->rate_dev, s->rate_enrol};
    double now = now_s();
    for (int i = 0; i < SRV_LIMIT_COUNT; i++) {
        g.rate_buckets[i] = tables[i] ? (long)srv_rate_used(tables[i], now) : -1;
        g.rate_slots[i] = tables[i] ? (long)srv_rate_slots(tables[i]) : 0;
    }
    g.start_time = s->start_time;
    return srv_metrics_text(s->metrics, &g, len);
}

/*
 * The metrics listener's requests: GET (or HEAD) /metrics and /health and
 * nothing else. It serves plain HTTP for a scraper on an internal address,
 * so it reads no body, takes no cookie and shows no record: only counts.
 * Scrapes are not requests of the service and are neither logged nor
 * counted.
 */
static enum MHD_Result on_metrics(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)con_cls;
    srv *s = cls;
    *upload_size = 0;
    int status = 200;
    char small[200];
    char *body = NULL;
    size_t len = 0;
    const char *type = "application/json";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        status = 405;
        snprintf(small, sizeof small, "Only GET is used here.\n");
        type = "text/plain; charset=utf-8";
    } else if (!strcmp(url, "/metrics")) {
        body = metrics_text(s, &len);
        type = "text/plain; version=0.0.4; charset=utf-8";
        if (!body) {
            status = 500;
            snprintf(small, sizeof small, "Out of memory.\n");
            type = "text/plain; charset=utf-8";
        }
    } else if (!strcmp(url, "/health")) {
        status = health(s, small, sizeof small);
    } else {
        status = 404;
        snprintf(small, sizeof small, "Only /metrics and /health are here.\n");
        type = "text/plain; charset=utf-8";
    }
    struct MHD_Response *r = body
                                 ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
                                 : MHD_create_response_from_buffer(strlen(small), small,
                                                                   MHD_RESPMEM_MUST_COPY);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (status == 405)
        MHD_add_response_header(r, "Allow", "GET, HEAD");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

/* Starts the metrics listener on metrics-listen and metrics-port, and
 * writes its port to metrics-port-file when one is named. 0 or -1. */
static int start_metrics(srv *s)
{
    const srv_config *c = &s->cfg;
    struct sockaddr_storage sa;
    unsigned family_flags;
    if (listen_address(c->metrics_listen, c->metrics_port, "metrics-listen", &sa, &family_flags,
                       s->err, sizeof s->err) != 0)
        return -1;
    s->md = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                 MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG | family_flags,
                             (uint16_t)c->metrics_port, NULL, NULL, on_metrics, s,
                             MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_SOCK_ADDR, &sa,
                             MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
                             MHD_OPTION_END);
    if (!s->md) {
        snprintf(s->err, sizeof s->err, "Cannot serve the metrics on %.60s port %d (port in use?).",
                 c->metrics_listen, c->metrics_port);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->md, MHD_DAEMON_INFO_BIND_PORT);
    s->metrics_port = di ? di->port : c->metrics_port;
    if (c->metrics_port_file[0] &&
        write_port_file(c->metrics_port_file, s->metrics_port, s->err, sizeof s->err) != 0)
        return -1;
    int v6 = strchr(c->metrics_listen, ':') != NULL;
    srv_log("serving /metrics and /health over HTTP on %s%s%s:%d", v6 ? "[" : "", c->metrics_listen,
            v6 ? "]" : "", s->metrics_port);
    return 0;
}

int srv_start(const srv_config *c, srv **out)
{
    if (srv_open(c, out) != 0)
        return -1;
    srv *s = *out;
    if (!c->tls_cert[0] || !c->tls_key[0]) {
        snprintf(s->err, sizeof s->err,
                 "A TLS certificate and key are required (--tls-cert and --tls-key).");
        return -1;
    }
    if (!(s->cert = read_pem(c->tls_cert, s->err, sizeof s->err)) ||
        !(s->key = read_pem(c->tls_key, s->err, sizeof s->err)))
        return -1;
    check_cert_expiry(s->cert, c->tls_cert);
    if (srv_proxy_check(s->cfg.trusted_proxy, sizeof s->cfg.trusted_proxy, s->err, sizeof s->err) !=
        0)
        return -1;
    struct sockaddr_storage sa;
    unsigned family_flags;
    if (listen_address(c->listen, c->port, "listen", &sa, &family_flags, s->err, sizeof s->err) !=
        0)
        return -1;
    s->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
            MHD_USE_TLS | MHD_USE_ITC | MHD_USE_ERROR_LOG | family_flags,
        (uint16_t)c->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_HTTPS_MEM_CERT, s->cert, MHD_OPTION_HTTPS_MEM_KEY,
        s->key, MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)c->max_clients, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_END);
    if (!s->d) {
        snprintf(s->err, sizeof s->err,
                 "Cannot serve HTTPS on %.60s port %d (port in use, or a bad certificate or key).",
                 c->listen, c->port);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : c->port;
    if (c->metrics_listen[0] && start_metrics(s) != 0)
        return -1;
    if (c->retention_min > 0) {
        if (pthread_create(&s->retention, NULL, retention_loop, s) != 0) {
            snprintf(s->err, sizeof s->err, "Cannot start the retention job.");
            return -1;
        }
        s->retention_on = 1;
    }
    if (c->port_file[0] && write_port_file(c->port_file, s->port, s->err, sizeof s->err) != 0)
        return -1;
    int v6 = strchr(c->listen, ':') != NULL;
    srv_log("serving HTTPS (TLS 1.2 and 1.3) on %s%s%s:%d%s (schema %d, accepting %d..%d)",
            v6 ? "[" : "", c->listen, v6 ? "]" : "", s->port,
            family_flags == MHD_USE_DUAL_STACK ? ", IPv6 and IPv4" : "", PROTO_SCHEMA,
            PROTO_SCHEMA_OLDEST, PROTO_SCHEMA);
    return 0;
}

void srv_stop(srv *s)
{
    if (!s || !s->d || s->stopped)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopped = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->mu);
    if (s->retention_on) {
        pthread_join(s->retention, NULL);
        s->retention_on = 0;
    }
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += s->cfg.grace_s;
    pthread_mutex_lock(&s->mu);
    int waited = s->inflight;
    while (s->inflight > 0)
        if (pthread_cond_timedwait(&s->idle, &s->mu, &until) == ETIMEDOUT)
            break;
    int left = s->inflight;
    pthread_mutex_unlock(&s->mu);
    if (waited)
        srv_log("stopping: waited for %d request(s) in flight, %d left", waited, left);
    MHD_stop_daemon(s->d);
    s->d = NULL;
    if (s->md) {
        MHD_stop_daemon(s->md);
        s->md = NULL;
    }
    srv_log("stopped");
}

void srv_free(srv *s)
{
    if (!s)
        return;
    srv_stop(s);
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->md)
        MHD_stop_daemon(s->md);
    for (int i = 0; i < s->n_conns; i++)
        PQfinish(s->conns[i]);
    free(s->conns);
    free(s->busy);
    for (int i = 0; s->rconns && i < s->cfg.pool; i++)
        PQfinish(s->rconns[i]);
    free(s->rconns);
    free(s->rbusy);
    free(s->cert);
    if (s->key) {
        sodium_memzero(s->key, strlen(s->key));
        free(s->key);
    }
    srv_rate_free(s->rate_addr);
    srv_rate_free(s->rate_dev);
    srv_rate_free(s->rate_enrol);
    srv_seen_free(s->seen);
    srv_gate_free(s->gate);
    srv_metrics_free(s->metrics);
    if (s->locks_ok) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        pthread_cond_destroy(&s->idle);
        pthread_cond_destroy(&s->wake);
    }
    free(s);
}
