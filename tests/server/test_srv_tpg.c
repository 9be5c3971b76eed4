/*
 * The test clusters' template: under ctest a cluster is a copy of the one
 * data folder initdb made for the run (the fixture pg_template), which the
 * cluster's system identifier shows, since initdb draws a new one every
 * time; and a template that is missing, of another PostgreSQL or not named
 * as one is refused with a sentence, leaving nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "srvtest.h"
#include "tsupport.h"

/* The run's template, as ctest names it to every test of a cluster. */
static const char *template_dir(void)
{
    const char *t = getenv("BLIK_PG_TEMPLATE");
    if (!t || !*t)
        fail_msg("BLIK_PG_TEMPLATE is not set: run this test through ctest, whose fixture "
                 "pg_template makes the template");
    return t;
}

/* The system identifier pg_control begins with. */
static uint64_t control_id(const char *data)
{
    char path[700];
    snprintf(path, sizeof path, "%s/global/pg_control", data);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read %s", path);
    uint64_t id = 0;
    size_t got = fread(&id, sizeof id, 1, f);
    fclose(f);
    assert_int_equal(got, 1);
    return id;
}

static uint64_t cluster_id(tpg *pg)
{
    char conninfo[300];
    assert_int_equal(tpg_new_db(pg, "probe", conninfo, sizeof conninfo), 0);
    PGconn *c = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, "SELECT system_identifier FROM pg_control_system()");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    uint64_t id = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return id;
}

/* The folder a refused start leaves nothing in: tpg_start names it in the
 * sentence's log path, and the watcher removes it at tpg_stop. */
static void assert_refused(const char *want)
{
    tpg *pg = NULL;
    char err[600] = "";
    assert_int_equal(tpg_start(0, &pg, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("expected \"%s\" in: %s", want, err);
    char dir[300];
    snprintf(dir, sizeof dir, "%s", pg ? tpg_dir(pg) : "");
    tpg_stop(pg);
    if (dir[0])
        assert_int_not_equal(access(dir, F_OK), 0);
}

static void test_cluster_is_a_copy_of_the_template(void **state)
{
    (void)state;
    char data[600];
    snprintf(data, sizeof data, "%s/data", template_dir());
    uint64_t want = control_id(data);
    assert_true(want != 0);
    tpg *a = NULL, *b = NULL;
    char err[600];
    if (tpg_start(0, &a, err, sizeof err) != 0 || tpg_start(0, &b, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_true(cluster_id(a) == want);
    assert_true(cluster_id(b) == want);
    /* Each cluster writes its own copy: the template was never started. */
    char pid[700];
    snprintf(pid, sizeof pid, "%s/postmaster.pid", data);
    assert_int_not_equal(access(pid, F_OK), 0);
    /* The later cluster's watcher holds the earlier one's pipe too, so the
     * later stops first. */
    tpg_stop(b);
    tpg_stop(a);
}

static void test_bad_templates_are_refused(void **state)
{
    (void)state;
    char keep[600];
    snprintf(keep, sizeof keep, "%s", template_dir());
    char dir[1024];
    assert_int_equal(tsupport_tmpdir("tpg", dir, sizeof dir), 0);

    /* Named, but not there. */
    char missing[1100];
    snprintf(missing, sizeof missing, "%s/blik-pg-template-none", dir);
    setenv("BLIK_PG_TEMPLATE", missing, 1);
    assert_refused("holds no cluster");

    /* Made by another major version of PostgreSQL. */
    char old[1100], data[1200], ver[1300];
    snprintf(old, sizeof old, "%s/blik-pg-template-old", dir);
    snprintf(data, sizeof data, "%s/data", old);
    snprintf(ver, sizeof ver, "%s/PG_VERSION", data);
    assert_int_equal(mkdir(old, 0755), 0);
    assert_int_equal(mkdir(data, 0700), 0);
    FILE *f = fopen(ver, "w");
    assert_non_null(f);
    fputs("9\n", f);
    fclose(f);
    setenv("BLIK_PG_TEMPLATE", old, 1);
    assert_refused("is of PostgreSQL 9");
    setenv("BLIK_PG_TEMPLATE", keep, 1);

    /* Only a folder named as a template is made or removed. */
    char err[600] = "";
    assert_int_equal(tpg_template_make(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "is not a cluster template's folder"));
    assert_int_equal(tpg_template_remove(dir, err, sizeof err), -1);
    assert_int_equal(access(dir, F_OK), 0);
    assert_int_equal(tpg_template_remove(old, err, sizeof err), 0);
    assert_int_not_equal(access(old, F_OK), 0);
    tsupport_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_is_a_copy_of_the_template),
        cmocka_unit_test(test_bad_templates_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
