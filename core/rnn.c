/* rnn: the Elman recurrence of torch.nn.RNN (tanh or relu).
 *   h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
 * The caller has put x_t W_ih^T + b_ih + b_hh into pre[t]. */
#include "cell.h"
#include "stepgemm.h"

/* out = act(a) over n values. */
RNNLAB_KERNEL
static void rnn_activate(real *restrict out, const real *restrict a, size_t n,
                         int relu)
{
    if (relu)
        for (size_t i = 0; i < n; i++)
            out[i] = a[i] > 0 ? a[i] : 0;
    else
        for (size_t i = 0; i < n; i++)
            out[i] = r_tanh(a[i]);
}

/* da = dh * act'(a), written through the output: tanh' = 1 - h^2,
 * relu' = [h > 0]. */
RNNLAB_KERNEL
static void rnn_activate_backward(real *restrict da, const real *restrict dh,
                                  const real *restrict out, size_t n, int relu)
{
    if (relu)
        for (size_t i = 0; i < n; i++)
            da[i] = out[i] > 0 ? dh[i] : 0;
    else
        for (size_t i = 0; i < n; i++)
            da[i] = dh[i] * (1 - out[i] * out[i]);
}

/* h (T+1, B, H): h[0] given; pre (T, B, H): projected input, overwritten
 * with the full pre-activation. */
void rnn_forward(real *h, real *pre, const struct gate_input *in,
                 const struct stepgemm_operand *Wp, size_t T, size_t B,
                 size_t H, int relu)
{
    size_t n = B * H;
    for (size_t t = 0; t < T; t++) {
        real *a = pre + t * n, *out = h + (t + 1) * n;
        gate_step_product(in, Wp, h + t * n, a, t, B, H, H);
        rnn_activate(out, a, n, relu);
    }
}

/* dpre (T, B, H) out; dH (T, B, H) in, gradient of each h_t, also receives
 * the recurrent gradient (scaled by xi[t] when xi is given); dh0 (B, H)
 * out. */
void rnn_backward(real *dpre, real *dh0, real *dH, const real *h,
                  const struct stepgemm_operand *Wp, const real *xi, size_t T,
                  size_t B, size_t H, int relu)
{
    size_t n = B * H;
    for (size_t t = T; t-- > 0;) {
        const real *out = h + (t + 1) * n, *dh = dH + t * n;
        real *da = dpre + t * n;
        real carry = xi ? xi[t] : 1;
        rnn_activate_backward(da, dh, out, n, relu); /* h_t = act(a) */
        /* a = ... + h_{t-1} W_hh^T  =>  dh_{t-1} += da W_hh */
        if (t > 0)
            stepgemm_apply(Wp, B, H, H, carry, da, H, 1, dH + (t - 1) * n, H);
        else
            stepgemm_apply(Wp, B, H, H, carry, da, H, 0, dh0, H);
    }
}
