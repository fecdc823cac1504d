/* claim: the exclusive right to write one run's files.
 *
 * Owns: <dir>/runs/<run_id>.lock and the kernel lock on it. A claim is an
 * open-file-description byte-range lock (fcntl F_OFD_SETLK; Linux also
 * honours it over NFSv4, where the server drops it when the holder's lease
 * ends). It is taken before any file of the run is opened for writing and
 * held for the whole life of the process that trains the run; the kernel
 * releases it when that process exits or dies, however it dies, so there is
 * never an application-level takeover of a claim whose holder may still be
 * alive. The lock file itself stays (removing it would race a new claimant).
 * A claim is not inherited by a child process that did not take it.
 * Must not: read or write run files; results does that once the claim is
 * held.
 */
#ifndef RNNLAB_CLAIM_H
#define RNNLAB_CLAIM_H

#include "err.h"

/* Takes the claim on run_id in dir, creating <dir>/runs/ (and dir) when
 * needed. Returns 1 and *fd (hold it open while the run trains), 0 when
 * another process holds the claim, or a negative error (folder or lock file
 * cannot be created: the OS reason in e). */
int claim_take(const char *dir, const char *run_id, int *fd, struct err *e);

/* Gives the claim back (closes fd); fd < 0 does nothing. */
void claim_release(int fd);

/* 1 when some process holds the claim on run_id now, 0 otherwise (no lock
 * file, or nobody holds it). Never takes it. */
int claim_is_held(const char *dir, const char *run_id);

#endif
