/* ngram: frequencies of unigrams, bigrams and trigrams of a corpus, for the
 * statistics of d2l §8.3 (Zipf's law, exercise 8.3.3) that `runner data`
 * prints, and the perplexity of a unigram model: the floor a language model
 * that uses any context must get under. Owns only its temporary tables;
 * the corpus is borrowed.
 */
#ifndef RNNLAB_NGRAM_H
#define RNNLAB_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ngram_count {
    size_t first; /* position of the first occurrence in the corpus */
    long count;
};

/* The k most frequent n-grams of ids[0..n) (order 1-3), most frequent first,
 * ties by first occurrence, into top[0..*ntop); *distinct gets the number of
 * different n-grams. */
int ngram_top(const int32_t *ids, size_t n, int order, size_t k,
              struct ngram_count *top, size_t *ntop, size_t *distinct,
              struct err *e);

/* The perplexity on eval[0..neval) of the unigram model fitted on
 * fit[0..nfit) over a vocabulary of V types, with add-one smoothing
 * (p(w) = (count(w) + 1) / (nfit + V), so a type unseen in fit costs a
 * finite amount): exp of the mean negative log-probability. NaN when neval
 * is 0; ERR_NOMEM as NaN too (nothing else can fail). Ids must be < V. */
double ngram_unigram_ppl(const int32_t *fit, size_t nfit, const int32_t *eval,
                         size_t neval, size_t V);

#endif
