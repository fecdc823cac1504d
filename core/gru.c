/* gru: the recurrence of torch.nn.GRU, gates in PyTorch's order r, z, n:
 *   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
 *   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 *   h' = (1 - z) * n + z * h
 * The caller has put W_i x + b_i, plus b_hr and b_hz (but not b_hn, which
 * r scales), into gates (a dense input), or gives them as the bias and
 * W_ih^T's rows (a one-hot input: struct gate_input). */
#include <string.h>

#include "cell.h"
#include "stepgemm.h"

/* Gate math of one batch row at one step: r, z, n out (activations), the
 * input side's pre-activations from xa + xb (onehot: the bias and W_ih^T's
 * gathered row, added as stepgemm_fill_init adds them, so the same bits as
 * when the rows were written first) or from r, z, n (a dense input's
 * projection; onehot a constant, so each caller's loop has no branch);
 * s (hidden side W_h h) in; hn and h' out. */
RNNLAB_INLINE void gru_row_math(real *restrict r, real *restrict z,
                                real *restrict n,
                                const real *restrict xa,
                                const real *restrict xb, int onehot,
                                const real *restrict s,
                                const real *restrict b_hn, real *restrict hn,
                                const real *restrict h_prev,
                                real *restrict h, size_t H)
{
    const real *sr = s, *sz = s + H, *sn = s + 2 * H;
    for (size_t j = 0; j < H; j++) {
        real xr = onehot ? xa[j] + xb[j] : r[j];
        real xz = onehot ? xa[H + j] + xb[H + j] : z[j];
        real xn = onehot ? xa[2 * H + j] + xb[2 * H + j] : n[j];
        real rv = r_sigmoid(xr + sr[j]);
        real zv = r_sigmoid(xz + sz[j]);
        real hnv = sn[j] + b_hn[j];
        real nv = r_tanh(xn + rv * hnv);
        r[j] = rv;
        z[j] = zv;
        n[j] = nv;
        hn[j] = hnv;
        h[j] = (1 - zv) * nv + zv * h_prev[j];
    }
}

/* A dense input: its projection in a, overwritten by the activations */
RNNLAB_KERNEL
static void gru_row_forward(real *a, const real *restrict s,
                            const real *restrict b_hn, real *restrict hn,
                            const real *restrict h_prev, real *restrict h,
                            size_t H)
{
    gru_row_math(a, a + H, a + 2 * H, NULL, NULL, 0, s, b_hn, hn, h_prev, h, H);
}

/* A one-hot input: bias + W_ih^T's row read where it is used, so each
 * step's gates are written once, as the activations (where they were
 * first written as the inputs, (b) GRU's 32 rows of 3 KB a step, and this
 * pass read them back) */
RNNLAB_KERNEL
static void gru_row_forward_onehot(real *restrict a, const real *restrict bias,
                                   const real *restrict row,
                                   const real *restrict s,
                                   const real *restrict b_hn,
                                   real *restrict hn,
                                   const real *restrict h_prev,
                                   real *restrict h, size_t H)
{
    gru_row_math(a, a + H, a + 2 * H, bias, row, 1, s, b_hn, hn, h_prev, h, H);
}

/* h (T+1, B, H): h[0] given; gates (T, B, 3H): projected input in (dense
 * input), r, z, n out; hn (T, B, H): W_hn h + b_hn out; scratch (B, 3H). */
void gru_forward(real *h, real *gates, real *hn, real *scratch,
                 const struct gate_input *in,
                 const struct stepgemm_operand *Wp, const real *b_hn, size_t T,
                 size_t B, size_t H)
{
    size_t n = B * H, G = 3 * H;
    for (size_t t = 0; t < T; t++) {
        real *a = gates + t * B * G;
        stepgemm_apply(Wp, B, G, H, 1, h + t * n, H, 0, scratch, G);
        for (size_t b = 0; b < B; b++) {
            real *ab = a + b * G;
            const real *sb = scratch + b * G;
            size_t k = t * n + b * H;
            if (in->table)
                gru_row_forward_onehot(ab, in->bias,
                                       in->table + (size_t)in->ids[t * B + b] * G,
                                       sb, b_hn, hn + k, h + k, h + n + k, H);
            else
                gru_row_forward(ab, sb, b_hn, hn + k, h + k, h + n + k, H);
        }
    }
}

/* Gradients of one batch row at one step, from dh (of h_t): the input-side
 * (xr, xz, xn) and hidden-side (hr, hz, hnn) pre-activation gradients, and
 * the direct part of dh_{t-1}, scaled by carry, added into dprev. */
RNNLAB_KERNEL
static void gru_row_backward(real *restrict xr, real *restrict xz,
                             real *restrict xn, real *restrict hr,
                             real *restrict hz, real *restrict hnn,
                             real *restrict dprev, const real *restrict dh, const real *restrict r,
                             const real *restrict z, const real *restrict nn,
                             const real *restrict hn, const real *restrict h_prev,
                             real carry, size_t H)
{
    for (size_t j = 0; j < H; j++) {
        real rv = r[j], zv = z[j], nv = nn[j], g = dh[j];
        /* h' = (1 - z) * n + z * h */
        real dn = g * (1 - zv) * (1 - nv * nv);
        real dz = g * (h_prev[j] - nv) * zv * (1 - zv);
        /* n = tanh(W_in x + b_in + r * hn) */
        real dr = dn * hn[j] * rv * (1 - rv);
        xr[j] = hr[j] = dr;
        xz[j] = hz[j] = dz;
        xn[j] = dn;
        hnn[j] = dn * rv;
        dprev[j] += carry * g * zv;
    }
}

/* dgx (T, B, 3H) out: gradients of the input-side pre-activations
 * (r, z, n); dgh (T, B, 3H) out: of the hidden side (r, z, W_hn h + b_hn);
 * dH (T, B, H) in, also receives the recurrent gradient (scaled by xi[t]
 * when xi is given); dh0 (B, H) out. */
void gru_backward(real *dgx, real *dgh, real *dh0, real *dH, const real *gates,
                  const real *hn, const real *h,
                  const struct stepgemm_operand *Wp, const real *xi, size_t T,
                  size_t B, size_t H)
{
    size_t n = B * H, G = 3 * H;
    for (size_t t = T; t-- > 0;) {
        real *dprev = t > 0 ? dH + (t - 1) * n : dh0;
        real carry = xi ? xi[t] : 1;
        if (t == 0)
            memset(dh0, 0, n * sizeof *dh0);
        for (size_t b = 0; b < B; b++) {
            const real *a = gates + t * B * G + b * G;
            real *dx = dgx + t * B * G + b * G, *dhh = dgh + t * B * G + b * G;
            size_t k = t * n + b * H;
            gru_row_backward(dx, dx + H, dx + 2 * H, dhh, dhh + H, dhh + 2 * H,
                             dprev + b * H, dH + k, a, a + H, a + 2 * H,
                             hn + k, h + k, carry, H);
        }
        stepgemm_apply(Wp, B, H, G, carry, dgh + t * B * G, G, 1, dprev, H);
    }
}
