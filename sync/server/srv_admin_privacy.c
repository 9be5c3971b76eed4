/*
 * The admin commands for privacy: the retention job run by hand, a
 * person's export and erasure, and the audit log, both its reading and the
 * row every admin command writes before it runs (so that a command whose
 * row cannot be written does not run, reads included).
 */
#include "srv_admin_int.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void srv_admin_actor(char *out, size_t cap)
{
    const char *who = getenv("SUDO_USER");
    struct passwd *pw = (!who || !*who) ? getpwuid(geteuid()) : NULL;
    if (pw)
        who = pw->pw_name;
    snprintf(out, cap, "admin:%.60s", who && *who ? who : "unknown");
}

int srv_admin_retention_run(srv_admin_cmd *c)
{
    char actor[80], e[400];
    srv_admin_actor(actor, sizeof actor);
    long n = srv_retention_run(c->pg, c->val[SRV_OPT_UNIT], actor, e, sizeof e);
    if (n < 0) {
        fprintf(c->err, "retention-run: %s\n", e);
        return 1;
    }
    fprintf(c->out, "deleted %ld observation(s) past their unit's retention period\n", n);
    return 0;
}

int srv_admin_person_export(srv_admin_cmd *c)
{
    char e[400];
    json_t *doc = srv_person_export(c->pg, c->val[SRV_OPT_PERSON], e, sizeof e);
    if (!doc) {
        fprintf(c->err, "person-export: %s\n", e);
        return 1;
    }
    FILE *f = srv_admin_open_out(c);
    int rc = f &&
             (json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || fputc('\n', f) == EOF);
    json_decref(doc);
    return srv_admin_close_out(c, f, rc);
}

int srv_admin_person_delete(srv_admin_cmd *c)
{
    const char *person = c->val[SRV_OPT_PERSON];
    char actor[80], e[400];
    srv_admin_actor(actor, sizeof actor);
    long n;
    if (srv_person_delete(c->pg, person, actor, &n, e, sizeof e) != 0) {
        fprintf(c->err, "person-delete: %s\n", e);
        return 1;
    }
    fprintf(c->out,
            "deleted person %s and %ld observation(s); tablets delete them at their "
            "next sync\n",
            person, n);
    return 0;
}

/* The newest --limit rows (100 by default), printed oldest first, one a
 * line with tabs between the fields. */
int srv_admin_audit_list(srv_admin_cmd *c)
{
    const char *unit = c->val[SRV_OPT_UNIT], *subject = c->val[SRV_OPT_SUBJECT];
    char ls[24];
    snprintf(ls, sizeof ls, "%ld", srv_admin_num(c, SRV_OPT_LIMIT, 100));
    const char *p[] = {unit ? unit : "", subject ? subject : "", ls};
    return srv_admin_list(
        c,
        "SELECT * FROM (SELECT id, to_char(at AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), actor, action, unit_id, subject,"
        " detail FROM audit_log WHERE ($1 = '' OR unit_id = $1) AND"
        " ($2 = '' OR subject = $2) ORDER BY id DESC LIMIT $3::int) x ORDER BY id",
        3, p);
}

/* The detail is the command line as parsed: each option under its full
 * name, and "[text]" for the values that are free text (names,
 * questions), so that erasing a person does not leave their name behind
 * in the log. */
long long srv_admin_audit_begin(const srv_admin_cmd *c, char *err, size_t errlen)
{
    char detail[1024], actor[80];
    size_t n = (size_t)snprintf(detail, sizeof detail, "%s", c->name);
    /* An option that does not fit whole is left out with the rest, so the
     * detail never ends inside a character (PostgreSQL refuses such text,
     * and the command would then not run). */
    for (int i = 0; i < c->n_given && n < sizeof detail; i++) {
        int k = snprintf(detail + n, sizeof detail - n, " --%s%s%s", c->given[i].opt,
                         c->given[i].val ? " " : "",
                         c->given[i].free_text ? "[text]"
                         : c->given[i].val     ? c->given[i].val
                                               : "");
        if (k < 0 || (size_t)k >= sizeof detail - n) {
            detail[n] = '\0';
            break;
        }
        n += (size_t)k;
    }
    const char *unit = c->val[SRV_OPT_UNIT];
    const char *subject = NULL;
    static const srv_opt subjects[] = {SRV_OPT_PERSON, SRV_OPT_DEVICE, SRV_OPT_ROOM, SRV_OPT_FOCUS};
    for (size_t i = 0; i < sizeof subjects / sizeof subjects[0] && !subject; i++)
        subject = c->val[subjects[i]];
    srv_admin_actor(actor, sizeof actor);
    const char *p[] = {actor, c->name, unit ? unit : "", subject ? subject : "", detail};
    PGresult *r = srv_q(c->pg,
                        "INSERT INTO audit_log (actor, action, unit_id, subject, detail)"
                        " VALUES ($1,$2,$3,$4,$5) RETURNING id",
                        5, p, err, errlen);
    if (!r)
        return -1;
    long long id = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return id;
}

void srv_admin_audit_end(const srv_admin_cmd *c, long long id, int rc)
{
    char ids[24], tail[32], e[300];
    snprintf(ids, sizeof ids, "%lld", id);
    snprintf(tail, sizeof tail, " -> exit %d", rc);
    const char *p[] = {ids, tail};
    if (srv_exec(c->pg, "UPDATE audit_log SET detail = detail || $2 WHERE id = $1::bigint", 2, p, e,
                 sizeof e) != 0)
        fprintf(c->err, "%s: the outcome could not be added to the audit log: %s\n", c->name, e);
}
