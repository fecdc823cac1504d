/* Tests for core/tngemm.c: C += A^T B against a product summed in double,
 * with strides wider than the operands (a chunk of a larger product) and
 * every tail of rows (1-6) and columns (1-64); the bits of an element do
 * not depend on how the rows or columns are chunked; tngemm and the BLAS
 * agree to rounding; the kernel writes nothing outside C's M x N. */
#include "support.h"

#include <math.h>
#include <string.h>

#include "gemm.h"
#include "bcastgemm.h"
#include "mem.h"
#include "rng.h"

/* M x N x K inside operands lda, ldb, ldc wide (>= M, N, N) */
static void check_shape(size_t M, size_t N, size_t K, size_t lda, size_t ldb,
                        size_t ldc)
{
    struct rng g;
    rng_seed(&g, M * 1000003 + N * 1009 + K, 1);
    real *A = support_random_reals(&g, K * lda);
    real *B = support_random_reals(&g, K * ldb);
    real *C = support_random_reals(&g, M * ldc);
    real *C0 = mem_alloc(M * ldc * sizeof *C0);
    real *C1 = mem_alloc(M * ldc * sizeof *C1);
    assert_non_null(C0);
    assert_non_null(C1);
    memcpy(C0, C, M * ldc * sizeof *C);
    tngemm_kernel(M, N, K, A, lda, B, ldb, C, ldc);
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < ldc; j++) {
            double want = C0[i * ldc + j], got = C[i * ldc + j];
            if (j < N)
                for (size_t k = 0; k < K; k++)
                    want += (double)A[k * lda + i] * (double)B[k * ldb + j];
            if (j >= N ? got != want : !(fabs(got - want) <= 2e-6 * (double)K))
                fail_msg("M %zu N %zu K %zu: C[%zu][%zu] %.9g, product in "
                         "double %.9g", M, N, K, i, j, got, want);
        }
    /* in chunks of rows, then of columns: the same bits */
    memcpy(C1, C0, M * ldc * sizeof *C1);
    size_t mid = M / 2, cut = N / 3;
    tngemm_kernel(mid, N, K, A, lda, B, ldb, C1, ldc);
    tngemm_kernel(M - mid, cut, K, A + mid, lda, B, ldb, C1 + mid * ldc, ldc);
    tngemm_kernel(M - mid, N - cut, K, A + mid, lda, B + cut, ldb,
                    C1 + mid * ldc + cut, ldc);
    assert_memory_equal(C1, C, M * ldc * sizeof *C);
    /* the BLAS gives the same product to rounding; tngemm, whichever
     * serves, too */
    for (int via = 0; via < 2; via++) {
        memcpy(C1, C0, M * ldc * sizeof *C1);
        if (via == 0)
            gemm(GEMM_T, GEMM_N, M, N, K, 1, A, lda, B, ldb, 1, C1, ldc);
        else
            tngemm(M, N, K, A, lda, B, ldb, C1, ldc);
        for (size_t i = 0; i < M * ldc; i++)
            assert_true(fabs(C1[i] - C[i]) <= 4e-6 * (double)K);
    }
    mem_free(A);
    mem_free(B);
    mem_free(C);
    mem_free(C0);
    mem_free(C1);
}

static void test_tails(void **state)
{
    (void)state;
    for (size_t M = 1; M <= 13; M++)
        for (size_t N = 1; N <= 70; N += (N < 20 ? 1 : 7))
            check_shape(M, N, 9, M + 3, N + 5, N + 2);
}

static void test_training_shapes(void **state)
{
    (void)state;
    check_shape(256, 256, 560, 1024, 256, 256); /* (b) LSTM dW_hh, a chunk */
    check_shape(200, 200, 200, 10000, 200, 200); /* (d) decoder dW, a chunk */
    check_shape(200, 208, 200, 200, 800, 800);  /* (d) dW_ih^T, a chunk */
    check_shape(100, 100, 80, 100, 100, 100);   /* (e) dW_hh */
    check_shape(7, 28, 560, 28, 256, 256);      /* (b) decoder dW, V 28 */
}

/* K = 0 adds nothing; M or N = 0 touches nothing. */
static void test_empty(void **state)
{
    (void)state;
    real A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8}, C[4] = {1, 1, 1, 1};
    tngemm_kernel(2, 2, 0, A, 2, B, 2, C, 2);
    tngemm_kernel(0, 2, 2, A, 2, B, 2, C, 2);
    tngemm_kernel(2, 0, 2, A, 2, B, 2, C, 2);
    for (int i = 0; i < 4; i++)
        assert_true(C[i] == 1);
    tngemm_kernel(2, 2, 2, A, 2, B, 2, C, 2);
    /* C += A^T B: [1 3; 2 4] [5 6; 7 8] */
    assert_true(C[0] == 27 && C[1] == 31 && C[2] == 39 && C[3] == 45);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tails),
        cmocka_unit_test(test_training_shapes),
        cmocka_unit_test(test_empty),
    };
    printf("tngemm: the AVX-512 kernel %s here\n",
           bcastgemm_kernel_serves() ? "serves" : "does not serve (plain C tested)");
    return cmocka_run_group_tests_name("test_tngemm", tests, NULL, NULL);
}
