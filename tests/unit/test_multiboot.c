/* UNIT-DEPS: loaders/multiboot.c loaders/elf.c loaders/mbinfo.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "loaders/multiboot.h"
#include "loaders/mbinfo.h"
#include "tests/unit/elf_image.h"

#define RAM (8ull << 20)
#include "tests/unit/guest_ram.h"

static uint8_t img[0x6000];
static struct mb_boot mb;
static struct mb_header hdr;

static int setup(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	return guest_ram_setup();
}

static int find(size_t len)
{
	err[0] = '\0';
	return mb_find_header(img, len, &hdr, err, sizeof(err));
}

static int kload(size_t len)
{
	err[0] = '\0';
	return mb_load_kernel(&gm, img, len, &mb, err, sizeof(err));
}

/* ELF32 kernel at 1 MiB with the Multiboot header in its text (file 0x1000). */
static size_t mb_elf(uint32_t flags)
{
	struct tseg s[2] = {
		{ 1, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000 },
		{ 1, 0x2000, 0x101000, 0x101000, 0x800, 0x4000 },
	};

	build_elf(img, false, T_EM_386, 0x10000c, s, 2);
	fill_pattern(img + 0x1000, 0x1800, 3);
	build_mbhdr(img, 0x1000, flags, NULL);
	return 0x2800;
}

static void test_find_header(void **state)
{
	(void)state;
	build_mbhdr(img, 0x40, 0x3, NULL);
	assert_int_equal(find(0x100), 0);
	assert_int_equal(hdr.offset, 0x40);
	assert_int_equal(hdr.flags, 3);
	/* Last position whose 12 bytes are within the first 8192. */
	memset(img, 0, sizeof(img));
	build_mbhdr(img, 8192 - 12, 0, NULL);
	assert_int_equal(find(sizeof(img)), 0);
	assert_int_equal(hdr.offset, 8180);
	memset(img, 0, sizeof(img));
	build_mbhdr(img, 8192 - 8, 0, NULL);
	assert_int_equal(find(sizeof(img)), -1);
	assert_string_equal(err, "no Multiboot header (magic 0x1badb002) in "
			    "the first 8192 bytes");
	/* Unaligned headers do not count. */
	memset(img, 0, sizeof(img));
	build_mbhdr(img, 0x42, 0, NULL);
	assert_int_equal(find(0x100), -1);
	/* Truncated image: header would run past the end. */
	memset(img, 0, sizeof(img));
	build_mbhdr(img, 0x40, 0, NULL);
	assert_int_equal(find(0x48), -1);
	assert_int_equal(find(0x4c), 0);
	/* Optional unknown bits (16-31) are fine. */
	build_mbhdr(img, 0x40, BIT(20) | 1, NULL);
	assert_int_equal(find(0x100), 0);
}

static void test_header_errors(void **state)
{
	(void)state;
	build_mbhdr(img, 0x40, 0, NULL);
	put_le32(img + 0x48, 0);
	assert_int_equal(find(0x100), -1);
	assert_string_equal(err, "Multiboot header at 0x40 has a bad checksum");
	/* A valid header after a bad one is still found. */
	build_mbhdr(img, 0x80, 0, NULL);
	assert_int_equal(find(0x100), 0);
	assert_int_equal(hdr.offset, 0x80);
	memset(img, 0, sizeof(img));
	build_mbhdr(img, 0x40, BIT(2), NULL);
	assert_int_equal(find(0x100), -1);
	assert_string_equal(err, "Multiboot header requests a video mode "
			    "(flags bit 2), which Vireo cannot provide");
	build_mbhdr(img, 0x40, BIT(5) | BIT(15) | 3, NULL);
	assert_int_equal(find(0x100), -1);
	assert_string_equal(err, "Multiboot header flags 0x8023 set unknown "
			    "required bits 0x8020");
	/* Bit 16 needs the address fields inside the first 8 KiB. */
	memset(img, 0, sizeof(img));
	build_mbhdr(img, 8192 - 20, BIT(16), NULL);
	assert_int_equal(find(sizeof(img)), -1);
	assert_string_equal(err, "Multiboot header at 0x1fec: address fields "
			    "run past the first 8192 bytes");
}

static void test_elf_kernel(void **state)
{
	size_t len;

	(void)state;
	len = mb_elf(3);
	assert_int_equal(kload(len), 0);
	assert_int_equal(mb.entry, 0x10000c);
	assert_int_equal(mb.kernel_lo, 0x100000);
	assert_int_equal(mb.kernel_hi, 0x105000);
	assert_memory_equal(gm.base + 0x100000, img + 0x1000, 0x1800);
	assert_int_equal(gm.base[0x104fff], 0);
	/* ELF problems surface with the ELF loader's message. */
	len = mb_elf(0);
	put_le32(img + 52 + 32 + 12, 0x9f000);	/* phdr 1 p_paddr */
	assert_int_equal(kload(len), -1);
	assert_string_equal(err, "ELF segment 1 at 0x9f000-0xa3000 overlaps "
			    "the 0xA0000-0xFFFFF hole");
	/* Not ELF, no a.out kludge. */
	memset(img, 0, sizeof(img));
	build_mbhdr(img, 0x100, 0, NULL);
	assert_int_equal(kload(0x1000), -1);
	assert_string_equal(err, "kernel is not ELF and its Multiboot header "
			    "lacks the a.out kludge (flags bit 16)");
	memset(img, 0, sizeof(img));
	assert_int_equal(kload(0x1000), -1);
	assert_string_equal(err, "no Multiboot header (magic 0x1badb002) in "
			    "the first 4096 bytes");
}

/* Flat binary: header at file 0x40, linked at 1 MiB. */
static void aout(uint32_t load, uint32_t load_end, uint32_t bss_end,
		 uint32_t entry)
{
	uint32_t a[5] = { 0x100040, load, load_end, bss_end, entry };

	fill_pattern(img, 0x3000, 5);
	build_mbhdr(img, 0x40, BIT(16) | 1, a);
}

static void test_aout_kludge(void **state)
{
	(void)state;
	aout(0x100000, 0x102000, 0x104000, 0x100080);
	assert_int_equal(kload(0x3000), 0);
	assert_int_equal(mb.entry, 0x100080);
	assert_int_equal(mb.kernel_lo, 0x100000);
	assert_int_equal(mb.kernel_hi, 0x104000);
	assert_memory_equal(gm.base + 0x100000, img, 0x2000);
	assert_int_equal(gm.base[0x102000], 0);
	assert_int_equal(gm.base[0x103fff], 0);
	assert_int_equal(gm.base[0x104000], 0xCC);
	/* load_end_addr 0: the rest of the file; bss_end_addr 0: no bss. */
	memset(gm.base, 0xCC, RAM);
	aout(0x100000, 0, 0, 0x100080);
	assert_int_equal(kload(0x3000), 0);
	assert_int_equal(mb.kernel_hi, 0x103000);
	assert_memory_equal(gm.base + 0x100000, img, 0x3000);
	assert_int_equal(gm.base[0x103000], 0xCC);
	/* Header deeper than load start: file offset 0x40 - 0x20 = 0x20. */
	aout(0x100020, 0x100120, 0, 0x100020);
	assert_int_equal(kload(0x3000), 0);
	assert_memory_equal(gm.base + 0x100020, img + 0x20, 0x100);
}

static void test_aout_on_elf(void **state)
{
	uint32_t a[5] = { 0x200000, 0x200000 - 0x1000, 0, 0, 0x200000 };
	size_t len;

	(void)state;
	/* Bit 16 wins over the ELF headers (GRUB behaves the same). */
	len = mb_elf(BIT(16));
	build_mbhdr(img, 0x1000, BIT(16), a);
	assert_int_equal(kload(len), 0);
	assert_int_equal(mb.kernel_lo, 0x1ff000);
	assert_int_equal(mb.entry, 0x200000);
	assert_memory_equal(gm.base + 0x1ff000, img, len);
}

static void test_aout_errors(void **state)
{
	(void)state;
	aout(0x100044, 0, 0, 0x100080);
	assert_int_equal(kload(0x3000), -1);
	assert_string_equal(err, "a.out kludge: load_addr 0x100044 / "
			    "header_addr 0x100040 put the load start outside "
			    "the file");
	aout(0xfff00, 0, 0, 0x100080);
	assert_int_equal(kload(0x3000), -1);
	assert_string_equal(err, "a.out kludge: load_addr 0xfff00 / "
			    "header_addr 0x100040 put the load start outside "
			    "the file");
	aout(0x100000, 0x104000, 0, 0x100080);
	assert_int_equal(kload(0x3000), -1);
	assert_string_equal(err, "a.out kludge: load_end_addr 0x104000 needs "
			    "file bytes past the end of the 12288-byte image");
	aout(0x100000, 0x102000, 0x101000, 0x100080);
	assert_int_equal(kload(0x3000), -1);
	assert_string_equal(err, "a.out kludge: bss_end_addr 0x101000 is below "
			    "the load end 0x102000");
	aout(0x100000, 0x102000, 0x103000, 0x102800);
	assert_int_equal(kload(0x3000), -1);
	assert_string_equal(err, "a.out kludge: entry_addr 0x102800 is not in "
			    "the loaded range 0x100000-0x102000");
	aout(0x100000, 0x102000, 0x900000, 0x100080);
	assert_int_equal(kload(0x3000), -1);
	assert_string_equal(err, "a.out kludge image at 0x100000-0x900000 is "
			    "outside guest RAM (0x800000 bytes)");
	{
		uint32_t a[5] = { 0x9f040, 0x9f000, 0, 0, 0x9f000 };

		build_mbhdr(img, 0x40, BIT(16), a);
		assert_int_equal(kload(0x3000), -1);
		assert_string_equal(err, "a.out kludge image at 0x9f000-0xa2000 "
				    "overlaps the 0xA0000-0xFFFFF hole");
	}
}

static uint32_t rd(uint64_t gpa)
{
	return le32(gm.base + gpa);
}

static void test_prepare(void **state)
{
	static uint8_t m0[5000], m1[3];
	struct mb_module_in mods[2] = {
		{ m0, sizeof(m0), "initrd root=x" },
		{ m1, sizeof(m1), "tiny" },
	};
	size_t len;
	uint32_t ma;

	(void)state;
	fill_pattern(m0, sizeof(m0), 11);
	fill_pattern(m1, sizeof(m1), 12);
	len = mb_elf(3);
	assert_int_equal(mb_prepare(&gm, img, len, "console=ttyS0", mods, 2,
				    &mb, err, sizeof(err)), 0);
	assert_int_equal(mb.entry, 0x10000c);
	assert_int_equal(mb.info_gpa, MB_INFO_LOW_GPA);
	assert_int_equal(rd(0x9000 + MBI_OFF_MODS_COUNT), 2);
	ma = rd(0x9000 + MBI_OFF_MODS_ADDR);
	/* Modules page-aligned right above the kernel, in order. */
	assert_int_equal(rd(ma), 0x105000);
	assert_int_equal(rd(ma + 4), 0x105000 + sizeof(m0));
	assert_int_equal(rd(ma + 16), 0x107000);
	assert_int_equal(rd(ma + 20), 0x107003);
	assert_memory_equal(gm.base + 0x105000, m0, sizeof(m0));
	assert_memory_equal(gm.base + 0x107000, m1, sizeof(m1));
	assert_string_equal((char *)gm.base + rd(ma + 8), "initrd root=x");
	assert_string_equal((char *)gm.base + rd(ma + 24), "tiny");
	assert_string_equal((char *)gm.base + rd(0x9000 + MBI_OFF_CMDLINE),
			    "console=ttyS0");
	/* No modules, NULL cmdline. */
	assert_int_equal(mb_prepare(&gm, img, len, NULL, NULL, 0, &mb, err,
				    sizeof(err)), 0);
	assert_int_equal(rd(0x9000 + MBI_OFF_MODS_COUNT), 0);
	assert_string_equal((char *)gm.base + rd(0x9000 + MBI_OFF_CMDLINE), "");
}

static void test_prepare_low_kernel(void **state)
{
	uint32_t a[5] = { 0x8040, 0x8000, 0, 0x20000, 0x8040 };
	static uint8_t m0[0x90000];
	struct mb_module_in mods[1] = { { m0, sizeof(m0), "big" } };

	(void)state;
	/* Kernel covers 0x9000: the info goes after the modules instead, and
	 * a module that would straddle the hole is moved above it. */
	fill_pattern(img, 0x1000, 1);
	build_mbhdr(img, 0x40, BIT(16), a);
	assert_int_equal(mb_prepare(&gm, img, 0x1000, "", mods, 1, &mb, err,
				    sizeof(err)), 0);
	assert_int_equal(mb.kernel_lo, 0x8000);
	assert_int_equal(mb.kernel_hi, 0x20000);
	assert_int_equal(rd(mb.info_gpa + MBI_OFF_MODS_COUNT), 1);
	assert_int_equal(rd(rd(mb.info_gpa + MBI_OFF_MODS_ADDR)), 0x100000);
	assert_int_equal(mb.info_gpa, 0x190000);
}

static void test_prepare_errors(void **state)
{
	static uint8_t big[7u << 20];
	struct mb_module_in mods[1] = { { big, sizeof(big), "disk" } };
	size_t len;

	(void)state;
	len = mb_elf(3);
	assert_int_equal(mb_prepare(&gm, img, len, "", mods, 1, &mb, err,
				    sizeof(err)), -1);
	assert_string_equal(err, "module 0 ('disk', 7340032 bytes) does not "
			    "fit in guest RAM at 0x105000 (0x800000 bytes)");
	assert_int_equal(mb_prepare(&gm, img, len, "", mods, -1, &mb, err,
				    sizeof(err)), -1);
	assert_int_equal(mb_prepare(&gm, img, len, "", mods, 65, &mb, err,
				    sizeof(err)), -1);
	assert_string_equal(err, "65 modules: Vireo supports 0-64 per VM");
	/* Module fits exactly to the end of RAM, the info still goes low. */
	mods[0].len = RAM - 0x105000;
	assert_int_equal(mb_prepare(&gm, img, len, "", mods, 1, &mb, err,
				    sizeof(err)), 0);
	assert_int_equal(mb.info_gpa, 0x9000);
	/* Kernel over 0x9000 and modules up to the end of RAM: no room. */
	{
		uint32_t a[5] = { 0x8040, 0x8000, 0, 0x20000, 0x8040 };

		fill_pattern(img, 0x1000, 1);
		build_mbhdr(img, 0x40, BIT(16), a);
		mods[0].len = RAM - 0x100000;
		assert_int_equal(mb_prepare(&gm, img, 0x1000, "", mods, 1, &mb,
					    err, sizeof(err)), -1);
		assert_string_equal(err, "no room for the 292-byte Multiboot "
				    "info: guest RAM ends at 0x800000 (raise "
				    "mem=)");
	}
}

static void test_raw(void **state)
{
	(void)state;
	fill_pattern(img, 512, 7);
	assert_int_equal(raw_load(&gm, img, 512, 0x7c00, err, sizeof(err)), 0);
	assert_memory_equal(gm.base + 0x7c00, img, 512);
	assert_int_equal(raw_load(&gm, img, 512, 0x9ff00, err, sizeof(err)), -1);
	assert_string_equal(err, "raw image at 0x9ff00-0xa0100 overlaps the "
			    "0xA0000-0xFFFFF hole");
	assert_int_equal(raw_load(&gm, img, 512, RAM - 256, err, sizeof(err)), -1);
	assert_string_equal(err, "raw image at 0x7fff00-0x800100 is outside "
			    "guest RAM (0x800000 bytes)");
	assert_int_equal(raw_load(&gm, img, 0, 0x7c00, err, sizeof(err)), -1);
	assert_string_equal(err, "raw image is empty");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_kludge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_on_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_low_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
