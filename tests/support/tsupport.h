#ifndef BLIK_TSUPPORT_H
#define BLIK_TSUPPORT_H
/* Small helpers shared by the tests. */
#include <stddef.h>
#include <string.h>

/* Makes a fresh empty folder for one test under BLIK_TEST_TMP (or /tmp) and
 * writes its path into out. Returns 0 or -1. */
int tsupport_tmpdir(const char *name, char *out, size_t cap);
/* Removes a folder and everything in it. */
void tsupport_rmtree(const char *path);
/* Joins dir and file into out; aborts the test program if it does not fit. */
void tsupport_path(char *out, size_t cap, const char *dir, const char *file);
/* Writes len bytes to a new file; returns 0 or -1. */
int tsupport_write_file(const char *path, const void *data, size_t len);
/* The whole file at path (at most 16 MiB) as a string that the caller
 * frees; fails the running test with the reason if it cannot be read. */
char *tsupport_read_file(const char *path);
/* A cmocka group setup and teardown that give a group of tests one fresh
 * folder: cmocka_run_group_tests(tests, tsupport_group_dir,
 * tsupport_group_dir_free); each test finds the folder's path in *state. */
int tsupport_group_dir(void **state);
int tsupport_group_dir_free(void **state);

/* Assertions that name what was wrong, where cmocka's would only say that
 * a pointer was NULL or a number differed. Use after including cmocka.h. */
/* s holds part (s may be NULL, which fails). */
#define TSUPPORT_HAS(s, part)                                                                      \
    do {                                                                                           \
        const char *s_ = (s), *p_ = (part);                                                        \
        if (!s_ || !strstr(s_, p_))                                                                \
            fail_msg("\"%s\" does not hold \"%s\" (line %d)", s_ ? s_ : "(null)", p_, __LINE__);   \
    } while (0)
/* s does not hold part (s may be NULL). */
#define TSUPPORT_LACKS(s, part)                                                                    \
    do {                                                                                           \
        const char *s_ = (s), *p_ = (part);                                                        \
        if (s_ && strstr(s_, p_))                                                                  \
            fail_msg("\"%s\" holds \"%s\" (line %d)", s_, p_, __LINE__);                           \
    } while (0)
/* A call returns the code want; otherwise the failure shows the call, the
 * code and the sentence why (why is evaluated after the call, so that it
 * can be the handle's message: TSUPPORT_RC(db_x(d), DB_OK, db_errmsg(d))). */
#define TSUPPORT_RC(call, want, why)                                                               \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != (want))                                                                         \
            fail_msg("%s returned %d, not %d: %s (line %d)", #call, rc_, (int)(want), (why),       \
                     __LINE__);                                                                    \
    } while (0)

#endif
