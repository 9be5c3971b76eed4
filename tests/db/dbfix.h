#ifndef BLIK_DBFIX_H
#define BLIK_DBFIX_H
/* A store in a fresh folder with the demo unit loaded, on a fake clock. */
#include "db.h"
#include "demo.h"
#include "plat.h"

#define FIX_T0 1795000000000LL /* 2026-11-19, a Thursday morning */
#define FIX_FOCUS "0b11c000-0000-4000-8000-000000000041"
#define FIX_SIGN1 "0b11c000-0000-4000-8000-000000000051"
#define FIX_LEADER "0b11c000-0000-4000-8000-000000000021"
#define FIX_PEER_A "0b11c000-0000-4000-8000-000000000023"
#define FIX_PEER_B "0b11c000-0000-4000-8000-000000000024"
#define FIX_PEER_C "0b11c000-0000-4000-8000-000000000025"
#define FIX_ROOM "0b11c000-0000-4000-8000-000000000011"

typedef struct {
    char dir[1024];
    char path[1100];
    plat_sys *sys;
    db *d;
} dbfix;

/* Returns 0, or -1 with a message on stderr. */
int dbfix_open(dbfix *f, const char *name, int with_demo);
void dbfix_close(dbfix *f);
/* Starts an observation of peer B by peer A in the demo's first focus. */
int dbfix_start(dbfix *f, model_id id);
/* The same in a store the test opened itself. */
int dbfix_start_in(db *d, model_id id);
/* Counts rows: SELECT count(*) FROM <table> [WHERE ...] through a second,
 * plain connection, so the test does not trust the store to report on
 * itself. */
long dbfix_count(const char *path, const char *table_and_where);
/* Runs one statement through a plain connection; returns the SQLite code. */
int dbfix_exec(const char *path, const char *sql);

#endif
