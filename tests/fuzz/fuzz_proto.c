/*
 * Fuzz target: the wire codec's decoders, as a tablet or the server meets
 * them. The first byte picks the decoder, the rest is the message. Beyond
 * "no crash, no leak, no undefined behaviour", every message a decoder
 * accepts must survive being encoded again and decoded again, with the same
 * canonical form: a decoder that accepts what its own encoder cannot
 * reproduce would break idempotency (see PROTOCOL.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "fuzz_proto: %s failed at line %d\n", #x, __LINE__);                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A decoded push, re-encoded, must decode to the same canonical changes. */
static void push_round_trip(const proto_push *p)
{
    char *again = proto_push_encode(p);
    CHECK(again);
    proto_push q;
    proto_err e;
    if (proto_push_decode(again, strlen(again), &q, &e) != 0) {
        fprintf(stderr, "fuzz_proto: re-encoded push refused: %s\n%s\n", e.msg, again);
        abort();
    }
    CHECK(q.n == p->n);
    for (int i = 0; i < p->n; i++) {
        char *a = proto_change_canonical(&p->changes[i]),
             *b = proto_change_canonical(&q.changes[i]);
        CHECK(a && b);
        if (strcmp(a, b) != 0) {
            fprintf(stderr, "fuzz_proto: canonical form changed:\n%s\n%s\n", a, b);
            abort();
        }
        free(a);
        free(b);
    }
    proto_push_clear(&q);
    free(again);
}

static void pull_reply_round_trip(const proto_pull_reply *r)
{
    json_t *out = proto_pull_reply_begin(r->schema, r->cursor, r->more);
    CHECK(out);
    for (int i = 0; i < r->n; i++) {
        json_t *d = model_record_to_json(r->items[i].rec, NULL);
        CHECK(d);
        CHECK(proto_pull_reply_add(out, r->items[i].rec->entity, r->items[i].seq,
                                   r->items[i].version, d) == 0);
        json_decref(d);
    }
    char *s = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    CHECK(s);
    proto_pull_reply q;
    proto_err e;
    if (proto_pull_reply_decode(s, strlen(s), &q, &e) != 0) {
        fprintf(stderr, "fuzz_proto: re-encoded pull reply refused: %s\n%s\n", e.msg, s);
        abort();
    }
    CHECK(q.n == r->n && q.cursor == r->cursor && q.more == r->more);
    for (int i = 0; i < q.n; i++) {
        char ka[MODEL_RECORD_KEY_MAX], kb[MODEL_RECORD_KEY_MAX];
        model_record_key(r->items[i].rec, ka);
        model_record_key(q.items[i].rec, kb);
        CHECK(!strcmp(ka, kb));
    }
    proto_pull_reply_clear(&q);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned which = data[0] % 10;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    proto_err e;
    switch (which) {
    case 0: {
        proto_push p;
        if (proto_push_decode(body, len, &p, &e) == 0) {
            push_round_trip(&p);
            proto_push_clear(&p);
        } else {
            CHECK(e.code != PROTO_OK && e.msg[0]);
        }
        break;
    }
    case 1: {
        proto_push_reply r;
        if (proto_push_reply_decode(body, len, &r, &e) == 0) {
            char *s = proto_push_reply_encode(&r);
            CHECK(s);
            proto_push_reply q;
            CHECK(proto_push_reply_decode(s, strlen(s), &q, &e) == 0 && q.n == r.n);
            proto_push_reply_clear(&q);
            free(s);
            proto_push_reply_clear(&r);
        }
        break;
    }
    case 2: {
        proto_pull p;
        if (proto_pull_decode(body, len, &p, &e) == 0) {
            CHECK(p.limit >= 1 && p.limit <= PROTO_PULL_MAX && p.cursor >= 0);
            char *s = proto_pull_encode(&p);
            proto_pull q;
            CHECK(s && proto_pull_decode(s, strlen(s), &q, &e) == 0);
            CHECK(q.cursor == p.cursor && q.limit == p.limit && !strcmp(q.person_id, p.person_id));
            free(s);
        }
        break;
    }
    case 3: {
        proto_pull_reply r;
        if (proto_pull_reply_decode(body, len, &r, &e) == 0) {
            pull_reply_round_trip(&r);
            proto_pull_reply_clear(&r);
        }
        break;
    }
    case 4: {
        proto_enrol x;
        if (proto_enrol_decode(body, len, &x, &e) == 0) {
            char *s = proto_enrol_encode(&x);
            proto_enrol y;
            CHECK(s && proto_enrol_decode(s, strlen(s), &y, &e) == 0);
            CHECK(!strcmp(x.code, y.code) && !strcmp(x.name, y.name));
            free(s);
        }
        break;
    }
    case 5: {
        proto_enrol_reply x;
        if (proto_enrol_reply_decode(body, len, &x, &e) == 0) {
            char *s = proto_enrol_reply_encode(&x);
            proto_enrol_reply y;
            CHECK(s && proto_enrol_reply_decode(s, strlen(s), &y, &e) == 0);
            CHECK(!strcmp(x.device_secret, y.device_secret));
            free(s);
        }
        break;
    }
    case 6: {
        proto_error_decode(body, len, &e);
        CHECK(e.code >= 0 && e.code < PROTO_CODE_COUNT);
        CHECK(memchr(e.msg, 0, sizeof e.msg));
        break;
    }
    case 7: {
        /* The nonce is the first line, the answer the rest. */
        const char *nl = memchr(body, '\n', len);
        char nonce[PROTO_NONCE_MAX + 1] = "";
        if (nl && (size_t)(nl - body) <= PROTO_NONCE_MAX) {
            memcpy(nonce, body, (size_t)(nl - body));
            nonce[nl - body] = 0;
            len -= (size_t)(nl - body) + 1;
            body = nl + 1;
        }
        (void)proto_ping_reply_check(body, len, nonce, &e);
        break;
    }
    case 8: {
        char *out;
        size_t olen;
        if (proto_gunzip(body, len, 1 << 16, &out, &olen, &e) == 0) {
            CHECK(olen <= (1 << 16) && out[olen] == 0);
            free(out);
        } else {
            CHECK(e.code == PROTO_E_ENCODING || e.code == PROTO_E_TOO_LARGE ||
                  e.code == PROTO_E_NOMEM);
        }
        break;
    }
    default: {
        /* Any single record, by entity, through the model's codec: what
         * it accepts is written back into text it accepts again, the same,
         * and lists as fields a person reads. */
        if (len < 1)
            break;
        model_entity ent = (model_entity)(body[0] % MODEL_ENT_COUNT);
        char *text = malloc(len);
        CHECK(text);
        memcpy(text, body + 1, len - 1);
        text[len - 1] = 0;
        model_record *r = malloc(sizeof *r), *q = malloc(sizeof *q);
        CHECK(r && q);
        model_err me;
        if (model_record_parse(ent, text, r, &me) == 0) {
            char *back = model_record_text(r, &me);
            CHECK(back);
            if (model_record_parse(ent, back, q, &me) != 0) {
                fprintf(stderr, "fuzz_proto: re-encoded %s refused: %s\n", model_entity_name(ent),
                        me.msg);
                abort();
            }
            char *again = model_record_text(q, &me);
            CHECK(again && !strcmp(back, again));
            model_field f[MODEL_MAX_FIELDS];
            int n = model_record_fields(q, f, MODEL_MAX_FIELDS);
            for (int i = 0; i < n; i++)
                CHECK(memchr(f[i].text, 0, sizeof f[i].text));
            free(again);
            free(back);
        } else {
            CHECK(me.code > MODEL_E_OK && me.code < MODEL_E_COUNT && me.msg[0]);
        }
        free(text);
        free(r);
        free(q);
        break;
    }
    }
    return 0;
}
