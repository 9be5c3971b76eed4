/*
 * The peer rota (see off_plan.h). Pure: no database, no clock; the seed
 * is the caller's, the calendar the model's.
 */
#include "off_plan.h"

#include <stdio.h>
#include <string.h>

#include "model.h"

int off_rota_weeks(const char *from, const char *to, char (*mondays)[11], int cap, char *err,
                   size_t errlen)
{
    char m[MODEL_DATE_LEN + 1];
    int wd = from ? model_date_weekday(from) : -1;
    if (wd < 0 || !to || model_date_weekday(to) < 0) {
        snprintf(err, errlen, "The period's first and last day must be dates (YYYY-MM-DD).");
        return -1;
    }
    if (strcmp(to, from) < 0) {
        snprintf(err, errlen, "The period's last day comes before its first.");
        return -1;
    }
    /* The first Monday on or after from; YYYY-MM-DD compares as text. */
    if (model_date_add(from, (7 - wd) % 7, m) != 0 || strcmp(m, to) > 0) {
        snprintf(err, errlen, "The period holds no Monday, so no week to plan in.");
        return -1;
    }
    int n = 0;
    while (strcmp(m, to) <= 0) {
        if (n == cap) {
            snprintf(err, errlen, "The period holds more than %d weeks, the most a rota plans.",
                     cap);
            return -1;
        }
        memcpy(mondays[n++], m, sizeof m);
        char next[MODEL_DATE_LEN + 1];
        if (model_date_add(m, 7, next) != 0)
            break; /* the calendar's end: no later Monday to plan in */
        memcpy(m, next, sizeof m);
    }
    return n;
}

/* splitmix64: a small generator whose every seed gives a good stream. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int off_rota_make(int n, int rounds, int n_weeks, uint64_t seed, off_rota_pair *out, char *err,
                  size_t errlen)
{
    if (n < 2 || n > OFF_ROTA_PEOPLE_MAX) {
        snprintf(err, errlen, "A rota needs between 2 and %d people; %d were chosen.",
                 OFF_ROTA_PEOPLE_MAX, n);
        return -1;
    }
    int most = n - 1 < OFF_ROTA_ROUNDS_MAX ? n - 1 : OFF_ROTA_ROUNDS_MAX;
    if (rounds < 1 || rounds > most) {
        snprintf(err, errlen, "With %d people each can make 1 to %d observations.", n, most);
        return -1;
    }
    if (n_weeks < 1 || n_weeks > OFF_ROTA_WEEKS_MAX) {
        snprintf(err, errlen, "A rota spans 1 to %d weeks.", OFF_ROTA_WEEKS_MAX);
        return -1;
    }
    /* The order of places: a shuffle (Fisher-Yates) of 0..n-1. */
    int place[OFF_ROTA_PEOPLE_MAX];
    for (int i = 0; i < n; i++)
        place[i] = i;
    uint64_t s = seed;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(next(&s) % (uint64_t)(i + 1));
        int t = place[i];
        place[i] = place[j];
        place[j] = t;
    }
    int total = n * rounds, cap = (total + n_weeks - 1) / n_weeks;
    int load[OFF_ROTA_WEEKS_MAX] = {0};
    /* busy[p][w]: the observations person p has in week w so far. */
    static _Thread_local unsigned char busy[OFF_ROTA_PEOPLE_MAX][OFF_ROTA_WEEKS_MAX];
    memset(busy, 0, sizeof busy);
    int k = 0;
    for (int r = 1; r <= rounds; r++)
        for (int i = 0; i < n; i++) {
            int a = place[i], b = place[(i + r) % n];
            /* Begin the search at a week that walks with the pair, so ties
             * fall across the period instead of piling into its start. */
            int best = -1, best_clash = 0, start = (int)((long)k * n_weeks / total);
            for (int d = 0; d < n_weeks; d++) {
                int w = (start + d) % n_weeks;
                if (load[w] >= cap)
                    continue;
                int clash = busy[a][w] + busy[b][w];
                if (best < 0 || clash < best_clash ||
                    (clash == best_clash && load[w] < load[best])) {
                    best = w;
                    best_clash = clash;
                }
            }
            /* total <= cap * n_weeks, so a week with room always exists. */
            load[best]++;
            busy[a][best]++;
            busy[b][best]++;
            out[k].observer = a;
            out[k].observee = b;
            out[k].week = best;
            k++;
        }
    return k;
}
