/*
 * blik-demo-fill: fills a unit on a Blik server with made-up observations,
 * so that a demo office has a practice to look at. It enrols a tablet of its
 * own and pushes the records through the server's own push, as a tablet
 * would (owner checks, versions, the office's figures), only without the
 * network. For demos and trials only: the observations are invented.
 *
 *   blik-demo-fill --db CONNINFO --unit UNIT [--weeks N] [--per-week N] [--seed N]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plat.h"
#include "proto.h"
#include "sdemo.h"
#include "srv.h"
#include "srv_int.h"
#include "srv_ref.h"

#define PUSH_MAX 200

static int usage(void)
{
    fputs("usage: blik-demo-fill --db CONNINFO --unit UNIT [--weeks N] [--per-week N] [--seed N]\n"
          "Fills the unit with made-up observations over the last N weeks (default 16), about\n"
          "--per-week of them a week (default 6), pushed as a tablet of its own pushes them.\n"
          "For demos only: the observations are invented.\n",
          stderr);
    return 2;
}

/* Enrols a tablet for the unit in-process and fills dev. */
static int enrol(PGconn *pg, const char *unit, srv_device *dev)
{
    char code[SRV_REF_CODE_LEN + 1], err[400], body[200];
    if (srv_ref_enrol_code(pg, "demo-fill", unit, 10, code, NULL, err, sizeof err) != SRV_REF_OK) {
        fprintf(stderr, "blik-demo-fill: %s\n", err);
        return -1;
    }
    snprintf(body, sizeof body, "{\"schema\":1,\"code\":\"%s\",\"name\":\"Demo-tablet\"}", code);
    char *reply = NULL;
    if (srv_enrol(pg, body, strlen(body), &reply, err, sizeof err) != PROTO_OK) {
        fprintf(stderr, "blik-demo-fill: enrolment: %s\n", err);
        return -1;
    }
    json_t *j = json_loads(reply, 0, NULL);
    free(reply);
    const char *id = json_string_value(json_object_get(j, "device_id"));
    int rc = id ? 0 : -1;
    if (id) {
        snprintf(dev->device_id, sizeof dev->device_id, "%s", id);
        snprintf(dev->unit_id, sizeof dev->unit_id, "%s", unit);
    }
    json_decref(j);
    return rc;
}

/* Pushes n changes and checks that each was stored. */
static int push(PGconn *pg, const srv_device *dev, proto_change *c, int n)
{
    if (n == 0)
        return 0;
    proto_push p = {PROTO_SCHEMA, n, c};
    char *body = proto_push_encode(&p), *reply = NULL, msg[400];
    if (!body) {
        /* Say which record could not be written, for whoever changes the
         * generator next. */
        for (int i = 0; i < n; i++) {
            model_err me;
            char *t = model_record_text(c[i].rec, &me);
            if (!t)
                fprintf(stderr, "blik-demo-fill: a made-up %s cannot be written: %s\n",
                        model_entity_name(c[i].rec->entity), me.msg);
            free(t);
        }
        fprintf(stderr, "blik-demo-fill: the push could not be written\n");
        return -1;
    }
    proto_code rc = srv_push(pg, dev, NULL, body, strlen(body), &reply, NULL, msg, sizeof msg);
    free(body);
    if (rc != PROTO_OK) {
        fprintf(stderr, "blik-demo-fill: push: %s\n", msg);
        return -1;
    }
    proto_push_reply rep;
    proto_err pe;
    int bad = proto_push_reply_decode(reply, strlen(reply), &rep, &pe) != 0;
    free(reply);
    for (int i = 0; !bad && i < rep.n; i++)
        if (rep.results[i].status != PROTO_ST_STORED &&
            rep.results[i].status != PROTO_ST_DUPLICATE) {
            fprintf(stderr, "blik-demo-fill: a change was refused: %s\n", rep.results[i].message);
            bad = 1;
        }
    if (!bad || rep.results)
        proto_push_reply_clear(&rep);
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *db = NULL, *unit = NULL;
    int weeks = 16, per_week = 6;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--db") && v)
            db = argv[++i];
        else if (!strcmp(argv[i], "--unit") && v)
            unit = argv[++i];
        else if (!strcmp(argv[i], "--weeks") && v)
            weeks = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--per-week") && v)
            per_week = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && v)
            seed = strtoull(argv[++i], NULL, 10);
        else
            return usage();
    }
    if (!db || !unit || weeks < 1 || weeks > 520 || per_week < 1 || per_week > 200)
        return usage();
    char err[400];
    PGconn *pg = srv_db_connect(db, err, sizeof err);
    if (!pg) {
        fprintf(stderr, "blik-demo-fill: %s\n", err);
        return 1;
    }
    sdemo_unit u;
    sdemo_obs *o = malloc(sizeof *o), *partner = malloc(sizeof *partner);
    proto_change *c = calloc(PUSH_MAX, sizeof *c);
    srv_device dev;
    int rc = 1, nc = 0, made = 0;
    if (!o || !partner || !c || sdemo_unit_load(pg, unit, &u, err, sizeof err) != 0) {
        fprintf(stderr, "blik-demo-fill: %s\n", o && partner && c ? err : "out of memory");
        goto out;
    }
    if (enrol(pg, unit, &dev) != 0)
        goto out_unit;
    /* Weekdays between 8:30 and 14:30 Danish time (7:30 to 13:30 UTC
     * in winter), the oldest week first. */
    int64_t now = (int64_t)time(NULL) * 1000, day = 86400000;
    int64_t first = (now / day - 7LL * weeks) * day;
    uint64_t s = seed;
    for (int w = 0; w < weeks; w++)
        for (int k = 0; k < per_week; k++) {
            int64_t start = first + (7LL * w + (int64_t)(k % 5)) * day + 27000000 +
                            (int64_t)((s = s * 6364136223846793005ULL + 1) >> 33) % 21600000;
            if (start + 3600000 > now)
                continue;
            double progress = (double)(start - first) / (double)(now - first);
            int n = sdemo_observation(&u, seed * 100003ULL + (uint64_t)made, start, progress, o);
            /* One in six is observed by two colleagues together, as a
             * pair (calibration): the partner's records follow. */
            int np = made % 6 == 5
                         ? sdemo_partner(&u, seed * 100003ULL + (uint64_t)made, o, partner)
                         : 0;
            for (int part = 0; part < 2; part++) {
                const sdemo_obs *from = part ? partner : o;
                int m = part ? np : n;
                if (nc + m > PUSH_MAX) {
                    if (push(pg, &dev, c, nc) != 0)
                        goto out_unit;
                    proto_changes_clear(c, nc);
                    nc = 0;
                }
                for (int i = 0; i < m; i++) {
                    memset(&c[nc], 0, sizeof c[nc]);
                    if (model_id_new(plat_sys_os(), c[nc].change_id) != 0 ||
                        proto_change_set(&c[nc], &from->rec[i]) != 0)
                        goto out_unit;
                    snprintf(c[nc].actor_id, sizeof c[nc].actor_id, "%s", from->actor[i]);
                    nc++;
                }
            }
            made += 1 + (np > 0);
        }
    if (push(pg, &dev, c, nc) != 0)
        goto out_unit;
    printf("made up %d observation(s) for unit %s over %d week(s)\n", made, unit, weeks);
    rc = 0;
out_unit:
    sdemo_unit_free(&u);
out:
    free(o);
    free(partner);
    proto_changes_clear(c, nc);
    free(c);
    PQfinish(pg);
    return rc;
}
