/* train.bptt in double precision (this test links the -DRNNLAB_DOUBLE build
 * of core/): full backpropagation through an epoch is checked against
 * finite differences of the whole epoch's loss, for every cell kind, and
 * differs from truncated BPTT; randomized truncation (d2l 8.7.1) with
 * pi = 1 gives the exact gradient bit for bit, and the mean of many
 * randomized gradients matches the exact one within a statistical bound
 * (finite differences cannot check an estimator). */
#include "support.h"

#include <math.h>

#include "cell.h"
#include "config.h"
#include "dataset.h"
#include "mem.h"
#include "model.h"
#include "train.h"

#define EPS 1e-6
#define TOL 1e-6 /* |numeric - analytic| / max(1e-2, |analytic|) */

static const char *const cells[] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};

struct epoch_run {
    struct config cfg;
    struct dataset *data;
    struct trainer *t;
};

/* A tiny sequential run of cell kind `cell` with train.bptt `bptt`. */
static void setup(struct epoch_run *r, const char *cell, const char *bptt)
{
    char text[1024], path[128];
    snprintf(path, sizeof path, "%s/bptt.yaml", support_dir());
    snprintf(text, sizeof text,
             "seed: 5\n"
             "dataset: {name: timemachine, max_tokens: 120}\n"
             "sampler: {kind: sequential, batch_size: 2, num_steps: 4, offset: zero}\n"
             "model: {cell: %s, hidden: 3, init: {scheme: uniform, range: 0.5}}\n"
             "train: {threads: 1, grad_shards: 1, bptt: %s}\n"
             "output: {dir: %s/out}\n", cell, bptt, support_dir());
    support_write_text(path, text);
    struct err e;
    if (config_load(&r->cfg, path, 0, NULL, &e) < 0 ||
        dataset_load(&r->cfg.dataset, RNNLAB_DATA_DIR, &r->data, &e) < 0 ||
        trainer_create(&r->cfg, r->data, &r->t, &e) < 0)
        fail_msg("%s", e.msg);
}

static void teardown(struct epoch_run *r)
{
    trainer_free(r->t);
    dataset_free(r->data);
    config_free(&r->cfg);
}

/* The epoch's loss from a zero state (one forward over t->X). */
static double epoch_loss(struct trainer *t)
{
    model_forward(t->model, NULL, t->X, t->sampler->B, t->steps, 1);
    return model_loss(t->model, t->Y, 0);
}

static void full_bptt_matches_finite_differences(const char *cell)
{
    struct epoch_run r;
    setup(&r, cell, "full");
    struct trainer *t = r.t;
    struct model *m = t->model;
    sampler_begin_epoch(t->sampler);
    trainer_begin_state(t);
    assert_int_equal(trainer_next_batch(t), 1);
    assert_int_equal(trainer_next_batch(t), 0); /* one step an epoch */
    size_t B = 2, T = 4, nb = t->sampler->num_batches, steps = t->steps;
    assert_true(nb >= 5);
    assert_int_equal(steps, nb * T);
    /* each row is one stretch of the corpus: the rows of the sequential
     * sampler's minibatches, end to end */
    const int32_t *ids = r.data->train.ids;
    size_t row_len = r.data->train.n / B;
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < steps; i++) {
            assert_int_equal(t->X[b * steps + i], ids[b * row_len + i]);
            assert_int_equal(t->Y[b * steps + i], ids[b * row_len + i + 1]);
        }
    /* analytic gradient of the whole epoch's mean loss */
    model_zero_grad(m);
    model_forward(m, NULL, t->X, B, steps, 1);
    model_loss(m, t->Y, 1);
    model_backward(m);
    real *full = mem_alloc(m->nparams * sizeof *full);
    memcpy(full, m->grads, m->nparams * sizeof *full);
    for (size_t i = 0; i < m->nparams; i++) {
        real saved = m->params[i];
        m->params[i] = saved + EPS;
        double up = epoch_loss(t);
        m->params[i] = saved - EPS;
        double down = epoch_loss(t);
        m->params[i] = saved;
        double num = (up - down) / (2 * EPS);
        if (!(fabs(num - full[i]) / fmax(1e-2, fabs(full[i])) <= TOL))
            fail_msg("%s parameter %zu: finite difference %.10g, full BPTT %.10g",
                     cell, i, num, full[i]);
    }
    /* truncated BPTT over the same minibatches (the state carried but
     * detached) misses the gradient across their borders */
    model_zero_grad(m);
    int32_t X[8], Y[8];
    real *carry = mem_calloc(model_state_size(m), sizeof *carry);
    for (size_t j = 0; j < nb; j++) {
        for (size_t b = 0; b < B; b++)
            for (size_t k = 0; k < T; k++) {
                X[b * T + k] = t->X[b * steps + j * T + k];
                Y[b * T + k] = t->Y[b * steps + j * T + k];
            }
        model_forward(m, carry, X, B, T, 1);
        model_loss(m, Y, 1);
        model_backward(m);
        model_carry_state(m, carry);
    }
    mem_free(carry);
    const struct model_tensor *w = model_find(m, "rnn.weight_hh_l0");
    double differ = 0;
    for (size_t i = 0; i < w->rows * w->cols; i++)
        differ = fmax(differ, fabs(m->grads[w->offset + i] / (double)nb -
                                   full[w->offset + i]));
    assert_true(differ > 1e-4);
    mem_free(full);
    teardown(&r);
}

static void test_full_bptt(void **state)
{
    (void)state;
    for (size_t c = 0; c < 4; c++)
        full_bptt_matches_finite_differences(cells[c]);
}

/* Mean of N gradients with carry factors drawn as trainer_next_batch does
 * (1/pi with probability pi, else 0) against the exact gradient: every
 * component within 5 standard errors. pi = 1 is the exact gradient, bit for
 * bit. */
static void randomized_is_unbiased(int cell)
{
    enum { B = 2, T = 6, N = 4000 };
    struct model_spec s = {.cell = cell, .V = 7, .H = 3, .L = 2};
    struct model *m;
    struct err e;
    assert_int_equal(model_create(&s, B, T, 1, &m, &e), 0);
    struct rng g;
    rng_seed(&g, 77 + (uint64_t)cell, 0);
    struct init_config init = {.scheme = INIT_UNIFORM, .range = 0.8};
    model_init(m, &init, &g);
    int32_t X[B * T], Y[B * T];
    for (size_t i = 0; i < B * T; i++) {
        X[i] = (int32_t)rng_below(&g, 7);
        Y[i] = (int32_t)rng_below(&g, 7);
    }
    size_t n = m->nparams;
    double *exact = mem_calloc(n, sizeof *exact), *mean = mem_calloc(n, sizeof *mean);
    double *sq = mem_calloc(n, sizeof *sq);
    real xi[T];
    m->carry_scale = NULL;
    model_zero_grad(m);
    model_forward(m, NULL, X, B, T, 1);
    model_loss(m, Y, 1);
    model_backward(m);
    for (size_t i = 0; i < n; i++)
        exact[i] = m->grads[i];
    for (size_t t = 0; t < T; t++)
        xi[t] = 1; /* pi = 1 */
    m->carry_scale = xi;
    model_zero_grad(m);
    model_forward(m, NULL, X, B, T, 1);
    model_loss(m, Y, 1);
    model_backward(m);
    for (size_t i = 0; i < n; i++)
        assert_true(m->grads[i] == exact[i]);
    const double keep = 0.4;
    for (int k = 0; k < N; k++) {
        for (size_t t = 0; t < T; t++)
            xi[t] = rng_uniform(&g) < keep ? 1 / keep : 0;
        model_zero_grad(m);
        model_forward(m, NULL, X, B, T, 1);
        model_loss(m, Y, 1);
        model_backward(m);
        for (size_t i = 0; i < n; i++) {
            mean[i] += m->grads[i] / N;
            sq[i] += m->grads[i] * m->grads[i] / N;
        }
    }
    size_t varied = 0;
    for (size_t i = 0; i < n; i++) {
        double var = fmax(0, sq[i] - mean[i] * mean[i]), se = sqrt(var / N);
        varied += var > 1e-12;
        if (!(fabs(mean[i] - exact[i]) <= 5 * se + 1e-12))
            fail_msg("cell %d parameter %zu: mean of %d randomized gradients %.8g, "
                     "exact %.8g, standard error %.3g", cell, i, N, mean[i],
                     exact[i], se);
    }
    /* the recurrent weights' gradients do vary: the test is not vacuous */
    assert_true(varied > n / 4);
    mem_free(exact);
    mem_free(mean);
    mem_free(sq);
    model_free(m);
}

/* Gradient of the mean loss over X (B, T) from a zero state into g, with
 * carry factors xi (NULL: none). */
static void gradient(struct model *m, const int32_t *X, const int32_t *Y, size_t B,
                     size_t T, const real *xi, double *g)
{
    m->carry_scale = xi;
    model_zero_grad(m);
    model_forward(m, NULL, X, B, T, 1);
    model_loss(m, Y, 1);
    model_backward(m);
    for (size_t i = 0; i < m->nparams; i++)
        g[i] = m->grads[i];
    m->carry_scale = NULL;
}

/* A factor of 0 at step k is a cut: the same gradient as two windows, [0, k)
 * and [k, T), with the state carried between them but detached (truncated
 * BPTT at k), weighted by their share of the tokens. This is what tells a
 * carry that is cut on every path (h, and c for LSTM, the direct z * h term
 * for GRU) from one cut on some: the mean test above cannot, as E[xi] = 1
 * leaves any subset of paths unbiased. */
static void zero_factor_is_a_cut(int cell)
{
    enum { B = 2, T = 6, K = 3 };
    struct model_spec s = {.cell = cell, .V = 7, .H = 3, .L = 2};
    struct model *m;
    struct err e;
    assert_int_equal(model_create(&s, B, T, 1, &m, &e), 0);
    struct rng g;
    rng_seed(&g, 91 + (uint64_t)cell, 0);
    struct init_config init = {.scheme = INIT_UNIFORM, .range = 0.8};
    model_init(m, &init, &g);
    int32_t X[B * T], Y[B * T], X1[B * K], Y1[B * K], X2[B * (T - K)], Y2[B * (T - K)];
    for (size_t i = 0; i < B * T; i++) {
        X[i] = (int32_t)rng_below(&g, 7);
        Y[i] = (int32_t)rng_below(&g, 7);
    }
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++) {
            if (t < K) {
                X1[b * K + t] = X[b * T + t];
                Y1[b * K + t] = Y[b * T + t];
            } else {
                X2[b * (T - K) + t - K] = X[b * T + t];
                Y2[b * (T - K) + t - K] = Y[b * T + t];
            }
        }
    size_t n = m->nparams;
    double *cut = mem_calloc(n, sizeof *cut), *g1 = mem_calloc(n, sizeof *g1);
    double *g2 = mem_calloc(n, sizeof *g2);
    real xi[T] = {1, 1, 1, 0, 1, 1}; /* xi[K] = 0: nothing from step K into K-1 */
    gradient(m, X, Y, B, T, xi, cut);
    gradient(m, X1, Y1, B, K, NULL, g1);
    real *carry = mem_calloc(model_state_size(m), sizeof *carry);
    model_carry_state(m, carry);
    model_zero_grad(m);
    model_forward(m, carry, X2, B, T - K, 1);
    model_loss(m, Y2, 1);
    model_backward(m);
    for (size_t i = 0; i < n; i++) {
        g2[i] = m->grads[i];
        double want = ((double)K * g1[i] + (double)(T - K) * g2[i]) / T;
        if (!(fabs(cut[i] - want) <= 1e-12 * fmax(1, fabs(want))))
            fail_msg("cell %d parameter %zu: xi = 0 at step %d gives %.15g, two "
                     "detached windows %.15g", cell, i, K, cut[i], want);
    }
    mem_free(carry);
    mem_free(cut);
    mem_free(g1);
    mem_free(g2);
    model_free(m);
}

static void test_randomized(void **state)
{
    (void)state;
    for (int c = 0; c < 4; c++) {
        randomized_is_unbiased(c);
        zero_factor_is_a_cut(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_bptt),
        cmocka_unit_test(test_randomized),
    };
    return cmocka_run_group_tests(tests, support_dir_setup, support_dir_teardown);
}
