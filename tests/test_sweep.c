/* Tests for core/sweep.c: expansion order and counts of grid, zip,
 * grid x zip and repeat; run_id stability; shards; errors. */
#include "support.h"

#include "cell.h"
#include "mem.h"
#include "sweep.h"

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
    };
    return cmocka_run_group_tests(tests, support_dir_setup, support_dir_teardown);
}
