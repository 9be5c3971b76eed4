/* What the files of the ui module share and the rest of the app must not
 * see: the helpers that ui.c, ui_text.c, ui_edit.c, ui_osk.c and ui_list.c
 * call across files. ui.h stays the public API. */
#ifndef BLIK_UI_INT_H
#define BLIK_UI_INT_H

#include "ui.h"

/* How far a finger may wander and still tap, in dp. */
#define SLOP_DP 10

/* ui.c: the draw list, its text arena and the press/release rule. */
/* A cleared command of this kind at the end of the list, or NULL (and the
 * frame marked overflowing) when the list is full. */
plat_cmd *ui_push(ui_ctx *c, int kind);
/* A copy of s[0..len) in the frame's arena, valid until the next frame, or
 * NULL when the arena is full. */
const char *ui_arena_copy(ui_ctx *c, const char *s, int len);
int ui_touchable(const ui_ctx *c, ui_rect r, int x, int y);
int ui_interact(ui_ctx *c, ui_id id, ui_rect r, int *held);

/* ui_text.c: drawing and measuring n bytes, UTF-8 steps, fitting, wrapping. */
int ui_text_n(ui_ctx *c, int font, int x, int y, plat_color color, const char *s, int len);
int ui_measure_n(ui_ctx *c, int font, const char *s, int len);
int ui_utf8_prev(const char *s, int i);
int ui_utf8_start(const char *s, int i);
int ui_utf8_step(const char *s, int len, int i);
int ui_fit_back(ui_ctx *c, int font, const char *s, int end, int w);
int ui_wrap_line(ui_ctx *c, int font, const char *s, int len, int i, int w, int *end);

/* ui_edit.c: drawn at the end of each frame, over everything. */
void ui_refused_note(ui_ctx *c);

/* ui_list.c: a list's state by id (made when create is set), and the list
 * the arrow and page keys scroll next frame. */
ui_list *ui_list_get(ui_ctx *c, ui_id id, int create);
ui_id ui_pick_key_list(const ui_ctx *c);

#endif
