/*
 * Texts the server builds to send: a growable buffer (a pull's reply, a
 * push's columns), PostgreSQL array literals, which carry a whole column
 * or list of ids as one parameter, rows in COPY's text format, and the
 * JSON texts and numbers of rows read by jsonb_to_recordset. One encoder
 * serves every statement that takes an array, and one every COPY, so that
 * quoting is right in one place.
 */
#include "srv_int.h"

#include "model_json.h"

#include <stdlib.h>
#include <string.h>

/* Makes room for len more bytes and the ending NUL, doubling. */
static int srv_buf_grow(srv_buf *b, size_t len)
{
    if (b->oom)
        return -1;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return -1;
        }
        b->s = s;
        b->cap = cap;
    }
    return 0;
}

int srv_buf_put(srv_buf *b, const char *p, size_t len)
{
    if (srv_buf_grow(b, len) != 0)
        return -1;
    memcpy(b->s + b->n, p, len);
    b->n += len;
    b->s[b->n] = 0;
    return 0;
}

/* Every element is quoted, so that an empty text, NULL or a comma in one
 * is read as the text it is; inside the quotes only '"' and '\' need a
 * backslash. */
int srv_buf_array_elem(srv_buf *b, const char *s)
{
    int first = b->n == 0 || b->s[b->n - 1] == '{';
    srv_buf_put(b, first ? "\"" : ",\"", first ? 1 : 2);
    /* strcspn finds the next byte to escape many bytes at a time: a push's
     * arrays hold thousands of ids with none. */
    for (size_t k; s[k = strcspn(s, "\"\\")]; s += k + 1) {
        srv_buf_put(b, s, k);
        srv_buf_put(b, "\\", 1);
        srv_buf_put(b, s + k, 1);
    }
    srv_buf_put(b, s, strlen(s));
    return srv_buf_put(b, "\"", 1);
}

int srv_buf_copy_field(srv_buf *b, const char *s, int last)
{
    /* As in srv_buf_array_elem, strcspn finds the next byte to escape: a
     * push's COPY rows are mostly ids and JSON with none. */
    for (size_t k; s[k = strcspn(s, "\\\t\n\r")]; s += k + 1) {
        char c = s[k];
        srv_buf_put(b, s, k);
        srv_buf_put(b, c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r", 2);
    }
    srv_buf_put(b, s, strlen(s));
    return srv_buf_put(b, last ? "\n" : "\t", 1);
}

int srv_buf_json_string(srv_buf *b, const char *s)
{
    /* Measured first, then written in place: one pass of the escaper
     * writes straight into the buffer, with no copy in between. */
    size_t len = model_json_string(NULL, 0, s);
    if (srv_buf_grow(b, len) != 0)
        return -1;
    model_json_string(b->s + b->n, len + 1, s);
    b->n += len;
    return 0;
}

int srv_buf_int(srv_buf *b, long long v)
{
    char t[20];
    return srv_buf_put(b, t, model_json_int(t, v));
}

char *srv_array_of(const void *base, size_t stride, int n, int indirect)
{
    srv_buf b = {0};
    srv_buf_put(&b, "{", 1);
    for (int i = 0; i < n; i++) {
        const char *at = (const char *)base + (size_t)i * stride;
        srv_buf_array_elem(&b, indirect ? *(const char *const *)at : at);
    }
    if (srv_buf_put(&b, "}", 1) != 0) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
