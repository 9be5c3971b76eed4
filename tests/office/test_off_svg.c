/* The chart writer alone: every chart has its title, description and a
 * table of the same numbers; red, yellow and green are told by a mark and a
 * word too; a missing figure is a gap, not a zero; text is escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model_tally.h"
#include "off_int.h"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void has(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("missing: %s", needle);
}

/* Two signs over three periods, one period of one sign without ratings. */
static char *draw(off_chart_kind kind, off_ctx *c)
{
    off_chart *ch = calloc(1, sizeof *ch);
    assert_non_null(ch);
    ch->kind = kind;
    ch->id = "t";
    ch->title = "Share per sign";
    ch->desc = "Lines: the share per sign";
    ch->cat_head = "Month";
    ch->y_max = 100;
    ch->n_cats = 3;
    ch->cats[0] = "Jan";
    ch->cats[1] = "Feb";
    ch->cats[2] = "Mar";
    ch->n_series = 2;
    ch->series[0] = "Children <b>answer</b>";
    ch->series[1] = "The adult waits";
    ch->n_marks = 2;
    ch->marks[0] = 70;
    ch->marks[1] = 40;
    ch->mark_labels[0] = "green from 70 %";
    ch->mark_labels[1] = "yellow from 40 %";
    const int col[2][3] = {{MODEL_SIGN_RED, MODEL_SIGN_NOT_RATED, MODEL_SIGN_GREEN},
                           {MODEL_SIGN_YELLOW, MODEL_SIGN_TOO_FEW, MODEL_SIGN_GREEN}};
    const double v[2][3] = {{17, 0, 83}, {50, 100, 75}};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 3; i++) {
            off_chart_cell *cl = &ch->cell[s][i];
            cl->rag = col[s][i] == MODEL_SIGN_NOT_RATED ? -1 : col[s][i];
            if (col[s][i] == MODEL_SIGN_NOT_RATED)
                continue;
            cl->has = 1;
            cl->v = v[s][i];
            snprintf(cl->text, sizeof cl->text, "%.0f %%", v[s][i]);
            snprintf(cl->note, sizeof cl->note, "3 ratings");
            snprintf(cl->href, sizeof cl->href, "/observations?focus=f&amp;sign=%d", s);
        }
    off_chart_write(c, ch);
    free(ch);
    off_buf_put(&c->body, "");
    assert_false(c->body.oom);
    return c->body.p;
}

static void test_lines(void **state)
{
    (void)state;
    off_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.lang, sizeof c.lang, "en");
    const char *h = draw(OFF_CHART_LINES, &c);
    /* A picture with its name and description, and the same numbers as a
     * table with a header for each period and a row for each series. */
    has(h, "<svg class=\"chart-svg\" viewBox=\"0 0 720 280\" role=\"img\" "
           "aria-labelledby=\"t-t t-d\"><title id=\"t-t\">Share per sign</title>"
           "<desc id=\"t-d\">Lines: the share per sign</desc>");
    has(h, "<thead><tr><th scope=\"col\">Month</th><th scope=\"col\">Jan</th><th "
           "scope=\"col\">Feb</th><th scope=\"col\">Mar</th></tr></thead>");
    has(h, "<th scope=\"row\">Children &lt;b&gt;answer&lt;/b&gt;</th>");
    assert_null(strstr(h, "<b>answer"));
    /* Each colour with its own mark and word, each figure leading on. */
    has(h, "<a href=\"/observations?focus=f&amp;sign=0\"><span class=\"rag rag-red\"><span "
           "class=\"rag-mark\" aria-hidden=\"true\">\u25B2</span> Red</span> 17 %</a>"
           "<span class=\"rests\">3 ratings</span>");
    has(h, "<span class=\"rag-mark\" aria-hidden=\"true\">\u25C6</span> Yellow</span> 50 %");
    has(h, "<span class=\"rag-mark\" aria-hidden=\"true\">\u25CF</span> Green</span> 83 %");
    has(h, "<span class=\"rag-mark\" aria-hidden=\"true\">\u25CB</span> Too few</span> 100 %");
    /* A period without a figure is a dash in the table and a gap in the
     * line: the first series is drawn as two lines, the second as one. */
    has(h, "<td>\u2013</td>");
    assert_int_equal(count(h, "<polyline"), 3);
    /* The thresholds, dashed, with their words; a legend for two series. */
    assert_int_equal(count(h, "class=\"threshold\""), 2);
    has(h, ">green from 70 %</text>");
    has(h, "<ul class=\"legend\">");
    free(c.body.p);
}

static void test_bars_and_numbers(void **state)
{
    (void)state;
    off_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.lang, sizeof c.lang, "da");
    const char *h = draw(OFF_CHART_BARS, &c);
    /* Five bars (one figure missing) and two swatches in the legend; each
     * red, yellow or green bar has its mark above it as well as its
     * colour. */
    assert_int_equal(count(h, "<rect x="), 7);
    assert_int_equal(count(h, "class=\"rag-point\""), 4);
    has(h, "class=\"rag-point\" text-anchor=\"middle\">\u25B2</text>");
    free(c.body.p);
    /* Counts get whole steps on the axis: nine observations at most make
     * an axis of 0 to 20 by five, never steps of 2,5 observations. */
    off_chart *ch = calloc(1, sizeof *ch);
    assert_non_null(ch);
    memset(&c.body, 0, sizeof c.body);
    ch->kind = OFF_CHART_BARS;
    ch->whole = 1;
    ch->id = "n";
    ch->title = ch->desc = "Observations";
    ch->n_cats = ch->n_series = 1;
    ch->cats[0] = ch->series[0] = "Jan";
    ch->cell[0][0].has = 1;
    ch->cell[0][0].v = 9;
    ch->cell[0][0].rag = -1;
    off_chart_write(&c, ch);
    off_buf_put(&c.body, "");
    for (int k = 0; k <= 4; k++) {
        char tick[80];
        snprintf(tick, sizeof tick, "class=\"tick\" text-anchor=\"end\">%d</text>", k * 5);
        has(c.body.p, tick);
    }
    assert_null(strstr(c.body.p, ">2,5</text>"));
    free(c.body.p);
    free(ch);
    /* Decimals are written as the reader's language writes them. */
    char s[32];
    off_decimal(&c, 2.26, s, sizeof s);
    assert_string_equal(s, "2,3");
    off_decimal(&c, 0.6666, s, sizeof s);
    assert_string_equal(s, "0,7");
    snprintf(c.lang, sizeof c.lang, "en");
    off_decimal(&c, 2.5, s, sizeof s);
    assert_string_equal(s, "2.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_bars_and_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
