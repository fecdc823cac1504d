/* The GEMMs side by side on the products a training step makes: OpenBLAS
 * (cblas_sgemm, what core/gemm.c calls), BLIS (bli_sgemm, serial build),
 * oneDNN's dnnl_sgemm when built with -DHAVE_BLIS -DHAVE_DNNL (make bench,
 * which installs libblis-serial-dev and libdnnl-dev), libxsmm's JIT kernels
 * (per-step products and a sequence's A B), and, on the per-step products of a recurrence,
 * core/stepgemm.c (ours: the weights packed once per sequence; the packing
 * is timed too, once every T products, T the config's steps), and, on the
 * products of a shard's whole sequence (the weight gradients, a dense
 * input's projection and gradient, the decoder's three products),
 * core/bcastgemm.c (ours: op(A) read where it lies, B's panels packed; dW_hh
 * as a step runs it: h packed once, then the cell's chunks of rows, the
 * packing timed too; the decoder's dW in the vocabulary's chunks, as the
 * step runs it). One thread each. The evidence for the
 * per-step rule (stepgemm.h): stepgemm is used only where it is the
 * fastest of all, libxsmm where it is ahead of it; and for bcastgemm's
 * (bcastgemm.h).
 * Prints GFLOP/s per library and shape, each the median of 11 rounds that
 * alternate the libraries, and which libraries allocate memory per call
 * once warmed up: a training step must not
 * (tests/test_alloc.c), so those cannot serve a step however fast. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS's cblas.h before blis.h, which carries a cblas.h of its own that
 * the include guard then skips */
#include <cblas.h>
#ifdef HAVE_BLIS
#include <blis.h>
#endif
#include <libxsmm.h> /* a dependency of the library (core/stepgemm.c) */
#ifdef HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#include <omp.h> /* oneDNN's threads are OpenMP's: one, like the others */
#endif

#include "alloc_count.h" /* every library's allocations counted */
#include "gemm.h"
#include "stepgemm.h"
#include "bcastgemm.h"
#include "cell.h"
#include "train.h"

enum { H_GRAD = 1, PROJ = 2, DEC_XSMM = 4, DEC_DW = 8 };

struct shape {
    const char *what;
    int ta, tb;
    int M, N, K;
    int steps; /* a recurrence's per-step product over this many steps
                * (stepgemm packs once per sequence); 0: another product */
    int how; /* H_GRAD: dW_hh += dgates^T h, bcastgemm as the step runs
              * it; PROJ: a dense input's X W_ih^T, libxsmm where it has a
              * kernel (stepgemm_xsmm_add), else bcastgemm; DEC_XSMM: a
              * decoder product model_pass.c sends to libxsmm (a small
              * vocabulary's logits^T = x W^T and dW, (e)'s logits); DEC_DW: the
              * decoder's dW as the step runs it, in the vocabulary's chunks
              * (cell_grad_chunk); 0: none of these */
};

/* Per-step products at the bench configs' shard rows (batch / grad_shards),
 * then whole-sequence products of the same configs. */
static const struct shape SHAPES[] = {
    {"a,c RNN 256 h W_hh^T", 0, 1, 16, 256, 256, 35, 0},
    {"a,c RNN 256 dgates W_hh", 0, 0, 16, 256, 256, 35, 0},
    {"b RNN 512 h W_hh^T", 0, 1, 16, 512, 512, 35, 0},
    {"b RNN 512 dgates W_hh", 0, 0, 16, 512, 512, 35, 0},
    {"b LSTM 256 h W_hh^T", 0, 1, 16, 1024, 256, 35, 0},
    {"b LSTM 256 dgates W_hh", 0, 0, 16, 256, 1024, 35, 0},
    {"b GRU 256 h W_hh^T", 0, 1, 16, 768, 256, 35, 0},
    {"b GRU 256 dgates W_hh", 0, 0, 16, 256, 768, 35, 0},
    {"d LSTM 200 h W_hh^T", 0, 1, 10, 800, 200, 20, 0},
    {"d LSTM 200 dgates W_hh", 0, 0, 10, 200, 800, 20, 0},
    {"e RNN 100 h W_hh^T", 0, 1, 16, 100, 100, 5, 0},
    {"e RNN 100 dgates W_hh", 0, 0, 16, 100, 100, 5, 0},
    {"b LSTM 256 h W_hh^T, B 32", 0, 1, 32, 1024, 256, 35, 0},
    {"b RNN 512 dW_hh, 35 steps", 1, 0, 512, 512, 560, 0, 1},
    {"b LSTM dW_hh, 35 steps", 1, 0, 1024, 256, 560, 0, 1},
    {"b GRU dW_hh, 35 steps", 1, 0, 768, 256, 560, 0, 1},
    {"a,b logits^T x W^T, 35 st", 0, 0, 560, 28, 256, 0, DEC_XSMM},
    {"a,b decoder dW, 35 steps", 0, 0, 28, 256, 560, 0, DEC_XSMM | DEC_DW},
    {"a,b decoder dx, 35 steps", 1, 0, 560, 256, 28, 0, 0},
    {"c logits W x^T, 35 steps", 0, 0, 1028, 560, 256, 0, 0},
    {"c decoder dW, 35 steps", 0, 0, 1028, 256, 560, 0, DEC_DW},
    {"c decoder dx, 35 steps", 1, 0, 560, 256, 1028, 0, 0},
    {"d LSTM X W_ih^T, 20 steps", 0, 0, 200, 800, 200, 0, PROJ},
    {"d LSTM dX, 20 steps", 0, 1, 200, 200, 800, 0, 0},
    {"d LSTM dW_hh, 20 steps", 1, 0, 800, 200, 200, 0, 1},
    {"d LSTM dW_ih^T, 20 steps", 1, 0, 200, 800, 200, 0, 0},
    {"d logits W x^T, 20 steps", 0, 0, 10000, 200, 200, 0, 0},
    {"d decoder dW, 20 steps", 0, 0, 10000, 200, 200, 0, DEC_DW},
    {"d decoder dx, 20 steps", 1, 0, 200, 200, 10000, 0, 0},
    {"e RNN X W_ih^T, 5 steps", 0, 0, 80, 100, 100, 0, PROJ},
    {"e RNN dX, 5 steps", 0, 1, 80, 100, 100, 0, 0},
    {"e logits W x^T, 5 steps", 0, 0, 10000, 80, 100, 0, DEC_XSMM},
    {"e decoder dW, 5 steps", 0, 0, 10000, 100, 80, 0, DEC_DW},
    {"e decoder dx, 5 steps", 1, 0, 80, 100, 10000, 0, 0},
};


typedef void (*product_fn)(const struct shape *s, const float *A,
                           const float *B, float *C);

static float *packed; /* stepgemm's packed op(B) */
static long calls_since_pack;

static void with_stepgemm(const struct shape *s, const float *A, const float *B,
                          float *C)
{
    if (calls_since_pack++ % s->steps == 0) /* a new sequence */
        stepgemm_pack(packed, s->tb, s->K, s->N, B, s->tb ? s->K : s->N);
    stepgemm(s->M, s->N, s->K, 1, A, s->K, packed, 1, C, s->N);
}

static void with_openblas(const struct shape *s, const float *A,
                          const float *B, float *C)
{
    cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans,
                s->tb ? CblasTrans : CblasNoTrans, s->M, s->N, s->K, 1, A,
                s->ta ? s->M : s->K, B, s->tb ? s->K : s->N, 1, C, s->N);
}

static float *h_packed; /* bcastgemm_pack's copy of h */

/* bcastgemm's kernels: tngemm's, nngemm's, and for op(B) = B^T (a dense
 * input's gradient dgates W_ih) nngemm_xt's, which packs B^T (into
 * h_packed, as the cell packs it into its wpack); dW_hh as the step runs
 * it: h packed once (the backward chain does, once per step), then the
 * cell's row chunks (cell_grad_task) from the packed copy */
static void with_bcastgemm(const struct shape *s, const float *A,
                           const float *B, float *C)
{
    if (s->how == H_GRAD) {
        bcastgemm_pack(s->K, s->N, B, s->N, h_packed);
        for (size_t c = 0; c < cell_grad_chunks(s->M); c++) {
            size_t begin, end;
            cell_grad_chunk(s->M, c, &begin, &end);
            tngemm_packed(end - begin, s->N, s->K, A + begin, s->M, B, s->N,
                          h_packed, C + begin * s->N, s->N);
        }
    } else if (s->how & DEC_DW) {
        for (size_t c = 0; c < cell_grad_chunks(s->M); c++) {
            size_t begin, end;
            cell_grad_chunk(s->M, c, &begin, &end);
            nngemm_kernel(end - begin, s->N, s->K, NULL, A + begin * s->K,
                          s->K, B, s->N, C + begin * s->N, s->N);
        }
    } else if (s->tb) {
        nngemm_xt(s->M, s->N, s->K, NULL, A, s->K, B, s->K, h_packed, C, s->N,
                  NULL);
    } else if (s->ta)
        tngemm_kernel(s->M, s->N, s->K, A, s->M, B, s->N, C, s->N);
    else
        nngemm_kernel(s->M, s->N, s->K, NULL, A, s->K, B, s->N, C, s->N);
}

#ifdef HAVE_BLIS
static void with_blis(const struct shape *s, const float *A, const float *B,
                      float *C)
{
    float one = 1;
    bli_sgemm(s->ta ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE,
              s->tb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, s->M, s->N, s->K,
              &one, (float *)A, s->ta ? s->M : s->K, 1, (float *)B,
              s->tb ? s->K : s->N, 1, &one, C, s->N, 1);
}
#endif

#ifdef HAVE_DNNL
static void with_dnnl(const struct shape *s, const float *A, const float *B,
                      float *C)
{
    dnnl_sgemm(s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->M, s->N, s->K, 1, A,
               s->ta ? s->M : s->K, B, s->tb ? s->K : s->N, 1, C, s->N);
}
#endif

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* libxsmm's JIT kernel for the shape (column-major: C^T = op(B)^T A^T), on
 * op(B) laid out K x N row-major: B itself, or (op(B) = B^T) a transposed
 * copy made once per sequence, as stepgemm packs once. */
static libxsmm_smmfunction xsmm_kernel;
static float *xsmm_b;
static long xsmm_calls;

static void with_xsmm(const struct shape *s, const float *A, const float *B,
                      float *C)
{
    const float *b = B;
    if (s->tb) {
        if (xsmm_calls++ % s->steps == 0)
            for (int n = 0; n < s->N; n++)
                for (int k = 0; k < s->K; k++)
                    xsmm_b[(size_t)k * s->N + n] = B[(size_t)n * s->K + k];
        b = xsmm_b;
    }
    if (!(s->how & DEC_DW)) {
        xsmm_kernel(b, A, C);
        return;
    }
    for (size_t c = 0; c < cell_grad_chunks(s->M); c++) { /* as the step */
        size_t begin, end;
        cell_grad_chunk(s->M, c, &begin, &end);
        stepgemm_xsmm_add(end - begin, s->N, s->K, A + begin * s->K, B,
                          C + begin * s->N);
    }
}

/* with_xsmm ready for s, or NULL where libxsmm has no kernel or the shape
 * is neither a per-step product nor a whole sequence's A B. */
static product_fn xsmm_for(const struct shape *s)
{
    if (s->ta || (!s->steps && s->tb))
        return NULL;
    libxsmm_blasint lda = s->N, ldb = s->K, ldc = s->N;
    float one = 1;
    xsmm_kernel = libxsmm_smmdispatch(s->N, s->M, s->K, &lda, &ldb, &ldc, &one,
                                      &one, NULL, NULL);
    xsmm_calls = 0;
    return xsmm_kernel ? with_xsmm : NULL;
}

enum { LIBS = 6, ROUNDS = 11 };

/* Calls of f that take about 10 ms. */
static long calls_for(product_fn f, const struct shape *s, const float *A,
                      const float *B, float *C)
{
    double t0 = train_now();
    long calls = 0;
    while (train_now() - t0 < 0.01 || calls < 3) {
        f(s, A, B, C);
        calls++;
    }
    return calls;
}

/* GFLOP/s of each library in fns (NULL: left out), the median of ROUNDS
 * rounds that take every library in turn: this machine's speed drifts,
 * and alternating spreads the drift over all of them. */
static void rates(product_fn *fns, const struct shape *s, const float *A,
                  const float *B, float *C, double *out)
{
    long calls[LIBS] = {0};
    double r[LIBS][ROUNDS];
    for (int l = 0; l < LIBS; l++)
        if (fns[l])
            calls[l] = calls_for(fns[l], s, A, B, C);
    for (int round = 0; round < ROUNDS; round++)
        for (int l = 0; l < LIBS; l++) {
            if (!fns[l])
                continue;
            double t1 = train_now();
            for (long i = 0; i < calls[l]; i++)
                fns[l](s, A, B, C);
            r[l][round] = 2.0 * s->M * s->N * (double)s->K * (double)calls[l] /
                          (train_now() - t1) * 1e-9;
        }
    for (int l = 0; l < LIBS; l++) {
        out[l] = 0;
        if (fns[l]) {
            qsort(r[l], ROUNDS, sizeof r[l][0], by_value);
            out[l] = r[l][ROUNDS / 2];
        }
    }
}

/* Allocations per call of f, after the calls rates() made (a library sizes
 * its buffers on first use). */
static double allocations_per_call(product_fn f, const struct shape *s,
                                   const float *A, const float *B, float *C)
{
    enum { CALLS = 100 };
    long before = alloc_count_allocations();
    for (int i = 0; i < CALLS; i++)
        f(s, A, B, C);
    return (double)(alloc_count_allocations() - before) / CALLS;
}

static float *filled(size_t n)
{
    float *x = aligned_alloc(64, (n * sizeof *x + 63) / 64 * 64);
    for (size_t i = 0; x && i < n; i++)
        x[i] = (float)((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
    return x;
}

int main(void)
{
    const char *names[] = {"OpenBLAS", "BLIS", "oneDNN", "libxsmm", "stepgemm", "bcastgemm"};
    product_fn fns[] = {with_openblas,
#ifdef HAVE_BLIS
                        with_blis,
#else
                        NULL,
#endif
#ifdef HAVE_DNNL
                        with_dnnl,
#else
                        NULL,
#endif
                        with_xsmm,
                        with_stepgemm,
                        with_bcastgemm};
    gemm_set_threads(1);
#ifdef HAVE_DNNL
    omp_set_num_threads(1);
#endif
    libxsmm_init();
    printf("GFLOP/s on one thread (row-major C(MxN) += op(A) op(B); used: what "
           "a training step uses: for a recurrence's per-step products with M <= %d, "
           "stepgemm for N >= %d (op(B) = B^T) and with op(B) = B libxsmm for %d <= N*K < "
           "%d on an AVX-512 CPU (here: %s), else stepgemm for N >= %d and libxsmm for "
           "%d <= N*K < %d; stepgemm above; a whole sequence's products, bcastgemm where the "
           "CPU has AVX-512 (here: %s), libxsmm for a dense input's projection "
           "and the decoder products model_pass.c gives it; else OpenBLAS)\n",
           GEMM_SMALL_ROWS, STEPGEMM_MIN_N_T_512, STEPGEMM_XSMM_MIN_NK_512,
           STEPGEMM_MIN_NK_512, stepgemm_allow_avx512(1) ? "yes" : "no",
           STEPGEMM_MIN_N_T, STEPGEMM_XSMM_MIN_NK, STEPGEMM_MIN_NK,
           bcastgemm_kernel_serves() ? "yes" : "no");
    printf("%-28s %2s %5s %5s %5s", "product", "op", "M", "N", "K");
    for (int l = 0; l < LIBS; l++)
        if (fns[l])
            printf(" %9s", names[l]);
    printf("  %-9s %-9s %s\n", "fastest", "used", "allocating (per call)");
    for (size_t i = 0; i < sizeof SHAPES / sizeof *SHAPES; i++) {
        const struct shape *s = &SHAPES[i];
        float *A = filled((size_t)s->M * s->K), *B = filled((size_t)s->K * s->N);
        float *C = filled((size_t)s->M * s->N);
        if (!A || !B || !C) {
            fprintf(stderr, "bench_gemm_shapes: out of memory\n");
            return 1;
        }
        printf("%-28s %c%c %5d %5d %5d", s->what, s->ta ? 'T' : 'N',
               s->tb ? 'T' : 'N', s->M, s->N, s->K);
        packed = aligned_alloc(64, stepgemm_packed_size(s->K, s->N) * sizeof *packed);
        if (!packed) {
            fprintf(stderr, "bench_gemm_shapes: out of memory\n");
            return 1;
        }
        calls_since_pack = 0;
        h_packed = malloc((bcastgemm_packed_size(s->K, s->N) + 1) * sizeof *h_packed);
        if (!h_packed) {
            fprintf(stderr, "bench_gemm_shapes: out of memory\n");
            return 1;
        }
        product_fn use[LIBS];
        memcpy(use, fns, sizeof use);
        if (!s->steps) /* stepgemm only does a recurrence's products */
            use[4] = NULL;
        if (s->steps) /* bcastgemm: a sequence's products */
            use[5] = NULL;
        xsmm_b = aligned_alloc(64, ((size_t)s->K * s->N * sizeof *xsmm_b + 63) / 64 * 64);
        use[3] = xsmm_b ? xsmm_for(s) : NULL;
        double g[LIBS];
        rates(use, s, A, B, C, g);
        int fastest = 0;
        for (int l = 0; l < LIBS; l++) {
            if (use[l])
                printf(" %9.1f", g[l]);
            else if (fns[l])
                printf(" %9s", "-");
            if (use[l] && g[l] > g[fastest])
                fastest = l;
        }
        const char *used = "OpenBLAS";
        if (s->steps && stepgemm_takes(s->M, s->tb, s->K, s->N))
            used = "stepgemm";
        else if (s->steps && stepgemm_xsmm_takes(s->M, s->tb, s->K, s->N))
            used = "libxsmm";
        else if ((s->how & (PROJ | DEC_XSMM)) && use[3])
            used = "libxsmm";
        else if (!s->steps && bcastgemm_kernel_serves())
            used = "bcastgemm";
        printf("  %-9s %-9s", names[fastest], used);
        int allocating = 0;
        for (int l = 0; l < LIBS; l++) {
            double a = use[l] ? allocations_per_call(use[l], s, A, B, C) : 0;
            if (a > 0)
                printf("%s%s %.1f", allocating++ ? ", " : " ", names[l], a);
        }
        printf("%s\n", allocating ? "" : " none");
        free(packed);
        free(h_packed);
        free(xsmm_b);
        free(A);
        free(B);
        free(C);
    }
    libxsmm_finalize();
    return 0;
}
