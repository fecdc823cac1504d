/* config: see config.h. Reading walks the key tables of schema.h; emission
 * is config_emit.c. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "include.h"
#include "mem.h"
#include "recipe.h"
#include "schema.h"
#include "suggest.h"

/* Sentinels for defaults that depend on other keys (resolved after reading). */
#define UNSET_ENUM (-1)
#define UNSET_LONG LONG_MIN
#define UNSET_DOUBLE (-1.0)

/* ---- defaults and freeing --------------------------------------------- */

/* "configs/tm.yaml" -> "tm" */
static char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    return mem_strndup(n ? b : "run", n ? n : 3);
}

int config_defaults(struct config *c, const char *src, struct err *e)
{
    memset(c, 0, sizeof *c);
    c->src = mem_strdup(src ? src : "");
    c->name = base_name(src ? src : "run");
    if (!c->src || !c->name)
        return err_msg(e, ERR_NOMEM, "out of memory");
    c->dataset = (struct dataset_config){
        .name = DATASET_TIMEMACHINE, .tokens = UNSET_ENUM,
        .max_tokens = UNSET_LONG, .max_bytes = DATASET_DEFAULT_MAX_BYTES,
        .length = 1000, .noise = 0.2, .tau = 4, .n_train = 600};
    c->sampler = (struct sampler_config){
        .kind = SAMPLER_SEQUENTIAL, .batch_size = 32, .num_steps = 35,
        .offset = OFFSET_RANDOM};
    c->model = (struct model_config){
        .cell = CELL_RNN_TANH, .hidden = 256, .layers = 1,
        .input = INPUT_ONEHOT, .init = {INIT_DEFAULT, 0.01, 0.1}};
    c->optimizer = (struct optimizer_config){
        .kind = OPTIM_SGD, .lr = 1, .weight_decay = UNSET_DOUBLE,
        .betas = {0.9, 0.999}, .eps = UNSET_DOUBLE, .alpha = 0.99};
    c->schedule = (struct schedule_config){
        .kind = SCHEDULE_CONSTANT, .gamma = 0.5, .factor = 4};
    c->train = (struct train_config){.epochs = 10, .eval_every = 1, .threads = 0,
                                     .grad_shards = 2, .bptt = BPTT_TRUNCATED,
                                     .bptt_keep = 0.5, .max_mse = 1e6};
    c->generate = (struct generate_config){
        .length = 50, .strategy = GEN_GREEDY, .temperature = 1, .alpha = 1,
        .seed = UNSET_LONG};
    return 0;
}

static void strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        mem_free(l->items[i]);
    mem_free(l->items);
    l->items = NULL;
    l->n = 0;
}

void config_free(struct config *c)
{
    if (!c)
        return;
    mem_free(c->src);
    mem_free(c->name);
    mem_free(c->dataset.path);
    mem_free(c->dataset.member);
    strlist_free(&c->generate.prefixes);
    mem_free(c->output.dir);
    memset(c, 0, sizeof *c);
}

/* ---- scalars ---------------------------------------------------------- */

static const char *kind_word(const struct tree *t)
{
    if (t->kind == TREE_MAP)
        return "a mapping";
    return t->kind == TREE_SEQ ? "a list" : "a quoted string";
}

static int is_null(const struct tree *t)
{
    return t->kind == TREE_SCALAR && !t->quoted &&
           (!t->value[0] || strcmp(t->value, "~") == 0 ||
            strcmp(t->value, "null") == 0);
}

static int expect_scalar(const struct tree *t, const char *path, const char *what,
                         struct err *e)
{
    if (t->kind == TREE_SCALAR && !t->quoted)
        return 0;
    return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                   "%s: expected %s, got %s", path, what, kind_word(t));
}

static int bad_value(const struct tree *t, const char *path, const char *what,
                     struct err *e)
{
    return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                   "%s: expected %s, got '%s'", path, what, t->value);
}

/* A scalar as an integer (strtol) or a finite number (strtod) within
 * [min, max]; *out gets it as a double (exact: integer bounds stay under
 * 2^53). */
static int read_number(const struct tree *t, const char *path, int integer,
                       double min, double max, double *out, struct err *e)
{
    const char *what = integer ? "an integer" : "a number";
    int rc = expect_scalar(t, path, what, e);
    if (rc < 0)
        return rc;
    char *end;
    errno = 0;
    double v = integer ? (double)strtol(t->value, &end, 10) : strtod(t->value, &end);
    if (!t->value[0] || *end || errno || !isfinite(v))
        return bad_value(t, path, integer ? what : "a finite number", e);
    if (v < min || v > max)
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       integer ? "%s: %.0f is out of range [%.0f, %.0f]"
                               : "%s: %g is out of range [%g, %g]",
                       path, v, min, max);
    *out = v;
    return 0;
}

static int read_long(const struct tree *t, const char *path, double min,
                     double max, long *out, struct err *e)
{
    double v;
    int rc = read_number(t, path, 1, min, max, &v, e);
    if (rc == 0)
        *out = (long)v;
    return rc;
}

static int read_double(const struct tree *t, const char *path, double min,
                       double max, double *out, struct err *e)
{
    return read_number(t, path, 0, min, max, out, e);
}

static int read_string(const struct tree *t, const char *path, char **out,
                       struct err *e)
{
    if (t->kind != TREE_SCALAR)
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "%s: expected a string, got %s", path, kind_word(t));
    char *s = mem_strdup(t->value);
    if (!s)
        return err_msg(e, ERR_NOMEM, "out of memory");
    mem_free(*out);
    *out = s;
    return 0;
}

static int read_strings(const struct tree *t, const char *path,
                        struct strlist *out, struct err *e)
{
    if (t->kind != TREE_SEQ)
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "%s: expected a list of strings, got %s", path,
                       t->kind == TREE_MAP ? "a mapping" : "a scalar");
    strlist_free(out);
    out->items = mem_calloc(t->n ? t->n : 1, sizeof *out->items);
    if (!out->items)
        return err_msg(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->n; i++) {
        char item[300];
        snprintf(item, sizeof item, "%s[%zu]", path, i);
        int rc = read_string(t->items[i], item, &out->items[i], e);
        if (rc < 0)
            return rc;
        out->n = i + 1;
    }
    return 0;
}

static int read_pair(const struct tree *t, const char *path, double min,
                     double max, double *out, struct err *e)
{
    if (t->kind != TREE_SEQ || t->n != 2)
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "%s: expected a list of two numbers", path);
    for (size_t i = 0; i < 2; i++) {
        char item[300];
        snprintf(item, sizeof item, "%s[%zu]", path, i);
        int rc = read_double(t->items[i], item, min, max, &out[i], e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int read_enum(const struct tree *t, const char *path,
                     const char *const *choices, int *out, struct err *e)
{
    char list[256] = "";
    for (int i = 0; choices[i]; i++) {
        if (t->kind == TREE_SCALAR && strcmp(t->value, choices[i]) == 0) {
            *out = i;
            return 0;
        }
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, choices[i], sizeof list - strlen(list) - 1);
    }
    if (t->kind != TREE_SCALAR)
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "%s: expected one of %s, got %s", path, list,
                       kind_word(t));
    const char *near = suggest_nearest(t->value, choices, sizeof *choices);
    if (near)
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "%s: unknown value '%s' (did you mean '%s'?)", path,
                       t->value, near);
    return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                   "%s: expected one of %s, got '%s'", path, list, t->value);
}

static int read_bool(const struct tree *t, const char *path, int *out,
                     struct err *e)
{
    int rc = expect_scalar(t, path, "true or false", e);
    if (rc < 0)
        return rc;
    if (strcmp(t->value, "true") == 0 || strcmp(t->value, "yes") == 0)
        *out = 1;
    else if (strcmp(t->value, "false") == 0 || strcmp(t->value, "no") == 0)
        *out = 0;
    else
        return bad_value(t, path, "true or false", e);
    return 0;
}

static int is_none(const struct tree *t)
{
    return t->kind == TREE_SCALAR && !t->quoted && strcmp(t->value, "none") == 0;
}

/* ---- reading ---------------------------------------------------------- */

static int read_map(struct config *c, const struct tree *map,
                    const struct field *fields, const char *prefix,
                    struct err *e);

static int read_field(struct config *c, const struct field *f,
                      const struct tree *t, const char *path, struct err *e)
{
    char *base = (char *)c + f->offset;
    switch (f->type) {
    case F_INT:
        return read_long(t, path, f->min, f->max, (long *)base, e);
    case F_FLOAT:
        return read_double(t, path, f->min, f->max, (double *)base, e);
    case F_NONE_OR_FLOAT:
        if (is_none(t) || is_null(t)) {
            *(double *)base = 0;
            return 0;
        }
        return read_double(t, path, f->min, f->max, (double *)base, e);
    case F_FLOAT2:
        return read_pair(t, path, f->min, f->max, (double *)base, e);
    case F_STRING:
        return read_string(t, path, (char **)base, e);
    case F_TEXT:
        if (t->kind == TREE_SCALAR && !t->value[0])
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "%s: expected a non-empty string", path);
        if (t->kind == TREE_SCALAR && strlen(t->value) > f->max)
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "%s: %zu characters, at most %.0f", path,
                           strlen(t->value), f->max);
        return read_string(t, path, (char **)base, e);
    case F_STRINGS:
        return read_strings(t, path, (struct strlist *)base, e);
    case F_ENUM:
        return read_enum(t, path, f->choices, (int *)base, e);
    case F_BOOL:
        return read_bool(t, path, (int *)base, e);
    case F_MAP:
        if (is_null(t))
            return 0; /* "model:" with nothing under it: all defaults */
        if (is_none(t) && f->sub[0].type == F_NONE_OR_FLOAT) {
            *(double *)((char *)c + f->sub[0].offset) = 0; /* clip: none */
            return 0;
        }
        if (t->kind != TREE_MAP) {
            if (t->kind == TREE_SCALAR)
                return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                               "%s: expected a mapping of keys, got '%s'",
                               path, t->value);
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "%s: expected a mapping of keys, got a list", path);
        }
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%.250s%s", path, path[0] ? "." : "");
        return read_map(c, t, f->sub, prefix, e);
    }
    return 0;
}

static const struct field *field_named(const struct field *fields,
                                       const char *key)
{
    for (const struct field *f = fields; f->key; f++)
        if (strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

/* The section that has a key of this name (epochs -> train), or NULL. */
static const char *section_of(const char *key)
{
    for (const struct field *f = schema_root; f->key; f++)
        if (f->type == F_MAP && field_named(f->sub, key))
            return f->key;
    return NULL;
}

/* Reads every member of map against fields; prefix is "section." or "". */
static int read_map(struct config *c, const struct tree *map,
                    const struct field *fields, const char *prefix,
                    struct err *e)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct tree *t = map->items[i];
        const struct field *f = field_named(fields, t->key);
        char path[256];
        snprintf(path, sizeof path, "%s%s", prefix, t->key);
        if (!f && !prefix[0] && strcmp(t->key, "sweep") == 0)
            return err_set(e, ERR_CONFIG, t->src, t->key_line, t->key_col,
                           "this config has a sweep: section; run it with "
                           "'runner sweep' (or remove the section)");
        const char *section = !f && !prefix[0] ? section_of(t->key) : NULL;
        if (section)
            return err_set(e, ERR_CONFIG, t->src, t->key_line, t->key_col,
                           "unknown key '%s' (did you mean '%s.%s'?)", path, section,
                           t->key);
        if (!f) {
            const char *near = suggest_nearest(t->key, &fields->key, sizeof *fields);
            if (near)
                return err_set(e, ERR_CONFIG, t->src, t->key_line, t->key_col,
                               "unknown key '%s' (did you mean '%s%s'?)", path,
                               prefix, near);
            return err_set(e, ERR_CONFIG, t->src, t->key_line, t->key_col,
                           "unknown key '%s'", path);
        }
        int rc = read_field(c, f, t, path, e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Rejects keys present in the file that do not apply to the values read. */
static int check_relevance(const struct config *c, const struct tree *map,
                           const struct field *fields, const char *prefix,
                           struct err *e)
{
    for (size_t i = 0; map->kind == TREE_MAP && i < map->n; i++) {
        const struct tree *t = map->items[i];
        const struct field *f = field_named(fields, t->key);
        char path[256];
        snprintf(path, sizeof path, "%s%s", prefix, t->key);
        if (f->applies && !f->applies(c))
            return err_set(e, ERR_CONFIG, t->src, t->key_line, t->key_col,
                           "%s: applies to %s only", path, f->applies_to);
        if (f->type == F_MAP) {
            char sub[300];
            snprintf(sub, sizeof sub, "%.250s.", path);
            int rc = check_relevance(c, t, f->sub, sub, e);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* ---- defaults that depend on other keys, and cross-key rules ---------- */

/* Error at the key `path` of the tree (or at the root when absent). */
static int error_at(const struct tree *root, const char *path, struct err *e,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int error_at(const struct tree *root, const char *path, struct err *e,
                    const char *fmt, ...)
{
    const struct tree *t = tree_find(root, path);
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!t)
        return err_set(e, ERR_CONFIG, root->src, 0, 0, "%s: %s", path, msg);
    return err_set(e, ERR_CONFIG, t->src, t->key_line ? t->key_line : t->line,
                   t->key_line ? t->key_col : t->col, "%s: %s", path, msg);
}

/* sine goes with head: regression and text with lm; the sine series must
 * leave at least one example past n_train. */
static int check_regression(const struct config *c, const struct tree *root,
                            struct err *e)
{
    const struct dataset_config *d = &c->dataset;
    int sine = d->name == DATASET_SINE, regression = c->model.head == HEAD_REGRESSION;
    if (sine && !regression)
        return tree_find(root, "model.head")
                   ? error_at(root, "model.head", e, "lm does not fit dataset sine, "
                              "a regression task: set model.head: regression")
                   : error_at(root, "dataset.name", e, "sine is a regression task: "
                              "set model.head: regression");
    if (!sine && regression)
        return error_at(root, "model.head", e, "regression needs a numeric "
                        "series (dataset.name: sine), not the text dataset %s",
                        config_dataset_name(d->name));
    if (sine && d->tau + d->n_train >= d->length)
        return error_at(root, "dataset.n_train", e, "%ld training examples of "
                        "tau %ld leave no validation example in a length of %ld "
                        "(need tau + n_train < length)", d->n_train, d->tau,
                        d->length);
    return 0;
}

static int resolve(struct config *c, const struct tree *root, struct err *e)
{
    struct dataset_config *d = &c->dataset;
    d->seed = c->seed;
    if (d->name == DATASET_SINE)
        d->tokens = TOKENS_CHAR, d->max_tokens = -1; /* unused, not emitted */
    if (d->tokens == UNSET_ENUM) /* the dataset's own (recipe.h) */
        d->tokens = recipe_of(d->name)->tokens;
    if (d->max_tokens == UNSET_LONG)
        d->max_tokens = recipe_of(d->name)->max_tokens;
    if (d->max_tokens == 0)
        return error_at(root, "dataset.max_tokens", e,
                        "0 keeps nothing; use -1 for the whole corpus or a "
                        "positive count");
    if (d->name == DATASET_TEXT && !d->path)
        return error_at(root, "dataset", e, "path is required when name is 'text'");
    if (d->name == DATASET_PTB && d->tokens == TOKENS_CHAR)
        return error_at(root, "dataset.tokens", e,
                        "ptb is a word-level corpus; use tokens: word");
    struct model_config *m = &c->model;
    if (m->embed_dim == 0)
        m->embed_dim = m->hidden;
    /* the recurrent weights alone (W_ih from a hidden-sized input, W_hh,
     * two biases per layer): a bound below what the vocabulary adds */
    double gates = (double)cell_gates(m->cell);
    double h = (double)m->hidden, least = (double)m->layers * gates * h * (2 * h + 2);
    if (least > MODEL_MAX_PARAMS)
        return error_at(root, "model", e, "hidden %ld x %ld layers needs at least "
                        "%.3g parameters, above the limit of %.3g (%.0f GiB for "
                        "the parameters alone)", m->hidden, m->layers, least,
                        (double)MODEL_MAX_PARAMS, (double)MODEL_MAX_PARAMS * 4 / (1 << 30));
    if (m->tie_weights && m->embed_dim != m->hidden)
        return error_at(root, "model.tie_weights", e,
                        "needs embed_dim (%ld) == hidden (%ld)", m->embed_dim,
                        m->hidden);
    struct optimizer_config *o = &c->optimizer;
    if (o->weight_decay == UNSET_DOUBLE) /* torch.optim.AdamW's default */
        o->weight_decay = o->kind == OPTIM_ADAMW ? 0.01 : 0;
    if (o->eps == UNSET_DOUBLE) /* torch.optim defaults */
        o->eps = o->kind == OPTIM_ADAGRAD ? 1e-10 : 1e-8;
    if (o->nesterov && o->momentum <= 0)
        return error_at(root, "optimizer.nesterov", e,
                        "needs momentum > 0 (as torch.optim.SGD)");
    struct schedule_config *s = &c->schedule;
    if (s->kind == SCHEDULE_STEP && !s->step_size == !s->start_epoch)
        return error_at(root, "schedule", e,
                        "kind step needs exactly one of step_size (every N "
                        "epochs) or start_epoch (every epoch after it)");
    if (c->train.bptt == BPTT_FULL && c->sampler.kind != SAMPLER_SEQUENTIAL)
        return error_at(root, "train.bptt", e, "full needs sampler.kind: sequential "
                        "(an epoch's minibatches form one sequence only there)");
    if (c->generate.seed == UNSET_LONG)
        c->generate.seed = c->seed;
    if (!c->output.dir) {
        size_t n = strlen(c->name) + 16;
        c->output.dir = mem_alloc(n);
        if (!c->output.dir)
            return err_msg(e, ERR_NOMEM, "out of memory");
        snprintf(c->output.dir, n, "results/%s", c->name);
    }
    return 0;
}

int config_read(struct config *c, const struct tree *root, struct err *e)
{
    if (root->kind != TREE_MAP)
        return err_set(e, ERR_CONFIG, root->src, root->line, root->col,
                       "a config must be a mapping of sections");
    int rc = read_map(c, root, schema_root, "", e);
    if (rc == 0) /* before relevance: a lone head: regression explains more */
        rc = check_regression(c, root, e);
    if (rc == 0)
        rc = check_relevance(c, root, schema_root, "", e);
    if (rc == 0)
        rc = resolve(c, root, e);
    return rc;
}

static void forget_positions(struct tree *t)
{
    t->line = t->col = t->key_line = t->key_col = 0;
    for (size_t i = 0; i < t->n; i++)
        forget_positions(t->items[i]);
}

int config_apply_override(struct tree *root, const char *assignment,
                          struct err *e)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return err_msg(e, ERR_USAGE,
                       "override '%s' must look like dotted.key=value",
                       assignment);
    char key[256];
    size_t klen = (size_t)(eq - assignment);
    if (klen >= sizeof key)
        return err_msg(e, ERR_USAGE, "override key too long: '%s'", assignment);
    memcpy(key, assignment, klen);
    key[klen] = '\0';
    char src[600];
    snprintf(src, sizeof src, "command line '%.500s'", assignment);
    struct tree *value = NULL;
    int rc = tree_parse_string(eq + 1, src, &value, e);
    if (rc < 0) {
        e->line = e->col = 0; /* a place in "command line '...'" says nothing */
        return rc;
    }
    if (value->kind == TREE_MAP && value->n == 0 && !eq[1]) {
        /* "key=" parses as an empty document: make it an empty scalar. */
        tree_free(value);
        value = tree_new_scalar("", 0, src, 1, 1);
        if (!value)
            return err_msg(e, ERR_NOMEM, "out of memory");
    }
    forget_positions(value); /* messages then read "command line 'k=v': ..." */
    return tree_set(root, key, value, e);
}

int config_read_integer(const struct tree *t, const char *path, long lo, long hi,
                        long *out, struct err *e)
{
    char *end = NULL;
    errno = 0;
    long v = 0;
    if (t->kind == TREE_SCALAR && !t->quoted && t->value[0])
        v = strtol(t->value, &end, 10);
    if (t->kind == TREE_SCALAR && !t->quoted && t->value[0] && !*end && !errno &&
        v >= lo && v <= hi) {
        *out = v;
        return 0;
    }
    if (t->kind != TREE_SCALAR)
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "%s: expected an integer in [%ld, %ld], got %s", path, lo, hi,
                       kind_word(t));
    return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                   "%s: expected an integer in [%ld, %ld], got '%s'%s", path, lo, hi,
                   t->value, t->quoted ? " (quoted: a string)" : "");
}

int config_key_kind(const char *path)
{
    const struct field *fields = schema_root, *f = NULL;
    char part[256];
    while (*path) {
        size_t len = strcspn(path, ".");
        if (!fields || len == 0 || len >= sizeof part)
            return 0;
        memcpy(part, path, len);
        part[len] = '\0';
        if (!(f = field_named(fields, part)))
            return 0;
        fields = f->type == F_MAP ? f->sub : NULL;
        path += len + (path[len] == '.');
    }
    if (!f)
        return 0;
    return f->type == F_INT ? 'i'
           : f->type == F_FLOAT || f->type == F_NONE_OR_FLOAT ? 'f' : 's';
}

int config_check_not_empty(const struct tree *root, struct err *e)
{
    if (root->kind == TREE_MAP && root->n == 0)
        return err_set(e, ERR_CONFIG, root->src, 0, 0, "the config is empty: it "
                       "sets no key (an empty file would train every default; "
                       "write at least the dataset or model you mean)");
    return 0;
}

/* Overrides, then the checks, then the read: what both loaders share. */
static int read_tree(struct config *c, struct tree *root, int noverrides,
                     char *const *overrides, struct err *e)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < noverrides; i++)
        rc = config_apply_override(root, overrides[i], e);
    if (rc == 0)
        rc = config_check_not_empty(root, e);
    if (rc == 0)
        rc = config_read(c, root, e);
    return rc;
}

int config_load(struct config *c, const char *path, int noverrides,
                char *const *overrides, struct err *e)
{
    struct tree *root = NULL;
    int rc = config_defaults(c, path, e);
    if (rc == 0)
        rc = include_parse_file(path, &root, e);
    if (rc == 0)
        rc = read_tree(c, root, noverrides, overrides, e);
    tree_free(root);
    return rc;
}

int config_load_text(struct config *c, const char *text, const char *src,
                     int noverrides, char *const *overrides, struct err *e)
{
    struct tree *root = NULL;
    int rc = config_defaults(c, src, e);
    if (rc == 0)
        rc = tree_parse_string(text, src, &root, e);
    if (rc == 0)
        rc = read_tree(c, root, noverrides, overrides, e);
    tree_free(root);
    return rc;
}
