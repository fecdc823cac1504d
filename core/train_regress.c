/* train_regress: see train_regress.h. */
#include "train_regress.h"

#include <math.h>
#include <string.h>

#include "mem.h"
#include "sine.h"

size_t regress_scratch_size(const struct model *m, const struct dataset *d)
{
    /* a window per row, and a row per start of tau + KMAX values */
    return m->Bmax * d->tau + m->Bmax * (d->tau + METRICS_KSTEP_MAX);
}

int regress_create(struct trainer *t, struct err *e)
{
    const struct dataset *d = t->data;
    size_t B = (size_t)t->cfg->sampler.batch_size, tau = d->tau;
    t->order = mem_alloc(d->n_train * sizeof *t->order);
    t->Xr = mem_alloc((B * tau + B) * sizeof *t->Xr);
    t->kstep = mem_alloc(regress_scratch_size(t->model, d) * sizeof *t->kstep);
    if (!t->order || !t->Xr || !t->kstep)
        return err_msg(e, ERR_NOMEM, "out of memory");
    t->Yr = t->Xr + B * tau;
    return 0;
}

void regress_free(struct trainer *t)
{
    mem_free(t->order);
    mem_free(t->Xr);
    mem_free(t->kstep);
}

/* The outputs of one forward over nb windows (nb, tau) from zero state. */
static const real *predict_rows(struct model *m, const real *windows, size_t nb,
                                size_t tau)
{
    model_forward_values(m, NULL, windows, nb, tau, 0);
    return m->logits + (tau - 1) * nb;
}

double regress_mse(struct model *m, const struct dataset *d, size_t first,
                   size_t count, real *scratch)
{
    size_t tau = d->tau;
    real *y = scratch + m->Bmax * tau;
    double total = 0;
    for (size_t i = 0; i < count; i += m->Bmax) {
        size_t nb = count - i < m->Bmax ? count - i : m->Bmax;
        for (size_t b = 0; b < nb; b++)
            sine_example(d, first + i + b, scratch + b * tau, &y[b]);
        predict_rows(m, scratch, nb, tau);
        total += model_loss_mse(m, y, 0) * (double)nb;
    }
    return count ? total / (double)count : NAN;
}

/* Rows [s0, s0 + nb) of the k-step table: row b starts with the observed
 * window at s0 + b, then `rounds` predictions, each from the tau values
 * before it. */
static void extend_rows(struct model *m, const struct dataset *d, size_t s0,
                        size_t nb, size_t rounds, real *windows, real *rows)
{
    size_t tau = d->tau, width = tau + METRICS_KSTEP_MAX;
    for (size_t b = 0; b < nb; b++)
        memcpy(rows + b * width, d->series + s0 + b, tau * sizeof *rows);
    for (size_t i = 0; i < rounds; i++) {
        for (size_t b = 0; b < nb; b++)
            memcpy(windows + b * tau, rows + b * width + i, tau * sizeof *rows);
        const real *out = predict_rows(m, windows, nb, tau);
        for (size_t b = 0; b < nb; b++)
            rows[b * width + tau + i] = out[b];
    }
}

void regress_predict(struct model *m, const struct dataset *d,
                     size_t first_target, real *scratch, double *pred,
                     double mse[METRICS_KSTEPS])
{
    size_t tau = d->tau, n = d->series_n, width = tau + METRICS_KSTEP_MAX;
    real *windows = scratch, *rows = scratch + m->Bmax * tau;
    double sum[METRICS_KSTEPS] = {0};
    size_t count[METRICS_KSTEPS] = {0};
    for (size_t i = 0; pred && i < METRICS_KSTEPS * n; i++)
        pred[i] = NAN;
    if (first_target < tau)
        first_target = tau;
    /* the earliest window any target needs; windows up to the last target */
    size_t reach = tau + METRICS_KSTEP_MAX - 1;
    size_t s = first_target > reach ? first_target - reach : 0;
    for (; s + tau < n; s += m->Bmax) {
        size_t nb = n - tau - s < m->Bmax ? n - tau - s : m->Bmax;
        size_t rounds = n - (s + tau) < METRICS_KSTEP_MAX ? n - (s + tau)
                                                          : METRICS_KSTEP_MAX;
        extend_rows(m, d, s, nb, rounds, windows, rows);
        for (size_t b = 0; b < nb; b++)
            for (size_t q = 0; q < METRICS_KSTEPS; q++) {
                size_t k = (size_t)metrics_kstep[q], j = s + b + tau + k - 1;
                if (j < first_target || j >= n)
                    continue;
                double v = rows[b * width + tau + k - 1];
                double diff = v - (double)d->series[j];
                sum[q] += diff * diff;
                count[q]++;
                if (pred)
                    pred[q * n + j] = v;
            }
    }
    for (size_t q = 0; q < METRICS_KSTEPS; q++)
        mse[q] = count[q] ? sum[q] / (double)count[q] : NAN;
}

/* The step's examples order[first..first + rows) into t->Xr, t->Yr, and the
 * shards' rows cut for this batch. */
static void fill_batch(struct trainer *t, size_t first, size_t rows)
{
    size_t tau = t->data->tau;
    for (size_t b = 0; b < rows; b++)
        sine_example(t->data, t->order[first + b], t->Xr + b * tau, &t->Yr[b]);
    for (size_t k = 0; k <= t->nreplicas; k++)
        t->first_row[k] = k * rows / t->nreplicas;
}

int regress_epoch(struct trainer *t, struct epoch_metrics *m,
                  train_progress_fn progress, void *ctx)
{
    const struct config *cfg = t->cfg;
    const struct dataset *d = t->data;
    size_t B = (size_t)cfg->sampler.batch_size, n = d->n_train, tau = d->tau;
    size_t batches = (n + B - 1) / B, done = 0;
    long e = t->epoch + 1;
    double lr = schedule_lr(&t->sched, e), loss_sum = 0, norm_sum = 0;
    double start = train_now();
    /* a fresh permutation each epoch, as DataLoader(shuffle=True) draws */
    for (size_t i = 0; i < n; i++)
        t->order[i] = (uint32_t)i;
    rng_shuffle_u32(&t->rng, t->order, (uint32_t)n);
    for (size_t k = 0; k < batches; k++) {
        if (t->stop && *t->stop)
            return TRAIN_STOPPED;
        size_t rows = n - done < B ? n - done : B;
        fill_batch(t, done, rows);
        double loss, norm;
        int status = trainer_step(t, lr, &loss, &norm);
        if (status != TRAIN_OK)
            return status;
        loss_sum += loss * (double)rows;
        norm_sum += norm;
        done += rows;
        if (progress) {
            double secs = train_now() - start;
            struct train_progress p = {
                .epoch = e, .epochs = cfg->train.epochs, .batch = k + 1,
                .batches = batches, .ppl = loss_sum / (double)done,
                .measure = "mse",
                .tokens_per_s = (double)(done * tau) / (secs > 0 ? secs : 1e-9),
                .seconds = secs};
            progress(ctx, &p);
        }
    }
    double secs = train_now() - start, mean_loss = loss_sum / (double)n;
    *m = metrics_of_pass(e, (double)(n * tau) / (secs > 0 ? secs : 1e-9), secs, lr,
                         norm_sum / (double)batches);
    t->epoch = e;
    if (!isfinite(mean_loss) || mean_loss > cfg->train.max_mse)
        return trainer_diverged(t, "training MSE", mean_loss, e);
    m->train_mse = regress_mse(t->model, d, 0, n, t->kstep);
    if (e % cfg->train.eval_every == 0 || e == cfg->train.epochs) {
        m->valid_mse = regress_mse(t->model, d, n, sine_examples(d) - n, t->kstep);
        regress_predict(t->model, d, n + tau, t->kstep, NULL, m->kstep_mse);
    }
    if (!isnan(m->valid_mse)) /* plateau watches validation MSE */
        schedule_observe(&t->sched, m->valid_mse);
    return TRAIN_OK;
}
