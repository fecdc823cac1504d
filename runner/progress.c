/* progress: what a training run shows while it works. On a terminal, a live
 * status line (rewritten in place, at most 10 times a second); otherwise one
 * line per epoch. --quiet shows neither. */
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "train.h"

void progress_init(struct progress *p, const char *run_id, long epochs, int quiet,
                   int live)
{
    p->run_id = run_id;
    p->epochs = epochs;
    p->quiet = quiet;
    p->live = live && !quiet && isatty(STDOUT_FILENO);
    p->last_draw = 0;
    p->started = train_now();
}

static void format_eta(double seconds, char *buf, size_t n)
{
    if (!(seconds >= 0) || seconds > 1e7)
        snprintf(buf, n, "?");
    else if (seconds >= 3600)
        snprintf(buf, n, "%dh%02dm", (int)(seconds / 3600), (int)fmod(seconds / 60, 60));
    else if (seconds >= 60)
        snprintf(buf, n, "%dm%02ds", (int)(seconds / 60), (int)fmod(seconds, 60));
    else
        snprintf(buf, n, "%.0fs", seconds);
}

void progress_batch(void *ctx, const struct train_progress *tp)
{
    struct progress *p = ctx;
    double now = train_now();
    if (!p->live || now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    double done = (double)(tp->epoch - 1) + (double)tp->batch / (double)tp->batches;
    double elapsed = now - p->started;
    char eta[32];
    format_eta(elapsed / done * ((double)tp->epochs - done), eta, sizeof eta);
    printf("\r\033[K%s  epoch %ld/%ld  batch %zu/%zu  %s %.*f  %.0f tok/s  ETA %s",
           p->run_id, tp->epoch, tp->epochs, tp->batch, tp->batches, tp->measure,
           strcmp(tp->measure, "mse") ? 3 : 6, tp->ppl, tp->tokens_per_s, eta);
    fflush(stdout);
}

static void print_value(const char *label, double v, int digits)
{
    if (isnan(v))
        printf("  %s -", label);
    else
        printf("  %s %.*f", label, digits, v);
}

void progress_epoch(struct progress *p, const struct epoch_metrics *m)
{
    if (p->quiet)
        return;
    if (p->live)
        printf("\r\033[K");
    printf("%s  epoch %ld/%ld", p->run_id, m->epoch, p->epochs);
    if (isnan(m->train_ppl) && !isnan(m->train_mse)) { /* regression */
        print_value("train mse", m->train_mse, 6);
        print_value("valid", m->valid_mse, 6);
        for (int q = 1; q < METRICS_KSTEPS; q++) {
            char label[32];
            snprintf(label, sizeof label, "%d-step", metrics_kstep[q]);
            print_value(label, m->kstep_mse[q], 4);
        }
    } else {
        print_value("train ppl", m->train_ppl, 3);
        print_value("valid", m->valid_ppl, 3);
        print_value("test", m->test_ppl, 3);
    }
    printf("  lr %.4g  |g| %.3g  %.0f tok/s  %.2fs\n", m->lr, m->grad_norm,
           m->tokens_per_s, m->seconds);
    fflush(stdout);
}

void progress_clear(struct progress *p)
{
    if (p->live) {
        printf("\r\033[K");
        fflush(stdout);
    }
}
