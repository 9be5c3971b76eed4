#ifndef BLIK_PROTO_READ_H
#define BLIK_PROTO_READ_H
/* Private to the codec: strict readers of JSON members. Each returns 0, or -1
 * with a typed error naming `where` and the field. */
#include "proto.h"

int proto_rd_only(json_t *o, const char *const *allowed, const char *where, proto_err *err);
json_t *proto_rd_need(json_t *o, const char *k, const char *where, proto_err *err);
int proto_rd_text(json_t *o, const char *k, char *dst, size_t cap, int multiline,
                  int allow_empty, const char *where, proto_err *err);
int proto_rd_id(json_t *o, const char *k, char *dst, int allow_empty, const char *where,
                proto_err *err);
int proto_rd_int(json_t *o, const char *k, int *dst, int min, int max, const char *where,
                 proto_err *err);
int proto_rd_i64(json_t *o, const char *k, int64_t *dst, int64_t min, int64_t max,
                 const char *where, proto_err *err);
int proto_rd_bool(json_t *o, const char *k, int *dst, const char *where, proto_err *err);
int proto_rd_word(json_t *o, const char *k, const char *const *words, int n, int *dst,
                  const char *where, proto_err *err);
/* Parses a whole body: JSON, one object, within PROTO_INFLATED_MAX, with a
 * "schema" the given version accepts. Returns a new reference or NULL. */
json_t *proto_rd_body(const char *body, size_t len, int *schema, proto_err *err);

/* Latest time a record may carry: year 3000, in ms. */
#define PROTO_TIME_MAX INT64_C(32503680000000)

#endif
