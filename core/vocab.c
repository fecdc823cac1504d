/* vocab: see vocab.h. Types live in an open-addressing hash table (FNV-1a,
 * linear probing, kept at most half full). */
#include "vocab.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "mem.h"

struct type_entry {
    char *text;   /* NUL-terminated copy */
    size_t len;
    long count;
};

struct vocab {
    struct type_entry *types; /* by type number */
    size_t ntypes, cap_types;
    uint32_t *slots;          /* hash slots: type number + 1, 0 = empty */
    size_t nslots;
    int32_t *index_of_type;   /* after finish */
    uint32_t *type_of_index;  /* after finish; [0] unused when <unk> unseen */
    size_t size;
    uint32_t unk_type;        /* type number of "<unk>", or UINT32_MAX */
};

struct vocab *vocab_create(void)
{
    struct vocab *v = mem_calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->nslots = 1024;
    v->slots = mem_calloc(v->nslots, sizeof *v->slots);
    if (!v->slots) {
        mem_free(v);
        return NULL;
    }
    v->unk_type = UINT32_MAX;
    return v;
}

void vocab_free(struct vocab *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->ntypes; i++)
        mem_free(v->types[i].text);
    mem_free(v->types);
    mem_free(v->slots);
    mem_free(v->index_of_type);
    mem_free(v->type_of_index);
    mem_free(v);
}

static size_t slot_of(const struct vocab *v, const char *s, size_t len)
{
    size_t mask = v->nslots - 1;
    size_t i = (size_t)hash_fnv1a(s, len) & mask;
    while (v->slots[i]) {
        const struct type_entry *t = &v->types[v->slots[i] - 1];
        if (t->len == len && memcmp(t->text, s, len) == 0)
            break;
        i = (i + 1) & mask;
    }
    return i;
}

static int vocab_grow_slots(struct vocab *v)
{
    size_t n = v->nslots * 2;
    uint32_t *slots = mem_calloc(n, sizeof *slots);
    if (!slots)
        return ERR_NOMEM;
    mem_free(v->slots);
    v->slots = slots;
    v->nslots = n;
    for (size_t k = 0; k < v->ntypes; k++)
        v->slots[slot_of(v, v->types[k].text, v->types[k].len)] = (uint32_t)k + 1;
    return 0;
}

int vocab_intern(struct vocab *v, const char *s, size_t len, uint32_t *type,
                 struct err *e)
{
    size_t i = slot_of(v, s, len);
    if (v->slots[i]) {
        *type = v->slots[i] - 1;
        return 0;
    }
    if (v->ntypes == v->cap_types) {
        size_t cap = v->cap_types ? v->cap_types * 2 : 256;
        struct type_entry *t = mem_realloc(v->types, cap * sizeof *t);
        if (!t)
            return err_msg(e, ERR_NOMEM, "out of memory");
        v->types = t;
        v->cap_types = cap;
    }
    char *text = mem_strndup(s, len);
    if (!text)
        return err_msg(e, ERR_NOMEM, "out of memory");
    uint32_t k = (uint32_t)v->ntypes++;
    v->types[k] = (struct type_entry){text, len, 0};
    v->slots[i] = k + 1;
    if (len == strlen(VOCAB_UNK) && memcmp(s, VOCAB_UNK, len) == 0)
        v->unk_type = k;
    if (2 * v->ntypes > v->nslots && vocab_grow_slots(v) < 0)
        return err_msg(e, ERR_NOMEM, "out of memory");
    *type = k;
    return 0;
}

void vocab_count(struct vocab *v, const uint32_t *types, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v->types[types[i]].count++;
}

static const struct vocab *sort_vocab; /* qsort has no context argument */

static int by_count_then_first(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    long cx = sort_vocab->types[x].count, cy = sort_vocab->types[y].count;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return x < y ? -1 : x > y; /* first occurrence first: a stable sort */
}

int vocab_finish(struct vocab *v, long min_freq, struct err *e)
{
    uint32_t *order = mem_alloc((v->ntypes + 1) * sizeof *order);
    v->index_of_type = mem_alloc((v->ntypes + 1) * sizeof *v->index_of_type);
    v->type_of_index = mem_alloc((v->ntypes + 1) * sizeof *v->type_of_index);
    if (!order || !v->index_of_type || !v->type_of_index) {
        mem_free(order);
        return err_msg(e, ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < v->ntypes; k++)
        order[k] = (uint32_t)k;
    sort_vocab = v;
    qsort(order, v->ntypes, sizeof *order, by_count_then_first);
    sort_vocab = NULL;
    v->type_of_index[0] = v->unk_type; /* UINT32_MAX: <unk> never seen */
    v->size = 1;
    for (size_t k = 0; k < v->ntypes; k++)
        v->index_of_type[k] = 0;
    for (size_t r = 0; r < v->ntypes; r++) {
        uint32_t k = order[r];
        /* d2l: "if freq < min_freq: break" over the sorted counts; a type
         * never counted (seen only in valid/test) is not in the vocabulary. */
        if (v->types[k].count < min_freq || v->types[k].count == 0)
            break;
        if (k == v->unk_type)
            continue;
        v->index_of_type[k] = (int32_t)v->size;
        v->type_of_index[v->size++] = k;
    }
    mem_free(order);
    return 0;
}

size_t vocab_size(const struct vocab *v)
{
    return v->size;
}

int32_t vocab_index(const struct vocab *v, uint32_t type)
{
    return v->index_of_type[type];
}

const char *vocab_token(const struct vocab *v, int32_t index)
{
    if (index == 0)
        return VOCAB_UNK;
    return v->types[v->type_of_index[index]].text;
}

long vocab_freq(const struct vocab *v, int32_t index)
{
    uint32_t k = v->type_of_index[index];
    if (index != 0)
        return v->types[k].count;
    /* <unk> stands for itself (if seen) and every type dropped to it. */
    long n = 0;
    for (size_t t = 0; t < v->ntypes; t++)
        if (v->index_of_type[t] == 0)
            n += v->types[t].count;
    return n;
}

int32_t vocab_lookup(const struct vocab *v, const char *s, size_t len)
{
    size_t i = slot_of(v, s, len);
    return v->slots[i] ? v->index_of_type[v->slots[i] - 1] : 0;
}

int vocab_from_list(struct vocab **out, const char *const *tokens, size_t n,
                    struct err *e)
{
    *out = NULL;
    if (n == 0 || strcmp(tokens[0], VOCAB_UNK) != 0)
        return err_msg(e, ERR_DATA, "a vocabulary list must start with %s",
                       VOCAB_UNK);
    struct vocab *v = vocab_create();
    if (!v)
        return err_msg(e, ERR_NOMEM, "out of memory");
    uint32_t type;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = vocab_intern(v, tokens[i], strlen(tokens[i]), &type, e);
        if (rc == 0 && type != i)
            rc = err_msg(e, ERR_DATA, "token '%s' appears twice in the "
                         "vocabulary list", tokens[i]);
        if (rc == 0) /* counts that sort into list order */
            v->types[type].count = (long)(n - i);
    }
    if (rc == 0)
        rc = vocab_finish(v, 0, e);
    if (rc < 0) {
        vocab_free(v);
        return rc;
    }
    *out = v;
    return 0;
}
