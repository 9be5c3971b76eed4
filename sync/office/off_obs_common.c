/*
 * What the observations pages share: who may open an observation and who
 * reads observed people's names (the rule of domain.md, in one place),
 * and times, lengths and numbers written as the reader's language writes
 * them.
 */
#include "off_obs_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int off_obs_may_open(const off_ctx *c, const char *unit, const char *observer, const char *observee)
{
    const off_user *u = &c->user;
    if (u->role != OFF_ROLE_LEADER && u->role != OFF_ROLE_PEER)
        return 0;
    if (strcmp(u->unit_id, unit) != 0)
        return 0;
    if (u->role == OFF_ROLE_LEADER)
        return 1;
    return u->person_id[0] && (!strcmp(u->person_id, observer) || !strcmp(u->person_id, observee));
}

int off_obs_names_shown(const off_ctx *c)
{
    return c->user.role == OFF_ROLE_LEADER || c->user.role == OFF_ROLE_PEER;
}

void off_obs_fmt_time(const off_ctx *c, int64_t ms, char *out, size_t cap)
{
    time_t tt = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&tt, &tm) ||
        !strftime(out, cap, !strcmp(c->lang, "en") ? "%Y-%m-%d %H:%M" : "%d.%m.%Y kl. %H.%M", &tm))
        snprintf(out, cap, "?");
}

void off_obs_fmt_day(const off_ctx *c, int64_t ms, char *out, size_t cap)
{
    time_t tt = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        snprintf(out, cap, "?");
    else if (!strcmp(c->lang, "en"))
        snprintf(out, cap, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    else
        snprintf(out, cap, "%d.%d.%d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

void off_obs_fmt_span(int64_t ms, char *out, size_t cap)
{
    if (ms < 0)
        ms = 0;
    long long s = ms / 1000;
    if (s >= 3600)
        snprintf(out, cap, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, cap, "%lld:%02lld", s / 60, s % 60);
}

void off_obs_fmt_dec(const off_ctx *c, double v, char *out, size_t cap)
{
    snprintf(out, cap, "%.1f", v);
    if (strcmp(c->lang, "en") != 0) {
        char *dot = strchr(out, '.');
        if (dot)
            *dot = ',';
    }
}
