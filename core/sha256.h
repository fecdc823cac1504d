/* sha256: SHA-256 digests (FIPS 180-4) for checking bundled data files
 * against data/SHA256SUMS. None of the chosen libraries (zlib, minizip) offers
 * one; this is the standard's algorithm, tested against its example vectors.
 */
#ifndef RNNLAB_SHA256_H
#define RNNLAB_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
    size_t used;     /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Writes the digest as 64 lowercase hex digits plus NUL into hex[65]. */
void sha256_final_hex(struct sha256 *s, char hex[65]);

#endif
