#ifndef BLIK_SRV_EXPORT_H
#define BLIK_SRV_EXPORT_H
/*
 * A unit's observations as CSV, for spreadsheets and R: the one export the
 * office's downloads and the command line's `admin export` both run.
 *
 * Two shapes (office.md: data next to the words it came with):
 * - wide: one row per observation with its times in Europe/Copenhagen
 *   local time, people, room, activity and status, the focus and template
 *   with their versions, every context field, every counter's count and
 *   rate per 10 minutes, every interval answer's count, every state's
 *   seconds, every sign's rating as its level number and its word, and the
 *   feedback and reflection texts. The columns are the union of the focus
 *   and template versions the selection rests on, so an observation made
 *   on an old version keeps the columns of that version; a column its own
 *   version lacks is empty, and one it has but never used is 0.
 * - long: one row per event or note in time order: observation id, local
 *   time, seconds from the start, kind (count, state_start, state_stop,
 *   sample, note), key, label, whether it was undone, the note's text and
 *   its sign. Undo events themselves are no rows: the event they undo is
 *   marked undone.
 *
 * An export reads the facts the server keeps (fact_obs and its parts) and
 * the stored events and notes through a cursor in one read-only snapshot,
 * a batch of rows at a time, and writes through srv_csv: its memory is one
 * batch and one row, whatever the selection's size.
 */
#include <libpq-fe.h>
#include <stddef.h>

#include "model.h"
#include "srv_csv.h"

typedef enum { SRV_EXPORT_WIDE = 0, SRV_EXPORT_LONG = 1 } srv_export_format;

/* What to export. Only unit is required; "" leaves a filter out. */
typedef struct {
    model_id unit;
    model_id focus;
    char from[MODEL_DATE_LEN + 1]; /* YYYY-MM-DD, inclusive, local days */
    char to[MODEL_DATE_LEN + 1];   /* YYYY-MM-DD, inclusive */
    srv_export_format format;
    srv_csv_style style;
} srv_export_query;

/* Parses "wide" or "long"; 0, or -1 for anything else. */
int srv_export_format_parse(const char *word, srv_export_format *out);

/* Checks a query's words (ids, dates, from not after to), without the
 * database; 0, or -1 with a sentence in err. */
int srv_export_check(const srv_export_query *q, char *err, size_t errlen);

typedef struct srv_export srv_export;

/*
 * Begins an export on pg, which it uses alone until srv_export_free (a
 * read-only transaction holds the cursor). Returns 0 with *out set, or -1
 * with a sentence in err (*out NULL): a bad query, or the database. A unit
 * with nothing in the selection exports its header row alone.
 */
int srv_export_open(PGconn *pg, const srv_export_query *q, srv_export **out, char *err,
                    size_t errlen);
/* Writes the next bytes of the file into buf (at most cap, cap > 0):
 * returns how many (never 0 before the end), 0 at the end, or -1 when the
 * database failed (srv_export_error says why). */
long srv_export_read(srv_export *x, char *buf, size_t cap);
const char *srv_export_error(const srv_export *x);
/* Data rows written so far (the header not counted). */
long long srv_export_rows(const srv_export *x);
/* The most bytes the writer held at once, and the most rows fetched at
 * once: what bounds the export's memory. */
size_t srv_export_peak_bytes(const srv_export *x);
int srv_export_peak_batch(const srv_export *x);
/* Ends the transaction and frees; srv_export_free(NULL) is a no-op. */
void srv_export_free(srv_export *x);

#endif
