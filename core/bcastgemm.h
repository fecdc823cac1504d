/* bcastgemm: the products of a shard's whole T steps whose first operand
 * is read where it lies, neither packed nor transposed:
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
 * here op(A) is read where it lies: for each k, a tile's R entries of
 * column k of op(A) are broadcast (adjacent in A^T B; R rows' k-th entries
 * in A B) against up to 64 adjacent entries of row k of B. Tiles of 6 rows
 * of C by 64 columns, or 8 rows by up to 48 (24 AVX-512 accumulators). B is read in panels of up
 * to 64 columns, packed so that a panel's rows are one sequential stream
 * (in place, rows ldb apart at power-of-two strides fell into a few L1
 * sets and across pages: 150-165 GFLOP/s on (b) RNN 512's dW_hh, 200-210
 * packed): by bcastgemm_pack ahead of the call (h, for all of a layer's
 * dW_hh tasks), else on the stack, whole or panel by panel; only a chunk
 * longer than 1024 goes in place. Where op(A)'s rows of a chunk fit in
 * half an L2 cache, each panel walks all of C's rows, op(A) staying in
 * cache; a larger op(A) (the decoder's W) is read once, in blocks of 24
 * rows across all panels. For A^T B the next rows of A are prefetched
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
 * Must not: allocate (B's panels go to the caller's buffer or 256 KB of
 * the stack).
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

/* tngemm with B also given packed: `packed` is bcastgemm_pack's copy of
 * this B (K x N) or NULL. The same bits either way; the dW_hh tasks of a
 * layer all read one h, packed once (cell_backward_chain), where packing
 * inside each task cost 4% of (b) RNN 512's step. */
void tngemm_packed(size_t M, size_t N, size_t K, const real *A, size_t lda,
                   const real *B, size_t ldb, const real *packed, real *C,
                   size_t ldc);

/* Reals bcastgemm_pack's copy of a K x N operand takes: 0 where the kernel
 * does not serve. */
size_t bcastgemm_packed_size(size_t K, size_t N);

/* B (K x N, stride ldb) into packed (bcastgemm_packed_size reals) in the
 * kernel's panels (up to 64 columns, each panel's K rows 64 apart, one
 * panel after the other); nothing where the kernel does not serve. */
void bcastgemm_pack(size_t K, size_t N, const real *B, size_t ldb,
                    real *packed);

/* C (M x N) = init_i + A B, row i starting from init[i] (init NULL: C +=
 * A B): A is M x K (stride lda), B K x N (stride ldb). */
void nngemm(size_t M, size_t N, size_t K, const real *init, const real *A,
            size_t lda, const real *B, size_t ldb, real *C, size_t ldc);

/* C (M x N) = A B, C's old contents never read (C += A B where C is zero
 * gives the same numbers, but reads C: (d)'s decoder weight gradient,
 * 8 MB of zeros a replica at every step). */
void nngemm_store(size_t M, size_t N, size_t K, const real *A, size_t lda,
                  const real *B, size_t ldb, real *C, size_t ldc);

/* C (M x N) = init_i + A X^T (init NULL: C += A X^T): A is M x K (stride
 * lda), X N x K (stride ldx); where the kernel serves, X^T goes straight
 * into its packed panels in scratch (bcastgemm_packed_size(K, N) reals),
 * one pass where a transpose and then the packing took two; else gemm.h.
 * The decoder's logits = W x^T + b. Where cmax (N) is given, each
 * column's maximum is folded into it, cmax_j = max(cmax_j, C_ij) (a NaN
 * C_ij passed over), as the tiles store C: the softmax's maxima without
 * another pass over the logits (8 MB a replica for (d)). */
void nngemm_xt(size_t M, size_t N, size_t K, const real *init, const real *A,
               size_t lda, const real *X, size_t ldx, real *scratch, real *C,
               size_t ldc, real *cmax);

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
