/* transpose: see transpose.h. */
#include "transpose.h"

#if !defined(RNNLAB_DOUBLE) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TRANSPOSE_AVX2 1
#endif

/* dst[j][i] = src[i][j] over rows [r0, r1) and columns [c0, c1) */
static void by_element(real *dst, size_t ldd, const real *src, size_t lds,
                       size_t r0, size_t r1, size_t c0, size_t c1)
{
    for (size_t i = r0; i < r1; i++)
        for (size_t j = c0; j < c1; j++)
            dst[j * ldd + i] = src[i * lds + j];
}

#ifdef TRANSPOSE_AVX2
/* dst (8 x 8, row stride ldd) = the transpose of src (8 x 8, stride lds) */
__attribute__((target("avx2"))) static void block8(const float *src, size_t lds,
                                                   float *dst, size_t ldd)
{
    __m256 r[8], u[8];
    for (int i = 0; i < 8; i++)
        r[i] = _mm256_loadu_ps(src + i * lds);
    for (int i = 0; i < 8; i += 2) {
        u[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        u[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(u[i], u[i + 2], 0x44);
        r[i + 1] = _mm256_shuffle_ps(u[i], u[i + 2], 0xee);
        r[i + 2] = _mm256_shuffle_ps(u[i + 1], u[i + 3], 0x44);
        r[i + 3] = _mm256_shuffle_ps(u[i + 1], u[i + 3], 0xee);
    }
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps(dst + i * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
        _mm256_storeu_ps(dst + (i + 4) * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
    }
}

/* dst (16 x 16, row stride ldd) = the transpose of src (16 x 16, stride
 * lds): each row of src one whole cache line (where it is aligned), read
 * once; in 8 x 8 blocks each line was read in two halves, 16 rows apart in
 * time, and stepgemm's packing of W_hh^T ran at 13 GB/s */
__attribute__((target("avx512f"))) static void block16(const float *src,
                                                       size_t lds, float *dst,
                                                       size_t ldd)
{
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++)
        r[i] = _mm512_loadu_ps(src + i * lds);
    /* within 128-bit lanes: 4 x 4 transposes of rows 4q .. 4q + 3 */
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xee);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    /* then the 4 x 4 grid of 128-bit lanes, in two rounds */
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
    for (int i = 0; i < 16; i++)
        _mm512_storeu_ps(dst + i * ldd, r[i]);
}
#endif

/* In 8 x 8 blocks where the CPU has AVX2, the edges element by element */
static void transpose_avx2(real *dst, size_t ldd, const real *src, size_t lds,
                           size_t rows, size_t cols)
{
    size_t r8 = 0, c8 = 0;
#ifdef TRANSPOSE_AVX2
    if (__builtin_cpu_supports("avx2")) {
        r8 = rows / 8 * 8;
        c8 = cols / 8 * 8;
        /* 16 x 16 at a time, so whole cache lines are read and written
         * (8 x 8 blocks row after row left half lines, 2.4% of (b) RNN
         * 512's step for its 560 x 512 x^T) */
        for (size_t i0 = 0; i0 < r8; i0 += 16)
            for (size_t j0 = 0; j0 < c8; j0 += 16)
                for (size_t i = i0; i < i0 + 16 && i < r8; i += 8)
                    for (size_t j = j0; j < j0 + 16 && j < c8; j += 8)
                        block8(src + i * lds + j, lds, dst + j * ldd + i, ldd);
    }
#endif
    by_element(dst, ldd, src, lds, 0, r8, c8, cols);
    by_element(dst, ldd, src, lds, r8, rows, 0, cols);
}

void transpose(real *dst, size_t ldd, const real *src, size_t lds, size_t rows,
               size_t cols)
{
#ifdef TRANSPOSE_AVX2
    if (__builtin_cpu_supports("avx512f")) {
        size_t r16 = rows / 16 * 16, c16 = cols / 16 * 16;
        for (size_t i = 0; i < r16; i += 16)
            for (size_t j = 0; j < c16; j += 16)
                block16(src + i * lds + j, lds, dst + j * ldd + i, ldd);
        /* the right strip (rows [0, r16)), then the bottom one */
        transpose_avx2(dst + c16 * ldd, ldd, src + c16, lds, r16, cols - c16);
        transpose_avx2(dst + r16, ldd, src + r16 * lds, lds, rows - r16, cols);
        return;
    }
#endif
    transpose_avx2(dst, ldd, src, lds, rows, cols);
}
