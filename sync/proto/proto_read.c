/*
 * Reading a message: the wire's error codes, the schema check, and the body
 * of a message as one strict JSON object. The members of a message are read
 * with the model's strict reader (model_json.h), so that the messages and
 * the records they carry are refused in the same words.
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
    [PROTO_E_WIPED] = "device_wiped",
    [PROTO_E_OUT_OF_ORDER] = "out_of_order",
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
    [PROTO_E_WIPED] = 401,
    [PROTO_E_OUT_OF_ORDER] = 409,
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

int proto_schema_check(int v, int current, proto_err *err)
{
    /* This build's own version accepts back to PROTO_SCHEMA_OLDEST; the
     * rule for any other is the current and the previous one. */
    int oldest = current >= PROTO_SCHEMA ? PROTO_SCHEMA_OLDEST : current > 1 ? current - 1 : 1;
    if (v > current)
        return model_err_set(err, PROTO_E_SCHEMA_TOO_NEW,
                             "The message uses schema version %d, but this side only knows "
                             "versions %d to %d.",
                             v, oldest, current);
    if (v < oldest)
        return model_err_set(err, PROTO_E_UPDATE_REQUIRED,
                             "The app speaks schema version %d, which is no longer accepted "
                             "(versions %d to %d are): the app must be updated.",
                             v, oldest, current);
    return 0;
}

json_t *proto_rd_body(const char *body, size_t len, int *schema, proto_err *err)
{
    json_t *j = model_rd_parse(body, len, PROTO_INFLATED_MAX, "The message", err);
    if (!j)
        return NULL;
    int v;
    if (model_rd_int(j, "schema", &v, 0, 1000000, "The message", err) != 0 ||
        proto_schema_check(v, PROTO_SCHEMA, err) != 0) {
        json_decref(j);
        return NULL;
    }
    if (schema)
        *schema = v;
    return j;
}
