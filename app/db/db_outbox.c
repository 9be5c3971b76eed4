/*
 * The outbox: every change made on this tablet, in order, until the server
 * acknowledges it. An entry is written in the same transaction as its change
 * and gets its idempotency key (change_id) then, once, made from its seq; a
 * retry after a lost reply sends the same key again, so the server can tell
 * a resend from news.
 */
#include "db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sync_int.h"

/*
 * A change id is the store's outbox key and the entry's seq, shaped as a
 * version 4 UUID: kkkkkkkk-kkkk-4kkk-vkkk-ssssssssssss, where k are the
 * key's 74 random bits (one nibble gives its two low bits to the variant)
 * and s the seq in 48 bits. A seq is never used twice in a store (the
 * outbox is AUTOINCREMENT), so an id is made once and made again the same,
 * as an idempotency key must be, and the store keeps no copy of it.
 */
void db_outbox_change_id(const db *d, int64_t seq, model_id out)
{
    /* Written by hand: a push makes an id for each of its thousands of
     * entries, and formatting them (with the body's own formatting, also
     * by hand now) was a twentieth of the tablet's work in a push. */
    const char *k = d->outbox_key;
    static const char variant[] = "89ab", hex[] = "0123456789abcdef";
    if (strlen(k) != 20) {
        out[0] = '\0';
        return;
    }
    int v = k[16] >= 'a' ? k[16] - 'a' + 10 : k[16] - '0';
    memcpy(out, k, 8);
    out[8] = '-';
    memcpy(out + 9, k + 8, 4);
    out[13] = '-';
    out[14] = '4';
    memcpy(out + 15, k + 12, 3);
    out[18] = '-';
    out[19] = variant[v & 3];
    memcpy(out + 20, k + 17, 3);
    out[23] = '-';
    uint64_t s = (uint64_t)seq & 0xFFFFFFFFFFFFull;
    for (int i = 35; i >= 24; i--, s >>= 4)
        out[i] = hex[s & 15];
    out[36] = '\0';
}

int64_t db_outbox_seq_of(const db *d, const char *change_id)
{
    if (!d->outbox_key[0] || !change_id || strlen(change_id) != MODEL_UUID_LEN)
        return 0;
    model_id mine;
    db_outbox_change_id(d, 0, mine);
    if (memcmp(mine, change_id, 24) != 0)
        return 0;
    int64_t seq = 0;
    for (int i = 24; i < MODEL_UUID_LEN; i++) {
        char c = change_id[i];
        int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (x < 0)
            return 0;
        seq = seq * 16 + x;
    }
    return seq;
}

int db_outbox_key_load(db *d)
{
    d->outbox_key[0] = '\0';
    sqlite3_stmt *st = db_stmt(d, "SELECT value FROM kv WHERE key = '" DB_KV_OUTBOX_KEY "'");
    if (!st)
        return DB_INTERNAL;
    char key[sizeof d->outbox_key];
    int rc = db_get_text(d, st, "outbox key", key, sizeof key);
    if (rc == DB_NOTFOUND)
        return db_ok(d);
    if (rc != DB_OK)
        return rc;
    if (strlen(key) != 20 || strspn(key, "0123456789abcdef") != 20)
        return db_fail(d, DB_CORRUPT, "The store's outbox key is damaged.");
    memcpy(d->outbox_key, key, sizeof key);
    return DB_OK;
}

/* An event is saved once and never changed (an undo is an event of its
 * own), so its entry keeps no copy of it: the text is written from the row
 * when it is sent, the same text every time, since the codec's form is
 * canonical. Other parts change after they are queued (a rating, a note,
 * the observation), and an entry must send the version it was made with
 * however often it is sent again, so theirs is kept. */
int db_outbox_add(db *d, const model_record *rec, const char *entity_id, const char *obs_id,
                  const char *actor_id)
{
    if (!d->outbox_key[0])
        return db_fail(d, DB_INTERNAL, "The store has no outbox key.");
    char *text = NULL;
    if (rec->entity != MODEL_ENT_EVENT) {
        model_err e;
        text = model_record_text(rec, &e);
        if (!text && e.code == MODEL_E_NOMEM)
            return db_fail(d, DB_NOMEM, "Out of memory while queueing a change for sync.");
        if (!text)
            return db_fail(d, DB_INVALID, "The change cannot be queued for sync. %s", e.msg);
    }
    d->sync_quiet = 0; /* a pulled record of it is held from now on */
    sqlite3_stmt *st = db_stmt(d, "INSERT INTO outbox(entity, entity_id, obs_id,"
                                  " payload, created_at, actor_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) {
        free(text);
        return DB_INTERNAL;
    }
    db_bind_text(st, 1, model_entity_name(rec->entity));
    db_bind_text(st, 2, entity_id);
    db_bind_text(st, 3, obs_id);
    db_bind_text(st, 4, text);
    sqlite3_bind_int64(st, 5, d->sys->now_ms(d->sys));
    db_bind_text(st, 6, actor_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    free(text);
    return rc == SQLITE_DONE ? DB_OK : db_sqlite_fail(d, rc, "queueing a change for sync");
}

char *db_outbox_text(sqlite3_stmt *st, int col, int *oom)
{
    return db_outbox_text_event(st, col, oom, NULL, NULL);
}

char *db_outbox_text_event(sqlite3_stmt *st, int col, int *oom, model_event *ev, int *has)
{
    if (has)
        *has = 0;
    if (sqlite3_column_type(st, col) != SQLITE_NULL)
        return db_sync_col_dup(st, col, oom);
    model_record rec = {.entity = MODEL_ENT_EVENT};
    model_event *e = &rec.u.event;
    char *text = NULL;
    if (sqlite3_column_type(st, col + 1) != SQLITE_NULL) {
        db_col_text(st, col + 1, e->id, sizeof e->id);
        db_col_text(st, col + 2, e->observation_id, sizeof e->observation_id);
        e->kind = (model_event_kind)sqlite3_column_int(st, col + 3);
        db_col_text(st, col + 4, e->key, sizeof e->key);
        db_col_text(st, col + 5, e->target_id, sizeof e->target_id);
        e->at = sqlite3_column_int64(st, col + 6);
        model_err me;
        text = model_record_text(&rec, &me);
        if (!text && me.code == MODEL_E_NOMEM) {
            *oom = 1;
            return NULL;
        }
        /* The event goes with its text only when the codec wrote one: a
         * row it cannot write is an entry that cannot be read. */
        if (text && ev && has) {
            *ev = *e;
            *has = 1;
        }
    }
    if (!text && !(text = strdup("")))
        *oom = 1;
    return text;
}

int db_outbox_count(db *d, int64_t *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT count(*) FROM outbox");
    if (!st)
        return DB_INTERNAL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, rc, "counting changes to send");
}

void db_outbox_entries_free(db_outbox_entry *e, int n)
{
    for (int i = 0; e && i < n; i++) {
        free(e[i].payload);
        e[i].payload = NULL;
    }
}

int db_outbox_peek(db *d, int64_t after, int max, db_outbox_entry *out, int *n)
{
    *n = 0;
    sqlite3_stmt *st = db_stmt(
        d, "SELECT x.seq, x.change_id, x.entity, x.entity_id, x.created_at, x.actor_id,"
           " x.obs_id, x.base_version, x.payload, " DB_SQL_OUTBOX_EVENT_COLS
           " FROM outbox x" DB_SQL_OUTBOX_EVENT_JOIN " WHERE x.seq > ?1 ORDER BY x.seq LIMIT ?2");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        db_outbox_entry *e = &out[*n];
        memset(e, 0, sizeof *e);
        e->seq = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) == SQLITE_NULL)
            db_outbox_change_id(d, e->seq, e->change_id);
        else
            db_col_text(st, 1, e->change_id, sizeof e->change_id);
        db_col_text(st, 2, e->entity, sizeof e->entity);
        db_col_text(st, 3, e->entity_id, sizeof e->entity_id);
        e->created_at = sqlite3_column_int64(st, 4);
        db_col_text(st, 5, e->actor_id, sizeof e->actor_id);
        db_col_text(st, 6, e->obs_id, sizeof e->obs_id);
        e->base_version = sqlite3_column_int(st, 7);
        int oom = 0;
        e->payload = db_outbox_text_event(st, 8, &oom, &e->event, &e->has_event);
        if (oom) {
            sqlite3_reset(st);
            db_outbox_entries_free(out, *n);
            *n = 0;
            return db_fail(d, DB_NOMEM, "Out of memory while reading changes to send.");
        }
        (*n)++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        db_outbox_entries_free(out, *n);
        *n = 0;
        return db_sqlite_fail(d, rc, "reading changes to send");
    }
    return db_ok(d);
}

int db_outbox_ack(db *d, const char *change_id)
{
    sqlite3_stmt *st = db_stmt(d, "DELETE FROM outbox AS x WHERE " DB_SQL_OUTBOX_BY_CHANGE);
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, change_id);
    sqlite3_bind_int64(st, 2, db_outbox_seq_of(d, change_id));
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_sqlite_fail(d, rc, "marking a change as synced");
    /* Acknowledging twice is fine: the server said so twice. */
    return db_ok(d);
}

/* Every entry names its observation, so one index (by observation) answers
 * for an observation and, within its observation, for a note. An event is
 * not found by its id alone (schema step 12), and no one asks for one. */
int db_is_pending(db *d, const char *entity_id, int *pending)
{
    *pending = 0;
    sqlite3_stmt *st = db_stmt(d, "SELECT EXISTS(SELECT 1 FROM outbox WHERE obs_id = coalesce("
                                  "(SELECT observation_id FROM note WHERE id = ?1), ?1)"
                                  " AND (obs_id = ?1 OR entity_id = ?1))");
    if (!st)
        return DB_INTERNAL;
    db_bind_text(st, 1, entity_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *pending = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? db_ok(d) : db_sqlite_fail(d, rc, "reading sync state");
}

int db_outbox_claim(db *d, int64_t after, int max, db_outbox_entry *out, int *n)
{
    *n = 0;
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    rc = db_outbox_peek(d, after, max, out, n);
    if (rc == DB_OK && *n > 0) {
        sqlite3_stmt *st = db_stmt(d,
                                   "INSERT INTO kv(key, value) VALUES('" DB_KV_SENT_UPTO "', ?1)"
                                   " ON CONFLICT(key) DO UPDATE SET value ="
                                   " max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))");
        if (!st) {
            rc = DB_INTERNAL;
        } else {
            sqlite3_bind_int64(st, 1, out[*n - 1].seq);
            int src = sqlite3_step(st);
            sqlite3_reset(st);
            if (src != SQLITE_DONE)
                rc = db_sqlite_fail(d, src, "marking changes as sent");
        }
    }
    rc = db_end(d, rc);
    if (rc != DB_OK) {
        db_outbox_entries_free(out, *n);
        *n = 0;
    }
    return rc;
}

int db_outbox_claimed_upto(db *d, int64_t *upto)
{
    char v[24];
    int rc = db_kv_get(d, DB_KV_SENT_UPTO, v, sizeof v);
    *upto = rc == DB_OK ? strtoll(v, NULL, 10) : 0;
    return rc == DB_NOTFOUND ? db_ok(d) : rc;
}

int db_outbox_unclaim(db *d, int64_t upto)
{
    sqlite3_stmt *st = db_stmt(d, "UPDATE kv SET value = ?1 WHERE key = '" DB_KV_SENT_UPTO "'"
                                  " AND CAST(value AS INTEGER) > ?1");
    if (!st)
        return DB_INTERNAL;
    sqlite3_bind_int64(st, 1, upto);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    return src == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, src, "taking back the sent mark");
}
