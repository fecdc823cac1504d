/* gru: the recurrence of torch.nn.GRU, gates in PyTorch's order r, z, n:
 *   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
 *   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 *   h' = (1 - z) * n + z * h
 * The caller has put W_i x + b_i, plus b_hr and b_hz (but not b_hn, which
 * r scales), into gates. */
#include "cell.h"
#include "gemm.h"

/* h (T+1, B, H): h[0] given; gates (T, B, 3H): projected input in, r, z, n
 * out; hn (T, B, H): W_hn h + b_hn out; scratch (B, 3H). */
void gru_forward(real *h, real *gates, real *hn, real *scratch,
                 const real *W_hh, const real *b_hn, size_t T, size_t B,
                 size_t H)
{
    size_t n = B * H, G = 3 * H;
    for (size_t t = 0; t < T; t++) {
        const real *hp = h + t * n;
        real *a = gates + t * B * G, *ht = h + (t + 1) * n, *hnt = hn + t * n;
        gemm(GEMM_N, GEMM_T, B, G, H, 1, hp, H, W_hh, H, 0, scratch, G);
        for (size_t b = 0; b < B; b++) {
            real *ar = a + b * G, *az = ar + H, *an = az + H;
            const real *sr = scratch + b * G, *sz = sr + H, *sn = sz + H;
            for (size_t j = 0; j < H; j++) {
                size_t k = b * H + j;
                real r = r_sigmoid(ar[j] + sr[j]);
                real z = r_sigmoid(az[j] + sz[j]);
                real hnv = sn[j] + b_hn[j];
                real nv = r_tanh(an[j] + r * hnv);
                ar[j] = r; az[j] = z; an[j] = nv;
                hnt[k] = hnv;
                ht[k] = (1 - z) * nv + z * hp[k];
            }
        }
    }
}

/* dgx (T, B, 3H) out: gradients of the input-side pre-activations
 * (r, z, n); dgh (T, B, 3H) out: of the hidden side (r, z, W_hn h + b_hn);
 * dH (T, B, H) in, also receives the recurrent gradient; dh0 (B, H) out. */
void gru_backward(real *dgx, real *dgh, real *dh0, real *dH, const real *gates,
                  const real *hn, const real *h, const real *W_hh, size_t T,
                  size_t B, size_t H)
{
    size_t n = B * H, G = 3 * H;
    for (size_t t = T; t-- > 0;) {
        const real *a = gates + t * B * G, *hnt = hn + t * n, *hp = h + t * n;
        const real *dh = dH + t * n;
        real *dx = dgx + t * B * G, *dhh = dgh + t * B * G;
        real *dprev = t > 0 ? dH + (t - 1) * n : dh0;
        for (size_t b = 0; b < B; b++) {
            const real *ar = a + b * G, *az = ar + H, *an = az + H;
            real *xr = dx + b * G, *xz = xr + H, *xn = xz + H;
            real *hr = dhh + b * G, *hz = hr + H, *hnn = hz + H;
            for (size_t j = 0; j < H; j++) {
                size_t k = b * H + j;
                real r = ar[j], z = az[j], nv = an[j], g = dh[k];
                /* h' = (1 - z) * n + z * h */
                real dn = g * (1 - z) * (1 - nv * nv);
                real dz = g * (hp[k] - nv) * z * (1 - z);
                /* n = tanh(W_in x + b_in + r * hn) */
                real dr = dn * hnt[k] * r * (1 - r);
                xr[j] = hr[j] = dr;
                xz[j] = hz[j] = dz;
                xn[j] = dn;
                hnn[j] = dn * r;
                dprev[k] = (t > 0 ? dprev[k] : 0) + g * z;
            }
        }
        gemm(GEMM_N, GEMM_N, B, H, G, 1, dhh, G, W_hh, H, 1, dprev, H);
    }
}
