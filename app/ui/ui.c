/* The immediate-mode widget layer's core: the context, the frame and its
 * input, rectangles, the draw list and clipping, and the simple widgets
 * (areas, buttons, toggles, chips, counters, dialogs). Text, editing, the
 * on-screen keyboard and lists live in ui_text.c, ui_edit.c, ui_osk.c and
 * ui_list.c. */
#include "ui_int.h"
#include "plat.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
int ui_touchable(const ui_ctx *c, ui_rect r, int x, int y)
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
        c->text_press = 0;
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
    case PLAT_EV_KEY:
        c->key = ev->key;
        c->key_mods = ev->mods;
        break;
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
    c->in_list = 0;
    c->focus_seen = 0;
    c->block = 0;
    c->ntargets = 0;
    if (c->pressed)
        c->press_t = now_ms;
}

void ui_end(ui_ctx *c)
{
    if (c->focus && !c->focus_seen)
        c->focus = 0;
    /* A tap on anything but a text or the keyboard ends the editing, so the
     * keyboard never stays over the screen once a person has moved on. */
    if (c->released && !c->dragging && !c->text_press)
        c->focus = 0;
    if (c->released) {
        c->active = 0;
        c->dragging = 0;
        c->press_list = 0;
        c->selecting = 0;
    }
    c->key_list = ui_pick_key_list(c);
    ui_refused_note(c);
    if (!c->focus)
        c->reveal = 0;
    c->pressed = 0;
    c->released = 0;
    c->key = PLAT_KEY_NONE;
    c->key_mods = 0;
    c->wheel = 0;
    c->typed_len = 0;
    c->typed[0] = 0;
    /* Keys tapped on the on-screen keyboard reach the field next frame. */
    if (c->osk_pending_len > 0 || c->osk_pending_key) {
        memcpy(c->typed, c->osk_pending, (size_t)c->osk_pending_len);
        c->typed_len = c->osk_pending_len;
        c->typed[c->typed_len] = 0;
        c->key = c->osk_pending_key;
        c->key_mods = c->osk_pending_mods;
        c->osk_pending_len = 0;
        c->osk_pending_key = 0;
        c->osk_pending_mods = 0;
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
    c->osk_pending_mods = 0;
    c->osk_repeat_at = 0;
    c->osk_repeated = 0;
    c->selecting = 0;
    c->edit_id = 0;
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

plat_cmd *ui_push(ui_ctx *c, int kind)
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

const char *ui_arena_copy(ui_ctx *c, const char *s, int len)
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
    plat_cmd *k = ui_push(c, PLAT_CMD_RECT);
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
    plat_cmd *k = ui_push(c, PLAT_CMD_FRAME);
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
    plat_cmd *k = ui_push(c, PLAT_CMD_CLIP);
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
        plat_cmd *k = ui_push(c, PLAT_CMD_CLIP);
        if (k) {
            k->x = r.x;
            k->y = r.y;
            k->w = r.w;
            k->h = r.h;
        }
    } else {
        ui_push(c, PLAT_CMD_UNCLIP);
    }
}

/* The press/release rule shared by every widget: the widget under the
 * finger when it goes down takes the press; it fires if the finger comes up
 * inside it without having dragged. Returns 1 on a tap; *held says whether
 * to draw it pressed. */
int ui_interact(ui_ctx *c, ui_id id, ui_rect r, int *held)
{
    if (!c->block && c->ntargets < UI_MAX_TARGETS)
        c->targets[c->ntargets++] = r;
    if (c->pressed && !c->active && ui_touchable(c, r, c->press_x, c->press_y))
        c->active = id;
    int inside = ui_touchable(c, r, c->px, c->py);
    if (held)
        *held = c->active == id && c->down && inside && !c->dragging;
    return c->released && c->active == id && inside && !c->dragging;
}

int ui_area(ui_ctx *c, ui_id id, ui_rect r, int *pressed_out)
{
    int held = 0;
    int fired = ui_interact(c, id, r, &held);
    if (pressed_out)
        *pressed_out = held;
    return fired;
}

int ui_button(ui_ctx *c, ui_id id, ui_rect r, const char *label, ui_style style)
{
    int held;
    int fired = ui_interact(c, id, r, &held);
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
    int fired = ui_interact(c, id, r, &held);
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
    int fired = ui_interact(c, id, r, &held);
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
    int fired = ui_interact(c, id, r, &held);
    ui_fill(c, r, held ? UI_PRIMARY_DARK : UI_PRIMARY, ui_dp(c, 14));
    ui_rect in = ui_inset(r, ui_dp(c, 10));
    int nh = ui_line_h(c, PLAT_FONT_HUGE);
    ui_rect num = ui_cut_top(&in, in.h - ui_line_h(c, PLAT_FONT_BODY) > nh ? nh : in.h / 2);
    ui_label(c, num, PLAT_FONT_HUGE, UI_ON_PRIMARY, ui_fmt(c, "%d", count), UI_CENTER);
    ui_label(c, in, PLAT_FONT_BODY, UI_ON_PRIMARY, label, UI_CENTER);
    return fired;
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
    if (c->pressed && !c->active && !ui_touchable(c, panel, c->press_x, c->press_y) &&
        ui_touchable(c, screen, c->press_x, c->press_y))
        c->active = id;
    if (c->released && c->active == id && !c->dragging && !ui_contains(panel, c->px, c->py))
        *dismiss = 1;
    if (c->key == PLAT_KEY_ESCAPE)
        *dismiss = 1;
    ui_fill(c, panel, UI_SURFACE, ui_dp(c, 16));
    return ui_inset(panel, ui_dp(c, 20));
}
