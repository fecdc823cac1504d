/* sweep: a config's `sweep:` section expanded into the list of runs.
 *
 * Owns: the expansion and every run's resolved config, its YAML text and its
 * run_id. The section holds
 *   grid:   dotted keys -> lists; the cartesian product, keys in file order,
 *           the last key varying fastest;
 *   zip:    dotted keys -> lists of one common length, walked together;
 *   sample: N points drawn from distributions (sweep_sample.h), one axis;
 *   repeat: N seeds per point: seed, seed + 1, ..., seed + N - 1;
 *   max_runs: the most runs the expansion may give (default 100000); more
 *           is an error, as is a count that overflows;
 *   early_stop: ASHA's settings (asha.h), checked against every run (a
 *           rung below train.epochs; valid_ppl needs a validation split
 *           evaluated at every rung).
 * Keys may also be nested maps (grid: {model: {cell: [lstm, gru]}}, what the
 * override sweep.grid.model.cell=[lstm,gru] makes); a list ends the key. A
 * value may be any YAML value, mappings included. Order of the runs: grid
 * (outermost), then zip, then the sampled point, then repeat (innermost).
 * A run's id hashes its resolved config (schema order, canonical numbers),
 * so it does not depend on the sweep's order or on which shard runs it.
 * Must not: train or touch results.
 */
#ifndef RNNLAB_SWEEP_H
#define RNNLAB_SWEEP_H

#include <stddef.h>

#include "asha.h"
#include "config.h"
#include "err.h"

struct sweep_run {
    size_t index;        /* k in the expanded order */
    struct config cfg;
    char *config_text;   /* config_emit(cfg) */
    char run_id[13];
    char **values;       /* per sweep key: the value's YAML flow text */
};

struct sweep {
    struct sweep_run *runs;
    size_t n;
    char **keys;         /* swept keys ("seed" last when repeat > 1) */
    size_t nkeys;
    char *axes;          /* "key:how ..." per key, how one of grid, zip,
                          * uniform, loguniform, int, choice, repeat (run
                          * files keep it: a report draws loguniform keys on
                          * a log axis) */
    size_t *slots;       /* run-id table: indices into runs, (size_t)-1 free */
    size_t nslots;       /* a power of two */
    struct asha_config early_stop; /* enabled == 0: every run trains on */
};

/* Reads path, applies overrides, expands. A config without a sweep section
 * gives one run. Every run's config is validated here. */
int sweep_load(const char *path, int noverrides, char *const *overrides,
               struct sweep **out, struct err *e);
void sweep_free(struct sweep *s);

/* "model.hidden=256 optimizer.lr=1": the run's swept values, for tables and
 * the run file (mem_free it; NULL on ENOMEM). */
char *sweep_describe(const struct sweep *s, const struct sweep_run *r);

/* The run with this id, or NULL; constant time. */
const struct sweep_run *sweep_find(const struct sweep *s, const char *run_id);

/* Whether run k belongs to shard i of n (k % n == i). */
int sweep_in_shard(size_t k, size_t i, size_t n);

#endif
