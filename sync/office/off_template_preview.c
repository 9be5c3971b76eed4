/*
 * The preview of a template: the observe screen as a tablet will draw it
 * (app/screens/observe.c), in HTML and CSS without script. In landscape the
 * focus's question and signs take the left two fifths, each sign with the
 * template's scale as a row of buttons; the right holds the interval band,
 * the counters as big tiles (three across on a wide pane, two on a narrow
 * one, fewer when there are fewer) and the state timers; the bottom bar has
 * undo, note and finish. On a narrow window the signs go on top, as the
 * tablet does held upright. What the tablet asks at the start (the context
 * fields) and in the note window (prompts, quick phrases) follow below.
 * Nothing in it is a control: it is a picture made of text.
 */
#include "off_template_int.h"

#include <stdio.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static void tag(off_buf *b, const char *open, const char *text, const char *close)
{
    off_buf_put(b, open);
    off_buf_esc(b, text);
    off_buf_put(b, close);
}

void offt_preview(off_ctx *c, const model_template *t, const char *question,
                  const char *const *signs, int n_signs)
{
    off_buf *b = &c->body;
    const char *sample[3];
    if (!question) {
        question = off_tr(c, "How do we give the children room to take the floor?");
        sample[0] = off_tr(c, "The adult waits for the child's answer.");
        sample[1] = off_tr(c, "The adult asks open questions.");
        sample[2] = off_tr(c, "The children speak to each other, not only to the adult.");
        signs = sample;
        n_signs = 3;
    }
    off_buf_put(b, "<section class=\"tpl-preview\" aria-labelledby=\"tpl-pv-h\">");
    tag(b, "<h2 id=\"tpl-pv-h\">", off_tr(c, "Preview: the observe screen on a tablet"), "</h2>");
    tag(b, "<p class=\"tpl-pv-note\">",
        off_tr(c, "This is a preview. Nothing here is saved or counted; the tablet shows the "
                  "focus that is chosen when an observation starts. A narrow window shows the "
                  "tablet held upright."),
        "</p>");
    /* The screen. */
    off_buf_put(b, "<div class=\"tpl-tablet\"><div class=\"tpl-screen\">");
    tag(b, "<div class=\"tpl-topbar\"><span>", off_tr(c, "Observation"), "</span>");
    tag(b, "<span class=\"tpl-muted\">", t->name, "</span></div>");
    off_buf_put(b, "<div class=\"tpl-head\"><span class=\"tpl-clock\">0:00</span>");
    tag(b, "<span class=\"tpl-who\">", off_tr(c, "Observee · room · activity"), "</span>");
    tag(b, "<span class=\"tpl-btn\">", off_tr(c, "Put aside…"), "</span></div>");
    off_buf_put(b, "<div class=\"tpl-area\"><div class=\"tpl-signs\">");
    tag(b, "<p class=\"tpl-question\">", question, "</p><ol class=\"tpl-signlist\">");
    for (int s = 0; s < n_signs; s++) {
        tag(b, "<li><span class=\"tpl-sign\">", signs[s], "</span><span class=\"tpl-scale\">");
        for (int l = 0; l < t->n_scale; l++)
            tag(b, "<span class=\"tpl-level\">", t->scale[l], "</span>");
        off_buf_put(b, "</span></li>");
    }
    off_buf_put(b, "</ol></div><div class=\"tpl-tools\">");
    if (t->interval_minutes > 0) {
        char line[160];
        snprintf(line, sizeof line, off_tr(c, "Interval sampling every %d min"),
                 t->interval_minutes);
        tag(b, "<div class=\"tpl-band\"><p class=\"tpl-bandhead\">", line, "</p>");
        tag(b, "<p class=\"tpl-bandtext\">",
            off_tr(c, "When a prompt falls due, the band asks what is happening now:"), "</p>");
        off_buf_put(b, "<div class=\"tpl-chips\">");
        for (int i = 0; i < t->n_interval_options; i++)
            tag(b, "<span class=\"tpl-chip\">", t->interval_options[i].label, "</span>");
        tag(b, "<span class=\"tpl-chip tpl-quiet\">", off_tr(c, "Skip"), "</span>");
        off_buf_put(b, "</div></div>");
    }
    int cols = t->n_counters >= 3 ? 3 : t->n_counters;
    if (t->n_counters > 0) {
        off_buf_printf(b, "<div class=\"tpl-counters tpl-cols-%d\">", cols);
        for (int i = 0; i < t->n_counters; i++)
            tag(b, "<span class=\"tpl-counter\"><span class=\"tpl-count\">0</span><span>",
                t->counters[i].label, "</span></span>");
        off_buf_put(b, "</div>");
    }
    for (int s = 0; s < t->n_states; s++) {
        tag(b, "<div class=\"tpl-toggle\"><span>", t->states[s].label, "</span>");
        tag(b, "<span class=\"tpl-time\">0:00</span><span class=\"tpl-switch\">", off_tr(c, "Off"),
            "</span></div>");
    }
    if (t->n_counters == 0 && t->n_states == 0 && t->interval_minutes == 0)
        tag(b, "<p class=\"tpl-muted\">",
            off_tr(c, "This template has no counters, timers or interval sampling: the "
                      "observer rates the signs and writes notes."),
            "</p>");
    off_buf_put(b, "</div></div><div class=\"tpl-bottom\">");
    tag(b, "<span class=\"tpl-btn tpl-undo\">", off_tr(c, "Nothing to undo"), "</span>");
    tag(b, "<span class=\"tpl-btn\">", off_tr(c, "Note"), "</span>");
    tag(b, "<span class=\"tpl-btn tpl-primary\">", off_tr(c, "Finish"), "</span>");
    off_buf_put(b, "</div></div></div>");

    /* Before and beside the screen. */
    off_buf_put(b, "<div class=\"tpl-extra\"><div>");
    tag(b, "<h3>", off_tr(c, "Asked at the start"), "</h3>");
    if (t->n_context == 0) {
        tag(b, "<p class=\"tpl-muted\">", off_tr(c, "No context fields."), "</p>");
    } else {
        off_buf_put(b, "<dl class=\"tpl-ctxlist\">");
        for (int i = 0; i < t->n_context; i++) {
            const model_ctx_field *f = &t->context[i];
            tag(b, "<dt>", f->label, "</dt><dd>");
            char line[120];
            if (f->type == MODEL_CTX_INT) {
                snprintf(line, sizeof line, off_tr(c, "A number from %d to %d"), f->min, f->max);
                off_buf_esc(b, line);
            } else if (f->type == MODEL_CTX_TEXT) {
                off_buf_esc(b, off_tr(c, "A short text"));
            } else {
                off_buf_put(b, "<span class=\"tpl-chips\">");
                for (int o = 0; o < f->n_options; o++)
                    tag(b, "<span class=\"tpl-chip\">", f->options[o], "</span>");
                off_buf_put(b, "</span>");
            }
            off_buf_put(b, "</dd>");
        }
        off_buf_put(b, "</dl>");
    }
    off_buf_put(b, "</div><div>");
    tag(b, "<h3>", off_tr(c, "In the note window"), "</h3>");
    if (t->n_prompts == 0 && t->n_phrases == 0)
        tag(b, "<p class=\"tpl-muted\">", off_tr(c, "No note prompts or quick phrases."), "</p>");
    if (t->n_prompts > 0) {
        off_buf_put(b, "<ul class=\"tpl-prompts\">");
        for (int i = 0; i < t->n_prompts; i++)
            tag(b, "<li>", t->prompts[i], "</li>");
        off_buf_put(b, "</ul>");
    }
    if (t->n_phrases > 0) {
        tag(b, "<p class=\"tpl-label\">", off_tr(c, "Quick phrases"), "</p>");
        off_buf_put(b, "<div class=\"tpl-chips\">");
        for (int i = 0; i < t->n_phrases; i++)
            tag(b, "<span class=\"tpl-chip\">", t->phrases[i], "</span>");
        off_buf_put(b, "</div>");
    }
    off_buf_put(b, "</div></div></section>");
}
