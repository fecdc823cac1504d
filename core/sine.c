/* sine: see sine.h. */
#include "sine.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "rng.h"

int sine_load(const struct dataset_config *cfg, struct dataset **out,
              struct err *e)
{
    *out = NULL;
    struct dataset *d = mem_calloc(1, sizeof *d);
    size_t n = (size_t)cfg->length;
    if (!d || !(d->series = mem_alloc(n * sizeof *d->series))) {
        mem_free(d);
        return err_msg(e, ERR_NOMEM, "out of memory");
    }
    struct rng g;
    rng_seed(&g, (uint64_t)cfg->seed, RNG_STREAM_SINE);
    for (size_t i = 0; i < n; i++) /* t = i + 1, as torch.arange(1, T + 1) */
        d->series[i] = (real)(sin(0.01 * (double)(i + 1)) + cfg->noise * rng_normal(&g));
    d->series_n = n;
    d->tau = (size_t)cfg->tau;
    d->n_train = (size_t)cfg->n_train;
    snprintf(d->source, sizeof d->source, "sin(0.01 t) + N(0, %g^2), t = 1..%zu, "
             "seed %ld", cfg->noise, n, cfg->seed);
    *out = d;
    return 0;
}

size_t sine_examples(const struct dataset *d)
{
    return d->series_n - d->tau;
}

void sine_example(const struct dataset *d, size_t i, real *x, real *y)
{
    memcpy(x, d->series + i, d->tau * sizeof *x);
    *y = d->series[i + d->tau];
}
