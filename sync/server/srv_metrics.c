/*
 * The server's counts and their text for Prometheus (see srv_metrics.h).
 * One mutex guards them all: a request takes it twice at most, which costs
 * nothing beside its database work, and a scrape reads one consistent set.
 */
#include "srv_metrics.h"

#include "proto.h"
#include "srv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The upper bounds of the latency histogram's buckets, in seconds: from a
 * ping on loopback to a large push on a slow database. */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                0.25,  0.5,    1,     2.5,  5,     10,   30};
#define N_BOUNDS (int)(sizeof bounds / sizeof bounds[0])

/* HTTP statuses are counted in a table of 100..599; 0 is "no answer". */
#define STATUS_MIN 100
#define STATUS_N 500

static const char *const ep_names[SRV_EP_COUNT] = {"ping", "enrol", "push",
                                                   "pull", "other", "office"};
static const char *const limit_names[SRV_LIMIT_COUNT] = {"address", "device", "enrol"};
static const char *const outcome_names[SRV_CH_COUNT] = {"stored", "duplicate", "conflict",
                                                        "rejected"};

struct srv_metrics {
    pthread_mutex_t mu;
    uint64_t requests[SRV_EP_COUNT][STATUS_N + 1]; /* [.][STATUS_N]: no answer */
    uint64_t buckets[SRV_EP_COUNT][N_BOUNDS];      /* not cumulative; summed when written */
    uint64_t count[SRV_EP_COUNT];
    double seconds[SRV_EP_COUNT];
    uint64_t bytes_in[SRV_EP_COUNT], bytes_out[SRV_EP_COUNT];
    uint64_t pushes, pulls, enrolments;
    uint64_t reads[SRV_READ_COUNT];
    uint64_t changes[SRV_CH_COUNT];
    uint64_t limited[SRV_LIMIT_COUNT];
    uint64_t pool_waits, pool_timeouts;
    double pool_wait_s;
};

srv_metrics *srv_metrics_new(void)
{
    srv_metrics *m = calloc(1, sizeof *m);
    if (m && pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void srv_metrics_free(srv_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

srv_endpoint srv_metrics_endpoint(const char *path)
{
    if (!path)
        return SRV_EP_OTHER;
    if (!strcmp(path, "/v1/ping"))
        return SRV_EP_PING;
    if (!strcmp(path, "/v1/enrol"))
        return SRV_EP_ENROL;
    if (!strcmp(path, "/v1/push"))
        return SRV_EP_PUSH;
    if (!strcmp(path, "/v1/pull"))
        return SRV_EP_PULL;
    return SRV_EP_OTHER;
}

void srv_metrics_request(srv_metrics *m, srv_endpoint ep, int status, double seconds,
                         uint64_t bytes_in, uint64_t bytes_out)
{
    if (!m || ep < 0 || ep >= SRV_EP_COUNT)
        return;
    int si = status >= STATUS_MIN && status < STATUS_MIN + STATUS_N ? status - STATUS_MIN
                                                                    : STATUS_N;
    if (seconds < 0)
        seconds = 0;
    int b = 0;
    while (b < N_BOUNDS && seconds > bounds[b])
        b++;
    pthread_mutex_lock(&m->mu);
    m->requests[ep][si]++;
    if (b < N_BOUNDS)
        m->buckets[ep][b]++;
    m->count[ep]++;
    m->seconds[ep] += seconds;
    m->bytes_in[ep] += bytes_in;
    m->bytes_out[ep] += bytes_out;
    pthread_mutex_unlock(&m->mu);
}

void srv_metrics_push(srv_metrics *m, const long outcomes[SRV_CH_COUNT])
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->pushes++;
    for (int i = 0; i < SRV_CH_COUNT; i++)
        m->changes[i] += outcomes[i] > 0 ? (uint64_t)outcomes[i] : 0;
    pthread_mutex_unlock(&m->mu);
}

void srv_metrics_pull(srv_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->pulls++;
    pthread_mutex_unlock(&m->mu);
}

void srv_metrics_read(srv_metrics *m, srv_read where)
{
    if (!m || where < 0 || where >= SRV_READ_COUNT)
        return;
    pthread_mutex_lock(&m->mu);
    m->reads[where]++;
    pthread_mutex_unlock(&m->mu);
}

void srv_metrics_enrol(srv_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->enrolments++;
    pthread_mutex_unlock(&m->mu);
}

void srv_metrics_limited(srv_metrics *m, srv_limit which)
{
    if (!m || which < 0 || which >= SRV_LIMIT_COUNT)
        return;
    pthread_mutex_lock(&m->mu);
    m->limited[which]++;
    pthread_mutex_unlock(&m->mu);
}

void srv_metrics_pool_wait(srv_metrics *m, double seconds, int got)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->pool_waits++;
    m->pool_wait_s += seconds > 0 ? seconds : 0;
    if (!got)
        m->pool_timeouts++;
    pthread_mutex_unlock(&m->mu);
}

/* One family's HELP and TYPE lines. */
static void head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A counter of one sample, without labels. */
static void single(FILE *f, const char *name, const char *type, const char *help, double v)
{
    head(f, name, type, help);
    fprintf(f, "%s %.17g\n", name, v);
}

/* Writes the counts, copied under the lock first so that the writing
 * itself holds nobody up. */
char *srv_metrics_text(srv_metrics *m, const srv_metrics_gauges *g, size_t *len)
{
    if (!m || !g)
        return NULL;
    srv_metrics *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_lock(&m->mu);
    memcpy(c, m, sizeof *c);
    pthread_mutex_unlock(&m->mu);

    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        free(c);
        return NULL;
    }
    head(f, "blik_build_info", "gauge",
         "The sync protocol's schema and the database schema this server speaks.");
    fprintf(f, "blik_build_info{sync_schema=\"%d\",db_schema=\"%d\"} 1\n", PROTO_SCHEMA,
            SRV_DB_VERSION);
    single(f, "blik_start_time_seconds", "gauge", "When the server started, in Unix time.",
           g->start_time);
    single(f, "blik_stopping", "gauge",
           "1 while the server is stopping: it finishes what it has and takes nothing new.",
           g->stopping ? 1 : 0);

    head(f, "blik_http_requests_total", "counter",
         "Requests finished, by endpoint and HTTP status (0: cut off before an answer).");
    for (int e = 0; e < SRV_EP_COUNT; e++)
        for (int s = 0; s <= STATUS_N; s++)
            if (c->requests[e][s])
                fprintf(f, "blik_http_requests_total{endpoint=\"%s\",code=\"%d\"} %llu\n",
                        ep_names[e], s == STATUS_N ? 0 : s + STATUS_MIN,
                        (unsigned long long)c->requests[e][s]);

    head(f, "blik_http_request_duration_seconds", "histogram",
         "Time from a request's first line to the end of its answer, by endpoint.");
    for (int e = 0; e < SRV_EP_COUNT; e++) {
        uint64_t cum = 0;
        for (int b = 0; b < N_BOUNDS; b++) {
            cum += c->buckets[e][b];
            fprintf(f,
                    "blik_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
                    ep_names[e], bounds[b], (unsigned long long)cum);
        }
        fprintf(f,
                "blik_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n"
                "blik_http_request_duration_seconds_sum{endpoint=\"%s\"} %.9g\n"
                "blik_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
                ep_names[e], (unsigned long long)c->count[e], ep_names[e], c->seconds[e],
                ep_names[e], (unsigned long long)c->count[e]);
    }
    head(f, "blik_http_request_bytes_total", "counter",
         "Bytes of request bodies as received (compressed when sent so), by endpoint.");
    for (int e = 0; e < SRV_EP_COUNT; e++)
        fprintf(f, "blik_http_request_bytes_total{endpoint=\"%s\"} %llu\n", ep_names[e],
                (unsigned long long)c->bytes_in[e]);
    head(f, "blik_http_response_bytes_total", "counter",
         "Bytes of answer bodies as sent (compressed when sent so), by endpoint.");
    for (int e = 0; e < SRV_EP_COUNT; e++)
        fprintf(f, "blik_http_response_bytes_total{endpoint=\"%s\"} %llu\n", ep_names[e],
                (unsigned long long)c->bytes_out[e]);
    single(f, "blik_http_requests_in_flight", "gauge", "Requests being answered now.",
           g->in_flight);

    single(f, "blik_pushes_total", "counter", "Pushes answered 200.", (double)c->pushes);
    head(f, "blik_push_changes_total", "counter",
         "Changes in pushes answered 200, by what became of each.");
    for (int i = 0; i < SRV_CH_COUNT; i++)
        fprintf(f, "blik_push_changes_total{status=\"%s\"} %llu\n", outcome_names[i],
                (unsigned long long)c->changes[i]);
    single(f, "blik_pulls_total", "counter", "Pulls answered 200.", (double)c->pulls);
    single(f, "blik_enrolments_total", "counter", "Tablets enrolled.", (double)c->enrolments);
    static const char *const read_db[SRV_READ_COUNT] = {"replica", "primary", "primary", "primary"};
    static const char *const read_why[SRV_READ_COUNT] = {"caught_up", "no_replica", "behind",
                                                         "replica_down"};
    head(f, "blik_db_reads_total", "counter",
         "Pulls and office pages with figures by the database they read from, and why: "
         "caught_up (the replica had replayed the asker's last change), no_replica, behind, "
         "replica_down.");
    for (int i = 0; i < SRV_READ_COUNT; i++)
        fprintf(f, "blik_db_reads_total{db=\"%s\",why=\"%s\"} %llu\n", read_db[i], read_why[i],
                (unsigned long long)c->reads[i]);

    single(f, "blik_db_pool_connections", "gauge", "Database connections in the pool.",
           g->pool_size);
    single(f, "blik_db_pool_in_use", "gauge", "Database connections lent to a request now.",
           g->pool_in_use);
    single(f, "blik_db_pool_waits_total", "counter",
           "Requests that found every database connection busy and waited.", (double)c->pool_waits);
    single(f, "blik_db_pool_wait_seconds_total", "counter",
           "Seconds requests spent waiting for a database connection.", c->pool_wait_s);
    single(f, "blik_db_pool_exhausted_total", "counter",
           "Requests answered busy because no database connection came free in time.",
           (double)c->pool_timeouts);

    head(f, "blik_rate_limited_total", "counter",
         "Requests refused by a rate limit, by the limit (rate-address, rate-device, "
         "rate-enrol).");
    for (int i = 0; i < SRV_LIMIT_COUNT; i++)
        fprintf(f, "blik_rate_limited_total{limit=\"%s\"} %llu\n", limit_names[i],
                (unsigned long long)c->limited[i]);
    head(f, "blik_rate_buckets_in_use", "gauge",
         "Rate-limit buckets not full now, by limit, out of blik_rate_buckets.");
    for (int i = 0; i < SRV_LIMIT_COUNT; i++)
        if (g->rate_buckets[i] >= 0)
            fprintf(f, "blik_rate_buckets_in_use{limit=\"%s\"} %ld\n", limit_names[i],
                    g->rate_buckets[i]);
    head(f, "blik_rate_buckets", "gauge", "The size of each rate-limit table (rate-slots).");
    for (int i = 0; i < SRV_LIMIT_COUNT; i++)
        if (g->rate_buckets[i] >= 0)
            fprintf(f, "blik_rate_buckets{limit=\"%s\"} %ld\n", limit_names[i], g->rate_slots[i]);
    free(c);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    if (len)
        *len = n;
    return buf;
}
