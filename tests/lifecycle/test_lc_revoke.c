/*
 * Revocation, re-enrolment and remote wipe with the real server over TLS on
 * a throwaway PostgreSQL, and what the server knows of its tablets:
 * - work saved on a revoked tablet stays, and after a new enrolment to the
 *   same unit it is sent, every change once;
 * - enrolled to another unit, that work is not sent and not dropped: each
 *   change is refused on the tablet with a reason in words, and the new
 *   unit's data comes down;
 * - revoked with wipe, the tablet erases its rows at its next contact (a
 *   marker in the feedback and in a draft is nowhere in the files), and db_wipe
 *   deletes the files and gives a fresh store in the same handle;
 * - device-list prints a header and, per tablet, its name, state, when it
 *   was enrolled, last seen (time, app, address) and its last push.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lcsupport.h"
#include "tsupport.h"

static fx_world W;
static fx_unit U, V;

static int up(void **state)
{
    (void)state;
    if (fx_up(&W, "blik_lc_revoke", NULL) != 0)
        return -1;
    fx_make_unit(&W, "Solsikken", &U);
    fx_make_unit(&W, "Mælkebøtten", &V);
    return 0;
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

static void device_of(tablet *t, model_id out)
{
    db_enrolment en;
    assert_int_equal(db_enrolment_get(t->d, &en), DB_OK);
    assert_true(strlen(en.device_id) < sizeof(model_id));
    memcpy(out, en.device_id, strlen(en.device_id) + 1);
}

static long long items_of(const char *obs)
{
    char q[200];
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE observation_id = '%s'", obs);
    return fx_count(&W, q);
}

/* Revoked: nothing is sent, nothing is lost; enrolled again to the same
 * unit, all of it goes up once. */
static void test_revoked_work_goes_after_reenrolment(void **state)
{
    (void)state;
    tablet t;
    tab_open(&t, "lc_same", NULL);
    tab_enrol(&t, &W, U.unit, NULL);
    tab_sync_ok(&t, NULL);
    assert_int_equal(db_sync_follow(t.d, U.peer1), DB_OK);
    model_id dev, obs;
    device_of(&t, dev);
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "device-revoke", "--device", dev, NULL), 0);
    tab_observe(&t, &U, U.peer1, U.peer2, 4, 2, obs);
    long long waiting = tab_counts(&t).waiting;
    assert_int_equal(sync_round(t.c, NULL), SYNC_REVOKED);
    assert_int_equal(sync_round(t.c, NULL), SYNC_REVOKED);
    assert_int_equal(tab_counts(&t).waiting, waiting);
    db_sync_state s;
    assert_int_equal(db_sync_state_of(t.d, obs, &s), DB_OK);
    assert_int_equal(s, DB_SYNC_SAVED);
    assert_int_equal(items_of(obs), 0);

    tab_enrol(&t, &W, U.unit, NULL);
    sync_report rep;
    tab_sync_ok(&t, &rep);
    assert_int_equal(rep.pushed, waiting);
    assert_int_equal(rep.conflicts + rep.rejected, 0);
    assert_int_equal(tab_counts(&t).waiting, 0);
    assert_int_equal(db_sync_state_of(t.d, obs, &s), DB_OK);
    assert_int_equal(s, DB_SYNC_SYNCED);
    /* observation, 4 events, 2 notes, 1 rating */
    assert_int_equal(items_of(obs), 8);
    model_id dev2;
    device_of(&t, dev2);
    assert_string_not_equal(dev, dev2);
    tab_close(&t);
}

/* Enrolled to another unit: the old unit's waiting work is refused on the
 * tablet, in words, and the new unit's data arrives. */
static void test_other_unit_refuses_in_words(void **state)
{
    (void)state;
    tablet t;
    tab_open(&t, "lc_other", NULL);
    tab_enrol(&t, &W, U.unit, NULL);
    tab_sync_ok(&t, NULL);
    model_id dev, obs;
    device_of(&t, dev);
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "device-revoke", "--device", dev, NULL), 0);
    tab_observe(&t, &U, U.peer1, U.peer2, 3, 1, obs);
    long long waiting = tab_counts(&t).waiting;
    assert_true(waiting > 0);
    assert_int_equal(sync_round(t.c, NULL), SYNC_REVOKED);

    tab_enrol(&t, &W, V.unit, NULL);
    db_sync_counts n = tab_counts(&t);
    assert_int_equal(n.waiting, 0);
    assert_int_equal(n.rejected, waiting);
    db_sync_state s;
    assert_int_equal(db_sync_state_of(t.d, obs, &s), DB_OK);
    assert_int_equal(s, DB_SYNC_REJECTED);
    db_sync_rejection rj[4];
    int k = 0;
    assert_int_equal(db_sync_rejections(t.d, 0, 4, rj, &k), DB_OK);
    assert_true(k > 0);
    assert_string_equal(rj[0].code, "other_unit");
    TSUPPORT_HAS(rj[0].message, "Solsikken");
    TSUPPORT_HAS(rj[0].message, "not sent");
    /* The observation is still on the tablet, whole. */
    model_observation o;
    assert_int_equal(db_obs_get(t.d, obs, &o), DB_OK);

    sync_report rep;
    tab_sync_ok(&t, &rep);
    assert_int_equal(rep.pushed, 0);
    assert_int_equal(items_of(obs), 0);
    model_person p;
    assert_int_equal(db_person_get(t.d, V.leader, &p), DB_OK);
    tab_close(&t);
}

/* 1 if the bytes of the file at path hold s. */
static int file_holds(const char *path, const char *s)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 1 << 20, len = 0, k;
    char *buf = malloc(cap);
    assert_non_null(buf);
    int found = 0;
    size_t sl = strlen(s);
    while (!found && (k = fread(buf + len, 1, cap - len, f)) > 0) {
        len += k;
        for (size_t i = 0; i + sl <= len && !found; i++)
            found = !memcmp(buf + i, s, sl);
        if (len > sl) {
            memmove(buf, buf + len - sl, sl);
            len = sl;
        }
    }
    fclose(f);
    free(buf);
    return found;
}

static int any_file_holds(const char *path, const char *s)
{
    char p[800];
    int found = 0;
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        found |= file_holds(p, s);
    }
    return found;
}

/* Revoked with wipe: at its next contact the tablet's rows go, the
 * secret with them; then the files go and a fresh store stands there. */
static void test_wipe_erases_everything(void **state)
{
    (void)state;
    tablet t;
    tab_open(&t, "lc_wipe", NULL);
    tab_enrol(&t, &W, U.unit, NULL);
    tab_sync_ok(&t, NULL);
    model_id dev, obs;
    device_of(&t, dev);
    db_enrolment en;
    assert_int_equal(db_enrolment_get(t.d, &en), DB_OK);
    char secret[80];
    snprintf(secret, sizeof secret, "%s", en.device_secret);
    tab_observe(&t, &U, U.peer1, U.peer2, 2, 0, obs);
    const char *marker = "Marker-7f3a9c-in-the-feedback";
    assert_int_equal(db_feedback_put(t.d, obs, U.peer1, marker, "", "", 0), DB_OK);
    assert_int_equal(db_draft_put(t.d, obs, DB_DRAFT_FB_WONDER, "Draft-5e1b2d-half-written"),
                     DB_OK);
    assert_true(any_file_holds(t.path, marker));
    assert_true(any_file_holds(t.path, secret));

    char out[200];
    assert_int_equal(
        fx_admin(&W, out, sizeof out, NULL, "device-revoke", "--device", dev, "--wipe", NULL), 0);
    assert_int_equal(sync_round(t.c, NULL), SYNC_WIPED);
    /* Both handles see an empty store at once: no enrolment, no people,
     * no observation, nothing waiting. */
    assert_false(db_enrolled(t.d));
    model_person p;
    assert_int_equal(db_person_get(t.d, U.peer1, &p), DB_NOTFOUND);
    model_observation o;
    assert_int_equal(db_obs_get(t.d, obs, &o), DB_NOTFOUND);
    db_sync_counts n = tab_counts(&t);
    assert_int_equal(n.waiting + n.rejected + n.conflicts + n.parked, 0);
    assert_false(any_file_holds(t.path, marker));
    assert_false(any_file_holds(t.path, "Draft-5e1b2d"));
    assert_false(any_file_holds(t.path, secret));

    /* The files themselves: with the sync side's handle closed, the
     * screens' handle deletes them and holds a fresh store. */
    sync_client_close(t.c);
    t.c = NULL;
    struct stat before, after;
    char keep[800];
    snprintf(keep, sizeof keep, "%s.old", t.path);
    assert_int_equal(link(t.path, keep), 0); /* holds the old inode, so its number is not reused */
    assert_int_equal(stat(t.path, &before), 0);
    assert_int_equal(db_wipe(t.d), DB_OK);
    assert_int_equal(stat(t.path, &after), 0);
    assert_true(before.st_ino != after.st_ino); /* a new file, not the old one emptied */
    assert_false(file_holds(keep, marker));
    assert_int_equal(unlink(keep), 0);
    assert_int_equal(after.st_mode & 077, 0);
    assert_false(db_enrolled(t.d));
    assert_int_equal(db_schema_version(t.d), DB_SCHEMA_VERSION);
    assert_int_equal(db_check(t.d), DB_OK);
    assert_false(any_file_holds(t.path, marker));

    /* The server knows the tablet was told. */
    int rc;
    char *list = fx_admin_all(&W, &rc, "device-list", "--unit", U.unit, NULL);
    assert_int_equal(rc, 0);
    TSUPPORT_HAS(list, "revoked, wipe sent 20");
    free(list);
    tab_close(&t);
}

/* The line of one device in the list, into line. */
static void list_line(const char *dev, char *line, size_t cap)
{
    int rc;
    char *list = fx_admin_all(&W, &rc, "device-list", "--unit", U.unit, NULL);
    assert_int_equal(rc, 0);
    assert_true(
        !strncmp(list, "device\tname\tstate\tenrolled\tlast seen\tapp\taddress\tlast push\n", 58));
    const char *at = strstr(list, dev);
    assert_non_null(at);
    size_t n = strcspn(at, "\n");
    snprintf(line, cap, "%.*s", (int)n, at);
    free(list);
}

/* device-list: a header, and what an administrator needs to tell which
 * tablet was lost. */
static void test_device_list_knows_each_tablet(void **state)
{
    (void)state;
    tablet t;
    tab_open(&t, "lc_list", NULL);
    char code[40], *ca = tsupport_read_file(W.srv.ca);
    assert_int_equal(fx_admin(&W, code, sizeof code, NULL, "enrol-code", "--unit", U.unit, NULL),
                     0);
    sync_enrolment e = {W.srv.url, code, "Stue 3 \xE2\x80\x93 bl\xC3\xA5", ca, NULL};
    assert_int_equal(sync_enrol(t.c, &e), SYNC_OK);
    free(ca);
    model_id dev, obs;
    device_of(&t, dev);
    char line[600];
    list_line(dev, line, sizeof line);
    /* Enrolled, never seen since. */
    TSUPPORT_HAS(line, "\tStue 3 \xE2\x80\x93 bl\xC3\xA5\tactive\t20");
    TSUPPORT_HAS(line, "Z\tnever\t-\t-\tnone");

    tab_sync_ok(&t, NULL);
    tab_observe(&t, &U, U.peer1, U.peer2, 2, 1, obs);
    long long waiting = tab_counts(&t).waiting;
    tab_sync_ok(&t, NULL);
    list_line(dev, line, sizeof line);
    char want[120];
    snprintf(want, sizeof want, "Z\tBlik/%s\t127.0.0.1\t%lld changes, 20", "0.1.0", waiting);
    TSUPPORT_HAS(line, want);
    assert_null(strstr(line, "never"));

    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "device-revoke", "--device", dev, NULL), 0);
    list_line(dev, line, sizeof line);
    TSUPPORT_HAS(line, "\trevoked\t");
    assert_int_equal(fx_admin(&W, NULL, 0, NULL, "device-revoke", "--device", dev, "--wipe", NULL),
                     0);
    list_line(dev, line, sizeof line);
    TSUPPORT_HAS(line, "\trevoked, wipe pending\t");
    tab_close(&t);

    /* A tablet without a name says so. */
    tablet u;
    tab_open(&u, "lc_list2", NULL);
    ca = tsupport_read_file(W.srv.ca);
    assert_int_equal(fx_admin(&W, code, sizeof code, NULL, "enrol-code", "--unit", U.unit, NULL),
                     0);
    sync_enrolment e2 = {W.srv.url, code, NULL, ca, NULL};
    assert_int_equal(sync_enrol(u.c, &e2), SYNC_OK);
    free(ca);
    device_of(&u, dev);
    list_line(dev, line, sizeof line);
    TSUPPORT_HAS(line, "\t(no name)\tactive\t");
    tab_close(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revoked_work_goes_after_reenrolment),
        cmocka_unit_test(test_other_unit_refuses_in_words),
        cmocka_unit_test(test_wipe_erases_everything),
        cmocka_unit_test(test_device_list_knows_each_tablet),
    };
    return cmocka_run_group_tests(tests, up, down);
}
