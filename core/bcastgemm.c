/* bcastgemm: see bcastgemm.h. */
#include "bcastgemm.h"

#include "gemm.h"

#if !defined(RNNLAB_DOUBLE) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define BCASTGEMM_AVX512 1
#endif

enum {
    TILE_ROWS = 6,   /* rows of C per tile */
    TILE_VECS = 4,   /* 16-column registers per tile row: 64 columns */
    BLOCK_ROWS = 24, /* rows of C per block, B's panel reused across them */
};

/* The length of K's chunks: K itself up to BCASTGEMM_KMAX, else the even
 * split into chunks of at most BCASTGEMM_KCHUNK. */
static size_t chunk_length(size_t K)
{
    if (K <= BCASTGEMM_KMAX)
        return K;
    size_t chunks = (K + BCASTGEMM_KCHUNK - 1) / BCASTGEMM_KCHUNK;
    return (K + chunks - 1) / chunks;
}

/* The same sums in plain C, chunk by chunk: one chain over the chunk's k
 * per element, from init_i in the first chunk (init given) or 0, then
 * stored (the first chunk with init) or added to C. op(A)'s entry (i, k)
 * lies at A[i * ai + k * ak]. */
static void kernel_c(size_t M, size_t N, size_t K, const real *init,
                     const real *A, size_t ai, size_t ak, const real *B,
                     size_t ldb, real *C, size_t ldc)
{
    size_t step = chunk_length(K);
    for (size_t k0 = 0; k0 < K; k0 += step) {
        size_t k1 = k0 + step < K ? k0 + step : K;
        int first = init && k0 == 0;
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++) {
                real acc = first ? init[i] : 0;
                for (size_t k = k0; k < k1; k++)
                    acc += A[i * ai + k * ak] * B[k * ldb + j];
                C[i * ldc + j] = first ? acc : C[i * ldc + j] + acc;
            }
    }
}

#ifdef BCASTGEMM_AVX512
/* C's R rows by V registers of columns (the last masked by `last`) = (add:
 * C +, else nothing) (init: init_i +, else nothing) op(A) B over K; op(A)'s
 * entry (i, k) at a[i * ai + k * ak]. With ak > 1 (A^T B: a row of A per k)
 * the same rows of the next block of A (BLOCK_ROWS further on, another
 * page at every k) are prefetched while it runs, and this tile's rows of C,
 * which it reads only at the end. */
#define TILE(R, V)                                                              \
    __attribute__((target("avx512f"))) static void tile_##R##x##V(              \
        size_t K, const float *a, size_t ai, size_t ak, const float *b,         \
        size_t ldb, float *c, size_t ldc, __mmask16 last, const float *init,    \
        int add)                                                                \
    {                                                                           \
        __m512 acc[R][V];                                                       \
        _Pragma("GCC unroll 6") for (int i = 0; i < R; i++)                     \
            _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) {               \
                acc[i][v] = init ? _mm512_set1_ps(init[i]) : _mm512_setzero_ps(); \
                if (add)                                                        \
                    _mm_prefetch((const char *)(c + i * ldc + 16 * v), _MM_HINT_T0); \
            }                                                                   \
        for (size_t k = 0; k < K; k++) {                                        \
            const float *bk = b + k * ldb;                                      \
            if (ak > 1)                                                         \
                _mm_prefetch((const char *)(a + k * ak + BLOCK_ROWS), _MM_HINT_T0); \
            __m512 w[V];                                                        \
            _Pragma("GCC unroll 4") for (int v = 0; v < V; v++)                 \
                w[v] = v + 1 < V ? _mm512_loadu_ps(bk + 16 * v)                 \
                                 : _mm512_maskz_loadu_ps(last, bk + 16 * v);    \
            _Pragma("GCC unroll 6") for (int i = 0; i < R; i++) {               \
                __m512 x = _mm512_set1_ps(a[i * ai + k * ak]);                  \
                _Pragma("GCC unroll 4") for (int v = 0; v < V; v++)             \
                    acc[i][v] = _mm512_fmadd_ps(x, w[v], acc[i][v]);            \
            }                                                                   \
        }                                                                       \
        _Pragma("GCC unroll 6") for (int i = 0; i < R; i++)                     \
            _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) {               \
                __mmask16 m = v + 1 < V ? (__mmask16)0xffff : last;             \
                float *p = c + i * ldc + 16 * v;                                \
                __m512 sum = add ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, p), acc[i][v]) \
                                 : acc[i][v];                                   \
                _mm512_mask_storeu_ps(p, m, sum);                               \
            }                                                                   \
    }
#define TILES_OF(V) TILE(1, V) TILE(2, V) TILE(3, V) TILE(4, V) TILE(5, V) TILE(6, V)
TILES_OF(1)
TILES_OF(2)
TILES_OF(3)
TILES_OF(4)

typedef void tile_fn(size_t, const float *, size_t, size_t, const float *,
                     size_t, float *, size_t, __mmask16, const float *, int);
#define ROW_OF(V) {tile_1x##V, tile_2x##V, tile_3x##V, tile_4x##V, tile_5x##V, tile_6x##V}
static tile_fn *const tiles[TILE_VECS][TILE_ROWS] = {ROW_OF(1), ROW_OF(2),
                                                      ROW_OF(3), ROW_OF(4)};

/* kernel_c's sums, chunk by chunk, through the tiles */
static void kernel_avx512(size_t M, size_t N, size_t K, const float *init,
                          const float *A, size_t ai, size_t ak, const float *B,
                          size_t ldb, float *C, size_t ldc)
{
    size_t step = chunk_length(K);
    for (size_t k0 = 0; k0 < K; k0 += step) {
        size_t kc = K - k0 < step ? K - k0 : step;
        const float *first_init = k0 == 0 ? init : NULL;
        int add = !(init && k0 == 0);
        for (size_t i0 = 0; i0 < M; i0 += BLOCK_ROWS) {
            size_t i1 = i0 + BLOCK_ROWS < M ? i0 + BLOCK_ROWS : M;
            for (size_t j = 0; j < N; j += 16 * TILE_VECS) {
                size_t width = N - j < 16 * TILE_VECS ? N - j : 16 * TILE_VECS;
                size_t vecs = (width + 15) / 16, tail = width - 16 * (vecs - 1);
                __mmask16 last = (__mmask16)(tail == 16 ? 0xffff : (1u << tail) - 1);
                for (size_t i = i0; i < i1; i += TILE_ROWS) {
                    size_t rows = i1 - i < TILE_ROWS ? i1 - i : TILE_ROWS;
                    tiles[vecs - 1][rows - 1](
                        kc, A + i * ai + k0 * ak, ai, ak, B + k0 * ldb + j, ldb,
                        C + i * ldc + j, ldc, last,
                        first_init ? first_init + i : NULL, add);
                }
            }
        }
    }
}
#endif

int bcastgemm_kernel_serves(void)
{
#ifdef BCASTGEMM_AVX512
    return !!__builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

/* op(A)'s entry (i, k) at A[i * ai + k * ak], through the AVX-512 kernel
 * where the CPU has it, else kernel_c */
static void kernel(size_t M, size_t N, size_t K, const real *init,
                   const real *A, size_t ai, size_t ak, const real *B,
                   size_t ldb, real *C, size_t ldc)
{
    if (K == 0) { /* no chunk: C is init, or as it was */
        for (size_t i = 0; init && i < M; i++)
            for (size_t j = 0; j < N; j++)
                C[i * ldc + j] = init[i];
        return;
    }
#ifdef BCASTGEMM_AVX512
    if (bcastgemm_kernel_serves()) {
        kernel_avx512(M, N, K, init, A, ai, ak, B, ldb, C, ldc);
        return;
    }
#endif
    kernel_c(M, N, K, init, A, ai, ak, B, ldb, C, ldc);
}

void tngemm_kernel(size_t M, size_t N, size_t K, const real *A, size_t lda,
                   const real *B, size_t ldb, real *C, size_t ldc)
{
    kernel(M, N, K, NULL, A, 1, lda, B, ldb, C, ldc);
}

void nngemm_kernel(size_t M, size_t N, size_t K, const real *init,
                   const real *A, size_t lda, const real *B, size_t ldb,
                   real *C, size_t ldc)
{
    kernel(M, N, K, init, A, lda, 1, B, ldb, C, ldc);
}

void tngemm(size_t M, size_t N, size_t K, const real *A, size_t lda,
            const real *B, size_t ldb, real *C, size_t ldc)
{
    if (bcastgemm_kernel_serves())
        tngemm_kernel(M, N, K, A, lda, B, ldb, C, ldc);
    else
        gemm(GEMM_T, GEMM_N, M, N, K, 1, A, lda, B, ldb, 1, C, ldc);
}

void nngemm(size_t M, size_t N, size_t K, const real *init, const real *A,
            size_t lda, const real *B, size_t ldb, real *C, size_t ldc)
{
    if (bcastgemm_kernel_serves()) {
        nngemm_kernel(M, N, K, init, A, lda, B, ldb, C, ldc);
        return;
    }
    if (init)
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                C[i * ldc + j] = init[i];
    gemm(GEMM_N, GEMM_N, M, N, K, 1, A, lda, B, ldb, 1, C, ldc);
}
