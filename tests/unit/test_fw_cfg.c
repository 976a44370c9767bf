/* UNIT-DEPS: devices/fw_cfg.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/fw_cfg.h"
#include "lib/libc.h"

static struct fw_cfg fw;

static void sel(uint16_t key)
{
	uint32_t v = key;

	assert_int_equal(fw_cfg_pio(&fw, FW_CFG_PORT_SEL, 2, true, &v), BUS_OK);
}

static uint8_t rd(void)
{
	uint32_t v = 0xAAAAAAAA;

	assert_int_equal(fw_cfg_pio(&fw, FW_CFG_PORT_DATA, 1, false, &v), BUS_OK);
	assert_true(v <= 0xFF);
	return (uint8_t)v;
}

static uint64_t rd_le(unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)rd() << (8 * i);
	return v;
}

static int setup(void **state)
{
	(void)state;
	fw_cfg_init(&fw, 0x123456789AULL, 4);
	return 0;
}

static void test_signature(void **state)
{
	char sig[5] = {0};

	(void)state;
	sel(FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)rd();
	assert_string_equal(sig, "QEMU");
	assert_int_equal(rd(), 0);      /* past the end */
	/* Reselecting rewinds. */
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(rd(), 'Q');
	/* An 8-bit select works too. */
	uint32_t v = FW_CFG_SIGNATURE;
	rd();
	assert_int_equal(fw_cfg_pio(&fw, FW_CFG_PORT_SEL, 1, true, &v), BUS_OK);
	assert_int_equal(rd(), 'Q');
}

static void test_id(void **state)
{
	(void)state;
	sel(FW_CFG_ID);
	assert_int_equal(rd_le(4), 1);
}

static void test_ram_size(void **state)
{
	(void)state;
	sel(FW_CFG_RAM_SIZE);
	assert_int_equal(rd_le(8), 0x123456789AULL);
	assert_int_equal(rd(), 0);
}

static void test_cpus(void **state)
{
	(void)state;
	sel(FW_CFG_NB_CPUS);
	assert_int_equal(rd_le(2), 4);
	sel(FW_CFG_MAX_CPUS);
	assert_int_equal(rd_le(2), 4);
}

static void test_file_dir(void **state)
{
	(void)state;
	sel(FW_CFG_FILE_DIR);
	assert_int_equal(rd_le(4), 0);
}

static void test_unknown(void **state)
{
	(void)state;
	sel(0x0042);
	for (int i = 0; i < 16; i++)
		assert_int_equal(rd(), 0);
	sel(0x8000);            /* arch-local space: nothing there */
	assert_int_equal(rd(), 0);
	sel(0x4000 | FW_CFG_SIGNATURE);
	assert_int_equal(rd(), 0);
}

static void test_wide_reads(void **state)
{
	uint32_t v = 0;

	(void)state;
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(fw_cfg_pio(&fw, FW_CFG_PORT_DATA, 4, false, &v), BUS_OK);
	assert_int_equal(v, 'Q' | 'E' << 8 | 'M' << 16 | (uint32_t)'U' << 24);
	sel(FW_CFG_NB_CPUS);
	assert_int_equal(fw_cfg_pio(&fw, FW_CFG_PORT_DATA, 4, false, &v), BUS_OK);
	assert_int_equal(v, 4);         /* 2 bytes, zero padded */
	assert_int_equal(fw_cfg_pio(&fw, FW_CFG_PORT_SEL, 2, false, &v), BUS_OK);
	assert_int_equal(v, 0xFFFF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_signature, setup),
		cmocka_unit_test_setup(test_id, setup),
		cmocka_unit_test_setup(test_ram_size, setup),
		cmocka_unit_test_setup(test_cpus, setup),
		cmocka_unit_test_setup(test_file_dir, setup),
		cmocka_unit_test_setup(test_unknown, setup),
		cmocka_unit_test_setup(test_wide_reads, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
