/*
 * tpg_template make|remove FOLDER: makes the data folder that every test
 * cluster of a ctest run copies (initdb once instead of once per program),
 * or removes it after the run. ctest runs it as the fixture pg_template.
 */
#include "srvtest.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    char err[600] = "";
    if (argc != 3 || (strcmp(argv[1], "make") != 0 && strcmp(argv[1], "remove") != 0)) {
        fprintf(stderr, "usage: tpg_template make|remove FOLDER\n");
        return 2;
    }
    int rc = !strcmp(argv[1], "make") ? tpg_template_make(argv[2], err, sizeof err)
                                      : tpg_template_remove(argv[2], err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "tpg_template: %s\n", err);
        return 1;
    }
    printf("tpg_template: %s %s\n", argv[1], argv[2]);
    return 0;
}
