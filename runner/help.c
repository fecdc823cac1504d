/* help: every verb's usage and a line per option, for `runner VERB --help`
 * (stdout, exit 0). Usage errors are one line and point here. */
#include "help.h"

#include <stdio.h>
#include <string.h>

struct verb_help {
    const char *verb;
    const char *usage;   /* the usage lines */
    const char *what;    /* one line: what the verb does */
    const char *options; /* a line per option */
};

static const struct verb_help helps[] = {
    {"train",
     "usage: runner train CONFIG.yaml [key=value ...] [--force] [--quiet]\n"
     "       runner train --from RUN [key=value ...] [--force] [--quiet]\n",
     "Trains one run of a config and writes RESULTS/runs/RUN_ID.h5 (a config with a\n"
     "sweep: section is for `runner sweep`). A run that already has a result is not\n"
     "trained again; an interrupted one resumes from its checkpoint.\n",
     "  key=value       set a config key (dotted path, YAML value): model.hidden=512\n"
     "  --from RUN      the config stored in a finished run: RESULTS/runs/ID.h5, or\n"
     "                  RESULTS/runs/ID with a unique prefix of the id\n"
     "  --force         train again a run that already has a result\n"
     "  --quiet         print only errors and the result line\n"
     "  -h, --help      this help\n"},
    {"sweep",
     "usage: runner sweep CONFIG.yaml [key=value ...] [--jobs J] [--shard I/N]\n"
     "                    [--dry-run] [--quiet]\n",
     "A worker: claims each run of the config's sweep that nobody holds, trains it,\n"
     "and takes the next; runs with a result (completed, diverged, stopped) are\n"
     "skipped. Any number of workers (Slurm array tasks, other nodes) drain one\n"
     "sweep together. With sweep.early_stop, a run that falls behind the sweep's\n"
     "others at a rung epoch ends there as stopped (configs/README.md).\n",
     "  key=value       set a config key for every run (a key the sweep varies is an\n"
     "                  error: override sweep.grid.KEY=[...] or\n"
     "                  sweep.sample.space.KEY={...} instead)\n"
     "  --jobs J        train J runs at once (1-256; default 1)\n"
     "  --shard I/N     only the runs with index k % N == I\n"
     "  --dry-run       list the runs and their stored results; train nothing\n"
     "  --quiet         print only errors and the result line\n"
     "  -h, --help      this help\n"},
    {"check",
     "usage: runner check CONFIG.yaml [key=value ...]\n",
     "Validates a config and lists the runs its sweep expands to (index, run id,\n"
     "stored result, swept values); trains nothing.\n",
     "  key=value       set a config key, as for train and sweep\n"
     "  -h, --help      this help\n"},
    {"data",
     "usage: runner data CONFIG.yaml [key=value ...]\n",
     "Dataset statistics of a config: corpus length, vocabulary size, the splits,\n"
     "and the most frequent unigrams, bigrams and trigrams (d2l 8.3); for the\n"
     "sine series, its examples and noise variance (the MSE floor).\n",
     "  key=value       set a config key: dataset.name=ptb\n"
     "  -h, --help      this help\n"},
    {"index",
     "usage: runner index RESULTS\n",
     "Rebuilds RESULTS/index.h5 from the run files in RESULTS/runs: external links\n"
     "to every run and a /summary table (every sweep does this at its end).\n",
     "  RESULTS         a results folder (output.dir: the folder holding runs/)\n"
     "  -h, --help      this help\n"},
    {"ls",
     "usage: runner ls RESULTS [--group] [--sort COLUMN] [--csv]\n",
     "The table of a results folder's runs: id, status, epochs, perplexities, the\n"
     "best validation epoch, time, speed and swept values. With --group, one row\n"
     "per sweep point (the runs that differ only in their seed): how many runs,\n"
     "and mean \u00b1 standard deviation [min, max] of the completed runs' final\n"
     "train, valid and test and best valid perplexities. A regression run shows\n"
     "its training and validation mean squared errors as train and valid.\n",
     "  RESULTS         a results folder (output.dir: the folder holding runs/)\n"
     "  --group         one row per sweep point over its seeds\n"
     "  --sort COLUMN   order by a column (index, run_id, status, epochs, train_ppl,\n"
     "                  valid_ppl, test_ppl, best_valid_ppl, best_valid_epoch,\n"
     "                  wall_seconds, tokens_per_s, values, detail, train_mse,\n"
     "                  valid_mse; with --group:\n"
     "                  index, point_id, runs, completed, train_ppl, valid_ppl,\n"
     "                  test_ppl, best_valid_ppl, train_mse, valid_mse (by mean),\n"
     "                  values)\n"
     "  --csv           comma-separated, with a header line\n"
     "  -h, --help      this help\n"},
    {"generate",
     "usage: runner generate RESULTS RUN_ID --prefix TEXT [--length N]\n"
     "                       [--temperature T] [--alpha A] [--seed S] [--greedy]\n"
     "       runner generate RESULTS/runs/RUN_ID.h5 --prefix TEXT [...]\n"
     "       runner generate RESULTS RUN_ID          (a regression run)\n",
     "Text from a finished run's weights and vocabulary, with the run's generate\n"
     "settings unless an option says otherwise. RUN_ID may be a unique prefix.\n"
     "A regression run (d2l 8.1) takes no options: it prints its k-step-ahead\n"
     "predictions, a row per time step: t x pred_1 pred_4 pred_16 pred_64.\n",
     "  --prefix TEXT   the text to continue (required for a language model)\n"
     "  --length N      tokens to generate (default: the run's generate.length)\n"
     "  --temperature T sample from p ~ exp(logit / T)\n"
     "  --alpha A       sample from p^A / sum p^A\n"
     "  --seed S        the sampling generator's seed\n"
     "  --greedy        take the most likely token (no sampling)\n"
     "  -h, --help      this help\n"},
};

static const struct verb_help *find(const char *verb)
{
    for (size_t i = 0; i < sizeof helps / sizeof *helps; i++)
        if (strcmp(helps[i].verb, verb) == 0)
            return &helps[i];
    return NULL;
}

int help_print(const char *verb)
{
    const struct verb_help *h = find(verb);
    if (!h)
        return -1;
    printf("%s\n%s\noptions:\n%s", h->usage, h->what, h->options);
    printf("\nThe config keys and their defaults: configs/README.md.\n");
    return 0;
}

int help_wanted(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}
