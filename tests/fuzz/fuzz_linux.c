/* The Linux bzImage loader on random images, initrds, command lines and
 * memory maps, into a small guest RAM of exactly its size on the heap.
 * Checks: a refused image leaves guest RAM untouched (as linux.h
 * promises) with a message; an accepted one writes only the page tables
 * (64-bit entry), the zero page, the GDT, the command line, the kernel
 * and the initrd, each inside guest RAM and marked RAM by the e820 map;
 * the kernel and initrd hold their bytes, the initrd is page-aligned,
 * above everything the kernel claims and below initrd_addr_max; the entry
 * is inside the loaded kernel; boot_params carries the map, the initrd and
 * the command line; the legacy hole is never written.
 * FUZZ-DEPS: loaders/linux.c */
#include "tests/fuzz/fuzz.h"
#include "loaders/linux.h"
#include "loaders/le.h"
#include "loaders/pc_layout.h"

#define RAM_SIZES 40     /* guest RAM of 1 MiB + i * 256 KiB */
#define MAX_SPANS 8
#include "tests/fuzz/guest_ram.h"

static char err[200];

/* Every byte of [lo, hi) lies in some RAM entry of the map. */
static bool map_says_ram(const struct linux_layout *l, uint64_t lo, uint64_t hi)
{
	for (uint64_t a = lo; a < hi;) {
		uint64_t next = a;

		for (unsigned i = 0; i < l->n_e820; i++) {
			const struct linux_e820 *e = &l->e820[i];
			uint64_t end = e->addr + e->size < e->addr ? ~0ULL : e->addr + e->size;

			if (e->type == LINUX_E820_RAM && e->addr <= a && a < end && end > next)
				next = end;
		}
		if (next == a)
			return false;
		a = next;
	}
	return true;
}

static void check_loaded(const struct linux_boot *b, const uint8_t *img, size_t len,
			 const uint8_t *initrd, size_t ilen, const char *cmdline,
			 const struct linux_layout *l)
{
	uint64_t setup = ((img[LINUX_HDR_SETUP_SECTS] ? img[LINUX_HDR_SETUP_SECTS] : 4) + 1) * 512ULL;
	uint64_t pm = len - setup, max = le32(img + LINUX_HDR_INITRD_ADDR_MAX);
	const uint8_t *bp = gm.base + LINUX_ZERO_PAGE_GPA;
	size_t clen = strlen(cmdline);

	FUZZ_CHECK(b->kernel_start == LINUX_KERNEL_GPA && b->kernel_end >= LINUX_KERNEL_GPA + pm &&
		   b->kernel_end <= gm.size, "kernel range %#llx-%#llx",
		   (unsigned long long)b->kernel_start, (unsigned long long)b->kernel_end);
	FUZZ_CHECK(memcmp(gm.base + LINUX_KERNEL_GPA, img + setup, pm) == 0, "kernel bytes");
	FUZZ_CHECK(b->entry >= LINUX_KERNEL_GPA && b->entry < LINUX_KERNEL_GPA + pm,
		   "entry %#llx outside the %#llx-byte kernel", (unsigned long long)b->entry,
		   (unsigned long long)pm);
	allow(LINUX_KERNEL_GPA, LINUX_KERNEL_GPA + pm);
	FUZZ_CHECK(b->initrd_size == ilen, "initrd size");
	if (ilen) {
		FUZZ_CHECK(!(b->initrd & 0xfff) && b->initrd >= b->kernel_end &&
			   b->initrd + ilen <= gm.size && b->initrd + ilen - 1 <= max,
			   "initrd at %#llx", (unsigned long long)b->initrd);
		FUZZ_CHECK(memcmp(gm.base + b->initrd, initrd, ilen) == 0, "initrd bytes");
		allow(b->initrd, b->initrd + ilen);
	}
	FUZZ_CHECK(b->cmdline == LINUX_CMDLINE_GPA && strcmp((char *)gm.base + b->cmdline, cmdline) == 0,
		   "command line");
	allow(LINUX_CMDLINE_GPA, LINUX_CMDLINE_GPA + clen + 1);
	allow(LINUX_ZERO_PAGE_GPA, LINUX_ZERO_PAGE_GPA + LINUX_BP_SIZE);
	allow(LINUX_GDT_GPA, LINUX_GDT_GPA + 8 * LINUX_GDT_ENTRIES);
	if (b->entry64)
		allow(LINUX_PML4_GPA, LINUX_PD_GPA + 4 * 4096);
	FUZZ_CHECK(b->page_tables == (b->entry64 ? LINUX_PML4_GPA : 0), "page tables");
	for (unsigned i = 0; i < nspans; i++)
		FUZZ_CHECK(map_says_ram(l, spans[i].lo, spans[i].hi), "span %u (%#llx-%#llx) not RAM in the map",
			   i, (unsigned long long)spans[i].lo, (unsigned long long)spans[i].hi);
	/* boot_params */
	FUZZ_CHECK(bp[LINUX_BP_E820_ENTRIES] == l->n_e820, "e820 count");
	for (unsigned i = 0; i < l->n_e820; i++) {
		const uint8_t *e = bp + LINUX_BP_E820_TABLE + i * LINUX_E820_ENTRY_SIZE;

		FUZZ_CHECK(le64(e) == l->e820[i].addr && le64(e + 8) == l->e820[i].size &&
			   le32(e + 16) == l->e820[i].type, "e820 entry %u", i);
	}
	FUZZ_CHECK(le32(bp + LINUX_HDR_RAMDISK_IMAGE) == (uint32_t)b->initrd &&
		   le32(bp + LINUX_HDR_RAMDISK_SIZE) == ilen &&
		   le32(bp + LINUX_HDR_CMD_LINE_PTR) == LINUX_CMDLINE_GPA &&
		   le16(bp + LINUX_HDR_BOOT_FLAG) == LINUX_BOOT_FLAG, "boot_params fields");
	check_untouched("linux_load");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	unsigned ram_idx = fuzz_u8(&in) % RAM_SIZES;
	uint8_t flags = fuzz_u8(&in);
	size_t ilen = fuzz_u16(&in) % 0x5000, clen = fuzz_u16(&in) % 3000, n;
	struct linux_layout lay;
	struct linux_boot boot;
	uint8_t *initrd = NULL, *img;
	char *cmdline;
	const uint8_t *b;
	int rc;

	gm.size = 0x100000 + (uint64_t)ram_idx * 0x40000;
	linux_layout_pc(&lay, gm.size);
	if (flags & 1) {	/* a random map instead of the PC one */
		lay.n_e820 = fuzz_u8(&in) % (LINUX_LAYOUT_MAX_E820 + 2);
		for (unsigned i = 0; i < lay.n_e820 && i < LINUX_LAYOUT_MAX_E820; i++) {
			lay.e820[i].addr = fuzz_u32(&in) & ~0xfffULL;
			lay.e820[i].size = (uint64_t)fuzz_u32(&in) << (fuzz_bool(&in) ? 8 : 0);
			lay.e820[i].type = 1 + fuzz_u8(&in) % 4;
		}
		lay.rsdp = fuzz_u32(&in);
	}
	if (flags & 2) {
		initrd = malloc(ilen ? ilen : 1);
		for (size_t i = 0; i < ilen; i++)
			initrd[i] = (uint8_t)(i * 7 + 3);
	}
	cmdline = malloc(clen + 1);
	for (size_t i = 0; i < clen; i++)
		cmdline[i] = (char)('a' + i % 26);
	cmdline[clen] = '\0';
	b = fuzz_bytes(&in, in.len, &n);
	img = fuzz_dup(b, n);	/* the image: the rest of the input, exactly */

	gm.base = ram_of_size(ram_idx, gm.size);
	memset(gm.base, FILL, gm.size);
	memset(err, 0, sizeof(err));
	nspans = 0;
	rc = linux_load(&gm, img, n, initrd, initrd ? ilen : 0, (flags & 4) ? cmdline : NULL,
			&lay, &boot, err, sizeof(err));
	if (fuzz_verbose())
		fprintf(stderr, "linux: rc %d: %s\n", rc, rc ? err : "loaded");
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	if (rc == 0) {
		check_loaded(&boot, img, n, initrd, initrd ? ilen : 0, (flags & 4) ? cmdline : "",
			     &lay);
	} else {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, 0, sizeof(err)), "refused without a message");
		check_untouched("refused linux_load");
	}
	FUZZ_CHECK(linux_is_bzimage(img, n) == (n >= 0x206 && le32(img + 0x202) == LINUX_HDRS_MAGIC),
		   "linux_is_bzimage");
	free(img);
	free(cmdline);
	free(initrd);
	return 0;
}
