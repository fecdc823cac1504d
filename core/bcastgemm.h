/* bcastgemm: the products of a shard's whole T steps whose operands are
 * read where they lie, neither packed nor transposed:
 *   tngemm  C += A^T B  (A: K x M, B: K x N): the weight gradients dW_hh +=
 *           dgates^T h, dW_ih^T += X^T dgates, and the decoder's input
 *           gradient dx = dlogits^T W (the logits are vocabulary-major);
 *   nngemm  C = init + A B or C += A B  (A: M x K, B: K x N): the decoder's
 *           logits = W x^T + b and its weight gradient dW += dlogits x.
 * All row-major.
 *
 * Owns: the choice between a kernel of ours and gemm.h for those products,
 * and the kernel. A BLAS packs both operands at every call (OpenBLAS: its
 * copy routines were 4.5% of (b) LSTM's step, and the decoder's 10000 x 200
 * weights were packed at every forward and backward, 8% of (d)'s step);
 * here, for each k, a tile's R entries of column k of op(A) are broadcast
 * (adjacent in A^T B; R rows' k-th entries in A B) against up to 64
 * adjacent entries of row k of B. Tiles of 6 rows of C by 64 columns (24
 * AVX-512 accumulators) walk C in blocks of 24 rows, B's panel staying in
 * cache across a block; for A^T B the next block's rows of A are prefetched
 * (each row of A can lie on its own page, where the hardware prefetchers
 * stop) and the tile's rows of C too. A long K (more than BCASTGEMM_KMAX:
 * the decoder's input gradient sums over the vocabulary) is cut into even
 * chunks of at most BCASTGEMM_KCHUNK, so B's panel stays in cache.
 * Each element is one FMA chain over each chunk of k in order, added to C
 * once per chunk; the chunks depend on K alone: the bits of an element do
 * not depend on the others, nor on how M and N are split, nor on which
 * thread or task computed it.
 * Used where the CPU has AVX-512 and the float build; elsewhere gemm.h.
 * bench_gemm_shapes puts it beside OpenBLAS, BLIS and oneDNN's sgemm on
 * those shapes (README, Benchmarks).
 * Must not: allocate.
 */
#ifndef RNNLAB_BCASTGEMM_H
#define RNNLAB_BCASTGEMM_H

#include <stddef.h>

#include "real.h"

#define BCASTGEMM_KMAX 2048
#define BCASTGEMM_KCHUNK 512

/* C (M x N, row stride ldc) += A^T B: A is K x M (stride lda), B K x N
 * (stride ldb); through the kernel or gemm.h, as bcastgemm_kernel_serves. */
void tngemm(size_t M, size_t N, size_t K, const real *A, size_t lda,
            const real *B, size_t ldb, real *C, size_t ldc);

/* C (M x N) = init_i + A B, row i starting from init[i] (init NULL: C +=
 * A B): A is M x K (stride lda), B K x N (stride ldb). */
void nngemm(size_t M, size_t N, size_t K, const real *init, const real *A,
            size_t lda, const real *B, size_t ldb, real *C, size_t ldc);

/* Whether the kernel serves tngemm and nngemm here (float build, AVX-512
 * CPU). */
int bcastgemm_kernel_serves(void);

/* The kernels themselves, whatever bcastgemm_kernel_serves says (plain C
 * loops with the same chunks where the build or CPU has no AVX-512): for
 * tests and benchmarks. */
void tngemm_kernel(size_t M, size_t N, size_t K, const real *A, size_t lda,
                   const real *B, size_t ldb, real *C, size_t ldc);
void nngemm_kernel(size_t M, size_t N, size_t K, const real *init,
                   const real *A, size_t lda, const real *B, size_t ldb,
                   real *C, size_t ldc);

#endif
