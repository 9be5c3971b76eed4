/*
 * HTTPS for the sync client: one curl easy handle per client, used by one
 * thread at a time (a pull's next page is fetched on a thread of its own
 * while the caller's saves a page, and nothing else uses the handle then),
 * kept between requests so that the connection and the TLS session are
 * reused. Verification of the peer and the host name is always on; a
 * private CA comes from the enrolment, and a key pin if one was given.
 * Every answer is bounded (SYNC_REPLY_MAX), every transfer has a connect
 * timeout, a stall timeout and a total timeout.
 */
#include "sync_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* OpenSSL's verify results (x509_vfy.h) for a certificate out of date; the
 * numbers are part of OpenSSL's stable interface, and naming them here
 * spares the sync engine OpenSSL's headers. */
#define VERIFY_NOT_YET_VALID 9
#define VERIFY_EXPIRED 10

int sync_fail(sync_client *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return rc;
}

typedef struct {
    sync_http_resp *r;
    size_t cap;
} sink;

/* Collects the answer, refusing to grow past SYNC_REPLY_MAX: returning less
 * than given makes curl stop the transfer with a write error. */
static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    size_t add = size * n;
    if (s->r->len + add > (size_t)SYNC_REPLY_MAX) {
        s->r->too_big = 1;
        return 0;
    }
    if (s->r->len + add + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 16384;
        while (cap < s->r->len + add + 1)
            cap *= 2;
        char *nb = realloc(s->r->body, cap);
        if (!nb)
            return 0;
        s->r->body = nb;
        s->cap = cap;
    }
    memcpy(s->r->body + s->r->len, p, add);
    s->r->len += add;
    s->r->body[s->r->len] = '\0';
    return add;
}

/* Picks out the headers sync cares about: Retry-After (seconds),
 * Blik-Server (that the answer is from a Blik server at all) and
 * Blik-Push-Order (that the server keeps pushes in order when asked). */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    sync_http_resp *r = ud;
    size_t len = size * n;
    if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
        long v = strtol(p + 12, NULL, 10);
        if (v > 0)
            r->retry_after_s = v > 86400 ? 86400 : v;
    } else if (len > 12 && !strncasecmp(p, PROTO_PING_HEADER ":", strlen(PROTO_PING_HEADER) + 1)) {
        r->blik = 1;
    } else if (len > strlen(PROTO_PUSH_ORDER_HEADER) &&
               !strncasecmp(p, PROTO_PUSH_ORDER_HEADER ":", strlen(PROTO_PUSH_ORDER_HEADER) + 1)) {
        r->push_order = 1;
    } else if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
        /* A new answer (after a 100 Continue, say): forget the old headers. */
        r->retry_after_s = 0;
        r->blik = 0;
        r->push_order = 0;
    }
    return len;
}

/* Lets the engine stop a transfer at once when the app shuts sync down,
 * rather than after the stall timeout. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    sync_client *c = ud;
    return c->should_stop && c->should_stop(c->stop_ud) ? 1 : 0;
}

void sync_http_free(sync_http_resp *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

static void count_bytes(CURL *h, sync_report *rep)
{
    if (!rep)
        return;
    long req = 0, hdr = 0;
    curl_off_t up = 0, down = 0;
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &req);
    curl_easy_getinfo(h, CURLINFO_HEADER_SIZE, &hdr);
    curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &down);
    rep->requests++;
    rep->bytes_up += req + (up > 0 ? up : 0);
    rep->bytes_down += hdr + (down > 0 ? down : 0);
}

void sync_http(sync_client *c, const char *method, const char *url, const char *authz,
               const char *body, size_t len, int gzip, sync_report *rep, sync_http_resp *out)
{
    sync_http_on(c, c->curl, NULL, method, url, authz, body, len, gzip, rep, out);
}

void sync_http_on(sync_client *c, CURL *h, const char *const *extra, const char *method,
                  const char *url, const char *authz, const char *body, size_t len, int gzip,
                  sync_report *rep, sync_http_resp *out)
{
    memset(out, 0, sizeof *out);
    curl_easy_reset(h);
    char *zbody = NULL;
    size_t zlen = 0;
    if (body && gzip == SYNC_BODY_GZIP &&
        proto_gzip(body, len, PROTO_GZIP_FAST, &zbody, &zlen) == 0) {
        body = zbody;
        len = zlen;
    } else if (!body || gzip != SYNC_BODY_GZIPPED) {
        gzip = SYNC_BODY_PLAIN;
    }
    struct curl_slist *hdrs = NULL, *tmp;
    char auth[200];
    int ok = 1;
#define ADD(s)                                                                                     \
    do {                                                                                           \
        if ((tmp = curl_slist_append(hdrs, (s))))                                                  \
            hdrs = tmp;                                                                            \
        else                                                                                       \
            ok = 0;                                                                                \
    } while (0)
    ADD("Expect:"); /* no 100-continue round trip before a body */
    if (body)
        ADD("Content-Type: application/json");
    if (gzip)
        ADD("Content-Encoding: gzip");
    if (authz) {
        snprintf(auth, sizeof auth, "Authorization: %s", authz);
        ADD(auth);
    }
    for (int i = 0; extra && extra[i]; i++)
        ADD(extra[i]);
#undef ADD
    sink s = {out, 0};
    long stall_s = c->cfg.stall_ms / 1000;
    if (stall_s < 1)
        stall_s = 1;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "Blik/" BLIK_APP_VERSION);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->name_probe ? 0L : 2L);
    if (c->ca_pem) {
        struct curl_blob blob = {c->ca_pem, strlen(c->ca_pem), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (c->pin[0])
        curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, c->pin);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->cfg.timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, out->detail);
    if (c->should_stop) {
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    }
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    if (strcmp(method, "GET") && strcmp(method, "POST"))
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    out->cc = ok ? curl_easy_perform(h) : CURLE_OUT_OF_MEMORY;
    if (out->cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    else
        out->status = 0;
    if (out->cc == CURLE_PEER_FAILED_VERIFICATION)
        curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &out->verify);
    if (!out->detail[0])
        snprintf(out->detail, sizeof out->detail, "%s", curl_easy_strerror(out->cc));
    count_bytes(h, rep);
    /* The handle must not keep pointers into this call's memory. */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdrs);
    free(zbody);
    if (out->cc != CURLE_OK) {
        sync_http_free(out);
        out->status = 0;
    }
}

/* The plain-HTTP address to look for a captive portal at: the configured
 * one, or http:// on the server's own host and port. A portal answers plain
 * HTTP with a page of its own; a Blik server speaks only HTTPS there. */
static int probe_url(sync_client *c, char *out, size_t cap)
{
    if (c->cfg.portal_probe_url && *c->cfg.portal_probe_url) {
        snprintf(out, cap, "%s", c->cfg.portal_probe_url);
        return 0;
    }
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, c->url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        snprintf(out, cap, "http://%s:%s/v1/ping?nonce=portal-probe", host, port);
        rc = 0;
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

/* 1 if a plain-HTTP request is answered by something that is not a Blik
 * server: a captive portal's page. */
static int portal_answers(sync_client *c, sync_report *rep)
{
    char url[SYNC_URL_MAX + 64];
    if (probe_url(c, url, sizeof url) != 0)
        return 0;
    sync_config keep = c->cfg;
    if (c->cfg.timeout_ms > 5000)
        c->cfg.timeout_ms = 5000;
    sync_http_resp r;
    sync_http(c, "GET", url, NULL, NULL, 0, 0, rep, &r);
    c->cfg = keep;
    int portal = r.status > 0 && !(r.blik && r.status == 200);
    sync_http_free(&r);
    return portal;
}

/*
 * 1 if the server's certificate is trusted and in date but made out to
 * another name: a ping with the name check alone turned off gets an
 * answer. libcurl checks the name itself, and when it fails it does not
 * say so by a code of its own, so asking again is the one way that holds
 * across libcurl versions. The ping carries no credentials and nothing of
 * the tablet's, so nothing is given away should the server be an
 * impostor; its answer is only looked at for whether there was one.
 */
static int only_the_name_is_wrong(sync_client *c, sync_report *rep)
{
    char url[SYNC_URL_MAX + 64];
    snprintf(url, sizeof url, "%s/v1/ping?nonce=name-probe", c->url);
    sync_config keep = c->cfg;
    if (c->cfg.timeout_ms > 5000)
        c->cfg.timeout_ms = 5000;
    c->name_probe = 1;
    sync_http_resp r;
    sync_http(c, "GET", url, NULL, NULL, 0, 0, rep, &r);
    c->name_probe = 0;
    c->cfg = keep;
    int answered = r.status > 0;
    sync_http_free(&r);
    return answered;
}

int sync_http_no_answer(sync_client *c, const sync_http_resp *r, sync_report *rep)
{
    switch (r->cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return sync_fail(c, SYNC_OFFLINE,
                         "No network: the server's name cannot be found. "
                         "Everything stays saved on this tablet.");
    case CURLE_COULDNT_CONNECT:
        return sync_fail(c, SYNC_UNREACHABLE,
                         "The server is not answering. Everything stays "
                         "saved on this tablet and will be sent later.");
    case CURLE_OPERATION_TIMEDOUT:
        return sync_fail(c, SYNC_UNREACHABLE,
                         "The server did not answer in time. Everything "
                         "stays saved on this tablet and will be sent later.");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
        if (portal_answers(c, rep))
            return sync_fail(c, SYNC_CAPTIVE,
                             "Wi-Fi needs sign-in. Open a web page to sign in "
                             "to the Wi-Fi; sync will then continue.");
        if (r->cc == CURLE_SSL_CONNECT_ERROR)
            return sync_fail(c, SYNC_UNREACHABLE,
                             "The secure connection to the server broke "
                             "off (%s). Everything stays saved on this "
                             "tablet and will be sent later.",
                             r->detail);
        /* A certificate from the trusted CA that is out of date, or that
         * names another server, is a different fix from an untrusted one:
         * renew it, or correct the address. */
        if (r->cc == CURLE_PEER_FAILED_VERIFICATION &&
            (r->verify == VERIFY_EXPIRED || r->verify == VERIFY_NOT_YET_VALID))
            return sync_fail(c, SYNC_TLS_EXPIRED,
                             "The server's certificate has expired (or is not valid yet), so "
                             "nothing was sent. The server's administrator must renew it; if "
                             "it is new, check this tablet's date and time (%s).",
                             r->detail);
        if (r->cc == CURLE_PEER_FAILED_VERIFICATION && only_the_name_is_wrong(c, rep))
            return sync_fail(c, SYNC_TLS_NAME,
                             "The server's certificate is made out to another address than "
                             "the one this tablet uses, so nothing was sent. Check the server "
                             "address; the administrator may need a certificate that names "
                             "it (%s).",
                             r->detail);
        return sync_fail(c, SYNC_TLS,
                         "The server's certificate is not the one this tablet "
                         "trusts, so nothing was sent (%s). Check the server "
                         "address, or enrol the tablet again.",
                         r->detail);
    case CURLE_WRITE_ERROR:
        if (r->too_big)
            return sync_fail(c, SYNC_PROTOCOL,
                             "The server's answer was larger than this "
                             "tablet accepts.");
        return sync_fail(c, SYNC_NOMEM, "Out of memory while receiving from the server.");
    case CURLE_OUT_OF_MEMORY:
        return sync_fail(c, SYNC_NOMEM, "Out of memory while talking to the server.");
    default:
        return sync_fail(c, SYNC_UNREACHABLE,
                         "The connection to the server broke off (%s). "
                         "Everything stays saved on this tablet and will "
                         "be sent again.",
                         r->detail);
    }
}

int sync_http_error(sync_client *c, const sync_http_resp *r, const char *doing)
{
    proto_err e;
    proto_error_decode(r->body ? r->body : "", r->len, &e);
    if (!r->blik) {
        if (r->status == 200 || (r->status >= 300 && r->status < 400) || r->status == 511)
            return sync_fail(c, SYNC_CAPTIVE,
                             "Wi-Fi needs sign-in. Open a web page to sign in "
                             "to the Wi-Fi; sync will then continue.");
        if (r->status >= 500)
            return sync_fail(c, SYNC_SERVER,
                             "The server is not working right now (HTTP %ld) "
                             "while %s; it will be tried again later.",
                             r->status, doing);
        return sync_fail(c, SYNC_PROTOCOL,
                         "Something that is not a Blik server answered "
                         "(HTTP %ld) while %s.",
                         r->status, doing);
    }
    switch (e.code) {
    case PROTO_E_RATE_LIMITED:
        /* Busy, not broken: wait what the server asks and carry on, with
         * the same changes. */
        return sync_fail(c, SYNC_SERVER, "The server is busy; sync continues in %ld s.",
                         r->retry_after_s > 0 ? r->retry_after_s : 1L);
    case PROTO_E_UNAUTHORIZED: return sync_fail(c, SYNC_UNAUTHORIZED, "%s", e.msg);
    case PROTO_E_REVOKED:
        return sync_fail(c, SYNC_REVOKED,
                         "An administrator revoked this tablet, so the server accepts "
                         "nothing from it. Enrol it again; what was not sent stays on "
                         "this tablet.");
    case PROTO_E_WIPED:
        /* A lost or stolen tablet: what it holds goes at once, on this
         * thread's own handle, before anyone can look again; the app then
         * deletes the files and returns to its first screen. Unsent work
         * goes too, by design (SECURITY.md). */
        if (db_erase_all(c->d) != DB_OK)
            return sync_fail(c, SYNC_WIPED,
                             "An administrator asked for this tablet's data to be erased, and "
                             "erasing failed: %s",
                             db_errmsg(c->d));
        return sync_fail(c, SYNC_WIPED,
                         "An administrator revoked this tablet and asked for its data to be "
                         "erased; it was erased.");
    case PROTO_E_UPDATE_REQUIRED:
        return sync_fail(c, SYNC_UPDATE_APP, "The server needs a newer version of this app: %s",
                         e.msg);
    case PROTO_E_SCHEMA_TOO_NEW:
        return sync_fail(c, SYNC_UPDATE_SERVER,
                         "The server is older than this app and must be "
                         "updated: %s",
                         e.msg);
    default: break;
    }
    if (r->status >= 500)
        return sync_fail(c, SYNC_SERVER,
                         "The server is not working right now (HTTP %ld: %s) "
                         "while %s; it will be tried again later.",
                         r->status, e.msg, doing);
    return sync_fail(c, SYNC_REFUSED, "The server refused %s: %s", doing, e.msg);
}
