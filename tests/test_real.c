/* Tests for the elementwise functions of core/real.h against libm (double
 * precision), over a dense grid that covers the saturated tails. */
#include "support.h"

#include <math.h>

#include "real.h"

static void test_exp_relative_error(void **state)
{
    (void)state;
    double worst = 0;
    for (double x = -87; x <= 88; x += 0.000731) {
        double want = exp((double)(float)x);
        double err = fabs((double)r_exp((float)x) - want) / want;
        worst = err > worst ? err : worst;
    }
    if (!(worst < 2e-7))
        fail_msg("r_exp: worst relative error %.3g", worst);
    assert_true(r_exp(-200.0f) > 0 && r_exp(-200.0f) < 1e-37f);
    assert_true(isinf(r_exp(1000.0f)) || r_exp(1000.0f) > 1e38f);
    assert_true(isnan(r_exp(NAN)));
}

static void test_tanh_and_sigmoid_absolute_error(void **state)
{
    (void)state;
    double worst_t = 0, worst_s = 0, worst_small = 0;
    for (double x = -20; x <= 20; x += 0.0001373) {
        float f = (float)x;
        double et = fabs((double)r_tanh(f) - tanh((double)f));
        double es = fabs((double)r_sigmoid(f) - 1 / (1 + exp(-(double)f)));
        worst_t = et > worst_t ? et : worst_t;
        worst_s = es > worst_s ? es : worst_s;
        if (fabs(x) < 0.3 && x != 0)
            worst_small = fmax(worst_small, et / fabs(tanh((double)f)));
    }
    if (!(worst_t < 2e-7 && worst_s < 2e-7 && worst_small < 2e-7))
        fail_msg("tanh abs %.3g, sigmoid abs %.3g, tanh rel near 0 %.3g", worst_t,
                 worst_s, worst_small);
    assert_true(r_tanh(50) == 1 && r_tanh(-50) == -1 && r_tanh(0) == 0);
    assert_true(isnan(r_tanh(NAN)) && isnan(r_sigmoid(NAN)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp_relative_error),
        cmocka_unit_test(test_tanh_and_sigmoid_absolute_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
