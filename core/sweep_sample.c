/* sweep_sample: see sweep_sample.h. */
#include "sweep_sample.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mem.h"
#include "rng.h"
#include "suggest.h"
#include "text.h"

static const char *const dist_names[] = {"uniform", "loguniform", "int", "choice",
                                         NULL};

#define SAMPLE_MAX_COUNT 1000000L

const char *sample_dist_name(int dist)
{
    return dist_names[dist];
}

static int dist_of(const char *key)
{
    for (int i = 0; dist_names[i]; i++)
        if (strcmp(dist_names[i], key) == 0)
            return i;
    return -1;
}

/* Whether map is a distribution ({uniform: ...}): one of its keys names one. */
static int is_dist(const struct tree *map)
{
    for (size_t i = 0; i < map->n; i++)
        if (dist_of(map->items[i]->key) >= 0)
            return 1;
    return 0;
}

/* A bound of [lo, hi]: a plain number, an integer for int. */
static int read_bound(const struct tree *t, const char *key, int integer,
                      double *out, struct err *e)
{
    char *end = NULL;
    errno = 0;
    double v = 0;
    if (t->kind == TREE_SCALAR && !t->quoted && t->value[0])
        v = integer ? (double)strtol(t->value, &end, 10) : strtod(t->value, &end);
    if (t->kind != TREE_SCALAR || t->quoted || !t->value[0] || *end || errno ||
        !isfinite(v))
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "sweep.sample.space.%s: expected %s bound, got %s%s%s", key,
                       integer ? "an integer" : "a number",
                       t->kind == TREE_SCALAR ? "'" : "a ",
                       t->kind == TREE_SCALAR ? t->value
                       : t->kind == TREE_MAP ? "mapping" : "list",
                       t->kind == TREE_SCALAR ? "'" : "");
    *out = v;
    return 0;
}

/* Why a distribution cannot feed a key of this kind, or NULL. */
static const char *mismatch(int dist, int kind)
{
    if (dist == DIST_CHOICE)
        return NULL;
    if (kind == 's')
        return "takes no number; use choice: [...]";
    if (kind == 'i' && dist != DIST_INT)
        return "takes integers; use int: [lo, hi] or choice: [...]";
    if (kind == 'f' && dist == DIST_INT)
        return "takes real numbers; use uniform, loguniform or choice";
    return NULL;
}

static int read_dist(const char *key, const struct tree *entry,
                     struct sample_axis *a, struct err *e)
{
    const struct tree *d = entry;
    if (d->n != 1)
        return err_set(e, ERR_CONFIG, d->src, d->line, d->col,
                       "sweep.sample.space.%s: a distribution has one kind (uniform, "
                       "loguniform, int or choice), got %zu keys", key, d->n);
    const struct tree *args = d->items[0];
    snprintf(a->key, sizeof a->key, "%s", key);
    a->dist = dist_of(args->key);
    a->entry = entry;
    a->args = args;
    const char *name = dist_names[a->dist];
    int kind = config_key_kind(key);
    const char *why = kind ? mismatch(a->dist, kind) : NULL;
    if (why)
        return err_set(e, ERR_CONFIG, args->src, args->key_line, args->key_col,
                       "sweep.sample.space.%s: %s draws %s, but %s %s", key, name,
                       a->dist == DIST_INT ? "integers" : "real numbers", key, why);
    if (a->dist == DIST_CHOICE) {
        if (args->kind != TREE_SEQ || args->n == 0)
            return err_set(e, ERR_CONFIG, args->src, args->line, args->col,
                           "sweep.sample.space.%s: choice: expected a non-empty list "
                           "of values", key);
        return 0;
    }
    if (args->kind != TREE_SEQ || args->n != 2)
        return err_set(e, ERR_CONFIG, args->src, args->line, args->col,
                       "sweep.sample.space.%s: %s: expected [lo, hi]", key, name);
    int rc = read_bound(args->items[0], key, a->dist == DIST_INT, &a->lo, e);
    if (rc == 0)
        rc = read_bound(args->items[1], key, a->dist == DIST_INT, &a->hi, e);
    if (rc < 0)
        return rc;
    if (a->dist == DIST_INT ? a->lo > a->hi : a->lo >= a->hi)
        return err_set(e, ERR_CONFIG, args->src, args->line, args->col,
                       "sweep.sample.space.%s: %s: lo must be %s hi, got [%s, %s]", key,
                       name, a->dist == DIST_INT ? "at most" : "below",
                       args->items[0]->value, args->items[1]->value);
    if (a->dist == DIST_INT && a->hi - a->lo >= 4294967295.0)
        return err_set(e, ERR_CONFIG, args->src, args->line, args->col,
                       "sweep.sample.space.%s: int: the range holds more than 2^32 "
                       "values", key);
    if (a->dist == DIST_LOGUNIFORM && a->lo <= 0)
        return err_set(e, ERR_CONFIG, args->src, args->line, args->col,
                       "sweep.sample.space.%s: loguniform: the range must lie above "
                       "0 (its logarithm is drawn), got [%s, %s]", key,
                       args->items[0]->value, args->items[1]->value);
    return 0;
}

/* Collects the distributions under map, keys in file order. */
static int collect(const struct tree *map, const char *prefix, struct sample_plan *p,
                   struct err *e)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct tree *t = map->items[i];
        char key[256];
        snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", t->key);
        if (t->kind == TREE_MAP && t->n && !is_dist(t)) {
            /* a nested key ({optimizer: {lr: {...}}}), or a misspelt kind */
            if (t->n == 1 && t->items[0]->kind != TREE_MAP) {
                const char *near = suggest_nearest(t->items[0]->key, dist_names,
                                                   sizeof *dist_names);
                char hint[64] = "";
                if (near)
                    snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
                return err_set(e, ERR_CONFIG, t->items[0]->src, t->items[0]->key_line,
                               t->items[0]->key_col, "sweep.sample.space.%s: unknown "
                               "distribution '%s'%s; expected uniform, loguniform, "
                               "int or choice", key, t->items[0]->key, hint);
            }
            int rc = collect(t, key, p, e);
            if (rc < 0)
                return rc;
            continue;
        }
        if (t->kind != TREE_MAP || t->n == 0)
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "sweep.sample.space.%s: expected a distribution such as "
                           "{uniform: [lo, hi]}, {loguniform: [lo, hi]}, {int: [lo, "
                           "hi]} or {choice: [...]}", key);
        size_t k = 0;
        while (k < p->n && strcmp(p->a[k].key, key) != 0)
            k++;
        if (k == sizeof p->a / sizeof *p->a)
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "sweep.sample: more than 128 sampled keys");
        int rc = read_dist(key, t, &p->a[k], e);
        if (rc < 0)
            return rc;
        if (k == p->n)
            p->n++;
    }
    return 0;
}

int sample_read(const struct tree *node, struct sample_plan *p, struct err *e)
{
    static const char *const keys[] = {"count", "space", "seed", NULL};
    const struct tree *space = NULL, *count = NULL;
    if (node->kind != TREE_MAP)
        return err_set(e, ERR_CONFIG, node->src, node->line, node->col,
                       "sweep.sample: expected a mapping {count: N, space: {KEY: "
                       "DIST, ...}}");
    for (size_t i = 0; i < node->n; i++) {
        const struct tree *t = node->items[i];
        int rc = 0;
        if (strcmp(t->key, "count") == 0) {
            count = t;
            rc = config_read_integer(t, "sweep.sample.count", 1, SAMPLE_MAX_COUNT,
                                     &p->count, e);
        } else if (strcmp(t->key, "seed") == 0) {
            p->has_seed = 1;
            rc = config_read_integer(t, "sweep.sample.seed", 0, 4294967295L, &p->seed,
                                     e);
        } else if (strcmp(t->key, "space") == 0) {
            space = t;
        } else {
            rc = suggest_unknown_key(t, "sweep.sample", keys, e);
        }
        if (rc < 0)
            return rc;
    }
    if (!count || !space)
        return err_set(e, ERR_CONFIG, node->src, node->line, node->col,
                       "sweep.sample: needs count: N and space: {KEY: DIST, ...}");
    if (space->kind != TREE_MAP || space->n == 0)
        return err_set(e, ERR_CONFIG, space->src, space->line, space->col,
                       "sweep.sample.space: expected a non-empty mapping of keys to "
                       "distributions");
    return collect(space, "", p, e);
}

/* One draw of axis a as a new scalar (or a copy of the chosen value). */
static struct tree *draw(const struct sample_axis *a, struct rng *g)
{
    const struct tree *at = a->entry;
    if (a->dist == DIST_CHOICE)
        return tree_copy(a->args->items[rng_below(g, (uint32_t)a->args->n)]);
    struct text t = {0};
    if (a->dist == DIST_INT) {
        uint32_t span = (uint32_t)(a->hi - a->lo) + 1; /* checked below 2^32 */
        text_add(&t, "%.0f", a->lo + (double)rng_below(g, span));
    } else {
        double u = rng_uniform(g), v;
        if (a->dist == DIST_UNIFORM) {
            v = a->lo + (a->hi - a->lo) * u;
        } else {
            v = exp(log(a->lo) + (log(a->hi) - log(a->lo)) * u);
        }
        v = v < a->lo ? a->lo : v > a->hi ? a->hi : v; /* rounding at the ends */
        text_number(&t, v);
    }
    char *s = text_take(&t);
    struct tree *node = s ? tree_new_scalar(s, 0, at->src, at->line, at->col) : NULL;
    mem_free(s);
    return node;
}

int sample_draw(struct sample_plan *p, long config_seed, struct err *e)
{
    struct rng g;
    rng_seed(&g, (uint64_t)(p->has_seed ? p->seed : config_seed), RNG_STREAM_SWEEP);
    p->draws = mem_calloc((size_t)p->count * p->n, sizeof *p->draws);
    if (!p->draws)
        return err_msg(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < (size_t)p->count; i++)
        for (size_t j = 0; j < p->n; j++)
            if (!(p->draws[i * p->n + j] = draw(&p->a[j], &g)))
                return err_msg(e, ERR_NOMEM, "out of memory");
    return 0;
}

const struct tree *sample_value(const struct sample_plan *p, size_t i, size_t j)
{
    return p->draws[i * p->n + j];
}

void sample_free(struct sample_plan *p)
{
    for (size_t k = 0; p->draws && k < (size_t)p->count * p->n; k++)
        tree_free(p->draws[k]);
    mem_free(p->draws);
    p->draws = NULL;
}
