/* vocab: token types, their counts, and the index <-> token mapping.
 *
 * Owns: interning of token strings (UTF-8 bytes) into type numbers in order of
 * first occurrence, per-type counts, and the vocabulary built from them the
 * way d2l's Vocab builds it (d2l §8.2): "<unk>" at index 0, then types by
 * descending count, ties in order of first occurrence; types counted fewer
 * than min_freq times map to <unk>. A type that is literally "<unk>" (PTB has
 * one) is index 0 itself. Must not: know about files or datasets.
 *
 * Lifecycle: vocab_create, vocab_intern (per token, counting or not),
 * vocab_finish (once), then vocab_index / vocab_token / vocab_lookup.
 */
#ifndef RNNLAB_VOCAB_H
#define RNNLAB_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define VOCAB_UNK "<unk>"

struct vocab;

struct vocab *vocab_create(void);
void vocab_free(struct vocab *v);

/* Interns bytes s[0..len) and returns its type number in *type. */
int vocab_intern(struct vocab *v, const char *s, size_t len, uint32_t *type,
                 struct err *e);

/* Adds one to the count of every type in types[0..n). */
void vocab_count(struct vocab *v, const uint32_t *types, size_t n);

/* Builds the index from the counts; call once, after all counting. */
int vocab_finish(struct vocab *v, long min_freq, struct err *e);

/* After vocab_finish: */
size_t vocab_size(const struct vocab *v);                  /* V */
int32_t vocab_index(const struct vocab *v, uint32_t type); /* 0 = <unk> */
const char *vocab_token(const struct vocab *v, int32_t index);
long vocab_freq(const struct vocab *v, int32_t index);     /* counted uses */
/* Index of the token spelled s[0..len), or 0 (<unk>) when absent. */
int32_t vocab_lookup(const struct vocab *v, const char *s, size_t len);

/* A finished vocabulary whose index i is tokens[i] (tokens[0] must be
 * "<unk>"), as stored in a results file's /vocab. */
int vocab_from_list(struct vocab **out, const char *const *tokens, size_t n,
                    struct err *e);

#endif
