/* UNIT-DEPS: loaders/multiboot.c loaders/elf.c loaders/mbinfo.c */
/* Nothing the Multiboot and raw loaders place may overlap the ACPI tables'
 * kilobyte at 0x9FC00 (the platform writes them after loading, and the
 * guest's memory map reserves them): modules and the boot information
 * that would reach into it move above 1 MiB, a raw image there is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "loaders/multiboot.h"
#include "loaders/mbinfo.h"
#include "loaders/pc_layout.h"
#include "tests/unit/elf_image.h"

#define RAM (8ull << 20)
#include "tests/unit/guest_ram.h"

static uint8_t img[0x1000];
static struct mb_boot mb;

static int setup(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	return guest_ram_setup();
}

/* An a.out-kludge kernel loaded low, at 0x8000-0x20000 (it covers 0x9000,
 * so the boot information goes after the modules). */
static void low_kernel(void)
{
	uint32_t a[5] = { 0x8040, 0x8000, 0, 0x20000, 0x8040 };

	fill_pattern(img, sizeof(img), 1);
	build_mbhdr(img, 0x40, BIT(16), a);
}

static uint32_t rd(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, gm.base + gpa, 4);
	return v;
}

static uint32_t module_start(int i)
{
	return rd(rd(mb.info_gpa + MBI_OFF_MODS_ADDR) + 16 * (uint32_t)i);
}

static void test_module_ending_in_acpi_tables_moves_up(void **state)
{
	static uint8_t m[0x9FC00 - 0x20000 + 0x100];
	struct mb_module_in mods[1] = { { m, sizeof(m), "m" } };

	(void)state;
	low_kernel();
	fill_pattern(m, sizeof(m), 5);
	assert_int_equal(mb_prepare(&gm, img, sizeof(img), "", mods, 1, &mb, err, sizeof(err)), 0);
	assert_int_equal(module_start(0), 0x100000);
	assert_memory_equal(gm.base + 0x100000, m, sizeof(m));
}

static void test_module_ending_below_acpi_tables_stays(void **state)
{
	static uint8_t m[0x9FC00 - 0x20000];
	struct mb_module_in mods[1] = { { m, sizeof(m), "m" } };

	(void)state;
	low_kernel();
	assert_int_equal(mb_prepare(&gm, img, sizeof(img), "", mods, 1, &mb, err, sizeof(err)), 0);
	assert_int_equal(module_start(0), 0x20000);
}

/* The boot information after a module that ends at 0x9F000: a long
 * command line would carry it over 0x9FC00, so it goes above 1 MiB. */
static void test_info_not_over_acpi_tables(void **state)
{
	static uint8_t m[0x9F000 - 0x20000];
	static char cmdline[3201];	/* info of about 3.4 KiB: into the tables, short of the hole */
	struct mb_module_in mods[1] = { { m, sizeof(m), "m" } };

	(void)state;
	low_kernel();
	memset(cmdline, 'c', sizeof(cmdline) - 1);
	assert_int_equal(mb_prepare(&gm, img, sizeof(img), cmdline, mods, 1, &mb, err, sizeof(err)), 0);
	assert_int_equal(mb.info_gpa, 0x100000);
	/* A short one still fits below the tables. */
	assert_int_equal(mb_prepare(&gm, img, sizeof(img), "", mods, 1, &mb, err, sizeof(err)), 0);
	assert_int_equal(mb.info_gpa, 0x9F000);
}

static void test_raw_over_acpi_tables(void **state)
{
	(void)state;
	fill_pattern(img, 512, 7);
	assert_int_equal(raw_load(&gm, img, 512, 0x9FB00, err, sizeof(err)), -1);
	assert_string_equal(err, "raw image at 0x9fb00-0x9fd00 overlaps the ACPI tables at "
			    "0x9fc00-0x9ffff");
	assert_int_equal(raw_load(&gm, img, 512, 0x9FA00, err, sizeof(err)), 0);
	assert_memory_equal(gm.base + 0x9FA00, img, 512);
	/* Touching the hole keeps the hole's message. */
	assert_int_equal(raw_load(&gm, img, 512, 0x9ff00, err, sizeof(err)), -1);
	assert_string_equal(err, "raw image at 0x9ff00-0xa0100 overlaps the 0xA0000-0xFFFFF hole");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_module_ending_in_acpi_tables_moves_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_ending_below_acpi_tables_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_not_over_acpi_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_over_acpi_tables, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
