/* Tests for core/asha.c: the rungs, the decision rule over a known arrival
 * order (recomputed here from the values), membership, NaN, a decision kept
 * when the run reaches its rung again, and the rung files' evidence. */
#include "support.h"

#include <math.h>

#include "asha.h"
#include "mem.h"

static void test_rungs(void **state)
{
    (void)state;
    struct asha_config a = {.enabled = 1, .min_epochs = 1, .reduction = 3};
    assert_int_equal(asha_rung_count(&a, 30), 4); /* 1, 3, 9, 27 */
    assert_int_equal(asha_rung_at(&a, 30, 1), 0);
    assert_int_equal(asha_rung_at(&a, 30, 9), 2);
    assert_int_equal(asha_rung_at(&a, 30, 27), 3);
    assert_int_equal(asha_rung_at(&a, 30, 2), -1);
    assert_int_equal(asha_rung_at(&a, 27, 27), -1); /* the top is no rung */
    a = (struct asha_config){.enabled = 1, .min_epochs = 2, .reduction = 2};
    assert_int_equal(asha_rung_count(&a, 8), 2); /* 2, 4 */
    assert_int_equal(asha_rung_at(&a, 8, 4), 1);
    assert_int_equal(asha_rung_count(&a, 2), 0);
}

/* Ids "a..." belong to the sweep; "x..." do not. */
static int member(void *ctx, const char *id)
{
    (void)ctx;
    return id[0] == 'a';
}

static void run_id(char id[13], int k)
{
    snprintf(id, 13, "a%011d", k);
}

/* The rule, from the values in arrival order: what the k-th arrival
 * (counted from 0) decides. */
static int expected_stop(const double *v, int k, size_t eta, size_t *rank,
                         size_t *threshold)
{
    size_t n = (size_t)k + 1, r = 1;
    for (int i = 0; i < k; i++)
        r += v[i] < v[k] || (v[i] == v[k] && i < k); /* ids ascend with i */
    *rank = r;
    *threshold = n / eta > 1 ? n / eta : 1;
    return r > *threshold;
}

static void test_rule_in_arrival_order(void **state)
{
    (void)state;
    const double v[] = {5, 3, 4, 1, 6, 2, 7, 0.5, 4, 3};
    const int by_hand[] = {0, 0, 1, 0, 1, 0, 1, 0, 1, 0};
    for (size_t eta = 2; eta <= 3; eta++) {
        char dir[128];
        snprintf(dir, sizeof dir, "%s/eta%zu", support_dir(), eta);
        for (int k = 0; k < 10; k++) {
            char id[13];
            run_id(id, k);
            struct asha_decision d;
            struct err e;
            assert_int_equal(asha_decide(dir, id, 0, 1, v[k], eta, member, NULL, &d,
                                         &e), 0);
            size_t rank, threshold;
            int stop = expected_stop(v, k, eta, &rank, &threshold);
            assert_int_equal(d.n, (size_t)k + 1);
            assert_int_equal(d.rank, rank);
            assert_int_equal(d.threshold, threshold);
            assert_int_equal(d.stop, stop);
            if (eta == 2)
                assert_int_equal(d.stop, by_hand[k]);
        }
    }
}

static void test_members_nan_and_kept_decisions(void **state)
{
    (void)state;
    char dir[128], path[256];
    snprintf(dir, sizeof dir, "%s/members", support_dir());
    struct asha_decision d;
    struct err e;
    /* another sweep's record, better than everything: not counted */
    assert_int_equal(asha_decide(dir, "b00000000000", 1, 3, 0.1, 2, member, NULL, &d,
                                 &e), 0);
    assert_int_equal(asha_decide(dir, "a00000000001", 1, 3, NAN, 2, member, NULL, &d,
                                 &e), 0);
    assert_int_equal(d.n, 1);
    assert_false(d.stop); /* the first to arrive goes on */
    assert_int_equal(asha_decide(dir, "a00000000002", 1, 3, 9.0, 2, member, NULL, &d,
                                 &e), 0);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.rank, 1); /* NaN ranks last */
    assert_false(d.stop);
    assert_int_equal(asha_decide(dir, "a00000000003", 1, 3, 10.0, 2, member, NULL, &d,
                                 &e), 0);
    assert_int_equal(d.rank, 2);
    assert_true(d.stop);
    /* the NaN run reaches the rung again (resumed): its decision stands,
     * although it would now rank 3 of 3 */
    assert_int_equal(asha_decide(dir, "a00000000001", 1, 3, NAN, 2, member, NULL, &d,
                                 &e), 0);
    assert_int_equal(d.n, 1);
    assert_false(d.stop);
    assert_int_equal(d.epoch, 3);
    /* the evidence: value, epoch, n, rank, threshold, decision, ids seen */
    snprintf(path, sizeof path, "%s/rungs/1/a00000000003", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *data = calloc(1, 4096);
    assert_non_null(data);
    assert_true(fread(data, 1, 4095, f) > 0);
    fclose(f);
    assert_non_null(strstr(data, "value 10\nepoch 3\nn 3\nrank 2\n"
                                         "threshold 1\ndecision stop\nseen "));
    assert_non_null(strstr(data, "a00000000001"));
    assert_non_null(strstr(data, "a00000000002"));
    assert_null(strstr(data, "b00000000000"));
    free(data);
}

static void test_read_errors(void **state)
{
    (void)state;
    struct tree *t;
    struct err e;
    struct asha_config a;
    const char *cases[][2] = {
        {"{metric: valid_ppl, min_epochs: 1, reduction: 1}",
         "sweep.early_stop.reduction: expected an integer in [2, 1000000], got '1'"},
        {"{metric: valid_pp, min_epochs: 1, reduction: 2}",
         "sweep.early_stop.metric: expected one of valid_ppl, train_ppl, valid_mse, "
         "train_mse, got 'valid_pp' (did you mean 'valid_ppl'?)"},
        {"{metric: valid_ppl, min_epochs: 0, reduction: 2}",
         "sweep.early_stop.min_epochs: expected an integer in [1, 1000000000], got '0'"},
        {"{metric: valid_ppl, reduction: 2}",
         "sweep.early_stop: needs metric, min_epochs and reduction, e.g. {metric: "
         "valid_ppl, min_epochs: 1, reduction: 3}"},
        {"{metric: valid_ppl, min_epochs: 1, reduction: 2, eta: 3}",
         "unknown key 'sweep.early_stop.eta'"},
        {"{metric: valid_ppl, min_epoch: 1, reduction: 2}",
         "unknown key 'sweep.early_stop.min_epoch' (did you mean 'min_epochs'?)"},
        {"[valid_ppl]", "sweep.early_stop: expected a mapping {metric: valid_ppl, "
                        "min_epochs: R, reduction: eta}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(tree_parse_string(cases[i][0], "s", &t, &e), 0);
        assert_true(asha_read(t, &a, &e) < 0);
        assert_string_equal(e.msg, cases[i][1]);
        tree_free(t);
    }
    assert_int_equal(tree_parse_string("{metric: train_ppl, min_epochs: 2, reduction: 4}",
                                       "s", &t, &e), 0);
    assert_int_equal(asha_read(t, &a, &e), 0);
    assert_int_equal(a.metric, ASHA_TRAIN_PPL);
    assert_int_equal(a.min_epochs, 2);
    assert_int_equal(a.reduction, 4);
    tree_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rungs),
        cmocka_unit_test(test_rule_in_arrival_order),
        cmocka_unit_test(test_members_nan_and_kept_decisions),
        cmocka_unit_test(test_read_errors),
    };
    return cmocka_run_group_tests(tests, support_dir_setup, support_dir_teardown);
}
