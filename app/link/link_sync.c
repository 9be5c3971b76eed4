/*
 * The sync engine behind the screens' hooks: the worker on an enrolled
 * tablet, and the enrolment on a thread of its own, its outcome mapped
 * onto what the settings form says.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sync.h"
#include "link.h"
#include "sync.h"

/* The worker (NULL until the tablet is enrolled) and the enrolment thread
 * with what it was asked and how it ended. */
struct link_sync {
    sync_engine *engine;
    char *path;
    const plat_sys *sys;
    pthread_mutex_t mu;
    pthread_t thread;
    int thread_on;     /* a thread was started and not yet joined */
    int enrol_running; /* guarded by mu */
    scr_enrol_outcome outcome;
    char detail[320];
    scr_enrol_req req; /* the request, copied for the thread */
    /* Who is told when the worker's state changed or an enrolment ended
     * (guarded by mu; set by link_sync_on_change). */
    void (*wake)(void *ctx);
    void *wake_ctx;
};

/* Tells whoever asked (the program's loop) that there is something new to
 * look at; on the worker's or the enrolment's thread. */
static void tell(void *arg)
{
    link_sync *s = arg;
    pthread_mutex_lock(&s->mu);
    void (*fn)(void *) = s->wake;
    void *ctx = s->wake_ctx;
    pthread_mutex_unlock(&s->mu);
    if (fn)
        fn(ctx);
}

void link_sync_on_change(link_sync *s, void (*wake)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&s->mu);
    s->wake = wake;
    s->wake_ctx = ctx;
    pthread_mutex_unlock(&s->mu);
}

scr_sync_problem link_sync_problem(int rc)
{
    switch (rc) {
    case SYNC_OK:
    case SYNC_NOT_ENROLLED: return SCR_SYNC_FINE;
    case SYNC_OFFLINE: return SCR_SYNC_OFFLINE;
    case SYNC_UNREACHABLE: return SCR_SYNC_UNREACHABLE;
    case SYNC_CAPTIVE: return SCR_SYNC_CAPTIVE;
    case SYNC_TLS: return SCR_SYNC_TLS;
    case SYNC_SERVER: return SCR_SYNC_SERVER;
    case SYNC_UNAUTHORIZED: return SCR_SYNC_UNAUTHORIZED;
    case SYNC_UPDATE_APP: return SCR_SYNC_UPDATE;
    case SYNC_REVOKED: return SCR_SYNC_REVOKED;
    case SYNC_WIPED: return SCR_SYNC_WIPED;
    case SYNC_TLS_EXPIRED: return SCR_SYNC_CERT_EXPIRED;
    case SYNC_TLS_NAME: return SCR_SYNC_CERT_NAME;
    default: return SCR_SYNC_OTHER;
    }
}

scr_enrol_outcome link_enrol_outcome(int rc)
{
    switch (rc) {
    case SYNC_OK: return SCR_ENROL_OK;
    case SYNC_BAD_ADDRESS: return SCR_ENROL_BAD_ADDRESS;
    case SYNC_REFUSED:
    case SYNC_UNAUTHORIZED: return SCR_ENROL_BAD_CODE;
    case SYNC_TLS: return SCR_ENROL_TLS;
    case SYNC_TLS_EXPIRED: return SCR_ENROL_CERT_EXPIRED;
    case SYNC_TLS_NAME: return SCR_ENROL_CERT_NAME;
    case SYNC_OFFLINE:
    case SYNC_UNREACHABLE: return SCR_ENROL_UNREACHABLE;
    case SYNC_CAPTIVE: return SCR_ENROL_CAPTIVE;
    case SYNC_UPDATE_APP: return SCR_ENROL_UPDATE;
    default: return SCR_ENROL_FAILED;
    }
}

/* Starts the worker, with sync's config for the store; NULL (said on
 * standard error, which is where the app's log goes) if it cannot. */
static sync_engine *start_engine(link_sync *s)
{
    sync_config sc = {0};
    sc.db_path = s->path;
    sc.sys = s->sys;
    sc.changed = tell;
    sc.changed_ctx = s;
    sync_engine *e = NULL;
    char err[320];
    if (sync_engine_start(&sc, &e, err, sizeof err) != SYNC_OK) {
        fprintf(stderr, "blik: sync does not start: %s\n", err);
        return NULL;
    }
    return e;
}

/* The screens reach sync only through these: the engine's calls return at
 * once and copy its state under its lock. */
static int hook_enrolled(void *ctx)
{
    link_sync *s = ctx;
    if (!s->engine)
        return 0;
    sync_status st;
    sync_engine_status(s->engine, &st);
    return st.enrolled;
}

static void hook_now(void *ctx)
{
    link_sync *s = ctx;
    if (s->engine)
        sync_engine_now(s->engine);
}

static void hook_status(void *ctx, char *line, size_t cap)
{
    link_sync *s = ctx;
    if (!s->engine) {
        snprintf(line, cap, "%s", "");
        return;
    }
    sync_status st;
    sync_engine_status(s->engine, &st);
    snprintf(line, cap, "%s", st.running ? "Syncing now." : st.message);
}

static void hook_state(void *ctx, scr_sync_state *out)
{
    link_sync *s = ctx;
    memset(out, 0, sizeof *out);
    if (!s->engine)
        return;
    sync_status st;
    sync_engine_status(s->engine, &st);
    out->enrolled = st.enrolled;
    out->running = st.running;
    /* Before the first round the outcome is not known yet: not a problem. */
    out->problem = st.rounds > 0 ? link_sync_problem(st.rc) : SCR_SYNC_FINE;
    out->rounds = st.rounds;
    out->last_ok_ms = st.last_ok_ms;
}

static int hook_take_theirs(void *ctx, db *d, const char *change_id, char *err, size_t cap)
{
    (void)ctx;
    return sync_conflict_take_theirs(d, change_id, err, cap) == SYNC_OK ? 0 : -1;
}

/* Reads a CA file for the enrolment; NULL if it cannot be read or is not
 * a PEM certificate. */
static char *read_ca_file(const char *given)
{
    /* A path typed or pasted into the form may carry spaces or a line
     * break around it; a file's name here never begins or ends in one. */
    char path[sizeof((scr_enrol_req *)0)->ca];
    while (*given == ' ' || *given == '\t' || *given == '\n' || *given == '\r')
        given++;
    snprintf(path, sizeof path, "%s", given);
    size_t n = strlen(path);
    while (n > 0 && (path[n - 1] == ' ' || path[n - 1] == '\t' || path[n - 1] == '\n' ||
                     path[n - 1] == '\r'))
        path[--n] = 0;
    char err[512];
    char *buf = plat_read_file(path, DB_SYNC_CONFIG_MAX - 1, NULL, err, sizeof err);
    if (buf && !strstr(buf, "-----BEGIN CERTIFICATE-----")) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The enrolment itself, on its own thread: a sync client of its own on the
 * store, the outcome of sync_enrol mapped onto what the form says. */
static void *enrol_thread(void *arg)
{
    link_sync *s = arg;
    scr_enrol_outcome out = SCR_ENROL_FAILED;
    char detail[320] = "";
    char *ca = NULL;
    const scr_enrol_req *r = &s->req;
    int blank = 1;
    for (const char *p = r->ca; *p && blank; p++)
        blank = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
    if (blank) {
        /* no CA given: the system's */
    } else if (!strstr(r->ca, "-----BEGIN")) {
        ca = read_ca_file(r->ca);
        if (!ca)
            out = SCR_ENROL_CA_FILE;
    } else {
        ca = strdup(r->ca);
    }
    if (out != SCR_ENROL_CA_FILE) {
        sync_config sc = {0};
        sc.db_path = s->path;
        sc.sys = s->sys;
        sync_client *c = NULL;
        int rc = sync_client_open(&sc, &c);
        if (rc == SYNC_OK) {
            /* The tablet's name travels here, and only here, with the
             * enrolment request (PROTOCOL.md, POST /v1/enrol). */
            sync_enrolment e = {r->url, r->code, r->name, ca, NULL};
            rc = sync_enrol(c, &e);
        }
        snprintf(detail, sizeof detail, "%s", sync_errmsg(c));
        sync_client_close(c);
        out = link_enrol_outcome(rc);
    }
    free(ca);
    pthread_mutex_lock(&s->mu);
    s->outcome = out;
    snprintf(s->detail, sizeof s->detail, "%s", detail);
    s->enrol_running = 0;
    pthread_mutex_unlock(&s->mu);
    tell(s);
    return NULL;
}

static int hook_enrol(void *ctx, const scr_enrol_req *req)
{
    link_sync *s = ctx;
    pthread_mutex_lock(&s->mu);
    int busy = s->enrol_running;
    pthread_mutex_unlock(&s->mu);
    if (busy)
        return -1;
    if (s->thread_on) {
        pthread_join(s->thread, NULL);
        s->thread_on = 0;
    }
    s->req = *req;
    s->outcome = SCR_ENROL_PENDING;
    s->detail[0] = 0;
    s->enrol_running = 1;
    if (pthread_create(&s->thread, NULL, enrol_thread, s) != 0) {
        s->enrol_running = 0;
        return -1;
    }
    s->thread_on = 1;
    return 0;
}

/* Once the enrolment succeeded, the worker starts at once (the screens'
 * next look at the state sees it), with the first round right away. */
static scr_enrol_outcome hook_enrol_result(void *ctx, char *detail, size_t cap)
{
    link_sync *s = ctx;
    pthread_mutex_lock(&s->mu);
    scr_enrol_outcome out = s->enrol_running ? SCR_ENROL_PENDING : s->outcome;
    snprintf(detail, cap, "%s", s->detail);
    pthread_mutex_unlock(&s->mu);
    if (out != SCR_ENROL_PENDING && s->thread_on) {
        pthread_join(s->thread, NULL);
        s->thread_on = 0;
        memset(&s->req, 0, sizeof s->req);
        if (out == SCR_ENROL_OK && !s->engine) {
            s->engine = start_engine(s);
            if (s->engine)
                sync_engine_now(s->engine);
        } else if (out == SCR_ENROL_OK) {
            /* Enrolled again (after a revocation): the worker waits its
             * longest; what is waiting goes now, with the new credentials. */
            sync_engine_now(s->engine);
        }
    }
    return out;
}

link_sync *link_sync_new(db *d, const char *db_path, const plat_sys *sys)
{
    link_sync *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(db_path))) {
        free(s);
        return NULL;
    }
    s->sys = sys;
    pthread_mutex_init(&s->mu, NULL);
    sync_global_init();
    /* An unenrolled tablet has nothing to sync with and runs no worker;
     * the hooks are given all the same, for the settings to enrol. */
    if (db_enrolled(d))
        s->engine = start_engine(s);
    return s;
}

scr_sync link_sync_hooks(link_sync *s)
{
    scr_sync h = {s,          hook_enrolled, hook_now,          hook_status,
                  hook_state, hook_enrol,    hook_enrol_result, hook_take_theirs};
    return h;
}

void link_sync_free(link_sync *s)
{
    if (!s)
        return;
    if (s->thread_on)
        pthread_join(s->thread, NULL);
    sync_engine_stop(s->engine);
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}
