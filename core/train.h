/* train: the epoch loop and evaluation.
 *
 * Owns: the run's model, optimizer, schedule, sampler and batch buffers, all
 * created at trainer_create from a config and a loaded dataset; one epoch is
 * d2l's train_epoch_ch8 (and the seeds' train_and_predict_rnn): for every
 * batch, reset (random sampler) or carry (sequential) the state, forward,
 * mean cross-entropy, backward, clip, optimizer step; the epoch's training
 * perplexity is exp(total loss / tokens), as the seeds compute it (a
 * regression run's epoch, over shuffled windows, is train_regress.h's). The
 * state an epoch starts from is zero, or (sampler.reset_state: never) the
 * one the last epoch ended with, kept here apart from the models' own.
 * Evaluation runs the model over a whole split with dropout off and the state
 * carried from batch to batch (the Gluon model_eval: B rows of n/B tokens,
 * windows of T, the last one shorter). Progress is reported through a
 * callback; train never prints. Seeds: the run's seed drives initialisation
 * and the sampler (one generator); dropout has its own generator seeded from
 * the same seed.
 * Must not: allocate inside an epoch, or know about files.
 */
#ifndef RNNLAB_TRAIN_H
#define RNNLAB_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dataset.h"
#include "metrics.h"
#include "model.h"
#include "optim.h"
#include "pool.h"
#include "rng.h"
#include "sampler.h"
#include "schedule.h"
#include "state.h"

enum train_status { TRAIN_OK = 0, TRAIN_DIVERGED = 1, TRAIN_STOPPED = 2 };

struct train_progress {
    long epoch, epochs;
    size_t batch, batches;
    double ppl;           /* running training perplexity of the epoch; for
                           * a regression run its mean squared error */
    const char *measure;  /* "ppl" or "mse" */
    double tokens_per_s;
    double seconds;       /* since the epoch began */
};

typedef void (*train_progress_fn)(void *ctx, const struct train_progress *p);

#define TRAIN_MAX_THREADS 64
/* The update after backward (the replicas' gradients summed, the global
 * norm, clipping, the optimizer) runs on the pool in blocks of this many
 * parameters: the norm is the sum of the blocks' sums in block order, so it
 * does not depend on which thread took a block. */
#define TRAIN_UPDATE_BLOCK 16384

struct task_board;

struct trainer {
    const struct config *cfg;
    const struct dataset *data;
    struct model *model;      /* replica 0; evaluation and generation use it */
    struct model *replicas[TRAIN_MAX_THREADS];
    size_t nreplicas;         /* gradient shards: fixed by the config */
    size_t nthreads;          /* pool threads: min(train.threads, shards) */
    size_t first_row[TRAIN_MAX_THREADS + 1]; /* replica k: rows [k], [k+1] */
    double part_loss[TRAIN_MAX_THREADS];
    /* replica k's weight-gradient tasks (model_backward_chain): ntasks[k]
     * of them; the board (train.c: atomics) says which are taken and whose
     * chain is done (step_part) */
    size_t ntasks[TRAIN_MAX_THREADS];
    struct task_board *board;
    int share_tasks;      /* threads take other replicas' tasks */
    double *block_sq;     /* (nblocks) sum of squares of each fixed block of
                           * TRAIN_UPDATE_BLOCK gradients */
    size_t nblocks;
    /* thread `part` of the reduce and the update takes blocks
     * [part_first[part], part_first[part + 1]): equal shares of the
     * elements those passes visit (the sparse update's skipped table rows
     * cost nothing), recut each step; which thread takes a block changes
     * no number */
    size_t part_first[TRAIN_MAX_THREADS + 1];
    size_t *block_cost;   /* (nblocks) sparse: elements visited per block */
    double update_lr;     /* the step's learning rate and clipping factor, */
    real update_scale;    /* for the update's parallel parts */
    /* Plain SGD with an input table (model_input_table): the reduce and the
     * update visit only the table rows the step's input ids touched, the
     * other rows' gradients being zero in every replica and their update a
     * no-op (optim_zero_grad_is_no_op): the same bits as visiting them all,
     * with the parameter-sized passes cut by the table's share (half of
     * PTB's small models). Tests may clear sparse to compare. */
    int sparse;
    size_t table_begin, table_end, table_width; /* the table in params */
    uint8_t *row_seen;    /* (V) scratch of collect_rows */
    uint32_t *rows;       /* (V) the step's touched rows, ascending */
    size_t nrows;
    struct pool *pool;
    struct optim *opt;
    struct schedule sched;
    struct sampler *sampler;
    struct rng rng;
    int32_t *X, *Y;       /* (B, steps) batch */
    size_t steps;         /* time steps of one training step: T, or with
                           * bptt: full the whole epoch's (batches x T) */
    int32_t *part;        /* bptt: full: one minibatch (B, T), X then Y */
    real *xi;             /* bptt: randomized: (T) this step's carry factors */
    struct rng bptt_rng;  /* bptt: randomized: draws them */
    real *state;          /* every replica's recurrent state, one after
                           * another (nstate reals): where the next batch
                           * starts (sequential), kept across epochs with
                           * reset_state: never */
    size_t nstate;
    real *rstate[TRAIN_MAX_THREADS]; /* replica k's, inside state */
    real *eval_state;     /* evaluation's own, for replica 0's Bmax rows */
    long epoch;           /* epochs completed */
    double max_ppl;       /* diverged above it */
    char diverged_why[128];
    /* model.head: regression (train_regress.h): no sampler; the examples
     * of the sine series, shuffled each epoch into order */
    int regression;
    uint32_t *order;      /* (n_train) example indices */
    real *Xr, *Yr;        /* (B, tau) windows, (B) targets of a step */
    real *kstep;          /* regress_predict's scratch */
    volatile const int *stop; /* when set and nonzero: stop after this batch */
    /* Tests only: called after every optimizer step (tests/test_context.c
     * holds the recurrent weights at zero through it). */
    void (*after_step)(struct trainer *t, void *ctx);
    /* Tests only: called on replica k's thread once its chain is done and
     * its tasks open to the others, before it takes any itself. */
    void (*after_chain)(struct trainer *t, size_t k, void *ctx);
    void *hook_ctx;
};

/* Builds the model (initialised from cfg->seed), optimizer, schedule and
 * sampler and the gradient shards (train.grad_shards model replicas; a
 * pool of train.threads threads, 0 = one per usable CPU, each with one
 * BLAS thread). */
int trainer_create(const struct config *cfg, const struct dataset *d,
                   struct trainer **out, struct err *e);
void trainer_free(struct trainer *t);

/* How many weight-gradient tasks a thread ran for another thread's replica
 * since trainer_create (tests). */
size_t trainer_tasks_shared(const struct trainer *t);

/* Trains epoch t->epoch + 1 and evaluates when due (every eval_every epochs
 * and at the last). Returns TRAIN_OK, TRAIN_DIVERGED (loss NaN/inf or
 * perplexity above max_ppl; t->diverged_why says which) or TRAIN_STOPPED
 * (*t->stop was set; the epoch is incomplete and not counted). */
int trainer_epoch(struct trainer *t, struct epoch_metrics *m,
                  train_progress_fn progress, void *ctx);

/* The epoch's next training batch into t->X, t->Y (B, t->steps); 0 at the
 * epoch's end (after sampler_begin_epoch). bptt: full: the epoch's
 * minibatches side by side, so each row is one sequence of batches x T
 * tokens, in one batch. randomized: also draws the step's carry factors
 * t->xi, 1/pi with probability pi and 0 otherwise (d2l 8.7.1), one per time
 * step, shared by every row and layer. */
int trainer_next_batch(struct trainer *t);

/* One training step on the batch in t->X, t->Y: forward, mean cross-entropy,
 * backward, clipping, optimizer step with learning rate lr, and the state
 * carried (sequential) or not. Writes the loss and the pre-clip gradient
 * norm; returns TRAIN_OK, or TRAIN_DIVERGED when either is NaN/inf. */
int trainer_step(struct trainer *t, double lr, double *loss, double *norm);

/* Zeroes every replica's state (an epoch's start), or, with
 * sampler.reset_state: never, leaves each the state it ended the last epoch
 * with (zero before the first). */
void trainer_begin_state(struct trainer *t);

/* Perplexity of the model on a split (NaN for a split under 2 tokens).
 * Carries its own state from zero through the split; training's state is
 * untouched. */
double trainer_evaluate(struct trainer *t, const struct split *s);

/* Records why the run diverged (t->diverged_why) in epoch `epoch`, counted
 * from 1; returns TRAIN_DIVERGED. */
int trainer_diverged(struct trainer *t, const char *what, double value,
                     long epoch);

/* Most blocks trainer_state_blocks lists. */
#define TRAIN_STATE_BLOCKS (13 + TRAIN_MAX_THREADS)

/* train.bptt: full keeps every activation of an epoch: refused when the
 * model's workspaces for (batch_size, batches x num_steps) would pass this
 * (4 GiB). */
#define TRAIN_BPTT_FULL_MAX_BYTES ((size_t)4 << 30)

/* Everything the trainer needs to continue after its last epoch, as named
 * blocks pointing into its own memory (see state.h): the epoch count,
 * parameters, optimizer step count and buffers, schedule state, the
 * sampler's generator, every replica's dropout generator, and the state
 * carried across epochs where there is one. Writes at most
 * TRAIN_STATE_BLOCKS blocks into out and returns how many. Restoring is
 * copying the blocks' bytes back. */
size_t trainer_state_blocks(struct trainer *t, struct state_block *out);

/* The CPUs this process may run on (its affinity), at least 1: what
 * train.threads = 0 uses. */
size_t train_usable_cpus(void);

/* Seconds on a monotonic clock. */
double train_now(void);

#endif
