/* UNIT-DEPS: devices/i8042.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/i8042.h"
#include "lib/libc.h"

static int resets;

static void on_reset(void *o)
{
	(void)o;
	resets++;
}

static const struct i8042_ops ops = { on_reset };
static struct i8042 k;

static void out(uint16_t port, uint8_t v)
{
	uint32_t x = v;

	assert_int_equal(i8042_pio(&k, port, 1, true, &x), BUS_OK);
}

static uint8_t in(uint16_t port)
{
	uint32_t x = 0;

	assert_int_equal(i8042_pio(&k, port, 1, false, &x), BUS_OK);
	return (uint8_t)x;
}

static int setup(void **state)
{
	(void)state;
	resets = 0;
	i8042_init(&k, &ops, NULL);
	return 0;
}

static void test_commands(void **state)
{
	(void)state;
	assert_int_equal(in(0x64) & 0x01, 0);          /* nothing to read */
	out(0x64, 0xAA);
	assert_int_equal(in(0x64) & 0x01, 1);
	assert_int_equal(in(0x60), 0x55);               /* self-test passed */
	assert_int_equal(in(0x64) & 0x01, 0);
	out(0x64, 0x20);
	assert_int_equal(in(0x60), 0x04);               /* CCB: system flag */
	out(0x64, 0x60);
	out(0x60, 0x47);
	out(0x64, 0x20);
	assert_int_equal(in(0x60), 0x47);
	out(0x64, 0xD2);                                /* echo through the buffer */
	out(0x60, 0x1C);
	assert_int_equal(in(0x60), 0x1C);
	out(0x60, 0xFF);                                /* to the absent keyboard */
	assert_int_equal(in(0x64) & 0x40, 0x40);        /* time-out */
	assert_int_equal(resets, 0);
}

static void test_reset(void **state)
{
	(void)state;
	out(0x64, 0xFE);
	assert_int_equal(resets, 1);
	out(0x64, 0xF1);                                /* pulse lines 1-3, not reset */
	assert_int_equal(resets, 1);
	out(0x64, 0xD1);                                /* output port, reset low */
	out(0x60, 0x02);
	assert_int_equal(resets, 2);
	uint32_t v;
	assert_int_equal(i8042_pio(&k, 0x64, 2, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xffffffffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_commands, setup),
		cmocka_unit_test_setup(test_reset, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
