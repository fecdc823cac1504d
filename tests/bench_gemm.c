/* The machine's single-precision GEMM rate: a large square cblas_sgemm
 * (through core/gemm.c) at the BLAS thread count given as argv[1].
 * Prints gflops=... (best of 5 after a warm-up). */
#include <stdio.h>
#include <stdlib.h>

#include "gemm.h"
#include "train.h"

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    size_t n = 2048;
    gemm_set_threads(threads);
    float *a = malloc(3 * n * n * sizeof *a);
    if (!a)
        return 1;
    float *b = a + n * n, *c = b + n * n;
    for (size_t i = 0; i < 3 * n * n; i++)
        a[i] = (float)((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
    double best = 0;
    for (int rep = 0; rep < 6; rep++) {
        double t0 = train_now();
        gemm(GEMM_N, GEMM_N, n, n, n, 1, a, n, b, n, 0, c, n);
        double rate = 2.0 * (double)n * (double)n * (double)n / (train_now() - t0) * 1e-9;
        if (rep > 0 && rate > best)
            best = rate;
    }
    printf("gflops=%.1f\n", best);
    free(a);
    return 0;
}
