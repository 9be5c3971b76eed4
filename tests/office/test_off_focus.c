/* The learning focus designer on a real database: the list and its empty
 * state, making a focus, changing it in place and as a new version (signs
 * keep their ids), reordering, taking out and adding signs without saving,
 * retiring, every refusal (another unit's leader, a peer, another unit's
 * template, bad dates, too many signs, a stale form token, a form sent
 * twice), text shown as text, and a tablet that pulls the new version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "offtest.h"
#include "srv_ref.h"

static ot_world W;
static fx_unit U, V;     /* two units, each with a template and a focus */
static ot_account LEAD;  /* leader of U */
static ot_account PEER;  /* peer of U */
static ot_account OTHER; /* leader of V */
static ot_account ADMIN;

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_focus");
    fx_make_unit(&W.fx, "Solsikken", &U);
    fx_make_unit(&W.fx, "Mælkebøtten", &V);
    ot_account_make(&W, "leader", "Lea Leder", U.leader, NULL, &LEAD);
    ot_account_make(&W, "peer", "Per Kollega", U.peer1, NULL, &PEER);
    ot_account_make(&W, "leader", "Olga Anden", V.leader, NULL, &OTHER);
    ot_account_make(&W, "admin", "Ada Admin", NULL, NULL, &ADMIN);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

/* ---- forms ---- */

typedef struct {
    char s[32768];
    size_t n;
} fb;

static void fb_add(fb *f, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    if (f->n)
        f->s[f->n++] = '&';
    f->n += (size_t)snprintf(f->s + f->n, sizeof f->s - f->n, "%s=", name);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        assert_true(f->n + 4 < sizeof f->s);
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.') {
            f->s[f->n++] = (char)*p;
        } else {
            f->s[f->n++] = '%';
            f->s[f->n++] = hex[*p >> 4];
            f->s[f->n++] = hex[*p & 15];
        }
    }
    f->s[f->n] = 0;
}

/* A focus as the form sends it. */
typedef struct {
    const char *question, *why, *pillar, *from, *to, *tmpl;
    int n;
    const char *ids[16], *texts[16];
    const char *op, *sign_new;
} ff;

static void fb_focus(fb *f, const char *csrf, const ff *x)
{
    memset(f, 0, sizeof *f);
    fb_add(f, "csrf", csrf);
    fb_add(f, "question", x->question);
    fb_add(f, "why", x->why ? x->why : "");
    fb_add(f, "pillar", x->pillar ? x->pillar : "learning");
    fb_add(f, "from", x->from);
    fb_add(f, "to", x->to);
    fb_add(f, "template", x->tmpl);
    for (int i = 0; i < x->n; i++) {
        fb_add(f, "sign_id", x->ids[i] ? x->ids[i] : "");
        fb_add(f, "sign_text", x->texts[i]);
    }
    fb_add(f, "sign_new", x->sign_new ? x->sign_new : "");
    if (x->op)
        fb_add(f, "op", x->op);
}

/* The new-focus form's hidden id, from its page. */
static void new_form(const ot_account *a, const char *unit, char id[37])
{
    char path[120];
    snprintf(path, sizeof path, "/focuses/new?unit=%s", unit);
    ot_resp r;
    ot_get(&W, a->cookie, path, &r);
    assert_int_equal(r.status, 200);
    const char *m = strstr(r.body, "name=\"focus_id\" value=\"");
    assert_non_null(m);
    memcpy(id, m + strlen("name=\"focus_id\" value=\""), 36);
    id[36] = 0;
    ot_free(&r);
}

/* POSTs a new focus for unit with the page's id; the answer in r. */
static void post_new(const ot_account *a, const char *unit, const char *id, const ff *x, ot_resp *r)
{
    fb f;
    fb_focus(&f, a->csrf, x);
    fb_add(&f, "unit", unit);
    fb_add(&f, "focus_id", id);
    ot_post(&W, a->cookie, "/focuses/new", f.s, r);
}

static void post_edit(const ot_account *a, const char *focus, int base, const ff *x, ot_resp *r)
{
    fb f;
    fb_focus(&f, a->csrf, x);
    char b[16], path[120];
    snprintf(b, sizeof b, "%d", base);
    fb_add(&f, "base", b);
    snprintf(path, sizeof path, "/focuses/%s/edit", focus);
    ot_post(&W, a->cookie, path, f.s, r);
}

static long long count(const char *sql) { return fx_count(&W.fx, sql); }

static long long focus_rows(void) { return count("SELECT count(*) FROM focuses"); }

static void get_focus(const char *id, int version, srv_ref_focus *out)
{
    char err[SRV_REF_ERR_MAX];
    if (srv_ref_focus_get(W.fx.db, id, version, out, err, sizeof err) != SRV_REF_OK)
        fail_msg("focus %s/%d: %s", id, version, err);
}

static void assert_location(const ot_resp *r, const char *id, const char *done)
{
    char want[200];
    snprintf(want, sizeof want, "/focuses/%s?done=%s", id, done);
    assert_int_equal(r->status, 303);
    assert_string_equal(ot_header(r, "Location"), want);
}

/* ---- a tablet, in-process ---- */

typedef struct {
    char authz[200];
} tab;

static void tab_call(const tab *t, const char *path, const char *body, srv_response *a)
{
    srv_request rq = {.method = "POST",
                      .path = path,
                      .authorization = t ? t->authz : NULL,
                      .address = "127.0.0.1",
                      .body = body,
                      .len = strlen(body)};
    srv_handle(W.s, &rq, a);
}

static void tab_enrol(const char *unit, tab *t)
{
    char code[40], body[200];
    assert_int_equal(fx_admin(&W.fx, code, sizeof code, NULL, "enrol-code", "--unit", unit, NULL),
                     0);
    snprintf(body, sizeof body, "{\"schema\":1,\"code\":\"%s\",\"device_name\":\"Stuen\"}", code);
    srv_response a;
    tab_call(NULL, "/v1/enrol", body, &a);
    assert_int_equal(a.status, 200);
    proto_enrol_reply rep;
    proto_err pe;
    assert_int_equal(proto_enrol_reply_decode(a.body, strlen(a.body), &rep, &pe), 0);
    snprintf(t->authz, sizeof t->authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
    free(a.body);
}

/* Whether a pull of reference data holds focus id at version. */
static int tab_pull_has(const tab *t, const char *id, int version)
{
    char body[200], key[80];
    snprintf(body, sizeof body, "{\"schema\":1,\"cursor\":0,\"limit\":500,\"person_id\":\"\"}");
    srv_response a;
    tab_call(t, "/v1/pull", body, &a);
    assert_int_equal(a.status, 200);
    proto_pull_reply r;
    proto_err pe;
    assert_int_equal(proto_pull_reply_decode(a.body, strlen(a.body), &r, &pe), 0);
    free(a.body);
    snprintf(key, sizeof key, "%s/%d", id, version);
    int has = fx_has(&r, MODEL_ENT_FOCUS, key);
    proto_pull_reply_clear(&r);
    return has;
}

static void tab_push_obs(const tab *t, const fx_unit *u)
{
    model_record rec;
    fx_obs(u, u->leader, u->peer1, &rec);
    proto_change ch;
    fx_change(&ch, u->leader, 0, &rec);
    char *body = fx_push_body(&ch, 1);
    srv_response a;
    tab_call(t, "/v1/push", body, &a);
    free(body);
    assert_int_equal(a.status, 200);
    free(a.body);
}

/* ---- the tests ---- */

static void test_list(void **state)
{
    (void)state;
    char path[120];
    ot_resp r;
    snprintf(path, sizeof path, "/focuses?unit=%s", U.unit);
    ot_get(&W, LEAD.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "How do we ask open questions?"));
    assert_true(ot_has(&r, "Fokus på børns læring"));
    assert_true(ot_has(&r, ">Questions<")); /* the template's name */
    assert_true(ot_has(&r, "0 observationer"));
    assert_true(ot_has(&r, "/focuses/new?unit="));
    ot_free(&r);
    /* A leader with one unit needs no ?unit=. */
    ot_get(&W, LEAD.cookie, "/focuses", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "How do we ask open questions?"));
    ot_free(&r);
    /* A peer reads the focuses the team agreed on, without the way to
     * make one. */
    ot_get(&W, PEER.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "How do we ask open questions?"));
    assert_false(ot_has(&r, "/focuses/new"));
    ot_free(&r);
    /* Another unit's leader does not. */
    ot_get(&W, OTHER.cookie, path, &r);
    assert_int_equal(r.status, 403);
    assert_false(ot_has(&r, "How do we ask open questions?"));
    ot_free(&r);
    /* A unit that is not there. */
    ot_get(&W, ADMIN.cookie, "/focuses?unit=00000000-0000-4000-8000-000000000000", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    ot_get(&W, ADMIN.cookie, "/focuses/new?unit=%3Cscript%3E", &r);
    assert_int_equal(r.status, 404);
    assert_false(ot_has(&r, "<script>"));
    ot_free(&r);
    /* An administrator with several units chooses one first. */
    ot_get(&W, ADMIN.cookie, "/focuses", &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Solsikken"));
    assert_true(ot_has(&r, "Mælkebøtten"));
    ot_free(&r);
}

static void test_empty_state(void **state)
{
    (void)state;
    char unit[40], path[120];
    assert_int_equal(fx_admin(&W.fx, unit, sizeof unit, NULL, "unit-add", "--name", "Tom", NULL),
                     0);
    snprintf(path, sizeof path, "/focuses?unit=%s", unit);
    ot_resp r;
    ot_get(&W, ADMIN.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Et læringsfokus er det, I har aftalt at kigge efter"));
    assert_true(ot_has(&r, "Lav et læringsfokus"));
    ot_free(&r);
    /* Without a template, the form says so and leads to making one. */
    snprintf(path, sizeof path, "/focuses/new?unit=%s", unit);
    ot_get(&W, ADMIN.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Enheden har ingen skabelon endnu."));
    char link[120];
    snprintf(link, sizeof link, "/templates/new?unit=%s", unit);
    assert_true(ot_has(&r, link));
    ot_free(&r);
}

static void test_make_and_send_twice(void **state)
{
    (void)state;
    char id[37];
    new_form(&LEAD, U.unit, id);
    ff x = {.question = "Hvordan inviterer vi børnene til at stille spørgsmål?",
            .why = "Vi vil høre børnenes egne spørgsmål.",
            .pillar = "dialogue",
            .from = "2026-01-01",
            .to = "2026-12-31",
            .tmpl = U.tmpl,
            .n = 3,
            .texts = {"Børnene spørger", "Den voksne venter", "Børnene svarer hinanden"}};
    long long rows = focus_rows();
    ot_resp r;
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_location(&r, id, "focus-added");
    ot_free(&r);
    srv_ref_focus f;
    get_focus(id, 0, &f);
    assert_int_equal(f.focus.version, 1);
    assert_int_equal(f.focus.n_signs, 3);
    assert_string_equal(f.focus.signs[2].text, "Børnene svarer hinanden");
    assert_int_equal(f.focus.pillar, MODEL_PILLAR_DIALOGUE);
    assert_int_equal(focus_rows(), rows + 1);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action = 'focus.save' AND subject = '%s'"
             " AND actor = 'office:%s'",
             id, LEAD.id);
    assert_int_equal(count(sql), 1);
    /* The same form again: one focus, and the page says so. */
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_location(&r, id, "focus-sent-twice");
    ot_free(&r);
    assert_int_equal(focus_rows(), rows + 1);
    char path[120];
    snprintf(path, sizeof path, "/focuses/%s?done=focus-sent-twice", id);
    ot_get(&W, LEAD.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Formularen var allerede sendt"));
    assert_true(ot_has(&r, "Reflekterende dialog"));
    assert_true(ot_has(&r, "Den voksne venter"));
    ot_free(&r);
}

static void test_refusals(void **state)
{
    (void)state;
    char id[37];
    new_form(&LEAD, U.unit, id);
    long long rows = focus_rows();
    ff x = {.question = "<script>alert(1)</script>Hvad ser vi?",
            .from = "2026-05-01",
            .to = "2026-04-01",
            .tmpl = U.tmpl,
            .n = 1,
            .texts = {"Et tegn"}};
    ot_resp r;
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "Sidste dag ligger før første dag."));
    /* What was typed comes back, as text. */
    assert_true(ot_has(&r, "value=\"&lt;script&gt;alert(1)&lt;/script&gt;Hvad ser vi?\""));
    assert_false(ot_has(&r, "<script>"));
    assert_true(ot_has(&r, "value=\"2026-05-01\""));
    ot_free(&r);
    /* Empty question, no sign, not a date. */
    ff y = {.question = "  ", .from = "2026-13-01", .to = "", .tmpl = U.tmpl};
    post_new(&LEAD, U.unit, id, &y, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "Skriv undersøgelsesspørgsmålet."));
    assert_true(ot_has(&r, "Første dag er ikke en dato."));
    assert_true(ot_has(&r, "Vælg periodens sidste dag."));
    assert_true(ot_has(&r, "Tilføj mindst ét tegn"));
    assert_true(ot_has(&r, "href=\"#f-question\""));
    ot_free(&r);
    /* Too long, too many signs, an empty sign. */
    char longq[420];
    memset(longq, 'a', 401);
    longq[401] = 0;
    ff z = {.question = longq, .from = "2026-01-01", .to = "2026-02-01", .tmpl = U.tmpl, .n = 13};
    for (int i = 0; i < 13; i++)
        z.texts[i] = i == 4 ? "" : "Tegn";
    post_new(&LEAD, U.unit, id, &z, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "Undersøgelsesspørgsmålet er for langt."));
    assert_true(ot_has(&r, "Et fokus kan højst have 12 tegn."));
    assert_true(ot_has(&r, "Tegn 5 er tomt."));
    ot_free(&r);
    /* Another unit's template, a pillar that is none. */
    ff t = {.question = "Q?",
            .from = "2026-01-01",
            .to = "2026-02-01",
            .tmpl = V.tmpl,
            .pillar = "fun",
            .n = 1,
            .texts = {"Tegn"}};
    post_new(&LEAD, U.unit, id, &t, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "Den skabelon er ikke en af enhedens skabeloner i brug."));
    assert_true(ot_has(&r, "Vælg en af de fem søjler."));
    ot_free(&r);
    assert_int_equal(focus_rows(), rows);
    /* A stale form token. */
    ff ok = {.question = "Q?",
             .from = "2026-01-01",
             .to = "2026-02-01",
             .tmpl = U.tmpl,
             .n = 1,
             .texts = {"Tegn"}};
    ot_account stale = LEAD;
    snprintf(stale.csrf, sizeof stale.csrf, "%064d", 7);
    post_new(&stale, U.unit, id, &ok, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* Another unit's leader, into this unit, and onto its focus. */
    post_new(&OTHER, U.unit, id, &ok, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    char path[120];
    snprintf(path, sizeof path, "/focuses/%s/edit", U.focus);
    ot_get(&W, OTHER.cookie, path, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    post_edit(&OTHER, U.focus, 1, &ok, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    snprintf(path, sizeof path, "/focuses/%s/retire", U.focus);
    char form[100];
    snprintf(form, sizeof form, "csrf=%s", OTHER.csrf);
    ot_post(&W, OTHER.cookie, path, form, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    snprintf(path, sizeof path, "/focuses/%s", U.focus);
    ot_get(&W, OTHER.cookie, path, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* A peer reads the focus but changes nothing. */
    ot_get(&W, PEER.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_false(ot_has(&r, "/edit\""));
    assert_false(ot_has(&r, "/retire\""));
    ot_free(&r);
    post_edit(&PEER, U.focus, 1, &ok, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    post_new(&PEER, U.unit, id, &ok, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    assert_int_equal(focus_rows(), rows);
    srv_ref_focus f;
    get_focus(U.focus, 0, &f);
    assert_int_equal(f.focus.version, 1);
    assert_false(f.retired);
    /* An id that names nothing. */
    ot_get(&W, LEAD.cookie, "/focuses/00000000-0000-4000-8000-000000000000", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    ot_get(&W, LEAD.cookie, "/focuses/nope", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
}

static void test_reorder_without_saving(void **state)
{
    (void)state;
    char id[37];
    new_form(&LEAD, U.unit, id);
    long long rows = focus_rows();
    ff x = {.question = "Hvornår venter vi?",
            .from = "2026-01-01",
            .to = "2026-12-31",
            .tmpl = U.tmpl,
            .n = 3,
            .texts = {"A-tegn", "B-tegn", "C-tegn"},
            .op = "down-0"};
    ot_resp r;
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_int_equal(r.status, 200);
    const char *a = strstr(r.body, "value=\"A-tegn\""), *b = strstr(r.body, "value=\"B-tegn\"");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(b < a);
    assert_true(ot_has(&r, "Rækkefølgen er ændret. Intet er gemt"));
    assert_true(ot_has(&r, "value=\"Hvornår venter vi?\""));
    ot_free(&r);
    /* Up, take out, add. */
    x.op = "up-2";
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_int_equal(r.status, 200);
    assert_true(strstr(r.body, "value=\"C-tegn\"") < strstr(r.body, "value=\"B-tegn\""));
    ot_free(&r);
    x.op = "remove-1";
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_int_equal(r.status, 200);
    assert_false(ot_has(&r, "value=\"B-tegn\""));
    ot_free(&r);
    x.op = "add";
    x.sign_new = "D-tegn";
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_int_equal(r.status, 200);
    assert_true(strstr(r.body, "value=\"C-tegn\"") < strstr(r.body, "value=\"D-tegn\""));
    ot_free(&r);
    x.sign_new = "";
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "Skriv det nye tegn, før du tilføjer det."));
    ot_free(&r);
    /* A thirteenth sign is refused where it is typed. */
    ff full = x;
    full.n = 12;
    for (int i = 0; i < 12; i++)
        full.texts[i] = "Tegn";
    full.sign_new = "Et for meget";
    post_new(&LEAD, U.unit, id, &full, &r);
    assert_int_equal(r.status, 400);
    assert_true(ot_has(&r, "Et fokus kan højst have 12 tegn."));
    ot_free(&r);
    /* A button no page makes. */
    x.op = "up-99x";
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    x.op = "explode-1";
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    assert_int_equal(focus_rows(), rows);
}

/* A unit no tablet has pulled from: a change to a focus without
 * observations is made in place. */
static void test_edit_in_place(void **state)
{
    (void)state;
    fx_unit X;
    fx_make_unit(&W.fx, "Ingen tablets", &X);
    ot_account lead;
    ot_account_make(&W, "leader", "Lis Leder", X.leader, NULL, &lead);
    srv_ref_focus f;
    get_focus(X.focus, 0, &f);
    char path[120];
    snprintf(path, sizeof path, "/focuses/%s/edit", X.focus);
    ot_resp r;
    ot_get(&W, lead.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Ingen observationer hviler på version 1 endnu"));
    assert_true(ot_has(&r, "value=\"Children answer in sentences\""));
    ot_free(&r);
    ff x = {.question = "How do we ask open questions?",
            .from = "2026-01-01",
            .to = "2026-12-31",
            .tmpl = X.tmpl,
            .n = 2,
            .ids = {f.focus.signs[0].id, NULL},
            .texts = {"Children answer in whole sentences", "Children ask back"}};
    post_edit(&lead, X.focus, 1, &x, &r);
    assert_location(&r, X.focus, "focus-in-place");
    ot_free(&r);
    srv_ref_focus g;
    get_focus(X.focus, 0, &g);
    assert_int_equal(g.focus.version, 1);
    assert_int_equal(g.focus.n_signs, 2);
    assert_string_equal(g.focus.signs[0].id, f.focus.signs[0].id);
    assert_string_equal(g.focus.signs[0].text, "Children answer in whole sentences");
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM focuses WHERE id = '%s'", X.focus);
    assert_int_equal(count(sql), 1);
    /* The same form sent again changes nothing. */
    post_edit(&lead, X.focus, 1, &x, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(count(sql), 1);
}

/* The fixture's focus in unit U, with an observation on it and a tablet
 * that has it: a change is a new version, which the tablet pulls. */
static void test_edit_new_version(void **state)
{
    (void)state;
    tab t;
    tab_enrol(U.unit, &t);
    assert_true(tab_pull_has(&t, U.focus, 1));
    tab_push_obs(&t, &U);
    srv_ref_focus f;
    get_focus(U.focus, 0, &f);
    assert_int_equal(f.focus.version, 1);
    char path[120];
    snprintf(path, sizeof path, "/focuses/%s/edit", U.focus);
    ot_resp r;
    ot_get(&W, LEAD.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Dette fokus har 1 observation. Når du gemmer, bliver det version 2; "
                           "observationer, der allerede er i gang på en tablet, bliver færdige "
                           "på version 1."));
    ot_free(&r);
    /* Reword the sign, add one before it. */
    ff x = {.question = "How do we ask open questions?",
            .from = "2026-01-01",
            .to = "2026-12-31",
            .tmpl = U.tmpl,
            .n = 2,
            .ids = {NULL, f.focus.signs[0].id},
            .texts = {"The adult waits", "Children answer in full sentences"}};
    post_edit(&LEAD, U.focus, 1, &x, &r);
    assert_location(&r, U.focus, "focus-version");
    ot_free(&r);
    srv_ref_focus g;
    get_focus(U.focus, 0, &g);
    assert_int_equal(g.focus.version, 2);
    assert_string_equal(g.focus.signs[1].id, f.focus.signs[0].id);
    get_focus(U.focus, 1, &g);
    assert_string_equal(g.focus.signs[0].text, "Children answer in sentences");
    /* The tablet pulls version 2. */
    assert_true(tab_pull_has(&t, U.focus, 2));
    /* The same form again: the focus is past version 1 now. */
    post_edit(&LEAD, U.focus, 1, &x, &r);
    assert_int_equal(r.status, 409);
    assert_true(ot_has(&r, "det er nu version 2. Intet er gemt."));
    ot_free(&r);
    /* Take the old sign out: version 3, and version 2 keeps it. */
    ff y = x;
    y.n = 1;
    get_focus(U.focus, 2, &g);
    y.ids[0] = g.focus.signs[0].id;
    y.texts[0] = "The adult waits";
    post_edit(&LEAD, U.focus, 2, &y, &r);
    assert_location(&r, U.focus, "focus-version");
    ot_free(&r);
    get_focus(U.focus, 0, &g);
    assert_int_equal(g.focus.version, 3);
    assert_int_equal(g.focus.n_signs, 1);
    get_focus(U.focus, 2, &g);
    assert_int_equal(g.focus.n_signs, 2);
    /* The page tells the story in words. */
    snprintf(path, sizeof path, "/focuses/%s", U.focus);
    ot_get(&W, PEER.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Version 3"));
    assert_true(ot_has(&r, "Tegn taget ud (det bliver i de tidligere versioner): <q>Children "
                           "answer in full sentences</q>"));
    assert_true(ot_has(&r, "Tegn tilføjet: <q>The adult waits</q>"));
    assert_true(ot_has(&r, "Tegn omformuleret: <q>Children answer in sentences</q> → <q>Children "
                           "answer in full sentences</q>"));
    assert_true(ot_has(&r, "1 observation lavet på den"));
    ot_free(&r);
}

/* Taking a sign out and keeping it after all, on the edit form. */
static void test_take_out_and_keep(void **state)
{
    (void)state;
    srv_ref_focus f;
    get_focus(V.focus, 0, &f);
    const ot_account lead = OTHER;
    ff x = {.question = f.focus.question,
            .from = f.focus.period_from,
            .to = f.focus.period_to,
            .tmpl = V.tmpl,
            .n = 1,
            .ids = {f.focus.signs[0].id},
            .texts = {f.focus.signs[0].text},
            .op = "remove-0"};
    ot_resp r;
    post_edit(&lead, V.focus, 1, &x, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Tegn, der tages ud, når du gemmer"));
    assert_true(ot_has(&r, "name=\"gone_id\""));
    ot_free(&r);
    fb fm;
    fb_focus(&fm, lead.csrf,
             &(ff){.question = f.focus.question,
                   .from = f.focus.period_from,
                   .to = f.focus.period_to,
                   .tmpl = V.tmpl,
                   .op = "keep-0"});
    fb_add(&fm, "gone_id", f.focus.signs[0].id);
    fb_add(&fm, "gone_text", f.focus.signs[0].text);
    fb_add(&fm, "base", "1");
    char path[120];
    snprintf(path, sizeof path, "/focuses/%s/edit", V.focus);
    ot_post(&W, lead.cookie, path, fm.s, &r);
    assert_int_equal(r.status, 200);
    assert_false(ot_has(&r, "name=\"gone_id\""));
    char want[200];
    snprintf(want, sizeof want, "name=\"sign_id\" value=\"%s\"", f.focus.signs[0].id);
    assert_true(ot_has(&r, want));
    ot_free(&r);
    get_focus(V.focus, 0, &f);
    assert_int_equal(f.focus.version, 1);
}

static void test_retire(void **state)
{
    (void)state;
    char id[37];
    new_form(&LEAD, U.unit, id);
    ff x = {.question = "Hvordan slutter vi samlingen?",
            .from = "2026-01-01",
            .to = "2099-12-31",
            .tmpl = U.tmpl,
            .n = 1,
            .texts = {"Alle børn får ordet"}};
    ot_resp r;
    post_new(&LEAD, U.unit, id, &x, &r);
    assert_location(&r, id, "focus-added");
    ot_free(&r);
    char path[120], form[100];
    snprintf(path, sizeof path, "/focuses/%s/retire", id);
    /* Under "Referrer-Policy: no-referrer" a browser sends the site's own
     * forms with "Origin: null": the form token decides. */
    ot_post_from(&W, LEAD.cookie, "null", path,
                 "csrf=0000000000000000000000000000000000000000000"
                 "000000000000000000000",
                 &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    srv_ref_focus f;
    get_focus(id, 0, &f);
    assert_false(f.retired);
    snprintf(form, sizeof form, "csrf=%s", LEAD.csrf);
    ot_post_from(&W, LEAD.cookie, "null", path, form, &r);
    assert_location(&r, id, "focus-retired");
    ot_free(&r);
    get_focus(id, 0, &f);
    assert_true(f.retired);
    char yesterday[11];
    time_t y = time(NULL) - 86400;
    struct tm tm;
    localtime_r(&y, &tm);
    strftime(yesterday, sizeof yesterday, "%Y-%m-%d", &tm);
    assert_string_equal(f.focus.period_to, yesterday);
    int v = f.focus.version;
    /* Sent twice: nothing more. */
    ot_post(&W, LEAD.cookie, path, form, &r);
    assert_location(&r, id, "focus-retired");
    ot_free(&r);
    get_focus(id, 0, &f);
    assert_int_equal(f.focus.version, v);
    snprintf(path, sizeof path, "/focuses/%s?done=focus-retired", id);
    ot_get(&W, LEAD.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Fokuset er afsluttet"));
    assert_false(ot_has(&r, "/retire\""));
    ot_free(&r);
    snprintf(path, sizeof path, "/focuses?unit=%s", U.unit);
    ot_get(&W, LEAD.cookie, path, &r);
    assert_true(ot_has(&r, "Afsluttet"));
    ot_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_empty_state),
        cmocka_unit_test(test_make_and_send_twice),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_reorder_without_saving),
        cmocka_unit_test(test_edit_in_place),
        cmocka_unit_test(test_edit_new_version),
        cmocka_unit_test(test_take_out_and_keep),
        cmocka_unit_test(test_retire),
    };
    return cmocka_run_group_tests(tests, up, down);
}
