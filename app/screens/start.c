/* Start an observation: focus, observee, room, activity, context, and the
 * confirmation that the observee agreed to the visit. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>

static const char *const activity_keys[] = {N_("Circle time"), N_("Play"),       N_("Meal"),
                                            N_("Outdoor play"), N_("Transition"), N_("Lesson")};
#define N_ACTIVITIES (int)(sizeof activity_keys / sizeof activity_keys[0])

void scr_start_enter(scr_app *a)
{
    a->st_focus = a->st_observee = a->st_room = -1;
    a->st_activity[0] = 0;
    a->st_agreement = 0;
    a->st_have_tmpl = 0;
    memset(a->st_ctx, 0, sizeof a->st_ctx);
    a->nrooms = 0;
    if (a->have_unit) {
        int rc = db_room_list(a->db, a->unit.id, 0, SCR_MAX_ROOMS, a->rooms, &a->nrooms);
        if (rc != DB_OK) {
            a->nrooms = 0;
            scr_set_error(a, rc);
        }
    }
    if (a->nfocuses == 0)
        scr_home_enter(a);
    /* One focus: it is the choice. */
    if (a->nfocuses == 1)
        a->st_focus = 0;
    ui_list_scroll_to(a->ui, ui_ids("start.list"), 0);
}

static void pick_focus(scr_app *a, int i)
{
    a->st_focus = i;
    a->st_have_tmpl = 0;
    if (db_template_get(a->db, a->focuses[i].template_id, 0, &a->st_tmpl) == DB_OK) {
        a->st_have_tmpl = 1;
        for (int k = 0; k < a->st_tmpl.n_context; k++)
            a->st_ctx[k] = a->st_tmpl.context[k].min;
    }
}

static int section_title(scr_app *a, ui_rect view, int *y, const char *title)
{
    ui_ctx *u = a->ui;
    ui_label(u, ui_r(view.x, *y, view.w, ui_dp(u, 40)), PLAT_FONT_BOLD, UI_MUTED, title, UI_LEFT);
    *y += ui_dp(u, 44);
    return 0;
}

/* Lays chips out left to right, wrapping; returns the index tapped or -1. */
static int chips(scr_app *a, ui_rect view, int *y, const char *idname, const char *const *labels,
                 int n, int selected)
{
    ui_ctx *u = a->ui;
    int x = view.x, h = ui_dp(u, 52), gap = ui_dp(u, 10), hit = -1;
    for (int i = 0; i < n; i++) {
        int w = ui_measure(u, PLAT_FONT_BOLD, labels[i]) + ui_dp(u, 36);
        if (w < ui_dp(u, UI_TARGET_DP + 24))
            w = ui_dp(u, UI_TARGET_DP + 24);
        if (w > view.w - ui_dp(u, 8))
            w = view.w - ui_dp(u, 8);
        if (x > view.x && x + w > view.x + view.w - ui_dp(u, 8)) {
            x = view.x;
            *y += h + gap;
        }
        if (ui_chip(u, ui_idn(idname, i), ui_r(x, *y, w, h), labels[i], i == selected))
            hit = i;
        x += w + gap;
    }
    *y += h + ui_dp(u, 20);
    return hit;
}

static void do_start(scr_app *a)
{
    char ctx[MODEL_CONTEXT_JSON_MAX];
    size_t n = 0;
    n += (size_t)snprintf(ctx + n, sizeof ctx - n, "{");
    for (int k = 0; a->st_have_tmpl && k < a->st_tmpl.n_context; k++) {
        if (a->st_tmpl.context[k].type != MODEL_CTX_INT)
            continue;
        n += (size_t)snprintf(ctx + n, sizeof ctx - n, "%s\"%s\":%d", n > 1 ? "," : "",
                              a->st_tmpl.context[k].key, a->st_ctx[k]);
        if (n >= sizeof ctx - 2)
            break;
    }
    snprintf(ctx + n, sizeof ctx - n, "}");
    db_obs_new o = {0};
    o.unit_id = a->unit.id;
    o.focus_id = a->focuses[a->st_focus].id;
    o.observer_id = a->user.id;
    o.observee_id = a->people[a->st_observee].id;
    o.room_id = a->rooms[a->st_room].id;
    o.activity = a->st_activity;
    o.context_json = ctx;
    o.agreement = a->st_agreement;
    model_id id;
    int rc = db_obs_start(a->db, &o, id);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    a->skipped = 0;
    a->note[0] = 0;
    a->note_sign = -1;
    if (scr_load_obs(a, id) == DB_OK)
        scr_go(a, SCR_OBSERVE);
}

void scr_start_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    ui_rect body = scr_topbar(a, screen, T("New observation"));
    if (a->screen != SCR_START)
        return;
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 96));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 14));
    ui_rect back = ui_cut_left(&bb, ui_dp(u, 140));
    ui_cut_left(&bb, ui_dp(u, 14));
    ui_rect go = scr_portrait(a) ? bb : ui_cut_right(&bb, bb.w / 2);
    if (ui_button(u, ui_ids("start.back"), back, T("Back"), UI_STYLE_PLAIN) ||
        u->key == PLAT_KEY_ESCAPE) {
        scr_go(a, SCR_HOME);
        return;
    }
    const char *missing = NULL;
    if (a->st_focus < 0)
        missing = T("Choose a learning focus");
    else if (a->st_observee < 0)
        missing = T("Choose whom you observe");
    else if (a->st_room < 0)
        missing = T("Choose the room or group");
    else if (!a->st_activity[0])
        missing = T("Write or choose the activity");
    else if (!a->st_agreement)
        missing = T("Confirm the agreement");
    if (missing) {
        ui_fill(u, go, UI_LINE, ui_dp(u, 10));
        ui_label(u, go, PLAT_FONT_BOLD, UI_MUTED, missing, UI_CENTER);
    } else if (ui_button(u, ui_ids("start.go"), go, T("Start observation"), UI_STYLE_PRIMARY)) {
        do_start(a);
        if (a->screen != SCR_START)
            return;
    }

    if (ui_wants_text(u) && !u->video->has_keyboard(u->video)) {
        ui_osk_labels l = scr_osk_labels(a);
        ui_keyboard(u, ui_cut_bottom(&body, ui_keyboard_height(u)), &l);
    }
    ui_rect view = ui_inset(body, ui_dp(u, 16));
    ui_id lid = ui_ids("start.list");
    int top = ui_list_begin(u, lid, view), y = top;
    ui_rect col = view;
    col.w -= ui_dp(u, 12);

    section_title(a, col, &y, T("Learning focus"));
    for (int i = 0; i < a->nfocuses; i++) {
        int w = col.w - ui_dp(u, 32);
        int qh = ui_wrap(u, ui_r(0, 0, w, 0), PLAT_FONT_BODY, UI_TEXT, a->focuses[i].question, 0);
        ui_rect r = {col.x, y, col.w, qh + ui_dp(u, 28)};
        if (r.h < ui_dp(u, UI_TARGET_DP + 8))
            r.h = ui_dp(u, UI_TARGET_DP + 8);
        y += r.h + ui_dp(u, 10);
        int held = 0;
        if (ui_area(u, ui_idn("start.focus", i), r, &held))
            pick_focus(a, i);
        int sel = a->st_focus == i;
        ui_panel(u, r, sel ? UI_PRIMARY : held ? UI_SOFT : UI_SURFACE, sel ? UI_PRIMARY : UI_LINE,
                 ui_dp(u, 2), ui_dp(u, 12));
        ui_wrap(u, ui_r(r.x + ui_dp(u, 16), r.y + ui_dp(u, 14), w, qh), PLAT_FONT_BODY,
                sel ? UI_ON_PRIMARY : UI_TEXT, a->focuses[i].question, 1);
    }
    if (a->st_focus >= 0 && !a->st_have_tmpl)
        pick_focus(a, a->st_focus);
    y += ui_dp(u, 10);

    section_title(a, col, &y, T("Whom do you observe?"));
    const char *names[SCR_MAX_PEOPLE];
    int map[SCR_MAX_PEOPLE], n = 0, sel = -1;
    for (int i = 0; i < a->npeople; i++) {
        if (strcmp(a->people[i].id, a->user.id) == 0)
            continue;
        if (i == a->st_observee)
            sel = n;
        map[n] = i;
        names[n++] = a->people[i].name;
    }
    int hit = chips(a, col, &y, "start.person", names, n, sel);
    if (hit >= 0)
        a->st_observee = map[hit];

    section_title(a, col, &y, T("Room or group"));
    const char *rooms[SCR_MAX_ROOMS];
    for (int i = 0; i < a->nrooms; i++)
        rooms[i] = a->rooms[i].name;
    hit = chips(a, col, &y, "start.room", rooms, a->nrooms, a->st_room);
    if (hit >= 0)
        a->st_room = hit;

    section_title(a, col, &y, T("Activity"));
    ui_field(u, ui_ids("start.activity"), ui_r(col.x, y, col.w, ui_dp(u, 56)), a->st_activity,
             sizeof a->st_activity, T("What is going on?"), 0);
    y += ui_dp(u, 66);
    const char *acts[N_ACTIVITIES];
    int asel = -1;
    for (int i = 0; i < N_ACTIVITIES; i++) {
        acts[i] = T(activity_keys[i]);
        if (strcmp(acts[i], a->st_activity) == 0)
            asel = i;
    }
    hit = chips(a, col, &y, "start.act", acts, N_ACTIVITIES, asel);
    if (hit >= 0)
        snprintf(a->st_activity, sizeof a->st_activity, "%s", acts[hit]);

    if (a->st_have_tmpl && a->st_tmpl.n_context > 0) {
        section_title(a, col, &y, T("Context"));
        for (int k = 0; k < a->st_tmpl.n_context; k++) {
            const model_ctx_field *cf = &a->st_tmpl.context[k];
            if (cf->type != MODEL_CTX_INT)
                continue;
            ui_rect row = {col.x, y, col.w, ui_dp(u, 56)};
            y += ui_dp(u, 66);
            ui_rect plus = ui_cut_right(&row, ui_dp(u, 72));
            ui_rect val = ui_cut_right(&row, ui_dp(u, 72));
            ui_rect minus = ui_cut_right(&row, ui_dp(u, 72));
            ui_label(u, row, PLAT_FONT_BODY, UI_TEXT, cf->label, UI_LEFT);
            if (ui_button(u, ui_idn("start.ctx-", k), minus, "\xE2\x80\x93", UI_STYLE_PLAIN) &&
                a->st_ctx[k] > cf->min)
                a->st_ctx[k]--;
            ui_label(u, val, PLAT_FONT_TITLE, UI_TEXT, ui_fmt(u, "%d", a->st_ctx[k]), UI_CENTER);
            if (ui_button(u, ui_idn("start.ctx+", k), plus, "+", UI_STYLE_PLAIN) &&
                a->st_ctx[k] < cf->max)
                a->st_ctx[k]++;
        }
        y += ui_dp(u, 10);
    }

    section_title(a, col, &y, T("Agreement"));
    ui_toggle(u, ui_ids("start.agree"), ui_r(col.x, y, col.w, ui_dp(u, 72)),
              T("Agreement made with the observee"), &a->st_agreement);
    y += ui_dp(u, 88);
    ui_list_end(u, lid, y - top);
}
