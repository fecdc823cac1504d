/* runner sweep / runner check: expand a config's sweep and run (or list)
 * its runs. Every run trains in a child process, at most --jobs at once, so
 * a crashed run is recorded as failed and the others go on. Runs already
 * completed or diverged are skipped; interrupted ones resume from their
 * checkpoint. --shard I/N (or Slurm's array variables) picks the runs with
 * k % N == I. SIGINT/SIGTERM: the runs in flight stop after their current
 * batch and stay resumable; nothing new starts. The index is rebuilt at the
 * end, under its lock. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "index.h"
#include "mem.h"
#include "results.h"
#include "run.h"
#include "runner.h"
#include "sweep.h"
#include "table.h"

static const char usage_sweep[] =
    "usage: runner sweep CONFIG.yaml [key=value ...] [--shard I/N] [--jobs J] "
    "[--dry-run]";

struct sweep_args {
    const char *config;
    int noverrides;
    char **overrides;
    size_t shard_i, shard_n; /* n = 0: no sharding */
    char shard_from[64];     /* where the shard came from, for the log */
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

/* SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or _MIN/_MAX. */
static int shard_from_slurm(struct sweep_args *a)
{
    const char *id = getenv("SLURM_ARRAY_TASK_ID");
    if (!id || !*id)
        return 0;
    const char *count = getenv("SLURM_ARRAY_TASK_COUNT");
    const char *min = getenv("SLURM_ARRAY_TASK_MIN"), *max = getenv("SLURM_ARRAY_TASK_MAX");
    long task, lo = 0, hi, n;
    if (parse_count(id, 0, &task) < 0 || (min && *min && parse_count(min, 0, &lo) < 0))
        return runner_usage_error("SLURM_ARRAY_TASK_ID/MIN are not numbers");
    if (count && *count) {
        if (parse_count(count, 1, &n) < 0)
            return runner_usage_error("SLURM_ARRAY_TASK_COUNT is not a number");
    } else if (max && *max && parse_count(max, 0, &hi) == 0 && hi >= lo) {
        n = hi - lo + 1;
    } else {
        return runner_usage_error("SLURM_ARRAY_TASK_ID is set without "
                                  "SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MIN/MAX");
    }
    if (task < lo || task - lo >= n)
        return runner_usage_error("SLURM_ARRAY_TASK_ID %ld is outside the array", task);
    a->shard_i = (size_t)(task - lo);
    a->shard_n = (size_t)n;
    snprintf(a->shard_from, sizeof a->shard_from, " (from SLURM_ARRAY_TASK_ID)");
    return 0;
}

static int parse_args(int argc, char **argv, int sweep_options, struct sweep_args *a)
{
    memset(a, 0, sizeof *a);
    a->jobs = 1;
    a->overrides = mem_calloc((size_t)argc + 1, sizeof *a->overrides);
    if (!a->overrides)
        return runner_usage_error("out of memory");
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (sweep_options && strcmp(s, "--shard") == 0 && i + 1 < argc) {
            if (parse_shard(argv[++i], a) < 0)
                return runner_usage_error("sweep: --shard needs I/N with 0 <= I < N, "
                                          "got '%s'", argv[i]);
        } else if (sweep_options && strcmp(s, "--jobs") == 0 && i + 1 < argc) {
            if (parse_count(argv[++i], 1, &a->jobs) < 0 || a->jobs > 256)
                return runner_usage_error("sweep: --jobs needs a count in [1, 256], "
                                          "got '%s'", argv[i]);
        } else if (sweep_options && strcmp(s, "--dry-run") == 0) {
            a->dry_run = 1;
        } else if (s[0] == '-') {
            return runner_usage_error("unknown option '%s'\n%s", s, usage_sweep);
        } else if (!a->config && !strchr(s, '=')) {
            a->config = s;
        } else {
            a->overrides[a->noverrides++] = argv[i];
        }
    }
    if (!a->config)
        return runner_usage_error("%s", usage_sweep);
    if (!a->shard_n)
        return shard_from_slurm(a);
    return 0;
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
            printf("%s: %zu run(s), all valid\n", a.config, s->n);
            print_plan(s, &a);
            sweep_free(s);
        }
    }
    mem_free(a.overrides);
    return rc;
}

/* ---- running ---------------------------------------------------------- */

static volatile sig_atomic_t sweep_stop;
static pid_t children[256];

static void on_sweep_signal(int sig)
{
    sweep_stop = 1;
    for (size_t i = 0; i < sizeof children / sizeof *children; i++)
        if (children[i] > 0)
            kill(children[i], sig == SIGINT ? SIGINT : SIGTERM);
}

/* The child: one run, then exit with its status. */
static void run_child(struct sweep *s, size_t k, const struct options *opt)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    run_install_signal_handlers();
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sweep_run *r = &s->runs[k];
    char *values = sweep_describe(s, r);
    struct run_label label = {.index = (long)k, .values = values ? values : ""};
    struct run_outcome out;
    int status = run_config(&r->cfg, &label, opt, &out);
    if (!opt->quiet)
        printf("%s  %s in %.1f s\n", out.run_id, out.status, out.seconds);
    mem_free(values);
    sweep_free(s);
    exit(status == EXIT_OK ? 0 : strcmp(out.status, "running") == 0 ? 3 : 1);
}

/* Records what a child's exit says about its run; returns 1 if it failed. */
static int reap(struct sweep *s, size_t k, int wstatus)
{
    const struct sweep_run *r = &s->runs[k];
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
        return 0;
    if (WIFEXITED(wstatus))
        return 1; /* the run recorded its own failure or interruption */
    char detail[128];
    snprintf(detail, sizeof detail, "the run's process was killed by signal %d (%s)",
             WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
    fprintf(stderr, "runner: run %s: %s\n", r->run_id, detail);
    struct err e;
    if (results_mark_failed(r->cfg.output.dir, r->run_id, r->config_text,
                            r->cfg.seed, detail, &e) < 0)
        runner_report(&e);
    return 1;
}

/* Runs pending[0..n) with at most jobs children at once; returns the number
 * of runs that did not complete. */
static size_t run_all(struct sweep *s, const size_t *pending, size_t n, long jobs,
                      const struct options *opt)
{
    size_t next = 0, active = 0, failed = 0;
    size_t slot_run[256];
    fflush(NULL);
    while ((next < n && !sweep_stop) || active > 0) {
        while (next < n && !sweep_stop && active < (size_t)jobs) {
            size_t slot = 0;
            while (children[slot] > 0)
                slot++;
            pid_t pid = fork();
            if (pid < 0) {
                fprintf(stderr, "runner: cannot start a run: %s\n", strerror(errno));
                sweep_stop = 1;
                break;
            }
            if (pid == 0)
                run_child(s, pending[next], opt);
            children[slot] = pid;
            slot_run[slot] = pending[next++];
            active++;
        }
        int wstatus;
        pid_t pid = wait(&wstatus);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (size_t slot = 0; slot < 256; slot++)
            if (children[slot] == pid) {
                children[slot] = 0;
                active--;
                failed += (size_t)reap(s, slot_run[slot], wstatus);
            }
    }
    return failed + (n - next);
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

/* The summary: this shard's rows of the results folder's table. */
static void print_summary(const struct sweep *s, const struct sweep_args *a)
{
    struct index_row *rows;
    size_t n, kept = 0;
    struct err e;
    if (index_scan(s->runs[0].cfg.output.dir, &rows, &n, &e) < 0) {
        runner_report(&e);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        int mine = 0;
        for (size_t k = 0; k < s->n && !mine; k++)
            mine = sweep_in_shard(k, a->shard_i, a->shard_n) &&
                   strcmp(s->runs[k].run_id, rows[i].run_id) == 0;
        if (mine) {
            struct index_row t = rows[kept];
            rows[kept++] = rows[i];
            rows[i] = t;
        }
    }
    table_print(rows, kept, 0);
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
        index_run_status(s->runs[k].cfg.output.dir, s->runs[k].run_id, st);
        if (strcmp(st, "completed") && strcmp(st, "diverged"))
            pending[n++] = k;
    }
    char shard[128] = "";
    if (a.shard_n)
        snprintf(shard, sizeof shard, ", shard %zu/%zu%s: %zu run(s)", a.shard_i,
                 a.shard_n, a.shard_from, mine);
    printf("sweep %s: %zu run(s)%s, %zu done already, %zu to run, %ld at a time\n",
           s->runs[0].cfg.name, s->n, shard, mine - n, n, a.jobs);
    struct options child_opt = *opt;
    child_opt.plain = a.jobs > 1;
    run_on_stop_signals(on_sweep_signal);
    size_t failed = run_all(s, pending, n, a.jobs, &child_opt);
    if (rebuild_indexes(s))
        status = EXIT_RUN_FAILED;
    if (!opt->quiet)
        print_summary(s, &a);
    if (sweep_stop) {
        fprintf(stderr, "runner: sweep interrupted: runs in flight stopped after "
                "their last full epoch and will resume; run the same command again\n");
        status = EXIT_RUN_FAILED;
    } else if (failed) {
        fprintf(stderr, "runner: %zu of %zu run(s) failed (see their detail in "
                "'runner ls %s')\n", failed, n, s->runs[0].cfg.output.dir);
        status = EXIT_RUN_FAILED;
    }
    printf("sweep %s: %zu of %zu run(s) in this shard completed or diverged -> %s\n",
           s->runs[0].cfg.name, mine - failed,
           mine, s->runs[0].cfg.output.dir);
done:
    mem_free(pending);
    mem_free(a.overrides);
    sweep_free(s);
    return status;
}
