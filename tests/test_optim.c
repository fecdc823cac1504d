/* Tests for core/optim.c and core/schedule.c. The optimizer references are
 * torch.optim's results (scripts/make_optim_reference.py) after five steps
 * on the loss sum(w * (p - c)^2); the first case is also checkable by hand:
 * p - c shrinks by (1 - 2 * 0.1 * w) per step, 0.5 -> 1 - 0.5 * 0.8^5. */
#include "support.h"

#include <math.h>
#include <string.h>

#include "mem.h"
#include "optim.h"
#include "schedule.h"

static const double P0[4] = {0.5, -1.0, 2.0, 0.0};
static const double C[4] = {1.0, 2.0, -1.0, 0.3};
static const double W[4] = {1.0, 0.5, 2.0, 3.0};

/* One whole update, as the trainer makes it on one thread. */
static void update(struct optim *o, real *p, const real *g, size_t n, double lr,
                 real scale)
{
    optim_count_step(o);
    optim_update_range(o, p, g, lr, scale, 0, n);
}

static void run(struct optimizer_config cfg, const double expected[4])
{
    struct optim *o;
    struct err e;
    assert_int_equal(optim_create(&cfg, 4, &o, &e), 0);
    real p[4], g[4];
    for (int i = 0; i < 4; i++)
        p[i] = (real)P0[i];
    for (int step = 0; step < 5; step++) {
        for (int i = 0; i < 4; i++)
            g[i] = (real)(2 * W[i] * (p[i] - C[i]));
        update(o, p, g, 4, cfg.lr, 1);
    }
    for (int i = 0; i < 4; i++)
        if (fabs(p[i] - expected[i]) > 1e-5 * fmax(1, fabs(expected[i])))
            fail_msg("%s p[%d] = %.9f, torch.optim %.9f",
                     config_optim_name(cfg.kind), i, (double)p[i], expected[i]);
    optim_free(o);
}

static struct optimizer_config opt(int kind, double lr)
{
    struct optimizer_config c = {.kind = kind, .lr = lr, .betas = {0.9, 0.999},
                                 .eps = 1e-8, .alpha = 0.99};
    return c;
}

static void test_sgd(void **state)
{
    (void)state;
    run(opt(OPTIM_SGD, 0.1), (double[]){0.83616, 0.22853, -0.76672, 0.296928});
    struct optimizer_config c = opt(OPTIM_SGD, 0.1);
    c.momentum = 0.9;
    c.weight_decay = 0.01;
    run(c, (double[]){1.284097683854, 2.089914034672, -3.178415884187, 0.367465380084});
    c.nesterov = 1;
    run(c, (double[]){1.201133469375, 2.310375915120, -1.487000207935, 0.281006739687});
}

/* SGD over 1003 parameters in two ranges (as two threads update them):
 * the vectorised loops' body and tails give, bit for bit, PyTorch's
 * per-element operations in PyTorch's order, written out here one element
 * at a time, over three steps (the first sets the momentum buffer). */
static void test_sgd_vectorised_bits(void **state)
{
    (void)state;
    enum { N = 1003, SPLIT = 500 };
    for (int variant = 0; variant < 3; variant++) {
        struct optimizer_config c = opt(OPTIM_SGD, 0.1);
        c.weight_decay = 0.01;
        c.momentum = variant ? 0.9 : 0;
        c.nesterov = variant == 2;
        struct optim *o;
        struct err e;
        assert_int_equal(optim_create(&c, N, &o, &e), 0);
        struct rng g;
        rng_seed(&g, 1003, (uint64_t)variant);
        real *p = support_random_reals(&g, N), *q = mem_alloc(N * sizeof *q);
        real *buf = mem_alloc(N * sizeof *buf);
        assert_non_null(q);
        assert_non_null(buf);
        memcpy(q, p, N * sizeof *p);
        real lr = (real)c.lr, wd = (real)c.weight_decay, mu = (real)c.momentum;
        real scale = (real)0.7;
        for (int step = 1; step <= 3; step++) {
            real *grads = support_random_reals(&g, N);
            optim_count_step(o);
            optim_update_range(o, p, grads, c.lr, scale, 0, SPLIT);
            optim_update_range(o, p, grads, c.lr, scale, SPLIT, N);
            for (size_t i = 0; i < N; i++) {
                real d = grads[i] * scale + wd * q[i];
                if (mu > 0) {
                    buf[i] = step == 1 ? d : mu * buf[i] + d;
                    d = c.nesterov ? d + mu * buf[i] : buf[i];
                }
                q[i] -= lr * d;
            }
            mem_free(grads);
            for (size_t i = 0; i < N; i++)
                if (memcmp(&p[i], &q[i], sizeof *p))
                    fail_msg("variant %d step %d p[%zu] = %.9g, expected %.9g",
                             variant, step, i, (double)p[i], (double)q[i]);
        }
        mem_free(p);
        mem_free(q);
        mem_free(buf);
        optim_free(o);
    }
}

static void test_adam_and_adamw(void **state)
{
    (void)state;
    struct optimizer_config c = opt(OPTIM_ADAM, 0.1);
    c.weight_decay = 0.01;
    run(c, (double[]){0.971609367013, -0.501793727423, 1.501781240636, 0.415876062346});
    c = opt(OPTIM_ADAMW, 0.1);
    c.betas[0] = 0.8;
    c.betas[1] = 0.99;
    c.weight_decay = 0.1;
    run(c, (double[]){0.930791476018, -0.464517127907, 1.415891002968, 0.389627580595});
}

static void test_rmsprop(void **state)
{
    (void)state;
    struct optimizer_config c = opt(OPTIM_RMSPROP, 0.01);
    c.weight_decay = 0.01;
    run(c, (double[]){0.777883926668, -0.682098642757, 1.682059447854, 0.239580245270});
    c = opt(OPTIM_RMSPROP, 0.01);
    c.alpha = 0.9;
    c.momentum = 0.5;
    run(c, (double[]){0.669884810706, -0.822297072797, 1.822297071744, 0.162572752614});
}

static void test_adagrad(void **state)
{
    (void)state;
    struct optimizer_config c = opt(OPTIM_ADAGRAD, 0.1);
    c.eps = 1e-10;
    c.weight_decay = 0.01;
    run(c, (double[]){0.776766720294, -0.683384819126, 1.683345691734, 0.238774760936});
}

/* d2l grad_clipping scales to the threshold, not to 1 (the bug KANN had). */
static void test_clip_scales_to_max_norm(void **state)
{
    (void)state;
    real g[3] = {3, 4, 12}; /* norm 13 */
    double norm = sqrt(optim_sum_squares(g, 3));
    assert_true(fabs(norm - 13) < 1e-9);
    real scale = optim_clip_scale(norm, 6.5);
    assert_true(fabs(scale - 0.5) < 1e-7);
    /* one SGD step of lr 1 from 0 moves by the clipped gradient: norm 6.5 */
    struct optimizer_config c = opt(OPTIM_SGD, 1);
    struct optim *o;
    struct err e;
    assert_int_equal(optim_create(&c, 3, &o, &e), 0);
    real p[3] = {0};
    update(o, p, g, 3, 1, scale);
    assert_true(fabs(sqrt(optim_sum_squares(p, 3)) - 6.5) < 1e-5);
    assert_true(g[0] == 3); /* the gradients are left as they are */
    optim_free(o);
    assert_true(optim_clip_scale(0.5, 1) == 1); /* under the threshold */
    assert_true(optim_clip_scale(0.5, 0) == 1); /* 0: no clipping */
    assert_true(optim_clip_scale(1e9, 0) == 1);
}

static void test_schedules(void **state)
{
    (void)state;
    struct schedule s;
    struct schedule_config c = {.kind = SCHEDULE_STEP, .gamma = 0.5, .start_epoch = 4};
    schedule_init(&s, &c, 1.0); /* Zaremba: lr 1, halved each epoch after 4 */
    assert_true(schedule_lr(&s, 1) == 1 && schedule_lr(&s, 4) == 1);
    assert_true(schedule_lr(&s, 5) == 0.5 && schedule_lr(&s, 13) == 1.0 / 512);
    c = (struct schedule_config){.kind = SCHEDULE_STEP, .gamma = 0.1, .step_size = 3};
    schedule_init(&s, &c, 2.0);
    assert_true(schedule_lr(&s, 3) == 2.0 && fabs(schedule_lr(&s, 4) - 0.2) < 1e-15);
    assert_true(fabs(schedule_lr(&s, 7) - 0.02) < 1e-15);
    c = (struct schedule_config){.kind = SCHEDULE_EXPONENTIAL, .gamma = 0.9,
                                 .min_lr = 0.5};
    schedule_init(&s, &c, 1.0);
    assert_true(fabs(schedule_lr(&s, 3) - 0.81) < 1e-15);
    assert_true(schedule_lr(&s, 100) == 0.5);
    c = (struct schedule_config){.kind = SCHEDULE_PLATEAU, .factor = 4, .patience = 1};
    schedule_init(&s, &c, 20.0);
    schedule_observe(&s, 300);
    schedule_observe(&s, 250);
    schedule_observe(&s, 260); /* 1 bad: within patience */
    assert_true(schedule_lr(&s, 4) == 20.0);
    schedule_observe(&s, 255); /* 2 bad: divide */
    assert_true(schedule_lr(&s, 5) == 5.0);
    c = (struct schedule_config){.kind = SCHEDULE_CONSTANT};
    schedule_init(&s, &c, 0.3);
    assert_true(schedule_lr(&s, 50) == 0.3);
}

/* The trainer's parallel update: clipping folded into the step, over ranges
 * in any split, gives the bits of one whole update from gradients scaled
 * beforehand, for every rule. */
static void test_update_in_ranges_is_clip_then_step(void **state)
{
    (void)state;
    enum { N = 37 };
    int kinds[] = {OPTIM_SGD, OPTIM_ADAM, OPTIM_ADAMW, OPTIM_RMSPROP, OPTIM_ADAGRAD};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        struct optimizer_config c = opt(kinds[k], 0.05);
        c.momentum = kinds[k] == OPTIM_ADAM || kinds[k] == OPTIM_ADAMW ? 0 : 0.9;
        c.weight_decay = 0.01;
        struct optim *whole, *parts;
        struct err e;
        assert_int_equal(optim_create(&c, N, &whole, &e), 0);
        assert_int_equal(optim_create(&c, N, &parts, &e), 0);
        real p1[N], p2[N], g1[N], g2[N];
        for (int i = 0; i < N; i++)
            p1[i] = p2[i] = (real)(0.1 * (i % 7) - 0.3);
        for (int t = 1; t <= 3; t++) {
            for (int i = 0; i < N; i++)
                g1[i] = g2[i] = (real)((double)((i * 7 + t) % 11) - 5.0);
            real scale = optim_clip_scale(sqrt(optim_sum_squares(g1, N)), 2.0);
            assert_true(scale < 1);
            for (int i = 0; i < N; i++)
                g1[i] *= scale;
            update(whole, p1, g1, N, 0.05, 1);
            optim_count_step(parts);
            size_t cut[] = {0, 5, 6, 30, N};
            for (size_t r = 0; r + 1 < sizeof cut / sizeof *cut; r++)
                optim_update_range(parts, p2, g2, 0.05, scale, cut[r], cut[r + 1]);
        }
        if (memcmp(p1, p2, sizeof p1) != 0)
            fail_msg("%s: the update in ranges differs from clip + step",
                     config_optim_name(kinds[k]));
        optim_free(whole);
        optim_free(parts);
    }
}

static void test_step_allocates_nothing(void **state)
{
    (void)state;
    struct optimizer_config c = opt(OPTIM_ADAM, 0.1);
    struct optim *o;
    struct err e;
    assert_int_equal(optim_create(&c, 4, &o, &e), 0);
    real p[4] = {0}, g[4] = {1, 1, 1, 1};
    long before = mem_count();
    update(o, p, g, 4, 0.1, optim_clip_scale(sqrt(optim_sum_squares(g, 4)), 1));
    assert_int_equal(mem_count(), before);
    optim_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_sgd_vectorised_bits),
        cmocka_unit_test(test_adam_and_adamw),
        cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_adagrad),
        cmocka_unit_test(test_clip_scales_to_max_norm),
        cmocka_unit_test(test_schedules),
        cmocka_unit_test(test_update_in_ranges_is_clip_then_step),
        cmocka_unit_test(test_step_allocates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
