/* The immediate-mode widget layer: input state, draw list, widgets. */
#include "ui.h"
#include "plat.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How far a finger may wander and still tap, in dp. */
#define SLOP_DP 10
#define WHEEL_DP 64 /* how far one notch of a mouse wheel scrolls a list */
/* Momentum decays with this time constant (ms); below MIN_VEL it stops. */
#define DECAY_MS 325.0f
#define MIN_VEL 0.02f

ui_ctx *ui_new(plat_video *video)
{
    ui_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->video = video;
    video->size(video, &c->w, &c->h, &c->scale);
    return c;
}

void ui_free(ui_ctx *c) { free(c); }

ui_id ui_idn(const char *name, int n)
{
    uint64_t h = plat_hash(PLAT_HASH_START, name, strlen(name));
    h = plat_hash(h, &n, sizeof n);
    uint32_t id = (uint32_t)(h ^ (h >> 32));
    return id ? id : 1;
}

int ui_dp(const ui_ctx *c, int dp) { return (int)lroundf((float)dp * c->scale); }
ui_rect ui_r(int x, int y, int w, int h) { return (ui_rect){x, y, w, h}; }

ui_rect ui_inset(ui_rect r, int d)
{
    r.x += d;
    r.y += d;
    r.w -= 2 * d;
    r.h -= 2 * d;
    if (r.w < 0)
        r.w = 0;
    if (r.h < 0)
        r.h = 0;
    return r;
}

ui_rect ui_cut_top(ui_rect *r, int h)
{
    if (h > r->h)
        h = r->h;
    ui_rect out = {r->x, r->y, r->w, h};
    r->y += h;
    r->h -= h;
    return out;
}

ui_rect ui_cut_bottom(ui_rect *r, int h)
{
    if (h > r->h)
        h = r->h;
    ui_rect out = {r->x, r->y + r->h - h, r->w, h};
    r->h -= h;
    return out;
}

ui_rect ui_cut_left(ui_rect *r, int w)
{
    if (w > r->w)
        w = r->w;
    ui_rect out = {r->x, r->y, w, r->h};
    r->x += w;
    r->w -= w;
    return out;
}

ui_rect ui_cut_right(ui_rect *r, int w)
{
    if (w > r->w)
        w = r->w;
    ui_rect out = {r->x + r->w - w, r->y, w, r->h};
    r->w -= w;
    return out;
}

int ui_contains(ui_rect r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

/* A widget can only be touched where it is visible: inside the current clip
 * (a list's view), and not beneath a dialog. */
static int touchable(const ui_ctx *c, ui_rect r, int x, int y)
{
    if (c->block || !ui_contains(r, x, y))
        return 0;
    if (c->nclip > 0 && !ui_contains(c->clip[c->nclip - 1], x, y))
        return 0;
    return 1;
}

void ui_input(ui_ctx *c, const plat_event *ev)
{
    switch (ev->kind) {
    case PLAT_EV_DOWN:
        c->px = ev->x;
        c->py = ev->y;
        c->down = 1;
        c->pressed = 1;
        c->press_x = ev->x;
        c->press_y = ev->y;
        c->dragging = 0;
        c->active = 0;
        c->press_list = 0;
        break;
    case PLAT_EV_MOVE:
        c->px = ev->x;
        c->py = ev->y;
        if (c->down && !c->dragging) {
            int dx = ev->x - c->press_x, dy = ev->y - c->press_y;
            int slop = ui_dp(c, SLOP_DP);
            if (dx * dx + dy * dy > slop * slop)
                c->dragging = 1;
        }
        break;
    case PLAT_EV_UP:
        c->px = ev->x;
        c->py = ev->y;
        if (c->down)
            c->released = 1;
        c->down = 0;
        break;
    case PLAT_EV_TEXT: {
        size_t n = strlen(ev->text);
        if (c->typed_len + (int)n < UI_TYPED_MAX) {
            memcpy(c->typed + c->typed_len, ev->text, n);
            c->typed_len += (int)n;
            c->typed[c->typed_len] = 0;
        }
        break;
    }
    case PLAT_EV_KEY: c->key = ev->key; break;
    case PLAT_EV_WHEEL:
        c->wheel = ev->key;
        c->wheel_x = ev->x;
        c->wheel_y = ev->y;
        break;
    case PLAT_EV_RESIZE: c->video->size(c->video, &c->w, &c->h, &c->scale); break;
    default: break;
    }
}

void ui_begin(ui_ctx *c, int64_t now_ms)
{
    c->prev = c->now ? c->now : now_ms;
    c->now = now_ms;
    c->frame++;
    c->video->size(c->video, &c->w, &c->h, &c->scale);
    c->ncmds = 0;
    c->arena_used = 0;
    c->overflow = 0;
    c->animating = 0;
    c->nclip = 0;
    c->focus_seen = 0;
    c->block = 0;
    c->ntargets = 0;
}

void ui_end(ui_ctx *c)
{
    if (c->focus && !c->focus_seen)
        c->focus = 0;
    if (c->released) {
        c->active = 0;
        c->dragging = 0;
        c->press_list = 0;
    }
    c->pressed = 0;
    c->released = 0;
    c->key = PLAT_KEY_NONE;
    c->wheel = 0;
    c->typed_len = 0;
    c->typed[0] = 0;
    /* Keys tapped on the on-screen keyboard reach the field next frame. */
    if (c->osk_pending_len > 0 || c->osk_pending_key) {
        memcpy(c->typed, c->osk_pending, (size_t)c->osk_pending_len);
        c->typed_len = c->osk_pending_len;
        c->typed[c->typed_len] = 0;
        c->key = c->osk_pending_key;
        c->osk_pending_len = 0;
        c->osk_pending_key = 0;
        c->animating = 1;
    }
}

void ui_reset_input(ui_ctx *c)
{
    c->focus = 0;
    c->active = 0;
    c->dragging = 0;
    c->press_list = 0;
    c->typed_len = 0;
    c->typed[0] = 0;
    c->osk_pending_len = 0;
    c->osk_pending_key = 0;
    c->osk_shift = 0;
    c->osk_symbols = 0;
    for (int i = 0; i < UI_MAX_LISTS; i++)
        c->lists[i] = (ui_list){0};
}

int ui_wants_text(const ui_ctx *c) { return c->focus != 0; }

uint64_t ui_frame_hash(const ui_ctx *c)
{
    uint64_t h = PLAT_HASH_START;
#define MIX(v)                                                                                     \
    do {                                                                                           \
        int64_t v_ = (int64_t)(v);                                                                 \
        h = plat_hash(h, &v_, sizeof v_);                                                          \
    } while (0)
    MIX(c->w);
    MIX(c->h);
    for (int i = 0; i < c->ncmds; i++) {
        const plat_cmd *k = &c->cmds[i];
        MIX(k->kind);
        MIX(k->font);
        MIX(k->radius);
        MIX(k->x);
        MIX(k->y);
        MIX(k->w);
        MIX(k->h);
        MIX(k->color);
        MIX(k->len);
        if (k->len > 0)
            h = plat_hash(h, k->text, (size_t)k->len);
    }
#undef MIX
    return h;
}

static plat_cmd *push(ui_ctx *c, int kind)
{
    if (c->ncmds >= UI_MAX_CMDS) {
        c->overflow = 1;
        return NULL;
    }
    plat_cmd *k = &c->cmds[c->ncmds++];
    memset(k, 0, sizeof *k);
    k->kind = (uint8_t)kind;
    return k;
}

static const char *arena_copy(ui_ctx *c, const char *s, int len)
{
    if (c->arena_used + len + 1 > UI_ARENA) {
        c->overflow = 1;
        return NULL;
    }
    char *p = c->arena + c->arena_used;
    memcpy(p, s, (size_t)len);
    p[len] = 0;
    c->arena_used += len + 1;
    return p;
}

const char *ui_fmt(ui_ctx *c, const char *fmt, ...)
{
    int room = UI_ARENA - c->arena_used;
    if (room <= 1) {
        c->overflow = 1;
        return "";
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->arena + c->arena_used, (size_t)room, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= room) {
        c->overflow = 1;
        return "";
    }
    const char *p = c->arena + c->arena_used;
    c->arena_used += n + 1;
    return p;
}

void ui_fill(ui_ctx *c, ui_rect r, plat_color color, int radius_px)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    plat_cmd *k = push(c, PLAT_CMD_RECT);
    if (!k)
        return;
    k->x = r.x;
    k->y = r.y;
    k->w = r.w;
    k->h = r.h;
    k->color = color;
    k->radius = (int16_t)radius_px;
}

void ui_outline(ui_ctx *c, ui_rect r, plat_color color, int width_px)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    plat_cmd *k = push(c, PLAT_CMD_FRAME);
    if (!k)
        return;
    k->x = r.x;
    k->y = r.y;
    k->w = r.w;
    k->h = r.h;
    k->color = color;
    k->radius = (int16_t)width_px;
}

void ui_panel(ui_ctx *c, ui_rect r, plat_color fill, plat_color border, int width_px, int radius_px)
{
    if (width_px > 0) {
        ui_fill(c, r, border, radius_px);
        r = ui_inset(r, width_px);
        radius_px = radius_px > width_px ? radius_px - width_px : 0;
    }
    ui_fill(c, r, fill, radius_px);
}

static int text_n(ui_ctx *c, int font, int x, int y, plat_color color, const char *s, int len)
{
    if (len <= 0)
        return 0;
    const char *p = arena_copy(c, s, len);
    if (!p)
        return 0;
    plat_cmd *k = push(c, PLAT_CMD_TEXT);
    if (!k)
        return 0;
    k->font = (uint8_t)font;
    k->x = x;
    k->y = y;
    k->color = color;
    k->text = p;
    k->len = len;
    k->w = c->video->measure(c->video, font, s, len);
    k->h = c->video->line_height(c->video, font);
    return k->w;
}

int ui_text(ui_ctx *c, int font, int x, int y, plat_color color, const char *s)
{
    return text_n(c, font, x, y, color, s, (int)strlen(s));
}

int ui_measure(ui_ctx *c, int font, const char *s)
{
    return c->video->measure(c->video, font, s, (int)strlen(s));
}

int ui_line_h(const ui_ctx *c, int font) { return c->video->line_height(c->video, font); }

/* Steps back over one UTF-8 character, so that cutting text never splits
 * an æ, ø or å in two. */
static int utf8_prev(const char *s, int i)
{
    if (i <= 0)
        return 0;
    i--;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

void ui_label(ui_ctx *c, ui_rect r, int font, plat_color color, const char *s, ui_align a)
{
    int len = (int)strlen(s);
    int w = c->video->measure(c->video, font, s, len);
    int lh = c->video->line_height(c->video, font);
    int y = r.y + (r.h - lh) / 2;
    if (w <= r.w) {
        int x = a == UI_CENTER ? r.x + (r.w - w) / 2 : a == UI_RIGHT ? r.x + r.w - w : r.x;
        text_n(c, font, x, y, color, s, len);
        return;
    }
    /* Too wide: cut whole characters until it fits with an ellipsis. */
    static const char ell[] = "\xE2\x80\xA6";
    int ew = c->video->measure(c->video, font, ell, 3);
    char buf[512];
    int n = len < (int)sizeof buf - 4 ? len : (int)sizeof buf - 4;
    while (n > 0) {
        n = utf8_prev(s, n);
        if (c->video->measure(c->video, font, s, n) + ew <= r.w)
            break;
    }
    memcpy(buf, s, (size_t)n);
    memcpy(buf + n, ell, 3);
    text_n(c, font, r.x, y, color, buf, n + 3);
}

/* Word-wraps s into r.w (drawing if draw); returns the height used and,
 * if last_w is given, the width of the last line (where a cursor goes). */
static int wrap(ui_ctx *c, ui_rect r, int font, plat_color color, const char *s, int draw,
                int *last_w);

int ui_wrap(ui_ctx *c, ui_rect r, int font, plat_color color, const char *s, int draw)
{
    return wrap(c, r, font, color, s, draw, NULL);
}

static int wrap(ui_ctx *c, ui_rect r, int font, plat_color color, const char *s, int draw,
                int *last_w)
{
    if (last_w)
        *last_w = 0;
    int lh = c->video->line_height(c->video, font);
    int y = r.y;
    const char *p = s;
    while (*p) {
        /* Take words while the line fits; a word wider than the line is cut
         * by characters. */
        int end = 0, last_fit = 0, i = 0;
        while (p[i] && p[i] != '\n') {
            int j = i;
            while (p[j] == ' ')
                j++;
            while (p[j] && p[j] != ' ' && p[j] != '\n')
                j++;
            if (c->video->measure(c->video, font, p, j) > r.w && last_fit > 0)
                break;
            last_fit = j;
            i = j;
        }
        end = last_fit;
        if (end == 0) {
            end = (int)strlen(p);
            if (end > 0 && p[0] == '\n')
                end = 0;
        }
        if (c->video->measure(c->video, font, p, end) > r.w) {
            while (end > 1 && c->video->measure(c->video, font, p, end) > r.w)
                end = utf8_prev(p, end);
        }
        if (draw && end > 0)
            text_n(c, font, r.x, y, color, p, end);
        if (last_w)
            *last_w = end > 0 ? c->video->measure(c->video, font, p, end) : 0;
        y += lh;
        p += end;
        while (*p == ' ')
            p++;
        if (*p == '\n')
            p++;
    }
    return y - r.y;
}

void ui_clip_push(ui_ctx *c, ui_rect r)
{
    if (c->nclip > 0) {
        /* A clip inside a clip is their intersection. */
        ui_rect o = c->clip[c->nclip - 1];
        int x0 = r.x > o.x ? r.x : o.x, y0 = r.y > o.y ? r.y : o.y;
        int x1 = r.x + r.w < o.x + o.w ? r.x + r.w : o.x + o.w;
        int y1 = r.y + r.h < o.y + o.h ? r.y + r.h : o.y + o.h;
        r = ui_r(x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0);
    }
    if (c->nclip < UI_MAX_CLIP)
        c->clip[c->nclip++] = r;
    plat_cmd *k = push(c, PLAT_CMD_CLIP);
    if (k) {
        k->x = r.x;
        k->y = r.y;
        k->w = r.w;
        k->h = r.h;
    }
}

void ui_clip_pop(ui_ctx *c)
{
    if (c->nclip > 0)
        c->nclip--;
    if (c->nclip > 0) {
        ui_rect r = c->clip[c->nclip - 1];
        plat_cmd *k = push(c, PLAT_CMD_CLIP);
        if (k) {
            k->x = r.x;
            k->y = r.y;
            k->w = r.w;
            k->h = r.h;
        }
    } else {
        push(c, PLAT_CMD_UNCLIP);
    }
}

/* The press/release rule shared by every widget: the widget under the
 * finger when it goes down takes the press; it fires if the finger comes up
 * inside it without having dragged. Returns 1 on a tap; *held says whether
 * to draw it pressed. */
static int interact(ui_ctx *c, ui_id id, ui_rect r, int *held)
{
    if (!c->block && c->ntargets < UI_MAX_TARGETS)
        c->targets[c->ntargets++] = r;
    if (c->pressed && !c->active && touchable(c, r, c->press_x, c->press_y))
        c->active = id;
    int inside = touchable(c, r, c->px, c->py);
    if (held)
        *held = c->active == id && c->down && inside && !c->dragging;
    return c->released && c->active == id && inside && !c->dragging;
}

int ui_area(ui_ctx *c, ui_id id, ui_rect r, int *pressed_out)
{
    int held = 0;
    int fired = interact(c, id, r, &held);
    if (pressed_out)
        *pressed_out = held;
    return fired;
}

int ui_button(ui_ctx *c, ui_id id, ui_rect r, const char *label, ui_style style)
{
    int held;
    int fired = interact(c, id, r, &held);
    int rad = ui_dp(c, 10);
    plat_color bg, fg;
    switch (style) {
    case UI_STYLE_PRIMARY:
        bg = held ? UI_PRIMARY_DARK : UI_PRIMARY;
        fg = UI_ON_PRIMARY;
        break;
    case UI_STYLE_DANGER:
        bg = held ? 0x8A2F20FFu : UI_DANGER;
        fg = UI_ON_PRIMARY;
        break;
    case UI_STYLE_QUIET:
        bg = held ? UI_SOFT : 0;
        fg = UI_PRIMARY;
        break;
    default:
        bg = held ? UI_SOFT : UI_SURFACE;
        fg = UI_PRIMARY;
        break;
    }
    if (style == UI_STYLE_PLAIN)
        ui_panel(c, r, bg, UI_PRIMARY, ui_dp(c, 2), rad);
    else if (bg)
        ui_fill(c, r, bg, rad);
    ui_label(c, ui_inset(r, ui_dp(c, 8)), PLAT_FONT_BOLD, fg, label, UI_CENTER);
    return fired;
}

int ui_toggle(ui_ctx *c, ui_id id, ui_rect r, const char *label, int *on)
{
    int held;
    int fired = interact(c, id, r, &held);
    if (fired)
        *on = !*on;
    ui_panel(c, r, held ? UI_SOFT : UI_SURFACE, *on ? UI_PRIMARY : UI_LINE, ui_dp(c, 2),
             ui_dp(c, 10));
    ui_rect in = ui_inset(r, ui_dp(c, 12));
    int sw = ui_dp(c, 60), sh = ui_dp(c, 32);
    ui_rect sr = ui_cut_right(&in, sw);
    sr.y += (sr.h - sh) / 2;
    sr.h = sh;
    ui_fill(c, sr, *on ? UI_PRIMARY : UI_LINE, sh / 2);
    int k = sh - ui_dp(c, 6);
    ui_rect knob = {*on ? sr.x + sr.w - k - ui_dp(c, 3) : sr.x + ui_dp(c, 3), sr.y + ui_dp(c, 3), k,
                    k};
    ui_fill(c, knob, UI_SURFACE, k / 2);
    in.w -= ui_dp(c, 8);
    ui_label(c, in, PLAT_FONT_BODY, UI_TEXT, label, UI_LEFT);
    return fired;
}

int ui_chip(ui_ctx *c, ui_id id, ui_rect r, const char *label, int selected)
{
    int held;
    int fired = interact(c, id, r, &held);
    plat_color bg = selected ? UI_PRIMARY : held ? UI_SOFT : UI_SURFACE;
    if (selected)
        ui_fill(c, r, bg, ui_dp(c, 12));
    else
        ui_panel(c, r, bg, held ? UI_PRIMARY : UI_LINE, ui_dp(c, 2), ui_dp(c, 12));
    ui_label(c, ui_inset(r, ui_dp(c, 10)), selected ? PLAT_FONT_BOLD : PLAT_FONT_BODY,
             selected ? UI_ON_PRIMARY : UI_TEXT, label, UI_CENTER);
    return fired;
}

int ui_counter(ui_ctx *c, ui_id id, ui_rect r, const char *label, int count)
{
    int held;
    int fired = interact(c, id, r, &held);
    ui_fill(c, r, held ? UI_PRIMARY_DARK : UI_PRIMARY, ui_dp(c, 14));
    ui_rect in = ui_inset(r, ui_dp(c, 10));
    int nh = ui_line_h(c, PLAT_FONT_HUGE);
    ui_rect num = ui_cut_top(&in, in.h - ui_line_h(c, PLAT_FONT_BODY) > nh ? nh : in.h / 2);
    ui_label(c, num, PLAT_FONT_HUGE, UI_ON_PRIMARY, ui_fmt(c, "%d", count), UI_CENTER);
    ui_label(c, in, PLAT_FONT_BODY, UI_ON_PRIMARY, label, UI_CENTER);
    return fired;
}

void ui_focus(ui_ctx *c, ui_id id)
{
    c->focus = id;
    c->focus_seen = 1;
}

/* Applies this frame's typing to buf: appends whole UTF-8 characters while
 * they fit, drops what the field does not accept (broken UTF-8 and control
 * characters included, which the store would refuse), and erases by
 * character. */
static int edit(ui_ctx *c, char *buf, size_t cap, unsigned flags)
{
    int changed = 0;
    size_t len = strlen(buf);
    for (int i = 0; i < c->typed_len;) {
        uint32_t cp = 0;
        int n = plat_utf8_next(c->typed + i, (size_t)(c->typed_len - i), &cp);
        int ok = n > 0 && cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0);
        if (n < 0)
            n = 1;
        if ((flags & UI_FIELD_DIGITS) && !(cp >= '0' && cp <= '9'))
            ok = 0;
        if (ok && len + (size_t)n < cap) {
            memcpy(buf + len, c->typed + i, (size_t)n);
            len += (size_t)n;
            buf[len] = 0;
            changed = 1;
        }
        i += n;
    }
    if (c->key == PLAT_KEY_BACKSPACE && len > 0) {
        len = (size_t)utf8_prev(buf, (int)len);
        buf[len] = 0;
        changed = 1;
    }
    return changed;
}

int ui_field(ui_ctx *c, ui_id id, ui_rect r, char *buf, size_t cap, const char *placeholder,
             unsigned flags)
{
    int held;
    if (interact(c, id, r, &held)) {
        c->focus = id;
        c->focus_flags = flags;
    }
    int result = 0;
    int focused = c->focus == id;
    if (focused) {
        c->focus_seen = 1;
        if (edit(c, buf, cap, flags))
            result |= UI_CHANGED;
        if (c->key == PLAT_KEY_ENTER)
            result |= UI_SUBMIT;
    }
    ui_panel(c, r, UI_SURFACE, focused ? UI_PRIMARY : UI_LINE, ui_dp(c, focused ? 3 : 2),
             ui_dp(c, 8));
    ui_rect in = ui_inset(r, ui_dp(c, 12));
    char shown[256];
    const char *s = buf;
    if (flags & UI_FIELD_SECRET) {
        size_t n = strlen(buf);
        size_t k = 0;
        for (size_t i = 0; i < n && k + 3 < sizeof shown; i++) {
            memcpy(shown + k, "\xE2\x80\xA2", 3); /* a bullet per digit */
            k += 3;
        }
        shown[k] = 0;
        s = shown;
    }
    int lh = ui_line_h(c, PLAT_FONT_BODY);
    int ty = in.y + (in.h - lh) / 2;
    if (!*s) {
        if (placeholder && !focused)
            ui_label(c, in, PLAT_FONT_BODY, UI_MUTED, placeholder, UI_LEFT);
        if (focused)
            ui_fill(c, ui_r(in.x, ty, ui_dp(c, 2), lh), UI_PRIMARY, 0);
        return result;
    }
    /* Show the end of the text, where typing happens. */
    int len = (int)strlen(s), start = 0;
    while (start < len && c->video->measure(c->video, PLAT_FONT_BODY, s + start, len - start) >
                              in.w - ui_dp(c, 4)) {
        int n = plat_utf8_next(s + start, (size_t)(len - start), NULL);
        start += n > 0 ? n : 1;
    }
    int w = text_n(c, PLAT_FONT_BODY, in.x, ty, UI_TEXT, s + start, len - start);
    if (focused)
        ui_fill(c, ui_r(in.x + w + 1, ty, ui_dp(c, 2), lh), UI_PRIMARY, 0);
    return result;
}

int ui_textarea(ui_ctx *c, ui_id id, ui_rect r, char *buf, size_t cap, const char *placeholder)
{
    int held;
    if (interact(c, id, r, &held)) {
        c->focus = id;
        c->focus_flags = 0;
    }
    int result = 0;
    int focused = c->focus == id;
    if (focused) {
        c->focus_seen = 1;
        if (edit(c, buf, cap, 0))
            result |= UI_CHANGED;
        if (c->key == PLAT_KEY_ENTER) {
            /* Done: the text is finished; the keyboard goes away. */
            result |= UI_SUBMIT;
            c->focus = 0;
            focused = 0;
        }
    }
    ui_panel(c, r, held ? UI_SOFT : UI_SURFACE, focused ? UI_PRIMARY : UI_LINE,
             ui_dp(c, focused ? 3 : 2), ui_dp(c, 8));
    ui_rect in = ui_inset(r, ui_dp(c, 12));
    int lh = ui_line_h(c, PLAT_FONT_BODY);
    if (!*buf) {
        if (placeholder && !focused)
            ui_wrap(c, in, PLAT_FONT_BODY, UI_MUTED, placeholder, 1);
        if (focused)
            ui_fill(c, ui_r(in.x, in.y, ui_dp(c, 2), lh), UI_PRIMARY, 0);
        return result;
    }
    /* Long text shows its end, where typing happens; the start is above. */
    int last_w = 0;
    int th = wrap(c, in, PLAT_FONT_BODY, UI_TEXT, buf, 0, &last_w);
    int y = th > in.h ? in.y + in.h - th : in.y;
    ui_clip_push(c, in);
    wrap(c, ui_r(in.x, y, in.w, th), PLAT_FONT_BODY, UI_TEXT, buf, 1, NULL);
    if (focused) {
        ui_fill(c, ui_r(in.x + last_w + 1, y + th - lh, ui_dp(c, 2), lh), UI_PRIMARY, 0);
    }
    ui_clip_pop(c);
    return result;
}

int ui_keyboard_height(const ui_ctx *c) { return ui_dp(c, 4 * 56 + 12); }

static void osk_type(ui_ctx *c, const char *s)
{
    size_t n = strlen(s);
    if (c->osk_pending_len + (int)n < UI_TYPED_MAX) {
        memcpy(c->osk_pending + c->osk_pending_len, s, n);
        c->osk_pending_len += (int)n;
    }
}

/* One key; returns 1 when tapped. */
static int osk_key(ui_ctx *c, ui_rect r, const char *label, int special, int id)
{
    int held;
    int fired = interact(c, ui_idn("osk", id), r, &held);
    ui_rect k = ui_inset(r, ui_dp(c, 3));
    ui_fill(c, k, held ? UI_SOFT : special ? 0xCFD6D8FFu : UI_SURFACE, ui_dp(c, 6));
    ui_label(c, k, special ? PLAT_FONT_SMALL : PLAT_FONT_TITLE, UI_TEXT, label, UI_CENTER);
    return fired;
}

void ui_keyboard(ui_ctx *c, ui_rect r, const ui_osk_labels *l)
{
    static const char *lower[3][11] = {{"q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "å"},
                                       {"a", "s", "d", "f", "g", "h", "j", "k", "l", "æ", "ø"},
                                       {"z", "x", "c", "v", "b", "n", "m", ",", ".", "-", "?"}};
    static const char *upper[3][11] = {{"Q", "W", "E", "R", "T", "Y", "U", "I", "O", "P", "Å"},
                                       {"A", "S", "D", "F", "G", "H", "J", "K", "L", "Æ", "Ø"},
                                       {"Z", "X", "C", "V", "B", "N", "M", ";", ":", "!", "'"}};
    static const char *symbols[3][11] = {{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "%"},
                                         {"+", "=", "/", "(", ")", "\"", "&", "@", "#", "*", "§"},
                                         {"<", ">", "[", "]", "_", ",", ".", "-", "?", "!", ":"}};
    ui_fill(c, r, 0xE3E6E6FFu, 0);
    ui_rect in = ui_inset(r, ui_dp(c, 6));
    int rh = in.h / 4;
    const char *(*rows)[11] = c->osk_symbols ? symbols : c->osk_shift ? upper : lower;
    for (int row = 0; row < 3; row++) {
        ui_rect line = ui_cut_top(&in, rh);
        int kw = line.w / 11;
        for (int k = 0; k < 11; k++) {
            ui_rect kr = {line.x + k * kw, line.y, kw, line.h};
            if (osk_key(c, kr, rows[row][k], 0, row * 16 + k)) {
                osk_type(c, rows[row][k]);
                /* Shift is for one letter, as on a phone. */
                c->osk_shift = 0;
            }
        }
    }
    ui_rect line = in;
    int kw = line.w / 11;
    ui_rect shift = ui_cut_left(&line, kw * 2);
    ui_rect sym = ui_cut_left(&line, kw * 2);
    ui_rect done = ui_cut_right(&line, kw * 2);
    ui_rect erase = ui_cut_right(&line, kw * 2);
    if (!c->osk_symbols && osk_key(c, shift, c->osk_shift ? l->letters : "ABC", 1, 100))
        c->osk_shift = !c->osk_shift;
    if (osk_key(c, sym, c->osk_symbols ? l->letters : l->symbols, 1, 101)) {
        c->osk_symbols = !c->osk_symbols;
        c->osk_shift = 0;
    }
    if (osk_key(c, line, l->space, 1, 102))
        osk_type(c, " ");
    if (osk_key(c, erase, l->erase, 1, 103))
        c->osk_pending_key = PLAT_KEY_BACKSPACE;
    if (osk_key(c, done, l->done, 1, 104))
        c->osk_pending_key = PLAT_KEY_ENTER;
}

static ui_list *list_get(ui_ctx *c, ui_id id, int create)
{
    ui_list *free_slot = NULL, *oldest = NULL;
    for (int i = 0; i < UI_MAX_LISTS; i++) {
        ui_list *l = &c->lists[i];
        if (l->id == id)
            return l;
        if (!l->id && !free_slot)
            free_slot = l;
        if (!oldest || l->used < oldest->used)
            oldest = l;
    }
    if (!create)
        return NULL;
    /* A bounded pool: the list not drawn for longest gives up its slot. */
    ui_list *l = free_slot ? free_slot : oldest;
    memset(l, 0, sizeof *l);
    l->id = id;
    return l;
}

static void list_clamp(ui_list *l)
{
    float max = (float)(l->content - l->view);
    if (max < 0)
        max = 0;
    if (l->offset > max) {
        l->offset = max;
        l->vel = 0;
    }
    if (l->offset < 0) {
        l->offset = 0;
        l->vel = 0;
    }
}

int ui_list_begin(ui_ctx *c, ui_id id, ui_rect view)
{
    ui_list *l = list_get(c, id, 1);
    l->used = c->frame;
    l->view = view.h;
    l->rect = view;
    if (c->pressed && touchable(c, view, c->press_x, c->press_y)) {
        c->press_list = id;
        l->vel = 0; /* a finger on a moving list stops it */
        l->drag_start = l->offset;
        l->last_y = c->py;
        l->last_t = c->now;
    }
    /* A wheel turned over the list scrolls it by a few lines a notch (the
     * outermost list under the pointer takes it), and stops any fling. */
    if (c->wheel && touchable(c, view, c->wheel_x, c->wheel_y)) {
        l->offset += (float)(c->wheel * ui_dp(c, WHEEL_DP));
        l->vel = 0;
        c->wheel = 0;
    }
    if (c->press_list == id && c->dragging && (c->down || c->released)) {
        float before = l->offset;
        l->offset = l->drag_start - (float)(c->py - c->press_y);
        int64_t dt = c->now - l->last_t;
        /* Velocity from real moves only, smoothed over the last few so one
         * jittery sample does not decide how far the list flies. */
        if (l->offset != before && dt > 0) {
            float v = (l->offset - before) / (float)dt;
            l->vel = 0.6f * v + 0.4f * l->vel;
            l->last_t = c->now;
            l->last_y = c->py;
        }
        /* A finger that rested before lifting throws nothing. */
        if (c->released && c->now - l->last_t > 100)
            l->vel = 0;
    } else if (l->vel != 0 && !c->down) {
        float dt = (float)(c->now - c->prev);
        if (dt > 100)
            dt = 100;
        l->offset += l->vel * dt;
        l->vel *= expf(-dt / DECAY_MS);
        if (fabsf(l->vel) < MIN_VEL)
            l->vel = 0;
    }
    list_clamp(l);
    if (l->vel != 0)
        c->animating = 1;
    ui_clip_push(c, view);
    return view.y - (int)lroundf(l->offset);
}

void ui_list_end(ui_ctx *c, ui_id id, int content_h)
{
    ui_list *l = list_get(c, id, 1);
    l->content = content_h;
    list_clamp(l);
    ui_clip_pop(c);
    /* A thin bar shows where in the list we are, only if it scrolls; it is
     * a hint, not a target (the whole list is dragged). */
    if (content_h > l->view && l->view > 0) {
        int bh = l->view * l->view / content_h;
        if (bh < ui_dp(c, 24))
            bh = ui_dp(c, 24);
        int by = l->rect.y +
                 (int)((float)(l->view - bh) * l->offset / (float)(content_h - l->view));
        ui_fill(c, ui_r(l->rect.x + l->rect.w - ui_dp(c, 4), by, ui_dp(c, 3), bh), 0x00000055u,
                ui_dp(c, 2));
    }
}

void ui_list_scroll_to(ui_ctx *c, ui_id id, int offset)
{
    ui_list *l = list_get(c, id, 1);
    l->offset = (float)offset;
    l->vel = 0;
    list_clamp(l);
}

int ui_list_offset(ui_ctx *c, ui_id id)
{
    ui_list *l = list_get(c, id, 0);
    return l ? (int)lroundf(l->offset) : 0;
}

void ui_block(ui_ctx *c, int on) { c->block = on; }

ui_rect ui_dialog(ui_ctx *c, ui_id id, int w_px, int h_px, int *dismiss)
{
    ui_rect screen = {0, 0, c->w, c->h};
    if (w_px > c->w - ui_dp(c, 16))
        w_px = c->w - ui_dp(c, 16);
    if (h_px > c->h - ui_dp(c, 16))
        h_px = c->h - ui_dp(c, 16);
    ui_rect panel = {(c->w - w_px) / 2, (c->h - h_px) / 2, w_px, h_px};
    ui_fill(c, screen, UI_SCRIM, 0);
    /* The scrim is a button of its own: a tap outside the panel closes. */
    if (c->pressed && !c->active && !touchable(c, panel, c->press_x, c->press_y) &&
        touchable(c, screen, c->press_x, c->press_y))
        c->active = id;
    if (c->released && c->active == id && !c->dragging && !ui_contains(panel, c->px, c->py))
        *dismiss = 1;
    if (c->key == PLAT_KEY_ESCAPE)
        *dismiss = 1;
    ui_fill(c, panel, UI_SURFACE, ui_dp(c, 16));
    return ui_inset(panel, ui_dp(c, 20));
}
