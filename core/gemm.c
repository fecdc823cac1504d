/* gemm: see gemm.h. */
#include "gemm.h"

/* OpenBLAS's cblas.h first: blis.h carries a cblas.h of its own, which the
 * include guard then skips */
#include <cblas.h>
#include <blis.h>

static trans_t blis_trans(int t)
{
    return t ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE;
}

void gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, real alpha,
          const real *A, size_t lda, const real *B, size_t ldb, real beta,
          real *C, size_t ldc)
{
    /* BLIS's "sup" path for skinny products reads the operands in place;
     * OpenBLAS packs both every call (the recurrent weights, up to 1 MB,
     * once per time step). BLIS is faster with few rows, OpenBLAS on the
     * large all-steps products (make bench: bench_gemm_shapes). */
    if (M <= GEMM_SMALL_ROWS) {
        /* row-major: a row stride of ld, a column stride of 1, for the
         * stored (untransposed) operand */
#ifdef RNNLAB_DOUBLE
        bli_dgemm(
#else
        bli_sgemm(
#endif
            blis_trans(trans_a), blis_trans(trans_b), (dim_t)M, (dim_t)N,
            (dim_t)K, &alpha, (real *)A, (inc_t)lda, 1, (real *)B, (inc_t)ldb,
            1, &beta, C, (inc_t)ldc, 1);
        return;
    }
#ifdef RNNLAB_DOUBLE
    cblas_dgemm(
#else
    cblas_sgemm(
#endif
        CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
        trans_b ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, alpha, A,
        (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

void gemm_set_threads(int n)
{
    openblas_set_num_threads(n);
}
