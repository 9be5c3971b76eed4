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

int model_rate(int64_t count, int64_t duration_ms, double *rate)
{
    if (duration_ms < MODEL_RATE_MIN_MS)
        return 0;
    *rate = model_rate_per_10min(count, duration_ms);
    return 1;
}

int model_level_pct(int level, int n_scale)
{
    if (n_scale < 2 || level <= 0)
        return 0;
    if (level >= n_scale - 1)
        return 100;
    return level * 100 / (n_scale - 1);
}

int model_sign_rated(const int at_level[MODEL_MAX_SCALE])
{
    int n = 0;
    for (int l = 0; l < MODEL_MAX_SCALE; l++)
        n += at_level[l];
    return n;
}

/* The mean is summed in steps of the scale, not in rounded percents, so a
 * five-level scale's 25 % steps and a three-level scale's halves both come
 * out exact before the one rounding at the end. */
int model_sign_pct(const int at_level[MODEL_MAX_SCALE], int n_scale)
{
    int rated = model_sign_rated(at_level);
    if (rated <= 0)
        return -1;
    int steps = n_scale >= 2 ? n_scale - 1 : 1;
    int64_t sum = 0;
    for (int l = 0; l < MODEL_MAX_SCALE; l++)
        sum += (int64_t)at_level[l] * (l < steps ? l : steps);
    int64_t whole = (int64_t)rated * steps;
    return (int)((sum * 100 + whole / 2) / whole);
}

model_sign_color model_sign_color_of(const model_template *t, const int at_level[MODEL_MAX_SCALE],
                                     int *pct)
{
    int p = model_sign_pct(at_level, t->n_scale);
    if (pct)
        *pct = p;
    int rated = model_sign_rated(at_level);
    if (rated == 0)
        return MODEL_SIGN_NOT_RATED;
    if (rated < MODEL_SIGN_MIN_RATED)
        return MODEL_SIGN_TOO_FEW;
    return p >= t->green_pct    ? MODEL_SIGN_GREEN
           : p >= t->yellow_pct ? MODEL_SIGN_YELLOW
                                : MODEL_SIGN_RED;
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
    case MODEL_EV_SAMPLE:
        t->samples++;
        if ((i = item_index(tmpl->interval_options, tmpl->n_interval_options, e->key)) >= 0)
            t->sample_counts[i]++;
        break;
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
