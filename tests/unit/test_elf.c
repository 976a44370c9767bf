/* UNIT-DEPS: loaders/elf.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "loaders/elf.h"
#include "tests/unit/elf_image.h"

#define RAM (4ull << 20)
#include "tests/unit/guest_ram.h"

static uint8_t img[0x8000];
static struct elf_image ei;

static int setup(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	return guest_ram_setup();
}

static int load(size_t len)
{
	return elf_load(&gm, img, len, &ei, err, sizeof(err));
}

static void expect_fail(size_t len, const char *msg)
{
	uint8_t probe = gm.base[0x100000];

	assert_int_equal(load(len), -1);
	assert_string_equal(err, msg);
	assert_int_equal(gm.base[0x100000], probe);	/* nothing loaded */
}

/* Text at 1 MiB and data+bss after it: the usual small kernel. */
static void good32(void)
{
	struct tseg s[3] = {
		{ 1, 0x1000, 0x100000, 0x100000, 0x200, 0x200 },
		{ 4, 0x1200, 0, 0, 0x10, 0x10 },	/* PT_NOTE: ignored */
		{ 1, 0x2000, 0x102000, 0x102000, 0x100, 0x3000 },
	};

	build_elf(img, false, T_EM_386, 0x100010, s, 3);
	fill_pattern(img + 0x1000, 0x200, 1);
	fill_pattern(img + 0x2000, 0x100, 2);
}

static void test_elf32_good(void **state)
{
	(void)state;
	good32();
	assert_int_equal(load(0x2100), 0);
	assert_false(ei.is64);
	assert_int_equal(ei.machine, 3);
	assert_int_equal(ei.entry, 0x100010);
	assert_int_equal(ei.lo, 0x100000);
	assert_int_equal(ei.hi, 0x105000);
	assert_int_equal(ei.nload, 2);
	assert_memory_equal(gm.base + 0x100000, img + 0x1000, 0x200);
	assert_memory_equal(gm.base + 0x102000, img + 0x2000, 0x100);
	for (size_t i = 0x102100; i < 0x105000; i++)
		assert_int_equal(gm.base[i], 0);	/* bss zeroed */
	assert_int_equal(gm.base[0x105000], 0xCC);	/* and no further */
	assert_int_equal(gm.base[0x100200], 0xCC);	/* gap untouched */
}

/* Higher-half ELF64: e_entry is virtual and maps through p_vaddr. */
static void test_elf64_higher_half(void **state)
{
	struct tseg s[2] = {
		{ 1, 0x1000, 0xffffffff80100000ull, 0x100000, 0x800, 0x800 },
		{ 1, 0x1800, 0xffffffff80200000ull, 0x200000, 0x10, 0x1000 },
	};

	(void)state;
	build_elf(img, true, T_EM_X86_64, 0xffffffff80100040ull, s, 2);
	fill_pattern(img + 0x1000, 0x810, 9);
	assert_int_equal(load(0x1810), 0);
	assert_true(ei.is64);
	assert_int_equal(ei.entry, 0x100040);
	assert_int_equal(ei.lo, 0x100000);
	assert_int_equal(ei.hi, 0x201000);
	assert_memory_equal(gm.base + 0x200000, img + 0x1800, 0x10);
}

/* objcopy -O elf32-i386 of a 64-bit kernel, and x32-style EM_X86_64. */
static void test_elf32_variants(void **state)
{
	struct tseg s[1] = { { 1, 0x100, 0x1000, 0x1000, 0x100, 0x100 } };

	(void)state;
	build_elf(img, false, T_EM_X86_64, 0x1000, s, 1);
	assert_int_equal(load(0x200), 0);
	assert_int_equal(ei.entry, 0x1000);
	assert_true(elf_is_elf(img, 4));
	assert_false(elf_is_elf(img, 3));
}

static void test_header_errors(void **state)
{
	(void)state;
	good32();
	expect_fail(10, "not an ELF file (bad magic)");
	expect_fail(40, "ELF truncated: 40 bytes, header needs 52");
	img[4] = 2;
	expect_fail(60, "ELF truncated: 60 bytes, header needs 64");
	img[4] = 3;
	expect_fail(0x2100, "ELF class 3 is neither ELFCLASS32 nor ELFCLASS64");
	good32();
	img[5] = 2;
	expect_fail(0x2100, "ELF is not little-endian version 1 (EI_DATA 2, "
		    "EI_VERSION 1)");
	good32();
	img[0] = 'M';
	expect_fail(0x2100, "not an ELF file (bad magic)");
	good32();
	put_le16(img + 16, 3);
	expect_fail(0x2100, "ELF e_type 3 is not ET_EXEC");
	good32();
	put_le16(img + 18, 40);
	expect_fail(0x2100, "ELF e_machine 40 is not EM_386 or EM_X86_64");
	good32();
	put_le16(img + 44, 0);
	expect_fail(0x2100, "ELF e_phnum 0 not in 1-256");
	good32();
	put_le16(img + 42, 16);
	expect_fail(0x2100, "ELF e_phentsize 16 < 32");
	good32();
	put_le32(img + 28, 0x2100 - 0x40);
	expect_fail(0x2100, "ELF program header table at 0x20c0 (3 x 32 bytes) "
		    "is outside the 8448-byte file");
	good32();
	expect_fail(0x80, "ELF program header table at 0x34 (3 x 32 bytes) "
		    "is outside the 128-byte file");
}

static void seg1(bool is64, uint64_t off, uint64_t paddr, uint64_t filesz,
		 uint64_t memsz, uint64_t entry)
{
	struct tseg s[1] = { { 1, off, paddr, paddr, filesz, memsz } };

	build_elf(img, is64, is64 ? T_EM_X86_64 : T_EM_386, entry, s, 1);
}

static void test_segment_errors(void **state)
{
	(void)state;
	seg1(false, 0x1000, 0x100000, 0x200, 0x100, 0x100000);
	expect_fail(0x2000, "ELF segment 0: p_memsz 0x100 < p_filesz 0x200");
	seg1(false, 0x1f00, 0x100000, 0x200, 0x200, 0x100000);
	expect_fail(0x2000, "ELF segment 0: file bytes 0x1f00-0x2100 are "
		    "outside the 8192-byte file");
	seg1(true, 0xffffffffffffff00ull, 0x100000, 0x200, 0x200, 0x100000);
	expect_fail(0x2000, "ELF segment 0: file bytes 0xffffffffffffff00-0x100 "
		    "are outside the 8192-byte file");
	seg1(false, 0x1000, 0x3ff000, 0x200, 0x2000, 0x3ff000);
	expect_fail(0x2000, "ELF segment 0 at 0x3ff000-0x401000 is outside "
		    "guest RAM (0x400000 bytes)");
	seg1(true, 0x1000, 0xfffffffffffff000ull, 0x200, 0x2000, 0);
	expect_fail(0x2000, "ELF segment 0 at 0xfffffffffffff000-0x1000 is "
		    "outside guest RAM (0x400000 bytes)");
	seg1(false, 0x1000, 0x9f000, 0x100, 0x62000, 0x9f000);
	expect_fail(0x2000, "ELF segment 0 at 0x9f000-0x101000 overlaps the "
		    "0xA0000-0xFFFFF hole");
	seg1(false, 0x1000, 0xb8000, 0x100, 0x100, 0xb8000);
	expect_fail(0x2000, "ELF segment 0 at 0xb8000-0xb8100 overlaps the "
		    "0xA0000-0xFFFFF hole");
	/* The ACPI tables' kilobyte below the hole: the platform writes there. */
	seg1(false, 0x1000, 0x9f000, 0x100, 0xd00, 0x9f000);
	expect_fail(0x2000, "ELF segment 0 at 0x9f000-0x9fd00 overlaps the "
		    "ACPI tables at 0x9fc00-0x9ffff");
	seg1(false, 0x1000, 0x9f000, 0x100, 0xc00, 0x9f000);
	assert_int_equal(load(0x2000), 0);
	seg1(false, 0x1000, 0x100000, 0x200, 0x200, 0x100200);
	expect_fail(0x2000, "ELF entry point 0x100200 is not inside any loaded "
		    "segment");
	seg1(false, 0x1000, 0x100000, 0, 0, 0x100000);
	expect_fail(0x2000, "ELF has no PT_LOAD segment with data");
}

static void test_overlap(void **state)
{
	struct tseg s[3] = {
		{ 1, 0x1000, 0x100000, 0x100000, 0x100, 0x100 },
		{ 1, 0x1000, 0x200000, 0x200000, 0x100, 0x100 },
		{ 1, 0x1000, 0x1ff000, 0x1ff000, 0x100, 0x1001 },
	};

	(void)state;
	build_elf(img, false, T_EM_386, 0x100000, s, 3);
	expect_fail(0x2000, "ELF segments 1 (0x200000-0x200100) and 2 "
		    "(0x1ff000-0x200001) overlap");
	/* Adjacent is fine. */
	s[2].memsz = 0x1000;
	build_elf(img, false, T_EM_386, 0x100000, s, 3);
	assert_int_equal(load(0x2000), 0);
	assert_int_equal(ei.nload, 3);
}

/* Whatever the bytes, the loader must fail cleanly or load only inside
 * RAM; ASan/UBSan watch for out-of-bounds reads and overflow. */
static void test_fuzz(void **state)
{
	uint32_t x = 12345;
	int round, ok = 0;

	(void)state;
	for (round = 0; round < 4000; round++) {
		size_t len, i;

		good32();
		if (round & 1) {
			struct tseg s[2] = {
				{ 1, 0x100, 0xffffffff80100000ull, 0x100000, 0x80, 0x80 },
				{ 1, 0x180, 0xffffffff80200000ull, 0x200000, 0x10, 0x1000 },
			};
			build_elf(img, true, T_EM_X86_64, 0xffffffff80100000ull, s, 2);
		}
		for (i = 0; i < 1 + (size_t)(round % 8); i++) {
			x = x * 1103515245u + 12345u;
			img[(x >> 8) % 0xc0] ^= (uint8_t)(1u << ((x >> 4) % 8));
		}
		if (round % 100 == 99)	/* pure random bytes */
			for (i = 0; i < 0x200; i++) {
				x = x * 1103515245u + 12345u;
				img[i] = (uint8_t)(x >> 16);
			}
		len = (round & 1) ? 0x300 : 0x2100;
		if (load(len) == 0) {
			ok++;
			assert_true(ei.lo < ei.hi && ei.hi <= RAM);
			assert_true(ei.entry >= ei.lo && ei.entry < ei.hi);
		} else {
			assert_true(strlen(err) > 0);
		}
	}
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_elf32_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf64_higher_half, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf32_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
