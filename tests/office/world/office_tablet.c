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
                    "--person NAME --pin PIN --focus QUESTION [--shot FILE.png]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *url = NULL, *ca = NULL, *code = NULL, *name = NULL, *person = NULL, *pin = NULL,
               *focus = NULL, *shot = NULL;
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
        else
            usage();
    }
    if (argc % 2 != 1 || !url || !ca || !code || !name || !person || !pin || !focus)
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
    if (shot) {
        th_render(T);
        int w, h;
        const uint32_t *px = T->video->pixels(T->video, &w, &h);
        if (!px || th_png_write(shot, px, w, h) != 0)
            fail("start", "the screenshot could not be written");
    }
    th_free(T);
    link_sync_free(L);
    printf("office_tablet: enrolled as %s, synced, and the start screen shows the focus\n", name);
    return 0;
}
