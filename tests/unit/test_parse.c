/* UNIT-DEPS: lib/parse.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "lib/libc.h"

static int p(const char *s, bool sfx, uint64_t *v)
{
	return parse_u64(s, strlen(s), sfx, v);
}

static void test_decimal_hex(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(p("0", false, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(p("12345", false, &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(p("0x7c00", false, &v), 0);
	assert_int_equal(v, 0x7c00);
	assert_int_equal(p("0XABCdef", false, &v), 0);
	assert_int_equal(v, 0xabcdef);
	assert_int_equal(p("18446744073709551615", false, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(p("0xffffffffffffffff", false, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_suffix(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(p("64M", true, &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(p("4k", true, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(p("3G", true, &v), 0);
	assert_int_equal(v, 3ull << 30);
	assert_int_equal(p("0x10M", true, &v), 0);
	assert_int_equal(v, 16ull << 20);
	assert_int_equal(p("100", true, &v), 0);
	assert_int_equal(v, 100);
	/* Suffix refused when not allowed. */
	assert_int_equal(p("64M", false, &v), -1);
}

static void test_reject(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(parse_u64("", 0, true, &v), -1);
	assert_int_equal(p("M", true, &v), -1);
	assert_int_equal(p("0x", false, &v), -1);
	assert_int_equal(p("0xM", true, &v), -1);
	assert_int_equal(p("12a", false, &v), -1);
	assert_int_equal(p("0x12g", false, &v), -1);
	assert_int_equal(p(" 1", false, &v), -1);
	assert_int_equal(p("-1", false, &v), -1);
	assert_int_equal(p("1MM", true, &v), -1);
	assert_int_equal(p("18446744073709551616", false, &v), -1);
	assert_int_equal(p("0x10000000000000000", false, &v), -1);
	assert_int_equal(p("17179869184G", true, &v), -1);	/* 2^34 G */
	assert_int_equal(v, 42);	/* untouched on failure */
	/* len bounds the parse: "123" of "1234". */
	assert_int_equal(parse_u64("1234", 3, false, &v), 0);
	assert_int_equal(v, 123);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_hex),
		cmocka_unit_test(test_suffix),
		cmocka_unit_test(test_reject),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
