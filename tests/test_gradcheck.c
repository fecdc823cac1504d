/* Finite-difference gradient checks of the whole model, in double precision
 * (this test links the -DRNNLAB_DOUBLE build of core/). For every cell kind,
 * one-hot and embedding input, one and two layers, tied and untied decoder,
 * with and without dropout: every parameter element and every element of
 * the initial state is perturbed by +-eps and the central difference of the
 * mean cross-entropy is compared with the analytic gradient; then a random
 * direction over the whole parameter block (a directional derivative). The
 * regression head (one real input a step, mean squared error of the last
 * step's output) is checked the same way, for every cell, one and two
 * layers, with and without dropout. */
#include "support.h"

#include <math.h>
#include <string.h>

#include "mem.h"
#include "model.h"
#include "stepgemm.h"

#define EPS 1e-6
#define TOL 1e-6 /* |numeric - analytic| / max(1e-2, |analytic|) */

struct problem {
    struct model *m;
    int32_t X[64], Y[64];
    real Xr[64], Yr[16];  /* regression: inputs (B, T), targets (B) */
    size_t B, T;
    real *state;            /* the initial state (h, then c), checked too */
    struct rng dropout_rng; /* replayed so every forward draws one mask */
};

/* Forward and loss, the same dropout masks every time. */
static double forward_loss(struct problem *p, int grad)
{
    p->m->rng = p->dropout_rng;
    if (p->m->spec.regression) {
        model_forward_values(p->m, p->state, p->Xr, p->B, p->T, 1);
        return model_loss_mse(p->m, p->Yr, grad);
    }
    model_forward(p->m, p->state, p->X, p->B, p->T, 1);
    return model_loss(p->m, p->Y, grad);
}

static double loss_at(struct problem *p)
{
    return forward_loss(p, 0);
}

static void analytic(struct problem *p)
{
    forward_loss(p, 1);
    model_zero_grad(p->m);
    model_backward(p->m);
}

static void compare(const char *what, size_t i, double num, double ana)
{
    double err = fabs(num - ana) / fmax(1e-2, fabs(ana));
    if (!(err <= TOL))
        fail_msg("%s[%zu]: finite difference %.10g, backward %.10g", what, i,
                 num, ana);
}

/* Central difference of the loss in the value at x. */
static double numeric(struct problem *p, real *x)
{
    real saved = *x;
    *x = saved + EPS;
    double up = loss_at(p);
    *x = saved - EPS;
    double down = loss_at(p);
    *x = saved;
    return (up - down) / (2 * EPS);
}

/* p->m for B x T batches, uniform in +-range from g, with the dropout
 * generator every forward replays. */
static void create_model(struct problem *p, const struct model_spec *s,
                         double range, struct rng *g)
{
    struct err e;
    assert_int_equal(model_create(s, p->B, p->T, 42, &p->m, &e), 0);
    struct init_config init = {.scheme = INIT_UNIFORM, .range = range};
    model_init(p->m, &init, g);
    p->dropout_rng = p->m->rng;
}

enum { REGRESSION = 2 }; /* check's `embedding` for the regression head */

static void check(int cell, int embedding, size_t L, int tie, double dropout)
{
    struct problem p = {.B = 3, .T = 4};
    struct model_spec s = {.cell = cell, .V = 7, .E = embedding ? 5 : 0,
                           .H = tie ? 5 : 4, .L = L, .embedding = embedding == 1,
                           .dropout = dropout, .tie = tie};
    if (embedding == REGRESSION)
        s.V = 1, s.E = 1, s.regression = 1;
    struct rng g;
    rng_seed(&g, 1000 + (uint64_t)cell * 10 + L, 0);
    create_model(&p, &s, 0.6, &g);
    for (size_t i = 0; i < p.B * p.T; i++) {
        p.X[i] = (int32_t)rng_below(&g, 7);
        p.Y[i] = (int32_t)rng_below(&g, 7);
        p.Xr[i] = (real)(2 * rng_uniform(&g) - 1);
    }
    for (size_t b = 0; b < p.B; b++)
        p.Yr[b] = (real)(2 * rng_uniform(&g) - 1);
    size_t nstate = L * p.B * s.H; /* model_state_size / 2: Bmax = B */
    assert_int_equal(model_state_size(p.m), 2 * nstate);
    p.state = mem_alloc(2 * nstate * sizeof *p.state);
    assert_non_null(p.state);
    for (size_t i = 0; i < nstate; i++) {
        p.state[i] = (real)(rng_uniform(&g) - 0.5);
        p.state[nstate + i] = (real)(rng_uniform(&g) - 0.5);
    }
    analytic(&p);
    size_t n = p.m->nparams;
    double *grad = mem_alloc(n * sizeof *grad);
    double *dh0 = mem_alloc(2 * nstate * sizeof *dh0);
    assert_non_null(grad);
    assert_non_null(dh0);
    for (size_t i = 0; i < n; i++)
        grad[i] = p.m->grads[i];
    for (size_t i = 0; i < nstate; i++) {
        dh0[i] = p.m->dstate_h[i];
        dh0[nstate + i] = p.m->dstate_c[i];
    }
    for (size_t t = 0; t < p.m->ntensors; t++) {
        const struct model_tensor *tt = &p.m->tensors[t];
        if (tt->alias)
            continue;
        for (size_t i = tt->offset; i < tt->offset + tt->rows * tt->cols; i++)
            compare(tt->name, i - tt->offset, numeric(&p, &p.m->params[i]), grad[i]);
    }
    for (size_t i = 0; i < nstate; i++) {
        compare("h0", i, numeric(&p, &p.state[i]), dh0[i]);
        if (cell == CELL_LSTM)
            compare("c0", i, numeric(&p, &p.state[nstate + i]), dh0[nstate + i]);
    }
    /* Directional derivative along a random direction d. */
    double *d = mem_alloc(n * sizeof *d), *p0 = mem_alloc(n * sizeof *p0);
    assert_non_null(d);
    assert_non_null(p0);
    double dot = 0;
    for (size_t i = 0; i < n; i++) {
        d[i] = rng_normal(&g);
        p0[i] = p.m->params[i];
        dot += d[i] * grad[i];
    }
    for (size_t i = 0; i < n; i++)
        p.m->params[i] = (real)(p0[i] + EPS * d[i]);
    double up = loss_at(&p);
    for (size_t i = 0; i < n; i++)
        p.m->params[i] = (real)(p0[i] - EPS * d[i]);
    double down = loss_at(&p);
    compare("direction", 0, (up - down) / (2 * EPS), dot);
    mem_free(d);
    mem_free(p0);
    mem_free(grad);
    mem_free(dh0);
    mem_free(p.state);
    model_free(p.m);
}

static void check_cell(int cell)
{
    check(cell, 0, 1, 0, 0);   /* one-hot, one layer */
    check(cell, 0, 2, 0, 0);   /* one-hot, two layers */
    check(cell, 1, 1, 0, 0);   /* embedding */
    check(cell, 1, 2, 0, 0);   /* embedding, two layers */
    check(cell, 1, 2, 1, 0);   /* tied decoder */
    check(cell, 1, 2, 0, 0.3); /* dropout everywhere, one fixed mask */
    check(cell, REGRESSION, 1, 0, 0);   /* regression head */
    check(cell, REGRESSION, 2, 0, 0);   /* regression, two layers */
    check(cell, REGRESSION, 2, 0, 0.3); /* regression with dropout */
}

static void test_rnn_tanh(void **state) { (void)state; check_cell(CELL_RNN_TANH); }
static void test_rnn_relu(void **state) { (void)state; check_cell(CELL_RNN_RELU); }
static void test_lstm(void **state) { (void)state; check_cell(CELL_LSTM); }
static void test_gru(void **state) { (void)state; check_cell(CELL_GRU); }

/* Layers wide enough that the per-step products go through stepgemm's
 * packed weights in both directions (stepgemm_takes: forward ones with G*H
 * >= 256; backward ones with H >= 256 and G*H*H >= 3*256^2, so an RNN needs
 * H = 512): directional derivatives along random directions of the whole
 * parameter block and of the initial state, and single recurrent weights. */
static void check_wide(int cell)
{
    struct problem p = {.B = 3, .T = 4};
    size_t H = cell == CELL_RNN_TANH || cell == CELL_RNN_RELU ? 512 : 256;
    assert_true(stepgemm_takes(p.B, 1, H, cell_gates(cell) * H));
    assert_true(stepgemm_takes(p.B, 0, cell_gates(cell) * H, H));
    struct model_spec s = {.cell = cell, .V = 7, .H = H, .L = 2};
    struct rng g;
    rng_seed(&g, 77 + (uint64_t)cell, 0);
    create_model(&p, &s, 0.08, &g);
    for (size_t i = 0; i < p.B * p.T; i++) {
        p.X[i] = (int32_t)rng_below(&g, 7);
        p.Y[i] = (int32_t)rng_below(&g, 7);
    }
    size_t ns = model_state_size(p.m), n = p.m->nparams;
    p.state = mem_alloc(ns * sizeof *p.state);
    real *d = mem_alloc(n * sizeof *d), *p0 = mem_alloc(n * sizeof *p0);
    assert_non_null(p.state);
    assert_non_null(d);
    assert_non_null(p0);
    for (size_t i = 0; i < ns; i++)
        p.state[i] = (real)(rng_uniform(&g) - 0.5);
    analytic(&p);
    memcpy(p0, p.m->params, n * sizeof *p0);
    for (int dir = 0; dir < 3; dir++) {
        double dot = 0;
        for (size_t i = 0; i < n; i++) {
            d[i] = (real)rng_normal(&g);
            dot += (double)d[i] * (double)p.m->grads[i];
        }
        for (size_t i = 0; i < n; i++)
            p.m->params[i] = p0[i] + (real)EPS * d[i];
        double up = loss_at(&p);
        for (size_t i = 0; i < n; i++)
            p.m->params[i] = p0[i] - (real)EPS * d[i];
        double down = loss_at(&p);
        memcpy(p.m->params, p0, n * sizeof *p0);
        compare("wide direction", (size_t)dir, (up - down) / (2 * EPS), dot);
    }
    /* the initial h of layer 1, along a random direction */
    real *h1 = p.state + p.B * H; /* layer 1's rows: Bmax = B */
    double dot = 0;
    for (size_t i = 0; i < p.B * H; i++) {
        d[i] = (real)rng_normal(&g);
        dot += (double)d[i] * (double)p.m->dstate_h[p.B * H + i];
    }
    memcpy(p0, h1, p.B * H * sizeof *p0);
    for (size_t i = 0; i < p.B * H; i++)
        h1[i] = p0[i] + (real)EPS * d[i];
    double up = loss_at(&p);
    for (size_t i = 0; i < p.B * H; i++)
        h1[i] = p0[i] - (real)EPS * d[i];
    double down = loss_at(&p);
    memcpy(h1, p0, p.B * H * sizeof *p0);
    compare("wide h0 direction", 1, (up - down) / (2 * EPS), dot);
    /* single recurrent weights of layer 1 */
    const struct model_tensor *w = model_find(p.m, "rnn.weight_hh_l1");
    assert_non_null(w);
    for (size_t k = 0; k < 5; k++) {
        size_t i = w->offset + rng_below(&g, (uint32_t)(w->rows * w->cols));
        compare("wide weight_hh_l1", i - w->offset, numeric(&p, &p.m->params[i]),
                p.m->grads[i]);
    }
    mem_free(d);
    mem_free(p0);
    mem_free(p.state);
    model_free(p.m);
}

static void test_wide_layers(void **state)
{
    (void)state;
    for (int cell = CELL_RNN_TANH; cell <= CELL_GRU; cell++)
        check_wide(cell);
}

/* The same mask drives forward and backward: a backward that ignored the
 * mask, or a forward that redrew it, would fail the checks above. Here:
 * inverted dropout keeps the expected value, E[mask] = 1, P(0) = p. */
static void test_dropout_statistics(void **state)
{
    (void)state;
    struct model_spec s = {.cell = CELL_RNN_TANH, .V = 5, .E = 100, .H = 2,
                           .L = 1, .embedding = 1, .dropout = 0.3};
    struct model *m;
    struct err e;
    assert_int_equal(model_create(&s, 50, 20, 7, &m, &e), 0);
    int32_t X[1000] = {0};
    model_forward(m, NULL, X, 50, 20, 1);
    size_t n = 1000 * 100, zeros = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += m->masks[i];
        zeros += m->masks[i] == 0;
    }
    /* mask std = sqrt(p/(1-p)) = 0.65: the mean's std is 0.002 */
    assert_true(fabs(sum / (double)n - 1.0) < 0.01);
    assert_true(fabs((double)zeros / (double)n - 0.3) < 0.005);
    for (size_t i = 0; i < n; i++)
        assert_true(m->masks[i] == 0 || fabs(m->masks[i] - 1 / 0.7) < 1e-12);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rnn_tanh),
        cmocka_unit_test(test_rnn_relu),
        cmocka_unit_test(test_lstm),
        cmocka_unit_test(test_gru),
        cmocka_unit_test(test_wide_layers),
        cmocka_unit_test(test_dropout_statistics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
