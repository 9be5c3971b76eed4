/*
 * HAProxy in front of blik-server processes, as README's "Running more than
 * one server" sets it up: TLS ends at the balancer with the servers'
 * certificate and starts again towards each server, whose certificate is
 * checked; X-Forwarded-For is added; /health on each metrics port decides
 * who is up; a refused connection is tried on another server.
 */
#include "srvtest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int tsrv_await_port(int port, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        if (fd >= 0)
            close(fd);
        if (ok)
            return 0;
        sleep_ms(10);
    }
    return -1;
}

/* Appends the file at from to f; 0 or -1. */
static int append_file(FILE *f, const char *from)
{
    FILE *a = fopen(from, "rb");
    if (!a)
        return -1;
    char buf[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, a)) > 0)
        rc = fwrite(buf, 1, n, f) == n ? 0 : -1;
    fclose(a);
    return rc;
}

/* The balancer's certificate file (the servers' chain, then its key) and its
 * configuration, with the two front ends on h's ports. */
static int write_files(const thap *h, const char *dir, const tsrv *srv, const int *mports, int n,
                       const char *source, const char *cfg)
{
    char pem[600], part[600];
    snprintf(pem, sizeof pem, "%s/haproxy.pem", dir);
    FILE *p = fopen(pem, "wb");
    if (!p)
        return -1;
    snprintf(part, sizeof part, "%s/server.pem", dir);
    int rc = append_file(p, part);
    snprintf(part, sizeof part, "%s/server.key", dir);
    if (rc == 0)
        rc = append_file(p, part);
    if (fclose(p) != 0 || rc != 0)
        return -1;
    FILE *f = fopen(cfg, "w");
    if (!f)
        return -1;
    fprintf(f,
            "global\n  maxconn %d\n"
            "defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n"
            "  timeout server 60s\n  retries 3\n  option redispatch 1\n"
            "  option httpchk GET /health\n  default-server inter 500ms fall 2 rise 1\n",
            THAP_MAXCONN);
    const char *be[] = {"rr", "src"};
    for (int b = 0; b < 2; b++)
        fprintf(f,
                "frontend %s\n  bind 127.0.0.1:%d ssl crt %s\n  option forwardfor\n"
                "  default_backend %s\n",
                be[b], h->port[b], pem, be[b]);
    for (int b = 0; b < 2; b++) {
        fprintf(f, "backend %s\n  balance %s\n%s", be[b], b ? "source" : "roundrobin",
                b ? "  hash-type consistent\n" : "");
        for (int i = 0; i < n; i++)
            fprintf(f,
                    "  server s%d 127.0.0.1:%d ssl verify required ca-file %s/ca.pem"
                    " verifyhost 127.0.0.1%s%s check port %d no-check-ssl\n",
                    i, srv[i].port, dir, source ? " source " : "", source ? source : "", mports[i]);
    }
    return fclose(f);
}

int thap_start(thap *h, tpg *pg, const char *dir, const tsrv *srv, const int *mports, int n,
               const char *source)
{
    memset(h, 0, sizeof *h);
    h->pid = -1;
    h->pg = pg;
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s/haproxy.cfg", dir);
    snprintf(h->log, sizeof h->log, "%s/haproxy.log", dir);
    h->port[0] = tpg_free_port();
    h->port[1] = tpg_free_port();
    if (h->port[0] <= 0 || h->port[1] <= 0 ||
        write_files(h, dir, srv, mports, n, source, cfg) != 0) {
        fprintf(stderr, "thap: cannot write the balancer's files in %s\n", dir);
        return -1;
    }
    h->pid = fork();
    if (h->pid == 0) {
        FILE *o = freopen(h->log, "a", stderr);
        (void)o;
        execlp("haproxy", "haproxy", "-db", "-f", cfg, (char *)NULL);
        fprintf(stderr, "haproxy could not be started (is Debian's haproxy installed? .ci/deps)\n");
        _exit(127);
    }
    if (h->pid < 0)
        return -1;
    tpg_watch(pg, h->pid);
    for (int b = 0; b < 2; b++)
        snprintf(h->url[b], sizeof h->url[b], "https://127.0.0.1:%d", h->port[b]);
    if (tsrv_await_port(h->port[0], 10000) != 0 || tsrv_await_port(h->port[1], 10000) != 0) {
        fprintf(stderr, "thap: haproxy did not listen; see %s\n", h->log);
        thap_stop(h);
        return -1;
    }
    return 0;
}

void thap_stop(thap *h)
{
    if (h->pid <= 0)
        return;
    kill(h->pid, SIGTERM);
    while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    tpg_unwatch(h->pg, h->pid);
    h->pid = -1;
}
