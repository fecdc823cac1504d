/* schedule: see schedule.h. */
#include "schedule.h"

#include <math.h>

void schedule_init(struct schedule *s, const struct schedule_config *cfg,
                   double lr0)
{
    s->cfg = *cfg;
    s->lr0 = lr0;
    s->plateau_lr = lr0;
    s->best = INFINITY;
    s->bad = 0;
}

double schedule_lr(const struct schedule *s, long e)
{
    double lr = s->lr0;
    switch (s->cfg.kind) {
    case SCHEDULE_STEP:
        if (s->cfg.step_size)
            lr *= pow(s->cfg.gamma, (double)((e - 1) / s->cfg.step_size));
        else
            lr *= pow(s->cfg.gamma, (double)(e > s->cfg.start_epoch
                                                 ? e - s->cfg.start_epoch : 0));
        break;
    case SCHEDULE_EXPONENTIAL:
        lr *= pow(s->cfg.gamma, (double)(e - 1));
        break;
    case SCHEDULE_PLATEAU:
        lr = s->plateau_lr;
        break;
    default:
        return lr;
    }
    return lr > s->cfg.min_lr ? lr : s->cfg.min_lr;
}

void schedule_observe(struct schedule *s, double ppl)
{
    if (s->cfg.kind != SCHEDULE_PLATEAU)
        return;
    if (ppl < s->best) {
        s->best = ppl;
        s->bad = 0;
        return;
    }
    if (++s->bad > s->cfg.patience) {
        s->plateau_lr /= s->cfg.factor;
        s->bad = 0;
    }
}
