/* generate: see generate.h. */
#include "generate.h"

#include <math.h>
#include <string.h>

#include "mem.h"
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

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static int tokenize_prefix(const struct vocab *v, int tokens, const char *s,
                           struct id_list *ids, size_t *unknown, struct err *e)
{
    size_t n = strlen(s);
    if (utf8_validate(s, n) < n)
        return err_msg(e, ERR_USAGE, "generate: the prefix is not valid UTF-8");
    for (size_t i = 0; i < n;) {
        size_t len;
        if (tokens == TOKENS_WORD) {
            if (is_space(s[i])) {
                i++;
                continue;
            }
            len = 0;
            while (i + len < n && !is_space(s[i + len]))
                len++;
        } else {
            uint32_t cp;
            len = (size_t)utf8_next((const unsigned char *)s + i, n - i, &cp);
        }
        int32_t id = vocab_lookup(v, s + i, len);
        if (id == 0 && !(len == strlen(VOCAB_UNK) && !memcmp(s + i, VOCAB_UNK, len)))
            (*unknown)++;
        if (id_push(ids, id) < 0)
            return err_msg(e, ERR_NOMEM, "out of memory");
        i += len;
    }
    if (ids->n == 0)
        return err_msg(e, ERR_USAGE, "generate: the prefix has no tokens");
    return 0;
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

int generate_text(struct model *m, const struct vocab *v, int tokens,
                  const char *prefix, const struct generate_config *g,
                  struct rng *rng, char **out, size_t *unknown, struct err *e)
{
    struct id_list ids = {0};
    *out = NULL;
    *unknown = 0;
    int rc = tokenize_prefix(v, tokens, prefix, &ids, unknown, e);
    if (rc < 0)
        goto done;
    size_t warm = ids.n;
    model_reset_state(m);
    for (size_t i = 0; i + 1 < warm + (size_t)g->length; i++) {
        int32_t x = ids.a[i];
        model_forward(m, &x, 1, 1, 0);
        model_carry_state(m);
        if (i + 1 >= warm && id_push(&ids, choose(m->logits, m->spec.V, g, rng)) < 0) {
            rc = err_msg(e, ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    model_reset_state(m);
    *out = join(v, tokens, &ids);
    if (!*out)
        rc = err_msg(e, ERR_NOMEM, "out of memory");
done:
    mem_free(ids.a);
    return rc;
}
