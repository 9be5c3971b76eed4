#ifndef BLIK_FAULTPROXY_H
#define BLIK_FAULTPROXY_H
/*
 * A TCP proxy on loopback that puts faults between a client and a server:
 * it forwards bytes both ways and, when a fault is armed, breaks the
 * connection at a chosen byte: cuts it (FIN), resets it (RST), or stalls it
 * (stops forwarding and holds it open until the client gives up). Faults
 * count bytes across connections from the moment they are armed, so with a
 * reused connection a cut can land in any request or reply of a round.
 * New connections can also be diverted to another port (a fake server: a
 * captive portal, or one that answers 503). It counts the bytes it carried,
 * which is the traffic on the wire (TLS included).
 *
 * Runs a thread per connection; everything it started is stopped and
 * joined by fproxy_stop().
 */
#include <stdint.h>

typedef struct fproxy fproxy;

typedef enum {
    FP_NONE = 0,
    FP_CUT,   /* close both sides once the byte budget is spent */
    FP_RESET, /* reset both sides (RST) once the byte budget is spent */
    FP_STALL  /* stop forwarding once the byte budget is spent; hold the connection */
} fp_fault;

typedef enum {
    FP_REQUEST = 0, /* count bytes from the client to the server */
    FP_REPLY = 1    /* count bytes from the server to the client */
} fp_dir;

/* Starts a proxy on 127.0.0.1 (a free port) forwarding to 127.0.0.1:target.
 * Returns 0, or -1 (and *out NULL). */
int fproxy_start(int target_port, fproxy **out);
int fproxy_port(const fproxy *p);
/* Forwards new connections to another port (after a server restart). */
void fproxy_set_target(fproxy *p, int target_port);
/* Arms a fault: after `after` more bytes in direction dir, the connection
 * carrying that byte is broken as fault says (the bytes before it are
 * forwarded). One-shot: disarmed once it fired. */
void fproxy_arm(fproxy *p, fp_fault fault, fp_dir dir, int64_t after);
/* Disarms any fault. */
void fproxy_disarm(fproxy *p);
/* 1 if the armed fault has fired since it was armed. */
int fproxy_fired(fproxy *p);
/* Sends the next n new connections to port instead of the target. */
void fproxy_divert(fproxy *p, int port, int n);
/* Closes every connection open now (the client must connect again). */
void fproxy_drop_all(fproxy *p);
/* Bytes carried since start (or the last reset): client->server, server->client. */
void fproxy_bytes(fproxy *p, int64_t *up, int64_t *down);
void fproxy_reset_bytes(fproxy *p);
/* Stops listening, closes every connection, joins every thread, frees.
 * fproxy_stop(NULL) is a no-op. */
void fproxy_stop(fproxy *p);

#endif
