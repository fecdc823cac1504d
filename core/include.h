/* include: a config's `include:` list, merged before the config is read.
 *
 * Owns: reading a config file together with the files it includes.
 * `include: [base.yaml, ...]` names YAML files (relative to the including
 * file's folder) merged in order, then the including file's own keys on top:
 * mappings merge key by key, anything else (a scalar, a list) replaces.
 * Included files may include others, up to INCLUDE_MAX_DEPTH; a file that
 * includes itself, directly or through others, is an error. Every node keeps
 * the file and line it came from, so later config errors name the included
 * file; errors while including (a missing file, bad YAML, a cycle) name the
 * chain: "b.yaml:3:1: ... (included from a.yaml:1:11)".
 * Must not: interpret keys other than `include` (config's job).
 */
#ifndef RNNLAB_INCLUDE_H
#define RNNLAB_INCLUDE_H

#include "err.h"
#include "tree.h"

#define INCLUDE_MAX_DEPTH 16

/* tree_parse_file with the includes resolved and merged; the result has no
 * `include` key. */
int include_parse_file(const char *path, struct tree **out, struct err *e);

/* Merges src into dst (both maps), taking src's members over (src is left
 * with NULL items and is the caller's to free): mappings merge, anything
 * else replaces in place, new keys go last. 0 or ERR_NOMEM. */
int include_merge(struct tree *dst, struct tree *src);

#endif
