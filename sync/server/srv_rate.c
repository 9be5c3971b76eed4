/*
 * Rate limits as token buckets in one fixed table per kind (per address, per
 * device, failed enrolments per address). The table never grows: memory is
 * fixed when the server starts, whatever a client sends.
 */
#include "srv_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* How many neighbouring slots a key may land in. A small window keeps every
 * look-up cheap; a full window refuses rather than forgets a bucket. */
#define PROBE 16

typedef struct {
    char key[SRV_RATE_KEY_MAX];
    double tokens;
    double t; /* when tokens was last brought up to date */
} slot;

struct srv_rate {
    pthread_mutex_t mu;
    slot *slots;
    size_t n; /* a power of two */
    double per_s, burst;
};

srv_rate *srv_rate_new(size_t slots, double per_period, double period_s)
{
    if (slots < PROBE || per_period <= 0 || period_s <= 0)
        return NULL;
    size_t n = PROBE;
    while (n < slots && n < ((size_t)1 << 24))
        n <<= 1;
    srv_rate *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->slots = calloc(n, sizeof *r->slots);
    if (!r->slots) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    r->n = n;
    r->burst = per_period;
    r->per_s = per_period / period_s;
    return r;
}

void srv_rate_free(srv_rate *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r->slots);
    free(r);
}

/* Brings a bucket up to date; an empty slot counts as a full bucket. */
static double level(const srv_rate *r, const slot *x, double now)
{
    if (!x->key[0])
        return r->burst;
    double t = x->tokens + (now > x->t ? now - x->t : 0) * r->per_s;
    return t < r->burst ? t : r->burst;
}

/*
 * A key's bucket is found in its window; a new key takes an empty slot or
 * one whose bucket has refilled completely (which is the same as having no
 * bucket). Only when every slot of the window belongs to a client that is
 * still being limited is the new key refused too: forgetting a limited
 * client's bucket would let anyone reset it by sending from many addresses.
 */
int srv_rate_take(srv_rate *r, const char *key, double now, double cost)
{
    if (!r)
        return 0;
    char k[SRV_RATE_KEY_MAX];
    size_t kl = strlen(key);
    if (kl >= sizeof k)
        kl = sizeof k - 1;
    memcpy(k, key, kl);
    k[kl] = 0;
    pthread_mutex_lock(&r->mu);
    size_t h = (size_t)plat_hash(PLAT_HASH_START, k, kl) & (r->n - 1);
    slot *found = NULL, *spare = NULL;
    double soonest = -1;
    for (size_t i = 0; i < PROBE && !found; i++) {
        slot *x = &r->slots[(h + i) & (r->n - 1)];
        if (x->key[0] && !strcmp(x->key, k)) {
            found = x;
        } else {
            double lv = level(r, x, now);
            if (lv >= r->burst && !spare)
                spare = x;
            double wait = (r->burst - lv) / r->per_s;
            if (soonest < 0 || wait < soonest)
                soonest = wait;
        }
    }
    int wait_s = 0;
    if (!found && !spare) {
        wait_s = (int)ceil(soonest > 1 ? soonest : 1);
    } else {
        slot *x = found ? found : spare;
        double lv = level(r, x, now);
        if (!found) {
            memcpy(x->key, k, kl + 1);
            memset(x->key + kl + 1, 0, sizeof x->key - kl - 1);
        }
        x->t = now;
        if (lv < 1) {
            x->tokens = lv;
            double w = ceil((1 - lv) / r->per_s);
            wait_s = w < 1 ? 1 : w > 86400 ? 86400 : (int)w;
        } else {
            x->tokens = lv - cost;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return wait_s;
}

size_t srv_rate_slots(const srv_rate *r) { return r ? r->n : 0; }

size_t srv_rate_used(srv_rate *r, double now)
{
    if (!r)
        return 0;
    size_t used = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++)
        used += r->slots[i].key[0] && level(r, &r->slots[i], now) < r->burst;
    pthread_mutex_unlock(&r->mu);
    return used;
}
