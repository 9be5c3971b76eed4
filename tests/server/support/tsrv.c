/*
 * blik-server as a child process, the way it runs in production: its own
 * process, its own TLS listener, configured by flags. Tests can then stop it
 * gracefully or kill it outright.
 */
#include "srvtest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int tsrv_start(tsrv *s, tpg *pg, const char *exe, const char *conninfo, const char *dir,
               const char *const *extra)
{
    memset(s, 0, sizeof *s);
    s->pg = pg;
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    char cert[600], key[600], portfile[600];
    snprintf(cert, sizeof cert, "%s/server.pem", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    snprintf(portfile, sizeof portfile, "%s/port.%d", dir, (int)getpid());
    snprintf(s->log, sizeof s->log, "%s/server.log", dir);
    snprintf(s->ca, sizeof s->ca, "%s/ca.pem", dir);
    unlink(portfile);
    const char *argv[40] = {
        exe,          "serve", "--db",      conninfo, "--listen",    "127.0.0.1", "--port",  "0",
        "--tls-cert", cert,    "--tls-key", key,      "--port-file", portfile,    "--grace", "20"};
    int n = 16;
    for (int i = 0; extra && extra[i] && n < 39; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0)
            dup2(fd, 2);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    tpg_watch(pg, pid);
    for (int i = 0; i < 600; i++) {
        FILE *f = fopen(portfile, "r");
        if (f) {
            int ok = fscanf(f, "%d", &s->port) == 1;
            fclose(f);
            if (ok) {
                snprintf(s->url, sizeof s->url, "https://127.0.0.1:%d", s->port);
                return 0;
            }
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            tpg_unwatch(pg, pid);
            s->pid = 0;
            fprintf(stderr, "tsrv: blik-server exited at start; see %s\n", s->log);
            return -1;
        }
        sleep_ms(50);
    }
    tsrv_kill(s);
    return -1;
}

int tsrv_stop(tsrv *s)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 600; i++) {
        pid_t r = waitpid(s->pid, &st, WNOHANG);
        if (r == s->pid) {
            tpg_unwatch(s->pg, s->pid);
            s->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        }
        if (r < 0 && errno != EINTR)
            break;
        sleep_ms(50);
    }
    tsrv_kill(s);
    return -1;
}

void tsrv_kill(tsrv *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    tpg_unwatch(s->pg, s->pid);
    s->pid = 0;
}

/* Copies the file at from to to; 0 or -1. */
static int copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    char buf[4096];
    size_t n;
    int rc = a && b ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, a)) > 0)
        rc = fwrite(buf, 1, n, b) == n ? 0 : -1;
    if (a)
        fclose(a);
    if (b && fclose(b) != 0)
        rc = -1;
    return rc;
}

/* The number in the file at path, once it holds one, waiting up to
 * timeout_ms; -1 if it never did. */
static int await_int_file(const char *path, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        FILE *f = fopen(path, "r");
        int v = -1;
        if (f) {
            if (fscanf(f, "%d", &v) != 1)
                v = -1;
            fclose(f);
        }
        if (v > 0)
            return v;
        sleep_ms(10);
    }
    return -1;
}

int tsrv_start_many(tsrv *s, int *mports, int n, tpg *pg, const char *exe, const char *conninfo,
                    const char *dir, const char *const *extra)
{
    for (int i = 0; i < n; i++) {
        char own[600], mfile[700];
        snprintf(own, sizeof own, "%s/s%d", dir, i);
        snprintf(mfile, sizeof mfile, "%s/metrics-port", own);
        if (mkdir(own, 0700) != 0 && errno != EEXIST)
            return -1;
        const char *files[] = {"server.pem", "server.key", "ca.pem"};
        for (int k = 0; k < 3; k++) {
            char from[700], to[700];
            snprintf(from, sizeof from, "%s/%s", dir, files[k]);
            snprintf(to, sizeof to, "%s/%s", own, files[k]);
            if (copy_file(from, to) != 0)
                return -1;
        }
        unlink(mfile);
        const char *argv[32] = {"--metrics-listen",    "127.0.0.1", "--metrics-port", "0",
                                "--metrics-port-file", mfile};
        int k = 6;
        for (int e = 0; extra && extra[e] && k < 31; e++)
            argv[k++] = extra[e];
        argv[k] = NULL;
        if (tsrv_start(&s[i], pg, exe, conninfo, own, argv) != 0)
            return -1;
        if ((mports[i] = await_int_file(mfile, 10000)) <= 0) {
            fprintf(stderr, "tsrv: no metrics port in %s\n", mfile);
            return -1;
        }
    }
    return 0;
}
