/* metrics: one epoch's record, what the trainer measures and the run file
 * stores as a row of /metrics (SPEC.md's columns, in that order; a
 * regression run's columns are the MSEs in place of the perplexities).
 */
#ifndef RNNLAB_METRICS_H
#define RNNLAB_METRICS_H

#include <math.h>

/* The k of the k-step-ahead MSEs a regression run records (d2l 8.1). */
#define METRICS_KSTEPS 4
#define METRICS_KSTEP_MAX 64
static const int metrics_kstep[METRICS_KSTEPS] = {1, 4, 16, 64};

struct epoch_metrics {
    long epoch;
    double train_ppl, valid_ppl, test_ppl; /* NaN where not evaluated, and
                                            * in a regression run */
    /* regression runs only (NaN otherwise, and where not evaluated): MSE
     * of the next value over the training examples after the epoch, over
     * the validation examples, and of the k-step-ahead predictions of the
     * validation targets (kstep_mse[0], k = 1, is valid_mse) */
    double train_mse, valid_mse, kstep_mse[METRICS_KSTEPS];
    double tokens_per_s;                   /* training tokens per second */
    double seconds;                        /* wall time of the epoch */
    double lr;
    double grad_norm;                      /* mean pre-clip gradient norm */
};

/* Epoch e's record of one training pass: its timing, learning rate and
 * gradient norm; every perplexity and MSE NaN until measured. */
static inline struct epoch_metrics metrics_of_pass(long e, double tokens_per_s,
                                                   double seconds, double lr,
                                                   double grad_norm)
{
    return (struct epoch_metrics){
        .epoch = e, .train_ppl = NAN, .valid_ppl = NAN, .test_ppl = NAN,
        .train_mse = NAN, .valid_mse = NAN, .kstep_mse = {NAN, NAN, NAN, NAN},
        .tokens_per_s = tokens_per_s, .seconds = seconds, .lr = lr,
        .grad_norm = grad_norm};
}

#endif
