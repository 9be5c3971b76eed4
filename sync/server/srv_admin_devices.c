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
    if (srv_admin_exec(c,
                       "INSERT INTO enrol_codes (code_sha256, unit_id, expires_at)"
                       " VALUES ($1, $2, now() + make_interval(mins => $3::int))",
                       3, p) != 0)
        return 1;
    fprintf(c->out, "%s\n", shown);
    return 0;
}

int srv_admin_device_list(srv_admin_cmd *c)
{
    const char *p[] = {c->val[SRV_OPT_UNIT]};
    return srv_admin_list(c,
                          "SELECT id, to_char(created_at AT TIME ZONE 'UTC',"
                          " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                          " CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END, name"
                          " FROM devices WHERE unit_id = $1 ORDER BY created_at",
                          1, p);
}

/* A revoked device is refused at its next request; revoking twice keeps
 * the first time. */
int srv_admin_device_revoke(srv_admin_cmd *c)
{
    const char *dev = c->val[SRV_OPT_DEVICE];
    const char *p[] = {dev};
    PGresult *r = srv_admin_query(c,
                                  "UPDATE devices SET revoked_at = coalesce(revoked_at, now())"
                                  " WHERE id = $1 RETURNING id",
                                  1, p);
    if (!r)
        return 1;
    int n = PQntuples(r);
    PQclear(r);
    if (n != 1) {
        fprintf(c->err, "device-revoke: there is no such device.\n");
        return 1;
    }
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
