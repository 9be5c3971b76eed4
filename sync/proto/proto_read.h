#ifndef BLIK_PROTO_READ_H
#define BLIK_PROTO_READ_H
/* Private to the codec: reading a message. Members are read with the
 * model's strict reader (model_rd_*, model_json.h). */
#include "proto.h"

/* Parses a whole body: JSON, one object, within PROTO_INFLATED_MAX, with a
 * "schema" the given version accepts. Returns a new reference or NULL. */
json_t *proto_rd_body(const char *body, size_t len, int *schema, proto_err *err);

#endif
