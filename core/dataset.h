/* dataset: corpora as arrays of vocabulary indices, built exactly as the
 * reference loaders build them.
 *
 * Owns: reading the bundled files and user text (zip members read in place
 * with minizip, plain files with stdio), the SHA256SUMS check, UTF-8 decoding,
 * each dataset's preprocessing and tokenization, truncation to max_tokens,
 * validation/test splits, and the vocabulary (see vocab.h):
 *   timemachine  d2l §8.2 read_time_machine: each line ->
 *                re.sub('[^A-Za-z]+', ' ', line).strip().lower(), lines joined
 *                without separators; vocabulary from the whole book, then the
 *                corpus is cut to max_tokens (d2l load_corpus_time_machine).
 *   jaychou      d2lzh load_data_jay_lyrics: member jaychou_lyrics.txt, '\n'
 *                and '\r' -> ' ', cut to max_tokens, vocabulary from what is
 *                kept.
 *   ptb          ptb/ptb.{train,valid,test}.txt, each line split on
 *                whitespace plus "<eos>"; vocabulary from the whole train
 *                file; valid and test mapped with it; max_tokens then cuts
 *                train.
 *   text         a UTF-8 file or zip member; char tokens are every code point
 *                but '\r'; word tokens are each line split on whitespace plus
 *                "<eos>"; cut to max_tokens, split, vocabulary from train.
 * valid_fraction holds out the end of the (cut) corpus as validation data.
 * Must not: batch (sampler's job) or know the model.
 */
#ifndef RNNLAB_DATASET_H
#define RNNLAB_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "vocab.h"

#define DATASET_EOS "<eos>"

struct split {
    int32_t *ids; /* vocabulary indices; NULL when the split is absent */
    size_t n;
};

struct dataset {
    struct vocab *vocab;
    struct split train, valid, test;
    int tokens;          /* enum token_kind: char tokens join without spaces */
    size_t full_tokens;  /* training corpus length before max_tokens */
    char source[1400];   /* what was read, for messages */
};

/* Loads the dataset cfg describes. data_dir holds the bundled files and their
 * SHA256SUMS (checked for bundled files, and for a user file when a
 * SHA256SUMS beside it lists it). *out is the caller's to dataset_free. */
int dataset_load(const struct dataset_config *cfg, const char *data_dir,
                 struct dataset **out, struct err *e);

void dataset_free(struct dataset *d);

/* Reads a whole file, or the member of a zip archive when member != NULL, into
 * a NUL-terminated buffer the caller frees with mem_free. Only a regular
 * file is read (a FIFO or a folder is an error, never a wait), and nothing
 * larger than max_bytes (the member's size from its header; data past it
 * reads as corruption). */
int dataset_read_file(const char *path, const char *member, long max_bytes,
                      char **text, size_t *len, struct err *e);

/* Checks path against the SHA256SUMS in its folder. required: a missing
 * SHA256SUMS, or one that does not list the file, is an error. */
int dataset_verify_checksum(const char *path, int required, struct err *e);

#endif
