/* datafile: the bytes of a data file, read safely.
 *
 * Owns: reading a whole plain file (stdio) or a zip member in place
 * (minizip), refusing anything but a regular file and anything larger than
 * a limit before it is read, the SHA256SUMS check, and UTF-8 validation
 * with the offset of the first bad byte.
 * Must not: tokenize or know which dataset it reads (recipe and dataset do).
 */
#ifndef RNNLAB_DATAFILE_H
#define RNNLAB_DATAFILE_H

#include <stddef.h>

#include "err.h"

/* Reads a whole file, or the member of a zip archive when member != NULL, into
 * a NUL-terminated buffer the caller frees with mem_free. Only a regular
 * file is read (a FIFO or a folder is an error, never a wait), and nothing
 * larger than max_bytes (the member's size from its header; data past it
 * reads as corruption). */
int datafile_read(const char *path, const char *member, long max_bytes,
                  char **text, size_t *len, struct err *e);

/* datafile_read, then an error naming the byte offset unless the text is
 * valid UTF-8 (*text is then NULL). */
int datafile_read_utf8(const char *path, const char *member, long max_bytes,
                       char **text, size_t *len, struct err *e);

/* Checks path against the SHA256SUMS in its folder. required: a missing
 * SHA256SUMS, or one that does not list the file, is an error. */
int datafile_verify_checksum(const char *path, int required, struct err *e);

#endif
