/* The Multiboot v1 loader (a.out kludge and ELF kernels, modules, boot
 * information) and the ELF and raw loaders beneath it, on random images
 * and a small guest RAM of exactly its size on the heap (ASan catches a
 * write past it). Accepted kernels are read back here from the ELF and
 * Multiboot layouts: each segment (or the a.out image) holds its bytes
 * and zeros, and only those were written.
 * Checks: an accepted kernel, every module and the information structure
 * are guest RAM, page-aligned modules hold their bytes and overlap nothing
 * else, the module list and command line read back from the information
 * structure; nothing outside what was loaded changes, the legacy hole
 * never does; a refused ELF or raw image leaves guest RAM untouched; an
 * error message is set and NUL-terminated.
 * FUZZ-DEPS: loaders/multiboot.c loaders/elf.c loaders/mbinfo.c */
#include "tests/fuzz/fuzz.h"
#include "loaders/multiboot.h"
#include "loaders/elf.h"
#include "loaders/mbinfo.h"
#include "loaders/le.h"

#define MAX_MODS 4
#define RAM_SIZES 16
#define MAX_SPANS (MAX_MODS + 2)
#include "tests/fuzz/guest_ram.h"

static char err[160];

/* An accepted ELF image, read here from the gABI layouts: every PT_LOAD
 * segment holds its file bytes then zeros at p_paddr, the loader's
 * [lo, hi) spans them, and only they may have been written. */
static void check_elf_segments(const uint8_t *img, uint64_t lo, uint64_t hi)
{
	bool is64 = img[4] == 2;
	uint64_t phoff = is64 ? le64(img + 32) : le32(img + 28);
	unsigned phentsize = le16(img + (is64 ? 54 : 42)), phnum = le16(img + (is64 ? 56 : 44));
	uint64_t min = ~0ULL, max = 0;

	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *p = img + phoff + (uint64_t)i * phentsize;
		uint64_t off = is64 ? le64(p + 8) : le32(p + 4);
		uint64_t pa = is64 ? le64(p + 24) : le32(p + 12);
		uint64_t fsz = is64 ? le64(p + 32) : le32(p + 16);
		uint64_t msz = is64 ? le64(p + 40) : le32(p + 20);

		if (le32(p) != 1 || msz == 0)
			continue;
		FUZZ_CHECK(gmem_is_ram(&gm, pa, msz) && fsz <= msz, "segment %u at %#llx", i,
			   (unsigned long long)pa);
		FUZZ_CHECK(memcmp(gm.base + pa, img + off, fsz) == 0, "segment %u bytes", i);
		for (uint64_t k = fsz; k < msz; k++)
			FUZZ_CHECK(gm.base[pa + k] == 0, "segment %u bss byte %#llx", i,
				   (unsigned long long)k);
		allow(pa, pa + msz);
		min = pa < min ? pa : min;
		max = pa + msz > max ? pa + msz : max;
	}
	FUZZ_CHECK(min == lo && max == hi, "ELF range %#llx-%#llx, segments %#llx-%#llx",
		   (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)min,
		   (unsigned long long)max);
}

/* An accepted a.out-kludge kernel: the file from header offset -
 * (header_addr - load_addr) at load_addr, then zeros to bss_end_addr. */
static void check_aout(const uint8_t *img, size_t len, const struct mb_header *h,
		       const struct mb_boot *mb)
{
	uint64_t foff = h->offset - (h->header_addr - h->load_addr);
	uint64_t size = h->load_end_addr ? h->load_end_addr - h->load_addr : len - foff;
	uint64_t end = h->bss_end_addr ? h->bss_end_addr : h->load_addr + size;

	FUZZ_CHECK(mb->kernel_lo == h->load_addr && mb->kernel_hi == end &&
		   mb->entry == h->entry_addr, "a.out range");
	FUZZ_CHECK(foff + size <= len && memcmp(gm.base + h->load_addr, img + foff, size) == 0,
		   "a.out bytes");
	for (uint64_t a = h->load_addr + size; a < end; a++)
		FUZZ_CHECK(gm.base[a] == 0, "a.out bss byte %#llx", (unsigned long long)a);
	allow(mb->kernel_lo, mb->kernel_hi);
}

static void check_err(int rc)
{
	FUZZ_CHECK(memchr(err, 0, sizeof(err)) != NULL, "err not terminated");
	FUZZ_CHECK(rc == 0 || err[0] != 0, "refused without a message");
}

static bool overlap(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	return a < d && c < b;
}

static void check_prepare(const struct mb_boot *mb, const uint8_t *img, size_t len,
			  const char *cmdline, const struct mb_module_in *mods, int nmods)
{
	const uint8_t *info;
	struct mbinfo_module mi[MAX_MODS];
	uint64_t isize;

	struct mb_header h;

	FUZZ_CHECK(mb->kernel_lo <= mb->kernel_hi, "kernel range");
	FUZZ_CHECK(mb->kernel_hi <= gm.size, "kernel past RAM");
	FUZZ_CHECK(mb_find_header(img, len, &h, NULL, 0) == 0, "loaded without a header");
	if (h.flags & MB_FLAG_AOUT_KLUDGE)
		check_aout(img, len, &h, mb);
	else
		check_elf_segments(img, mb->kernel_lo, mb->kernel_hi);
	info = gmem_ptr(&gm, mb->info_gpa, MBI_INFO_SIZE);
	FUZZ_CHECK(info != NULL, "info at %#x is not RAM", mb->info_gpa);
	FUZZ_CHECK(le32(info + MBI_OFF_MODS_COUNT) == (uint32_t)nmods, "mods_count");
	const uint8_t *list = gmem_ptr(&gm, le32(info + MBI_OFF_MODS_ADDR),
				       (uint64_t)nmods * MBI_MOD_SIZE + 1);
	FUZZ_CHECK(nmods == 0 || list != NULL, "module list not in RAM");
	for (int i = 0; i < nmods; i++) {
		uint32_t s = le32(list + i * MBI_MOD_SIZE), e = le32(list + i * MBI_MOD_SIZE + 4);
		const char *str = gmem_ptr(&gm, le32(list + i * MBI_MOD_SIZE + 8),
					   strlen(mods[i].string) + 1);

		FUZZ_CHECK(e - s == mods[i].len && (s & 0xfff) == 0, "module %d at %#x-%#x", i, s, e);
		FUZZ_CHECK(mods[i].len == 0 || (gmem_is_ram(&gm, s, e - s) &&
			   memcmp(gm.base + s, mods[i].data, mods[i].len) == 0),
			   "module %d bytes", i);
		FUZZ_CHECK(!overlap(s, e, mb->kernel_lo, mb->kernel_hi), "module %d on the kernel", i);
		FUZZ_CHECK(str && strcmp(str, mods[i].string) == 0, "module %d string", i);
		for (int j = 0; j < i; j++)
			FUZZ_CHECK(!overlap(s, e, mi[j].start, mi[j].end), "modules %d, %d overlap", j, i);
		mi[i] = (struct mbinfo_module){ s, e, mods[i].string };
		if (e > s)
			allow(s, e);
	}
	isize = mbinfo_size(cmdline, mi, nmods);
	FUZZ_CHECK(gmem_is_ram(&gm, mb->info_gpa, isize), "info not RAM");
	allow(mb->info_gpa, mb->info_gpa + isize);
	for (int i = 0; i < nmods; i++)
		FUZZ_CHECK(!overlap(mi[i].start, mi[i].end, mb->info_gpa, mb->info_gpa + isize),
			   "info on module %d", i);
	FUZZ_CHECK(!overlap(mb->kernel_lo, mb->kernel_hi, mb->info_gpa, mb->info_gpa + isize),
		   "info on the kernel");
	if (cmdline) {
		const char *c = gmem_ptr(&gm, le32(info + MBI_OFF_CMDLINE), strlen(cmdline) + 1);

		FUZZ_CHECK(c && strcmp(c, cmdline) == 0, "command line");
	}
	check_untouched("mb_prepare");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	uint8_t sel = fuzz_u8(&in);
	struct mb_module_in mods[MAX_MODS];
	char strs[MAX_MODS + 1][32];
	uint8_t *modbuf[MAX_MODS] = { 0 };
	int nmods = sel >> 2 & 3, rc;
	const char *cmdline = (sel & 0x10) ? strs[MAX_MODS] : NULL;
	struct mb_boot mb;
	struct elf_image ei;
	uint64_t raw_at;
	size_t len;
	uint8_t *img;

	unsigned ram_idx = fuzz_u8(&in) % RAM_SIZES;

	gm.size = 0x100000 + (uint64_t)ram_idx * 0x20000;
	raw_at = fuzz_u32(&in) % (gm.size + 0x1000);
	for (int i = 0; i <= MAX_MODS; i++) {
		size_t n;
		const uint8_t *s = fuzz_bytes(&in, fuzz_u8(&in) % sizeof(strs[i]), &n);

		memcpy(strs[i], s, n);
		strs[i][n] = 0;
	}
	for (int i = 0; i < nmods; i++) {
		size_t n = fuzz_u16(&in) % 0x3000;

		modbuf[i] = malloc(n ? n : 1);
		for (size_t k = 0; k < n; k++)
			modbuf[i][k] = (uint8_t)(k * 31 + i);
		mods[i] = (struct mb_module_in){ modbuf[i], n, strs[i] };
	}
	img = fuzz_dup(in.p, in.len);	/* the kernel: the rest, exactly */
	len = in.len;
	gm.base = ram_of_size(ram_idx, gm.size);
	memset(gm.base, FILL, gm.size);
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = 0;
	nspans = 0;

	switch (sel & 3) {
	case 0: case 1:
		rc = mb_prepare(&gm, img, len, cmdline, mods, nmods, &mb, err, sizeof(err));
		check_err(rc);
		if (rc == 0)
			check_prepare(&mb, img, len, cmdline, mods, nmods);
		break;
	case 2:
		rc = elf_load(&gm, img, len, &ei, err, sizeof(err));
		check_err(rc);
		if (rc == 0) {
			FUZZ_CHECK(ei.lo <= ei.hi && ei.hi <= gm.size, "elf range");
			check_elf_segments(img, ei.lo, ei.hi);
		}
		check_untouched("elf_load");
		break;
	default:
		rc = raw_load(&gm, img, len, raw_at, err, sizeof(err));
		check_err(rc);
		if (rc == 0) {
			FUZZ_CHECK(gmem_is_ram(&gm, raw_at, len) &&
				   memcmp(gm.base + raw_at, img, len) == 0, "raw image");
			allow(raw_at, raw_at + len);
		}
		check_untouched("raw_load");
		break;
	}
	if (fuzz_verbose())
		fprintf(stderr, "multiboot: case %d, rc %d: %s\n", sel & 3, rc, rc ? err : "loaded");
	for (int i = 0; i < nmods; i++)
		free(modbuf[i]);
	free(img);
	return 0;
}
