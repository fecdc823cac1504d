/* group: see group.h. */
#include "group.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

const char *const group_metric_names[GROUP_METRICS] = {
    "train_ppl", "valid_ppl", "test_ppl", "best_valid_ppl", "train_mse", "valid_mse"};

static double metric_of(const struct index_row *r, int m)
{
    switch (m) {
    case GROUP_TRAIN: return r->train_ppl;
    case GROUP_VALID: return r->valid_ppl;
    case GROUP_TEST: return r->test_ppl;
    case GROUP_BEST_VALID: return r->best_valid_ppl;
    case GROUP_TRAIN_MSE: return r->train_mse;
    default: return r->valid_mse;
    }
}

/* The swept values without the seed: "a=1 seed=3 b=2" -> "a=1 b=2". Values
 * are flow text, so a "seed=" that starts a word is the key. */
static char *without_seed(const char *values)
{
    char *out = mem_alloc(strlen(values) + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = values; *p;) {
        if ((p == values || p[-1] == ' ') && strncmp(p, "seed=", 5) == 0) {
            p += 5;
            while (*p && *p != ' ')
                p++;
            while (*p == ' ')
                p++;
            continue;
        }
        *o++ = *p++;
    }
    while (o > out && o[-1] == ' ')
        o--;
    *o = '\0';
    return out;
}

static int by_point(const void *a, const void *b)
{
    const struct index_row *x = *(const struct index_row *const *)a;
    const struct index_row *y = *(const struct index_row *const *)b;
    int d = strcmp(x->point_id, y->point_id);
    if (d)
        return d;
    if (x->sweep_index != y->sweep_index)
        return x->sweep_index < y->sweep_index ? -1 : 1;
    return strcmp(x->run_id, y->run_id);
}

static int by_index_then_point(const void *a, const void *b)
{
    const struct group_row *x = a, *y = b;
    if (x->sweep_index != y->sweep_index) /* -1 (no sweep) last */
        return x->sweep_index < 0 ? 1 : y->sweep_index < 0 ? -1
               : x->sweep_index < y->sweep_index ? -1 : 1;
    return strcmp(x->point_id, y->point_id);
}

/* Mean, sample standard deviation, min and max of the finite values of
 * metric m over the completed runs r[0..n). Two passes: the mean first,
 * then squared deviations from it (no cancellation). */
static void stat_of(const struct index_row *const *r, size_t n, int m,
                    struct group_stat *s)
{
    *s = (struct group_stat){0, NAN, NAN, NAN, NAN};
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double v = metric_of(r[i], m);
        if (strcmp(r[i]->status, "completed") || !isfinite(v))
            continue;
        sum += v;
        s->min = s->n && s->min <= v ? s->min : v;
        s->max = s->n && s->max >= v ? s->max : v;
        s->n++;
    }
    if (!s->n)
        return;
    s->mean = sum / (double)s->n;
    double sq = 0;
    for (size_t i = 0; i < n; i++) {
        double v = metric_of(r[i], m);
        if (!strcmp(r[i]->status, "completed") && isfinite(v))
            sq += (v - s->mean) * (v - s->mean);
    }
    if (s->n > 1)
        s->std = sqrt(sq / (double)(s->n - 1));
}

static int fill(struct group_row *g, const struct index_row *const *r, size_t n)
{
    memset(g, 0, sizeof *g);
    memcpy(g->point_id, r[0]->point_id, 13);
    g->sweep_index = -1;
    g->runs = n;
    for (size_t i = 0; i < n; i++) {
        const char *st = r[i]->status;
        g->completed += !strcmp(st, "completed");
        g->stopped += !strcmp(st, "stopped");
        g->diverged += !strcmp(st, "diverged");
        g->regression |= r[i]->regression;
        if (r[i]->sweep_index >= 0 &&
            (g->sweep_index < 0 || r[i]->sweep_index < g->sweep_index))
            g->sweep_index = r[i]->sweep_index;
    }
    g->other = n - g->completed - g->stopped - g->diverged;
    for (int m = 0; m < GROUP_METRICS; m++)
        stat_of(r, n, m, &g->stat[m]);
    g->values = without_seed(r[0]->values ? r[0]->values : "");
    return g->values ? 0 : ERR_NOMEM;
}

int group_rows(const struct index_row *rows, size_t n, struct group_row **out,
               size_t *ngroups, struct err *e)
{
    *out = NULL;
    *ngroups = 0;
    const struct index_row **order = mem_alloc((n + 1) * sizeof *order);
    struct group_row *g = mem_calloc(n + 1, sizeof *g);
    if (!order || !g) {
        mem_free(order);
        mem_free(g);
        return err_msg(e, ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        order[i] = &rows[i];
    qsort(order, n, sizeof *order, by_point);
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i;
        while (j < n && strcmp(order[j]->point_id, order[i]->point_id) == 0)
            j++;
        rc = fill(&g[k++], order + i, j - i);
        i = j;
    }
    mem_free(order);
    if (rc < 0) {
        group_free(g, k);
        return err_msg(e, ERR_NOMEM, "out of memory");
    }
    qsort(g, k, sizeof *g, by_index_then_point);
    *out = g;
    *ngroups = k;
    return 0;
}

void group_free(struct group_row *g, size_t n)
{
    for (size_t i = 0; g && i < n; i++)
        mem_free(g[i].values);
    mem_free(g);
}
