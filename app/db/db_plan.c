/*
 * Planned observations (db_plan.h). The server is a plan's one writer, so
 * the tablet keeps the newest version it pulled; the one thing the tablet
 * writes about a plan is its observee's agreement, which travels as its own
 * record (plan_agreement) and is noted here until the plan comes back
 * agreed.
 */
#include "db_plan.h"

#include <stdio.h>
#include <string.h>

#include "db_int.h"

#define PLAN_COLS                                                                                  \
    "id, unit_id, focus_id, observer_id, observee_id, team, room_id, day_from, day_to, terms,"     \
    " status, agreed_at, observation_id, updated_at, version, agreed_here"

static void read_plan(sqlite3_stmt *st, void *out)
{
    db_plan_row *r = out;
    model_plan *p = &r->plan;
    memset(r, 0, sizeof *r);
    db_col_text(st, 0, p->id, sizeof p->id);
    db_col_text(st, 1, p->unit_id, sizeof p->unit_id);
    db_col_text(st, 2, p->focus_id, sizeof p->focus_id);
    db_col_text(st, 3, p->observer_id, sizeof p->observer_id);
    db_col_text(st, 4, p->observee_id, sizeof p->observee_id);
    db_col_text(st, 5, p->team, sizeof p->team);
    db_col_text(st, 6, p->room_id, sizeof p->room_id);
    db_col_text(st, 7, p->day_from, sizeof p->day_from);
    db_col_text(st, 8, p->day_to, sizeof p->day_to);
    db_col_text(st, 9, p->terms, sizeof p->terms);
    int s = sqlite3_column_int(st, 10);
    p->status = s == MODEL_PLAN_DONE        ? MODEL_PLAN_DONE
                : s == MODEL_PLAN_CANCELLED ? MODEL_PLAN_CANCELLED
                                            : MODEL_PLAN_PLANNED;
    p->agreed_at = sqlite3_column_int64(st, 11);
    db_col_text(st, 12, p->observation_id, sizeof p->observation_id);
    p->updated_at = sqlite3_column_int64(st, 13);
    r->version = sqlite3_column_int(st, 14);
    r->agreed_here = sqlite3_column_int64(st, 15);
}

int db_plan_apply(db *d, const model_plan *p, int version)
{
    char err[200];
    if (!p || model_plan_check(p, err, sizeof err) != 0)
        return db_fail(d, DB_INVALID, "%s", p ? err : "No plan.");
    if (version < 1)
        return db_fail(d, DB_INVALID, "A pulled plan has no version.");
    /* Only a newer version replaces what is held; the agreement noted here
     * stays until the server's version carries one. */
    sqlite3_stmt *st = db_stmt(
        d, "INSERT INTO plan(" PLAN_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
           " ?12, ?13, ?14, ?15, 0) ON CONFLICT(id) DO UPDATE SET unit_id = excluded.unit_id,"
           " focus_id = excluded.focus_id, observer_id = excluded.observer_id,"
           " observee_id = excluded.observee_id, team = excluded.team,"
           " room_id = excluded.room_id, day_from = excluded.day_from, day_to = excluded.day_to,"
           " terms = excluded.terms, status = excluded.status, agreed_at = excluded.agreed_at,"
           " observation_id = excluded.observation_id, updated_at = excluded.updated_at,"
           " version = excluded.version WHERE excluded.version > plan.version");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, p->id);
    db_bind_text(st, 2, p->unit_id);
    db_bind_text(st, 3, p->focus_id);
    db_bind_text(st, 4, p->observer_id);
    db_bind_text(st, 5, p->observee_id);
    db_bind_text(st, 6, p->team);
    db_bind_text(st, 7, p->room_id);
    db_bind_text(st, 8, p->day_from);
    db_bind_text(st, 9, p->day_to);
    db_bind_text(st, 10, p->terms);
    sqlite3_bind_int(st, 11, (int)p->status);
    sqlite3_bind_int64(st, 12, p->agreed_at);
    db_bind_text(st, 13, p->observation_id);
    sqlite3_bind_int64(st, 14, p->updated_at);
    sqlite3_bind_int(st, 15, version);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, rc, "saving a pulled plan");
}

int db_plan_get(db *d, const char *id, db_plan_row *out)
{
    sqlite3_stmt *st = db_stmt(d, "SELECT " PLAN_COLS " FROM plan WHERE id = ?1");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, id);
    return db_one(d, st, read_plan, out, "This tablet has no such planned observation.",
                  "reading a planned observation");
}

int db_plan_list(db *d, const char *unit_id, const char *person_id, const char *from,
                 const char *to, int max, db_plan_row *out, int *n)
{
    *n = 0;
    char err[160];
    if (model_date_check(from, "The first day", err, sizeof err) ||
        model_date_check(to, "The last day", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    if (max > DB_PLAN_LIST_MAX)
        max = DB_PLAN_LIST_MAX;
    if (max <= 0)
        return db_ok(d);
    /* Both roles in one statement: SQLite reads the two indexes and joins
     * the rows (the OR optimisation); a unit plans a few hundred a year. */
    sqlite3_stmt *st = db_stmt(
        d, "SELECT " PLAN_COLS " FROM plan p WHERE unit_id = ?1"
           " AND (observer_id = ?2 OR observee_id = ?2) AND status = 0"
           " AND day_to >= ?3 AND day_from <= ?4"
           " AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.plan_id = p.id)"
           " ORDER BY day_from, observer_id <> ?2, id LIMIT ?5");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, unit_id);
    db_bind_text(st, 2, person_id);
    db_bind_text(st, 3, from);
    db_bind_text(st, 4, to);
    sqlite3_bind_int(st, 5, max);
    return db_rows(d, st, read_plan, out, sizeof *out, max, n, "listing planned observations");
}

int db_plan_agreed(const db_plan_row *r) { return r->plan.agreed_at > 0 || r->agreed_here > 0; }

int db_plan_agree(db *d, const char *plan_id, const char *person_id)
{
    char err[160];
    if (model_id_check(plan_id, "The plan", err, sizeof err) ||
        model_id_check(person_id, "The person", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    db_plan_row r;
    if ((rc = db_plan_get(d, plan_id, &r)) != DB_OK)
        return db_end(d, rc);
    if (!r.plan.observee_id[0])
        return db_end(d, db_fail(d, DB_DENIED, "A plan about a team needs no agreement."));
    if (strcmp(r.plan.observee_id, person_id) != 0)
        return db_end(
            d, db_fail(d, DB_DENIED, "Only the colleague who is to be observed can agree to it."));
    if (r.plan.status != MODEL_PLAN_PLANNED)
        return db_end(d, db_fail(d, DB_DENIED, "This observation is no longer planned."));
    if (db_plan_agreed(&r))
        return db_end(d, DB_OK);
    int64_t now = d->sys->now_ms(d->sys);
    if (now <= 0)
        now = 1; /* a clock before 1970 still agrees; the server keeps its own time too */
    model_record rec = {.entity = MODEL_ENT_PLAN_AGREEMENT};
    memcpy(rec.u.agreement.plan_id, r.plan.id, sizeof rec.u.agreement.plan_id);
    memcpy(rec.u.agreement.person_id, person_id, sizeof rec.u.agreement.person_id);
    rec.u.agreement.agreed_at = now;
    sqlite3_stmt *st = db_stmt(d, "UPDATE plan SET agreed_here = ?2 WHERE id = ?1");
    if (!st)
        return db_end(d, DB_INTERNAL);
    db_bind_text(st, 1, plan_id);
    sqlite3_bind_int64(st, 2, now);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    rc = src == SQLITE_DONE ? DB_OK : db_sqlite_fail(d, src, "noting an agreement");
    if (rc == DB_OK)
        rc = db_outbox_add(d, &rec, plan_id, NULL, person_id);
    return db_end(d, rc);
}

int db_plan_check_start(db *d, const char *plan_id, const db_obs_new *n)
{
    char err[160];
    if (model_id_check(plan_id, "The plan", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    db_plan_row r;
    int rc = db_plan_get(d, plan_id, &r);
    if (rc != DB_OK)
        return rc;
    const model_plan *p = &r.plan;
    if (p->status != MODEL_PLAN_PLANNED)
        return db_fail(d, DB_DENIED, "This observation is no longer planned.");
    if (strcmp(p->unit_id, n->unit_id) || strcmp(p->observer_id, n->observer_id))
        return db_fail(d, DB_DENIED, "This planned observation is another observer's.");
    if (strcmp(p->focus_id, n->focus_id))
        return db_fail(d, DB_INVALID, "The plan is for another learning focus.");
    const char *observee = n->observee_id ? n->observee_id : "";
    const char *team = n->team ? n->team : "";
    if (p->observee_id[0] && strcmp(p->observee_id, observee))
        return db_fail(d, DB_INVALID, "The plan is about another colleague.");
    /* A team plan is observed as the team it names (a colleague chosen
     * instead makes an observation about that person, as before). */
    if (team[0] && strcmp(p->team, team))
        return db_fail(d, DB_INVALID, "The plan is about another team.");
    return db_ok(d);
}
