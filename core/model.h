/* model: the recurrent language model, embedding or one-hot input, a stack
 * of cells, dropout, and a dense decoder, trained on (B, T) token batches.
 *
 * Owns: the parameter block and the gradient block (one allocation each,
 * the same layout), the table that names every tensor with its PyTorch name
 * and shape (export, import, initialisation and fixture comparisons all walk
 * it), the workspaces for at most Bmax x Tmax tokens (allocated once, at
 * model_create: nothing is allocated in a step), and the dropout generator.
 * The recurrent state a forward starts from is the caller's (see
 * model_state_size): a trainer keeps one per replica, evaluation and
 * generation their own, so none disturbs another's.
 * Must not: know about files, optimizers or the training loop.
 *
 * A regression model (d2l 8.1, model.head: regression) reads one real value
 * per step through rnn.weight_ih_l0 (G*H, 1) and predicts one value with
 * dense (1, H); there is no embedding.
 *
 * PyTorch equivalents (SPEC.md weight names): embedding.weight (V, E) =
 * nn.Embedding; rnn.weight_ih_l{k} (G*H, in), rnn.weight_hh_l{k} (G*H, H),
 * rnn.bias_ih_l{k}, rnn.bias_hh_l{k} (G*H) = nn.RNN/LSTM/GRU; dense.weight
 * (V, H), dense.bias (V) = nn.Linear. Dropout (inverted, as torch.nn.Dropout)
 * on the embedding output, between layers and on the last layer's output,
 * as PyTorch's word_language_model and the Gluon RNNModel place it.
 * Dimensions: B batch, T steps, V vocabulary, E embedding, H hidden, L layers,
 * G gates. Internal sequences are time-major (row t*B + b).
 */
#ifndef RNNLAB_MODEL_H
#define RNNLAB_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "cell.h"
#include "config.h"
#include "err.h"
#include "real.h"
#include "rng.h"

#define MODEL_MAX_TENSORS (3 + 4 * 64)

struct model_spec {
    int cell;        /* enum cell_kind */
    size_t V, E, H, L;
    int embedding;   /* 1: embedding input (E); 0: one-hot (in = V) */
    double dropout;
    int tie;         /* dense.weight is embedding.weight (E == H) */
    int regression;  /* head: regression: one real input per step (E = 1,
                      * no embedding table), one output (V = 1), trained on
                      * the last step's output by mean squared error */
};

/* One named tensor of the parameter block. */
struct model_tensor {
    char name[48];   /* PyTorch's name */
    size_t rows, cols; /* PyTorch's shape; cols = 1 for a vector */
    size_t offset;   /* into params and grads */
    int transposed;  /* stored as (cols, rows) */
    int alias;       /* shares another tensor's storage (tied weights) */
    int is_bias;
};

struct model {
    struct model_spec spec;
    size_t Bmax, Tmax;
    size_t nparams;
    real *params, *grads;
    int owns_params;          /* 0 for a replica: params are another's */
    struct model_tensor tensors[MODEL_MAX_TENSORS];
    size_t ntensors;
    real *emb, *demb;         /* (V, E) views, or NULL */
    real *dec_W, *ddec_W;     /* (V, H) */
    real *dec_b, *ddec_b;     /* (V) */
    struct cell cells[64];
    struct cell_cache caches[64];
    real *work;               /* every workspace below lives here */
    int32_t *ids, *targets;   /* (T*B) time-major */
    real *emb_out;            /* (T*B, E) embedding rows after dropout */
    real *layer_out;          /* (L, T*B, H) layer outputs after dropout */
    real *masks;              /* dropout masks: (T*B, E) then (L, T*B, H) */
    real *logits;             /* (V, T*B) vocabulary-major; gradients
                               * after model_loss */
    real *logit_max;          /* (T*B) each example's largest logit, taken
                               * by the decoder's product (nngemm_xt) */
    int logit_max_ok;         /* logit_max is the last forward's */
    int dbias_summed;         /* model_loss added the logits' gradients to
                               * ddec_b already; model_backward clears it */
    int sum_dbias;            /* the backward's tasks sum them (set by
                               * model_backward_chain) */
    int ddec_W_zero;          /* ddec_W is all zeros: set where the
                               * gradients are zeroed (model_create,
                               * model_zero_grad, the trainer's update),
                               * cleared by model_backward_chain */
    int ddec_W_store;         /* the decoder's dW tasks store their product
                               * where they would add it (ddec_W was zero,
                               * weights untied: set by
                               * model_backward_chain) */
    real *dbuf[2];            /* (T*B, max(E, H)) backward ping-pong */
    real *dec_scratch;        /* W^T (H, V) and logits^T (T*B, V) for a
                               * small vocabulary's decoder forward
                               * (model_decoder_scratch_size) */
    real *zero_state;         /* (Bmax, H) zeros: the initial state of a
                               * forward given none */
    real *dstate_h, *dstate_c;/* (L, Bmax, H) d loss / d initial state */
    struct rng rng;           /* dropout masks */
    size_t B, T;              /* shape of the last forward */
    int train;                /* the last forward used dropout */
    const real *carry_scale;  /* (Tmax) per step, the factor on the gradient
                               * into the previous step's state (randomized
                               * truncation); NULL: 1, plain BPTT. The
                               * trainer's; a model never owns it */
};

/* Validates spec and sizes (errors name the config key), allocates once.
 * dropout_seed seeds the dropout generator. Parameters start at zero. */
int model_create(const struct model_spec *spec, size_t Bmax, size_t Tmax,
                 uint64_t dropout_seed, struct model **out, struct err *e);
void model_free(struct model *m);

/* The bytes model_create allocates for its workspaces at these sizes (what
 * grows with Tmax: train.bptt full checks it against its limit). */
size_t model_workspace_bytes(const struct model_spec *spec, size_t Bmax,
                             size_t Tmax);

/* A replica of m for another thread (data-parallel training): the same
 * parameter block (m's, not owned), and its own gradients, workspaces for at
 * most Bmax rows and dropout generator. Free it before m. */
int model_create_replica(const struct model *m, size_t Bmax,
                         uint64_t dropout_seed, struct model **out,
                         struct err *e);

/* The spec a config describes, for a vocabulary of V. */
struct model_spec model_spec_from_config(const struct model_config *c, size_t V);

/* Initialises every parameter (see config's init schemes), drawing from g in
 * table order, each tensor in PyTorch's row-major order. */
void model_init(struct model *m, const struct init_config *init, struct rng *g);

/* The reals of a recurrent state for m: h then c (c used by LSTM only),
 * each (L, Bmax, H): layer l's row b at l * Bmax * H + b * H. */
size_t model_state_size(const struct model *m);

/* Reals of m->dec_scratch for a forward over up to `rows` rows: nonzero for
 * a small vocabulary only (model_pass.c). */
size_t model_decoder_scratch_size(const struct model_spec *s, size_t rows);

/* Runs the model on X (B, T) batch-major ids, B <= Bmax, T <= Tmax, from
 * state (model_state_size reals; NULL: zeros); logits land in m->logits
 * (V, T*B) vocabulary-major, columns time-major. train turns dropout on.
 * Reads state, never writes it (see model_carry_state). */
void model_forward(struct model *m, const real *state, const int32_t *X,
                   size_t B, size_t T, int train);

/* The same for a regression model: X (B, T) batch-major reals, one input
 * value per step; the outputs land in m->logits (T*B, 1). */
void model_forward_values(struct model *m, const real *state, const real *X,
                          size_t B, size_t T, int train);

/* Writes the last forward's final state into state, the next forward's
 * initial state (sequential partitioning; the state is a constant to
 * backward: d2l's detach, truncated BPTT). */
void model_carry_state(const struct model *m, real *state);

/* Mean cross-entropy of the last forward against Y (B, T). The logits are
 * used up: with grad they become their gradient for model_backward, and
 * the decoder bias's gradient (their column sums) is added to grads here,
 * while each row is in cache (model_backward does the rest; a
 * model_zero_grad between them makes it sum them itself). */
double model_loss(struct model *m, const int32_t *Y, int grad);

/* Regression: mean over the B rows of (last step's output - y[b])^2, y (B);
 * with grad the outputs become their gradient for model_backward (zero at
 * every step but the last). */
double model_loss_mse(struct model *m, const real *y, int grad);

/* Backward of the last forward and model_loss(grad = 1): accumulates into
 * m->grads (where ddec_W_zero says the decoder's weight gradient is zero,
 * its product is stored there: the same numbers, without reading 8 MB of
 * zeros at (d)'s every step), and writes dstate_h/dstate_c.
 * model_backward_chain and then every task of model_grad_task, in order. */
void model_backward(struct model *m);

/* The backward in two parts, so that threads can share the second (the
 * trainer's helpers take tasks of a replica whose chain is done):
 * model_backward_chain runs the gradient chain from the logits down to the
 * input (decoder input gradient, each layer's cell_backward_chain, dropout,
 * the embedding's scatter-add) and returns how many tasks remain: the
 * weight gradients (the decoder's in a few row chunks, the decoder bias's
 * sums where model_loss did not add them, each layer's cell_grad_tasks),
 * independent of each other, reading only what the chain and forward left.
 * Each may then run once, in any order, on any thread, with the same bits
 * (a task's work depends on the model's shape alone). */
size_t model_backward_chain(struct model *m);
void model_grad_task(struct model *m, size_t task);

/* Zeroes m->grads (and so sets ddec_W_zero). */
void model_zero_grad(struct model *m);

/* The tensor named name, or NULL. */
const struct model_tensor *model_find(const struct model *m, const char *name);

/* The table the input ids index, when the model has one whose gradient
 * has no other source: the embedding, or a one-hot first layer's W_ih^T
 * (not tied to the decoder, not a regression). It is (V, *width) at
 * params + *offset; a step's gradient is zero outside the rows of the ids
 * it saw. Returns 0 when there is none. */
int model_input_table(const struct model *m, size_t *offset, size_t *width);

/* The element count of the largest tensor (a buffer for any one of them). */
size_t model_largest_tensor(const struct model *m);

/* Copies a tensor to / from PyTorch's layout (rows * cols floats). */
void model_get_tensor(const struct model *m, const struct model_tensor *t,
                      real *out);
void model_set_tensor(struct model *m, const struct model_tensor *t,
                      const real *in);

/* Floating-point operations of one forward+backward per token (for
 * benchmarks): 2 per multiply-add, matrix products only. */
double model_flops_per_token(const struct model *m);

#endif
