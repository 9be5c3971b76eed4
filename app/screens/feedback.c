/* Feedback, the observer's part after the visit, in the three moves of a
 * feedback conversation: feed up (the focus the team agreed), feed back
 * (what was seen, with the summary at hand) and feed forward (the next
 * step agreed together). The words are curious, never a grade: there is
 * no score of a person anywhere, only what was seen of the practice. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>

void scr_feedback_enter(scr_app *a)
{
    a->s.feedback.have_fb = 0;
    a->s.feedback.works[0] = a->s.feedback.wonder[0] = a->s.feedback.next[0] = 0;
    a->s.typing = 0;
    if (!a->s.have_cur)
        return;
    int rc = db_feedback_get(a->db, a->s.cur.obs.id, &a->s.feedback.fb);
    if (rc == DB_OK) {
        a->s.feedback.have_fb = 1;
        snprintf(a->s.feedback.works, sizeof a->s.feedback.works, "%s", a->s.feedback.fb.works);
        snprintf(a->s.feedback.wonder, sizeof a->s.feedback.wonder, "%s",
                 a->s.feedback.fb.wonderings);
        snprintf(a->s.feedback.next, sizeof a->s.feedback.next, "%s", a->s.feedback.fb.next_step);
    } else if (rc != DB_NOTFOUND) {
        scr_set_error(a, rc);
    }
    /* Words typed but not yet saved as feedback (the app was killed while
     * typing) come back as they were. */
    scr_draft_get(a, DB_DRAFT_FB_WORKS, a->s.feedback.works, sizeof a->s.feedback.works);
    scr_draft_get(a, DB_DRAFT_FB_WONDER, a->s.feedback.wonder, sizeof a->s.feedback.wonder);
    scr_draft_get(a, DB_DRAFT_FB_NEXT, a->s.feedback.next, sizeof a->s.feedback.next);
    scr_reflection_read_back(a);
    ui_list_scroll_to(a->ui, ui_ids("fb.list"), 0);
    ui_list_scroll_to(a->ui, ui_ids("fb.seen"), 0);
}

void scr_feedback_commit(scr_app *a, int given)
{
    if (!a->s.have_cur || strcmp(a->s.cur.obs.observer_id, a->s.user.id) != 0)
        return;
    int same = a->s.feedback.have_fb && !strcmp(a->s.feedback.fb.works, a->s.feedback.works) &&
               !strcmp(a->s.feedback.fb.wonderings, a->s.feedback.wonder) &&
               !strcmp(a->s.feedback.fb.next_step, a->s.feedback.next);
    if (same && (!given || a->s.feedback.fb.given_at > 0))
        return;
    if (!a->s.feedback.have_fb && !given && !a->s.feedback.works[0] && !a->s.feedback.wonder[0] &&
        !a->s.feedback.next[0])
        return; /* nothing written yet: nothing to send */
    int rc = db_feedback_put(a->db, a->s.cur.obs.id, a->s.user.id, a->s.feedback.works,
                             a->s.feedback.wonder, a->s.feedback.next, given);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    if (db_feedback_get(a->db, a->s.cur.obs.id, &a->s.feedback.fb) == DB_OK)
        a->s.feedback.have_fb = 1;
    scr_refresh_outbox(a);
}

int scr_feedup_card(scr_app *a, ui_rect col, int y)
{
    ui_ctx *u = a->ui;
    const model_focus *f = &a->s.cur.focus;
    int w = col.w - ui_dp(u, 28);
    int qh = ui_wrap(u, ui_r(0, 0, w, 0), PLAT_FONT_BOLD, UI_PRIMARY, f->question, 0);
    int wh = f->why[0] ? ui_wrap(u, ui_r(0, 0, w, 0), PLAT_FONT_BODY, UI_MUTED, f->why, 0) : 0;
    int h = ui_dp(u, 14 + 24 + 8) + qh + (wh ? wh + ui_dp(u, 8) : 0) + ui_dp(u, 12);
    ui_rect r = {col.x, y, col.w, h};
    ui_fill(u, r, UI_SOFT, ui_dp(u, 12));
    int x = r.x + ui_dp(u, 14), yy = r.y + ui_dp(u, 12);
    ui_text(u, PLAT_FONT_SMALL, x, yy, UI_PRIMARY_DARK, T("Feed up: the learning focus"));
    yy += ui_dp(u, 24 + 8);
    yy += ui_wrap(u, ui_r(x, yy, w, qh), PLAT_FONT_BOLD, UI_PRIMARY, f->question, 1);
    if (wh)
        ui_wrap(u, ui_r(x, yy + ui_dp(u, 8), w, wh), PLAT_FONT_BODY, UI_MUTED, f->why, 1);
    return h;
}

/* The sign a note is tied to, or NULL. */
static const char *note_sign(const scr_obs *o, const model_note *n)
{
    for (int s = 0; n->sign_id[0] && s < o->focus.n_signs; s++)
        if (!strcmp(o->focus.signs[s].id, n->sign_id))
            return o->focus.signs[s].text;
    return NULL;
}

/* What was seen, measured with draw = 0 and drawn with draw = 1 by the
 * same steps, so the card fits its content exactly: who, where and when;
 * the counts with their rates; the time in each state; each sign's rating;
 * and the notes with their times, which a leader talks from. Returns the
 * height of the content. */
static int seen_body(scr_app *a, ui_rect col, int y, int draw)
{
    ui_ctx *u = a->ui;
    const scr_obs *o = &a->s.cur;
    const model_template *t = &o->tmpl;
    int y0 = y, x = col.x + ui_dp(u, 14), w = col.w - ui_dp(u, 28);
    int64_t d = o->obs.ended_at > o->obs.started_at ? o->obs.ended_at - o->obs.started_at : 0;
    int row = ui_line_h(u, PLAT_FONT_BODY) + ui_dp(u, 6);
    char when[32];
    scr_when(o->obs.started_at, when, sizeof when);
    y += ui_dp(u, 12);
    if (draw)
        ui_text(u, PLAT_FONT_SMALL, x, y, UI_PRIMARY_DARK, T("Feed back: what was seen"));
    y += ui_dp(u, 24 + 8);
    if (draw) {
        ui_label(u, ui_r(x, y, w, row), PLAT_FONT_BODY, UI_TEXT,
                 ui_fmt(u, "%s  \xC2\xB7  %s  \xC2\xB7  %s", o->observee, o->room,
                        scr_activity_shown(a, o->obs.activity)),
                 UI_LEFT);
        ui_label(u, ui_r(x, y + row, w, row), PLAT_FONT_BODY, UI_MUTED,
                 ui_fmt(u, "%s  \xC2\xB7  %s", when, scr_duration(a, d)), UI_LEFT);
    }
    y += 2 * row;
    double rate;
    int has_rate = model_rate(0, d, &rate);
    for (int i = 0; i < t->n_counters; i++, y += row) {
        if (!draw)
            continue;
        ui_rect r = {x, y, w, row};
        ui_rect num = ui_cut_right(&r, ui_dp(u, 190));
        ui_label(u, r, PLAT_FONT_BODY, UI_TEXT, t->counters[i].label, UI_LEFT);
        ui_label(u, num, PLAT_FONT_BOLD, UI_TEXT,
                 has_rate ? ui_fmt(u, "%d  (%s)", o->tally.counts[i],
                                   scr_rate_text(a, o->tally.counts[i], d))
                          : ui_fmt(u, "%d", o->tally.counts[i]),
                 UI_RIGHT);
    }
    /* Too short for rates: the counts alone, and one line saying why. */
    if (!has_rate && t->n_counters > 0)
        y += ui_wrap(u, ui_r(x, y, w, 0), PLAT_FONT_SMALL, UI_MUTED, scr_rate_floor_text(a), draw) +
             ui_dp(u, 6);
    /* Time in each state, with the state's colour from the timeline. */
    for (int s = 0; s < t->n_states; s++, y += row) {
        if (!draw)
            continue;
        int64_t ms = model_tally_state_ms(&o->tally, s, o->obs.started_at + d);
        int pct = d > 0 ? (int)(ms * 100 / d) : 0;
        int sq = ui_dp(u, 12);
        ui_fill(u, ui_r(x, y + (row - sq) / 2 - ui_dp(u, 3), sq, sq), scr_state_color(s),
                ui_dp(u, 3));
        ui_rect r = {x + ui_dp(u, 20), y, w - ui_dp(u, 20), row};
        ui_rect num = ui_cut_right(&r, ui_dp(u, 190));
        ui_label(u, r, PLAT_FONT_BODY, UI_TEXT, t->states[s].label, UI_LEFT);
        ui_label(u, num, PLAT_FONT_BOLD, UI_TEXT,
                 ui_fmt(u, "%s  (%d %%)", scr_duration(a, ms), pct), UI_RIGHT);
    }
    y += ui_dp(u, 6);
    /* The level column is as wide as its widest word ("Ikke vurderet"
     * whole, never cut), up to a third of the width. */
    int lw = ui_measure(u, PLAT_FONT_BOLD, T("Not rated"));
    for (int k = 0; k < t->n_scale; k++)
        if (ui_measure(u, PLAT_FONT_BOLD, t->scale[k]) > lw)
            lw = ui_measure(u, PLAT_FONT_BOLD, t->scale[k]);
    lw += ui_dp(u, 4);
    if (lw > w / 3)
        lw = w / 3;
    for (int s = 0; s < o->focus.n_signs; s++) {
        int lv = o->levels[s];
        int th = ui_wrap(u, ui_r(x + ui_dp(u, 20), y, w - lw - ui_dp(u, 30), 0), PLAT_FONT_BODY,
                         UI_TEXT, o->focus.signs[s].text, draw);
        if (draw) {
            int dd = ui_dp(u, 12);
            plat_color dot = lv < 0                                   ? UI_LINE
                             : t->n_scale > 1 && lv == t->n_scale - 1 ? UI_OK
                             : lv > 0                                 ? UI_ACCENT
                                                                      : UI_MUTED;
            ui_fill(u, ui_r(x, y + ui_dp(u, 6), dd, dd), dot, dd / 2);
            ui_label(u, ui_r(x + w - lw, y, lw, ui_line_h(u, PLAT_FONT_BOLD)), PLAT_FONT_BOLD,
                     UI_TEXT, lv >= 0 && lv < t->n_scale ? t->scale[lv] : T("Not rated"), UI_RIGHT);
        }
        y += th + ui_dp(u, 6);
    }
    /* The notes, each at its time in the observation. */
    y += ui_dp(u, 8);
    if (draw)
        ui_text(u, PLAT_FONT_BOLD, x, y, UI_TEXT, ui_fmt(u, "%s (%d)", T("Notes"), o->nnotes));
    y += ui_line_h(u, PLAT_FONT_BOLD) + ui_dp(u, 6);
    int tw = ui_dp(u, 64);
    for (int n = 0; n < o->nnotes; n++) {
        const model_note *note = &o->notes[n];
        if (draw)
            ui_text(u, PLAT_FONT_BOLD, x, y, UI_ACCENT,
                    scr_duration(a, note->at - o->obs.started_at));
        y += ui_wrap(u, ui_r(x + tw, y, w - tw, 0), PLAT_FONT_BODY, UI_TEXT, note->text, draw);
        const char *sign = note_sign(o, note);
        if (sign)
            y += ui_wrap(u, ui_r(x + tw, y, w - tw, 0), PLAT_FONT_SMALL, UI_MUTED,
                         ui_fmt(u, T("Sign: %s"), sign), draw);
        y += ui_dp(u, 8);
    }
    return y - y0 + ui_dp(u, 8);
}

int scr_seen_card(scr_app *a, ui_rect col, int y)
{
    ui_ctx *u = a->ui;
    int h = seen_body(a, col, y, 0);
    ui_fill(u, ui_r(col.x, y, col.w, h), UI_SURFACE, ui_dp(u, 12));
    seen_body(a, col, y, 1);
    return h;
}

int scr_text_block(scr_app *a, ui_rect col, int *y, const char *id, const char *title,
                   const char *hint, char *buf, size_t cap)
{
    ui_ctx *u = a->ui;
    ui_label(u, ui_r(col.x, *y, col.w, ui_dp(u, 32)), PLAT_FONT_BOLD, UI_TEXT, title, UI_LEFT);
    *y += ui_dp(u, 34);
    int h = ui_dp(u, 132);
    int r = ui_textarea(u, ui_ids(id), ui_r(col.x, *y, col.w, h), buf, cap, hint);
    *y += h + ui_dp(u, 18);
    return r;
}

typedef struct {
    const char *id, *title, *hint;
    db_draft_field draft;
    char *buf;
} field_def;

/* With no platform keyboard, the field being written in gets the space
 * above the on-screen keyboard, so the words and the keys are both in
 * view; the rest of the screen waits until Done. Returns 1 if it did. */
static int focused_field(scr_app *a, ui_rect body, const field_def *fd, int n, size_t cap)
{
    ui_ctx *u = a->ui;
    if (u->video->has_keyboard(u->video))
        return 0;
    for (int i = 0; i < n; i++) {
        if (u->focus != ui_ids(fd[i].id))
            continue;
        ui_osk_labels l = scr_osk_labels(a);
        ui_keyboard(u, ui_cut_bottom(&body, ui_keyboard_height(u)), &l);
        ui_rect in = ui_inset(body, ui_dp(u, 16));
        ui_label(u, ui_cut_top(&in, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_TEXT, fd[i].title, UI_LEFT);
        int r = ui_textarea(u, ui_ids(fd[i].id), in, fd[i].buf, cap, fd[i].hint);
        if (r & UI_CHANGED)
            scr_draft_put(a, fd[i].draft, fd[i].buf);
        return 1;
    }
    return 0;
}

void scr_feedback_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    if (!a->s.have_cur || a->s.cur.obs.status != MODEL_OBS_FINISHED ||
        strcmp(a->s.cur.obs.observer_id, a->s.user.id) != 0) {
        scr_go(a, a->s.have_cur ? SCR_SUMMARY : SCR_HOME);
        return;
    }
    ui_rect body = scr_topbar(a, screen, T("Feedback"));
    if (a->screen != SCR_FEEDBACK)
        return;
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 88));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 12));
    int gap = ui_dp(u, 12);
    ui_rect home = ui_cut_left(&bb, (bb.w - 2 * gap) / 4);
    ui_cut_left(&bb, gap);
    ui_rect sum = ui_cut_left(&bb, (bb.w - gap) / 3);
    ui_cut_left(&bb, gap);
    if (ui_button(u, ui_ids("fb.home"), home, T("Home"), UI_STYLE_PLAIN) ||
        (u->key == PLAT_KEY_ESCAPE && !ui_wants_text(u))) {
        scr_go(a, SCR_HOME);
        return;
    }
    if (ui_button(u, ui_ids("fb.summary"), sum, T("Summary"), UI_STYLE_PLAIN)) {
        a->s.summary.back = SCR_FEEDBACK;
        scr_go(a, SCR_SUMMARY);
        return;
    }
    if (a->s.feedback.have_fb && a->s.feedback.fb.given_at > 0) {
        char when[32];
        scr_when(a->s.feedback.fb.given_at, when, sizeof when);
        ui_fill(u, bb, 0xDFF0E2FFu, ui_dp(u, 10));
        ui_label(u, bb, PLAT_FONT_BOLD, UI_OK, ui_fmt(u, T("Feedback given %s"), when), UI_CENTER);
    } else if (ui_button(u, ui_ids("fb.given"), bb, T("Mark feedback as given"),
                         UI_STYLE_PRIMARY)) {
        scr_feedback_commit(a, 1);
    }

    field_def fd[3] = {
        {"fb.works", T("What works"), T("What did you see that supports the focus?"),
         DB_DRAFT_FB_WORKS, a->s.feedback.works},
        {"fb.wonder", T("Wonderings"), T("What are you curious about? What if \xE2\x80\xA6?"),
         DB_DRAFT_FB_WONDER, a->s.feedback.wonder},
        {"fb.next", T("Feed forward: the next step we agreed"),
         T("What will be tried next, agreed together?"), DB_DRAFT_FB_NEXT, a->s.feedback.next},
    };
    if (!focused_field(a, body, fd, 3, sizeof a->s.feedback.works)) {
        body = ui_inset(body, ui_dp(u, 16));
        ui_rect left = body, right = body;
        int portrait = scr_portrait(a);
        if (!portrait) {
            left = ui_cut_left(&right, (body.w - ui_dp(u, 16)) * 2 / 5);
            ui_cut_left(&right, ui_dp(u, 16));
            /* Feed up and feed back side by side with the fields. */
            ui_id sid = ui_ids("fb.seen");
            int top = ui_list_begin(u, sid, left), y = top;
            ui_rect col = {left.x, 0, left.w - ui_dp(u, 8), 0};
            y += scr_feedup_card(a, col, y) + ui_dp(u, 12);
            y += scr_seen_card(a, col, y) + ui_dp(u, 12);
            ui_list_end(u, sid, y - top);
        }
        ui_id lid = ui_ids("fb.list");
        int top = ui_list_begin(u, lid, right), y = top;
        ui_rect col = {right.x, 0, right.w - ui_dp(u, 12), 0};
        /* The observee's reflection, once it has come back, above the
         * feedback it answers. */
        int rh = scr_reflection_card(a, col, y);
        if (rh > 0)
            y += rh + ui_dp(u, 16);
        if (portrait) {
            y += scr_feedup_card(a, col, y) + ui_dp(u, 12);
            y += scr_seen_card(a, col, y) + ui_dp(u, 16);
        }
        ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_MUTED,
                T("Look at the practice together, with curiosity; it is not a grade."), 1);
        y += ui_line_h(u, PLAT_FONT_SMALL) + ui_dp(u, 12);
        /* A team has nobody to write a reflection (PROTOCOL.md): its own
         * thoughts are written here, with the team. */
        if (a->s.cur.obs.team[0]) {
            const char *s = ui_fmt(u,
                                   T("The feedback is for the team %s. A team writes no "
                                     "reflection of its own: write down here what you agree "
                                     "on together."),
                                   a->s.cur.obs.team);
            y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_TEXT, s, 1) +
                 ui_dp(u, 12);
        }
        for (int i = 0; i < 3; i++) {
            int r = scr_text_block(a, col, &y, fd[i].id, fd[i].title, fd[i].hint, fd[i].buf,
                                   sizeof a->s.feedback.works);
            if (r & UI_CHANGED)
                scr_draft_put(a, fd[i].draft, fd[i].buf);
        }
        ui_list_end(u, lid, y - top);
    }
    /* The typing in a field ended (Done, or another field taken): save it
     * as feedback, one change for sync rather than one per letter. */
    if (a->s.typing && a->s.typing != u->focus)
        scr_feedback_commit(a, 0);
    a->s.typing = u->focus;
}
