/* run: see run.h. */
#include "run.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "asha.h"
#include "claim.h"
#include "dataset.h"
#include "generate.h"
#include "index.h"
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

void run_on_stop_signals(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void run_install_signal_handlers(void)
{
    run_on_stop_signals(on_signal);
}

/* Everything one run holds while it trains. */
struct job {
    const struct config *cfg;
    const struct run_label *label;
    const struct options *opt;
    struct run_outcome *out;
    struct dataset *data;
    struct trainer *t;
    struct results *r;
    struct progress p;
    struct rng gen;        /* samples */
    char *text;            /* the resolved config */
    int *warned;           /* per prefix: <unk> warning printed */
    double start;
    int claim;             /* the run's claim (claim.h), -1 when not held */
    double wall_total;     /* wall seconds over every attempt (checkpointed) */
    double wall_before;    /* of the attempts before this one */
    struct state_block blocks[TRAIN_STATE_BLOCKS + 2]; /* what a checkpoint holds */
    size_t nblocks;
    struct asha_decision decision; /* the last rung's (early stopping) */
};

/* Generates from every prefix, prints the samples and stores them. */
static int sample_all(struct job *j, long epoch, struct err *e)
{
    const struct strlist *prefixes = &j->cfg->generate.prefixes;
    for (size_t i = 0; i < prefixes->n; i++) {
        char *text;
        size_t unknown;
        int rc = generate_text(j->t->model, j->data->vocab, &j->cfg->dataset,
                               prefixes->items[i], &j->cfg->generate, &j->gen,
                               &text, &unknown, e);
        if (rc < 0)
            return rc;
        if (unknown && !j->warned[i])
            fprintf(stderr, "runner: warning: generate.prefixes[%zu] '%s': %zu "
                    "token(s) not in the vocabulary, read as <unk>\n", i,
                    prefixes->items[i], unknown);
        j->warned[i] = 1;
        if (!j->opt->quiet) {
            progress_clear(&j->p);
            printf("%s  sample (epoch %ld) %s\n", j->out->run_id, epoch, text);
        }
        rc = results_add_sample(j->r, epoch, prefixes->items[i], text, e);
        mem_free(text);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Beside enum train_status: the sweep's early stopping ended the run. */
#define RUN_EARLY_STOPPED 10

static int in_sweep(void *ctx, const char *run_id)
{
    return sweep_find(ctx, run_id) != NULL;
}

/* At a rung of the sweep's early stopping: publishes the epoch's metric,
 * takes the decision and records it in the run file. 1: stop here, 0: go
 * on, or a negative error. */
static int judge(struct job *j, const struct epoch_metrics *m,
                 struct asha_decision *d, struct err *e)
{
    const struct sweep *s = j->label ? j->label->sweep : NULL;
    if (!s || !s->early_stop.enabled)
        return 0;
    const struct asha_config *a = &s->early_stop;
    int rung = asha_rung_at(a, j->cfg->train.epochs, m->epoch);
    if (rung < 0)
        return 0;
    double value = a->metric == ASHA_VALID_PPL ? m->valid_ppl
                   : a->metric == ASHA_TRAIN_PPL ? m->train_ppl
                   : a->metric == ASHA_VALID_MSE ? m->valid_mse : m->train_mse;
    int rc = asha_decide(j->cfg->output.dir, j->out->run_id, rung, m->epoch, value,
                         (size_t)a->reduction, in_sweep, (void *)s, d, e);
    if (rc < 0)
        return rc;
    char name[32], line[256];
    snprintf(name, sizeof name, "early_stop_rung%d", rung);
    asha_describe(d, a->metric, line, sizeof line);
    snprintf(line + strlen(line), sizeof line - strlen(line), ": %s",
             d->stop ? "stop" : "continue");
    if (results_set_attr(j->r, name, line, e) < 0)
        return e->code;
    if (!j->opt->quiet) {
        progress_clear(&j->p);
        printf("%s  %s\n", j->out->run_id, line);
    }
    return d->stop;
}

/* The epoch loop from the trainer's next epoch: the train status,
 * RUN_EARLY_STOPPED, or a negative error. */
static int train_epochs(struct job *j, struct err *e)
{
    const struct config *cfg = j->cfg;
    struct trainer *t = j->t;
    struct epoch_metrics m;
    t->stop = &run_stop_requested;
    while (t->epoch < cfg->train.epochs) {
        int status = trainer_epoch(t, &m, progress_batch, &j->p);
        j->out->train_ppl = m.train_ppl;
        j->out->train_mse = m.train_mse;
        if (status != TRAIN_OK) {
            progress_clear(&j->p);
            return status;
        }
        if (!isnan(m.valid_ppl))
            j->out->valid_ppl = m.valid_ppl;
        if (!isnan(m.test_ppl))
            j->out->test_ppl = m.test_ppl;
        if (!isnan(m.valid_mse))
            j->out->valid_mse = m.valid_mse;
        int rc = results_append_epoch(j->r, &m, e);
        if (rc < 0)
            return rc;
        progress_epoch(&j->p, &m);
        int stop = judge(j, &m, &j->decision, e);
        if (stop < 0)
            return stop;
        /* every `every` epochs, and always after the last (an `every` that
         * does not divide train.epochs still gives the final sample; a run
         * stopped early gets one too) */
        long every = cfg->generate.every;
        if ((every && m.epoch % every == 0) || m.epoch == cfg->train.epochs || stop) {
            rc = sample_all(j, m.epoch, e);
            if (rc < 0)
                return rc;
        }
        if (stop) /* finished as stopped: a checkpoint would only be removed */
            return RUN_EARLY_STOPPED;
        /* after the samples: a resumed run draws them from the same state */
        j->wall_total = j->wall_before + train_now() - j->start;
        rc = results_checkpoint(j->r, t->epoch, j->blocks, j->nblocks, e);
        if (rc < 0)
            return rc;
    }
    return TRAIN_OK;
}

static int label_results(struct job *j, struct err *e)
{
    if (!j->label || j->label->index < 0)
        return 0;
    char index[32];
    snprintf(index, sizeof index, "%ld", j->label->index);
    if (results_set_attr(j->r, "sweep_index", index, e) < 0 ||
        results_set_attr(j->r, "sweep_values", j->label->values, e) < 0 ||
        (j->label->sweep &&
         results_set_attr(j->r, "sweep_axes", j->label->sweep->axes, e) < 0))
        return e->code;
    return 0;
}

/* Opens the run file: resumes an interrupted one, or creates it. */
static int open_results(struct job *j, struct err *e)
{
    const struct config *cfg = j->cfg;
    char note[1600];
    long epoch;
    j->nblocks = trainer_state_blocks(j->t, j->blocks);
    struct state_block *gen = &j->blocks[j->nblocks++];
    snprintf(gen->name, sizeof gen->name, "rng_generate");
    gen->data = &j->gen;
    gen->bytes = sizeof j->gen;
    struct state_block *wall = &j->blocks[j->nblocks++];
    snprintf(wall->name, sizeof wall->name, "wall_seconds");
    wall->data = &j->wall_total;
    wall->bytes = sizeof j->wall_total;
    int rc = results_resume(cfg->output.dir, j->out->run_id, j->blocks,
                            j->nblocks, &j->r, &epoch, note, sizeof note, e);
    if (note[0])
        fprintf(stderr, "runner: warning: %s\n", note);
    if (rc < 0)
        return rc;
    j->wall_before = j->wall_total; /* restored with the checkpoint, or 0 */
    if (rc == 1) {
        if (!j->opt->quiet)
            printf("%s  resuming after epoch %ld of %ld\n", j->out->run_id,
                   j->t->epoch, cfg->train.epochs);
    } else {
        rc = results_create(cfg->output.dir, j->out->run_id, j->text, cfg->seed,
                            j->data->vocab, j->t->model->nparams, &j->r, e);
        if (rc < 0)
            return rc;
    }
    char point[13];
    if (config_point_id(cfg, point) < 0)
        return err_msg(e, ERR_NOMEM, "out of memory");
    if (results_set_attr(j->r, "point_id", point, e) < 0)
        return e->code;
    return label_results(j, e);
}

/* Records a run that failed. Before its claim (bad input: the data, the
 * model's size) nothing is written: the error is on stderr and in out. After
 * it, the run file is closed as it stands (its epochs and checkpoint stay
 * resumable) and the failure goes to the run's attempts log; a result
 * already there is never touched. */
static void record_failure(struct job *j, const struct err *e)
{
    struct err ignored;
    err_format(e, j->out->error, sizeof j->out->error);
    if (j->r)
        results_finish(j->r, "running", NULL, 0, NULL, &ignored);
    j->r = NULL;
    if (j->claim >= 0 &&
        results_log_attempt(j->cfg->output.dir, j->out->run_id, "failed",
                            j->out->error, &ignored) < 0)
        runner_report(&ignored);
    snprintf(j->out->status, sizeof j->out->status, "failed");
}

/* Takes the run's claim and re-reads its status under it. Returns 1 to
 * train, 0 when there is nothing to do (out->status says why: "elsewhere",
 * or the finished status), or an error. */
static int claim_run(struct job *j, struct err *e)
{
    const char *dir = j->cfg->output.dir, *id = j->out->run_id;
    int rc = claim_take(dir, id, &j->claim, e);
    if (rc <= 0) {
        if (rc == 0)
            snprintf(j->out->status, sizeof j->out->status, "elsewhere");
        return rc;
    }
    char status[16];
    index_run_status(dir, id, status);
    if (!j->opt->force && (!strcmp(status, "completed") || !strcmp(status, "diverged") ||
                           !strcmp(status, "stopped"))) {
        results_tidy(dir, id);
        snprintf(j->out->status, sizeof j->out->status, "%s", status);
        j->out->already = 1;
        snprintf(j->out->path, sizeof j->out->path, "%.1000s/runs/%s.h5", dir, id);
        return 0;
    }
    /* first, so that a kill at any later point leaves a trace */
    rc = results_log_attempt(dir, id, "started", "", e);
    return rc < 0 ? rc : 1;
}

static const char *status_name(int status)
{
    return status == TRAIN_DIVERGED ? "diverged"
           : status == TRAIN_STOPPED ? "running"
           : status == RUN_EARLY_STOPPED ? "stopped" : "completed";
}

/* The detail a finished run file records: why it diverged, or the early
 * stopping decision that ended it. */
static const char *finish_detail(struct job *j, int status, char *buf, size_t n)
{
    if (status == TRAIN_DIVERGED)
        return j->t->diverged_why;
    if (status != RUN_EARLY_STOPPED)
        return NULL;
    asha_describe(&j->decision, j->label->sweep->early_stop.metric, buf, n);
    return buf;
}

/* The run's first line: what it trains, on what, and its sweep values. */
static void print_start(const struct job *j)
{
    const struct config *cfg = j->cfg;
    char data[96];
    if (j->data->vocab)
        snprintf(data, sizeof data, "vocabulary %zu", vocab_size(j->data->vocab));
    else
        snprintf(data, sizeof data, "regression, tau %zu, %zu training examples",
                 j->data->tau, j->data->n_train);
    printf("%s  %s: %s %ld x %ld, %s, %zu parameters, %s%s%s\n", j->out->run_id,
           cfg->name, config_cell_name(cfg->model.cell), cfg->model.layers,
           cfg->model.hidden, config_dataset_name(cfg->dataset.name),
           j->t->model->nparams, data, j->label && j->label->values[0] ? ", " : "",
           j->label ? j->label->values : "");
}

int run_config(const struct config *cfg, const struct run_label *label,
               const struct options *opt, struct run_outcome *out)
{
    struct job j = {.cfg = cfg, .label = label, .opt = opt, .out = out,
                    .start = train_now(), .claim = -1};
    struct err e;
    int exit_status = EXIT_OK, status = TRAIN_OK;
    memset(out, 0, sizeof *out);
    out->train_ppl = out->valid_ppl = out->test_ppl = NAN;
    out->train_mse = out->valid_mse = NAN;
    snprintf(out->status, sizeof out->status, "failed");
    err_clear(&e);
    j.warned = mem_calloc(cfg->generate.prefixes.n + 1, sizeof *j.warned);
    if (!j.warned || !(j.text = config_emit(cfg))) {
        err_msg(&e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (config_run_id(cfg, out->run_id) < 0) {
        err_msg(&e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    rng_seed(&j.gen, (uint64_t)cfg->generate.seed, RNG_STREAM_GENERATE);
    if (dataset_load(&cfg->dataset, runner_data_dir(), &j.data, &e) < 0 ||
        trainer_create(cfg, j.data, &j.t, &e) < 0)
        goto fail;
    int claimed = claim_run(&j, &e);
    if (claimed < 0)
        goto fail;
    if (claimed == 0) {
        exit_status = strcmp(out->status, "elsewhere") ? EXIT_OK : EXIT_RUN_FAILED;
        goto done;
    }
    if (open_results(&j, &e) < 0)
        goto fail;
    snprintf(out->path, sizeof out->path, "%s", results_path(j.r));
    progress_init(&j.p, out->run_id, cfg->train.epochs, opt->quiet, !opt->plain);
    if (!opt->quiet)
        print_start(&j);
    status = train_epochs(&j, &e);
    out->seconds = j.wall_before + train_now() - j.start;
    if (status < 0)
        goto fail;
    snprintf(out->status, sizeof out->status, "%s", status_name(status));
    if (results_log_attempt(cfg->output.dir, out->run_id,
                            status == TRAIN_STOPPED ? "interrupted" : out->status,
                            "", &e) < 0)
        runner_report(&e); /* the result itself is not at stake */
    char detail[256];
    int rc = results_finish(j.r, out->status,
                            status == TRAIN_STOPPED ? NULL : j.t->model, out->seconds,
                            finish_detail(&j, status, detail, sizeof detail), &e);
    j.r = NULL;
    if (rc < 0)
        goto fail;
    if (status == TRAIN_STOPPED) {
        snprintf(out->path + strlen(out->path), sizeof out->path - strlen(out->path),
                 ".part");
        exit_status = EXIT_RUN_FAILED;
    }
    if (status == TRAIN_DIVERGED)
        fprintf(stderr, "runner: run %s diverged: %s\n", out->run_id,
                j.t->diverged_why);
    goto done;
fail:
    out->seconds = j.wall_before + train_now() - j.start;
    if (out->path[0] && access(out->path, F_OK) != 0) /* what is left: the .part */
        snprintf(out->path + strlen(out->path), sizeof out->path - strlen(out->path),
                 ".part");
    exit_status = runner_report(&e);
    record_failure(&j, &e);
done:
    claim_release(j.claim);
    mem_free(j.text);
    mem_free(j.warned);
    trainer_free(j.t);
    dataset_free(j.data);
    return exit_status;
}
