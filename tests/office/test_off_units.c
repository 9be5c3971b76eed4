/* Units, rooms and tablets in the office, on a real database with the
 * tablets' protocol in-process: each change works and reaches the tablets'
 * feed where it should, each refusal (another unit's leader, an area
 * leader outside their units, a non-administrator, bad values, a stale
 * form token, the same form sent twice) changes nothing, an enrolment code
 * made in the office enrols a tablet, and a revocation made there refuses
 * the tablet's next request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "offtest.h"
#include "proto.h"
#include "srv_ref.h"

static ot_world W;
static fx_unit A, B;
static ot_account Admin, LeadA, LeadB, AreaB, AreaA;

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_units");
    fx_make_unit(&W.fx, "Børnehuset Solsikken", &A);
    fx_make_unit(&W.fx, "Skovbørnehaven", &B);
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &Admin);
    ot_account_make(&W, "leader", "Lis Leder", A.leader, NULL, &LeadA);
    ot_account_make(&W, "leader", "Bo Leder", B.leader, NULL, &LeadB);
    const char *only_b[] = {B.unit, NULL}, *only_a[] = {A.unit, NULL};
    ot_account_make(&W, "area", "Ulla Område", NULL, only_b, &AreaB);
    ot_account_make(&W, "area", "Åse Område", NULL, only_a, &AreaA);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

/* A text from one SQL query with one parameter ("" when no row). */
static void q1(const char *sql, const char *param, char *out, size_t cap)
{
    const char *p[] = {param};
    PGresult *r = PQexecParams(W.fx.db, sql, param ? 1 : 0, NULL, param ? p : NULL, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    snprintf(out, cap, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
}

static long long n1(const char *sql, const char *param)
{
    char s[64];
    q1(sql, param, s, sizeof s);
    return atoll(s);
}

/* Everything a refusal must leave as it was: reference rows, the feed,
 * devices, codes and the audit log, as one fingerprint. */
static void fingerprint(char *out, size_t cap)
{
    q1("SELECT (SELECT count(*) FROM units) || '/' || (SELECT string_agg(name || active::text"
       " || retention_days, ',' ORDER BY id) FROM units) || '/' || (SELECT string_agg(name ||"
       " active::text, ',' ORDER BY id) FROM rooms) || '/' || (SELECT coalesce(sum(feed_seq), 0)"
       " FROM units) || '/' || (SELECT count(*) FROM enrol_codes) || '/' || (SELECT"
       " count(*) FROM devices WHERE revoked_at IS NOT NULL) || '/' || (SELECT count(*) FROM"
       " devices WHERE wipe_at IS NOT NULL) || '/' || (SELECT count(*) FROM audit_log)",
       NULL, out, cap);
}

/* POSTs form (with the account's token first) and asserts the status. */
static void post(const ot_account *a, const char *path, const char *form, int status, ot_resp *r)
{
    char body[2048];
    snprintf(body, sizeof body, "csrf=%s%s%s", a->csrf, form && *form ? "&" : "", form ? form : "");
    ot_post(&W, a->cookie, path, body, r);
    if (r->status != status)
        fprintf(stderr, "POST %s: %d, not %d\n%s\n", path, r->status, status,
                r->body ? r->body : "");
    assert_int_equal(r->status, status);
}

/* Asserts that the form is refused with status and changes nothing. */
static void refused(const ot_account *a, const char *path, const char *form, int status)
{
    char before[4096], after[4096];
    fingerprint(before, sizeof before);
    ot_resp r;
    post(a, path, form, status, &r);
    ot_free(&r);
    fingerprint(after, sizeof after);
    assert_string_equal(before, after);
}

static void get(const ot_account *a, const char *path, int status, ot_resp *r)
{
    ot_get(&W, a->cookie, path, r);
    if (r->status != status)
        fprintf(stderr, "GET %s: %d, not %d\n", path, r->status, status);
    assert_int_equal(r->status, status);
}

/* The value of the hidden field name in a page's form. */
static void hidden(const ot_resp *r, const char *name, char *out, size_t cap)
{
    char pat[80];
    snprintf(pat, sizeof pat, "name=\"%s\" value=\"", name);
    const char *m = strstr(r->body, pat);
    assert_non_null(m);
    m += strlen(pat);
    size_t n = strcspn(m, "\"");
    assert_true(n < cap);
    memcpy(out, m, n);
    out[n] = 0;
}

/* ---- the tablets' side, in-process ---- */

typedef struct {
    model_id id;
    char authz[160];
} tablet;

static void v1(const char *path, const char *authz, const char *body, srv_response *out)
{
    srv_request rq = {.method = "POST",
                      .path = path,
                      .authorization = authz,
                      .address = "10.0.0.7",
                      .body = body,
                      .len = strlen(body),
                      .user_agent = "Blik/1.0 test"};
    srv_handle(W.s, &rq, out);
}

/* Enrols a tablet with code through the protocol; the HTTP status. */
static int enrol(const char *code, const char *name, tablet *t)
{
    proto_enrol e = {PROTO_SCHEMA, "", ""};
    snprintf(e.code, sizeof e.code, "%s", code);
    snprintf(e.name, sizeof e.name, "%s", name);
    char *body = proto_enrol_encode(&e);
    srv_response r;
    v1("/v1/enrol", NULL, body, &r);
    free(body);
    int status = r.status;
    if (status == 200) {
        proto_enrol_reply rep;
        proto_err pe;
        assert_int_equal(proto_enrol_reply_decode(r.body, strlen(r.body), &rep, &pe), 0);
        snprintf(t->id, sizeof t->id, "%s", rep.device_id);
        snprintf(t->authz, sizeof t->authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
    }
    free(r.body);
    return status;
}

/* Pulls reference data; 200 with the reply, or the error's code. */
static int pull(const tablet *t, proto_pull_reply *out, proto_code *code)
{
    proto_pull p = {PROTO_SCHEMA, 0, PROTO_PULL_MAX, ""};
    char *body = proto_pull_encode(&p);
    srv_response r;
    v1("/v1/pull", t->authz, body, &r);
    free(body);
    int status = r.status;
    if (status == 200) {
        proto_err pe;
        assert_int_equal(proto_pull_reply_decode(r.body, strlen(r.body), out, &pe), 0);
    } else {
        proto_err e;
        proto_error_decode(r.body, r.body ? strlen(r.body) : 0, &e);
        *code = e.code;
    }
    free(r.body);
    return status;
}

/* The record (entity, key) in a pull, or NULL. */
static const model_record *pulled(const proto_pull_reply *r, model_entity e, const char *key)
{
    const model_record *found = NULL;
    for (int i = 0; i < r->n; i++) {
        char k[MODEL_RECORD_KEY_MAX];
        model_record_key(r->items[i].rec, k);
        if (r->items[i].rec->entity == e && !strcmp(k, key))
            found = r->items[i].rec; /* the latest wins */
    }
    return found;
}

/* ---- units ---- */

static void test_add_unit(void **state)
{
    (void)state;
    ot_resp r;
    get(&Admin, "/units/new", 200, &r);
    char id[64];
    hidden(&r, "id", id, sizeof id);
    assert_true(ot_has(&r, "observationer gemmes")); /* what retention means, in Danish */
    ot_free(&r);
    /* Bad values, each with its sentence next to its field. */
    static const char *const bad[] = {
        "name=&retention=365", "name=%20%20&retention=365", "name=Ny%0Aenhed&retention=365",
        "name=Ny&retention=0", "name=Ny&retention=3651",    "name=Ny&retention=12a",
        "name=Ny&retention=",  "name=Ny&retention=-5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char form[300];
        snprintf(form, sizeof form, "id=%s&%s", id, bad[i]);
        refused(&Admin, "/units/new", form, 400);
    }
    char longname[400] = "name=";
    memset(longname + 5, 'x', 130);
    snprintf(longname + 135, sizeof longname - 135, "&retention=30&id=%s", id);
    refused(&Admin, "/units/new", longname, 400);
    char form[300];
    snprintf(form, sizeof form, "id=%s&name=Ny%%20enhed&retention=", id);
    post(&Admin, "/units/new", form, 400, &r);
    assert_true(ot_has(&r, "aria-invalid=\"true\""));
    assert_true(ot_has(&r, "value=\"Ny enhed\"")); /* what was typed stays */
    ot_free(&r);
    /* Not an administrator: refused, even with a good form. */
    snprintf(form, sizeof form, "id=%s&name=Leders%%20enhed&retention=30", id);
    refused(&LeadA, "/units/new", form, 403);
    refused(&AreaA, "/units/new", form, 403);
    get(&LeadA, "/units/new", 403, &r);
    ot_free(&r);
    /* A stale token. */
    char before[4096], after[4096];
    fingerprint(before, sizeof before);
    snprintf(form, sizeof form, "csrf=%064d&id=%s&name=X&retention=30", 0, id);
    ot_post(&W, Admin.cookie, "/units/new", form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    fingerprint(after, sizeof after);
    assert_string_equal(before, after);
    /* From another site: refused. A browser names the origin of a form
     * posted under the office's no-referrer policy "null": the form's
     * token decides then (here a stale one, refused). */
    snprintf(form, sizeof form, "csrf=%s&id=%s&name=X&retention=30", Admin.csrf, id);
    ot_post_from(&W, Admin.cookie, "https://evil.example", "/units/new", form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    snprintf(form, sizeof form, "csrf=%064d&id=%s&name=X&retention=30", 0, id);
    ot_post_from(&W, Admin.cookie, "null", "/units/new", form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    fingerprint(after, sizeof after);
    assert_string_equal(before, after);
    /* The good form, sent as a browser sends it; sent twice, one unit. */
    long long units = n1("SELECT count(*) FROM units", NULL);
    snprintf(form, sizeof form, "id=%s&name=Ny%%20enhed&retention=30", id);
    char want[120];
    snprintf(want, sizeof want, "/units/%s?done=added", id);
    for (int i = 0; i < 2; i++) {
        char body[400];
        snprintf(body, sizeof body, "csrf=%s&%s", Admin.csrf, form);
        ot_post_from(&W, Admin.cookie, "null", "/units/new", body, &r);
        assert_int_equal(r.status, 303);
        assert_string_equal(ot_header(&r, "Location"), want);
        ot_free(&r);
    }
    assert_int_equal(n1("SELECT count(*) FROM units", NULL), units + 1);
    assert_int_equal(n1("SELECT retention_days FROM units WHERE id = $1", id), 30);
    assert_int_equal(n1("SELECT count(*) FROM items WHERE entity = 'unit' AND key = $1", id), 1);
    char actor[80];
    q1("SELECT actor FROM audit_log WHERE action = 'unit.add' AND subject = $1", id, actor,
       sizeof actor);
    assert_int_equal(strncmp(actor, "office:", 7), 0);
    get(&Admin, want, 200, &r);
    assert_true(ot_has(&r, "Ny enhed"));
    ot_free(&r);
    get(&Admin, "/units", 200, &r);
    assert_true(ot_has(&r, "Ny enhed"));
    assert_true(ot_has(&r, "Børnehuset Solsikken"));
    ot_free(&r);
}

static void test_who_sees_units(void **state)
{
    (void)state;
    ot_resp r;
    char want[120];
    /* A leader lands on their own unit. */
    get(&LeadA, "/units", 303, &r);
    snprintf(want, sizeof want, "/units/%s", A.unit);
    assert_string_equal(ot_header(&r, "Location"), want);
    ot_free(&r);
    get(&LeadA, want, 200, &r);
    assert_true(ot_has(&r, "Børnehuset Solsikken"));
    assert_false(ot_has(&r, "name=\"retention\"")); /* an administrator's setting */
    ot_free(&r);
    /* Another unit's page: refused, and its name is not shown. */
    snprintf(want, sizeof want, "/units/%s", B.unit);
    get(&LeadA, want, 403, &r);
    assert_false(ot_has(&r, "Skovbørnehaven"));
    ot_free(&r);
    get(&AreaA, want, 403, &r);
    ot_free(&r);
    get(&AreaB, want, 200, &r);
    ot_free(&r);
    /* An area leader's list holds their units only. */
    get(&AreaB, "/units", 200, &r);
    assert_true(ot_has(&r, "Skovbørnehaven"));
    assert_false(ot_has(&r, "Børnehuset Solsikken"));
    ot_free(&r);
    get(&Admin, "/units/00000000-0000-4000-8000-000000000000", 404, &r);
    ot_free(&r);
    get(&Admin, "/units/not-an-id", 404, &r);
    ot_free(&r);
}

static void test_unit_settings(void **state)
{
    (void)state;
    char path[120];
    ot_resp r;
    /* Only an administrator changes a unit's name, retention and use. */
    snprintf(path, sizeof path, "/units/%s/rename", A.unit);
    refused(&LeadA, path, "name=Min%20enhed", 403);
    refused(&AreaA, path, "name=Min%20enhed", 403);
    refused(&Admin, path, "name=", 400);
    refused(&Admin, path, "name=a%0Db", 400);
    long long seq = n1("SELECT feed_seq FROM units WHERE id = $1", A.unit);
    post(&Admin, path, "name=Solsikken", 303, &r);
    ot_free(&r);
    char name[200];
    q1("SELECT name FROM units WHERE id = $1", A.unit, name, sizeof name);
    assert_string_equal(name, "Solsikken");
    assert_true(n1("SELECT feed_seq FROM units WHERE id = $1", A.unit) > seq);
    /* The same form again changes nothing more. */
    seq = n1("SELECT feed_seq FROM units WHERE id = $1", A.unit);
    post(&Admin, path, "name=Solsikken", 303, &r);
    ot_free(&r);
    assert_int_equal(n1("SELECT feed_seq FROM units WHERE id = $1", A.unit), seq);

    snprintf(path, sizeof path, "/units/%s/retention", A.unit);
    refused(&LeadA, path, "retention=10", 403);
    refused(&Admin, path, "retention=0", 400);
    refused(&Admin, path, "retention=99999", 400);
    refused(&Admin, path, "retention=ti", 400);
    post(&Admin, path, "retention=90", 303, &r);
    ot_free(&r);
    assert_int_equal(n1("SELECT retention_days FROM units WHERE id = $1", A.unit), 90);

    /* Deactivated: listed apart, no enrolment codes; then in use again. */
    snprintf(path, sizeof path, "/units/%s/deactivate", B.unit);
    refused(&LeadB, path, "", 403);
    refused(&AreaB, path, "", 403);
    post(&Admin, path, "", 303, &r);
    ot_free(&r);
    assert_int_equal(n1("SELECT count(*) FROM units WHERE id = $1 AND NOT active", B.unit), 1);
    snprintf(path, sizeof path, "/units/%s/enrol-code", B.unit);
    refused(&LeadB, path, "ttl=60", 409);
    get(&Admin, "/units", 200, &r);
    assert_true(ot_has(&r, "Skovbørnehaven"));
    ot_free(&r);
    snprintf(path, sizeof path, "/units/%s/reactivate", B.unit);
    post(&Admin, path, "", 303, &r);
    ot_free(&r);
    assert_int_equal(n1("SELECT count(*) FROM units WHERE id = $1 AND active", B.unit), 1);
    assert_int_equal(n1("SELECT count(*) FROM audit_log WHERE action IN ('unit.deactivate',"
                        " 'unit.activate') AND subject = $1 AND actor LIKE 'office:%'",
                        B.unit),
                     2);
}

/* ---- rooms ---- */

static void test_rooms(void **state)
{
    (void)state;
    char path[200], form[300], id[64];
    ot_resp r;
    snprintf(path, sizeof path, "/units/%s", A.unit);
    get(&LeadA, path, 200, &r);
    hidden(&r, "id", id, sizeof id);
    ot_free(&r);
    snprintf(path, sizeof path, "/units/%s/rooms", A.unit);
    /* Another unit's leader, an area leader outside it, bad names. */
    snprintf(form, sizeof form, "id=%s&room=Stue%%202", id);
    refused(&LeadB, path, form, 403);
    refused(&AreaB, path, form, 403);
    snprintf(form, sizeof form, "id=%s&room=", id);
    refused(&LeadA, path, form, 400);
    refused(&LeadA, path, "room=Stue%202", 400);                 /* no id: not this page's form */
    snprintf(form, sizeof form, "id=%s&room=Stue%%202", B.room); /* another unit's room */
    refused(&LeadA, path, form, 400);
    /* Added once, though sent twice. */
    long long rooms = n1("SELECT count(*) FROM rooms WHERE unit_id = $1", A.unit);
    snprintf(form, sizeof form, "id=%s&room=Stue%%202", id);
    for (int i = 0; i < 2; i++) {
        post(&LeadA, path, form, 303, &r);
        ot_free(&r);
    }
    assert_int_equal(n1("SELECT count(*) FROM rooms WHERE unit_id = $1", A.unit), rooms + 1);
    /* An area leader in the unit may too. */
    snprintf(path, sizeof path, "/units/%s", A.unit);
    get(&AreaA, path, 200, &r);
    char id2[64];
    hidden(&r, "id", id2, sizeof id2);
    ot_free(&r);
    snprintf(path, sizeof path, "/units/%s/rooms", A.unit);
    snprintf(form, sizeof form, "id=%s&room=Gr%%C3%%B8nnegangen", id2);
    post(&AreaA, path, form, 303, &r);
    ot_free(&r);
    assert_int_equal(n1("SELECT count(*) FROM rooms WHERE unit_id = $1", A.unit), rooms + 2);

    /* Renaming: the field is named after the room. */
    snprintf(path, sizeof path, "/rooms/%s/rename", id);
    snprintf(form, sizeof form, "name-%s=Bl%%C3%%A5%%20stue", id);
    refused(&LeadB, path, form, 403);
    refused(&AreaB, path, form, 403);
    snprintf(form, sizeof form, "name-%s=", id);
    refused(&LeadA, path, form, 400);
    snprintf(form, sizeof form, "name-%s=Bl%%C3%%A5%%20stue", id);
    post(&LeadA, path, form, 303, &r);
    ot_free(&r);
    char name[200];
    q1("SELECT name FROM rooms WHERE id = $1", id, name, sizeof name);
    assert_string_equal(name, "Blå stue");

    /* Closing and opening again. */
    snprintf(path, sizeof path, "/rooms/%s/deactivate", id);
    refused(&LeadB, path, "", 403);
    refused(&AreaB, path, "", 403);
    post(&LeadA, path, "", 303, &r);
    ot_free(&r);
    assert_int_equal(n1("SELECT count(*) FROM rooms WHERE id = $1 AND NOT active", id), 1);
    snprintf(path, sizeof path, "/units/%s", A.unit);
    get(&LeadA, path, 200, &r);
    char field[80];
    snprintf(field, sizeof field, "name=\"name-%s\"", id);
    assert_false(ot_has(&r, field)); /* not among the open rooms */
    assert_true(ot_has(&r, "Blå stue"));
    ot_free(&r);
    snprintf(path, sizeof path, "/rooms/%s/reactivate", id);
    post(&LeadA, path, "", 303, &r);
    ot_free(&r);
    assert_int_equal(n1("SELECT count(*) FROM rooms WHERE id = $1 AND active", id), 1);
    get(&LeadA, "/rooms/00000000-0000-4000-8000-000000000000/rename", 405, &r);
    ot_free(&r);
    refused(&LeadA, "/rooms/00000000-0000-4000-8000-000000000000/deactivate", "", 404);
}

/* ---- tablets ---- */

/* The code on the page the office answers with. */
static void code_of(const ot_resp *r, char *out, size_t cap)
{
    const char *m = strstr(r->body, "class=\"code\"");
    assert_non_null(m);
    m = strchr(m, '>');
    assert_non_null(m);
    m++;
    size_t n = strcspn(m, "<");
    assert_true(n == SRV_REF_CODE_LEN && n < cap);
    memcpy(out, m, n);
    out[n] = 0;
}

static void test_tablets(void **state)
{
    (void)state;
    char path[200], code[32], lower[32];
    ot_resp r;
    snprintf(path, sizeof path, "/units/%s/enrol-code", A.unit);
    refused(&LeadB, path, "ttl=60", 403);
    refused(&AreaB, path, "ttl=60", 403);
    refused(&LeadA, path, "ttl=5", 400);
    refused(&LeadA, path, "", 400);
    long long codes = n1("SELECT count(*) FROM enrol_codes", NULL);
    post(&LeadA, path, "ttl=1440", 200, &r);
    assert_string_equal(ot_header(&r, "Cache-Control"), "no-store");
    code_of(&r, code, sizeof code);
    assert_true(ot_has(&r, "https://office.test:8443"));
    ot_free(&r);
    assert_int_equal(n1("SELECT count(*) FROM enrol_codes", NULL), codes + 1);
    assert_int_equal(n1("SELECT count(*) FROM enrol_codes WHERE unit_id = $1 AND expires_at"
                        " BETWEEN now() + interval '23 hours' AND now() + interval '25 hours'",
                        A.unit),
                     1);
    /* Typed as a person types it: small letters, no dash. */
    size_t k = 0;
    for (const char *p = code; *p; p++)
        if (*p != '-')
            lower[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    lower[k] = 0;
    tablet t;
    assert_int_equal(enrol(lower, "Stue 1 <b>", &t), 200);
    tablet spare;
    assert_int_not_equal(enrol(code, "Again", &spare), 200); /* used once only */
    char unit[64];
    q1("SELECT unit_id FROM devices WHERE id = $1", t.id, unit, sizeof unit);
    assert_string_equal(unit, A.unit);

    /* The office's changes reach the tablet's next pull. */
    snprintf(path, sizeof path, "/rooms/%s/rename", A.room);
    char form[200];
    snprintf(form, sizeof form, "name-%s=Solstuen", A.room);
    post(&LeadA, path, form, 303, &r);
    ot_free(&r);
    snprintf(path, sizeof path, "/units/%s/retention", A.unit);
    post(&Admin, path, "retention=120", 303, &r);
    ot_free(&r);
    proto_pull_reply pr;
    memset(&pr, 0, sizeof pr);
    proto_code pc = PROTO_OK;
    assert_int_equal(pull(&t, &pr, &pc), 200);
    const model_record *room = pulled(&pr, MODEL_ENT_ROOM, A.room);
    assert_non_null(room);
    assert_string_equal(room->u.room.name, "Solstuen");
    const model_record *u = pulled(&pr, MODEL_ENT_UNIT, A.unit);
    assert_non_null(u);
    assert_int_equal(u->u.unit.retention_days, 120);
    proto_pull_reply_clear(&pr);

    /* The list, with the name escaped and the tablet's contact. */
    snprintf(path, sizeof path, "/tablets?unit=%s", A.unit);
    get(&LeadA, path, 200, &r);
    assert_true(ot_has(&r, "Stue 1 &lt;b&gt;"));
    assert_false(ot_has(&r, "Stue 1 <b>"));
    assert_true(ot_has(&r, "Blik/1.0 test"));
    ot_free(&r);
    get(&LeadB, path, 403, &r);
    assert_false(ot_has(&r, "Stue 1"));
    ot_free(&r);
    get(&AreaB, path, 403, &r);
    ot_free(&r);
    get(&LeadA, "/tablets", 200, &r); /* a leader's one unit without asking */
    assert_true(ot_has(&r, "Stue 1 &lt;b&gt;"));
    ot_free(&r);

    /* Revoking: not another unit's; first the confirmation, then done. */
    snprintf(path, sizeof path, "/tablets/%s/revoke", t.id);
    refused(&LeadB, path, "confirm=yes", 403);
    refused(&AreaB, path, "confirm=yes", 403);
    refused(&LeadA, path, "", 200);
    post(&LeadA, path, "", 200, &r);
    assert_true(ot_has(&r, "name=\"confirm\" value=\"yes\""));
    ot_free(&r);
    for (int i = 0; i < 2; i++) {
        post(&LeadA, path, "confirm=yes", 303, &r);
        ot_free(&r);
    }
    assert_int_equal(
        n1("SELECT count(*) FROM audit_log WHERE action = 'device.revoke' AND subject = $1", t.id),
        1);
    assert_int_not_equal(pull(&t, &pr, &pc), 200);
    assert_int_equal(pc, PROTO_E_REVOKED);

    /* Revoke and wipe: a second tablet is told to erase itself. */
    snprintf(path, sizeof path, "/units/%s/enrol-code", A.unit);
    post(&LeadA, path, "ttl=60", 200, &r);
    code_of(&r, code, sizeof code);
    ot_free(&r);
    tablet t2;
    assert_int_equal(enrol(code, "Tablet to lose", &t2), 200);
    snprintf(path, sizeof path, "/tablets/%s/wipe", t2.id);
    refused(&LeadB, path, "confirm=yes", 403);
    post(&LeadA, path, "confirm=yes", 303, &r);
    ot_free(&r);
    assert_int_not_equal(pull(&t2, &pr, &pc), 200);
    assert_int_equal(pc, PROTO_E_WIPED);
    snprintf(path, sizeof path, "/tablets?unit=%s", A.unit);
    get(&LeadA, path, 200, &r);
    assert_true(ot_has(&r, "Tablet to lose"));
    ot_free(&r);
    assert_int_equal(
        n1("SELECT count(*) FROM devices WHERE id = $1 AND wipe_sent_at IS NOT NULL", t2.id), 1);
    refused(&LeadA, "/tablets/00000000-0000-4000-8000-000000000000/revoke", "confirm=yes", 404);
}

/* The command line makes its codes through the same function. */
static void test_cli_code(void **state)
{
    (void)state;
    char code[64];
    assert_int_equal(fx_admin(&W.fx, code, sizeof code, NULL, "enrol-code", "--unit", B.unit,
                              "--ttl-minutes", "30", NULL),
                     0);
    assert_int_equal(strlen(code), SRV_REF_CODE_LEN);
    assert_int_equal(n1("SELECT count(*) FROM audit_log WHERE action = 'device.enrol-code' AND"
                        " unit_id = $1 AND actor LIKE 'admin:%'",
                        B.unit),
                     1);
    tablet t;
    assert_int_equal(enrol(code, "CLI tablet", &t), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_unit),      cmocka_unit_test(test_who_sees_units),
        cmocka_unit_test(test_unit_settings), cmocka_unit_test(test_rooms),
        cmocka_unit_test(test_tablets),       cmocka_unit_test(test_cli_code),
    };
    return cmocka_run_group_tests(tests, up, down);
}
