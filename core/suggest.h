/* suggest: the nearest valid name to a misspelled one, for "did you mean"
 * hints (config keys and choices, sweep keys).
 */
#ifndef RNNLAB_SUGGEST_H
#define RNNLAB_SUGGEST_H

#include <stddef.h>

#include "err.h"
#include "tree.h"

/* Levenshtein distance (64 for a string over 63 bytes). */
int suggest_distance(const char *a, const char *b);

/* The nearest of a NULL-terminated array of names (stride bytes apart, so
 * a table of structs whose first member is the name will do) to key, or
 * NULL when none is within max(1, min(3, len(key) / 3 + 1)) edits. */
const char *suggest_nearest(const char *key, const char *const *names,
                            size_t stride);

/* ERR_CONFIG at map member t's key: "unknown key 'SECTION.KEY' (did you
 * mean 'NEAR'?)", NEAR the nearest of keys (NULL-terminated). */
int suggest_unknown_key(const struct tree *t, const char *section,
                        const char *const *keys, struct err *e);

#endif
