/* Multiboot v1 loader; see loaders/multiboot.h. Section numbers refer to
 * the Multiboot Specification version 0.6.96. */
#include "loaders/multiboot.h"
#include "loaders/elf.h"
#include "lib/errmsg.h"
#include "loaders/le.h"
#include "loaders/mbinfo.h"
#include "loaders/pc_layout.h"

#define MB_HEADER_MIN   12	/* magic, flags, checksum */
#define MB_HEADER_AOUT  32	/* ... plus the five address fields */
#define PAGE_SIZE       4096ULL

/* Required flags (bits 0-15) Vireo honours; 3.1.2 says a boot loader must
 * refuse a kernel that sets a required bit it does not understand. Bit 2
 * (video mode table) is understood but cannot be honoured without a
 * framebuffer, so it is refused too. */
#define MB_REQUIRED_MASK   0xFFFFu
#define MB_REQUIRED_OK     (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO)

static void range_err(const struct guest_mem *mem, const char *what,
		      uint64_t lo, uint64_t hi, char *err, size_t errlen)
{
	if (hi > lo && gmem_in_hole(lo, hi - lo) && hi <= mem->size)
		seterr(err, errlen, "%s at 0x%llx-0x%llx overlaps the "
			"0xA0000-0xFFFFF hole", what, ULL(lo), ULL(hi));
	else
		seterr(err, errlen, "%s at 0x%llx-0x%llx is outside guest RAM "
			"(0x%llx bytes)", what, ULL(lo), ULL(hi),
			ULL(mem->size));
}

static int check_flags(uint32_t flags, char *err, size_t errlen)
{
	uint32_t bad = flags & MB_REQUIRED_MASK & ~(uint32_t)MB_REQUIRED_OK;

	if (bad & MB_FLAG_VIDEO) {
		seterr(err, errlen, "Multiboot header requests a video mode "
			"(flags bit 2), which Vireo cannot provide");
		return -1;
	}
	if (bad) {
		seterr(err, errlen, "Multiboot header flags 0x%x set unknown "
			"required bits 0x%x", flags, bad);
		return -1;
	}
	return 0;
}

int mb_find_header(const uint8_t *img, size_t len, struct mb_header *out,
		   char *err, size_t errlen)
{
	size_t limit = len < MB_SEARCH_LEN ? len : MB_SEARCH_LEN;
	size_t off;
	long bad_sum = -1;

	for (off = 0; off + MB_HEADER_MIN <= limit; off += 4) {
		const uint8_t *p = img + off;

		if (le32(p) != MB_HEADER_MAGIC)
			continue;
		if ((uint32_t)(le32(p) + le32(p + 4) + le32(p + 8)) != 0) {
			if (bad_sum < 0)
				bad_sum = (long)off;
			continue;
		}
		memset(out, 0, sizeof(*out));
		out->offset = (uint32_t)off;
		out->flags = le32(p + 4);
		if (check_flags(out->flags, err, errlen) < 0)
			return -1;
		if (!(out->flags & MB_FLAG_AOUT_KLUDGE))
			return 0;
		if (off + MB_HEADER_AOUT > limit) {
			seterr(err, errlen, "Multiboot header at 0x%llx: "
				"address fields run past the first %d bytes",
				ULL(off), MB_SEARCH_LEN);
			return -1;
		}
		out->header_addr = le32(p + 12);
		out->load_addr = le32(p + 16);
		out->load_end_addr = le32(p + 20);
		out->bss_end_addr = le32(p + 24);
		out->entry_addr = le32(p + 28);
		return 0;
	}
	if (bad_sum >= 0)
		seterr(err, errlen, "Multiboot header at 0x%lx has a bad "
			"checksum", bad_sum);
	else
		seterr(err, errlen, "no Multiboot header (magic 0x%x) in the "
			"first %llu bytes", MB_HEADER_MAGIC, ULL(limit));
	return -1;
}

/* 3.1.3: the file offset to load from is the header's offset minus
 * (header_addr - load_addr); load_end_addr 0 means "to the end of the file",
 * bss_end_addr 0 means "no bss". */
static int load_aout(struct guest_mem *mem, const uint8_t *img, size_t len,
		     const struct mb_header *h, struct mb_boot *out,
		     char *err, size_t errlen)
{
	uint64_t skip, foff, size, end;

	if (h->load_addr > h->header_addr ||
	    (skip = h->header_addr - h->load_addr) > h->offset) {
		seterr(err, errlen, "a.out kludge: load_addr 0x%x / "
			"header_addr 0x%x put the load start outside the file",
			h->load_addr, h->header_addr);
		return -1;
	}
	foff = h->offset - skip;
	if (h->load_end_addr == 0)
		size = len - foff;
	else if (h->load_end_addr <= h->load_addr ||
		 (size = h->load_end_addr - h->load_addr) > len - foff) {
		seterr(err, errlen, "a.out kludge: load_end_addr 0x%x needs "
			"file bytes past the end of the %llu-byte image",
			h->load_end_addr, ULL(len));
		return -1;
	}
	end = h->load_addr + size;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < end) {
			seterr(err, errlen, "a.out kludge: bss_end_addr 0x%x "
				"is below the load end 0x%llx",
				h->bss_end_addr, ULL(end));
			return -1;
		}
		end = h->bss_end_addr;
	}
	if (!gmem_is_ram(mem, h->load_addr, end - h->load_addr)) {
		range_err(mem, "a.out kludge image", h->load_addr, end, err,
			  errlen);
		return -1;
	}
	if (pc_in_firmware(h->load_addr, end - h->load_addr)) {
		seterr(err, errlen, "a.out kludge image at 0x%x-0x%llx overlaps the "
			"ACPI tables at 0x%llx-0x%llx", h->load_addr, ULL(end),
			ULL(PC_ACPI_TABLES), ULL(GMEM_HOLE_START - 1));
		return -1;
	}
	if (h->entry_addr < h->load_addr || h->entry_addr >= h->load_addr + size) {
		seterr(err, errlen, "a.out kludge: entry_addr 0x%x is not in "
			"the loaded range 0x%x-0x%llx", h->entry_addr,
			h->load_addr, ULL(h->load_addr + size));
		return -1;
	}
	memcpy(mem->base + h->load_addr, img + foff, size);
	memset(mem->base + h->load_addr + size, 0, end - h->load_addr - size);
	out->entry = h->entry_addr;
	out->kernel_lo = h->load_addr;
	out->kernel_hi = end;
	return 0;
}

int mb_load_kernel(struct guest_mem *mem, const uint8_t *img, size_t len,
		   struct mb_boot *out, char *err, size_t errlen)
{
	struct mb_header h;
	struct elf_image ei;

	memset(out, 0, sizeof(*out));
	if (mb_find_header(img, len, &h, err, errlen) < 0)
		return -1;
	/* 3.1.3: with bit 16 the address fields win even for an ELF file. */
	if (h.flags & MB_FLAG_AOUT_KLUDGE)
		return load_aout(mem, img, len, &h, out, err, errlen);
	if (!elf_is_elf(img, len)) {
		seterr(err, errlen, "kernel is not ELF and its Multiboot "
			"header lacks the a.out kludge (flags bit 16)");
		return -1;
	}
	if (elf_load(mem, img, len, &ei, err, errlen) < 0)
		return -1;
	/* The guest starts in 32-bit protected mode (3.2): EIP is 32 bits. */
	if (ei.entry > UINT32_MAX) {
		seterr(err, errlen, "ELF entry 0x%llx is above 4 GiB",
			ULL(ei.entry));
		return -1;
	}
	out->entry = (uint32_t)ei.entry;
	out->kernel_lo = ei.lo;
	out->kernel_hi = ei.hi;
	return 0;
}

/* Next free page-aligned address for 'len' bytes at or after 'at',
 * skipping the ACPI tables and the legacy hole rather than overlapping
 * them. */
static uint64_t place(uint64_t at, uint64_t len)
{
	at = ALIGN_UP(at, PAGE_SIZE);
	if (pc_in_firmware(at, len ? len : 1))
		at = GMEM_HOLE_END;
	return at;
}

static int load_modules(struct guest_mem *mem, const struct mb_module_in *mods,
			int nmods, uint64_t *cursor, struct mbinfo_module *mi,
			char *err, size_t errlen)
{
	int i;

	for (i = 0; i < nmods; i++) {
		uint64_t at = place(*cursor, mods[i].len);

		/* A zero-length module still gets a (zero-byte) address. */
		if (!gmem_is_ram(mem, at, mods[i].len ? mods[i].len : 1)) {
			seterr(err, errlen, "module %d ('%s', %llu bytes) does "
				"not fit in guest RAM at 0x%llx (0x%llx bytes)",
				i, mods[i].string ? mods[i].string : "",
				ULL(mods[i].len), ULL(at), ULL(mem->size));
			return -1;
		}
		if (mods[i].len)
			memcpy(mem->base + at, mods[i].data, mods[i].len);
		mi[i].start = at;
		mi[i].end = at + mods[i].len;
		mi[i].string = mods[i].string ? mods[i].string : "";
		*cursor = at + mods[i].len;
	}
	return 0;
}

/* Prefer 0x9000 in low memory (where many loaders put it and kernels
 * expect it not to collide with themselves); fall back to the first page
 * after everything loaded. */
static uint64_t place_info(const struct guest_mem *mem, uint64_t used_lo,
			   uint64_t used_hi, uint64_t size)
{
	uint64_t lo = MB_INFO_LOW_GPA, hi = MB_INFO_LOW_GPA + size;

	if (hi <= PC_ACPI_TABLES && gmem_is_ram(mem, lo, size) &&
	    (hi <= used_lo || lo >= used_hi))
		return lo;
	return place(used_hi, size);
}

int mb_prepare(struct guest_mem *mem, const uint8_t *kernel, size_t kernel_len,
	       const char *cmdline, const struct mb_module_in *mods, int nmods,
	       struct mb_boot *out, char *err, size_t errlen)
{
	struct mbinfo_module mi[MB_MAX_MODULES];
	uint64_t cursor, size, at;

	if (nmods < 0 || nmods > MB_MAX_MODULES) {
		seterr(err, errlen, "%d modules: Vireo supports 0-%d per VM",
			nmods, MB_MAX_MODULES);
		return -1;
	}
	if (mb_load_kernel(mem, kernel, kernel_len, out, err, errlen) < 0)
		return -1;
	cursor = out->kernel_hi;
	if (load_modules(mem, mods, nmods, &cursor, mi, err, errlen) < 0)
		return -1;
	size = mbinfo_size(cmdline, mi, nmods);
	at = place_info(mem, out->kernel_lo, cursor, size);
	if (!gmem_is_ram(mem, at, size)) {
		seterr(err, errlen, "no room for the %llu-byte Multiboot info: "
			"guest RAM ends at 0x%llx (raise mem=)", ULL(size),
			ULL(mem->size));
		return -1;
	}
	if (mbinfo_build(mem, at, cmdline, mi, nmods, err, errlen) < 0)
		return -1;
	out->info_gpa = (uint32_t)at;
	return 0;
}

int raw_load(struct guest_mem *mem, const uint8_t *img, size_t len,
	     uint64_t load, char *err, size_t errlen)
{
	if (len == 0) {
		seterr(err, errlen, "raw image is empty");
		return -1;
	}
	if (!gmem_is_ram(mem, load, len)) {
		range_err(mem, "raw image", load, load + len, err, errlen);
		return -1;
	}
	if (pc_in_firmware(load, len)) {
		seterr(err, errlen, "raw image at 0x%llx-0x%llx overlaps the ACPI "
			"tables at 0x%llx-0x%llx", ULL(load), ULL(load + len),
			ULL(PC_ACPI_TABLES), ULL(GMEM_HOLE_START - 1));
		return -1;
	}
	memcpy(mem->base + load, img, len);
	return 0;
}
