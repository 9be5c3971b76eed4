/* blik: the tablet app. Until the screens land this opens the store, loads
 * the demo with --demo, and says what is stored. */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "demo.h"
#include "plat.h"

int main(int argc, char **argv)
{
    const char *data = NULL;
    int demo = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--demo"))
            demo = 1;
        else if (!strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else {
            printf("usage: blik [--data DIR] [--demo]\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    char dir[4096], path[4200];
    if (!data) {
        if (plat_data_dir(dir, sizeof dir) != 0) {
            fprintf(stderr, "blik: no data folder; give one with --data DIR\n");
            return 1;
        }
        data = dir;
    }
    if (plat_mkdirs(data) != 0) {
        fprintf(stderr, "blik: cannot create the data folder %s\n", data);
        return 1;
    }
    snprintf(path, sizeof path, "%s/blik.db", data);
    db *d = NULL;
    int rc = db_open(path, plat_sys_os(), &d);
    char err[512] = "";
    if (rc == DB_OK && demo)
        rc = demo_load(d, err, sizeof err);
    if (rc != DB_OK) {
        fprintf(stderr, "blik: %s\n", err[0] ? err : db_errmsg(d));
        db_close(d);
        return 1;
    }
    int64_t waiting = 0;
    db_outbox_count(d, &waiting);
    printf("blik: store %s, schema %d, %lld changes waiting to sync\n", path,
           db_schema_version(d), (long long)waiting);
    db_close(d);
    return 0;
}
