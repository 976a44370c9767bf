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

#endif
