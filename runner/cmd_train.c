/* runner train: one run from a config file, or re-created from a results
 * file's stored config (--from RUN.h5), with dotted overrides. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "results.h"
#include "run.h"
#include "runfile.h"
#include "runner.h"

static void print_ppl(const char *label, double v)
{
    if (!isnan(v))
        printf("%s %.4g", label, v);
}

int cmd_train(int argc, char **argv, const struct options *shared)
{
    struct options local = *shared, *opt = &local;
    const char *from = NULL;
    int kept = 0;
    for (int i = 0; i < argc; i++) { /* --force may stand anywhere */
        if (strcmp(argv[i], "--force") == 0)
            local.force = 1;
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    char run_file[1200];
    if (argc >= 1 && strcmp(argv[0], "--from") == 0) {
        if (argc < 2 || argv[1][0] == '-')
            return runner_usage_error("train: --from needs a run file "
                                      "(RESULTS/runs/RUN_ID.h5, or a unique id prefix)");
        int rc = runfile_from_path("train", argv[1], run_file, sizeof run_file);
        if (rc)
            return rc;
        from = run_file;
        argc -= 2;
        argv += 2;
    } else if (argc < 1 || argv[0][0] == '-' || strchr(argv[0], '=')) {
        return runner_usage_error("train: expected a config file: runner train "
                                  "CONFIG.yaml [key=value ...] (see 'runner train --help')");
    } else {
        argc--;
        argv++;
    }
    const char *config_path = from ? from : argv[-1];
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-')
            return runner_usage_error("train: unknown option '%s' (see 'runner train "
                                      "--help')", argv[i]);
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
    if (!strcmp(out.status, "elsewhere")) {
        fprintf(stderr, "runner: run %s is being trained by another process (its "
                "claim %s/runs/%s.lock is held); not started\n", out.run_id,
                cfg.output.dir, out.run_id);
    } else if (out.already) {
        printf("run %s already %s -> %s (nothing trained; --force trains it "
               "again)\n", out.run_id, out.status, out.path);
    } else if (out.run_id[0] && out.path[0]) {
        printf("run %s %s in %.1f s: ", out.run_id, out.status, out.seconds);
        if (cfg.model.head == HEAD_REGRESSION) {
            print_ppl("train mse", out.train_mse);
            print_ppl(", valid mse", out.valid_mse);
        } else {
            print_ppl("train ppl", out.train_ppl);
            print_ppl(", valid ppl", out.valid_ppl);
            print_ppl(", test ppl", out.test_ppl);
        }
        printf(" -> %s\n", out.path);
    }
    config_free(&cfg);
    return status;
}
