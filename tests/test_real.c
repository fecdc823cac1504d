/* Tests for the elementwise functions of core/real.h against libm (double
 * precision), over a dense grid that covers the saturated tails. */
#include "support.h"

#include <math.h>
#include <string.h>

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

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(RNNLAB_DOUBLE)
/* The three functions over n inputs, as a kernel's variants build them
 * (RNNLAB_KERNEL): for AVX-512 and AVX2 (vectorised, fmaf an FMA
 * instruction) and for the baseline (libm's fmaf). */
#define APPLY(NAME, TARGET)                                                   \
    TARGET static void NAME(float *restrict e, float *restrict t,            \
                            float *restrict s, const float *restrict x,      \
                            size_t n)                                        \
    {                                                                         \
        for (size_t i = 0; i < n; i++) {                                      \
            e[i] = r_exp(x[i]);                                               \
            t[i] = r_tanh(x[i]);                                              \
            s[i] = r_sigmoid(x[i]);                                           \
        }                                                                     \
    }
APPLY(apply_v4, __attribute__((target("arch=x86-64-v4"))))
APPLY(apply_v3, __attribute__((target("arch=x86-64-v3"))))
APPLY(apply_base, )

enum { GRID = 40000 };

/* A kernel's bits must not depend on the CPU that picked its variant: a
 * multiply and an add contracted into an FMA in one variant and not in
 * another (-ffp-contract) would differ in the last bit. */
static void test_every_variant_same_bits(void **state)
{
    (void)state;
    static float x[GRID + 4], out[3][3][GRID + 4];
    for (size_t i = 0; i < GRID; i++)
        x[i] = -90.0f + 180.0f * (float)i / GRID;
    x[GRID] = NAN, x[GRID + 1] = 0, x[GRID + 2] = 1e-30f, x[GRID + 3] = -0.29f;
    size_t n = GRID + 4;
    /* [0] the baseline, [1] AVX-512, [2] AVX2, each where the CPU has it */
    int ran[3] = {1, 0, 0};
    apply_base(out[0][0], out[0][1], out[0][2], x, n);
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
        apply_v4(out[1][0], out[1][1], out[1][2], x, n);
        ran[1] = 1;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        apply_v3(out[2][0], out[2][1], out[2][2], x, n);
        ran[2] = 1;
    }
    const char *fn[3] = {"r_exp", "r_tanh", "r_sigmoid"};
    for (int v = 1; v < 3; v++)
        for (int f = 0; ran[v] && f < 3; f++)
            for (size_t i = 0; i < n; i++)
                if (memcmp(&out[v][f][i], &out[0][f][i], sizeof(float)))
                    fail_msg("%s(%.9g): %s variant %.9g, baseline %.9g", fn[f],
                             (double)x[i], v == 1 ? "AVX-512" : "AVX2",
                             (double)out[v][f][i], (double)out[0][f][i]);
    if (!ran[1] && !ran[2])
        print_message("test_real: this CPU has neither AVX2 nor AVX-512: "
                      "only the baseline variant ran\n");
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp_relative_error),
        cmocka_unit_test(test_tanh_and_sigmoid_absolute_error),
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(RNNLAB_DOUBLE)
        cmocka_unit_test(test_every_variant_same_bits),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
