/* model_pass: the forward and backward passes of model.h over the
 * parameter block model.c lays out, the loss, and the hand-over of the
 * recurrent state between passes. */
#include "model.h"

#include <math.h>
#include <string.h>

#include "bcastgemm.h"
#include "gemm.h"
#include "loss.h"
#include "stepgemm.h"
#include "transpose.h"

/* Which kernel takes the decoder's products, chosen by the shape as
 * whole training steps measured them (alternating medians of 5, one thread
 * pinned to one core; README, Benchmarks). A vocabulary below
 * DECODER_XSMM_MAX_V (the bench configs' 28) goes to libxsmm's kernels for
 * its shape, the forward (small_decoder_forward) and the weight gradient:
 * against gemm.h and nngemm, (a) +2.3% at one thread and +5.9% at two, (b)
 * RNN 512 +2.1%, LSTM +0.8%, GRU +2.3% at one. Larger ones go to
 * bcastgemm, except the forward where x^T (H x rows) fits in L1, within
 * DECODER_XSMM_MAX_XT reals: (e)'s 100 x 80, where nngemm_xt ran 133
 * GFLOP/s and libxsmm 193 (+6.5% and +10% on the step). (e)'s weight
 * gradient, in the vocabulary's chunks, lost 1.2% on libxsmm though
 * bench_gemm_shapes puts it ahead (162 against 150); (d)'s forward lost
 * 6%; (c) was level. */
#define DECODER_XSMM_MAX_V 256
#define DECODER_XSMM_MAX_XT (8 * 1024)

static int decoder_forward_on_xsmm(const struct model_spec *s, size_t rows)
{
    return s->H * rows <= DECODER_XSMM_MAX_XT;
}

/* ---- forward ---------------------------------------------------------- */

size_t model_state_size(const struct model *m)
{
    return 2 * m->spec.L * m->Bmax * m->spec.H;
}

/* y = x * mask with a fresh inverted-dropout mask (kept: 1/(1-p), else 0). */
static void dropout_forward(real *y, real *mask, const real *x, size_t n,
                            double p, struct rng *g)
{
    uint32_t threshold = (uint32_t)(p * 4294967296.0);
    real keep = (real)(1.0 / (1.0 - p));
    for (size_t i = 0; i < n; i++) {
        mask[i] = rng_u32(g) >= threshold ? keep : 0;
        y[i] = x[i] * mask[i];
    }
}

size_t model_decoder_scratch_size(const struct model_spec *s, size_t rows)
{
    return s->V < DECODER_XSMM_MAX_V ? (s->H + rows) * s->V : 0;
}

/* A small vocabulary's logits through libxsmm the other way round,
 * logits^T = x W^T + b (T*B, V), then transposed: x is used as it lies,
 * and W^T (H x V) and logits^T are small; transposing x (T*B x H) instead
 * took 90 us against 65 for (a)'s shard (560 x 256, V 28). gemm.h where
 * libxsmm has no kernel (the double build). */
static void small_decoder_forward(struct model *m, const real *x, size_t rows)
{
    const struct model_spec *s = &m->spec;
    size_t H = s->H, V = s->V;
    real *wt = m->dec_scratch, *lt = wt + H * V;
    transpose(wt, V, m->dec_W, H, V, H);
    for (size_t r = 0; r < rows; r++)
        memcpy(lt + r * V, m->dec_b, V * sizeof *lt);
    if (!stepgemm_xsmm_add(rows, V, H, x, wt, lt))
        gemm(GEMM_N, GEMM_N, rows, V, H, 1, x, H, wt, V, 1, lt, V);
    transpose(m->logits, rows, lt, V, rows, V);
}

/* The decoder over all T*B rows at once, vocabulary-major: logits = W x^T
 * + b (V, T*B), each row from its bias. A small vocabulary's goes to
 * small_decoder_forward; where x^T is small (decoder_forward_on_xsmm),
 * libxsmm's kernel takes x^T transposed into dbuf[0] (free until the
 * backward) and adds to the bias rows, gemm.h where libxsmm has no kernel
 * (the double build). Elsewhere W is read where it lies (nngemm_xt)
 * against x^T, which goes straight into bcastgemm's packed panels in
 * dbuf[0]. */
static void decoder_forward(struct model *m, const real *x, size_t rows)
{
    const struct model_spec *s = &m->spec;
    size_t H = s->H;
    m->logit_max_ok = 0;
    if (s->V < DECODER_XSMM_MAX_V) {
        small_decoder_forward(m, x, rows);
        return;
    }
    if (!decoder_forward_on_xsmm(s, rows)) {
        /* the softmax's maxima taken as the tiles store the logits: one
         * pass over them fewer (8 MB a replica for (d)) */
        for (size_t r = 0; r < rows; r++)
            m->logit_max[r] = -INFINITY;
        nngemm_xt(s->V, rows, H, m->dec_b, m->dec_W, H, x, H, m->dbuf[0],
                  m->logits, rows, m->logit_max);
        m->logit_max_ok = 1;
        return;
    }
    real *xt = m->dbuf[0];
    transpose(xt, rows, x, H, rows, H);
    for (size_t v = 0; v < s->V; v++)
        for (size_t r = 0; r < rows; r++)
            m->logits[v * rows + r] = m->dec_b[v];
    if (!stepgemm_xsmm_add(s->V, rows, H, m->dec_W, xt, m->logits))
        gemm(GEMM_N, GEMM_N, s->V, rows, H, 1, m->dec_W, H, xt, rows, 1,
             m->logits, rows);
}

/* The cells, dropout and decoder over the layer-0 input x (T*B rows; NULL:
 * one-hot m->ids), from state (NULL: zeros). */
static void forward_layers(struct model *m, const real *state, const real *x,
                           int drop)
{
    const struct model_spec *s = &m->spec;
    size_t B = m->B, T = m->T, rows = T * B, H = s->H, n = m->Bmax * H;
    for (size_t l = 0; l < s->L; l++) {
        struct cell_cache *k = &m->caches[l];
        const real *h0 = state ? state + l * n : m->zero_state;
        const real *c0 = state ? state + (s->L + l) * n : m->zero_state;
        cell_forward(&m->cells[l], k, x, x ? NULL : m->ids, h0, c0, T, B);
        x = k->h + B * H;
        if (s->dropout > 0) {
            real *y = m->layer_out + l * rows * H;
            if (drop)
                dropout_forward(y, m->masks + rows * s->E + l * rows * H, x,
                                rows * H, s->dropout, &m->rng);
            else
                memcpy(y, x, rows * H * sizeof *y);
            x = y;
        }
    }
    decoder_forward(m, x, rows);
}

void model_forward(struct model *m, const real *state, const int32_t *X,
                   size_t B, size_t T, int train)
{
    const struct model_spec *s = &m->spec;
    size_t rows = T * B;
    int drop = train && s->dropout > 0;
    m->B = B;
    m->T = T;
    m->train = drop;
    m->dbias_summed = 0;
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++)
            m->ids[t * B + b] = X[b * T + t];
    const real *x = NULL;
    if (s->embedding) {
        for (size_t r = 0; r < rows; r++)
            memcpy(m->emb_out + r * s->E, m->emb + (size_t)m->ids[r] * s->E,
                   s->E * sizeof *m->emb);
        if (drop)
            dropout_forward(m->emb_out, m->masks, m->emb_out, rows * s->E,
                            s->dropout, &m->rng);
        x = m->emb_out;
    }
    forward_layers(m, state, x, drop);
}

void model_forward_values(struct model *m, const real *state, const real *X,
                          size_t B, size_t T, int train)
{
    m->B = B;
    m->T = T;
    m->train = train && m->spec.dropout > 0;
    m->dbias_summed = 0;
    /* time-major, as the cells read it; no dropout on the one input value
     * (as with one-hot input) */
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++)
            m->emb_out[t * B + b] = X[b * T + t];
    forward_layers(m, state, m->emb_out, m->train);
}

void model_carry_state(const struct model *m, real *state)
{
    size_t H = m->spec.H, n = m->B * H, L = m->spec.L;
    for (size_t l = 0; l < L; l++) {
        const struct cell_cache *k = &m->caches[l];
        memcpy(state + l * m->Bmax * H, k->h + m->T * n, n * sizeof(real));
        if (k->c)
            memcpy(state + (L + l) * m->Bmax * H, k->c + m->T * n, n * sizeof(real));
    }
}

double model_loss(struct model *m, const int32_t *Y, int grad)
{
    size_t B = m->B, T = m->T;
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++)
            m->targets[t * B + b] = Y[b * T + t];
    m->dbias_summed = grad != 0;
    const real *max = m->logit_max_ok ? m->logit_max : NULL;
    m->logit_max_ok = 0; /* the logits are used up */
    return loss_softmax_xent(m->logits, m->targets, T * B, m->spec.V, grad,
                             grad ? m->ddec_b : NULL, max);
}

double model_loss_mse(struct model *m, const real *y, int grad)
{
    size_t B = m->B, last = (m->T - 1) * B;
    double total = 0;
    m->dbias_summed = 0;
    for (size_t b = 0; b < B; b++) {
        double d = (double)m->logits[last + b] - (double)y[b];
        total += d * d;
        if (grad)
            m->logits[last + b] = (real)(2 * d / (double)B);
    }
    if (grad) /* the earlier steps' outputs feed no loss */
        memset(m->logits, 0, last * sizeof *m->logits);
    return total / (double)B;
}

/* ---- backward --------------------------------------------------------- */

void model_zero_grad(struct model *m)
{
    memset(m->grads, 0, m->nparams * sizeof *m->grads);
    m->ddec_W_zero = 1;
    m->dbias_summed = 0; /* model_backward sums the bias gradient again */
}

static void mask_multiply(real *d, const real *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] *= mask[i];
}

/* Layer l's input: the layer below's output (after dropout), the embedding
 * rows or regression values, or NULL for one-hot ids. */
static const real *layer_input(const struct model *m, size_t l)
{
    const struct model_spec *s = &m->spec;
    size_t rows = m->T * m->B, H = s->H;
    if (l > 0)
        return s->dropout > 0 ? m->layer_out + (l - 1) * rows * H
                              : m->caches[l - 1].h + m->B * H;
    return s->embedding || s->regression ? m->emb_out : NULL;
}

/* logits = W x^T + b:  dW += dlogits x over the V rows [begin, end), by
 * libxsmm's kernel for a small vocabulary (DECODER_XSMM_MAX_V), else
 * bcastgemm's nngemm, or nngemm_store where dW is known to be zero
 * (ddec_W_store: pinned, (d) +2.1% at one thread, alternating medians
 * of 7) */
static void decoder_weight_grad(struct model *m, size_t begin, size_t end)
{
    const struct model_spec *s = &m->spec;
    size_t rows = m->T * m->B, H = s->H;
    const real *x = layer_input(m, s->L);
    if (s->V < DECODER_XSMM_MAX_V &&
        stepgemm_xsmm_add(end - begin, H, rows, m->logits + begin * rows, x,
                          m->ddec_W + begin * H))
        return;
    if (m->ddec_W_store)
        nngemm_store(end - begin, H, rows, m->logits + begin * rows, rows, x,
                     H, m->ddec_W + begin * H, H);
    else
        nngemm(end - begin, H, rows, NULL, m->logits + begin * rows, rows, x,
               H, m->ddec_W + begin * H, H);
}

size_t model_backward_chain(struct model *m)
{
    const struct model_spec *s = &m->spec;
    size_t B = m->B, T = m->T, rows = T * B, H = s->H, L = s->L;
    m->sum_dbias = !m->dbias_summed; /* model_loss sums them (loss_add_row_sum) */
    m->dbias_summed = 0;
    /* tied, ddec_W is the embedding's gradient, which the chain adds to */
    m->ddec_W_store = m->ddec_W_zero && !s->tie;
    m->ddec_W_zero = 0;
    /* the decoder input gradient dh = dlogits^T W, over the vocabulary */
    real *dh = m->dbuf[0], *dx = m->dbuf[1];
    memset(dh, 0, rows * H * sizeof *dh);
    tngemm(rows, H, s->V, m->logits, rows, m->dec_W, H, dh, H);
    for (size_t l = L; l-- > 0;) {
        if (m->train)
            mask_multiply(dh, m->masks + rows * s->E + l * rows * H, rows * H);
        int want_dx = l > 0 || s->embedding;
        cell_backward_chain(&m->cells[l], &m->caches[l], want_dx ? dx : NULL,
                            m->dstate_h + l * m->Bmax * H,
                            m->dstate_c + l * m->Bmax * H, dh, m->carry_scale,
                            T, B);
        real *t = dh;
        dh = dx;
        dx = t;
    }
    if (s->embedding) {
        /* the gather's backward: scatter-add into the used rows */
        if (m->train)
            mask_multiply(dh, m->masks, rows * s->E);
        for (size_t r = 0; r < rows; r++) {
            real *g = m->demb + (size_t)m->ids[r] * s->E;
            const real *d = dh + r * s->E;
            for (size_t j = 0; j < s->E; j++)
                g[j] += d[j];
        }
    }
    size_t n = cell_grad_chunks(s->V) + m->sum_dbias;
    for (size_t l = 0; l < L; l++)
        n += cell_grad_tasks(&m->cells[l], layer_input(m, l) == NULL);
    return n;
}

void model_grad_task(struct model *m, size_t task)
{
    const struct model_spec *s = &m->spec;
    size_t rows = m->T * m->B;
    size_t dec = cell_grad_chunks(s->V);
    if (task < dec) { /* the largest first */
        size_t begin, end;
        cell_grad_chunk(s->V, task, &begin, &end);
        decoder_weight_grad(m, begin, end);
        return;
    }
    task -= dec;
    if (m->sum_dbias && task-- == 0) {
        for (size_t v = 0; v < s->V; v++)
            loss_add_row_sum(m->ddec_b + v, m->logits + v * rows, rows);
        return;
    }
    for (size_t l = s->L; l-- > 0;) {
        const real *x = layer_input(m, l);
        size_t n = cell_grad_tasks(&m->cells[l], x == NULL);
        if (task < n) {
            cell_grad_task(&m->cells[l], &m->caches[l], task, x,
                           x ? NULL : m->ids, rows);
            return;
        }
        task -= n;
    }
}

void model_backward(struct model *m)
{
    for (size_t i = 0, n = model_backward_chain(m); i < n; i++)
        model_grad_task(m, i);
}

double model_flops_per_token(const struct model *m)
{
    const struct model_spec *s = &m->spec;
    double G = (double)cell_gates(s->cell), H = (double)s->H, f = 0;
    for (size_t l = 0; l < s->L; l++) {
        /* a one-hot input projection is a gather: no products */
        double in = l == 0 ? (s->embedding || s->regression ? (double)s->E : 0) : H;
        /* forward x W_ih^T and h W_hh^T; backward dW_ih, dX, dW_hh, dh */
        f += 2 * G * H * (in + H) * 3;
    }
    f += 2 * (double)s->V * H * 3; /* decoder forward, dW, dx */
    return f;
}
