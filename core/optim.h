/* optim: parameter updates with PyTorch's rules (torch.optim), and global
 * gradient-norm clipping (d2l's grad_clipping).
 *
 * Owns: the optimizer's state (moment buffers, step count), allocated once at
 * optim_create for n parameters. The update rules, g = grad + wd * p unless
 * said otherwise, t = step number from 1:
 *   sgd      buf = momentum * buf + g (buf = g at t = 1); g = nesterov ?
 *            g + momentum * buf : buf (when momentum > 0); p -= lr * g
 *   adam     m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *            p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps)
 *   adamw    p *= 1 - lr * wd, then adam without the wd term in g
 *   rmsprop  v = alpha v + (1-alpha) g^2;  a = sqrt(v) + eps;
 *            momentum > 0: buf = momentum buf + g / a, p -= lr buf;
 *            else p -= lr g / a
 *   adagrad  s += g^2;  p -= lr g / (sqrt(s) + eps)
 * Must not: allocate in an update or know what the parameters are.
 */
#ifndef RNNLAB_OPTIM_H
#define RNNLAB_OPTIM_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "real.h"

struct optim {
    struct optimizer_config cfg;
    size_t n;
    long t;        /* steps taken */
    real *buf;     /* sgd/rmsprop momentum; adam m; NULL when unused */
    real *sq;      /* adam v, rmsprop v, adagrad sum; NULL when unused */
};

int optim_create(const struct optimizer_config *cfg, size_t n,
                 struct optim **out, struct err *e);
void optim_free(struct optim *o);

/* One update of params[0..n), in parts that may run in parallel (no
 * element depends on another): optim_count_step once (the step count
 * Adam's bias correction reads), then optim_update_range over ranges that
 * cover [0, n) once each, with learning rate lr (the schedule's; cfg.lr is
 * only the starting value), from scale * grads (optim_clip_scale's factor;
 * grads are left as they are). The bits do not depend on the ranges. */
void optim_count_step(struct optim *o);
void optim_update_range(struct optim *o, real *params, const real *grads,
                        double lr, real scale, size_t begin, size_t end);

/* Sum of squares of grads[0..n) in double: 8 lanes in a fixed order, the
 * same sum at any vector width. */
double optim_sum_squares(const real *grads, size_t n);

/* The same sum over a range of n visited in ascending pieces that may skip
 * zeros: optim_sum_squares_piece adds the squares of x[0..count), elements
 * first..first+count of the range, into lanes (zeroed to start) as
 * optim_sum_squares would; optim_sum_lanes then gives its sum, bit for bit
 * (a skipped zero adds +0 to a lane, which changes nothing). */
void optim_sum_squares_piece(double lanes[8], const real *x, size_t first,
                             size_t count, size_t n);
double optim_sum_lanes(const double lanes[8]);

/* Whether a zero gradient leaves every parameter and the optimizer's state
 * as they are (plain SGD: no momentum, no weight decay), so an update may
 * skip the parameters whose gradient it knows to be zero. */
int optim_zero_grad_is_no_op(const struct optim *o);

/* d2l's grad_clipping as a factor on every gradient: max_norm / norm when
 * the global norm exceeds max_norm (> 0; 0 turns clipping off), else 1. */
real optim_clip_scale(double norm, double max_norm);

#endif
