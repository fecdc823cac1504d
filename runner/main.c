/* runner: entry point; parses the verb and the options every verb shares. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5.h"
#include "help.h"
#include "runner.h"
#include "version.h"


static const char usage[] =
    "usage: runner VERB [options]\n"
    "  runner train CONFIG.yaml [key=value ...]  train one run\n"
    "  runner train --from RESULTS/runs/ID.h5 [key=value ...]\n"
    "  runner generate RESULTS RUN_ID --prefix TEXT [--length N]\n"
    "                  [--temperature T] [--alpha A] [--seed S] [--greedy]\n"
    "  runner sweep CONFIG.yaml [key=value ...] [--shard I/N] [--jobs J] [--dry-run]\n"
    "  runner check CONFIG.yaml [key=value ...]  validate; list the runs\n"
    "  runner index RESULTS                      rebuild RESULTS/index.h5\n"
    "  runner ls RESULTS [--sort COLUMN] [--csv] table of runs\n"
    "  runner data CONFIG.yaml [key=value ...]   dataset statistics\n"
    "options: --quiet (only errors and the result), --help, --version\n"
    "`runner VERB --help` explains a verb's options; configs/README.md lists\n"
    "every config key and its default.\n";

/* Removes the shared options from argv, keeping the verb's own in order. */
static int take_shared_options(int *argc, char **argv, struct options *opt)
{
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0)
            opt->quiet = 1;
        else
            argv[n++] = argv[i];
    }
    *argc = n;
    return 0;
}

int main(int argc, char **argv)
{
    struct options opt = {0};
    /* past RLIMIT_FSIZE a write fails with EFBIG, which we report and
     * survive, instead of the signal killing the process mid-write */
    signal(SIGXFSZ, SIG_IGN);
    h5_setup();
    if (argc < 2)
        return fputs(usage, stderr), EXIT_BAD_INPUT;
    const char *verb = argv[1];
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)
        return fputs(usage, stdout), EXIT_OK;
    if (strcmp(verb, "--version") == 0)
        return puts("runner " RNNLAB_VERSION), EXIT_OK;
    argc -= 2;
    argv += 2;
    if (help_wanted(argc, argv)) {
        if (help_print(verb) == 0)
            return EXIT_OK;
        return runner_usage_error("unknown verb '%s' (try 'runner --help')", verb);
    }
    take_shared_options(&argc, argv, &opt);
    if (strcmp(verb, "data") == 0)
        return cmd_data(argc, argv, &opt);
    if (strcmp(verb, "train") == 0)
        return cmd_train(argc, argv, &opt);
    if (strcmp(verb, "generate") == 0)
        return cmd_generate(argc, argv, &opt);
    if (strcmp(verb, "sweep") == 0)
        return cmd_sweep(argc, argv, &opt);
    if (strcmp(verb, "check") == 0)
        return cmd_check(argc, argv, &opt);
    if (strcmp(verb, "index") == 0)
        return cmd_index(argc, argv, &opt);
    if (strcmp(verb, "ls") == 0)
        return cmd_ls(argc, argv, &opt);
    return runner_usage_error("unknown verb '%s' (try 'runner --help')", verb);
}
