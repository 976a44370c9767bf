/* UNIT-DEPS: core/console_in.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/console_in.h"
#include "lib/libc.h"

static void test_escape(void **state)
{
	struct console_in c = { 0 };
	uint8_t out = 0;

	(void)state;
	assert_int_equal(console_in_feed(&c, 'x', &out), CIN_BYTE);
	assert_int_equal(out, 'x');
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, 'n', &out), CIN_NEXT);
	assert_int_equal(console_in_feed(&c, 'n', &out), CIN_BYTE);   /* plain 'n' again */
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, '3', &out), CIN_FOCUS);
	assert_int_equal(out, 2);
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_BYTE);  /* literal Ctrl-A */
	assert_int_equal(out, 0x01);
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, '?', &out), CIN_HELP);
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, 'z', &out), CIN_NONE);   /* unknown: nothing */
	assert_int_equal(console_in_feed(&c, 'z', &out), CIN_BYTE);
}

static void test_monitor_and_quit_keys(void **state)
{
	struct console_in c = { 0 };
	uint8_t out = 0;

	(void)state;
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, 'c', &out), CIN_MONITOR);
	assert_int_equal(console_in_feed(&c, 'c', &out), CIN_BYTE);    /* plain 'c' */
	assert_int_equal(out, 'c');
	assert_int_equal(console_in_feed(&c, 'x', &out), CIN_BYTE);    /* plain 'x' */
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, 'x', &out), CIN_QUIT);
	assert_false(c.escape);
	/* Upper case is not a command: only the documented keys act. */
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, 'X', &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, 0x01, &out), CIN_NONE);
	assert_int_equal(console_in_feed(&c, 'C', &out), CIN_NONE);
}

static void test_queue(void **state)
{
	static struct input_queue q;

	(void)state;
	assert_int_equal(input_queue_peek(&q), -1);
	for (int i = 0; i < CONSOLE_QUEUE_SIZE; i++)
		assert_true(input_queue_put(&q, (uint8_t)i));
	assert_false(input_queue_put(&q, 1));
	assert_int_equal(q.dropped, 1);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(input_queue_peek(&q), i & 0xff);
		input_queue_pop(&q);
	}
	assert_true(input_queue_put(&q, 0xAB));          /* wraps */
	assert_int_equal(q.count, CONSOLE_QUEUE_SIZE - 9);
	while (q.count > 1)
		input_queue_pop(&q);
	assert_int_equal(input_queue_peek(&q), 0xAB);
	input_queue_pop(&q);
	input_queue_pop(&q);                              /* empty: no effect */
	assert_int_equal(q.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_monitor_and_quit_keys),
		cmocka_unit_test(test_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
