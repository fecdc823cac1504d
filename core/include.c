/* include: see include.h. */
#include "include.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mem.h"

/* One file of the chain being read: its identity (for cycles) and where the
 * next file was included from (for messages). */
struct frame {
    dev_t dev;
    ino_t ino;
};

int include_merge(struct tree *dst, struct tree *src)
{
    for (size_t i = 0; i < src->n; i++) {
        struct tree *item = src->items[i];
        size_t j = 0;
        while (j < dst->n && strcmp(dst->items[j]->key, item->key) != 0)
            j++;
        if (j < dst->n && dst->items[j]->kind == TREE_MAP && item->kind == TREE_MAP) {
            if (include_merge(dst->items[j], item) < 0)
                return ERR_NOMEM;
            continue;
        }
        src->items[i] = NULL;
        if (j < dst->n) { /* replaced in place: the key keeps its position */
            tree_free(dst->items[j]);
            dst->items[j] = item;
        } else if (tree_append_child(dst, item) < 0) {
            tree_free(item);
            return ERR_NOMEM;
        }
    }
    return 0;
}

/* Appends " (included from FILE:LINE:COL)" to e's message. */
static int chained(struct err *e, const struct tree *at)
{
    size_t len = strlen(e->msg);
    snprintf(e->msg + len, sizeof e->msg - len, " (included from %s:%d:%d)",
             at->src, at->line, at->col);
    return e->code;
}

/* The included file's path: name as written when absolute, else relative to
 * the folder of the including file. */
static void include_path(const char *from, const char *name, char *out, size_t n)
{
    const char *slash = strrchr(from, '/');
    if (name[0] == '/' || !slash)
        snprintf(out, n, "%s", name);
    else
        snprintf(out, n, "%.*s/%s", (int)(slash - from), from, name);
}

static int load(const char *path, struct frame *chain, int depth,
                struct tree **out, struct err *e);

/* Reads the include list of root (file `path`) into acc, in order. */
static int load_list(const struct tree *list, const char *path,
                     struct frame *chain, int depth, struct tree *acc,
                     struct err *e)
{
    if (list->kind != TREE_SEQ || list->n == 0)
        return err_set(e, ERR_CONFIG, list->src, list->line, list->col,
                       "include: expected a non-empty list of YAML files, e.g. "
                       "include: [base.yaml]");
    for (size_t i = 0; i < list->n; i++) {
        const struct tree *item = list->items[i];
        if (item->kind != TREE_SCALAR || !item->value[0])
            return err_set(e, ERR_CONFIG, item->src, item->line, item->col,
                           "include[%zu]: expected a file name", i);
        char file[1200];
        include_path(path, item->value, file, sizeof file);
        struct stat st;
        if (stat(file, &st) == 0) {
            for (int k = 0; k <= depth; k++)
                if (chain[k].dev == st.st_dev && chain[k].ino == st.st_ino)
                    return err_set(e, ERR_CONFIG, item->src, item->line, item->col,
                                   "include '%s': a cycle: %s includes itself "
                                   "(through %d file(s))", item->value, file,
                                   depth - k);
        }
        if (depth + 1 >= INCLUDE_MAX_DEPTH)
            return err_set(e, ERR_CONFIG, item->src, item->line, item->col,
                           "include '%s': includes nested more than %d deep",
                           item->value, INCLUDE_MAX_DEPTH);
        struct tree *sub = NULL;
        if (load(file, chain, depth + 1, &sub, e) < 0)
            return chained(e, item);
        if (sub->kind != TREE_MAP) {
            tree_free(sub);
            return err_set(e, ERR_CONFIG, item->src, item->line, item->col,
                           "include '%s': %s is not a mapping of config keys",
                           item->value, file);
        }
        int rc = include_merge(acc, sub);
        tree_free(sub);
        if (rc < 0)
            return err_msg(e, ERR_NOMEM, "out of memory");
    }
    return 0;
}

static int load(const char *path, struct frame *chain, int depth,
                struct tree **out, struct err *e)
{
    *out = NULL;
    struct tree *root = NULL;
    int rc = tree_parse_file(path, &root, e);
    if (rc < 0)
        return rc;
    const struct tree *list = root->kind == TREE_MAP ? tree_get(root, "include") : NULL;
    if (!list) {
        *out = root;
        return 0;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        memset(&st, 0, sizeof st);
    chain[depth].dev = st.st_dev;
    chain[depth].ino = st.st_ino;
    struct tree *acc = tree_new_map(root->src, root->line, root->col);
    if (!acc)
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = load_list(list, path, chain, depth, acc, e);
    if (rc < 0) {
        tree_free(acc);
        tree_free(root);
        return rc;
    }
    tree_remove(root, "include");
    rc = include_merge(acc, root); /* the including file's keys last */
    tree_free(root);
    if (rc < 0) {
        tree_free(acc);
        return err_msg(e, ERR_NOMEM, "out of memory");
    }
    *out = acc;
    return 0;
}

int include_parse_file(const char *path, struct tree **out, struct err *e)
{
    struct frame chain[INCLUDE_MAX_DEPTH];
    return load(path, chain, 0, out, e);
}
