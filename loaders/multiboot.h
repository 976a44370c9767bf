/* Multiboot v1 kernel loader (Multiboot Specification 0.6.96) and raw
 * real-mode image loader. */
#ifndef VIREO_LOADERS_MULTIBOOT_H
#define VIREO_LOADERS_MULTIBOOT_H

#include "loaders/guest_mem.h"

#define MB_HEADER_MAGIC     0x1BADB002u	/* in the kernel image (3.1.1) */
#define MB_BOOTLOADER_MAGIC 0x2BADB002u	/* in EAX at entry (3.2) */
#define MB_SEARCH_LEN       8192	/* header within the first 8 KiB */

#define MB_FLAG_PAGE_ALIGN  BIT(0)	/* modules on 4 KiB boundaries */
#define MB_FLAG_MEMINFO     BIT(1)	/* mem_* and mmap_* required */
#define MB_FLAG_VIDEO       BIT(2)	/* video mode table required */
#define MB_FLAG_AOUT_KLUDGE BIT(16)	/* use the header's address fields */

#define MB_MAX_MODULES      64
#define MB_INFO_LOW_GPA     0x9000	/* preferred home of the boot info */

/* A Multiboot header as found in an image (3.1.1-3.1.3). The address
 * fields are valid only with MB_FLAG_AOUT_KLUDGE. */
struct mb_header {
	uint32_t offset;		/* file offset of 'magic' */
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	uint32_t entry_addr;
};

struct mb_module_in {
	const uint8_t *data;
	size_t len;
	const char *string;	/* handed to the guest as the module string */
};

struct mb_boot {
	uint32_t entry;		/* EIP at entry; EAX = 0x2BADB002, EBX = info_gpa */
	uint32_t info_gpa;	/* Multiboot information structure */
	uint64_t kernel_lo, kernel_hi;	/* loaded kernel [lo, hi), bss included */
};

/* Find and validate the Multiboot header: 4-byte aligned, wholly within
 * the first 8192 bytes, magic + flags + checksum == 0 (mod 2^32), and no
 * required flag (bits 0-15) that Vireo cannot honour. */
int mb_find_header(const uint8_t *img, size_t len, struct mb_header *out,
		   char *err, size_t errlen);

/* Load a Multiboot kernel image: with the a.out kludge by the header's
 * address fields, otherwise as ELF32/ELF64 by p_paddr. */
int mb_load_kernel(struct guest_mem *mem, const uint8_t *img, size_t len,
		   struct mb_boot *out, char *err, size_t errlen);

/* Load the kernel, copy the modules page-aligned above it, and build the
 * boot information (loaders/mbinfo.h) at 0x9000 or, if that would collide
 * with the kernel, after the last module. Returns 0 or -1 with err set. */
int mb_prepare(struct guest_mem *mem, const uint8_t *kernel, size_t kernel_len,
	       const char *cmdline, const struct mb_module_in *mods, int nmods,
	       struct mb_boot *out, char *err, size_t errlen);

/* Copy a raw image to guest-physical 'load'. The host starts it in real
 * mode at CS:IP = (entry >> 4):(entry & 0xF). */
int raw_load(struct guest_mem *mem, const uint8_t *img, size_t len,
	     uint64_t load, char *err, size_t errlen);

#endif
