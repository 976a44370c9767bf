/* Linux bzImage loader; see loaders/linux.h. Field names and rules are
 * those of Documentation/arch/x86/boot.rst ("boot.rst" below) and
 * arch/x86/include/uapi/asm/bootparam.h. */
#include "loaders/linux.h"
#include "lib/errmsg.h"
#include "loaders/le.h"
#include "loaders/pc_layout.h"

#define PAGE_SIZE        4096ULL
#define SECTOR           512ULL
#define HDR_MIN_LEN      1024	/* boot sector + the setup sector holding the header */
#define PDE_2M           0x83ULL	/* present, writable, 2 MiB page */
#define PTE_TABLE        0x03ULL	/* present, writable */
#define LOW_END          (LINUX_GDT_GPA + PAGE_SIZE)	/* page tables, zero page, GDT */

/* What linux_load takes from the image's setup header. */
struct bzhdr {
	uint16_t version;
	uint8_t loadflags;
	uint16_t xloadflags;	/* 0 before 2.12 */
	uint64_t setup_size;	/* boot sector + setup sectors */
	uint64_t pm_len;	/* protected-mode kernel: the rest of the file */
	uint32_t initrd_addr_max, cmdline_size, kernel_alignment, init_size;
	uint8_t relocatable;
	uint64_t pref_address;	/* 0 before 2.10 */
	size_t hdr_end;		/* copy [0x1F1, hdr_end) into boot_params */
};

int linux_is_bzimage(const uint8_t *img, size_t len)
{
	return img && len >= LINUX_HDR_HEADER + 4 &&
	       le32(img + LINUX_HDR_HEADER) == LINUX_HDRS_MAGIC;
}

void linux_layout_pc(struct linux_layout *l, uint64_t ram_size)
{
	unsigned int n = 0;
	uint64_t low = ram_size < PC_ACPI_TABLES ? ram_size : PC_ACPI_TABLES;

	memset(l, 0, sizeof(*l));
	l->e820[n++] = (struct linux_e820){ 0, low, LINUX_E820_RAM };
	if (ram_size >= PC_VGA_BASE)
		l->e820[n++] = (struct linux_e820){ PC_ACPI_TABLES, PC_ACPI_TABLES_SIZE,
						    LINUX_E820_RESERVED };
	l->e820[n++] = (struct linux_e820){ PC_RSDP, GMEM_HOLE_END - PC_RSDP,
					    LINUX_E820_RESERVED };
	if (ram_size > GMEM_HOLE_END)
		l->e820[n++] = (struct linux_e820){ GMEM_HOLE_END, ram_size - GMEM_HOLE_END,
						    LINUX_E820_RAM };
	l->e820[n++] = (struct linux_e820){ PC_IOAPIC_BASE, PAGE_SIZE, LINUX_E820_RESERVED };
	l->e820[n++] = (struct linux_e820){ PC_LAPIC_BASE, PAGE_SIZE, LINUX_E820_RESERVED };
	l->n_e820 = n;
	l->rsdp = PC_RSDP;
}

/* The setup header's length: 0x202 plus the jump's offset byte (boot.rst,
 * "32-bit Boot Protocol"), but never less than the fields the protocol
 * version defines (the kernel reads init_size and kernel_alignment back
 * from boot_params) nor more than boot_params' hole for it. */
static size_t hdr_end(const uint8_t *img, uint16_t version)
{
	size_t end = LINUX_HDR_HEADER + img[LINUX_HDR_JUMP + 1];
	size_t need = version >= 0x020F ? 0x26C : version >= 0x020B ? 0x268 :
		      version >= 0x020A ? 0x264 : version >= 0x0209 ? 0x258 :
		      version >= 0x0208 ? 0x250 : version >= 0x0207 ? 0x248 : 0x23C;

	if (end < need)
		end = need;
	return end < LINUX_BP_HDR_LIMIT ? end : LINUX_BP_HDR_LIMIT;
}

static int parse_header(const uint8_t *img, size_t len, struct bzhdr *h,
			char *err, size_t errlen)
{
	uint64_t sects, syssize;

	memset(h, 0, sizeof(*h));
	if (!img || len < HDR_MIN_LEN) {
		seterr(err, errlen, "image of %zu bytes is too short for a Linux "
		       "boot sector and setup header (%d bytes)", img ? len : 0,
		       HDR_MIN_LEN);
		return -1;
	}
	if (le16(img + LINUX_HDR_BOOT_FLAG) != LINUX_BOOT_FLAG) {
		seterr(err, errlen, "not a Linux kernel: boot_flag at 0x1fe is "
		       "0x%04x, not 0xaa55", le16(img + LINUX_HDR_BOOT_FLAG));
		return -1;
	}
	if (le32(img + LINUX_HDR_HEADER) != LINUX_HDRS_MAGIC) {
		seterr(err, errlen, "not a bzImage: no \"HdrS\" setup header "
		       "signature at 0x202 (a pre-2.00 zImage?)");
		return -1;
	}
	h->version = le16(img + LINUX_HDR_VERSION);
	if (h->version < LINUX_MIN_PROTOCOL) {
		seterr(err, errlen, "Linux boot protocol %u.%02u is older than "
		       "2.06", h->version >> 8, h->version & 0xFF);
		return -1;
	}
	h->loadflags = img[LINUX_HDR_LOADFLAGS];
	if (!(h->loadflags & LINUX_LOADED_HIGH)) {
		seterr(err, errlen, "not a bzImage: LOADED_HIGH is clear in "
		       "loadflags 0x%02x (a zImage, loaded at 0x10000)",
		       h->loadflags);
		return -1;
	}
	sects = img[LINUX_HDR_SETUP_SECTS];
	if (sects == 0)
		sects = 4;	/* boot.rst: 0 means 4 */
	h->setup_size = (sects + 1) * SECTOR;
	if (len <= h->setup_size) {
		seterr(err, errlen, "bzImage truncated: %llu setup sectors and "
		       "the boot sector take %llu bytes, the image has %zu and "
		       "no protected-mode kernel", ULL(sects), ULL(h->setup_size),
		       len);
		return -1;
	}
	h->pm_len = len - h->setup_size;
	syssize = (uint64_t)le32(img + LINUX_HDR_SYSSIZE) * 16;
	if (syssize > h->pm_len) {
		seterr(err, errlen, "bzImage truncated: syssize says %llu bytes of "
		       "protected-mode kernel, the image has %llu",
		       ULL(syssize), ULL(h->pm_len));
		return -1;
	}
	h->initrd_addr_max = le32(img + LINUX_HDR_INITRD_ADDR_MAX);
	h->kernel_alignment = le32(img + LINUX_HDR_KERNEL_ALIGN);
	h->relocatable = img[LINUX_HDR_RELOCATABLE];
	h->cmdline_size = le32(img + LINUX_HDR_CMDLINE_SIZE);
	if (h->version >= 0x020A) {
		h->pref_address = le64(img + LINUX_HDR_PREF_ADDRESS);
		h->init_size = le32(img + LINUX_HDR_INIT_SIZE);
	}
	if (h->version >= 0x020C)
		h->xloadflags = le16(img + LINUX_HDR_XLOADFLAGS);
	h->hdr_end = hdr_end(img, h->version);
	return 0;
}

/* Where the kernel runs while it decompresses (boot.rst, init_size): a
 * relocatable kernel at the load address aligned up to kernel_alignment,
 * and, as arch/x86/boot/compressed/head_*.S do, never below pref_address
 * (LOAD_PHYSICAL_ADDR); a fixed one at pref_address. Never below 1 MiB. */
static uint64_t runtime_start(const struct bzhdr *h)
{
	uint64_t start = LINUX_KERNEL_GPA, a = h->kernel_alignment;

	if (h->relocatable) {
		if (a && !(a & (a - 1)))
			start = ALIGN_UP(start, a);
		if (h->pref_address > start)
			start = h->pref_address;
	} else if (h->pref_address) {
		start = h->pref_address;
	}
	return start < LINUX_KERNEL_GPA ? LINUX_KERNEL_GPA : start;
}

/* [LINUX_KERNEL_GPA, *end): the loaded image and init_size from the runtime
 * start, all of it guest RAM. */
static int place_kernel(const struct guest_mem *mem, const struct bzhdr *h,
			uint64_t *end, char *err, size_t errlen)
{
	uint64_t start = runtime_start(h);

	if (!gmem_is_ram(mem, LINUX_KERNEL_GPA, h->pm_len)) {
		seterr(err, errlen, "protected-mode kernel of %llu bytes does not "
		       "fit in guest RAM at 0x%llx-0x%llx (RAM ends at 0x%llx; "
		       "raise mem=)", ULL(h->pm_len), ULL(LINUX_KERNEL_GPA),
		       ULL(LINUX_KERNEL_GPA + h->pm_len), ULL(mem->size));
		return -1;
	}
	*end = LINUX_KERNEL_GPA + h->pm_len;
	if (h->init_size == 0)
		return 0;
	if (start > mem->size || h->init_size > mem->size - start) {
		seterr(err, errlen, "kernel needs 0x%x bytes of guest RAM "
		       "(init_size) at 0x%llx to decompress, but RAM ends at "
		       "0x%llx (raise mem=)", h->init_size, ULL(start),
		       ULL(mem->size));
		return -1;
	}
	if (start + h->init_size > *end)
		*end = start + h->init_size;
	return 0;
}

/* As high as possible: page-aligned, its last byte at most initrd_addr_max
 * and below the end of RAM, above everything the kernel claims. */
static int place_initrd(const struct guest_mem *mem, const struct bzhdr *h,
			uint64_t kernel_end, size_t len, uint64_t *at,
			char *err, size_t errlen)
{
	uint64_t top = (uint64_t)h->initrd_addr_max + 1;
	uint64_t lo = ALIGN_UP(kernel_end, PAGE_SIZE);

	if (top > mem->size)
		top = mem->size;
	if (len > top || ALIGN_DOWN(top - len, PAGE_SIZE) < lo) {
		seterr(err, errlen, "initrd of %llu MiB does not fit below 0x%llx "
		       "(the kernel claims RAM up to 0x%llx; raise mem=)",
		       ULL((len + MiB(1) - 1) >> 20), ULL(top), ULL(kernel_end));
		return -1;
	}
	*at = ALIGN_DOWN(top - len, PAGE_SIZE);
	return 0;
}

/* True if the e820 map marks every byte of [lo, hi) as RAM. */
static bool e820_is_ram(const struct linux_layout *l, uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		unsigned int i;

		for (i = 0; i < l->n_e820; i++) {
			const struct linux_e820 *e = &l->e820[i];

			if (e->type == LINUX_E820_RAM && e->addr <= lo &&
			    lo - e->addr < e->size)
				break;
		}
		if (i == l->n_e820)
			return false;
		lo = l->e820[i].addr + l->e820[i].size;
		if (lo < l->e820[i].addr)	/* runs to the top of memory */
			return true;
	}
	return true;
}

static int check_e820(const struct linux_layout *l, const char *what,
		      uint64_t lo, uint64_t hi, char *err, size_t errlen)
{
	if (e820_is_ram(l, lo, hi))
		return 0;
	seterr(err, errlen, "the layout's e820 map does not mark the %s at "
	       "0x%llx-0x%llx as RAM", what, ULL(lo), ULL(hi));
	return -1;
}

static void write_page_tables(struct guest_mem *mem)
{
	uint8_t *pml4 = mem->base + LINUX_PML4_GPA;
	uint8_t *pdpt = mem->base + LINUX_PDPT_GPA;
	uint8_t *pd = mem->base + LINUX_PD_GPA;
	uint64_t i;

	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	put_le64(pml4, LINUX_PDPT_GPA | PTE_TABLE);
	for (i = 0; i < 4; i++)
		put_le64(pdpt + i * 8, (LINUX_PD_GPA + i * PAGE_SIZE) | PTE_TABLE);
	for (i = 0; i < 4 * 512; i++)
		put_le64(pd + i * 8, (i << 21) | PDE_2M);
}

static void write_gdt(struct guest_mem *mem, bool entry64)
{
	uint8_t *g = mem->base + LINUX_GDT_GPA;

	put_le64(g, 0);
	put_le64(g + 8, 0);
	put_le64(g + LINUX_BOOT_CS, entry64 ? LINUX_GDT_CODE64 : LINUX_GDT_CODE32);
	put_le64(g + LINUX_BOOT_DS, LINUX_GDT_DATA);
}

static void write_zero_page(struct guest_mem *mem, const uint8_t *img,
			    const struct bzhdr *h, const struct linux_layout *l,
			    uint64_t initrd, uint64_t initrd_len)
{
	uint8_t *bp = mem->base + LINUX_ZERO_PAGE_GPA;
	unsigned int i;

	/* A zeroed boot_params with the image's setup header (boot.rst,
	 * "32-bit Boot Protocol"); the sentinel at 0x1EF stays 0. */
	memset(bp, 0, LINUX_BP_SIZE);
	memcpy(bp + LINUX_HDR_SETUP_SECTS, img + LINUX_HDR_SETUP_SECTS,
	       h->hdr_end - LINUX_HDR_SETUP_SECTS);
	put_le16(bp + LINUX_HDR_VID_MODE, 0xFFFF);	/* "normal" */
	bp[LINUX_HDR_TYPE_OF_LOADER] = LINUX_LOADER_TYPE;
	bp[LINUX_HDR_LOADFLAGS] = h->loadflags | LINUX_CAN_USE_HEAP;
	put_le32(bp + LINUX_HDR_CODE32_START, (uint32_t)LINUX_KERNEL_GPA);
	put_le32(bp + LINUX_HDR_RAMDISK_IMAGE, (uint32_t)initrd);
	put_le32(bp + LINUX_HDR_RAMDISK_SIZE, (uint32_t)initrd_len);
	put_le32(bp + LINUX_BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd >> 32));
	put_le32(bp + LINUX_BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_len >> 32));
	put_le16(bp + LINUX_HDR_HEAP_END_PTR, LINUX_HEAP_END_PTR);
	put_le32(bp + LINUX_HDR_CMD_LINE_PTR, (uint32_t)LINUX_CMDLINE_GPA);
	put_le32(bp + LINUX_BP_EXT_CMD_LINE_PTR, 0);
	/* 2.14 brought boot_params.acpi_rsdp_addr (Linux 5.0). */
	if (h->version >= 0x020E && l->rsdp)
		put_le64(bp + LINUX_BP_ACPI_RSDP_ADDR, l->rsdp);
	bp[LINUX_BP_E820_ENTRIES] = (uint8_t)l->n_e820;
	for (i = 0; i < l->n_e820; i++) {
		uint8_t *e = bp + LINUX_BP_E820_TABLE + i * LINUX_E820_ENTRY_SIZE;

		put_le64(e, l->e820[i].addr);
		put_le64(e + 8, l->e820[i].size);
		put_le32(e + 16, l->e820[i].type);
	}
}

int linux_load(struct guest_mem *mem, const uint8_t *img, size_t len,
	       const uint8_t *initrd, size_t initrd_len, const char *cmdline,
	       const struct linux_layout *layout, struct linux_boot *out,
	       char *err, size_t errlen)
{
	struct bzhdr h;
	uint64_t kernel_end, initrd_at = 0;
	size_t clen;
	bool entry64;

	memset(out, 0, sizeof(*out));
	if (!initrd)
		initrd_len = 0;
	if (!cmdline)
		cmdline = "";
	/* Every check first: a refused image leaves guest RAM as it was. */
	if (parse_header(img, len, &h, err, errlen) < 0)
		return -1;
	if (layout->n_e820 > LINUX_LAYOUT_MAX_E820) {
		seterr(err, errlen, "layout has %u e820 entries, at most %d fit",
		       layout->n_e820, LINUX_LAYOUT_MAX_E820);
		return -1;
	}
	if (place_kernel(mem, &h, &kernel_end, err, errlen) < 0)
		return -1;
	/* The 64-bit entry is 0x200 into the protected-mode kernel: a file
	 * that ends before it would start the vCPU on bytes never loaded. */
	if ((h.xloadflags & LINUX_XLF_KERNEL_64) && h.pm_len <= 0x200) {
		seterr(err, errlen, "bzImage truncated: the 64-bit entry is at "
		       "offset 0x200 of the protected-mode kernel, which has "
		       "%llu bytes", ULL(h.pm_len));
		return -1;
	}
	clen = strlen(cmdline);
	if (clen > h.cmdline_size) {
		seterr(err, errlen, "command line of %zu bytes is longer than "
		       "the kernel's cmdline_size of %u", clen, h.cmdline_size);
		return -1;
	}
	if (clen + 1 > PC_ACPI_TABLES - LINUX_CMDLINE_GPA) {
		seterr(err, errlen, "command line of %zu bytes does not fit in "
		       "low memory at 0x%llx-0x%llx", clen,
		       ULL(LINUX_CMDLINE_GPA), ULL(PC_ACPI_TABLES));
		return -1;
	}
	if (initrd_len && place_initrd(mem, &h, kernel_end, initrd_len,
				       &initrd_at, err, errlen) < 0)
		return -1;
	/* The kernel takes the map as the truth: what it is handed must be
	 * RAM there (the 1 MiB above the kernel makes it all guest RAM). */
	if (check_e820(layout, "page tables, zero page and GDT",
		       LINUX_PML4_GPA, LOW_END, err, errlen) < 0 ||
	    check_e820(layout, "command line", LINUX_CMDLINE_GPA,
		       LINUX_CMDLINE_GPA + clen + 1, err, errlen) < 0 ||
	    check_e820(layout, "kernel", LINUX_KERNEL_GPA, kernel_end, err,
		       errlen) < 0 ||
	    (initrd_len && check_e820(layout, "initrd", initrd_at,
				      initrd_at + initrd_len, err, errlen) < 0))
		return -1;

	entry64 = h.xloadflags & LINUX_XLF_KERNEL_64;
	memcpy(mem->base + LINUX_KERNEL_GPA, img + h.setup_size, h.pm_len);
	if (initrd_len)
		memcpy(mem->base + initrd_at, initrd, initrd_len);
	memcpy(mem->base + LINUX_CMDLINE_GPA, cmdline, clen + 1);
	write_zero_page(mem, img, &h, layout, initrd_at, initrd_len);
	write_gdt(mem, entry64);
	if (entry64)
		write_page_tables(mem);

	/* boot.rst: the 64-bit entry is the loaded kernel + 0x200, the
	 * 32-bit one its start (code32_start). */
	out->entry = LINUX_KERNEL_GPA + (entry64 ? 0x200 : 0);
	out->entry64 = entry64;
	out->zero_page = LINUX_ZERO_PAGE_GPA;
	out->page_tables = entry64 ? LINUX_PML4_GPA : 0;
	out->gdt = LINUX_GDT_GPA;
	out->gdt_limit = LINUX_GDT_LIMIT;
	out->protocol = h.version;
	out->kernel_start = LINUX_KERNEL_GPA;
	out->kernel_end = kernel_end;
	out->initrd = initrd_at;
	out->initrd_size = initrd_len;
	out->cmdline = LINUX_CMDLINE_GPA;
	return 0;
}
