/* real: the floating-point type of parameters, activations and gradients,
 * and the elementwise functions the cells and the loss apply to it.
 *
 * float (float32, the SPEC's storage type) in every normal build; double
 * when compiled with -DRNNLAB_DOUBLE, which only the gradient-check test
 * build does, so finite differences can be checked tightly (that build keeps
 * libm's exp and tanh).
 *
 * The float versions are branch-free and call nothing but fmaf, so a loop
 * over them vectorises (libm's expf/tanhf are opaque calls and stop it):
 * exp by range reduction x = n ln2 + r with a degree-7 polynomial for e^r
 * and 2^n built in the exponent bits (relative error under 2e-7 over
 * [-87, 88]); tanh by
 * its odd Taylor series for |x| < 0.3 and 1 - 2 / (e^(2x) + 1) above
 * (absolute error under 2e-7); sigmoid as 1 / (1 + e^-x). NaN stays NaN, so
 * divergence is still detected. Tested against libm in tests/test_real.c.
 * Each polynomial step is one fmaf: rounded once, so every variant of a
 * kernel (RNNLAB_KERNEL) gives the same bits, the AVX2 and AVX-512 ones
 * with an FMA instruction, the baseline one through libm's fmaf (exact,
 * slow: only a CPU without FMA runs it); in place of a multiply and an add
 * (-ffp-contract=off keeps those apart) it cut LSTM's gate pass by a
 * quarter: (b) LSTM +1.9% at one thread.
 */
#ifndef RNNLAB_REAL_H
#define RNNLAB_REAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define RNNLAB_INLINE static inline __attribute__((always_inline))
#else
#define RNNLAB_INLINE static inline
#endif

#ifdef RNNLAB_DOUBLE
typedef double real;
static inline real r_exp(real x) { return exp(x); }
static inline real r_tanh(real x) { return tanh(x); }
#else
typedef float real;

/* always inlined: into a kernel built for AVX-512 or AVX2 (RNNLAB_KERNEL)
 * its fmaf becomes one instruction; a call left out of line would be the
 * baseline build's, with fmaf a library call (RNN 512 ran at 40%) */
RNNLAB_INLINE float r_exp(float x)
{
    /* NaN is put aside (converting it to an integer below would be
     * undefined) and returned at the end; the rest is clamped */
    float nan = x;
    x = x == x ? x : 0.0f;
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    /* n = round(x / ln 2) by the 1.5 * 2^23 trick: exact in IEEE arithmetic */
    float t = fmaf(x, 1.44269504088896341f, 12582912.0f);
    float n = t - 12582912.0f;
    /* r = x - n ln2, with ln2 split in two for accuracy (Cody-Waite) */
    float r = fmaf(n, -0.693359375f, x);
    r = fmaf(n, 2.12194440e-4f, r);
    /* e^r on [-ln2/2, ln2/2]: Taylor to r^7 (truncation < 1e-8 relative) */
    float p = 1.0f / 5040.0f;
    p = fmaf(p, r, 1.0f / 720.0f);
    p = fmaf(p, r, 1.0f / 120.0f);
    p = fmaf(p, r, 1.0f / 24.0f);
    p = fmaf(p, r, 1.0f / 6.0f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    /* times 2^n: add n to the exponent field */
    uint32_t bits;
    memcpy(&bits, &p, sizeof bits);
    bits += (uint32_t)(int32_t)n << 23; /* |n| <= 127: no overflow */
    memcpy(&p, &bits, sizeof p);
    return nan == nan ? p : nan;
}

RNNLAB_INLINE float r_tanh(float x)
{
    float a = x < 0 ? -x : x;
    /* small |x|: x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 - 1382x^11/155925 */
    float z = x * x;
    float s = -1382.0f / 155925.0f;
    s = fmaf(s, z, 62.0f / 2835.0f);
    s = fmaf(s, z, -17.0f / 315.0f);
    s = fmaf(s, z, 2.0f / 15.0f);
    s = fmaf(s, z, -1.0f / 3.0f);
    s = fmaf(x * z, s, x);
    /* large |x|: 1 - 2 / (e^(2|x|) + 1), sign restored */
    float l = 1.0f - 2.0f / (r_exp(2.0f * a) + 1.0f);
    l = x < 0 ? -l : l;
    return a < 0.3f ? s : l;
}
#endif

RNNLAB_INLINE real r_sigmoid(real x) { return (real)1 / ((real)1 + r_exp(-x)); }

/* RNNLAB_KERNEL marks a hot elementwise loop: GCC builds it for AVX-512,
 * AVX2 and baseline x86-64 and picks one when the program loads
 * (target_clones), so one binary is fast on a new CPU and still runs on an
 * old one (a cluster's login and compute nodes may differ). With
 * -ffp-contract=off every variant rounds the same, so results do not
 * depend on the CPU. Elsewhere it is empty. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(RNNLAB_DOUBLE)
#define RNNLAB_KERNEL \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RNNLAB_KERNEL
#endif

#endif
