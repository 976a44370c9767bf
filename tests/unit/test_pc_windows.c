/* UNIT-DEPS: devices/pc_windows.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/pc_windows.h"
#include "lib/libc.h"

static void test_vga_window(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(vga_window_mmio(NULL, 0xA0000, 1, false, &v), BUS_OK);
	assert_int_equal(v, 0xff);
	assert_int_equal(vga_window_mmio(NULL, 0xB8000, 2, false, &v), BUS_OK);
	assert_int_equal(v, 0xffff);
	assert_int_equal(vga_window_mmio(NULL, 0xB8000, 4, false, &v), BUS_OK);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(vga_window_mmio(NULL, 0xB8000, 8, false, &v), BUS_OK);
	assert_int_equal(v, ~0ULL);
	v = 0x1234;
	assert_int_equal(vga_window_mmio(NULL, 0xB8000, 2, true, &v), BUS_OK);
}

static void test_rom(void **state)
{
	uint8_t bytes[16];
	struct pc_rom rom = { bytes, 0xF0000, sizeof(bytes) };
	uint64_t v;

	(void)state;
	for (unsigned i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(0x10 + i);
	assert_int_equal(pc_rom_mmio(&rom, 0xF0004, 4, false, &v), BUS_OK);
	assert_int_equal(v, 0x17161514);
	assert_int_equal(pc_rom_mmio(&rom, 0xF000E, 4, false, &v), BUS_OK);
	assert_int_equal(v, 0xffff1f1e);          /* past the end: all-ones */
	v = 0;
	assert_int_equal(pc_rom_mmio(&rom, 0xF0004, 4, true, &v), BUS_OK);
	assert_int_equal(bytes[4], 0x14);          /* writes dropped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vga_window),
		cmocka_unit_test(test_rom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
