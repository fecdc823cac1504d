/* hash: 64-bit FNV-1a over bytes, the one hash function of the project's
 * hash tables (vocabulary, n-gram counts, YAML mapping keys). Not for
 * anything that must resist an adversary: sha256 is for checksums.
 */
#ifndef RNNLAB_HASH_H
#define RNNLAB_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of data[0..n) (offset basis 14695981039346656037, prime
 * 1099511628211). */
uint64_t hash_fnv1a(const void *data, size_t n);

#endif
