#ifndef BLIK_DB_INT_H
#define BLIK_DB_INT_H
/* Shared by the files of the db module only. */
#include <jansson.h>
#include <sqlite3.h>

#include "db.h"
#include "model_json.h"

#define DB_ERR_MAX 512
/* More SQL texts than the store has (about 110) by far; reaching it means a
 * text that is not static, and is refused rather than evicting anything. */
#define DB_STMT_MAX 512

/* One prepared statement of a handle, found by the address of its SQL text. */
typedef struct {
    const char *sql;
    sqlite3_stmt *st;
} db_stmt_slot;

struct db {
    sqlite3 *conn;
    const plat_sys *sys;
    char err[DB_ERR_MAX];
    /* Prepared statements, found by the address of their (static) SQL text,
     * so that a counter tap does not parse SQL again: an open-addressing
     * table that grows and never evicts, so a statement handed out stays
     * valid until db_close() however many others are prepared meanwhile. */
    db_stmt_slot *stmts; /* stmt_cap slots (a power of two), NULL until the first */
    int stmt_cap, n_stmts;
    int depth; /* open transactions: 1 = BEGIN, more = savepoints */
    /* In the open transaction, the outbox, the conflicts and the pulled
     * records kept aside (sync_remote, sync_park) were all empty when a
     * page of pulled records began, and nothing has been kept aside since
     * (db_sync_page_begin); cleared when the transaction ends. */
    int sync_quiet;
    int unsynced;  /* the open batch commits without a sync (db_batch_begin_unsynced) */
    int cache_kib; /* the page cache db_page_cache_set gave, kept when a wipe reopens; 0: SQLite's */
    /* The template last read. A stored template version never changes, so
     * this cannot go stale, and a tap need not parse JSON again. */
    model_template *tpl; /* NULL until the first read; owned */
    /* The store's outbox key (20 hex digits, kv DB_KV_OUTBOX_KEY), from which
     * an entry's change id is made with its seq; "" before schema step 10. */
    char outbox_key[24];
    struct db_ckpt *ckpt; /* the checkpointing thread (db_ckpt.c); NULL before open */
    /* The maker of this handle's record ids (model_id_next): one per handle,
     * so that two handles on one store (the screens' and the sync thread's)
     * could never make the same id, though only the screens' makes any. */
    model_ids ids;
};

/*
 * Enum values written into SQL text: `" AND kind = " DB_SQL_EV_UNDO`. They
 * are literals, not bound values, because the planner matches a partial
 * index (event_undo: kind = 4) only against a literal. Each is tied to its
 * enum, so that the enum stays the one truth: changing one without the
 * other does not build.
 */
#define DB_Q_(n) #n
#define DB_Q(n) DB_Q_(n)
#define DB_EV_COUNT 0
#define DB_EV_STATE_START 1
#define DB_EV_STATE_STOP 2
#define DB_EV_SAMPLE 3
#define DB_EV_UNDO 4
#define DB_OBS_FINISHED 1
_Static_assert(DB_EV_COUNT == MODEL_EV_COUNT && DB_EV_STATE_START == MODEL_EV_STATE_START &&
                   DB_EV_STATE_STOP == MODEL_EV_STATE_STOP && DB_EV_SAMPLE == MODEL_EV_SAMPLE &&
                   DB_EV_UNDO == MODEL_EV_UNDO,
               "the event kinds in SQL are model_event_kind's");
_Static_assert(DB_OBS_FINISHED == MODEL_OBS_FINISHED, "the status in SQL is model_obs_status's");
/* The same values as SQL text, to stand between string literals. */
#define DB_SQL_EV_COUNT DB_Q(DB_EV_COUNT)
#define DB_SQL_EV_STATE_START DB_Q(DB_EV_STATE_START)
#define DB_SQL_EV_STATE_STOP DB_Q(DB_EV_STATE_STOP)
#define DB_SQL_EV_SAMPLE DB_Q(DB_EV_SAMPLE)
#define DB_SQL_EV_UNDO DB_Q(DB_EV_UNDO)
#define DB_SQL_OBS_FINISHED DB_Q(DB_OBS_FINISHED)
/* An event `e` that an undo took back: the one place that says so in SQL
 * (the replay in db_obs_tally, counts, the last undoable event, the open
 * state, and history all read it). */
#define DB_SQL_UNDONE                                                                              \
    "EXISTS (SELECT 1 FROM event u WHERE u.kind = " DB_SQL_EV_UNDO " AND u.target_id = e.id"       \
    " AND u.observation_id = e.observation_id)"

/* Sets the handle's message and returns rc, so that a failure reads
 * `return db_fail(d, DB_INVALID, "...")`. */
int db_fail(db *d, int rc, const char *fmt, ...);
/* Maps an SQLite result to a db_rc with a sentence a person can act on. */
int db_sqlite_fail(db *d, int src, const char *doing);
/* Clears the handle's message; returns DB_OK. */
int db_ok(db *d);
/* Opens the file at path into d, whose connection is closed (db.c). */
int db_open_into(db *d, const char *path, int version);

/* The handle's prepared statement for a static SQL string, reset, with no
 * bindings; NULL on failure (the message is set). Each text is prepared once
 * per handle and kept until db_close(): a caller may hold one statement while
 * it fetches others. Never finalize it; it is reset on the next fetch. */
sqlite3_stmt *db_stmt(db *d, const char *sql);

/* BEGIN IMMEDIATE (or a savepoint inside one) / COMMIT / ROLLBACK. The
 * commit maps a failing disk to DB_IO and rolls back, so that nothing is
 * half-written. */
int db_begin(db *d);
int db_commit(db *d);
void db_rollback(db *d);
/* Ends the change db_begin() opened: commits if rc is DB_OK (clearing the
 * message), otherwise rolls back and returns rc with its sentence kept. */
int db_end(db *d, int rc);

/* Binds text, or NULL for a NULL pointer. */
int db_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Copies a text column into dst (cap bytes); "" for NULL. */
void db_col_text(sqlite3_stmt *st, int i, char *dst, size_t cap);

/* Reads the current row of st into out (a struct of the caller's type). */
typedef void (*db_reader)(sqlite3_stmt *st, void *out);
/* Steps a bound statement for one row and reads it with fn. DB_NOTFOUND
 * with the sentence `missing` if there is none. Resets st. */
int db_one(db *d, sqlite3_stmt *st, db_reader fn, void *out, const char *missing,
           const char *doing);
/* Steps a bound statement for up to max rows, reading row i with fn into
 * (char *)out + i * size; *n is the number read. Resets st. */
int db_rows(db *d, sqlite3_stmt *st, db_reader fn, void *out, size_t size, int max, int *n,
            const char *doing);

/* Steps a bound statement whose first column is one text value and copies
 * it into out (cap bytes). DB_NOTFOUND if there is no row, DB_INVALID if it
 * does not fit; `what` names it in the message ("setting lang"). */
int db_get_text(db *d, sqlite3_stmt *st, const char *what, char *out, size_t cap);

/* Appends an outbox entry for a change of rec, inside the caller's
 * transaction; the payload is the record's text from the model's codec, so
 * that what is sent later decodes into the same record. entity_id is the id
 * the outbox names it by (a rating's sign), obs_id the observation it
 * belongs to (NULL for none), actor_id who made the change. A record the
 * codec cannot write (an observation's context that is not an object) is
 * refused as DB_INVALID with the field named, and nothing is queued. */
/* The kv key of the highest outbox seq handed to the server (db_outbox_claim). */
#define DB_KV_SENT_UPTO "sync.sent_upto"
/* The kv key of the protocol schema version of the pulls that reached the
 * cursors (db_sync_pull_schema). */
#define DB_KV_PULL_SCHEMA "sync.pull_schema"

int db_outbox_add(db *d, const model_record *rec, const char *entity_id, const char *obs_id,
                  const char *actor_id);

/* The kv key of the store's outbox key: 80 random bits made once with the
 * outbox (schema step 10), so that change ids made from seqs differ between
 * tablets and between a store and the one a wipe makes. */
#define DB_KV_OUTBOX_KEY "outbox.key"
/* Reads the outbox key into d (after the migrations); DB_OK if there is
 * none yet (a file held at an older schema by a test). */
int db_outbox_key_load(db *d);
/* The change id of the entry at seq whose change_id column is NULL. */
void db_outbox_change_id(const db *d, int64_t seq, model_id out);
/* The seq a change id was made from, or 0 if it was not made from this
 * store's key (an entry queued before step 10, another tablet's id). */
int64_t db_outbox_seq_of(const db *d, const char *change_id);
/* An outbox entry by its change id: made from its seq (?2) or, for entries
 * queued before step 10 and refused changes sent again, kept (?1). */
/* An entry's text: its payload column, or for an event (payload NULL) the
 * text of its row, joined in the six columns after it (DB_SQL_OUTBOX_EVENT).
 * malloc'd; NULL when out of memory (*oom set). An event whose row is gone
 * reads as "", which the sync engine keeps aside as unreadable. */
char *db_outbox_text(sqlite3_stmt *st, int col, int *oom);
/* db_outbox_text, and for an event written from its row the event in *ev
 * with *has set (ev and has may be NULL). */
char *db_outbox_text_event(sqlite3_stmt *st, int col, int *oom, model_event *ev, int *has);
/* The event columns db_outbox_text reads, and the join that gives them for
 * an outbox x: only for entries without a payload of their own. */
#define DB_SQL_OUTBOX_EVENT_COLS "e.id, e.observation_id, e.kind, e.key, e.target_id, e.at"
#define DB_SQL_OUTBOX_EVENT_JOIN                                                                   \
    " LEFT JOIN event e ON x.payload IS NULL AND x.entity = 'event'"                               \
    " AND e.observation_id = x.obs_id AND e.id = x.entity_id"
#define DB_SQL_OUTBOX_BY_CHANGE "((x.seq = ?2 AND x.change_id IS NULL) OR x.change_id = ?1)"

/* Deletes an observation with every part and all its sync state (the
 * outbox entries not yet sent included), inside the caller's transaction:
 * for a deletion the server published, and for a discarded draft that never
 * left the tablet. Drafts and revisions go with it by key and trigger. */
int db_obs_erase(db *d, const char *id);

/* Folds a name for searching: lower case for ASCII and Danish letters. */
void db_fold(const char *s, char *out, size_t cap);

/* The columns of an observation row, in the order db_read_obs() reads. */
#define DB_OBS_COLS                                                                                \
    "id, unit_id, focus_id, focus_version, template_id, template_version, observer_id,"            \
    " observee_id, room_id, activity, context, agreement, started_at, ended_at, status,"           \
    " revision, updated_at, pair_code, plan_id, team"
void db_read_obs(sqlite3_stmt *st, void *out); /* a db_reader for model_observation */
/* Binds an observation to ?1..?20 in DB_OBS_COLS order (a team's observee
 * as NULL); a statement that
 * uses only some of them (an UPDATE) may leave the others unused. */
void db_bind_obs(sqlite3_stmt *st, const model_observation *o);
/* One binder per part of an observation, for the local actions and the
 * pulled records alike, in the column order of their INSERTs:
 * event(id, observation_id, kind, key, target_id, at),
 * note(id, observation_id, at, text, sign_id),
 * rating(observation_id, sign_id, level, at),
 * feedback(observation_id, author_id, works, wonderings, next_step, given_at, updated_at),
 * reflection(observation_id, author_id, text, next_step, updated_at). */
void db_bind_event(sqlite3_stmt *st, const model_event *e);
void db_bind_note(sqlite3_stmt *st, const model_note *n);
void db_bind_rating(sqlite3_stmt *st, const model_rating *r);
void db_bind_feedback(sqlite3_stmt *st, const model_feedback *f);
void db_bind_reflection(sqlite3_stmt *st, const model_reflection *r);
/* A rating is one per sign of an observation: the newest level wins,
 * whether rated here or pulled. */
#define DB_RATING_UPSERT                                                                           \
    "INSERT INTO rating(observation_id, sign_id, level, at) VALUES(?1, ?2, ?3, ?4)"                \
    " ON CONFLICT(observation_id, sign_id) DO UPDATE SET level = excluded.level, at = excluded.at"

/* Moves the log's checkpoints off the committing connection to a thread of
 * the handle (db_ckpt.c), for d's open connection. Stop before the
 * connection closes; stopping a handle without one is a no-op. */
int db_ckpt_attach(db *d);
void db_ckpt_stop(db *d);

/* The migrations: runs every step above the file's version. */
int db_migrate(db *d, int target);

#endif
