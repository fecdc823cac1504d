/* Tests for core/vocab.c: d2l Vocab order, ties, min_freq and <unk>. */
#include "support.h"

#include "vocab.h"

static struct vocab *build(const char *const *toks, size_t n, long min_freq)
{
    struct vocab *v = vocab_create();
    struct err e;
    uint32_t types[64];
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(vocab_intern(v, toks[i], strlen(toks[i]), &types[i], &e), 0);
    vocab_count(v, types, n);
    assert_int_equal(vocab_finish(v, min_freq, &e), 0);
    return v;
}

static void test_descending_frequency_ties_by_first_occurrence(void **state)
{
    (void)state;
    const char *toks[] = {"b", "a", "c", "a", "c", "d", "b", "a"};
    struct vocab *v = build(toks, 8, 0);
    /* counts: a 3, b 2, c 2, d 1; b before c (first seen earlier) */
    assert_int_equal(vocab_size(v), 5);
    assert_string_equal(vocab_token(v, 0), "<unk>");
    assert_string_equal(vocab_token(v, 1), "a");
    assert_string_equal(vocab_token(v, 2), "b");
    assert_string_equal(vocab_token(v, 3), "c");
    assert_string_equal(vocab_token(v, 4), "d");
    assert_int_equal(vocab_freq(v, 1), 3);
    assert_int_equal(vocab_lookup(v, "c", 1), 3);
    assert_int_equal(vocab_lookup(v, "zz", 2), 0);
    vocab_free(v);
}

static void test_min_freq_drops_rare_tokens_to_unk(void **state)
{
    (void)state;
    const char *toks[] = {"x", "y", "x", "z", "x", "y"};
    struct vocab *v = build(toks, 6, 2);
    assert_int_equal(vocab_size(v), 3); /* <unk>, x, y */
    assert_int_equal(vocab_lookup(v, "z", 1), 0);
    assert_int_equal(vocab_freq(v, 0), 1); /* z */
    vocab_free(v);
}

static void test_literal_unk_is_index_zero(void **state)
{
    (void)state;
    const char *toks[] = {"w", "<unk>", "<unk>", "w", "<unk>"};
    struct vocab *v = build(toks, 5, 0);
    assert_int_equal(vocab_size(v), 2);
    assert_int_equal(vocab_lookup(v, "<unk>", 5), 0);
    assert_int_equal(vocab_lookup(v, "w", 1), 1);
    assert_int_equal(vocab_freq(v, 0), 3);
    vocab_free(v);
}

static void test_grows_past_initial_table(void **state)
{
    (void)state;
    struct vocab *v = vocab_create();
    struct err e;
    char buf[16];
    for (int i = 0; i < 5000; i++) {
        uint32_t t;
        int n = snprintf(buf, sizeof buf, "w%d", i);
        assert_int_equal(vocab_intern(v, buf, (size_t)n, &t, &e), 0);
        assert_int_equal(t, (uint32_t)i);
        vocab_count(v, &t, 1);
    }
    assert_int_equal(vocab_finish(v, 0, &e), 0);
    assert_int_equal(vocab_size(v), 5001);
    assert_int_equal(vocab_lookup(v, "w4321", 5), 4322);
    vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descending_frequency_ties_by_first_occurrence),
        cmocka_unit_test(test_min_freq_drops_rare_tokens_to_unk),
        cmocka_unit_test(test_literal_unk_is_index_zero),
        cmocka_unit_test(test_grows_past_initial_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
