/*
 * Exports: GET /exports explains the two files and asks what to export;
 * GET /exports/observations.csv (one row per observation) and
 * GET /exports/events.csv (one row per event or note) stream the file
 * from srv_export, the same export the command line runs, so the office
 * never holds a whole file.
 *
 * Who: the files name the observed people and hold their notes, feedback
 * and reflections, which domain.md gives to the observer, the observee and
 * the leaders of the unit. So only a leader of the unit exports it; an
 * area leader and an administrator read the page's explanation but are
 * refused the files (403), as they are an observation's own page. Every
 * file given out is written to the audit log first, with its filters.
 */
#include "off_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srv_export.h"
#include "srv_int.h"

static void db_failed(off_ctx *c, const char *err)
{
    srv_log("office: exports: %s", err);
    off_fail(c, 500, "The database did not answer. Try again in a moment.");
}

/* Whether the signed-in person leads unit: a leader of that unit, never
 * an area leader or administrator (see above). */
static int leads(const off_ctx *c, const char *unit)
{
    return c->user.role == OFF_ROLE_LEADER && unit && !strcmp(c->user.unit_id, unit);
}

static void para(off_ctx *c, const char *msgid)
{
    off_buf_put(&c->body, "<p>");
    off_buf_esc(&c->body, off_tr(c, msgid));
    off_buf_put(&c->body, "</p>");
}

/* The columns of each file, told in words. */
static void explain(off_ctx *c)
{
    off_buf *b = &c->body;
    para(c, "Download the observations of your unit as a file for a spreadsheet or for R. There "
            "are two files, and each can be limited to one learning focus and a period.");
    off_buf_put(b, "<h2>");
    off_buf_esc(b, off_tr(c, "One row per observation"));
    off_buf_put(b, "</h2>");
    para(c, "Each observation with its start and end in Danish time, duration, focus and template "
            "with their versions, observer, observee, room, activity and status; every context "
            "field; for every counter the count and the rate per 10 minutes (empty for an "
            "observation shorter than 5 minutes or not finished); the answers to interval "
            "sampling; the seconds in each state; for every sign the rating as a number (0 is "
            "the lowest level) and its word; and the feedback and the reflection in full.");
    para(c, "When a focus or template has changed, the file has the columns of every version in "
            "it: an observation made on an older version keeps its own columns, and a column its "
            "version did not have is empty.");
    off_buf_put(b, "<h2>");
    off_buf_esc(b, off_tr(c, "One row per event or note"));
    off_buf_put(b, "</h2>");
    para(c, "Each counter tap, state started or stopped, interval answer and note, in time order: "
            "the observation, the time, the seconds from the start, the kind, its key and label, "
            "whether it was undone, the note's text and the sign it is about.");
    off_buf_put(b, "<h2>");
    off_buf_esc(b, off_tr(c, "Danish or international"));
    off_buf_put(b, "</h2>");
    para(c, "The Danish form opens in a spreadsheet set to Danish with a double click: semicolons "
            "between the columns, a decimal comma, and æ, ø and å as they should be. The "
            "international form has commas and a decimal point, for R and for spreadsheets in "
            "English.");
    para(c, "A text that begins with =, +, - or @ gets an apostrophe in front, so that a "
            "spreadsheet shows it as text and never runs it as a formula.");
}

/* The unit's learning focuses (latest versions, at most 200), for the
 * form. */
static PGresult *focuses_of(off_ctx *c, const char *unit)
{
    const char *p[] = {unit};
    char err[300];
    PGresult *r = srv_q(
        c->pg,
        "SELECT f.id, i.data::jsonb->>'question' FROM focuses f"
        " JOIN items i ON i.entity = 'focus' AND i.key = f.id || '/' || f.version"
        " WHERE f.unit_id = $1"
        "   AND f.version = (SELECT max(g.version) FROM focuses g WHERE g.id = f.id)"
        " ORDER BY 2, 1 LIMIT 200",
        1, p, err, sizeof err);
    if (!r)
        db_failed(c, err);
    return r;
}

/* GET /exports */
void off_exports(off_ctx *c)
{
    off_buf *b = &c->body;
    off_page_begin(c, off_tr(c, "Export observations"), "exports");
    explain(c);
    const char *unit = c->user.unit_id;
    if (c->user.role != OFF_ROLE_LEADER || !unit[0]) {
        off_buf_put(b, "<p class=\"note\">");
        off_buf_esc(b, off_tr(c, "Only the leaders of a unit export its observations, because "
                                 "the files name the people observed and hold their words."));
        off_buf_put(b, "</p>");
        off_page_end(c);
        return;
    }
    PGresult *fr = focuses_of(c, unit);
    if (!fr)
        return;
    off_buf_put(b, "<h2>");
    off_buf_esc(b, off_tr(c, "Export"));
    off_buf_put(b, "</h2>");
    para(c, "The files name people and hold their notes, feedback and reflections. Keep them as "
            "safely as the observations themselves and delete them when you are done. Each "
            "export is written to the audit log.");
    /* A GET form: a download changes nothing, and each button chooses its
     * file without JavaScript. */
    off_buf_put(b, "<form method=\"get\" action=\"/exports/observations.csv\">");
    off_buf_put(b, "<input type=\"hidden\" name=\"unit\" value=\"");
    off_buf_esc(b, unit);
    off_buf_put(b, "\">");
    int n = PQntuples(fr);
    const char **values = calloc((size_t)n + 1, sizeof *values);
    const char **labels = calloc((size_t)n + 1, sizeof *labels);
    if (!values || !labels) {
        free(values);
        free(labels);
        PQclear(fr);
        off_fail(c, 500, "The server ran out of memory.");
        return;
    }
    values[0] = "";
    labels[0] = off_tr(c, "All learning focuses");
    for (int i = 0; i < n; i++) {
        values[i + 1] = PQgetvalue(fr, i, 0);
        labels[i + 1] = PQgetvalue(fr, i, 1);
    }
    off_select(c, "focus", off_tr(c, "Learning focus"), values, labels, n + 1, "", NULL);
    free(values);
    free(labels);
    PQclear(fr);
    off_buf_put(b, "<div class=\"pair\">");
    off_input(c, "date", "from", off_tr(c, "From"), NULL, 10,
              off_tr(c, "The first day, or empty for from the beginning."), NULL);
    off_input(c, "date", "to", off_tr(c, "To"), NULL, 10,
              off_tr(c, "The last day, or empty for up to today."), NULL);
    off_buf_put(b, "</div>");
    const char *const sv[] = {"da", "intl"};
    const char *const sl[] = {off_tr(c, "Danish (semicolon, decimal comma)"),
                              off_tr(c, "International (comma, decimal point)")};
    off_select(c, "style", off_tr(c, "Form of the file"), sv, sl, 2, "da", NULL);
    off_buf_put(b, "<div class=\"actions\"><button type=\"submit\">");
    off_buf_esc(b, off_tr(c, "Download one row per observation"));
    off_buf_put(b, "</button><button type=\"submit\" class=\"secondary\" "
                   "formaction=\"/exports/events.csv\">");
    off_buf_esc(b, off_tr(c, "Download one row per event or note"));
    off_buf_put(b, "</button></div></form>");
    off_page_end(c);
}

/* The name's letters for a file name: a-z, 0-9 and '-', æ ø å as ae oe
 * aa, anything else as one '-'. */
static void slug(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *s = (const unsigned char *)name; *s && n + 3 < cap; s++) {
        const char *w = NULL;
        char one[2] = {0, 0};
        if (*s >= 'a' && *s <= 'z')
            one[0] = (char)*s;
        else if (*s >= 'A' && *s <= 'Z')
            one[0] = (char)(*s - 'A' + 'a');
        else if (*s >= '0' && *s <= '9')
            one[0] = (char)*s;
        else if (s[0] == 0xC3 && (s[1] == 0xA6 || s[1] == 0x86))
            w = "ae", s++;
        else if (s[0] == 0xC3 && (s[1] == 0xB8 || s[1] == 0x98))
            w = "oe", s++;
        else if (s[0] == 0xC3 && (s[1] == 0xA5 || s[1] == 0x85))
            w = "aa", s++;
        else
            one[0] = '-';
        if (!w)
            w = one;
        for (; *w && n + 1 < cap; w++) {
            if (*w == '-' && (n == 0 || out[n - 1] == '-'))
                continue;
            out[n++] = *w;
        }
    }
    while (n && out[n - 1] == '-')
        n--;
    out[n] = 0;
    if (!n)
        snprintf(out, cap, "enhed");
}

/* Copies a query value of at most cap - 1 bytes into out; 0, or -1 when
 * it is longer. An absent value is "". */
static int take(const off_ctx *c, const char *name, char *out, size_t cap)
{
    const char *v = off_form_get(&c->query, name);
    if (!v)
        v = "";
    if (strlen(v) >= cap)
        return -1;
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

static long produce(void *ctx, char *buf, size_t cap) { return srv_export_read(ctx, buf, cap); }

static void produce_free(void *ctx) { srv_export_free(ctx); }

/* The two downloads: the query's unit (or the leader's own), focus, from,
 * to and style; refused before anything is read unless the reader leads
 * the unit. */
static void download(off_ctx *c, srv_export_format format)
{
    srv_export_query q;
    memset(&q, 0, sizeof q);
    q.format = format;
    char style[8];
    if (take(c, "unit", q.unit, sizeof q.unit) || take(c, "focus", q.focus, sizeof q.focus) ||
        take(c, "from", q.from, sizeof q.from) || take(c, "to", q.to, sizeof q.to) ||
        take(c, "style", style, sizeof style)) {
        off_fail(c, 400, "The export's choices could not be read. Go back and choose again.");
        return;
    }
    if (!q.unit[0])
        snprintf(q.unit, sizeof q.unit, "%s", c->user.unit_id);
    /* Who first, before the words are looked at: nothing about another
     * unit, not even whether an id is one, is told. */
    if (!leads(c, q.unit)) {
        off_fail(c, 403, "Only the leaders of a unit export its observations.");
        return;
    }
    if (style[0] && srv_csv_style_parse(style, &q.style) != 0) {
        off_fail(c, 400, "The export's choices could not be read. Go back and choose again.");
        return;
    }
    char err[400];
    if (q.focus[0] && model_id_check(q.focus, "focus", err, sizeof err) != 0) {
        off_fail(c, 404, "There is no such page.");
        return;
    }
    if (srv_export_check(&q, err, sizeof err) != 0) {
        off_fail(c, 400,
                 "The dates must be real days, written as on the form, and the first "
                 "must not come after the last.");
        return;
    }
    char name[MODEL_NAME_MAX + 1] = "";
    const char *p[] = {q.unit, q.focus};
    PGresult *r = srv_q(c->pg,
                        "SELECT u.name, $2 = '' OR EXISTS (SELECT 1 FROM focuses f"
                        "  WHERE f.id = $2 AND f.unit_id = u.id) FROM units u WHERE u.id = $1",
                        2, p, err, sizeof err);
    if (!r) {
        db_failed(c, err);
        return;
    }
    int ok = PQntuples(r) == 1 && PQgetvalue(r, 0, 1)[0] == 't';
    if (ok)
        snprintf(name, sizeof name, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!ok) {
        off_fail(c, 404, "There is no such page.");
        return;
    }
    /* A HEAD asks only what the answer would be: nothing is read, so
     * nothing is audited. */
    int head = !strcmp(c->rq->method, "HEAD");
    /* A download holds a database connection until its last byte; when
     * the server already streams all it lets, this one waits rather than
     * take the connections tablets sync with. */
    if (!head && c->rq->streams_full) {
        off_header(c, "Retry-After", "60");
        off_fail(c, 503,
                 "Other downloads are being made right now. Try again in a minute; nothing "
                 "has been lost.");
        return;
    }
    char detail[200];
    snprintf(detail, sizeof detail, "format=%s style=%s focus=%s from=%s to=%s",
             format == SRV_EXPORT_WIDE ? "wide" : "long", q.style == SRV_CSV_DA ? "da" : "intl",
             q.focus, q.from, q.to);
    if (!head && off_audit(c, format == SRV_EXPORT_WIDE ? "export.observations" : "export.events",
                           q.unit, "", detail) != 0) {
        off_fail(c, 500, "The database did not answer. Try again in a moment.");
        return;
    }
    srv_export *x = NULL;
    if (!head && srv_export_open(c->pg, &q, &x, err, sizeof err) != 0) {
        db_failed(c, err);
        return;
    }
    /* blik-observationer-boernehuset-solsikken-2026-09-01-2026-09-30.csv;
     * without a period, the day it was made. */
    char file[200], s[100], today[16];
    slug(name, s, sizeof s);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    const char *what = format == SRV_EXPORT_WIDE ? "observationer" : "haendelser";
    if (q.from[0] || q.to[0])
        snprintf(file, sizeof file, "blik-%s-%s-%s-%s.csv", what, s, q.from[0] ? q.from : "start",
                 q.to[0] ? q.to : today);
    else
        snprintf(file, sizeof file, "blik-%s-%s-%s.csv", what, s, today);
    char disp[260];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", file);
    off_header(c, "Content-Disposition", disp);
    snprintf(c->out->content_type, sizeof c->out->content_type, "text/csv; charset=utf-8");
    c->out->status = 200;
    if (x) {
        c->out->produce = produce;
        c->out->produce_free = produce_free;
        c->out->produce_ctx = x;
    }
    c->done = 1;
}

/* GET /exports/observations.csv */
void off_export_observations(off_ctx *c) { download(c, SRV_EXPORT_WIDE); }

/* GET /exports/events.csv */
void off_export_events(off_ctx *c) { download(c, SRV_EXPORT_LONG); }
