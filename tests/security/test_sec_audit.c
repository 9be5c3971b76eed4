/*
 * The audit log: every admin command is logged before it runs (with free
 * text left out) and its outcome after; every pull is logged in the same
 * transaction as the read; and when the log cannot be written, neither the
 * command nor the read happens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U;
static fx_device D;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_audit", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static void sql(const char *q)
{
    PGresult *r = PQexec(W.db, q);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "sql: %s", PQresultErrorMessage(r));
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
}

static void test_admin_commands_are_logged_without_free_text(void **state)
{
    (void)state;
    fx_make_unit(&W, "Audited unit", &U);
    char q[600];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit_log WHERE action = 'person-add' AND unit_id = '%s'"
             " AND actor LIKE 'admin:%%' AND detail LIKE '%%--name [text] --role leader%%'"
             " AND detail LIKE '%% -> exit 0'",
             U.unit);
    assert_int_equal(fx_count(&W, q), 1);
    /* Names never reach the log. */
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM audit_log WHERE detail LIKE '%Lea Leader%'"
                                  " OR detail LIKE '%Audited unit%'"),
                     0);
    /* A refused command is logged with its exit status. */
    char out[100];
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "device-revoke", "--device",
                              "00000000-0000-4000-8000-000000000000", NULL),
                     1);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM audit_log WHERE action = 'device-revoke'"
                                  " AND subject = '00000000-0000-4000-8000-000000000000'"
                                  " AND detail LIKE '% -> exit 1'"),
                     1);
}

static void test_pulls_and_exports_are_logged(void **state)
{
    (void)state;
    fx_enrol(&W, U.unit, &D);
    model_record o;
    fx_obs(&U, U.peer1, U.peer2, &o);
    proto_change c;
    fx_change(&c, U.peer1, 0, &o);
    proto_push_reply rep;
    fx_push(&W, &D, &c, 1, &rep);
    assert_int_equal(rep.results[0].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    proto_pull_reply p;
    fx_pull(&W, &D, U.peer2, 0, 100, &p);
    assert_true(fx_has(&p, MODEL_ENT_OBSERVATION, o.u.obs.id));
    proto_pull_reply_clear(&p);
    char q[600];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit_log WHERE action = 'pull' AND actor = 'device:%s'"
             " AND subject = '%s' AND unit_id = '%s' AND detail LIKE '%%observations=1'",
             D.id, U.peer2, U.unit);
    assert_int_equal(fx_count(&W, q), 1);
    /* A pull for reference data only is logged too, with no subject. */
    fx_pull(&W, &D, "", 0, 100, &p);
    proto_pull_reply_clear(&p);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit_log WHERE action = 'pull' AND actor = 'device:%s'"
             " AND subject = '' AND detail LIKE '%%observations=0'",
             D.id);
    assert_int_equal(fx_count(&W, q), 1);
    /* An export of the unit. */
    char path[700];
    snprintf(path, sizeof path, "%s/export.json", W.dir);
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "export", "--unit", U.unit, "--format", "json",
                              "--out", path, NULL),
                     0);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit_log WHERE action = 'export' AND unit_id = '%s'", U.unit);
    assert_int_equal(fx_count(&W, q), 1);
    /* audit-list shows the rows, filtered by subject: the person's
     * addition and the pull made for them. */
    int rc;
    char *all = fx_admin_all(&W, &rc, "audit-list", "--subject", U.peer2, NULL);
    assert_int_equal(rc, 0);
    TSUPPORT_HAS(all, "\tperson.add\t");
    TSUPPORT_HAS(all, "\tpull\t");
    TSUPPORT_HAS(all, D.id);
    assert_null(strstr(all, U.peer1));
    free(all);
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "audit-list", "--limit", "0", NULL), 2);
}

static void test_no_log_no_action(void **state)
{
    (void)state;
    sql("ALTER TABLE audit_log RENAME TO audit_log_away");
    /* An admin command does not run. */
    long long units = fx_count(&W, "SELECT count(*) FROM units");
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "unit-add", "--name", "Unlogged", NULL), 1);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM units"), units);
    /* A pull gives no data. */
    thttp_resp r;
    char body[200];
    snprintf(body, sizeof body, "{\"schema\":1,\"cursor\":0,\"limit\":10,\"person_id\":\"%s\"}",
             U.peer2);
    fx_post(&W, "/v1/pull", &D, body, &r);
    fx_assert_error(&r, 503, PROTO_E_UNAVAILABLE);
    TSUPPORT_LACKS(r.body, "Circle time");
    thttp_free(&r);
    sql("ALTER TABLE audit_log_away RENAME TO audit_log");
    fx_post(&W, "/v1/pull", &D, body, &r);
    assert_int_equal(r.status, 200);
    thttp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admin_commands_are_logged_without_free_text),
        cmocka_unit_test(test_pulls_and_exports_are_logged),
        cmocka_unit_test(test_no_log_no_action),
    };
    return cmocka_run_group_tests_name("sec_audit", tests, up, down);
}
