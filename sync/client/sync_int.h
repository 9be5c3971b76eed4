#ifndef BLIK_SYNC_INT_H
#define BLIK_SYNC_INT_H
/* Shared by the files of the sync client only. */
#include <curl/curl.h>

#include "proto.h"
#include "sync.h"

#define SYNC_ERR_MAX 320
#define SYNC_URL_MAX 512
#define SYNC_REPLY_MAX (64L * 1024 * 1024) /* a pull page of 500 large records fits */
/* The sync handle's page cache (db_page_cache_set): a pulled page's changes fit. */
#define SYNC_PAGE_CACHE_KIB 16384

struct sync_client {
    sync_config cfg;
    db *d;
    CURL *curl;
    /* A second handle, for a push sent while the one before it travels
     * (sync_push); made when first needed. */
    CURL *curl2;
    char err[SYNC_ERR_MAX];
    /* The enrolment, read from the store when a round starts. */
    char url[SYNC_URL_MAX];
    char authz[160];
    char pin[128];
    char *ca_pem; /* malloc'd, or NULL for the system's CAs */
    /* Set only while asking whether a certificate is wrong by its name
     * alone: the host name check is off for that one request. */
    int name_probe;
    /* Set by the engine: a transfer in progress stops when this says so. */
    int (*should_stop)(void *ud);
    void *stop_ud;
    /* Room for a batch of parked records while a pull runs (a record is
     * some 28 KiB, so a batch is megabytes: made once a pull, not once a
     * page); NULL between pulls. */
    db_sync_parked *park_room;
};

/* Reads the enrolment (server, credentials, CA, pin) from the store into
 * the client; SYNC_NOT_ENROLLED if there is none. */
int sync_load_enrolment(sync_client *c);

/* Sets the client's message and returns rc. */
int sync_fail(sync_client *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

typedef struct {
    long status; /* 0 if no HTTP answer */
    CURLcode cc; /* how the transfer ended */
    char *body;  /* the answer, decoded and NUL-terminated; malloc'd */
    size_t len;
    int too_big;        /* the answer passed SYNC_REPLY_MAX and was cut off */
    long retry_after_s; /* Retry-After in seconds, 0 if none */
    int blik;           /* the answer carried the Blik-Server header */
    /* and Blik-Push-Order: the server keeps a push sent to
     * PROTO_PUSH_AFTER_PATH in order */
    int push_order;
    long verify; /* after a failed certificate check: OpenSSL's verify result */
    char detail[CURL_ERROR_SIZE];
} sync_http_resp;

/*
 * One HTTPS request on the client's curl handle, with its TLS settings
 * (CA, pin) and timeouts. url is the full URL. body may be NULL (GET);
 * gzip: how the body goes (SYNC_BODY_*). Counts bytes in rep (may be
 * NULL). Always fills *out; release with sync_http_free().
 */
enum {
    SYNC_BODY_PLAIN = 0,   /* as it is */
    SYNC_BODY_GZIP = 1,    /* compressed here (as it is, should that fail) */
    SYNC_BODY_GZIPPED = 2, /* already gzip: sent as it is, said to be gzip */
};
void sync_http(sync_client *c, const char *method, const char *url, const char *authz,
               const char *body, size_t len, int gzip, sync_report *rep, sync_http_resp *out);
/* The same on the handle h (the client's own or its second), with the
 * headers in extra ("Name: value", NULL-terminated; may be NULL) added. */
void sync_http_on(sync_client *c, CURL *h, const char *const *extra, const char *method,
                  const char *url, const char *authz, const char *body, size_t len, int gzip,
                  sync_report *rep, sync_http_resp *out);
void sync_http_free(sync_http_resp *r);

/* Maps a transfer that got no HTTP answer to an outcome and a sentence on
 * the client, probing for a captive portal after a TLS failure. */
int sync_http_no_answer(sync_client *c, const sync_http_resp *r, sync_report *rep);
/* Maps an HTTP error answer (4xx/5xx) to an outcome and a sentence. */
int sync_http_error(sync_client *c, const sync_http_resp *r, const char *doing);

#endif
