#include "tsupport.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat.h"

void tsupport_path(char *out, size_t cap, const char *dir, const char *file)
{
    int n = snprintf(out, cap, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "path too long: %s/%s\n", dir, file);
        abort();
    }
}

void tsupport_rmtree(const char *path)
{
    DIR *dir = opendir(path);
    if (dir) {
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[4096];
            tsupport_path(sub, sizeof sub, path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                tsupport_rmtree(sub);
            else
                unlink(sub);
        }
        closedir(dir);
    }
    rmdir(path);
}

int tsupport_tmpdir(const char *name, char *out, size_t cap)
{
    const char *base = getenv("BLIK_TEST_TMP");
    if (!base || !*base)
        base = "/tmp/blik-test";
    int n = snprintf(out, cap, "%s/%s-%ld", base, name, (long)getpid());
    if (n < 0 || (size_t)n >= cap)
        return -1;
    tsupport_rmtree(out);
    return plat_mkdirs(out);
}

char *tsupport_read_file(const char *path)
{
    char err[600];
    char *buf = plat_read_file(path, (size_t)16 << 20, NULL, err, sizeof err);
    if (!buf)
        fail_msg("%s", err);
    return buf;
}

/* One folder per process is enough: a group runs its tests in turn. */
int tsupport_group_dir(void **state)
{
    static char dir[1024];
    if (tsupport_tmpdir("group", dir, sizeof dir) != 0)
        return -1;
    *state = dir;
    return 0;
}

int tsupport_group_dir_free(void **state)
{
    if (*state)
        tsupport_rmtree(*state);
    return 0;
}

int tsupport_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    int rc = fclose(f);
    return (w == len && rc == 0) ? 0 : -1;
}
