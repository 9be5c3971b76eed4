#ifndef BLIK_PROTO_READ_H
#define BLIK_PROTO_READ_H
/* Private to the codec: reading a message. Members are read with the
 * model's strict reader (model_rd_*, model_json.h). */
#include "proto.h"

/* Parses a whole body: JSON, one object, within PROTO_INFLATED_MAX, with a
 * "schema" the given version accepts. Returns a new reference or NULL. */
json_t *proto_rd_body(const char *body, size_t len, int *schema, proto_err *err);

/* A pull reply read the two ways proto_pull_reply_decode tries in turn:
 * through the scanner (a page of plain JSON, as the server writes it; -1
 * without a reason for anything else), then through jansson's tree, which
 * reads any reply or says why not. Here for the test that holds the first
 * to the second. */
int proto_pull_reply_scan(const char *body, size_t len, proto_pull_reply *out);
int proto_pull_reply_tree(const char *body, size_t len, proto_pull_reply *out, proto_err *err);
/* A push read the same two ways (proto_push_decode). */
int proto_push_scan(const char *body, size_t len, proto_push *out);
int proto_push_tree(const char *body, size_t len, proto_push *out, proto_err *err);
/* A push reply read the same two ways (proto_push_reply_decode). */
int proto_push_reply_scan(const char *body, size_t len, proto_push_reply *out);
int proto_push_reply_tree(const char *body, size_t len, proto_push_reply *out, proto_err *err);

#endif
