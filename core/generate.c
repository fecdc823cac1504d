/* generate: see generate.h. */
#include "generate.h"

#include <math.h>
#include <string.h>

#include "mem.h"
#include "recipe.h"
#include "utf8.h"

/* A growable array of token indices. */
struct id_list {
    int32_t *a;
    size_t n, cap;
};

static int id_push(struct id_list *l, int32_t id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        int32_t *a = mem_realloc(l->a, cap * sizeof *a);
        if (!a)
            return ERR_NOMEM;
        l->a = a;
        l->cap = cap;
    }
    l->a[l->n++] = id;
    return 0;
}

struct lookup {
    const struct vocab *vocab;
    struct id_list *ids;
    size_t *unknown;
};

/* The token sink of a prefix: each token looked up, a missing one <unk>. */
static int look_up(void *ctx, const char *s, size_t len, struct err *e)
{
    struct lookup *l = ctx;
    int32_t id = vocab_lookup(l->vocab, s, len);
    if (id == 0 && !(len == strlen(VOCAB_UNK) && !memcmp(s, VOCAB_UNK, len)))
        (*l->unknown)++;
    return id_push(l->ids, id) < 0 ? err_msg(e, ERR_NOMEM, "out of memory") : 0;
}

/* The prefix cut by the dataset's own tokenizer (recipe.h). */
static int tokenize_prefix(const struct vocab *v, const struct dataset_config *d,
                           const char *s, struct id_list *ids, size_t *unknown,
                           struct err *e)
{
    size_t n = strlen(s);
    if (utf8_validate(s, n) < n)
        return err_msg(e, ERR_USAGE, "generate: the prefix is not valid UTF-8");
    struct lookup l = {v, ids, unknown};
    struct token_sink sink = {look_up, &l, 1};
    int rc = recipe_of(d->name)->tokenize(&sink, s, n, d->tokens, e);
    if (rc == 0 && ids->n == 0)
        rc = err_msg(e, ERR_USAGE, "generate: the prefix has no tokens");
    return rc;
}

/* The next token from one row of logits. */
static int32_t choose(const real *logits, size_t V, const struct generate_config *g,
                      struct rng *rng)
{
    size_t best = 0;
    for (size_t j = 1; j < V; j++)
        if (logits[j] > logits[best])
            best = j;
    if (g->strategy == GEN_GREEDY)
        return (int32_t)best;
    double scale = g->alpha / g->temperature, sum = 0;
    for (size_t j = 0; j < V; j++)
        sum += exp(((double)logits[j] - (double)logits[best]) * scale);
    double u = rng_uniform(rng) * sum, acc = 0;
    for (size_t j = 0; j < V; j++) {
        acc += exp(((double)logits[j] - (double)logits[best]) * scale);
        if (u < acc)
            return (int32_t)j;
    }
    return (int32_t)best; /* u rounded to the very top */
}

static char *join(const struct vocab *v, int tokens, const struct id_list *ids)
{
    size_t n = 1;
    for (size_t i = 0; i < ids->n; i++)
        n += strlen(vocab_token(v, ids->a[i])) + 1;
    char *s = mem_alloc(n), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < ids->n; i++) {
        if (i && tokens == TOKENS_WORD)
            *p++ = ' ';
        const char *tok = vocab_token(v, ids->a[i]);
        size_t len = strlen(tok);
        memcpy(p, tok, len);
        p += len;
    }
    *p = '\0';
    return s;
}

int generate_text(struct model *m, const struct vocab *v,
                  const struct dataset_config *data, const char *prefix,
                  const struct generate_config *g,
                  struct rng *rng, char **out, size_t *unknown, struct err *e)
{
    struct id_list ids = {0};
    real *state = NULL;
    *out = NULL;
    *unknown = 0;
    int rc = tokenize_prefix(v, data, prefix, &ids, unknown, e);
    if (rc < 0)
        goto done;
    size_t warm = ids.n;
    /* generation's own state, from zero: a trainer's is left as it was */
    state = mem_calloc(model_state_size(m), sizeof *state);
    if (!state) {
        rc = err_msg(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i + 1 < warm + (size_t)g->length; i++) {
        int32_t x = ids.a[i];
        model_forward(m, state, &x, 1, 1, 0);
        model_carry_state(m, state);
        if (i + 1 >= warm && id_push(&ids, choose(m->logits, m->spec.V, g, rng)) < 0) {
            rc = err_msg(e, ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    *out = join(v, data->tokens, &ids);
    if (!*out)
        rc = err_msg(e, ERR_NOMEM, "out of memory");
done:
    mem_free(state);
    mem_free(ids.a);
    return rc;
}
