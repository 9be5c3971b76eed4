/*
 * office_world: a whole server for the office's browser tests, started by
 * the test runner and stopped by it.
 *
 *   office_world --out FILE [--tls DIR]
 *
 * It starts a throwaway PostgreSQL cluster on loopback, makes a CA and a
 * server certificate (or, with --tls, takes those in DIR, made there by the
 * first world that found none, so that one browser trusting that CA can
 * visit several worlds in turn), starts the real blik-server over TLS on a free port,
 * and then writes FILE: a JSON object with the office's address ("url"), the
 * CA file a browser must trust ("ca"), the database's connection string
 * ("conninfo") and the blik-server program ("server"), so that a test can run
 * "server admin --db conninfo ..." against the same database, and the
 * server's log ("log"). FILE appears whole (written aside, then renamed), so
 * a runner that sees it may read it at once.
 *
 * It then waits until it is told to stop, by SIGTERM or SIGINT or by its
 * standard input closing (so a runner that dies stops it too), and stops
 * everything it started. Should blik-server die first, it says so, prints
 * the server's log and exits 1. The exit status is 0 only when blik-server
 * stopped cleanly on SIGTERM.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "srvtest.h"

#ifndef BLIK_SERVER_EXE
#error "BLIK_SERVER_EXE must name the blik-server program"
#endif

static int stop_pipe[2] = {-1, -1};

/* A signal only wakes the loop: everything else happens outside the handler. */
static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    ssize_t n = write(stop_pipe[1], "x", 1);
    (void)n;
    errno = saved;
}

/* Writes s as a JSON string; the paths and connection string are ours, but a
 * quote or a backslash in a folder name must still not break the file. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Writes the world's description to path through a file beside it, renamed
 * into place once complete. 0 or -1. */
static int write_world(const char *path, const tsrv *s, const char *conninfo)
{
    char tmp[1100];
    if (snprintf(tmp, sizeof tmp, "%s.part", path) >= (int)sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fputs("{\"url\":", f);
    json_str(f, s->url);
    fputs(",\"ca\":", f);
    json_str(f, s->ca);
    fputs(",\"conninfo\":", f);
    json_str(f, conninfo);
    fputs(",\"server\":", f);
    json_str(f, BLIK_SERVER_EXE);
    fputs(",\"log\":", f);
    json_str(f, s->log);
    fprintf(f, ",\"pid\":%d}\n", (int)getpid());
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Copies the file name from the folder from into the folder to. 0 or -1. */
static int copy_file(const char *from, const char *to, const char *name)
{
    char a[1100], b[1100], buf[4096];
    snprintf(a, sizeof a, "%s/%s", from, name);
    snprintf(b, sizeof b, "%s/%s", to, name);
    FILE *in = fopen(a, "rb"), *out = in ? fopen(b, "wb") : NULL;
    int rc = in && out ? 0 : -1;
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in && ferror(in))
        rc = -1;
    if (out && fclose(out) != 0)
        rc = -1;
    if (in)
        fclose(in);
    return rc;
}

/* Puts the CA and the server's certificate and key into dir: made there, or
 * with tls named, copied from tls after being made there if tls had none
 * (the certificate names 127.0.0.1, so it serves a world on any port). */
static int make_tls(const char *dir, const char *tls, char *err, size_t errlen)
{
    if (!tls)
        return tca_make(dir, err, errlen);
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/server.pem", tls);
    if (access(probe, R_OK) != 0 && tca_make(tls, err, errlen) != 0)
        return -1;
    static const char *const files[] = {"ca.pem", "server.pem", "server.key"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        if (copy_file(tls, dir, files[i]) != 0) {
            snprintf(err, errlen, "could not copy %s from %s: %s", files[i], tls, strerror(errno));
            return -1;
        }
    return 0;
}

static void print_log(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        fputs(line, stderr);
    if (f)
        fclose(f);
}

/* Waits for a stop signal or the end of standard input; returns 0 then, or
 * -1 if blik-server exited on its own meanwhile. */
static int wait_for_stop(tsrv *s)
{
    for (;;) {
        struct pollfd p[2] = {{stop_pipe[0], POLLIN, 0}, {0, POLLIN, 0}};
        int n = poll(p, 2, 500);
        if (n < 0 && errno != EINTR)
            return 0;
        if (n > 0 && p[0].revents)
            return 0;
        if (n > 0 && p[1].revents) {
            char buf[256];
            ssize_t r = read(0, buf, sizeof buf);
            if (r <= 0)
                return 0; /* closed: whoever started us is gone or done */
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            tpg_unwatch(s->pg, s->pid);
            s->pid = 0;
            fprintf(stderr, "office_world: blik-server exited by itself (status %d); its log:\n",
                    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
            print_log(s->log);
            return -1;
        }
    }
}

int main(int argc, char **argv)
{
    const char *out = NULL, *tls = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--tls") == 0 && i + 1 < argc)
            tls = argv[++i];
        else {
            fprintf(stderr, "usage: office_world --out FILE [--tls DIR]\n");
            return 2;
        }
    }
    if (!out || strlen(out) > 1000 || (tls && strlen(tls) > 1000)) {
        fprintf(stderr, "usage: office_world --out FILE [--tls DIR]\n");
        return 2;
    }
    if (pipe(stop_pipe) != 0) {
        perror("office_world: pipe");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[400], conninfo[512];
    tpg *pg = NULL;
    tsrv srv;
    memset(&srv, 0, sizeof srv);
    int rc = 1;
    if (tpg_start(0, &pg, err, sizeof err) != 0) {
        fprintf(stderr, "office_world: %s\n", err);
        goto done;
    }
    if (make_tls(tpg_dir(pg), tls, err, sizeof err) != 0) {
        fprintf(stderr, "office_world: %s\n", err);
        goto done;
    }
    if (tpg_new_db(pg, "office", conninfo, sizeof conninfo) != 0) {
        fprintf(stderr, "office_world: could not make the database\n");
        goto done;
    }
    if (tsrv_start(&srv, pg, BLIK_SERVER_EXE, conninfo, tpg_dir(pg), NULL) != 0) {
        fprintf(stderr, "office_world: blik-server did not start; its log:\n");
        print_log(srv.log);
        goto done;
    }
    if (write_world(out, &srv, conninfo) != 0) {
        fprintf(stderr, "office_world: could not write %s: %s\n", out, strerror(errno));
        goto done;
    }
    if (wait_for_stop(&srv) != 0)
        goto done;
    rc = tsrv_stop(&srv);
    if (rc != 0) {
        fprintf(stderr, "office_world: blik-server did not stop cleanly (status %d); its log:\n",
                rc);
        print_log(srv.log);
        rc = 1;
    }
done:
    if (srv.pid > 0)
        tsrv_kill(&srv);
    tpg_stop(pg);
    unlink(out);
    return rc;
}
