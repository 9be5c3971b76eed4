/* Planned observations: home's list of mine for this week (as observer and
 * as observee), and one plan on its own screen with its terms, where the
 * observee agrees and the observer starts it. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Today's local date, YYYY-MM-DD. */
static void today(const scr_app *a, char out[MODEL_DATE_LEN + 1])
{
    time_t t = (time_t)(a->sys->now_ms(a->sys) / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(out, MODEL_DATE_LEN + 1, "%Y-%m-%d", &tm))
        snprintf(out, MODEL_DATE_LEN + 1, "2000-01-01");
}

const char *scr_plan_when(scr_app *a, const model_plan *p)
{
    static const char *const days[7] = {N_("Monday"),   N_("Tuesday"), N_("Wednesday"),
                                        N_("Thursday"), N_("Friday"),  N_("Saturday"),
                                        N_("Sunday")};
    char now[MODEL_DATE_LEN + 1];
    today(a, now);
    int wd = model_date_weekday(p->day_from);
    if (strcmp(p->day_from, p->day_to) != 0) {
        if (strcmp(p->day_from, now) <= 0 && strcmp(now, p->day_to) <= 0)
            return T("This week");
        /* "Week of 23.11." */
        return ui_fmt(a->ui, T("Week of %d.%d."),
                      (p->day_from[8] - '0') * 10 + p->day_from[9] - '0',
                      (p->day_from[5] - '0') * 10 + p->day_from[6] - '0');
    }
    if (!strcmp(p->day_from, now))
        return T("Today");
    return ui_fmt(a->ui, "%s %d.%d.", wd >= 0 ? T(days[wd]) : "",
                  (p->day_from[8] - '0') * 10 + p->day_from[9] - '0',
                  (p->day_from[5] - '0') * 10 + p->day_from[6] - '0');
}

/* Who does what, from the signed-in person's side. */
static const char *roles(scr_app *a, const model_plan *p)
{
    if (!strcmp(p->observer_id, a->s.user.id))
        return p->observee_id[0]
                   ? ui_fmt(a->ui, T("You observe %s"), scr_person_name(a, p->observee_id))
                   : ui_fmt(a->ui, T("You observe the team: %s"), p->team);
    return ui_fmt(a->ui, T("%s observes you"), scr_person_name(a, p->observer_id));
}

/* Where the agreement stands, from the signed-in person's side; "" for a
 * team, which needs none. */
static const char *agreement(scr_app *a, const db_plan_row *r)
{
    if (!r->plan.observee_id[0])
        return "";
    if (db_plan_agreed(r))
        return T("Agreed");
    return strcmp(r->plan.observee_id, a->s.user.id) ? T("Waiting for agreement")
                                                     : T("Waiting for your agreement");
}

static const char *focus_question(scr_app *a, const char *focus_id, model_focus *tmp)
{
    for (int i = 0; i < a->s.home.nfocuses; i++)
        if (!strcmp(a->s.home.focuses[i].id, focus_id))
            return a->s.home.focuses[i].question;
    return db_focus_get(a->db, focus_id, 0, tmp) == DB_OK ? tmp->question : "";
}

void scr_plans_load(scr_app *a)
{
    a->s.home.nplans = 0;
    a->s.home.plans_round = a->sync_state.rounds;
    if (!a->s.signed_in || !a->have_unit)
        return;
    char now[MODEL_DATE_LEN + 1], mon[MODEL_DATE_LEN + 1], sun[MODEL_DATE_LEN + 1];
    today(a, now);
    int wd = model_date_weekday(now);
    if (wd < 0 || model_date_add(now, -wd, mon) != 0 || model_date_add(mon, 6, sun) != 0)
        return;
    int n = 0;
    int rc = db_plan_list(a->db, a->unit.id, a->s.user.id, mon, sun, SCR_MAX_PLANS, a->s.home.plans,
                          &n);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    model_focus *tmp = &a->s.cur.focus; /* scratch: no observation is open at home */
    for (int i = 0; i < n; i++) {
        const db_plan_row *p = &a->s.home.plans[i];
        scr_row *r = &a->s.home.plan_rows[i];
        memset(r, 0, sizeof *r);
        snprintf(r->id, sizeof r->id, "%s", p->plan.id);
        snprintf(r->title, sizeof r->title, "%s", focus_question(a, p->plan.focus_id, tmp));
        const char *agreed = agreement(a, p);
        snprintf(r->sub, sizeof r->sub, "%s  \xC2\xB7  %s%s%s", scr_plan_when(a, &p->plan),
                 roles(a, &p->plan), agreed[0] ? "  \xC2\xB7  " : "", agreed);
        r->sync = db_plan_agreed(p) || !p->plan.observee_id[0];
    }
    a->s.home.nplans = n;
}

int scr_plans_section(scr_app *a, ui_rect view, int *y)
{
    ui_ctx *u = a->ui;
    /* A pull may have brought plans, or taken one away (cancelled). */
    if (a->s.home.plans_round != a->sync_state.rounds)
        scr_plans_load(a);
    int n = a->s.home.nplans;
    if (n == 0)
        return 0;
    ui_label(
        u, ui_r(view.x, *y, view.w, ui_dp(u, 40)), PLAT_FONT_BOLD, UI_MUTED,
        ui_fmt(u, n >= SCR_MAX_PLANS ? "%s (%d+)" : "%s (%d)", T("My planned observations"), n),
        UI_LEFT);
    *y += ui_dp(u, 40);
    int rh = ui_dp(u, 76);
    for (int i = 0; i < n; i++) {
        const scr_row *row = &a->s.home.plan_rows[i];
        ui_rect r = {view.x, *y, view.w - ui_dp(u, 8), rh - ui_dp(u, 8)};
        *y += rh;
        if (r.y > view.y + view.h || r.y + r.h < view.y)
            continue;
        int held = 0;
        if (ui_area(u, ui_idn("home.plan", i), r, &held)) {
            a->s.plan.row = a->s.home.plans[i];
            scr_go(a, SCR_PLAN);
            return 1;
        }
        ui_fill(u, r, held ? UI_SOFT : UI_SURFACE, ui_dp(u, 10));
        /* The stripe says whether it can go ahead: agreed (or a team) or
         * still waiting. */
        ui_fill(u, ui_r(r.x, r.y, ui_dp(u, 6), r.h), row->sync ? UI_OK : UI_WARN, ui_dp(u, 3));
        ui_rect in = ui_inset(r, ui_dp(u, 12));
        in.x += ui_dp(u, 6);
        in.w -= ui_dp(u, 6);
        ui_label(u, ui_cut_top(&in, in.h / 2), PLAT_FONT_BOLD, UI_TEXT, row->title, UI_LEFT);
        ui_label(u, in, PLAT_FONT_SMALL, UI_MUTED, row->sub, UI_LEFT);
    }
    *y += ui_dp(u, 8);
    return 0;
}

int scr_plan_terms(scr_app *a, const model_plan *p, ui_rect col, int y, int draw)
{
    ui_ctx *u = a->ui;
    int y0 = y, pad = ui_dp(u, 16);
    int w = col.w - 2 * pad;
    if (draw)
        ui_text(u, PLAT_FONT_BOLD, col.x + pad, y + pad, UI_TEXT, T("Agreed terms"));
    y += pad + ui_line_h(u, PLAT_FONT_BOLD) + ui_dp(u, 6);
    const char *t = p->terms[0] ? p->terms : T("No terms were written for this observation.");
    y += ui_wrap(u, ui_r(col.x + pad, y, w, 0), PLAT_FONT_BODY, p->terms[0] ? UI_TEXT : UI_MUTED, t,
                 draw);
    return y - y0 + pad;
}

/* One line "Label: value" at *y; advances it. */
static void fact(scr_app *a, ui_rect col, int *y, const char *label, const char *value,
                 plat_color color)
{
    ui_ctx *u = a->ui;
    const char *s = label[0] ? ui_fmt(u, "%s %s", label, value) : value;
    int h = ui_wrap(u, ui_r(col.x, *y, col.w, 0), PLAT_FONT_BODY, color, s, 0);
    ui_wrap(u, ui_r(col.x, *y, col.w, h), PLAT_FONT_BODY, color, s, 1);
    *y += h + ui_dp(u, 8);
}

void scr_plan_enter(scr_app *a)
{
    a->s.plan.agreed_now = 0;
    a->s.plan.round = a->sync_state.rounds;
    if (a->s.home.nfocuses == 0)
        scr_home_enter(a);
    ui_list_scroll_to(a->ui, ui_ids("plan.list"), 0);
}

/* The index of the plan's focus among today's active ones, or -1. */
static int active_focus(const scr_app *a, const model_plan *p)
{
    for (int i = 0; i < a->s.home.nfocuses; i++)
        if (!strcmp(a->s.home.focuses[i].id, p->focus_id))
            return i;
    return -1;
}

void scr_plan_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    db_plan_row *r = &a->s.plan.row;
    const model_plan *p = &r->plan;
    int observer = !strcmp(p->observer_id, a->s.user.id);
    int observee = !strcmp(p->observee_id, a->s.user.id);
    /* Read again after a pull: the office may have cancelled it or the
     * server marked it agreed; a plan that is no longer planned, or that
     * is not this person's, goes back home. */
    if (a->s.plan.round != a->sync_state.rounds) {
        a->s.plan.round = a->sync_state.rounds;
        if (db_plan_get(a->db, p->id, r) != DB_OK)
            r->plan.status = MODEL_PLAN_CANCELLED;
    }
    if ((!observer && !observee) || p->status != MODEL_PLAN_PLANNED) {
        scr_go(a, SCR_HOME);
        return;
    }
    ui_rect body = scr_topbar(a, screen, T("Planned observation"));
    if (a->screen != SCR_PLAN)
        return;
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 96));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 14));
    ui_rect back = ui_cut_left(&bb, ui_dp(u, 140));
    ui_cut_left(&bb, ui_dp(u, 14));
    ui_rect go = scr_portrait(a) ? bb : ui_cut_right(&bb, bb.w / 2);
    if (ui_button(u, ui_ids("plan.back"), back, T("Back"), UI_STYLE_PLAIN) ||
        (u->key == PLAT_KEY_ESCAPE && !ui_wants_text(u))) {
        scr_go(a, SCR_HOME);
        return;
    }
    int fi = active_focus(a, p);
    if (observer) {
        if (fi < 0) {
            ui_fill(u, go, UI_LINE, ui_dp(u, 10));
            ui_label(u, go, PLAT_FONT_BOLD, UI_MUTED, T("The learning focus is not active today"),
                     UI_CENTER);
        } else if (ui_button(u, ui_ids("plan.start"), go, T("Start observation"),
                             UI_STYLE_PRIMARY)) {
            scr_start_from_plan(a, r);
            return;
        }
    } else if (!db_plan_agreed(r)) {
        if (ui_button(u, ui_ids("plan.agree"), go, T("I agree"), UI_STYLE_PRIMARY)) {
            int rc = db_plan_agree(a->db, p->id, a->s.user.id);
            if (rc == DB_OK) {
                a->s.err[0] = 0;
                a->s.plan.agreed_now = 1;
                db_plan_get(a->db, p->id, r);
                scr_refresh_outbox(a);
                scr_plans_load(a);
            } else {
                scr_set_error(a, rc);
            }
        }
    }

    ui_rect view = ui_inset(body, ui_dp(u, 16));
    ui_id lid = ui_ids("plan.list");
    int top = ui_list_begin(u, lid, view), y = top;
    ui_rect col = view;
    col.w -= ui_dp(u, 12);
    model_focus *tmp = &a->s.cur.focus; /* scratch: no observation is open here */
    const char *q = fi >= 0 ? a->s.home.focuses[fi].question : focus_question(a, p->focus_id, tmp);
    int qh = ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_TITLE, UI_TEXT, q, 0);
    ui_wrap(u, ui_r(col.x, y, col.w, qh), PLAT_FONT_TITLE, UI_TEXT, q, 1);
    y += qh + ui_dp(u, 16);
    fact(a, col, &y, T("When:"), scr_plan_when(a, p), UI_TEXT);
    fact(a, col, &y, T("Observer:"), scr_person_name(a, p->observer_id), UI_TEXT);
    if (p->observee_id[0])
        fact(a, col, &y, T("Observee:"), scr_person_name(a, p->observee_id), UI_TEXT);
    else
        fact(a, col, &y, T("Team:"), p->team, UI_TEXT);
    if (p->room_id[0]) {
        model_room room;
        if (db_room_get(a->db, p->room_id, &room) == DB_OK)
            fact(a, col, &y, T("Room or group:"), room.name, UI_TEXT);
    }
    const char *ag = agreement(a, r);
    if (ag[0])
        fact(a, col, &y, T("Agreement:"), ag, db_plan_agreed(r) ? UI_OK : UI_WARN);
    if (a->s.plan.agreed_now) {
        fact(a, col, &y, "",
             T("Your agreement is saved here and reaches the office with the next sync."), UI_OK);
    }
    y += ui_dp(u, 8);
    int h = scr_plan_terms(a, p, col, y, 0);
    ui_fill(u, ui_r(col.x, y, col.w, h), UI_SURFACE, ui_dp(u, 12));
    scr_plan_terms(a, p, col, y, 1);
    y += h + ui_dp(u, 16);
    ui_list_end(u, lid, y - top);
}
