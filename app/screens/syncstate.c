/* Honest sync state: the chip in every top bar, and each observation's
 * own state on the summary and the history rows. Two things are never
 * confused: "saved on this tablet" and "synced" (the server acknowledged
 * it), and a tablet with no server never claims that anything was sent. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>

/* Here the words come from a catalogue given as an argument, so that the
 * same functions serve the app and tests that have no app. */
#undef T
#define T(s) i18n_tr(tr, s)

/* The words for an engine problem. A problem is named before any count,
 * since it says why the count does not go down. */
static const char *problem_text(const i18n *tr, scr_sync_problem p)
{
    switch (p) {
    case SCR_SYNC_OFFLINE: return T("Offline");
    case SCR_SYNC_UNREACHABLE: return T("Server not reachable");
    case SCR_SYNC_CAPTIVE: return T("Wi-Fi needs sign-in");
    case SCR_SYNC_TLS: return T("Wrong certificate");
    case SCR_SYNC_SERVER: return T("Server problem");
    case SCR_SYNC_UNAUTHORIZED: return T("Tablet not accepted: enrol again");
    case SCR_SYNC_UPDATE: return T("Update the app");
    case SCR_SYNC_OTHER: return T("Sync problem");
    case SCR_SYNC_REVOKED: return T("Tablet revoked: enrol again");
    case SCR_SYNC_WIPED: return T("Tablet revoked and erased");
    case SCR_SYNC_CERT_EXPIRED: return T("Server certificate expired");
    case SCR_SYNC_CERT_NAME: return T("Certificate for another server");
    default: return "";
    }
}

/* What waits, as a person counts it: observations, not the changes they
 * are made of (every tap is one). Changes that belong to no observation
 * are counted as changes. "" when nothing waits. */
static const char *waiting_text(const i18n *tr, const db_sync_counts *c, char *out, size_t cap)
{
    long long obs = c ? (long long)c->waiting_obs : 0;
    long long changes = c ? (long long)c->waiting : 0;
    if (obs > 0)
        snprintf(out, cap,
                 i18n_ntr(tr, "%lld observation waiting", "%lld observations waiting", obs), obs);
    else if (changes > 0)
        snprintf(out, cap, i18n_ntr(tr, "%lld change waiting", "%lld changes waiting", changes),
                 changes);
    else
        out[0] = 0;
    return out;
}

/* The order is what a leader must act on first: a tablet with no server
 * says so (with what it holds), then a round under way, then a problem of
 * the network or the server, then records that need a person (conflicts,
 * refusals), then what waits, and only then "synced", and only after a
 * round went well. */
scr_chip scr_sync_chip_text(const i18n *tr, const db_sync_counts *c, const scr_sync_state *st,
                            char *out, size_t cap)
{
    char wt[96];
    const char *w = waiting_text(tr, c, wt, sizeof wt);
    long long review = c ? (long long)c->conflicts : 0;
    long long refused = c ? (long long)c->rejected : 0;
    if (!st || !st->enrolled) {
        if (w[0])
            snprintf(out, cap, "%s \xC2\xB7 %s", T("Only on this tablet"), w);
        else
            snprintf(out, cap, "%s", T("Only on this tablet"));
        return SCR_CHIP_LOCAL;
    }
    if (st->running) {
        if (w[0])
            snprintf(out, cap, "%s \xC2\xB7 %s", T("Syncing"), w);
        else
            snprintf(out, cap, "%s", T("Syncing"));
        return SCR_CHIP_SYNCING;
    }
    if (st->problem != SCR_SYNC_FINE) {
        if (w[0])
            snprintf(out, cap, "%s \xC2\xB7 %s", problem_text(tr, st->problem), w);
        else
            snprintf(out, cap, "%s", problem_text(tr, st->problem));
        return SCR_CHIP_PROBLEM;
    }
    if (review > 0) {
        snprintf(out, cap, i18n_ntr(tr, "%lld needs review", "%lld need review", review), review);
        return SCR_CHIP_REVIEW;
    }
    if (refused > 0) {
        snprintf(out, cap, T("%lld refused"), refused);
        return SCR_CHIP_REFUSED;
    }
    if (w[0]) {
        snprintf(out, cap, "%s", w);
        return SCR_CHIP_WAITING;
    }
    if (st->last_ok_ms <= 0) {
        snprintf(out, cap, "%s", T("Not synced yet"));
        return SCR_CHIP_NOT_YET;
    }
    snprintf(out, cap, "%s", T("Synced"));
    return SCR_CHIP_SYNCED;
}

/* A refused record shows the server's own reason, found among the refused
 * changes by its observation (the newest refusal first). */
int scr_record_sync_text(db *d, const i18n *tr, const char *obs_id, char *out, size_t cap)
{
    db_sync_state s = DB_SYNC_SYNCED;
    int rc = db_sync_state_of(d, obs_id, &s);
    if (rc != DB_OK) {
        snprintf(out, cap, "%s", T("Sync state unknown"));
        return -1;
    }
    switch (s) {
    case DB_SYNC_SAVED: snprintf(out, cap, "%s", T("Saved on this tablet")); break;
    case DB_SYNC_CONFLICT: snprintf(out, cap, "%s", T("Needs review")); break;
    case DB_SYNC_REJECTED: {
        db_sync_rejection rj[16];
        const char *why = "";
        for (int off = 0; !why[0]; off += 16) {
            int n = 0;
            if (db_sync_rejections(d, off, 16, rj, &n) != DB_OK || n == 0)
                break;
            for (int i = 0; i < n && !why[0]; i++) {
                if (!strcmp(rj[i].obs_id, obs_id) || !strcmp(rj[i].entity_id, obs_id))
                    why = rj[i].message[0] ? rj[i].message : rj[i].code;
            }
            if (why[0]) {
                snprintf(out, cap, T("Refused: %s"), why);
                return (int)s;
            }
            if (n < 16)
                break;
        }
        snprintf(out, cap, T("Refused: %s"), T("no reason given"));
        break;
    }
    default: snprintf(out, cap, "%s", T("Synced")); break;
    }
    return (int)s;
}

#undef T
#define T(s) i18n_tr(a->tr, s)

/* The engine's state, or that of a tablet without a server. */
static void take_state(const scr_app *a, scr_sync_state *st)
{
    memset(st, 0, sizeof *st);
    if (!a->sync)
        return;
    if (a->sync->state)
        a->sync->state(a->sync->ctx, st);
    else if (a->sync->enrolled)
        st->enrolled = a->sync->enrolled(a->sync->ctx);
}

void scr_sync_refresh(scr_app *a)
{
    db_sync_counts c = {0};
    if (db_sync_count(a->db, &c) == DB_OK)
        a->sc = c;
    else
        a->sc.waiting = a->outbox;
    if (a->s.have_cur) {
        a->s.cur_sync = scr_record_sync_text(a->db, a->tr, a->s.cur.obs.id, a->s.cur_sync_text,
                                             sizeof a->s.cur_sync_text);
    }
    if (a->screen == SCR_HISTORY) {
        for (int i = 0; i < a->s.history.nrows; i++)
            scr_row_sync(a, &a->s.history.rows[i]);
    }
}

void scr_row_sync(scr_app *a, scr_row *r)
{
    r->sync = scr_record_sync_text(a->db, a->tr, r->id, r->sync_text, sizeof r->sync_text);
}

/* Once a frame: a copy of the engine's state under its lock. The store is
 * asked again only when a round started or ended, so a frame costs no
 * query. */
void scr_sync_poll(scr_app *a)
{
    scr_sync_state st;
    take_state(a, &st);
    int changed = st.rounds != a->sync_state.rounds || st.running != a->sync_state.running ||
                  st.enrolled != a->sync_state.enrolled;
    int ended = st.rounds != a->sync_state.rounds;
    a->sync_state = st;
    /* A lost or stolen tablet: the worker has erased every row already;
     * the program now deletes the files and starts again on a fresh store,
     * so the app ends here, whoever is signed in, without saving a place. */
    if (st.problem == SCR_SYNC_WIPED && !a->demo) {
        a->ask = SCR_ASK_WIPE;
        return;
    }
    /* Revoked since the last enrolment: its "enrolled" no longer holds,
     * and the form is offered again. */
    if (ended && !a->enrolling &&
        (st.problem == SCR_SYNC_REVOKED || st.problem == SCR_SYNC_UNAUTHORIZED))
        a->enrol_done = SCR_ENROL_PENDING;
    if (changed)
        scr_sync_refresh(a);
    /* A round may have pulled people, PINs and the unit itself. */
    if (ended)
        scr_reload_unit(a);
}

plat_color scr_sync_color(int state)
{
    switch (state) {
    case DB_SYNC_SYNCED: return UI_OK;
    case DB_SYNC_SAVED: return UI_WARN;
    default: return UI_DANGER;
    }
}

/* The chip at the right of the top bar. A tap does what the state asks
 * for: records to review open the review screen, an enrolled tablet syncs
 * now, and a leader on a tablet without a server goes to the settings,
 * where it is enrolled. */
void scr_sync_chip(scr_app *a, ui_rect *in)
{
    ui_ctx *u = a->ui;
    char text[160];
    scr_chip k = scr_sync_chip_text(a->tr, &a->sc, &a->sync_state, text, sizeof text);
    const char *sync = ui_fmt(u, "%s", text);
    int sw = ui_measure(u, PLAT_FONT_SMALL, sync) + ui_dp(u, 40);
    if (sw > in->w / 2)
        sw = in->w / 2;
    ui_rect chip = ui_cut_right(in, sw);
    plat_color bg = 0xDFF0E2FFu, dotc = UI_OK;
    switch (k) {
    case SCR_CHIP_SYNCED: break;
    case SCR_CHIP_LOCAL:
    case SCR_CHIP_NOT_YET:
        bg = 0xE8E4DCFFu;
        dotc = UI_MUTED;
        break;
    case SCR_CHIP_WAITING:
    case SCR_CHIP_SYNCING:
        bg = 0xFBEBD3FFu;
        dotc = UI_WARN;
        break;
    default:
        bg = 0xF6DAD4FFu;
        dotc = UI_DANGER;
        break;
    }
    int held = 0;
    int review = a->s.signed_in && (a->sc.conflicts > 0 || a->sc.rejected > 0);
    int enrolled = a->sync_state.enrolled && a->sync && a->sync->now;
    int leader = a->s.signed_in && a->s.user.role == MODEL_ROLE_LEADER;
    /* A revoked tablet is enrolled again in the settings: a leader's tap
     * goes there, where the form is. */
    int revoked = a->sync_state.problem == SCR_SYNC_REVOKED ||
                  a->sync_state.problem == SCR_SYNC_UNAUTHORIZED;
    int tappable = review || enrolled || (leader && a->screen != SCR_SETTINGS);
    if (tappable && ui_area(u, ui_ids("top.sync"), chip, &held)) {
        if (review && a->screen != SCR_REVIEW) {
            scr_go(a, SCR_REVIEW);
        } else if (revoked && leader && a->screen != SCR_SETTINGS) {
            scr_go(a, SCR_SETTINGS);
        } else if (enrolled) {
            a->sync->now(a->sync->ctx);
        } else if (leader) {
            scr_go(a, SCR_SETTINGS);
        }
    }
    ui_fill(u, chip, held ? UI_SOFT : bg, chip.h / 2);
    int dot = ui_dp(u, 10);
    ui_fill(u, ui_r(chip.x + ui_dp(u, 12), chip.y + (chip.h - dot) / 2, dot, dot), dotc, dot / 2);
    ui_label(u, ui_r(chip.x + ui_dp(u, 28), chip.y, chip.w - ui_dp(u, 30), chip.h), PLAT_FONT_SMALL,
             UI_TEXT, sync, UI_LEFT);
}

/* A number in the reader's convention: a decimal comma in Danish ("31,2"),
 * a point in English ("31.2"). fmt is one floating-point conversion. */
const char *scr_decimal(scr_app *a, const char *fmt, double v)
{
    char buf[32];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(buf, sizeof buf, fmt, v);
#pragma GCC diagnostic pop
    if (!strcmp(i18n_language(a->tr), "da")) {
        char *dot = strchr(buf, '.');
        if (dot)
            *dot = ',';
    }
    return ui_fmt(a->ui, "%s", buf);
}
