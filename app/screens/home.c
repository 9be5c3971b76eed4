/* Home: my planned observations this week, my drafts to resume, what
 * awaits my feedback or reflection, the active learning focuses, and the
 * way to start a new observation. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *focus_question(scr_app *a, const model_observation *o, model_focus *tmp)
{
    for (int i = 0; i < a->s.home.nfocuses; i++) {
        if (strcmp(a->s.home.focuses[i].id, o->focus_id) == 0)
            return a->s.home.focuses[i].question;
    }
    if (db_focus_get(a->db, o->focus_id, o->focus_version, tmp) == DB_OK)
        return tmp->question;
    return "";
}

static void make_row(scr_app *a, const model_observation *o, scr_row *r, int as_observee)
{
    model_focus *tmp = &a->s.cur.focus; /* scratch: no observation is open at home */
    snprintf(r->id, sizeof r->id, "%s", o->id);
    snprintf(r->title, sizeof r->title, "%s", focus_question(a, o, tmp));
    char when[32];
    scr_when(o->started_at, when, sizeof when);
    const char *who = as_observee ? scr_person_name(a, o->observer_id) : scr_observee_name(a, o);
    snprintf(r->sub, sizeof r->sub, "%s %s  \xC2\xB7  %s",
             as_observee ? T("Observer:") : T("Observee:"), who, when);
}

/* Loads one section: the observations matching f, kept if keep() says so. */
static void load_rows(scr_app *a, db_obs_filter *f, scr_row *rows, int *n, int which)
{
    *n = 0;
    db_cursor cur;
    memset(&cur, 0, sizeof cur);
    int got = 0;
    int rc = db_obs_list(a->db, f, &cur, SCR_MAX_LIST, a->s.scratch_obs, &got);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    for (int i = 0; i < got && *n < SCR_MAX_LIST; i++) {
        const model_observation *o = &a->s.scratch_obs[i];
        if (which == 1) {
            /* Awaiting my feedback: finished, feedback not marked as given. */
            model_feedback fb;
            if (db_feedback_get(a->db, o->id, &fb) == DB_OK && fb.given_at > 0)
                continue;
        } else if (which == 2) {
            /* Awaiting my reflection: I was observed and have not reflected. */
            model_reflection re;
            if (db_reflection_get(a->db, o->id, &re) == DB_OK)
                continue;
        }
        make_row(a, o, &rows[(*n)++], which == 2);
    }
}

/* Reflections written (or rewritten) on observations I made, that I have
 * not opened since: the loop comes back to the observer. */
static void load_new_reflections(scr_app *a)
{
    a->s.home.nnew_re = 0;
    model_id ids[SCR_MAX_LIST];
    int n = 0;
    int rc = db_reflections_new(a->db, a->unit.id, a->s.user.id, SCR_MAX_LIST, ids, &n);
    for (int i = 0; rc == DB_OK && i < n; i++) {
        model_observation *o = &a->s.scratch_obs[0];
        model_reflection *re = &a->s.cur_re; /* scratch: no observation is open at home */
        if ((rc = db_obs_get(a->db, ids[i], o)) != DB_OK ||
            (rc = db_reflection_get(a->db, ids[i], re)) != DB_OK)
            break;
        scr_row *r = &a->s.home.new_re[a->s.home.nnew_re++];
        make_row(a, o, r, 0);
        char when[32];
        scr_when(re->updated_at, when, sizeof when);
        snprintf(r->sub, sizeof r->sub, "%s  \xC2\xB7  %s",
                 ui_fmt(a->ui, T("Reflection from %s"), scr_person_name(a, o->observee_id)), when);
    }
    if (rc != DB_OK) {
        a->s.home.nnew_re = 0;
        scr_set_error(a, rc);
    }
}

/* Reads what home lists. A sync round may bring what a person is waiting
 * for: on a new tablet, the observations of the person just signed in
 * arrive in the round that signing in starts, after home was entered. */
static void home_load(scr_app *a)
{
    a->s.home.round = a->sync_state.rounds;
    char today[16];
    time_t t = (time_t)(a->sys->now_ms(a->sys) / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    a->s.home.nfocuses = 0;
    int rc = db_focus_list(a->db, a->unit.id, today, 0, SCR_MAX_FOCUS, a->s.home.focuses,
                           &a->s.home.nfocuses);
    if (rc != DB_OK) {
        a->s.home.nfocuses = 0;
        scr_set_error(a, rc);
    }
    db_obs_filter f;
    memset(&f, 0, sizeof f);
    f.unit_id = a->unit.id;
    f.viewer_id = a->s.user.id;
    f.observer_id = a->s.user.id;
    f.status = MODEL_OBS_DRAFT;
    load_rows(a, &f, a->s.home.drafts, &a->s.home.ndrafts, 0);
    f.status = MODEL_OBS_FINISHED;
    load_rows(a, &f, a->s.home.to_feedback, &a->s.home.nto_feedback, 1);
    f.observer_id = NULL;
    f.observee_id = a->s.user.id;
    load_rows(a, &f, a->s.home.to_reflect, &a->s.home.nto_reflect, 2);
    load_new_reflections(a);
    scr_plans_load(a);
}

void scr_home_enter(scr_app *a)
{
    if (!a->s.signed_in)
        return;
    home_load(a);
    ui_list_scroll_to(a->ui, ui_ids("home.list"), 0);
}

static void open_row(scr_app *a, const scr_row *r, scr_screen s)
{
    if (scr_load_obs(a, r->id) == DB_OK) {
        a->s.summary.back = SCR_HOME;
        scr_go(a, s);
    }
}

/* Draws a section header and its rows at *y inside the list; returns 1 if
 * a row was opened (the screen has changed). */
static int section(scr_app *a, ui_rect view, int *y, const char *title, const char *empty,
                   const scr_row *rows, int n, scr_screen target, const char *idname)
{
    ui_ctx *u = a->ui;
    /* The lists hold the newest SCR_MAX_LIST; a full list says there are more. */
    ui_label(u, ui_r(view.x, *y, view.w, ui_dp(u, 40)), PLAT_FONT_BOLD, UI_MUTED,
             ui_fmt(u, n >= SCR_MAX_LIST ? "%s (%d+)" : "%s (%d)", title, n), UI_LEFT);
    *y += ui_dp(u, 40);
    if (n == 0) {
        ui_label(u, ui_r(view.x, *y, view.w, ui_dp(u, 36)), PLAT_FONT_BODY, UI_MUTED, empty,
                 UI_LEFT);
        *y += ui_dp(u, 44);
        return 0;
    }
    int rh = ui_dp(u, 76);
    for (int i = 0; i < n; i++) {
        ui_rect r = {view.x, *y, view.w - ui_dp(u, 8), rh - ui_dp(u, 8)};
        *y += rh;
        if (r.y > view.y + view.h || r.y + r.h < view.y)
            continue;
        int held = 0;
        if (ui_area(u, ui_idn(idname, i), r, &held)) {
            open_row(a, &rows[i], target);
            return 1;
        }
        ui_fill(u, r, held ? UI_SOFT : UI_SURFACE, ui_dp(u, 10));
        ui_fill(u, ui_r(r.x, r.y, ui_dp(u, 6), r.h),
                target != SCR_FEEDBACK && target != SCR_REFLECTION ? UI_ACCENT : UI_PRIMARY,
                ui_dp(u, 3));
        ui_rect in = ui_inset(r, ui_dp(u, 12));
        in.x += ui_dp(u, 6);
        in.w -= ui_dp(u, 6);
        ui_label(u, ui_cut_top(&in, in.h / 2), PLAT_FONT_BOLD, UI_TEXT, rows[i].title, UI_LEFT);
        ui_label(u, in, PLAT_FONT_SMALL, UI_MUTED, rows[i].sub, UI_LEFT);
    }
    *y += ui_dp(u, 8);
    return 0;
}

/* New reflections come first, and only when there are some: news, not a
 * list to keep empty. Returns 1 if a row was opened. */
static int new_section(scr_app *a, ui_rect view, int *y)
{
    if (a->s.home.nnew_re == 0)
        return 0;
    return section(a, view, y, NT("New reflection", "New reflections", a->s.home.nnew_re), "",
                   a->s.home.new_re, a->s.home.nnew_re, SCR_SUMMARY, "home.newre");
}

/* The active focuses as cards; a tap starts a new observation on that
 * focus (the start screen opens with it chosen). Returns 1 if one was
 * tapped (the screen has changed). */
static int focus_list(scr_app *a, ui_rect view, int *y)
{
    ui_ctx *u = a->ui;
    ui_label(u, ui_r(view.x, *y, view.w, ui_dp(u, 40)), PLAT_FONT_BOLD, UI_MUTED,
             T("Active learning focuses"), UI_LEFT);
    *y += ui_dp(u, 40);
    if (a->s.home.nfocuses == 0) {
        ui_label(u, ui_r(view.x, *y, view.w, ui_dp(u, 36)), PLAT_FONT_BODY, UI_MUTED,
                 T("No learning focus is active today."), UI_LEFT);
        *y += ui_dp(u, 44);
    }
    for (int i = 0; i < a->s.home.nfocuses; i++) {
        const model_focus *f = &a->s.home.focuses[i];
        int w = view.w - ui_dp(u, 32);
        int qh = ui_wrap(u, ui_r(0, 0, w, 0), PLAT_FONT_BOLD, UI_TEXT, f->question, 0);
        int h = qh + ui_dp(u, 24) + ui_line_h(u, PLAT_FONT_SMALL);
        ui_rect r = {view.x, *y, view.w - ui_dp(u, 8), h};
        *y += h + ui_dp(u, 8);
        if (r.y > view.y + view.h || r.y + r.h < view.y)
            continue;
        int held = 0;
        if (ui_area(u, ui_idn("home.focuscard", i), r, &held)) {
            scr_go(a, SCR_START);
            a->s.start.focus = i;
            return 1;
        }
        ui_panel(u, r, held ? UI_SOFT : UI_SURFACE, UI_LINE, ui_dp(u, 1), ui_dp(u, 10));
        ui_fill(u, ui_r(r.x, r.y, ui_dp(u, 6), r.h), UI_PRIMARY, ui_dp(u, 3));
        ui_wrap(u, ui_r(r.x + ui_dp(u, 12), r.y + ui_dp(u, 10), w, qh), PLAT_FONT_BOLD, UI_TEXT,
                f->question, 1);
        ui_text(
            u, PLAT_FONT_SMALL, r.x + ui_dp(u, 12), r.y + ui_dp(u, 12) + qh, UI_MUTED,
            ui_fmt(u, NT("%d sign  \xC2\xB7  until %s", "%d signs  \xC2\xB7  until %s", f->n_signs),
                   f->n_signs, f->period_to));
    }
    return 0;
}

void scr_home_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    ui_rect body = scr_topbar(a, screen, "Blik");
    if (a->screen != SCR_HOME)
        return;
    /* Read again after a round, where the list stands. */
    if (a->s.signed_in && a->s.home.round != a->sync_state.rounds)
        home_load(a);
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 96));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect start = ui_inset(bottom, ui_dp(u, 14));
    ui_rect more = ui_cut_left(&start, start.w / 2);
    ui_cut_right(&more, ui_dp(u, 14));
    if (ui_button(u, ui_ids("home.start"), start, T("Start new observation"), UI_STYLE_PRIMARY)) {
        scr_go(a, SCR_START);
        return;
    }
    /* After the visit: history for everyone, settings for leaders. */
    int leader = a->s.user.role == MODEL_ROLE_LEADER;
    ui_rect hist = leader ? ui_cut_left(&more, (more.w - ui_dp(u, 14)) / 2) : more;
    if (leader)
        ui_cut_left(&more, ui_dp(u, 14));
    if (ui_button(u, ui_ids("home.history"), hist, T("History"), UI_STYLE_PLAIN)) {
        scr_go(a, SCR_HISTORY);
        return;
    }
    if (leader && ui_button(u, ui_ids("home.settings"), more, T("Settings"), UI_STYLE_PLAIN)) {
        scr_go(a, SCR_SETTINGS);
        return;
    }
    body = ui_inset(body, ui_dp(u, 16));
    if (scr_portrait(a)) {
        ui_id lid = ui_ids("home.list");
        int top = ui_list_begin(u, lid, body), y = top;
        int opened = new_section(a, body, &y) || scr_plans_section(a, body, &y) ||
                     section(a, body, &y, T("My drafts"), T("No drafts. Everything is finished."),
                             a->s.home.drafts, a->s.home.ndrafts, SCR_OBSERVE, "home.draft") ||
                     section(a, body, &y, T("Awaiting my feedback"),
                             T("Nothing awaits your feedback."), a->s.home.to_feedback,
                             a->s.home.nto_feedback, SCR_FEEDBACK, "home.fb") ||
                     section(a, body, &y, T("Awaiting my reflection"),
                             T("Nothing awaits your reflection."), a->s.home.to_reflect,
                             a->s.home.nto_reflect, SCR_REFLECTION, "home.re");
        if (!opened)
            focus_list(a, body, &y);
        ui_list_end(u, lid, y - top);
        return;
    }
    int gap = ui_dp(u, 16);
    ui_rect left = ui_cut_left(&body, (body.w - gap) * 3 / 5);
    ui_cut_left(&body, gap);
    ui_id lid = ui_ids("home.list");
    int top = ui_list_begin(u, lid, left), y = top;
    int opened = new_section(a, left, &y) || scr_plans_section(a, left, &y) ||
                 section(a, left, &y, T("My drafts"), T("No drafts. Everything is finished."),
                         a->s.home.drafts, a->s.home.ndrafts, SCR_OBSERVE, "home.draft") ||
                 section(a, left, &y, T("Awaiting my feedback"), T("Nothing awaits your feedback."),
                         a->s.home.to_feedback, a->s.home.nto_feedback, SCR_FEEDBACK, "home.fb") ||
                 section(a, left, &y, T("Awaiting my reflection"),
                         T("Nothing awaits your reflection."), a->s.home.to_reflect,
                         a->s.home.nto_reflect, SCR_REFLECTION, "home.re");
    ui_list_end(u, lid, y - top);
    if (opened)
        return;
    ui_id fid = ui_ids("home.focus");
    top = ui_list_begin(u, fid, body);
    y = top;
    focus_list(a, body, &y);
    ui_list_end(u, fid, y - top);
}
