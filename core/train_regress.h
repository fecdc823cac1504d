/* train_regress: the trainer's loop for model.head: regression (d2l 8.1).
 *
 * Owns: an epoch over the sine series' training examples (shuffled from the
 * run's generator each epoch, batches of batch_size, the last one shorter,
 * as torch's DataLoader(shuffle=True) gives them; each step is
 * trainer_step's forward, mean squared error of the last step's output,
 * backward, clip and update), the epoch's MSEs (training examples after the
 * epoch, as d2l's evaluate_loss; validation examples) and the k-step-ahead
 * predictions of §8.1: the model's own predictions fed back as inputs for
 * k - 1 steps.
 * Must not: allocate inside an epoch, or know about files.
 */
#ifndef RNNLAB_TRAIN_REGRESS_H
#define RNNLAB_TRAIN_REGRESS_H

#include <stddef.h>

#include "dataset.h"
#include "metrics.h"
#include "model.h"
#include "train.h"

/* The trainer's example order and batch buffers (trainer_create calls it). */
int regress_create(struct trainer *t, struct err *e);
void regress_free(struct trainer *t);

/* trainer_epoch of a regression run: train_mse every epoch, valid_mse and
 * the k-step MSEs when evaluation is due. Diverged when the epoch's mean
 * training loss is NaN/inf or above train.max_mse. */
int regress_epoch(struct trainer *t, struct epoch_metrics *m,
                  train_progress_fn progress, void *ctx);

/* Mean squared error of the one-step prediction over examples
 * [first, first + count), the state reset for each, no dropout. */
double regress_mse(struct model *m, const struct dataset *d, size_t first,
                   size_t count, real *scratch);

/* Reals of scratch regress_predict and regress_mse need for a model of
 * m->Bmax rows. */
size_t regress_scratch_size(const struct model *m, const struct dataset *d);

/* k-step-ahead predictions (k in metrics_kstep): the value at index j
 * predicted from the observed window ending at j - k and the model's own
 * k - 1 predictions after it, for every target j >= first_target with that
 * window inside the series. mse[i] is the mean squared error over those
 * targets for the i-th k (NaN when there is none); pred, when not NULL,
 * gets (METRICS_KSTEPS, series_n) predictions, NaN where undefined. */
void regress_predict(struct model *m, const struct dataset *d,
                     size_t first_target, real *scratch, double *pred,
                     double mse[METRICS_KSTEPS]);

#endif
