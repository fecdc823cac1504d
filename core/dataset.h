/* dataset: the corpus of a run as arrays of vocabulary indices, built
 * exactly as the reference loaders build them.
 *
 * Owns: finding the file (the bundled one in the data folder, or
 * dataset.path), the checksum check of bundled files, running the dataset's
 * recipe (recipe.h: members, tokenizer, vocabulary scope) over the bytes
 * datafile.h reads, truncation to max_tokens, the validation/test splits
 * (valid_fraction holds out the end of the cut corpus of a single-text
 * dataset) and the vocabulary (vocab.h); the sine series is sine.c's.
 * Must not: batch (sampler's job) or know the model.
 */
#ifndef RNNLAB_DATASET_H
#define RNNLAB_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "real.h"
#include "err.h"
#include "vocab.h"

struct split {
    int32_t *ids; /* vocabulary indices; NULL when the split is absent */
    size_t n;
};

struct dataset {
    struct vocab *vocab;  /* NULL for a numeric series */
    struct split train, valid, test;
    int tokens;          /* enum token_kind: char tokens join without spaces */
    size_t full_tokens;  /* training corpus length before max_tokens */
    char source[1400];   /* what was read, for messages */
    /* sine (sine.h): the series and its examples; NULL/0 for text */
    real *series;
    size_t series_n, tau, n_train;
};

/* Loads the dataset cfg describes. data_dir holds the bundled files and their
 * SHA256SUMS (checked for bundled files, and for a user file when a
 * SHA256SUMS beside it lists it). *out is the caller's to dataset_free. */
int dataset_load(const struct dataset_config *cfg, const char *data_dir,
                 struct dataset **out, struct err *e);

void dataset_free(struct dataset *d);

#endif
