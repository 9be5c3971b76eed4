/* Fake servers for the fault tests; see fakesrv.h. */
#define _GNU_SOURCE
#include "fakesrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fakesrv {
    fake_mode mode;
    int status, retry_after;
    int lfd, port;
    pthread_t th;
    pthread_mutex_t mu;
    int stop, requests;
    gnutls_certificate_credentials_t cred;
};

typedef struct {
    int fd;
    gnutls_session_t tls; /* NULL on plain HTTP */
} chan;

static ssize_t chan_recv(chan *c, char *b, size_t n)
{
    if (!c->tls)
        return recv(c->fd, b, n, 0);
    ssize_t r;
    do
        r = gnutls_record_recv(c->tls, b, n);
    while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
    return r;
}

static void chan_send(chan *c, const char *b, size_t n)
{
    if (!c->tls) {
        send(c->fd, b, n, MSG_NOSIGNAL);
        return;
    }
    while (n > 0) {
        ssize_t w = gnutls_record_send(c->tls, b, n);
        if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
            continue;
        if (w <= 0)
            return;
        b += w;
        n -= (size_t)w;
    }
}

/* Reads a request's headers (bounded) and its body by Content-Length. */
static int read_request(chan *c, char *buf, size_t cap)
{
    size_t len = 0;
    char *end = NULL;
    while (len + 1 < cap) {
        ssize_t r = chan_recv(c, buf + len, cap - 1 - len);
        if (r <= 0)
            return -1;
        len += (size_t)r;
        buf[len] = '\0';
        if (!c->tls && (unsigned char)buf[0] == 0x16)
            return 0; /* a TLS hello to a portal: it answers with its page anyway */
        if ((end = strstr(buf, "\r\n\r\n")))
            break;
    }
    if (!end)
        return -1;
    long body = 0;
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    if (cl)
        body = strtol(cl + 17, NULL, 10);
    long have = (long)(len - (size_t)(end + 4 - buf));
    char sink[4096];
    while (have < body) {
        ssize_t r = chan_recv(c, sink, sizeof sink);
        if (r <= 0)
            break;
        have += r;
    }
    return 0;
}

/* A 200 with a JSON body, as a Blik server sends it. */
static void blik_200(char *out, size_t cap, const char *body)
{
    snprintf(out, cap,
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
             "Blik-Server: 1\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
             strlen(body), body);
}

static void answer(fakesrv *f, chan *c, const char *req)
{
    char out[1024], body[512];
    if (f->mode != FAKE_STATUS) {
        snprintf(body, sizeof body,
                 "<html><body><h1>Welcome to Cafe Wi-Fi</h1>"
                 "<p>Please sign in.</p></body></html>");
        snprintf(out, sizeof out,
                 "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 strlen(body), body);
    } else if (!strncmp(req, "GET /v1/ping?nonce=", 19)) {
        char nonce[80] = "";
        sscanf(req + 19, "%64[A-Za-z0-9_-]", nonce);
        snprintf(body, sizeof body,
                 "{\"service\":\"blik\",\"schema\":1,\"oldest_schema\":1,"
                 "\"nonce\":\"%s\"}",
                 nonce);
        blik_200(out, sizeof out, body);
    } else if (f->status == 200) {
        /* A 200 that answers none of the changes sent. */
        blik_200(out, sizeof out, "{\"schema\":1,\"results\":[]}");
    } else {
        const char *code = f->status == 503   ? "unavailable"
                           : f->status == 429 ? "rate_limited"
                                              : "internal";
        snprintf(body, sizeof body,
                 "{\"schema\":1,\"oldest_schema\":1,\"error\":{\"code\":\"%s\","
                 "\"message\":\"The database is not answering; try again "
                 "later.\"}}",
                 code);
        char ra[64] = "";
        if (f->retry_after > 0)
            snprintf(ra, sizeof ra, "Retry-After: %d\r\n", f->retry_after);
        snprintf(out, sizeof out,
                 "HTTP/1.1 %d Oops\r\nContent-Type: application/json\r\n"
                 "Blik-Server: 1\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 f->status, ra, strlen(body), body);
    }
    chan_send(c, out, strlen(out));
}

static void serve(fakesrv *f, int fd)
{
    chan c = {fd, NULL};
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (f->mode != FAKE_PORTAL) {
        if (gnutls_init(&c.tls, GNUTLS_SERVER) != 0)
            return;
        gnutls_set_default_priority(c.tls);
        gnutls_credentials_set(c.tls, GNUTLS_CRD_CERTIFICATE, f->cred);
        gnutls_transport_set_int(c.tls, fd);
        gnutls_handshake_set_timeout(c.tls, 3000);
        int r;
        do
            r = gnutls_handshake(c.tls);
        while (r < 0 && !gnutls_error_is_fatal(r));
        if (r < 0) {
            gnutls_deinit(c.tls);
            return;
        }
    }
    char req[8192];
    /* One request per connection ("Connection: close"), so that a client
     * holding a connection open cannot keep this one-thread server busy. */
    if (read_request(&c, req, sizeof req) == 0) {
        pthread_mutex_lock(&f->mu);
        f->requests++;
        pthread_mutex_unlock(&f->mu);
        answer(f, &c, req);
    }
    if (c.tls) {
        gnutls_bye(c.tls, GNUTLS_SHUT_WR);
        gnutls_deinit(c.tls);
    }
}

static void *loop(void *arg)
{
    fakesrv *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        int stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop)
            break;
        struct pollfd pf = {f->lfd, POLLIN, 0};
        if (poll(&pf, 1, 100) <= 0)
            continue;
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        serve(f, fd);
        close(fd);
    }
    return NULL;
}

int fakesrv_start(fake_mode mode, const char *cert, const char *key, int status, int retry_after,
                  fakesrv **out)
{
    *out = NULL;
    fakesrv *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->mode = mode;
    f->status = status;
    f->retry_after = retry_after;
    if (mode != FAKE_PORTAL &&
        (gnutls_certificate_allocate_credentials(&f->cred) != 0 ||
         gnutls_certificate_set_x509_key_file(f->cred, cert, key, GNUTLS_X509_FMT_PEM) != 0)) {
        if (f->cred)
            gnutls_certificate_free_credentials(f->cred);
        free(f);
        return -1;
    }
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(f->lfd, 16) != 0 || getsockname(f->lfd, (struct sockaddr *)&a, &al) != 0) {
        if (f->lfd >= 0)
            close(f->lfd);
        if (f->cred)
            gnutls_certificate_free_credentials(f->cred);
        free(f);
        return -1;
    }
    f->port = ntohs(a.sin_port);
    pthread_mutex_init(&f->mu, NULL);
    if (pthread_create(&f->th, NULL, loop, f) != 0) {
        close(f->lfd);
        if (f->cred)
            gnutls_certificate_free_credentials(f->cred);
        pthread_mutex_destroy(&f->mu);
        free(f);
        return -1;
    }
    *out = f;
    return 0;
}

int fakesrv_port(const fakesrv *f) { return f->port; }

int fakesrv_requests(fakesrv *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->requests;
    pthread_mutex_unlock(&f->mu);
    return n;
}

void fakesrv_stop(fakesrv *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->th, NULL);
    close(f->lfd);
    if (f->cred)
        gnutls_certificate_free_credentials(f->cred);
    pthread_mutex_destroy(&f->mu);
    free(f);
}
