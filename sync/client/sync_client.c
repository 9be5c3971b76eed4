/*
 * One sync round on the caller's thread: ping, push the outbox, pull pages.
 * What the server acknowledged is recorded in the same transaction for a
 * whole batch; a pulled page and its cursor are stored in one transaction;
 * a failure anywhere leaves the outbox as it was, to be sent again with the
 * same change ids.
 */
#include "sync_int.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARK_BATCH 500

const char *sync_rc_text(sync_rc rc)
{
    static const char *const t[] = {
        "Synced.",
        "Invalid input.",
        "This tablet is not connected to a server yet.",
        "No network.",
        "The server is not answering.",
        "Wi-Fi needs sign-in.",
        "The server's certificate is not trusted; nothing was sent.",
        "The server is not working right now.",
        "This tablet must be enrolled again.",
        "The app must be updated.",
        "The server must be updated.",
        "The server refused the request.",
        "The server's answer could not be understood.",
        "The tablet's storage failed.",
        "Out of memory.",
        "The server address must start with https://.",
        "An administrator revoked this tablet; it must be enrolled again.",
        "An administrator revoked this tablet and asked for its data to be erased.",
        "The server's certificate has expired; nothing was sent.",
        "The server's certificate is for another address; nothing was sent.",
    };
    return rc >= 0 && (size_t)rc < sizeof t / sizeof t[0] ? t[rc] : "Unknown outcome.";
}

/*
 * The transfers run with CURLOPT_NOSIGNAL (signals and threads do not mix),
 * and then libcurl leaves SIGPIPE to the program: a TLS peer that drops the
 * connection while we write would otherwise end the whole app, mid-
 * observation. A broken connection is an error the engine already handles,
 * so the signal is ignored for the process, once, before any thread.
 */
int sync_global_init(void)
{
    signal(SIGPIPE, SIG_IGN);
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? SYNC_OK : SYNC_NOMEM;
}

static void defaults(sync_config *c)
{
#define DEF(f, v)                                                                                  \
    if (c->f <= 0)                                                                                 \
    c->f = (v)
    DEF(connect_timeout_ms, 10000);
    DEF(stall_ms, 20000);
    DEF(timeout_ms, 120000);
    DEF(push_batch, PROTO_PUSH_MAX);
    DEF(pull_limit, PROTO_PULL_MAX);
    DEF(backoff_min_ms, 2000);
    DEF(backoff_max_ms, 300000);
    DEF(poll_ms, 2000);
    DEF(pull_every_ms, 300000);
#undef DEF
    if (c->push_batch > PROTO_PUSH_MAX)
        c->push_batch = PROTO_PUSH_MAX;
    if (c->pull_limit > PROTO_PULL_MAX)
        c->pull_limit = PROTO_PULL_MAX;
    if (!c->sys)
        c->sys = plat_sys_os();
}

int sync_client_open(const sync_config *cfg, sync_client **out)
{
    sync_client *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return SYNC_NOMEM;
    c->cfg = *cfg;
    defaults(&c->cfg);
    if (!cfg->db_path)
        return sync_fail(c, SYNC_INVALID, "The sync client needs the store's path.");
    /* The paths in the config are the caller's; keep our own copy of it. */
    c->cfg.db_path = NULL;
    c->cfg.portal_probe_url = NULL;
    if (cfg->portal_probe_url && !(c->cfg.portal_probe_url = strdup(cfg->portal_probe_url)))
        return sync_fail(c, SYNC_NOMEM, "Out of memory.");
    if (db_open(cfg->db_path, c->cfg.sys, &c->d) != DB_OK ||
        db_page_cache_set(c->d, SYNC_PAGE_CACHE_KIB) != DB_OK)
        return sync_fail(c, SYNC_STORE, "The tablet's store could not be opened: %s",
                         db_errmsg(c->d));
    if (!(c->curl = curl_easy_init()))
        return sync_fail(c, SYNC_NOMEM, "Out of memory while starting sync.");
    return SYNC_OK;
}

void sync_client_close(sync_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    if (c->curl2)
        curl_easy_cleanup(c->curl2);
    db_close(c->d);
    free(c->ca_pem);
    free((char *)c->cfg.portal_probe_url);
    free(c);
}

const char *sync_errmsg(const sync_client *c) { return c ? c->err : "Out of memory."; }

db *sync_client_db(sync_client *c) { return c->d; }

/* Reads the enrolment from the store into the client. */
int sync_load_enrolment(sync_client *c)
{
    db_enrolment e;
    if (db_enrolment_get(c->d, &e) != DB_OK)
        return sync_fail(c, SYNC_NOT_ENROLLED,
                         "This tablet is not connected to a server yet: "
                         "enrol it in the settings.");
    snprintf(c->url, sizeof c->url, "%s", e.server_url);
    snprintf(c->authz, sizeof c->authz, "Bearer %s.%s", e.device_id, e.device_secret);
    snprintf(c->pin, sizeof c->pin, "%s", e.pin);
    memset(&e, 0, sizeof e);
    free(c->ca_pem);
    c->ca_pem = NULL;
    char *ca = malloc(DB_ENROL_CA_MAX + 1);
    if (!ca)
        return sync_fail(c, SYNC_NOMEM, "Out of memory.");
    if (db_enrolment_ca(c->d, ca, DB_ENROL_CA_MAX + 1) == DB_OK && ca[0])
        c->ca_pem = ca;
    else
        free(ca);
    return SYNC_OK;
}

int sync_enrolled(sync_client *c) { return db_enrolled(c->d); }

/* ---- ping ---- */

static int ping_url(sync_client *c, const char *base, sync_report *rep)
{
    unsigned char raw[12];
    char nonce[32], url[SYNC_URL_MAX + 64];
    if (c->cfg.sys->random(c->cfg.sys, raw, sizeof raw) != 0)
        return sync_fail(c, SYNC_NOMEM, "The tablet gave no randomness for a ping.");
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
    snprintf(url, sizeof url, "%s/v1/ping?nonce=%s", base, nonce);
    sync_http_resp r;
    sync_http(c, "GET", url, NULL, NULL, 0, 0, rep, &r);
    int rc;
    if (r.status == 0)
        rc = sync_http_no_answer(c, &r, rep);
    else if (r.status != 200)
        rc = sync_http_error(c, &r, "checking the connection");
    else if (proto_ping_reply_check(r.body ? r.body : "", r.len, nonce, NULL) != 0)
        /* A 200 that is not our server's exact answer: a portal's page. */
        rc = sync_fail(c, SYNC_CAPTIVE,
                       "Wi-Fi needs sign-in. Open a web page to sign in to "
                       "the Wi-Fi; sync will then continue.");
    else
        rc = SYNC_OK;
    sync_http_free(&r);
    if (rc == SYNC_OK)
        c->err[0] = '\0';
    return rc;
}

int sync_ping(sync_client *c, sync_report *rep)
{
    int rc = sync_load_enrolment(c);
    return rc != SYNC_OK ? rc : ping_url(c, c->url, rep);
}

/* ---- enrolment ---- */

/* Characters, not bytes, of a text already checked as UTF-8. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/*
 * Work saved under an earlier enrolment to another unit cannot go to the
 * new one (the server would refuse every change of it), and must not be
 * dropped without a word: each waiting change is moved to the refused
 * changes with a reason that says so, where the chip counts it and the
 * review screen and the observation's rows show it. The pull cursors were
 * the old unit's feed and start again. In the caller's transaction.
 */
static int refuse_other_unit(sync_client *c, const char *old_unit)
{
    char msg[200];
    model_unit u;
    if (db_unit_get(c->d, old_unit, &u) == DB_OK)
        snprintf(msg, sizeof msg,
                 "Saved while this tablet belonged to %.80s; the tablet now belongs to another "
                 "unit, so it was not sent.",
                 u.name);
    else
        snprintf(msg, sizeof msg,
                 "Saved while this tablet belonged to another unit; the tablet now belongs to "
                 "a new one, so it was not sent.");
    for (;;) {
        db_outbox_entry ent[64];
        int n = 0;
        if (db_outbox_peek(c->d, 0, 64, ent, &n) != DB_OK)
            return DB_IO;
        int rc = DB_OK;
        for (int i = 0; i < n && rc == DB_OK; i++)
            rc = db_sync_ack(c->d, ent[i].change_id, DB_SYNC_ACK_REJECTED, 0, "other_unit", msg);
        db_outbox_entries_free(ent, n);
        if (rc != DB_OK)
            return rc;
        if (n < 64)
            break;
    }
    model_id people[64];
    int n = 0;
    if (db_sync_followed(c->d, people, 64, &n) != DB_OK)
        return DB_IO;
    for (int i = 0; i < n; i++)
        if (db_sync_cursor_put(c->d, people[i], 0) != DB_OK)
            return DB_IO;
    return DB_OK;
}

/* Stores a new enrolment over any earlier one. To the same unit again (a
 * revoked tablet enrolled anew), everything waiting is sent with the new
 * credentials as it would have been; to another unit, see above. One
 * transaction, so a crash leaves the old enrolment or the whole new one. */
static int store_enrolment(sync_client *c, const db_enrolment *en, const char *ca_pem)
{
    db_enrolment old;
    int had = db_enrolment_get(c->d, &old) == DB_OK && old.unit_id[0];
    int other = had && strcmp(old.unit_id, en->unit_id) != 0;
    memset(&old.device_secret, 0, sizeof old.device_secret);
    if (db_batch_begin(c->d) != DB_OK)
        return DB_IO;
    int rc = other ? refuse_other_unit(c, old.unit_id) : DB_OK;
    if (rc == DB_OK)
        rc = db_enrolment_put(c->d, en, ca_pem);
    int end = db_batch_end(c->d, rc == DB_OK);
    return rc != DB_OK ? rc : end;
}

int sync_enrol(sync_client *c, const sync_enrolment *e)
{
    if (!e)
        return sync_fail(c, SYNC_INVALID, "No enrolment was given.");
    if (!e->server_url || strncmp(e->server_url, "https://", 8) != 0 ||
        strlen(e->server_url) >= SYNC_URL_MAX - 1)
        return sync_fail(c, SYNC_BAD_ADDRESS, "The server address must start with https://.");
    if (!e->code || !*e->code || strlen(e->code) > PROTO_CODE_MAX)
        return sync_fail(c, SYNC_INVALID, "Type the enrolment code the administrator gave you.");
    if (e->pin && *e->pin &&
        (strncmp(e->pin, "sha256//", 8) != 0 || strlen(e->pin) >= sizeof c->pin))
        return sync_fail(c, SYNC_INVALID, "The key pin must look like sha256//<base64>.");
    if (e->ca_pem &&
        (!strstr(e->ca_pem, "-----BEGIN CERTIFICATE-----") || strlen(e->ca_pem) > DB_ENROL_CA_MAX))
        return sync_fail(c, SYNC_INVALID, "The CA must be a certificate in PEM form.");
    const char *name = e->device_name ? e->device_name : "";
    char why[MODEL_ERR_MAX];
    if (*name && (model_name_check(name, PROTO_DEVICE_NAME_MAX, "name", why, sizeof why) != 0 ||
                  utf8_chars(name) > PROTO_DEVICE_NAME_CHARS))
        return sync_fail(c, SYNC_INVALID,
                         "The tablet's name must be one line of at most %d characters.",
                         PROTO_DEVICE_NAME_CHARS);
    proto_enrol req = {PROTO_SCHEMA, "", ""};
    snprintf(req.code, sizeof req.code, "%s", e->code);
    snprintf(req.name, sizeof req.name, "%s", name);

    /* Use the new settings for these requests only. */
    char base[SYNC_URL_MAX];
    snprintf(base, sizeof base, "%s", e->server_url);
    size_t bl = strlen(base);
    while (bl > 8 && base[bl - 1] == '/')
        base[--bl] = '\0';
    free(c->ca_pem);
    c->ca_pem = e->ca_pem ? strdup(e->ca_pem) : NULL;
    snprintf(c->pin, sizeof c->pin, "%s", e->pin ? e->pin : "");
    snprintf(c->url, sizeof c->url, "%s", base);
    if (e->ca_pem && !c->ca_pem)
        return sync_fail(c, SYNC_NOMEM, "Out of memory.");

    int rc = ping_url(c, base, NULL);
    if (rc != SYNC_OK)
        return rc;
    char *body = proto_enrol_encode(&req);
    if (!body)
        return sync_fail(c, SYNC_NOMEM, "Out of memory.");
    char url[SYNC_URL_MAX + 16];
    snprintf(url, sizeof url, "%s/v1/enrol", base);
    sync_http_resp r;
    sync_http(c, "POST", url, NULL, body, strlen(body), 0, NULL, &r);
    free(body);
    if (r.status == 0) {
        rc = sync_http_no_answer(c, &r, NULL);
        sync_http_free(&r);
        return rc;
    }
    if (r.status != 200) {
        rc = sync_http_error(c, &r, "the enrolment");
        sync_http_free(&r);
        return rc;
    }
    proto_enrol_reply rep;
    proto_err pe;
    int bad = proto_enrol_reply_decode(r.body, r.len, &rep, &pe);
    sync_http_free(&r);
    if (bad)
        return sync_fail(c, SYNC_PROTOCOL,
                         "The server's answer to the enrolment could not be "
                         "read: %s",
                         pe.msg);
    db_enrolment en = {0};
    snprintf(en.server_url, sizeof en.server_url, "%s", base);
    snprintf(en.device_id, sizeof en.device_id, "%s", rep.device_id);
    snprintf(en.device_secret, sizeof en.device_secret, "%s", rep.device_secret);
    snprintf(en.unit_id, sizeof en.unit_id, "%s", rep.unit_id);
    snprintf(en.pin, sizeof en.pin, "%s", e->pin ? e->pin : "");
    memset(&rep, 0, sizeof rep);
    int stored = store_enrolment(c, &en, e->ca_pem);
    memset(&en, 0, sizeof en);
    if (stored != DB_OK)
        return sync_fail(c, SYNC_STORE, "The enrolment could not be saved on the tablet: %s",
                         db_errmsg(c->d));
    c->err[0] = '\0';
    return SYNC_OK;
}
