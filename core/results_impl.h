/* results_impl: what the run-file writer (results.c) and resume (resume.c)
 * share; private to them.
 */
#ifndef RNNLAB_RESULTS_IMPL_H
#define RNNLAB_RESULTS_IMPL_H

#include <hdf5.h>

#include "err.h"

#define RESULTS_NMETRICS 14
/* The columns every run file has (SPEC.md's); a regression run's file has
 * the MSE columns after them too. */
#define RESULTS_NMETRICS_LM 8

/* The /metrics datasets: SPEC.md's (the perplexities NaN in a regression
 * run), then the regression MSEs. */
extern const char *const results_metric_names[RESULTS_NMETRICS];

struct results {
    hid_t file;
    hid_t metrics[RESULTS_NMETRICS];
    hsize_t epochs;
    long samples;
    char run_id[13];     /* what the checkpoint's checksum binds it to */
    char path[1200], part[1210];
};

/* A results for <dir>/runs/<run_id>.h5 with nothing open; NULL on ENOMEM. */
struct results *results_new(const char *dir, const char *run_id);
void results_free(struct results *r);

/* Closes every handle; -1 if the file's last write-back failed. */
int results_close_all(struct results *r);

/* Opens the metric datasets and gives the smallest row count; 0 or -1. */
int results_open_metrics(struct results *r, hsize_t *rows);

/* An I/O failure on path: what failed and why, in one line. */
int results_io_error(struct err *e, const char *path, const char *what);

#endif
