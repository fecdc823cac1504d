/* group: a results folder's runs grouped by sweep point, for `runner ls
 * --group` and index.h5's /groups.
 *
 * Owns: the grouping (runs with one point_id: the same config but for its
 * seed, config_point_id) and each group's statistics. A group counts its
 * runs by status; its statistics (mean, sample standard deviation with n - 1,
 * min, max) are over its completed runs with a finite value: the final
 * train, valid and test perplexities and the best valid one, and a
 * regression run's final training and validation MSEs. Stopped,
 * diverged, failed and running runs are counted, never averaged: a run
 * stopped at a rung has not trained as long as the others. The standard
 * deviation of a single value is NaN.
 * Must not: read files (index does).
 */
#ifndef RNNLAB_GROUP_H
#define RNNLAB_GROUP_H

#include <stddef.h>

#include "err.h"
#include "index.h"

struct group_stat {
    size_t n;                   /* values averaged */
    double mean, std, min, max; /* NaN when n == 0 (std when n < 2) */
};

/* The final perplexities and best valid one; a regression run's final
 * training and validation MSEs. */
enum group_metric { GROUP_TRAIN, GROUP_VALID, GROUP_TEST, GROUP_BEST_VALID,
                    GROUP_TRAIN_MSE, GROUP_VALID_MSE, GROUP_METRICS };

struct group_row {
    char point_id[13];
    long sweep_index;           /* the lowest of its runs (-1: none) */
    char *values;               /* the swept values without seed= */
    size_t runs, completed, stopped, diverged, other;
    int regression;             /* its runs are regression runs (MSEs) */
    struct group_stat stat[GROUP_METRICS];
};

/* Groups rows (any order) into *out, ordered by sweep index then point id. */
int group_rows(const struct index_row *rows, size_t n, struct group_row **out,
               size_t *ngroups, struct err *e);
void group_free(struct group_row *g, size_t n);

/* The names of the metrics ("train_ppl", ...), for columns. */
extern const char *const group_metric_names[GROUP_METRICS];

#endif
