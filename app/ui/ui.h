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
    int key;   /* plat_key */
    int wheel; /* wheel notches at (wheel_x, wheel_y), positive downwards; 0 once a list took them */
    int wheel_x, wheel_y;
    int block; /* 1 while drawing beneath a dialog: no input */

    /* text focus */
    ui_id focus;
    int focus_seen;
    unsigned focus_flags;

    /* the on-screen keyboard */
    int osk_shift, osk_symbols;
    char osk_pending[UI_TYPED_MAX];
    int osk_pending_len;
    int osk_pending_key;

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
 * returns the height used. */
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

/* Text field editing buf (cap bytes with NUL) in place; tap focuses it.
 * Returns UI_CHANGED and/or UI_SUBMIT (Enter). */
int ui_field(ui_ctx *c, ui_id id, ui_rect r, char *buf, size_t cap, const char *placeholder,
             unsigned flags);
/* A text area for longer text (feedback, a reflection): word-wrapped in r,
 * showing the end of the text while it is longer than r. Tap focuses it;
 * Enter (the keyboard's Done) ends the editing and drops the focus.
 * Returns UI_CHANGED and/or UI_SUBMIT. */
int ui_textarea(ui_ctx *c, ui_id id, ui_rect r, char *buf, size_t cap, const char *placeholder);
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
