/* Whole-training-step benchmark (scripts/bench.sh; never part of make test):
 * forward + backward + clip + optimizer step on a config's real batches, as
 * a user's run does them.
 *   bench_train CONFIG.yaml [key=value ...] [--batches N] [--warmup W]
 * Prints one line: tokens_per_s=... flops_per_token=... gflops=... */
#include "bench_setup.h"

int main(int argc, char **argv)
{
    struct bench b;
    if (bench_setup("bench_train", argc, argv, &b))
        return 2;
    double loss = 0, norm, start = 0;
    for (long i = 0; i < b.warmup + b.batches; i++) {
        if (i == b.warmup)
            start = train_now();
        bench_next_batch(&b);
        trainer_step(b.t, b.cfg.optimizer.lr, &loss, &norm);
    }
    bench_report(&b, train_now() - start, loss);
    bench_free(&b);
    return 0;
}
