/* gemm: matrix products, the only module that includes cblas.h.
 *
 * Owns: the row-major C = alpha * op(A) * op(B) + beta * C call (sgemm, or
 * dgemm in the double build) and the BLAS thread count. Every matrix product
 * of the model goes through here. Shapes: op(A) is M x K, op(B) is K x N,
 * C is M x N; lda/ldb/ldc are row strides.
 */
#ifndef RNNLAB_GEMM_H
#define RNNLAB_GEMM_H

#include <stddef.h>

#include "real.h"

enum { GEMM_N = 0, GEMM_T = 1 };

/* The few rows of a recurrence's per-step product on one shard of a batch
 * (stepgemm.h takes some of those). */
#define GEMM_SMALL_ROWS 16

void gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, real alpha,
          const real *A, size_t lda, const real *B, size_t ldb, real beta,
          real *C, size_t ldc);

/* Sets the BLAS threads (OpenBLAS); 1 gives bit-identical repeated runs. */
void gemm_set_threads(int n);

#endif
