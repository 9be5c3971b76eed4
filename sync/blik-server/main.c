/*
 * blik-server: serve (the default), migrate, or admin. Signals are taken by
 * sigwait() in the main thread only, so a stop never interrupts a request
 * thread in the middle of a database call.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "office.h"
#include "plat.h"
#include "proto.h"
#include "srv.h"

static void usage(FILE *out)
{
    fputs("Usage: blik-server [serve] [OPTIONS]   serve the sync protocol over HTTPS\n"
          "       blik-server migrate [OPTIONS]   bring the database schema up to date\n"
          "       blik-server admin [OPTIONS] COMMAND ...\n"
          "       blik-server --help | --version\n\n"
          "The server logs to standard error. SIGTERM or SIGINT stops it gracefully:\n"
          "it stops accepting, lets requests in flight finish (--grace), then exits.\n\n",
          out);
    srv_config_usage(out);
    fputs("\n", out);
    srv_admin_usage(out);
}

static int serve(int argc, char **argv, int migrate_only)
{
    srv_config cfg;
    int used, rc = srv_config_args(&cfg, argc, argv, &used, usage, stdout, stderr, "blik-server: ");
    if (rc >= 0)
        return rc;
    if (used != argc) {
        fprintf(stderr,
                "blik-server: unknown option (see --help)\n"
                "blik-server: the first one not understood: %s\n",
                argv[used]);
        return 2;
    }
    char err[600];
    if (migrate_only) {
        PGconn *pg = srv_db_connect(cfg.db, err, sizeof err);
        if (!pg) {
            fprintf(stderr, "blik-server: %s\n", err);
            return 1;
        }
        PQfinish(pg);
        srv_log("database is at schema version %d", SRV_DB_VERSION);
        return 0;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* The office's files (catalogues, style sheet) are in the data folder
     * beside the program unless --assets names another. */
    char dir[SRV_PATH_MAX + 1100];
    if (cfg.assets[0])
        snprintf(dir, sizeof dir, "%s", cfg.assets);
    else if (plat_exe_dir(dir, 1024) == 0)
        snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/%s", BLIK_DATA_FROM_BIN);
    srv_web *office = off_new(dir, &cfg, err, sizeof err);
    if (!office) {
        srv_log("cannot start the office: %s", err);
        return 1;
    }
    cfg.web = office;
    srv *s;
    if (srv_start(&cfg, &s) != 0) {
        srv_log("cannot start: %s", srv_errmsg(s));
        srv_free(s);
        off_free(office);
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    srv_log("received %s; stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    srv_stop(s);
    srv_free(s);
    off_free(office);
    return 0;
}

/*
 * The heap keeps up to 8 MiB free at its top instead of glibc's 128 KiB.
 * The server takes its database's answers a batch at a time (an export's
 * 500 rows are a megabyte or so in libpq's result), frees each and
 * allocates the next: with the default, every batch handed the top of the
 * heap back to the kernel and faulted it in again, which was nearly half
 * of the CPU time of a unit's year exported in full detail (58 ms of 116
 * on a million observations, 1,890 page faults against 765).
 */
static void keep_heap_top(void) { mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024); }

int main(int argc, char **argv)
{
    keep_heap_top();
    if (argc > 1 &&
        (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--version")) {
        printf("blik-server (sync schema %d, database schema %d)\n", PROTO_SCHEMA, SRV_DB_VERSION);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "admin"))
        return srv_admin_main(argc - 2, argv + 2, stdin, stdout, stderr);
    if (argc > 1 && !strcmp(argv[1], "migrate"))
        return serve(argc - 2, argv + 2, 1);
    if (argc > 1 && !strcmp(argv[1], "serve"))
        return serve(argc - 2, argv + 2, 0);
    return serve(argc - 1, argv + 1, 0);
}
