/* The on-screen keyboard: its keys, their layers (letters, shift,
 * symbols) and a held Erase; keys tapped reach the focused text next frame. */
#include "ui_int.h"

#include <string.h>

#define ERASE_HOLD_MS 500 /* a held Erase starts erasing words after this */
#define ERASE_REPEAT_MS 250

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
    int fired = ui_interact(c, ui_idn("osk", id), r, &held);
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
    if (c->pressed && ui_touchable(c, r, c->press_x, c->press_y))
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
