/* progress: the live status line and per-epoch log of a training run. */
#ifndef RNNLAB_PROGRESS_H
#define RNNLAB_PROGRESS_H

#include "train.h"

struct progress {
    const char *run_id;
    long epochs;
    int quiet, live;
    double last_draw, started;
};

/* live: redraw a status line (only where stdout is a terminal). */
void progress_init(struct progress *p, const char *run_id, long epochs, int quiet,
                   int live);
/* A train_progress_fn: redraws the live line (terminals only). */
void progress_batch(void *ctx, const struct train_progress *tp);
/* One line per finished epoch. */
void progress_epoch(struct progress *p, const struct epoch_metrics *m);
/* Erases the live line before other output. */
void progress_clear(struct progress *p);

#endif
