#ifndef BLIK_OFF_PLAN_H
#define BLIK_OFF_PLAN_H
/*
 * The peer rota: who observes whom, and in which week, when a team takes
 * turns so that everyone both observes and is observed.
 *
 * The people are shuffled by a seed (so that two rotas for one team differ,
 * and a test can repeat one), then in round r (1..rounds) the person at
 * place i observes the person at place (i + r) mod n. Each round gives
 * every person one observation to make and one to receive, and no two
 * rounds give the same (observer, observee) pair, so after `rounds` rounds
 * everyone observes `rounds` colleagues and is observed by `rounds`, and no
 * pair comes twice. While rounds < n / 2 no two colleagues observe each
 * other both ways either.
 *
 * The observations are then spread over the weeks of the period: each goes
 * to a week holding fewer than ceil(total / weeks) of them (so no week holds
 * more than its share), and among those to one where neither person already
 * has an observation, then to the emptiest, looking first at the week the
 * observation's place in the list points to (so that ties fall across the
 * whole period). When the total is a multiple of the weeks, every week
 * holds exactly its share. Pure
 * functions, no database: the office shows the result for the leader to
 * adjust before anything is published.
 */
#include <stddef.h>
#include <stdint.h>

#define OFF_ROTA_PEOPLE_MAX 60 /* people in one rota */
#define OFF_ROTA_WEEKS_MAX 26  /* weeks in one rota's period: half a year */
#define OFF_ROTA_ROUNDS_MAX 4  /* observations each person makes */
#define OFF_ROTA_MAX (OFF_ROTA_PEOPLE_MAX * OFF_ROTA_ROUNDS_MAX)

/* One planned observation of a rota: places in the caller's list of people
 * and weeks. */
typedef struct {
    int observer, observee, week;
} off_rota_pair;

/*
 * The rota for n people (2..OFF_ROTA_PEOPLE_MAX), each observing `rounds`
 * colleagues (1..min(OFF_ROTA_ROUNDS_MAX, n - 1)), over n_weeks weeks
 * (1..OFF_ROTA_WEEKS_MAX), as described above. Writes n * rounds pairs into
 * out (at least that many places) and returns how many; or -1 with a
 * sentence in err when an argument is out of range.
 */
int off_rota_make(int n, int rounds, int n_weeks, uint64_t seed, off_rota_pair *out, char *err,
                  size_t errlen);

/*
 * The weeks of a period from..to (YYYY-MM-DD, both days included): the
 * Mondays that fall within it, written YYYY-MM-DD into mondays (at most
 * cap). A week's plan runs Monday to Sunday. Returns how many, or -1 with
 * a sentence in err: a date that is not one (model_date_check: the years
 * 2000 to 9999), to before from, no Monday in the period, or more weeks
 * than cap.
 */
int off_rota_weeks(const char *from, const char *to, char (*mondays)[11], int cap, char *err,
                   size_t errlen);

#endif
