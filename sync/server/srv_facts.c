/*
 * The office's figures, made from the records tablets sent. A push or a
 * deletion names the observations it touched; their facts are made again
 * from every record they now have, and the monthly sums of each unit, focus
 * and month they were or are in lose the old facts' share and gain the new
 * facts' share, counted by the same queries a full rebuild counts with
 * (ROLL_*_SQL), which the check compares at any time. Counting a month
 * again from scratch at every push made a push's cost grow with its month.
 */
#include "srv_facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_json.h"
#include "model_tally.h"
#include "srv_int.h"

/* ---- one observation's figures ---- */

static int event_at_cmp(const void *a, const void *b)
{
    const model_event *x = *(const model_event *const *)a, *y = *(const model_event *const *)b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* An event is undone when any undo names it; the undo itself counts as
 * nothing. The events are replayed by their time, ties in the order given
 * (the server's feed order), as the tablet replays its own. */
void srv_facts_figures(const model_observation *o, const model_template *t,
                       const model_event *events, int n_events, const model_note *notes,
                       int n_notes, srv_fact_figures *out)
{
    memset(out, 0, sizeof *out);
    int same = t && !strcmp(t->id, o->template_id) && t->version == o->template_version;
    const model_event **order = n_events > 0 ? malloc((size_t)n_events * sizeof *order) : NULL;
    int n = 0;
    for (int i = 0; i < n_events; i++) {
        const model_event *e = &events[i];
        if (e->kind == MODEL_EV_UNDO)
            continue;
        int undone = 0;
        for (int j = 0; j < n_events && !undone; j++)
            undone = events[j].kind == MODEL_EV_UNDO && !strcmp(events[j].target_id, e->id);
        if (undone) {
            out->n_undone++;
            continue;
        }
        out->n_events++;
        if (order)
            order[n++] = e;
    }
    for (int i = 0; i < n_notes; i++)
        out->n_notes += notes[i].text[0] != 0;
    if (o->status == MODEL_OBS_FINISHED && o->ended_at > o->started_at)
        out->duration_ms = o->ended_at - o->started_at;
    if (!same || !order) {
        free(order);
        return;
    }
    qsort(order, (size_t)n, sizeof *order, event_at_cmp);
    model_tally tally;
    memset(&tally, 0, sizeof tally);
    for (int i = 0; i < n; i++)
        model_tally_add(&tally, t, order[i]);
    free(order);
    for (int i = 0; i < t->n_counters; i++)
        if (tally.counts[i] > 0) {
            out->counts[out->n_counts].kind = "count";
            out->counts[out->n_counts].key = t->counters[i].key;
            out->counts[out->n_counts++].n = tally.counts[i];
        }
    for (int i = 0; i < t->n_interval_options; i++)
        if (tally.sample_counts[i] > 0) {
            out->counts[out->n_counts].kind = "sample";
            out->counts[out->n_counts].key = t->interval_options[i].key;
            out->counts[out->n_counts++].n = tally.sample_counts[i];
        }
    /* A state still running when the observation ended ran until the end;
     * in a draft only its closed time is known. */
    int64_t end = o->status == MODEL_OBS_FINISHED ? o->ended_at : 0;
    for (int s = 0; s < t->n_states; s++) {
        int64_t ms = end ? model_tally_state_ms(&tally, s, end) : tally.state_ms[s];
        if (ms > 0) {
            out->states[out->n_states].key = t->states[s].key;
            out->states[out->n_states++].ms = ms;
        }
    }
}

/* ---- the database side ---- */

/* One unit, focus and month whose sums are counted again. */
typedef struct {
    char unit[MODEL_UUID_LEN + 1], focus[MODEL_UUID_LEN + 1], month[11];
} group;

typedef struct {
    group *v;
    int n, cap;
} groups;

static int groups_add(groups *g, const char *unit, const char *focus, const char *month)
{
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->v[i].unit, unit) && !strcmp(g->v[i].focus, focus) &&
            !strcmp(g->v[i].month, month))
            return 0;
    if (g->n == g->cap) {
        int cap = g->cap ? 2 * g->cap : 16;
        group *v = realloc(g->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        g->v = v;
        g->cap = cap;
    }
    group *x = &g->v[g->n++];
    snprintf(x->unit, sizeof x->unit, "%s", unit);
    snprintf(x->focus, sizeof x->focus, "%s", focus);
    snprintf(x->month, sizeof x->month, "%s", month);
    return 0;
}

/* The groups the observations in $1 (an array literal) are in now, each
 * observation's fact read by its id: the plan kept for every run (see
 * SRV_INDEXED_SQL) of a test over the whole array walked all of
 * fact_obs by the index that hands the groups out in order. */
static const char groups_sql[] =
    "SELECT DISTINCT o.unit_id, o.focus_id, o.month::text FROM unnest($1::text[]) AS sel(oid)"
    " CROSS JOIN LATERAL (SELECT unit_id, focus_id, month FROM fact_obs"
    " WHERE observation_id = sel.oid LIMIT 1) o";

/* Adds the groups that groups_sql found (r) to g. */
static int groups_read(const PGresult *r, groups *g, char *err, size_t errlen)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (groups_add(g, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    return 0;
}

/*
 * The sums of the rollups, counted from the facts. FROM names what to
 * count (roll_select: all, a unit for a rebuild, the observations whose
 * share a refresh takes out or puts in), so that the refresh, the rebuild
 * and the check use one definition of every sum.
 */
#define ROLL_MONTH_SQL                                                                             \
    "SELECT o.unit_id, o.focus_id, o.month, count(*)::int,"                                        \
    " (count(*) FILTER (WHERE o.feedback_given))::int,"                                            \
    " (count(*) FILTER (WHERE o.reflection_written))::int, sum(o.duration_ms)::bigint"             \
    " FROM %s WHERE o.status = 'finished' GROUP BY 1, 2, 3"
#define ROLL_COUNT_SQL                                                                             \
    "SELECT o.unit_id, o.focus_id, o.month, c.kind, c.key, sum(c.n)::bigint"                       \
    " FROM %s WHERE"                                                                               \
    " o.status = 'finished' GROUP BY 1, 2, 3, 4, 5"
#define ROLL_SIGN_SQL                                                                              \
    "SELECT o.unit_id, o.focus_id, o.month, s.sign_id, s.n_scale,"                                 \
    " (count(*) FILTER (WHERE s.level = 0))::int, (count(*) FILTER (WHERE s.level = 1))::int,"     \
    " (count(*) FILTER (WHERE s.level = 2))::int, (count(*) FILTER (WHERE s.level = 3))::int,"     \
    " (count(*) FILTER (WHERE s.level >= 4))::int"                                                 \
    " FROM %s WHERE"                                                                               \
    " o.status = 'finished' GROUP BY 1, 2, 3, 4, 5"

static const char *const roll_tables[] = {"roll_month", "roll_month_count", "roll_month_sign"};
static const char *const roll_sql[] = {ROLL_MONTH_SQL, ROLL_COUNT_SQL, ROLL_SIGN_SQL};

/* The room one table's part of the sums' statements takes (roll_out_sql's,
 * store_roll_sql's), and a whole statement of sums. */
#define ROLL_SQL_MAX 3072
#define ROLL_ALL_MAX (3 * ROLL_SQL_MAX + 1024)
/* The room of roll_drop_sql's statement. */
#define ROLL_DROP_MAX (3 * 1024 + 64)

/* What a sum of roll_sql counts. */
typedef enum { ROLL_ALL, ROLL_UNIT, ROLL_IDS, ROLL_STORED } roll_scope;

/*
 * roll_sql[t] counting the facts of scope: all, the unit $1, the
 * observations in $1 (an array literal), or the facts the same statement
 * stores (store_roll_sql: its parts f, fc and fr return the rows they
 * insert). For the observations, each fact and its parts are read by the
 * observation's id, one lookup an id (LIMIT and OFFSET keep the lookups
 * apart): a plan kept from when fact_obs was small read the whole table
 * for every refresh, a cost that grew with every observation stored.
 */
static void roll_select(int t, roll_scope scope, char *out, size_t cap)
{
    static const char *const part[] = {NULL, "fact_obs_count", "fact_obs_rating"};
    static const char *const alias[] = {NULL, "c", "s"};
    static const char *const stored[] = {NULL, "fc", "fr"};
    char from[600];
    size_t n;
    if (scope == ROLL_STORED) {
        n = (size_t)snprintf(from, sizeof from, "f o");
        if (part[t])
            snprintf(from + n, sizeof from - n, " JOIN %s %s USING (observation_id)", stored[t],
                     alias[t]);
    } else if (scope == ROLL_IDS) {
        n = (size_t)snprintf(from, sizeof from,
                             "unnest($1::text[]) AS sel(oid) CROSS JOIN LATERAL (SELECT * FROM"
                             " fact_obs WHERE observation_id = sel.oid LIMIT 1) o");
        if (part[t])
            snprintf(from + n, sizeof from - n,
                     " CROSS JOIN LATERAL (SELECT * FROM %s WHERE observation_id = sel.oid"
                     " OFFSET 0) %s",
                     part[t], alias[t]);
    } else {
        n = (size_t)snprintf(from, sizeof from, "fact_obs o");
        if (part[t])
            n += (size_t)snprintf(from + n, sizeof from - n, " JOIN %s %s USING (observation_id)",
                                  part[t], alias[t]);
        if (scope == ROLL_UNIT)
            snprintf(from + n, sizeof from - n,
                     " JOIN (SELECT $1::text AS unit_id) g USING (unit_id)");
    }
    snprintf(out, cap, roll_sql[t], from);
}

/* What a change of the observations' facts does to each sum: their facts'
 * share is taken out before the facts go, and the new facts' share is
 * added as they come (in the statement that stores them), so a push
 * costs what its observations weigh, not what their months weigh. The
 * sums stay what the full count makes of the facts (srv_facts_check
 * compares them): a sum is a count or a total, and a row whose count
 * falls to nothing is deleted, as the full count would not make it. A
 * share is taken out by adding it negated, through the same insert as
 * adding it: the insert finds each sum by its key in the sum's own index,
 * whereas an UPDATE joined to the share could be planned, once for every
 * run, as a walk of the whole table of sums (see SRV_INDEXED_SQL).
 * roll_neg_sql[t] negates the share roll_select makes for table t. */
static const char *const roll_neg_sql[] = {
    "SELECT unit_id, focus_id, month, -n_obs, -n_feedback, -n_reflection, -duration_ms"
    " FROM (%s) AS d(unit_id, focus_id, month, n_obs, n_feedback, n_reflection, duration_ms)",
    "SELECT unit_id, focus_id, month, kind, key, -n"
    " FROM (%s) AS d(unit_id, focus_id, month, kind, key, n)",
    "SELECT unit_id, focus_id, month, sign_id, n_scale, -n0, -n1, -n2, -n3, -n4"
    " FROM (%s) AS d(unit_id, focus_id, month, sign_id, n_scale, n0, n1, n2, n3, n4)"};
static const char *const roll_add_sql[] = {
    "INSERT INTO roll_month %s ON CONFLICT (unit_id, focus_id, month) DO UPDATE SET"
    " n_obs = roll_month.n_obs + EXCLUDED.n_obs,"
    " n_feedback = roll_month.n_feedback + EXCLUDED.n_feedback,"
    " n_reflection = roll_month.n_reflection + EXCLUDED.n_reflection,"
    " duration_ms = roll_month.duration_ms + EXCLUDED.duration_ms",
    "INSERT INTO roll_month_count %s ON CONFLICT (unit_id, focus_id, month, kind, key)"
    " DO UPDATE SET n = roll_month_count.n + EXCLUDED.n",
    "INSERT INTO roll_month_sign %s ON CONFLICT (unit_id, focus_id, month, sign_id, n_scale)"
    " DO UPDATE SET n0 = roll_month_sign.n0 + EXCLUDED.n0, n1 = roll_month_sign.n1 + EXCLUDED.n1,"
    " n2 = roll_month_sign.n2 + EXCLUDED.n2, n3 = roll_month_sign.n3 + EXCLUDED.n3,"
    " n4 = roll_month_sign.n4 + EXCLUDED.n4"};
static const char *const roll_empty[] = {"r.n_obs = 0", "r.n = 0",
                                         "r.n0 + r.n1 + r.n2 + r.n3 + r.n4 = 0"};

/* The statement that takes the facts of the observations in $1 (an array
 * literal) out of the three tables of sums, written into sql for the
 * refresh to send with its others. rest is the rest of the statement:
 * more parts of the WITH, each begun with ", ", and the statement that
 * ends it (the deletes of the facts: every part reads the facts as they
 * were when the statement began). One statement, not three: the tables'
 * parts do not read each other's rows. */
static void roll_out_sql(const char *rest, char sql[ROLL_ALL_MAX])
{
    char part[3][ROLL_SQL_MAX];
    for (int t = 0; t < 3; t++) {
        char sel[1536], neg[2048];
        roll_select(t, ROLL_IDS, sel, sizeof sel);
        snprintf(neg, sizeof neg, roll_neg_sql[t], sel);
        snprintf(part[t], ROLL_SQL_MAX, roll_add_sql[t], neg);
    }
    snprintf(sql, ROLL_ALL_MAX, "WITH a AS (%s), b AS (%s), c AS (%s)%s", part[0], part[1], part[2],
             rest);
}

/* The statement that deletes the sums of the groups g that nothing counts
 * in any more, in the three tables, for the refresh to send after the sums
 * are counted: written into sql, with its parameters (lit, three array
 * literals, malloc'd: the caller frees them, also on failure). 0, or -1
 * when out of memory. */
static int roll_drop_sql(const groups *g, char sql[ROLL_DROP_MAX], char *lit[3])
{
    const group *v = g->v;
    if (!(lit[0] = srv_array_of(v ? v->unit : "", sizeof *v, g->n, 0)) ||
        !(lit[1] = srv_array_of(v ? v->focus : "", sizeof *v, g->n, 0)) ||
        !(lit[2] = srv_array_of(v ? v->month : "", sizeof *v, g->n, 0)))
        return -1;
    /* Each group's empty sums are found by the group's key in the sums'
     * own index (the lateral lookup, kept apart by OFFSET), and deleted by
     * where they are (ctid): a DELETE joined to the groups by key could be
     * planned, once for every run, as a walk of the whole table (see
     * SRV_INDEXED_SQL). The row found is the row deleted, as no one else
     * changes a unit's sums while the refresh holds the unit's feed lock. */
    char part[3][1024];
    for (int t = 0; t < 3; t++)
        snprintf(part[t], sizeof part[t],
                 "DELETE FROM %s t USING unnest($1::text[], $2::text[], $3::date[])"
                 " AS g(unit_id, focus_id, month) CROSS JOIN LATERAL (SELECT r.ctid AS tid"
                 " FROM %s r WHERE r.unit_id = g.unit_id AND r.focus_id = g.focus_id"
                 " AND r.month = g.month AND %s OFFSET 0) e WHERE t.ctid = e.tid",
                 roll_tables[t], roll_tables[t], roll_empty[t]);
    snprintf(sql, ROLL_DROP_MAX, "WITH a AS (%s), b AS (%s) %s", part[0], part[1], part[2]);
    return 0;
}

/* One observation's records, gathered from items. */
typedef struct {
    model_observation obs;
    int have_obs;
    model_event *events;
    int n_events, cap_events;
    model_note *notes;
    int n_notes, cap_notes;
    model_rating *ratings;
    int n_ratings, cap_ratings;
    int feedback_given, reflection_written, n_conflicts;
    char pair_code[16];
    /* The texts the wide export shows (owned; NULL when there is none). */
    char *fb_works, *fb_wonderings, *fb_next_step, *refl_text, *refl_next_step;
    int64_t fb_given_at;
} gathered;

/* Appends one element of size sz to *v (n, cap), growing it. */
static void *grow(void *vp, int *n, int *cap, size_t sz)
{
    void **v = vp;
    if (*n == *cap) {
        int c = *cap ? 2 * *cap : 16;
        void *x = realloc(*v, (size_t)c * sz);
        if (!x)
            return NULL;
        *v = x;
        *cap = c;
    }
    return (char *)*v + (size_t)(*n)++ * sz;
}

static void texts_clear(gathered *x)
{
    char **t[] = {&x->fb_works, &x->fb_wonderings, &x->fb_next_step, &x->refl_text,
                  &x->refl_next_step};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        free(*t[i]);
        *t[i] = NULL;
    }
}

/* Keeps a copy of text in *slot (replacing what was there); 0, or -1 when
 * out of memory. */
static int keep_text(char **slot, const char *text)
{
    free(*slot);
    *slot = strdup(text);
    return *slot ? 0 : -1;
}

static void gathered_clear(gathered *g, int n)
{
    for (int i = 0; i < n; i++) {
        free(g[i].events);
        free(g[i].notes);
        free(g[i].ratings);
        texts_clear(&g[i]);
    }
    free(g);
}

/* The template versions the observations were made with, parsed once. */
typedef struct {
    char key[MODEL_RECORD_KEY_MAX];
    model_record *rec; /* owned; its u.tmpl is the template */
} tmpl_entry;

static const model_template *tmpl_find(tmpl_entry *v, int n, const char *id, int version)
{
    char key[MODEL_RECORD_KEY_MAX];
    snprintf(key, sizeof key, "%s/%d", id, version);
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i].key, key))
            return &v[i].rec->u.tmpl;
    return NULL;
}

/* Orders texts held in place (char arrays); str_cmp orders pointers to them. */
static int text_cmp(const void *a, const void *b) { return strcmp(a, b); }

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index of id among the sorted ids, or -1. */
static int id_index(const char *const *ids, int n, const char *id)
{
    const char *const *hit = bsearch(&id, ids, (size_t)n, sizeof *ids, str_cmp);
    return hit ? (int)(hit - ids) : -1;
}

/* Adds one record of an observation to what is gathered of it. 0, or -1
 * when out of memory. */
static int gather_rec(gathered *x, const model_record *rec)
{
    void *slot = (void *)1;
    switch (rec->entity) {
    case MODEL_ENT_OBSERVATION:
        x->obs = rec->u.obs;
        x->have_obs = 1;
        snprintf(x->pair_code, sizeof x->pair_code, "%s", rec->u.obs.pair_code);
        break;
    case MODEL_ENT_EVENT:
        if ((slot = grow(&x->events, &x->n_events, &x->cap_events, sizeof *x->events)))
            *(model_event *)slot = rec->u.event;
        break;
    case MODEL_ENT_NOTE:
        if ((slot = grow(&x->notes, &x->n_notes, &x->cap_notes, sizeof *x->notes)))
            *(model_note *)slot = rec->u.note;
        break;
    case MODEL_ENT_RATING:
        if ((slot = grow(&x->ratings, &x->n_ratings, &x->cap_ratings, sizeof *x->ratings)))
            *(model_rating *)slot = rec->u.rating;
        break;
    case MODEL_ENT_FEEDBACK:
        x->feedback_given = rec->u.feedback.given_at > 0;
        x->fb_given_at = rec->u.feedback.given_at;
        if (keep_text(&x->fb_works, rec->u.feedback.works) != 0 ||
            keep_text(&x->fb_wonderings, rec->u.feedback.wonderings) != 0 ||
            keep_text(&x->fb_next_step, rec->u.feedback.next_step) != 0)
            slot = NULL;
        break;
    case MODEL_ENT_REFLECTION:
        x->reflection_written = rec->u.reflection.text[0] != 0 ||
                                rec->u.reflection.next_step[0] != 0;
        if (keep_text(&x->refl_text, rec->u.reflection.text) != 0 ||
            keep_text(&x->refl_next_step, rec->u.reflection.next_step) != 0)
            slot = NULL;
        break;
    default: break;
    }
    return slot ? 0 : -1;
}

/* Adds one stored record (its entity's name and JSON text) to what is
 * gathered of its observation; rec is scratch space. A record that does not
 * decode is left out and logged: it was checked when it came in, so that
 * would be a bug. 0, or -1 when out of memory. */
static int gather_row(gathered *x, const char *obs_id, const char *entity, const char *data,
                      model_record *rec)
{
    model_entity e;
    model_err me;
    if (model_entity_parse(entity, &e) != 0)
        return 0;
    if (model_record_parse(e, data, rec, &me) != 0) {
        srv_log("facts: a stored %s of observation %s does not read: %s", entity, obs_id, me.msg);
        return 0;
    }
    return gather_rec(x, rec);
}

/* The kept conflicts not yet resolved, each with the observation it is
 * about (the observation itself, or the observation of one of its parts),
 * among the conflicts where WHERE holds; the caller groups and counts. */
#define OPEN_CONFLICTS(where)                                                                      \
    "SELECT oid, count(*) FROM (SELECT CASE WHEN entity = 'observation' THEN key"                  \
    " ELSE data::json->>'observation_id' END AS oid FROM conflicts"                                \
    " WHERE " where " AND resolved_at IS NULL) x"

/* The records of the observations in $1, oldest feed number first; and the
 * count of each one's kept conflicts not yet resolved, about the
 * observation itself or one of its parts. */
static const char gather_items_sql[] = "SELECT observation_id, entity, data FROM items"
                                       " WHERE observation_id = ANY($1::text[]) ORDER BY seq";
static const char gather_conflicts_sql[] = OPEN_CONFLICTS(
    "TRUE") " WHERE oid = ANY($1::text[]) GROUP BY oid";

/* Reads what gather_items_sql (items) and gather_conflicts_sql (conf)
 * found about the observations (ids sorted, n of them) into g. */
static int gather_read(const PGresult *items, const PGresult *conf, const char *const *ids, int n,
                       gathered *g, char *err, size_t errlen)
{
    model_record *rec = malloc(sizeof *rec);
    int rc = rec ? 0 : -1;
    for (int i = 0; i < PQntuples(items) && rc == 0; i++) {
        int k = id_index(ids, n, PQgetvalue(items, i, 0));
        if (k >= 0)
            rc = gather_row(&g[k], PQgetvalue(items, i, 0), PQgetvalue(items, i, 1),
                            PQgetvalue(items, i, 2), rec);
    }
    free(rec);
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < PQntuples(conf); i++) {
        int k = id_index(ids, n, PQgetvalue(conf, i, 0));
        if (k >= 0)
            g[k].n_conflicts = atoi(PQgetvalue(conf, i, 1));
    }
    return 0;
}

/* Gathers what the caller gave (w->recs and w->conflicts) for the fresh
 * observations among ids (sorted, n of them; fresh[k] for ids[k]) into g.
 * 0, or -1 when out of memory. */
static int gather_given(const srv_facts_with *w, const char *const *ids, int n, const char *fresh,
                        gathered *g)
{
    for (int i = 0; i < w->n_recs; i++) {
        int k = id_index(ids, n, model_record_observation(w->recs[i]));
        if (k >= 0 && fresh[k] && gather_rec(&g[k], w->recs[i]) != 0)
            return -1;
    }
    for (int i = 0; i < w->n_conflicts; i++) {
        int k = id_index(ids, n, w->conflicts[i]);
        if (k >= 0 && fresh[k])
            g[k].n_conflicts++;
    }
    return 0;
}

/* Parses the templates in r (key, data), as templates_free frees them;
 * a stored template that does not read is logged and left out. 0, or -1
 * when out of memory. */
static int templates_read(const PGresult *r, tmpl_entry **out, int *n_out)
{
    *out = NULL;
    *n_out = 0;
    tmpl_entry *v = calloc((size_t)PQntuples(r) + 1, sizeof *v);
    if (!v)
        return -1;
    int nv = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        model_record *rec = malloc(sizeof *rec);
        model_err me;
        if (!rec) {
            for (int k = 0; k < nv; k++)
                free(v[k].rec);
            free(v);
            return -1;
        }
        if (model_record_parse(MODEL_ENT_TEMPLATE, PQgetvalue(r, i, 1), rec, &me) != 0) {
            srv_log("facts: the stored template %s does not read: %s", PQgetvalue(r, i, 0), me.msg);
            free(rec);
            continue;
        }
        snprintf(v[nv].key, sizeof v[nv].key, "%s", PQgetvalue(r, i, 0));
        v[nv++].rec = rec;
    }
    *out = v;
    *n_out = nv;
    return 0;
}

/* The template versions the gathered observations name ("<id>/<version>",
 * each once), as an array literal for templates_sql (malloc'd; NULL when
 * out of memory). Sorted to drop repeats: a push of a thousand new
 * observations names a thousand, mostly the same. */
static char *template_keys(const gathered *g, int n)
{
    char(*kb)[MODEL_RECORD_KEY_MAX] = malloc((size_t)(n ? n : 1) * sizeof *kb);
    const char **keys = malloc((size_t)(n ? n : 1) * sizeof *keys);
    char *lit = NULL;
    int nb = 0, nk = 0;
    if (kb && keys) {
        for (int i = 0; i < n; i++)
            if (g[i].have_obs)
                snprintf(kb[nb++], sizeof kb[0], "%s/%d", g[i].obs.template_id,
                         g[i].obs.template_version);
        qsort(kb, (size_t)nb, sizeof kb[0], text_cmp);
        for (int i = 0; i < nb; i++)
            if (nk == 0 || strcmp(keys[nk - 1], kb[i]) != 0)
                keys[nk++] = kb[i];
        lit = srv_array_of(keys, sizeof *keys, nk, 1);
    }
    free(keys);
    free(kb);
    return lit;
}

/* The templates of the observations in $1, read from their stored records,
 * and the templates named in $2 (template_keys'), each once. Every record
 * is read by its key, one lookup a key (LIMIT 1 keeps the lookups apart):
 * the plan kept for a join read every observation of the table. */
static const char templates_sql[] =
    "SELECT k.key, t.data FROM (SELECT (o.j->>'template_id') || '/' ||"
    " (o.j->>'template_version') FROM unnest($1::text[]) AS x(id)"
    " CROSS JOIN LATERAL (SELECT data::json AS j FROM items"
    "  WHERE entity = 'observation' AND key = x.id LIMIT 1) o"
    " UNION SELECT unnest($2::text[])) AS k(key)"
    " CROSS JOIN LATERAL (SELECT data FROM items"
    "  WHERE entity = 'template' AND key = k.key LIMIT 1) t";

/* Reads and parses the template versions the gathered observations name,
 * for a rebuild (whose transaction does not refuse sequential scans, so
 * the statement is not kept prepared). 0, or -1 with err. */
static int load_templates(PGconn *pg, gathered *g, int n, tmpl_entry **out, int *n_out, char *err,
                          size_t errlen)
{
    *out = NULL;
    *n_out = 0;
    char *lit = template_keys(g, n);
    PGresult *r = NULL;
    int rc = -1;
    if (!lit)
        goto oom;
    const char *p[] = {"{}", lit};
    if (!(r = srv_q(pg, templates_sql, 2, p, err, errlen)))
        goto done;
    if (templates_read(r, out, n_out) != 0)
        goto oom;
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    PQclear(r);
    free(lit);
    return rc;
}

static void templates_free(tmpl_entry *v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i].rec);
    free(v);
}

/* The level count a rating of a sign counts in; the most levels a scale has. */
static int rating_level(const model_rating *r, const model_template *t)
{
    if (r->level < 0 || !t)
        return -1;
    return r->level < t->n_scale ? r->level : t->n_scale - 1;
}

/*
 * One of the export's lists (srv_db.c, step 11): entries such as "count
 * key n", sorted bytewise and parted by single spaces. Sorted so that the
 * list is the same whoever makes it: step 11 makes the lists of the rows
 * already there in SQL, ordered the same way (COLLATE "C"). An entry's key
 * holds no space, and a space sorts before every character a key has, so
 * sorting whole entries orders them by kind and key.
 */
#define LIST_ENTRY_MAX (MODEL_UUID_LEN + MODEL_KEY_MAX + 32)
#define LIST_ENTRIES_MAX                                                                           \
    (SRV_FACTS_MAX_KEYS > MODEL_MAX_SIGNS ? SRV_FACTS_MAX_KEYS : MODEL_MAX_SIGNS)

typedef struct {
    int n;
    char e[LIST_ENTRIES_MAX][LIST_ENTRY_MAX];
    char text[LIST_ENTRIES_MAX * LIST_ENTRY_MAX];
} word_list;

static void list_add(word_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void list_add(word_list *l, const char *fmt, ...)
{
    if (l->n == LIST_ENTRIES_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->e[l->n++], LIST_ENTRY_MAX, fmt, ap);
    va_end(ap);
}

/* The list's text, sorted; l->n starts again at 0. */
static const char *list_text(word_list *l)
{
    qsort(l->e, (size_t)l->n, sizeof l->e[0], text_cmp);
    size_t at = 0;
    l->text[0] = 0;
    for (int i = 0; i < l->n; i++)
        at += (size_t)snprintf(l->text + at, sizeof l->text - at, "%s%s", i ? " " : "", l->e[i]);
    l->n = 0;
    return l->text;
}

/*
 * The facts' rows as the JSON arrays jsonb_to_recordset reads, written
 * straight into a buffer a field at a time: a push of a hundred
 * observations writes thousands of such rows, and building them as
 * jansson objects to dump them took an eighth of the server's time for
 * it, inside the transaction that holds the unit's feed lock. Keys are
 * the fixed words below and need no escaping; texts go through the one
 * JSON string writer. An allocation that fails marks the buffer, and every
 * later write is then ignored (srv_buf).
 */
static void row_open(srv_buf *b) { srv_buf_put(b, b->n ? ",{" : "[{", 2); }

static void row_key(srv_buf *b, const char *k)
{
    if (b->oom)
        return;
    if (b->s[b->n - 1] != '{')
        srv_buf_put(b, ",", 1);
    srv_buf_put(b, "\"", 1);
    srv_buf_put(b, k, strlen(k));
    srv_buf_put(b, "\":", 2);
}

static void row_text(srv_buf *b, const char *k, const char *v)
{
    row_key(b, k);
    srv_buf_json_string(b, v);
}

static void row_int(srv_buf *b, const char *k, long long v)
{
    row_key(b, k);
    srv_buf_int(b, v);
}

static void row_bool(srv_buf *b, const char *k, int v)
{
    row_key(b, k);
    srv_buf_put(b, v ? "true" : "false", v ? 4 : 5);
}

/* Builds the rows of the facts as JSON arrays, for jsonb_to_recordset, in
 * rows: facts, counts, states, ratings (a buffer with no row stays empty);
 * lists is scratch space for three lists (counts, states, ratings). */
static void build_rows(gathered *g, int n, tmpl_entry *tv, int nt, srv_buf rows[4],
                       word_list *lists)
{
    srv_buf *obs = &rows[0], *counts = &rows[1], *states = &rows[2], *ratings = &rows[3];
    for (int i = 0; i < n; i++) {
        gathered *x = &g[i];
        if (!x->have_obs)
            continue;
        const model_observation *o = &x->obs;
        const model_template *t = tmpl_find(tv, nt, o->template_id, o->template_version);
        srv_fact_figures f;
        srv_facts_figures(o, t, x->events, x->n_events, x->notes, x->n_notes, &f);
        int rated = 0;
        for (int k = 0; k < x->n_ratings; k++) {
            int level = rating_level(&x->ratings[k], t);
            if (level < 0)
                continue;
            rated++;
            list_add(&lists[2], "%s %d", x->ratings[k].sign_id, level);
            row_open(ratings);
            row_text(ratings, "o", o->id);
            row_text(ratings, "sign", x->ratings[k].sign_id);
            row_int(ratings, "level", level);
            row_int(ratings, "n_scale", t->n_scale);
            srv_buf_put(ratings, "}", 1);
        }
        for (int k = 0; k < f.n_counts; k++)
            list_add(&lists[0], "%s %s %d", f.counts[k].kind, f.counts[k].key, f.counts[k].n);
        for (int k = 0; k < f.n_states; k++)
            list_add(&lists[1], "%s %lld", f.states[k].key, (long long)f.states[k].ms);
        for (int k = 0; k < f.n_counts; k++) {
            row_open(counts);
            row_text(counts, "o", o->id);
            row_text(counts, "kind", f.counts[k].kind);
            row_text(counts, "key", f.counts[k].key);
            row_int(counts, "n", f.counts[k].n);
            srv_buf_put(counts, "}", 1);
        }
        for (int k = 0; k < f.n_states; k++) {
            row_open(states);
            row_text(states, "o", o->id);
            row_text(states, "key", f.states[k].key);
            row_int(states, "ms", f.states[k].ms);
            srv_buf_put(states, "}", 1);
        }
        row_open(obs);
        row_text(obs, "observation_id", o->id);
        row_text(obs, "unit_id", o->unit_id);
        row_text(obs, "focus_id", o->focus_id);
        row_int(obs, "focus_version", o->focus_version);
        row_text(obs, "template_id", o->template_id);
        row_int(obs, "template_version", o->template_version);
        row_text(obs, "observer_id", o->observer_id);
        row_text(obs, "observee_id", o->observee_id);
        row_text(obs, "room_id", o->room_id);
        row_text(obs, "activity", o->activity);
        row_text(obs, "context", o->context_json[0] ? o->context_json : "{}");
        row_text(obs, "status", model_obs_status_word(o->status));
        row_int(obs, "started_ms", o->started_at);
        row_int(obs, "ended_ms", o->status == MODEL_OBS_FINISHED ? o->ended_at : 0);
        row_int(obs, "duration_ms", f.duration_ms);
        row_int(obs, "revision", o->revision);
        row_int(obs, "n_events", f.n_events);
        row_int(obs, "n_undone", f.n_undone);
        row_int(obs, "n_notes", f.n_notes);
        row_int(obs, "n_ratings", rated);
        row_bool(obs, "feedback_given", x->feedback_given);
        row_bool(obs, "reflection_written", x->reflection_written);
        row_int(obs, "n_conflicts", x->n_conflicts);
        row_text(obs, "pair_code", x->pair_code);
        row_int(obs, "updated_ms", o->updated_at);
        row_text(obs, "counts", list_text(&lists[0]));
        row_text(obs, "states", list_text(&lists[1]));
        row_text(obs, "ratings", list_text(&lists[2]));
        row_text(obs, "fb_works", x->fb_works ? x->fb_works : "");
        row_text(obs, "fb_wonderings", x->fb_wonderings ? x->fb_wonderings : "");
        row_text(obs, "fb_next_step", x->fb_next_step ? x->fb_next_step : "");
        row_int(obs, "fb_given_ms", x->fb_given_at);
        row_text(obs, "refl_text", x->refl_text ? x->refl_text : "");
        row_text(obs, "refl_next_step", x->refl_next_step ? x->refl_next_step : "");
        srv_buf_put(obs, "}", 1);
    }
}

/* The time of a tablet's UTC milliseconds, and its month in Danish time. */
#define TS(ms) "to_timestamp((" ms ")::double precision / 1000)"

/* One row of fact_obs per observation, from build_rows' JSON in the
 * parameter p. */
/* clang-format off */
#define FACT_OBS_INSERT_SQL(p) \
    "INSERT INTO fact_obs (observation_id, unit_id, focus_id, focus_version, template_id," \
    " template_version, observer_id, observee_id, room_id, activity, context, status," \
    " started_at, ended_at, month, duration_ms, revision, n_events, n_undone, n_notes," \
    " n_ratings, feedback_given, reflection_written, n_conflicts, pair_code, updated_at," \
    " counts, states, ratings, feedback_works, feedback_wonderings, feedback_next_step," \
    " feedback_given_at, reflection, reflection_next_step)" \
    " SELECT observation_id, unit_id, focus_id, focus_version, template_id," \
    " template_version, observer_id, observee_id, room_id, activity, context::jsonb," \
    " status, " TS("started_ms") ", CASE WHEN ended_ms > 0 THEN " TS("ended_ms") " END," \
    " date_trunc('month', " TS("started_ms") " AT TIME ZONE 'Europe/Copenhagen')::date," \
    " duration_ms, revision, n_events, n_undone, n_notes, n_ratings, feedback_given," \
    " reflection_written, n_conflicts, pair_code, " TS("updated_ms") "," \
    " counts, states, ratings, fb_works, fb_wonderings, fb_next_step," \
    " CASE WHEN fb_given_ms > 0 THEN " TS("fb_given_ms") " END, refl_text, refl_next_step" \
    " FROM jsonb_to_recordset(" p "::jsonb) AS x(observation_id text, unit_id text," \
    " focus_id text, focus_version int, template_id text, template_version int," \
    " observer_id text, observee_id text, room_id text, activity text, context text," \
    " status text, started_ms bigint, ended_ms bigint, duration_ms bigint, revision int," \
    " n_events int, n_undone int, n_notes int, n_ratings int, feedback_given boolean," \
    " reflection_written boolean, n_conflicts int, pair_code text, updated_ms bigint," \
    " counts text, states text, ratings text, fb_works text, fb_wonderings text," \
    " fb_next_step text, fb_given_ms bigint, refl_text text, refl_next_step text)"
/* clang-format on */

/* The inserts of an observation's counts, states and ratings, from the
 * parameters $2, $3 and $4 of the statements below. */
#define COUNT_INSERT_SQL                                                                           \
    "INSERT INTO fact_obs_count (observation_id, kind, key, n)"                                    \
    " SELECT o, kind, key, n FROM jsonb_to_recordset($2::jsonb)"                                   \
    " AS x(o text, kind text, key text, n int)"
#define STATE_INSERT_SQL                                                                           \
    "INSERT INTO fact_obs_state (observation_id, key, ms)"                                         \
    " SELECT o, key, ms FROM jsonb_to_recordset($3::jsonb) AS x(o text, key text, ms bigint)"
#define RATING_INSERT_SQL                                                                          \
    "INSERT INTO fact_obs_rating (observation_id, sign_id, level, n_scale)"                        \
    " SELECT o, sign, level, n_scale FROM jsonb_to_recordset($4::jsonb)"                           \
    " AS x(o text, sign text, level int, n_scale int)"

/* The statement that stores the rows of make_rows for a rebuild (which
 * counts the sums at its end), its parameters in its order: facts,
 * counts, states, ratings (NULL where there are none: the function then
 * gives no row). One statement, not four: the inserts do not read each
 * other's rows, and each statement costs the database its own round of
 * binding, starting and ending. It reads only its parameters, never a
 * table, so any transaction may keep it prepared. */
/* clang-format off */
static const char store_sql[] =
    "WITH f AS (" FACT_OBS_INSERT_SQL("$1") "),"
    " c AS (" COUNT_INSERT_SQL "), s AS (" STATE_INSERT_SQL ") " RATING_INSERT_SQL;
/* clang-format on */

/* The room of store_roll_sql's statement. */
#define STORE_ROLL_MAX (sizeof store_sql + ROLL_ALL_MAX)

/*
 * store_sql, and in the same statement the share of what it stores put
 * into the sums, for a refresh: the sums count the rows the inserts
 * return (ROLL_STORED), by the same definitions as ever (roll_sql). A
 * refresh has taken the observations' old facts, their parts and their
 * share out before, so the new facts are all their facts; and reading
 * them as they are inserted, rather than back from the tables by id in a
 * statement after, spares the database a statement and a lookup a fact,
 * count and rating. (Counts, states or ratings left without their fact
 * row, by a hand that deleted it, are not counted here: they stand in
 * the way of new ones of the same key, and facts-rebuild clears them.)
 * Written into sql; its parameters are store_sql's.
 */
static void store_roll_sql(char sql[STORE_ROLL_MAX])
{
    char part[3][ROLL_SQL_MAX];
    for (int t = 0; t < 3; t++) {
        char sel[1536];
        roll_select(t, ROLL_STORED, sel, sizeof sel);
        snprintf(part[t], ROLL_SQL_MAX, roll_add_sql[t], sel);
    }
    /* clang-format off */
    snprintf(sql, STORE_ROLL_MAX,
             "WITH f AS (" FACT_OBS_INSERT_SQL("$1")
             " RETURNING observation_id, unit_id, focus_id, month, status, feedback_given,"
             " reflection_written, duration_ms),"
             " fc AS (" COUNT_INSERT_SQL " RETURNING observation_id, kind, key, n),"
             " fs AS (" STATE_INSERT_SQL "),"
             " fr AS (" RATING_INSERT_SQL " RETURNING observation_id, sign_id, level, n_scale),"
             " a AS (%s), b AS (%s) %s",
             part[0], part[1], part[2]);
    /* clang-format on */
}

/* Makes the facts of the gathered observations, with the templates tv
 * (nt of them), as the JSON texts of store_sql's rows (malloc'd, the
 * caller frees them; NULL where there are no rows). 0, or -1 with err. */
static int make_rows(tmpl_entry *tv, int nt, gathered *g, int n, char *text[4], char *err,
                     size_t errlen)
{
    int rc = 0;
    srv_buf rows[4] = {{0}};
    word_list *lists = calloc(3, sizeof *lists);
    if (lists)
        build_rows(g, n, tv, nt, rows, lists);
    for (int i = 0; i < 4; i++) {
        if (rows[i].n)
            srv_buf_put(&rows[i], "]", 1);
        if (!lists || rows[i].oom)
            rc = -1;
    }
    for (int i = 0; i < 4; i++) {
        if (rc == 0 && rows[i].n)
            text[i] = rows[i].s;
        else
            free(rows[i].s);
    }
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    free(lists);
    return rc;
}

/* The statement that stores the rows in text (make_rows'), its texts as
 * its parameters. */
static srv_stmt store_stmt(char *text[4])
{
    return (srv_stmt){store_sql, 4, (const char *const *)text};
}

/* Makes the facts of the gathered observations and stores them, for a
 * rebuild, the rows in one round trip. */
static int make_and_store(PGconn *pg, gathered *g, int n, char *err, size_t errlen)
{
    char *text[4] = {0};
    tmpl_entry *tv = NULL;
    int nt = 0;
    int rc = load_templates(pg, g, n, &tv, &nt, err, errlen);
    if (rc == 0)
        rc = make_rows(tv, nt, g, n, text, err, errlen);
    if (rc == 0) {
        srv_stmt v = store_stmt(text);
        rc = srv_qp_batch(pg, &v, 1, NULL, err, errlen);
    }
    for (int i = 0; i < 4; i++)
        free(text[i]);
    templates_free(tv, nt);
    return rc;
}

/* The statement that takes the observations' old share out of the sums
 * and deletes their facts, written into sql: one statement, in which the
 * sums read the facts as they were before the deletes. */
static srv_stmt take_out_stmt(char sql[ROLL_ALL_MAX], const char *const *p)
{
    roll_out_sql(", d1 AS (DELETE FROM fact_obs_count WHERE observation_id = ANY($1::text[])),"
                 " d2 AS (DELETE FROM fact_obs_state WHERE observation_id = ANY($1::text[])),"
                 " d3 AS (DELETE FROM fact_obs_rating WHERE observation_id = ANY($1::text[]))"
                 " DELETE FROM fact_obs WHERE observation_id = ANY($1::text[])",
                 sql);
    return (srv_stmt){sql, 1, p};
}

int srv_facts_refresh(PGconn *pg, const char *const *ids, int n, char *err, size_t errlen)
{
    const srv_facts_with w = {0};
    return srv_facts_refresh_with(pg, ids, n, &w, err, errlen);
}

/* Sends the k statements of a refresh's last trip, the caller's after
 * statements last, and tells the caller how many of those succeeded. */
static int last_trip(PGconn *pg, const srv_stmt *v, int k, const srv_facts_with *w, char *err,
                     size_t errlen)
{
    int done = 0, rc = srv_qp_batch_done(pg, v, k, &done, err, errlen);
    if (w->after_done) {
        int first = k - w->n_after;
        *w->after_done = done > first ? done - first : 0;
    }
    return rc;
}

/* Sends a caller's statements alone, before and after in one trip, when
 * there is no observation to refresh. */
static int with_alone(PGconn *pg, const srv_facts_with *w, char *err, size_t errlen)
{
    srv_stmt v[2 * SRV_FACTS_WITH_MAX];
    int k = 0;
    for (int i = 0; i < w->n_before; i++)
        v[k++] = w->before[i];
    for (int i = 0; i < w->n_after; i++)
        v[k++] = w->after[i];
    return k ? last_trip(pg, v, k, w, err, errlen) : 0;
}

/*
 * Two round trips, whatever the number of observations: the first sends
 * the caller's statements, takes the observations' old share out of the
 * sums, deletes their facts and reads their records, conflicts and
 * templates; the second stores the new facts, puts their share into the
 * sums, deletes the sums left empty and sends the caller's statements
 * after. For the observations new to the server (fresh) there is no old
 * share, and the first trip does not ask: it only reads which groups
 * their facts are in, and should it find any, takes them out in a trip of
 * its own before going on; and given their records and conflicts (as a
 * push gives those it has just stored), it reads neither back, only the
 * templates they name. A push mostly brings new observations, and the
 * last of one push's often has parts in the next: each observation is
 * treated as what it is. Each statement is kept prepared, and unless
 * the caller has, the first trip sets what srv_begin_indexed sets
 * (SRV_INDEXED_SQL) for the rest of the transaction, so that a plan kept
 * for one reads fact_obs and items by index however small they were when
 * it was made.
 */
int srv_facts_refresh_with(PGconn *pg, const char *const *ids_in, int n_in, const srv_facts_with *w,
                           char *err, size_t errlen)
{
    if (w->n_before < 0 || w->n_before > SRV_FACTS_WITH_MAX || w->n_after < 0 ||
        w->n_after > SRV_FACTS_WITH_MAX) {
        snprintf(err, errlen, "too many statements with the facts (%d before, %d after)",
                 w->n_before, w->n_after);
        return -1;
    }
    if (w->after_done)
        *w->after_done = 0;
    if (n_in <= 0)
        return with_alone(pg, w, err, errlen);
    if (n_in > SRV_FACTS_BATCH) {
        snprintf(err, errlen, "too many observations at once (%d, at most %d)", n_in,
                 SRV_FACTS_BATCH);
        return -1;
    }
    const char **ids = malloc((size_t)n_in * 3 * sizeof *ids);
    char *fresh = calloc((size_t)n_in, 1);
    gathered *g = NULL;
    int rc = -1, n = 0;
    /* The literals of all ids, of the old ones (not fresh), of the fresh
     * ones, and of the templates the given records name. */
    char *lit = NULL, *old_lit = NULL, *fresh_lit = NULL, *tlit = NULL;
    char *text[4] = {0}, *drop_lit[3] = {0};
    char roll[ROLL_ALL_MAX], drop[ROLL_DROP_MAX], store_roll[STORE_ROLL_MAX];
    enum { TRIP_MAX = SRV_FACTS_WITH_MAX + 8 };
    PGresult *got[TRIP_MAX] = {0};
    srv_stmt v[TRIP_MAX];
    groups gr = {0};
    tmpl_entry *tv = NULL;
    int nt = 0;
    if (!ids || !fresh)
        goto oom;
    memcpy(ids, ids_in, (size_t)n_in * sizeof *ids);
    qsort(ids, (size_t)n_in, sizeof *ids, str_cmp);
    for (int i = 0; i < n_in; i++)
        if (ids[i][0] && (n == 0 || strcmp(ids[n - 1], ids[i]) != 0))
            ids[n++] = ids[i];
    if (n == 0) {
        rc = with_alone(pg, w, err, errlen);
        goto done;
    }
    for (int i = 0; i < w->n_fresh; i++) {
        int k = id_index(ids, n, w->fresh_ids[i]);
        if (k >= 0)
            fresh[k] = 1;
    }
    /* The old and the fresh ids, after all of them in the same array. */
    const char **old_ids = ids + n_in, **fresh_ids = ids + 2 * n_in;
    int n_old = 0, n_fresh = 0;
    for (int i = 0; i < n; i++) {
        if (fresh[i])
            fresh_ids[n_fresh++] = ids[i];
        else
            old_ids[n_old++] = ids[i];
    }
    /* Given the records of the fresh observations, their facts are made
     * from those, and only the records of the old ones are read back. */
    int given = n_fresh > 0 && (w->recs || w->conflicts);
    if (!(lit = srv_array_of(ids, sizeof *ids, n, 1)) ||
        !(old_lit = srv_array_of(old_ids, sizeof *ids, n_old, 1)) ||
        !(fresh_lit = srv_array_of(fresh_ids, sizeof *ids, n_fresh, 1)) ||
        !(g = calloc((size_t)n, sizeof *g)))
        goto oom;
    if (given ? gather_given(w, ids, n, fresh, g) != 0 || !(tlit = template_keys(g, n))
              : !(tlit = srv_array_of(NULL, sizeof *ids, 0, 1)))
        goto oom;
    /* The records read back: the old observations', or all when none
     * were given. */
    const char *read_lit = given ? old_lit : lit;
    const char *po[] = {old_lit}, *pf[] = {fresh_lit}, *pr[] = {read_lit}, *pt[] = {read_lit, tlit};
    int k = 0;
    for (int i = 0; i < w->n_before; i++)
        v[k++] = w->before[i];
    if (!w->indexed)
        v[k++] = (srv_stmt){SRV_INDEXED_SQL, 0, NULL};
    /* Each statement over ids is left out when it has none. */
    int at_old = -1, at_fresh = -1, at_gather = -1, n_read = given ? n_old : n;
    if (n_old > 0) {
        at_old = k;
        v[k++] = (srv_stmt){groups_sql, 1, po};
        v[k++] = take_out_stmt(roll, po);
    }
    if (n_fresh > 0) {
        at_fresh = k;
        v[k++] = (srv_stmt){groups_sql, 1, pf};
    }
    if (n_read > 0) {
        at_gather = k;
        v[k++] = (srv_stmt){gather_items_sql, 1, pr};
        v[k++] = (srv_stmt){gather_conflicts_sql, 1, pr};
    }
    int at_tmpl = k;
    v[k++] = (srv_stmt){templates_sql, 2, pt};
    if (srv_qp_batch(pg, v, k, got, err, errlen) != 0 ||
        (at_old >= 0 && groups_read(got[at_old], &gr, err, errlen) != 0) ||
        (at_fresh >= 0 && groups_read(got[at_fresh], &gr, err, errlen) != 0) ||
        (at_gather >= 0 &&
         gather_read(got[at_gather], got[at_gather + 1], ids, n, g, err, errlen) != 0) ||
        templates_read(got[at_tmpl], &tv, &nt) != 0)
        goto done;
    if (at_fresh >= 0 && PQntuples(got[at_fresh]) > 0) {
        /* Facts where none were expected: taken out as for any other. */
        srv_stmt out = take_out_stmt(roll, pf);
        if (srv_qp_batch(pg, &out, 1, NULL, err, errlen) != 0)
            goto done;
    }
    if (make_rows(tv, nt, g, n, text, err, errlen) != 0)
        goto done;
    k = 0;
    store_roll_sql(store_roll);
    v[k++] = (srv_stmt){store_roll, 4, (const char *const *)text};
    if (gr.n > 0) {
        if (roll_drop_sql(&gr, drop, drop_lit) != 0)
            goto oom;
        v[k++] = (srv_stmt){drop, 3, (const char *const *)drop_lit};
    }
    for (int i = 0; i < w->n_after; i++)
        v[k++] = w->after[i];
    if (last_trip(pg, v, k, w, err, errlen) != 0)
        goto done;
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    for (int i = 0; i < TRIP_MAX; i++)
        PQclear(got[i]);
    for (int i = 0; i < 4; i++)
        free(text[i]);
    for (int i = 0; i < 3; i++)
        free(drop_lit[i]);
    if (g)
        gathered_clear(g, n);
    templates_free(tv, nt);
    free(gr.v);
    free(lit);
    free(old_lit);
    free(fresh_lit);
    free(tlit);
    free(fresh);
    free(ids);
    return rc;
}

/* The rows a rebuild reads from the database at a time. */
#define FETCH_ROWS "20000"

/*
 * Makes one unit's facts and sums again in one pass over its records,
 * which a cursor reads in observation order: the observations are
 * gathered SRV_FACTS_BATCH at a time (an observation whose records run on
 * into the next fetch stays gathered), their facts stored, and at the end
 * every sum of the unit counted again at once. Runs inside the caller's
 * transaction, which holds the unit's feed lock. The number of
 * observations, or -1 with err.
 */
static long rebuild_unit(PGconn *pg, const char *unit, char *err, size_t errlen)
{
    const char *p[] = {unit};
    gathered *g = calloc(SRV_FACTS_BATCH + 1, sizeof *g);
    model_record *rec = malloc(sizeof *rec);
    PGresult *conf = NULL, *r = NULL;
    long done = 0;
    int n = 0; /* observations gathered; g[n - 1] may still grow */
    char cur[MODEL_UUID_LEN + 1] = "";
    if (!g || !rec) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    /* The unit's kept conflicts per observation, looked up as they come. */
    conf = srv_q(pg, OPEN_CONFLICTS("unit_id = $1") " GROUP BY oid ORDER BY oid", 1, p, err,
                 errlen);
    /* No foreign key deletes an observation's counts, states and ratings
     * with its row (schema step 15): they go here by the unit's
     * observations as well, so that rows left by a fact_obs row deleted
     * by hand cannot stand in the way of the new ones. */
    if (!conf ||
        srv_exec(pg,
                 "WITH o AS (SELECT observation_id FROM fact_obs WHERE unit_id = $1"
                 "  UNION SELECT id FROM observations WHERE unit_id = $1),"
                 " c AS (DELETE FROM fact_obs_count WHERE observation_id IN (SELECT * FROM o)),"
                 " s AS (DELETE FROM fact_obs_state WHERE observation_id IN (SELECT * FROM o)),"
                 " r AS (DELETE FROM fact_obs_rating WHERE observation_id IN (SELECT * FROM o))"
                 " DELETE FROM fact_obs WHERE unit_id = $1",
                 1, p, err, errlen) != 0 ||
        srv_exec(pg,
                 "DECLARE facts_rebuild NO SCROLL CURSOR FOR SELECT observation_id, entity, data"
                 " FROM items WHERE unit_id = $1 AND observation_id <> ''"
                 " ORDER BY observation_id, seq",
                 1, p, err, errlen) != 0)
        goto fail;
    for (;;) {
        r = srv_q(pg, "FETCH " FETCH_ROWS " FROM facts_rebuild", 0, NULL, err, errlen);
        if (!r)
            goto fail;
        int rows = PQntuples(r);
        for (int i = 0; i < rows; i++) {
            const char *oid = PQgetvalue(r, i, 0);
            if (strcmp(oid, cur) != 0) {
                /* A new observation: store a full batch first. */
                if (n == SRV_FACTS_BATCH) {
                    if (make_and_store(pg, g, n, err, errlen) != 0)
                        goto fail;
                    done += n;
                    gathered_clear(g, n);
                    g = calloc(SRV_FACTS_BATCH + 1, sizeof *g);
                    n = 0;
                    if (!g) {
                        snprintf(err, errlen, "out of memory");
                        goto fail;
                    }
                }
                snprintf(cur, sizeof cur, "%s", oid);
                n++;
                for (int k = 0; k < PQntuples(conf); k++)
                    if (!strcmp(PQgetvalue(conf, k, 0), oid))
                        g[n - 1].n_conflicts = atoi(PQgetvalue(conf, k, 1));
            }
            if (gather_row(&g[n - 1], oid, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), rec) != 0) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
        }
        PQclear(r);
        r = NULL;
        if (rows == 0)
            break;
    }
    if (n > 0 && make_and_store(pg, g, n, err, errlen) != 0)
        goto fail;
    done += n;
    if (srv_exec(pg, "CLOSE facts_rebuild", 0, NULL, err, errlen) != 0)
        goto fail;
    for (int t = 0; t < 3; t++) {
        char sql[2048], sel[1536];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE unit_id = $1", roll_tables[t]);
        if (srv_exec(pg, sql, 1, p, err, errlen) != 0)
            goto fail;
        roll_select(t, ROLL_UNIT, sel, sizeof sel);
        snprintf(sql, sizeof sql, "INSERT INTO %s %s", roll_tables[t], sel);
        if (srv_exec(pg, sql, 1, p, err, errlen) != 0)
            goto fail;
    }
    goto out;
fail:
    done = -1;
out:
    PQclear(r);
    PQclear(conf);
    if (g)
        gathered_clear(g, n);
    free(rec);
    return done;
}

static long rebuild(PGconn *pg, const char *unit, int own_txn, void (*progress)(long, void *),
                    void *arg, char *err, size_t errlen)
{
    PGresult *units;
    if (unit) {
        const char *p[] = {unit};
        units = srv_q(pg, "SELECT id FROM units WHERE id = $1", 1, p, err, errlen);
    } else {
        units = srv_q(pg, "SELECT id FROM units ORDER BY id", 0, NULL, err, errlen);
    }
    if (!units)
        return -1;
    if (unit && PQntuples(units) == 0) {
        PQclear(units);
        snprintf(err, errlen, "There is no unit %s.", unit);
        return -1;
    }
    long done = 0;
    for (int u = 0; u < PQntuples(units); u++) {
        const char *id = PQgetvalue(units, u, 0);
        int64_t seq;
        if (own_txn && (srv_exec(pg, "BEGIN", 0, NULL, err, errlen) != 0 ||
                        srv_feed_lock(pg, id, &seq, err, errlen) != 0)) {
            srv_exec(pg, "ROLLBACK", 0, NULL, NULL, 0);
            done = -1;
            break;
        }
        long k = rebuild_unit(pg, id, err, errlen);
        if (k < 0 || (own_txn && srv_exec(pg, "COMMIT", 0, NULL, err, errlen) != 0)) {
            if (own_txn)
                srv_exec(pg, "ROLLBACK", 0, NULL, NULL, 0);
            done = -1;
            break;
        }
        done += k;
        if (progress)
            progress(done, arg);
    }
    PQclear(units);
    return done;
}

long srv_facts_rebuild(PGconn *pg, const char *unit, void (*progress)(long done, void *arg),
                       void *arg, char *err, size_t errlen)
{
    return rebuild(pg, unit, 1, progress, arg, err, errlen);
}

int srv_facts_fill_all(PGconn *pg, char *err, size_t errlen)
{
    return rebuild(pg, NULL, 0, NULL, NULL, err, errlen) < 0 ? -1 : 0;
}

long srv_facts_check(PGconn *pg, char *err, size_t errlen)
{
    long diff = 0;
    for (int t = 0; t < 3; t++) {
        char sel[1536], sql[4096];
        roll_select(t, ROLL_ALL, sel, sizeof sel);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM ((TABLE %s EXCEPT ALL %s) UNION ALL (%s EXCEPT ALL"
                 " TABLE %s)) d",
                 roll_tables[t], sel, sel, roll_tables[t]);
        PGresult *r = srv_q(pg, sql, 0, NULL, err, errlen);
        if (!r)
            return -1;
        diff += atol(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    return diff;
}
