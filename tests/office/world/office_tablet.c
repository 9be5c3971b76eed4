/*
 * office_tablet: a tablet for the office's browser tests, the whole app
 * headless on the real sync engine, started on an empty folder as a new
 * tablet is:
 *
 *   office_tablet --url URL --ca CAFILE --code CODE --name NAME
 *                 --person NAME --pin PIN --focus QUESTION [--shot FILE.png]
 *
 * It goes from the welcome screen to "Connect to your server", enrols with
 * the code as NAME trusting CAFILE, waits for the unit to arrive, signs in as
 * the person with the PIN, finds the focus's question on home, opens it and
 * checks the start screen shows it. --shot saves that start screen as a PNG.
 * It exits 0 when all of that happened, or 1 saying which step failed, with
 * what was on screen then.
 *
 * With --pair it goes on to observe as one of two observers of a session:
 *
 *   --pair show|CODE --observee NAME --room NAME --levels L,L,... [--taps N]
 *   [--counter LABEL] [--undo N] [--observe-shot FILE.png]
 *
 * "show" chooses to show a code and prints "pair code: CODE" once the
 * observation runs; a CODE is typed as the second observer. Each sign in
 * order is rated at the scale level named in --levels ("-" leaves it
 * unrated), the counter is tapped N times and the last `undo` taps taken
 * back, the observation is finished, and the tablet syncs until nothing is
 * left to send.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "link.h"
#include "th_png.h"
#include "tsupport.h"

static th *T;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Says which step failed and what was on screen, and exits 1. */
static void fail(const char *step, const char *what)
{
    static char snap[1 << 16];
    th_snapshot(T, snap, sizeof snap);
    fprintf(stderr, "office_tablet: %s: %s; on screen:\n%.6000s\n", step, what, snap);
    exit(1);
}

/* Runs frames on the real clock until some drawn text contains s; 0 if it
 * did within ms. */
static int wait_text(const char *s, int ms)
{
    for (int i = 0; i < ms / 20; i++) {
        th_frame(T, NULL);
        if (th_has_text_part(T, s))
            return 0;
        usleep(20000);
    }
    return -1;
}

static int wait_screen(scr_screen s, int ms)
{
    for (int i = 0; i < ms / 20; i++) {
        th_frame(T, NULL);
        if (scr_current(T->app) == s)
            return 0;
        usleep(20000);
    }
    return -1;
}

/* Empties the field showing `shown` and types text into it. */
static void retype(const char *shown, const char *text)
{
    if (th_tap_text(T, shown) != 0)
        fail("enrolment form", shown);
    th_key(T, PLAT_KEY_END);
    for (int i = 0; i < 300; i++)
        th_key(T, PLAT_KEY_BACKSPACE);
    th_type(T, text);
    if (th_tap_text(T, "Done") != 0)
        fail("enrolment form", "no Done key");
}

static void usage(void)
{
    fprintf(stderr, "usage: office_tablet --url URL --ca CAFILE --code CODE --name NAME "
                    "--person NAME --pin PIN --focus QUESTION [--shot FILE.png]\n"
                    "       [--pair show|CODE --observee NAME --room NAME --levels L,L,... "
                    "[--taps N] [--counter LABEL] [--undo N] [--observe-shot FILE.png]]\n");
    exit(2);
}

static void tap_shown(const char *step, const char *text)
{
    if (th_reveal(T, text, 640, 400) != 0 || th_tap_text(T, text) != 0)
        fail(step, text);
}

static void save_shot(const char *step, const char *file)
{
    th_render(T);
    int w, h;
    const uint32_t *px = T->video->pixels(T->video, &w, &h);
    if (!px || th_png_write(file, px, w, h) != 0)
        fail(step, "the screenshot could not be written");
}

typedef struct {
    const char *pair, *observee, *room, *levels, *counter, *shot;
    int taps, undo;
} pair_args;

/* From the start screen: one observer of a paired session, to the end of
 * the sync that sends it. */
static void observe_paired(const scr_sync *H, const pair_args *p)
{
    tap_shown("start", p->observee);
    tap_shown("start", p->room);
    tap_shown("start", "Circle time");
    if (!strcmp(p->pair, "show")) {
        tap_shown("start", "Yes, I show a code");
    } else {
        tap_shown("start", "Yes, I have a code");
        tap_shown("start", "Pair code from your colleague");
        th_type(T, p->pair);
        th_key(T, PLAT_KEY_ENTER);
    }
    tap_shown("start", "Agreement made with the observee");
    if (th_tap_text(T, "Start observation") != 0)
        fail("start", "no \"Start observation\" (the pair code refused?)");
    if (wait_screen(SCR_OBSERVE, 5000) != 0)
        fail("start", "the observation did not start");
    model_observation o;
    if (db_obs_get(T->db, scr_observation(T->app), &o) != DB_OK || !o.pair_code[0])
        fail("observe", "the observation has no pair code");
    char shown[16];
    snprintf(shown, sizeof shown, "%.3s %.3s", o.pair_code, o.pair_code + 3);
    if (!th_has_text(T, shown))
        fail("observe", "the pair code is not on screen");
    printf("pair code: %s\n", o.pair_code);
    /* Each sign's level: the n-th button with that label is sign n's. */
    char levels[256];
    snprintf(levels, sizeof levels, "%s", p->levels);
    int sign = 0;
    for (char *save = NULL, *l = strtok_r(levels, ",", &save); l;
         l = strtok_r(NULL, ",", &save), sign++)
        if (strcmp(l, "-") && th_tap_text_n(T, l, sign) != 0)
            fail("observe", l);
    for (int i = 0; i < p->taps; i++)
        if (th_tap_text(T, p->counter) != 0)
            fail("observe", p->counter);
    for (int i = 0; i < p->undo; i++)
        if (th_tap_prefix(T, "Undo:") != 0)
            fail("observe", "no undo");
    if (p->shot)
        save_shot("observe", p->shot);
    /* The dialog's Finish is the last one drawn (the bar's may be hidden
     * under it). */
    if (th_tap_text(T, "Finish") != 0 || !th_has_text(T, "Finish the observation?") ||
        (th_tap_text_n(T, "Finish", 1) != 0 && th_tap_text(T, "Finish") != 0))
        fail("observe", "no Finish in the dialog");
    if (wait_screen(SCR_SUMMARY, 5000) != 0)
        fail("finish", "no summary after finishing");
    /* Sync until nothing is left to send. */
    int64_t left = -1;
    for (int i = 0; i < 3000; i++) {
        if (i % 100 == 0)
            H->now(H->ctx);
        th_frame(T, NULL);
        if (db_outbox_count(T->db, &left) == DB_OK && left == 0)
            break;
        usleep(20000);
    }
    if (left != 0)
        fail("sync", "changes are still waiting to be sent");
}

int main(int argc, char **argv)
{
    const char *url = NULL, *ca = NULL, *code = NULL, *name = NULL, *person = NULL, *pin = NULL,
               *focus = NULL, *shot = NULL;
    pair_args pa = {.counter = "Open question"};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--url"))
            url = v;
        else if (!strcmp(k, "--ca"))
            ca = v;
        else if (!strcmp(k, "--code"))
            code = v;
        else if (!strcmp(k, "--name"))
            name = v;
        else if (!strcmp(k, "--person"))
            person = v;
        else if (!strcmp(k, "--pin"))
            pin = v;
        else if (!strcmp(k, "--focus"))
            focus = v;
        else if (!strcmp(k, "--shot"))
            shot = v;
        else if (!strcmp(k, "--pair"))
            pa.pair = v;
        else if (!strcmp(k, "--observee"))
            pa.observee = v;
        else if (!strcmp(k, "--room"))
            pa.room = v;
        else if (!strcmp(k, "--levels"))
            pa.levels = v;
        else if (!strcmp(k, "--counter"))
            pa.counter = v;
        else if (!strcmp(k, "--observe-shot"))
            pa.shot = v;
        else if (!strcmp(k, "--taps"))
            pa.taps = atoi(v);
        else if (!strcmp(k, "--undo"))
            pa.undo = atoi(v);
        else
            usage();
    }
    if (argc % 2 != 1 || !url || !ca || !code || !name || !person || !pin || !focus ||
        (pa.pair && (!pa.observee || !pa.room || !pa.levels)) || pa.taps < 0 || pa.taps > 50 ||
        pa.undo < 0 || pa.undo > pa.taps)
        usage();

    char dir[1024], path[1200];
    if (tsupport_tmpdir("office-tablet", dir, sizeof dir) != 0) {
        fprintf(stderr, "office_tablet: no folder for the tablet\n");
        return 1;
    }
    snprintf(path, sizeof path, "%s/blik.db", dir);
    db *d = NULL;
    if (db_open(path, plat_sys_os(), &d) != DB_OK) {
        fprintf(stderr, "office_tablet: cannot make the store in %s\n", dir);
        return 1;
    }
    link_sync *L = link_sync_new(d, path, plat_sys_os());
    db_close(d);
    if (!L) {
        fprintf(stderr, "office_tablet: cannot start the sync engine\n");
        return 1;
    }
    scr_sync H = link_sync_hooks(L);
    th_sync = &H;
    T = th_open_dir(dir, 1280, 800, "en", wall_ms());
    th_sync = NULL;

    if (scr_current(T->app) != SCR_WELCOME)
        fail("first start", "not on the welcome screen");
    if (th_tap_text_n(T, "Connect to your server", 1) != 0) /* the button, not the heading */
        fail("welcome", "no \"Connect to your server\"");
    if (wait_text("Server address", 2000) != 0)
        fail("welcome", "no enrolment form");
    retype("https://", url);
    retype("ABCDE-FGHJK", code);
    retype("e.g. Room 3 – blue", name);
    retype("Paste the certificate (PEM), or the path of its file", ca);
    if (th_reveal(T, "Enrol this tablet", 640, 400) != 0 ||
        th_tap_text(T, "Enrol this tablet") != 0)
        fail("enrolment form", "no enrol button");
    for (int i = 0; i < 1500 && th_has_text(T, "Enrolling the tablet"); i++) {
        usleep(20000);
        th_frame(T, NULL);
    }
    if (!db_enrolled(T->db))
        fail("enrolment", "the tablet is not enrolled");
    if (wait_screen(SCR_SIGNIN, 30000) != 0)
        fail("enrolment", "the sign-in never came");
    if (wait_text(person, 30000) != 0)
        fail("first pull", "the person is not among the staff");
    th_sign_in_pin(T, person, pin);
    if (scr_current(T->app) != SCR_HOME)
        fail("sign-in", "not on home after the PIN");
    /* A long question wraps over lines on the card, each line a text of
     * its own: the focus is found by its first four words. */
    char head[128];
    snprintf(head, sizeof head, "%s", focus);
    for (int i = 0, words = 0; head[i]; i++)
        if (head[i] == ' ' && ++words == 4) {
            head[i] = 0;
            break;
        }
    if (wait_text(head, 10000) != 0)
        fail("home", "the focus is not on home");
    if (th_tap_text(T, focus) != 0 && th_tap_prefix(T, head) != 0)
        fail("home", "the focus cannot be tapped");
    if (wait_screen(SCR_START, 5000) != 0)
        fail("home", "the focus did not open the start screen");
    if (wait_text(head, 2000) != 0)
        fail("start", "the start screen does not show the focus");
    if (shot)
        save_shot("start", shot);
    if (pa.pair)
        observe_paired(&H, &pa);
    th_free(T);
    link_sync_free(L);
    printf("office_tablet: enrolled as %s, synced, and the start screen shows the focus\n", name);
    if (pa.pair)
        printf("office_tablet: observed as a pair, finished, and sent it all\n");
    return 0;
}
