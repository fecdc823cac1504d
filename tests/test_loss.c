/* Tests for core/loss.c on vocabulary-major logits (V, N): the mean loss
 * and every gradient against the softmax computed in double, over more
 * examples than one block of columns (a partial second block); the bias
 * gradient's row sums equal loss_add_row_sum's over the gradient's rows,
 * bit for bit (the model's other path to them); maxima given give the
 * bits of those found; a NaN or infinite logit is seen. */
#include "support.h"

#include <math.h>

#include "loss.h"

enum { V = 37, N = 300 };

static void fill(real *x, int32_t *y, struct rng *g)
{
    for (size_t i = 0; i < (size_t)V * N; i++)
        x[i] = (real)(8 * rng_uniform(g) - 4);
    for (size_t r = 0; r < N; r++)
        y[r] = (int32_t)(rng_u32(g) % V);
}

static void test_against_double(void **state)
{
    (void)state;
    static real x[V * N], x0[V * N], rowsum[V];
    static int32_t y[N];
    struct rng g;
    rng_seed(&g, 5, 1);
    fill(x, y, &g);
    memcpy(x0, x, sizeof x);
    memset(rowsum, 0, sizeof rowsum);
    double loss = loss_softmax_xent(x, y, N, V, 1, rowsum, NULL);
    double want = 0;
    for (size_t r = 0; r < N; r++) {
        double max = -INFINITY, sum = 0;
        for (size_t v = 0; v < V; v++)
            max = fmax(max, x0[v * N + r]);
        for (size_t v = 0; v < V; v++)
            sum += exp(x0[v * N + r] - max);
        want += log(sum) - (x0[(size_t)y[r] * N + r] - max);
        for (size_t v = 0; v < V; v++) {
            double d = (exp(x0[v * N + r] - max) / sum - (y[r] == (int32_t)v)) / N;
            if (fabs(x[v * N + r] - d) > 1e-6 / N)
                fail_msg("gradient (%zu, %zu): %.9g, in double %.9g", v, r,
                         (double)x[v * N + r], d);
        }
    }
    want /= N;
    if (fabs(loss - want) > 1e-6 * want)
        fail_msg("loss %.12g, in double %.12g", loss, want);
    for (size_t v = 0; v < V; v++) {
        real again = 0;
        loss_add_row_sum(&again, x + v * N, N);
        assert_true(rowsum[v] == again);
    }
}

/* The maxima given (as the decoder's product takes them) give the bits of
 * the maxima found by the loss's own pass: loss, gradients and row sums;
 * and a wrong maximum changes them (the given one is used). */
static void test_given_max(void **state)
{
    (void)state;
    static real x[V * N], x1[V * N], max[N], rowsum[V], rowsum1[V];
    static int32_t y[N];
    struct rng g;
    rng_seed(&g, 7, 1);
    fill(x, y, &g);
    memcpy(x1, x, sizeof x);
    for (size_t r = 0; r < N; r++) {
        max[r] = -INFINITY;
        for (size_t v = 0; v < V; v++)
            max[r] = fmaxf(max[r], x[v * N + r]);
    }
    memset(rowsum, 0, sizeof rowsum);
    memset(rowsum1, 0, sizeof rowsum1);
    double a = loss_softmax_xent(x, y, N, V, 1, rowsum, NULL);
    double b = loss_softmax_xent(x1, y, N, V, 1, rowsum1, max);
    assert_true(a == b);
    assert_memory_equal(x, x1, sizeof x);
    assert_memory_equal(rowsum, rowsum1, sizeof rowsum);
    rng_seed(&g, 7, 1); /* the same logits again */
    fill(x, y, &g);
    memcpy(x1, x, sizeof x);
    max[N - 1] += 1; /* in the second block; the softmax is the same */
    a = loss_softmax_xent(x, y, N, V, 1, NULL, NULL);
    b = loss_softmax_xent(x1, y, N, V, 1, NULL, max);
    size_t differ = 0;
    for (size_t v = 0; v < V; v++) {
        differ += x[v * N + N - 1] != x1[v * N + N - 1];
        assert_true(fabs(x[v * N + N - 1] - x1[v * N + N - 1]) < 1e-7);
    }
    assert_true(differ > 0);
    assert_true(fabs(a - b) < 1e-6 * a);
}

static void test_nan_and_inf_are_seen(void **state)
{
    (void)state;
    static real x[V * N];
    static int32_t y[N];
    struct rng g;
    rng_seed(&g, 6, 1);
    fill(x, y, &g);
    x[3 * N + 290] = NAN; /* in the second block */
    assert_true(isnan(loss_softmax_xent(x, y, N, V, 0, NULL, NULL)));
    fill(x, y, &g);
    x[0 * N + 7] = NAN; /* the first row: the max starts there */
    assert_true(isnan(loss_softmax_xent(x, y, N, V, 1, NULL, NULL)));
    fill(x, y, &g);
    x[(size_t)y[11] * N + 11] = -INFINITY;
    assert_true(isinf(loss_softmax_xent(x, y, N, V, 0, NULL, NULL)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_double),
        cmocka_unit_test(test_given_max),
        cmocka_unit_test(test_nan_and_inf_are_seen),
    };
    return cmocka_run_group_tests_name("test_loss", tests, NULL, NULL);
}
