/* version: the one place the program's version is written. Run files record
 * it (runner_version), so a results folder written by a version whose run
 * ids were computed differently is recognised and reported, never mixed
 * silently with new runs. Bump the version with any change to what the run
 * id hashes (0.2.0: train.threads and output.dir left it). */
#ifndef RNNLAB_VERSION_H
#define RNNLAB_VERSION_H

#define RNNLAB_VERSION "0.2.0"
/* What run files record: "rnnlab " RNNLAB_VERSION. */
#define RNNLAB_RUNNER_VERSION "rnnlab " RNNLAB_VERSION

#endif
