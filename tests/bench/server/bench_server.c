/*
 * Ingest benchmark: 50 simulated tablets push observations and events to a
 * real blik-server over TLS on loopback, each on its own keep-alive
 * connection; we measure records per second and the push latency
 * percentiles. In the same run, on the same PostgreSQL cluster (fsync on),
 * the same rows are inserted over one plain connection in transactions of
 * the same size, which is the yardstick: what the server costs on top of
 * the database doing just the inserts.
 *
 * Usage: bench_server [tablets] [pushes per tablet] [records per push]
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "benchutil.h"
#include "proto.h"
#include "srv.h"
#include "srvtest.h"

#define UNITS 10

typedef struct {
    model_id unit, room, observer, observee, focus, tmpl;
} unit_ids;

static char conninfo[512];
static tsrv S;

static int admin(char *out, size_t cap, ...)
{
    char *argv[40] = {"--db", conninfo};
    int argc = 2;
    va_list ap;
    va_start(ap, cap);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < 39)
        argv[argc++] = (char *)a;
    va_end(ap);
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    int rc = srv_admin_main(argc, argv, stdin, o, stderr);
    fclose(o);
    if (out) {
        snprintf(out, cap, "%s", buf ? buf : "");
        out[strcspn(out, "\n")] = 0;
    }
    free(buf);
    return rc;
}

static int make_unit(int i, const char *dir, unit_ids *u)
{
    char name[40], path[700], doc[1200];
    snprintf(name, sizeof name, "Bench unit %d", i);
    model_id tid;
    if (admin(u->unit, sizeof u->unit, "unit-add", "--name", name, NULL) ||
        admin(u->room, sizeof u->room, "room-add", "--unit", u->unit, "--name", "Room", NULL) ||
        admin(u->observer, sizeof u->observer, "person-add", "--unit", u->unit, "--name", "Obs",
              "--role", "peer", NULL) ||
        admin(u->observee, sizeof u->observee, "person-add", "--unit", u->unit, "--name", "Ee",
              "--role", "peer", NULL) ||
        model_id_new(plat_sys_os(), tid))
        return -1;
    snprintf(doc, sizeof doc,
             "{\"id\":\"%.36s\",\"unit_id\":\"%.36s\",\"version\":1,\"name\":\"T\","
             "\"scale\":[\"no\",\"yes\"],\"counters\":[{\"key\":\"open_q\",\"label\":\"Open\"}],"
             "\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40}}",
             tid, u->unit);
    snprintf(path, sizeof path, "%s/t%d.json", dir, i);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(doc, f);
    fclose(f);
    return admin(u->tmpl, sizeof u->tmpl, "template-add", "--unit", u->unit, "--file", path,
                 NULL) ||
           admin(u->focus, sizeof u->focus, "focus-add", "--unit", u->unit, "--question", "Q?",
                 "--from", "2026-01-01", "--to", "2026-12-31", "--template", u->tmpl, "--sign",
                 "Sign", NULL);
}

typedef struct {
    const unit_ids *u;
    char authz[160];
    int pushes, per_push;
    double *lat_ms; /* one per push */
    int ok_records, failures;
    proto_change *changes;
    /* the rows this tablet's records became, for the yardstick */
} tablet;

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

/* One observation followed by events on it, repeated to fill a push. */
static void fill(tablet *t, proto_change *c, int n)
{
    const plat_sys *sys = plat_sys_os();
    model_id obs = "";
    for (int i = 0; i < n; i++) {
        memset(&c[i], 0, sizeof c[i]);
        model_id_new(sys, c[i].change_id);
        snprintf(c[i].actor_id, sizeof c[i].actor_id, "%s", t->u->observer);
        if (i % 5 == 0) {
            c[i].rec.entity = MODEL_ENT_OBSERVATION;
            model_observation *o = &c[i].rec.u.obs;
            model_id_new(sys, o->id);
            snprintf(obs, sizeof obs, "%s", o->id);
            snprintf(o->unit_id, sizeof o->unit_id, "%s", t->u->unit);
            snprintf(o->focus_id, sizeof o->focus_id, "%s", t->u->focus);
            snprintf(o->template_id, sizeof o->template_id, "%s", t->u->tmpl);
            o->focus_version = o->template_version = 1;
            snprintf(o->observer_id, sizeof o->observer_id, "%s", t->u->observer);
            snprintf(o->observee_id, sizeof o->observee_id, "%s", t->u->observee);
            snprintf(o->room_id, sizeof o->room_id, "%s", t->u->room);
            snprintf(o->activity, sizeof o->activity, "Circle time");
            snprintf(o->context_json, sizeof o->context_json, "{\"children\":14}");
            o->agreement = 1;
            o->started_at = 1790000000000;
            o->ended_at = 1790000900000;
            o->status = MODEL_OBS_FINISHED;
            o->revision = 1;
            o->updated_at = 1790000900000;
        } else {
            c[i].rec.entity = MODEL_ENT_EVENT;
            model_event *e = &c[i].rec.u.event;
            model_id_new(sys, e->id);
            snprintf(e->observation_id, sizeof e->observation_id, "%s", obs);
            e->kind = MODEL_EV_COUNT;
            snprintf(e->key, sizeof e->key, "open_q");
            e->at = 1790000000000 + i * 1000;
        }
    }
}

static void *run_tablet(void *ud)
{
    tablet *t = ud;
    CURL *c = curl_easy_init();
    char url[128], auth[200];
    snprintf(url, sizeof url, "%s/v1/push", S.url);
    snprintf(auth, sizeof auth, "Authorization: %s", t->authz);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, S.ca);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    proto_change *ch = calloc((size_t)t->per_push, sizeof *ch);
    for (int p = 0; p < t->pushes; p++) {
        fill(t, ch, t->per_push);
        proto_push push = {PROTO_SCHEMA, t->per_push, ch};
        char *body = proto_push_encode(&push);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        int64_t t0 = bench_ns();
        CURLcode rc = curl_easy_perform(c);
        t->lat_ms[p] = (double)(bench_ns() - t0) / 1e6;
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc == CURLE_OK && status == 200)
            t->ok_records += t->per_push;
        else
            t->failures++;
        free(body);
    }
    free(ch);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* The yardstick: the same rows the server stores for these records (an item
 * per record, a change row per record, an observation row per observation),
 * inserted over one connection, one transaction per push-sized batch. */
static double pg_rate(int batches, int per_batch, const unit_ids *u)
{
    char err[300];
    PGconn *pg = PQconnectdb(conninfo);
    if (PQstatus(pg) != CONNECTION_OK)
        return 0;
    PQclear(PQexec(pg, "CREATE TABLE y_items (LIKE items INCLUDING ALL);"
                       "CREATE TABLE y_changes (LIKE changes INCLUDING ALL);"
                       "CREATE TABLE y_obs (id text PRIMARY KEY, unit_id text, observer_id text,"
                       " observee_id text)"));
    tablet t = {u, "", 1, per_batch, NULL, 0, 0, NULL};
    proto_change *ch = calloc((size_t)per_batch, sizeof *ch);
    int64_t seq = 0, rows = 0;
    int64_t t0 = bench_ns();
    for (int b = 0; b < batches; b++) {
        fill(&t, ch, per_batch);
        PQclear(PQexec(pg, "BEGIN"));
        for (int i = 0; i < per_batch; i++) {
            json_t *j = model_record_to_json(&ch[i].rec, NULL);
            char *data = json_dumps(j, JSON_COMPACT);
            json_decref(j);
            char key[MODEL_RECORD_KEY_MAX], seqs[24];
            model_record_key(&ch[i].rec, key);
            snprintf(seqs, sizeof seqs, "%lld", (long long)++seq);
            const char *ent = model_entity_name(ch[i].rec.entity);
            const char *pi[] = {
                ent,         key,   u->unit, seqs, model_record_observation(&ch[i].rec),
                u->observer, "dev", data};
            PGresult *r = PQexecParams(pg,
                                       "INSERT INTO y_items (entity, key, unit_id, seq,"
                                       " observation_id, version, author_id, device_id, data)"
                                       " VALUES ($1,$2,$3,$4::bigint,$5,1,$6,$7,$8)",
                                       8, NULL, pi, NULL, NULL, 0);
            if (PQresultStatus(r) != PGRES_COMMAND_OK)
                snprintf(err, sizeof err, "%s", PQresultErrorMessage(r));
            PQclear(r);
            const char *pc[] = {ch[i].change_id, "dev", ent, key, "0123456789abcdef", "stored"};
            PQclear(PQexecParams(pg,
                                 "INSERT INTO y_changes (change_id, device_id, entity, key,"
                                 " body_sha256, status, version) VALUES ($1,$2,$3,$4,$5,$6,1)",
                                 6, NULL, pc, NULL, NULL, 0));
            if (ch[i].rec.entity == MODEL_ENT_OBSERVATION) {
                const char *po[] = {ch[i].rec.u.obs.id, u->unit, u->observer, u->observee};
                PQclear(PQexecParams(pg, "INSERT INTO y_obs VALUES ($1,$2,$3,$4)", 4, NULL, po,
                                     NULL, NULL, 0));
            }
            free(data);
            rows++;
        }
        PQclear(PQexec(pg, "COMMIT"));
    }
    double secs = (double)(bench_ns() - t0) / 1e9;
    free(ch);
    PQfinish(pg);
    return (double)rows / secs;
}

int main(int argc, char **argv)
{
    int tablets = argc > 1 ? atoi(argv[1]) : 50;
    int pushes = argc > 2 ? atoi(argv[2]) : 20;
    int per_push = argc > 3 ? atoi(argv[3]) : 20;
    if (tablets < 1 || tablets > 500 || pushes < 1 || per_push < 1 || per_push > PROTO_PUSH_MAX) {
        fprintf(stderr, "usage: bench_server [tablets 1..500] [pushes] [records per push 1..%d]\n",
                PROTO_PUSH_MAX);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tpg *pg;
    char err[400];
    if (tpg_start(1, &pg, err, sizeof err) != 0) {
        fprintf(stderr, "bench_server: %s\n", err);
        tpg_stop(pg);
        return 1;
    }
    int rc = 1;
    const char *dir = tpg_dir(pg);
    unit_ids units[UNITS];
    tablet *t = calloc((size_t)tablets, sizeof *t);
    pthread_t *th = calloc((size_t)tablets, sizeof *th);
    const char *const extra[] = {"--pool", "16", NULL};
    if (tca_make(dir, err, sizeof err) != 0 ||
        tpg_new_db(pg, "blik_bench", conninfo, sizeof conninfo) != 0 ||
        tsrv_start(&S, pg, BLIK_SERVER_EXE, conninfo, dir, extra) != 0) {
        fprintf(stderr, "bench_server: setup failed %s\n", err);
        goto out;
    }
    for (int i = 0; i < UNITS; i++)
        if (make_unit(i, dir, &units[i]) != 0) {
            fprintf(stderr, "bench_server: could not make the units\n");
            goto out;
        }
    for (int i = 0; i < tablets; i++) {
        t[i].u = &units[i % UNITS];
        t[i].pushes = pushes;
        t[i].per_push = per_push;
        t[i].lat_ms = calloc((size_t)pushes, sizeof(double));
        char code[40];
        if (admin(code, sizeof code, "enrol-code", "--unit", t[i].u->unit, NULL) != 0)
            goto out;
        proto_enrol e = {PROTO_SCHEMA, "", "Bench tablet"};
        snprintf(e.code, sizeof e.code, "%.32s", code);
        char *body = proto_enrol_encode(&e), url[128];
        snprintf(url, sizeof url, "%s/v1/enrol", S.url);
        thttp_resp r;
        thttp("POST", url, S.ca, NULL, body, strlen(body), 0, NULL, &r);
        free(body);
        proto_enrol_reply rep;
        if (r.status != 200 || proto_enrol_reply_decode(r.body, r.len, &rep, NULL) != 0) {
            fprintf(stderr, "bench_server: enrolment failed: %s\n", r.body);
            thttp_free(&r);
            goto out;
        }
        thttp_free(&r);
        snprintf(t[i].authz, sizeof t[i].authz, "Bearer %s.%s", rep.device_id, rep.device_secret);
    }

    int64_t t0 = bench_ns();
    for (int i = 0; i < tablets; i++)
        pthread_create(&th[i], NULL, run_tablet, &t[i]);
    for (int i = 0; i < tablets; i++)
        pthread_join(th[i], NULL);
    double secs = (double)(bench_ns() - t0) / 1e9;
    long long records = 0, failures = 0;
    size_t nlat = (size_t)tablets * (size_t)pushes;
    double *lat = calloc(nlat, sizeof *lat);
    for (int i = 0; i < tablets; i++) {
        records += t[i].ok_records;
        failures += t[i].failures;
        memcpy(lat + (size_t)i * (size_t)pushes, t[i].lat_ms, (size_t)pushes * sizeof(double));
    }
    double rate = (double)records / secs;
    double p50 = bench_percentile(lat, nlat, 50), p99 = bench_percentile(lat, nlat, 99);
    free(lat);
    char note[200];
    snprintf(note, sizeof note,
             "%d tablets x %d pushes x %d records, TLS loopback, fsync on, %lld failed pushes",
             tablets, pushes, per_push, failures);
    bench_report("server_ingest", rate, "records/s", note);
    bench_report("server_push_p50", p50, "ms", "latency of one push request");
    bench_report("server_push_p99", p99, "ms", "latency of one push request");
    double base = pg_rate(tablets * pushes / 4 > 0 ? tablets * pushes / 4 : 1, per_push, &units[0]);
    snprintf(note, sizeof note,
             "the same rows per record (item, change, observation), one connection, %d records "
             "per transaction",
             per_push);
    bench_report("pg_insert_one_conn", base, "records/s", note);
    bench_report("server_vs_pg_one_conn", base > 0 ? rate / base : 0, "ratio",
                 "server records/s divided by plain inserts/s");
    rc = failures == 0 ? 0 : 1;
out:
    if (S.pid > 0)
        tsrv_stop(&S);
    for (int i = 0; i < tablets; i++)
        free(t[i].lat_ms);
    free(t);
    free(th);
    tpg_stop(pg);
    curl_global_cleanup();
    return rc;
}
