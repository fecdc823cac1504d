/* Tests for core/sampler.c: the reference partitionings of d2l §8.3. */
#include "support.h"

#include "sampler.h"

static int32_t seq[64];

static struct sampler *make(size_t n, int kind, int offset, long B, long T,
                            struct rng *g)
{
    for (int i = 0; i < 64; i++)
        seq[i] = i;
    struct sampler_config c = {.kind = kind, .batch_size = B, .num_steps = T,
                               .offset = offset};
    struct sampler *s;
    struct err e;
    assert_int_equal(sampler_create(seq, n, &c, g, &s, &e), 0);
    return s;
}

/* d2lzh data_iter_consecutive on 0..29, B=2, T=6. */
static void test_sequential_zero_offset_reference(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 0, 0);
    struct sampler *s = make(30, SAMPLER_SEQUENTIAL, OFFSET_ZERO, 2, 6, &g);
    int32_t X[12], Y[12];
    sampler_begin_epoch(s);
    assert_int_equal(sampler_next(s, X, Y), 1);
    static const int32_t x1[12] = {0, 1, 2, 3, 4, 5, 15, 16, 17, 18, 19, 20};
    for (int i = 0; i < 12; i++) {
        assert_int_equal(X[i], x1[i]);
        assert_int_equal(Y[i], x1[i] + 1);
    }
    assert_int_equal(sampler_next(s, X, Y), 1);
    static const int32_t x2[12] = {6, 7, 8, 9, 10, 11, 21, 22, 23, 24, 25, 26};
    for (int i = 0; i < 12; i++)
        assert_int_equal(X[i], x2[i]);
    assert_int_equal(sampler_next(s, X, Y), 0);
    assert_true(sampler_is_sequential(s));
    sampler_free(s);
}

/* d2lzh data_iter_random on 0..29: (30-1)//6 = 4 subsequences, 2 batches,
 * each subsequence exactly once per epoch, starts at multiples of 6. */
static void test_random_zero_offset_covers_each_subsequence_once(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 1, 0);
    struct sampler *s = make(30, SAMPLER_RANDOM, OFFSET_ZERO, 2, 6, &g);
    for (int epoch = 0; epoch < 3; epoch++) {
        int seen[5] = {0}, batches = 0;
        int32_t X[12], Y[12];
        sampler_begin_epoch(s);
        while (sampler_next(s, X, Y)) {
            batches++;
            for (int b = 0; b < 2; b++) {
                assert_int_equal(X[b * 6] % 6, 0);
                for (int t = 0; t < 6; t++) {
                    assert_int_equal(X[b * 6 + t], X[b * 6] + t);
                    assert_int_equal(Y[b * 6 + t], X[b * 6 + t] + 1);
                }
                seen[X[b * 6] / 6]++;
            }
        }
        assert_int_equal(batches, 2);
        for (int k = 0; k < 4; k++)
            assert_int_equal(seen[k], 1);
        assert_int_equal(seen[4], 0);
    }
    assert_false(sampler_is_sequential(s));
    sampler_free(s);
}

/* A fixed seed gives a fixed order; another seed gives another one. */
static void test_random_order_follows_seed(void **state)
{
    (void)state;
    int32_t first[3][12];
    for (int run = 0; run < 3; run++) {
        struct rng g;
        rng_seed(&g, run == 2 ? 99 : 5, 0);
        struct sampler *s = make(64, SAMPLER_RANDOM, OFFSET_RANDOM, 3, 4, &g);
        int32_t X[12], Y[12];
        sampler_begin_epoch(s);
        assert_int_equal(sampler_next(s, X, Y), 1);
        memcpy(first[run], X, sizeof X);
        sampler_free(s);
    }
    assert_memory_equal(first[0], first[1], sizeof first[0]);
    assert_memory_not_equal(first[0], first[2], sizeof first[0]);
}

/* d2l v2 seq_data_iter_random: with offset k, (n-k-1)//T subsequences that
 * start at k + m*T, each used at most once; (that count)//B batches. */
static void test_random_v2_offset_partition(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 11, 0);
    struct sampler *s = make(35, SAMPLER_RANDOM, OFFSET_RANDOM, 2, 5, &g);
    for (int epoch = 0; epoch < 20; epoch++) {
        int32_t X[10], Y[10];
        int used[40] = {0}, batches = 0, k = -1;
        sampler_begin_epoch(s);
        while (sampler_next(s, X, Y)) {
            batches++;
            for (int b = 0; b < 2; b++) {
                int start = X[b * 5];
                if (k < 0)
                    k = start % 5;
                assert_int_equal(start % 5, k);
                assert_int_equal(used[start]++, 0);
                assert_int_equal(Y[b * 5 + 4], start + 5);
            }
        }
        assert_true(k >= 0 && k <= 4);
        assert_int_equal(batches, (int)(((35 - k - 1) / 5) / 2));
    }
    sampler_free(s);
}

/* d2l v2 seq_data_iter_sequential on 0..34, B=2, T=5: rows continue across
 * batches, and the offset k lies in [0, T]. */
static void test_sequential_v2_rows_are_contiguous(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 3, 0);
    struct sampler *s = make(35, SAMPLER_SEQUENTIAL, OFFSET_RANDOM, 2, 5, &g);
    int offsets_seen[6] = {0};
    for (int epoch = 0; epoch < 60; epoch++) {
        int32_t X[10], Y[10], prev[10];
        int batches = 0, k = -1;
        sampler_begin_epoch(s);
        while (sampler_next(s, X, Y)) {
            if (batches == 0) {
                k = X[0];
                assert_true(k >= 0 && k <= 5);
                offsets_seen[k]++;
                int row_len = (35 - k - 1) / 2;
                assert_int_equal(X[5], k + row_len); /* second row */
            } else {
                for (int b = 0; b < 2; b++)
                    assert_int_equal(X[b * 5], prev[b * 5 + 4] + 1);
            }
            for (int i = 0; i < 10; i++)
                assert_int_equal(Y[i], X[i] + 1);
            memcpy(prev, X, sizeof X);
            batches++;
        }
        assert_int_equal(batches, ((35 - k - 1) / 2) / 5);
    }
    for (int k = 0; k <= 5; k++)
        assert_true(offsets_seen[k] > 0); /* randint(0, T) is inclusive */
    sampler_free(s);
}

static void test_too_short_corpus_is_an_error(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 0, 0);
    struct sampler_config c = {.kind = SAMPLER_SEQUENTIAL, .batch_size = 4,
                               .num_steps = 10, .offset = OFFSET_RANDOM};
    struct sampler *s = NULL;
    struct err e;
    assert_int_equal(sampler_create(seq, 40, &c, &g, &s, &e), ERR_CONFIG);
    assert_null(s);
    assert_string_equal(e.msg, "sampler: a corpus of 40 tokens yields no batch "
                               "of batch_size 4 x num_steps 10; lower them or "
                               "use more data");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequential_zero_offset_reference),
        cmocka_unit_test(test_random_zero_offset_covers_each_subsequence_once),
        cmocka_unit_test(test_random_order_follows_seed),
        cmocka_unit_test(test_random_v2_offset_partition),
        cmocka_unit_test(test_sequential_v2_rows_are_contiguous),
        cmocka_unit_test(test_too_short_corpus_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
