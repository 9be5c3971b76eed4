/*
 * The export (srv_export.h): the selection's focus and template versions
 * first, which decide the columns, then a cursor over the facts (wide) or
 * the stored events and notes (long), a batch at a time, each row written
 * through the CSV writer and handed out as the reader asks.
 */
#include "srv_export.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_json.h"
#include "model_tally.h"
#include "srv_int.h"

/* Rows fetched from the cursor at a time. */
#define BATCH 500
/* Focus and template versions one export may rest on (each kind). */
#define VERSIONS_MAX 512
/* Columns after the fixed ones. */
#define COLS_MAX 1024
/* The writer's bound: a row of texts at their caps fits many times. */
#define ROW_BYTES_MAX (1024 * 1024)

/* What a template version tells the export: its name, scale and the label
 * of each key by kind. */
typedef struct {
    char kind; /* 'c' counter, 's' state, 'o' interval answer, 'x' context field */
    char key[MODEL_KEY_MAX + 1];
    char label[MODEL_LABEL_MAX + 1];
} titem;

typedef struct {
    model_id id;
    int version;
    char name[MODEL_NAME_MAX + 1];
    int n_scale;
    char scale[MODEL_MAX_SCALE][MODEL_LABEL_MAX + 1];
    int n_items;
    titem items[MODEL_MAX_COUNTERS + MODEL_MAX_STATES + MODEL_MAX_INTERVAL_OPTIONS +
                MODEL_MAX_CONTEXT];
} tver;

typedef struct {
    model_id id;
    int version;
    char question[MODEL_QUESTION_MAX + 1];
    int n_signs;
    model_sign signs[MODEL_MAX_SIGNS];
} fver;

/* A column after the fixed ones: a template key of a kind, or a sign. */
typedef struct {
    char kind; /* as titem, or 'g' for a sign */
    char key[MODEL_UUID_LEN + 1];
    const char *title; /* borrowed from the newest version naming it */
} col;

struct srv_export {
    PGconn *pg;
    srv_export_query q;
    srv_csv w;
    int in_tx, header_done, done;
    PGresult *batch;
    int row;
    int ahead; /* the next FETCH is sent and its answer not yet read */
    tver *tv;
    int n_tv;
    fver *fv;
    int n_fv;
    col *cols;
    int n_cols;
    long long rows;
    size_t peak_bytes;
    int peak_batch;
    char err[400];
};

int srv_export_format_parse(const char *word, srv_export_format *out)
{
    if (word && !strcmp(word, "wide")) {
        *out = SRV_EXPORT_WIDE;
        return 0;
    }
    if (word && !strcmp(word, "long")) {
        *out = SRV_EXPORT_LONG;
        return 0;
    }
    return -1;
}

int srv_export_check(const srv_export_query *q, char *err, size_t errlen)
{
    if (model_id_check(q->unit, "unit", err, errlen) != 0)
        return -1;
    if (q->focus[0] && model_id_check(q->focus, "focus", err, errlen) != 0)
        return -1;
    if (q->from[0] && model_date_check(q->from, "from", err, errlen) != 0)
        return -1;
    if (q->to[0] && model_date_check(q->to, "to", err, errlen) != 0)
        return -1;
    if (q->from[0] && q->to[0] && strcmp(q->from, q->to) > 0) {
        snprintf(err, errlen, "The period begins (%s) after it ends (%s).", q->from, q->to);
        return -1;
    }
    if ((q->format != SRV_EXPORT_WIDE && q->format != SRV_EXPORT_LONG) ||
        (q->style != SRV_CSV_DA && q->style != SRV_CSV_INTL)) {
        snprintf(err, errlen, "The export's format is not one there is.");
        return -1;
    }
    return 0;
}

/* The selection, as SQL over fact_obs f with the parameters $1 unit, $2
 * focus, $3 from, $4 to; days are Copenhagen's. */
#define SELECTION                                                                                  \
    " f.unit_id = $1 AND ($2 = '' OR f.focus_id = $2)"                                             \
    " AND (nullif($3, '') IS NULL"                                                                 \
    "      OR f.started_at >= nullif($3, '')::date::timestamp AT TIME ZONE 'Europe/Copenhagen')"   \
    " AND (nullif($4, '') IS NULL"                                                                 \
    "      OR f.started_at < (nullif($4, '')::date + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen')"

#define LOCAL(ts) "to_char((" ts ") AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM-DD HH24:MI:SS')"
#define MS_TIME(ms) "to_timestamp((" ms ")::bigint / 1000.0)"

/* The observee of an observation about a team (schema 3), which names no
 * person: "team: " and the team's name from its record. */
#define SRV_EXPORT_TEAM                                                                            \
    "'team: ' || (SELECT ti.data::jsonb->>'team' FROM items ti WHERE ti.entity = 'observation'"    \
    " AND ti.key = f.observation_id AND f.observee_id = '')"

/*
 * The wide rows: one range of fact_obs, which keeps each observation's
 * lists and texts beside its figures (srv_db.c, step 11), with the names
 * of its people and room.
 */
/* clang-format off */
static const char wide_sql[] =
    "DECLARE export_rows NO SCROLL CURSOR FOR"
    " SELECT f.observation_id, f.status, " LOCAL("f.started_at") ","
    " coalesce(" LOCAL("f.ended_at") ", ''), f.duration_ms,"
    " f.focus_id, f.focus_version, f.template_id, f.template_version,"
    " coalesce(po.name, ''), coalesce(pe.name, " SRV_EXPORT_TEAM ", ''), coalesce(rm.name, ''),"
    " f.activity,"
    " f.context::text, f.revision, f.n_events, f.n_undone, f.n_notes, f.n_ratings,"
    " f.feedback_given, f.reflection_written, f.counts, f.states, f.ratings,"
    " f.feedback_works, f.feedback_wonderings, f.feedback_next_step,"
    " coalesce(" LOCAL("f.feedback_given_at") ", ''), f.reflection, f.reflection_next_step"
    " FROM fact_obs f"
    " LEFT JOIN people po ON po.id = f.observer_id"
    " LEFT JOIN people pe ON pe.id = f.observee_id"
    " LEFT JOIN rooms rm ON rm.id = f.room_id"
    " WHERE" SELECTION " ORDER BY f.started_at, f.observation_id";
/* clang-format on */

/* The wide row's columns, as the query gives them. */
enum {
    W_ID,
    W_STATUS,
    W_STARTED,
    W_ENDED,
    W_DURATION,
    W_FOCUS,
    W_FOCUS_V,
    W_TMPL,
    W_TMPL_V,
    W_OBSERVER,
    W_OBSERVEE,
    W_ROOM,
    W_ACTIVITY,
    W_CONTEXT,
    W_REVISION,
    W_EVENTS,
    W_UNDONE,
    W_NOTES,
    W_RATINGS,
    W_FB_GIVEN,
    W_REFL,
    W_COUNTS,
    W_STATES,
    W_RATINGS_LIST,
    W_WORKS,
    W_WONDERINGS,
    W_FB_NEXT,
    W_GIVEN_AT,
    W_REFL_TEXT,
    W_REFL_NEXT
};

/* The fixed columns of the wide form, in order, before the columns of
 * the versions. */
static const char *const wide_head[] = {"observation_id",
                                        "status",
                                        "started_at",
                                        "ended_at",
                                        "duration_min",
                                        "focus",
                                        "focus_id",
                                        "focus_version",
                                        "template",
                                        "template_id",
                                        "template_version",
                                        "observer",
                                        "observee",
                                        "room",
                                        "activity",
                                        "revision",
                                        "events",
                                        "events_undone",
                                        "notes",
                                        "ratings",
                                        "feedback_given",
                                        "feedback_given_at",
                                        "feedback_works",
                                        "feedback_wonderings",
                                        "feedback_next_step",
                                        "reflection_written",
                                        "reflection",
                                        "reflection_next_step"};

static const char long_sql[] =
    "DECLARE export_rows NO SCROLL CURSOR FOR"
    " WITH sel AS (SELECT f.observation_id, f.started_at, f.focus_id, f.focus_version,"
    "                     f.template_id, f.template_version FROM fact_obs f WHERE" SELECTION "),"
    " it AS (SELECT i.observation_id, i.entity, i.key, i.data::jsonb AS d FROM items i"
    "        JOIN sel ON sel.observation_id = i.observation_id"
    "        WHERE i.entity IN ('event', 'note')),"
    " undone AS (SELECT DISTINCT observation_id, d->>'target_id' AS target FROM it"
    "            WHERE entity = 'event' AND d->>'kind' = 'undo')"
    " SELECT it.observation_id, " LOCAL(MS_TIME(
        "it.d->>'at'")) ","
                        " (it.d->>'at')::bigint - (extract(epoch FROM sel.started_at) * 1000)::bigint,"
                        " CASE WHEN it.entity = 'note' THEN 'note' ELSE it.d->>'kind' END,"
                        " coalesce(it.d->>'key', ''), u.target IS NOT NULL, coalesce(it.d->>'text', ''),"
                        " coalesce(it.d->>'sign_id', ''), sel.focus_id, sel.focus_version, sel.template_id,"
                        " sel.template_version"
                        " FROM it JOIN sel ON sel.observation_id = it.observation_id"
                        " LEFT JOIN undone u ON u.observation_id = it.observation_id AND u.target = it.key"
                        " WHERE NOT (it.entity = 'event' AND it.d->>'kind' = 'undo')"
                        "   AND NOT (it.entity = 'note' AND it.d->>'text' = '')"
                        " ORDER BY sel.started_at, it.observation_id, (it.d->>'at')::bigint, it.entity, it.key";

enum {
    L_ID,
    L_AT,
    L_MS,
    L_KIND,
    L_KEY,
    L_UNDONE,
    L_TEXT,
    L_SIGN,
    L_FOCUS,
    L_FOCUS_V,
    L_TMPL,
    L_TMPL_V
};

static const char *const long_head[] = {
    "observation_id", "at", "seconds_from_start", "kind", "key", "label", "undone", "note", "sign"};

/* The versions the selection rests on, with their records. */
static const char versions_sql[] =
    "WITH sel AS (SELECT DISTINCT f.focus_id, f.focus_version, f.template_id, f.template_version"
    "             FROM fact_obs f WHERE" SELECTION ")"
    " SELECT i.entity, i.data FROM items i"
    " WHERE (i.entity = 'focus' AND i.key IN (SELECT focus_id || '/' || focus_version FROM sel))"
    "    OR (i.entity = 'template'"
    "        AND i.key IN (SELECT template_id || '/' || template_version FROM sel))";

static int fail(srv_export *x, const char *fmt, const char *detail)
{
    snprintf(x->err, sizeof x->err, fmt, detail);
    return -1;
}

/* Newest version first within an id, so that the newest words name a
 * column that several versions share. */
static int tver_cmp(const void *a, const void *b)
{
    const tver *p = a, *q = b;
    int c = strcmp(p->id, q->id);
    return c ? c : q->version - p->version;
}

static int fver_cmp(const void *a, const void *b)
{
    const fver *p = a, *q = b;
    int c = strcmp(p->id, q->id);
    return c ? c : q->version - p->version;
}

static void tver_from(tver *v, const model_template *t)
{
    memset(v, 0, sizeof *v);
    snprintf(v->id, sizeof v->id, "%s", t->id);
    v->version = t->version;
    snprintf(v->name, sizeof v->name, "%s", t->name);
    v->n_scale = t->n_scale;
    for (int i = 0; i < t->n_scale; i++)
        snprintf(v->scale[i], sizeof v->scale[i], "%s", t->scale[i]);
    struct {
        char kind;
        int n;
        const model_item *items;
    } lists[] = {{'c', t->n_counters, t->counters},
                 {'o', t->n_interval_options, t->interval_options},
                 {'s', t->n_states, t->states}};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
        for (int i = 0; i < lists[l].n; i++) {
            titem *it = &v->items[v->n_items++];
            it->kind = lists[l].kind;
            snprintf(it->key, sizeof it->key, "%s", lists[l].items[i].key);
            snprintf(it->label, sizeof it->label, "%s", lists[l].items[i].label);
        }
    for (int i = 0; i < t->n_context; i++) {
        titem *it = &v->items[v->n_items++];
        it->kind = 'x';
        snprintf(it->key, sizeof it->key, "%s", t->context[i].key);
        snprintf(it->label, sizeof it->label, "%s", t->context[i].label);
    }
}

static void fver_from(fver *v, const model_focus *f)
{
    memset(v, 0, sizeof *v);
    snprintf(v->id, sizeof v->id, "%s", f->id);
    v->version = f->version;
    snprintf(v->question, sizeof v->question, "%s", f->question);
    v->n_signs = f->n_signs;
    memcpy(v->signs, f->signs, sizeof v->signs);
}

static const tver *find_tver(const srv_export *x, const char *id, const char *version)
{
    int v = atoi(version);
    for (int i = 0; i < x->n_tv; i++)
        if (x->tv[i].version == v && !strcmp(x->tv[i].id, id))
            return &x->tv[i];
    return NULL;
}

static const fver *find_fver(const srv_export *x, const char *id, const char *version)
{
    int v = atoi(version);
    for (int i = 0; i < x->n_fv; i++)
        if (x->fv[i].version == v && !strcmp(x->fv[i].id, id))
            return &x->fv[i];
    return NULL;
}

static const titem *find_item(const tver *t, char kind, const char *key)
{
    for (int i = 0; t && i < t->n_items; i++)
        if (t->items[i].kind == kind && !strcmp(t->items[i].key, key))
            return &t->items[i];
    return NULL;
}

static const model_sign *find_sign(const fver *f, const char *id)
{
    for (int i = 0; f && i < f->n_signs; i++)
        if (!strcmp(f->signs[i].id, id))
            return &f->signs[i];
    return NULL;
}

/* Adds a column unless there is one of that kind and key. */
static int add_col(srv_export *x, char kind, const char *key, const char *title)
{
    for (int i = 0; i < x->n_cols; i++)
        if (x->cols[i].kind == kind && !strcmp(x->cols[i].key, key))
            return 0;
    if (x->n_cols == COLS_MAX)
        return fail(x, "The selection has more than %s columns; export one focus at a time.",
                    "1024");
    col *c = &x->cols[x->n_cols++];
    c->kind = kind;
    snprintf(c->key, sizeof c->key, "%s", key);
    c->title = title;
    return 0;
}

/* Reads the versions the selection rests on and makes the columns: context
 * fields, counters (count and rate), interval answers, states, then signs,
 * each kind in the order of the newest version that has it. */
static int load_versions(srv_export *x, const char *const *p)
{
    PGresult *r = srv_q(x->pg, versions_sql, 4, p, x->err, sizeof x->err);
    if (!r)
        return -1;
    int n = PQntuples(r);
    model_record *rec = malloc(sizeof *rec);
    x->tv = calloc((size_t)(n ? n : 1), sizeof *x->tv);
    x->fv = calloc((size_t)(n ? n : 1), sizeof *x->fv);
    x->cols = calloc(COLS_MAX, sizeof *x->cols);
    int rc = rec && x->tv && x->fv && x->cols ? 0 : fail(x, "Out of memory%s.", "");
    if (!rc && n > 2 * VERSIONS_MAX)
        rc = fail(x, "The selection rests on more versions than %s; export one focus at a time.",
                  "512");
    for (int i = 0; !rc && i < n; i++) {
        int focus = !strcmp(PQgetvalue(r, i, 0), "focus");
        model_err me;
        if (model_record_parse(focus ? MODEL_ENT_FOCUS : MODEL_ENT_TEMPLATE, PQgetvalue(r, i, 1),
                               rec, &me) != 0)
            rc = fail(x, "A stored focus or template is damaged: %s", me.msg);
        else if (focus)
            fver_from(&x->fv[x->n_fv++], &rec->u.focus);
        else
            tver_from(&x->tv[x->n_tv++], &rec->u.tmpl);
    }
    free(rec);
    PQclear(r);
    if (rc)
        return -1;
    qsort(x->tv, (size_t)x->n_tv, sizeof *x->tv, tver_cmp);
    qsort(x->fv, (size_t)x->n_fv, sizeof *x->fv, fver_cmp);
    static const char kinds[] = "xcos";
    for (int k = 0; kinds[k]; k++)
        for (int i = 0; i < x->n_tv; i++)
            for (int j = 0; j < x->tv[i].n_items; j++) {
                const titem *it = &x->tv[i].items[j];
                if (it->kind == kinds[k] && add_col(x, it->kind, it->key, it->key) != 0)
                    return -1;
            }
    for (int i = 0; i < x->n_fv; i++)
        for (int j = 0; j < x->fv[i].n_signs; j++)
            if (add_col(x, 'g', x->fv[i].signs[j].id, x->fv[i].signs[j].text) != 0)
                return -1;
    return 0;
}

static void write_header(srv_export *x)
{
    srv_csv *w = &x->w;
    if (x->q.format == SRV_EXPORT_LONG) {
        for (size_t i = 0; i < sizeof long_head / sizeof long_head[0]; i++)
            srv_csv_text(w, long_head[i]);
        srv_csv_end(w);
        return;
    }
    for (size_t i = 0; i < sizeof wide_head / sizeof wide_head[0]; i++)
        srv_csv_text(w, wide_head[i]);
    for (int i = 0; i < x->n_cols; i++) {
        const col *c = &x->cols[i];
        char h[MODEL_QUESTION_MAX + 32];
        switch (c->kind) {
        case 'x': snprintf(h, sizeof h, "context_%s", c->title); break;
        case 'c':
            snprintf(h, sizeof h, "count_%s", c->title);
            srv_csv_text(w, h);
            snprintf(h, sizeof h, "rate_%s", c->title);
            break;
        case 'o': snprintf(h, sizeof h, "sample_%s", c->title); break;
        case 's': snprintf(h, sizeof h, "state_s_%s", c->title); break;
        default:
            snprintf(h, sizeof h, "level: %s", c->title);
            srv_csv_text(w, h);
            snprintf(h, sizeof h, "word: %s", c->title);
            break;
        }
        srv_csv_text(w, h);
    }
    srv_csv_end(w);
}

/*
 * The number a list from the query gives for key: the list is words
 * parted by single spaces, "kind key n ..." when kind is not NULL (the
 * counts: kind "count" or "sample"), else "key n ...". -1 when the list
 * does not name it. Keys and ids hold no spaces.
 */
static long long list_get(const char *list, const char *kind, const char *key)
{
    size_t kl = strlen(key), kdl = kind ? strlen(kind) : 0;
    const char *s = list;
    while (*s) {
        int match = 1;
        if (kind) {
            match = !strncmp(s, kind, kdl) && s[kdl] == ' ';
            s = strchr(s, ' ');
            if (!s)
                return -1;
            s++;
        }
        const char *sp = strchr(s, ' ');
        if (!sp)
            return -1;
        if (match && (size_t)(sp - s) == kl && !strncmp(s, key, kl))
            return strtoll(sp + 1, NULL, 10);
        /* Not this one: on past its number without reading it. */
        const char *next = strchr(sp + 1, ' ');
        s = next ? next + 1 : sp + 1 + strlen(sp + 1);
    }
    return -1;
}

/* One context value as the template's field gives it: a number, or text. */
static void context_cell(srv_csv *w, json_t *ctx, const char *key)
{
    json_t *v = json_object_get(ctx, key);
    if (json_is_integer(v))
        srv_csv_int(w, (long long)json_integer_value(v));
    else if (json_is_string(v))
        srv_csv_text(w, json_string_value(v));
    else
        srv_csv_empty(w);
}

static void write_wide(srv_export *x, PGresult *r, int i)
{
    srv_csv *w = &x->w;
#define V(c) PQgetvalue(r, i, (c))
    const tver *t = find_tver(x, V(W_TMPL), V(W_TMPL_V));
    const fver *f = find_fver(x, V(W_FOCUS), V(W_FOCUS_V));
    long long dur = atoll(V(W_DURATION));
    int finished = !strcmp(V(W_STATUS), "finished");
    srv_csv_text(w, V(W_ID));
    srv_csv_text(w, V(W_STATUS));
    srv_csv_text(w, V(W_STARTED));
    srv_csv_text(w, V(W_ENDED));
    if (finished)
        srv_csv_dec(w, (double)dur / 60000.0, 2);
    else
        srv_csv_empty(w);
    srv_csv_text(w, f ? f->question : "");
    srv_csv_text(w, V(W_FOCUS));
    srv_csv_text(w, V(W_FOCUS_V));
    srv_csv_text(w, t ? t->name : "");
    srv_csv_text(w, V(W_TMPL));
    srv_csv_text(w, V(W_TMPL_V));
    srv_csv_text(w, V(W_OBSERVER));
    srv_csv_text(w, V(W_OBSERVEE));
    srv_csv_text(w, V(W_ROOM));
    srv_csv_text(w, V(W_ACTIVITY));
    srv_csv_text(w, V(W_REVISION));
    srv_csv_text(w, V(W_EVENTS));
    srv_csv_text(w, V(W_UNDONE));
    srv_csv_text(w, V(W_NOTES));
    srv_csv_text(w, V(W_RATINGS));
    srv_csv_int(w, V(W_FB_GIVEN)[0] == 't');
    srv_csv_text(w, V(W_GIVEN_AT));
    srv_csv_text(w, V(W_WORKS));
    srv_csv_text(w, V(W_WONDERINGS));
    srv_csv_text(w, V(W_FB_NEXT));
    srv_csv_int(w, V(W_REFL)[0] == 't');
    srv_csv_text(w, V(W_REFL_TEXT));
    srv_csv_text(w, V(W_REFL_NEXT));
    json_t *ctx = json_loads(V(W_CONTEXT), 0, NULL);
    const char *counts = V(W_COUNTS), *states = V(W_STATES), *ratings = V(W_RATINGS_LIST);
    for (int k = 0; k < x->n_cols; k++) {
        const col *c = &x->cols[k];
        /* A column of a version this observation was not made on is
         * empty; one its version has but it never used is 0. */
        int has = c->kind == 'g' ? find_sign(f, c->key) != NULL
                                 : find_item(t, c->kind, c->key) != NULL;
        if (c->kind == 'x') {
            context_cell(w, ctx, c->key);
        } else if (c->kind == 'c' || c->kind == 'o') {
            long long n = list_get(counts, c->kind == 'c' ? "count" : "sample", c->key);
            if (!has && n < 0) {
                srv_csv_empty(w);
                if (c->kind == 'c')
                    srv_csv_empty(w);
                continue;
            }
            n = n < 0 ? 0 : n;
            srv_csv_int(w, n);
            double rate;
            if (c->kind == 'c' && finished && model_rate(n, dur, &rate))
                srv_csv_dec(w, rate, 2);
            else if (c->kind == 'c')
                srv_csv_empty(w);
        } else if (c->kind == 's') {
            long long ms = list_get(states, NULL, c->key);
            if (!has && ms < 0)
                srv_csv_empty(w);
            else
                srv_csv_int(w, ms < 0 ? 0 : (ms + 500) / 1000);
        } else {
            long long level = list_get(ratings, NULL, c->key);
            if (level < 0) {
                srv_csv_empty(w);
                srv_csv_empty(w);
            } else {
                srv_csv_int(w, level);
                srv_csv_text(w, t && level < t->n_scale ? t->scale[level] : "");
            }
        }
    }
    json_decref(ctx);
    srv_csv_end(w);
#undef V
}

static void write_long(srv_export *x, PGresult *r, int i)
{
    srv_csv *w = &x->w;
#define V(c) PQgetvalue(r, i, (c))
    const char *kind = V(L_KIND);
    int note = !strcmp(kind, "note");
    srv_csv_text(w, V(L_ID));
    srv_csv_text(w, V(L_AT));
    srv_csv_dec(w, (double)atoll(V(L_MS)) / 1000.0, 3);
    srv_csv_text(w, kind);
    srv_csv_text(w, V(L_KEY));
    const char *label = "";
    if (!note) {
        const tver *t = find_tver(x, V(L_TMPL), V(L_TMPL_V));
        char k = !strcmp(kind, "count") ? 'c' : !strcmp(kind, "sample") ? 'o' : 's';
        const titem *it = find_item(t, k, V(L_KEY));
        label = it ? it->label : "";
    }
    srv_csv_text(w, label);
    srv_csv_int(w, V(L_UNDONE)[0] == 't');
    srv_csv_text(w, V(L_TEXT));
    const model_sign *s = NULL;
    if (note && V(L_SIGN)[0])
        s = find_sign(find_fver(x, V(L_FOCUS), V(L_FOCUS_V)), V(L_SIGN));
    srv_csv_text(w, s ? s->text : "");
    srv_csv_end(w);
#undef V
}

int srv_export_open(PGconn *pg, const srv_export_query *q, srv_export **out, char *err,
                    size_t errlen)
{
    *out = NULL;
    if (srv_export_check(q, err, errlen) != 0)
        return -1;
    srv_export *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "Out of memory.");
        return -1;
    }
    x->pg = pg;
    x->q = *q;
    srv_csv_init(&x->w, q->style, ROW_BYTES_MAX);
    const char *p[] = {q->unit, q->focus, q->from, q->to};
    /* One snapshot for the columns and the rows, so that a push landing
     * meanwhile cannot add a row whose columns are missing. */
    int rc = srv_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, x->err,
                      sizeof x->err);
    x->in_tx = rc == 0;
    /* The wide rows keep a cursor's plan for the first rows: the unit's
     * index gives them in time order and an incremental sort orders equal
     * times, so the first FETCH answers at once and the database reads the
     * next batch while this one is written out. Planned for the whole, it
     * sorted the unit's year before the first row (70 of 100 ms at a
     * million observations). The long rows are ordered by each event's time
     * inside its record, which no index gives, so they are planned for the
     * whole. Compiling the plan (JIT) cost more than it saved on 300,000
     * observations. Both settings end with the transaction. */
    if (rc == 0)
        rc = srv_exec(pg,
                      q->format == SRV_EXPORT_WIDE
                          ? "SET LOCAL jit = off"
                          : "SET LOCAL cursor_tuple_fraction = 1.0; SET LOCAL jit = off",
                      0, NULL, x->err, sizeof x->err);
    if (rc == 0)
        rc = load_versions(x, p);
    if (rc == 0)
        rc = srv_exec(pg, q->format == SRV_EXPORT_WIDE ? wide_sql : long_sql, 4, p, x->err,
                      sizeof x->err);
    if (rc != 0) {
        snprintf(err, errlen, "%s", x->err);
        srv_export_free(x);
        return -1;
    }
    *out = x;
    return 0;
}

/* Asks for the next batch without waiting for it, so that PostgreSQL
 * reads and sends it while this one is written out. */
static int send_fetch(srv_export *x)
{
    char sql[64];
    snprintf(sql, sizeof sql, "FETCH %d FROM export_rows", BATCH);
    if (!PQsendQuery(x->pg, sql))
        return fail(x, "The database did not take the next batch: %s", PQerrorMessage(x->pg));
    x->ahead = 1;
    return 0;
}

/* Reads the answer to the FETCH sent, to its end; NULL on an error. */
static PGresult *take_fetch(srv_export *x)
{
    PGresult *r, *rows = NULL;
    while ((r = PQgetResult(x->pg)) != NULL) {
        if (PQresultStatus(r) == PGRES_TUPLES_OK && !rows) {
            rows = r;
            continue;
        }
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            fail(x, "The database stopped the export: %s", PQresultErrorMessage(r));
        PQclear(r);
    }
    x->ahead = 0;
    if (rows && x->err[0]) {
        PQclear(rows);
        rows = NULL;
    }
    if (!rows && !x->err[0])
        fail(x, "The database gave no rows: %s", PQerrorMessage(x->pg));
    return rows;
}

/* Writes the next row (or the header) into the writer; 0, 1 at the end,
 * -1 on an error. */
static int next_row(srv_export *x)
{
    if (!x->header_done) {
        write_header(x);
        x->header_done = 1;
        return 0;
    }
    if (!x->batch || x->row >= PQntuples(x->batch)) {
        PQclear(x->batch);
        x->batch = NULL;
        if (!x->ahead && send_fetch(x) != 0)
            return -1;
        x->batch = take_fetch(x);
        x->row = 0;
        if (!x->batch)
            return -1;
        if (PQntuples(x->batch) > x->peak_batch)
            x->peak_batch = PQntuples(x->batch);
        if (PQntuples(x->batch) == 0)
            return 1;
        /* A full batch may have more after it: ask now. */
        if (PQntuples(x->batch) == BATCH && send_fetch(x) != 0)
            return -1;
    }
    if (x->q.format == SRV_EXPORT_WIDE)
        write_wide(x, x->batch, x->row++);
    else
        write_long(x, x->batch, x->row++);
    x->rows++;
    return 0;
}

long srv_export_read(srv_export *x, char *buf, size_t cap)
{
    while (!x->done && srv_csv_pending(&x->w) < cap) {
        int rc = next_row(x);
        if (x->w.failed) {
            fail(x, "A row of the export is larger than %s bytes.", "1048576");
            return -1;
        }
        if (srv_csv_pending(&x->w) > x->peak_bytes)
            x->peak_bytes = srv_csv_pending(&x->w);
        if (rc < 0)
            return -1;
        if (rc > 0)
            x->done = 1;
    }
    return (long)srv_csv_take(&x->w, buf, cap);
}

const char *srv_export_error(const srv_export *x) { return x ? x->err : "Out of memory."; }
long long srv_export_rows(const srv_export *x) { return x->rows; }
size_t srv_export_peak_bytes(const srv_export *x) { return x->peak_bytes; }
int srv_export_peak_batch(const srv_export *x) { return x->peak_batch; }

void srv_export_free(srv_export *x)
{
    if (!x)
        return;
    PQclear(x->batch);
    /* A batch asked for ahead is read and dropped: the connection takes
     * nothing else until it is. */
    if (x->ahead) {
        PGresult *r;
        while ((r = PQgetResult(x->pg)) != NULL)
            PQclear(r);
    }
    /* Ending the transaction closes the cursor; a read-only one has
     * nothing to undo. */
    if (x->in_tx)
        srv_exec(x->pg, "ROLLBACK", 0, NULL, NULL, 0);
    srv_csv_free(&x->w);
    free(x->tv);
    free(x->fv);
    free(x->cols);
    free(x);
}
