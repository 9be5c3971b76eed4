#ifndef BLIK_OFF_PLAN_INT_H
#define BLIK_OFF_PLAN_INT_H
/*
 * What the plan pages (off_plan.c, off_plan_form.c) share: small writers,
 * the reader's scope, and the server's plans (srv_plan.h).
 */
#include "off_int.h"
#include "off_plan.h"
#include "srv_plan.h"

/* Logs what failed and answers 500. */
void off_plan_db_fail(off_ctx *c, const char *what, const char *err);
/* Today on the server's calendar, YYYY-MM-DD. */
void off_plan_today(char out[MODEL_DATE_LEN + 1]);
/* A day as the reader's language writes it (1.2.2027 in Danish). */
void off_plan_put_day(off_ctx *c, const char *iso);
/* A plan's day, or "the week of" its Monday. */
void off_plan_put_when(off_ctx *c, const char *from, const char *to);
/* Whether the reader is a leader of unit (by their own person: area
 * leaders and administrators are not, since plans name people). */
int off_plan_leads(const off_ctx *c, const char *unit);
/* A plan's state in words (status as stored; overdue: still planned after
 * its last day; team: no agreement asked; agreed: agreed_at). */
void off_plan_state_write(off_ctx *c, const char *status, int overdue, int team, int64_t agreed);

#endif
