/*
 * The office's static files (style sheet, icons, the script that only
 * improves a page): read once at start from the data folder's office/, so
 * a request never touches the file system, and served with an ETag so a
 * browser asks again cheaply. Only the files read at start exist.
 */
#include "off_int.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat.h"

#define STATIC_FILES_MAX 32
#define STATIC_FILE_MAX (512 * 1024)

typedef struct {
    char name[64];
    char type[48];
    char etag[24];
    char *data;
    size_t len;
} sfile;

struct off_static {
    int n;
    sfile f[STATIC_FILES_MAX];
};

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    if (!strcmp(dot, ".css"))
        return "text/css; charset=utf-8";
    if (!strcmp(dot, ".js"))
        return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".svg"))
        return "image/svg+xml";
    if (!strcmp(dot, ".png"))
        return "image/png";
    if (!strcmp(dot, ".woff2"))
        return "font/woff2";
    return NULL;
}

off_static *off_static_load(const char *dir, char *err, size_t errlen)
{
    off_static *s = calloc(1, sizeof *s);
    DIR *d = s ? opendir(dir) : NULL;
    if (!d) {
        snprintf(err, errlen, s ? "Cannot read the office's files in %.300s." : "Out of memory.",
                 dir);
        free(s);
        return NULL;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *type = type_of(e->d_name);
        if (e->d_name[0] == '.' || !type || strlen(e->d_name) >= sizeof s->f[0].name ||
            strlen(type) >= sizeof s->f[0].type)
            continue;
        if (s->n == STATIC_FILES_MAX) {
            snprintf(err, errlen, "More than %d files in %.300s.", STATIC_FILES_MAX, dir);
            goto fail;
        }
        sfile *f = &s->f[s->n];
        char path[1024];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) {
            snprintf(err, errlen, "The office's folder name is too long.");
            goto fail;
        }
        if (!(f->data = plat_read_file(path, STATIC_FILE_MAX, &f->len, err, errlen)))
            goto fail;
        /* Both lengths were checked above against the fields. */
        memcpy(f->name, e->d_name, strlen(e->d_name) + 1);
        memcpy(f->type, type, strlen(type) + 1);
        snprintf(f->etag, sizeof f->etag, "\"%016llx\"",
                 (unsigned long long)plat_hash(PLAT_HASH_START, f->data, f->len));
        s->n++;
    }
    closedir(d);
    return s;
fail:
    closedir(d);
    off_static_free(s);
    return NULL;
}

void off_static_free(off_static *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        free(s->f[i].data);
    free(s);
}

static void text(srv_web_response *out, int status, const char *t)
{
    out->status = status;
    out->body = strdup(t);
    out->len = out->body ? strlen(t) : 0;
    snprintf(out->content_type, sizeof out->content_type, "text/plain; charset=utf-8");
}

void off_static_serve(const off_static *s, const srv_web_request *rq, srv_web_response *out)
{
    const char *name = rq->path + strlen("/static/");
    if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
        text(out, 405, "Not this way.\n");
        return;
    }
    for (int i = 0; s && i < s->n; i++) {
        const sfile *f = &s->f[i];
        if (strcmp(f->name, name) != 0)
            continue;
        srv_web_header_add(out, "ETag", f->etag);
        srv_web_header_add(out, "Cache-Control", "no-cache");
        snprintf(out->content_type, sizeof out->content_type, "%s", f->type);
        if (rq->if_none_match && strstr(rq->if_none_match, f->etag)) {
            out->status = 304;
            return;
        }
        out->body = malloc(f->len ? f->len : 1);
        if (!out->body) {
            text(out, 500, "Out of memory.\n");
            return;
        }
        memcpy(out->body, f->data, f->len);
        out->len = f->len;
        out->status = 200;
        return;
    }
    text(out, 404, "Not found.\n");
}
