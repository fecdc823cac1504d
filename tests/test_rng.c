/* Tests for core/rng.c: the PCG32 reference stream and the derived draws. */
#include "support.h"

#include <math.h>

#include "rng.h"

/* pcg32-demo of the reference pcg-c-basic library, seeded (42, 54). */
static void test_pcg32_reference_stream(void **state)
{
    (void)state;
    static const uint32_t expected[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                         0x83d2f293, 0xbfa4784b, 0xcbed606e};
    struct rng g;
    rng_seed(&g, 42, 54);
    for (int i = 0; i < 6; i++)
        assert_int_equal(rng_u32(&g), expected[i]);
}

static void test_same_seed_same_sequence(void **state)
{
    (void)state;
    struct rng a, b, c;
    rng_seed(&a, 7, 1);
    rng_seed(&b, 7, 1);
    rng_seed(&c, 8, 1);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        uint32_t x = rng_u32(&a);
        assert_int_equal(x, rng_u32(&b));
        differ += x != rng_u32(&c);
    }
    assert_true(differ > 90);
}

/* Counts of rng_below(6) over 60000 draws: chi-square with 5 degrees of
 * freedom stays under 20.5 (p = 0.001) for a uniform generator. */
static void test_below_is_uniform(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 1, 2);
    long counts[6] = {0};
    for (int i = 0; i < 60000; i++) {
        uint32_t v = rng_below(&g, 6);
        assert_true(v < 6);
        counts[v]++;
    }
    double chi2 = 0;
    for (int k = 0; k < 6; k++)
        chi2 += (counts[k] - 10000.0) * (counts[k] - 10000.0) / 10000.0;
    assert_true(chi2 < 20.5);
}

static void test_uniform_and_normal_moments(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 3, 4);
    double su = 0, sn = 0, sn2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&g);
        assert_true(u >= 0 && u < 1);
        su += u;
        double z = rng_normal(&g);
        sn += z;
        sn2 += z * z;
    }
    assert_true(fabs(su / n - 0.5) < 0.005);
    assert_true(fabs(sn / n) < 0.01);
    assert_true(fabs(sn2 / n - 1.0) < 0.02);
}

static void test_shuffle_is_permutation(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 5, 0);
    uint32_t a[100];
    for (uint32_t i = 0; i < 100; i++)
        a[i] = i;
    rng_shuffle_u32(&g, a, 100);
    int seen[100] = {0}, moved = 0;
    for (uint32_t i = 0; i < 100; i++) {
        seen[a[i]]++;
        moved += a[i] != i;
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(seen[i], 1);
    assert_true(moved > 80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcg32_reference_stream),
        cmocka_unit_test(test_same_seed_same_sequence),
        cmocka_unit_test(test_below_is_uniform),
        cmocka_unit_test(test_uniform_and_normal_moments),
        cmocka_unit_test(test_shuffle_is_permutation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
