/*
 * Strict readers of JSON members, shared by all decoders of the codec. A
 * tablet or a server can be old, buggy or hostile; each reader checks type,
 * range and text rules, and the error it leaves names the field so that the
 * person reading a log or a rejected change knows what to fix.
 */
#include "proto_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const code_names[PROTO_CODE_COUNT] = {
    [PROTO_OK] = "ok",
    [PROTO_E_JSON] = "bad_json",
    [PROTO_E_TYPE] = "bad_type",
    [PROTO_E_UNKNOWN_FIELD] = "unknown_field",
    [PROTO_E_MISSING_FIELD] = "missing_field",
    [PROTO_E_VALUE] = "bad_value",
    [PROTO_E_UTF8] = "bad_utf8",
    [PROTO_E_TOO_LARGE] = "too_large",
    [PROTO_E_ENCODING] = "bad_encoding",
    [PROTO_E_UPDATE_REQUIRED] = "update_required",
    [PROTO_E_SCHEMA_TOO_NEW] = "schema_too_new",
    [PROTO_E_UNAUTHORIZED] = "unauthorized",
    [PROTO_E_REVOKED] = "device_revoked",
    [PROTO_E_FORBIDDEN] = "forbidden",
    [PROTO_E_NOT_FOUND] = "not_found",
    [PROTO_E_METHOD] = "method_not_allowed",
    [PROTO_E_ENROL_CODE] = "enrol_code_invalid",
    [PROTO_E_CHANGE_REUSED] = "change_id_reused",
    [PROTO_E_UNAVAILABLE] = "unavailable",
    [PROTO_E_INTERNAL] = "internal",
    [PROTO_E_NOMEM] = "out_of_memory",
    [PROTO_E_RATE_LIMITED] = "rate_limited",
};

static const int code_http[PROTO_CODE_COUNT] = {
    [PROTO_OK] = 200,
    [PROTO_E_JSON] = 400,
    [PROTO_E_TYPE] = 400,
    [PROTO_E_UNKNOWN_FIELD] = 400,
    [PROTO_E_MISSING_FIELD] = 400,
    [PROTO_E_VALUE] = 400,
    [PROTO_E_UTF8] = 400,
    [PROTO_E_TOO_LARGE] = 413,
    [PROTO_E_ENCODING] = 415,
    [PROTO_E_UPDATE_REQUIRED] = 426,
    [PROTO_E_SCHEMA_TOO_NEW] = 400,
    [PROTO_E_UNAUTHORIZED] = 401,
    [PROTO_E_REVOKED] = 401,
    [PROTO_E_FORBIDDEN] = 403,
    [PROTO_E_NOT_FOUND] = 404,
    [PROTO_E_METHOD] = 405,
    [PROTO_E_ENROL_CODE] = 403,
    [PROTO_E_CHANGE_REUSED] = 409,
    [PROTO_E_UNAVAILABLE] = 503,
    [PROTO_E_INTERNAL] = 500,
    [PROTO_E_NOMEM] = 500,
    [PROTO_E_RATE_LIMITED] = 429,
};

const char *proto_code_name(proto_code c)
{
    return (int)c >= 0 && c < PROTO_CODE_COUNT ? code_names[c] : "internal";
}

int proto_code_http(proto_code c)
{
    return (int)c >= 0 && c < PROTO_CODE_COUNT ? code_http[c] : 500;
}

proto_code proto_code_parse(const char *name)
{
    for (int i = 0; name && i < PROTO_CODE_COUNT; i++)
        if (!strcmp(code_names[i], name))
            return (proto_code)i;
    return PROTO_E_INTERNAL;
}

void proto_clean_text(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        int len = plat_utf8_next(s + i, n - i, NULL);
        if (len < 0 || (len == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
            p[i++] = '?';
            continue;
        }
        i += (size_t)len;
    }
}

/*
 * Messages quote what a client sent (a field, a fragment of broken JSON),
 * and are cut to fit: either can leave invalid UTF-8 or a control
 * character, which the error encoder could then not put into JSON. So
 * every message is made clean text here, where all of them are made.
 */
int proto_fail(proto_err *err, proto_code code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        proto_clean_text(err->msg);
    }
    return -1;
}

int proto_schema_check(int v, int current, proto_err *err)
{
    int oldest = current > 1 ? current - 1 : 1;
    if (v > current)
        return proto_fail(err, PROTO_E_SCHEMA_TOO_NEW,
                          "The message uses schema version %d, but this side only knows "
                          "versions %d to %d.",
                          v, oldest, current);
    if (v < oldest)
        return proto_fail(err, PROTO_E_UPDATE_REQUIRED,
                          "The app speaks schema version %d, which is no longer accepted "
                          "(versions %d to %d are): the app must be updated.",
                          v, oldest, current);
    return 0;
}

int proto_rd_only(json_t *o, const char *const *allowed, const char *where, proto_err *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = !strcmp(k, *a);
        if (!known)
            return proto_fail(err, PROTO_E_UNKNOWN_FIELD, "%s has an unknown field \"%.40s\".",
                              where, k);
    }
    return 0;
}

json_t *proto_rd_need(json_t *o, const char *k, const char *where, proto_err *err)
{
    json_t *v = json_object_get(o, k);
    if (!v)
        proto_fail(err, PROTO_E_MISSING_FIELD, "%s lacks the field \"%s\".", where, k);
    return v;
}

int proto_rd_text(json_t *o, const char *k, char *dst, size_t cap, int multiline,
                  int allow_empty, const char *where, proto_err *err)
{
    json_t *v = proto_rd_need(o, k, where, err);
    if (!v)
        return -1;
    if (!json_is_string(v))
        return proto_fail(err, PROTO_E_TYPE, "%s: \"%s\" must be a string.", where, k);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= cap)
        return proto_fail(err, PROTO_E_VALUE, "%s: \"%s\" is too long (%zu bytes; at most %zu).",
                          where, k, n, cap - 1);
    if (strlen(s) != n)
        return proto_fail(err, PROTO_E_VALUE, "%s: \"%s\" contains a NUL character.", where, k);
    char msg[160];
    if (model_text_check(s, cap - 1, multiline, k, msg, sizeof msg) != 0)
        return proto_fail(err, PROTO_E_VALUE, "%s: %s", where, msg);
    if (!allow_empty) {
        int blank = 1;
        for (const char *p = s; *p && blank; p++)
            blank = (*p == ' ' || *p == '\t' || *p == '\n');
        if (blank)
            return proto_fail(err, PROTO_E_VALUE, "%s: \"%s\" must not be empty.", where, k);
    }
    memcpy(dst, s, n + 1);
    return 0;
}

int proto_rd_id(json_t *o, const char *k, char *dst, int allow_empty, const char *where,
                proto_err *err)
{
    json_t *v = proto_rd_need(o, k, where, err);
    if (!v)
        return -1;
    if (!json_is_string(v))
        return proto_fail(err, PROTO_E_TYPE, "%s: \"%s\" must be a string.", where, k);
    const char *s = json_string_value(v);
    if (allow_empty && !*s) {
        dst[0] = 0;
        return 0;
    }
    char msg[160];
    if (json_string_length(v) != MODEL_UUID_LEN || model_id_check(s, k, msg, sizeof msg) != 0)
        return proto_fail(err, PROTO_E_VALUE,
                          "%s: \"%s\" must be a lower-case UUID (8-4-4-4-12 hex digits).", where,
                          k);
    memcpy(dst, s, MODEL_UUID_LEN + 1);
    return 0;
}

int proto_rd_i64(json_t *o, const char *k, int64_t *dst, int64_t min, int64_t max,
                 const char *where, proto_err *err)
{
    json_t *v = proto_rd_need(o, k, where, err);
    if (!v)
        return -1;
    if (!json_is_integer(v))
        return proto_fail(err, PROTO_E_TYPE, "%s: \"%s\" must be an integer.", where, k);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return proto_fail(err, PROTO_E_VALUE, "%s: \"%s\" is %lld, outside %lld..%lld.", where,
                          k, (long long)x, (long long)min, (long long)max);
    *dst = (int64_t)x;
    return 0;
}

int proto_rd_int(json_t *o, const char *k, int *dst, int min, int max, const char *where,
                 proto_err *err)
{
    int64_t x = 0; /* set on success; the initial value only quiets -O3 */
    if (proto_rd_i64(o, k, &x, min, max, where, err) != 0)
        return -1;
    *dst = (int)x;
    return 0;
}

int proto_rd_bool(json_t *o, const char *k, int *dst, const char *where, proto_err *err)
{
    json_t *v = proto_rd_need(o, k, where, err);
    if (!v)
        return -1;
    if (!json_is_boolean(v))
        return proto_fail(err, PROTO_E_TYPE, "%s: \"%s\" must be true or false.", where, k);
    *dst = json_is_true(v);
    return 0;
}

int proto_rd_word(json_t *o, const char *k, const char *const *words, int n, int *dst,
                  const char *where, proto_err *err)
{
    json_t *v = proto_rd_need(o, k, where, err);
    if (!v)
        return -1;
    if (!json_is_string(v))
        return proto_fail(err, PROTO_E_TYPE, "%s: \"%s\" must be a string.", where, k);
    for (int i = 0; i < n; i++)
        if (!strcmp(json_string_value(v), words[i])) {
            *dst = i;
            return 0;
        }
    char list[200] = "";
    for (int i = 0; i < n; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", words[i]);
    }
    return proto_fail(err, PROTO_E_VALUE, "%s: \"%s\" must be one of: %s.", where, k, list);
}

json_t *proto_rd_body(const char *body, size_t len, int *schema, proto_err *err)
{
    if (len > PROTO_INFLATED_MAX) {
        proto_fail(err, PROTO_E_TOO_LARGE, "The message is %zu bytes; at most %d are accepted.",
                   len, PROTO_INFLATED_MAX);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        enum json_error_code c = json_error_code(&je);
        if (c == json_error_invalid_utf8)
            proto_fail(err, PROTO_E_UTF8, "The message is not valid UTF-8 (at byte %d).",
                       je.position);
        else if (c == json_error_out_of_memory)
            proto_fail(err, PROTO_E_NOMEM, "Out of memory while reading the message.");
        else
            proto_fail(err, PROTO_E_JSON, "The message is not valid JSON: %s (line %d, column %d).",
                       je.text, je.line, je.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        proto_fail(err, PROTO_E_TYPE, "The message must be a JSON object.");
        return NULL;
    }
    int v;
    if (proto_rd_int(j, "schema", &v, 0, 1000000, "The message", err) != 0 ||
        proto_schema_check(v, PROTO_SCHEMA, err) != 0) {
        json_decref(j);
        return NULL;
    }
    if (schema)
        *schema = v;
    return j;
}
