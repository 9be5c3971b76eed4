/* Scrolling lists: their state from frame to frame, dragging with
 * momentum, the mouse wheel, and the arrow and page keys. */
#include "ui_int.h"

#include <math.h>
#include <string.h>

#define WHEEL_DP 64    /* how far one notch of a mouse wheel scrolls a list */
#define KEY_LINE_DP 48 /* how far an arrow key scrolls a list */
/* Momentum decays with this time constant (ms); below MIN_VEL it stops. */
#define DECAY_MS 325.0f
#define MIN_VEL 0.02f

/* The list the arrow and page keys scroll next frame: the one under the
 * pointer, else the biggest in view (the screen's main list). */
ui_id ui_pick_key_list(const ui_ctx *c)
{
    const ui_list *best = NULL;
    for (int i = 0; i < UI_MAX_LISTS; i++) {
        const ui_list *l = &c->lists[i];
        if (!l->id || l->used != c->frame || !l->keys)
            continue;
        if (ui_contains(l->rect, c->px, c->py))
            return l->id;
        if (!best || l->rect.w * l->rect.h > best->rect.w * best->rect.h)
            best = l;
    }
    return best ? best->id : 0;
}

ui_list *ui_list_get(ui_ctx *c, ui_id id, int create)
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
    ui_list *l = ui_list_get(c, id, 1);
    l->used = c->frame;
    l->view = view.h;
    l->rect = view;
    if (c->pressed && ui_touchable(c, view, c->press_x, c->press_y)) {
        c->press_list = id;
        l->vel = 0; /* a finger on a moving list stops it */
        l->drag_start = l->offset;
        l->last_y = c->py;
        l->last_t = c->now;
    }
    /* A wheel turned over the list scrolls it by a few lines a notch (the
     * outermost list under the pointer takes it), and stops any fling. */
    /* The arrow and page keys scroll the list chosen for them (see
     * pick_key_list) while no text has the focus, which takes them
     * itself. */
    l->keys = !c->block;
    if (c->key_list == id && !c->block && !c->focus) {
        float line = (float)ui_dp(c, KEY_LINE_DP);
        float page = (float)view.h - line > line ? (float)view.h - line : line;
        float step = c->key == PLAT_KEY_UP         ? -line
                     : c->key == PLAT_KEY_DOWN     ? line
                     : c->key == PLAT_KEY_PAGEUP   ? -page
                     : c->key == PLAT_KEY_PAGEDOWN ? page
                     : c->key == PLAT_KEY_HOME     ? -1e9f
                     : c->key == PLAT_KEY_END      ? 1e9f
                                                   : 0;
        if (step != 0) {
            l->offset += step;
            l->vel = 0;
            c->key = PLAT_KEY_NONE;
        }
    }
    if (c->wheel && ui_touchable(c, view, c->wheel_x, c->wheel_y)) {
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
    c->in_list = id;
    return view.y - (int)lroundf(l->offset);
}

void ui_list_end(ui_ctx *c, ui_id id, int content_h)
{
    ui_list *l = ui_list_get(c, id, 1);
    l->content = content_h;
    list_clamp(l);
    ui_clip_pop(c);
    c->in_list = 0;
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
    ui_list *l = ui_list_get(c, id, 1);
    l->offset = (float)offset;
    l->vel = 0;
    list_clamp(l);
}

int ui_list_offset(ui_ctx *c, ui_id id)
{
    ui_list *l = ui_list_get(c, id, 0);
    return l ? (int)lroundf(l->offset) : 0;
}
