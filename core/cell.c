/* cell: see cell.h. */
#include "cell.h"

#include <string.h>

#include "stepgemm.h"
#include "bcastgemm.h"

size_t cell_gates(int kind)
{
    return kind == CELL_LSTM ? 4 : kind == CELL_GRU ? 3 : 1;
}

/* Reals of wpack: W_hh packed either way for the recurrence, W_ih^T
 * packed for a dense input's gradient (nngemm_xt) after it. */
static size_t pack_size(size_t G, size_t in, size_t H)
{
    size_t fwd = stepgemm_packed_size(H, G * H), bwd = stepgemm_packed_size(G * H, H);
    size_t dx = bcastgemm_packed_size(G * H, in), size = fwd > bwd ? fwd : bwd;
    return size > dx ? size : dx;
}

size_t cell_cache_size(int kind, size_t in, size_t H, size_t T, size_t B)
{
    size_t G = cell_gates(kind), n = T * B * G * H;
    size_t size = n + (T + 1) * B * H + G * H + n; /* gates h bias dgx */
    size += pack_size(G, in, H);                   /* wpack */
    size += bcastgemm_packed_size(T * B, H);       /* hpack */
    if (kind == CELL_LSTM)
        size += (T + 1) * B * H + T * B * H;      /* c tc */
    if (kind == CELL_GRU)
        size += T * B * H + B * G * H + n;        /* hn scratch dgh */
    return size;
}

void cell_cache_bind(struct cell_cache *k, int kind, size_t in, size_t H,
                     size_t T, size_t B, real *mem)
{
    size_t G = cell_gates(kind), n = T * B * G * H;
    memset(k, 0, sizeof *k);
    k->gates = mem;          mem += n;
    k->h = mem;              mem += (T + 1) * B * H;
    k->bias = mem;           mem += G * H;
    k->dgx = mem;            mem += n;
    k->dgh = k->dgx;
    k->wpack = mem;          mem += pack_size(G, in, H);
    if (bcastgemm_packed_size(T * B, H)) {
        k->hpack = mem;      mem += bcastgemm_packed_size(T * B, H);
    }
    if (kind == CELL_LSTM) {
        k->c = mem;          mem += (T + 1) * B * H;
        k->tc = mem;         mem += T * B * H;
    }
    if (kind == CELL_GRU) {
        k->hn = mem;         mem += T * B * H;
        k->scratch = mem;    mem += B * G * H;
        k->dgh = mem;
    }
}

/* b_ih + b_hh, except GRU's b_hn, which r multiplies (see gru.c). */
static void fold_bias(const struct cell *c, real *bias)
{
    size_t GH = c->G * c->H;
    size_t folded = c->kind == CELL_GRU ? 2 * c->H : GH;
    for (size_t j = 0; j < GH; j++)
        bias[j] = c->b_ih[j] + (j < folded ? c->b_hh[j] : 0);
}

/* Step t's rows of a one-hot input as stepgemm's row starts */
static struct stepgemm_init step_init(const struct gate_input *in, size_t t,
                                      size_t B, size_t GH)
{
    return (struct stepgemm_init){
        .bias = in->bias, .table = in->table, .ids = in->ids + t * B, .ld = GH};
}

void gate_step_product(const struct gate_input *in,
                       const struct stepgemm_operand *Wp, const real *h,
                       real *gates, size_t t, size_t B, size_t H, size_t GH)
{
    if (!in->table) {
        stepgemm_apply(Wp, B, GH, H, 1, h, H, 1, gates, GH);
        return;
    }
    struct stepgemm_init init = step_init(in, t, B, GH);
    stepgemm_apply_init(Wp, B, GH, H, h, H, &init, gates, GH);
}

void cell_forward(const struct cell *c, struct cell_cache *k, const real *X,
                  const int32_t *ids, const real *h0, const real *c0,
                  size_t T, size_t B)
{
    size_t H = c->H, GH = c->G * H, rows = T * B;
    fold_bias(c, k->bias);
    /* Dense input: all steps' input projections at once, gates = X W_ih^T
     * + bias, W_ih^T as stored: libxsmm's kernel for the shape, else
     * bcastgemm's (stepgemm.h has the rates; OpenBLAS ran these shapes at
     * 100 GFLOP/s on a Zen 5).
     * One-hot input: a row of the stored W_ih^T, read step by step where
     * it is used (struct gate_input). */
    struct gate_input in = {.table = ids ? c->W_ih : NULL, .bias = k->bias,
                            .ids = ids};
    if (!ids) {
        for (size_t r = 0; r < rows; r++)
            memcpy(k->gates + r * GH, k->bias, GH * sizeof *k->bias);
        if (!stepgemm_xsmm_add(rows, GH, c->in, X, c->W_ih, k->gates))
            nngemm(rows, GH, c->in, NULL, X, c->in, c->W_ih, GH, k->gates, GH);
    }
    memcpy(k->h, h0, B * H * sizeof *k->h);
    /* W_hh^T packed once for all T steps' products h_t W_hh^T */
    struct stepgemm_operand wp;
    stepgemm_prepare(&wp, k->wpack, B, 1, H, GH, c->W_hh, H);
    switch (c->kind) {
    case CELL_RNN_TANH:
    case CELL_RNN_RELU:
        rnn_forward(k->h, k->gates, &in, &wp, T, B, H, c->kind == CELL_RNN_RELU);
        break;
    case CELL_LSTM:
        memcpy(k->c, c0, B * H * sizeof *k->c);
        lstm_forward(k->h, k->c, k->gates, k->tc, &in, &wp, T, B, H);
        break;
    case CELL_GRU:
        gru_forward(k->h, k->gates, k->hn, k->scratch, &in, &wp,
                    c->b_hh + 2 * H, T, B, H);
        break;
    }
}

/* m's column sums added into two sums from one pass over m: RNN's and
 * LSTM's two biases have the same gradient, and reading the T*B rows twice
 * cost 1% of (b) LSTM's step. */
RNNLAB_KERNEL
static void add_column_sums2(real *restrict a, real *restrict b,
                             const real *restrict m, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++) {
            real v = m[r * cols + j];
            a[j] += v;
            b[j] += v;
        }
}

/* GRU's bias sums from one pass: its r and z gradients are the same on
 * both sides (gru.c), so db_hh's first 2H columns take dgx's, the same bits
 * as a pass over dgh; the n columns differ. Two passes, one over each,
 * read the 2H columns twice. */
RNNLAB_KERNEL
static void add_column_sums_gru(real *restrict db_ih, real *restrict db_hh,
                                const real *restrict dgx,
                                const real *restrict dgh, size_t rows,
                                size_t H)
{
    size_t GH = 3 * H;
    for (size_t r = 0; r < rows; r++) {
        const real *x = dgx + r * GH, *hh = dgh + r * GH;
        for (size_t j = 0; j < 2 * H; j++) {
            real v = x[j];
            db_ih[j] += v;
            db_hh[j] += v;
        }
        for (size_t j = 2 * H; j < GH; j++) {
            db_ih[j] += x[j];
            db_hh[j] += hh[j];
        }
    }
}

void cell_backward_chain(const struct cell *c, struct cell_cache *k, real *dX,
                         real *dh0, real *dc0, real *dH, const real *xi,
                         size_t T, size_t B)
{
    size_t H = c->H, GH = c->G * H, rows = T * B;
    /* W_hh packed once for all T steps' products dgates_t W_hh */
    struct stepgemm_operand wp;
    stepgemm_prepare(&wp, k->wpack, B, 0, GH, H, c->W_hh, H);
    switch (c->kind) {
    case CELL_RNN_TANH:
    case CELL_RNN_RELU:
        rnn_backward(k->dgx, dh0, dH, k->h, &wp, xi, T, B, H,
                     c->kind == CELL_RNN_RELU);
        break;
    case CELL_LSTM:
        lstm_backward(k->dgx, dh0, dc0, dH, k->gates, k->c, k->tc, &wp, xi,
                      T, B, H);
        break;
    case CELL_GRU:
        gru_backward(k->dgx, k->dgh, dh0, dH, k->gates, k->hn, k->h, &wp, xi,
                     T, B, H);
        break;
    }
    /* h packed once for all of dW_hh's tasks; the chain has just read its
     * first steps' rows (in reverse), where the copy starts */
    if (k->hpack)
        bcastgemm_pack(rows, H, k->h, H, k->hpack);
    /* dX = dgx W_ih (PyTorch's W_ih, i.e. the stored W_ih^T transposed),
     * W_ih packed into wpack, which the recurrence no longer needs */
    if (dX) {
        memset(dX, 0, rows * c->in * sizeof *dX);
        nngemm_xt(rows, c->in, GH, NULL, k->dgx, GH, c->W_ih, GH, k->wpack,
                  dX, c->in, NULL);
    }
}

size_t cell_grad_chunks(size_t n)
{
    size_t chunks = n / CELL_CHUNK_MIN;
    return chunks < 1 ? 1 : chunks > CELL_MAX_CHUNKS ? CELL_MAX_CHUNKS : chunks;
}

void cell_grad_chunk(size_t n, size_t chunk, size_t *begin, size_t *end)
{
    size_t chunks = cell_grad_chunks(n);
    /* multiples of 16: whole vector blocks of the GEMM kernels */
    *begin = chunk * n / chunks / 16 * 16;
    *end = chunk + 1 == chunks ? n : (chunk + 1) * n / chunks / 16 * 16;
}

size_t cell_grad_tasks(const struct cell *c, int onehot)
{
    size_t GH = c->G * c->H;
    /* dW_hh's row chunks, the bias sums, dW_ih's column chunks or its
     * scatter */
    return cell_grad_chunks(GH) + 1 + (onehot ? 1 : cell_grad_chunks(GH));
}

void cell_grad_task(const struct cell *c, const struct cell_cache *k,
                    size_t task, const real *X, const int32_t *ids, size_t rows)
{
    size_t H = c->H, GH = c->G * H, hh = cell_grad_chunks(GH), begin, end;
    if (task < hh) {
        /* dW_hh += dgh^T [h_0 .. h_{T-1}], rows [begin, end) of dW_hh,
         * from h as the chain packed it (where the BLAS serves instead,
         * each chunk repacks the smaller operand, h) */
        cell_grad_chunk(GH, task, &begin, &end);
        tngemm_packed(end - begin, H, rows, k->dgh + begin, GH, k->h, H,
                      k->hpack, c->dW_hh + begin * H, H);
    } else if (task == hh) {
        if (k->dgh == k->dgx)
            add_column_sums2(c->db_ih, c->db_hh, k->dgx, rows, GH);
        else
            add_column_sums_gru(c->db_ih, c->db_hh, k->dgx, k->dgh, rows, H);
    } else if (ids) {
        for (size_t r = 0; r < rows; r++) { /* scatter-add of the gather */
            real *w = c->dW_ih + (size_t)ids[r] * GH;
            const real *g = k->dgx + r * GH;
            for (size_t j = 0; j < GH; j++)
                w[j] += g[j];
        }
    } else {
        /* dW_ih^T += X^T dgx, columns [begin, end) (where the BLAS serves,
         * each chunk repacks X) */
        cell_grad_chunk(GH, task - hh - 1, &begin, &end);
        tngemm(c->in, end - begin, rows, X, c->in, k->dgx + begin, GH,
               c->dW_ih + begin, GH);
    }
}

void cell_backward(const struct cell *c, struct cell_cache *k, real *dX,
                   real *dh0, real *dc0, real *dH, const real *X,
                   const int32_t *ids, const real *xi, size_t T, size_t B)
{
    cell_backward_chain(c, k, dX, dh0, dc0, dH, xi, T, B);
    for (size_t i = 0, n = cell_grad_tasks(c, ids != NULL); i < n; i++)
        cell_grad_task(c, k, i, X, ids, T * B);
}
