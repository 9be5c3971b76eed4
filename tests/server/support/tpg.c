/*
 * A throwaway PostgreSQL cluster per test program, and a watcher process that
 * cleans up after the program even if it dies. PostgreSQL refuses to run as
 * root, so when the tests run as root (as CI does) its commands run as the
 * postgres user, in a folder that user owns.
 *
 * initdb takes seconds, and dozens of test programs each make a cluster, so
 * under ctest one data folder is made by initdb once per run (the fixture
 * pg_template) and each program copies it (BLIK_PG_TEMPLATE names it); a
 * program run alone makes its own with initdb, as before.
 */
#include "srvtest.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

/* Replicas of one cluster at once: a test wants one or two. */
#define TPG_REPLICAS_MAX 8

struct tpg {
    char dir[256];
    char bin[256];
    char conninfo[256];
    int port;
    int as_postgres; /* run PostgreSQL's commands through runuser */
    int watch_fd;    /* write end of the watcher's pipe */
    pid_t watcher;
    int running;
    int durable;                         /* as tpg_start was asked, for its replicas too */
    int replicas;                        /* how many replicas were made: the next one's number */
    tpg_replica *live[TPG_REPLICAS_MAX]; /* those not yet freed */
};

struct tpg_replica {
    tpg *pg;
    char dir[300]; /* <cluster>/replica-N, holding data and the logs */
    int port;
    int running;
};

const char *tpg_dir(const tpg *pg) { return pg->dir; }

/* The postmaster's id from the pid file in data, or 0. */
static long pid_in(const char *data)
{
    char path[420];
    snprintf(path, sizeof path, "%s/postmaster.pid", data);
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (!f || fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    if (f)
        fclose(f);
    return pid;
}

long tpg_postmaster_pid(const tpg *pg)
{
    char data[300];
    snprintf(data, sizeof data, "%s/data", pg->dir);
    return pid_in(data);
}

/* Runs argv (through runuser when needed), output to log; returns the exit
 * status or -1. */
static int run(const tpg *pg, const char *const *argv, const char *log)
{
    const char *full[40];
    int n = 0;
    if (pg->as_postgres) {
        full[n++] = "runuser";
        full[n++] = "-u";
        full[n++] = "postgres";
        full[n++] = "--";
    }
    for (int i = 0; argv[i] && n < 39; i++)
        full[n++] = argv[i];
    full[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        execvp(full[0], (char *const *)full);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The newest installed server binaries: pg_config may name the client's
 * folder only, so look where Debian puts each major version. */
static int find_bin(char *out, size_t cap)
{
    glob_t g;
    int best = -1, found = -1;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            int v = atoi(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"));
            if (v > best) {
                best = v;
                found = (int)i;
            }
        }
        if (found >= 0) {
            snprintf(out, cap, "%s", g.gl_pathv[found]);
            *strrchr(out, '/') = 0;
        }
    }
    globfree(&g);
    if (found >= 0)
        return 0;
    const char *env = getenv("BLIK_PG_BIN");
    if (env) {
        snprintf(out, cap, "%s", env);
        return 0;
    }
    return -1;
}

/* Runs initdb into data, as every cluster here is made: the user blik,
 * trusted on this machine only, UTF-8 without a locale; or, for a benchmark,
 * with the locale BLIK_PG_LOCALE names (such as C.UTF-8, the locale of the
 * office's cluster that `.ci/start` makes), to see what comparing texts by
 * a locale costs. 0, or -1 with err. */
static int run_initdb(const tpg *pg, const char *data, const char *log, char *err, size_t errlen)
{
    char initdb[300], locale[80] = "--no-locale";
    snprintf(initdb, sizeof initdb, "%s/initdb", pg->bin);
    const char *loc = getenv("BLIK_PG_LOCALE");
    if (loc && *loc)
        snprintf(locale, sizeof locale, "--locale=%s", loc);
    const char *ia[] = {initdb,  "-D", data,   "-U",   "blik",      "-A",
                        "trust", "-E", "UTF8", locale, "--no-sync", NULL};
    if (run(pg, ia, log) != 0) {
        snprintf(err, errlen, "initdb failed; see %s", log);
        return -1;
    }
    return 0;
}

/* The major version in a data folder's PG_VERSION, or -1. */
static int data_version(const char *data)
{
    char path[400], line[16] = "";
    snprintf(path, sizeof path, "%s/PG_VERSION", data);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int v = fgets(line, sizeof line, f) ? atoi(line) : -1;
    fclose(f);
    return v > 0 ? v : -1;
}

/* The major version of the server programs in bin (/usr/lib/postgresql/15/bin
 * is 15; a folder from BLIK_PG_BIN that does not say is 0). */
static int bin_version(const char *bin)
{
    const char *p = strstr(bin, "/postgresql/");
    return p ? atoi(p + strlen("/postgresql/")) : 0;
}

/* Makes the cluster's data folder: a copy of the run's template when
 * BLIK_PG_TEMPLATE names one, else initdb's own. A template that is named
 * but missing, or made by another major version, is an error and not a
 * quiet initdb, so that a broken fixture shows. 0, or -1 with err. */
static int make_data(const tpg *pg, const char *data, const char *log, char *err, size_t errlen)
{
    const char *tmpl = getenv("BLIK_PG_TEMPLATE");
    if (!tmpl || !*tmpl)
        return run_initdb(pg, data, log, err, errlen);
    char from[300];
    snprintf(from, sizeof from, "%s/data", tmpl);
    int have = data_version(from), want = bin_version(pg->bin);
    if (have < 0) {
        snprintf(err, errlen,
                 "BLIK_PG_TEMPLATE names %s, which holds no cluster (ctest's fixture "
                 "pg_template makes it; unset the variable to run initdb instead)",
                 tmpl);
        return -1;
    }
    if (want > 0 && have != want) {
        snprintf(err, errlen, "the cluster template %s is of PostgreSQL %d, the server is %d", tmpl,
                 have, want);
        return -1;
    }
    /* As the postgres user when we are root, so that the copy is its own. */
    const char *cp[] = {"cp", "-R", "-p", from, data, NULL};
    if (run(pg, cp, log) != 0) {
        snprintf(err, errlen, "copying the cluster template %s failed; see %s", from, log);
        return -1;
    }
    return 0;
}

int tpg_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static void rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                rmtree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Stops the cluster in the data folder data, if it runs. */
static void pg_ctl_stop_data(const tpg *pg, const char *data, const char *mode)
{
    char pidfile[420];
    snprintf(pidfile, sizeof pidfile, "%s/postmaster.pid", data);
    if (access(pidfile, F_OK) != 0)
        return;
    char ctl[300];
    snprintf(ctl, sizeof ctl, "%s/pg_ctl", pg->bin);
    const char *argv[] = {ctl, "stop", "-D", data, "-m", mode, "-w", "-t", "30", NULL};
    run(pg, argv, NULL);
}

static void pg_ctl_stop(const tpg *pg, const char *mode)
{
    char data[300];
    snprintf(data, sizeof data, "%s/data", pg->dir);
    pg_ctl_stop_data(pg, data, mode);
}

/* Stops every replica whose folder is under the cluster's (replica-N): the
 * watcher's copy of the cluster was made before any replica started, so it
 * looks for them. */
static void replicas_stop(const tpg *pg)
{
    char pattern[300];
    snprintf(pattern, sizeof pattern, "%s/replica-*/data", pg->dir);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; i++)
            pg_ctl_stop_data(pg, g.gl_pathv[i], "immediate");
    globfree(&g);
}

/* The watcher: waits for the test program's end of the pipe to close (which
 * happens however the program ends), then kills what is still registered,
 * stops the cluster and removes the folder. */
static void watcher(tpg *pg, int rfd)
{
    pid_t pids[64];
    int n = 0;
    char line[64];
    size_t used = 0;
    for (;;) {
        ssize_t k = read(rfd, line + used, sizeof line - 1 - used);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        used += (size_t)k;
        line[used] = 0;
        char *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = 0;
            pid_t p = (pid_t)atoi(line + 1);
            if (line[0] == '+' && n < 64)
                pids[n++] = p;
            for (int i = 0; line[0] == '-' && i < n; i++)
                if (pids[i] == p)
                    pids[i--] = pids[--n];
            memmove(line, nl + 1, strlen(nl + 1) + 1);
            used = strlen(line);
        }
    }
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    replicas_stop(pg);
    pg_ctl_stop(pg, "immediate");
    if (!getenv("BLIK_TEST_KEEP"))
        rmtree(pg->dir);
    _exit(0);
}

void tpg_watch(tpg *pg, pid_t pid)
{
    char m[32];
    int k = snprintf(m, sizeof m, "+%d\n", (int)pid);
    if (pg && write(pg->watch_fd, m, (size_t)k) != k)
        fprintf(stderr, "tpg: could not register process %d with the watcher\n", (int)pid);
}

void tpg_unwatch(tpg *pg, pid_t pid)
{
    char m[32];
    int k = snprintf(m, sizeof m, "-%d\n", (int)pid);
    if (pg && write(pg->watch_fd, m, (size_t)k) != k)
        fprintf(stderr, "tpg: could not unregister process %d\n", (int)pid);
}

/* The run's template: a folder holding one data folder made by initdb. It is
 * made afresh each time (a template left by an earlier run may be of another
 * PostgreSQL), and only a folder named as a template is ever removed. */
static int template_name_ok(const char *path, char *err, size_t errlen)
{
    const char *base = strrchr(path, '/');
    if (!base || strncmp(base + 1, "blik-pg-template", strlen("blik-pg-template")) != 0 ||
        strlen(path) > 200) {
        snprintf(err, errlen, "%s is not a cluster template's folder (blik-pg-template...)", path);
        return -1;
    }
    return 0;
}

int tpg_template_make(const char *path, char *err, size_t errlen)
{
    if (template_name_ok(path, err, errlen) != 0)
        return -1;
    tpg pg;
    memset(&pg, 0, sizeof pg);
    if (find_bin(pg.bin, sizeof pg.bin) != 0) {
        snprintf(err, errlen,
                 "PostgreSQL's server programs were not found "
                 "(install postgresql, or set BLIK_PG_BIN)");
        return -1;
    }
    rmtree(path);
    if (mkdir(path, 0755) != 0) {
        snprintf(err, errlen, "cannot make %s: %s", path, strerror(errno));
        return -1;
    }
    pg.as_postgres = geteuid() == 0;
    if (pg.as_postgres) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw || chown(path, pw->pw_uid, pw->pw_gid) != 0) {
            snprintf(err, errlen,
                     "running as root, but there is no postgres user to run "
                     "PostgreSQL as");
            rmdir(path);
            return -1;
        }
    }
    chmod(path, 0755);
    char data[300], log[300];
    snprintf(data, sizeof data, "%s/data", path);
    snprintf(log, sizeof log, "%s/commands.log", path);
    return run_initdb(&pg, data, log, err, errlen);
}

int tpg_template_remove(const char *path, char *err, size_t errlen)
{
    if (template_name_ok(path, err, errlen) != 0)
        return -1;
    rmtree(path);
    if (access(path, F_OK) == 0) {
        snprintf(err, errlen, "%s could not be removed", path);
        return -1;
    }
    return 0;
}

/* The options a cluster of ours starts with: on loopback at port, its socket
 * in sockdir, and the settings a replica must share with its primary
 * (a hot standby refuses to start with fewer connections than the primary). */
/* BLIK_PG_OPTIONS adds settings of one's own, such as
 * "-c log_min_duration_statement=0" to see where a benchmark's time goes. */
static void start_opts(char *out, size_t cap, int port, const char *sockdir, int durable)
{
    const char *more = getenv("BLIK_PG_OPTIONS");
    snprintf(out, cap,
             "-c listen_addresses=127.0.0.1 -p %d -k %s -c max_connections=200 "
             "-c shared_buffers=64MB%s %s",
             port, sockdir, durable ? "" : " -c fsync=off -c full_page_writes=off",
             more ? more : "");
}

int tpg_start(int durable, tpg **out, char *err, size_t errlen)
{
    *out = NULL;
    tpg *pg = calloc(1, sizeof *pg);
    if (!pg) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pg->watch_fd = -1;
    pg->durable = durable;
    if (find_bin(pg->bin, sizeof pg->bin) != 0) {
        snprintf(err, errlen,
                 "PostgreSQL's server programs were not found "
                 "(install postgresql, or set BLIK_PG_BIN)");
        free(pg);
        return -1;
    }
    snprintf(pg->dir, sizeof pg->dir, "/tmp/blik-pg-XXXXXX");
    if (!mkdtemp(pg->dir)) {
        snprintf(err, errlen, "cannot make a folder under /tmp");
        free(pg);
        return -1;
    }
    pg->as_postgres = geteuid() == 0;
    if (pg->as_postgres) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw || chown(pg->dir, pw->pw_uid, pw->pw_gid) != 0) {
            snprintf(err, errlen,
                     "running as root, but there is no postgres user to run "
                     "PostgreSQL as");
            rmdir(pg->dir);
            free(pg);
            return -1;
        }
    }
    chmod(pg->dir, 0755);
    int fds[2];
    if (pipe(fds) != 0 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe failed");
        rmdir(pg->dir);
        free(pg);
        return -1;
    }
    pid_t w = fork();
    if (w == 0) {
        close(fds[1]);
        setsid(); /* not killed with the test's process group by a timeout */
        watcher(pg, fds[0]);
    }
    close(fds[0]);
    pg->watch_fd = fds[1];
    pg->watcher = w;
    *out = pg;

    char data[300], log[300], pglog[300], ctl[300];
    snprintf(data, sizeof data, "%s/data", pg->dir);
    /* Our log of the commands, and the server's own, which it must own. */
    snprintf(log, sizeof log, "%s/commands.log", pg->dir);
    snprintf(pglog, sizeof pglog, "%s/data/postgres.log", pg->dir);
    snprintf(ctl, sizeof ctl, "%s/pg_ctl", pg->bin);
    if (make_data(pg, data, log, err, errlen) != 0)
        return -1;
    for (int attempt = 0; attempt < 5; attempt++) {
        pg->port = tpg_free_port();
        char opts[600];
        start_opts(opts, sizeof opts, pg->port, pg->dir, durable);
        const char *sa[] = {ctl,  "start", "-D", data, "-l", pglog,
                            "-w", "-t",    "60", "-o", opts, NULL};
        if (run(pg, sa, log) == 0) {
            pg->running = 1;
            snprintf(pg->conninfo, sizeof pg->conninfo,
                     "host=127.0.0.1 port=%d user=blik dbname=postgres connect_timeout=10",
                     pg->port);
            return 0;
        }
    }
    snprintf(err, errlen, "PostgreSQL did not start; see %s", pglog);
    return -1;
}

int tpg_new_db(tpg *pg, const char *name, char *conninfo, size_t cap)
{
    PGconn *c = PQconnectdb(pg->conninfo);
    int ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
        char sql[200];
        snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
        PGresult *r = PQexec(c, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "tpg: %s", PQresultErrorMessage(r));
        PQclear(r);
    }
    PQfinish(c);
    if (ok)
        snprintf(conninfo, cap, "host=127.0.0.1 port=%d user=blik dbname=%s connect_timeout=10",
                 pg->port, name);
    return ok ? 0 : -1;
}

void tpg_stop(tpg *pg)
{
    if (!pg)
        return;
    for (int i = 0; i < TPG_REPLICAS_MAX; i++)
        tpg_replica_free(pg->live[i]);
    if (pg->running)
        pg_ctl_stop(pg, "fast");
    if (pg->watch_fd >= 0)
        close(pg->watch_fd); /* the watcher now removes the folder and exits */
    if (pg->watcher > 0)
        while (waitpid(pg->watcher, NULL, 0) < 0 && errno == EINTR) {
        }
    free(pg);
}

int tpg_replica_start(tpg *pg, tpg_replica **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!pg || !pg->running) {
        snprintf(err, errlen, "a replica needs a running primary");
        return -1;
    }
    int slot = 0;
    while (slot < TPG_REPLICAS_MAX && pg->live[slot])
        slot++;
    if (slot == TPG_REPLICAS_MAX) {
        snprintf(err, errlen, "a cluster has at most %d replicas at once", TPG_REPLICAS_MAX);
        return -1;
    }
    tpg_replica *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->pg = pg;
    pg->live[slot] = r;
    snprintf(r->dir, sizeof r->dir, "%s/replica-%d", pg->dir, ++pg->replicas);
    if (mkdir(r->dir, 0755) != 0) {
        snprintf(err, errlen, "cannot make %s: %s", r->dir, strerror(errno));
        pg->live[slot] = NULL;
        free(r);
        return -1;
    }
    if (pg->as_postgres) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw || chown(r->dir, pw->pw_uid, pw->pw_gid) != 0) {
            snprintf(err, errlen, "cannot give %s to the postgres user", r->dir);
            rmdir(r->dir);
            pg->live[slot] = NULL;
            free(r);
            return -1;
        }
    }
    char data[400], log[400], pglog[400], prog[300], port[16];
    snprintf(data, sizeof data, "%s/data", r->dir);
    snprintf(log, sizeof log, "%s/commands.log", r->dir);
    snprintf(pglog, sizeof pglog, "%s/postgres.log", r->dir);
    snprintf(port, sizeof port, "%d", pg->port);
    /* A fresh base backup over the replication protocol; -R writes
     * standby.signal and primary_conninfo, so the copy starts as a standby
     * that streams from the primary. */
    snprintf(prog, sizeof prog, "%s/pg_basebackup", pg->bin);
    const char *bb[] = {prog, "-h", "127.0.0.1", "-p",     port, "-U",   "blik",      "-D",
                        data, "-R", "-X",        "stream", "-c", "fast", "--no-sync", NULL};
    if (run(pg, bb, log) != 0) {
        snprintf(err, errlen, "pg_basebackup from the primary failed; see %s", log);
        *out = r; /* tpg_replica_free removes the folder */
        return -1;
    }
    *out = r;
    snprintf(prog, sizeof prog, "%s/pg_ctl", pg->bin);
    for (int attempt = 0; attempt < 5; attempt++) {
        r->port = tpg_free_port();
        char opts[600];
        start_opts(opts, sizeof opts, r->port, r->dir, pg->durable);
        /* -w waits until the standby is consistent and takes reads. */
        const char *sa[] = {prog, "start", "-D", data, "-l", pglog,
                            "-w", "-t",    "60", "-o", opts, NULL};
        if (run(pg, sa, log) == 0) {
            r->running = 1;
            return 0;
        }
    }
    snprintf(err, errlen, "the replica did not start; see %s", pglog);
    return -1;
}

int tpg_replica_port(const tpg_replica *r) { return r->port; }

long tpg_replica_postmaster_pid(const tpg_replica *r)
{
    char data[400];
    snprintf(data, sizeof data, "%s/data", r->dir);
    return r->running ? pid_in(data) : 0;
}

void tpg_replica_conninfo(const tpg_replica *r, const char *dbname, char *conninfo, size_t cap)
{
    snprintf(conninfo, cap, "host=127.0.0.1 port=%d user=blik dbname=%s connect_timeout=10",
             r->port, dbname);
}

/* One value of a one-row query, or -1 when the query did not answer. */
static int query_text(PGconn *c, const char *sql, char *out, size_t cap)
{
    PGresult *res = PQexec(c, sql);
    int ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
             !PQgetisnull(res, 0, 0);
    if (ok)
        snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return ok ? 0 : -1;
}

int tpg_replica_await(tpg_replica *r, int timeout_ms, char *err, size_t errlen)
{
    char conninfo[300], lsn[64], sql[200], got[16] = "";
    PGconn *p = PQconnectdb(r->pg->conninfo);
    int rc = PQstatus(p) == CONNECTION_OK
                 ? query_text(p, "SELECT pg_current_wal_lsn()", lsn, sizeof lsn)
                 : -1;
    PQfinish(p);
    if (rc != 0) {
        snprintf(err, errlen, "the primary did not say where its WAL ends");
        return -1;
    }
    tpg_replica_conninfo(r, "postgres", conninfo, sizeof conninfo);
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "the replica does not answer: %s", PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    snprintf(sql, sizeof sql, "SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn", lsn);
    struct timespec ts = {0, 5 * 1000000L};
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        if (query_text(c, sql, got, sizeof got) != 0)
            break;
        if (got[0] == 't') {
            PQfinish(c);
            return 0;
        }
        nanosleep(&ts, NULL);
    }
    PQfinish(c);
    snprintf(err, errlen, "the replica did not replay up to %s within %d ms", lsn, timeout_ms);
    return -1;
}

void tpg_replica_stop(tpg_replica *r, int immediate)
{
    if (!r || !r->running)
        return;
    char data[400];
    snprintf(data, sizeof data, "%s/data", r->dir);
    pg_ctl_stop_data(r->pg, data, immediate ? "immediate" : "fast");
    r->running = 0;
}

void tpg_replica_free(tpg_replica *r)
{
    if (!r)
        return;
    tpg_replica_stop(r, 0);
    if (!getenv("BLIK_TEST_KEEP"))
        rmtree(r->dir);
    for (int i = 0; i < TPG_REPLICAS_MAX; i++)
        if (r->pg->live[i] == r)
            r->pg->live[i] = NULL;
    free(r);
}
