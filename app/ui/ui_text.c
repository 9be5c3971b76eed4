/* Text: drawing, measuring, fitting a line by doubling and halving, and
 * wrapping into a box. Works in UTF-8 and never cuts a character in two. */
#include "ui_int.h"
#include "plat.h"

#include <string.h>

int ui_text_n(ui_ctx *c, int font, int x, int y, plat_color color, const char *s, int len)
{
    if (len <= 0)
        return 0;
    const char *p = ui_arena_copy(c, s, len);
    if (!p)
        return 0;
    plat_cmd *k = ui_push(c, PLAT_CMD_TEXT);
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
    return ui_text_n(c, font, x, y, color, s, (int)strlen(s));
}

int ui_measure(ui_ctx *c, int font, const char *s)
{
    return c->video->measure(c->video, font, s, (int)strlen(s));
}

int ui_line_h(const ui_ctx *c, int font) { return c->video->line_height(c->video, font); }

/* Steps back over one UTF-8 character, so that cutting text never splits
 * an æ, ø or å in two. */
int ui_utf8_prev(const char *s, int i)
{
    if (i <= 0)
        return 0;
    i--;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* The start of the character that holds byte i. */
int ui_utf8_start(const char *s, int i)
{
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* Steps over one character (a broken byte counts as one). */
int ui_utf8_step(const char *s, int len, int i)
{
    if (i >= len)
        return len;
    int n = plat_utf8_next(s + i, (size_t)(len - i), NULL);
    return i + (n > 0 ? n : 1);
}

int ui_measure_n(ui_ctx *c, int font, const char *s, int len)
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
            if (ui_measure_n(c, font, s, len) <= w)
                return len;
            break;
        }
        int p = ui_utf8_start(s, probe);
        if (p <= lo)
            p = ui_utf8_step(s, len, lo);
        if (p >= len) {
            probe = len;
            continue;
        }
        if (ui_measure_n(c, font, s, p) > w) {
            hi = p;
            break;
        }
        lo = p;
        probe = p * 2;
    }
    for (;;) {
        int mid = ui_utf8_start(s, lo + (hi - lo) / 2);
        if (mid <= lo)
            mid = ui_utf8_step(s, len, lo);
        if (mid >= hi)
            break;
        if (ui_measure_n(c, font, s, mid) <= w)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The smallest start such that s[start..end) fits in w px (the mirror of
 * ui_fit, for a field that shows the text before its cursor). */
int ui_fit_back(ui_ctx *c, int font, const char *s, int end, int w)
{
    if (end <= 0)
        return 0;
    int hi = end, lo = 0, probe = 16; /* s[hi..end) fits; s[lo..end) may not */
    for (;;) {
        if (probe >= end) {
            if (ui_measure_n(c, font, s, end) <= w)
                return 0;
            break;
        }
        int p = ui_utf8_start(s, end - probe);
        if (p >= hi)
            p = ui_utf8_prev(s, hi);
        if (p <= 0) {
            probe = end;
            continue;
        }
        if (ui_measure_n(c, font, s + p, end - p) > w) {
            lo = p;
            break;
        }
        hi = p;
        probe *= 2;
    }
    for (;;) {
        int mid = ui_utf8_start(s, lo + (hi - lo) / 2);
        if (mid <= lo)
            mid = ui_utf8_step(s, end, lo);
        if (mid >= hi)
            break;
        if (ui_measure_n(c, font, s + mid, end - mid) <= w)
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
        int w = ui_measure_n(c, font, s, len);
        int x = a == UI_CENTER ? r.x + (r.w - w) / 2 : a == UI_RIGHT ? r.x + r.w - w : r.x;
        ui_text_n(c, font, x, y, color, s, len);
        return;
    }
    /* Too wide: whole characters that fit with an ellipsis. */
    static const char ell[] = "\xE2\x80\xA6";
    int ew = c->video->measure(c->video, font, ell, 3);
    char buf[512];
    n = ui_fit(c, font, s, len < (int)sizeof buf - 4 ? len : (int)sizeof buf - 4, r.w - ew);
    memcpy(buf, s, (size_t)n);
    memcpy(buf + n, ell, 3);
    ui_text_n(c, font, r.x, y, color, buf, n + 3);
}

/* One wrapped line of s from byte i in w px: its drawn text ends at *end
 * (without the spaces or newline it breaks at); returns where the next
 * line starts. A word wider than the line is cut between letters. */
int ui_wrap_line(ui_ctx *c, int font, const char *s, int len, int i, int w, int *end)
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
        n = ui_utf8_step(s, len, i) - i;
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
        int next = ui_wrap_line(c, font, s, len, i, r.w, &end);
        if (draw && limit && y + lh <= limit && y + 2 * lh > limit && next < len) {
            static const char ell[] = "\xE2\x80\xA6";
            int n = ui_fit(c, font, s + i, end - i, r.w - ui_measure_n(c, font, ell, 3));
            ui_text_n(c, font, r.x, y, color, ui_fmt(c, "%.*s%s", n, s + i, ell),
                      (int)strlen(ell) + n);
        } else if (draw && end > i && (!limit || y + lh <= limit)) {
            ui_text_n(c, font, r.x, y, color, s + i, end - i);
        }
        y += lh;
        i = next;
    }
    return y - r.y;
}
