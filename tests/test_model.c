/* Tests for core/model.c: the tensor table, initialisation schemes, the
 * recurrent state handed from one forward to the next, that a training step
 * allocates nothing, and that the backward's weight-gradient tasks are
 * independent of each other. */
#include "support.h"

#include <math.h>
#include <string.h>

#include "mem.h"
#include "model.h"

static struct model *make(int cell, size_t V, size_t E, size_t H, size_t L,
                          int embedding, int tie)
{
    struct model_spec s = {.cell = cell, .V = V, .E = E, .H = H, .L = L,
                           .embedding = embedding, .tie = tie};
    struct model *m;
    struct err e;
    assert_int_equal(model_create(&s, 4, 5, 1, &m, &e), 0);
    return m;
}

/* Parameter counts equal sum(p.numel() for p in model.parameters()) of the
 * PyTorch modules, and names and shapes follow the state_dict. */
static void test_tensor_table_matches_pytorch(void **state)
{
    (void)state;
    struct model *m = make(CELL_LSTM, 10000, 200, 200, 2, 1, 0);
    /* Embedding 10000*200; LSTM 2 layers: 4*200*(200+200) + 2*4*200 each;
     * Linear 200*10000 + 10000 */
    assert_int_equal(m->nparams, 2000000 + 2 * (320000 + 1600) + 2010000);
    const struct model_tensor *t = model_find(m, "rnn.weight_ih_l1");
    assert_non_null(t);
    assert_int_equal(t->rows, 800);
    assert_int_equal(t->cols, 200);
    assert_non_null(model_find(m, "dense.bias"));
    assert_null(model_find(m, "rnn.weight_ih_l2"));
    model_free(m);
    m = make(CELL_GRU, 28, 0, 256, 1, 0, 0);
    assert_int_equal(m->nparams, 3 * 256 * (28 + 256) + 2 * 3 * 256 + 28 * 256 + 28);
    assert_int_equal(model_find(m, "rnn.weight_ih_l0")->cols, 28);
    assert_null(model_find(m, "embedding.weight"));
    model_free(m);
    m = make(CELL_RNN_TANH, 50, 16, 16, 1, 1, 1);
    const struct model_tensor *d = model_find(m, "dense.weight");
    assert_true(d->alias);
    assert_int_equal(d->offset, model_find(m, "embedding.weight")->offset);
    assert_int_equal(m->nparams, 50 * 16 + 16 * 16 * 2 + 32 + 50);
    model_free(m);
}

static void moments(const struct model *m, const char *name, double *mean,
                    double *sd, double *maxabs)
{
    const struct model_tensor *t = model_find(m, name);
    size_t n = t->rows * t->cols;
    double s = 0, s2 = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        double v = m->params[t->offset + i];
        s += v;
        s2 += v * v;
        mx = fabs(v) > mx ? fabs(v) : mx;
    }
    *mean = s / (double)n;
    *sd = sqrt(s2 / (double)n - *mean * *mean);
    *maxabs = mx;
}

static void test_init_schemes(void **state)
{
    (void)state;
    struct model *m = make(CELL_LSTM, 300, 64, 128, 1, 1, 0);
    struct rng g;
    double mean, sd, mx;
    rng_seed(&g, 1, 0);
    struct init_config init = {.scheme = INIT_DEFAULT};
    model_init(m, &init, &g);
    moments(m, "embedding.weight", &mean, &sd, &mx); /* N(0, 1) */
    assert_true(fabs(mean) < 0.02 && fabs(sd - 1) < 0.02);
    moments(m, "rnn.weight_hh_l0", &mean, &sd, &mx); /* U(+-1/sqrt(128)) */
    assert_true(mx <= 1 / sqrt(128.0) && mx > 0.99 / sqrt(128.0));
    assert_true(fabs(sd - 1 / sqrt(128.0) / sqrt(3.0)) < 0.001);
    moments(m, "dense.bias", &mean, &sd, &mx);
    assert_true(mx <= 1 / sqrt(128.0) && sd > 0.03);

    init = (struct init_config){.scheme = INIT_NORMAL, .std = 0.01};
    model_init(m, &init, &g);
    moments(m, "rnn.weight_ih_l0", &mean, &sd, &mx);
    assert_true(fabs(sd - 0.01) < 0.0003);
    moments(m, "rnn.bias_hh_l0", &mean, &sd, &mx);
    assert_true(mx == 0); /* d2l scratch models: zero biases */

    init = (struct init_config){.scheme = INIT_UNIFORM, .range = 0.1};
    model_init(m, &init, &g);
    moments(m, "rnn.bias_ih_l0", &mean, &sd, &mx); /* every parameter */
    assert_true(mx <= 0.1 && mx > 0.09);
    moments(m, "dense.weight", &mean, &sd, &mx);
    assert_true(fabs(sd - 0.1 / sqrt(3.0)) < 0.002);

    init = (struct init_config){.scheme = INIT_XAVIER};
    model_init(m, &init, &g);
    moments(m, "rnn.weight_ih_l0", &mean, &sd, &mx); /* (512, 64) */
    double bound = sqrt(6.0 / (512 + 64));
    assert_true(mx <= bound && mx > 0.99 * bound);
    moments(m, "dense.bias", &mean, &sd, &mx);
    assert_true(mx == 0);
    model_free(m);
}

static void test_same_seed_same_weights(void **state)
{
    (void)state;
    struct model *a = make(CELL_GRU, 20, 0, 8, 2, 0, 0);
    struct model *b = make(CELL_GRU, 20, 0, 8, 2, 0, 0);
    struct rng ga, gb;
    rng_seed(&ga, 9, 0);
    rng_seed(&gb, 9, 0);
    struct init_config init = {.scheme = INIT_DEFAULT};
    model_init(a, &init, &ga);
    model_init(b, &init, &gb);
    assert_memory_equal(a->params, b->params, a->nparams * sizeof(real));
    model_free(a);
    model_free(b);
}

/* Sequential partitioning carries h (and c) from one batch to the next;
 * reset zeroes them. */
static void test_carry_and_reset_state(void **state)
{
    (void)state;
    struct model *m = make(CELL_LSTM, 6, 0, 3, 2, 0, 0);
    struct rng g;
    rng_seed(&g, 2, 0);
    struct init_config init = {.scheme = INIT_DEFAULT};
    model_init(m, &init, &g);
    int32_t X[20] = {1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2};
    size_t half = m->spec.L * m->Bmax * m->spec.H; /* h, then c */
    assert_int_equal(model_state_size(m), 2 * half);
    real *st = mem_calloc(2 * half, sizeof *st);
    assert_non_null(st);
    model_forward(m, st, X, 4, 5, 0);
    real first = m->logits[0];
    model_forward(m, NULL, X, 4, 5, 0); /* NULL: zeros, the same */
    assert_true(m->logits[0] == first);
    model_carry_state(m, st);
    /* layer 1's last output, row b = 2, unit 1; layer 0's cell state */
    const struct cell_cache *k = &m->caches[1];
    assert_true(st[m->Bmax * 3 + 2 * 3 + 1] == k->h[5 * 4 * 3 + 2 * 3 + 1]);
    assert_true(st[half + 2 * 3 + 1] == m->caches[0].c[5 * 4 * 3 + 2 * 3 + 1]);
    model_forward(m, st, X, 4, 5, 0);
    assert_true(m->logits[0] != first);
    memset(st, 0, 2 * half * sizeof *st);
    model_forward(m, st, X, 4, 5, 0);
    assert_true(m->logits[0] == first);
    mem_free(st);
    model_free(m);
}

/* The decoder's forward takes one of three paths by its shape
 * (model_pass.c): a small vocabulary's through logits^T = x W^T, a
 * larger one's through libxsmm on x^T where x^T is small, else
 * bcastgemm's nngemm_xt. Each gives b + W x^T, checked against a sum in
 * double over the last layer's output. */
static void test_decoder_paths(void **state)
{
    (void)state;
    const struct { size_t V, H, B, T; } shapes[] = {
        {28, 6, 4, 5},    /* V < 256 */
        {300, 8, 4, 5},   /* H * rows = 160: libxsmm on x^T */
        {300, 96, 16, 6}, /* H * rows = 9216: nngemm_xt */
    };
    for (size_t c = 0; c < sizeof shapes / sizeof *shapes; c++) {
        size_t V = shapes[c].V, H = shapes[c].H, B = shapes[c].B,
               T = shapes[c].T, rows = B * T;
        struct model_spec s = {.cell = CELL_RNN_TANH, .V = V, .H = H, .L = 1};
        struct model *m;
        struct err e;
        assert_int_equal(model_create(&s, B, T, 1, &m, &e), 0);
        struct rng g;
        rng_seed(&g, 3 + c, 0);
        struct init_config init = {.scheme = INIT_DEFAULT};
        model_init(m, &init, &g);
        for (size_t v = 0; v < V; v++) /* biases the init leaves small */
            m->dec_b[v] = (real)((double)(v % 11) * 0.1 - 0.5);
        int32_t *X = mem_calloc(rows, sizeof *X);
        assert_non_null(X);
        for (size_t i = 0; i < rows; i++)
            X[i] = (int32_t)((i * 37 + c) % V);
        model_forward(m, NULL, X, B, T, 0);
        const real *x = m->caches[0].h + B * H; /* the decoder's input */
        double worst = 0;
        for (size_t v = 0; v < V; v++)
            for (size_t r = 0; r < rows; r++) {
                double want = m->dec_b[v];
                for (size_t k = 0; k < H; k++)
                    want += (double)m->dec_W[v * H + k] * x[r * H + k];
                double d = fabs(m->logits[v * rows + r] - want);
                worst = d > worst ? d : worst;
            }
        if (worst > 1e-5)
            fail_msg("decoder V %zu H %zu rows %zu: logits off by %g", V, H,
                     rows, worst);
        mem_free(X);
        model_free(m);
    }
}

/* The decoder's weight gradient is stored where it is known to be zero
 * (ddec_W_zero: after model_create and model_zero_grad) and added
 * otherwise: a second backward of the same batch without a zeroing
 * doubles it, as the contract (accumulate) says; tied to the embedding,
 * whose gradient the chain writes first, it is always added. */
static void test_decoder_grad_stored_then_added(void **state)
{
    (void)state;
    struct model_spec specs[] = {
        {.cell = CELL_LSTM, .V = 300, .E = 16, .H = 16, .L = 1, .embedding = 1},
        {.cell = CELL_RNN_TANH, .V = 300, .E = 16, .H = 16, .L = 1,
         .embedding = 1, .tie = 1}};
    for (size_t c = 0; c < 2; c++) {
        struct model *m;
        struct err e;
        struct rng g;
        struct init_config init = {.scheme = INIT_UNIFORM, .range = 0.1};
        assert_int_equal(model_create(&specs[c], 4, 6, 1, &m, &e), 0);
        rng_seed(&g, 5, 0);
        model_init(m, &init, &g);
        int32_t X[24], Y[24];
        for (size_t i = 0; i < 24; i++) {
            X[i] = (int32_t)((i * 37 + 5) % 300);
            Y[i] = (int32_t)((i * 53 + 11) % 300);
        }
        size_t n = 300 * 16;
        real *once = mem_alloc(n * sizeof *once);
        assert_non_null(once);
        assert_true(m->ddec_W_zero);
        for (int pass = 0; pass < 2; pass++) {
            model_forward(m, NULL, X, 4, 6, 1);
            model_loss(m, Y, 1);
            model_backward(m);
            assert_int_equal(m->ddec_W_store, pass == 0 && !specs[c].tie);
            assert_false(m->ddec_W_zero);
            if (pass == 0)
                memcpy(once, m->ddec_W, n * sizeof *once);
        }
        size_t nonzero = 0;
        double scale = 0;
        for (size_t i = 0; i < n; i++)
            scale = fabs(once[i]) > scale ? fabs(once[i]) : scale;
        for (size_t i = 0; i < n; i++) {
            nonzero += once[i] != 0;
            /* untied exactly twice (0 + d, then d + d); tied, the scatter
             * adds in between: (d + e) + d' */
            double tol = specs[c].tie ? 1e-6 * scale : 0;
            if (!(fabs(m->ddec_W[i] - 2 * once[i]) <= tol))
                fail_msg("case %zu: dW[%zu] after two backwards %.9g, not "
                         "twice %.9g", c, i, m->ddec_W[i], once[i]);
        }
        assert_true(nonzero > n / 2);
        model_zero_grad(m);
        assert_true(m->ddec_W_zero);
        mem_free(once);
        model_free(m);
    }
}

/* A whole training step (forward, loss, backward, zeroing) allocates
 * nothing: every buffer is sized at model_create. */
static void test_step_allocates_nothing(void **state)
{
    (void)state;
    struct model_spec s = {.cell = CELL_GRU, .V = 30, .E = 8, .H = 6, .L = 2,
                           .embedding = 1, .dropout = 0.2};
    struct model *m;
    struct err e;
    assert_int_equal(model_create(&s, 4, 5, 1, &m, &e), 0);
    int32_t X[20] = {0}, Y[20] = {1};
    real *st = mem_calloc(model_state_size(m), sizeof *st);
    assert_non_null(st);
    long before = mem_count();
    for (int i = 0; i < 3; i++) {
        model_zero_grad(m);
        model_forward(m, st, X, 4, 5, 1);
        model_loss(m, Y, 1);
        model_backward(m);
        model_carry_state(m, st);
    }
    assert_int_equal(mem_count(), before);
    mem_free(st);
    model_free(m);
}

/* The backward's weight-gradient tasks are independent: run in reverse
 * order after the chain, they give the bits of model_backward (chain, then
 * tasks in order), gradients and initial-state gradients alike. Shapes with
 * GEMMs in two chunks (G*H and V >= 256), one-hot and embedding input,
 * dropout, a tied decoder (its gradient a task adding to the embedding's,
 * which the chain's scatter-add wrote), and the decoder bias summed by the
 * tasks (model_zero_grad after the loss). */
static void test_grad_tasks_in_any_order(void **state)
{
    (void)state;
    struct model_spec specs[] = {
        {.cell = CELL_GRU, .V = 300, .H = 96, .L = 2, .dropout = 0.2},
        {.cell = CELL_LSTM, .V = 260, .E = 16, .H = 64, .L = 2, .embedding = 1,
         .dropout = 0.3},
        {.cell = CELL_RNN_TANH, .V = 300, .E = 32, .H = 32, .L = 1, .embedding = 1,
         .tie = 1}};
    for (size_t c = 0; c < 3 * 2; c++) {
        struct model *m[2];
        struct err e;
        struct rng g;
        struct init_config init = {.scheme = INIT_UNIFORM, .range = 0.1};
        int32_t X[4 * 12], Y[4 * 12];
        for (size_t i = 0; i < 4 * 12; i++) {
            X[i] = (int32_t)((i * 37 + 5) % specs[c / 2].V);
            Y[i] = (int32_t)((i * 53 + 11) % specs[c / 2].V);
        }
        for (int k = 0; k < 2; k++) {
            assert_int_equal(model_create(&specs[c / 2], 4, 12, 7, &m[k], &e), 0);
            rng_seed(&g, 9, 0);
            model_init(m[k], &init, &g);
            model_forward(m[k], NULL, X, 4, 12, 1);
            model_loss(m[k], Y, 1);
            if (c % 2)
                model_zero_grad(m[k]);
        }
        model_backward(m[0]);
        size_t n = model_backward_chain(m[1]);
        for (size_t i = n; i-- > 0;)
            model_grad_task(m[1], i);
        /* decoder chunks + its bias sums (after a zeroing) + per layer:
         * dW_hh chunks, bias sums, one-hot scatter or dW_ih chunks */
        static const size_t want[] = {2 + 4 + 5, 2 + 1 + 4 + 5, 2 + 5 + 5,
                                      2 + 1 + 5 + 5, 2 + 3, 2 + 1 + 3};
        if (n != want[c])
            fail_msg("case %zu: %zu tasks, not %zu", c, n, want[c]);
        size_t half = model_state_size(m[0]) / 2;
        assert_memory_equal(m[0]->grads, m[1]->grads, m[0]->nparams * sizeof(real));
        assert_memory_equal(m[0]->dstate_h, m[1]->dstate_h, half * sizeof(real));
        assert_memory_equal(m[0]->dstate_c, m[1]->dstate_c, half * sizeof(real));
        for (int k = 0; k < 2; k++)
            model_free(m[k]);
    }
}

static void test_create_errors_and_allocation_failures(void **state)
{
    (void)state;
    struct model_spec s = {.cell = CELL_RNN_TANH, .V = 1, .H = 4, .L = 1};
    struct model *m = NULL;
    struct err e;
    assert_int_equal(model_create(&s, 2, 2, 1, &m, &e), ERR_CONFIG);
    assert_string_equal(e.msg, "model: the vocabulary has 1 token(s); a language "
                               "model needs at least 2");
    s.V = 10;
    s.embedding = 1;
    s.E = 3;
    s.tie = 1;
    assert_int_equal(model_create(&s, 2, 2, 1, &m, &e), ERR_CONFIG);
    s.tie = 0;
    int failures = 0;
    for (long k = 0;; k++) {
        mem_fail_after(k);
        int rc = model_create(&s, 2, 2, 1, &m, &e);
        mem_fail_after(-1);
        if (rc == 0)
            break;
        assert_int_equal(rc, ERR_NOMEM);
        assert_null(m);
        failures++;
    }
    assert_true(failures >= 4);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensor_table_matches_pytorch),
        cmocka_unit_test(test_init_schemes),
        cmocka_unit_test(test_same_seed_same_weights),
        cmocka_unit_test(test_carry_and_reset_state),
        cmocka_unit_test(test_decoder_paths),
        cmocka_unit_test(test_decoder_grad_stored_then_added),
        cmocka_unit_test(test_step_allocates_nothing),
        cmocka_unit_test(test_grad_tasks_in_any_order),
        cmocka_unit_test(test_create_errors_and_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
