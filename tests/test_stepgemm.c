/* Tests for core/stepgemm.c: the packed per-step product against a product
 * summed in double, both orientations of W, widths that leave a partial
 * panel, alpha and beta; a row's bits do not depend on the other rows; and
 * stepgemm_prepare's choice of path (stepgemm, libxsmm or the BLAS) gives
 * the same product either way; the AVX-512 and AVX2 tiles give the same
 * bits; rows started from a gathered row and a bias (stepgemm_apply_init)
 * give the bits of the two passes they replace. */
#include "support.h"

#include <math.h>
#include <string.h>

#include "mem.h"
#include "rng.h"
#include "gemm.h"
#include "stepgemm.h"
#include "transpose.h"

/* C = beta * C + alpha * A op(W) in double, op(W) K x N (see stepgemm_pack). */
static void reference(size_t M, size_t N, size_t K, double alpha,
                      const real *A, const real *W, int trans, double beta,
                      const real *C0, double *out)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0;
            for (size_t k = 0; k < K; k++)
                s += (double)A[i * K + k] *
                     (double)(trans ? W[j * K + k] : W[k * N + j]);
            out[i * N + j] = beta * (double)C0[i * N + j] + alpha * s;
        }
}

static void check_shape(size_t M, size_t N, size_t K, int trans, real alpha,
                        real beta)
{
    struct rng g;
    rng_seed(&g, M * 1000003 + N * 1009 + K, 0);
    real *A = support_random_reals(&g, M * K);
    real *W = support_random_reals(&g, K * N);
    real *C = support_random_reals(&g, M * N);
    real *C0 = mem_alloc(M * N * sizeof *C0);
    real *packed = mem_alloc(stepgemm_packed_size(K, N) * sizeof *packed);
    double *want = mem_alloc(M * N * sizeof *want);
    assert_non_null(C0);
    assert_non_null(packed);
    assert_non_null(want);
    memcpy(C0, C, M * N * sizeof *C);
    reference(M, N, K, alpha, A, W, trans, beta, C0, want);
    stepgemm_pack(packed, trans, K, N, W, trans ? K : N);
    stepgemm(M, N, K, alpha, A, K, packed, beta, C, N);
    for (size_t i = 0; i < M * N; i++)
        if (!(fabs(C[i] - want[i]) <= 2e-6 * (double)K))
            fail_msg("M %zu N %zu K %zu trans %d: C[%zu] %.9g, product in "
                     "double %.9g", M, N, K, trans, i, (double)C[i], want[i]);
    /* row 3 alone (a tile of 1 instead of 6): the same bits */
    if (M > 3) {
        real row[N];
        memcpy(row, C0 + 3 * N, N * sizeof *row);
        stepgemm(1, N, K, alpha, A + 3 * K, K, packed, beta, row, N);
        assert_memory_equal(row, C + 3 * N, N * sizeof *row);
    }
    /* the path stepgemm_prepare picks gives the same product (to rounding) */
    struct stepgemm_operand op;
    memcpy(C, C0, M * N * sizeof *C);
    stepgemm_prepare(&op, packed, M, trans, K, N, W, trans ? K : N);
    assert_true((op.packed != NULL) == stepgemm_takes(M, trans, K, N));
    assert_true((op.xsmm[0] != NULL) == stepgemm_xsmm_takes(M, trans, K, N));
    stepgemm_apply(&op, M, N, K, alpha, A, K, beta, C, N);
    for (size_t i = 0; i < M * N; i++)
        assert_true(fabs(C[i] - want[i]) <= 2e-6 * (double)K);
    mem_free(A);
    mem_free(W);
    mem_free(C);
    mem_free(C0);
    mem_free(packed);
    mem_free(want);
}

static void test_products(void **state)
{
    (void)state;
    size_t Ms[] = {1, 2, 5, 8, 10, 16, 17, 32};
    for (size_t m = 0; m < sizeof Ms / sizeof *Ms; m++) {
        check_shape(Ms[m], 256, 64, 1, 1, 1);    /* forward: h W_hh^T */
        check_shape(Ms[m], 40, 96, 0, 1, 1);     /* backward, partial panel */
        check_shape(Ms[m], 520, 33, 0, 0.5f, 0); /* alpha, beta 0 */
        check_shape(Ms[m], 7, 5, 1, 2, 1);       /* narrower than a panel */
        check_shape(Ms[m], 256, 768, 0, 1, 1);   /* backward: dgates W_hh */
        check_shape(Ms[m], 64, 48, 1, 1, 0);     /* GRU's forward: beta 0 */
        check_shape(Ms[m], 48, 40, 0, 0.75f, 1); /* a carry: alpha, beta 1 */
        check_shape(Ms[m], 256, 256, 0, 1, 0);   /* libxsmm's, beta 0 */
        check_shape(Ms[m], 256, 256, 0, 1, 1);   /* and beta 1 */
        check_shape(Ms[m], 256, 256, 0, 0.5f, 1); /* a carry: the BLAS's */
    }
}

/* The rule on the bench configs' shapes (make bench's shape table): which
 * per-step products stepgemm takes, which stay with OpenBLAS. */
static void test_rule(void **state)
{
    (void)state;
    assert_true(stepgemm_takes(16, 1, 256, 256));   /* a,c RNN 256 forward */
    assert_false(stepgemm_takes(16, 0, 256, 256));  /* a,c RNN 256 backward */
    assert_true(stepgemm_takes(16, 1, 256, 1024));  /* b LSTM 256 forward */
    assert_true(stepgemm_takes(10, 1, 200, 800));   /* d LSTM 200 forward */
    assert_false(stepgemm_takes(32, 1, 256, 1024)); /* more than 16 rows */
    assert_false(stepgemm_takes(16, 1, 64, 64));    /* RNN 64 */
    /* libxsmm: RNN 256's backward everywhere, with AVX-512 the larger ones
     * below 4 * 256^2 elements (GRU 256, PTB's LSTM 200; stepgemm's tiles
     * above, and where the CPU has AVX2 only); never a forward, a small one
     * or more than 16 rows */
    int avx512 = stepgemm_allow_avx512(1);
    assert_true(stepgemm_xsmm_takes(16, 0, 256, 256)); /* a,c RNN 256 */
    assert_false(stepgemm_xsmm_takes(16, 1, 256, 256));
    assert_false(stepgemm_xsmm_takes(32, 0, 256, 256));
    assert_false(stepgemm_xsmm_takes(16, 0, 64, 64)); /* RNN 64 */
    /* e RNN 100: with AVX-512, the forward to stepgemm and the backward to
     * libxsmm (2-2.6x OpenBLAS there); OpenBLAS both on an AVX2 CPU */
    assert_int_equal(stepgemm_takes(16, 1, 100, 100), avx512);
    assert_int_equal(stepgemm_xsmm_takes(16, 0, 100, 100), avx512);
    assert_false(stepgemm_takes(16, 0, 100, 100));
    size_t backward[][3] = {{16, 768, 256},  /* b GRU 256 */
                            {10, 800, 200},  /* d LSTM 200 */
                            {16, 512, 512},  /* b RNN 512 */
                            {16, 1024, 256}}; /* b LSTM 256 */
    for (size_t i = 0; i < 4; i++) {
        size_t M = backward[i][0], K = backward[i][1], N = backward[i][2];
        int xsmm = avx512 && i < 2;
        assert_int_equal(stepgemm_xsmm_takes(M, 0, K, N), xsmm);
        assert_int_equal(stepgemm_takes(M, 0, K, N), !xsmm);
    }
    stepgemm_allow_avx512(0); /* held to AVX2: the AVX2 machine's rule */
    assert_false(stepgemm_takes(16, 1, 100, 100));
    assert_false(stepgemm_xsmm_takes(16, 0, 100, 100));
    assert_true(stepgemm_xsmm_takes(16, 0, 256, 256));
    assert_true(stepgemm_takes(16, 0, 1024, 256));
    assert_false(stepgemm_xsmm_takes(16, 0, 1024, 256));
    stepgemm_allow_avx512(1);
}

/* The packed layout: panels of 16 columns of op(W), K rows each, zeros
 * past N. */
static void test_pack_layout(void **state)
{
    (void)state;
    enum { K = 3, N = 18 };
    real W[N * K], packed[2 * STEPGEMM_PANEL * K];
    assert_int_equal(stepgemm_packed_size(K, N), 2 * STEPGEMM_PANEL * K);
    for (size_t i = 0; i < N * K; i++)
        W[i] = (real)(i + 1);
    stepgemm_pack(packed, 1, K, N, W, K); /* op(W) = W^T, W (N x K) */
    /* panel 1, row k = 2, column j = 1 is op(W)[2][17] = W[17][2] */
    assert_true(packed[STEPGEMM_PANEL * K + 2 * STEPGEMM_PANEL + 1] == W[17 * K + 2]);
    assert_true(packed[STEPGEMM_PANEL * K + 2 * STEPGEMM_PANEL + 2] == 0);
    assert_true(packed[1 * STEPGEMM_PANEL + 5] == W[5 * K + 1]);
}

/* Every element of every packed shape is op(W)'s or, past N, zero: the
 * register transposes (whole panels, 16 or 8 rows of k at a time) and the
 * element-wise rest (a narrower last panel, K not a multiple of 8), op(W)
 * = W's rows 8 at a time into each panel (K not a multiple of 8 too), with
 * a row stride wider than the matrix. */
static void check_packed(const real *packed, int trans, size_t K, size_t N,
                         const real *W, size_t ldw)
{
    for (size_t k = 0; k < K; k++)
        for (size_t j = 0; j < stepgemm_packed_size(K, N) / K; j++) {
            real want = j >= N ? 0 : trans ? W[j * ldw + k] : W[k * ldw + j];
            real got = packed[j / STEPGEMM_PANEL * STEPGEMM_PANEL * K +
                              k * STEPGEMM_PANEL + j % STEPGEMM_PANEL];
            if (got != want)
                fail_msg("K %zu N %zu trans %d: op(W)[%zu][%zu] packed as %g, "
                         "not %g", K, N, trans, k, j, (double)got, (double)want);
        }
}

static void test_pack_every_element(void **state)
{
    (void)state;
    size_t Ks[] = {1, 7, 8, 9, 16, 17, 33, 48, 256}, Ns[] = {5, 16, 17, 40, 768};
    for (size_t a = 0; a < sizeof Ks / sizeof *Ks; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof *Ns; b++)
            for (int trans = 0; trans < 2; trans++) {
                size_t K = Ks[a], N = Ns[b], ldw = (trans ? K : N) + 3;
                size_t rows = trans ? N : K, size = stepgemm_packed_size(K, N);
                real *W = mem_alloc(rows * ldw * sizeof *W);
                real *packed = mem_alloc(size * sizeof *packed);
                assert_non_null(W);
                assert_non_null(packed);
                for (size_t i = 0; i < rows * ldw; i++)
                    W[i] = (real)(i + 1);
                for (size_t i = 0; i < size; i++)
                    packed[i] = -1;
                stepgemm_pack(packed, trans, K, N, W, ldw);
                check_packed(packed, trans, K, N, W, ldw);
                mem_free(W);
                mem_free(packed);
            }
}

/* stepgemm_xsmm_add, a dense input's projection C += X W over a whole
 * sequence: against the product in double on (e)'s and a small odd shape
 * (where the build has libxsmm; the double build says it has none and
 * leaves C as it was). */
static void test_xsmm_add(void **state)
{
    (void)state;
    size_t shapes[][3] = {{80, 100, 100}, {37, 48, 13}};
    for (size_t s = 0; s < 2; s++) {
        size_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        struct rng g;
        rng_seed(&g, M * 31 + N * 7 + K, 2);
        real *A = support_random_reals(&g, M * K), *W = support_random_reals(&g, K * N);
        real *C = support_random_reals(&g, M * N);
        real *C0 = mem_alloc(M * N * sizeof *C0);
        double *want = mem_alloc(M * N * sizeof *want);
        assert_non_null(C0);
        assert_non_null(want);
        memcpy(C0, C, M * N * sizeof *C);
        reference(M, N, K, 1, A, W, 0, 1, C0, want);
        if (!stepgemm_xsmm_add(M, N, K, A, W, C)) {
#ifndef RNNLAB_DOUBLE
            fail_msg("libxsmm has no kernel for %zu x %zu x %zu", M, N, K);
#endif
            assert_memory_equal(C, C0, M * N * sizeof *C);
        } else {
            for (size_t i = 0; i < M * N; i++)
                if (!(fabs(C[i] - want[i]) <= 2e-6 * (double)K))
                    fail_msg("%zu x %zu x %zu: C[%zu] %.9g, product in double "
                             "%.9g", M, N, K, i, (double)C[i], want[i]);
        }
        mem_free(A);
        mem_free(W);
        mem_free(C);
        mem_free(C0);
        mem_free(want);
    }
}

/* transpose: every element, in 16 x 16 blocks (AVX-512), 8 x 8 (AVX2)
 * and at the edges (rows and columns from 1 to 40, not multiples of 16 or
 * 8 too), strides wider than the blocks; nothing outside dst's block is
 * written. */
static void test_transpose_every_element(void **state)
{
    (void)state;
    size_t sizes[] = {1, 7, 8, 9, 15, 16, 17, 24, 33, 40};
    size_t n = sizeof sizes / sizeof *sizes, lds = 43, ldd = 45;
    real *src = mem_alloc(40 * lds * sizeof *src), *dst = mem_alloc(40 * ldd * sizeof *dst);
    assert_non_null(src);
    assert_non_null(dst);
    for (size_t i = 0; i < 40 * lds; i++)
        src[i] = (real)(i + 1);
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            size_t rows = sizes[a], cols = sizes[b];
            for (size_t i = 0; i < 40 * ldd; i++)
                dst[i] = -1;
            transpose(dst, ldd, src, lds, rows, cols);
            for (size_t j = 0; j < 40; j++)
                for (size_t i = 0; i < ldd; i++) {
                    real want = j < cols && i < rows ? src[i * lds + j] : -1;
                    if (dst[j * ldd + i] != want)
                        fail_msg("%zu x %zu: dst[%zu][%zu] is %g, not %g", rows,
                                 cols, j, i, (double)dst[j * ldd + i], (double)want);
                }
        }
    mem_free(src);
    mem_free(dst);
}

/* The AVX-512 tiles give the AVX2 tiles' bits: rows in one tile (1, 3, 7,
 * 10) and split (11 as 6 + 5, 16 as 8 + 8), whole and narrower
 * last panels, alone or the second of a pair (40, 48, 56 columns), K of 1, odd and 1024 (rows 4 KiB apart), alpha and beta. On
 * a CPU without AVX-512 there is nothing to compare; it says so. */
static void test_avx512_same_bits(void **state)
{
    (void)state;
    if (!stepgemm_allow_avx512(1)) {
        print_message("test_avx512_same_bits: this CPU has no AVX-512, "
                      "nothing to compare\n");
        return;
    }
    size_t Ms[] = {1, 3, 7, 10, 11, 16}, Ns[] = {16, 40, 48, 56, 256}, Ks[] = {1, 37, 1024};
    struct rng g;
    rng_seed(&g, 512, 0);
    for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof *Ns; b++)
            for (size_t c = 0; c < sizeof Ks / sizeof *Ks; c++)
                for (int trans = 0; trans < 2; trans++)
                    for (int ab = 0; ab < 3; ab++) {
                        size_t M = Ms[a], N = Ns[b], K = Ks[c];
                        real alpha = ab == 2 ? (real)0.3 : 1, beta = ab == 0 ? 0 : 1;
                        real *A = support_random_reals(&g, M * K);
                        real *W = support_random_reals(&g, K * N);
                        real *C = support_random_reals(&g, M * N);
                        real *D = mem_alloc(M * N * sizeof *D);
                        real *packed = mem_alloc(stepgemm_packed_size(K, N) * sizeof *packed);
                        assert_non_null(D);
                        assert_non_null(packed);
                        memcpy(D, C, M * N * sizeof *C);
                        stepgemm_pack(packed, trans, K, N, W, trans ? K : N);
                        stepgemm_allow_avx512(0);
                        stepgemm(M, N, K, alpha, A, K, packed, beta, C, N);
                        stepgemm_allow_avx512(1);
                        stepgemm(M, N, K, alpha, A, K, packed, beta, D, N);
                        for (size_t i = 0; i < M * N; i++)
                            if (memcmp(&C[i], &D[i], sizeof *C))
                                fail_msg("M %zu N %zu K %zu trans %d alpha %g beta %g: "
                                         "C[%zu] AVX2 %.9g, AVX-512 %.9g", M, N, K, trans,
                                         (double)alpha, (double)beta, i, (double)C[i],
                                         (double)D[i]);
                        mem_free(A);
                        mem_free(W);
                        mem_free(C);
                        mem_free(D);
                        mem_free(packed);
                    }
}

/* stepgemm_apply_init: C_i = bias + table[ids[i]] + A W^T, where C's
 * old contents (NaN here) are never read: against a double sum, and with
 * the same bits as filling C first and then adding the product (the two
 * passes it replaces), on the AVX-512 tiles (rows in one tile and split,
 * whole, narrower and paired panels), the AVX2 ones and the BLAS. */
static void test_init_rows(void **state)
{
    (void)state;
    size_t Ms[] = {1, 3, 7, 10, 11, 16}, Ns[] = {16, 40, 48, 56, 256}, Ks[] = {1, 37};
    enum { V = 5 };
    struct rng g;
    rng_seed(&g, 77, 0);
    for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof *Ns; b++)
            for (size_t c = 0; c < sizeof Ks / sizeof *Ks; c++)
                for (int path = 0; path < 3; path++) {
                    size_t M = Ms[a], N = Ns[b], K = Ks[c], ld = N + 8;
                    real *A = support_random_reals(&g, M * K);
                    real *W = support_random_reals(&g, N * K); /* N x K: op(W) = W^T */
                    real *bias = support_random_reals(&g, N);
                    real *table = support_random_reals(&g, V * ld);
                    real *C = mem_alloc(M * N * sizeof *C);
                    real *D = mem_alloc(M * N * sizeof *D);
                    real *packed = mem_alloc(stepgemm_packed_size(K, N) * sizeof *packed);
                    int32_t ids[16];
                    assert_non_null(C);
                    assert_non_null(D);
                    assert_non_null(packed);
                    for (size_t i = 0; i < M; i++)
                        ids[i] = (int32_t)((i * 3 + N) % V);
                    struct stepgemm_init init = {.bias = bias, .table = table, .ids = ids, .ld = ld};
                    stepgemm_pack(packed, 1, K, N, W, K);
                    /* path 0: AVX-512 tiles (where the CPU has them), 1: AVX2, 2: the BLAS */
                    struct stepgemm_operand op = {.W = W, .ldw = K, .trans = 1,
                                                  .packed = path < 2 ? packed : NULL, .M = M};
                    stepgemm_allow_avx512(path == 0);
                    for (size_t i = 0; i < M * N; i++)
                        C[i] = NAN;
                    stepgemm_apply_init(&op, M, N, K, A, K, &init, C, N);
                    stepgemm_fill_init(&init, M, N, D, N);
                    stepgemm_apply(&op, M, N, K, 1, A, K, 1, D, N);
                    stepgemm_allow_avx512(1);
                    for (size_t i = 0; i < M; i++)
                        for (size_t j = 0; j < N; j++) {
                            double want = (double)bias[j] + (double)table[ids[i] * ld + j];
                            for (size_t k = 0; k < K; k++)
                                want += (double)A[i * K + k] * (double)W[j * K + k];
                            real got = C[i * N + j];
                            if (!(fabs((double)got - want) <= 2e-6 * (double)(K + 2)))
                                fail_msg("path %d M %zu N %zu K %zu: C[%zu][%zu] %.9g, in "
                                         "double %.9g", path, M, N, K, i, j, (double)got, want);
                            if (memcmp(&got, &D[i * N + j], sizeof got))
                                fail_msg("path %d M %zu N %zu K %zu: C[%zu][%zu] %.9g, filled "
                                         "first %.9g", path, M, N, K, i, j, (double)got,
                                         (double)D[i * N + j]);
                        }
                    mem_free(A);
                    mem_free(W);
                    mem_free(bias);
                    mem_free(table);
                    mem_free(C);
                    mem_free(D);
                    mem_free(packed);
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_products),
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_pack_layout),
        cmocka_unit_test(test_pack_every_element),
        cmocka_unit_test(test_transpose_every_element),
        cmocka_unit_test(test_xsmm_add),
        cmocka_unit_test(test_avx512_same_bits),
        cmocka_unit_test(test_init_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
