/* stepgemm: see stepgemm.h. */
#include "stepgemm.h"

#include <string.h>

#include "gemm.h"
#include "transpose.h"

#if !defined(RNNLAB_DOUBLE) && defined(__x86_64__)
#include <immintrin.h>
#define STEPGEMM_AVX2 1
#endif
#ifndef RNNLAB_DOUBLE
#include <libxsmm.h>
#define STEPGEMM_XSMM 1
#endif

enum { P = STEPGEMM_PANEL, MAX_ROWS = 6 };

/* stepgemm_allow_avx512's switch: set by tests only, before any product */
static int allow_avx512 = 1;

/* Whether this build and CPU have AVX-512 (0 or 1). */
static int cpu_avx512(void)
{
#ifdef STEPGEMM_AVX2
    return !!__builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

/* Whether the AVX-512 paths serve: the CPU has it and no test holds it off. */
static inline int use_avx512(void)
{
    return allow_avx512 && cpu_avx512();
}

int stepgemm_allow_avx512(int allow)
{
    allow_avx512 = allow;
    return cpu_avx512();
}

size_t stepgemm_packed_size(size_t K, size_t N)
{
    return (N + P - 1) / P * P * K;
}

/* A panel's columns [0, width) of op(W) = W^T, element by element (W: the
 * panel's first row of W); the rest of the panel's width is zero. */
static void pack_columns(real *panel, size_t K, size_t width, const real *W,
                         size_t ldw)
{
    for (size_t j = 0; j < width; j++) {
        const real *w = W + j * ldw;
        for (size_t k = 0; k < K; k++)
            panel[k * P + j] = w[k];
    }
    for (size_t k = 0; k < K; k++)
        for (size_t j = width; j < P; j++)
            panel[k * P + j] = 0;
}

/* Every row of op(W) = W is a row of W: read W once, in order, each row
 * into all panels (a whole panel's row is one cache line), PACK_ROWS rows
 * at a time into each panel in turn: a row at a time, the writes went to
 * N / 16 panels K * 64 bytes apart, which fall into one set of the L1
 * cache (80 us for RNN 512's W_hh; 26 us this way). */
enum { PACK_ROWS = 8 };
static void pack_rows(real *packed, size_t K, size_t N, const real *W, size_t ldw)
{
    size_t full = N / P * P;
    for (size_t b = 0; b < K; b += PACK_ROWS) {
        size_t e = b + PACK_ROWS < K ? b + PACK_ROWS : K;
        for (size_t p = 0; p < full; p += P)
            for (size_t k = b; k < e; k++)
                memcpy(packed + p * K + k * P, W + k * ldw + p, P * sizeof *W);
        for (size_t k = b; full < N && k < e; k++) {
            real *row = packed + full * K + k * P;
            memcpy(row, W + k * ldw + full, (N - full) * sizeof *W);
            memset(row + (N - full), 0, (P - (N - full)) * sizeof *W);
        }
    }
}

/* A plain copy: whole panels of op(W) = W^T through transpose.h (in
 * register blocks), a last narrower one element by element. */
void stepgemm_pack(real *packed, int trans, size_t K, size_t N, const real *W,
                   size_t ldw)
{
    if (!trans) {
        pack_rows(packed, K, N, W, ldw);
        return;
    }
    for (size_t p = 0; p < N; p += P) {
        real *panel = packed + p * K;
        size_t width = N - p < P ? N - p : P;
        if (width == P)
            transpose(panel, P, W + p * ldw, ldw, P, K);
        else
            pack_columns(panel, K, width, W + p * ldw, ldw);
    }
}

/* tile (R x P) = A's rows (R x K) times one panel (K x P), plain C: the
 * fallback, and the double build's. */
static void tile_c(size_t R, size_t K, const real *a, size_t lda,
                   const real *panel, real *tile)
{
    for (size_t i = 0; i < R; i++) {
        real acc[P] = {0};
        for (size_t k = 0; k < K; k++) {
            real x = a[i * lda + k];
            for (size_t j = 0; j < P; j++)
                acc[j] += x * panel[k * P + j];
        }
        memcpy(tile + i * P, acc, sizeof acc);
    }
}

#ifdef STEPGEMM_AVX2
/* c = beta * c + alpha * acc for 8 columns (beta 0 or 1): the operations
 * store_row does, one rounding each, so the same bits (a product and a sum
 * apart, never contracted into an FMA). */
__attribute__((target("avx2,fma"))) static inline void
store8(float *c, __m256 acc, float alpha, float beta)
{
    if (alpha != 1)
        acc = _mm256_mul_ps(_mm256_set1_ps(alpha), acc);
    if (beta != 0)
        acc = _mm256_add_ps(_mm256_loadu_ps(c), acc);
    _mm256_storeu_ps(c, acc);
}

/* The tile of R rows by one whole panel in 2R registers of 8 (one FMA
 * chain per element, k in order: R changes no bit of a row), stored
 * straight into C's rows: a round trip through a tile in memory and a
 * scalar or rep-movs store cost 4% of (b) GRU's time. */
#define TILE_ROWS(R)                                                          \
    __attribute__((target("avx2,fma"))) static void tile_##R(                 \
        size_t K, const float *a, size_t lda, const float *panel, float *c,   \
        size_t ldc, float alpha, float beta)                                  \
    {                                                                         \
        __m256 lo[R], hi[R];                                                  \
        _Pragma("GCC unroll 6") for (int i = 0; i < R; i++)                   \
            lo[i] = hi[i] = _mm256_setzero_ps();                              \
        for (size_t k = 0; k < K; k++) {                                      \
            __m256 w0 = _mm256_loadu_ps(panel + k * P);                       \
            __m256 w1 = _mm256_loadu_ps(panel + k * P + 8);                   \
            _Pragma("GCC unroll 6") for (int i = 0; i < R; i++) {             \
                __m256 x = _mm256_broadcast_ss(a + (size_t)i * lda + k);      \
                lo[i] = _mm256_fmadd_ps(x, w0, lo[i]);                        \
                hi[i] = _mm256_fmadd_ps(x, w1, hi[i]);                        \
            }                                                                 \
        }                                                                     \
        _Pragma("GCC unroll 6") for (int i = 0; i < R; i++) {                 \
            store8(c + (size_t)i * ldc, lo[i], alpha, beta);                  \
            store8(c + (size_t)i * ldc + 8, hi[i], alpha, beta);              \
        }                                                                     \
    }
TILE_ROWS(1)
TILE_ROWS(2)
TILE_ROWS(3)
TILE_ROWS(4)
TILE_ROWS(5)
TILE_ROWS(6)

/* C's R rows by a whole panel (width P) += or = the tile. */
static void tile_avx2(size_t R, size_t K, const float *a, size_t lda,
                      const float *panel, float *c, size_t ldc, float alpha,
                      float beta)
{
    switch (R) {
    case 1: tile_1(K, a, lda, panel, c, ldc, alpha, beta); break;
    case 2: tile_2(K, a, lda, panel, c, ldc, alpha, beta); break;
    case 3: tile_3(K, a, lda, panel, c, ldc, alpha, beta); break;
    case 4: tile_4(K, a, lda, panel, c, ldc, alpha, beta); break;
    case 5: tile_5(K, a, lda, panel, c, ldc, alpha, beta); break;
    default: tile_6(K, a, lda, panel, c, ldc, alpha, beta); break;
    }
}

/* A row's start in place of C's (stepgemm_init): the folded bias plus the
 * input's gathered row, added as stepgemm_fill_init adds them, so the same
 * bits */
#define INIT_ROW(mask, ib, row)                                               \
    _mm512_add_ps(_mm512_maskz_loadu_ps(mask, ib),                            \
                  _mm512_maskz_loadu_ps(mask, row))

/* AVX-512: a panel row of 16 columns is one register, so a tile takes up
 * to 10 rows (10 accumulators, the panel row, and the broadcasts folded
 * into the FMAs) and reads each panel row twice for 16 rows, where the
 * AVX2 tiles of 6 rows read it three times and issue two loads and a
 * broadcast per 16 columns of a row. Each element is the same
 * FMA chain over k in order, so the bits are the AVX2 path's. The store
 * masks a last, narrower panel (whose padding columns are zero) and does
 * store8's operations, or adds the row's start (ib, ir: stepgemm_init)
 * in place of C's. */
#define TILE512_ROWS(R)                                                       \
    __attribute__((target("avx512f"))) static void tile512_##R(               \
        size_t K, const float *a, size_t lda, const float *panel, float *c,   \
        size_t ldc, float alpha, float beta, size_t width, const float *ib,   \
        const float *const *ir)                                               \
    {                                                                         \
        __m512 acc[R];                                                        \
        _Pragma("GCC unroll 10") for (int i = 0; i < R; i++)                  \
            acc[i] = _mm512_setzero_ps();                                     \
        for (size_t k = 0; k < K; k++) {                                      \
            __m512 w = _mm512_loadu_ps(panel + k * P);                        \
            _Pragma("GCC unroll 10") for (int i = 0; i < R; i++)              \
                acc[i] = _mm512_fmadd_ps(                                     \
                    _mm512_set1_ps(a[(size_t)i * lda + k]), w, acc[i]);       \
        }                                                                     \
        __mmask16 mask = (__mmask16)((1u << width) - 1);                      \
        _Pragma("GCC unroll 10") for (int i = 0; i < R; i++) {                \
            __m512 v = acc[i];                                                \
            if (alpha != 1)                                                   \
                v = _mm512_mul_ps(_mm512_set1_ps(alpha), v);                  \
            if (ib)                                                           \
                v = _mm512_add_ps(INIT_ROW(mask, ib, ir[i]), v);              \
            else if (beta != 0)                                               \
                v = _mm512_add_ps(                                            \
                    _mm512_maskz_loadu_ps(mask, c + (size_t)i * ldc), v);     \
            _mm512_mask_storeu_ps(c + (size_t)i * ldc, mask, v);              \
        }                                                                     \
    }
TILE512_ROWS(1)
TILE512_ROWS(2)
TILE512_ROWS(3)
TILE512_ROWS(4)
TILE512_ROWS(5)
TILE512_ROWS(6)
TILE512_ROWS(7)
TILE512_ROWS(8)
TILE512_ROWS(9)
TILE512_ROWS(10)

/* Two adjacent panels at once (32 columns): each broadcast of A feeds two
 * FMAs, so a k costs two panel loads and R broadcasts for 2R FMAs where
 * two single-panel tiles cost two and 2R; and 2R chains keep the FMA units
 * busy where R = 8 (16 rows as 8 + 8) gave 8, at their latency's edge. A
 * CPU with full-width AVX-512 units (AMD Zen 5: two 512-bit FMAs a cycle)
 * ran (b) LSTM's forward products at 160 GFLOP/s with single panels. The
 * second panel's store masks its width; the chains, and so the bits, are
 * the single tiles'. */
#define PAIR512_ROWS(R)                                                       \
    __attribute__((target("avx512f"))) static void pair512_##R(               \
        size_t K, const float *a, size_t lda, const float *panel, float *c,   \
        size_t ldc, float alpha, float beta, size_t width, const float *ib,   \
        const float *const *ir)                                               \
    {                                                                         \
        __m512 acc[R][2];                                                     \
        const float *next = panel + K * P;                                    \
        _Pragma("GCC unroll 10") for (int i = 0; i < R; i++)                  \
            acc[i][0] = acc[i][1] = _mm512_setzero_ps();                      \
        for (size_t k = 0; k < K; k++) {                                      \
            __m512 w0 = _mm512_loadu_ps(panel + k * P);                       \
            __m512 w1 = _mm512_loadu_ps(next + k * P);                        \
            _Pragma("GCC unroll 10") for (int i = 0; i < R; i++) {            \
                __m512 s = _mm512_set1_ps(a[(size_t)i * lda + k]);            \
                acc[i][0] = _mm512_fmadd_ps(s, w0, acc[i][0]);                \
                acc[i][1] = _mm512_fmadd_ps(s, w1, acc[i][1]);                \
            }                                                                 \
        }                                                                     \
        __mmask16 masks[2] = {0xffff, (__mmask16)((1u << width) - 1)};        \
        _Pragma("GCC unroll 10") for (int i = 0; i < R; i++)                  \
            _Pragma("GCC unroll 2") for (int h = 0; h < 2; h++) {             \
                __m512 v = acc[i][h];                                         \
                float *row = c + (size_t)i * ldc + h * P;                     \
                if (alpha != 1)                                               \
                    v = _mm512_mul_ps(_mm512_set1_ps(alpha), v);              \
                if (ib)                                                       \
                    v = _mm512_add_ps(                                        \
                        INIT_ROW(masks[h], ib + h * P, ir[i] + h * P), v);    \
                else if (beta != 0)                                           \
                    v = _mm512_add_ps(_mm512_maskz_loadu_ps(masks[h], row), v); \
                _mm512_mask_storeu_ps(row, masks[h], v);                      \
            }                                                                 \
    }
PAIR512_ROWS(1)
PAIR512_ROWS(2)
PAIR512_ROWS(3)
PAIR512_ROWS(4)
PAIR512_ROWS(5)
PAIR512_ROWS(6)
PAIR512_ROWS(7)
PAIR512_ROWS(8)
PAIR512_ROWS(9)
PAIR512_ROWS(10)

enum { MAX_ROWS_512 = 10 };
typedef void tile512_fn(size_t, const float *, size_t, const float *, float *,
                        size_t, float, float, size_t, const float *,
                        const float *const *);
static tile512_fn *const tile512[MAX_ROWS_512 + 1] = {
    NULL,      tile512_1, tile512_2, tile512_3, tile512_4, tile512_5,
    tile512_6, tile512_7, tile512_8, tile512_9, tile512_10};
static tile512_fn *const pair512[MAX_ROWS_512 + 1] = {
    NULL,      pair512_1, pair512_2, pair512_3, pair512_4, pair512_5,
    pair512_6, pair512_7, pair512_8, pair512_9, pair512_10};

/* Rows of the next AVX-512 tile: up to 10 in one (PTB's 10 rows: 108
 * GFLOP/s, 88 as 8 + 2), more in equal tiles (16 as 8 + 8: 108-115; as one
 * tile of 16, or 12 + 4, the rows of A, K floats apart, fall into the same
 * L1 sets at K = 1024 and LSTM 256's backward ran at 48 and 88). */
static size_t tile512_rows(size_t left)
{
    size_t tiles = (left + MAX_ROWS_512 - 1) / MAX_ROWS_512;
    return (left + tiles - 1) / tiles;
}
#endif

/* Rows per tile: sixes, but 8 as two fours (a four keeps 8 chains busy,
 * a two only 4). Balancing 16 as 6 + 5 + 5 measured no faster. */
static size_t tile_rows(size_t left)
{
    if (left == 8)
        return 4;
    return left < MAX_ROWS ? left : MAX_ROWS;
}

/* c = beta * c + alpha * t over one tile row (beta 0 or 1). */
static void store_row(real *restrict c, const real *restrict t, size_t width,
                      real alpha, real beta)
{
    if (beta == 0 && alpha == 1)
        memcpy(c, t, width * sizeof *c);
    else if (beta == 0)
        for (size_t j = 0; j < width; j++)
            c[j] = alpha * t[j];
    else if (alpha == 1)
        for (size_t j = 0; j < width; j++)
            c[j] += t[j];
    else
        for (size_t j = 0; j < width; j++)
            c[j] += alpha * t[j];
}

RNNLAB_KERNEL
void stepgemm_fill_init(const struct stepgemm_init *init, size_t M, size_t N,
                        real *C, size_t ldc)
{
    for (size_t i = 0; i < M; i++) {
        real *restrict c = C + i * ldc;
        const real *restrict w = init->table + (size_t)init->ids[i] * init->ld;
        const real *restrict bias = init->bias;
        for (size_t j = 0; j < N; j++)
            c[j] = bias[j] + w[j];
    }
}

/* stepgemm, or with init C = init + A op(W): init only where use_avx512
 * (stepgemm_apply_init), whose tiles alone add it */
static void stepgemm_rows(size_t M, size_t N, size_t K, real alpha,
                          const real *A, size_t lda, const real *packed,
                          real beta, const struct stepgemm_init *init, real *C,
                          size_t ldc)
{
#ifdef STEPGEMM_AVX2
    int avx512 = use_avx512();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    (void)init;
#endif
    real tile[MAX_ROWS * P];
    for (size_t p = 0, step; p < N; p += step) {
        const real *panel = packed + p * K;
        size_t width = N - p < P ? N - p : P;
        /* two panels at once where two are left: the second's width */
        size_t pair = 0;
#ifdef STEPGEMM_AVX2
        if (avx512 && N - p > P)
            pair = N - p - P < P ? N - p - P : P;
#endif
        step = pair ? 2 * P : P;
        for (size_t r = 0, R; r < M; r += R) {
#ifdef STEPGEMM_AVX2
            R = avx512 ? tile512_rows(M - r) : tile_rows(M - r);
#else
            R = tile_rows(M - r);
#endif
            /* C's rows may be far from cache (a dense input's gates were
             * written for all T steps at once): ask for them before the k
             * loop */
            if (beta != 0 || init)
                for (size_t i = 0; i < R; i++) {
                    __builtin_prefetch(C + (r + i) * ldc + p);
                    __builtin_prefetch(C + (r + i) * ldc + p + width - 1);
                    if (pair)
                        __builtin_prefetch(C + (r + i) * ldc + p + P + pair - 1);
                }
#ifdef STEPGEMM_AVX2
            /* the tile's rows' starts: the bias and the gathered rows at
             * this panel's columns */
            const float *ib = NULL, *ir[MAX_ROWS_512];
            if (init) {
                ib = init->bias + p;
                for (size_t i = 0; i < R; i++)
                    ir[i] = init->table + (size_t)init->ids[r + i] * init->ld +
                            p;
            }
            if (pair) {
                pair512[R](K, A + r * lda, lda, panel, C + r * ldc + p, ldc,
                           alpha, beta, pair, ib, ir);
                continue;
            }
            if (avx512) { /* any width: its store masks a narrower panel */
                tile512[R](K, A + r * lda, lda, panel, C + r * ldc + p, ldc,
                           alpha, beta, width, ib, ir);
                continue;
            }
            if (avx2 && width == P) {
                tile_avx2(R, K, A + r * lda, lda, panel, C + r * ldc + p, ldc,
                          alpha, beta);
                continue;
            }
            /* a last, narrower panel: the whole tile into memory, and only
             * its width of it into C */
            if (avx2)
                tile_avx2(R, K, A + r * lda, lda, panel, tile, P, 1, 0);
            else
#endif
                tile_c(R, K, A + r * lda, lda, panel, tile);
            for (size_t i = 0; i < R; i++)
                store_row(C + (r + i) * ldc + p, tile + i * P, width, alpha, beta);
        }
    }
}

void stepgemm(size_t M, size_t N, size_t K, real alpha, const real *A,
              size_t lda, const real *packed, real beta, real *C, size_t ldc)
{
    stepgemm_rows(M, N, K, alpha, A, lda, packed, beta, NULL, C, ldc);
}

int stepgemm_takes(size_t M, int trans, size_t K, size_t N)
{
    if (M > GEMM_SMALL_ROWS)
        return 0;
    if (trans)
        return N >= (use_avx512() ? STEPGEMM_MIN_N_T_512 : STEPGEMM_MIN_N_T);
    return N * K >= STEPGEMM_MIN_NK && !stepgemm_xsmm_takes(M, trans, K, N);
}

int stepgemm_xsmm_takes(size_t M, int trans, size_t K, size_t N)
{
#ifdef STEPGEMM_XSMM
    size_t min_nk = use_avx512() ? STEPGEMM_XSMM_MIN_NK_512 : STEPGEMM_XSMM_MIN_NK;
    if (M > GEMM_SMALL_ROWS || trans || N * K < min_nk)
        return 0;
    /* AVX-512: the backward products below STEPGEMM_MIN_NK_512 (RNN 256's,
     * GRU 256's, PTB's LSTM 200's: 2-6% ahead of stepgemm's paired
     * panels on a Zen 5, 39-90% ahead of OpenBLAS), stepgemm's above (RNN
     * 512's and LSTM 256's: 10-11% ahead of libxsmm); AVX2: RNN 256's only
     * (ahead of stepgemm below STEPGEMM_MIN_NK, behind it above) */
    return N * K < (use_avx512() ? STEPGEMM_MIN_NK_512 : STEPGEMM_MIN_NK);
#else
    (void)M, (void)trans, (void)K, (void)N;
    return 0;
#endif
}

#ifdef STEPGEMM_XSMM
/* libxsmm's kernel for C (M x N) = beta * C + A (M x K) W (K x N), all
 * dense row-major; libxsmm is column-major, so it computes C^T = W^T A^T:
 * its m, n are our N, M. Dispatch JIT-compiles once per shape and process
 * (a warm-up step's work) and is a lookup after that. */
static void (*xsmm_kernel(size_t M, size_t K, size_t N, float beta))(void)
{
    libxsmm_blasint m = (libxsmm_blasint)N, n = (libxsmm_blasint)M,
                    k = (libxsmm_blasint)K;
    float one = 1;
    libxsmm_smmfunction f =
        libxsmm_smmdispatch(m, n, k, &m, &k, &m, &one, &beta, NULL, NULL);
    return (void (*)(void))f;
}
#endif

int stepgemm_xsmm_add(size_t M, size_t N, size_t K, const real *A,
                      const real *W, real *C)
{
#ifdef STEPGEMM_XSMM
    libxsmm_smmfunction f = (libxsmm_smmfunction)xsmm_kernel(M, K, N, 1);
    if (f) {
        f(W, A, C);
        return 1;
    }
#else
    (void)M, (void)N, (void)K, (void)A, (void)W, (void)C;
#endif
    return 0;
}

void stepgemm_prepare(struct stepgemm_operand *op, real *space, size_t M,
                      int trans, size_t K, size_t N, const real *W,
                      size_t ldw)
{
    op->W = W;
    op->ldw = ldw;
    op->trans = trans;
    op->packed = NULL;
    op->xsmm[0] = op->xsmm[1] = NULL;
    op->M = M;
    if (stepgemm_takes(M, trans, K, N)) {
        stepgemm_pack(space, trans, K, N, W, ldw);
        op->packed = space;
    }
#ifdef STEPGEMM_XSMM
    else if (ldw == N && stepgemm_xsmm_takes(M, trans, K, N)) {
        op->xsmm[0] = xsmm_kernel(M, K, N, 0);
        op->xsmm[1] = xsmm_kernel(M, K, N, 1);
    }
#endif
}

void stepgemm_apply_init(const struct stepgemm_operand *op, size_t M,
                         size_t N, size_t K, const real *A, size_t lda,
                         const struct stepgemm_init *init, real *C, size_t ldc)
{
    if (op->packed && use_avx512()) {
        stepgemm_rows(M, N, K, 1, A, lda, op->packed, 1, init, C, ldc);
        return;
    }
    stepgemm_fill_init(init, M, N, C, ldc);
    stepgemm_apply(op, M, N, K, 1, A, lda, 1, C, ldc);
}

void stepgemm_apply(const struct stepgemm_operand *op, size_t M, size_t N,
                    size_t K, real alpha, const real *A, size_t lda, real beta,
                    real *C, size_t ldc)
{
    if (op->packed) {
        stepgemm(M, N, K, alpha, A, lda, op->packed, beta, C, ldc);
        return;
    }
#ifdef STEPGEMM_XSMM
    /* libxsmm's kernels take alpha 1 and dense rows; randomized truncation's
     * other alphas go to the BLAS */
    void (*f)(void) = op->xsmm[beta != 0];
    if (f && alpha == 1 && M == op->M && lda == K && ldc == N) {
        ((libxsmm_smmfunction)f)(op->W, A, C);
        return;
    }
#endif
    gemm(GEMM_N, op->trans ? GEMM_T : GEMM_N, M, N, K, alpha, A, lda,
         op->W, op->ldw, beta, C, ldc);
}
