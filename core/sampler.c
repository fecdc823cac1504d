/* sampler: see sampler.h. */
#include "sampler.h"

#include "mem.h"

/* Largest prefix the scheme may drop: d2l draws randint(0, T-1) for random
 * and randint(0, T) for sequential partitioning. */
static size_t max_offset(const struct sampler *s)
{
    if (s->offset == OFFSET_ZERO)
        return 0;
    return s->kind == SAMPLER_RANDOM ? s->T - 1 : s->T;
}

static size_t batches_for_offset(const struct sampler *s, size_t k)
{
    if (s->n < k + 1)
        return 0;
    if (s->kind == SAMPLER_RANDOM)
        return ((s->n - k - 1) / s->T) / s->B;
    if (s->offset == OFFSET_ZERO) {
        size_t len = s->n / s->B;
        return len ? (len - 1) / s->T : 0;
    }
    return ((s->n - k - 1) / s->B) / s->T;
}

int sampler_create(const int32_t *corpus, size_t n,
                   const struct sampler_config *cfg, struct rng *rng,
                   struct sampler **out, struct err *e)
{
    *out = NULL;
    struct sampler *s = mem_calloc(1, sizeof *s);
    if (!s)
        return err_msg(e, ERR_NOMEM, "out of memory");
    s->corpus = corpus;
    s->n = n;
    s->kind = cfg->kind;
    s->offset = cfg->offset;
    s->B = (size_t)cfg->batch_size;
    s->T = (size_t)cfg->num_steps;
    s->rng = rng;
    if (batches_for_offset(s, max_offset(s)) == 0) {
        mem_free(s);
        return err_msg(e, ERR_CONFIG,
                       "sampler: a corpus of %zu tokens yields no batch of "
                       "batch_size %zu x num_steps %zu; lower them or use "
                       "more data", n, (size_t)cfg->batch_size,
                       (size_t)cfg->num_steps);
    }
    if (s->kind == SAMPLER_RANDOM) {
        s->starts = mem_alloc(((n - 1) / s->T) * sizeof *s->starts);
        if (!s->starts) {
            mem_free(s);
            return err_msg(e, ERR_NOMEM, "out of memory");
        }
    }
    *out = s;
    return 0;
}

void sampler_free(struct sampler *s)
{
    if (!s)
        return;
    mem_free(s->starts);
    mem_free(s);
}

void sampler_begin_epoch(struct sampler *s)
{
    size_t k = 0;
    if (s->offset == OFFSET_RANDOM)
        k = rng_below(s->rng, (uint32_t)max_offset(s) + 1);
    s->base = k;
    s->next = 0;
    s->num_batches = batches_for_offset(s, k);
    if (s->kind == SAMPLER_RANDOM) {
        s->nstarts = (s->n - k - 1) / s->T;
        for (size_t i = 0; i < s->nstarts; i++)
            s->starts[i] = (uint32_t)(k + i * s->T);
        rng_shuffle_u32(s->rng, s->starts, (uint32_t)s->nstarts);
    } else {
        s->row_len = s->offset == OFFSET_ZERO ? s->n / s->B
                                              : (s->n - k - 1) / s->B;
    }
}

int sampler_next(struct sampler *s, int32_t *X, int32_t *Y)
{
    if (s->next >= s->num_batches)
        return 0;
    for (size_t b = 0; b < s->B; b++) {
        size_t first = s->kind == SAMPLER_RANDOM
                           ? s->starts[s->next * s->B + b]
                           : s->base + b * s->row_len + s->next * s->T;
        for (size_t t = 0; t < s->T; t++) {
            X[b * s->T + t] = s->corpus[first + t];
            Y[b * s->T + t] = s->corpus[first + t + 1];
        }
    }
    s->next++;
    return 1;
}

int sampler_is_sequential(const struct sampler *s)
{
    return s->kind == SAMPLER_SEQUENTIAL;
}

size_t sampler_max_batches(size_t n, const struct sampler_config *cfg)
{
    struct sampler s = {.n = n, .kind = cfg->kind, .offset = cfg->offset,
                        .B = (size_t)cfg->batch_size, .T = (size_t)cfg->num_steps};
    return batches_for_offset(&s, 0);
}
