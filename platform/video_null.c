/* The dummy video table: measures text by a fixed rule and draws nothing,
 * so that widget tests run without SDL, fonts or a display. */
#include "plat.h"
#include "plat_gfx.h"

#include <stdlib.h>
#include <string.h>

#define NULL_QUEUE 256

static const int null_font_dp[PLAT_FONT_COUNT] = {14, 18, 18, 24, 36};

typedef struct {
    plat_video table;
    int w, h;
    float scale;
    plat_event queue[NULL_QUEUE];
    int head, count;
    int text_input;
    char clipboard[4096];
} null_video;

static void n_size(const plat_video *t, int *w, int *h, float *scale)
{
    const null_video *v = (const null_video *)t;
    if (w)
        *w = v->w;
    if (h)
        *h = v->h;
    if (scale)
        *scale = v->scale;
}

static int n_wait(plat_video *t, int timeout_ms, plat_event *ev)
{
    (void)timeout_ms;
    null_video *v = (null_video *)t;
    if (v->count == 0)
        return 0;
    *ev = v->queue[v->head];
    v->head = (v->head + 1) % NULL_QUEUE;
    v->count--;
    return 1;
}

/* Counts characters, not bytes, so that æ, ø and å measure like other
 * letters, as they do in a real font. */
static int n_measure(plat_video *t, int font, const char *s, int len)
{
    const null_video *v = (const null_video *)t;
    if (font < 0 || font >= PLAT_FONT_COUNT)
        return 0;
    int chars = 0;
    for (int i = 0; i < len; chars++) {
        int n = plat_utf8_next(s + i, (size_t)(len - i), NULL);
        i += n > 0 ? n : 1;
    }
    return (int)((float)chars * (float)null_font_dp[font] * 0.55f * v->scale);
}

static int n_line_height(const plat_video *t, int font)
{
    const null_video *v = (const null_video *)t;
    if (font < 0 || font >= PLAT_FONT_COUNT)
        return 0;
    return (int)((float)null_font_dp[font] * 1.4f * v->scale);
}

static void n_render(plat_video *t, const plat_cmd *cmds, int n, plat_color clear)
{
    (void)t;
    (void)cmds;
    (void)n;
    (void)clear;
}

static void n_text_input(plat_video *t, int on) { ((null_video *)t)->text_input = on; }
static int n_has_keyboard(const plat_video *t)
{
    (void)t;
    return 0;
}
static const uint32_t *n_pixels(const plat_video *t, int *w, int *h)
{
    (void)t;
    *w = *h = 0;
    return NULL;
}
static int n_resize(plat_video *t, int w, int h)
{
    null_video *v = (null_video *)t;
    v->w = w;
    v->h = h;
    return 0;
}
static void n_close(plat_video *t) { free(t); }

static int n_can_draw(plat_video *t, uint32_t cp)
{
    (void)t;
    return cp < 0x1F000;
}

/* A clipboard of its own, so that copy and paste can be tested. */
static void n_clipboard_set(plat_video *t, const char *text)
{
    null_video *v = (null_video *)t;
    plat_utf8_copy(v->clipboard, sizeof v->clipboard, text);
}

static size_t n_clipboard_get(plat_video *t, char *buf, size_t cap)
{
    null_video *v = (null_video *)t;
    return plat_utf8_copy(buf, cap, v->clipboard);
}

plat_video *plat_video_null(int w, int h, float scale)
{
    null_video *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->table = (plat_video){.size = n_size,
                            .wait = n_wait,
                            .measure = n_measure,
                            .line_height = n_line_height,
                            .render = n_render,
                            .text_input = n_text_input,
                            .has_keyboard = n_has_keyboard,
                            .pixels = n_pixels,
                            .resize = n_resize,
                            .close = n_close,
                            .clipboard_set = n_clipboard_set,
                            .clipboard_get = n_clipboard_get,
                            .can_draw = n_can_draw};
    v->table.ctx = v;
    v->w = w;
    v->h = h;
    v->scale = scale > 0 ? scale : 1;
    return &v->table;
}

int plat_null_push(plat_video *t, const plat_event *ev)
{
    null_video *v = (null_video *)t;
    if (v->count == NULL_QUEUE)
        return -1;
    v->queue[(v->head + v->count) % NULL_QUEUE] = *ev;
    v->count++;
    return 0;
}

/* Every table closes itself; this only spares the caller the NULL check, and
 * lives here so that code which never opens SDL can close a table too. */
void plat_video_close(plat_video *v)
{
    if (v)
        v->close(v);
}

void plat_window_size(int avail_w, int avail_h, int want_w, int want_h, int *w, int *h)
{
    if (want_w <= 0 || want_h <= 0) {
        int portrait = avail_h > avail_w;
        want_w = portrait ? 800 : 1280;
        want_h = portrait ? 1280 : 800;
    }
    *w = want_w;
    *h = want_h;
    if (avail_w <= 0 || avail_h <= 0 || (want_w <= avail_w && want_h <= avail_h))
        return;
    /* The smaller of the two ratios fits both sides. */
    if ((int64_t)want_w * avail_h > (int64_t)want_h * avail_w) {
        *w = avail_w;
        *h = (int)((int64_t)want_h * avail_w / want_w);
    } else {
        *h = avail_h;
        *w = (int)((int64_t)want_w * avail_h / want_h);
    }
}
