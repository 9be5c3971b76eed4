/* A reader for gettext .po files and a hash table over their entries. */
#include "i18n.h"
#include "plat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *key;    /* msgid, or msgctxt "\004" msgid as gettext keys it */
    const char *str;    /* msgstr, or msgstr[0] with the further forms after it */
    const char *plural; /* msgid_plural, or NULL */
    int nforms;         /* msgstr[0..nforms-1]; 0 for an entry without plurals */
} entry;

/* The longest Plural-Forms rule kept; real ones are under 100 characters. */
#define PLURAL_RULE_MAX 160

struct i18n {
    entry *entries;
    int n, cap;
    int *table; /* open addressing: index+1 into entries, 0 = empty */
    int tsize;  /* a power of two */
    char *blob; /* all strings, back to back */
    size_t blob_len, blob_cap;
    char lang[16];
    int nplurals; /* from Plural-Forms; 0: none given, English's rule */
    char plural_rule[PLURAL_RULE_MAX];
};

static uint32_t hash(const char *s) { return (uint32_t)plat_hash(PLAT_HASH_START, s, strlen(s)); }

i18n *i18n_empty(void) { return calloc(1, sizeof(i18n)); }

void i18n_free(i18n *t)
{
    if (!t)
        return;
    free(t->entries);
    free(t->table);
    free(t->blob);
    free(t);
}

static const entry *find(const i18n *t, const char *key)
{
    if (!t || !t->tsize)
        return NULL;
    uint32_t m = (uint32_t)t->tsize - 1;
    for (uint32_t i = hash(key) & m;; i = (i + 1) & m) {
        int e = t->table[i];
        if (!e)
            return NULL;
        if (strcmp(t->entries[e - 1].key, key) == 0)
            return &t->entries[e - 1];
    }
}

static const char *lookup(const i18n *t, const char *key)
{
    const entry *e = find(t, key);
    return e ? e->str : NULL;
}

const char *i18n_tr(const i18n *t, const char *msgid)
{
    const char *s = lookup(t, msgid);
    return s ? s : msgid;
}

/* The k-th plural form of an entry: the forms lie back to back. */
static const char *form(const entry *e, int k)
{
    const char *s = e->str;
    for (int i = 0; i < k; i++)
        s += strlen(s) + 1;
    return s;
}

/* ---- the Plural-Forms rule ----
 * gettext writes a language's rule as a C expression in n, for example
 * "n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2" for
 * Polish. It is evaluated here by recursive descent, with C's operators
 * and precedence; values are unsigned, as in gettext. */

typedef struct {
    const char *p;
    unsigned long long n;
    int bad, depth;
} rule;

static unsigned long long rule_cond(rule *r);

static void rule_space(rule *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n')
        r->p++;
}

/* A number, n, a parenthesised expression or a negation. The depth bound
 * keeps a hostile catalogue from recursing without end. */
static unsigned long long rule_primary(rule *r)
{
    unsigned long long v = 0;
    rule_space(r);
    if (++r->depth > 64) {
        r->bad = 1;
    } else if (*r->p == '!' && r->p[1] != '=') {
        r->p++;
        v = !rule_primary(r);
    } else if (*r->p == '(') {
        r->p++;
        v = rule_cond(r);
        rule_space(r);
        if (*r->p == ')')
            r->p++;
        else
            r->bad = 1;
    } else if (*r->p == 'n') {
        r->p++;
        v = r->n;
    } else if (*r->p >= '0' && *r->p <= '9') {
        char *end;
        v = strtoull(r->p, &end, 10);
        r->p = end;
    } else {
        r->bad = 1;
    }
    r->depth--;
    return v;
}

/* Binary operators by precedence, loosest first; longer spellings first so
 * that "<=" is not read as "<". */
static const char *const rule_ops[][4] = {
    {"||"}, {"&&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/", "%"},
};
#define RULE_LEVELS ((int)(sizeof rule_ops / sizeof rule_ops[0]))

static unsigned long long rule_binary(rule *r, int level)
{
    if (level == RULE_LEVELS)
        return rule_primary(r);
    unsigned long long v = rule_binary(r, level + 1);
    while (!r->bad) {
        rule_space(r);
        const char *op = NULL;
        for (int i = 0; i < 4 && rule_ops[level][i] && !op; i++)
            if (!strncmp(r->p, rule_ops[level][i], strlen(rule_ops[level][i])))
                op = rule_ops[level][i];
        if (!op)
            break;
        r->p += strlen(op);
        unsigned long long w = rule_binary(r, level + 1);
        switch (op[0] == op[1] || op[1] == '=' ? op[0] + 256 : op[0]) {
        case '|' + 256: v = v || w; break;
        case '&' + 256: v = v && w; break;
        case '=' + 256: v = v == w; break;
        case '!' + 256: v = v != w; break;
        case '<' + 256: v = v <= w; break;
        case '>' + 256: v = v >= w; break;
        case '<': v = v < w; break;
        case '>': v = v > w; break;
        case '+': v = v + w; break;
        case '-': v = v - w; break;
        case '*': v = v * w; break;
        /* gettext would crash on a division by zero; form 0 is kinder. */
        case '/': v = w ? v / w : 0; break;
        default: v = w ? v % w : 0; break;
        }
    }
    return v;
}

/* A condition `c ? a : b`, nested to the right. It recurses for each
 * branch, so it counts towards the same depth bound as parentheses: a
 * hostile catalogue cannot make the reader recurse without end. */
static unsigned long long rule_cond(rule *r)
{
    if (++r->depth > 64) {
        r->bad = 1;
        return 0;
    }
    unsigned long long c = rule_binary(r, 0), v = c;
    rule_space(r);
    if (!r->bad && *r->p == '?') {
        r->p++;
        unsigned long long a = rule_cond(r);
        rule_space(r);
        if (*r->p != ':') {
            r->bad = 1;
            v = 0;
        } else {
            r->p++;
            unsigned long long b = rule_cond(r);
            v = c ? a : b;
        }
    }
    r->depth--;
    return v;
}

/* Which form n takes; -1 if the rule cannot be read. */
static int rule_eval(const char *text, int nplurals, unsigned long long n)
{
    rule r = {text, n, 0, 0};
    unsigned long long v = rule_cond(&r);
    rule_space(&r);
    if (r.bad || *r.p)
        return -1;
    return v < (unsigned long long)nplurals ? (int)v : 0;
}

const char *i18n_ntr(const i18n *t, const char *singular, const char *plural, long long n)
{
    unsigned long long v = n < 0 ? 0ull - (unsigned long long)n : (unsigned long long)n;
    const entry *e = find(t, singular);
    if (e && e->nforms > 0) {
        int k = t->nplurals ? rule_eval(t->plural_rule, t->nplurals, v) : v != 1;
        if (k >= 0 && k < e->nforms && *form(e, k))
            return form(e, k);
    }
    /* Untranslated: the source strings are English, with its rule. */
    return v == 1 ? singular : plural;
}

const char *i18n_trc(const i18n *t, const char *ctxt, const char *msgid)
{
    char key[1024];
    int n = snprintf(key, sizeof key, "%s\004%s", ctxt, msgid);
    if (n < 0 || (size_t)n >= sizeof key)
        return msgid;
    const char *s = lookup(t, key);
    return s ? s : msgid;
}

int i18n_count(const i18n *t) { return t ? t->n : 0; }

int i18n_entry(const i18n *t, int n, const char **msgid, const char **msgstr)
{
    if (!t || n < 0 || n >= t->n)
        return -1;
    const char *k = t->entries[n].key;
    const char *sep = strchr(k, '\004');
    *msgid = sep ? sep + 1 : k;
    *msgstr = t->entries[n].str;
    return 0;
}

const char *i18n_language(const i18n *t) { return t ? t->lang : ""; }

int i18n_nplurals(const i18n *t) { return t && t->nplurals ? t->nplurals : 2; }

int i18n_entry_forms(const i18n *t, int n, const char **msgid_plural, const char **forms, int cap)
{
    if (!t || n < 0 || n >= t->n)
        return -1;
    const entry *e = &t->entries[n];
    *msgid_plural = e->plural;
    for (int k = 0; k < e->nforms && k < cap; k++)
        forms[k] = form(e, k);
    return e->nforms;
}

/* ---- parsing ---- */

/* The text of one entry while it is being read. Strings grow by appending
 * continuation lines, so each is a small growable buffer. */
typedef struct {
    char *s;
    size_t len, cap;
} sbuf;

/* No string in a catalogue comes near this; the bound also keeps a broken
 * file from asking for absurd amounts of memory. */
#define PO_STRING_MAX ((size_t)1 << 20)
/* A whole catalogue; Blik's are under 20 KiB. */
#define PO_FILE_MAX ((size_t)4 << 20)

static int sb_add(sbuf *b, const char *s, size_t n)
{
    if (n > PO_STRING_MAX || b->len > PO_STRING_MAX)
        return -1;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
    return 0;
}

typedef struct {
    sbuf ctxt, id, plural, forms[I18N_FORMS_MAX];
    int has_id, has_str, has_ctxt, has_plural, fuzzy;
    int nforms; /* one past the highest msgstr[k] read */
} pentry;

static long blob_add(i18n *t, const char *s, size_t n)
{
    if (n > PO_STRING_MAX || t->blob_len > 64 * PO_STRING_MAX)
        return -1;
    if (t->blob_len + n + 1 > t->blob_cap) {
        size_t cap = t->blob_cap ? t->blob_cap * 2 : 4096;
        while (cap < t->blob_len + n + 1)
            cap *= 2;
        char *p = realloc(t->blob, cap);
        if (!p)
            return -1;
        t->blob = p;
        t->blob_cap = cap;
    }
    size_t off = t->blob_len;
    memcpy(t->blob + off, s, n);
    t->blob[off + n] = 0;
    t->blob_len += n + 1;
    return (long)off; /* an offset: the blob may still move */
}

/* Reads the header entry: the language code and the plural rule
 * ("Plural-Forms: nplurals=2; plural=(n != 1);"). A fuzzy header is a
 * template's, whose rule is a placeholder ("nplurals=INTEGER"), so only a
 * translation's rule is read. Returns 0, or -3 if that rule is there but
 * cannot be used. */
static int read_header(i18n *t, const char *hdr, int fuzzy)
{
    const char *p = strstr(hdr, "Language:");
    if (p) {
        p += 9;
        while (*p == ' ')
            p++;
        size_t n = 0;
        while (p[n] && p[n] != '\n' && p[n] != ' ' && n + 1 < sizeof t->lang)
            n++;
        memcpy(t->lang, p, n);
        t->lang[n] = 0;
    }
    const char *pf = strstr(hdr, "Plural-Forms:");
    if (!pf || fuzzy)
        return 0;
    const char *np = strstr(pf, "nplurals="), *pl = strstr(pf, "plural=");
    /* "plural=" is also inside "nplurals=": take the one after it. */
    if (pl && np && pl == np + 1)
        pl = strstr(pl + 1, "plural=");
    if (!np || !pl)
        return -3;
    long count = strtol(np + 9, NULL, 10);
    pl += 7;
    size_t n = strcspn(pl, ";\n");
    if (count < 1 || count > I18N_FORMS_MAX || n >= sizeof t->plural_rule)
        return -3;
    memcpy(t->plural_rule, pl, n);
    t->plural_rule[n] = 0;
    t->nplurals = (int)count;
    /* A rule's syntax does not depend on n, so one evaluation checks it. */
    return rule_eval(t->plural_rule, t->nplurals, 0) < 0 ? -3 : 0;
}

static int finish_entry(i18n *t, pentry *e)
{
    int rc = 0;
    const char *str0 = e->forms[0].s ? e->forms[0].s : "";
    if (e->has_id && e->has_str) {
        const char *id = e->id.s ? e->id.s : "";
        if (!*id && !e->has_ctxt) {
            rc = read_header(t, str0, e->fuzzy);
        } else if (*str0 && !e->fuzzy) {
            if (t->n == t->cap) {
                int cap = t->cap ? t->cap * 2 : 64;
                entry *p = realloc(t->entries, (size_t)cap * sizeof *p);
                if (!p)
                    return -1;
                t->entries = p;
                t->cap = cap;
            }
            long k, pl = 0, v = 0;
            if (e->has_ctxt) {
                /* gettext's key for a context: ctxt, byte 4, msgid. */
                sbuf key = {0};
                char sep = '\004';
                if (sb_add(&key, e->ctxt.s ? e->ctxt.s : "", e->ctxt.len) != 0 ||
                    sb_add(&key, &sep, 1) != 0 || sb_add(&key, id, strlen(id)) != 0) {
                    free(key.s);
                    return -1;
                }
                k = blob_add(t, key.s, key.len);
                free(key.s);
            } else {
                k = blob_add(t, id, strlen(id));
            }
            if (e->has_plural)
                pl = blob_add(t, e->plural.s ? e->plural.s : "", e->plural.len);
            /* The forms back to back, so that the first is also the
             * entry's plain translation. */
            int nforms = e->has_plural ? e->nforms : 1;
            for (int f = 0; f < nforms && v >= 0; f++) {
                long o = blob_add(t, e->forms[f].s ? e->forms[f].s : "", e->forms[f].len);
                v = f == 0 || o < 0 ? o : v;
            }
            if (k < 0 || v < 0 || pl < 0)
                return -1;
            /* Offsets until parsing ends and the blob stops moving. */
            entry *en = &t->entries[t->n++];
            en->key = (const char *)(uintptr_t)k;
            en->str = (const char *)(uintptr_t)v;
            en->plural = e->has_plural ? (const char *)(uintptr_t)pl : NULL;
            en->nforms = e->has_plural ? nforms : 0;
        }
    }
    e->ctxt.len = e->id.len = e->plural.len = 0;
    if (e->ctxt.s)
        e->ctxt.s[0] = 0;
    if (e->id.s)
        e->id.s[0] = 0;
    if (e->plural.s)
        e->plural.s[0] = 0;
    for (int f = 0; f < I18N_FORMS_MAX; f++) {
        e->forms[f].len = 0;
        if (e->forms[f].s)
            e->forms[f].s[0] = 0;
    }
    e->has_id = e->has_str = e->has_ctxt = e->has_plural = e->fuzzy = e->nforms = 0;
    return rc;
}

/* Decodes one quoted C-style string starting at p (at the opening quote)
 * into b. Returns 0, or -1 if it is malformed. */
static int read_quoted(const char *p, const char *end, sbuf *b)
{
    if (p >= end || *p != '"')
        return -1;
    p++;
    while (p < end && *p != '"') {
        char ch = *p++;
        if (ch == '\\') {
            if (p >= end)
                return -1;
            char esc = *p++;
            switch (esc) {
            case 'n': ch = '\n'; break;
            case 't': ch = '\t'; break;
            case 'r': ch = '\r'; break;
            case '"': ch = '"'; break;
            case '\\': ch = '\\'; break;
            default: return -1;
            }
        }
        if (sb_add(b, &ch, 1) != 0)
            return -1;
    }
    if (p >= end)
        return -1;
    p++;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p == end ? 0 : -1;
}

static void build_table(i18n *t)
{
    int size = 16;
    while (size < t->n * 2)
        size *= 2;
    t->table = calloc((size_t)size, sizeof *t->table);
    if (!t->table)
        return;
    t->tsize = size;
    for (int i = 0; i < t->n; i++) {
        uint32_t m = (uint32_t)size - 1;
        uint32_t h = hash(t->entries[i].key) & m;
        while (t->table[h]) {
            /* A later duplicate replaces the earlier one. */
            if (strcmp(t->entries[t->table[h] - 1].key, t->entries[i].key) == 0)
                break;
            h = (h + 1) & m;
        }
        t->table[h] = i + 1;
    }
}

int i18n_parse(const char *text, size_t len, const char *name, i18n **out, char *err, size_t errlen)
{
    *out = NULL;
    i18n *t = i18n_empty();
    if (!t) {
        snprintf(err, errlen, "Out of memory reading %s.", name);
        return -1;
    }
    pentry e = {0};
    sbuf *cur = NULL;
    int lineno = 0, rc = 0;
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end && rc == 0) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        lineno++;
        const char *q = p, *le = eol;
        while (q < le && (*q == ' ' || *q == '\t'))
            q++;
        while (le > q && (le[-1] == '\r' || le[-1] == ' '))
            le--;
        if (q == le) {
            /* blank line: entries are separated by them, nothing to do */
        } else if (*q == '#') {
            if (q + 1 < le && q[1] == ',' && e.has_str)
                rc = finish_entry(t, &e);
            if (q + 1 < le && q[1] == ',') {
                const char *f = q + 2;
                size_t n = (size_t)(le - f);
                for (size_t i = 0; i + 5 <= n; i++) {
                    if (memcmp(f + i, "fuzzy", 5) == 0)
                        e.fuzzy = 1;
                }
            }
        } else if (*q == '"') {
            if (!cur || read_quoted(q, le, cur) != 0)
                rc = -2;
        } else {
            const char *kw = q;
            while (q < le && *q != ' ' && *q != '\t')
                q++;
            size_t kl = (size_t)(q - kw);
            while (q < le && (*q == ' ' || *q == '\t'))
                q++;
            sbuf discard = {0};
            if (kl == 7 && memcmp(kw, "msgctxt", 7) == 0) {
                if (e.has_str)
                    rc = finish_entry(t, &e);
                e.has_ctxt = 1;
                cur = &e.ctxt;
            } else if (kl == 5 && memcmp(kw, "msgid", 5) == 0) {
                if (e.has_str)
                    rc = finish_entry(t, &e);
                e.has_id = 1;
                cur = &e.id;
            } else if (kl == 12 && memcmp(kw, "msgid_plural", 12) == 0) {
                /* The singular msgid stays the key, as in gettext. */
                if (!e.has_id || e.has_str)
                    rc = -2;
                e.has_plural = 1;
                cur = &e.plural;
            } else if (kl == 6 && memcmp(kw, "msgstr", 6) == 0) {
                if (!e.has_id || e.has_plural)
                    rc = -2;
                e.has_str = 1;
                cur = &e.forms[0];
            } else if (kl == 9 && memcmp(kw, "msgstr[", 7) == 0 && kw[8] == ']' && kw[7] >= '0' &&
                       kw[7] < '0' + I18N_FORMS_MAX) {
                int f = kw[7] - '0';
                if (!e.has_plural)
                    rc = -2;
                e.has_str = 1;
                e.nforms = f + 1 > e.nforms ? f + 1 : e.nforms;
                cur = &e.forms[f];
            } else {
                rc = -2;
            }
            if (rc == 0) {
                if (cur) {
                    if (read_quoted(q, le, cur) != 0)
                        rc = -2;
                } else if (read_quoted(q, le, &discard) != 0) {
                    rc = -2;
                }
            }
            free(discard.s);
        }
        p = eol + 1;
    }
    if (rc == 0)
        rc = finish_entry(t, &e);
    free(e.ctxt.s);
    free(e.id.s);
    free(e.plural.s);
    for (int f = 0; f < I18N_FORMS_MAX; f++)
        free(e.forms[f].s);
    if (rc != 0) {
        if (rc == -2)
            snprintf(err, errlen, "%s, line %d: not valid .po syntax.", name, lineno);
        else if (rc == -3)
            snprintf(err, errlen,
                     "%s: the Plural-Forms header is not understood; it should read like "
                     "\"nplurals=2; plural=(n != 1);\".",
                     name);
        else
            snprintf(err, errlen, "Out of memory reading %s.", name);
        i18n_free(t);
        return -1;
    }
    /* The blob has stopped growing: turn offsets into pointers. */
    for (int i = 0; i < t->n; i++) {
        t->entries[i].key = t->blob + (uintptr_t)t->entries[i].key;
        t->entries[i].str = t->blob + (uintptr_t)t->entries[i].str;
        if (t->entries[i].plural)
            t->entries[i].plural = t->blob + (uintptr_t)t->entries[i].plural;
    }
    build_table(t);
    if (t->n && !t->table) {
        snprintf(err, errlen, "Out of memory reading %s.", name);
        i18n_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

int i18n_load(const char *path, i18n **out, char *err, size_t errlen)
{
    *out = NULL;
    size_t len = 0;
    char *buf = plat_read_file(path, PO_FILE_MAX, &len, err, errlen);
    if (!buf)
        return -1;
    int rc = i18n_parse(buf, len, path, out, err, errlen);
    free(buf);
    return rc;
}
