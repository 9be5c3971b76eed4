/* blik: the tablet app. Reads the command line, opens the store in the
 * per-user data folder, loads the translations and fonts, and runs the
 * screens until the window is closed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "demo.h"
#include "i18n.h"
#include "plat.h"
#include "plat_gfx.h"
#include "scr.h"
#include "ui.h"
#ifdef BLIK_HAVE_SYNC
#include <pthread.h>

#include "db_sync.h"
#include "sync.h"
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: blik [--data DIR] [--demo] [--lang da|en] [--fullscreen] [--help]\n"
            "\n"
            "  --data DIR     keep the store in DIR (default: the per-user data folder)\n"
            "  --demo         load a Danish demo unit; every demo PIN is %s\n"
            "  --lang da|en   the language of the screens (default: da, or the last chosen)\n"
            "  --fullscreen   fill the screen\n"
            "  --help         show this text\n",
            DEMO_PIN);
}

/* Fonts and translations sit next to the sources in a build tree; an
 * installed app is told where they are by BLIK_ASSETS_DIR. */
static const char *assets_dir(void)
{
    const char *env = getenv("BLIK_ASSETS_DIR");
    return env && *env ? env : BLIK_ASSETS_DIR;
}

#ifdef BLIK_HAVE_SYNC
/* What the program keeps for sync: the worker (NULL until the tablet is
 * enrolled) and an enrolment running on a thread of its own, so that the
 * screens never wait for the network. */
typedef struct {
    sync_engine *engine;
    const char *path;
    const plat_sys *sys;
    pthread_mutex_t mu;
    pthread_t thread;
    int thread_on;       /* a thread was started and not yet joined */
    int enrol_running;   /* guarded by mu */
    scr_enrol_outcome outcome;
    char detail[320];
    scr_enrol_req req;   /* the request, copied for the thread */
} app_sync;

/* The screens reach sync only through these: the engine's calls return at
 * once and copy its state under its lock. */
static int sync_hook_enrolled(void *ctx)
{
    app_sync *s = ctx;
    if (!s->engine)
        return 0;
    sync_status st;
    sync_engine_status(s->engine, &st);
    return st.enrolled;
}

static void sync_hook_now(void *ctx)
{
    app_sync *s = ctx;
    if (s->engine)
        sync_engine_now(s->engine);
}

static void sync_hook_status(void *ctx, char *line, size_t cap)
{
    app_sync *s = ctx;
    if (!s->engine) {
        snprintf(line, cap, "%s", "");
        return;
    }
    sync_status st;
    sync_engine_status(s->engine, &st);
    snprintf(line, cap, "%s", st.running ? "Syncing now." : st.message);
}

/* The engine's outcome codes in the screens' terms. */
static scr_sync_problem problem_of(int rc)
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
    default: return SCR_SYNC_OTHER;
    }
}

static void sync_hook_state(void *ctx, scr_sync_state *out)
{
    app_sync *s = ctx;
    memset(out, 0, sizeof *out);
    if (!s->engine)
        return;
    sync_status st;
    sync_engine_status(s->engine, &st);
    out->enrolled = st.enrolled;
    out->running = st.running;
    /* Before the first round the outcome is not known yet: not a problem. */
    out->problem = st.rounds > 0 ? problem_of(st.rc) : SCR_SYNC_FINE;
    out->rounds = st.rounds;
    out->last_ok_ms = st.last_ok_ms;
}

static int sync_hook_take_theirs(void *ctx, db *d, const char *change_id, char *err, size_t cap)
{
    (void)ctx;
    return sync_conflict_take_theirs(d, change_id, err, cap) == SYNC_OK ? 0 : -1;
}

/* Starts the sync worker if this tablet is enrolled with a server; an
 * unenrolled tablet has nothing to sync with and runs no worker. */
static sync_engine *start_sync(db *d, const char *path, const plat_sys *sys)
{
    if (!db_enrolled(d))
        return NULL;
    sync_config sc = {0};
    sc.db_path = path;
    sc.sys = sys;
    sync_engine *e = NULL;
    char err[320];
    if (sync_engine_start(&sc, &e, err, sizeof err) != SYNC_OK) {
        fprintf(stderr, "blik: sync does not start: %s\n", err);
        return NULL;
    }
    return e;
}

/* Reads a CA file for the enrolment; NULL if it cannot be read or is not
 * a PEM certificate. */
static char *read_ca_file(const char *path)
{
    char err[512];
    char *buf = plat_read_file(path, DB_SYNC_CONFIG_MAX - 1, NULL, err, sizeof err);
    if (buf && !strstr(buf, "-----BEGIN CERTIFICATE-----")) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The enrolment itself, on its own thread: a sync client of its own on the
 * store, the server's answer mapped onto what the form says. */
static void *enrol_thread(void *arg)
{
    app_sync *s = arg;
    scr_enrol_outcome out = SCR_ENROL_FAILED;
    char detail[320] = "";
    char *ca = NULL;
    const scr_enrol_req *r = &s->req;
    if (r->ca[0] && !strstr(r->ca, "-----BEGIN")) {
        ca = read_ca_file(r->ca);
        if (!ca)
            out = SCR_ENROL_CA_FILE;
    } else if (r->ca[0]) {
        ca = strdup(r->ca);
    }
    if (out != SCR_ENROL_CA_FILE) {
        sync_config sc = {0};
        sc.db_path = s->path;
        sc.sys = s->sys;
        sync_client *c = NULL;
        int rc = sync_client_open(&sc, &c);
        if (rc == SYNC_OK) {
            sync_enrolment e = {r->url, r->code, "Blik tablet", ca, NULL};
            rc = sync_enrol(c, &e);
        }
        snprintf(detail, sizeof detail, "%s", sync_errmsg(c));
        sync_client_close(c);
        switch (rc) {
        case SYNC_OK: out = SCR_ENROL_OK; break;
        case SYNC_INVALID:
            out = strncmp(r->url, "https://", 8) ? SCR_ENROL_BAD_ADDRESS : SCR_ENROL_FAILED;
            break;
        case SYNC_REFUSED:
        case SYNC_UNAUTHORIZED: out = SCR_ENROL_BAD_CODE; break;
        case SYNC_TLS: out = SCR_ENROL_TLS; break;
        case SYNC_OFFLINE:
        case SYNC_UNREACHABLE: out = SCR_ENROL_UNREACHABLE; break;
        case SYNC_CAPTIVE: out = SCR_ENROL_CAPTIVE; break;
        case SYNC_UPDATE_APP: out = SCR_ENROL_UPDATE; break;
        default: out = SCR_ENROL_FAILED; break;
        }
    }
    free(ca);
    pthread_mutex_lock(&s->mu);
    s->outcome = out;
    snprintf(s->detail, sizeof s->detail, "%s", detail);
    s->enrol_running = 0;
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int sync_hook_enrol(void *ctx, const scr_enrol_req *req)
{
    app_sync *s = ctx;
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
static scr_enrol_outcome sync_hook_enrol_result(void *ctx, char *detail, size_t cap)
{
    app_sync *s = ctx;
    pthread_mutex_lock(&s->mu);
    scr_enrol_outcome out = s->enrol_running ? SCR_ENROL_PENDING : s->outcome;
    snprintf(detail, cap, "%s", s->detail);
    pthread_mutex_unlock(&s->mu);
    if (out != SCR_ENROL_PENDING && s->thread_on) {
        pthread_join(s->thread, NULL);
        s->thread_on = 0;
        memset(&s->req, 0, sizeof s->req);
        if (out == SCR_ENROL_OK && !s->engine) {
            sync_config sc = {0};
            sc.db_path = s->path;
            sc.sys = s->sys;
            char err[320];
            if (sync_engine_start(&sc, &s->engine, err, sizeof err) != SYNC_OK) {
                s->engine = NULL;
                fprintf(stderr, "blik: sync does not start: %s\n", err);
            } else {
                sync_engine_now(s->engine);
            }
        }
    }
    return out;
}
#endif

/* Loads one language's catalogue; NULL (with a message) if it cannot. */
static i18n *load_lang(const char *lang)
{
    char po[1200], err[512];
    snprintf(po, sizeof po, "%s/po/%s.po", assets_dir(), lang);
    i18n *tr = NULL;
    if (i18n_load(po, &tr, err, sizeof err) != 0) {
        fprintf(stderr, "blik: %s\n", err);
        return NULL;
    }
    return tr;
}

int main(int argc, char **argv)
{
    const char *data = NULL, *lang = NULL;
    int demo = 0, fullscreen = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
            data = argv[++i];
        } else if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
            lang = argv[++i];
            if (strcmp(lang, "da") && strcmp(lang, "en")) {
                fprintf(stderr, "blik: --lang takes da or en, not %s\n", lang);
                return 2;
            }
        } else if (!strcmp(argv[i], "--demo")) {
            demo = 1;
        } else if (!strcmp(argv[i], "--fullscreen")) {
            fullscreen = 1;
        } else {
            fprintf(stderr, "blik: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    char dir[1024];
    if (data) {
        snprintf(dir, sizeof dir, "%s", data);
    } else if (plat_data_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "blik: no data folder is known; give one with --data DIR\n");
        return 1;
    }
    if (plat_mkdirs(dir) != 0) {
        fprintf(stderr, "blik: could not make the data folder %s\n", dir);
        return 1;
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/blik.db", dir);
    const plat_sys *sys = plat_sys_os();
    db *d = NULL;
    if (db_open(path, sys, &d) != DB_OK) {
        fprintf(stderr, "blik: could not open the store %s: %s\n", path,
                d ? db_errmsg(d) : "out of memory");
        db_close(d);
        return 1;
    }
    char err[512], buf[64];
    if (demo) {
        if (demo_load(d, err, sizeof err) != DB_OK) {
            fprintf(stderr, "blik: could not load the demo unit: %s\n", err);
            db_close(d);
            return 1;
        }
        if (db_device_unit_get(d, buf) != DB_OK)
            db_device_unit_put(d, DEMO_UNIT_ID);
    }
    if (lang)
        db_ui_lang_put(d, lang);
    else if (db_ui_lang_get(d, buf) == DB_OK && !strcmp(buf, "en"))
        lang = "en";
    else
        lang = "da";

    char reg[1200], bold[1200];
    snprintf(reg, sizeof reg, "%s/fonts/NotoSans-Regular.ttf", assets_dir());
    snprintf(bold, sizeof bold, "%s/fonts/NotoSans-Bold.ttf", assets_dir());
    /* Both languages, so that settings can switch at once. English text is
     * in the program itself; Danish needs its file. */
    i18n *tr_da = load_lang("da"), *tr_en = load_lang("en");
    i18n *fallback = i18n_empty();
    const i18n *tr = !strcmp(lang, "en") ? (tr_en ? tr_en : fallback) : (tr_da ? tr_da : fallback);

    plat_video_opts vo = {0};
    vo.title = "Blik";
    vo.font_regular = reg;
    vo.font_bold = bold;
    vo.fullscreen = fullscreen;
    plat_video *v = NULL;
    if (plat_video_open(&vo, &v, err, sizeof err) != 0) {
        fprintf(stderr, "blik: %s\n", err);
        i18n_free(tr_da);
        i18n_free(tr_en);
        i18n_free(fallback);
        db_close(d);
        return 1;
    }
    ui_ctx *u = ui_new(v);
    scr_config cfg = {0};
    cfg.db = d;
    cfg.sys = sys;
    cfg.tr = tr;
    cfg.tr_da = tr_da;
    cfg.tr_en = tr_en;
#ifdef BLIK_HAVE_SYNC
    /* The hooks are given even before enrolment: the settings enrol. */
    sync_global_init();
    app_sync as;
    memset(&as, 0, sizeof as);
    pthread_mutex_init(&as.mu, NULL);
    as.path = path;
    as.sys = sys;
    as.engine = start_sync(d, path, sys);
    scr_sync hooks = {&as,
                      sync_hook_enrolled,
                      sync_hook_now,
                      sync_hook_status,
                      sync_hook_state,
                      sync_hook_enrol,
                      sync_hook_enrol_result,
                      sync_hook_take_theirs};
    cfg.sync = &hooks;
#endif
    scr_app *a = u ? scr_app_new(&cfg, u, err, sizeof err) : NULL;
    int rc = 1;
    if (a) {
        scr_run_opts ro = {0};
        const char *first = getenv("BLIK_EXIT_AFTER_FIRST_FRAME");
        ro.exit_after_first = first && *first == '1';
        rc = scr_run(a, v, &ro);
        /* For the idle benchmark: how many frames ran and were shown. */
        const char *stats = getenv("BLIK_STATS");
        if (stats && *stats == '1')
            fprintf(stderr, "blik: frames run %ld, drawn %ld\n", ro.frames_run, ro.frames_drawn);
    } else {
        fprintf(stderr, "blik: %s\n", u ? err : "out of memory");
    }
    scr_app_free(a);
#ifdef BLIK_HAVE_SYNC
    if (as.thread_on)
        pthread_join(as.thread, NULL);
    sync_engine_stop(as.engine);
    pthread_mutex_destroy(&as.mu);
#endif
    ui_free(u);
    plat_video_close(v);
    i18n_free(tr_da);
    i18n_free(tr_en);
    i18n_free(fallback);
    db_close(d);
    return rc;
}
