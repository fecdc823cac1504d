/* tree: a parsed YAML document as a tree that remembers where each node was.
 *
 * Owns: the node type, parsing with libyaml (files and strings; in
 * tree_parse.c), lookup and edits by dotted path (command-line overrides,
 * sweep points), deep copies and flow text.
 * Must not: interpret values. Turning scalars into typed settings, and
 * rejecting bad ones, is config's job; tree only reports YAML syntax errors.
 *
 * Every node owns its children, its key, its scalar text and its source name;
 * tree_free(root) releases all of them.
 */
#ifndef RNNLAB_TREE_H
#define RNNLAB_TREE_H

#include <stddef.h>

#include "err.h"

enum tree_kind { TREE_SCALAR, TREE_SEQ, TREE_MAP };

struct tree {
    enum tree_kind kind;
    char *value;         /* TREE_SCALAR: the text; NULL otherwise */
    int quoted;          /* scalar was quoted: always a string, never a number */
    char *key;           /* key under which this node sits in a map, or NULL */
    char *src;           /* file name (or "command line") it came from */
    int line, col;       /* 1-based position of the value */
    int key_line, key_col; /* 1-based position of the key (map members) */
    struct tree **items; /* TREE_SEQ items or TREE_MAP values, in file order */
    size_t n;
};

/* Mappings and lists nested deeper than this are an error: the builder
 * recurses, and no config needs more than a handful of levels. */
#define TREE_MAX_DEPTH 64

/* The largest config file read (16 MiB). */
#define TREE_MAX_FILE_BYTES (16 << 20)

/* Parses a YAML file holding one document: a regular file of at most
 * TREE_MAX_FILE_BYTES. An empty file gives an empty map. Aliases and
 * anchors are rejected (a config should read as it runs). */
int tree_parse_file(const char *path, struct tree **out, struct err *e);

/* The same for text; src names it in errors. */
int tree_parse_string(const char *text, const char *src, struct tree **out,
                      struct err *e);

void tree_free(struct tree *t);

/* Deep copy, or NULL when out of memory. */
struct tree *tree_copy(const struct tree *t);

/* Member `key` of a map, or NULL. */
struct tree *tree_get(const struct tree *map, const char *key);

/* Node at dotted path ("model.init.std"), or NULL. */
struct tree *tree_find(const struct tree *root, const char *path);

/* Puts `value` (taken over: freed on failure) at dotted path, replacing what
 * was there and creating maps on the way; a non-map in the way is an error. */
int tree_set(struct tree *root, const char *path, struct tree *value,
             struct err *e);

/* Removes member `key` of map (freeing it); returns 1 if it was there. */
int tree_remove(struct tree *map, const char *key);

/* Appends node to a map under key (takes over node). Returns 0 or ERR_NOMEM. */
int tree_map_add(struct tree *map, const char *key, struct tree *node);

/* The YAML flow text of t ("256", "[a, b]", "{kind: sgd, lr: 1}"); quoted
 * scalars in double quotes. Caller frees with mem_free; NULL on ENOMEM. */
char *tree_to_flow(const struct tree *t);

/* New empty node / map / scalar owned by the caller, or NULL. */
struct tree *tree_new_node(enum tree_kind kind, const char *src, int line,
                           int col);
struct tree *tree_new_map(const char *src, int line, int col);
struct tree *tree_new_scalar(const char *text, int quoted, const char *src,
                             int line, int col);

/* Appends child (its key already set, if any) to a map or sequence without
 * checking for a duplicate key: the parser checks with its own key set.
 * 0 or ERR_NOMEM; the child is not freed on failure. */
int tree_append_child(struct tree *parent, struct tree *child);

#endif
