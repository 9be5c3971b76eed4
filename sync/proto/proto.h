#ifndef BLIK_PROTO_H
#define BLIK_PROTO_H
/*
 * The sync wire protocol (sync/PROTOCOL.md), as one codec that both the
 * tablet and the server link, so that the two can never disagree about what
 * a message means.
 *
 * The records themselves are the model's (app/model/model_json.h: one
 * record codec and one strict reader for the store, the sync engine, the
 * server and the office); this layer adds the messages around them: push and
 * pull envelopes, enrolment, ping, errors on the wire, gzip and the schema.
 *
 * Every decoder is strict: it refuses malformed JSON, duplicate keys, wrong
 * types, unknown fields, invalid UTF-8, control characters, values out of
 * range and anything over the caps below, and it says which field was wrong
 * in a sentence (proto_err.msg) next to a typed code (proto_err.code) that
 * travels on the wire as a short string. A decoder fills its output only in
 * full; after a failure the output holds nothing the caller must free.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "model_json.h"

/* The schema version this build speaks, and the oldest one it accepts: the
 * server takes the current and the previous version. Version 2 added planned
 * observations (the records plan and plan_agreement) and an observation's
 * pair_code and plan_id. A tablet's readers are strict, so a version-1
 * tablet would refuse a whole pull page holding any of them: the server
 * answers each message in the version it was sent in, and sends a version-1
 * tablet only what version 1 has (proto_record_schema). Version 3 added an
 * observation about a team (its "team", with no observee): a tablet of
 * version 2 or 1 is sent no team observation and none of its parts, since
 * it cannot hold one, and may not send one. */
#define PROTO_SCHEMA 3
/* Tablets of version 1 are still in use, and version 3 only adds one
 * optional field that the server leaves out for older versions, so this
 * build accepts every version from 1 (more than the previous one, which is
 * the least sync.md promises). */
#define PROTO_SCHEMA_OLDEST 1

#define PROTO_BODY_MAX (1024 * 1024)         /* a request body on the wire */
#define PROTO_INFLATED_MAX (4 * 1024 * 1024) /* a request body after gunzip */
#define PROTO_PUSH_MAX 4000                  /* changes in one push */
/* What the records of a push may take in the server's memory once read:
 * what the records of 1,000 of the largest parts took when 1,000 was the
 * most a push held. The records of 4,000 taps take under 1 MiB. A push
 * over this is refused as too large, and the tablet splits it. */
#define PROTO_PUSH_RECORDS_MAX (12 * 1024 * 1024)
#define PROTO_PULL_MAX 2000 /* records in one pull reply */
/* A pull page ends early once its text passes this (with at least one
 * record), so that a page always fits what a tablet reads at once. */
#define PROTO_PULL_BYTES (2 * 1024 * 1024)
/* A tablet's name: 1 to 80 characters (not bytes), so a UTF-8 name such as
 * "Stue 3 – blå" takes at most four bytes a character. */
#define PROTO_DEVICE_NAME_CHARS 80
#define PROTO_DEVICE_NAME_MAX (PROTO_DEVICE_NAME_CHARS * 4)
#define PROTO_CODE_MAX 32   /* an enrolment code as typed, with dashes */
#define PROTO_SECRET_HEX 64 /* a device secret: 32 random bytes in hex */
#define PROTO_NONCE_MAX 64  /* a ping nonce */
#define PROTO_MESSAGE_MAX MODEL_ERR_MAX

/* Typed error codes. Each has a wire name (proto_code_name) and the HTTP
 * status the server answers with (proto_code_http). The codes a record or
 * a message can be refused with are the model reader's own (model_err_code);
 * the wire adds the rest after them. */
typedef enum {
    PROTO_OK = MODEL_E_OK,
    PROTO_E_JSON = MODEL_E_JSON,                   /* bad_json: not JSON, or a key given twice */
    PROTO_E_TYPE = MODEL_E_TYPE,                   /* bad_type: a field of the wrong JSON type */
    PROTO_E_UNKNOWN_FIELD = MODEL_E_UNKNOWN_FIELD, /* unknown_field */
    PROTO_E_MISSING_FIELD = MODEL_E_MISSING_FIELD, /* missing_field */
    PROTO_E_VALUE = MODEL_E_VALUE,         /* bad_value: out of range, not an id, bad text */
    PROTO_E_UTF8 = MODEL_E_UTF8,           /* bad_utf8 */
    PROTO_E_TOO_LARGE = MODEL_E_TOO_LARGE, /* too_large: over a cap (body, gzip, list) */
    PROTO_E_NOMEM = MODEL_E_NOMEM,         /* out of memory (local only) */
    PROTO_E_ENCODING = MODEL_E_COUNT,      /* bad_encoding: not gzip, or a broken stream */
    PROTO_E_UPDATE_REQUIRED,               /* update_required: the tablet's schema is too old */
    PROTO_E_SCHEMA_TOO_NEW,                /* schema_too_new: the server is older than the tablet */
    PROTO_E_UNAUTHORIZED,                  /* unauthorized: no or wrong device credentials */
    PROTO_E_REVOKED,                       /* device_revoked */
    PROTO_E_FORBIDDEN,                     /* forbidden: not this device's unit, or not the owner */
    PROTO_E_NOT_FOUND,                     /* not_found: no such endpoint or record */
    PROTO_E_METHOD,                        /* method_not_allowed */
    PROTO_E_ENROL_CODE,                    /* enrol_code_invalid: unknown, used or expired */
    PROTO_E_CHANGE_REUSED,                 /* change_id_reused: same change_id, other content */
    PROTO_E_UNAVAILABLE,                   /* unavailable: try again later (database busy) */
    PROTO_E_INTERNAL,                      /* internal */
    PROTO_E_RATE_LIMITED, /* rate_limited: too many requests; wait Retry-After seconds */
    PROTO_E_WIPED,        /* device_wiped: revoked with wipe; the tablet erases its data */
    PROTO_E_OUT_OF_ORDER, /* out_of_order: the push a push must follow is not stored */
    PROTO_CODE_COUNT
} proto_code;

const char *proto_code_name(proto_code c);
int proto_code_http(proto_code c);
/* The code for a wire name, or PROTO_E_INTERNAL if unknown. */
proto_code proto_code_parse(const char *name);

/* An error: a proto_code and a sentence (the model's error, whose codes the
 * wire's extend). Set one with model_err_set(); its message is made clean
 * text (model_clean_text), since it may quote what a client sent. */
typedef model_err proto_err;

/* 0 if a message of schema version v can be read by a speaker of `current`
 * (v is current or the one before it; for this build's own PROTO_SCHEMA,
 * back to PROTO_SCHEMA_OLDEST); else -1 with update_required or
 * schema_too_new in err. */
int proto_schema_check(int v, int current, proto_err *err);

/* Records on the wire are the model's records (model_json.h): an item's or
 * a change's "entity" is a model_entity, and model_entity_is_pushable()
 * says which entities a tablet may push. */

/* The lowest schema version whose messages can carry r: 3 for an
 * observation about a team; 2 for a plan, a plan's agreement, and an
 * observation with a pair code or a plan; else 1.
 * When `what` is given it is set to the entity or field that needs the
 * version ("" for 1). Decoders refuse a record newer than its message. */
int proto_record_schema(const model_record *r, const char **what);
/* Makes r fit schema version `schema` by taking off an observation the
 * fields that version does not have. 0, or -1 (r unchanged) when r's kind
 * is not in that version at all, or r is an observation about a team below
 * version 3 (it has no observee that version could read): then it is not
 * sent. */
int proto_record_fit(model_record *r, int schema);

/* ---- push: tablet -> server ---- */

typedef struct {
    model_id change_id; /* the idempotency key, made once on the tablet */
    model_id actor_id;  /* the person who made the change on the tablet */
    int base_version;   /* the server version the tablet last saw; 0 if new */
    /* Owned: the bytes of its kind only (model_record_new), set by the
     * decoder or proto_change_set, freed by proto_changes_clear or
     * proto_push_clear. A push of a thousand changes held a template's
     * 28 KiB for each, 28 MB of fresh memory faulted in for every push. */
    model_record *rec;
    /* Borrowed, may be NULL: the record's JSON text as the caller holds it
     * (model_record_text's, as the tablet's outbox keeps it). The encoder
     * then sends it as it is instead of writing rec again; the decoder
     * leaves it NULL. */
    const char *text;
} proto_change;

/* Gives c its own copy of r (in place of any record it held). 0, or -1
 * when out of memory. */
int proto_change_set(proto_change *c, const model_record *r);
/* Frees the records of the n changes at c (each rec set to NULL); the
 * array is the caller's. */
void proto_changes_clear(proto_change *c, int n);

typedef struct {
    int schema;
    int n;
    proto_change *changes; /* malloc'd with their records; release with proto_push_clear */
} proto_push;

/* Decodes a push body (already inflated). On failure *out is empty. */
int proto_push_decode(const char *body, size_t len, proto_push *out, proto_err *err);
/* Encodes a push; returns a malloc'd string the caller frees, or NULL. A
 * change's data is its text when it has one, else its record written. */
char *proto_push_encode(const proto_push *p);
void proto_push_clear(proto_push *p);
/* A canonical text of one change (sorted keys, compact): equal for two
 * changes exactly when they mean the same, so its hash tells a retry from a
 * reused change_id. malloc'd; NULL if out of memory. */
char *proto_change_canonical(const proto_change *c);
/* The two texts the server keeps of a change, made from one encoding of its
 * record: *data the record's JSON (compact, as model_record_text writes it)
 * and, when canonical is not NULL, *canonical as above. The change's ids
 * must be identifiers, as the decoder makes sure. 0, or -1 when out of
 * memory or an id is not one; both malloc'd, the caller frees them. */
int proto_change_texts(const proto_change *c, char **data, char **canonical);

typedef enum {
    PROTO_ST_STORED = 0, /* applied now */
    PROTO_ST_DUPLICATE,  /* applied before: the same change was received already */
    PROTO_ST_CONFLICT,   /* kept on the server next to a newer version; a person decides */
    PROTO_ST_REJECTED    /* not stored; code and message say why */
} proto_status;

const char *proto_status_name(proto_status s);

typedef struct {
    model_id change_id;
    proto_status status;
    int version;     /* the record's server version after this change */
    proto_code code; /* PROTO_OK unless rejected */
    char message[PROTO_MESSAGE_MAX];
} proto_result;

typedef struct {
    int schema;
    int n;
    proto_result *results; /* malloc'd; release with proto_push_reply_clear */
} proto_push_reply;

char *proto_push_reply_encode(const proto_push_reply *r);
int proto_push_reply_decode(const char *body, size_t len, proto_push_reply *out, proto_err *err);
void proto_push_reply_clear(proto_push_reply *r);

/* ---- pull: server -> tablet ---- */

typedef struct {
    int schema;
    int64_t cursor;     /* 0 at first; then the cursor of the last reply */
    int limit;          /* 1..PROTO_PULL_MAX */
    model_id person_id; /* "" for reference data only */
} proto_pull;

char *proto_pull_encode(const proto_pull *p);
int proto_pull_decode(const char *body, size_t len, proto_pull *out, proto_err *err);

typedef struct {
    int64_t seq;
    int version;
    model_record *rec; /* owned; holds only its kind's bytes (model_record_new) */
} proto_item;

typedef struct {
    int schema;
    int64_t cursor; /* pass back in the next pull */
    int more;       /* 1 if the server has more after this page */
    int n;
    proto_item *items; /* malloc'd; release with proto_pull_reply_clear */
} proto_pull_reply;

int proto_pull_reply_decode(const char *body, size_t len, proto_pull_reply *out, proto_err *err);
void proto_pull_reply_clear(proto_pull_reply *r);
/* The reply is encoded item by item by whoever holds the records: */
/* schema: the version of the pull being answered (0 for PROTO_SCHEMA). */
json_t *proto_pull_reply_begin(int schema, int64_t cursor, int more);
/* Appends one item, whose record is given as its JSON (a new reference is
 * taken). Returns 0 or -1 if out of memory. */
int proto_pull_reply_add(json_t *reply, model_entity e, int64_t seq, int version, json_t *rec);

/* ---- enrolment and ping ---- */

/* name is the tablet's name for administrators ("Stue 3 – blå"), or ""
 * when the tablet gave none: then "name" is left out of the message. On the
 * wire a given name has 1 to PROTO_DEVICE_NAME_CHARS characters and is not
 * blank. The decoder also takes the spelling "device_name" of app builds
 * from before the name was optional (never both). */
typedef struct {
    int schema;
    char code[PROTO_CODE_MAX + 1];
    char name[PROTO_DEVICE_NAME_MAX + 1];
} proto_enrol;

char *proto_enrol_encode(const proto_enrol *e);
int proto_enrol_decode(const char *body, size_t len, proto_enrol *out, proto_err *err);

typedef struct {
    int schema;
    model_id device_id;
    char device_secret[PROTO_SECRET_HEX + 1];
    model_id unit_id;
} proto_enrol_reply;

char *proto_enrol_reply_encode(const proto_enrol_reply *r);
int proto_enrol_reply_decode(const char *body, size_t len, proto_enrol_reply *out, proto_err *err);

/* The ping answer; see PROTOCOL.md. */
#define PROTO_PING_SERVICE "blik"
#define PROTO_PING_HEADER "Blik-Server"

/* Two pushes in flight (PROTOCOL.md, "Two pushes in flight"): the header
 * with a push's own id; the path of a push to be stored only after the
 * push whose id ends it (a server without that path answers 404, and
 * stores nothing); and the header by which a server says it has it. */
#define PROTO_PUSH_ID_HEADER "Blik-Push"
#define PROTO_PUSH_AFTER_PATH "/v1/push/after/"
#define PROTO_PUSH_ORDER_HEADER "Blik-Push-Order"
char *proto_ping_reply_encode(const char *nonce);
/* 0 if body is a Blik ping answer echoing nonce; -1 (with err) otherwise,
 * which is how a tablet tells a captive portal from its server. */
int proto_ping_reply_check(const char *body, size_t len, const char *nonce, proto_err *err);

/* ---- errors on the wire ---- */

char *proto_error_encode(proto_code code, const char *message);
/* Reads an error body; on anything unreadable sets code PROTO_E_INTERNAL and
 * a message saying so. Always fills *out. */
void proto_error_decode(const char *body, size_t len, proto_err *out);

/* ---- gzip, both ways ---- */

/* Inflates a gzip stream into a malloc'd buffer (NUL-terminated, *out_len
 * without the NUL), refusing output over max_out bytes (too_large: a gzip
 * bomb stops there, having inflated at most max_out bytes). */
int proto_gunzip(const void *in, size_t len, size_t max_out, char **out, size_t *out_len,
                 proto_err *err);
/* How hard proto_gzip works. What a tablet sends is deflated fast: its
 * processor is the busiest part of a push (a push of 10,000 observations
 * spent a tenth of the tablet's time deflating at the default level), and
 * its pushes are a sixth of the bytes PouchDB sends for the same data even
 * so. What the server answers is deflated smaller: many tablets read it
 * (a pull onto a fresh tablet is most of the bytes that cross). */
#define PROTO_GZIP_FAST 1
#define PROTO_GZIP_SMALL 6
/* Deflates into a malloc'd gzip stream at level (zlib's, 1 to 9). 0, or
 * -1 if out of memory or the level is not one of zlib's. */
int proto_gzip(const void *in, size_t len, int level, char **out, size_t *out_len);

#endif
