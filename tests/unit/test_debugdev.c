/* UNIT-DEPS: devices/debugdev.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/debugdev.h"
#include "lib/libc.h"

struct rec {
	uint8_t chars[16];
	unsigned nchars;
	uint32_t status;
	int nexits;
};

static void out_cb(void *opaque, uint8_t c)
{
	struct rec *r = opaque;

	r->chars[r->nchars++ % 16] = c;
}

static void exit_cb(void *opaque, uint32_t status)
{
	struct rec *r = opaque;

	r->status = status;
	r->nexits++;
}

static void test_debugcon(void **state)
{
	struct debugcon d;
	struct rec r = {0};
	uint32_t v;

	(void)state;
	debugcon_init(&d, out_cb, &r);
	v = 'H';
	assert_int_equal(debugcon_pio(&d, DEBUGCON_PORT, 1, true, &v), BUS_OK);
	v = 0x4142;
	assert_int_equal(debugcon_pio(&d, DEBUGCON_PORT, 2, true, &v), BUS_OK);
	assert_int_equal(r.nchars, 2);
	assert_int_equal(r.chars[0], 'H');
	assert_int_equal(r.chars[1], 0x42);
	v = 0;
	assert_int_equal(debugcon_pio(&d, DEBUGCON_PORT, 1, false, &v), BUS_OK);
	assert_int_equal(v, 0xE9);
	assert_int_equal(debugcon_pio(&d, DEBUGCON_PORT, 2, false, &v), BUS_OK);
	assert_int_equal(v, 0xFFE9);
}

static void test_debug_exit(void **state)
{
	struct debug_exit d;
	struct rec r = {0};
	uint32_t v;

	(void)state;
	debug_exit_init(&d, exit_cb, &r);
	v = 0;
	assert_int_equal(debug_exit_pio(&d, DEBUG_EXIT_PORT, 1, false, &v), BUS_OK);
	assert_int_equal(v, 0xFF);
	assert_int_equal(debug_exit_pio(&d, DEBUG_EXIT_PORT, 4, false, &v), BUS_OK);
	assert_int_equal(v, 0xFFFFFFFFu);
	assert_int_equal(r.nexits, 0);
	v = 0x10;
	assert_int_equal(debug_exit_pio(&d, DEBUG_EXIT_PORT, 1, true, &v), BUS_OK);
	assert_int_equal(r.nexits, 1);
	assert_int_equal(r.status, 0x21);
	v = 0;
	assert_int_equal(debug_exit_pio(&d, DEBUG_EXIT_PORT + 2, 2, true, &v), BUS_OK);
	assert_int_equal(r.status, 1);
	v = 0x1234;
	assert_int_equal(debug_exit_pio(&d, DEBUG_EXIT_PORT, 4, true, &v), BUS_OK);
	assert_int_equal(r.status, 0x2469);
	v = 0x1FF;              /* byte write: only the low byte counts */
	assert_int_equal(debug_exit_pio(&d, DEBUG_EXIT_PORT, 1, true, &v), BUS_OK);
	assert_int_equal(r.status, 0x1FF);
	assert_int_equal(r.nexits, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debugcon),
		cmocka_unit_test(test_debug_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
