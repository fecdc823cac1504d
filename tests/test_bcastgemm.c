/* Tests for core/bcastgemm.c: C += A^T B (tngemm), C = init + A B and C +=
 * A B (nngemm) against products summed in double, with strides wider than
 * the operands (a chunk of a larger product) and every tail of rows (1-8)
 * and columns (1-70: whole and half registers); the bits of an element do
 * not depend on how the rows or columns are chunked; a long K is the sum
 * of its chunks' products, added one after the other; the kernels and the
 * BLAS agree to rounding; nothing outside C's M x N is written; every way
 * the kernel reads B (packed by bcastgemm_pack, packed on its stack all at
 * once or panel by panel, in place; op(A) walked by each panel whole or in
 * blocks) gives the same bits, and so does nngemm_xt, which packs X^T
 * itself; nngemm_store never reads C. */
#include "support.h"

#include <math.h>
#include <string.h>

#include "gemm.h"
#include "bcastgemm.h"
#include "mem.h"
#include "rng.h"

/* op(A)'s entry (i, k): A^T B reads A (K x M), A B reads A (M x K) */
static real entry(const real *A, size_t lda, int transposed, size_t i,
                  size_t k)
{
    return transposed ? A[k * lda + i] : A[i * lda + k];
}

/* tngemm_kernel (transposed) or nngemm_kernel, with init or without */
static void product(int transposed, size_t M, size_t N, size_t K,
                    const real *init, const real *A, size_t lda, const real *B,
                    size_t ldb, real *C, size_t ldc)
{
    if (transposed)
        tngemm_kernel(M, N, K, A, lda, B, ldb, C, ldc);
    else
        nngemm_kernel(M, N, K, init, A, lda, B, ldb, C, ldc);
}

/* M x N x K inside operands lda, ldb, ldc wide (>= M or K, N, N); nn with
 * init when `with_init` */
static void check_product(int transposed, int with_init, size_t M, size_t N,
                          size_t K, size_t lda, size_t ldb, size_t ldc)
{
    struct rng g;
    rng_seed(&g, M * 1000003 + N * 1009 + K * 7 + (size_t)transposed, 1);
    size_t arows = transposed ? K : M;
    real *A = support_random_reals(&g, arows * lda);
    real *B = support_random_reals(&g, K * ldb);
    real *C = support_random_reals(&g, M * ldc);
    real *init = with_init ? support_random_reals(&g, M) : NULL;
    real *C0 = mem_alloc(M * ldc * sizeof *C0);
    real *C1 = mem_alloc(M * ldc * sizeof *C1);
    assert_non_null(C0);
    assert_non_null(C1);
    memcpy(C0, C, M * ldc * sizeof *C);
    product(transposed, M, N, K, init, A, lda, B, ldb, C, ldc);
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < ldc; j++) {
            double want = C0[i * ldc + j], got = C[i * ldc + j];
            if (j < N) {
                want = init ? init[i] : want;
                for (size_t k = 0; k < K; k++)
                    want += (double)entry(A, lda, transposed, i, k) *
                            (double)B[k * ldb + j];
            }
            if (j >= N ? got != want : !(fabs(got - want) <= 2e-6 * (double)K))
                fail_msg("%s M %zu N %zu K %zu: C[%zu][%zu] %.9g, product "
                         "in double %.9g", transposed ? "tn" : "nn", M, N, K,
                         i, j, got, want);
        }
    /* in chunks of rows, then of columns: the same bits */
    memcpy(C1, C0, M * ldc * sizeof *C1);
    size_t mid = M / 2, cut = N / 3;
    const real *A_mid = transposed ? A + mid : A + mid * lda;
    product(transposed, mid, N, K, init, A, lda, B, ldb, C1, ldc);
    product(transposed, M - mid, cut, K, init ? init + mid : NULL, A_mid, lda,
            B, ldb, C1 + mid * ldc, ldc);
    product(transposed, M - mid, N - cut, K, init ? init + mid : NULL, A_mid,
            lda, B + cut, ldb, C1 + mid * ldc + cut, ldc);
    assert_memory_equal(C1, C, M * ldc * sizeof *C);
    /* the BLAS gives the same product to rounding; tngemm and nngemm,
     * whichever serves, too */
    for (int via = 0; via < 2; via++) {
        memcpy(C1, C0, M * ldc * sizeof *C1);
        if (via == 0 && init)
            for (size_t i = 0; i < M; i++)
                for (size_t j = 0; j < N; j++)
                    C1[i * ldc + j] = init[i];
        if (via == 0)
            gemm(transposed ? GEMM_T : GEMM_N, GEMM_N, M, N, K, 1, A, lda, B,
                 ldb, 1, C1, ldc);
        else if (transposed)
            tngemm(M, N, K, A, lda, B, ldb, C1, ldc);
        else
            nngemm(M, N, K, init, A, lda, B, ldb, C1, ldc);
        for (size_t i = 0; i < M * ldc; i++)
            assert_true(fabs(C1[i] - C[i]) <= 4e-6 * (double)K);
    }
    mem_free(A);
    mem_free(B);
    mem_free(C);
    mem_free(init);
    mem_free(C0);
    mem_free(C1);
}

/* both kinds, nn with and without init (A B's A at least K wide) */
static void check_shape(size_t M, size_t N, size_t K, size_t lda, size_t ldb,
                        size_t ldc)
{
    size_t nn_lda = lda >= K ? lda : K + 3;
    check_product(1, 0, M, N, K, lda, ldb, ldc);
    check_product(0, 0, M, N, K, nn_lda, ldb, ldc);
    check_product(0, 1, M, N, K, nn_lda, ldb, ldc);
}

static void test_tails(void **state)
{
    (void)state;
    for (size_t M = 1; M <= 13; M++)
        for (size_t N = 1; N <= 70; N += (N < 20 ? 1 : 7))
            check_shape(M, N, 9, M + 12, N + 5, N + 2);
}

static void test_training_shapes(void **state)
{
    (void)state;
    check_shape(256, 256, 560, 1024, 256, 256); /* (b) LSTM dW_hh, a chunk */
    check_shape(200, 200, 200, 10000, 200, 200); /* (d) decoder dW, a chunk */
    check_shape(200, 208, 200, 200, 800, 800);  /* (d) dW_ih^T, a chunk */
    check_shape(100, 100, 80, 100, 100, 100);   /* (e) dW_hh */
    check_shape(7, 28, 560, 28, 256, 256);      /* (b) decoder dW, V 28 */
    check_product(0, 1, 500, 200, 200, 200, 200, 200); /* (d) logits, rows */
    check_product(0, 0, 300, 200, 200, 200, 200, 200); /* (d) decoder dW */
}

/* K beyond BCASTGEMM_KMAX (the decoder's input gradient sums over the
 * vocabulary): the product is right, and it is the chunks' products added
 * to C one after the other, each chunk one call: even chunks of at most
 * BCASTGEMM_KCHUNK. */
static void test_long_k(void **state)
{
    (void)state;
    size_t M = 13, N = 100, K = 5000, chunks = (K + BCASTGEMM_KCHUNK - 1) / BCASTGEMM_KCHUNK;
    size_t step = (K + chunks - 1) / chunks;
    check_product(1, 0, M, N, K, M, N, N);
    check_product(0, 1, M, N, K, K, N, N);
    struct rng g;
    rng_seed(&g, 17, 1);
    real *A = support_random_reals(&g, K * M), *B = support_random_reals(&g, K * N);
    real *C = support_random_reals(&g, M * N), *init = support_random_reals(&g, M);
    real *C1 = mem_alloc(M * N * sizeof *C1);
    assert_non_null(C1);
    for (int transposed = 0; transposed < 2; transposed++) {
        size_t lda = transposed ? M : K;
        const real *in = transposed ? NULL : init;
        memcpy(C1, C, M * N * sizeof *C);
        product(transposed, M, N, K, in, A, lda, B, N, C1, N);
        real *C2 = support_random_reals(&g, M * N);
        memcpy(C2, C, M * N * sizeof *C);
        for (size_t k0 = 0; k0 < K; k0 += step) {
            size_t kc = K - k0 < step ? K - k0 : step;
            const real *a = transposed ? A + k0 * lda : A + k0;
            product(transposed, M, N, kc, k0 == 0 ? in : NULL, a, lda,
                    B + k0 * N, N, C2, N);
        }
        assert_memory_equal(C1, C2, M * N * sizeof *C1);
        if (transposed) { /* from bcastgemm_pack's copy, chunk by chunk */
            size_t psize = bcastgemm_packed_size(K, N);
            real *packed = psize ? mem_alloc(psize * sizeof *packed) : NULL;
            assert_true(!psize || packed);
            bcastgemm_pack(K, N, B, N, packed);
            memcpy(C2, C, M * N * sizeof *C);
            tngemm_packed(M, N, K, A, lda, B, N, packed, C2, N);
            assert_memory_equal(C1, C2, M * N * sizeof *C1);
            mem_free(packed);
        }
        mem_free(C2);
    }
    mem_free(A);
    mem_free(B);
    mem_free(C);
    mem_free(init);
    mem_free(C1);
}

/* C's rows [i0, i1) and columns [j0, j1) of tngemm_packed (packed B or
 * NULL) into C (M x N), from its own copy of C0 */
static void tn_slice(size_t i0, size_t i1, size_t j0, size_t j1, size_t K,
                     const real *A, size_t M, const real *B, size_t N,
                     const real *packed, real *C)
{
    tngemm_packed(i1 - i0, j1 - j0, K, A + i0, M, B + j0, N, packed,
                  C + i0 * N + j0, N);
}

/* One product (600 x 512 over K = 600) computed every way the kernel can
 * read B: whole (op(A) too large to stay in cache, B too large to pack on
 * the stack: blocks of rows, B in place), in slices of 12 rows (a small
 * op(A), each panel packed on the stack in turn and walked by all its
 * rows), in slices of 64 columns (one panel: packed on the stack whole,
 * blocks of rows), from bcastgemm_pack's copy (whole: blocks of rows, and
 * in slices of 12 rows: each panel by all rows). The same bits each way,
 * and the product. */
static void test_paths_same_bits(void **state)
{
    (void)state;
    size_t M = 600, N = 512, K = 600;
    struct rng g;
    rng_seed(&g, 23, 1);
    real *A = support_random_reals(&g, K * M), *B = support_random_reals(&g, K * N);
    real *C0 = support_random_reals(&g, M * N);
    real *want = mem_alloc(M * N * sizeof *want), *got = mem_alloc(M * N * sizeof *got);
    size_t psize = bcastgemm_packed_size(K, N);
    real *packed = psize ? mem_alloc(psize * sizeof *packed) : NULL;
    assert_non_null(want);
    assert_non_null(got);
    if (psize) {
        assert_non_null(packed);
        assert_true(psize >= K * N);
    }
    bcastgemm_pack(K, N, B, N, packed);
    memcpy(want, C0, M * N * sizeof *want);
    tn_slice(0, M, 0, N, K, A, M, B, N, NULL, want);
    for (size_t i = 0; i < M; i += 97)
        for (size_t j = 0; j < N; j += 31) {
            double sum = C0[i * N + j];
            for (size_t k = 0; k < K; k++)
                sum += (double)A[k * M + i] * (double)B[k * N + j];
            assert_true(fabs(want[i * N + j] - sum) <= 2e-6 * (double)K);
        }
    for (int way = 0; way < 4; way++) {
        memcpy(got, C0, M * N * sizeof *got);
        if (way == 0)
            for (size_t i = 0; i < M; i += 12)
                tn_slice(i, i + 12, 0, N, K, A, M, B, N, NULL, got);
        else if (way == 1)
            for (size_t j = 0; j < N; j += 64)
                tn_slice(0, M, j, j + 64, K, A, M, B, N, NULL, got);
        else if (way == 2)
            tn_slice(0, M, 0, N, K, A, M, B, N, packed, got);
        else
            for (size_t i = 0; i < M; i += 12)
                tn_slice(i, i + 12, 0, N, K, A, M, B, N, packed, got);
        assert_memory_equal(got, want, M * N * sizeof *got);
    }
    mem_free(A);
    mem_free(B);
    mem_free(C0);
    mem_free(want);
    mem_free(got);
    mem_free(packed);
}

/* nngemm_xt: C = init + A X^T packs X^T itself; the same bits as nngemm
 * on X^T written out (the same tiles over the same k), with init and
 * without, over several panels and a ragged last one; each column's
 * maximum folded into cmax (a row of NaN passed over). */
static void check_xt(size_t M, size_t N, size_t K)
{
    size_t ldx = K + 3;
    struct rng g;
    rng_seed(&g, 29 + K, 1);
    real *A = support_random_reals(&g, M * K), *X = support_random_reals(&g, N * ldx);
    real *C = support_random_reals(&g, M * N), *init = support_random_reals(&g, M);
    real *Xt = mem_alloc(K * N * sizeof *Xt), *want = mem_alloc(M * N * sizeof *want);
    real *got = mem_alloc(M * N * sizeof *got), *cmax = mem_alloc(N * sizeof *cmax);
    size_t psize = bcastgemm_packed_size(K, N);
    real *scratch = mem_alloc((psize ? psize : 1) * sizeof *scratch);
    assert_true(Xt && want && got && scratch && cmax);
    A[5 * K + 17] = NAN; /* row 5 of C: NaN */
    for (size_t j = 0; j < N; j++)
        for (size_t k = 0; k < K; k++)
            Xt[k * N + j] = X[j * ldx + k];
    for (int with_init = 0; with_init < 2; with_init++) {
        const real *in = with_init ? init : NULL;
        memcpy(want, C, M * N * sizeof *C);
        memcpy(got, C, M * N * sizeof *C);
        nngemm(M, N, K, in, A, K, Xt, N, want, N);
        for (size_t j = 0; j < N; j++) /* a NaN row passed over */
            cmax[j] = j % 2 ? -INFINITY : 0.5f;
        nngemm_xt(M, N, K, in, A, K, X, ldx, scratch, got, N, cmax);
        for (size_t i = 0; i < M * N; i++)
            assert_true(i / N == 5 || fabs(got[i] - want[i]) <= 4e-6 * (double)K);
        for (size_t j = 0; j < N; j++) {
            real m = j % 2 ? -INFINITY : 0.5f;
            for (size_t i = 0; i < M; i++)
                m = got[i * N + j] > m ? got[i * N + j] : m;
            assert_true(isnan(got[5 * N + j]));
            assert_true(cmax[j] == m);
        }
        if (bcastgemm_kernel_serves()) /* bits, NaN row aside */
            assert_memory_equal(got, want, 5 * N * sizeof *got);
        double sum = with_init ? init[7] : C[7 * N + N - 1];
        for (size_t k = 0; k < K; k++)
            sum += (double)A[7 * K + k] * (double)X[(N - 1) * ldx + k];
        assert_true(fabs(got[7 * N + N - 1] - sum) <= 2e-6 * (double)K);
    }
    mem_free(A);
    mem_free(X);
    mem_free(C);
    mem_free(init);
    mem_free(Xt);
    mem_free(want);
    mem_free(got);
    mem_free(cmax);
    mem_free(scratch);
}

static void test_xt(void **state)
{
    (void)state;
    check_xt(30, 150, 200);
    check_xt(9, 20, 4100); /* K in chunks: the maxima of the last one's C */
}

/* nngemm_store: C = A B with C's old contents (NaN) never read, equal to
 * nngemm's C += A B into zeros, element by element; the columns past N
 * untouched. Tails, (d)'s decoder weight-gradient chunk, a long K, K = 0
 * (zeros). */
static void test_store(void **state)
{
    (void)state;
    const struct { size_t M, N, K; } shapes[] = {
        {13, 70, 9}, {7, 5, 3}, {300, 200, 200}, {13, 100, 5000}, {7, 28, 0}};
    for (size_t c = 0; c < sizeof shapes / sizeof *shapes; c++) {
        size_t M = shapes[c].M, N = shapes[c].N, K = shapes[c].K, ldc = N + 3;
        struct rng g;
        rng_seed(&g, 41 + c, 1);
        real *A = support_random_reals(&g, M * K + 1);
        real *B = support_random_reals(&g, K * N + 1);
        real *want = mem_calloc(M * ldc, sizeof *want);
        real *got = mem_alloc(M * ldc * sizeof *got);
        assert_non_null(want);
        assert_non_null(got);
        for (size_t i = 0; i < M * ldc; i++)
            got[i] = NAN;
        nngemm(M, N, K, NULL, A, K, B, N, want, ldc);
        nngemm_store(M, N, K, A, K, B, N, got, ldc);
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < ldc; j++) {
                real w = want[i * ldc + j], h = got[i * ldc + j];
                if (j < N ? !(h == w) : !isnan(h))
                    fail_msg("M %zu N %zu K %zu: C[%zu][%zu] %.9g, want %.9g",
                             M, N, K, i, j, h, j < N ? w : NAN);
            }
        mem_free(A);
        mem_free(B);
        mem_free(want);
        mem_free(got);
    }
}

/* K = 0 adds nothing (or leaves init); M or N = 0 touches nothing. */
static void test_empty(void **state)
{
    (void)state;
    real A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8}, C[4] = {1, 1, 1, 1};
    real init[2] = {10, 20};
    tngemm_kernel(2, 2, 0, A, 2, B, 2, C, 2);
    tngemm_kernel(0, 2, 2, A, 2, B, 2, C, 2);
    tngemm_kernel(2, 0, 2, A, 2, B, 2, C, 2);
    nngemm_kernel(2, 2, 0, NULL, A, 2, B, 2, C, 2);
    nngemm_kernel(0, 2, 2, init, A, 2, B, 2, C, 2);
    nngemm_kernel(2, 0, 2, init, A, 2, B, 2, C, 2);
    for (int i = 0; i < 4; i++)
        assert_true(C[i] == 1);
    tngemm_kernel(2, 2, 2, A, 2, B, 2, C, 2);
    /* C += A^T B: [1 3; 2 4] [5 6; 7 8] */
    assert_true(C[0] == 27 && C[1] == 31 && C[2] == 39 && C[3] == 45);
    nngemm_kernel(2, 2, 2, init, A, 2, B, 2, C, 2);
    /* C = init + A B: [10; 20] + [1 2; 3 4] [5 6; 7 8] */
    assert_true(C[0] == 29 && C[1] == 32 && C[2] == 63 && C[3] == 70);
    nngemm_kernel(2, 2, 0, init, A, 2, B, 2, C, 2);
    assert_true(C[0] == 10 && C[1] == 10 && C[2] == 20 && C[3] == 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tails),
        cmocka_unit_test(test_training_shapes),
        cmocka_unit_test(test_long_k),
        cmocka_unit_test(test_paths_same_bits),
        cmocka_unit_test(test_xt),
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_empty),
    };
    printf("bcastgemm: the AVX-512 kernel %s here\n",
           bcastgemm_kernel_serves() ? "serves" : "does not serve (plain C tested)");
    return cmocka_run_group_tests_name("test_bcastgemm", tests, NULL, NULL);
}
