/* The GEMMs side by side on the products a training step makes: OpenBLAS
 * (cblas_sgemm), BLIS (bli_sgemm, serial build), oneDNN's dnnl_sgemm when
 * built with -DHAVE_DNNL (make bench, where libdnnl-dev is installed), and,
 * on the per-step products of a recurrence, core/stepgemm.c (ours: the
 * weights packed once per sequence; the packing is timed too, once every
 * T products, T the config's steps). One thread each. The evidence for
 * core/gemm.c's rule (BLIS for products of at most GEMM_SMALL_ROWS rows,
 * OpenBLAS for the rest) and for using our kernel on the recurrences.
 * Prints GFLOP/s per library and shape, each the median of 5 timed
 * repetitions after a warm-up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS's cblas.h before blis.h (see core/gemm.c) */
#include <cblas.h>
#include <blis.h>
#ifdef HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#include <omp.h> /* oneDNN's threads are OpenMP's: one, like the others */
#endif

#include "gemm.h"
#include "stepgemm.h"
#include "train.h"

struct shape {
    const char *what;
    int ta, tb;
    int M, N, K;
    int steps; /* a recurrence's per-step product over this many steps
                * (stepgemm packs once per sequence); 0: another product */
};

/* Per-step products at the bench configs' shard rows (batch / grad_shards),
 * then whole-sequence products of the same configs. */
static const struct shape SHAPES[] = {
    {"a,c RNN 256 h W_hh^T", 0, 1, 16, 256, 256, 35},
    {"a,c RNN 256 dgates W_hh", 0, 0, 16, 256, 256, 35},
    {"b RNN 512 h W_hh^T", 0, 1, 16, 512, 512, 35},
    {"b RNN 512 dgates W_hh", 0, 0, 16, 512, 512, 35},
    {"b LSTM 256 h W_hh^T", 0, 1, 16, 1024, 256, 35},
    {"b LSTM 256 dgates W_hh", 0, 0, 16, 256, 1024, 35},
    {"b GRU 256 h W_hh^T", 0, 1, 16, 768, 256, 35},
    {"b GRU 256 dgates W_hh", 0, 0, 16, 256, 768, 35},
    {"d LSTM 200 h W_hh^T", 0, 1, 10, 800, 200, 20},
    {"d LSTM 200 dgates W_hh", 0, 0, 10, 200, 800, 20},
    {"e RNN 100 h W_hh^T", 0, 1, 16, 100, 100, 5},
    {"e RNN 100 dgates W_hh", 0, 0, 16, 100, 100, 5},
    {"b LSTM 256 h W_hh^T, B 32", 0, 1, 32, 1024, 256, 35},
    {"b LSTM dW_hh, 35 steps", 1, 0, 1024, 256, 560, 0},
    {"d LSTM X W_ih^T, 20 steps", 0, 1, 200, 800, 200, 0},
    {"d decoder, 20 steps", 0, 1, 200, 10000, 200, 0},
    {"d decoder dW, 20 steps", 1, 0, 10000, 200, 200, 0},
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

static void with_blis(const struct shape *s, const float *A, const float *B,
                      float *C)
{
    float one = 1;
    bli_sgemm(s->ta ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE,
              s->tb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, s->M, s->N, s->K,
              &one, (float *)A, s->ta ? s->M : s->K, 1, (float *)B,
              s->tb ? s->K : s->N, 1, &one, C, s->N, 1);
}

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

/* GFLOP/s: the median of 5 repetitions of as many calls as fill ~20 ms. */
static double rate(product_fn f, const struct shape *s, const float *A,
                   const float *B, float *C)
{
    double t0 = train_now();
    long calls = 0;
    while (train_now() - t0 < 0.02 || calls < 3) {
        f(s, A, B, C);
        calls++;
    }
    double r[5];
    for (int rep = 0; rep < 5; rep++) {
        double t1 = train_now();
        for (long i = 0; i < calls; i++)
            f(s, A, B, C);
        r[rep] = 2.0 * s->M * s->N * (double)s->K * (double)calls /
                 (train_now() - t1) * 1e-9;
    }
    qsort(r, 5, sizeof *r, by_value);
    return r[2];
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
    const char *names[] = {"OpenBLAS", "BLIS", "oneDNN", "stepgemm"};
    product_fn fns[] = {with_openblas, with_blis,
#ifdef HAVE_DNNL
                        with_dnnl,
#else
                        NULL,
#endif
                        with_stepgemm};
    int have_dnnl = fns[2] != NULL;
    gemm_set_threads(1);
#ifdef HAVE_DNNL
    omp_set_num_threads(1);
#endif
    printf("GFLOP/s on one thread (row-major C(MxN) += op(A) op(B); used: what "
           "a training step uses, stepgemm for a recurrence's per-step "
           "products, else BLIS when M <= %d, else OpenBLAS)\n", GEMM_SMALL_ROWS);
    (void)have_dnnl;
    printf("%-28s %2s %5s %5s %5s", "product", "op", "M", "N", "K");
    for (int l = 0; l < 4; l++)
        if (fns[l])
            printf(" %9s", names[l]);
    printf("  %-8s %s\n", "fastest", "used");
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
        int fastest = 0;
        double best = 0;
        for (int l = 0; l < 4; l++) {
            if (!fns[l])
                continue;
            if (l == 3 && !s->steps) { /* not a recurrence's product */
                printf(" %9s", "-");
                continue;
            }
            double g = rate(fns[l], s, A, B, C);
            printf(" %9.1f", g);
            if (g > best) {
                best = g;
                fastest = l;
            }
        }
        printf("  %-8s %s\n", names[fastest],
               s->steps ? "stepgemm" : s->M <= GEMM_SMALL_ROWS ? "BLIS" : "OpenBLAS");
        free(packed);
        free(A);
        free(B);
        free(C);
    }
    return 0;
}
