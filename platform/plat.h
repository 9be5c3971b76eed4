#ifndef BLIK_PLAT_H
#define BLIK_PLAT_H
/*
 * The platform table: everything Blik needs from the machine that is not pure
 * computation goes through a small table of functions, so that tests can swap
 * in a fake clock and deterministic randomness, and so that only platform/
 * knows which operating system or media library is underneath.
 */
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct plat_sys plat_sys;
struct plat_sys {
    /* Wall-clock time in UTC, milliseconds since 1970-01-01. */
    int64_t (*now_ms)(const plat_sys *sys);
    /* A clock that never goes backwards, in milliseconds; for durations. */
    int64_t (*mono_ms)(const plat_sys *sys);
    /* Fills buf with n unpredictable bytes. Returns 0, or -1 if the
     * source failed (the caller must then not invent identifiers). */
    int (*random)(const plat_sys *sys, void *buf, size_t n);
    void *ctx; /* implementation state; owned by whoever made the table */
    /* A fingerprint of the machine's network connections (the interfaces
     * that are up, with their addresses): it changes when the tablet joins
     * another network or loses one, so that sync can try again at once
     * instead of waiting out its backoff. 0 if it cannot be told. May be
     * NULL in a table that does not know. */
    uint64_t (*net_id)(const plat_sys *sys);
};

/* The real clock and the kernel's randomness. The returned table is static. */
const plat_sys *plat_sys_os(void);
/* The time ms milliseconds from now on the machine's clock `clock`: the
 * deadline pthread_cond_timedwait takes for a condition that reads that
 * clock. */
struct timespec plat_deadline(clockid_t clock, int64_t ms);

/*
 * A dummy platform for tests: a clock that only moves when told, and a seeded
 * pseudo-random generator (not for secrets). plat_fake_new() returns NULL if
 * out of memory; plat_fake_free(NULL) is a no-op.
 */
plat_sys *plat_fake_new(int64_t start_ms, uint64_t seed);
void plat_fake_free(plat_sys *sys);
void plat_fake_set(plat_sys *sys, int64_t now_ms);
void plat_fake_advance(plat_sys *sys, int64_t delta_ms);
/* Sets what the fake's net_id() answers (0 at first). */
void plat_fake_set_net(plat_sys *sys, uint64_t id);
/* Lets `skip` more calls of random() succeed, then makes the n after them
 * fail, to test that callers cope (for example the second of two ids). */
void plat_fake_fail_random(plat_sys *sys, int skip, int n);

/* The per-user data folder for Blik (XDG_DATA_HOME/blik or ~/.local/share/blik),
 * written into out. Returns 0, or -1 if it does not fit or no home is known. */
int plat_data_dir(char *out, size_t cap);
/* Creates a directory and its parents with mode 0700. Returns 0 or -1. */
int plat_mkdirs(const char *path);
/* The folder holding the running program, symbolic links resolved (from
 * /proc/self/exe), written into out without a trailing slash. A program
 * finds the files installed with it from there, wherever the prefix is.
 * Returns 0, or -1 if it cannot be told or does not fit in cap. */
int plat_exe_dir(char *out, size_t cap);

/*
 * Small pieces of logic that every module needs and that must exist once.
 * They live in platform because it is the one library every other library
 * links (the UI layer links nothing from the model, the server nothing from
 * the UI), not because they touch the machine; only plat_read_file does.
 */

/* Decodes the UTF-8 character at s, of which at most n bytes may be read.
 * Returns its length in bytes (1 to 4) and stores the code point in *cp (cp
 * may be NULL). Returns -1, leaving *cp alone, for anything RFC 3629 does
 * not allow: a stray continuation byte, a byte that never starts a
 * character, an overlong form, a surrogate, a code point past U+10FFFF, or
 * a sequence cut short by n. n == 0 also returns -1. */
int plat_utf8_next(const char *s, size_t n, uint32_t *cp);

/* 64-bit FNV-1a, for hash tables and change detection (never for secrets).
 * Hashing continues from h, so that parts can be fed one after another:
 * start with PLAT_HASH_START. */
#define PLAT_HASH_START 0xcbf29ce484222325ull
uint64_t plat_hash(uint64_t h, const void *data, size_t n);
/* Copies the UTF-8 text src into dst (cap bytes with the NUL), whole valid
 * characters only: a character that does not fit, broken UTF-8 and control
 * characters other than newline and tab are left out. Returns the bytes
 * written, without the NUL. */
size_t plat_utf8_copy(char *dst, size_t cap, const char *src);

/* Reads the whole file at path into a new buffer with a NUL after the last
 * byte, so that text can be used as a string. A file larger than cap bytes
 * is refused rather than cut. Returns the buffer, which the caller owns and
 * frees with free(), and its length in *len (len may be NULL); returns NULL
 * with a sentence naming the file in err if the file cannot be opened or
 * read, is larger than cap, or memory runs out. */
char *plat_read_file(const char *path, size_t cap, size_t *len, char *err, size_t errlen);

#endif
