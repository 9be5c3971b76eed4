#ifndef BLIK_OFF_TEMPLATE_INT_H
#define BLIK_OFF_TEMPLATE_INT_H
/*
 * The template designer's inside, shared by its three files: the draft a
 * form holds (off_template_form.c: read, changed by a list button,
 * checked, built into a model_template, written back as a form), the
 * preview of the observe screen (off_template_preview.c), and the pages
 * (off_template.c).
 *
 * A draft keeps every value as the text that was typed, so that a form
 * sent back with a mistake shows exactly what its author wrote. Its texts
 * point into the request's form, into a template the page holds, or at
 * "" (never owned by the draft); numbers it made itself are kept in its
 * own buffers.
 */
#include "off_int.h"

typedef struct {
    const char *key, *label;
} offt_item;

typedef struct {
    const char *key, *label, *type, *min, *max;
    int n_opts;
    const char *opts[MODEL_MAX_CTX_OPTIONS];
    char nums[2][16];
} offt_ctx;

typedef struct {
    model_id id;   /* "" never: a new template gets its id when the form is made */
    model_id unit; /* the unit it belongs to */
    int base;      /* the version the form was made from; 0 for a new one */
    const char *name, *minutes, *green, *yellow;
    int n_scale;
    const char *scale[MODEL_MAX_SCALE];
    int n_counters;
    offt_item counters[MODEL_MAX_COUNTERS];
    int n_states;
    offt_item states[MODEL_MAX_STATES];
    int n_iopts;
    offt_item iopts[MODEL_MAX_INTERVAL_OPTIONS];
    int n_ctx;
    offt_ctx ctx[MODEL_MAX_CONTEXT];
    int n_prompts;
    const char *prompts[MODEL_MAX_PROMPTS];
    int n_phrases;
    const char *phrases[MODEL_MAX_PHRASES];
    char nums[3][16];
} offt_draft;

#define OFFT_ERRORS_MAX 48

/* The problems found in a draft: each a form field's name and a sentence
 * in the request's language that names the field. */
typedef struct {
    int n;
    char field[OFFT_ERRORS_MAX][40];
    char msg[OFFT_ERRORS_MAX][240];
} offt_errors;

/* A draft of a template that exists (t must outlive d). */
void offt_from_template(offt_draft *d, const model_template *t);
/* A new, empty draft for unit with a fresh id: a scale of three levels and
 * the usual thresholds, ready to be filled in. 0, or -1 without randomness. */
int offt_new(off_ctx *c, offt_draft *d, const char *unit);
/* The draft the POSTed form holds (its texts point into c->form). The id,
 * unit and base are read from it too; the caller checks them against the
 * database. */
void offt_from_form(off_ctx *c, offt_draft *d);
/* Applies a list button's act ("add:c", "del:c:2", "up:x:1", "down:o3:0",
 * ...); 1 if it was one, 0 if act names no list change. */
int offt_apply(offt_draft *d, const char *act);
/*
 * Checks every field of the draft and, when each is right, builds the
 * template (id, unit and version 1 filled in, keys made from labels where
 * an entry has none) and runs the same strict parser the tablets and the
 * command line use on its JSON: a refusal there is mapped to a field too.
 * 0 with *out filled, or -1 with the problems in *e.
 */
int offt_build(off_ctx *c, const offt_draft *d, model_template *out, offt_errors *e);
/* The form's fields (the caller has opened the form). */
void offt_form_fields(off_ctx *c, const offt_draft *d, const offt_errors *e);
/* The error for field, or NULL. */
const char *offt_error_for(const offt_errors *e, const char *field);

/*
 * The preview: how the observe screen will look on a tablet, with a
 * sample focus's question and signs (question may be NULL for the
 * built-in sample), the start screen's context fields, and the note
 * dialog's prompts and phrases.
 */
void offt_preview(off_ctx *c, const model_template *t, const char *question,
                  const char *const *signs, int n_signs);

#endif
