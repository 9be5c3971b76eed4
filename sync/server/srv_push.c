/*
 * Push, set-based: a push costs the same few statements whatever its size.
 * Under the unit's feed lock the server looks up, for the whole batch at
 * once, the change ids already received (events are known by their own
 * ids), the records the changes touch, the people, observations, rooms and
 * focus versions they name; it then decides every change in order in
 * memory (so a change sees the ones before it in the same push, exactly as
 * if they had been applied one at a time), and writes what was decided
 * with one statement per table. The whole push is one transaction: all
 * its results hold, or none.
 *
 * The rows a push adds (items, changes, observations, conflicts) and the
 * records it makes newer go in as one statement a table, each taking its
 * columns as arrays and reading them back with unnest: one parameter a
 * column whatever the number of rows. Those statements are sent in the
 * same round trip as the first of the facts' refresh (srv_facts), so a
 * push's writes and the office's counts of it cost the server two trips
 * to the database, not one a table plus the refresh's own. The one
 * exception is a push of COPY_MIN new records or more: those go to items
 * with COPY, two trips of their own that cannot share the pipeline, but
 * which write many rows at once where the INSERT writes them one by one. An
 * earlier version wrote every table with COPY: with five tables the trips
 * cost more than the parsing saved (bench_server keeps the other ways for
 * comparison).
 */
#include "srv_facts.h"
#include "srv_int.h"
#include "srv_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- a small map from text to an index, for one push ---- */

typedef struct {
    const char **key; /* borrowed */
    int *val;
    size_t cap; /* a power of two, at least twice the most keys */
} smap;

static int smap_init(smap *m, int most)
{
    m->cap = 16;
    while (m->cap < (size_t)most * 2)
        m->cap *= 2;
    m->key = calloc(m->cap, sizeof *m->key);
    m->val = calloc(m->cap, sizeof *m->val);
    return m->key && m->val ? 0 : -1;
}

static void smap_free(smap *m)
{
    free(m->key);
    free(m->val);
}

static size_t smap_slot(const smap *m, const char *k)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    size_t i = (size_t)h & (m->cap - 1);
    while (m->key[i] && strcmp(m->key[i], k) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* The index stored for k, or -1. */
static int smap_get(const smap *m, const char *k)
{
    size_t i = smap_slot(m, k);
    return m->key[i] ? m->val[i] : -1;
}

/* Stores v for k (which must outlive the map) unless k is there already. */
static void smap_put(smap *m, const char *k, int v)
{
    size_t i = smap_slot(m, k);
    if (!m->key[i]) {
        m->key[i] = k;
        m->val[i] = v;
    }
}

/* ---- one push ---- */

/* A record as this push leaves it: what the database had, then each change
 * of this push applied to it in order. */
typedef struct {
    int exists;         /* in items (before or by this push) */
    int in_db;          /* in items before this push */
    int dirty;          /* changed by this push: written at the end */
    char *unit_id;      /* owned */
    char *device_id;    /* owned */
    const char *data;   /* the text now: db_data, or a change's data */
    char *db_data;      /* owned: the text before this push */
    const char *author; /* the actor of the last change applied */
    const char *obs_id; /* the record's observation, or "" */
    int version;
    int64_t seq;
    int first; /* the change that named it first */
    int last;  /* the change whose version it is now (with dirty) */
} rec_state;

/* A change with what the server makes of it. */
typedef struct {
    const proto_change *c;
    const char *ent, *obs_id;
    char key[MODEL_RECORD_KEY_MAX];
    char reckey[MODEL_RECORD_KEY_MAX + 24]; /* "<entity>/<key>": one name per record */
    char hash[65];
    char *data; /* the record's compact JSON text, owned */
    int rec;    /* its record's state */
    int kept;   /* stored or kept as a conflict (a row in changes, but for an event) */
    int conflict;
    int was_conflict; /* received before and kept as a conflict then */
    int sign_ok;      /* a rating's or note's sign is one of its observation's focus version */
} pchange;

/* What the lookups found, per observation named by the push. */
typedef struct {
    const char *id;
    int on_server; /* in observations (before or by this push) */
    int deleted;   /* deleted on the server (a deletion is in the feed) */
    char unit_id[MODEL_UUID_LEN + 1], observer[MODEL_UUID_LEN + 1], observee[MODEL_UUID_LEN + 1];
    int added; /* made by this push */
} obs_state;

typedef struct {
    char unit_id[MODEL_UUID_LEN + 1];
    int active;
} person_state;

typedef struct {
    const srv_device *dev;
    proto_push *p;
    int n;
    pchange *ch;
    rec_state *rs;
    int n_rs;
    smap rmap; /* reckey -> rs */
    obs_state *os;
    int n_os;
    smap omap; /* observation id -> os */
    char (*pid)[MODEL_UUID_LEN + 1];
    person_state *ps;
    int n_ps;
    smap pmap;           /* person id -> ps */
    smap rooms, focuses; /* this unit's rooms and "focus/version" named by the push */
    char (*room_ids)[MODEL_UUID_LEN + 1];
    char (*focus_ids)[MODEL_UUID_LEN + 1];
    char (*focus_keys)[MODEL_UUID_LEN + 16];
    int n_rooms, n_focuses;
    int texts;           /* ctx_texts: 0 not yet, 1 done, -1 out of memory */
    int look_all;        /* look up every record, events of new observations too (a retry) */
    const char *push_id; /* the push's own id (Blik-Push), "" when it has none */
    const char *after;   /* the push it must follow (PROTO_PUSH_AFTER_PATH), or NULL */
    srv_gate *gate;      /* told once the push holds its unit's lock (srv_gate.c) */
    char last_push[MODEL_UUID_LEN + 1]; /* the device's last stored push, as looked up */
} push_ctx;

static void ctx_free(push_ctx *x)
{
    for (int i = 0; x->ch && i < x->n; i++)
        free(x->ch[i].data);
    for (int i = 0; x->rs && i < x->n_rs; i++) {
        free(x->rs[i].unit_id);
        free(x->rs[i].device_id);
        free(x->rs[i].db_data);
    }
    free(x->ch);
    free(x->rs);
    free(x->os);
    free(x->pid);
    free(x->ps);
    free(x->room_ids);
    free(x->focus_ids);
    free(x->focus_keys);
    smap_free(&x->rmap);
    smap_free(&x->omap);
    smap_free(&x->pmap);
    smap_free(&x->rooms);
    smap_free(&x->focuses);
    memset(x, 0, sizeof *x);
}

/* Lists the rooms and focus versions the push's observations name, for
 * the lookup (which then reuses the lists for what it found). */
static void name_places(push_ctx *x)
{
    x->n_rooms = x->n_focuses = 0;
    for (int i = 0; i < x->n; i++)
        if (x->ch[i].c->rec->entity == MODEL_ENT_OBSERVATION) {
            const model_observation *o = &x->ch[i].c->rec->u.obs;
            if (o->room_id[0])
                snprintf(x->room_ids[x->n_rooms++], sizeof x->room_ids[0], "%s", o->room_id);
            snprintf(x->focus_ids[x->n_focuses], sizeof x->focus_ids[0], "%s", o->focus_id);
            snprintf(x->focus_keys[x->n_focuses++], sizeof x->focus_keys[0], "%s/%d", o->focus_id,
                     o->focus_version);
        }
}

/* Names every change's record (its key), and the records, observations and
 * people the push touches, before the transaction begins; the texts follow
 * in ctx_texts. 0, or -1 when out of memory. */
static int ctx_init(push_ctx *x, const srv_device *dev, proto_push *p)
{
    memset(x, 0, sizeof *x);
    x->dev = dev;
    x->p = p;
    x->n = p->n;
    size_t n = (size_t)(p->n ? p->n : 1);
    x->ch = calloc(n, sizeof *x->ch);
    x->rs = calloc(n, sizeof *x->rs);
    x->os = calloc(2 * n, sizeof *x->os);
    x->pid = calloc(2 * n, sizeof *x->pid);
    x->ps = calloc(2 * n, sizeof *x->ps);
    x->room_ids = calloc(n, sizeof *x->room_ids);
    x->focus_ids = calloc(n, sizeof *x->focus_ids);
    x->focus_keys = calloc(n, sizeof *x->focus_keys);
    if (!x->ch || !x->rs || !x->os || !x->pid || !x->ps || !x->room_ids || !x->focus_ids ||
        !x->focus_keys || smap_init(&x->rmap, (int)n) || smap_init(&x->omap, (int)n) ||
        smap_init(&x->pmap, 2 * (int)n) || smap_init(&x->rooms, (int)n) ||
        smap_init(&x->focuses, (int)n))
        return -1;
    for (int i = 0; i < p->n; i++) {
        pchange *c = &x->ch[i];
        c->c = &p->changes[i];
        c->ent = model_entity_name(c->c->rec->entity);
        c->obs_id = model_record_observation(c->c->rec);
        model_record_key(c->c->rec, c->key);
        model_text_join(c->reckey, sizeof c->reckey, c->ent, '/', c->key);
        c->rec = smap_get(&x->rmap, c->reckey);
        if (c->rec < 0) {
            c->rec = x->n_rs++;
            x->rs[c->rec].first = i;
            smap_put(&x->rmap, c->reckey, c->rec);
        }
        if (c->obs_id[0] && smap_get(&x->omap, c->obs_id) < 0) {
            x->os[x->n_os].id = c->obs_id;
            smap_put(&x->omap, c->obs_id, x->n_os++);
        }
        const char *who[2] = {c->c->actor_id, c->c->rec->entity == MODEL_ENT_OBSERVATION
                                                  ? c->c->rec->u.obs.observee_id
                                                  : ""};
        for (int k = 0; k < 2; k++)
            if (who[k][0] && smap_get(&x->pmap, who[k]) < 0) {
                model_text_join(x->pid[x->n_ps], sizeof x->pid[x->n_ps], who[k], 0, NULL);
                smap_put(&x->pmap, x->pid[x->n_ps], x->n_ps);
                x->n_ps++;
            }
    }
    name_places(x);
    return 0;
}

/* Encodes every change once: its record's text, and (but for an event)
 * the hash of its canonical form, by which a change sent again is told
 * from a change id used for another change. Made while the database takes
 * the unit's lock and looks up what the push names (begin_and_look), which
 * needs neither: the tablet waits for all of it before it sends its next
 * push. The lock is held from when the database takes it, so should the
 * texts take longer than the lookups (about 2 ms against 4 to 6 ms for a
 * thousand changes here), another push to the unit would wait the
 * difference. 0, or -1 when a text cannot be made, for want of memory (arg
 * is the push_ctx; called once a push, not on the connection). */
static int ctx_texts(void *arg)
{
    push_ctx *x = arg;
    x->texts = -1;
    for (int i = 0; i < x->n; i++) {
        pchange *c = &x->ch[i];
        char *canon = NULL;
        /* An event is known by its own id (event_known): no hash. */
        int hashed = c->c->rec->entity != MODEL_ENT_EVENT;
        if (proto_change_texts(c->c, &c->data, hashed ? &canon : NULL) != 0)
            return -1;
        if (hashed)
            srv_sha256_hex(canon, strlen(canon), c->hash);
        free(canon);
    }
    x->texts = 1;
    return 0;
}

#define OOM(x)                                                                                     \
    do {                                                                                           \
        snprintf(err, errlen, "out of memory");                                                    \
        x;                                                                                         \
    } while (0)

/* The sign a change names: a rating's, or a note's when it is tied to
 * one; "" for none. */
static const char *sign_named(const proto_change *c)
{
    if (c->rec->entity == MODEL_ENT_RATING)
        return c->rec->u.rating.sign_id;
    if (c->rec->entity == MODEL_ENT_NOTE)
        return c->rec->u.note.sign_id;
    return "";
}

/* The lookups' statements with their parameters: made before the
 * transaction begins, sent with its BEGIN and the unit's feed lock in one
 * round trip, and read after it. */
/* The four lookups every push makes, then at most two more: the signs, and
 * the device's last stored push (at_signs, at_device; -1 when not made). */
enum { LK_CHANGES, LK_RECORDS, LK_PEOPLE, LK_OBS, LK_FIXED, LK_MAX = LK_FIXED + 2 };

typedef struct {
    char *lit[12]; /* the array literals, owned */
    const char *p1[1], *p2[2], *p3[1], *p4[5], *p5[3], *p6[1];
    int *cid_at; /* the change of each change id looked up, owned */
    int n_cid;
    int *rs_at; /* the record of each record looked up, owned */
    int n_rs;
    int *sign_at; /* the change of each sign named, owned */
    int *sign_of; /* the question (of n_asked) each sign named is, owned */
    int n_signs, n_asked;
    srv_stmt v[LK_MAX];
    int n; /* statements made */
    int at_signs, at_device;
} lookups;

static void lookups_free(lookups *lk)
{
    for (int i = 0; i < 12; i++)
        free(lk->lit[i]);
    free(lk->cid_at);
    free(lk->rs_at);
    free(lk->sign_at);
    free(lk->sign_of);
    memset(lk, 0, sizeof *lk);
}

/*
 * 5: which of the signs the push's ratings and notes name are signs of
 * their observation's focus version: the one the push's own observation
 * record names, else the one stored (fact_obs keeps it for every
 * observation on the server). A sign of no focus would count in no figure
 * and push a real one out of the export's list of ratings. Not asked when
 * the push names no sign.
 *
 * Each question is asked once: a sign and the focus version it is checked
 * against (or, when the push does not give the version, the observation
 * whose stored one it is). A full push of ratings names a few signs of one
 * focus a thousand times, and each question reads the focus's whole
 * document. 0, or -1 when out of memory.
 */
static int signs_make(push_ctx *x, lookups *lk)
{
    size_t most = (size_t)(x->n ? x->n : 1);
    const char **obs = malloc(most * sizeof *obs);
    const char **sign = malloc(most * sizeof *sign);
    char(*fkey)[MODEL_UUID_LEN + 16] = calloc(most, sizeof *fkey);
    /* Each question's text, to find it again: "f<focus key> <sign>" or
     * "o<observation> <sign>". */
    char(*q)[2 * MODEL_UUID_LEN + 24] = malloc(most * sizeof *q);
    int *at = malloc(most * sizeof *at), *of = malloc(most * sizeof *of);
    /* Per observation the push names, its focus version as the push's
     * latest observation record so far gives it ("" before any). */
    char(*latest)[MODEL_UUID_LEN + 16] = calloc((size_t)(x->n_os ? x->n_os : 1), sizeof *latest);
    smap asked = {0};
    int rc = -1, n = 0, n_q = 0;
    if (!obs || !sign || !fkey || !q || !at || !of || !latest || smap_init(&asked, x->n) != 0)
        goto done;
    for (int i = 0; i < x->n; i++) {
        const model_record *rec = x->ch[i].c->rec;
        int o = x->ch[i].obs_id[0] ? smap_get(&x->omap, x->ch[i].obs_id) : -1;
        if (rec->entity == MODEL_ENT_OBSERVATION && o >= 0)
            snprintf(latest[o], sizeof latest[o], "%s/%d", rec->u.obs.focus_id,
                     rec->u.obs.focus_version);
        const char *sg = sign_named(x->ch[i].c);
        if (!sg[0])
            continue;
        const char *version = o >= 0 ? latest[o] : "";
        snprintf(q[n_q], sizeof q[n_q], "%c%s %s", version[0] ? 'f' : 'o',
                 version[0] ? version : x->ch[i].obs_id, sg);
        int k = smap_get(&asked, q[n_q]);
        if (k < 0) {
            k = n_q++;
            smap_put(&asked, q[k], k);
            obs[k] = x->ch[i].obs_id;
            sign[k] = sg;
            snprintf(fkey[k], sizeof fkey[k], "%s", version);
        }
        at[n] = i;
        of[n++] = k;
    }
    rc = 0;
    if (n == 0)
        goto done;
    if (!(lk->lit[8] = srv_array_of(obs, sizeof *obs, n_q, 1)) ||
        !(lk->lit[9] = srv_array_of(sign, sizeof *sign, n_q, 1)) ||
        !(lk->lit[10] = srv_array_of(fkey, sizeof *fkey, n_q, 0))) {
        rc = -1;
        goto done;
    }
    lk->p5[0] = lk->lit[8];
    lk->p5[1] = lk->lit[9];
    lk->p5[2] = lk->lit[10];
    lk->sign_at = at;
    lk->sign_of = of;
    lk->n_signs = n;
    lk->n_asked = n_q;
    at = of = NULL;
    lk->at_signs = lk->n;
    lk->v[lk->n++] = (srv_stmt){
        "SELECT x.i FROM unnest($1::text[], $2::text[], $3::text[])"
        " WITH ORDINALITY AS x(obs, sign, fkey, i)"
        " LEFT JOIN LATERAL (SELECT focus_id, focus_version FROM fact_obs"
        "  WHERE observation_id = x.obs LIMIT 1) f ON true"
        " CROSS JOIN LATERAL (SELECT 1 FROM items fi WHERE fi.entity = 'focus'"
        "  AND fi.key = CASE WHEN x.fkey <> '' THEN x.fkey"
        "   ELSE f.focus_id || '/' || f.focus_version END"
        "  AND fi.data::jsonb -> 'signs' @> jsonb_build_array("
        "   jsonb_build_object('id', x.sign)) LIMIT 1) fi",
        3, lk->p5};
done:
    smap_free(&asked);
    free(obs);
    free(sign);
    free(fkey);
    free(q);
    free(at);
    free(of);
    free(latest);
    return rc;
}

/* The records named by two arrays, entities and keys, as the database has
 * them; x.i is a record's place in the arrays, from 1. */
#define RECORDS_SQL                                                                                \
    "SELECT x.i, t.unit_id, t.version, t.device_id, t.data"                                        \
    " FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(entity, key, i)"                    \
    " CROSS JOIN LATERAL (SELECT unit_id, version, device_id, data FROM items"                     \
    "  WHERE entity = x.entity AND key = x.key LIMIT 1) t"

/*
 * The lookups, at most six statements for the whole push: the change ids
 * already received and the records the changes name (but for events, which
 * events_look looks up after, and only some); the people; the
 * observations (and whether each was deleted on the server); the unit's
 * rooms and focus versions the observations name; the signs ratings and
 * notes name, when the push names one; and for a push sent early, the
 * device's last stored push. Made here, read by lookups_read. 0, or -1
 * when out of memory.
 *
 * Each lookup by key is a LATERAL subquery with LIMIT 1, so that it can only
 * be planned as one probe of the key's index per name. As a plain join, the
 * planner chose by the table's last known size: on a database filling fast
 * (a first sync, before autovacuum has looked), it hashed the whole table
 * of changes for every push, and a push's lookup grew from 1 to 60 ms. An
 * EXISTS is no better: the plan a connection keeps may read every deletion
 * record (or every focus) the server holds and hash them, once a push. Kept
 * from before 200,000 deletions were stored, that plan took 373 ms to ask
 * whether 77 observations were deleted, until the table's statistics were
 * read again; the probes take a quarter of a millisecond.
 */
static int lookups_make(push_ctx *x, lookups *lk)
{
    int rc = -1;
    const char **cid = malloc((size_t)(x->n ? x->n : 1) * sizeof *cid);
    const char **ent = malloc((size_t)(x->n_rs ? x->n_rs : 1) * sizeof *ent);
    const char **key = malloc((size_t)(x->n_rs ? x->n_rs : 1) * sizeof *key);
    const char **oid = malloc((size_t)(x->n_os ? x->n_os : 1) * sizeof *oid);
    memset(lk, 0, sizeof *lk);
    lk->cid_at = malloc((size_t)(x->n ? x->n : 1) * sizeof *lk->cid_at);
    lk->rs_at = malloc((size_t)(x->n_rs ? x->n_rs : 1) * sizeof *lk->rs_at);
    if (!cid || !ent || !key || !oid || !lk->cid_at || !lk->rs_at)
        goto done;
    /* An event is known by its own id (see event_known), so only the
     * other changes' ids are looked up. */
    for (int i = 0; i < x->n; i++)
        if (x->ch[i].c->rec->entity != MODEL_ENT_EVENT) {
            lk->cid_at[lk->n_cid] = i;
            cid[lk->n_cid++] = x->ch[i].c->change_id;
        }
    /* Events are looked up after, and only some (events_look). */
    for (int i = 0; i < x->n_rs; i++) {
        const pchange *c = &x->ch[x->rs[i].first];
        if (c->c->rec->entity == MODEL_ENT_EVENT && !x->look_all)
            continue;
        lk->rs_at[lk->n_rs] = i;
        ent[lk->n_rs] = c->ent;
        key[lk->n_rs++] = c->key;
    }
    for (int i = 0; i < x->n_os; i++)
        oid[i] = x->os[i].id;
    if (!(lk->lit[0] = srv_array_of(cid, sizeof *cid, lk->n_cid, 1)) ||
        !(lk->lit[1] = srv_array_of(ent, sizeof *ent, lk->n_rs, 1)) ||
        !(lk->lit[2] = srv_array_of(key, sizeof *key, lk->n_rs, 1)) ||
        !(lk->lit[3] = srv_array_of(x->pid, sizeof *x->pid, x->n_ps, 0)) ||
        !(lk->lit[4] = srv_array_of(oid, sizeof *oid, x->n_os, 1)) ||
        !(lk->lit[5] = srv_array_of(x->room_ids, sizeof *x->room_ids, x->n_rooms, 0)) ||
        !(lk->lit[6] = srv_array_of(x->focus_ids, sizeof *x->focus_ids, x->n_focuses, 0)) ||
        !(lk->lit[7] = srv_array_of(x->focus_keys, sizeof *x->focus_keys, x->n_focuses, 0)))
        goto done;
    lk->p1[0] = lk->lit[0];
    lk->p2[0] = lk->lit[1];
    lk->p2[1] = lk->lit[2];
    lk->p3[0] = lk->lit[3];
    lk->p4[0] = lk->lit[4];
    lk->p4[1] = x->dev->unit_id;
    lk->p4[2] = lk->lit[5];
    lk->p4[3] = lk->lit[6];
    lk->p4[4] = lk->lit[7];
    /* 1: change ids received before, with their hash, version and status. */
    lk->v[LK_CHANGES] = (srv_stmt){
        "SELECT x.i, c.body_sha256, c.version, c.status FROM unnest($1::text[]) WITH ORDINALITY"
        " AS x(id, i) CROSS JOIN LATERAL (SELECT body_sha256, version, status FROM changes"
        "  WHERE change_id = x.id LIMIT 1) c",
        1, lk->p1};
    /* 2: the records as the database has them, but for events (see
     * events_look). */
    lk->v[LK_RECORDS] = (srv_stmt){RECORDS_SQL, 2, lk->p2};
    /* 3: the people named (actors and observees). */
    lk->v[LK_PEOPLE] = (srv_stmt){
        "SELECT id, unit_id, active FROM people WHERE id = ANY($1::text[])", 1, lk->p3};
    /* 4: the observations named, and whether each was deleted; with this
     * unit's rooms and focus versions that the observations name. */
    lk->v[LK_OBS] = (srv_stmt){
        "SELECT 'o', x.id, o.unit_id, o.observer_id, o.observee_id, d.gone IS NOT NULL"
        " FROM unnest($1::text[]) AS x(id) LEFT JOIN LATERAL (SELECT unit_id,"
        "  observer_id, observee_id FROM observations WHERE id = x.id LIMIT 1) o ON true"
        " LEFT JOIN LATERAL (SELECT true AS gone FROM items WHERE entity = 'deleted'"
        "  AND key = 'observation/' || x.id LIMIT 1) d ON true"
        " UNION ALL SELECT 'r', id, '', '', '', false FROM rooms"
        "  WHERE unit_id = $2 AND id = ANY($3::text[])"
        " UNION ALL SELECT 'f', id || '/' || version, '', '', '', false FROM focuses"
        "  WHERE unit_id = $2 AND id = ANY($4::text[])"
        "  AND id || '/' || version = ANY($5::text[])",
        5, lk->p4};
    lk->n = LK_FIXED;
    lk->at_signs = lk->at_device = -1;
    if ((rc = signs_make(x, lk)) != 0)
        goto done;
    /* 6: for a push sent early, the device's last stored push. Read after
     * the unit's lock, like every lookup: a push of the same tablet before
     * this one, if it is being stored, holds that lock until it commits,
     * and is then seen. */
    if (x->after) {
        lk->p6[0] = x->dev->device_id;
        lk->at_device = lk->n;
        lk->v[lk->n++] = (srv_stmt){"SELECT last_push_id FROM devices WHERE id = $1", 1, lk->p6};
    }
done:
    free(cid);
    free(ent);
    free(key);
    free(oid);
    return rc;
}

/* Reads the records RECORDS_SQL found (r) into their states: at[i] is the
 * record of the array's place i, of n. 0, or -1 when out of memory. */
static int records_read(push_ctx *x, const PGresult *r, const int *at, int n)
{
    for (int k = 0; k < PQntuples(r); k++) {
        int i = atoi(PQgetvalue(r, k, 0)) - 1;
        if (i < 0 || i >= n)
            continue;
        rec_state *s = &x->rs[at[i]];
        s->exists = s->in_db = 1;
        s->version = atoi(PQgetvalue(r, k, 2));
        s->unit_id = strdup(PQgetvalue(r, k, 1));
        s->device_id = strdup(PQgetvalue(r, k, 3));
        s->db_data = strdup(PQgetvalue(r, k, 4));
        s->data = s->db_data;
        if (!s->unit_id || !s->device_id || !s->db_data)
            return -1;
    }
    return 0;
}

/* Reads what the lookups (res, lk->n of them) found into the push's
 * states. 0, or -1 when out of memory. */
static int lookups_read(push_ctx *x, const lookups *lk, PGresult *const *res)
{
    const PGresult *r = res[LK_CHANGES];
    for (int k = 0; k < PQntuples(r); k++) {
        int i = atoi(PQgetvalue(r, k, 0)) - 1;
        if (i < 0 || i >= lk->n_cid)
            continue;
        pchange *c = &x->ch[lk->cid_at[i]];
        /* A change received before is answered from that row alone, as it
         * was the first time: one kept as a conflict is a conflict again,
         * so that a tablet whose first answer was lost (or taken back by a
         * power cut) keeps it for a person to decide instead of taking the
         * server's version as its own. */
        c->kept = !strcmp(PQgetvalue(r, k, 1), c->hash) ? 1 + atoi(PQgetvalue(r, k, 2)) : -1;
        c->was_conflict = c->kept > 0 &&
                          !strcmp(PQgetvalue(r, k, 3), proto_status_name(PROTO_ST_CONFLICT));
    }
    if (records_read(x, res[LK_RECORDS], lk->rs_at, lk->n_rs) != 0)
        return -1;
    r = res[LK_PEOPLE];
    for (int k = 0; k < PQntuples(r); k++) {
        int i = smap_get(&x->pmap, PQgetvalue(r, k, 0));
        if (i < 0)
            continue;
        snprintf(x->ps[i].unit_id, sizeof x->ps[i].unit_id, "%s", PQgetvalue(r, k, 1));
        x->ps[i].active = PQgetvalue(r, k, 2)[0] == 't';
    }
    /* The maps borrow their keys, so the rows found are copied into the
     * lists of names, which are not needed any more (each row is one of
     * them, so they fit). */
    r = res[LK_OBS];
    x->n_rooms = x->n_focuses = 0;
    for (int k = 0; k < PQntuples(r); k++) {
        const char kind = PQgetvalue(r, k, 0)[0];
        const char *id = PQgetvalue(r, k, 1);
        if (kind == 'o') {
            int i = smap_get(&x->omap, id);
            if (i < 0)
                continue;
            obs_state *o = &x->os[i];
            o->deleted = PQgetvalue(r, k, 5)[0] == 't';
            o->on_server = !PQgetisnull(r, k, 2);
            snprintf(o->unit_id, sizeof o->unit_id, "%s", PQgetvalue(r, k, 2));
            snprintf(o->observer, sizeof o->observer, "%s", PQgetvalue(r, k, 3));
            snprintf(o->observee, sizeof o->observee, "%s", PQgetvalue(r, k, 4));
        } else if (kind == 'r' && x->n_rooms < x->n) {
            snprintf(x->room_ids[x->n_rooms], sizeof x->room_ids[0], "%s", id);
            smap_put(&x->rooms, x->room_ids[x->n_rooms++], 1);
        } else if (kind == 'f' && x->n_focuses < x->n) {
            snprintf(x->focus_keys[x->n_focuses], sizeof x->focus_keys[0], "%s", id);
            smap_put(&x->focuses, x->focus_keys[x->n_focuses++], 1);
        }
    }
    r = lk->at_device >= 0 ? res[lk->at_device] : NULL;
    snprintf(x->last_push, sizeof x->last_push, "%s",
             r && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "");
    if (lk->at_signs >= 0) {
        /* The questions answered yes, then every sign named that asked one. */
        char *yes = calloc((size_t)lk->n_asked, 1);
        if (!yes)
            return -1;
        r = res[lk->at_signs];
        for (int k = 0; k < PQntuples(r); k++) {
            int i = atoi(PQgetvalue(r, k, 0)) - 1;
            if (i >= 0 && i < lk->n_asked)
                yes[i] = 1;
        }
        for (int i = 0; i < lk->n_signs; i++)
            if (yes[lk->sign_of[i]])
                x->ch[lk->sign_at[i]].sign_ok = 1;
        free(yes);
    }
    return 0;
}

#define REJECT(code_, ...)                                                                         \
    do {                                                                                           \
        res->status = PROTO_ST_REJECTED;                                                           \
        res->code = code_;                                                                         \
        snprintf(res->message, sizeof res->message, __VA_ARGS__);                                  \
        return -1;                                                                                 \
    } while (0)

/* Whether the actor of a change may make it: an active member of the
 * tablet's unit, and the one writer of the part it touches. 0, or -1 with
 * res rejected. */
static int owner_check(push_ctx *x, const pchange *pc, proto_result *res)
{
    const proto_change *c = pc->c;
    const srv_device *dev = x->dev;
    int a = smap_get(&x->pmap, c->actor_id);
    if (a < 0 || strcmp(x->ps[a].unit_id, dev->unit_id) != 0 || !x->ps[a].active)
        REJECT(PROTO_E_FORBIDDEN, "The person %s is not an active member of this tablet's unit.",
               c->actor_id);
    const model_record *rec = c->rec;
    int k = pc->obs_id[0] ? smap_get(&x->omap, pc->obs_id) : -1;
    if (k < 0)
        REJECT(PROTO_E_FORBIDDEN, "A %s cannot be sent by a tablet.", pc->ent);
    obs_state *os = &x->os[k];
    if (rec->entity == MODEL_ENT_OBSERVATION) {
        const model_observation *o = &rec->u.obs;
        if (strcmp(o->unit_id, dev->unit_id) != 0)
            REJECT(PROTO_E_FORBIDDEN,
                   "The observation belongs to another unit than this tablet's.");
        if (strcmp(o->observer_id, c->actor_id) != 0)
            REJECT(PROTO_E_FORBIDDEN, "Only the observer may write an observation.");
        /* A deleted observation stays deleted: a tablet that has not yet
         * pulled the deletion cannot bring it back by editing it. */
        if (os->deleted)
            REJECT(PROTO_E_FORBIDDEN,
                   "This observation was deleted on the server (retention or a person's "
                   "request) and cannot be sent again.");
        if (os->on_server &&
            (strcmp(os->unit_id, o->unit_id) || strcmp(os->observer, o->observer_id) ||
             strcmp(os->observee, o->observee_id)))
            REJECT(PROTO_E_FORBIDDEN,
                   "An observation's unit, observer and observee cannot change once sent.");
        /* An observation about a team names no person (the codec has
         * checked that it names the team instead). */
        int e = o->observee_id[0] ? smap_get(&x->pmap, o->observee_id) : -1;
        if (o->observee_id[0] && (e < 0 || strcmp(x->ps[e].unit_id, dev->unit_id) != 0))
            REJECT(PROTO_E_FORBIDDEN, "The observee is not a member of this tablet's unit.");
        if (o->room_id[0] && smap_get(&x->rooms, o->room_id) < 0)
            REJECT(PROTO_E_FORBIDDEN, "The room is not one of this unit's rooms.");
        char fk[MODEL_UUID_LEN + 16];
        snprintf(fk, sizeof fk, "%s/%d", o->focus_id, o->focus_version);
        if (smap_get(&x->focuses, fk) < 0)
            REJECT(PROTO_E_NOT_FOUND, "The focus %s (version %d) is not known for this unit.",
                   o->focus_id, o->focus_version);
        return 0;
    }
    if (!os->on_server) {
        /* Sending the observation first would not help when the server has
         * deleted it: say so, rather than ask for the impossible. */
        if (os->deleted)
            REJECT(PROTO_E_FORBIDDEN,
                   "The observation %s was deleted on the server (retention or a person's "
                   "request); its %s cannot be sent.",
                   pc->obs_id, pc->ent);
        REJECT(PROTO_E_NOT_FOUND, "The observation %s is not on the server yet; send it first.",
               pc->obs_id);
    }
    int is_observer = !strcmp(os->observer, c->actor_id);
    int is_observee = !strcmp(os->observee, c->actor_id);
    if (strcmp(os->unit_id, dev->unit_id) != 0)
        REJECT(PROTO_E_FORBIDDEN, "The observation belongs to another unit than this tablet's.");
    if (rec->entity == MODEL_ENT_REFLECTION) {
        /* A team is no person who could sign in and write it: what the
         * team thinks is said in the feedback conversation, which the
         * observer writes down (PROTOCOL.md, "reflection"). */
        if (!os->observee[0])
            REJECT(PROTO_E_FORBIDDEN, "An observation about a team has no reflection: the "
                                      "team's own words go into the feedback.");
        if (!is_observee || strcmp(rec->u.reflection.author_id, c->actor_id) != 0)
            REJECT(PROTO_E_FORBIDDEN, "Only the observee may write the reflection.");
    } else {
        if (!is_observer)
            REJECT(PROTO_E_FORBIDDEN, "Only the observer may write the %s of an observation.",
                   pc->ent);
        if (sign_named(c)[0] && !pc->sign_ok)
            REJECT(PROTO_E_NOT_FOUND,
                   "The sign %s is not one of the signs of this observation's learning focus.",
                   sign_named(c));
        if (rec->entity == MODEL_ENT_FEEDBACK &&
            strcmp(rec->u.feedback.author_id, c->actor_id) != 0)
            REJECT(PROTO_E_FORBIDDEN, "The feedback's author must be the observer.");
    }
    return 0;
}

/* Applies one change that passed its checks to its record's state: a new
 * record, a newer version, or (when the tablet edited a version another
 * tablet has since replaced) a kept conflict. 0, or -1 with res rejected;
 * -2 when out of memory. */
/* A tablet of schema version 1 knows nothing of an observation's pair code
 * and plan, so its change to an observation made on a newer tablet would
 * drop them: the stored record's are carried into the change (its record
 * and its text) before it is decided on. The change's hash stays that of
 * what the tablet sent, so a retry is still known. 0, or -1 when out of
 * memory. */
static int carry_fields(push_ctx *x)
{
    if (x->p->schema >= 2)
        return 0;
    for (int i = 0; i < x->n; i++) {
        pchange *c = &x->ch[i];
        model_record *rec = x->p->changes[i].rec;
        const rec_state *s = &x->rs[c->rec];
        if (rec->entity != MODEL_ENT_OBSERVATION || !s->in_db)
            continue;
        model_record old;
        if (model_record_parse(MODEL_ENT_OBSERVATION, s->db_data, &old, NULL) != 0 ||
            (!old.u.obs.pair_code[0] && !old.u.obs.plan_id[0]))
            continue;
        memcpy(rec->u.obs.pair_code, old.u.obs.pair_code, sizeof rec->u.obs.pair_code);
        memcpy(rec->u.obs.plan_id, old.u.obs.plan_id, sizeof rec->u.obs.plan_id);
        char *text = model_record_text(rec, NULL);
        if (!text)
            return -1;
        free(c->data);
        c->data = text;
    }
    return 0;
}

/*
 * Whether a change brings an event the server holds already, byte for
 * byte, in the tablet's unit: a retry, answered as a duplicate before any
 * other check, as a retry of another change is from its row in changes.
 * An event is never edited (an undo is an event of its own), so its own id
 * tells a retry as well as a change id would, and the server keeps no row
 * in changes for it: four in five of the changes a tablet sends are
 * events, and that row and the lookup of its id were a fifth of a push's
 * cost. An event that differs from the one stored is kept as a conflict,
 * and its retry is known by its row in conflicts (event_conflicts).
 */
static int event_known(const push_ctx *x, const pchange *c)
{
    const rec_state *s = &x->rs[c->rec];
    return c->c->rec->entity == MODEL_ENT_EVENT && s->in_db &&
           !strcmp(s->unit_id, x->dev->unit_id) && !strcmp(s->db_data, c->data);
}

static int apply(push_ctx *x, pchange *pc, int64_t *seq, proto_result *res)
{
    const srv_device *dev = x->dev;
    rec_state *s = &x->rs[pc->rec];
    model_entity e = pc->c->rec->entity;
    if (!s->exists) {
        s->exists = s->dirty = 1;
        s->unit_id = strdup(dev->unit_id);
        s->device_id = strdup(dev->device_id);
        if (!s->unit_id || !s->device_id)
            return -2;
        s->data = pc->data;
        s->author = pc->c->actor_id;
        s->obs_id = pc->obs_id;
        s->version = 1;
        s->seq = ++*seq;
        s->last = (int)(pc - x->ch);
        if (e == MODEL_ENT_OBSERVATION) {
            obs_state *o = &x->os[smap_get(&x->omap, pc->obs_id)];
            const model_observation *ob = &pc->c->rec->u.obs;
            o->on_server = o->added = 1;
            snprintf(o->unit_id, sizeof o->unit_id, "%s", ob->unit_id);
            snprintf(o->observer, sizeof o->observer, "%s", ob->observer_id);
            snprintf(o->observee, sizeof o->observee, "%s", ob->observee_id);
        }
        res->status = PROTO_ST_STORED;
        res->version = 1;
        return 0;
    }
    res->version = s->version;
    if (strcmp(s->unit_id, dev->unit_id) != 0)
        REJECT(PROTO_E_FORBIDDEN, "This %s belongs to another unit.", pc->ent);
    if (!strcmp(s->data, pc->data)) {
        res->status = PROTO_ST_STORED;
        return 0;
    }
    /* Events are append-only (an undo is an event of its own); a note is
     * edited or deleted by its observer, and versioned like the other parts. */
    if (e == MODEL_ENT_EVENT ||
        (pc->c->base_version < s->version && strcmp(s->device_id, dev->device_id) != 0)) {
        pc->conflict = 1;
        res->status = PROTO_ST_CONFLICT;
        return 0;
    }
    if (strcmp(s->device_id, dev->device_id) != 0) {
        char *d = strdup(dev->device_id);
        if (!d)
            return -2;
        free(s->device_id);
        s->device_id = d;
    }
    s->dirty = 1;
    s->data = pc->data;
    s->author = pc->c->actor_id;
    s->obs_id = pc->obs_id;
    s->version++;
    s->seq = ++*seq;
    s->last = (int)(pc - x->ch);
    res->status = PROTO_ST_STORED;
    res->version = s->version;
    return 0;
}
#undef REJECT

/* The statements that write what a push decided, with their parameters:
 * array literals, one a column, owned here. */
enum { W_INS, W_UPD, W_OBS, W_CONF, W_CHG, W_MAX };
enum { W_COLS_MAX = 9 };

/* From this many new records on, a push sends them to items with COPY, in
 * two round trips of its own (srv_copy_in): for a push of a thousand
 * changes the push took 4 to 13 % less time so (bench_sync), while for a
 * push of a few records the extra trips cost more than COPY saves. */
#define COPY_MIN 200

typedef struct {
    srv_buf col[W_MAX][W_COLS_MAX];
    srv_buf copy; /* the new records as COPY's rows, when COPY_MIN or more */
    const char *p[W_MAX][W_COLS_MAX + 1];
    int rows[W_MAX];
    srv_stmt v[W_MAX];
    int n;
} writes;

/* The statements' texts, each with its columns (the arrays it unnests) and
 * the parameter after them, if any: the device or its unit. */
static const struct {
    const char *sql;
    int cols;
} write_sql[W_MAX] = {
    [W_INS] = {"INSERT INTO items (entity, key, unit_id, seq, observation_id, version, author_id,"
               " device_id, data) SELECT x.entity, x.key, $9, x.seq, x.obs, x.version, x.author,"
               " x.device, x.data FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[],"
               " $5::int[], $6::text[], $7::text[], $8::text[])"
               " AS x(entity, key, seq, obs, version, author, device, data)",
               8},
    /* Each record is found by its key in the primary key's index (the
     * lateral lookup) and updated where it is (ctid): an UPDATE joined to
     * the arrays by key could be planned, once for every run, as a walk of
     * all of items (see SRV_INDEXED_SQL). The row found is the row
     * updated: every change to a unit's items is made under the unit's
     * feed lock, which the push holds. */
    [W_UPD] = {"UPDATE items t SET seq = x.seq, version = x.version, author_id = x.author,"
               " device_id = $7, data = x.data, updated_at = now()"
               " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[],"
               " $6::text[]) AS x(entity, key, seq, version, author, data)"
               " CROSS JOIN LATERAL (SELECT i.ctid AS tid FROM items i"
               " WHERE i.entity = x.entity AND i.key = x.key LIMIT 1) l WHERE t.ctid = l.tid",
               6},
    [W_OBS] = {"INSERT INTO observations (id, unit_id, observer_id, observee_id)"
               " SELECT x.id, x.unit, x.observer, NULLIF(x.observee, '')"
               " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
               " AS x(id, unit, observer, observee)",
               4},
    [W_CONF] = {"INSERT INTO conflicts (change_id, entity, key, unit_id, device_id, base_version,"
                " server_version, data) SELECT x.change, x.entity, x.key, $7, $8, x.base, x.server,"
                " x.data FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[],"
                " $6::text[]) AS x(change, entity, key, base, server, data)",
                6},
    [W_CHG] = {"INSERT INTO changes (change_id, device_id, entity, key, body_sha256, status,"
               " version) SELECT x.change, $7, x.entity, x.key, x.hash, x.status, x.version"
               " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
               " $6::int[]) AS x(change, entity, key, hash, status, version)",
               6},
};

/* The new records by COPY: the columns of W_INS, then the unit. */
#define COPY_ITEMS_SQL                                                                             \
    "COPY items (entity, key, seq, observation_id, version, author_id, device_id, data, unit_id)"  \
    " FROM STDIN"

/* Appends one row to statement w's columns: the texts in vals, one a
 * column. */
static void w_row(writes *ws, int w, const char *const *vals)
{
    for (int c = 0; c < write_sql[w].cols; c++)
        srv_buf_array_elem(&ws->col[w][c], vals[c]);
    ws->rows[w]++;
}

static void writes_free(writes *ws)
{
    for (int w = 0; w < W_MAX; w++)
        for (int c = 0; c < W_COLS_MAX; c++)
            free(ws->col[w][c].s);
    free(ws->copy.s);
    memset(ws, 0, sizeof *ws);
}

/*
 * The statements that write what the push decided, into ws->v (ws->n of
 * them, borrowing from x and ws): new records, newer versions of records,
 * new observations, kept conflicts, and a row in changes for every change
 * stored or kept but an event (known by its own id), each table's rows in
 * one statement over arrays, so that they go in one round trip with the
 * facts' first; but COPY_MIN new records or more go into ws->copy as
 * COPY's rows instead. 0, or -1 when out of memory (ws freed either way by
 * writes_free).
 */
static int write_stmts(push_ctx *x, const proto_result *res, writes *ws)
{
    const srv_device *dev = x->dev;
    memset(ws, 0, sizeof *ws);
    for (int w = 0; w < W_MAX; w++)
        for (int c = 0; c < write_sql[w].cols; c++)
            srv_buf_put(&ws->col[w][c], "{", 1);
    int n_new = 0;
    for (int i = 0; i < x->n_rs; i++)
        n_new += x->rs[i].dirty && !x->rs[i].in_db;
    for (int i = 0; i < x->n_rs; i++) {
        const rec_state *s = &x->rs[i];
        if (!s->dirty)
            continue;
        const pchange *c = &x->ch[s->first];
        char seq[24], ver[24]; /* model_json_int writes at most 20 bytes */
        seq[model_json_int(seq, s->seq)] = 0;
        ver[model_json_int(ver, s->version)] = 0;
        const char *const ins[] = {c->ent,    c->key,       seq,     s->obs_id,   ver,
                                   s->author, s->device_id, s->data, dev->unit_id};
        if (!s->in_db && n_new >= COPY_MIN)
            for (int f = 0; f < 9; f++)
                srv_buf_copy_field(&ws->copy, ins[f], f == 8);
        else if (!s->in_db)
            w_row(ws, W_INS, ins); /* its 8 columns; the unit is a parameter */
        else
            w_row(ws, W_UPD, (const char *const[]){c->ent, c->key, seq, ver, s->author, s->data});
    }
    for (int i = 0; i < x->n_os; i++) {
        const obs_state *o = &x->os[i];
        if (o->added)
            w_row(ws, W_OBS, (const char *const[]){o->id, o->unit_id, o->observer, o->observee});
    }
    for (int i = 0; i < x->n; i++) {
        const pchange *c = &x->ch[i];
        const proto_result *r = &res[i];
        if (!c->kept)
            continue;
        char base[24], ver[24];
        base[model_json_int(base, c->c->base_version)] = 0;
        ver[model_json_int(ver, r->version)] = 0;
        if (c->conflict)
            w_row(ws, W_CONF,
                  (const char *const[]){c->c->change_id, c->ent, c->key, base, ver, c->data});
        if (c->c->rec->entity == MODEL_ENT_EVENT)
            continue; /* known by its id: event_known */
        w_row(ws, W_CHG,
              (const char *const[]){c->c->change_id, c->ent, c->key, c->hash,
                                    proto_status_name(r->status), ver});
    }
    /* The parameters after the columns: the unit for new records, the
     * device for newer versions, both for conflicts, the device for
     * changes. */
    const char *after[W_MAX][2] = {[W_INS] = {dev->unit_id},
                                   [W_UPD] = {dev->device_id},
                                   [W_CONF] = {dev->unit_id, dev->device_id},
                                   [W_CHG] = {dev->device_id}};
    if (ws->copy.oom)
        return -1;
    for (int w = 0; w < W_MAX; w++) {
        int k = 0;
        for (; k < write_sql[w].cols; k++) {
            srv_buf_put(&ws->col[w][k], "}", 1);
            if (ws->col[w][k].oom)
                return -1;
            ws->p[w][k] = ws->col[w][k].s;
        }
        for (int a = 0; a < 2 && after[w][a]; a++)
            ws->p[w][k++] = after[w][a];
        if (ws->rows[w])
            ws->v[ws->n++] = (srv_stmt){write_sql[w].sql, k, ws->p[w]};
    }
    return 0;
}

/* Per-push timings for the benchmark, written to the log when the
 * environment asks (BLIK_PUSH_TIMES=1); off otherwise. */
static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The observations whose facts are made again: every observation one of
 * whose records this push stored or kept as a conflict, each once. */
static int touched_ids(push_ctx *x, const char ***out)
{
    const char **v = malloc((size_t)(x->n_os ? x->n_os : 1) * sizeof *v);
    int n = 0;
    if (!v)
        return -1;
    char *mark = calloc((size_t)(x->n_os ? x->n_os : 1), 1);
    if (!mark) {
        free(v);
        return -1;
    }
    for (int i = 0; i < x->n; i++) {
        const pchange *c = &x->ch[i];
        if (!c->kept || !c->obs_id[0])
            continue;
        int k = smap_get(&x->omap, c->obs_id);
        if (k >= 0 && !mark[k]) {
            mark[k] = 1;
            v[n++] = x->os[k].id;
        }
    }
    free(mark);
    *out = v;
    return n;
}

/* The touched observations (n) that were not in items before this push,
 * which it stores as new, into fresh (n of room): none has facts yet.
 * Their number. */
static int fresh_ids(push_ctx *x, const char *const *touched, int n, const char **fresh)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        char reckey[MODEL_RECORD_KEY_MAX + 24];
        snprintf(reckey, sizeof reckey, "%s/%s", model_entity_name(MODEL_ENT_OBSERVATION),
                 touched[i]);
        int r = smap_get(&x->rmap, reckey);
        if (r >= 0 && !x->rs[r].in_db && x->rs[r].exists)
            fresh[k++] = touched[i];
    }
    return k;
}

/* A stored record with its feed number, to put the records in feed order. */
typedef struct {
    int64_t seq;
    const model_record *rec;
} seq_rec;

static int seq_cmp(const void *a, const void *b)
{
    int64_t x = ((const seq_rec *)a)->seq, y = ((const seq_rec *)b)->seq;
    return x < y ? -1 : x > y;
}

/* The records this push stored, in the order of their feed numbers, and
 * one observation id for each conflict it kept, for a refresh of fresh
 * observations (srv_facts_with's recs and conflicts), which then makes
 * their facts without reading them back. Each array is malloc'd (the
 * caller frees both, also on failure), what they point to borrowed from
 * x. 0, or -1 when out of memory. */
static int given_make(push_ctx *x, srv_facts_with *fw, const model_record ***recs,
                      const char ***conf)
{
    seq_rec *v = malloc((size_t)(x->n_rs ? x->n_rs : 1) * sizeof *v);
    int n = 0;
    *recs = malloc((size_t)(x->n_rs ? x->n_rs : 1) * sizeof **recs);
    *conf = malloc((size_t)(x->n ? x->n : 1) * sizeof **conf);
    if (!v || !*recs || !*conf) {
        free(v);
        return -1;
    }
    for (int i = 0; i < x->n_rs; i++)
        if (x->rs[i].dirty && x->rs[i].exists)
            v[n++] = (seq_rec){x->rs[i].seq, x->ch[x->rs[i].last].c->rec};
    qsort(v, (size_t)n, sizeof *v, seq_cmp);
    for (int i = 0; i < n; i++)
        (*recs)[i] = v[i].rec;
    fw->recs = *recs;
    fw->n_recs = n;
    free(v);
    n = 0;
    for (int i = 0; i < x->n; i++)
        if (x->ch[i].kept && x->ch[i].conflict && x->ch[i].obs_id[0])
            (*conf)[n++] = x->ch[i].obs_id;
    fw->conflicts = *conf;
    fw->n_conflicts = n;
    return 0;
}

/*
 * The events the database may have: those of observations it has (the
 * lookups said which), looked up once that is known, in a statement of
 * their own. An event is stored only with its observation in observations
 * (the observation's deletion takes both away), so an event of an
 * observation not there is new. Most of a first sync's changes are such
 * events; sending every event's entity and key to the lookups made the
 * database read three arrays of thousands of texts to drop most of them
 * (3 to 5 ms of a push of 4,000 changes, under the unit's lock), and
 * probing each would be a probe at a random place of the items' largest
 * index. Should an event's id be stored nonetheless (under another
 * observation), writing it fails on the key, and the push's next try
 * (look_all, when the lookups took every record) looks up every record.
 * An event the checks refuse is refused either way; only the reason can
 * differ, when it also reuses the change id of a kept conflict. 0, or -1
 * with err.
 */
static int events_look(PGconn *pg, push_ctx *x, char *err, size_t errlen)
{
    if (x->look_all)
        return 0;
    int n = 0, rc = -1;
    int *at = malloc((size_t)(x->n_rs ? x->n_rs : 1) * sizeof *at);
    const char **ent = malloc((size_t)(x->n_rs ? x->n_rs : 1) * sizeof *ent);
    const char **key = malloc((size_t)(x->n_rs ? x->n_rs : 1) * sizeof *key);
    char *lit[2] = {NULL, NULL};
    PGresult *r = NULL;
    if (!at || !ent || !key)
        OOM(goto done);
    for (int i = 0; i < x->n_rs; i++) {
        const pchange *c = &x->ch[x->rs[i].first];
        if (c->c->rec->entity != MODEL_ENT_EVENT)
            continue;
        int o = smap_get(&x->omap, c->obs_id);
        if (o < 0 || !x->os[o].on_server)
            continue;
        at[n] = i;
        ent[n] = c->ent;
        key[n++] = c->key;
    }
    if (n == 0) {
        rc = 0;
        goto done;
    }
    if (!(lit[0] = srv_array_of(ent, sizeof *ent, n, 1)) ||
        !(lit[1] = srv_array_of(key, sizeof *key, n, 1)))
        OOM(goto done);
    if (!(r = srv_qp(pg, RECORDS_SQL, 2, (const char *const *)lit, err, errlen)))
        goto done;
    if (records_read(x, r, at, n) != 0)
        OOM(goto done);
    rc = 0;
done:
    PQclear(r);
    free(lit[0]);
    free(lit[1]);
    free(ent);
    free(key);
    free(at);
    return rc;
}

/*
 * An event that differs from the one stored may be the retry of a change
 * kept as a conflict: known by its row in conflicts, by what was kept, as
 * another change is by its hash in changes, and then answered before any
 * other check. Asked in a round trip of its own, and only for such events,
 * which a tablet sends only when two copies of one event disagree: a push
 * of new events costs nothing more. 0, or -1 with err.
 */
static int event_conflicts(PGconn *pg, push_ctx *x, char *err, size_t errlen)
{
    int n = 0, rc = -1;
    int *at = malloc((size_t)(x->n ? x->n : 1) * sizeof *at);
    const char **cid = malloc((size_t)(x->n ? x->n : 1) * sizeof *cid);
    char *lit = NULL;
    PGresult *r = NULL;
    if (!at || !cid)
        OOM(goto done);
    for (int i = 0; i < x->n; i++) {
        const pchange *c = &x->ch[i];
        const rec_state *s = &x->rs[c->rec];
        if (c->c->rec->entity == MODEL_ENT_EVENT && s->in_db && strcmp(s->db_data, c->data)) {
            at[n] = i;
            cid[n++] = c->c->change_id;
        }
    }
    if (n == 0) {
        rc = 0;
        goto done;
    }
    if (!(lit = srv_array_of(cid, sizeof *cid, n, 1)))
        OOM(goto done);
    const char *p[] = {lit};
    r = srv_qp(pg,
               "SELECT x.i, c.server_version, c.data FROM unnest($1::text[]) WITH ORDINALITY"
               " AS x(id, i) CROSS JOIN LATERAL (SELECT server_version, data FROM conflicts"
               "  WHERE change_id = x.id LIMIT 1) c",
               1, p, err, errlen);
    if (!r)
        goto done;
    for (int k = 0; k < PQntuples(r); k++) {
        int i = atoi(PQgetvalue(r, k, 0)) - 1;
        if (i < 0 || i >= n)
            continue;
        pchange *c = &x->ch[at[i]];
        c->kept = !strcmp(PQgetvalue(r, k, 2), c->data) ? 1 + atoi(PQgetvalue(r, k, 1)) : -1;
        c->was_conflict = c->kept > 0;
    }
    rc = 0;
done:
    PQclear(r);
    free(lit);
    free(cid);
    free(at);
    return rc;
}

/* Whether the push was sent early and the push it must follow is not the
 * device's last stored push (as the lookups read it): then it is refused. */
static int out_of_turn(const push_ctx *x)
{
    return x->after && strcmp(x->after, x->last_push) != 0;
}

/* Begins the push's transaction, takes the unit's feed lock and looks up
 * what the push needs, in one round trip: the lookups need no answer from
 * the lock, only its hold. The changes' texts are made meanwhile, on the
 * first try; then the events of observations the server has
 * (events_look) and, only where an event differs from the stored one, its
 * kept conflict (event_conflicts). 0, or -1 with err (the caller rolls
 * back). */
static int begin_and_look(PGconn *pg, push_ctx *x, int64_t *seq0, char *err, size_t errlen)
{
    lookups lk;
    PGresult *got[LK_MAX] = {0};
    int rc = -1;
    srv_meanwhile mw = {ctx_texts, x, 0};
    if (lookups_make(x, &lk) != 0)
        OOM(goto done);
    if (srv_feed_lock_begin(pg, x->dev->unit_id, seq0, lk.v, lk.n, got, x->texts ? NULL : &mw, err,
                            errlen) != 0)
        goto done;
    /* The push after this one may take its turn at the lock now: it waits
     * behind this one's transaction. */
    srv_gate_locked(x->gate, x->push_id);
    if (x->texts < 0)
        OOM(goto done);
    if (lookups_read(x, &lk, got) != 0)
        OOM(goto done);
    /* A push sent early before the one it follows was stored is refused
     * (push_txn), and goes without the lookups that take statements of
     * their own: it holds the unit's lock, which the push it follows may
     * be waiting for. */
    if (out_of_turn(x)) {
        rc = 0;
        goto done;
    }
    if (events_look(pg, x, err, errlen) == 0)
        rc = event_conflicts(pg, x, err, errlen);
done:
    for (int i = 0; i < LK_MAX; i++)
        PQclear(got[i]);
    lookups_free(&lk);
    return rc;
}

/*
 * One try at a push in one transaction: 0 done, 1 worth retrying, 2 not
 * done because the push it must follow is not stored, 3 stored but where
 * it left the log not noted, -1 failed. The transaction refuses sequential
 * scans (srv_begin_indexed), so that the plans its kept statements use
 * read by index whatever the tables' sizes when they were made; and it ends
 * with the feed number, the device's row, the COMMIT and the device's mark
 * in one round trip.
 */
/* Where push_txn's last statements (end) hold the COMMIT: after the feed
 * number, which is left out when the push took none, and the device's row. */
#define END_COMMIT 2

static int push_txn(PGconn *pg, push_ctx *x, proto_result *res, char *err, size_t errlen)
{
    const srv_device *dev = x->dev;
    int64_t seq0 = 0, seq = 0;
    int end_done = 0; /* of end's statements, how many succeeded */
    const char **touched = NULL;
    int64_t t0 = now_us(), t_look = 0, t_write = 0, t_facts = 0;
    if (begin_and_look(pg, x, &seq0, err, errlen) != 0)
        goto fail;
    if (out_of_turn(x)) {
        /* The push it must follow is not stored (yet, or at all): nothing
         * of this one is, and the tablet sends it again after that one's
         * answer. */
        if (PQtransactionStatus(pg) != PQTRANS_IDLE)
            srv_exec(pg, "ROLLBACK", 0, NULL, NULL, 0);
        return 2;
    }
    if (carry_fields(x) != 0)
        OOM(goto fail);
    t_look = now_us();
    seq = seq0;
    for (int i = 0; i < x->n; i++) {
        pchange *c = &x->ch[i];
        proto_result *r = &res[i];
        memset(r, 0, sizeof *r);
        model_text_join(r->change_id, sizeof r->change_id, c->c->change_id, 0, NULL);
        if (srv_plan_push_skips(c->c)) {
            c->kept = 0; /* a plan's agreement: srv_plan_push below */
            continue;
        }
        if (event_known(x, c)) {
            r->status = PROTO_ST_DUPLICATE;
            r->version = x->rs[c->rec].version;
            continue;
        }
        if (c->kept > 0) {
            r->status = c->was_conflict ? PROTO_ST_CONFLICT : PROTO_ST_DUPLICATE;
            r->version = c->kept - 1;
            c->kept = 0;
            continue;
        }
        if (c->kept < 0) {
            r->status = PROTO_ST_REJECTED;
            r->code = PROTO_E_CHANGE_REUSED;
            snprintf(r->message, sizeof r->message,
                     "This change_id was already used for a different change.");
            c->kept = 0;
            continue;
        }
        if (owner_check(x, c, r) != 0)
            continue;
        int a = apply(x, c, &seq, r);
        if (a == -2)
            OOM(goto fail);
        c->kept = a == 0;
    }
    writes ws;
    if (write_stmts(x, res, &ws) != 0) {
        writes_free(&ws);
        OOM(goto fail);
    }
    t_write = now_us();
    if (ws.copy.n && srv_copy_in(pg, COPY_ITEMS_SQL, ws.copy.s, ws.copy.n, err, errlen) != 0) {
        writes_free(&ws);
        goto fail;
    }
    int n_touched = touched_ids(x, &touched);
    if (n_touched < 0) {
        writes_free(&ws);
        OOM(goto fail);
    }
    /* The unit's feed number (as srv_feed_release writes it), what the
     * tablet last sent, for device-list, with the push itself, and the
     * COMMIT. With no plan to look at, the feed number is known now, and
     * they go in the last round trip of the facts; otherwise after the
     * plans, in a trip of their own. A failure up to the COMMIT leaves
     * nothing: a COMMIT that failed has ended the transaction, and the
     * ROLLBACK below is then not sent.
     *
     * After the COMMIT, in the same trip, where the push left the log is
     * noted as the device's last write (SRV_WRITTEN_SQL), so that its
     * pulls are read from a replica only once the replica has replayed
     * that far. The position is the insert one, not the flushed one: read
     * after the COMMIT, it is past the end of every record written so
     * far, the push's commit included. Its own commit does not wait for
     * the disk (the push's did): the row only steers this tablet's next
     * reads, and should the database stop before the log reaches the
     * disk, the position it keeps is the one before, which sends at most
     * a read or two to a replica without the push; the tablet holds what
     * it pushed, and the feed it reads there ends before the push rather
     * than skipping it. The two statements come before the batch's one
     * Sync, so they are one implicit transaction of their own and the
     * setting holds for that commit alone. They once had a round trip of
     * their own, one in five of a small push's, each a switch between the
     * database's process and the server's thread. When the COMMIT fails,
     * the database skips them with the rest of the batch; when they fail
     * after it, the push is answered unavailable (a pull might be read
     * from a replica that has not replayed it), and sent again it is all
     * duplicates and the mark is noted then. */
    char np[16], sq[24];
    const char *pf[] = {dev->unit_id, sq}, *pd[] = {dev->device_id, np, x->push_id},
               *pw[] = {dev->device_id};
    const srv_stmt end[] = {{SRV_FEED_RELEASE_SQL, 2, pf},
                            {"UPDATE devices SET last_push_at = now(), last_push_changes = $2::int,"
                             " last_push_id = $3 WHERE id = $1",
                             3, pd},
                            {"COMMIT", 0, NULL},
                            {SRV_WRITTEN_ASYNC_SQL, 0, NULL},
                            {SRV_WRITTEN_SQL, 1, pw}};
    const int n_end = (int)(sizeof end / sizeof end[0]);
    snprintf(np, sizeof np, "%d", x->n);
    int plans = srv_plan_push_any(x->p, res), frc = 0;
    srv_facts_with fw = {.indexed = 1, .after_done = &end_done};
    const model_record **recs = NULL;
    const char **conf = NULL, **fresh = malloc((size_t)(n_touched ? n_touched : 1) * sizeof *fresh);
    if (!fresh)
        frc = -2;
    else if ((fw.n_fresh = fresh_ids(x, touched, n_touched, fresh)) > 0 &&
             given_make(x, &fw, &recs, &conf) != 0)
        frc = -2;
    fw.fresh_ids = fresh;
    for (int i = 0; frc == 0 && (i == 0 || i < n_touched); i += SRV_FACTS_BATCH) {
        int k = n_touched - i < SRV_FACTS_BATCH ? n_touched - i : SRV_FACTS_BATCH;
        fw.before = i == 0 ? ws.v : NULL;
        fw.n_before = i == 0 ? ws.n : 0;
        if (!plans && i + k >= n_touched) {
            snprintf(sq, sizeof sq, "%lld", (long long)seq);
            fw.after = end + (seq == seq0);
            fw.n_after = n_end - (seq == seq0);
        }
        frc = srv_facts_refresh_with(pg, touched + i, k, &fw, err, errlen);
    }
    writes_free(&ws);
    free(touched);
    free(recs);
    free(conf);
    free(fresh);
    touched = NULL;
    if (frc == -2)
        OOM(goto fail);
    if (frc != 0)
        goto fail;
    if (plans) {
        if (srv_plan_push(pg, x->dev->device_id, x->dev->unit_id, x->p, res, &seq, err, errlen) !=
            0)
            goto fail;
        snprintf(sq, sizeof sq, "%lld", (long long)seq);
        if (srv_qp_batch_done(pg, end + (seq == seq0), n_end - (seq == seq0), &end_done, err,
                              errlen) != 0)
            goto fail;
    }
    t_facts = now_us();
    const char *tv = getenv("BLIK_PUSH_TIMES");
    if (tv && tv[0] == '1')
        srv_log("push times: %d changes, %d observations; lookup %lld us, decide %lld us,"
                " write, figures and commit %lld us, total %lld us",
                x->n, n_touched, (long long)(t_look - t0), (long long)(t_write - t_look),
                (long long)(t_facts - t_write), (long long)(now_us() - t0));
    return 0;
fail:
    free(touched);
    /* Past the COMMIT, the push is stored. */
    if (end_done > END_COMMIT - (seq == seq0))
        return 3;
    if (PQtransactionStatus(pg) != PQTRANS_IDLE)
        srv_exec(pg, "ROLLBACK", 0, NULL, NULL, 0);
    return srv_q_retryable(err) ? 1 : -1;
}

/* Forgets what one try decided, so that the next try starts from the
 * database again (a retry follows a serialization failure, a deadlock or a
 * row another request inserted meanwhile). */
static void ctx_reset(push_ctx *x)
{
    for (int i = 0; i < x->n_rs; i++) {
        rec_state *s = &x->rs[i];
        free(s->unit_id);
        free(s->device_id);
        free(s->db_data);
        int first = s->first;
        memset(s, 0, sizeof *s);
        s->first = first;
    }
    for (int i = 0; i < x->n; i++)
        x->ch[i].kept = x->ch[i].conflict = 0;
    for (int i = 0; i < x->n_os; i++) {
        const char *id = x->os[i].id;
        memset(&x->os[i], 0, sizeof x->os[i]);
        x->os[i].id = id;
    }
    for (int i = 0; i < x->n_ps; i++)
        memset(&x->ps[i], 0, sizeof x->ps[i]);
    name_places(x);
    memset(x->rooms.key, 0, x->rooms.cap * sizeof *x->rooms.key);
    memset(x->focuses.key, 0, x->focuses.cap * sizeof *x->focuses.key);
}

int srv_test_delay_ms(const char *name)
{
    const char *v = getenv(name);
    int ms = v ? atoi(v) : 0;
    return ms > 0 && ms <= 60000 ? ms : 0;
}

void srv_test_pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

#define MSG(...) snprintf(msg, msglen, __VA_ARGS__)

/* Whether a push's id or the id it follows, when given, is an id (what
 * names it: "The Blik-Push header"); 0, or -1 with msg. */
static int header_id(const char *v, const char *what, char *msg, size_t msglen)
{
    char why[160];
    if (!v || model_id_check(v, what, why, sizeof why) == 0)
        return 0;
    MSG("%s is not a lower-case UUID.", what);
    return -1;
}

proto_code srv_push(PGconn *pg, const srv_device *dev, const srv_push_order *order,
                    const char *body, size_t len, char **reply, long *outcomes, char *msg,
                    size_t msglen)
{
    *reply = NULL;
    const char *push_id = order ? order->push_id : NULL, *after = order ? order->after : NULL;
    if (header_id(push_id, "The " PROTO_PUSH_ID_HEADER " header", msg, msglen) != 0 ||
        header_id(after, "The id after " PROTO_PUSH_AFTER_PATH, msg, msglen) != 0)
        return PROTO_E_VALUE;
    proto_push p;
    proto_err perr;
    if (proto_push_decode(body, len, &p, &perr) != 0) {
        MSG("%s", perr.msg);
        return perr.code;
    }
    proto_push_reply rep = {p.schema, p.n, calloc(p.n ? (size_t)p.n : 1, sizeof(proto_result))};
    push_ctx x;
    memset(&x, 0, sizeof x);
    if (!rep.results || ctx_init(&x, dev, &p) != 0) {
        ctx_free(&x);
        free(rep.results);
        proto_push_clear(&p);
        MSG("Out of memory.");
        return PROTO_E_INTERNAL;
    }
    x.push_id = push_id ? push_id : "";
    x.after = after;
    x.gate = order ? order->gate : NULL;
    char err[400] = "";
    int rc = 1;
    for (int attempt = 0; attempt < 4 && rc == 1; attempt++) {
        if (attempt > 0)
            ctx_reset(&x);
        x.look_all = attempt > 0;
        rc = push_txn(pg, &x, rep.results, err, sizeof err);
    }
    int texts = x.texts;
    ctx_free(&x);
    proto_push_clear(&p);
    if (rc == 2) {
        free(rep.results);
        MSG("The push %s is not stored (yet): send this one again after its answer.", after);
        return PROTO_E_OUT_OF_ORDER;
    }
    if (rc == 3) {
        srv_log("push from device %s stored, its place in the log not noted: %s", dev->device_id,
                err);
        free(rep.results);
        MSG("The changes were stored, but the server could not note them for this tablet's next"
            " pulls. Send them again: they are answered as duplicates.");
        return PROTO_E_UNAVAILABLE;
    }
    if (rc != 0) {
        /* The database's failure is logged even when the texts could not
         * be made, which alone is what the tablet is told then: without
         * them nothing could have been stored. */
        srv_log("push from device %s failed: %s", dev->device_id, err);
        free(rep.results);
        if (texts < 0) {
            MSG("Out of memory.");
            return PROTO_E_INTERNAL;
        }
        MSG("The database could not store the changes; nothing was stored. Try again later.");
        return PROTO_E_UNAVAILABLE;
    }
    int delay = srv_test_delay_ms("BLIK_FAULT_COMMIT_DELAY_MS");
    if (delay > 0)
        srv_test_pause_ms(delay);
    *reply = proto_push_reply_encode(&rep);
    for (int i = 0; *reply && outcomes && i < rep.n; i++)
        if ((int)rep.results[i].status >= 0 && rep.results[i].status <= PROTO_ST_REJECTED)
            outcomes[rep.results[i].status]++;
    free(rep.results);
    if (!*reply) {
        MSG("Out of memory.");
        return PROTO_E_INTERNAL;
    }
    return PROTO_OK;
}
