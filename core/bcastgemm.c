/* bcastgemm: see bcastgemm.h. */
#include "bcastgemm.h"

#include "gemm.h"
#include "transpose.h"

#if !defined(RNNLAB_DOUBLE) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define BCASTGEMM_AVX512 1
#endif

enum {
    TILE_ROWS = 6,   /* rows of C per tile of 7 or 8 units */
    /* ... of up to 6 units (3 registers): 8 rows, 24 accumulators as 6
     * rows of 8 units have; 6 rows of such a panel left a quarter unused
     * ((d)'s decoder input gradient, N = 200 in panels of 7, 6, 6 and 6
     * units: 158-164 GFLOP/s with 6 rows, 169-171 with 8) */
    NARROW_ROWS = 8,
    NARROW_UNITS = 6,
    TILE_UNITS = 8,  /* 8-column units per tile row: 64 columns */
    BLOCK_ROWS = 24, /* rows of C per block, B's panel reused across them */
    PANEL_COLS = 8 * TILE_UNITS, /* a panel's columns at most */
    /* the stack's buffer for B's panels: 256 KB */
    STACK_FLOATS = 65536,
};
/* op(A)'s rows of a chunk that stay in cache while every panel of B walks
 * them: half the L2 cache of the AMD Zen 4 and 5 (1 MB) */
#define A_REGION_MAX (512 * 1024)

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
 * stored (the first chunk where `store`) or added to C. */
static void kernel_c(size_t M, size_t N, size_t K, const real *init,
                     int store, const real *A, size_t lda, int transposed,
                     const real *B, size_t ldb, real *C, size_t ldc)
{
    size_t step = chunk_length(K);
    for (size_t k0 = 0; k0 < K; k0 += step) {
        size_t k1 = k0 + step < K ? k0 + step : K;
        int first = store && k0 == 0;
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++) {
                real acc = first && init ? init[i] : 0;
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
 * while it runs, prefetches the entries BLOCK_ROWS columns on
 * (a block of rows on, another page at every k); nn (A B) reads it at
 * a[i * lda + k], R rows the hardware streams. Both prefetch the tile's
 * rows of C when they add to them, which they read only at the end. Where
 * cmax is given, the stored sums' column maxima are folded into it. */
#define TILE(KIND, R, U, ENTRY, PREFETCH)                                       \
    __attribute__((target("avx512f,avx512vl,fma"))) static void KIND##_##R##x##U(  \
        size_t K, const float *a, size_t lda, const float *b, size_t ldb,       \
        float *c, size_t ldc, __mmask16 last, const float *init, int add,      \
        float *cmax)                                                            \
    {                                                                           \
        enum { Z = (U) / 2, Y = (U) % 2 };                                      \
        __m512 acc[R][Z > 0 ? Z : 1];                                           \
        __m256 half[R];                                                         \
        _Pragma("GCC unroll 8") for (int i = 0; i < R; i++) {                   \
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
            _Pragma("GCC unroll 8") for (int i = 0; i < R; i++) {               \
                float x = ENTRY;                                                \
                _Pragma("GCC unroll 4") for (int v = 0; v < Z; v++)             \
                    acc[i][v] = _mm512_fmadd_ps(_mm512_set1_ps(x), w[v], acc[i][v]); \
                if (Y)                                                          \
                    half[i] = _mm256_fmadd_ps(_mm256_set1_ps(x), wh, half[i]);  \
            }                                                                   \
        }                                                                       \
        _Pragma("GCC unroll 8") for (int i = 0; i < R; i++) {                   \
            _Pragma("GCC unroll 4") for (int v = 0; v < Z; v++) {               \
                __mmask16 m = Y || v + 1 < Z ? (__mmask16)0xffff : last;        \
                float *p = c + i * ldc + 16 * v;                                \
                __m512 sum = add ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, p), acc[i][v]) \
                                 : acc[i][v];                                   \
                _mm512_mask_storeu_ps(p, m, sum);                               \
                acc[i][v] = sum;                                                \
            }                                                                   \
            if (Y) {                                                            \
                __mmask8 m = (__mmask8)last;                                    \
                float *p = c + i * ldc + 16 * Z;                                \
                __m256 sum = add ? _mm256_add_ps(_mm256_maskz_loadu_ps(m, p), half[i]) \
                                 : half[i];                                     \
                _mm256_mask_storeu_ps(p, m, sum);                               \
                half[i] = sum;                                                  \
            }                                                                   \
        }                                                                       \
        if (cmax) {                                                             \
            _Pragma("GCC unroll 4") for (int v = 0; v < Z; v++) {               \
                __mmask16 m = Y || v + 1 < Z ? (__mmask16)0xffff : last;        \
                __m512 mx = _mm512_maskz_loadu_ps(m, cmax + 16 * v);            \
                _Pragma("GCC unroll 8") for (int i = 0; i < R; i++)             \
                    mx = _mm512_max_ps(acc[i][v], mx);                          \
                _mm512_mask_storeu_ps(cmax + 16 * v, m, mx);                    \
            }                                                                   \
            if (Y) {                                                            \
                __mmask8 m = (__mmask8)last;                                    \
                __m256 mx = _mm256_maskz_loadu_ps(m, cmax + 16 * Z);            \
                _Pragma("GCC unroll 8") for (int i = 0; i < R; i++)             \
                    mx = _mm256_max_ps(half[i], mx);                            \
                _mm256_mask_storeu_ps(cmax + 16 * Z, m, mx);                    \
            }                                                                   \
        }                                                                       \
    }
#define TN_TILE(R, U) TILE(tn, R, U, a[k * lda + i], 1)
#define NN_TILE(R, U) TILE(nn, R, U, a[i * lda + k], 0)
#define ROWS_OF(T, U) T(1, U) T(2, U) T(3, U) T(4, U) T(5, U) T(6, U)
#define NARROW_OF(T, U) ROWS_OF(T, U) T(7, U) T(8, U)
#define ALL_TILES(T)                                                            \
    NARROW_OF(T, 1) NARROW_OF(T, 2) NARROW_OF(T, 3) NARROW_OF(T, 4)             \
    NARROW_OF(T, 5) NARROW_OF(T, 6) ROWS_OF(T, 7) ROWS_OF(T, 8)
ALL_TILES(TN_TILE)
ALL_TILES(NN_TILE)

typedef void tile_fn(size_t, const float *, size_t, const float *, size_t,
                     float *, size_t, __mmask16, const float *, int, float *);
#define ROW_OF(K, U) {K##_1x##U, K##_2x##U, K##_3x##U, K##_4x##U, K##_5x##U, K##_6x##U}
#define NARROW_ROW_OF(K, U)                                                     \
    {K##_1x##U, K##_2x##U, K##_3x##U, K##_4x##U,                                \
     K##_5x##U, K##_6x##U, K##_7x##U, K##_8x##U}
#define TABLE(K)                                                                \
    {NARROW_ROW_OF(K, 1), NARROW_ROW_OF(K, 2), NARROW_ROW_OF(K, 3),             \
     NARROW_ROW_OF(K, 4), NARROW_ROW_OF(K, 5), NARROW_ROW_OF(K, 6),             \
     ROW_OF(K, 7), ROW_OF(K, 8)}
/* [op(A) = A^T][units - 1][rows - 1] */
static tile_fn *const tiles[2][TILE_UNITS][NARROW_ROWS] = {TABLE(nn), TABLE(tn)};

/* Rows of C per tile of a panel of `units` units */
static size_t tile_rows(size_t units)
{
    return units <= NARROW_UNITS ? NARROW_ROWS : TILE_ROWS;
}

/* The rows [i0, i1) of C by a panel of `width` columns (`units` units of
 * 8), tile by tile, over kc values of k: op(A)'s entries from column k0 on
 * (a: entry (i0, k0)), B's panel at b (row stride ldb), C's at c. */
static void panel_rows(size_t i0, size_t i1, size_t width, size_t units,
                       size_t kc, const float *init, int add, const float *a,
                       size_t lda, int transposed, const float *b, size_t ldb,
                       float *c, size_t ldc, float *cmax)
{
    /* the last register's columns: of 8 (odd units) or 16 */
    size_t tail = units % 2 ? width - 16 * (units / 2)
                            : width - 16 * (units / 2 - 1);
    __mmask16 last = (__mmask16)((1u << tail) - 1);
    size_t tr = tile_rows(units);
    for (size_t i = i0; i < i1; i += tr) {
        size_t rows = i1 - i < tr ? i1 - i : tr;
        tiles[transposed][units - 1][rows - 1](
            kc, a + entry(transposed, lda, i - i0, 0), lda, b, ldb,
            c + (i - i0) * ldc, ldc, last, init ? init + i : NULL, add, cmax);
    }
}

/* B's kc rows by `width` (<= PANEL_COLS) columns from b (row stride ldb)
 * into pack, PANEL_COLS apart: the tiles then read B's panel as one
 * sequential stream. Read where it lies, a panel's rows are ldb apart, at
 * power-of-two strides for the usual hidden sizes (2 KB for H = 512): they
 * fall in a few sets of the L1 cache, which evicts them before the next
 * tile of rows reads them again, and each row can start a new page, where
 * the prefetchers stop (tngemm ran 150-165 GFLOP/s on (b) RNN 512's dW_hh
 * from h in place, 200-210 from a packed panel). */
__attribute__((target("avx512f,avx512vl"))) static void pack_panel(
    size_t kc, size_t width, const float *b, size_t ldb, float *pack)
{
    __mmask16 m[PANEL_COLS / 16];
    for (size_t v = 0; v < PANEL_COLS / 16; v++) {
        size_t have = width > 16 * v ? width - 16 * v : 0;
        m[v] = (__mmask16)(have >= 16 ? 0xffff : (1u << have) - 1);
    }
    for (size_t k = 0; k < kc; k++)
        for (size_t v = 0; v < PANEL_COLS / 16; v++)
            _mm512_storeu_ps(pack + k * PANEL_COLS + 16 * v,
                            _mm512_maskz_loadu_ps(m[v], b + k * ldb + 16 * v));
}

/* The geometry of C's column panels: at most TILE_UNITS units each, as
 * even as the units allow (200 columns, 25 units: 7, 6, 6, 6), so no panel
 * is a lone unit, whose tiles wait on their loads. */
static size_t panel_count(size_t N)
{
    return ((N + 7) / 8 + TILE_UNITS - 1) / TILE_UNITS;
}

static size_t panel_units(size_t N, size_t p)
{
    size_t all = (N + 7) / 8, panels = panel_count(N);
    return all / panels + (p < all % panels);
}

/* Panel p's columns, starting at column j: its units', or the rest of N */
static size_t panel_width(size_t N, size_t p, size_t j)
{
    size_t units = panel_units(N, p);
    return 8 * units < N - j ? 8 * units : N - j;
}

/* All of B's panels, each its K rows PANEL_COLS apart, one after the
 * other. */
static void pack_all(size_t K, size_t N, const float *B, size_t ldb,
                     float *packed)
{
    for (size_t p = 0, j = 0; p < panel_count(N); p++) {
        size_t width = panel_width(N, p, j);
        pack_panel(K, width, B + j, ldb, packed + p * K * PANEL_COLS);
        j += width;
    }
}

/* Rows [i0, i1) of C across all panels, B's panels packed (panel p's
 * rows at packed + p * ldp, PANEL_COLS apart) or in place (packed NULL). */
static void block_panels(size_t i0, size_t i1, size_t N, size_t kc,
                         const float *init, int add, const float *a,
                         size_t lda, int transposed, const float *b,
                         size_t ldb, const float *packed, size_t ldp,
                         float *C, size_t ldc, float *cmax)
{
    for (size_t p = 0, j = 0; p < panel_count(N); p++) {
        size_t units = panel_units(N, p), width = panel_width(N, p, j);
        float *cm = cmax ? cmax + j : NULL;
        if (packed)
            panel_rows(i0, i1, width, units, kc, init, add, a, lda,
                       transposed, packed + p * ldp, PANEL_COLS, C + j, ldc,
                       cm);
        else
            panel_rows(i0, i1, width, units, kc, init, add, a, lda,
                       transposed, b + j, ldb, C + j, ldc, cm);
        j += width;
    }
}

/* kernel_c's sums, chunk by chunk, through the tiles, B's panels read
 * packed wherever they can be: from `packed` (bcastgemm_pack's copy of all
 * of B), else packed here into a buffer on the stack, all panels at once
 * where they fit, else one at a time; a chunk too long for one panel goes
 * in place, and so does a chunk of a long K (more than BCASTGEMM_KMAX: the
 * decoder's input gradient, whose B is the 8 MB of (d)'s W, read from L3
 * once a call: packing a panel waited on L3 with no FMAs to hide it; with
 * 8-row tiles, 171 GFLOP/s packed, 180-186 in place, blocks of rows
 * streaming B's rows at 800 bytes apart). Where op(A)'s rows of the chunk
 * fit in half an L2 cache (A_REGION_MAX), a panel is walked by every row
 * of C in turn, op(A) staying in cache across the panels; a larger op(A)
 * (the decoder's 10000-word W) is read once, in blocks of BLOCK_ROWS
 * rows, each across all panels. The same tiles over the same k whichever
 * way: the same bits. cmax: C's column maxima, taken where the last
 * chunk's tiles store C. */
static void kernel_avx512(size_t M, size_t N, size_t K, const float *init,
                          int store, const float *A, size_t lda, int transposed,
                          const float *B, size_t ldb, const float *packed,
                          float *C, size_t ldc, float *cmax)
{
    _Alignas(64) float stack[STACK_FLOATS];
    size_t step = chunk_length(K), panels = panel_count(N);
    for (size_t k0 = 0; k0 < K; k0 += step) {
        size_t kc = K - k0 < step ? K - k0 : step;
        const float *first_init = k0 == 0 ? init : NULL;
        int add = !(store && k0 == 0);
        float *cm = k0 + kc == K ? cmax : NULL;
        const float *a = A + entry(transposed, lda, 0, k0), *b = B + k0 * ldb;
        const float *pk = packed ? packed + k0 * PANEL_COLS : NULL;
        size_t ldp = K * PANEL_COLS; /* packed: panel after panel */
        int long_k = K > BCASTGEMM_KMAX;
        if (!pk && !long_k && kc * panels * PANEL_COLS <= STACK_FLOATS) {
            pack_all(kc, N, b, ldb, stack);
            pk = stack;
            ldp = kc * PANEL_COLS;
        }
        int small_a = M * kc * sizeof *A <= A_REGION_MAX && !long_k;
        if (small_a && !pk && kc * PANEL_COLS <= STACK_FLOATS) {
            for (size_t p = 0, j = 0; p < panels; p++) {
                size_t units = panel_units(N, p), width = panel_width(N, p, j);
                pack_panel(kc, width, b + j, ldb, stack);
                panel_rows(0, M, width, units, kc, first_init, add, a, lda,
                           transposed, stack, PANEL_COLS, C + j, ldc,
                           cm ? cm + j : NULL);
                j += width;
            }
            continue;
        }
        size_t block = small_a && pk ? M : BLOCK_ROWS;
        for (size_t i0 = 0; i0 < M; i0 += block) {
            size_t i1 = i0 + block < M ? i0 + block : M;
            block_panels(i0, i1, N, kc, first_init, add,
                         a + entry(transposed, lda, i0, 0), lda, transposed,
                         b, ldb, pk, ldp, C + i0 * ldc, ldc, cm);
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

/* cmax_j = max(cmax_j, C_ij) over C's M rows, a NaN C_ij passed over
 * (as the tiles' max instruction does) */
static void fold_column_max(size_t M, size_t N, const real *C, size_t ldc,
                            real *cmax)
{
    for (size_t i = 0; cmax && i < M; i++)
        for (size_t j = 0; j < N; j++)
            cmax[j] = C[i * ldc + j] > cmax[j] ? C[i * ldc + j] : cmax[j];
}

/* C = init_i + op(A) B (store; init NULL: 0) or C += op(A) B, through
 * the AVX-512 kernel where the CPU has it, else kernel_c; C's column
 * maxima folded into cmax where given */
static void kernel(size_t M, size_t N, size_t K, const real *init, int store,
                   const real *A, size_t lda, int transposed, const real *B,
                   size_t ldb, const real *packed, real *C, size_t ldc,
                   real *cmax)
{
    if (K == 0) { /* no chunk: C is init or 0 (store), or as it was */
        for (size_t i = 0; store && i < M; i++)
            for (size_t j = 0; j < N; j++)
                C[i * ldc + j] = init ? init[i] : 0;
        fold_column_max(M, N, C, ldc, cmax);
        return;
    }
#ifdef BCASTGEMM_AVX512
    if (bcastgemm_kernel_serves()) {
        kernel_avx512(M, N, K, init, store, A, lda, transposed, B, ldb,
                      packed, C, ldc, cmax);
        return;
    }
#endif
    (void)packed;
    kernel_c(M, N, K, init, store, A, lda, transposed, B, ldb, C, ldc);
    fold_column_max(M, N, C, ldc, cmax);
}

size_t bcastgemm_packed_size(size_t K, size_t N)
{
#ifdef BCASTGEMM_AVX512
    if (bcastgemm_kernel_serves())
        return K * panel_count(N) * PANEL_COLS;
#endif
    (void)K;
    (void)N;
    return 0;
}

void bcastgemm_pack(size_t K, size_t N, const real *B, size_t ldb, real *packed)
{
#ifdef BCASTGEMM_AVX512
    if (bcastgemm_kernel_serves())
        pack_all(K, N, B, ldb, packed);
#else
    (void)K;
    (void)N;
    (void)B;
    (void)ldb;
    (void)packed;
#endif
}

void nngemm_xt(size_t M, size_t N, size_t K, const real *init, const real *A,
               size_t lda, const real *X, size_t ldx, real *scratch, real *C,
               size_t ldc, real *cmax)
{
#ifdef BCASTGEMM_AVX512
    if (bcastgemm_kernel_serves() && K > 0) {
        /* X^T's panels straight from X's rows: panel p holds X's rows
         * [j, j + width) as its columns */
        for (size_t p = 0, j = 0; p < panel_count(N); p++) {
            size_t width = panel_width(N, p, j);
            transpose(scratch + p * K * PANEL_COLS, PANEL_COLS, X + j * ldx,
                      ldx, width, K);
            j += width;
        }
        kernel(M, N, K, init, init != NULL, A, lda, 0, X, 0, scratch, C, ldc,
               cmax);
        return;
    }
#endif
    (void)scratch;
    for (size_t i = 0; init && i < M; i++)
        for (size_t j = 0; j < N; j++)
            C[i * ldc + j] = init[i];
    gemm(GEMM_N, GEMM_T, M, N, K, 1, A, lda, X, ldx, 1, C, ldc);
    fold_column_max(M, N, C, ldc, cmax);
}

void tngemm_kernel(size_t M, size_t N, size_t K, const real *A, size_t lda,
                   const real *B, size_t ldb, real *C, size_t ldc)
{
    kernel(M, N, K, NULL, 0, A, lda, 1, B, ldb, NULL, C, ldc, NULL);
}

void nngemm_kernel(size_t M, size_t N, size_t K, const real *init,
                   const real *A, size_t lda, const real *B, size_t ldb,
                   real *C, size_t ldc)
{
    kernel(M, N, K, init, init != NULL, A, lda, 0, B, ldb, NULL, C, ldc,
           NULL);
}

void tngemm(size_t M, size_t N, size_t K, const real *A, size_t lda,
            const real *B, size_t ldb, real *C, size_t ldc)
{
    tngemm_packed(M, N, K, A, lda, B, ldb, NULL, C, ldc);
}

void tngemm_packed(size_t M, size_t N, size_t K, const real *A, size_t lda,
                   const real *B, size_t ldb, const real *packed, real *C,
                   size_t ldc)
{
    if (bcastgemm_kernel_serves())
        kernel(M, N, K, NULL, 0, A, lda, 1, B, ldb, packed, C, ldc, NULL);
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

void nngemm_store(size_t M, size_t N, size_t K, const real *A, size_t lda,
                  const real *B, size_t ldb, real *C, size_t ldc)
{
    if (bcastgemm_kernel_serves())
        kernel(M, N, K, NULL, 1, A, lda, 0, B, ldb, NULL, C, ldc, NULL);
    else
        gemm(GEMM_N, GEMM_N, M, N, K, 1, A, lda, B, ldb, 0, C, ldc);
}
