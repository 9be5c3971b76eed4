/*
 * The sync worker: a thread with its own store handle and curl handle that
 * decides when to run a round, so that the screens never wait on the
 * network. It runs a round when there is something to send, when a pull is
 * due, on "sync now" and on a network change; after a failure it waits with
 * exponential backoff and jitter (so that many tablets coming back at once
 * do not knock together), honours the server's Retry-After, and forgets the
 * backoff on success, on "sync now" and on a network change.
 */
#include "sync_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sync_engine {
    sync_config cfg;
    char *db_path;
    char *probe;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int now;        /* "sync now" or a network change: run at once */
    int poked;      /* something was saved */
    int64_t due_ms; /* monotonic time of the next round (0 = at once) */
    long backoff_ms;
    int wiped; /* the server said device_wiped: no round runs again */
    sync_status st;
};

/* Read by the worker's transfers, without the lock: a stale read only
 * delays the stop by one progress call. */
static int stopping(void *ud)
{
    sync_engine *e = ud;
    return __atomic_load_n(&e->stop, __ATOMIC_RELAXED);
}

static int64_t mono(const sync_engine *e) { return e->cfg.sys->mono_ms(e->cfg.sys); }

/* The next wait after a failure: the backoff doubles up to its cap, and
 * the wait is drawn from its upper half, so it is never zero yet spreads. */
static long next_backoff(sync_engine *e, long retry_after_s)
{
    long b = e->backoff_ms ? e->backoff_ms * 2 : e->cfg.backoff_min_ms;
    if (b > e->cfg.backoff_max_ms)
        b = e->cfg.backoff_max_ms;
    e->backoff_ms = b;
    uint32_t r = 0;
    e->cfg.sys->random(e->cfg.sys, &r, sizeof r);
    long wait = b / 2 + (long)(r % (uint32_t)(b / 2 + 1));
    long ra = retry_after_s * 1000;
    if (ra > wait)
        wait = ra > 3600000 ? 3600000 : ra;
    return wait;
}

static void wait_until(sync_engine *e, int64_t mono_deadline)
{
    int64_t left = mono_deadline - mono(e);
    if (left <= 0)
        return;
    struct timespec ts = plat_deadline(CLOCK_MONOTONIC, left);
    pthread_cond_timedwait(&e->cv, &e->mu, &ts);
}

static void *worker(void *arg)
{
    sync_engine *e = arg;
    sync_config cfg = e->cfg;
    cfg.db_path = e->db_path;
    cfg.portal_probe_url = e->probe;
    sync_client *c = NULL;
    int orc = sync_client_open(&cfg, &c);
    pthread_mutex_lock(&e->mu);
    if (orc != SYNC_OK) {
        e->st.rc = orc;
        snprintf(e->st.message, sizeof e->st.message, "%s", sync_errmsg(c));
        while (!e->stop)
            pthread_cond_wait(&e->cv, &e->mu);
        pthread_mutex_unlock(&e->mu);
        sync_client_close(c);
        return NULL;
    }
    c->should_stop = stopping;
    c->stop_ud = e;
    e->st.enrolled = sync_enrolled(c);
    db_sync_count(c->d, &e->st.counts);
    int64_t last_pull = 0;
    uint64_t net = cfg.sys->net_id ? cfg.sys->net_id(cfg.sys) : 0;
    while (!e->stop) {
        /* Another network (or one again): the backoff was about the old
         * one, so try at once, as if the app had said so. */
        uint64_t now_net = cfg.sys->net_id ? cfg.sys->net_id(cfg.sys) : 0;
        if (now_net != net) {
            net = now_net;
            e->now = 1;
            e->backoff_ms = 0;
            e->due_ms = 0;
            e->st.network_changes++;
        }
        int64_t t = mono(e);
        int run = 0;
        if (e->wiped) {
            pthread_cond_wait(&e->cv, &e->mu);
            continue;
        }
        if (e->now) {
            run = 1;
        } else if (t >= e->due_ms) {
            /* Due: run if there is something to send or a pull is due. */
            pthread_mutex_unlock(&e->mu);
            int64_t waiting = 0;
            db_outbox_count(c->d, &waiting);
            pthread_mutex_lock(&e->mu);
            run = waiting > 0 || e->poked || last_pull == 0 || t - last_pull >= cfg.pull_every_ms;
        }
        if (!run) {
            int64_t until = t + cfg.poll_ms;
            if (e->due_ms > t && e->due_ms < until)
                until = e->due_ms;
            wait_until(e, until);
            continue;
        }
        e->now = e->poked = 0;
        e->st.running = 1;
        pthread_mutex_unlock(&e->mu);
        if (cfg.changed)
            cfg.changed(cfg.changed_ctx);

        sync_report rep;
        int rc = sync_round(c, &rep);
        db_sync_counts counts;
        int crc = db_sync_count(c->d, &counts);
        int enrolled = sync_enrolled(c);

        pthread_mutex_lock(&e->mu);
        e->st.running = 0;
        e->st.rounds++;
        e->st.rc = rc;
        e->st.enrolled = enrolled;
        if (crc == DB_OK)
            e->st.counts = counts;
        snprintf(e->st.message, sizeof e->st.message, "%s", rc == SYNC_OK ? "" : sync_errmsg(c));
        int64_t t2 = mono(e);
        if (rc == SYNC_OK) {
            e->backoff_ms = 0;
            last_pull = t2;
            e->st.last_ok_ms = cfg.sys->now_ms(cfg.sys);
            e->due_ms = t2; /* new changes are sent at the next look */
            e->st.next_try_ms = e->st.last_ok_ms + cfg.pull_every_ms;
        } else if (rc == SYNC_NOT_ENROLLED) {
            e->due_ms = t2 + cfg.backoff_max_ms;
            e->st.next_try_ms = 0;
        } else if (rc == SYNC_WIPED) {
            /* The tablet is to erase itself: nothing more is sent or
             * asked for; the app ends the worker and does the wipe. */
            e->wiped = 1;
            e->st.next_try_ms = 0;
        } else if (rc == SYNC_REVOKED || rc == SYNC_UNAUTHORIZED) {
            /* These credentials will never be accepted again; only a new
             * enrolment helps. The tablet still asks now and then, at the
             * longest wait, so that a wipe asked for after the revocation
             * reaches it. */
            e->backoff_ms = cfg.backoff_max_ms;
            e->due_ms = t2 + cfg.backoff_max_ms;
            e->st.next_try_ms = cfg.sys->now_ms(cfg.sys) + cfg.backoff_max_ms;
        } else {
            long w = next_backoff(e, rep.retry_after_s);
            e->due_ms = t2 + w;
            e->st.next_try_ms = cfg.sys->now_ms(cfg.sys) + w;
        }
        /* Told once the state says how the round ended, without the lock. */
        if (cfg.changed) {
            pthread_mutex_unlock(&e->mu);
            cfg.changed(cfg.changed_ctx);
            pthread_mutex_lock(&e->mu);
        }
    }
    pthread_mutex_unlock(&e->mu);
    sync_client_close(c);
    return NULL;
}

int sync_engine_start(const sync_config *cfg, sync_engine **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!cfg || !cfg->db_path) {
        snprintf(err, errlen, "The sync engine needs the store's path.");
        return SYNC_INVALID;
    }
    sync_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "Out of memory.");
        return SYNC_NOMEM;
    }
    e->cfg = *cfg;
    if (!e->cfg.sys)
        e->cfg.sys = plat_sys_os();
    if (e->cfg.backoff_min_ms <= 0)
        e->cfg.backoff_min_ms = 2000;
    if (e->cfg.backoff_max_ms <= 0)
        e->cfg.backoff_max_ms = 300000;
    if (e->cfg.backoff_max_ms < e->cfg.backoff_min_ms)
        e->cfg.backoff_max_ms = e->cfg.backoff_min_ms;
    if (e->cfg.poll_ms <= 0)
        e->cfg.poll_ms = 2000;
    if (e->cfg.pull_every_ms <= 0)
        e->cfg.pull_every_ms = 300000;
    e->db_path = strdup(cfg->db_path);
    e->probe = cfg->portal_probe_url ? strdup(cfg->portal_probe_url) : NULL;
    e->cfg.db_path = NULL;
    e->cfg.portal_probe_url = NULL;
    pthread_condattr_t ca;
    int ok = e->db_path && (!cfg->portal_probe_url || e->probe) && pthread_condattr_init(&ca) == 0;
    if (ok) {
        ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&e->cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (!ok || pthread_mutex_init(&e->mu, NULL) != 0) {
        snprintf(err, errlen, "Out of memory.");
        free(e->db_path);
        free(e->probe);
        free(e);
        return SYNC_NOMEM;
    }
    e->now = 1; /* a first round at start */
    if (pthread_create(&e->thread, NULL, worker, e) != 0) {
        snprintf(err, errlen, "The sync worker could not be started.");
        pthread_cond_destroy(&e->cv);
        pthread_mutex_destroy(&e->mu);
        free(e->db_path);
        free(e->probe);
        free(e);
        return SYNC_NOMEM;
    }
    *out = e;
    return SYNC_OK;
}

static void signal_with(sync_engine *e, int now, int reset)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    if (now)
        e->now = 1;
    else
        e->poked = 1;
    if (reset) {
        e->backoff_ms = 0;
        e->due_ms = 0;
    }
    pthread_cond_signal(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

void sync_engine_now(sync_engine *e) { signal_with(e, 1, 1); }

void sync_engine_network_changed(sync_engine *e) { signal_with(e, 1, 1); }

void sync_engine_poke(sync_engine *e) { signal_with(e, 0, 0); }

void sync_engine_status(sync_engine *e, sync_status *out)
{
    if (!e) {
        memset(out, 0, sizeof *out);
        return;
    }
    pthread_mutex_lock(&e->mu);
    *out = e->st;
    pthread_mutex_unlock(&e->mu);
}

void sync_engine_stop(sync_engine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    __atomic_store_n(&e->stop, 1, __ATOMIC_RELAXED);
    pthread_cond_signal(&e->cv);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->thread, NULL);
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    free(e->db_path);
    free(e->probe);
    free(e);
}
