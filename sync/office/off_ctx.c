/*
 * What every part of a page needs from the request's context and nothing
 * else: its language's texts, the session limits, and adding a header.
 * Kept apart so that the layout, the scope checks and the sign-in can use
 * it without reaching into the dispatcher that uses them.
 */
#include "off_int.h"

const char *off_tr(const off_ctx *c, const char *msgid) { return i18n_tr(c->t, msgid); }

const char *off_ntr(const off_ctx *c, const char *singular, const char *plural, long long n)
{
    return i18n_ntr(c->t, singular, plural, n);
}

int off_idle_min(const off_ctx *c) { return c->o->idle_min; }
int off_max_hours(const off_ctx *c) { return c->o->max_hours; }
const char *off_public_url(const off_ctx *c) { return c->o ? c->o->public_url : ""; }

void off_header(off_ctx *c, const char *name, const char *value)
{
    if (srv_web_header_add(c->out, name, value) != 0)
        srv_log("office: no room for the %s header", name);
}
