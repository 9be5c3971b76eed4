/* The one reader of whole files, with a cap (see plat.h). */
#include "plat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The buffer grows as the file is read instead of being cap bytes at once:
 * caps are set for the largest file allowed, while most files are small. */
char *plat_read_file(const char *path, size_t cap, size_t *len, char *err, size_t errlen)
{
    if (len)
        *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "Cannot open %.400s: %s.", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, size = 0;
    int over = 0, bad = 0;
    for (;;) {
        if (n == size) {
            /* One byte past the cap tells a file of exactly cap bytes from
             * a larger one. */
            size_t want = size ? size * 2 : 4096;
            if (want > cap + 1)
                want = cap + 1;
            if (want <= size) {
                over = 1;
                break;
            }
            char *p = realloc(buf, want + 1);
            if (!p) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "Out of memory reading %.400s.", path);
                return NULL;
            }
            buf = p;
            size = want;
        }
        size_t got = fread(buf + n, 1, size - n, f);
        n += got;
        if (got == 0) {
            bad = ferror(f);
            break;
        }
    }
    fclose(f);
    if (over || n > cap) {
        free(buf);
        snprintf(err, errlen, "%.400s is larger than %zu bytes.", path, cap);
        return NULL;
    }
    if (bad) {
        free(buf);
        snprintf(err, errlen, "Cannot read %.400s.", path);
        return NULL;
    }
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}
