/* Summary: counts and rates per 10 minutes, time in each state, signs
 * seen, and a timeline strip of events and notes, drawn as a picture. */
#include "scr_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const plat_color palette[] = {0x1F6F78FFu, 0xE0A33BFFu, 0x7A5BA6FFu,
                                     0x3C8D4EFFu, 0xB3412EFFu, 0x2F6DB5FFu};
#define PALETTE(i) palette[(i) % (int)(sizeof palette / sizeof palette[0])]

/* The state timers have colours of their own, none a counter's, so that
 * two states (and a state and a counter) are told apart in the timeline
 * and in "time in each state". */
static const plat_color state_palette[] = {0x5B6BBFFFu, 0xC0567EFFu, 0x8A6D3BFFu, 0x3E9A9AFFu};

plat_color scr_state_color(int s)
{
    return state_palette[s % (int)(sizeof state_palette / sizeof state_palette[0])];
}

static int64_t duration(const scr_app *a)
{
    const model_observation *o = &a->s.cur.obs;
    int64_t end = o->ended_at > 0 ? o->ended_at : a->sys->now_ms(a->sys);
    int64_t d = end - o->started_at;
    return d > 0 ? d : 0;
}

/* The timeline: one row per counter (a tick per tap), per state (a bar
 * while it ran) and for notes and samples (dots), on a shared time axis. */
static int timeline(scr_app *a, ui_rect r, int draw)
{
    ui_ctx *u = a->ui;
    const scr_obs *o = &a->s.cur;
    const model_template *t = &o->tmpl;
    int rows = t->n_counters + t->n_states + 1 + (t->interval_minutes > 0 ? 1 : 0);
    int rh = ui_dp(u, 30), label_w = ui_dp(u, 190);
    int h = rows * rh + ui_dp(u, 34);
    if (!draw)
        return h;
    ui_fill(u, ui_r(r.x, r.y, r.w, h), UI_SURFACE, ui_dp(u, 12));
    ui_rect plot = {r.x + label_w, r.y + ui_dp(u, 8), r.w - label_w - ui_dp(u, 16), rows * rh};
    int64_t d = duration(a);
    if (d < 60000)
        d = 60000;
    int64_t t0 = o->obs.started_at;
#define XAT(ms) (plot.x + (int)((double)((ms)-t0) * plot.w / (double)d))
    /* Minute marks every 5 minutes (or every minute when short). */
    int64_t step = d > 20 * 60000 ? 5 * 60000 : d > 6 * 60000 ? 2 * 60000 : 60000;
    for (int64_t m = 0; m <= d; m += step) {
        int x = plot.x + (int)((double)m * plot.w / (double)d);
        ui_fill(u, ui_r(x, plot.y, ui_dp(u, 1), plot.h), UI_LINE, 0);
        ui_text(u, PLAT_FONT_SMALL, x - ui_dp(u, 4), plot.y + plot.h + ui_dp(u, 2), UI_MUTED,
                ui_fmt(u, "%d", (int)(m / 60000)));
    }
    int row = 0;
    for (int i = 0; i < t->n_counters; i++, row++) {
        int y = plot.y + row * rh;
        ui_label(u, ui_r(r.x + ui_dp(u, 12), y, label_w - ui_dp(u, 20), rh), PLAT_FONT_SMALL,
                 UI_TEXT, t->counters[i].label, UI_LEFT);
        ui_fill(u, ui_r(plot.x, y + rh / 2, plot.w, ui_dp(u, 1)), UI_LINE, 0);
        for (int e = 0; e < o->nevents; e++) {
            const model_event *ev = &o->events[e];
            if (o->undone[e] || ev->kind != MODEL_EV_COUNT || strcmp(ev->key, t->counters[i].key))
                continue;
            ui_fill(
                u, ui_r(XAT(ev->at) - ui_dp(u, 2), y + ui_dp(u, 5), ui_dp(u, 4), rh - ui_dp(u, 10)),
                PALETTE(i), ui_dp(u, 2));
        }
    }
    for (int s = 0; s < t->n_states; s++, row++) {
        int y = plot.y + row * rh;
        ui_label(u, ui_r(r.x + ui_dp(u, 12), y, label_w - ui_dp(u, 20), rh), PLAT_FONT_SMALL,
                 UI_TEXT, t->states[s].label, UI_LEFT);
        ui_fill(u, ui_r(plot.x, y + rh / 2, plot.w, ui_dp(u, 1)), UI_LINE, 0);
        int64_t since = -1;
        for (int e = 0; e <= o->nevents; e++) {
            const model_event *ev = e < o->nevents ? &o->events[e] : NULL;
            if (ev && (o->undone[e] || strcmp(ev->key, t->states[s].key)))
                continue;
            if (ev && ev->kind == MODEL_EV_STATE_START && since < 0) {
                since = ev->at;
            } else if (since >= 0 && (!ev || ev->kind == MODEL_EV_STATE_STOP)) {
                int64_t end = ev ? ev->at : t0 + duration(a);
                int x0 = XAT(since), x1 = XAT(end);
                ui_fill(u, ui_r(x0, y + ui_dp(u, 6), x1 - x0 > 2 ? x1 - x0 : 2, rh - ui_dp(u, 12)),
                        scr_state_color(s), ui_dp(u, 4));
                since = -1;
            }
        }
    }
    if (t->interval_minutes > 0) {
        int y = plot.y + row * rh;
        ui_label(u, ui_r(r.x + ui_dp(u, 12), y, label_w - ui_dp(u, 20), rh), PLAT_FONT_SMALL,
                 UI_TEXT, T("Interval samples"), UI_LEFT);
        for (int e = 0; e < o->nevents; e++) {
            const model_event *ev = &o->events[e];
            if (o->undone[e] || ev->kind != MODEL_EV_SAMPLE)
                continue;
            int dd = ui_dp(u, 12);
            ui_fill(u, ui_r(XAT(ev->at) - dd / 2, y + (rh - dd) / 2, dd, dd), UI_OK, dd / 2);
        }
        row++;
    }
    int y = plot.y + row * rh;
    ui_label(u, ui_r(r.x + ui_dp(u, 12), y, label_w - ui_dp(u, 20), rh), PLAT_FONT_SMALL, UI_TEXT,
             T("Notes"), UI_LEFT);
    for (int n = 0; n < o->nnotes; n++) {
        int dd = ui_dp(u, 14);
        ui_fill(u, ui_r(XAT(o->notes[n].at) - dd / 2, y + (rh - dd) / 2, dd, dd), UI_ACCENT,
                dd / 2);
    }
#undef XAT
    return h;
}

const char *scr_rate_text(scr_app *a, int64_t count, int64_t duration_ms)
{
    double rate;
    if (!model_rate(count, duration_ms, &rate))
        return T("too short for a rate");
    return ui_fmt(a->ui, T("%s per 10 min"), scr_decimal(a, "%.1f", rate));
}

const char *scr_rate_floor_text(scr_app *a)
{
    return ui_fmt(a->ui,
                  NT("A rate per 10 minutes needs at least %d minute observed; this observation "
                     "is shorter.",
                     "A rate per 10 minutes needs at least %d minutes observed; this observation "
                     "is shorter.",
                     MODEL_RATE_MIN_MS / 60000),
                  MODEL_RATE_MIN_MS / 60000);
}

void scr_summary_enter(scr_app *a)
{
    a->s.summary.nrevs = 0;
    if (!a->s.have_cur)
        return;
    int rc = db_obs_revisions(a->db, a->s.cur.obs.id, 0, SCR_MAX_REVS, a->s.summary.revs,
                              &a->s.summary.nrevs);
    if (rc != DB_OK) {
        a->s.summary.nrevs = 0;
        scr_set_error(a, rc);
    }
    snprintf(a->s.summary.corr_activity, sizeof a->s.summary.corr_activity, "%s",
             a->s.cur.obs.activity);
    scr_reflection_read_back(a);
    ui_list_scroll_to(a->ui, ui_ids("sum.list"), 0);
}

/* A scale level as its label ("Not rated" for -1). */
static const char *level_name(scr_app *a, int level)
{
    const model_template *t = &a->s.cur.tmpl;
    return level >= 0 && level < t->n_scale ? t->scale[level] : T("Not rated");
}

static const char *sign_text(const scr_app *a, const char *sign_id)
{
    for (int s = 0; s < a->s.cur.focus.n_signs; s++)
        if (!strcmp(a->s.cur.focus.signs[s].id, sign_id))
            return a->s.cur.focus.signs[s].text;
    return "?";
}

/* One line per correction: the revision, when, who, and what changed from
 * what to what, so that nothing changed after the visit goes unseen. */
static int corrections(scr_app *a, ui_rect col, int y)
{
    ui_ctx *u = a->ui;
    if (a->s.summary.nrevs == 0)
        return y;
    scr_heading(a, col, &y, ui_fmt(u, T("Corrections (version %d)"), a->s.cur.obs.revision));
    for (int i = 0; i < a->s.summary.nrevs; i++) {
        const db_revision *r = &a->s.summary.revs[i];
        char when[32];
        scr_when(r->at, when, sizeof when);
        const char *what;
        if (!strcmp(r->what, "activity"))
            what = ui_fmt(u, T("Activity: “%s” became “%s”"), r->before, r->after);
        else if (!strcmp(r->what, "rating"))
            what = ui_fmt(u, T("%s: %s became %s"), sign_text(a, r->sign_id),
                          level_name(a, atoi(r->before)), level_name(a, atoi(r->after)));
        else if (!strcmp(r->what, "note"))
            what = T("A note was changed");
        else if (!strcmp(r->what, "note deleted"))
            what = T("A note was deleted");
        else
            what = T("The context (children, adults) was changed");
        const char *head = ui_fmt(u, T("Version %d  ·  %s  ·  %s"), r->revision, when,
                                  scr_person_name(a, r->actor_id));
        ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 24)), PLAT_FONT_SMALL, UI_MUTED, head, UI_LEFT);
        y += ui_dp(u, 24);
        y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_BODY, UI_TEXT, what, 1) + ui_dp(u, 10);
    }
    return y + ui_dp(u, 10);
}

/* Correcting a finished observation: its activity and the rating of each
 * sign. Every change is saved at once as a new revision, shown in the
 * summary's list of corrections. */
/* Reads the open observation again after a correction, so that what the
 * summary shows is what the store now holds (the id is copied first: the
 * load overwrites the struct it came from). */
static void reload(scr_app *a)
{
    model_id id;
    snprintf(id, sizeof id, "%s", a->s.cur.obs.id);
    scr_load_obs(a, id);
    scr_summary_enter(a);
}

static void correct_dialog(scr_app *a)
{
    ui_ctx *u = a->ui;
    int dismiss = 0;
    ui_rect in = ui_dialog(u, ui_ids("corr.dlg"), ui_dp(u, 760), u->h - ui_dp(u, 32), &dismiss);
    if (dismiss) {
        a->dialog = DLG_NONE;
        return;
    }
    const model_focus *f = &a->s.cur.focus;
    ui_label(u, ui_cut_top(&in, ui_dp(u, 40)), PLAT_FONT_TITLE, UI_TEXT,
             T("Correct the observation"), UI_LEFT);
    ui_wrap(u, ui_cut_top(&in, ui_dp(u, 30)), PLAT_FONT_SMALL, UI_MUTED,
            T("Each change is kept as a new version, with who and when."), 1);
    if (!u->video->has_keyboard(u->video) && ui_wants_text(u)) {
        ui_osk_labels l = scr_osk_labels(a);
        ui_keyboard(u, ui_cut_bottom(&in, ui_keyboard_height(u)), &l);
        ui_cut_bottom(&in, ui_dp(u, 8));
    }
    ui_rect close = ui_cut_bottom(&in, ui_dp(u, 60));
    ui_cut_bottom(&in, ui_dp(u, 8));
    if (ui_button(u, ui_ids("corr.close"), close, T("Close"), UI_STYLE_PRIMARY)) {
        a->dialog = DLG_NONE;
        return;
    }
    ui_rect act = ui_cut_top(&in, ui_dp(u, 60));
    ui_rect save = ui_cut_right(&act, ui_dp(u, 200));
    ui_cut_right(&act, ui_dp(u, 8));
    ui_field(u, ui_ids("corr.activity"), act, a->s.summary.corr_activity,
             sizeof a->s.summary.corr_activity, T("What is going on?"), 0);
    int differs = strcmp(a->s.summary.corr_activity, a->s.cur.obs.activity) != 0;
    if (!differs) {
        ui_fill(u, save, UI_BG, ui_dp(u, 10));
        ui_label(u, save, PLAT_FONT_BOLD, UI_MUTED, T("Activity saved"), UI_CENTER);
    } else if (ui_button(u, ui_ids("corr.save"), save, T("Save activity"), UI_STYLE_PLAIN)) {
        int rc = db_obs_update(a->db, a->s.cur.obs.id, a->s.user.id, a->s.summary.corr_activity,
                               NULL);
        scr_set_error(a, rc);
        reload(a);
        ui_reset_input(u);
        return;
    }
    ui_cut_top(&in, ui_dp(u, 12));
    ui_id lid = ui_ids("corr.list");
    int top = ui_list_begin(u, lid, in), y = top;
    int w = in.w - ui_dp(u, 12);
    for (int s = 0; s < f->n_signs; s++) {
        int l = scr_sign_scale(a, in, &y, w, "corr.rate", s);
        if (l >= 0 && a->s.cur.levels[s] != l) {
            scr_set_error(a, db_obs_rate(a->db, a->s.cur.obs.id, a->s.user.id, f->signs[s].id, l));
            reload(a);
        }
    }
    ui_list_end(u, lid, y - top);
}

void scr_summary_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    if (!a->s.have_cur) {
        scr_go(a, SCR_HOME);
        return;
    }
    ui_block(u, a->dialog != DLG_NONE);
    ui_rect body = scr_topbar(a, screen, T("Summary"));
    if (a->screen != SCR_SUMMARY)
        return;
    const scr_obs *o = &a->s.cur;
    const model_template *t = &o->tmpl;
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 88));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 12));
    if (o->obs.status == MODEL_OBS_DRAFT) {
        ui_rect back = ui_cut_left(&bb, (bb.w - ui_dp(u, 12)) / 2);
        ui_cut_left(&bb, ui_dp(u, 12));
        if (ui_button(u, ui_ids("sum.observe"), back, T("Back to observing"), UI_STYLE_PLAIN)) {
            scr_go(a, SCR_OBSERVE);
            return;
        }
    }
    int mine = !strcmp(o->obs.observer_id, a->s.user.id);
    int observed = !strcmp(o->obs.observee_id, a->s.user.id);
    int after = o->obs.status == MODEL_OBS_FINISHED && (mine || observed);
    int bgap = ui_dp(u, 12);
    ui_rect home = bb;
    if (after) {
        /* Back at the left, the next step of "after" at the right. */
        home = ui_cut_left(&bb, mine ? (bb.w - 2 * bgap) / 3 : (bb.w - bgap) / 2);
        ui_cut_left(&bb, bgap);
    }
    const char *back = a->s.summary.back == SCR_HOME || a->s.summary.back == SCR_SUMMARY
                           ? T("Home")
                           : T("Back");
    if (ui_button(u, ui_ids("sum.home"), home, back, after ? UI_STYLE_PLAIN : UI_STYLE_PRIMARY) ||
        (u->key == PLAT_KEY_ESCAPE && a->dialog == DLG_NONE)) {
        scr_screen to = a->s.summary.back == SCR_SUMMARY ? SCR_HOME : a->s.summary.back;
        a->s.summary.back = SCR_HOME;
        scr_go(a, to);
        return;
    }
    if (after && mine) {
        ui_rect corr = ui_cut_left(&bb, (bb.w - bgap) / 2);
        ui_cut_left(&bb, bgap);
        if (ui_button(u, ui_ids("sum.correct"), corr, T("Correct"), UI_STYLE_PLAIN)) {
            snprintf(a->s.summary.corr_activity, sizeof a->s.summary.corr_activity, "%s",
                     o->obs.activity);
            a->dialog = DLG_CORRECT;
        }
        if (ui_button(u, ui_ids("sum.feedback"), bb, T("Feedback"), UI_STYLE_PRIMARY)) {
            scr_go(a, SCR_FEEDBACK);
            return;
        }
    } else if (after &&
               ui_button(u, ui_ids("sum.reflect"), bb, T("Reflection"), UI_STYLE_PRIMARY)) {
        scr_go(a, SCR_REFLECTION);
        return;
    }
    ui_rect view = ui_inset(body, ui_dp(u, 16));
    ui_id lid = ui_ids("sum.list");
    int top = ui_list_begin(u, lid, view), y = top;
    ui_rect col = {view.x, 0, view.w - ui_dp(u, 12), 0};
    int64_t d = duration(a);
    char when[32];
    scr_when(o->obs.started_at, when, sizeof when);

    int qh = ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_TITLE, UI_PRIMARY, o->focus.question,
                     1);
    y += qh + ui_dp(u, 4);
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 28)), PLAT_FONT_BODY, UI_MUTED,
             ui_fmt(u, "%s  \xC2\xB7  %s  \xC2\xB7  %s  \xC2\xB7  %s  \xC2\xB7  %s", o->observee,
                    o->room, scr_activity_shown(a, o->obs.activity), when, scr_duration(a, d)),
             UI_LEFT);
    y += ui_dp(u, 36);
    /* Honest state of this observation: on this tablet only, or synced. */
    int sd = ui_dp(u, 10);
    ui_fill(u, ui_r(col.x, y + (ui_dp(u, 28) - sd) / 2, sd, sd), scr_sync_color(a->s.cur_sync),
            sd / 2);
    ui_label(u, ui_r(col.x + ui_dp(u, 18), y, col.w - ui_dp(u, 18), ui_dp(u, 28)), PLAT_FONT_SMALL,
             a->s.cur_sync >= DB_SYNC_CONFLICT || a->s.cur_sync < 0 ? UI_DANGER : UI_MUTED,
             a->s.cur_sync_text, UI_LEFT);
    y += ui_dp(u, 36);
    y = corrections(a, col, y);
    /* What came back from the observee, where the observer looks first. */
    int rh = scr_reflection_card(a, col, y);
    if (rh > 0)
        y += rh + ui_dp(u, 20);

    y += timeline(a, ui_r(col.x, y, col.w, 0), 1) + ui_dp(u, 20);

    /* Counts with their rate per 10 minutes. */
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_MUTED,
             T("Counts and rate per 10 minutes"), UI_LEFT);
    y += ui_dp(u, 40);
    double rate;
    int rated = model_rate(0, d, &rate);
    if (!rated && t->n_counters > 0)
        y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_MUTED, scr_rate_floor_text(a),
                     1) +
             ui_dp(u, 10);
    int cols = col.w > ui_dp(u, 900) ? 4 : col.w > ui_dp(u, 560) ? 3 : 2;
    int gap = ui_dp(u, 10), cw = (col.w - gap * (cols - 1)) / cols, ch = ui_dp(u, 104);
    for (int i = 0; i < t->n_counters; i++) {
        ui_rect r = {col.x + (i % cols) * (cw + gap), y + (i / cols) * (ch + gap), cw, ch};
        ui_fill(u, r, UI_SURFACE, ui_dp(u, 12));
        ui_fill(u, ui_r(r.x, r.y, ui_dp(u, 6), r.h), PALETTE(i), ui_dp(u, 3));
        ui_rect in = ui_inset(r, ui_dp(u, 12));
        in.x += ui_dp(u, 6);
        in.w -= ui_dp(u, 6);
        ui_label(u, ui_cut_top(&in, ui_line_h(u, PLAT_FONT_HUGE)), PLAT_FONT_HUGE, UI_TEXT,
                 ui_fmt(u, "%d", o->tally.counts[i]), UI_LEFT);
        ui_label(u, ui_cut_top(&in, in.h / 2), PLAT_FONT_SMALL, UI_TEXT, t->counters[i].label,
                 UI_LEFT);
        ui_label(u, in, PLAT_FONT_SMALL, UI_MUTED, scr_rate_text(a, o->tally.counts[i], d),
                 UI_LEFT);
    }
    y += ((t->n_counters + cols - 1) / cols) * (ch + gap) + ui_dp(u, 14);

    if (t->n_states > 0) {
        ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_MUTED,
                 T("Time in each state"), UI_LEFT);
        y += ui_dp(u, 40);
        for (int s = 0; s < t->n_states; s++) {
            int64_t ms = model_tally_state_ms(&o->tally, s, o->obs.started_at + d);
            ui_rect r = {col.x, y, col.w, ui_dp(u, 40)};
            ui_rect lab = ui_cut_left(&r, ui_dp(u, 220));
            ui_label(u, lab, PLAT_FONT_BODY, UI_TEXT, t->states[s].label, UI_LEFT);
            ui_rect txt = ui_cut_right(&r, ui_dp(u, 160));
            int pct = d > 0 ? (int)(ms * 100 / d) : 0;
            ui_label(u, txt, PLAT_FONT_BODY, UI_TEXT,
                     ui_fmt(u, "%s (%d %%)", scr_duration(a, ms), pct), UI_RIGHT);
            ui_rect bar = ui_inset(r, ui_dp(u, 10));
            ui_fill(u, bar, UI_BG, ui_dp(u, 6));
            ui_fill(u, ui_r(bar.x, bar.y, bar.w * pct / 100, bar.h), scr_state_color(s),
                    ui_dp(u, 6));
            y += ui_dp(u, 46);
        }
        y += ui_dp(u, 14);
    }

    y = scr_samples_card(a, col, y);
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_MUTED, T("Signs seen"),
             UI_LEFT);
    y += ui_dp(u, 40);
    for (int s = 0; s < o->focus.n_signs; s++) {
        int lv = o->levels[s];
        const char *level = lv >= 0 && lv < t->n_scale ? t->scale[lv] : T("Not rated");
        plat_color dot = lv < 0                                   ? UI_LINE
                         : t->n_scale > 1 && lv == t->n_scale - 1 ? UI_OK
                         : lv > 0                                 ? UI_ACCENT
                                                                  : UI_MUTED;
        int lw = ui_dp(u, 150);
        int th = ui_wrap(u, ui_r(0, 0, col.w - lw - ui_dp(u, 40), 0), PLAT_FONT_BODY, UI_TEXT,
                         o->focus.signs[s].text, 0);
        int dd = ui_dp(u, 16);
        ui_fill(u, ui_r(col.x, y + ui_dp(u, 4), dd, dd), dot, dd / 2);
        ui_wrap(u, ui_r(col.x + ui_dp(u, 28), y, col.w - lw - ui_dp(u, 40), th), PLAT_FONT_BODY,
                UI_TEXT, o->focus.signs[s].text, 1);
        ui_label(u, ui_r(col.x + col.w - lw, y, lw, ui_line_h(u, PLAT_FONT_BOLD)), PLAT_FONT_BOLD,
                 UI_TEXT, level, UI_RIGHT);
        y += th + ui_dp(u, 12);
    }
    y += ui_dp(u, 10);

    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_MUTED,
             ui_fmt(u, "%s (%d)", T("Notes"), o->nnotes), UI_LEFT);
    y += ui_dp(u, 40);
    for (int n = 0; n < o->nnotes; n++) {
        const model_note *note = &o->notes[n];
        const char *time = scr_duration(a, note->at - o->obs.started_at);
        int tw = ui_dp(u, 70);
        int th = ui_wrap(u, ui_r(0, 0, col.w - tw, 0), PLAT_FONT_BODY, UI_TEXT, note->text, 0);
        ui_text(u, PLAT_FONT_BOLD, col.x, y, UI_ACCENT, time);
        ui_wrap(u, ui_r(col.x + tw, y, col.w - tw, th), PLAT_FONT_BODY, UI_TEXT, note->text, 1);
        y += th;
        if (note->sign_id[0]) {
            for (int s = 0; s < o->focus.n_signs; s++) {
                if (strcmp(o->focus.signs[s].id, note->sign_id) == 0) {
                    ui_label(u, ui_r(col.x + tw, y, col.w - tw, ui_dp(u, 24)), PLAT_FONT_SMALL,
                             UI_MUTED, ui_fmt(u, T("Sign: %s"), o->focus.signs[s].text), UI_LEFT);
                    y += ui_dp(u, 24);
                }
            }
        }
        y += ui_dp(u, 10);
    }
    ui_list_end(u, lid, y - top + ui_dp(u, 16));
    if (a->dialog == DLG_CORRECT) {
        ui_block(u, 0);
        correct_dialog(a);
    }
}
