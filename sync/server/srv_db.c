/*
 * The server's database: its schema migrations and small helpers around
 * libpq. Identifiers are stored as text (the codec has already checked them),
 * records as the canonical JSON the codec writes.
 */
#include "srv_facts.h"
#include "srv_int.h"

#include <gnutls/crypto.h>
#include <libpq-events.h>
#include <sodium.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Migrations, in order; each is applied once, in its own transaction. Never
 * edit one that has shipped: add the next.
 *
 * The guarantees of sync.md live here as constraints:
 * - changes.change_id is the primary key: a change is applied at most once,
 *   however many requests carry it at the same time (an event, which keeps
 *   no row there, by the primary key of items, its entity and id);
 * - items.version with the base_version rule keeps stale edits as conflicts;
 * - units.feed_seq is the per-unit change counter behind the pull cursor.
 */
static const char *const migrations[] = {
    /* 1 */
    "CREATE TABLE units ("
    "  id text PRIMARY KEY, name text NOT NULL, retention_days int NOT NULL,"
    "  feed_seq bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE rooms ("
    "  id text PRIMARY KEY, unit_id text NOT NULL REFERENCES units(id), name text NOT NULL);"
    "CREATE TABLE people ("
    "  id text PRIMARY KEY, unit_id text NOT NULL REFERENCES units(id), name text NOT NULL,"
    "  role text NOT NULL CHECK (role IN ('peer','leader')),"
    "  pin_verifier text NOT NULL DEFAULT '', active boolean NOT NULL DEFAULT true);"
    "CREATE TABLE focuses ("
    "  id text NOT NULL, version int NOT NULL, unit_id text NOT NULL REFERENCES units(id),"
    "  PRIMARY KEY (id, version));"
    "CREATE TABLE templates ("
    "  id text NOT NULL, version int NOT NULL, unit_id text NOT NULL REFERENCES units(id),"
    "  PRIMARY KEY (id, version));"
    "CREATE TABLE devices ("
    "  id text PRIMARY KEY, unit_id text NOT NULL REFERENCES units(id), name text NOT NULL,"
    "  secret_sha256 text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
    "  revoked_at timestamptz);"
    "CREATE TABLE enrol_codes ("
    "  code_sha256 text PRIMARY KEY, unit_id text NOT NULL REFERENCES units(id),"
    "  expires_at timestamptz NOT NULL, used_at timestamptz, device_id text);"
    "CREATE TABLE observations ("
    "  id text PRIMARY KEY, unit_id text NOT NULL REFERENCES units(id),"
    "  observer_id text NOT NULL REFERENCES people(id),"
    "  observee_id text NOT NULL REFERENCES people(id));"
    "CREATE TABLE items ("
    "  entity text NOT NULL, key text NOT NULL, unit_id text NOT NULL REFERENCES units(id),"
    "  seq bigint NOT NULL, observation_id text NOT NULL DEFAULT '',"
    "  version int NOT NULL, author_id text NOT NULL DEFAULT '',"
    "  device_id text NOT NULL DEFAULT '', data text NOT NULL,"
    "  updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (entity, key));"
    "CREATE UNIQUE INDEX items_feed ON items (unit_id, seq);"
    "CREATE INDEX items_obs ON items (observation_id) WHERE observation_id <> '';"
    "CREATE TABLE changes ("
    "  change_id text PRIMARY KEY, device_id text NOT NULL, entity text NOT NULL,"
    "  key text NOT NULL, body_sha256 text NOT NULL, status text NOT NULL,"
    "  version int NOT NULL, received_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE conflicts ("
    "  id bigserial PRIMARY KEY, change_id text NOT NULL UNIQUE, entity text NOT NULL,"
    "  key text NOT NULL, unit_id text NOT NULL, device_id text NOT NULL,"
    "  base_version int NOT NULL, server_version int NOT NULL, data text NOT NULL,"
    "  received_at timestamptz NOT NULL DEFAULT now(), resolved_at timestamptz);",
    /* 2: privacy. The audit log of admin actions and of data read; when the
     * server first received each observation, so retention cannot be
     * dodged by a tablet whose clock runs ahead. Deletions travel to the
     * tablets as items of entity 'deleted' (key "<entity>/<id>"), which
     * need no table of their own. */
    "CREATE TABLE audit_log ("
    "  id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),"
    "  actor text NOT NULL, action text NOT NULL, unit_id text NOT NULL DEFAULT '',"
    "  subject text NOT NULL DEFAULT '', detail text NOT NULL DEFAULT '');"
    "CREATE INDEX audit_log_subject ON audit_log (subject) WHERE subject <> '';"
    "CREATE INDEX audit_log_unit ON audit_log (unit_id, id);"
    "ALTER TABLE observations ADD COLUMN received_at timestamptz NOT NULL DEFAULT now();",
    /* 3: tablets known to the server. When one last made contact, from
     * which address and app version, how many changes its last push
     * carried; and a wipe an administrator asked for with the revocation
     * (wipe_sent_at: when the tablet was first told). */
    "ALTER TABLE devices ADD COLUMN last_seen_at timestamptz,"
    "  ADD COLUMN last_address text NOT NULL DEFAULT '',"
    "  ADD COLUMN last_version text NOT NULL DEFAULT '',"
    "  ADD COLUMN last_push_at timestamptz,"
    "  ADD COLUMN last_push_changes int NOT NULL DEFAULT 0,"
    "  ADD COLUMN wipe_at timestamptz, ADD COLUMN wipe_sent_at timestamptz;",
    /* 4: Blik Office. Accounts sign in with a password (argon2id, set
     * through a one-time invitation); an account belongs to a person of a
     * unit (leader or peer), or is an area leader's with a set of units, or
     * a server administrator's. Sessions and invitations are kept only as
     * hashes of their tokens, so a copy of the database signs nobody in.
     * Failed sign-ins are counted here, not in memory, so that every server
     * process sees the same count. Reference data gains what the office
     * manages and tablets need not know: whether a unit or room is still in
     * use, a person's room, and when a focus or template was retired. */
    "CREATE TABLE accounts ("
    "  id text PRIMARY KEY, login text NOT NULL UNIQUE,"
    "  person_id text UNIQUE REFERENCES people(id) ON DELETE CASCADE,"
    "  role text NOT NULL CHECK (role IN ('admin','area','leader','peer')),"
    "  name text NOT NULL, pw_hash text NOT NULL DEFAULT '',"
    "  created_at timestamptz NOT NULL DEFAULT now(), disabled_at timestamptz);"
    "CREATE TABLE account_units ("
    "  account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    "  unit_id text NOT NULL REFERENCES units(id), PRIMARY KEY (account_id, unit_id));"
    "CREATE TABLE invites ("
    "  token_sha256 text PRIMARY KEY,"
    "  account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    "  created_by text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
    "  expires_at timestamptz NOT NULL, used_at timestamptz);"
    "CREATE TABLE sessions ("
    "  token_sha256 text PRIMARY KEY,"
    "  account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    "  csrf text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
    "  last_seen_at timestamptz NOT NULL DEFAULT now(), address text NOT NULL DEFAULT '');"
    "CREATE INDEX sessions_account ON sessions (account_id);"
    "CREATE TABLE sign_in_failures ("
    "  id bigserial PRIMARY KEY, login text NOT NULL, address text NOT NULL,"
    "  at timestamptz NOT NULL DEFAULT now());"
    "CREATE INDEX sign_in_failures_login ON sign_in_failures (login, at);"
    "CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at);"
    "ALTER TABLE units ADD COLUMN active boolean NOT NULL DEFAULT true;"
    "ALTER TABLE rooms ADD COLUMN active boolean NOT NULL DEFAULT true;"
    "ALTER TABLE people ADD COLUMN room_id text REFERENCES rooms(id);"
    "ALTER TABLE focuses ADD COLUMN retired_at timestamptz;"
    "ALTER TABLE templates ADD COLUMN retired_at timestamptz;",
    /* 5: what the office reads. Observations are kept as the records the
     * tablets sent (items); the office asks questions across thousands of
     * them, so each observation's figures are kept once more as rows
     * (fact_obs and its parts: counts, state times, ratings), and per unit,
     * focus and calendar month as sums (roll_month*). srv_facts.c makes
     * both from items, inside every push and deletion, with the tablet's
     * own rules; they are never written any other way, and can be made
     * again from items at any time (admin facts-rebuild). The month is the
     * start's month in Danish time. Rollups count finished observations.
     * focus_steps: the next steps a team agreed for a focus. A person's
     * observations are found by index, for their page and their erasure. */
    "CREATE TABLE fact_obs ("
    "  observation_id text PRIMARY KEY, unit_id text NOT NULL, focus_id text NOT NULL,"
    "  focus_version int NOT NULL, template_id text NOT NULL, template_version int NOT NULL,"
    "  observer_id text NOT NULL, observee_id text NOT NULL, room_id text NOT NULL,"
    "  activity text NOT NULL, context jsonb NOT NULL,"
    "  status text NOT NULL CHECK (status IN ('draft','finished')),"
    "  started_at timestamptz NOT NULL, ended_at timestamptz, month date NOT NULL,"
    "  duration_ms bigint NOT NULL, revision int NOT NULL, n_events int NOT NULL,"
    "  n_undone int NOT NULL, n_notes int NOT NULL, n_ratings int NOT NULL,"
    "  feedback_given boolean NOT NULL, reflection_written boolean NOT NULL,"
    "  n_conflicts int NOT NULL, pair_code text NOT NULL DEFAULT '',"
    "  updated_at timestamptz NOT NULL);"
    "CREATE INDEX fact_obs_unit ON fact_obs (unit_id, started_at);"
    "CREATE INDEX fact_obs_focus ON fact_obs (focus_id, started_at);"
    "CREATE INDEX fact_obs_group ON fact_obs (unit_id, focus_id, month);"
    "CREATE INDEX fact_obs_template ON fact_obs (template_id, template_version);"
    "CREATE INDEX observations_observer ON observations (observer_id);"
    "CREATE INDEX observations_observee ON observations (observee_id);"
    "CREATE INDEX fact_obs_observer ON fact_obs (observer_id);"
    "CREATE INDEX fact_obs_observee ON fact_obs (observee_id);"
    "CREATE INDEX fact_obs_pair ON fact_obs (unit_id, pair_code) WHERE pair_code <> '';"
    "CREATE TABLE fact_obs_count ("
    "  observation_id text NOT NULL REFERENCES fact_obs ON DELETE CASCADE,"
    "  kind text NOT NULL CHECK (kind IN ('count','sample')), key text NOT NULL,"
    "  n int NOT NULL, PRIMARY KEY (observation_id, kind, key));"
    "CREATE TABLE fact_obs_state ("
    "  observation_id text NOT NULL REFERENCES fact_obs ON DELETE CASCADE,"
    "  key text NOT NULL, ms bigint NOT NULL, PRIMARY KEY (observation_id, key));"
    "CREATE TABLE fact_obs_rating ("
    "  observation_id text NOT NULL REFERENCES fact_obs ON DELETE CASCADE,"
    "  sign_id text NOT NULL, level int NOT NULL CHECK (level >= 0), n_scale int NOT NULL,"
    "  PRIMARY KEY (observation_id, sign_id));"
    "CREATE INDEX fact_obs_rating_sign ON fact_obs_rating (sign_id);"
    "CREATE TABLE roll_month ("
    "  unit_id text NOT NULL, focus_id text NOT NULL, month date NOT NULL,"
    "  n_obs int NOT NULL, n_feedback int NOT NULL, n_reflection int NOT NULL,"
    "  duration_ms bigint NOT NULL, PRIMARY KEY (unit_id, focus_id, month));"
    "CREATE INDEX roll_month_focus ON roll_month (focus_id, month);"
    "CREATE TABLE roll_month_count ("
    "  unit_id text NOT NULL, focus_id text NOT NULL, month date NOT NULL,"
    "  kind text NOT NULL, key text NOT NULL, n bigint NOT NULL,"
    "  PRIMARY KEY (unit_id, focus_id, month, kind, key));"
    "CREATE INDEX roll_month_count_focus ON roll_month_count (focus_id, month);"
    "CREATE TABLE roll_month_sign ("
    "  unit_id text NOT NULL, focus_id text NOT NULL, month date NOT NULL,"
    "  sign_id text NOT NULL, n_scale int NOT NULL, n0 int NOT NULL, n1 int NOT NULL,"
    "  n2 int NOT NULL, n3 int NOT NULL, n4 int NOT NULL,"
    "  PRIMARY KEY (unit_id, focus_id, month, sign_id, n_scale));"
    "CREATE INDEX roll_month_sign_focus ON roll_month_sign (focus_id, month);"
    "CREATE TABLE focus_steps ("
    "  id bigserial PRIMARY KEY, focus_id text NOT NULL, unit_id text NOT NULL REFERENCES units(id),"
    "  text text NOT NULL, created_by text NOT NULL,"
    "  created_at timestamptz NOT NULL DEFAULT now(), done_at timestamptz);"
    "CREATE INDEX focus_steps_focus ON focus_steps (focus_id, id);",
    /* 6: one observation's page in the office. When each version of an
     * observation, its feedback and reflection arrived is read from the
     * changes by key (every tap is a change too, so only those three
     * kinds are indexed); a kept conflict is found by its record; and the
     * list across every unit an administrator may see is newest first. */
    "CREATE INDEX changes_obs_key ON changes (key)"
    "  WHERE entity IN ('observation','feedback','reflection');"
    "CREATE INDEX conflicts_record ON conflicts (entity, key);"
    "CREATE INDEX fact_obs_started ON fact_obs (started_at);",
    /* 7: an observation's records are found by its id whichever way it is
     * asked. The index of step 1 left out reference records
     * (observation_id ''), which made it usable only where a query says
     * so: a join on the id, or a list of more than a hundred ids, read the
     * whole table instead (a unit's year of events for an export took a
     * minute and a half on a million observations). */
    "DROP INDEX IF EXISTS items_obs;"
    "CREATE INDEX items_obs ON items (observation_id);",
    /* 8: observation plans. A unit's leader plans who observes whom (a
     * colleague, or a team by name when observee_id is NULL), on which
     * focus, in which room, on a day or in a week, on what terms; the plan
     * travels to the unit's tablets as a record (items, entity 'plan', key
     * its id) and this row is what the server checks against and the
     * office counts. agreed_at: UTC ms when the observee agreed (0 not
     * yet, always 0 for a team); observation_id: the finished observation
     * that carried it out. When a person is erased, their plans are
     * cancelled and their terms emptied, and the rows stay (ids only), so
     * that every tablet holding such a plan is sent its last version.
     * rota_id groups the plans one peer rota published. */
    "CREATE TABLE plans ("
    "  id text PRIMARY KEY, unit_id text NOT NULL REFERENCES units(id),"
    "  focus_id text NOT NULL,"
    "  observer_id text NOT NULL, observee_id text,"
    "  team text NOT NULL DEFAULT '', room_id text NOT NULL DEFAULT '',"
    "  day_from date NOT NULL, day_to date NOT NULL, terms text NOT NULL DEFAULT '',"
    "  status text NOT NULL CHECK (status IN ('planned','cancelled','done')),"
    "  agreed_at bigint NOT NULL DEFAULT 0, observation_id text NOT NULL DEFAULT '',"
    "  rota_id text NOT NULL DEFAULT '', created_by text NOT NULL,"
    "  created_at timestamptz NOT NULL DEFAULT now(), updated_at bigint NOT NULL,"
    "  CHECK (day_to >= day_from), CHECK ((observee_id IS NULL) = (team <> '')),"
    "  CHECK (observee_id IS NULL OR observee_id <> observer_id),"
    "  CHECK (observee_id IS NOT NULL OR agreed_at = 0));"
    "CREATE INDEX plans_unit ON plans (unit_id, focus_id, day_from);"
    "CREATE INDEX plans_observer ON plans (observer_id);"
    "CREATE INDEX plans_observee ON plans (observee_id) WHERE observee_id IS NOT NULL;",
    /* 9: how many records an observation has, told to the planner. ANALYZE
     * guesses the number of distinct observation ids from a sample of
     * 30,000 records, and with a million observations of some 35 records
     * each it guessed 37,000: a thousand records an observation. So a join
     * from a unit's figures to its records (a year's events for an export)
     * looked cheaper as a scan of the whole table, and took 39 s where the
     * index takes 2. An observation has its parts (tens to hundreds of
     * taps, its notes, ratings, feedback and reflection), so about one
     * record in forty starts a new id; reference records share ''. */
    "ALTER TABLE items ALTER COLUMN observation_id SET (n_distinct = -0.025);"
    "ANALYZE items (observation_id);",
    /* 10: a focus belongs to one unit, which PostgreSQL cannot know: asked
     * for a focus's observations in its unit it multiplied the two
     * selectivities and expected 26 of 3,000, so the meeting view read
     * them all and sorted them to keep the latest 20 instead of reading
     * 20 backwards along the focus's index (378 ms against 18 on a
     * million observations). */
    "CREATE STATISTICS fact_obs_focus_unit (dependencies) ON focus_id, unit_id FROM fact_obs;"
    "ANALYZE fact_obs;",
    /* 11: the wide export reads one row per observation. It looked up
     * each observation's counts, state times, ratings, feedback and
     * reflection one by one (six reads an observation, scattered over
     * five tables), and streamed a unit's year at 4,200 rows a second on a
     * million observations. Now fact_obs keeps them too, written by
     * srv_facts.c with the rest of the row: counts as "kind key n", states
     * as "key ms", ratings as "sign level" (each entry parted from the next
     * by a space; keys and ids hold none; sorted bytewise), and the
     * feedback's and reflection's texts. The rows already there get theirs
     * from the parts and the records here, in the same words and order.
     * The export's columns come from the versions its rows rest on, read
     * first; the unit's index carries them, so that this first read does
     * not fetch the rows twice. */
    "ALTER TABLE fact_obs ADD COLUMN counts text NOT NULL DEFAULT '',"
    "  ADD COLUMN states text NOT NULL DEFAULT '', ADD COLUMN ratings text NOT NULL DEFAULT '',"
    "  ADD COLUMN feedback_works text NOT NULL DEFAULT '',"
    "  ADD COLUMN feedback_wonderings text NOT NULL DEFAULT '',"
    "  ADD COLUMN feedback_next_step text NOT NULL DEFAULT '',"
    "  ADD COLUMN feedback_given_at timestamptz,"
    "  ADD COLUMN reflection text NOT NULL DEFAULT '',"
    "  ADD COLUMN reflection_next_step text NOT NULL DEFAULT '';"
    "UPDATE fact_obs f SET"
    "  counts = coalesce((SELECT string_agg(e, ' ' ORDER BY e COLLATE \"C\") FROM"
    "    (SELECT c.kind || ' ' || c.key || ' ' || c.n AS e FROM fact_obs_count c"
    "     WHERE c.observation_id = f.observation_id) l), ''),"
    "  states = coalesce((SELECT string_agg(e, ' ' ORDER BY e COLLATE \"C\") FROM"
    "    (SELECT c.key || ' ' || c.ms AS e FROM fact_obs_state c"
    "     WHERE c.observation_id = f.observation_id) l), ''),"
    "  ratings = coalesce((SELECT string_agg(e, ' ' ORDER BY e COLLATE \"C\") FROM"
    "    (SELECT c.sign_id || ' ' || c.level AS e FROM fact_obs_rating c"
    "     WHERE c.observation_id = f.observation_id) l), ''),"
    "  feedback_works = coalesce(x.fb->>'works', ''),"
    "  feedback_wonderings = coalesce(x.fb->>'wonderings', ''),"
    "  feedback_next_step = coalesce(x.fb->>'next_step', ''),"
    "  feedback_given_at = CASE WHEN (x.fb->>'given_at')::bigint > 0"
    "    THEN to_timestamp((x.fb->>'given_at')::double precision / 1000) END,"
    "  reflection = coalesce(x.rf->>'text', ''),"
    "  reflection_next_step = coalesce(x.rf->>'next_step', '')"
    " FROM (SELECT o.observation_id,"
    "   (SELECT i.data::jsonb FROM items i WHERE i.entity = 'feedback'"
    "     AND i.key = o.observation_id) AS fb,"
    "   (SELECT i.data::jsonb FROM items i WHERE i.entity = 'reflection'"
    "     AND i.key = o.observation_id) AS rf FROM fact_obs o) x"
    " WHERE x.observation_id = f.observation_id;"
    "DROP INDEX fact_obs_unit;"
    "CREATE INDEX fact_obs_unit ON fact_obs (unit_id, started_at)"
    "  INCLUDE (focus_id, focus_version, template_id, template_version);"
    "ANALYZE fact_obs;",
    /* 12: an observation about a team (protocol schema 3) has no observee:
     * its observee_id is NULL here, so that it still names a person when
     * it names one, and "" in its record and in fact_obs. */
    "ALTER TABLE observations ALTER COLUMN observee_id DROP NOT NULL;",
    /* 13: where the database's log stood just after a tablet's last
     * push, so that its pulls are read from a streaming replica only once
     * the replica has replayed that far (srv_http.c, "the replica"). */
    "ALTER TABLE devices ADD COLUMN written_lsn pg_lsn;",
    /* 14: the same for an office session's last form, so that its pages'
     * figures are read from the replica only once it has replayed that. */
    "ALTER TABLE sessions ADD COLUMN written_lsn pg_lsn;",
    /* 15: an observation's counts, states and ratings no longer name
     * their fact_obs row by a foreign key; srv_facts.c, their one writer,
     * deletes them with it. A foreign key is checked row by row through a
     * plan each connection makes once and keeps: made while fact_obs was
     * small, it read the whole table for every row of a push. */
    "ALTER TABLE fact_obs_count DROP CONSTRAINT fact_obs_count_observation_id_fkey;"
    "ALTER TABLE fact_obs_state DROP CONSTRAINT fact_obs_state_observation_id_fkey;"
    "ALTER TABLE fact_obs_rating DROP CONSTRAINT fact_obs_rating_observation_id_fkey;",
    /* 16: an item no longer names its unit by a foreign key. The key was
     * checked for every item a push wrote, each check a lock on the unit's
     * row, which the push holds already: a fifth of the time its items took
     * to write. Every item is written with a number of its unit's feed,
     * taken under the lock of the unit's row (srv_feed_lock), which refuses
     * a unit that does not exist; units are never deleted. */
    "ALTER TABLE items DROP CONSTRAINT items_unit_id_fkey;",
    /* 17: the id of a tablet's last stored push (its Blik-Push header, ""
     * when it sent none), written in that push's own transaction, so that
     * a push sent before the answer to the one before it is stored only
     * after that one (PROTOCOL.md, "Two pushes in flight"). */
    "ALTER TABLE devices ADD COLUMN last_push_id text NOT NULL DEFAULT '';",
    /* 18: an observation no longer names its unit by a foreign key, for
     * the reason of step 16: the key was checked for every observation a
     * push wrote, each check a lookup and a lock on the unit's row, which
     * the push holds already. An observation is written only by a push,
     * with its tablet's unit (owner_check refuses any other), under the
     * lock of that unit's row; units are never deleted. */
    "ALTER TABLE observations DROP CONSTRAINT observations_unit_id_fkey;",
};
#define N_MIGRATIONS (int)(sizeof migrations / sizeof migrations[0])

_Static_assert(N_MIGRATIONS == SRV_DB_VERSION, "SRV_DB_VERSION must match the migrations");

/* Writes a failed statement's message into err as "[SQLSTATE] message",
 * so that srv_q_retryable can tell a failure worth another try by the
 * SQLSTATE in the first brackets; r may be NULL (no answer at all). */
static void fail_text(PGconn *pg, const PGresult *r, char *err, size_t errlen)
{
    if (!err || !errlen)
        return;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(pg);
    snprintf(err, errlen, "[%s] %s", state ? state : "-----", m && *m ? m : "no answer");
    size_t k = strlen(err);
    while (k && (err[k - 1] == '\n' || err[k - 1] == ' '))
        err[--k] = 0;
}

static int result_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

PGresult *srv_q(PGconn *pg, const char *sql, int n, const char *const *params, char *err,
                size_t errlen)
{
    /* Without parameters the simple protocol is used, which also runs
     * several statements at once (the migrations need that). */
    PGresult *r = n == 0 ? PQexec(pg, sql) : PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
    if (result_ok(r))
        return r;
    fail_text(pg, r, err, errlen);
    PQclear(r);
    return NULL;
}

int srv_exec(PGconn *pg, const char *sql, int n, const char *const *params, char *err,
             size_t errlen)
{
    PGresult *r = srv_q(pg, sql, n, params, err, errlen);
    PQclear(r);
    return r ? 0 : -1;
}

/* COPY takes its rows as one stream and writes them in batches (one log
 * record and one page lock for many rows), where an INSERT writes row by
 * row: for a push of hundreds of records, the cheaper way into its largest
 * table. It costs two round trips (libpq waits for the server to start the
 * COPY before it sends the rows) and cannot share a pipeline. */
int srv_copy_in(PGconn *pg, const char *sql, const char *data, size_t len, char *err, size_t errlen)
{
    if (len > (size_t)INT_MAX) {
        snprintf(err, errlen, "[-----] %zu bytes of rows are more than COPY takes at once", len);
        return -1;
    }
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fail_text(pg, r, err, errlen);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    /* Rows that could not be sent end the COPY as failed, and libpq's
     * reason is the one told. */
    int rc = 0;
    if (PQputCopyData(pg, data, (int)len) != 1) {
        fail_text(pg, NULL, err, errlen);
        rc = -1;
    }
    if (PQputCopyEnd(pg, rc ? "the rows could not be sent" : NULL) != 1) {
        if (rc == 0)
            fail_text(pg, NULL, err, errlen);
        return -1;
    }
    while ((r = PQgetResult(pg))) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
            fail_text(pg, r, err, errlen);
            rc = -1;
        }
        PQclear(r);
    }
    return rc;
}

/* ---- statements kept prepared on a connection ----
 *
 * Each connection keeps the statements it has prepared in a table by
 * their text, hung on the PGconn through libpq's events: a reset tells us
 * that the server has dropped them (a new session knows none), and the
 * connection's end frees the table, wherever either happens. A pooled
 * connection is used by one thread at a time, and so is its table.
 */

/* The most statements one connection keeps: the push path has a few
 * dozen; any past the limit are sent unnamed, as srv_q sends them. */
#define STMT_MAX 256

typedef struct {
    char *sql;     /* owned; NULL for an empty slot */
    uint64_t hash; /* of sql */
    int prepared;  /* the server has it under its name */
    int queued;    /* its PREPARE is in the batch being sent */
    char name[16]; /* "blik_<n>" */
} stmt;

typedef struct {
    stmt slot[2 * STMT_MAX]; /* open addressing, never more than half full */
    int n;
} stmt_table;

static uint64_t text_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* Forgets every statement (the server no longer has them), keeping the
 * table itself. */
static void stmt_forget(stmt_table *t)
{
    for (int i = 0; i < 2 * STMT_MAX; i++)
        free(t->slot[i].sql);
    memset(t, 0, sizeof *t);
}

static int stmt_event(PGEventId id, void *info, void *passthrough)
{
    (void)passthrough;
    if (id == PGEVT_CONNRESET) {
        stmt_table *t = PQinstanceData(((PGEventConnReset *)info)->conn, stmt_event);
        if (t)
            stmt_forget(t);
    } else if (id == PGEVT_CONNDESTROY) {
        stmt_table *t = PQinstanceData(((PGEventConnDestroy *)info)->conn, stmt_event);
        if (t) {
            stmt_forget(t);
            free(t);
        }
    }
    return 1;
}

/* The connection's table, made on first use; NULL when out of memory
 * (the statements then go unnamed). */
static stmt_table *stmt_table_of(PGconn *pg)
{
    stmt_table *t = PQinstanceData(pg, stmt_event);
    if (t)
        return t;
    if (!PQregisterEventProc(pg, stmt_event, "blik statements", NULL))
        return NULL;
    t = calloc(1, sizeof *t);
    if (t && !PQsetInstanceData(pg, stmt_event, t)) {
        free(t);
        t = NULL;
    }
    return t;
}

/* The entry of sql in t, added (not yet prepared) when new; NULL when the
 * table is full or out of memory. */
static stmt *stmt_find(stmt_table *t, const char *sql)
{
    if (!t)
        return NULL;
    uint64_t h = text_hash(sql);
    size_t i = (size_t)h % (2 * STMT_MAX);
    while (t->slot[i].sql && (t->slot[i].hash != h || strcmp(t->slot[i].sql, sql) != 0))
        i = (i + 1) % (2 * STMT_MAX);
    stmt *e = &t->slot[i];
    if (e->sql)
        return e;
    if (t->n >= STMT_MAX || !(e->sql = strdup(sql)))
        return NULL;
    e->hash = h;
    snprintf(e->name, sizeof e->name, "blik_%d", t->n++);
    return e;
}

/*
 * The batch is sent in pipeline mode, so that it costs one round trip
 * however many statements it holds; a statement new to the connection is
 * prepared in the same trip, just before its first use. The server runs
 * the statements in order, as if each had been sent on its own, and skips
 * the rest after the first that fails, as a transaction would refuse them
 * anyway. A PREPARE is kept whether or not the transaction around it
 * commits; one that the server refused (say, in a transaction already
 * aborted) is tried again at the next use. Its work meanwhile (mw) and
 * the count of its statements that succeeded (done: the answers are read
 * in order, and the first failure ends the count) may be NULL.
 */
static int batch_run(PGconn *pg, const srv_stmt *v, int n, PGresult **res, srv_meanwhile *mw,
                     int *done, char *err, size_t errlen)
{
    typedef struct {
        stmt *e;  /* NULL: sent unnamed */
        int prep; /* its PREPARE was sent */
        int sent; /* the statement itself was sent */
    } sent_stmt;
    stmt_table *t = stmt_table_of(pg);
    sent_stmt *q = calloc((size_t)(n ? n : 1), sizeof *q);
    if (res)
        memset(res, 0, (size_t)n * sizeof *res);
    if (done)
        *done = 0;
    if (!q || !PQenterPipelineMode(pg)) {
        if (!q && err && errlen)
            snprintf(err, errlen, "[-----] out of memory");
        else
            fail_text(pg, NULL, err, errlen);
        if (mw)
            mw->rc = mw->fn(mw->arg);
        free(q);
        return -1;
    }
    int k, failed = 0;
    for (k = 0; k < n; k++) {
        const srv_stmt *s = &v[k];
        q[k].e = stmt_find(t, s->sql);
        if (q[k].e && !q[k].e->prepared && !q[k].e->queued) {
            if (!PQsendPrepare(pg, q[k].e->name, s->sql, s->n, NULL))
                break;
            q[k].prep = q[k].e->queued = 1;
        }
        if (!(q[k].e ? PQsendQueryPrepared(pg, q[k].e->name, s->n, s->params, NULL, NULL, 0)
                     : PQsendQueryParams(pg, s->sql, s->n, NULL, s->params, NULL, NULL, 0)))
            break;
        q[k].sent = 1;
    }
    if (k < n) {
        fail_text(pg, NULL, err, errlen);
        failed = 1;
    }
    int synced = PQpipelineSync(pg);
    if (!synced && !failed) {
        fail_text(pg, NULL, err, errlen);
        failed = 1;
    }
    /* The sync has flushed the batch: the database works on it while the
     * caller's work is done here. */
    if (mw)
        mw->rc = mw->fn(mw->arg);
    /* The answers come in the order sent, a PREPARE's before its
     * statement's, each followed by a NULL; after the first failure the
     * rest are PGRES_PIPELINE_ABORTED; then comes the sync. */
    for (int i = 0; synced && i < n && (q[i].prep || q[i].sent); i++)
        for (int step = q[i].prep ? 0 : 1; synced && step < 1 + q[i].sent; step++) {
            PGresult *r = PQgetResult(pg);
            if (!r) {
                /* Nothing where an answer was due: the connection broke. */
                if (!failed)
                    fail_text(pg, NULL, err, errlen);
                failed = 1;
                synced = 0;
                break;
            }
            for (int extra = 0; extra < 4; extra++) {
                PGresult *more = PQgetResult(pg);
                if (!more)
                    break;
                PQclear(more);
            }
            int ok = result_ok(r);
            if (!ok && !failed) {
                fail_text(pg, r, err, errlen);
                failed = 1;
            }
            if (step == 1 && done && !failed)
                (*done)++;
            if (step == 0) {
                q[i].e->prepared = ok;
                PQclear(r);
            } else if (res && !failed) {
                res[i] = r;
            } else {
                PQclear(r);
            }
        }
    for (int i = 0; i < n; i++)
        if (q[i].prep)
            q[i].e->queued = 0;
    if (synced) {
        PGresult *r = PQgetResult(pg);
        if (PQresultStatus(r) != PGRES_PIPELINE_SYNC && !failed) {
            fail_text(pg, r, err, errlen);
            failed = 1;
        }
        PQclear(r);
    }
    /* Leaving pipeline mode fails when answers were left unread: the
     * connection broke midway, or libpq could not read an answer. A
     * connection left in pipeline mode would refuse every later request
     * (the pool resets only broken ones), so it is reset here: its
     * transaction is gone, and its prepared statements with it. */
    if (!PQexitPipelineMode(pg) && PQpipelineStatus(pg) != PQ_PIPELINE_OFF) {
        if (!failed)
            fail_text(pg, NULL, err, errlen);
        failed = 1;
        PQreset(pg);
    }
    if (failed && res)
        for (int i = 0; i < n; i++) {
            PQclear(res[i]);
            res[i] = NULL;
        }
    free(q);
    return failed ? -1 : 0;
}

int srv_qp_batch(PGconn *pg, const srv_stmt *v, int n, PGresult **res, char *err, size_t errlen)
{
    return batch_run(pg, v, n, res, NULL, NULL, err, errlen);
}

int srv_qp_batch_meanwhile(PGconn *pg, const srv_stmt *v, int n, PGresult **res, srv_meanwhile *mw,
                           char *err, size_t errlen)
{
    return batch_run(pg, v, n, res, mw, NULL, err, errlen);
}

int srv_qp_batch_done(PGconn *pg, const srv_stmt *v, int n, int *done, char *err, size_t errlen)
{
    return batch_run(pg, v, n, NULL, NULL, done, err, errlen);
}

PGresult *srv_qp(PGconn *pg, const char *sql, int n, const char *const *params, char *err,
                 size_t errlen)
{
    PGresult *r = NULL;
    const srv_stmt one = {sql, n, params};
    return srv_qp_batch(pg, &one, 1, &r, err, errlen) == 0 ? r : NULL;
}

int srv_execp(PGconn *pg, const char *sql, int n, const char *const *params, char *err,
              size_t errlen)
{
    const srv_stmt one = {sql, n, params};
    return srv_qp_batch(pg, &one, 1, NULL, err, errlen);
}

const srv_stmt srv_begin_indexed_stmts[2] = {{"BEGIN", 0, NULL}, {SRV_INDEXED_SQL, 0, NULL}};

int srv_begin_indexed(PGconn *pg, char *err, size_t errlen)
{
    return srv_qp_batch(pg, srv_begin_indexed_stmts, 2, NULL, err, errlen);
}

int srv_q_retryable(const char *err)
{
    return !strncmp(err, "[40001]", 7) || !strncmp(err, "[40P01]", 7) ||
           !strncmp(err, "[23505]", 7);
}

/* A push hashes every change it carries, 4,000 in a full push, while
 * the tablet waits for its answer. GnuTLS (which serves the server's TLS) hashes
 * with the processor's own instructions where it has them, five times
 * libsodium's speed on our machine for a change's few hundred bytes;
 * libsodium stays for a GnuTLS that refuses the algorithm (FIPS modes may).
 * The hash is the same either way. */
void srv_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, h) != 0)
        crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

int srv_db_migrate(PGconn *pg, char *err, size_t errlen)
{
    if (srv_exec(pg,
                 "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                 0, NULL, err, errlen) != 0)
        return -1;
    /* Step 5 adds the office's figures, and the observations already there
     * get theirs in the same transaction; srv_facts.c writes them in their
     * newest shape, so the steps after 5 that reshape them run in that
     * transaction too, and the figures are made once at its end. */
    int filling = 0;
    for (int v = 1; v <= N_MIGRATIONS; v++) {
        char vs[16];
        snprintf(vs, sizeof vs, "%d", v);
        const char *p[] = {vs};
        if (!filling && srv_exec(pg, "BEGIN", 0, NULL, err, errlen) != 0)
            return -1;
        /* The lock makes a second server wait here instead of failing on
         * "already exists"; it ends with the transaction. */
        PGresult *r = srv_q(pg, "SELECT pg_advisory_xact_lock(4242001)", 0, NULL, err, errlen);
        PQclear(r);
        if (r)
            r = srv_q(pg, "SELECT 1 FROM schema_migrations WHERE version = $1::int", 1, p, err,
                      errlen);
        if (!r) {
            srv_exec(pg, "ROLLBACK", 0, NULL, NULL, 0);
            return -1;
        }
        int have = PQntuples(r) > 0;
        PQclear(r);
        if (!have && (srv_exec(pg, migrations[v - 1], 0, NULL, err, errlen) != 0 ||
                      srv_exec(pg, "INSERT INTO schema_migrations (version) VALUES ($1::int)", 1, p,
                               err, errlen) != 0)) {
            srv_exec(pg, "ROLLBACK", 0, NULL, NULL, 0);
            return -1;
        }
        filling = filling || (!have && v == 5);
        /* The figures made, PostgreSQL is told what they look like: the
         * steps' own ANALYZE saw the tables empty. */
        if (filling && v == N_MIGRATIONS &&
            (srv_facts_fill_all(pg, err, errlen) != 0 ||
             srv_exec(pg, "ANALYZE fact_obs", 0, NULL, err, errlen) != 0)) {
            srv_exec(pg, "ROLLBACK", 0, NULL, NULL, 0);
            return -1;
        }
        if ((!filling || v == N_MIGRATIONS) && srv_exec(pg, "COMMIT", 0, NULL, err, errlen) != 0)
            return -1;
        if (!have)
            srv_log("database migrated to version %d", v);
    }
    PGresult *r = srv_q(pg, "SELECT max(version) FROM schema_migrations", 0, NULL, err, errlen);
    if (!r)
        return -1;
    int top = PQgetisnull(r, 0, 0) ? 0 : atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (top > N_MIGRATIONS) {
        snprintf(err, errlen,
                 "The database is at schema version %d, newer than this server (%d): "
                 "run a newer blik-server.",
                 top, N_MIGRATIONS);
        return -1;
    }
    return 0;
}

PGconn *srv_db_connect(const char *conninfo, char *err, size_t errlen)
{
    PGconn *pg = PQconnectdb(conninfo);
    if (!pg) {
        snprintf(err, errlen, "Out of memory connecting to the database.");
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "Cannot connect to the database: %s", PQerrorMessage(pg));
        size_t k = strlen(err);
        while (k && err[k - 1] == '\n')
            err[--k] = 0;
        PQfinish(pg);
        return NULL;
    }
    PQclear(PQexec(pg, "SET client_min_messages = warning"));
    if (srv_db_migrate(pg, err, errlen) != 0) {
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

int64_t srv_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
