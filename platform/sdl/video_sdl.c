/* The SDL2 + SDL_ttf implementation of the video and input table. */
#include "plat.h"
#include "plat_gfx.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEX_CACHE 512
#define TEX_PROBE 8
#define MEASURE_CACHE 2048
#define TEXT_MAX 1024

static const int font_dp[PLAT_FONT_COUNT] = {14, 18, 18, 24, 36};
static const int font_bold[PLAT_FONT_COUNT] = {0, 0, 1, 1, 1};

typedef struct {
    uint64_t key;
    SDL_Texture *tex;
    int w, h;
    uint32_t used;
} tex_entry;

typedef struct {
    uint64_t key;
    int w;
} measure_entry;

typedef struct {
    plat_video table; /* first, so the table pointer is ours */
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Surface *surface; /* headless target */
    int headless;
    int w, h;          /* drawable size in pixels */
    float rx, ry;      /* drawable pixels per window coordinate */
    float scale;       /* pixels per dp */
    float fixed_scale; /* from the options; 0 = from DPI */
    char font_path[2][1024];
    TTF_Font *fonts[PLAT_FONT_COUNT];
    int line_h[PLAT_FONT_COUNT];
    tex_entry tex[TEX_CACHE];
    measure_entry measure[MEASURE_CACHE];
    uint32_t frame;
    int pointer_down;
    int sdl_flags;
    /* The driver cannot block waiting for events (dummy, offscreen): SDL
     * would then poll every millisecond; we sleep in longer steps. */
    int poll_only;
    char buf[3 * TEXT_MAX + 1]; /* room for every character to become U+FFFD */
} sdl_video;

/* FNV-1a over the font slot and the bytes, so that cached textures and
 * widths are found again without keeping the strings. */
static uint64_t text_key(int font, const char *s, int len)
{
    uint64_t h = plat_hash(PLAT_HASH_START, &font, sizeof font);
    h = plat_hash(h, s, (size_t)len);
    return h ? h : 1;
}

static void cache_clear(sdl_video *v)
{
    for (int i = 0; i < TEX_CACHE; i++) {
        if (v->tex[i].tex)
            SDL_DestroyTexture(v->tex[i].tex);
    }
    memset(v->tex, 0, sizeof v->tex);
    memset(v->measure, 0, sizeof v->measure);
}

static void fonts_close(sdl_video *v)
{
    for (int i = 0; i < PLAT_FONT_COUNT; i++) {
        if (v->fonts[i])
            TTF_CloseFont(v->fonts[i]);
        v->fonts[i] = NULL;
    }
}

/* Fonts are opened at pixel sizes for the current scale, so that text stays
 * the same physical size on a 7" and a 13" tablet. */
static int fonts_open(sdl_video *v, char *err, size_t errlen)
{
    fonts_close(v);
    cache_clear(v);
    for (int i = 0; i < PLAT_FONT_COUNT; i++) {
        int px = (int)lroundf((float)font_dp[i] * v->scale);
        v->fonts[i] = TTF_OpenFont(v->font_path[font_bold[i]], px);
        if (!v->fonts[i]) {
            snprintf(err, errlen, "Could not open the font %s: %s", v->font_path[font_bold[i]],
                     TTF_GetError());
            return -1;
        }
        TTF_SetFontHinting(v->fonts[i], TTF_HINTING_LIGHT);
        v->line_h[i] = TTF_FontLineSkip(v->fonts[i]);
    }
    return 0;
}

static float dpi_scale(sdl_video *v)
{
    if (v->fixed_scale > 0)
        return v->fixed_scale;
    const char *env = getenv("BLIK_SCALE");
    if (env && atof(env) > 0.2)
        return (float)atof(env);
    float ddpi = 0;
    if (v->win) {
        int d = SDL_GetWindowDisplayIndex(v->win);
        if (d < 0 || SDL_GetDisplayDPI(d, &ddpi, NULL, NULL) != 0)
            ddpi = 0;
    }
    /* 160 dpi is one pixel per dp. Desktop monitors and virtual displays
     * report about 96, which would make targets too small: never go under 1. */
    float s = ddpi > 0 ? ddpi / 160.0f * v->rx : v->rx;
    if (s < 1.0f)
        s = 1.0f;
    if (s > 4.0f)
        s = 4.0f;
    return s;
}

static void update_size(sdl_video *v)
{
    if (v->headless) {
        v->w = v->surface->w;
        v->h = v->surface->h;
        v->rx = v->ry = 1;
        return;
    }
    int ww, wh;
    SDL_GetWindowSize(v->win, &ww, &wh);
    SDL_GetRendererOutputSize(v->ren, &v->w, &v->h);
    v->rx = ww > 0 ? (float)v->w / (float)ww : 1;
    v->ry = wh > 0 ? (float)v->h / (float)wh : 1;
}

static void t_size(const plat_video *t, int *w, int *h, float *scale)
{
    const sdl_video *v = (const sdl_video *)t;
    if (w)
        *w = v->w;
    if (h)
        *h = v->h;
    if (scale)
        *scale = v->scale;
}

static int map_event(sdl_video *v, const SDL_Event *e, plat_event *ev)
{
    memset(ev, 0, sizeof *ev);
    switch (e->type) {
    case SDL_QUIT: ev->kind = PLAT_EV_QUIT; return 1;
    case SDL_USEREVENT: ev->kind = PLAT_EV_WAKE; return 1;
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button != SDL_BUTTON_LEFT)
            return 0;
        v->pointer_down = 1;
        ev->kind = PLAT_EV_DOWN;
        ev->x = (int)((float)e->button.x * v->rx);
        ev->y = (int)((float)e->button.y * v->ry);
        return 1;
    case SDL_MOUSEBUTTONUP:
        if (e->button.button != SDL_BUTTON_LEFT)
            return 0;
        v->pointer_down = 0;
        ev->kind = PLAT_EV_UP;
        ev->x = (int)((float)e->button.x * v->rx);
        ev->y = (int)((float)e->button.y * v->ry);
        return 1;
    case SDL_MOUSEMOTION:
        /* There is no hover on a touch screen: only drags matter. */
        if (!v->pointer_down)
            return 0;
        ev->kind = PLAT_EV_MOVE;
        ev->x = (int)((float)e->motion.x * v->rx);
        ev->y = (int)((float)e->motion.y * v->ry);
        return 1;
    case SDL_MOUSEWHEEL: {
        /* SDL counts away from the user as positive; a list counts down. */
        int dy = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? e->wheel.y : -e->wheel.y;
        if (dy == 0)
            return 0;
        ev->kind = PLAT_EV_WHEEL;
        ev->key = dy;
        ev->x = (int)((float)e->wheel.mouseX * v->rx);
        ev->y = (int)((float)e->wheel.mouseY * v->ry);
        return 1;
    }
    case SDL_TEXTINPUT:
        ev->kind = PLAT_EV_TEXT;
        snprintf(ev->text, sizeof ev->text, "%s", e->text.text);
        return 1;
    case SDL_KEYDOWN: {
        /* Held keys repeat as SDL sends them, so a held arrow or Backspace
         * keeps going as people expect. */
        Uint16 mod = e->key.keysym.mod;
        int ctrl = (mod & (KMOD_CTRL | KMOD_GUI)) != 0;
        switch (e->key.keysym.sym) {
        case SDLK_BACKSPACE: ev->key = PLAT_KEY_BACKSPACE; break;
        case SDLK_RETURN:
        case SDLK_KP_ENTER: ev->key = PLAT_KEY_ENTER; break;
        case SDLK_ESCAPE:
        case SDLK_AC_BACK: ev->key = PLAT_KEY_ESCAPE; break;
        case SDLK_TAB: ev->key = PLAT_KEY_TAB; break;
        case SDLK_LEFT: ev->key = PLAT_KEY_LEFT; break;
        case SDLK_RIGHT: ev->key = PLAT_KEY_RIGHT; break;
        case SDLK_UP: ev->key = PLAT_KEY_UP; break;
        case SDLK_DOWN: ev->key = PLAT_KEY_DOWN; break;
        case SDLK_HOME: ev->key = PLAT_KEY_HOME; break;
        case SDLK_END: ev->key = PLAT_KEY_END; break;
        case SDLK_PAGEUP: ev->key = PLAT_KEY_PAGEUP; break;
        case SDLK_PAGEDOWN: ev->key = PLAT_KEY_PAGEDOWN; break;
        case SDLK_DELETE: ev->key = PLAT_KEY_DELETE; break;
        /* Letters arrive as text; only with Ctrl are they commands. */
        case SDLK_a: ev->key = ctrl ? PLAT_KEY_A : 0; break;
        case SDLK_c: ev->key = ctrl ? PLAT_KEY_C : 0; break;
        case SDLK_v: ev->key = ctrl ? PLAT_KEY_V : 0; break;
        case SDLK_x: ev->key = ctrl ? PLAT_KEY_X : 0; break;
        default: return 0;
        }
        if (!ev->key)
            return 0;
        ev->mods = ((mod & KMOD_SHIFT) ? PLAT_MOD_SHIFT : 0) | (ctrl ? PLAT_MOD_CTRL : 0);
        ev->kind = PLAT_EV_KEY;
        return 1;
    }
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
            float old = v->scale;
            update_size(v);
            v->scale = dpi_scale(v);
            if (v->scale != old) {
                char err[256];
                if (fonts_open(v, err, sizeof err) != 0)
                    fprintf(stderr, "%s\n", err);
            }
            ev->kind = PLAT_EV_RESIZE;
            return 1;
        }
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
            e->window.event == SDL_WINDOWEVENT_SHOWN) {
            ev->kind = PLAT_EV_EXPOSE;
            return 1;
        }
        return 0;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
        cache_clear(v);
        ev->kind = PLAT_EV_EXPOSE;
        return 1;
    default: return 0;
    }
}

/* Waits in SDL's own blocking call, so that an idle app uses no CPU; events
 * the app does not care about do not count as a wake-up. */
static int t_wait(plat_video *t, int timeout_ms, plat_event *ev)
{
    sdl_video *v = (sdl_video *)t;
    Uint32 start = SDL_GetTicks();
    for (;;) {
        SDL_Event e;
        int got;
        if (v->poll_only || v->headless) {
            got = SDL_PollEvent(&e);
            if (!got) {
                int left = timeout_ms < 0 ? 100 : timeout_ms - (int)(SDL_GetTicks() - start);
                if (left <= 0)
                    return 0;
                SDL_Delay((Uint32)(left < 100 ? left : 100));
                continue;
            }
        } else if (timeout_ms < 0) {
            got = SDL_WaitEvent(&e);
        } else {
            int left = timeout_ms - (int)(SDL_GetTicks() - start);
            if (left < 0)
                left = 0;
            got = left > 0 ? SDL_WaitEventTimeout(&e, left) : SDL_PollEvent(&e);
        }
        if (!got)
            return 0;
        if (map_event(v, &e, ev))
            return 1;
    }
}

/* Copies len bytes of s into v->buf for SDL_ttf, with U+FFFD for each
 * character the font has no glyph for (an emoji, say, from another
 * program or another tablet): a sign that something is not shown, never
 * an empty box that looks like nothing is there. */
static void text_copy(sdl_video *v, int font, const char *s, int len)
{
    int k = 0;
    for (int i = 0; i < len;) {
        uint32_t cp = 0;
        int n = plat_utf8_next(s + i, (size_t)(len - i), &cp);
        int bad = n <= 0 || (cp >= 0x20 && !TTF_GlyphIsProvided32(v->fonts[font], cp));
        if (n <= 0)
            n = 1;
        if (bad) {
            memcpy(v->buf + k, "\xEF\xBF\xBD", 3);
            k += 3;
        } else {
            memcpy(v->buf + k, s + i, (size_t)n);
            k += n;
        }
        i += n;
    }
    v->buf[k] = 0;
}

static int t_can_draw(plat_video *t, uint32_t cp)
{
    sdl_video *v = (sdl_video *)t;
    return TTF_GlyphIsProvided32(v->fonts[PLAT_FONT_BODY], cp) &&
           TTF_GlyphIsProvided32(v->fonts[PLAT_FONT_BOLD], cp);
}

static int t_measure(plat_video *t, int font, const char *s, int len)
{
    sdl_video *v = (sdl_video *)t;
    if (len <= 0 || font < 0 || font >= PLAT_FONT_COUNT)
        return 0;
    if (len > TEXT_MAX)
        len = TEXT_MAX;
    uint64_t key = text_key(font, s, len);
    measure_entry *m = &v->measure[key % MEASURE_CACHE];
    if (m->key == key)
        return m->w;
    text_copy(v, font, s, len);
    int w = 0, h = 0;
    if (TTF_SizeUTF8(v->fonts[font], v->buf, &w, &h) != 0)
        w = 0;
    m->key = key;
    m->w = w;
    return w;
}

static int t_line_height(const plat_video *t, int font)
{
    const sdl_video *v = (const sdl_video *)t;
    if (font < 0 || font >= PLAT_FONT_COUNT)
        return 0;
    return v->line_h[font];
}

/* Text is rendered once in white and kept as a texture; colour comes from
 * the texture's colour modulation, so one cache entry serves every colour. */
static tex_entry *text_texture(sdl_video *v, int font, const char *s, int len)
{
    if (len > TEXT_MAX)
        len = TEXT_MAX;
    uint64_t key = text_key(font, s, len);
    size_t base = key % TEX_CACHE;
    tex_entry *victim = NULL;
    for (int i = 0; i < TEX_PROBE; i++) {
        tex_entry *e = &v->tex[(base + (size_t)i) % TEX_CACHE];
        if (e->key == key && e->tex) {
            e->used = v->frame;
            return e;
        }
        if (!victim || !e->tex || (victim->tex && e->used < victim->used))
            victim = e;
    }
    text_copy(v, font, s, len);
    SDL_Color white = {255, 255, 255, 255};
    SDL_Surface *surf = TTF_RenderUTF8_Blended(v->fonts[font], v->buf, white);
    if (!surf)
        return NULL;
    SDL_Texture *tex = SDL_CreateTextureFromSurface(v->ren, surf);
    int w = surf->w, h = surf->h;
    SDL_FreeSurface(surf);
    if (!tex)
        return NULL;
    SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
    if (victim->tex)
        SDL_DestroyTexture(victim->tex);
    victim->key = key;
    victim->tex = tex;
    victim->w = w;
    victim->h = h;
    victim->used = v->frame;
    return victim;
}

static void set_color(SDL_Renderer *r, plat_color c)
{
    SDL_SetRenderDrawColor(r, (Uint8)(c >> 24), (Uint8)(c >> 16), (Uint8)(c >> 8), (Uint8)c);
}

/* A rounded rectangle: three plain rectangles and four quarter discs drawn as
 * triangle fans, which every SDL renderer (the software one too) supports. */
static void fill_rect(sdl_video *v, const plat_cmd *c)
{
    int r = c->radius;
    if (r * 2 > c->w)
        r = c->w / 2;
    if (r * 2 > c->h)
        r = c->h / 2;
    set_color(v->ren, c->color);
    if (r <= 0) {
        SDL_Rect q = {c->x, c->y, c->w, c->h};
        SDL_RenderFillRect(v->ren, &q);
        return;
    }
    SDL_Rect mid = {c->x, c->y + r, c->w, c->h - 2 * r};
    SDL_Rect top = {c->x + r, c->y, c->w - 2 * r, r};
    SDL_Rect bot = {c->x + r, c->y + c->h - r, c->w - 2 * r, r};
    SDL_RenderFillRect(v->ren, &mid);
    SDL_RenderFillRect(v->ren, &top);
    SDL_RenderFillRect(v->ren, &bot);
    enum { SEG = 8 };
    SDL_Vertex vert[4 * (SEG + 2)];
    int idx[4 * SEG * 3];
    int nv = 0, ni = 0;
    SDL_Color col = {(Uint8)(c->color >> 24), (Uint8)(c->color >> 16), (Uint8)(c->color >> 8),
                     (Uint8)c->color};
    const float cx[4] = {(float)(c->x + r), (float)(c->x + c->w - r), (float)(c->x + c->w - r),
                         (float)(c->x + r)};
    const float cy[4] = {(float)(c->y + r), (float)(c->y + r), (float)(c->y + c->h - r),
                         (float)(c->y + c->h - r)};
    const float a0[4] = {(float)M_PI, 1.5f * (float)M_PI, 0, 0.5f * (float)M_PI};
    for (int k = 0; k < 4; k++) {
        int center = nv;
        vert[nv++] = (SDL_Vertex){{cx[k], cy[k]}, col, {0, 0}};
        for (int i = 0; i <= SEG; i++) {
            float a = a0[k] + (float)i * (0.5f * (float)M_PI) / SEG;
            vert[nv++] = (SDL_Vertex){{cx[k] + cosf(a) * (float)r, cy[k] + sinf(a) * (float)r},
                                      col,
                                      {0, 0}};
        }
        for (int i = 0; i < SEG; i++) {
            idx[ni++] = center;
            idx[ni++] = center + 1 + i;
            idx[ni++] = center + 2 + i;
        }
    }
    SDL_RenderGeometry(v->ren, NULL, vert, nv, idx, ni);
}

static void t_render(plat_video *t, const plat_cmd *cmds, int n, plat_color clear)
{
    sdl_video *v = (sdl_video *)t;
    v->frame++;
    SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_BLEND);
    SDL_RenderSetClipRect(v->ren, NULL);
    set_color(v->ren, clear);
    SDL_RenderClear(v->ren);
    for (int i = 0; i < n; i++) {
        const plat_cmd *c = &cmds[i];
        switch (c->kind) {
        case PLAT_CMD_RECT: fill_rect(v, c); break;
        case PLAT_CMD_FRAME: {
            int lw = c->radius > 0 ? c->radius : 1;
            set_color(v->ren, c->color);
            SDL_Rect q[4] = {{c->x, c->y, c->w, lw},
                             {c->x, c->y + c->h - lw, c->w, lw},
                             {c->x, c->y, lw, c->h},
                             {c->x + c->w - lw, c->y, lw, c->h}};
            SDL_RenderFillRects(v->ren, q, 4);
            break;
        }
        case PLAT_CMD_TEXT: {
            if (c->len <= 0 || c->font >= PLAT_FONT_COUNT)
                break;
            tex_entry *e = text_texture(v, c->font, c->text, c->len);
            if (!e)
                break;
            SDL_SetTextureColorMod(e->tex, (Uint8)(c->color >> 24), (Uint8)(c->color >> 16),
                                   (Uint8)(c->color >> 8));
            SDL_SetTextureAlphaMod(e->tex, (Uint8)c->color);
            SDL_Rect dst = {c->x, c->y, e->w, e->h};
            SDL_RenderCopy(v->ren, e->tex, NULL, &dst);
            break;
        }
        case PLAT_CMD_CLIP: {
            SDL_Rect q = {c->x, c->y, c->w, c->h};
            SDL_RenderSetClipRect(v->ren, &q);
            break;
        }
        case PLAT_CMD_UNCLIP: SDL_RenderSetClipRect(v->ren, NULL); break;
        default: break;
        }
    }
    SDL_RenderPresent(v->ren);
}

static void t_text_input(plat_video *t, int on)
{
    (void)t;
    if (on && !SDL_IsTextInputActive())
        SDL_StartTextInput();
    else if (!on && SDL_IsTextInputActive())
        SDL_StopTextInput();
}

static int t_has_keyboard(const plat_video *t)
{
    (void)t;
    return SDL_HasScreenKeyboardSupport() ? 1 : 0;
}

static void t_clipboard_set(plat_video *t, const char *text)
{
    (void)t;
    SDL_SetClipboardText(text);
}

/* What another program put on the clipboard is cleaned like typing: whole
 * characters, no control characters but newline and tab. */
static size_t t_clipboard_get(plat_video *t, char *buf, size_t cap)
{
    (void)t;
    if (cap == 0)
        return 0;
    buf[0] = 0;
    if (!SDL_HasClipboardText())
        return 0;
    char *s = SDL_GetClipboardText();
    if (!s)
        return 0;
    size_t n = plat_utf8_copy(buf, cap, s);
    SDL_free(s);
    return n;
}

static const uint32_t *t_pixels(const plat_video *t, int *w, int *h)
{
    const sdl_video *v = (const sdl_video *)t;
    if (!v->headless)
        return NULL;
    SDL_RenderFlush(v->ren);
    *w = v->surface->w;
    *h = v->surface->h;
    return v->surface->pixels;
}

static int make_headless_target(sdl_video *v, int w, int h)
{
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->surface)
        SDL_FreeSurface(v->surface);
    v->ren = NULL;
    v->surface = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!v->surface)
        return -1;
    v->ren = SDL_CreateSoftwareRenderer(v->surface);
    return v->ren ? 0 : -1;
}

static int t_resize(plat_video *t, int w, int h)
{
    sdl_video *v = (sdl_video *)t;
    if (v->headless) {
        /* Textures belong to the renderer, which is made anew. */
        cache_clear(v);
        if (make_headless_target(v, w, h) != 0)
            return -1;
    } else {
        SDL_SetWindowSize(v->win, w, h);
    }
    update_size(v);
    return 0;
}

static void t_close(plat_video *t)
{
    sdl_video *v = (sdl_video *)t;
    cache_clear(v);
    fonts_close(v);
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->surface)
        SDL_FreeSurface(v->surface);
    if (v->win)
        SDL_DestroyWindow(v->win);
    TTF_Quit();
    SDL_QuitSubSystem((Uint32)v->sdl_flags);
    free(v);
}

int plat_video_push(plat_video *t, const plat_event *ev)
{
    if (!t || t->close != t_close)
        return -1;
    sdl_video *v = (sdl_video *)t;
    SDL_Event e;
    SDL_zero(e);
    /* A wake carries nothing and reads nothing of the table, so another
     * thread may push it; SDL's queue takes it under its own lock. */
    if (ev->kind == PLAT_EV_WAKE) {
        e.type = SDL_USEREVENT;
        return SDL_PushEvent(&e) == 1 ? 0 : -1;
    }
    int x = (int)((float)ev->x / (v->rx > 0 ? v->rx : 1));
    int y = (int)((float)ev->y / (v->ry > 0 ? v->ry : 1));
    switch (ev->kind) {
    case PLAT_EV_DOWN:
    case PLAT_EV_UP:
        e.type = ev->kind == PLAT_EV_DOWN ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
        e.button.button = SDL_BUTTON_LEFT;
        e.button.state = ev->kind == PLAT_EV_DOWN ? SDL_PRESSED : SDL_RELEASED;
        e.button.clicks = 1;
        e.button.x = x;
        e.button.y = y;
        break;
    case PLAT_EV_MOVE:
        e.type = SDL_MOUSEMOTION;
        e.motion.state = v->pointer_down ? SDL_BUTTON_LMASK : 0;
        e.motion.x = x;
        e.motion.y = y;
        break;
    case PLAT_EV_TEXT:
        e.type = SDL_TEXTINPUT;
        snprintf(e.text.text, sizeof e.text.text, "%s", ev->text);
        break;
    case PLAT_EV_KEY: {
        static const SDL_Keycode sym[] = {[PLAT_KEY_BACKSPACE] = SDLK_BACKSPACE,
                                          [PLAT_KEY_ENTER] = SDLK_RETURN,
                                          [PLAT_KEY_ESCAPE] = SDLK_ESCAPE,
                                          [PLAT_KEY_TAB] = SDLK_TAB,
                                          [PLAT_KEY_LEFT] = SDLK_LEFT,
                                          [PLAT_KEY_RIGHT] = SDLK_RIGHT,
                                          [PLAT_KEY_UP] = SDLK_UP,
                                          [PLAT_KEY_DOWN] = SDLK_DOWN,
                                          [PLAT_KEY_HOME] = SDLK_HOME,
                                          [PLAT_KEY_END] = SDLK_END,
                                          [PLAT_KEY_PAGEUP] = SDLK_PAGEUP,
                                          [PLAT_KEY_PAGEDOWN] = SDLK_PAGEDOWN,
                                          [PLAT_KEY_DELETE] = SDLK_DELETE,
                                          [PLAT_KEY_A] = SDLK_a,
                                          [PLAT_KEY_C] = SDLK_c,
                                          [PLAT_KEY_V] = SDLK_v,
                                          [PLAT_KEY_X] = SDLK_x};
        e.type = SDL_KEYDOWN;
        e.key.state = SDL_PRESSED;
        e.key.keysym.sym = ev->key > 0 && ev->key < (int)(sizeof sym / sizeof sym[0])
                               ? sym[ev->key]
                               : SDLK_UNKNOWN;
        e.key.keysym.mod = (Uint16)(((ev->mods & PLAT_MOD_SHIFT) ? KMOD_LSHIFT : 0) |
                                    ((ev->mods & PLAT_MOD_CTRL) ? KMOD_LCTRL : 0));
        break;
    }
    case PLAT_EV_WHEEL:
        e.type = SDL_MOUSEWHEEL;
        e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
        e.wheel.y = -ev->key;
        e.wheel.mouseX = x;
        e.wheel.mouseY = y;
        break;
    case PLAT_EV_QUIT: e.type = SDL_QUIT; break;
    default: return -1;
    }
    return SDL_PushEvent(&e) == 1 ? 0 : -1;
}

int plat_video_open(const plat_video_opts *o, plat_video **out, char *err, size_t errlen)
{
    *out = NULL;
    sdl_video *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "Out of memory.");
        return -1;
    }
    v->table = (plat_video){.size = t_size,
                            .wait = t_wait,
                            .measure = t_measure,
                            .line_height = t_line_height,
                            .render = t_render,
                            .text_input = t_text_input,
                            .has_keyboard = t_has_keyboard,
                            .pixels = t_pixels,
                            .resize = t_resize,
                            .close = t_close,
                            .clipboard_set = t_clipboard_set,
                            .clipboard_get = t_clipboard_get,
                            .can_draw = t_can_draw};
    v->table.ctx = v;
    v->headless = o->headless;
    v->fixed_scale = o->scale;
    snprintf(v->font_path[0], sizeof v->font_path[0], "%s", o->font_regular);
    snprintf(v->font_path[1], sizeof v->font_path[1], "%s", o->font_bold);
    /* Touch screens send fingers; we read them as the mouse events SDL makes
     * from them, one pointer, so that a finger and a mouse behave the same. */
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "1");
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
    SDL_SetHint(SDL_HINT_IME_SHOW_UI, "1");
    v->sdl_flags = o->headless ? SDL_INIT_EVENTS : (SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    if (SDL_InitSubSystem((Uint32)v->sdl_flags) != 0) {
        snprintf(err, errlen, "Could not start SDL: %s", SDL_GetError());
        free(v);
        return -1;
    }
    if (TTF_Init() != 0) {
        snprintf(err, errlen, "Could not start SDL_ttf: %s", TTF_GetError());
        SDL_QuitSubSystem((Uint32)v->sdl_flags);
        free(v);
        return -1;
    }
    int w = o->width > 0 ? o->width : 1280, h = o->height > 0 ? o->height : 800;
    if (o->headless) {
        if (make_headless_target(v, w, h) != 0) {
            snprintf(err, errlen, "Could not make an off-screen target: %s", SDL_GetError());
            t_close(&v->table);
            return -1;
        }
    } else {
        /* Start at the screen's own size when filling it; otherwise as a
         * tablet in the screen's own orientation, within the part of the
         * screen that windows may use, keeping the shape. */
        SDL_DisplayMode dm;
        if (SDL_GetDesktopDisplayMode(0, &dm) == 0 && dm.w > 0 && dm.h > 0) {
            SDL_Rect usable = {0, 0, dm.w, dm.h};
            if (SDL_GetDisplayUsableBounds(0, &usable) != 0 || usable.w <= 0 || usable.h <= 0)
                usable = (SDL_Rect){0, 0, dm.w, dm.h};
            if (o->fullscreen && o->width <= 0) {
                w = dm.w;
                h = dm.h;
            } else {
                plat_window_size(usable.w, usable.h, o->width, o->height, &w, &h);
            }
        }
        Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
        if (o->fullscreen)
            flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
        v->win = SDL_CreateWindow(o->title ? o->title : "Blik", SDL_WINDOWPOS_CENTERED,
                                  SDL_WINDOWPOS_CENTERED, w, h, flags);
        if (!v->win) {
            snprintf(err, errlen, "Could not open a window: %s", SDL_GetError());
            t_close(&v->table);
            return -1;
        }
        v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_PRESENTVSYNC);
        if (!v->ren)
            v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
        if (!v->ren) {
            snprintf(err, errlen, "Could not make a renderer: %s", SDL_GetError());
            t_close(&v->table);
            return -1;
        }
        SDL_StopTextInput();
        const char *drv = SDL_GetCurrentVideoDriver();
        v->poll_only = drv && (!strcmp(drv, "dummy") || !strcmp(drv, "offscreen"));
    }
    update_size(v);
    v->scale = dpi_scale(v);
    if (fonts_open(v, err, errlen) != 0) {
        t_close(&v->table);
        return -1;
    }
    *out = &v->table;
    return 0;
}
