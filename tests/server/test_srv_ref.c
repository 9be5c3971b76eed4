/*
 * A unit's reference data changed through srv_ref.h, from the command line
 * (the verbs scripts use) and directly (as the office calls it): every
 * change reaches tablets at their next pull and writes one audit row, and
 * every refusal (an unknown id, another unit's room, a name too long or not
 * UTF-8) says why and changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "srv.h"
#include "srv_ref.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U, V;
static fx_device D;

#define NO_ID "00000000-0000-4000-8000-000000000000"

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_ref", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

/* Everything a refused change could have touched, as one number that
 * moves when any of it does. */
static long long world(void)
{
    return fx_count(&W, "SELECT (SELECT coalesce(sum(feed_seq), 0) FROM units) * 1000000 +"
                        " (SELECT count(*) FROM items) * 1000 +"
                        " (SELECT count(*) FROM audit_log WHERE action LIKE '%.%')");
}

/* The count of rows a query finds, with one %s filled in. */
static long long count1(const char *fmt, const char *a)
{
    char q[800];
    snprintf(q, sizeof q, fmt, a);
    return fx_count(&W, q);
}

/* Pulls everything for the tablet and finds a record by key. */
static int pulled(model_entity e, const char *key, model_record *out)
{
    proto_pull_reply r;
    fx_pull(&W, &D, U.leader, 0, PROTO_PULL_MAX, &r);
    int found = 0;
    for (int i = r.n - 1; i >= 0 && !found; i--) {
        char k[MODEL_RECORD_KEY_MAX];
        model_record_key(&r.items[i].rec, k);
        if (r.items[i].rec.entity == e && !strcmp(k, key)) {
            found = 1;
            if (out)
                *out = r.items[i].rec;
        }
    }
    proto_pull_reply_clear(&r);
    return found;
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Ref Unit", &U);
    fx_make_unit(&W, "Other Ref Unit", &V);
    fx_enrol(&W, U.unit, &D);
}

static void test_renames_and_roles_reach_tablets(void **state)
{
    (void)state;
    char out[200];
    long long audits = fx_count(&W, "SELECT count(*) FROM audit_log WHERE action LIKE '%.%'");
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-rename", "--unit", U.unit, "--name",
                              "Børnehuset Æblet", NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-retention", "--unit", U.unit,
                              "--retention-days", "90", NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "room-rename", "--room", U.room, "--name",
                              "Green room", NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-rename", "--person", U.peer1,
                              "--name", "Per Hansen", NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-role", "--person", U.peer1,
                              "--role", "leader", NULL),
                     0);
    /* One change row each, naming the unit and the record, without names. */
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM audit_log WHERE action LIKE '%.%'"),
                     audits + 5);
    assert_int_equal(count1("SELECT count(*) FROM audit_log WHERE action = 'person.role'"
                            " AND unit_id = '%s' AND detail = 'role=leader'"
                            " AND actor LIKE 'admin:%%'",
                            U.unit),
                     1);
    assert_int_equal(count1("SELECT count(*) FROM audit_log WHERE action = 'unit.retention'"
                            " AND subject = '%s' AND detail = 'retention_days=90'",
                            U.unit),
                     1);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM audit_log WHERE detail LIKE '%Hansen%'"
                                  " OR detail LIKE '%Green%' OR detail LIKE '%Æblet%'"),
                     0);
    /* The typed rows and the feed agree, and a tablet gets each change. */
    assert_int_equal(count1("SELECT count(*) FROM units WHERE id = '%s' AND retention_days = 90"
                            " AND name = 'Børnehuset Æblet'",
                            U.unit),
                     1);
    model_record r;
    assert_true(pulled(MODEL_ENT_UNIT, U.unit, &r));
    assert_string_equal(r.u.unit.name, "Børnehuset Æblet");
    assert_int_equal(r.u.unit.retention_days, 90);
    assert_true(pulled(MODEL_ENT_ROOM, U.room, &r));
    assert_string_equal(r.u.room.name, "Green room");
    assert_true(pulled(MODEL_ENT_PERSON, U.peer1, &r));
    assert_string_equal(r.u.person.name, "Per Hansen");
    assert_int_equal(r.u.person.role, MODEL_ROLE_LEADER);
    assert_int_equal(r.u.person.active, 1);
    /* The same name again changes nothing a tablet must fetch. */
    long long seq = count1("SELECT feed_seq FROM units WHERE id = '%s'", U.unit);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-rename", "--person", U.peer1,
                              "--name", "Per Hansen", NULL),
                     0);
    assert_int_equal(count1("SELECT feed_seq FROM units WHERE id = '%s'", U.unit), seq);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-role", "--person", U.peer1,
                              "--role", "peer", NULL),
                     0);
}

static void test_refusals_change_nothing(void **state)
{
    (void)state;
    char out[200], long_name[200];
    memset(long_name, 'x', 121);
    long_name[121] = 0;
    long long before = world();
    /* Unknown ids, and things that are not ids. */
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "unit-rename", "--unit", NO_ID, "--name", "X", NULL),
        1);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "room-rename", "--room", U.peer1, "--name", "X", NULL),
        1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-rename", "--person", "nobody",
                              "--name", "X", NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-role", "--person", U.room,
                              "--role", "peer", NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "pin-clear", "--person", NO_ID, NULL), 1);
    assert_int_equal(fx_admin(&W, out, sizeof out, "1234\n", "pin-set", "--person", NO_ID, NULL),
                     1);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "room-add", "--unit", NO_ID, "--name", "X", NULL), 1);
    /* Names too long, not UTF-8, blank or with control characters. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-rename", "--unit", U.unit, "--name",
                              long_name, NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-rename", "--person", U.peer1,
                              "--name", "Per \xff\xfe", NULL),
                     1);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "room-rename", "--room", U.room, "--name", "   ", NULL),
        1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-add", "--unit", U.unit, "--name",
                              "Line\nbreak", "--role", "peer", NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "room-add", "--unit", U.unit, "--name",
                              long_name, NULL),
                     1);
    /* A given id that is taken, by this kind or another. */
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "unit-add", "--name", "Twice", "--id", U.unit, NULL),
        1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "room-add", "--unit", U.unit, "--name",
                              "Twice", "--id", V.room, NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-add", "--unit", U.unit, "--name",
                              "Twice", "--role", "peer", "--id", V.peer1, NULL),
                     1);
    /* A retention period out of range. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-retention", "--unit", U.unit,
                              "--retention-days", "4000", NULL),
                     1);
    assert_int_equal(world(), before);
    /* The other unit's person and room are still its own. */
    assert_int_equal(count1("SELECT count(*) FROM people p, rooms r WHERE p.id = '%s'"
                            " AND r.unit_id = p.unit_id AND p.name = 'Per Peer'",
                            V.peer1),
                     1);
}

static void test_direct_calls_say_why(void **state)
{
    (void)state;
    char e[SRV_REF_ERR_MAX];
    model_id id;
    long long before = world();
    assert_int_equal(srv_ref_person_rename(W.db, "office:1", U.peer2, "\xc3\x28", e, sizeof e),
                     SRV_REF_INVALID);
    TSUPPORT_HAS(e, "name");
    assert_int_equal(srv_ref_person_rename(W.db, "office:1", NO_ID, "Pia", e, sizeof e),
                     SRV_REF_NOTFOUND);
    TSUPPORT_HAS(e, "no person");
    assert_int_equal(srv_ref_room_add(W.db, "office:1", U.unit, NULL, NULL, id, e, sizeof e),
                     SRV_REF_INVALID);
    TSUPPORT_HAS(e, "empty");
    assert_int_equal(srv_ref_unit_add(W.db, "office:1", NULL, "Zero days", 0, id, e, sizeof e),
                     SRV_REF_INVALID);
    TSUPPORT_HAS(e, "retention");
    assert_int_equal(srv_ref_person_set_role(W.db, "office:1", U.peer2, (model_role)7, e, sizeof e),
                     SRV_REF_INVALID);
    assert_int_equal(srv_ref_person_set_pin(W.db, "office:1", U.peer2, "12a4", e, sizeof e),
                     SRV_REF_INVALID);
    assert_int_equal(world(), before);
    /* A change from the office is logged under the office's actor. */
    assert_int_equal(srv_ref_person_add(W.db, "office:7", U.unit, NULL, "Ole Office",
                                        MODEL_ROLE_PEER, id, e, sizeof e),
                     SRV_REF_OK);
    assert_int_equal(count1("SELECT count(*) FROM audit_log WHERE action = 'person.add'"
                            " AND actor = 'office:7' AND subject = '%s' AND detail = 'role=peer'",
                            id),
                     1);
    assert_true(pulled(MODEL_ENT_PERSON, id, NULL));
}

static void test_pins_set_and_cleared(void **state)
{
    (void)state;
    char out[200];
    assert_int_equal(fx_admin(&W, out, sizeof out, "4711\n", "pin-set", "--person", U.peer2, NULL),
                     0);
    assert_string_equal(out, "PIN set for Pia Peer.");
    model_record r;
    assert_true(pulled(MODEL_ENT_PERSON, U.peer2, &r));
    assert_true(model_pin_verify(r.u.person.pin_verifier, "4711"));
    assert_int_equal(count1("SELECT count(*) FROM audit_log WHERE action = 'person.pin-set'"
                            " AND subject = '%s' AND detail = ''",
                            U.peer2),
                     1);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM audit_log WHERE detail LIKE '%4711%'"), 0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "pin-clear", "--person", U.peer2, NULL),
                     0);
    assert_true(pulled(MODEL_ENT_PERSON, U.peer2, &r));
    assert_string_equal(r.u.person.pin_verifier, "");
    assert_int_equal(
        count1("SELECT count(*) FROM people WHERE id = '%s' AND pin_verifier = ''", U.peer2), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_renames_and_roles_reach_tablets),
        cmocka_unit_test(test_refusals_change_nothing),
        cmocka_unit_test(test_direct_calls_say_why),
        cmocka_unit_test(test_pins_set_and_cleared),
    };
    return cmocka_run_group_tests_name("srv_ref", tests, up, down);
}
