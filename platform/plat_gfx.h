#ifndef BLIK_PLAT_GFX_H
#define BLIK_PLAT_GFX_H
/*
 * The video and input table. The UI layer produces a list of draw commands
 * and consumes a stream of input events; this table turns the commands into
 * pixels and the machine's events into that stream. Nothing here names SDL,
 * so that screens and widgets can be built and tested against a dummy table
 * without a display.
 *
 * Two libraries implement it: platform_gfx (no media library: the dummy
 * table and plat_video_close(), all that app/ui links) and platform_sdl
 * (plat_video_open() and plat_video_push(), for the app and the tests that
 * draw real pixels).
 */
#include <stddef.h>
#include <stdint.h>

/* Colours are 0xRRGGBBAA. */
typedef uint32_t plat_color;

/* Font slots; the sizes behind them follow the display scale. */
typedef enum {
    PLAT_FONT_SMALL = 0, /* 14 dp */
    PLAT_FONT_BODY,      /* 18 dp */
    PLAT_FONT_BOLD,      /* 18 dp bold */
    PLAT_FONT_TITLE,     /* 24 dp bold */
    PLAT_FONT_HUGE,      /* 36 dp bold */
    PLAT_FONT_COUNT
} plat_font;

typedef enum {
    PLAT_CMD_RECT = 0, /* filled rectangle, corners rounded by radius */
    PLAT_CMD_FRAME,    /* outline of a rectangle, 'radius' is the line width */
    PLAT_CMD_TEXT,     /* text at (x, y) top-left, in font, len bytes of UTF-8 */
    PLAT_CMD_CLIP,     /* from here on draw only inside (x, y, w, h) */
    PLAT_CMD_UNCLIP    /* back to the whole target */
} plat_cmd_kind;

/* One draw command. For TEXT, text points into the producer's arena and is
 * valid until the producer's next frame. */
typedef struct {
    uint8_t kind;
    uint8_t font;
    int16_t radius;
    int x, y, w, h;
    plat_color color;
    const char *text;
    int len;
} plat_cmd;

typedef enum {
    PLAT_EV_NONE = 0,
    PLAT_EV_DOWN,   /* pointer (finger or mouse) pressed at (x, y) */
    PLAT_EV_MOVE,   /* pointer moved to (x, y) */
    PLAT_EV_UP,     /* pointer released at (x, y) */
    PLAT_EV_TEXT,   /* text typed on a platform keyboard, UTF-8 in text */
    PLAT_EV_KEY,    /* a special key: key is one of plat_key */
    PLAT_EV_RESIZE, /* the drawable changed size or scale */
    PLAT_EV_EXPOSE, /* the window needs drawing again */
    PLAT_EV_QUIT,   /* the user or the system asked the app to close */
    PLAT_EV_WHEEL,  /* a mouse wheel or two-finger scroll at (x, y): key notches,
                       positive towards the end of a list (down) */
    PLAT_EV_WAKE    /* no input: something outside changed (a sync round ended);
                       look again. Pushed from any thread by plat_video_push. */
} plat_ev_kind;

typedef enum {
    PLAT_KEY_NONE = 0,
    PLAT_KEY_BACKSPACE,
    PLAT_KEY_ENTER,
    PLAT_KEY_ESCAPE, /* also the Android back button */
    PLAT_KEY_TAB,
    PLAT_KEY_LEFT, /* arrow keys */
    PLAT_KEY_RIGHT,
    PLAT_KEY_UP,
    PLAT_KEY_DOWN,
    PLAT_KEY_HOME,
    PLAT_KEY_END,
    PLAT_KEY_PAGEUP,
    PLAT_KEY_PAGEDOWN,
    PLAT_KEY_DELETE, /* erases forwards */
    PLAT_KEY_A,      /* letters that matter only with Ctrl held (select all) */
    PLAT_KEY_C,
    PLAT_KEY_V,
    PLAT_KEY_X
} plat_key;

/* Modifier keys held with a PLAT_EV_KEY (mods). */
#define PLAT_MOD_SHIFT 1
#define PLAT_MOD_CTRL 2

typedef struct {
    int kind;
    int x, y;
    int key;
    int mods; /* PLAT_MOD_* with a key */
    char text[32];
} plat_event;

typedef struct plat_video plat_video;
/* The table. Every function takes the table itself first. */
struct plat_video {
    /* Drawable size in pixels, and pixels per dp (1.0 at 160 dpi). */
    void (*size)(const plat_video *v, int *w, int *h, float *scale);
    /* Waits at most timeout_ms (0: do not wait, -1: forever) for an event.
     * Returns 1 and fills ev, or 0 on timeout. */
    int (*wait)(plat_video *v, int timeout_ms, plat_event *ev);
    /* Width in pixels of len bytes of UTF-8 in font. */
    int (*measure)(plat_video *v, int font, const char *s, int len);
    /* Line height of font in pixels. */
    int (*line_height)(const plat_video *v, int font);
    /* Draws a whole frame and shows it. */
    void (*render)(plat_video *v, const plat_cmd *cmds, int n, plat_color clear);
    /* Asks for (on = 1) or gives back the platform keyboard / text input. */
    void (*text_input)(plat_video *v, int on);
    /* 1 if the platform has its own keyboard for text input. */
    int (*has_keyboard)(const plat_video *v);
    /* Headless only (else NULL): the last frame as 0xAARRGGBB pixels, w x h,
     * owned by the table, valid until the next render. */
    const uint32_t *(*pixels)(const plat_video *v, int *w, int *h);
    /* Changes the drawable size (headless: the surface; else the window). */
    int (*resize)(plat_video *v, int w, int h);
    /* Releases everything the table holds, and the table. */
    void (*close)(plat_video *v);
    void *ctx;
    /* The system's clipboard: puts a copy of UTF-8 text on it, or copies
     * what it holds into buf (cap bytes with the NUL; cut on a whole
     * character). get returns the bytes written, 0 when it holds no text. */
    void (*clipboard_set)(plat_video *v, const char *text);
    size_t (*clipboard_get)(plat_video *v, char *buf, size_t cap);
    /* 1 if the fonts have a glyph for code point cp. Text is drawn and
     * measured with U+FFFD (a visible question mark in a diamond) for a
     * character without one, never as an empty box. */
    int (*can_draw)(plat_video *v, uint32_t cp);
};

typedef struct {
    const char *title;
    const char *font_regular; /* paths to TTF files */
    const char *font_bold;
    int width, height; /* window size in pixels; 0 for a default */
    int fullscreen;
    /* Headless: no window; draws into an off-screen surface of width x
     * height with a software renderer (tests, golden images, benchmarks). */
    int headless;
    float scale; /* 0: from the display's DPI; else pixels per dp */
} plat_video_opts;

/*
 * The size of a window on a screen whose usable area (without panels and
 * the like) is avail_w x avail_h: the size asked for (0 x 0: a tablet, 1280
 * x 800 on a landscape screen and 800 x 1280 on a portrait one), made
 * smaller if it does not fit, keeping its shape, so a portrait screen never
 * gets a square window cut from a landscape one.
 */
void plat_window_size(int avail_w, int avail_h, int want_w, int want_h, int *w, int *h);

/*
 * Opens the SDL video table (platform_sdl). On success *out is a table the
 * caller closes with plat_video_close(); on failure returns -1 and writes a
 * sentence into err.
 */
int plat_video_open(const plat_video_opts *o, plat_video **out, char *err, size_t errlen);
/* Closes any table, SDL or dummy, through its own close(). NULL is a no-op. */
void plat_video_close(plat_video *v);
/*
 * Puts an event into SDL's own queue as the machine would have sent it (a
 * left mouse button, a key, typed text), so that scripted input goes the
 * whole way through the table's wait(). Returns 0, or -1 if the table is
 * not an SDL one or the queue refused it. PLAT_EV_WAKE may be pushed from
 * any thread: it ends a wait() at once, which is how another thread tells
 * the loop to look again without the loop asking every so often.
 */
int plat_video_push(plat_video *v, const plat_event *ev);

/*
 * The dummy table: no SDL, no pixels. Text is measured as 0.55 x the font
 * size per character (UTF-8 aware), events come only from
 * plat_null_push(). Its fonts draw every character below U+1F000 (where
 * the emoji start) and none from there up. For widget tests that need neither fonts nor a display.
 * Returns NULL if out of memory; close with plat_video_close().
 */
plat_video *plat_video_null(int w, int h, float scale);
/* Queues an event for the dummy table's wait(). Returns 0, or -1 if full. */
int plat_null_push(plat_video *v, const plat_event *ev);

#endif
