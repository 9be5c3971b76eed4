/*
 * The contacts this process has noted lately (srv_device_seen). A device's
 * row is written at most every SRV_SEEN_EVERY_S seconds unless its address
 * or app version changes, and the statement that decides so is a round
 * trip to the database on every request: a tablet syncing a backlog sends
 * many requests a minute, each asking the database to write nothing. The
 * memory answers for those. It is one fixed table, like the rate limits: a
 * device that finds no room is simply asked about again, which is what
 * happened before; and another process's notes are not known here, which
 * only costs a statement that writes nothing.
 */
#include "srv_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* How many neighbouring slots a device may land in; and the most slots
 * (some 200 bytes each): a process serving more tablets than that asks
 * the database about some of them each time, as before. */
#define PROBE 8
#define SEEN_SLOTS_MAX ((size_t)1 << 16)

typedef struct {
    char device[MODEL_UUID_LEN + 1];
    char address[SRV_SEEN_TEXT_MAX];
    char version[SRV_SEEN_TEXT_MAX];
    double t; /* when the row was last written, monotonic seconds */
} slot;

struct srv_seen {
    pthread_mutex_t mu;
    slot *slots;
    size_t n; /* a power of two */
};

srv_seen *srv_seen_new(size_t slots)
{
    size_t n = PROBE;
    while (n < slots && n < SEEN_SLOTS_MAX)
        n <<= 1;
    srv_seen *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (!(m->slots = calloc(n, sizeof *m->slots))) {
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->mu, NULL);
    m->n = n;
    return m;
}

void srv_seen_free(srv_seen *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m->slots);
    free(m);
}

/* The slot of device in its window, or NULL (mu held). */
static slot *find(srv_seen *m, const char *device, size_t *h)
{
    *h = (size_t)plat_hash(PLAT_HASH_START, device, strlen(device)) & (m->n - 1);
    for (size_t i = 0; i < PROBE; i++) {
        slot *x = &m->slots[(*h + i) & (m->n - 1)];
        if (!strcmp(x->device, device))
            return x;
    }
    return NULL;
}

int srv_seen_recent(srv_seen *m, const char *device, const char *address, const char *version,
                    double now)
{
    if (!m || strlen(device) > MODEL_UUID_LEN)
        return 0;
    size_t h;
    pthread_mutex_lock(&m->mu);
    const slot *x = find(m, device, &h);
    int recent = x && now >= x->t && now - x->t < SRV_SEEN_EVERY_S &&
                 !strcmp(x->address, address) && !strcmp(x->version, version);
    pthread_mutex_unlock(&m->mu);
    return recent;
}

void srv_seen_note(srv_seen *m, const char *device, const char *address, const char *version,
                   double now)
{
    if (!m || strlen(device) > MODEL_UUID_LEN || strlen(address) >= SRV_SEEN_TEXT_MAX ||
        strlen(version) >= SRV_SEEN_TEXT_MAX)
        return;
    size_t h;
    pthread_mutex_lock(&m->mu);
    slot *x = find(m, device, &h);
    if (!x) {
        /* An empty slot of the window, or the one noted longest ago. */
        for (size_t i = 0; i < PROBE; i++) {
            slot *y = &m->slots[(h + i) & (m->n - 1)];
            if (!y->device[0]) {
                x = y;
                break;
            }
            if (!x || y->t < x->t)
                x = y;
        }
    }
    memset(x, 0, sizeof *x);
    memcpy(x->device, device, strlen(device));
    memcpy(x->address, address, strlen(address));
    memcpy(x->version, version, strlen(version));
    x->t = now;
    pthread_mutex_unlock(&m->mu);
}
