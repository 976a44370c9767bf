/* UNIT-DEPS: lib/cmdline.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "lib/cmdline.h"

/* Tokenize s into up to 8 words joined with '|' for easy comparison. */
static int words(const char *s, char *out, size_t outlen)
{
	char w[64];
	int rc, n = 0;

	out[0] = '\0';
	while ((rc = cmdline_next(&s, w, sizeof(w))) == 1) {
		if (n++)
			strncat(out, "|", outlen - strlen(out) - 1);
		strncat(out, w, outlen - strlen(out) - 1);
	}
	return rc < 0 ? rc : n;
}

static void test_plain(void **state)
{
	char o[256];

	(void)state;
	assert_int_equal(words("  a  bb\tccc\n", o, sizeof(o)), 3);
	assert_string_equal(o, "a|bb|ccc");
	assert_int_equal(words("", o, sizeof(o)), 0);
	assert_int_equal(words("   ", o, sizeof(o)), 0);
}

static void test_quotes(void **state)
{
	char o[256];

	(void)state;
	assert_int_equal(words("cmdline=\"a b\" x", o, sizeof(o)), 2);
	assert_string_equal(o, "cmdline=a b|x");
	/* GRUB's grub_create_loader_cmdline form. */
	assert_int_equal(words("/g.elf \"cmdline=a b\"", o, sizeof(o)), 2);
	assert_string_equal(o, "/g.elf|cmdline=a b");
	assert_int_equal(words("a\"b c\"d", o, sizeof(o)), 1);
	assert_string_equal(o, "ab cd");
	assert_int_equal(words("\"\"", o, sizeof(o)), 1);
	assert_string_equal(o, "");
	assert_int_equal(words("'x \"y\" \\z'", o, sizeof(o)), 1);
	assert_string_equal(o, "x \"y\" \\z");
}

static void test_escapes(void **state)
{
	char o[256];

	(void)state;
	assert_int_equal(words("\"say \\\"hi\\\" \\\\\"", o, sizeof(o)), 1);
	assert_string_equal(o, "say \"hi\" \\");
	/* GRUB escapes quotes outside double quotes too. */
	assert_int_equal(words("it\\'s a\\ b", o, sizeof(o)), 2);
	assert_string_equal(o, "it's|a b");
	assert_int_equal(words("end\\", o, sizeof(o)), 1);
	assert_string_equal(o, "end\\");
}

static void test_errors(void **state)
{
	char w[8], o[256];
	const char *s = "\"abc", *cur;

	(void)state;
	cur = s;
	assert_int_equal(cmdline_next(&cur, w, sizeof(w)), CMDLINE_EQUOTE);
	assert_ptr_equal(cur, s);
	assert_int_equal(words("ok 'open", o, sizeof(o)), CMDLINE_EQUOTE);
	s = "12345678";
	cur = s;
	assert_int_equal(cmdline_next(&cur, w, sizeof(w)), CMDLINE_ETOOLONG);
	s = "1234567 x";
	cur = s;
	assert_int_equal(cmdline_next(&cur, w, sizeof(w)), 1);
	assert_string_equal(w, "1234567");
	assert_string_equal(cmdline_strerror(CMDLINE_EQUOTE), "unterminated quote");
}

static void test_split_kv(void **state)
{
	char a[] = "cmdline=root=/dev/sda", b[] = "path", c[] = "k=";
	char *k, *v;

	(void)state;
	assert_true(cmdline_split_kv(a, &k, &v));
	assert_string_equal(k, "cmdline");
	assert_string_equal(v, "root=/dev/sda");
	assert_false(cmdline_split_kv(b, &k, &v));
	assert_string_equal(k, "path");
	assert_null(v);
	assert_true(cmdline_split_kv(c, &k, &v));
	assert_string_equal(v, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_split_kv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
