/* UNIT-DEPS: loaders/mbinfo.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "loaders/mbinfo.h"
#include "loaders/le.h"

#define RAM (64ull << 20)
#include "tests/unit/guest_ram.h"


static int setup(void **state)
{
	(void)state;
	return guest_ram_setup();
}

static uint32_t rd(uint64_t gpa)
{
	return le32(gm.base + gpa);
}

static const char *str(uint32_t gpa)
{
	return (const char *)gm.base + gpa;
}

struct want_range { uint64_t base, len; uint32_t type; };

/* Walk the map the way a guest does: entry at mmap_addr, next at
 * entry + size + 4, until mmap_length is consumed. */
static void check_mmap(uint32_t info, const struct want_range *w, int n)
{
	uint32_t addr = rd(info + MBI_OFF_MMAP_ADDR);
	uint32_t len = rd(info + MBI_OFF_MMAP_LENGTH);
	uint32_t off = 0;
	int i = 0;

	while (off < len) {
		uint8_t *e = gm.base + addr + off;

		assert_true(i < n);
		assert_int_equal(le32(e), 20);
		assert_int_equal(le64(e + 4), w[i].base);
		assert_int_equal(le64(e + 12), w[i].len);
		assert_int_equal(le32(e + 20), w[i].type);
		off += le32(e) + 4;
		i++;
	}
	assert_int_equal(off, len);
	assert_int_equal(i, n);
}

static void test_full(void **state)
{
	struct mbinfo_module mods[2] = {
		{ 0x200000, 0x201234, "initrd.img root=/dev/ram0" },
		{ 0x202000, 0x202000, "" },
	};
	const struct want_range w[] = {
		{ 0, 0x9FC00, 1 },
		{ 0x9FC00, 0x400, 2 },
		{ 0xF0000, 0x10000, 2 },
		{ 0x100000, RAM - 0x100000, 1 },
		{ 0xFEC00000, 0x1000, 2 },
		{ 0xFEE00000, 0x1000, 2 },
	};
	uint32_t info = 0x9000, m;
	uint64_t size = mbinfo_size("console=ttyS0 x", mods, 2);

	(void)state;
	assert_int_equal(mbinfo_build(&gm, info, "console=ttyS0 x", mods, 2,
				      err, sizeof(err)), 0);
	assert_int_equal(rd(info + MBI_OFF_FLAGS),
			 (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) |
			 (1u << 9));
	assert_int_equal(rd(info + MBI_OFF_MEM_LOWER), 639);
	assert_int_equal(rd(info + MBI_OFF_MEM_UPPER), (RAM - (1 << 20)) / 1024);
	assert_int_equal(rd(info + 12), 0);	/* boot_device: not set */
	assert_string_equal(str(rd(info + MBI_OFF_CMDLINE)), "console=ttyS0 x");
	assert_string_equal(str(rd(info + MBI_OFF_LOADER_NAME)), "Vireo");
	assert_int_equal(rd(info + MBI_OFF_MODS_COUNT), 2);
	m = rd(info + MBI_OFF_MODS_ADDR);
	assert_int_equal(rd(m), 0x200000);
	assert_int_equal(rd(m + 4), 0x201234);
	assert_string_equal(str(rd(m + 8)), "initrd.img root=/dev/ram0");
	assert_int_equal(rd(m + 12), 0);
	assert_int_equal(rd(m + 16), 0x202000);
	assert_int_equal(rd(m + 20), 0x202000);
	assert_string_equal(str(rd(m + 24)), "");
	assert_int_equal(rd(m + 28), 0);
	check_mmap(info, w, 6);
	/* Every pointer stays inside [info, info + size). */
	assert_true(m >= info && m + 32 <= info + size);
	assert_true(rd(info + MBI_OFF_MMAP_ADDR) + rd(info + MBI_OFF_MMAP_LENGTH)
		    <= info + size);
	assert_true(rd(m + 24) < info + size);
	assert_int_equal(gm.base[info + size], 0xCC);
	assert_int_equal(gm.base[info - 1], 0xCC);
	/* The unused info fields (syms, drives, apm, vbe, fb) are zero. */
	for (uint32_t o = 28; o < MBI_INFO_SIZE; o += 4)
		if (o != MBI_OFF_MMAP_LENGTH && o != MBI_OFF_MMAP_ADDR &&
		    o != MBI_OFF_LOADER_NAME)
			assert_int_equal(rd(info + o), 0);
}

static void test_small_ram(void **state)
{
	const struct want_range w[] = {
		{ 0, 0x9FC00, 1 },
		{ 0x9FC00, 0x400, 2 },
		{ 0xF0000, 0x10000, 2 },
		{ 0x100000, 0x100000, 1 },
		{ 0xFEC00000, 0x1000, 2 },
		{ 0xFEE00000, 0x1000, 2 },
	};

	(void)state;
	gm.size = 2u << 20;
	assert_int_equal(mbinfo_build(&gm, 0x1f0000, NULL, NULL, 0, err,
				      sizeof(err)), 0);
	assert_int_equal(rd(0x1f0000 + MBI_OFF_MEM_UPPER), 1024);
	assert_int_equal(rd(0x1f0000 + MBI_OFF_MODS_COUNT), 0);
	assert_string_equal(str(rd(0x1f0000 + MBI_OFF_CMDLINE)), "");
	check_mmap(0x1f0000, w, 6);
	gm.size = RAM;
}

static void test_errors(void **state)
{
	struct mbinfo_module mods[1] = { { 0x300000, 0x200000, "x" } };

	(void)state;
	assert_int_equal(mbinfo_build(&gm, 0x9ff00, "", NULL, 0, err,
				      sizeof(err)), -1);
	assert_string_equal(err, "Multiboot info at 0x9ff00-0xa000f is not in "
			    "guest RAM (0x4000000 bytes)");
	assert_int_equal(mbinfo_build(&gm, RAM - 16, "", NULL, 0, err,
				      sizeof(err)), -1);
	assert_int_equal(mbinfo_build(&gm, 0x9000, "", mods, 1, err,
				      sizeof(err)), -1);
	assert_string_equal(err, "module 0 range 0x300000-0x200000 is not a "
			    "32-bit range");
	assert_int_equal(mbinfo_build(&gm, 0x9000, "", mods, -1, err,
				      sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
