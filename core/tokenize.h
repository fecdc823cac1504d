/* tokenize: cutting UTF-8 text into tokens, as the reference loaders do.
 *
 * Owns: the one whitespace rule of the project (Python's str.split: space,
 * \t, \n, \r, \f, \v), word splitting, line splitting with "<eos>" after each
 * line, code points as tokens, and d2l's Time Machine cleaning. A tokenizer
 * hands each token to a sink and never decides what a token becomes: the
 * dataset interns it into a vocabulary, generation looks it up.
 * Must not: read files or hold a vocabulary.
 */
#ifndef RNNLAB_TOKENIZE_H
#define RNNLAB_TOKENIZE_H

#include <stddef.h>

#include "err.h"

#define TOKENIZE_EOS "<eos>"

struct token_sink {
    /* Takes one token, s[0..len); 0 or a negative error code. */
    int (*take)(void *ctx, const char *s, size_t len, struct err *e);
    void *ctx;
    int prefix;    /* a generation prefix, not a corpus: no "<eos>" after
                    * its lines, its ends not stripped ("time traveller "
                    * keeps its space, as d2l's predict_ch8) */
};

/* Whitespace-separated words of s[0..n) (the bytes Python's str.split()
 * splits on). */
int tokenize_words(const struct token_sink *k, const char *s, size_t n,
                   struct err *e);

/* Each line's words, then "<eos>" unless k->prefix (PTB). */
int tokenize_lines(const struct token_sink *k, const char *s, size_t n,
                   struct err *e);

/* Code points as tokens (s is valid UTF-8). newline_space: '\n' and '\r'
 * become ' ' (d2lzh's Jay Chou loader); otherwise '\r' is dropped and '\n'
 * kept. */
int tokenize_chars(const struct token_sink *k, const char *s, size_t n,
                   int newline_space, struct err *e);

/* d2l read_time_machine: each line becomes
 * re.sub('[^A-Za-z]+', ' ', line).strip().lower(), lines joined without a
 * separator; then characters (words = 0) or words (words = 1). A prefix
 * is not stripped. */
int tokenize_timemachine(const struct token_sink *k, const char *s, size_t n,
                         int words, struct err *e);

#endif
