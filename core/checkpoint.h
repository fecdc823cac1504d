/* checkpoint: one file that holds what a run needs to continue, verified
 * before it is trusted.
 *
 * Owns: the checkpoint file's format (HDF5: a "format" attribute, the
 * epoch, a "sha256" attribute, one opaque uint8 dataset per state block
 * named as the block, and an "attachment" of any size: results keeps there
 * the run file as it stood, because an HDF5 file killed or refused space in
 * the middle of a write may be left inconsistent); its SHA-256 over the
 * format, the run id (a hash of the run's config), the epoch, every block's
 * name, size and bytes and the attachment, so a checkpoint of another config
 * or with one changed bit is refused; and replacing it whole: written to
 * <path>.tmp, fsync'd, renamed, the folder fsync'd.
 * Must not: know what the blocks mean (their owners do, state.h) or which
 * run file they belong to (results does).
 */
#ifndef RNNLAB_CHECKPOINT_H
#define RNNLAB_CHECKPOINT_H

#include <stddef.h>

#include "err.h"
#include "state.h"

/* Writes the checkpoint of the blocks after `epoch` epochs to path, with an
 * attachment of any size (the run file as it stood) under the same
 * checksum. */
int checkpoint_write(const char *path, const char *run_id, long epoch,
                     const struct state_block *b, size_t n, const void *attachment,
                     size_t attachment_bytes, struct err *e);

/* Reads and verifies path against the blocks' names and sizes and
 * run_id, touching none of the blocks. Returns 0 with *staged (every
 * block's bytes, in order), *attachment (mem_free both) and *epoch; -1 with
 * a reason in why when the checkpoint is damaged, truncated, of another
 * config or fails its checksum; ERR_NOMEM. */
int checkpoint_read(const char *path, const char *run_id, const struct state_block *b,
                    size_t n, unsigned char **staged, long *epoch,
                    unsigned char **attachment, size_t *attachment_bytes, char *why,
                    size_t nwhy, struct err *e);

/* Copies staged bytes (from checkpoint_read) back into the blocks. */
void checkpoint_restore(const struct state_block *b, size_t n,
                        const unsigned char *staged);

#endif
