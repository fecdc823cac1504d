/* utf8: decoding of UTF-8 text into code points, strictly (RFC 3629): no
 * overlong forms, no surrogates, nothing above U+10FFFF. Character tokens are
 * code points, so a Chinese character is one token, as Python's str has it.
 */
#ifndef RNNLAB_UTF8_H
#define RNNLAB_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length in bytes (1-4) of the code point starting at s[0..n), storing it in
 * *cp; -1 when the bytes there are not valid UTF-8. n >= 1. */
int utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Offset of the first invalid byte of s[0..n), or n when all is valid. */
size_t utf8_validate(const char *s, size_t n);

#endif
