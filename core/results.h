/* results: one HDF5 file per run, in the layout of SPEC.md, and the files
 * beside it. results.c writes and finishes the run file, resume.c reopens an
 * interrupted one, results_read.c reads one back.
 *
 * Owns, in <dir>/runs/:
 *   <id>.h5.part   the run file while the run trains: root attributes,
 *                  /vocab, per-epoch /metrics (chunked, extendible,
 *                  deflate-compressed, flushed with H5Fflush after every
 *                  epoch so a killed run keeps every finished epoch) and
 *                  /samples. Created exclusively, never truncated.
 *   <id>.h5.ckpt   the checkpoint: the owners' state blocks (state.h) as
 *                  opaque byte arrays with a SHA-256 over the run's config,
 *                  the epoch and every block; replaced whole (temporary
 *                  name, fsync, rename, folder fsync). A checkpoint that
 *                  fails verification is never restored.
 *   <id>.h5        the finished file: the .part copied to <id>.h5.tmp, the
 *                  final weights (PyTorch names and layout) and status
 *                  written there, fsync'd, renamed, the folder fsync'd; only
 *                  then are the .part and .ckpt removed. A failure on the
 *                  way leaves the .part and .ckpt as they were.
 *   <id>.attempts  one line per attempt that failed after the run was
 *                  claimed (time, pid, detail): a failure is recorded here,
 *                  never by overwriting a result.
 *   <id>.h5.part.bad, <id>.h5.ckpt.bad: a run file or checkpoint that could
 *                  not be resumed, set aside (never deleted) when the run
 *                  restarts from scratch.
 * Every writer holds the run's claim (claim.h). HDF5's own error printing is
 * off: failures come back in our words with the OS reason. Files use the
 * default (1.10-compatible) format bounds, never SWMR, so a crashed writer
 * leaves a readable file.
 * Must not: decide what a run does (train and runner do), or look inside
 * the state blocks it stores.
 */
#ifndef RNNLAB_RESULTS_H
#define RNNLAB_RESULTS_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "metrics.h"
#include "model.h"
#include "state.h"
#include "version.h"
#include "vocab.h"

struct results;

/* Creates the run file <dir>/runs/<run_id>.h5.part with the root
 * attributes, /vocab and empty metrics. Fails (never replaces) when a .part
 * is already there. */
int results_create(const char *dir, const char *run_id, const char *config_text,
                   long seed, const struct vocab *v, size_t num_params,
                   struct results **out, struct err *e);

/* Sets a string attribute of the run file's root (sweep_values, ...). */
int results_set_attr(struct results *r, const char *name, const char *value,
                     struct err *e);

/* Writes the checkpoint after `epoch` epochs from the blocks. Call after
 * results_append_epoch and the epoch's samples, so the checkpoint never
 * runs ahead of the run file. */
int results_checkpoint(struct results *r, long epoch, const struct state_block *b,
                       size_t n, struct err *e);

/* Appends one row to every /metrics dataset and flushes the file. */
int results_append_epoch(struct results *r, const struct epoch_metrics *m,
                         struct err *e);

/* Reopens an interrupted run (<dir>/runs/<run_id>.h5.part with status
 * running and the same run_id) and restores the blocks from its
 * checkpoint after verifying it. Metric rows and samples past the
 * checkpoint's epoch are dropped. Returns 1 and *out when resumed (*epoch
 * set), 0 when the run starts from scratch, or a negative error. When a
 * .part or checkpoint was there but could not be used (damaged, failed
 * verification, no checkpoint), it is set aside as *.bad and note says what
 * happened in one line; otherwise note is "". The blocks are untouched
 * unless the result is 1. */
int results_resume(const char *dir, const char *run_id,
                   const struct state_block *b, size_t n, struct results **out,
                   long *epoch, char *note, size_t nnote, struct err *e);

/* Stores /samples/<k> (k counts from 0) with attributes epoch and prefix. */
int results_add_sample(struct results *r, long epoch, const char *prefix,
                       const char *text, struct err *e);

/* Ends the run. status "running": the .part is flushed and closed (an
 * interrupted run, resumable). completed, diverged or stopped: the finished
 * file is written as the header describes, with /weights from m (may be
 * NULL) and `detail` (may be NULL). Frees r in every case; on failure the
 * .part and checkpoint stay as they were. */
int results_finish(struct results *r, const char *status, const struct model *m,
                   double wall_seconds, const char *detail, struct err *e);

/* Path of the finished run file (valid until results_finish). */
const char *results_path(const struct results *r);

/* Removes what a finished run left behind (its .part, checkpoint and
 * temporary files: a process killed between the rename of the finished file
 * and their removal). Call under the run's claim; does nothing unless the
 * finished <id>.h5 exists. Returns 1 if there was something to remove. */
int results_tidy(const char *dir, const char *run_id);

/* Appends "TIME<TAB>pid PID<TAB>EVENT<TAB>detail" to <dir>/runs/<id>.attempts,
 * the run's log of attempts, written without touching any result. EVENT is
 * started, completed, diverged, stopped, interrupted or failed; a run whose
 * last event is failed is listed failed until it finishes. */
int results_log_attempt(const char *dir, const char *run_id, const char *event,
                        const char *detail, struct err *e);

/* Reading a run file (opened with file locking off). */
int results_read_config(const char *path, char **config_text, struct err *e);
/* The run's config, read back from its file, with overrides applied (config
 * messages then name the file); cfg is the caller's to config_free. */
int results_load_config(const char *path, int noverrides, char *const *overrides,
                        struct config *cfg, struct err *e);
int results_read_vocab(const char *path, struct vocab **v, struct err *e);
int results_load_weights(const char *path, struct model *m, struct err *e);

#endif
