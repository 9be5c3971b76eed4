/* What an observation's events add up to. The store replays the events it
 * keeps through these (it knows which are undone), and the screens and the
 * history charts give rates through the one function below. */
#include "model_tally.h"

#include <string.h>

double model_rate_per_10min(int64_t count, int64_t duration_ms)
{
    if (duration_ms <= 0)
        return 0;
    return (double)count * (double)MODEL_RATE_PER_MS / (double)duration_ms;
}

/* The index of key among n items, or -1. */
static int item_index(const model_item *items, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(items[i].key, key))
            return i;
    return -1;
}

/* The replay mirrors the store's rules for recording: a state starts only
 * when it is off and stops only when it is on, so a stop pairs with the
 * start before it. */
void model_tally_add(model_tally *t, const model_template *tmpl, const model_event *e)
{
    int i;
    switch (e->kind) {
    case MODEL_EV_COUNT:
        if ((i = item_index(tmpl->counters, tmpl->n_counters, e->key)) >= 0)
            t->counts[i]++;
        break;
    case MODEL_EV_SAMPLE: t->samples++; break;
    case MODEL_EV_STATE_START:
        if ((i = item_index(tmpl->states, tmpl->n_states, e->key)) >= 0 && !t->running[i]) {
            t->running[i] = 1;
            t->state_since[i] = e->at;
        }
        break;
    case MODEL_EV_STATE_STOP:
        if ((i = item_index(tmpl->states, tmpl->n_states, e->key)) >= 0 && t->running[i]) {
            t->running[i] = 0;
            t->state_ms[i] += e->at - t->state_since[i];
        }
        break;
    default: break;
    }
}

int64_t model_tally_state_ms(const model_tally *t, int s, int64_t now)
{
    return t->state_ms[s] + (t->running[s] ? now - t->state_since[s] : 0);
}
