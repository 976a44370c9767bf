/* Physical page allocator over a sorted array of free extents.
 * Invariant: ext[0..n) sorted by base, each non-empty, and ext[i].end <
 * ext[i+1].base (never touching: touching extents are merged). Pure code:
 * also built into host unit tests. */
#include "lib/pmm.h"

void pmm_init(struct pmm *p)
{
	p->n = 0;
}

static void remove_at(struct pmm *p, int i)
{
	memmove(&p->ext[i], &p->ext[i + 1], (size_t)(p->n - i - 1) * sizeof(p->ext[0]));
	p->n--;
}

static int insert_at(struct pmm *p, int i, uint64_t base, uint64_t end)
{
	if (p->n == PMM_MAX_EXTENTS)
		return -1;
	memmove(&p->ext[i + 1], &p->ext[i], (size_t)(p->n - i) * sizeof(p->ext[0]));
	p->ext[i].base = base;
	p->ext[i].end = end;
	p->n++;
	return 0;
}

/* Insert free [base, end) (page-aligned, non-empty), merging with every
 * extent it overlaps or touches. */
static int insert_free(struct pmm *p, uint64_t base, uint64_t end)
{
	int i = 0;

	/* Skip extents entirely below, not even touching. */
	while (i < p->n && p->ext[i].end < base)
		i++;
	if (i == p->n || p->ext[i].base > end)
		return insert_at(p, i, base, end);
	/* ext[i] overlaps or touches: grow it, then swallow followers. */
	if (base < p->ext[i].base)
		p->ext[i].base = base;
	if (end > p->ext[i].end)
		p->ext[i].end = end;
	while (i + 1 < p->n && p->ext[i + 1].base <= p->ext[i].end) {
		if (p->ext[i + 1].end > p->ext[i].end)
			p->ext[i].end = p->ext[i + 1].end;
		remove_at(p, i + 1);
	}
	return 0;
}

/* Remove [base, end) from the free set, splitting an extent if needed. */
static int remove_range(struct pmm *p, uint64_t base, uint64_t end)
{
	for (int i = 0; i < p->n; i++) {
		struct pmm_extent *e = &p->ext[i];

		if (e->end <= base)
			continue;
		if (e->base >= end)
			break;
		if (e->base < base && e->end > end) {
			/* Hole in the middle: keep the low part, add the high. */
			uint64_t old_end = e->end;
			if (insert_at(p, i + 1, end, old_end) < 0)
				return -1;
			p->ext[i].end = base;
			return 0;
		}
		if (e->base < base) {
			e->end = base; /* cut the tail */
		} else if (e->end > end) {
			e->base = end; /* cut the head */
		} else {
			remove_at(p, i); /* wholly covered */
			i--;
		}
	}
	return 0;
}

int pmm_add(struct pmm *p, uint64_t base, uint64_t len)
{
	uint64_t end = base + len;

	if (len == 0 || base > UINT64_MAX - (PMM_PAGE_SIZE - 1))
		return 0;
	if (end < base)
		end = UINT64_MAX; /* clamp a range that wraps */
	end = ALIGN_DOWN(end, PMM_PAGE_SIZE);
	base = ALIGN_UP(base, PMM_PAGE_SIZE);
	if (base == 0)
		base = PMM_PAGE_SIZE; /* page 0 is pmm_alloc's failure value */
	if (end <= base)
		return 0; /* nothing left after aligning inward */
	return insert_free(p, base, end);
}

int pmm_reserve(struct pmm *p, uint64_t base, uint64_t len)
{
	uint64_t end = base + len;

	if (len == 0)
		return 0;
	if (end < base || end > UINT64_MAX - PMM_PAGE_SIZE)
		end = UINT64_MAX & ~(PMM_PAGE_SIZE - 1);
	else
		end = ALIGN_UP(end, PMM_PAGE_SIZE);
	base = ALIGN_DOWN(base, PMM_PAGE_SIZE);
	return remove_range(p, base, end);
}

uint64_t pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align)
{
	if (npages == 0 || npages > UINT64_MAX / PMM_PAGE_SIZE)
		return 0;
	if (align < PMM_PAGE_SIZE)
		align = PMM_PAGE_SIZE;
	if (align & (align - 1))
		return 0; /* not a power of two */

	uint64_t size = npages * PMM_PAGE_SIZE;

	for (int i = 0; i < p->n; i++) {
		struct pmm_extent *e = &p->ext[i];
		uint64_t pa = ALIGN_UP(e->base, align);

		if (pa < e->base || pa >= e->end || e->end - pa < size)
			continue;
		/* The alignment gap below pa stays free (may split the extent). */
		if (remove_range(p, pa, pa + size) < 0)
			return 0;
		return pa;
	}
	return 0;
}

void pmm_free(struct pmm *p, uint64_t pa, uint64_t npages)
{
	if (npages == 0 || pa == 0 || (pa & (PMM_PAGE_SIZE - 1)) ||
	    npages > (UINT64_MAX - pa) / PMM_PAGE_SIZE)
		return;
	/* A failed insert (table full) leaks the pages: safe, and with 128
	 * extents it only happens under extreme fragmentation. */
	(void)insert_free(p, pa, pa + npages * PMM_PAGE_SIZE);
}

uint64_t pmm_free_pages(const struct pmm *p)
{
	uint64_t total = 0;

	for (int i = 0; i < p->n; i++)
		total += (p->ext[i].end - p->ext[i].base) / PMM_PAGE_SIZE;
	return total;
}
