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
#include <fcntl.h>
#include <pthread.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include "fixture.h"
#include "srv.h"
#include "srv_ref.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U, V;
static fx_device D, DV;

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
        model_record_key(r.items[i].rec, k);
        if (r.items[i].rec->entity == e && !strcmp(k, key)) {
            found = 1;
            if (out)
                model_record_copy(out, r.items[i].rec);
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
    /* V's tablet pushes but never pulls in these tests, so whether a
     * version changes in place there depends on observations alone. */
    fx_enrol(&W, V.unit, &DV);
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
    long long last = fx_count(&W, "SELECT coalesce(max(id), 0) FROM audit_log");
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
    /* The PIN is in none of the rows the command wrote. Only those: the
     * random ids in older rows' details hold "4711" now and then. */
    char q[200];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit_log WHERE id > %lld"
             " AND actor || action || detail LIKE '%%4711%%'",
             last);
    assert_int_equal(fx_count(&W, q), 0);
    snprintf(q, sizeof q, "SELECT count(*) FROM audit_log WHERE id > %lld", last);
    assert_true(fx_count(&W, q) >= 1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "pin-clear", "--person", U.peer2, NULL),
                     0);
    assert_true(pulled(MODEL_ENT_PERSON, U.peer2, &r));
    assert_string_equal(r.u.person.pin_verifier, "");
    assert_int_equal(
        count1("SELECT count(*) FROM people WHERE id = '%s' AND pin_verifier = ''", U.peer2), 1);
}

/* Pushes changes as the tablet d and asserts each was stored. */
static void push_stored(const fx_device *d, const proto_change *c, int n, int *versions)
{
    proto_push_reply rep;
    fx_push(&W, d, c, n, &rep);
    for (int i = 0; i < n; i++) {
        if (rep.results[i].status != PROTO_ST_STORED)
            fail_msg("change %d: %s", i, rep.results[i].message);
        if (versions)
            versions[i] = rep.results[i].version;
    }
    proto_push_reply_clear(&rep);
}

static srv_ref_focus *get_focus(const char *id, int version)
{
    static srv_ref_focus f;
    char e[SRV_REF_ERR_MAX];
    if (srv_ref_focus_get(W.db, id, version, &f, e, sizeof e) != SRV_REF_OK)
        fail_msg("%s", e);
    return &f;
}

static void test_focus_versions(void **state)
{
    (void)state;
    char e[SRV_REF_ERR_MAX];
    /* A new focus, changed before anyone used or pulled it: in place. */
    model_focus f;
    memset(&f, 0, sizeof f);
    snprintf(f.unit_id, sizeof f.unit_id, "%s", V.unit);
    snprintf(f.template_id, sizeof f.template_id, "%s", V.tmpl);
    snprintf(f.question, sizeof f.question, "Do we wait for answers?");
    snprintf(f.period_from, sizeof f.period_from, "2026-01-01");
    snprintf(f.period_to, sizeof f.period_to, "2026-12-31");
    f.pillar = MODEL_PILLAR_DIALOGUE;
    f.n_signs = 1;
    snprintf(f.signs[0].text, sizeof f.signs[0].text, "Three seconds of quiet");
    assert_int_equal(srv_ref_focus_save(W.db, "office:1", &f, 0, e, sizeof e), SRV_REF_OK);
    assert_int_equal(f.version, 1);
    assert_int_equal(strlen(f.signs[0].id), MODEL_UUID_LEN);
    snprintf(f.question, sizeof f.question, "Do we wait long enough for answers?");
    assert_int_equal(srv_ref_focus_save(W.db, "office:1", &f, 1, e, sizeof e), SRV_REF_OK);
    assert_int_equal(f.version, 1);
    assert_string_equal(get_focus(f.id, 1)->focus.question, "Do we wait long enough for answers?");
    assert_int_equal(count1("SELECT count(*) FROM focuses WHERE id = '%s'", f.id), 1);
    assert_int_equal(count1("SELECT count(*) FROM audit_log WHERE action = 'focus.save'"
                            " AND subject = '%s' AND detail = 'version=1 in_place'",
                            f.id),
                     1);
    /* A change made from a version that is no longer the latest is
     * refused, and so is a base for a focus that does not exist. */
    long long before = world();
    assert_int_equal(srv_ref_focus_save(W.db, "office:1", &f, 2, e, sizeof e), SRV_REF_INVALID);
    TSUPPORT_HAS(e, "version 1");
    model_focus g = f;
    g.id[0] = 0;
    assert_int_equal(srv_ref_focus_save(W.db, "office:1", &g, 3, e, sizeof e), SRV_REF_INVALID);
    assert_int_equal(world(), before);

    /* V's focus gets an observation, a draft at version 1. */
    model_record o, ev;
    fx_obs(&V, V.leader, V.peer1, &o);
    o.u.obs.status = MODEL_OBS_DRAFT;
    o.u.obs.ended_at = 0;
    proto_change c[2];
    int ver[2];
    fx_change(&c[0], V.leader, 0, &o);
    push_stored(&DV, c, 1, ver);
    srv_ref_focus *cur = get_focus(V.focus, 0);
    assert_int_equal(cur->focus.version, 1);
    assert_true(cur->has_observations);
    /* A change now makes version 2: the signs keep their ids, a new sign
     * gets one, and version 1 stays as it was. */
    model_focus h = cur->focus;
    model_id first_sign;
    snprintf(first_sign, sizeof first_sign, "%s", h.signs[0].id);
    snprintf(h.signs[h.n_signs].text, sizeof h.signs[0].text, "Children finish their sentences");
    h.signs[h.n_signs++].id[0] = 0;
    assert_int_equal(srv_ref_focus_save(W.db, "office:1", &h, 1, e, sizeof e), SRV_REF_OK);
    assert_int_equal(h.version, 2);
    cur = get_focus(V.focus, 0);
    assert_int_equal(cur->focus.version, 2);
    assert_false(cur->has_observations);
    assert_int_equal(cur->focus.n_signs, 2);
    assert_string_equal(cur->focus.signs[0].id, first_sign);
    assert_int_equal(get_focus(V.focus, 1)->focus.n_signs, 1);
    /* The tablet finishes its draft on version 1: its events and the
     * finished observation are stored. */
    memset(&ev, 0, sizeof ev);
    ev.entity = MODEL_ENT_EVENT;
    assert_int_equal(model_id_new(plat_sys_os(), ev.u.event.id), 0);
    snprintf(ev.u.event.observation_id, sizeof(model_id), "%s", o.u.obs.id);
    ev.u.event.kind = MODEL_EV_COUNT;
    snprintf(ev.u.event.key, sizeof ev.u.event.key, "open_q");
    ev.u.event.at = o.u.obs.started_at + 60000;
    o.u.obs.status = MODEL_OBS_FINISHED;
    o.u.obs.ended_at = o.u.obs.started_at + 900000;
    fx_change(&c[0], V.leader, 0, &ev);
    fx_change(&c[1], V.leader, ver[0], &o);
    push_stored(&DV, c, 2, NULL);
    assert_int_equal(count1("SELECT count(*) FROM items WHERE entity = 'observation' AND key = '%s'"
                            " AND data::jsonb->>'focus_version' = '1'"
                            " AND data::jsonb->>'status' = 'finished'",
                            o.u.obs.id),
                     1);
    /* Version 2, unused and unpulled, changes in place: a sign left out
     * (retired) stays in version 1, where the observation finds it. */
    h.signs[0] = h.signs[1];
    h.n_signs = 1;
    assert_int_equal(srv_ref_focus_save(W.db, "office:1", &h, 2, e, sizeof e), SRV_REF_OK);
    assert_int_equal(h.version, 2);
    assert_int_equal(get_focus(V.focus, 2)->focus.n_signs, 1);
    assert_string_equal(get_focus(V.focus, 1)->focus.signs[0].id, first_sign);

    /* U's tablet pulls: a version it may hold never changes, so a change
     * makes version 2 though no observation was made. */
    assert_true(pulled(MODEL_ENT_UNIT, U.unit, NULL));
    model_focus k = get_focus(U.focus, 0)->focus;
    snprintf(k.why, sizeof k.why, "So every child is heard.");
    assert_int_equal(srv_ref_focus_save(W.db, "office:1", &k, 0, e, sizeof e), SRV_REF_OK);
    assert_int_equal(k.version, 2);
    char key[MODEL_RECORD_KEY_MAX];
    snprintf(key, sizeof key, "%s/1", U.focus);
    model_record r;
    assert_true(pulled(MODEL_ENT_FOCUS, key, &r));
    assert_string_equal(r.u.focus.why, "");
    snprintf(key, sizeof key, "%s/2", U.focus);
    assert_true(pulled(MODEL_ENT_FOCUS, key, &r));
    assert_string_equal(r.u.focus.why, "So every child is heard.");
}

/* Writes text to a file in the world's folder; the path into path. */
static void write_doc(const char *name, const char *text, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", W.dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_focus_needs_a_template_of_its_unit(void **state)
{
    (void)state;
    char out[200], path[700], doc[1000];
    long long before = world();
    /* A template that does not exist, or is another unit's. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit,
                              "--question", "Q?", "--from", "2026-02-01", "--to", "2026-03-01",
                              "--template", NO_ID, "--sign", "S", NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit,
                              "--question", "Q?", "--from", "2026-02-01", "--to", "2026-03-01",
                              "--template", V.tmpl, "--sign", "S", NULL),
                     1);
    snprintf(doc, sizeof doc,
             "{\"question\":\"Q?\",\"why\":\"\",\"pillar\":\"learning\","
             "\"period_from\":\"2026-02-01\",\"period_to\":\"2026-05-31\","
             "\"template_id\":\"%s\",\"signs\":[{\"id\":\"%s\",\"text\":\"S\"}]}",
             NO_ID, NO_ID);
    write_doc("f-unknown.json", doc, path, sizeof path);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit, "--file", path, NULL),
        1);
    assert_int_equal(world(), before);
    assert_int_equal(count1("SELECT count(*) FROM focuses WHERE unit_id = '%s'", U.unit), 2);
}

/* The whole standard output of an admin command that must succeed. */
static char *run_ok(const char *cmd, const char *opt, const char *val, const char *opt2,
                    const char *val2)
{
    int rc;
    char *out = fx_admin_all(&W, &rc, cmd, opt, val, opt2, val2, NULL);
    assert_int_equal(rc, 0);
    assert_non_null(out);
    return out;
}

static void test_lists_and_shows(void **state)
{
    (void)state;
    char *o = run_ok("unit-list", NULL, NULL, NULL, NULL);
    TSUPPORT_HAS(o, "unit\tname\tstate\tretention days\n");
    char line[300];
    snprintf(line, sizeof line, "%s\tBørnehuset Æblet\tactive\t90\n", U.unit);
    TSUPPORT_HAS(o, line);
    free(o);
    o = run_ok("room-list", "--unit", U.unit, NULL, NULL);
    snprintf(line, sizeof line, "room\tname\tstate\tunit\n%s\tGreen room\tactive\t%s\n", U.room,
             U.unit);
    assert_string_equal(o, line);
    free(o);
    /* A search ignores case, Danish letters too, and finds by part. */
    char other[40];
    assert_int_equal(fx_admin(&W, other, sizeof other, NULL, "person-add", "--unit", U.unit,
                              "--name", "Ærø Østergaard", "--role", "peer", NULL),
                     0);
    o = run_ok("person-list", "--unit", U.unit, "--search", "æRØ");
    snprintf(line, sizeof line,
             "person\tname\trole\tstate\troom\tpin\tunit\n"
             "%s\tÆrø Østergaard\tpeer\tactive\tnone\tnone\t%s\n",
             other, U.unit);
    assert_string_equal(o, line);
    free(o);
    o = run_ok("person-list", "--unit", U.unit, "--search", "%");
    assert_string_equal(o, "person\tname\trole\tstate\troom\tpin\tunit\n");
    free(o);
    o = run_ok("person-list", "--unit", U.unit, NULL, NULL);
    TSUPPORT_HAS(o, "\tLea Leader\tleader\tactive\t");
    TSUPPORT_HAS(o, "\tPer Hansen\tpeer\t");
    assert_null(strstr(o, V.peer1));
    free(o);
    o = run_ok("focus-list", "--unit", V.unit, NULL, NULL);
    snprintf(line, sizeof line, "%s\t2\tactive\t2026-01-01\t2026-12-31\t%s\t1\tno\t", V.focus,
             V.tmpl);
    TSUPPORT_HAS(o, "focus\tversion\tstate\tfrom\tto\ttemplate\tsigns\tobservations\tquestion\n");
    TSUPPORT_HAS(o, line);
    free(o);
    o = run_ok("focus-show", "--focus", V.focus, "--version", "1");
    TSUPPORT_HAS(o, "\"version\": 1");
    TSUPPORT_HAS(o, "Children answer in sentences");
    free(o);
    o = run_ok("template-list", "--unit", V.unit, NULL, NULL);
    snprintf(line, sizeof line,
             "template\tversion\tstate\tobservations\tname\n%s\t1\tactive\tyes\tQuestions\n",
             V.tmpl);
    assert_string_equal(o, line);
    free(o);
    o = run_ok("template-show", "--template", V.tmpl, NULL, NULL);
    TSUPPORT_HAS(o, "\"open_q\"");
    free(o);
    /* Unknown ids are refused with exit status 1. */
    char out[200];
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-show", "--unit", NO_ID, NULL), 1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-show", "--person", U.room, NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-show", "--focus", V.focus,
                              "--version", "9", NULL),
                     1);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "template-show", "--template", V.focus, NULL), 1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "room-list", "--unit", NO_ID, NULL), 1);
    /* A name may hold a tab; a list keeps its columns all the same. */
    char tabbed[40];
    assert_int_equal(fx_admin(&W, tabbed, sizeof tabbed, NULL, "room-add", "--unit", V.unit,
                              "--name", "Tab\troom", NULL),
                     0);
    o = run_ok("room-show", "--room", tabbed, NULL, NULL);
    snprintf(line, sizeof line, "room\tname\tstate\tunit\n%s\tTab room\tactive\t%s\n", tabbed,
             V.unit);
    assert_string_equal(o, line);
    free(o);
}

static void test_rooms_and_units_deactivated(void **state)
{
    (void)state;
    char out[200], room2[40];
    assert_int_equal(fx_admin(&W, room2, sizeof room2, NULL, "room-add", "--unit", U.unit, "--name",
                              "Red room", NULL),
                     0);
    /* A person moves between the rooms of their own unit only. */
    long long before = world();
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-room", "--person", U.peer1,
                              "--room", V.room, NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-room", "--person", U.peer1,
                              "--room", NO_ID, NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-room", "--person", NO_ID, "--room",
                              U.room, NULL),
                     1);
    assert_int_equal(world(), before);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-room", "--person", U.peer1,
                              "--room", room2, NULL),
                     0);
    assert_int_equal(
        count1("SELECT count(*) FROM people WHERE id = '%s' AND room_id IS NOT NULL", U.peer1), 1);
    char *o = run_ok("person-show", "--person", U.peer1, NULL, NULL);
    TSUPPORT_HAS(o, room2);
    free(o);
    /* A deactivated room takes nobody in, and is listed so. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "room-deactivate", "--room", U.room, NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-room", "--person", U.peer2,
                              "--room", U.room, NULL),
                     1);
    o = run_ok("room-show", "--room", U.room, NULL, NULL);
    TSUPPORT_HAS(o, "\tGreen room\tdeactivated\t");
    free(o);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "room-activate", "--room", U.room, NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-room", "--person", U.peer2,
                              "--room", U.room, NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-room", "--person", U.peer1,
                              "--room", "none", NULL),
                     0);
    assert_int_equal(count1("SELECT count(*) FROM audit_log WHERE action = 'person.room'"
                            " AND subject = '%s' AND detail = 'room=none'",
                            U.peer1),
                     1);
    /* A deactivated unit gets no enrolment code; its tablets still sync. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-deactivate", "--unit", U.unit, NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "enrol-code", "--unit", U.unit, NULL), 1);
    assert_true(pulled(MODEL_ENT_UNIT, U.unit, NULL));
    o = run_ok("unit-show", "--unit", U.unit, NULL, NULL);
    TSUPPORT_HAS(o, "\tdeactivated\t90\n");
    free(o);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-activate", "--unit", U.unit, NULL),
                     0);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "enrol-code", "--unit", U.unit, NULL), 0);
}

static void test_retiring(void **state)
{
    (void)state;
    char out[200];
    /* A template still used by a focus in use stays. */
    long long before = world();
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "template-retire", "--template", U.tmpl, NULL), 1);
    assert_int_equal(world(), before);
    /* A retired focus ends yesterday, in a version of its own since the
     * tablet has pulled the one before. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-retire", "--focus", U.focus, NULL),
                     0);
    srv_ref_focus *f = get_focus(U.focus, 0);
    assert_int_equal(f->focus.version, 3);
    assert_true(f->retired);
    char day[16];
    PGresult *r = PQexec(W.db, "SELECT to_char(current_date - 1, 'YYYY-MM-DD')");
    snprintf(day, sizeof day, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    assert_string_equal(f->focus.period_to, day);
    assert_string_equal(f->focus.period_from, "2026-01-01");
    char key[MODEL_RECORD_KEY_MAX];
    snprintf(key, sizeof key, "%s/3", U.focus);
    assert_true(pulled(MODEL_ENT_FOCUS, key, NULL));
    /* Now the template may go; no new focus may use it. */
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "template-retire", "--template", U.tmpl, NULL), 0);
    before = world();
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit,
                              "--question", "Q?", "--from", "2026-02-01", "--to", "2026-03-01",
                              "--template", U.tmpl, "--sign", "S", NULL),
                     1);
    assert_int_equal(world(), before);
    char *o = run_ok("template-list", "--unit", U.unit, NULL, NULL);
    TSUPPORT_HAS(o, "\tretired\t");
    free(o);
    /* Renaming a template an observation was made with makes its next
     * version; renaming V's focus, unused and unpulled, changes it in
     * place. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "template-rename", "--template", V.tmpl,
                              "--name", "Open questions", NULL),
                     0);
    o = run_ok("template-list", "--unit", V.unit, NULL, NULL);
    TSUPPORT_HAS(o, "\t2\tactive\tno\tOpen questions\n");
    free(o);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-rename", "--focus", V.focus,
                              "--question", "Do we ask open questions?", NULL),
                     0);
    assert_string_equal(get_focus(V.focus, 0)->focus.question, "Do we ask open questions?");
    assert_int_equal(get_focus(V.focus, 0)->focus.version, 2);
}

/* pin-set run on its own thread, reading from a terminal. */
typedef struct {
    FILE *in;
    char *out, *err;
    int rc;
} pin_run;

static void *pin_thread(void *arg)
{
    pin_run *p = arg;
    size_t olen = 0, elen = 0;
    FILE *o = open_memstream(&p->out, &olen), *e = open_memstream(&p->err, &elen);
    char *argv[] = {"--db", W.conninfo, "pin-set", "--person", U.leader, NULL};
    p->rc = o && e ? srv_admin_main(5, argv, p->in, o, e) : -1;
    if (o)
        fclose(o);
    if (e)
        fclose(e);
    return NULL;
}

/* On a terminal pin-set asks for the PIN and turns echo off while it is
 * typed, and back on after: the digits never show on the screen. */
static void test_pin_prompt_on_a_terminal(void **state)
{
    (void)state;
    int master, slave;
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    struct termios t;
    assert_int_equal(tcgetattr(slave, &t), 0);
    assert_true(t.c_lflag & ECHO);
    pin_run p = {fdopen(slave, "r"), NULL, NULL, -1};
    assert_non_null(p.in);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pin_thread, &p), 0);
    /* Type once echo is off, as a person answering the prompt would. */
    int quiet = 0;
    for (int i = 0; i < 1000 && !quiet; i++) {
        assert_int_equal(tcgetattr(slave, &t), 0);
        quiet = !(t.c_lflag & ECHO);
        if (!quiet)
            usleep(10000);
    }
    assert_true(quiet);
    assert_int_equal(write(master, "5813\n", 5), 5);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(p.rc, 0);
    TSUPPORT_HAS(p.err, "PIN: ");
    TSUPPORT_HAS(p.out, "PIN set for Lea Leader.");
    assert_int_equal(tcgetattr(slave, &t), 0);
    assert_true(t.c_lflag & ECHO);
    /* What the terminal showed: the line end, never the digits. */
    char shown[64] = "";
    assert_int_equal(fcntl(master, F_SETFL, O_NONBLOCK), 0);
    ssize_t n = read(master, shown, sizeof shown - 1);
    shown[n > 0 ? n : 0] = 0;
    assert_null(strstr(shown, "5813"));
    TSUPPORT_HAS(shown, "\n");
    free(p.out);
    free(p.err);
    fclose(p.in);
    close(master);
    model_record r;
    assert_true(pulled(MODEL_ENT_PERSON, U.leader, &r));
    assert_true(model_pin_verify(r.u.person.pin_verifier, "5813"));
}

/* The reads the office builds its pages on, called directly. */
static void test_reads_for_the_office(void **state)
{
    (void)state;
    char e[SRV_REF_ERR_MAX];
    /* A set of units: the ones that exist, whatever else is asked for. */
    const char *ids[] = {V.unit, "not an id", NO_ID, U.unit};
    srv_ref_unit *units;
    int n;
    assert_int_equal(srv_ref_units(W.db, ids, 4, &units, &n, e, sizeof e), SRV_REF_OK);
    assert_int_equal(n, 2);
    assert_string_equal(units[0].unit.name, "Børnehuset Æblet");
    assert_string_equal(units[1].unit.id, V.unit);
    free(units);
    assert_int_equal(srv_ref_units(W.db, ids + 1, 2, &units, &n, e, sizeof e), SRV_REF_OK);
    assert_int_equal(n, 0);
    assert_null(units);
    /* People: one unit's only, by part of the name. */
    srv_ref_person *people;
    assert_int_equal(srv_ref_people(W.db, V.unit, "peer", &people, &n, e, sizeof e), SRV_REF_OK);
    assert_int_equal(n, 2);
    assert_string_equal(people[0].person.name, "Per Peer");
    assert_string_equal(people[0].person.unit_id, V.unit);
    free(people);
    assert_int_equal(srv_ref_people(W.db, V.unit, "a\xff", &people, &n, e, sizeof e),
                     SRV_REF_INVALID);
    srv_ref_person p;
    assert_int_equal(srv_ref_person_get(W.db, NO_ID, &p, e, sizeof e), SRV_REF_NOTFOUND);
    /* Focuses and templates at their latest versions. */
    srv_ref_focus *focuses;
    assert_int_equal(srv_ref_focuses(W.db, V.unit, &focuses, &n, e, sizeof e), SRV_REF_OK);
    assert_true(n >= 2);
    for (int i = 0; i < n; i++)
        if (!strcmp(focuses[i].focus.id, V.focus))
            assert_int_equal(focuses[i].focus.version, 2);
    free(focuses);
    srv_ref_template *tmpls;
    assert_int_equal(srv_ref_templates(W.db, V.unit, &tmpls, &n, e, sizeof e), SRV_REF_OK);
    assert_int_equal(n, 1);
    assert_true(tmpls[0].has_observations);
    assert_false(tmpls[0].retired);
    free(tmpls);
    srv_ref_room room;
    assert_int_equal(srv_ref_room_get(W.db, V.room, &room, e, sizeof e), SRV_REF_OK);
    assert_true(room.active);
    assert_int_equal(srv_ref_room_get(W.db, V.unit, &room, e, sizeof e), SRV_REF_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_renames_and_roles_reach_tablets),
        cmocka_unit_test(test_refusals_change_nothing),
        cmocka_unit_test(test_direct_calls_say_why),
        cmocka_unit_test(test_pins_set_and_cleared),
        cmocka_unit_test(test_pin_prompt_on_a_terminal),
        cmocka_unit_test(test_focus_versions),
        cmocka_unit_test(test_focus_needs_a_template_of_its_unit),
        cmocka_unit_test(test_lists_and_shows),
        cmocka_unit_test(test_reads_for_the_office),
        cmocka_unit_test(test_rooms_and_units_deactivated),
        cmocka_unit_test(test_retiring),
    };
    return cmocka_run_group_tests_name("srv_ref", tests, up, down);
}
