/* Reflection, the observed colleague's part: signed in on any tablet of
 * the unit, they read the focus and the feedback they were given, and
 * write their own reflection and next step. Only they can write it (the
 * store refuses anyone else); it reaches other tablets by sync. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>

void scr_reflection_enter(scr_app *a)
{
    a->s.reflection.have_re = a->s.reflection.have_fb = 0;
    a->s.reflection.text[0] = a->s.reflection.next[0] = 0;
    a->s.typing = 0;
    if (!a->s.have_cur)
        return;
    int rc = db_feedback_get(a->db, a->s.cur.obs.id, &a->s.reflection.fb);
    if (rc == DB_OK)
        a->s.reflection.have_fb = 1;
    else if (rc != DB_NOTFOUND)
        scr_set_error(a, rc);
    rc = db_reflection_get(a->db, a->s.cur.obs.id, &a->s.reflection.re);
    if (rc == DB_OK) {
        a->s.reflection.have_re = 1;
        snprintf(a->s.reflection.text, sizeof a->s.reflection.text, "%s", a->s.reflection.re.text);
        snprintf(a->s.reflection.next, sizeof a->s.reflection.next, "%s",
                 a->s.reflection.re.next_step);
    } else if (rc != DB_NOTFOUND) {
        scr_set_error(a, rc);
    }
    scr_draft_get(a, DB_DRAFT_RE_TEXT, a->s.reflection.text, sizeof a->s.reflection.text);
    scr_draft_get(a, DB_DRAFT_RE_NEXT, a->s.reflection.next, sizeof a->s.reflection.next);
    ui_list_scroll_to(a->ui, ui_ids("re.list"), 0);
    ui_list_scroll_to(a->ui, ui_ids("re.read"), 0);
}

void scr_reflection_read_back(scr_app *a)
{
    a->s.have_cur_re = a->s.cur_re_new = 0;
    if (!a->s.have_cur)
        return;
    int state = DB_RE_NONE;
    int rc = db_reflection_state(a->db, a->s.cur.obs.id, &state);
    if (rc == DB_OK && state != DB_RE_NONE)
        rc = db_reflection_get(a->db, a->s.cur.obs.id, &a->s.cur_re);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    if (state == DB_RE_NONE)
        return;
    a->s.have_cur_re = 1;
    if (!strcmp(a->s.cur.obs.observer_id, a->s.user.id)) {
        a->s.cur_re_new = state == DB_RE_NEW;
        scr_set_error(a, db_reflection_mark_seen(a->db, a->s.cur.obs.id, a->s.user.id));
    }
}

/* Measured with draw = 0, drawn with draw = 1, so the card's background
 * goes under its text. */
static int re_card(scr_app *a, ui_rect col, int y, int draw)
{
    ui_ctx *u = a->ui;
    const model_reflection *r = &a->s.cur_re;
    int x = col.x + ui_dp(u, 14), w = col.w - ui_dp(u, 28), y0 = y;
    char when[32];
    scr_when(r->updated_at, when, sizeof when);
    y += ui_dp(u, 12);
    const char *head = ui_fmt(u, T("Reflection from %s, %s"), scr_person_name(a, r->author_id),
                              when);
    if (a->s.cur_re_new) {
        const char *badge = T("New");
        int bw = ui_measure(u, PLAT_FONT_SMALL, badge) + ui_dp(u, 16);
        if (draw) {
            ui_fill(u, ui_r(x + w - bw, y - ui_dp(u, 2), bw, ui_dp(u, 26)), UI_ACCENT,
                    ui_dp(u, 13));
            ui_label(u, ui_r(x + w - bw, y - ui_dp(u, 2), bw, ui_dp(u, 26)), PLAT_FONT_SMALL,
                     UI_TEXT, badge, UI_CENTER);
        }
        w -= bw + ui_dp(u, 8);
    }
    y += ui_wrap(u, ui_r(x, y, w, 0), PLAT_FONT_SMALL, UI_PRIMARY_DARK, head, draw) + ui_dp(u, 8);
    w = col.w - ui_dp(u, 28);
    const char *titles[2] = {T("Their reflection"), T("Their next step")};
    const char *texts[2] = {r->text, r->next_step};
    for (int i = 0; i < 2; i++) {
        if (draw)
            ui_text(u, PLAT_FONT_BOLD, x, y, UI_TEXT, titles[i]);
        y += ui_line_h(u, PLAT_FONT_BOLD) + ui_dp(u, 4);
        y += ui_wrap(u, ui_r(x, y, w, 0), PLAT_FONT_BODY, texts[i][0] ? UI_TEXT : UI_MUTED,
                     texts[i][0] ? texts[i] : T("(nothing written)"), draw) +
             ui_dp(u, 10);
    }
    return y - y0 + ui_dp(u, 4);
}

int scr_reflection_card(scr_app *a, ui_rect col, int y)
{
    if (!a->s.have_cur_re)
        return 0;
    ui_ctx *u = a->ui;
    int h = re_card(a, col, y, 0);
    ui_fill(u, ui_r(col.x, y, col.w, h), UI_SURFACE, ui_dp(u, 12));
    ui_fill(u, ui_r(col.x, y, ui_dp(u, 6), h), UI_ACCENT, ui_dp(u, 3));
    re_card(a, col, y, 1);
    return h;
}

void scr_reflection_commit(scr_app *a)
{
    if (!a->s.have_cur || strcmp(a->s.cur.obs.observee_id, a->s.user.id) != 0)
        return;
    if (a->s.reflection.have_re ? !strcmp(a->s.reflection.re.text, a->s.reflection.text) &&
                                      !strcmp(a->s.reflection.re.next_step, a->s.reflection.next)
                                : !a->s.reflection.text[0] && !a->s.reflection.next[0])
        return;
    int rc = db_reflection_put(a->db, a->s.cur.obs.id, a->s.user.id, a->s.reflection.text,
                               a->s.reflection.next);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    if (db_reflection_get(a->db, a->s.cur.obs.id, &a->s.reflection.re) == DB_OK)
        a->s.reflection.have_re = 1;
    scr_refresh_outbox(a);
}

/* The feedback as the observee reads it: its three parts, or a word that
 * there is none yet (it may still be on the observer's tablet). */
static int feedback_card(scr_app *a, ui_rect col, int y, int draw)
{
    ui_ctx *u = a->ui;
    int x = col.x + ui_dp(u, 14), w = col.w - ui_dp(u, 28), y0 = y;
    const char *titles[3] = {T("What works"), T("Wonderings"), T("The next step we agreed")};
    const char *texts[3] = {a->s.reflection.fb.works, a->s.reflection.fb.wonderings,
                            a->s.reflection.fb.next_step};
    y += ui_dp(u, 12);
    if (draw)
        ui_text(u, PLAT_FONT_SMALL, x, y, UI_PRIMARY_DARK,
                ui_fmt(u, T("Feedback from %s"), scr_person_name(a, a->s.cur.obs.observer_id)));
    y += ui_dp(u, 32);
    if (!a->s.reflection.have_fb) {
        y += ui_wrap(u, ui_r(x, y, w, 0), PLAT_FONT_BODY, UI_MUTED,
                     T("No feedback has reached this tablet yet. You can still write your "
                       "reflection."),
                     draw);
        return y - y0 + ui_dp(u, 12);
    }
    for (int i = 0; i < 3; i++) {
        if (draw)
            ui_text(u, PLAT_FONT_BOLD, x, y, UI_TEXT, titles[i]);
        y += ui_line_h(u, PLAT_FONT_BOLD) + ui_dp(u, 4);
        const char *t = texts[i][0] ? texts[i] : T("(nothing written)");
        y += ui_wrap(u, ui_r(x, y, w, 0), PLAT_FONT_BODY, texts[i][0] ? UI_TEXT : UI_MUTED, t,
                     draw) +
             ui_dp(u, 12);
    }
    if (a->s.reflection.fb.given_at > 0) {
        char when[32];
        scr_when(a->s.reflection.fb.given_at, when, sizeof when);
        if (draw)
            ui_text(u, PLAT_FONT_SMALL, x, y, UI_OK, ui_fmt(u, T("Feedback given %s"), when));
        y += ui_line_h(u, PLAT_FONT_SMALL) + ui_dp(u, 4);
    }
    return y - y0 + ui_dp(u, 8);
}

static int read_column(scr_app *a, ui_rect col, int y)
{
    ui_ctx *u = a->ui;
    int y0 = y;
    y += scr_feedup_card(a, col, y) + ui_dp(u, 12);
    int h = feedback_card(a, col, y, 0);
    ui_fill(u, ui_r(col.x, y, col.w, h), UI_SURFACE, ui_dp(u, 12));
    feedback_card(a, col, y, 1);
    y += h + ui_dp(u, 12);
    return y - y0;
}

void scr_reflection_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    if (!a->s.have_cur || strcmp(a->s.cur.obs.observee_id, a->s.user.id) != 0) {
        scr_go(a, SCR_HOME);
        return;
    }
    ui_rect body = scr_topbar(a, screen, T("Reflection"));
    if (a->screen != SCR_REFLECTION)
        return;
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 88));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 12));
    int gap = ui_dp(u, 12);
    ui_rect sum = ui_cut_left(&bb, (bb.w - gap) / 2);
    ui_cut_left(&bb, gap);
    if (ui_button(u, ui_ids("re.summary"), sum, T("Summary"), UI_STYLE_PLAIN)) {
        a->s.summary.back = SCR_REFLECTION;
        scr_go(a, SCR_SUMMARY);
        return;
    }
    if (ui_button(u, ui_ids("re.home"), bb, T("Home"), UI_STYLE_PRIMARY) ||
        (u->key == PLAT_KEY_ESCAPE && !ui_wants_text(u))) {
        scr_go(a, SCR_HOME);
        return;
    }
    const char *ids[2] = {"re.text", "re.next"};
    const char *titles[2] = {T("My reflection"), T("My next step")};
    const char *hints[2] = {T("What do you notice in the feedback? What surprised you?"),
                            T("What will you try next?")};
    const db_draft_field drafts[2] = {DB_DRAFT_RE_TEXT, DB_DRAFT_RE_NEXT};
    char *bufs[2] = {a->s.reflection.text, a->s.reflection.next};
    int editing = -1;
    for (int i = 0; i < 2; i++)
        if (u->focus == ui_ids(ids[i]) && !u->video->has_keyboard(u->video))
            editing = i;
    if (editing >= 0) {
        /* The field being written in, above the on-screen keyboard. */
        ui_osk_labels l = scr_osk_labels(a);
        ui_keyboard(u, ui_cut_bottom(&body, ui_keyboard_height(u)), &l);
        ui_rect in = ui_inset(body, ui_dp(u, 16));
        ui_label(u, ui_cut_top(&in, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_TEXT, titles[editing],
                 UI_LEFT);
        if (ui_textarea(u, ui_ids(ids[editing]), in, bufs[editing], sizeof a->s.reflection.text,
                        hints[editing]) &
            UI_CHANGED)
            scr_draft_put(a, drafts[editing], bufs[editing]);
    } else {
        body = ui_inset(body, ui_dp(u, 16));
        ui_rect right = body;
        int portrait = scr_portrait(a);
        if (!portrait) {
            ui_rect left = ui_cut_left(&right, (body.w - ui_dp(u, 16)) / 2);
            ui_cut_left(&right, ui_dp(u, 16));
            ui_id rid = ui_ids("re.read");
            int top = ui_list_begin(u, rid, left);
            int h = read_column(a, ui_r(left.x, 0, left.w - ui_dp(u, 8), 0), top);
            ui_list_end(u, rid, h);
        }
        ui_id lid = ui_ids("re.list");
        int top = ui_list_begin(u, lid, right), y = top;
        ui_rect col = {right.x, 0, right.w - ui_dp(u, 12), 0};
        if (portrait)
            y += read_column(a, col, y) + ui_dp(u, 4);
        for (int i = 0; i < 2; i++) {
            if (scr_text_block(a, col, &y, ids[i], titles[i], hints[i], bufs[i],
                               sizeof a->s.reflection.text) &
                UI_CHANGED)
                scr_draft_put(a, drafts[i], bufs[i]);
        }
        if (a->s.reflection.have_re && !strcmp(a->s.reflection.re.text, a->s.reflection.text) &&
            !strcmp(a->s.reflection.re.next_step, a->s.reflection.next)) {
            char when[32];
            scr_when(a->s.reflection.re.updated_at, when, sizeof when);
            ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 28)), PLAT_FONT_SMALL, UI_OK,
                     ui_fmt(u, T("Saved %s"), when), UI_LEFT);
            y += ui_dp(u, 32);
        }
        ui_list_end(u, lid, y - top);
    }
    if (a->s.typing && a->s.typing != u->focus)
        scr_reflection_commit(a);
    a->s.typing = u->focus;
}
