/* sine: the synthetic sequence of d2l §8.1, a regression dataset.
 *
 * Owns: generating x_t = sin(0.01 t) + N(0, noise^2) for t = 1..length from
 * the run's seed (its own generator stream, so the series does not depend
 * on initialisation or batching), and cutting it into examples: example i
 * (0-based) is the window x[i..i+tau-1] with target x[i+tau]; the first
 * n_train examples train, the rest (targets from index n_train + tau on)
 * validate, as §8.1 splits it.
 * Must not: know the model or batch (the trainer's regression loop does).
 */
#ifndef RNNLAB_SINE_H
#define RNNLAB_SINE_H

#include <stddef.h>

#include "config.h"
#include "dataset.h"
#include "err.h"
#include "real.h"

/* A dataset holding only the series (no vocabulary, no token splits). */
int sine_load(const struct dataset_config *cfg, struct dataset **out,
              struct err *e);

/* Examples in the series: length - tau. */
size_t sine_examples(const struct dataset *d);

/* Copies example i's window (tau values) to x and its target to *y. */
void sine_example(const struct dataset *d, size_t i, real *x, real *y);

#endif
