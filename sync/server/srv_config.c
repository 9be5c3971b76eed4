/*
 * Configuration by defaults, file, environment and flags, in that order of
 * strength, so that a service unit can keep secrets in a file or the
 * environment while a person on a shell overrides one value with a flag.
 */
#include "srv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void srv_log(const char *fmt, ...)
{
    char line[1200];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ blik-server: ", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}

void srv_config_defaults(srv_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->db, sizeof c->db, "dbname=blik");
    snprintf(c->listen, sizeof c->listen, "127.0.0.1");
    c->port = 8443;
    c->pool = 8;
    c->max_clients = 256;
    c->timeout_s = 30;
    c->grace_s = 20;
    /* A school's tablets may share one public address, so the per-address
     * limit is generous; what it stops is a flood. Guessing enrolment codes
     * is what must be slow: ten wrong codes per hour per address. */
    c->rate_address = 6000;
    c->rate_device = 600;
    c->rate_enrol = 10;
    c->rate_slots = 4096;
    c->retention_min = 1440;
    /* An office session lasts a working day at most, and ends after an
     * hour away from the keyboard of a shared office computer. */
    c->office_idle_min = 60;
    c->office_max_hours = 12;
    /* The metrics listener is off until an address is given: it speaks
     * plain HTTP, so where it listens is the operator's choice. */
    c->metrics_port = 9464;
}

typedef struct {
    const char *key; /* file key and flag name (--key) */
    const char *env;
    int is_int;
    size_t off, cap; /* for strings */
    int min, max;    /* for ints */
} opt;

#define S(k, e, f)                                                                                 \
    {                                                                                              \
        k, e, 0, offsetof(srv_config, f), sizeof(((srv_config *)0)->f), 0, 0                       \
    }
#define I(k, e, f, lo, hi)                                                                         \
    {                                                                                              \
        k, e, 1, offsetof(srv_config, f), 0, lo, hi                                                \
    }
static const opt opts[] = {
    S("db", "BLIK_DB", db),
    S("listen", "BLIK_LISTEN", listen),
    I("port", "BLIK_PORT", port, 0, 65535),
    S("tls-cert", "BLIK_TLS_CERT", tls_cert),
    S("tls-key", "BLIK_TLS_KEY", tls_key),
    S("port-file", "BLIK_PORT_FILE", port_file),
    I("pool", "BLIK_POOL", pool, 1, 256),
    I("max-clients", "BLIK_MAX_CLIENTS", max_clients, 1, 10000),
    I("timeout", "BLIK_TIMEOUT", timeout_s, 1, 3600),
    I("grace", "BLIK_GRACE", grace_s, 0, 3600),
    I("rate-address", "BLIK_RATE_ADDRESS", rate_address, 0, 1000000),
    I("rate-device", "BLIK_RATE_DEVICE", rate_device, 0, 1000000),
    I("rate-enrol", "BLIK_RATE_ENROL", rate_enrol, 0, 100000),
    I("rate-slots", "BLIK_RATE_SLOTS", rate_slots, 16, 1000000),
    I("retention-interval", "BLIK_RETENTION_INTERVAL", retention_min, 0, 525600),
    S("assets", "BLIK_ASSETS_DIR", assets),
    I("office-idle", "BLIK_OFFICE_IDLE", office_idle_min, 1, 1440),
    I("office-max-hours", "BLIK_OFFICE_MAX_HOURS", office_max_hours, 1, 168),
    S("public-url", "BLIK_PUBLIC_URL", public_url),
    S("metrics-listen", "BLIK_METRICS_LISTEN", metrics_listen),
    I("metrics-port", "BLIK_METRICS_PORT", metrics_port, 0, 65535),
    S("metrics-port-file", "BLIK_METRICS_PORT_FILE", metrics_port_file),
    S("trusted-proxy", "BLIK_TRUSTED_PROXY", trusted_proxy),
    S("replica", "BLIK_REPLICA", replica),
};
#define N_OPTS (sizeof opts / sizeof opts[0])

static int set(srv_config *c, const opt *o, const char *v, const char *src, char *err,
               size_t errlen)
{
    if (o->is_int) {
        char *end;
        long x = strtol(v, &end, 10);
        if (!*v || *end || x < o->min || x > o->max) {
            snprintf(err, errlen, "%s: %s must be a whole number from %d to %d, not \"%.60s\".",
                     src, o->key, o->min, o->max, v);
            return -1;
        }
        *(int *)((char *)c + o->off) = (int)x;
        return 0;
    }
    if (strlen(v) >= o->cap) {
        snprintf(err, errlen, "%s: %s is too long (at most %zu bytes).", src, o->key, o->cap - 1);
        return -1;
    }
    memcpy((char *)c + o->off, v, strlen(v) + 1);
    return 0;
}

static const opt *find(const char *key)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (!strcmp(opts[i].key, key))
            return &opts[i];
    return NULL;
}

static int load_file(srv_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "Cannot open the configuration file %.300s.", path);
        return -1;
    }
    char line[2048];
    int no = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        no++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            snprintf(err, errlen, "%.300s:%d: the line is too long.", path, no);
            rc = -1;
            break;
        }
        while (n && isspace((unsigned char)line[n - 1]))
            line[--n] = 0;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            snprintf(err, errlen, "%.300s:%d: expected \"key = value\".", path, no);
            rc = -1;
            break;
        }
        char *k = p, *v = eq + 1;
        *eq = 0;
        for (char *e = eq - 1; e >= k && isspace((unsigned char)*e); e--)
            *e = 0;
        while (isspace((unsigned char)*v))
            v++;
        const opt *o = find(k);
        char src[400];
        snprintf(src, sizeof src, "%.300s:%d", path, no);
        if (!o) {
            snprintf(err, errlen, "%s: unknown key \"%.40s\".", src, k);
            rc = -1;
        } else {
            rc = set(c, o, v, src, err, errlen);
        }
    }
    fclose(f);
    return rc;
}

int srv_config_load(srv_config *c, int argc, char **argv, int *used, char *err, size_t errlen)
{
    *used = 0;
    const char *file = getenv("BLIK_CONFIG");
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            file = argv[i + 1];
    }
    if (file && *file && load_file(c, file, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < N_OPTS; i++) {
        const char *v = getenv(opts[i].env);
        if (v && set(c, &opts[i], v, opts[i].env, err, errlen) != 0)
            return -1;
    }
    int i = 0;
    while (i < argc && !strncmp(argv[i], "--", 2)) {
        const char *name = argv[i] + 2;
        if (!strcmp(name, "config")) {
            i += 2;
            continue;
        }
        const opt *o = find(name);
        if (!o)
            break;
        if (i + 1 >= argc) {
            snprintf(err, errlen, "--%s needs a value.", name);
            return -1;
        }
        char src[64];
        snprintf(src, sizeof src, "--%s", name);
        if (set(c, o, argv[i + 1], src, err, errlen) != 0)
            return -1;
        i += 2;
    }
    if (i > argc)
        i = argc;
    *used = i;
    return 0;
}

int srv_config_args(srv_config *c, int argc, char **argv, int *used, void (*usage)(FILE *),
                    FILE *out, FILE *err, const char *prefix)
{
    char e[600];
    srv_config_defaults(c);
    int rc = srv_config_load(c, argc, argv, used, e, sizeof e);
    if (rc == 1) {
        usage(out);
        return 0;
    }
    if (rc != 0) {
        fprintf(err, "%s%s\n", prefix, e);
        return 2;
    }
    return -1;
}

void srv_config_usage(FILE *out)
{
    fputs("Options (flag, environment variable, or \"key = value\" in the --config file;\n"
          "flags override the environment, which overrides the file):\n"
          "  --config FILE       BLIK_CONFIG       read options from FILE\n"
          "  --db CONNINFO       BLIK_DB           PostgreSQL connection string (dbname=blik)\n"
          "  --listen ADDR       BLIK_LISTEN       IPv4 or IPv6 address to listen on; :: is\n"
          "                                        every address, IPv6 and IPv4 (127.0.0.1)\n"
          "  --port N            BLIK_PORT         TCP port, 0 for any free one (8443)\n"
          "  --tls-cert FILE     BLIK_TLS_CERT     PEM certificate chain (required to serve)\n"
          "  --tls-key FILE      BLIK_TLS_KEY      PEM private key (required to serve)\n"
          "  --port-file FILE    BLIK_PORT_FILE    write the bound port there once serving\n"
          "  --pool N            BLIK_POOL         database connections (8)\n"
          "  --max-clients N     BLIK_MAX_CLIENTS  concurrent connections (256)\n"
          "  --timeout S         BLIK_TIMEOUT      idle connection timeout in seconds (30)\n"
          "  --grace S           BLIK_GRACE        on SIGTERM/SIGINT, seconds to let requests\n"
          "                                        in flight finish (20)\n"
          "  --rate-address N    BLIK_RATE_ADDRESS requests per minute per client address,\n"
          "                                        0 for no limit (6000)\n"
          "  --rate-device N     BLIK_RATE_DEVICE  requests per minute per tablet (600)\n"
          "  --rate-enrol N      BLIK_RATE_ENROL   failed enrolments per hour per address (10)\n"
          "  --rate-slots N      BLIK_RATE_SLOTS   buckets per rate-limit table, at least 16\n"
          "                                        (4096)\n"
          "  --retention-interval MIN  BLIK_RETENTION_INTERVAL  minutes between runs of the\n"
          "                                        retention job, 0 for never (1440)\n"
          "  --assets DIR        BLIK_ASSETS_DIR   the data folder with po/ and office/\n"
          "                                        (beside the program when not given)\n"
          "  --office-idle MIN   BLIK_OFFICE_IDLE  an office session ends after MIN minutes\n"
          "                                        unused (60)\n"
          "  --office-max-hours H  BLIK_OFFICE_MAX_HOURS  and H hours after sign-in (12)\n"
          "  --public-url URL    BLIK_PUBLIC_URL   the office's address as people reach it\n"
          "                                        (https://host:port), for invitation links\n"
          "  --metrics-listen ADDR  BLIK_METRICS_LISTEN  address for /metrics (Prometheus)\n"
          "                                        and /health over plain HTTP; keep it\n"
          "                                        internal (none: no metrics listener)\n"
          "  --metrics-port N    BLIK_METRICS_PORT its port, 0 for any free one (9464)\n"
          "  --metrics-port-file FILE  BLIK_METRICS_PORT_FILE  write the bound metrics port\n"
          "                                        there once serving\n"
          "  --trusted-proxy ADDR  BLIK_TRUSTED_PROXY  the load balancer's address: from it\n"
          "                                        the client is the last X-Forwarded-For\n"
          "                                        address (none: the connection's address)\n"
          "  --replica CONNINFO  BLIK_REPLICA      a streaming replica of the database: pulls\n"
          "                                        and the office's figures read from it once\n"
          "                                        it has replayed the asker's last change\n"
          "                                        (none)\n",
          out);
}
