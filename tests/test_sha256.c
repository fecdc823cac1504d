/* Tests for core/sha256.c against the FIPS 180-4 example vectors. */
#include "support.h"

#include "sha256.h"

static void check(const char *msg, size_t repeat, const char *expected)
{
    struct sha256 s;
    char hex[65];
    sha256_init(&s);
    for (size_t i = 0; i < repeat; i++)
        sha256_update(&s, msg, strlen(msg));
    sha256_final_hex(&s, hex);
    assert_string_equal(hex, expected);
}

static void test_vectors(void **state)
{
    (void)state;
    check("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check("a", 1000000,
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_vectors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
