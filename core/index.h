/* index: the summary of a results folder and its index.h5.
 *
 * Owns: reading every run file of <dir>/runs (finished <id>.h5, and
 * <id>.h5.part of running or interrupted runs, and the <id>.attempts log of
 * a run that failed) into summary rows, one per run, and writing
 * <dir>/index.h5: external links /runs/<run_id> to each run file (relative
 * to the index's folder, so a results folder can be moved whole) and a
 * /summary group of per-column datasets, one row per run, and a /groups
 * group of them, one row per sweep point (group.h). The index is written to
 * a temporary name and renamed, under an advisory lock on <dir>/index.lock, so
 * concurrent sweep processes never leave a half-written index. Run files are
 * opened with file locking off: a writer may hold them.
 * Must not: train or change run files.
 */
#ifndef RNNLAB_INDEX_H
#define RNNLAB_INDEX_H

#include <stddef.h>

#include "err.h"

struct index_row {
    char run_id[13];
    char point_id[13];      /* its sweep point (config_point_id); the run id
                             * for files written before point ids */
    char status[16];        /* completed, diverged, stopped, failed, running,
                             * unreadable. A .part is running while its claim
                             * is held, failed when its last attempt failed,
                             * else running (interrupted, detail says so) */
    char file[64];          /* runs/<id>.h5 or runs/<id>.h5.part; "" when the
                             * run has only its attempts log */
    char *values;           /* swept values ("" outside a sweep) */
    long sweep_index;       /* -1 outside a sweep */
    long epochs;            /* metric rows */
    double train_ppl, valid_ppl, test_ppl; /* last evaluated; NaN if none */
    double best_valid_ppl;  /* NaN if never evaluated */
    double train_mse, valid_mse; /* regression runs: last evaluated; NaN
                                  * otherwise */
    int regression;         /* a regression run (its file has the MSE
                             * columns): train_mse/valid_mse are its measures */
    long best_valid_epoch;  /* 0 if never evaluated */
    double wall_seconds;    /* NaN while running */
    double tokens_per_s;    /* mean over epochs */
    char *detail;           /* why it diverged or failed ("" otherwise) */
    char version[32];       /* runner_version of the file ("" if none) */
};

/* How many rows were written by another runner version than this one (run
 * ids computed differently: their runs would be trained again beside
 * them); *example gets one such version. */
size_t index_count_foreign(const struct index_row *rows, size_t n,
                           const char **example);

/* Rows for every run file in <dir>/runs, ordered by sweep index then run id.
 * A folder without runs/ gives no rows. */
int index_scan(const char *dir, struct index_row **rows, size_t *n, struct err *e);
void index_free(struct index_row *rows, size_t n);

/* Whether run_id has any file in <dir>/runs (finished, .part, attempts). */
int index_has_files(const char *dir, const char *run_id);

/* Whether a .part or checkpoint of run_id is in <dir>/runs beside its
 * finished file (what results_tidy removes). */
int index_has_leftovers(const char *dir, const char *run_id);

/* Rebuilds <dir>/index.h5 from the run files (scan, lock, write, rename). */
int index_rebuild(const char *dir, size_t *nruns, struct err *e);

/* The status of run_id's file in dir: completed/diverged/failed from a
 * finished file, "running" for an interrupted one, "" when there is none. */
void index_run_status(const char *dir, const char *run_id, char status[16]);

#endif
