/* recipe: see recipe.h. */
#include "recipe.h"

static int timemachine(const struct token_sink *k, const char *s, size_t n,
                       int tokens, struct err *e)
{
    return tokenize_timemachine(k, s, n, tokens == TOKENS_WORD, e);
}

static int jaychou(const struct token_sink *k, const char *s, size_t n,
                   int tokens, struct err *e)
{
    return tokens == TOKENS_CHAR ? tokenize_chars(k, s, n, 1, e)
                                 : tokenize_words(k, s, n, e);
}

static int lines(const struct token_sink *k, const char *s, size_t n,
                 int tokens, struct err *e)
{
    return tokens == TOKENS_CHAR ? tokenize_chars(k, s, n, 0, e)
                                 : tokenize_lines(k, s, n, e);
}

/* In the order of enum dataset_name. */
static const struct recipe recipes[] = {
    {"timemachine", "timemachine.txt", NULL, {NULL}, TOKENS_CHAR, 10000,
     VOCAB_FROM_ALL, timemachine},
    {"jaychou", "jaychou_lyrics.txt.zip", "jaychou_lyrics.txt", {NULL},
     TOKENS_CHAR, 10000, VOCAB_FROM_KEPT, jaychou},
    {"ptb", "ptb.zip", NULL,
     {"ptb/ptb.train.txt", "ptb/ptb.valid.txt", "ptb/ptb.test.txt"},
     TOKENS_WORD, -1, VOCAB_FROM_ALL, lines},
    {"text", NULL, NULL, {NULL}, TOKENS_CHAR, -1, VOCAB_FROM_TRAIN, lines},
};

const struct recipe *recipe_of(int dataset_name)
{
    return &recipes[dataset_name];
}
