/* loss: softmax cross-entropy over the vocabulary, averaged over N rows,
 * in one numerically stable pass per row (log-sum-exp) that also leaves the
 * gradient of the logits in place: d = (softmax(x) - onehot(y)) / N.
 * Must not: allocate. Dimensions: N rows (T*B), V vocabulary. */
#ifndef RNNLAB_LOSS_H
#define RNNLAB_LOSS_H

#include <stddef.h>
#include <stdint.h>

#include "real.h"

/* logits (N, V): in logits; out gradients when grad is set (else scratch:
 * the exponentials). targets (N). With grad and colsum (V) given, each
 * row's gradient is also added to colsum, rows in order, while the row is
 * in cache (the decoder bias's gradient: one pass over N x V reals fewer).
 * Returns the mean loss, summed in double; NaN or inf when a logit was. */
double loss_softmax_xent(real *logits, const int32_t *targets, size_t N,
                         size_t V, int grad, real *colsum);

#endif
