/* Parse the hypervisor's own boot information; see bootinfo.h.
 * The structures live in memory the bootloader chose, so every length is
 * checked before use and nothing is trusted to be NUL-terminated. */
#include "arch/x86/boot/bootinfo.h"

/* Multiboot2 tag types (Multiboot2 spec 3.6). */
#define MB2_TAG_END       0
#define MB2_TAG_CMDLINE   1
#define MB2_TAG_LOADER    2
#define MB2_TAG_MODULE    3
#define MB2_TAG_MMAP      6
#define MB2_TAG_ACPI_OLD  14
#define MB2_TAG_ACPI_NEW  15
#define MB2_INFO_MAX      (1u << 20)	/* sanity bound on total_size */

/* Multiboot v1 'flags' bits and field offsets (0.6.96, 3.3). */
#define MB1_FLAG_MEM      (1u << 0)
#define MB1_FLAG_CMDLINE  (1u << 2)
#define MB1_FLAG_MODS     (1u << 3)
#define MB1_FLAG_MMAP     (1u << 6)
#define MB1_FLAG_LOADER   (1u << 9)
#define MB1_INFO_BASE     52	/* through mmap_addr */
#define MB1_INFO_LOADER   68	/* through boot_loader_name */

#define RSDP_V1_LEN       20

struct parse_state {
	bootinfo_map_fn map;
	void *ctx;
	struct boot_info *out;
	char *err;
	size_t errlen;
	bool too_many_mem, too_many_mods;
	bool rsdp_v2;		/* tag 15 seen: ignore tag 14 */
};

static void seterr(struct parse_state *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void seterr(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	if (!ps->err || ps->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void add_mem(struct parse_state *ps, uint64_t base, uint64_t len,
		    uint32_t type)
{
	struct boot_info *bi = ps->out;

	if (bi->nmem == BOOT_MAX_MEM) {
		ps->too_many_mem = true;
		return;
	}
	bi->mem[bi->nmem++] = (struct boot_mem_range){ base, len, type };
}

static struct boot_module *add_mod(struct parse_state *ps, uint64_t start,
				   uint64_t end)
{
	struct boot_info *bi = ps->out;
	struct boot_module *m;

	bi->mods_listed++;
	if (bi->nmods == BOOT_MAX_MODS) {
		ps->too_many_mods = true;
		return NULL;
	}
	m = &bi->mods[bi->nmods++];
	m->start = start;
	m->end = end;
	return m;
}

/* Copy a string of at most srclen bytes that must be NUL-terminated within
 * them into dst[dstlen]. A string too long for dst is an error (-2, told
 * apart so that one module can be refused alone) unless 'truncate'. */
static int copy_bounded(struct parse_state *ps, const char *what, char *dst,
			size_t dstlen, const uint8_t *src, size_t srclen,
			bool truncate)
{
	size_t n;

	for (n = 0; n < srclen && src[n]; n++)
		;
	if (n == srclen) {
		seterr(ps, "%s is not NUL-terminated", what);
		return -1;
	}
	if (n >= dstlen) {
		if (!truncate) {
			seterr(ps, "%s is %u characters, max %u", what,
			       (unsigned)n, (unsigned)dstlen - 1);
			return -2;
		}
		n = dstlen - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

/* Multiboot v1 strings are bare physical pointers: map them byte by byte
 * so the map function can refuse the first byte out of range. */
static int copy_phys_str(struct parse_state *ps, const char *what, char *dst,
			 size_t dstlen, uint64_t phys, bool truncate)
{
	size_t n;

	for (n = 0;; n++) {
		const uint8_t *c = ps->map(ps->ctx, phys + n, 1);

		if (!c) {
			seterr(ps, "%s at 0x%llx is not readable", what,
			       (unsigned long long)phys);
			return -1;
		}
		if (*c == '\0')
			break;
		if (n + 1 >= dstlen) {
			if (truncate)
				break;
			seterr(ps, "%s at 0x%llx is longer than %u characters",
			       what, (unsigned long long)phys,
			       (unsigned)dstlen - 1);
			return -2;
		}
		dst[n] = (char)*c;
	}
	dst[n] = '\0';
	return 0;
}

/* A module string too long to read refuses that module, not the boot: the
 * reason goes with the module (launch names it) and the walk goes on. */
static int mod_string_result(struct parse_state *ps, struct boot_module *m, int rc)
{
	if (rc != -2)
		return rc;
	snprintf(m->refused, sizeof(m->refused), "%s", ps->err);
	m->string[0] = '\0';
	ps->err[0] = '\0';
	return 0;
}

/* The same for the hypervisor's command line: dropped (defaults apply),
 * the reason kept for kmain to print. */
static int cmdline_result(struct parse_state *ps, int rc)
{
	if (rc != -2)
		return rc;
	snprintf(ps->out->cmdline_refused, sizeof(ps->out->cmdline_refused), "%s", ps->err);
	ps->out->cmdline[0] = '\0';
	ps->err[0] = '\0';
	return 0;
}

/* ---- Multiboot2 ---- */

static int mb2_mmap(struct parse_state *ps, const uint8_t *t, uint32_t size)
{
	uint32_t esz, off;

	if (size < 16) {
		seterr(ps, "Multiboot2 mmap tag is %u bytes, need 16", size);
		return -1;
	}
	esz = rd32(t + 8);
	if (esz < 24 || esz % 8) {
		seterr(ps, "Multiboot2 mmap entry_size %u is not a multiple of "
		       "8 >= 24", esz);
		return -1;
	}
	for (off = 16; size - off >= esz; off += esz)
		add_mem(ps, rd64(t + off), rd64(t + off + 8), rd32(t + off + 16));
	return 0;
}

static int mb2_rsdp(struct parse_state *ps, const uint8_t *t, uint32_t size,
		    uint64_t phys, bool v2)
{
	struct boot_info *bi = ps->out;
	uint32_t n = size - 8;

	/* Tag 15 (RSDPv2) wins over tag 14 whatever their order. */
	if (ps->rsdp_v2 && !v2)
		return 0;
	if (n < RSDP_V1_LEN) {
		seterr(ps, "Multiboot2 ACPI tag %u holds %u bytes, RSDP needs "
		       "%u", v2 ? 15 : 14, n, RSDP_V1_LEN);
		return -1;
	}
	if (n > sizeof(bi->rsdp))
		n = sizeof(bi->rsdp);
	memset(bi->rsdp, 0, sizeof(bi->rsdp));
	memcpy(bi->rsdp, t + 8, n);
	bi->rsdp_copy_phys = phys + 8;
	bi->has_rsdp = true;
	ps->rsdp_v2 = v2;
	return 0;
}

static int mb2_tag(struct parse_state *ps, const uint8_t *t, uint32_t type,
		   uint32_t size, uint64_t phys)
{
	struct boot_info *bi = ps->out;
	struct boot_module *m;

	switch (type) {
	case MB2_TAG_CMDLINE:
		return cmdline_result(ps, copy_bounded(ps, "Multiboot2 command line", bi->cmdline,
						       sizeof(bi->cmdline), t + 8, size - 8, false));
	case MB2_TAG_LOADER:
		return copy_bounded(ps, "Multiboot2 loader name", bi->loader,
				    sizeof(bi->loader), t + 8, size - 8, true);
	case MB2_TAG_MODULE:
		if (size < 17) {
			seterr(ps, "Multiboot2 module tag is %u bytes, need "
			       "17", size);
			return -1;
		}
		if (rd32(t + 12) < rd32(t + 8)) {
			seterr(ps, "Multiboot2 module ends (0x%x) before it "
			       "starts (0x%x)", rd32(t + 12), rd32(t + 8));
			return -1;
		}
		m = add_mod(ps, rd32(t + 8), rd32(t + 12));
		if (!m)
			return 0;
		return mod_string_result(ps, m, copy_bounded(ps, "Multiboot2 module string", m->string,
							     sizeof(m->string), t + 16, size - 16, false));
	case MB2_TAG_MMAP:
		return mb2_mmap(ps, t, size);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return mb2_rsdp(ps, t, size, phys, type == MB2_TAG_ACPI_NEW);
	default:
		return 0;	/* framebuffer, EFI, ... not needed */
	}
}

/* Fixed part: u32 total_size, u32 reserved; then tags, each u32 type,
 * u32 size (header included), padded to 8 bytes; type 0 size 8 ends. */
static int parse_mb2(struct parse_state *ps, uint64_t phys)
{
	const uint8_t *hdr, *base;
	uint32_t total, off;

	if (phys & 7) {
		seterr(ps, "Multiboot2 info at 0x%llx is not 8-byte aligned",
		       (unsigned long long)phys);
		return -1;
	}
	hdr = ps->map(ps->ctx, phys, 8);
	if (!hdr) {
		seterr(ps, "Multiboot2 info at 0x%llx is not readable",
		       (unsigned long long)phys);
		return -1;
	}
	total = rd32(hdr);
	if (total < 16 || total > MB2_INFO_MAX) {
		seterr(ps, "Multiboot2 total_size %u is not in 16-%u", total,
		       MB2_INFO_MAX);
		return -1;
	}
	base = ps->map(ps->ctx, phys, total);
	if (!base) {
		seterr(ps, "Multiboot2 info at 0x%llx (%u bytes) is not "
		       "readable", (unsigned long long)phys, total);
		return -1;
	}
	/* A tag may end within 7 bytes of total_size: the aligned next offset
	 * can then pass it, so compare before subtracting (found by fuzzing). */
	for (off = 8; off <= total && total - off >= 8;
	     off = ALIGN_UP(off + rd32(base + off + 4), 8u)) {
		uint32_t type = rd32(base + off), size = rd32(base + off + 4);

		if (size < 8 || size > total - off) {
			seterr(ps, "Multiboot2 tag %u at offset %u has bad size "
			       "%u (total_size %u)", type, off, size, total);
			return -1;
		}
		if (type == MB2_TAG_END)
			return 0;
		if (mb2_tag(ps, base + off, type, size, phys + off) < 0)
			return -1;
	}
	seterr(ps, "Multiboot2 info has no end tag within total_size %u",
	       total);
	return -1;
}

/* ---- Multiboot v1 ---- */

static int mb1_mods(struct parse_state *ps, uint32_t count, uint32_t addr)
{
	const uint8_t *p;
	struct boot_module *m;
	uint32_t i;

	if (count == 0)
		return 0;
	if (count > BOOT_MAX_MODS) {
		ps->too_many_mods = true;
		ps->out->mods_listed = count - BOOT_MAX_MODS;  /* add_mod counts the rest */
		count = BOOT_MAX_MODS;
	}
	p = ps->map(ps->ctx, addr, (size_t)count * 16);
	if (!p) {
		seterr(ps, "Multiboot module list at 0x%x is not readable",
		       addr);
		return -1;
	}
	for (i = 0; i < count; i++, p += 16) {
		if (rd32(p + 4) < rd32(p)) {
			seterr(ps, "Multiboot module %u ends (0x%x) before it "
			       "starts (0x%x)", i, rd32(p + 4), rd32(p));
			return -1;
		}
		m = add_mod(ps, rd32(p), rd32(p + 4));
		if (!m)
			break;
		if (mod_string_result(ps, m, copy_phys_str(ps, "Multiboot module string", m->string,
							   sizeof(m->string), rd32(p + 8), false)) < 0)
			return -1;
	}
	return 0;
}

/* Each entry starts with a 'size' that does not count itself (3.3). */
static int mb1_mmap(struct parse_state *ps, uint32_t length, uint32_t addr)
{
	const uint8_t *p;
	uint32_t off, size;

	p = ps->map(ps->ctx, addr, length);
	if (!p) {
		seterr(ps, "Multiboot mmap at 0x%x (%u bytes) is not readable",
		       addr, length);
		return -1;
	}
	for (off = 0; length - off >= 4; off += size + 4) {
		size = rd32(p + off);
		if (size < 20 || size > length - off - 4) {
			seterr(ps, "Multiboot mmap entry at offset %u has bad "
			       "size %u", off, size);
			return -1;
		}
		add_mem(ps, rd64(p + off + 4), rd64(p + off + 12),
			rd32(p + off + 20));
	}
	return 0;
}

static int parse_mb1(struct parse_state *ps, uint64_t phys)
{
	const uint8_t *p = ps->map(ps->ctx, phys, MB1_INFO_BASE);
	uint32_t flags;

	if (!p) {
		seterr(ps, "Multiboot info at 0x%llx is not readable",
		       (unsigned long long)phys);
		return -1;
	}
	flags = rd32(p);
	if ((flags & MB1_FLAG_CMDLINE) &&
	    cmdline_result(ps, copy_phys_str(ps, "Multiboot command line", ps->out->cmdline,
					     sizeof(ps->out->cmdline), rd32(p + 16), false)) < 0)
		return -1;
	if ((flags & MB1_FLAG_MODS) &&
	    mb1_mods(ps, rd32(p + 20), rd32(p + 24)) < 0)
		return -1;
	if (flags & MB1_FLAG_MMAP) {
		if (mb1_mmap(ps, rd32(p + 44), rd32(p + 48)) < 0)
			return -1;
	} else if (flags & MB1_FLAG_MEM) {
		/* No map: mem_lower KiB at 0, mem_upper KiB at 1 MiB. */
		add_mem(ps, 0, (uint64_t)rd32(p + 4) << 10, BOOT_MEM_AVAILABLE);
		add_mem(ps, 0x100000, (uint64_t)rd32(p + 8) << 10,
			BOOT_MEM_AVAILABLE);
	}
	if (flags & MB1_FLAG_LOADER) {
		p = ps->map(ps->ctx, phys, MB1_INFO_LOADER);
		if (!p) {
			seterr(ps, "Multiboot info at 0x%llx is too short for "
			       "boot_loader_name", (unsigned long long)phys);
			return -1;
		}
		return copy_phys_str(ps, "Multiboot loader name",
				     ps->out->loader, sizeof(ps->out->loader),
				     rd32(p + 64), true);
	}
	return 0;
}

int bootinfo_parse(uint32_t magic, uint64_t info_phys, bootinfo_map_fn map,
		   void *ctx, struct boot_info *out, char *err, size_t errlen)
{
	struct parse_state ps = { map, ctx, out, err, errlen, false, false,
				  false };
	int rc;

	memset(out, 0, sizeof(*out));
	if (magic == MB2_BOOTLOADER_MAGIC)
		rc = parse_mb2(&ps, info_phys);
	else if (magic == MB1_BOOTLOADER_MAGIC)
		rc = parse_mb1(&ps, info_phys);
	else {
		seterr(&ps, "bad bootloader magic 0x%x (want Multiboot2 0x%x "
		       "or Multiboot 0x%x)", magic, MB2_BOOTLOADER_MAGIC,
		       MB1_BOOTLOADER_MAGIC);
		return -1;
	}
	if (rc < 0)
		return -1;
	if (ps.too_many_mods) {
		seterr(&ps, "boot info lists %u modules, more than %d; modules %d-%u are "
		       "ignored", out->mods_listed, BOOT_MAX_MODS, BOOT_MAX_MODS,
		       out->mods_listed - 1);
		return -1;
	}
	if (ps.too_many_mem) {
		seterr(&ps, "boot info lists more than %d memory ranges; the rest are "
		       "ignored", BOOT_MAX_MEM);
		return -1;
	}
	return 0;
}
