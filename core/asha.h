/* asha: early stopping across a sweep by asynchronous successive halving
 * (ASHA, Li et al. 2020), through the results folder only.
 *
 * Owns: sweep.early_stop's settings and rungs, the rule, and the rung files.
 * Rungs are the epochs R, R*eta, R*eta^2, ... below train.epochs (R =
 * min_epochs, eta = reduction). When a run finishes a rung epoch it
 * publishes its metric in <dir>/rungs/<k>/<run_id> (a temporary file
 * renamed into place: readers never see half a record), then reads the
 * rung's records of the runs of its sweep. With n of them, itself included,
 * and r its rank among them (1 = lowest metric; NaN ranks last; equal values
 * by run id), it continues iff r <= max(1, floor(n / eta)); else it stops.
 * The decision and its evidence (n, r, the threshold and the run ids it
 * saw) are written to the same file, again by rename. A run that reaches a
 * rung it has already decided (it was interrupted and resumed) keeps that
 * decision. Decisions depend on the order in which runs reach a rung, as in
 * every ASHA: the first run to arrive always continues.
 * Must not: train, or know what a sweep is beyond "is this run id one of
 * mine" (a callback).
 */
#ifndef RNNLAB_ASHA_H
#define RNNLAB_ASHA_H

#include <stddef.h>

#include "err.h"
#include "tree.h"

enum asha_metric { ASHA_VALID_PPL, ASHA_TRAIN_PPL, ASHA_VALID_MSE, ASHA_TRAIN_MSE };

struct asha_config {
    int enabled;
    int metric;        /* enum asha_metric */
    long min_epochs;   /* R */
    long reduction;    /* eta */
};

/* Reads sweep.early_stop (a mapping: metric, min_epochs, reduction). */
int asha_read(const struct tree *node, struct asha_config *a, struct err *e);

const char *asha_metric_name(int metric);

/* The rung that ends at `epoch` (0, 1, ...), or -1 when epoch is no rung
 * (rungs lie strictly below `epochs`, the top). */
int asha_rung_at(const struct asha_config *a, long epochs, long epoch);

/* How many rungs lie below `epochs`. */
int asha_rung_count(const struct asha_config *a, long epochs);

struct asha_decision {
    int rung;
    long epoch;
    double value;
    size_t n, rank, threshold;
    int stop;
};

/* Whether run_id belongs to the deciding run's sweep. */
typedef int (*asha_member_fn)(void *ctx, const char *run_id);

/* Publishes value for (rung, run_id), decides and records the decision in
 * <dir>/rungs/<rung>/<run_id>; a decision already recorded there is
 * returned as it is. */
int asha_decide(const char *dir, const char *run_id, int rung, long epoch,
                double value, size_t reduction, asha_member_fn member, void *ctx,
                struct asha_decision *d, struct err *e);

/* One line for the run file and the table: "rung 1 (epoch 4): valid_ppl
 * 12.3 ranked 3 of 4, the best 2 continue". */
void asha_describe(const struct asha_decision *d, int metric, char *buf, size_t n);

#endif
