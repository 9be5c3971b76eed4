#ifndef BLIK_UI_H
#define BLIK_UI_H
/*
 * The touch widget layer, immediate mode: each frame the app calls widget
 * functions with its own state; they read the input that arrived for this
 * frame and append draw commands to a fixed list. Nothing is allocated per
 * frame and nothing is drawn here: the list goes to the video table.
 *
 * Touch rules built in: a tap fires on release inside the widget that took
 * the press; a finger that moves more than a few dp is a drag, never a tap;
 * lists scroll by drag and keep moving with momentum; targets are sized in
 * dp and scaled to the display.
 *
 * One input event is fed per frame (ui_input, then the widgets, then
 * ui_end), so a press and its release are always seen in different frames.
 */
#include <stddef.h>
#include <stdint.h>

#include "plat_gfx.h"

#define UI_MAX_CMDS 4096
#define UI_ARENA (96 * 1024)
#define UI_MAX_LISTS 16
#define UI_TYPED_MAX 64
#define UI_MAX_CLIP 8
#define UI_MAX_TARGETS 512
/* Lines a text area lays out; past it the rest of a text is not shown
 * (4,000 newlines in a row are needed to reach it). */
#define UI_MAX_LINES 4200

/* The smallest touch target, in dp (about 9 mm). */
#define UI_TARGET_DP 48

typedef uint32_t ui_id;

/* Colours of the theme (0xRRGGBBAA). */
#define UI_BG 0xF4F1EBFFu
#define UI_SURFACE 0xFFFFFFFFu
#define UI_LINE 0xD9D3C7FFu
#define UI_TEXT 0x1F2A30FFu
#define UI_MUTED 0x5E6A70FFu
#define UI_PRIMARY 0x1F6F78FFu
#define UI_PRIMARY_DARK 0x144E55FFu
#define UI_ON_PRIMARY 0xFFFFFFFFu
#define UI_ACCENT 0xE0A33BFFu
#define UI_SOFT 0xDCEBEAFFu
#define UI_DANGER 0xB3412EFFu
#define UI_OK 0x3C8D4EFFu
#define UI_WARN 0xD9822BFFu
#define UI_SCRIM 0x00000080u
#define UI_SELECT 0xB8DDE1FFu /* behind selected text */

/* The on-screen keyboard's Done key, which ends editing even in a text
 * area, where a hardware Enter starts a new line. */
#define UI_KEY_DONE 100

typedef enum {
    UI_STYLE_PRIMARY = 0, /* filled, the main action */
    UI_STYLE_PLAIN,       /* outlined on the surface */
    UI_STYLE_QUIET,       /* text only, for secondary actions */
    UI_STYLE_DANGER
} ui_style;

typedef enum { UI_LEFT = 0, UI_CENTER = 1, UI_RIGHT = 2 } ui_align;

/* Text field flags. */
#define UI_FIELD_DIGITS 1u /* only 0-9 */
#define UI_FIELD_SECRET 2u /* shown as dots */
/* Text field results. */
#define UI_CHANGED 1
#define UI_SUBMIT 2

typedef struct {
    int x, y, w, h;
} ui_rect;

typedef struct {
    ui_id id;
    ui_rect rect;     /* the view, as last drawn */
    float offset;     /* how far the content is scrolled, px */
    float vel;        /* px per ms, for momentum */
    float drag_start; /* offset when the drag began */
    int content;      /* content height seen in the last frame */
    int view;         /* visible height */
    int last_y;
    int64_t last_t;
    int used; /* frame counter when last drawn */
    int keys; /* it can scroll (it is not beneath a dialog) */
} ui_list;

typedef struct ui_ctx ui_ctx;
struct ui_ctx {
    plat_video *video;
    int w, h;
    float scale;
    int64_t now;  /* monotonic ms of this frame */
    int64_t prev; /* of the previous frame */
    int frame;

    /* input of this frame */
    int px, py;
    int down, pressed, released;
    int press_x, press_y;
    int dragging;
    ui_id active;     /* the widget that took the press */
    ui_id press_list; /* the list under the press, which a drag scrolls */
    char typed[UI_TYPED_MAX];
    int typed_len;
    int key;      /* plat_key, or UI_KEY_DONE */
    int key_mods; /* PLAT_MOD_* held with it */
    int wheel; /* wheel notches at (wheel_x, wheel_y), positive downwards; 0 once a list took them */
    int wheel_x, wheel_y;
    int block; /* 1 while drawing beneath a dialog: no input */

    /* text focus */
    ui_id focus;
    int focus_seen;
    unsigned focus_flags;
    int text_press; /* the press of this touch went to a text field or the keyboard */
    int64_t press_t;

    /* Editing the focused text: the state belongs to edit_id. The cursor
     * and the selection's other end are byte offsets; edit_len and
     * edit_hash are the text as the widget left it, so that a change made
     * by the screen (a chip that fills the field) puts the cursor at the
     * end. edit_top is a field's first byte shown, or how far a text area
     * is scrolled in px. */
    ui_id edit_id;
    int cur, anchor;
    size_t edit_len;
    uint64_t edit_hash;
    int edit_top;
    int goal_x;      /* where Up and Down aim in a text area, -1 if not set */
    ui_id selecting; /* the text in which a finger or mouse drags a selection */
    int reveal;      /* scroll the list around the focused text until it is in view */
    ui_id in_list;   /* the list being drawn (between its begin and end), 0 if none */
    int64_t tap_t;   /* the last tap in a text, for a double tap */
    int tap_x, tap_y;
    int line_start[UI_MAX_LINES], line_end[UI_MAX_LINES];
    int nlines;

    /* the on-screen keyboard */
    int osk_shift, osk_symbols;
    char osk_pending[UI_TYPED_MAX];
    int osk_pending_len;
    int osk_pending_key, osk_pending_mods;
    int64_t osk_repeat_at; /* a held Erase erases the next word at this time */
    int osk_repeated;      /* the held Erase has erased words (its release erases no more) */

    /* Characters the fonts cannot draw (emoji) are refused as they are
     * typed or pasted, and this sentence says so for a few seconds; the
     * app sets it in its language (kept, not owned). */
    const char *refused_msg;
    int64_t refused_at;

    /* the list the arrow and page keys scroll, chosen at the end of the
     * last frame */
    ui_id key_list;

    /* output */
    plat_cmd cmds[UI_MAX_CMDS];
    int ncmds;
    char arena[UI_ARENA];
    int arena_used;
    int overflow;  /* commands or text were dropped this frame */
    int animating; /* something moves: ask for another frame soon */
    ui_rect clip[UI_MAX_CLIP];
    int nclip;
    ui_list lists[UI_MAX_LISTS];

    /* Every touch target of the frame, as drawn (for checks of the 48 dp
     * rule; bounded, extra targets are not recorded). */
    ui_rect targets[UI_MAX_TARGETS];
    int ntargets;
};

/* Makes a context for a video table (kept, not owned). Returns NULL if out
 * of memory; ui_free(NULL) is a no-op. */
ui_ctx *ui_new(plat_video *video);
void ui_free(ui_ctx *c);

/* Applies one input event to the context; call before ui_begin. */
void ui_input(ui_ctx *c, const plat_event *ev);
/* Starts a frame at monotonic time now_ms: clears the command list. */
void ui_begin(ui_ctx *c, int64_t now_ms);
/* Ends the frame: settles press, drag and momentum state for the next. */
void ui_end(ui_ctx *c);
/* A hash of the frame's commands, to skip showing a frame equal to the last. */
uint64_t ui_frame_hash(const ui_ctx *c);
/* 1 if a text field holds the focus (the platform keyboard should be up). */
int ui_wants_text(const ui_ctx *c);
/* Drops the text focus and any press in progress (for screen changes). */
void ui_reset_input(ui_ctx *c);

/* ---- ids, sizes, layout ---- */

ui_id ui_idn(const char *name, int n);
static inline ui_id ui_ids(const char *name) { return ui_idn(name, 0); }
/* dp to pixels. */
int ui_dp(const ui_ctx *c, int dp);
ui_rect ui_r(int x, int y, int w, int h);
ui_rect ui_inset(ui_rect r, int d);
/* Cuts a strip off a side of *r and returns it. */
ui_rect ui_cut_top(ui_rect *r, int h);
ui_rect ui_cut_bottom(ui_rect *r, int h);
ui_rect ui_cut_left(ui_rect *r, int w);
ui_rect ui_cut_right(ui_rect *r, int w);
int ui_contains(ui_rect r, int x, int y);

/* ---- drawing ---- */

void ui_fill(ui_ctx *c, ui_rect r, plat_color color, int radius_px);
void ui_outline(ui_ctx *c, ui_rect r, plat_color color, int width_px);
/* A filled rounded rectangle with a border of width_px in border colour
 * (drawn as two fills, so the border follows the rounded corners). */
void ui_panel(ui_ctx *c, ui_rect r, plat_color fill, plat_color border, int width_px,
              int radius_px);
/* Draws s at (x, y) top-left; returns its width. */
int ui_text(ui_ctx *c, int font, int x, int y, plat_color color, const char *s);
/* Draws s in r, vertically centred, cut with an ellipsis if too wide. */
void ui_label(ui_ctx *c, ui_rect r, int font, plat_color color, const char *s, ui_align a);
/* Word-wraps s into r.w and draws it from r.y (draw = 0 only measures);
 * returns the height all of it needs. With r.h of a line or more, only the
 * lines that fit whole in r are drawn, the last ending in an ellipsis if
 * text is left over. */
int ui_wrap(ui_ctx *c, ui_rect r, int font, plat_color color, const char *s, int draw);
int ui_measure(ui_ctx *c, int font, const char *s);
int ui_line_h(const ui_ctx *c, int font);
/* printf into the frame's arena; valid until the next ui_begin. */
const char *ui_fmt(ui_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ui_clip_push(ui_ctx *c, ui_rect r);
void ui_clip_pop(ui_ctx *c);

/* ---- widgets; each returns 1 when tapped (released inside) ---- */

int ui_button(ui_ctx *c, ui_id id, ui_rect r, const char *label, ui_style style);
/* A large on/off row with a label and a switch; flips *on when tapped. */
int ui_toggle(ui_ctx *c, ui_id id, ui_rect r, const char *label, int *on);
/* A pill that can be selected. */
int ui_chip(ui_ctx *c, ui_id id, ui_rect r, const char *label, int selected);
/* A big counting tile: label and count; one tap counts. */
int ui_counter(ui_ctx *c, ui_id id, ui_rect r, const char *label, int count);
/* An invisible tap area (for tiles drawn by the caller); pressed_out, if
 * given, is set while the finger is down on it. */
int ui_area(ui_ctx *c, ui_id id, ui_rect r, int *pressed_out);

/*
 * Text editing, the same in a field and a text area: a tap puts the cursor
 * where it lands (and focuses the text), a double tap selects a word, and a
 * drag that starts in the focused text selects. The keyboard moves the
 * cursor with the arrows, Home and End (Ctrl: by word, or to either end of
 * the text), selects with Shift, erases by letter (Backspace, Delete) or by
 * word (with Ctrl; on the on-screen keyboard by holding Erase), selects all
 * with Ctrl+A, and copies, cuts and pastes with Ctrl+C, X and V. Typing
 * replaces the selection. Escape, Done on the on-screen keyboard, and a tap
 * on anything but a text or the keyboard end the editing (the keyboard goes
 * away). Text is laid out with a few measures of about a line each, never
 * one per letter, so a long text without spaces costs no more than words.
 */

/* Text field editing buf (cap bytes with NUL) in place, on one line that
 * scrolls sideways to keep the cursor in view. Enter (or Done) submits and
 * ends the editing. Returns UI_CHANGED and/or UI_SUBMIT. */
int ui_field(ui_ctx *c, ui_id id, ui_rect r, char *buf, size_t cap, const char *placeholder,
             unsigned flags);
/* A text area for longer text (feedback, a reflection, a note): word-wrapped
 * in r, scrolling to keep the cursor in view (a wheel scrolls it too);
 * unfocused it shows the end of a text longer than r. Enter starts a new
 * line; Done on the on-screen keyboard ends the editing and drops the focus
 * (UI_SUBMIT). Returns UI_CHANGED and/or UI_SUBMIT. */
int ui_textarea(ui_ctx *c, ui_id id, ui_rect r, char *buf, size_t cap, const char *placeholder);
/* The most bytes of s (len bytes, whole characters) that fit in w px. */
int ui_fit(ui_ctx *c, int font, const char *s, int len, int w);
/* Gives the text focus to a field before it is drawn. */
void ui_focus(ui_ctx *c, ui_id id);

/* Words on the keyboard's special keys, in the UI language (the font has
 * no arrow symbols, and words are clearer to most people anyway). */
typedef struct {
    const char *done, *space, *erase, *symbols, *letters;
} ui_osk_labels;

/* The on-screen keyboard with Danish letters (æ, ø, å), typing into the
 * focused field. Height: ui_keyboard_height(). */
void ui_keyboard(ui_ctx *c, ui_rect r, const ui_osk_labels *labels);
int ui_keyboard_height(const ui_ctx *c);

/* A scrolling list: draw items between begin and end at y offsets from the
 * returned top (view.y minus the scroll); content_h is their total height. */
int ui_list_begin(ui_ctx *c, ui_id id, ui_rect view);
void ui_list_end(ui_ctx *c, ui_id id, int content_h);
/* Scrolls a list to an offset (e.g. to the top when the filter changes). */
void ui_list_scroll_to(ui_ctx *c, ui_id id, int offset);
int ui_list_offset(ui_ctx *c, ui_id id);

/*
 * A dialog over the screen. Dialogs never trap: a tap on the dimmed area
 * around the panel, or Escape / back, sets *dismiss. Draw the screen beneath
 * with ui_block(c, 1) first, then ui_block(c, 0) and the dialog. Returns the
 * panel's inner rectangle.
 */
ui_rect ui_dialog(ui_ctx *c, ui_id id, int w_px, int h_px, int *dismiss);
void ui_block(ui_ctx *c, int on);

#endif
