/*
 * The admin export of a unit: every observation with its events, notes,
 * ratings, feedback and reflection, as one JSON document (the unit's own
 * records, whole), or as CSV for spreadsheets and R through srv_export,
 * the same export the office downloads: wide (one row per observation) or
 * long (one row per event or note), filtered by focus and period.
 */
#include "srv_admin_int.h"

#include <stdio.h>
#include <string.h>

#include "srv_export.h"

/* A string member of o, or "" when o has none (or o is NULL). */
static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The unit's record, and each observation with its parts (keyed by id,
 * and their order). */
typedef struct {
    json_t *obs, *order, *unit;
} gathered;

static void gathered_clear(gathered *g)
{
    json_decref(g->obs);
    json_decref(g->order);
    json_decref(g->unit);
}

/* Sorts one stored record into g; observations come first, so that their
 * parts find them. */
static void gather(gathered *g, const char *ent, const char *oid, json_t *d)
{
    if (!strcmp(ent, "unit")) {
        json_decref(g->unit);
        g->unit = json_incref(d);
    } else if (!strcmp(ent, "observation")) {
        json_t *o = json_object();
        json_object_set(o, "observation", d);
        json_object_set_new(o, "events", json_array());
        json_object_set_new(o, "notes", json_array());
        json_object_set_new(o, "ratings", json_array());
        json_object_set_new(o, "feedback", json_null());
        json_object_set_new(o, "reflection", json_null());
        json_object_set_new(g->obs, oid, o);
        json_array_append_new(g->order, json_string(oid));
    } else if (!strcmp(ent, "note") && !*jstr(d, "text")) {
        /* A deleted note stays as the same note without words, so that
         * tablets erase it too (PROTOCOL.md); it is no note to export. */
    } else if (*oid && json_object_get(g->obs, oid)) {
        json_t *o = json_object_get(g->obs, oid);
        if (!strcmp(ent, "feedback") || !strcmp(ent, "reflection")) {
            json_object_set(o, ent, d);
        } else {
            char plural[24];
            snprintf(plural, sizeof plural, "%ss", ent);
            json_array_append(json_object_get(o, plural), d);
        }
    }
}

static int write_json(const gathered *g, FILE *f)
{
    json_t *all = json_array();
    size_t i;
    json_t *v;
    json_array_foreach (g->order, i, v)
        json_array_append(all, json_object_get(g->obs, json_string_value(v)));
    json_t *doc = json_pack("{s:i,s:O,s:o}", "schema", PROTO_SCHEMA, "unit", g->unit,
                            "observations", all);
    int rc = !doc || json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS) != 0;
    fputc('\n', f);
    json_decref(doc);
    return rc;
}

/* A CSV export (srv_export.h) streamed to f in pieces, so that a year of
 * a large unit never sits in memory. 0, or 1 with the reason on c->err. */
static int write_csv(srv_admin_cmd *c)
{
    srv_export_query q;
    memset(&q, 0, sizeof q);
    snprintf(q.unit, sizeof q.unit, "%.36s", c->val[SRV_OPT_UNIT]);
    q.format = c->choice[SRV_OPT_FORMAT] == SRV_FORMAT_LONG ? SRV_EXPORT_LONG : SRV_EXPORT_WIDE;
    q.style = c->val[SRV_OPT_CSV_STYLE] ? (srv_csv_style)c->choice[SRV_OPT_CSV_STYLE] : SRV_CSV_DA;
    const struct {
        srv_opt o;
        char *dst;
        size_t cap;
    } words[] = {{SRV_OPT_FOCUS, q.focus, sizeof q.focus},
                 {SRV_OPT_FROM, q.from, sizeof q.from},
                 {SRV_OPT_TO, q.to, sizeof q.to}};
    char err[400];
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *v = c->val[words[i].o];
        if (v && strlen(v) >= words[i].cap) {
            fprintf(c->err, "%s: %s is not an id or a date.\n", c->name, v);
            return 1;
        }
        if (v)
            memcpy(words[i].dst, v, strlen(v) + 1);
    }
    srv_export *x;
    if (srv_export_open(c->pg, &q, &x, err, sizeof err) != 0) {
        fprintf(c->err, "%s: %s\n", c->name, err);
        return 1;
    }
    FILE *f = srv_admin_open_out(c);
    int rc = 0;
    char buf[64 * 1024];
    long n;
    while (f && (n = srv_export_read(x, buf, sizeof buf)) != 0) {
        if (n < 0) {
            fprintf(c->err, "%s: the export stopped: %s\n", c->name, srv_export_error(x));
            rc = 1;
            break;
        }
        if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
            fprintf(c->err, "%s: the file could not be written.\n", c->name);
            rc = 1;
            break;
        }
    }
    srv_export_free(x);
    if (f && fflush(f) != 0)
        rc = 1;
    return srv_admin_close_out(c, f, rc);
}

int srv_admin_export(srv_admin_cmd *c)
{
    if (c->choice[SRV_OPT_FORMAT] != SRV_FORMAT_JSON)
        return write_csv(c);
    if (c->val[SRV_OPT_FOCUS] || c->val[SRV_OPT_FROM] || c->val[SRV_OPT_TO] ||
        c->val[SRV_OPT_CSV_STYLE]) {
        fprintf(c->err,
                "%s: --focus, --from, --to and --csv-style are for the CSV formats; "
                "json is the whole unit.\n",
                c->name);
        return 1;
    }
    const char *p[] = {c->val[SRV_OPT_UNIT]};
    PGresult *r = srv_admin_query(
        c,
        "SELECT entity, observation_id, data FROM items WHERE unit_id = $1"
        " ORDER BY (entity <> 'observation'), seq",
        1, p);
    if (!r)
        return 1;
    gathered g = {json_object(), json_array(), json_null()};
    for (int i = 0; i < PQntuples(r); i++) {
        json_error_t je;
        json_t *d = json_loads(PQgetvalue(r, i, 2), 0, &je);
        if (d)
            gather(&g, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), d);
        json_decref(d);
    }
    PQclear(r);
    FILE *f = srv_admin_open_out(c);
    int rc = f ? write_json(&g, f) : 0;
    gathered_clear(&g);
    return srv_admin_close_out(c, f, rc);
}
