/* lib/printf.c against the host libc's snprintf. */
/* UNIT-DEPS: lib/printf.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <cmocka.h>

#include "lib/libc.h"
#include "lib/printk.h"

/* Some cases deliberately combine flags the standard says are ignored. */
#pragma GCC diagnostic ignored "-Wformat"

/* Format with both implementations and require identical text and return. */
#define SAME(...)                                                        \
	do {                                                             \
		char want[256], got[256];                                \
		int rw = snprintf(want, sizeof(want), __VA_ARGS__);      \
		int rg = ksnprintf(got, sizeof(got), __VA_ARGS__);       \
		assert_string_equal(got, want);                          \
		assert_int_equal(rg, rw);                                \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	SAME("%d", 0);
	SAME("%d %i", 42, -42);
	SAME("%d", INT_MIN);
	SAME("%d", INT_MAX);
	SAME("%u", UINT_MAX);
	SAME("%x %X", 0xdeadbeefu, 0xdeadbeefu);
	SAME("%o", 0755u);
	SAME("%ld", LONG_MIN);
	SAME("%lu", ULONG_MAX);
	SAME("%lld", LLONG_MIN);
	SAME("%llx", 0xfedcba9876543210ULL);
	SAME("%hhd %hhu", (signed char)-5, (unsigned char)250);
	SAME("%hhd", 300);
	SAME("%hd %hu", (short)-1234, (unsigned short)65535);
	SAME("%hx", 0x12345);
	SAME("%zu %zx", (size_t)123456789, (size_t)0xabc);
	SAME("%zd", (size_t)-3);
	SAME("%jd %ju", (intmax_t)-9, (uintmax_t)UINTMAX_MAX);
	SAME("%td", (ptrdiff_t)-77);
}

static void test_flags_width_precision(void **state)
{
	(void)state;
	SAME("[%5d]", 42);
	SAME("[%-5d]", 42);
	SAME("[%05d]", -42);
	SAME("[%+d] [%+d]", 5, -5);
	SAME("[% d] [% d]", 5, -5);
	SAME("[%+ d]", 5);
	SAME("[%.3d]", 7);
	SAME("[%.0d]", 0);
	SAME("[%5.0d]", 0);
	SAME("[%.0x]", 0);
	SAME("[%08.3d]", 12);
	SAME("[%-08d]", 12);
	SAME("[%#x] [%#X] [%#x]", 255u, 255u, 0u);
	SAME("[%#o] [%#o] [%#.0o]", 8u, 0u, 0u);
	SAME("[%#.5o]", 8u);
	SAME("[%#010x]", 0xbeefu);
	SAME("[%#-10x]", 0xbeefu);
	SAME("[%016llx]", 0x1234ULL);
	SAME("[%*d]", 6, 42);
	SAME("[%*d]", -6, 42);
	SAME("[%.*d]", 4, 42);
	SAME("[%.*d]", -4, 42);
	SAME("[%-*.*x]", 10, 6, 0xabu);
	SAME("[%+.3d]", -1);
	SAME("[% 05d]", 3);
}

static void test_strings_chars(void **state)
{
	(void)state;
	SAME("%s", "hello");
	SAME("[%10s]", "hi");
	SAME("[%-10s]", "hi");
	SAME("[%.3s]", "abcdef");
	SAME("[%.*s]", 2, "abcdef");
	SAME("[%.*s]", -1, "abcdef");
	SAME("[%8.2s]", "abcdef");
	SAME("[%s]", "");
	SAME("%c%c%c", 'a', 'b', 'c');
	SAME("[%3c] [%-3c]", 'x', 'y');
	SAME("100%%");
	SAME("%s=%d, %s=%#x", "a", 1, "b", 2u);
	SAME("no conversions at all");
}

static void test_pointer(void **state)
{
	(void)state;
	int x;
	SAME("%p", (void *)&x);
	SAME("%p", (void *)0x1000);
	SAME("[%20p]", (void *)0xdeadbeef);
	SAME("[%-20p]", (void *)0xdeadbeef);
}

static void test_truncation(void **state)
{
	(void)state;
	char buf[8];

	/* Return value is the would-be length; output is NUL-terminated. */
	assert_int_equal(ksnprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(ksnprintf(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
	buf[0] = 'Z';
	assert_int_equal(ksnprintf(buf, 0, "abc%d", 12345), 8);
	assert_int_equal(buf[0], 'Z');
	assert_int_equal(ksnprintf(NULL, 0, "%08x", 1u), 8);
	assert_int_equal(ksnprintf(buf, 4, "%d", -1234), 5);
	assert_string_equal(buf, "-12");
}

static int wrap(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = kvsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

static void test_vsnprintf(void **state)
{
	(void)state;
	char buf[64];

	assert_int_equal(wrap(buf, sizeof(buf), "%s-%d-%c", "v", 7, '!'), 5);
	assert_string_equal(buf, "v-7-!");
	assert_int_equal(wrap(buf, sizeof(buf), "%s", (const char *)NULL), 6);
	assert_string_equal(buf, "(null)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_flags_width_precision),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_vsnprintf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
