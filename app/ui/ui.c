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
#define WHEEL_DP 64       /* how far one notch of a mouse wheel scrolls a list */
#define KEY_LINE_DP 48    /* how far an arrow key scrolls a list */
#define DOUBLE_TAP_MS 400 /* a second tap this soon after the first selects a word */
#define ERASE_HOLD_MS 500 /* a held Erase starts erasing words after this */
#define ERASE_REPEAT_MS 250
#define REFUSED_MS 4000 /* how long the note on a refused character stays */
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

static void refused_note(ui_ctx *c);

/* The list the arrow and page keys scroll next frame: the one under the
 * pointer, else the biggest in view (the screen's main list). */
static ui_id pick_key_list(const ui_ctx *c)
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
    c->key_list = pick_key_list(c);
    refused_note(c);
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

/* The start of the character that holds byte i. */
static int utf8_start(const char *s, int i)
{
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* Steps over one character (a broken byte counts as one). */
static int utf8_step(const char *s, int len, int i)
{
    if (i >= len)
        return len;
    int n = plat_utf8_next(s + i, (size_t)(len - i), NULL);
    return i + (n > 0 ? n : 1);
}

static int measure_n(ui_ctx *c, int font, const char *s, int len)
{
    return len > 0 ? c->video->measure(c->video, font, s, len) : 0;
}

/* Finds how much of a text fits by doubling a guess and then halving the
 * gap, so that the cost is a few measures of about a line's length: one
 * measure per letter (the old way) made a long text without spaces take
 * seconds a frame, as each letter re-measured everything before it. */
int ui_fit(ui_ctx *c, int font, const char *s, int len, int w)
{
    if (len <= 0 || w <= 0)
        return 0;
    int lo = 0, hi = len, probe = 16;
    for (;;) {
        if (probe >= len) {
            if (measure_n(c, font, s, len) <= w)
                return len;
            break;
        }
        int p = utf8_start(s, probe);
        if (p <= lo)
            p = utf8_step(s, len, lo);
        if (p >= len) {
            probe = len;
            continue;
        }
        if (measure_n(c, font, s, p) > w) {
            hi = p;
            break;
        }
        lo = p;
        probe = p * 2;
    }
    for (;;) {
        int mid = utf8_start(s, lo + (hi - lo) / 2);
        if (mid <= lo)
            mid = utf8_step(s, len, lo);
        if (mid >= hi)
            break;
        if (measure_n(c, font, s, mid) <= w)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The smallest start such that s[start..end) fits in w px (the mirror of
 * ui_fit, for a field that shows the text before its cursor). */
static int fit_back(ui_ctx *c, int font, const char *s, int end, int w)
{
    if (end <= 0)
        return 0;
    int hi = end, lo = 0, probe = 16; /* s[hi..end) fits; s[lo..end) may not */
    for (;;) {
        if (probe >= end) {
            if (measure_n(c, font, s, end) <= w)
                return 0;
            break;
        }
        int p = utf8_start(s, end - probe);
        if (p >= hi)
            p = utf8_prev(s, hi);
        if (p <= 0) {
            probe = end;
            continue;
        }
        if (measure_n(c, font, s + p, end - p) > w) {
            lo = p;
            break;
        }
        hi = p;
        probe *= 2;
    }
    for (;;) {
        int mid = utf8_start(s, lo + (hi - lo) / 2);
        if (mid <= lo)
            mid = utf8_step(s, end, lo);
        if (mid >= hi)
            break;
        if (measure_n(c, font, s + mid, end - mid) <= w)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

void ui_label(ui_ctx *c, ui_rect r, int font, plat_color color, const char *s, ui_align a)
{
    int len = (int)strlen(s);
    int lh = c->video->line_height(c->video, font);
    int y = r.y + (r.h - lh) / 2;
    int n = ui_fit(c, font, s, len, r.w);
    if (n == len) {
        int w = measure_n(c, font, s, len);
        int x = a == UI_CENTER ? r.x + (r.w - w) / 2 : a == UI_RIGHT ? r.x + r.w - w : r.x;
        text_n(c, font, x, y, color, s, len);
        return;
    }
    /* Too wide: whole characters that fit with an ellipsis. */
    static const char ell[] = "\xE2\x80\xA6";
    int ew = c->video->measure(c->video, font, ell, 3);
    char buf[512];
    n = ui_fit(c, font, s, len < (int)sizeof buf - 4 ? len : (int)sizeof buf - 4, r.w - ew);
    memcpy(buf, s, (size_t)n);
    memcpy(buf + n, ell, 3);
    text_n(c, font, r.x, y, color, buf, n + 3);
}

/* One wrapped line of s from byte i in w px: its drawn text ends at *end
 * (without the spaces or newline it breaks at); returns where the next
 * line starts. A word wider than the line is cut between letters. */
static int wrap_line(ui_ctx *c, int font, const char *s, int len, int i, int w, int *end)
{
    int nl = i;
    while (nl < len && s[nl] != '\n')
        nl++;
    int n = ui_fit(c, font, s + i, nl - i, w);
    if (i + n == nl) {
        *end = nl;
        return nl < len ? nl + 1 : len;
    }
    int j = i + n;
    while (j > i && s[j] != ' ')
        j--;
    int next;
    if (j > i) {
        int e = j;
        while (e > i && s[e - 1] == ' ')
            e--;
        *end = e;
        next = j;
        while (next < nl && s[next] == ' ')
            next++;
        if (next == nl && next < len)
            next++; /* the spaces ran up to a newline: it ends this line */
        return next;
    }
    if (n == 0)
        n = utf8_step(s, len, i) - i;
    *end = i + n;
    return i + n;
}

int ui_wrap(ui_ctx *c, ui_rect r, int font, plat_color color, const char *s, int draw)
{
    int lh = c->video->line_height(c->video, font);
    int len = (int)strlen(s), y = r.y;
    /* A box at least a line high is a limit: only whole lines are drawn in
     * it, and the last one ends in an ellipsis when text is left over, so a
     * line is never cut in half at the bottom. */
    int limit = r.h >= lh ? r.y + r.h : 0;
    for (int i = 0; i < len;) {
        int end;
        int next = wrap_line(c, font, s, len, i, r.w, &end);
        if (draw && limit && y + lh <= limit && y + 2 * lh > limit && next < len) {
            static const char ell[] = "\xE2\x80\xA6";
            int n = ui_fit(c, font, s + i, end - i, r.w - measure_n(c, font, ell, 3));
            text_n(c, font, r.x, y, color, ui_fmt(c, "%.*s%s", n, s + i, ell),
                   (int)strlen(ell) + n);
        } else if (draw && end > i && (!limit || y + lh <= limit)) {
            text_n(c, font, r.x, y, color, s + i, end - i);
        }
        y += lh;
        i = next;
    }
    return y - r.y;
}

/* Lays out the text of a text area into c->line_start / line_end: every
 * line, and an empty last one after a final newline (where the cursor
 * goes). */
static void layout(ui_ctx *c, const char *s, int w)
{
    int len = (int)strlen(s), n = 0, i = 0;
    do {
        int end;
        int next = wrap_line(c, PLAT_FONT_BODY, s, len, i, w, &end);
        c->line_start[n] = i;
        c->line_end[n] = end;
        n++;
        i = next;
    } while (i < len && n < UI_MAX_LINES);
    if (len > 0 && s[len - 1] == '\n' && n < UI_MAX_LINES && i >= len) {
        c->line_start[n] = c->line_end[n] = len;
        n++;
    }
    c->nlines = n;
}

/* The line that holds byte pos. */
static int line_of(const ui_ctx *c, int pos)
{
    int lo = 0, hi = c->nlines - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (c->line_start[mid] <= pos)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The byte nearest to x px along s[a..e). */
static int pos_at_x(ui_ctx *c, int font, const char *s, int a, int e, int x)
{
    if (x <= 0)
        return a;
    int p = a + ui_fit(c, font, s + a, e - a, x);
    if (p < e) {
        int q = utf8_step(s, e, p);
        int xp = measure_n(c, font, s + a, p - a), xq = measure_n(c, font, s + a, q - a);
        if (x - xp > xq - x)
            p = q;
    }
    return p;
}

static int is_space(char ch) { return ch == ' ' || ch == '\n' || ch == '\t'; }

/* Word steps: left to the start of the word before pos, right to the end
 * of the word after it (spaces between words are crossed first). */
static int word_left(const char *s, int pos)
{
    while (pos > 0 && is_space(s[pos - 1]))
        pos--;
    while (pos > 0 && !is_space(s[pos - 1]))
        pos--;
    return pos;
}

static int word_right(const char *s, int len, int pos)
{
    while (pos < len && is_space(s[pos]))
        pos++;
    while (pos < len && !is_space(s[pos]))
        pos++;
    return pos;
}

static ui_list *list_get(ui_ctx *c, ui_id id, int create);

static int sel_lo(const ui_ctx *c) { return c->cur < c->anchor ? c->cur : c->anchor; }
static int sel_hi(const ui_ctx *c) { return c->cur > c->anchor ? c->cur : c->anchor; }

/* Removes s[a..b) from buf. */
static void erase_range(char *buf, int a, int b)
{
    int len = (int)strlen(buf);
    memmove(buf + a, buf + b, (size_t)(len - b + 1));
}

/* Removes the selection, leaving the cursor where it was. Returns 1 if
 * there was one. */
static int erase_selection(ui_ctx *c, char *buf)
{
    int a = sel_lo(c), b = sel_hi(c);
    if (a == b)
        return 0;
    erase_range(buf, a, b);
    c->cur = c->anchor = a;
    return 1;
}

/* Inserts what the field accepts of t (n bytes) at the cursor: whole
 * UTF-8 characters while they fit in cap, no broken UTF-8 or control
 * characters (which the store would refuse), a newline only in a text
 * area, only digits in a digits field. Returns 1 if anything went in. */
static int insert(ui_ctx *c, char *buf, size_t cap, const char *t, int n, unsigned flags,
                  int multiline)
{
    int changed = 0;
    size_t len = strlen(buf);
    for (int i = 0; i < n;) {
        uint32_t cp = 0;
        int k = plat_utf8_next(t + i, (size_t)(n - i), &cp);
        int ok = k > 0 && (cp >= 0x20 || (multiline && cp == '\n')) && cp != 0x7F &&
                 !(cp >= 0x80 && cp < 0xA0);
        if (k < 0)
            k = 1;
        if ((flags & UI_FIELD_DIGITS) && !(cp >= '0' && cp <= '9'))
            ok = 0;
        if (!multiline && (cp == '\n' || cp == '\t'))
            ok = 0;
        /* What the fonts cannot draw would show as nothing on every
         * tablet: it is refused, and the person is told. */
        if (ok && cp >= 0x20 && c->video->can_draw && !c->video->can_draw(c->video, cp)) {
            ok = 0;
            c->refused_at = c->now ? c->now : 1;
        }
        if (ok && len + (size_t)k < cap) {
            memmove(buf + c->cur + k, buf + c->cur, len - (size_t)c->cur + 1);
            memcpy(buf + c->cur, t + i, (size_t)k);
            len += (size_t)k;
            c->cur += k;
            changed = 1;
        }
        i += k;
    }
    c->anchor = c->cur;
    return changed;
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

/* Ends the editing: the focus goes, and with it the keyboard. */
static void end_editing(ui_ctx *c)
{
    c->focus = 0;
    c->selecting = 0;
}

/* Takes up the editing state for the focused text id. A text newly
 * focused, or changed by the screen since the widget last saw it, gets
 * its cursor at the end. */
static void edit_sync(ui_ctx *c, ui_id id, const char *buf)
{
    int len = (int)strlen(buf);
    uint64_t h = plat_hash(PLAT_HASH_START, buf, (size_t)len);
    if (c->edit_id != id) {
        c->edit_id = id;
        c->edit_top = -1; /* the widget sets where the view starts */
        c->goal_x = -1;
        c->selecting = 0;
        c->cur = c->anchor = len;
    } else if ((size_t)len != c->edit_len || h != c->edit_hash) {
        c->cur = c->anchor = len;
        c->goal_x = -1;
    }
    if (c->cur > len)
        c->cur = len;
    if (c->anchor > len)
        c->anchor = len;
    c->cur = utf8_start(buf, c->cur);
    c->anchor = utf8_start(buf, c->anchor);
}

/* Remembers the text as the widget leaves it this frame. */
static void edit_keep(ui_ctx *c, const char *buf)
{
    c->edit_len = strlen(buf);
    c->edit_hash = plat_hash(PLAT_HASH_START, buf, c->edit_len);
}

/* A tap or a press at byte pos of the focused text: the cursor goes
 * there, or a double tap selects the word around it. */
static void edit_tap(ui_ctx *c, const char *buf, int pos, int was_focused)
{
    int slop = ui_dp(c, SLOP_DP) * 2;
    int dx = c->px - c->tap_x, dy = c->py - c->tap_y;
    int len = (int)strlen(buf);
    if (was_focused && c->now - c->tap_t < DOUBLE_TAP_MS && dx * dx + dy * dy <= slop * slop) {
        int a = pos, b = pos;
        while (a > 0 && !is_space(buf[a - 1]))
            a--;
        while (b < len && !is_space(buf[b]))
            b++;
        c->anchor = a;
        c->cur = b;
        c->tap_t = 0; /* a third tap starts over */
    } else {
        c->cur = c->anchor = pos;
        c->tap_t = c->now;
        c->tap_x = c->px;
        c->tap_y = c->py;
    }
    c->goal_x = -1;
}

/* The vertical moves of a text area: to the line `lines` away, at the
 * same x as where the moves began. Returns the new cursor. */
static int line_move(ui_ctx *c, const char *buf, int lines)
{
    int len = (int)strlen(buf);
    int k = line_of(c, c->cur);
    if (c->goal_x < 0)
        c->goal_x = measure_n(c, PLAT_FONT_BODY, buf + c->line_start[k], c->cur - c->line_start[k]);
    int t = k + lines;
    if (t < 0)
        return 0;
    if (t >= c->nlines)
        return len;
    return pos_at_x(c, PLAT_FONT_BODY, buf, c->line_start[t], c->line_end[t], c->goal_x);
}

/* Applies this frame's typing and keys to the focused text (its lines laid
 * out in c->line_* for a text area). Sets *moved when the cursor moved, so
 * the view can follow it. Returns UI_CHANGED and/or UI_SUBMIT. */
static int edit_input(ui_ctx *c, char *buf, size_t cap, unsigned flags, int multiline,
                      int page_lines, int *moved)
{
    int res = 0, len = (int)strlen(buf);
    int shift = (c->key_mods & PLAT_MOD_SHIFT) != 0, ctrl = (c->key_mods & PLAT_MOD_CTRL) != 0;
    int secret = (flags & UI_FIELD_SECRET) != 0;
    if (secret)
        c->cur = c->anchor = len; /* a PIN is typed and erased at its end */
    if (c->typed_len > 0) {
        int had = erase_selection(c, buf);
        if (insert(c, buf, cap, c->typed, c->typed_len, flags, multiline) || had)
            res |= UI_CHANGED;
        *moved = 1;
        c->goal_x = -1;
    }
    int key = c->key, to = -1, vertical = 0;
    if (key == PLAT_KEY_NONE)
        return res;
    switch (key) {
    case PLAT_KEY_BACKSPACE:
    case PLAT_KEY_DELETE:
        if (!erase_selection(c, buf)) {
            int a = c->cur, b = c->cur;
            if (key == PLAT_KEY_BACKSPACE)
                a = ctrl && !secret ? word_left(buf, b) : utf8_prev(buf, b);
            else if (!secret)
                b = ctrl ? word_right(buf, len, a) : utf8_step(buf, len, a);
            if (a == b)
                break;
            erase_range(buf, a, b);
            c->cur = c->anchor = a;
        }
        res |= UI_CHANGED;
        *moved = 1;
        break;
    case PLAT_KEY_LEFT:
        to = !shift && c->cur != c->anchor ? sel_lo(c)
             : ctrl                        ? word_left(buf, c->cur)
                                           : utf8_prev(buf, c->cur);
        break;
    case PLAT_KEY_RIGHT:
        to = !shift && c->cur != c->anchor ? sel_hi(c)
             : ctrl                        ? word_right(buf, len, c->cur)
                                           : utf8_step(buf, len, c->cur);
        break;
    case PLAT_KEY_HOME: to = multiline && !ctrl ? c->line_start[line_of(c, c->cur)] : 0; break;
    case PLAT_KEY_END: to = multiline && !ctrl ? c->line_end[line_of(c, c->cur)] : len; break;
    case PLAT_KEY_UP:
    case PLAT_KEY_DOWN:
    case PLAT_KEY_PAGEUP:
    case PLAT_KEY_PAGEDOWN:
        if (!multiline) {
            to = key == PLAT_KEY_UP || key == PLAT_KEY_PAGEUP ? 0 : len;
            break;
        }
        vertical = 1;
        to = line_move(c, buf,
                       key == PLAT_KEY_UP       ? -1
                       : key == PLAT_KEY_DOWN   ? 1
                       : key == PLAT_KEY_PAGEUP ? -page_lines
                                                : page_lines);
        break;
    case PLAT_KEY_A:
        if (ctrl && !secret) {
            c->anchor = 0;
            c->cur = len;
            *moved = 1;
        }
        break;
    case PLAT_KEY_C:
    case PLAT_KEY_X:
        if (ctrl && !secret && c->cur != c->anchor && c->video->clipboard_set) {
            const char *copy = arena_copy(c, buf + sel_lo(c), sel_hi(c) - sel_lo(c));
            if (copy)
                c->video->clipboard_set(c->video, copy);
            if (key == PLAT_KEY_X && copy && erase_selection(c, buf)) {
                res |= UI_CHANGED;
                *moved = 1;
            }
        }
        break;
    case PLAT_KEY_V:
        if (ctrl && !secret && c->video->clipboard_get) {
            /* Pasted into the frame's arena first: never more than fits. */
            int room = UI_ARENA - c->arena_used;
            if (room > (int)cap)
                room = (int)cap;
            char *tmp = c->arena + c->arena_used;
            size_t n = room > 1 ? c->video->clipboard_get(c->video, tmp, (size_t)room) : 0;
            if (n > 0) {
                int had = erase_selection(c, buf);
                if (insert(c, buf, cap, tmp, (int)n, flags, multiline) || had)
                    res |= UI_CHANGED;
                *moved = 1;
            }
        }
        break;
    case PLAT_KEY_ENTER:
        if (multiline) {
            int had = erase_selection(c, buf);
            if (insert(c, buf, cap, "\n", 1, flags, 1) || had)
                res |= UI_CHANGED;
            *moved = 1;
            break;
        }
        res |= UI_SUBMIT;
        end_editing(c);
        break;
    case UI_KEY_DONE:
        res |= UI_SUBMIT;
        end_editing(c);
        break;
    case PLAT_KEY_ESCAPE: end_editing(c); break;
    default: return res; /* not a key for text: leave it to others */
    }
    if (to >= 0 && !secret) {
        c->cur = to;
        if (!shift)
            c->anchor = to;
        *moved = 1;
    }
    if (!vertical)
        c->goal_x = -1;
    c->key = PLAT_KEY_NONE; /* the focused text took the key */
    return res;
}

/* Where a press or tap lands in a field or text area: the widget notes
 * that the touch went to a text (so it does not end the editing), and
 * returns 1 if the point should move the cursor of the focused text. A
 * press in text that already has the focus starts a selection drag and
 * keeps a list around it from scrolling. */
static int edit_pointer(ui_ctx *c, ui_id id, int fired, int was_focused, int secret,
                        int *pressed_here)
{
    *pressed_here = 0;
    if (secret)
        return 0;
    if (c->pressed && c->active == id && was_focused) {
        c->selecting = id;
        c->press_list = 0;
        *pressed_here = 1;
        return 1;
    }
    if (c->selecting == id && c->down && c->dragging)
        return 1;
    return fired;
}

/* Keeps the focused text in view: when it gets the focus, and at every
 * letter or key, the list it is drawn in scrolls until the whole of r is
 * in the list's view (the on-screen keyboard coming up makes that view
 * smaller a frame later). A person who scrolls the list away while the
 * text has the focus is left alone until the next letter. */
static void edit_reveal(ui_ctx *c, ui_rect r)
{
    if (c->dragging || c->wheel)
        c->reveal = 0;
    if (!c->reveal || !c->in_list)
        return;
    ui_list *l = list_get(c, c->in_list, 0);
    if (!l)
        return;
    int top = l->rect.y, bottom = l->rect.y + l->rect.h, d = 0;
    if (r.y + r.h > bottom)
        d = r.y + r.h - bottom;
    if (r.y - d < top)
        d = r.y - top;
    if (d != 0) {
        l->offset += (float)d;
        l->vel = 0;
        c->animating = 1;
    }
}

/* Moves the cursor to pos for a tap (fired), a new press (press), or a
 * selection being dragged (neither). */
static void edit_point(ui_ctx *c, const char *buf, int pos, int fired, int press, int was_focused)
{
    if (fired) {
        edit_tap(c, buf, pos, was_focused);
    } else if (press) {
        c->cur = c->anchor = pos;
        c->goal_x = -1;
    } else {
        c->cur = pos;
    }
}

int ui_field(ui_ctx *c, ui_id id, ui_rect r, char *buf, size_t cap, const char *placeholder,
             unsigned flags)
{
    int held;
    int was_focused = c->focus == id;
    int fired = interact(c, id, r, &held);
    int secret = (flags & UI_FIELD_SECRET) != 0;
    if (c->pressed && c->active == id)
        c->text_press = 1;
    if (fired) {
        c->focus = id;
        c->focus_flags = flags;
    }
    int result = 0, moved = 0;
    int focused = c->focus == id;
    ui_rect in = ui_inset(r, ui_dp(c, 12));
    int lh = ui_line_h(c, PLAT_FONT_BODY);
    int ty = in.y + (in.h - lh) / 2;
    int avail = in.w - ui_dp(c, 4);
    if (focused) {
        c->focus_seen = 1;
        edit_sync(c, id, buf);
        if (c->edit_top < 0)
            c->edit_top = 0;
        int press;
        if (edit_pointer(c, id, fired, was_focused, secret, &press)) {
            int len = (int)strlen(buf);
            int top = c->edit_top <= len ? c->edit_top : 0;
            edit_point(c, buf, pos_at_x(c, PLAT_FONT_BODY, buf, top, len, c->px - in.x), fired,
                       press, was_focused);
            moved = 1;
        }
        result = edit_input(c, buf, cap, flags, 0, 1, &moved);
        focused = c->focus == id;
        if (fired || moved || result)
            c->reveal = 1;
        if (focused)
            edit_reveal(c, r);
    }
    ui_panel(c, r, UI_SURFACE, focused ? UI_PRIMARY : UI_LINE, ui_dp(c, focused ? 3 : 2),
             ui_dp(c, 8));
    char shown[256];
    const char *s = buf;
    if (secret) {
        size_t n = strlen(buf);
        size_t k = 0;
        for (size_t i = 0; i < n && k + 3 < sizeof shown; i++) {
            memcpy(shown + k, "\xE2\x80\xA2", 3); /* a bullet per digit */
            k += 3;
        }
        shown[k] = 0;
        s = shown;
    }
    if (!focused) {
        if (*s)
            ui_label(c, in, PLAT_FONT_BODY, UI_TEXT, s, UI_LEFT);
        else if (placeholder)
            ui_label(c, in, PLAT_FONT_BODY, UI_MUTED, placeholder, UI_LEFT);
        return result;
    }
    int len = (int)strlen(s);
    int cur = secret ? len : c->cur, anchor = secret ? len : c->anchor;
    /* The view starts at edit_top and follows the cursor; a text that got
     * shorter slides back so the field stays filled. */
    int top = c->edit_top;
    if (secret || top > len)
        top = 0;
    if (top > cur)
        top = cur;
    if (measure_n(c, PLAT_FONT_BODY, s + top, cur - top) > avail)
        top = fit_back(c, PLAT_FONT_BODY, s, cur, avail);
    if (top > 0) {
        int fill = fit_back(c, PLAT_FONT_BODY, s, len, avail);
        if (fill < top)
            top = fill;
    }
    top = utf8_start(s, top);
    if (!secret)
        c->edit_top = top;
    (void)moved;
    int shown_n = ui_fit(c, PLAT_FONT_BODY, s + top, len - top, avail);
    ui_clip_push(c, in);
    int lo = cur < anchor ? cur : anchor, hi = cur < anchor ? anchor : cur;
    if (lo < hi) {
        int a = lo > top ? lo : top, b = hi < top + shown_n ? hi : top + shown_n;
        if (a < b) {
            int xa = measure_n(c, PLAT_FONT_BODY, s + top, a - top);
            int xb = measure_n(c, PLAT_FONT_BODY, s + top, b - top);
            ui_fill(c, ui_r(in.x + xa, ty, xb - xa, lh), UI_SELECT, 0);
        }
    }
    text_n(c, PLAT_FONT_BODY, in.x, ty, UI_TEXT, s + top, shown_n);
    int cx = measure_n(c, PLAT_FONT_BODY, s + top, cur - top);
    ui_fill(c, ui_r(in.x + cx, ty, ui_dp(c, 2), lh), UI_PRIMARY, 0);
    ui_clip_pop(c);
    if (!secret)
        edit_keep(c, buf);
    return result;
}

int ui_textarea(ui_ctx *c, ui_id id, ui_rect r, char *buf, size_t cap, const char *placeholder)
{
    int held;
    int was_focused = c->focus == id;
    int fired = interact(c, id, r, &held);
    if (c->pressed && c->active == id)
        c->text_press = 1;
    if (fired) {
        c->focus = id;
        c->focus_flags = 0;
    }
    int result = 0;
    int focused = c->focus == id;
    ui_rect in = ui_inset(r, ui_dp(c, 12));
    int lh = ui_line_h(c, PLAT_FONT_BODY);
    layout(c, buf, in.w);
    int th = c->nlines * lh;
    int bottom = th > in.h ? th - in.h : 0; /* the scroll that shows the end */
    int scroll = bottom;
    if (focused) {
        c->focus_seen = 1;
        edit_sync(c, id, buf);
        if (c->edit_top < 0)
            c->edit_top = bottom;
        scroll = c->edit_top;
        int moved = 0, press;
        if (edit_pointer(c, id, fired, was_focused, 0, &press)) {
            int k = c->py < in.y - scroll ? 0 : (c->py - in.y + scroll) / lh;
            k = k < 0 ? 0 : k >= c->nlines ? c->nlines - 1 : k;
            edit_point(
                c, buf,
                pos_at_x(c, PLAT_FONT_BODY, buf, c->line_start[k], c->line_end[k], c->px - in.x),
                fired, press, was_focused);
            moved = 1;
        }
        /* A wheel over the text scrolls it, not the list around it. */
        if (c->wheel && touchable(c, r, c->wheel_x, c->wheel_y) && bottom > 0) {
            scroll += c->wheel * 3 * lh;
            c->wheel = 0;
        }
        result = edit_input(c, buf, cap, 0, 1, in.h / lh > 1 ? in.h / lh - 1 : 1, &moved);
        focused = c->focus == id;
        if (fired || moved || result)
            c->reveal = 1;
        if (focused)
            edit_reveal(c, r);
        if (result & UI_CHANGED) {
            layout(c, buf, in.w);
            th = c->nlines * lh;
            bottom = th > in.h ? th - in.h : 0;
        }
        if (moved) {
            int cy = line_of(c, c->cur) * lh;
            if (cy < scroll)
                scroll = cy;
            if (cy + lh > scroll + in.h)
                scroll = cy + lh - in.h;
        }
        scroll = scroll < 0 ? 0 : scroll > bottom ? bottom : scroll;
        c->edit_top = scroll;
        if (!focused)
            scroll = bottom;
    }
    ui_panel(c, r, held ? UI_SOFT : UI_SURFACE, focused ? UI_PRIMARY : UI_LINE,
             ui_dp(c, focused ? 3 : 2), ui_dp(c, 8));
    if (!*buf && !focused) {
        if (placeholder)
            ui_wrap(c, in, PLAT_FONT_BODY, UI_MUTED, placeholder, 1);
        return result;
    }
    ui_clip_push(c, in);
    int lo = focused ? sel_lo(c) : 0, hi = focused ? sel_hi(c) : 0;
    int first = scroll / lh, last = (scroll + in.h + lh - 1) / lh;
    for (int k = first; k < c->nlines && k <= last; k++) {
        int a = c->line_start[k], e = c->line_end[k], y = in.y - scroll + k * lh;
        if (lo < hi && lo <= e && hi > a) {
            int sa = lo > a ? lo : a, sb = hi < e ? hi : e;
            int xa = measure_n(c, PLAT_FONT_BODY, buf + a, sa - a);
            int xb = measure_n(c, PLAT_FONT_BODY, buf + a, sb - a);
            /* A selection that goes on past the line's end shows a little
             * of the break too. */
            if (hi > e)
                xb += ui_dp(c, 6);
            ui_fill(c, ui_r(in.x + xa, y, xb - xa, lh), UI_SELECT, 0);
        }
        text_n(c, PLAT_FONT_BODY, in.x, y, UI_TEXT, buf + a, e - a);
    }
    if (focused) {
        int k = line_of(c, c->cur);
        int cx = measure_n(c, PLAT_FONT_BODY, buf + c->line_start[k], c->cur - c->line_start[k]);
        if (cx > in.w - ui_dp(c, 2))
            cx = in.w - ui_dp(c, 2);
        ui_fill(c, ui_r(in.x + cx, in.y - scroll + k * lh, ui_dp(c, 2), lh), UI_PRIMARY, 0);
        edit_keep(c, buf);
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

/* One key; returns 1 when tapped, and says in *held_out whether it is
 * held down. */
static int osk_key(ui_ctx *c, ui_rect r, const char *label, int special, int id, int *held_out)
{
    int held;
    int fired = interact(c, ui_idn("osk", id), r, &held);
    if (held_out)
        *held_out = held;
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
    /* A touch anywhere on the keyboard, keys or the gaps between them, is
     * part of typing and keeps the text focused. */
    if (c->pressed && touchable(c, r, c->press_x, c->press_y))
        c->text_press = 1;
    ui_fill(c, r, 0xE3E6E6FFu, 0);
    ui_rect in = ui_inset(r, ui_dp(c, 6));
    int rh = in.h / 4;
    const char *(*rows)[11] = c->osk_symbols ? symbols : c->osk_shift ? upper : lower;
    for (int row = 0; row < 3; row++) {
        ui_rect line = ui_cut_top(&in, rh);
        int kw = line.w / 11;
        for (int k = 0; k < 11; k++) {
            ui_rect kr = {line.x + k * kw, line.y, kw, line.h};
            if (osk_key(c, kr, rows[row][k], 0, row * 16 + k, NULL)) {
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
    if (!c->osk_symbols && osk_key(c, shift, c->osk_shift ? l->letters : "ABC", 1, 100, NULL))
        c->osk_shift = !c->osk_shift;
    if (osk_key(c, sym, c->osk_symbols ? l->letters : l->symbols, 1, 101, NULL)) {
        c->osk_symbols = !c->osk_symbols;
        c->osk_shift = 0;
    }
    if (osk_key(c, line, l->space, 1, 102, NULL))
        osk_type(c, " ");
    /* Erase takes a letter a tap; held, it erases whole words, one every
     * quarter second after half a second, as phone keyboards do. */
    int erase_held;
    int erase_tap = osk_key(c, erase, l->erase, 1, 103, &erase_held);
    if (erase_tap && !c->osk_repeated)
        c->osk_pending_key = PLAT_KEY_BACKSPACE;
    if (erase_held) {
        if (!c->osk_repeat_at)
            c->osk_repeat_at = c->press_t + ERASE_HOLD_MS;
        if (c->now >= c->osk_repeat_at) {
            c->osk_pending_key = PLAT_KEY_BACKSPACE;
            c->osk_pending_mods = PLAT_MOD_CTRL;
            c->osk_repeat_at = c->now + ERASE_REPEAT_MS;
            c->osk_repeated = 1;
        }
        c->animating = 1; /* time alone moves a held key on */
    } else if (!erase_tap) {
        c->osk_repeat_at = 0;
        c->osk_repeated = 0;
    }
    if (osk_key(c, done, l->done, 1, 104, NULL))
        c->osk_pending_key = UI_KEY_DONE;
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
    c->in_list = id;
    return view.y - (int)lroundf(l->offset);
}

void ui_list_end(ui_ctx *c, ui_id id, int content_h)
{
    ui_list *l = list_get(c, id, 1);
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

/* For a few seconds after a character was refused, a dark note near the
 * top of the screen says why, over everything else (it is drawn last). */
static void refused_note(ui_ctx *c)
{
    if (!c->refused_at)
        return;
    if (c->now - c->refused_at >= REFUSED_MS || c->now < c->refused_at) {
        c->refused_at = 0;
        return;
    }
    c->animating = 1; /* to take it away on time */
    const char *msg = c->refused_msg;
    if (!msg || !*msg)
        return;
    int pad = ui_dp(c, 16), lh = ui_line_h(c, PLAT_FONT_BODY);
    int w = measure_n(c, PLAT_FONT_BODY, msg, (int)strlen(msg)) + 2 * pad;
    if (w > c->w - ui_dp(c, 16))
        w = c->w - ui_dp(c, 16);
    ui_rect r = {(c->w - w) / 2, ui_dp(c, 72), w, lh + pad};
    if (c->nclip > 0)
        push(c, PLAT_CMD_UNCLIP);
    ui_fill(c, r, UI_TEXT, ui_dp(c, 10));
    ui_label(c, ui_inset(r, pad / 2), PLAT_FONT_BODY, UI_ON_PRIMARY, msg, UI_CENTER);
}
