/* The widget layer on the dummy video table: taps, drags, momentum, text
 * fields, the on-screen keyboard, dialogs, scaling and bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "plat_gfx.h"
#include "ui.h"

static int64_t now_ms = 1000;

static plat_event ev(int kind, int x, int y)
{
    plat_event e = {0};
    e.kind = kind;
    e.x = x;
    e.y = y;
    return e;
}

static int button_frame(ui_ctx *c, const plat_event *e)
{
    if (e)
        ui_input(c, e);
    ui_begin(c, now_ms);
    now_ms += 16;
    int fired = ui_button(c, ui_ids("b"), ui_r(100, 100, 200, 60), "OK", UI_STYLE_PRIMARY);
    ui_end(c);
    return fired;
}

static void test_button_fires_on_release_inside(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    plat_event d = ev(PLAT_EV_DOWN, 150, 130), u = ev(PLAT_EV_UP, 152, 131);
    assert_int_equal(button_frame(c, &d), 0); /* not on press */
    assert_int_equal(button_frame(c, &u), 1); /* on release */
    assert_int_equal(button_frame(c, NULL), 0);

    /* Pressed inside, released outside: no tap. */
    d = ev(PLAT_EV_DOWN, 150, 130);
    plat_event m = ev(PLAT_EV_MOVE, 500, 400);
    u = ev(PLAT_EV_UP, 500, 400);
    assert_int_equal(button_frame(c, &d), 0);
    assert_int_equal(button_frame(c, &m), 0);
    assert_int_equal(button_frame(c, &u), 0);

    /* Pressed elsewhere, released inside: not this button's tap. */
    d = ev(PLAT_EV_DOWN, 20, 20);
    u = ev(PLAT_EV_UP, 150, 130);
    assert_int_equal(button_frame(c, &d), 0);
    assert_int_equal(button_frame(c, &u), 0);

    /* A finger that slid away and back is a drag, never a tap. */
    d = ev(PLAT_EV_DOWN, 110, 110);
    m = ev(PLAT_EV_MOVE, 180, 140);
    u = ev(PLAT_EV_UP, 180, 140);
    assert_int_equal(button_frame(c, &d), 0);
    assert_int_equal(button_frame(c, &m), 0);
    assert_int_equal(button_frame(c, &u), 0);

    /* A little wobble (under the slop) still taps. */
    d = ev(PLAT_EV_DOWN, 150, 130);
    m = ev(PLAT_EV_MOVE, 154, 133);
    u = ev(PLAT_EV_UP, 154, 133);
    assert_int_equal(button_frame(c, &d), 0);
    assert_int_equal(button_frame(c, &m), 0);
    assert_int_equal(button_frame(c, &u), 1);
    ui_free(c);
    plat_video_close(v);
}

/* 1 to draw the list beneath a dialog, where it takes no input. */
static int list_blocked;

/* A list of 50 rows of 60 px in a 400 px view; returns the row tapped. */
static int list_frame(ui_ctx *c, const plat_event *e)
{
    if (e)
        ui_input(c, e);
    ui_begin(c, now_ms);
    now_ms += 16;
    ui_block(c, list_blocked);
    ui_rect view = ui_r(0, 0, 400, 400);
    int top = ui_list_begin(c, ui_ids("l"), view), hit = -1;
    for (int i = 0; i < 50; i++) {
        if (ui_area(c, ui_idn("row", i), ui_r(0, top + i * 60, 400, 60), NULL))
            hit = i;
    }
    ui_list_end(c, ui_ids("l"), 50 * 60);
    ui_end(c);
    return hit;
}

/* A mouse wheel (or a trackpad's two-finger scroll) turned over a list
 * scrolls it by 64 dp a notch, within its ends; turned elsewhere, or over
 * a list beneath a dialog, it scrolls nothing. */
static void test_list_wheel(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    list_frame(c, NULL);
    plat_event w = ev(PLAT_EV_WHEEL, 200, 200);
    w.key = 3;
    list_frame(c, &w);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 3 * 64);
    w.key = -1;
    list_frame(c, &w);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 2 * 64);
    /* Outside the list's view: nothing moves. */
    plat_event out = ev(PLAT_EV_WHEEL, 600, 200);
    out.key = 5;
    list_frame(c, &out);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 2 * 64);
    /* Past either end it stops at the end. */
    w.key = -100;
    list_frame(c, &w);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 0);
    w.key = 1000;
    list_frame(c, &w);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 50 * 60 - 400);
    /* A turn is used once: the next frame without input stays put, and a
     * tap still lands on the row under the pointer. */
    list_frame(c, NULL);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 50 * 60 - 400);
    plat_event d = ev(PLAT_EV_DOWN, 200, 30), u = ev(PLAT_EV_UP, 200, 30);
    list_frame(c, &d);
    assert_int_equal(list_frame(c, &u), (50 * 60 - 400 + 30) / 60);
    /* Beneath a dialog the list does not move. */
    list_blocked = 1;
    w.key = -3;
    list_frame(c, &w);
    list_blocked = 0;
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 50 * 60 - 400);
    ui_free(c);
    plat_video_close(v);
}

static void test_list_drag_momentum(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    list_frame(c, NULL);
    /* A plain tap on the third row. */
    plat_event d = ev(PLAT_EV_DOWN, 200, 150), u = ev(PLAT_EV_UP, 200, 150);
    assert_int_equal(list_frame(c, &d), -1);
    assert_int_equal(list_frame(c, &u), 2);

    /* A drag up by 200 px scrolls by 200 px and taps nothing. */
    d = ev(PLAT_EV_DOWN, 200, 350);
    assert_int_equal(list_frame(c, &d), -1);
    for (int i = 1; i <= 10; i++) {
        plat_event m = ev(PLAT_EV_MOVE, 200, 350 - 20 * i);
        assert_int_equal(list_frame(c, &m), -1);
    }
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 200);
    u = ev(PLAT_EV_UP, 200, 150);
    assert_int_equal(list_frame(c, &u), -1);
    /* Momentum: the list keeps going after the finger left, then stops. */
    int after_release = ui_list_offset(c, ui_ids("l"));
    assert_true(c->animating);
    int frames = 0;
    while (c->animating && frames < 1000) {
        list_frame(c, NULL);
        frames++;
    }
    int rest = ui_list_offset(c, ui_ids("l"));
    assert_true(rest > after_release + 100);
    assert_true(frames > 5 && frames < 1000);
    assert_false(c->animating);

    /* A tap now lands on the row under the finger at the new offset. */
    d = ev(PLAT_EV_DOWN, 200, 30);
    u = ev(PLAT_EV_UP, 200, 30);
    list_frame(c, &d);
    assert_int_equal(list_frame(c, &u), (rest + 30) / 60);

    /* A finger on a moving list stops it. */
    d = ev(PLAT_EV_DOWN, 200, 380);
    list_frame(c, &d);
    for (int i = 1; i <= 5; i++) {
        plat_event m = ev(PLAT_EV_MOVE, 200, 380 - 40 * i);
        list_frame(c, &m);
    }
    u = ev(PLAT_EV_UP, 200, 180);
    list_frame(c, &u);
    assert_true(c->animating);
    list_frame(c, NULL);
    d = ev(PLAT_EV_DOWN, 200, 200);
    list_frame(c, &d);
    int held = ui_list_offset(c, ui_ids("l"));
    list_frame(c, NULL);
    list_frame(c, NULL);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), held);
    u = ev(PLAT_EV_UP, 200, 200);
    list_frame(c, &u);

    /* Never past the end. */
    ui_list_scroll_to(c, ui_ids("l"), 100000);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 50 * 60 - 400);
    ui_free(c);
    plat_video_close(v);
}

static char field[16];

static int field_frame(ui_ctx *c, const plat_event *e, unsigned flags, size_t cap, int osk)
{
    if (e)
        ui_input(c, e);
    ui_begin(c, now_ms);
    now_ms += 16;
    int r = ui_field(c, ui_ids("f"), ui_r(10, 10, 300, 56), field, cap, "name", flags);
    if (osk) {
        ui_osk_labels l = {"Done", "Space", "Erase", "123", "abc"};
        ui_keyboard(c, ui_r(0, 300, 800, ui_keyboard_height(c)), &l);
    }
    ui_end(c);
    return r;
}

static plat_event text_ev(const char *s)
{
    plat_event e = {0};
    e.kind = PLAT_EV_TEXT;
    strcpy(e.text, s);
    return e;
}

static void test_text_field(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    field[0] = 0;
    /* Typing without focus changes nothing. */
    plat_event t = text_ev("x");
    assert_int_equal(field_frame(c, &t, 0, sizeof field, 0), 0);
    assert_string_equal(field, "");
    assert_false(ui_wants_text(c));
    plat_event d = ev(PLAT_EV_DOWN, 50, 30), u = ev(PLAT_EV_UP, 50, 30);
    field_frame(c, &d, 0, sizeof field, 0);
    field_frame(c, &u, 0, sizeof field, 0);
    assert_true(ui_wants_text(c));
    const char *letters[] = {"æ", "ø", "å", "Å"};
    for (int i = 0; i < 4; i++) {
        t = text_ev(letters[i]);
        assert_int_equal(field_frame(c, &t, 0, sizeof field, 0), UI_CHANGED);
    }
    assert_string_equal(field, "æøåÅ");
    /* Backspace takes a whole letter, never half of one. */
    plat_event k = {0};
    k.kind = PLAT_EV_KEY;
    k.key = PLAT_KEY_BACKSPACE;
    field_frame(c, &k, 0, sizeof field, 0);
    assert_string_equal(field, "æøå");
    k.key = PLAT_KEY_ENTER;
    assert_int_equal(field_frame(c, &k, 0, sizeof field, 0), UI_SUBMIT);
    /* Enter ends the typing: the keyboard goes away. */
    assert_false(ui_wants_text(c));
    field_frame(c, &d, 0, sizeof field, 0);
    field_frame(c, &u, 0, sizeof field, 0);

    /* Digits only, and never more than fits. */
    field[0] = 0;
    t = text_ev("a1b2");
    field_frame(c, &t, UI_FIELD_DIGITS, 4, 0);
    assert_string_equal(field, "12");
    t = text_ev("345");
    field_frame(c, &t, UI_FIELD_DIGITS, 4, 0);
    assert_string_equal(field, "123");
    /* A two-byte letter that does not fit whole is not split. */
    field[0] = 0;
    t = text_ev("abæ");
    field_frame(c, &t, 0, 4, 0);
    assert_string_equal(field, "ab");
    ui_free(c);
    plat_video_close(v);
}

/* Taps the key whose label is s in the last frame. */
static void tap_key(ui_ctx *c, const char *s)
{
    for (int i = 0; i < c->ncmds; i++) {
        const plat_cmd *k = &c->cmds[i];
        if (k->kind == PLAT_CMD_TEXT && k->len == (int)strlen(s) &&
            !memcmp(k->text, s, (size_t)k->len) && k->y >= 300) {
            plat_event d = ev(PLAT_EV_DOWN, k->x + k->w / 2, k->y + k->h / 2);
            plat_event u = ev(PLAT_EV_UP, k->x + k->w / 2, k->y + k->h / 2);
            field_frame(c, &d, 0, sizeof field, 1);
            field_frame(c, &u, 0, sizeof field, 1);
            field_frame(c, NULL, 0, sizeof field, 1); /* the key reaches the field */
            return;
        }
    }
    fail_msg("no key %s", s);
}

static void test_onscreen_keyboard(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    field[0] = 0;
    plat_event d = ev(PLAT_EV_DOWN, 50, 30), u = ev(PLAT_EV_UP, 50, 30);
    field_frame(c, &d, 0, sizeof field, 1);
    field_frame(c, &u, 0, sizeof field, 1);
    tap_key(c, "ABC");
    tap_key(c, "Æ");
    tap_key(c, "b"); /* shift was for one letter */
    tap_key(c, "e");
    tap_key(c, "l");
    tap_key(c, "ø");
    tap_key(c, "Space");
    tap_key(c, "å");
    assert_string_equal(field, "Æbelø å");
    tap_key(c, "Erase");
    assert_string_equal(field, "Æbelø ");
    tap_key(c, "123");
    tap_key(c, "7");
    assert_string_equal(field, "Æbelø 7");
    /* Every key is a full touch target. */
    for (int i = 0; i < c->ncmds; i++) {
        const plat_cmd *k = &c->cmds[i];
        if (k->kind == PLAT_CMD_RECT && k->y >= 300 && k->w < 700) {
            assert_true(k->w + 6 >= ui_dp(c, UI_TARGET_DP) - 2 || k->w + 6 >= 800 / 11 - 2);
            assert_true(k->h + 6 >= ui_dp(c, UI_TARGET_DP));
        }
    }
    ui_free(c);
    plat_video_close(v);
}

/* ---- editing anywhere in a text ---- */

static char area[4100];

/* One frame of a field (ids "f") at (10, 10, 300, 56) over buf, or of a
 * text area at (10, 10, 400, 200) when multi, with the keyboard when osk. */
static int edit_frame(ui_ctx *c, const plat_event *e, char *buf, size_t cap, int multi, int osk)
{
    if (e)
        ui_input(c, e);
    ui_begin(c, now_ms);
    now_ms += 16;
    int r = multi ? ui_textarea(c, ui_ids("f"), ui_r(10, 10, 400, 200), buf, cap, "hint")
                  : ui_field(c, ui_ids("f"), ui_r(10, 10, 300, 56), buf, cap, "name", 0);
    /* Something else to tap: a button away from the text. */
    ui_button(c, ui_ids("other"), ui_r(500, 10, 200, 60), "Other", UI_STYLE_PLAIN);
    if (osk) {
        ui_osk_labels l = {"Done", "Space", "Erase", "123", "abc"};
        ui_keyboard(c, ui_r(0, 300, 800, ui_keyboard_height(c)), &l);
    }
    ui_end(c);
    return r;
}

static void key(ui_ctx *c, char *buf, size_t cap, int multi, int k, int mods)
{
    plat_event e = {0};
    e.kind = PLAT_EV_KEY;
    e.key = k;
    e.mods = mods;
    edit_frame(c, &e, buf, cap, multi, 0);
}

static void type(ui_ctx *c, char *buf, size_t cap, int multi, const char *s)
{
    plat_event e = text_ev(s);
    edit_frame(c, &e, buf, cap, multi, 0);
}

static void tap_at(ui_ctx *c, char *buf, size_t cap, int multi, int osk, int x, int y)
{
    plat_event d = ev(PLAT_EV_DOWN, x, y), u = ev(PLAT_EV_UP, x, y);
    edit_frame(c, &d, buf, cap, multi, osk);
    edit_frame(c, &u, buf, cap, multi, osk);
}

/* The x of the drawn caret (a 2 px wide fill in the primary colour). */
static int caret_x(const ui_ctx *c)
{
    for (int i = 0; i < c->ncmds; i++) {
        const plat_cmd *k = &c->cmds[i];
        if (k->kind == PLAT_CMD_RECT && k->color == UI_PRIMARY && k->w == ui_dp(c, 2))
            return k->x;
    }
    return -1;
}

/* On the dummy table a body letter is 9 px wide (18 x 0.55, cut to int per
 * text), and the field's text starts at x = 22 (10 + 12 inset). */
static void test_cursor_keys_and_taps(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    char buf[64] = "Rolig stemme";
    size_t cap = sizeof buf;
    /* A tap in the middle of "stemme" puts the cursor there, not at the end. */
    int x = 22 + (int)(8.5 * 9.9);
    tap_at(c, buf, cap, 0, 0, x, 30);
    assert_true(ui_wants_text(c));
    assert_int_equal(c->cur, 8);
    type(c, buf, cap, 0, "x");
    assert_string_equal(buf, "Rolig stxemme");
    key(c, buf, cap, 0, PLAT_KEY_BACKSPACE, 0);
    assert_string_equal(buf, "Rolig stemme");
    /* Home, then fix a typo at the start. */
    key(c, buf, cap, 0, PLAT_KEY_HOME, 0);
    key(c, buf, cap, 0, PLAT_KEY_DELETE, 0);
    type(c, buf, cap, 0, "Æ");
    assert_string_equal(buf, "Æolig stemme");
    assert_int_equal(c->cur, 2); /* after the two bytes of Æ */
    /* Arrows step over whole letters: Æ is one step. */
    key(c, buf, cap, 0, PLAT_KEY_LEFT, 0);
    assert_int_equal(c->cur, 0);
    key(c, buf, cap, 0, PLAT_KEY_RIGHT, 0);
    assert_int_equal(c->cur, 2);
    assert_int_equal(caret_x(c), 22 + 9);
    /* Ctrl+Right goes by words; Shift selects; typing replaces it. */
    key(c, buf, cap, 0, PLAT_KEY_END, 0);
    key(c, buf, cap, 0, PLAT_KEY_LEFT, PLAT_MOD_CTRL);
    assert_int_equal(c->cur, 7);
    key(c, buf, cap, 0, PLAT_KEY_END, PLAT_MOD_SHIFT);
    assert_int_equal(c->anchor, 7);
    type(c, buf, cap, 0, "hånd");
    assert_string_equal(buf, "Æolig hånd");
    /* Word-wise erasing: Ctrl+Backspace takes the word before the cursor,
     * Ctrl+Delete the word after it. */
    key(c, buf, cap, 0, PLAT_KEY_BACKSPACE, PLAT_MOD_CTRL);
    assert_string_equal(buf, "Æolig ");
    key(c, buf, cap, 0, PLAT_KEY_HOME, 0);
    key(c, buf, cap, 0, PLAT_KEY_DELETE, PLAT_MOD_CTRL);
    assert_string_equal(buf, " ");
    /* Select all, copy, paste twice. */
    snprintf(buf, cap, "ab cd");
    edit_frame(c, NULL, buf, cap, 0, 0); /* changed by the screen: cursor at the end */
    assert_int_equal(c->cur, 5);
    key(c, buf, cap, 0, PLAT_KEY_A, PLAT_MOD_CTRL);
    key(c, buf, cap, 0, PLAT_KEY_C, PLAT_MOD_CTRL);
    key(c, buf, cap, 0, PLAT_KEY_END, 0);
    key(c, buf, cap, 0, PLAT_KEY_V, PLAT_MOD_CTRL);
    assert_string_equal(buf, "ab cdab cd");
    key(c, buf, cap, 0, PLAT_KEY_LEFT, PLAT_MOD_CTRL | PLAT_MOD_SHIFT);
    key(c, buf, cap, 0, PLAT_KEY_X, PLAT_MOD_CTRL);
    assert_string_equal(buf, "ab cdab ");
    /* A double tap on a word selects it; Erase then takes the word. */
    tap_at(c, buf, cap, 0, 0, 22 + 9 * 4, 30);
    now_ms += 100;
    tap_at(c, buf, cap, 0, 0, 22 + 9 * 4, 30);
    assert_int_equal(c->anchor, 3);
    assert_int_equal(c->cur, 7);
    key(c, buf, cap, 0, PLAT_KEY_BACKSPACE, 0);
    assert_string_equal(buf, "ab  ");
    /* A drag in the focused text selects from where it began. */
    plat_event d = ev(PLAT_EV_DOWN, 22 + 1, 30), m = ev(PLAT_EV_MOVE, 22 + 9 * 2 + 1, 31),
               u = ev(PLAT_EV_UP, 22 + 9 * 2 + 1, 31);
    edit_frame(c, &d, buf, cap, 0, 0);
    edit_frame(c, &m, buf, cap, 0, 0);
    edit_frame(c, &u, buf, cap, 0, 0);
    assert_int_equal(c->anchor, 0);
    assert_int_equal(c->cur, 2);
    assert_true(ui_wants_text(c));
    type(c, buf, cap, 0, "Å");
    assert_string_equal(buf, "Å  ");
    ui_free(c);
    plat_video_close(v);
}

/* Taps the on-screen key labelled s, drawn by edit_frame with osk. */
static void tap_key_in(ui_ctx *c, char *buf, size_t cap, const char *s)
{
    for (int i = 0; i < c->ncmds; i++) {
        const plat_cmd *k = &c->cmds[i];
        if (k->kind == PLAT_CMD_TEXT && k->len == (int)strlen(s) &&
            !memcmp(k->text, s, (size_t)k->len) && k->y >= 300) {
            plat_event d = ev(PLAT_EV_DOWN, k->x + k->w / 2, k->y + k->h / 2);
            plat_event u = ev(PLAT_EV_UP, k->x + k->w / 2, k->y + k->h / 2);
            edit_frame(c, &d, buf, cap, 1, 1);
            edit_frame(c, &u, buf, cap, 1, 1);
            edit_frame(c, NULL, buf, cap, 1, 1); /* the key reaches the text */
            return;
        }
    }
    fail_msg("no key %s", s);
}

/* A text area: arrows up and down keep the column, Home and End work on
 * the line, a hardware Enter starts a new line and keeps the text focused
 * (typing goes on there), and only Done ends the editing. */
static void test_textarea_lines(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    size_t cap = sizeof area;
    snprintf(area, cap, "første linje");
    tap_at(c, area, cap, 1, 0, 300, 30); /* past the end of the line */
    assert_int_equal(c->cur, (int)strlen("første linje"));
    key(c, area, cap, 1, PLAT_KEY_ENTER, 0);
    assert_true(ui_wants_text(c));
    type(c, area, cap, 1, "anden");
    assert_string_equal(area, "første linje\nanden");
    key(c, area, cap, 1, PLAT_KEY_UP, 0);
    assert_int_equal(c->cur, 5 + 1); /* "først" is 5 letters, ø two bytes */
    key(c, area, cap, 1, PLAT_KEY_END, 0);
    assert_int_equal(c->cur, (int)strlen("første linje"));
    key(c, area, cap, 1, PLAT_KEY_DOWN, 0);
    assert_int_equal(c->cur, (int)strlen(area));
    key(c, area, cap, 1, PLAT_KEY_HOME, 0);
    assert_int_equal(c->cur, (int)strlen("første linje\n"));
    /* A tap on the second line's start. */
    tap_at(c, area, cap, 1, 0, 23, 22 + 25 + 5);
    assert_int_equal(c->cur, (int)strlen("første linje\n"));
    /* Done on the on-screen keyboard ends it. */
    edit_frame(c, NULL, area, cap, 1, 1);
    tap_key_in(c, area, cap, "Done");
    assert_false(ui_wants_text(c));
    assert_string_equal(area, "første linje\nanden");
    ui_free(c);
    plat_video_close(v);
}

/* The keyboard goes away when a person moves on: a tap on anything that
 * is not a text or the keyboard, Done, and Escape each end the editing,
 * while taps on the keys and in the text keep it. */
static void test_editing_ends(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    char buf[64] = "";
    size_t cap = sizeof buf;
    tap_at(c, buf, cap, 0, 1, 50, 30);
    assert_true(ui_wants_text(c));
    /* Keys, the gap between keys and the text itself keep the focus. */
    tap_at(c, buf, cap, 0, 1, 400, 300 + 3);
    tap_at(c, buf, cap, 0, 1, 60, 30);
    assert_true(ui_wants_text(c));
    /* A drag elsewhere (a list being scrolled) does not end it either. */
    plat_event d = ev(PLAT_EV_DOWN, 600, 200), m = ev(PLAT_EV_MOVE, 600, 100),
               u = ev(PLAT_EV_UP, 600, 100);
    edit_frame(c, &d, buf, cap, 0, 1);
    edit_frame(c, &m, buf, cap, 0, 1);
    edit_frame(c, &u, buf, cap, 0, 1);
    assert_true(ui_wants_text(c));
    /* A tap on another widget, or on nothing at all, ends it. */
    tap_at(c, buf, cap, 0, 1, 600, 40);
    assert_false(ui_wants_text(c));
    tap_at(c, buf, cap, 0, 1, 50, 30);
    tap_at(c, buf, cap, 0, 1, 600, 200);
    assert_false(ui_wants_text(c));
    /* Escape ends it and is not seen by the screen as "back". */
    tap_at(c, buf, cap, 0, 1, 50, 30);
    plat_event k = {0};
    k.kind = PLAT_EV_KEY;
    k.key = PLAT_KEY_ESCAPE;
    ui_input(c, &k);
    ui_begin(c, now_ms);
    ui_field(c, ui_ids("f"), ui_r(10, 10, 300, 56), buf, cap, "name", 0);
    assert_int_equal(c->key, PLAT_KEY_NONE);
    ui_end(c);
    assert_false(ui_wants_text(c));
    ui_free(c);
    plat_video_close(v);
}

/* Holding Erase on the on-screen keyboard erases whole words after half a
 * second, a word every quarter second; a plain tap erases one letter. */
static void test_erase_held_erases_words(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    size_t cap = sizeof area;
    snprintf(area, cap, "en to tre fire");
    tap_at(c, area, cap, 1, 1, 390, 30);
    tap_key_in(c, area, cap, "Erase");
    assert_string_equal(area, "en to tre fir");
    int x = -1, y = -1;
    for (int i = 0; i < c->ncmds; i++) {
        const plat_cmd *k = &c->cmds[i];
        if (k->kind == PLAT_CMD_TEXT && k->len == 5 && !memcmp(k->text, "Erase", 5)) {
            x = k->x + k->w / 2;
            y = k->y + k->h / 2;
        }
    }
    plat_event d = ev(PLAT_EV_DOWN, x, y), u = ev(PLAT_EV_UP, x, y);
    edit_frame(c, &d, area, cap, 1, 1);
    int64_t until = now_ms + 400;
    while (now_ms < until)
        edit_frame(c, NULL, area, cap, 1, 1);
    assert_string_equal(area, "en to tre fir"); /* not yet */
    until = now_ms + 200;
    while (now_ms < until)
        edit_frame(c, NULL, area, cap, 1, 1);
    assert_string_equal(area, "en to tre ");
    until = now_ms + 260;
    while (now_ms < until)
        edit_frame(c, NULL, area, cap, 1, 1);
    assert_string_equal(area, "en to ");
    edit_frame(c, &u, area, cap, 1, 1);
    edit_frame(c, NULL, area, cap, 1, 1);
    assert_string_equal(area, "en to "); /* the release erases no more */
    ui_free(c);
    plat_video_close(v);
}

/* Measuring is what text shaping costs. A counting table around the dummy
 * one says how many bytes a frame measures. */
static int (*real_measure)(plat_video *, int, const char *, int);
static long measured_bytes, measures;

static int counting_measure(plat_video *v, int font, const char *s, int len)
{
    measures++;
    measured_bytes += len;
    return real_measure(v, font, s, len);
}

/* A 4,000-letter text without a space, in a focused text area, a focused
 * field and a label: each frame measures a bounded multiple of the text,
 * not one measure per letter of everything before it (which froze the
 * tablet: a few letters a second). */
static void test_long_word_bounded(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(1280, 800, 1);
    real_measure = v->measure;
    v->measure = counting_measure;
    ui_ctx *c = ui_new(v);
    size_t cap = 4001; /* as a note or feedback field: 4,000 bytes */
    memset(area, 'm', 4000);
    area[4000] = 0;
    tap_at(c, area, cap, 1, 0, 100, 30);
    for (int multi = 0; multi <= 1; multi++) {
        tap_at(c, area, cap, multi, 0, 100, 30);
        key(c, area, cap, multi, PLAT_KEY_END, PLAT_MOD_CTRL);
        measured_bytes = measures = 0;
        type(c, area, cap, multi, "x");
        assert_int_equal((int)strlen(area), 4000); /* full: the x did not go in */
        key(c, area, cap, multi, PLAT_KEY_BACKSPACE, 0);
        type(c, area, cap, multi, "y");
        print_message("%s: %ld measures, %ld bytes for 3 frames\n", multi ? "area" : "field",
                      measures, measured_bytes);
        assert_true(measures < 3 * 2500);
        assert_true(measured_bytes < 3 * 40L * 4000);
    }
    measured_bytes = measures = 0;
    ui_begin(c, now_ms);
    ui_label(c, ui_r(0, 0, 600, 40), PLAT_FONT_BODY, UI_TEXT, area, UI_LEFT);
    ui_wrap(c, ui_r(0, 0, 600, 800), PLAT_FONT_BODY, UI_TEXT, area, 1);
    ui_end(c);
    print_message("label and wrap: %ld measures, %ld bytes\n", measures, measured_bytes);
    assert_true(measured_bytes < 40L * 4000);
    ui_free(c);
    plat_video_close(v);
}

/* The arrow and page keys scroll the list under the pointer (or the
 * biggest) while no text is focused; Home and End go to the ends. */
static void test_list_keys(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    list_frame(c, NULL);
    plat_event k = {0};
    k.kind = PLAT_EV_KEY;
    k.key = PLAT_KEY_DOWN;
    list_frame(c, &k);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 48);
    k.key = PLAT_KEY_PAGEDOWN;
    list_frame(c, &k);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 48 + 400 - 48);
    k.key = PLAT_KEY_UP;
    list_frame(c, &k);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 400 - 48);
    k.key = PLAT_KEY_END;
    list_frame(c, &k);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 50 * 60 - 400);
    k.key = PLAT_KEY_PAGEUP;
    list_frame(c, &k);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 50 * 60 - 400 - 352);
    k.key = PLAT_KEY_HOME;
    list_frame(c, &k);
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 0);
    /* Beneath a dialog the list does not move. */
    list_blocked = 1;
    list_frame(c, NULL);
    k.key = PLAT_KEY_DOWN;
    list_frame(c, &k);
    list_blocked = 0;
    assert_int_equal(ui_list_offset(c, ui_ids("l")), 0);
    ui_free(c);
    plat_video_close(v);
}

static int dialog_frame(ui_ctx *c, const plat_event *e, int *base_fired, int *inner_fired)
{
    if (e)
        ui_input(c, e);
    ui_begin(c, now_ms);
    now_ms += 16;
    int dismiss = 0;
    ui_block(c, 1);
    if (ui_button(c, ui_ids("base"), ui_r(0, 0, 100, 100), "Base", UI_STYLE_PRIMARY))
        (*base_fired)++;
    ui_block(c, 0);
    ui_rect in = ui_dialog(c, ui_ids("dlg"), 300, 200, &dismiss);
    if (ui_button(c, ui_ids("in"), ui_r(in.x, in.y, 100, 60), "Inner", UI_STYLE_PRIMARY))
        (*inner_fired)++;
    ui_end(c);
    return dismiss;
}

static void test_dialog_never_traps(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    int base = 0, inner = 0;
    dialog_frame(c, NULL, &base, &inner);
    /* A tap on the dimmed area closes it and does not reach beneath. */
    plat_event d = ev(PLAT_EV_DOWN, 50, 50), u = ev(PLAT_EV_UP, 50, 50);
    assert_int_equal(dialog_frame(c, &d, &base, &inner), 0);
    assert_int_equal(dialog_frame(c, &u, &base, &inner), 1);
    assert_int_equal(base, 0);
    /* Inside the panel, its own buttons work and it stays open. */
    d = ev(PLAT_EV_DOWN, 290, 230);
    u = ev(PLAT_EV_UP, 290, 230);
    assert_int_equal(dialog_frame(c, &d, &base, &inner), 0);
    assert_int_equal(dialog_frame(c, &u, &base, &inner), 0);
    assert_int_equal(inner, 1);
    /* Escape (or Android back) closes it too. */
    plat_event k = {0};
    k.kind = PLAT_EV_KEY;
    k.key = PLAT_KEY_ESCAPE;
    assert_int_equal(dialog_frame(c, &k, &base, &inner), 1);
    ui_free(c);
    plat_video_close(v);
}

static void test_scale_and_bounds(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(1600, 2560, 2.0f);
    ui_ctx *c = ui_new(v);
    assert_int_equal(ui_dp(c, UI_TARGET_DP), 96);
    ui_begin(c, now_ms);
    ui_label(c, ui_r(0, 0, 40, 40), PLAT_FONT_BODY, UI_TEXT, "Mette Østergaard", UI_LEFT);
    /* Cut to fit, ending in an ellipsis, never mid-letter. */
    assert_int_equal(c->ncmds, 1);
    assert_true(c->cmds[0].w <= 40);
    assert_memory_equal(c->cmds[0].text + c->cmds[0].len - 3, "\xE2\x80\xA6", 3);
    uint64_t h1 = ui_frame_hash(c);
    ui_end(c);
    ui_begin(c, now_ms);
    ui_label(c, ui_r(0, 0, 40, 40), PLAT_FONT_BODY, UI_TEXT, "Mette Østergaard", UI_LEFT);
    assert_true(ui_frame_hash(c) == h1);
    ui_fill(c, ui_r(0, 0, 1, 1), UI_TEXT, 0);
    assert_true(ui_frame_hash(c) != h1);
    ui_end(c);
    /* The command list is bounded: more is dropped and said so. */
    ui_begin(c, now_ms);
    for (int i = 0; i < UI_MAX_CMDS + 100; i++)
        ui_fill(c, ui_r(i, 0, 1, 1), UI_TEXT, 0);
    assert_int_equal(c->ncmds, UI_MAX_CMDS);
    assert_true(c->overflow);
    ui_end(c);
    ui_begin(c, now_ms);
    assert_false(c->overflow);
    ui_end(c);
    ui_free(c);
    ui_free(NULL);
    plat_video_close(v);
    plat_video_close(NULL);
}

/* Emoji (which the fonts cannot draw: on the dummy table everything from
 * U+1F000 up) are refused as they are typed or pasted, the rest goes in,
 * and a note says why for four seconds. */
static void test_emoji_refused(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    c->refused_msg = "left out";
    char buf[64] = "";
    size_t cap = sizeof buf;
    tap_at(c, buf, cap, 0, 0, 50, 30);
    type(c, buf, cap, 0, "Tak \xF0\x9F\x91\x8D!");
    assert_string_equal(buf, "Tak !");
    int seen = 0;
    for (int i = 0; i < c->ncmds; i++)
        if (c->cmds[i].kind == PLAT_CMD_TEXT && c->cmds[i].len == 8 &&
            !memcmp(c->cmds[i].text, "left out", 8))
            seen = 1;
    assert_true(seen);
    /* Pasted text too. */
    v->clipboard_set(v, "\xF0\x9F\x98\x80 glad");
    key(c, buf, cap, 0, PLAT_KEY_V, PLAT_MOD_CTRL);
    assert_string_equal(buf, "Tak ! glad");
    /* Gone after four seconds. */
    now_ms += 4100;
    edit_frame(c, NULL, buf, cap, 0, 0);
    for (int i = 0; i < c->ncmds; i++)
        assert_false(c->cmds[i].kind == PLAT_CMD_TEXT && c->cmds[i].len == 8 &&
                     !memcmp(c->cmds[i].text, "left out", 8));
    ui_free(c);
    plat_video_close(v);
}

/* Text wrapped into a box too low for it shows the lines that fit whole,
 * the last ending in an ellipsis: never a line cut in half. */
static void test_wrap_never_cuts_a_line(void **state)
{
    (void)state;
    plat_video *v = plat_video_null(800, 600, 1);
    ui_ctx *c = ui_new(v);
    int lh = ui_line_h(c, PLAT_FONT_BODY);
    const char *s = "en to tre fire fem seks syv otte ni ti elleve tolv";
    ui_begin(c, now_ms);
    int full = ui_wrap(c, ui_r(0, 0, 100, 0), PLAT_FONT_BODY, UI_TEXT, s, 0);
    assert_true(full >= 4 * lh);
    ui_wrap(c, ui_r(0, 100, 100, 2 * lh + lh / 2), PLAT_FONT_BODY, UI_TEXT, s, 1);
    assert_int_equal(c->ncmds, 2);
    for (int i = 0; i < c->ncmds; i++) {
        assert_true(c->cmds[i].y + lh <= 100 + 2 * lh + lh / 2);
        assert_true(c->cmds[i].w <= 100);
    }
    assert_memory_equal(c->cmds[1].text + c->cmds[1].len - 3, "\xE2\x80\xA6", 3);
    /* With room for all of it, all of it, and no ellipsis. */
    c->ncmds = 0;
    ui_wrap(c, ui_r(0, 100, 100, full), PLAT_FONT_BODY, UI_TEXT, s, 1);
    assert_int_equal(c->ncmds, full / lh);
    assert_memory_not_equal(c->cmds[c->ncmds - 1].text + c->cmds[c->ncmds - 1].len - 3,
                            "\xE2\x80\xA6", 3);
    ui_end(c);
    ui_free(c);
    plat_video_close(v);
}

/* A window without --fullscreen is a tablet in the screen's orientation,
 * made smaller to fit with its shape kept: never 800 x 800 on a portrait
 * screen. */
static void test_window_size(void **state)
{
    (void)state;
    int w, h;
    plat_window_size(1280, 800, 0, 0, &w, &h);
    assert_true(w == 1280 && h == 800);
    plat_window_size(800, 1280, 0, 0, &w, &h);
    assert_true(w == 800 && h == 1280);
    plat_window_size(1920, 1080, 0, 0, &w, &h);
    assert_true(w == 1280 && h == 800);
    plat_window_size(1080, 1920, 0, 0, &w, &h);
    assert_true(w == 800 && h == 1280);
    plat_window_size(1366, 728, 0, 0, &w, &h); /* a laptop with a panel */
    assert_true(w == 1164 && h == 728);
    plat_window_size(800, 1240, 0, 0, &w, &h);
    assert_true(w == 775 && h == 1240);
    plat_window_size(1024, 768, 1600, 1000, &w, &h);
    assert_true(w == 1024 && h == 640);
    plat_window_size(0, 0, 0, 0, &w, &h); /* the screen is not known */
    assert_true(w == 1280 && h == 800);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_button_fires_on_release_inside),
        cmocka_unit_test(test_list_drag_momentum),
        cmocka_unit_test(test_list_wheel),
        cmocka_unit_test(test_text_field),
        cmocka_unit_test(test_onscreen_keyboard),
        cmocka_unit_test(test_cursor_keys_and_taps),
        cmocka_unit_test(test_textarea_lines),
        cmocka_unit_test(test_editing_ends),
        cmocka_unit_test(test_erase_held_erases_words),
        cmocka_unit_test(test_long_word_bounded),
        cmocka_unit_test(test_list_keys),
        cmocka_unit_test(test_window_size),
        cmocka_unit_test(test_emoji_refused),
        cmocka_unit_test(test_wrap_never_cuts_a_line),
        cmocka_unit_test(test_dialog_never_traps),
        cmocka_unit_test(test_scale_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
