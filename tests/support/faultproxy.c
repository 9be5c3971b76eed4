/* A TCP fault proxy for tests; see faultproxy.h. */
#include "faultproxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
    int cfd, sfd;
    pthread_t th;
    int done;
    struct conn *next;
    struct fproxy *p;
    int divert_port;
} conn;

struct fproxy {
    int lfd, port, target;
    pthread_t acceptor;
    pthread_mutex_t mu;
    int stop;
    fp_fault fault;
    fp_dir dir;
    int64_t budget;
    int fired;
    int divert_port, divert_n;
    int64_t up, down;
    conn *conns;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int write_all(int fd, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Closes with a reset instead of a FIN: a linger time of zero. */
static void close_rst(int fd)
{
    if (fd < 0)
        return;
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void *pump(void *arg)
{
    conn *c = arg;
    fproxy *p = c->p;
    pthread_mutex_lock(&p->mu);
    int port = c->divert_port ? c->divert_port : p->target;
    pthread_mutex_unlock(&p->mu);
    int sfd = connect_to(port);
    if (sfd < 0) {
        /* The server is down: the client sees its connection reset. */
        pthread_mutex_lock(&p->mu);
        int cfd = c->cfd;
        c->cfd = -1;
        c->done = 1;
        pthread_mutex_unlock(&p->mu);
        close_rst(cfd);
        return NULL;
    }
    pthread_mutex_lock(&p->mu);
    c->sfd = sfd;
    pthread_mutex_unlock(&p->mu);
    char buf[16384];
    int stalled = 0, reset = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        struct pollfd fds[2] = {{c->cfd, POLLIN, 0}, {sfd, POLLIN, 0}};
        int k = poll(fds, stalled ? 1 : 2, 100);
        if (k < 0 && errno != EINTR)
            break;
        if (k <= 0)
            continue;
        int end = 0;
        for (int i = 0; i < (stalled ? 1 : 2) && !end; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = recv(fds[i].fd, buf, sizeof buf, 0);
            if (n <= 0) {
                end = 1;
                break;
            }
            if (stalled)
                continue; /* swallow what the client still sends */
            fp_dir dir = i == 0 ? FP_REQUEST : FP_REPLY;
            size_t allowed = (size_t)n;
            fp_fault act = FP_NONE;
            pthread_mutex_lock(&p->mu);
            if (p->fault != FP_NONE && !p->fired && p->dir == dir) {
                if (p->budget >= n) {
                    p->budget -= n;
                } else {
                    allowed = (size_t)p->budget;
                    p->budget = 0;
                    act = p->fault;
                    p->fired = 1;
                }
            }
            if (dir == FP_REQUEST)
                p->up += (int64_t)allowed;
            else
                p->down += (int64_t)allowed;
            pthread_mutex_unlock(&p->mu);
            int to = i == 0 ? sfd : c->cfd;
            if (allowed && write_all(to, buf, allowed) != 0) {
                end = 1;
                break;
            }
            if (act == FP_CUT) {
                end = 1;
            } else if (act == FP_RESET) {
                reset = 1;
                end = 1;
            } else if (act == FP_STALL) {
                stalled = 1;
            }
        }
        if (end)
            break;
    }
    pthread_mutex_lock(&p->mu);
    int cfd = c->cfd;
    c->cfd = c->sfd = -1;
    c->done = 1;
    pthread_mutex_unlock(&p->mu);
    if (reset) {
        close_rst(cfd);
        close_rst(sfd);
    } else {
        close(cfd);
        close(sfd);
    }
    return NULL;
}

/* Joins the threads of connections that have ended; with all = 1, ends and
 * joins every one. Called without the lock. */
static void reap(fproxy *p, int all)
{
    for (;;) {
        conn *found = NULL;
        pthread_mutex_lock(&p->mu);
        for (conn **pp = &p->conns; *pp; pp = &(*pp)->next) {
            if ((*pp)->done || all) {
                found = *pp;
                *pp = found->next;
                break;
            }
        }
        pthread_mutex_unlock(&p->mu);
        if (!found)
            return;
        pthread_join(found->th, NULL);
        free(found);
    }
}

static void *acceptor(void *arg)
{
    fproxy *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        struct pollfd pf = {p->lfd, POLLIN, 0};
        if (poll(&pf, 1, 100) > 0) {
            int fd = accept(p->lfd, NULL, NULL);
            if (fd >= 0) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                conn *c = calloc(1, sizeof *c);
                if (!c) {
                    close(fd);
                    continue;
                }
                c->cfd = fd;
                c->sfd = -1;
                c->p = p;
                pthread_mutex_lock(&p->mu);
                if (p->divert_n > 0) {
                    c->divert_port = p->divert_port;
                    p->divert_n--;
                }
                c->next = p->conns;
                p->conns = c;
                pthread_mutex_unlock(&p->mu);
                if (pthread_create(&c->th, NULL, pump, c) != 0) {
                    pthread_mutex_lock(&p->mu);
                    p->conns = c->next;
                    pthread_mutex_unlock(&p->mu);
                    close(fd);
                    free(c);
                }
            }
        }
        reap(p, 0);
    }
    return NULL;
}

int fproxy_start(int target_port, fproxy **out)
{
    *out = NULL;
    fproxy *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->target = target_port;
    p->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(p->lfd, 64) != 0 || getsockname(p->lfd, (struct sockaddr *)&a, &al) != 0) {
        if (p->lfd >= 0)
            close(p->lfd);
        free(p);
        return -1;
    }
    p->port = ntohs(a.sin_port);
    pthread_mutex_init(&p->mu, NULL);
    if (pthread_create(&p->acceptor, NULL, acceptor, p) != 0) {
        close(p->lfd);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int fproxy_port(const fproxy *p) { return p->port; }

void fproxy_set_target(fproxy *p, int target_port)
{
    pthread_mutex_lock(&p->mu);
    p->target = target_port;
    pthread_mutex_unlock(&p->mu);
}

void fproxy_arm(fproxy *p, fp_fault fault, fp_dir dir, int64_t after)
{
    pthread_mutex_lock(&p->mu);
    p->fault = fault;
    p->dir = dir;
    p->budget = after < 0 ? 0 : after;
    p->fired = 0;
    pthread_mutex_unlock(&p->mu);
}

void fproxy_disarm(fproxy *p) { fproxy_arm(p, FP_NONE, FP_REQUEST, 0); }

int fproxy_fired(fproxy *p)
{
    pthread_mutex_lock(&p->mu);
    int f = p->fired;
    pthread_mutex_unlock(&p->mu);
    return f;
}

void fproxy_divert(fproxy *p, int port, int n)
{
    pthread_mutex_lock(&p->mu);
    p->divert_port = port;
    p->divert_n = n;
    pthread_mutex_unlock(&p->mu);
}

void fproxy_drop_all(fproxy *p)
{
    pthread_mutex_lock(&p->mu);
    for (conn *c = p->conns; c; c = c->next) {
        if (c->cfd >= 0)
            shutdown(c->cfd, SHUT_RDWR);
        if (c->sfd >= 0)
            shutdown(c->sfd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&p->mu);
    /* Wait until each has closed, so the client cannot reuse one. */
    for (int i = 0; i < 100; i++) {
        int open = 0;
        pthread_mutex_lock(&p->mu);
        for (conn *c = p->conns; c; c = c->next)
            open += !c->done;
        pthread_mutex_unlock(&p->mu);
        if (!open)
            break;
        sleep_ms(10);
    }
}

void fproxy_bytes(fproxy *p, int64_t *up, int64_t *down)
{
    pthread_mutex_lock(&p->mu);
    if (up)
        *up = p->up;
    if (down)
        *down = p->down;
    pthread_mutex_unlock(&p->mu);
}

void fproxy_reset_bytes(fproxy *p)
{
    pthread_mutex_lock(&p->mu);
    p->up = p->down = 0;
    pthread_mutex_unlock(&p->mu);
}

void fproxy_stop(fproxy *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->acceptor, NULL);
    close(p->lfd);
    fproxy_drop_all(p);
    reap(p, 1);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
