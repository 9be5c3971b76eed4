/*
 * The demo unit: a Danish daycare, in the vocabulary of the source documents,
 * so that a person can try every screen without a server. All of it goes in
 * one transaction: either the whole unit is there or none of it.
 */
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ID(n) "0b11c000-0000-4000-8000-0000000000" n

static const struct {
    const char *id, *name;
} rooms[] = {
    {ID("11"), "Sommerfuglestuen"},
    {ID("12"), "Mariehønestuen"},
    {ID("13"), "Skolegruppen"},
    {ID("14"), "Legepladsen"},
};

static const struct {
    const char *id, *name;
    model_role role;
} people[] = {
    {ID("21"), "Mette Østergaard", MODEL_ROLE_LEADER},
    {ID("22"), "Søren Æbelø", MODEL_ROLE_LEADER},
    {ID("23"), "Anna Kristensen", MODEL_ROLE_PEER},
    {ID("24"), "Jonas Bækgaard", MODEL_ROLE_PEER},
    {ID("25"), "Fatima Hansen", MODEL_ROLE_PEER},
    {ID("26"), "Lars Højlund", MODEL_ROLE_PEER},
    {ID("27"), "Ida Mølgaard", MODEL_ROLE_PEER},
    {ID("28"), "Åse Nørgaard", MODEL_ROLE_PEER},
};

/* Templates as the documents a unit's learning partner would write. */
static const char *const templates[] = {
    "{\"id\":\"" ID(
        "31") "\",\"unit_id\":\"" DEMO_UNIT_ID "\",\"version\":1,"
              "\"name\":\"Samling\",\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],"
              "\"counters\":[{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"},"
              "{\"key\":\"closed_q\",\"label\":\"Lukket spørgsmål\"},"
              "{\"key\":\"child_init\",\"label\":\"Barnets initiativ\"},"
              "{\"key\":\"interrupt\",\"label\":\"Afbrydelse\"}],"
              "\"states\":[{\"key\":\"waiting\",\"label\":\"Ventetid\"}],"
              "\"interval\":{\"minutes\":5,\"options\":[{\"key\":\"all\",\"label\":\"Alle deltager\"},"
              "{\"key\":\"some\",\"label\":\"Nogle deltager\"},{\"key\":\"few\",\"label\":\"Få deltager\"}]},"
              "\"context\":[{\"key\":\"children\",\"label\":\"Antal børn\",\"type\":\"int\",\"min\":0,\"max\":60},"
              "{\"key\":\"adults\",\"label\":\"Antal voksne\",\"type\":\"int\",\"min\":0,\"max\":20}],"
              "\"prompts\":[\"Hvad gjorde den voksne, lige før barnet tog ordet?\"],"
              "\"phrases\":[\"Barnet rækker hånden op\",\"Venter på svar\",\"Gentager barnets ord\","
              "\"Stiller et opfølgende spørgsmål\",\"Flere børn taler samtidig\"],"
              "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40},"
              "\"texts\":{\"en\":{\"name\":\"Circle time\","
              "\"scale\":[\"Not seen\",\"Partly\",\"Clearly\"],"
              "\"counters\":[\"Open question\",\"Closed question\",\"Child's initiative\","
              "\"Interruption\"],\"states\":[\"Waiting time\"],"
              "\"interval_options\":[\"All take part\",\"Some take part\",\"Few take part\"],"
              "\"context\":[\"Number of children\",\"Number of adults\"],"
              "\"prompts\":[\"What did the adult do just before the child spoke?\"],"
              "\"phrases\":[\"The child raises a hand\",\"Waits for an answer\","
              "\"Repeats the child's words\",\"Asks a follow-up question\","
              "\"Several children talk at once\"]}}}",

    "{\"id\":\"" ID(
        "32") "\",\"unit_id\":\"" DEMO_UNIT_ID "\",\"version\":1,"
              "\"name\":\"Overgange\",\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],"
              "\"counters\":[{\"key\":\"clear_msg\",\"label\":\"Tydelig besked\"},"
              "{\"key\":\"idle_wait\",\"label\":\"Venter uden opgave\"},"
              "{\"key\":\"conflict\",\"label\":\"Konflikt\"}],"
              "\"states\":[{\"key\":\"transition\",\"label\":\"Overgangstid\"},"
              "{\"key\":\"queue\",\"label\":\"Kø ved døren\"}],"
              "\"context\":[{\"key\":\"children\",\"label\":\"Antal børn\",\"type\":\"int\",\"min\":0,\"max\":60},"
              "{\"key\":\"adults\",\"label\":\"Antal voksne\",\"type\":\"int\",\"min\":0,\"max\":20}],"
              "\"phrases\":[\"Børnene ved, hvad der skal ske\",\"Voksen går foran\",\"Sang som signal\"],"
              "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40},"
              "\"texts\":{\"en\":{\"name\":\"Transitions\","
              "\"scale\":[\"Not seen\",\"Partly\",\"Clearly\"],"
              "\"counters\":[\"Clear message\",\"Waiting with nothing to do\",\"Conflict\"],"
              "\"states\":[\"Transition time\",\"Queue at the door\"],"
              "\"context\":[\"Number of children\",\"Number of adults\"],"
              "\"phrases\":[\"The children know what comes next\",\"An adult leads the way\","
              "\"A song as the signal\"]}}}",

    "{\"id\":\"" ID(
        "33") "\",\"unit_id\":\"" DEMO_UNIT_ID "\",\"version\":1,"
              "\"name\":\"Sprog i hverdagen\",\"scale\":[\"Ikke set\",\"Delvist\",\"Tydeligt\"],"
              "\"counters\":[{\"key\":\"open_q\",\"label\":\"Åbent spørgsmål\"},"
              "{\"key\":\"closed_q\",\"label\":\"Lukket spørgsmål\"},"
              "{\"key\":\"expand\",\"label\":\"Udvider barnets ord\"},"
              "{\"key\":\"child_turn\",\"label\":\"Barnets tur\"}],"
              "\"states\":[{\"key\":\"dialogue\",\"label\":\"Samtale i gang\"}],"
              "\"context\":[{\"key\":\"children\",\"label\":\"Antal børn\",\"type\":\"int\",\"min\":0,\"max\":60},"
              "{\"key\":\"situation\",\"label\":\"Situation\",\"type\":\"text\"}],"
              "\"prompts\":[\"Hvilke ord brugte barnet selv?\"],"
              "\"phrases\":[\"Sætter ord på\",\"Venter på barnets svar\",\"Turtagning\"],"
              "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40},"
              "\"texts\":{\"en\":{\"name\":\"Language in everyday life\","
              "\"scale\":[\"Not seen\",\"Partly\",\"Clearly\"],"
              "\"counters\":[\"Open question\",\"Closed question\",\"Expands the child's words\","
              "\"The child's turn\"],\"states\":[\"Conversation going\"],"
              "\"context\":[\"Number of children\",\"Situation\"],"
              "\"prompts\":[\"Which words did the child use?\"],"
              "\"phrases\":[\"Puts words to it\",\"Waits for the child's answer\","
              "\"Turn-taking\"]}}}",
};

static const struct {
    const char *id, *question, *why, *template_id;
    model_pillar pillar;
    const char *signs[5];
} focuses[] = {
    {ID("41"),
     "Hvordan understøtter vi børnenes deltagelse i samlingen?",
     "Vi vil se, om alle børn får plads i fællesskabet, ikke kun dem der råber højest.",
     ID("31"),
     MODEL_PILLAR_LEARNING,
     {"Alle børn får mulighed for at komme til orde", "Den voksne venter på børnenes svar",
      "Børnene byder ind med egne idéer", "Den voksne følger børnenes initiativ", NULL}},
    {ID("42"),
     "Hvordan skaber vi rolige overgange mellem aktiviteter?",
     "Overgange fylder meget af dagen; ventetid uden indhold giver uro og konflikter.",
     ID("32"),
     MODEL_PILLAR_COLLAB,
     {"Børnene ved, hvad der skal ske", "De voksne har fordelt opgaverne",
      "Ventetiden bruges til leg eller samtale", NULL, NULL}},
    {ID("43"),
     "Hvordan bruger vi åbne spørgsmål til at udvide børnenes sprog?",
     "Åbne spørgsmål inviterer til længere svar og giver børnene flere ord.",
     ID("33"),
     MODEL_PILLAR_DIALOGUE,
     {"Den voksne stiller åbne spørgsmål", "Den voksne udvider barnets ord",
      "Børnene får tid til at svare", NULL, NULL}},
};

static const char *const sign_ids[3][5] = {
    {ID("51"), ID("52"), ID("53"), ID("54"), NULL},
    {ID("61"), ID("62"), ID("63"), NULL, NULL},
    {ID("71"), ID("72"), ID("73"), NULL, NULL},
};

static int load_all(db *d, char *err, size_t errlen)
{
    model_unit unit = {.id = DEMO_UNIT_ID, .name = "Børnehuset Solsikken", .retention_days = 365};
    int rc = db_unit_put(d, &unit);
    for (size_t i = 0; rc == DB_OK && i < sizeof rooms / sizeof rooms[0]; i++) {
        model_room r = {0};
        model_copy(r.id, sizeof r.id, rooms[i].id);
        model_copy(r.unit_id, sizeof r.unit_id, DEMO_UNIT_ID);
        model_copy(r.name, sizeof r.name, rooms[i].name);
        rc = db_room_put(d, &r);
    }
    /* One verifier for all: deriving argon2id per person would make the demo
     * slow to load, and the demo PIN is public anyway. */
    char verifier[MODEL_VERIFIER_MAX];
    if (rc == DB_OK && model_pin_hash(DEMO_PIN, verifier) != 0) {
        snprintf(err, errlen, "Could not derive the demo PIN verifier (out of memory).");
        return DB_NOMEM;
    }
    for (size_t i = 0; rc == DB_OK && i < sizeof people / sizeof people[0]; i++) {
        model_person p = {.role = people[i].role, .active = 1};
        model_copy(p.id, sizeof p.id, people[i].id);
        model_copy(p.unit_id, sizeof p.unit_id, DEMO_UNIT_ID);
        model_copy(p.name, sizeof p.name, people[i].name);
        model_copy(p.pin_verifier, sizeof p.pin_verifier, verifier);
        rc = db_person_put(d, &p);
    }
    for (size_t i = 0; rc == DB_OK && i < sizeof templates / sizeof templates[0]; i++)
        rc = db_template_put_json(d, templates[i], strlen(templates[i]));
    for (size_t i = 0; rc == DB_OK && i < sizeof focuses / sizeof focuses[0]; i++) {
        model_focus f = {.version = 1, .pillar = focuses[i].pillar};
        model_copy(f.id, sizeof f.id, focuses[i].id);
        model_copy(f.unit_id, sizeof f.unit_id, DEMO_UNIT_ID);
        model_copy(f.question, sizeof f.question, focuses[i].question);
        model_copy(f.why, sizeof f.why, focuses[i].why);
        model_copy(f.template_id, sizeof f.template_id, focuses[i].template_id);
        model_copy(f.period_from, sizeof f.period_from, "2026-08-01");
        model_copy(f.period_to, sizeof f.period_to, "2027-07-31");
        for (int s = 0; focuses[i].signs[s]; s++) {
            model_copy(f.signs[s].id, sizeof f.signs[s].id, sign_ids[i][s]);
            model_copy(f.signs[s].text, sizeof f.signs[s].text, focuses[i].signs[s]);
            f.n_signs++;
        }
        rc = db_focus_put(d, &f);
    }
    if (rc != DB_OK)
        snprintf(err, errlen, "%s", db_errmsg(d));
    return rc;
}

int demo_load(db *d, char *err, size_t errlen)
{
    model_unit have;
    if (db_unit_get(d, DEMO_UNIT_ID, &have) == DB_OK)
        return DB_OK;
    int rc = db_batch_begin(d);
    if (rc != DB_OK) {
        snprintf(err, errlen, "%s", db_errmsg(d));
        return rc;
    }
    rc = load_all(d, err, errlen);
    if (rc != DB_OK) {
        db_batch_end(d, 0);
        return rc;
    }
    rc = db_batch_end(d, 1);
    if (rc != DB_OK)
        snprintf(err, errlen, "%s", db_errmsg(d));
    return rc;
}

int demo_open(const char *dir, const plat_sys *sys, db **out, char *err, size_t errlen)
{
    char path[1200];
    *out = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, DEMO_STORE);
    db *d = NULL;
    int rc = db_open(path, sys, &d);
    if (rc != DB_OK) {
        snprintf(err, errlen, "%s", d ? db_errmsg(d) : "Out of memory.");
        db_close(d);
        return rc;
    }
    rc = demo_load(d, err, errlen);
    model_id unit;
    if (rc == DB_OK && (db_device_unit_get(d, unit) != DB_OK || !unit[0])) {
        rc = db_device_unit_put(d, DEMO_UNIT_ID);
        if (rc != DB_OK)
            snprintf(err, errlen, "%s", db_errmsg(d));
    }
    if (rc != DB_OK) {
        db_close(d);
        return rc;
    }
    *out = d;
    return DB_OK;
}

/* 1 if a file is there. */
static int exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fclose(f);
    return 1;
}

int demo_move_old(const char *dir, const plat_sys *sys, char *err, size_t errlen)
{
    char real[1200], demo[1200];
    snprintf(real, sizeof real, "%s/%s", dir, REAL_STORE);
    snprintf(demo, sizeof demo, "%s/%s", dir, DEMO_STORE);
    if (!exists(real) || exists(demo))
        return 0;
    db *d = NULL;
    if (db_open(real, sys, &d) != DB_OK) {
        /* A store that cannot be opened is the app's to report, as ever. */
        db_close(d);
        return 0;
    }
    model_id unit = "";
    int old = db_device_unit_get(d, unit) == DB_OK && !strcmp(unit, DEMO_UNIT_ID) &&
              !db_enrolled(d);
    /* Closing checkpoints the log into the file and removes it; only a
     * store closed that cleanly is moved, so that the file alone is all
     * of it and nothing is moved by halves. */
    db_close(d);
    char wal[1300], shm[1300];
    snprintf(wal, sizeof wal, "%s-wal", real);
    snprintf(shm, sizeof shm, "%s-shm", real);
    if (!old || exists(wal))
        return 0;
    if (rename(real, demo) != 0) {
        snprintf(err, errlen, "Could not move the demo out of the real store: %s", strerror(errno));
        return -1;
    }
    remove(shm);
    return 1;
}
