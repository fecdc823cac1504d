/* libFuzzer harness for the dataset loaders: the first byte picks how the
 * rest is read (a user text file as characters or words, or a zip archive
 * whose member "m.txt" is read in place), the whole tokenize / vocabulary /
 * split path runs, and the n-gram statistics of `runner data` after it.
 * Inputs that found a bug are kept in tests/fuzz/regress/dataset/. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dataset.h"
#include "ngram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64], path[128];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/rnnlab-fuzz-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/input", dir);
    }
    if (size < 1)
        return 0;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f) != 0)
        abort();
    struct dataset_config c = {.name = DATASET_TEXT, .path = path,
                               .tokens = data[0] & 1 ? TOKENS_WORD : TOKENS_CHAR,
                               .max_tokens = data[0] & 2 ? 50 : -1,
                               .min_freq = data[0] & 4 ? 2 : 0,
                               .valid_fraction = data[0] & 8 ? 0.2 : 0,
                               .max_bytes = 1 << 20,
                               .member = data[0] & 16 ? "m.txt" : NULL};
    struct dataset *d = NULL;
    struct err e;
    if (dataset_load(&c, dir, &d, &e) == 0) {
        struct ngram_count top[3];
        size_t ntop, distinct;
        for (int order = 1; order <= 3; order++)
            ngram_top(d->train.ids, d->train.n, order, 3, top, &ntop, &distinct, &e);
        dataset_free(d);
    }
    return 0;
}
