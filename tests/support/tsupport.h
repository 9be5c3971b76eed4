#ifndef BLIK_TSUPPORT_H
#define BLIK_TSUPPORT_H
/* Small helpers shared by the tests. */
#include <stddef.h>

/* Makes a fresh empty folder for one test under BLIK_TEST_TMP (or /tmp) and
 * writes its path into out. Returns 0 or -1. */
int tsupport_tmpdir(const char *name, char *out, size_t cap);
/* Removes a folder and everything in it. */
void tsupport_rmtree(const char *path);
/* Joins dir and file into out; aborts the test program if it does not fit. */
void tsupport_path(char *out, size_t cap, const char *dir, const char *file);
/* Writes len bytes to a new file; returns 0 or -1. */
int tsupport_write_file(const char *path, const void *data, size_t len);

#endif
