/*
 * A streaming replica serving pulls (the server's `replica` key): a pull
 * reads from the replica once it has replayed the tablet's last push, so a
 * tablet never pulls without what it has just pushed, while another tablet
 * of the unit may read the replica's older picture and gets the rest on its
 * next pull, its cursor never going back. Who the person is and the audit
 * row are the primary's. A replica that stops, or a database that is no
 * replica at all, leaves every pull to the primary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "fixture.h"
#include "plat.h"
#include "srv.h"

static fx_world W;
static fx_unit U;
static fx_device D, D2; /* D pushes; D2, of the same unit, pulls (and pushes once, late) */
static tpg_replica *R;
static char replica_conninfo[600];
static char metrics_url[128];
static int64_t d2_cursor;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_replica", NULL);
}

static int down(void **state)
{
    (void)state;
    /* Before the cluster: stopping it would free a replica still there. */
    tpg_replica_free(R);
    R = NULL;
    return fx_down(&W);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A restart of the server with the given replica and the metrics listener
 * on a free port. */
static void restart_with_replica(const char *replica)
{
    const char *extra[] = {"--replica", replica, NULL};
    char url[96];
    fx_restart_metrics(&W, extra, url, sizeof url);
    snprintf(metrics_url, sizeof metrics_url, "%s/metrics", url);
}

/* How many pulls were read from db for the reason why, by the metrics. */
static double reads(const char *db, const char *why)
{
    thttp_resp r;
    assert_int_equal(thttp("GET", metrics_url, W.srv.ca, NULL, NULL, 0, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char needle[120];
    snprintf(needle, sizeof needle, "\nblik_db_reads_total{db=\"%s\",why=\"%s\"} ", db, why);
    const char *p = strstr(r.body, needle);
    assert_non_null(p);
    double v = strtod(p + strlen(needle), NULL);
    thttp_free(&r);
    return v;
}

/* Runs one statement on the replica as its superuser. */
static void on_replica(const char *sql)
{
    PGconn *c = PQconnectdb(replica_conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

static void await_replica(void)
{
    char err[300];
    if (tpg_replica_await(R, 20000, err, sizeof err) != 0)
        fail_msg("%s", err);
}

/* Pushes one new observation by the unit's first peer from D. */
static void push_obs(model_record *obs)
{
    fx_obs(&U, U.peer1, U.peer2, obs);
    proto_change c;
    fx_change(&c, U.peer1, 0, obs);
    proto_push_reply pr;
    fx_push(&W, &D, &c, 1, &pr);
    assert_int_equal(pr.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&pr);
}

static long long audited_pulls(const fx_device *d)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action = 'pull' AND actor = 'device:%s'", d->id);
    return fx_count(&W, sql);
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Replica unit", &U);
    fx_enrol(&W, U.unit, &D);
    fx_enrol(&W, U.unit, &D2);
    char err[300];
    if (tpg_replica_start(W.pg, &R, err, sizeof err) != 0)
        fail_msg("%s", err);
    tpg_replica_conninfo(R, "blik_replica", replica_conninfo, sizeof replica_conninfo);
    restart_with_replica(replica_conninfo);
}

/* A pull is read from a replica that has replayed what is asked, and the
 * audit row is written on the primary all the same. */
static void test_pull_reads_the_replica(void **state)
{
    (void)state;
    model_record obs;
    push_obs(&obs);
    await_replica();
    double before = reads("replica", "caught_up");
    long long audited = audited_pulls(&D2);
    proto_pull_reply pr;
    fx_pull(&W, &D2, U.leader, 0, 500, &pr);
    assert_true(fx_has(&pr, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    d2_cursor = pr.cursor;
    assert_true(reads("replica", "caught_up") >= before + 1);
    assert_int_equal(audited_pulls(&D2), audited + 1);
    /* D pushed; once replayed, its pulls are the replica's too. */
    proto_pull_reply_clear(&pr);
    fx_pull(&W, &D, U.leader, 0, 500, &pr);
    assert_true(fx_has(&pr, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    assert_true(reads("replica", "caught_up") >= before + 2);
    proto_pull_reply_clear(&pr);
}

/*
 * With the replica's replay held, a tablet that has just pushed pulls from
 * the primary and finds what it pushed; a tablet that pushed nothing reads
 * the replica's older picture, with a cursor that stops before the new
 * record, and finds it on its next pull once the replica has caught up.
 */
static void test_own_push_is_never_missed(void **state)
{
    (void)state;
    on_replica("SELECT pg_wal_replay_pause()");
    model_record obs;
    push_obs(&obs);
    double behind = reads("primary", "behind"), caught_up = reads("replica", "caught_up");
    proto_pull_reply pr;
    fx_pull(&W, &D, U.leader, 0, 500, &pr);
    assert_true(fx_has(&pr, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    int64_t top = pr.cursor;
    assert_true(reads("primary", "behind") >= behind + 1);

    proto_pull_reply_clear(&pr);
    fx_pull(&W, &D2, U.leader, d2_cursor, 500, &pr);
    assert_false(fx_has(&pr, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    assert_true(pr.cursor >= d2_cursor);
    assert_true(pr.cursor < top);
    assert_true(reads("replica", "caught_up") >= caught_up + 1);
    int64_t held = pr.cursor;

    on_replica("SELECT pg_wal_replay_resume()");
    await_replica();
    proto_pull_reply_clear(&pr);
    fx_pull(&W, &D2, U.leader, held, 500, &pr);
    assert_true(fx_has(&pr, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    assert_int_equal(pr.cursor, top);
    d2_cursor = pr.cursor;
    proto_pull_reply_clear(&pr);
}

/* Runs sql on the primary; it must succeed. */
static void on_primary(const char *sql)
{
    PGresult *r = PQexec(W.db, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
}

/* A new observation by the unit's first peer, its change and the body of
 * a push of it (malloc'd). */
static char *new_obs_push(model_record *obs, proto_change *c)
{
    fx_obs(&U, U.peer1, U.peer2, obs);
    fx_change(c, U.peer1, 0, obs);
    return fx_push_body(c, 1);
}

/* Posts body from D2: answered 503 unavailable, with want in its message. */
static void post_unavailable(const char *body, const char *want)
{
    thttp_resp hr;
    fx_post(&W, "/v1/push", &D2, body, &hr);
    fx_assert_error(&hr, 503, PROTO_E_UNAVAILABLE);
    assert_non_null(strstr(hr.body, want));
    thttp_free(&hr);
}

/*
 * A push whose mark cannot be noted is answered unavailable, though it is
 * stored: answered 200, the tablet's next pull could be read from a
 * replica without it. Sent again, it is all duplicates, and the mark is
 * noted then.
 */
static void test_push_without_its_mark_is_retried(void **state)
{
    (void)state;
    on_primary("CREATE FUNCTION no_mark() RETURNS trigger LANGUAGE plpgsql AS"
               " $$BEGIN RAISE EXCEPTION 'no mark today'; END$$;"
               "CREATE TRIGGER no_mark BEFORE UPDATE OF written_lsn ON devices"
               " FOR EACH ROW EXECUTE FUNCTION no_mark()");
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM devices WHERE id = '%s' AND written_lsn IS NULL", D2.id);
    assert_int_equal(fx_count(&W, sql), 1);
    model_record obs;
    proto_change c;
    char *body = new_obs_push(&obs, &c);
    post_unavailable(body, "The changes were stored");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM items WHERE entity = 'observation' AND key = '%s'",
             obs.u.obs.id);
    assert_int_equal(fx_count(&W, sql), 1);
    /* Sent again while the mark still fails, it is all duplicates: a
     * push that takes no feed number, whose COMMIT comes one statement
     * sooner in its last trip, is told stored the same way. */
    post_unavailable(body, "The changes were stored");
    assert_int_equal(fx_count(&W, sql), 1);

    on_primary("DROP TRIGGER no_mark ON devices; DROP FUNCTION no_mark()");
    proto_push_reply pr;
    fx_push(&W, &D2, &c, 1, &pr);
    assert_int_equal(pr.results[0].status, PROTO_ST_DUPLICATE);
    proto_push_reply_clear(&pr);
    free(body);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM devices WHERE id = '%s' AND written_lsn IS NOT NULL", D2.id);
    assert_int_equal(fx_count(&W, sql), 1);
}

/*
 * A push whose COMMIT fails stored nothing, and its answer says so: the
 * mark sent after the COMMIT in the same trip is skipped with it, and a
 * failure there is not taken for one after a stored push. A deferred
 * trigger refuses the push's items when the transaction commits. Sent
 * again once the trigger is gone, the push is stored, not duplicate.
 */
static void test_push_whose_commit_fails_is_not_stored(void **state)
{
    (void)state;
    on_primary("CREATE FUNCTION no_commit() RETURNS trigger LANGUAGE plpgsql AS"
               " $$BEGIN RAISE EXCEPTION 'no commit today'; END$$;"
               "CREATE CONSTRAINT TRIGGER no_commit AFTER INSERT ON items"
               " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION no_commit()");
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT coalesce(written_lsn::text, '') FROM devices WHERE id = '%s'",
             D2.id);
    PGresult *r = PQexec(W.db, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    char mark[64];
    snprintf(mark, sizeof mark, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    model_record obs;
    proto_change c;
    char *body = new_obs_push(&obs, &c);
    post_unavailable(body, "nothing was stored");
    free(body);
    char count[300];
    snprintf(count, sizeof count,
             "SELECT count(*) FROM items WHERE entity = 'observation' AND key = '%s'",
             obs.u.obs.id);
    assert_int_equal(fx_count(&W, count), 0);
    r = PQexec(W.db, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), mark);
    PQclear(r);

    on_primary("DROP TRIGGER no_commit ON items; DROP FUNCTION no_commit()");
    proto_push_reply pr;
    fx_push(&W, &D2, &c, 1, &pr);
    assert_int_equal(pr.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&pr);
    assert_int_equal(fx_count(&W, count), 1);
}

/* A replica that stops leaves the pulls to the primary, without an error
 * for any tablet, and the server says so once in its log. */
static void test_replica_down(void **state)
{
    (void)state;
    tpg_replica_stop(R, 1);
    model_record obs;
    push_obs(&obs);
    double down_before = reads("primary", "replica_down");
    proto_pull_reply pr;
    fx_pull(&W, &D2, U.leader, d2_cursor, 500, &pr);
    assert_true(fx_has(&pr, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    proto_pull_reply_clear(&pr);
    fx_pull(&W, &D, U.leader, 0, 500, &pr);
    assert_true(fx_has(&pr, MODEL_ENT_OBSERVATION, obs.u.obs.id));
    assert_true(reads("primary", "replica_down") >= down_before + 2);
    char *log = NULL;
    for (int i = 0; i < 200 && !(log && strstr(log, "replica: ")); i++) {
        free(log);
        size_t n = 0;
        char err[200];
        log = plat_read_file(W.srv.log, 1 << 22, &n, err, sizeof err);
        if (!log || !strstr(log, "replica: "))
            sleep_ms(10);
    }
    assert_non_null(log);
    assert_non_null(strstr(log, "reads go to the primary"));
    free(log);
    proto_pull_reply_clear(&pr);
}

/* A database that is not a replica (the primary itself, or a replica that
 * was promoted) is never read from as one: it may have gone its own way. */
static void test_not_a_replica(void **state)
{
    (void)state;
    restart_with_replica(W.conninfo);
    double down_before = reads("primary", "replica_down"),
           caught_up = reads("replica", "caught_up");
    proto_pull_reply pr;
    fx_pull(&W, &D2, U.leader, 0, 500, &pr);
    assert_true(reads("primary", "replica_down") >= down_before + 1);
    assert_true(reads("replica", "caught_up") == caught_up);
    proto_pull_reply_clear(&pr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_pull_reads_the_replica),
        cmocka_unit_test(test_own_push_is_never_missed),
        cmocka_unit_test(test_push_without_its_mark_is_retried),
        cmocka_unit_test(test_push_whose_commit_fails_is_not_stored),
        cmocka_unit_test(test_replica_down),
        cmocka_unit_test(test_not_a_replica),
    };
    return cmocka_run_group_tests(tests, up, down);
}
