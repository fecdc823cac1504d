/* recipe: how each named dataset is made, as one table.
 *
 * Owns, per dataset (config.h's enum dataset_name): the bundled file and the
 * zip members to read, the tokenizer for char and word tokens, which tokens
 * the vocabulary is counted over, and the defaults of dataset.tokens and
 * dataset.max_tokens. Training (dataset.c) builds corpora from it and
 * generation tokenizes prefixes with the same tokenizer, so a prefix is
 * cleaned as the corpus was ("The Time" reads as "the time" for
 * timemachine).
 *   timemachine  d2l §8.2: timemachine.txt cleaned by read_time_machine;
 *                vocabulary from the whole book, then cut to max_tokens
 *                (10000, load_corpus_time_machine).
 *   jaychou      d2lzh load_data_jay_lyrics: member jaychou_lyrics.txt,
 *                '\n' and '\r' as ' ', cut to max_tokens (10000), vocabulary
 *                from what is kept.
 *   ptb          ptb/ptb.{train,valid,test}.txt, each line's words plus
 *                "<eos>"; vocabulary from the whole train file; max_tokens
 *                (default all) then cuts train.
 *   text         a user's UTF-8 file or zip member: char tokens are every
 *                code point but '\r'; word tokens are each line's words plus
 *                "<eos>"; cut to max_tokens (default all); vocabulary from
 *                the training part.
 * Must not: read files (datafile) or build corpora (dataset).
 */
#ifndef RNNLAB_RECIPE_H
#define RNNLAB_RECIPE_H

#include <stddef.h>

#include "config.h"
#include "tokenize.h"

enum vocab_scope {
    VOCAB_FROM_ALL,   /* the whole training text, before max_tokens cuts it */
    VOCAB_FROM_KEPT,  /* what max_tokens keeps, the held-out part included */
    VOCAB_FROM_TRAIN, /* the training part of what is kept */
};

struct recipe {
    const char *name;
    const char *file;        /* bundled, in the data folder; NULL: dataset.path */
    const char *member;      /* zip member of a .zip file; NULL: none */
    const char *splits[3];   /* separate train/valid/test members; NULL: one
                              * text, valid_fraction holds out its end */
    int tokens;              /* default enum token_kind */
    long max_tokens;         /* default; -1 keeps all */
    enum vocab_scope scope;
    /* Cuts text into tokens of kind `tokens` (char or word). */
    int (*tokenize)(const struct token_sink *k, const char *s, size_t n,
                    int tokens, struct err *e);
};

/* The recipe of a dataset name (enum dataset_name). */
const struct recipe *recipe_of(int dataset_name);

#endif
