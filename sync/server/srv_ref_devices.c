/*
 * Tablets as the office and the command line manage them: enrolment codes,
 * the list of a unit's tablets, and revoking one (with or without a wipe).
 * The tablets' side of the same rows (enrolling, being refused, being told
 * to wipe) is in srv_sync.c.
 */
#include "srv_ref.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"

/* Codes avoid letters people confuse (I, O, 0, 1) and are grouped for
 * reading aloud; 10 characters of 32 give 50 bits, enough for a code that
 * is single-use and expires within days at most. Only its hash is stored. */
srv_ref_rc srv_ref_enrol_code(PGconn *pg, const char *actor, const char *unit, int ttl_minutes,
                              char code[SRV_REF_CODE_LEN + 1], long long *expires, char *err,
                              size_t errlen)
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    code[0] = 0;
    if (!unit || model_id_check(unit, "id", NULL, 0) != 0) {
        snprintf(err, errlen, "There is no unit with the id \"%.40s\".", unit ? unit : "");
        return SRV_REF_NOTFOUND;
    }
    if (ttl_minutes < 1 || ttl_minutes > SRV_REF_CODE_TTL_MAX) {
        snprintf(err, errlen, "A code is valid for 1 to %d minutes.", SRV_REF_CODE_TTL_MAX);
        return SRV_REF_INVALID;
    }
    char raw[11], hash[65], mins[16];
    unsigned char rnd[10];
    randombytes_buf(rnd, sizeof rnd);
    for (int i = 0; i < 10; i++)
        raw[i] = alphabet[rnd[i] % 32];
    raw[10] = 0;
    sodium_memzero(rnd, sizeof rnd);
    srv_sha256_hex(raw, 10, hash);
    snprintf(mins, sizeof mins, "%d", ttl_minutes);
    const char *p[] = {hash, unit, mins};
    if (srv_exec(pg, "BEGIN", 0, NULL, err, errlen) != 0)
        return SRV_REF_FAIL;
    /* The unit is locked so that it cannot be deactivated between the
     * check and the insert. */
    srv_ref_rc rc = SRV_REF_OK;
    PGresult *r = srv_q(pg, "SELECT active FROM units WHERE id = $1 FOR UPDATE", 1, p + 1, err,
                        errlen);
    if (!r) {
        rc = SRV_REF_FAIL;
    } else if (PQntuples(r) != 1) {
        snprintf(err, errlen, "There is no unit with the id \"%s\".", unit);
        rc = SRV_REF_NOTFOUND;
    } else if (PQgetvalue(r, 0, 0)[0] != 't') {
        snprintf(err, errlen,
                 "The unit is deactivated; unit-activate lets it enrol tablets again.");
        rc = SRV_REF_INVALID;
    }
    PQclear(r);
    r = NULL;
    if (rc == SRV_REF_OK && !(r = srv_q(pg,
                                        "INSERT INTO enrol_codes (code_sha256, unit_id, expires_at)"
                                        " VALUES ($1, $2, now() + make_interval(mins => $3::int))"
                                        " RETURNING floor(extract(epoch FROM expires_at))::bigint",
                                        3, p, err, errlen)))
        rc = SRV_REF_FAIL;
    long long until = r ? atoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    char detail[40];
    snprintf(detail, sizeof detail, "ttl_minutes=%d", ttl_minutes);
    if (rc == SRV_REF_OK &&
        srv_audit(pg, actor ? actor : "", "device.enrol-code", unit, "", detail, err, errlen) != 0)
        rc = SRV_REF_FAIL;
    if (rc == SRV_REF_OK && srv_exec(pg, "COMMIT", 0, NULL, err, errlen) == 0) {
        snprintf(code, SRV_REF_CODE_LEN + 1, "%.5s-%.5s", raw, raw + 5);
        if (expires)
            *expires = until;
        sodium_memzero(raw, sizeof raw);
        return SRV_REF_OK;
    }
    sodium_memzero(raw, sizeof raw);
    PQclear(PQexec(pg, "ROLLBACK"));
    return rc == SRV_REF_OK ? SRV_REF_FAIL : rc;
}

#define EPOCH(x) "coalesce(floor(extract(epoch FROM " x "))::bigint, 0)"
#define DEVICE_COLUMNS                                                                                          \
    "SELECT id, unit_id, name, CASE WHEN revoked_at IS NULL THEN 0 WHEN wipe_at IS NULL THEN 1"                 \
    " WHEN wipe_sent_at IS NULL THEN 2 ELSE 3 END, " EPOCH("created_at") ", " EPOCH("last_seen_at") ", " EPOCH( \
        "last_push_at") ", " EPOCH("revoked_at") ", " EPOCH("wipe_sent_at") ", last_push_changes, last_version, last_address FROM devices"

static void device_row(PGresult *r, int i, srv_ref_device *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->id, sizeof d->id, "%s", PQgetvalue(r, i, 0));
    snprintf(d->unit_id, sizeof d->unit_id, "%s", PQgetvalue(r, i, 1));
    snprintf(d->name, sizeof d->name, "%s", PQgetvalue(r, i, 2));
    d->state = (srv_ref_device_state)atoi(PQgetvalue(r, i, 3));
    d->enrolled_at = atoll(PQgetvalue(r, i, 4));
    d->last_seen_at = atoll(PQgetvalue(r, i, 5));
    d->last_push_at = atoll(PQgetvalue(r, i, 6));
    d->revoked_at = atoll(PQgetvalue(r, i, 7));
    d->wipe_sent_at = atoll(PQgetvalue(r, i, 8));
    d->last_push_changes = atoi(PQgetvalue(r, i, 9));
    snprintf(d->version, sizeof d->version, "%s", PQgetvalue(r, i, 10));
    snprintf(d->address, sizeof d->address, "%s", PQgetvalue(r, i, 11));
}

srv_ref_rc srv_ref_devices(PGconn *pg, const char *unit, srv_ref_device **out, int *n, char *err,
                           size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (!unit || model_id_check(unit, "id", NULL, 0) != 0) {
        snprintf(err, errlen, "There is no unit with the id \"%.40s\".", unit ? unit : "");
        return SRV_REF_NOTFOUND;
    }
    const char *p[] = {unit};
    PGresult *r = srv_q(pg, DEVICE_COLUMNS " WHERE unit_id = $1 ORDER BY created_at, id", 1, p, err,
                        errlen);
    if (!r)
        return SRV_REF_FAIL;
    int rows = PQntuples(r);
    if (rows > 0) {
        *out = calloc((size_t)rows, sizeof **out);
        if (!*out) {
            PQclear(r);
            snprintf(err, errlen, "Out of memory.");
            return SRV_REF_FAIL;
        }
        for (int i = 0; i < rows; i++)
            device_row(r, i, &(*out)[i]);
    }
    *n = rows;
    PQclear(r);
    return SRV_REF_OK;
}

srv_ref_rc srv_ref_device_get(PGconn *pg, const char *device, srv_ref_device *out, char *err,
                              size_t errlen)
{
    if (!device || model_id_check(device, "id", NULL, 0) != 0) {
        snprintf(err, errlen, "There is no tablet with the id \"%.40s\".", device ? device : "");
        return SRV_REF_NOTFOUND;
    }
    const char *p[] = {device};
    PGresult *r = srv_q(pg, DEVICE_COLUMNS " WHERE id = $1", 1, p, err, errlen);
    if (!r)
        return SRV_REF_FAIL;
    srv_ref_rc rc = SRV_REF_OK;
    if (PQntuples(r) == 1) {
        device_row(r, 0, out);
    } else {
        snprintf(err, errlen, "There is no tablet with the id \"%s\".", device);
        rc = SRV_REF_NOTFOUND;
    }
    PQclear(r);
    return rc;
}

srv_ref_rc srv_ref_device_revoke(PGconn *pg, const char *actor, const char *device, int wipe,
                                 char *err, size_t errlen)
{
    if (!device || model_id_check(device, "id", NULL, 0) != 0) {
        snprintf(err, errlen, "There is no tablet with the id \"%.40s\".", device ? device : "");
        return SRV_REF_NOTFOUND;
    }
    const char *p[] = {device, wipe ? "t" : "f"};
    if (srv_exec(pg, "BEGIN", 0, NULL, err, errlen) != 0)
        return SRV_REF_FAIL;
    srv_ref_rc rc = SRV_REF_OK;
    /* changed: whether this call revoked it or asked for the wipe, so a
     * revocation posted twice writes one audit row. */
    PGresult *r = srv_q(pg,
                        "WITH old AS (SELECT id, revoked_at, wipe_at FROM devices WHERE id = $1"
                        " FOR UPDATE)"
                        " UPDATE devices d SET revoked_at = coalesce(d.revoked_at, now()),"
                        " wipe_at = CASE WHEN $2::boolean THEN coalesce(d.wipe_at, now())"
                        " ELSE d.wipe_at END FROM old WHERE d.id = old.id"
                        " RETURNING d.unit_id, old.revoked_at IS NULL"
                        " OR ($2::boolean AND old.wipe_at IS NULL)",
                        2, p, err, errlen);
    if (!r) {
        rc = SRV_REF_FAIL;
    } else if (PQntuples(r) != 1) {
        snprintf(err, errlen, "There is no tablet with the id \"%s\".", device);
        rc = SRV_REF_NOTFOUND;
    } else if (PQgetvalue(r, 0, 1)[0] == 't' &&
               srv_audit(pg, actor ? actor : "", wipe ? "device.wipe" : "device.revoke",
                         PQgetvalue(r, 0, 0), device, "", err, errlen) != 0) {
        rc = SRV_REF_FAIL;
    }
    PQclear(r);
    if (rc == SRV_REF_OK && srv_exec(pg, "COMMIT", 0, NULL, err, errlen) == 0)
        return SRV_REF_OK;
    PQclear(PQexec(pg, "ROLLBACK"));
    return rc == SRV_REF_OK ? SRV_REF_FAIL : rc;
}
