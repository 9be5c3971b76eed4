#ifndef BLIK_DB_SYNC_H
#define BLIK_DB_SYNC_H
/*
 * What the store keeps for sync, beside the outbox of db.h: the server
 * version of each record (so that an edit can say which version it was made
 * on), pull cursors per person, records pulled before the record they belong
 * to, the server's version of records that have unsent local changes,
 * conflicts and rejected changes with their reasons, and the enrolment.
 *
 * The sync engine calls these on its own handle; the screens call the state
 * functions (db_sync_state, db_sync_counts, the lists and the choices) on
 * theirs. Records cross this boundary as the structs of model.h (what the
 * store keeps, it hands back as model_record, decoded with the model's
 * codec); a pulled record comes with its text from the same codec.
 */
#include <stdint.h>

#include "db.h"
#include "model_json.h"

/* ---- applying what the server sent ---- */

/* One pulled record and its server version. The store names it by
 * model_record_key() and keeps its text from the model's codec when it must
 * wait or stand beside a local version. Nothing is taken over. */
typedef struct {
    const model_record *rec; /* any entity but a deletion (db_sync_delete) */
    int version;
} db_sync_item;

/*
 * Applies one pulled record, idempotently, inside the caller's transaction
 * (db_batch_begin). Applying the same item twice changes nothing.
 * - If the record has a change here that the server has not acknowledged, or
 *   an open conflict, the local version is kept and the server's is stored
 *   beside it (sync_remote), never over it.
 * - DB_NOTFOUND if a record it points at (the observation, a person, the
 *   focus) is not on the tablet yet: park it with db_sync_park() and apply
 *   it again later.
 * force: 1 applies over local changes (a person chose the server's version).
 */
int db_sync_apply(db *d, const db_sync_item *it, int force);

/*
 * Tells the store, inside the caller's transaction, that a page of pulled
 * records follows. When nothing waits to be sent, no conflict is open and
 * no pulled record waits or stands beside a local one, none of the page's
 * records can be held back, so db_sync_apply skips asking for each: three
 * statements of the five a pulled event cost. The store notices by itself
 * when a record is parked or kept beside a local one, and forgets it all
 * when the transaction ends. DB_OK, or the store's failure.
 */
int db_sync_page_begin(db *d);

/*
 * Applies a deletion the server published ("observation" or "person", by
 * id), inside the caller's transaction: an observation goes with all its
 * parts, its unsent changes, conflicts, refused changes and waiting records
 * (the server would refuse them now); a person goes with every observation
 * they observed or were observed in, and their PIN verifier. A record this
 * tablet never had is ignored; applying a deletion twice is harmless.
 */
int db_sync_delete(db *d, const char *entity, const char *id);

/* Keeps a pulled record that arrived before what it points at. */
int db_sync_park(db *d, const db_sync_item *it);

typedef struct {
    char entity[16];
    char key[80];
    int version;
    int damaged;      /* 1: the kept text no longer reads as a record; forget it */
    model_record rec; /* the record, if not damaged */
} db_sync_parked;

/* Up to max parked records, oldest first, decoded; *n is how many. A
 * db_sync_parked holds a whole record: keep out on the heap. */
int db_sync_parked_list(db *d, int max, db_sync_parked *out, int *n);
/* Whether any pulled record waits, asked after every pulled page: unlike
 * db_sync_count it reads no more than one row, however many changes wait
 * in the outbox. */
int db_sync_parked_any(db *d, int *any);
/* Forgets a parked record once it has been applied. */
int db_sync_unpark(db *d, const char *entity, const char *key);

/* The pull cursor for a person ("" = reference data only); 0 if never pulled. */
int db_sync_cursor_get(db *d, const char *person_id, int64_t *cursor);
/* Sets the cursor; to be called in the same transaction as the page's
 * records, so that a page and its cursor are stored together or not at all. */
int db_sync_cursor_put(db *d, const char *person_id, int64_t cursor);
/* Says which protocol schema version the next pulls speak. A cursor is
 * reached by pulls of one version, and a newer version brings records and
 * fields an older one left out (a plan, an observation's plan) from behind
 * the cursor; so when the version rises every cursor goes back to 0 and the
 * next pulls bring everything again, once (a record that comes again at the
 * version the tablet holds fills in only what was left out). A store that
 * never recorded a version was pulled with version 1. */
int db_sync_pull_schema(db *d, int schema);
/* Adds a person whose observations this tablet pulls (someone who signed in
 * here); a no-op if already followed. */
int db_sync_follow(db *d, const char *person_id);
/* The people followed, "" (reference data) first; *n is how many. */
int db_sync_followed(db *d, model_id *out, int max, int *n);

/* ---- acknowledging what the server answered ---- */

typedef enum {
    DB_SYNC_ACK_STORED = 0, /* stored now, or a duplicate of an earlier send */
    DB_SYNC_ACK_CONFLICT,   /* kept on the server beside a newer version */
    DB_SYNC_ACK_REJECTED    /* not stored; code and message say why */
} db_sync_ack_kind;

/*
 * Records the server's answer to one outbox entry: the entry leaves the
 * outbox (a rejected one moves to the rejected list with its reason, and a
 * conflict to the conflict list); version is the record's server version.
 * Unknown change ids are ignored (an answer read twice). Inside the caller's
 * transaction if one is open.
 */
int db_sync_ack(db *d, const char *change_id, db_sync_ack_kind kind, int version, const char *code,
                const char *message);
/* The same for an entry as db_outbox_claim gave it (e is only read): an
 * entry no longer waiting is ignored. */
int db_sync_ack_sent(db *d, const db_outbox_entry *e, db_sync_ack_kind kind, int version,
                     const char *code, const char *message);
/* The answers "stored" to the entries of events, the seqs (n of them) of
 * those db_outbox_claim gave: when nothing of the server's waits beside
 * local changes (no record held back by a pull), such an answer only takes
 * its entry out of the outbox, and they are all taken out in one statement
 * and *done is 1. Otherwise (or without memory for the list) nothing is
 * done, *done is 0, and each is answered by db_sync_ack_sent. Inside the
 * caller's transaction, which must be open (it keeps anything from being
 * held back meanwhile). */
int db_sync_ack_events_stored(db *d, const int64_t *seqs, int n, int *done);

/* ---- honest state, for the screens ---- */

typedef enum {
    DB_SYNC_SYNCED = 0, /* the server has acknowledged every change */
    DB_SYNC_SAVED,      /* saved on this tablet; waiting to be sent */
    DB_SYNC_CONFLICT,   /* needs review: two versions met */
    DB_SYNC_REJECTED    /* the server refused a change; see the reason */
} db_sync_state;

/* The state of a record (an observation id covers all its parts). */
int db_sync_state_of(db *d, const char *entity_id, db_sync_state *state);

typedef struct {
    int64_t waiting;   /* changes saved here, not yet acknowledged */
    int64_t conflicts; /* needing review */
    int64_t rejected;  /* refused by the server */
    int64_t parked;    /* pulled records waiting for what they point at */
    /* observations with at least one change waiting: what a person counts
     * (a tap is a change, so waiting grows with every tap) */
    int64_t waiting_obs;
} db_sync_counts;

int db_sync_count(db *d, db_sync_counts *out);

typedef struct {
    model_id change_id;
    char entity[16];
    model_id entity_id;
    model_id obs_id;
    char key[80];
    model_id actor_id; /* who made this tablet's change */
    int server_version;
    int64_t at;
    model_record mine;   /* this tablet's version */
    int have_theirs;     /* 0 until the server's version has been pulled */
    model_record theirs; /* the server's version, if have_theirs */
} db_sync_conflict;

/* Conflicts, oldest first, each version decoded into its record (a kept
 * version that no longer reads is DB_CORRUPT). A db_sync_conflict is large
 * (two records): hold few, or on the heap. */
int db_sync_conflicts(db *d, int offset, int max, db_sync_conflict *out, int *n);
/* One conflict by its change id; DB_NOTFOUND if there is none. */
int db_sync_conflict_get(db *d, const char *change_id, db_sync_conflict *out);
/* "Keep mine": sends this tablet's version again, made on the server's
 * version, so that it replaces it; the conflict closes. */
int db_sync_conflict_keep_mine(db *d, const char *change_id);
/* Closes a conflict without sending anything; the caller has applied the
 * server's version with db_sync_apply(force = 1) in the same transaction. */
int db_sync_conflict_close(db *d, const char *change_id);

typedef struct {
    model_id change_id;
    char entity[16];
    model_id entity_id;
    model_id obs_id;
    char code[32];
    char message[256]; /* the server's reason, in words */
    int64_t at;
} db_sync_rejection;

/* Rejected changes, newest first. */
int db_sync_rejections(db *d, int offset, int max, db_sync_rejection *out, int *n);
/* Puts a rejected change back in the outbox, with its own change id (the
 * server stored nothing of it), e.g. after an administrator fixed the cause. */
int db_sync_rejection_retry(db *d, const char *change_id);

/* ---- enrolment ---- */

#define DB_SYNC_CONFIG_MAX 65536
/* Settings of sync by name: the storage behind db_enrolment_put/get (db.h),
 * through which the app and the sync engine read the enrolment. value is at
 * most DB_SYNC_CONFIG_MAX bytes; get writes "" and returns DB_NOTFOUND if
 * unset. */
int db_sync_config_put(db *d, const char *key, const char *value);
int db_sync_config_get(db *d, const char *key, char *out, size_t cap);

#endif
