/* Physical page allocator: a sorted array of disjoint, non-adjacent free
 * extents. Small and explicit (no globals): the caller owns struct pmm. */
#ifndef VIREO_LIB_PMM_H
#define VIREO_LIB_PMM_H

#include "lib/libc.h"

#define PMM_PAGE_SIZE   4096ULL
#define PMM_MAX_EXTENTS 128

struct pmm_extent {
	uint64_t base; /* page-aligned */
	uint64_t end;  /* exclusive, page-aligned, > base */
};

struct pmm {
	struct pmm_extent ext[PMM_MAX_EXTENTS]; /* sorted by base */
	int n;
};

void pmm_init(struct pmm *p);
/* Add free RAM [base, base+len), shrunk inward to whole pages. Overlaps with
 * free memory already present are merged. 0 on success, -1 if the table is
 * full. Page 0 is never added (0 means "failure" from pmm_alloc). */
int pmm_add(struct pmm *p, uint64_t base, uint64_t len);
/* Remove [base, base+len), widened outward to whole pages, from the free
 * set (kernel image, modules, low 1 MiB). 0 on success, -1 if splitting
 * would overflow the table. Reserving memory that is not free is a no-op. */
int pmm_reserve(struct pmm *p, uint64_t base, uint64_t len);
/* First fit: npages contiguous pages whose address is a multiple of align
 * (a power of two; 0 or anything below a page means page-aligned). Returns
 * the physical address, or 0 on failure. */
uint64_t pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align);
/* Return pages from pmm_alloc; adjacent free extents coalesce. */
void pmm_free(struct pmm *p, uint64_t pa, uint64_t npages);
uint64_t pmm_free_pages(const struct pmm *p);

#endif
