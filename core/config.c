/* config: see config.h. One table per section describes its keys; reading
 * walks the tree and dispatches on that table, so a key exists in exactly one
 * place. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "mem.h"

enum field_type { F_INT, F_FLOAT, F_STRING, F_ENUM, F_BOOL, F_MAP };

struct field {
    const char *key;
    enum field_type type;
    size_t offset;              /* into struct config */
    double min, max;            /* F_INT, F_FLOAT: inclusive range */
    const char *const *choices; /* F_ENUM: NULL-terminated names */
    const struct field *sub;    /* F_MAP: the nested mapping's keys */
};

struct section {
    const char *key;
    const struct field *fields;
};

static const char *const dataset_names[] = {"timemachine", "jaychou", "ptb",
                                            "text", NULL};
static const char *const token_names[] = {"char", "word", NULL};
static const char *const sampler_names[] = {"random", "sequential", NULL};
static const char *const offset_names[] = {"random", "zero", NULL};
/* In the order of enum cell_kind (cell.h). */
static const char *const cell_names[] = {"rnn_tanh", "rnn_relu", "lstm", "gru",
                                         NULL};
static const char *const input_names[] = {"onehot", "embedding", NULL};
static const char *const init_names[] = {"default", "normal", "uniform",
                                         "xavier", NULL};

#define AT(member) offsetof(struct config, member)

static const struct field top_fields[] = {
    {"name", F_STRING, AT(name), 0, 0, NULL, NULL},
    {"seed", F_INT, AT(seed), 0, 4294967295.0, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct field dataset_fields[] = {
    {"name", F_ENUM, AT(dataset.name), 0, 0, dataset_names, NULL},
    {"path", F_STRING, AT(dataset.path), 0, 0, NULL, NULL},
    {"member", F_STRING, AT(dataset.member), 0, 0, NULL, NULL},
    {"tokens", F_ENUM, AT(dataset.tokens), 0, 0, token_names, NULL},
    {"max_tokens", F_INT, AT(dataset.max_tokens), -1, 1e15, NULL, NULL},
    {"min_freq", F_INT, AT(dataset.min_freq), 0, 1e15, NULL, NULL},
    {"valid_fraction", F_FLOAT, AT(dataset.valid_fraction), 0, 0.9, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct field sampler_fields[] = {
    {"kind", F_ENUM, AT(sampler.kind), 0, 0, sampler_names, NULL},
    {"batch_size", F_INT, AT(sampler.batch_size), 1, 1e6, NULL, NULL},
    {"num_steps", F_INT, AT(sampler.num_steps), 1, 1e6, NULL, NULL},
    {"offset", F_ENUM, AT(sampler.offset), 0, 0, offset_names, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct field init_fields[] = {
    {"scheme", F_ENUM, AT(model.init.scheme), 0, 0, init_names, NULL},
    {"std", F_FLOAT, AT(model.init.std), 1e-12, 1e3, NULL, NULL},
    {"range", F_FLOAT, AT(model.init.range), 1e-12, 1e3, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct field model_fields[] = {
    {"cell", F_ENUM, AT(model.cell), 0, 0, cell_names, NULL},
    {"hidden", F_INT, AT(model.hidden), 1, 65536, NULL, NULL},
    {"layers", F_INT, AT(model.layers), 1, 64, NULL, NULL},
    {"input", F_ENUM, AT(model.input), 0, 0, input_names, NULL},
    {"embed_dim", F_INT, AT(model.embed_dim), 1, 65536, NULL, NULL},
    {"dropout", F_FLOAT, AT(model.dropout), 0, 0.99, NULL, NULL},
    {"tie_weights", F_BOOL, AT(model.tie_weights), 0, 0, NULL, NULL},
    {"init", F_MAP, 0, 0, 0, NULL, init_fields},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct section sections[] = {
    {"dataset", dataset_fields},
    {"sampler", sampler_fields},
    {"model", model_fields},
    {NULL, NULL},
};

/* Sentinels for defaults that depend on the dataset (resolved after reading). */
#define UNSET_ENUM (-1)
#define UNSET_LONG LONG_MIN

const char *config_dataset_name(int v) { return dataset_names[v]; }
const char *config_tokens_name(int v) { return token_names[v]; }
const char *config_sampler_name(int v) { return sampler_names[v]; }
const char *config_offset_name(int v) { return offset_names[v]; }
const char *config_cell_name(int v) { return cell_names[v]; }
const char *config_input_name(int v) { return input_names[v]; }
const char *config_init_name(int v) { return init_names[v]; }

int config_defaults(struct config *c, const char *src, struct err *e)
{
    memset(c, 0, sizeof *c);
    c->src = mem_strdup(src ? src : "");
    c->name = mem_strdup("run");
    if (!c->src || !c->name)
        return err_msg(e, ERR_NOMEM, "out of memory");
    c->seed = 0;
    c->dataset.name = DATASET_TIMEMACHINE;
    c->dataset.tokens = UNSET_ENUM;
    c->dataset.max_tokens = UNSET_LONG;
    c->dataset.min_freq = 0;
    c->dataset.valid_fraction = 0.0;
    c->sampler.kind = SAMPLER_SEQUENTIAL;
    c->sampler.batch_size = 32;
    c->sampler.num_steps = 35;
    c->sampler.offset = OFFSET_RANDOM;
    c->model.cell = CELL_RNN_TANH;
    c->model.hidden = 256;
    c->model.layers = 1;
    c->model.input = INPUT_ONEHOT;
    c->model.embed_dim = 0;
    c->model.dropout = 0;
    c->model.tie_weights = 0;
    c->model.init.scheme = INIT_DEFAULT;
    c->model.init.std = 0.01;
    c->model.init.range = 0.1;
    return 0;
}

void config_free(struct config *c)
{
    if (!c)
        return;
    mem_free(c->src);
    mem_free(c->name);
    mem_free(c->dataset.path);
    mem_free(c->dataset.member);
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

/* Nearest of names[] to key, or NULL when nothing is close. */
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

static int unknown_key(const struct tree *node, const char *prefix,
                       const char *suggestion, struct err *e)
{
    if (suggestion)
        return err_set(e, ERR_CONFIG, node->src, node->key_line, node->key_col,
                       "unknown key '%s%s' (did you mean '%s%s'?)", prefix,
                       node->key, prefix, suggestion);
    return err_set(e, ERR_CONFIG, node->src, node->key_line, node->key_col,
                   "unknown key '%s%s'", prefix, node->key);
}

/* ---- scalars ---------------------------------------------------------- */

static const char *kind_word(const struct tree *t)
{
    if (t->kind == TREE_MAP)
        return "a mapping";
    return t->kind == TREE_SEQ ? "a list" : "a quoted string";
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

static int is_null(const struct tree *t)
{
    return t->kind == TREE_SCALAR && !t->quoted &&
           (!t->value[0] || strcmp(t->value, "~") == 0 ||
            strcmp(t->value, "null") == 0);
}

static int read_fields(struct config *c, const struct tree *map,
                       const struct field *fields, const char *prefix,
                       struct err *e);

static int read_field(struct config *c, const struct field *f,
                      const struct tree *t, const char *path, struct err *e)
{
    if (f->type == F_MAP) {
        if (is_null(t))
            return 0;
        if (t->kind != TREE_MAP)
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "%s: expected a mapping of keys, got %s", path,
                           t->kind == TREE_SEQ ? "a list" : "a scalar");
        char prefix[256];
        snprintf(prefix, sizeof prefix, "%s.", path);
        return read_fields(c, t, f->sub, prefix, e);
    }
    char *base = (char *)c + f->offset;
    switch (f->type) {
    case F_INT:
        return read_long(t, path, f->min, f->max, (long *)base, e);
    case F_FLOAT:
        return read_double(t, path, f->min, f->max, (double *)base, e);
    case F_STRING:
        return read_string(t, path, (char **)base, e);
    case F_ENUM:
        return read_enum(t, path, f->choices, (int *)base, e);
    case F_BOOL:
        return read_bool(t, path, (int *)base, e);
    case F_MAP:
        break;
    }
    return 0;
}

/* Reads every member of map against fields; prefix is "section." or "". */
static int read_fields(struct config *c, const struct tree *map,
                       const struct field *fields, const char *prefix,
                       struct err *e)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct tree *t = map->items[i];
        const struct field *f = fields;
        while (f->key && strcmp(f->key, t->key) != 0)
            f++;
        if (!f->key)
            return unknown_key(t, prefix, nearest(t->key, &fields->key,
                                                  sizeof *fields), e);
        char path[256];
        snprintf(path, sizeof path, "%s%s", prefix, t->key);
        int rc = read_field(c, f, t, path, e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- cross-field rules ------------------------------------------------ */

static int config_resolve(struct config *c, const struct tree *root,
                          struct err *e)
{
    struct dataset_config *d = &c->dataset;
    const struct tree *dt = tree_get(root, "dataset");
    const struct tree *at = dt ? dt : root;
    if (d->tokens == UNSET_ENUM)
        d->tokens = d->name == DATASET_PTB ? TOKENS_WORD : TOKENS_CHAR;
    if (d->max_tokens == UNSET_LONG)
        /* d2l's load_data_time_machine and d2lzh's load_data_jay_lyrics keep
         * the first 10000 tokens; PTB and user text default to all. */
        d->max_tokens = (d->name == DATASET_TIMEMACHINE ||
                         d->name == DATASET_JAYCHOU) ? 10000 : -1;
    if (d->max_tokens == 0) {
        const struct tree *t = tree_get(dt, "max_tokens");
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "dataset.max_tokens: 0 keeps nothing; use -1 for the "
                       "whole corpus or a positive count");
    }
    if (d->name == DATASET_TEXT && !d->path)
        return err_set(e, ERR_CONFIG, at->src, at->key_line, at->key_col,
                       "dataset.path: required when dataset.name is 'text'");
    if (d->name == DATASET_PTB && d->valid_fraction > 0) {
        const struct tree *t = tree_get(dt, "valid_fraction");
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "dataset.valid_fraction: ptb has its own validation "
                       "and test files");
    }
    if (d->name == DATASET_PTB && d->tokens == TOKENS_CHAR) {
        const struct tree *t = tree_get(dt, "tokens");
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "dataset.tokens: ptb is a word-level corpus; "
                       "use tokens: word");
    }
    if (d->member && d->name == DATASET_PTB) {
        const struct tree *t = tree_get(dt, "member");
        return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                       "dataset.member: ptb reads ptb/ptb.{train,valid,test}.txt; "
                       "member does not apply");
    }
    return 0;
}

/* Nearest top-level key: a section name or a top-level field. */
static const char *nearest_top_key(const char *key)
{
    const char *a = nearest(key, &sections->key, sizeof *sections);
    const char *b = nearest(key, &top_fields->key, sizeof *top_fields);
    if (!a || !b)
        return a ? a : b;
    return config_edit_distance(key, a) <= config_edit_distance(key, b) ? a : b;
}

/* Error at the position of key `key` of section map sec (or of sec). */
static int error_at_key(const struct tree *sec, const char *key, struct err *e,
                        const char *fmt, const char *a, const char *b)
{
    const struct tree *t = tree_find(sec, key);
    if (!t)
        t = sec;
    return err_set(e, ERR_CONFIG, t->src, t->key_line ? t->key_line : t->line,
                   t->key_line ? t->key_col : t->col, fmt, a, b);
}

static int resolve_model(struct config *c, const struct tree *root,
                         struct err *e)
{
    struct model_config *m = &c->model;
    const struct tree *mt = tree_get(root, "model");
    if (!mt)
        return 0;
    if (m->input == INPUT_ONEHOT && tree_get(mt, "embed_dim"))
        return error_at_key(mt, "embed_dim", e,
                            "model.embed_dim: applies to input: embedding only%s%s",
                            "", "");
    if (m->tie_weights && m->input != INPUT_EMBEDDING)
        return error_at_key(mt, "tie_weights", e,
                            "model.tie_weights: needs input: embedding%s%s", "", "");
    long E = m->embed_dim ? m->embed_dim : m->hidden;
    if (m->tie_weights && E != m->hidden) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%ld", E);
        snprintf(b, sizeof b, "%ld", m->hidden);
        return error_at_key(mt, "tie_weights", e,
                            "model.tie_weights: needs embed_dim (%s) == hidden (%s)",
                            a, b);
    }
    const struct tree *it = tree_get(mt, "init");
    if (it && tree_get(it, "std") && m->init.scheme != INIT_NORMAL)
        return error_at_key(it, "std", e,
                            "model.init.std: applies to scheme normal, not %s%s",
                            init_names[m->init.scheme], "");
    if (it && tree_get(it, "range") && m->init.scheme != INIT_UNIFORM)
        return error_at_key(it, "range", e,
                            "model.init.range: applies to scheme uniform, not %s%s",
                            init_names[m->init.scheme], "");
    return 0;
}

int config_read(struct config *c, const struct tree *root, struct err *e)
{
    if (root->kind != TREE_MAP)
        return err_set(e, ERR_CONFIG, root->src, root->line, root->col,
                       "a config must be a mapping of sections");
    for (size_t i = 0; i < root->n; i++) {
        const struct tree *t = root->items[i];
        const struct section *s = sections;
        while (s->key && strcmp(s->key, t->key) != 0)
            s++;
        int rc;
        if (s->key && is_null(t))
            continue; /* "dataset:" with nothing under it: all defaults */
        if (s->key) {
            if (t->kind != TREE_MAP)
                return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                               "%s: expected a mapping of keys, got %s%s%s",
                               t->key, t->kind == TREE_SEQ ? "a list" : "'",
                               t->kind == TREE_SEQ ? "" : t->value,
                               t->kind == TREE_SEQ ? "" : "'");
            char prefix[64];
            snprintf(prefix, sizeof prefix, "%s.", s->key);
            rc = read_fields(c, t, s->fields, prefix, e);
        } else {
            const struct field *f = top_fields;
            while (f->key && strcmp(f->key, t->key) != 0)
                f++;
            if (!f->key)
                return unknown_key(t, "", nearest_top_key(t->key), e);
            rc = read_field(c, f, t, t->key, e);
        }
        if (rc < 0)
            return rc;
    }
    int rc = config_resolve(c, root, e);
    if (rc == 0)
        rc = resolve_model(c, root, e);
    if (rc == 0 && c->model.embed_dim == 0)
        c->model.embed_dim = c->model.hidden;
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
    if (rc < 0)
        return rc;
    forget_positions(value); /* messages then read "command line 'k=v': ..." */
    if (value->kind == TREE_MAP && value->n == 0 && !eq[1]) {
        /* "key=" parses as an empty document: make it an empty scalar. */
        tree_free(value);
        value = tree_new_scalar("", 0, src, 1, 1);
        if (!value)
            return err_msg(e, ERR_NOMEM, "out of memory");
    }
    return tree_set(root, key, value, e);
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
        rc = config_read(c, root, e);
    tree_free(root);
    return rc;
}
