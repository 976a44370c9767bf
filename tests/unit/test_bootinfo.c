/* UNIT-DEPS: arch/x86/boot/bootinfo.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "arch/x86/boot/bootinfo.h"
#include "loaders/le.h"

/* Fake physical memory: phys [PBASE, PBASE + sizeof(mem)). */
#define PBASE 0x10000u
static uint8_t mem[0x8000];
static struct boot_info bi;
static char err[200];

static const void *map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys < PBASE || phys - PBASE > sizeof(mem) ||
	    len > sizeof(mem) - (phys - PBASE))
		return NULL;
	return mem + (phys - PBASE);
}

static int parse(uint32_t magic, uint64_t phys)
{
	err[0] = '\0';
	return bootinfo_parse(magic, phys, map, NULL, &bi, err, sizeof(err));
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	return 0;
}

/* ---- Multiboot2 builder: tags appended at 8-byte aligned offsets ---- */

static uint32_t mb2_off;

static void mb2_begin(void)
{
	mb2_off = 8;
}

static uint8_t *mb2_tag(uint32_t type, uint32_t size)
{
	uint8_t *t = mem + mb2_off;

	put_le32(t, type);
	put_le32(t + 4, size);
	mb2_off = (mb2_off + size + 7) & ~7u;
	return t;
}

static void mb2_str(uint32_t type, const char *s)
{
	uint8_t *t = mb2_tag(type, 8 + (uint32_t)strlen(s) + 1);

	memcpy(t + 8, s, strlen(s) + 1);
}

static void mb2_module(uint32_t start, uint32_t end, const char *s)
{
	uint8_t *t = mb2_tag(3, 16 + (uint32_t)strlen(s) + 1);

	put_le32(t + 8, start);
	put_le32(t + 12, end);
	memcpy(t + 16, s, strlen(s) + 1);
}

static void mb2_end(void)
{
	mb2_tag(0, 8);
	put_le32(mem, mb2_off);
}

static void mb2_mmap(int n)
{
	uint8_t *t = mb2_tag(6, 16 + 24 * (uint32_t)n);
	int i;

	put_le32(t + 8, 24);
	put_le32(t + 12, 0);
	for (i = 0; i < n; i++) {
		put_le64(t + 16 + 24 * i, (uint64_t)i << 32 | 0x1000);
		put_le64(t + 24 + 24 * i, 0x1000u * (unsigned)(i + 1));
		put_le32(t + 32 + 24 * i, (uint32_t)(i % 2 + 1));
	}
}

static void test_mb2_full(void **state)
{
	uint8_t *t;

	(void)state;
	mb2_begin();
	mb2_str(1, "/boot/vireo.elf loglevel=debug");
	mb2_str(2, "GRUB 2.06");
	mb2_tag(4, 16);			/* basic meminfo: ignored */
	mb2_module(0x200000, 0x201000, "/boot/g.elf name=web");
	mb2_module(0x300000, 0x300000, "");
	mb2_mmap(3);
	t = mb2_tag(14, 8 + 20);
	memcpy(t + 8, "RSD PTR ", 8);
	t[8 + 15] = 0;
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), 0);
	assert_string_equal(bi.cmdline, "/boot/vireo.elf loglevel=debug");
	assert_string_equal(bi.loader, "GRUB 2.06");
	assert_int_equal(bi.nmods, 2);
	assert_int_equal(bi.mods[0].start, 0x200000);
	assert_int_equal(bi.mods[0].end, 0x201000);
	assert_string_equal(bi.mods[0].string, "/boot/g.elf name=web");
	assert_string_equal(bi.mods[1].string, "");
	assert_int_equal(bi.nmem, 3);
	assert_int_equal(bi.mem[2].base, (2ull << 32) | 0x1000);
	assert_int_equal(bi.mem[2].len, 0x3000);
	assert_int_equal(bi.mem[1].type, 2);
	assert_true(bi.has_rsdp);
	assert_int_equal(bi.rsdp_copy_phys, PBASE + (uint64_t)(t - mem) + 8);
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
}

static void test_mb2_rsdp_v2_wins(void **state)
{
	uint8_t *t14, *t15;

	(void)state;
	mb2_begin();
	t15 = mb2_tag(15, 8 + 36);
	memcpy(t15 + 8, "RSD PTR ", 8);
	t15[8 + 15] = 2;
	t15[8 + 35] = 0x5a;
	t14 = mb2_tag(14, 8 + 20);
	memcpy(t14 + 8, "RSD PTR ", 8);
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), 0);
	assert_int_equal(bi.rsdp[15], 2);
	assert_int_equal(bi.rsdp[35], 0x5a);
	assert_int_equal(bi.rsdp_copy_phys, PBASE + (uint64_t)(t15 - mem) + 8);
	/* Without ACPI tags: none. */
	mb2_begin();
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), 0);
	assert_false(bi.has_rsdp);
	assert_int_equal(bi.rsdp_copy_phys, 0);
	assert_int_equal(bi.nmods, 0);
	assert_int_equal(bi.nmem, 0);
}

static void test_mb2_errors(void **state)
{
	uint8_t *t;
	static char longs[BOOT_STRING_MAX + 44];

	(void)state;
	assert_int_equal(parse(0x12345678, PBASE), -1);
	assert_string_equal(err, "bad bootloader magic 0x12345678 (want "
			    "Multiboot2 0x36d76289 or Multiboot 0x2badb002)");
	assert_int_equal(parse(0x36d76289, PBASE + 4), -1);
	assert_string_equal(err, "Multiboot2 info at 0x10004 is not 8-byte "
			    "aligned");
	assert_int_equal(parse(0x36d76289, 0x8000), -1);
	assert_string_equal(err, "Multiboot2 info at 0x8000 is not readable");
	put_le32(mem, 8);
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "Multiboot2 total_size 8 is not in 16-1048576");
	put_le32(mem, sizeof(mem) + 8);
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "Multiboot2 info at 0x10000 (32776 bytes) is "
			    "not readable");
	/* No end tag. */
	mb2_begin();
	mb2_str(1, "x");
	put_le32(mem, mb2_off);
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "Multiboot2 info has no end tag within "
			    "total_size 24");
	/* Tag running past total_size. */
	mb2_begin();
	t = mb2_tag(1, 16);
	mb2_end();
	put_le32(t + 4, 100);
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "Multiboot2 tag 1 at offset 8 has bad size "
			    "100 (total_size 32)");
	put_le32(t + 4, 4);
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	/* String without NUL inside its tag. */
	mb2_begin();
	t = mb2_tag(1, 12);
	memcpy(t + 8, "abcd", 4);
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "Multiboot2 command line is not NUL-terminated");
	/* Over-long command line. */
	memset(longs, 'a', BOOT_STRING_MAX + 43);
	longs[BOOT_STRING_MAX + 43] = '\0';
	mb2_begin();
	mb2_str(1, longs);
	mb2_mmap(1);
	mb2_end();
	/* ...drops the command line (defaults apply), not the boot. */
	assert_int_equal(parse(0x36d76289, PBASE), 0);
	assert_string_equal(bi.cmdline_refused, "Multiboot2 command line is 8235 characters, "
			    "max 8191");
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nmem, 1);
	/* ...but an over-long loader name is just truncated. */
	mb2_begin();
	mb2_str(2, longs);
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), 0);
	assert_int_equal(strlen(bi.loader), 63);
	/* Bad mmap entry size, bad module, short RSDP. */
	mb2_begin();
	t = mb2_tag(6, 16 + 20);
	put_le32(t + 8, 20);
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "Multiboot2 mmap entry_size 20 is not a "
			    "multiple of 8 >= 24");
	mb2_begin();
	mb2_module(0x2000, 0x1000, "m");
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "Multiboot2 module ends (0x1000) before it "
			    "starts (0x2000)");
	mb2_begin();
	mb2_tag(14, 8 + 10);
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "Multiboot2 ACPI tag 14 holds 10 bytes, RSDP "
			    "needs 20");
}

static void test_mb2_too_many(void **state)
{
	int i;

	(void)state;
	mb2_begin();
	for (i = 0; i < 33; i++)
		mb2_module(0x1000u * (unsigned)i, 0x1000u * (unsigned)i + 1, "m");
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "boot info lists 33 modules, more than 32; "
			    "modules 32-32 are ignored");
	assert_int_equal(bi.nmods, 32);
	assert_int_equal(bi.mods[31].start, 31 * 0x1000);
	mb2_begin();
	mb2_mmap(70);
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "boot info lists more than 64 memory ranges; "
			    "the rest are ignored");
	assert_int_equal(bi.nmem, 64);
}

/* total_size 20 with one 10-byte tag: the next aligned offset (24) is past
 * the end; the walk must stop there, not read on (found by fuzz_bootinfo). */
static void test_mb2_tag_near_end(void **state)
{
	(void)state;
	memset(mem, 0xee, 64);
	put_le32(mem, 20);
	put_le32(mem + 4, 0);
	put_le32(mem + 8, 1);
	put_le32(mem + 12, 10);
	memcpy(mem + 16, "x", 2);
	assert_int_equal(parse(0x36d76289, PBASE), -1);
	assert_string_equal(err, "Multiboot2 info has no end tag within total_size 20");
}

/* A module string too long to read refuses that module only: the walk
 * goes on to the next module and the memory map. */
static void test_mb2_long_module_string(void **state)
{
	static char longs[BOOT_STRING_MAX + 20];

	(void)state;
	memset(longs, 'q', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	mb2_begin();
	mb2_module(0x200000, 0x201000, longs);
	mb2_module(0x300000, 0x301000, "name=ok");
	mb2_mmap(2);
	mb2_end();
	assert_int_equal(parse(0x36d76289, PBASE), 0);
	assert_int_equal(bi.nmods, 2);
	assert_string_equal(bi.mods[0].refused, "Multiboot2 module string is 8211 characters, max 8191");
	assert_string_equal(bi.mods[0].string, "");
	assert_string_equal(bi.mods[1].refused, "");
	assert_string_equal(bi.mods[1].string, "name=ok");
	assert_int_equal(bi.nmem, 2);
}

/* ---- Multiboot v1 ---- */

#define MB1_INFO 0x10000u
#define MB1_STR  0x10200u
#define MB1_MODS 0x10400u
#define MB1_MMAP 0x10600u

static uint8_t *at(uint32_t phys)
{
	return mem + (phys - PBASE);
}

static void mb1_build(void)
{
	uint8_t *i = at(MB1_INFO), *m = at(MB1_MODS), *e = at(MB1_MMAP);
	int k;

	put_le32(i, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9));
	put_le32(i + 4, 639);
	put_le32(i + 8, 130048);
	strcpy((char *)at(MB1_STR), "/vireo stats=1");
	put_le32(i + 16, MB1_STR);
	strcpy((char *)at(MB1_STR + 0x40), "mod one");
	strcpy((char *)at(MB1_STR + 0x80), "mod two");
	put_le32(i + 20, 2);
	put_le32(i + 24, MB1_MODS);
	put_le32(m, 0x200000);
	put_le32(m + 4, 0x200100);
	put_le32(m + 8, MB1_STR + 0x40);
	put_le32(m + 16, 0x300000);
	put_le32(m + 20, 0x300200);
	put_le32(m + 24, MB1_STR + 0x80);
	/* Two entries, the second with a larger size field (allowed). */
	put_le32(e, 20);
	put_le64(e + 4, 0);
	put_le64(e + 12, 0x9fc00);
	put_le32(e + 20, 1);
	put_le32(e + 24, 28);
	put_le64(e + 28, 0x100000);
	put_le64(e + 36, 0x7f00000);
	put_le32(e + 44, 1);
	for (k = 48; k < 56; k++)
		e[k] = 0xee;
	put_le32(i + 44, 56);
	put_le32(i + 48, MB1_MMAP);
	strcpy((char *)at(MB1_STR + 0xc0), "GRUB 0.97");
	put_le32(i + 64, MB1_STR + 0xc0);
}

static void test_mb1_full(void **state)
{
	(void)state;
	mb1_build();
	assert_int_equal(parse(0x2BADB002, MB1_INFO), 0);
	assert_string_equal(bi.cmdline, "/vireo stats=1");
	assert_string_equal(bi.loader, "GRUB 0.97");
	assert_int_equal(bi.nmods, 2);
	assert_int_equal(bi.mods[0].start, 0x200000);
	assert_int_equal(bi.mods[0].end, 0x200100);
	assert_string_equal(bi.mods[0].string, "mod one");
	assert_int_equal(bi.mods[1].end, 0x300200);
	assert_string_equal(bi.mods[1].string, "mod two");
	assert_int_equal(bi.nmem, 2);
	assert_int_equal(bi.mem[0].len, 0x9fc00);
	assert_int_equal(bi.mem[1].base, 0x100000);
	assert_int_equal(bi.mem[1].len, 0x7f00000);
	assert_int_equal(bi.mem[1].type, 1);
	assert_false(bi.has_rsdp);
}

static void test_mb1_minimal(void **state)
{
	(void)state;
	/* Only mem_lower/mem_upper: synthesised ranges. */
	put_le32(at(MB1_INFO), 1);
	put_le32(at(MB1_INFO) + 4, 639);
	put_le32(at(MB1_INFO) + 8, 1024);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), 0);
	assert_int_equal(bi.nmem, 2);
	assert_int_equal(bi.mem[0].len, 639 * 1024);
	assert_int_equal(bi.mem[1].base, 0x100000);
	assert_int_equal(bi.mem[1].len, 1 << 20);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nmods, 0);
	/* Flags 0: nothing at all. */
	put_le32(at(MB1_INFO), 0);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), 0);
	assert_int_equal(bi.nmem, 0);
}

static void test_mb1_long_module_string(void **state)
{
	char *s;

	(void)state;
	mb1_build();
	s = (char *)at(MB1_STR + 0x1000);
	memset(s, 'x', BOOT_STRING_MAX);
	s[BOOT_STRING_MAX] = '\0';
	put_le32(at(MB1_MODS) + 8, MB1_STR + 0x1000);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), 0);
	assert_int_equal(bi.nmods, 2);
	assert_string_equal(bi.mods[0].refused, "Multiboot module string at 0x11200 is longer than 8191 characters");
	assert_string_equal(bi.mods[1].string, "mod two");
	assert_int_equal(bi.nmem, 2);
}

static void test_mb1_errors(void **state)
{
	char *s;

	(void)state;
	assert_int_equal(parse(0x2BADB002, 0x100), -1);
	assert_string_equal(err, "Multiboot info at 0x100 is not readable");
	mb1_build();
	put_le32(at(MB1_INFO) + 16, 0x99999);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), -1);
	assert_string_equal(err, "Multiboot command line at 0x99999 is not "
			    "readable");
	mb1_build();
	s = (char *)at(MB1_STR + 0x1000);
	memset(s, 'x', BOOT_STRING_MAX);
	s[BOOT_STRING_MAX] = '\0';
	put_le32(at(MB1_INFO) + 16, MB1_STR + 0x1000);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), 0);
	assert_string_equal(bi.cmdline_refused, "Multiboot command line at 0x11200 is longer "
			    "than 8191 characters");
	assert_string_equal(bi.cmdline, "");
	s[BOOT_STRING_MAX - 1] = '\0';
	assert_int_equal(parse(0x2BADB002, MB1_INFO), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_STRING_MAX - 1);
	/* String running off the end of memory. */
	memset(mem + sizeof(mem) - 10, 'y', 10);
	put_le32(at(MB1_INFO) + 16, PBASE + sizeof(mem) - 10);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), -1);
	mb1_build();
	put_le32(at(MB1_INFO) + 24, 0xfffff000);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), -1);
	assert_string_equal(err, "Multiboot module list at 0xfffff000 is not "
			    "readable");
	mb1_build();
	put_le32(at(MB1_MODS) + 4, 0x1000);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), -1);
	assert_string_equal(err, "Multiboot module 0 ends (0x1000) before it "
			    "starts (0x200000)");
	mb1_build();
	put_le32(at(MB1_MMAP) + 24, 100);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), -1);
	assert_string_equal(err, "Multiboot mmap entry at offset 24 has bad "
			    "size 100");
	mb1_build();
	put_le32(at(MB1_MMAP), 8);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), -1);
	mb1_build();
	put_le32(at(MB1_INFO) + 44, 0x100000);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), -1);
	assert_string_equal(err, "Multiboot mmap at 0x10600 (1048576 bytes) is "
			    "not readable");
	/* 40 modules (list overlaps the mmap area: flags say mods only). */
	mb1_build();
	put_le32(at(MB1_INFO), 1 << 3);
	put_le32(at(MB1_INFO) + 20, 40);
	for (int k = 0; k < 40; k++) {
		put_le32(at(MB1_MODS) + 16 * k, 0x1000u * (unsigned)k);
		put_le32(at(MB1_MODS) + 16 * k + 4, 0x1000u * (unsigned)k + 5);
		put_le32(at(MB1_MODS) + 16 * k + 8, MB1_STR + 0x40);
	}
	assert_int_equal(parse(0x2BADB002, MB1_INFO), -1);
	assert_string_equal(err, "boot info lists 40 modules, more than 32; "
			    "modules 32-39 are ignored");
	assert_int_equal(bi.nmods, 32);
	assert_int_equal(bi.mods[31].end, 31 * 0x1000 + 5);
	assert_string_equal(bi.mods[31].string, "mod one");
	/* A module string pointer into nowhere. */
	put_le32(at(MB1_MODS) + 16 * 3 + 8, 0);
	assert_int_equal(parse(0x2BADB002, MB1_INFO), -1);
	assert_string_equal(err, "Multiboot module string at 0x0 is not "
			    "readable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mb2_full, setup),
		cmocka_unit_test_setup(test_mb2_rsdp_v2_wins, setup),
		cmocka_unit_test_setup(test_mb2_errors, setup),
		cmocka_unit_test_setup(test_mb2_too_many, setup),
		cmocka_unit_test_setup(test_mb2_long_module_string, setup),
		cmocka_unit_test_setup(test_mb2_tag_near_end, setup),
		cmocka_unit_test_setup(test_mb1_full, setup),
		cmocka_unit_test_setup(test_mb1_minimal, setup),
		cmocka_unit_test_setup(test_mb1_errors, setup),
		cmocka_unit_test_setup(test_mb1_long_module_string, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
