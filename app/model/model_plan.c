/*
 * Planned observations (model_plan) and an observee's agreement to one
 * (model_plan_agreement): their rules, their records, and the calendar
 * arithmetic a plan's day or week needs. The office writes plans, the
 * server publishes them in the unit's feed, a tablet stores and shows them;
 * all three read and write them here.
 */
#include "model.h"
#include "model_int.h"
#include "model_json.h"

#include <stdio.h>
#include <string.h>

static const char *const plan_statuses[] = {"planned", "cancelled", "done"};

const char *model_plan_status_word(model_plan_status s)
{
    return (int)s >= 0 && s <= MODEL_PLAN_DONE ? plan_statuses[s] : NULL;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, by counting whole
 * 400-year eras from a year that starts in March (so that the leap day is
 * the last day of its year). */
static long days_of(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of days_of. */
static void date_of(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int date_days(const char *s, long *out)
{
    if (model_date_check(s, "date", NULL, 0) != 0)
        return -1;
    int y, m, d;
    if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return -1;
    *out = days_of(y, m, d);
    return 0;
}

int model_date_weekday(const char *date)
{
    long z;
    if (date_days(date, &z) != 0)
        return -1;
    /* 1970-01-01 was a Thursday (3 counting from Monday as 0). */
    return (int)(((z % 7) + 7 + 3) % 7);
}

int model_date_add(const char *date, int days, char out[MODEL_DATE_LEN + 1])
{
    long z;
    out[0] = '\0';
    if (date_days(date, &z) != 0)
        return -1;
    int y, m, d;
    date_of(z + days, &y, &m, &d);
    if (y < 2000 || y > 9999)
        return -1;
    snprintf(out, MODEL_DATE_LEN + 1, "%04d-%02d-%02d", y, m, d);
    return 0;
}

int model_plan_check(const model_plan *p, char *err, size_t errlen)
{
    if (model_id_check(p->id, "The plan's id", err, errlen) ||
        model_id_check(p->unit_id, "The plan's unit", err, errlen) ||
        model_id_check(p->focus_id, "The plan's focus", err, errlen) ||
        model_id_check(p->observer_id, "The plan's observer", err, errlen) ||
        (p->observee_id[0] && model_id_check(p->observee_id, "The plan's observee", err, errlen)) ||
        (p->room_id[0] && model_id_check(p->room_id, "The plan's room", err, errlen)) ||
        (p->observation_id[0] &&
         model_id_check(p->observation_id, "The plan's observation", err, errlen)) ||
        model_text_check(p->team, MODEL_NAME_MAX, 0, "The plan's team", err, errlen) ||
        model_text_check(p->terms, MODEL_TERMS_MAX, 1, "The plan's terms", err, errlen) ||
        model_date_check(p->day_from, "The plan's first day", err, errlen) ||
        model_date_check(p->day_to, "The plan's last day", err, errlen))
        return -1;
    if ((int)p->status < 0 || p->status > MODEL_PLAN_DONE)
        return model_fail(err, errlen, "The plan's status is not planned, cancelled or done.");
    if (p->observee_id[0]) {
        if (p->team[0])
            return model_fail(err, errlen, "A plan about a person names no team.");
        if (!strcmp(p->observer_id, p->observee_id))
            return model_fail(err, errlen, "A plan's observer and observee must differ.");
    } else {
        if (model_name_check(p->team, MODEL_NAME_MAX, "The plan's team", err, errlen))
            return model_fail(err, errlen, "A plan names its observee or, for a team, the team.");
        if (p->agreed_at != 0)
            return model_fail(err, errlen, "A plan about a team needs no agreement.");
    }
    if (p->agreed_at < 0 || p->updated_at < 0)
        return model_fail(err, errlen, "A plan's times cannot be before 1970.");
    if (strcmp(p->day_from, p->day_to) != 0) {
        char sunday[MODEL_DATE_LEN + 1];
        if (model_date_weekday(p->day_from) != 0 || model_date_add(p->day_from, 6, sunday) != 0 ||
            strcmp(sunday, p->day_to) != 0)
            return model_fail(err, errlen,
                              "A plan is for one day or for one week from Monday to Sunday "
                              "(%s to %s is neither).",
                              p->day_from, p->day_to);
    }
    if (p->status == MODEL_PLAN_DONE && !p->observation_id[0])
        return model_fail(err, errlen, "A plan that is done names its observation.");
    if (p->status == MODEL_PLAN_PLANNED && p->observation_id[0])
        return model_fail(err, errlen, "A plan that is still planned has no observation yet.");
    return 0;
}

/* ---- records ---- */

json_t *model_plan_json(const model_plan *p, model_err *err)
{
    char msg[200];
    if (model_plan_check(p, msg, sizeof msg) != 0) {
        model_err_set(err, MODEL_E_VALUE, "The plan: %s", msg);
        return NULL;
    }
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I}", "id", p->id,
                          "unit_id", p->unit_id, "focus_id", p->focus_id, "observer_id",
                          p->observer_id, "observee_id", p->observee_id, "team", p->team, "room_id",
                          p->room_id, "day_from", p->day_from, "day_to", p->day_to, "terms",
                          p->terms, "status", plan_statuses[p->status], "agreed_at",
                          (json_int_t)p->agreed_at, "observation_id", p->observation_id,
                          "updated_at", (json_int_t)p->updated_at);
    if (!j)
        model_err_set(err, MODEL_E_NOMEM, "Out of memory while writing the plan.");
    return j;
}

json_t *model_plan_agreement_json(const model_plan_agreement *a, model_err *err)
{
    char msg[200];
    if (model_id_check(a->plan_id, "\"plan_id\"", msg, sizeof msg) ||
        model_id_check(a->person_id, "\"person_id\"", msg, sizeof msg)) {
        model_err_set(err, MODEL_E_VALUE, "The plan_agreement: %s", msg);
        return NULL;
    }
    if (a->agreed_at <= 0 || a->agreed_at > MODEL_TIME_MAX) {
        model_err_set(err, MODEL_E_VALUE, "The plan_agreement: \"agreed_at\" is not a time.");
        return NULL;
    }
    json_t *j = json_pack("{s:s,s:s,s:I}", "plan_id", a->plan_id, "person_id", a->person_id,
                          "agreed_at", (json_int_t)a->agreed_at);
    if (!j)
        model_err_set(err, MODEL_E_NOMEM, "Out of memory while writing the plan_agreement.");
    return j;
}

int model_plan_read(json_t *j, model_plan *p, const char *w, model_err *err)
{
    static const char *const f[] = {
        "id",     "unit_id",   "focus_id",       "observer_id", "observee_id",
        "team",   "room_id",   "day_from",       "day_to",      "terms",
        "status", "agreed_at", "observation_id", "updated_at",  NULL};
    int st;
    if (model_rd_only(j, f, w, err) || model_rd_id(j, "id", p->id, 0, w, err) ||
        model_rd_id(j, "unit_id", p->unit_id, 0, w, err) ||
        model_rd_id(j, "focus_id", p->focus_id, 0, w, err) ||
        model_rd_id(j, "observer_id", p->observer_id, 0, w, err) ||
        model_rd_id(j, "observee_id", p->observee_id, 1, w, err) ||
        model_rd_text(j, "team", p->team, sizeof p->team, 0, 1, w, err) ||
        model_rd_id(j, "room_id", p->room_id, 1, w, err) ||
        model_rd_text(j, "day_from", p->day_from, sizeof p->day_from, 0, 0, w, err) ||
        model_rd_text(j, "day_to", p->day_to, sizeof p->day_to, 0, 0, w, err) ||
        model_rd_text(j, "terms", p->terms, sizeof p->terms, 1, 1, w, err) ||
        model_rd_word(j, "status", plan_statuses, 3, &st, w, err) ||
        model_rd_i64(j, "agreed_at", &p->agreed_at, 0, MODEL_TIME_MAX, w, err) ||
        model_rd_id(j, "observation_id", p->observation_id, 1, w, err) ||
        model_rd_i64(j, "updated_at", &p->updated_at, 0, MODEL_TIME_MAX, w, err))
        return -1;
    p->status = (model_plan_status)st;
    char msg[200];
    if (model_plan_check(p, msg, sizeof msg) != 0)
        return model_err_set(err, MODEL_E_VALUE, "%s: %s", w, msg);
    return 0;
}

int model_plan_agreement_read(json_t *j, model_plan_agreement *a, const char *w, model_err *err)
{
    static const char *const f[] = {"plan_id", "person_id", "agreed_at", NULL};
    return model_rd_only(j, f, w, err) || model_rd_id(j, "plan_id", a->plan_id, 0, w, err) ||
                   model_rd_id(j, "person_id", a->person_id, 0, w, err) ||
                   model_rd_i64(j, "agreed_at", &a->agreed_at, 1, MODEL_TIME_MAX, w, err)
               ? -1
               : 0;
}
