/* The template designer on a real database: a template designed in the
 * office is one the tablets' parser accepts and it reaches the unit's feed;
 * every refusal names its field in Danish; the list buttons add, move and
 * remove without saving; the preview; another unit's leader is refused and
 * nothing changes; hostile labels are shown as text; a stale form token and
 * a form posted twice change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "offtest.h"

static ot_world W;
static fx_unit A, B;
static ot_account LA, LB; /* leaders of A and B */

static int up(void **state)
{
    (void)state;
    ot_up(&W, "office_template");
    fx_make_unit(&W.fx, "Mælkebøtten", &A);
    fx_make_unit(&W.fx, "Solsikken", &B);
    ot_account_make(&W, "leader", "Lea Leder", A.leader, NULL, &LA);
    ot_account_make(&W, "leader", "Bo Leder", B.leader, NULL, &LB);
    return 0;
}

static int down(void **state)
{
    (void)state;
    ot_down(&W);
    return 0;
}

/* ---- a form, as a browser sends it ---- */

typedef struct {
    char s[16384];
    size_t n;
} form;

static void put(form *f, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    if (f->n)
        f->s[f->n++] = '&';
    const char *parts[] = {name, value};
    for (int k = 0; k < 2; k++) {
        for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++) {
            assert_true(f->n + 4 < sizeof f->s);
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '-' || *p == '_' || *p == '.')
                f->s[f->n++] = (char)*p;
            else if (*p == ' ')
                f->s[f->n++] = '+';
            else {
                f->s[f->n++] = '%';
                f->s[f->n++] = hex[*p >> 4];
                f->s[f->n++] = hex[*p & 15];
            }
        }
        if (k == 0)
            f->s[f->n++] = '=';
    }
    f->s[f->n] = 0;
}

/* Replaces the first value of name (or adds it). */
static void set(form *f, const char *name, const char *value)
{
    form g = {.n = 0};
    char *copy = strdup(f->s), *save = NULL;
    size_t nl = strlen(name);
    int done = 0;
    for (char *p = strtok_r(copy, "&", &save); p; p = strtok_r(NULL, "&", &save)) {
        if (!done && !strncmp(p, name, nl) && p[nl] == '=') {
            put(&g, name, value);
            done = 1;
            continue;
        }
        if (g.n)
            g.s[g.n++] = '&';
        memcpy(g.s + g.n, p, strlen(p));
        g.n += strlen(p);
        g.s[g.n] = 0;
    }
    free(copy);
    if (!done)
        put(&g, name, value);
    *f = g;
}

/* Removes every field called name. */
static void drop(form *f, const char *name)
{
    form g = {.n = 0};
    char *copy = strdup(f->s), *save = NULL;
    size_t nl = strlen(name);
    for (char *p = strtok_r(copy, "&", &save); p; p = strtok_r(NULL, "&", &save)) {
        if (!strncmp(p, name, nl) && p[nl] == '=')
            continue;
        if (g.n)
            g.s[g.n++] = '&';
        memcpy(g.s + g.n, p, strlen(p));
        g.n += strlen(p);
        g.s[g.n] = 0;
    }
    free(copy);
    *f = g;
}

/* The value of the hidden field name in a page. */
static void hidden_value(const ot_resp *r, const char *name, char *out, size_t cap)
{
    char needle[80];
    snprintf(needle, sizeof needle, "name=\"%s\" value=\"", name);
    const char *p = strstr(r->body, needle);
    assert_non_null(p);
    p += strlen(needle);
    size_t n = strcspn(p, "\"");
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = 0;
}

/* A whole template as the designer's form for a new one in unit. */
static void full_form(const ot_account *a, const char *unit, form *f, char id[64])
{
    ot_resp r;
    char path[120];
    snprintf(path, sizeof path, "/templates/new?unit=%s", unit);
    ot_get(&W, a->cookie, path, &r);
    assert_int_equal(r.status, 200);
    hidden_value(&r, "id", id, 64);
    ot_free(&r);
    memset(f, 0, sizeof *f);
    put(f, "csrf", a->csrf);
    put(f, "id", id);
    put(f, "unit", unit);
    put(f, "base", "0");
    put(f, "name", "Samling i gården");
    put(f, "scale.0", "Ikke set");
    put(f, "scale.1", "Delvist");
    put(f, "scale.2", "Tydeligt");
    put(f, "c.0.key", "");
    put(f, "c.0.label", "Åbent spørgsmål");
    put(f, "c.1.key", "");
    put(f, "c.1.label", "Barnets initiativ");
    put(f, "c.2.key", "");
    put(f, "c.2.label", "Afbrydelse");
    put(f, "s.0.key", "");
    put(f, "s.0.label", "Ventetid");
    put(f, "minutes", "5");
    put(f, "i.0.key", "");
    put(f, "i.0.label", "Alle deltager");
    put(f, "i.1.key", "");
    put(f, "i.1.label", "Få deltager");
    put(f, "x.0.key", "");
    put(f, "x.0.label", "Hvor");
    put(f, "x.0.type", "choice");
    put(f, "x.0.o.0", "Inde");
    put(f, "x.0.o.1", "Ude");
    put(f, "x.1.key", "");
    put(f, "x.1.label", "Antal børn");
    put(f, "x.1.type", "int");
    put(f, "x.1.min", "0");
    put(f, "x.1.max", "40");
    put(f, "p.0", "Hvad gjorde den voksne lige før?");
    put(f, "q.0", "Venter på svar");
    put(f, "green", "70");
    put(f, "yellow", "40");
    put(f, "act", "save");
}

static long long count(const char *sql) { return fx_count(&W.fx, sql); }

static long long versions_of(const char *id)
{
    char q[200];
    snprintf(q, sizeof q, "SELECT count(*) FROM templates WHERE id = '%s'", id);
    return count(q);
}

/* ---- the tests ---- */

static void test_design_reaches_the_feed(void **state)
{
    (void)state;
    form f;
    char id[64];
    full_form(&LA, A.unit, &f, id);
    ot_resp r;
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_int_equal(r.status, 303);
    char want[160];
    snprintf(want, sizeof want, "/templates/%s?done=saved", id);
    assert_string_equal(ot_header(&r, "Location"), want);
    ot_free(&r);
    /* In the unit's feed, as the tablets get it, and their parser takes it. */
    char q[900];
    snprintf(q, sizeof q,
             "SELECT data FROM items WHERE entity = 'template' AND key = '%s/1' AND unit_id = "
             "'%s'",
             id, A.unit);
    PGresult *res = PQexec(W.fx.db, q);
    assert_int_equal(PQntuples(res), 1);
    model_template *t = calloc(1, sizeof *t);
    char err[300];
    const char *data = PQgetvalue(res, 0, 0);
    assert_int_equal(model_template_parse(data, strlen(data), t, err, sizeof err), 0);
    PQclear(res);
    assert_string_equal(t->name, "Samling i gården");
    assert_int_equal(t->n_scale, 3);
    assert_string_equal(t->scale[0], "Ikke set");
    assert_int_equal(t->n_counters, 3);
    assert_string_equal(t->counters[0].label, "Åbent spørgsmål");
    assert_string_equal(t->counters[0].key, "aabent_spoergsmaal");
    assert_string_equal(t->counters[1].key, "barnets_initiativ");
    assert_int_equal(t->n_states, 1);
    assert_int_equal(t->interval_minutes, 5);
    assert_int_equal(t->n_interval_options, 2);
    assert_int_equal(t->n_context, 2);
    assert_int_equal(t->context[0].type, MODEL_CTX_CHOICE);
    assert_int_equal(t->context[0].n_options, 2);
    assert_string_equal(t->context[0].options[1], "Ude");
    assert_int_equal(t->context[1].type, MODEL_CTX_INT);
    assert_int_equal(t->context[1].max, 40);
    assert_int_equal(t->green_pct, 70);
    assert_int_equal(t->yellow_pct, 40);
    free(t);
    /* Written to the audit log as the office account. */
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit_log WHERE action = 'template.save' AND actor = "
             "'office:%s'",
             LA.id);
    assert_int_equal(count(q), 1);
    /* The same form posted twice: one template, one version. */
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(versions_of(id), 1);
    /* The list says what it holds; its page and the preview show it. */
    char path[160];
    snprintf(path, sizeof path, "/templates?unit=%s", A.unit);
    ot_get(&W, LA.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Samling i gården"));
    assert_true(ot_has(&r, "3 tællere"));
    assert_true(ot_has(&r, "stikprøve hvert 5. min"));
    ot_free(&r);
    snprintf(path, sizeof path, "/templates/%s/preview", id);
    ot_get(&W, LA.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Dette er en forhåndsvisning"));
    assert_true(ot_has(&r, "<span class=\"tpl-counter\"><span class=\"tpl-count\">0</span><span>"
                           "Barnets initiativ</span></span>"));
    assert_true(ot_has(&r, "tpl-cols-3"));
    assert_true(ot_has(&r, "<span class=\"tpl-level\">Tydeligt</span>"));
    assert_true(ot_has(&r, "Ventetid"));
    assert_true(ot_has(&r, "<span class=\"tpl-chip\">Ude</span>"));
    assert_true(ot_has(&r, "Et tal fra 0 til 40"));
    assert_true(ot_has(&r, "Venter på svar"));
    ot_free(&r);

    /* A change to a version that has observations makes a new version, and
     * the keys stay. The observation is left as a push leaves it: its record,
     * and its figures, which the office reads to know a version is in use. */
    snprintf(q, sizeof q,
             "INSERT INTO items (entity, key, unit_id, seq, version, data) VALUES ('observation',"
             " 'obs-tpl-1', '%s', 900000, 1, '{\"template_id\":\"%s\",\"template_version\":1}');"
             "INSERT INTO fact_obs (observation_id, unit_id, focus_id, focus_version, template_id,"
             " template_version, observer_id, observee_id, room_id, activity, context, status,"
             " started_at, month, duration_ms, revision, n_events, n_undone, n_notes, n_ratings,"
             " feedback_given, reflection_written, n_conflicts, updated_at) VALUES ('obs-tpl-1',"
             " '%s', 'f', 1, '%s', 1, 'a', 'b', '', '', '{}', 'draft', now(), '2026-09-01', 0, 1,"
             " 0, 0, 0, 0, false, false, 0, now())",
             A.unit, id, A.unit, id);
    res = PQexec(W.fx.db, q);
    assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    snprintf(path, sizeof path, "/templates/%s/edit", id);
    ot_get(&W, LA.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "name=\"c.0.key\" value=\"aabent_spoergsmaal\""));
    assert_true(ot_has(&r, "en ændring gemmes som en ny version"));
    ot_free(&r);
    set(&f, "c.0.key", "aabent_spoergsmaal");
    set(&f, "c.1.key", "barnets_initiativ");
    set(&f, "c.2.key", "afbrydelse");
    set(&f, "c.0.label", "Åbent spørgsmål til barnet");
    set(&f, "base", "1");
    ot_post(&W, LA.cookie, path, f.s, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(versions_of(id), 2);
    snprintf(q, sizeof q, "SELECT data FROM items WHERE entity = 'template' AND key = '%s/2'", id);
    res = PQexec(W.fx.db, q);
    assert_int_equal(PQntuples(res), 1);
    assert_non_null(strstr(PQgetvalue(res, 0, 0), "\"key\":\"aabent_spoergsmaal\",\"label\":"
                                                  "\"Åbent spørgsmål til barnet\""));
    PQclear(res);
    /* The same edit form posted again (made from version 1) changes nothing. */
    ot_post(&W, LA.cookie, path, f.s, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    assert_int_equal(versions_of(id), 2);
    /* Another change from the old version is not saved over the new one. */
    set(&f, "name", "Noget andet");
    ot_post(&W, LA.cookie, path, f.s, &r);
    assert_int_equal(r.status, 409);
    assert_true(ot_has(&r, "ændret af en anden"));
    ot_free(&r);
    assert_int_equal(versions_of(id), 2);
}

/* Each broken form: the field changed, its new value (NULL: left out), the
 * field the message must be tied to, and the message. */
static const struct {
    const char *field, *value, *err_field, *msg;
} broken[] = {
    {"name", "  ", "name", "Navn: skriv et navn til skabelonen."},
    {"scale.1", "", "scale.1", "Skala, nr. 2: teksten er tom."},
    {"c.2.label", "", "c.2.label", "Tællere, nr. 3: navnet er tomt."},
    {"c.1.label", "Åbent spørgsmål", "c.1.label", "Tællere, nr. 2: samme navn som nr. 1."},
    {"c.0.label",
     "En tæller med et navn der er alt for langt til en knap på en tablet, langt over grænsen",
     "c.0.label", "Tællere, nr. 1: for lang, højst 80 tegn (æ, ø og å tæller for to)."},
    {"c.0.key", "Not A Key", "c.0.label", "Tællere, nr. 1: nøglen er ugyldig."},
    {"s.0.label", " ", "s.0.label", "Tidtagere, nr. 1: navnet er tomt."},
    {"minutes", "200", "minutes",
     "Stikprøver: minutterne skal være et helt tal fra 1 til 120, eller tomt for ingen."},
    {"minutes", "", "minutes",
     "Stikprøver: skriv antal minutter mellem hver stikprøve, eller fjern svarene."},
    {"i.1.label", "", "i.1.label", "Stikprøvesvar, nr. 2: navnet er tomt."},
    {"x.0.o.1", "Inde", "x.0.o.1", "Kontekstfelter, nr. 1, mulighed 2: det samme som mulighed 1."},
    {"x.1.min", "50", "x.1.max",
     "Kontekstfelter, nr. 2: største tal må ikke være mindre end mindste tal."},
    {"x.1.max", "mange", "x.1.max",
     "Kontekstfelter, nr. 2: største tal skal være et helt tal fra 0 til 100000."},
    {"x.1.type", "date", "x.1.type", "Kontekstfelter, nr. 2: vælg hvilken slags felt det er."},
    {"p.0", "", "p.0", "Spørgsmål til noter, nr. 1: teksten er tom."},
    {"q.0", "", "q.0", "Hurtige fraser, nr. 1: teksten er tom."},
    {"green", "30", "green", "Grøn-grænsen må ikke være lavere end gul-grænsen."},
    {"green", "101", "green", "Grøn grænse: skriv et helt tal fra 0 til 100."},
    {"yellow", "", "yellow", "Gul grænse: skriv et helt tal fra 0 til 100."},
    {"x.0.o.1", NULL, "x.0.o.0", "Kontekstfelter, nr. 1: et valg skal have 2 til 8 muligheder."},
    {"scale.2", NULL, "scale.0", "Skala: angiv 2 til 5 trin, det laveste først."},
};

static void test_each_refusal_names_its_field(void **state)
{
    (void)state;
    long long before = count("SELECT count(*) FROM templates");
    for (size_t k = 0; k < sizeof broken / sizeof broken[0]; k++) {
        form f;
        char id[64];
        full_form(&LA, A.unit, &f, id);
        if (broken[k].value)
            set(&f, broken[k].field, broken[k].value);
        else
            drop(&f, broken[k].field);
        if (!strcmp(broken[k].field, "scale.2"))
            drop(&f, "scale.1");
        ot_resp r;
        ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
        if (r.status != 400 || !ot_has(&r, broken[k].msg))
            fail_msg("case %zu (%s): status %d, message \"%s\" not found", k, broken[k].field,
                     r.status, broken[k].msg);
        /* Tied to its field, and listed in the summary with a link to it. */
        char tie[120], link[120];
        snprintf(tie, sizeof tie, "id=\"f-%s-err\"", broken[k].err_field);
        snprintf(link, sizeof link, "<a href=\"#f-%s\">", broken[k].err_field);
        if (!ot_has(&r, tie) || !ot_has(&r, link))
            fail_msg("case %zu: the message is not tied to field %s", k, broken[k].err_field);
        /* What was typed is shown again. */
        assert_true(!strcmp(broken[k].field, "name") || ot_has(&r, "value=\"Samling i gården\""));
        ot_free(&r);
    }
    assert_int_equal(count("SELECT count(*) FROM templates"), before);
}

static void test_lists_change_without_saving(void **state)
{
    (void)state;
    long long before = count("SELECT count(*) FROM templates");
    form f;
    char id[64];
    full_form(&LA, A.unit, &f, id);
    ot_resp r;
    /* Move the second counter up. */
    set(&f, "act", "up:c:1");
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "name=\"c.0.label\" maxlength=\"80\" value=\"Barnets initiativ\""));
    assert_true(ot_has(&r, "name=\"c.1.label\" maxlength=\"80\" value=\"Åbent spørgsmål\""));
    ot_free(&r);
    /* Move the first one down, remove the middle one. */
    set(&f, "act", "down:c:0");
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_true(ot_has(&r, "name=\"c.0.label\" maxlength=\"80\" value=\"Barnets initiativ\""));
    ot_free(&r);
    set(&f, "act", "del:c:1");
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "name=\"c.1.label\" maxlength=\"80\" value=\"Afbrydelse\""));
    assert_false(ot_has(&r, "name=\"c.2.label\""));
    assert_false(ot_has(&r, "Barnets initiativ"));
    ot_free(&r);
    /* Add a counter and an option to the choice; move a context field. */
    set(&f, "act", "add:c");
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_true(ot_has(&r, "name=\"c.3.label\" maxlength=\"80\" value=\"\""));
    ot_free(&r);
    set(&f, "act", "add:o0");
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_true(ot_has(&r, "name=\"x.0.o.2\""));
    ot_free(&r);
    set(&f, "act", "down:x:0");
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_true(ot_has(&r, "name=\"x.0.label\" maxlength=\"80\" value=\"Antal børn\""));
    assert_true(ot_has(&r, "name=\"x.1.o.1\" maxlength=\"80\" value=\"Ude\""));
    ot_free(&r);
    /* A button that is not one of the form's changes nothing either. */
    set(&f, "act", "del:c:99");
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_int_equal(r.status, 200);
    ot_free(&r);
    /* The preview button shows the screen and saves nothing. */
    set(&f, "act", "preview");
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "Dette er en forhåndsvisning"));
    assert_true(ot_has(&r, "Ventetid"));
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM templates"), before);
}

static void test_other_units_leader_is_refused(void **state)
{
    (void)state;
    form f;
    char id[64];
    full_form(&LA, A.unit, &f, id);
    ot_resp r;
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    long long before = count("SELECT count(*) FROM templates");
    long long items = count("SELECT count(*) FROM items");
    char path[160];
    const char *gets[] = {"/templates/%s", "/templates/%s/edit", "/templates/%s/preview"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, gets[i], id);
        ot_get(&W, LB.cookie, path, &r);
        assert_int_equal(r.status, 403);
        assert_false(ot_has(&r, "Samling i gården"));
        ot_free(&r);
    }
    snprintf(path, sizeof path, "/templates?unit=%s", A.unit);
    ot_get(&W, LB.cookie, path, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    snprintf(path, sizeof path, "/templates/new?unit=%s", A.unit);
    ot_get(&W, LB.cookie, path, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    snprintf(path, sizeof path, "/templates/new?unit=%s&from=%s", B.unit, id);
    ot_get(&W, LB.cookie, path, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* With B's own form token: a change, a new template in A, a retire. */
    set(&f, "csrf", LB.csrf);
    set(&f, "base", "1");
    set(&f, "name", "Overtaget");
    snprintf(path, sizeof path, "/templates/%s/edit", id);
    ot_post(&W, LB.cookie, path, f.s, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    form g;
    char id2[64];
    full_form(&LA, A.unit, &g, id2);
    set(&g, "csrf", LB.csrf);
    ot_post(&W, LB.cookie, "/templates/new", g.s, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* Their own unit in the form, with A's template's id: refused too. */
    set(&g, "unit", B.unit);
    set(&g, "id", id);
    ot_post(&W, LB.cookie, "/templates/new", g.s, &r);
    assert_int_equal(r.status, 400);
    ot_free(&r);
    char rf[120];
    snprintf(rf, sizeof rf, "csrf=%s", LB.csrf);
    snprintf(path, sizeof path, "/templates/%s/retire", id);
    ot_post(&W, LB.cookie, path, rf, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM templates"), before);
    assert_int_equal(count("SELECT count(*) FROM items"), items);
    assert_int_equal(count("SELECT count(*) FROM templates WHERE retired_at IS NOT NULL"), 0);
    /* Their own leader retires it; twice is once. */
    snprintf(rf, sizeof rf, "csrf=%s", LA.csrf);
    ot_post(&W, LA.cookie, path, rf, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    ot_post(&W, LA.cookie, path, rf, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    snprintf(path, sizeof path, "/templates/%s", id);
    ot_get(&W, LA.cookie, path, &r);
    assert_true(ot_has(&r, "udgået"));
    ot_free(&r);
}

static void test_hostile_labels_and_stale_tokens(void **state)
{
    (void)state;
    form f;
    char id[64];
    full_form(&LA, A.unit, &f, id);
    set(&f, "name", "<script>alert(1)</script>");
    set(&f, "c.0.label", "\"><img src=x onerror=alert(1)>");
    long long before = count("SELECT count(*) FROM templates");
    /* A stale form token: refused, nothing saved. */
    set(&f, "csrf", "0000000000000000000000000000000000000000000000000000000000000000");
    ot_resp r;
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    /* From another site: refused. */
    set(&f, "csrf", LA.csrf);
    ot_post_from(&W, LA.cookie, "https://evil.example", "/templates/new", f.s, &r);
    assert_int_equal(r.status, 403);
    ot_free(&r);
    assert_int_equal(count("SELECT count(*) FROM templates"), before);
    ot_post(&W, LA.cookie, "/templates/new", f.s, &r);
    assert_int_equal(r.status, 303);
    ot_free(&r);
    char path[160];
    const char *pages[] = {"/templates?unit=%s", "/templates/%s", "/templates/%s/edit",
                           "/templates/%s/preview"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, pages[i], i == 0 ? A.unit : id);
        ot_get(&W, LA.cookie, path, &r);
        assert_int_equal(r.status, 200);
        assert_false(ot_has(&r, "<script>alert"));
        assert_false(ot_has(&r, "<img src=x"));
        assert_true(ot_has(&r, "&lt;script&gt;alert(1)&lt;/script&gt;") || i == 3);
        ot_free(&r);
    }
    /* An id that is not one, and one that does not exist. */
    ot_get(&W, LA.cookie, "/templates/%3Cx%3E/edit", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
    ot_get(&W, LA.cookie, "/templates/00000000-0000-4000-8000-000000000000", &r);
    assert_int_equal(r.status, 404);
    ot_free(&r);
}

static void test_copy_and_empty_state(void **state)
{
    (void)state;
    /* A unit without templates explains what one is. */
    PGresult *res = PQexec(W.fx.db, "INSERT INTO units (id, name, retention_days) VALUES "
                                    "('0e000000-0000-4000-8000-000000000001', 'Tom', 30)");
    assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    ot_account adm;
    ot_account_make(&W, "admin", "Ada", NULL, NULL, &adm);
    char path[200];
    snprintf(path, sizeof path, "/templates?unit=%s", "0e000000-0000-4000-8000-000000000001");
    ot_resp r;
    ot_get(&W, adm.cookie, path, &r);
    assert_int_equal(r.status, 200);
    assert_true(ot_has(&r, "En skabelon siger"));
    ot_free(&r);
    /* A copy of A's fixture template, for unit B by the administrator. */
    snprintf(path, sizeof path, "/templates/new?unit=%s&from=%s", B.unit, A.tmpl);
    ot_get(&W, adm.cookie, path, &r);
    assert_int_equal(r.status, 200);
    char unit[64], id[64];
    hidden_value(&r, "unit", unit, sizeof unit);
    hidden_value(&r, "id", id, sizeof id);
    assert_string_equal(unit, B.unit);
    assert_string_not_equal(id, A.tmpl);
    ot_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_design_reaches_the_feed),
        cmocka_unit_test(test_each_refusal_names_its_field),
        cmocka_unit_test(test_lists_change_without_saving),
        cmocka_unit_test(test_other_units_leader_is_refused),
        cmocka_unit_test(test_hostile_labels_and_stale_tokens),
        cmocka_unit_test(test_copy_and_empty_state),
    };
    return cmocka_run_group_tests(tests, up, down);
}
