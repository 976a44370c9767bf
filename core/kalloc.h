/* Host memory for the hypervisor's own objects: whole, zeroed pages from
 * the one physical allocator (set up at boot). Memory is identity mapped,
 * so a host physical address is also a pointer. */
#ifndef VIREO_CORE_KALLOC_H
#define VIREO_CORE_KALLOC_H

#include <stddef.h>
#include <stdint.h>

struct pmm;

void kalloc_init(struct pmm *pmm);
/* 'align' is a power of two >= 4096; returns NULL when memory is short. */
void *kalloc_pages(size_t bytes, uint64_t align);
void *kzalloc(size_t bytes);          /* page-granular, page aligned */
void kfree(void *p, size_t bytes);
uint64_t kalloc_free_bytes(void);

/* Allocations made so far (kalloc_pages and kzalloc calls). */
uint64_t kalloc_count(void);
/* Testing (the hypervisor option kalloc_fail=N): the Nth allocation from
 * now on returns NULL as if memory were short, once; 0 cancels. Lets a
 * test refuse a VM at any step of its creation and check that it gave
 * everything back. */
void kalloc_fail_nth(uint64_t n);

#endif
