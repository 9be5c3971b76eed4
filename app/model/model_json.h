#ifndef BLIK_MODEL_JSON_H
#define BLIK_MODEL_JSON_H
/*
 * Records as JSON: the one record codec of Blik, and the strict reader every
 * decoder uses. The store writes its outbox and keeps conflicts and waiting
 * records with it, the sync engine and the server read and write the wire
 * with it (sync/proto adds the messages around it), and the office reads
 * records from the server's database with it, so no two of them can
 * disagree about what a record's text is.
 *
 * A record is one JSON object per model.h struct, with the same field
 * names, except that an observation's context_json travels as an object
 * named "context" and enums travel as words ("leader", "finished", ...).
 * Every field is always written and always required, so a record means
 * exactly one thing and a decoded record re-encodes into the same text: the
 * canonical text (sorted keys) that idempotency hashes.
 *
 * Every reader is strict: it refuses wrong types, unknown fields, missing
 * fields, invalid UTF-8, control characters, values out of range and text
 * over its cap, and it says which field was wrong in a sentence (model_err.msg)
 * next to a typed code (model_err.code). A decoder fills its output only in
 * full.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model.h"

/* ---- errors ---- */

/* What was wrong, as a code a program can act on. The wire layer
 * (sync/proto) gives each a name and an HTTP status and adds its own codes
 * after MODEL_E_COUNT. */
typedef enum {
    MODEL_E_OK = 0,
    MODEL_E_JSON,          /* not JSON, or a key given twice */
    MODEL_E_TYPE,          /* a field of the wrong JSON type */
    MODEL_E_UNKNOWN_FIELD, /* a field this record does not have */
    MODEL_E_MISSING_FIELD, /* a required field is absent */
    MODEL_E_VALUE,         /* out of range, not an id, bad text */
    MODEL_E_UTF8,          /* invalid UTF-8 */
    MODEL_E_TOO_LARGE,     /* over a cap (a document, a list) */
    MODEL_E_NOMEM,         /* out of memory */
    MODEL_E_COUNT
} model_err_code;

#define MODEL_ERR_MAX 256

typedef struct {
    unsigned code; /* a model_err_code, or a code of the layer that reads */
    char msg[MODEL_ERR_MAX];
} model_err;

/* Sets err (if not NULL) and returns -1. The message is made clean text
 * (model_clean_text): it may quote what a client sent. */
int model_err_set(model_err *err, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Makes s (NUL-terminated, changed in place) clean one-line text: every
 * byte that is not part of well-formed UTF-8, and every control character,
 * becomes '?'. */
void model_clean_text(char *s);

/* ---- the strict reader: each returns 0, or -1 with err naming `where`
 * and the field ---- */

/* Latest time a record may carry: year 3000, in ms. */
#define MODEL_TIME_MAX INT64_C(32503680000000)

/* Parses a whole document of at most max bytes: JSON (keys given twice
 * refused), one object. `what` names it in messages ("The template").
 * Returns a new reference, or NULL with err set. */
json_t *model_rd_parse(const char *text, size_t len, size_t max, const char *what, model_err *err);
/* Refuses any member of o whose name is not in the NULL-terminated list. */
int model_rd_only(json_t *o, const char *const *allowed, const char *where, model_err *err);
/* The member k of o (a borrowed reference), or NULL with missing_field. */
json_t *model_rd_need(json_t *o, const char *k, const char *where, model_err *err);
/* Text of at most cap - 1 bytes into dst, checked by model_text_check;
 * allow_empty = 0 refuses an empty or all-blank text. */
int model_rd_text(json_t *o, const char *k, char *dst, size_t cap, int multiline, int allow_empty,
                  const char *where, model_err *err);
/* A lower-case UUID into dst (or "" if allow_empty). */
int model_rd_id(json_t *o, const char *k, char *dst, int allow_empty, const char *where,
                model_err *err);
int model_rd_int(json_t *o, const char *k, int *dst, int min, int max, const char *where,
                 model_err *err);
int model_rd_i64(json_t *o, const char *k, int64_t *dst, int64_t min, int64_t max,
                 const char *where, model_err *err);
int model_rd_bool(json_t *o, const char *k, int *dst, const char *where, model_err *err);
/* One of n words; *dst is its index. */
int model_rd_word(json_t *o, const char *k, const char *const *words, int n, int *dst,
                  const char *where, model_err *err);
/* A list of at most max entries (a borrowed reference). optional = 1 lets
 * it be absent: then *out is NULL and 0 is returned. */
int model_rd_array(json_t *o, const char *k, size_t max, int optional, json_t **out,
                   const char *where, model_err *err);

/* ---- one object, read by the same rules from two sources ----
 *
 * The readers above take jansson's tree. The sync path also reads objects
 * the scanner below has read into a flat list of members, because building
 * the tree for hundreds of thousands of small records was a third of a
 * tablet's CPU in its first pull. Both go through the model_ob_* readers,
 * which hold the rules (types, ranges, text); model_rd_* wrap them. */
typedef enum {
    MODEL_V_ABSENT = 0,
    MODEL_V_STRING,
    MODEL_V_INT,
    MODEL_V_TRUE,
    MODEL_V_FALSE,
    MODEL_V_OTHER /* null, a real number, a list or an object */
} model_vtype;
typedef struct {
    model_vtype type;
    /* STRING: the text, NUL-terminated, n bytes (a NUL inside only from a
     * tree made in code). OTHER from the scanner: its JSON text, n bytes,
     * not NUL-terminated and not yet checked beyond its brackets. */
    const char *s;
    size_t n;
    int64_t i; /* INT */
} model_val;
typedef struct {
    const char *key; /* NUL-terminated */
    model_val v;
} model_member;
/* Whether the names a and b are the same. The readers look each field up by
 * name among an object's members, some fifty comparisons a record: most
 * differ in their first byte, which is told without a call. */
static inline int model_name_is(const char *a, const char *b)
{
    return a[0] == b[0] && strcmp(a, b) == 0;
}
/* An object: a JSON object j (borrowed), or else n members m in order. */
typedef struct {
    json_t *j;
    const model_member *m;
    int n;
} model_obj;
/* The member k of o into *v (type MODEL_V_ABSENT when there is none). */
void model_ob_get(const model_obj *o, const char *k, model_val *v);
int model_ob_only(const model_obj *o, const char *const *allowed, const char *where,
                  model_err *err);
int model_ob_text(const model_obj *o, const char *k, char *dst, size_t cap, int multiline,
                  int allow_empty, const char *where, model_err *err);
int model_ob_id(const model_obj *o, const char *k, char *dst, int allow_empty, const char *where,
                model_err *err);
int model_ob_i64(const model_obj *o, const char *k, int64_t *dst, int64_t min, int64_t max,
                 const char *where, model_err *err);
int model_ob_int(const model_obj *o, const char *k, int *dst, int min, int max, const char *where,
                 model_err *err);
int model_ob_bool(const model_obj *o, const char *k, int *dst, const char *where, model_err *err);
int model_ob_word(const model_obj *o, const char *k, const char *const *words, int n, int *dst,
                  const char *where, model_err *err);

/* ---- the scanner: plain JSON without a tree ----
 *
 * It reads only what it can read exactly as jansson (model_rd_parse) would:
 * whole numbers that fit 64 bits, strings of valid UTF-8 with any escape
 * but \u0000, true and false, no key given twice. For anything else, good
 * or bad, it returns -1 and writes no message: the caller then reads the
 * same text with model_rd_parse, which takes it or says what is wrong. So
 * it never takes a text the strict reader refuses, and no rule lives twice.
 * Its work is linear in the text, and a list or object it only steps over
 * may nest at most 32 deep. */

/* Reads the JSON object text[0..len) (whitespace around it allowed) into at
 * most max members m, in the text's order. A string member is unescaped
 * into *buf, which moves on past it and its NUL (*left bytes remain there;
 * len + 1 bytes are always enough for every string of one text, however it
 * is scanned). A member that is null, a real number, a list or an object
 * is given as its text (MODEL_V_OTHER), for the caller to read in turn.
 * Returns the number of members, or -1 as above. */
int model_scan_object(const char *text, size_t len, model_member *m, int max, char **buf,
                      size_t *left);
/* The elements of the JSON list text[0..len), each a list or an object, as
 * their texts (MODEL_V_OTHER) in el, at most max. Returns their number, or
 * -1. Only their brackets and strings are checked: each must be read in
 * turn. */
int model_scan_list(const char *text, size_t len, model_val *el, int max);

/* Strictly decodes a template document (model_template_parse() takes its
 * text) into *out, left unchanged on failure. */
int model_template_from_json(json_t *j, model_template *out, model_err *err);

/* ---- words for enums ---- */

const char *model_role_word(model_role r);
const char *model_pillar_word(model_pillar p);
/* Every pillar's word in enum order, then NULL: the one list that the
 * codec and command lines (blik-server admin --pillar) read. */
extern const char *const model_pillar_words[MODEL_PILLAR_COUNT + 1];
/* 0 and *out set if word names a pillar ("dialogue"), else -1. */
int model_pillar_parse(const char *word, model_pillar *out);
const char *model_obs_status_word(model_obs_status s);
const char *model_event_kind_word(model_event_kind k);
const char *model_plan_status_word(model_plan_status s);

/* ---- records ---- */

/* The kinds of record ("entities" on the wire), parents before their parts. */
typedef enum {
    MODEL_ENT_UNIT = 0,
    MODEL_ENT_ROOM,
    MODEL_ENT_PERSON,
    MODEL_ENT_FOCUS,
    MODEL_ENT_TEMPLATE,
    MODEL_ENT_OBSERVATION,
    MODEL_ENT_EVENT,
    MODEL_ENT_NOTE,
    MODEL_ENT_RATING,
    MODEL_ENT_FEEDBACK,
    MODEL_ENT_REFLECTION,
    MODEL_ENT_DELETED,        /* a record the server deleted (model_deletion) */
    MODEL_ENT_PLAN,           /* a planned observation, from the office */
    MODEL_ENT_PLAN_AGREEMENT, /* an observee's agreement to a plan, from a tablet */
    MODEL_ENT_COUNT
} model_entity;

/* The entity's name ("observation"), or "?" for none. */
const char *model_entity_name(model_entity k);
/* 0 and *out set, or -1 if the name is not an entity. */
int model_entity_parse(const char *name, model_entity *out);
/* 1 for the parts of an observation (observation .. reflection): what a
 * tablet records, sends and may meet in a conflict. */
int model_entity_is_part(model_entity k);
/* 1 for what a tablet may push: the parts of an observation and an
 * observee's plan_agreement. */
int model_entity_is_pushable(model_entity k);

/* Why the server deleted a record. */
typedef enum {
    MODEL_DEL_RETENTION = 0, /* "retention": older than its unit's retention period */
    MODEL_DEL_PERSON,        /* "person_request": a data-subject erasure request */
    MODEL_DEL_REASON_COUNT
} model_del_reason;

/* A deletion the server published: only observations and people are
 * deleted this way. */
typedef struct {
    model_entity entity; /* MODEL_ENT_OBSERVATION or MODEL_ENT_PERSON */
    model_id id;
    model_id unit_id;
    model_del_reason reason;
    int64_t deleted_at; /* UTC ms, the server's clock */
} model_deletion;

/* One record of any kind. */
typedef struct {
    model_entity entity;
    union {
        model_unit unit;
        model_room room;
        model_person person;
        model_focus focus;
        model_template tmpl;
        model_observation obs;
        model_event event;
        model_note note;
        model_rating rating;
        model_feedback feedback;
        model_reflection reflection;
        model_deletion deleted;
        model_plan plan;
        model_plan_agreement agreement;
    } u;
} model_record;

/* The JSON of a record (a new reference). NULL with err set if an
 * observation's context_json is not a JSON object ("context" named), an
 * enum is out of range, or memory ran out. err may be NULL. */
json_t *model_record_to_json(const model_record *r, model_err *err);
/* The same as compact text, malloc'd (the caller frees); NULL with err. */
char *model_record_text(const model_record *r, model_err *err);
/* The record's compact text into *compact and the same with its keys
 * sorted into *sorted (either may be NULL: not made), each malloc'd for
 * the caller: the bytes json_dumps writes of model_record_to_json's object
 * with JSON_COMPACT, and with JSON_SORT_KEYS as well. 0, or -1 with err
 * and nothing made. */
int model_record_texts(const model_record *r, char **compact, char **sorted, model_err *err);
/* Writes s as a JSON string, in its quotes, with the escapes jansson
 * writes ('"' and '\\' after a backslash; backspace, form feed, newline,
 * carriage return and tab as \b \f \n \r \t; the other characters below
 * a space as \u00XX in capitals; the rest of UTF-8 as it is), into out
 * when out is not NULL and it fits in cap with its ending NUL; returns its
 * length either way, as snprintf does. The one writer of a JSON string by
 * hand, for texts made without building JSON objects. */
size_t model_json_string(char *out, size_t cap, const char *s);
/* Writes v in decimal digits at out, which has room for 20 bytes (no NUL
 * is written); returns its length. The one writer of a JSON number by
 * hand, beside model_json_string. */
size_t model_json_int(char *out, int64_t v);
/* Writes a, then sep and b when b is not NULL, into out with its ending NUL,
 * cut to cap - 1 bytes as snprintf cuts (cap > 0); returns the length
 * written. Keys and names are made per change of a push, thousands a
 * second, where snprintf's parsing of a format cost more than the copy. */
size_t model_text_join(char *out, size_t cap, const char *a, char sep, const char *b);
/* Strictly decodes a record of kind k from j into *out (left unchanged on
 * failure). */
int model_record_from_json(model_entity k, json_t *j, model_record *out, model_err *err);
/* An observation or a part of one (model_entity_is_part) of kind k from the
 * n members m the scanner read, by the same rules as
 * model_record_from_json; -1 with err for any other kind, and for an
 * observation whose context is not a flat object of whole numbers and
 * texts the checks take (only the tree reads that). */
int model_record_from_members(model_entity k, const model_member *m, int n, model_record *out,
                              model_err *err);
/* Reads a record of kind k from text[0..len) the fast way: an observation
 * or a part through the scanner, any other kind through jansson. 0 and
 * *out filled, or -1 with nothing said and *out unchanged: then
 * model_record_parse (or the message's own strict reader) tells why. *buf
 * and *left as for model_scan_object. */
int model_record_scan(model_entity k, const char *text, size_t len, char **buf, size_t *left,
                      model_record *out);
/* The same from text (at most MODEL_TEMPLATE_JSON_MAX * 2 bytes). */
int model_record_parse(model_entity k, const char *text, model_record *out, model_err *err);
/* A zeroed record of kind k that holds only the bytes of its kind (its own
 * member of the union, an event's 168 bytes rather than a template's
 * 28 KiB), with entity set; malloc'd, the caller frees; NULL when out of
 * memory. Only its own member may be read or written: it is never copied
 * whole (model_record_copy copies a record by its kind). */
model_record *model_record_new(model_entity k);
/* The bytes model_record_new(k) takes. */
size_t model_record_size(model_entity k);
/* Copies src into dst, which holds a whole record or one of src's kind:
 * the bytes of src's kind only. */
void model_record_copy(model_record *dst, const model_record *src);

/* The id a record is known by on the server: its id; for a focus or a
 * template "<id>/<version>"; for a rating "<observation_id>/<sign_id>"; for
 * feedback and reflection the observation id; for a deletion
 * "<entity>/<id>" of what was deleted; for a plan_agreement the plan id. */
#define MODEL_RECORD_KEY_MAX (2 * MODEL_UUID_LEN + 2)
void model_record_key(const model_record *r, char key[MODEL_RECORD_KEY_MAX]);
/* The observation a record belongs to ("" for reference data). */
const char *model_record_observation(const model_record *r);

/* ---- a record in words, for a person ---- */

/* One field of a record as a person reads it. */
typedef struct {
    const char *name; /* the wire name ("works", "started_at"); static */
    int kind;         /* MODEL_FIELD_TEXT, _TIME, _BOOL, _INT or _WORD */
    char text[160];   /* the value: text (cut to fit), a word, or a number */
    int64_t number;   /* a time (UTC ms), a yes/no (1/0) or a number */
} model_field;

enum {
    MODEL_FIELD_TEXT = 0,
    MODEL_FIELD_TIME,
    MODEL_FIELD_BOOL,
    MODEL_FIELD_INT,
    MODEL_FIELD_WORD
};

#define MODEL_MAX_FIELDS 20

/* The fields of a part of an observation that a person may compare, in
 * the record's order: identifiers, and the focus and template versions
 * (which never change once sent), are left out. Returns how many (at most
 * max). */
int model_record_fields(const model_record *r, model_field *out, int max);

#endif
