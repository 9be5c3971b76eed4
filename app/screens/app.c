/* The app's state: who is signed in, which screen, resuming after a
 * restart, the auto-lock, and the parts every screen shares. */
#include "scr_int.h"
#include "scr_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const screen_keys[SCR_COUNT] = {
    "signin",  "home",     "start",    "observe", "summary", "feedback", "reflection",
    "history", "progress", "settings", "review",  "welcome", "plan"};

static scr_screen screen_from_key(const char *s)
{
    for (int i = 0; i < SCR_COUNT; i++) {
        if (strcmp(s, screen_keys[i]) == 0)
            return (scr_screen)i;
    }
    return SCR_SIGNIN;
}

void scr_set_error(scr_app *a, int rc)
{
    if (rc == DB_OK)
        return;
    snprintf(a->s.err, sizeof a->s.err, "%s", db_errmsg(a->db));
}

static void kv_put(scr_app *a, const char *key, const char *value)
{
    int rc = db_kv_put(a->db, key, value);
    scr_set_error(a, rc);
}

/* Records where the signed-in person is, so that a killed app comes back to
 * the same screen and observation: "place.<person>" says where each person
 * was (so that on a shared tablet everyone gets their own work back), and
 * "ui.user" with "ui.seen", the wall-clock time of the last activity, say
 * who was signed in: a restart within the lock time needs no PIN. A place
 * names the screen and what it shows: the observation, or on a plan's
 * screen and on a start made from a plan, the plan. */
void scr_save_place(scr_app *a)
{
    if (!a->s.signed_in)
        return;
    char seen[32], key[64], place[96];
    int64_t now = a->sys->now_ms(a->sys);
    snprintf(seen, sizeof seen, "%lld", (long long)now);
    snprintf(key, sizeof key, "place.%s", a->s.user.id);
    const char *what = a->s.have_cur ? a->s.cur.obs.id : "";
    if (a->screen == SCR_PLAN)
        what = a->s.plan.row.plan.id;
    else if (a->screen == SCR_START)
        what = a->s.start.have_plan ? a->s.start.plan.plan.id : "";
    snprintf(place, sizeof place, "%s %s", screen_keys[a->screen], what);
    /* One transaction, so one wait for the disk, and never half a place. */
    int rc = db_batch_begin(a->db);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return;
    }
    kv_put(a, key, place);
    kv_put(a, "ui.user", a->s.user.id);
    kv_put(a, "ui.seen", seen);
    rc = db_batch_end(a->db, 1);
    scr_set_error(a, rc);
    a->seen_written = now;
}

void scr_refresh_outbox(scr_app *a)
{
    int64_t n = 0;
    if (db_outbox_count(a->db, &n) == DB_OK)
        a->outbox = n;
    scr_sync_refresh(a);
}

const char *scr_person_name(const scr_app *a, const char *id)
{
    for (int i = 0; i < a->npeople; i++) {
        if (strcmp(a->people[i].id, id) == 0)
            return a->people[i].name;
    }
    return "";
}

const char *scr_observee_name(scr_app *a, const model_observation *o)
{
    if (o->team[0])
        return ui_fmt(a->ui, T("the team %s"), o->team);
    return scr_person_name(a, o->observee_id);
}

static void load_people(scr_app *a)
{
    a->npeople = 0;
    if (!a->have_unit)
        return;
    int rc = db_person_list(a->db, a->unit.id, "", 0, SCR_MAX_PEOPLE, a->people, &a->npeople);
    if (rc != DB_OK) {
        a->npeople = 0;
        scr_set_error(a, rc);
    }
}

/* The tablet's unit and its people, as the store has them now. A pull
 * brings new people, PIN verifiers and deactivations; they count from the
 * next PIN typed, and a signed-in person the unit no longer has (erased,
 * deactivated) is signed out at once, with their work saved as on any
 * lock. A tablet that just got its unit leaves the welcome screen's wait
 * for the sign-in by itself (welcome.c). */
void scr_reload_unit(scr_app *a)
{
    char buf[64];
    model_unit un;
    int had = a->have_unit;
    if (db_device_unit_get(a->db, buf) == DB_OK && buf[0] &&
        db_unit_get(a->db, buf, &un) == DB_OK) {
        a->unit = un;
        a->have_unit = 1;
    } else {
        a->have_unit = 0;
    }
    int before = a->npeople;
    model_id picked = "";
    if (a->s.signin.picked >= 0 && a->s.signin.picked < a->npeople)
        memcpy(picked, a->people[a->s.signin.picked].id, sizeof picked);
    load_people(a);
    if (a->s.signed_in) {
        const model_person *me = NULL;
        for (int i = 0; i < a->npeople && !me; i++) {
            if (!strcmp(a->people[i].id, a->s.user.id))
                me = &a->people[i];
        }
        if (!me) {
            scr_lock(a);
            return;
        }
        a->s.user.role = me->role;
        snprintf(a->s.user.name, sizeof a->s.user.name, "%s", me->name);
    }
    if (a->screen == SCR_SIGNIN) {
        /* The picked person keeps the PIN dialog if still here; indexes may
         * have moved. Someone gone closes it. */
        int again = -1;
        for (int i = 0; picked[0] && i < a->npeople; i++) {
            if (!strcmp(a->people[i].id, picked))
                again = i;
        }
        if (had != a->have_unit || before != a->npeople || again < 0) {
            int dialog = a->dialog;
            scr_signin_enter(a);
            if (again >= 0 && dialog == DLG_PIN) {
                a->s.signin.picked = again;
                a->dialog = DLG_PIN;
            } else {
                a->dialog = DLG_NONE;
            }
        } else {
            a->s.signin.picked = again;
        }
    }
}

/* Screens that show one observation keep it loaded. */
static int shows_obs(scr_screen s)
{
    return s == SCR_OBSERVE || s == SCR_SUMMARY || s == SCR_FEEDBACK || s == SCR_REFLECTION;
}

/* Text typed on the way out of a screen is saved before it is left. */
static void leave_screen(scr_app *a)
{
    if (a->screen == SCR_FEEDBACK && a->s.have_cur)
        scr_feedback_commit(a, 0);
    else if (a->screen == SCR_REFLECTION && a->s.have_cur)
        scr_reflection_commit(a);
}

void scr_go(scr_app *a, scr_screen s)
{
    leave_screen(a);
    a->screen = s;
    a->dialog = DLG_NONE;
    ui_reset_input(a->ui);
    if (!shows_obs(s))
        a->s.have_cur = 0;
    switch (s) {
    case SCR_SIGNIN: scr_signin_enter(a); break;
    case SCR_HOME: scr_home_enter(a); break;
    case SCR_START: scr_start_enter(a); break;
    case SCR_SUMMARY: scr_summary_enter(a); break;
    case SCR_FEEDBACK: scr_feedback_enter(a); break;
    case SCR_REFLECTION: scr_reflection_enter(a); break;
    case SCR_HISTORY: scr_history_enter(a); break;
    case SCR_PROGRESS: scr_progress_enter(a); break;
    case SCR_SETTINGS: scr_settings_enter(a); break;
    case SCR_REVIEW: scr_review_enter(a); break;
    case SCR_WELCOME: scr_welcome_enter(a); break;
    case SCR_PLAN: scr_plan_enter(a); break;
    case SCR_OBSERVE:
        if (a->s.have_cur) {
            if (scr_draft_get(a, DB_DRAFT_NOTE, a->s.observe.note, sizeof a->s.observe.note) != 0)
                a->s.observe.note[0] = 0;
            char at[32];
            a->s.observe.note_at = scr_draft_get(a, DB_DRAFT_NOTE_AT, at, sizeof at) == 0
                                       ? atoll(at)
                                       : 0;
            char skips[16];
            a->s.observe.skipped = scr_draft_get(a, DB_DRAFT_SKIPPED, skips, sizeof skips) == 0
                                       ? atoi(skips)
                                       : 0;
        }
        break;
    default: break;
    }
    scr_refresh_outbox(a);
    scr_save_place(a);
}

int scr_load_obs(scr_app *a, const char *id)
{
    scr_obs *o = &a->s.cur;
    memset(o, 0, sizeof *o);
    a->s.have_cur = 0;
    int rc = db_obs_get(a->db, id, &o->obs);
    if (rc == DB_OK)
        rc = db_focus_get(a->db, o->obs.focus_id, o->obs.focus_version, &o->focus);
    if (rc == DB_OK)
        rc = db_template_get(a->db, o->obs.template_id, o->obs.template_version, &o->tmpl);
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return rc;
    }
    scr_template_words(a, &o->tmpl);
    for (int i = 0; i < MODEL_MAX_SIGNS; i++)
        o->levels[i] = -1;
    model_rating ratings[MODEL_MAX_SIGNS];
    int n = 0;
    rc = db_obs_ratings(a->db, id, ratings, MODEL_MAX_SIGNS, &n);
    for (int i = 0; rc == DB_OK && i < n; i++) {
        for (int s = 0; s < o->focus.n_signs; s++) {
            if (strcmp(o->focus.signs[s].id, ratings[i].sign_id) == 0)
                o->levels[s] = ratings[i].level;
        }
    }
    /* The events, up to the bound the timeline can show, and what they
     * add up to, undone ones taken out, all of them counted. */
    if (rc == DB_OK)
        rc = db_obs_tally(a->db, id, &o->tmpl, o->events, o->undone, SCR_MAX_EVENTS, &o->nevents,
                          &o->tally);
    if (rc == DB_OK)
        rc = db_obs_notes(a->db, id, 0, SCR_MAX_NOTES, o->notes, &o->nnotes);
    if (rc == DB_OK) {
        rc = db_obs_last_undoable(a->db, id, &o->last);
        if (rc == DB_NOTFOUND) {
            memset(&o->last, 0, sizeof o->last);
            rc = DB_OK;
        }
    }
    if (rc != DB_OK) {
        scr_set_error(a, rc);
        return rc;
    }
    snprintf(o->observee, sizeof o->observee, "%s", scr_observee_name(a, &o->obs));
    model_room room;
    if (db_room_get(a->db, o->obs.room_id, &room) == DB_OK)
        snprintf(o->room, sizeof o->room, "%s", room.name);
    a->s.have_cur = 1;
    scr_refresh_outbox(a);
    return DB_OK;
}

/* 1 if this tablet's pulls already follow the person. */
static int followed(scr_app *a, const char *person_id)
{
    model_id ids[64];
    int n = 0;
    if (db_sync_followed(a->db, ids, 64, &n) != DB_OK)
        return 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(ids[i], person_id))
            return 1;
    return 0;
}

/*
 * A person who signs in on an enrolled tablet is followed by its pulls
 * from then on, and the first time a round is asked for at once: the
 * pulls bring a person's own plans and the observations about them made
 * elsewhere (to read feedback and write a reflection) only for the people
 * they follow, and until now a person was followed only once a change of
 * theirs had been sent from this tablet, so someone signing in on a new
 * tablet saw none of their plans.
 */
static void follow_on_sign_in(scr_app *a, const char *person_id)
{
    if (!a->sync || !a->sync->enrolled || !a->sync->enrolled(a->sync->ctx) ||
        followed(a, person_id))
        return;
    if (db_sync_follow(a->db, person_id) == DB_OK && a->sync->now)
        a->sync->now(a->sync->ctx);
}

void scr_sign_in(scr_app *a, const model_person *p)
{
    a->s.signed_in = 1;
    a->s.user = *p;
    a->last_input = a->sys->mono_ms(a->sys);
    a->s.err[0] = 0;
    follow_on_sign_in(a, p->id);
    /* Back to where this person was, if it still makes sense. */
    char key[64], place[96] = "";
    snprintf(key, sizeof key, "place.%s", p->id);
    db_kv_get(a->db, key, place, sizeof place);
    char *sp = strchr(place, ' ');
    const char *obs = "";
    if (sp) {
        *sp = 0;
        obs = sp + 1;
    }
    scr_screen s = screen_from_key(place);
    if (s == SCR_SIGNIN)
        s = SCR_HOME;
    /* The progression is made from history's filters, which are not kept. */
    if (s == SCR_PROGRESS)
        s = SCR_HISTORY;
    if (s == SCR_SETTINGS && p->role != MODEL_ROLE_LEADER)
        s = SCR_HOME;
    /* A plan's screen, and a start made from a plan, come back with their
     * plan while it is still planned and this person's: the plan's observer
     * or observee on its screen, its observer on the start. Else home,
     * where the plans are listed again. */
    if (s == SCR_PLAN || (s == SCR_START && *obs)) {
        db_plan_row r;
        int ok = *obs && db_plan_get(a->db, obs, &r) == DB_OK &&
                 r.plan.status == MODEL_PLAN_PLANNED && r.plan.observation_id[0] == '\0';
        int observer = ok && !strcmp(r.plan.observer_id, p->id);
        int observee = ok && !strcmp(r.plan.observee_id, p->id);
        a->s.err[0] = 0;
        a->s.summary.back = SCR_HOME;
        if (s == SCR_PLAN && (observer || observee)) {
            a->s.plan.row = r;
            scr_go(a, SCR_PLAN);
            return;
        }
        if (s == SCR_START && observer) {
            scr_start_from_plan(a, &r);
            return;
        }
        s = s == SCR_PLAN ? SCR_HOME : SCR_START;
    }
    /* Review lists what this person may see; it is read again on entry. */
    if (shows_obs(s)) {
        int ok = *obs && scr_load_obs(a, obs) == DB_OK;
        const model_observation *o = &a->s.cur.obs;
        if (ok && (s == SCR_OBSERVE || s == SCR_FEEDBACK))
            ok = strcmp(o->observer_id, p->id) == 0;
        else if (ok && s == SCR_REFLECTION)
            ok = strcmp(o->observee_id, p->id) == 0;
        else if (ok)
            ok = scr_may_see(a, o);
        if (!ok) {
            a->s.have_cur = 0;
            a->s.err[0] = 0;
            s = SCR_HOME;
        }
    }
    a->s.summary.back = SCR_HOME;
    scr_go(a, s);
}

void scr_session_init(scr_session *s)
{
    memset(s, 0, sizeof *s);
    s->cur_sync = -1;
    s->signin.picked = -1;
    s->start.focus = s->start.observee = s->start.room = -1;
    s->observe.note_sign = -1;
    s->summary.back = SCR_HOME;
    for (int i = 0; i < PICK_COUNT; i++)
        s->history.filter[i] = -1;
}

/* Locks the tablet: the person's typing is saved and where they were is
 * kept in the store, for them; then their whole session leaves memory at
 * once, so the next person sees nothing of it, whatever fields the session
 * has gained since this was written. */
void scr_lock(scr_app *a)
{
    if (a->s.signed_in) {
        leave_screen(a);
        scr_save_place(a);
        kv_put(a, "ui.user", "");
        kv_put(a, "ui.seen", "0");
    }
    if (a->wipe_probe)
        a->wipe_probe(&a->s, sizeof a->s, a->wipe_probe_ctx);
    scr_session_init(&a->s);
    a->dialog = DLG_NONE;
    ui_reset_input(a->ui);
    if (a->have_unit) {
        a->screen = SCR_SIGNIN;
        scr_signin_enter(a);
    } else {
        a->screen = SCR_WELCOME;
        scr_welcome_enter(a);
    }
}

scr_app *scr_app_new(const scr_config *cfg, ui_ctx *ui, char *err, size_t errlen)
{
    scr_app *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "Out of memory.");
        return NULL;
    }
    a->db = cfg->db;
    a->sys = cfg->sys;
    a->tr = cfg->tr;
    a->sync = cfg->sync;
    a->tr_da = cfg->tr_da;
    a->tr_en = cfg->tr_en;
    a->demo = cfg->demo;
    a->ui = ui;
    scr_session_init(&a->s);
    a->last_input = a->sys->mono_ms(a->sys);
    char buf[256];
    a->lock_ms = cfg->lock_ms;
    if (a->lock_ms <= 0) {
        a->lock_ms = SCR_LOCK_MS_DEFAULT;
        int minutes = 0;
        if (db_ui_lock_minutes_get(a->db, &minutes) == DB_OK && minutes > 0)
            a->lock_ms = minutes * 60 * 1000;
    }
    if (db_device_unit_get(a->db, buf) == DB_OK && db_unit_get(a->db, buf, &a->unit) == DB_OK)
        a->have_unit = 1;
    load_people(a);
    /* Wrong PINs survive a restart, so that switching the tablet off and on
     * does not buy a thief new tries. */
    if (db_kv_get(a->db, "pin.fails", buf, sizeof buf) == DB_OK)
        a->pin_fails = atoi(buf);
    if (db_kv_get(a->db, "pin.locked", buf, sizeof buf) == DB_OK)
        a->pin_locked = atoi(buf) != 0;
    /* Synced observations past the unit's retention period leave the
     * tablet; a bounded number per start keeps the start quick. */
    if (a->have_unit) {
        int gone = 0;
        scr_set_error(a, db_retention_run(a->db, a->unit.id, a->sys->now_ms(a->sys), 500, &gone));
    }

    /* Who was signed in when the app stopped, and how long ago? */
    char user[64] = "", seen[32] = "";
    db_kv_get(a->db, "ui.user", user, sizeof user);
    db_kv_get(a->db, "ui.seen", seen, sizeof seen);
    model_person p;
    /* A tablet with no unit yet starts on the welcome screen. */
    a->screen = a->have_unit ? SCR_SIGNIN : SCR_WELCOME;
    if (a->have_unit)
        scr_signin_enter(a);
    else
        scr_welcome_enter(a);
    int64_t at = atoll(seen), now = a->sys->now_ms(a->sys);
    if (a->have_unit && user[0] && at > 0 && now >= at && now - at < a->lock_ms &&
        db_person_get(a->db, user, &p) == DB_OK && p.active)
        scr_sign_in(a, &p);
    scr_refresh_outbox(a);
    return a;
}

void scr_app_free(scr_app *a) { free(a); }

scr_screen scr_current(const scr_app *a) { return a->screen; }
const char *scr_user(const scr_app *a) { return a->s.signed_in ? a->s.user.id : ""; }
const char *scr_observation(const scr_app *a) { return a->s.have_cur ? a->s.cur.obs.id : ""; }
const char *scr_error(const scr_app *a) { return a->s.err; }
scr_ask scr_asked(const scr_app *a) { return a->ask; }

int scr_portrait(const scr_app *a) { return a->ui->h > a->ui->w; }

ui_osk_labels scr_osk_labels(const scr_app *a)
{
    return (ui_osk_labels){T("Done"), T("Space"), T("Erase"), "123", "abc"};
}

const char *scr_duration(scr_app *a, int64_t ms)
{
    if (ms < 0)
        ms = 0;
    long long s = ms / 1000;
    if (s >= 3600)
        return ui_fmt(a->ui, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    return ui_fmt(a->ui, "%lld:%02lld", s / 60, s % 60);
}

ui_rect scr_topbar(scr_app *a, ui_rect screen, const char *title)
{
    ui_ctx *u = a->ui;
    ui_rect bar = ui_cut_top(&screen, ui_dp(u, 64));
    ui_fill(u, bar, UI_SURFACE, 0);
    ui_fill(u, ui_r(bar.x, bar.y + bar.h - ui_dp(u, 1), bar.w, ui_dp(u, 1)), UI_LINE, 0);
    ui_rect in = ui_inset(bar, ui_dp(u, 8));
    if (a->s.signed_in) {
        ui_rect lock = ui_cut_right(&in, ui_dp(u, 96));
        if (ui_button(u, ui_ids("top.lock"), lock, T("Lock"), UI_STYLE_PLAIN)) {
            scr_lock(a);
            return screen;
        }
        ui_cut_right(&in, ui_dp(u, 8));
    }
    /* The sync state: always visible, never nagging. */
    scr_sync_chip(a, &in);
    ui_cut_right(&in, ui_dp(u, 12));
    if (a->s.signed_in) {
        int nw = ui_measure(u, PLAT_FONT_BOLD, a->s.user.name);
        int room = in.w / 3;
        ui_rect name = ui_cut_right(&in, nw < room ? nw : room);
        ui_label(u, name, PLAT_FONT_BOLD, UI_TEXT, a->s.user.name, UI_RIGHT);
        ui_cut_right(&in, ui_dp(u, 12));
    }
    ui_label(u, ui_inset(in, ui_dp(u, 4)), PLAT_FONT_TITLE, UI_PRIMARY, title, UI_LEFT);
    return screen;
}

static void error_bar(scr_app *a, ui_rect *screen)
{
    if (!a->s.err[0])
        return;
    ui_ctx *u = a->ui;
    ui_rect bar = ui_cut_bottom(screen, ui_dp(u, 56));
    ui_fill(u, bar, 0xF6DAD4FFu, 0);
    ui_rect in = ui_inset(bar, ui_dp(u, 4));
    ui_rect ok = ui_cut_right(&in, ui_dp(u, 96));
    ui_label(u, ui_inset(in, ui_dp(u, 8)), PLAT_FONT_BODY, UI_DANGER, a->s.err, UI_LEFT);
    if (ui_button(u, ui_ids("err.ok"), ok, T("OK"), UI_STYLE_QUIET))
        a->s.err[0] = 0;
}

static int64_t idle_limit(const scr_app *a)
{
    if (a->screen == SCR_OBSERVE && a->s.have_cur && a->s.cur.obs.status == MODEL_OBS_DRAFT &&
        a->lock_ms < SCR_LOCK_OBSERVING_MS)
        return SCR_LOCK_OBSERVING_MS;
    return a->lock_ms;
}

static void run_frame(scr_app *a)
{
    ui_ctx *u = a->ui;
    ui_begin(u, a->sys->mono_ms(a->sys));
    u->refused_msg = T("Emoji and other signs the tablet cannot show are left out.");
    ui_rect screen = {0, 0, u->w, u->h};
    ui_fill(u, screen, UI_BG, 0);
    scr_sync_poll(a);
    error_bar(a, &screen);
    switch (a->screen) {
    case SCR_SIGNIN: scr_signin_frame(a, screen); break;
    case SCR_HOME: scr_home_frame(a, screen); break;
    case SCR_START: scr_start_frame(a, screen); break;
    case SCR_OBSERVE: scr_observe_frame(a, screen); break;
    case SCR_SUMMARY: scr_summary_frame(a, screen); break;
    case SCR_FEEDBACK: scr_feedback_frame(a, screen); break;
    case SCR_REFLECTION: scr_reflection_frame(a, screen); break;
    case SCR_HISTORY: scr_history_frame(a, screen); break;
    case SCR_PROGRESS: scr_progress_frame(a, screen); break;
    case SCR_SETTINGS: scr_settings_frame(a, screen); break;
    case SCR_REVIEW: scr_review_frame(a, screen); break;
    case SCR_WELCOME: scr_welcome_frame(a, screen); break;
    case SCR_PLAN: scr_plan_frame(a, screen); break;
    default: break;
    }
    ui_end(u);
}

/* Runs a frame, and again if the text focus changed while it was drawn
 * (Done on the on-screen keyboard, a tap on a field): a keyboard drawn
 * before the change would not belong to the frame shown. */
static void run_settled(scr_app *a)
{
    for (int i = 0; i < 3; i++) {
        ui_id focus = a->ui->focus;
        scr_screen s = a->screen;
        run_frame(a);
        if (a->ui->focus == focus || a->screen != s)
            break;
    }
}

void scr_frame(scr_app *a, const plat_event *ev)
{
    int64_t mono = a->sys->mono_ms(a->sys);
    if (ev) {
        if (ev->kind == PLAT_EV_QUIT)
            a->quit = 1;
        if (ev->kind == PLAT_EV_DOWN || ev->kind == PLAT_EV_MOVE || ev->kind == PLAT_EV_UP ||
            ev->kind == PLAT_EV_TEXT || ev->kind == PLAT_EV_KEY || ev->kind == PLAT_EV_WHEEL) {
            /* Idle means no touch: the lock counts from the last one. */
            if (a->s.signed_in && mono - a->last_input >= idle_limit(a))
                scr_lock(a);
            a->last_input = mono;
        }
    }
    if (a->s.signed_in && mono - a->last_input >= idle_limit(a))
        scr_lock(a);
    if (ev)
        ui_input(a->ui, ev);
    scr_screen before = a->screen;
    scr_dialog dialog_before = a->dialog;
    run_settled(a);
    /* A tap that changed the screen leaves the old screen's frame behind:
     * draw the new one at once, with no input. */
    for (int i = 0; i < 3 && (a->screen != before || a->dialog != dialog_before); i++) {
        before = a->screen;
        dialog_before = a->dialog;
        run_settled(a);
    }
    /* Widgets change state while the frame is drawn (a tap on a key comes
     * after the field that shows it): after input that can change state,
     * draw once more so the frame shown is the frame after the change. */
    if (ev && (ev->kind == PLAT_EV_UP || ev->kind == PLAT_EV_KEY || ev->kind == PLAT_EV_TEXT))
        run_settled(a);
    if (a->s.signed_in && ev && ev->kind == PLAT_EV_UP) {
        int64_t now = a->sys->now_ms(a->sys);
        if (now - a->seen_written > 30000)
            scr_save_place(a);
    }
}

int scr_wake_in(const scr_app *a)
{
    int wake = -1;
    if (a->ui->animating)
        wake = 16;
    int64_t mono = a->sys->mono_ms(a->sys);
    if (a->s.signed_in) {
        int64_t left = a->last_input + idle_limit(a) - mono;
        if (left < 0)
            left = 0;
        if (wake < 0 || left < wake)
            wake = (int)left;
    }
    int w = -1;
    if (a->screen == SCR_OBSERVE)
        w = scr_observe_wake(a);
    if (a->screen == SCR_SIGNIN && a->dialog == DLG_PIN &&
        a->s.signin.who_until > a->sys->now_ms(a->sys))
        w = 1000;
    /* The sync worker's state needs no look every so often: the program
     * wakes the loop when a round begins or ends (PLAT_EV_WAKE). */
    if (a->enrolling && (w < 0 || w > 200))
        w = 200;
    if (a->enrol_reveal && (w < 0 || w > 16))
        w = 16;
    if (w >= 0 && (wake < 0 || w < wake))
        wake = w;
    return wake;
}

void scr_when(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm)) {
        snprintf(out, cap, "?");
        return;
    }
    strftime(out, cap, "%d.%m.%Y %H:%M", &tm);
}

void scr_draft_put(scr_app *a, db_draft_field field, const char *text)
{
    scr_set_error(a, db_draft_put(a->db, a->s.cur.obs.id, field, text));
}

int scr_draft_get(scr_app *a, db_draft_field field, char *out, size_t cap)
{
    char text[MODEL_TEXT_MAX + 1];
    if (db_draft_get(a->db, a->s.cur.obs.id, field, text, sizeof text) != DB_OK)
        return -1;
    snprintf(out, cap, "%s", text);
    return 0;
}

void scr_heading(scr_app *a, ui_rect col, int *y, const char *text)
{
    ui_ctx *u = a->ui;
    ui_label(u, ui_r(col.x, *y, col.w, ui_dp(u, 36)), PLAT_FONT_BOLD, UI_MUTED, text, UI_LEFT);
    *y += ui_dp(u, 40);
}

/* One sign of the open observation with its scale as a row of chips, the
 * way both the observe screen and the correction dialog show it: the text
 * is drawn only where it falls inside the list, and the chip of the level
 * in the store is marked. Returns the level tapped, or -1. */
int scr_sign_scale(scr_app *a, ui_rect list, int *y, int w, const char *id, int s)
{
    ui_ctx *u = a->ui;
    const char *text = a->s.cur.focus.signs[s].text;
    const model_template *t = &a->s.cur.tmpl;
    int th = ui_wrap(u, ui_r(0, 0, w, 0), PLAT_FONT_BODY, UI_TEXT, text, 0);
    if (*y + th > list.y && *y < list.y + list.h)
        ui_wrap(u, ui_r(list.x, *y, w, th), PLAT_FONT_BODY, UI_TEXT, text, 1);
    *y += th + ui_dp(u, 6);
    int n = t->n_scale > 0 ? t->n_scale : 1;
    int cw = (w - ui_dp(u, 8) * (n - 1)) / n;
    int tapped = -1;
    for (int l = 0; l < t->n_scale; l++) {
        ui_rect c = {list.x + l * (cw + ui_dp(u, 8)), *y, cw, ui_dp(u, 52)};
        if (ui_chip(u, ui_idn(id, s * MODEL_MAX_SCALE + l), c, t->scale[l],
                    a->s.cur.levels[s] == l))
            tapped = l;
    }
    *y += ui_dp(u, 52 + 18);
    return tapped;
}

void scr_open_summary(scr_app *a, const char *obs_id, scr_screen back)
{
    model_id id;
    snprintf(id, sizeof id, "%s", obs_id);
    if (scr_load_obs(a, id) != DB_OK)
        return;
    a->s.summary.back = back;
    scr_go(a, SCR_SUMMARY);
}

int scr_may_see(const scr_app *a, const model_observation *o)
{
    if (!a->s.signed_in)
        return 0;
    if (!strcmp(o->observer_id, a->s.user.id) || !strcmp(o->observee_id, a->s.user.id))
        return 1;
    return a->s.user.role == MODEL_ROLE_LEADER && !strcmp(a->s.user.unit_id, o->unit_id);
}

const void *scr_test_session(const scr_app *a, size_t *size)
{
    *size = sizeof a->s;
    return &a->s;
}

const void *scr_test_app(const scr_app *a, size_t *size)
{
    *size = sizeof *a;
    return a;
}

void scr_test_wipe_probe(scr_app *a, void (*fn)(void *session, size_t size, void *ctx), void *ctx)
{
    a->wipe_probe = fn;
    a->wipe_probe_ctx = ctx;
}
