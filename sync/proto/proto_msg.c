/*
 * The messages of the protocol: push, pull, enrol, ping and errors. Each
 * decoder reads the schema version first, so that an old tablet is told to
 * update rather than that its fields are unknown.
 */
#include "proto_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {"stored", "duplicate", "conflict", "rejected"};

const char *proto_status_name(proto_status s)
{
    return (int)s >= 0 && s <= PROTO_ST_REJECTED ? status_names[s] : "rejected";
}

static char *dump(json_t *j)
{
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* ---- what each schema version carries ---- */

int proto_record_schema(const model_record *r, const char **what)
{
    const char *w = "";
    int v = 1;
    if (r->entity == MODEL_ENT_PLAN || r->entity == MODEL_ENT_PLAN_AGREEMENT) {
        w = model_entity_name(r->entity);
        v = 2;
    } else if (r->entity == MODEL_ENT_OBSERVATION && r->u.obs.team[0]) {
        w = "team";
        v = 3;
    } else if (r->entity == MODEL_ENT_OBSERVATION &&
               (r->u.obs.pair_code[0] || r->u.obs.plan_id[0])) {
        w = r->u.obs.pair_code[0] ? "pair_code" : "plan_id";
        v = 2;
    }
    if (what)
        *what = w;
    return v;
}

int proto_record_fit(model_record *r, int schema)
{
    if (schema >= 3)
        return 0;
    if (r->entity == MODEL_ENT_OBSERVATION && r->u.obs.team[0])
        return -1;
    if (schema >= 2)
        return 0;
    if (r->entity == MODEL_ENT_PLAN || r->entity == MODEL_ENT_PLAN_AGREEMENT)
        return -1;
    if (r->entity == MODEL_ENT_OBSERVATION) {
        r->u.obs.pair_code[0] = '\0';
        r->u.obs.plan_id[0] = '\0';
    }
    return 0;
}

/* Refuses a record that the message's schema version cannot carry, as the
 * strict reader of that version would: a kind it does not have is an
 * unknown entity, a field it does not have an unknown field. */
static int rd_fits(const model_record *r, int schema, const char *w, proto_err *err)
{
    const char *what;
    if (proto_record_schema(r, &what) <= schema)
        return 0;
    if (r->entity != MODEL_ENT_OBSERVATION)
        return model_err_set(err, PROTO_E_VALUE,
                             "%s: the entity \"%s\" is not in schema version %d.", w, what, schema);
    return model_err_set(err, PROTO_E_UNKNOWN_FIELD,
                         "%s: \"data\" has a field \"%s\" that schema version %d does not have.", w,
                         what, schema);
}

/* What an element of a message's list holds besides its record's data: a
 * pull reply's item (its kind, seq and version) or a push's change (its
 * ids, base version and kind). Reads it from o into out (a proto_item or a
 * proto_change), names it in w, and returns the new record, of the kind it
 * names, that the data is to be read into; NULL with err. */
typedef model_record *(*elem_head)(const model_obj *o, int i, void *out, char w[40],
                                   proto_err *err);

/* Names the i-th element of the list named list ("changes[12]") in w, for
 * what a refusal says. Made for every element read, half a million in a
 * fresh tablet's pull, so copied rather than formatted; list is one of
 * the message's short names. */
static void where_at(char w[40], const char *list, int i)
{
    size_t k = model_text_join(w, 40 - 22, list, 0, NULL);
    w[k++] = '[';
    k += model_json_int(w + k, i);
    w[k++] = ']';
    w[k] = 0;
}

/* The element o, the i-th of the list named list, through jansson's tree. */
static int elem_tree(json_t *o, int i, int schema, const char *list, elem_head head, void *out,
                     proto_err *err)
{
    char w[40];
    where_at(w, list, i);
    if (!json_is_object(o))
        return model_err_set(err, PROTO_E_TYPE, "%s must be an object.", w);
    model_obj ob = {o, NULL, 0};
    model_record *rec = head(&ob, i, out, w, err);
    proto_err inner;
    if (!rec)
        return -1;
    if (model_record_from_json(rec->entity, json_object_get(o, "data"), rec, &inner) != 0)
        return model_err_set(err, inner.code, "%s: %s", w, inner.msg);
    return rd_fits(rec, schema, w, err);
}

/* The element whose text is el through the scanner: -1 without a reason
 * for anything the scanner or a reader does not take. */
static int elem_scan(const model_val *el, int i, int schema, elem_head head, void *out, char **buf,
                     size_t *left)
{
    model_member m[5]; /* a change has five; an element with more is refused anyway */
    model_obj o = {NULL, m, model_scan_object(el->s, el->n, m, 5, buf, left)};
    model_val data;
    model_record *rec;
    char w[40];
    if (o.n < 0 || !(rec = head(&o, i, out, w, NULL)))
        return -1;
    model_ob_get(&o, "data", &data);
    return data.type == MODEL_V_OTHER &&
                   model_record_scan(rec->entity, data.s, data.n, buf, left, rec) == 0 &&
                   rd_fits(rec, schema, w, NULL) == 0
               ? 0
               : -1;
}

/* A message as the scanner read it: its own members (j), the room for its
 * strings, and the texts of the elements of its list. */
typedef struct {
    model_member top[4];
    model_obj j;
    char *buf, *b;
    size_t left;
    model_val *el;
    int schema, n;
} scanned;

/* Scans body as a message of a schema version this side accepts, with a
 * list named list of at most max elements; -1 for anything else (the tree
 * then says why). Release with scanned_free either way. */
static int scan_message(scanned *m, const char *body, size_t len, const char *list, int max)
{
    model_val v;
    memset(m, 0, sizeof *m);
    m->j = (model_obj){NULL, m->top, 0};
    if (len > PROTO_INFLATED_MAX)
        return -1;
    m->left = len + 1;
    m->buf = m->b = malloc(m->left);
    m->el = malloc((size_t)max * sizeof *m->el);
    if (!m->buf || !m->el ||
        (m->j.n = model_scan_object(body, len, m->top, 4, &m->b, &m->left)) < 0 ||
        model_ob_int(&m->j, "schema", &m->schema, 0, 1000000, "", NULL) != 0 ||
        proto_schema_check(m->schema, PROTO_SCHEMA, NULL) != 0)
        return -1;
    model_ob_get(&m->j, list, &v);
    return v.type == MODEL_V_OTHER && (m->n = model_scan_list(v.s, v.n, m->el, max)) >= 0 ? 0 : -1;
}

static void scanned_free(scanned *m)
{
    free(m->buf);
    free(m->el);
}

/* ---- push ---- */

/* Copies w to out (room known to be there), without its NUL; its length. */
static size_t put(char *out, const char *w)
{
    size_t n = strlen(w);
    memcpy(out, w, n);
    return n;
}

/* The canonical text is the change's fields around its record's text with
 * sorted keys, written here in the order a sorted dump of the whole change
 * gives them (test_canonical pins the bytes). So the record's two texts
 * are made together (model_record_texts: by hand for an observation's
 * parts, with jansson's bytes), and the change's fields are not made into
 * JSON objects at all: the ids are identifiers, which JSON writes as they
 * are, and the entity is one of the names. */
int proto_change_texts(const proto_change *c, char **data, char **canonical)
{
    *data = NULL;
    if (canonical)
        *canonical = NULL;
    if (!c->rec || model_id_check(c->change_id, "", NULL, 0) != 0 ||
        model_id_check(c->actor_id, "", NULL, 0) != 0)
        return -1;
    char *d, *sorted = NULL;
    if (model_record_texts(c->rec, &d, canonical ? &sorted : NULL, NULL) != 0)
        return -1;
    const char *ent = model_entity_name(c->rec->entity);
    size_t len = sorted ? strlen(sorted) + strlen(ent) + 2 * sizeof(model_id) + 96 : 0;
    char *s = sorted ? malloc(len) : NULL;
    if (!d || (canonical && !s)) {
        free(d);
        free(sorted);
        free(s);
        return -1;
    }
    if (canonical) {
        /* Copied, not formatted: a push hashes thousands of these. The ids
         * were checked above, so they are written as they are. */
        size_t k = put(s, "{\"actor_id\":\"");
        k += put(s + k, c->actor_id);
        k += put(s + k, "\",\"base_version\":");
        k += model_json_int(s + k, c->base_version);
        k += put(s + k, ",\"change_id\":\"");
        k += put(s + k, c->change_id);
        k += put(s + k, "\",\"data\":");
        k += put(s + k, sorted);
        k += put(s + k, ",\"entity\":\"");
        k += put(s + k, ent);
        k += put(s + k, "\"}");
        s[k] = 0;
        free(sorted);
        *canonical = s;
    }
    *data = d;
    return 0;
}

char *proto_change_canonical(const proto_change *c)
{
    char *data, *s;
    if (proto_change_texts(c, &data, &s) != 0)
        return NULL;
    free(data);
    return s;
}

/*
 * The body is written here rather than built as JSON objects and dumped:
 * a change's data is often a text the tablet already holds (its outbox
 * keeps each record as model_record_text wrote it), which is then sent as
 * it is, not read and written again; and the change's other fields are
 * identifiers (model_json_string), a number and a name. The bytes are
 * what a compact dump of the same objects writes, in the same order of
 * keys.
 */
char *proto_push_encode(const proto_push *p)
{
    static const char head[] = "{\"schema\":%d,\"changes\":[";
    char **made = calloc((size_t)(p->n > 0 ? p->n : 1), sizeof *made);
    char *s = NULL;
    if (!made)
        return NULL;
    int schema = p->schema ? p->schema : PROTO_SCHEMA;
    size_t len = (size_t)snprintf(NULL, 0, head, schema) + 3;
    for (int i = 0; i < p->n; i++) {
        const proto_change *c = &p->changes[i];
        if (!c->rec || (!c->text && !(made[i] = model_record_text(c->rec, NULL))))
            goto done;
        len += strlen(c->text ? c->text : made[i]) + model_json_string(NULL, 0, c->change_id) +
               model_json_string(NULL, 0, c->actor_id) + strlen(model_entity_name(c->rec->entity)) +
               96;
    }
    if (!(s = malloc(len)))
        goto done;
    /* Each piece is copied (put, model_json_*), not formatted: a push of
     * 4,000 changes made 12,000 calls of snprintf, which with its change
     * ids' were a twentieth of the tablet's work in a push. */
    size_t k = (size_t)snprintf(s, len, head, schema);
    for (int i = 0; i < p->n; i++) {
        const proto_change *c = &p->changes[i];
        k += put(s + k, i ? ",{\"change_id\":" : "{\"change_id\":");
        k += model_json_string(s + k, len - k, c->change_id);
        k += put(s + k, ",\"actor_id\":");
        k += model_json_string(s + k, len - k, c->actor_id);
        k += put(s + k, ",\"base_version\":");
        k += model_json_int(s + k, c->base_version);
        k += put(s + k, ",\"entity\":\"");
        k += put(s + k, model_entity_name(c->rec->entity));
        k += put(s + k, "\",\"data\":");
        k += put(s + k, c->text ? c->text : made[i]);
        s[k++] = '}';
    }
    memcpy(s + k, "]}", 3);
done:
    for (int i = 0; i < p->n; i++)
        free(made[i]);
    free(made);
    return s;
}

int proto_change_set(proto_change *c, const model_record *r)
{
    model_record *n = model_record_new(r->entity);
    if (!n)
        return -1;
    model_record_copy(n, r);
    free(c->rec);
    c->rec = n;
    return 0;
}

void proto_changes_clear(proto_change *c, int n)
{
    for (int i = 0; c && i < n; i++) {
        free(c[i].rec);
        c[i].rec = NULL;
        c[i].text = NULL;
    }
}

void proto_push_clear(proto_push *p)
{
    if (!p)
        return;
    proto_changes_clear(p->changes, p->n);
    free(p->changes);
    memset(p, 0, sizeof *p);
}

/* A push's change (an elem_head). */
static model_record *change_head(const model_obj *c, int i, void *to, char w[40], proto_err *err)
{
    static const char *const f[] = {"change_id", "actor_id", "base_version",
                                    "entity",    "data",     NULL};
    proto_change *out = to;
    model_val ent, data;
    model_entity e;
    where_at(w, "changes", i);
    if (model_ob_only(c, f, w, err) || model_ob_id(c, "change_id", out->change_id, 0, w, err) ||
        model_ob_id(c, "actor_id", out->actor_id, 0, w, err) ||
        model_ob_int(c, "base_version", &out->base_version, 0, 1000000000, w, err))
        return NULL;
    model_ob_get(c, "entity", &ent);
    if (ent.type == MODEL_V_ABSENT) {
        model_err_set(err, PROTO_E_MISSING_FIELD, "%s lacks the field \"entity\".", w);
        return NULL;
    }
    if (ent.type != MODEL_V_STRING) {
        model_err_set(err, PROTO_E_TYPE, "%s: \"entity\" must be a string.", w);
        return NULL;
    }
    if (model_entity_parse(ent.s, &e) != 0 || !model_entity_is_pushable(e)) {
        model_err_set(err, PROTO_E_VALUE,
                      "%s: \"entity\" must be one of observation, event, note, rating, "
                      "feedback, reflection, plan_agreement.",
                      w);
        return NULL;
    }
    model_ob_get(c, "data", &data);
    if (data.type == MODEL_V_ABSENT) {
        model_err_set(err, PROTO_E_MISSING_FIELD, "%s lacks the field \"data\".", w);
        return NULL;
    }
    if (!(out->rec = model_record_new(e)))
        model_err_set(err, PROTO_E_NOMEM, "Out of memory.");
    return out->rec;
}

typedef struct {
    const char *id;
    int at;
} id_at;

static int by_id(const void *a, const void *b)
{
    const id_at *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : x->at - y->at;
}

/* Whether two of the n changes share a change id: the first change that
 * repeats an earlier one is named with the first it repeats, found in order
 * of the ids (comparing every pair was half a million comparisons for a
 * push of a thousand). 0, or -1 with err. */
static int repeated_id(const proto_change *ch, size_t n, proto_err *err)
{
    if (n < 2)
        return 0;
    id_at *v = malloc(n * sizeof *v);
    if (!v)
        return model_err_set(err, PROTO_E_NOMEM, "Out of memory.");
    for (size_t i = 0; i < n; i++)
        v[i] = (id_at){ch[i].change_id, (int)i};
    qsort(v, n, sizeof *v, by_id);
    /* In a run of equal ids the first is the first sent and the second the
     * first to repeat it; the repeat sent first of all runs is named. */
    int later = -1, first = -1;
    for (size_t i = 1; i < n; i++)
        if (!strcmp(v[i].id, v[i - 1].id) && (i < 2 || strcmp(v[i - 1].id, v[i - 2].id)) &&
            (later < 0 || v[i].at < later)) {
            later = v[i].at;
            first = v[i - 1].at;
        }
    free(v);
    if (later < 0)
        return 0;
    return model_err_set(err, PROTO_E_VALUE, "changes[%d] repeats the change_id of changes[%d].",
                         later, first);
}

/* Adds the memory of change i's record to *used: 0 while the push's records
 * fit PROTO_PUSH_RECORDS_MAX, else -1 with err (which may be NULL). Counted
 * as each is read, so that a push over it costs at most that and one
 * record more before it is refused. */
static int records_fit(const proto_change *ch, int i, size_t *used, proto_err *err)
{
    *used += model_record_size(ch[i].rec->entity);
    if (*used <= (size_t)PROTO_PUSH_RECORDS_MAX)
        return 0;
    return model_err_set(err, PROTO_E_TOO_LARGE,
                         "The push's changes up to changes[%d] take more than %d MiB once read; "
                         "send fewer at once.",
                         i, PROTO_PUSH_RECORDS_MAX / (1024 * 1024));
}

/* The push through jansson's tree: what every push can be read with, and
 * what says why one cannot. */
int proto_push_tree(const char *body, size_t len, proto_push *out, proto_err *err)
{
    static const char *const f[] = {"schema", "changes", NULL};
    int schema;
    memset(out, 0, sizeof *out);
    json_t *j = proto_rd_body(body, len, &schema, err);
    if (!j)
        return -1;
    int rc = -1;
    proto_change *ch = NULL;
    size_t n = 0;
    json_t *arr;
    if (model_rd_only(j, f, "The push", err) ||
        !(arr = model_rd_need(j, "changes", "The push", err)))
        goto done;
    if (!json_is_array(arr)) {
        model_err_set(err, PROTO_E_TYPE, "The push: \"changes\" must be an array.");
        goto done;
    }
    n = json_array_size(arr);
    if (n > PROTO_PUSH_MAX) {
        model_err_set(err, PROTO_E_TOO_LARGE, "The push has %zu changes; at most %d are accepted.",
                      n, PROTO_PUSH_MAX);
        goto done;
    }
    ch = calloc(n ? n : 1, sizeof *ch);
    if (!ch) {
        model_err_set(err, PROTO_E_NOMEM, "Out of memory.");
        goto done;
    }
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        if (elem_tree(json_array_get(arr, i), (int)i, schema, "changes", change_head, &ch[i],
                      err) != 0 ||
            records_fit(ch, (int)i, &used, err) != 0)
            goto done;
    if (repeated_id(ch, n, err) != 0)
        goto done;
    out->schema = schema;
    out->n = (int)n;
    out->changes = ch;
    ch = NULL;
    rc = 0;
done:
    proto_changes_clear(ch, (int)n);
    free(ch);
    json_decref(j);
    return rc;
}

/* The push through the scanner, as a pull page is read: a push of plain
 * JSON, as a tablet writes it, read without building a tree; -1 for
 * anything else, which proto_push_tree then reads or refuses with the
 * reason. */
int proto_push_scan(const char *body, size_t len, proto_push *out)
{
    static const char *const f[] = {"schema", "changes", NULL};
    memset(out, 0, sizeof *out);
    scanned m;
    proto_change *ch = NULL;
    int rc = -1;
    if (scan_message(&m, body, len, "changes", PROTO_PUSH_MAX) != 0 ||
        model_ob_only(&m.j, f, "", NULL) != 0 || !(ch = calloc(m.n ? (size_t)m.n : 1, sizeof *ch)))
        goto done;
    size_t used = 0;
    for (int i = 0; i < m.n; i++)
        if (elem_scan(&m.el[i], i, m.schema, change_head, &ch[i], &m.b, &m.left) != 0 ||
            records_fit(ch, i, &used, NULL) != 0)
            goto done;
    if (repeated_id(ch, (size_t)m.n, NULL) != 0)
        goto done;
    *out = (proto_push){m.schema, m.n, ch};
    ch = NULL;
    rc = 0;
done:
    proto_changes_clear(ch, m.n);
    free(ch);
    scanned_free(&m);
    return rc;
}

int proto_push_decode(const char *body, size_t len, proto_push *out, proto_err *err)
{
    return proto_push_scan(body, len, out) == 0 ? 0 : proto_push_tree(body, len, out, err);
}

/*
 * The answer is written here, not built as objects and dumped: it holds a
 * result for every change of a push, 4,000 when the push is full, and
 * the server writes it before the tablet can send its next push, so that
 * building and dumping a thousand small objects stood between one push and
 * the next. The bytes are what a compact dump of those objects writes, in
 * the same order of keys (test_scan holds the two to each other). Each
 * change id is one the push's decoder checked; each message is made clean
 * text first, as before.
 */
char *proto_push_reply_encode(const proto_push_reply *r)
{
    /* The rejections' messages, cleaned, in the order of their results. */
    char(*msg)[PROTO_MESSAGE_MAX] = NULL;
    int n_rej = 0;
    for (int i = 0; i < r->n; i++)
        n_rej += r->results[i].status == PROTO_ST_REJECTED;
    if (n_rej && !(msg = malloc((size_t)n_rej * sizeof *msg)))
        return NULL;
    size_t len = 64;
    for (int i = 0, m = 0; i < r->n; i++) {
        const proto_result *x = &r->results[i];
        len += model_json_string(NULL, 0, x->change_id) + 64;
        if (x->status == PROTO_ST_REJECTED) {
            snprintf(msg[m], sizeof msg[m], "%s", x->message);
            model_clean_text(msg[m]);
            len += model_json_string(NULL, 0, msg[m++]) + strlen(proto_code_name(x->code)) + 48;
        }
    }
    char *s = malloc(len);
    if (!s) {
        free(msg);
        return NULL;
    }
    size_t k = (size_t)snprintf(s, len, "{\"schema\":%d,\"results\":[",
                                r->schema ? r->schema : PROTO_SCHEMA);
    for (int i = 0, m = 0; i < r->n; i++) {
        const proto_result *x = &r->results[i];
        char ver[16];
        snprintf(ver, sizeof ver, "%d", x->version);
        k += put(s + k, i ? ",{\"change_id\":" : "{\"change_id\":");
        k += model_json_string(s + k, len - k, x->change_id);
        k += put(s + k, ",\"status\":\"");
        k += put(s + k, proto_status_name(x->status));
        k += put(s + k, "\",\"version\":");
        k += put(s + k, ver);
        if (x->status == PROTO_ST_REJECTED) {
            k += put(s + k, ",\"error\":{\"code\":\"");
            k += put(s + k, proto_code_name(x->code));
            k += put(s + k, "\",\"message\":");
            k += model_json_string(s + k, len - k, msg[m++]);
            k += put(s + k, "}");
        }
        k += put(s + k, "}");
    }
    snprintf(s + k, len - k, "]}");
    free(msg);
    return s;
}

void proto_push_reply_clear(proto_push_reply *r)
{
    if (!r)
        return;
    free(r->results);
    memset(r, 0, sizeof *r);
}

/* A result from either source: o its members, and e its "error" member as
 * an object (NULL when it has none; has set, e NULL when it is there but
 * not an object). */
static int rd_result(const model_obj *o, const model_obj *e, int has, int i, proto_result *x,
                     proto_err *err)
{
    static const char *const f[] = {"change_id", "status", "version", "error", NULL};
    static const char *const ef[] = {"code", "message", NULL};
    char w[40];
    int st;
    where_at(w, "results", i);
    if (model_ob_only(o, f, w, err) || model_ob_id(o, "change_id", x->change_id, 0, w, err) ||
        model_ob_word(o, "status", status_names, 4, &st, w, err) ||
        model_ob_int(o, "version", &x->version, 0, 1000000000, w, err))
        return -1;
    x->status = (proto_status)st;
    x->code = PROTO_OK;
    if (x->status == PROTO_ST_REJECTED) {
        char code[40];
        if (!has)
            return model_err_set(err, PROTO_E_MISSING_FIELD, "%s: a rejection lacks \"error\".", w);
        if (!e)
            return model_err_set(err, PROTO_E_TYPE, "%s: \"error\" must be an object.", w);
        if (model_ob_only(e, ef, w, err) ||
            model_ob_text(e, "code", code, sizeof code, 0, 0, w, err) ||
            model_ob_text(e, "message", x->message, sizeof x->message, 1, 1, w, err))
            return -1;
        x->code = proto_code_parse(code);
    } else if (has) {
        return model_err_set(err, PROTO_E_UNKNOWN_FIELD, "%s: only a rejection has \"error\".", w);
    }
    return 0;
}

/* The reply through jansson's tree: what every reply can be read with, and
 * what says why one cannot. */
int proto_push_reply_tree(const char *body, size_t len, proto_push_reply *out, proto_err *err)
{
    static const char *const f[] = {"schema", "results", NULL};
    int schema;
    memset(out, 0, sizeof *out);
    json_t *j = proto_rd_body(body, len, &schema, err);
    if (!j)
        return -1;
    int rc = -1;
    proto_result *res = NULL;
    json_t *arr;
    if (model_rd_only(j, f, "The push reply", err) ||
        !(arr = model_rd_need(j, "results", "The push reply", err)))
        goto done;
    if (!json_is_array(arr) || json_array_size(arr) > PROTO_PUSH_MAX) {
        model_err_set(err, PROTO_E_TYPE,
                      "The push reply: \"results\" must be an array of at most %d.",
                      PROTO_PUSH_MAX);
        goto done;
    }
    size_t n = json_array_size(arr);
    res = calloc(n ? n : 1, sizeof *res);
    if (!res) {
        model_err_set(err, PROTO_E_NOMEM, "Out of memory.");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i), *e = json_object_get(o, "error");
        model_obj ob = {o, NULL, 0}, eb = {e, NULL, 0};
        if (!json_is_object(o)) {
            model_err_set(err, PROTO_E_TYPE, "results[%zu] must be an object.", i);
            goto done;
        }
        if (rd_result(&ob, json_is_object(e) ? &eb : NULL, e != NULL, (int)i, &res[i], err) != 0)
            goto done;
    }
    out->schema = schema;
    out->n = (int)n;
    out->results = res;
    res = NULL;
    rc = 0;
done:
    free(res);
    json_decref(j);
    return rc;
}

/* The reply through the scanner, as a pull page is read: a reply of plain
 * JSON, as the server writes it; -1 for anything else, which
 * proto_push_reply_tree then reads or refuses with the reason. */
int proto_push_reply_scan(const char *body, size_t len, proto_push_reply *out)
{
    static const char *const f[] = {"schema", "results", NULL};
    memset(out, 0, sizeof *out);
    scanned m;
    proto_result *res = NULL;
    int rc = -1;
    if (scan_message(&m, body, len, "results", PROTO_PUSH_MAX) != 0 ||
        model_ob_only(&m.j, f, "", NULL) != 0 ||
        !(res = calloc(m.n ? (size_t)m.n : 1, sizeof *res)))
        goto done;
    for (int i = 0; i < m.n; i++) {
        model_member mm[4], em[2];
        model_obj o = {NULL, mm, model_scan_object(m.el[i].s, m.el[i].n, mm, 4, &m.b, &m.left)};
        model_obj e = {NULL, em, 0};
        model_val ev;
        if (o.n < 0)
            goto done;
        model_ob_get(&o, "error", &ev);
        if (ev.type != MODEL_V_ABSENT &&
            (ev.type != MODEL_V_OTHER ||
             (e.n = model_scan_object(ev.s, ev.n, em, 2, &m.b, &m.left)) < 0))
            goto done;
        if (rd_result(&o, ev.type == MODEL_V_ABSENT ? NULL : &e, ev.type != MODEL_V_ABSENT, i,
                      &res[i], NULL) != 0)
            goto done;
    }
    *out = (proto_push_reply){m.schema, m.n, res};
    res = NULL;
    rc = 0;
done:
    free(res);
    scanned_free(&m);
    return rc;
}

int proto_push_reply_decode(const char *body, size_t len, proto_push_reply *out, proto_err *err)
{
    return proto_push_reply_scan(body, len, out) == 0 ? 0
                                                      : proto_push_reply_tree(body, len, out, err);
}

/* ---- pull ---- */

char *proto_pull_encode(const proto_pull *p)
{
    return dump(json_pack("{s:i,s:I,s:i,s:s}", "schema", p->schema ? p->schema : PROTO_SCHEMA,
                          "cursor", (json_int_t)p->cursor, "limit", p->limit, "person_id",
                          p->person_id));
}

int proto_pull_decode(const char *body, size_t len, proto_pull *out, proto_err *err)
{
    static const char *const f[] = {"schema", "cursor", "limit", "person_id", NULL};
    proto_pull p;
    memset(&p, 0, sizeof p);
    json_t *j = proto_rd_body(body, len, &p.schema, err);
    if (!j)
        return -1;
    const char *w = "The pull";
    int rc = model_rd_only(j, f, w, err) ||
                     model_rd_i64(j, "cursor", &p.cursor, 0, INT64_MAX, w, err) ||
                     model_rd_int(j, "limit", &p.limit, 1, PROTO_PULL_MAX, w, err) ||
                     model_rd_id(j, "person_id", p.person_id, 1, w, err)
                 ? -1
                 : 0;
    json_decref(j);
    if (rc == 0)
        *out = p;
    return rc;
}

json_t *proto_pull_reply_begin(int schema, int64_t cursor, int more)
{
    return json_pack("{s:i,s:I,s:b,s:[]}", "schema", schema ? schema : PROTO_SCHEMA, "cursor",
                     (json_int_t)cursor, "more", more, "items");
}

int proto_pull_reply_add(json_t *reply, model_entity e, int64_t seq, int version, json_t *rec)
{
    json_t *item = json_pack("{s:s,s:I,s:i,s:O}", "entity", model_entity_name(e), "seq",
                             (json_int_t)seq, "version", version, "data", rec);
    if (!item)
        return -1;
    return json_array_append_new(json_object_get(reply, "items"), item) == 0 ? 0 : -1;
}

void proto_pull_reply_clear(proto_pull_reply *r)
{
    if (!r)
        return;
    for (int i = 0; r->items && i < r->n; i++)
        free(r->items[i].rec);
    free(r->items);
    memset(r, 0, sizeof *r);
}

/* A pull reply's item (an elem_head). */
static model_record *item_head(const model_obj *o, int i, void *to, char w[40], proto_err *err)
{
    static const char *const f[] = {"entity", "seq", "version", "data", NULL};
    proto_item *it = to;
    char name[24];
    model_val data;
    model_entity e;
    where_at(w, "items", i);
    if (model_ob_only(o, f, w, err) ||
        model_ob_text(o, "entity", name, sizeof name, 0, 0, w, err) ||
        model_ob_i64(o, "seq", &it->seq, 1, INT64_MAX, w, err) ||
        model_ob_int(o, "version", &it->version, 1, 1000000000, w, err))
        return NULL;
    if (model_entity_parse(name, &e) != 0) {
        model_err_set(err, PROTO_E_VALUE, "%s: unknown entity \"%s\".", w, name);
        return NULL;
    }
    model_ob_get(o, "data", &data);
    if (data.type == MODEL_V_ABSENT) {
        model_err_set(err, PROTO_E_MISSING_FIELD, "%s lacks the field \"data\".", w);
        return NULL;
    }
    if (!(it->rec = model_record_new(e)))
        model_err_set(err, PROTO_E_NOMEM, "Out of memory.");
    return it->rec;
}

/* The reply's own members, from either source, with n items in a list
 * (is_list). */
static int rd_pull_head(const model_obj *j, int is_list, size_t n, proto_pull_reply *r,
                        proto_err *err)
{
    static const char *const f[] = {"schema", "cursor", "more", "items", NULL};
    const char *w = "The pull reply";
    model_val items;
    if (model_ob_only(j, f, w, err) ||
        model_ob_i64(j, "cursor", &r->cursor, 0, INT64_MAX, w, err) ||
        model_ob_bool(j, "more", &r->more, w, err))
        return -1;
    model_ob_get(j, "items", &items);
    if (items.type == MODEL_V_ABSENT)
        return model_err_set(err, PROTO_E_MISSING_FIELD, "%s lacks the field \"items\".", w);
    if (!is_list || n > PROTO_PULL_MAX)
        return model_err_set(err, PROTO_E_TYPE, "%s: \"items\" must be an array of at most %d.", w,
                             PROTO_PULL_MAX);
    r->n = (int)n;
    r->items = calloc(n ? n : 1, sizeof *r->items);
    if (!r->items)
        return model_err_set(err, PROTO_E_NOMEM, "Out of memory.");
    return 0;
}

/* The reply through jansson's tree: what every reply can be read with, and
 * what says why one cannot. */
int proto_pull_reply_tree(const char *body, size_t len, proto_pull_reply *r, proto_err *err)
{
    memset(r, 0, sizeof *r);
    json_t *j = proto_rd_body(body, len, &r->schema, err);
    if (!j)
        return -1;
    model_obj ob = {j, NULL, 0};
    json_t *arr = json_object_get(j, "items");
    int rc = rd_pull_head(&ob, json_is_array(arr), json_array_size(arr), r, err);
    for (int i = 0; rc == 0 && i < r->n; i++)
        rc = elem_tree(json_array_get(arr, (size_t)i), i, r->schema, "items", item_head,
                       &r->items[i], err);
    json_decref(j);
    if (rc != 0)
        proto_pull_reply_clear(r);
    return rc;
}

/* The reply through the scanner (model_scan_object): a page of plain JSON,
 * as the server writes it, read without building a tree. -1 for anything
 * else, which proto_pull_reply_tree then reads or refuses with the reason. */
int proto_pull_reply_scan(const char *body, size_t len, proto_pull_reply *r)
{
    memset(r, 0, sizeof *r);
    scanned m;
    int rc = -1;
    if (scan_message(&m, body, len, "items", PROTO_PULL_MAX) != 0 ||
        rd_pull_head(&m.j, 1, (size_t)m.n, r, NULL) != 0)
        goto done;
    r->schema = m.schema;
    for (int i = 0; i < m.n; i++)
        if (elem_scan(&m.el[i], i, r->schema, item_head, &r->items[i], &m.b, &m.left) != 0)
            goto done;
    rc = 0;
done:
    scanned_free(&m);
    if (rc != 0)
        proto_pull_reply_clear(r);
    return rc;
}

int proto_pull_reply_decode(const char *body, size_t len, proto_pull_reply *out, proto_err *err)
{
    return proto_pull_reply_scan(body, len, out) == 0 ? 0
                                                      : proto_pull_reply_tree(body, len, out, err);
}

/* ---- enrolment ---- */

/* The name is sent only when the tablet has one: absent and given are the
 * two states, never an empty text on the wire. */
char *proto_enrol_encode(const proto_enrol *e)
{
    json_t *j = json_pack("{s:i,s:s}", "schema", e->schema ? e->schema : PROTO_SCHEMA, "code",
                          e->code);
    if (j && e->name[0] && json_object_set_new(j, "name", json_string(e->name)) != 0) {
        json_decref(j);
        return NULL;
    }
    return dump(j);
}

/* Characters, not bytes: a UTF-8 text already checked by the reader. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The tablet's name, under "name" or under "device_name" (the spelling of
 * app builds from before the name was optional, which always sent one), at
 * most one of them, absent for none. */
static int rd_enrol_name(json_t *j, proto_enrol *e, const char *w, proto_err *err)
{
    const char *key = json_object_get(j, "name") ? "name" : "device_name";
    if (json_object_get(j, "name") && json_object_get(j, "device_name"))
        return model_err_set(err, PROTO_E_VALUE, "%s: give the tablet's name once, as \"name\".",
                             w);
    if (!json_object_get(j, key))
        return 0;
    if (model_rd_text(j, key, e->name, sizeof e->name, 0, 0, w, err) != 0)
        return -1;
    if (utf8_chars(e->name) > PROTO_DEVICE_NAME_CHARS)
        return model_err_set(err, PROTO_E_VALUE, "%s: \"%s\" may have at most %d characters.", w,
                             key, PROTO_DEVICE_NAME_CHARS);
    return 0;
}

int proto_enrol_decode(const char *body, size_t len, proto_enrol *out, proto_err *err)
{
    static const char *const f[] = {"schema", "code", "name", "device_name", NULL};
    proto_enrol e;
    memset(&e, 0, sizeof e);
    json_t *j = proto_rd_body(body, len, &e.schema, err);
    if (!j)
        return -1;
    const char *w = "The enrolment";
    int rc = model_rd_only(j, f, w, err) ||
                     model_rd_text(j, "code", e.code, sizeof e.code, 0, 0, w, err) ||
                     rd_enrol_name(j, &e, w, err)
                 ? -1
                 : 0;
    json_decref(j);
    for (const char *p = e.code; rc == 0 && *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            rc = model_err_set(err, PROTO_E_VALUE,
                               "%s: \"code\" may hold only letters, digits and dashes.", w);
    if (rc == 0)
        *out = e;
    return rc;
}

char *proto_enrol_reply_encode(const proto_enrol_reply *r)
{
    return dump(json_pack("{s:i,s:s,s:s,s:s}", "schema", r->schema ? r->schema : PROTO_SCHEMA,
                          "device_id", r->device_id, "device_secret", r->device_secret, "unit_id",
                          r->unit_id));
}

int proto_enrol_reply_decode(const char *body, size_t len, proto_enrol_reply *out, proto_err *err)
{
    static const char *const f[] = {"schema", "device_id", "device_secret", "unit_id", NULL};
    proto_enrol_reply r;
    memset(&r, 0, sizeof r);
    json_t *j = proto_rd_body(body, len, &r.schema, err);
    if (!j)
        return -1;
    const char *w = "The enrolment reply";
    int rc = model_rd_only(j, f, w, err) || model_rd_id(j, "device_id", r.device_id, 0, w, err) ||
                     model_rd_text(j, "device_secret", r.device_secret, sizeof r.device_secret, 0,
                                   0, w, err) ||
                     model_rd_id(j, "unit_id", r.unit_id, 0, w, err)
                 ? -1
                 : 0;
    json_decref(j);
    if (rc == 0 && strlen(r.device_secret) != PROTO_SECRET_HEX)
        rc = model_err_set(err, PROTO_E_VALUE, "%s: \"device_secret\" must be %d hex digits.", w,
                           PROTO_SECRET_HEX);
    if (rc == 0)
        *out = r;
    return rc;
}

/* ---- ping ---- */

char *proto_ping_reply_encode(const char *nonce)
{
    return dump(json_pack("{s:s,s:i,s:i,s:s}", "service", PROTO_PING_SERVICE, "schema",
                          PROTO_SCHEMA, "oldest_schema", PROTO_SCHEMA_OLDEST, "nonce",
                          nonce ? nonce : ""));
}

int proto_ping_reply_check(const char *body, size_t len, const char *nonce, proto_err *err)
{
    json_error_t je;
    json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    json_t *svc = json_object_get(j, "service"), *n = json_object_get(j, "nonce");
    int ok = json_is_string(svc) && !strcmp(json_string_value(svc), PROTO_PING_SERVICE) &&
             json_is_string(n) && nonce && !strcmp(json_string_value(n), nonce);
    json_decref(j);
    return ok ? 0
              : model_err_set(
                    err, PROTO_E_NOT_FOUND,
                    "The answer did not come from a Blik server (a Wi-Fi sign-in page?).");
}

/* ---- errors ---- */

char *proto_error_encode(proto_code code, const char *message)
{
    /* Whatever the message holds, the error goes out: a NULL here would
     * leave the client without an answer. */
    char m[PROTO_MESSAGE_MAX];
    snprintf(m, sizeof m, "%s", message ? message : "");
    model_clean_text(m);
    return dump(json_pack("{s:i,s:i,s:{s:s,s:s}}", "schema", PROTO_SCHEMA, "oldest_schema",
                          PROTO_SCHEMA_OLDEST, "error", "code", proto_code_name(code), "message",
                          m));
}

void proto_error_decode(const char *body, size_t len, proto_err *out)
{
    json_error_t je;
    json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    json_t *e = json_object_get(j, "error");
    json_t *c = json_object_get(e, "code"), *m = json_object_get(e, "message");
    if (json_is_string(c) && json_is_string(m)) {
        out->code = proto_code_parse(json_string_value(c));
        snprintf(out->msg, sizeof out->msg, "%s", json_string_value(m));
    } else {
        out->code = PROTO_E_INTERNAL;
        snprintf(out->msg, sizeof out->msg, "The server's answer could not be read.");
    }
    json_decref(j);
}
