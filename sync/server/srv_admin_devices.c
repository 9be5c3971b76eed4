/*
 * The admin commands about tablets and what they sent: single-use
 * enrolment codes, the list of a unit's devices, revoking one, and the
 * conflicts kept from their pushes.
 */
#include "srv_admin_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Codes avoid letters people confuse (I, O, 0, 1) and are grouped for
 * reading aloud; 10 characters of 32 give 50 bits, enough for a code that
 * is single-use and expires within hours. Only its hash is stored. */
int srv_admin_enrol_code(srv_admin_cmd *c)
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    char raw[11], shown[16], hash[65], mins[16];
    unsigned char rnd[10];
    randombytes_buf(rnd, sizeof rnd);
    for (int i = 0; i < 10; i++)
        raw[i] = alphabet[rnd[i] % 32];
    raw[10] = 0;
    snprintf(shown, sizeof shown, "%.5s-%.5s", raw, raw + 5);
    srv_sha256_hex(raw, 10, hash);
    snprintf(mins, sizeof mins, "%ld", srv_admin_num(c, SRV_OPT_TTL_MINUTES, 60));
    const char *p[] = {hash, c->val[SRV_OPT_UNIT], mins};
    /* A deactivated unit takes no new tablets. */
    PGresult *r = srv_admin_query(c,
                                  "INSERT INTO enrol_codes (code_sha256, unit_id, expires_at)"
                                  " SELECT $1, id, now() + make_interval(mins => $3::int)"
                                  " FROM units WHERE id = $2 AND active RETURNING 1",
                                  3, p);
    if (!r)
        return 1;
    int made = PQntuples(r) == 1;
    PQclear(r);
    if (!made) {
        fprintf(c->err, "enrol-code: the unit is deactivated; unit-activate lets it enrol "
                        "tablets again.\n");
        return 1;
    }
    fprintf(c->out, "%s\n", shown);
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

/* A revoked device is refused at its next request; revoking twice keeps
 * the first time. With --wipe the tablet is told, at every contact from
 * then on, to erase what it holds (a lost or stolen tablet); a later
 * revocation without --wipe does not take the wipe back. */
int srv_admin_device_revoke(srv_admin_cmd *c)
{
    const char *dev = c->val[SRV_OPT_DEVICE];
    int wipe = c->val[SRV_OPT_WIPE] != NULL;
    const char *p[] = {dev, wipe ? "t" : "f"};
    PGresult *r = srv_admin_query(c,
                                  "UPDATE devices SET revoked_at = coalesce(revoked_at, now()),"
                                  " wipe_at = CASE WHEN $2::boolean THEN coalesce(wipe_at, now())"
                                  " ELSE wipe_at END WHERE id = $1 RETURNING id",
                                  2, p);
    if (!r)
        return 1;
    int n = PQntuples(r);
    PQclear(r);
    if (n != 1) {
        fprintf(c->err, "device-revoke: there is no such device.\n");
        return 1;
    }
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
