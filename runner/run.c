/* run: see run.h. */
#include "run.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "dataset.h"
#include "generate.h"
#include "mem.h"
#include "progress.h"
#include "results.h"
#include "train.h"

volatile int run_stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    run_stop_requested = 1;
}

void run_install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Generates from every prefix, prints the samples and stores them. */
static int sample_all(const struct config *cfg, struct trainer *t,
                      struct results *r, struct rng *g, long epoch,
                      struct progress *p, int *warned, struct err *e)
{
    const struct strlist *prefixes = &cfg->generate.prefixes;
    for (size_t i = 0; i < prefixes->n; i++) {
        char *text;
        size_t unknown;
        int rc = generate_text(t->model, t->data->vocab, t->data->tokens,
                               prefixes->items[i], &cfg->generate, g, &text,
                               &unknown, e);
        if (rc < 0)
            return rc;
        if (unknown && !warned[i])
            fprintf(stderr, "runner: warning: generate.prefixes[%zu] '%s': %zu "
                    "token(s) not in the vocabulary, read as <unk>\n", i,
                    prefixes->items[i], unknown);
        warned[i] = 1;
        if (!p->quiet) {
            progress_clear(p);
            printf("  sample (epoch %ld) %s\n", epoch, text);
        }
        rc = results_add_sample(r, epoch, prefixes->items[i], text, e);
        mem_free(text);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void fill_outcome(struct run_outcome *out, const struct epoch_metrics *last,
                         double valid, double test)
{
    out->train_ppl = last->train_ppl;
    out->valid_ppl = valid;
    out->test_ppl = test;
}

/* The epoch loop: returns the train status, or a negative error. */
static int train_epochs(const struct config *cfg, struct trainer *t,
                        struct results *r, struct progress *p,
                        struct run_outcome *out, struct err *e)
{
    struct rng g;
    rng_seed(&g, (uint64_t)cfg->generate.seed, 3);
    int warned[cfg->generate.prefixes.n + 1];
    memset(warned, 0, sizeof warned);
    struct epoch_metrics m = {.train_ppl = NAN};
    double valid = NAN, test = NAN;
    t->stop = &run_stop_requested;
    for (long epoch = 1; epoch <= cfg->train.epochs; epoch++) {
        int status = trainer_epoch(t, &m, progress_batch, p);
        if (status != TRAIN_OK) {
            progress_clear(p);
            fill_outcome(out, &m, valid, test);
            return status;
        }
        valid = isnan(m.valid_ppl) ? valid : m.valid_ppl;
        test = isnan(m.test_ppl) ? test : m.test_ppl;
        int rc = results_append_epoch(r, &m, e);
        if (rc < 0)
            return rc;
        progress_epoch(p, &m);
        long every = cfg->generate.every;
        if ((every && epoch % every == 0) || (!every && epoch == cfg->train.epochs)) {
            rc = sample_all(cfg, t, r, &g, epoch, p, warned, e);
            if (rc < 0)
                return rc;
        }
    }
    fill_outcome(out, &m, valid, test);
    return TRAIN_OK;
}

int run_config(const struct config *cfg, const struct options *opt,
               struct run_outcome *out)
{
    struct err e;
    struct dataset *d = NULL;
    struct trainer *t = NULL;
    struct results *r = NULL;
    char *text = NULL;
    int exit_status = EXIT_OK;
    memset(out, 0, sizeof *out);
    snprintf(out->status, sizeof out->status, "failed");
    double start = train_now();
    err_clear(&e);
    if (dataset_load(&cfg->dataset, runner_data_dir(), &d, &e) < 0 ||
        trainer_create(cfg, d, &t, &e) < 0)
        goto fail;
    if (!(text = config_emit(cfg))) {
        err_msg(&e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    results_run_id(text, out->run_id);
    if (results_create(cfg->output.dir, out->run_id, text, cfg->seed, d->vocab,
                       t->model->nparams, &r, &e) < 0)
        goto fail;
    snprintf(out->path, sizeof out->path, "%s", results_path(r));
    struct progress p;
    progress_init(&p, out->run_id, cfg->train.epochs, opt->quiet);
    if (!opt->quiet)
        printf("%s  %s: %s %ld x %ld, %s, %zu parameters, vocabulary %zu\n",
               out->run_id, cfg->name, config_cell_name(cfg->model.cell),
               cfg->model.layers, cfg->model.hidden,
               config_dataset_name(cfg->dataset.name), t->model->nparams,
               vocab_size(d->vocab));
    int status = train_epochs(cfg, t, r, &p, out, &e);
    out->seconds = train_now() - start;
    if (status < 0)
        goto fail;
    const char *name = status == TRAIN_DIVERGED ? "diverged"
                       : status == TRAIN_STOPPED ? "running" : "completed";
    snprintf(out->status, sizeof out->status, "%s", name);
    int rc = results_finish(r, name, status == TRAIN_STOPPED ? NULL : t->model,
                            out->seconds,
                            status == TRAIN_DIVERGED ? t->diverged_why : NULL, &e);
    r = NULL;
    if (rc < 0)
        goto fail;
    if (status == TRAIN_STOPPED) {
        snprintf(out->path + strlen(out->path),
                 sizeof out->path - strlen(out->path), ".part");
        exit_status = EXIT_RUN_FAILED;
    }
    if (status == TRAIN_DIVERGED)
        fprintf(stderr, "runner: run %s diverged: %s\n", out->run_id,
                t->diverged_why);
    goto done;
fail:
    exit_status = runner_report(&e);
    if (r) {
        struct err ignored;
        results_finish(r, "failed", NULL, train_now() - start, e.msg, &ignored);
    }
done:
    mem_free(text);
    trainer_free(t);
    dataset_free(d);
    return exit_status;
}
