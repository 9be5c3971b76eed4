/*
 * The overview a signed-in person lands on: who they are signed in as,
 * and the units they may work in, each a link to its page.
 */
#include "off_int.h"

#include <stdio.h>

void off_home(off_ctx *c)
{
    off_buf *b = &c->body;
    PGresult *units = off_visible_units(c);
    if (!units)
        return;
    off_page_begin(c, off_tr(c, "Overview"), "home");
    off_buf_put(b, "<p>");
    off_buf_esc(b, off_tr(c, "Signed in as"));
    off_buf_put(b, " <strong>");
    off_buf_esc(b, c->user.name);
    off_buf_put(b, "</strong> (");
    off_buf_esc(b, c->user.login);
    off_buf_put(b, ").</p><h2>");
    off_buf_esc(b, off_tr(c, "Your units"));
    off_buf_put(b, "</h2>");
    int n = PQntuples(units);
    if (n == 0) {
        off_buf_put(b, "<p>");
        off_buf_esc(b, off_tr(c, c->user.role == OFF_ROLE_ADMIN
                                     ? "There are no units yet. Add the first one under Units."
                                     : "No unit has been given to you yet. Ask your "
                                       "administrator."));
        off_buf_put(b, "</p>");
    } else {
        off_buf_put(b, "<ul class=\"cards\">");
        for (int i = 0; i < n; i++) {
            off_buf_put(b, "<li>");
            if (c->user.role >= OFF_ROLE_LEADER) {
                off_buf_put(b, "<a href=\"/units/");
                off_buf_url(b, PQgetvalue(units, i, 0));
                off_buf_put(b, "\">");
                off_buf_esc(b, PQgetvalue(units, i, 1));
                off_buf_put(b, "</a>");
            } else {
                off_buf_esc(b, PQgetvalue(units, i, 1));
            }
            off_buf_put(b, "</li>");
        }
        off_buf_put(b, "</ul>");
    }
    PQclear(units);
    off_page_end(c);
}
