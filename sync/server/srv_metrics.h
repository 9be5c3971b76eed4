#ifndef BLIK_SRV_METRICS_H
#define BLIK_SRV_METRICS_H
/*
 * What the server counts while it serves, for an operator's monitoring:
 * requests and their time by endpoint, pushes (and what became of each
 * change), pulls, enrolments, waits for a database connection and refusals
 * by the rate limits. The counts live in memory, one set per process, and
 * are read in Prometheus's text format on the metrics listener
 * (srv_http.c), never on the tablets' or the office's port.
 *
 * Labels are drawn from fixed sets (the endpoint, the HTTP status, the kind
 * of limit), so the output stays small whatever clients send: no path,
 * address or id is ever a label.
 */
#include <stddef.h>
#include <stdint.h>

/* The endpoints requests are counted by. SRV_EP_OTHER is any other path
 * under /v1/ (answered 404); SRV_EP_OFFICE every page of the office. */
typedef enum {
    SRV_EP_PING,
    SRV_EP_ENROL,
    SRV_EP_PUSH,
    SRV_EP_PULL,
    SRV_EP_OTHER,
    SRV_EP_OFFICE,
    SRV_EP_COUNT
} srv_endpoint;

/* The rate limits (srv_config's rate-address, rate-device, rate-enrol). */
typedef enum { SRV_LIMIT_ADDRESS, SRV_LIMIT_DEVICE, SRV_LIMIT_ENROL, SRV_LIMIT_COUNT } srv_limit;

/* What became of the changes of pushes answered 200 (proto_status). */
typedef enum {
    SRV_CH_STORED,
    SRV_CH_DUPLICATE,
    SRV_CH_CONFLICT,
    SRV_CH_REJECTED,
    SRV_CH_COUNT
} srv_change_outcome;

typedef struct srv_metrics srv_metrics;

/* A fresh set of counts; NULL when out of memory. Free with
 * srv_metrics_free (NULL is a no-op). */
srv_metrics *srv_metrics_new(void);
void srv_metrics_free(srv_metrics *m);

/* The endpoint a path of the protocol (under /v1/) is counted by. */
srv_endpoint srv_metrics_endpoint(const char *path);

/*
 * Counts one finished request: its endpoint, HTTP status (100..599; any
 * other is counted as 0, a request cut off before an answer), seconds from
 * its first line to its end, and the bytes of its body and of its answer.
 * Every function here is thread-safe and does nothing when m is NULL.
 */
void srv_metrics_request(srv_metrics *m, srv_endpoint ep, int status, double seconds,
                         uint64_t bytes_in, uint64_t bytes_out);
/* A push answered 200, with how many of its changes ended each way. */
void srv_metrics_push(srv_metrics *m, const long outcomes[SRV_CH_COUNT]);
/* A pull answered 200; an enrolment answered 200. */
void srv_metrics_pull(srv_metrics *m);
void srv_metrics_enrol(srv_metrics *m);
/* Where a pull or an office page's figures were read from, and why the
 * replica did not serve them when one is configured. */
typedef enum {
    SRV_READ_REPLICA, /* the replica */
    SRV_READ_PRIMARY, /* the primary: no replica configured */
    SRV_READ_BEHIND,  /* the primary: the replica had not replayed the asker's last change */
    SRV_READ_DOWN,    /* the primary: the replica failed, or is left alone after a failure */
    SRV_READ_COUNT
} srv_read;
void srv_metrics_read(srv_metrics *m, srv_read where);
/* A request refused by one of the rate limits. */
void srv_metrics_limited(srv_metrics *m, srv_limit which);
/* A request found every database connection busy and waited this long,
 * then got one (got 1) or gave up (got 0: answered "busy"). */
void srv_metrics_pool_wait(srv_metrics *m, double seconds, int got);

/* What is read at the moment of a scrape rather than counted. */
typedef struct {
    int pool_size;                      /* database connections */
    int pool_in_use;                    /* of them lent to a request now */
    int in_flight;                      /* requests being answered now */
    long rate_buckets[SRV_LIMIT_COUNT]; /* buckets not full in each table, -1: no table */
    long rate_slots[SRV_LIMIT_COUNT];   /* each table's size */
    double start_time;                  /* the process's start, seconds since 1970 */
    int stopping;                       /* the server is stopping */
} srv_metrics_gauges;

/*
 * Writes every count and the gauges in Prometheus's text exposition format
 * (version 0.0.4). Returns a malloc'd NUL-terminated text the caller
 * frees, and its length in *len; NULL when out of memory.
 */
char *srv_metrics_text(srv_metrics *m, const srv_metrics_gauges *g, size_t *len);

#endif
