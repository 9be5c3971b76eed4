#include "benchutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int64_t bench_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_percentile(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

void bench_report(const char *name, double value, const char *unit, const char *note)
{
    printf("BENCH\t%s\t%.6g\t%s\t%s\n", name, value, unit, note ? note : "");
    fflush(stdout);
}

long bench_peak_rss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss;
}

/* Adds the user and system CPU time of the process in the /proc stat line
 * of pid to *ms, with its reaped children's if children is set; the parent's
 * id into *ppid. 0, or -1 if the process is gone. */
static int stat_cpu(long pid, int children, double *ms, long *ppid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t got = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[got] = 0;
    /* The name in parentheses may hold anything; the fields follow the last
     * parenthesis: state, ppid, ... utime (14th), stime, cutime, cstime. */
    const char *p = strrchr(line, ')');
    unsigned long long ut, st;
    long long cut, cst;
    if (!p || sscanf(p + 1, " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
                     ppid, &ut, &st, &cut, &cst) != 5)
        return -1;
    double tick = (double)sysconf(_SC_CLK_TCK);
    *ms += (double)(ut + st) * 1000 / tick;
    if (children)
        *ms += (double)(cut + cst) * 1000 / tick;
    return 0;
}

/* The CPU time in ms that process pid has used (every thread), and with
 * tree set also its children, living (PostgreSQL's backends under their
 * postmaster) and reaped. */
double bench_cpu_ms(long pid, int tree)
{
    double ms = 0;
    long ppid;
    if (stat_cpu(pid, tree, &ms, &ppid) != 0)
        return 0;
    DIR *d = tree ? opendir("/proc") : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char *end;
        long child = strtol(e->d_name, &end, 10);
        double c = 0;
        if (*end == 0 && child > 0 && stat_cpu(child, 1, &c, &ppid) == 0 && ppid == pid)
            ms += c;
    }
    if (d)
        closedir(d);
    return ms;
}
