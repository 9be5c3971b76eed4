#ifndef BLIK_SRV_CSV_H
#define BLIK_SRV_CSV_H
/*
 * The one CSV writer of the server: rows of text and numbers into a buffer
 * the caller drains, in one of two forms.
 *
 * The Danish form (the default) is what a spreadsheet set to Danish opens
 * by a double click: a UTF-8 byte order mark first (so æ, ø and å are read
 * as UTF-8), ';' between fields, a decimal comma and CR LF after each row.
 * The international form is RFC 4180 as R, Python and spreadsheets in
 * English read it: ',' between fields, a decimal point, CR LF, no mark.
 *
 * In both, a field holding the separator, '"', CR or LF is quoted with its
 * quotes doubled, and a text beginning with '=', '+', '-' or '@' (or a tab
 * or CR) gets a leading apostrophe, so a spreadsheet shows a note such as
 * "=SUM(A1)" or "-ikke set" as text instead of running it as a formula.
 * The apostrophe is part of the value a program reads; numbers written as
 * numbers are never changed.
 */
#include <stddef.h>

typedef enum { SRV_CSV_DA = 0, SRV_CSV_INTL = 1 } srv_csv_style;

/*
 * A writer: len bytes from p + off are waiting to be taken. Every call
 * appends; an allocation that fails, or a buffer that would pass max
 * bytes, sets failed and writes nothing more (a row too large for any
 * sensible export is refused, not silently cut).
 */
typedef struct {
    char *p;
    size_t off, len, cap, max;
    srv_csv_style style;
    int fields; /* fields written in the current row */
    int failed;
} srv_csv;

/* Begins a writer of style whose buffer holds at most max bytes (0: 1 MiB);
 * the Danish form starts with the byte order mark. */
void srv_csv_init(srv_csv *w, srv_csv_style style, size_t max);
/* Frees the buffer; srv_csv_free on a zeroed writer is a no-op. */
void srv_csv_free(srv_csv *w);
/* Parses "da" or "intl" into *out; 0, or -1 for anything else. */
int srv_csv_style_parse(const char *word, srv_csv_style *out);

/* A text field (NULL is empty), quoted and guarded as above. */
void srv_csv_text(srv_csv *w, const char *s);
/* An empty field. */
void srv_csv_empty(srv_csv *w);
/* A whole number. */
void srv_csv_int(srv_csv *w, long long v);
/* A number with the given decimals (0..6), with the style's decimal mark. */
void srv_csv_dec(srv_csv *w, double v, int decimals);
/* Ends the row (CR LF). */
void srv_csv_end(srv_csv *w);

/* Copies up to cap waiting bytes into buf and drops them from the writer;
 * returns how many. */
size_t srv_csv_take(srv_csv *w, char *buf, size_t cap);
/* How many bytes wait. */
size_t srv_csv_pending(const srv_csv *w);

#endif
