#ifndef BLIK_BENCHUI_H
#define BLIK_BENCHUI_H
/* Shared by the app's benchmarks: a store with the demo unit and many
 * observations, signed in so that the app opens on the home screen, and a
 * way to run the app binary as a child and time it. */
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Makes (or reuses) DIR/blik.db with the demo unit and n observations.
 * Returns 0 or -1 with a message on stderr. */
int benchui_store(const char *dir, int n);
/* Marks the leader Mette as signed in just now, on the home screen, so that
 * the next start of the app opens on her home screen without a PIN. */
int benchui_sign_in(const char *dir);
/* The folder for the benchmark's store: BLIK_BENCH_TMP or /tmp. */
void benchui_dir(char *out, size_t cap, const char *name);
/* Environment for a child app: the X display if there is one; else a
 * private Xvfb started for the run (start-up only means something with a
 * window system); else SDL's dummy driver. Returns a note saying which.
 * A private Xvfb is stopped at exit (benchui_video_end). */
const char *benchui_video_env(void);
void benchui_video_end(void);
/* Starts argv[0] with argv; stdout and stderr go to /dev/null unless
 * keep_stderr. Returns the pid or -1. */
pid_t benchui_spawn(char *const argv[], int keep_stderr);
/* Waits for pid; fills *ru with its usage. Returns the exit status or -1. */
int benchui_wait(pid_t pid, struct rusage *ru);
/* User + system CPU of a running process from /proc, in ms; -1 if unknown. */
double benchui_cpu_ms(pid_t pid);

#endif
