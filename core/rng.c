/* rng: see rng.h. */
#include "rng.h"

#include <math.h>

void rng_seed(struct rng *g, uint64_t seed, uint64_t stream)
{
    /* pcg32_srandom_r */
    g->state = 0;
    g->inc = (stream << 1u) | 1u;
    rng_u32(g);
    g->state += seed;
    rng_u32(g);
}

uint32_t rng_u32(struct rng *g)
{
    uint64_t old = g->state;
    g->state = old * 6364136223846793005ULL + g->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

uint32_t rng_below(struct rng *g, uint32_t n)
{
    /* pcg32_boundedrand_r: reject the first (2^32 mod n) values. */
    uint32_t threshold = (uint32_t)(-n) % n;
    for (;;) {
        uint32_t r = rng_u32(g);
        if (r >= threshold)
            return r % n;
    }
}

double rng_uniform(struct rng *g)
{
    uint64_t hi = rng_u32(g) >> 5; /* 27 bits */
    uint64_t lo = rng_u32(g) >> 6; /* 26 bits */
    return (double)((hi << 26) | lo) * (1.0 / 9007199254740992.0);
}

double rng_normal(struct rng *g)
{
    double u1 = rng_uniform(g);
    double u2 = rng_uniform(g);
    /* 1 - u1 lies in (0, 1], so the log is finite. */
    return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
}

void rng_shuffle_u32(struct rng *g, uint32_t *a, uint32_t n)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = rng_below(g, i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}
