#ifndef BLIK_MODEL_H
#define BLIK_MODEL_H
/*
 * The domain model of Blik (see the product's domain brief): units, rooms,
 * people, learning focuses with their signs, observation templates, and the
 * observation with its ratings, events, notes, feedback and reflection.
 *
 * Everything here is plain data in fixed-size fields, so that screens can hold
 * these structs on the stack or in fixed pools without allocating per frame.
 * Every text field has a byte cap; text that does not fit is refused with a
 * message by model_text_check(), never cut silently.
 *
 * Each part has one writer: the observation, its ratings, events, notes and
 * feedback belong to the observer; the reflection belongs to the observee.
 */
#include <stddef.h>
#include <stdint.h>

#include "plat.h"

#define MODEL_UUID_LEN 36      /* 8-4-4-4-12 lower-case hex */
#define MODEL_NAME_MAX 120     /* names of units, rooms, people, templates */
#define MODEL_KEY_MAX 32       /* machine keys: [a-z0-9_] */
#define MODEL_LABEL_MAX 80     /* a label on a button or chip */
#define MODEL_QUESTION_MAX 400 /* an inquiry question */
#define MODEL_TEXT_MAX 4000    /* notes, feedback, reflection fields, "why" */
#define MODEL_PHRASE_MAX 120   /* one quick phrase or note prompt */
#define MODEL_VERIFIER_MAX 128 /* an argon2id verifier string, with its NUL */
#define MODEL_DATE_LEN 10      /* YYYY-MM-DD */
#define MODEL_PAIR_CODE_LEN 6  /* a pair code: MODEL_PAIR_CODE_LEN of MODEL_PAIR_ALPHABET */
#define MODEL_TERMS_MAX 1000   /* the agreed terms of a planned observation */

#define MODEL_MAX_SIGNS 12
#define MODEL_MAX_SCALE 5
#define MODEL_MAX_COUNTERS 12
#define MODEL_MAX_STATES 8
#define MODEL_MAX_INTERVAL_OPTIONS 8
#define MODEL_MAX_CONTEXT 8
#define MODEL_MAX_PROMPTS 8
#define MODEL_MAX_PHRASES 24
#define MODEL_TEMPLATE_JSON_MAX 65536 /* a template document, in bytes */
#define MODEL_CONTEXT_JSON_MAX 2048   /* an observation's context values */

typedef char model_id[MODEL_UUID_LEN + 1];

typedef enum { MODEL_ROLE_PEER = 0, MODEL_ROLE_LEADER = 1 } model_role;

/* The five pillars of professional learning communities. */
typedef enum {
    MODEL_PILLAR_VALUES = 0,    /* shared values and vision */
    MODEL_PILLAR_LEARNING = 1,  /* focus on children's learning */
    MODEL_PILLAR_COLLAB = 2,    /* collaboration */
    MODEL_PILLAR_DIALOGUE = 3,  /* reflective dialogue */
    MODEL_PILLAR_JUDGEMENT = 4, /* professional judgement, de-privatised practice */
    MODEL_PILLAR_COUNT = 5
} model_pillar;

typedef struct {
    model_id id;
    char name[MODEL_NAME_MAX + 1];
    int retention_days; /* synced observations older than this leave tablets */
} model_unit;

typedef struct {
    model_id id;
    model_id unit_id;
    char name[MODEL_NAME_MAX + 1];
} model_room;

typedef struct {
    model_id id;
    model_id unit_id;
    char name[MODEL_NAME_MAX + 1];
    model_role role;
    /* argon2id verifier of the person's PIN (libsodium's string form); never
     * the PIN itself. Empty if no PIN has been set. */
    char pin_verifier[MODEL_VERIFIER_MAX];
    int active;
} model_person;

typedef struct {
    model_id id;
    char text[MODEL_QUESTION_MAX + 1];
} model_sign;

/* A learning focus at one version. Signs keep their id across versions so
 * that ratings can be compared over time. */
typedef struct {
    model_id id;
    model_id unit_id;
    int version;
    char question[MODEL_QUESTION_MAX + 1];
    char why[MODEL_TEXT_MAX + 1];
    model_pillar pillar;
    char period_from[MODEL_DATE_LEN + 1]; /* inclusive, YYYY-MM-DD */
    char period_to[MODEL_DATE_LEN + 1];   /* inclusive, YYYY-MM-DD */
    model_id template_id;                 /* the template that comes with it */
    int n_signs;
    model_sign signs[MODEL_MAX_SIGNS];
} model_focus;

typedef struct {
    char key[MODEL_KEY_MAX + 1];
    char label[MODEL_LABEL_MAX + 1];
} model_item;

/* What a context field holds: a whole number in a range, a short text, or
 * one of a few given words ("Indoors", "Outdoors"). */
typedef enum { MODEL_CTX_INT = 0, MODEL_CTX_TEXT = 1, MODEL_CTX_CHOICE = 2 } model_ctx_type;

#define MODEL_MAX_CTX_OPTIONS 8

typedef struct {
    char key[MODEL_KEY_MAX + 1];
    char label[MODEL_LABEL_MAX + 1];
    model_ctx_type type;
    int min, max; /* for MODEL_CTX_INT */
    /* for MODEL_CTX_CHOICE: 2 to MODEL_MAX_CTX_OPTIONS, each a label */
    int n_options;
    char options[MODEL_MAX_CTX_OPTIONS][MODEL_LABEL_MAX + 1];
} model_ctx_field;

/* The most languages a template carries its texts in besides its own. */
#define MODEL_MAX_TEXT_LANGS 2

/*
 * A template's texts in one more language ("en"): every list parallel to
 * the template's own (same order, same length), an empty list (n == 0 here
 * meaning "not given") falls back to the template's own words, and so does
 * an empty name. Keys never change with the language; only words a person
 * reads do, so data recorded in one language reads in the other.
 */
typedef struct {
    char lang[3]; /* two lower-case letters */
    char name[MODEL_NAME_MAX + 1];
    int has_scale, has_counters, has_states, has_interval_options, has_context, has_prompts,
        has_phrases;
    char scale[MODEL_MAX_SCALE][MODEL_LABEL_MAX + 1];
    char counters[MODEL_MAX_COUNTERS][MODEL_LABEL_MAX + 1];
    char states[MODEL_MAX_STATES][MODEL_LABEL_MAX + 1];
    char interval_options[MODEL_MAX_INTERVAL_OPTIONS][MODEL_LABEL_MAX + 1];
    char context[MODEL_MAX_CONTEXT][MODEL_LABEL_MAX + 1];
    char prompts[MODEL_MAX_PROMPTS][MODEL_PHRASE_MAX + 1];
    char phrases[MODEL_MAX_PHRASES][MODEL_PHRASE_MAX + 1];
} model_template_texts;

/*
 * An observation template at one version: how signs are rated, what can be
 * counted and timed, interval sampling, context fields, note prompts and
 * quick phrases, and the thresholds for the red/yellow/green overview (the
 * share of observations, in percent, in which a sign was seen at least
 * "partly": at or above green_pct is green, at or above yellow_pct yellow).
 */
typedef struct {
    model_id id;
    model_id unit_id;
    int version;
    char name[MODEL_NAME_MAX + 1];
    int n_scale;
    char scale[MODEL_MAX_SCALE][MODEL_LABEL_MAX + 1]; /* lowest first */
    int n_counters;
    model_item counters[MODEL_MAX_COUNTERS];
    int n_states;
    model_item states[MODEL_MAX_STATES];
    int interval_minutes; /* 0: no interval sampling */
    int n_interval_options;
    model_item interval_options[MODEL_MAX_INTERVAL_OPTIONS];
    int n_context;
    model_ctx_field context[MODEL_MAX_CONTEXT];
    int n_prompts;
    char prompts[MODEL_MAX_PROMPTS][MODEL_PHRASE_MAX + 1];
    int n_phrases;
    char phrases[MODEL_MAX_PHRASES][MODEL_PHRASE_MAX + 1];
    int green_pct, yellow_pct;
    int n_texts;
    model_template_texts texts[MODEL_MAX_TEXT_LANGS]; /* its words in other languages */
} model_template;

typedef enum { MODEL_OBS_DRAFT = 0, MODEL_OBS_FINISHED = 1 } model_obs_status;

typedef struct {
    model_id id;
    model_id unit_id;
    model_id focus_id;
    int focus_version;
    model_id template_id;
    int template_version;
    model_id observer_id;
    model_id observee_id; /* "" when a team is observed (team) */
    model_id room_id;
    char activity[MODEL_NAME_MAX + 1];
    char context_json[MODEL_CONTEXT_JSON_MAX]; /* {"children":14,...}, validated */
    int agreement;                             /* the observee agreed to this visit */
    int64_t started_at, ended_at;              /* UTC ms; ended_at 0 while a draft */
    model_obs_status status;
    int revision; /* 1 at start; each correction of a finished one adds 1 */
    int64_t updated_at;
    /* Two observers who observe one session together, to see whether they
     * see the same (calibration), give their observations the same pair
     * code; "" when observed alone. Set when the observation starts. */
    char pair_code[MODEL_PAIR_CODE_LEN + 1];
    /* The planned observation (model_plan) this one was started from; ""
     * when it was not planned. Set when the observation starts. */
    model_id plan_id;
    /* The team observed, named in words as its plan named it, when the
     * observation is about a team's practice rather than one person's:
     * then observee_id is "". "" for an observation about a person. A team
     * is no person of the unit, so a team observation has no observee to
     * write a reflection; its feedback is given to the team. */
    char team[MODEL_NAME_MAX + 1];
} model_observation;

typedef enum {
    MODEL_PLAN_PLANNED = 0,
    MODEL_PLAN_CANCELLED = 1,
    MODEL_PLAN_DONE = 2
} model_plan_status;

/*
 * A planned observation, agreed in advance: who observes whom (a person, or
 * a team named in words when observee_id is ""), on which focus (the
 * focus's latest version), in which room, on one day (day_from == day_to)
 * or in one week (Monday to Sunday), on what terms. One writer: the server,
 * from the office; every change is a new version. agreed_at is when the
 * observee agreed (0: not yet; always 0 for a team, which needs no
 * agreement); observation_id is the observation that did it, once done.
 */
typedef struct {
    model_id id;
    model_id unit_id;
    model_id focus_id;
    model_id observer_id;
    model_id observee_id;              /* "" for a team */
    char team[MODEL_NAME_MAX + 1];     /* the team's name when observee_id is "", else "" */
    model_id room_id;                  /* or "" */
    char day_from[MODEL_DATE_LEN + 1]; /* inclusive, YYYY-MM-DD */
    char day_to[MODEL_DATE_LEN + 1];   /* inclusive; == day_from, or day_from + 6 for a week */
    char terms[MODEL_TERMS_MAX + 1];   /* may be "" */
    model_plan_status status;
    int64_t agreed_at;       /* UTC ms; 0 not yet */
    model_id observation_id; /* "" until done */
    int64_t updated_at;
} model_plan;

/* The observee's agreement to a plan about them, made on a tablet after
 * they signed in. One writer: that observee. Agreeing twice is harmless. */
typedef struct {
    model_id plan_id;
    model_id person_id; /* the plan's observee */
    int64_t agreed_at;  /* UTC ms */
} model_plan_agreement;

typedef enum {
    MODEL_EV_COUNT = 0,       /* a counter tap: key = counter key */
    MODEL_EV_STATE_START = 1, /* key = state key */
    MODEL_EV_STATE_STOP = 2,  /* key = state key */
    MODEL_EV_SAMPLE = 3,      /* an interval sample: key = option key */
    MODEL_EV_UNDO = 4         /* undoes the event named in target_id */
} model_event_kind;

/* Events are append-only: an undo is a new event, never a delete. */
typedef struct {
    model_id id;
    model_id observation_id;
    model_event_kind kind;
    char key[MODEL_KEY_MAX + 1];
    model_id target_id; /* MODEL_EV_UNDO only */
    int64_t at;         /* UTC ms */
} model_event;

typedef struct {
    model_id id;
    model_id observation_id;
    int64_t at;
    char text[MODEL_TEXT_MAX + 1]; /* "": deleted by its observer */
    model_id sign_id;              /* empty if not tied to a sign */
} model_note;

typedef struct {
    model_id observation_id;
    model_id sign_id;
    int level; /* index into the template's scale; -1 = not rated */
    int64_t at;
} model_rating;

typedef struct {
    model_id observation_id;
    model_id author_id; /* the observer */
    char works[MODEL_TEXT_MAX + 1];
    char wonderings[MODEL_TEXT_MAX + 1];
    char next_step[MODEL_TEXT_MAX + 1];
    int64_t given_at; /* 0 until marked as given */
    int64_t updated_at;
} model_feedback;

typedef struct {
    model_id observation_id;
    model_id author_id; /* the observee */
    char text[MODEL_TEXT_MAX + 1];
    char next_step[MODEL_TEXT_MAX + 1];
    int64_t updated_at;
} model_reflection;

/* ---- validation: each returns 0, or -1 with a message in err ---- */

/*
 * Checks that s is valid UTF-8 (no overlongs, no surrogates), holds no control
 * characters other than newline and tab (newline only if multiline), and is at
 * most max_bytes long. field names the field in the message.
 */
int model_text_check(const char *s, size_t max_bytes, int multiline, const char *field, char *err,
                     size_t errlen);
/* Like model_text_check, and also refuses an empty or all-blank string. */
int model_name_check(const char *s, size_t max_bytes, const char *field, char *err, size_t errlen);
/* A key is 1..MODEL_KEY_MAX characters of [a-z0-9_]. */
int model_key_check(const char *s, const char *field, char *err, size_t errlen);
/* Whether an event's fields are what reading it would accept (its ids,
 * kind, time, key and target, by the reader's own rules): for an event
 * made from a stored row rather than read from a text. 0, or -1 with err. */
int model_event_check(const model_event *e, char *err, size_t errlen);
/* A canonical lower-case UUID. */
int model_id_check(const char *s, const char *field, char *err, size_t errlen);
/* A real calendar date written YYYY-MM-DD. */
int model_date_check(const char *s, const char *field, char *err, size_t errlen);
/* The day of the week of a real date (model_date_check): 0 for Monday to
 * 6 for Sunday; -1 if it is not a date. */
int model_date_weekday(const char *date);
/* Writes the date `days` days after date (before it if negative) into out;
 * -1 (out empty) if date is not a date or the result leaves 2000..9999. */
int model_date_add(const char *date, int days, char out[MODEL_DATE_LEN + 1]);
/* Copies src into a field of size cap; -1 if it does not fit (dst unchanged). */
int model_copy(char *dst, size_t cap, const char *src);

int model_unit_check(const model_unit *u, char *err, size_t errlen);
int model_room_check(const model_room *r, char *err, size_t errlen);
int model_person_check(const model_person *p, char *err, size_t errlen);
int model_focus_check(const model_focus *f, char *err, size_t errlen);
int model_template_check(const model_template *t, char *err, size_t errlen);
/* A plan's fields and the rules between them (observer and observee differ,
 * a team only without an observee, a day or a Monday-to-Sunday week, no
 * agreement for a team, done with its observation and planned without). */
int model_plan_check(const model_plan *p, char *err, size_t errlen);

/* ---- identifiers ---- */

/* The letters and digits of a pair code: upper case, without the ones read
 * or heard as another (0 O Q D, 1 I L, 2 Z, 5 S, 8 B, 6 G, U V), so that a
 * code read aloud across a room is typed right. */
#define MODEL_PAIR_ALPHABET "ACEFHJKMNPRTWXY34679"

/* Writes a new random pair code from the platform's randomness. Returns -1
 * if the platform gave no randomness (out is then empty). */
int model_pair_code_new(const plat_sys *sys, char out[MODEL_PAIR_CODE_LEN + 1]);
/* Reads a pair code as a person types it: lower case is taken as upper,
 * spaces and dashes are left out. Writes the code into out and returns 0,
 * or -1 with a message in err (out is then empty) if it is not
 * MODEL_PAIR_CODE_LEN characters of MODEL_PAIR_ALPHABET. */
int model_pair_code_read(const char *typed, char out[MODEL_PAIR_CODE_LEN + 1], char *err,
                         size_t errlen);
/* A stored pair code: exactly MODEL_PAIR_CODE_LEN of MODEL_PAIR_ALPHABET. */
int model_pair_code_check(const char *s, const char *field, char *err, size_t errlen);

/*
 * Ids are version 7 UUIDs (RFC 9562): the platform's wall clock in
 * milliseconds in the first 48 bits, then a count of the ids made in that
 * millisecond (12 bits), then 62 bits drawn once per maker.
 *
 * Ids made later sort later, so every index keyed by them (the tablet's and
 * PostgreSQL's) takes a new one at its end, where a random id would land on
 * a page anywhere in the tree and make the database read and rewrite it;
 * README's benchmark history has the figures.
 *
 * Why the last bits are drawn once, not for every id: a store makes half a
 * million ids for a year of taps, and they travel to every tablet of the
 * unit. Random bits cannot be compressed, so 74 of them in every id were
 * most of a pull's bytes; ids that differ from the one before only in their
 * time and count shrink to a few bytes under gzip. They stay unique: ids of
 * one maker never repeat (while the clock stands still or has been set
 * back, the count goes on in the last id's millisecond, and once it is used
 * up the next millisecond is borrowed), and two makers differ in their 62
 * drawn bits. A maker lives as long as its holder (a store's handle), so a
 * restart draws anew and no count need be kept on disk.
 *
 * What this gives up: the ids a maker makes share those bits, so they show
 * which were made by one opening of one store, and they are easy to guess.
 * RFC 9562 wants a version 7 id's other bits random where ids must not be
 * guessed; Blik's need not be. Nothing in Blik takes an id for a secret:
 * every record is checked against who sends or asks for it, and the server
 * knows each record's device anyway. The time an id shows is no secret
 * either: every record carries its own times, and nothing reads the time
 * back.
 */
typedef struct model_ids {
    int64_t ms;            /* the millisecond of the last id made */
    unsigned seq;          /* the last id's count in that millisecond, 0..4095 */
    unsigned char node[8]; /* drawn at the first id */
    int ready;             /* node drawn */
} model_ids;

/* A zeroed model_ids is a new maker; it needs no freeing. One maker serves
 * one thread at a time. Writes the next id of g into out and returns 0, or
 * -1 (out is then empty) if the platform gave no randomness for its first
 * (the next call tries again), or past the year 10889. */
int model_id_next(model_ids *g, const plat_sys *sys, model_id out);

/* An id from a maker of its own: 62 random bits after the time. For ids made
 * one at a time (a device, a focus, a push); a store's records use
 * model_id_next. */
int model_id_new(const plat_sys *sys, model_id out);

/* ---- templates as JSON documents ---- */

/*
 * Parses and strictly validates a template document (unknown fields, wrong
 * types, duplicate keys and out-of-range values are refused with a message
 * naming the field). On success fills *out completely. On failure *out is
 * left unchanged.
 */
int model_template_parse(const char *json, size_t len, model_template *out, char *err,
                         size_t errlen);
/* Writes the canonical JSON of a template; returns a malloc'd string the
 * caller frees, or NULL if out of memory. */
char *model_template_to_json(const model_template *t);

/* Puts the template's texts in lang (e.g. "en") in place of its own words,
 * where it has them, for showing to a person who reads lang; keys, numbers
 * and thresholds stay. A language the template has no texts for leaves it
 * as it is. Never store a template changed so. */
void model_template_localize(model_template *t, const char *lang);

/* Validates an observation's context values against a template's fields:
 * a JSON object with only known keys, ints in range, text within caps. */
int model_context_check(const model_template *t, const char *json, char *err, size_t errlen);

/* ---- PINs (argon2id through libsodium) ---- */

#define MODEL_PIN_MIN 4
#define MODEL_PIN_MAX 8

/* A PIN is MODEL_PIN_MIN..MODEL_PIN_MAX digits. */
int model_pin_check(const char *pin, char *err, size_t errlen);
/* Derives an argon2id verifier for the PIN (interactive limits). Returns 0,
 * or -1 if the PIN is malformed or memory ran out. */
int model_pin_hash(const char *pin, char out[MODEL_VERIFIER_MAX]);
/* 1 if pin matches the verifier, 0 if not (or the verifier is malformed).
 * The comparison is done by libsodium in constant time. */
int model_pin_verify(const char *verifier, const char *pin);

#endif
