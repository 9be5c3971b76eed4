/* The welcome screen: where a tablet with no unit starts. Two ways on,
 * with no command line: connect to your server (the enrolment form, then
 * a wait while the first sync brings the unit's people, rooms and
 * focuses, and then the sign-in with the unit's staff), or try the demo,
 * which the program opens in a store of its own so that it never mixes
 * with real data. The language can be chosen here, before anything else. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>

void scr_welcome_enter(scr_app *a)
{
    /* Enrolled but the unit not here yet (a restart during the first
     * sync): the wait goes on; else the two ways on. */
    a->welcome = db_enrolled(a->db) ? WELCOME_WAIT : WELCOME_CHOOSE;
    ui_list_scroll_to(a->ui, ui_ids("welcome.list"), 0);
}

/* The bar at the top: the name and the two languages. */
static ui_rect header(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    ui_rect bar = ui_cut_top(&screen, ui_dp(u, 64));
    ui_fill(u, bar, UI_SURFACE, 0);
    ui_fill(u, ui_r(bar.x, bar.y + bar.h - ui_dp(u, 1), bar.w, ui_dp(u, 1)), UI_LINE, 0);
    ui_rect in = ui_inset(bar, ui_dp(u, 8));
    char lang[3] = "da";
    db_ui_lang_get(a->db, lang);
    int da = strcmp(lang, "en") != 0;
    ui_rect en = ui_cut_right(&in, ui_dp(u, 120));
    ui_cut_right(&in, ui_dp(u, 8));
    ui_rect dk = ui_cut_right(&in, ui_dp(u, 120));
    if (ui_chip(u, ui_ids("welcome.da"), dk, "Dansk", da) && !da)
        scr_set_language(a, "da");
    if (ui_chip(u, ui_ids("welcome.en"), en, "English", !da) && da)
        scr_set_language(a, "en");
    ui_label(u, ui_inset(in, ui_dp(u, 4)), PLAT_FONT_TITLE, UI_PRIMARY, "Blik", UI_LEFT);
    return screen;
}

/* One way on: a panel with a title, what it means, and its button.
 * Returns 1 when the button is tapped. */
static int way(scr_app *a, ui_rect r, const char *id, const char *title, const char *text,
               const char *button, ui_style style)
{
    ui_ctx *u = a->ui;
    ui_panel(u, r, UI_SURFACE, UI_LINE, ui_dp(u, 1), ui_dp(u, 14));
    ui_rect in = ui_inset(r, ui_dp(u, 20));
    ui_rect b = ui_cut_bottom(&in, ui_dp(u, 60));
    ui_label(u, ui_cut_top(&in, ui_dp(u, 36)), PLAT_FONT_TITLE, UI_TEXT, title, UI_LEFT);
    ui_cut_top(&in, ui_dp(u, 8));
    ui_wrap(u, in, PLAT_FONT_BODY, UI_TEXT, text, 1);
    return ui_button(u, ui_ids(id), b, button, style);
}

static void choose(scr_app *a, ui_rect body)
{
    ui_ctx *u = a->ui;
    ui_rect in = ui_inset(body, ui_dp(u, 24));
    ui_label(u, ui_cut_top(&in, ui_dp(u, 48)), PLAT_FONT_HUGE, UI_TEXT, T("Welcome to Blik"),
             UI_LEFT);
    ui_cut_top(&in, ui_dp(u, 8));
    int h = ui_wrap(u, ui_r(in.x, in.y, in.w, 0), PLAT_FONT_BODY, UI_MUTED,
                    T("Blik keeps observations of practice on this tablet and syncs them with "
                      "your unit's server. This tablet does not belong to a unit yet."),
                    1);
    ui_cut_top(&in, h + ui_dp(u, 24));
    const char *connect_text = T(
        "You need the server's address and an enrolment code from your administrator. The "
        "tablet then fetches your unit's people, rooms and learning focuses.");
    const char *demo_text = T("A made-up daycare with its staff, to try every screen. Nothing in "
                              "it leaves the tablet, and it is kept apart from your real data.");
    /* Each way as tall as its words and button need, side by side in
     * landscape and one above the other in portrait. */
    int gap = ui_dp(u, 16);
    int portrait = scr_portrait(a);
    int cw = portrait ? in.w : (in.w - gap) / 2;
    int tw = cw - ui_dp(u, 40);
    int t1 = ui_wrap(u, ui_r(0, 0, tw, 0), PLAT_FONT_BODY, UI_TEXT, connect_text, 0);
    int t2 = ui_wrap(u, ui_r(0, 0, tw, 0), PLAT_FONT_BODY, UI_TEXT, demo_text, 0);
    int ch = (t1 > t2 ? t1 : t2) + ui_dp(u, 40 + 44 + 24 + 60);
    ui_rect c1 = ui_r(in.x, in.y, cw, ch);
    ui_rect c2 = portrait ? ui_r(in.x, in.y + ch + gap, cw, ch)
                          : ui_r(in.x + cw + gap, in.y, cw, ch);
    if (way(a, c1, "welcome.connect", T("Connect to your server"), connect_text,
            T("Connect to your server"), UI_STYLE_PRIMARY)) {
        a->welcome = WELCOME_FORM;
        a->enrol_done = SCR_ENROL_PENDING;
        ui_list_scroll_to(u, ui_ids("welcome.list"), 0);
    }
    if (way(a, c2, "welcome.demo", T("Try the demo"), demo_text, T("Try the demo"), UI_STYLE_PLAIN))
        a->ask = SCR_ASK_DEMO;
}

static void form(scr_app *a, ui_rect body)
{
    ui_ctx *u = a->ui;
    scr_enrol_poll(a); /* before the buttons, which depend on it */
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 88));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 12));
    if (!a->enrolling && (ui_button(u, ui_ids("welcome.back"), bb, T("Back"), UI_STYLE_PLAIN) ||
                          (u->key == PLAT_KEY_ESCAPE && !ui_wants_text(u)))) {
        u->focus = 0;
        a->welcome = WELCOME_CHOOSE;
        return;
    }
    if (ui_wants_text(u) && !u->video->has_keyboard(u->video)) {
        ui_osk_labels l = scr_osk_labels(a);
        ui_keyboard(u, ui_cut_bottom(&body, ui_keyboard_height(u)), &l);
    }
    ui_rect view = ui_inset(body, ui_dp(u, 16));
    int maxw = ui_dp(u, 760);
    if (view.w > maxw) {
        view.x += (view.w - maxw) / 2;
        view.w = maxw;
    }
    ui_id lid = ui_ids("welcome.list");
    int top = ui_list_begin(u, lid, view), y = top;
    ui_rect col = {view.x, 0, view.w - ui_dp(u, 12), 0};
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 40)), PLAT_FONT_TITLE, UI_TEXT,
             T("Connect to your server"), UI_LEFT);
    y += ui_dp(u, 44);
    y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_BODY, UI_MUTED,
                 T("Your administrator makes an enrolment code for your unit on the server; it "
                   "works once, for 60 minutes. Give the tablet a name you will know it by."),
                 1) +
         ui_dp(u, 16);
    y += scr_enrol_draw(a, col, y, lid, view.y + view.h);
    ui_list_end(u, lid, y - top);
    if (a->enrol_done == SCR_ENROL_OK) {
        u->focus = 0;
        a->welcome = WELCOME_WAIT;
    }
}

/* Enrolled: the first sync brings the unit. Until it is here the screen
 * says what it waits for, and why if a round failed; once the unit and its
 * people are on the tablet the sign-in takes over. */
static void wait_for_unit(scr_app *a, ui_rect body)
{
    ui_ctx *u = a->ui;
    if (a->have_unit && a->npeople > 0) {
        scr_go(a, SCR_SIGNIN);
        return;
    }
    ui_rect in = ui_inset(body, ui_dp(u, 24));
    int maxw = ui_dp(u, 760);
    if (in.w > maxw) {
        in.x += (in.w - maxw) / 2;
        in.w = maxw;
    }
    db_enrolment e;
    const char *server = db_enrolment_get(a->db, &e) == DB_OK ? e.server_url : "";
    ui_label(u, ui_cut_top(&in, ui_dp(u, 40)), PLAT_FONT_TITLE, UI_OK, T("The tablet is enrolled."),
             UI_LEFT);
    int y = in.y;
    y += ui_wrap(u, ui_r(in.x, y, in.w, 0), PLAT_FONT_BODY, UI_TEXT,
                 ui_fmt(u, T("Connected to %s"), server), 1) +
         ui_dp(u, 8);
    const scr_sync_state *st = &a->sync_state;
    const char *now;
    plat_color c = UI_MUTED;
    if (a->have_unit)
        now = T("The unit has no people yet. Ask the administrator to add them; they arrive with "
                "the next sync.");
    else if (st->running || st->rounds == 0)
        now = T("Fetching the unit: its people, rooms and learning focuses.");
    else if (st->problem != SCR_SYNC_FINE) {
        char words[160];
        scr_sync_chip_text(a->tr, &a->sc, st, words, sizeof words);
        now = ui_fmt(u, T("The unit could not be fetched: %s."), words);
        c = UI_DANGER;
    } else
        now = T("Fetching the unit: its people, rooms and learning focuses.");
    y += ui_wrap(u, ui_r(in.x, y, in.w, 0), PLAT_FONT_BODY, c, now, 1) + ui_dp(u, 16);
    ui_rect b = {in.x, y, in.w / 2 > ui_dp(u, 320) ? in.w / 2 : in.w, ui_dp(u, 60)};
    if (a->sync && a->sync->now && !st->running &&
        ui_button(u, ui_ids("welcome.sync"), b, T("Sync now"), UI_STYLE_PRIMARY))
        a->sync->now(a->sync->ctx);
}

void scr_welcome_frame(scr_app *a, ui_rect screen)
{
    if (a->have_unit && a->welcome != WELCOME_WAIT) {
        scr_go(a, SCR_SIGNIN);
        return;
    }
    ui_rect body = header(a, screen);
    switch (a->welcome) {
    case WELCOME_FORM: form(a, body); break;
    case WELCOME_WAIT: wait_for_unit(a, body); break;
    default: choose(a, body); break;
    }
}
