/* runner train: one run from a config file, or re-created from a results
 * file's stored config (--from RUN.h5), with dotted overrides. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "results.h"
#include "run.h"
#include "runner.h"

static const char usage_train[] =
    "usage: runner train CONFIG.yaml [key=value ...]\n"
    "       runner train --from RESULTS/runs/RUN_ID.h5 [key=value ...]";

static void print_ppl(const char *label, double v)
{
    if (!isnan(v))
        printf("%s %.4g", label, v);
}

int cmd_train(int argc, char **argv, const struct options *opt)
{
    const char *from = NULL;
    if (argc >= 2 && strcmp(argv[0], "--from") == 0) {
        from = argv[1];
        argc -= 2;
        argv += 2;
    } else if (argc < 1 || argv[0][0] == '-' || strchr(argv[0], '=')) {
        return runner_usage_error("%s", usage_train);
    } else {
        argc--;
        argv++;
    }
    const char *config_path = from ? from : argv[-1];
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-')
            return runner_usage_error("train: unknown option '%s'\n%s", argv[i],
                                      usage_train);
    struct config cfg;
    struct err e;
    err_clear(&e);
    int rc = from ? results_load_config(from, argc, argv, &cfg, &e)
                  : config_load(&cfg, config_path, argc, argv, &e);
    if (rc < 0) {
        config_free(&cfg);
        return runner_report(&e);
    }
    run_install_signal_handlers();
    struct run_outcome out;
    int status = run_config(&cfg, NULL, opt, &out);
    if (out.run_id[0] && out.path[0]) {
        printf("run %s %s in %.1f s: ", out.run_id, out.status, out.seconds);
        print_ppl("train ppl", out.train_ppl);
        print_ppl(", valid ppl", out.valid_ppl);
        print_ppl(", test ppl", out.test_ppl);
        printf(" -> %s\n", out.path);
    }
    config_free(&cfg);
    return status;
}
