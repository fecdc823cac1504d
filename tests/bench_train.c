/* Whole-training-step benchmark (scripts/bench.sh; never part of make test):
 * forward + backward + clip + optimizer step on a config's real batches, as
 * a user's run does them.
 *   bench_train CONFIG.yaml [key=value ...] [--batches N] [--warmup W]
 * Prints one line: tokens_per_s=... flops_per_token=... gflops=... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "train.h"

static void next_batch(struct trainer *t)
{
    if (!sampler_next(t->sampler, t->X, t->Y)) {
        sampler_begin_epoch(t->sampler);
        trainer_begin_state(t);
        sampler_next(t->sampler, t->X, t->Y);
    }
}

int main(int argc, char **argv)
{
    long batches = 100, warmup = 5;
    char *overrides[64];
    int n = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc)
            batches = atol(argv[++i]);
        else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
            warmup = atol(argv[++i]);
        else if (n < 64)
            overrides[n++] = argv[i];
    }
    if (argc < 2 || batches < 1) {
        fprintf(stderr, "usage: bench_train CONFIG.yaml [key=value ...] "
                "[--batches N] [--warmup W]\n");
        return 2;
    }
    struct config cfg;
    struct dataset *d = NULL;
    struct trainer *t = NULL;
    struct err e;
    const char *data = getenv("RNNLAB_DATA");
    if (config_load(&cfg, argv[1], n, overrides, &e) < 0 ||
        dataset_load(&cfg.dataset, data && *data ? data : RNNLAB_DATA_DIR, &d, &e) < 0 ||
        trainer_create(&cfg, d, &t, &e) < 0) {
        fprintf(stderr, "bench_train: %s: %s\n", e.file, e.msg);
        return 2;
    }
    sampler_begin_epoch(t->sampler);
    trainer_begin_state(t);
    double loss, norm, start = 0;
    for (long i = 0; i < warmup + batches; i++) {
        if (i == warmup)
            start = train_now();
        next_batch(t);
        trainer_step(t, cfg.optimizer.lr, &loss, &norm);
    }
    double secs = train_now() - start;
    double tokens = (double)batches * (double)(t->sampler->B * t->sampler->T);
    double fpt = model_flops_per_token(t->model);
    printf("tokens_per_s=%.0f flops_per_token=%.0f gflops=%.2f loss=%.4f\n",
           tokens / secs, fpt, tokens / secs * fpt * 1e-9, loss);
    trainer_free(t);
    dataset_free(d);
    config_free(&cfg);
    return 0;
}
