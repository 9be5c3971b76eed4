/*
 * Push and pull. The outbox is sent oldest first in batches; the answers of
 * a batch are recorded in one transaction, and an entry leaves the outbox
 * only through an answer. A pulled page is applied with its cursor in one
 * transaction, so a cut connection or a killed app repeats a page, never
 * skips one.
 */
#include "sync_int.h"

#include "db_plan.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARK_BATCH 200
#define MAX_FOLLOWED 64

/* What an answer to a POST means: SYNC_OK with *r holding a 200 answer, or
 * an outcome with the message set (r freed). */
static int post_answer(sync_client *c, sync_report *rep, sync_http_resp *r, const char *doing)
{
    if (rep && r->retry_after_s > rep->retry_after_s)
        rep->retry_after_s = r->retry_after_s;
    if (r->status == 200 && r->blik)
        return SYNC_OK;
    int rc = r->status == 0     ? sync_http_no_answer(c, r, rep)
             : r->status == 200 ? sync_fail(c, SYNC_CAPTIVE,
                                            "Wi-Fi needs sign-in. Open a web page to sign in "
                                            "to the Wi-Fi; sync will then continue.")
                                : sync_http_error(c, r, doing);
    return rc;
}

/* POSTs a JSON body (len bytes, sent as gzip says: SYNC_BODY_*) to path
 * with the device's credentials; as post_answer. */
static int post(sync_client *c, const char *path, const char *body, size_t len, int gzip,
                sync_report *rep, sync_http_resp *r, const char *doing)
{
    char url[SYNC_URL_MAX + 32];
    snprintf(url, sizeof url, "%s%s", c->url, path);
    sync_http(c, "POST", url, c->authz, body, len, gzip, rep, r);
    return post_answer(c, rep, r, doing);
}

/*
 * A request sent in a thread while the caller goes on: the next page of a
 * pull while the page before is applied, and the next batch of a push while
 * the answers to the one before are recorded and the one after is made. The
 * server reads and writes while the tablet writes its store, instead of each
 * waiting for the other. The thread does the transfer alone (sync_http,
 * which uses the client's curl handle and settings, untouched meanwhile);
 * what its answer means is read once it is joined, as if it had come then.
 * A pull's page is also decoded in the thread, which touches nothing but
 * the answer: that is a third of what a page costs the tablet, done while
 * the page before is written.
 */
typedef struct {
    sync_client *c;
    CURL *h; /* the client's handle, or its second one */
    char url[SYNC_URL_MAX + 80];
    char hdr[64];         /* "Blik-Push: <id>" for a push */
    const char *extra[2]; /* hdr, or nothing */
    const char *body;     /* the caller's, kept until the join */
    size_t len;
    int gzip;
    sync_report rep;  /* the transfer's requests and bytes */
    sync_http_resp r; /* its answer */
    int read_page;    /* decode a pull's answer into page */
    int decoded;      /* 1: page holds the answer; -1: it could not be read (why in err) */
    proto_pull_reply page;
    proto_err err;
    pthread_t th;
} transfer;

static void *transfer_main(void *arg)
{
    transfer *f = arg;
    sync_http_on(f->c, f->h, f->extra, "POST", f->url, f->c->authz, f->body, f->len, f->gzip,
                 &f->rep, &f->r);
    /* Only an answer that post_answer takes is read. */
    if (f->read_page && f->r.status == 200 && f->r.blik)
        f->decoded = proto_pull_reply_decode(f->r.body, f->r.len, &f->page, &f->err) == 0 ? 1 : -1;
    return NULL;
}

/* Starts POSTing body to path on the handle h; a push names itself by
 * push_id (NULL for a pull). 0, or -1 when no thread could be made, in
 * which case the caller sends it itself when needed. */
static int transfer_start(sync_client *c, transfer *f, CURL *h, const char *path,
                          const char *push_id, const char *body, size_t len, int gzip,
                          int read_page)
{
    memset(f, 0, sizeof *f);
    f->c = c;
    f->h = h;
    f->body = body;
    f->len = len;
    f->gzip = gzip;
    f->read_page = read_page;
    snprintf(f->url, sizeof f->url, "%s%s", c->url, path);
    if (push_id) {
        snprintf(f->hdr, sizeof f->hdr, "%s: %s", PROTO_PUSH_ID_HEADER, push_id);
        f->extra[0] = f->hdr;
    }
    return pthread_create(&f->th, NULL, transfer_main, f) == 0 ? 0 : -1;
}

/* Waits for the transfer, its requests and bytes added to rep. */
static void transfer_end(transfer *f, sync_report *rep)
{
    pthread_join(f->th, NULL);
    if (rep) {
        rep->requests += f->rep.requests;
        rep->bytes_up += f->rep.bytes_up;
        rep->bytes_down += f->rep.bytes_down;
    }
}

/* Waits for the answer and hands it to r, read as post reads it. */
static int transfer_join(sync_client *c, transfer *f, sync_report *rep, sync_http_resp *r,
                         const char *doing)
{
    transfer_end(f, rep);
    *r = f->r;
    return post_answer(c, rep, r, doing);
}

/* Waits for an answer that will not be used (what came before it could not
 * be saved) and lets it go, whatever it was. */
static void transfer_drop(transfer *f, sync_report *rep)
{
    transfer_end(f, rep);
    sync_http_free(&f->r);
    if (f->decoded == 1)
        proto_pull_reply_clear(&f->page);
    f->decoded = 0;
}

/* Keeps a change the server can never take (unreadable here, or refused as
 * a whole request) on the tablet with the reason, so it cannot block the
 * changes after it. */
static int reject_locally(sync_client *c, const db_outbox_entry *e, const char *code,
                          const char *why)
{
    if (db_sync_ack(c->d, e->change_id, DB_SYNC_ACK_REJECTED, 0, code, why) != DB_OK)
        return sync_fail(c, SYNC_STORE, "Could not keep a refused change: %s", db_errmsg(c->d));
    return SYNC_OK;
}

/* Makes the wire change for an outbox entry: 0; -1 with why if it cannot be
 * read; -2 when memory ran out, which says nothing about the change. An
 * event sent from its row comes with the event its text was written from,
 * which is checked rather than read back from that text: four in five of a
 * push's changes, and reading them was a tenth of the tablet's work in a
 * push. */
static int to_change(const db_outbox_entry *e, proto_change *ch, char *why, size_t whylen)
{
    memset(ch, 0, sizeof *ch);
    model_entity ent;
    if (model_entity_parse(e->entity, &ent) != 0 || !model_entity_is_pushable(ent)) {
        snprintf(why, whylen, "This tablet cannot send a change of kind \"%s\".", e->entity);
        return -1;
    }
    model_err me;
    if (e->has_event && ent == MODEL_ENT_EVENT) {
        /* Checked by the reader's rules, as reading it would have. */
        char bad[PROTO_MESSAGE_MAX - 64];
        if (model_event_check(&e->event, bad, sizeof bad) != 0) {
            snprintf(why, whylen, "This change could not be read for sending: %.180s", bad);
            return -1;
        }
        if (!(ch->rec = model_record_new(ent)))
            return -2;
        ch->rec->u.event = e->event;
    } else if (!(ch->rec = model_record_new(ent))) {
        return -2;
    } else if (model_record_parse(ent, e->payload, ch->rec, &me) != 0) {
        snprintf(why, whylen, "This change could not be read for sending: %.180s", me.msg);
        proto_changes_clear(ch, 1);
        return me.code == MODEL_E_NOMEM ? -2 : -1;
    }
    memcpy(ch->change_id, e->change_id, sizeof ch->change_id);
    memcpy(ch->actor_id, e->actor_id, sizeof ch->actor_id);
    ch->base_version = e->base_version;
    /* Read (or checked) to know it is a record the server can take, then
     * sent as the text the outbox holds (the store wrote it with
     * model_record_text): the same record, without the work of writing it
     * again. */
    ch->text = e->payload;
    return 0;
}

/* Checks that the server answered each change sent, in order; SYNC_OK or
 * SYNC_PROTOCOL with the message set. */
static int answers_match(sync_client *c, const proto_change *ch, int n, const proto_push_reply *rp)
{
    if (rp->n != n)
        return sync_fail(c, SYNC_PROTOCOL, "The server answered %d of %d changes.", rp->n, n);
    for (int i = 0; i < n; i++)
        if (strcmp(rp->results[i].change_id, ch[i].change_id) != 0)
            return sync_fail(c, SYNC_PROTOCOL,
                             "The server's answers are not in the order of "
                             "the changes sent.");
    return SYNC_OK;
}

/* Whether an answer is "stored" (or "duplicate") to an event's entry. */
static int stored_event(const proto_result *x, const db_outbox_entry *e)
{
    return (x->status == PROTO_ST_STORED || x->status == PROTO_ST_DUPLICATE) &&
           !strcmp(e->entity, model_entity_name(MODEL_ENT_EVENT));
}

/* Records the answers to one batch in one transaction (answers_match has
 * checked them); ch[i] was made from ents[map[i]]. Each person who made a
 * change is followed (their records pulled here), asked once for a run of
 * changes by the same person. The transaction is not synced before the next
 * batch: should a power cut take it back, its changes are sent again and
 * the server answers each the same, as for an answer lost on the way. */
static int record_answers(sync_client *c, const db_outbox_entry *ents, const int *map,
                          const proto_change *ch, int n, const proto_push_reply *rp,
                          sync_report *rep)
{
    db *d = c->d;
    if (db_batch_begin_unsynced(d) != DB_OK)
        return sync_fail(c, SYNC_STORE, "%s", db_errmsg(d));
    /* The stored events' entries first, all at once when nothing else is
     * to be done for them (db_sync_ack_events_stored); without memory for
     * their list, one by one like the rest. */
    int64_t *ev = malloc((size_t)(n > 0 ? n : 1) * sizeof *ev);
    int n_ev = 0, ev_done = 0;
    for (int i = 0; ev && i < n; i++)
        if (stored_event(&rp->results[i], &ents[map[i]]))
            ev[n_ev++] = ents[map[i]].seq;
    int ok = db_sync_ack_events_stored(d, ev, n_ev, &ev_done) == DB_OK;
    free(ev);
    for (int i = 0; ok && i < n; i++) {
        const proto_result *x = &rp->results[i];
        db_sync_ack_kind k = x->status == PROTO_ST_STORED || x->status == PROTO_ST_DUPLICATE
                                 ? DB_SYNC_ACK_STORED
                             : x->status == PROTO_ST_CONFLICT ? DB_SYNC_ACK_CONFLICT
                                                              : DB_SYNC_ACK_REJECTED;
        ok = ((ev_done && stored_event(x, &ents[map[i]])) ||
              db_sync_ack_sent(d, &ents[map[i]], k, x->version < 0 ? 0 : x->version,
                               proto_code_name(x->code), x->message) == DB_OK) &&
             ((i > 0 && !strcmp(ch[i].actor_id, ch[i - 1].actor_id)) ||
              db_sync_follow(d, ch[i].actor_id) == DB_OK);
        if (rep) {
            rep->pushed++;
            rep->stored += k == DB_SYNC_ACK_STORED;
            rep->conflicts += k == DB_SYNC_ACK_CONFLICT;
            rep->rejected += k == DB_SYNC_ACK_REJECTED;
        }
    }
    if (!ok) {
        int rc = sync_fail(c, SYNC_STORE, "The server's answers could not be saved: %s",
                           db_errmsg(d));
        db_batch_end(d, 0);
        return rc;
    }
    if (db_batch_end(d, 1) != DB_OK)
        return sync_fail(c, SYNC_STORE, "The server's answers could not be saved: %s",
                         db_errmsg(d));
    return SYNC_OK;
}

/* One batch of a push: the entries claimed, the changes made of them
 * (ch[j] of ents[map[j]]; the unreadable ones already kept aside with their
 * reason) and the body that carries the changes. The arrays hold cap. */
typedef struct {
    db_outbox_entry *ents;
    proto_change *ch;
    int *map;
    int n, m;
    int64_t last;        /* the seq of the last entry claimed */
    int64_t mark_before; /* where the claim's mark stood before this claim */
    char *body;          /* malloc'd; NULL when m is 0 */
    size_t blen;
    char *zbody; /* the body gzip-compressed, malloc'd; NULL if that failed */
    size_t zlen;
    size_t rbytes; /* what its records take once read (model_record_size) */
} push_batch;

static int batch_init(push_batch *b, int cap)
{
    memset(b, 0, sizeof *b);
    b->ents = calloc((size_t)cap, sizeof *b->ents);
    b->ch = calloc((size_t)cap, sizeof *b->ch);
    b->map = calloc((size_t)cap, sizeof *b->map);
    return b->ents && b->ch && b->map ? 0 : -1;
}

/* Lets the batch's entries, changes and body go; the arrays stay. */
static void batch_clear(push_batch *b)
{
    db_outbox_entries_free(b->ents, b->n);
    proto_changes_clear(b->ch, b->m);
    free(b->body);
    free(b->zbody);
    b->body = b->zbody = NULL;
    b->n = b->m = 0;
    b->blen = b->zlen = b->rbytes = 0;
}

static void batch_free(push_batch *b)
{
    batch_clear(b);
    free(b->ents);
    free(b->ch);
    free(b->map);
}

/* Whether the server would refuse the batch whole as too large: its body
 * over what the server inflates, or its records over what it reads of a
 * push (PROTO_PUSH_RECORDS_MAX). Such a batch is split here, unsent. */
static int batch_too_big(const push_batch *b)
{
    return b->blen > (size_t)PROTO_INFLATED_MAX || b->rbytes > (size_t)PROTO_PUSH_RECORDS_MAX;
}

/* Claims the oldest max entries after seq `after` and makes them a body.
 * SYNC_OK with b->n 0 when nothing waits, or with b->m 0 when every entry
 * claimed was unreadable and kept aside; otherwise an outcome with the
 * message set (an entry that could not be made for want of memory stays in
 * the outbox). What b holds is the caller's to clear in every case. */
static int batch_make(sync_client *c, int64_t after, int max, push_batch *b)
{
    batch_clear(b);
    if (db_outbox_claimed_upto(c->d, &b->mark_before) != DB_OK ||
        db_outbox_claim(c->d, after, max, b->ents, &b->n) != DB_OK)
        return sync_fail(c, SYNC_STORE, "The changes to send could not be read: %s",
                         db_errmsg(c->d));
    if (b->n == 0)
        return SYNC_OK;
    b->last = b->ents[b->n - 1].seq;
    char why[PROTO_MESSAGE_MAX];
    int rc = SYNC_OK;
    for (int i = 0; rc == SYNC_OK && i < b->n; i++) {
        int made = to_change(&b->ents[i], &b->ch[b->m], why, sizeof why);
        if (made == 0) {
            b->rbytes += model_record_size(b->ch[b->m].rec->entity);
            b->map[b->m++] = i;
        } else if (made == -2) /* the change stays for the next round */
            rc = sync_fail(c, SYNC_NOMEM, "Out of memory while sending.");
        else
            rc = reject_locally(c, &b->ents[i], "bad_value", why);
    }
    if (rc != SYNC_OK || b->m == 0)
        return rc;
    proto_push p = {PROTO_SCHEMA, b->m, b->ch};
    if (!(b->body = proto_push_encode(&p)))
        return sync_fail(c, SYNC_NOMEM, "Out of memory while sending.");
    b->blen = strlen(b->body);
    /* Compressed here, while the batch before travels, rather than when
     * it is sent, after that batch's answer: the server waits for each
     * push's body, and compressing a full batch costs milliseconds. A
     * batch too large to send is split, not sent: not compressed. */
    if (batch_too_big(b) || proto_gzip(b->body, b->blen, PROTO_GZIP_FAST, &b->zbody, &b->zlen) != 0)
        b->zbody = NULL;
    return SYNC_OK;
}

/* What goes on the wire for a batch: its compressed body, or the body to be
 * compressed when sent (*len its length, *gzip how it goes). */
static const char *batch_wire(const push_batch *b, size_t *len, int *gzip)
{
    *len = b->zbody ? b->zlen : b->blen;
    *gzip = b->zbody ? SYNC_BODY_GZIPPED : SYNC_BODY_GZIP;
    return b->zbody ? b->zbody : b->body;
}

/* A batch claimed and never sent is the tablet's alone again: the claim's
 * mark goes back to where it stood before the claim, so that what an
 * earlier round sent stays marked. DB_OK, or the store's failure (then the
 * mark stays higher, which only keeps its observations from being
 * discarded on the tablet until they are sent). */
static int untake(sync_client *c, const push_batch *b)
{
    return b->n > 0 ? db_outbox_unclaim(c->d, b->mark_before) : DB_OK;
}

/* The handle of transfer slot k: the client's own, or its second, made
 * when first needed (NULL if it could not be). */
static CURL *slot_handle(sync_client *c, int k)
{
    if (k == 0)
        return c->curl;
    if (!c->curl2)
        c->curl2 = curl_easy_init();
    return c->curl2;
}

/* A batch on its way: its transfer and the push's id. A push's two
 * flights are fl[0] and fl[1], each on the handle of its number; a flight
 * is never copied while its thread runs, which writes into it. */
typedef struct {
    transfer f;
    int after; /* sent to be stored only after the batch before it */
    model_id id;
} flight;

/* Starts batch b as flight k (fl is &flights[k]), to be stored after the
 * push `after` names when it is not NULL. 1 when on its way, 0 when it
 * could not start (no thread, or no second handle): the caller then sends
 * it in turn. */
static int fly(sync_client *c, flight *fl, const push_batch *b, int k, const char *after)
{
    CURL *h = slot_handle(c, k);
    if (!h || model_id_new(c->cfg.sys, fl->id) != 0)
        return 0;
    char path[80];
    if (after)
        snprintf(path, sizeof path, "%s%s", PROTO_PUSH_AFTER_PATH, after);
    else
        snprintf(path, sizeof path, "/v1/push");
    size_t wlen;
    int wgz;
    const char *wire = batch_wire(b, &wlen, &wgz);
    fl->after = after != NULL;
    return transfer_start(c, &fl->f, h, path, fl->id, wire, wlen, wgz, 0) == 0;
}

/* Whether a round goes on sending pushes early, having sent `early` so
 * and seen `overtaken` of them reach the server before the one they
 * follow: each such costs a request that stores nothing. A push overtakes
 * when the server handles it before the one before has begun to come to
 * it (a server waits for a push it is still reading), or when the two
 * reach different server processes behind a load balancer. So the round
 * goes on while at most two, or at most a quarter, of its early pushes
 * overtook. */
static int keep_early(int early, int overtaken) { return overtaken < 2 || overtaken * 4 <= early; }

/* batch_make for a batch made ahead of its turn: its failure is told only
 * when its turn comes, so the message is kept in err (SYNC_ERR_MAX). */
static int make_ahead(sync_client *c, int64_t after, int max, push_batch *b, char *err)
{
    int rc = batch_make(c, after, max, b);
    if (rc != SYNC_OK)
        snprintf(err, SYNC_ERR_MAX, "%s", c->err);
    return rc;
}

/* Whether a batch is made, readable and small enough to go. */
static int ready(const push_batch *b, int made, int rc)
{
    return made && rc == SYNC_OK && b->m > 0 && !batch_too_big(b);
}

/*
 * Sends the outbox oldest first, a batch a request. While a batch travels,
 * the next one is claimed and made; and when the server has said (by
 * PROTO_PUSH_ORDER_HEADER on an answer) that it keeps a push after the one
 * it names, the next one is sent at once on a second connection, to be
 * stored only after this one (PROTO_PUSH_AFTER_PATH). So the server reads
 * the next push while it stores this one, and the tablet's work on its
 * store and the server's on its database overlap; and when this one's
 * answer comes, the batch after the next goes at once, in the flight that
 * answer freed, before the answer is recorded. Otherwise the next batch
 * is sent once this one's answer has come (a 200: it is committed). Either
 * way the order holds: a batch is stored only after the one before it,
 * and its answer is recorded after that one's.
 *
 * A batch sent early is refused with out_of_order when the one before was
 * not stored when the server came to it, and nothing of it is stored: it
 * is sent again once that one's answer has come (keep_early says how many
 * such a round bears). A server without the path answers 404 and stores
 * nothing: the batch is sent again in turn, and the round sends one at a
 * time. Changes claimed but never sent (the batch before them failed) have
 * the claim's mark taken back, so that they are the tablet's alone again.
 */
int sync_push(sync_client *c, sync_report *rep)
{
    int rc = sync_load_enrolment(c);
    if (rc != SYNC_OK)
        return rc;
    int cap = c->cfg.push_batch, batch = cap;
    push_batch cur, next, third; /* third: the one after next, while cur's answers are recorded */
    int made = batch_init(&cur, cap);
    made |= batch_init(&next, cap);
    if (batch_init(&third, cap) != 0 || made != 0) {
        batch_free(&cur);
        batch_free(&next);
        batch_free(&third);
        return sync_fail(c, SYNC_NOMEM, "Out of memory while sending.");
    }
    char next_err[SYNC_ERR_MAX] = "", third_err[SYNC_ERR_MAX] = "";
    int next_rc = SYNC_OK, next_made = 0;
    int third_rc = SYNC_OK, third_made = 0, third_flying = 0;
    flight fl[2]; /* cur's is fl[cf], next's fl[!cf] */
    memset(fl, 0, sizeof fl);
    int cf = 0, cur_flying = 0, next_flying = 0;
    int ordered = 0;              /* the server's last answer said it keeps pushes in order */
    int early = 0, overtaken = 0; /* pushes sent early, and those that reached the server first */
    rc = batch_make(c, 0, batch, &cur);
    while (rc == SYNC_OK && cur.n > 0) {
        if (cur.m == 0) { /* every entry was kept aside */
            rc = batch_make(c, cur.last, batch, &cur);
            continue;
        }
        sync_http_resp r;
        memset(&r, 0, sizeof r);
        int too_big_here = batch_too_big(&cur);
        if (!too_big_here && !cur_flying)
            cur_flying = fly(c, &fl[cf], &cur, cf, NULL);
        if (cur_flying) {
            /* The next batch is made while this one travels, and goes at
             * once to a server that keeps pushes in order. */
            if (!next_made) {
                next_rc = make_ahead(c, cur.last, batch, &next, next_err);
                next_made = 1;
            }
            if (ordered && keep_early(early, overtaken) && !next_flying &&
                ready(&next, next_made, next_rc)) {
                next_flying = fly(c, &fl[!cf], &next, !cf, fl[cf].id);
                early += next_flying;
            }
            rc = transfer_join(c, &fl[cf].f, rep, &r, "the changes");
            cur_flying = 0;
        } else if (!too_big_here) {
            fl[cf].after = 0;
            size_t wlen;
            int wgz;
            const char *wire = batch_wire(&cur, &wlen, &wgz);
            rc = post(c, "/v1/push", wire, wlen, wgz, rep, &r, "the changes");
        }
        if (!too_big_here && r.blik)
            ordered = r.push_order;
        /* A 200 from the server says the batch is committed there, so the
         * next one may go at once, whatever the answer holds: it is read
         * while the next travels. */
        if (rc == SYNC_OK && !too_big_here && !next_flying && ready(&next, next_made, next_rc))
            next_flying = fly(c, &fl[!cf], &next, !cf, NULL);
        proto_err e;
        memset(&e, 0, sizeof e);
        if (!too_big_here && r.status >= 400 && r.status < 500)
            proto_error_decode(r.body ? r.body : "", r.len, &e);
        /* Sent early and not stored, because the batch before it was not
         * stored yet when the server came to it, or because the server
         * does not know the path: sent again in turn. */
        int again = !too_big_here && fl[cf].after && r.blik &&
                    ((r.status == 409 && e.code == PROTO_E_OUT_OF_ORDER) || r.status == 404);
        if (again && r.status == 404)
            ordered = 0;
        overtaken += again;
        int whole_refused = !again &&
                            (too_big_here || (r.status == 413) ||
                             (r.status == 400 && r.blik && e.code != PROTO_E_SCHEMA_TOO_NEW));
        proto_push_reply rp;
        int decoded = 0;
        if (!again && !whole_refused && rc == SYNC_OK) {
            proto_err pe;
            if (proto_push_reply_decode(r.body, r.len, &rp, &pe) != 0)
                rc = sync_fail(c, SYNC_PROTOCOL,
                               "The server's answer to a push could not be read: %s", pe.msg);
            else if ((rc = answers_match(c, cur.ch, cur.m, &rp)) != SYNC_OK)
                proto_push_reply_clear(&rp);
            else
                decoded = 1;
        }
        sync_http_free(&r);
        if (!decoded && next_flying) {
            /* This batch is not recorded, and the next one went (early,
             * or on a 200 whose answer could not be read). A Blik server's
             * 4xx to it says it stored nothing, as it must have done when
             * it went early and this one was not stored: then it is the
             * tablet's alone, as if never sent. Otherwise it may be stored,
             * and its changes are sent again (and answered the same). */
            transfer_end(&fl[!cf].f, rep);
            next_flying = 0;
            sync_http_resp *nr = &fl[!cf].f.r;
            int next_not_stored = nr->blik && nr->status >= 400 && nr->status < 500;
            if (!next_not_stored && again) { /* the round ends on the next one's outcome */
                int nrc = post_answer(c, NULL, nr, "the changes");
                rc = nrc != SYNC_OK ? nrc
                                    : sync_fail(c, SYNC_PROTOCOL,
                                                "The server stored a push "
                                                "before the one it must follow.");
            }
            sync_http_free(nr);
            if (!next_not_stored)
                break; /* rc says why */
        }
        if (again) {
            fl[cf].after = 0;
            rc = SYNC_OK;
            continue;
        }
        if (!decoded) {
            /* Nothing after cur was stored: the next batch is the tablet's
             * alone again. */
            int taken_back = !next_made || untake(c, &next) == DB_OK;
            batch_clear(&next);
            next_made = 0;
            next_rc = SYNC_OK;
            if (!whole_refused)
                break; /* rc says why */
            rc = taken_back ? SYNC_OK : sync_fail(c, SYNC_STORE, "%s", db_errmsg(c->d));
            if (rc != SYNC_OK)
                break;
            /* Split the batch until the change the server cannot take is
             * alone, then keep that one here with the reason. */
            int64_t after = cur.ents[0].seq - 1;
            if (cur.m > 1) {
                batch = cur.m / 2;
            } else {
                rc = reject_locally(c, &cur.ents[cur.map[0]],
                                    too_big_here ? "too_large" : proto_code_name(e.code),
                                    too_big_here ? "This change is too large to send." : e.msg);
                after = cur.ents[cur.map[0]].seq;
                batch = cap;
            }
            if (rc == SYNC_OK)
                rc = batch_make(c, after, batch, &cur);
            continue;
        }
        /* With the next batch on its way early, the one after it is made
         * and sent now, in the flight this one's answer has freed, before
         * this one's answers are recorded: so it reaches the server while
         * the next one is stored, and the server's lock on the unit passes
         * from push to push without waiting for this tablet's store. Made
         * after recording instead, it came to the server after the next
         * one had committed in two of three pushes of a long push. Its
         * entries are claimed after the next one's, as any batch made
         * ahead; their base versions are the outbox's own. */
        if (next_flying && ordered && keep_early(early, overtaken)) {
            third_rc = make_ahead(c, next.last, batch, &third, third_err);
            third_made = 1;
            if (ready(&third, 1, third_rc)) {
                third_flying = fly(c, &fl[cf], &third, cf, fl[!cf].id);
                early += third_flying;
            }
        }
        /* The next batch is on its way (or, if it could not be sent, goes
         * at the top of the loop), and this one's answers are recorded
         * while it travels. */
        rc = record_answers(c, cur.ents, cur.map, cur.ch, cur.m, &rp, rep);
        proto_push_reply_clear(&rp);
        int64_t last = cur.last;
        push_batch t = cur;
        cur = next;
        next = third;
        third = t;
        batch_clear(&third);
        cf = !cf;
        cur_flying = next_flying;
        next_flying = third_flying;
        third_flying = 0;
        if (rc == SYNC_OK && next_rc != SYNC_OK)
            rc = sync_fail(c, next_rc, "%s", next_err);
        /* A batch made and not on its way is sent at the top of the loop,
         * unless the round ends here. If its mark cannot be taken back, the
         * mark stays higher, which is safe; the round's own failure is the
         * one told. The later claim is taken back first, so that the mark
         * ends where the earliest one not on its way found it. */
        if (rc != SYNC_OK && third_made && !next_flying)
            (void)untake(c, &next);
        if (rc != SYNC_OK && next_made && !cur_flying)
            (void)untake(c, &cur);
        if (rc == SYNC_OK && !next_made)
            rc = batch_make(c, last, batch, &cur);
        next_made = third_made;
        next_rc = third_rc;
        snprintf(next_err, sizeof next_err, "%s", third_err);
        third_made = 0;
        third_rc = SYNC_OK;
    }
    if (cur_flying) /* its answer cannot be recorded: it is sent again next round */
        transfer_drop(&fl[cf].f, rep);
    if (next_flying)
        transfer_drop(&fl[!cf].f, rep);
    batch_free(&cur);
    batch_free(&next);
    batch_free(&third);
    if (rc == SYNC_OK)
        c->err[0] = '\0';
    return rc;
}

/* ---- pull ---- */

static int rank(model_entity e)
{
    switch (e) {
    case MODEL_ENT_UNIT: return 0;
    case MODEL_ENT_ROOM: return 1;
    case MODEL_ENT_PERSON: return 2;
    case MODEL_ENT_TEMPLATE: return 3;
    case MODEL_ENT_FOCUS: return 4;
    case MODEL_ENT_OBSERVATION: return 5;
    case MODEL_ENT_DELETED: return 7;
    default: return 6;
    }
}

/* Applies one record; parks it if what it points at is not here yet. */
static int apply_one(sync_client *c, const model_record *rec, int version, int force, int *parked)
{
    if (rec->entity == MODEL_ENT_DELETED) {
        if (db_sync_delete(c->d, model_entity_name(rec->u.deleted.entity), rec->u.deleted.id) !=
            DB_OK)
            return sync_fail(c, SYNC_STORE, "A deletion from the server could not be applied: %s",
                             db_errmsg(c->d));
        return SYNC_OK;
    }
    if (rec->entity == MODEL_ENT_PLAN)
        return db_plan_apply(c->d, &rec->u.plan, version) == DB_OK
                   ? SYNC_OK
                   : sync_fail(c, SYNC_STORE, "A planned observation could not be saved: %s",
                               db_errmsg(c->d));
    db_sync_item it = {rec, version};
    int rc = db_sync_apply(c->d, &it, force);
    if (rc == DB_NOTFOUND) {
        rc = db_sync_park(c->d, &it);
        ++*parked;
    }
    return rc == DB_OK ? SYNC_OK
                       : sync_fail(c, SYNC_STORE, "A pulled record could not be saved: %s",
                                   db_errmsg(c->d));
}

/* Tries the parked records again now that more has arrived, in the room
 * the pull keeps for them (c->park_room, let go when the pull ends). */
static int drain_parked(sync_client *c)
{
    int any;
    if (db_sync_parked_any(c->d, &any) != DB_OK)
        return sync_fail(c, SYNC_STORE, "%s", db_errmsg(c->d));
    if (!any)
        return SYNC_OK;
    if (!c->park_room && !(c->park_room = calloc(PARK_BATCH, sizeof *c->park_room)))
        return sync_fail(c, SYNC_NOMEM, "Out of memory while saving pulled records.");
    db_sync_parked *p = c->park_room;
    int rc = SYNC_OK;
    for (int pass = 0; rc == SYNC_OK && pass < 4; pass++) {
        int k = 0, progress = 0;
        if (db_sync_parked_list(c->d, PARK_BATCH, p, &k) != DB_OK) {
            rc = sync_fail(c, SYNC_STORE, "%s", db_errmsg(c->d));
            break;
        }
        for (int i = 0; rc == SYNC_OK && i < k; i++) {
            if (p[i].damaged) {
                /* Only the codec wrote it; if it cannot be read, drop it:
                 * the server still has it and a later pull brings it again. */
                if (db_sync_unpark(c->d, p[i].entity, p[i].key) != DB_OK)
                    rc = sync_fail(c, SYNC_STORE, "%s", db_errmsg(c->d));
                continue;
            }
            db_sync_item it = {&p[i].rec, p[i].version};
            int drc = db_sync_apply(c->d, &it, 0);
            if (drc == DB_OK) {
                progress++;
                if (db_sync_unpark(c->d, p[i].entity, p[i].key) != DB_OK)
                    rc = sync_fail(c, SYNC_STORE, "%s", db_errmsg(c->d));
            } else if (drc != DB_NOTFOUND) {
                rc = sync_fail(c, SYNC_STORE, "A pulled record could not be saved: %s",
                               db_errmsg(c->d));
            }
        }
        if (!progress)
            break;
    }
    return rc;
}

typedef struct {
    int idx, rank;
} order;

static int by_rank(const void *a, const void *b)
{
    const order *x = a, *y = b;
    return x->rank != y->rank ? x->rank - y->rank : x->idx - y->idx;
}

/* Stores one page and its cursor in one transaction. Records a page holds
 * are applied parents first (the unit before its rooms, an observation
 * before its events), since a record's latest version can come after its
 * parts in the feed. The transaction is not synced before the next page:
 * should a power cut take it back, its cursor goes with it and the page is
 * pulled again. (A sync per page was a sixth to a quarter of a page's
 * time in the store.) */
static int apply_page(sync_client *c, const char *person, const proto_pull_reply *p,
                      sync_report *rep)
{
    order *o = calloc(p->n ? (size_t)p->n : 1, sizeof *o);
    if (!o)
        return sync_fail(c, SYNC_NOMEM, "Out of memory while saving pulled records.");
    for (int i = 0; i < p->n; i++)
        o[i] = (order){i, rank(p->items[i].rec->entity)};
    qsort(o, (size_t)p->n, sizeof *o, by_rank);
    db *d = c->d;
    if (db_batch_begin_unsynced(d) != DB_OK) {
        free(o);
        return sync_fail(c, SYNC_STORE, "%s", db_errmsg(d));
    }
    int rc = db_sync_page_begin(d) == DB_OK ? SYNC_OK
                                            : sync_fail(c, SYNC_STORE, "%s", db_errmsg(d));
    int parked = 0;
    for (int i = 0; rc == SYNC_OK && i < p->n; i++)
        rc = apply_one(c, p->items[o[i].idx].rec, p->items[o[i].idx].version, 0, &parked);
    free(o);
    if (rc == SYNC_OK)
        rc = drain_parked(c);
    if (rc == SYNC_OK && db_sync_cursor_put(d, person, p->cursor) != DB_OK)
        rc = sync_fail(c, SYNC_STORE, "%s", db_errmsg(d));
    if (rc != SYNC_OK) {
        db_batch_end(d, 0);
        return rc;
    }
    if (db_batch_end(d, 1) != DB_OK)
        return sync_fail(c, SYNC_STORE, "Pulled records could not be saved: %s", db_errmsg(d));
    if (rep) {
        rep->pulled += p->n;
        rep->parked += parked;
    }
    return SYNC_OK;
}

static char *pull_body(const char *person, int64_t cursor, int limit)
{
    proto_pull q = {PROTO_SCHEMA, cursor, limit, ""};
    snprintf(q.person_id, sizeof q.person_id, "%.36s", person);
    return proto_pull_encode(&q);
}

/* Pulls a person's pages in order. The page after the cursor is asked for
 * while the page before is applied (transfer); a page is still applied only
 * after the one before it, with its cursor, so a failure anywhere repeats a
 * page and never skips one. */
static int pull_for(sync_client *c, const char *person, sync_report *rep)
{
    int64_t cursor;
    if (db_sync_cursor_get(c->d, person, &cursor) != DB_OK)
        return sync_fail(c, SYNC_STORE, "%s", db_errmsg(c->d));
    transfer f;
    char *asked = NULL; /* the body of the request in f, for the page after cursor */
    for (;;) {
        sync_http_resp r;
        int rc, decoded = 0;
        if (asked) {
            rc = transfer_join(c, &f, rep, &r, "the pull");
            decoded = f.decoded;
            free(asked);
            asked = NULL;
        } else {
            char *body = pull_body(person, cursor, c->cfg.pull_limit);
            if (!body)
                return sync_fail(c, SYNC_NOMEM, "Out of memory while pulling.");
            rc = post(c, "/v1/pull", body, strlen(body), SYNC_BODY_PLAIN, rep, &r, "the pull");
            free(body);
        }
        if (rc != SYNC_OK) {
            proto_err e;
            proto_error_decode(r.body ? r.body : "", r.len, &e);
            int gone = r.status == 403 && r.blik && e.code == PROTO_E_FORBIDDEN;
            sync_http_free(&r);
            /* A person who left the unit: nothing more comes for them. */
            return gone ? SYNC_OK : rc;
        }
        proto_pull_reply p;
        proto_err pe;
        int bad;
        if (decoded) { /* read in the thread */
            bad = decoded < 0;
            p = f.page;
            pe = f.err;
        } else {
            bad = proto_pull_reply_decode(r.body, r.len, &p, &pe);
        }
        sync_http_free(&r);
        if (bad)
            return sync_fail(c, SYNC_PROTOCOL,
                             "The server's answer to a pull could not be read: "
                             "%s",
                             pe.msg);
        if (p.cursor < cursor) {
            proto_pull_reply_clear(&p);
            return sync_fail(c, SYNC_PROTOCOL, "The server sent a pull cursor that goes back.");
        }
        int more = p.more && p.cursor > cursor;
        if (more && (asked = pull_body(person, p.cursor, c->cfg.pull_limit)) &&
            transfer_start(c, &f, c->curl, "/v1/pull", NULL, asked, strlen(asked), SYNC_BODY_PLAIN,
                           1) != 0) {
            free(asked);
            asked = NULL;
        }
        rc = apply_page(c, person, &p, rep);
        cursor = p.cursor;
        proto_pull_reply_clear(&p);
        if (rc != SYNC_OK || !more) {
            if (asked) {
                transfer_drop(&f, rep);
                free(asked);
            }
            return rc;
        }
    }
}

int sync_pull(sync_client *c, sync_report *rep)
{
    int rc = sync_load_enrolment(c);
    if (rc != SYNC_OK)
        return rc;
    model_id people[MAX_FOLLOWED];
    int n = 0;
    if (db_sync_pull_schema(c->d, PROTO_SCHEMA) != DB_OK ||
        db_sync_followed(c->d, people, MAX_FOLLOWED, &n) != DB_OK)
        return sync_fail(c, SYNC_STORE, "%s", db_errmsg(c->d));
    /* Reference data first (people[0] is ""), so that observations find
     * their people, rooms and focuses. */
    for (int i = 0; rc == SYNC_OK && i < n; i++)
        rc = pull_for(c, people[i], rep);
    free(c->park_room);
    c->park_room = NULL;
    if (rc == SYNC_OK)
        c->err[0] = '\0';
    return rc;
}

int sync_round(sync_client *c, sync_report *rep)
{
    sync_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    int rc = sync_ping(c, rep);
    if (rc == SYNC_OK)
        rc = sync_push(c, rep);
    if (rc == SYNC_OK)
        rc = sync_pull(c, rep);
    return rc;
}

int sync_conflict_take_theirs(db *d, const char *change_id, char *err, size_t errlen)
{
    db_sync_conflict *x = malloc(sizeof *x);
    int rc = SYNC_OK;
    if (!x) {
        snprintf(err, errlen, "Out of memory.");
        return SYNC_NOMEM;
    }
    int drc = db_sync_conflict_get(d, change_id, x);
    if (drc != DB_OK) {
        snprintf(err, errlen, "%s", db_errmsg(d));
        rc = drc == DB_NOTFOUND ? SYNC_INVALID : SYNC_STORE;
    } else if (!x->have_theirs) {
        snprintf(err, errlen, "The server's version has not arrived yet; sync, then choose.");
        rc = SYNC_INVALID;
    } else {
        db_sync_item it = {&x->theirs, x->server_version};
        if (db_batch_begin(d) != DB_OK) {
            snprintf(err, errlen, "%s", db_errmsg(d));
            rc = SYNC_STORE; /* nothing was begun, so nothing is ended */
        } else if (db_sync_apply(d, &it, 1) != DB_OK ||
                   db_sync_conflict_close(d, change_id) != DB_OK) {
            snprintf(err, errlen, "%s", db_errmsg(d));
            db_batch_end(d, 0);
            rc = SYNC_STORE;
        } else if (db_batch_end(d, 1) != DB_OK) {
            snprintf(err, errlen, "%s", db_errmsg(d));
            rc = SYNC_STORE;
        }
    }
    free(x);
    if (rc == SYNC_OK && errlen)
        err[0] = '\0';
    return rc;
}
