/* Micro-benchmark of the model's forward + backward (make bench; never part
 * of make test). Prints tokens per second and GFLOP/s of the matrix products
 * for the shapes of issue 3, at the BLAS thread count given as argv[1]
 * (default 1). Timing: 3 warm-up steps, then whole steps until 2 s pass. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gemm.h"
#include "model.h"

struct shape {
    const char *label;
    int cell, embedding;
    size_t V, E, H, L, B, T;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench(const struct shape *s)
{
    struct model_spec spec = {.cell = s->cell, .V = s->V, .E = s->E, .H = s->H,
                              .L = s->L, .embedding = s->embedding};
    struct model *m;
    struct err e;
    if (model_create(&spec, s->B, s->T, 1, &m, &e) < 0) {
        fprintf(stderr, "bench: %s\n", e.msg);
        return 1;
    }
    struct rng g;
    rng_seed(&g, 1, 0);
    struct init_config init = {.scheme = INIT_DEFAULT};
    model_init(m, &init, &g);
    size_t n = s->B * s->T;
    int32_t *X = malloc(2 * n * sizeof *X), *Y = X + n;
    if (!X) {
        model_free(m);
        return 1;
    }
    for (size_t i = 0; i < 2 * n; i++)
        X[i] = (int32_t)rng_below(&g, (uint32_t)s->V);
    real *state = calloc(model_state_size(m), sizeof *state);
    if (!state) {
        free(X);
        model_free(m);
        return 1;
    }
    long steps = 0;
    double start = 0;
    for (long i = 0;; i++) {
        if (i == 3)
            start = now();
        model_zero_grad(m);
        model_forward(m, state, X, s->B, s->T, 1);
        model_loss(m, Y, 1);
        model_backward(m);
        model_carry_state(m, state);
        if (i >= 3 && ++steps && now() - start >= 2.0)
            break;
    }
    double secs = now() - start, tps = (double)(steps * (long)n) / secs;
    printf("%-44s %10.0f tokens/s %8.1f GFLOP/s\n", s->label, tps,
           tps * model_flops_per_token(m) * 1e-9);
    free(X);
    model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    gemm_set_threads(threads > 0 ? threads : 1);
    static const struct shape shapes[] = {
        {"rnn_tanh one-hot V28 H256 B32 T35", CELL_RNN_TANH, 0, 28, 0, 256, 1, 32, 35},
        {"lstm one-hot V28 H256 B32 T35", CELL_LSTM, 0, 28, 0, 256, 1, 32, 35},
        {"gru one-hot V28 H256 B32 T35", CELL_GRU, 0, 28, 0, 256, 1, 32, 35},
        {"lstm PTB V10000 E200 2xH200 B20 T20", CELL_LSTM, 1, 10000, 200, 200, 2, 20, 20},
    };
    printf("forward+backward, %d BLAS thread(s)\n", threads);
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        if (bench(&shapes[i]))
            return 1;
    return 0;
}
