/* ngram: see ngram.h. An open-addressing table keyed by the n-gram's first
 * position (the ids themselves are compared through the corpus). */
#include "ngram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "mem.h"

static uint64_t hash_gram(const int32_t *g, int order)
{
    uint64_t h = hash_fnv1a(g, (size_t)order * sizeof *g);
    return h ^ (h >> 29);
}

static int by_count_then_first(const void *a, const void *b)
{
    const struct ngram_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

int ngram_top(const int32_t *ids, size_t n, int order, size_t k,
              struct ngram_count *top, size_t *ntop, size_t *distinct,
              struct err *e)
{
    *ntop = 0;
    *distinct = 0;
    if (order < 1 || order > 3)
        return err_msg(e, ERR_USAGE, "n-gram order must be 1, 2 or 3");
    if (n < (size_t)order)
        return 0;
    size_t grams = n - (size_t)order + 1, nslots = 1024;
    while (nslots < 2 * grams)
        nslots *= 2;
    struct ngram_count *slots = mem_calloc(nslots, sizeof *slots);
    struct ngram_count *all = mem_alloc(grams * sizeof *all);
    if (!slots || !all) {
        mem_free(slots);
        mem_free(all);
        return err_msg(e, ERR_NOMEM, "out of memory");
    }
    size_t used = 0;
    for (size_t p = 0; p < grams; p++) {
        size_t i = (size_t)hash_gram(ids + p, order) & (nslots - 1);
        while (slots[i].count &&
               memcmp(ids + slots[i].first, ids + p, (size_t)order * 4) != 0)
            i = (i + 1) & (nslots - 1);
        if (!slots[i].count) {
            slots[i].first = p;
            used++;
        }
        slots[i].count++;
    }
    size_t m = 0;
    for (size_t i = 0; i < nslots; i++)
        if (slots[i].count)
            all[m++] = slots[i];
    qsort(all, m, sizeof *all, by_count_then_first);
    *ntop = m < k ? m : k;
    memcpy(top, all, *ntop * sizeof *top);
    *distinct = used;
    mem_free(slots);
    mem_free(all);
    return 0;
}

double ngram_unigram_ppl(const int32_t *fit, size_t nfit, const int32_t *eval,
                         size_t neval, size_t V)
{
    if (neval == 0)
        return NAN;
    double *count = mem_calloc(V ? V : 1, sizeof *count);
    if (!count)
        return NAN;
    for (size_t i = 0; i < nfit; i++)
        count[fit[i]]++;
    double total = (double)nfit + (double)V, nll = 0;
    for (size_t i = 0; i < neval; i++)
        nll -= log((count[eval[i]] + 1) / total);
    mem_free(count);
    return exp(nll / (double)neval);
}
