/*
 * Schema migrations. The file's PRAGMA user_version says which steps have run;
 * each step runs in one transaction together with the bump of user_version,
 * so a crash mid-migration leaves the file at the step before, never between.
 * Steps are never edited once released: a change is a new step.
 */
#include "db_int.h"

#include <stdio.h>
#include <string.h>

/* Step 1: the first schema. */
static const char step1[] =
    "PRAGMA application_id = 1114401131;" /* "Blik" */
    "CREATE TABLE unit("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, retention_days INTEGER NOT NULL);"
    "CREATE TABLE room("
    "  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES unit(id), name TEXT NOT NULL);"
    "CREATE INDEX room_by_unit ON room(unit_id, name);"
    "CREATE TABLE person("
    "  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES unit(id), name TEXT NOT NULL,"
    "  role INTEGER NOT NULL CHECK(role IN (0, 1)), pin_verifier TEXT NOT NULL,"
    "  active INTEGER NOT NULL);"
    "CREATE INDEX person_by_unit ON person(unit_id, active, name);"
    "CREATE TABLE template("
    "  id TEXT NOT NULL, version INTEGER NOT NULL, unit_id TEXT NOT NULL REFERENCES unit(id),"
    "  body TEXT NOT NULL, PRIMARY KEY(id, version));"
    "CREATE TABLE focus("
    "  id TEXT NOT NULL, version INTEGER NOT NULL, unit_id TEXT NOT NULL REFERENCES unit(id),"
    "  question TEXT NOT NULL, why TEXT NOT NULL, pillar INTEGER NOT NULL,"
    "  period_from TEXT NOT NULL, period_to TEXT NOT NULL, template_id TEXT NOT NULL,"
    "  PRIMARY KEY(id, version));"
    "CREATE INDEX focus_by_unit ON focus(unit_id, period_to);"
    "CREATE TABLE focus_sign("
    "  focus_id TEXT NOT NULL, focus_version INTEGER NOT NULL, position INTEGER NOT NULL,"
    "  sign_id TEXT NOT NULL, text TEXT NOT NULL,"
    "  PRIMARY KEY(focus_id, focus_version, position),"
    "  FOREIGN KEY(focus_id, focus_version) REFERENCES focus(id, version));"
    "CREATE TABLE observation("
    "  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES unit(id),"
    "  focus_id TEXT NOT NULL, focus_version INTEGER NOT NULL,"
    "  template_id TEXT NOT NULL, template_version INTEGER NOT NULL,"
    "  observer_id TEXT NOT NULL REFERENCES person(id),"
    "  observee_id TEXT NOT NULL REFERENCES person(id),"
    "  room_id TEXT NOT NULL REFERENCES room(id), activity TEXT NOT NULL,"
    "  context TEXT NOT NULL, agreement INTEGER NOT NULL, started_at INTEGER NOT NULL,"
    "  ended_at INTEGER NOT NULL, status INTEGER NOT NULL, revision INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  FOREIGN KEY(focus_id, focus_version) REFERENCES focus(id, version),"
    "  FOREIGN KEY(template_id, template_version) REFERENCES template(id, version));"
    "CREATE INDEX obs_by_unit ON observation(unit_id, started_at, id);"
    "CREATE INDEX obs_by_observer ON observation(observer_id, started_at, id);"
    "CREATE INDEX obs_by_observee ON observation(observee_id, started_at, id);"
    "CREATE INDEX obs_by_focus ON observation(focus_id, started_at, id);"
    "CREATE TABLE event("
    "  id TEXT PRIMARY KEY, observation_id TEXT NOT NULL REFERENCES observation(id),"
    "  kind INTEGER NOT NULL CHECK(kind BETWEEN 0 AND 4), key TEXT NOT NULL,"
    "  target_id TEXT, at INTEGER NOT NULL);"
    "CREATE INDEX event_by_obs ON event(observation_id);"
    "CREATE INDEX event_undo ON event(target_id) WHERE kind = 4;"
    "CREATE TABLE note("
    "  id TEXT PRIMARY KEY, observation_id TEXT NOT NULL REFERENCES observation(id),"
    "  at INTEGER NOT NULL, text TEXT NOT NULL, sign_id TEXT);"
    "CREATE INDEX note_by_obs ON note(observation_id, at);"
    "CREATE TABLE rating("
    "  observation_id TEXT NOT NULL REFERENCES observation(id), sign_id TEXT NOT NULL,"
    "  level INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(observation_id, sign_id));"
    "CREATE TABLE feedback("
    "  observation_id TEXT PRIMARY KEY REFERENCES observation(id),"
    "  author_id TEXT NOT NULL REFERENCES person(id), works TEXT NOT NULL,"
    "  wonderings TEXT NOT NULL, next_step TEXT NOT NULL, given_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE reflection("
    "  observation_id TEXT PRIMARY KEY REFERENCES observation(id),"
    "  author_id TEXT NOT NULL REFERENCES person(id), text TEXT NOT NULL,"
    "  next_step TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE outbox("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL UNIQUE,"
    "  entity TEXT NOT NULL, entity_id TEXT NOT NULL, obs_id TEXT,"
    "  payload TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE INDEX outbox_by_entity ON outbox(entity_id);"
    "CREATE INDEX outbox_by_obs ON outbox(obs_id) WHERE obs_id IS NOT NULL;"
    "CREATE TABLE kv(key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/* Step 2: people are searched by name on the sign-in screen, case-blind for
 * Danish letters too, which SQLite's own lower() and LIKE do not do. Keep a
 * folded copy of each name, filled in for the people already stored. */
static const char step2[] = "ALTER TABLE person ADD COLUMN name_fold TEXT NOT NULL DEFAULT '';"
                            "UPDATE person SET name_fold = blik_fold(name);"
                            "CREATE INDEX person_by_fold ON person(unit_id, active, name_fold);";

/* Step 3: a push names the person who made each change, and the server
 * checks that it is the part's one writer; keep it with the entry. Entries
 * queued before were all made by the observation's observer, except a
 * reflection or feedback, which names its author. */
static const char step3[] =
    "ALTER TABLE outbox ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';"
    "UPDATE outbox SET actor_id = CASE WHEN entity IN ('feedback', 'reflection')"
    "  THEN json_extract(payload, '$.author_id')"
    "  ELSE (SELECT observer_id FROM observation o WHERE o.id = outbox.obs_id) END;";

/* Step 4: what sync needs to remember. Each change remembers the server
 * version its record had when the change was made (base_version), taken by a
 * trigger from sync_version so that every way of writing a change gets it;
 * the server uses it to keep both versions instead of overwriting. Pull
 * cursors are kept per person pulled for ('' for reference data only).
 * Pulled records that arrived before the record they belong to wait in
 * sync_park; the server's version of a record with unsent local changes
 * waits in sync_remote, so that a conflict can show both side by side.
 * Conflicts and rejected changes are kept with their reasons until a person
 * decides; sync_config holds the enrolment (server, device, CA, pin). */
static const char step4[] =
    "ALTER TABLE outbox ADD COLUMN base_version INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE sync_version("
    "  entity TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL,"
    "  PRIMARY KEY(entity, key)) WITHOUT ROWID;"
    "CREATE TRIGGER outbox_base AFTER INSERT ON outbox BEGIN"
    "  UPDATE outbox SET base_version = coalesce((SELECT version FROM sync_version v"
    "    WHERE v.entity = NEW.entity AND v.key = CASE NEW.entity WHEN 'rating'"
    "    THEN NEW.obs_id || '/' || NEW.entity_id ELSE NEW.entity_id END), 0)"
    "  WHERE seq = NEW.seq; END;"
    "CREATE TABLE sync_follow(person_id TEXT PRIMARY KEY, cursor INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO sync_follow(person_id, cursor) VALUES('', 0);"
    "CREATE TABLE sync_remote("
    "  entity TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL,"
    "  PRIMARY KEY(entity, key)) WITHOUT ROWID;"
    "CREATE TABLE sync_park("
    "  entity TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL,"
    "  PRIMARY KEY(entity, key));"
    "CREATE TABLE sync_conflict("
    "  change_id TEXT PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL, obs_id TEXT,"
    "  key TEXT NOT NULL, actor_id TEXT NOT NULL, payload TEXT NOT NULL,"
    "  server_version INTEGER NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX conflict_by_entity ON sync_conflict(entity_id);"
    "CREATE INDEX conflict_by_obs ON sync_conflict(obs_id);"
    "CREATE TABLE sync_rejected("
    "  change_id TEXT PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL, obs_id TEXT,"
    "  actor_id TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  code TEXT NOT NULL, message TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX rejected_by_entity ON sync_rejected(entity_id);"
    "CREATE INDEX rejected_by_obs ON sync_rejected(obs_id);"
    "CREATE TABLE sync_config(key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/* Step 5: a correction of a finished observation keeps what it changed, by
 * whom and when, one row per changed part (activity, context, a sign's
 * rating), so that nothing is silently overwritten and history can show
 * every revision. The rows go with their observation, however it is
 * deleted (retention, a deletion the server published). */
static const char step5[] =
    "CREATE TABLE obs_revision("
    "  observation_id TEXT NOT NULL, revision INTEGER NOT NULL, actor_id TEXT NOT NULL,"
    "  at INTEGER NOT NULL, what TEXT NOT NULL, sign_id TEXT NOT NULL DEFAULT '',"
    "  before TEXT NOT NULL, after TEXT NOT NULL);"
    "CREATE INDEX obs_revision_by_obs ON obs_revision(observation_id, revision);"
    "CREATE TRIGGER obs_revision_gone AFTER DELETE ON observation BEGIN"
    "  DELETE FROM obs_revision WHERE observation_id = OLD.id; END;";

/* Step 6: drafts leave kv for their own table, deleted with their
 * observation by the foreign key, so that retention and the server's
 * deletions erase every draft field without a list of key prefixes. The
 * drafts of observations still on the tablet move; others had been
 * forgotten already. The numbers are db_draft_field's values. */
#define STEP6_PREFIXES                                                                             \
    "WITH p(prefix, field) AS (VALUES ('note.', 0), ('skip.', 1), ('fb.works.', 2),"               \
    " ('fb.wonder.', 3), ('fb.next.', 4), ('re.text.', 5), ('re.next.', 6))"
static const char step6[] =
    "CREATE TABLE draft("
    "  observation_id TEXT NOT NULL REFERENCES observation(id) ON DELETE CASCADE,"
    "  field INTEGER NOT NULL, text TEXT NOT NULL,"
    "  PRIMARY KEY(observation_id, field)) WITHOUT ROWID;" STEP6_PREFIXES
    " INSERT INTO draft(observation_id, field, text)"
    " SELECT o.id, p.field, k.value FROM kv k JOIN p ON substr(k.key, 1, length(p.prefix)) = p.prefix"
    " JOIN observation o ON o.id = substr(k.key, length(p.prefix) + 1) WHERE 1;" STEP6_PREFIXES
    " DELETE FROM kv WHERE EXISTS (SELECT 1 FROM p"
    "  WHERE substr(kv.key, 1, length(p.prefix)) = p.prefix);";
_Static_assert(DB_DRAFT_NOTE == 0 && DB_DRAFT_SKIPPED == 1 && DB_DRAFT_FB_WORKS == 2 &&
                   DB_DRAFT_FB_WONDER == 3 && DB_DRAFT_FB_NEXT == 4 && DB_DRAFT_RE_TEXT == 5 &&
                   DB_DRAFT_RE_NEXT == 6,
               "step 6 moved the kv drafts with these field numbers");

/* Step 7: which version of an observation's reflection its observer has
 * opened on this tablet, so that home can say "new reflection" until they
 * have read it, and again when the observee rewrites it. Kept here only
 * (never a change for sync); it goes with its observation. */
static const char step7[] =
    "CREATE TABLE reflection_seen("
    "  observation_id TEXT PRIMARY KEY REFERENCES observation(id) ON DELETE CASCADE,"
    "  seen_updated_at INTEGER NOT NULL) WITHOUT ROWID;";

/* Step 8: two observers who observe one session together share a pair
 * code (model.h); observations made before, and alone, have ''. */
static const char step8[] =
    "ALTER TABLE observation ADD COLUMN pair_code TEXT NOT NULL DEFAULT '';";

/* Step 9: planned observations from the office (db_plan.c), kept at the
 * server's newest version with when the observee agreed on this tablet,
 * and the plan an observation was started from ('' for none: every
 * observation made before). */
static const char step9[] =
    "ALTER TABLE observation ADD COLUMN plan_id TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX observation_by_plan ON observation(plan_id) WHERE plan_id <> '';"
    "CREATE TABLE plan("
    "  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, focus_id TEXT NOT NULL,"
    "  observer_id TEXT NOT NULL, observee_id TEXT NOT NULL, team TEXT NOT NULL,"
    "  room_id TEXT NOT NULL, day_from TEXT NOT NULL, day_to TEXT NOT NULL,"
    "  terms TEXT NOT NULL, status INTEGER NOT NULL, agreed_at INTEGER NOT NULL,"
    "  observation_id TEXT NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL,"
    "  agreed_here INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX plan_by_observer ON plan(observer_id, day_to);"
    "CREATE INDEX plan_by_observee ON plan(observee_id, day_to) WHERE observee_id <> '';";

/* Step 10: a lighter outbox. With 100,000 observations waiting it held
 * about 9.5 KiB per observation, two thirds of the file: every entry kept
 * a random change id and the entity's random id in two indexes of their own,
 * each insert landing on a random page of a large tree, and a copy of its
 * record's text. Now an entry's change id is made from its seq and the
 * store's outbox key (db_outbox.c), so it needs no column and no index of
 * its own; an event, which never changes once saved, is sent from its row
 * (no copy); and one index by observation serves every lookup, since every
 * change of an observation or its parts names it (a plan's agreement names
 * none). Entries already queued keep their change id
 * and text, and the sequence goes on where it was, so no seq is used twice
 * and the changes already handed to the server keep their marks. */
static const char step10[] =
    "CREATE TABLE outbox9("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT,"
    "  entity TEXT NOT NULL, entity_id TEXT NOT NULL, obs_id TEXT,"
    "  payload TEXT, created_at INTEGER NOT NULL, actor_id TEXT NOT NULL,"
    "  base_version INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO outbox9(seq, change_id, entity, entity_id, obs_id, payload, created_at,"
    "  actor_id, base_version) SELECT seq, change_id, entity, entity_id,"
    "  CASE WHEN obs_id IS NULL AND entity IN ('observation', 'feedback', 'reflection')"
    "  THEN entity_id ELSE obs_id END, payload, created_at, actor_id, base_version FROM outbox;"
    "UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence"
    "  WHERE name = 'outbox')) WHERE name = 'outbox9';"
    "INSERT INTO sqlite_sequence(name, seq) SELECT 'outbox9', seq FROM sqlite_sequence"
    "  WHERE name = 'outbox' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence"
    "  WHERE name = 'outbox9');"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox9 RENAME TO outbox;"
    "CREATE UNIQUE INDEX outbox_by_change ON outbox(change_id) WHERE change_id IS NOT NULL;"
    "CREATE INDEX outbox_by_obs ON outbox(obs_id, entity, entity_id);"
    "CREATE TRIGGER outbox_base AFTER INSERT ON outbox BEGIN"
    "  UPDATE outbox SET base_version = coalesce((SELECT version FROM sync_version v"
    "    WHERE v.entity = NEW.entity AND v.key = CASE NEW.entity WHEN 'rating'"
    "    THEN NEW.obs_id || '/' || NEW.entity_id ELSE NEW.entity_id END), 0)"
    "  WHERE seq = NEW.seq; END;"
    "INSERT INTO kv(key, value) VALUES('" DB_KV_OUTBOX_KEY "', lower(hex(randomblob(10))))"
    "  ON CONFLICT(key) DO NOTHING;";

/* Step 11: an observation about a team (protocol schema 3) names the team
 * instead of an observee. The observee still references a person when
 * there is one, so the column must allow NULL for a team; SQLite cannot
 * change a column's constraints, so the table is made again and its rows
 * copied, the way SQLite's documentation describes (the step runs with
 * foreign keys off, and is checked before it commits; db_migrate). Every
 * observation made before is about a person: its team is ''. Its indexes
 * and its trigger (step 5) go with the old table and are made again. */
#define STEP11_REBUILDS 11
static const char step11[] =
    "CREATE TABLE observation11("
    "  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES unit(id),"
    "  focus_id TEXT NOT NULL, focus_version INTEGER NOT NULL,"
    "  template_id TEXT NOT NULL, template_version INTEGER NOT NULL,"
    "  observer_id TEXT NOT NULL REFERENCES person(id),"
    "  observee_id TEXT REFERENCES person(id),"
    "  room_id TEXT NOT NULL REFERENCES room(id), activity TEXT NOT NULL,"
    "  context TEXT NOT NULL, agreement INTEGER NOT NULL, started_at INTEGER NOT NULL,"
    "  ended_at INTEGER NOT NULL, status INTEGER NOT NULL, revision INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL, pair_code TEXT NOT NULL DEFAULT '',"
    "  plan_id TEXT NOT NULL DEFAULT '', team TEXT NOT NULL DEFAULT '',"
    "  CHECK((observee_id IS NULL) = (team <> '')),"
    "  FOREIGN KEY(focus_id, focus_version) REFERENCES focus(id, version),"
    "  FOREIGN KEY(template_id, template_version) REFERENCES template(id, version));"
    "INSERT INTO observation11(id, unit_id, focus_id, focus_version, template_id,"
    "  template_version, observer_id, observee_id, room_id, activity, context, agreement,"
    "  started_at, ended_at, status, revision, updated_at, pair_code, plan_id, team)"
    " SELECT id, unit_id, focus_id, focus_version, template_id, template_version, observer_id,"
    "  observee_id, room_id, activity, context, agreement, started_at, ended_at, status,"
    "  revision, updated_at, pair_code, plan_id, '' FROM observation;"
    "DROP TABLE observation;"
    "ALTER TABLE observation11 RENAME TO observation;"
    "CREATE INDEX obs_by_unit ON observation(unit_id, started_at, id);"
    "CREATE INDEX obs_by_observer ON observation(observer_id, started_at, id);"
    "CREATE INDEX obs_by_observee ON observation(observee_id, started_at, id);"
    "CREATE INDEX obs_by_focus ON observation(focus_id, started_at, id);"
    "CREATE INDEX observation_by_plan ON observation(plan_id) WHERE plan_id <> '';"
    "CREATE TRIGGER obs_revision_gone AFTER DELETE ON observation BEGIN"
    "  DELETE FROM obs_revision WHERE observation_id = OLD.id; END;";

/* Step 12: an event is found by its observation and its id, and nowhere by
 * its id alone (an outbox entry names both). Event ids were random then
 * (version 4; version 7 since, time first, but older ones stay), so an
 * index of the id alone put each new event at a random place of a tree
 * that outgrows the page cache: a first pull of 500,000 records wrote most
 * of that tree again with every page it saved. Keyed by observation first,
 * an observation's events sit together in both indexes: the unique one,
 * and event_by_obs, which gives an observation's events in the order they
 * were saved (their rowids, kept by the copy) without a sort at every tap.
 * No other table references an event. */
static const char step12[] =
    "CREATE TABLE event12("
    "  id TEXT NOT NULL, observation_id TEXT NOT NULL REFERENCES observation(id),"
    "  kind INTEGER NOT NULL CHECK(kind BETWEEN 0 AND 4), key TEXT NOT NULL,"
    "  target_id TEXT, at INTEGER NOT NULL, UNIQUE(observation_id, id));"
    "INSERT INTO event12(rowid, id, observation_id, kind, key, target_id, at)"
    "  SELECT rowid, id, observation_id, kind, key, target_id, at FROM event ORDER BY rowid;"
    "DROP TABLE event;"
    "ALTER TABLE event12 RENAME TO event;"
    "CREATE INDEX event_by_obs ON event(observation_id);"
    "CREATE INDEX event_undo ON event(target_id) WHERE kind = 4;";

/* Step 13: the index of an observation's events in the order they were
 * saved goes. Every event is put into it as well as into the unique index
 * (observation_id, id), and a first pull of 500,000 records spent a tenth
 * to a fifth of its time on it. The unique index finds an observation's
 * events as well; ordering them by rowid is then a sort of that one
 * observation's events, as many as it has: a few hundred for most. */
static const char step13[] = "DROP INDEX event_by_obs;";

static const char *const steps[] = {step1, step2, step3,  step4,  step5,  step6, step7,
                                    step8, step9, step10, step11, step12, step13};
_Static_assert(sizeof steps / sizeof steps[0] == DB_SCHEMA_VERSION,
               "one migration step per schema version");

static void fold_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    char out[MODEL_NAME_MAX * 2 + 1];
    db_fold(s ? s : "", out, sizeof out);
    sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

/* SQLITE_OK when no row breaks a foreign key, else SQLITE_CONSTRAINT. */
static int fk_check(db *d)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->conn, "PRAGMA foreign_key_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc == SQLITE_ROW ? SQLITE_CONSTRAINT : rc;
}

int db_migrate(db *d, int target)
{
    int rc = sqlite3_create_function(d->conn, "blik_fold", 1,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                     fold_fn, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_sqlite_fail(d, rc, "preparing the database");
    if (target < 0 || target > DB_SCHEMA_VERSION)
        return db_fail(d, DB_INVALID, "There is no schema version %d.", target);
    int have = db_schema_version(d);
    if (have < 0)
        return db_sqlite_fail(d, sqlite3_errcode(d->conn), "reading the schema version");
    for (int v = have + 1; v <= target; v++) {
        /* A step that makes a table again turns foreign keys off while it
         * runs (they can only be turned off outside a transaction, and a
         * table referenced by others cannot be dropped with them on), then
         * checks that every reference still holds before it commits. */
        int rebuild = v == STEP11_REBUILDS;
        if (rebuild && sqlite3_exec(d->conn, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL))
            return db_sqlite_fail(d, sqlite3_errcode(d->conn), "preparing the database");
        if ((rc = db_begin(d)) != DB_OK) {
            if (rebuild)
                sqlite3_exec(d->conn, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
            return rc;
        }
        char bump[48];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v);
        int src = sqlite3_exec(d->conn, steps[v - 1], NULL, NULL, NULL);
        if (src == SQLITE_OK && rebuild)
            src = fk_check(d);
        if (src == SQLITE_OK)
            src = sqlite3_exec(d->conn, bump, NULL, NULL, NULL);
        if (src != SQLITE_OK) {
            char doing[48];
            snprintf(doing, sizeof doing, "updating the database to version %d", v);
            rc = db_sqlite_fail(d, src, doing);
        }
        rc = db_end(d, rc);
        if (rebuild && sqlite3_exec(d->conn, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) &&
            rc == DB_OK)
            rc = db_sqlite_fail(d, sqlite3_errcode(d->conn), "opening the database");
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}
