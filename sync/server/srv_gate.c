/*
 * The pushes this process is reading, so that a push sent early does not
 * overtake the one it follows (PROTOCOL.md, "Two pushes in flight").
 *
 * A tablet sends its next push while the one before is stored. That one
 * is stored first because it holds the unit's lock until it commits; but
 * the next push could come to the lock first when it was read sooner (its
 * body ended first, or it was quicker to decode), and was then refused
 * out_of_order: a request that stored nothing, and a tablet that, once it
 * has seen a few, sends one push at a time for the rest of its round (in
 * the push benchmark of 10,000 observations, a quarter of the runs had
 * such refusals, and those that fell back so took 2.4 to 3.2 s longer).
 * So a push is noted here from its headers until it holds the unit's lock
 * or has been answered, and a push that follows it waits for that, at
 * most SRV_GATE_WAIT_MS, before it takes a database connection; then it is
 * handled as before: stored if the push it names is the device's last
 * when it holds the lock, else refused out_of_order. Another process's
 * pushes are not known here, a push that has not begun to come is not
 * noted, and a full table notes nothing: those are not waited for.
 *
 * A push whose transaction is tried again (a serialization failure) lets
 * go of the lock between its tries, while it is already marked as holding
 * it; a push waiting for it may then come to the lock first and be
 * refused, as before. That is rare and harmless.
 *
 * The ids are the tablets' own Blik-Push ids, random UUIDs, noted before
 * the device is known: no device can name another's next push.
 */
#include "srv_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char id[MODEL_UUID_LEN + 1]; /* "" when free */
    int locked;                  /* it holds its unit's lock */
} slot;

struct srv_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a push took its lock or ended */
    int n;
    slot s[];
};

srv_gate *srv_gate_new(int slots)
{
    if (slots < 1)
        slots = 1;
    srv_gate *g = calloc(1, sizeof *g + (size_t)slots * sizeof(slot));
    if (!g)
        return NULL;
    g->n = slots;
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cv, &ca);
    pthread_condattr_destroy(&ca);
    return g;
}

void srv_gate_free(srv_gate *g)
{
    if (!g)
        return;
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

int srv_gate_enter(srv_gate *g, const char *id)
{
    if (!g || !id || model_id_check(id, "", NULL, 0) != 0)
        return -1;
    int at = -1;
    pthread_mutex_lock(&g->mu);
    for (int i = 0; i < g->n && at < 0; i++)
        if (!g->s[i].id[0]) {
            at = i;
            memcpy(g->s[i].id, id, MODEL_UUID_LEN + 1);
            g->s[i].locked = 0;
        }
    pthread_mutex_unlock(&g->mu);
    return at;
}

/* A push sent again while it is still being read has two slots: both are
 * marked, since either holding the lock lets the next push go on. */
void srv_gate_locked(srv_gate *g, const char *id)
{
    if (!g || !id || !id[0])
        return;
    pthread_mutex_lock(&g->mu);
    for (int i = 0; i < g->n; i++)
        if (g->s[i].id[0] && !strcmp(g->s[i].id, id))
            g->s[i].locked = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

void srv_gate_leave(srv_gate *g, int at)
{
    if (!g || at < 0 || at >= g->n)
        return;
    pthread_mutex_lock(&g->mu);
    g->s[at].id[0] = 0;
    g->s[at].locked = 0;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* Whether the push id is noted and neither holds its lock nor has ended. */
static int reading(const srv_gate *g, const char *id)
{
    for (int i = 0; i < g->n; i++)
        if (!g->s[i].locked && g->s[i].id[0] && !strcmp(g->s[i].id, id))
            return 1;
    return 0;
}

int srv_gate_wait(srv_gate *g, const char *id, int ms)
{
    if (!g || !id || ms <= 0)
        return 0;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int waited = 0, timed_out = 0;
    pthread_mutex_lock(&g->mu);
    while (!timed_out && reading(g, id)) {
        waited = 1;
        timed_out = pthread_cond_timedwait(&g->cv, &g->mu, &until) != 0 && reading(g, id);
    }
    pthread_mutex_unlock(&g->mu);
    return timed_out ? -1 : waited;
}
