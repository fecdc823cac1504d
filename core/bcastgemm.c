/* bcastgemm: see bcastgemm.h. */
#include "bcastgemm.h"

#include "gemm.h"

#if !defined(RNNLAB_DOUBLE) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define BCASTGEMM_AVX512 1
#endif

enum {
    TILE_ROWS = 6,   /* rows of C per tile */
    TILE_UNITS = 8,  /* 8-column units per tile row: 64 columns */
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

/* op(A)'s entry (i, k): A's (k, i) for A^T B, its (i, k) for A B */
static size_t entry(int transposed, size_t lda, size_t i, size_t k)
{
    return transposed ? k * lda + i : i * lda + k;
}

/* The same sums in plain C, chunk by chunk: one chain over the chunk's k
 * per element, from init_i in the first chunk (init given) or 0, then
 * stored (the first chunk with init) or added to C. */
static void kernel_c(size_t M, size_t N, size_t K, const real *init,
                     const real *A, size_t lda, int transposed, const real *B,
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
                    acc += A[entry(transposed, lda, i, k)] * B[k * ldb + j];
                C[i * ldc + j] = first ? acc : C[i * ldc + j] + acc;
            }
    }
}

#ifdef BCASTGEMM_AVX512
/* C's R rows by U units of 8 columns = (add: C +, else nothing) (init:
 * init_i +, else nothing) op(A) B over K. A pair of units is a 16-column
 * AVX-512 register, an odd unit an 8-column AVX register: on CPUs that
 * split 512-bit work in two halves (AMD Zen 4) the latter costs half, and
 * a width such as 200 = 12.5 registers is common (hidden sizes). The last
 * register is masked by `last`. Built once per kind of op(A), so its
 * addressing is fixed: tn (A^T B) reads entry (i, k) at a[k * lda + i] and,
 * while it runs, prefetches the same rows of the next block of A
 * (BLOCK_ROWS further on, another page at every k); nn (A B) reads it at
 * a[i * lda + k], R rows the hardware streams. Both prefetch the tile's
 * rows of C when they add to them, which they read only at the end. */
#define TILE(KIND, R, U, ENTRY, PREFETCH)                                       \
    __attribute__((target("avx512f,avx512vl,fma"))) static void KIND##_##R##x##U(  \
        size_t K, const float *a, size_t lda, const float *b, size_t ldb,       \
        float *c, size_t ldc, __mmask16 last, const float *init, int add)       \
    {                                                                           \
        enum { Z = (U) / 2, Y = (U) % 2 };                                      \
        __m512 acc[R][Z > 0 ? Z : 1];                                           \
        __m256 half[R];                                                         \
        _Pragma("GCC unroll 6") for (int i = 0; i < R; i++) {                   \
            _Pragma("GCC unroll 4") for (int v = 0; v < Z; v++)                 \
                acc[i][v] = init ? _mm512_set1_ps(init[i]) : _mm512_setzero_ps(); \
            half[i] = init ? _mm256_set1_ps(init[i]) : _mm256_setzero_ps();     \
            _Pragma("GCC unroll 8") for (int u = 0; add && u < U; u += 2)     \
                _mm_prefetch((const char *)(c + i * ldc + 8 * u), _MM_HINT_T0); \
        }                                                                       \
        for (size_t k = 0; k < K; k++) {                                        \
            const float *bk = b + k * ldb;                                      \
            if (PREFETCH)                                                       \
                _mm_prefetch((const char *)(a + k * lda + BLOCK_ROWS), _MM_HINT_T0); \
            __m512 w[Z > 0 ? Z : 1];                                            \
            __m256 wh = _mm256_setzero_ps();                                    \
            _Pragma("GCC unroll 4") for (int v = 0; v < Z; v++)                 \
                w[v] = Y || v + 1 < Z ? _mm512_loadu_ps(bk + 16 * v)            \
                                      : _mm512_maskz_loadu_ps(last, bk + 16 * v); \
            if (Y)                                                              \
                wh = _mm256_maskz_loadu_ps((__mmask8)last, bk + 16 * Z);        \
            _Pragma("GCC unroll 6") for (int i = 0; i < R; i++) {               \
                float x = ENTRY;                                                \
                _Pragma("GCC unroll 4") for (int v = 0; v < Z; v++)             \
                    acc[i][v] = _mm512_fmadd_ps(_mm512_set1_ps(x), w[v], acc[i][v]); \
                if (Y)                                                          \
                    half[i] = _mm256_fmadd_ps(_mm256_set1_ps(x), wh, half[i]);  \
            }                                                                   \
        }                                                                       \
        _Pragma("GCC unroll 6") for (int i = 0; i < R; i++) {                   \
            _Pragma("GCC unroll 4") for (int v = 0; v < Z; v++) {               \
                __mmask16 m = Y || v + 1 < Z ? (__mmask16)0xffff : last;        \
                float *p = c + i * ldc + 16 * v;                                \
                __m512 sum = add ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, p), acc[i][v]) \
                                 : acc[i][v];                                   \
                _mm512_mask_storeu_ps(p, m, sum);                               \
            }                                                                   \
            if (Y) {                                                            \
                __mmask8 m = (__mmask8)last;                                    \
                float *p = c + i * ldc + 16 * Z;                                \
                __m256 sum = add ? _mm256_add_ps(_mm256_maskz_loadu_ps(m, p), half[i]) \
                                 : half[i];                                     \
                _mm256_mask_storeu_ps(p, m, sum);                               \
            }                                                                   \
        }                                                                       \
    }
#define TN_TILE(R, U) TILE(tn, R, U, a[k * lda + i], 1)
#define NN_TILE(R, U) TILE(nn, R, U, a[i * lda + k], 0)
#define ROWS_OF(T, U) T(1, U) T(2, U) T(3, U) T(4, U) T(5, U) T(6, U)
#define ALL_TILES(T)                                                            \
    ROWS_OF(T, 1) ROWS_OF(T, 2) ROWS_OF(T, 3) ROWS_OF(T, 4) ROWS_OF(T, 5)       \
    ROWS_OF(T, 6) ROWS_OF(T, 7) ROWS_OF(T, 8)
ALL_TILES(TN_TILE)
ALL_TILES(NN_TILE)

typedef void tile_fn(size_t, const float *, size_t, const float *, size_t,
                     float *, size_t, __mmask16, const float *, int);
#define ROW_OF(K, U) {K##_1x##U, K##_2x##U, K##_3x##U, K##_4x##U, K##_5x##U, K##_6x##U}
#define TABLE(K)                                                                \
    {ROW_OF(K, 1), ROW_OF(K, 2), ROW_OF(K, 3), ROW_OF(K, 4),                    \
     ROW_OF(K, 5), ROW_OF(K, 6), ROW_OF(K, 7), ROW_OF(K, 8)}
/* [op(A) = A^T][units - 1][rows - 1] */
static tile_fn *const tiles[2][TILE_UNITS][TILE_ROWS] = {TABLE(nn), TABLE(tn)};

/* The rows [i0, i1) of C by the panel of `width` columns at j (`units`
 * units of 8), tile by tile. */
static void panel_rows(size_t i0, size_t i1, size_t j, size_t width,
                       size_t units, size_t kc, size_t k0, const float *init,
                       int add, const float *A, size_t lda, int transposed,
                       const float *B, size_t ldb, float *C, size_t ldc)
{
    /* the last register's columns: of 8 (odd units) or 16 */
    size_t tail = units % 2 ? width - 16 * (units / 2)
                            : width - 16 * (units / 2 - 1);
    __mmask16 last = (__mmask16)((1u << tail) - 1);
    for (size_t i = i0; i < i1; i += TILE_ROWS) {
        size_t rows = i1 - i < TILE_ROWS ? i1 - i : TILE_ROWS;
        tiles[transposed][units - 1][rows - 1](
            kc, A + entry(transposed, lda, i, k0), lda, B + k0 * ldb + j, ldb,
            C + i * ldc + j, ldc, last, init ? init + i : NULL, add);
    }
}

/* kernel_c's sums, chunk by chunk, through the tiles. C's columns go in
 * panels of at most TILE_UNITS units, as even as the units allow (200
 * columns, 25 units: 7, 6, 6, 6), so no panel is a lone unit, whose tiles
 * wait on their loads. */
static void kernel_avx512(size_t M, size_t N, size_t K, const float *init,
                          const float *A, size_t lda, int transposed,
                          const float *B, size_t ldb, float *C, size_t ldc)
{
    size_t step = chunk_length(K), all = (N + 7) / 8;
    size_t panels = (all + TILE_UNITS - 1) / TILE_UNITS;
    for (size_t k0 = 0; k0 < K; k0 += step) {
        size_t kc = K - k0 < step ? K - k0 : step;
        const float *first_init = k0 == 0 ? init : NULL;
        int add = !(init && k0 == 0);
        for (size_t i0 = 0; i0 < M; i0 += BLOCK_ROWS) {
            size_t i1 = i0 + BLOCK_ROWS < M ? i0 + BLOCK_ROWS : M;
            for (size_t p = 0, j = 0; p < panels; p++) {
                size_t units = all / panels + (p < all % panels);
                size_t width = 8 * units < N - j ? 8 * units : N - j;
                panel_rows(i0, i1, j, width, units, kc, k0, first_init, add,
                           A, lda, transposed, B, ldb, C, ldc);
                j += width;
            }
        }
    }
}
#endif

int bcastgemm_kernel_serves(void)
{
#ifdef BCASTGEMM_AVX512
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

/* Through the AVX-512 kernel where the CPU has it, else kernel_c */
static void kernel(size_t M, size_t N, size_t K, const real *init,
                   const real *A, size_t lda, int transposed, const real *B,
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
        kernel_avx512(M, N, K, init, A, lda, transposed, B, ldb, C, ldc);
        return;
    }
#endif
    kernel_c(M, N, K, init, A, lda, transposed, B, ldb, C, ldc);
}

void tngemm_kernel(size_t M, size_t N, size_t K, const real *A, size_t lda,
                   const real *B, size_t ldb, real *C, size_t ldc)
{
    kernel(M, N, K, NULL, A, lda, 1, B, ldb, C, ldc);
}

void nngemm_kernel(size_t M, size_t N, size_t K, const real *init,
                   const real *A, size_t lda, const real *B, size_t ldb,
                   real *C, size_t ldc)
{
    kernel(M, N, K, init, A, lda, 0, B, ldb, C, ldc);
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
