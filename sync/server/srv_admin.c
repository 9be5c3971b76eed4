/*
 * The admin commands ("blik-server admin ..."): they talk to the database
 * directly, not over HTTP, so that administration needs shell access to the
 * server and no admin credentials ever travel to or live on a tablet.
 *
 * This file holds what every command shares: the table of commands with
 * their options and usage, the parsing of a command line (getopt_long), and
 * the run of one command (connect, write the audit row, check the unit,
 * run, add the outcome). The commands live by subject in srv_admin_*.c.
 */
#include "srv_admin_int.h"

#include <getopt.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ---- */

typedef enum {
    KIND_TEXT,      /* an id, a path, a date */
    KIND_FREE_TEXT, /* a name or a question: never written to the audit log */
    KIND_NUMBER,    /* a whole number from min to max */
    KIND_WORD,      /* one of words */
    KIND_FLAG       /* no value: given or not */
} opt_kind;

static const char *const roles[] = {"peer", "leader", NULL};
/* --role of an account without a person (srv_admin_accounts.c). */
static const char *const account_roles[] = {"admin", "area", NULL};
static const char *const formats[] = {"csv", "json", "wide", "long", NULL};
static const char *const csv_styles[] = {"da", "intl", NULL};

static const struct {
    const char *name; /* the long option, without "--" */
    opt_kind kind;
    long min, max;
    const char *const *words;
} opts[SRV_OPT_COUNT] = {
    [SRV_OPT_NAME] = {"name", KIND_FREE_TEXT, 0, 0, NULL},
    [SRV_OPT_RETENTION_DAYS] = {"retention-days", KIND_NUMBER, 1, INT_MAX, NULL},
    [SRV_OPT_ID] = {"id", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_UNIT] = {"unit", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_ROLE] = {"role", KIND_WORD, 0, 0, roles},
    [SRV_OPT_PERSON] = {"person", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_FILE] = {"file", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_QUESTION] = {"question", KIND_FREE_TEXT, 0, 0, NULL},
    [SRV_OPT_WHY] = {"why", KIND_FREE_TEXT, 0, 0, NULL},
    [SRV_OPT_PILLAR] = {"pillar", KIND_WORD, 0, 0, model_pillar_words},
    [SRV_OPT_FROM] = {"from", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_TO] = {"to", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_TEMPLATE] = {"template", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_SIGN] = {"sign", KIND_FREE_TEXT, 0, 0, NULL},
    [SRV_OPT_VERSION] = {"version", KIND_NUMBER, 1, INT_MAX, NULL},
    [SRV_OPT_TTL_MINUTES] = {"ttl-minutes", KIND_NUMBER, 1, 7 * 24 * 60, NULL},
    [SRV_OPT_DEVICE] = {"device", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_FORMAT] = {"format", KIND_WORD, 0, 0, formats},
    [SRV_OPT_OUT] = {"out", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_SUBJECT] = {"subject", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_LIMIT] = {"limit", KIND_NUMBER, 1, 100000, NULL},
    [SRV_OPT_ROOM] = {"room", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_FOCUS] = {"focus", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_SEARCH] = {"search", KIND_FREE_TEXT, 0, 0, NULL},
    [SRV_OPT_WIPE] = {"wipe", KIND_FLAG, 0, 0, NULL},
    [SRV_OPT_LOGIN] = {"login", KIND_TEXT, 0, 0, NULL},
    [SRV_OPT_CSV_STYLE] = {"csv-style", KIND_WORD, 0, 0, csv_styles},
};

/* ---- the commands ---- */

#define B(o) SRV_OPT_BIT(SRV_OPT_##o)

typedef struct {
    const char *name;
    int (*fn)(srv_admin_cmd *c);
    unsigned allowed, required;
    int unit_must_exist; /* --unit must name a unit before the command runs */
    const char *usage;   /* its lines in the usage text */
} command;

/* The commands whose --role takes other words than a person's. */
static const struct {
    const char *command;
    const char *const *words;
} role_words[] = {{"account-add", account_roles}};

static const command commands[] = {
    {"unit-add", srv_admin_unit_add, B(NAME) | B(RETENTION_DAYS) | B(ID), B(NAME), 0,
     "  unit-add --name NAME [--retention-days N] [--id ID]\n"},
    {"unit-list", srv_admin_unit_list, 0, 0, 0,
     "  unit-list                         (unit, name, state, retention days)\n"},
    {"unit-show", srv_admin_unit_show, B(UNIT), B(UNIT), 0, "  unit-show --unit UNIT\n"},
    {"unit-deactivate", srv_admin_unit_deactivate, B(UNIT), B(UNIT), 0,
     "  unit-deactivate --unit UNIT       no new enrolment codes; its tablets keep syncing\n"},
    {"unit-activate", srv_admin_unit_activate, B(UNIT), B(UNIT), 0,
     "  unit-activate --unit UNIT\n"},
    {"unit-rename", srv_admin_unit_rename, B(UNIT) | B(NAME), B(UNIT) | B(NAME), 0,
     "  unit-rename --unit UNIT --name NAME\n"},
    {"unit-retention", srv_admin_unit_retention, B(UNIT) | B(RETENTION_DAYS),
     B(UNIT) | B(RETENTION_DAYS), 0,
     "  unit-retention --unit UNIT --retention-days N   how long observations are kept\n"},
    {"room-add", srv_admin_room_add, B(UNIT) | B(NAME) | B(ID), B(UNIT) | B(NAME), 1,
     "  room-add --unit UNIT --name NAME [--id ID]\n"},
    {"room-list", srv_admin_room_list, B(UNIT), B(UNIT), 1,
     "  room-list --unit UNIT             (room, name, state, unit)\n"},
    {"room-show", srv_admin_room_show, B(ROOM), B(ROOM), 0, "  room-show --room ROOM\n"},
    {"room-deactivate", srv_admin_room_deactivate, B(ROOM), B(ROOM), 0,
     "  room-deactivate --room ROOM       nobody is moved into it; tablets still offer it\n"},
    {"room-activate", srv_admin_room_activate, B(ROOM), B(ROOM), 0,
     "  room-activate --room ROOM\n"},
    {"room-rename", srv_admin_room_rename, B(ROOM) | B(NAME), B(ROOM) | B(NAME), 0,
     "  room-rename --room ROOM --name NAME\n"},
    {"person-add", srv_admin_person_add, B(UNIT) | B(NAME) | B(ROLE) | B(ID),
     B(UNIT) | B(NAME) | B(ROLE), 1,
     "  person-add --unit UNIT --name NAME --role peer|leader [--id ID]\n"},
    {"person-list", srv_admin_person_list, B(UNIT) | B(SEARCH), B(UNIT), 1,
     "  person-list --unit UNIT [--search TEXT]   (person, name, role, state, room, pin, unit)\n"},
    {"person-show", srv_admin_person_show, B(PERSON), B(PERSON), 0,
     "  person-show --person PERSON\n"},
    {"person-room", srv_admin_person_room, B(PERSON) | B(ROOM), B(PERSON) | B(ROOM), 0,
     "  person-room --person PERSON --room ROOM|none   a room of the person's own unit\n"},
    {"person-rename", srv_admin_person_rename, B(PERSON) | B(NAME), B(PERSON) | B(NAME), 0,
     "  person-rename --person PERSON --name NAME\n"},
    {"person-role", srv_admin_person_role, B(PERSON) | B(ROLE), B(PERSON) | B(ROLE), 0,
     "  person-role --person PERSON --role peer|leader\n"},
    {"pin-set", srv_admin_pin_set, B(PERSON), B(PERSON), 0,
     "  pin-set --person PERSON            (the PIN is read from standard input)\n"},
    {"pin-clear", srv_admin_pin_clear, B(PERSON), B(PERSON), 0,
     "  pin-clear --person PERSON          no PIN: the person cannot sign in until one is set\n"},
    {"person-deactivate", srv_admin_person_deactivate, B(PERSON), B(PERSON), 0,
     "  person-deactivate --person PERSON\n"},
    {"person-activate", srv_admin_person_activate, B(PERSON), B(PERSON), 0,
     "  person-activate --person PERSON\n"},
    {"focus-add", srv_admin_focus_add,
     B(UNIT) | B(FILE) | B(QUESTION) | B(WHY) | B(PILLAR) | B(FROM) | B(TO) | B(TEMPLATE) |
         B(SIGN) | B(ID) | B(VERSION),
     B(UNIT), 1,
     "  focus-add --unit UNIT --file FOCUS.json\n"
     "  focus-add --unit UNIT --question Q --from YYYY-MM-DD --to YYYY-MM-DD --template ID\n"
     "            [--why W] [--pillar values|learning|collaboration|dialogue|judgement]\n"
     "            [--sign TEXT]... [--id ID] [--version N]\n"
     "            an id that exists saves a change to that focus; --version (or the file's\n"
     "            \"version\") is the version the change was made from, refused if newer exists\n"},
    {"focus-list", srv_admin_focus_list, B(UNIT), B(UNIT), 1,
     "  focus-list --unit UNIT            (latest versions; the question last)\n"},
    {"focus-show", srv_admin_focus_show, B(FOCUS) | B(VERSION), B(FOCUS), 0,
     "  focus-show --focus FOCUS [--version N]   its JSON, as focus-add --file reads it\n"},
    {"focus-rename", srv_admin_focus_rename, B(FOCUS) | B(QUESTION), B(FOCUS) | B(QUESTION), 0,
     "  focus-rename --focus FOCUS --question Q\n"},
    {"focus-retire", srv_admin_focus_retire, B(FOCUS), B(FOCUS), 0,
     "  focus-retire --focus FOCUS        its period ends yesterday: tablets stop offering it\n"},
    {"template-add", srv_admin_template_add, B(UNIT) | B(FILE), B(UNIT) | B(FILE), 1,
     "  template-add --unit UNIT --file TEMPLATE.json\n"},
    {"template-list", srv_admin_template_list, B(UNIT), B(UNIT), 1,
     "  template-list --unit UNIT         (latest versions; the name last)\n"},
    {"template-show", srv_admin_template_show, B(TEMPLATE) | B(VERSION), B(TEMPLATE), 0,
     "  template-show --template TEMPLATE [--version N]   its JSON, as template-add reads it\n"},
    {"template-rename", srv_admin_template_rename, B(TEMPLATE) | B(NAME), B(TEMPLATE) | B(NAME), 0,
     "  template-rename --template TEMPLATE --name NAME\n"},
    {"template-retire", srv_admin_template_retire, B(TEMPLATE), B(TEMPLATE), 0,
     "  template-retire --template TEMPLATE   no new or changed focus may use it\n"},
    {"enrol-code", srv_admin_enrol_code, B(UNIT) | B(TTL_MINUTES), B(UNIT), 1,
     "  enrol-code --unit UNIT [--ttl-minutes N]   (single use; default 60 minutes)\n"},
    {"device-list", srv_admin_device_list, B(UNIT), B(UNIT), 0,
     "  device-list --unit UNIT           (name, enrolled, last seen, app, address, state)\n"},
    {"device-revoke", srv_admin_device_revoke, B(DEVICE) | B(WIPE), B(DEVICE), 0,
     "  device-revoke --device DEVICE [--wipe]   refuse the tablet from its next contact;\n"
     "                                    --wipe: it also erases its data then (lost or stolen)\n"},
    {"conflict-list", srv_admin_conflict_list, B(UNIT), B(UNIT), 0,
     "  conflict-list --unit UNIT         (kept conflicts, with both versions)\n"},
    {"export", srv_admin_export,
     B(UNIT) | B(FORMAT) | B(OUT) | B(CSV_STYLE) | B(FOCUS) | B(FROM) | B(TO), B(UNIT) | B(FORMAT),
     1,
     "  export --unit UNIT --format wide|long|json [--csv-style da|intl] [--focus FOCUS]\n"
     "         [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--out FILE]\n"
     "                                    wide: one row per observation (every counter and\n"
     "                                    rate, sign, state, context, feedback, reflection);\n"
     "                                    long: one row per event or note; csv is wide.\n"
     "                                    --csv-style da (default): ';', decimal comma, a\n"
     "                                    UTF-8 mark; intl: ',', decimal point. Local times\n"
     "                                    (Europe/Copenhagen); --from and --to are days of\n"
     "                                    the start, inclusive (json: the whole unit)\n"},
    {"retention-run", srv_admin_retention_run, B(UNIT), 0, 0,
     "  retention-run [--unit UNIT]       delete observations past the retention period\n"},
    {"facts-rebuild", srv_admin_facts_rebuild, B(UNIT), 0, 0,
     "  facts-rebuild [--unit UNIT]       make the office's figures again from the records\n"
     "                                    (tablets keep syncing meanwhile)\n"},
    {"facts-check", srv_admin_facts_check, 0, 0, 0,
     "  facts-check                       compare the office's monthly sums with a recount\n"},
    {"person-export", srv_admin_person_export, B(PERSON) | B(OUT), B(PERSON), 0,
     "  person-export --person PERSON [--out FILE]   everything held about one person\n"},
    {"person-delete", srv_admin_person_delete, B(PERSON), B(PERSON), 0,
     "  person-delete --person PERSON     erase a person and the observations about them\n"
     "                                    (tablets follow at their next sync)\n"},
    {"audit-list", srv_admin_audit_list, B(UNIT) | B(SUBJECT) | B(LIMIT), 0, 0,
     "  audit-list [--unit UNIT] [--subject ID] [--limit N]   the audit log, newest last\n"},
    {"account-add", srv_admin_account_add, B(LOGIN) | B(ROLE) | B(UNIT) | B(NAME),
     B(LOGIN) | B(ROLE), 0,
     "  account-add --login LOGIN --role admin|area [--unit UNIT]... [--name NAME]\n"
     "                                    an office account without a person, with its\n"
     "                                    invitation link (an area leader leads each --unit)\n"},
    {"invite", srv_admin_invite, B(PERSON) | B(LOGIN), 0, 0,
     "  invite --person PERSON [--login LOGIN] | --login LOGIN\n"
     "                                    a one-time link (7 days) to choose an office\n"
     "                                    password; makes the person's account if needed\n"},
    {"account-password", srv_admin_account_password, B(LOGIN), B(LOGIN), 0,
     "  account-password --login LOGIN    (the password is read from standard input)\n"},
    {"account-list", srv_admin_account_list, 0, 0, 0,
     "  account-list                      (login, role, name, person, units, state)\n"},
    {"account-disable", srv_admin_account_disable, B(LOGIN), B(LOGIN), 0,
     "  account-disable --login LOGIN     no more sign-ins; its sessions end now\n"},
    {"account-enable", srv_admin_account_enable, B(LOGIN), B(LOGIN), 0,
     "  account-enable --login LOGIN\n"},
    {"backup", srv_admin_backup, B(OUT), B(OUT), 0,
     "  backup --out FILE                 a copy of the whole database at one moment\n"
     "                                    (pg_dump's custom format); servers keep serving\n"},
    {"restore", srv_admin_restore, B(FILE), B(FILE), 0,
     "  restore --file FILE               a backup into a new, empty database (--db),\n"
     "                                    brought up to this server's schema\n"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

void srv_admin_usage(FILE *out)
{
    fputs("Admin commands: blik-server admin [--db CONNINFO | --config FILE] COMMAND ...\n", out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fputs(commands[i].usage, out);
    fputs("Every command is written to the audit log before it runs.\n"
          "Ids are printed on standard output; messages go to standard error.\n",
          out);
}

/* ---- parsing ---- */

/* Says what is wrong with the command line and how the command is used;
 * returns 2, the exit status of a usage error. */
static int usage_error(const command *k, FILE *err, const char *fmt, const char *what)
{
    fprintf(err, "%s: ", k->name);
    fprintf(err, fmt, what);
    fprintf(err, "\nUsage: blik-server admin [--db CONNINFO | --config FILE]\n%s", k->usage);
    return 2;
}

/* Checks and keeps the value of one option: a number within its range, or
 * one of its words. 0, or 2 with the message on c->err. */
static int take(const command *k, srv_admin_cmd *c, srv_opt o, const char *v)
{
    char msg[200];
    if (opts[o].kind == KIND_NUMBER) {
        char *end;
        long x = strtol(v, &end, 10);
        if (!*v || *end || x < opts[o].min || x > opts[o].max) {
            if (opts[o].max == INT_MAX)
                snprintf(msg, sizeof msg, "--%s is a whole number, at least %ld.", opts[o].name,
                         opts[o].min);
            else
                snprintf(msg, sizeof msg, "--%s is %ld to %ld.", opts[o].name, opts[o].min,
                         opts[o].max);
            return usage_error(k, c->err, "%s", msg);
        }
        c->num[o] = x;
    } else if (opts[o].kind == KIND_WORD) {
        const char *const *words = opts[o].words;
        for (size_t i = 0; o == SRV_OPT_ROLE && i < sizeof role_words / sizeof role_words[0]; i++)
            if (!strcmp(k->name, role_words[i].command))
                words = role_words[i].words;
        int n = 0, found = -1;
        for (; words[n]; n++)
            if (!strcmp(v, words[n]))
                found = n;
        if (found < 0) {
            size_t m = (size_t)snprintf(msg, sizeof msg, "--%s is ", opts[o].name);
            for (int i = 0; i < n && m < sizeof msg; i++)
                m += (size_t)snprintf(msg + m, sizeof msg - m, "%s%s",
                                      i == 0       ? ""
                                      : i == n - 1 ? " or "
                                                   : ", ",
                                      words[i]);
            return usage_error(k, c->err, "%s.", msg);
        }
        c->choice[o] = found;
    }
    if (o == SRV_OPT_SIGN)
        c->signs[c->n_signs++] = v;
    if (o == SRV_OPT_UNIT)
        c->units[c->n_units++] = v;
    c->val[o] = v;
    return 0;
}

/*
 * Parses a command's options (argv[0] is the command's name) into c:
 * only the options the command knows, each with a value, the required
 * ones present, nothing left over. getopt_long keeps its place in globals,
 * so it is started afresh (optind = 0) for every command line; "+" stops
 * it from reordering argv, which the audit row reads in the order given.
 * 0, or 2 with the message on c->err.
 */
static int parse(const command *k, int argc, char **argv, srv_admin_cmd *c)
{
    struct option lo[SRV_OPT_COUNT + 1];
    int n = 0;
    for (int o = 0; o < SRV_OPT_COUNT; o++)
        if (k->allowed & SRV_OPT_BIT(o))
            lo[n++] = (struct option){
                opts[o].name, opts[o].kind == KIND_FLAG ? no_argument : required_argument, NULL, o};
    lo[n] = (struct option){NULL, 0, NULL, 0};
    optind = 0;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "+:", lo, NULL)) != -1) {
        const char *at = argv[optind - 1];
        if (o == '?' && optopt > 0 && optopt < SRV_OPT_COUNT && opts[optopt].kind == KIND_FLAG)
            return usage_error(k, c->err, "--%s takes no value.", opts[optopt].name);
        if (o == '?')
            return usage_error(k, c->err, "unknown option \"%s\".", at);
        /* A missing value: at the end, or the next option taken as one
         * ("--name --id X"); a value given as --name=... is what it says. */
        if (o == ':')
            return usage_error(k, c->err, "missing a value after \"%s\".", at);
        if (opts[o].kind != KIND_FLAG && optarg == at && optind >= 2 && !strncmp(optarg, "--", 2))
            return usage_error(k, c->err, "missing a value after \"%s\".", argv[optind - 2]);
        if (c->n_given == SRV_ADMIN_GIVEN_MAX)
            return usage_error(k, c->err, "%s", "more than 40 options.");
        if (opts[o].kind == KIND_FLAG)
            c->val[o] = "";
        else if (take(k, c, (srv_opt)o, optarg) != 0)
            return 2;
        c->given[c->n_given].opt = opts[o].name;
        c->given[c->n_given].val = opts[o].kind == KIND_FLAG ? NULL : optarg;
        c->given[c->n_given].free_text = opts[o].kind == KIND_FREE_TEXT;
        c->n_given++;
    }
    if (optind < argc)
        return usage_error(k, c->err, "unexpected argument \"%s\".", argv[optind]);
    for (int i = 0; i < SRV_OPT_COUNT; i++)
        if ((k->required & SRV_OPT_BIT(i)) && !c->val[i]) {
            char name[40];
            snprintf(name, sizeof name, "--%s", opts[i].name);
            return usage_error(k, c->err, "%s is required.", name);
        }
    return 0;
}

/* ---- helpers the commands share ---- */

long srv_admin_num(const srv_admin_cmd *c, srv_opt o, long dflt)
{
    return c->val[o] ? c->num[o] : dflt;
}

int srv_admin_new_id(const srv_admin_cmd *c, model_id out)
{
    const char *given = c->val[SRV_OPT_ID];
    if (given) {
        char msg[120];
        if (model_id_check(given, "--id", msg, sizeof msg) != 0) {
            fprintf(c->err, "%s\n", msg);
            return -1;
        }
        snprintf(out, sizeof(model_id), "%s", given);
        return 0;
    }
    return model_id_new(plat_sys_os(), out);
}

PGresult *srv_admin_query(const srv_admin_cmd *c, const char *sql, int n, const char *const *params)
{
    char e[400];
    PGresult *r = srv_q(c->pg, sql, n, params, e, sizeof e);
    if (!r)
        fprintf(c->err, "%s: %s\n", c->name, e);
    return r;
}

int srv_admin_list(const srv_admin_cmd *c, const char *sql, int n, const char *const *params)
{
    PGresult *r = srv_admin_query(c, sql, n, params);
    if (!r)
        return 1;
    for (int i = 0; i < PQntuples(r); i++)
        for (int k = 0; k < PQnfields(r); k++)
            fprintf(c->out, "%s%c", PQgetvalue(r, i, k), k + 1 < PQnfields(r) ? '\t' : '\n');
    PQclear(r);
    return 0;
}

const char *srv_admin_cell(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        buf[n++] = *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s;
    buf[n] = 0;
    return buf;
}

int srv_admin_ref_done(const srv_admin_cmd *c, int rc, const char *err, const char *id)
{
    if (rc != 0) {
        fprintf(c->err, "%s: %s\n", c->name, err);
        return 1;
    }
    if (id)
        fprintf(c->out, "%s\n", id);
    return 0;
}

char *srv_admin_read_file(const srv_admin_cmd *c, const char *path, size_t *len)
{
    char msg[512];
    char *buf = plat_read_file(path, SRV_ADMIN_FILE_MAX, len, msg, sizeof msg);
    if (!buf)
        fprintf(c->err, "%s\n", msg);
    return buf;
}

FILE *srv_admin_open_out(const srv_admin_cmd *c)
{
    const char *path = c->val[SRV_OPT_OUT];
    FILE *f = path ? fopen(path, "w") : c->out;
    if (!f)
        fprintf(c->err, "%s: cannot write %s.\n", c->name, path);
    return f;
}

int srv_admin_close_out(const srv_admin_cmd *c, FILE *f, int rc)
{
    if (f && c->val[SRV_OPT_OUT] && fclose(f) != 0)
        rc = 1;
    return f ? rc : 1;
}

/* 1 if --unit names a unit; else says so on c->err. */
static int unit_exists(const srv_admin_cmd *c)
{
    const char *p[] = {c->val[SRV_OPT_UNIT]};
    char e[300];
    PGresult *r = srv_q(c->pg, "SELECT 1 FROM units WHERE id = $1", 1, p, e, sizeof e);
    int ok = r && PQntuples(r) == 1;
    PQclear(r);
    if (!ok)
        fprintf(c->err, "%s: there is no unit %s.\n", c->name, p[0]);
    return ok;
}

/* ---- running one command ---- */

int srv_admin_main(int argc, char **argv, FILE *in, FILE *out, FILE *errout)
{
    srv_config cfg;
    int used, rc = srv_config_args(&cfg, argc, argv, &used, srv_admin_usage, out, errout, "");
    if (rc >= 0)
        return rc;
    if (used >= argc) {
        srv_admin_usage(errout);
        return 2;
    }
    const command *k = NULL;
    for (size_t i = 0; i < N_COMMANDS && !k; i++)
        if (!strcmp(argv[used], commands[i].name))
            k = &commands[i];
    if (!k) {
        fprintf(errout, "Unknown admin command \"%s\".\n", argv[used]);
        srv_admin_usage(errout);
        return 2;
    }
    srv_admin_cmd c;
    memset(&c, 0, sizeof c);
    c.name = k->name;
    c.in = in;
    c.out = out;
    c.err = errout;
    c.cfg = &cfg;
    if (parse(k, argc - used, argv + used, &c) != 0)
        return 2;
    char e[600];
    if (sodium_init() < 0) {
        fprintf(errout, "The crypto library failed to start.\n");
        return 1;
    }
    /* Backup and restore connect without migrating and write their own
     * audit row: a backup leaves the schema as it found it, and a restore
     * needs the database empty. */
    if (k->fn == srv_admin_backup || k->fn == srv_admin_restore) {
        c.pg = PQconnectdb(cfg.db);
        if (!c.pg || PQstatus(c.pg) != CONNECTION_OK) {
            fprintf(errout, "Cannot connect to the database: %s",
                    c.pg ? PQerrorMessage(c.pg) : "out of memory\n");
            PQfinish(c.pg);
            return 1;
        }
        rc = k->fn(&c);
        PQfinish(c.pg);
        return rc;
    }
    c.pg = srv_db_connect(cfg.db, e, sizeof e);
    if (!c.pg) {
        fprintf(errout, "%s\n", e);
        return 1;
    }
    long long audit_id = srv_admin_audit_begin(&c, e, sizeof e);
    if (audit_id < 0) {
        fprintf(errout, "%s: not run, because the audit log cannot be written: %s\n", c.name, e);
        PQfinish(c.pg);
        return 1;
    }
    rc = k->unit_must_exist && !unit_exists(&c) ? 1 : k->fn(&c);
    srv_admin_audit_end(&c, audit_id, rc);
    PQfinish(c.pg);
    return rc;
}

/*
 * Reads one line of c->in into buf (the line end taken off). On a terminal
 * the typing is not echoed, after a prompt "label: " on c->err, so a PIN or
 * password is not left on the screen; from a pipe the line is read as it
 * comes. 0, or -1 (buf empty) when nothing could be read.
 */
int srv_admin_read_secret(const srv_admin_cmd *c, const char *label, char *buf, size_t cap)
{
    int fd = fileno(c->in);
    struct termios old;
    int tty = fd >= 0 && isatty(fd) && tcgetattr(fd, &old) == 0;
    if (tty) {
        struct termios quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        fprintf(c->err, "%s: ", label);
        fflush(c->err);
        if (tcsetattr(fd, TCSANOW, &quiet) != 0)
            tty = 0;
    }
    int ok = fgets(buf, (int)cap, c->in) != NULL;
    if (tty)
        tcsetattr(fd, TCSANOW, &old);
    if (!ok) {
        buf[0] = 0;
        return -1;
    }
    buf[strcspn(buf, "\r\n")] = 0;
    return 0;
}
