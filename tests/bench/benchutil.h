#ifndef BLIK_BENCHUTIL_H
#define BLIK_BENCHUTIL_H
/* Shared by the benchmarks: a monotonic clock, percentiles, and the one line
 * format tests/bench/run collects into its table. */
#include <stddef.h>
#include <stdint.h>

/* Monotonic time in nanoseconds. */
int64_t bench_ns(void);
/* Sorts v in place and returns the p-th percentile (0..100), nearest rank. */
double bench_percentile(double *v, size_t n, double p);
/* Prints one result line: BENCH name value unit note. */
void bench_report(const char *name, double value, const char *unit, const char *note);
/* The CPU time in ms that process pid has used (every thread), and with
 * tree set also its children, living (PostgreSQL's backends under their
 * postmaster) and reaped; 0 if it is gone. */
double bench_cpu_ms(long pid, int tree);
/* Peak resident set size of this process, in KiB. */
long bench_peak_rss_kib(void);

#endif
