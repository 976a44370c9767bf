/* UNIT-DEPS: loaders/linux.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "loaders/linux.h"
#include "loaders/le.h"
#include "loaders/pc_layout.h"

#define RAM (32ull << 20)
#include "tests/unit/guest_ram.h"

#define SETUP_SECTS 4
#define SETUP_SIZE  ((SETUP_SECTS + 1) * 512)
#define PM_LEN      0x3000
#define IMG_LEN     (SETUP_SIZE + PM_LEN)
#define BP          LINUX_ZERO_PAGE_GPA

static uint8_t img[IMG_LEN];
static uint8_t rd[0x1801];
static struct linux_layout lay;
static struct linux_boot lb;

static int setup(void **state)
{
	(void)state;
	linux_layout_pc(&lay, RAM);
	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i * 7 + 1);
	return guest_ram_setup();
}

/* A synthetic bzImage: boot sector and setup header, SETUP_SECTS setup
 * sectors, PM_LEN bytes of "kernel", all with recognisable bytes. */
static void build(uint16_t version, uint16_t xlf)
{
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 13 + 5);
	memset(img + 0x1E0, 0, 0x290 - 0x1E0);
	img[0x1EF] = 0xFF;			/* sentinel, as header.S sets it */
	img[LINUX_HDR_SETUP_SECTS] = SETUP_SECTS;
	put_le32(img + LINUX_HDR_SYSSIZE, PM_LEN / 16);
	put_le16(img + LINUX_HDR_BOOT_FLAG, 0xAA55);
	img[0x200] = 0xEB;
	img[0x201] = 0x6A;			/* header ends at 0x26C */
	memcpy(img + LINUX_HDR_HEADER, "HdrS", 4);
	put_le16(img + LINUX_HDR_VERSION, version);
	put_le16(img + 0x20E, 0x1234);		/* kernel_version */
	img[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
	put_le32(img + LINUX_HDR_CODE32_START, 0x100000);
	put_le32(img + LINUX_HDR_INITRD_ADDR_MAX, 0x7FFFFFFF);
	put_le32(img + LINUX_HDR_KERNEL_ALIGN, 0x200000);
	img[LINUX_HDR_RELOCATABLE] = 1;
	img[0x235] = 21;			/* min_alignment */
	put_le16(img + LINUX_HDR_XLOADFLAGS, xlf);
	put_le32(img + LINUX_HDR_CMDLINE_SIZE, 2047);
	put_le64(img + LINUX_HDR_PREF_ADDRESS, 0x1000000);
	put_le32(img + LINUX_HDR_INIT_SIZE, 0x800000);
}

static int load_mem(struct guest_mem *m, size_t len, const uint8_t *initrd,
		    size_t initrd_len, const char *cmdline)
{
	err[0] = '\0';
	return linux_load(m, img, len, initrd, initrd_len, cmdline, &lay, &lb,
			  err, sizeof(err));
}

static int load(const uint8_t *initrd, size_t initrd_len, const char *cmdline)
{
	return load_mem(&gm, sizeof(img), initrd, initrd_len, cmdline);
}

static uint8_t b(uint64_t gpa) { return gm.base[gpa]; }
static uint16_t r16(uint64_t gpa) { return le16(gm.base + gpa); }
static uint32_t r32(uint64_t gpa) { return le32(gm.base + gpa); }
static uint64_t r64(uint64_t gpa) { return le64(gm.base + gpa); }

static bool untouched(uint64_t lo, uint64_t hi)
{
	for (uint64_t a = lo; a < hi; a++)
		if (gm.base[a] != 0xCC)
			return false;
	return true;
}

/* A refusal leaves every byte of guest RAM as it was. */
static void refused(const char *msg)
{
	assert_string_equal(err, msg);
	assert_true(untouched(0, RAM));
	assert_int_equal(lb.entry, 0);
}

static void test_is_bzimage(void **state)
{
	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	assert_true(linux_is_bzimage(img, sizeof(img)));
	assert_true(linux_is_bzimage(img, 0x206));
	assert_false(linux_is_bzimage(img, 0x205));
	assert_false(linux_is_bzimage(NULL, 0));
	img[0x203] = 'x';
	assert_false(linux_is_bzimage(img, sizeof(img)));
}

static void test_layout_pc(void **state)
{
	static const struct linux_e820 want[] = {
		{ 0, 0x9FC00, 1 }, { 0x9FC00, 0x400, 2 }, { 0xF0000, 0x10000, 2 },
		{ 0x100000, RAM - 0x100000, 1 }, { 0xFEC00000, 0x1000, 2 },
		{ 0xFEE00000, 0x1000, 2 },
	};

	(void)state;
	assert_int_equal(lay.n_e820, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(lay.e820[i].addr, want[i].addr);
		assert_int_equal(lay.e820[i].size, want[i].size);
		assert_int_equal(lay.e820[i].type, want[i].type);
	}
	assert_int_equal(lay.rsdp, PC_RSDP);
	/* No RAM above 1 MiB, no ACPI kilobyte below a 640 KiB end. */
	linux_layout_pc(&lay, 0x80000);
	assert_int_equal(lay.n_e820, 4);
	assert_int_equal(lay.e820[0].size, 0x80000);
	assert_int_equal(lay.e820[1].addr, 0xF0000);
	assert_int_equal(lay.e820[2].addr, PC_IOAPIC_BASE);
}

static void test_load_64(void **state)
{
	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	memset(img + 0x26C, 0x55, 0x290 - 0x26C);	/* past the header's end */
	assert_int_equal(load(rd, sizeof(rd), "console=ttyS0 root=/dev/ram0"), 0);
	assert_string_equal(err, "");

	/* What the vCPU gets. */
	assert_true(lb.entry64);
	assert_int_equal(lb.entry, 0x100200);
	assert_int_equal(lb.zero_page, 0x7000);
	assert_int_equal(lb.page_tables, 0x1000);
	assert_int_equal(lb.gdt, 0x8000);
	assert_int_equal(lb.gdt_limit, 31);
	assert_int_equal(lb.protocol, 0x020F);
	assert_int_equal(lb.kernel_start, 0x100000);
	/* pref_address 16 MiB beats 1 MiB aligned to 2 MiB: up to 24 MiB. */
	assert_int_equal(lb.kernel_end, 0x1800000);
	assert_int_equal(lb.cmdline, 0x20000);

	/* The protected-mode kernel at 1 MiB, nothing more. */
	assert_memory_equal(gm.base + 0x100000, img + SETUP_SIZE, PM_LEN);
	assert_int_equal(b(0x100000 + PM_LEN), 0xCC);

	/* The initrd: page-aligned, as high as RAM allows. */
	assert_int_equal(lb.initrd, RAM - 0x2000);
	assert_int_equal(lb.initrd_size, sizeof(rd));
	assert_memory_equal(gm.base + lb.initrd, rd, sizeof(rd));
	assert_int_equal(b(lb.initrd + sizeof(rd)), 0xCC);

	/* Zero page: the header copied, the loader's fields set. */
	assert_int_equal(b(BP + 0x1EF), 0);		/* sentinel not copied */
	assert_int_equal(b(BP + 0x1F0), 0);
	assert_memory_equal(gm.base + BP + 0x1F1, img + 0x1F1, 0x1FA - 0x1F1);
	assert_int_equal(r16(BP + 0x1FA), 0xFFFF);	/* vid_mode */
	assert_int_equal(r16(BP + 0x1FE), 0xAA55);
	assert_int_equal(r32(BP + 0x202), LINUX_HDRS_MAGIC);
	assert_int_equal(r16(BP + 0x206), 0x020F);
	assert_int_equal(r16(BP + 0x20E), 0x1234);
	assert_int_equal(b(BP + 0x210), 0xFF);		/* type_of_loader */
	assert_int_equal(b(BP + 0x211), LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP);
	assert_int_equal(r32(BP + 0x214), 0x100000);	/* code32_start */
	assert_int_equal(r32(BP + 0x218), RAM - 0x2000);	/* ramdisk_image */
	assert_int_equal(r32(BP + 0x21C), sizeof(rd));
	assert_int_equal(r16(BP + 0x224), 0xDE00);	/* heap_end_ptr */
	assert_int_equal(r32(BP + 0x228), 0x20000);	/* cmd_line_ptr */
	assert_int_equal(r32(BP + 0x22C), 0x7FFFFFFF);
	assert_int_equal(r32(BP + 0x230), 0x200000);
	assert_int_equal(b(BP + 0x234), 1);
	assert_int_equal(b(BP + 0x235), 21);
	assert_int_equal(r16(BP + 0x236), LINUX_XLF_KERNEL_64);
	assert_int_equal(r32(BP + 0x238), 2047);
	assert_int_equal(r64(BP + 0x258), 0x1000000);
	assert_int_equal(r32(BP + 0x260), 0x800000);	/* init_size */
	for (uint64_t a = 0x26C; a < 0x290; a++)	/* past the header */
		assert_int_equal(b(BP + a), 0);
	assert_int_equal(r64(BP + 0x070), PC_RSDP);	/* acpi_rsdp_addr */
	assert_int_equal(r32(BP + 0x0C0), 0);		/* ext_ramdisk_image */
	assert_int_equal(r32(BP + 0x0C4), 0);
	assert_int_equal(r32(BP + 0x0C8), 0);		/* ext_cmd_line_ptr */
	for (uint64_t a = 0; a < 0x1E8; a++)
		if (a < 0x70 || a >= 0x78)
			assert_int_equal(b(BP + a), 0);

	/* e820: the layout's six entries, packed 20 bytes each. */
	assert_int_equal(b(BP + 0x1E8), 6);
	for (unsigned i = 0; i < 6; i++) {
		uint64_t e = BP + 0x2D0 + i * 20;

		assert_int_equal(r64(e), lay.e820[i].addr);
		assert_int_equal(r64(e + 8), lay.e820[i].size);
		assert_int_equal(r32(e + 16), lay.e820[i].type);
	}
	for (uint64_t a = 0x2D0 + 6 * 20; a < 0x1000; a++)
		assert_int_equal(b(BP + a), 0);

	/* Command line, NUL-terminated, nothing after it. */
	assert_string_equal((char *)gm.base + 0x20000, "console=ttyS0 root=/dev/ram0");
	assert_int_equal(b(0x20000 + 29), 0xCC);

	/* GDT: null, null, 64-bit code at 0x10, flat data at 0x18. */
	assert_int_equal(r64(0x8000), 0);
	assert_int_equal(r64(0x8008), 0);
	assert_int_equal(r64(0x8010), 0x00AF9B000000FFFFULL);
	assert_int_equal(r64(0x8018), 0x00CF93000000FFFFULL);
	assert_int_equal(b(0x8020), 0xCC);

	/* Page tables: PML4[0] -> PDPT, PDPT[0..3] -> 4 PDs, 2048 2 MiB
	 * pages identity-mapping 0-4 GiB; nothing else present. */
	assert_int_equal(r64(0x1000), 0x2003);
	for (uint64_t i = 1; i < 512; i++)
		assert_int_equal(r64(0x1000 + i * 8), 0);
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(r64(0x2000 + i * 8), (0x3000 + i * 0x1000) | 3);
	for (uint64_t i = 4; i < 512; i++)
		assert_int_equal(r64(0x2000 + i * 8), 0);
	for (uint64_t i = 0; i < 2048; i++)
		assert_int_equal(r64(0x3000 + i * 8), (i << 21) | 0x83);
	assert_int_equal(r64(0x3000 + 2047 * 8), 0xFFE00083ULL);

	/* Nothing else written: page 0, the gaps, low memory above the
	 * command line, RAM between the kernel and the initrd. */
	assert_true(untouched(0, 0x1000));
	assert_true(untouched(0x8020, 0x20000));
	assert_true(untouched(0x20000 + 29, 0xA0000));
	assert_true(untouched(0x100000 + PM_LEN, RAM - 0x2000));
}

/* Without XLF_KERNEL_64 (or before 2.12, which has no xloadflags) the
 * kernel is entered at code32_start in 32-bit protected mode. */
static void test_load_32(void **state)
{
	(void)state;
	build(0x020F, 0);
	assert_int_equal(load(NULL, 0, "quiet"), 0);
	assert_false(lb.entry64);
	assert_int_equal(lb.entry, 0x100000);
	assert_int_equal(lb.zero_page, 0x7000);
	assert_int_equal(lb.page_tables, 0);
	assert_int_equal(lb.gdt, 0x8000);
	assert_int_equal(lb.gdt_limit, 31);
	assert_int_equal(r64(0x8010), 0x00CF9B000000FFFFULL);
	assert_int_equal(r64(0x8018), 0x00CF93000000FFFFULL);
	assert_true(untouched(0x1000, 0x7000));	/* no page tables */
	/* No initrd. */
	assert_int_equal(lb.initrd, 0);
	assert_int_equal(lb.initrd_size, 0);
	assert_int_equal(r32(BP + 0x218), 0);
	assert_int_equal(r32(BP + 0x21C), 0);
	assert_true(untouched(0x100000 + PM_LEN, RAM));

	/* 2.11 with the bit set: the field does not exist yet. */
	teardown(NULL);
	assert_int_equal(guest_ram_setup(), 0);
	build(0x020B, LINUX_XLF_KERNEL_64);
	assert_int_equal(load(NULL, 0, NULL), 0);
	assert_false(lb.entry64);
	assert_int_equal(lb.entry, 0x100000);
	assert_string_equal((char *)gm.base + 0x20000, "");
}

/* Protocol 2.06, the oldest accepted: no pref_address, no init_size, no
 * xloadflags, no acpi_rsdp_addr; the header copy stops at 0x23C. */
static void test_protocol_206(void **state)
{
	(void)state;
	build(0x0206, LINUX_XLF_KERNEL_64);
	img[0x201] = 0x30;	/* a short jump: header ends at 0x232 */
	put_le32(img + 0x23C, 0xAABBCCDD);	/* not a 2.06 field */
	assert_int_equal(load(rd, 100, "x"), 0);
	assert_false(lb.entry64);
	assert_int_equal(lb.kernel_end, 0x100000 + PM_LEN);
	assert_int_equal(lb.initrd, RAM - 0x1000);
	assert_int_equal(r64(BP + 0x070), 0);
	assert_int_equal(r32(BP + 0x238), 2047);	/* copied all the same */
	assert_int_equal(r16(BP + 0x236), 1);	/* bytes copied as they are */
	assert_int_equal(r32(BP + 0x23C), 0);
	assert_int_equal(r64(BP + 0x258), 0);
	assert_int_equal(r32(BP + 0x260), 0);
}

/* acpi_rsdp_addr only from 2.14 on, and only with an RSDP. */
static void test_rsdp(void **state)
{
	(void)state;
	build(0x020D, LINUX_XLF_KERNEL_64);
	assert_int_equal(load(NULL, 0, ""), 0);
	assert_int_equal(r64(BP + 0x070), 0);
	build(0x020E, LINUX_XLF_KERNEL_64);
	assert_int_equal(load(NULL, 0, ""), 0);
	assert_int_equal(r64(BP + 0x070), 0xF0000);
	lay.rsdp = 0;
	assert_int_equal(load(NULL, 0, ""), 0);
	assert_int_equal(r64(BP + 0x070), 0);
}

/* The initrd's last byte stays at or below initrd_addr_max, page-aligned,
 * and above init_size; a fixed kernel decompresses at pref_address. */
static void test_initrd_placement(void **state)
{
	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	put_le32(img + LINUX_HDR_INITRD_ADDR_MAX, 0x1DFFFFF);
	assert_int_equal(load(rd, sizeof(rd), ""), 0);
	assert_int_equal(lb.initrd, 0x1E00000 - 0x2000);
	assert_memory_equal(gm.base + lb.initrd, rd, sizeof(rd));
	assert_true(untouched(0x1E00000, RAM));

	/* An unaligned limit: the start still rounds down to a page. */
	put_le32(img + LINUX_HDR_INITRD_ADDR_MAX, 0x1DFF7FF);
	assert_int_equal(load(rd, 0x800, ""), 0);
	assert_int_equal(lb.initrd, 0x1DFF000);

	/* Exactly fills [kernel end, top). */
	put_le32(img + LINUX_HDR_INITRD_ADDR_MAX, 0x7FFFFFFF);
	put_le32(img + LINUX_HDR_INIT_SIZE, RAM - 0x1000000 - 0x2000);
	assert_int_equal(load(rd, sizeof(rd), ""), 0);
	assert_int_equal(lb.kernel_end, RAM - 0x2000);
	assert_int_equal(lb.initrd, RAM - 0x2000);

	/* Not relocatable: decompresses at pref_address (here 4 MiB). */
	img[LINUX_HDR_RELOCATABLE] = 0;
	put_le64(img + LINUX_HDR_PREF_ADDRESS, 0x400000);
	put_le32(img + LINUX_HDR_INIT_SIZE, 0x100000);
	assert_int_equal(load(rd, sizeof(rd), ""), 0);
	assert_int_equal(lb.kernel_end, 0x500000);
	assert_int_equal(lb.entry, 0x100200);	/* still loaded at 1 MiB */

	/* Relocatable, pref_address below the aligned load address. */
	img[LINUX_HDR_RELOCATABLE] = 1;
	put_le64(img + LINUX_HDR_PREF_ADDRESS, 0x100000);
	assert_int_equal(load(rd, sizeof(rd), ""), 0);
	assert_int_equal(lb.kernel_end, 0x300000);
}

static void test_cmdline_limit(void **state)
{
	static char line[2100];

	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	memset(line, 'a', 2047);
	line[2047] = '\0';
	assert_int_equal(load(NULL, 0, line), 0);
	assert_string_equal((char *)gm.base + 0x20000, line);
	teardown(NULL);
	assert_int_equal(guest_ram_setup(), 0);
	line[2047] = 'a';
	line[2048] = '\0';
	assert_int_equal(load(NULL, 0, line), -1);
	refused("command line of 2048 bytes is longer than the kernel's "
		"cmdline_size of 2047");
}

static void test_cmdline_low_memory(void **state)
{
	static char line[0x80000];

	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	put_le32(img + LINUX_HDR_CMDLINE_SIZE, 0xFFFFFFFF);
	memset(line, 'b', 0x7FC00);
	line[0x7FC00] = '\0';
	assert_int_equal(load(NULL, 0, line), -1);
	refused("command line of 523264 bytes does not fit in low memory at "
		"0x20000-0x9fc00");
	line[0x7FBFF] = '\0';
	assert_int_equal(load(NULL, 0, line), 0);
	assert_int_equal(b(0x9FBFF), 0);
	assert_int_equal(b(0x9FC00), 0xCC);
}

static void test_refuse_header(void **state)
{
	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	assert_int_equal(load_mem(&gm, 1023, NULL, 0, ""), -1);
	refused("image of 1023 bytes is too short for a Linux boot sector and "
		"setup header (1024 bytes)");

	put_le16(img + LINUX_HDR_BOOT_FLAG, 0xAA56);
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("not a Linux kernel: boot_flag at 0x1fe is 0xaa56, not 0xaa55");

	build(0x020F, LINUX_XLF_KERNEL_64);
	memcpy(img + LINUX_HDR_HEADER, "HdrT", 4);
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("not a bzImage: no \"HdrS\" setup header signature at 0x202 "
		"(a pre-2.00 zImage?)");

	build(0x0205, LINUX_XLF_KERNEL_64);
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("Linux boot protocol 2.05 is older than 2.06");
	build(0x0102, 0);
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("Linux boot protocol 1.02 is older than 2.06");

	build(0x020F, LINUX_XLF_KERNEL_64);
	img[LINUX_HDR_LOADFLAGS] = 0x80;
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("not a bzImage: LOADED_HIGH is clear in loadflags 0x80 (a "
		"zImage, loaded at 0x10000)");
}

static void test_refuse_truncated(void **state)
{
	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	/* Setup alone, no protected-mode kernel after it. */
	assert_int_equal(load_mem(&gm, SETUP_SIZE, NULL, 0, ""), -1);
	refused("bzImage truncated: 4 setup sectors and the boot sector take "
		"2560 bytes, the image has 2560 and no protected-mode kernel");
	/* setup_sects 0 means 4. */
	img[LINUX_HDR_SETUP_SECTS] = 0;
	assert_int_equal(load_mem(&gm, 2048, NULL, 0, ""), -1);
	refused("bzImage truncated: 4 setup sectors and the boot sector take "
		"2560 bytes, the image has 2048 and no protected-mode kernel");
	assert_int_equal(load(NULL, 0, ""), 0);
	assert_memory_equal(gm.base + 0x100000, img + SETUP_SIZE, PM_LEN);
	teardown(NULL);
	assert_int_equal(guest_ram_setup(), 0);
	/* More setup sectors than the file has. */
	img[LINUX_HDR_SETUP_SECTS] = 30;
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("bzImage truncated: 30 setup sectors and the boot sector take "
		"15872 bytes, the image has 14848 and no protected-mode kernel");
	/* syssize promises more kernel than the file holds. */
	img[LINUX_HDR_SETUP_SECTS] = SETUP_SECTS;
	assert_int_equal(load_mem(&gm, IMG_LEN - 16, NULL, 0, ""), -1);
	refused("bzImage truncated: syssize says 12288 bytes of protected-mode "
		"kernel, the image has 12272");
	/* A longer file (say, a signature appended) is fine. */
	put_le32(img + LINUX_HDR_SYSSIZE, PM_LEN / 16 - 2);
	assert_int_equal(load(NULL, 0, ""), 0);
	teardown(NULL);
	assert_int_equal(guest_ram_setup(), 0);
	/* A 64-bit kernel that ends before its entry at 0x200 (found by
	 * tests/fuzz/fuzz_linux.c: it was loaded, entry past its end); the
	 * 32-bit entry at offset 0 needs only one byte. */
	put_le32(img + LINUX_HDR_SYSSIZE, 0x10);
	assert_int_equal(load_mem(&gm, SETUP_SIZE + 0x200, NULL, 0, ""), -1);
	refused("bzImage truncated: the 64-bit entry is at offset 0x200 of the "
		"protected-mode kernel, which has 512 bytes");
	assert_int_equal(load_mem(&gm, SETUP_SIZE + 0x201, NULL, 0, ""), 0);
	assert_int_equal(lb.entry, 0x100200);
	put_le16(img + LINUX_HDR_XLOADFLAGS, 0);
	put_le32(img + LINUX_HDR_SYSSIZE, 0);
	assert_int_equal(load_mem(&gm, SETUP_SIZE + 1, NULL, 0, ""), 0);
	assert_int_equal(lb.entry, 0x100000);
}

static void test_refuse_kernel_too_big(void **state)
{
	struct guest_mem small = { gm.base, 0x100000 + PM_LEN - 1 };

	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	linux_layout_pc(&lay, small.size);
	assert_int_equal(load_mem(&small, sizeof(img), NULL, 0, ""), -1);
	refused("protected-mode kernel of 12288 bytes does not fit in guest RAM "
		"at 0x100000-0x103000 (RAM ends at 0x102fff; raise mem=)");
	/* The image fits, decompressing it does not: 16 MiB + 8 MiB. */
	small.size = 0x1000000;
	linux_layout_pc(&lay, small.size);
	assert_int_equal(load_mem(&small, sizeof(img), NULL, 0, ""), -1);
	refused("kernel needs 0x800000 bytes of guest RAM (init_size) at "
		"0x1000000 to decompress, but RAM ends at 0x1000000 (raise mem=)");
	/* Just enough. */
	small.size = 0x1800000;
	linux_layout_pc(&lay, small.size);
	assert_int_equal(load_mem(&small, sizeof(img), NULL, 0, ""), 0);
	assert_int_equal(lb.kernel_end, 0x1800000);
	/* A pref_address far beyond RAM does not wrap. */
	teardown(NULL);
	assert_int_equal(guest_ram_setup(), 0);
	put_le64(img + LINUX_HDR_PREF_ADDRESS, 0xFFFFFFFFFFF00000ULL);
	linux_layout_pc(&lay, RAM);
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("kernel needs 0x800000 bytes of guest RAM (init_size) at "
		"0xfffffffffff00000 to decompress, but RAM ends at 0x2000000 "
		"(raise mem=)");
}

static void test_refuse_initrd(void **state)
{
	static uint8_t big[0x801000];

	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	/* 24 MiB kernel end, 32 MiB RAM: 8 MiB free, this is 8 MiB + 4 KiB. */
	assert_int_equal(load(big, sizeof(big), ""), -1);
	refused("initrd of 9 MiB does not fit below 0x2000000 (the kernel "
		"claims RAM up to 0x1800000; raise mem=)");
	assert_int_equal(load(big, 0x800000, ""), 0);
	assert_int_equal(lb.initrd, 0x1800000);
	teardown(NULL);
	assert_int_equal(guest_ram_setup(), 0);
	/* initrd_addr_max below the kernel's end. */
	put_le32(img + LINUX_HDR_INITRD_ADDR_MAX, 0x17FFFFF);
	assert_int_equal(load(rd, 1, ""), -1);
	refused("initrd of 1 MiB does not fit below 0x1800000 (the kernel "
		"claims RAM up to 0x1800000; raise mem=)");
	/* Larger than everything below the limit. */
	put_le32(img + LINUX_HDR_INITRD_ADDR_MAX, 0xFFFFF);
	assert_int_equal(load(big, sizeof(big), ""), -1);
	refused("initrd of 9 MiB does not fit below 0x100000 (the kernel "
		"claims RAM up to 0x1800000; raise mem=)");
	/* initrd pointer given, length 0: no initrd. */
	assert_int_equal(load(rd, 0, ""), 0);
	assert_int_equal(lb.initrd, 0);
}

static void test_refuse_layout(void **state)
{
	(void)state;
	build(0x020F, LINUX_XLF_KERNEL_64);
	lay.n_e820 = LINUX_LAYOUT_MAX_E820 + 1;
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("layout has 17 e820 entries, at most 16 fit");

	/* A map whose high RAM stops short of the initrd. */
	linux_layout_pc(&lay, RAM - 0x100000);
	assert_int_equal(load(rd, sizeof(rd), ""), -1);
	refused("the layout's e820 map does not mark the initrd at "
		"0x1ffe000-0x1fff801 as RAM");
	/* ... or of the kernel's decompression area. */
	linux_layout_pc(&lay, 0x1000000);
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("the layout's e820 map does not mark the kernel at "
		"0x100000-0x1800000 as RAM");
	/* Low memory not RAM in the map. */
	linux_layout_pc(&lay, RAM);
	lay.e820[0].size = 0x7000;
	assert_int_equal(load(NULL, 0, ""), -1);
	refused("the layout's e820 map does not mark the page tables, zero page "
		"and GDT at 0x1000-0x9000 as RAM");
	lay.e820[0].size = 0x20000;
	assert_int_equal(load(NULL, 0, "abc"), -1);
	refused("the layout's e820 map does not mark the command line at "
		"0x20000-0x20004 as RAM");
	/* RAM split over adjacent entries counts as RAM. */
	lay.e820[0].size = 0x10000;
	lay.e820[lay.n_e820++] = (struct linux_e820){ 0x10000, 0x8FC00, 1 };
	assert_int_equal(load(NULL, 0, "abc"), 0);
	assert_int_equal(b(BP + 0x1E8), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_is_bzimage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_pc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_206, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_low_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_kernel_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_initrd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_layout, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
