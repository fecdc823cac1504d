/* lstm: the recurrence of torch.nn.LSTM, gates in PyTorch's order i, f, g, o:
 *   i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)
 *   f = sigmoid(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)
 *   o = sigmoid(W_io x + b_io + W_ho h + b_ho)
 *   c' = f * c + i * g,   h' = o * tanh(c')
 * The caller has put the input projections plus both biases into gates. */
#include "cell.h"
#include "gemm.h"

/* h, c (T+1, B, H): [0] given; gates (T, B, 4H): pre-activations in,
 * activated i, f, g, o out; tc (T, B, H): tanh(c_t) out. */
void lstm_forward(real *h, real *c, real *gates, real *tc, const real *W_hh,
                  size_t T, size_t B, size_t H)
{
    size_t n = B * H, G = 4 * H;
    for (size_t t = 0; t < T; t++) {
        real *a = gates + t * B * G;
        gemm(GEMM_N, GEMM_T, B, G, H, 1, h + t * n, H, W_hh, H, 1, a, G);
        const real *cp = c + t * n;
        real *cn = c + (t + 1) * n, *hn = h + (t + 1) * n, *tcn = tc + t * n;
        for (size_t b = 0; b < B; b++) {
            real *ai = a + b * G, *af = ai + H, *ag = af + H, *ao = ag + H;
            for (size_t j = 0; j < H; j++) {
                real i = r_sigmoid(ai[j]), f = r_sigmoid(af[j]);
                real g = r_tanh(ag[j]), o = r_sigmoid(ao[j]);
                ai[j] = i; af[j] = f; ag[j] = g; ao[j] = o;
                real cv = f * cp[b * H + j] + i * g;
                real tv = r_tanh(cv);
                cn[b * H + j] = cv;
                tcn[b * H + j] = tv;
                hn[b * H + j] = o * tv;
            }
        }
    }
}

/* dgates (T, B, 4H) out: gradients of the pre-activations; dH (T, B, H) in,
 * also receives the recurrent gradient; dh0, dc0 (B, H) out. dc0 doubles
 * as the running gradient of c_t. */
void lstm_backward(real *dgates, real *dh0, real *dc0, real *dH,
                   const real *gates, const real *c, const real *tc,
                   const real *W_hh, size_t T, size_t B, size_t H)
{
    size_t n = B * H, G = 4 * H;
    for (size_t i = 0; i < n; i++)
        dc0[i] = 0; /* truncated BPTT: nothing flows back from c_T */
    for (size_t t = T; t-- > 0;) {
        const real *a = gates + t * B * G, *cp = c + t * n, *tct = tc + t * n;
        const real *dh = dH + t * n;
        real *d = dgates + t * B * G;
        for (size_t b = 0; b < B; b++) {
            const real *ai = a + b * G, *af = ai + H, *ag = af + H, *ao = ag + H;
            real *di = d + b * G, *df = di + H, *dg = df + H, *dout = dg + H;
            for (size_t j = 0; j < H; j++) {
                size_t k = b * H + j;
                real i = ai[j], f = af[j], g = ag[j], o = ao[j], tv = tct[k];
                /* h' = o * tanh(c') */
                real dc = dc0[k] + dh[k] * o * (1 - tv * tv);
                real d_o = dh[k] * tv;
                /* c' = f * c + i * g */
                di[j] = dc * g * i * (1 - i);
                df[j] = dc * cp[k] * f * (1 - f);
                dg[j] = dc * i * (1 - g * g);
                dout[j] = d_o * o * (1 - o);
                dc0[k] = dc * f;
            }
        }
        /* gates = ... + h_{t-1} W_hh^T  =>  dh_{t-1} += dgates W_hh */
        if (t > 0)
            gemm(GEMM_N, GEMM_N, B, H, G, 1, d, G, W_hh, H, 1, dH + (t - 1) * n, H);
        else
            gemm(GEMM_N, GEMM_N, B, H, G, 1, d, G, W_hh, H, 0, dh0, H);
    }
}
