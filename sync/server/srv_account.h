#ifndef BLIK_SRV_ACCOUNT_H
#define BLIK_SRV_ACCOUNT_H
/*
 * Office accounts, shared by the command line ("blik-server admin invite",
 * "account-add", "account-password") and the office's pages, so that an
 * account made, invited or given a password is made the same way from
 * either side: one piece of logic in one place.
 *
 * Passwords are kept only as argon2id strings (libsodium's
 * crypto_pwhash_str); invitation tokens only as their SHA-256. Every change
 * writes the audit log with the actor given ("admin:<user>" or
 * "office:<account id>") in the same transaction.
 *
 * Return values follow srv_ref.h: SRV_ACC_OK, SRV_ACC_INVALID (the input
 * breaks a rule: err says which, in English for the command line; the
 * office shows its own words by the code), SRV_ACC_NOTFOUND, or
 * SRV_ACC_FAIL (the database failed: err says why, for the log).
 */
#include <libpq-fe.h>
#include <stddef.h>

#include "model.h"

typedef enum {
    SRV_ACC_FAIL = -1,
    SRV_ACC_OK = 0,
    SRV_ACC_INVALID = 1,
    SRV_ACC_NOTFOUND = 2,
} srv_acc_rc;

#define SRV_ACC_ERR_MAX 400

/* A login: 3 to 64 of a-z, 0-9, '.', '-', '_' and '@', kept in lower case. */
#define SRV_LOGIN_MIN 3
#define SRV_LOGIN_MAX 64
/* A password: at least SRV_PW_MIN characters (UTF-8 code points), at most
 * SRV_PW_MAX bytes, and neither containing the login nor contained in it. */
#define SRV_PW_MIN 10
#define SRV_PW_MAX 256
/* An invitation link works this long, and once. */
#define SRV_INVITE_DAYS 7
/* The size of crypto_pwhash_STRBYTES, kept here so that callers need not
 * include sodium.h. */
#define SRV_PW_HASH_MAX 128

/* What is wrong with a password for login, as a code: */
typedef enum {
    SRV_PW_OK = 0,
    SRV_PW_SHORT,   /* fewer than SRV_PW_MIN characters */
    SRV_PW_LONG,    /* more than SRV_PW_MAX bytes */
    SRV_PW_LOGIN,   /* contains the login, or is part of it */
    SRV_PW_INVALID, /* not valid UTF-8, or has control characters */
} srv_pw_check;
srv_pw_check srv_account_pw_check(const char *login, const char *pw);

/* 1 if login is a valid login as written (already lower case). */
int srv_account_login_ok(const char *login);
/* A login made from a person's name: "Mette Hansen" -> "mette.hansen"
 * (Danish letters spelled out, anything else a dot), at least "person". */
void srv_account_login_from_name(const char *name, char out[SRV_LOGIN_MAX + 1]);

/* Hashes pw with argon2id into out (a NUL-terminated string); 0 or -1
 * (out of memory). */
int srv_account_pw_hash(const char *pw, char out[SRV_PW_HASH_MAX]);
/* 1 if pw matches hash. With hash NULL or empty, checks against a hash of
 * nothing anyone knows, so that an unknown login takes as long as a wrong
 * password, and answers 0. */
int srv_account_pw_verify(const char *hash, const char *pw);

/*
 * Makes an account. role: "admin", "area", "leader" or "peer". person: the
 * person whose account it is (leader and peer need one; their name comes
 * from the person), or NULL; name: for an account without a person.
 * login: NULL to make one from the name (a free one). units: for "area",
 * the units it leads. The new id is written to out_id and the login to
 * out_login.
 */
srv_acc_rc srv_account_add(PGconn *pg, const char *actor, const char *login, const char *role,
                           const char *person, const char *name, const char *const *units,
                           int n_units, model_id out_id, char out_login[SRV_LOGIN_MAX + 1],
                           char *err, size_t errlen);

/*
 * A new invitation for an account: a random token (64 hex digits into
 * token), of which only the SHA-256 is kept; it works once, for
 * SRV_INVITE_DAYS days. Earlier unused invitations of the account stop
 * working, so a link made for someone who lost theirs is the only one.
 */
srv_acc_rc srv_account_invite(PGconn *pg, const char *actor, const char *account_id, char token[65],
                              char *err, size_t errlen);

/*
 * Sets an account's password (checked by srv_account_pw_check) and ends
 * its sessions but keep_session (a session's token hash, or NULL for
 * all): whoever knew the old password is signed out.
 */
srv_acc_rc srv_account_set_password(PGconn *pg, const char *actor, const char *account_id,
                                    const char *pw, const char *keep_session, char *err,
                                    size_t errlen);

/* Disables (active 0) or enables an account; disabling ends its sessions
 * and its unused invitations. */
srv_acc_rc srv_account_set_active(PGconn *pg, const char *actor, const char *account_id, int active,
                                  char *err, size_t errlen);

/* Gives an area leader exactly the units listed (replacing the ones they
 * had); every unit must exist. */
srv_acc_rc srv_account_set_units(PGconn *pg, const char *actor, const char *account_id,
                                 const char *const *units, int n_units, char *err, size_t errlen);

/* The invitation link for token: base (e.g. "https://blik.example:8443",
 * without a trailing slash; may be "" for the path alone) + "/invite/" +
 * token. */
void srv_account_invite_link(const char *base, const char *token, char *out, size_t cap);

#endif
