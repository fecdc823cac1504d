/* runner generate: text from a finished run's saved weights and vocabulary
 * (d2l predict_ch8), with the run's generate settings unless overridden. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "generate.h"
#include "mem.h"
#include "model.h"
#include "results.h"
#include "runfile.h"
#include "runner.h"

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
    if (!o->prefix)
        return runner_usage_error("generate: --prefix is required (the text to "
                                  "continue: --prefix 'the time ')");
    if (o->greedy && (o->temperature > 0 || o->alpha > 0))
        return runner_usage_error("generate: --greedy takes no --temperature or --alpha");
    return 0;
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
    if (results_load_config(path, 0, NULL, &cfg, &e) < 0 ||
        results_read_vocab(path, &v, &e) < 0)
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
