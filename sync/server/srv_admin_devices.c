/*
 * The admin commands about tablets and what they sent: single-use
 * enrolment codes, the list of a unit's devices, revoking one, and the
 * conflicts kept from their pushes.
 */
#include "srv_admin_int.h"

#include <stdio.h>
#include <string.h>

#include "srv_ref.h"

/* The code comes from srv_ref_enrol_code, which the office calls too. */
int srv_admin_enrol_code(srv_admin_cmd *c)
{
    char actor[80], e[SRV_REF_ERR_MAX], code[SRV_REF_CODE_LEN + 1];
    srv_admin_actor(actor, sizeof actor);
    srv_ref_rc rc = srv_ref_enrol_code(c->pg, actor, c->val[SRV_OPT_UNIT],
                                       (int)srv_admin_num(c, SRV_OPT_TTL_MINUTES, 60), code, NULL,
                                       e, sizeof e);
    if (rc != SRV_REF_OK)
        return srv_admin_ref_done(c, rc, e, NULL);
    fprintf(c->out, "%s\n", code);
    return 0;
}

/* A header first, then one tablet a line: what an administrator needs to
 * tell which tablet was lost. Times are UTC; a tablet never seen since its
 * enrolment says "never"; the last push says how many changes it carried
 * and when. */
int srv_admin_device_list(srv_admin_cmd *c)
{
    const char *p[] = {c->val[SRV_OPT_UNIT]};
#define UTC(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI\"Z\"')"
    fputs("device\tname\tstate\tenrolled\tlast seen\tapp\taddress\tlast push\n", c->out);
    return srv_admin_list(
        c,
        "SELECT id, CASE WHEN name = '' THEN '(no name)' ELSE name END,"
        " CASE WHEN revoked_at IS NULL THEN 'active'"
        "  WHEN wipe_at IS NULL THEN 'revoked'"
        "  WHEN wipe_sent_at IS NULL THEN 'revoked, wipe pending'"
        "  ELSE 'revoked, wipe sent ' || " UTC(
            "wipe_sent_at") " END,"
                            " " UTC(
                                "created_at") ","
                                              " coalesce(" UTC(
                                                  "last_seen_at") ", 'never'),"
                                                                  " CASE WHEN last_version = '' THEN '-' ELSE last_version END,"
                                                                  " CASE WHEN last_address = '' THEN '-' ELSE last_address END,"
                                                                  " CASE WHEN last_push_at IS NULL THEN 'none'"
                                                                  "  ELSE last_push_changes || CASE WHEN last_push_changes = 1 THEN ' change, '"
                                                                  "  ELSE ' changes, ' END || " UTC(
                                                                      "last_push_at") " END"
                                                                                      " FROM devices WHERE unit_id = $1 ORDER BY created_at, id",
        1, p);
#undef UTC
}

/* A revoked device is refused at its next request; see
 * srv_ref_device_revoke, which the office calls too. */
int srv_admin_device_revoke(srv_admin_cmd *c)
{
    const char *dev = c->val[SRV_OPT_DEVICE];
    int wipe = c->val[SRV_OPT_WIPE] != NULL;
    char actor[80], e[SRV_REF_ERR_MAX];
    srv_admin_actor(actor, sizeof actor);
    srv_ref_rc rc = srv_ref_device_revoke(c->pg, actor, dev, wipe, e, sizeof e);
    if (rc == SRV_REF_NOTFOUND) {
        fprintf(c->err, "device-revoke: there is no such device.\n");
        return 1;
    }
    if (rc != SRV_REF_OK)
        return srv_admin_ref_done(c, rc, e, NULL);
    if (wipe)
        fprintf(c->out, "revoked %s; it erases its data at its next contact\n", dev);
    else
        fprintf(c->out, "revoked %s\n", dev);
    return 0;
}

/* Conflicts are kept, never resolved by the server: this lists them so that
 * a person can look at both versions and decide. */
int srv_admin_conflict_list(srv_admin_cmd *c)
{
    const char *p[] = {c->val[SRV_OPT_UNIT]};
    return srv_admin_list(
        c,
        "SELECT x.id, x.entity, x.key, 'base ' || x.base_version, 'server ' || x.server_version,"
        " to_char(x.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        " || E'\\n  kept:    ' || x.data || E'\\n  current: ' || coalesce(i.data, '')"
        " FROM conflicts x LEFT JOIN items i ON i.entity = x.entity AND i.key = x.key"
        " WHERE x.unit_id = $1 AND x.resolved_at IS NULL ORDER BY x.id",
        1, p);
}
