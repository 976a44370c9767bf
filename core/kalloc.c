#include "core/kalloc.h"
#include "lib/libc.h"
#include "lib/pmm.h"

/* The machine has one physical memory; this is its allocator. */
static struct pmm *the_pmm;
static uint64_t nallocs, fail_at;	/* kalloc_fail_nth(): 0 = never */

void kalloc_init(struct pmm *pmm)
{
	the_pmm = pmm;
}

void *kalloc_pages(size_t bytes, uint64_t align)
{
	uint64_t npages = (bytes + 4095) / 4096;
	uint64_t pa;

	if (++nallocs == fail_at)
		return NULL;
	pa = pmm_alloc(the_pmm, npages, align < 4096 ? 4096 : align);
	if (!pa)
		return NULL;
	memset((void *)(uintptr_t)pa, 0, npages * 4096);
	return (void *)(uintptr_t)pa;
}

void *kzalloc(size_t bytes)
{
	return kalloc_pages(bytes, 4096);
}

/* Frees what kalloc_pages or kzalloc returned, given the same size. */
void kfree(void *p, size_t bytes)
{
	if (p)
		pmm_free(the_pmm, (uint64_t)(uintptr_t)p, (bytes + 4095) / 4096);
}

uint64_t kalloc_free_bytes(void)
{
	return pmm_free_pages(the_pmm) * 4096;
}

uint64_t kalloc_count(void)
{
	return nallocs;
}

void kalloc_fail_nth(uint64_t n)
{
	fail_at = n ? nallocs + n : 0;
}
