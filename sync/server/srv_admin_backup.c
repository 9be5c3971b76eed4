/*
 * Backing up and restoring the whole database ("blik-server admin backup"
 * and "restore"). The copy itself is PostgreSQL's own: pg_dump in its
 * custom format, which reads one consistent snapshot while servers keep
 * serving, and pg_restore, in one transaction. What these commands add is
 * what an administrator would otherwise have to know: a backup is checked
 * readable before it takes the file's name, a restore goes only into an
 * empty database, refuses a backup newer than this server, brings an older
 * one up to this server's schema, and moves every unit's feed ahead so
 * that no tablet's cursor is past what is published after the restore.
 *
 * Both commands connect without migrating (see srv_admin.c): a backup
 * taken with a newer blik-server before an upgrade must leave the database
 * as it was, and a restore needs the database empty.
 */
#include "srv_admin_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The most a program's messages and the schema listing may fill. */
#define ERR_MAX (16 * 1024)
#define OUT_MAX (1024 * 1024)

/*
 * How far a restore moves every unit's feed counter ahead. A tablet may
 * hold a cursor from the server that was lost, up to whatever was
 * published there after the backup; what is published after the restore
 * must come after that cursor, or the tablet would never pull it. A
 * billion is more than any unit publishes between two backups, and a
 * bigint takes billions of restores.
 */
#define FEED_GAP "1000000000"

extern char **environ;

/*
 * The environment for a PostgreSQL program: ours, with every parameter of
 * the open connection that libpq also reads from a variable (PGHOST,
 * PGPORT, PGUSER, PGPASSWORD, PGSSLMODE, ...) set to the connection's
 * value. Made before fork, so the child only has to take it. NULL when out
 * of memory; free with env_free.
 */
static char **env_for(PGconn *pg)
{
    PQconninfoOption *opts = PQconninfo(pg);
    size_t n_env = 0, n_opt = 0;
    while (environ && environ[n_env])
        n_env++;
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        n_opt++;
    char **env = calloc(n_env + n_opt + 1, sizeof *env);
    size_t k = 0;
    int ok = env != NULL;
    for (PQconninfoOption *o = opts; ok && o && o->keyword; o++) {
        if (!o->envvar || !o->val || !*o->val)
            continue;
        size_t len = strlen(o->envvar) + strlen(o->val) + 2;
        if (!(env[k] = malloc(len)))
            ok = 0;
        else
            snprintf(env[k++], len, "%s=%s", o->envvar, o->val);
    }
    size_t set = k;
    for (size_t i = 0; ok && i < n_env; i++) {
        size_t name = strcspn(environ[i], "=");
        int overridden = 0;
        for (size_t j = 0; j < set && !overridden; j++)
            overridden = !strncmp(env[j], environ[i], name + 1);
        if (!overridden && !(env[k++] = strdup(environ[i])))
            ok = 0;
    }
    PQconninfoFree(opts);
    if (!ok && env) {
        for (size_t i = 0; env[i]; i++)
            free(env[i]);
        free(env);
        return NULL;
    }
    return env;
}

static void env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++) {
        /* A password may be among them. */
        memset(env[i], 0, strlen(env[i]));
        free(env[i]);
    }
    free(env);
}

/*
 * Runs a PostgreSQL program (argv[0], found on PATH) against the database
 * of c->pg. The connection's parameters reach it as the environment
 * variables libpq reads (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE,
 * ...), so that a password is never on a command line, where ps shows it.
 * Its standard output is kept in *out (malloc'd, NUL-terminated, at most
 * OUT_MAX bytes; NULL when out is NULL, then it is thrown away) and its
 * messages are copied to c->err. Returns its exit status, 127 when it could
 * not be started, or -1.
 */
static int run_pg(const srv_admin_cmd *c, const char *const *argv, char **out)
{
    int po[2], pe[2];
    if (out)
        *out = NULL;
    if (pipe(po) != 0)
        return -1;
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    char **env = env_for(c->pg);
    fflush(NULL);
    pid_t pid = env ? fork() : -1;
    if (pid < 0) {
        env_free(env);
        close(po[0]);
        close(po[1]);
        close(pe[0]);
        close(pe[1]);
        return -1;
    }
    if (pid == 0) {
        environ = env;
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execvp(argv[0], (char *const *)argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    env_free(env);
    close(po[1]);
    close(pe[1]);
    char *obuf = NULL, ebuf[ERR_MAX + 1];
    size_t olen = 0, elen = 0;
    if (out && !(obuf = malloc(OUT_MAX + 1)))
        out = NULL;
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[8192];
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            /* Past the caps the rest is read and dropped, so the program
             * never blocks on a full pipe. */
            if (i == 0 && obuf) {
                size_t k = olen + (size_t)n > OUT_MAX ? OUT_MAX - olen : (size_t)n;
                memcpy(obuf + olen, chunk, k);
                olen += k;
            } else if (i == 1) {
                size_t k = elen + (size_t)n > ERR_MAX ? ERR_MAX - elen : (size_t)n;
                memcpy(ebuf + elen, chunk, k);
                elen += k;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    ebuf[elen] = 0;
    if (elen)
        fprintf(c->err, "%s", ebuf);
    if (obuf) {
        obuf[olen] = 0;
        *out = obuf;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Says that a program could not be run, with the package to install when
 * it was not found. */
static void not_run(const srv_admin_cmd *c, const char *prog, int rc)
{
    if (rc == 127)
        fprintf(c->err,
                "%s: %s was not found; it comes with PostgreSQL's client programs "
                "(Debian: apt-get install postgresql-client).\n",
                c->name, prog);
    else
        fprintf(c->err, "%s: %s failed (exit status %d).\n", c->name, prog, rc);
}

/* The database's schema version, or -1 (said on c->err) when it holds no
 * Blik schema or cannot be read. */
static int db_schema(const srv_admin_cmd *c)
{
    char e[400];
    PGresult *r = srv_q(c->pg, "SELECT max(version) FROM schema_migrations", 0, NULL, e, sizeof e);
    int v = r && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    if (v < 0)
        fprintf(c->err, "%s: the database %s holds no Blik schema.\n", c->name, PQdb(c->pg));
    return v;
}

/*
 * The schema version a backup was made at: the largest version in its
 * schema_migrations, read from the file by pg_restore as the COPY text of
 * that one table. -1 when pg_restore cannot read the file, -2 when it is
 * readable but not a Blik database's (both said on c->err).
 */
static int backup_schema(const srv_admin_cmd *c, const char *path)
{
    const char *argv[] = {"pg_restore", "--data-only", "--table=schema_migrations",
                          "--file=-",   path,          NULL};
    char *text = NULL;
    int rc = run_pg(c, argv, &text);
    if (rc != 0) {
        free(text);
        if (rc == 127)
            not_run(c, "pg_restore", rc);
        else
            fprintf(c->err, "%s: %s is not a backup pg_restore can read.\n", c->name, path);
        return -1;
    }
    int top = -2;
    const char *p = text ? strstr(text, "\nCOPY public.schema_migrations ") : NULL;
    if (p)
        p = strchr(p + 1, '\n');
    while (p && p[1] && strncmp(p + 1, "\\.", 2) != 0) {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end != p + 1 && *end == '\t' && v > top && v < 1000000)
            top = (int)v;
        p = strchr(p + 1, '\n');
    }
    free(text);
    if (top < 1) {
        fprintf(c->err, "%s: %s is not a backup of a Blik database (it has no schema version).\n",
                c->name, path);
        return -2;
    }
    return top;
}

int srv_admin_backup(srv_admin_cmd *c)
{
    const char *path = c->val[SRV_OPT_OUT];
    int v = db_schema(c);
    if (v < 0)
        return 1;
    char e[600];
    long long audit_id = srv_admin_audit_begin(c, e, sizeof e);
    if (audit_id < 0) {
        fprintf(c->err, "%s: not run, because the audit log cannot be written: %s\n", c->name, e);
        return 1;
    }
    /* Written beside its name first and renamed when whole and readable,
     * so a file of that name is never half a backup. */
    char tmp[SRV_PATH_MAX + 16];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.part", path) >= sizeof tmp) {
        fprintf(c->err, "%s: the file name is too long.\n", c->name);
        srv_admin_audit_end(c, audit_id, 1);
        return 1;
    }
    /* The file holds everyone's names and words: it is made the owner's
     * alone before pg_dump writes into it (pg_dump keeps a file's mode). */
    unlink(tmp);
    int pfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (pfd < 0 || close(pfd) != 0) {
        fprintf(c->err, "%s: cannot write %s.\n", c->name, tmp);
        srv_admin_audit_end(c, audit_id, 1);
        return 1;
    }
    char file_arg[SRV_PATH_MAX + 32], db_arg[300];
    snprintf(file_arg, sizeof file_arg, "--file=%s", tmp);
    snprintf(db_arg, sizeof db_arg, "--dbname=%s", PQdb(c->pg));
    const char *dump[] = {
        "pg_dump", "--format=custom", "--no-owner", "--no-privileges", file_arg, db_arg, NULL};
    int rc = run_pg(c, dump, NULL);
    if (rc != 0) {
        not_run(c, "pg_dump", rc);
        unlink(tmp);
        srv_admin_audit_end(c, audit_id, 1);
        return 1;
    }
    int got = backup_schema(c, tmp);
    int fd = open(tmp, O_RDONLY);
    struct stat st;
    int synced = fd >= 0 && fsync(fd) == 0 && fstat(fd, &st) == 0;
    if (fd >= 0)
        close(fd);
    if (got != v || !synced || rename(tmp, path) != 0) {
        if (got >= 0 && got != v)
            fprintf(c->err, "%s: the backup says schema %d, the database %d; it is not kept.\n",
                    c->name, got, v);
        else if (got >= 0)
            fprintf(c->err, "%s: cannot write %s.\n", c->name, path);
        unlink(tmp);
        srv_admin_audit_end(c, audit_id, 1);
        return 1;
    }
    fprintf(c->out, "%s\tschema %d\t%lld bytes\n", path, v, (long long)st.st_size);
    srv_admin_audit_end(c, audit_id, 0);
    return 0;
}

/* How many tables, views and sequences the database holds outside
 * PostgreSQL's own schemas; -1 when it cannot be read. */
static long user_relations(const srv_admin_cmd *c)
{
    PGresult *r = srv_admin_query(
        c,
        "SELECT count(*) FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace"
        " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'",
        0, NULL);
    long n = r ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

int srv_admin_restore(srv_admin_cmd *c)
{
    const char *path = c->val[SRV_OPT_FILE];
    if (access(path, R_OK) != 0) {
        fprintf(c->err, "%s: cannot read %s.\n", c->name, path);
        return 1;
    }
    long n = user_relations(c);
    if (n < 0)
        return 1;
    if (n > 0) {
        fprintf(c->err,
                "%s: the database %s is not empty (%ld tables and sequences); a backup is "
                "restored only into a new, empty database (createdb), nothing was changed.\n",
                c->name, PQdb(c->pg), n);
        return 1;
    }
    int from = backup_schema(c, path);
    if (from < 0)
        return 1;
    if (from > SRV_DB_VERSION) {
        fprintf(c->err,
                "%s: %s was made at schema %d, newer than this server's %d; restore it with "
                "the newer blik-server. Nothing was changed.\n",
                c->name, path, from, SRV_DB_VERSION);
        return 1;
    }
    char db_arg[300];
    snprintf(db_arg, sizeof db_arg, "--dbname=%s", PQdb(c->pg));
    const char *restore[] = {"pg_restore",
                             "--no-owner",
                             "--no-privileges",
                             "--single-transaction",
                             "--exit-on-error",
                             db_arg,
                             path,
                             NULL};
    int rc = run_pg(c, restore, NULL);
    if (rc != 0) {
        if (rc == 127)
            not_run(c, "pg_restore", rc);
        else
            fprintf(c->err,
                    "%s: pg_restore failed (exit status %d); it ran as one transaction, "
                    "so nothing was restored.\n",
                    c->name, rc);
        return 1;
    }
    /* An older backup is brought up to this server's schema now, as a
     * server's start would, so the command's outcome is a database ready
     * to serve. */
    char e[600];
    PQclear(PQexec(c->pg, "SET client_min_messages = warning"));
    if (srv_db_migrate(c->pg, e, sizeof e) != 0) {
        fprintf(c->err, "%s: restored at schema %d, but bringing it to %d failed: %s\n", c->name,
                from, SRV_DB_VERSION, e);
        return 1;
    }
    long long audit_id = srv_admin_audit_begin(c, e, sizeof e);
    if (audit_id < 0 || srv_exec(c->pg, "UPDATE units SET feed_seq = feed_seq + " FEED_GAP, 0, NULL,
                                 e, sizeof e) != 0) {
        fprintf(c->err, "%s: restored, but the units' feeds could not be moved ahead: %s\n",
                c->name, e);
        if (audit_id >= 0)
            srv_admin_audit_end(c, audit_id, 1);
        return 1;
    }
    PGresult *r = srv_admin_query(c,
                                  "SELECT (SELECT count(*) FROM units), (SELECT count(*) FROM"
                                  " devices WHERE revoked_at IS NULL), (SELECT count(*) FROM"
                                  " observations)",
                                  0, NULL);
    if (r)
        fprintf(c->out, "%s\tschema %d, now %d\t%s units\t%s tablets\t%s observations\n", path,
                from, SRV_DB_VERSION, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
                PQgetvalue(r, 0, 2));
    PQclear(r);
    srv_admin_audit_end(c, audit_id, 0);
    return 0;
}
