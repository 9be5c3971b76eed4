/*
 * Office accounts: passwords, invitations, and the changes to an account
 * that the command line and the office share (see srv_account.h).
 */
#include "srv_account.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "srv_int.h"

_Static_assert(crypto_pwhash_STRBYTES <= SRV_PW_HASH_MAX, "a password hash fits its buffer");

static srv_acc_rc say(srv_acc_rc rc, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static srv_acc_rc say(srv_acc_rc rc, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static srv_acc_rc begin(PGconn *pg, char *err, size_t errlen)
{
    return srv_exec(pg, "BEGIN", 0, NULL, err, errlen) == 0 ? SRV_ACC_OK : SRV_ACC_FAIL;
}

/* Commits when rc is SRV_ACC_OK, else rolls back; the outcome. */
static srv_acc_rc end(PGconn *pg, srv_acc_rc rc, char *err, size_t errlen)
{
    if (rc == SRV_ACC_OK && srv_exec(pg, "COMMIT", 0, NULL, err, errlen) == 0)
        return SRV_ACC_OK;
    PQclear(PQexec(pg, "ROLLBACK"));
    return rc == SRV_ACC_OK ? SRV_ACC_FAIL : rc;
}

static srv_acc_rc audit(PGconn *pg, const char *actor, const char *action, const char *unit,
                        const char *subject, const char *detail, char *err, size_t errlen)
{
    return srv_audit(pg, actor, action, unit ? unit : "", subject, detail, err, errlen) == 0
               ? SRV_ACC_OK
               : SRV_ACC_FAIL;
}

/* ---- passwords ---- */

/* Counts the code points of valid UTF-8 without control characters; -1
 * for anything else. */
static long utf8_chars(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    while (*p) {
        int k = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
        if (k == 0 || (k == 1 && (*p < 0x20 || *p == 0x7f)))
            return -1;
        for (int i = 1; i < k; i++)
            if ((p[i] & 0xc0) != 0x80)
                return -1;
        p += k;
        n++;
    }
    return n;
}

/* Whether needle occurs in hay, ignoring ASCII case. */
static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *h = hay; n && strlen(h) >= n; h++) {
        size_t i = 0;
        while (i < n && (h[i] | 0x20) == (needle[i] | 0x20) &&
               ((unsigned char)h[i] < 0x80 || h[i] == needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

srv_pw_check srv_account_pw_check(const char *login, const char *pw)
{
    if (!pw)
        return SRV_PW_SHORT;
    if (strlen(pw) > SRV_PW_MAX)
        return SRV_PW_LONG;
    long n = utf8_chars(pw);
    if (n < 0)
        return SRV_PW_INVALID;
    if (n < SRV_PW_MIN)
        return SRV_PW_SHORT;
    if (login && *login && (contains_ci(pw, login) || contains_ci(login, pw)))
        return SRV_PW_LOGIN;
    return SRV_PW_OK;
}

/*
 * argon2id with libsodium's "interactive" limits (2 passes over 64 MiB):
 * a sign-in answers in about a tenth of a second on a small server, while
 * a stolen hash costs an attacker as much memory per guess. The memory is
 * taken only while a password is checked, and at most one check runs per
 * pooled database connection, so the pool bounds it. Sign-in is also
 * rate-limited, so the stronger "moderate" limits would buy little
 * against guessing online and would make every sign-in wait seconds.
 */
int srv_account_pw_hash(const char *pw, char out[SRV_PW_HASH_MAX])
{
    char h[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(h, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return -1;
    snprintf(out, SRV_PW_HASH_MAX, "%s", h);
    return 0;
}

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* A hash of random bytes nobody knows, made once, to check unknown logins
 * against so that they take as long as a known one. */
static void dummy_make(void)
{
    unsigned char r[24];
    char pw[49];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(pw, sizeof pw, r, sizeof r);
    if (srv_account_pw_hash(pw, dummy_hash) != 0)
        dummy_hash[0] = 0;
    sodium_memzero(pw, sizeof pw);
}

int srv_account_pw_verify(const char *hash, const char *pw)
{
    if (!hash || !*hash) {
        pthread_once(&dummy_once, dummy_make);
        /* Its answer is always no; only the time it takes matters. */
        if (dummy_hash[0] && crypto_pwhash_str_verify(dummy_hash, pw, strlen(pw)) == 0)
            return 0;
        return 0;
    }
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

/* ---- logins ---- */

int srv_account_login_ok(const char *login)
{
    size_t n = login ? strlen(login) : 0;
    return n >= SRV_LOGIN_MIN && n <= SRV_LOGIN_MAX &&
           strspn(login, "abcdefghijklmnopqrstuvwxyz0123456789.-_@") == n;
}

void srv_account_login_from_name(const char *name, char out[SRV_LOGIN_MAX + 1])
{
    static const struct {
        const char *from, *to;
    } spell[] = {{"æ", "ae"}, {"Æ", "ae"}, {"ø", "oe"}, {"Ø", "oe"}, {"å", "aa"},
                 {"Å", "aa"}, {"é", "e"},  {"É", "e"},  {"ü", "u"},  {"Ü", "u"},
                 {"ö", "o"},  {"Ö", "o"},  {"ä", "a"},  {"Ä", "a"}};
    size_t n = 0;
    const char *p = name ? name : "";
    while (*p && n < SRV_LOGIN_MAX) {
        unsigned char ch = (unsigned char)*p;
        const char *add = NULL;
        char one[2] = {0, 0};
        size_t skip = 1;
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            one[0] = (char)ch;
            add = one;
        } else if (ch >= 'A' && ch <= 'Z') {
            one[0] = (char)(ch | 0x20);
            add = one;
        } else {
            for (size_t i = 0; i < sizeof spell / sizeof spell[0]; i++)
                if (!strncmp(p, spell[i].from, strlen(spell[i].from))) {
                    add = spell[i].to;
                    skip = strlen(spell[i].from);
                    break;
                }
            if (!add) {
                add = n && out[n - 1] != '.' ? "." : "";
                while ((unsigned char)p[skip] >= 0x80 && ((unsigned char)p[skip] & 0xc0) == 0x80)
                    skip++;
            }
        }
        for (const char *a = add; *a && n < SRV_LOGIN_MAX; a++)
            out[n++] = *a;
        p += skip;
    }
    while (n && out[n - 1] == '.')
        n--;
    out[n] = 0;
    if (n < SRV_LOGIN_MIN)
        snprintf(out, SRV_LOGIN_MAX + 1, "person");
}

/* 1 if login is taken (or the database failed: -1). */
static int login_taken(PGconn *pg, const char *login, char *err, size_t errlen)
{
    const char *p[] = {login};
    PGresult *r = srv_q(pg, "SELECT 1 FROM accounts WHERE login = $1", 1, p, err, errlen);
    if (!r)
        return -1;
    int t = PQntuples(r) > 0;
    PQclear(r);
    return t;
}

/* A free login from base: base itself, or base2, base3, ... */
static srv_acc_rc free_login(PGconn *pg, const char *base, char out[SRV_LOGIN_MAX + 1], char *err,
                             size_t errlen)
{
    for (int i = 1; i < 1000; i++) {
        char suffix[8] = "";
        if (i > 1)
            snprintf(suffix, sizeof suffix, "%d", i);
        snprintf(out, SRV_LOGIN_MAX + 1, "%.*s%s", (int)(SRV_LOGIN_MAX - strlen(suffix)), base,
                 suffix);
        int t = login_taken(pg, out, err, errlen);
        if (t < 0)
            return SRV_ACC_FAIL;
        if (!t)
            return SRV_ACC_OK;
    }
    return say(SRV_ACC_INVALID, err, errlen, "No free login was found for \"%s\".", base);
}

/* ---- changes ---- */

static srv_acc_rc check_units(PGconn *pg, const char *const *units, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        const char *p[] = {units[i]};
        PGresult *r = srv_q(pg, "SELECT 1 FROM units WHERE id = $1", 1, p, err, errlen);
        if (!r)
            return SRV_ACC_FAIL;
        int found = PQntuples(r) == 1;
        PQclear(r);
        if (!found)
            return say(SRV_ACC_NOTFOUND, err, errlen, "There is no unit with the id \"%s\".",
                       units[i]);
    }
    return SRV_ACC_OK;
}

static srv_acc_rc put_units(PGconn *pg, const char *account_id, const char *const *units, int n,
                            char *err, size_t errlen)
{
    const char *p[] = {account_id, NULL};
    if (srv_exec(pg, "DELETE FROM account_units WHERE account_id = $1", 1, p, err, errlen) != 0)
        return SRV_ACC_FAIL;
    for (int i = 0; i < n; i++) {
        p[1] = units[i];
        if (srv_exec(pg,
                     "INSERT INTO account_units (account_id, unit_id) VALUES ($1, $2)"
                     " ON CONFLICT DO NOTHING",
                     2, p, err, errlen) != 0)
            return SRV_ACC_FAIL;
    }
    return SRV_ACC_OK;
}

static srv_acc_rc add_tx(PGconn *pg, const char *actor, const char *login, const char *role,
                         const char *person, const char *name, const char *const *units,
                         int n_units, model_id out_id, char out_login[SRV_LOGIN_MAX + 1], char *err,
                         size_t errlen)
{
    int personal = !strcmp(role, "leader") || !strcmp(role, "peer");
    if (!personal && strcmp(role, "admin") != 0 && strcmp(role, "area") != 0)
        return say(SRV_ACC_INVALID, err, errlen, "The role is admin, area, leader or peer.");
    if (personal && (!person || !*person))
        return say(SRV_ACC_INVALID, err, errlen,
                   "A leader's or peer's account belongs to a person: name the person.");
    if (strcmp(role, "area") != 0 && n_units > 0)
        return say(SRV_ACC_INVALID, err, errlen, "Only an area leader is given units.");
    char pname[MODEL_NAME_MAX + 1] = "", unit[64] = "";
    if (person && *person) {
        const char *p[] = {person};
        PGresult *r = srv_q(pg,
                            "SELECT p.name, p.unit_id, p.role, p.active,"
                            " EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id)"
                            " FROM people p WHERE p.id = $1 FOR UPDATE",
                            1, p, err, errlen);
        if (!r)
            return SRV_ACC_FAIL;
        if (PQntuples(r) != 1) {
            PQclear(r);
            return say(SRV_ACC_NOTFOUND, err, errlen, "There is no person with the id \"%s\".",
                       person);
        }
        snprintf(pname, sizeof pname, "%s", PQgetvalue(r, 0, 0));
        snprintf(unit, sizeof unit, "%s", PQgetvalue(r, 0, 1));
        int has = !strcmp(PQgetvalue(r, 0, 4), "t");
        PQclear(r);
        if (has)
            return say(SRV_ACC_INVALID, err, errlen, "%s already has an account.", person);
    }
    const char *shown = person && *person ? pname : name;
    if (!shown || !*shown)
        return say(SRV_ACC_INVALID, err, errlen, "The account needs a name.");
    char msg[200];
    if (model_name_check(shown, MODEL_NAME_MAX, "The name", msg, sizeof msg) != 0)
        return say(SRV_ACC_INVALID, err, errlen, "%s", msg);
    srv_acc_rc rc = check_units(pg, units, n_units, err, errlen);
    if (rc != SRV_ACC_OK)
        return rc;
    if (login) {
        if (!srv_account_login_ok(login))
            return say(SRV_ACC_INVALID, err, errlen,
                       "A login is %d to %d of a-z, 0-9, '.', '-', '_' and '@'.", SRV_LOGIN_MIN,
                       SRV_LOGIN_MAX);
        int t = login_taken(pg, login, err, errlen);
        if (t < 0)
            return SRV_ACC_FAIL;
        if (t)
            return say(SRV_ACC_INVALID, err, errlen, "The login \"%s\" is taken.", login);
        snprintf(out_login, SRV_LOGIN_MAX + 1, "%s", login);
    } else {
        char base[SRV_LOGIN_MAX + 1];
        srv_account_login_from_name(shown, base);
        if ((rc = free_login(pg, base, out_login, err, errlen)) != SRV_ACC_OK)
            return rc;
    }
    if (model_id_new(plat_sys_os(), out_id) != 0)
        return say(SRV_ACC_FAIL, err, errlen, "No id could be made.");
    const char *p[] = {out_id, out_login, person && *person ? person : NULL, role, shown};
    if (srv_exec(pg,
                 "INSERT INTO accounts (id, login, person_id, role, name)"
                 " VALUES ($1, $2, $3, $4, $5)",
                 5, p, err, errlen) != 0)
        return SRV_ACC_FAIL;
    if ((rc = put_units(pg, out_id, units, n_units, err, errlen)) != SRV_ACC_OK)
        return rc;
    char detail[120];
    snprintf(detail, sizeof detail, "role=%s login=%s", role, out_login);
    return audit(pg, actor, "account-add", unit, out_id, detail, err, errlen);
}

srv_acc_rc srv_account_add(PGconn *pg, const char *actor, const char *login, const char *role,
                           const char *person, const char *name, const char *const *units,
                           int n_units, model_id out_id, char out_login[SRV_LOGIN_MAX + 1],
                           char *err, size_t errlen)
{
    srv_acc_rc rc = begin(pg, err, errlen);
    if (rc != SRV_ACC_OK)
        return rc;
    rc = add_tx(pg, actor, login, role ? role : "", person, name, units, n_units, out_id, out_login,
                err, errlen);
    return end(pg, rc, err, errlen);
}

/* The unit of an account (its person's), "" for one without; rc. */
static srv_acc_rc account_unit(PGconn *pg, const char *account_id, char unit[64], char *err,
                               size_t errlen)
{
    const char *p[] = {account_id};
    PGresult *r = srv_q(pg,
                        "SELECT coalesce(p.unit_id, '') FROM accounts a"
                        " LEFT JOIN people p ON p.id = a.person_id WHERE a.id = $1 FOR UPDATE OF a",
                        1, p, err, errlen);
    if (!r)
        return SRV_ACC_FAIL;
    int found = PQntuples(r) == 1;
    if (found)
        snprintf(unit, 64, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return found ? SRV_ACC_OK
                 : say(SRV_ACC_NOTFOUND, err, errlen, "There is no account with the id \"%s\".",
                       account_id);
}

srv_acc_rc srv_account_invite(PGconn *pg, const char *actor, const char *account_id, char token[65],
                              char *err, size_t errlen)
{
    srv_acc_rc rc = begin(pg, err, errlen);
    if (rc != SRV_ACC_OK)
        return rc;
    char unit[64];
    rc = account_unit(pg, account_id, unit, err, errlen);
    unsigned char r[32];
    char hash[65], days[8];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(token, 65, r, sizeof r);
    sodium_memzero(r, sizeof r);
    srv_sha256_hex(token, 64, hash);
    snprintf(days, sizeof days, "%d", SRV_INVITE_DAYS);
    const char *p[] = {account_id, hash, actor, days};
    if (rc == SRV_ACC_OK &&
        srv_exec(pg, "DELETE FROM invites WHERE account_id = $1 AND used_at IS NULL", 1, p, err,
                 errlen) != 0)
        rc = SRV_ACC_FAIL;
    if (rc == SRV_ACC_OK &&
        srv_exec(pg,
                 "INSERT INTO invites (token_sha256, account_id, created_by, expires_at)"
                 " VALUES ($2, $1, $3, now() + make_interval(days => $4::int))",
                 4, p, err, errlen) != 0)
        rc = SRV_ACC_FAIL;
    if (rc == SRV_ACC_OK)
        rc = audit(pg, actor, "account-invite", unit, account_id, "", err, errlen);
    rc = end(pg, rc, err, errlen);
    if (rc != SRV_ACC_OK)
        sodium_memzero(token, 65);
    return rc;
}

srv_acc_rc srv_account_set_password(PGconn *pg, const char *actor, const char *account_id,
                                    const char *pw, const char *keep_session, char *err,
                                    size_t errlen)
{
    srv_acc_rc rc = begin(pg, err, errlen);
    if (rc != SRV_ACC_OK)
        return rc;
    char unit[64];
    rc = account_unit(pg, account_id, unit, err, errlen);
    char login[SRV_LOGIN_MAX + 1] = "";
    if (rc == SRV_ACC_OK) {
        const char *p[] = {account_id};
        PGresult *r = srv_q(pg, "SELECT login FROM accounts WHERE id = $1", 1, p, err, errlen);
        if (!r)
            rc = SRV_ACC_FAIL;
        else if (PQntuples(r) == 1)
            snprintf(login, sizeof login, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    if (rc == SRV_ACC_OK) {
        switch (srv_account_pw_check(login, pw)) {
        case SRV_PW_OK: break;
        case SRV_PW_SHORT:
            rc = say(SRV_ACC_INVALID, err, errlen, "The password is shorter than %d characters.",
                     SRV_PW_MIN);
            break;
        case SRV_PW_LONG:
            rc = say(SRV_ACC_INVALID, err, errlen, "The password is longer than %d bytes.",
                     SRV_PW_MAX);
            break;
        case SRV_PW_LOGIN:
            rc = say(SRV_ACC_INVALID, err, errlen, "The password must not contain the login.");
            break;
        case SRV_PW_INVALID:
            rc = say(SRV_ACC_INVALID, err, errlen,
                     "The password holds characters that cannot be typed.");
            break;
        }
    }
    char h[SRV_PW_HASH_MAX];
    if (rc == SRV_ACC_OK && srv_account_pw_hash(pw, h) != 0)
        rc = say(SRV_ACC_FAIL, err, errlen, "The password could not be hashed (out of memory).");
    const char *p[] = {account_id, h};
    if (rc == SRV_ACC_OK &&
        srv_exec(pg, "UPDATE accounts SET pw_hash = $2 WHERE id = $1", 2, p, err, errlen) != 0)
        rc = SRV_ACC_FAIL;
    const char *ps[] = {account_id, keep_session ? keep_session : ""};
    if (rc == SRV_ACC_OK &&
        srv_exec(pg, "DELETE FROM sessions WHERE account_id = $1 AND token_sha256 <> $2", 2, ps,
                 err, errlen) != 0)
        rc = SRV_ACC_FAIL;
    if (rc == SRV_ACC_OK)
        rc = audit(pg, actor, "account-password", unit, account_id, "", err, errlen);
    sodium_memzero(h, sizeof h);
    return end(pg, rc, err, errlen);
}

srv_acc_rc srv_account_set_active(PGconn *pg, const char *actor, const char *account_id, int active,
                                  char *err, size_t errlen)
{
    srv_acc_rc rc = begin(pg, err, errlen);
    if (rc != SRV_ACC_OK)
        return rc;
    char unit[64];
    rc = account_unit(pg, account_id, unit, err, errlen);
    const char *p[] = {account_id};
    if (rc == SRV_ACC_OK &&
        srv_exec(pg,
                 active ? "UPDATE accounts SET disabled_at = NULL WHERE id = $1"
                        : "UPDATE accounts SET disabled_at = coalesce(disabled_at, now())"
                          " WHERE id = $1",
                 1, p, err, errlen) != 0)
        rc = SRV_ACC_FAIL;
    if (rc == SRV_ACC_OK && !active &&
        (srv_exec(pg, "DELETE FROM sessions WHERE account_id = $1", 1, p, err, errlen) != 0 ||
         srv_exec(pg, "DELETE FROM invites WHERE account_id = $1 AND used_at IS NULL", 1, p, err,
                  errlen) != 0))
        rc = SRV_ACC_FAIL;
    if (rc == SRV_ACC_OK)
        rc = audit(pg, actor, active ? "account-enable" : "account-disable", unit, account_id, "",
                   err, errlen);
    return end(pg, rc, err, errlen);
}

srv_acc_rc srv_account_set_units(PGconn *pg, const char *actor, const char *account_id,
                                 const char *const *units, int n_units, char *err, size_t errlen)
{
    srv_acc_rc rc = begin(pg, err, errlen);
    if (rc != SRV_ACC_OK)
        return rc;
    const char *p[] = {account_id};
    PGresult *r = srv_q(pg, "SELECT role FROM accounts WHERE id = $1 FOR UPDATE", 1, p, err,
                        errlen);
    if (!r)
        rc = SRV_ACC_FAIL;
    else if (PQntuples(r) != 1)
        rc = say(SRV_ACC_NOTFOUND, err, errlen, "There is no account with the id \"%s\".",
                 account_id);
    else if (strcmp(PQgetvalue(r, 0, 0), "area") != 0)
        rc = say(SRV_ACC_INVALID, err, errlen, "Only an area leader is given units.");
    PQclear(r);
    if (rc == SRV_ACC_OK)
        rc = check_units(pg, units, n_units, err, errlen);
    if (rc == SRV_ACC_OK)
        rc = put_units(pg, account_id, units, n_units, err, errlen);
    if (rc == SRV_ACC_OK) {
        char detail[40];
        snprintf(detail, sizeof detail, "units=%d", n_units);
        rc = audit(pg, actor, "account-units", "", account_id, detail, err, errlen);
    }
    return end(pg, rc, err, errlen);
}

void srv_account_invite_link(const char *base, const char *token, char *out, size_t cap)
{
    size_t n = base ? strlen(base) : 0;
    while (n && base[n - 1] == '/')
        n--;
    snprintf(out, cap, "%.*s/invite/%s", (int)n, base ? base : "", token);
}
