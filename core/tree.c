/* tree: see tree.h. Nodes, lookup and edits by dotted path, copies and
 * flow text; parsing is tree_parse.c. */
#include "tree.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "text.h"

struct tree *tree_new_node(enum tree_kind kind, const char *src, int line,
                             int col)
{
    struct tree *t = mem_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->kind = kind;
    t->src = mem_strdup(src ? src : "");
    if (!t->src) {
        mem_free(t);
        return NULL;
    }
    t->line = line;
    t->col = col;
    return t;
}

struct tree *tree_new_map(const char *src, int line, int col)
{
    return tree_new_node(TREE_MAP, src, line, col);
}

struct tree *tree_new_scalar(const char *text, int quoted, const char *src,
                             int line, int col)
{
    struct tree *t = tree_new_node(TREE_SCALAR, src, line, col);
    if (!t)
        return NULL;
    t->value = mem_strdup(text);
    if (!t->value) {
        tree_free(t);
        return NULL;
    }
    t->quoted = quoted;
    return t;
}

void tree_free(struct tree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        tree_free(t->items[i]);
    mem_free(t->items);
    mem_free(t->value);
    mem_free(t->key);
    mem_free(t->src);
    mem_free(t);
}

/* Appends child; the array grows in powers of two (at least 4), so a list
 * of a million values is built in linear time. */
int tree_append_child(struct tree *parent, struct tree *child)
{
    size_t n = parent->n;
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        struct tree **items = mem_realloc(parent->items,
                                          (n ? 2 * n : 4) * sizeof *items);
        if (!items)
            return ERR_NOMEM;
        parent->items = items;
    }
    parent->items[parent->n++] = child;
    return 0;
}

int tree_map_add(struct tree *map, const char *key, struct tree *node)
{
    mem_free(node->key);
    node->key = mem_strdup(key);
    if (!node->key || tree_append_child(map, node) < 0) {
        tree_free(node);
        return ERR_NOMEM;
    }
    return 0;
}

/* ---- lookup and edits ------------------------------------------------- */

struct tree *tree_get(const struct tree *map, const char *key)
{
    if (!map || map->kind != TREE_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->items[i]->key, key) == 0)
            return map->items[i];
    return NULL;
}

/* Copies the first dotted component of *path into buf and advances *path. */
static int path_next(const char **path, char *buf, size_t n)
{
    const char *dot = strchr(*path, '.');
    size_t len = dot ? (size_t)(dot - *path) : strlen(*path);
    if (len == 0 || len >= n)
        return -1;
    memcpy(buf, *path, len);
    buf[len] = '\0';
    *path += dot ? len + 1 : len;
    return 0;
}

struct tree *tree_find(const struct tree *root, const char *path)
{
    char part[256];
    const struct tree *t = root;
    while (*path) {
        if (path_next(&path, part, sizeof part) < 0)
            return NULL;
        t = tree_get(t, part);
        if (!t)
            return NULL;
    }
    return (struct tree *)t;
}

int tree_remove(struct tree *map, const char *key)
{
    for (size_t i = 0; map && map->kind == TREE_MAP && i < map->n; i++) {
        if (strcmp(map->items[i]->key, key) == 0) {
            tree_free(map->items[i]);
            memmove(map->items + i, map->items + i + 1,
                    (map->n - i - 1) * sizeof *map->items);
            map->n--;
            return 1;
        }
    }
    return 0;
}

int tree_set(struct tree *root, const char *path, struct tree *value,
             struct err *e)
{
    char part[256];
    const char *rest = path;
    struct tree *t = root;
    if (!path[0] || path[0] == '.' || path[strlen(path) - 1] == '.' || strstr(path, "..")) {
        tree_free(value);
        return err_msg(e, ERR_USAGE, "bad key path '%s': a part between dots is empty",
                       path);
    }
    for (;;) {
        if (path_next(&rest, part, sizeof part) < 0) {
            tree_free(value);
            return err_msg(e, ERR_USAGE, "bad key path '%s'", path);
        }
        if (t->kind != TREE_MAP) {
            tree_free(value);
            return err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                           "cannot set '%s': '%s' is not a mapping", path,
                           t->key ? t->key : "(root)");
        }
        if (!*rest)
            break;
        struct tree *next = tree_get(t, part);
        if (!next) {
            next = tree_new_map(value->src, value->line, value->col);
            if (!next || tree_map_add(t, part, next) < 0) {
                tree_free(value);
                return err_msg(e, ERR_NOMEM, "out of memory");
            }
        }
        t = next;
    }
    for (size_t i = 0; i < t->n; i++) {
        struct tree *old = t->items[i];
        if (strcmp(old->key, part) == 0) {
            /* Replace in place: the key keeps its position in file order. */
            mem_free(value->key);
            value->key = old->key;
            old->key = NULL;
            value->key_line = old->key_line;
            value->key_col = old->key_col;
            tree_free(old);
            t->items[i] = value;
            return 0;
        }
    }
    value->key_line = value->line;
    value->key_col = value->col;
    if (tree_map_add(t, part, value) < 0)
        return err_msg(e, ERR_NOMEM, "out of memory");
    return 0;
}

struct tree *tree_copy(const struct tree *t)
{
    struct tree *c = tree_new_node(t->kind, t->src, t->line, t->col);
    if (!c)
        return NULL;
    c->quoted = t->quoted;
    c->key_line = t->key_line;
    c->key_col = t->key_col;
    if ((t->value && !(c->value = mem_strdup(t->value))) ||
        (t->key && !(c->key = mem_strdup(t->key))))
        goto fail;
    for (size_t i = 0; i < t->n; i++) {
        struct tree *child = tree_copy(t->items[i]);
        if (!child || tree_append_child(c, child) < 0) {
            tree_free(child);
            goto fail;
        }
    }
    return c;
fail:
    tree_free(c);
    return NULL;
}

/* ---- flow text -------------------------------------------------------- */

static void flow_node(struct text *f, const struct tree *t)
{
    if (t->kind == TREE_SCALAR) {
        if (t->quoted)
            text_quoted(f, t->value);
        else
            text_put(f, t->value, strlen(t->value));
        return;
    }
    text_put(f, t->kind == TREE_SEQ ? "[" : "{", 1);
    for (size_t i = 0; i < t->n; i++) {
        if (i)
            text_put(f, ", ", 2);
        if (t->kind == TREE_MAP)
            text_add(f, "%s: ", t->items[i]->key);
        flow_node(f, t->items[i]);
    }
    text_put(f, t->kind == TREE_SEQ ? "]" : "}", 1);
}

char *tree_to_flow(const struct tree *t)
{
    struct text f = {0};
    flow_node(&f, t);
    return text_take(&f);
}
