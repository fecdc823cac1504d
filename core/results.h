/* results: one HDF5 file per run, in the layout of SPEC.md.
 *
 * Owns: the run file while a run trains, from creation under a temporary
 * name (<dir>/runs/<run_id>.h5.part) to the rename to <run_id>.h5 when the
 * run ends; the per-epoch metrics (chunked, extendible, deflate-compressed
 * datasets, flushed with H5Fflush after every epoch so a killed run keeps
 * every finished epoch); the checkpoint beside it (<run_id>.h5.ckpt:
 * parameters, optimizer, generator and schedule state, and the recurrent
 * state carried across epochs where it is) from which an
 * interrupted run resumes; samples; final weights in PyTorch's names and
 * layout; and reading a finished file back (config, vocabulary, weights).
 * HDF5's own error printing is switched off: failures come back as errors
 * in our words. Files are created with the default (1.10-compatible) format
 * bounds, never SWMR, so a crashed writer leaves a readable file.
 * Must not: decide what a run does; train and runner do.
 */
#ifndef RNNLAB_RESULTS_H
#define RNNLAB_RESULTS_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "train.h"
#include "vocab.h"

#define RESULTS_VERSION "rnnlab 0.1.0"

struct results;

/* The run id of a resolved config text: the first 12 hex digits of its
 * SHA-256. */
void results_run_id(const char *config_text, char id[13]);

/* Creates <dir>/runs/ (and dir) if needed, and the run file under its
 * temporary name, with the root attributes, /vocab and empty metrics. v may
 * be NULL for a run that failed before its data loaded (no /vocab then). */
int results_create(const char *dir, const char *run_id, const char *config_text,
                   long seed, const struct vocab *v, size_t num_params,
                   struct results **out, struct err *e);

/* Sets a string attribute of the run file's root (sweep_values, ...). */
int results_set_attr(struct results *r, const char *name, const char *value,
                     struct err *e);

/* Everything a run needs to continue after its last epoch: parameters,
 * optimizer state, generator states, schedule state and the epoch. */
/* Writes <run file>.ckpt (replaced whole: written, then renamed). Call after
 * results_append_epoch, so the checkpoint never runs ahead of the metrics.
 * results_finish removes it when the run ends. */
int results_checkpoint(struct results *r, const struct trainer *t,
                       const struct rng *gen_rng, struct err *e);

/* Appends one row to every /metrics dataset and flushes the file. */
int results_append_epoch(struct results *r, const struct epoch_metrics *m,
                         struct err *e);

/* Reopens an interrupted run (<dir>/runs/<run_id>.h5.part whose status is
 * running and whose config is config_text) and restores the trainer to its
 * last checkpointed epoch. Returns 1 and *out when resumed, 0 when there is
 * nothing to resume (no file, another config, or no checkpoint), or an
 * error. */
int results_resume(const char *dir, const char *run_id, const char *config_text,
                   struct trainer *t, struct rng *gen_rng, struct results **out,
                   struct err *e);


/* Stores /samples/<k> (k counts from 0) with attributes epoch and prefix. */
int results_add_sample(struct results *r, long epoch, const char *prefix,
                       const char *text, struct err *e);

/* Writes /weights, the final attributes (status, finished, wall_seconds,
 * and `detail` when not NULL, e.g. why a run diverged), closes the file and
 * renames it to <run_id>.h5. status: completed, diverged or failed. With
 * status "running" the file is flushed and closed under its temporary name
 * (an interrupted run). Frees r in every case. */
int results_finish(struct results *r, const char *status, const struct model *m,
                   double wall_seconds, const char *detail, struct err *e);

/* Path of the finished run file (valid until results_finish). */
const char *results_path(const struct results *r);

/* Marks run_id's file in dir failed with detail (a run whose process died):
 * an interrupted .part file gets status failed; when there is no file, a
 * failed one is created from config_text. */
int results_mark_failed(const char *dir, const char *run_id,
                        const char *config_text, long seed, const char *detail,
                        struct err *e);

/* Reading a run file (opened with file locking off). */
int results_read_config(const char *path, char **config_text, struct err *e);
/* The run's config, read back from its file, with overrides applied (config
 * messages then name the file); cfg is the caller's to config_free. */
int results_load_config(const char *path, int noverrides, char *const *overrides,
                        struct config *cfg, struct err *e);
int results_read_vocab(const char *path, struct vocab **v, struct err *e);
int results_load_weights(const char *path, struct model *m, struct err *e);

#endif
