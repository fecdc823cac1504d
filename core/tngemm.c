/* tngemm: see tngemm.h. */
#include "tngemm.h"

#include "gemm.h"

#if !defined(RNNLAB_DOUBLE) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TNGEMM_AVX512 1
#endif

enum {
    TILE_ROWS = 6,   /* rows of C per tile */
    TILE_VECS = 4,   /* 16-column registers per tile row: 64 columns */
    BLOCK_ROWS = 24, /* rows of C per block, B's panel reused across them */
};

/* The same sums in plain C: one chain over k per element, then C + it. */
static void kernel_c(size_t M, size_t N, size_t K, const real *A, size_t lda,
                     const real *B, size_t ldb, real *C, size_t ldc)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            real acc = 0;
            for (size_t k = 0; k < K; k++)
                acc += A[k * lda + i] * B[k * ldb + j];
            C[i * ldc + j] += acc;
        }
}

#ifdef TNGEMM_AVX512
/* C's R rows by V registers of columns (the last masked by `last`) +=
 * A^T B over all K. While it runs, the same rows of the next block of A
 * (BLOCK_ROWS further on, another page at every k) are prefetched, and
 * this tile's rows of C, which it reads only at the end. */
#define TILE(R, V)                                                              \
    __attribute__((target("avx512f"))) static void tile_##R##x##V(              \
        size_t K, const float *a, size_t lda, const float *b, size_t ldb,       \
        float *c, size_t ldc, __mmask16 last)                                   \
    {                                                                           \
        __m512 acc[R][V];                                                       \
        _Pragma("GCC unroll 6") for (int i = 0; i < R; i++)                     \
            _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) {               \
                acc[i][v] = _mm512_setzero_ps();                                \
                _mm_prefetch((const char *)(c + i * ldc + 16 * v), _MM_HINT_T0); \
            }                                                                   \
        for (size_t k = 0; k < K; k++) {                                        \
            const float *bk = b + k * ldb;                                      \
            _mm_prefetch((const char *)(a + k * lda + BLOCK_ROWS), _MM_HINT_T0); \
            __m512 w[V];                                                        \
            _Pragma("GCC unroll 4") for (int v = 0; v < V; v++)                 \
                w[v] = v + 1 < V ? _mm512_loadu_ps(bk + 16 * v)                 \
                                 : _mm512_maskz_loadu_ps(last, bk + 16 * v);    \
            _Pragma("GCC unroll 6") for (int i = 0; i < R; i++) {               \
                __m512 x = _mm512_set1_ps(a[k * lda + i]);                      \
                _Pragma("GCC unroll 4") for (int v = 0; v < V; v++)             \
                    acc[i][v] = _mm512_fmadd_ps(x, w[v], acc[i][v]);            \
            }                                                                   \
        }                                                                       \
        _Pragma("GCC unroll 6") for (int i = 0; i < R; i++)                     \
            _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) {               \
                __mmask16 m = v + 1 < V ? (__mmask16)0xffff : last;             \
                float *p = c + i * ldc + 16 * v;                                \
                _mm512_mask_storeu_ps(                                          \
                    p, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, p), acc[i][v])); \
            }                                                                   \
    }
#define TILES_OF(V) TILE(1, V) TILE(2, V) TILE(3, V) TILE(4, V) TILE(5, V) TILE(6, V)
TILES_OF(1)
TILES_OF(2)
TILES_OF(3)
TILES_OF(4)

typedef void tile_fn(size_t, const float *, size_t, const float *, size_t,
                     float *, size_t, __mmask16);
#define ROW_OF(V) {tile_1x##V, tile_2x##V, tile_3x##V, tile_4x##V, tile_5x##V, tile_6x##V}
static tile_fn *const tiles[TILE_VECS][TILE_ROWS] = {ROW_OF(1), ROW_OF(2),
                                                      ROW_OF(3), ROW_OF(4)};

static void kernel_avx512(size_t M, size_t N, size_t K, const float *A,
                          size_t lda, const float *B, size_t ldb, float *C,
                          size_t ldc)
{
    for (size_t i0 = 0; i0 < M; i0 += BLOCK_ROWS) {
        size_t i1 = i0 + BLOCK_ROWS < M ? i0 + BLOCK_ROWS : M;
        for (size_t j = 0; j < N; j += 16 * TILE_VECS) {
            size_t width = N - j < 16 * TILE_VECS ? N - j : 16 * TILE_VECS;
            size_t vecs = (width + 15) / 16, tail = width - 16 * (vecs - 1);
            __mmask16 last = (__mmask16)(tail == 16 ? 0xffff : (1u << tail) - 1);
            for (size_t i = i0; i < i1; i += TILE_ROWS) {
                size_t rows = i1 - i < TILE_ROWS ? i1 - i : TILE_ROWS;
                tiles[vecs - 1][rows - 1](K, A + i, lda, B + j, ldb,
                                          C + i * ldc + j, ldc, last);
            }
        }
    }
}
#endif

int tngemm_kernel_serves(void)
{
#ifdef TNGEMM_AVX512
    return !!__builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

void tngemm_kernel(size_t M, size_t N, size_t K, const real *A, size_t lda,
                     const real *B, size_t ldb, real *C, size_t ldc)
{
#ifdef TNGEMM_AVX512
    if (tngemm_kernel_serves()) {
        kernel_avx512(M, N, K, A, lda, B, ldb, C, ldc);
        return;
    }
#endif
    kernel_c(M, N, K, A, lda, B, ldb, C, ldc);
}

void tngemm(size_t M, size_t N, size_t K, const real *A, size_t lda,
              const real *B, size_t ldb, real *C, size_t ldc)
{
    if (tngemm_kernel_serves())
        tngemm_kernel(M, N, K, A, lda, B, ldb, C, ldc);
    else
        gemm(GEMM_T, GEMM_N, M, N, K, 1, A, lda, B, ldb, 1, C, ldc);
}
