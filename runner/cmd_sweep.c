/* runner sweep / runner check: expand a config's sweep and run (or list)
 * its runs. A sweep is a worker: every run trains in a child process that
 * first claims it, at most --jobs at once, so any number of workers drain
 * one sweep together (a run another holds is skipped and reported) and a
 * crashed run is recorded as failed while the others go on. Runs already
 * completed, diverged or stopped are skipped; interrupted ones resume from
 * their checkpoint. --shard I/N restricts a worker to the runs with
 * k % N == I (Slurm array tasks need nothing: each is a worker). SIGINT/SIGTERM: the runs in flight stop after their current
 * batch and stay resumable; nothing new starts. The index is rebuilt at the
 * end, under its lock. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "index.h"
#include "mem.h"
#include "results.h"
#include "run.h"
#include "runner.h"
#include "train.h"
#include "sweep.h"
#include "table.h"

struct sweep_args {
    const char *config;
    int noverrides;
    char **overrides;
    size_t shard_i, shard_n; /* n = 0: no sharding */
    long jobs;
    int dry_run;
};

static int parse_count(const char *s, long min, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < min)
        return -1;
    *out = v;
    return 0;
}

static int parse_shard(const char *s, struct sweep_args *a)
{
    long i, n;
    const char *slash = strchr(s, '/');
    char head[32];
    if (!slash || slash - s >= (long)sizeof head)
        return -1;
    memcpy(head, s, (size_t)(slash - s));
    head[slash - s] = '\0';
    if (parse_count(head, 0, &i) < 0 || parse_count(slash + 1, 1, &n) < 0 || i >= n)
        return -1;
    a->shard_i = (size_t)i;
    a->shard_n = (size_t)n;
    return 0;
}

static int parse_args(int argc, char **argv, int sweep_options, struct sweep_args *a)
{
    memset(a, 0, sizeof *a);
    a->jobs = 1;
    a->overrides = mem_calloc((size_t)argc + 1, sizeof *a->overrides);
    if (!a->overrides)
        return runner_usage_error("out of memory");
    const char *verb = sweep_options ? "sweep" : "check";
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        int takes_value = sweep_options && (!strcmp(s, "--shard") || !strcmp(s, "--jobs"));
        if (takes_value && (i + 1 >= argc || argv[i + 1][0] == '-'))
            return runner_usage_error("sweep: %s needs a value (%s)", s,
                                      s[2] == 's' ? "I/N, e.g. --shard 0/4"
                                                  : "a count, e.g. --jobs 2");
        if (sweep_options && strcmp(s, "--shard") == 0) {
            if (parse_shard(argv[++i], a) < 0)
                return runner_usage_error("sweep: --shard needs I/N with 0 <= I < N, "
                                          "got '%s'", argv[i]);
        } else if (sweep_options && strcmp(s, "--jobs") == 0) {
            if (parse_count(argv[++i], 1, &a->jobs) < 0 || a->jobs > 256)
                return runner_usage_error("sweep: --jobs needs a count in [1, 256], "
                                          "got '%s'", argv[i]);
        } else if (sweep_options && strcmp(s, "--dry-run") == 0) {
            a->dry_run = 1;
        } else if (s[0] == '-') {
            return runner_usage_error("%s: unknown option '%s' (see 'runner %s --help')",
                                      verb, s, verb);
        } else if (!a->config && !strchr(s, '=')) {
            a->config = s;
        } else {
            a->overrides[a->noverrides++] = argv[i];
        }
    }
    if (!a->config)
        return runner_usage_error("%s: expected a config file: runner %s CONFIG.yaml "
                                  "[key=value ...] (see 'runner %s --help')", verb,
                                  verb, verb);
    return 0;
}

/* "; early stopping: valid_ppl at epochs 1, 3, 9, the best 1/3 go on" (the
 * first run's rungs; runs with other train.epochs have their own). */
static void print_early_stop(const struct sweep *s)
{
    const struct asha_config *a = &s->early_stop;
    if (!a->enabled)
        return;
    int n = asha_rung_count(a, s->runs[0].cfg.train.epochs);
    printf("; early stopping: %s at epoch%s", asha_metric_name(a->metric),
           n > 1 ? "s" : "");
    long epoch = a->min_epochs;
    for (int k = 0; k < n; k++, epoch *= a->reduction)
        printf("%s %ld", k ? "," : "", epoch);
    printf(", the best 1/%ld go on", a->reduction);
}

/* Prints the expanded runs: index, run_id, existing status, swept values. */
static void print_plan(const struct sweep *s, const struct sweep_args *a)
{
    printf("%5s  %-12s  %-10s %s\n", "index", "run_id", "result", "values");
    for (size_t k = 0; k < s->n; k++) {
        const struct sweep_run *r = &s->runs[k];
        if (!sweep_in_shard(k, a->shard_i, a->shard_n))
            continue;
        char status[16];
        index_run_status(r->cfg.output.dir, r->run_id, status);
        char *d = sweep_describe(s, r);
        printf("%5zu  %-12s  %-10s %s\n", k, r->run_id, status[0] ? status : "-",
               d ? d : "");
        mem_free(d);
    }
}

int cmd_check(int argc, char **argv, const struct options *opt)
{
    (void)opt;
    struct sweep_args a;
    int rc = parse_args(argc, argv, 0, &a);
    if (rc == 0) {
        struct sweep *s;
        struct err e;
        if (sweep_load(a.config, a.noverrides, a.overrides, &s, &e) < 0) {
            rc = runner_report(&e);
        } else {
            printf("%s: %zu run(s), all valid", a.config, s->n);
            print_early_stop(s);
            printf("\n");
            print_plan(s, &a);
            sweep_free(s);
        }
    }
    mem_free(a.overrides);
    return rc;
}

/* ---- running ---------------------------------------------------------- */

/* How a child's exit status tells the parent what became of its run. */
enum child_exit {
    CHILD_DONE = 0,        /* completed, diverged, or finished already */
    CHILD_FAILED = 1,      /* failed; its error came through the pipe */
    CHILD_STOPPED = 3,     /* interrupted by a signal; resumes next time */
    CHILD_ELSEWHERE = 4,   /* claimed by another process: not started */
};

#define MAX_JOBS 256

static volatile sig_atomic_t sweep_stop;
static pid_t children[MAX_JOBS];

static void on_sweep_signal(int sig)
{
    sweep_stop = 1;
    for (size_t i = 0; i < sizeof children / sizeof *children; i++)
        if (children[i] > 0)
            kill(children[i], sig == SIGINT ? SIGINT : SIGTERM);
}

/* The child: one run, then exit with its status. Its error, if any, goes
 * to the parent through report_fd (a pipe). */
static void run_child(struct sweep *s, size_t k, const struct options *opt,
                      pid_t parent, int report_fd)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    run_install_signal_handlers();
    /* a run never outlives its sweep: when the parent dies (kill -9, the OOM
     * killer), the run stops after its batch, as on SIGTERM, and keeps its
     * checkpoint */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
        _exit(CHILD_STOPPED);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sweep_run *r = &s->runs[k];
    /* train.threads: 0 shares the CPUs among the runs trained at once (the
     * thread count changes no number) */
    if (r->cfg.train.threads == 0) {
        size_t cpus = train_usable_cpus(), share = cpus / (size_t)opt->jobs;
        r->cfg.train.threads = (long)(share ? share : 1);
    }
    char *values = sweep_describe(s, r);
    struct run_label label = {.index = (long)k, .values = values ? values : "",
                              .sweep = s};
    struct run_outcome out;
    int status = run_config(&r->cfg, &label, opt, &out);
    int code = status == EXIT_OK ? CHILD_DONE
               : !strcmp(out.status, "running") ? CHILD_STOPPED
               : !strcmp(out.status, "elsewhere") ? CHILD_ELSEWHERE : CHILD_FAILED;
    if (!opt->quiet && code == CHILD_ELSEWHERE)
        printf("%s  claimed by another process: skipped\n", out.run_id);
    else if (!opt->quiet && out.already)
        printf("%s  %s already\n", out.run_id, out.status);
    else if (!opt->quiet)
        printf("%s  %s in %.1f s\n", out.run_id, out.status, out.seconds);
    if (code == CHILD_FAILED && out.error[0] &&
        write(report_fd, out.error, strlen(out.error)) < 0)
        code = CHILD_FAILED; /* the parent then reports the exit alone */
    close(report_fd);
    mem_free(values);
    sweep_free(s);
    exit(code);
}

/* What became of the runs of one worker. */
struct tally {
    size_t failed, stopped, elsewhere;
    struct index_row *unfiled; /* failures that left no file (bad input) */
    size_t nunfiled;
};

/* Reads what the child reported on its pipe (its error line). */
static void read_report(int fd, char *buf, size_t n)
{
    size_t got = 0;
    ssize_t r;
    while (got + 1 < n && (r = read(fd, buf + got, n - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    close(fd);
}

/* A row for the summary of a run that failed without leaving a file. */
static void add_unfiled(struct tally *t, const struct sweep_run *r, const char *why)
{
    struct index_row *rows = mem_realloc(t->unfiled, (t->nunfiled + 1) * sizeof *rows);
    if (!rows)
        return;
    t->unfiled = rows;
    struct index_row *row = &rows[t->nunfiled];
    memset(row, 0, sizeof *row);
    snprintf(row->run_id, sizeof row->run_id, "%s", r->run_id);
    snprintf(row->status, sizeof row->status, "failed");
    row->sweep_index = (long)r->index;
    row->train_ppl = row->valid_ppl = row->test_ppl = row->best_valid_ppl = NAN;
    row->train_mse = row->valid_mse = NAN;
    row->wall_seconds = row->tokens_per_s = NAN;
    row->values = mem_strdup("");
    row->detail = mem_strdup(why);
    if (row->values && row->detail)
        t->nunfiled++;
    else {
        mem_free(row->values);
        mem_free(row->detail);
    }
}

/* Records what a child's exit says about its run. */
static void reap(struct sweep *s, size_t k, int wstatus, int report_fd,
                 struct tally *t)
{
    const struct sweep_run *r = &s->runs[k];
    char report[1100];
    read_report(report_fd, report, sizeof report);
    if (WIFEXITED(wstatus)) {
        switch (WEXITSTATUS(wstatus)) {
        case CHILD_DONE:
            return;
        case CHILD_STOPPED:
            t->stopped++;
            return;
        case CHILD_ELSEWHERE:
            t->elsewhere++;
            return;
        default:
            t->failed++;
            if (index_has_files(r->cfg.output.dir, r->run_id))
                return; /* the run recorded its own failure */
            add_unfiled(t, r, report[0] ? report : "the run's process failed");
            return;
        }
    }
    /* killed: its .part and checkpoint stay, and the next sweep resumes it */
    t->failed++;
    char detail[160];
    snprintf(detail, sizeof detail, "the run's process was killed by signal %d (%s)",
             WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
    fprintf(stderr, "runner: run %s: %s\n", r->run_id, detail);
    struct err e;
    if (results_log_attempt(r->cfg.output.dir, r->run_id, "failed", detail, &e) < 0)
        runner_report(&e);
}

/* Runs pending[0..n) with at most jobs children at once; the tally says
 * what became of them. Returns the number of runs never started. */
static size_t run_all(struct sweep *s, const size_t *pending, size_t n, long jobs,
                      const struct options *opt, struct tally *t)
{
    size_t next = 0, active = 0;
    size_t slot_run[MAX_JOBS];
    int slot_report[MAX_JOBS];
    pid_t self = getpid();
    fflush(NULL);
    while ((next < n && !sweep_stop) || active > 0) {
        while (next < n && !sweep_stop && active < (size_t)jobs) {
            size_t slot = 0;
            while (children[slot] > 0)
                slot++;
            int report[2];
            pid_t pid = pipe(report) < 0 ? -1 : fork();
            if (pid < 0) {
                fprintf(stderr, "runner: cannot start a run: %s\n", strerror(errno));
                sweep_stop = 1;
                break;
            }
            if (pid == 0) {
                close(report[0]);
                run_child(s, pending[next], opt, self, report[1]);
            }
            close(report[1]);
            children[slot] = pid;
            slot_run[slot] = pending[next++];
            slot_report[slot] = report[0];
            active++;
        }
        int wstatus;
        pid_t pid = wait(&wstatus);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (size_t slot = 0; slot < MAX_JOBS; slot++)
            if (children[slot] == pid) {
                children[slot] = 0;
                active--;
                reap(s, slot_run[slot], wstatus, slot_report[slot], t);
            }
    }
    return n - next;
}

/* Rebuilds the index of every results folder the sweep wrote to. */
static int rebuild_indexes(const struct sweep *s)
{
    int rc = 0;
    for (size_t k = 0; k < s->n; k++) {
        const char *dir = s->runs[k].cfg.output.dir;
        int seen = 0;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(s->runs[j].cfg.output.dir, dir) == 0;
        struct err e;
        if (!seen && index_rebuild(dir, NULL, &e) < 0)
            rc = runner_report(&e);
    }
    return rc;
}

/* The summary: this shard's rows of the results folder's table, and the
 * runs that failed without leaving a file. Returns how many of the shard's
 * runs have a result (completed, diverged or stopped). */
static size_t summarize(const struct sweep *s, const struct sweep_args *a,
                        const struct tally *t, int print)
{
    struct index_row *rows;
    size_t n, kept = 0, done = 0;
    struct err e;
    if (index_scan(s->runs[0].cfg.output.dir, &rows, &n, &e) < 0) {
        runner_report(&e);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const struct sweep_run *r = sweep_find(s, rows[i].run_id);
        if (r && sweep_in_shard(r->index, a->shard_i, a->shard_n)) {
            struct index_row tmp = rows[kept];
            rows[kept++] = rows[i];
            rows[i] = tmp;
            done += !strcmp(rows[kept - 1].status, "completed") ||
                    !strcmp(rows[kept - 1].status, "diverged") ||
                    !strcmp(rows[kept - 1].status, "stopped");
        }
    }
    struct index_row *all = mem_alloc((kept + t->nunfiled + 1) * sizeof *all);
    if (print && all) {
        if (kept)
            memcpy(all, rows, kept * sizeof *all);
        if (t->nunfiled)
            memcpy(all + kept, t->unfiled, t->nunfiled * sizeof *all);
        table_print(all, kept + t->nunfiled, 0);
    } else if (print) {
        table_print(rows, kept, 0);
    }
    mem_free(all);
    index_free(rows, n);
    return done;
}

/* Says so when the results folder holds runs of another version (their ids
 * differ: this sweep will train its runs beside them). */
static void warn_foreign(const struct sweep *s)
{
    struct index_row *rows;
    size_t n;
    struct err e;
    if (index_scan(s->runs[0].cfg.output.dir, &rows, &n, &e) < 0)
        return; /* the sweep itself reports an unreadable folder */
    runner_warn_foreign(s->runs[0].cfg.output.dir, rows, n);
    index_free(rows, n);
}

int cmd_sweep(int argc, char **argv, const struct options *opt)
{
    struct sweep_args a;
    struct sweep *s = NULL;
    size_t *pending = NULL;
    int status = parse_args(argc, argv, 1, &a);
    if (status)
        goto done;
    struct err e;
    if (sweep_load(a.config, a.noverrides, a.overrides, &s, &e) < 0) {
        status = runner_report(&e);
        goto done;
    }
    if (a.dry_run) {
        print_plan(s, &a);
        goto done;
    }
    warn_foreign(s);
    pending = mem_alloc((s->n + 1) * sizeof *pending);
    if (!pending) {
        status = runner_usage_error("out of memory");
        goto done;
    }
    size_t n = 0, mine = 0;
    for (size_t k = 0; k < s->n; k++) {
        if (!sweep_in_shard(k, a.shard_i, a.shard_n))
            continue;
        mine++;
        char st[16];
        const char *dir = s->runs[k].cfg.output.dir, *id = s->runs[k].run_id;
        index_run_status(dir, id, st);
        /* a finished run with leftovers is claimed once more to tidy them */
        if ((strcmp(st, "completed") && strcmp(st, "diverged") && strcmp(st, "stopped")) ||
            index_has_leftovers(dir, id))
            pending[n++] = k;
    }
    char shard[128] = "";
    if (a.shard_n)
        snprintf(shard, sizeof shard, ", shard %zu/%zu: %zu run(s)", a.shard_i,
                 a.shard_n, mine);
    printf("sweep %s: %zu run(s)%s, %zu done already, %zu to run, %ld at a time\n",
           s->runs[0].cfg.name, s->n, shard, mine - n, n, a.jobs);
    struct options child_opt = *opt;
    child_opt.plain = a.jobs > 1;
    child_opt.jobs = a.jobs;
    run_on_stop_signals(on_sweep_signal);
    struct tally t = {0};
    run_all(s, pending, n, a.jobs, &child_opt, &t);
    if (rebuild_indexes(s))
        status = EXIT_RUN_FAILED;
    size_t done_runs = summarize(s, &a, &t, !opt->quiet);
    if (sweep_stop || t.stopped) {
        fprintf(stderr, "runner: sweep interrupted: runs in flight stopped after "
                "their last full epoch and will resume; run the same command again\n");
        status = EXIT_RUN_FAILED;
    }
    if (t.failed) {
        fprintf(stderr, "runner: %zu of %zu run(s) failed (see their detail in "
                "'runner ls %s')\n", t.failed, n, s->runs[0].cfg.output.dir);
        status = EXIT_RUN_FAILED;
    }
    if (t.elsewhere)
        fprintf(stderr, "runner: %zu run(s) were being trained by other processes "
                "(not waited for)\n", t.elsewhere);
    printf("sweep %s: %zu of %zu run(s) in this shard completed, diverged or "
           "stopped -> %s\n",
           s->runs[0].cfg.name, done_runs, mine, s->runs[0].cfg.output.dir);
    index_free(t.unfiled, t.nunfiled);
done:
    mem_free(pending);
    mem_free(a.overrides);
    sweep_free(s);
    return status;
}
