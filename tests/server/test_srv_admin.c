/*
 * The admin command line and the server's configuration: reference data and
 * PINs (hashed, never in clear), focuses and templates from files, exports
 * as CSV and JSON, and configuration by file, environment and flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "fixture.h"
#include "srv.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U, V;
static fx_device D;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_admin", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_setup(void **state)
{
    (void)state;
    fx_make_unit(&W, "Admin Unit", &U);
    fx_make_unit(&W, "Other Unit", &V);
    fx_enrol(&W, U.unit, &D);
}

static void test_pin_is_stored_only_as_argon2id_verifier(void **state)
{
    (void)state;
    char out[200];
    /* Counted before as well: a random id in a record holds these digits
     * about once in 600,000, and the command must add no such record. */
    const char *in_items = "SELECT count(*) FROM items WHERE data LIKE '%902468%'";
    long long before = fx_count(&W, in_items);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, "902468\n", "pin-set", "--person", U.peer1, NULL), 0);
    /* Nowhere in clear. */
    assert_int_equal(fx_count(&W, in_items), before);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM people WHERE pin_verifier LIKE '%902468%'"),
                     0);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM people WHERE id = '%s' AND pin_verifier LIKE '$argon2id$%%'",
             U.peer1);
    assert_int_equal(fx_count(&W, sql), 1);
    /* It comes down to the tablet and verifies offline there. */
    proto_pull_reply p;
    fx_pull(&W, &D, "", 0, 500, &p);
    int found = 0;
    for (int i = 0; i < p.n; i++)
        if (p.items[i].rec->entity == MODEL_ENT_PERSON &&
            !strcmp(p.items[i].rec->u.person.id, U.peer1)) {
            found = 1;
            assert_int_equal(model_pin_verify(p.items[i].rec->u.person.pin_verifier, "902468"), 1);
            assert_int_equal(model_pin_verify(p.items[i].rec->u.person.pin_verifier, "902469"), 0);
        }
    assert_true(found);
    proto_pull_reply_clear(&p);
    /* Not a PIN: refused, nothing changed. */
    assert_int_equal(fx_admin(&W, out, sizeof out, "12ab\n", "pin-set", "--person", U.peer1, NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "pin-set", "--person", U.peer1, NULL), 2);
    assert_int_equal(fx_count(&W, sql), 1);
}

static void test_focus_and_template_from_files(void **state)
{
    (void)state;
    char path[700], doc[1200], out[200];
    model_id tid;
    assert_int_equal(model_id_new(plat_sys_os(), tid), 0);
    snprintf(path, sizeof path, "%s/t2.json", W.dir);
    snprintf(doc, sizeof doc,
             "{\"id\":\"%s\",\"unit_id\":\"%s\",\"version\":1,\"name\":\"Transitions\","
             "\"scale\":[\"no\",\"yes\"],\"states\":[{\"key\":\"waiting\",\"label\":\"Waiting\"}],"
             "\"thresholds\":{\"green_pct\":60,\"yellow_pct\":30}}",
             tid, U.unit);
    write_file(path, doc);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "template-add", "--unit", U.unit, "--file", path, NULL),
        0);
    assert_string_equal(out, tid);
    /* Another unit's id in the file is refused. */
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "template-add", "--unit", V.unit, "--file", path, NULL),
        1);
    /* A template with an unknown field is refused. */
    snprintf(path, sizeof path, "%s/t3.json", W.dir);
    write_file(path, "{\"id\":\"00000000-0000-4000-8000-000000000000\",\"colour\":1}");
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "template-add", "--unit", U.unit, "--file", path, NULL),
        1);

    snprintf(path, sizeof path, "%s/f.json", W.dir);
    snprintf(doc, sizeof doc,
             "{\"question\":\"Do children wait less at transitions?\",\"why\":\"Calm days.\","
             "\"pillar\":\"learning\",\"period_from\":\"2026-02-01\",\"period_to\":\"2026-05-31\","
             "\"template_id\":\"%s\",\"signs\":[{\"id\":\"%s\",\"text\":\"Short queues\"}]}",
             tid, tid);
    write_file(path, doc);
    model_id fid;
    assert_int_equal(
        fx_admin(&W, fid, sizeof fid, NULL, "focus-add", "--unit", U.unit, "--file", path, NULL),
        0);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM focuses WHERE id = '%s' AND unit_id = '%s'",
             fid, U.unit);
    assert_int_equal(fx_count(&W, sql), 1);
    /* A change names the version it was made from: one the focus is not
     * at is refused (someone else saved since), its latest is taken. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit, "--id", fid,
                              "--version", "2", "--question", "Changed?", "--from", "2026-01-01",
                              "--to", "2026-02-01", "--template", tid, "--sign", "A sign", NULL),
                     1);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit, "--id", fid,
                              "--version", "1", "--question", "Changed?", "--from", "2026-01-01",
                              "--to", "2026-02-01", "--template", tid, "--sign", "A sign", NULL),
                     0);
    assert_string_equal(out, fid);
    /* A bad date is refused with the codec's rules. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit,
                              "--question", "Q?", "--from", "2026-02-30", "--to", "2026-03-01",
                              "--template", tid, "--sign", "S", NULL),
                     1);
}

static void test_usage_errors(void **state)
{
    (void)state;
    char out[200];
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "no-such-command", NULL), 2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-add", "--nmae", "Typo", NULL), 2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "room-add", "--name", "No unit", NULL), 2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "room-add", "--unit",
                              "00000000-0000-4000-8000-000000000000", "--name", "Ghost", NULL),
                     1);
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "export", "--unit", U.unit, "--format", "xml", NULL),
        2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "device-revoke", "--device",
                              "00000000-0000-4000-8000-000000000000", NULL),
                     1);
}

/* Options are parsed before anything is touched: a wrong command line is
 * refused with status 2 and leaves no unit, no room and no audit row. The
 * admin entry point runs many times in one process, so a command must not
 * inherit the parser's place from the one before. */
static void test_options_refused_before_anything_changes(void **state)
{
    (void)state;
    char out[200];
    const char *counts = "SELECT (SELECT count(*) FROM units) * 1000000 +"
                         " (SELECT count(*) FROM rooms) * 1000 + (SELECT count(*) FROM audit_log)";
    long long before = fx_count(&W, counts);
    /* A value missing at the end, or swallowed by the next option. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-add", "--name", NULL), 2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "room-add", "--unit", U.unit, "--name",
                              "--id", "00000000-0000-4000-8000-000000000001", NULL),
                     2);
    /* An option of another command, a short option, a stray argument. */
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "unit-add", "--name", "X", "--unit", U.unit, NULL), 2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-add", "-n", "X", NULL), 2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-add", "--name", "X", "extra", NULL),
                     2);
    /* Numbers and words are checked as such. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "unit-add", "--name", "X",
                              "--retention-days", "30x", NULL),
                     2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "enrol-code", "--unit", U.unit,
                              "--ttl-minutes", "0", NULL),
                     2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "person-add", "--unit", U.unit, "--name",
                              "X", "--role", "boss", NULL),
                     2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "focus-add", "--unit", U.unit,
                              "--question", "Q?", "--from", "2026-02-01", "--to", "2026-03-01",
                              "--template", U.tmpl, "--pillar", "joy", NULL),
                     2);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "audit-list", "--limit", "many", NULL), 2);
    /* A required option left out. */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "template-add", "--unit", U.unit, NULL),
                     2);
    assert_int_equal(fx_count(&W, counts), before);
    /* The device list begins with its header (the rows are checked in
     * tests/lifecycle). */
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "device-list", "--unit", U.unit, NULL), 0);
    assert_string_equal(out, "device\tname\tstate\tenrolled\tlast seen\tapp\taddress\tlast push");
    /* A good line right after the bad ones runs, with an abbreviated option
     * and a value given with "=" ("--name=..."), and is logged under the
     * options' full names with the free text left out. */
    model_id room;
    assert_int_equal(fx_admin(&W, room, sizeof room, NULL, "room-add", "--un", U.unit,
                              "--name=Green room", NULL),
                     0);
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM rooms r, audit_log a WHERE r.id = '%s' AND r.name = 'Green room'"
             " AND a.id = (SELECT max(id) FROM audit_log WHERE action = 'room-add')"
             " AND a.detail = 'room-add --unit %s --name [text] -> exit 0'",
             room, U.unit);
    assert_int_equal(fx_count(&W, sql), 1);
    /* A command line longer than the audit row's detail still runs and is
     * logged: the option that does not fit whole is left out, never cut
     * inside a character (a path of 600 "æ" is 1,200 bytes). */
    char path[1300] = "/nonexistent/";
    for (int i = 0; i < 600; i++)
        strcat(path, "\xc3\xa6");
    long long audits = fx_count(&W, "SELECT count(*) FROM audit_log");
    assert_int_not_equal(
        fx_admin(&W, out, sizeof out, NULL, "template-add", "--unit", U.unit, "--file", path, NULL),
        0);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM audit_log"), audits + 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)"
             " AND action = 'template-add' AND detail LIKE 'template-add --unit %s -> exit %%'",
             U.unit);
    assert_int_equal(fx_count(&W, sql), 1);
    /* Repeated --sign values are all kept. */
    model_id fid;
    assert_int_equal(fx_admin(&W, fid, sizeof fid, NULL, "focus-add", "--unit", U.unit,
                              "--question", "Q?", "--from", "2026-02-01", "--to", "2026-03-01",
                              "--template", U.tmpl, "--pillar", "dialogue", "--sign", "One",
                              "--sign", "Two", "--sign", "Three", NULL),
                     0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM items WHERE entity = 'focus' AND data LIKE '%%\"id\":\"%s\"%%'"
             " AND data LIKE '%%One%%Two%%Three%%' AND data LIKE '%%\"pillar\":\"dialogue\"%%'",
             fid);
    assert_int_equal(fx_count(&W, sql), 1);
}

static void test_export_csv_and_json(void **state)
{
    (void)state;
    model_record obs, fb, rf, note, gone;
    fx_obs(&U, U.peer1, U.peer2, &obs);
    snprintf(obs.u.obs.activity, sizeof obs.u.obs.activity, "=HYPERLINK(\"x\"), \"quoted\"");
    fx_feedback(obs.u.obs.id, U.peer1, "Line one,\nline \"two\"", &fb);
    fx_note(obs.u.obs.id, "A note", &note);
    fx_reflection(obs.u.obs.id, U.peer2, "My reflection", &rf);
    /* A note its observer deleted travels as the same note without words:
     * the export leaves it out rather than count it. */
    fx_note(obs.u.obs.id, "", &gone);
    proto_change c[5];
    fx_change(&c[0], U.peer1, 0, &obs);
    fx_change(&c[1], U.peer1, 0, &note);
    fx_change(&c[2], U.peer1, 0, &fb);
    fx_change(&c[3], U.peer2, 0, &rf);
    fx_change(&c[4], U.peer1, 0, &gone);
    proto_push_reply rep;
    fx_push(&W, &D, c, 5, &rep);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rep.results[i].status, PROTO_ST_STORED);
    proto_push_reply_clear(&rep);
    /* One observation in the other unit, which must not show up. */
    fx_device dv;
    fx_enrol(&W, V.unit, &dv);
    model_record other;
    fx_obs(&V, V.peer1, V.peer2, &other);
    fx_change(&c[0], V.peer1, 0, &other);
    fx_push(&W, &dv, c, 1, &rep);
    proto_push_reply_clear(&rep);

    char path[700], out[200];
    snprintf(path, sizeof path, "%s/export.csv", W.dir);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "export", "--unit", U.unit, "--format",
                              "csv", "--out", path, NULL),
                     0);
    char *csv = tsupport_read_file(path);
    /* The wide export in its Danish form (test_srv_export has it whole). */
    assert_true(!strncmp(csv, "\xEF\xBB\xBFobservation_id;status;started_at;", 36));
    assert_non_null(strstr(csv, obs.u.obs.id));
    assert_null(strstr(csv, other.u.obs.id));
    assert_non_null(
        strstr(csv, "\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\"")); /* defused and quoted */
    assert_non_null(strstr(csv, "\"Line one,\nline \"\"two\"\"\""));
    assert_non_null(strstr(csv, ";Per Peer;Pia Peer;Blue room;"));
    assert_non_null(strstr(csv, ";My reflection;"));
    assert_non_null(strstr(csv, ";2026-09-21 16:13:20;2026-09-21 16:28:20;15,00;"));
    free(csv);

    snprintf(path, sizeof path, "%s/export.json", W.dir);
    assert_int_equal(fx_admin(&W, out, sizeof out, NULL, "export", "--unit", U.unit, "--format",
                              "json", "--out", path, NULL),
                     0);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    assert_non_null(doc);
    json_t *list = json_object_get(doc, "observations");
    assert_int_equal(json_array_size(list), 1);
    json_t *o = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "observation"), "id")),
                        obs.u.obs.id);
    assert_int_equal(json_array_size(json_object_get(o, "notes")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(o, "reflection"), "text")),
        "My reflection");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "unit"), "name")),
                        "Admin Unit");
    json_decref(doc);
}

static void test_config_file_env_flags(void **state)
{
    (void)state;
    char path[700], err[300];
    snprintf(path, sizeof path, "%s/blik.conf", W.dir);
    write_file(path,
               "# comment\nport = 9001\nlisten = 127.0.0.2\ndb = dbname=fromfile\npool = 3\n");
    setenv("BLIK_PORT", "9002", 1);
    srv_config c;
    srv_config_defaults(&c);
    char *argv[] = {"--config", path, "--pool", "5", "leftover", NULL};
    int used;
    assert_int_equal(srv_config_load(&c, 5, argv, &used, err, sizeof err), 0);
    assert_int_equal(used, 4);
    assert_int_equal(c.port, 9002);             /* env over file */
    assert_int_equal(c.pool, 5);                /* flag over file */
    assert_string_equal(c.listen, "127.0.0.2"); /* file over default */
    assert_string_equal(c.db, "dbname=fromfile");
    unsetenv("BLIK_PORT");
    /* Errors name the source. */
    write_file(path, "port = many\n");
    srv_config_defaults(&c);
    char *argv2[] = {"--config", path, NULL};
    assert_int_equal(srv_config_load(&c, 2, argv2, &used, err, sizeof err), -1);
    assert_non_null(strstr(err, "blik.conf:1"));
    write_file(path, "colour = red\n");
    assert_int_equal(srv_config_load(&c, 2, argv2, &used, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown key"));
    char *argv3[] = {"--port", "70000", NULL};
    assert_int_equal(srv_config_load(&c, 2, argv3, &used, err, sizeof err), -1);
    char *argv4[] = {"--help", NULL};
    assert_int_equal(srv_config_load(&c, 1, argv4, &used, err, sizeof err), 1);
}

static int run_exe(const char *args, char *out, size_t cap)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", BLIK_SERVER_EXE_PATH, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_command_line(void **state)
{
    (void)state;
    static char out[16384];
    assert_int_equal(run_exe("--help", out, sizeof out), 0);
    assert_non_null(strstr(out, "Usage: blik-server"));
    assert_non_null(strstr(out, "--tls-cert"));
    assert_non_null(strstr(out, "enrol-code"));
    assert_int_equal(run_exe("--no-such-flag", out, sizeof out), 2);
    /* Migrating an up-to-date database is a no-op that succeeds. */
    char args[800];
    snprintf(args, sizeof args, "migrate --db '%s'", W.conninfo);
    assert_int_equal(run_exe(args, out, sizeof out), 0);
    assert_int_equal(run_exe(args, out, sizeof out), 0);
    assert_int_equal(fx_count(&W, "SELECT count(*) FROM schema_migrations"), SRV_DB_VERSION);
    /* Serving without a certificate is refused with a reason. */
    snprintf(args, sizeof args, "serve --db '%s' --port 0", W.conninfo);
    assert_int_equal(run_exe(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "TLS"));
    /* A database that cannot be reached is named as such. */
    assert_int_equal(run_exe("admin --db 'host=127.0.0.1 port=1 dbname=x connect_timeout=2' "
                             "device-list --unit x",
                             out, sizeof out),
                     1);
    assert_non_null(strstr(out, "connect"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_pin_is_stored_only_as_argon2id_verifier),
        cmocka_unit_test(test_focus_and_template_from_files),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_options_refused_before_anything_changes),
        cmocka_unit_test(test_export_csv_and_json),
        cmocka_unit_test(test_config_file_env_flags),
        cmocka_unit_test(test_command_line),
    };
    return cmocka_run_group_tests_name("srv_admin", tests, up, down);
}
