/* tngemm: the weight gradients' product C += A^T B over the rows of a
 * shard's T steps (A: K x M, B: K x N, row-major; K the rows, M and N the
 * weight's dimensions): dW_hh += dgates^T h, dW_ih^T += X^T dgates, the
 * decoder's dW += dlogits^T x.
 *
 * Owns: the choice between a kernel of ours and gemm.h for that product,
 * and the kernel. A BLAS packs both operands at every call (OpenBLAS: its
 * copy routines were 4.5% of (b) LSTM's step, once per row chunk of the
 * product); here both are read where they lie: for each k, the tile's R
 * entries of row k of A are broadcast (they are adjacent) against up to 64
 * adjacent entries of row k of B, so neither needs a transpose. Tiles of 6
 * rows of C by 64 columns (24 AVX-512 accumulators) walk C in blocks of 24
 * rows, B's panel staying in cache across a block; the next block's rows
 * of A are prefetched (each row of A lies on its own page, where the
 * hardware prefetchers stop) and the tile's rows of C too.
 * Each element is one FMA chain over k in order 0..K-1, added to C once at
 * the end, however M and N are blocked or chunked: the bits of an element
 * do not depend on the others, nor on which thread or task computed it.
 * Used where the CPU has AVX-512 and the float build; elsewhere gemm.h.
 * bench_gemm_shapes puts it beside OpenBLAS, BLIS and oneDNN's sgemm on
 * those shapes: it led OpenBLAS on all of them; BLIS or oneDNN's sgemm,
 * which allocate inside a step, led it on PTB's (README, Benchmarks).
 * Must not: allocate.
 */
#ifndef RNNLAB_TNGEMM_H
#define RNNLAB_TNGEMM_H

#include <stddef.h>

#include "real.h"

/* C (M x N, row stride ldc) += A^T B: A is K x M (stride lda), B K x N
 * (stride ldb); through the kernel or gemm.h, as tngemm_kernel_serves. */
void tngemm(size_t M, size_t N, size_t K, const real *A, size_t lda,
              const real *B, size_t ldb, real *C, size_t ldc);

/* Whether the kernel serves tngemm here (float build, AVX-512 CPU). */
int tngemm_kernel_serves(void);

/* The kernel itself, whatever tngemm_kernel_serves says (the plain C
 * loop where the build or CPU has no AVX-512): for tests and benchmarks. */
void tngemm_kernel(size_t M, size_t N, size_t K, const real *A, size_t lda,
                     const real *B, size_t ldb, real *C, size_t ldc);

#endif
