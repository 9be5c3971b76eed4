/*
 * Fuzz target: template documents (model_template_parse), which arrive from
 * administrators' files and from the server. A document the parser accepts
 * must be written back (model_template_to_json) into one it accepts again,
 * unchanged: the tablet stores and compares templates in that form.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static model_template a, b;
    char err[300];
    memset(err, 'x', sizeof err);
    if (model_template_parse((const char *)data, size, &a, err, sizeof err) != 0) {
        /* A refusal always says why, in a terminated sentence. */
        if (!memchr(err, 0, sizeof err) || !err[0])
            abort();
        return 0;
    }
    char *s = model_template_to_json(&a);
    if (!s)
        abort();
    if (model_template_parse(s, strlen(s), &b, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_template: written form refused: %s\n%s\n", err, s);
        abort();
    }
    char *t = model_template_to_json(&b);
    if (!t || strcmp(s, t) != 0) {
        fprintf(stderr, "fuzz_template: written form changed:\n%s\n%s\n", s, t ? t : "(null)");
        abort();
    }
    free(s);
    free(t);
    return 0;
}
