/* dataset: see dataset.h. The corpus of a run, built by the dataset's
 * recipe (recipe.h) from bytes datafile.h reads. */
#include "dataset.h"

#include <stdio.h>
#include <string.h>

#include "datafile.h"
#include "mem.h"
#include "recipe.h"
#include "sine.h"

/* A growable array of token type numbers. */
struct ids {
    uint32_t *a;
    size_t n, cap;
};

static int ids_push(struct ids *v, uint32_t x, struct err *e)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4096;
        uint32_t *a = mem_realloc(v->a, cap * sizeof *a);
        if (!a)
            return err_msg(e, ERR_NOMEM, "out of memory");
        v->a = a;
        v->cap = cap;
    }
    v->a[v->n++] = x;
    return 0;
}

/* ---- assembling the dataset ------------------------------------------- */

struct interning {
    struct vocab *vocab;
    struct ids *out;
};

/* The token sink of a corpus: each token interned, its type appended. */
static int intern_token(void *ctx, const char *s, size_t len, struct err *e)
{
    struct interning *in = ctx;
    uint32_t type;
    int rc = vocab_intern(in->vocab, s, len, &type, e);
    return rc < 0 ? rc : ids_push(in->out, type, e);
}

/* Reads path (or its member) and appends its tokens to out. */
static int tokenize_source(const struct dataset_config *cfg, const char *path,
                           const char *member, struct vocab *v, struct ids *out,
                           struct err *e)
{
    char *text;
    size_t n;
    int rc = datafile_read_utf8(path, member, cfg->max_bytes, &text, &n, e);
    if (rc < 0)
        return rc;
    struct interning in = {v, out};
    struct token_sink sink = {intern_token, &in, 0};
    rc = recipe_of(cfg->name)->tokenize(&sink, text, n, cfg->tokens, e);
    mem_free(text);
    return rc;
}
static int split_take(struct split *s, const uint32_t *ids, size_t n,
                      const struct vocab *v, struct err *e)
{
    s->ids = mem_alloc((n ? n : 1) * sizeof *s->ids);
    if (!s->ids)
        return err_msg(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        s->ids[i] = vocab_index(v, ids[i]);
    s->n = n;
    return 0;
}

/* A dataset with separate train/valid/test members (ptb). */
static int load_splits(const struct dataset_config *cfg, const char *path,
                       struct dataset *d, struct err *e)
{
    const struct recipe *r = recipe_of(cfg->name);
    struct ids ids[3] = {{0}};
    int rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++)
        rc = tokenize_source(cfg, path, r->splits[k], d->vocab, &ids[k], e);
    if (rc == 0) {
        d->full_tokens = ids[0].n;
        vocab_count(d->vocab, ids[0].a, ids[0].n); /* VOCAB_FROM_ALL */
        if (cfg->max_tokens > 0 && (size_t)cfg->max_tokens < ids[0].n)
            ids[0].n = (size_t)cfg->max_tokens;
        rc = vocab_finish(d->vocab, cfg->min_freq, e);
    }
    if (rc == 0)
        rc = split_take(&d->train, ids[0].a, ids[0].n, d->vocab, e);
    if (rc == 0)
        rc = split_take(&d->valid, ids[1].a, ids[1].n, d->vocab, e);
    if (rc == 0)
        rc = split_take(&d->test, ids[2].a, ids[2].n, d->vocab, e);
    for (int k = 0; k < 3; k++)
        mem_free(ids[k].a);
    return rc;
}

/* A single text: cut to max_tokens, its end held out as validation. */
static int load_single(const struct dataset_config *cfg, const char *path,
                       const char *member, struct dataset *d, struct err *e)
{
    enum vocab_scope scope = recipe_of(cfg->name)->scope;
    struct ids ids = {0};
    int rc = tokenize_source(cfg, path, member, d->vocab, &ids, e);
    if (rc < 0)
        goto done;
    d->full_tokens = ids.n;
    if (scope == VOCAB_FROM_ALL)
        vocab_count(d->vocab, ids.a, ids.n);
    if (cfg->max_tokens > 0 && (size_t)cfg->max_tokens < ids.n)
        ids.n = (size_t)cfg->max_tokens;
    size_t n_valid = (size_t)((double)ids.n * cfg->valid_fraction);
    size_t n_train = ids.n - n_valid;
    if (scope == VOCAB_FROM_KEPT)
        vocab_count(d->vocab, ids.a, ids.n);
    else if (scope == VOCAB_FROM_TRAIN)
        vocab_count(d->vocab, ids.a, n_train);
    rc = vocab_finish(d->vocab, cfg->min_freq, e);
    if (rc == 0)
        rc = split_take(&d->train, ids.a, n_train, d->vocab, e);
    if (rc == 0 && n_valid > 0)
        rc = split_take(&d->valid, ids.a + n_train, n_valid, d->vocab, e);
done:
    mem_free(ids.a);
    return rc;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The zip member to read: the configured one, else the Jay Chou archive's
 * own; NULL for a plain file. */
static const char *member_of(const struct dataset_config *cfg, const char *path)
{
    if (cfg->member)
        return cfg->member;
    const char *own = recipe_of(cfg->name)->member;
    return own && has_suffix(path, ".zip") ? own : NULL;
}

int dataset_load(const struct dataset_config *cfg, const char *data_dir,
                 struct dataset **out, struct err *e)
{
    if (cfg->name == DATASET_SINE)
        return sine_load(cfg, out, e);
    const struct recipe *r = recipe_of(cfg->name);
    char path[1024];
    *out = NULL;
    if (cfg->path)
        snprintf(path, sizeof path, "%s", cfg->path);
    else
        snprintf(path, sizeof path, "%s/%s", data_dir, r->file);
    const char *member = member_of(cfg, path);
    if (!member && !r->splits[0] && has_suffix(path, ".zip"))
        return err_set(e, ERR_DATA, path, 0, 0,
                       "a zip archive needs dataset.member (the file inside "
                       "it to read)");
    int rc = datafile_verify_checksum(path, cfg->path == NULL, e);
    if (rc < 0)
        return rc;
    struct dataset *d = mem_calloc(1, sizeof *d);
    if (!d)
        return err_msg(e, ERR_NOMEM, "out of memory");
    d->tokens = cfg->tokens;
    snprintf(d->source, sizeof d->source, "%.1023s%s%.300s", path, member ? ":" : "",
             member ? member : "");
    d->vocab = vocab_create();
    if (!d->vocab)
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    else if (r->splits[0])
        rc = load_splits(cfg, path, d, e);
    else
        rc = load_single(cfg, path, member, d, e);
    if (rc < 0) {
        dataset_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void dataset_free(struct dataset *d)
{
    if (!d)
        return;
    vocab_free(d->vocab);
    mem_free(d->train.ids);
    mem_free(d->valid.ids);
    mem_free(d->test.ids);
    mem_free(d->series);
    mem_free(d);
}
