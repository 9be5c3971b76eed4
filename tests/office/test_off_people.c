/* The people pages on a real database: the list and its search, adding a
 * person, every action on a person's page (each published into the unit's
 * feed for the tablets), the export and the erasure, and every refusal:
 * another unit's leader, a peer, bad names, hostile text, a PIN typed
 * differently twice, a stale form token and the same form sent twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "offtest.h"

static ot_world W;
static fx_unit A, B;     /* two units, each with a room, a leader and two peers */
static ot_account LA;    /* A's leader */
static ot_account LB;    /* B's leader */
static ot_account PA;    /* a peer of A */
static ot_account AREA;  /* an area leader of A and B */
static model_id ROOM_A2; /* A's second room */

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_people");
    fx_make_unit(&W.fx, "Mælkebøtten", &A);
    fx_make_unit(&W.fx, "Solsikken", &B);
    assert_int_equal(fx_admin(&W.fx, ROOM_A2, sizeof ROOM_A2, NULL, "room-add", "--unit", A.unit,
                              "--name", "Red room", NULL),
                     0);
    ot_account_make(&W, "leader", "Lea Leader", A.leader, NULL, &LA);
    ot_account_make(&W, "leader", "Lars Leader", B.leader, NULL, &LB);
    ot_account_make(&W, "peer", "Per Peer", A.peer1, NULL, &PA);
    const char *units[] = {A.unit, B.unit, NULL};
    ot_account_make(&W, "area", "Anna Area", NULL, units, &AREA);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

/* A text made safe for a form body (percent-encoding all but unreserved
 * characters). */
static void enc(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.')
            out[n++] = (char)ch;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", ch);
    }
    out[n] = 0;
}

/* POSTs a form (its fields after the account's token) as account a. */
__attribute__((format(printf, 4, 5))) static int post(const ot_account *a, ot_resp *r,
                                                      const char *path, const char *fmt, ...)
{
    char form[2048];
    int k = snprintf(form, sizeof form, "csrf=%s&", a->csrf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(form + k, sizeof form - (size_t)k, fmt, ap);
    va_end(ap);
    ot_post(&W, a->cookie, path, form, r);
    return r->status;
}

static int get(const ot_account *a, ot_resp *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int get(const ot_account *a, ot_resp *r, const char *fmt, ...)
{
    char path[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    ot_get(&W, a->cookie, path, r);
    return r->status;
}

static long long count(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long count(const char *fmt, ...)
{
    char q[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q, sizeof q, fmt, ap);
    va_end(ap);
    return fx_count(&W.fx, q);
}

/* Everything a change could touch: the people, the published records, the
 * feeds and the audit log, as one text to compare before and after. */
static char *state(void)
{
    PGresult *r = PQexec(W.fx.db,
                         "SELECT md5(coalesce((SELECT string_agg(p::text, '|' ORDER BY id)"
                         " FROM people p), '') ||"
                         " coalesce((SELECT string_agg(i.entity || i.key || i.seq || i.data, '|'"
                         " ORDER BY i.entity, i.key) FROM items i), '') ||"
                         " (SELECT string_agg(id || feed_seq, '|' ORDER BY id) FROM units) ||"
                         " (SELECT count(*) FROM audit_log)::text ||"
                         " (SELECT count(*) FROM observations)::text)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    char *s = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return s;
}

static long long seq(const char *unit)
{
    return count("SELECT feed_seq FROM units WHERE id = '%s'", unit);
}

/* The published record of a person, as the tablets receive it, holds
 * needle. */
static int published(const char *person, const char *needle)
{
    return count("SELECT count(*) FROM items WHERE entity = 'person' AND key = '%s'"
                 " AND strpos(data, '%s') > 0",
                 person, needle) == 1;
}

static void test_list_and_search(void **state_)
{
    (void)state_;
    ot_resp r;
    assert_int_equal(get(&LA, &r, "/people"), 200);
    assert_true(ot_has(&r, "Lea Leader"));
    assert_true(ot_has(&r, "Per Peer"));
    assert_true(ot_has(&r, "Pia Peer"));
    assert_true(ot_has(&r, "Mælkebøtten"));
    char other[80];
    snprintf(other, sizeof other, "/people/%s\"", B.leader);
    assert_false(ot_has(&r, other));
    /* The search field is a real GET form, and a person's office account
     * shows. */
    assert_true(ot_has(&r, "<form method=\"get\" action=\"/people\""));
    assert_true(ot_has(&r, "type=\"search\""));
    assert_true(ot_has(&r, ">Ikke sat<"));
    assert_true(ot_has(&r, ">Ja<"));
    ot_free(&r);
    /* Case-blind, Danish letters too. */
    char id[64];
    assert_int_equal(fx_admin(&W.fx, id, sizeof id, NULL, "person-add", "--unit", A.unit, "--name",
                              "Ærtebjørn Ølund", "--role", "peer", NULL),
                     0);
    assert_int_equal(get(&LA, &r, "/people?q=PER"), 200);
    assert_true(ot_has(&r, "Per Peer"));
    assert_false(ot_has(&r, "Pia Peer"));
    ot_free(&r);
    assert_int_equal(get(&LA, &r, "/people?q=%%C3%%A6rtebj%%C3%%B8rn"), 200); /* "ærtebjørn" */
    assert_true(ot_has(&r, "Ærtebjørn Ølund"));
    assert_false(ot_has(&r, "Per Peer"));
    ot_free(&r);
    assert_int_equal(get(&LA, &r, "/people?q=zzz"), 200);
    assert_true(ot_has(&r, "Ingens navn indeholder"));
    assert_true(ot_has(&r, "value=\"zzz\""));
    ot_free(&r);
    /* An area leader chooses among their units. */
    assert_int_equal(get(&AREA, &r, "/people?unit=%s", B.unit), 200);
    assert_true(ot_has(&r, "<select id=\"f-unit\" name=\"unit\">"));
    assert_true(ot_has(&r, other));
    assert_true(ot_has(&r, "<h2>Solsikken</h2>"));
    ot_free(&r);
    /* A unit nobody was added to says what to do. */
    char empty[64];
    assert_int_equal(
        fx_admin(&W.fx, empty, sizeof empty, NULL, "unit-add", "--name", "Tomt hus", NULL), 0);
    ot_account admin;
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &admin);
    assert_int_equal(get(&admin, &r, "/people?unit=%s", empty), 200);
    assert_true(ot_has(&r, "Der er ikke tilføjet nogen til enheden endnu"));
    ot_free(&r);
    /* A unit that does not exist, or an id with more after it. */
    assert_int_equal(get(&admin, &r, "/people?unit=0b7e6a52-6c8d-4a43-9d55-0e8b2c1f3a10"), 404);
    assert_true(ot_has(&r, "Enheden findes ikke"));
    ot_free(&r);
    assert_int_equal(get(&LA, &r, "/people?unit=%sx", A.unit), 403);
    ot_free(&r);
    /* Another unit's leader, a peer and nobody are refused. */
    assert_int_equal(get(&LB, &r, "/people?unit=%s", A.unit), 403);
    assert_false(ot_has(&r, "Per Peer"));
    ot_free(&r);
    assert_int_equal(get(&PA, &r, "/people"), 403);
    ot_free(&r);
    assert_int_equal(get(&PA, &r, "/people/%s", A.peer1), 403);
    ot_free(&r);
    ot_get(&W, NULL, "/people", &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    /* A search longer than a name is answered, not run. */
    char longq[200];
    memset(longq, 'a', 130);
    longq[130] = 0;
    assert_int_equal(get(&LA, &r, "/people?q=%s", longq), 200);
    assert_true(ot_has(&r, "Søgningen er for lang"));
    ot_free(&r);
}

static void test_add(void **state_)
{
    (void)state_;
    ot_resp r;
    assert_int_equal(get(&LA, &r, "/people/new"), 200);
    assert_true(ot_has(&r, "Blue room"));
    assert_true(ot_has(&r, "Red room"));
    assert_false(ot_has(&r, ">Blue room</option><option value=\"\">")); /* one list, A's */
    /* The form carries the new person's id. */
    const char *at = strstr(r.body, "name=\"id\" value=\"");
    assert_non_null(at);
    char id[37];
    memcpy(id, at + strlen("name=\"id\" value=\""), 36);
    id[36] = 0;
    ot_free(&r);
    long long s0 = seq(A.unit);
    char name[200];
    enc(name, sizeof name, "Karl <script>alert(1)</script> Hansen");
    assert_int_equal(post(&LA, &r, "/people/new", "id=%s&unit=%s&name=%s&role=leader&room=%s", id,
                          A.unit, name, ROOM_A2),
                     303);
    char want[120];
    snprintf(want, sizeof want, "/people/%s?done=person-added", id);
    assert_string_equal(ot_header(&r, "Location"), want);
    ot_free(&r);
    /* Published for the tablets, with its room on the server. */
    assert_int_equal(seq(A.unit), s0 + 1);
    assert_true(published(id, "\"role\":\"leader\""));
    assert_int_equal(
        count("SELECT count(*) FROM people WHERE id = '%s' AND room_id = '%s'", id, ROOM_A2), 1);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'person.add' AND"
                           " subject = '%s' AND actor = 'office:%s'",
                           id, LA.id),
                     1);
    /* The name is text on every page. */
    assert_int_equal(get(&LA, &r, "/people/%s?done=person-added", id), 200);
    assert_false(ot_has(&r, "<script>alert"));
    assert_true(ot_has(&r, "Karl &lt;script&gt;alert(1)&lt;/script&gt; Hansen"));
    assert_true(ot_has(&r, "Personen er tilføjet"));
    ot_free(&r);
    assert_int_equal(get(&LA, &r, "/people"), 200);
    assert_false(ot_has(&r, "<script>alert"));
    ot_free(&r);
    /* The same form sent twice adds one person. */
    char *before = state();
    assert_int_equal(post(&LA, &r, "/people/new", "id=%s&unit=%s&name=%s&role=leader&room=%s", id,
                          A.unit, name, ROOM_A2),
                     303);
    assert_string_equal(ot_header(&r, "Location"), want);
    ot_free(&r);
    char *after = state();
    assert_string_equal(before, after);
    free(after);
    /* Bad input: a message naming the field, the typed values kept, and
     * nothing changed. */
    char id2[] = "0b7e6a52-6c8d-4a43-9d55-0e8b2c1f3a10";
    assert_int_equal(
        post(&LA, &r, "/people/new", "id=%s&unit=%s&name=&role=peer&room=", id2, A.unit), 400);
    assert_true(ot_has(&r, "Skriv personens navn."));
    assert_true(ot_has(&r, "href=\"#f-name\""));
    assert_true(ot_has(&r, "aria-invalid=\"true\""));
    ot_free(&r);
    char longname[300];
    memset(longname, 'x', 121);
    longname[121] = 0;
    assert_int_equal(post(&LA, &r, "/people/new", "id=%s&unit=%s&name=%s&role=leader&room=%s", id2,
                          A.unit, longname, ROOM_A2),
                     400);
    assert_true(ot_has(&r, "Navnet er for langt"));
    assert_true(ot_has(&r, longname)); /* kept */
    assert_true(ot_has(&r, "value=\"leader\" selected"));
    ot_free(&r);
    assert_int_equal(post(&LA, &r, "/people/new",
                          "id=%s&unit=%s&name=Two%%0Alines&role=peer&room=", id2, A.unit),
                     400);
    assert_true(ot_has(&r, "tegn, der ikke kan bruges"));
    ot_free(&r);
    /* Text that is not UTF-8 is refused before any page sees it. */
    assert_int_equal(
        post(&LA, &r, "/people/new", "id=%s&unit=%s&name=%%FF&role=peer&room=", id2, A.unit), 400);
    ot_free(&r);
    assert_int_equal(
        post(&LA, &r, "/people/new", "id=%s&unit=%s&name=Bo&role=boss&room=", id2, A.unit), 400);
    assert_true(ot_has(&r, "Vælg rollen"));
    ot_free(&r);
    /* Another unit's room is refused. */
    assert_int_equal(post(&LA, &r, "/people/new", "id=%s&unit=%s&name=Bo&role=peer&room=%s", id2,
                          A.unit, B.room),
                     400);
    assert_true(ot_has(&r, "Vælg en af enhedens stuer"));
    ot_free(&r);
    /* Another unit's leader, a peer, a stale token. */
    assert_int_equal(
        post(&LB, &r, "/people/new", "id=%s&unit=%s&name=Bo&role=peer&room=", id2, A.unit), 403);
    ot_free(&r);
    assert_int_equal(
        post(&PA, &r, "/people/new", "id=%s&unit=%s&name=Bo&role=peer&room=", id2, A.unit), 403);
    ot_free(&r);
    char form[400];
    snprintf(form, sizeof form,
             "csrf=0000000000000000000000000000000000000000000000000000000000000000&id=%s&unit=%s"
             "&name=Bo&role=peer&room=",
             id2, A.unit);
    ot_post(&W, LA.cookie, "/people/new", form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    after = state();
    assert_string_equal(before, after);
    free(after);
    free(before);
    assert_int_equal(count("SELECT count(*) FROM people WHERE id = '%s'", id2), 0);
}

/* Every action on a person, each refused to others first. */
static void test_actions(void **state_)
{
    (void)state_;
    ot_resp r;
    const char *pp = A.peer2; /* Pia Peer */
    char path[200];
    assert_int_equal(get(&LA, &r, "/people/%s", pp), 200);
    assert_true(ot_has(&r, "Pia Peer"));
    assert_true(ot_has(&r, "/accounts/new?person="));
    assert_true(ot_has(&r, "næste synkronisering"));
    /* A browser must not offer the leader's own password for a PIN. */
    assert_true(ot_has(&r, "name=\"pin\" inputmode=\"numeric\" autocomplete=\"new-password\""));
    ot_free(&r);
    assert_int_equal(get(&LB, &r, "/people/%s", pp), 403);
    assert_false(ot_has(&r, "Pia Peer"));
    ot_free(&r);
    assert_int_equal(get(&LA, &r, "/people/not-an-id"), 404);
    ot_free(&r);

    /* Refused to another unit's leader and to a peer: nothing changes. */
    static const char *const actions[][2] = {
        {"rename", "name=Mallory"}, {"role", "role=leader"},
        {"room", "room="},          {"deactivate", ""},
        {"reactivate", ""},         {"pin", "pin=1234&pin2=1234"},
        {"pin-clear", ""},          {"erase", "confirm=Pia+Peer"},
    };
    char *before = state();
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        snprintf(path, sizeof path, "/people/%s/%s", pp, actions[i][0]);
        assert_int_equal(post(&LB, &r, path, "%s", actions[i][1]), 403);
        ot_free(&r);
        assert_int_equal(post(&PA, &r, path, "%s", actions[i][1]), 403);
        ot_free(&r);
    }
    char *after = state();
    assert_string_equal(before, after);
    free(after);

    /* Rename: published; the same name again publishes nothing. */
    long long s0 = seq(A.unit);
    snprintf(path, sizeof path, "/people/%s/rename", pp);
    assert_int_equal(post(&LA, &r, path, "name=Pia%%20Ploug"), 303);
    ot_free(&r);
    assert_int_equal(seq(A.unit), s0 + 1);
    assert_true(published(pp, "\"name\":\"Pia Ploug\""));
    assert_int_equal(post(&LA, &r, path, "name=Pia%%20Ploug"), 303);
    ot_free(&r);
    assert_int_equal(seq(A.unit), s0 + 1);
    /* A bad name: 400, the typed text kept (as text), nothing changed. */
    free(before);
    before = state();
    assert_int_equal(post(&LA, &r, path, "name=%%3Cb%%3E%%0Ax"), 400);
    assert_true(ot_has(&r, "value=\"&lt;b&gt;\nx\""));
    assert_true(ot_has(&r, "tegn, der ikke kan bruges"));
    ot_free(&r);
    assert_int_equal(post(&LA, &r, path, "name=%%20%%20"), 400);
    assert_true(ot_has(&r, "Skriv personens navn."));
    ot_free(&r);
    after = state();
    assert_string_equal(before, after);
    free(after);

    /* Role. */
    snprintf(path, sizeof path, "/people/%s/role", pp);
    assert_int_equal(post(&LA, &r, path, "role=leader"), 303);
    ot_free(&r);
    assert_true(published(pp, "\"role\":\"leader\""));
    assert_int_equal(post(&LA, &r, path, "role=admin"), 400);
    ot_free(&r);
    assert_int_equal(post(&LA, &r, path, "role=peer"), 303);
    ot_free(&r);
    assert_true(published(pp, "\"role\":\"peer\""));

    /* Room: within the unit, never into another unit's room. */
    snprintf(path, sizeof path, "/people/%s/room", pp);
    assert_int_equal(post(&LA, &r, path, "room=%s", ROOM_A2), 303);
    ot_free(&r);
    assert_int_equal(
        count("SELECT count(*) FROM people WHERE id = '%s' AND room_id = '%s'", pp, ROOM_A2), 1);
    assert_int_equal(get(&LA, &r, "/people/%s", pp), 200);
    assert_true(ot_has(&r, "<dd>Red room</dd>"));
    ot_free(&r);
    free(before);
    before = state();
    assert_int_equal(post(&LA, &r, path, "room=%s", B.room), 400);
    assert_true(ot_has(&r, "Vælg en af enhedens stuer"));
    ot_free(&r);
    after = state();
    assert_string_equal(before, after);
    free(after);

    /* Deactivate and reactivate: published, and the page says what it
     * means. */
    snprintf(path, sizeof path, "/people/%s/deactivate", pp);
    assert_int_equal(post(&LA, &r, path, "%s", ""), 303);
    ot_free(&r);
    assert_true(published(pp, "\"active\":false"));
    assert_int_equal(get(&LA, &r, "/people/%s?done=person-deactivated", pp), 200);
    assert_true(ot_has(&r, "<dd>Deaktiveret</dd>"));
    assert_true(ot_has(&r, "kan ikke logge ind på tablets"));
    ot_free(&r);
    snprintf(path, sizeof path, "/people/%s/reactivate", pp);
    assert_int_equal(post(&LA, &r, path, "%s", ""), 303);
    ot_free(&r);
    assert_true(published(pp, "\"active\":true"));

    /* The PIN: typed twice, digits only, never shown back or logged. Eight
     * digits, so that no random id or token on the page holds them by chance
     * (four did once, and the check failed). */
    free(before);
    before = state();
    snprintf(path, sizeof path, "/people/%s/pin", pp);
    assert_int_equal(post(&LA, &r, path, "pin=47118253&pin2=47128253"), 400);
    assert_true(ot_has(&r, "De to pinkoder er ikke ens"));
    assert_false(ot_has(&r, "47118253"));
    assert_false(ot_has(&r, "47128253"));
    ot_free(&r);
    assert_int_equal(post(&LA, &r, path, "pin=47a1&pin2=47a1"), 400);
    assert_true(ot_has(&r, "4 til 8 cifre"));
    ot_free(&r);
    assert_int_equal(post(&LA, &r, path, "pin=123&pin2=123"), 400);
    ot_free(&r);
    after = state();
    assert_string_equal(before, after);
    free(after);
    s0 = seq(A.unit);
    assert_int_equal(post(&LA, &r, path, "pin=47118253&pin2=47118253"), 303);
    ot_free(&r);
    assert_int_equal(seq(A.unit), s0 + 1);
    assert_true(published(pp, "$argon2id$"));
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE detail LIKE '%%47118253%%'"), 0);
    assert_int_equal(get(&LA, &r, "/people/%s?done=pin-saved", pp), 200);
    assert_false(ot_has(&r, "47118253"));
    assert_true(ot_has(&r, "<dd>Sat</dd>"));
    assert_true(ot_has(&r, "Pinkoden er gemt"));
    ot_free(&r);
    snprintf(path, sizeof path, "/people/%s/pin-clear", pp);
    assert_int_equal(post(&LA, &r, path, "%s", ""), 303);
    ot_free(&r);
    assert_true(published(pp, "\"pin_verifier\":\"\""));
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE actor = 'office:%s' AND"
                           " subject = '%s' AND action IN ('person.rename', 'person.role',"
                           " 'person.room', 'person.deactivate', 'person.activate',"
                           " 'person.pin-set', 'person.pin-clear')",
                           LA.id, pp),
                     9);

    /* A stale form token changes nothing. */
    free(before);
    before = state();
    snprintf(path, sizeof path, "/people/%s/rename", pp);
    ot_post(&W, LA.cookie, path,
            "csrf=0000000000000000000000000000000000000000000000000000000000000000&name=X", &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    after = state();
    assert_string_equal(before, after);
    free(after);
    free(before);
    /* A browser under Referrer-Policy no-referrer names the origin of the
     * office's own form "null"; another site's origin is refused. */
    char form[200];
    snprintf(form, sizeof form, "csrf=%s&name=Pia%%20P", LA.csrf);
    ot_post_from(&W, LA.cookie, "https://evil.example", path, form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    ot_post_from(&W, LA.cookie, "null", path, form, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_true(published(pp, "\"name\":\"Pia P\""));
    /* An area leader acts in their units. */
    assert_int_equal(post(&AREA, &r, path, "name=Pia%%20Peer"), 303);
    ot_free(&r);
    assert_true(published(pp, "\"name\":\"Pia Peer\""));
}

static void test_export(void **state_)
{
    (void)state_;
    ot_resp r;
    assert_int_equal(get(&LB, &r, "/people/%s/export", A.peer1), 403);
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'person.export'"), 0);
    assert_int_equal(get(&LA, &r, "/people/%s/export", A.peer1), 200);
    assert_string_equal(r.content_type, "application/json");
    assert_non_null(strstr(ot_header(&r, "Content-Disposition"), "attachment"));
    assert_true(ot_has(&r, A.peer1));
    assert_true(ot_has(&r, "\"pin_set\""));
    assert_false(ot_has(&r, "pin_verifier"));
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'person.export' AND"
                           " subject = '%s' AND actor = 'office:%s'",
                           A.peer1, LA.id),
                     1);
}

/* Observations made straight in the database, as a tablet's pushes leave
 * them: obs observed by observer, of observee, with parts. */
static void observation(const char *id, const char *observer, const char *observee, int seqno,
                        const char *const *parts)
{
    char q[1500];
    snprintf(q, sizeof q,
             "INSERT INTO observations (id, unit_id, observer_id, observee_id) VALUES"
             " ('%s', '%s', '%s', '%s');"
             "INSERT INTO items (entity, key, unit_id, seq, observation_id, version, data)"
             " VALUES ('observation', '%s', '%s', %d, '%s', 1, '{}')",
             id, A.unit, observer, observee, id, A.unit, seqno, id);
    PGresult *r = PQexec(W.fx.db, q);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    for (int i = 0; parts && parts[i]; i++) {
        snprintf(q, sizeof q,
                 "INSERT INTO items (entity, key, unit_id, seq, observation_id, version, data)"
                 " VALUES ('%s', '%s-%d', '%s', %d, '%s', 1, '{}')",
                 parts[i], id, i, A.unit, seqno + 1 + i, id);
        r = PQexec(W.fx.db, q);
        assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
    }
}

static void test_erase(void **state_)
{
    (void)state_;
    ot_resp r;
    /* Per observed Pia twice, and Lea observed Per once. */
    const char *parts1[] = {"feedback", "reflection", "note", "note", NULL};
    const char *parts2[] = {"note", NULL};
    observation("11111111-1111-4111-8111-111111111111", A.peer1, A.peer2, 900100, parts1);
    observation("22222222-2222-4222-8222-222222222222", A.peer1, A.peer2, 900200, parts2);
    observation("33333333-3333-4333-8333-333333333333", A.leader, A.peer1, 900300, NULL);
    assert_int_equal(get(&LA, &r, "/people/%s/erase", A.peer1), 200);
    assert_true(ot_has(&r, "2 observationer, som personen har lavet som observatør"));
    assert_true(ot_has(&r, "1 observation af personen, lavet af andre"));
    assert_true(ot_has(&r, "1 feedback i de observationer"));
    assert_true(ot_has(&r, "1 refleksion i de observationer"));
    assert_true(ot_has(&r, "3 noter i de observationer"));
    assert_true(ot_has(&r, "personens konto til kontoret"));
    assert_true(ot_has(&r, "Skriv Per Peer for at bekræfte"));
    ot_free(&r);
    /* Refused: another unit's leader, a wrong name, a stale token. */
    char *before = state();
    char path[200];
    snprintf(path, sizeof path, "/people/%s/erase", A.peer1);
    assert_int_equal(get(&LB, &r, "%s", path), 403);
    ot_free(&r);
    assert_int_equal(post(&LA, &r, path, "confirm=per+peer"), 400);
    assert_true(ot_has(&r, "Intet blev slettet"));
    assert_true(ot_has(&r, "value=\"per peer\""));
    ot_free(&r);
    ot_post(&W, LA.cookie, path,
            "csrf=0000000000000000000000000000000000000000000000000000000000000000"
            "&confirm=Per+Peer",
            &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    char *after = state();
    assert_string_equal(before, after);
    free(after);
    free(before);
    /* A leader cannot erase themselves. */
    assert_int_equal(get(&LA, &r, "/people/%s/erase", A.leader), 200);
    assert_true(ot_has(&r, "Du kan ikke slette dig selv"));
    assert_false(ot_has(&r, "name=\"confirm\""));
    ot_free(&r);
    snprintf(path, sizeof path, "/people/%s/erase", A.leader);
    assert_int_equal(post(&LA, &r, path, "confirm=Lea+Leader"), 409);
    ot_free(&r);
    /* The name typed as it is: the person, their observations and their
     * account go, and the tablets are told. */
    long long s0 = seq(A.unit);
    snprintf(path, sizeof path, "/people/%s/erase", A.peer1);
    assert_int_equal(post(&LA, &r, path, "confirm=Per+Peer"), 303);
    char want[120];
    snprintf(want, sizeof want, "/people?unit=%s&done=person-erased", A.unit);
    assert_string_equal(ot_header(&r, "Location"), want);
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM people WHERE id = '%s'", A.peer1), 0);
    assert_int_equal(count("SELECT count(*) FROM observations"), 0);
    assert_int_equal(count("SELECT count(*) FROM accounts WHERE person_id = '%s'", A.peer1), 0);
    assert_int_equal(count("SELECT count(*) FROM items WHERE entity = 'deleted' AND"
                           " key = 'person/%s'",
                           A.peer1),
                     1);
    assert_true(seq(A.unit) > s0);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'person-delete' AND"
                           " actor = 'office:%s' AND subject = '%s'",
                           LA.id, A.peer1),
                     1);
    /* Sent again: there is nobody left to erase. */
    assert_int_equal(post(&LA, &r, path, "confirm=Per+Peer"), 404);
    ot_free(&r);
    assert_int_equal(get(&LA, &r, "/people?unit=%s&done=person-erased", A.unit), 200);
    assert_true(ot_has(&r, "Personen og personens observationer er slettet"));
    assert_false(ot_has(&r, "Per Peer"));
    ot_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_and_search), cmocka_unit_test(test_add),
        cmocka_unit_test(test_actions),         cmocka_unit_test(test_export),
        cmocka_unit_test(test_erase),
    };
    return cmocka_run_group_tests(tests, up, down);
}
