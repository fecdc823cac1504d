/* bench_setup: see bench_setup.h. */
#include "bench_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bench_setup(const char *prog, int argc, char **argv, struct bench *b)
{
    char *overrides[64];
    int n = 0;
    memset(b, 0, sizeof *b);
    b->batches = 100;
    b->warmup = 5;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc)
            b->batches = atol(argv[++i]);
        else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
            b->warmup = atol(argv[++i]);
        else if (n < 64)
            overrides[n++] = argv[i];
    }
    if (argc < 2 || b->batches < 1) {
        fprintf(stderr, "usage: %s CONFIG.yaml [key=value ...] [--batches N] "
                "[--warmup W]\n", prog);
        return 2;
    }
    struct err e;
    const char *data = getenv("RNNLAB_DATA");
    if (config_load(&b->cfg, argv[1], n, overrides, &e) < 0 ||
        dataset_load(&b->cfg.dataset, data && *data ? data : RNNLAB_DATA_DIR,
                     &b->data, &e) < 0 ||
        trainer_create(&b->cfg, b->data, &b->t, &e) < 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, e.file, e.msg);
        bench_free(b);
        return 2;
    }
    sampler_begin_epoch(b->t->sampler);
    trainer_begin_state(b->t);
    return 0;
}

void bench_free(struct bench *b)
{
    trainer_free(b->t);
    dataset_free(b->data);
    config_free(&b->cfg);
    b->t = NULL;
    b->data = NULL;
}

int bench_next_batch(struct bench *b)
{
    struct trainer *t = b->t;
    if (sampler_next(t->sampler, t->X, t->Y))
        return 0;
    sampler_begin_epoch(t->sampler);
    trainer_begin_state(t);
    sampler_next(t->sampler, t->X, t->Y);
    return 1;
}

void bench_report(const struct bench *b, double seconds, double loss)
{
    const struct trainer *t = b->t;
    double tokens = (double)b->batches * (double)(t->sampler->B * t->sampler->T);
    double fpt = model_flops_per_token(t->model);
    printf("tokens_per_s=%.0f flops_per_token=%.0f gflops=%.2f loss=%.4f\n",
           tokens / seconds, fpt, tokens / seconds * fpt * 1e-9, loss);
}
