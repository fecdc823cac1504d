/* bench_setup: what the whole-training-step benchmarks share (bench_train,
 * ours; bench_dnnl, the oneDNN peer): the command line
 *   PROG CONFIG.yaml [key=value ...] [--batches N] [--warmup W]
 * the config, data and trainer it names (the trainer gives the peer its
 * batches and initial weights too), and the one result line. */
#ifndef RNNLAB_BENCH_SETUP_H
#define RNNLAB_BENCH_SETUP_H

#include "config.h"
#include "dataset.h"
#include "train.h"

struct bench {
    long batches, warmup;
    struct config cfg;
    struct dataset *data;
    struct trainer *t;
};

/* Parses the command line and loads everything; 0, or 2 after a message on
 * stderr naming prog. */
int bench_setup(const char *prog, int argc, char **argv, struct bench *b);
void bench_free(struct bench *b);

/* The training batch into t->X, t->Y, starting a new epoch (and its zero
 * state) when the last one ran out; 1 when it did, else 0. */
int bench_next_batch(struct bench *b);

/* tokens_per_s=... flops_per_token=... gflops=... loss=... for `batches`
 * steps that took `seconds`. */
void bench_report(const struct bench *b, double seconds, double loss);

#endif
