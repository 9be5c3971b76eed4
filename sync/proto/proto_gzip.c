/*
 * gzip both ways. Inflating is where a hostile body can hurt: a few kilobytes
 * can inflate to gigabytes, so the output is capped and inflating stops the
 * moment the cap is passed, before any more memory is taken.
 */
#include "proto.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int proto_gunzip(const void *in, size_t len, size_t max_out, char **out, size_t *out_len,
                 proto_err *err)
{
    *out = NULL;
    *out_len = 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return model_err_set(err, PROTO_E_NOMEM, "Out of memory.");
    size_t cap = len * 4 + 1024;
    if (cap > max_out + 1)
        cap = max_out + 1;
    char *buf = malloc(cap + 1);
    if (!buf) {
        inflateEnd(&z);
        return model_err_set(err, PROTO_E_NOMEM, "Out of memory.");
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    size_t used = 0;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (used == cap) {
            if (cap > max_out) {
                free(buf);
                inflateEnd(&z);
                return model_err_set(err, PROTO_E_TOO_LARGE,
                                     "The gzip body inflates to more than %zu bytes.", max_out);
            }
            size_t ncap = cap * 2 > max_out + 1 ? max_out + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                inflateEnd(&z);
                return model_err_set(err, PROTO_E_NOMEM, "Out of memory.");
            }
            buf = nb;
            cap = ncap;
        }
        z.next_out = (Bytef *)buf + used;
        z.avail_out = (uInt)(cap - used);
        rc = inflate(&z, Z_NO_FLUSH);
        used = cap - z.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK || (z.avail_in == 0 && z.avail_out > 0)) {
            free(buf);
            inflateEnd(&z);
            return model_err_set(err, PROTO_E_ENCODING, "The body is not a complete gzip stream.");
        }
    }
    if (used > max_out || z.avail_in != 0) {
        free(buf);
        inflateEnd(&z);
        return used > max_out
                   ? model_err_set(err, PROTO_E_TOO_LARGE,
                                   "The gzip body inflates to more than %zu bytes.", max_out)
                   : model_err_set(err, PROTO_E_ENCODING,
                                   "The body has bytes after its gzip stream.");
    }
    inflateEnd(&z);
    buf[used] = 0;
    *out = buf;
    *out_len = used;
    return 0;
}

int proto_gzip(const void *in, size_t len, int level, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    char *buf = malloc(cap);
    if (!buf) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)buf;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = cap - z.avail_out;
    return 0;
}
