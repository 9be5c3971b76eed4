/* Review: what sync could not settle alone. A conflict (this tablet's
 * version of a record met a newer one on the server) shows both versions
 * side by side, field by field, and a person chooses: keep mine (sent
 * again, made on the server's version) or take theirs (the server's stored
 * here). A change the server refused shows with the server's reason and
 * can be tried again once the cause is fixed. Only records the signed-in
 * person may see are listed; everything is read once when the screen opens
 * and after each choice, never in a frame. */
#include "scr_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The words a person reads for a field of a record on the wire; fields not
 * listed keep their wire name. */
static const struct {
    const char *key, *label;
} field_labels[] = {
    {"works", N_("What works")},
    {"wonderings", N_("Wonderings")},
    {"next_step", N_("Next step")},
    {"text", N_("Reflection")},
    {"activity", N_("Activity")},
    {"context", N_("Context")},
    {"level", N_("Rating")},
    {"status", N_("Status")},
    {"started_at", N_("Started")},
    {"ended_at", N_("Ended")},
    {"given_at", N_("Feedback given")},
    {"updated_at", N_("Changed")},
    {"revision", N_("Version")},
    {"agreement", N_("Agreement made")},
    {"at", N_("Time")},
};

static const char *field_label(scr_app *a, const char *key)
{
    for (size_t i = 0; i < sizeof field_labels / sizeof field_labels[0]; i++)
        if (!strcmp(field_labels[i].key, key))
            return T(field_labels[i].label);
    return key;
}

/* A field's value as a person reads it: times as local date and time,
 * yes/no, the status in words, the rest as it is. */
static void field_value(scr_app *a, const model_field *f, char *out, size_t cap)
{
    if (f->kind == MODEL_FIELD_TIME) {
        if (f->number <= 0)
            snprintf(out, cap, "\xE2\x80\x93");
        else
            scr_when(f->number, out, cap);
    } else if (f->kind == MODEL_FIELD_BOOL) {
        snprintf(out, cap, "%s", f->number ? T("Yes") : T("No"));
    } else if (!strcmp(f->name, "status")) {
        snprintf(out, cap, "%s", !strcmp(f->text, "draft") ? T("Draft") : T("Finished"));
    } else {
        snprintf(out, cap, "%s", f->text);
    }
}

/* A record's fields (model_record_fields: identifiers and versions left
 * out) in the conflict's field list; theirs = 1 fills the server's column. */
static void record_fields(scr_app *a, scr_conflict *c, const model_record *r, int theirs)
{
    model_field f[MODEL_MAX_FIELDS];
    int n = model_record_fields(r, f, MODEL_MAX_FIELDS);
    for (int k = 0; k < n; k++) {
        int i = 0;
        while (i < c->nfields && strcmp(c->fields[i].key, f[k].name))
            i++;
        if (i == c->nfields) {
            if (c->nfields == SCR_MAX_FIELDS)
                continue;
            c->nfields++;
            memset(&c->fields[i], 0, sizeof c->fields[i]);
            snprintf(c->fields[i].key, sizeof c->fields[i].key, "%s", f[k].name);
        }
        char *dst = theirs ? c->fields[i].theirs : c->fields[i].mine;
        field_value(a, &f[k], dst, sizeof c->fields[i].mine);
    }
}

/* Fields that differ come first: they are what the choice is about. */
static void differing_first(scr_conflict *c)
{
    scr_field tmp;
    int k = 0;
    for (int i = 0; i < c->nfields; i++) {
        if (strcmp(c->fields[i].mine, c->fields[i].theirs) != 0) {
            tmp = c->fields[i];
            memmove(&c->fields[k + 1], &c->fields[k], sizeof tmp * (size_t)(i - k));
            c->fields[k++] = tmp;
        }
    }
}

/* The record in words: which part, of whose observation, from when. NULL
 * if the signed-in person may not see it (then it is not listed). */
static const char *record_words(scr_app *a, const char *entity, const char *obs_id, char *out,
                                size_t cap)
{
    static const char *const names[][2] = {{"observation", N_("Observation")},
                                           {"event", N_("Event")},
                                           {"note", N_("Note")},
                                           {"rating", N_("Rating")},
                                           {"feedback", N_("Feedback")},
                                           {"reflection", N_("Reflection")},
                                           {"plan_agreement", N_("Agreement to a plan")}};
    const char *what = entity;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i][0], entity))
            what = T(names[i][1]);
    model_observation o;
    if (!obs_id[0] || db_obs_get(a->db, obs_id, &o) != DB_OK) {
        /* Not an observation's part (reference data): leaders only. */
        if (a->s.user.role != MODEL_ROLE_LEADER)
            return NULL;
        snprintf(out, cap, "%s", what);
        return out;
    }
    if (!scr_may_see(a, &o))
        return NULL;
    char when[32];
    scr_when(o.started_at, when, sizeof when);
    snprintf(out, cap, T("%s \xC2\xB7 %s observed %s \xC2\xB7 %s"), what,
             scr_person_name(a, o.observer_id), scr_observee_name(a, &o), when);
    return out;
}

static void load(scr_app *a)
{
    memset(a->s.review.conf, 0, sizeof a->s.review.conf);
    memset(a->s.review.rej, 0, sizeof a->s.review.rej);
    a->s.review.nconf = a->s.review.nrej = 0;
    /* Each conflict holds two whole records: a few at a time, on the heap. */
    enum { PAGE = 4 };
    db_sync_conflict *cs = malloc(PAGE * sizeof *cs);
    if (!cs)
        scr_set_error(a, DB_NOMEM);
    for (int off = 0; cs && a->s.review.nconf < SCR_MAX_REVIEW; off += PAGE) {
        int n = 0;
        int rc = db_sync_conflicts(a->db, off, PAGE, cs, &n);
        if (rc != DB_OK) {
            scr_set_error(a, rc);
            break;
        }
        for (int i = 0; i < n && a->s.review.nconf < SCR_MAX_REVIEW; i++) {
            scr_conflict *c = &a->s.review.conf[a->s.review.nconf];
            if (!record_words(a, cs[i].entity, cs[i].obs_id, c->what, sizeof c->what))
                continue;
            memcpy(c->change_id, cs[i].change_id, sizeof c->change_id);
            c->have_theirs = cs[i].have_theirs;
            record_fields(a, c, &cs[i].mine, 0);
            if (c->have_theirs)
                record_fields(a, c, &cs[i].theirs, 1);
            differing_first(c);
            a->s.review.nconf++;
        }
        if (n < PAGE)
            break;
    }
    free(cs);
    db_sync_rejection rj[16];
    for (int off = 0; a->s.review.nrej < SCR_MAX_REVIEW; off += 16) {
        int n = 0;
        int rc = db_sync_rejections(a->db, off, 16, rj, &n);
        if (rc != DB_OK) {
            scr_set_error(a, rc);
            break;
        }
        for (int i = 0; i < n && a->s.review.nrej < SCR_MAX_REVIEW; i++) {
            char words[200];
            if (!record_words(a, rj[i].entity, rj[i].obs_id, words, sizeof words))
                continue;
            db_sync_rejection *r = &a->s.review.rej[a->s.review.nrej++];
            *r = rj[i];
            if (!r->message[0])
                snprintf(r->message, sizeof r->message, "%s", rj[i].code);
        }
        if (n < 16)
            break;
    }
    scr_refresh_outbox(a);
}

void scr_review_enter(scr_app *a)
{
    a->s.review.msg[0] = 0;
    if (!a->s.signed_in)
        return;
    load(a);
    ui_list_scroll_to(a->ui, ui_ids("rv.list"), 0);
}

/* After a choice: the engine sends what is now in the outbox. */
static void after_choice(scr_app *a, const char *msg)
{
    snprintf(a->s.review.msg, sizeof a->s.review.msg, "%s", msg);
    if (a->sync && a->sync->now && a->sync_state.enrolled)
        a->sync->now(a->sync->ctx);
    load(a);
}

/* One conflict: its record, the fields in three columns (name, this
 * tablet's, the server's; differing ones marked), and the two choices.
 * Returns the height; *acted is set if a choice was made (the list has
 * changed under the loop). */
static int conflict_card(scr_app *a, const scr_conflict *c, int idx, ui_rect col, int y, int *acted)
{
    ui_ctx *u = a->ui;
    int pad = ui_dp(u, 14), w = col.w - 2 * pad;
    int rowh = ui_dp(u, 30);
    int h = pad + ui_dp(u, 34) + ui_dp(u, 30) + rowh * c->nfields + ui_dp(u, 12) + ui_dp(u, 60) +
            (c->have_theirs ? 0 : ui_dp(u, 28)) + pad;
    ui_fill(u, ui_r(col.x, y, col.w, h), UI_SURFACE, ui_dp(u, 12));
    ui_fill(u, ui_r(col.x, y, ui_dp(u, 6), h), UI_DANGER, ui_dp(u, 3));
    int x = col.x + pad, yy = y + pad;
    ui_label(u, ui_r(x, yy, w, ui_dp(u, 30)), PLAT_FONT_BOLD, UI_TEXT, c->what, UI_LEFT);
    yy += ui_dp(u, 34);
    int kw = w / 4, vw = (w - kw) / 2;
    ui_label(u, ui_r(x + kw, yy, vw, ui_dp(u, 26)), PLAT_FONT_SMALL, UI_MUTED, T("On this tablet"),
             UI_LEFT);
    ui_label(u, ui_r(x + kw + vw, yy, vw, ui_dp(u, 26)), PLAT_FONT_SMALL, UI_MUTED,
             T("On the server"), UI_LEFT);
    yy += ui_dp(u, 30);
    for (int i = 0; i < c->nfields; i++) {
        const scr_field *f = &c->fields[i];
        int differs = strcmp(f->mine, f->theirs) != 0;
        if (differs)
            ui_fill(u, ui_r(x - ui_dp(u, 4), yy, w + ui_dp(u, 8), rowh - ui_dp(u, 2)), 0xFBEBD3FFu,
                    ui_dp(u, 4));
        ui_label(u, ui_r(x, yy, kw - ui_dp(u, 8), rowh), PLAT_FONT_SMALL, UI_MUTED,
                 field_label(a, f->key), UI_LEFT);
        ui_label(u, ui_r(x + kw, yy, vw - ui_dp(u, 8), rowh),
                 differs ? PLAT_FONT_BOLD : PLAT_FONT_SMALL, UI_TEXT, f->mine, UI_LEFT);
        ui_label(u, ui_r(x + kw + vw, yy, vw - ui_dp(u, 8), rowh),
                 differs ? PLAT_FONT_BOLD : PLAT_FONT_SMALL, UI_TEXT,
                 c->have_theirs ? f->theirs : "\xE2\x80\x93", UI_LEFT);
        yy += rowh;
    }
    yy += ui_dp(u, 12);
    ui_rect mine = {x, yy, (w - ui_dp(u, 12)) / 2, ui_dp(u, 56)};
    ui_rect theirs = {x + mine.w + ui_dp(u, 12), yy, mine.w, ui_dp(u, 56)};
    if (ui_button(u, ui_idn("rv.mine", idx), mine, T("Keep mine"), UI_STYLE_PRIMARY)) {
        int rc = db_sync_conflict_keep_mine(a->db, c->change_id);
        scr_set_error(a, rc);
        if (rc == DB_OK)
            after_choice(a, T("Your version is kept and will be sent again."));
        *acted = 1;
        return h;
    }
    if (c->have_theirs && a->sync && a->sync->take_theirs) {
        if (ui_button(u, ui_idn("rv.theirs", idx), theirs, T("Take the server's"),
                      UI_STYLE_PLAIN)) {
            char err[320] = "";
            if (a->sync->take_theirs(a->sync->ctx, a->db, c->change_id, err, sizeof err) == 0)
                after_choice(a, T("The server's version is now on this tablet."));
            else
                snprintf(a->s.err, sizeof a->s.err, "%s", err);
            *acted = 1;
            return h;
        }
    } else {
        ui_fill(u, theirs, UI_LINE, ui_dp(u, 10));
        ui_label(u, theirs, PLAT_FONT_BOLD, UI_MUTED, T("Take the server's"), UI_CENTER);
    }
    yy += ui_dp(u, 60);
    if (!c->have_theirs)
        ui_label(u, ui_r(x, yy, w, ui_dp(u, 26)), PLAT_FONT_SMALL, UI_MUTED,
                 T("The server's version arrives with the next sync."), UI_LEFT);
    return h;
}

static int rejection_card(scr_app *a, const db_sync_rejection *r, int idx, ui_rect col, int y,
                          int *acted)
{
    ui_ctx *u = a->ui;
    int pad = ui_dp(u, 14), w = col.w - 2 * pad;
    char words[200];
    if (!record_words(a, r->entity, r->obs_id, words, sizeof words))
        words[0] = 0;
    const char *why = ui_fmt(u, T("Refused: %s"), r->message);
    int wh = ui_wrap(u, ui_r(0, 0, w, 0), PLAT_FONT_BODY, UI_DANGER, why, 0);
    int h = pad + ui_dp(u, 34) + wh + ui_dp(u, 12) + ui_dp(u, 56) + pad;
    ui_fill(u, ui_r(col.x, y, col.w, h), UI_SURFACE, ui_dp(u, 12));
    ui_fill(u, ui_r(col.x, y, ui_dp(u, 6), h), UI_WARN, ui_dp(u, 3));
    int x = col.x + pad, yy = y + pad;
    ui_label(u, ui_r(x, yy, w, ui_dp(u, 30)), PLAT_FONT_BOLD, UI_TEXT, words, UI_LEFT);
    yy += ui_dp(u, 34);
    ui_wrap(u, ui_r(x, yy, w, wh), PLAT_FONT_BODY, UI_DANGER, why, 1);
    yy += wh + ui_dp(u, 12);
    ui_rect b = {x, yy, w / 2 > ui_dp(u, 240) ? w / 2 : w, ui_dp(u, 56)};
    if (ui_button(u, ui_idn("rv.retry", idx), b, T("Try again"), UI_STYLE_PLAIN)) {
        int rc = db_sync_rejection_retry(a->db, r->change_id);
        scr_set_error(a, rc);
        if (rc == DB_OK)
            after_choice(a, T("The change waits to be sent again."));
        *acted = 1;
    }
    return h;
}

void scr_review_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    ui_rect body = scr_topbar(a, screen, T("Sync: to review"));
    if (a->screen != SCR_REVIEW)
        return;
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 88));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 12));
    ui_rect home = ui_cut_left(&bb, (bb.w - ui_dp(u, 12)) / 2);
    ui_cut_left(&bb, ui_dp(u, 12));
    if (ui_button(u, ui_ids("rv.home"), home, T("Home"), UI_STYLE_PLAIN) ||
        u->key == PLAT_KEY_ESCAPE) {
        scr_go(a, SCR_HOME);
        return;
    }
    if (a->sync_state.enrolled && a->sync && a->sync->now) {
        if (ui_button(u, ui_ids("rv.now"), bb, T("Sync now"), UI_STYLE_PRIMARY))
            a->sync->now(a->sync->ctx);
    } else {
        ui_fill(u, bb, UI_LINE, ui_dp(u, 10));
        ui_label(u, bb, PLAT_FONT_BOLD, UI_MUTED, T("Not connected to a server"), UI_CENTER);
    }
    ui_rect view = ui_inset(body, ui_dp(u, 16));
    ui_id lid = ui_ids("rv.list");
    int top = ui_list_begin(u, lid, view), y = top;
    ui_rect col = {view.x, 0, view.w - ui_dp(u, 12), 0};
    if (a->s.review.msg[0]) {
        ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 32)), PLAT_FONT_BODY, UI_OK, a->s.review.msg,
                 UI_LEFT);
        y += ui_dp(u, 40);
    }
    scr_heading(a, col, &y, ui_fmt(u, T("Needs review (%d)"), a->s.review.nconf));
    if (a->s.review.nconf == 0) {
        ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 32)), PLAT_FONT_BODY, UI_MUTED,
                 T("Nothing needs review."), UI_LEFT);
        y += ui_dp(u, 44);
    } else {
        y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_SMALL, UI_MUTED,
                     T("The same record was changed here and elsewhere. Both versions are kept "
                       "until you choose."),
                     1) +
             ui_dp(u, 10);
    }
    int acted = 0;
    for (int i = 0; i < a->s.review.nconf && !acted; i++)
        y += conflict_card(a, &a->s.review.conf[i], i, col, y, &acted) + ui_dp(u, 12);
    if (acted) {
        ui_list_end(u, lid, y - top);
        return;
    }
    y += ui_dp(u, 8);
    scr_heading(a, col, &y, ui_fmt(u, T("Refused by the server (%d)"), a->s.review.nrej));
    if (a->s.review.nrej == 0) {
        ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 32)), PLAT_FONT_BODY, UI_MUTED,
                 T("The server has refused nothing."), UI_LEFT);
        y += ui_dp(u, 44);
    }
    for (int i = 0; i < a->s.review.nrej && !acted; i++)
        y += rejection_card(a, &a->s.review.rej[i], i, col, y, &acted) + ui_dp(u, 12);
    ui_list_end(u, lid, y - top);
}
