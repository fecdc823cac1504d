/* pool: a fixed set of worker threads that run one function over part
 * numbers 0..n-1 and wait for all of them (part 0 runs on the caller).
 * Owns its threads, created once at pool_create; pool_run allocates
 * nothing, so a training step can use it. */
#ifndef RNNLAB_POOL_H
#define RNNLAB_POOL_H

#include <stddef.h>

#include "err.h"

struct pool;

typedef void (*pool_fn)(void *ctx, size_t part);

/* n >= 1 parts (n - 1 threads). spin: waiting threads spin a short while
 * before they sleep (when every thread has a core of its own). */
int pool_create(size_t n, int spin, struct pool **out, struct err *e);
void pool_free(struct pool *p);

/* Runs fn(ctx, k) for every k < n, in parallel; returns when all are done. */
void pool_run(struct pool *p, pool_fn fn, void *ctx);

/* One pause of a spin-wait (the CPU's hint that this is one). */
void pool_relax(void);

#endif
