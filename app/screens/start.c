/* Start an observation: focus, observee, room, activity, context, and the
 * confirmation that the observee agreed to the visit. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>

static const char *const activity_keys[] = {N_("Circle time"),  N_("Play"),       N_("Meal"),
                                            N_("Outdoor play"), N_("Transition"), N_("Lesson")};
#define N_ACTIVITIES (int)(sizeof activity_keys / sizeof activity_keys[0])

/* The words of one of the chips are stored in Danish, the language a
 * unit's data is kept in, whichever language the person reads, so that a
 * unit's observations read the same for everyone; what was typed is kept
 * as typed. The chip's words in another language are the catalogue's. */
const char *scr_activity_stored(scr_app *a, const char *shown)
{
    for (int i = 0; a->tr_da && i < N_ACTIVITIES; i++)
        if (!strcmp(shown, T(activity_keys[i])))
            return i18n_tr(a->tr_da, activity_keys[i]);
    return shown;
}

const char *scr_activity_shown(scr_app *a, const char *stored)
{
    for (int i = 0; a->tr_da && i < N_ACTIVITIES; i++)
        if (!strcmp(stored, i18n_tr(a->tr_da, activity_keys[i])))
            return T(activity_keys[i]);
    return stored;
}

void scr_template_words(scr_app *a, model_template *t)
{
    model_template_localize(t, i18n_language(a->tr));
}

void scr_start_enter(scr_app *a)
{
    a->s.start.focus = a->s.start.observee = a->s.start.room = -1;
    a->s.start.activity[0] = 0;
    a->s.start.agreement = 0;
    a->s.start.have_tmpl = 0;
    a->s.start.pair = SCR_PAIR_ALONE;
    a->s.start.pair_typed[0] = 0;
    a->s.start.have_plan = 0;
    a->s.start.team = 0;
    memset(a->s.start.ctx, 0, sizeof a->s.start.ctx);
    memset(a->s.start.ctx_text, 0, sizeof a->s.start.ctx_text);
    a->s.nrooms = 0;
    if (a->have_unit) {
        int rc = db_room_list(a->db, a->unit.id, 0, SCR_MAX_ROOMS, a->s.rooms, &a->s.nrooms);
        if (rc != DB_OK) {
            a->s.nrooms = 0;
            scr_set_error(a, rc);
        }
    }
    if (a->s.home.nfocuses == 0)
        scr_home_enter(a);
    /* One focus: it is the choice. */
    if (a->s.home.nfocuses == 1)
        a->s.start.focus = 0;
    ui_list_scroll_to(a->ui, ui_ids("start.list"), 0);
}

void scr_start_from_plan(scr_app *a, const db_plan_row *r)
{
    scr_go(a, SCR_START);
    if (a->screen != SCR_START)
        return;
    const model_plan *p = &r->plan;
    a->s.start.plan = *r;
    a->s.start.have_plan = 1;
    for (int i = 0; i < a->s.home.nfocuses; i++)
        if (!strcmp(a->s.home.focuses[i].id, p->focus_id))
            a->s.start.focus = i;
    for (int i = 0; p->observee_id[0] && i < a->npeople; i++)
        if (!strcmp(a->people[i].id, p->observee_id))
            a->s.start.observee = i;
    for (int i = 0; p->room_id[0] && i < a->s.nrooms; i++)
        if (!strcmp(a->s.rooms[i].id, p->room_id))
            a->s.start.room = i;
    /* A team plan is about the team: nobody to pick. */
    a->s.start.team = !p->observee_id[0];
    /* Agreed in advance: the observee said yes to this visit, or the team
     * agreed to its plan (which needs no one person's agreement). A plan
     * still waiting leaves the confirmation to the observer, as
     * unplanned. */
    a->s.start.agreement = db_plan_agreed(r) || a->s.start.team ? 1 : 0;
    /* Entering the screen saved the place before the plan was known. */
    scr_save_place(a);
}

/* The plan a new observation is linked to holds while its focus and, for a
 * plan about a person, its observee are the plan's; choosing another drops
 * the link (the observation is then not planned). */
static void keep_plan_if_fits(scr_app *a)
{
    if (!a->s.start.have_plan)
        return;
    const model_plan *p = &a->s.start.plan.plan;
    int focus_ok = a->s.start.focus >= 0 &&
                   !strcmp(a->s.home.focuses[a->s.start.focus].id, p->focus_id);
    int who_ok = !p->observee_id[0] || (a->s.start.observee >= 0 &&
                                        !strcmp(a->people[a->s.start.observee].id, p->observee_id));
    if (!focus_ok || !who_ok) {
        a->s.start.have_plan = 0;
        /* Without its plan the team is nobody to observe: pick someone. */
        if (a->s.start.team) {
            a->s.start.team = 0;
            a->s.start.agreement = 0;
        }
    }
}

/* The plan's card at the top of the form: when, who, and the terms, read
 * before the observation starts. Returns the height. */
static int plan_card(scr_app *a, ui_rect col, int y)
{
    ui_ctx *u = a->ui;
    const model_plan *p = &a->s.start.plan.plan;
    int y0 = y;
    const char *who = p->observee_id[0] ? scr_person_name(a, p->observee_id)
                                        : ui_fmt(u, T("the team: %s"), p->team);
    const char *head = ui_fmt(u, T("Planned: %s, %s"), scr_plan_when(a, p), who);
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 40)), PLAT_FONT_BOLD, UI_MUTED, head, UI_LEFT);
    y += ui_dp(u, 44);
    int h = scr_plan_terms(a, p, col, y, 0);
    ui_panel(u, ui_r(col.x, y, col.w, h), UI_SURFACE, UI_OK, ui_dp(u, 2), ui_dp(u, 12));
    scr_plan_terms(a, p, col, y, 1);
    y += h + ui_dp(u, 20);
    return y - y0;
}

static void pick_focus(scr_app *a, int i)
{
    a->s.start.focus = i;
    a->s.start.have_tmpl = 0;
    if (db_template_get(a->db, a->s.home.focuses[i].template_id, 0, &a->s.start.tmpl) == DB_OK) {
        scr_template_words(a, &a->s.start.tmpl);
        a->s.start.have_tmpl = 1;
        for (int k = 0; k < a->s.start.tmpl.n_context; k++) {
            const model_ctx_field *cf = &a->s.start.tmpl.context[k];
            a->s.start.ctx[k] = cf->type == MODEL_CTX_INT ? cf->min : -1;
            a->s.start.ctx_text[k][0] = 0;
        }
    }
}

/* Appends s to the JSON text out (of cap bytes, n used) as a JSON string
 * (model_json_string); returns the new length, or cap if it does not fit
 * with a byte to spare. */
static size_t json_str(char *out, size_t cap, size_t n, const char *s)
{
    if (n >= cap)
        return cap;
    size_t k = model_json_string(out + n, cap - n, s);
    return n + k + 1 >= cap ? cap : n + k;
}

/* The context as the template's fields ask for it, as one JSON object:
 * numbers always, texts and choices only when given. 0, or -1 if it does
 * not fit (it always does within the model's caps). */
static int context_json(const scr_app *a, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "{");
    int first = 1;
    for (int k = 0; a->s.start.have_tmpl && k < a->s.start.tmpl.n_context; k++) {
        const model_ctx_field *cf = &a->s.start.tmpl.context[k];
        const char *text = NULL;
        if (cf->type == MODEL_CTX_TEXT && a->s.start.ctx_text[k][0])
            text = a->s.start.ctx_text[k];
        else if (cf->type == MODEL_CTX_CHOICE && a->s.start.ctx[k] >= 0)
            text = cf->options[a->s.start.ctx[k]];
        else if (cf->type != MODEL_CTX_INT)
            continue;
        if (!first && n + 1 < cap)
            out[n++] = ',';
        first = 0;
        n = json_str(out, cap, n, cf->key);
        if (n + 1 >= cap)
            return -1;
        out[n++] = ':';
        out[n] = 0;
        if (text)
            n = json_str(out, cap, n, text);
        else
            n += (size_t)snprintf(out + n, cap - n, "%d", a->s.start.ctx[k]);
        if (n + 2 >= cap)
            return -1;
    }
    out[n++] = '}';
    out[n] = 0;
    return 0;
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

/* Observing together with a colleague, so that the office can show how far
 * the two see the same: the first tablet makes a code when the observation
 * starts and shows it; the colleague chooses "I have a code" and types it. */
static void pair_section(scr_app *a, ui_rect col, int *y)
{
    ui_ctx *u = a->ui;
    section_title(a, col, y, T("Together with a colleague?"));
    const char *ways[] = {T("No, alone"), T("Yes, I show a code"), T("Yes, I have a code")};
    int hit = chips(a, col, y, "start.pair", ways, 3, a->s.start.pair);
    if (hit >= 0)
        a->s.start.pair = hit;
    if (a->s.start.pair == SCR_PAIR_SHOW) {
        const char *how = T("When you start, a pair code is shown. Your colleague types it when "
                            "starting on their tablet, so that your two observations can be "
                            "compared.");
        int h = ui_wrap(u, ui_r(0, 0, col.w, 0), PLAT_FONT_BODY, UI_MUTED, how, 0);
        ui_wrap(u, ui_r(col.x, *y, col.w, h), PLAT_FONT_BODY, UI_MUTED, how, 1);
        *y += h + ui_dp(u, 20);
    } else if (a->s.start.pair == SCR_PAIR_JOIN) {
        int r = ui_field(u, ui_ids("start.paircode"), ui_r(col.x, *y, col.w, ui_dp(u, 56)),
                         a->s.start.pair_typed, sizeof a->s.start.pair_typed,
                         T("Pair code from your colleague"), 0);
        if (r & UI_SUBMIT)
            u->focus = 0;
        *y += ui_dp(u, 76);
    }
}

static void do_start(scr_app *a)
{
    char ctx[MODEL_CONTEXT_JSON_MAX];
    if (context_json(a, ctx, sizeof ctx) != 0)
        snprintf(ctx, sizeof ctx, "{}");
    db_obs_new o = {0};
    o.unit_id = a->unit.id;
    o.focus_id = a->s.home.focuses[a->s.start.focus].id;
    o.observer_id = a->s.user.id;
    if (a->s.start.team) {
        o.team = a->s.start.plan.plan.team; /* and no colleague */
    } else {
        o.observee_id = a->people[a->s.start.observee].id;
    }
    o.room_id = a->s.rooms[a->s.start.room].id;
    o.activity = scr_activity_stored(a, a->s.start.activity);
    o.context_json = ctx;
    o.agreement = a->s.start.agreement;
    char code[MODEL_PAIR_CODE_LEN + 1] = "";
    if (a->s.start.pair == SCR_PAIR_SHOW && model_pair_code_new(a->sys, code) != 0) {
        snprintf(a->s.err, sizeof a->s.err, "%s",
                 T("The tablet gave no random numbers for a pair code; try again."));
        return;
    }
    if (a->s.start.pair == SCR_PAIR_JOIN &&
        model_pair_code_read(a->s.start.pair_typed, code, NULL, 0) != 0)
        return; /* the button says what is wrong and is not offered */
    o.pair_code = code;
    o.plan_id = a->s.start.have_plan ? a->s.start.plan.plan.id : NULL;
    model_id id;
    int rc = db_obs_start(a->db, &o, id);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    a->s.observe.skipped = 0;
    a->s.observe.note[0] = 0;
    a->s.observe.note_sign = -1;
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
        (u->key == PLAT_KEY_ESCAPE && !ui_wants_text(u))) {
        scr_go(a, SCR_HOME);
        return;
    }
    const char *missing = NULL;
    char code[MODEL_PAIR_CODE_LEN + 1];
    if (a->s.start.focus < 0)
        missing = T("Choose a learning focus");
    else if (a->s.start.observee < 0 && !a->s.start.team)
        missing = T("Choose whom you observe");
    else if (a->s.start.room < 0)
        missing = T("Choose the room or group");
    else if (!a->s.start.activity[0])
        missing = T("Write or choose the activity");
    else if (a->s.start.pair == SCR_PAIR_JOIN && !a->s.start.pair_typed[0])
        missing = T("Type the pair code");
    else if (a->s.start.pair == SCR_PAIR_JOIN &&
             model_pair_code_read(a->s.start.pair_typed, code, NULL, 0) != 0)
        missing = T("Check the pair code: 6 letters and digits");
    else if (!a->s.start.agreement)
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

    if (a->s.start.have_plan)
        y += plan_card(a, col, y);
    section_title(a, col, &y, T("Learning focus"));
    for (int i = 0; i < a->s.home.nfocuses; i++) {
        int w = col.w - ui_dp(u, 32);
        int qh = ui_wrap(u, ui_r(0, 0, w, 0), PLAT_FONT_BODY, UI_TEXT,
                         a->s.home.focuses[i].question, 0);
        ui_rect r = {col.x, y, col.w, qh + ui_dp(u, 28)};
        if (r.h < ui_dp(u, UI_TARGET_DP + 8))
            r.h = ui_dp(u, UI_TARGET_DP + 8);
        y += r.h + ui_dp(u, 10);
        int held = 0;
        if (ui_area(u, ui_idn("start.focus", i), r, &held)) {
            pick_focus(a, i);
            keep_plan_if_fits(a);
        }
        int sel = a->s.start.focus == i;
        ui_panel(u, r,
                 sel    ? UI_PRIMARY
                 : held ? UI_SOFT
                        : UI_SURFACE,
                 sel ? UI_PRIMARY : UI_LINE, ui_dp(u, 2), ui_dp(u, 12));
        ui_wrap(u, ui_r(r.x + ui_dp(u, 16), r.y + ui_dp(u, 14), w, qh), PLAT_FONT_BODY,
                sel ? UI_ON_PRIMARY : UI_TEXT, a->s.home.focuses[i].question, 1);
    }
    if (a->s.start.focus >= 0 && !a->s.start.have_tmpl)
        pick_focus(a, a->s.start.focus);
    y += ui_dp(u, 10);

    section_title(a, col, &y, T("Whom do you observe?"));
    const char *names[SCR_MAX_PEOPLE + 1];
    int map[SCR_MAX_PEOPLE + 1], n = 0, sel = -1;
    /* A team plan offers its team first (chosen from the plan); -1 in the
     * map stands for it. */
    if (a->s.start.have_plan && !a->s.start.plan.plan.observee_id[0]) {
        if (a->s.start.team)
            sel = n;
        map[n] = -1;
        names[n++] = ui_fmt(u, T("the team %s"), a->s.start.plan.plan.team);
    }
    for (int i = 0; i < a->npeople; i++) {
        if (strcmp(a->people[i].id, a->s.user.id) == 0)
            continue;
        if (i == a->s.start.observee)
            sel = n;
        map[n] = i;
        names[n++] = a->people[i].name;
    }
    int hit = chips(a, col, &y, "start.person", names, n, sel);
    if (hit >= 0 && map[hit] < 0) {
        a->s.start.team = 1;
        a->s.start.observee = -1;
        a->s.start.agreement = 1;
    } else if (hit >= 0) {
        /* A colleague of a team plan agreed to nothing yet. */
        if (a->s.start.team)
            a->s.start.agreement = 0;
        a->s.start.team = 0;
        a->s.start.observee = map[hit];
        keep_plan_if_fits(a);
    }

    section_title(a, col, &y, T("Room or group"));
    const char *rooms[SCR_MAX_ROOMS];
    for (int i = 0; i < a->s.nrooms; i++)
        rooms[i] = a->s.rooms[i].name;
    hit = chips(a, col, &y, "start.room", rooms, a->s.nrooms, a->s.start.room);
    if (hit >= 0)
        a->s.start.room = hit;

    section_title(a, col, &y, T("Activity"));
    ui_field(u, ui_ids("start.activity"), ui_r(col.x, y, col.w, ui_dp(u, 56)), a->s.start.activity,
             sizeof a->s.start.activity, T("What is going on?"), 0);
    y += ui_dp(u, 66);
    const char *acts[N_ACTIVITIES];
    int asel = -1;
    for (int i = 0; i < N_ACTIVITIES; i++) {
        acts[i] = T(activity_keys[i]);
        if (strcmp(acts[i], a->s.start.activity) == 0)
            asel = i;
    }
    hit = chips(a, col, &y, "start.act", acts, N_ACTIVITIES, asel);
    if (hit >= 0)
        snprintf(a->s.start.activity, sizeof a->s.start.activity, "%s", acts[hit]);

    if (a->s.start.have_tmpl && a->s.start.tmpl.n_context > 0) {
        section_title(a, col, &y, T("Context"));
        for (int k = 0; k < a->s.start.tmpl.n_context; k++) {
            const model_ctx_field *cf = &a->s.start.tmpl.context[k];
            if (cf->type == MODEL_CTX_TEXT) {
                /* A short text, with its label above it. */
                ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 32)), PLAT_FONT_BODY, UI_TEXT, cf->label,
                         UI_LEFT);
                y += ui_dp(u, 34);
                int r = ui_field(u, ui_idn("start.ctxt", k), ui_r(col.x, y, col.w, ui_dp(u, 56)),
                                 a->s.start.ctx_text[k], sizeof a->s.start.ctx_text[k], "", 0);
                if (r & UI_SUBMIT)
                    u->focus = 0;
                y += ui_dp(u, 66);
                continue;
            }
            if (cf->type == MODEL_CTX_CHOICE) {
                /* One of the template's words, as chips under the label;
                 * tapping the chosen one again takes the choice back. */
                ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 32)), PLAT_FONT_BODY, UI_TEXT, cf->label,
                         UI_LEFT);
                y += ui_dp(u, 34);
                const char *opts[MODEL_MAX_CTX_OPTIONS];
                for (int o = 0; o < cf->n_options; o++)
                    opts[o] = cf->options[o];
                char idname[24];
                snprintf(idname, sizeof idname, "start.ctxc%d", k);
                int pick = chips(a, col, &y, idname, opts, cf->n_options, a->s.start.ctx[k]);
                if (pick >= 0)
                    a->s.start.ctx[k] = pick == a->s.start.ctx[k] ? -1 : pick;
                continue;
            }
            ui_rect row = {col.x, y, col.w, ui_dp(u, 56)};
            y += ui_dp(u, 66);
            ui_rect plus = ui_cut_right(&row, ui_dp(u, 72));
            ui_rect val = ui_cut_right(&row, ui_dp(u, 72));
            ui_rect minus = ui_cut_right(&row, ui_dp(u, 72));
            ui_label(u, row, PLAT_FONT_BODY, UI_TEXT, cf->label, UI_LEFT);
            if (ui_button(u, ui_idn("start.ctx-", k), minus, "\xE2\x80\x93", UI_STYLE_PLAIN) &&
                a->s.start.ctx[k] > cf->min)
                a->s.start.ctx[k]--;
            ui_label(u, val, PLAT_FONT_TITLE, UI_TEXT, ui_fmt(u, "%d", a->s.start.ctx[k]),
                     UI_CENTER);
            if (ui_button(u, ui_idn("start.ctx+", k), plus, "+", UI_STYLE_PLAIN) &&
                a->s.start.ctx[k] < cf->max)
                a->s.start.ctx[k]++;
        }
        y += ui_dp(u, 10);
    }

    pair_section(a, col, &y);

    section_title(a, col, &y, T("Agreement"));
    ui_toggle(u, ui_ids("start.agree"), ui_r(col.x, y, col.w, ui_dp(u, 72)),
              T("Agreement made with the observee"), &a->s.start.agreement);
    y += ui_dp(u, 88);
    ui_list_end(u, lid, y - top);
}
