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

/* The translation of msgid, or msgid itself. t may be NULL. */
const char *i18n_tr(const i18n *t, const char *msgid);
/* The translation within a context (msgctxt), or msgid. */
const char *i18n_trc(const i18n *t, const char *ctxt, const char *msgid);
/* How many translated entries the catalogue holds. */
int i18n_count(const i18n *t);
/* The n-th entry (0..count-1), for checks: msgid and msgstr. */
int i18n_entry(const i18n *t, int n, const char **msgid, const char **msgstr);
/* The language code from the header ("Language: da"), or "". */
const char *i18n_language(const i18n *t);

#endif
