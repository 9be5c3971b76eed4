/* The office's parser for forms, query strings and cookies: whatever bytes
 * arrive, it either refuses them with a message or yields fields whose
 * names follow the rules and whose values are valid UTF-8 without control
 * characters but newline and tab. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "off_int.h"
#include "plat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    off_form f = {0};
    if (off_form_parse(&f, (const char *)data, size) == 0) {
        if (f.n > OFF_FIELDS_MAX)
            abort();
        for (int i = 0; i < f.n; i++) {
            size_t nl = strlen(f.f[i].name);
            if (nl == 0 || nl > OFF_FIELD_NAME_MAX)
                abort();
            const char *v = f.f[i].value;
            size_t n = strlen(v);
            for (size_t k = 0; k < n;) {
                unsigned char ch = (unsigned char)v[k];
                if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
                    abort();
                int len = plat_utf8_next(v + k, n - k, NULL);
                if (len < 0)
                    abort();
                k += (size_t)len;
            }
            if (off_form_get(&f, f.f[i].name) == NULL)
                abort();
        }
    } else if (f.n != 0 || !f.err[0]) {
        abort();
    }
    off_form_free(&f);
    /* The same bytes as a Cookie header. */
    char *h = malloc(size + 1);
    if (!h)
        return 0;
    memcpy(h, data, size);
    h[size] = 0;
    char v[80];
    off_cookie_get(h, "__Host-blik", v, sizeof v);
    free(h);
    return 0;
}
