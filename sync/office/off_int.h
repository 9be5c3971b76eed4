#ifndef BLIK_OFF_INT_H
#define BLIK_OFF_INT_H
/*
 * The office's inside, shared by its pages: the text buffer and HTML
 * writer, the form and query parser, the page context, the route table,
 * the layout and form fields, roles and scope, and the audit log.
 *
 * A page is a function of the request and the database to an answer: it
 * reads c->query / c->form and c->user, asks for what it may touch
 * (off_require_unit), writes HTML through the escaping calls into c->body,
 * or redirects after a change. It never writes a header itself.
 */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stddef.h>

#include "i18n.h"
#include "model.h"
#include "office.h"
#include "srv.h"

/* ---- text ---- */

/* A growing text. Writing after a failed allocation does nothing and sets
 * oom, so a page checks once at the end (the dispatcher answers 500). */
typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} off_buf;

/* Markup as it is: only for text the program wrote itself. */
void off_buf_put(off_buf *b, const char *markup);
void off_buf_putn(off_buf *b, const char *markup, size_t n);
/* Formatted markup; every %s argument must be markup the program wrote
 * (use off_buf_esc for anything else). */
void off_buf_printf(off_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text escaped for HTML content and quoted attribute values (& < > " '). */
void off_buf_esc(off_buf *b, const char *text);
/* Text escaped for a URL's path segment or query value (percent-encoding
 * of everything but unreserved characters), then for HTML. */
void off_buf_url(off_buf *b, const char *text);
/* Takes the text (malloc'd, NUL-terminated; the caller frees) and empties
 * the buffer; NULL after a failed allocation. */
char *off_buf_take(off_buf *b, size_t *len);
void off_buf_free(off_buf *b);

/* ---- forms, queries and cookies ---- */

#define OFF_FIELDS_MAX 256 /* fields in one form or query */
#define OFF_FIELD_NAME_MAX 64

typedef struct {
    const char *name, *value;
} off_field;

/*
 * A decoded form (application/x-www-form-urlencoded) or query string.
 * Names are at most OFF_FIELD_NAME_MAX bytes of [A-Za-z0-9_.-]; values are
 * valid UTF-8 without control characters but newline and tab (a CR LF, as
 * browsers send from a textarea, becomes one newline). Fields keep their
 * order, and a name may repeat.
 */
typedef struct {
    int n;
    off_field f[OFF_FIELDS_MAX];
    char *mem; /* one block behind every name and value */
    char err[160];
} off_form;

/* Parses len bytes of s into f (which it empties first). 0, or -1 with a
 * sentence in f->err and f empty. */
int off_form_parse(off_form *f, const char *s, size_t len);
/* The first value of name, or NULL. */
const char *off_form_get(const off_form *f, const char *name);
/* Every value of name, in order, into out[0..cap-1]; returns how many
 * there are (which may be more than cap). */
int off_form_all(const off_form *f, const char *name, const char **out, int cap);
void off_form_free(off_form *f);
/* The value of cookie name in a Cookie header, into out; 0, or -1 when
 * absent or longer than cap - 1. */
int off_cookie_get(const char *header, const char *name, char *out, size_t cap);

/* ---- roles ---- */

/* What an account may do, each role including those below it within its
 * reach: a peer sees themselves; a leader runs their unit; an area leader
 * the units given to them; an administrator every unit and the server. */
typedef enum {
    OFF_ROLE_NONE = 0, /* not signed in */
    OFF_ROLE_PEER = 1,
    OFF_ROLE_LEADER = 2,
    OFF_ROLE_AREA = 3,
    OFF_ROLE_ADMIN = 4
} off_role;

#define OFF_LOGIN_MAX 64

/* The signed-in account (role OFF_ROLE_NONE when nobody is). */
typedef struct {
    off_role role;
    model_id account_id;
    char login[OFF_LOGIN_MAX + 1];
    char name[MODEL_NAME_MAX + 1];
    model_id person_id;   /* "" for an account without a person */
    model_id unit_id;     /* the person's unit, for leader and peer */
    char csrf[65];        /* the session's form token */
    char session[65];     /* the session token's hash */
    char written_lsn[32]; /* where the log stood after the session's last form, "" if never */
} off_user;

/* The role's name in the database ("admin", "area", "leader", "peer") and
 * back; OFF_ROLE_NONE for a name that is none of them. */
const char *off_role_name(off_role r);
off_role off_role_parse(const char *name);

/* ---- the office and the page context ---- */

typedef struct off_static off_static;

/* The office: made once at start, read by every request. */
typedef struct off {
    srv_web web; /* first: the server holds a pointer to it */
    i18n *da, *en;
    off_static *st;
    int idle_min, max_hours;
    char public_url[256]; /* the office's address for links; "": the Host header's */
} off;

typedef struct {
    off *o;
    PGconn *pg; /* NULL when the pool is exhausted (pages then answer 503) */
    /* Where a page of figures reads them from: a streaming replica that has
     * replayed this session's last form, else pg. Only pages that decide
     * who may see what on pg first read from it (off_replica_begin). */
    PGconn *rd;
    const srv_web_request *rq;
    srv_web_response *out;
    const i18n *t;
    char lang[3]; /* "da" or "en" */
    off_form query;
    off_form form; /* the POST body; empty for GET */
    off_user user;
    const char *args[4]; /* the path's '*' segments, in order */
    int n_args;
    off_buf body;
    int done;          /* an answer was made (redirect, error, or a page) */
    char pre_csrf[65]; /* the form token of a visitor without a session */
} off_ctx;

/* The cookies: the session's, and the form token of a visitor who has not
 * signed in yet (the sign-in and invitation forms). The __Host- prefix
 * makes browsers refuse them unless Secure, for this host, and for /. */
#define OFF_SESSION_COOKIE "__Host-blik"
#define OFF_PRE_COOKIE "__Host-blik-pre"
#define OFF_LANG_COOKIE "__Host-blik-lang"

/* The text of msgid in the request's language. */
const char *off_tr(const off_ctx *c, const char *msgid);
/* The form for the count n (see i18n_ntr). */
const char *off_ntr(const off_ctx *c, const char *singular, const char *plural, long long n);

/* The session's settings (from srv_config) the auth pages need. */
int off_idle_min(const off_ctx *c);
int off_max_hours(const off_ctx *c);
/* The office's address for links ("https://host:port", public-url in the
 * configuration), or "" when not set. */
const char *off_public_url(const off_ctx *c);

/* ---- answers ---- */

/* Answers 303 See Other to a path of the office (a relative path made by
 * the program; its parts escaped with off_buf_url by the caller). */
void off_redirect(off_ctx *c, const char *path);
/* An error page: status (400, 403, 404, 405, 409, 413, 429, 500, 503) and a
 * sentence (a msgid, translated here) saying what happened and what to do. */
void off_fail(off_ctx *c, int status, const char *msgid);
/* Adds a header to the answer (Set-Cookie, ...). */
void off_header(off_ctx *c, const char *name, const char *value);

/* ---- the layout ---- */

/*
 * Begins a page: head, the header with the navigation for the user's role
 * (section marks the current one: "home", "units", "people", "focuses",
 * "templates", "tablets", "accounts", "observations", "exports", or NULL),
 * the language switch, then <main> with the title as its h1 and, when the
 * query carries done=KEY, the confirmation KEY stands for (a fixed
 * sentence, never text from the query). title is a translated text; it is
 * escaped here.
 */
void off_page_begin(off_ctx *c, const char *title, const char *section);
void off_page_end(off_ctx *c);

/* ---- forms on a page ---- */

/* <form method="post" action="path"> with the session's CSRF token. path
 * is markup (escape ids with off_buf_url before). */
void off_form_begin(off_ctx *c, const char *path);
void off_form_end(off_ctx *c);
/*
 * A labelled field. name is the form field's name (and the id of the
 * input, prefixed "f-"); label and hint are translated texts; value may be
 * NULL; error, when not NULL, is shown under the label and ties to the
 * field (aria-invalid, aria-describedby). type: "text", "password",
 * "number", "date", "search". maxlen 0: none.
 */
void off_input(off_ctx *c, const char *type, const char *name, const char *label, const char *value,
               int maxlen, const char *hint, const char *error);
void off_textarea(off_ctx *c, const char *name, const char *label, const char *value, int maxlen,
                  const char *hint, const char *error);
/* A choice among n values, each shown by its label (translated texts). */
void off_select(off_ctx *c, const char *name, const char *label, const char *const *values,
                const char *const *labels, int n, const char *selected, const char *error);
void off_checkbox(off_ctx *c, const char *name, const char *label, int checked);
/* A submit button; danger marks a destructive action in red. */
void off_submit(off_ctx *c, const char *label, int danger);
/* A list of errors at the top of a form, each linking to its field
 * (fields[i] is the field name, msgs[i] a translated text). */
void off_error_summary(off_ctx *c, const char *const *fields, const char *const *msgs, int n);

/* ---- scope ---- */

/*
 * Whether the signed-in user may act on unit with at least role least:
 * an administrator anywhere; an area leader in their units (as a leader);
 * a leader in their own unit; a peer in their own unit for what a peer may
 * do. 1 or 0 (and 0 when the database cannot tell).
 */
int off_can_unit(off_ctx *c, const char *unit_id, off_role least);
/* The same, answering 403 when not allowed (returns 0 then: stop). */
int off_require_unit(off_ctx *c, const char *unit_id, off_role least);
/* The ids of the active units the user may see, in name order: every unit
 * for an administrator. A PGresult with one column (id) and the unit's
 * name as the second, or NULL (off_fail answered). The caller PQclear()s. */
PGresult *off_visible_units(off_ctx *c);

/* ---- audit ---- */

/* One row in the audit log for a change made in the office, with actor
 * "office:<account id>". 0, or -1 (the caller rolls back and fails). */
int off_audit(off_ctx *c, const char *action, const char *unit, const char *subject,
              const char *detail);
/* The actor string for srv_ref calls: "office:<account id>". */
void off_actor(const off_ctx *c, char *out, size_t cap);

/* ---- sessions (off_auth.c) ---- */

/* Reads the session cookie and fills c->user when it names a live
 * session (touching its last use); leaves OFF_ROLE_NONE otherwise. */
void off_session_load(off_ctx *c);
/* Whether the POSTed form carries the session's CSRF token (constant-time
 * compare); for a form posted without a session, the pre-session token of
 * the sign-in form. */
int off_csrf_ok(off_ctx *c);
/* Points c->rd at the streaming replica for the rest of a GET when it has
 * replayed the session's last form (and leaves it at c->pg otherwise). A
 * page calls it once it has decided on c->pg what the person may see: who
 * may see what is never read from a replica. */
void off_replica_begin(off_ctx *c);
/* After a POST: notes where the log stands as the session's last form, so
 * that its next pages read from the replica only once it has that. */
void off_session_written(off_ctx *c, const char *session);
/* POST /sign-out: ends the session and forgets its cookie. */
void off_sign_out(off_ctx *c);
/* GET and POST /sign-in (rate-limited in the database, see off_auth.c). */
void off_sign_in_form(off_ctx *c);
void off_sign_in(off_ctx *c);
/* POST /sign-out-everywhere: every session of the account. */
void off_sign_out_everywhere(off_ctx *c);
/* GET and POST /invite/<token>: choose a password, then signed in. */
void off_invite_form(off_ctx *c);
void off_invite_accept(off_ctx *c);
/* GET /account, POST /account/password. */
void off_account(off_ctx *c);
void off_account_password(off_ctx *c);
/* The accounts pages (off_accounts.c): GET /accounts, GET and POST
 * /accounts/new, GET /accounts/<id>, POST /accounts/<id>/disable, enable,
 * invite and units. */
void off_accounts(off_ctx *c);
void off_account_new_form(off_ctx *c);
void off_account_new(off_ctx *c);
void off_account_show(off_ctx *c);
void off_account_disable(off_ctx *c);
void off_account_enable(off_ctx *c);
void off_account_invite(off_ctx *c);
void off_account_units(off_ctx *c);
/* A role's name for people ("Leder"). */
const char *off_role_label(const off_ctx *c, off_role r);

/* ---- the routes ---- */

typedef void (*off_page_fn)(off_ctx *c);

/*
 * One page or action: its method, its path pattern ('*' is one segment: an
 * id), the least role that may reach it at all (the page then checks its
 * unit), and the function. The table is the office's map: the dispatcher
 * reads it, and the role tests walk it.
 */
typedef struct {
    const char *method;
    const char *pattern;
    off_role least;
    off_page_fn fn;
} off_route;

extern const off_route off_routes[];
extern const int off_n_routes;

/* Matches path against pattern, filling args (at most 4); 1 or 0. */
int off_route_match(const char *pattern, const char *path, const char **args, int *n_args,
                    char *scratch, size_t scratch_cap);

/* ---- the pages (one file each group) ---- */

void off_home(off_ctx *c); /* off_home.c */

/* off_template.c: a unit's templates, the designer, the preview. */
void off_templates(off_ctx *c);
void off_template_new(off_ctx *c);
void off_template_new_post(off_ctx *c);
void off_template_show(off_ctx *c);
void off_template_edit(off_ctx *c);
void off_template_edit_post(off_ctx *c);
void off_template_preview(off_ctx *c);
void off_template_retire(off_ctx *c);
/* off_people.c: a unit's people, one person's page and its actions, their
 * data's export and their erasure. */
void off_people_list(off_ctx *c);
void off_people_new(off_ctx *c);
void off_people_add(off_ctx *c);
void off_person_show(off_ctx *c);
void off_person_rename(off_ctx *c);
void off_person_role(off_ctx *c);
void off_person_room(off_ctx *c);
void off_person_deactivate(off_ctx *c);
void off_person_reactivate(off_ctx *c);
void off_person_pin(off_ctx *c);
void off_person_pin_clear(off_ctx *c);
void off_person_export(off_ctx *c);
void off_person_erase_form(off_ctx *c);
void off_person_erase(off_ctx *c);
/* off_units.c: units and rooms */
void off_units(off_ctx *c);
void off_unit_new_form(off_ctx *c);
void off_unit_new(off_ctx *c);
void off_unit(off_ctx *c);
void off_unit_rename(off_ctx *c);
void off_unit_retention(off_ctx *c);
void off_unit_deactivate(off_ctx *c);
void off_unit_reactivate(off_ctx *c);
void off_unit_room_add(off_ctx *c);
void off_room_rename(off_ctx *c);
void off_room_deactivate(off_ctx *c);
void off_room_reactivate(off_ctx *c);
/* off_tablets.c: tablets and enrolment codes */
void off_tablets(off_ctx *c);
void off_unit_enrol_code(off_ctx *c);
void off_tablet_revoke(off_ctx *c);
void off_tablet_wipe(off_ctx *c);
/* off_focus.c: the learning focus designer. */
void off_focus_list(off_ctx *c);
void off_focus_new(off_ctx *c);
void off_focus_new_post(off_ctx *c);
void off_focus_show(off_ctx *c);
void off_focus_edit(off_ctx *c);
void off_focus_edit_post(off_ctx *c);
void off_focus_retire(off_ctx *c);
/* off_obs.c, off_obs_show.c: the observations list (scoped in its query,
 * filtered by the address) and one observation's page. */
void off_obs_list(off_ctx *c);
void off_obs_show(off_ctx *c);
/* off_calib.c: how far two observers of one session agree. */
void off_calibration(off_ctx *c);
/* off_export.c: the exports page and its two CSV downloads (streamed). */
void off_exports(off_ctx *c);
void off_export_observations(off_ctx *c);
void off_export_events(off_ctx *c);
/* off_progress.c: a focus's progression by month or school term. */
void off_focus_progression(off_ctx *c);
/* off_meeting.c: the team meeting view and its agreed next steps. */
void off_focus_meeting(off_ctx *c);
void off_focus_step_add(off_ctx *c);
void off_step_done(off_ctx *c);
/* off_area.c: the area overview. */
void off_area(off_ctx *c);
/* off_plan.c, off_plan_form.c: planned observations, the peer rota, the
 * observee's agreement. */
void off_plans(off_ctx *c);
void off_plan_new(off_ctx *c);
void off_plan_new_post(off_ctx *c);
void off_plan_rota(off_ctx *c);
void off_plan_rota_post(off_ctx *c);
void off_plan_show(off_ctx *c);
void off_plan_cancel(off_ctx *c);
void off_plan_agree(off_ctx *c);
/* The plans of a unit and focus counted (for the plans page and the area
 * overview): still to come, of them waiting for agreement, overdue (still
 * planned after their last day), done, cancelled. */
typedef struct {
    model_id unit, focus;
    long long planned, waiting, overdue, done, cancelled;
} off_plan_tally;
/* The counts of every unit and focus with plans among units (a text[]
 * literal of checked ids) into *out (malloc'd, the caller frees) and *n.
 * 0, or -1 with an answer made. */
int off_plan_tallies(off_ctx *c, const char *units, off_plan_tally **out, int *n);
/* The row for unit and focus among t[0..n-1], or NULL. */
const off_plan_tally *off_plan_tally_find(const off_plan_tally *t, int n, const char *unit,
                                          const char *focus);
/* "3 of 5 planned done, 1 overdue" (or "None planned" for NULL). */
void off_plan_tally_write(off_ctx *c, const off_plan_tally *t);

/* ---- charts (off_svg.c) ---- */

/*
 * A chart drawn on the server as inline SVG, always with its <title> and
 * <desc> and, beside it, a table of the same numbers, so that it reads
 * without sight, prints sharp and says what each figure rests on. Rows of
 * the table are the series, columns the categories (periods).
 */
#define OFF_CHART_SERIES_MAX 12
#define OFF_CHART_POINTS_MAX 24

typedef enum { OFF_CHART_BARS = 0, OFF_CHART_LINES = 1 } off_chart_kind;

/* One figure: its value (drawn when has), how the table writes it, what it
 * rests on, where it leads (a path made by the program, its parts escaped
 * for a URL; "" for none), and its red/yellow/green (a model_sign_color, or
 * -1 for a figure without one). */
typedef struct {
    int has;
    double v;
    char text[48];
    char note[96];
    char href[480];
    int rag;
} off_chart_cell;

/* Texts are translated texts (escaped by the writer); y_max 0 takes the
 * largest value. Marks lines across the chart at marks[] (the thresholds),
 * each with its label. Allocate with calloc (it is large). */
typedef struct {
    off_chart_kind kind;
    int whole;      /* the values are counts: every step on the axis is whole too */
    const char *id; /* unique on the page: the ids of title and desc */
    const char *title, *desc, *cat_head, *y_label;
    double y_max;
    int n_cats, n_series, n_marks;
    const char *cats[OFF_CHART_POINTS_MAX];
    const char *series[OFF_CHART_SERIES_MAX];
    double marks[2];
    const char *mark_labels[2];
    off_chart_cell cell[OFF_CHART_SERIES_MAX][OFF_CHART_POINTS_MAX];
} off_chart;

/* Writes the chart and its table into c->body as one <figure>. */
void off_chart_write(off_ctx *c, const off_chart *ch);
/* A red/yellow/green told with a mark and a word as well as a colour
 * (color: a model_sign_color). */
void off_rag_write(off_ctx *c, int color);
/* A number with one decimal in the request's language ("2,4" in Danish). */
void off_decimal(const off_ctx *c, double v, char *out, size_t cap);

/* ---- static files (off_static.c) ---- */

off_static *off_static_load(const char *dir, char *err, size_t errlen);
void off_static_free(off_static *s);
/* Answers GET /static/<name>; 404 for a name it does not hold. */
void off_static_serve(const off_static *s, const srv_web_request *rq, srv_web_response *out);

#endif
