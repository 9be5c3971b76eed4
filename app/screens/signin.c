/* Sign in: pick your name from the unit's staff, then your PIN. */
#include "scr_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void filter(scr_app *a)
{
    a->s.signin.nshown = 0;
    if (!a->have_unit)
        return;
    if (!a->s.signin.search[0]) {
        for (int i = 0; i < a->npeople; i++)
            a->s.signin.shown[a->s.signin.nshown++] = i;
        return;
    }
    /* The store matches names the way people type them (æ, ø, å too). */
    model_person *found = a->s.signin.found;
    int n = 0;
    if (db_person_list(a->db, a->unit.id, a->s.signin.search, 0, SCR_MAX_PEOPLE, found, &n) !=
        DB_OK)
        return;
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < a->npeople; i++) {
            if (strcmp(a->people[i].id, found[k].id) == 0)
                a->s.signin.shown[a->s.signin.nshown++] = i;
        }
    }
}

void scr_signin_enter(scr_app *a)
{
    a->s.signin.search[0] = 0;
    a->s.signin.picked = -1;
    memset(a->s.signin.pin, 0, sizeof a->s.signin.pin);
    a->s.signin.pin_wrong = 0;
    filter(a);
    ui_list_scroll_to(a->ui, ui_ids("signin.tiles"), 0);
}

/* Two letters for the round badge on a tile. */
static const char *initials(scr_app *a, const char *name)
{
    char out[16];
    int n = 0;
    const char *p = name;
    int words = 0;
    while (*p && words < 2) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        int len = plat_utf8_next(p, strlen(p), NULL);
        if (len < 0)
            len = 1;
        memcpy(out + n, p, (size_t)len);
        n += len;
        words++;
        while (*p && *p != ' ')
            p++;
    }
    out[n] = 0;
    return ui_fmt(a->ui, "%s", out);
}

/* The store's keys for one person's wrong PINs and their wait. */
static void pin_keys(const model_person *p, char *fails, char *until, size_t cap)
{
    snprintf(fails, cap, "pin.fails.%s", p->id);
    snprintf(until, cap, "pin.until.%s", p->id);
}

/* Reads the picked person's wrong PINs and wait from the store. */
static void load_person_pin(scr_app *a)
{
    char kf[96], ku[96], v[32];
    a->s.signin.who_fails = 0;
    a->s.signin.who_until = 0;
    if (a->s.signin.picked < 0)
        return;
    pin_keys(&a->people[a->s.signin.picked], kf, ku, sizeof kf);
    if (db_kv_get(a->db, kf, v, sizeof v) == DB_OK)
        a->s.signin.who_fails = atoi(v);
    if (db_kv_get(a->db, ku, v, sizeof v) == DB_OK)
        a->s.signin.who_until = atoll(v);
}

/* Keeps the tablet's count and lock-out, and the picked person's count and
 * wait, in the store as one change, so that a restart changes nothing of
 * them. */
static void save_pin_state(scr_app *a, const model_person *p)
{
    char v[32], kf[96], ku[96];
    pin_keys(p, kf, ku, sizeof kf);
    int rc = db_batch_begin(a->db);
    if (rc == DB_OK) {
        snprintf(v, sizeof v, "%d", a->pin_fails);
        rc = db_kv_put(a->db, "pin.fails", v);
        if (rc == DB_OK)
            rc = db_kv_put(a->db, "pin.locked", a->pin_locked ? "1" : "0");
        snprintf(v, sizeof v, "%d", a->s.signin.who_fails);
        if (rc == DB_OK)
            rc = db_kv_put(a->db, kf, v);
        snprintf(v, sizeof v, "%lld", (long long)a->s.signin.who_until);
        if (rc == DB_OK)
            rc = db_kv_put(a->db, ku, v);
        int end = db_batch_end(a->db, rc == DB_OK);
        if (rc == DB_OK)
            rc = end;
    }
    scr_set_error(a, rc);
}

/* The wait after a person's n-th wrong PIN in a row: none for typos, then
 * 30 s, doubling with each further wrong PIN up to a cap. */
static int64_t pin_wait_ms(int fails)
{
    if (fails < SCR_PIN_TRIES)
        return 0;
    int64_t w = SCR_PIN_WAIT_MS;
    for (int i = SCR_PIN_TRIES; i < fails && w < SCR_PIN_WAIT_MAX_MS; i++)
        w *= 2;
    return w < SCR_PIN_WAIT_MAX_MS ? w : SCR_PIN_WAIT_MAX_MS;
}

/* Why the picked person may not try a PIN now: 1 locked out (only leaders
 * may: their PIN is what opens the tablet again), 2 waiting after their own
 * wrong PINs, 0 if they may. */
static int blocked(const scr_app *a)
{
    if (a->s.signin.picked < 0)
        return 1;
    if (a->pin_locked && a->people[a->s.signin.picked].role != MODEL_ROLE_LEADER)
        return 1;
    return a->sys->now_ms(a->sys) < a->s.signin.who_until ? 2 : 0;
}

static void try_pin(scr_app *a)
{
    if (blocked(a) || strlen(a->s.signin.pin) < MODEL_PIN_MIN)
        return;
    /* The person as the store has them now, not as the list was read: a
     * PIN changed or a person deactivated on the server counts from the
     * first try after the pull that brought it, without a restart. */
    model_person who;
    if (db_person_get(a->db, a->people[a->s.signin.picked].id, &who) != DB_OK || !who.active ||
        strcmp(who.unit_id, a->unit.id) != 0) {
        /* Gone from the unit since the list was read: not a wrong PIN. */
        memset(a->s.signin.pin, 0, sizeof a->s.signin.pin);
        scr_reload_unit(a);
        return;
    }
    int ok = who.pin_verifier[0] && model_pin_verify(who.pin_verifier, a->s.signin.pin);
    memset(a->s.signin.pin, 0, sizeof a->s.signin.pin);
    if (ok) {
        if (a->pin_fails || a->pin_locked || a->s.signin.who_fails || a->s.signin.who_until) {
            a->pin_fails = 0;
            a->pin_locked = 0;
            a->s.signin.who_fails = 0;
            a->s.signin.who_until = 0;
            save_pin_state(a, &who);
        }
        a->dialog = DLG_NONE;
        scr_sign_in(a, &who);
        return;
    }
    /* A few wrong guesses are typos; many are guessing. The person who
     * typed them waits (the wait says so instead); the tablet's count
     * across people bounds guessing by trying every name. */
    a->s.signin.who_fails++;
    int64_t wait = pin_wait_ms(a->s.signin.who_fails);
    a->s.signin.who_until = a->sys->now_ms(a->sys) + wait;
    a->s.signin.pin_wrong = wait == 0;
    a->pin_fails++;
    if (a->pin_fails >= SCR_PIN_LOCKOUT)
        a->pin_locked = 1;
    save_pin_state(a, &who);
}

/* A key of the PIN pad that cannot be pressed now: drawn flat and muted,
 * so that a keypad that does nothing does not look as if it would. */
static void dead_key(scr_app *a, ui_rect k, const char *label)
{
    ui_ctx *u = a->ui;
    ui_fill(u, k, UI_BG, ui_dp(u, 10));
    ui_label(u, k, PLAT_FONT_BOLD, UI_LINE, label, UI_CENTER);
}

static void pin_dialog(scr_app *a)
{
    ui_ctx *u = a->ui;
    int dismiss = 0;
    ui_rect in = ui_dialog(u, ui_ids("pin.dlg"), ui_dp(u, 400), ui_dp(u, 560), &dismiss);
    if (dismiss || a->s.signin.picked < 0) {
        a->dialog = DLG_NONE;
        memset(a->s.signin.pin, 0, sizeof a->s.signin.pin);
        a->s.signin.pin_wrong = 0;
        return;
    }
    const model_person *p = &a->people[a->s.signin.picked];
    ui_label(u, ui_cut_top(&in, ui_dp(u, 36)), PLAT_FONT_TITLE, UI_TEXT, p->name, UI_CENTER);
    int64_t now = a->sys->now_ms(a->sys);
    const char *msg = T("Enter your PIN");
    plat_color mc = UI_MUTED;
    int stop = blocked(a);
    if (stop == 1) {
        msg = T("Locked. A leader must sign in.");
        mc = UI_DANGER;
    } else if (stop == 2) {
        msg = ui_fmt(u, T("Too many tries. Wait %d s."),
                     (int)((a->s.signin.who_until - now + 999) / 1000));
        mc = UI_DANGER;
    } else if (a->s.signin.pin_wrong) {
        msg = T("Wrong PIN. Try again.");
        mc = UI_DANGER;
    }
    ui_label(u, ui_cut_top(&in, ui_dp(u, 28)), PLAT_FONT_BODY, mc, msg, UI_CENTER);
    ui_cut_top(&in, ui_dp(u, 6));
    ui_rect fr = ui_cut_top(&in, ui_dp(u, 56));
    if (stop) {
        /* Nothing typed now would count: no field takes it, by key or by
         * touch, until the wait is over. */
        memset(a->s.signin.pin, 0, sizeof a->s.signin.pin);
        ui_fill(u, fr, UI_BG, ui_dp(u, 10));
    } else {
        ui_focus(u, ui_ids("pin.field"));
        int r = ui_field(u, ui_ids("pin.field"), fr, a->s.signin.pin, sizeof a->s.signin.pin, "",
                         UI_FIELD_DIGITS | UI_FIELD_SECRET);
        if (r & UI_CHANGED)
            a->s.signin.pin_wrong = 0;
        if (r & UI_SUBMIT)
            try_pin(a);
    }
    ui_cut_top(&in, ui_dp(u, 10));
    ui_rect cancel = ui_cut_bottom(&in, ui_dp(u, 56));
    ui_cut_bottom(&in, ui_dp(u, 8));
    int kh = in.h / 4, kw = in.w / 3;
    static const char *keys[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", ""};
    for (int i = 0; i < 12; i++) {
        ui_rect k = ui_inset(ui_r(in.x + (i % 3) * kw, in.y + (i / 3) * kh, kw, kh), ui_dp(u, 4));
        const char *label = keys[i];
        if (i == 9)
            label = T("Erase");
        if (i == 11)
            label = T("OK");
        ui_style st = i == 11 ? UI_STYLE_PRIMARY : UI_STYLE_PLAIN;
        if (stop) {
            if (label[0])
                dead_key(a, k, label);
            continue;
        }
        if (ui_button(u, ui_idn("pin.key", i), k, label, st)) {
            size_t n = strlen(a->s.signin.pin);
            a->s.signin.pin_wrong = 0;
            if (i == 9) {
                if (n > 0)
                    a->s.signin.pin[n - 1] = 0;
            } else if (i == 11) {
                try_pin(a);
                if (a->dialog != DLG_PIN)
                    return;
            } else if (n < MODEL_PIN_MAX) {
                a->s.signin.pin[n] = keys[i][0];
                a->s.signin.pin[n + 1] = 0;
            }
        }
    }
    if (ui_button(u, ui_ids("pin.cancel"), cancel, T("Cancel"), UI_STYLE_QUIET)) {
        a->dialog = DLG_NONE;
        memset(a->s.signin.pin, 0, sizeof a->s.signin.pin);
        a->s.signin.pin_wrong = 0;
    }
}

void scr_signin_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    ui_block(u, a->dialog != DLG_NONE);
    ui_rect body = scr_topbar(a, screen, a->have_unit ? a->unit.name : "Blik");
    body = ui_inset(body, ui_dp(u, 16));
    if (!a->have_unit) {
        scr_go(a, SCR_WELCOME);
        return;
    }
    if (a->demo) {
        /* The demo says what it is, and the way out, on its first screen. */
        ui_rect bar = ui_cut_bottom(&body, ui_dp(u, 64));
        ui_rect leave = ui_cut_right(&bar, ui_dp(u, 220));
        /* the demo's PIN, DEMO_PIN in app/demo; wrapped, so that a narrow
         * screen still shows it whole */
        const char *says = ui_fmt(u, T("This is the demo: made-up people, every PIN is %s."),
                                  "1234");
        int th = ui_wrap(u, ui_r(bar.x, 0, bar.w, 0), PLAT_FONT_BODY, UI_MUTED, says, 0);
        ui_wrap(u, ui_r(bar.x, bar.y + (bar.h - th) / 2, bar.w, th), PLAT_FONT_BODY, UI_MUTED, says,
                1);
        if (ui_button(u, ui_ids("signin.leave"), leave, T("Leave the demo"), UI_STYLE_QUIET))
            a->ask = SCR_ASK_LEAVE_DEMO;
        ui_cut_bottom(&body, ui_dp(u, 8));
    }
    ui_label(u, ui_cut_top(&body, ui_dp(u, 40)), PLAT_FONT_TITLE, UI_TEXT, T("Who are you?"),
             UI_LEFT);
    ui_cut_top(&body, ui_dp(u, 8));
    ui_rect sr = ui_cut_top(&body, ui_dp(u, 56));
    int r = ui_field(u, ui_ids("signin.search"), sr, a->s.signin.search, sizeof a->s.signin.search,
                     T("Search for your name"), 0);
    if (r & UI_CHANGED) {
        filter(a);
        ui_list_scroll_to(u, ui_ids("signin.tiles"), 0);
    }
    ui_cut_top(&body, ui_dp(u, 12));
    if (ui_wants_text(u) && !u->video->has_keyboard(u->video) && a->dialog == DLG_NONE) {
        ui_osk_labels l = scr_osk_labels(a);
        ui_keyboard(u, ui_cut_bottom(&body, ui_keyboard_height(u)), &l);
        ui_cut_bottom(&body, ui_dp(u, 8));
    }
    /* Staff tiles: big, in as many columns as fit. */
    int tw = ui_dp(u, 180), th = ui_dp(u, 132), gap = ui_dp(u, 12);
    int cols = (body.w + gap) / (tw + gap);
    if (cols < 1)
        cols = 1;
    tw = (body.w - gap * (cols - 1)) / cols;
    ui_id lid = ui_ids("signin.tiles");
    int top = ui_list_begin(u, lid, body);
    for (int k = 0; k < a->s.signin.nshown; k++) {
        int i = a->s.signin.shown[k];
        ui_rect t = {body.x + (k % cols) * (tw + gap), top + (k / cols) * (th + gap), tw, th};
        if (t.y > body.y + body.h || t.y + t.h < body.y)
            continue;
        int held = 0;
        if (ui_area(u, ui_idn("signin.tile", i), t, &held)) {
            a->s.signin.picked = i;
            a->s.signin.pin_wrong = 0;
            memset(a->s.signin.pin, 0, sizeof a->s.signin.pin);
            load_person_pin(a);
            a->dialog = DLG_PIN;
        }
        ui_panel(u, t, held ? UI_SOFT : UI_SURFACE, UI_LINE, ui_dp(u, 1), ui_dp(u, 14));
        int d = ui_dp(u, 56);
        ui_rect badge = {t.x + (t.w - d) / 2, t.y + ui_dp(u, 14), d, d};
        ui_fill(u, badge, a->people[i].role == MODEL_ROLE_LEADER ? UI_ACCENT : UI_PRIMARY, d / 2);
        ui_label(u, badge, PLAT_FONT_BOLD, UI_ON_PRIMARY, initials(a, a->people[i].name),
                 UI_CENTER);
        ui_label(
            u, ui_r(t.x + ui_dp(u, 8), badge.y + d + ui_dp(u, 8), t.w - ui_dp(u, 16), ui_dp(u, 32)),
            PLAT_FONT_BODY, UI_TEXT, a->people[i].name, UI_CENTER);
    }
    int rows = (a->s.signin.nshown + cols - 1) / cols;
    ui_list_end(u, lid, rows > 0 ? rows * (th + gap) - gap : 0);
    if (a->s.signin.nshown == 0)
        ui_label(u, ui_cut_top(&body, ui_dp(u, 48)), PLAT_FONT_BODY, UI_MUTED,
                 T("Nobody by that name."), UI_LEFT);
    if (a->dialog == DLG_PIN) {
        ui_block(u, 0);
        pin_dialog(a);
    }
}
