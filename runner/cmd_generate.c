/* runner generate: text from a finished run's saved weights and vocabulary
 * (d2l predict_ch8), with the run's generate settings unless overridden; for
 * a regression run, its k-step-ahead predictions (d2l 8.1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "dataset.h"
#include "generate.h"
#include "mem.h"
#include "model.h"
#include "results.h"
#include "runfile.h"
#include "runner.h"
#include "train_regress.h"

static int parse_number(const char *opt, const char *s, double min, double max,
                        double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= min && v <= max))
        return runner_usage_error("generate: %s needs a number in [%g, %g], got '%s'",
                                  opt, min, max, s);
    *out = v;
    return 0;
}

struct generate_options {
    const char *prefix;
    double length, temperature, alpha, seed;
    int greedy;
};

static int parse_options(int argc, char **argv, struct generate_options *o)
{
    *o = (struct generate_options){.length = -1, .temperature = -1, .alpha = -1,
                                   .seed = -1};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--greedy") == 0) {
            o->greedy = 1;
            continue;
        }
        if (a[0] != '-')
            return runner_usage_error("generate: unexpected '%s' (options come after "
                                      "RESULTS RUN_ID; see 'runner generate --help')", a);
        if (i + 1 >= argc)
            return runner_usage_error("generate: %s needs a value (see 'runner "
                                      "generate --help')", a);
        const char *v = argv[++i];
        int rc = 0;
        if (strcmp(a, "--prefix") == 0)
            o->prefix = v;
        else if (strcmp(a, "--length") == 0)
            rc = parse_number(a, v, 0, 1e7, &o->length);
        else if (strcmp(a, "--temperature") == 0)
            rc = parse_number(a, v, 1e-6, 1e6, &o->temperature);
        else if (strcmp(a, "--alpha") == 0)
            rc = parse_number(a, v, 1e-6, 1e6, &o->alpha);
        else if (strcmp(a, "--seed") == 0)
            rc = parse_number(a, v, 0, 4294967295.0, &o->seed);
        else
            return runner_usage_error("generate: unknown option '%s' (see 'runner "
                                      "generate --help')", a);
        if (rc)
            return rc;
    }
    if (o->greedy && (o->temperature > 0 || o->alpha > 0))
        return runner_usage_error("generate: --greedy takes no --temperature or --alpha");
    return 0;
}

/* A regression run (d2l 8.1): the k-step-ahead predictions over the whole
 * series, a row per time step, for scripts/plot.py --kstep or any plotter. */
static int predict_series(const char *path, const struct config *cfg,
                          const struct generate_options *o, struct err *e)
{
    if (o->prefix || o->length >= 0 || o->temperature > 0 || o->alpha > 0 ||
        o->seed >= 0 || o->greedy)
        return runner_usage_error("generate: %s is a regression run: it takes no "
                                  "--prefix, --length, --temperature, --alpha, "
                                  "--seed or --greedy (it prints the k-step-ahead "
                                  "predictions of its series)", path);
    struct dataset *d = NULL;
    struct model *m = NULL;
    real *scratch = NULL;
    double *pred = NULL, mse[METRICS_KSTEPS], valid[METRICS_KSTEPS];
    struct model_spec spec = model_spec_from_config(&cfg->model, 1);
    int rc = dataset_load(&cfg->dataset, runner_data_dir(), &d, e);
    if (rc == 0)
        rc = model_create(&spec, 64, d->tau, 0, &m, e);
    if (rc == 0)
        rc = results_load_weights(path, m, e);
    if (rc == 0 && (!(scratch = mem_alloc(regress_scratch_size(m, d) * sizeof *scratch)) ||
                    !(pred = mem_alloc(METRICS_KSTEPS * d->series_n * sizeof *pred))))
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    if (rc == 0) {
        regress_predict(m, d, d->n_train + d->tau, scratch, NULL, valid);
        regress_predict(m, d, d->tau, scratch, pred, mse);
        printf("# k-step-ahead predictions (d2l 8.1): x at t predicted from the "
               "observed values up to t - k and k - 1 predictions\n");
        printf("# mse over t > tau:");
        for (int q = 0; q < METRICS_KSTEPS; q++)
            printf(" k=%d %.6f", metrics_kstep[q], mse[q]);
        printf("\n# mse over validation (t > n_train + tau):");
        for (int q = 0; q < METRICS_KSTEPS; q++)
            printf(" k=%d %.6f", metrics_kstep[q], valid[q]);
        printf("\nt x");
        for (int q = 0; q < METRICS_KSTEPS; q++)
            printf(" pred_%d", metrics_kstep[q]);
        putchar('\n');
        for (size_t i = 0; i < d->series_n; i++) {
            printf("%zu %.6f", i + 1, (double)d->series[i]);
            for (int q = 0; q < METRICS_KSTEPS; q++)
                printf(" %.6f", pred[(size_t)q * d->series_n + i]);
            putchar('\n');
        }
    }
    mem_free(pred);
    mem_free(scratch);
    model_free(m);
    dataset_free(d);
    return rc < 0 ? runner_report(e) : EXIT_OK;
}

int cmd_generate(int argc, char **argv, const struct options *opt)
{
    (void)opt;
    /* RESULTS RUN_ID, or one run file's path */
    int positional = 0;
    while (positional < argc && positional < 2 && argv[positional][0] != '-')
        positional++;
    if (positional == 0)
        return runner_usage_error("generate: expected RESULTS RUN_ID (or a run file) "
                                  "before the options (see 'runner generate --help')");
    char path[1200];
    int rc = positional == 2 ? runfile_find("generate", argv[0], argv[1], path, sizeof path)
                             : runfile_from_path("generate", argv[0], path, sizeof path);
    if (rc)
        return rc;
    struct generate_options o;
    rc = parse_options(argc - positional, argv + positional, &o);
    if (rc)
        return rc;
    struct config cfg;
    struct vocab *v = NULL;
    struct model *m = NULL;
    struct err e;
    char *text = NULL;
    int status = EXIT_OK;
    err_clear(&e);
    if (results_load_config(path, 0, NULL, &cfg, &e) < 0)
        goto fail;
    if (cfg.model.head == HEAD_REGRESSION) {
        status = predict_series(path, &cfg, &o, &e);
        goto done;
    }
    if (!o.prefix) {
        status = runner_usage_error("generate: --prefix is required (the text to "
                                    "continue: --prefix 'the time ')");
        goto done;
    }
    if (results_read_vocab(path, &v, &e) < 0)
        goto fail;
    struct model_spec spec = model_spec_from_config(&cfg.model, vocab_size(v));
    if (model_create(&spec, 1, 1, 0, &m, &e) < 0 ||
        results_load_weights(path, m, &e) < 0)
        goto fail;
    struct generate_config g = cfg.generate;
    if (o.length >= 0)
        g.length = (long)o.length;
    if (o.seed >= 0)
        g.seed = (long)o.seed;
    if (o.temperature > 0 || o.alpha > 0)
        g.strategy = GEN_SAMPLE;
    if (o.temperature > 0)
        g.temperature = o.temperature;
    if (o.alpha > 0)
        g.alpha = o.alpha;
    if (o.greedy)
        g.strategy = GEN_GREEDY;
    struct rng rng;
    rng_seed(&rng, (uint64_t)g.seed, RNG_STREAM_GENERATE);
    size_t unknown;
    if (generate_text(m, v, &cfg.dataset, o.prefix, &g, &rng, &text,
                      &unknown, &e) < 0)
        goto fail;
    if (unknown)
        fprintf(stderr, "runner: warning: %zu prefix token(s) not in the "
                "vocabulary, read as <unk>\n", unknown);
    fflush(stderr);
    printf("%s\n", text);
    goto done;
fail:
    status = runner_report(&e);
done:
    mem_free(text);
    model_free(m);
    vocab_free(v);
    config_free(&cfg);
    return status;
}
