/* generate: text from a trained model, as d2l's predict_ch8: the state starts
 * at zero, is warmed up on the prefix one token at a time, then `length`
 * tokens are produced, each fed back as the next input.
 *   greedy   argmax of the logits
 *   sample   draw from softmax(logits * alpha / temperature): temperature T
 *            gives p^(1/T), alpha gives p^alpha / sum p^alpha (d2l exercise
 *            8.5.3); both together multiply
 * Char tokens join without separators, word tokens with single spaces. The
 * prefix is cut by the dataset's own tokenizer (recipe.h), so it is cleaned
 * as the corpus was; tokens missing from the vocabulary become <unk> and
 * are counted.
 * Owns nothing beyond the returned text (and, during a call, its own
 * recurrent state, from zero). "sampler" never means this module: that one
 * makes batches.
 */
#ifndef RNNLAB_GENERATE_H
#define RNNLAB_GENERATE_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "rng.h"
#include "vocab.h"

/* Writes the prefix and its continuation, joined, into *out (mem_free it);
 * *unknown gets the number of prefix tokens mapped to <unk>. */
int generate_text(struct model *m, const struct vocab *v,
                  const struct dataset_config *data, const char *prefix,
                  const struct generate_config *g,
                  struct rng *rng, char **out, size_t *unknown, struct err *e);

#endif
