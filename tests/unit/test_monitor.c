/* UNIT-DEPS: core/monitor.c lib/parse.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/monitor.h"
#include "lib/libc.h"

/* Types s into l; the line if one completed, else NULL. */
static const char *type(struct monitor_line *l, const char *s, char *echoed, size_t len)
{
	const char *echo;

	echoed[0] = 0;
	for (; *s; s++) {
		bool done = monitor_line_feed(l, (uint8_t)*s, &echo);

		if (echo)
			strncat(echoed, echo, len - strlen(echoed) - 1);
		if (done)
			return l->buf;
	}
	return NULL;
}

static void test_line_editing(void **state)
{
	struct monitor_line l = { 0 };
	char echoed[200];
	const char *echo;

	(void)state;
	assert_null(type(&l, "lisz", echoed, sizeof(echoed)));
	assert_string_equal(echoed, "lisz");
	assert_string_equal(type(&l, "\x7ft\r", echoed, sizeof(echoed)), "list");
	assert_string_equal(echoed, "\b \bt\n");
	monitor_line_clear(&l);
	/* The LF of a CR LF is not a second (empty) line. */
	assert_false(monitor_line_feed(&l, '\n', &echo));
	assert_null(echo);
	/* A lone LF ends a line too; backspace on an empty line does nothing. */
	assert_false(monitor_line_feed(&l, 0x08, &echo));
	assert_null(echo);
	assert_string_equal(type(&l, "ab\x08\x08x\n", echoed, sizeof(echoed)), "x");
	monitor_line_clear(&l);
	assert_true(monitor_line_feed(&l, '\n', &echo));
	assert_string_equal(l.buf, "");
	/* Control bytes are ignored; a full line takes no more. */
	monitor_line_clear(&l);
	assert_false(monitor_line_feed(&l, 0x03, &echo));
	assert_null(echo);
	for (int i = 0; i < 200; i++)
		monitor_line_feed(&l, 'a', &echo);
	assert_int_equal(l.len, MONITOR_LINE - 1);
	assert_null(echo);
	assert_true(monitor_line_feed(&l, '\r', &echo));
	assert_int_equal(strlen(l.buf), MONITOR_LINE - 1);
}

static void test_parse_commands(void **state)
{
	struct monitor_cmd c;
	char err[100];

	(void)state;
	assert_int_equal(monitor_parse("", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_EMPTY);
	assert_int_equal(monitor_parse("   \t ", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_EMPTY);
	assert_int_equal(monitor_parse("help", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_HELP);
	assert_int_equal(monitor_parse("  list  ", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_LIST);
	assert_int_equal(monitor_parse("stats web", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_STATS);
	assert_string_equal(c.vm, "web");
	assert_false(c.has_vcpu);
	assert_int_equal(monitor_parse("regs 2", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_REGS);
	assert_string_equal(c.vm, "2");
	assert_false(c.has_vcpu);
	assert_int_equal(monitor_parse("regs db 3", &c, err, sizeof(err)), 0);
	assert_true(c.has_vcpu);
	assert_int_equal(c.vcpu, 3);
	assert_int_equal(monitor_parse("end 2", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_END);
	assert_int_equal(monitor_parse("reset 1", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_RESET);
	assert_int_equal(monitor_parse("focus x", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_FOCUS);
	assert_int_equal(monitor_parse("quit", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_QUIT);
	assert_int_equal(monitor_parse("c", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_CONTINUE);
	assert_int_equal(monitor_parse("continue", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, MON_CONTINUE);
}

static void test_parse_errors(void **state)
{
	struct monitor_cmd c;
	char err[100];

	(void)state;
	assert_int_equal(monitor_parse("frobnicate 1", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown command 'frobnicate' (help: the commands)");
	assert_int_equal(monitor_parse("stats", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "stats: which VM? (a name or a number, see list)");
	assert_int_equal(monitor_parse("list 1", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "list: too many arguments (help: the commands)");
	assert_int_equal(monitor_parse("end 1 2", &c, err, sizeof(err)), -1);
	assert_int_equal(monitor_parse("regs 1 2 3", &c, err, sizeof(err)), -1);
	assert_int_equal(monitor_parse("a b c d e f", &c, err, sizeof(err)), -1);
	assert_int_equal(monitor_parse("regs 1 x", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "bad vCPU number 'x'");
	assert_int_equal(monitor_parse("regs 1 999", &c, err, sizeof(err)), -1);
	assert_int_equal(monitor_parse("stats aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &c, err,
					sizeof(err)), -1);
	assert_int_equal(monitor_parse("LIST", &c, err, sizeof(err)), -1);
}

static void test_find_vm(void **state)
{
	const char *const names[] = { "first", "second", "3" };

	(void)state;
	assert_int_equal(monitor_find_vm("first", names, 3), 0);
	assert_int_equal(monitor_find_vm("second", names, 3), 1);
	assert_int_equal(monitor_find_vm("1", names, 3), 0);
	assert_int_equal(monitor_find_vm("2", names, 3), 1);
	assert_int_equal(monitor_find_vm("3", names, 3), 2);     /* the name, also number 3 */
	assert_int_equal(monitor_find_vm("0", names, 3), -1);
	assert_int_equal(monitor_find_vm("4", names, 3), -1);
	assert_int_equal(monitor_find_vm("third", names, 3), -1);
	assert_int_equal(monitor_find_vm("", names, 3), -1);
	/* A name wins over a number. */
	const char *const odd[] = { "a", "1" };
	assert_int_equal(monitor_find_vm("1", odd, 2), 1);
}

static void test_help_lines(void **state)
{
	int n = 0;

	(void)state;
	while (monitor_help_lines[n])
		n++;
	assert_true(n >= 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_editing),
		cmocka_unit_test(test_parse_commands),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_find_vm),
		cmocka_unit_test(test_help_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
