/* sweep_sample: sweep.sample, random search as one more sweep axis.
 *
 * Owns: reading `sample: {count: N, seed: S, space: {KEY: DIST, ...}}` and
 * drawing its N points. DIST is {uniform: [lo, hi]} (a real in [lo, hi)),
 * {loguniform: [lo, hi]} (exp of a uniform draw in [log lo, log hi); 0 < lo),
 * {int: [lo, hi]} (an integer, both ends included) or {choice: [v1, ...]}
 * (any YAML values, equally likely). Keys may be dotted or nested maps (what
 * the override sweep.sample.space.optimizer.lr={...} makes). Draws come
 * from one PCG32 stream (RNG_STREAM_SWEEP) seeded with sample.seed, or the
 * config's seed when that is absent: point by point, key by key in file
 * order, so every process that expands the sweep gets the same points.
 * A key that takes integers needs int or choice; a real-valued key, uniform,
 * loguniform or choice; other keys, choice. Whether a drawn value suits the
 * key (its range, whether it applies) is config's check, as for any value.
 * Private to sweep.c.
 */
#ifndef RNNLAB_SWEEP_SAMPLE_H
#define RNNLAB_SWEEP_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tree.h"

enum sample_dist { DIST_UNIFORM, DIST_LOGUNIFORM, DIST_INT, DIST_CHOICE };

struct sample_axis {
    char key[256];
    int dist;                   /* enum sample_dist */
    double lo, hi;              /* uniform, loguniform, int */
    const struct tree *entry;   /* the space member (its key's position) */
    const struct tree *args;    /* the [lo, hi] or choice list */
};

struct sample_plan {
    struct sample_axis a[128];
    size_t n;                   /* 0: no sample section */
    long count;
    int has_seed;
    long seed;
    struct tree **draws;        /* count x n, point-major: the drawn values */
};

/* Reads the sample section (its shape, the distributions, the key kinds). */
int sample_read(const struct tree *node, struct sample_plan *p, struct err *e);

/* Draws every point; seed is the config's (used when sample.seed is not
 * given). */
int sample_draw(struct sample_plan *p, long config_seed, struct err *e);

/* The drawn value of axis j at point i. */
const struct tree *sample_value(const struct sample_plan *p, size_t i, size_t j);

void sample_free(struct sample_plan *p);

/* "uniform", "loguniform", "int" or "choice". */
const char *sample_dist_name(int dist);

#endif
