/*
 * The office's figures from the command line: made again from the records
 * (after a restore, or if a bug was ever found in how a figure is made), and
 * checked against a recount.
 */
#include <stdio.h>

#include "srv_admin_int.h"
#include "srv_facts.h"

/* Tells the operator how far a long rebuild has come, unit by unit. */
static void progress(long done, void *arg)
{
    fprintf((FILE *)arg, "facts-rebuild: %ld observation(s) done\n", done);
}

int srv_admin_facts_rebuild(srv_admin_cmd *c)
{
    char e[400];
    const char *unit = c->val[SRV_OPT_UNIT];
    long n = srv_facts_rebuild(c->pg, unit && unit[0] ? unit : NULL, progress, c->err, e, sizeof e);
    if (n < 0) {
        fprintf(c->err, "facts-rebuild: %s\n", e);
        return 1;
    }
    fprintf(c->out, "made the figures of %ld observation(s) again\n", n);
    return 0;
}

int srv_admin_facts_check(srv_admin_cmd *c)
{
    char e[400];
    long n = srv_facts_check(c->pg, e, sizeof e);
    if (n < 0) {
        fprintf(c->err, "facts-check: %s\n", e);
        return 1;
    }
    if (n > 0) {
        fprintf(c->out, "%ld monthly sum(s) differ from a recount: run facts-rebuild\n", n);
        return 1;
    }
    fprintf(c->out, "the monthly sums agree with a recount\n");
    return 0;
}
