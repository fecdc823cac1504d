/* Tests for core/group.c: rows grouped by point id, counts by status, and
 * mean, sample standard deviation, min and max over the completed runs
 * only, checked against values computed here. */
#include "support.h"

#include <math.h>

#include "group.h"
#include "mem.h"

static void row(struct index_row *r, const char *run, const char *point,
                const char *status, long index, double train, double valid,
                const char *values)
{
    memset(r, 0, sizeof *r);
    snprintf(r->run_id, sizeof r->run_id, "%s", run);
    snprintf(r->point_id, sizeof r->point_id, "%s", point);
    snprintf(r->status, sizeof r->status, "%s", status);
    r->sweep_index = index;
    r->train_ppl = train;
    r->valid_ppl = r->best_valid_ppl = valid;
    r->test_ppl = NAN;
    r->train_mse = r->valid_mse = NAN;
    r->values = (char *)values;
}

static void test_groups(void **state)
{
    (void)state;
    struct index_row rows[7];
    /* point b (sweep indices 3..5), listed out of order, one of them stopped */
    row(&rows[0], "r5", "pointb", "completed", 5, 4.0, 9.0, "lr=1 seed=2");
    row(&rows[1], "r0", "pointa", "completed", 0, 2.0, 3.0, "lr=0.5 seed=0");
    row(&rows[2], "r3", "pointb", "completed", 3, 1.0, 5.0, "lr=1 seed=0");
    row(&rows[3], "r4", "pointb", "stopped", 4, 100.0, 100.0, "lr=1 seed=1");
    row(&rows[4], "r6", "pointb", "completed", 6, 7.0, NAN, "lr=1 seed=3");
    row(&rows[5], "r1", "pointa", "diverged", 1, INFINITY, NAN, "lr=0.5 seed=1");
    row(&rows[6], "rx", "pointc", "completed", -1, 3.0, 3.0, "");
    struct group_row *g;
    size_t n;
    struct err e;
    assert_int_equal(group_rows(rows, 7, &g, &n, &e), 0);
    assert_int_equal(n, 3);
    /* ordered by sweep index, a point outside any sweep last */
    assert_string_equal(g[0].point_id, "pointa");
    assert_string_equal(g[1].point_id, "pointb");
    assert_string_equal(g[2].point_id, "pointc");
    assert_int_equal(g[1].sweep_index, 3);
    assert_int_equal(g[2].sweep_index, -1);
    assert_string_equal(g[0].values, "lr=0.5");
    assert_string_equal(g[1].values, "lr=1");
    assert_int_equal(g[1].runs, 4);
    assert_int_equal(g[1].completed, 3);
    assert_int_equal(g[1].stopped, 1);
    assert_int_equal(g[0].diverged, 1);
    /* train over r5, r3, r6 (the stopped r4 is left out): 4, 1, 7 */
    const struct group_stat *t = &g[1].stat[GROUP_TRAIN];
    double mean = (4.0 + 1.0 + 7.0) / 3;
    double sd = sqrt(((4 - mean) * (4 - mean) + (1 - mean) * (1 - mean) +
                      (7 - mean) * (7 - mean)) / 2);
    assert_int_equal(t->n, 3);
    assert_true(fabs(t->mean - 4.0) < 1e-12 && fabs(t->mean - mean) < 1e-12);
    assert_true(fabs(t->std - 3.0) < 1e-12 && fabs(t->std - sd) < 1e-12);
    assert_true(t->min == 1.0 && t->max == 7.0);
    /* valid: r6's NaN is left out: 9 and 5 */
    const struct group_stat *v = &g[1].stat[GROUP_VALID];
    assert_int_equal(v->n, 2);
    assert_true(v->mean == 7.0 && fabs(v->std - sqrt(8.0)) < 1e-12);
    /* one completed value: no spread; none: all NaN */
    assert_int_equal(g[0].stat[GROUP_TRAIN].n, 1);
    assert_true(g[0].stat[GROUP_TRAIN].mean == 2.0);
    assert_true(isnan(g[0].stat[GROUP_TRAIN].std));
    assert_int_equal(g[0].stat[GROUP_TEST].n, 0);
    assert_true(isnan(g[0].stat[GROUP_TEST].mean) && isnan(g[0].stat[GROUP_TEST].min));
    group_free(g, n);
}

/* A point of regression runs: its MSEs are averaged as the perplexities
 * are (completed runs only), and its perplexities are empty. */
static void test_regression_groups(void **state)
{
    (void)state;
    struct index_row rows[3];
    const double train[] = {0.05, 0.04, 0.9}, valid[] = {0.06, 0.07, 1.0};
    const char *status[] = {"completed", "completed", "stopped"};
    const char *ids[] = {"r0", "r1", "r2"};
    for (int i = 0; i < 3; i++) {
        row(&rows[i], ids[i], "sine", status[i], i, NAN, NAN, "lr=1");
        rows[i].train_mse = train[i];
        rows[i].valid_mse = valid[i];
        rows[i].regression = 1;
    }
    struct group_row *g;
    size_t n;
    struct err e;
    assert_int_equal(group_rows(rows, 3, &g, &n, &e), 0);
    assert_int_equal(n, 1);
    const struct group_stat *t = &g[0].stat[GROUP_TRAIN_MSE];
    const struct group_stat *v = &g[0].stat[GROUP_VALID_MSE];
    assert_int_equal(t->n, 2);
    assert_true(fabs(t->mean - 0.045) < 1e-15 && fabs(t->std - sqrt(0.00005)) < 1e-15);
    assert_true(t->min == 0.04 && t->max == 0.05);
    assert_true(fabs(v->mean - 0.065) < 1e-15 && v->max == 0.07);
    assert_int_equal(g[0].stat[GROUP_TRAIN].n, 0);
    assert_true(g[0].regression);
    assert_string_equal(group_metric_names[GROUP_VALID_MSE], "valid_mse");
    group_free(g, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_regression_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
