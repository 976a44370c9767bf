/* Multiboot v1 boot information builder; see loaders/mbinfo.h. */
#include "loaders/mbinfo.h"
#include "lib/errmsg.h"
#include "loaders/le.h"
#include "loaders/pc_layout.h"

struct mmap_range {
	uint64_t base, len;
	uint32_t type;
};

/* The guest's physical map, from the one layout (loaders/pc_layout.h):
 * low RAM below the ACPI tables' reserved kilobyte, the BIOS ROM area,
 * high RAM, the I/O APIC and local APIC pages. */
static int build_mmap(uint64_t size, struct mmap_range *r)
{
	int n = 0;
	uint64_t low = size < PC_ACPI_TABLES ? size : PC_ACPI_TABLES;

	r[n++] = (struct mmap_range){ 0, low, MBI_MMAP_AVAILABLE };
	if (size >= PC_VGA_BASE)
		r[n++] = (struct mmap_range){ PC_ACPI_TABLES, PC_ACPI_TABLES_SIZE,
					      MBI_MMAP_RESERVED };
	r[n++] = (struct mmap_range){ PC_RSDP, GMEM_HOLE_END - PC_RSDP, MBI_MMAP_RESERVED };
	if (size > GMEM_HOLE_END)
		r[n++] = (struct mmap_range){ GMEM_HOLE_END,
					      size - GMEM_HOLE_END,
					      MBI_MMAP_AVAILABLE };
	r[n++] = (struct mmap_range){ PC_IOAPIC_BASE, 0x1000, MBI_MMAP_RESERVED };
	r[n++] = (struct mmap_range){ PC_LAPIC_BASE, 0x1000, MBI_MMAP_RESERVED };
	return n;
}

static uint64_t str_size(const char *s)
{
	return (s ? strlen(s) : 0) + 1;
}

uint64_t mbinfo_size(const char *cmdline, const struct mbinfo_module *mods,
		     int nmods)
{
	uint64_t n;
	int i;

	if (nmods < 0)
		nmods = 0;
	n = MBI_INFO_SIZE + (uint64_t)nmods * MBI_MOD_SIZE +
	    MBI_MMAP_MAX * MBI_MMAP_ENTRY_SIZE;
	n += str_size(cmdline) + str_size(MBI_LOADER_NAME);
	for (i = 0; i < nmods; i++)
		n += str_size(mods[i].string);
	return n;
}

/* Copy a string to guest memory at *at, advance *at, return its address. */
static uint32_t put_str(struct guest_mem *mem, uint64_t *at, const char *s)
{
	uint64_t gpa = *at, n = str_size(s);

	memcpy(mem->base + gpa, s ? s : "", n);
	*at += n;
	return (uint32_t)gpa;
}

/* Memory map entries start with a 'size' field that does not count itself
 * (spec: "size is the size of the associated structure in bytes"), so a
 * guest advances by size + 4. */
static uint32_t put_mmap(struct guest_mem *mem, uint64_t at, uint64_t size)
{
	struct mmap_range r[MBI_MMAP_MAX];
	int i, n = build_mmap(size, r);
	uint8_t *p = mem->base + at;

	for (i = 0; i < n; i++, p += MBI_MMAP_ENTRY_SIZE) {
		put_le32(p, MBI_MMAP_ENTRY_SIZE - 4);
		put_le64(p + 4, r[i].base);
		put_le64(p + 12, r[i].len);
		put_le32(p + 20, r[i].type);
	}
	return (uint32_t)(n * MBI_MMAP_ENTRY_SIZE);
}

int mbinfo_build(struct guest_mem *mem, uint64_t gpa, const char *cmdline,
		 const struct mbinfo_module *mods, int nmods, char *err,
		 size_t errlen)
{
	uint64_t size = mbinfo_size(cmdline, mods, nmods);
	uint64_t mods_at = gpa + MBI_INFO_SIZE;
	uint64_t mmap_at = mods_at + (uint64_t)nmods * MBI_MOD_SIZE;
	uint64_t str_at = mmap_at + MBI_MMAP_MAX * MBI_MMAP_ENTRY_SIZE;
	uint64_t upper = mem->size > MiB(1) ? mem->size - MiB(1) : 0;
	uint8_t *info;
	int i;

	if (nmods < 0) {
		seterr(err, errlen, "negative module count %d", nmods);
		return -1;
	}
	if (!gmem_is_ram(mem, gpa, size) || gpa + size > GiB(4)) {
		seterr(err, errlen, "Multiboot info at 0x%llx-0x%llx is not "
			"in guest RAM (0x%llx bytes)", ULL(gpa),
			ULL(gpa + size), ULL(mem->size));
		return -1;
	}
	for (i = 0; i < nmods; i++) {
		if (mods[i].end < mods[i].start || mods[i].end > GiB(4)) {
			seterr(err, errlen, "module %d range 0x%llx-0x%llx "
				"is not a 32-bit range", i,
				ULL(mods[i].start), ULL(mods[i].end));
			return -1;
		}
	}
	memset(mem->base + gpa, 0, size);
	info = mem->base + gpa;
	put_le32(info + MBI_OFF_FLAGS, MBI_FLAG_MEM | MBI_FLAG_CMDLINE |
		 MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
	/* mem_lower/mem_upper are in KiB; mem_upper starts at 1 MiB. */
	put_le32(info + MBI_OFF_MEM_LOWER, mem->size < 0x9FC00 ?
		 (uint32_t)(mem->size >> 10) : MBI_MEM_LOWER_KB);
	put_le32(info + MBI_OFF_MEM_UPPER, (uint32_t)(upper >> 10));
	put_le32(info + MBI_OFF_CMDLINE, put_str(mem, &str_at, cmdline));
	put_le32(info + MBI_OFF_LOADER_NAME,
		 put_str(mem, &str_at, MBI_LOADER_NAME));
	put_le32(info + MBI_OFF_MODS_COUNT, (uint32_t)nmods);
	put_le32(info + MBI_OFF_MODS_ADDR, (uint32_t)mods_at);
	for (i = 0; i < nmods; i++) {
		uint8_t *m = mem->base + mods_at + (uint64_t)i * MBI_MOD_SIZE;

		put_le32(m, (uint32_t)mods[i].start);
		put_le32(m + 4, (uint32_t)mods[i].end);
		put_le32(m + 8, put_str(mem, &str_at, mods[i].string));
		put_le32(m + 12, 0);
	}
	put_le32(info + MBI_OFF_MMAP_LENGTH, put_mmap(mem, mmap_at, mem->size));
	put_le32(info + MBI_OFF_MMAP_ADDR, (uint32_t)mmap_at);
	return 0;
}
