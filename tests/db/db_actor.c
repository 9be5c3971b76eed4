/*
 * A scripted user for the crash tests: opens the store and performs user
 * actions as a leader would in a room (start, count, time, rate, note, undo,
 * finish), reporting each on stdout only after the store said it committed:
 *   OK <kind> <id>      the action is committed (kind: obs event note rating finish)
 *   FAIL <rc> <message> the store refused it
 * It runs until killed, or for the number of actions given.
 * Usage: db_actor DBPATH SEED [ACTIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "demo.h"

#define ID(n) "0b11c000-0000-4000-8000-0000000000" n

static const char *const focuses[] = {ID("41"), ID("42"), ID("43")};
static const char *const signs[3][3] = {
    {ID("51"), ID("52"), ID("53")}, {ID("61"), ID("62"), ID("63")}, {ID("71"), ID("72"), ID("73")}};
static const char *const counters[3][3] = {{"open_q", "closed_q", "child_init"},
                                           {"clear_msg", "idle_wait", "conflict"},
                                           {"open_q", "expand", "child_turn"}};
static const char *const states[3] = {"waiting", "transition", "dialogue"};
static const char *const people[] = {ID("21"), ID("23"), ID("24"), ID("25"), ID("26")};

/* One write(2) per line, so a kill can cut a line but never mix two. */
static void say(const char *fmt, const char *a, const char *b)
{
    char line[600];
    int n = snprintf(line, sizeof line, fmt, a, b);
    if (n > 0 && write(1, line, (size_t)n) != n)
        exit(3);
}

static void report(db *d, int rc, const char *kind, const char *id)
{
    if (rc == DB_OK) {
        say("OK %s %s\n", kind, id);
    } else {
        char code[16];
        snprintf(code, sizeof code, "%d", rc);
        say("FAIL %s %s\n", code, db_errmsg(d));
    }
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    unsigned seed = (unsigned)strtoul(argv[2], NULL, 10);
    long actions = argc > 3 ? strtol(argv[3], NULL, 10) : -1;
    srand(seed);
    db *d = NULL;
    int rc = db_open(argv[1], plat_sys_os(), &d);
    char err[512];
    if (rc == DB_OK)
        rc = demo_load(d, err, sizeof err);
    if (rc != DB_OK) {
        report(d, rc, "open", "");
        db_close(d);
        return 1;
    }
    model_id obs = "";
    const char *observer = people[0];
    int f = 0, running = 0;
    for (long i = 0; actions < 0 || i < actions; i++) {
        model_id id = "";
        if (!obs[0]) {
            f = rand() % 3;
            int a = rand() % 5, b = (a + 1 + rand() % 4) % 5;
            observer = people[a];
            db_obs_new n = {.unit_id = DEMO_UNIT_ID,
                            .focus_id = focuses[f],
                            .observer_id = observer,
                            .observee_id = people[b],
                            .room_id = ID("11"),
                            .activity = "Samling",
                            .agreement = 1};
            rc = db_obs_start(d, &n, id);
            report(d, rc, "obs", id);
            if (rc == DB_OK)
                memcpy(obs, id, sizeof obs);
            running = 0;
            continue;
        }
        int r = rand() % 100;
        if (r < 60) {
            rc = db_obs_event(d, obs, observer, MODEL_EV_COUNT, counters[f][rand() % 3], id);
            report(d, rc, "event", id);
        } else if (r < 70) {
            rc = db_obs_event(d, obs, observer,
                              running ? MODEL_EV_STATE_STOP : MODEL_EV_STATE_START, states[f], id);
            report(d, rc, "event", id);
            if (rc == DB_OK)
                running = !running;
        } else if (r < 80) {
            rc = db_obs_note(d, obs, observer, "Børnene venter på tur – rolig stemning.",
                             rand() % 2 ? signs[f][rand() % 3] : NULL, id);
            report(d, rc, "note", id);
        } else if (r < 88) {
            char pair[100];
            const char *sign = signs[f][rand() % 3];
            rc = db_obs_rate(d, obs, observer, sign, rand() % 3);
            snprintf(pair, sizeof pair, "%s/%s", obs, sign);
            report(d, rc, "rating", pair);
        } else if (r < 95) {
            model_event last;
            /* Undoing a state event flips whether it runs; keep count. */
            int was_state = db_obs_last_undoable(d, obs, &last) == DB_OK &&
                            (last.kind == MODEL_EV_STATE_START || last.kind == MODEL_EV_STATE_STOP);
            rc = db_obs_undo(d, obs, observer, id);
            if (rc == DB_NOTFOUND)
                continue;
            report(d, rc, "event", id);
            if (rc == DB_OK && was_state)
                running = !running;
        } else {
            rc = db_obs_finish(d, obs, observer);
            report(d, rc, "finish", obs);
            if (rc == DB_OK)
                obs[0] = '\0';
        }
        /* After a refused write the state may be unknown: start afresh. */
        if (rc != DB_OK)
            obs[0] = '\0';
    }
    db_close(d);
    return 0;
}
