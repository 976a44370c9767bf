/* A guest's RAM as the loaders see it: guest-physical address g lives at
 * base + g. The PC layout leaves [0xA0000, 0x100000) to VGA memory and
 * option/BIOS ROMs, so RAM is [0, 0xA0000) and [0x100000, size). */
#ifndef VIREO_LOADERS_GUEST_MEM_H
#define VIREO_LOADERS_GUEST_MEM_H

#include "lib/libc.h"

#define GMEM_HOLE_START 0xA0000ULL
#define GMEM_HOLE_END   0x100000ULL

struct guest_mem {
	uint8_t *base;
	uint64_t size;
};

/* True if every byte of [gpa, gpa + len) is guest RAM; false for len 0,
 * for ranges that wrap, and for any overlap with the legacy hole. */
static inline bool gmem_is_ram(const struct guest_mem *m, uint64_t gpa,
			       uint64_t len)
{
	uint64_t end = gpa + len;

	if (len == 0 || end < gpa || end > m->size)
		return false;
	return end <= GMEM_HOLE_START || gpa >= GMEM_HOLE_END;
}

/* True if [gpa, gpa + len) touches the legacy hole. */
static inline bool gmem_in_hole(uint64_t gpa, uint64_t len)
{
	return len && gpa < GMEM_HOLE_END && gpa + len > GMEM_HOLE_START;
}

/* Host pointer to [gpa, gpa + len), or NULL if that is not all RAM. */
static inline void *gmem_ptr(const struct guest_mem *m, uint64_t gpa,
			     uint64_t len)
{
	return gmem_is_ram(m, gpa, len) ? m->base + gpa : NULL;
}

#endif
