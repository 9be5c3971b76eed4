/*
 * A batch of statements with work done while the database runs it
 * (srv_qp_batch_meanwhile), as a push makes its changes' texts while the
 * database takes the unit's lock and looks up what the push names. The
 * batch's first statement waits for an advisory lock that the test's own
 * connection holds, so the batch cannot finish until the work lets the
 * lock go: the work must run, once, while the batch is in flight, and the
 * batch's answers come after it. Also when a statement fails, the work is
 * done once, and the failure told; and a batch tells how many of its
 * statements succeeded (srv_qp_batch_done).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "srv_int.h"

static fx_world W;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_batch", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

#define LOCK_KEY "4242777"

static void exec_ok(PGconn *pg, const char *sql)
{
    PGresult *r = PQexec(pg, sql);
    assert_true(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK);
    PQclear(r);
}

/* The work: waits (at most ten seconds) until the batch's connection waits
 * for the lock, then lets the lock go. 7 when it saw the batch waiting,
 * -1 when it never did. */
typedef struct {
    int calls;
    int saw_waiting;
} work;

static int let_go_when_waiting(void *arg)
{
    work *w = arg;
    w->calls++;
    for (int i = 0; i < 1000 && !w->saw_waiting; i++) {
        PGresult *r = PQexec(W.db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                   " AND NOT granted AND objid = " LOCK_KEY);
        w->saw_waiting = PQresultStatus(r) == PGRES_TUPLES_OK && atoi(PQgetvalue(r, 0, 0)) == 1;
        PQclear(r);
        if (!w->saw_waiting) {
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    exec_ok(W.db, "SELECT pg_advisory_unlock(" LOCK_KEY ")");
    return w->saw_waiting ? 7 : -1;
}

static void test_work_runs_while_the_batch_waits(void **state)
{
    (void)state;
    PGconn *pg = PQconnectdb(W.conninfo);
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    /* Work run only after the answers would leave the batch waiting: it
     * then fails after this long instead of hanging. */
    exec_ok(pg, "SET lock_timeout = '5s'");
    for (int round = 0; round < 3; round++) { /* prepared in the first, kept after */
        exec_ok(W.db, "SELECT pg_advisory_lock(" LOCK_KEY ")");
        const srv_stmt v[] = {{"SELECT pg_advisory_lock(" LOCK_KEY ")", 0, NULL},
                              {"SELECT 40 + $1::int", 1, (const char *const[]){"2"}},
                              {"SELECT pg_advisory_unlock(" LOCK_KEY ")", 0, NULL}};
        PGresult *res[3];
        work w = {0, 0};
        srv_meanwhile mw = {let_go_when_waiting, &w, 0};
        char err[300] = "";
        assert_int_equal(srv_qp_batch_meanwhile(pg, v, 3, res, &mw, err, sizeof err), 0);
        assert_int_equal(w.calls, 1);
        assert_int_equal(mw.rc, 7);
        assert_string_equal(PQgetvalue(res[1], 0, 0), "42");
        for (int i = 0; i < 3; i++)
            PQclear(res[i]);
    }
    PQfinish(pg);
}

static int count_calls(void *arg)
{
    ++*(int *)arg;
    return 3;
}

static void test_work_runs_once_when_a_statement_fails(void **state)
{
    (void)state;
    PGconn *pg = PQconnectdb(W.conninfo);
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    const srv_stmt v[] = {{"SELECT 1", 0, NULL},
                          {"SELECT 1 / $1::int", 1, (const char *const[]){"0"}},
                          {"SELECT 2", 0, NULL}};
    PGresult *res[3];
    int calls = 0;
    srv_meanwhile mw = {count_calls, &calls, 0};
    char err[300] = "";
    assert_int_equal(srv_qp_batch_meanwhile(pg, v, 3, res, &mw, err, sizeof err), -1);
    assert_int_equal(calls, 1);
    assert_int_equal(mw.rc, 3);
    assert_non_null(strstr(err, "[22012]")); /* division by zero */
    for (int i = 0; i < 3; i++)
        assert_null(res[i]);
    /* The connection serves the next batch. */
    const srv_stmt one = {"SELECT 5", 0, NULL};
    PGresult *r = NULL;
    assert_int_equal(srv_qp_batch_meanwhile(pg, &one, 1, &r, &mw, err, sizeof err), 0);
    assert_int_equal(calls, 2);
    assert_string_equal(PQgetvalue(r, 0, 0), "5");
    PQclear(r);
    PQfinish(pg);
}

/*
 * A batch that commits and then fails tells how far it got: the push's
 * last batch ends with its COMMIT and the statements after it, and a
 * failure after the COMMIT means the push is stored. The row written
 * before the COMMIT is there; the failing statement's transaction, and the
 * statement after it, left nothing.
 */
static void test_done_counts_the_statements_that_succeeded(void **state)
{
    (void)state;
    PGconn *pg = PQconnectdb(W.conninfo);
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    exec_ok(pg, "CREATE TABLE batch_done (n int)");
    const srv_stmt v[] = {{"BEGIN", 0, NULL},
                          {"INSERT INTO batch_done VALUES (1)", 0, NULL},
                          {"COMMIT", 0, NULL},
                          {"INSERT INTO batch_done VALUES (2)", 0, NULL},
                          {"SELECT 1 / $1::int", 1, (const char *const[]){"0"}},
                          {"INSERT INTO batch_done VALUES (3)", 0, NULL}};
    char err[300] = "";
    int done = -1;
    assert_int_equal(srv_qp_batch_done(pg, v, 6, &done, err, sizeof err), -1);
    assert_int_equal(done, 4);
    assert_non_null(strstr(err, "[22012]"));
    PGresult *r = PQexec(pg, "SELECT string_agg(n::text, ',' ORDER BY n) FROM batch_done");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    PQclear(r);
    /* A batch that fails at its first statement did nothing; one that
     * succeeds did all. */
    assert_int_equal(srv_qp_batch_done(pg, v + 4, 2, &done, err, sizeof err), -1);
    assert_int_equal(done, 0);
    assert_int_equal(srv_qp_batch_done(pg, v + 3, 1, &done, err, sizeof err), 0);
    assert_int_equal(done, 1);
    exec_ok(pg, "DROP TABLE batch_done");
    PQfinish(pg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_work_runs_while_the_batch_waits),
        cmocka_unit_test(test_work_runs_once_when_a_statement_fails),
        cmocka_unit_test(test_done_counts_the_statements_that_succeeded),
    };
    return cmocka_run_group_tests_name("srv_batch", tests, up, down);
}
