#ifndef BLIK_FAKESRV_H
#define BLIK_FAKESRV_H
/* Fake servers for the fault tests, on loopback, one thread each:
 * - a captive portal: answers any request, on plain HTTP, with 200 and a
 *   sign-in page (as portals do; a TLS hello gets the same page);
 * - a portal behind a trusted certificate: TLS, then 200 and a page;
 * - a failing Blik server: TLS with the given certificate; answers the ping
 *   as Blik does, and anything else with a status (500, 503, 429) and, if given,
 *   Retry-After; with 200, anything else with an answer to a push that
 *   answers none of its changes.
 * It counts the HTTP requests whose headers it read in full. */
typedef struct fakesrv fakesrv;

typedef enum { FAKE_PORTAL = 0, FAKE_PORTAL_TLS, FAKE_STATUS } fake_mode;

/* cert/key: PEM files (TLS modes only). status/retry_after: FAKE_STATUS.
 * 0 or -1. */
int fakesrv_start(fake_mode mode, const char *cert, const char *key, int status, int retry_after,
                  fakesrv **out);
int fakesrv_port(const fakesrv *f);
/* HTTP requests received in full (headers), and TLS handshakes completed. */
int fakesrv_requests(fakesrv *f);
/* fakesrv_stop(NULL) is a no-op. */
void fakesrv_stop(fakesrv *f);

#endif
