/*
 * The strict reader of JSON members, shared by every decoder: records,
 * templates, and the sync messages around them. A tablet, a server or an
 * admin's file can be old, buggy or hostile; each reader checks type, range
 * and text rules, and the error it leaves names the field, so that the
 * person reading a log or a refused change knows what to fix.
 */
#include "model_json.h"

#include "plat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int model_err_set(model_err *err, unsigned code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        model_clean_text(err->msg);
    }
    return -1;
}

/* ---- naming the field of a text the parser refused ---- */

#define JP_DEPTH 32
#define JP_KEY 48

typedef struct {
    int array;        /* a list (else an object) */
    long index;       /* in a list: the element's place */
    char key[JP_KEY]; /* in an object: the member's name */
    int want_key;     /* in an object: the next string is a name */
} jp_frame;

/* The path of the value the innermost frame is at, such as
 * "changes[0].data.text"; the last frame's own place is left out with
 * leave_last (for a field name, whose object is what can be named). */
static void jp_path(const jp_frame *f, int n, int leave_last, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = 0;
    for (int i = 0; i < n - (leave_last ? 1 : 0) && at < cap; i++) {
        int w = f[i].array ? snprintf(out + at, cap - at, "[%ld]", f[i].index)
                           : snprintf(out + at, cap - at, "%s%s", at ? "." : "", f[i].key);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

/*
 * Finds the first string of a text that holds invalid UTF-8 or the escape
 * \u0000 (which the parser refuses whole, without saying where) and writes
 * the path of the field it belongs to into path. Returns 1 for a value, 2
 * for a field name, 0 when no such string is found (the caller then names
 * the byte), and *nul says which of the two faults it was.
 */
static int jp_find(const char *t, size_t len, char *path, size_t cap, int *nul, size_t *at)
{
    jp_frame f[JP_DEPTH];
    int n = 0;
    for (size_t i = 0; i < len;) {
        char ch = t[i];
        if (ch == '{' || ch == '[') {
            if (n == JP_DEPTH)
                return 0;
            f[n] = (jp_frame){ch == '[', 0, "", ch == '{'};
            n++;
            i++;
        } else if (ch == '}' || ch == ']') {
            if (n > 0)
                n--;
            i++;
        } else if (ch == ',') {
            if (n > 0 && f[n - 1].array)
                f[n - 1].index++;
            else if (n > 0)
                f[n - 1].want_key = 1;
            i++;
        } else if (ch == '"') {
            int is_key = n > 0 && !f[n - 1].array && f[n - 1].want_key;
            size_t start = ++i;
            int bad = 0;
            while (i < len && t[i] != '"' && !bad) {
                if (t[i] == '\\') {
                    if (i + 5 < len && t[i + 1] == 'u' && !strncmp(t + i + 2, "0000", 4))
                        bad = 2;
                    else
                        i += 2;
                } else {
                    int k = plat_utf8_next(t + i, len - i, NULL);
                    if (k < 0)
                        bad = 1;
                    else
                        i += (size_t)k;
                }
            }
            if (bad) {
                jp_path(f, n, is_key, path, cap);
                *nul = bad == 2;
                *at = i;
                return is_key ? 2 : 1;
            }
            /* An escape at the very end steps past the text: the key ends
             * where the text does. */
            if (i > len)
                i = len;
            if (is_key) {
                size_t k = i - start < JP_KEY - 1 ? i - start : JP_KEY - 1;
                memcpy(f[n - 1].key, t + start, k);
                f[n - 1].key[k] = 0;
                f[n - 1].want_key = 0;
            }
            i++;
        } else {
            i++;
        }
    }
    return 0;
}

/* The parser's refusal of invalid UTF-8 or of a NUL, told as the other
 * refusals are: by the field, in words rather than the parser's own. */
static void jp_refuse(const char *text, size_t len, int nul_error, size_t pos, const char *what,
                      model_err *err)
{
    char path[200];
    int nul = nul_error;
    size_t at = pos;
    int found = jp_find(text, len, path, sizeof path, &nul, &at);
    const char *fault = nul ? "holds a NUL character (\\u0000), which no text may hold"
                            : "is not valid UTF-8";
    unsigned code = nul ? MODEL_E_VALUE : MODEL_E_UTF8;
    if (found == 1 && path[0])
        model_err_set(err, code, "%s: \"%s\" %s (byte %zu).", what, path, fault, at);
    else if (found == 2 && path[0])
        model_err_set(err, code, "%s: a field name in \"%s\" %s (byte %zu).", what, path, fault,
                      at);
    else if (found)
        model_err_set(err, code, "%s: a field name %s (byte %zu).", what, fault, at);
    else
        model_err_set(err, code, "%s %s at byte %zu.", what,
                      nul ? "holds a NUL character (\\u0000)" : "is not valid UTF-8", pos);
}

json_t *model_rd_parse(const char *text, size_t len, size_t max, const char *what, model_err *err)
{
    if (len > max) {
        model_err_set(err, MODEL_E_TOO_LARGE, "%s is too large: %zu bytes, at most %zu.", what, len,
                      max);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        enum json_error_code c = json_error_code(&je);
        if (c == json_error_invalid_utf8 || c == json_error_null_character)
            jp_refuse(text ? text : "", len, c == json_error_null_character, (size_t)je.position,
                      what, err);
        else if (c == json_error_out_of_memory)
            model_err_set(err, MODEL_E_NOMEM, "Out of memory while reading %s.", what);
        else
            model_err_set(err, MODEL_E_JSON, "%s is not valid JSON: %s (line %d, column %d).", what,
                          je.text, je.line, je.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        model_err_set(err, MODEL_E_TYPE, "%s must be a JSON object.", what);
        return NULL;
    }
    return j;
}

/* ---- the readers of one member, on either source ---- */

static void val_of(json_t *v, model_val *out)
{
    memset(out, 0, sizeof *out);
    if (!v)
        out->type = MODEL_V_ABSENT;
    else if (json_is_string(v))
        *out = (model_val){MODEL_V_STRING, json_string_value(v), json_string_length(v), 0};
    else if (json_is_integer(v))
        *out = (model_val){MODEL_V_INT, NULL, 0, (int64_t)json_integer_value(v)};
    else if (json_is_true(v))
        out->type = MODEL_V_TRUE;
    else if (json_is_false(v))
        out->type = MODEL_V_FALSE;
    else
        out->type = MODEL_V_OTHER;
}

void model_ob_get(const model_obj *o, const char *k, model_val *v)
{
    if (o->j) {
        val_of(json_object_get(o->j, k), v);
        return;
    }
    for (int i = 0; i < o->n; i++)
        if (model_name_is(o->m[i].key, k)) {
            *v = o->m[i].v;
            return;
        }
    memset(v, 0, sizeof *v);
}

static int known(const char *k, const char *const *allowed)
{
    for (const char *const *a = allowed; *a; a++)
        if (model_name_is(k, *a))
            return 1;
    return 0;
}

int model_ob_only(const model_obj *o, const char *const *allowed, const char *where, model_err *err)
{
    const char *k;
    json_t *v;
    if (o->j) {
        json_object_foreach (o->j, k, v)
            if (!known(k, allowed))
                return model_err_set(err, MODEL_E_UNKNOWN_FIELD,
                                     "%s has an unknown field \"%.40s\".", where, k);
        return 0;
    }
    for (int i = 0; i < o->n; i++)
        if (!known(o->m[i].key, allowed))
            return model_err_set(err, MODEL_E_UNKNOWN_FIELD, "%s has an unknown field \"%.40s\".",
                                 where, o->m[i].key);
    return 0;
}

/* The member k, which must be there. */
static int ob_need(const model_obj *o, const char *k, model_val *v, const char *where,
                   model_err *err)
{
    model_ob_get(o, k, v);
    if (v->type == MODEL_V_ABSENT)
        return model_err_set(err, MODEL_E_MISSING_FIELD, "%s lacks the field \"%s\".", where, k);
    return 0;
}

/* The member k, which must be there and be a string. The text, id and word
 * readers start from it. */
static int ob_string(const model_obj *o, const char *k, model_val *v, const char *where,
                     model_err *err)
{
    if (ob_need(o, k, v, where, err) != 0)
        return -1;
    if (v->type != MODEL_V_STRING)
        return model_err_set(err, MODEL_E_TYPE, "%s: \"%s\" must be a string.", where, k);
    return 0;
}

int model_ob_text(const model_obj *o, const char *k, char *dst, size_t cap, int multiline,
                  int allow_empty, const char *where, model_err *err)
{
    model_val v;
    if (ob_string(o, k, &v, where, err) != 0)
        return -1;
    const char *s = v.s;
    size_t n = v.n;
    if (n >= cap)
        return model_err_set(err, MODEL_E_VALUE, "%s: \"%s\" is too long (%zu bytes; at most %zu).",
                             where, k, n, cap - 1);
    if (strlen(s) != n)
        return model_err_set(err, MODEL_E_VALUE, "%s: \"%s\" contains a NUL character.", where, k);
    char msg[160];
    if (model_text_check(s, cap - 1, multiline, k, msg, sizeof msg) != 0)
        return model_err_set(err, MODEL_E_VALUE, "%s: %s", where, msg);
    if (!allow_empty) {
        int blank = 1;
        for (const char *p = s; *p && blank; p++)
            blank = (*p == ' ' || *p == '\t' || *p == '\n');
        if (blank)
            return model_err_set(err, MODEL_E_VALUE, "%s: \"%s\" must not be empty.", where, k);
    }
    memcpy(dst, s, n + 1);
    return 0;
}

int model_ob_id(const model_obj *o, const char *k, char *dst, int allow_empty, const char *where,
                model_err *err)
{
    model_val v;
    if (ob_string(o, k, &v, where, err) != 0)
        return -1;
    const char *s = v.s;
    if (allow_empty && !*s) {
        dst[0] = 0;
        return 0;
    }
    char msg[160];
    if (v.n != MODEL_UUID_LEN || model_id_check(s, k, msg, sizeof msg) != 0)
        return model_err_set(err, MODEL_E_VALUE,
                             "%s: \"%s\" must be a lower-case UUID (8-4-4-4-12 hex digits).", where,
                             k);
    memcpy(dst, s, MODEL_UUID_LEN + 1);
    return 0;
}

int model_ob_i64(const model_obj *o, const char *k, int64_t *dst, int64_t min, int64_t max,
                 const char *where, model_err *err)
{
    model_val v;
    if (ob_need(o, k, &v, where, err) != 0)
        return -1;
    if (v.type != MODEL_V_INT)
        return model_err_set(err, MODEL_E_TYPE, "%s: \"%s\" must be a whole number.", where, k);
    if (v.i < min || v.i > max)
        return model_err_set(err, MODEL_E_VALUE, "%s: \"%s\" must be %lld to %lld, not %lld.",
                             where, k, (long long)min, (long long)max, (long long)v.i);
    *dst = v.i;
    return 0;
}

int model_ob_int(const model_obj *o, const char *k, int *dst, int min, int max, const char *where,
                 model_err *err)
{
    int64_t x = 0; /* set on success; the initial value only quiets -O3 */
    if (model_ob_i64(o, k, &x, min, max, where, err) != 0)
        return -1;
    *dst = (int)x;
    return 0;
}

int model_ob_bool(const model_obj *o, const char *k, int *dst, const char *where, model_err *err)
{
    model_val v;
    if (ob_need(o, k, &v, where, err) != 0)
        return -1;
    if (v.type != MODEL_V_TRUE && v.type != MODEL_V_FALSE)
        return model_err_set(err, MODEL_E_TYPE, "%s: \"%s\" must be true or false.", where, k);
    *dst = v.type == MODEL_V_TRUE;
    return 0;
}

int model_ob_word(const model_obj *o, const char *k, const char *const *words, int n, int *dst,
                  const char *where, model_err *err)
{
    model_val v;
    if (ob_string(o, k, &v, where, err) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (!strcmp(v.s, words[i])) {
            *dst = i;
            return 0;
        }
    char list[200] = "";
    for (int i = 0; i < n; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", words[i]);
    }
    return model_err_set(err, MODEL_E_VALUE, "%s: \"%s\" must be one of: %s.", where, k, list);
}

/* ---- the same on jansson's tree ---- */

int model_rd_only(json_t *o, const char *const *allowed, const char *where, model_err *err)
{
    model_obj ob = {o, NULL, 0};
    return model_ob_only(&ob, allowed, where, err);
}

json_t *model_rd_need(json_t *o, const char *k, const char *where, model_err *err)
{
    json_t *v = json_object_get(o, k);
    if (!v)
        model_err_set(err, MODEL_E_MISSING_FIELD, "%s lacks the field \"%s\".", where, k);
    return v;
}

int model_rd_text(json_t *o, const char *k, char *dst, size_t cap, int multiline, int allow_empty,
                  const char *where, model_err *err)
{
    model_obj ob = {o, NULL, 0};
    return model_ob_text(&ob, k, dst, cap, multiline, allow_empty, where, err);
}

int model_rd_id(json_t *o, const char *k, char *dst, int allow_empty, const char *where,
                model_err *err)
{
    model_obj ob = {o, NULL, 0};
    return model_ob_id(&ob, k, dst, allow_empty, where, err);
}

int model_rd_i64(json_t *o, const char *k, int64_t *dst, int64_t min, int64_t max,
                 const char *where, model_err *err)
{
    model_obj ob = {o, NULL, 0};
    return model_ob_i64(&ob, k, dst, min, max, where, err);
}

int model_rd_int(json_t *o, const char *k, int *dst, int min, int max, const char *where,
                 model_err *err)
{
    model_obj ob = {o, NULL, 0};
    return model_ob_int(&ob, k, dst, min, max, where, err);
}

int model_rd_bool(json_t *o, const char *k, int *dst, const char *where, model_err *err)
{
    model_obj ob = {o, NULL, 0};
    return model_ob_bool(&ob, k, dst, where, err);
}

int model_rd_word(json_t *o, const char *k, const char *const *words, int n, int *dst,
                  const char *where, model_err *err)
{
    model_obj ob = {o, NULL, 0};
    return model_ob_word(&ob, k, words, n, dst, where, err);
}

int model_rd_array(json_t *o, const char *k, size_t max, int optional, json_t **out,
                   const char *where, model_err *err)
{
    json_t *v = json_object_get(o, k);
    *out = NULL;
    if (!v && optional)
        return 0;
    if (!v)
        return model_err_set(err, MODEL_E_MISSING_FIELD, "%s lacks the field \"%s\".", where, k);
    if (!json_is_array(v))
        return model_err_set(err, MODEL_E_TYPE, "%s: \"%s\" must be a list.", where, k);
    if (json_array_size(v) > max)
        return model_err_set(err, MODEL_E_TOO_LARGE, "%s: \"%s\" has more than %zu entries.", where,
                             k, max);
    *out = v;
    return 0;
}
