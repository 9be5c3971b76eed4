/* The real platform: POSIX clocks and the kernel's random source. */
#include "plat.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t os_now_ms(const plat_sys *sys)
{
    (void)sys;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t os_mono_ms(const plat_sys *sys)
{
    (void)sys;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec plat_deadline(clockid_t clock, int64_t ms)
{
    struct timespec t;
    clock_gettime(clock, &t);
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* getrandom() may return fewer bytes than asked for large requests or be
 * interrupted by a signal; loop until the buffer is full. */
static int os_random(const plat_sys *sys, void *buf, size_t n)
{
    (void)sys;
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

/* FNV-1a over the name, family and address of every interface that is up
 * and not loopback: cheap enough to ask every few seconds, and different
 * whenever the tablet's network is. */
static uint64_t os_net_id(const plat_sys *sys)
{
    (void)sys;
    struct ifaddrs *list = NULL;
    if (getifaddrs(&list) != 0)
        return 0;
    uint64_t h = PLAT_HASH_START;
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
            continue;
        const unsigned char *bytes = NULL;
        size_t n = 0;
        if (i->ifa_addr->sa_family == AF_INET) {
            bytes = (const unsigned char *)&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
            n = 4;
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            bytes = (const unsigned char *)&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
            n = 16;
        } else {
            continue;
        }
        if (i->ifa_name)
            h = plat_hash(h, i->ifa_name, strlen(i->ifa_name));
        h = plat_hash(h, bytes, n);
    }
    freeifaddrs(list);
    return h;
}

static const plat_sys os_sys = {os_now_ms, os_mono_ms, os_random, NULL, os_net_id};

const plat_sys *plat_sys_os(void) { return &os_sys; }

int plat_data_dir(char *out, size_t cap)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, cap, "%s/blik", xdg);
    else if (home && home[0])
        n = snprintf(out, cap, "%s/.local/share/blik", home);
    else
        return -1;
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int plat_mkdirs(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* The kernel names the program's file under /proc/self/exe, resolved even
 * when it was started through a symbolic link or a relative path; its folder
 * is what is left before the last slash ("/" for a program at the root). */
int plat_exe_dir(char *out, size_t cap)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf);
    if (n <= 0 || (size_t)n >= sizeof buf || buf[0] != '/')
        return -1;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == buf)
        slash++;
    *slash = '\0';
    size_t len = strlen(buf);
    if (len >= cap)
        return -1;
    memcpy(out, buf, len + 1);
    return 0;
}
