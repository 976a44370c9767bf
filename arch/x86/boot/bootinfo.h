/* What the hypervisor learns from its own bootloader: Multiboot2
 * (Multiboot2 spec 1.0, section 3.6 "Boot information format") or
 * Multiboot v1 (Multiboot spec 0.6.96, section 3.3). Pure parsing: all
 * reads of bootloader memory go through a caller-supplied map function. */
#ifndef VIREO_ARCH_X86_BOOT_BOOTINFO_H
#define VIREO_ARCH_X86_BOOT_BOOTINFO_H

#include "lib/libc.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB1_BOOTLOADER_MAGIC 0x2BADB002u

#define BOOT_MEM_AVAILABLE 1	/* boot_mem_range.type, as in both specs */
#define BOOT_MAX_MEM       64
#define BOOT_MAX_MODS      32

struct boot_mem_range {
	uint64_t base, len;
	uint32_t type;
};

/* Module strings carry a VM's whole description, its 4 KiB guest command
 * line included. */
#define BOOT_STRING_MAX 8192

struct boot_module {
	uint64_t start, end;	/* [start, end) physical */
	char string[BOOT_STRING_MAX];
	char refused[96];	/* why the module cannot be used; "" if it can */
};

struct boot_info {
	char cmdline[BOOT_STRING_MAX];
	char cmdline_refused[96];	/* why the command line was dropped, or "" */
	char loader[64];
	struct boot_mem_range mem[BOOT_MAX_MEM];
	int nmem;
	struct boot_module mods[BOOT_MAX_MODS];
	int nmods;
	unsigned mods_listed;		/* modules the loader listed (> nmods: dropped) */
	uint64_t rsdp_copy_phys;	/* the bootloader's RSDP copy, 0 if none */
	uint8_t rsdp[36];		/* that copy: 20 bytes (v1) or 36 (v2+) */
	bool has_rsdp;
};

/* phys -> readable pointer to len bytes, NULL if out of range. */
typedef const void *(*bootinfo_map_fn)(void *ctx, uint64_t phys, size_t len);

/* Parse the structure at info_phys according to magic (EAX at entry).
 * Returns 0, or -1 with one line in err: bad magic, malformed structure,
 * a string too long for its field, or more than BOOT_MAX_MEM ranges /
 * BOOT_MAX_MODS modules (what fit is still filled in). A module whose
 * string is too long is kept with an empty string and the reason in
 * 'refused', a command line too long is dropped with the reason in
 * 'cmdline_refused'; neither alone is an error. */
int bootinfo_parse(uint32_t magic, uint64_t info_phys, bootinfo_map_fn map,
		   void *ctx, struct boot_info *out, char *err, size_t errlen);

#endif
