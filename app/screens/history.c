/* History: past (finished) observations, newest first, filtered by focus,
 * room, period and observer, paged by keyset. Only what the signed-in
 * person may see is listed (the store's rule). A row opens the summary,
 * where corrections show with who and when; with one focus chosen, the
 * progression of that focus opens as pictures. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>

#define HIST_PAGE SCR_MAX_LIST

static const char *const period_names[] = {N_("All time"), N_("Last 30 days"), N_("Last 3 months"),
                                           N_("Last 12 months")};
static const int period_days[] = {0, 30, 91, 365};
#define N_PERIODS (int)(sizeof period_days / sizeof period_days[0])

void scr_history_filter(scr_app *a, db_obs_filter *f)
{
    memset(f, 0, sizeof *f);
    f->unit_id = a->unit.id;
    f->viewer_id = a->s.user.id;
    f->status = MODEL_OBS_FINISHED;
    int i = a->s.history.filter[PICK_FOCUS];
    if (i >= 0 && i < a->s.history.nfocuses)
        f->focus_id = a->s.history.focuses[i].id;
    i = a->s.history.filter[PICK_ROOM];
    if (i >= 0 && i < a->s.nrooms)
        f->room_id = a->s.rooms[i].id;
    i = a->s.history.filter[PICK_OBSERVER];
    if (i >= 0 && i < a->npeople)
        f->observer_id = a->people[i].id;
    i = a->s.history.filter[PICK_PERIOD];
    if (i > 0 && i < N_PERIODS)
        f->from = a->sys->now_ms(a->sys) - (int64_t)period_days[i] * 86400000;
}

static const char *focus_question(scr_app *a, const model_observation *o)
{
    for (int i = 0; i < a->s.history.nfocuses; i++)
        if (!strcmp(a->s.history.focuses[i].id, o->focus_id))
            return a->s.history.focuses[i].question;
    return "";
}

/* Reads the next page of rows after the cursor; the rows' words are made
 * here, once, not in every frame. */
static void load_page(scr_app *a)
{
    db_obs_filter f;
    scr_history_filter(a, &f);
    int got = 0, want = HIST_PAGE;
    if (a->s.history.nrows + want > SCR_MAX_HIST)
        want = SCR_MAX_HIST - a->s.history.nrows;
    a->s.history.more = 0;
    if (want <= 0)
        return;
    int rc = db_obs_list(a->db, &f, &a->s.history.cursor, want, a->s.scratch_obs, &got);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    for (int i = 0; i < got; i++) {
        const model_observation *o = &a->s.scratch_obs[i];
        scr_row *r = &a->s.history.rows[a->s.history.nrows++];
        snprintf(r->id, sizeof r->id, "%s", o->id);
        snprintf(r->title, sizeof r->title, "%s", focus_question(a, o));
        char when[32], room[MODEL_NAME_MAX + 1] = "";
        scr_when(o->started_at, when, sizeof when);
        for (int k = 0; k < a->s.nrooms; k++)
            if (!strcmp(a->s.rooms[k].id, o->room_id))
                snprintf(room, sizeof room, "%s", a->s.rooms[k].name);
        const char *who = ui_fmt(a->ui, T("%s observed %s"), scr_person_name(a, o->observer_id),
                                 scr_observee_name(a, o));
        int n = snprintf(r->sub, sizeof r->sub, "%s  \xC2\xB7  %s  \xC2\xB7  %s", who, room, when);
        if (o->revision > 1 && n > 0 && (size_t)n < sizeof r->sub)
            n += snprintf(r->sub + n, sizeof r->sub - (size_t)n, "  \xC2\xB7  %s",
                          ui_fmt(a->ui, T("corrected, version %d"), o->revision));
        /* The loop's last step in the row: a reflection, new to the
         * observer until they open it. */
        int re = DB_RE_NONE;
        if (db_reflection_state(a->db, o->id, &re) != DB_OK)
            re = DB_RE_NONE;
        int mine = !strcmp(o->observer_id, a->s.user.id);
        if (re != DB_RE_NONE && n > 0 && (size_t)n < sizeof r->sub)
            snprintf(r->sub + n, sizeof r->sub - (size_t)n, "  \xC2\xB7  %s",
                     re == DB_RE_NEW && mine ? T("new reflection") : T("with reflection"));
        scr_row_sync(a, r);
    }
    a->s.history.more = got == want && a->s.history.nrows < SCR_MAX_HIST;
}

static void reload(scr_app *a)
{
    a->s.history.nrows = 0;
    memset(&a->s.history.cursor, 0, sizeof a->s.history.cursor);
    db_obs_filter f;
    scr_history_filter(a, &f);
    a->s.history.total = 0;
    int rc = db_obs_count(a->db, &f, &a->s.history.total);
    if (rc != DB_OK)
        scr_set_error(a, rc);
    load_page(a);
    ui_list_scroll_to(a->ui, ui_ids("hist.list"), 0);
}

void scr_history_enter(scr_app *a)
{
    if (!a->s.signed_in || !a->have_unit)
        return;
    a->s.history.nfocuses = 0;
    int rc = db_focus_list(a->db, a->unit.id, NULL, 0, SCR_MAX_FOCUS, a->s.history.focuses,
                           &a->s.history.nfocuses);
    if (rc != DB_OK) {
        a->s.history.nfocuses = 0;
        scr_set_error(a, rc);
    }
    a->s.nrooms = 0;
    rc = db_room_list(a->db, a->unit.id, 0, SCR_MAX_ROOMS, a->s.rooms, &a->s.nrooms);
    if (rc != DB_OK) {
        a->s.nrooms = 0;
        scr_set_error(a, rc);
    }
    reload(a);
}

/* The choices of a filter: "any" first, then its values; returns how many. */
static int choices(scr_app *a, scr_pick p, const char **out)
{
    int n = 0;
    switch (p) {
    case PICK_FOCUS:
        out[n++] = T("All focuses");
        for (int i = 0; i < a->s.history.nfocuses && n < SCR_MAX_PICK; i++)
            out[n++] = a->s.history.focuses[i].question;
        break;
    case PICK_ROOM:
        out[n++] = T("All rooms");
        for (int i = 0; i < a->s.nrooms && n < SCR_MAX_PICK; i++)
            out[n++] = a->s.rooms[i].name;
        break;
    case PICK_PERIOD:
        for (int i = 0; i < N_PERIODS; i++)
            out[n++] = T(period_names[i]);
        break;
    default:
        out[n++] = T("Everyone");
        for (int i = 0; i < a->npeople && n < SCR_MAX_PICK; i++)
            out[n++] = a->people[i].name;
        break;
    }
    return n;
}

/* The choice shown on a filter's button. */
static const char *chosen(scr_app *a, scr_pick p)
{
    const char *c[SCR_MAX_PICK];
    int n = choices(a, p, c);
    int i = a->s.history.filter[p];
    /* Period's first choice is itself "all"; the others are offset by one. */
    int k = p == PICK_PERIOD ? (i < 0 ? 0 : i) : i + 1;
    return k >= 0 && k < n ? c[k] : c[0];
}

static void pick_dialog(scr_app *a)
{
    ui_ctx *u = a->ui;
    int dismiss = 0;
    const char *c[SCR_MAX_PICK];
    int n = choices(a, a->s.history.pick, c);
    /* As high as its choices need (a short list is not a full-height panel
     * of empty space), up to the screen. */
    int dw = ui_dp(u, 640) < u->w - ui_dp(u, 16) ? ui_dp(u, 640) : u->w - ui_dp(u, 16);
    int need = ui_dp(u, 44 + 40);
    for (int i = 0; i < n; i++) {
        int th = ui_wrap(u, ui_r(0, 0, dw - ui_dp(u, 40 + 44), 0), PLAT_FONT_BODY, UI_TEXT, c[i],
                         0);
        need += (th + ui_dp(u, 24) > ui_dp(u, 56) ? th + ui_dp(u, 24) : ui_dp(u, 56)) + ui_dp(u, 8);
    }
    if (need > u->h - ui_dp(u, 48))
        need = u->h - ui_dp(u, 48);
    ui_rect in = ui_dialog(u, ui_ids("pick.dlg"), dw, need, &dismiss);
    if (dismiss) {
        a->dialog = DLG_NONE;
        return;
    }
    static const char *const titles[PICK_COUNT] = {N_("Learning focus"), N_("Room or group"),
                                                   N_("Period"), N_("Observer")};
    ui_label(u, ui_cut_top(&in, ui_dp(u, 44)), PLAT_FONT_TITLE, UI_TEXT,
             T(titles[a->s.history.pick]), UI_LEFT);
    int cur = a->s.history.pick == PICK_PERIOD ? (a->s.history.filter[a->s.history.pick] < 0
                                                      ? 0
                                                      : a->s.history.filter[a->s.history.pick])
                                               : a->s.history.filter[a->s.history.pick] + 1;
    ui_id lid = ui_ids("pick.list");
    int top = ui_list_begin(u, lid, in), y = top;
    for (int i = 0; i < n; i++) {
        int th = ui_wrap(u, ui_r(0, 0, in.w - ui_dp(u, 44), 0), PLAT_FONT_BODY, UI_TEXT, c[i], 0);
        ui_rect r = {in.x, y, in.w - ui_dp(u, 12), th + ui_dp(u, 24)};
        if (r.h < ui_dp(u, 56))
            r.h = ui_dp(u, 56);
        y += r.h + ui_dp(u, 8);
        int held = 0;
        if (ui_area(u, ui_idn("pick.item", i), r, &held)) {
            a->s.history.filter[a->s.history.pick] = a->s.history.pick == PICK_PERIOD ? i : i - 1;
            a->dialog = DLG_NONE;
            reload(a);
            ui_list_end(u, lid, y - top);
            return;
        }
        int sel = i == cur;
        ui_panel(u, r,
                 sel    ? UI_PRIMARY
                 : held ? UI_SOFT
                        : UI_SURFACE,
                 sel ? UI_PRIMARY : UI_LINE, ui_dp(u, 2), ui_dp(u, 10));
        ui_wrap(u, ui_r(r.x + ui_dp(u, 16), r.y + (r.h - th) / 2, r.w - ui_dp(u, 32), th),
                PLAT_FONT_BODY, sel ? UI_ON_PRIMARY : UI_TEXT, c[i], 1);
    }
    ui_list_end(u, lid, y - top);
}

void scr_history_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    ui_block(u, a->dialog != DLG_NONE);
    ui_rect body = scr_topbar(a, screen, T("History"));
    if (a->screen != SCR_HISTORY)
        return;
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 88));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 12));
    ui_rect home = ui_cut_left(&bb, (bb.w - ui_dp(u, 12)) / 3);
    ui_cut_left(&bb, ui_dp(u, 12));
    if (ui_button(u, ui_ids("hist.home"), home, T("Home"), UI_STYLE_PLAIN) ||
        (u->key == PLAT_KEY_ESCAPE && a->dialog == DLG_NONE)) {
        scr_go(a, SCR_HOME);
        return;
    }
    if (a->s.history.filter[PICK_FOCUS] < 0) {
        ui_fill(u, bb, UI_LINE, ui_dp(u, 10));
        ui_label(u, bb, PLAT_FONT_BOLD, UI_MUTED, T("Choose a focus to see its progression"),
                 UI_CENTER);
    } else if (ui_button(u, ui_ids("hist.progress"), bb, T("Progression of the focus"),
                         UI_STYLE_PRIMARY)) {
        scr_go(a, SCR_PROGRESS);
        return;
    }
    body = ui_inset(body, ui_dp(u, 16));
    /* The filters: one button each, showing the choice. */
    static const char *const labels[PICK_COUNT] = {N_("Focus"), N_("Room"), N_("Period"),
                                                   N_("Observer")};
    int portrait = scr_portrait(a);
    int per_row = portrait ? 2 : 4, bh = ui_dp(u, 64), gap = ui_dp(u, 10);
    ui_rect bar = ui_cut_top(&body, portrait ? 2 * bh + gap : bh);
    ui_cut_top(&body, ui_dp(u, 8));
    int bw = (bar.w - gap * (per_row - 1)) / per_row;
    for (int i = 0; i < PICK_COUNT; i++) {
        ui_rect r = {bar.x + (i % per_row) * (bw + gap), bar.y + (i / per_row) * (bh + gap), bw,
                     bh};
        int held = 0;
        if (ui_area(u, ui_idn("hist.filter", i), r, &held)) {
            a->s.history.pick = (scr_pick)i;
            a->dialog = DLG_PICK;
        }
        int set = a->s.history.filter[i] >= 0 && !(i == PICK_PERIOD && a->s.history.filter[i] == 0);
        ui_panel(u, r, held ? UI_SOFT : UI_SURFACE, set ? UI_PRIMARY : UI_LINE, ui_dp(u, 2),
                 ui_dp(u, 10));
        ui_rect in = ui_inset(r, ui_dp(u, 8));
        in.x += ui_dp(u, 4);
        in.w -= ui_dp(u, 8);
        ui_label(u, ui_cut_top(&in, in.h / 2), PLAT_FONT_SMALL, UI_MUTED, T(labels[i]), UI_LEFT);
        ui_label(u, in, PLAT_FONT_BOLD, set ? UI_PRIMARY : UI_TEXT, chosen(a, (scr_pick)i),
                 UI_LEFT);
    }
    ui_label(u, ui_cut_top(&body, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_MUTED,
             ui_fmt(u, NT("%lld observation", "%lld observations", a->s.history.total),
                    (long long)a->s.history.total),
             UI_LEFT);
    ui_id lid = ui_ids("hist.list");
    int top = ui_list_begin(u, lid, body), y = top;
    int rh = ui_dp(u, 76);
    if (a->s.history.nrows == 0) {
        ui_label(u, ui_r(body.x, y, body.w, ui_dp(u, 40)), PLAT_FONT_BODY, UI_MUTED,
                 T("No finished observations match the filters."), UI_LEFT);
        y += ui_dp(u, 48);
    }
    for (int i = 0; i < a->s.history.nrows; i++) {
        ui_rect r = {body.x, y, body.w - ui_dp(u, 12), rh - ui_dp(u, 8)};
        y += rh;
        if (r.y > body.y + body.h || r.y + r.h < body.y)
            continue;
        int held = 0;
        if (ui_area(u, ui_idn("hist.row", i), r, &held)) {
            model_id id;
            snprintf(id, sizeof id, "%s", a->s.history.rows[i].id);
            ui_list_end(u, lid, y - top);
            scr_open_summary(a, id, SCR_HISTORY);
            return;
        }
        ui_fill(u, r, held ? UI_SOFT : UI_SURFACE, ui_dp(u, 10));
        ui_rect in = ui_inset(r, ui_dp(u, 12));
        ui_rect line = ui_cut_top(&in, in.h / 2);
        /* Saved on this tablet, or synced: per row, in words. */
        const scr_row *hr = &a->s.history.rows[i];
        int sw = ui_measure(u, PLAT_FONT_SMALL, hr->sync_text) + ui_dp(u, 18);
        if (sw > line.w / 2)
            sw = line.w / 2;
        ui_rect st = ui_cut_right(&line, sw);
        int dot = ui_dp(u, 8);
        ui_fill(u, ui_r(st.x, st.y + (st.h - dot) / 2, dot, dot), scr_sync_color(hr->sync),
                dot / 2);
        ui_label(u, ui_r(st.x + ui_dp(u, 14), st.y, st.w - ui_dp(u, 14), st.h), PLAT_FONT_SMALL,
                 hr->sync >= DB_SYNC_CONFLICT || hr->sync < 0 ? UI_DANGER : UI_MUTED, hr->sync_text,
                 UI_LEFT);
        ui_cut_right(&line, ui_dp(u, 8));
        ui_label(u, line, PLAT_FONT_BOLD, UI_TEXT, hr->title, UI_LEFT);
        ui_label(u, in, PLAT_FONT_SMALL, UI_MUTED, a->s.history.rows[i].sub, UI_LEFT);
    }
    if (a->s.history.more) {
        ui_rect r = {body.x, y, body.w - ui_dp(u, 12), ui_dp(u, 56)};
        y += ui_dp(u, 64);
        if (ui_button(u, ui_ids("hist.more"), r, T("Show older"), UI_STYLE_PLAIN))
            load_page(a);
    } else if (a->s.history.nrows >= SCR_MAX_HIST) {
        ui_label(u, ui_r(body.x, y, body.w, ui_dp(u, 40)), PLAT_FONT_SMALL, UI_MUTED,
                 T("Choose a filter to see older observations."), UI_LEFT);
        y += ui_dp(u, 48);
    }
    ui_list_end(u, lid, y - top);
    if (a->dialog == DLG_PICK) {
        ui_block(u, 0);
        pick_dialog(a);
    }
}
