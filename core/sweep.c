/* sweep: see sweep.h. */
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include.h"
#include "mem.h"
#include "text.h"
#include "suggest.h"
#include "sweep_sample.h"

/* Default of sweep.max_runs: a sweep bigger than this is more likely a
 * mistake (a grid of 20 keys) than a plan; a config may raise it. */
#define SWEEP_DEFAULT_MAX_RUNS 100000
#define SWEEP_MAX_RUNS_CEILING 100000000L

/* One swept key and its list of values (borrowed from the sweep tree). */
struct axis {
    char key[256];
    const struct tree *list;
};

struct axes {
    struct axis a[128];
    size_t n;
};

/* Collects the lists under node (a grid or zip map), keys in file order. */
static int collect(const struct tree *node, const char *prefix, const char *what,
                   struct axes *out, struct err *e)
{
    for (size_t i = 0; i < node->n; i++) {
        const struct tree *t = node->items[i];
        char key[256];
        snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", t->key);
        if (t->kind == TREE_MAP && t->n == 0)
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "sweep.%s.%s: expected a non-empty list of values, "
                           "got an empty mapping", what, key);
        if (t->kind == TREE_MAP) {
            int rc = collect(t, key, what, out, e);
            if (rc < 0)
                return rc;
            continue;
        }
        if (t->kind != TREE_SEQ || t->n == 0)
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "sweep.%s.%s: expected a non-empty list of values",
                           what, key);
        /* "model.cell" and {model: {cell}} name one key: the later one
         * (an override's) replaces the earlier, keeping its place */
        size_t k = 0;
        while (k < out->n && strcmp(out->a[k].key, key) != 0)
            k++;
        if (k == sizeof out->a / sizeof *out->a)
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "sweep.%s: more than 128 swept keys", what);
        snprintf(out->a[k].key, sizeof out->a[k].key, "%s", key);
        out->a[k].list = t;
        if (k == out->n)
            out->n++;
    }
    return 0;
}

struct plan {
    struct axes grid, zip;
    struct sample_plan sample; /* sample.n == 0: none */
    size_t grid_points, zip_len, sample_points;
    long repeat;
    long max_runs;
    struct asha_config early_stop;
    const struct tree *early_stop_at;
};

/* The product a * b, or 0 when it overflows size_t. */
static size_t times(size_t a, size_t b)
{
    return b && a > (size_t)-1 / b ? 0 : a * b;
}

static int read_plan(const struct tree *sw, struct plan *p, struct err *e)
{
    memset(p, 0, sizeof *p);
    p->repeat = 1;
    p->max_runs = SWEEP_DEFAULT_MAX_RUNS;
    if (sw->kind != TREE_MAP || sw->n == 0)
        return err_set(e, ERR_CONFIG, sw->src, sw->line, sw->col,
                       "sweep: expected a mapping with grid, zip, sample and/or "
                       "repeat%s",
                       sw->kind == TREE_MAP ? ", got an empty one" : "");
    for (size_t i = 0; i < sw->n; i++) {
        const struct tree *t = sw->items[i];
        int rc = 0;
        if (strcmp(t->key, "grid") == 0 || strcmp(t->key, "zip") == 0) {
            if (t->kind != TREE_MAP || t->n == 0)
                return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                               "sweep.%s: expected a mapping of keys to lists%s",
                               t->key, t->kind == TREE_MAP ? ", got an empty one" : "");
            rc = collect(t, "", t->key, t->key[0] == 'g' ? &p->grid : &p->zip, e);
        } else if (strcmp(t->key, "sample") == 0) {
            rc = sample_read(t, &p->sample, e);
        } else if (strcmp(t->key, "repeat") == 0) {
            rc = config_read_integer(t, "sweep.repeat", 1, 100000, &p->repeat, e);
        } else if (strcmp(t->key, "early_stop") == 0) {
            p->early_stop_at = t;
            rc = asha_read(t, &p->early_stop, e);
        } else if (strcmp(t->key, "max_runs") == 0) {
            rc = config_read_integer(t, "sweep.max_runs", 1, SWEEP_MAX_RUNS_CEILING,
                                     &p->max_runs, e);
        } else {
            static const char *const keys[] = {"grid", "zip", "sample", "repeat",
                                               "max_runs", "early_stop", NULL};
            return suggest_unknown_key(t, "sweep", keys, e);
        }
        if (rc < 0)
            return rc;
    }
    p->grid_points = 1;
    for (size_t i = 0; i < p->grid.n && p->grid_points; i++)
        p->grid_points = times(p->grid_points, p->grid.a[i].list->n);
    p->zip_len = p->zip.n ? p->zip.a[0].list->n : 1;
    p->sample_points = p->sample.n ? (size_t)p->sample.count : 1;
    for (size_t i = 1; i < p->zip.n; i++)
        if (p->zip.a[i].list->n != p->zip_len) {
            const struct tree *t = p->zip.a[i].list;
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "sweep.zip: '%s' has %zu values but '%s' has %zu",
                           p->zip.a[i].key, t->n, p->zip.a[0].key, p->zip_len);
        }
    return 0;
}

/* Sets key to a copy of value (an item of list) in root. A key new to the
 * config is placed, for messages, where the sweep names it. */
static int put(struct tree *root, const char *key, const struct tree *list,
               const struct tree *value, struct err *e)
{
    int existed = tree_find(root, key) != NULL;
    struct tree *copy = tree_copy(value);
    if (!copy)
        return err_msg(e, ERR_NOMEM, "out of memory");
    int rc = tree_set(root, key, copy, e);
    if (rc == 0 && !existed) {
        copy->key_line = list->key_line;
        copy->key_col = list->key_col;
    }
    return rc;
}

/* The ends of every numeric sampled range and every value of a choice, read
 * as a written value would be (in the first run's config), so that a range
 * outside the key's (a dropout up to 2) or a misspelt choice is an error
 * whatever the draws. */
static int check_bounds(const struct tree *root, const struct sample_plan *sp,
                        const char *path, struct err *e)
{
    int rc = 0;
    for (size_t i = 0; i < sp->n && rc == 0; i++) {
        const struct sample_axis *a = &sp->a[i];
        size_t ends = a->dist == DIST_CHOICE ? a->args->n : 2;
        for (size_t end = 0; end < ends && rc == 0; end++) {
            struct tree *copy = tree_copy(root);
            struct config c;
            if (!copy)
                return err_msg(e, ERR_NOMEM, "out of memory");
            rc = put(copy, a->key, a->entry, a->args->items[end], e);
            if (rc == 0)
                rc = config_defaults(&c, path, e);
            if (rc == 0) {
                rc = config_read(&c, copy, e);
                config_free(&c);
            }
            tree_free(copy);
        }
    }
    return rc;
}

static char *seed_text(long seed)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", seed);
    return mem_strdup(buf);
}

/* Builds run k of the plan from the base tree. */
static int build_run(const struct tree *base, const struct plan *p, size_t k,
                     const char *path, struct sweep *s, struct err *e)
{
    struct sweep_run *r = &s->runs[k];
    r->index = k;
    size_t rep = k % (size_t)p->repeat, rest = k / (size_t)p->repeat;
    size_t point = rest % p->sample_points;
    rest /= p->sample_points;
    size_t z = rest % p->zip_len, g = rest / p->zip_len;
    struct tree *root = tree_copy(base);
    r->values = mem_calloc(s->nkeys ? s->nkeys : 1, sizeof *r->values);
    int rc = root && r->values ? 0 : err_msg(e, ERR_NOMEM, "out of memory");
    size_t col = 0;
    /* grid: the last key varies fastest */
    size_t stride = p->grid_points;
    for (size_t i = 0; i < p->grid.n && rc == 0; i++) {
        stride /= p->grid.a[i].list->n;
        const struct tree *v = p->grid.a[i].list->items[(g / stride) % p->grid.a[i].list->n];
        rc = put(root, p->grid.a[i].key, p->grid.a[i].list, v, e);
        if (rc == 0 && !(r->values[col++] = tree_to_flow(v)))
            rc = err_msg(e, ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < p->zip.n && rc == 0; i++) {
        const struct tree *v = p->zip.a[i].list->items[z];
        rc = put(root, p->zip.a[i].key, p->zip.a[i].list, v, e);
        if (rc == 0 && !(r->values[col++] = tree_to_flow(v)))
            rc = err_msg(e, ERR_NOMEM, "out of memory");
    }
    if (rc == 0 && k == 0)
        rc = check_bounds(root, &p->sample, path, e);
    for (size_t i = 0; i < p->sample.n && rc == 0; i++) {
        const struct tree *v = sample_value(&p->sample, point, i);
        rc = put(root, p->sample.a[i].key, p->sample.a[i].entry, v, e);
        if (rc == 0 && !(r->values[col++] = tree_to_flow(v)))
            rc = err_msg(e, ERR_NOMEM, "out of memory");
    }
    if (rc == 0)
        rc = config_defaults(&r->cfg, path, e);
    if (rc == 0)
        rc = config_read(&r->cfg, root, e);
    if (rc == 0 && p->repeat > 1) {
        r->cfg.seed += (long)rep;
        if (!tree_find(root, "generate.seed")) /* it follows the run's seed */
            r->cfg.generate.seed = r->cfg.seed;
        if (!(r->values[col++] = seed_text(r->cfg.seed)))
            rc = err_msg(e, ERR_NOMEM, "out of memory");
    }
    if (rc == 0 && !(r->config_text = config_emit(&r->cfg)))
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    if (rc == 0 && config_run_id(&r->cfg, r->run_id) < 0)
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    tree_free(root);
    return rc;
}

static int name_columns(const struct plan *p, struct sweep *s, struct err *e)
{
    s->nkeys = p->grid.n + p->zip.n + p->sample.n + (p->repeat > 1);
    s->keys = mem_calloc(s->nkeys ? s->nkeys : 1, sizeof *s->keys);
    if (!s->keys)
        return err_msg(e, ERR_NOMEM, "out of memory");
    size_t c = 0;
    for (size_t i = 0; i < p->grid.n; i++)
        if (!(s->keys[c++] = mem_strdup(p->grid.a[i].key)))
            return err_msg(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->zip.n; i++)
        if (!(s->keys[c++] = mem_strdup(p->zip.a[i].key)))
            return err_msg(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->sample.n; i++)
        if (!(s->keys[c++] = mem_strdup(p->sample.a[i].key)))
            return err_msg(e, ERR_NOMEM, "out of memory");
    if (p->repeat > 1 && !(s->keys[c++] = mem_strdup("seed")))
        return err_msg(e, ERR_NOMEM, "out of memory");
    struct text t = {0};
    for (size_t i = 0; i < s->nkeys; i++) {
        const char *how = i < p->grid.n ? "grid" : i < p->grid.n + p->zip.n ? "zip"
                          : i < p->grid.n + p->zip.n + p->sample.n
                              ? sample_dist_name(p->sample.a[i - p->grid.n - p->zip.n].dist)
                              : "repeat";
        text_add(&t, "%s%s:%s", i ? " " : "", s->keys[i], how);
    }
    if (!(s->axes = text_take(&t)))
        return err_msg(e, ERR_NOMEM, "out of memory");
    return 0;
}

/* The hash of a run id (its 12 hex digits are already uniform). */
static size_t id_hash(const char *id)
{
    return (size_t)strtoull(id, NULL, 16);
}

/* Builds the run-id table (open addressing, at most half full) and refuses
 * two runs with one id; linear in the number of runs. */
static int index_runs(struct sweep *s, struct err *e)
{
    s->nslots = 16;
    while (s->nslots < 2 * s->n)
        s->nslots *= 2;
    s->slots = mem_alloc(s->nslots * sizeof *s->slots);
    if (!s->slots)
        return err_msg(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->nslots; i++)
        s->slots[i] = (size_t)-1;
    for (size_t k = 0; k < s->n; k++) {
        size_t h = id_hash(s->runs[k].run_id) & (s->nslots - 1);
        for (; s->slots[h] != (size_t)-1; h = (h + 1) & (s->nslots - 1)) {
            size_t j = s->slots[h];
            if (strcmp(s->runs[j].run_id, s->runs[k].run_id) == 0)
                return err_msg(e, ERR_CONFIG, "sweep: runs %zu and %zu resolve to "
                               "the same config (run_id %s); remove the duplicate "
                               "value", j, k, s->runs[k].run_id);
        }
        s->slots[h] = k;
    }
    return 0;
}

const struct sweep_run *sweep_find(const struct sweep *s, const char *run_id)
{
    if (!s->slots || strlen(run_id) != 12)
        return NULL;
    for (size_t h = id_hash(run_id) & (s->nslots - 1); s->slots[h] != (size_t)-1;
         h = (h + 1) & (s->nslots - 1))
        if (strcmp(s->runs[s->slots[h]].run_id, run_id) == 0)
            return &s->runs[s->slots[h]];
    return NULL;
}

/* Whether dotted keys a and b overlap: equal, or one a section of the other
 * ("model" and "model.cell"). */
static int overlaps(const char *a, const char *b)
{
    size_t n = strlen(a) < strlen(b) ? strlen(a) : strlen(b);
    return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '.') &&
           (b[n] == '\0' || b[n] == '.');
}

/* An override of a key the sweep varies would be silently replaced by the
 * sweep's values: an error that says what to write instead. */
static int check_overrides(const struct plan *p, int noverrides,
                           char *const *overrides, struct err *e)
{
    for (int i = 0; i < noverrides; i++) {
        char key[256];
        size_t len = strcspn(overrides[i], "=");
        snprintf(key, sizeof key, "%.*s", (int)(len < 255 ? len : 255), overrides[i]);
        if (strncmp(key, "sweep.", 6) == 0 || strcmp(key, "sweep") == 0)
            continue;
        const struct axes *both[2] = {&p->grid, &p->zip};
        for (int g = 0; g < 2; g++)
            for (size_t k = 0; k < both[g]->n; k++)
                if (overlaps(key, both[g]->a[k].key))
                    return err_msg(e, ERR_USAGE, "command line '%s': the sweep varies "
                                   "%s (sweep.%s), whose values would replace this; "
                                   "override sweep.%s.%s=[...] to change them",
                                   overrides[i], both[g]->a[k].key, g ? "zip" : "grid",
                                   g ? "zip" : "grid", both[g]->a[k].key);
        for (size_t k = 0; k < p->sample.n; k++)
            if (overlaps(key, p->sample.a[k].key))
                return err_msg(e, ERR_USAGE, "command line '%s': the sweep samples %s "
                               "(sweep.sample.space), whose draws would replace this; "
                               "override sweep.sample.space.%s={...} to change them",
                               overrides[i], p->sample.a[k].key, p->sample.a[k].key);
    }
    return 0;
}

/* Early stopping must be able to judge every run: a rung below its last
 * epoch, and the metric measured at every rung. */
static int check_early_stop(const struct plan *p, const struct sweep *s,
                            struct err *e)
{
    const struct asha_config *a = &p->early_stop;
    if (!a->enabled)
        return 0;
    /* the keys exist: asha_read required them */
    const struct tree *metric = tree_get(p->early_stop_at, "metric");
    const struct tree *at = tree_get(p->early_stop_at, "min_epochs");
    int mse = a->metric == ASHA_VALID_MSE || a->metric == ASHA_TRAIN_MSE;
    for (size_t k = 0; k < s->n; k++) {
        const struct config *c = &s->runs[k].cfg;
        int regression = c->model.head == HEAD_REGRESSION;
        if (mse != regression)
            return err_set(e, ERR_CONFIG, metric->src, metric->line, metric->col,
                           "sweep.early_stop.metric: %s is measured by %s runs only, "
                           "and run %zu is a %s (use %s)", asha_metric_name(a->metric),
                           mse ? "regression" : "language-model", k,
                           regression ? "regression" : "language model",
                           regression ? "valid_mse or train_mse" : "valid_ppl or train_ppl");
        if (asha_rung_count(a, c->train.epochs) == 0)
            return err_set(e, ERR_CONFIG, at->src, at->line, at->col,
                           "sweep.early_stop.min_epochs: %ld leaves no rung below "
                           "train.epochs (%ld) in run %zu: no run could be stopped",
                           a->min_epochs, c->train.epochs, k);
        if (a->metric != ASHA_VALID_PPL && a->metric != ASHA_VALID_MSE)
            continue;
        if (!regression && c->dataset.name != DATASET_PTB &&
            c->dataset.valid_fraction == 0)
            return err_set(e, ERR_CONFIG, metric->src, metric->line, metric->col,
                           "sweep.early_stop.metric: valid_ppl needs a validation "
                           "split (dataset.valid_fraction > 0, or ptb) in run %zu", k);
        long epoch = a->min_epochs;
        for (int r = 0; r < asha_rung_count(a, c->train.epochs); r++) {
            if (epoch % c->train.eval_every)
                return err_set(e, ERR_CONFIG, at->src, at->line, at->col,
                               "sweep.early_stop: rung %d ends at epoch %ld, but "
                               "train.eval_every %ld measures %s only every "
                               "%ld epochs (run %zu)", r, epoch, c->train.eval_every,
                               asha_metric_name(a->metric), c->train.eval_every, k);
            epoch *= a->reduction;
        }
    }
    return 0;
}

/* Two axes that set one key (or a key and its section) would overwrite
 * each other's values: an error at the later one. */
static int check_axes_disjoint(const struct plan *p, struct err *e)
{
    struct named_axis {
        const char *key, *what;
        const struct tree *at;
    } all[3 * 128];
    size_t n = 0;
    for (size_t i = 0; i < p->grid.n; i++)
        all[n++] = (struct named_axis){p->grid.a[i].key, "grid", p->grid.a[i].list};
    for (size_t i = 0; i < p->zip.n; i++)
        all[n++] = (struct named_axis){p->zip.a[i].key, "zip", p->zip.a[i].list};
    for (size_t i = 0; i < p->sample.n; i++)
        all[n++] = (struct named_axis){p->sample.a[i].key, "sample.space",
                                       p->sample.a[i].entry};
    for (size_t j = 1; j < n; j++)
        for (size_t i = 0; i < j; i++)
            if (overlaps(all[i].key, all[j].key))
                return err_set(e, ERR_CONFIG, all[j].at->src, all[j].at->key_line,
                               all[j].at->key_col, "sweep.%s.%s: sweep.%s already "
                               "varies %s; one key, one axis", all[j].what,
                               all[j].key, all[i].what, all[i].key);
    return 0;
}

/* The config's seed as written (0, its default, when absent or not a
 * number: reading the config reports a bad one). */
static long written_seed(const struct tree *root)
{
    const struct tree *t = tree_get(root, "seed");
    return t && t->kind == TREE_SCALAR ? strtol(t->value, NULL, 10) : 0;
}

int sweep_load(const char *path, int noverrides, char *const *overrides,
               struct sweep **out, struct err *e)
{
    *out = NULL;
    struct tree *root = NULL, *sw = NULL;
    struct sweep *s = NULL;
    struct plan p;
    memset(&p, 0, sizeof p);
    int rc = include_parse_file(path, &root, e);
    for (int i = 0; rc == 0 && i < noverrides; i++)
        rc = config_apply_override(root, overrides[i], e);
    if (rc == 0)
        rc = config_check_not_empty(root, e);
    if (rc == 0 && root->kind == TREE_MAP && (sw = tree_find(root, "sweep"))) {
        sw = tree_copy(sw);
        if (!sw)
            rc = err_msg(e, ERR_NOMEM, "out of memory");
        tree_remove(root, "sweep");
    }
    if (rc == 0 && sw)
        rc = read_plan(sw, &p, e);
    if (rc == 0 && sw)
        rc = check_axes_disjoint(&p, e);
    if (rc == 0 && sw)
        rc = check_overrides(&p, noverrides, overrides, e);
    else if (rc == 0)
        p = (struct plan){.grid_points = 1, .zip_len = 1, .sample_points = 1,
                          .repeat = 1, .max_runs = SWEEP_DEFAULT_MAX_RUNS};
    if (rc == 0 && !(s = mem_calloc(1, sizeof *s)))
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = name_columns(&p, s, e);
    if (rc == 0) {
        s->n = times(times(times(p.grid_points, p.zip_len), p.sample_points),
                     (size_t)p.repeat);
        if (s->n == 0 || s->n > (size_t)p.max_runs) {
            const struct tree *at = sw ? sw : root;
            char count[32] = "more than 2^64";
            if (s->n)
                snprintf(count, sizeof count, "%zu", s->n);
            rc = err_set(e, ERR_CONFIG, at->src, at->line, at->col,
                         "sweep: %s runs, above sweep.max_runs (%ld); raise it if "
                         "you mean it", count, p.max_runs);
            s->n = 0;
        } else if (!(s->runs = mem_calloc(s->n, sizeof *s->runs))) {
            rc = err_msg(e, ERR_NOMEM, "out of memory");
        }
    }
    /* after the count is known to be within max_runs */
    if (rc == 0 && p.sample.n)
        rc = sample_draw(&p.sample, written_seed(root), e);
    for (size_t k = 0; rc == 0 && k < s->n; k++)
        rc = build_run(root, &p, k, path, s, e);
    if (rc == 0)
        rc = index_runs(s, e);
    if (rc == 0)
        rc = check_early_stop(&p, s, e);
    if (rc == 0)
        s->early_stop = p.early_stop;
    tree_free(root);
    tree_free(sw);
    sample_free(&p.sample);
    if (rc < 0) {
        sweep_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sweep_free(struct sweep *s)
{
    if (!s)
        return;
    for (size_t k = 0; s->runs && k < s->n; k++) {
        struct sweep_run *r = &s->runs[k];
        config_free(&r->cfg);
        mem_free(r->config_text);
        for (size_t i = 0; r->values && i < s->nkeys; i++)
            mem_free(r->values[i]);
        mem_free(r->values);
    }
    mem_free(s->runs);
    mem_free(s->slots);
    for (size_t i = 0; s->keys && i < s->nkeys; i++)
        mem_free(s->keys[i]);
    mem_free(s->keys);
    mem_free(s->axes);
    mem_free(s);
}

char *sweep_describe(const struct sweep *s, const struct sweep_run *r)
{
    size_t n = 1;
    for (size_t i = 0; i < s->nkeys; i++)
        n += strlen(s->keys[i]) + strlen(r->values[i] ? r->values[i] : "") + 2;
    char *d = mem_alloc(n);
    if (!d)
        return NULL;
    d[0] = '\0';
    for (size_t i = 0; i < s->nkeys; i++) {
        if (i)
            strcat(d, " ");
        strcat(d, s->keys[i]);
        strcat(d, "=");
        strcat(d, r->values[i] ? r->values[i] : "");
    }
    return d;
}

int sweep_in_shard(size_t k, size_t i, size_t n)
{
    return n == 0 || k % n == i;
}
