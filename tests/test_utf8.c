/* Tests for core/utf8.c: code points decoded, malformed bytes located. */
#include "support.h"

#include "utf8.h"

static void test_decodes_code_points(void **state)
{
    (void)state;
    const unsigned char s[] = "a\xc3\xa9\xe6\x88\x91\xf0\x9f\x98\x80";
    uint32_t cp;
    assert_int_equal(utf8_next(s, 10, &cp), 1);
    assert_int_equal(cp, 'a');
    assert_int_equal(utf8_next(s + 1, 9, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(utf8_next(s + 3, 7, &cp), 3);
    assert_int_equal(cp, 0x6211); /* 我 */
    assert_int_equal(utf8_next(s + 6, 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
}

static void test_rejects_malformed(void **state)
{
    (void)state;
    assert_int_equal(utf8_validate("ok\xff", 3), 2);          /* bad lead */
    assert_int_equal(utf8_validate("ab\xc3", 3), 2);          /* truncated */
    assert_int_equal(utf8_validate("\xc0\xaf", 2), 0);        /* overlong */
    assert_int_equal(utf8_validate("x\xed\xa0\x80", 4), 1);   /* surrogate */
    assert_int_equal(utf8_validate("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
    assert_int_equal(utf8_validate("\xe6\x88" "a", 3), 0);    /* bad continuation */
    assert_int_equal(utf8_validate("fine \xe6\x88\x91", 8), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decodes_code_points),
        cmocka_unit_test(test_rejects_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
