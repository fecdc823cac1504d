/* Tests for core/sweep.c: expansion order and counts of grid, zip,
 * grid x zip and repeat; run_id stability; shards; errors. */
#include "support.h"

#include "cell.h"
#include "mem.h"
#include "sweep.h"

#include <math.h>

static struct sweep *expand(const char *text, int n, char *const *over)
{
    char path[128];
    snprintf(path, sizeof path, "%s/sweep.yaml", support_dir());
    support_write_text(path, text);
    struct sweep *s;
    struct err e;
    if (sweep_load(path, n, over, &s, &e) < 0)
        fail_msg("%d:%d: %s", e.line, e.col, e.msg);
    return s;
}

static void expect_error(const char *text, const char *message)
{
    char path[128];
    snprintf(path, sizeof path, "%s/sweep.yaml", support_dir());
    support_write_text(path, text);
    struct sweep *s = NULL;
    struct err e;
    assert_true(sweep_load(path, 0, NULL, &s, &e) < 0);
    assert_null(s);
    char msg[2048];
    err_format(&e, msg, sizeof msg);
    const char *p = strstr(msg, "sweep.yaml");
    assert_string_equal(p ? p : msg, message);
}

static void test_grid_order_last_key_fastest(void **state)
{
    (void)state;
    struct sweep *s = expand("sweep:\n  grid:\n    model.hidden: [8, 16, 32]\n"
                             "    model.cell: [lstm, gru]\n", 0, NULL);
    assert_int_equal(s->n, 6);
    assert_int_equal(s->nkeys, 2);
    assert_string_equal(s->keys[0], "model.hidden");
    const long hidden[6] = {8, 8, 16, 16, 32, 32};
    for (size_t k = 0; k < 6; k++) {
        assert_int_equal(s->runs[k].cfg.model.hidden, hidden[k]);
        assert_int_equal(s->runs[k].cfg.model.cell, k % 2 ? CELL_GRU : CELL_LSTM);
        assert_int_equal(s->runs[k].index, k);
    }
    char *d = sweep_describe(s, &s->runs[3]);
    assert_string_equal(d, "model.hidden=16 model.cell=gru");
    mem_free(d);
    sweep_free(s);
}

/* d2l exercise 8.5.2: four paired [epochs, hidden, batch, steps, lr]. */
static void test_zip_walks_together_and_combines_with_grid(void **state)
{
    (void)state;
    const char *text =
        "sweep:\n"
        "  zip:\n"
        "    train.epochs: [250, 500, 500, 1000]\n"
        "    model.hidden: [512, 512, 128, 256]\n"
        "    sampler.batch_size: [35, 35, 10, 10]\n"
        "    sampler.num_steps: [10, 32, 10, 32]\n"
        "    optimizer.lr: [1, 1, 1, 0.01]\n";
    struct sweep *s = expand(text, 0, NULL);
    assert_int_equal(s->n, 4);
    assert_int_equal(s->runs[2].cfg.model.hidden, 128);
    assert_int_equal(s->runs[2].cfg.sampler.batch_size, 10);
    assert_true(s->runs[3].cfg.optimizer.lr == 0.01);
    assert_int_equal(s->runs[3].cfg.train.epochs, 1000);
    sweep_free(s);
    /* grid x zip x repeat: grid outermost, repeat innermost */
    char *over[] = {"sweep.grid.model.cell=[lstm, gru]", "sweep.repeat=3"};
    s = expand(text, 2, over);
    assert_int_equal(s->n, 2 * 4 * 3);
    assert_int_equal(s->nkeys, 1 + 5 + 1);
    assert_string_equal(s->keys[6], "seed");
    struct sweep_run *r = &s->runs[1 * 12 + 2 * 3 + 1]; /* gru, pair 2, seed 1 */
    assert_int_equal(r->cfg.model.cell, CELL_GRU);
    assert_int_equal(r->cfg.model.hidden, 128);
    assert_int_equal(r->cfg.seed, 1);
    assert_int_equal(r->cfg.generate.seed, 1);
    sweep_free(s);
}

/* An override of a flat dotted grid key replaces it (it arrives nested). */
static void test_override_replaces_a_grid_key(void **state)
{
    (void)state;
    char *over[] = {"sweep.grid.model.cell=[gru]"};
    struct sweep *s = expand("sweep:\n  grid:\n    model.cell: [lstm, rnn_tanh]\n"
                             "    model.hidden: [4, 8]\n", 1, over);
    assert_int_equal(s->n, 2);
    assert_int_equal(s->nkeys, 2);
    assert_string_equal(s->keys[0], "model.cell");
    assert_int_equal(s->runs[1].cfg.model.cell, CELL_GRU);
    assert_int_equal(s->runs[1].cfg.model.hidden, 8);
    sweep_free(s);
}

static void test_mapping_values_and_plain_configs(void **state)
{
    (void)state;
    struct sweep *s = expand(
        "sweep:\n  grid:\n    optimizer: [{kind: sgd, lr: 1}, {kind: adam, lr: 0.001}]\n",
        0, NULL);
    assert_int_equal(s->n, 2);
    assert_int_equal(s->runs[1].cfg.optimizer.kind, OPTIM_ADAM);
    assert_true(s->runs[1].cfg.optimizer.lr == 0.001);
    assert_string_equal(s->runs[1].values[0], "{kind: adam, lr: 0.001}");
    sweep_free(s);
    s = expand("model: {hidden: 8}\n", 0, NULL);
    assert_int_equal(s->n, 1);
    assert_int_equal(s->nkeys, 0);
    sweep_free(s);
}

/* A run's id depends on its resolved config only: reordering the grid, or
 * writing the same point another way, keeps every id. */
static void test_run_ids_are_stable(void **state)
{
    (void)state;
    struct sweep *a = expand("seed: 2\nsweep:\n  grid:\n    model.hidden: [8, 16]\n"
                             "    optimizer.lr: [0.5, 1]\n", 0, NULL);
    struct sweep *b = expand("sweep:\n  grid:\n    optimizer:\n      lr: [1.0, 5e-1]\n"
                             "    model.hidden: [16, 8]\nseed: 2\n", 0, NULL);
    assert_int_equal(a->n, 4);
    assert_int_equal(b->n, 4);
    for (size_t i = 0; i < 4; i++) {
        int found = 0;
        for (size_t j = 0; j < 4; j++)
            found += strcmp(a->runs[i].run_id, b->runs[j].run_id) == 0;
        assert_int_equal(found, 1);
        for (size_t j = i + 1; j < 4; j++)
            assert_string_not_equal(a->runs[i].run_id, a->runs[j].run_id);
    }
    sweep_free(a);
    sweep_free(b);
}

static void test_shards_cover_every_run_once(void **state)
{
    (void)state;
    struct sweep *s = expand("sweep:\n  grid:\n    model.hidden: [1, 2, 3, 4, 5, 6, 7]\n"
                             "  repeat: 2\n", 0, NULL);
    assert_int_equal(s->n, 14);
    int seen[14] = {0};
    for (size_t shard = 0; shard < 3; shard++)
        for (size_t k = 0; k < s->n; k++)
            if (sweep_in_shard(k, shard, 3))
                seen[k]++;
    for (size_t k = 0; k < 14; k++)
        assert_int_equal(seen[k], 1);
    sweep_free(s);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("sweep:\n  zip:\n    model.hidden: [8, 16]\n    train.epochs: [1, 2, 3]\n",
                 "sweep.yaml:4:19: sweep.zip: 'train.epochs' has 3 values but "
                 "'model.hidden' has 2");
    expect_error("sweep:\n  grd:\n    model.hidden: [8]\n",
                 "sweep.yaml:2:3: unknown key 'sweep.grd' (did you mean 'grid'?)");
    expect_error("sweep:\n  grid:\n    model.hidden: 8\n",
                 "sweep.yaml:3:19: sweep.grid.model.hidden: expected a non-empty "
                 "list of values");
    expect_error("sweep:\n  grid:\n    model.hidden: [8, -1]\n",
                 "sweep.yaml:3:23: model.hidden: -1 is out of range [1, 65536]");
    expect_error("sweep:\n  grid:\n    model.hiden: [8]\n",
                 "sweep.yaml:3:5: unknown key 'model.hiden' (did you mean "
                 "'model.hidden'?)");
    expect_error("sweep:\n  repeat: 0\n",
                 "sweep.yaml:2:11: sweep.repeat: expected an integer in [1, 100000], got '0'");
    expect_error("sweep:\n  grid:\n    model.hidden: [8, 8]\n",
                 "sweep: runs 0 and 1 resolve to the same config (run_id "
                 "81f81047ca1e); remove the duplicate value");
}

/* The value of key k (a sampled one) of run r as a number. */
static double value_of(const struct sweep *s, size_t r, size_t k)
{
    return strtod(s->runs[r].values[k], NULL);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of the sample u[0..n) (sorted here) from
 * U(0, 1). */
static double ks_uniform(double *u, size_t n)
{
    qsort(u, n, sizeof *u, compare_doubles);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double lo = u[i] - (double)i / (double)n, hi = (double)(i + 1) / (double)n - u[i];
        d = fmax(d, fmax(lo, hi));
    }
    return d;
}

static void test_sample_distributions(void **state)
{
    (void)state;
    enum { N = 4000 };
    struct sweep *s = expand("seed: 7\nsweep:\n  sample:\n    count: 4000\n    space:\n"
                             "      optimizer.lr: {loguniform: [0.001, 10]}\n"
                             "      model.dropout: {uniform: [0.1, 0.5]}\n"
                             "      model: {hidden: {int: [3, 6]}}\n"
                             "      model.cell: {choice: [lstm, gru, rnn_tanh]}\n",
                             0, NULL);
    assert_int_equal(s->n, N);
    assert_int_equal(s->nkeys, 4);
    assert_string_equal(s->keys[0], "optimizer.lr");
    assert_string_equal(s->keys[2], "model.hidden");
    static double logs[N], drops[N];
    size_t ints[7] = {0}, cells[4] = {0};
    for (size_t r = 0; r < N; r++) {
        const struct config *c = &s->runs[r].cfg;
        /* the config holds exactly the value the table shows */
        assert_true(c->optimizer.lr == value_of(s, r, 0));
        assert_true(c->optimizer.lr >= 0.001 && c->optimizer.lr <= 10);
        assert_true(c->model.dropout >= 0.1 && c->model.dropout < 0.5);
        assert_true(c->model.hidden >= 3 && c->model.hidden <= 6);
        ints[c->model.hidden]++;
        cells[c->model.cell]++;
        logs[r] = (log(c->optimizer.lr) - log(0.001)) / (log(10) - log(0.001));
        drops[r] = (c->model.dropout - 0.1) / 0.4;
    }
    /* KS at the 0.1% level: 1.95 / sqrt(N); the draws are fixed by the
     * seed, so this either always passes or always fails */
    double bound = 1.95 / sqrt((double)N);
    assert_true(ks_uniform(logs, N) < bound);
    assert_true(ks_uniform(drops, N) < bound);
    /* uniform in lr itself would put ~90% of the draws above 1; log-uniform
     * puts a quarter there */
    size_t above1 = 0;
    for (size_t r = 0; r < N; r++)
        above1 += s->runs[r].cfg.optimizer.lr > 1;
    assert_in_range(above1, N / 4 - 150, N / 4 + 150);
    /* int includes both ends; choice covers its values evenly (each count
     * within 5 standard deviations of N/k) */
    for (size_t v = 3; v <= 6; v++)
        assert_in_range(ints[v], N / 4 - 137, N / 4 + 137);
    assert_int_equal(cells[CELL_RNN_RELU], 0);
    assert_in_range(cells[CELL_LSTM], N / 3 - 149, N / 3 + 149);
    assert_in_range(cells[CELL_GRU], N / 3 - 149, N / 3 + 149);
    sweep_free(s);
}

static void test_sample_is_stable_and_combines(void **state)
{
    (void)state;
    const char *text = "seed: 3\nsweep:\n  grid: {model.cell: [lstm, gru]}\n"
                       "  sample:\n    count: 3\n    space: {optimizer.lr: "
                       "{loguniform: [0.01, 1]}}\n  repeat: 2\n";
    struct sweep *a = expand(text, 0, NULL), *b = expand(text, 0, NULL);
    assert_int_equal(a->n, 12); /* grid 2 x sample 3 x repeat 2 */
    /* what run files record as sweep_axes */
    assert_string_equal(a->axes, "model.cell:grid optimizer.lr:loguniform seed:repeat");
    for (size_t r = 0; r < a->n; r++)
        assert_string_equal(a->runs[r].run_id, b->runs[r].run_id);
    /* order: grid outermost, then the sampled point, repeat innermost; the
     * same three points under each grid value */
    assert_string_equal(a->runs[0].values[1], a->runs[1].values[1]);
    assert_string_equal(a->runs[0].values[1], a->runs[6].values[1]);
    assert_string_equal(a->runs[2].values[1], a->runs[8].values[1]);
    assert_true(strcmp(a->runs[0].values[1], a->runs[2].values[1]) != 0);
    assert_int_equal(a->runs[1].cfg.seed, 4);
    /* pinned: the draws of a seed never change (PCG32 stream "swep") */
    assert_string_equal(a->runs[0].values[1], "0.011819982303200034");
    sweep_free(b);
    /* sample.seed picks other points; the config's seed is the default */
    char *over[] = {"sweep.sample.seed=3"};
    b = expand(text, 1, over);
    assert_string_equal(a->runs[0].values[1], b->runs[0].values[1]);
    sweep_free(b);
    char *over2[] = {"sweep.sample.seed=4"};
    b = expand(text, 1, over2);
    assert_true(strcmp(a->runs[0].values[1], b->runs[0].values[1]) != 0);
    sweep_free(b);
    sweep_free(a);
}

static void test_sample_errors(void **state)
{
    (void)state;
    const char *head = "sweep:\n  sample:\n    count: 2\n    space:\n      ";
    struct { const char *dist, *message; } cases[] = {
        {"optimizer.lr: {loguniform: [0, 1]}",
         "sweep.yaml:5:34: sweep.sample.space.optimizer.lr: loguniform: the range "
         "must lie above 0 (its logarithm is drawn), got [0, 1]"},
        {"optimizer.lr: {loguniform: [-1, 1]}",
         "sweep.yaml:5:34: sweep.sample.space.optimizer.lr: loguniform: the range "
         "must lie above 0 (its logarithm is drawn), got [-1, 1]"},
        {"optimizer.lr: {uniform: [2, 1]}",
         "sweep.yaml:5:31: sweep.sample.space.optimizer.lr: uniform: lo must be "
         "below hi, got [2, 1]"},
        {"optimizer.lr: {int: [1, 3]}",
         "sweep.yaml:5:22: sweep.sample.space.optimizer.lr: int draws integers, but "
         "optimizer.lr takes real numbers; use uniform, loguniform or choice"},
        {"model.hidden: {uniform: [8, 64]}",
         "sweep.yaml:5:22: sweep.sample.space.model.hidden: uniform draws real "
         "numbers, but model.hidden takes integers; use int: [lo, hi] or choice: "
         "[...]"},
        {"model.cell: {int: [1, 2]}",
         "sweep.yaml:5:20: sweep.sample.space.model.cell: int draws integers, but "
         "model.cell takes no number; use choice: [...]"},
        {"model.hidden: {int: [8.5, 64]}",
         "sweep.yaml:5:28: sweep.sample.space.model.hidden: expected an integer "
         "bound, got '8.5'"},
        {"model.hidden: {int: [8, 9, 10]}",
         "sweep.yaml:5:27: sweep.sample.space.model.hidden: int: expected [lo, hi]"},
        {"model.hidden: {int: [8, 70000]}",
         "sweep.yaml:5:31: model.hidden: 70000 is out of range [1, 65536]"},
        {"model.dropout: {uniform: [0, 2]}",
         "sweep.yaml:5:36: model.dropout: 2 is out of range [0, 0.99]"},
        {"model.hiden: {int: [8, 9]}",
         "sweep.yaml:5:7: unknown key 'model.hiden' (did you mean 'model.hidden'?)"},
        {"model.cell: {choice: []}",
         "sweep.yaml:5:28: sweep.sample.space.model.cell: choice: expected a "
         "non-empty list of values"},
        {"model.cell: {choice: [lstm, lsmt]}",
         "sweep.yaml:5:35: model.cell: unknown value 'lsmt' (did you mean 'lstm'?)"},
        {"model.cell: {chioce: [lstm]}",
         "sweep.yaml:5:20: sweep.sample.space.model.cell: unknown distribution "
         "'chioce' (did you mean 'choice'?); expected uniform, loguniform, int or "
         "choice"},
        {"model.cell: {choice: [lstm], int: [1, 2]}",
         "sweep.yaml:5:19: sweep.sample.space.model.cell: a distribution has one "
         "kind (uniform, loguniform, int or choice), got 2 keys"},
        {"model.cell: lstm",
         "sweep.yaml:5:19: sweep.sample.space.model.cell: expected a distribution "
         "such as {uniform: [lo, hi]}, {loguniform: [lo, hi]}, {int: [lo, hi]} or "
         "{choice: [...]}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s\n", head, cases[i].dist);
        expect_error(text, cases[i].message);
    }
    expect_error("sweep:\n  grid: {model.hidden: [8, 9]}\n  sample:\n    count: 2\n"
                 "    space:\n      model.hidden: {int: [3, 9]}\n",
                 "sweep.yaml:6:7: sweep.sample.space.model.hidden: sweep.grid already "
                 "varies model.hidden; one key, one axis");
    expect_error("sweep:\n  grid: {model: [{hidden: 8}]}\n  zip: {model.hidden: [3]}\n",
                 "sweep.yaml:3:9: sweep.zip.model.hidden: sweep.grid already varies "
                 "model; one key, one axis");
    /* the count is checked before anything is drawn */
    expect_error("sweep:\n  sample: {count: 1000000, space: {seed: {int: [1, 2]}}}\n",
                 "sweep.yaml:2:3: sweep: 1000000 runs, above sweep.max_runs (100000); "
                 "raise it if you mean it");
    expect_error("sweep:\n  sample: {count: 0, space: {seed: {int: [1, 2]}}}\n",
                 "sweep.yaml:2:19: sweep.sample.count: expected an integer in [1, "
                 "1000000], got '0'");
    expect_error("sweep:\n  sample: {space: {seed: {int: [1, 2]}}}\n",
                 "sweep.yaml:2:11: sweep.sample: needs count: N and space: {KEY: "
                 "DIST, ...}");
    expect_error("sweep:\n  sample: {count: 2, space: {}, sed: 1}\n",
                 "sweep.yaml:2:33: unknown key 'sweep.sample.sed' (did you mean "
                 "'seed'?)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_order_last_key_fastest),
        cmocka_unit_test(test_zip_walks_together_and_combines_with_grid),
        cmocka_unit_test(test_override_replaces_a_grid_key),
        cmocka_unit_test(test_mapping_values_and_plain_configs),
        cmocka_unit_test(test_run_ids_are_stable),
        cmocka_unit_test(test_shards_cover_every_run_once),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sample_distributions),
        cmocka_unit_test(test_sample_is_stable_and_combines),
        cmocka_unit_test(test_sample_errors),
    };
    return cmocka_run_group_tests(tests, support_dir_setup, support_dir_teardown);
}
