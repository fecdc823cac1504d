/* tree_parse: tree_parse_file and tree_parse_string of tree.h. Built from
 * libyaml's event stream, so every node keeps the mark libyaml reports for
 * it; duplicate keys are found with a hashed key set per mapping. */
#include "tree.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "files.h"
#include "hash.h"
#include "mem.h"

struct builder {
    yaml_parser_t parser;
    const char *src;
    const char *text;    /* the whole input, to place reader errors */
    size_t len;
    struct err *e;
};

/* Line and column (1-based, in bytes) of a byte offset of the input. */
static void place(const char *text, size_t len, size_t offset, int *line, int *col)
{
    *line = *col = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

static int builder_syntax_error(struct builder *b)
{
    yaml_parser_t *p = &b->parser;
    const yaml_mark_t *m = p->context ? &p->context_mark : &p->problem_mark;
    if (p->problem)
        m = &p->problem_mark;
    if (p->error == YAML_MEMORY_ERROR)
        return err_msg(b->e, ERR_NOMEM, "out of memory parsing YAML");
    if (p->error == YAML_READER_ERROR) {
        /* the reader reports a byte offset, not a mark */
        int line, col;
        place(b->text, b->len, p->problem_offset, &line, &col);
        return err_set(b->e, ERR_CONFIG, b->src, line, col, "malformed YAML: %s "
                       "(byte 0x%02x at offset %zu)",
                       p->problem ? p->problem : "cannot read the input",
                       (unsigned)(p->problem_value & 0xff), p->problem_offset);
    }
    return err_set(b->e, ERR_CONFIG, b->src, (int)m->line + 1,
                   (int)m->column + 1, "malformed YAML: %s%s%s",
                   p->problem ? p->problem : "syntax error",
                   p->context ? " " : "", p->context ? p->context : "");
}

/* A tiny set of the keys of one mapping (open addressing over indices into
 * the map's items), so duplicate keys are found in linear time. */
struct keyset {
    size_t *slot;        /* index + 1; 0 is free */
    size_t cap;          /* a power of two, at most half full */
};

static size_t key_hash(const char *s)
{
    return (size_t)hash_fnv1a(s, strlen(s));
}

/* The index of the member of t named key, or -1 (t's items 0..n-1 are in
 * the set). */
static long keyset_find(const struct keyset *ks, const struct tree *t, const char *key)
{
    if (!ks->cap)
        return -1;
    for (size_t h = key_hash(key) & (ks->cap - 1); ks->slot[h];
         h = (h + 1) & (ks->cap - 1))
        if (strcmp(t->items[ks->slot[h] - 1]->key, key) == 0)
            return (long)(ks->slot[h] - 1);
    return -1;
}

/* Adds item n - 1 of t; grows (rehashing every key) when half full. */
static int keyset_add(struct keyset *ks, const struct tree *t)
{
    if (2 * t->n > ks->cap) {
        size_t cap = ks->cap ? 2 * ks->cap : 16;
        size_t *slot = mem_calloc(cap, sizeof *slot);
        if (!slot)
            return ERR_NOMEM;
        mem_free(ks->slot);
        ks->slot = slot;
        ks->cap = cap;
        for (size_t i = 0; i + 1 < t->n; i++) {
            size_t h = key_hash(t->items[i]->key) & (cap - 1);
            while (slot[h])
                h = (h + 1) & (cap - 1);
            slot[h] = i + 1;
        }
    }
    size_t h = key_hash(t->items[t->n - 1]->key) & (ks->cap - 1);
    while (ks->slot[h])
        h = (h + 1) & (ks->cap - 1);
    ks->slot[h] = t->n;
    return 0;
}

static int builder_next(struct builder *b, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&b->parser, ev))
        return builder_syntax_error(b);
    return 0;
}

static int builder_node(struct builder *b, yaml_event_t *ev, int depth,
                        struct tree **out);

/* Reads the members of a mapping or sequence after its start event. */
static int builder_children(struct builder *b, struct tree *t, int depth,
                            struct keyset *keys)
{
    for (;;) {
        yaml_event_t ev;
        int rc = builder_next(b, &ev);
        if (rc < 0)
            return rc;
        if (ev.type == YAML_SEQUENCE_END_EVENT ||
            ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        char *key = NULL;
        int key_line = 0, key_col = 0;
        if (t->kind == TREE_MAP) {
            int kl = (int)ev.start_mark.line + 1;
            int kc = (int)ev.start_mark.column + 1;
            if (ev.type != YAML_SCALAR_EVENT) {
                yaml_event_delete(&ev);
                return err_set(b->e, ERR_CONFIG, b->src, kl, kc,
                               "mapping keys must be plain scalars");
            }
            const char *k = (const char *)ev.data.scalar.value;
            long dup = keyset_find(keys, t, k);
            if (dup >= 0) {
                err_set(b->e, ERR_CONFIG, b->src, kl, kc,
                        "duplicate key '%.200s' (first at line %d)", k,
                        t->items[dup]->key_line);
                yaml_event_delete(&ev);
                return ERR_CONFIG;
            }
            key = mem_strdup(k);
            key_line = kl;
            key_col = kc;
            yaml_event_delete(&ev);
            if (!key)
                return err_msg(b->e, ERR_NOMEM, "out of memory");
            rc = builder_next(b, &ev);
            if (rc < 0) {
                mem_free(key);
                return rc;
            }
        }
        struct tree *child = NULL;
        rc = builder_node(b, &ev, depth + 1, &child);
        if (rc < 0) {
            mem_free(key);
            return rc;
        }
        child->key = key;
        child->key_line = key_line;
        child->key_col = key_col;
        if (tree_append_child(t, child) < 0) {
            tree_free(child);
            return err_msg(b->e, ERR_NOMEM, "out of memory");
        }
        if (t->kind == TREE_MAP && keyset_add(keys, t) < 0)
            return err_msg(b->e, ERR_NOMEM, "out of memory");
    }
}

/* Builds the node that starts with ev (consumed here); depth counts the
 * mappings and lists around it. */
static int builder_node(struct builder *b, yaml_event_t *ev, int depth,
                        struct tree **out)
{
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    struct tree *t = NULL;
    int rc = 0;
    if (depth > TREE_MAX_DEPTH &&
        (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT)) {
        yaml_event_delete(ev);
        return err_set(b->e, ERR_CONFIG, b->src, line, col, "mappings and lists "
                       "nested deeper than %d levels", TREE_MAX_DEPTH);
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.anchor)
            goto anchor;
        t = tree_new_scalar((const char *)ev->data.scalar.value,
                            ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE,
                            b->src, line, col);
        if (!t)
            rc = err_msg(b->e, ERR_NOMEM, "out of memory");
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
                                                  : ev->data.mapping_start.anchor)
            goto anchor;
        t = tree_new_node(ev->type == YAML_MAPPING_START_EVENT ? TREE_MAP : TREE_SEQ,
                     b->src, line, col);
        if (!t) {
            rc = err_msg(b->e, ERR_NOMEM, "out of memory");
        } else {
            struct keyset keys = {0};
            rc = builder_children(b, t, depth, &keys);
            mem_free(keys.slot);
        }
        break;
    case YAML_ALIAS_EVENT:
        rc = err_set(b->e, ERR_CONFIG, b->src, line, col,
                     "YAML aliases (*name) are not supported in configs");
        break;
    default:
        rc = err_set(b->e, ERR_CONFIG, b->src, line, col,
                     "unexpected YAML event");
        break;
    }
    yaml_event_delete(ev);
    if (rc < 0) {
        tree_free(t);
        return rc;
    }
    *out = t;
    return 0;
anchor:
    yaml_event_delete(ev);
    return err_set(b->e, ERR_CONFIG, b->src, line, col,
                   "YAML anchors (&name) are not supported in configs");
}

/* Walks stream-start, document-start, the root node, document-end. */
static int builder_document(struct builder *b, struct tree **out)
{
    yaml_event_t ev;
    struct tree *root = NULL;
    int rc;
    while ((rc = builder_next(b, &ev)) == 0) {
        yaml_event_type_t type = ev.type;
        if (type == YAML_STREAM_START_EVENT || type == YAML_DOCUMENT_START_EVENT ||
            type == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (root) {
            int line = (int)ev.start_mark.line + 1;
            yaml_event_delete(&ev);
            tree_free(root);
            return err_set(b->e, ERR_CONFIG, b->src, line, 1,
                           "a config holds one YAML document, found a second");
        }
        rc = builder_node(b, &ev, 1, &root);
        if (rc < 0)
            return rc;
    }
    if (rc < 0) {
        tree_free(root);
        return rc;
    }
    if (!root) {
        root = tree_new_node(TREE_MAP, b->src, 1, 1);
        if (!root)
            return err_msg(b->e, ERR_NOMEM, "out of memory");
    }
    *out = root;
    return 0;
}

static int parse_bytes(const char *text, size_t len, const char *src,
                       struct tree **out, struct err *e)
{
    struct builder b = {.src = src, .text = text, .len = len, .e = e};
    *out = NULL;
    if (!yaml_parser_initialize(&b.parser))
        return err_msg(e, ERR_NOMEM, "out of memory");
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
    int rc = builder_document(&b, out);
    yaml_parser_delete(&b.parser);
    return rc;
}

int tree_parse_string(const char *text, const char *src, struct tree **out,
                      struct err *e)
{
    return parse_bytes(text, strlen(text), src, out, e);
}

/* The whole config file, read only if it is a regular file of sane size. */
static int read_config_file(const char *path, char **text, size_t *len, struct err *e)
{
    FILE *f = files_open_regular(path, "config", ERR_CONFIG, e);
    if (!f)
        return e->code;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? 2 * cap : 8192;
            if (cap > TREE_MAX_FILE_BYTES + 8192) {
                rc = err_set(e, ERR_CONFIG, path, 0, 0, "config is larger than "
                             "%d MiB; a config that large is a mistake",
                             TREE_MAX_FILE_BYTES >> 20);
                break;
            }
            char *more = mem_realloc(buf, cap);
            if (!more) {
                rc = err_msg(e, ERR_NOMEM, "out of memory");
                break;
            }
            buf = more;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = err_set(e, ERR_CONFIG, path, 0, 0, "cannot read config: %s",
                             strerror(errno));
            break;
        }
    }
    fclose(f);
    if (rc < 0) {
        mem_free(buf);
        return rc;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

int tree_parse_file(const char *path, struct tree **out, struct err *e)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = read_config_file(path, &text, &len, e);
    if (rc == 0)
        rc = parse_bytes(text, len, path, out, e);
    mem_free(text);
    return rc;
}

