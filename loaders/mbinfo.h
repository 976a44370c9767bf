/* Multiboot v1 boot information structure, built in guest memory.
 * Layout: Multiboot Specification 0.6.96, section 3.3 "Boot information
 * format"; every address in it is a 32-bit guest-physical address. */
#ifndef VIREO_LOADERS_MBINFO_H
#define VIREO_LOADERS_MBINFO_H

#include "loaders/guest_mem.h"

/* 'flags' bits of the information structure. */
#define MBI_FLAG_MEM         BIT(0)	/* mem_lower, mem_upper */
#define MBI_FLAG_CMDLINE     BIT(2)
#define MBI_FLAG_MODS        BIT(3)
#define MBI_FLAG_MMAP        BIT(6)
#define MBI_FLAG_LOADER_NAME BIT(9)

/* Byte offsets of the fields Vireo fills in. */
#define MBI_OFF_FLAGS        0
#define MBI_OFF_MEM_LOWER    4
#define MBI_OFF_MEM_UPPER    8
#define MBI_OFF_CMDLINE      16
#define MBI_OFF_MODS_COUNT   20
#define MBI_OFF_MODS_ADDR    24
#define MBI_OFF_MMAP_LENGTH  44
#define MBI_OFF_MMAP_ADDR    48
#define MBI_OFF_LOADER_NAME  64
#define MBI_INFO_SIZE        120	/* 116 bytes through color_info, padded */

#define MBI_MOD_SIZE         16	/* mod_start, mod_end, string, reserved */
#define MBI_MMAP_ENTRY_SIZE  24	/* size(=20), base_addr, length, type */
#define MBI_MMAP_AVAILABLE   1
#define MBI_MMAP_RESERVED    2
#define MBI_MMAP_MAX         6

#define MBI_LOADER_NAME      "Vireo"
#define MBI_MEM_LOWER_KB     639	/* 0x9FC00: the top 1K is the EBDA */

struct mbinfo_module {
	uint64_t start, end;	/* [start, end): mod_end is exclusive, as GRUB */
	const char *string;
};

/* Bytes mbinfo_build writes for these arguments. */
uint64_t mbinfo_size(const char *cmdline, const struct mbinfo_module *mods,
		     int nmods);

/* Write the information structure and everything it points to (module
 * list, memory map, strings) at [gpa, gpa + mbinfo_size()). Returns 0, or
 * -1 with err set if that range is not all guest RAM below 4 GiB. */
int mbinfo_build(struct guest_mem *mem, uint64_t gpa, const char *cmdline,
		 const struct mbinfo_module *mods, int nmods, char *err,
		 size_t errlen);

#endif
