/*
 * Small typed state that must survive a restart: the drafts the screens keep
 * per observation, the enrolment, and the app's own settings. Callers name
 * what they mean with a type or a function; the keys and tables behind them
 * are known here only, so nobody outside has to copy a key to read or erase
 * it.
 */
#include <stdio.h>
#include <string.h>

#include "db_int.h"
#include "db_sync.h"

/* ---- drafts ---- */

/* The statement sql with the observation as ?1 and the field as ?2, after
 * checking both, so that a bad one changes nothing and says why; NULL with
 * *rc set on failure. */
static sqlite3_stmt *draft_stmt(db *d, const char *sql, const char *obs_id, db_draft_field field,
                                int *rc)
{
    char err[160];
    if (model_id_check(obs_id, "The draft's observation", err, sizeof err)) {
        *rc = db_fail(d, DB_INVALID, "%s", err);
        return NULL;
    }
    if ((unsigned)field >= DB_DRAFT_FIELDS) {
        *rc = db_fail(d, DB_INVALID, "There is no draft field %d.", (int)field);
        return NULL;
    }
    sqlite3_stmt *st = db_stmt(d, sql);
    *rc = st ? DB_OK : DB_INTERNAL;
    if (st) {
        db_bind_text(st, 1, obs_id);
        sqlite3_bind_int(st, 2, (int)field);
    }
    return st;
}

int db_draft_put(db *d, const char *obs_id, db_draft_field field, const char *text)
{
    char err[160];
    if (!text || model_text_check(text, MODEL_TEXT_MAX, 1, "The draft", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", text ? err : "The draft is missing.");
    int rc;
    sqlite3_stmt *st = draft_stmt(d,
                                  "INSERT INTO draft(observation_id, field, text)"
                                  " SELECT id, ?2, ?3 FROM observation WHERE id = ?1"
                                  " ON CONFLICT(observation_id, field)"
                                  " DO UPDATE SET text = excluded.text",
                                  obs_id, field, &rc);
    if (!st)
        return rc;
    db_bind_text(st, 3, text);
    int src = sqlite3_step(st);
    int n = sqlite3_changes(d->conn);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return db_sqlite_fail(d, src, "keeping a draft");
    return n ? db_ok(d) : db_fail(d, DB_NOTFOUND, "The draft's observation is not on this tablet.");
}

int db_draft_get(db *d, const char *obs_id, db_draft_field field, char *out, size_t cap)
{
    out[0] = '\0';
    int rc;
    sqlite3_stmt *st = draft_stmt(d,
                                  "SELECT text FROM draft WHERE observation_id = ?1"
                                  " AND field = ?2",
                                  obs_id, field, &rc);
    return st ? db_get_text(d, st, "draft", out, cap) : rc;
}

int db_draft_clear(db *d, const char *obs_id, db_draft_field field)
{
    int rc;
    sqlite3_stmt *st = draft_stmt(d, "DELETE FROM draft WHERE observation_id = ?1 AND field = ?2",
                                  obs_id, field, &rc);
    if (!st)
        return rc;
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    return src == SQLITE_DONE ? db_ok(d) : db_sqlite_fail(d, src, "forgetting a draft");
}

/* ---- enrolment ---- */

_Static_assert(DB_ENROL_CA_MAX <= DB_SYNC_CONFIG_MAX, "a CA fits a sync setting");

/* The sync settings enrolment writes; the names are stored, never renamed. */
static const char CFG_URL[] = "server_url", CFG_DEVICE[] = "device_id",
                  CFG_SECRET[] = "device_secret", CFG_UNIT[] = "unit_id", CFG_CA[] = "ca_pem",
                  CFG_PIN[] = "pin";
/* The app's settings in kv. */
static const char KV_DEVICE_UNIT[] = "device.unit", KV_SERVER_NOTE[] = "settings.server_url",
                  KV_LANG[] = "ui.lang", KV_LOCK_MINUTES[] = "ui.lock_minutes";

int db_enrolment_put(db *d, const db_enrolment *e, const char *ca_pem)
{
    if (!e->server_url[0] || !e->device_id[0] || !e->device_secret[0] || !e->unit_id[0])
        return db_fail(d, DB_INVALID,
                       "An enrolment needs the server, the device's credentials "
                       "and the unit.");
    if (ca_pem && strlen(ca_pem) > DB_ENROL_CA_MAX)
        return db_fail(d, DB_INVALID, "The server's certificate is longer than %d bytes.",
                       DB_ENROL_CA_MAX);
    int rc = db_begin(d);
    if (rc != DB_OK)
        return rc;
    const char *keys[] = {CFG_URL, CFG_DEVICE, CFG_SECRET, CFG_UNIT, CFG_CA, CFG_PIN};
    const char *vals[] = {e->server_url, e->device_id,         e->device_secret,
                          e->unit_id,    ca_pem ? ca_pem : "", e->pin};
    for (size_t i = 0; rc == DB_OK && i < sizeof keys / sizeof keys[0]; i++)
        rc = db_sync_config_put(d, keys[i], vals[i]);
    return db_end(d, rc);
}

/* Reads one sync setting into a field; a missing optional one is "". */
static int cfg_read(db *d, const char *key, char *out, size_t cap, int optional)
{
    int rc = db_sync_config_get(d, key, out, cap);
    return rc == DB_NOTFOUND && optional ? DB_OK : rc;
}

int db_enrolment_get(db *d, db_enrolment *out)
{
    memset(out, 0, sizeof *out);
    int rc;
    if ((rc = cfg_read(d, CFG_DEVICE, out->device_id, sizeof out->device_id, 0)) != DB_OK ||
        (rc = cfg_read(d, CFG_URL, out->server_url, sizeof out->server_url, 0)) != DB_OK ||
        (rc = cfg_read(d, CFG_SECRET, out->device_secret, sizeof out->device_secret, 0)) != DB_OK ||
        (rc = cfg_read(d, CFG_UNIT, out->unit_id, sizeof out->unit_id, 1)) != DB_OK ||
        (rc = cfg_read(d, CFG_PIN, out->pin, sizeof out->pin, 1)) != DB_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    if (!out->device_id[0]) {
        memset(out, 0, sizeof *out);
        return db_fail(d, DB_NOTFOUND, "This tablet is not enrolled with a server.");
    }
    return db_ok(d);
}

int db_enrolment_ca(db *d, char *out, size_t cap) { return cfg_read(d, CFG_CA, out, cap, 1); }

int db_enrolled(db *d)
{
    char dev[64];
    return db_sync_config_get(d, CFG_DEVICE, dev, sizeof dev) == DB_OK && dev[0];
}

int db_device_unit_get(db *d, model_id out)
{
    return db_kv_get(d, KV_DEVICE_UNIT, out, sizeof(model_id));
}

int db_device_unit_put(db *d, const char *unit_id)
{
    char err[160];
    if (model_id_check(unit_id, "The tablet's unit", err, sizeof err))
        return db_fail(d, DB_INVALID, "%s", err);
    return db_kv_put(d, KV_DEVICE_UNIT, unit_id);
}

int db_server_note_get(db *d, char *out, size_t cap)
{
    return db_kv_get(d, KV_SERVER_NOTE, out, cap);
}

int db_server_note_put(db *d, const char *url) { return db_kv_put(d, KV_SERVER_NOTE, url); }

/* ---- the app's settings ---- */

int db_ui_lang_get(db *d, char out[3]) { return db_kv_get(d, KV_LANG, out, 3); }

int db_ui_lang_put(db *d, const char *lang)
{
    if (!lang || (strcmp(lang, "da") && strcmp(lang, "en")))
        return db_fail(d, DB_INVALID, "The language must be da or en.");
    return db_kv_put(d, KV_LANG, lang);
}

int db_ui_lock_minutes_get(db *d, int *minutes)
{
    char v[16];
    *minutes = 0;
    int rc = db_kv_get(d, KV_LOCK_MINUTES, v, sizeof v);
    if (rc == DB_OK && sscanf(v, "%d", minutes) != 1)
        *minutes = 0;
    return rc;
}

int db_ui_lock_minutes_put(db *d, int minutes)
{
    if (minutes < 1 || minutes > 24 * 60)
        return db_fail(d, DB_INVALID, "The lock time must be 1 minute to a day.");
    char v[16];
    snprintf(v, sizeof v, "%d", minutes);
    return db_kv_put(d, KV_LOCK_MINUTES, v);
}
