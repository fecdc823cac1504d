/* stepgemm: the per-step product of a recurrence, C = beta * C + alpha *
 * A * op(W), with W packed once for all T steps of a sequence.
 *
 * Owns: the packed layout (panels of 16 columns of op(W), K rows each,
 * zero-padded to a whole panel), the kernel over it, and which of it,
 * libxsmm or gemm.h serves a per-step product. The recurrent
 * weights are the same at every step, but a BLAS packs them anew at every
 * call (OpenBLAS), or reads them strided (BLIS); packing once per sequence
 * and streaming whole panels is what makes this kernel faster than either
 * on these few-row shapes (make bench: bench_gemm_shapes, beside oneDNN's
 * sgemm too). Each element of A * op(W) is one sum over k in order 0..K-1,
 * whatever M is and however the rows are blocked, so the bits of a row do
 * not depend on the others. AVX-512 where the CPU has it (tiles of up to
 * 10 rows by a 16-column register), else AVX2 + FMA (6 rows by two 8-column
 * registers), asked per call: the same FMA chain per element, so the same
 * bits; plain C otherwise and in the double build.
 * Used (stepgemm_takes) on at most GEMM_SMALL_ROWS rows where make bench's
 * bench_gemm_shapes showed it the fastest of the GEMMs a step can call
 * (OpenBLAS, libxsmm; BLIS and oneDNN's sgemm allocate inside a step;
 * README, Benchmarks, names the runs where those two were ahead): op(W) =
 * W^T (a forward's h W_hh^T) with at least STEPGEMM_MIN_N_T columns (G*H >=
 * 256; STEPGEMM_MIN_N_T_512 on an AVX-512 CPU, so (e)'s RNN 100 too: 127
 * GFLOP/s there against OpenBLAS's 57), and op(W) = W (a backward's
 * dgates W_hh) with at least STEPGEMM_MIN_NK elements on a CPU without
 * AVX-512 (G*H*H >= 2*256^2: RNN 512, LSTM and GRU 256, PTB's LSTM 200),
 * STEPGEMM_MIN_NK_512 with it (RNN 512, LSTM 256). libxsmm's JIT kernels
 * (stepgemm_xsmm_takes, W as it is) take the backward products of at least
 * STEPGEMM_XSMM_MIN_NK elements that stepgemm does not: RNN 256's, and on
 * an AVX-512 CPU all of them from STEPGEMM_XSMM_MIN_NK_512 to below
 * STEPGEMM_MIN_NK_512 ((e)'s RNN 100: 180 GFLOP/s against OpenBLAS's 69;
 * GRU 256's, PTB's LSTM 200's: 2-6% ahead of stepgemm's paired panels
 * there; stepgemm leads at RNN 512's and LSTM 256's, and led them all on
 * the AVX2 machine).
 * Elsewhere the product goes to gemm.h. Also libxsmm's kernel for a whole
 * sequence's dense input projection (stepgemm_xsmm_add), where it led.
 * Must not: allocate (the caller gives stepgemm_packed_size reals).
 */
#ifndef RNNLAB_STEPGEMM_H
#define RNNLAB_STEPGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "real.h"

#define STEPGEMM_PANEL 16
#define STEPGEMM_MIN_NK 131072 /* 2 * 256 * 256 */
#define STEPGEMM_MIN_NK_512 262144 /* 4 * 256 * 256, with AVX-512 */
#define STEPGEMM_MIN_N_T 256
#define STEPGEMM_MIN_N_T_512 96 /* with AVX-512: (e)'s RNN 100 */
#define STEPGEMM_XSMM_MIN_NK 65536 /* 256 * 256 */
#define STEPGEMM_XSMM_MIN_NK_512 8192 /* with AVX-512: (e)'s RNN 100 */

/* The weights of a sequence's per-step products: packed (stepgemm), or W
 * itself (gemm) where that is the faster. */
struct stepgemm_operand {
    const real *W;       /* as given to stepgemm_prepare */
    size_t ldw;
    int trans;
    const real *packed;  /* NULL: libxsmm or gemm on W */
    void (*xsmm[2])(void); /* libxsmm's kernels for beta 0 and 1, or NULL */
    size_t M;            /* the rows they were made for */
};

/* Whether stepgemm takes products of M rows by op(W) (K x N): the rule
 * above, from the shape alone. */
int stepgemm_takes(size_t M, int trans, size_t K, size_t N);

/* Whether libxsmm takes them (op(W) = W only; the float build). */
int stepgemm_xsmm_takes(size_t M, int trans, size_t K, size_t N);

/* Chooses for products of M rows by op(W) (K x N, see stepgemm_pack) and
 * packs op(W) into space (stepgemm_packed_size(K, N) reals) when stepgemm
 * is the choice. */
void stepgemm_prepare(struct stepgemm_operand *op, real *space, size_t M,
                      int trans, size_t K, size_t N, const real *W,
                      size_t ldw);

/* C (M x N) += A (M x K) W (K x N), all dense row-major, through
 * libxsmm's JIT kernel for that shape (compiled at its first use, a
 * lookup after that: nothing allocated in a step); 0 where there is none
 * (the double build, a shape libxsmm does not take), and C untouched.
 * A dense input's projection X W_ih^T of a whole sequence (cell.c): on the
 * Zen 5 218 GFLOP/s at (d)'s 200 x 800 x 200 and 193 at (e)'s 80 x 100 x
 * 100, bcastgemm's nngemm 193 and 162, OpenBLAS about 100
 * (bench_gemm_shapes). */
int stepgemm_xsmm_add(size_t M, size_t N, size_t K, const real *A,
                      const real *W, real *C);

/* C = beta * C + alpha * A op(W), through whichever op chose. */
void stepgemm_apply(const struct stepgemm_operand *op, size_t M, size_t N,
                    size_t K, real alpha, const real *A, size_t lda, real beta,
                    real *C, size_t ldc);

/* What row i of C starts from in stepgemm_apply_init: bias + row ids[i] of
 * table (rows ld apart): a one-hot input's gate inputs, W_ih^T's row for
 * the token plus the folded bias. */
struct stepgemm_init {
    const real *bias;    /* N */
    const real *table;
    const int32_t *ids;  /* M */
    size_t ld;
};

/* C_i = bias + table[ids[i]] (row i of stepgemm_fill_init) + A op(W): on
 * stepgemm's AVX-512 tiles the start is added where a tile stores its sums,
 * so C is written once; elsewhere filled first, then stepgemm_apply adds
 * (the same bits either way). Written as two passes, the one-hot gate
 * inputs of (b) LSTM (16 rows of 4 KB a step) left L1 before the product
 * read them back. */
void stepgemm_apply_init(const struct stepgemm_operand *op, size_t M,
                         size_t N, size_t K, const real *A, size_t lda,
                         const struct stepgemm_init *init, real *C, size_t ldc);

/* C (M x N, row stride ldc) = row i of init's start, for each row. */
void stepgemm_fill_init(const struct stepgemm_init *init, size_t M, size_t N,
                        real *C, size_t ldc);

/* Reals the packed op(W) of K x N takes. */
size_t stepgemm_packed_size(size_t K, size_t N);

/* Packs op(W) (K x N): W stored row-major with row stride ldw, as K x N
 * (trans 0) or N x K (trans 1, op(W) = W^T). */
void stepgemm_pack(real *packed, int trans, size_t K, size_t N, const real *W,
                   size_t ldw);

/* Tests only: 0 holds stepgemm to its AVX2 tiles on a CPU with AVX-512, 1
 * (the default) lets it use them. Returns whether the CPU has AVX-512 (and
 * this build the kernels for it). Not thread-safe: call before products. */
int stepgemm_allow_avx512(int allow);

/* C (M x N, row stride ldc) = beta * C + alpha * A (M x K, row stride lda)
 * times the packed op(W); beta is 0 or 1 (0: C is not read). */
void stepgemm(size_t M, size_t N, size_t K, real alpha, const real *A,
              size_t lda, const real *packed, real beta, real *C, size_t ldc);

#endif
