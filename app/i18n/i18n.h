#ifndef BLIK_I18N_H
#define BLIK_I18N_H
/*
 * UI text in the convention translators know: gettext .po files, one per
 * language (assets/po/da.po, assets/po/en.po). Source strings (msgid) are
 * English; a catalogue maps them to the language shown. A string with no
 * translation, an empty msgstr or a fuzzy mark shows its msgid, as gettext
 * does, so a missing translation is visible but never blank.
 *
 * The catalogue is read once at start-up into one block of memory; lookups
 * allocate nothing and are safe to do every frame.
 */
#include <stddef.h>

typedef struct i18n i18n;

/* Reads a .po file. On success *out owns the catalogue (free it with
 * i18n_free) and 0 is returned; on failure -1 with a sentence in err naming
 * the file and line. */
int i18n_load(const char *path, i18n **out, char *err, size_t errlen);
/* Parses .po text of len bytes; name is used in messages. */
int i18n_parse(const char *text, size_t len, const char *name, i18n **out, char *err,
               size_t errlen);
/* A catalogue with no translations (every string shows as its msgid).
 * Returns NULL only when out of memory. */
i18n *i18n_empty(void);
void i18n_free(i18n *t);

/* The most plural forms a language may have (Arabic has six). */
#define I18N_FORMS_MAX 6

/* The translation of msgid, or msgid itself. t may be NULL. */
const char *i18n_tr(const i18n *t, const char *msgid);
/* The form for the count n of a text with plural forms (msgid_plural and
 * msgstr[k] in the catalogue), chosen by the catalogue's Plural-Forms rule:
 * "%d sign" / "%d signs" reads "1 tegn", "2 tegn" in Danish. Without a
 * translation it is singular for n == 1 and plural otherwise, as in English,
 * the source language. The result is the catalogue's or the caller's own
 * string; t may be NULL. Format n into it with the caller's printf. */
const char *i18n_ntr(const i18n *t, const char *singular, const char *plural, long long n);
/* The translation within a context (msgctxt), or msgid. */
const char *i18n_trc(const i18n *t, const char *ctxt, const char *msgid);
/* How many translated entries the catalogue holds. */
int i18n_count(const i18n *t);
/* The n-th entry (0..count-1), for checks: msgid and msgstr. */
int i18n_entry(const i18n *t, int n, const char **msgid, const char **msgstr);
/* The language code from the header ("Language: da"), or "". */
const char *i18n_language(const i18n *t);
/* How many plural forms the language has (the header's nplurals; 2, as in
 * English, when it gives none). */
int i18n_nplurals(const i18n *t);
/* For checks: the plural forms of the n-th entry. Returns their number (0
 * for an entry without msgid_plural, -1 for no such entry), sets
 * *msgid_plural (NULL without one) and fills forms[0..cap-1]. */
int i18n_entry_forms(const i18n *t, int n, const char **msgid_plural, const char **forms, int cap);

#endif
