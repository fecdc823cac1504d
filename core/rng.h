/* rng: the run's one source of randomness.
 *
 * Owns: PCG32 (O'Neill 2014, pcg32_random_r of the reference C library: 64-bit
 * LCG state, XSH-RR output) and the draws built on it. Every random choice of
 * a run (sampler offsets and shuffles, initial weights, dropout masks, text
 * sampling) comes from a generator seeded from the config, so a seed fixes the
 * run. Never rand() or time().
 */
#ifndef RNNLAB_RNG_H
#define RNNLAB_RNG_H

#include <stdint.h>

struct rng {
    uint64_t state;
    uint64_t inc; /* stream selector, always odd */
};

/* Seeds g; stream picks one of 2^63 independent sequences. */
void rng_seed(struct rng *g, uint64_t seed, uint64_t stream);

/* The streams of one seed, one per purpose, named in one place (their
 * values are part of every result: never renumber them). */
enum rng_stream {
    RNG_STREAM_TRAIN = 1,              /* initialisation and the sampler */
    RNG_STREAM_GENERATE = 3,           /* text generation */
    RNG_STREAM_DROPOUT = 0x64726f70,   /* dropout masks ("drop") */
    RNG_STREAM_SWEEP = 0x73776570,     /* sweep.sample draws ("swep") */
    RNG_STREAM_BPTT = 0x62707474,      /* randomized truncation ("bptt") */
    RNG_STREAM_SINE = 0x73696e65,      /* the sine series' noise ("sine") */
};

uint32_t rng_u32(struct rng *g);

/* Uniform integer in [0, n), n >= 1, without modulo bias (rejection). */
uint32_t rng_below(struct rng *g, uint32_t n);

/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *g);

/* Standard normal draw (Box-Muller; one value per call, no cached pair, so
 * the sequence does not depend on call history beyond the state). */
double rng_normal(struct rng *g);

/* Fisher-Yates shuffle of a[0..n). */
void rng_shuffle_u32(struct rng *g, uint32_t *a, uint32_t n);

#endif
