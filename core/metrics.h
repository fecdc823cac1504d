/* metrics: one epoch's record, what the trainer measures and the run file
 * stores as a row of /metrics (SPEC.md's columns, in that order).
 */
#ifndef RNNLAB_METRICS_H
#define RNNLAB_METRICS_H

struct epoch_metrics {
    long epoch;
    double train_ppl, valid_ppl, test_ppl; /* NaN where not evaluated */
    double tokens_per_s;                   /* training tokens per second */
    double seconds;                        /* wall time of the epoch */
    double lr;
    double grad_norm;                      /* mean pre-clip gradient norm */
};

#endif
