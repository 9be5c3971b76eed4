/*
 * The template designer's form: a draft read from the form or from a
 * template, changed by the list buttons (add, remove, move up and down:
 * submit buttons of the one form, so they work without JavaScript), checked
 * field by field with a sentence that names the field, built into a
 * model_template and put through the same parser the tablets and the
 * command line use, and written back as the form's fields.
 */
#include "off_template_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *nz(const char *s) { return s ? s : ""; }

void offt_from_template(offt_draft *d, const model_template *t)
{
    memset(d, 0, sizeof *d);
    snprintf(d->id, sizeof d->id, "%s", t->id);
    snprintf(d->unit, sizeof d->unit, "%s", t->unit_id);
    d->base = t->version;
    d->name = t->name;
    d->n_scale = t->n_scale;
    for (int i = 0; i < t->n_scale; i++)
        d->scale[i] = t->scale[i];
    d->n_counters = t->n_counters;
    for (int i = 0; i < t->n_counters; i++)
        d->counters[i] = (offt_item){t->counters[i].key, t->counters[i].label};
    d->n_states = t->n_states;
    for (int i = 0; i < t->n_states; i++)
        d->states[i] = (offt_item){t->states[i].key, t->states[i].label};
    d->n_iopts = t->n_interval_options;
    for (int i = 0; i < t->n_interval_options; i++)
        d->iopts[i] = (offt_item){t->interval_options[i].key, t->interval_options[i].label};
    if (t->interval_minutes > 0)
        snprintf(d->nums[0], sizeof d->nums[0], "%d", t->interval_minutes);
    d->minutes = d->nums[0];
    snprintf(d->nums[1], sizeof d->nums[1], "%d", t->green_pct);
    snprintf(d->nums[2], sizeof d->nums[2], "%d", t->yellow_pct);
    d->green = d->nums[1];
    d->yellow = d->nums[2];
    d->n_ctx = t->n_context;
    for (int i = 0; i < t->n_context; i++) {
        const model_ctx_field *f = &t->context[i];
        offt_ctx *x = &d->ctx[i];
        x->key = f->key;
        x->label = f->label;
        x->type = f->type == MODEL_CTX_INT      ? "int"
                  : f->type == MODEL_CTX_CHOICE ? "choice"
                                                : "text";
        if (f->type == MODEL_CTX_INT) {
            snprintf(x->nums[0], sizeof x->nums[0], "%d", f->min);
            snprintf(x->nums[1], sizeof x->nums[1], "%d", f->max);
        }
        x->min = x->nums[0];
        x->max = x->nums[1];
        x->n_opts = f->type == MODEL_CTX_CHOICE ? f->n_options : 0;
        for (int k = 0; k < x->n_opts; k++)
            x->opts[k] = f->options[k];
    }
    d->n_prompts = t->n_prompts;
    for (int i = 0; i < t->n_prompts; i++)
        d->prompts[i] = t->prompts[i];
    d->n_phrases = t->n_phrases;
    for (int i = 0; i < t->n_phrases; i++)
        d->phrases[i] = t->phrases[i];
}

int offt_new(off_ctx *c, offt_draft *d, const char *unit)
{
    memset(d, 0, sizeof *d);
    if (model_id_new(plat_sys_os(), d->id) != 0)
        return -1;
    snprintf(d->unit, sizeof d->unit, "%s", unit);
    d->name = "";
    d->n_scale = 3;
    d->scale[0] = off_tr(c, "Not seen");
    d->scale[1] = off_tr(c, "Partly");
    d->scale[2] = off_tr(c, "Clearly");
    d->minutes = "";
    d->green = "70";
    d->yellow = "40";
    return 0;
}

/* ---- reading the form ---- */

static const char *fget(off_ctx *c, const char *fmt, int i, int k)
{
    char name[OFF_FIELD_NAME_MAX + 1];
    snprintf(name, sizeof name, fmt, i, k);
    return off_form_get(&c->form, name);
}

/* A list of texts named fmt (with the index as its %d). */
static int read_texts(off_ctx *c, const char *fmt, const char **out, int cap)
{
    int n = 0;
    while (n < cap) {
        const char *v = fget(c, fmt, n, 0);
        if (!v)
            break;
        out[n++] = v;
    }
    return n;
}

static int read_items(off_ctx *c, const char *list, offt_item *out, int cap)
{
    char fl[24], fk[24];
    snprintf(fl, sizeof fl, "%s.%%d.label", list);
    snprintf(fk, sizeof fk, "%s.%%d.key", list);
    int n = 0;
    while (n < cap) {
        const char *v = fget(c, fl, n, 0);
        if (!v)
            break;
        out[n].label = v;
        out[n].key = nz(fget(c, fk, n, 0));
        n++;
    }
    return n;
}

void offt_from_form(off_ctx *c, offt_draft *d)
{
    memset(d, 0, sizeof *d);
    const off_form *f = &c->form;
    snprintf(d->id, sizeof d->id, "%s", nz(off_form_get(f, "id")));
    snprintf(d->unit, sizeof d->unit, "%s", nz(off_form_get(f, "unit")));
    const char *base = nz(off_form_get(f, "base"));
    d->base = strspn(base, "0123456789") == strlen(base) && strlen(base) < 8 ? atoi(base) : -1;
    d->name = nz(off_form_get(f, "name"));
    d->minutes = nz(off_form_get(f, "minutes"));
    d->green = nz(off_form_get(f, "green"));
    d->yellow = nz(off_form_get(f, "yellow"));
    d->n_scale = read_texts(c, "scale.%d", d->scale, MODEL_MAX_SCALE);
    d->n_counters = read_items(c, "c", d->counters, MODEL_MAX_COUNTERS);
    d->n_states = read_items(c, "s", d->states, MODEL_MAX_STATES);
    d->n_iopts = read_items(c, "i", d->iopts, MODEL_MAX_INTERVAL_OPTIONS);
    d->n_prompts = read_texts(c, "p.%d", d->prompts, MODEL_MAX_PROMPTS);
    d->n_phrases = read_texts(c, "q.%d", d->phrases, MODEL_MAX_PHRASES);
    while (d->n_ctx < MODEL_MAX_CONTEXT) {
        int i = d->n_ctx;
        const char *label = fget(c, "x.%d.label", i, 0);
        if (!label)
            break;
        offt_ctx *x = &d->ctx[i];
        x->label = label;
        x->key = nz(fget(c, "x.%d.key", i, 0));
        x->type = nz(fget(c, "x.%d.type", i, 0));
        x->min = nz(fget(c, "x.%d.min", i, 0));
        x->max = nz(fget(c, "x.%d.max", i, 0));
        while (x->n_opts < MODEL_MAX_CTX_OPTIONS) {
            const char *o = fget(c, "x.%d.o.%d", i, x->n_opts);
            if (!o)
                break;
            x->opts[x->n_opts++] = o;
        }
        d->n_ctx++;
    }
}

/* ---- the list buttons ---- */

/* One change to a list of n elements of size sz (at most cap): "add"
 * appends an empty one, "del" removes element i, "up" and "down" swap it
 * with its neighbour. */
static void list_op(void *base, size_t sz, int *n, int cap, const char *op, int i)
{
    char *a = base, tmp[sizeof(offt_ctx)];
    if (!strcmp(op, "add")) {
        if (*n < cap) {
            memset(a + (size_t)*n * sz, 0, sz);
            (*n)++;
        }
        return;
    }
    if (i < 0 || i >= *n)
        return;
    if (!strcmp(op, "del")) {
        memmove(a + (size_t)i * sz, a + (size_t)(i + 1) * sz, (size_t)(*n - i - 1) * sz);
        (*n)--;
        return;
    }
    int j = !strcmp(op, "up") ? i - 1 : !strcmp(op, "down") ? i + 1 : -1;
    if (j < 0 || j >= *n || sz > sizeof tmp)
        return;
    memcpy(tmp, a + (size_t)i * sz, sz);
    memcpy(a + (size_t)i * sz, a + (size_t)j * sz, sz);
    memcpy(a + (size_t)j * sz, tmp, sz);
}

int offt_apply(offt_draft *d, const char *act)
{
    if (!act)
        return 0;
    char op[8], list[8];
    int i = -1;
    const char *c1 = strchr(act, ':');
    if (!c1 || (size_t)(c1 - act) >= sizeof op)
        return 0;
    memcpy(op, act, (size_t)(c1 - act));
    op[c1 - act] = 0;
    if (strcmp(op, "add") && strcmp(op, "del") && strcmp(op, "up") && strcmp(op, "down"))
        return 0;
    const char *c2 = strchr(c1 + 1, ':');
    size_t ll = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
    if (ll == 0 || ll >= sizeof list)
        return 0;
    memcpy(list, c1 + 1, ll);
    list[ll] = 0;
    if (c2) {
        if (!c2[1] || strlen(c2 + 1) > 3 || strspn(c2 + 1, "0123456789") != strlen(c2 + 1))
            return 0;
        i = atoi(c2 + 1);
    } else if (strcmp(op, "add") != 0) {
        return 0;
    }
    if (!strcmp(list, "scale"))
        list_op(d->scale, sizeof d->scale[0], &d->n_scale, MODEL_MAX_SCALE, op, i);
    else if (!strcmp(list, "c"))
        list_op(d->counters, sizeof d->counters[0], &d->n_counters, MODEL_MAX_COUNTERS, op, i);
    else if (!strcmp(list, "s"))
        list_op(d->states, sizeof d->states[0], &d->n_states, MODEL_MAX_STATES, op, i);
    else if (!strcmp(list, "i"))
        list_op(d->iopts, sizeof d->iopts[0], &d->n_iopts, MODEL_MAX_INTERVAL_OPTIONS, op, i);
    else if (!strcmp(list, "x"))
        list_op(d->ctx, sizeof d->ctx[0], &d->n_ctx, MODEL_MAX_CONTEXT, op, i);
    else if (!strcmp(list, "p"))
        list_op(d->prompts, sizeof d->prompts[0], &d->n_prompts, MODEL_MAX_PROMPTS, op, i);
    else if (!strcmp(list, "q"))
        list_op(d->phrases, sizeof d->phrases[0], &d->n_phrases, MODEL_MAX_PHRASES, op, i);
    else if (list[0] == 'o' && list[1] && strspn(list + 1, "0123456789") == strlen(list + 1)) {
        int x = atoi(list + 1);
        if (x < 0 || x >= d->n_ctx)
            return 0;
        list_op(d->ctx[x].opts, sizeof d->ctx[x].opts[0], &d->ctx[x].n_opts, MODEL_MAX_CTX_OPTIONS,
                op, i);
    } else
        return 0;
    /* A moved or new element's pointers may be NULL (added): make them "". */
    for (int k = 0; k < d->n_scale; k++)
        d->scale[k] = nz(d->scale[k]);
    for (int k = 0; k < d->n_prompts; k++)
        d->prompts[k] = nz(d->prompts[k]);
    for (int k = 0; k < d->n_phrases; k++)
        d->phrases[k] = nz(d->phrases[k]);
    offt_item *lists[] = {d->counters, d->states, d->iopts};
    int ns[] = {d->n_counters, d->n_states, d->n_iopts};
    for (int l = 0; l < 3; l++)
        for (int k = 0; k < ns[l]; k++) {
            lists[l][k].key = nz(lists[l][k].key);
            lists[l][k].label = nz(lists[l][k].label);
        }
    for (int k = 0; k < d->n_ctx; k++) {
        offt_ctx *x = &d->ctx[k];
        x->key = nz(x->key);
        x->label = nz(x->label);
        x->type = x->type ? x->type : "text";
        /* min and max may point into the element's own buffers, which a
         * move has carried along with it: point them there again. */
        if (!x->min ||
            (x->min >= (const char *)d->ctx && x->min < (const char *)(d->ctx + MODEL_MAX_CONTEXT)))
            x->min = x->nums[0];
        if (!x->max ||
            (x->max >= (const char *)d->ctx && x->max < (const char *)(d->ctx + MODEL_MAX_CONTEXT)))
            x->max = x->nums[1];
        for (int o = 0; o < x->n_opts; o++)
            x->opts[o] = nz(x->opts[o]);
    }
    return 1;
}

/* ---- checking ---- */

const char *offt_error_for(const offt_errors *e, const char *field)
{
    for (int i = 0; e && i < e->n; i++)
        if (!strcmp(e->field[i], field))
            return e->msg[i];
    return NULL;
}

static void add_err(offt_errors *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_err(offt_errors *e, const char *field, const char *fmt, ...)
{
    if (e->n >= OFFT_ERRORS_MAX || offt_error_for(e, field))
        return;
    snprintf(e->field[e->n], sizeof e->field[e->n], "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg[e->n], sizeof e->msg[e->n], fmt, ap);
    va_end(ap);
    e->n++;
}

/* A translated format with printf conversions: the catalogues are checked
 * to keep the source's conversions (tests/ui/test_i18n.c). */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Whether s is blank (empty or only spaces and tabs). */
static int blank(const char *s) { return s[strspn(s, " \t\n")] == 0; }

/* A whole number lo..hi written with digits only (spaces around allowed). */
static int whole(const char *s, long lo, long hi, int *out)
{
    while (*s == ' ')
        s++;
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 7 || s[n + strspn(s + n, " ")] != 0)
        return -1;
    long v = strtol(s, NULL, 10);
    if (v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* A text of an entry: not blank, not longer than max bytes. what is the
 * list's name, i its 1-based number; empty_msgid says what is missing. */
static int check_text(off_ctx *c, offt_errors *e, const char *field, const char *s, size_t max,
                      const char *what, int i, const char *empty_msgid)
{
    if (blank(s)) {
        add_err(e, field, off_tr(c, empty_msgid), what, i);
        return -1;
    }
    if (strlen(s) > max) {
        add_err(e, field,
                off_tr(c, "%s, no. %d: too long, at most %d characters (æ, ø and å count as "
                          "two)."),
                what, i, (int)max);
        return -1;
    }
    return 0;
}

/* Makes a key from a label: lower-case letters and digits, Danish letters
 * spelt out, anything else one underscore; at most 24 characters, so that
 * a number can be added to keep it unique. */
static void slug(const char *label, char *out, size_t cap)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)label;
    size_t lim = cap - 1 < 24 ? cap - 1 : 24;
    while (*p && n < lim) {
        const char *rep = NULL;
        char one[2] = {0, 0};
        if (p[0] == 0xC3 && p[1]) {
            switch (p[1]) {
            case 0xA6:
            case 0x86: rep = "ae"; break; /* æ Æ */
            case 0xB8:
            case 0x98: rep = "oe"; break; /* ø Ø */
            case 0xA5:
            case 0x85: rep = "aa"; break; /* å Å */
            case 0xA9:
            case 0x89: rep = "e"; break; /* é É */
            case 0xBC:
            case 0x9C: rep = "u"; break; /* ü Ü */
            case 0xB6:
            case 0x96: rep = "o"; break; /* ö Ö */
            case 0xA4:
            case 0x84: rep = "a"; break; /* ä Ä */
            default: rep = "_";
            }
            p += 2;
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
            one[0] = (char)*p++;
            rep = one;
        } else if (*p >= 'A' && *p <= 'Z') {
            one[0] = (char)(*p++ - 'A' + 'a');
            rep = one;
        } else {
            /* Any other character, whole (the rest of a UTF-8 sequence). */
            p++;
            while ((*p & 0xC0) == 0x80)
                p++;
            rep = "_";
        }
        for (; *rep && n < lim; rep++) {
            if (*rep == '_' && (n == 0 || out[n - 1] == '_'))
                continue;
            out[n++] = *rep;
        }
    }
    while (n > 0 && out[n - 1] == '_')
        n--;
    out[n] = 0;
    if (!n)
        snprintf(out, cap, "k");
}

/* A key made from label that none of taken[0..n) has. */
static void fresh_key(const char *label, char (*taken)[MODEL_KEY_MAX + 1], int n, char *out)
{
    char base[25];
    slug(label, base, sizeof base);
    snprintf(out, MODEL_KEY_MAX + 1, "%s", base);
    /* At most 36 keys are taken, so a number below 100 is always free. */
    for (int k = 2; k < 100; k++) {
        int used = 0;
        for (int j = 0; j < n && !used; j++)
            used = !strcmp(taken[j], out);
        if (!used)
            return;
        snprintf(out, MODEL_KEY_MAX + 1, "%s_%d", base, k % 100);
    }
}

/* Checks a list of items (labels, keys given by a form made before) and
 * its labels told apart. */
static void check_items(off_ctx *c, offt_errors *e, const offt_item *it, int n, const char *list,
                        const char *what)
{
    char field[40];
    for (int i = 0; i < n; i++) {
        snprintf(field, sizeof field, "%s.%d.label", list, i);
        if (check_text(c, e, field, it[i].label, MODEL_LABEL_MAX, what, i + 1,
                       "%s, no. %d: the name is empty."))
            continue;
        char kerr[120];
        if (it[i].key[0] && model_key_check(it[i].key, "key", kerr, sizeof kerr)) {
            add_err(e, field, off_tr(c, "%s, no. %d: its key is not valid."), what, i + 1);
            continue;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(it[i].label, it[j].label)) {
                add_err(e, field, off_tr(c, "%s, no. %d: the same name as no. %d."), what, i + 1,
                        j + 1);
                break;
            }
    }
}

static void check_texts(off_ctx *c, offt_errors *e, const char *const *s, int n, const char *list,
                        size_t max, const char *what)
{
    char field[40];
    for (int i = 0; i < n; i++) {
        snprintf(field, sizeof field, "%s.%d", list, i);
        check_text(c, e, field, s[i], max, what, i + 1, "%s, no. %d: the text is empty.");
    }
}

/* Finds the field a refusal of the parser is about, from the words it
 * names: the entry it counts, or the key it names, or the part. */
static void map_refusal(off_ctx *c, const offt_draft *d, const model_template *t, const char *msg,
                        offt_errors *e)
{
    static const struct {
        const char *words, *list;
    } entries[] = {{"counters entry ", "c"},
                   {"states entry ", "s"},
                   {"interval options entry ", "i"},
                   {"context entry ", "x"}};
    char field[40] = "name";
    const char *p;
    for (size_t k = 0; k < sizeof entries / sizeof entries[0]; k++)
        if ((p = strstr(msg, entries[k].words))) {
            int n = atoi(p + strlen(entries[k].words));
            snprintf(field, sizeof field, "%s.%d.label", entries[k].list, n > 0 ? n - 1 : 0);
            goto found;
        }
    if ((p = strstr(msg, "key \""))) {
        p += 5;
        size_t len = strcspn(p, "\"");
        for (int i = 0; i < t->n_counters; i++)
            if (strlen(t->counters[i].key) == len && !strncmp(t->counters[i].key, p, len)) {
                snprintf(field, sizeof field, "c.%d.label", i);
                goto found;
            }
        for (int i = 0; i < t->n_states; i++)
            if (strlen(t->states[i].key) == len && !strncmp(t->states[i].key, p, len)) {
                snprintf(field, sizeof field, "s.%d.label", i);
                goto found;
            }
        for (int i = 0; i < t->n_interval_options; i++)
            if (strlen(t->interval_options[i].key) == len &&
                !strncmp(t->interval_options[i].key, p, len)) {
                snprintf(field, sizeof field, "i.%d.label", i);
                goto found;
            }
    }
    if (strstr(msg, "scale"))
        snprintf(field, sizeof field, d->n_scale ? "scale.0" : "add-scale");
    else if (strstr(msg, "nterval"))
        snprintf(field, sizeof field, "minutes");
    else if (strstr(msg, "ontext") && d->n_ctx)
        snprintf(field, sizeof field, "x.0.label");
    else if (strstr(msg, "prompt") && d->n_prompts)
        snprintf(field, sizeof field, "p.0");
    else if (strstr(msg, "phrase") && d->n_phrases)
        snprintf(field, sizeof field, "q.0");
    else if (strstr(msg, "hreshold"))
        snprintf(field, sizeof field, "green");
found:
    add_err(e, field, off_tr(c, "The template was refused: %s"), msg);
}

int offt_build(off_ctx *c, const offt_draft *d, model_template *out, offt_errors *e)
{
    memset(e, 0, sizeof *e);
    const char *w_scale = off_tr(c, "Sign scale"), *w_counters = off_tr(c, "Counters"),
               *w_states = off_tr(c, "State timers"), *w_iopts = off_tr(c, "Interval answers"),
               *w_ctx = off_tr(c, "Context fields"), *w_prompts = off_tr(c, "Note prompts"),
               *w_phrases = off_tr(c, "Quick phrases");
    if (blank(d->name))
        add_err(e, "name", "%s", off_tr(c, "Name: write a name for the template."));
    else if (strlen(d->name) > MODEL_NAME_MAX)
        add_err(e, "name",
                off_tr(c, "Name: too long, at most %d characters (æ, ø and å count as two)."),
                MODEL_NAME_MAX);
    if (d->n_scale < 2)
        add_err(e, d->n_scale ? "scale.0" : "add-scale",
                off_tr(c, "Sign scale: give 2 to %d levels, lowest first."), MODEL_MAX_SCALE);
    check_texts(c, e, d->scale, d->n_scale, "scale", MODEL_LABEL_MAX, w_scale);
    check_items(c, e, d->counters, d->n_counters, "c", w_counters);
    check_items(c, e, d->states, d->n_states, "s", w_states);
    check_items(c, e, d->iopts, d->n_iopts, "i", w_iopts);
    int minutes = 0;
    if (!blank(d->minutes) && whole(d->minutes, 0, 120, &minutes))
        add_err(e, "minutes", "%s",
                off_tr(c, "Interval sampling: the minutes must be a whole number from 1 to 120, "
                          "or empty for none."));
    else if (minutes > 0 && d->n_iopts == 0)
        add_err(e, "add-i", "%s",
                off_tr(c, "Interval sampling: add at least one answer, or empty the minutes."));
    else if (minutes == 0 && d->n_iopts > 0)
        add_err(e, "minutes", "%s",
                off_tr(c, "Interval sampling: write the minutes between prompts, or remove the "
                          "answers."));
    char field[40];
    int mins[MODEL_MAX_CONTEXT] = {0}, maxs[MODEL_MAX_CONTEXT] = {0};
    for (int i = 0; i < d->n_ctx; i++) {
        const offt_ctx *x = &d->ctx[i];
        snprintf(field, sizeof field, "x.%d.label", i);
        if (!check_text(c, e, field, x->label, MODEL_LABEL_MAX, w_ctx, i + 1,
                        "%s, no. %d: the name is empty.")) {
            char kerr[120];
            if (x->key[0] && model_key_check(x->key, "key", kerr, sizeof kerr))
                add_err(e, field, off_tr(c, "%s, no. %d: its key is not valid."), w_ctx, i + 1);
            for (int j = 0; j < i; j++)
                if (!strcmp(x->label, d->ctx[j].label)) {
                    add_err(e, field, off_tr(c, "%s, no. %d: the same name as no. %d."), w_ctx,
                            i + 1, j + 1);
                    break;
                }
        }
        snprintf(field, sizeof field, "x.%d.type", i);
        if (!strcmp(x->type, "int")) {
            snprintf(field, sizeof field, "x.%d.min", i);
            int bad = 0;
            if (whole(x->min, 0, 100000, &mins[i]))
                bad = 1, add_err(e, field,
                                 off_tr(c, "%s, no. %d: the smallest number must be a whole "
                                           "number from 0 to 100000."),
                                 w_ctx, i + 1);
            snprintf(field, sizeof field, "x.%d.max", i);
            if (whole(x->max, 0, 100000, &maxs[i]))
                bad = 1, add_err(e, field,
                                 off_tr(c, "%s, no. %d: the largest number must be a whole "
                                           "number from 0 to 100000."),
                                 w_ctx, i + 1);
            if (!bad && mins[i] > maxs[i])
                add_err(e, field,
                        off_tr(c, "%s, no. %d: the largest number must not be smaller than the "
                                  "smallest."),
                        w_ctx, i + 1);
        } else if (!strcmp(x->type, "choice")) {
            if (x->n_opts < 2) {
                snprintf(field, sizeof field, x->n_opts ? "x.%d.o.0" : "add-o%d", i);
                add_err(e, field, off_tr(c, "%s, no. %d: a choice needs 2 to %d options."), w_ctx,
                        i + 1, MODEL_MAX_CTX_OPTIONS);
            }
            for (int o = 0; o < x->n_opts; o++) {
                snprintf(field, sizeof field, "x.%d.o.%d", i, o);
                if (blank(x->opts[o])) {
                    add_err(e, field, off_tr(c, "%s, no. %d, option %d: the text is empty."), w_ctx,
                            i + 1, o + 1);
                    continue;
                }
                if (strlen(x->opts[o]) > MODEL_LABEL_MAX) {
                    add_err(e, field,
                            off_tr(c, "%s, no. %d, option %d: too long, at most %d characters "
                                      "(æ, ø and å count as two)."),
                            w_ctx, i + 1, o + 1, MODEL_LABEL_MAX);
                    continue;
                }
                for (int p = 0; p < o; p++)
                    if (!strcmp(x->opts[o], x->opts[p])) {
                        add_err(e, field,
                                off_tr(c, "%s, no. %d, option %d: the same as option %d."), w_ctx,
                                i + 1, o + 1, p + 1);
                        break;
                    }
            }
        } else if (strcmp(x->type, "text") != 0) {
            add_err(e, field, off_tr(c, "%s, no. %d: choose what kind of field it is."), w_ctx,
                    i + 1);
        }
    }
    check_texts(c, e, d->prompts, d->n_prompts, "p", MODEL_PHRASE_MAX, w_prompts);
    check_texts(c, e, d->phrases, d->n_phrases, "q", MODEL_PHRASE_MAX, w_phrases);
    int green = 0, yellow = 0, gbad = whole(d->green, 0, 100, &green),
        ybad = whole(d->yellow, 0, 100, &yellow);
    if (gbad)
        add_err(e, "green", "%s",
                off_tr(c, "Green threshold: write a whole number from 0 to 100."));
    if (ybad)
        add_err(e, "yellow", "%s",
                off_tr(c, "Yellow threshold: write a whole number from 0 to 100."));
    if (!gbad && !ybad && green < yellow)
        add_err(e, "green", "%s",
                off_tr(c, "The green threshold must not be lower than the yellow threshold."));
    if (e->n)
        return -1;

    model_template *t = calloc(1, sizeof *t);
    if (!t) {
        add_err(e, "name", "%s", off_tr(c, "The page could not be made."));
        return -1;
    }
    snprintf(t->id, sizeof t->id, "%s", d->id);
    snprintf(t->unit_id, sizeof t->unit_id, "%s", d->unit);
    t->version = 1;
    snprintf(t->name, sizeof t->name, "%s", d->name);
    t->n_scale = d->n_scale;
    for (int i = 0; i < d->n_scale; i++)
        snprintf(t->scale[i], sizeof t->scale[i], "%s", d->scale[i]);
    /* Keys: those the entries have keep; new entries get one made from
     * their label, unique among counters, states and interval answers
     * (events name them by key alone). */
    char taken[MODEL_MAX_COUNTERS + MODEL_MAX_STATES + MODEL_MAX_INTERVAL_OPTIONS]
              [MODEL_KEY_MAX + 1];
    int nt = 0;
    const offt_item *lists[] = {d->counters, d->states, d->iopts};
    int ns[] = {d->n_counters, d->n_states, d->n_iopts};
    model_item *dst[] = {t->counters, t->states, t->interval_options};
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < ns[l]; i++)
            if (lists[l][i].key[0])
                snprintf(taken[nt++], sizeof taken[0], "%s", lists[l][i].key);
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < ns[l]; i++) {
            snprintf(dst[l][i].label, sizeof dst[l][i].label, "%s", lists[l][i].label);
            if (lists[l][i].key[0]) {
                snprintf(dst[l][i].key, sizeof dst[l][i].key, "%s", lists[l][i].key);
            } else {
                fresh_key(lists[l][i].label, taken, nt, dst[l][i].key);
                snprintf(taken[nt++], sizeof taken[0], "%s", dst[l][i].key);
            }
        }
    t->n_counters = d->n_counters;
    t->n_states = d->n_states;
    t->n_interval_options = d->n_iopts;
    t->interval_minutes = minutes;
    char ctaken[MODEL_MAX_CONTEXT][MODEL_KEY_MAX + 1];
    int nc = 0;
    for (int i = 0; i < d->n_ctx; i++)
        if (d->ctx[i].key[0])
            snprintf(ctaken[nc++], sizeof ctaken[0], "%s", d->ctx[i].key);
    for (int i = 0; i < d->n_ctx; i++) {
        const offt_ctx *x = &d->ctx[i];
        model_ctx_field *f = &t->context[i];
        snprintf(f->label, sizeof f->label, "%s", x->label);
        if (x->key[0]) {
            snprintf(f->key, sizeof f->key, "%s", x->key);
        } else {
            fresh_key(x->label, ctaken, nc, f->key);
            snprintf(ctaken[nc++], sizeof ctaken[0], "%s", f->key);
        }
        f->type = !strcmp(x->type, "int")      ? MODEL_CTX_INT
                  : !strcmp(x->type, "choice") ? MODEL_CTX_CHOICE
                                               : MODEL_CTX_TEXT;
        if (f->type == MODEL_CTX_INT) {
            f->min = mins[i];
            f->max = maxs[i];
        }
        if (f->type == MODEL_CTX_CHOICE) {
            f->n_options = x->n_opts;
            for (int o = 0; o < x->n_opts; o++)
                snprintf(f->options[o], sizeof f->options[o], "%s", x->opts[o]);
        }
    }
    t->n_context = d->n_ctx;
    t->n_prompts = d->n_prompts;
    for (int i = 0; i < d->n_prompts; i++)
        snprintf(t->prompts[i], sizeof t->prompts[i], "%s", d->prompts[i]);
    t->n_phrases = d->n_phrases;
    for (int i = 0; i < d->n_phrases; i++)
        snprintf(t->phrases[i], sizeof t->phrases[i], "%s", d->phrases[i]);
    t->green_pct = green;
    t->yellow_pct = yellow;

    /* The tablets' and the command line's own parser has the last word:
     * what the office accepts, they accept. */
    char *json = model_template_to_json(t);
    char msg[300] = "";
    int rc = -1;
    if (!json)
        add_err(e, "name", "%s", off_tr(c, "The page could not be made."));
    else if (model_template_parse(json, strlen(json), out, msg, sizeof msg) != 0)
        map_refusal(c, d, t, msg, e);
    else
        rc = 0;
    free(json);
    free(t);
    return rc;
}

/* ---- writing the form ---- */

/* A submit button of the form that changes a list: label is shown, row
 * (may be NULL) is said to screen readers after it. */
static void list_button(off_ctx *c, const char *act, const char *label, const char *row,
                        const char *id)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<button type=\"submit\" class=\"secondary tpl-small\" name=\"act\" value=\"");
    off_buf_esc(b, act);
    off_buf_put(b, "\"");
    if (id) {
        off_buf_put(b, " id=\"f-");
        off_buf_esc(b, id);
        off_buf_put(b, "\"");
    }
    off_buf_put(b, ">");
    off_buf_esc(b, label);
    if (row) {
        off_buf_put(b, "<span class=\"tpl-vh\"> ");
        off_buf_esc(b, row);
        off_buf_put(b, "</span>");
    }
    off_buf_put(b, "</button>");
}

/* The up, down and remove buttons of row i of n in list. */
static void row_buttons(off_ctx *c, const char *list, int i, int n, const char *row)
{
    char act[32];
    off_buf_put(&c->body, "<div class=\"tpl-rowbtns\">");
    if (i > 0) {
        snprintf(act, sizeof act, "up:%s:%d", list, i);
        list_button(c, act, off_tr(c, "Move up"), row, NULL);
    }
    if (i < n - 1) {
        snprintf(act, sizeof act, "down:%s:%d", list, i);
        list_button(c, act, off_tr(c, "Move down"), row, NULL);
    }
    snprintf(act, sizeof act, "del:%s:%d", list, i);
    list_button(c, act, off_tr(c, "Remove"), row, NULL);
    off_buf_put(&c->body, "</div>");
}

static void hidden(off_ctx *c, const char *name, const char *value)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<input type=\"hidden\" name=\"");
    off_buf_esc(b, name);
    off_buf_put(b, "\" value=\"");
    off_buf_esc(b, value);
    off_buf_put(b, "\">");
}

/* The add button of a list, or a note that it is full. */
static void add_button(off_ctx *c, const char *list, int n, int cap, const char *label,
                       const offt_errors *e)
{
    char act[24], id[24];
    snprintf(act, sizeof act, "add:%s", list);
    snprintf(id, sizeof id, "add-%s", list);
    const char *err = offt_error_for(e, id);
    if (err) {
        off_buf_put(&c->body, "<p class=\"error tpl-error\">");
        off_buf_esc(&c->body, err);
        off_buf_put(&c->body, "</p>");
    }
    if (n < cap) {
        list_button(c, act, label, NULL, id);
    } else {
        off_buf_put(&c->body, "<p class=\"muted\">");
        off_buf_printf(&c->body, off_tr(c, "The list is full (at most %d)."), cap);
        off_buf_put(&c->body, "</p>");
    }
}

static void section(off_ctx *c, const char *legend, const char *explain)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<fieldset class=\"tpl-section\"><legend>");
    off_buf_esc(b, legend);
    off_buf_put(b, "</legend><p class=\"hint\">");
    off_buf_esc(b, explain);
    off_buf_put(b, "</p>");
}

/* A list of texts (scale, prompts, phrases): one field a row. */
static void text_list(off_ctx *c, const char *list, const char *const *v, int n, int cap,
                      size_t max, const char *row_fmt, const char *add, const offt_errors *e)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<ol class=\"tpl-list\">");
    for (int i = 0; i < n; i++) {
        char name[40], row[120];
        snprintf(name, sizeof name, "%s.%d", list, i);
        snprintf(row, sizeof row, row_fmt, i + 1);
        off_buf_put(b, "<li class=\"tpl-row\">");
        off_input(c, "text", name, row, v[i], (int)max, NULL, offt_error_for(e, name));
        row_buttons(c, list, i, n, row);
        off_buf_put(b, "</li>");
    }
    off_buf_put(b, "</ol>");
    add_button(c, list, n, cap, add, e);
}

static void item_list(off_ctx *c, const char *list, const offt_item *v, int n, int cap,
                      const char *row_fmt, const char *add, const offt_errors *e)
{
    off_buf *b = &c->body;
    off_buf_put(b, "<ol class=\"tpl-list\">");
    for (int i = 0; i < n; i++) {
        char name[40], kname[40], row[120];
        snprintf(name, sizeof name, "%s.%d.label", list, i);
        snprintf(kname, sizeof kname, "%s.%d.key", list, i);
        snprintf(row, sizeof row, row_fmt, i + 1);
        off_buf_put(b, "<li class=\"tpl-row\">");
        hidden(c, kname, v[i].key);
        off_input(c, "text", name, row, v[i].label, MODEL_LABEL_MAX, NULL, offt_error_for(e, name));
        row_buttons(c, list, i, n, row);
        off_buf_put(b, "</li>");
    }
    off_buf_put(b, "</ol>");
    add_button(c, list, n, cap, add, e);
}

void offt_form_fields(off_ctx *c, const offt_draft *d, const offt_errors *e)
{
    off_buf *b = &c->body;
    char base[16];
    snprintf(base, sizeof base, "%d", d->base);
    hidden(c, "id", d->id);
    hidden(c, "unit", d->unit);
    hidden(c, "base", base);
    off_input(c, "text", "name", off_tr(c, "Name"), d->name, MODEL_NAME_MAX,
              off_tr(c, "What the observers choose it by, such as \"Circle time\"."),
              offt_error_for(e, "name"));

    section(c, off_tr(c, "Sign scale"),
            off_tr(c, "How each of the focus's signs is rated while observing: 2 to 5 levels, "
                      "lowest first. The overview counts a sign as seen from the second level."));
    text_list(c, "scale", d->scale, d->n_scale, MODEL_MAX_SCALE, MODEL_LABEL_MAX,
              off_tr(c, "Level %d"), off_tr(c, "Add a level"), e);
    off_buf_put(b, "</fieldset>");

    section(c, off_tr(c, "Counters"),
            off_tr(c, "Big buttons the observer taps each time something happens, such as an "
                      "open question."));
    item_list(c, "c", d->counters, d->n_counters, MODEL_MAX_COUNTERS, off_tr(c, "Counter %d"),
              off_tr(c, "Add a counter"), e);
    off_buf_put(b, "</fieldset>");

    section(c, off_tr(c, "State timers"),
            off_tr(c, "Switched on and off to measure how long something lasts, such as waiting "
                      "time."));
    item_list(c, "s", d->states, d->n_states, MODEL_MAX_STATES, off_tr(c, "Timer %d"),
              off_tr(c, "Add a timer"), e);
    off_buf_put(b, "</fieldset>");

    section(c, off_tr(c, "Interval sampling"),
            off_tr(c, "Every so many minutes the tablet asks, gently, what is happening right "
                      "now, and the observer taps one answer. Leave the minutes empty for none."));
    off_input(c, "number", "minutes", off_tr(c, "Minutes between prompts"), d->minutes, 3, NULL,
              offt_error_for(e, "minutes"));
    item_list(c, "i", d->iopts, d->n_iopts, MODEL_MAX_INTERVAL_OPTIONS, off_tr(c, "Answer %d"),
              off_tr(c, "Add an answer"), e);
    off_buf_put(b, "</fieldset>");

    section(c, off_tr(c, "Context fields"),
            off_tr(c, "Asked when an observation starts: a number (such as the number of "
                      "children), a short text, or a choice between a few options. After "
                      "changing the kind, press \"Update the form\"."));
    off_buf_put(b, "<ol class=\"tpl-list\">");
    static const char *const types[] = {"text", "int", "choice"};
    const char *type_labels[] = {off_tr(c, "Text"), off_tr(c, "Number"), off_tr(c, "Choice")};
    for (int i = 0; i < d->n_ctx; i++) {
        const offt_ctx *x = &d->ctx[i];
        char name[40], row[120];
        snprintf(row, sizeof row, off_tr(c, "Context field %d"), i + 1);
        off_buf_put(b, "<li class=\"tpl-row tpl-ctx\"><div class=\"tpl-ctxfields\">");
        snprintf(name, sizeof name, "x.%d.key", i);
        hidden(c, name, x->key);
        snprintf(name, sizeof name, "x.%d.label", i);
        off_input(c, "text", name, row, x->label, MODEL_LABEL_MAX, NULL, offt_error_for(e, name));
        snprintf(name, sizeof name, "x.%d.type", i);
        char tl[160];
        snprintf(tl, sizeof tl, off_tr(c, "Kind of field %d"), i + 1);
        off_select(c, name, tl, types, type_labels, 3, x->type, offt_error_for(e, name));
        if (!strcmp(x->type, "int")) {
            snprintf(name, sizeof name, "x.%d.min", i);
            snprintf(tl, sizeof tl, off_tr(c, "Smallest number, field %d"), i + 1);
            off_input(c, "number", name, tl, x->min, 6, NULL, offt_error_for(e, name));
            snprintf(name, sizeof name, "x.%d.max", i);
            snprintf(tl, sizeof tl, off_tr(c, "Largest number, field %d"), i + 1);
            off_input(c, "number", name, tl, x->max, 6, NULL, offt_error_for(e, name));
        } else if (!strcmp(x->type, "choice")) {
            off_buf_put(b, "<ol class=\"tpl-list tpl-opts\">");
            for (int o = 0; o < x->n_opts; o++) {
                char list[16], orow[160];
                snprintf(list, sizeof list, "o%d", i);
                snprintf(name, sizeof name, "x.%d.o.%d", i, o);
                snprintf(orow, sizeof orow, off_tr(c, "Option %d of field %d"), o + 1, i + 1);
                off_buf_put(b, "<li class=\"tpl-row\">");
                off_input(c, "text", name, orow, x->opts[o], MODEL_LABEL_MAX, NULL,
                          offt_error_for(e, name));
                row_buttons(c, list, o, x->n_opts, orow);
                off_buf_put(b, "</li>");
            }
            off_buf_put(b, "</ol>");
            char list[16], addl[160];
            snprintf(list, sizeof list, "o%d", i);
            snprintf(addl, sizeof addl, off_tr(c, "Add an option to field %d"), i + 1);
            add_button(c, list, x->n_opts, MODEL_MAX_CTX_OPTIONS, addl, e);
        }
        off_buf_put(b, "</div>");
        row_buttons(c, "x", i, d->n_ctx, row);
        off_buf_put(b, "</li>");
    }
    off_buf_put(b, "</ol>");
    add_button(c, "x", d->n_ctx, MODEL_MAX_CONTEXT, off_tr(c, "Add a context field"), e);
    list_button(c, "refresh", off_tr(c, "Update the form"), NULL, NULL);
    off_buf_put(b, "</fieldset>");

    section(c, off_tr(c, "Note prompts"),
            off_tr(c, "Questions shown when the observer writes a note, to help them notice."));
    text_list(c, "p", d->prompts, d->n_prompts, MODEL_MAX_PROMPTS, MODEL_PHRASE_MAX,
              off_tr(c, "Prompt %d"), off_tr(c, "Add a prompt"), e);
    off_buf_put(b, "</fieldset>");

    section(c, off_tr(c, "Quick phrases"),
            off_tr(c, "Ready-made words a note can begin with, so the observer types less."));
    text_list(c, "q", d->phrases, d->n_phrases, MODEL_MAX_PHRASES, MODEL_PHRASE_MAX,
              off_tr(c, "Phrase %d"), off_tr(c, "Add a phrase"), e);
    off_buf_put(b, "</fieldset>");

    section(c, off_tr(c, "Red, yellow and green"),
            off_tr(c, "The overview colours each sign by the share of observations, in percent, "
                      "in which it was seen at least at the second level: green from the green "
                      "threshold, yellow from the yellow one, red below."));
    off_buf_put(b, "<div class=\"tpl-thresholds\">");
    off_input(c, "number", "green", off_tr(c, "Green from (percent)"), d->green, 3, NULL,
              offt_error_for(e, "green"));
    off_input(c, "number", "yellow", off_tr(c, "Yellow from (percent)"), d->yellow, 3, NULL,
              offt_error_for(e, "yellow"));
    off_buf_put(b, "</div></fieldset>");
}
