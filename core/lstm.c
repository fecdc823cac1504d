/* lstm: the recurrence of torch.nn.LSTM, gates in PyTorch's order i, f, g, o:
 *   i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)
 *   f = sigmoid(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)
 *   o = sigmoid(W_io x + b_io + W_ho h + b_ho)
 *   c' = f * c + i * g,   h' = o * tanh(c')
 * The caller has put the input projections plus both biases into gates. */
#include "cell.h"
#include "stepgemm.h"

/* Gate math of one batch row at one step, in place: pre-activations in,
 * activations out; the new cell state, its tanh and h out. */
RNNLAB_KERNEL
static void lstm_row_forward(real *restrict i, real *restrict f,
                             real *restrict g, real *restrict o,
                             const real *restrict c_prev, real *restrict c,
                             real *restrict tc, real *restrict h, size_t H)
{
    for (size_t j = 0; j < H; j++) {
        real iv = r_sigmoid(i[j]), fv = r_sigmoid(f[j]);
        real gv = r_tanh(g[j]), ov = r_sigmoid(o[j]);
        i[j] = iv;
        f[j] = fv;
        g[j] = gv;
        o[j] = ov;
        real cv = fv * c_prev[j] + iv * gv; /* c' = f * c + i * g */
        real tv = r_tanh(cv);
        c[j] = cv;
        tc[j] = tv;
        h[j] = ov * tv;                     /* h' = o * tanh(c') */
    }
}

/* h, c (T+1, B, H): [0] given; gates (T, B, 4H): pre-activations in,
 * activated i, f, g, o out; tc (T, B, H): tanh(c_t) out. */
void lstm_forward(real *h, real *c, real *gates, real *tc,
                  const struct gate_input *in,
                  const struct stepgemm_operand *Wp, size_t T, size_t B,
                  size_t H)
{
    size_t n = B * H, G = 4 * H;
    for (size_t t = 0; t < T; t++) {
        real *a = gates + t * B * G;
        gate_step_product(in, Wp, h + t * n, a, t, B, H, G);
        for (size_t b = 0; b < B; b++) {
            real *ai = a + b * G;
            size_t k = t * n + b * H;
            lstm_row_forward(ai, ai + H, ai + 2 * H, ai + 3 * H, c + k, c + n + k,
                             tc + k, h + n + k, H);
        }
    }
}

/* Gradients of one batch row at one step: from dh (of h_t) and dc (of c_t,
 * running: in from step t+1, out for step t-1) to the four pre-activations. */
RNNLAB_KERNEL
static void lstm_row_backward(real *restrict di, real *restrict df,
                              real *restrict dg, real *restrict d_o,
                              real *restrict dc, const real *restrict dh,
                              const real *restrict i, const real *restrict f,
                              const real *restrict g, const real *restrict o,
                              const real *restrict c_prev,
                              const real *restrict tc, size_t H)
{
    for (size_t j = 0; j < H; j++) {
        real tv = tc[j];
        /* h' = o * tanh(c') */
        real dcv = dc[j] + dh[j] * o[j] * (1 - tv * tv);
        d_o[j] = dh[j] * tv * o[j] * (1 - o[j]);
        /* c' = f * c + i * g */
        di[j] = dcv * g[j] * i[j] * (1 - i[j]);
        df[j] = dcv * c_prev[j] * f[j] * (1 - f[j]);
        dg[j] = dcv * i[j] * (1 - g[j] * g[j]);
        dc[j] = dcv * f[j];
    }
}

/* dgates (T, B, 4H) out: gradients of the pre-activations; dH (T, B, H) in,
 * also receives the recurrent gradient (scaled by xi[t] when xi is given);
 * dh0, dc0 (B, H) out. dc0 doubles as the running gradient of c_t. */
void lstm_backward(real *dgates, real *dh0, real *dc0, real *dH,
                   const real *gates, const real *c, const real *tc,
                   const struct stepgemm_operand *Wp, const real *xi, size_t T,
                   size_t B, size_t H)
{
    size_t n = B * H, G = 4 * H;
    for (size_t i = 0; i < n; i++)
        dc0[i] = 0; /* truncated BPTT: nothing flows back from c_T */
    for (size_t t = T; t-- > 0;) {
        real *d = dgates + t * B * G;
        for (size_t b = 0; b < B; b++) {
            const real *a = gates + t * B * G + b * G;
            real *db = d + b * G;
            size_t k = t * n + b * H;
            lstm_row_backward(db, db + H, db + 2 * H, db + 3 * H, dc0 + b * H,
                              dH + k, a, a + H, a + 2 * H, a + 3 * H, c + k,
                              tc + k, H);
        }
        /* the carry into step t-1, through h and through c (randomized
         * truncation scales both) */
        real carry = xi ? xi[t] : 1;
        if (carry != 1)
            for (size_t i = 0; i < n; i++)
                dc0[i] *= carry;
        /* gates = ... + h_{t-1} W_hh^T  =>  dh_{t-1} += dgates W_hh */
        if (t > 0)
            stepgemm_apply(Wp, B, H, G, carry, d, G, 1, dH + (t - 1) * n, H);
        else
            stepgemm_apply(Wp, B, H, G, carry, d, G, 0, dh0, H);
    }
}
