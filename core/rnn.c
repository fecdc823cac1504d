/* rnn: the Elman recurrence of torch.nn.RNN (tanh or relu).
 *   h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
 * The caller has put x_t W_ih^T + b_ih + b_hh into pre[t]. */
#include "cell.h"
#include "gemm.h"

/* h (T+1, B, H): h[0] given; pre (T, B, H): projected input, overwritten
 * with the full pre-activation. */
void rnn_forward(real *h, real *pre, const real *W_hh, size_t T, size_t B,
                 size_t H, int relu)
{
    size_t n = B * H;
    for (size_t t = 0; t < T; t++) {
        real *a = pre + t * n, *out = h + (t + 1) * n;
        gemm(GEMM_N, GEMM_T, B, H, H, 1, h + t * n, H, W_hh, H, 1, a, H);
        if (relu)
            for (size_t i = 0; i < n; i++)
                out[i] = a[i] > 0 ? a[i] : 0;
        else
            for (size_t i = 0; i < n; i++)
                out[i] = r_tanh(a[i]);
    }
}

/* dpre (T, B, H) out; dH (T, B, H) in, gradient of each h_t, also receives
 * the recurrent gradient; dh0 (B, H) out. */
void rnn_backward(real *dpre, real *dh0, real *dH, const real *h,
                  const real *W_hh, size_t T, size_t B, size_t H, int relu)
{
    size_t n = B * H;
    for (size_t t = T; t-- > 0;) {
        const real *out = h + (t + 1) * n, *dh = dH + t * n;
        real *da = dpre + t * n;
        /* h_t = act(a): tanh' = 1 - h^2, relu' = [h > 0] */
        if (relu)
            for (size_t i = 0; i < n; i++)
                da[i] = out[i] > 0 ? dh[i] : 0;
        else
            for (size_t i = 0; i < n; i++)
                da[i] = dh[i] * (1 - out[i] * out[i]);
        /* a = ... + h_{t-1} W_hh^T  =>  dh_{t-1} += da W_hh */
        if (t > 0)
            gemm(GEMM_N, GEMM_N, B, H, H, 1, da, H, W_hh, H, 1, dH + (t - 1) * n, H);
        else
            gemm(GEMM_N, GEMM_N, B, H, H, 1, da, H, W_hh, H, 0, dh0, H);
    }
}
