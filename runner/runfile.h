/* runfile: finding a finished run file from what a user types: a path to
 * RUN_ID.h5, RESULTS and a run id, or a unique prefix of the id. */
#ifndef RNNLAB_RUNFILE_H
#define RNNLAB_RUNFILE_H

#include <stddef.h>

/* The finished run file (RESULTS/runs/ID.h5) of results and id, where id may
 * be a unique prefix (4 or more hex digits), into path. Prints a one-line
 * error (verb: ...) and returns EXIT_BAD_INPUT when there is none, or more
 * than one; 0 otherwise. */
int runfile_find(const char *verb, const char *results, const char *id, char *path,
                 size_t n);

/* 0 when dir is a results folder (it holds runs/); else prints a one-line
 * error saying what dir is instead and returns EXIT_BAD_INPUT. */
int runfile_results_folder(const char *verb, const char *dir);

/* The same for one argument: a run file's path, or RESULTS/runs/PREFIX. */
int runfile_from_path(const char *verb, const char *arg, char *path, size_t n);

#endif
