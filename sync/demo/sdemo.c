/*
 * Made-up observations for a demo office and the office's benchmark. The
 * practice they describe moves: over the period the first counter (in the
 * demo, open questions) rises and the second falls, waiting spans shorten,
 * most signs are seen more clearly, and the last sign of each focus lags,
 * so a progression shows both movement and a sign to talk about. Texts are
 * the kind a Danish daycare leader writes.
 */
#include "sdemo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_ref.h"

/* ---- reference data ---- */

int sdemo_unit_load(PGconn *pg, const char *unit, sdemo_unit *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    snprintf(u->unit, sizeof u->unit, "%s", unit);
    srv_ref_person *people = NULL;
    srv_ref_room *rooms = NULL;
    srv_ref_focus *focuses = NULL;
    int np = 0, nr = 0, nf = 0, rc = -1;
    if (srv_ref_people(pg, unit, NULL, &people, &np, err, errlen) != SRV_REF_OK ||
        srv_ref_rooms(pg, unit, &rooms, &nr, err, errlen) != SRV_REF_OK ||
        srv_ref_focuses(pg, unit, &focuses, &nf, err, errlen) != SRV_REF_OK)
        goto done;
    for (int i = 0; i < np && u->n_people < SDEMO_MAX_PEOPLE; i++)
        if (people[i].person.active) {
            snprintf(u->people[u->n_people], sizeof(model_id), "%s", people[i].person.id);
            u->leader[u->n_people++] = people[i].person.role == MODEL_ROLE_LEADER;
        }
    for (int i = 0; i < nr && u->n_rooms < SDEMO_MAX_ROOMS; i++)
        if (rooms[i].active)
            snprintf(u->rooms[u->n_rooms++], sizeof(model_id), "%s", rooms[i].room.id);
    u->focuses = calloc(SDEMO_MAX_FOCUSES, sizeof *u->focuses);
    srv_ref_template *t = malloc(sizeof *t);
    if (!u->focuses || !t) {
        free(t);
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (int i = 0; i < nf && u->n_focuses < SDEMO_MAX_FOCUSES; i++) {
        if (focuses[i].retired || focuses[i].focus.n_signs == 0)
            continue;
        if (srv_ref_template_get(pg, focuses[i].focus.template_id, 0, t, err, errlen) !=
            SRV_REF_OK) {
            free(t);
            goto done;
        }
        u->focuses[u->n_focuses].focus = focuses[i].focus;
        u->focuses[u->n_focuses++].tmpl = t->tmpl;
    }
    free(t);
    if (u->n_people < 2 || u->n_focuses == 0) {
        snprintf(err, errlen,
                 "The unit %s needs at least two active people and a learning focus with signs "
                 "before observations can be made up for it.",
                 unit);
        goto done;
    }
    rc = 0;
done:
    free(people);
    free(rooms);
    free(focuses);
    if (rc != 0) {
        free(u->focuses);
        u->focuses = NULL;
    }
    return rc;
}

void sdemo_unit_free(sdemo_unit *u)
{
    if (!u)
        return;
    free(u->focuses);
    u->focuses = NULL;
}

/* ---- the generator ---- */

/* splitmix64: small, fast and good enough to make up a practice. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A whole number in [0, n). */
static int pick(uint64_t *s, int n) { return n > 0 ? (int)(next(s) % (uint64_t)n) : 0; }

/* A number in [0, 1). */
static double unit_real(uint64_t *s) { return (double)(next(s) >> 11) / 9007199254740992.0; }

/* A version-4 UUID from the generator, so the same seed gives the same ids. */
static void make_id(uint64_t *s, model_id out)
{
    uint64_t a = next(s), b = next(s);
    snprintf(out, sizeof(model_id), "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
             (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffULL));
}

/* A count drawn around mean (Poisson by Knuth's method; means here are small). */
static int around(uint64_t *s, double mean)
{
    if (mean <= 0)
        return 0;
    double l = exp(-mean), p = 1;
    int k = 0;
    do {
        k++;
        p *= unit_real(s);
    } while (p > l && k < 200);
    return k - 1;
}

static const char *const note_texts[] = {
    "Barnet rækker hånden op og venter på sin tur.",
    "Den voksne gentager barnets ord og spørger videre.",
    "To børn taler samtidig; den voksne fordeler ordet.",
    "Et stille barn byder ind, da den voksne venter lidt længere.",
    "Den voksne sætter ord på, hvad barnet gør.",
    "Børnene foreslår selv en ny leg.",
    "Overgangen til frokost går roligt; alle ved, hvad der skal ske.",
    "Ventetid ved døren uden opgave; der opstår uro.",
};
static const char *const works_texts[] = {
    "Du ventede på børnenes svar, og flere børn kom til orde.",
    "Dine opfølgende spørgsmål fik børnene til at fortælle mere.",
    "Du fulgte børnenes idé og byggede videre på den.",
    "Overgangen var tydelig: børnene vidste, hvad der skulle ske.",
};
static const char *const wonder_texts[] = {
    "Hvad sker der, hvis vi venter endnu et par sekunder?",
    "Hvordan kan de stille børn få plads i samlingen?",
    "Hvilke spørgsmål åbner mest op for børnenes egne ord?",
    "Hvad kunne ventetiden ved døren bruges til?",
};
static const char *const step_texts[] = {
    "Vente fem sekunder efter hvert spørgsmål.",
    "Starte samlingen med et åbent spørgsmål til alle.",
    "Dele gruppen i to ved overgangen til frokost.",
    "Bruge en sang som signal ved skift.",
};
static const char *const reflection_texts[] = {
    "Jeg lagde mærke til, at jeg selv svarer, når der er stille. Det vil jeg øve mig på.",
    "Det var godt at se, at de stille børn kom mere med, når jeg ventede.",
    "Jeg vil prøve at stille færre ja/nej-spørgsmål i samlingen.",
    "Overgangen gik bedre, da vi havde fordelt opgaverne på forhånd.",
};
#define N_OF(a) (int)(sizeof a / sizeof a[0])

/* A new record of kind e, written by actor. */
static model_record *add(sdemo_obs *o, model_entity e, const char *actor)
{
    if (o->n >= SDEMO_MAX_RECORDS)
        return NULL;
    model_record *r = &o->rec[o->n];
    memset(r, 0, sizeof *r);
    r->entity = e;
    o->actor[o->n++] = actor;
    return r;
}

/* actor points into the unit (sdemo_unit), which outlives the records. */
static model_record *event(sdemo_obs *o, uint64_t *s, const model_observation *ob,
                           const char *actor, model_event_kind kind, const char *key, int64_t at)
{
    model_record *r = add(o, MODEL_ENT_EVENT, actor);
    if (!r)
        return NULL;
    make_id(s, r->u.event.id);
    snprintf(r->u.event.observation_id, sizeof(model_id), "%s", ob->id);
    r->u.event.kind = kind;
    snprintf(r->u.event.key, sizeof r->u.event.key, "%s", key);
    r->u.event.at = at;
    return r;
}

int sdemo_observation(const sdemo_unit *u, uint64_t seed, int64_t start_ms, double progress,
                      sdemo_obs *out)
{
    uint64_t s = seed * 0x2545f4914f6cdd1dULL + 1;
    out->n = 0;
    if (progress < 0)
        progress = 0;
    if (progress > 1)
        progress = 1;
    const sdemo_focus *f = &u->focuses[pick(&s, u->n_focuses)];
    const model_template *t = &f->tmpl;
    /* Mostly leaders observe; peers observe each other too. */
    int observer = pick(&s, u->n_people);
    for (int tries = 0; tries < 4 && !u->leader[observer]; tries++)
        observer = pick(&s, u->n_people);
    int observee = pick(&s, u->n_people - 1);
    if (observee >= observer)
        observee++;
    const char *obs_by = u->people[observer], *obs_of = u->people[observee];

    model_record *r = add(out, MODEL_ENT_OBSERVATION, obs_by);
    model_observation *ob = &r->u.obs;
    make_id(&s, ob->id);
    snprintf(ob->unit_id, sizeof ob->unit_id, "%s", u->unit);
    snprintf(ob->focus_id, sizeof ob->focus_id, "%s", f->focus.id);
    ob->focus_version = f->focus.version;
    snprintf(ob->template_id, sizeof ob->template_id, "%s", t->id);
    ob->template_version = t->version;
    snprintf(ob->observer_id, sizeof ob->observer_id, "%s", obs_by);
    snprintf(ob->observee_id, sizeof ob->observee_id, "%s", obs_of);
    if (u->n_rooms > 0)
        snprintf(ob->room_id, sizeof ob->room_id, "%s", u->rooms[pick(&s, u->n_rooms)]);
    static const char *const activities[] = {"Samling", "Frokost", "Leg på stuen",
                                             "Overgang til udeleg", "Læsestund"};
    snprintf(ob->activity, sizeof ob->activity, "%s", activities[pick(&s, N_OF(activities))]);
    /* Context within the template's own bounds. */
    char ctx[512] = "{";
    size_t cl = 1;
    for (int i = 0; i < t->n_context && cl < sizeof ctx - 100; i++) {
        const model_ctx_field *c = &t->context[i];
        if (c->type == MODEL_CTX_INT) {
            int span = c->max - c->min + 1, v = c->min + pick(&s, span > 0 ? span : 1);
            if (!strcmp(c->key, "children") && c->max >= 22)
                v = 12 + pick(&s, 11);
            else if (!strcmp(c->key, "adults") && c->max >= 3)
                v = 2 + pick(&s, 2);
            cl += (size_t)snprintf(ctx + cl, sizeof ctx - cl, "%s\"%s\":%d", cl > 1 ? "," : "",
                                   c->key, v);
        } else if (c->type == MODEL_CTX_CHOICE && c->n_options > 0) {
            cl += (size_t)snprintf(ctx + cl, sizeof ctx - cl, "%s\"%s\":\"%s\"", cl > 1 ? "," : "",
                                   c->key, c->options[pick(&s, c->n_options)]);
        }
    }
    snprintf(ctx + cl, sizeof ctx - cl, "}");
    snprintf(ob->context_json, sizeof ob->context_json, "%s", ctx);
    ob->agreement = 1;
    int minutes = 15 + pick(&s, 16);
    int64_t dur = (int64_t)minutes * 60000;
    ob->started_at = start_ms;
    ob->ended_at = start_ms + dur;
    ob->status = MODEL_OBS_FINISHED;
    ob->revision = 1;
    ob->updated_at = ob->ended_at;
    const model_observation obv = *ob;

    /* Counter taps: the first counter rises, the second falls, the rest
     * stay about level; per 10 minutes. */
    for (int c = 0; c < t->n_counters; c++) {
        double rate = c == 0 ? 2.0 + 3.0 * progress : c == 1 ? 5.0 - 2.0 * progress : 1.2;
        int n = around(&s, rate * minutes / 10.0);
        for (int k = 0; k < n; k++) {
            model_record *e = event(out, &s, &obv, obs_by, MODEL_EV_COUNT, t->counters[c].key,
                                    start_ms + (int64_t)(unit_real(&s) * (double)dur));
            if (!e)
                break;
            /* Now and then a slip, undone at once. */
            if (pick(&s, 25) == 0) {
                model_id target;
                snprintf(target, sizeof target, "%s", e->u.event.id);
                int64_t at = e->u.event.at + 2000;
                model_record *un = event(out, &s, &obv, obs_by, MODEL_EV_UNDO, "", at);
                if (un)
                    snprintf(un->u.event.target_id, sizeof(model_id), "%s", target);
            }
        }
    }
    /* State spans, one state at a time, shorter as the practice moves. */
    for (int st = 0; st < t->n_states; st++) {
        int spans = 1 + pick(&s, 3);
        int64_t slot = dur / spans;
        for (int k = 0; k < spans; k++) {
            int64_t len = (int64_t)((60000 + unit_real(&s) * 120000) * (1.3 - 0.6 * progress));
            if (len > slot - 1000)
                len = slot - 1000;
            int64_t at = start_ms + k * slot + (int64_t)(unit_real(&s) * (double)(slot - len));
            event(out, &s, &obv, obs_by, MODEL_EV_STATE_START, t->states[st].key, at);
            event(out, &s, &obv, obs_by, MODEL_EV_STATE_STOP, t->states[st].key, at + len);
        }
    }
    /* Interval samples: more "all take part" as the period goes on. */
    if (t->interval_minutes > 0 && t->n_interval_options > 0)
        for (int m = t->interval_minutes; m <= minutes; m += t->interval_minutes) {
            int opt = unit_real(&s) < 0.35 + 0.45 * progress ? 0 : pick(&s, t->n_interval_options);
            event(out, &s, &obv, obs_by, MODEL_EV_SAMPLE, t->interval_options[opt].key,
                  start_ms + (int64_t)m * 60000);
        }
    /* Notes, some tied to a sign. */
    int notes = 2 + pick(&s, 4);
    for (int k = 0; k < notes; k++) {
        model_record *n = add(out, MODEL_ENT_NOTE, obs_by);
        if (!n)
            break;
        make_id(&s, n->u.note.id);
        snprintf(n->u.note.observation_id, sizeof(model_id), "%s", obv.id);
        n->u.note.at = start_ms + (int64_t)(unit_real(&s) * (double)dur);
        const char *text = t->n_phrases > 0 && pick(&s, 3) == 0
                               ? t->phrases[pick(&s, t->n_phrases)]
                               : note_texts[pick(&s, N_OF(note_texts))];
        snprintf(n->u.note.text, sizeof n->u.note.text, "%s", text);
        if (pick(&s, 2) == 0)
            snprintf(n->u.note.sign_id, sizeof(model_id), "%s",
                     f->focus.signs[pick(&s, f->focus.n_signs)].id);
    }
    /* A rating per sign: seen more clearly over the period, the last sign
     * lagging behind. */
    int top = t->n_scale - 1;
    for (int k = 0; k < f->focus.n_signs; k++) {
        model_record *g = add(out, MODEL_ENT_RATING, obs_by);
        if (!g)
            break;
        snprintf(g->u.rating.observation_id, sizeof(model_id), "%s", obv.id);
        snprintf(g->u.rating.sign_id, sizeof(model_id), "%s", f->focus.signs[k].id);
        int lagging = f->focus.n_signs > 1 && k == f->focus.n_signs - 1;
        double mean = lagging ? 0.25 + 0.1 * progress : 0.3 + 0.5 * progress + 0.05 * k;
        double v = mean * top + (unit_real(&s) - 0.5) * 1.6;
        int level = (int)lround(v);
        g->u.rating.level = level < 0 ? 0 : level > top ? top : level;
        g->u.rating.at = obv.ended_at;
    }
    /* Feedback, mostly given; the observee's reflection, often written. */
    if (pick(&s, 100) < 88) {
        model_record *fb = add(out, MODEL_ENT_FEEDBACK, obs_by);
        if (fb) {
            snprintf(fb->u.feedback.observation_id, sizeof(model_id), "%s", obv.id);
            snprintf(fb->u.feedback.author_id, sizeof(model_id), "%s", obs_by);
            snprintf(fb->u.feedback.works, sizeof fb->u.feedback.works, "%s",
                     works_texts[pick(&s, N_OF(works_texts))]);
            snprintf(fb->u.feedback.wonderings, sizeof fb->u.feedback.wonderings, "%s",
                     wonder_texts[pick(&s, N_OF(wonder_texts))]);
            snprintf(fb->u.feedback.next_step, sizeof fb->u.feedback.next_step, "%s",
                     step_texts[pick(&s, N_OF(step_texts))]);
            fb->u.feedback.given_at = obv.ended_at + 3600000;
            fb->u.feedback.updated_at = fb->u.feedback.given_at;
        }
        if (pick(&s, 100) < 70) {
            model_record *rf = add(out, MODEL_ENT_REFLECTION, obs_of);
            if (rf) {
                snprintf(rf->u.reflection.observation_id, sizeof(model_id), "%s", obv.id);
                snprintf(rf->u.reflection.author_id, sizeof(model_id), "%s", obs_of);
                snprintf(rf->u.reflection.text, sizeof rf->u.reflection.text, "%s",
                         reflection_texts[pick(&s, N_OF(reflection_texts))]);
                snprintf(rf->u.reflection.next_step, sizeof rf->u.reflection.next_step, "%s",
                         step_texts[pick(&s, N_OF(step_texts))]);
                rf->u.reflection.updated_at = obv.ended_at + 86400000;
            }
        }
    }
    return out->n;
}

int sdemo_partner(const sdemo_unit *u, uint64_t seed, sdemo_obs *first, sdemo_obs *out)
{
    /* The state starts at a hash of the seed: splitmix64 states a multiple
     * of its step apart run the same numbers, and two partners' seeds
     * differ by a few, so seed * step would give them the same ids. */
    uint64_t mix = seed ^ 0x5851f42d4c957f2dULL, s = next(&mix);
    out->n = 0;
    if (first->n < 1 || first->rec[0].entity != MODEL_ENT_OBSERVATION)
        return 0;
    model_observation *a = &first->rec[0].u.obs;
    int observer = -1;
    for (int tries = 0; tries < 16 && observer < 0; tries++) {
        int k = pick(&s, u->n_people);
        if (strcmp(u->people[k], a->observer_id) && strcmp(u->people[k], a->observee_id))
            observer = k;
    }
    if (observer < 0)
        return 0;
    const char *obs_by = u->people[observer];
    int top = 0;
    for (int k = 0; k < u->n_focuses; k++)
        if (!strcmp(u->focuses[k].focus.id, a->focus_id))
            top = u->focuses[k].tmpl.n_scale - 1;
    static const char alphabet[] = MODEL_PAIR_ALPHABET;
    for (int i = 0; i < MODEL_PAIR_CODE_LEN; i++)
        a->pair_code[i] = alphabet[pick(&s, (int)sizeof alphabet - 1)];
    a->pair_code[MODEL_PAIR_CODE_LEN] = 0;
    model_record *r = add(out, MODEL_ENT_OBSERVATION, obs_by);
    model_observation *b = &r->u.obs;
    *b = *a;
    make_id(&s, b->id);
    snprintf(b->observer_id, sizeof b->observer_id, "%s", obs_by);
    b->started_at = a->started_at + 30000;
    b->updated_at = b->ended_at;
    const model_observation obv = *b;
    int64_t dur = obv.ended_at - obv.started_at;
    /* The same counters, each counted by the colleague within a tap or two
     * of what first counted (undone taps left out). */
    for (int i = 1; i < first->n; i++) {
        const model_record *e = &first->rec[i];
        if (e->entity != MODEL_ENT_EVENT || e->u.event.kind != MODEL_EV_COUNT || pick(&s, 8) == 0)
            continue;
        event(out, &s, &obv, obs_by, MODEL_EV_COUNT, e->u.event.key,
              obv.started_at + (int64_t)(unit_real(&s) * (double)dur));
    }
    /* Each sign at first's level, or one step from it about one time in
     * four: two observers mostly, not always, see the same. */
    for (int i = 1; i < first->n; i++) {
        const model_record *g = &first->rec[i];
        if (g->entity != MODEL_ENT_RATING)
            continue;
        model_record *h = add(out, MODEL_ENT_RATING, obs_by);
        if (!h)
            break;
        h->u.rating = g->u.rating;
        snprintf(h->u.rating.observation_id, sizeof(model_id), "%s", obv.id);
        int level = g->u.rating.level;
        if (top > 0 && pick(&s, 4) == 0)
            level = level <= 0 ? 1 : level >= top ? top - 1 : level + (pick(&s, 2) ? 1 : -1);
        h->u.rating.level = level;
    }
    return out->n;
}
