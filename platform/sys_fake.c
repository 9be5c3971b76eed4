/* The dummy platform: a hand-moved clock and a seeded generator (splitmix64),
 * so that tests are repeatable to the byte. */
#include "plat.h"

#include <stdlib.h>

typedef struct {
    plat_sys sys; /* first, so a plat_sys pointer is the fake's pointer */
    int64_t now;
    int64_t mono;
    uint64_t state;
    int skip_random, fail_random;
    uint64_t net;
} fake_sys;

static int64_t fake_now_ms(const plat_sys *sys) { return ((const fake_sys *)sys)->now; }
static int64_t fake_mono_ms(const plat_sys *sys) { return ((const fake_sys *)sys)->mono; }

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* random() is const in the table so that a shared table can be passed around
 * read-only; the fake keeps its generator state behind ctx. */
static int fake_random(const plat_sys *sys, void *buf, size_t n)
{
    fake_sys *f = sys->ctx;
    if (f->skip_random > 0) {
        f->skip_random--;
    } else if (f->fail_random > 0) {
        f->fail_random--;
        return -1;
    }
    unsigned char *p = buf;
    while (n > 0) {
        uint64_t v = splitmix64(&f->state);
        for (int i = 0; i < 8 && n > 0; i++, n--)
            *p++ = (unsigned char)(v >> (8 * i));
    }
    return 0;
}

static uint64_t fake_net_id(const plat_sys *sys) { return ((const fake_sys *)sys)->net; }

void plat_fake_set_net(plat_sys *sys, uint64_t id) { ((fake_sys *)sys)->net = id; }

plat_sys *plat_fake_new(int64_t start_ms, uint64_t seed)
{
    fake_sys *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->sys.now_ms = fake_now_ms;
    f->sys.mono_ms = fake_mono_ms;
    f->sys.random = fake_random;
    f->sys.net_id = fake_net_id;
    f->sys.ctx = f;
    f->now = start_ms;
    f->mono = 1000;
    f->state = seed;
    return &f->sys;
}

void plat_fake_free(plat_sys *sys) { free(sys); }

void plat_fake_set(plat_sys *sys, int64_t now_ms)
{
    fake_sys *f = (fake_sys *)sys;
    if (now_ms > f->now)
        f->mono += now_ms - f->now;
    f->now = now_ms;
}

void plat_fake_advance(plat_sys *sys, int64_t delta_ms)
{
    fake_sys *f = (fake_sys *)sys;
    f->now += delta_ms;
    if (delta_ms > 0)
        f->mono += delta_ms;
}

void plat_fake_fail_random(plat_sys *sys, int skip, int n)
{
    fake_sys *f = (fake_sys *)sys;
    f->skip_random = skip;
    f->fail_random = n;
}
