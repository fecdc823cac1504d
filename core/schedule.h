/* schedule: the learning rate of each epoch (epochs count from 1).
 *   constant     lr
 *   step         step_size: lr * gamma^floor((e-1) / step_size) (StepLR);
 *                start_epoch: lr * gamma^max(0, e - start_epoch), i.e. every
 *                epoch after start_epoch (Zaremba et al.: lr 1, x0.5 per
 *                epoch after epoch 4)
 *   exponential  lr * gamma^(e-1)
 *   plateau      lr / factor whenever the watched perplexity did not improve
 *                for more than `patience` evaluations (PyTorch's
 *                word_language_model divides by 4 after any non-improvement)
 * All are floored at min_lr. Owns only its few numbers.
 */
#ifndef RNNLAB_SCHEDULE_H
#define RNNLAB_SCHEDULE_H

#include "config.h"

struct schedule {
    struct schedule_config cfg;
    double lr0;
    double plateau_lr; /* plateau: the current rate */
    double best;       /* plateau: best perplexity seen */
    long bad;          /* plateau: evaluations since the best */
};

void schedule_init(struct schedule *s, const struct schedule_config *cfg,
                   double lr0);

/* The learning rate for epoch e (1-based). */
double schedule_lr(const struct schedule *s, long e);

/* Plateau: report the watched perplexity after an evaluation. */
void schedule_observe(struct schedule *s, double ppl);

#endif
