/*
 * The tests' HTTPS client: libcurl with verification on against the test CA,
 * as the tablet will use it, plus ways to send what a tablet never should
 * (gzip bombs, oversized bodies) to see the server refuse them.
 */
#include "srvtest.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

typedef struct {
    char *buf;
    size_t len, cap;
} sink;

size_t thttp_discard(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    sink *s = ud;
    size_t k = sz * n;
    if (s->len + k + 1 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 4096;
        while (nc < s->len + k + 1)
            nc *= 2;
        char *nb = realloc(s->buf, nc);
        if (!nb)
            return 0;
        s->buf = nb;
        s->cap = nc;
    }
    memcpy(s->buf + s->len, p, k);
    s->len += k;
    s->buf[s->len] = 0;
    return k;
}

/* The value of header line p (k bytes) into out when it is named name. */
static void header_value(const char *p, size_t k, const char *name, char *out, size_t cap)
{
    size_t i = strlen(name);
    if (k <= i || strncasecmp(p, name, i) != 0 || p[i] != ':')
        return;
    for (i++; i < k && p[i] == ' ';)
        i++;
    size_t j = 0;
    while (i < k && p[i] != '\r' && p[i] != '\n' && j + 1 < cap)
        out[j++] = p[i++];
    out[j] = 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    thttp_resp *r = ud;
    size_t k = sz * n;
    header_value(p, k, "Blik-Server", r->blik, sizeof r->blik);
    header_value(p, k, "Blik-Push-Order", r->push_order, sizeof r->push_order);
    if (k > 17 && !strncasecmp(p, "Content-Encoding:", 17) && strstr(p, "gzip"))
        r->gzipped = 1;
    return k;
}

static char *gz(const void *in, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    char *b = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)b;
    z.avail_out = (uInt)cap;
    int rc = b ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(b);
        return NULL;
    }
    *out_len = cap - z.avail_out;
    return b;
}

int thttp(const char *method, const char *url, const char *ca, const char *authz, const void *body,
          size_t len, int gzip_body, const char *extra_header, thttp_resp *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(out->curl_error, sizeof out->curl_error, "curl_easy_init failed");
        return -1;
    }
    sink s = {0};
    struct curl_slist *h = NULL;
    char *zbody = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    if (authz) {
        char a[300];
        snprintf(a, sizeof a, "Authorization: %s", authz);
        h = curl_slist_append(h, a);
    }
    if (extra_header)
        h = curl_slist_append(h, extra_header);
    if (body && gzip_body) {
        size_t zl;
        zbody = gz(body, len, &zl);
        body = zbody;
        len = zl;
        h = curl_slist_append(h, "Content-Encoding: gzip");
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        snprintf(out->curl_error, sizeof out->curl_error, "%s", curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = s.buf ? s.buf : calloc(1, 1);
    out->len = s.len;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(zbody);
    return out->status > 0 ? 0 : -1;
}

void thttp_free(thttp_resp *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
}
