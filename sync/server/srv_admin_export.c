/*
 * The admin export of a unit: every observation with its events, notes,
 * ratings, feedback and reflection, as one JSON document or as CSV with
 * one row per observation and names in place of ids, for the unit's own
 * records and for spreadsheets.
 */
#include "srv_admin_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* A CSV field: quoted, quotes doubled, and a leading = + - @ defused so a
 * spreadsheet does not run a note as a formula. */
static void csv(FILE *f, const char *s, int last)
{
    fputc('"', f);
    if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
    fputc(last ? '\n' : ',', f);
}

/* A string member of o, or "" when o has none (or o is NULL), so that a
 * missing value is an empty field. */
static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* A time in milliseconds as ISO 8601 in UTC; "" for none. */
static void iso(char out[32], json_int_t ms)
{
    if (ms <= 0) {
        out[0] = 0;
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The unit's record, each observation with its parts (keyed by id, and
 * their order), and the names of people and rooms and the questions of
 * focuses by id, for the CSV. */
typedef struct {
    json_t *obs, *order, *names, *unit;
} gathered;

static void gathered_clear(gathered *g)
{
    json_decref(g->obs);
    json_decref(g->order);
    json_decref(g->names);
    json_decref(g->unit);
}

/* Sorts one stored record into g; observations come first, so that their
 * parts find them. */
static void gather(gathered *g, const char *ent, const char *oid, json_t *d)
{
    if (!strcmp(ent, "unit")) {
        json_decref(g->unit);
        g->unit = json_incref(d);
    } else if (!strcmp(ent, "person") || !strcmp(ent, "room")) {
        json_object_set(g->names, jstr(d, "id"), json_object_get(d, "name"));
    } else if (!strcmp(ent, "focus")) {
        json_object_set(g->names, jstr(d, "id"), json_object_get(d, "question"));
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

static void write_csv(const gathered *g, FILE *f)
{
    fputs("observation_id,started_at,ended_at,status,observer,observee,room,focus,"
          "activity,events,notes,ratings,feedback_works,feedback_wonderings,"
          "feedback_next_step,reflection,reflection_next_step\n",
          f);
    size_t i;
    json_t *v;
    json_array_foreach (g->order, i, v) {
        json_t *o = json_object_get(g->obs, json_string_value(v));
        json_t *ob = json_object_get(o, "observation"), *fb = json_object_get(o, "feedback"),
               *rf = json_object_get(o, "reflection");
        char a[32], b[32], ne[16], nn[16], nr[16];
        iso(a, json_integer_value(json_object_get(ob, "started_at")));
        iso(b, json_integer_value(json_object_get(ob, "ended_at")));
        snprintf(ne, sizeof ne, "%zu", json_array_size(json_object_get(o, "events")));
        snprintf(nn, sizeof nn, "%zu", json_array_size(json_object_get(o, "notes")));
        snprintf(nr, sizeof nr, "%zu", json_array_size(json_object_get(o, "ratings")));
        const char *field[] = {jstr(ob, "id"),
                               a,
                               b,
                               jstr(ob, "status"),
                               jstr(g->names, jstr(ob, "observer_id")),
                               jstr(g->names, jstr(ob, "observee_id")),
                               jstr(g->names, jstr(ob, "room_id")),
                               jstr(g->names, jstr(ob, "focus_id")),
                               jstr(ob, "activity"),
                               ne,
                               nn,
                               nr,
                               jstr(fb, "works"),
                               jstr(fb, "wonderings"),
                               jstr(fb, "next_step"),
                               jstr(rf, "text"),
                               jstr(rf, "next_step")};
        size_t n = sizeof field / sizeof field[0];
        for (size_t k = 0; k < n; k++)
            csv(f, field[k], k == n - 1);
    }
}

int srv_admin_export(srv_admin_cmd *c)
{
    const char *p[] = {c->val[SRV_OPT_UNIT]};
    PGresult *r = srv_admin_query(
        c,
        "SELECT entity, observation_id, data FROM items WHERE unit_id = $1"
        " ORDER BY (entity <> 'observation'), seq",
        1, p);
    if (!r)
        return 1;
    gathered g = {json_object(), json_array(), json_object(), json_null()};
    for (int i = 0; i < PQntuples(r); i++) {
        json_error_t je;
        json_t *d = json_loads(PQgetvalue(r, i, 2), 0, &je);
        if (d)
            gather(&g, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), d);
        json_decref(d);
    }
    PQclear(r);
    FILE *f = srv_admin_open_out(c);
    int rc = 0;
    if (f && c->choice[SRV_OPT_FORMAT] == SRV_FORMAT_JSON)
        rc = write_json(&g, f);
    else if (f)
        write_csv(&g, f);
    gathered_clear(&g);
    return srv_admin_close_out(c, f, rc);
}
