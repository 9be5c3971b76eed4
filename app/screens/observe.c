/* Observe: the focus and its signs always on screen, a rating per sign,
 * big counters with one-tap undo, state timers, a gentle interval prompt,
 * timestamped notes with quick phrases, the elapsed time, and finish. Every
 * tap goes to the store at once; the screen then shows what the store has. */
#include "scr_int.h"

#include <stdio.h>
#include <string.h>

static const char *obs_id(scr_app *a) { return a->s.cur.obs.id; }

/* After a change: show what the store now holds, or say why it refused. */
static void changed(scr_app *a, int rc)
{
    if (rc != DB_OK)
        scr_set_error(a, rc);
    model_id id;
    snprintf(id, sizeof id, "%s", obs_id(a));
    scr_load_obs(a, id);
}

static int64_t elapsed(const scr_app *a)
{
    const model_observation *o = &a->s.cur.obs;
    int64_t end = o->status == MODEL_OBS_FINISHED ? o->ended_at : a->sys->now_ms(a->sys);
    return end - o->started_at;
}

int scr_observe_wake(const scr_app *a)
{
    if (!a->s.have_cur || a->s.cur.obs.status != MODEL_OBS_DRAFT)
        return -1;
    /* The clock shows seconds: wake exactly when the next one starts. */
    int64_t e = elapsed(a);
    return (int)(1000 - (e % 1000 + 1000) % 1000);
}

static const char *event_label(scr_app *a, const model_event *e)
{
    const model_template *t = &a->s.cur.tmpl;
    if (e->kind == MODEL_EV_COUNT) {
        for (int i = 0; i < t->n_counters; i++)
            if (strcmp(t->counters[i].key, e->key) == 0)
                return t->counters[i].label;
    } else if (e->kind == MODEL_EV_STATE_START || e->kind == MODEL_EV_STATE_STOP) {
        for (int i = 0; i < t->n_states; i++)
            if (strcmp(t->states[i].key, e->key) == 0)
                return ui_fmt(a->ui, "%s %s", t->states[i].label,
                              e->kind == MODEL_EV_STATE_START ? T("on") : T("off"));
    } else if (e->kind == MODEL_EV_SAMPLE) {
        for (int i = 0; i < t->n_interval_options; i++)
            if (strcmp(t->interval_options[i].key, e->key) == 0)
                return t->interval_options[i].label;
    }
    return e->key;
}

/* A half-written note is kept in the store as it is typed, per
 * observation, so that a killed app loses no words. */
static void save_note_draft(scr_app *a) { scr_draft_put(a, DB_DRAFT_NOTE, a->s.observe.note); }

/* A note is about the moment it was begun, not the moment it was saved:
 * opening the note dialog marks that moment (kept in the store with the
 * words, so a killed app keeps it too), unless a note is already begun. */
static void begin_note(scr_app *a)
{
    scr_observe_state *st = &a->s.observe;
    if (!st->note_at) {
        char v[32];
        st->note_at = a->sys->now_ms(a->sys);
        snprintf(v, sizeof v, "%lld", (long long)st->note_at);
        scr_draft_put(a, DB_DRAFT_NOTE_AT, v);
    }
    a->dialog = DLG_NOTE;
}

/* Closing the note dialog: a begun note with no words is no note at all,
 * so its moment is forgotten; words are kept with their moment. */
static void close_note(scr_app *a)
{
    a->dialog = DLG_NONE;
    if (!a->s.observe.note[0] && a->s.observe.note_at) {
        a->s.observe.note_at = 0;
        scr_draft_put(a, DB_DRAFT_NOTE_AT, "");
    }
}

static void note_dialog(scr_app *a)
{
    ui_ctx *u = a->ui;
    int dismiss = 0;
    ui_rect in = ui_dialog(u, ui_ids("note.dlg"), u->w - ui_dp(u, 32), u->h - ui_dp(u, 32),
                           &dismiss);
    if (dismiss) {
        /* Closing keeps the words: they are in the store as a draft. */
        close_note(a);
        return;
    }
    const model_template *t = &a->s.cur.tmpl;
    const model_focus *f = &a->s.cur.focus;
    ui_rect head = ui_cut_top(&in, ui_dp(u, 40));
    int64_t begun = a->s.observe.note_at ? a->s.observe.note_at : a->sys->now_ms(a->sys);
    ui_label(u, head, PLAT_FONT_TITLE, UI_TEXT,
             ui_fmt(u, T("Note at %s"), scr_duration(a, begun - a->s.cur.obs.started_at)), UI_LEFT);
    if (!u->video->has_keyboard(u->video)) {
        ui_osk_labels l = scr_osk_labels(a);
        ui_keyboard(u, ui_cut_bottom(&in, ui_keyboard_height(u)), &l);
        ui_cut_bottom(&in, ui_dp(u, 8));
    }
    ui_rect buttons = ui_cut_bottom(&in, ui_dp(u, 60));
    ui_cut_bottom(&in, ui_dp(u, 8));
    ui_rect cancel = ui_cut_left(&buttons, buttons.w / 3);
    ui_cut_left(&buttons, ui_dp(u, 12));
    if (ui_button(u, ui_ids("note.cancel"), cancel, T("Close"), UI_STYLE_PLAIN)) {
        close_note(a);
        return;
    }
    int can = a->s.observe.note[0] != 0;
    ui_focus(u, ui_ids("note.text"));
    ui_rect field = ui_cut_top(&in, ui_dp(u, 60));
    int r = ui_field(u, ui_ids("note.text"), field, a->s.observe.note, sizeof a->s.observe.note,
                     T("What did you see?"), 0);
    if (r & UI_CHANGED)
        save_note_draft(a);
    int add = can && (r & UI_SUBMIT);
    if (!can) {
        ui_fill(u, buttons, UI_LINE, ui_dp(u, 10));
        ui_label(u, buttons, PLAT_FONT_BOLD, UI_MUTED, T("Add note"), UI_CENTER);
    } else if (ui_button(u, ui_ids("note.add"), buttons, T("Add note"), UI_STYLE_PRIMARY)) {
        add = 1;
    }
    if (add) {
        const char *sign = a->s.observe.note_sign >= 0 ? f->signs[a->s.observe.note_sign].id : NULL;
        model_id nid;
        int rc = db_obs_note_at(a->db, obs_id(a), a->s.user.id, a->s.observe.note, sign, begun,
                                nid);
        if (rc == DB_OK) {
            a->s.observe.note[0] = 0;
            a->s.observe.note_sign = -1;
            save_note_draft(a);
            close_note(a);
        }
        changed(a, rc);
        return;
    }
    ui_cut_top(&in, ui_dp(u, 8));
    /* Quick phrases and signs as chips that wrap; the list scrolls if the
     * screen is small. */
    ui_id lid = ui_ids("note.list");
    int top = ui_list_begin(u, lid, in), y = top;
    int x = in.x, h = ui_dp(u, 48), gap = ui_dp(u, 8);
    ui_label(u, ui_r(in.x, y, in.w, ui_dp(u, 32)), PLAT_FONT_SMALL, UI_MUTED, T("Quick phrases"),
             UI_LEFT);
    y += ui_dp(u, 34);
    for (int i = 0; i < t->n_phrases; i++) {
        int w = ui_measure(u, PLAT_FONT_BODY, t->phrases[i]) + ui_dp(u, 32);
        if (w > in.w - ui_dp(u, 12))
            w = in.w - ui_dp(u, 12);
        if (x > in.x && x + w > in.x + in.w - ui_dp(u, 12)) {
            x = in.x;
            y += h + gap;
        }
        if (ui_chip(u, ui_idn("note.phrase", i), ui_r(x, y, w, h), t->phrases[i], 0)) {
            size_t n = strlen(a->s.observe.note);
            snprintf(a->s.observe.note + n, sizeof a->s.observe.note - n, "%s%s", n ? " " : "",
                     t->phrases[i]);
            save_note_draft(a);
        }
        x += w + gap;
    }
    y += h + ui_dp(u, 12);
    ui_label(u, ui_r(in.x, y, in.w, ui_dp(u, 32)), PLAT_FONT_SMALL, UI_MUTED,
             T("Tie the note to a sign (optional)"), UI_LEFT);
    y += ui_dp(u, 34);
    for (int i = 0; i < f->n_signs; i++) {
        ui_rect r2 = {in.x, y, in.w - ui_dp(u, 12), h};
        if (ui_chip(u, ui_idn("note.sign", i), r2, f->signs[i].text, a->s.observe.note_sign == i))
            a->s.observe.note_sign = a->s.observe.note_sign == i ? -1 : i;
        y += h + gap;
    }
    ui_list_end(u, lid, y - top);
}

/* Opens a note of the observation for editing. */
static void edit_note(scr_app *a, const model_note *n)
{
    scr_observe_state *st = &a->s.observe;
    snprintf(st->edit_id, sizeof st->edit_id, "%s", n->id);
    snprintf(st->edit, sizeof st->edit, "%s", n->text);
    st->edit_sign = -1;
    for (int i = 0; i < a->s.cur.focus.n_signs; i++)
        if (!strcmp(a->s.cur.focus.signs[i].id, n->sign_id))
            st->edit_sign = i;
    st->edit_delete = 0;
    a->dialog = DLG_NOTE_EDIT;
}

/* Editing a note that was added: its words and its sign change, its time
 * stays when it was begun. Delete asks once more. The change is one record
 * for sync, like the note itself. */
static void note_edit_dialog(scr_app *a)
{
    ui_ctx *u = a->ui;
    scr_observe_state *st = &a->s.observe;
    const model_note *n = NULL;
    for (int i = 0; i < a->s.cur.nnotes; i++)
        if (!strcmp(a->s.cur.notes[i].id, st->edit_id))
            n = &a->s.cur.notes[i];
    int dismiss = 0;
    ui_rect in = st->edit_delete
                     ? ui_dialog(u, ui_ids("nedit.dlg"), ui_dp(u, 520), ui_dp(u, 260), &dismiss)
                     : ui_dialog(u, ui_ids("nedit.dlg"), u->w - ui_dp(u, 32), u->h - ui_dp(u, 32),
                                 &dismiss);
    if (dismiss || !n) {
        a->dialog = DLG_NONE;
        return;
    }
    const model_focus *f = &a->s.cur.focus;
    const char *when = scr_duration(a, n->at - a->s.cur.obs.started_at);
    if (st->edit_delete) {
        ui_label(u, ui_cut_top(&in, ui_dp(u, 44)), PLAT_FONT_TITLE, UI_TEXT,
                 ui_fmt(u, T("Delete the note at %s?"), when), UI_LEFT);
        ui_rect b = ui_cut_bottom(&in, ui_dp(u, 60));
        ui_wrap(u, in, PLAT_FONT_BODY, UI_MUTED,
                T("Its words are erased on this tablet and, once synced, everywhere."), 1);
        ui_rect keep = ui_cut_left(&b, (b.w - ui_dp(u, 12)) / 2);
        ui_cut_left(&b, ui_dp(u, 12));
        if (ui_button(u, ui_ids("nedit.keep"), keep, T("Keep it"), UI_STYLE_PLAIN)) {
            st->edit_delete = 0;
            return;
        }
        if (ui_button(u, ui_ids("nedit.erase"), b, T("Delete note"), UI_STYLE_DANGER)) {
            int rc = db_obs_note_delete(a->db, st->edit_id, a->s.user.id);
            a->dialog = DLG_NONE;
            changed(a, rc);
        }
        return;
    }
    ui_label(u, ui_cut_top(&in, ui_dp(u, 40)), PLAT_FONT_TITLE, UI_TEXT,
             ui_fmt(u, T("Note at %s"), when), UI_LEFT);
    if (!u->video->has_keyboard(u->video)) {
        ui_osk_labels l = scr_osk_labels(a);
        ui_keyboard(u, ui_cut_bottom(&in, ui_keyboard_height(u)), &l);
        ui_cut_bottom(&in, ui_dp(u, 8));
    }
    ui_rect b = ui_cut_bottom(&in, ui_dp(u, 60));
    ui_cut_bottom(&in, ui_dp(u, 8));
    int gap = ui_dp(u, 12), bw = (b.w - 2 * gap) / 3;
    ui_rect close = ui_cut_left(&b, bw);
    ui_cut_left(&b, gap);
    ui_rect del = ui_cut_left(&b, bw);
    ui_cut_left(&b, gap);
    if (ui_button(u, ui_ids("nedit.close"), close, T("Close"), UI_STYLE_PLAIN)) {
        a->dialog = DLG_NONE;
        return;
    }
    if (ui_button(u, ui_ids("nedit.delete"), del, T("Delete note\xE2\x80\xA6"), UI_STYLE_PLAIN)) {
        st->edit_delete = 1;
        return;
    }
    const char *sign = st->edit_sign >= 0 ? f->signs[st->edit_sign].id : "";
    int same = !strcmp(st->edit, n->text) && !strcmp(sign, n->sign_id);
    int can = st->edit[0] != 0 && !same;
    ui_focus(u, ui_ids("nedit.text"));
    int r = ui_field(u, ui_ids("nedit.text"), ui_cut_top(&in, ui_dp(u, 60)), st->edit,
                     sizeof st->edit, T("What did you see?"), 0);
    int save = can && (r & UI_SUBMIT);
    if (!can) {
        ui_fill(u, b, UI_LINE, ui_dp(u, 10));
        ui_label(u, b, PLAT_FONT_BOLD, UI_MUTED, T("Save"), UI_CENTER);
    } else if (ui_button(u, ui_ids("nedit.save"), b, T("Save"), UI_STYLE_PRIMARY)) {
        save = 1;
    }
    if (save) {
        int rc = db_obs_note_edit(a->db, st->edit_id, a->s.user.id, st->edit, sign);
        if (rc == DB_OK)
            a->dialog = DLG_NONE;
        changed(a, rc);
        return;
    }
    ui_cut_top(&in, ui_dp(u, 8));
    ui_id lid = ui_ids("nedit.list");
    int top = ui_list_begin(u, lid, in), y = top, h = ui_dp(u, 48);
    ui_label(u, ui_r(in.x, y, in.w, ui_dp(u, 32)), PLAT_FONT_SMALL, UI_MUTED,
             T("Tie the note to a sign (optional)"), UI_LEFT);
    y += ui_dp(u, 34);
    for (int i = 0; i < f->n_signs; i++) {
        ui_rect r2 = {in.x, y, in.w - ui_dp(u, 12), h};
        if (ui_chip(u, ui_idn("nedit.sign", i), r2, f->signs[i].text, st->edit_sign == i))
            st->edit_sign = st->edit_sign == i ? -1 : i;
        y += h + ui_dp(u, 8);
    }
    ui_list_end(u, lid, y - top);
}

/* Finishing: says what finishing does, and what is still open in the
 * observation, so that nothing is closed by accident: signs not rated and
 * timers that are running (they stop now). */
static void finish_dialog(scr_app *a)
{
    ui_ctx *u = a->ui;
    const scr_obs *o = &a->s.cur;
    int unrated = 0, running = 0;
    const char *timers = "";
    for (int s = 0; s < o->focus.n_signs; s++)
        unrated += o->levels[s] < 0;
    for (int s = 0; s < o->tmpl.n_states; s++)
        if (o->tally.running[s]) {
            timers = ui_fmt(u, "%s%s%s", timers, running ? ", " : "", o->tmpl.states[s].label);
            running++;
        }
    const scr_observe_state *st = &a->s.observe;
    int draft = st->note[0] != 0;
    int dismiss = 0;
    int w = ui_dp(u, 560) < u->w - ui_dp(u, 32) ? ui_dp(u, 560) : u->w - ui_dp(u, 32);
    ui_rect in = ui_dialog(u, ui_ids("finish.dlg"), w,
                           ui_dp(u, 260) + (unrated ? ui_dp(u, 60) : 0) +
                               (running ? ui_dp(u, 36) : 0) + (draft ? ui_dp(u, 36) : 0),
                           &dismiss);
    if (dismiss) {
        a->dialog = DLG_NONE;
        return;
    }
    ui_label(u, ui_cut_top(&in, ui_dp(u, 44)), PLAT_FONT_TITLE, UI_TEXT,
             T("Finish the observation?"), UI_LEFT);
    ui_rect b = ui_cut_bottom(&in, ui_dp(u, 60));
    ui_cut_bottom(&in, ui_dp(u, 12));
    int h = ui_wrap(u, in, PLAT_FONT_BODY, UI_MUTED,
                    T("Counting and timers stop. You will see a summary to use in the feedback "
                      "conversation."),
                    1);
    ui_cut_top(&in, h + ui_dp(u, 12));
    if (unrated) {
        h = ui_wrap(u, in, PLAT_FONT_BODY, UI_DANGER,
                    ui_fmt(u,
                           NT("%d sign is not rated. It can still be rated after finishing, "
                              "with Correct.",
                              "%d signs are not rated. They can still be rated after finishing, "
                              "with Correct.",
                              unrated),
                           unrated),
                    1);
        ui_cut_top(&in, h + ui_dp(u, 8));
    }
    if (running) {
        h = ui_wrap(u, in, PLAT_FONT_BODY, UI_DANGER,
                    ui_fmt(u, T("Running now, and stopped at finishing: %s."), timers), 1);
        ui_cut_top(&in, h + ui_dp(u, 8));
    }
    int64_t begun = st->note_at ? st->note_at : a->sys->now_ms(a->sys);
    if (draft)
        ui_wrap(u, in, PLAT_FONT_BODY, UI_TEXT,
                ui_fmt(u, T("The note begun at %s is added first."),
                       scr_duration(a, begun - o->obs.started_at)),
                1);
    ui_rect keep = ui_cut_left(&b, (b.w - ui_dp(u, 12)) / 2);
    ui_cut_left(&b, ui_dp(u, 12));
    if (ui_button(u, ui_ids("finish.keep"), keep, T("Keep observing"), UI_STYLE_PLAIN)) {
        a->dialog = DLG_NONE;
        return;
    }
    if (ui_button(u, ui_ids("finish.yes"), b, T("Finish"), UI_STYLE_PRIMARY)) {
        /* A begun note would be shut out by the finish: it goes in first,
         * at its own time, and finishing waits if it cannot. */
        int rc = DB_OK;
        if (draft) {
            const char *sign = st->note_sign >= 0 ? o->focus.signs[st->note_sign].id : NULL;
            rc = db_obs_note_at(a->db, obs_id(a), a->s.user.id, st->note, sign, begun, NULL);
            if (rc == DB_OK) {
                a->s.observe.note[0] = 0;
                a->s.observe.note_sign = -1;
                save_note_draft(a);
                close_note(a);
            }
        }
        if (rc == DB_OK)
            rc = db_obs_finish(a->db, obs_id(a), a->s.user.id);
        a->dialog = DLG_NONE;
        changed(a, rc);
        if (rc == DB_OK)
            scr_go(a, SCR_SUMMARY);
    }
}

/* Putting a started observation aside, or discarding it: the way out when
 * the wrong colleague was picked, or the visit is called off. Put aside
 * keeps it under My drafts; discard deletes it, and is offered only while
 * nothing of it has left the tablet, because the server and the observee
 * would keep what reached them. Discarding asks twice: it cannot be undone. */
static void leave_dialog(scr_app *a)
{
    ui_ctx *u = a->ui;
    scr_observe_state *st = &a->s.observe;
    int dismiss = 0;
    int w = ui_dp(u, 600) < u->w - ui_dp(u, 32) ? ui_dp(u, 600) : u->w - ui_dp(u, 32);
    ui_rect in = ui_dialog(u, ui_ids("leave.dlg"), w, ui_dp(u, 340), &dismiss);
    if (dismiss) {
        a->dialog = DLG_NONE;
        return;
    }
    ui_rect b = ui_cut_bottom(&in, ui_dp(u, 60));
    ui_cut_bottom(&in, ui_dp(u, 12));
    if (st->discard) {
        int taps = 0, rated = 0;
        for (int i = 0; i < a->s.cur.tmpl.n_counters; i++)
            taps += a->s.cur.tally.counts[i];
        for (int i = 0; i < a->s.cur.focus.n_signs; i++)
            rated += a->s.cur.levels[i] >= 0;
        ui_label(u, ui_cut_top(&in, ui_dp(u, 44)), PLAT_FONT_TITLE, UI_TEXT,
                 T("Discard the observation for good?"), UI_LEFT);
        int h = ui_wrap(u, in, PLAT_FONT_BODY, UI_MUTED,
                        T("Everything recorded in it is deleted from this tablet. This cannot "
                          "be undone."),
                        1);
        ui_cut_top(&in, h + ui_dp(u, 12));
        ui_label(u, ui_cut_top(&in, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_TEXT,
                 ui_fmt(u, "%s  \xC2\xB7  %s  \xC2\xB7  %s",
                        ui_fmt(u, NT("%d count", "%d counts", taps), taps),
                        ui_fmt(u, NT("%d note", "%d notes", a->s.cur.nnotes), a->s.cur.nnotes),
                        ui_fmt(u, NT("%d rating", "%d ratings", rated), rated)),
                 UI_LEFT);
        ui_rect keep = ui_cut_left(&b, (b.w - ui_dp(u, 12)) / 2);
        ui_cut_left(&b, ui_dp(u, 12));
        if (ui_button(u, ui_ids("leave.keep"), keep, T("Keep it"), UI_STYLE_PLAIN)) {
            st->discard = 0;
            return;
        }
        if (ui_button(u, ui_ids("leave.erase"), b, T("Discard for good"), UI_STYLE_DANGER)) {
            int rc = db_obs_discard(a->db, obs_id(a), a->s.user.id);
            st->discard = 0;
            a->dialog = DLG_NONE;
            if (rc != DB_OK) {
                changed(a, rc);
                return;
            }
            scr_go(a, SCR_HOME);
        }
        return;
    }
    ui_label(u, ui_cut_top(&in, ui_dp(u, 44)), PLAT_FONT_TITLE, UI_TEXT,
             T("Put the observation aside?"), UI_LEFT);
    int h = ui_wrap(u, in, PLAT_FONT_BODY, UI_MUTED,
                    T("It waits under My drafts on the home screen, and you go on from there. "
                      "Its clock keeps running until you finish it."),
                    1);
    ui_cut_top(&in, h + ui_dp(u, 12));
    ui_wrap(u, in, PLAT_FONT_BODY, UI_MUTED,
            st->left ? T("It can no longer be discarded: part of it has reached the server, "
                         "where the observed colleague can see it.")
                     : T("Or discard it: nothing of it has left this tablet, so nobody else "
                         "will ever see it."),
            1);
    int n = st->left ? 2 : 3, gap = ui_dp(u, 12);
    int bw = (b.w - gap * (n - 1)) / n;
    ui_rect keep = ui_cut_left(&b, bw);
    ui_cut_left(&b, gap);
    if (ui_button(u, ui_ids("leave.keep"), keep, T("Keep observing"), UI_STYLE_PLAIN)) {
        a->dialog = DLG_NONE;
        return;
    }
    ui_rect aside = ui_cut_left(&b, bw);
    ui_cut_left(&b, gap);
    if (ui_button(u, ui_ids("leave.aside"), aside, T("Put aside"), UI_STYLE_PRIMARY)) {
        a->dialog = DLG_NONE;
        scr_go(a, SCR_HOME);
        return;
    }
    if (!st->left && ui_button(u, ui_ids("leave.discard"), b, T("Discard"), UI_STYLE_DANGER))
        st->discard = 1;
}

/* The focus question and the signs, each with its scale; drawn in a list
 * that scrolls if there are many signs. */
static void signs_pane(scr_app *a, ui_rect pane)
{
    ui_ctx *u = a->ui;
    const model_focus *f = &a->s.cur.focus;
    ui_fill(u, pane, UI_SURFACE, ui_dp(u, 12));
    ui_rect in = ui_inset(pane, ui_dp(u, 12));
    int qh = ui_wrap(u, in, PLAT_FONT_BOLD, UI_PRIMARY, f->question, 0);
    int maxq = in.h / 3;
    ui_rect q = ui_cut_top(&in, qh < maxq ? qh : maxq);
    ui_clip_push(u, q);
    ui_wrap(u, q, PLAT_FONT_BOLD, UI_PRIMARY, f->question, 1);
    ui_clip_pop(u);
    ui_cut_top(&in, ui_dp(u, 8));
    ui_id lid = ui_ids("obs.signs");
    int top = ui_list_begin(u, lid, in), y = top;
    int w = in.w - ui_dp(u, 10);
    for (int s = 0; s < f->n_signs; s++) {
        int l = scr_sign_scale(a, in, &y, w, "obs.rate", s);
        if (l >= 0) { /* a tap on the marked level takes the rating back */
            int level = a->s.cur.levels[s] == l ? -1 : l;
            changed(a, db_obs_rate(a->db, obs_id(a), a->s.user.id, f->signs[s].id, level));
        }
    }
    ui_list_end(u, lid, y - top);
}

/* Interval sampling: prompt k falls due k intervals after the start. */
static int64_t every_ms(const scr_app *a)
{
    const model_template *t = &a->s.cur.tmpl;
    return t->interval_minutes > 0 && t->n_interval_options > 0
               ? (int64_t)t->interval_minutes * 60000
               : 0;
}

/* Whether prompt k has an answer that is not undone: a sample stored at
 * its due time. */
static int sample_answered(const scr_app *a, int k)
{
    const scr_obs *o = &a->s.cur;
    int64_t due = o->obs.started_at + every_ms(a) * k;
    for (int e = 0; e < o->nevents; e++)
        if (!o->undone[e] && o->events[e].kind == MODEL_EV_SAMPLE && o->events[e].at == due)
            return 1;
    return 0;
}

int scr_samples_card(scr_app *a, ui_rect col, int y)
{
    ui_ctx *u = a->ui;
    const scr_obs *o = &a->s.cur;
    const model_template *t = &o->tmpl;
    int64_t every = every_ms(a);
    if (every <= 0)
        return y;
    int64_t end = o->obs.status == MODEL_OBS_FINISHED ? o->obs.ended_at : a->sys->now_ms(a->sys);
    int due = (int)((end - o->obs.started_at) / every), answered = 0;
    for (int k = 1; k <= due; k++)
        answered += sample_answered(a, k);
    ui_label(u, ui_r(col.x, y, col.w, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_MUTED,
             ui_fmt(u, T("Interval samples every %d min"), t->interval_minutes), UI_LEFT);
    y += ui_dp(u, 40);
    const char *line = "";
    for (int i = 0; i < t->n_interval_options; i++) {
        int n = 0;
        for (int e = 0; e < o->nevents; e++)
            n += !o->undone[e] && o->events[e].kind == MODEL_EV_SAMPLE &&
                 !strcmp(o->events[e].key, t->interval_options[i].key);
        line = ui_fmt(u, "%s%s%s: %d", line, i ? "  \xC2\xB7  " : "", t->interval_options[i].label,
                      n);
    }
    line = ui_fmt(u, "%s  \xC2\xB7  %s: %d", line, T("Skipped"), due - answered);
    y += ui_wrap(u, ui_r(col.x, y, col.w, 0), PLAT_FONT_BODY, UI_TEXT, line, 1) + ui_dp(u, 6);
    ui_label(
        u, ui_r(col.x, y, col.w, ui_dp(u, 28)), PLAT_FONT_SMALL, UI_MUTED,
        ui_fmt(u, NT("%d of %d prompt answered", "%d of %d prompts answered", due), answered, due),
        UI_LEFT);
    return y + ui_dp(u, 40);
}

/* The interval prompt's own band, there from the start so that nothing
 * under the finger moves when a prompt falls due: it says when the next
 * one is due, and at that time it asks, gently (nothing else is blocked).
 * The open prompt is the newest one due; one left until the next falls
 * due counts as skipped. An answer is stored at the prompt's due time. */
/* The height the signs pane needs at width w to show the question and
 * every sign with its scale whole (scr_sign_scale's layout), so that in
 * portrait no sign is cut in half at the pane's edge. */
static int signs_height(scr_app *a, int w)
{
    ui_ctx *u = a->ui;
    const model_focus *f = &a->s.cur.focus;
    int inner = w - ui_dp(u, 24), sw = inner - ui_dp(u, 10);
    int h = ui_dp(u, 24) +
            ui_wrap(u, ui_r(0, 0, inner, 0), PLAT_FONT_BOLD, UI_PRIMARY, f->question, 0) +
            ui_dp(u, 8);
    for (int s = 0; s < f->n_signs; s++)
        h += ui_wrap(u, ui_r(0, 0, sw, 0), PLAT_FONT_BODY, UI_TEXT, f->signs[s].text, 0) +
             ui_dp(u, 6 + 52 + 18);
    return h; /* the last gap is slack for rounding: no scroll bar at rest */
}

static void interval_band(scr_app *a, ui_rect *area)
{
    ui_ctx *u = a->ui;
    const model_template *t = &a->s.cur.tmpl;
    int64_t every = every_ms(a);
    if (every <= 0)
        return;
    ui_rect band = ui_cut_top(area, ui_dp(u, 124));
    ui_cut_top(area, ui_dp(u, 10));
    int64_t e = elapsed(a);
    int due = (int)(e / every);
    int open = due >= 1 && due > a->s.observe.skipped && !sample_answered(a, due) ? due : 0;
    ui_rect in = ui_inset(band, ui_dp(u, 10));
    if (!open) {
        ui_fill(u, band, UI_SURFACE, ui_dp(u, 12));
        int64_t next = (int64_t)(due + 1) * every;
        ui_label(u, ui_cut_top(&in, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_MUTED,
                 ui_fmt(u, T("Interval sampling every %d min"), t->interval_minutes), UI_LEFT);
        ui_label(u, ui_cut_top(&in, ui_dp(u, 36)), PLAT_FONT_BODY, UI_TEXT,
                 ui_fmt(u, T("Prompt %d is due at %s, in %s."), due + 1, scr_duration(a, next),
                        scr_duration(a, next - e + 999)),
                 UI_LEFT);
        return;
    }
    ui_fill(u, band, 0xFBEBD3FFu, ui_dp(u, 12));
    ui_label(u, ui_cut_top(&in, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_TEXT,
             ui_fmt(u, T("Interval %d (%s): what is happening now?"), open,
                    scr_duration(a, (int64_t)open * every)),
             UI_LEFT);
    ui_cut_top(&in, ui_dp(u, 6));
    int n = t->n_interval_options + 1;
    int cw = (in.w - ui_dp(u, 8) * (n - 1)) / n;
    for (int i = 0; i < n; i++) {
        ui_rect c = {in.x + i * (cw + ui_dp(u, 8)), in.y, cw, in.h};
        if (i == n - 1) {
            if (ui_button(u, ui_ids("obs.skip"), c, T("Skip"), UI_STYLE_QUIET)) {
                /* Kept in the store too: a restart must not ask again. */
                char val[16];
                a->s.observe.skipped = open;
                snprintf(val, sizeof val, "%d", open);
                scr_draft_put(a, DB_DRAFT_SKIPPED, val);
            }
        } else if (ui_chip(u, ui_idn("obs.sample", i), c, t->interval_options[i].label, 0)) {
            changed(a, db_obs_sample(a->db, obs_id(a), a->s.user.id, open,
                                     t->interval_options[i].key, NULL));
        }
    }
}

static void tools_pane(scr_app *a, ui_rect pane)
{
    ui_ctx *u = a->ui;
    const model_template *t = &a->s.cur.tmpl;
    interval_band(a, &pane);
    int gap = ui_dp(u, 10);
    /* Counters: big tiles, two or three across. */
    int cols = pane.w > ui_dp(u, 600) ? 3 : 2;
    if (t->n_counters < cols)
        cols = t->n_counters > 0 ? t->n_counters : 1;
    int rows = (t->n_counters + cols - 1) / cols;
    /* Portrait has height to spare: bigger tiles are easier to hit blind. */
    int ch = ui_dp(u, scr_portrait(a) ? 150 : 112);
    int room = pane.h - ui_dp(u, 8) - (t->n_states > 0 ? ui_dp(u, 80) * t->n_states : 0) -
               ui_dp(u, 60);
    if (rows > 0 && rows * (ch + gap) > room)
        ch = room / rows - gap;
    if (ch < ui_dp(u, 72))
        ch = ui_dp(u, 72);
    int cw = (pane.w - gap * (cols - 1)) / cols;
    for (int i = 0; i < t->n_counters; i++) {
        ui_rect r = {pane.x + (i % cols) * (cw + gap), pane.y + (i / cols) * (ch + gap), cw, ch};
        if (ui_counter(u, ui_idn("obs.count", i), r, t->counters[i].label,
                       a->s.cur.tally.counts[i]))
            changed(a, db_obs_event(a->db, obs_id(a), a->s.user.id, MODEL_EV_COUNT,
                                    t->counters[i].key, NULL));
    }
    ui_cut_top(&pane, rows * (ch + gap) + gap);
    /* State timers: on/off with the running time. */
    int64_t now = a->sys->now_ms(a->sys);
    for (int s = 0; s < t->n_states; s++) {
        ui_rect r = ui_cut_top(&pane, ui_dp(u, 72));
        ui_cut_top(&pane, ui_dp(u, 8));
        int64_t total = model_tally_state_ms(&a->s.cur.tally, s, now);
        int on = a->s.cur.tally.running[s];
        const char *label = ui_fmt(u, "%s  %s", t->states[s].label, scr_duration(a, total));
        if (ui_toggle(u, ui_idn("obs.state", s), r, label, &on))
            changed(a, db_obs_event(a->db, obs_id(a), a->s.user.id,
                                    on ? MODEL_EV_STATE_START : MODEL_EV_STATE_STOP,
                                    t->states[s].key, NULL));
    }
    /* A note begun and not yet added (kept through a kill): shown first,
     * so that it is not forgotten behind the Note button. */
    if (a->s.observe.note[0] && pane.h >= ui_dp(u, 48)) {
        ui_rect r = ui_cut_top(&pane, ui_dp(u, 48));
        ui_cut_top(&pane, ui_dp(u, 6));
        int held = 0;
        if (ui_area(u, ui_ids("obs.draftnote"), r, &held)) {
            begin_note(a);
            return;
        }
        ui_fill(u, r, held ? UI_SOFT : 0xFBEBD3FFu, ui_dp(u, 10));
        ui_rect in = ui_inset(r, ui_dp(u, 12));
        const char *head = T("Not added yet:");
        ui_rect lab = ui_cut_left(&in, ui_measure(u, PLAT_FONT_BOLD, head) + ui_dp(u, 12));
        ui_label(u, lab, PLAT_FONT_BOLD, UI_TEXT, head, UI_LEFT);
        ui_label(u, in, PLAT_FONT_BODY, UI_TEXT, a->s.observe.note, UI_LEFT);
    }
    /* The newest notes, so the observer sees they were kept; a tap opens
     * one to change or delete it. */
    for (int i = a->s.cur.nnotes - 1; i >= 0 && pane.h >= ui_dp(u, 48); i--) {
        const model_note *n = &a->s.cur.notes[i];
        ui_rect r = ui_cut_top(&pane, ui_dp(u, 48));
        ui_cut_top(&pane, ui_dp(u, 6));
        int held = 0;
        if (ui_area(u, ui_idn("obs.notes", i), r, &held)) {
            edit_note(a, n);
            return;
        }
        ui_fill(u, r, held ? UI_SOFT : UI_SURFACE, ui_dp(u, 10));
        ui_rect in = ui_inset(r, ui_dp(u, 12));
        const char *at = scr_duration(a, n->at - a->s.cur.obs.started_at);
        ui_rect when = ui_cut_left(&in, ui_measure(u, PLAT_FONT_BOLD, at) + ui_dp(u, 12));
        ui_label(u, when, PLAT_FONT_BOLD, UI_MUTED, at, UI_LEFT);
        ui_label(u, in, PLAT_FONT_BODY, UI_TEXT, n->text, UI_LEFT);
    }
}

/* A paired observation shows its pair code under the head the whole time,
 * large and in two groups of three, so that the first observer can read it
 * aloud across the room and the second can check they typed it right. */
static void pair_band(scr_app *a, ui_rect *body)
{
    ui_ctx *u = a->ui;
    ui_rect band = ui_cut_top(body, ui_dp(u, 56));
    ui_fill(u, band, UI_SOFT, 0);
    ui_rect in = ui_inset(band, ui_dp(u, 8));
    const char *lab = T("Pair code");
    ui_rect l = ui_cut_left(&in, ui_measure(u, PLAT_FONT_BOLD, lab) + ui_dp(u, 16));
    ui_label(u, l, PLAT_FONT_BOLD, UI_MUTED, lab, UI_LEFT);
    const char *c = a->s.cur.obs.pair_code;
    const char *code = ui_fmt(u, "%.3s %s", c, c + (strlen(c) > 3 ? 3 : strlen(c)));
    ui_rect k = ui_cut_left(&in, ui_measure(u, PLAT_FONT_TITLE, code) + ui_dp(u, 24));
    ui_label(u, k, PLAT_FONT_TITLE, UI_TEXT, code, UI_LEFT);
    ui_label(u, in, PLAT_FONT_BODY, UI_MUTED,
             T("The same code on both tablets links your two observations"), UI_LEFT);
}

void scr_observe_frame(scr_app *a, ui_rect screen)
{
    ui_ctx *u = a->ui;
    if (!a->s.have_cur) {
        scr_go(a, SCR_HOME);
        return;
    }
    if (a->s.cur.obs.status != MODEL_OBS_DRAFT) {
        scr_go(a, SCR_SUMMARY);
        return;
    }
    ui_block(u, a->dialog != DLG_NONE);
    ui_rect body = scr_topbar(a, screen, T("Observation"));
    if (a->screen != SCR_OBSERVE)
        return;
    /* Who, where, and the running clock. */
    ui_rect head = ui_cut_top(&body, ui_dp(u, 64));
    ui_rect hin = ui_inset(head, ui_dp(u, 8));
    ui_rect clock = ui_cut_left(&hin, ui_dp(u, 130));
    const char *al = T("Put aside\xE2\x80\xA6");
    ui_rect leave = ui_cut_right(&hin, ui_measure(u, PLAT_FONT_BOLD, al) + ui_dp(u, 40));
    ui_cut_right(&hin, ui_dp(u, 8));
    if (ui_button(u, ui_ids("obs.leave"), leave, al, UI_STYLE_PLAIN)) {
        int left = 0;
        int rc = db_obs_left_tablet(a->db, obs_id(a), &left);
        if (rc != DB_OK) {
            scr_set_error(a, rc);
        } else {
            a->s.observe.left = left;
            a->s.observe.discard = 0;
            a->dialog = DLG_LEAVE;
        }
    }
    ui_label(u, clock, PLAT_FONT_HUGE, UI_TEXT, scr_duration(a, elapsed(a)), UI_LEFT);
    ui_label(u, hin, PLAT_FONT_BODY, UI_MUTED,
             ui_fmt(u, "%s  \xC2\xB7  %s  \xC2\xB7  %s", a->s.cur.observee, a->s.cur.room,
                    a->s.cur.obs.activity),
             UI_LEFT);
    if (a->s.cur.obs.pair_code[0])
        pair_band(a, &body);
    /* The actions a thumb reaches: undo, note, finish. */
    ui_rect bottom = ui_cut_bottom(&body, ui_dp(u, 88));
    ui_fill(u, bottom, UI_SURFACE, 0);
    ui_rect bb = ui_inset(bottom, ui_dp(u, 12));
    int gap = ui_dp(u, 12);
    int bw = (bb.w - 2 * gap) / 3;
    ui_rect undo = ui_cut_left(&bb, bw + bw / 2);
    ui_cut_left(&bb, gap);
    ui_rect note = ui_cut_left(&bb, (bb.w - gap) / 2);
    ui_cut_left(&bb, gap);
    if (a->s.cur.last.id[0]) {
        const char *l = ui_fmt(u, T("Undo: %s"), event_label(a, &a->s.cur.last));
        if (ui_button(u, ui_ids("obs.undo"), undo, l, UI_STYLE_PLAIN)) {
            model_id uid;
            changed(a, db_obs_undo(a->db, obs_id(a), a->s.user.id, uid));
        }
    } else {
        ui_fill(u, undo, UI_BG, ui_dp(u, 10));
        ui_label(u, undo, PLAT_FONT_BOLD, UI_MUTED, T("Nothing to undo"), UI_CENTER);
    }
    const char *nl = a->s.cur.nnotes ? ui_fmt(u, T("Note (%d)"), a->s.cur.nnotes) : T("Note");
    if (ui_button(u, ui_ids("obs.note"), note, nl, UI_STYLE_PLAIN))
        begin_note(a);
    if (ui_button(u, ui_ids("obs.finish"), bb, T("Finish"), UI_STYLE_PRIMARY))
        a->dialog = DLG_FINISH;

    ui_rect area = ui_inset(body, ui_dp(u, 12));
    if (scr_portrait(a)) {
        /* As tall as the signs need, up to just over half the height; past
         * that the list scrolls, but a sign is never cut at rest. */
        int need = signs_height(a, area.w), most = area.h * 11 / 20;
        ui_rect top = ui_cut_top(&area, need < area.h * 2 / 5 ? area.h * 2 / 5
                                        : need < most         ? need
                                                              : most);
        ui_cut_top(&area, ui_dp(u, 12));
        signs_pane(a, top);
    } else {
        ui_rect left = ui_cut_left(&area, area.w * 2 / 5);
        ui_cut_left(&area, ui_dp(u, 12));
        signs_pane(a, left);
    }
    if (a->s.have_cur)
        tools_pane(a, area);
    if (a->dialog == DLG_NOTE || a->dialog == DLG_FINISH || a->dialog == DLG_LEAVE ||
        a->dialog == DLG_NOTE_EDIT) {
        ui_block(u, 0);
        if (a->dialog == DLG_NOTE)
            note_dialog(a);
        else if (a->dialog == DLG_NOTE_EDIT)
            note_edit_dialog(a);
        else if (a->dialog == DLG_FINISH)
            finish_dialog(a);
        else
            leave_dialog(a);
    }
}
