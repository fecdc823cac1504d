/* loss: softmax cross-entropy over the vocabulary, averaged over N
 * examples, numerically stable (log-sum-exp), leaving the gradient of the
 * logits in place: d = (softmax(x) - onehot(y)) / N. The logits are
 * vocabulary-major (V, N): row v holds word v's logit for every example,
 * as the decoder's products want them (model_pass.c).
 * Must not: allocate. Dimensions: N examples (T*B), V vocabulary. */
#ifndef RNNLAB_LOSS_H
#define RNNLAB_LOSS_H

#include <stddef.h>
#include <stdint.h>

#include "real.h"

/* logits (V, N): in logits; out gradients when grad is set (else scratch:
 * the exponentials). targets (N). With grad and rowsum (V) given, each
 * row's gradient is also added to rowsum (as loss_add_row_sum adds it)
 * while the row is in cache (the decoder bias's gradient: one pass over
 * V x N reals fewer). given (N): each example's largest logit, where the
 * product that wrote them took it (nngemm_xt's cmax), else NULL: a pass
 * over the logits finds it. Returns the mean loss, summed in double; NaN
 * or inf when a logit was. */
double loss_softmax_xent(real *logits, const int32_t *targets, size_t N,
                         size_t V, int grad, real *rowsum, const real *given);

/* *to += the n reals of x, in loss_softmax_xent's order and blocks, so
 * the same bits (the bias gradient where no loss adds it). */
void loss_add_row_sum(real *to, const real *x, size_t n);

#endif
