/*
 * The sync logic: device authentication, enrolment and the unit's feed lock
 * (push and pull are in srv_push.c and srv_pull.c). Every rule that keeps
 * data safe is enforced inside one database transaction per request, so a
 * request that is cut off at any point leaves either all of its effects or
 * none.
 */
#include "srv_int.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG(...) snprintf(msg, msglen, __VA_ARGS__)

static void rollback(PGconn *pg) { PQclear(PQexec(pg, "ROLLBACK")); }

proto_code srv_auth(PGconn *pg, const char *authz, srv_device *dev, char *msg, size_t msglen)
{
    char id[MODEL_UUID_LEN + 1], secret[PROTO_SECRET_HEX + 1];
    if (!authz || strncmp(authz, "Bearer ", 7) != 0 ||
        strlen(authz) != 7 + MODEL_UUID_LEN + 1 + PROTO_SECRET_HEX ||
        authz[7 + MODEL_UUID_LEN] != '.') {
        MSG("This request needs the tablet's credentials: \"Authorization: Bearer "
            "<device_id>.<secret>\".");
        return PROTO_E_UNAUTHORIZED;
    }
    memcpy(id, authz + 7, MODEL_UUID_LEN);
    id[MODEL_UUID_LEN] = 0;
    memcpy(secret, authz + 7 + MODEL_UUID_LEN + 1, PROTO_SECRET_HEX + 1);
    /* A header is whatever the client sent: only a real id and hex secret
     * go on to the database (which would refuse invalid UTF-8 with an
     * error, not a "no such device"). */
    int hex = 1;
    for (int i = 0; i < PROTO_SECRET_HEX && hex; i++)
        hex = (secret[i] >= '0' && secret[i] <= '9') || (secret[i] >= 'a' && secret[i] <= 'f');
    if (model_id_check(id, "device id", NULL, 0) != 0 || !hex) {
        MSG("The tablet's credentials are not known to this server; enrol the tablet again.");
        return PROTO_E_UNAUTHORIZED;
    }
    char err[300];
    const char *p[] = {id};
    PGresult *r = srv_qp(pg,
                         "SELECT unit_id, secret_sha256, revoked_at IS NOT NULL,"
                         " wipe_at IS NOT NULL, coalesce(written_lsn::text, '')"
                         " FROM devices WHERE id = $1",
                         1, p, err, sizeof err);
    if (!r) {
        MSG("The database is not answering; try again later.");
        srv_log("auth: %s", err);
        return PROTO_E_UNAVAILABLE;
    }
    /* The stored hash is compared in constant time, and an unknown device
     * is compared against a dummy, so the time taken tells nothing about
     * how much of a secret was right. */
    char hash[65];
    srv_sha256_hex(secret, strlen(secret), hash);
    int found = PQntuples(r) == 1 && strlen(PQgetvalue(r, 0, 1)) == 64;
    static const char dummy[65] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    int same = sodium_memcmp(hash, found ? PQgetvalue(r, 0, 1) : dummy, 64) == 0;
    int match = found && same;
    sodium_memzero(secret, sizeof secret);
    int revoked = found && PQgetvalue(r, 0, 2)[0] == 't';
    int wipe = found && PQgetvalue(r, 0, 3)[0] == 't';
    if (match) {
        snprintf(dev->device_id, sizeof dev->device_id, "%s", id);
        snprintf(dev->unit_id, sizeof dev->unit_id, "%s", PQgetvalue(r, 0, 0));
        snprintf(dev->written_lsn, sizeof dev->written_lsn, "%s", PQgetvalue(r, 0, 4));
    }
    PQclear(r);
    if (!match) {
        MSG("The tablet's credentials are not known to this server; enrol the tablet again.");
        return PROTO_E_UNAUTHORIZED;
    }
    if (wipe) {
        MSG("An administrator revoked this tablet and asked for its data to be erased.");
        return PROTO_E_WIPED;
    }
    if (revoked) {
        MSG("This tablet's enrolment was revoked by an administrator; enrol it again.");
        return PROTO_E_REVOKED;
    }
    return PROTO_OK;
}

/* Cuts text to fit cap bytes at a character boundary and keeps only
 * printable ASCII, so a header of any bytes is stored as clean text. */
static void clean_copy(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; in && *in && n + 1 < cap; in++)
        out[n++] = *in >= 0x20 && *in < 0x7F ? *in : '?';
    out[n] = 0;
}

/* One statement per request, which writes only when something changed or
 * half a minute passed, so a tablet's busy minute costs few row versions;
 * and none while this process remembers writing the same within that half
 * minute. A wipe's first telling is always written. */
void srv_device_seen(PGconn *pg, srv_seen *seen, const srv_device *dev, proto_code code,
                     const char *address, const char *user_agent, double now)
{
    char addr[64], ver[SRV_SEEN_TEXT_MAX], err[300];
    clean_copy(address, addr, sizeof addr);
    clean_copy(user_agent, ver, sizeof ver);
    int wiped = code == PROTO_E_WIPED;
    if (!wiped && srv_seen_recent(seen, dev->device_id, addr, ver, now))
        return;
    const char *p[] = {dev->device_id, addr, ver, wiped ? "t" : "f"};
    PGresult *r = srv_qp(
        pg,
        "UPDATE devices SET last_seen_at = now(), last_address = $2, last_version = $3,"
        " wipe_sent_at = CASE WHEN $4::boolean THEN coalesce(wipe_sent_at, now())"
        " ELSE wipe_sent_at END"
        " WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < now() - interval"
        " '" SRV_STR(SRV_SEEN_EVERY_S) " seconds' OR last_address <> $2 OR last_version <> $3"
                                       " OR ($4::boolean AND wipe_sent_at IS NULL))",
        4, p, err, sizeof err);
    if (!r) {
        srv_log("device %s: its last contact could not be noted: %s", dev->device_id, err);
        return;
    }
    /* Remembered only when written now: a row another process wrote is as
     * recent as that process's note, which this one does not know. */
    if (!strcmp(PQcmdTuples(r), "1"))
        srv_seen_note(seen, dev->device_id, addr, ver, now);
    PQclear(r);
}

/* ---- enrolment ---- */

/* Codes are typed by people: dashes and case do not matter. */
static void normalize_code(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        if (*in != '-')
            out[n++] = (char)toupper((unsigned char)*in);
    out[n] = 0;
}

proto_code srv_enrol(PGconn *pg, const char *body, size_t len, char **reply, char *msg,
                     size_t msglen)
{
    *reply = NULL;
    proto_enrol e;
    proto_err perr;
    if (proto_enrol_decode(body, len, &e, &perr) != 0) {
        MSG("%s", perr.msg);
        return perr.code;
    }
    char norm[PROTO_CODE_MAX + 1], hash[65], err[300];
    normalize_code(e.code, norm, sizeof norm);
    srv_sha256_hex(norm, strlen(norm), hash);

    proto_enrol_reply rep;
    memset(&rep, 0, sizeof rep);
    rep.schema = e.schema; /* answered in the tablet's own version */
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    sodium_bin2hex(rep.device_secret, sizeof rep.device_secret, secret, sizeof secret);
    if (model_id_new(plat_sys_os(), rep.device_id) != 0) {
        MSG("The server could not make an identifier.");
        return PROTO_E_INTERNAL;
    }
    char shash[65];
    srv_sha256_hex(rep.device_secret, PROTO_SECRET_HEX, shash);

    const char *p1[] = {hash};
    PGresult *r = NULL;
    if (srv_exec(pg, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        !(r = srv_q(pg,
                    "UPDATE enrol_codes SET used_at = now() WHERE code_sha256 = $1 "
                    "AND used_at IS NULL AND expires_at > now() RETURNING unit_id",
                    1, p1, err, sizeof err)))
        goto db_fail;
    if (PQntuples(r) != 1) {
        PQclear(r);
        rollback(pg);
        r = srv_q(pg, "SELECT used_at IS NOT NULL FROM enrol_codes WHERE code_sha256 = $1", 1, p1,
                  err, sizeof err);
        if (r && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't')
            MSG("This enrolment code has already been used; ask an administrator for a new one.");
        else if (r && PQntuples(r) == 1)
            MSG("This enrolment code has expired; ask an administrator for a new one.");
        else
            MSG("This enrolment code is not known; check it, or ask for a new one.");
        PQclear(r);
        return PROTO_E_ENROL_CODE;
    }
    snprintf(rep.unit_id, sizeof rep.unit_id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *p2[] = {rep.device_id, rep.unit_id, e.name, shash, hash};
    if (srv_exec(pg, "INSERT INTO devices (id, unit_id, name, secret_sha256) VALUES ($1,$2,$3,$4)",
                 4, p2, err, sizeof err) != 0 ||
        srv_exec(pg, "UPDATE enrol_codes SET device_id = $1 WHERE code_sha256 = $2", 2,
                 (const char *const[]){rep.device_id, hash}, err, sizeof err) != 0 ||
        srv_exec(pg, "COMMIT", 0, NULL, err, sizeof err) != 0)
        goto db_fail;
    srv_log("enrolled device %s in unit %s", rep.device_id, rep.unit_id);
    *reply = proto_enrol_reply_encode(&rep);
    sodium_memzero(&rep, sizeof rep);
    if (!*reply) {
        MSG("Out of memory.");
        return PROTO_E_INTERNAL;
    }
    return PROTO_OK;
db_fail:
    rollback(pg);
    srv_log("enrol: %s", err);
    MSG("The database is not answering; try again later.");
    return PROTO_E_UNAVAILABLE;
}

/* ---- the feed ---- */

/* The most statements srv_feed_lock_begin sends after the lock. */
#define LOCK_MORE_MAX 8

/*
 * The lock is one statement of a batch (srv_qp_batch): on its own, or
 * after BEGIN and SET LOCAL, with the statements that follow it, so that a
 * push begins, locks and reads what it needs in one round trip. Kept
 * prepared: units is a small table, read here by its primary key.
 */
static int feed_lock(PGconn *pg, int begin, const char *unit_id, int64_t *seq, const srv_stmt *more,
                     int n_more, PGresult **res, srv_meanwhile *mw, char *err, size_t errlen)
{
    const char *p[] = {unit_id};
    srv_stmt v[3 + LOCK_MORE_MAX];
    PGresult *got[3 + LOCK_MORE_MAX] = {0};
    if (n_more > LOCK_MORE_MAX) {
        if (mw)
            mw->rc = mw->fn(mw->arg);
        snprintf(err, errlen, "[-----] too many statements after the feed lock (%d)", n_more);
        return -1;
    }
    v[0] = srv_begin_indexed_stmts[0];
    v[1] = srv_begin_indexed_stmts[1];
    v[2] = (srv_stmt){"SELECT feed_seq FROM units WHERE id = $1 FOR UPDATE", 1, p};
    for (int i = 0; i < n_more; i++)
        v[3 + i] = more[i];
    int first = begin ? 0 : 2;
    if (srv_qp_batch_meanwhile(pg, v + first, 3 + n_more - first, got + first, mw, err, errlen) !=
        0)
        return -1;
    int found = PQntuples(got[2]) == 1;
    if (found)
        *seq = strtoll(PQgetvalue(got[2], 0, 0), NULL, 10);
    for (int i = 0; i < 3; i++)
        PQclear(got[i]);
    for (int i = 0; i < n_more; i++) {
        if (res)
            res[i] = found ? got[3 + i] : NULL;
        if (!res || !found)
            PQclear(got[3 + i]);
    }
    if (!found) {
        snprintf(err, errlen, "The unit %s does not exist.", unit_id);
        return -1;
    }
    return 0;
}

int srv_feed_lock(PGconn *pg, const char *unit_id, int64_t *seq, char *err, size_t errlen)
{
    return feed_lock(pg, 0, unit_id, seq, NULL, 0, NULL, NULL, err, errlen);
}

int srv_feed_lock_begin(PGconn *pg, const char *unit_id, int64_t *seq, const srv_stmt *v, int n,
                        PGresult **res, srv_meanwhile *mw, char *err, size_t errlen)
{
    return feed_lock(pg, 1, unit_id, seq, v, n, res, mw, err, errlen);
}

int srv_feed_release(PGconn *pg, const char *unit_id, int64_t seq, char *err, size_t errlen)
{
    char s[24];
    snprintf(s, sizeof s, "%lld", (long long)seq);
    const char *p[] = {unit_id, s};
    return srv_execp(pg, SRV_FEED_RELEASE_SQL, 2, p, err, errlen);
}
