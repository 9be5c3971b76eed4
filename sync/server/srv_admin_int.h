#ifndef BLIK_SRV_ADMIN_INT_H
#define BLIK_SRV_ADMIN_INT_H
/*
 * Private to the admin commands ("blik-server admin ..."): the parsed
 * command that every command function receives, and the helpers more than
 * one group of commands uses.
 *
 * srv_admin.c holds the command table, parses the options (getopt_long)
 * and runs the part every command shares: connect, write the audit row,
 * check the unit, run, add the outcome. The commands themselves live by
 * subject: srv_admin_units.c (units, rooms, people, PINs),
 * srv_admin_focus.c (focuses, templates), srv_admin_devices.c (enrolment
 * codes, devices, conflicts), srv_admin_export.c (a unit's export) and
 * srv_admin_privacy.c (retention, a person's export and erasure, the audit
 * log).
 */
#include <stdio.h>

#include "srv_int.h"

/* Every option an admin command knows; each takes a value but the flags,
 * whose val is "" when given. One name has one meaning in every command,
 * so its kind and range are kept once. */
typedef enum {
    SRV_OPT_NAME,
    SRV_OPT_RETENTION_DAYS,
    SRV_OPT_ID,
    SRV_OPT_UNIT,
    SRV_OPT_ROLE,
    SRV_OPT_PERSON,
    SRV_OPT_FILE,
    SRV_OPT_QUESTION,
    SRV_OPT_WHY,
    SRV_OPT_PILLAR,
    SRV_OPT_FROM,
    SRV_OPT_TO,
    SRV_OPT_TEMPLATE,
    SRV_OPT_SIGN,
    SRV_OPT_VERSION,
    SRV_OPT_TTL_MINUTES,
    SRV_OPT_DEVICE,
    SRV_OPT_FORMAT,
    SRV_OPT_OUT,
    SRV_OPT_SUBJECT,
    SRV_OPT_LIMIT,
    SRV_OPT_ROOM,
    SRV_OPT_FOCUS,
    SRV_OPT_SEARCH,
    SRV_OPT_WIPE, /* a flag: given or not, with no value */
    SRV_OPT_LOGIN,
    SRV_OPT_CSV_STYLE,
    SRV_OPT_COUNT
} srv_opt;

/* The bit of an option in a command's sets of allowed and required ones
 * (an unsigned each, so at most 32 options). */
#define SRV_OPT_BIT(o) (1u << (o))
_Static_assert(SRV_OPT_COUNT <= 32, "an admin command's options are bits of an unsigned");

/* How many options one command line may carry (--sign repeats). */
#define SRV_ADMIN_GIVEN_MAX 40

/*
 * One admin command, parsed. val[o] is the value of option o as given
 * (NULL if absent; the last one when repeated, except --sign, which
 * collects every value in signs); num[o] is the number of an option whose
 * value is a number, and choice[o] the index of the word of an option with
 * a fixed set of words. The strings point into argv. pg is the open
 * connection, owned by the dispatcher.
 */
typedef struct {
    const char *name;
    FILE *in, *out, *err;
    PGconn *pg;
    const char *val[SRV_OPT_COUNT];
    long num[SRV_OPT_COUNT];
    int choice[SRV_OPT_COUNT];
    const char *signs[SRV_ADMIN_GIVEN_MAX];
    int n_signs;
    const char *units[SRV_ADMIN_GIVEN_MAX]; /* every --unit, in order */
    int n_units;
    const srv_config *cfg; /* the configuration read (public-url for links) */
    /* The options in the order given, for the audit log. */
    struct {
        const char *opt; /* "name", without the dashes */
        const char *val; /* NULL for a flag */
        int free_text;   /* names and questions: logged as "[text]" */
    } given[SRV_ADMIN_GIVEN_MAX];
    int n_given;
} srv_admin_cmd;

/* The words of --pillar, in model_pillar order, and of --role and
 * --format, in the order the commands test choice[] against. */
enum { SRV_ROLE_PEER, SRV_ROLE_LEADER };
enum { SRV_FORMAT_CSV, SRV_FORMAT_JSON, SRV_FORMAT_WIDE, SRV_FORMAT_LONG };

/* The value of a number option, or dflt when it was not given. */
long srv_admin_num(const srv_admin_cmd *c, srv_opt o, long dflt);

/* The id for a new record: --id when given (checked), else a fresh one.
 * 0, or -1 with a message on c->err. */
int srv_admin_new_id(const srv_admin_cmd *c, model_id out);
/* Runs a statement for a command (see srv_q); on failure says why on
 * c->err, prefixed with the command's name, and returns NULL. */
PGresult *srv_admin_query(const srv_admin_cmd *c, const char *sql, int n,
                          const char *const *params);
/* Prints the rows of a query on c->out, one a line, the columns parted by
 * tabs, for the list commands; the exit status. */
int srv_admin_list(const srv_admin_cmd *c, const char *sql, int n, const char *const *params);
/* A text for one column of a list: a name may hold a tab, which would
 * split the column, so tabs and line ends become spaces. Writes into buf
 * (cut to cap) and returns it. */
const char *srv_admin_cell(const char *s, char *buf, size_t cap);
/* Says the outcome of a change made through srv_ref.h: on success prints
 * id (when not NULL) on c->out for scripts to keep and returns 0; else
 * says err on c->err after the command's name and returns 1. */
int srv_admin_ref_done(const srv_admin_cmd *c, int rc, const char *err, const char *id);
/* Reads a whole file of at most SRV_ADMIN_FILE_MAX bytes, NUL-terminated
 * (the caller frees it); NULL with a message on c->err. */
#define SRV_ADMIN_FILE_MAX (1024 * 1024)
char *srv_admin_read_file(const srv_admin_cmd *c, const char *path, size_t *len);
/* Who is running admin commands, for the audit log: "admin:<user>", the
 * person behind sudo when there is one. */
void srv_admin_actor(char *out, size_t cap);
/* Opens --out for writing, or gives c->out when there is none; NULL with a
 * message on c->err. Close it with srv_admin_close_out(), which says
 * whether everything was written (0) or not (1). */
FILE *srv_admin_open_out(const srv_admin_cmd *c);
int srv_admin_close_out(const srv_admin_cmd *c, FILE *f, int rc);

/* The commands; each returns the exit status: 0, 1 (refused or failed) or
 * 2 (a usage error). */
int srv_admin_unit_add(srv_admin_cmd *c);
int srv_admin_room_add(srv_admin_cmd *c);
int srv_admin_person_add(srv_admin_cmd *c);
int srv_admin_pin_set(srv_admin_cmd *c);
int srv_admin_pin_clear(srv_admin_cmd *c);
int srv_admin_unit_list(srv_admin_cmd *c);
int srv_admin_unit_show(srv_admin_cmd *c);
int srv_admin_unit_deactivate(srv_admin_cmd *c);
int srv_admin_unit_activate(srv_admin_cmd *c);
int srv_admin_room_list(srv_admin_cmd *c);
int srv_admin_room_show(srv_admin_cmd *c);
int srv_admin_room_deactivate(srv_admin_cmd *c);
int srv_admin_room_activate(srv_admin_cmd *c);
int srv_admin_person_list(srv_admin_cmd *c);
int srv_admin_person_show(srv_admin_cmd *c);
int srv_admin_person_room(srv_admin_cmd *c);
int srv_admin_focus_list(srv_admin_cmd *c);
int srv_admin_focus_show(srv_admin_cmd *c);
int srv_admin_focus_rename(srv_admin_cmd *c);
int srv_admin_focus_retire(srv_admin_cmd *c);
int srv_admin_template_list(srv_admin_cmd *c);
int srv_admin_template_show(srv_admin_cmd *c);
int srv_admin_template_rename(srv_admin_cmd *c);
int srv_admin_template_retire(srv_admin_cmd *c);
int srv_admin_unit_rename(srv_admin_cmd *c);
int srv_admin_unit_retention(srv_admin_cmd *c);
int srv_admin_room_rename(srv_admin_cmd *c);
int srv_admin_person_rename(srv_admin_cmd *c);
int srv_admin_person_role(srv_admin_cmd *c);
int srv_admin_person_deactivate(srv_admin_cmd *c);
int srv_admin_person_activate(srv_admin_cmd *c);
int srv_admin_focus_add(srv_admin_cmd *c);
int srv_admin_template_add(srv_admin_cmd *c);
int srv_admin_enrol_code(srv_admin_cmd *c);
int srv_admin_device_list(srv_admin_cmd *c);
int srv_admin_device_revoke(srv_admin_cmd *c);
int srv_admin_conflict_list(srv_admin_cmd *c);
int srv_admin_export(srv_admin_cmd *c);
int srv_admin_retention_run(srv_admin_cmd *c);
/* srv_admin_facts.c */
int srv_admin_facts_rebuild(srv_admin_cmd *c);
int srv_admin_facts_check(srv_admin_cmd *c);
int srv_admin_person_export(srv_admin_cmd *c);
int srv_admin_person_delete(srv_admin_cmd *c);
int srv_admin_audit_list(srv_admin_cmd *c);
int srv_admin_account_add(srv_admin_cmd *c);
int srv_admin_invite(srv_admin_cmd *c);
int srv_admin_account_password(srv_admin_cmd *c);
int srv_admin_account_list(srv_admin_cmd *c);
int srv_admin_account_disable(srv_admin_cmd *c);
int srv_admin_account_enable(srv_admin_cmd *c);
/* srv_admin_backup.c: they run on a connection that has not migrated. */
int srv_admin_backup(srv_admin_cmd *c);
int srv_admin_restore(srv_admin_cmd *c);

/* Writes the audit row of a command before it runs (options that carry
 * free text are logged as "[text]") and returns its id, or -1 with err. */
long long srv_admin_audit_begin(const srv_admin_cmd *c, char *err, size_t errlen);
/* Adds the exit status to the row; a failure is said on c->err. */
void srv_admin_audit_end(const srv_admin_cmd *c, long long id, int rc);

/* Reads a PIN or password from c->in without echo on a terminal (after
 * the prompt "label: " on c->err); see srv_admin.c. */
int srv_admin_read_secret(const srv_admin_cmd *c, const char *label, char *buf, size_t cap);

#endif
