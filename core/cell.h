/* cell: one recurrent layer run over a whole sequence, for every cell kind.
 *
 * Owns: the layer's parameter views, the layout of its per-sequence cache,
 * and the work every kind shares: the input projection of all T steps at
 * once (one GEMM, or a row gather for one-hot input), the bias folding, and
 * in backward the weight gradients as GEMMs over all steps (in a few
 * chunks, tasks that threads can share: cell_grad_tasks). The
 * recurrences themselves are in rnn.c, lstm.c and gru.c.
 * Must not: allocate, fail, or know about dropout, embeddings or the decoder.
 *
 * Dimensions: T steps, B batch, H hidden, G gates (1 RNN, 4 LSTM, 3 GRU),
 * `in` the input width (V for one-hot input). Sequences are time-major: row
 * t*B + b. PyTorch's parameters: weight_ih (G*H, in), weight_hh (G*H, H),
 * bias_ih, bias_hh (G*H), gates stacked in PyTorch's order. Here W_ih is
 * stored transposed, (in, G*H), so that a one-hot input gathers a contiguous
 * row; the other three keep PyTorch's layout.
 */
#ifndef RNNLAB_CELL_H
#define RNNLAB_CELL_H

#include <stddef.h>
#include <stdint.h>

#include "real.h"
#include "stepgemm.h"

enum cell_kind { CELL_RNN_TANH, CELL_RNN_RELU, CELL_LSTM, CELL_GRU };

struct cell {
    int kind;
    size_t in, H, G;
    real *W_ih, *W_hh, *b_ih, *b_hh;     /* views into the parameter block */
    real *dW_ih, *dW_hh, *db_ih, *db_hh; /* the same views into gradients */
};

/* Views into a workspace sized for at most T steps and B rows. */
struct cell_cache {
    real *gates;   /* (T, B, G*H) pre-activations; LSTM/GRU: activated gates */
    real *h;       /* (T+1, B, H) h[0] = initial state, h[t+1] = output t */
    real *c;       /* LSTM (T+1, B, H) cell states; NULL otherwise */
    real *tc;      /* LSTM (T, B, H) tanh(c_t); NULL otherwise */
    real *hn;      /* GRU (T, B, H) W_hn h + b_hn; NULL otherwise */
    real *scratch; /* GRU (B, G*H) h W_hh^T of one step; NULL otherwise */
    real *bias;    /* (G*H) bias folded into the input projection */
    real *dgx;     /* (T, B, G*H) d loss / d input-projection pre-activations */
    real *dgh;     /* (T, B, G*H) the same for W_hh h; == dgx but for GRU */
    real *wpack;   /* W_hh packed for the per-step products (stepgemm.h):
                    * W_hh^T in forward, W_hh in backward; after the
                    * backward's recurrence, a dense input's W_ih packed
                    * for dX (bcastgemm.h's nngemm_xt) */
    real *hpack;   /* h[0 .. T-1] (T*B, H) packed for dW_hh's tasks
                    * (bcastgemm_pack, by cell_backward_chain); NULL where
                    * that kernel does not serve */
};

size_t cell_gates(int kind);

/* Reals a cache for (T, B) needs; in: the dense input's width, 0 for
 * one-hot input (which has no input gradient). */
size_t cell_cache_size(int kind, size_t in, size_t H, size_t T, size_t B);

/* Lays a cache over mem[0 .. cell_cache_size). */
void cell_cache_bind(struct cell_cache *k, int kind, size_t in, size_t H,
                     size_t T, size_t B, real *mem);

/* Runs the layer over T steps. Input: X (T*B, in), or ids (T*B) when X is
 * NULL (one-hot). h0, c0 (B, H): initial state (c0 LSTM only). Outputs land
 * in k->h + B*H, shape (T, B, H). */
void cell_forward(const struct cell *c, struct cell_cache *k, const real *X,
                  const int32_t *ids, const real *h0, const real *c0,
                  size_t T, size_t B);

/* Backward of the last cell_forward. dH (T, B, H): gradient of the outputs,
 * used as scratch. Accumulates (+=) into the cell's gradient views; writes
 * dX (T*B, in) when dX is not NULL (dense input only), dh0 and, for LSTM,
 * dc0 (B, H): gradients of the initial state. xi (T) scales the gradient
 * that flows from step t back into the state of step t-1 (randomized
 * truncation, d2l 8.7.1: 0 cuts it, 1/pi keeps it unbiased); NULL is 1
 * everywhere, plain backpropagation through time. cell_backward_chain and
 * the cell_grad_tasks tasks in order. */
void cell_backward(const struct cell *c, struct cell_cache *k, real *dX,
                   real *dh0, real *dc0, real *dH, const real *X,
                   const int32_t *ids, const real *xi, size_t T, size_t B);

/* The backward in two parts, so that threads can share the second:
 * cell_backward_chain is what the layer below waits for (the recurrence,
 * dh0, dc0, dX); the weight gradients are cell_grad_tasks independent
 * tasks (chunks of dW_hh's rows and of dW_ih's columns, the bias sums, a
 * one-hot input's scatter-add) with disjoint outputs, reading only what the
 * chain left in k and the layer's input, which may run in any order on any
 * thread after the chain. A task is the same computation wherever it runs
 * (its chunk depends on the shape alone), so the bits do not depend on
 * who runs it. onehot: ids given (no X). */
void cell_backward_chain(const struct cell *c, struct cell_cache *k, real *dX,
                         real *dh0, real *dc0, real *dH, const real *xi,
                         size_t T, size_t B);
size_t cell_grad_tasks(const struct cell *c, int onehot);
void cell_grad_task(const struct cell *c, const struct cell_cache *k,
                    size_t task, const real *X, const int32_t *ids, size_t rows);

/* A weight gradient of n output rows (or columns) splits into
 * cell_grad_chunks(n) chunks, n / CELL_CHUNK_MIN but at most
 * CELL_MAX_CHUNKS (each chunk repacks the GEMM's other operand: few and
 * large); chunk i is [*begin, *end). */
#define CELL_CHUNK_MIN 128
#define CELL_MAX_CHUNKS 4
size_t cell_grad_chunks(size_t n);
void cell_grad_chunk(size_t n, size_t chunk, size_t *begin, size_t *end);

/* The input side of a step's gates. Dense input: table NULL, the gates
 * already hold all T steps' projections (one GEMM ahead of the loop).
 * One-hot input: a step's rows are row ids[t*B + b] of W_ih^T (table) plus
 * the folded bias, read at the step itself where they are used (RNN, LSTM:
 * where stepgemm stores its sums; GRU: in its gate pass), never written to
 * the gates first: gathering all T steps ahead wrote them out to memory and
 * read them back. */
struct gate_input {
    const real *table;   /* W_ih^T (V, G*H), or NULL */
    const real *bias;    /* (G*H) */
    const int32_t *ids;  /* (T*B) */
};

/* gates (B rows of GH) = step t's gate inputs (the one-hot rows, or the
 * dense input's already there) + h W_hh^T (Wp: op(W) = W_hh^T, H x GH):
 * one-hot rows start stepgemm's sums where it stores them
 * (stepgemm_apply_init), so the gates are written once. */
void gate_step_product(const struct gate_input *in,
                       const struct stepgemm_operand *Wp, const real *h,
                       real *gates, size_t t, size_t B, size_t H, size_t GH);

/* The recurrences (rnn.c, lstm.c, gru.c); see those files. Wp is W_hh as
 * stepgemm_prepare left it: op(W) = W_hh^T (H x G*H) for forward, W_hh
 * (G*H x H) for backward. in: the gates' input side (above). */
void rnn_forward(real *h, real *pre, const struct gate_input *in,
                 const struct stepgemm_operand *Wp, size_t T, size_t B,
                 size_t H, int relu);
void rnn_backward(real *dpre, real *dh0, real *dH, const real *h,
                  const struct stepgemm_operand *Wp, const real *xi, size_t T,
                  size_t B, size_t H, int relu);
void lstm_forward(real *h, real *c, real *gates, real *tc,
                  const struct gate_input *in,
                  const struct stepgemm_operand *Wp, size_t T, size_t B,
                  size_t H);
void lstm_backward(real *dgates, real *dh0, real *dc0, real *dH,
                   const real *gates, const real *c, const real *tc,
                   const struct stepgemm_operand *Wp, const real *xi, size_t T,
                   size_t B, size_t H);
void gru_forward(real *h, real *gates, real *hn, real *scratch,
                 const struct gate_input *in,
                 const struct stepgemm_operand *Wp, const real *b_hn, size_t T,
                 size_t B, size_t H);
void gru_backward(real *dgx, real *dgh, real *dh0, real *dH, const real *gates,
                  const real *hn, const real *h,
                  const struct stepgemm_operand *Wp, const real *xi, size_t T,
                  size_t B, size_t H);

#endif
