/* The enrolment form: the way a tablet joins its unit's server. The
 * welcome screen shows it on a tablet with no unit, and the settings show
 * it to a leader; both share this one form, its checks and its words. The
 * work itself happens off the screens' thread, through the scr_sync hooks
 * the program gives. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>

/* The outcome of an enrolment in words a person can act on. */
static const char *enrol_words(scr_app *a, scr_enrol_outcome o)
{
    switch (o) {
    case SCR_ENROL_OK:
        return T("The tablet is enrolled. Its unit's data arrives with the first sync.");
    case SCR_ENROL_BAD_ADDRESS: return T("The address must begin with https://");
    case SCR_ENROL_BAD_CODE: return T("The code is wrong, used or expired. Ask for a new code.");
    case SCR_ENROL_TLS:
        return T(
            "The server's certificate is not trusted. Check the address, or give the server's CA.");
    case SCR_ENROL_UNREACHABLE:
        return T("The server does not answer. Check the address and the network.");
    case SCR_ENROL_CAPTIVE: return T("The Wi-Fi needs sign-in first. Open a browser and sign in.");
    case SCR_ENROL_CA_FILE: return T("The CA file cannot be read, or holds no certificate.");
    case SCR_ENROL_UPDATE: return T("The server needs a newer version of the app.");
    case SCR_ENROL_CERT_EXPIRED:
        return T("The server's certificate has expired. Its administrator must renew it; if it "
                 "is new, check the tablet's date and time.");
    case SCR_ENROL_CERT_NAME:
        return T("The server's certificate is made out to another address. Check the address.");
    case SCR_ENROL_NO_NAME:
        return T("Give the tablet a name, so that the administrator can tell it from the others.");
    default: return T("The enrolment failed.");
    }
}

/* An address typed without a scheme ("blik.skole.dk:8443") is taken as
 * https://, which the field shows as its hint: a person reads the hint as
 * text already there and types the rest. The address is written back, so
 * the field shows what the tablet will use. Any other scheme (http://) is
 * left as typed, to be refused. */
static void enrol_complete_address(scr_app *a)
{
    char *s = a->set_server;
    size_t lead = strspn(s, " ");
    memmove(s, s + lead, strlen(s + lead) + 1);
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    if (n == 0 || strstr(s, "://") || n + 8 >= sizeof a->set_server)
        return;
    memmove(s + 8, s, n + 1);
    memcpy(s, "https://", 8);
    scr_set_error(a, db_server_note_put(a->db, s));
}

/* Starts an enrolment from the form. What the tablet can check itself is
 * checked here, before anything leaves it: an address that is not
 * https://, no code, no name. A demo store is never enrolled. */
static void enrol_check_and_start(scr_app *a)
{
    a->s.enrol.detail[0] = 0;
    if (a->demo || !a->sync || !a->sync->enrol)
        return;
    enrol_complete_address(a);
    if (strncmp(a->set_server, "https://", 8) != 0) {
        a->enrol_done = SCR_ENROL_BAD_ADDRESS;
        return;
    }
    if (!a->s.enrol.req.code[0]) {
        a->enrol_done = SCR_ENROL_BAD_CODE;
        return;
    }
    const char *n = a->s.enrol.req.name;
    while (*n == ' ')
        n++;
    if (!*n) {
        a->enrol_done = SCR_ENROL_NO_NAME;
        return;
    }
    snprintf(a->s.enrol.req.url, sizeof a->s.enrol.req.url, "%s", a->set_server);
    if (a->sync->enrol(a->sync->ctx, &a->s.enrol.req) == 0) {
        a->enrolling = 1;
        a->enrol_done = SCR_ENROL_PENDING;
    } else {
        a->enrol_done = SCR_ENROL_FAILED;
    }
}

static void enrol_start(scr_app *a)
{
    enrol_check_and_start(a);
    /* A refusal on the tablet shows at once, scrolled into view too. */
    if (!a->enrolling && a->enrol_done != SCR_ENROL_PENDING)
        a->enrol_reveal = 3;
}

/* Looks for the outcome while an enrolment runs. On success the program
 * has started the worker, whose first round pulls the unit; the tablet
 * shows the enrolled unit from now on, and the code and CA leave the
 * form. */
void scr_enrol_poll(scr_app *a)
{
    if (!a->enrolling || !a->sync || !a->sync->enrol_result)
        return;
    char detail[320];
    scr_enrol_outcome o = a->sync->enrol_result(a->sync->ctx, detail, sizeof detail);
    if (o == SCR_ENROL_PENDING)
        return;
    a->enrolling = 0;
    a->enrol_done = o;
    a->enrol_reveal = 3;
    snprintf(a->s.enrol.detail, sizeof a->s.enrol.detail, "%s",
             o == SCR_ENROL_FAILED ? detail : "");
    if (o == SCR_ENROL_OK) {
        db_enrolment e;
        if (db_enrolment_get(a->db, &e) == DB_OK && e.unit_id[0])
            scr_set_error(a, db_device_unit_put(a->db, e.unit_id));
        memset(&a->s.enrol.req, 0, sizeof a->s.enrol.req);
        scr_reload_unit(a);
        if (a->screen == SCR_SETTINGS)
            scr_settings_enter(a); /* the server and unit it now shows */
        scr_sync_refresh(a);
    }
}

/* One labelled field of the form; advances *y. Returns ui_field's result. */
static int labelled(scr_app *a, ui_rect col, int *y, const char *id, const char *label, char *buf,
                    size_t cap, const char *hint)
{
    ui_ctx *u = a->ui;
    ui_label(u, ui_r(col.x, *y, col.w, ui_dp(u, 28)), PLAT_FONT_SMALL, UI_MUTED, label, UI_LEFT);
    *y += ui_dp(u, 30);
    int r = ui_field(u, ui_ids(id), ui_r(col.x, *y, col.w, ui_dp(u, 56)), buf, cap, hint, 0);
    if (r & UI_SUBMIT)
        u->focus = 0; /* Done: the keyboard goes away */
    *y += ui_dp(u, 64);
    return r;
}

/* The form: address, code, the tablet's name, the CA (pasted PEM or the
 * path of its file), and the button; while it runs the button says so,
 * and after it the outcome in words, scrolled into view in the list the
 * form is drawn in (list, whose view ends at view_bottom) when it comes.
 * Returns the height used from y. */
int scr_enrol_draw(scr_app *a, ui_rect col, int y, ui_id list, int view_bottom)
{
    ui_ctx *u = a->ui;
    int y0 = y;
    scr_enrol_poll(a);
    if (a->demo) {
        y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_BODY, UI_TEXT,
                     T("This is the demo. To connect this tablet to your server, leave the demo "
                       "first; nothing of the demo goes with it."),
                     1) +
             ui_dp(u, 12);
        ui_rect b = {col.x, y, col.w / 2 > ui_dp(u, 320) ? col.w / 2 : col.w, ui_dp(u, 60)};
        if (ui_button(u, ui_ids("enrol.leave"), b, T("Leave the demo"), UI_STYLE_PLAIN))
            a->ask = SCR_ASK_LEAVE_DEMO;
        return y - y0 + ui_dp(u, 68);
    }
    int r = labelled(a, col, &y, "enrol.server", T("Server address"), a->set_server,
                     sizeof a->set_server, "https://");
    if (r & UI_CHANGED)
        scr_set_error(a, db_server_note_put(a->db, a->set_server));
    if (!a->sync || !a->sync->enrol || !a->sync->enrol_result) {
        y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_MUTED,
                     T("The tablet is not enrolled with a server yet. The address is kept for "
                       "the enrolment."),
                     1) +
             ui_dp(u, 12);
        return y - y0;
    }
    labelled(a, col, &y, "enrol.code", T("Enrolment code (from the administrator)"),
             a->s.enrol.req.code, sizeof a->s.enrol.req.code, "ABCDE-FGHJK");
    labelled(a, col, &y, "enrol.name", T("The tablet's name, as the administrator will see it"),
             a->s.enrol.req.name, sizeof a->s.enrol.req.name, T("e.g. Room 3 – blue"));
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 28)), PLAT_FONT_SMALL, UI_MUTED,
             T("The server's CA, if it has its own (optional)"), UI_LEFT);
    y += ui_dp(u, 30);
    ui_textarea(u, ui_ids("enrol.ca"), ui_r(col.x, y, col.w, ui_dp(u, 96)), a->s.enrol.req.ca,
                sizeof a->s.enrol.req.ca,
                T("Paste the certificate (PEM), or the path of its file"));
    y += ui_dp(u, 104);
    ui_rect b = {col.x, y, col.w / 2 > ui_dp(u, 320) ? col.w / 2 : col.w, ui_dp(u, 60)};
    if (a->enrolling) {
        ui_fill(u, b, UI_LINE, ui_dp(u, 10));
        ui_label(u, b, PLAT_FONT_BOLD, UI_MUTED, T("Enrolling the tablet"), UI_CENTER);
    } else if (ui_button(u, ui_ids("enrol.go"), b, T("Enrol this tablet"), UI_STYLE_PRIMARY)) {
        u->focus = 0;
        enrol_start(a);
    }
    y += ui_dp(u, 68);
    if (!a->enrolling && a->enrol_done != SCR_ENROL_PENDING) {
        plat_color c = a->enrol_done == SCR_ENROL_OK ? UI_OK : UI_DANGER;
        y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_BODY, c, enrol_words(a, a->enrol_done),
                     1) +
             ui_dp(u, 6);
        if (a->s.enrol.detail[0])
            y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_MUTED, a->s.enrol.detail,
                         1) +
                 ui_dp(u, 6);
        /* The words below the view are measured in the frame they first
         * appear in, scrolled to in the next (once the list knows its new
         * length), and shown in the one after (scr_wake_in asks for both). */
        if (a->enrol_reveal == 3)
            a->enrol_scroll = y > view_bottom ? y - view_bottom + ui_dp(u, 8) : 0;
        else if (a->enrol_reveal == 2 && a->enrol_scroll > 0)
            ui_list_scroll_to(u, list, ui_list_offset(u, list) + a->enrol_scroll);
        if (a->enrol_reveal > 0)
            a->enrol_reveal--;
    }
    return y - y0 + ui_dp(u, 6);
}
