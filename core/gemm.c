/* gemm: see gemm.h. */
#include "gemm.h"

#include <cblas.h>

void gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, real alpha,
          const real *A, size_t lda, const real *B, size_t ldb, real beta,
          real *C, size_t ldc)
{
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
