/* config: see config.h. One table per section describes its keys: type,
 * range, choices, and the condition under which the key applies. Reading,
 * the relevance check and emission all walk the same tables, so a key is
 * declared in exactly one place. */
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
#include "mem.h"
#include "sha256.h"

enum field_type {
    F_INT,      /* long */
    F_FLOAT,    /* double */
    F_NONE_OR_FLOAT, /* double; `none` stores 0 */
    F_FLOAT2,   /* double[2], a two-element list */
    F_STRING,   /* char * */
    F_TEXT,     /* char *, non-empty, length in [min, max] (a name, a path) */
    F_STRINGS,  /* struct strlist */
    F_ENUM,     /* int index into choices */
    F_BOOL,     /* int */
    F_MAP,      /* nested keys in sub */
};

struct field {
    const char *key;
    enum field_type type;
    size_t offset;              /* into struct config */
    double min, max;            /* F_INT, F_*FLOAT*: inclusive range */
    const char *const *choices; /* F_ENUM: NULL-terminated names */
    const struct field *sub;    /* F_MAP: the nested mapping's keys */
    int (*applies)(const struct config *c); /* NULL: always */
    const char *applies_to;     /* "input: embedding", for messages */
    int how;                    /* says how to run, not what to compute: left
                                 * out of the run id (a limit, a resource) */
};

static const char *const dataset_names[] = {"timemachine", "jaychou", "ptb",
                                            "text", NULL};
static const char *const token_names[] = {"char", "word", NULL};
static const char *const sampler_names[] = {"random", "sequential", NULL};
static const char *const offset_names[] = {"random", "zero", NULL};
static const char *const reset_names[] = {"epoch", "never", NULL};
/* In the order of enum cell_kind (cell.h). */
static const char *const cell_names[] = {"rnn_tanh", "rnn_relu", "lstm", "gru",
                                         NULL};
static const char *const input_names[] = {"onehot", "embedding", NULL};
static const char *const init_names[] = {"default", "normal", "uniform",
                                         "xavier", NULL};
static const char *const optim_names[] = {"sgd", "adam", "adamw", "rmsprop",
                                          "adagrad", NULL};
static const char *const schedule_names[] = {"constant", "step", "exponential",
                                             "plateau", NULL};
static const char *const strategy_names[] = {"greedy", "sample", NULL};

const char *config_dataset_name(int v) { return dataset_names[v]; }
const char *config_tokens_name(int v) { return token_names[v]; }
const char *config_cell_name(int v) { return cell_names[v]; }
const char *config_optim_name(int v) { return optim_names[v]; }

/* ---- when a key applies ----------------------------------------------- */

static int not_ptb(const struct config *c) { return c->dataset.name != DATASET_PTB; }
static int sequential(const struct config *c) { return c->sampler.kind == SAMPLER_SEQUENTIAL; }
static int embedding(const struct config *c) { return c->model.input == INPUT_EMBEDDING; }
static int init_normal(const struct config *c) { return c->model.init.scheme == INIT_NORMAL; }
static int init_uniform(const struct config *c) { return c->model.init.scheme == INIT_UNIFORM; }
static int sgd(const struct config *c) { return c->optimizer.kind == OPTIM_SGD; }
static int sgd_or_rmsprop(const struct config *c)
{
    return c->optimizer.kind == OPTIM_SGD || c->optimizer.kind == OPTIM_RMSPROP;
}
static int adam_like(const struct config *c)
{
    return c->optimizer.kind == OPTIM_ADAM || c->optimizer.kind == OPTIM_ADAMW;
}
static int not_sgd(const struct config *c) { return c->optimizer.kind != OPTIM_SGD; }
static int rmsprop(const struct config *c) { return c->optimizer.kind == OPTIM_RMSPROP; }
static int step_or_exp(const struct config *c)
{
    return c->schedule.kind == SCHEDULE_STEP ||
           c->schedule.kind == SCHEDULE_EXPONENTIAL;
}
/* Unset (0) step_size/start_epoch are not emitted; set ones need kind step. */
static int step_every(const struct config *c)
{
    return c->schedule.kind == SCHEDULE_STEP && c->schedule.step_size;
}
static int step_after(const struct config *c)
{
    return c->schedule.kind == SCHEDULE_STEP && c->schedule.start_epoch;
}
static int plateau(const struct config *c) { return c->schedule.kind == SCHEDULE_PLATEAU; }
static int scheduled(const struct config *c) { return c->schedule.kind != SCHEDULE_CONSTANT; }
static int sampling(const struct config *c) { return c->generate.strategy == GEN_SAMPLE; }

/* ---- the schema ------------------------------------------------------- */

#define AT(member) offsetof(struct config, member)
#define KEY(k, type, member, lo, hi) {k, type, AT(member), lo, hi, NULL, NULL, NULL, NULL, 0}
#define ENUM(k, member, names) {k, F_ENUM, AT(member), 0, 0, names, NULL, NULL, NULL, 0}
#define ONLY(k, type, member, lo, hi, pred, text) \
    {k, type, AT(member), lo, hi, NULL, NULL, pred, text, 0}
#define MAP(k, fields) {k, F_MAP, 0, 0, 0, NULL, fields, NULL, NULL, 0}
#define HOW(k, type, member, lo, hi) {k, type, AT(member), lo, hi, NULL, NULL, NULL, NULL, 1}
#define END {NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0}
#define BIG 1e15

static const struct field dataset_fields[] = {
    ENUM("name", dataset.name, dataset_names),
    KEY("path", F_TEXT, dataset.path, 1, 1000),
    ONLY("member", F_TEXT, dataset.member, 1, 1000, not_ptb,
         "a single-file dataset (ptb reads its own three members)"),
    ENUM("tokens", dataset.tokens, token_names),
    KEY("max_tokens", F_INT, dataset.max_tokens, -1, BIG),
    KEY("min_freq", F_INT, dataset.min_freq, 0, BIG),
    ONLY("valid_fraction", F_FLOAT, dataset.valid_fraction, 0, 0.9, not_ptb,
         "datasets without a validation file (not ptb)"),
    HOW("max_bytes", F_INT, dataset.max_bytes, 1, 1099511627776.0),
    END,
};

static const struct field sampler_fields[] = {
    ENUM("kind", sampler.kind, sampler_names),
    KEY("batch_size", F_INT, sampler.batch_size, 1, 1e6),
    KEY("num_steps", F_INT, sampler.num_steps, 1, 1e6),
    ENUM("offset", sampler.offset, offset_names),
    {"reset_state", F_ENUM, AT(sampler.reset_state), 0, 0, reset_names, NULL,
     sequential, "kind: sequential", 0},
    END,
};

static const struct field init_fields[] = {
    ENUM("scheme", model.init.scheme, init_names),
    ONLY("std", F_FLOAT, model.init.std, 1e-12, 1e3, init_normal, "scheme: normal"),
    ONLY("range", F_FLOAT, model.init.range, 1e-12, 1e3, init_uniform,
         "scheme: uniform"),
    END,
};

static const struct field model_fields[] = {
    ENUM("cell", model.cell, cell_names),
    KEY("hidden", F_INT, model.hidden, 1, 65536),
    KEY("layers", F_INT, model.layers, 1, 64),
    ENUM("input", model.input, input_names),
    ONLY("embed_dim", F_INT, model.embed_dim, 1, 65536, embedding,
         "input: embedding"),
    KEY("dropout", F_FLOAT, model.dropout, 0, 0.99),
    ONLY("tie_weights", F_BOOL, model.tie_weights, 0, 0, embedding,
         "input: embedding"),
    MAP("init", init_fields),
    END,
};

static const struct field optimizer_fields[] = {
    ENUM("kind", optimizer.kind, optim_names),
    KEY("lr", F_FLOAT, optimizer.lr, 0, 1e6),
    ONLY("momentum", F_FLOAT, optimizer.momentum, 0, 0.9999, sgd_or_rmsprop,
         "kind: sgd or rmsprop"),
    ONLY("nesterov", F_BOOL, optimizer.nesterov, 0, 0, sgd, "kind: sgd"),
    KEY("weight_decay", F_FLOAT, optimizer.weight_decay, 0, 1e3),
    ONLY("betas", F_FLOAT2, optimizer.betas, 0, 0.999999, adam_like,
         "kind: adam or adamw"),
    ONLY("eps", F_FLOAT, optimizer.eps, 1e-30, 1, not_sgd,
         "kind: adam, adamw, rmsprop or adagrad"),
    ONLY("alpha", F_FLOAT, optimizer.alpha, 0, 0.999999, rmsprop, "kind: rmsprop"),
    END,
};

static const struct field schedule_fields[] = {
    ENUM("kind", schedule.kind, schedule_names),
    ONLY("gamma", F_FLOAT, schedule.gamma, 1e-9, 1, step_or_exp,
         "kind: step or exponential"),
    ONLY("step_size", F_INT, schedule.step_size, 1, 1e9, step_every, "kind: step"),
    ONLY("start_epoch", F_INT, schedule.start_epoch, 1, 1e9, step_after,
         "kind: step"),
    ONLY("factor", F_FLOAT, schedule.factor, 1.000001, 1e6, plateau,
         "kind: plateau"),
    ONLY("patience", F_INT, schedule.patience, 0, 1e9, plateau, "kind: plateau"),
    ONLY("min_lr", F_FLOAT, schedule.min_lr, 0, 1e6, scheduled,
         "a kind other than constant"),
    END,
};

static const struct field clip_fields[] = {
    KEY("max_norm", F_NONE_OR_FLOAT, clip.max_norm, 1e-12, 1e12),
    END,
};

static const struct field train_fields[] = {
    KEY("epochs", F_INT, train.epochs, 1, 1e9),
    KEY("eval_every", F_INT, train.eval_every, 1, 1e9),
    HOW("threads", F_INT, train.threads, 0, 256),
    KEY("grad_shards", F_INT, train.grad_shards, 1, 64),
    KEY("max_ppl", F_FLOAT, train.max_ppl, 0, 1e300),
    END,
};

static const struct field generate_fields[] = {
    KEY("prefixes", F_STRINGS, generate.prefixes, 0, 0),
    KEY("length", F_INT, generate.length, 0, 1e7),
    KEY("every", F_INT, generate.every, 0, 1e9),
    ENUM("strategy", generate.strategy, strategy_names),
    ONLY("temperature", F_FLOAT, generate.temperature, 1e-6, 1e6, sampling,
         "strategy: sample"),
    ONLY("alpha", F_FLOAT, generate.alpha, 1e-6, 1e6, sampling, "strategy: sample"),
    KEY("seed", F_INT, generate.seed, 0, 4294967295.0),
    END,
};

static const struct field output_fields[] = {
    HOW("dir", F_TEXT, output.dir, 1, 1000),
    END,
};

static const struct field root_fields[] = {
    KEY("name", F_TEXT, name, 1, 200),
    KEY("seed", F_INT, seed, 0, 4294967295.0),
    MAP("dataset", dataset_fields),
    MAP("sampler", sampler_fields),
    MAP("model", model_fields),
    MAP("optimizer", optimizer_fields),
    MAP("schedule", schedule_fields),
    MAP("clip", clip_fields),
    MAP("train", train_fields),
    MAP("generate", generate_fields),
    MAP("output", output_fields),
    END,
};

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
        .max_tokens = UNSET_LONG, .max_bytes = DATASET_DEFAULT_MAX_BYTES};
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
                                     .grad_shards = 2};
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

/* ---- key suggestions -------------------------------------------------- */

int config_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    int row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Nearest of a NULL-terminated array of names (stride bytes apart) to key,
 * or NULL when nothing is close. */
static const char *nearest(const char *key, const char *const *names,
                           size_t stride)
{
    const char *best = NULL;
    int best_d = INT_MAX;
    for (const char *const *n = names; *n;
         n = (const char *const *)((const char *)n + stride)) {
        int d = config_edit_distance(key, *n);
        if (d < best_d) {
            best_d = d;
            best = *n;
        }
    }
    int limit = (int)strlen(key) / 3 + 1;
    return best_d <= (limit > 3 ? 3 : limit) ? best : NULL;
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

static int read_long(const struct tree *t, const char *path, double min,
                     double max, long *out, struct err *e)
{
    int rc = expect_scalar(t, path, "an integer", e);
    if (rc < 0)
        return rc;
    char *end;
    errno = 0;
    long v = strtol(t->value, &end, 10);
    if (!t->value[0] || *end || errno)
        return bad_value(t, path, "an integer", e);
    if (v < min || v > max)
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "%s: %ld is out of range [%.0f, %.0f]", path, v, min, max);
    *out = v;
    return 0;
}

static int read_double(const struct tree *t, const char *path, double min,
                       double max, double *out, struct err *e)
{
    int rc = expect_scalar(t, path, "a number", e);
    if (rc < 0)
        return rc;
    char *end;
    errno = 0;
    double v = strtod(t->value, &end);
    if (!t->value[0] || *end || errno || !isfinite(v))
        return bad_value(t, path, "a finite number", e);
    if (v < min || v > max)
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "%s: %g is out of range [%g, %g]", path, v, min, max);
    *out = v;
    return 0;
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
    const char *near = nearest(t->value, choices, sizeof *choices);
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
    for (const struct field *f = root_fields; f->key; f++)
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
            const char *near = nearest(t->key, &fields->key, sizeof *fields);
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

static int resolve(struct config *c, const struct tree *root, struct err *e)
{
    struct dataset_config *d = &c->dataset;
    if (d->tokens == UNSET_ENUM)
        d->tokens = d->name == DATASET_PTB ? TOKENS_WORD : TOKENS_CHAR;
    if (d->max_tokens == UNSET_LONG)
        /* d2l's load_data_time_machine and d2lzh's load_data_jay_lyrics keep
         * the first 10000 tokens; PTB and user text default to all. */
        d->max_tokens = (d->name == DATASET_TIMEMACHINE ||
                         d->name == DATASET_JAYCHOU) ? 10000 : -1;
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
    double gates = m->cell == CELL_LSTM ? 4 : m->cell == CELL_GRU ? 3 : 1;
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
    int rc = read_map(c, root, root_fields, "", e);
    if (rc == 0)
        rc = check_relevance(c, root, root_fields, "", e);
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

int config_check_not_empty(const struct tree *root, struct err *e)
{
    if (root->kind == TREE_MAP && root->n == 0)
        return err_set(e, ERR_CONFIG, root->src, 0, 0, "the config is empty: it "
                       "sets no key (an empty file would train every default; "
                       "write at least the dataset or model you mean)");
    return 0;
}

int config_load(struct config *c, const char *path, int noverrides,
                char *const *overrides, struct err *e)
{
    struct tree *root = NULL;
    int rc = config_defaults(c, path, e);
    if (rc == 0)
        rc = tree_parse_file(path, &root, e);
    for (int i = 0; rc == 0 && i < noverrides; i++)
        rc = config_apply_override(root, overrides[i], e);
    if (rc == 0)
        rc = config_check_not_empty(root, e);
    if (rc == 0)
        rc = config_read(c, root, e);
    tree_free(root);
    return rc;
}

/* ---- emission --------------------------------------------------------- */

struct text {
    char *s;
    size_t n, cap;
    int failed;
};

static void text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)(k > 0 ? k : 0);
        char *s = mem_realloc(t->s, cap);
        if (!s || k < 0) {
            t->failed = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
}

/* A YAML double-quoted scalar. */
static void text_quoted(struct text *t, const char *s)
{
    text_add(t, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            text_add(t, "\\%c", ch);
        else if (ch == '\n')
            text_add(t, "\\n");
        else if (ch < 0x20)
            text_add(t, "\\x%02x", ch);
        else
            text_add(t, "%c", ch);
    }
    text_add(t, "\"");
}

/* The shortest of %.15g / %.17g that reads back exactly. */
static void text_number(struct text *t, double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof buf, "%.17g", v);
    text_add(t, "%s", buf);
}

static void emit_map(struct text *t, const struct config *c,
                     const struct field *fields, int indent, int identity)
{
    for (const struct field *f = fields; f->key; f++) {
        const char *base = (const char *)c + f->offset;
        if ((f->applies && !f->applies(c)) || (identity && f->how))
            continue;
        if ((f->type == F_STRING || f->type == F_TEXT) && !*(char *const *)base)
            continue; /* unset path/member: the dataset's own */
        text_add(t, "%*s%s:", indent, "", f->key);
        switch (f->type) {
        case F_INT:
            text_add(t, " %ld\n", *(const long *)base);
            break;
        case F_FLOAT:
            text_add(t, " ");
            text_number(t, *(const double *)base);
            text_add(t, "\n");
            break;
        case F_NONE_OR_FLOAT:
            if (*(const double *)base == 0) {
                text_add(t, " none\n");
                break;
            }
            text_add(t, " ");
            text_number(t, *(const double *)base);
            text_add(t, "\n");
            break;
        case F_FLOAT2:
            text_add(t, " [");
            text_number(t, ((const double *)base)[0]);
            text_add(t, ", ");
            text_number(t, ((const double *)base)[1]);
            text_add(t, "]\n");
            break;
        case F_STRING:
        case F_TEXT:
            text_add(t, " ");
            text_quoted(t, *(char *const *)base);
            text_add(t, "\n");
            break;
        case F_STRINGS: {
            const struct strlist *l = (const struct strlist *)base;
            text_add(t, " [");
            for (size_t i = 0; i < l->n; i++) {
                text_add(t, i ? ", " : "");
                text_quoted(t, l->items[i]);
            }
            text_add(t, "]\n");
            break;
        }
        case F_ENUM:
            text_add(t, " %s\n", f->choices[*(const int *)base]);
            break;
        case F_BOOL:
            text_add(t, " %s\n", *(const int *)base ? "true" : "false");
            break;
        case F_MAP:
            text_add(t, "\n");
            emit_map(t, c, f->sub, indent + 2, identity);
            break;
        }
    }
}

static char *emit(const struct config *c, int identity)
{
    struct text t = {.s = mem_alloc(1024), .cap = 1024};
    if (!t.s)
        return NULL;
    t.s[0] = '\0';
    emit_map(&t, c, root_fields, 0, identity);
    if (t.failed) {
        mem_free(t.s);
        return NULL;
    }
    return t.s;
}

char *config_emit(const struct config *c)
{
    return emit(c, 0);
}

int config_run_id(const struct config *c, char id[13])
{
    char *text = emit(c, 1), hex[65];
    if (!text)
        return ERR_NOMEM;
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, text, strlen(text));
    sha256_final_hex(&s, hex);
    memcpy(id, hex, 12);
    id[12] = '\0';
    mem_free(text);
    return 0;
}
