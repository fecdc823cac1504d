/* runner: the command-line program. It owns stdout, stderr and the exit
 * status; each verb lives in its own cmd_*.c and returns an exit status:
 * 0 success, 1 some run failed, 2 bad usage or bad config (SPEC.md). */
#ifndef RNNLAB_RUNNER_H
#define RNNLAB_RUNNER_H

#include "err.h"

enum { EXIT_OK = 0, EXIT_RUN_FAILED = 1, EXIT_BAD_INPUT = 2 };

struct options {
    int quiet; /* --quiet: only errors and the final result line */
    int plain; /* one line per epoch even on a terminal (parallel runs) */
    int force; /* train: train again a run that already has a result */
    long jobs; /* sweep: runs trained at once */
};

/* Prints "runner: FILE:LINE:COL: msg" and returns the exit status it maps to. */
int runner_report(const struct err *e);

/* Prints "runner: msg" and returns EXIT_BAD_INPUT. */
int runner_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Warns on stderr when rows of dir were written by another runner version
 * (their run ids are not this version's). */
struct index_row;
void runner_warn_foreign(const char *dir, const struct index_row *rows, size_t n);

/* Folder of the bundled datasets: $RNNLAB_DATA, else share/rnnlab/data
 * beside an installed binary (make install), else the build's data/. */
const char *runner_data_dir(void);

int cmd_data(int argc, char **argv, const struct options *opt);
int cmd_train(int argc, char **argv, const struct options *opt);
int cmd_generate(int argc, char **argv, const struct options *opt);
int cmd_sweep(int argc, char **argv, const struct options *opt);
int cmd_check(int argc, char **argv, const struct options *opt);
int cmd_index(int argc, char **argv, const struct options *opt);
int cmd_ls(int argc, char **argv, const struct options *opt);

#endif
