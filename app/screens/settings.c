/* Settings, for leaders: the server this tablet syncs with and its
 * enrolment (the form in enrol.c, shared with the welcome screen), the
 * language,
 * the lock time, the storage used with the retention period, and "sync
 * now". Every choice is saved at once. The screens never talk to the
 * network: "sync now" and the sync state go through the scr_sync hooks the
 * program gives, and without them the button says why it cannot work. */
#include "scr_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sync.h"

static const int lock_choices[] = {2, 5, 10, 15, 30};
#define N_LOCKS (int)(sizeof lock_choices / sizeof lock_choices[0])

static int enrolled(const scr_app *a)
{
    return a->sync && a->sync->enrolled && a->sync->enrolled(a->sync->ctx);
}

/* The enrolled unit's name, once its record is on the tablet. */
static void unit_name(scr_app *a)
{
    a->set_unit[0] = 0;
    db_enrolment e;
    model_unit un;
    if (db_enrolment_get(a->db, &e) == DB_OK && db_unit_get(a->db, e.unit_id, &un) == DB_OK)
        snprintf(a->set_unit, sizeof a->set_unit, "%s", un.name);
}

void scr_settings_enter(scr_app *a)
{
    a->set_server[0] = 0;
    /* An enrolled tablet's server is the enrolment's; before that, the
     * address a leader noted down for the enrolment to come. */
    db_enrolment e;
    size_t n = db_enrolment_get(a->db, &e) == DB_OK ? strlen(e.server_url) : 0;
    if (n > 0 && n < sizeof a->set_server)
        memcpy(a->set_server, e.server_url, n + 1);
    else
        db_server_note_get(a->db, a->set_server, sizeof a->set_server);
    unit_name(a);
    int rc = db_storage_used(a->db, &a->storage);
    if (rc != DB_OK)
        scr_set_error(a, rc);
    scr_refresh_outbox(a);
    ui_list_scroll_to(a->ui, ui_ids("set.list"), 0);
}

/* The language of the screens, kept for the next start too; it shows at
 * once when both catalogues are here. */
void scr_set_language(scr_app *a, const char *lang)
{
    scr_set_error(a, db_ui_lang_put(a->db, lang));
    const i18n *tr = !strcmp(lang, "da") ? a->tr_da : a->tr_en;
    if (tr)
        a->tr = tr;
}

static const char *size_text(scr_app *a, int64_t bytes)
{
    if (bytes >= 1024 * 1024)
        return ui_fmt(a->ui, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
    return ui_fmt(a->ui, "%lld kB", (long long)(bytes / 1024));
}

void scr_settings_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    if (a->s.user.role != MODEL_ROLE_LEADER) {
        scr_go(a, SCR_HOME);
        return;
    }
    scr_enrol_poll(a);
    /* The unit's name arrives with the first pull after the enrolment. */
    if (enrolled(a) && !a->set_unit[0] && a->sync_state.rounds != a->set_rounds) {
        a->set_rounds = a->sync_state.rounds;
        unit_name(a);
    }
    ui_rect body = scr_topbar(a, screen, T("Settings"));
    if (a->screen != SCR_SETTINGS)
        return;
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 88));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 12));
    if (ui_button(u, ui_ids("set.home"), bb, T("Home"), UI_STYLE_PRIMARY) ||
        (u->key == PLAT_KEY_ESCAPE && !ui_wants_text(u))) {
        scr_go(a, SCR_HOME);
        return;
    }
    if (ui_wants_text(u) && !u->video->has_keyboard(u->video)) {
        ui_osk_labels l = scr_osk_labels(a);
        ui_keyboard(u, ui_cut_bottom(&body, ui_keyboard_height(u)), &l);
    }
    ui_rect view = ui_inset(body, ui_dp(u, 16));
    ui_id lid = ui_ids("set.list");
    int top = ui_list_begin(u, lid, view), y = top;
    ui_rect col = {view.x, 0, view.w - ui_dp(u, 12), 0};
    int on = enrolled(a);

    /* Server and sync. A revoked tablet says so, what happens to its
     * waiting work, and offers the form again; a leader is signed in here,
     * so a leader's PIN came first. */
    scr_heading(a, col, &y, T("Server"));
    int revoked = on && (a->sync_state.problem == SCR_SYNC_REVOKED ||
                         a->sync_state.problem == SCR_SYNC_UNAUTHORIZED);
    if (revoked && a->enrol_done != SCR_ENROL_OK) {
        y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_BODY, UI_DANGER,
                     a->sync_state.problem == SCR_SYNC_REVOKED
                         ? T("An administrator revoked this tablet, so the server accepts nothing "
                             "from it. Enrol it again with a new code.")
                         : T("The server no longer knows this tablet. Enrol it again with a new "
                             "code."),
                     1) +
             ui_dp(u, 8);
        y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_TEXT,
                     T("Work not sent yet stays on this tablet. Enrolled again to the same unit, "
                       "it is sent; enrolled to another unit, it is kept and shown as refused, "
                       "with the reason."),
                     1) +
             ui_dp(u, 12);
        y += scr_enrol_draw(a, col, y, lid, view.y + view.h);
    } else if (on) {
        ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 40)), PLAT_FONT_BODY, UI_TEXT,
                 ui_fmt(u, T("Connected to %s"), a->set_server), UI_LEFT);
        y += ui_dp(u, 44);
        ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 36)), PLAT_FONT_BODY, UI_TEXT,
                 a->set_unit[0] ? ui_fmt(u, T("Unit: %s"), a->set_unit)
                                : T("The unit's data arrives with the first sync."),
                 UI_LEFT);
        y += ui_dp(u, 44);
        if (a->enrol_done == SCR_ENROL_OK) {
            ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 32)), PLAT_FONT_BODY, UI_OK,
                     T("The tablet is enrolled."), UI_LEFT);
            y += ui_dp(u, 40);
        }
    } else {
        y += scr_enrol_draw(a, col, y, lid, view.y + view.h);
    }
    db_sync_counts sc = a->sc;
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 32)), PLAT_FONT_BODY, UI_TEXT,
             ui_fmt(u,
                    NT("%lld change waiting to be sent, %lld to review, %lld refused",
                       "%lld changes waiting to be sent, %lld to review, %lld refused", sc.waiting),
                    (long long)sc.waiting, (long long)sc.conflicts, (long long)sc.rejected),
             UI_LEFT);
    y += ui_dp(u, 40);
    ui_rect now = {col.x, y, col.w / 2 > ui_dp(u, 320) ? col.w / 2 : col.w, ui_dp(u, 60)};
    y += ui_dp(u, 68);
    if (on) {
        if (ui_button(u, ui_ids("set.syncnow"), now, T("Sync now"), UI_STYLE_PRIMARY))
            a->sync->now(a->sync->ctx);
        char line[320] = "";
        if (a->sync->status)
            a->sync->status(a->sync->ctx, line, sizeof line);
        if (line[0]) {
            y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_MUTED, line, 1) +
                 ui_dp(u, 8);
        }
    } else {
        ui_fill(u, now, UI_LINE, ui_dp(u, 10));
        ui_label(u, now, PLAT_FONT_BOLD, UI_MUTED, T("Sync now: not connected to a server"),
                 UI_CENTER);
    }
    y += ui_dp(u, 12);

    /* Language: the change shows at once when both catalogues are here. */
    scr_heading(a, col, &y, T("Language"));
    char lang[3] = "da";
    db_ui_lang_get(a->db, lang);
    int da = strcmp(lang, "en") != 0;
    int cw = ui_dp(u, 180);
    if (ui_chip(u, ui_ids("set.da"), ui_r(col.x, y, cw, ui_dp(u, 52)), "Dansk", da) && !da)
        scr_set_language(a, "da");
    if (ui_chip(u, ui_ids("set.en"), ui_r(col.x + cw + ui_dp(u, 10), y, cw, ui_dp(u, 52)),
                "English", !da) &&
        da)
        scr_set_language(a, "en");
    y += ui_dp(u, 60);
    if (!a->tr_da || !a->tr_en) {
        ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 28)), PLAT_FONT_SMALL, UI_MUTED,
                 T("The language changes at the next start."), UI_LEFT);
        y += ui_dp(u, 32);
    }
    y += ui_dp(u, 12);

    /* Lock time. */
    scr_heading(a, col, &y, T("Lock after"));
    int x = col.x;
    for (int i = 0; i < N_LOCKS; i++) {
        int sel = a->lock_ms == lock_choices[i] * 60000;
        if (ui_chip(u, ui_idn("set.lock", i), ui_r(x, y, ui_dp(u, 120), ui_dp(u, 52)),
                    ui_fmt(u, T("%d min"), lock_choices[i]), sel) &&
            !sel) {
            int rc = db_ui_lock_minutes_put(a->db, lock_choices[i]);
            scr_set_error(a, rc);
            if (rc == DB_OK)
                a->lock_ms = lock_choices[i] * 60000;
        }
        x += ui_dp(u, 130);
        if (x + ui_dp(u, 120) > col.x + col.w && i + 1 < N_LOCKS) {
            x = col.x;
            y += ui_dp(u, 60);
        }
    }
    y += ui_dp(u, 72);

    /* Storage and retention. */
    scr_heading(a, col, &y, T("Storage on this tablet"));
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 32)), PLAT_FONT_BODY, UI_TEXT,
             ui_fmt(u,
                    NT("%s used  \xC2\xB7  %lld observation",
                       "%s used  \xC2\xB7  %lld observations", a->storage.observations),
                    size_text(a, a->storage.bytes), (long long)a->storage.observations),
             UI_LEFT);
    y += ui_dp(u, 36);
    y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_MUTED,
                 ui_fmt(u,
                        NT("Observations older than %d day leave this tablet once the "
                           "server has them; those not yet sent stay.",
                           "Observations older than %d days leave this tablet once the "
                           "server has them; those not yet sent stay.",
                           a->unit.retention_days),
                        a->unit.retention_days),
                 1) +
         ui_dp(u, 16);
    ui_list_end(u, lid, y - top);
}
