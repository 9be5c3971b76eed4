/* The text field and text area editor: focus, the cursor and selection,
 * typing, word-wise moves and deletion, the clipboard, keeping the cursor
 * in view, and the note on a refused character. */
#include "ui_int.h"
#include "plat.h"

#include <string.h>

#define DOUBLE_TAP_MS 400 /* a second tap this soon after the first selects a word */
#define REFUSED_MS 4000   /* how long the note on a refused character stays */

/* Lays out the text of a text area into c->line_start / line_end: every
 * line, and an empty last one after a final newline (where the cursor
 * goes). */
static void layout(ui_ctx *c, const char *s, int w)
{
    int len = (int)strlen(s), n = 0, i = 0;
    do {
        int end;
        int next = ui_wrap_line(c, PLAT_FONT_BODY, s, len, i, w, &end);
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
        int q = ui_utf8_step(s, e, p);
        int xp = ui_measure_n(c, font, s + a, p - a), xq = ui_measure_n(c, font, s + a, q - a);
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
    c->cur = ui_utf8_start(buf, c->cur);
    c->anchor = ui_utf8_start(buf, c->anchor);
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
        c->goal_x = ui_measure_n(c, PLAT_FONT_BODY, buf + c->line_start[k],
                                 c->cur - c->line_start[k]);
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
                a = ctrl && !secret ? word_left(buf, b) : ui_utf8_prev(buf, b);
            else if (!secret)
                b = ctrl ? word_right(buf, len, a) : ui_utf8_step(buf, len, a);
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
                                           : ui_utf8_prev(buf, c->cur);
        break;
    case PLAT_KEY_RIGHT:
        to = !shift && c->cur != c->anchor ? sel_hi(c)
             : ctrl                        ? word_right(buf, len, c->cur)
                                           : ui_utf8_step(buf, len, c->cur);
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
            const char *copy = ui_arena_copy(c, buf + sel_lo(c), sel_hi(c) - sel_lo(c));
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
    ui_list *l = ui_list_get(c, c->in_list, 0);
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
    int fired = ui_interact(c, id, r, &held);
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
    if (ui_measure_n(c, PLAT_FONT_BODY, s + top, cur - top) > avail)
        top = ui_fit_back(c, PLAT_FONT_BODY, s, cur, avail);
    if (top > 0) {
        int fill = ui_fit_back(c, PLAT_FONT_BODY, s, len, avail);
        if (fill < top)
            top = fill;
    }
    top = ui_utf8_start(s, top);
    if (!secret)
        c->edit_top = top;
    (void)moved;
    int shown_n = ui_fit(c, PLAT_FONT_BODY, s + top, len - top, avail);
    ui_clip_push(c, in);
    int lo = cur < anchor ? cur : anchor, hi = cur < anchor ? anchor : cur;
    if (lo < hi) {
        int a = lo > top ? lo : top, b = hi < top + shown_n ? hi : top + shown_n;
        if (a < b) {
            int xa = ui_measure_n(c, PLAT_FONT_BODY, s + top, a - top);
            int xb = ui_measure_n(c, PLAT_FONT_BODY, s + top, b - top);
            ui_fill(c, ui_r(in.x + xa, ty, xb - xa, lh), UI_SELECT, 0);
        }
    }
    ui_text_n(c, PLAT_FONT_BODY, in.x, ty, UI_TEXT, s + top, shown_n);
    int cx = ui_measure_n(c, PLAT_FONT_BODY, s + top, cur - top);
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
    int fired = ui_interact(c, id, r, &held);
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
        if (c->wheel && ui_touchable(c, r, c->wheel_x, c->wheel_y) && bottom > 0) {
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
            int xa = ui_measure_n(c, PLAT_FONT_BODY, buf + a, sa - a);
            int xb = ui_measure_n(c, PLAT_FONT_BODY, buf + a, sb - a);
            /* A selection that goes on past the line's end shows a little
             * of the break too. */
            if (hi > e)
                xb += ui_dp(c, 6);
            ui_fill(c, ui_r(in.x + xa, y, xb - xa, lh), UI_SELECT, 0);
        }
        ui_text_n(c, PLAT_FONT_BODY, in.x, y, UI_TEXT, buf + a, e - a);
    }
    if (focused) {
        int k = line_of(c, c->cur);
        int cx = ui_measure_n(c, PLAT_FONT_BODY, buf + c->line_start[k], c->cur - c->line_start[k]);
        if (cx > in.w - ui_dp(c, 2))
            cx = in.w - ui_dp(c, 2);
        ui_fill(c, ui_r(in.x + cx, in.y - scroll + k * lh, ui_dp(c, 2), lh), UI_PRIMARY, 0);
        edit_keep(c, buf);
    }
    ui_clip_pop(c);
    return result;
}

/* For a few seconds after a character was refused, a dark note near the
 * top of the screen says why, over everything else (it is drawn last). */
void ui_refused_note(ui_ctx *c)
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
    int w = ui_measure_n(c, PLAT_FONT_BODY, msg, (int)strlen(msg)) + 2 * pad;
    if (w > c->w - ui_dp(c, 16))
        w = c->w - ui_dp(c, 16);
    ui_rect r = {(c->w - w) / 2, ui_dp(c, 72), w, lh + pad};
    if (c->nclip > 0)
        ui_push(c, PLAT_CMD_UNCLIP);
    ui_fill(c, r, UI_TEXT, ui_dp(c, 10));
    ui_label(c, ui_inset(r, pad / 2), PLAT_FONT_BODY, UI_ON_PRIMARY, msg, UI_CENTER);
}
