/* runner data: corpus and vocabulary statistics of a config's dataset
 * (d2l §8.2-8.3: corpus length, vocabulary size, Zipf's law n-grams) and
 * the unigram perplexity a model must beat; for the sine series, its
 * examples and noise variance. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "dataset.h"
#include "ngram.h"
#include "runner.h"
#include "sine.h"

#define TOP_K 10

/* Prints a token quoted, with control characters escaped. */
static void print_token(const char *s, int width)
{
    char buf[256];
    size_t m = 0;
    buf[m++] = '\'';
    for (; *s && m < sizeof buf - 8; s++) {
        if (*s == '\n')
            m += (size_t)snprintf(buf + m, 8, "\\n");
        else if (*s == '\t')
            m += (size_t)snprintf(buf + m, 8, "\\t");
        else if ((unsigned char)*s < 0x20)
            m += (size_t)snprintf(buf + m, 8, "\\x%02x", (unsigned char)*s);
        else
            buf[m++] = *s;
    }
    buf[m++] = '\'';
    buf[m] = '\0';
    /* Pad by code points, not bytes, so CJK tokens line up roughly. */
    int cps = 0;
    for (const char *p = buf; *p; p++)
        cps += ((unsigned char)*p & 0xC0) != 0x80;
    printf("%s%*s", buf, width > cps ? width - cps : 0, "");
}

static void print_gram(const struct dataset *d, const int32_t *ids, int order)
{
    char text[256] = "";
    for (int i = 0; i < order; i++) {
        const char *tok = vocab_token(d->vocab, ids[i]);
        if (i && d->tokens == TOKENS_WORD)
            strncat(text, " ", sizeof text - strlen(text) - 1);
        strncat(text, tok, sizeof text - strlen(text) - 1);
    }
    print_token(text, 28);
}

static int print_ngrams(const struct dataset *d, int order)
{
    static const char *const names[] = {"", "unigrams", "bigrams", "trigrams"};
    struct ngram_count top[TOP_K];
    size_t ntop, distinct;
    struct err e;
    if (ngram_top(d->train.ids, d->train.n, order, TOP_K, top, &ntop,
                  &distinct, &e) < 0)
        return runner_report(&e);
    printf("\nmost frequent %s (%zu distinct):\n", names[order], distinct);
    for (size_t i = 0; i < ntop; i++) {
        printf("  %2zu  ", i + 1);
        print_gram(d, d->train.ids + top[i].first, order);
        printf(" %8ld\n", top[i].count);
    }
    return 0;
}

/* The perplexity of the unigram model fitted on train, on every split
 * there is: the floor a model that reads context must get under. */
static void print_unigram(const struct dataset *d)
{
    static const char *const names[] = {"train", "valid", "test"};
    const struct split *splits[] = {&d->train, &d->valid, &d->test};
    printf("unigram ppl ");
    for (int k = 0, first = 1; k < 3; k++) {
        if (!splits[k]->n)
            continue;
        printf("%s %s %.4g", first ? "" : ",", names[k],
               ngram_unigram_ppl(d->train.ids, d->train.n, splits[k]->ids,
                                 splits[k]->n, vocab_size(d->vocab)));
        first = 0;
    }
    printf(" (fitted on train, add-one smoothing)\n");
}

/* A numeric series (sine): its examples and how far it strays from the
 * noiseless sine, the floor no model's MSE goes below on average. */
static void print_series(const struct dataset *d)
{
    double sum = 0, sq = 0, lo = d->series[0], hi = d->series[0];
    for (size_t i = 0; i < d->series_n; i++) {
        double x = d->series[i], noise = x - sin(0.01 * (double)(i + 1));
        sum += noise;
        sq += noise * noise;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    double n = (double)d->series_n, var = sq / n - (sum / n) * (sum / n);
    printf("dataset      sine, %s\n", d->source);
    printf("series       %zu values in [%.4f, %.4f]\n", d->series_n, lo, hi);
    printf("examples     %zu: tau %zu values -> the next; train %zu, valid %zu\n",
           sine_examples(d), d->tau, d->n_train, sine_examples(d) - d->n_train);
    printf("noise        variance %.6f about sin(0.01 t): the MSE floor\n", var);
}

int cmd_data(int argc, char **argv, const struct options *opt)
{
    (void)opt;
    if (argc < 1)
        return runner_usage_error("data: expected a config file: runner data "
                                  "CONFIG.yaml [key=value ...] (see 'runner data --help')");
    struct config cfg;
    struct dataset *d = NULL;
    struct err e;
    err_clear(&e);
    int status = EXIT_OK;
    if (config_load(&cfg, argv[0], argc - 1, argv + 1, &e) < 0 ||
        dataset_load(&cfg.dataset, runner_data_dir(), &d, &e) < 0) {
        status = runner_report(&e);
        goto done;
    }
    if (!d->vocab) {
        print_series(d);
        goto done;
    }
    printf("dataset      %s, %s tokens, from %s\n",
           config_dataset_name(cfg.dataset.name),
           config_tokens_name(cfg.dataset.tokens), d->source);
    printf("corpus       %zu tokens", d->full_tokens);
    if (d->train.n != d->full_tokens)
        printf(" (training on %zu: max_tokens %ld%s)", d->train.n,
               cfg.dataset.max_tokens,
               cfg.dataset.valid_fraction > 0 ? ", minus validation" : "");
    printf("\nvocabulary   %zu types including <unk> (min_freq %ld)\n",
           vocab_size(d->vocab), cfg.dataset.min_freq);
    printf("splits       train %zu, valid %zu, test %zu tokens\n", d->train.n,
           d->valid.n, d->test.n);
    print_unigram(d);
    for (int order = 1; order <= 3 && status == EXIT_OK; order++)
        status = print_ngrams(d, order);
done:
    dataset_free(d);
    config_free(&cfg);
    return status;
}
