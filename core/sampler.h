/* sampler: minibatches of token ids for language-model training (d2l §8.3).
 *
 * Owns: the partitioning of a corpus into (X, Y) batches, X and Y int32 of
 * shape (B, T) row-major, Y[b][t] the token after X[b][t]. Four schemes:
 *   random, offset random      d2l v2 seq_data_iter_random: drop a random
 *                              prefix of k in [0, T-1] tokens, cut
 *                              (n-k-1)//T subsequences, shuffle, B per batch.
 *   random, offset zero        d2lzh data_iter_random: the same with k = 0.
 *   sequential, offset random  d2l v2 seq_data_iter_sequential: k in [0, T]
 *                              (randint(0, num_steps), inclusive), B rows of
 *                              (n-k-1)//B tokens, windows of T along them.
 *   sequential, offset zero    d2lzh data_iter_consecutive: B rows of n//B
 *                              tokens, (n//B - 1)//T windows.
 * With a sequential sampler row b of a batch continues row b of the previous
 * one, so the model carries its state across batches; with a random one it
 * resets it. Draws come from the run's generator, passed in, never owned.
 * Must not: allocate after sampler_create.
 */
#ifndef RNNLAB_SAMPLER_H
#define RNNLAB_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "rng.h"

struct sampler {
    const int32_t *corpus; /* not owned */
    size_t n;
    int kind;              /* enum sampler_kind */
    int offset;            /* enum sampler_offset */
    size_t B, T;
    struct rng *rng;       /* not owned */
    uint32_t *starts;      /* random: subsequence starts, shuffled per epoch */
    size_t nstarts;
    size_t base, row_len;  /* sequential: first token, tokens per row */
    size_t num_batches;    /* in the current epoch */
    size_t next;           /* batches handed out this epoch */
};

/* Checks that the corpus yields at least one batch under every offset the
 * scheme can draw. *out is the caller's to sampler_free. */
int sampler_create(const int32_t *corpus, size_t n,
                   const struct sampler_config *cfg, struct rng *rng,
                   struct sampler **out, struct err *e);
void sampler_free(struct sampler *s);

/* Draws the epoch's offset (and order); call before each epoch's batches. */
void sampler_begin_epoch(struct sampler *s);

/* Writes the next batch into X, Y (B*T each); returns 1, or 0 when the
 * epoch has no more batches. */
int sampler_next(struct sampler *s, int32_t *X, int32_t *Y);

/* Whether the model should carry its state from one batch to the next. */
int sampler_is_sequential(const struct sampler *s);

/* The most minibatches any epoch of a corpus of n tokens can have under
 * cfg (its offset drawn as 0), without making a sampler. */
size_t sampler_max_batches(size_t n, const struct sampler_config *cfg);

#endif
