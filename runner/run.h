/* run: trains one resolved config end to end and records it (shared by
 * `runner train` and, later, `runner sweep`). */
#ifndef RNNLAB_RUN_H
#define RNNLAB_RUN_H

#include "config.h"
#include "runner.h"

struct run_outcome {
    char run_id[13];
    char status[16];       /* completed, diverged, failed, running */
    double train_ppl, valid_ppl, test_ppl;
    double seconds;
    char path[1200];
};

/* Trains cfg, writes its run file, prints progress per opt; returns an exit
 * status (0 completed or diverged, 1 failed or interrupted, 2 bad input). */
int run_config(const struct config *cfg, const struct options *opt,
               struct run_outcome *out);

/* Set by SIGINT/SIGTERM: the run stops after the batch in flight. */
extern volatile int run_stop_requested;
void run_install_signal_handlers(void);

#endif
