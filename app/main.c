/* blik: the tablet app. Reads the command line, opens the store in the
 * per-user data folder, loads the translations and fonts, wires sync to the
 * screens (app/link) when it is built, and runs the screens until the
 * window is closed. */
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
#include "link.h"
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: blik [--data DIR] [--demo] [--lang da|en] [--fullscreen] [--help]\n"
            "\n"
            "  --data DIR     keep the store in DIR (default: the per-user data folder)\n"
            "  --demo         try Blik with a Danish demo unit, kept apart from real data;\n"
            "                 every demo PIN is %s\n"
            "  --lang da|en   the language of the screens (default: da, or the last chosen)\n"
            "  --fullscreen   fill the screen\n"
            "  --help         show this text\n",
            DEMO_PIN);
}

/* Fonts and translations: in the folder BLIK_ASSETS_DIR names if it is set,
 * else in the data folder installed with the program, found from the
 * program's own folder (BLIK_DATA_FROM_BIN is the way from bin/ to it,
 * "../share/blik"; the build tree has the same layout). No path of the
 * machine that built the program is in it. "" if no folder can be told. */
static const char *assets_dir(void)
{
    static char dir[1200];
    const char *env = getenv("BLIK_ASSETS_DIR");
    if (env && *env)
        return env;
    char exe[1024];
    if (!dir[0] && plat_exe_dir(exe, sizeof exe) == 0) {
        int n = snprintf(dir, sizeof dir, "%s/%s", exe, BLIK_DATA_FROM_BIN);
        if (n < 0 || (size_t)n >= sizeof dir)
            dir[0] = '\0';
    }
    return dir;
}

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

/* Whether the tablet was last in the demo: a setting of the real store
 * (a setting, not a row of the demo), so that a restart comes back to
 * where the tablet was. */
static int mode_get(const char *dir, const plat_sys *sys)
{
    char path[1200], v[8] = "";
    snprintf(path, sizeof path, "%s/%s", dir, REAL_STORE);
    db *d = NULL;
    if (db_open(path, sys, &d) == DB_OK)
        db_kv_get(d, "ui.demo", v, sizeof v);
    db_close(d);
    return !strcmp(v, "1");
}

static void mode_put(const char *dir, const plat_sys *sys, int demo)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, REAL_STORE);
    db *d = NULL;
    if (db_open(path, sys, &d) != DB_OK || db_kv_put(d, "ui.demo", demo ? "1" : "0") != DB_OK)
        fprintf(stderr, "blik: could not keep the choice of the demo: %s\n",
                d ? db_errmsg(d) : "out of memory");
    db_close(d);
}

typedef struct {
    const i18n *da, *en, *fallback;
} langs;

#ifdef BLIK_HAVE_SYNC
/* On the sync worker's thread: wakes the loop, which then shows the new
 * state (the chip, the settings, the rows) in the next frame. */
static void wake_loop(void *v)
{
    plat_event ev = {.kind = PLAT_EV_WAKE};
    plat_video_push(v, &ev);
}
#endif

/* Runs the app on one store until it is closed or asks for the other
 * store (*ask). lang, if given, is kept as the store's language; else the
 * store's own is used. The language in force when the run ends is kept in
 * the last language choice, so the next store opens in it. Returns 0, or 1
 * if the store or the app could not be opened. */
static int run_store(const char *dir, const plat_sys *sys, int demo, const char *lang,
                     const langs *l, ui_ctx *u, plat_video *v, scr_ask *ask)
{
    static char carried[3] = "";
    char path[1200], err[512], buf[64];
    snprintf(path, sizeof path, "%s/%s", dir, demo ? DEMO_STORE : REAL_STORE);
    db *d = NULL;
    if (demo) {
        if (demo_open(dir, sys, &d, err, sizeof err) != DB_OK) {
            fprintf(stderr, "blik: could not open the demo: %s\n", err);
            return 1;
        }
    } else if (db_open(path, sys, &d) != DB_OK) {
        fprintf(stderr, "blik: could not open the store %s: %s\n", path,
                d ? db_errmsg(d) : "out of memory");
        db_close(d);
        return 1;
    }
    if (!lang && carried[0])
        lang = carried;
    if (lang)
        db_ui_lang_put(d, lang);
    else if (db_ui_lang_get(d, buf) == DB_OK && !strcmp(buf, "en"))
        lang = "en";
    else
        lang = "da";
    const i18n *tr = !strcmp(lang, "en") ? (l->en ? l->en : l->fallback)
                                         : (l->da ? l->da : l->fallback);
    scr_config cfg = {0};
    cfg.db = d;
    cfg.sys = sys;
    cfg.tr = tr;
    cfg.tr_da = l->da;
    cfg.tr_en = l->en;
    cfg.demo = demo;
#ifdef BLIK_HAVE_SYNC
    /* The real store only: the demo never syncs. The hooks are given even
     * before enrolment: the welcome screen and the settings enrol. */
    link_sync *ls = demo ? NULL : link_sync_new(d, path, sys);
    scr_sync hooks;
    if (ls) {
        link_sync_on_change(ls, wake_loop, v);
        hooks = link_sync_hooks(ls);
        cfg.sync = &hooks;
    }
#endif
    scr_app *a = scr_app_new(&cfg, u, err, sizeof err);
    int rc = 1;
    if (a) {
        scr_run_opts ro = {0};
        const char *first = getenv("BLIK_EXIT_AFTER_FIRST_FRAME");
        ro.exit_after_first = first && *first == '1';
        rc = scr_run(a, v, &ro);
        *ask = ro.exit_after_first ? SCR_ASK_NONE : scr_asked(a);
        /* For the idle benchmark: how many frames ran and were shown. */
        const char *stats = getenv("BLIK_STATS");
        if (stats && *stats == '1')
            fprintf(stderr, "blik: frames run %ld, drawn %ld\n", ro.frames_run, ro.frames_drawn);
    } else {
        fprintf(stderr, "blik: %s\n", err);
    }
    if (db_ui_lang_get(d, buf) == DB_OK && (!strcmp(buf, "en") || !strcmp(buf, "da")))
        memcpy(carried, buf, sizeof carried);
    scr_app_free(a);
#ifdef BLIK_HAVE_SYNC
    link_sync_free(ls);
#endif
    /* Revoked with wipe: with the sync worker stopped, this is the last
     * handle on the store; its files go and a fresh store takes their
     * place, which the next run opens on the welcome screen. */
    if (*ask == SCR_ASK_WIPE && db_wipe(d) != DB_OK)
        fprintf(stderr, "blik: the tablet's store could not be erased whole: %s\n", db_errmsg(d));
    db_close(d);
    return rc;
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
    const plat_sys *sys = plat_sys_os();
    char err[512];
    if (demo_move_old(dir, sys, err, sizeof err) < 0)
        fprintf(stderr, "blik: %s\n", err);
    /* The demo is where the tablet was last, or where --demo asks for
     * (a shortcut for "try the demo", remembered the same way). */
    if (demo)
        mode_put(dir, sys, 1);
    else
        demo = mode_get(dir, sys);

    char reg[1200], bold[1200];
    snprintf(reg, sizeof reg, "%s/fonts/NotoSans-Regular.ttf", assets_dir());
    snprintf(bold, sizeof bold, "%s/fonts/NotoSans-Bold.ttf", assets_dir());
    /* Both languages, so that settings can switch at once. English text is
     * in the program itself; Danish needs its file. */
    i18n *tr_da = load_lang("da"), *tr_en = load_lang("en");
    i18n *fallback = i18n_empty();

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
        return 1;
    }
    ui_ctx *u = ui_new(v);
    int rc = u ? 0 : 1;
    if (!u)
        fprintf(stderr, "blik: out of memory\n");
    /* One store at a time, in the same window: "try the demo" and "leave
     * the demo" end a run, and the next opens the other store. */
    while (u) {
        scr_ask ask = SCR_ASK_NONE;
        const langs l = {tr_da, tr_en, fallback};
        rc = run_store(dir, sys, demo, lang, &l, u, v, &ask);
        if (rc != 0 || ask == SCR_ASK_NONE)
            break;
        demo = ask == SCR_ASK_DEMO;
        mode_put(dir, sys, demo);
        lang = NULL; /* the store just left handed its language on */
    }
    ui_free(u);
    plat_video_close(v);
    i18n_free(tr_da);
    i18n_free(tr_en);
    i18n_free(fallback);
    return rc;
}
