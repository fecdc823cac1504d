/* Tests for core/hash.c: FNV-1a 64 against its published test vectors
 * (the offset basis a digit short would fail the first). */
#include "support.h"

#include "hash.h"

static void test_fnv1a_vectors(void **state)
{
    (void)state;
    assert_true(hash_fnv1a("", 0) == 0xcbf29ce484222325ULL);
    assert_true(hash_fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(hash_fnv1a("foobar", 6) == 0x85944171f73967e8ULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv1a_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
