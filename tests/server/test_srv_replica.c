/*
 * The tests' streaming replica (tpg_replica_start): a row written on the
 * primary is replayed on the replica, which refuses writes of its own; a
 * replica stopped as a crash would stop it answers nothing while the primary
 * goes on; freeing it leaves no folder behind, and one left running is
 * stopped with its primary. A replica of no running cluster is refused with
 * a sentence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "srvtest.h"

static PGconn *connect_to(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect to %s: %s", conninfo, PQerrorMessage(c));
    return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

/* The note of the row with id, or "" when there is none. */
static void note_of(PGconn *c, int id, char *out, size_t cap)
{
    char sql[100];
    snprintf(sql, sizeof sql, "SELECT note FROM t WHERE id = %d", id);
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    snprintf(out, cap, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
}

/* The replica holds row id of database rep with the note want. */
static void assert_replica_note(const tpg_replica *rep, int id, const char *want)
{
    char replica[300], note[64];
    tpg_replica_conninfo(rep, "rep", replica, sizeof replica);
    PGconn *r = connect_to(replica);
    note_of(r, id, note, sizeof note);
    PQfinish(r);
    assert_string_equal(note, want);
}

static void test_replica_replays_the_primary(void **state)
{
    (void)state;
    tpg *pg = NULL;
    tpg_replica *rep = NULL;
    char err[600], primary[300], replica[300];
    if (tpg_start(0, &pg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(tpg_new_db(pg, "rep", primary, sizeof primary), 0);
    PGconn *p = connect_to(primary);
    exec_ok(p, "CREATE TABLE t (id int PRIMARY KEY, note text)");
    exec_ok(p, "INSERT INTO t VALUES (1, 'before the backup')");

    if (tpg_replica_start(pg, &rep, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_not_equal(tpg_replica_port(rep), 0);
    assert_replica_note(rep, 1, "before the backup");

    /* Written after the backup: it comes over the stream. */
    exec_ok(p, "INSERT INTO t VALUES (2, 'streamed')");
    if (tpg_replica_await(rep, 10000, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_replica_note(rep, 2, "streamed");

    /* A standby takes no writes. */
    tpg_replica_conninfo(rep, "rep", replica, sizeof replica);
    PGconn *r = connect_to(replica);
    PGresult *w = PQexec(r, "INSERT INTO t VALUES (3, 'on the replica')");
    assert_int_equal(PQresultStatus(w), PGRES_FATAL_ERROR);
    assert_non_null(strstr(PQresultErrorMessage(w), "read-only"));
    PQclear(w);
    PQfinish(r);

    /* Stopped as a crash stops it: nothing answers there, the primary goes
     * on, and waiting on the replica says so instead of hanging. */
    tpg_replica_stop(rep, 1);
    PGconn *gone = PQconnectdb(replica);
    assert_int_not_equal(PQstatus(gone), CONNECTION_OK);
    PQfinish(gone);
    exec_ok(p, "INSERT INTO t VALUES (4, 'after the replica stopped')");
    assert_int_equal(tpg_replica_await(rep, 100, err, sizeof err), -1);
    assert_non_null(strstr(err, "the replica does not answer"));
    PQfinish(p);

    char dir[400];
    snprintf(dir, sizeof dir, "%s/replica-1", tpg_dir(pg));
    assert_int_equal(access(dir, F_OK), 0);
    tpg_replica_free(rep);
    assert_int_not_equal(access(dir, F_OK), 0);
    tpg_replica_free(NULL);

    /* A replica left running is stopped and freed with its primary. */
    if (tpg_replica_start(pg, &rep, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_replica_note(rep, 4, "after the replica stopped");
    char pidfile[500];
    snprintf(pidfile, sizeof pidfile, "%s/replica-2/data/postmaster.pid", tpg_dir(pg));
    assert_int_equal(access(pidfile, F_OK), 0);
    tpg_stop(pg);
    assert_int_not_equal(access(pidfile, F_OK), 0);
}

static void test_replica_of_a_stopped_cluster_is_refused(void **state)
{
    (void)state;
    tpg_replica *rep = NULL;
    char err[300] = "";
    assert_int_equal(tpg_replica_start(NULL, &rep, err, sizeof err), -1);
    assert_null(rep);
    assert_non_null(strstr(err, "a replica needs a running primary"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replica_replays_the_primary),
        cmocka_unit_test(test_replica_of_a_stopped_cluster_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
