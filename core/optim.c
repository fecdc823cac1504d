/* optim: see optim.h. */
#include "optim.h"

#include <math.h>
#include <string.h>

#include "mem.h"

int optim_create(const struct optimizer_config *cfg, size_t n,
                 struct optim **out, struct err *e)
{
    *out = NULL;
    struct optim *o = mem_calloc(1, sizeof *o);
    if (!o)
        return err_msg(e, ERR_NOMEM, "out of memory");
    o->cfg = *cfg;
    o->n = n;
    int need_buf = (cfg->kind == OPTIM_SGD && cfg->momentum > 0) ||
                   (cfg->kind == OPTIM_RMSPROP && cfg->momentum > 0) ||
                   cfg->kind == OPTIM_ADAM || cfg->kind == OPTIM_ADAMW;
    int need_sq = cfg->kind != OPTIM_SGD;
    if ((need_buf && !(o->buf = mem_calloc(n, sizeof *o->buf))) ||
        (need_sq && !(o->sq = mem_calloc(n, sizeof *o->sq)))) {
        optim_free(o);
        return err_msg(e, ERR_NOMEM, "out of memory for optimizer state");
    }
    *out = o;
    return 0;
}

void optim_free(struct optim *o)
{
    if (!o)
        return;
    mem_free(o->buf);
    mem_free(o->sq);
    mem_free(o);
}

/* SGD without momentum, apart and with restrict pointers: the one loop
 * that tested for momentum at every element stayed scalar (vmulss), 1.4%
 * of (b) LSTM's one-thread step and 6% of its two-thread one. The same
 * operations in the same order, so the same bits. */
RNNLAB_KERNEL
static void sgd_plain(real *restrict p, const real *restrict grads, real lr,
                      real scale, real wd, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        real g = grads[i] * scale + wd * p[i];
        p[i] -= lr * g;
    }
}

RNNLAB_KERNEL
static void sgd_momentum(real *restrict p, const real *restrict grads,
                         real *restrict buf, real lr, real scale, real wd,
                         real mu, int first, int nesterov, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        real g = grads[i] * scale + wd * p[i];
        buf[i] = first ? g : mu * buf[i] + g;
        g = nesterov ? g + mu * buf[i] : buf[i];
        p[i] -= lr * g;
    }
}

static void step_sgd(struct optim *o, real *p, const real *grads, real lr,
                     real scale, size_t begin, size_t end)
{
    real wd = (real)o->cfg.weight_decay, mu = (real)o->cfg.momentum;
    if (mu > 0)
        sgd_momentum(p + begin, grads + begin, o->buf + begin, lr, scale, wd,
                     mu, o->t == 1, o->cfg.nesterov, end - begin);
    else
        sgd_plain(p + begin, grads + begin, lr, scale, wd, end - begin);
}

RNNLAB_KERNEL
static void step_adam(struct optim *o, real *p, const real *grads, double lr,
                      real scale, size_t begin, size_t end)
{
    double b1 = o->cfg.betas[0], b2 = o->cfg.betas[1];
    int decoupled = o->cfg.kind == OPTIM_ADAMW;
    real wd = (real)o->cfg.weight_decay;
    real step = (real)(lr / (1 - pow(b1, (double)o->t)));
    real root2 = (real)sqrt(1 - pow(b2, (double)o->t));
    real eps = (real)o->cfg.eps, decay = (real)(1 - lr * o->cfg.weight_decay);
    real fb1 = (real)b1, fb2 = (real)b2;
    for (size_t i = begin; i < end; i++) {
        real g = grads[i] * scale;
        if (decoupled)
            p[i] *= decay;
        else
            g += wd * p[i];
        o->buf[i] = fb1 * o->buf[i] + (1 - fb1) * g;
        o->sq[i] = fb2 * o->sq[i] + (1 - fb2) * g * g;
        p[i] -= step * o->buf[i] / ((real)sqrt((double)o->sq[i]) / root2 + eps);
    }
}

RNNLAB_KERNEL
static void step_rmsprop(struct optim *o, real *p, const real *grads, real lr,
                         real scale, size_t begin, size_t end)
{
    real wd = (real)o->cfg.weight_decay, a = (real)o->cfg.alpha;
    real eps = (real)o->cfg.eps, mu = (real)o->cfg.momentum;
    for (size_t i = begin; i < end; i++) {
        real g = grads[i] * scale + wd * p[i];
        o->sq[i] = a * o->sq[i] + (1 - a) * g * g;
        real avg = (real)sqrt((double)o->sq[i]) + eps;
        if (mu > 0) {
            o->buf[i] = mu * o->buf[i] + g / avg;
            p[i] -= lr * o->buf[i];
        } else {
            p[i] -= lr * g / avg;
        }
    }
}

RNNLAB_KERNEL
static void step_adagrad(struct optim *o, real *p, const real *grads, real lr,
                         real scale, size_t begin, size_t end)
{
    real wd = (real)o->cfg.weight_decay, eps = (real)o->cfg.eps;
    for (size_t i = begin; i < end; i++) {
        real g = grads[i] * scale + wd * p[i];
        o->sq[i] += g * g;
        p[i] -= lr * g / ((real)sqrt((double)o->sq[i]) + eps);
    }
}

void optim_count_step(struct optim *o)
{
    o->t++;
}

void optim_update_range(struct optim *o, real *params, const real *grads,
                        double lr, real scale, size_t begin, size_t end)
{
    switch (o->cfg.kind) {
    case OPTIM_SGD:
        step_sgd(o, params, grads, (real)lr, scale, begin, end);
        break;
    case OPTIM_ADAM:
    case OPTIM_ADAMW:
        step_adam(o, params, grads, lr, scale, begin, end);
        break;
    case OPTIM_RMSPROP:
        step_rmsprop(o, params, grads, (real)lr, scale, begin, end);
        break;
    case OPTIM_ADAGRAD:
        step_adagrad(o, params, grads, (real)lr, scale, begin, end);
        break;
    }
}

/* Lane k takes the elements i < n8 (n rounded down to 8) with i % 8 == k,
 * in order; lane 0 then takes the tail i >= n8: vectorises, the same sum at
 * any vector width. */
RNNLAB_KERNEL
void optim_sum_squares_piece(double lanes[8], const real *x, size_t first,
                             size_t count, size_t n)
{
    size_t n8 = n & ~(size_t)7, i = first, end = first + count;
    const real *at = x - first; /* at[i]: element i of the range */
    for (; i < end && i < n8 && i % 8 != 0; i++)
        lanes[i % 8] += (double)at[i] * (double)at[i];
    for (; i + 8 <= end && i + 8 <= n8; i += 8)
        for (size_t k = 0; k < 8; k++)
            lanes[k] += (double)at[i + k] * (double)at[i + k];
    for (; i < end && i < n8; i++)
        lanes[i % 8] += (double)at[i] * (double)at[i];
    for (; i < end; i++)
        lanes[0] += (double)at[i] * (double)at[i];
}

double optim_sum_lanes(const double lanes[8])
{
    double sum = 0;
    for (size_t k = 0; k < 8; k++)
        sum += lanes[k];
    return sum;
}

double optim_sum_squares(const real *grads, size_t n)
{
    double lanes[8] = {0};
    optim_sum_squares_piece(lanes, grads, 0, n, n);
    return optim_sum_lanes(lanes);
}

int optim_zero_grad_is_no_op(const struct optim *o)
{
    /* p -= lr * (0 * scale + 0 * p) is p itself (for finite p: a run
     * whose parameters are not finite has diverged already) */
    return o->cfg.kind == OPTIM_SGD && o->cfg.momentum == 0 &&
           o->cfg.weight_decay == 0;
}

real optim_clip_scale(double norm, double max_norm)
{
    return max_norm > 0 && norm > max_norm ? (real)(max_norm / norm) : 1;
}
