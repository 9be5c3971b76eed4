/* The headless harness: the real app, a fake clock, scripted input. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "tsupport.h"
#include "tsupport_obs.h"

#define NEED(cond, what)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "harness: %s failed (%s:%d)\n", what, __FILE__, __LINE__);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

float th_scale = 1.0f;
const scr_sync *th_sync = NULL;
int th_demo = 0;
int th_both_langs = 0;

static const char *assets(void)
{
    const char *a = getenv("BLIK_ASSETS_DIR");
    NEED(a && *a, "BLIK_ASSETS_DIR is set");
    return a;
}

th *th_open_dir(const char *dir, int w, int h, const char *lang, int64_t now_ms)
{
    th *t = calloc(1, sizeof *t);
    NEED(t, "allocating the harness");
    snprintf(t->dir, sizeof t->dir, "%s", dir);
    snprintf(t->dbpath, sizeof t->dbpath, "%s/blik.db", dir);
    snprintf(t->lang, sizeof t->lang, "%s", lang);
    t->w = w;
    t->h = h;
    /* Seeded by the start time: repeatable, yet a restarted app does not
     * make the same identifiers as before the restart. */
    t->sys = plat_fake_new(now_ms, (uint64_t)now_ms);
    NEED(t->sys, "making the fake clock");
    int rc = db_open(t->dbpath, t->sys, &t->db);
    if (rc != DB_OK)
        fprintf(stderr, "db_open: %s\n", t->db ? db_errmsg(t->db) : "?");
    NEED(rc == DB_OK, "opening the store");
    char err[512];
    char path[1200];
    snprintf(path, sizeof path, "%s/po/%s.po", assets(), lang);
    rc = i18n_load(path, &t->tr, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    NEED(rc == 0, "loading translations");
    const char *other = !strcmp(lang, "da") ? "en" : "da";
    t->tr_other = NULL;
    if (th_both_langs) {
        snprintf(path, sizeof path, "%s/po/%s.po", assets(), other);
        NEED(i18n_load(path, &t->tr_other, err, sizeof err) == 0, "loading the other language");
    }
    char reg[1200], bold[1200];
    snprintf(reg, sizeof reg, "%s/fonts/NotoSans-Regular.ttf", assets());
    snprintf(bold, sizeof bold, "%s/fonts/NotoSans-Bold.ttf", assets());
    plat_video_opts vo = {0};
    vo.font_regular = reg;
    vo.font_bold = bold;
    vo.width = w;
    vo.height = h;
    vo.headless = 1;
    vo.scale = th_scale;
    rc = plat_video_open(&vo, &t->video, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    NEED(rc == 0, "opening the headless video");
    t->ui = ui_new(t->video);
    NEED(t->ui, "making the ui context");
    scr_config cfg = {0};
    cfg.db = t->db;
    cfg.sys = t->sys;
    cfg.tr = t->tr;
    cfg.tr_da = !strcmp(lang, "da") ? t->tr : t->tr_other;
    cfg.tr_en = !strcmp(lang, "da") ? t->tr_other : t->tr;
    if (!t->tr_other)
        cfg.tr_da = cfg.tr_en = NULL;
    cfg.sync = th_sync;
    cfg.demo = th_demo;
    t->app = scr_app_new(&cfg, t->ui, err, sizeof err);
    NEED(t->app, "starting the app");
    th_frame(t, NULL);
    return t;
}

#define DEMO(n) "0b11c000-0000-4000-8000-0000000000" n

int th_seed(db *d, plat_sys *sys, int n, int64_t end_ms, int64_t step_ms)
{
    /* Two observers and two observees in two rooms, so that filters have
     * something to tell apart; the signs show up more often as time goes
     * on, as a focus that works would look. */
    static const char *const observers[] = {DEMO("21"), DEMO("23")};
    static const char *const observees[] = {DEMO("24"), DEMO("28")};
    static const char *const rooms[] = {DEMO("11"), DEMO("12")};
    static const char *const signs[] = {DEMO("51"), DEMO("52"), DEMO("53"), DEMO("54")};
    static const char *const keys[] = {"open_q", "closed_q", "child_init", "interrupt"};
    int rc = db_batch_begin(d);
    for (int i = 0; rc == DB_OK && i < n; i++) {
        plat_fake_set(sys, end_ms - (int64_t)(n - i) * step_ms);
        tsupport_obs o = {.start = {.unit_id = DEMO_UNIT_ID,
                                    .focus_id = DEMO("41"),
                                    .observer_id = observers[i % 2],
                                    .observee_id = observees[(i / 2) % 2],
                                    .room_id = rooms[(i / 3) % 2],
                                    .activity = "Samling"},
                          .clock = sys,
                          .minutes = 20 + i % 5};
        int progress = n > 1 ? i * 10 / (n - 1) : 10; /* 0..10 over the series */
        for (int k = 0; k < 4; k++) {
            o.keys[k] = keys[k];
            o.taps[k] = k == 0   ? 2 + progress / 2 + i % 3
                        : k == 1 ? 6 - progress / 2 + i % 2
                        : k == 2 ? 1 + progress / 3
                                 : i % 2;
            o.signs[k] = signs[k];
            o.levels[k] = (i * 7 + k * 3) % 10 < 2 + progress * (4 - k) / 5 ? 1 + (i + k) % 2 : 0;
        }
        model_id id;
        rc = tsupport_observe(d, &o, id);
        if (rc == DB_OK && (i + 1) % 1000 == 0) {
            rc = db_batch_end(d, 1);
            if (rc == DB_OK)
                rc = db_batch_begin(d);
        }
    }
    if (rc != DB_OK) {
        fprintf(stderr, "th_seed: %s\n", db_errmsg(d));
        db_batch_end(d, 0);
        return rc;
    }
    return db_batch_end(d, 1);
}

th *th_open_seeded(const char *name, int w, int h, const char *lang, int n, int64_t step_ms)
{
    char dir[1024];
    NEED(tsupport_tmpdir(name, dir, sizeof dir) == 0, "making a temp folder");
    plat_sys *sys = plat_fake_new(TH_START_MS, 7);
    char path[1200], err[512];
    snprintf(path, sizeof path, "%s/blik.db", dir);
    db *d = NULL;
    NEED(db_open(path, sys, &d) == DB_OK, "opening the store for the demo");
    NEED(demo_load(d, err, sizeof err) == DB_OK, "loading the demo unit");
    NEED(db_kv_put(d, "device.unit", DEMO_UNIT_ID) == DB_OK, "enrolling the tablet");
    NEED(th_seed(d, sys, n, TH_START_MS - 3600000, step_ms) == DB_OK, "seeding observations");
    db_close(d);
    plat_fake_free(sys);
    return th_open_dir(dir, w, h, lang, TH_START_MS);
}

th *th_open_empty(const char *name, int w, int h, const char *lang)
{
    char dir[1024];
    NEED(tsupport_tmpdir(name, dir, sizeof dir) == 0, "making a temp folder");
    return th_open_dir(dir, w, h, lang, TH_START_MS);
}

th *th_open(const char *name, int w, int h, const char *lang)
{
    char dir[1024];
    NEED(tsupport_tmpdir(name, dir, sizeof dir) == 0, "making a temp folder");
    /* Put the demo unit in first, as blik --demo does. */
    plat_sys *sys = plat_fake_new(TH_START_MS, 7);
    char path[1200], err[512];
    snprintf(path, sizeof path, "%s/blik.db", dir);
    db *d = NULL;
    NEED(db_open(path, sys, &d) == DB_OK, "opening the store for the demo");
    int rc = demo_load(d, err, sizeof err);
    if (rc != DB_OK)
        fprintf(stderr, "demo_load: %s\n", err);
    NEED(rc == DB_OK, "loading the demo unit");
    NEED(db_kv_put(d, "device.unit", DEMO_UNIT_ID) == DB_OK, "enrolling the tablet");
    db_close(d);
    plat_fake_free(sys);
    return th_open_dir(dir, w, h, lang, TH_START_MS);
}

void th_close(th *t)
{
    if (!t)
        return;
    scr_app_free(t->app);
    ui_free(t->ui);
    plat_video_close(t->video);
    i18n_free(t->tr);
    i18n_free(t->tr_other);
    t->tr_other = NULL;
    db_close(t->db);
    plat_fake_free(t->sys);
    t->app = NULL;
    t->ui = NULL;
    t->video = NULL;
    t->tr = NULL;
    t->db = NULL;
    t->sys = NULL;
}

th *th_restart(th *t)
{
    char dir[1024], lang[4];
    int64_t now = t->sys->now_ms(t->sys);
    int w = t->w, h = t->h;
    snprintf(dir, sizeof dir, "%s", t->dir);
    snprintf(lang, sizeof lang, "%s", t->lang);
    th_close(t);
    free(t);
    return th_open_dir(dir, w, h, lang, now);
}

void th_free(th *t)
{
    if (!t)
        return;
    th_close(t);
    tsupport_rmtree(t->dir);
    free(t);
}

void th_frame(th *t, const plat_event *ev) { scr_frame(t->app, ev); }

static void pointer(th *t, int kind, int x, int y)
{
    plat_event ev = {0};
    ev.kind = kind;
    ev.x = x;
    ev.y = y;
    scr_frame(t->app, &ev);
}

void th_tap(th *t, int x, int y)
{
    pointer(t, PLAT_EV_DOWN, x, y);
    plat_fake_advance(t->sys, 80);
    pointer(t, PLAT_EV_UP, x, y);
    plat_fake_advance(t->sys, 16);
    /* Anything the tap set moving (keyboard echo) gets its frame. */
    for (int i = 0; i < 4 && t->ui->animating; i++) {
        scr_frame(t->app, NULL);
        plat_fake_advance(t->sys, 16);
    }
}

/* Finds drawn text whose first bytes are s (whole text if exact), whose
 * middle is on screen and inside the clip in force where it was drawn (a
 * row scrolled under a bar cannot be tapped, so it is not found). */
static int find(th *t, const char *s, int exact, int nth, int *x, int *y, int *w, int *h)
{
    int len = (int)strlen(s);
    const ui_ctx *u = t->ui;
    int cx = 0, cy = 0, cw = u->w, ch = u->h;
    /* Under a dialog's dimmed layer nothing can be touched: start after it. */
    int from = 0;
    for (int i = 0; i < u->ncmds; i++) {
        const plat_cmd *c = &u->cmds[i];
        if (c->kind == PLAT_CMD_RECT && c->color == UI_SCRIM && c->x == 0 && c->y == 0 &&
            c->w == u->w && c->h == u->h)
            from = i;
    }
    for (int i = from; i < u->ncmds; i++) {
        const plat_cmd *c = &u->cmds[i];
        if (c->kind == PLAT_CMD_CLIP) {
            cx = c->x;
            cy = c->y;
            cw = c->w;
            ch = c->h;
            continue;
        }
        if (c->kind == PLAT_CMD_UNCLIP) {
            cx = cy = 0;
            cw = u->w;
            ch = u->h;
            continue;
        }
        if (c->kind != PLAT_CMD_TEXT || (exact ? c->len != len : c->len < len) ||
            memcmp(c->text, s, (size_t)len) != 0)
            continue;
        int mx = c->x + c->w / 2, my = c->y + c->h / 2;
        if (mx < 0 || my < 0 || mx >= u->w || my >= u->h)
            continue;
        if (mx < cx || my < cy || mx >= cx + cw || my >= cy + ch)
            continue;
        if (nth-- > 0)
            continue;
        *x = c->x;
        *y = c->y;
        *w = c->w;
        *h = c->h;
        return 0;
    }
    return -1;
}

int th_find_text(th *t, const char *s, int nth, int *x, int *y, int *w, int *h)
{
    return find(t, s, 1, nth, x, y, w, h);
}

int th_tap_prefix(th *t, const char *s)
{
    int x, y, w, h;
    if (find(t, s, 0, 0, &x, &y, &w, &h) != 0)
        return -1;
    th_tap(t, x + w / 2, y + h / 2);
    return 0;
}

int th_reveal(th *t, const char *s, int x, int y)
{
    for (int i = 0; i < 12; i++) {
        int tx, ty, tw, tt;
        if (find(t, s, 0, 0, &tx, &ty, &tw, &tt) == 0)
            return 0;
        /* A slow drag that rests before lifting: scrolls, no momentum. */
        th_drag(t, x, y, x, y - 240, 12, 240);
        th_wait(t, 16);
    }
    return -1;
}

int th_tap_text_n(th *t, const char *s, int nth)
{
    int x, y, w, h;
    if (th_find_text(t, s, nth, &x, &y, &w, &h) != 0)
        return -1;
    th_tap(t, x + w / 2, y + h / 2);
    return 0;
}

void th_drag(th *t, int x0, int y0, int x1, int y1, int steps, int ms)
{
    pointer(t, PLAT_EV_DOWN, x0, y0);
    for (int i = 1; i <= steps; i++) {
        plat_fake_advance(t->sys, ms / steps);
        pointer(t, PLAT_EV_MOVE, x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps);
    }
    plat_fake_advance(t->sys, 150);
    pointer(t, PLAT_EV_UP, x1, y1);
}

void th_type(th *t, const char *s)
{
    /* One character per event, as a keyboard sends them. */
    while (*s) {
        int n = 1;
        unsigned char b = (unsigned char)*s;
        if (b >= 0xF0)
            n = 4;
        else if (b >= 0xE0)
            n = 3;
        else if (b >= 0xC0)
            n = 2;
        plat_event ev = {0};
        ev.kind = PLAT_EV_TEXT;
        memcpy(ev.text, s, (size_t)n);
        scr_frame(t->app, &ev);
        plat_fake_advance(t->sys, 40);
        s += n;
    }
}

void th_key(th *t, int key)
{
    plat_event ev = {0};
    ev.kind = PLAT_EV_KEY;
    ev.key = key;
    scr_frame(t->app, &ev);
    plat_fake_advance(t->sys, 40);
}

void th_wait(th *t, int64_t ms)
{
    plat_fake_advance(t->sys, ms);
    scr_frame(t->app, NULL);
}

int th_has_text(th *t, const char *s)
{
    int x, y, w, h;
    return th_find_text(t, s, 0, &x, &y, &w, &h) == 0;
}

int th_has_text_part(th *t, const char *s)
{
    size_t n = strlen(s);
    const ui_ctx *u = t->ui;
    for (int i = 0; i < u->ncmds; i++) {
        const plat_cmd *c = &u->cmds[i];
        if (c->kind != PLAT_CMD_TEXT || (size_t)c->len < n)
            continue;
        for (int k = 0; k + (int)n <= c->len; k++)
            if (memcmp(c->text + k, s, n) == 0)
                return 1;
    }
    return 0;
}

size_t th_snapshot(th *t, char *out, size_t cap)
{
    static const char *names[] = {"RECT", "FRAME", "TEXT", "CLIP", "UNCLIP"};
    size_t n = 0;
    const ui_ctx *u = t->ui;
    out[0] = 0;
    for (int i = 0; i < u->ncmds && n + 1 < cap; i++) {
        const plat_cmd *c = &u->cmds[i];
        int k = snprintf(out + n, cap - n, "%s %d,%d %dx%d #%08x", names[c->kind % 5], c->x, c->y,
                         c->w, c->h, c->color);
        if (k < 0 || (size_t)k >= cap - n)
            break;
        n += (size_t)k;
        if (c->kind == PLAT_CMD_TEXT) {
            k = snprintf(out + n, cap - n, " f%d \"%.*s\"", c->font, c->len, c->text);
            if (k < 0 || (size_t)k >= cap - n)
                break;
            n += (size_t)k;
        }
        if (n + 1 < cap)
            out[n++] = '\n';
        out[n] = 0;
    }
    return n;
}

void th_render(th *t) { t->video->render(t->video, t->ui->cmds, t->ui->ncmds, UI_BG); }

void th_sign_in(th *t, const char *name) { th_sign_in_pin(t, name, DEMO_PIN); }

void th_sign_in_pin(th *t, const char *name, const char *pin)
{
    NEED(th_tap_text(t, name) == 0, "finding the person's tile");
    for (const char *p = pin; *p; p++) {
        char k[2] = {*p, 0};
        NEED(th_tap_text(t, k) == 0, "finding a PIN key");
    }
    NEED(th_tap_text(t, "OK") == 0, "finding the PIN's OK");
}

int th_min_target_dp(th *t)
{
    const ui_ctx *u = t->ui;
    int min = 1 << 30;
    for (int i = 0; i < u->ntargets; i++) {
        ui_rect r = u->targets[i];
        /* Partly scrolled out of a list or off the screen: the visible part
         * is smaller by design, the target itself is not. */
        if (r.x < 0 || r.y < 0 || r.x + r.w > u->w || r.y + r.h > u->h)
            continue;
        int side = r.w < r.h ? r.w : r.h;
        if (side < min)
            min = side;
    }
    return (int)((float)min / u->scale);
}
