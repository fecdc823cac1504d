/* run: trains one resolved config end to end and records it; shared by
 * `runner train` and `runner sweep`. A run whose interrupted file and
 * checkpoint exist resumes from its last finished epoch. */
#ifndef RNNLAB_RUN_H
#define RNNLAB_RUN_H

#include "config.h"
#include "sweep.h"
#include "runner.h"

struct run_outcome {
    char run_id[13];
    char status[16];       /* completed, diverged, stopped, failed, running
                            * (interrupted), elsewhere (claimed by another
                            * process: not started) */
    double train_ppl, valid_ppl, test_ppl;
    double train_mse, valid_mse; /* regression runs (NaN otherwise) */
    double seconds;
    int already;           /* a finished result was there: nothing trained */
    char path[1300];
    char error[1100];      /* why it failed */
};

/* What a sweep adds to a run file: its index and swept values. */
struct run_label {
    long index;            /* -1: not part of a sweep */
    const char *values;    /* "model.hidden=256 optimizer.lr=1" */
    const struct sweep *sweep; /* its sweep (early stopping), or NULL */
};

/* Claims the run (claim.h), then trains cfg, writes its run file and prints
 * progress per opt. In a sweep with early_stop, a run that loses at a rung
 * (asha.h) ends there with status stopped, its rung's decision recorded.
 * Returns an exit status (0 completed, diverged or stopped, or
 * already finished when not opt->force; 1 failed, interrupted, or claimed
 * by another process; 2 bad input). label may be NULL. */
int run_config(const struct config *cfg, const struct run_label *label,
               const struct options *opt, struct run_outcome *out);

/* Set by SIGINT/SIGTERM: the run stops after the batch in flight. */
extern volatile int run_stop_requested;
void run_install_signal_handlers(void);

/* Installs handler for SIGINT and SIGTERM (what Slurm sends). */
void run_on_stop_signals(void (*handler)(int));

#endif
